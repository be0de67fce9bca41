// The local Altinn 3 consent-request service (SPEC §14; docs/emulator.md, "Altinn 3 consent
// requests"), at Altinn's paths relative to the server's base URL, so that a client configured
// with a base URL works against both:
//
//   POST /accessmanagement/api/v1/enterprise/consentrequests        create
//   (altinn:consentrequests.write) GET  /accessmanagement/api/v1/enterprise/consentrequests/{id}
//   read (.read or .write)
//
// and the person's side, local only (loopback peers, own origin, no token):
//
//   GET  /emulator/consent/{id}                    the request as the person's page shows it
//   POST /emulator/consent/{id}/accept|reject|revoke  the person's answer (SPEC §14.2 Local choice)
//
// Requests live in the Store (ConsentRequestRecord); the token endpoint's consent lookup
// (grant_validator.cc) reads the same records. The page itself is web/consent-request.html,
// served at /accessmanagement/ui/consent/request (web_assets.h).
//
//   AddConsentRequestRoutes(router, {.store = store, .keys = keys, .config = config,
//                                    .clock = clock, .base_url = "http://127.0.0.1:8080"});
#ifndef MASKINPORTEN_SERVER_ALTINN_CONSENT_REQUESTS_H_
#define MASKINPORTEN_SERVER_ALTINN_CONSENT_REQUESTS_H_

#include <string>
#include <string_view>

#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"

namespace mp::server {

inline constexpr std::string_view kConsentRequestsPath =
    "/accessmanagement/api/v1/enterprise/consentrequests";

// What the routes use; the references must outlive the router.
struct ConsentRequestContext {
  Store& store;
  const SigningKeys& keys;  // verify the bearer tokens
  const ServerConfig& config;
  const Clock& clock;
  std::string base_url{};  // "http://127.0.0.1:PORT", no trailing slash
};

void AddConsentRequestRoutes(http::Router& router, const ConsentRequestContext& ctx);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_ALTINN_CONSENT_REQUESTS_H_
