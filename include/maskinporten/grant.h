// JWT grants for Maskinporten's token endpoint (RFC 7523, SPEC §4) and a linter for grants made
// by any tool.
//
// A grant is signed fresh for every token request: new jti (a UUIDv4, SPEC §4.3), iat from the
// (skew-corrected) clock, exp = iat + lifetime (60 s default, at most 120 s).
//
//   MP_ASSIGN_OR_RETURN(mp::Credentials creds, mp::Credentials::WithKid(key, "my-kid"));
//   mp::GrantSpec spec{.issuer = "https://test.maskinporten.no/", .client_id = "abc",
//                      .scopes = {"nav:example"}};
//   MP_ASSIGN_OR_RETURN(mp::Grant g, mp::BuildGrant(spec, creds, mp::SystemClock::Instance()));
//   // g.assertion is the compact JWS to POST as `assertion`.
#ifndef MASKINPORTEN_GRANT_H_
#define MASKINPORTEN_GRANT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/grant_export.h"
#include "maskinporten/key.h"
#include "maskinporten/mp_errors.h"
#include "maskinporten/org_number.h"
#include "maskinporten/status.h"

namespace mp {

constexpr std::chrono::seconds kDefaultGrantLifetime{60};
constexpr std::chrono::seconds kMaxGrantLifetime{120};
// SPEC §4.3 and §13.7: Maskinporten takes iat at most this far ahead of its clock and exp at most
// this far behind it.
constexpr std::chrono::seconds kMaxClockSkew{10};
// SPEC §9: a registered key (kid) is valid for one year after its upload (MP-121 afterwards).
constexpr std::chrono::seconds kRegisteredKeyValidity{int64_t{365} * 24 * 60 * 60};
// SPEC §4.1 (RFC 7523 §2.1): the only grant_type the token endpoint takes.
constexpr std::string_view kJwtBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";

// SPEC §9: a scope's name is "<prefix>:<subscope>", prefix 1..64 of [a-z0-9_-], subscope 1..200 of
// [a-zA-Z0-9._/:-], and the whole a scope-token (RFC 6749 §3.3). Errc::kInvalidArgument as
// "prefix: <problem>" or "subscope: <problem>". Used by the self-service API, the seed loader and
// `maskinporten doctor`.
MP_GRANT_EXPORT Status CheckScopeName(std::string_view prefix, std::string_view subscope);

// What a token request asks for, beyond who asks. Also the cache key's parts.
struct MP_GRANT_EXPORT TokenRequest {
  std::vector<std::string> scopes{};                   // at least one
  std::optional<std::string> resource{};               // RFC 8707 audience restriction
  std::optional<OrgNumber> consumer_org{};             // supplier acting for this consumer
  std::optional<std::string> authorization_details{};  // JSON of ONE RFC 9396 entry object
};

struct MP_GRANT_EXPORT GrantSpec {
  std::string issuer{};     // the environment's issuer, exactly, with trailing slash -> aud
  std::string client_id{};  // -> iss
  TokenRequest request{};
  std::chrono::seconds lifetime = kDefaultGrantLifetime;
};

// How the client proves who it is: a registered key (kid) or a virksomhetssertifikat (x5c).
class MP_GRANT_EXPORT Credentials {
 public:
  // kid must be non-empty, [A-Za-z0-9._-]. alg RS256 (default), RS384 or RS512; RSA key.
  static Result<Credentials> WithKid(PrivateKey key, std::string kid,
                                     Algorithm alg = Algorithm::kRS256);
  // chain leaf first; the leaf's public key must be `key`'s (Errc::kInvalidKey otherwise).
  static Result<Credentials> WithCertificate(PrivateKey key, std::vector<Certificate> chain,
                                             Algorithm alg = Algorithm::kRS256);

  const PrivateKey& key() const { return key_; }
  Algorithm alg() const { return alg_; }
  const std::string& kid() const { return kid_; }               // "" for x5c
  const std::vector<std::string>& x5c() const { return x5c_; }  // empty for kid
  bool uses_certificate() const { return !x5c_.empty(); }

 private:
  Credentials(PrivateKey key, Algorithm alg, std::string kid, std::vector<std::string> x5c)
      : key_(std::move(key)), alg_(alg), kid_(std::move(kid)), x5c_(std::move(x5c)) {}
  PrivateKey key_;
  Algorithm alg_;
  std::string kid_;
  std::vector<std::string> x5c_;
};

struct MP_GRANT_EXPORT Grant {
  std::string assertion{};  // compact JWS
  std::string jti{};
  int64_t iat = 0;
  int64_t exp = 0;
};

// Errc::kInvalidGrant for a spec breaking SPEC §4 (no scope, lifetime > 120 s, issuer without
// trailing slash, bad authorization_details JSON, ...), naming the field.
// `clock_offset` is added to clock.Now() (skew correction: server time minus local time).
MP_GRANT_EXPORT Result<Grant> BuildGrant(
    const GrantSpec& spec, const Credentials& credentials, const Clock& clock,
    std::chrono::seconds clock_offset = std::chrono::seconds(0));

// SPEC §11.3, §14.3: the authorization_details entry that asks for an Altinn 3 consent inside
// the token, {"type":"urn:altinn:consent","id":"<id>","from":"urn:altinn:person:identifier-no:
// <fnr>"} (an org number as `party` gives urn:altinn:organization:identifier-no:<orgno>), for
// TokenRequest::authorization_details. Errc::kInvalidArgument when `consent_id` is not a UUID or
// `party` is neither a valid national identity number nor an org number.
//   request.authorization_details = ConsentAuthorizationDetails(id, "01819010001").value();
MP_GRANT_EXPORT Result<std::string> ConsentAuthorizationDetails(std::string_view consent_id,
                                                                std::string_view party);

// SPEC §15: the authorization_details entry that asks for a token as the system user of
// `customer` (the customer's approved system user of the client's system),
// {"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis",
// "ID":"0192:<orgno>"}} plus "externalRef" when the system user request set one, for
// TokenRequest::authorization_details. Errc::kInvalidArgument for an empty external_ref.
//   request.authorization_details = SystemUserAuthorizationDetails(customer).value();
MP_GRANT_EXPORT Result<std::string> SystemUserAuthorizationDetails(
    const OrgNumber& customer, std::optional<std::string_view> external_ref = std::nullopt);

// Space-separated, de-duplicated, in first-seen order; empty entries dropped.
MP_GRANT_EXPORT std::string JoinScopes(const std::vector<std::string>& scopes);

// ---- Linter ----

enum class LintSeverity { kError, kWarning };

struct MP_GRANT_EXPORT LintFinding {
  std::string rule{};  // short id, e.g. "aud-trailing-slash"
  LintSeverity severity = LintSeverity::kError;
  std::string message{};                        // what is wrong, naming the field and value
  std::optional<MpError> maskinporten_error{};  // what Maskinporten would answer
  std::string fix{};                            // what to do about it ("" when the message says)
};

struct MP_GRANT_EXPORT LintOptions {
  std::optional<std::string> issuer{};  // expected aud; when unset, any known issuer form
  const Clock* clock = nullptr;         // SystemClock when null
};

// Checks a compact grant (made by any tool) against every SPEC §4 rule with the same rule engine
// the local Maskinporten answers with, in SPEC §4.4's order, so the first error is what
// Maskinporten would answer. Offline: the client registration, registered keys, trust anchors,
// replay and the Altinn lookups are not checked (`maskinporten grant --lint --registry` checks
// them too); an x5c grant's signature is verified with its leaf certificate. Empty when clean.
MP_GRANT_EXPORT std::vector<LintFinding> LintGrant(std::string_view assertion,
                                                   const LintOptions& options);

}  // namespace mp

#endif  // MASKINPORTEN_GRANT_H_
