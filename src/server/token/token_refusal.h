// A refused token request and Maskinporten's error JSON for it (SPEC §6), written in this one
// place. Below TokenService: the grant rules' adapter and the token service both use it, and
// nothing here knows of handlers or the service.
//
//   TokenRefusal r = Refuse(MpError::kMp200, "nav:a", "scopes not on the client: nav:a");
//   HttpResponse response = RefusalResponse(r, config.issuer, request.trace_id);
#ifndef MASKINPORTEN_SERVER_TOKEN_TOKEN_REFUSAL_H_
#define MASKINPORTEN_SERVER_TOKEN_TOKEN_REFUSAL_H_

#include <string>
#include <string_view>

#include "http/http_types.h"
#include "maskinporten/mp_errors.h"
#include "maskinporten/status.h"

namespace mp::server {

// A refused token request: HTTP status, OAuth2 error, description before " (trace_id: ...)",
// the MP code ("" when uncoded), and a detail for the log and journal (never a whole token).
struct TokenRefusal {
  int http_status = 400;
  std::string error{};
  std::string description{};
  std::string mp_code{};
  std::string detail{};
};

// The refusal for an MP error; `values` is appended verbatim to texts that name values: MP-200 the
// invalid scopes joined by ", "; MP-250 "<scope>."; MP-251 "<consumer> has not delegated access to
// the scope <scope> to supplier <supplier>." (the table holds the fixed prefix).
TokenRefusal Refuse(MpError error, std::string values = {}, std::string detail = {});
// 400 invalid_request with `description` (SPEC §4.4 step 1: the form).
TokenRefusal InvalidRequest(std::string description);
// 500 server_error: a store failed, so no verdict could be given; `status` goes to the log only.
// 503 server_error when it could not be reached (Errc::kNetworkError: Redis down).
TokenRefusal InternalError(const Status& status);

// Maskinporten's error body for a refusal (SPEC §6): error, error_description with
// " (trace_id: <id>)", error_uri = <issuer>errors/<code> for coded errors only.
http::HttpResponse RefusalResponse(const TokenRefusal& refusal, std::string_view issuer,
                                   std::string_view trace_id);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_TOKEN_TOKEN_REFUSAL_H_
