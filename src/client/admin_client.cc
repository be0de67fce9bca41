// AdminClient (admin_client.h): the self-service API and the consent-request API over an
// HttpClient. Every call goes through Send (headers, log, refusal mapping) and, for JSON
// answers, Exchange (strict JSON); the typed records are read leniently from the result.
#include "maskinporten/admin_client.h"

#include <algorithm>
#include <utility>

#include "client/token_client_internal.h"
#include "core/json.h"
#include "core/percent.h"

namespace mp {
namespace {

using Json = nlohmann::json;

constexpr JsonLimits kAnswerLimits{.max_bytes = 16 << 20};
constexpr size_t kMaxErrorText = 300;

// Which of the two APIs a call goes to.
enum class Base { kSelfService, kConsent };

struct Call {
  std::string method;
  Base base = Base::kSelfService;
  std::string path;  // from the base, with its query
  std::optional<Json> body{};
};

// A 2xx answer: its status, its body and the body as JSON (null when the body is empty).
struct Answer {
  int status = 0;
  std::string body;
  Json json{};
};

std::string TrimmedBase(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// ---- reading the records: a member of another type keeps the default ----

std::string Str(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool Bool(const Json& obj, const char* name, bool fallback) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

int64_t Int(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::vector<std::string> Strings(const Json& obj, const char* name) {
  std::vector<std::string> out;
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_array()) return out;
  for (const Json& e : *it) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

void Read(const Json& j, ClientRegistration* c) {
  c->client_id = Str(j, "client_id");
  c->client_name = Str(j, "client_name");
  c->description = Str(j, "description");
  c->integration_type = Str(j, "integration_type");
  c->client_orgno = Str(j, "client_orgno");
  c->supplier_orgno = Str(j, "supplier_orgno");
  c->scopes = Strings(j, "scopes");
  c->access_token_lifetime = Int(j, "access_token_lifetime");
  c->active = Bool(j, "active", true);
}

void Read(const Json& j, ClientKeySet* k) {
  if (auto keys = j.find("keys"); keys != j.end() && keys->is_array()) {
    for (const Json& key : *keys) {
      if (key.is_object()) k->keys.push_back({.kid = Str(key, "kid"), .jwk = DumpJson(key)});
    }
  }
  k->created = Str(j, "created");
  k->last_updated = Str(j, "last_updated");
}

void Read(const Json& j, ScopeRegistration* s) {
  s->name = Str(j, "name");
  s->prefix = Str(j, "prefix");
  s->subscope = Str(j, "subscope");
  s->description = Str(j, "description");
  s->owner_orgno = Str(j, "owner_orgno");
  s->visibility = Str(j, "visibility");
  s->delegation_source = Str(j, "delegation_source");
  s->accessible_for_all = Bool(j, "accessible_for_all", false);
  s->at_max_age = Int(j, "at_max_age");
  s->active = Bool(j, "active", true);
}

void Read(const Json& j, ScopeAccessEntry* a) {
  a->scope = Str(j, "scope");
  a->consumer_orgno = Str(j, "consumer_orgno");
  a->owner_orgno = Str(j, "owner_orgno");
  a->state = Str(j, "state");
}

void Read(const Json& j, DelegationEntry* d) {
  d->consumer_orgno = Str(j, "consumer_orgno");
  d->supplier_orgno = Str(j, "supplier_orgno");
  d->scope = Str(j, "scope");
  d->created = Str(j, "created");
}

void Read(const Json& j, DelegationSource* s) {
  s->name = Str(j, "name");
  s->issuer = Str(j, "issuer");
}

void Read(const Json& j, ConsentRequestInfo* c) {
  c->authorization_code = Str(j, "AuthorizationCode");
  c->request_status = Str(j, "RequestStatus");
  if (auto links = j.find("_links"); links != j.end() && links->is_object()) {
    if (auto gui = links->find("gui"); gui != links->end() && gui->is_object()) {
      c->gui_url = Str(*gui, "href");
    }
  }
}

// ---- the exchange ----

// "<error_description>", else "<error>", else WWW-Authenticate, else the body: what the API
// said, for a message (tokens redacted, cut).
std::string RefusalText(const HttpResponse& r, std::string* error_code) {
  std::string text;
  if (Result<Json> j = ParseStrictJsonObject(r.body); j.ok()) {
    *error_code = Str(*j, "error");
    text = Str(*j, "error_description");
    if (text.empty()) text = *error_code;
  }
  if (text.empty()) text = r.Header("www-authenticate").value_or("");
  if (text.empty()) text = r.body;
  if (text.empty()) text = "(no body)";
  return internal::SanitizeForMessage(text, kMaxErrorText);
}

std::string UrlOf(const AdminClientOptions& o, const Call& call) {
  return (call.base == Base::kSelfService ? o.api_url : o.consent_api_url) + call.path;
}

// A 2xx answer this client cannot read: kHttpError naming the call and `problem`.
Status Unreadable(const AdminClientOptions& o, const Call& call, int status,
                  const std::string& problem, AdminError* error) {
  if (error != nullptr) error->description = problem;
  return Status(Errc::kHttpError, call.method + " " + UrlOf(o, call) + " answered " +
                                      std::to_string(status) + " with " + problem);
}

// Sends `call`; a 2xx answer is the response, any other status Errc::kHttpError.
Result<HttpResponse> Send(const AdminClientOptions& o, const Call& call, AdminError* error) {
  const std::string& base = call.base == Base::kSelfService ? o.api_url : o.consent_api_url;
  if (base.empty()) {
    return Status(Errc::kInvalidArgument, call.base == Base::kSelfService
                                              ? "AdminClientOptions.api_url is not set"
                                              : "AdminClientOptions.consent_api_url is not set");
  }
  if (o.http == nullptr) {
    return Status(Errc::kInvalidArgument, "AdminClientOptions.http is not set");
  }
  HttpRequest req{.method = call.method, .url = UrlOf(o, call)};
  if (error != nullptr) *error = AdminError{.method = req.method, .url = req.url};
  std::string token = o.access_token;
  if (o.token_source) {
    MP_ASSIGN_OR_RETURN(token, o.token_source());
  }
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  req.headers.emplace_back("Accept", "application/json");
  if (call.body) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = DumpJson(*call.body);
  }
  if (o.log) o.log(req.method + " " + req.url);
  MP_ASSIGN_OR_RETURN(HttpResponse r, o.http->Send(req));
  if (o.log) o.log("-> " + std::to_string(r.status));
  if (error != nullptr) error->http_status = r.status;
  if (r.status >= 200 && r.status <= 299) return r;
  std::string error_code;
  std::string text = RefusalText(r, &error_code);
  Status refused(Errc::kHttpError, req.method + " " + req.url + " answered " +
                                       std::to_string(r.status) + ": " + text);
  if (error != nullptr) {
    error->error = std::move(error_code);
    error->description = std::move(text);
  }
  return refused;
}

// Send, and the body as strict JSON.
Result<Answer> Exchange(const AdminClientOptions& o, const Call& call, AdminError* error) {
  MP_ASSIGN_OR_RETURN(HttpResponse r, Send(o, call, error));
  Answer a{.status = r.status, .body = std::move(r.body)};
  if (a.body.find_first_not_of(" \t\r\n") == std::string::npos) return a;
  Result<Json> j = ParseStrictJson(a.body, kAnswerLimits);
  if (!j.ok()) {
    return Unreadable(o, call, a.status, "no JSON: " + j.status().message(), error);
  }
  a.json = std::move(j).value();
  return a;
}

Status WrongShape(const AdminClientOptions& o, const Call& call, const Answer& a,
                  std::string_view want, AdminError* error) {
  return Unreadable(o, call, a.status,
                    std::string(a.json.type_name()) + ", not " + std::string(want), error);
}

// One record from an object answer (an empty answer: the defaults).
template <typename T>
Result<T> AsRecord(const AdminClientOptions& o, const Call& call, Answer a, AdminError* error) {
  T out;
  if (a.json.is_null()) return out;
  if (!a.json.is_object()) return WrongShape(o, call, a, "a JSON object", error);
  Read(a.json, &out);
  out.json = std::move(a.body);
  return out;
}

// Records from an array answer of objects (an empty answer: none).
template <typename T>
Result<ApiList<T>> AsList(const AdminClientOptions& o, const Call& call, Answer a,
                          AdminError* error) {
  ApiList<T> out;
  if (a.json.is_null()) return out;
  if (!a.json.is_array()) return WrongShape(o, call, a, "a JSON array", error);
  for (const Json& e : a.json) {
    if (!e.is_object()) return WrongShape(o, call, a, "an array of objects", error);
    T item;
    Read(e, &item);
    item.json = DumpJson(e);
    out.items.push_back(std::move(item));
  }
  out.json = std::move(a.body);
  return out;
}

template <typename T>
Result<T> Record(const AdminClientOptions& o, const Call& call, AdminError* error) {
  MP_ASSIGN_OR_RETURN(Answer a, Exchange(o, call, error));
  return AsRecord<T>(o, call, std::move(a), error);
}

template <typename T>
Result<ApiList<T>> List(const AdminClientOptions& o, const Call& call, AdminError* error) {
  MP_ASSIGN_OR_RETURN(Answer a, Exchange(o, call, error));
  return AsList<T>(o, call, std::move(a), error);
}

// ---- paths ----

std::string ClientPath(std::string_view client_id) {
  return "/clients/" + PercentEncode(client_id);
}

std::string ScopeQuery(std::string_view scope) { return "?scope=" + PercentEncode(scope); }

std::string AccessPath(std::string_view scope, std::string_view orgno) {
  return "/scopes/access/" + PercentEncode(orgno) + ScopeQuery(scope);
}

// Public JWKs given as JSON texts, as a JSON array; kInvalidArgument naming a bad entry.
Result<Json> JwkArray(const std::vector<std::string>& jwks) {
  Json keys = Json::array();
  for (size_t i = 0; i < jwks.size(); ++i) {
    Result<Json> k = ParseStrictJsonObject(jwks[i]);
    if (!k.ok()) {
      return Status(Errc::kInvalidArgument,
                    "key " + std::to_string(i + 1) + ": " + k.status().message());
    }
    keys.push_back(std::move(k).value());
  }
  return keys;
}

}  // namespace

AdminClient::AdminClient(AdminClientOptions options) : options_(std::move(options)) {
  options_.api_url = TrimmedBase(std::move(options_.api_url));
  options_.consent_api_url = TrimmedBase(std::move(options_.consent_api_url));
}

std::function<Result<std::string>()> AdminTokenFrom(TokenProvider& provider, TokenRequest request) {
  return [&provider, request = std::move(request)]() -> Result<std::string> {
    MP_ASSIGN_OR_RETURN(AccessToken t, provider.Get(request));
    return std::move(t.access_token);
  };
}

// ---- clients ----

Result<ApiList<ClientRegistration>> AdminClient::ListClients(Deactivated deactivated,
                                                             AdminError* error) const {
  const std::string query = deactivated == Deactivated::kInclude ? "?inactive=true" : "";
  return List<ClientRegistration>(options_, {.method = "GET", .path = "/clients" + query}, error);
}

Result<ClientRegistration> AdminClient::GetClient(std::string_view client_id,
                                                  AdminError* error) const {
  return Record<ClientRegistration>(options_, {.method = "GET", .path = ClientPath(client_id)},
                                    error);
}

Result<ClientRegistration> AdminClient::CreateClient(const NewClient& client,
                                                     AdminError* error) const {
  Json body = {
      {"client_name", client.client_name},
      {"description", client.description.empty() ? client.client_name : client.description},
      {"integration_type", "maskinporten"},
      {"token_endpoint_auth_method", "private_key_jwt"},
      {"grant_types", {std::string(kJwtBearerGrantType)}},
      {"scopes", client.scopes}};
  if (client.access_token_lifetime) body["access_token_lifetime"] = *client.access_token_lifetime;
  return Record<ClientRegistration>(
      options_, {.method = "POST", .path = "/clients", .body = std::move(body)}, error);
}

Result<ClientRegistration> AdminClient::UpdateClient(std::string_view client_id,
                                                     const ClientChanges& changes,
                                                     AdminError* error) const {
  const Call get{.method = "GET", .path = ClientPath(client_id)};
  MP_ASSIGN_OR_RETURN(Answer current, Exchange(options_, get, error));
  if (!current.json.is_object()) return WrongShape(options_, get, current, "a JSON object", error);
  Json client = std::move(current.json);
  // SPEC §9: the client goes back without the server's own times.
  client.erase("created");
  client.erase("last_updated");
  if (changes.client_name) client["client_name"] = *changes.client_name;
  if (changes.description) client["description"] = *changes.description;
  if (changes.access_token_lifetime) {
    client["access_token_lifetime"] = *changes.access_token_lifetime;
  }
  std::vector<std::string> scopes = changes.scopes ? *changes.scopes : Strings(client, "scopes");
  for (const std::string& s : changes.add_scopes) {
    if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) scopes.push_back(s);
  }
  for (const std::string& s : changes.remove_scopes) {
    scopes.erase(std::remove(scopes.begin(), scopes.end(), s), scopes.end());
  }
  client["scopes"] = scopes;
  return Record<ClientRegistration>(
      options_, {.method = "PUT", .path = get.path, .body = std::move(client)}, error);
}

Result<ClientRegistration> AdminClient::DeleteClient(std::string_view client_id,
                                                     AdminError* error) const {
  return Record<ClientRegistration>(options_, {.method = "DELETE", .path = ClientPath(client_id)},
                                    error);
}

// ---- keys ----

Result<ClientKeySet> AdminClient::GetClientKeys(std::string_view client_id,
                                                AdminError* error) const {
  return Record<ClientKeySet>(options_, {.method = "GET", .path = ClientPath(client_id) + "/jwks"},
                              error);
}

Result<ClientKeySet> AdminClient::SetClientKeys(std::string_view client_id,
                                                const std::vector<std::string>& jwks,
                                                AdminError* error) const {
  MP_ASSIGN_OR_RETURN(Json keys, JwkArray(jwks));
  return Record<ClientKeySet>(options_,
                              {.method = "POST",
                               .path = ClientPath(client_id) + "/jwks",
                               .body = Json{{"keys", std::move(keys)}}},
                              error);
}

Result<ClientKeySet> AdminClient::AddClientKeys(std::string_view client_id,
                                                const std::vector<std::string>& jwks,
                                                AdminError* error) const {
  MP_ASSIGN_OR_RETURN(Json added, JwkArray(jwks));
  const Call get{.method = "GET", .path = ClientPath(client_id) + "/jwks"};
  MP_ASSIGN_OR_RETURN(Answer current, Exchange(options_, get, error));
  Json keys = Json::array();
  if (current.json.is_object()) {
    if (auto it = current.json.find("keys"); it != current.json.end() && it->is_array()) {
      keys = std::move(*it);
    }
  }
  for (Json& k : added) keys.push_back(std::move(k));
  return Record<ClientKeySet>(
      options_, {.method = "POST", .path = get.path, .body = Json{{"keys", std::move(keys)}}},
      error);
}

// ---- scopes ----

Result<ApiList<ScopeRegistration>> AdminClient::ListScopes(AdminError* error) const {
  return List<ScopeRegistration>(options_, {.method = "GET", .path = "/scopes"}, error);
}

Result<ScopeRegistration> AdminClient::GetScope(std::string_view name, AdminError* error) const {
  return Record<ScopeRegistration>(options_,
                                   {.method = "GET", .path = "/scopes" + ScopeQuery(name)}, error);
}

Result<ScopeRegistration> AdminClient::CreateScope(const NewScope& scope, AdminError* error) const {
  Json body = {{"prefix", scope.prefix},
               {"subscope", scope.subscope},
               {"description", scope.description},
               {"allowed_integration_types", {"maskinporten"}},
               {"accessible_for_all", scope.accessible_for_all}};
  if (!scope.visibility.empty()) body["visibility"] = scope.visibility;
  if (scope.at_max_age) body["at_max_age"] = *scope.at_max_age;
  if (scope.delegable) {
    MP_ASSIGN_OR_RETURN(ApiList<DelegationSource> sources, DelegationSources(error));
    if (sources.items.empty() || sources.items.front().issuer.empty()) {
      return Status(Errc::kHttpError,
                    "GET " + options_.api_url + "/delegationsources gave no source with an issuer");
    }
    body["delegation_source"] = sources.items.front().issuer;
  }
  return Record<ScopeRegistration>(
      options_, {.method = "POST", .path = "/scopes", .body = std::move(body)}, error);
}

Result<ScopeRegistration> AdminClient::DeleteScope(std::string_view name, AdminError* error) const {
  return Record<ScopeRegistration>(
      options_, {.method = "DELETE", .path = "/scopes" + ScopeQuery(name)}, error);
}

Result<ApiList<ScopeAccessEntry>> AdminClient::ListScopeAccess(std::string_view scope,
                                                               AdminError* error) const {
  return List<ScopeAccessEntry>(
      options_, {.method = "GET", .path = "/scopes/access" + ScopeQuery(scope)}, error);
}

Result<ScopeAccessEntry> AdminClient::GrantScopeAccess(std::string_view scope,
                                                       std::string_view orgno,
                                                       AdminError* error) const {
  return Record<ScopeAccessEntry>(options_, {.method = "PUT", .path = AccessPath(scope, orgno)},
                                  error);
}

Result<ScopeAccessEntry> AdminClient::RevokeScopeAccess(std::string_view scope,
                                                        std::string_view orgno,
                                                        AdminError* error) const {
  return Record<ScopeAccessEntry>(options_, {.method = "DELETE", .path = AccessPath(scope, orgno)},
                                  error);
}

// ---- delegations ----

Result<ApiList<DelegationSource>> AdminClient::DelegationSources(AdminError* error) const {
  return List<DelegationSource>(options_, {.method = "GET", .path = "/delegationsources"}, error);
}

Result<ApiList<DelegationEntry>> AdminClient::ListDelegations(AdminError* error) const {
  return List<DelegationEntry>(options_, {.method = "GET", .path = "/delegations"}, error);
}

Result<DelegationEntry> AdminClient::CreateDelegation(std::string_view supplier_orgno,
                                                      std::string_view scope,
                                                      AdminError* error) const {
  Json body = {{"supplier_orgno", supplier_orgno}, {"scope", scope}};
  return Record<DelegationEntry>(
      options_, {.method = "POST", .path = "/delegations", .body = std::move(body)}, error);
}

Result<DelegationEntry> AdminClient::DeleteDelegation(std::string_view supplier_orgno,
                                                      std::string_view scope,
                                                      AdminError* error) const {
  const std::string query =
      "?supplier_orgno=" + PercentEncode(supplier_orgno) + "&scope=" + PercentEncode(scope);
  return Record<DelegationEntry>(options_, {.method = "DELETE", .path = "/delegations" + query},
                                 error);
}

// ---- consent requests ----

Result<ConsentRequestInfo> AdminClient::CreateConsentRequest(const NewConsentRequest& request,
                                                             AdminError* error) const {
  Json resources = Json::array();
  for (const ConsentResource& r : request.resources) {
    Json metadata = Json::object();
    for (const auto& [name, value] : r.metadata) metadata[name] = value;
    resources.push_back({{"serviceCode", r.service_code},
                         {"serviceEditionCode", r.service_edition_code},
                         {"metadata", std::move(metadata)}});
  }
  Json body = {
      {"coveredBy", request.covered_by},          {"offeredBy", request.offered_by},
      {"offeredByName", request.offered_by_name}, {"validTo", request.valid_to},
      {"redirectUrl", request.redirect_url},      {"requestResources", std::move(resources)}};
  if (!request.handled_by.empty()) body["handledBy"] = request.handled_by;
  return Record<ConsentRequestInfo>(options_,
                                    {.method = "POST",
                                     .base = Base::kConsent,
                                     .path = "/api/consentRequests",
                                     .body = std::move(body)},
                                    error);
}

Result<ConsentRequestInfo> AdminClient::AnswerConsentRequest(std::string_view authorization_code,
                                                             std::string_view person,
                                                             ConsentAnswer answer,
                                                             AdminError* error) const {
  const std::string path = "/api/consentRequests/" + PercentEncode(authorization_code) +
                           (answer == ConsentAnswer::kAccept ? "/accept" : "/reject");
  return Record<ConsentRequestInfo>(
      options_,
      {.method = "POST", .base = Base::kConsent, .path = path, .body = Json{{"person", person}}},
      error);
}

Result<std::string> AdminClient::FetchConsentToken(std::string_view authorization_code,
                                                   AdminError* error) const {
  const Call call{.method = "GET",
                  .base = Base::kConsent,
                  .path = "/api/authorization/token?authcode=" + PercentEncode(authorization_code)};
  MP_ASSIGN_OR_RETURN(HttpResponse r, Send(options_, call, error));
  const size_t begin = r.body.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) {
    return Unreadable(options_, call, r.status, "an empty body", error);
  }
  const size_t end = r.body.find_last_not_of(" \t\r\n");
  return r.body.substr(begin, end - begin + 1);
}

}  // namespace mp
