// ExampleApi: a resource server in NAV's role (SPEC §10, §11), for the demo and as a model for
// API owners. It serves synthetic insurance-relevant records for a person:
//
//   GET /ssu/v1/records
//     Authorization: Bearer <Maskinporten access token>   with the API's scope
//     NAV-PersonIdent: <fnr>                              the person the records are about
//     NAV-Samtykke-Token: <Altinn 2 samtykketoken>        or an Altinn 3 consent inside the token
//     x-callid: <UUID>                                    the caller's id for this call
//   200 {"person":"010190*****","consumer":"0192:…","records":[…]}
//   400 bad headers; 401 / 403 with WWW-Authenticate (RFC 6750) and {"error","error_description"}
//   "error": invalid_request (400), missing_token (401, no Authorization), invalid_token (401),
//   insufficient_scope (403, also scope= in WWW-Authenticate), consent_not_valid /
//   consent_org_mismatch / consent_person_mismatch (403; WWW-Authenticate says
//   insufficient_scope); 503 temporarily_unavailable while the issuer's keys cannot be fetched.
//
// Every rule is enforced: the access token (AccessTokenValidator: issuer, signature, expiry,
// scope, consumer; suppliers allowed), the consent (VerifyAltinn2Consent or
// ConsentFromAccessToken) and CheckConsent (CoveredBy == consumer, OfferedBy == NAV-PersonIdent,
// valid now, for the service). Each decision is appended as one JSON line to the audit log:
//   {"time":"2026-11-30T17:00:00Z","callid":"…","consumer":"0192:…","supplier":"0192:…"|null,
//    "person_hash":"…","consent_id":"…","decision":"permit"|"deny","status":200,"reason":"…"}
// GET /health answers 200 "ok".
//
//   mp::ExampleApiOptions o;
//   o.maskinporten_issuer = mp->issuer();
//   o.consent_issuer = mp->consent_issuer();
//   o.http = mp::MakeCurlHttpClient();        // fetches both JWKS
//   MP_ASSIGN_OR_RETURN(auto api, mp::ExampleApi::Start(o));
//   std::string url = api->records_url();     // "http://127.0.0.1:PORT/ssu/v1/records"
#ifndef MASKINPORTEN_EXAMPLE_API_H_
#define MASKINPORTEN_EXAMPLE_API_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "maskinporten/clock.h"
#include "maskinporten/emulator_export.h"
#include "maskinporten/http.h"
#include "maskinporten/status.h"

namespace mp {

// The scope and service the example API requires unless told otherwise.
inline constexpr std::string_view kExampleApiScope = "nav:example/ssu.read";
inline constexpr std::string_view kExampleApiService = "5252_2";

struct MP_EMULATOR_EXPORT ExampleApiOptions {
  std::string listen = "127.0.0.1:0";
  // Maskinporten: the issuer (exact, with trailing slash). Keys from `maskinporten_jwks_uri`,
  // or by discovery from the issuer when that is "".
  std::string maskinporten_issuer{};
  std::string maskinporten_jwks_uri{};
  std::string scope = std::string(kExampleApiScope);
  // Altinn 2 consent tokens: their iss, and their keys' JWKS URL ("" = discovery from
  // consent_issuer's /.well-known/oauth-authorization-server). Empty issuer: only Altinn 3
  // consents (inside the access token) are accepted.
  std::string consent_issuer{};
  std::string consent_jwks_uri{};
  std::string service = std::string(kExampleApiService);
  // Append-only JSON lines (created with mode 0600 when missing). "" = no file.
  std::string audit_log_path{};
  // Also called with each audit line (e.g. the demo prints them). May be null.
  std::function<void(std::string_view line)> on_audit{};
  // Fetches the JWKS (required): MakeCurlHttpClient() or a test fake.
  std::shared_ptr<HttpClient> http{};
  const Clock* clock = nullptr;  // SystemClock when null
  int threads = 1;
  bool handle_signals = false;  // stop gracefully on SIGINT/SIGTERM (the example-api verb)
};

class MP_EMULATOR_EXPORT ExampleApi {
 public:
  // Binds and serves; keys are fetched on first use. Errc::kInvalidArgument naming the option
  // for a bad configuration, kIoError for a bind or audit-log failure.
  static Result<std::unique_ptr<ExampleApi>> Start(const ExampleApiOptions& options);
  ~ExampleApi();
  ExampleApi(const ExampleApi&) = delete;
  ExampleApi& operator=(const ExampleApi&) = delete;

  std::string base_url() const;     // "http://127.0.0.1:PORT"
  std::string records_url() const;  // base_url() + "/ssu/v1/records"
  uint16_t port() const;

  void Stop();  // graceful, idempotent
  void Wait();  // until stopped

 private:
  struct Impl;
  explicit ExampleApi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mp

#endif  // MASKINPORTEN_EXAMPLE_API_H_
