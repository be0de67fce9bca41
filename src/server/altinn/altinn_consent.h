// The local stand-in for Altinn's consent service (SPEC §11.1, §11.2; docs/emulator.md,
// "Consents (local Altinn stand-in)"), served by the local Maskinporten under /altinn/:
//
//   GET  /altinn/.well-known/oauth-authorization-server    {"issuer", "jwks_uri"}
//   GET  /altinn/jwks                                      the samtykketoken key (kid, x5t, x5c)
//   POST /altinn/api/consentRequests                       create (Bearer, consentrequests.write)
//   GET  /altinn/api/consentRequests/{code}                read (Bearer,
//   consentrequests.read/write) POST /altinn/api/consentRequests/{code}/accept|reject  the
//   citizen's answer (local only) GET  /altinn/api/authorization/token?authcode={code}   the
//   samtykketoken (Bearer, consenttokens) GET  /altinn/ui/AccessConsent/request?id={code}        a
//   plain-text stand-in for Altinn's page
//
// Callers authenticate with an access token of this same server (VerifyIssuedToken, as the
// self-service API does); the token's consumer must be the request's coveredBy or handledBy.
// Requests live in the Store (ConsentRecord); the signing key too, so samtykketokens stay
// verifiable across restarts on a file registry. The token endpoint's Altinn 3 consent check
// (grant_validator.cc) reads the same records.
//
//   MP_RETURN_IF_ERROR(EnsureAltinnScopes(store, clock));
//   AddAltinnConsentRoutes(router, {.store = store, .keys = keys, .config = config,
//                                   .clock = clock, .signer_options = {},
//                                   .base_url = "http://127.0.0.1:8080"});
#ifndef MASKINPORTEN_SERVER_ALTINN_ALTINN_CONSENT_H_
#define MASKINPORTEN_SERVER_ALTINN_ALTINN_CONSENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_types.h"
#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"
#include "server/server_config.h"
#include "server/store/key_encryption.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"

namespace mp::server {

// The open scopes of the consent API (accessible_for_all; SPEC §11.1), and the local org that
// owns them. 310954268 is a mod-11 valid number no test or seed uses for anything else (Altinn's
// real owner org is Digdir, 991825827, which the tests use as an ordinary client org).
constexpr std::string_view kConsentRequestsReadScope = "altinn:consentrequests.read";
constexpr std::string_view kConsentRequestsWriteScope = "altinn:consentrequests.write";
constexpr std::string_view kConsentTokensScope = "altinn:consenttokens";
// The system user API's scopes (SPEC §15), open locally too (docs/emulator.md, "System users").
constexpr std::string_view kSystemRegisterWriteScope = "altinn:authentication/systemregister.write";
constexpr std::string_view kSystemUserRequestWriteScope =
    "altinn:authentication/systemuser.request.write";
constexpr std::string_view kSystemUserRequestReadScope =
    "altinn:authentication/systemuser.request.read";
constexpr std::string_view kSystemUserLookupScope = "altinn:maskinporten/systemuser.read";
constexpr std::string_view kAltinnLocalOrg = "310954268";
constexpr std::string_view kAltinnLocalOrgName = "ALTINN (local)";

// Lifetime of a samtykketoken (exp - iat), as in the DSOP example (SPEC §11.1).
constexpr int64_t kConsentTokenLifetimeSeconds = 30;
// validTo may lie at most this far ahead (SPEC §11.1: three years, leap day included).
constexpr int64_t kMaxConsentValiditySeconds = int64_t{1096} * 86400;

// Creates the organisation kAltinnLocalOrg and the open consent and system user scopes when
// missing. Existing scopes are left as they are (a seed may have changed them).
Status EnsureAltinnScopes(Store& store, const Clock& clock);

// The samtykketoken signing key with its self-signed certificate.
struct ConsentSigner {
  PrivateKey key;
  Certificate certificate;
  std::string kid;        // RFC 7638 thumbprint of the public key
  std::string x5t;        // base64url SHA-1 of the certificate DER (JOSE x5t)
  std::string jwks_json;  // {"keys":[{...,"kid","x5t","x5c"}]} as served at /altinn/jwks
};

struct ConsentSignerOptions {
  int bits = 2048;
  // When the store holds no key yet: use this PKCS#8 PEM instead of generating one (tests).
  std::string initial_key_pem{};
  // The private key sealed under this KEK in the store (server/store/key_encryption.h).
  std::optional<KeyEncryptionKey> key_encryption{};
};

// Loads the key from the Store; makes (and stores) key and certificate on first use.
Result<std::unique_ptr<ConsentSigner>> LoadConsentSigner(Store& store, const Clock& clock,
                                                         const ConsentSignerOptions& options = {});

// The samtykketoken for an Accepted consent (SPEC §11.1 claims; issue 5 contract): HandledBy only
// when `fetched_by_handler`; nbf = iat = now, exp = now + 30.
Result<std::string> MintConsentToken(const ConsentRecord& consent, bool fetched_by_handler,
                                     const ConsentSigner& signer, std::string_view issuer,
                                     int64_t now);

// "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)"; a time without zone is
// UTC (mp::ParseUtcTime with TimeSyntax::kRfc3339). nullopt when it is none of these, not a real
// date, or outside the years 1970..2199.
std::optional<int64_t> ParseConsentTime(std::string_view text);

// What the routes use. The references must outlive the router. The signing key is loaded (or
// made) by the first request that needs it, so a server that serves no consents pays nothing.
struct AltinnConsentContext {
  Store& store;
  const SigningKeys& keys;  // verify the bearer tokens
  const ServerConfig& config;
  const Clock& clock;
  ConsentSignerOptions signer_options{};
  std::string base_url{};  // "http://127.0.0.1:PORT", no trailing slash
};

// base_url + "/altinn/": the samtykketoken iss and the metadata issuer.
std::string ConsentIssuer(std::string_view base_url);

void AddAltinnConsentRoutes(http::Router& router, const AltinnConsentContext& ctx);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_ALTINN_ALTINN_CONSENT_H_
