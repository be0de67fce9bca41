// Fuzzes the agent's request bodies (src/agent/agent_api.h: POST /api/v1/token and
// /api/v1/introspect, SPEC §16), parsed as the agent parses them, without sockets. The first byte
// chooses:
//   bit 0:    clear: ParseTokenCall; set: ParseIntrospectCall;
//   bits 1-3: the Content-Type header: application/json, application/x-www-form-urlencoded,
//             "Application/JSON ; charset=utf-8",
//             "application/x-www-form-urlencoded;charset=UTF-8", text/plain, none,
//             "application/jsonx", or the first line of the rest (then the body follows that line);
// the rest is the body.
// Properties:
//   - nothing crashes, leaks or hangs;
//   - a refusal is kInvalidArgument (kInvalidOrgNumber for consumer_org) with a message naming
//     what is wrong, never empty;
//   - an accepted token call has identity_provider and target, at least one scope, each scope
//     without whitespace and the scopes are target's words in order; a consumer_org is a valid org
//     number; authorization_details is one strict JSON object;
//   - the same call sent as a form (the fields percent-encoded, skip_cache "true"/"false",
//     authorization_details as its JSON text) parses to the same call: JSON and form agree;
//   - an accepted introspect call has identity_provider and token.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/agent_api.h"
#include "core/json.h"
#include "core/percent.h"
#include "core/strings.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "maskinporten/org_number.h"

namespace {

using mp::http::HttpRequest;

constexpr std::string_view kContentTypes[] = {
    "application/json",
    "application/x-www-form-urlencoded",
    "Application/JSON ; charset=utf-8",
    "application/x-www-form-urlencoded;charset=UTF-8",
    "text/plain",
    "",  // no header
    "application/jsonx",
};
constexpr unsigned kContentTypeFromInput = 7;

HttpRequest Post(std::string path, std::string_view content_type, std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.target = path;
  r.path = std::move(path);
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::string(content_type));
  r.body = std::move(body);
  r.remote = "127.0.0.1:40000";
  r.trace_id = "0123456789abcdef0123456789abcdef";
  return r;
}

void CheckRefusal(const mp::Status& status) {
  FUZZ_CHECK(status.code() == mp::Errc::kInvalidArgument ||
             status.code() == mp::Errc::kInvalidOrgNumber);
  FUZZ_CHECK(!status.message().empty());
}

std::string FormField(std::string_view name, std::string_view value) {
  return std::string(name) + "=" + mp::PercentEncode(value);
}

// The accepted call as a form body with the same fields.
std::string AsForm(const mp::agent::TokenCall& call) {
  std::string body = FormField("identity_provider", call.identity_provider) + "&" +
                     FormField("target", call.target) +
                     "&skip_cache=" + (call.skip_cache ? "true" : "false");
  if (call.request.resource) body += "&" + FormField("resource", *call.request.resource);
  if (call.request.consumer_org) {
    body += "&" + FormField("consumer_org", call.request.consumer_org->digits());
  }
  if (call.request.authorization_details) {
    body += "&" + FormField("authorization_details", *call.request.authorization_details);
  }
  return body;
}

void CheckTokenCall(const mp::agent::TokenCall& call) {
  FUZZ_CHECK(!call.identity_provider.empty());
  FUZZ_CHECK(!call.target.empty());
  FUZZ_CHECK(!call.request.scopes.empty());
  std::string joined;
  for (const std::string& scope : call.request.scopes) {
    FUZZ_CHECK(!scope.empty());
    FUZZ_CHECK(mp::SplitAsciiWhitespace(scope).size() == 1);
    joined += (joined.empty() ? "" : " ") + scope;
  }
  std::string words;
  for (std::string_view word : mp::SplitAsciiWhitespace(call.target)) {
    words += (words.empty() ? "" : " ") + std::string(word);
  }
  FUZZ_CHECK(joined == words);
  if (call.request.consumer_org) {
    FUZZ_CHECK(mp::OrgNumber::Parse(call.request.consumer_org->digits()).ok());
  }
  if (call.request.authorization_details) {
    auto details = mp::ParseStrictJsonObject(*call.request.authorization_details);
    FUZZ_CHECK(details.ok());
  }

  // JSON and form agree: the same fields as a form give the same call.
  auto again = mp::agent::ParseTokenCall(
      Post("/api/v1/token", "application/x-www-form-urlencoded", AsForm(call)));
  if (!again.ok()) {
    std::fprintf(stderr, "form of an accepted call refused: %s\n",
                 again.status().ToString().c_str());
  }
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->identity_provider == call.identity_provider);
  FUZZ_CHECK(again->target == call.target);
  FUZZ_CHECK(again->request.scopes == call.request.scopes);
  FUZZ_CHECK(again->request.resource == call.request.resource);
  FUZZ_CHECK(again->skip_cache == call.skip_cache);
  FUZZ_CHECK(again->request.consumer_org.has_value() == call.request.consumer_org.has_value());
  if (call.request.consumer_org) {
    FUZZ_CHECK(again->request.consumer_org->digits() == call.request.consumer_org->digits());
  }
  FUZZ_CHECK(again->request.authorization_details == call.request.authorization_details);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned mode = 0;
  std::string_view rest =
      mp::fuzz::SplitFirstByte({reinterpret_cast<const char*>(data), size}, &mode);
  const unsigned type = (mode >> 1) & 7;
  const std::string_view content_type =
      type == kContentTypeFromInput ? mp::fuzz::NextLine(&rest) : kContentTypes[type];

  if ((mode & 1) == 0) {
    auto call = mp::agent::ParseTokenCall(Post("/api/v1/token", content_type, std::string(rest)));
    if (call.ok()) {
      CheckTokenCall(*call);
    } else {
      CheckRefusal(call.status());
    }
  } else {
    auto call =
        mp::agent::ParseIntrospectCall(Post("/api/v1/introspect", content_type, std::string(rest)));
    if (call.ok()) {
      FUZZ_CHECK(!call->identity_provider.empty());
      FUZZ_CHECK(!call->token.empty());
    } else {
      CheckRefusal(call.status());
    }
  }
  return 0;
}
