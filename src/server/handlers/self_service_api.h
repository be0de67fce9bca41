// The local Maskinporten's self-service API under /api/v1 (SPEC §9; route table in
// docs/emulator.md): clients and their JWKS, scopes and access lists, delegation sources, and the
// local stand-in for Altinn delegations (SPEC §8).
//
// Callers authenticate with a Bearer access token issued by this same server; the token's
// consumer org is the caller's org, and each route needs one admin scope (idporten:dcr.read,
// idporten:dcr.write, idporten:dcr.modify, idporten:scopes.write). An org sees and changes only
// its own clients (others' answer 404) and scopes (others' answer 403). Every write is validated
// completely and then made in one Store call, so a refused request stores nothing.
//
//   Router router;
//   AddSelfServiceRoutes(router, {.store = *store, .keys = *keys, .config = config,
//                                 .clock = clock});
//   HttpResponse r = router.Dispatch(request);   // GET /api/v1/clients ...
#ifndef MASKINPORTEN_SERVER_HANDLERS_SELF_SERVICE_API_H_
#define MASKINPORTEN_SERVER_HANDLERS_SELF_SERVICE_API_H_

#include <string>
#include <vector>

#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"

namespace mp::server {

// What the API handlers use. All four must outlive the router.
struct SelfServiceContext {
  Store& store;
  const SigningKeys& keys;
  const ServerConfig& config;
  const Clock& clock;
};

// Adds every /api/v1 route to `router`.
void AddSelfServiceRoutes(http::Router& router, const SelfServiceContext& ctx);

// The issuers /api/v1/delegationsources lists (a scope's delegation_source must be one of them):
// the configured delegation source (SPEC §8: tt02 in TEST, www.altinn.no in PROD).
std::vector<std::string> DelegationSourceIssuers(const ServerConfig& config);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_HANDLERS_SELF_SERVICE_API_H_
