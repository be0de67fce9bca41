#include "maskinporten/jwt.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/checked.h"
#include "core/json.h"
#include "core/strings.h"

namespace mp {

struct Claims::Impl {
  JsonDocument doc;
};

namespace {

using Type = JsonDocument::Type;
constexpr JsonDocument::Index kNone = JsonDocument::kNone;

Status InvalidClaim(std::string_view name, std::string_view what) {
  return Status(Errc::kInvalidClaim, "claim " + std::string(name) + " " + std::string(what));
}


}  // namespace

Result<Claims> Claims::Parse(std::string_view json) {
  auto impl = std::make_shared<Impl>();
  MP_ASSIGN_OR_RETURN(impl->doc, JsonDocument::Parse(std::string(json)));
  if (impl->doc.type(JsonDocument::kRoot) != Type::kObject) {
    return Status(Errc::kInvalidJson, "expected a JSON object");
  }
  return Claims(std::move(impl), JsonDocument::kRoot);
}

bool Claims::Has(std::string_view name) const { return impl_->doc.Find(node_, name) != kNone; }

Result<std::optional<std::string>> Claims::GetString(std::string_view name) const {
  const JsonDocument& doc = impl_->doc;
  JsonDocument::Index v = doc.Find(node_, name);
  if (v == kNone) return std::optional<std::string>();
  if (doc.type(v) != Type::kString) return InvalidClaim(name, "must be a string");
  return std::optional<std::string>(doc.String(v));
}

Result<std::optional<Claims>> Claims::GetObject(std::string_view name) const {
  JsonDocument::Index v = impl_->doc.Find(node_, name);
  if (v == kNone) return std::optional<Claims>();
  if (impl_->doc.type(v) != Type::kObject) return InvalidClaim(name, "must be an object");
  return std::optional<Claims>(Claims(impl_, v));
}

Result<std::optional<int64_t>> Claims::GetNumericDate(std::string_view name) const {
  const JsonDocument& doc = impl_->doc;
  JsonDocument::Index v = doc.Find(node_, name);
  if (v == kNone) return std::optional<int64_t>();
  // RFC 7519 §2: NumericDate is a JSON number, possibly non-integer.
  switch (doc.type(v)) {
    case Type::kNumberInteger:
      return std::optional<int64_t>(doc.Integer(v));
    case Type::kNumberUnsigned:
      if (doc.Unsigned(v) > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return InvalidClaim(name, "is out of range: " + MemberJson(name));
      }
      return std::optional<int64_t>(static_cast<int64_t>(doc.Unsigned(v)));
    case Type::kNumberFloat: {
      double d = std::floor(doc.Float(v));
      // 2^63 is exactly representable; anything at or beyond it does not fit.
      if (!std::isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
        return InvalidClaim(name, "is out of range: " + MemberJson(name));
      }
      return std::optional<int64_t>(static_cast<int64_t>(d));
    }
    default:
      return InvalidClaim(
          name, "must be a NumericDate (JSON number); it is " + std::string(doc.TypeName(v)));
  }
}

Result<std::optional<std::vector<std::string>>> Claims::GetStringOrArray(
    std::string_view name) const {
  const JsonDocument& doc = impl_->doc;
  JsonDocument::Index v = doc.Find(node_, name);
  if (v == kNone) return std::optional<std::vector<std::string>>();
  std::vector<std::string> out;
  if (doc.type(v) == Type::kString) {
    out.emplace_back(doc.String(v));
  } else if (doc.type(v) == Type::kArray) {
    for (JsonDocument::Index e = doc.First(v); e != kNone; e = doc.Next(v, e)) {
      if (doc.type(e) != Type::kString) {
        return InvalidClaim(name, "must be a string or an array of strings");
      }
      out.emplace_back(doc.String(e));
    }
  } else {
    return InvalidClaim(name, "must be a string or an array of strings");
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

std::vector<std::string> Claims::Names() const {
  const JsonDocument& doc = impl_->doc;
  std::vector<std::string> names;
  for (JsonDocument::Index k = doc.First(node_); k != kNone; k = doc.Next(node_, k)) {
    names.emplace_back(doc.String(k));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Claims::ToJson() const { return DumpJson(impl_->doc.ToJson(node_)); }

std::string Claims::MemberJson(std::string_view name) const {
  JsonDocument::Index v = impl_->doc.Find(node_, name);
  if (v == kNone) return "";
  return DumpJson(impl_->doc.ToJson(v));
}

Status ValidateClaims(const Claims& claims, const ClaimsOptions& options) {
  if (options.leeway.count() < 0) {
    return Status(Errc::kInvalidArgument, "leeway is " + std::to_string(options.leeway.count()) +
                                              " s; must not be negative");
  }
  const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock::Instance();
  const int64_t now = clock.NowSeconds();
  const int64_t leeway = options.leeway.count();
  // The claims are numbers from outside: every sum and difference below saturates at the int64
  // limits instead of wrapping, which keeps each comparison exact (the leeway is not negative,
  // and a sum past INT64_MAX compares like INT64_MAX against a clock's time).
  const std::string leeway_text = "(leeway " + std::to_string(leeway) + " s)";

  // RFC 7519 §4.1.4: the current time MUST be before exp.
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> exp, claims.GetNumericDate("exp"));
  if (!exp && options.require_exp) return Status(Errc::kMissingClaim, "claim exp is missing");
  if (exp && now >= SaturatingAdd(*exp, leeway)) {
    return Status(Errc::kTokenExpired, "exp " + std::to_string(*exp) + " is " +
                                           std::to_string(SaturatingSub(now, *exp)) +
                                           " s before now " + std::to_string(now) + " " +
                                           leeway_text);
  }
  // RFC 7519 §4.1.5: not before nbf.
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> nbf, claims.GetNumericDate("nbf"));
  if (nbf && SaturatingAdd(now, leeway) < *nbf) {
    return Status(Errc::kTokenNotYetValid, "nbf " + std::to_string(*nbf) + " is " +
                                               std::to_string(SaturatingSub(*nbf, now)) +
                                               " s after now " + std::to_string(now) + " " +
                                               leeway_text);
  }
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> iat, claims.GetNumericDate("iat"));
  if (!iat && options.require_iat) return Status(Errc::kMissingClaim, "claim iat is missing");
  if (iat && *iat > SaturatingAdd(now, leeway)) {
    return Status(Errc::kIssuedInFuture, "iat " + std::to_string(*iat) + " is " +
                                             std::to_string(SaturatingSub(*iat, now)) +
                                             " s after now " + std::to_string(now) + " " +
                                             leeway_text);
  }
  if (options.issuer) {
    MP_ASSIGN_OR_RETURN(std::optional<std::string> iss, claims.GetString("iss"));
    if (!iss) return Status(Errc::kMissingClaim, "claim iss is missing");
    if (*iss != *options.issuer) {
      return Status(Errc::kIssuerMismatch, "iss " + Quote(*iss, 256) + " is not the expected " +
                                               Quote(*options.issuer, 256));
    }
  }
  if (options.audience) {
    MP_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> aud,
                        claims.GetStringOrArray("aud"));
    if (!aud) return Status(Errc::kMissingClaim, "claim aud is missing");
    bool found = false;
    for (const std::string& a : *aud) found = found || a == *options.audience;
    if (!found) {
      return Status(Errc::kAudienceMismatch, "aud " + claims.MemberJson("aud").substr(0, 256) +
                                                 " does not contain " +
                                                 Quote(*options.audience, 256));
    }
  }
  return OkStatus();
}

namespace {

Result<VerifiedJwt> ToJwt(VerifiedJws jws, const ClaimsOptions& options) {
  Result<Claims> claims = Claims::Parse(jws.payload);
  if (!claims.ok()) return claims.status().WithContext("JWT claims");
  MP_RETURN_IF_ERROR(ValidateClaims(*claims, options));
  return VerifiedJwt{.header = std::move(jws.header), .claims = std::move(claims).value()};
}

}  // namespace

Result<VerifiedJwt> VerifyJwt(std::string_view token, const PublicKey& key,
                              const VerifyOptions& verify, const ClaimsOptions& claims) {
  MP_ASSIGN_OR_RETURN(VerifiedJws jws, VerifyJws(token, key, verify));
  return ToJwt(std::move(jws), claims);
}

Result<VerifiedJwt> VerifyJwt(std::string_view token, const Jwks& jwks, const VerifyOptions& verify,
                              const ClaimsOptions& claims) {
  MP_ASSIGN_OR_RETURN(VerifiedJws jws, VerifyJws(token, jwks, verify));
  return ToJwt(std::move(jws), claims);
}

}  // namespace mp
