// JWT claims (RFC 7519) on top of a verified JWS.
//
// Claims is an immutable, strictly parsed JSON object (duplicate members refused). ValidateClaims
// checks the registered time and identity claims against an injected Clock:
// exp (required by default), nbf, iat (not in the future beyond leeway), iss (exact), aud (string
// or array containing the expected value). NumericDate may be an integer or a non-integer number.
//
//   mp::ClaimsOptions co{.issuer = "https://test.maskinporten.no/",
//                        .leeway = std::chrono::seconds(30)};
//   MP_ASSIGN_OR_RETURN(mp::VerifiedJwt jwt,
//                       mp::VerifyJwt(token, key, mp::VerifyOptions{mp::Algorithm::kRS256}, co));
//   std::optional<std::string> scope = jwt.claims.GetString("scope").value();
#ifndef MASKINPORTEN_JWT_H_
#define MASKINPORTEN_JWT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/clock.h"
#include "maskinporten/jose_export.h"
#include "maskinporten/jws.h"
#include "maskinporten/status.h"

namespace mp {

class MP_JOSE_EXPORT Claims {
 public:
  // A JSON object; Errc::kInvalidJson / kDuplicateJsonKey / kLimitExceeded otherwise.
  static Result<Claims> Parse(std::string_view json);

  bool Has(std::string_view name) const;
  // nullopt when absent; Errc::kInvalidClaim (via the Result forms) when of another type.
  Result<std::optional<std::string>> GetString(std::string_view name) const;
  // A NumericDate: integer or non-integer JSON number, truncated toward negative infinity.
  Result<std::optional<int64_t>> GetNumericDate(std::string_view name) const;
  // A string, or an array of strings (as "aud" may be).
  Result<std::optional<std::vector<std::string>>> GetStringOrArray(std::string_view name) const;
  // An object member (e.g. Maskinporten's "consumer") as Claims of its own, read with the same
  // accessors; nullopt when absent, Errc::kInvalidClaim when not an object.
  Result<std::optional<Claims>> GetObject(std::string_view name) const;
  // The names of all members, sorted.
  std::vector<std::string> Names() const;
  // Compact JSON.
  std::string ToJson() const;
  // The raw JSON of one member, or "" when absent.
  std::string MemberJson(std::string_view name) const;

 private:
  struct Impl;
  // `node` is the JSON object these claims read, by its index in the parsed document: the root,
  // or an object inside it that GetObject shares instead of copying (impl_ keeps the whole
  // document alive).
  Claims(std::shared_ptr<const Impl> impl, uint32_t node) : impl_(std::move(impl)), node_(node) {}
  std::shared_ptr<const Impl> impl_;
  uint32_t node_;
};

struct MP_JOSE_EXPORT ClaimsOptions {
  std::optional<std::string> issuer{};    // exact match when set
  std::optional<std::string> audience{};  // must appear in aud when set
  std::chrono::seconds leeway{0};
  bool require_exp = true;
  bool require_iat = false;
  const Clock* clock = nullptr;  // SystemClock when null
};

// Errors: kMissingClaim, kInvalidClaim, kTokenExpired, kTokenNotYetValid, kIssuedInFuture,
// kIssuerMismatch, kAudienceMismatch.
MP_JOSE_EXPORT Status ValidateClaims(const Claims& claims, const ClaimsOptions& options);

struct MP_JOSE_EXPORT VerifiedJwt {
  JwsHeader header;
  Claims claims;
};

MP_JOSE_EXPORT Result<VerifiedJwt> VerifyJwt(std::string_view token, const PublicKey& key,
                                             const VerifyOptions& verify,
                                             const ClaimsOptions& claims);
MP_JOSE_EXPORT Result<VerifiedJwt> VerifyJwt(std::string_view token, const Jwks& jwks,
                                             const VerifyOptions& verify,
                                             const ClaimsOptions& claims);

}  // namespace mp

#endif  // MASKINPORTEN_JWT_H_
