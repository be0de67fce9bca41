#include "server/token/token_refusal.h"

#include <nlohmann/json.hpp>

#include "core/random.h"

namespace mp::server {

TokenRefusal Refuse(MpError error, std::string values, std::string detail) {
  const MpErrorInfo& info = MpErrorInfoFor(error);
  return TokenRefusal{.http_status = info.http_status,
                      .error = std::string(info.error),
                      .description = std::string(info.text) + values,
                      .mp_code = std::string(info.code),
                      .detail = std::move(detail)};
}

TokenRefusal InvalidRequest(std::string description) {
  return TokenRefusal{.http_status = 400,
                      .error = "invalid_request",
                      .description = description,
                      .mp_code = "",
                      .detail = description};
}

TokenRefusal InternalError(const Status& status) {
  // A backend that cannot be reached (the Redis replay store) is an outage, not a fault: 503,
  // which clients retry, with a new grant (the jti of this one may or may not be claimed).
  const bool unavailable = status.code() == Errc::kNetworkError;
  return TokenRefusal{
      .http_status = unavailable ? 503 : 500,
      .error = "server_error",
      .description = unavailable ? "Service temporarily unavailable" : "Internal server error",
      .mp_code = "",
      .detail = status.ToString()};
}

http::HttpResponse RefusalResponse(const TokenRefusal& refusal, std::string_view issuer,
                                   std::string_view trace_id) {
  using OrderedJson = nlohmann::ordered_json;
  // SPEC §6: the code lives only in error_uri; the description ends with the trace id.
  std::string trace = trace_id.empty() ? RandomHex(16) : std::string(trace_id);
  OrderedJson body;
  body["error"] = refusal.error;
  body["error_description"] = refusal.description + " (trace_id: " + trace + ")";
  if (!refusal.mp_code.empty()) {
    body["error_uri"] = std::string(issuer) + "errors/" + refusal.mp_code;
  }
  http::HttpResponse response = http::HttpResponse::Json(
      refusal.http_status, body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
  response.headers.emplace_back("Cache-Control", "no-store");
  response.labels.route = "token";
  response.labels.outcome = refusal.mp_code;
  return response;
}

}  // namespace mp::server
