#include "maskinporten/jwt.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/json.h"

namespace mp {

struct Claims::Impl {
  nlohmann::json json;
};

namespace {

using Json = nlohmann::json;

const Json& Node(const void* node) { return *static_cast<const Json*>(node); }

Status InvalidClaim(std::string_view name, std::string_view what) {
  return Status(Errc::kInvalidClaim, "claim " + std::string(name) + " " + std::string(what));
}

// a + b for b >= 0, saturating at the int64 maximum.
int64_t SatAdd(int64_t a, int64_t b) {
  if (a > std::numeric_limits<int64_t>::max() - b) return std::numeric_limits<int64_t>::max();
  return a + b;
}

// a - b, saturating at the int64 limits (for messages about absurd dates).
int64_t SatSub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) {
    return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return r;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s.substr(0, 256)) + "\""; }

}  // namespace

Result<Claims> Claims::Parse(std::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, ParseStrictJsonObject(json));
  auto impl = std::make_shared<Impl>();
  impl->json = std::move(j);
  const void* node = &impl->json;
  return Claims(std::move(impl), node);
}

bool Claims::Has(std::string_view name) const { return Node(node_).contains(name); }

Result<std::optional<std::string>> Claims::GetString(std::string_view name) const {
  auto it = Node(node_).find(name);
  if (it == Node(node_).end()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidClaim(name, "must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<Claims>> Claims::GetObject(std::string_view name) const {
  auto it = Node(node_).find(name);
  if (it == Node(node_).end()) return std::optional<Claims>();
  if (!it->is_object()) return InvalidClaim(name, "must be an object");
  return std::optional<Claims>(Claims(impl_, &*it));
}

Result<std::optional<int64_t>> Claims::GetNumericDate(std::string_view name) const {
  auto it = Node(node_).find(name);
  if (it == Node(node_).end()) return std::optional<int64_t>();
  // RFC 7519 §2: NumericDate is a JSON number, possibly non-integer.
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    return std::optional<int64_t>(it->get<int64_t>());
  }
  if (it->is_number_unsigned()) {
    uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidClaim(name, "is out of range: " + it->dump());
    }
    return std::optional<int64_t>(static_cast<int64_t>(v));
  }
  if (it->is_number_float()) {
    double v = std::floor(it->get<double>());
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if (!std::isfinite(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
      return InvalidClaim(name, "is out of range: " + it->dump());
    }
    return std::optional<int64_t>(static_cast<int64_t>(v));
  }
  return InvalidClaim(name,
                      "must be a NumericDate (JSON number); it is " + std::string(it->type_name()));
}

Result<std::optional<std::vector<std::string>>> Claims::GetStringOrArray(
    std::string_view name) const {
  auto it = Node(node_).find(name);
  if (it == Node(node_).end()) return std::optional<std::vector<std::string>>();
  std::vector<std::string> out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const Json& v : *it) {
      if (!v.is_string()) return InvalidClaim(name, "must be a string or an array of strings");
      out.push_back(v.get<std::string>());
    }
  } else {
    return InvalidClaim(name, "must be a string or an array of strings");
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

std::vector<std::string> Claims::Names() const {
  std::vector<std::string> names;
  for (auto it = Node(node_).begin(); it != Node(node_).end(); ++it) names.push_back(it.key());
  return names;  // nlohmann::json objects are ordered by key
}

std::string Claims::ToJson() const { return DumpJson(Node(node_)); }

std::string Claims::MemberJson(std::string_view name) const {
  auto it = Node(node_).find(name);
  if (it == Node(node_).end()) return "";
  return DumpJson(*it);
}

Status ValidateClaims(const Claims& claims, const ClaimsOptions& options) {
  if (options.leeway.count() < 0) {
    return Status(Errc::kInvalidArgument, "leeway is " + std::to_string(options.leeway.count()) +
                                              " s; must not be negative");
  }
  const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock::Instance();
  const int64_t now = clock.NowSeconds();
  const int64_t leeway = options.leeway.count();
  const std::string leeway_text = "(leeway " + std::to_string(leeway) + " s)";

  // RFC 7519 §4.1.4: the current time MUST be before exp.
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> exp, claims.GetNumericDate("exp"));
  if (!exp && options.require_exp) return Status(Errc::kMissingClaim, "claim exp is missing");
  if (exp && now >= SatAdd(*exp, leeway)) {
    return Status(Errc::kTokenExpired, "exp " + std::to_string(*exp) + " is " +
                                           std::to_string(SatSub(now, *exp)) + " s before now " +
                                           std::to_string(now) + " " + leeway_text);
  }
  // RFC 7519 §4.1.5: not before nbf.
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> nbf, claims.GetNumericDate("nbf"));
  if (nbf && SatAdd(now, leeway) < *nbf) {
    return Status(Errc::kTokenNotYetValid, "nbf " + std::to_string(*nbf) + " is " +
                                               std::to_string(SatSub(*nbf, now)) + " s after now " +
                                               std::to_string(now) + " " + leeway_text);
  }
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> iat, claims.GetNumericDate("iat"));
  if (!iat && options.require_iat) return Status(Errc::kMissingClaim, "claim iat is missing");
  if (iat && *iat > SatAdd(now, leeway)) {
    return Status(Errc::kIssuedInFuture, "iat " + std::to_string(*iat) + " is " +
                                             std::to_string(SatSub(*iat, now)) + " s after now " +
                                             std::to_string(now) + " " + leeway_text);
  }
  if (options.issuer) {
    MP_ASSIGN_OR_RETURN(std::optional<std::string> iss, claims.GetString("iss"));
    if (!iss) return Status(Errc::kMissingClaim, "claim iss is missing");
    if (*iss != *options.issuer) {
      return Status(Errc::kIssuerMismatch,
                    "iss " + Quoted(*iss) + " is not the expected " + Quoted(*options.issuer));
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
                                                 " does not contain " + Quoted(*options.audience));
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
