#include "server/altinn/system_users.h"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/random.h"
#include "core/strings.h"
#include "grant/grant_rules.h"
#include "maskinporten/org_number.h"
#include "server/altinn/altinn_consent.h"
#include "server/altinn/consent_rules.h"
#include "server/handlers/api_response.h"
#include "server/registry/registry_rules.h"

namespace mp::server {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kVendorEndpoint = "altinn3.system_users";
constexpr std::string_view kCustomerEndpoint = "altinn3.system_user_customer";
constexpr std::string_view kResourceType = "urn:altinn:resource";
constexpr std::string_view kAccessPackagePrefix = "urn:altinn:accesspackage:";

http::HttpResponse ServerError(const Status& s, std::string_view endpoint) {
  return ErrorResponse(500, "server_error", "the registry failed: " + s.ToString(), endpoint);
}

// SPEC §15 errors as Altinn's authentication API has them (Local choice: its Problem.cs and
// ValidationErrors.cs codes and titles, docs/emulator.md).
http::HttpResponse Validation(std::string_view code, std::string_view title, std::string detail,
                              std::string path) {
  return ProblemResponse(400, code, title, detail, kVendorEndpoint, {std::move(path)});
}
http::HttpResponse Invalid(std::string path, std::string detail) {
  return Validation("STD-00000", "One or more validation errors occurred.", std::move(detail),
                    std::move(path));
}

// A JSON body member as an object of language -> non-empty text, at least one of nb, nn, en.
bool IsTexts(const Json& v) {
  if (!v.is_object() || v.empty()) return false;
  return std::all_of(v.items().begin(), v.items().end(), [](const auto& kv) {
    return (kv.key() == "nb" || kv.key() == "nn" || kv.key() == "en") && kv.value().is_string() &&
           !kv.value().template get_ref<const std::string&>().empty();
  });
}

// [{"resource":[{"id":"urn:altinn:resource","value":"<id>"}]}] -> the resource ids, in order.
Outcome<std::vector<std::string>> ParseRights(const Json& body, std::string_view dup_code,
                                              std::string_view dup_title) {
  std::vector<std::string> out;
  auto rights = body.find("rights");
  if (rights == body.end() || rights->is_null()) return out;
  const std::string format =
      "rights must be [{\"resource\":[{\"id\":\"urn:altinn:resource\",\"value\":\"<id>\"}]}]";
  if (!rights->is_array()) return Invalid("/rights", format);
  for (size_t i = 0; i < rights->size(); ++i) {
    const Json& right = (*rights)[i];
    const std::string at = "/rights/" + std::to_string(i);
    auto resource = right.is_object() && right.size() == 1 ? right.find("resource") : right.end();
    if (resource == right.end() || !resource->is_array() || resource->size() != 1 ||
        !(*resource)[0].is_object() || (*resource)[0].size() != 2 ||
        (*resource)[0].value("id", Json()) != kResourceType ||
        !(*resource)[0].value("value", Json()).is_string() ||
        (*resource)[0]["value"].get_ref<const std::string&>().empty()) {
      return Validation("AUTH.VLD-00009",
                        "One or more resource id is in wrong format. The vlaid format is "
                        "urn:altinn:resource",
                        format, at);
    }
    std::string id = (*resource)[0]["value"].get<std::string>();
    if (std::find(out.begin(), out.end(), id) != out.end()) {
      return Validation(dup_code, dup_title, "resource " + Quote(id, 64) + " is listed twice", at);
    }
    out.push_back(std::move(id));
  }
  return out;
}

// [{"urn":"urn:altinn:accesspackage:<name>"}] -> the URNs, in order.
Outcome<std::vector<std::string>> ParseAccessPackages(const Json& body) {
  std::vector<std::string> out;
  auto packages = body.find("accessPackages");
  if (packages == body.end() || packages->is_null()) return out;
  if (!packages->is_array()) {
    return Invalid("/accessPackages", "accessPackages must be [{\"urn\":\"urn:altinn:...\"}]");
  }
  for (size_t i = 0; i < packages->size(); ++i) {
    const Json& p = (*packages)[i];
    const std::string at = "/accessPackages/" + std::to_string(i);
    auto urn = p.is_object() && p.size() == 1 ? p.find("urn") : p.end();
    if (urn == p.end() || !urn->is_string() ||
        !urn->get_ref<const std::string&>().starts_with(kAccessPackagePrefix) ||
        urn->get_ref<const std::string&>().size() == kAccessPackagePrefix.size()) {
      return Validation("AUTH.VLD-00008",
                        "One or all the accesspackage(s) is not found in altinn's access packages",
                        "access packages are {\"urn\":\"urn:altinn:accesspackage:<name>\"}", at);
    }
    std::string name = urn->get<std::string>();
    if (std::find(out.begin(), out.end(), name) != out.end()) {
      return Validation("AUTH.VLD-00007", "One or more duplicate access package(s) found",
                        "access package " + Quote(name, 80) + " is listed twice", at);
    }
    out.push_back(std::move(name));
  }
  return out;
}

// A list of non-empty strings at `name` (absent or null: empty).
Outcome<std::vector<std::string>> StringList(const Json& body, const std::string& name) {
  std::vector<std::string> out;
  auto list = body.find(name);
  if (list == body.end() || list->is_null()) return out;
  bool ok = list->is_array() && std::all_of(list->begin(), list->end(), [](const Json& v) {
              return v.is_string() && !v.get_ref<const std::string&>().empty();
            });
  if (!ok) return Invalid("/" + name, name + " must be an array of non-empty strings");
  for (const Json& v : *list) out.push_back(v.get<std::string>());
  return out;
}

Status UnknownMembers(const Json& body, const std::set<std::string, std::less<>>& known) {
  for (const auto& [name, value] : body.items()) {
    if (known.count(name) == 0) return Status(Errc::kInvalidArgument, name);
  }
  return OkStatus();
}

OrderedJson Party(std::string_view orgno) {
  return {{"authority", grant_internal::kIso6523Authority}, {"ID", "0192:" + std::string(orgno)}};
}

OrderedJson RightsJson(const std::vector<std::string>& rights) {
  OrderedJson out = OrderedJson::array();
  for (const std::string& r : rights) {
    out.push_back({{"resource", OrderedJson::array({{{"id", kResourceType}, {"value", r}}})}});
  }
  return out;
}

OrderedJson PackagesJson(const std::vector<std::string>& packages) {
  OrderedJson out = OrderedJson::array();
  for (const std::string& p : packages) out.push_back({{"urn", p}});
  return out;
}

OrderedJson TextsJson(const std::string& canonical) {
  OrderedJson t = OrderedJson::parse(canonical, nullptr, false);
  return t.is_discarded() ? OrderedJson::object() : t;
}

OrderedJson SystemJson(const SystemRecord& s) {
  OrderedJson j;
  j["id"] = s.system_id;
  j["vendor"] = Party(s.vendor_orgno);
  j["name"] = TextsJson(s.name_json);
  j["description"] = TextsJson(s.description_json);
  j["rights"] = RightsJson(s.rights);
  j["accessPackages"] = PackagesJson(s.access_packages);
  j["clientId"] = s.client_ids;
  j["allowedRedirectUrls"] = s.allowed_redirect_urls;
  j["isVisible"] = s.is_visible;
  return j;
}

OrderedJson RequestJson(const SystemUserRequestRecord& r, std::string_view base_url) {
  OrderedJson j;
  j["id"] = r.id;
  j["externalRef"] = r.external_ref;
  j["systemId"] = r.system_id;
  j["partyOrgNo"] = r.party_orgno;
  j["rights"] = RightsJson(r.rights);
  j["accessPackages"] = PackagesJson(r.access_packages);
  j["status"] = SystemUserRequestStatusName(r.status);
  j["redirectUrl"] = r.redirect_url.empty() ? OrderedJson() : OrderedJson(r.redirect_url);
  j["confirmUrl"] = ConfirmUrl(base_url, r.id);
  return j;
}

OrderedJson SystemUserJson(const SystemUserRecord& u, const SystemRecord& s) {
  OrderedJson j;
  j["id"] = u.id;
  j["integrationTitle"] = TextsJson(s.name_json).value("nb", s.system_id);
  j["systemId"] = u.system_id;
  j["reporteeOrgNo"] = u.party_orgno;
  j["supplierOrgNo"] = s.vendor_orgno;
  j["externalRef"] = u.external_ref;
  j["created"] = FormatUtc(u.created);
  j["isDeleted"] = false;
  j["accessPackages"] = PackagesJson(u.access_packages);
  return j;
}

// The vendor's end and the customer's end of SPEC §15.
class SystemUserApi {
 public:
  explicit SystemUserApi(const SystemUserContext& ctx) : ctx_(ctx) {}

  http::HttpResponse RegisterSystem(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(BearerCaller caller, Authenticate(req, {kSystemRegisterWriteScope}));
    API_ASSIGN_OR_RESPOND(Json body, Body(req));
    static const std::set<std::string, std::less<>> kKnown = {
        "id",       "vendor",         "name",     "description",
        "rights",   "accessPackages", "clientId", "allowedRedirectUrls",
        "isVisible"};
    if (Status s = UnknownMembers(body, kKnown); !s.ok()) {
      return Invalid("/" + s.message(), s.message() + " is not a known member of a system");
    }
    SystemRecord sys;
    auto vendor = body.find("vendor");
    const Json* vendor_id = nullptr;
    if (vendor != body.end() && vendor->is_object()) {
      auto id = vendor->find("ID");
      if (id != vendor->end() && id->is_string()) vendor_id = &*id;
    }
    Result<OrgNumber> vendor_org =
        vendor_id == nullptr
            ? Result<OrgNumber>(Status(Errc::kInvalidOrgNumber, "vendor.ID is missing"))
            : OrgNumber::ParseIso6523(vendor_id->get_ref<const std::string&>());
    if (!vendor_org.ok()) {
      return Validation("AUTH.VLD-00000",
                        "the org number identifier is not valid ISO6523 identifier",
                        "vendor.ID must be \"0192:<orgno>\"", "/vendor/ID");
    }
    sys.vendor_orgno = vendor_org->digits();
    auto id = body.find("id");
    const std::string prefix = sys.vendor_orgno + "_";
    if (id == body.end() || !id->is_string() ||
        !id->get_ref<const std::string&>().starts_with(prefix) ||
        id->get_ref<const std::string&>().size() == prefix.size() ||
        id->get_ref<const std::string&>().size() > 200) {
      return Validation("AUTH.VLD-00001",
                        "The system id does not match the format orgnumber_xxxx...",
                        "id must be \"" + prefix + "<name>\"", "/id");
    }
    sys.system_id = id->get<std::string>();
    // SPEC §15: the vendor registers its own systems.
    if (sys.vendor_orgno != caller.orgno) {
      return ErrorResponse(
          403, "forbidden",
          "vendor " + sys.vendor_orgno + " is not the access token's consumer " + caller.orgno,
          kVendorEndpoint);
    }
    for (const char* field : {"name", "description"}) {
      auto it = body.find(field);
      if (it == body.end() || !IsTexts(*it)) {
        return Invalid(std::string("/") + field,
                       std::string(field) + " must be an object of nb, nn, en: non-empty text");
      }
      (std::string_view(field) == "name" ? sys.name_json : sys.description_json) = DumpJson(*it);
    }
    API_ASSIGN_OR_RESPOND(
        sys.rights, ParseRights(body, "AUTH.VLD-00006", "One or more duplicate rights found"));
    API_ASSIGN_OR_RESPOND(sys.access_packages, ParseAccessPackages(body));
    API_ASSIGN_OR_RESPOND(sys.client_ids, StringList(body, "clientId"));
    API_ASSIGN_OR_RESPOND(sys.allowed_redirect_urls, StringList(body, "allowedRedirectUrls"));
    for (size_t i = 0; i < sys.allowed_redirect_urls.size(); ++i) {
      if (!altinn_internal::IsRedirectUrl(sys.allowed_redirect_urls[i])) {
        return Validation("AUTH.VLD-00005",
                          "One or more of the redirect urls format is not valid. The valid format "
                          "is https://xxx.xx",
                          "allowedRedirectUrls must be absolute https URLs (http only to a "
                          "loopback host)",
                          "/allowedRedirectUrls/" + std::to_string(i));
      }
    }
    if (auto v = body.find("isVisible"); v != body.end() && !v->is_null()) {
      if (!v->is_boolean()) return Invalid("/isVisible", "isVisible must be true or false");
      sys.is_visible = v->get<bool>();
    }
    sys.created = sys.last_updated = Now();
    Status created = ctx_.store.CreateSystem(sys);
    if (created.code() == Errc::kInvalidArgument) {
      const bool exists = created.message().find("already exists") != std::string::npos &&
                          created.message().starts_with("system ");
      return exists ? Validation("AUTH.VLD-00002", "The system id already exists",
                                 created.message(), "/id")
                    : Validation("AUTH.VLD-00004",
                                 "One of the client id is already tagged with an existing system",
                                 created.message(), "/clientId");
    }
    if (!created.ok()) return ServerError(created, kVendorEndpoint);
    http::HttpResponse r = JsonResponse(201, SystemJson(sys), kVendorEndpoint);
    r.headers.emplace_back("Location",
                           ctx_.base_url + std::string(kSystemRegisterPath) + "/" + sys.system_id);
    return r;
  }

  http::HttpResponse GetSystem(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(BearerCaller caller, Authenticate(req, {kSystemRegisterWriteScope}));
    API_ASSIGN_OR_RESPOND(SystemRecord sys, OwnSystem(caller, req.Param("systemId")));
    return JsonResponse(200, SystemJson(sys), kVendorEndpoint);
  }

  http::HttpResponse CreateRequest(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(BearerCaller caller, Authenticate(req, {kSystemUserRequestWriteScope}));
    API_ASSIGN_OR_RESPOND(Json body, Body(req));
    static const std::set<std::string, std::less<>> kKnown = {
        "externalRef", "systemId", "partyOrgNo", "rights", "accessPackages", "redirectUrl"};
    if (Status s = UnknownMembers(body, kKnown); !s.ok()) {
      return Invalid("/" + s.message(),
                     s.message() + " is not a known member of a system user request");
    }
    SystemUserRequestRecord r;
    auto system_id = body.find("systemId");
    if (system_id == body.end() || !system_id->is_string()) {
      return Invalid("/systemId", "systemId must be the id of a registered system");
    }
    API_ASSIGN_OR_RESPOND(SystemRecord sys, OwnSystem(caller, system_id->get<std::string>()));
    r.system_id = sys.system_id;
    auto party = body.find("partyOrgNo");
    if (party == body.end() || !party->is_string() ||
        !OrgNumber::Parse(party->get_ref<const std::string&>()).ok()) {
      return Invalid("/partyOrgNo", "partyOrgNo must be a 9-digit org number");
    }
    r.party_orgno = party->get<std::string>();
    Result<bool> known = registry::IsRegisteredOrg(ctx_.store, r.party_orgno);
    if (!known.ok()) return ServerError(known.status(), kVendorEndpoint);
    if (!*known) {
      return Invalid("/partyOrgNo", "organisation " + r.party_orgno + " is not registered");
    }
    r.external_ref = r.party_orgno;  // SPEC §15: the default
    if (auto ref = body.find("externalRef"); ref != body.end() && !ref->is_null()) {
      if (!ref->is_string() || ref->get_ref<const std::string&>().empty() ||
          ref->get_ref<const std::string&>().size() > 255) {
        return Invalid("/externalRef", "externalRef must be a string of 1..255 characters");
      }
      r.external_ref = ref->get<std::string>();
    }
    API_ASSIGN_OR_RESPOND(
        r.rights, ParseRights(body, "AUTH-00001", "One or more Right not found or not delegable."));
    API_ASSIGN_OR_RESPOND(r.access_packages, ParseAccessPackages(body));
    if (r.rights.empty() && r.access_packages.empty()) {
      return Invalid("/rights", "ask for at least one right or access package");
    }
    for (const std::string& right : r.rights) {
      if (std::find(sys.rights.begin(), sys.rights.end(), right) == sys.rights.end()) {
        return Validation("AUTH-00001", "One or more Right not found or not delegable.",
                          "system " + sys.system_id + " does not list the right " + right,
                          "/rights");
      }
    }
    for (const std::string& p : r.access_packages) {
      if (std::find(sys.access_packages.begin(), sys.access_packages.end(), p) ==
          sys.access_packages.end()) {
        return Validation("AUTH-00001", "One or more Right not found or not delegable.",
                          "system " + sys.system_id + " does not list the access package " + p,
                          "/accessPackages");
      }
    }
    if (auto url = body.find("redirectUrl"); url != body.end() && !url->is_null()) {
      if (!url->is_string() ||
          std::find(sys.allowed_redirect_urls.begin(), sys.allowed_redirect_urls.end(),
                    url->get_ref<const std::string&>()) == sys.allowed_redirect_urls.end()) {
        return Validation("AUTH-00021", "The RedirectUri was not found or not valid.",
                          "redirectUrl must be one of the system's allowedRedirectUrls",
                          "/redirectUrl");
      }
      r.redirect_url = url->get<std::string>();
    }
    if (auto earlier = Earlier(r); earlier.has_value()) return std::move(*earlier);
    r.id = RandomUuid();
    r.status = SystemUserRequestStatus::kNew;
    r.created = Now();
    Status created = ctx_.store.CreateSystemUserRequest(r);
    if (!created.ok()) return ServerError(created, kVendorEndpoint);
    http::HttpResponse resp = JsonResponse(201, RequestJson(r, ctx_.base_url), kVendorEndpoint);
    resp.headers.emplace_back("Location",
                              ctx_.base_url + std::string(kSystemUserRequestPath) + "/" + r.id);
    return resp;
  }

  http::HttpResponse GetRequest(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(BearerCaller caller, Authenticate(req, {kSystemUserRequestReadScope,
                                                                  kSystemUserRequestWriteScope}));
    const std::string id = req.Param("id");
    Result<std::optional<SystemUserRequestRecord>> r = ctx_.store.GetSystemUserRequest(id);
    if (!r.ok()) return ServerError(r.status(), kVendorEndpoint);
    if (!r->has_value()) return RequestNotFound(id, kVendorEndpoint);
    API_ASSIGN_OR_RESPOND(SystemRecord sys, OwnSystem(caller, (*r)->system_id));
    (void)sys;
    return JsonResponse(200, RequestJson(**r, ctx_.base_url), kVendorEndpoint);
  }

  http::HttpResponse GetRequestByExternalRef(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(BearerCaller caller, Authenticate(req, {kSystemUserRequestReadScope,
                                                                  kSystemUserRequestWriteScope}));
    API_ASSIGN_OR_RESPOND(SystemRecord sys, OwnSystem(caller, req.Param("systemId")));
    Result<std::optional<SystemUserRequestRecord>> r = ctx_.store.FindSystemUserRequest(
        sys.system_id, req.Param("orgNo"), req.Param("externalRef"));
    if (!r.ok()) return ServerError(r.status(), kVendorEndpoint);
    if (!r->has_value()) return RequestNotFound(req.Param("externalRef"), kVendorEndpoint);
    return JsonResponse(200, RequestJson(**r, ctx_.base_url), kVendorEndpoint);
  }

  // SPEC §15: what Maskinporten asks Altinn before it issues a system user token.
  http::HttpResponse Lookup(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(BearerCaller caller, Authenticate(req, {kSystemUserLookupScope}));
    (void)caller;
    Result<std::vector<std::pair<std::string, std::string>>> q = http::ParseForm(req.query);
    if (!q.ok()) return Invalid("/", "query: " + q.status().message());
    std::optional<std::string> client_id = http::FormValue(*q, "clientid");
    std::optional<std::string> vendor = http::FormValue(*q, "systemproviderorgno");
    std::optional<std::string> owner = http::FormValue(*q, "systemuserownerorgno");
    std::optional<std::string> ref = http::FormValue(*q, "externalref");
    for (const auto& [name, value] :
         {std::pair{"clientid", &client_id}, std::pair{"systemproviderorgno", &vendor},
          std::pair{"systemuserownerorgno", &owner}}) {
      if (!value->has_value() || (*value)->empty()) {
        return Invalid(std::string("/") + name, std::string(name) + " is required");
      }
    }
    Result<SystemUserLookup> found =
        LookupSystemUser(ctx_.store, *client_id, *owner, ref && !ref->empty() ? *ref : *owner);
    if (!found.ok()) return ServerError(found.status(), kVendorEndpoint);
    if (!found->user.has_value() || found->system->vendor_orgno != *vendor) {
      return ProblemResponse(404, "AUTH-00015", "The SystemUser was not found.",
                             "no system user of " + *owner + " for client " + Quote(*client_id, 64),
                             kVendorEndpoint);
    }
    return JsonResponse(200, SystemUserJson(*found->user, *found->system), kVendorEndpoint);
  }

  // The approval page reads the request with the names it shows.
  http::HttpResponse CustomerView(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(bool local, LocalOnly(req, "customer's system user", kCustomerEndpoint));
    (void)local;
    API_ASSIGN_OR_RESPOND(SystemUserRequestRecord r, FindRequest(req.Param("id")));
    return View(r);
  }

  http::HttpResponse Decide(const http::HttpRequest& req, bool accept) const {
    API_ASSIGN_OR_RESPOND(bool local, LocalOnly(req, "customer's system user", kCustomerEndpoint));
    (void)local;
    API_ASSIGN_OR_RESPOND(SystemUserRequestRecord r, FindRequest(req.Param("id")));
    Status s;
    if (accept) {
      s = ctx_.store.AcceptSystemUserRequest(r.id,
                                             SystemUserRecord{.id = RandomUuid(),
                                                              .system_id = r.system_id,
                                                              .party_orgno = r.party_orgno,
                                                              .external_ref = r.external_ref,
                                                              .rights = r.rights,
                                                              .access_packages = r.access_packages,
                                                              .created = Now()});
    } else {
      s = ctx_.store.RejectSystemUserRequest(r.id, Now());
    }
    if (s.code() == Errc::kInvalidArgument) {
      if (s.message().find(", not New") != std::string::npos) {
        return ProblemResponse(409, "AUTH-00013", "The Status of the Request is not New.",
                               s.message(), kCustomerEndpoint);
      }
      return ProblemResponse(400, "AUTH-00004",
                             "Failed to create new SystemUser, existing SystemUser tied to the "
                             "given System-Id.",
                             s.message(), kCustomerEndpoint);
    }
    if (!s.ok()) return ServerError(s, kCustomerEndpoint);
    API_ASSIGN_OR_RESPOND(SystemUserRequestRecord now, FindRequest(r.id));
    return View(now);
  }

  http::HttpResponse DeleteSystemUser(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(bool local, LocalOnly(req, "customer's system user", kCustomerEndpoint));
    (void)local;
    const std::string id = req.Param("id");
    Status s = ctx_.store.DeleteSystemUser(id);
    if (s.code() == Errc::kNotFound) {
      return ProblemResponse(404, "AUTH-00015", "The SystemUser was not found.",
                             "no system user " + Quote(id, 64), kCustomerEndpoint);
    }
    if (!s.ok()) return ServerError(s, kCustomerEndpoint);
    http::HttpResponse r = http::HttpResponse::Text(204, "");
    r.labels.route = std::string(kCustomerEndpoint);
    return r;
  }

 private:
  int64_t Now() const { return ctx_.clock.NowSeconds(); }

  Outcome<BearerCaller> Authenticate(const http::HttpRequest& req,
                                     std::initializer_list<std::string_view> scopes) const {
    return AuthenticateBearer(req,
                              {.keys = ctx_.keys,
                               .config = ctx_.config,
                               .clock = ctx_.clock,
                               .realm = "altinn",
                               .endpoint = kVendorEndpoint},
                              scopes);
  }

  static Outcome<Json> Body(const http::HttpRequest& req) {
    Result<Json> body = ParseStrictJsonObject(req.body);
    if (!body.ok()) return Invalid("/", "body: " + body.status().message());
    return std::move(body).value();
  }

  static http::HttpResponse RequestNotFound(std::string_view id, std::string_view endpoint) {
    return ProblemResponse(404, "AUTH-00010", "The Id does not refer to a Request in our system.",
                           "no system user request " + Quote(id, 64), endpoint);
  }

  // A registered system of the caller: 404 AUTH-00011 when absent, 403 when another vendor's.
  Outcome<SystemRecord> OwnSystem(const BearerCaller& caller, const std::string& system_id) const {
    Result<std::optional<SystemRecord>> sys = ctx_.store.GetSystem(system_id);
    if (!sys.ok()) return ServerError(sys.status(), kVendorEndpoint);
    if (!sys->has_value()) {
      return ProblemResponse(404, "AUTH-00011", "The Id does not refer to a Registered System.",
                             "no system " + Quote(system_id, 64), kVendorEndpoint);
    }
    if ((*sys)->vendor_orgno != caller.orgno) {
      return ErrorResponse(403, "forbidden",
                           "system " + system_id + " belongs to vendor " + (*sys)->vendor_orgno +
                               ", not to the access token's consumer " + caller.orgno,
                           kVendorEndpoint);
    }
    return std::move(**sys);
  }

  // Altinn refuses a second request for the same system, customer and externalRef while the
  // first one stands (SPEC §15 Local choice: Altinn's AUTH-00006..-00009). An accepted request
  // whose system user the customer deleted no longer stands.
  std::optional<http::HttpResponse> Earlier(const SystemUserRequestRecord& r) const {
    Result<std::optional<SystemUserRequestRecord>> earlier =
        ctx_.store.FindSystemUserRequest(r.system_id, r.party_orgno, r.external_ref);
    if (!earlier.ok()) return ServerError(earlier.status(), kVendorEndpoint);
    if (!earlier->has_value()) return std::nullopt;
    const SystemUserRequestRecord& e = **earlier;
    const std::string detail = "request " + e.id + " for system " + r.system_id + ", org " +
                               r.party_orgno + " and externalRef " + Quote(r.external_ref, 64) +
                               " is " + std::string(SystemUserRequestStatusName(e.status));
    switch (e.status) {
      case SystemUserRequestStatus::kAccepted: {
        Result<std::optional<SystemUserRecord>> user = ctx_.store.GetSystemUser(e.system_user_id);
        if (!user.ok()) return ServerError(user.status(), kVendorEndpoint);
        if (!user->has_value()) return std::nullopt;
        return Validation(
            "AUTH-00006",
            "The combination of External Ids refer to an already Accepted SystemUser.", detail,
            "/externalRef");
      }
      case SystemUserRequestStatus::kNew:
        return Validation(
            "AUTH-00007",
            "The combination of External Ids refer to a Pending Request, please reuse or delete.",
            detail, "/externalRef");
      case SystemUserRequestStatus::kDenied:
        return Validation("AUTH-00008",
                          "The combination of External Ids refer to a Denied Request, please "
                          "delete and renew the Request.",
                          detail, "/externalRef");
      case SystemUserRequestStatus::kRejected:
        return Validation("AUTH-00009",
                          "The combination of External Ids refer to a Rejected Request, please "
                          "delete and renew the Request.",
                          detail, "/externalRef");
    }
    return std::nullopt;
  }

  Outcome<SystemUserRequestRecord> FindRequest(const std::string& id) const {
    Result<std::optional<SystemUserRequestRecord>> r = ctx_.store.GetSystemUserRequest(id);
    if (!r.ok()) return ServerError(r.status(), kCustomerEndpoint);
    if (!r->has_value()) return RequestNotFound(id, kCustomerEndpoint);
    return std::move(**r);
  }

  // The request with what the page shows: the system's name and description, the org names,
  // the system user made by the acceptance.
  http::HttpResponse View(const SystemUserRequestRecord& r) const {
    OrderedJson j = RequestJson(r, ctx_.base_url);
    Result<std::optional<SystemRecord>> sys = ctx_.store.GetSystem(r.system_id);
    if (!sys.ok()) return ServerError(sys.status(), kCustomerEndpoint);
    if (sys->has_value()) {
      j["system"] = SystemJson(**sys);
    }
    Result<std::vector<Organization>> orgs = ctx_.store.ListOrganizations();
    if (!orgs.ok()) return ServerError(orgs.status(), kCustomerEndpoint);
    OrderedJson names = OrderedJson::object();
    for (const Organization& o : *orgs) {
      if (o.orgno == r.party_orgno || (sys->has_value() && o.orgno == (*sys)->vendor_orgno)) {
        names[o.orgno] = o.name;
      }
    }
    j["organizationNames"] = std::move(names);
    j["systemUserId"] = r.system_user_id.empty() ? OrderedJson() : OrderedJson(r.system_user_id);
    return JsonResponse(200, j, kCustomerEndpoint);
  }

  SystemUserContext ctx_;
};

}  // namespace

Result<SystemUserLookup> LookupSystemUser(Store& store, std::string_view client_id,
                                          std::string_view customer_orgno,
                                          std::string_view external_ref) {
  SystemUserLookup out;
  MP_ASSIGN_OR_RETURN(out.system, store.GetSystemForClient(client_id));
  if (!out.system.has_value()) return out;
  MP_ASSIGN_OR_RETURN(out.user,
                      store.FindSystemUser(out.system->system_id, customer_orgno, external_ref));
  return out;
}

std::string ConfirmUrl(std::string_view base_url, std::string_view request_id) {
  return std::string(base_url) + "/authfront/ui/auth/vendorrequest?id=" + std::string(request_id);
}

void AddSystemUserRoutes(http::Router& router, const SystemUserContext& ctx) {
  auto api = std::make_shared<const SystemUserApi>(ctx);
  const std::string reg(kSystemRegisterPath);
  const std::string req(kSystemUserRequestPath);
  router.Add("POST", reg, [api](const http::HttpRequest& r) { return api->RegisterSystem(r); });
  router.Add("GET", reg + "/{systemId}",
             [api](const http::HttpRequest& r) { return api->GetSystem(r); });
  router.Add("POST", req, [api](const http::HttpRequest& r) { return api->CreateRequest(r); });
  router.Add("GET", req + "/{id}",
             [api](const http::HttpRequest& r) { return api->GetRequest(r); });
  router.Add("GET", req + "/byexternalref/{systemId}/{orgNo}/{externalRef}",
             [api](const http::HttpRequest& r) { return api->GetRequestByExternalRef(r); });
  router.Add("GET", std::string(kSystemUserLookupPath),
             [api](const http::HttpRequest& r) { return api->Lookup(r); });
  router.Add("GET", "/emulator/systemuser/request/{id}",
             [api](const http::HttpRequest& r) { return api->CustomerView(r); });
  router.Add("POST", "/emulator/systemuser/request/{id}/accept",
             [api](const http::HttpRequest& r) { return api->Decide(r, true); });
  router.Add("POST", "/emulator/systemuser/request/{id}/reject",
             [api](const http::HttpRequest& r) { return api->Decide(r, false); });
  router.Add("DELETE", "/emulator/systemuser/{id}",
             [api](const http::HttpRequest& r) { return api->DeleteSystemUser(r); });
}

}  // namespace mp::server
