#include "agent/agent_api.h"

#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/strings.h"
#include "maskinporten/org_number.h"

namespace mp::agent {
namespace {

// The body's fields as JSON values: a JSON object as is, a form's values as strings.
using Fields = std::map<std::string, nlohmann::json, std::less<>>;

Status Bad(std::string message) { return Status(Errc::kInvalidArgument, std::move(message)); }

Result<Fields> ParseFields(const http::HttpRequest& request) {
  const std::string* type = request.Header("content-type");
  const std::string media = type == nullptr ? "" : AsciiLower(type->substr(0, type->find(';')));
  std::string_view trimmed = media;
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  Fields fields;
  if (trimmed == "application/json") {
    Result<nlohmann::json> body = ParseStrictJsonObject(request.body, {.max_bytes = 64 * 1024});
    if (!body.ok()) return Bad("body: " + body.status().message());
    for (auto& [name, value] : body->items()) fields.emplace(name, value);
    return fields;
  }
  if (trimmed == "application/x-www-form-urlencoded") {
    Result<std::vector<std::pair<std::string, std::string>>> form = http::ParseForm(request.body);
    if (!form.ok()) return Bad("body: " + form.status().message());
    for (auto& [name, value] : *form) fields.emplace(name, value);
    return fields;
  }
  return Bad("Content-Type must be application/json or application/x-www-form-urlencoded, got " +
             Quote(type == nullptr ? "" : *type));
}

// A string field: nullopt when absent; an error naming it when of another type.
Result<std::optional<std::string>> StringField(const Fields& fields, std::string_view name) {
  auto it = fields.find(name);
  if (it == fields.end() || it->second.is_null()) return std::optional<std::string>();
  if (!it->second.is_string()) return Bad(std::string(name) + " must be a string");
  return std::optional<std::string>(it->second.get<std::string>());
}

Result<std::string> RequiredString(const Fields& fields, std::string_view name) {
  MP_ASSIGN_OR_RETURN(std::optional<std::string> value, StringField(fields, name));
  if (!value || value->empty()) return Bad(std::string(name) + " is required");
  return *value;
}

Result<bool> BoolField(const Fields& fields, std::string_view name) {
  auto it = fields.find(name);
  if (it == fields.end() || it->second.is_null()) return false;
  if (it->second.is_boolean()) return it->second.get<bool>();
  if (it->second.is_string()) {  // a form
    const std::string& text = it->second.get_ref<const std::string&>();
    if (text == "true") return true;
    if (text == "false" || text.empty()) return false;
  }
  return Bad(std::string(name) + " must be true or false");
}

// One RFC 9396 entry (Maskinporten takes one per request, SPEC §11.3) as JSON text: an object,
// or an array holding exactly one; in a form, that JSON as text.
Result<std::optional<std::string>> AuthorizationDetails(const Fields& fields) {
  constexpr std::string_view kName = "authorization_details";
  auto it = fields.find(kName);
  if (it == fields.end() || it->second.is_null()) return std::optional<std::string>();
  nlohmann::json value = it->second;
  if (value.is_string()) {
    Result<nlohmann::json> parsed = ParseStrictJson(value.get<std::string>());
    if (!parsed.ok()) return Bad("authorization_details: " + parsed.status().message());
    value = *std::move(parsed);
  }
  if (value.is_array()) {
    if (value.size() != 1) {
      return Bad("authorization_details holds " + std::to_string(value.size()) +
                 " entries; Maskinporten takes exactly one per request");
    }
    value = value[0];
  }
  if (!value.is_object()) {
    return Bad("authorization_details must be an object or an array of one object");
  }
  return std::optional<std::string>(DumpJson(value));
}

}  // namespace

Result<TokenCall> ParseTokenCall(const http::HttpRequest& request) {
  MP_ASSIGN_OR_RETURN(Fields fields, ParseFields(request));
  TokenCall call;
  MP_ASSIGN_OR_RETURN(call.identity_provider, RequiredString(fields, "identity_provider"));
  MP_ASSIGN_OR_RETURN(call.target, RequiredString(fields, "target"));
  for (std::string_view scope : SplitAsciiWhitespace(call.target)) {
    call.request.scopes.emplace_back(scope);
  }
  if (call.request.scopes.empty()) return Bad("target is required");
  MP_ASSIGN_OR_RETURN(call.request.resource, StringField(fields, "resource"));
  MP_ASSIGN_OR_RETURN(call.skip_cache, BoolField(fields, "skip_cache"));
  MP_ASSIGN_OR_RETURN(std::optional<std::string> consumer_org, StringField(fields, "consumer_org"));
  if (consumer_org && !consumer_org->empty()) {
    Result<OrgNumber> org = OrgNumber::Parse(*consumer_org);
    if (!org.ok()) return Status(org.status().code(), "consumer_org: " + org.status().message());
    call.request.consumer_org = *org;
  }
  MP_ASSIGN_OR_RETURN(call.request.authorization_details, AuthorizationDetails(fields));
  return call;
}

Result<IntrospectCall> ParseIntrospectCall(const http::HttpRequest& request) {
  MP_ASSIGN_OR_RETURN(Fields fields, ParseFields(request));
  IntrospectCall call;
  MP_ASSIGN_OR_RETURN(call.identity_provider, RequiredString(fields, "identity_provider"));
  MP_ASSIGN_OR_RETURN(call.token, RequiredString(fields, "token"));
  return call;
}

}  // namespace mp::agent
