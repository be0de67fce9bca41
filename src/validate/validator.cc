// AccessTokenValidator: SPEC §10 on the API owner's side.
//
// The token is verified by VerifyJws with the JWKS cache as its key resolver: the header rules
// and the alg allowlist are applied before the key lookup, so a hostile header never costs a
// JWKS fetch; the payload is parsed once (Claims) and every claim is read from that parse.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/checked.h"
#include "core/scope_set.h"
#include "core/strings.h"
#include "maskinporten/jws.h"
#include "maskinporten/validator.h"

namespace mp {
namespace {

constexpr std::string_view kIso6523Authority = "iso6523-actorid-upis";
// The value Maskinporten documents for tokens requested without `resource` (SPEC §5): the token
// is not bound to any resource.
constexpr std::string_view kUnspecifiedAudience = "unspecified";

// consumer / supplier: {"authority":"iso6523-actorid-upis","ID":"0192:<orgno>"}. nullopt when
// the claim is absent.
Result<std::optional<OrgNumber>> OrgClaim(const Claims& claims, std::string_view name) {
  const std::string n(name);
  Result<std::optional<Claims>> object = claims.GetObject(name);
  if (!object.ok()) return Status(Errc::kInvalidClaim, "claim " + n + " must be an object");
  if (!object->has_value()) return std::optional<OrgNumber>();
  const Claims& obj = **object;
  Result<std::optional<std::string>> authority = obj.GetString("authority");
  if (!authority.ok()) {
    return Status(Errc::kInvalidClaim, "claim " + n + ".authority must be a string");
  }
  if (*authority && **authority != kIso6523Authority) {
    return Status(Errc::kInvalidClaim, "claim " + n + ".authority " + Quote(**authority, 256) +
                                           " is not \"iso6523-actorid-upis\"");
  }
  Result<std::optional<std::string>> id = obj.GetString("ID");
  if (!id.ok()) return Status(Errc::kInvalidClaim, "claim " + n + ".ID must be a string");
  if (!*id) return Status(Errc::kMissingClaim, "claim " + n + ".ID is missing");
  Result<OrgNumber> org = OrgNumber::ParseIso6523(**id);
  if (!org.ok()) {
    return Status(Errc::kInvalidOrgNumber,
                  "claim " + n + ".ID " + Quote(**id, 256) +
                      " is not \"0192:<org number>\": " + org.status().message());
  }
  return std::optional<OrgNumber>(*std::move(org));
}

Result<std::string> OptionalString(const Claims& claims, std::string_view name) {
  MP_ASSIGN_OR_RETURN(std::optional<std::string> value, claims.GetString(name));
  return value ? *std::move(value) : std::string();
}

// A time claim as a time_point, nullopt when absent. system_clock counts nanoseconds in 64 bits
// (years 1677..2262): a NumericDate outside 1970..2199 is refused (core/checked.h) before any
// arithmetic on it.
Result<std::optional<std::chrono::system_clock::time_point>> TimeClaim(const Claims& claims,
                                                                       std::string_view name) {
  using TimePoint = std::chrono::system_clock::time_point;
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> s, claims.GetNumericDate(name));
  if (!s) return std::optional<TimePoint>();
  MP_ASSIGN_OR_RETURN(int64_t seconds,
                      EpochSeconds(*s, "claim " + std::string(name), Errc::kInvalidClaim));
  return std::optional<TimePoint>(TimePoint(std::chrono::seconds(seconds)));
}

}  // namespace

bool ValidatedAccessToken::HasScope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

AccessTokenValidator::AccessTokenValidator(AccessTokenPolicy policy,
                                           std::shared_ptr<JwksCache> keys)
    : policy_(std::move(policy)), keys_(std::move(keys)) {}

Result<ValidatedAccessToken> AccessTokenValidator::Validate(std::string_view token) const {
  return Validate(token, {});
}

Result<ValidatedAccessToken> AccessTokenValidator::Validate(
    std::string_view token, const std::vector<std::string>& extra_scopes) const {
  if (keys_ == nullptr) return Status(Errc::kInvalidArgument, "validator has no JwksCache");
  if (policy_.issuer.empty()) return Status(Errc::kInvalidArgument, "policy issuer is empty");
  if (policy_.allowed_algs.empty()) {
    return Status(Errc::kInvalidArgument, "policy allowed_algs is empty");
  }

  // 1. Size, before any decoding.
  if (token.size() > policy_.max_token_bytes) {
    return Status(Errc::kLimitExceeded, "access token is " + std::to_string(token.size()) +
                                            " bytes; at most " +
                                            std::to_string(policy_.max_token_bytes) + " allowed");
  }
  // 2. Decode (three strict segments, header a JSON object with a string alg), 3. the header
  // rules and the alg allowlist before any key lookup, 4. the key by kid (a miss may refetch,
  // rate-limited), then the signature: VerifyJws with the JWKS cache as its key resolver.
  VerifyOptions options(policy_.allowed_algs);
  options.max_token_bytes = policy_.max_token_bytes;
  std::string kid;  // the kid of the key that verified: the header's, or the set's only key's
  auto resolve = [&](const JwsHeader& header, Algorithm) -> Result<PublicKey> {
    MP_ASSIGN_OR_RETURN(Jwk jwk, keys_->Find(header.kid));
    MP_RETURN_IF_ERROR(CheckJwkFits(jwk, header, options));
    kid = jwk.kid;
    return jwk.key;
  };
  MP_ASSIGN_OR_RETURN(VerifiedJws jws, VerifyJws(token, resolve, options));

  // 5. Registered claims: exp, nbf, iat (all with leeway; exp and iat required), iss exactly.
  Result<Claims> parsed = Claims::Parse(jws.payload);
  if (!parsed.ok()) return parsed.status().WithContext("access token claims");
  const Claims& claims = *parsed;
  // Range first: a date no Maskinporten token can carry is an invalid claim, whatever the clock.
  MP_ASSIGN_OR_RETURN(auto issued_at, TimeClaim(claims, "iat"));
  MP_ASSIGN_OR_RETURN(auto expires_at, TimeClaim(claims, "exp"));
  MP_RETURN_IF_ERROR(TimeClaim(claims, "nbf").status());
  MP_RETURN_IF_ERROR(ValidateClaims(claims, ClaimsOptions{.issuer = policy_.issuer,
                                                          .leeway = policy_.leeway,
                                                          .require_exp = true,
                                                          .require_iat = true,
                                                          .clock = policy_.clock}));

  // 6. Audience (RFC 8707 resource binding).
  std::optional<std::string> audience;
  MP_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> aud, claims.GetStringOrArray("aud"));
  if (policy_.audience) {
    if (!aud) {
      return Status(Errc::kMissingClaim,
                    "claim aud is missing; this API accepts only tokens for resource " +
                        Quote(*policy_.audience, 256));
    }
    if (std::find(aud->begin(), aud->end(), *policy_.audience) == aud->end()) {
      return Status(Errc::kAudienceMismatch, "aud " + claims.MemberJson("aud").substr(0, 256) +
                                                 " does not contain this API's resource " +
                                                 Quote(*policy_.audience, 256));
    }
    audience = *policy_.audience;
  } else if (aud && !(aud->size() == 1 && aud->front() == kUnspecifiedAudience)) {
    return Status(Errc::kAudienceMismatch,
                  "token is bound to resource " + claims.MemberJson("aud").substr(0, 256) +
                      "; this API has no resource value configured and accepts only unbound "
                      "tokens");
  }

  // 7. Consumer and supplier (ISO 6523 "0192:<orgno>").
  MP_ASSIGN_OR_RETURN(std::optional<OrgNumber> consumer, OrgClaim(claims, "consumer"));
  if (!consumer) return Status(Errc::kMissingClaim, "claim consumer is missing");
  MP_ASSIGN_OR_RETURN(std::optional<OrgNumber> supplier, OrgClaim(claims, "supplier"));
  if (supplier && !policy_.allow_supplier) {
    return Status(Errc::kConsumerNotAllowed, "token was issued to supplier " + supplier->Iso6523() +
                                                 " acting for consumer " + consumer->Iso6523() +
                                                 "; this API does not accept suppliers");
  }

  // 8. Scopes: every required one by exact equality.
  MP_ASSIGN_OR_RETURN(std::optional<std::string> scope, claims.GetString("scope"));
  if (!scope) return Status(Errc::kMissingClaim, "claim scope is missing");
  // RFC 6749 §3.3: the claim is a set; nothing but splitting on spaces is normalised, so
  // "a\tb" is one (unusable) scope.
  ScopeSet scopes = ScopeSet::Parse(*scope);
  for (const std::vector<std::string>* required : {&policy_.required_scopes, &extra_scopes}) {
    for (const std::string& s : *required) {
      if (!scopes.Contains(s)) {
        return Status(Errc::kInsufficientScope, "token lacks scope " + Quote(s, 256) +
                                                    "; it has scope " + Quote(*scope, 256));
      }
    }
  }

  // 9. The consumer allowlist.
  if (!policy_.allowed_consumers.empty() &&
      std::find(policy_.allowed_consumers.begin(), policy_.allowed_consumers.end(),
                consumer->digits()) == policy_.allowed_consumers.end()) {
    return Status(Errc::kConsumerNotAllowed, "consumer " + consumer->Iso6523() +
                                                 " is not among the consumers this API accepts");
  }

  // The rest of the token, type-checked.
  std::string details = claims.MemberJson("authorization_details");
  if (!details.empty() && details.front() != '[') {
    return Status(Errc::kInvalidClaim, "claim authorization_details must be an array");
  }
  MP_ASSIGN_OR_RETURN(std::string delegation_source, OptionalString(claims, "delegation_source"));
  MP_ASSIGN_OR_RETURN(std::string client_id, OptionalString(claims, "client_id"));
  MP_ASSIGN_OR_RETURN(std::string client_amr, OptionalString(claims, "client_amr"));
  MP_ASSIGN_OR_RETURN(std::string jti, OptionalString(claims, "jti"));
  ValidatedAccessToken validated{
      .consumer = *std::move(consumer),
      .supplier = std::move(supplier),
      .delegation_source = std::move(delegation_source),
      .scopes = std::move(scopes).scopes(),
      .client_id = std::move(client_id),
      .client_amr = std::move(client_amr),
      .jti = std::move(jti),
      .kid = jws.header.kid.empty() ? std::move(kid) : std::move(jws.header.kid),
      .issued_at = *issued_at,  // both present: ValidateClaims requires them
      .expires_at = *expires_at,
      .audience = std::move(audience),
      .authorization_details_json = std::move(details),
      .claims = *std::move(parsed),
  };

  // 10. The system user the API requires (SPEC §15).
  if (policy_.require_system_user_org) {
    const std::string want = policy_.require_system_user_org->Iso6523();
    MP_ASSIGN_OR_RETURN(std::optional<SystemUser> su, SystemUserFromAccessToken(validated));
    if (!su) {
      return Status(Errc::kConsumerNotAllowed,
                    "token carries no urn:altinn:systemuser entry; this API requires the system "
                    "user of " +
                        want);
    }
    if (su->org != *policy_.require_system_user_org) {
      return Status(Errc::kConsumerNotAllowed,
                    "token is for the system user of " + su->org.Iso6523() + ", not of " + want);
    }
  }
  return validated;
}

}  // namespace mp
