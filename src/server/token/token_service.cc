#include "server/token/token_service.h"

#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "grant/grant_rules.h"
#include "server/token/access_token.h"
#include "server/token/grant_validator.h"

namespace mp::server {
namespace {

using OrderedJson = nlohmann::ordered_json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The media type of a Content-Type value: before any ';', trimmed, lower case.
std::string MediaType(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return Lower(value);
}

// The form of a token request, or the refusal for it (SPEC §4.4 step 1).
struct TokenForm {
  std::string assertion;
};
std::variant<TokenForm, TokenRefusal> ReadForm(const http::HttpRequest& request) {
  const std::string* content_type = request.Header("content-type");
  if (content_type == nullptr || MediaType(*content_type) != "application/x-www-form-urlencoded") {
    return InvalidRequest("Content-Type must be application/x-www-form-urlencoded");
  }
  Result<std::vector<std::pair<std::string, std::string>>> form = http::ParseForm(request.body);
  if (!form.ok()) return InvalidRequest("Invalid request body: " + form.status().message());
  std::optional<std::string> grant_type = http::FormValue(*form, "grant_type");
  if (!grant_type) return InvalidRequest("Missing grant_type parameter");
  if (*grant_type != kJwtBearerGrantType) {
    return TokenRefusal{.http_status = 400,
                        .error = "unsupported_grant_type",
                        .description = "Unsupported grant_type",
                        .mp_code = "",
                        .detail = "grant_type " + grant_type->substr(0, 100)};
  }
  std::optional<std::string> assertion = http::FormValue(*form, "assertion");
  if (!assertion || assertion->empty()) return InvalidRequest("Missing assertion parameter");
  return TokenForm{.assertion = std::move(*assertion)};
}

}  // namespace

http::HttpResponse TokenService::HandleToken(const http::HttpRequest& request) const {
  TokenOutcome outcome;
  outcome.time = clock_.NowSeconds();
  auto refuse = [&](const TokenRefusal& refusal) {
    outcome.issued = false;
    outcome.mp_code = refusal.mp_code;
    outcome.error = refusal.error;
    outcome.detail = refusal.detail;
    if (on_outcome) on_outcome(outcome);
    return RefusalResponse(refusal, config_.issuer, request.trace_id);
  };

  if (request.method != "POST") {
    http::HttpResponse r = refuse(TokenRefusal{.http_status = 405,
                                               .error = "invalid_request",
                                               .description = "Method not allowed",
                                               .mp_code = "",
                                               .detail = "method " + request.method.substr(0, 16)});
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  std::variant<TokenForm, TokenRefusal> form = ReadForm(request);
  if (auto* refusal = std::get_if<TokenRefusal>(&form)) return refuse(*refusal);
  const std::string& assertion = std::get<TokenForm>(form).assertion;

  GrantVerdict verdict = GrantValidator(config_, store_, replay_, clock_).Validate(assertion);
  outcome.client_id = verdict.client_id;
  outcome.jti = verdict.jti;
  if (!verdict.ok()) return refuse(verdict.refusal);

  std::shared_ptr<const SigningKeySet> keys = keys_.Snapshot();
  Result<IssuedAccessToken> token = IssueAccessToken(*verdict.grant, config_, *keys, outcome.time);
  if (!token.ok()) {
    return refuse(InternalError(token.status()));
  }
  OrderedJson body;
  body["access_token"] = token->token;
  body["token_type"] = "Bearer";
  body["expires_in"] = token->lifetime - 1;  // SPEC §5: observed expires_in = lifetime - 1
  body["scope"] = token->scope;
  http::HttpResponse response = http::HttpResponse::Json(200, body.dump());
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Pragma", "no-cache");
  response.labels.route = "token";
  outcome.issued = true;
  outcome.detail = "issued access token jti " + token->jti;
  if (on_outcome) on_outcome(outcome);
  return response;
}

http::HttpResponse TokenService::HandleMetadata(const http::HttpRequest& /*request*/) const {
  // SPEC §3, member order as observed.
  OrderedJson body;
  body["issuer"] = config_.issuer;
  body["token_endpoint"] = config_.issuer + "token";
  body["jwks_uri"] = config_.issuer + "jwk";
  body["token_endpoint_auth_methods_supported"] = OrderedJson::array({"private_key_jwt"});
  body["grant_types_supported"] = OrderedJson::array({std::string(kJwtBearerGrantType)});
  OrderedJson algs = OrderedJson::array();
  for (Algorithm alg : grant_internal::MaskinportenAlgorithms()) algs.push_back(AlgorithmName(alg));
  body["token_endpoint_auth_signing_alg_values_supported"] = std::move(algs);
  OrderedJson types = OrderedJson::array();
  for (std::string_view type : grant_internal::kAuthorizationDetailsTypes) types.push_back(type);
  body["authorization_details_types_supported"] = std::move(types);
  http::HttpResponse response = http::HttpResponse::Json(
      200, body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
  response.labels.route = "metadata";
  return response;
}

http::HttpResponse TokenService::HandleJwks(const http::HttpRequest& /*request*/) const {
  http::HttpResponse response = http::HttpResponse::Json(200, keys_.Snapshot()->jwks_json);
  response.labels.route = "jwk";
  return response;
}

}  // namespace mp::server
