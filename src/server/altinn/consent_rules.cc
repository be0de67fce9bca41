#include "server/altinn/consent_rules.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "core/json.h"
#include "core/strings.h"
#include "core/url.h"
#include "core/utc_time.h"
#include "grant/grant_rules.h"
#include "maskinporten/org_number.h"

namespace mp::server::altinn_internal {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using grant_internal::kConsentOrgPrefix;
using grant_internal::kConsentPersonPrefix;

constexpr std::array<std::string_view, 1> kSsuMetadata = {"navn"};
constexpr std::array<std::string_view, 1> kIncomeMetadata = {"inntektsaar"};
constexpr std::array<ConsentResourceDefinition, 2> kResources = {{
    {"nav_5252_2", "NAV: syke- og uføreopplysninger (SSU)", kSsuMetadata},
    {"standard-samtykke-for-dele-data", "Standard samtykke for å dele data", kIncomeMetadata},
}};

// SPEC §14.1 problems (titles as Altinn's Problems.cs has them).
AltinnProblem Validation(std::string path, std::string detail) {
  return AltinnProblem{.code = "STD-00000",
                       .title = "One or more validation errors occurred.",
                       .detail = std::move(detail),
                       .path = std::move(path)};
}
AltinnProblem Problem(std::string_view code, std::string_view title, std::string detail) {
  return AltinnProblem{
      .code = std::string(code), .title = std::string(title), .detail = std::move(detail)};
}

const std::string* StringAt(const Json& body, std::string_view name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// One consentRights entry (SPEC §14.1).
std::variant<ConsentRight, AltinnProblem> ParseRight(const Json& item, size_t i) {
  const std::string at = "/consentRights/" + std::to_string(i);
  if (!item.is_object())
    return Validation(at, "consentRights[" + std::to_string(i) + "] must be an object");
  for (const auto& [name, value] : item.items()) {
    if (name != "action" && name != "resource" && name != "metadata" && name != "metaData") {
      return Validation(at + "/" + name, name + " is not a known member of a consent right");
    }
  }
  ConsentRight right;
  auto action = item.find("action");
  if (action == item.end() || !action->is_array() || *action != Json::array({"consent"})) {
    return Validation(at + "/action", "action must be [\"consent\"]");
  }
  right.action = {"consent"};
  auto resource = item.find("resource");
  if (resource == item.end() || !resource->is_array() || resource->size() != 1 ||
      !(*resource)[0].is_object() || (*resource)[0].size() != 2 ||
      (*resource)[0].value("type", Json()) != "urn:altinn:resource" ||
      !(*resource)[0].value("value", Json()).is_string()) {
    return Validation(at + "/resource",
                      "resource must be one {\"type\":\"urn:altinn:resource\",\"value\":\"<id>\"}");
  }
  right.resource = (*resource)[0]["value"].get<std::string>();
  const ConsentResourceDefinition* def = FindConsentResource(right.resource);
  if (def == nullptr) {
    return Problem("AM-00005", "Invalid consent resource",
                   "resource " + Quote(right.resource, 64) + " is not a consent resource");
  }
  // SPEC §14.1: the contract says metadata, one docs example metaData; either, not both.
  if (item.contains("metadata") && item.contains("metaData")) {
    return Validation(at + "/metadata", "give metadata or metaData, not both");
  }
  auto metadata = item.contains("metaData") ? item.find("metaData") : item.find("metadata");
  if (metadata != item.end() && !metadata->is_null()) {
    if (!metadata->is_object()) return Validation(at + "/metadata", "metadata must be an object");
    for (const auto& [name, value] : metadata->items()) {
      if (std::find(def->metadata.begin(), def->metadata.end(), name) == def->metadata.end()) {
        return Problem("AM-00006", "Invalid consent metadata",
                       "metadata " + Quote(name, 64) + " is not defined by " + right.resource);
      }
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return Problem("AM-00007", "Missing metadata value",
                       "metadata " + name + " must be a non-empty string");
      }
      right.metadata.emplace_back(name, value.get<std::string>());
    }
  }
  for (std::string_view key : def->metadata) {
    bool given = std::any_of(right.metadata.begin(), right.metadata.end(),
                             [&](const auto& kv) { return kv.first == key; });
    if (!given) {
      return Problem("AM-00008", "Missing metadata",
                     right.resource + " requires metadata " + std::string(key));
    }
  }
  return right;
}

std::variant<std::vector<ConsentRight>, AltinnProblem> ParseRights(const Json& body) {
  auto rights = body.find("consentRights");
  if (rights == body.end() || !rights->is_array() || rights->empty()) {
    return Validation("/consentRights", "consentRights must be a non-empty array");
  }
  std::vector<ConsentRight> out;
  for (size_t i = 0; i < rights->size(); ++i) {
    auto parsed = ParseRight((*rights)[i], i);
    if (auto* p = std::get_if<AltinnProblem>(&parsed)) return std::move(*p);
    ConsentRight& right = std::get<ConsentRight>(parsed);
    // One template for all rights: locally, one resource per request.
    if (!out.empty() && out.front().resource != right.resource) {
      return Problem("AM-00009", "Invalid resource combination",
                     "consentRights mix " + out.front().resource + " and " + right.resource);
    }
    out.push_back(std::move(right));
  }
  return out;
}

}  // namespace

std::span<const ConsentResourceDefinition> ConsentResources() { return kResources; }

const ConsentResourceDefinition* FindConsentResource(std::string_view id) {
  for (const ConsentResourceDefinition& r : kResources) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::string PartyId(std::string_view urn) {
  if (urn.starts_with(kConsentPersonPrefix)) {
    std::string_view fnr = urn.substr(kConsentPersonPrefix.size());
    return grant_internal::IsValidPersonIdentifier(fnr) ? std::string(fnr) : std::string();
  }
  if (urn.starts_with(kConsentOrgPrefix)) {
    std::string_view org = urn.substr(kConsentOrgPrefix.size());
    return OrgNumber::Parse(org).ok() ? std::string(org) : std::string();
  }
  return std::string();
}

bool IsPersonUrn(std::string_view urn) {
  return urn.starts_with(kConsentPersonPrefix) && !PartyId(urn).empty();
}

std::string OrganizationUrn(std::string_view orgno) {
  return std::string(kConsentOrgPrefix) + std::string(orgno);
}

std::variant<ConsentRequestRecord, AltinnProblem> ParseConsentRequestBody(
    const Json& body, int64_t now, const std::function<bool(std::string_view orgno)>& org_known) {
  static const std::set<std::string, std::less<>> kKnown = {"id",
                                                            "from",
                                                            "to",
                                                            "requiredDelegator",
                                                            "validTo",
                                                            "consentRights",
                                                            "requestMessage",
                                                            "redirectUrl",
                                                            "portalViewMode"};
  for (const auto& [name, value] : body.items()) {
    if (kKnown.count(name) == 0) return Validation("/" + name, name + " is not a known member");
  }
  ConsentRequestRecord c;
  const std::string* id = StringAt(body, "id");
  if (id == nullptr || !IsUuid(*id)) return Validation("/id", "id must be a UUID");
  c.id = *id;
  const std::string* from = StringAt(body, "from");
  if (from == nullptr || PartyId(*from).empty()) {
    return Validation("/from",
                      "from must be urn:altinn:person:identifier-no:<fnr> or "
                      "urn:altinn:organization:identifier-no:<orgno>");
  }
  c.from = *from;
  const std::string* to = StringAt(body, "to");
  if (to == nullptr || !to->starts_with(kConsentOrgPrefix) || PartyId(*to).empty()) {
    return Validation("/to", "to must be urn:altinn:organization:identifier-no:<orgno>");
  }
  c.to = *to;
  for (const std::string* party : {&c.from, &c.to}) {
    if (!IsPersonUrn(*party) && !org_known(PartyId(*party))) {
      return Problem("AM-00003", "Unknown organization. Could not be found",
                     "organization " + PartyId(*party) + " is not registered");
    }
  }
  if (auto it = body.find("requiredDelegator"); it != body.end() && !it->is_null()) {
    if (!it->is_string() || PartyId(it->get<std::string>()).empty()) {
      return Validation("/requiredDelegator", "requiredDelegator must be a party URN");
    }
    c.required_delegator = it->get<std::string>();
  }
  const std::string* valid_to = StringAt(body, "validTo");
  Result<int64_t> t = valid_to == nullptr
                          ? Result<int64_t>(Status(Errc::kInvalidArgument, "validTo is missing"))
                          : ParseUtcTime(*valid_to, TimeSyntax::kRfc3339, "validTo");
  if (!t.ok()) return Validation("/validTo", t.status().message());
  if (*t <= now) return Validation("/validTo", "validTo must be in the future");
  c.valid_to = *t;
  auto rights = ParseRights(body);
  if (auto* p = std::get_if<AltinnProblem>(&rights)) return std::move(*p);
  c.rights = std::move(std::get<std::vector<ConsentRight>>(rights));
  if (auto it = body.find("requestMessage"); it != body.end() && !it->is_null()) {
    bool strings = it->is_object() &&
                   std::all_of(it->begin(), it->end(), [](const Json& v) { return v.is_string(); });
    if (!strings) {
      return Validation("/requestMessage", "requestMessage must be an object of language: text");
    }
    c.request_message_json = DumpJson(*it);
  }
  const std::string* redirect = StringAt(body, "redirectUrl");
  if (redirect == nullptr || !IsRedirectUrl(*redirect)) {
    return Validation("/redirectUrl",
                      "redirectUrl must be an absolute https URL (http only to a loopback host)");
  }
  c.redirect_url = *redirect;
  if (auto it = body.find("portalViewMode"); it != body.end() && !it->is_null()) {
    if (*it != "hide" && *it != "show") {
      return Validation("/portalViewMode", "portalViewMode must be hide or show");
    }
    c.portal_view_mode = it->get<std::string>();
  }
  return c;
}

bool IsRedirectUrl(std::string_view url) {
  std::optional<HttpUrl> parsed = ParseHttpUrl(url);
  return parsed && !parsed->userinfo && IsHttpsOrLoopback(*parsed) && url.size() <= 2000;
}

std::string ViewUri(std::string_view base_url, std::string_view id) {
  return std::string(base_url) + "/accessmanagement/ui/consent/request?id=" + std::string(id);
}

OrderedJson ConsentRequestJson(const ConsentRequestRecord& c, std::string_view base_url) {
  OrderedJson j;
  j["id"] = c.id;
  j["from"] = c.from;
  j["to"] = c.to;
  j["requiredDelegator"] =
      c.required_delegator.empty() ? OrderedJson() : OrderedJson(c.required_delegator);
  j["handledBy"] =
      c.handled_by.empty() ? OrderedJson() : OrderedJson(OrganizationUrn(c.handled_by));
  j["validTo"] = FormatUtc(c.valid_to);
  OrderedJson rights = OrderedJson::array();
  for (const ConsentRight& r : c.rights) {
    OrderedJson right;
    right["action"] = r.action;
    right["resource"] =
        OrderedJson::array({{{"type", "urn:altinn:resource"}, {"value", r.resource}}});
    OrderedJson metadata = OrderedJson::object();
    for (const auto& [name, value] : r.metadata) metadata[name] = value;
    right["metadata"] = std::move(metadata);
    rights.push_back(std::move(right));
  }
  j["consentRights"] = std::move(rights);
  j["requestMessage"] = c.request_message_json.empty()
                            ? OrderedJson()
                            : OrderedJson::parse(c.request_message_json, nullptr, false);
  j["redirectUrl"] = c.redirect_url;
  j["portalViewMode"] = c.portal_view_mode;
  j["status"] = ConsentRequestStatusName(c.status);
  j["consented"] = c.consented == 0 ? OrderedJson() : OrderedJson(FormatUtc(c.consented));
  OrderedJson events = OrderedJson::array();
  for (const ConsentRequestEvent& e : c.events) {
    OrderedJson event;
    event["consentEventID"] = e.event_id;
    event["created"] = FormatUtc(e.created);
    event["performedBy"] = e.performed_by.empty() ? OrderedJson() : OrderedJson(e.performed_by);
    event["eventType"] = e.event_type;
    event["consentRequestID"] = c.id;
    events.push_back(std::move(event));
  }
  j["consentRequestEvents"] = std::move(events);
  j["viewUri"] = ViewUri(base_url, c.id);
  return j;
}

}  // namespace mp::server::altinn_internal
