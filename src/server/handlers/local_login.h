// The web pages' local login (docs/emulator.md, "Web pages"): a local stand-in for logging in to
// Samarbeidsportalen. It lists the organisations of the registry and, for the one chosen, does what
// onboarding in Samarbeidsportalen would (the organisation, the admin scopes and APPROVED access to
// them, a client "local-web-<orgno>" holding this server's web-login key), then signs a JWT grant
// with that key and gets an ordinary access token from the token service: the same rules as any
// client, and the same journal entry.
//
//   GET  /local-login/organisations   {"organisations":[{"orgno":"910753614","name":"..."}]}
//   POST /local-login/token           {"orgno":"910753614"} or {"orgno":"...","name":"NEW ORG AS"}
//
// Only loopback peers may log in (403 forbidden otherwise), and a browser request from another
// origin is refused: the login needs no password because the server is local.
//
//   AddLocalLoginRoutes(router, {.store = *store, .tokens = *tokens, .config = config,
//                                .clock = clock});
#ifndef MASKINPORTEN_SERVER_HANDLERS_LOCAL_LOGIN_H_
#define MASKINPORTEN_SERVER_HANDLERS_LOCAL_LOGIN_H_

#include <string>
#include <string_view>

#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/token_service.h"

namespace mp::server {

// The local Digdir organisation: owner of the admin scopes the login creates when missing.
inline constexpr std::string_view kLocalDigdirOrg = "991825827";
inline constexpr std::string_view kLocalDigdirOrgName = "DIGITALISERINGSDIREKTORATET (local)";
// The client of an organisation's web login.
inline constexpr std::string_view kLocalWebClientPrefix = "local-web-";
inline constexpr int kLocalWebTokenLifetime = 3600;

// What the login handlers use; all must outlive the router. config.issuer is read per request.
struct LocalLoginContext {
  Store& store;
  const TokenService& tokens;
  const ServerConfig& config;
  const Clock& clock;
  // The web-login key (PKCS#8 PEM of an RSA key; tests share one). "": an RSA-2048 key generated
  // at the first login, kept for the life of the router (kid = its RFC 7638 thumbprint).
  std::string key_pem{};
};

// Adds GET /local-login/organisations and POST /local-login/token.
void AddLocalLoginRoutes(http::Router& router, const LocalLoginContext& ctx);

// True for "127.0.0.1:54321" (any 127/8 address), "[::1]:54321", "::1" and "::ffff:127.0.0.1".
bool IsLoopbackRemote(std::string_view remote);

// A browser sends Origin with every cross-origin POST: true when there is none, or when it is this
// server (Origin equals http(s)://Host) on a loopback host. Guards the local-only endpoints.
bool IsOwnOrigin(const http::HttpRequest& req);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_HANDLERS_LOCAL_LOGIN_H_
