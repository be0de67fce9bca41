#include "server/handlers/self_service_api.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "core/json.h"
#include "core/random.h"
#include "core/strings.h"
#include "server/access_token.h"
#include "server/handlers/api_response.h"
#include "server/handlers/api_rules.h"

namespace mp::server {
namespace {

using api_internal::OrderedJson;
using Caller = BearerCaller;

constexpr std::string_view kDcrRead = "idporten:dcr.read";
constexpr std::string_view kDcrWrite = "idporten:dcr.write";
constexpr std::string_view kDcrModify = "idporten:dcr.modify";
constexpr std::string_view kScopesWrite = "idporten:scopes.write";
constexpr std::string_view kAnyToken = "";

HttpResponse BadRequest(const Status& s) {
  return ErrorResponse(400, "invalid_request", s.message());
}

HttpResponse NotFound(std::string_view description) {
  return ErrorResponse(404, "not_found", description);
}

HttpResponse Forbidden(std::string_view description) {
  return ErrorResponse(403, "forbidden", description);
}

// A failure of the store (or another internal step): 500, never the details of a refusal.
HttpResponse ServerError(const Status& s) {
  return ErrorResponse(500, "server_error", "the registry failed: " + s.ToString());
}

// Maps a validation/store Status to the answer: kInvalidArgument (a field rule) is 400, the rest
// is the server's fault.
HttpResponse FromStatus(const Status& s) {
  if (s.code() == Errc::kInvalidArgument) return BadRequest(s);
  return ServerError(s);
}

OrderedJson Array() { return OrderedJson::array(); }

class SelfServiceApi {
 public:
  explicit SelfServiceApi(const SelfServiceContext& ctx) : ctx_(ctx) {}

  void AddRoutes(Router& router, const std::shared_ptr<SelfServiceApi>& self) const;

 private:
  using Query = std::vector<std::pair<std::string, std::string>>;

  // RFC 6750: 401 without or with a bad token, 403 without the needed scope.
  Outcome<Caller> Authenticate(const HttpRequest& req, std::string_view needed_scope) const;
  static Outcome<Query> ParseQuery(const HttpRequest& req);
  static Outcome<api_internal::Json> ParseBody(const HttpRequest& req);
  static Outcome<std::optional<bool>> BoolParam(const Query& q, std::string_view name);
  Outcome<ClientRecord> OwnClient(const Caller& caller, const std::string& client_id) const;
  Outcome<ScopeRecord> OwnScope(const Caller& caller, const Query& q) const;

  HttpResponse ListClients(const HttpRequest& req) const;
  HttpResponse CreateClient(const HttpRequest& req) const;
  HttpResponse GetClient(const HttpRequest& req) const;
  HttpResponse UpdateClient(const HttpRequest& req) const;
  HttpResponse DeactivateClient(const HttpRequest& req) const;
  HttpResponse GetJwks(const HttpRequest& req) const;
  HttpResponse PutJwks(const HttpRequest& req, int success_status) const;
  HttpResponse GetScopes(const HttpRequest& req) const;
  HttpResponse CreateScope(const HttpRequest& req) const;
  HttpResponse UpdateScope(const HttpRequest& req) const;
  HttpResponse DeactivateScope(const HttpRequest& req) const;
  HttpResponse AllScopes(const HttpRequest& req) const;
  HttpResponse ScopeAccessList(const HttpRequest& req) const;
  HttpResponse GetAccessByOrg(const HttpRequest& req) const;
  HttpResponse GrantAccess(const HttpRequest& req) const;
  HttpResponse RevokeAccess(const HttpRequest& req) const;
  HttpResponse DelegationSources(const HttpRequest& req) const;
  HttpResponse ListDelegations(const HttpRequest& req) const;
  HttpResponse CreateDelegation(const HttpRequest& req) const;
  HttpResponse DeleteDelegation(const HttpRequest& req) const;

  int64_t Now() const { return ctx_.clock.NowSeconds(); }

  SelfServiceContext ctx_;
};

Outcome<Caller> SelfServiceApi::Authenticate(const HttpRequest& req,
                                             std::string_view needed_scope) const {
  const BearerAuth auth{
      .keys = ctx_.keys, .config = ctx_.config, .clock = ctx_.clock, .realm = "maskinporten"};
  if (needed_scope.empty()) return AuthenticateBearer(req, auth, {});
  return AuthenticateBearer(req, auth, {needed_scope});
}

Outcome<SelfServiceApi::Query> SelfServiceApi::ParseQuery(const HttpRequest& req) {
  Result<Query> q = ParseForm(req.query);
  if (!q.ok()) return ErrorResponse(400, "invalid_request", "query: " + q.status().message());
  return std::move(q).value();
}

Outcome<api_internal::Json> SelfServiceApi::ParseBody(const HttpRequest& req) {
  Result<nlohmann::json> body = ParseStrictJsonObject(req.body);
  if (!body.ok()) return ErrorResponse(400, "invalid_request", "body: " + body.status().message());
  return std::move(body).value();
}

Outcome<std::optional<bool>> SelfServiceApi::BoolParam(const Query& q, std::string_view name) {
  std::optional<std::string> v = FormValue(q, name);
  if (!v) return std::optional<bool>();
  if (*v == "true") return std::optional<bool>(true);
  if (*v == "false") return std::optional<bool>(false);
  return ErrorResponse(400, "invalid_request", std::string(name) + ": must be true or false");
}

Outcome<ClientRecord> SelfServiceApi::OwnClient(const Caller& caller,
                                                const std::string& client_id) const {
  Result<std::optional<ClientRecord>> c = ctx_.store.GetClient(client_id);
  if (!c.ok()) return ServerError(c.status());
  // Another org's client answers like a missing one: its existence is not the caller's business.
  if (!c->has_value() || (*c)->client_orgno != caller.orgno) {
    return NotFound("no client " + Quote(client_id));
  }
  return std::move(**c);
}

Outcome<ScopeRecord> SelfServiceApi::OwnScope(const Caller& caller, const Query& q) const {
  std::optional<std::string> name = FormValue(q, "scope");
  if (!name || name->empty())
    return ErrorResponse(400, "invalid_request", "scope: missing query parameter");
  Result<std::optional<ScopeRecord>> s = ctx_.store.GetScope(*name);
  if (!s.ok()) return ServerError(s.status());
  if (!s->has_value()) return NotFound("no scope " + Quote(*name));
  if ((*s)->owner_orgno != caller.orgno) {
    return Forbidden("scope " + Quote(*name) + " belongs to another organisation");
  }
  return std::move(**s);
}

// ---------------------------------------------------------------------------------------------
// Clients

HttpResponse SelfServiceApi::ListClients(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(std::optional<bool> inactive, BoolParam(q, "inactive"));
  Result<std::vector<ClientRecord>> list =
      ctx_.store.ListClients(caller.orgno, inactive.value_or(false));
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ClientRecord& c : *list) out.push_back(api_internal::ClientJson(c));
  return JsonResponse(200, out);
}

HttpResponse SelfServiceApi::CreateClient(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrWrite));
  API_ASSIGN_OR_RESPOND(api_internal::Json body, ParseBody(req));
  Result<ClientRecord> c = api_internal::ParseClient(body, api_internal::ClientFields::kApi);
  if (!c.ok()) return BadRequest(c.status());
  c->client_orgno = caller.orgno;
  Status scopes = api_internal::CheckClientScopes(*c, api_internal::StoreLookup(ctx_.store));
  if (!scopes.ok()) return FromStatus(scopes);
  c->client_id = RandomUuid();
  c->active = true;
  c->created = c->last_updated = Now();
  Status s = ctx_.store.CreateClient(*c);
  if (!s.ok()) return ServerError(s);
  return JsonResponse(201, api_internal::ClientJson(*c));
}

HttpResponse SelfServiceApi::GetClient(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  API_ASSIGN_OR_RESPOND(ClientRecord c, OwnClient(caller, req.Param("client_id")));
  return JsonResponse(200, api_internal::ClientJson(c));
}

HttpResponse SelfServiceApi::UpdateClient(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrModify));
  API_ASSIGN_OR_RESPOND(ClientRecord existing, OwnClient(caller, req.Param("client_id")));
  API_ASSIGN_OR_RESPOND(api_internal::Json body, ParseBody(req));
  if (auto it = body.find("integration_type"); it != body.end()) {
    if (!it->is_string() || it->get<std::string>() != existing.integration_type) {
      return BadRequest(api_internal::FieldError(
          "integration_type", "cannot change (is " + Quote(existing.integration_type) + ")"));
    }
  }
  Result<ClientRecord> c = api_internal::ParseClient(body, api_internal::ClientFields::kApi);
  if (!c.ok()) return BadRequest(c.status());
  c->client_id = existing.client_id;
  c->client_orgno = existing.client_orgno;
  c->supplier_orgno = existing.supplier_orgno;
  c->active = existing.active;
  c->created = existing.created;
  c->last_updated = Now();
  Status scopes = api_internal::CheckClientScopes(*c, api_internal::StoreLookup(ctx_.store));
  if (!scopes.ok()) return FromStatus(scopes);
  Status s = ctx_.store.UpdateClient(*c);
  if (!s.ok()) return ServerError(s);
  return JsonResponse(200, api_internal::ClientJson(*c));
}

HttpResponse SelfServiceApi::DeactivateClient(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrModify));
  API_ASSIGN_OR_RESPOND(ClientRecord c, OwnClient(caller, req.Param("client_id")));
  c.active = false;
  c.last_updated = Now();
  Status s = ctx_.store.UpdateClient(c);
  if (!s.ok()) return ServerError(s);
  return JsonResponse(200, api_internal::ClientJson(c));
}

HttpResponse SelfServiceApi::GetJwks(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  API_ASSIGN_OR_RESPOND(ClientRecord c, OwnClient(caller, req.Param("client_id")));
  Result<ClientJwks> jwks = ctx_.store.GetClientKeys(c.client_id);
  if (!jwks.ok()) return ServerError(jwks.status());
  return JsonResponse(200, api_internal::JwksJson(*jwks));
}

HttpResponse SelfServiceApi::PutJwks(const HttpRequest& req, int success_status) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrModify));
  API_ASSIGN_OR_RESPOND(ClientRecord c, OwnClient(caller, req.Param("client_id")));
  API_ASSIGN_OR_RESPOND(api_internal::Json body, ParseBody(req));
  for (const auto& [name, value] : body.items()) {
    // The set's own times may be echoed back from a GET.
    if (name != "keys" && name != "created" && name != "last_updated") {
      return BadRequest(api_internal::FieldError(name, "unknown member"));
    }
  }
  if (!body.contains("keys")) return BadRequest(api_internal::FieldError("keys", "missing"));
  const int64_t now = Now();
  Result<std::vector<ClientKey>> keys = api_internal::ParseJwkSet(body["keys"], "keys", now);
  if (!keys.ok()) return BadRequest(keys.status());
  Status s = ctx_.store.ReplaceClientKeys(c.client_id, *keys, now);
  if (!s.ok()) return ServerError(s);
  Result<ClientJwks> jwks = ctx_.store.GetClientKeys(c.client_id);
  if (!jwks.ok()) return ServerError(jwks.status());
  return JsonResponse(success_status, api_internal::JwksJson(*jwks));
}

// ---------------------------------------------------------------------------------------------
// Scopes

HttpResponse SelfServiceApi::GetScopes(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  if (FormValue(q, "scope")) {
    API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
    return JsonResponse(200, api_internal::ScopeJson(s));
  }
  API_ASSIGN_OR_RESPOND(std::optional<bool> inactive, BoolParam(q, "inactive"));
  Result<std::vector<ScopeRecord>> list =
      ctx_.store.ListScopes(caller.orgno, inactive.value_or(false));
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ScopeRecord& s : *list) out.push_back(api_internal::ScopeJson(s));
  return JsonResponse(200, out);
}

HttpResponse SelfServiceApi::CreateScope(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(api_internal::Json body, ParseBody(req));
  Result<ScopeRecord> s = api_internal::ParseScope(body, api_internal::ScopeFields::kApiCreate,
                                                   DelegationSourceIssuers(ctx_.config));
  if (!s.ok()) return BadRequest(s.status());
  Result<std::vector<ScopeRecord>> all = ctx_.store.ListScopes("", /*include_inactive=*/true);
  if (!all.ok()) return ServerError(all.status());
  const std::string owner = api_internal::PrefixOwner(s->prefix, *all);
  if (!owner.empty() && owner != caller.orgno) {
    return Forbidden("prefix: " + Quote(s->prefix) + " belongs to another organisation");
  }
  Result<std::optional<ScopeRecord>> existing = ctx_.store.GetScope(s->name);
  if (!existing.ok()) return ServerError(existing.status());
  if (existing->has_value()) {
    // SPEC §9: re-POSTing a deactivated entity is 409 Conflict (PUT it to change it).
    return ErrorResponse(
        409, "conflict",
        "scope " + Quote(s->name) +
            ((*existing)->active ? " already exists" : " exists and is deactivated"));
  }
  s->owner_orgno = caller.orgno;
  s->active = true;
  s->created = s->last_updated = Now();
  Status st = ctx_.store.CreateScope(*s);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(201, api_internal::ScopeJson(*s));
}

HttpResponse SelfServiceApi::UpdateScope(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(ScopeRecord existing, OwnScope(caller, q));
  API_ASSIGN_OR_RESPOND(api_internal::Json body, ParseBody(req));
  Result<ScopeRecord> s = api_internal::ParseScope(body, api_internal::ScopeFields::kApiUpdate,
                                                   DelegationSourceIssuers(ctx_.config));
  if (!s.ok()) return BadRequest(s.status());
  // The name is immutable (SPEC §9); echoing it back unchanged is fine.
  struct Fixed {
    const char* field;
    const std::string& given;
    const std::string& stored;
  };
  for (const Fixed& f :
       {Fixed{"name", s->name, existing.name}, Fixed{"prefix", s->prefix, existing.prefix},
        Fixed{"subscope", s->subscope, existing.subscope}}) {
    if (!f.given.empty() && f.given != f.stored) {
      return BadRequest(
          api_internal::FieldError(f.field, "cannot change (is " + Quote(f.stored) + ")"));
    }
  }
  s->name = existing.name;
  s->prefix = existing.prefix;
  s->subscope = existing.subscope;
  s->owner_orgno = existing.owner_orgno;
  s->active = existing.active;
  s->created = existing.created;
  s->last_updated = Now();
  Status st = ctx_.store.UpdateScope(*s);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(200, api_internal::ScopeJson(*s));
}

HttpResponse SelfServiceApi::DeactivateScope(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
  s.active = false;
  s.last_updated = Now();
  Status st = ctx_.store.UpdateScope(s);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(200, api_internal::ScopeJson(s));
}

HttpResponse SelfServiceApi::AllScopes(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kAnyToken));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(std::optional<bool> for_all, BoolParam(q, "accessible_for_all"));
  API_ASSIGN_OR_RESPOND(std::optional<bool> delegable, BoolParam(q, "delegable"));
  Result<std::vector<ScopeRecord>> list = ctx_.store.ListScopes("", /*include_inactive=*/false);
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ScopeRecord& s : *list) {
    if (!s.active || s.visibility != ScopeVisibility::kPublic) continue;
    if (for_all && s.accessible_for_all != *for_all) continue;
    if (delegable && s.delegation_source.empty() == *delegable) continue;
    out.push_back(api_internal::ScopeJson(s));
  }
  return JsonResponse(200, out);
}

// ---------------------------------------------------------------------------------------------
// Access

HttpResponse SelfServiceApi::ScopeAccessList(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
  Result<std::vector<ScopeAccess>> list = ctx_.store.ListAccessForScope(s.name);
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ScopeAccess& a : *list) out.push_back(api_internal::AccessJson(a));
  return JsonResponse(200, out);
}

// GET /api/v1/scopes/access/all; any other GET of /scopes/access/{orgno} has no meaning.
HttpResponse SelfServiceApi::GetAccessByOrg(const HttpRequest& req) const {
  if (req.Param("orgno") != "all") {
    HttpResponse r =
        ErrorResponse(405, "method_not_allowed", "use PUT or DELETE on /scopes/access/{orgno}");
    r.headers.emplace_back("Allow", "PUT, DELETE");
    return r;
  }
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  Result<std::vector<ScopeAccess>> list = ctx_.store.ListAccessForConsumer(caller.orgno);
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ScopeAccess& a : *list) out.push_back(api_internal::AccessJson(a));
  return JsonResponse(200, out);
}

HttpResponse SelfServiceApi::GrantAccess(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  const std::string orgno = req.Param("orgno");
  Status org = api_internal::CheckOrgNumber(orgno, "orgno");
  if (!org.ok()) return BadRequest(org);
  API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
  if (!s.active) {
    return BadRequest(
        api_internal::FieldError("scope", "scope " + Quote(s.name) + " is not active"));
  }
  AccessState state = AccessState::kApproved;
  if (std::optional<std::string> v = FormValue(q, "state")) {
    std::optional<AccessState> parsed = ParseAccessState(*v);
    if (!parsed) {
      return BadRequest(
          api_internal::FieldError("state", Quote(*v) + " is not APPROVED, REQUESTED or DENIED"));
    }
    state = *parsed;
  }
  Result<std::optional<ScopeAccess>> existing = ctx_.store.GetAccess(s.name, orgno);
  if (!existing.ok()) return ServerError(existing.status());
  const int64_t now = Now();
  ScopeAccess a{.scope = s.name,
                .consumer_orgno = orgno,
                .owner_orgno = s.owner_orgno,
                .state = state,
                .created = existing->has_value() ? (*existing)->created : now,
                .last_updated = now};
  Status st = ctx_.store.PutAccess(a);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(200, api_internal::AccessJson(a));
}

HttpResponse SelfServiceApi::RevokeAccess(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  const std::string orgno = req.Param("orgno");
  Status org = api_internal::CheckOrgNumber(orgno, "orgno");
  if (!org.ok()) return BadRequest(org);
  API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
  Result<std::optional<ScopeAccess>> existing = ctx_.store.GetAccess(s.name, orgno);
  if (!existing.ok()) return ServerError(existing.status());
  if (!existing->has_value()) {
    return NotFound("organisation " + orgno + " has no access entry for " + Quote(s.name));
  }
  Status st = ctx_.store.DeleteAccess(s.name, orgno);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(200, api_internal::AccessJson(**existing));
}

// ---------------------------------------------------------------------------------------------
// Delegation sources and delegations (SPEC §8)

HttpResponse SelfServiceApi::DelegationSources(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kAnyToken));
  OrderedJson out = Array();
  for (const std::string& issuer : DelegationSourceIssuers(ctx_.config)) {
    OrderedJson e;
    e["name"] = "altinn";
    e["issuer"] = issuer;
    out.push_back(std::move(e));
  }
  return JsonResponse(200, out);
}

HttpResponse SelfServiceApi::ListDelegations(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  Result<std::vector<Delegation>> list = ctx_.store.ListDelegations(caller.orgno);
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const Delegation& d : *list) out.push_back(api_internal::DelegationJson(d));
  return JsonResponse(200, out);
}

HttpResponse SelfServiceApi::CreateDelegation(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrWrite));
  API_ASSIGN_OR_RESPOND(api_internal::Json body, ParseBody(req));
  for (const auto& [name, value] : body.items()) {
    if (name != "supplier_orgno" && name != "scope" && name != "consumer_orgno" &&
        name != "created") {
      return BadRequest(api_internal::FieldError(name, "unknown member"));
    }
    if (!value.is_string()) return BadRequest(api_internal::FieldError(name, "must be a string"));
  }
  if (!body.contains("supplier_orgno")) {
    return BadRequest(api_internal::FieldError("supplier_orgno", "missing"));
  }
  if (!body.contains("scope")) return BadRequest(api_internal::FieldError("scope", "missing"));
  if (body.contains("consumer_orgno") &&
      body["consumer_orgno"].get<std::string>() != caller.orgno) {
    return BadRequest(api_internal::FieldError("consumer_orgno",
                                               "must be your own organisation " + caller.orgno));
  }
  Delegation d{.consumer_orgno = caller.orgno,
               .supplier_orgno = body["supplier_orgno"].get<std::string>(),
               .scope = body["scope"].get<std::string>(),
               .created = Now()};
  Result<std::optional<ScopeRecord>> scope = ctx_.store.GetScope(d.scope);
  if (!scope.ok()) return ServerError(scope.status());
  Status valid = api_internal::CheckDelegation(*scope, d.scope, d.consumer_orgno, d.supplier_orgno,
                                               "scope", "supplier_orgno");
  if (!valid.ok()) return BadRequest(valid);
  Result<std::vector<Delegation>> existing = ctx_.store.ListDelegations(caller.orgno);
  if (!existing.ok()) return ServerError(existing.status());
  for (const Delegation& e : *existing) {
    if (e.consumer_orgno == d.consumer_orgno && e.supplier_orgno == d.supplier_orgno &&
        e.scope == d.scope) {
      return JsonResponse(201, api_internal::DelegationJson(e));  // idempotent
    }
  }
  Status st = ctx_.store.PutDelegation(d);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(201, api_internal::DelegationJson(d));
}

HttpResponse SelfServiceApi::DeleteDelegation(const HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  std::optional<std::string> supplier = FormValue(q, "supplier_orgno");
  std::optional<std::string> scope = FormValue(q, "scope");
  if (!supplier)
    return BadRequest(api_internal::FieldError("supplier_orgno", "missing query parameter"));
  if (!scope) return BadRequest(api_internal::FieldError("scope", "missing query parameter"));
  Result<std::vector<Delegation>> existing = ctx_.store.ListDelegations(caller.orgno);
  if (!existing.ok()) return ServerError(existing.status());
  for (const Delegation& e : *existing) {
    if (e.consumer_orgno == caller.orgno && e.supplier_orgno == *supplier && e.scope == *scope) {
      Status st = ctx_.store.DeleteDelegation(e);
      if (!st.ok()) return ServerError(st);
      return JsonResponse(200, api_internal::DelegationJson(e));
    }
  }
  return NotFound("no delegation of " + Quote(*scope) + " to " + Quote(*supplier));
}

// ---------------------------------------------------------------------------------------------

void SelfServiceApi::AddRoutes(Router& router, const std::shared_ptr<SelfServiceApi>& self) const {
  using Method = HttpResponse (SelfServiceApi::*)(const HttpRequest&) const;
  auto add = [&](const char* method, const char* path, const char* endpoint, Method m) {
    router.Add(method, path, [self, m, endpoint](const HttpRequest& req) {
      HttpResponse r = ((*self).*m)(req);
      r.endpoint = endpoint;
      return r;
    });
  };
  add("GET", "/api/v1/clients", "api.clients", &SelfServiceApi::ListClients);
  add("POST", "/api/v1/clients", "api.clients", &SelfServiceApi::CreateClient);
  add("GET", "/api/v1/clients/{client_id}", "api.clients", &SelfServiceApi::GetClient);
  add("PUT", "/api/v1/clients/{client_id}", "api.clients", &SelfServiceApi::UpdateClient);
  add("DELETE", "/api/v1/clients/{client_id}", "api.clients", &SelfServiceApi::DeactivateClient);
  add("GET", "/api/v1/clients/{client_id}/jwks", "api.jwks", &SelfServiceApi::GetJwks);
  router.Add("POST", "/api/v1/clients/{client_id}/jwks", [self](const HttpRequest& req) {
    HttpResponse r = self->PutJwks(req, 201);
    r.endpoint = "api.jwks";
    return r;
  });
  router.Add("PUT", "/api/v1/clients/{client_id}/jwks", [self](const HttpRequest& req) {
    HttpResponse r = self->PutJwks(req, 200);
    r.endpoint = "api.jwks";
    return r;
  });
  add("GET", "/api/v1/scopes", "api.scopes", &SelfServiceApi::GetScopes);
  add("POST", "/api/v1/scopes", "api.scopes", &SelfServiceApi::CreateScope);
  add("PUT", "/api/v1/scopes", "api.scopes", &SelfServiceApi::UpdateScope);
  add("DELETE", "/api/v1/scopes", "api.scopes", &SelfServiceApi::DeactivateScope);
  add("GET", "/api/v1/scopes/all", "api.scopes", &SelfServiceApi::AllScopes);
  add("GET", "/api/v1/scopes/access", "api.access", &SelfServiceApi::ScopeAccessList);
  add("GET", "/api/v1/scopes/access/{orgno}", "api.access", &SelfServiceApi::GetAccessByOrg);
  add("PUT", "/api/v1/scopes/access/{orgno}", "api.access", &SelfServiceApi::GrantAccess);
  add("DELETE", "/api/v1/scopes/access/{orgno}", "api.access", &SelfServiceApi::RevokeAccess);
  add("GET", "/api/v1/delegationsources", "api.delegationsources",
      &SelfServiceApi::DelegationSources);
  add("GET", "/api/v1/delegations", "api.delegations", &SelfServiceApi::ListDelegations);
  add("POST", "/api/v1/delegations", "api.delegations", &SelfServiceApi::CreateDelegation);
  add("DELETE", "/api/v1/delegations", "api.delegations", &SelfServiceApi::DeleteDelegation);
}

}  // namespace

std::vector<std::string> DelegationSourceIssuers(const ServerConfig& config) {
  return {config.DelegationSource()};
}

void AddSelfServiceRoutes(Router& router, const SelfServiceContext& ctx) {
  auto api = std::make_shared<SelfServiceApi>(ctx);
  api->AddRoutes(router, api);
}

}  // namespace mp::server
