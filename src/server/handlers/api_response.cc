#include "server/handlers/api_response.h"

#include <algorithm>

#include "core/strings.h"
#include "server/handlers/local_login.h"
#include "server/token/access_token.h"

namespace mp::server {

http::HttpResponse JsonResponse(int status, const nlohmann::ordered_json& body,
                                std::string_view endpoint) {
  http::HttpResponse r = http::HttpResponse::Json(
      status, body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  if (!endpoint.empty()) r.labels.route = std::string(endpoint);
  return r;
}

http::HttpResponse ErrorResponse(int status, std::string_view error, std::string_view description,
                                 std::string_view endpoint) {
  nlohmann::ordered_json body;
  body["error"] = error;
  body["error_description"] = description;
  return JsonResponse(status, body, endpoint);
}

http::HttpResponse ProblemResponse(int status, std::string_view code, std::string_view title,
                                   std::string_view detail, std::string_view endpoint,
                                   const std::vector<std::string>& paths) {
  nlohmann::ordered_json body;
  body["title"] = title;
  body["status"] = status;
  body["detail"] = detail;
  body["code"] = code;
  if (!paths.empty()) {
    body["validationErrors"] =
        nlohmann::ordered_json::array({{{"detail", detail}, {"paths", paths}}});
  }
  http::HttpResponse r = JsonResponse(status, body, endpoint);
  r.content_type = "application/problem+json";
  return r;
}

Outcome<bool> LocalOnly(const http::HttpRequest& req, std::string_view whose,
                        std::string_view endpoint) {
  if (!IsLoopbackRemote(req.remote) || !IsOwnOrigin(req)) {
    return ErrorResponse(403, "forbidden",
                         "the " + std::string(whose) +
                             " endpoints answer only loopback peers and this server's own pages",
                         endpoint);
  }
  return true;
}

Outcome<BearerCaller> AuthenticateBearer(const http::HttpRequest& req, const BearerAuth& auth,
                                         std::initializer_list<std::string_view> any_of_scopes) {
  const std::string realm = "Bearer realm=\"" + std::string(auth.realm) + "\"";
  const std::string* header = req.Header("authorization");
  std::string_view value = header == nullptr ? std::string_view() : std::string_view(*header);
  // RFC 6750 §2.1: the scheme is case-insensitive; anything but Bearer counts as no token.
  constexpr std::string_view kScheme = "bearer ";
  const bool bearer = value.size() > kScheme.size() &&
                      EqualsIgnoreAsciiCase(value.substr(0, kScheme.size()), kScheme);
  if (!bearer) {
    http::HttpResponse r = ErrorResponse(
        401, "invalid_token", "a Bearer access token from this server is required", auth.endpoint);
    r.headers.emplace_back("WWW-Authenticate", realm);
    return r;
  }
  std::string_view token = value.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  Result<IssuedTokenClaims> claims = VerifyIssuedToken(token, auth.keys, auth.config, auth.clock);
  if (!claims.ok() || claims->consumer_orgno.empty()) {
    const std::string description = !claims.ok() && claims.status().code() == Errc::kTokenExpired
                                        ? "The access token expired"
                                        : "The access token is invalid";
    http::HttpResponse r = ErrorResponse(401, "invalid_token", description, auth.endpoint);
    r.headers.emplace_back("WWW-Authenticate", realm +
                                                   ", error=\"invalid_token\", "
                                                   "error_description=\"" +
                                                   description + "\"");
    return r;
  }
  bool allowed = any_of_scopes.size() == 0;
  for (std::string_view needed : any_of_scopes) {
    allowed = allowed || std::find(claims->scopes.begin(), claims->scopes.end(), needed) !=
                             claims->scopes.end();
  }
  if (allowed) {
    return BearerCaller{.orgno = claims->consumer_orgno,
                        .scopes = claims->scopes,
                        .supplier = claims->supplier_orgno};
  }
  std::string names;
  for (std::string_view s : any_of_scopes) names += (names.empty() ? "" : " ") + std::string(s);
  http::HttpResponse r = ErrorResponse(403, "insufficient_scope",
                                       "the access token lacks the scope " + names, auth.endpoint);
  r.headers.emplace_back("WWW-Authenticate",
                         realm + ", error=\"insufficient_scope\", scope=\"" + names + "\"");
  return r;
}

}  // namespace mp::server
