// What the emulator's JSON APIs (the self-service API under /api/v1 and the local Altinn consent
// stand-in under /altinn/) share: JSON error responses, the Outcome<T> of a handler step, and
// RFC 6750 bearer authentication with this server's own access tokens.
//
//   API_ASSIGN_OR_RESPOND(BearerCaller caller,
//                         AuthenticateBearer(req, auth, {"idporten:dcr.read"}));
//   if (bad) return ErrorResponse(400, "invalid_request", "client_name: must not be empty");
#ifndef MASKINPORTEN_SERVER_HANDLERS_API_RESPONSE_H_
#define MASKINPORTEN_SERVER_HANDLERS_API_RESPONSE_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "maskinporten/status.h"
#include "server/server_config.h"
#include "server/token/signing_keys.h"

namespace mp::server {

// A JSON body (invalid UTF-8 replaced, never thrown on); `endpoint` labels metrics when set.
http::HttpResponse JsonResponse(int status, const nlohmann::ordered_json& body,
                                std::string_view endpoint = {});
// {"error": error, "error_description": description}.
http::HttpResponse ErrorResponse(int status, std::string_view error, std::string_view description,
                                 std::string_view endpoint = {});

// Altinn's problem details (RFC 9457, application/problem+json) as the local Altinn 3 service
// answers them (docs/emulator.md): {"title","status","detail","code"} and, when `paths` is given,
// "validationErrors":[{"detail","paths"}].
http::HttpResponse ProblemResponse(int status, std::string_view code, std::string_view title,
                                   std::string_view detail, std::string_view endpoint = {},
                                   const std::vector<std::string>& paths = {});

// A handler step's result: the value, or the response that ends the request.
template <typename T>
class Outcome {
 public:
  Outcome(T value) : value_(std::move(value)) {}                            // NOLINT
  Outcome(http::HttpResponse response) : response_(std::move(response)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  T& operator*() { return *value_; }
  T* operator->() { return &*value_; }
  http::HttpResponse response() && { return std::move(*response_); }

 private:
  std::optional<T> value_;
  std::optional<http::HttpResponse> response_;
};

// MP_ASSIGN_OR_RETURN for Outcome: a handler returns the response when there is no value.
#define API_ASSIGN_OR_RESPOND(lhs, expr)                              \
  auto MP_STATUS_CONCAT_(api_o_, __LINE__) = (expr);                  \
  if (!MP_STATUS_CONCAT_(api_o_, __LINE__).ok())                      \
    return std::move(MP_STATUS_CONCAT_(api_o_, __LINE__)).response(); \
  lhs = std::move(*MP_STATUS_CONCAT_(api_o_, __LINE__))

// The caller as its bearer token says: the token's consumer org and scopes.
struct BearerCaller {
  std::string orgno;
  std::vector<std::string> scopes;
  std::string supplier{};  // the token's supplier org (delegation), "" when none
};

struct BearerAuth {
  const SigningKeys& keys;
  const ServerConfig& config;
  const Clock& clock;
  std::string_view realm;  // e.g. "maskinporten": WWW-Authenticate: Bearer realm="maskinporten"
  std::string_view endpoint = {};
};

// A valid access token issued by this server (VerifyIssuedToken) with a consumer and at least one
// of `any_of_scopes` (none listed: any scope will do). Else 401 invalid_token (no, a malformed,
// an expired or a foreign token; fixed texts, since the verifier's message may hold values that
// do not belong in a header) or 403 insufficient_scope naming the scopes, each with its RFC 6750
// WWW-Authenticate challenge.
// The local-only endpoints of the Altinn stand-ins (a person's or a customer's answer) answer only
// loopback peers and this server's own pages (IsLoopbackRemote, IsOwnOrigin): else 403 forbidden
// saying that "the <whose> endpoints answer only ...".
Outcome<bool> LocalOnly(const http::HttpRequest& req, std::string_view whose,
                        std::string_view endpoint);

Outcome<BearerCaller> AuthenticateBearer(const http::HttpRequest& req, const BearerAuth& auth,
                                         std::initializer_list<std::string_view> any_of_scopes);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_HANDLERS_API_RESPONSE_H_
