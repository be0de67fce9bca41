// The local Altinn 3 system register and system users (SPEC §15; docs/emulator.md, "System
// users"), at Altinn's paths relative to the server's base URL, so that a vendor configured with
// a base URL works against both. The vendor's side (Bearer tokens of this server):
//
//   POST /authentication/api/v1/systemregister/vendor             register a system
//   GET  /authentication/api/v1/systemregister/vendor/{systemId}  read it back
//        (both altinn:authentication/systemregister.write)
//   POST /authentication/api/v1/systemuser/request/vendor         ask a customer for a system user
//        (altinn:authentication/systemuser.request.write)
//   GET  /authentication/api/v1/systemuser/request/vendor/{id}    the request and its status
//   GET  /authentication/api/v1/systemuser/request/vendor/byexternalref/{systemId}/{orgNo}/{ref}
//        (both .request.read or .request.write)
//   GET  /authentication/api/v1/systemuser/byExternalId?clientid=&systemproviderorgno=
//        &systemuserownerorgno=&externalref=                      Maskinporten's lookup
//        (altinn:maskinporten/systemuser.read)
//
// and the customer's side, local only (loopback peers, own origin, no token):
//
//   GET    /emulator/systemuser/request/{id}                 the request as the approval page shows
//   it POST   /emulator/systemuser/request/{id}/accept|reject   the customer's answer DELETE
//   /emulator/systemuser/{id}                         the customer deletes a system user
//
// The approval page is web/systemuser-request.html, served at the request's confirmUrl,
// /authfront/ui/auth/vendorrequest?id=<id> (web_assets.h). The token endpoint's system user check
// (grant_validator.cc) runs LookupSystemUser, as byExternalId does.
//
//   AddSystemUserRoutes(router, {.store = store, .keys = keys, .config = config, .clock = clock,
//                                .base_url = "http://127.0.0.1:8080"});
#ifndef MASKINPORTEN_SERVER_ALTINN_SYSTEM_USERS_H_
#define MASKINPORTEN_SERVER_ALTINN_SYSTEM_USERS_H_

#include <optional>
#include <string>
#include <string_view>

#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "maskinporten/status.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"

namespace mp::server {

inline constexpr std::string_view kSystemRegisterPath =
    "/authentication/api/v1/systemregister/vendor";
inline constexpr std::string_view kSystemUserRequestPath =
    "/authentication/api/v1/systemuser/request/vendor";
inline constexpr std::string_view kSystemUserLookupPath =
    "/authentication/api/v1/systemuser/byExternalId";

// Altinn's system user lookup (SPEC §15): the system whose client ids hold `client_id`, and that
// system's system user of `customer_orgno` with `external_ref`. Either may be absent.
struct SystemUserLookup {
  std::optional<SystemRecord> system{};
  std::optional<SystemUserRecord> user{};  // set only when `system` is
};
Result<SystemUserLookup> LookupSystemUser(Store& store, std::string_view client_id,
                                          std::string_view customer_orgno,
                                          std::string_view external_ref);

// "<base_url>/authfront/ui/auth/vendorrequest?id=<id>": the customer's approval page (confirmUrl).
std::string ConfirmUrl(std::string_view base_url, std::string_view request_id);

// What the routes use; the references must outlive the router.
struct SystemUserContext {
  Store& store;
  const SigningKeys& keys;  // verify the bearer tokens
  const ServerConfig& config;
  const Clock& clock;
  std::string base_url{};  // "http://127.0.0.1:PORT", no trailing slash
};

void AddSystemUserRoutes(http::Router& router, const SystemUserContext& ctx);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_ALTINN_SYSTEM_USERS_H_
