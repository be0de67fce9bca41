// The token endpoint's logic (SPEC §4, §5, §6), with no I/O of its own: parse the form, validate
// the grant in SPEC §4.4's order against the Store and the ReplayStore, issue the access token.
// Every refusal goes through one table (mp_errors.h) to status, `error`, text and error_uri.
//
//   TokenService service(config, store, replay, keys, clock);
//   HttpResponse r = service.HandleToken(request);   // POST /token
#ifndef MASKINPORTEN_SERVER_TOKEN_TOKEN_SERVICE_H_
#define MASKINPORTEN_SERVER_TOKEN_TOKEN_SERVICE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "maskinporten/mp_errors.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"
#include "server/token/token_refusal.h"

namespace mp::server {

// What one token request produced (for the journal, metrics and tests).
struct TokenOutcome {
  int64_t time = 0;
  std::string client_id{};  // "" when the grant named none
  std::string jti{};        // the grant's jti ("" when unreadable)
  bool issued = false;
  std::string mp_code{};  // refusal code, "" when issued or uncoded
  std::string error{};    // OAuth2 error of a refusal
  std::string detail{};
};

class TokenService {
 public:
  TokenService(const ServerConfig& config, Store& store, ReplayStore& replay,
               const SigningKeys& keys, const Clock& clock)
      : config_(config), store_(store), replay_(replay), keys_(keys), clock_(clock) {}

  // POST /token. 200 with {access_token, token_type, expires_in, scope}, or Maskinporten's error
  // JSON. `request.trace_id` goes into the description.
  http::HttpResponse HandleToken(const http::HttpRequest& request) const;
  // GET /.well-known/oauth-authorization-server (SPEC §3) and GET /jwk.
  http::HttpResponse HandleMetadata(const http::HttpRequest& request) const;
  http::HttpResponse HandleJwks(const http::HttpRequest& request) const;

  // Called once per token request with its outcome (journal, metrics). Set before serving.
  std::function<void(const TokenOutcome&)> on_outcome;

 private:
  const ServerConfig& config_;
  Store& store_;
  ReplayStore& replay_;
  const SigningKeys& keys_;
  const Clock& clock_;
};

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_TOKEN_TOKEN_SERVICE_H_
