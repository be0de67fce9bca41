// The HTTP request and response the local Maskinporten's handlers see. Plain values with no Beast
// types, so handlers are pure functions tested without sockets (DESIGN.md §2: "I/O adapters are
// thin"). The Beast server (http_server.h) turns wire requests into these and back.
//
//   HttpResponse Health(const HttpRequest&) { return HttpResponse::Json(200, R"({"status":"ok"})");
//   } router.Add("GET", "/health", Health);
#ifndef MASKINPORTEN_HTTP_HTTP_TYPES_H_
#define MASKINPORTEN_HTTP_HTTP_TYPES_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/percent.h"  // PercentEncode, the other direction
#include "maskinporten/status.h"

namespace mp::http {

// Labels for the request log and the metrics, chosen by the application that answers; the HTTP
// layer copies them without reading them (metrics.h names them). Never secrets.
struct ResponseLabels {
  std::string route{};    // which route answered: "token", "api.clients"; "" when none matched
  std::string outcome{};  // the application's result code ("MP-124"), "" when none
};

struct HttpRequest {
  std::string method{};  // "GET", "POST", ...
  std::string target{};  // as received: "/api/v1/scopes?scope=a%3Ab"
  std::string path{};    // target before '?', not percent-decoded
  std::string query{};   // target after '?', "" when none
  // Header names in lower case, values as received (trimmed), in wire order.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::string remote{};    // "127.0.0.1:54321"
  std::string trace_id{};  // 32 lowercase hex, set by the server for every request
  // Values captured by "{name}" in the route pattern, percent-decoded (set by Router).
  std::vector<std::pair<std::string, std::string>> path_params{};

  // The first header with this lower-case name, or nullptr.
  const std::string* Header(std::string_view lower_name) const;
  // The path parameter `name`, "" when absent.
  std::string Param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers{};  // extra headers
  std::string body{};
  ResponseLabels labels{};
  // Transport actions (an application uses them for fault injection): wait before answering, or
  // close the connection without answering.
  std::chrono::milliseconds delay{0};
  bool drop_connection = false;

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body, std::string content_type = "text/plain");
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Exact-path routing with path parameters: "/api/v1/clients/{id}/jwks". A path that matches with
// another method answers 405 with Allow; no match answers 404 (JSON bodies).
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // Fills request.path_params and calls the matching handler.
  HttpResponse Dispatch(HttpRequest request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{id}" for a parameter
    Handler handler;
  };
  std::vector<Route> routes_;
};
// RFC 3986 percent-decoding; '+' is a space only when `form` is set
// (application/x-www-form-urlencoded). Errc::kInvalidArgument on a bad %XX escape.
Result<std::string> PercentDecode(std::string_view text, bool form);
// Parses "a=1&b=2" (form rules). A name given twice is refused (RFC 6749 §3.2: parameters MUST NOT
// be included more than once), Errc::kInvalidArgument naming it.
Result<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body);
// First value of `name` in a parsed form/query, or nullopt.
std::optional<std::string> FormValue(const std::vector<std::pair<std::string, std::string>>& form,
                                     std::string_view name);

}  // namespace mp::http

#endif  // MASKINPORTEN_HTTP_HTTP_TYPES_H_
