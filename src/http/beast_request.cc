#include "http/beast_request.h"

#include <utility>

#include "core/random.h"
#include "core/strings.h"

namespace mp::http {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

HttpRequest ToHttpRequest(BeastRequest& req, std::string remote) {
  HttpRequest request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  const size_t query = request.target.find('?');
  request.path = request.target.substr(0, query);
  if (query != std::string::npos) request.query = request.target.substr(query + 1);
  for (const auto& field : req) {
    request.headers.emplace_back(AsciiLower(field.name_string()), std::string(Trim(field.value())));
  }
  request.body = std::move(req.body());
  request.remote = std::move(remote);
  request.trace_id = RandomHex(16);
  return request;
}

}  // namespace mp::http
