#include "server/store/store_records.h"

#include <nlohmann/json.hpp>

#include "core/json.h"

namespace mp::server::records {
namespace {

// Metadata as [[name, value], ...] so the order survives; ReadMetadataPairs is false for anything
// else.
nlohmann::json MetadataPairs(const std::vector<std::pair<std::string, std::string>>& metadata) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, value] : metadata) out.push_back({name, value});
  return out;
}
bool ReadMetadataPairs(const nlohmann::json& pairs,
                       std::vector<std::pair<std::string, std::string>>* out) {
  if (!pairs.is_array()) return false;
  for (const nlohmann::json& pair : pairs) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return false;
    }
    out->emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return true;
}

}  // namespace

std::string JsonArray(const std::vector<std::string>& items) {
  return DumpJson(nlohmann::json(items));
}

// Our own column, written by JsonArray; a failure means the file was edited or damaged.
Result<std::vector<std::string>> ParseJsonArray(std::string_view where, const std::string& text,
                                                std::string_view what) {
  Result<nlohmann::json> parsed = ParseStrictJson(text);
  Status bad(Errc::kIoError,
             std::string(where) + ": " + std::string(what) + " is not a JSON array of strings");
  if (!parsed.ok() || !parsed->is_array()) return bad;
  std::vector<std::string> items;
  items.reserve(parsed->size());
  for (const nlohmann::json& item : *parsed) {
    if (!item.is_string()) return bad;
    items.push_back(item.get<std::string>());
  }
  return items;
}

Status RequireKey(std::string_view field, std::string_view value) {
  if (value.empty()) return Status(Errc::kInvalidArgument, std::string(field) + " is empty");
  return OkStatus();
}

// requestResources as our own column: [{"serviceCode":..,"serviceEditionCode":..,
// "metadata":[[name,value],..]}], metadata as pairs so their order survives.
std::string ResourcesJson(const std::vector<ConsentResource>& resources) {
  nlohmann::json out = nlohmann::json::array();
  for (const ConsentResource& r : resources) {
    out.push_back({{"serviceCode", r.service_code},
                   {"serviceEditionCode", r.service_edition_code},
                   {"metadata", MetadataPairs(r.metadata)}});
  }
  return DumpJson(out);
}

Result<std::vector<ConsentResource>> ParseResources(std::string_view where, const std::string& text,
                                                    std::string_view code) {
  Status bad(Errc::kIoError,
             std::string(where) + ": resources of consent " + Quote(code) + " are not readable");
  Result<nlohmann::json> parsed = ParseStrictJson(text);
  if (!parsed.ok() || !parsed->is_array()) return bad;
  std::vector<ConsentResource> out;
  for (const nlohmann::json& item : *parsed) {
    if (!item.is_object()) return bad;
    auto code_it = item.find("serviceCode");
    auto edition = item.find("serviceEditionCode");
    auto metadata = item.find("metadata");
    if (code_it == item.end() || !code_it->is_string() || edition == item.end() ||
        !edition->is_number_integer() || metadata == item.end() || !metadata->is_array()) {
      return bad;
    }
    ConsentResource r{.service_code = code_it->get<std::string>(),
                      .service_edition_code = edition->get<int>(),
                      .metadata = {}};
    if (!ReadMetadataPairs(*metadata, &r.metadata)) return bad;
    out.push_back(std::move(r));
  }
  return out;
}

// consent_rights as our own column: [{"action":[..],"resource":"..","metadata":[[name,value]]}],
// metadata as pairs so their order survives.
std::string RightsJson(const std::vector<ConsentRight>& rights) {
  nlohmann::json out = nlohmann::json::array();
  for (const ConsentRight& r : rights) {
    out.push_back(
        {{"action", r.action}, {"resource", r.resource}, {"metadata", MetadataPairs(r.metadata)}});
  }
  return DumpJson(out);
}

Result<std::vector<ConsentRight>> ParseRights(std::string_view where, const std::string& text,
                                              std::string_view id) {
  Status bad(Errc::kIoError, std::string(where) + ": consent_rights of consent request " +
                                 Quote(id) + " are not readable");
  Result<nlohmann::json> parsed = ParseStrictJson(text);
  if (!parsed.ok() || !parsed->is_array()) return bad;
  std::vector<ConsentRight> out;
  for (const nlohmann::json& item : *parsed) {
    if (!item.is_object()) return bad;
    auto action = item.find("action");
    auto resource = item.find("resource");
    auto metadata = item.find("metadata");
    if (action == item.end() || !action->is_array() || resource == item.end() ||
        !resource->is_string() || metadata == item.end() || !metadata->is_array()) {
      return bad;
    }
    ConsentRight r;
    for (const nlohmann::json& a : *action) {
      if (!a.is_string()) return bad;
      r.action.push_back(a.get<std::string>());
    }
    r.resource = resource->get<std::string>();
    if (!ReadMetadataPairs(*metadata, &r.metadata)) return bad;
    out.push_back(std::move(r));
  }
  return out;
}

Status NoClient(std::string_view client_id) {
  return Status(Errc::kNotFound, "no client with client_id " + Quote(client_id));
}

Status NoScope(std::string_view name) {
  return Status(Errc::kNotFound, "no scope named " + Quote(name));
}

Status AlreadyExists(std::string_view what) {
  return Status(Errc::kInvalidArgument, std::string(what) + " already exists");
}

Status NoSystem(std::string_view system_id) {
  return Status(Errc::kNotFound, "no system " + Quote(system_id) + " in the system register");
}

Status ClientIdTaken(std::string_view client_id, std::string_view holder) {
  return Status(Errc::kInvalidArgument,
                "client id " + Quote(client_id) + " already belongs to system " + Quote(holder));
}

Status SystemUserExists(const SystemUserRecord& user) {
  return Status(Errc::kInvalidArgument, "a system user for system " + Quote(user.system_id) +
                                            ", org " + Quote(user.party_orgno) +
                                            " and external ref " + Quote(user.external_ref) +
                                            " (or with id " + Quote(user.id) + ") already exists");
}

Status RequireRequestStatus(std::string_view id, std::string_view status) {
  if (status == SystemUserRequestStatusName(SystemUserRequestStatus::kNew)) return OkStatus();
  return Status(Errc::kInvalidArgument,
                "system user request " + Quote(id) + " is " + std::string(status) + ", not New");
}

}  // namespace mp::server::records
