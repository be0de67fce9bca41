// Validating Maskinporten access tokens on the API owner's side (SPEC §10).
//
// A JwksCache holds the issuer's signing keys: fetched from a jwks_uri (directly, or found by
// issuer discovery) or fixed from a file. Keys are kept for a TTL; a token whose kid is unknown
// triggers a refetch at most once per min_refetch_interval, concurrent misses share one fetch, and
// a failed fetch keeps the last good set. An AccessTokenValidator applies SPEC §10 in order:
// alg allowlist and signature, iss exact, exp/nbf/iat with leeway, required scopes (set
// semantics: a scope matches only itself), consumer (ISO 6523 "0192:<orgno>"), supplier, aud.
//
//   std::shared_ptr<mp::HttpClient> http = mp::MakeCurlHttpClient();
//   MP_ASSIGN_OR_RETURN(auto keys, mp::JwksCache::Discover(http, "https://test.maskinporten.no/"));
//   mp::AccessTokenValidator validator({.issuer = "https://test.maskinporten.no/",
//                                       .required_scopes = {"nav:example/ssu.read"},
//                                       .allow_supplier = true},
//                                      keys);
//   mp::Result<mp::ValidatedAccessToken> t = validator.Validate(bearer_token);
//   if (!t.ok()) {
//     mp::BearerChallenge c = mp::ChallengeFor(t.status());   // 401 or 403 and WWW-Authenticate
//     ...
//   }
//   authorise(t->consumer);   // never client_id
//
// Validate and the cache are thread-safe; one validator serves every request of a server.
#ifndef MASKINPORTEN_VALIDATOR_H_
#define MASKINPORTEN_VALIDATOR_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/clock.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jwt.h"
#include "maskinporten/key.h"
#include "maskinporten/org_number.h"
#include "maskinporten/status.h"
#include "maskinporten/validate_export.h"

namespace mp {

struct MP_VALIDATE_EXPORT JwksCacheOptions {
  std::chrono::seconds ttl{300};  // keys older than this are refetched on next use
  // A kid the cached set lacks refetches at most once per this interval; in between such tokens
  // are refused with Errc::kKeyNotFound without a request.
  std::chrono::seconds min_refetch_interval{30};
  const Clock* clock = nullptr;  // SystemClock when null
};

class MP_VALIDATE_EXPORT JwksCache {
 public:
  // Keys fetched from `jwks_uri` (http(s); plain http only on loopback) through `http`.
  // No request is made here: the first Get fetches.
  static Result<std::shared_ptr<JwksCache>> FromUri(std::shared_ptr<HttpClient> http,
                                                    std::string jwks_uri,
                                                    const JwksCacheOptions& options = {});
  // GET <issuer>.well-known/oauth-authorization-server (its issuer must equal `issuer`), then
  // FromUri(jwks_uri). Errc::kDiscoveryError / kNetworkError / kHttpError.
  static Result<std::shared_ptr<JwksCache>> Discover(std::shared_ptr<HttpClient> http,
                                                     std::string_view issuer,
                                                     const JwksCacheOptions& options = {});
  // A fixed key set (e.g. from --jwks FILE): never fetched, never expires.
  static std::shared_ptr<JwksCache> Fixed(Jwks jwks);

  virtual ~JwksCache() = default;

  // The key with `kid` ("" = the set's only key): from the cache, or after a (rate-limited,
  // shared) refetch. Errc::kKeyNotFound naming the kid when absent after that; when a fetch fails
  // and a set is cached, the cached set answers.
  virtual Result<Jwk> Find(std::string_view kid) = 0;
  // Fetches now regardless of TTL and interval (still shared with concurrent fetches).
  virtual Status Refresh() = 0;

  struct Stats {
    uint64_t fetches = 0;         // requests made
    uint64_t fetch_failures = 0;  // of which failed (network, status, bad JWKS)
  };
  virtual Stats stats() const = 0;
  // The jwks_uri, or "" for a fixed set.
  virtual const std::string& uri() const = 0;
};

struct MP_VALIDATE_EXPORT AccessTokenPolicy {
  std::string issuer{};  // required, compared exactly ("https://maskinporten.no/" in PROD)
  std::vector<Algorithm> allowed_algs{Algorithm::kRS256};
  std::chrono::seconds leeway{30};  // for exp, nbf and iat
  // Every one must be in the token's space-separated `scope` (exact string equality).
  std::vector<std::string> required_scopes{};
  // When not empty, the consumer org must be one of these (9-digit org numbers).
  std::vector<std::string> allowed_consumers{};
  // A token with `supplier` (a supplier acting for the consumer through Altinn delegation) is
  // refused with Errc::kConsumerNotAllowed unless this is true.
  bool allow_supplier = false;
  // The API's own resource value. Set: the token's `aud` must equal it. Unset: a token with an
  // `aud` (bound to some resource) is refused.
  std::optional<std::string> audience{};
  // Set: the token must be a system user token (SPEC §15) for this customer org: one
  // urn:altinn:systemuser entry whose systemuser_org is this org, else Errc::kConsumerNotAllowed
  // (Errc::kInvalidClaim for a malformed entry). The API still asks Altinn's PDP what the system
  // user may do.
  std::optional<OrgNumber> require_system_user_org{};
  size_t max_token_bytes = 16 * 1024;
  const Clock* clock = nullptr;  // SystemClock when null
};

// What a valid Maskinporten access token says.
struct MP_VALIDATE_EXPORT ValidatedAccessToken {
  OrgNumber consumer;                 // consumer.ID: the org to authorise
  std::optional<OrgNumber> supplier;  // set when a supplier acts for the consumer
  std::string delegation_source{};    // "" when absent
  std::vector<std::string> scopes{};  // in token order, without duplicates
  std::string client_id{};
  std::string client_amr{};
  std::string jti{};
  std::string kid{};  // the key that signed it
  std::chrono::system_clock::time_point issued_at{};
  std::chrono::system_clock::time_point expires_at{};
  std::optional<std::string> audience{};     // aud, when the token is resource-bound
  std::string authorization_details_json{};  // the raw JSON array, "" when absent
  Claims claims;                             // every claim, for anything else

  bool HasScope(std::string_view scope) const;
};

// SPEC §15: the system user a token was issued for, from its urn:altinn:systemuser entry
// ({"type","systemuser_id":["<uuid>"],"systemuser_org":{"authority","ID"},"system_id"}). The
// token's consumer is the system's vendor; `org` is the customer the system acts for.
struct MP_VALIDATE_EXPORT SystemUser {
  std::string id;         // systemuser_id[0]; the PDP subject urn:altinn:systemuser:uuid:<id>
  OrgNumber org;          // systemuser_org.ID (or .id)
  std::string system_id;  // "<vendor orgno>_<name>"
};
// nullopt when the token carries no urn:altinn:systemuser entry; Errc::kInvalidClaim (naming the
// member) for a malformed entry or more than one.
//   MP_ASSIGN_OR_RETURN(std::optional<SystemUser> su, SystemUserFromAccessToken(token));
//   if (su && su->org != party) ... refuse: the call is for another org
MP_VALIDATE_EXPORT Result<std::optional<SystemUser>> SystemUserFromAccessToken(
    const ValidatedAccessToken& token);

class MP_VALIDATE_EXPORT AccessTokenValidator {
 public:
  AccessTokenValidator(AccessTokenPolicy policy, std::shared_ptr<JwksCache> keys);

  // Errors (first failing check wins, SPEC §10 order): kMalformedToken, kLimitExceeded,
  // kAlgorithmNotAllowed / kUnsupportedAlgorithm, kKeyNotFound, kInvalidSignature, kMissingClaim /
  // kInvalidClaim, kIssuerMismatch, kTokenExpired, kTokenNotYetValid, kIssuedInFuture,
  // kAudienceMismatch, kInvalidOrgNumber (consumer/supplier not "0192:<valid orgno>"),
  // kInsufficientScope, kConsumerNotAllowed (also: not the required system user). Messages name the
  // claim and, except for secrets, the values.
  Result<ValidatedAccessToken> Validate(std::string_view token) const;
  // Validate with these scopes required in addition to the policy's (per endpoint).
  Result<ValidatedAccessToken> Validate(std::string_view token,
                                        const std::vector<std::string>& extra_scopes) const;

  const AccessTokenPolicy& policy() const { return policy_; }

 private:
  AccessTokenPolicy policy_;
  std::shared_ptr<JwksCache> keys_;
};

// How a resource server answers a refused request (RFC 6750 §3).
struct MP_VALIDATE_EXPORT BearerChallenge {
  int http_status = 401;      // 401 invalid_token (or no error: no token), 403 insufficient_scope
  std::string error{};        // "invalid_token", "insufficient_scope", or "" for no token
  std::string description{};  // the Status message, quotes and backslashes removed
  std::string www_authenticate{};  // e.g. Bearer realm="api", error="invalid_token",
                                   // error_description="..."
};
// kInsufficientScope -> 403 insufficient_scope (with scope="<required>" when given);
// kConsumerNotAllowed and the consent codes -> 403 insufficient_scope; everything else -> 401
// invalid_token. error_description is the Status message without quotes, backslashes or
// non-printable bytes.
MP_VALIDATE_EXPORT BearerChallenge
ChallengeFor(const Status& status, std::string_view realm = "api",
             const std::vector<std::string>& required_scopes = {});
// 401 with `Bearer realm="<realm>"` and no error: the request carried no token (RFC 6750 §3.1).
MP_VALIDATE_EXPORT BearerChallenge MissingTokenChallenge(std::string_view realm = "api");

// The token in an Authorization header value: "Bearer <token>" (scheme case-insensitive, one
// space). Errc::kMalformedToken when the header has another form.
MP_VALIDATE_EXPORT Result<std::string_view> BearerToken(std::string_view authorization_header);

}  // namespace mp

#endif  // MASKINPORTEN_VALIDATOR_H_
