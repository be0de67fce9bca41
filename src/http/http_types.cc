#include "http/http_types.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace mp::http {
namespace {

// Splits "/a/b/c" into {"a", "b", "c"}; "/" gives {""}, so "/" only matches the pattern "/".
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segments.push_back(path.substr(start));
      return segments;
    }
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Route matching on raw (still percent-encoded) segments: literal segments compare bytewise,
// parameters take any non-empty segment.
bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      if (path[i].empty()) return false;
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

HttpResponse JsonError(int status, std::string_view error, std::string description,
                       std::string endpoint) {
  nlohmann::ordered_json body;
  body["error"] = error;
  body["error_description"] = std::move(description);
  HttpResponse response = HttpResponse::Json(
      status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  response.labels.route = std::move(endpoint);
  return response;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string* HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

std::string HttpRequest::Param(std::string_view name) const {
  for (const auto& [n, value] : path_params) {
    if (n == name) return value;
  }
  return {};
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Text(int status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  std::vector<std::string> segments;
  for (std::string_view segment : SplitPath(pattern)) segments.emplace_back(segment);
  routes_.push_back(Route{std::move(method), std::move(segments), std::move(handler)});
}

HttpResponse Router::Dispatch(HttpRequest request) const {
  const std::vector<std::string_view> path = SplitPath(request.path);
  std::vector<std::string_view> allowed;  // methods of routes whose pattern matches, for 405
  for (const Route& route : routes_) {
    if (!Matches(route.segments, path)) continue;
    if (route.method != request.method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
      }
      continue;
    }
    std::vector<std::pair<std::string, std::string>> params;
    for (size_t i = 0; i < path.size(); ++i) {
      const std::string& segment = route.segments[i];
      if (!IsParam(segment)) continue;
      Result<std::string> value = PercentDecode(path[i], /*form=*/false);
      if (!value.ok()) {
        return JsonError(400, "invalid_request", "bad percent-escape in the request path",
                         "http.bad_path");
      }
      params.emplace_back(segment.substr(1, segment.size() - 2), std::move(value).value());
    }
    request.path_params = std::move(params);
    return route.handler(request);
  }
  if (!allowed.empty()) {
    std::string allow;
    for (std::string_view method : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += method;
    }
    HttpResponse response =
        JsonError(405, "method_not_allowed",
                  request.method + " is not allowed for " + request.path + "; allowed: " + allow,
                  "http.method_not_allowed");
    response.headers.emplace_back("Allow", allow);
    return response;
  }
  return JsonError(404, "not_found", "no route for " + request.method + " " + request.path,
                   "http.not_found");
}

Result<std::string> PercentDecode(std::string_view text, bool form) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Status(Errc::kInvalidArgument, "bad percent-escape at offset " + std::to_string(i) +
                                                  ": '%' must be "
                                                  "followed by two hex digits");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && form) {
      out.push_back(' ');  // application/x-www-form-urlencoded
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> form;
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    if (amp == std::string_view::npos) amp = body.size();
    const std::string_view pair = body.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;  // "a=1&&b=2", trailing '&'
    const size_t eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    Result<std::string> name = PercentDecode(raw_name, /*form=*/true);
    if (!name.ok()) return name.status().WithContext("form parameter name");
    // The value may be a secret (client_assertion): the message names only the parameter.
    Result<std::string> value = PercentDecode(raw_value, /*form=*/true);
    if (!value.ok()) return value.status().WithContext("form parameter '" + *name + "'");
    if (FormValue(form, *name).has_value()) {
      // RFC 6749 §3.2: request parameters MUST NOT be included more than once.
      return Status(Errc::kInvalidArgument, "form parameter '" + *name + "' is repeated");
    }
    form.emplace_back(std::move(name).value(), std::move(value).value());
  }
  return form;
}

std::optional<std::string> FormValue(const std::vector<std::pair<std::string, std::string>>& form,
                                     std::string_view name) {
  for (const auto& [n, value] : form) {
    if (n == name) return value;
  }
  return std::nullopt;
}

}  // namespace mp::http
