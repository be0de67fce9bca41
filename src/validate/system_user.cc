// SystemUserFromAccessToken: the urn:altinn:systemuser entry of a validated access token
// (SPEC §15), typed.
#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/strings.h"
#include "maskinporten/validator.h"

namespace mp {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kSystemUserType = "urn:altinn:systemuser";
constexpr std::string_view kIso6523Authority = "iso6523-actorid-upis";

Status Bad(std::string what) {
  return Status(Errc::kInvalidClaim, "claim authorization_details: system user " + what);
}

Result<SystemUser> ReadEntry(const Json& e) {
  auto ids = e.find("systemuser_id");
  if (ids == e.end() || !ids->is_array() || ids->empty() || !(*ids)[0].is_string() ||
      !IsUuid((*ids)[0].get_ref<const std::string&>())) {
    return Bad("systemuser_id must be an array whose first member is a UUID");
  }
  auto org = e.find("systemuser_org");
  if (org == e.end() || !org->is_object()) return Bad("systemuser_org must be an object");
  if (auto a = org->find("authority"); a != org->end() && *a != kIso6523Authority) {
    return Bad("systemuser_org.authority must be iso6523-actorid-upis");
  }
  auto id = org->find("ID");
  if (id == org->end()) id = org->find("id");  // SPEC §15: one Altinn example spells it "id"
  if (id == org->end() || !id->is_string()) return Bad("systemuser_org.ID must be a string");
  Result<OrgNumber> parsed = OrgNumber::ParseIso6523(id->get_ref<const std::string&>());
  if (!parsed.ok()) {
    return Bad("systemuser_org.ID " + Quote(id->get_ref<const std::string&>(), 64) +
               " is not 0192:<valid orgno>");
  }
  auto system = e.find("system_id");
  if (system == e.end() || !system->is_string() || system->get_ref<const std::string&>().empty()) {
    return Bad("system_id must be a non-empty string");
  }
  return SystemUser{.id = (*ids)[0].get<std::string>(),
                    .org = *std::move(parsed),
                    .system_id = system->get<std::string>()};
}

}  // namespace

Result<std::optional<SystemUser>> SystemUserFromAccessToken(const ValidatedAccessToken& token) {
  if (token.authorization_details_json.empty()) return std::optional<SystemUser>();
  Result<Json> details = ParseStrictJson(token.authorization_details_json);
  if (!details.ok()) return details.status().WithContext("authorization_details");
  if (!details->is_array()) {
    return Status(Errc::kInvalidClaim, "claim authorization_details must be an array");
  }
  std::optional<SystemUser> found;
  for (const Json& e : *details) {
    if (!e.is_object()) {
      return Status(Errc::kInvalidClaim, "claim authorization_details entries must be objects");
    }
    auto type = e.find("type");
    if (type == e.end() || *type != kSystemUserType) continue;
    if (found) return Bad("entries: there are two; a token carries one system user");
    MP_ASSIGN_OR_RETURN(SystemUser su, ReadEntry(e));
    found = std::move(su);
  }
  return found;
}

}  // namespace mp
