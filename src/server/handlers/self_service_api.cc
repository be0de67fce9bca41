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
#include "server/handlers/api_response.h"
#include "server/registry/registry_rules.h"
#include "server/token/access_token.h"

namespace mp::server {
namespace {

using registry::OrderedJson;
using Caller = BearerCaller;

constexpr std::string_view kDcrRead = "idporten:dcr.read";
constexpr std::string_view kDcrWrite = "idporten:dcr.write";
constexpr std::string_view kDcrModify = "idporten:dcr.modify";
constexpr std::string_view kScopesWrite = "idporten:scopes.write";
constexpr std::string_view kAnyToken = "";

http::HttpResponse BadRequest(const Status& s) {
  return ErrorResponse(400, "invalid_request", s.message());
}

http::HttpResponse NotFound(std::string_view description) {
  return ErrorResponse(404, "not_found", description);
}

http::HttpResponse Forbidden(std::string_view description) {
  return ErrorResponse(403, "forbidden", description);
}

// A failure of the store (or another internal step): 500, never the details of a refusal; a
// registry that cannot be reached (PostgreSQL down) is an outage the client may retry: 503, as
// the token endpoint answers (token_refusal.cc).
http::HttpResponse ServerError(const Status& s) {
  return ErrorResponse(s.code() == Errc::kNetworkError ? 503 : 500, "server_error",
                       "the registry failed: " + s.ToString());
}

// Maps a validation/store Status to the answer: kInvalidArgument (a field rule) is 400, the rest
// is the server's fault.
http::HttpResponse FromStatus(const Status& s) {
  if (s.code() == Errc::kInvalidArgument) return BadRequest(s);
  return ServerError(s);
}

OrderedJson Array() { return OrderedJson::array(); }

class SelfServiceApi {
 public:
  explicit SelfServiceApi(const SelfServiceContext& ctx) : ctx_(ctx) {}

  void AddRoutes(http::Router& router, const std::shared_ptr<SelfServiceApi>& self) const;

 private:
  using Query = std::vector<std::pair<std::string, std::string>>;

  // RFC 6750: 401 without or with a bad token, 403 without the needed scope.
  Outcome<Caller> Authenticate(const http::HttpRequest& req, std::string_view needed_scope) const;
  static Outcome<Query> ParseQuery(const http::HttpRequest& req);
  static Outcome<registry::Json> ParseBody(const http::HttpRequest& req);
  static Outcome<std::optional<bool>> BoolParam(const Query& q, std::string_view name);
  Outcome<ClientRecord> OwnClient(const Caller& caller, const std::string& client_id) const;
  Outcome<ScopeRecord> OwnScope(const Caller& caller, const Query& q) const;

  http::HttpResponse ListClients(const http::HttpRequest& req) const;
  http::HttpResponse CreateClient(const http::HttpRequest& req) const;
  http::HttpResponse GetClient(const http::HttpRequest& req) const;
  http::HttpResponse UpdateClient(const http::HttpRequest& req) const;
  http::HttpResponse DeactivateClient(const http::HttpRequest& req) const;
  http::HttpResponse GetJwks(const http::HttpRequest& req) const;
  http::HttpResponse PutJwks(const http::HttpRequest& req, int success_status) const;
  http::HttpResponse GetScopes(const http::HttpRequest& req) const;
  http::HttpResponse CreateScope(const http::HttpRequest& req) const;
  http::HttpResponse UpdateScope(const http::HttpRequest& req) const;
  http::HttpResponse DeactivateScope(const http::HttpRequest& req) const;
  http::HttpResponse AllScopes(const http::HttpRequest& req) const;
  http::HttpResponse ScopeAccessList(const http::HttpRequest& req) const;
  http::HttpResponse GetAccessByOrg(const http::HttpRequest& req) const;
  http::HttpResponse GrantAccess(const http::HttpRequest& req) const;
  http::HttpResponse RevokeAccess(const http::HttpRequest& req) const;
  http::HttpResponse DelegationSources(const http::HttpRequest& req) const;
  http::HttpResponse ListDelegations(const http::HttpRequest& req) const;
  http::HttpResponse CreateDelegation(const http::HttpRequest& req) const;
  http::HttpResponse DeleteDelegation(const http::HttpRequest& req) const;

  int64_t Now() const { return ctx_.clock.NowSeconds(); }

  SelfServiceContext ctx_;
};

Outcome<Caller> SelfServiceApi::Authenticate(const http::HttpRequest& req,
                                             std::string_view needed_scope) const {
  const BearerAuth auth{
      .keys = ctx_.keys, .config = ctx_.config, .clock = ctx_.clock, .realm = "maskinporten"};
  if (needed_scope.empty()) return AuthenticateBearer(req, auth, {});
  return AuthenticateBearer(req, auth, {needed_scope});
}

Outcome<SelfServiceApi::Query> SelfServiceApi::ParseQuery(const http::HttpRequest& req) {
  Result<Query> q = http::ParseForm(req.query);
  if (!q.ok()) return ErrorResponse(400, "invalid_request", "query: " + q.status().message());
  return std::move(q).value();
}

Outcome<registry::Json> SelfServiceApi::ParseBody(const http::HttpRequest& req) {
  Result<nlohmann::json> body = ParseStrictJsonObject(req.body);
  if (!body.ok()) return ErrorResponse(400, "invalid_request", "body: " + body.status().message());
  return std::move(body).value();
}

Outcome<std::optional<bool>> SelfServiceApi::BoolParam(const Query& q, std::string_view name) {
  std::optional<std::string> v = http::FormValue(q, name);
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
  std::optional<std::string> name = http::FormValue(q, "scope");
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

http::HttpResponse SelfServiceApi::ListClients(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(std::optional<bool> inactive, BoolParam(q, "inactive"));
  Result<std::vector<ClientRecord>> list =
      ctx_.store.ListClients(caller.orgno, inactive.value_or(false));
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ClientRecord& c : *list) out.push_back(registry::ClientJson(c));
  return JsonResponse(200, out);
}

http::HttpResponse SelfServiceApi::CreateClient(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrWrite));
  API_ASSIGN_OR_RESPOND(registry::Json body, ParseBody(req));
  Result<ClientRecord> c = registry::ParseClient(body, registry::ClientFields::kApi);
  if (!c.ok()) return BadRequest(c.status());
  c->client_orgno = caller.orgno;
  Status scopes = registry::CheckClientScopes(*c, registry::StoreLookup(ctx_.store));
  if (!scopes.ok()) return FromStatus(scopes);
  c->client_id = RandomUuid();
  c->active = true;
  c->created = c->last_updated = Now();
  Status s = ctx_.store.CreateClient(*c);
  if (!s.ok()) return ServerError(s);
  return JsonResponse(201, registry::ClientJson(*c));
}

http::HttpResponse SelfServiceApi::GetClient(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  API_ASSIGN_OR_RESPOND(ClientRecord c, OwnClient(caller, req.Param("client_id")));
  return JsonResponse(200, registry::ClientJson(c));
}

http::HttpResponse SelfServiceApi::UpdateClient(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrModify));
  API_ASSIGN_OR_RESPOND(ClientRecord existing, OwnClient(caller, req.Param("client_id")));
  API_ASSIGN_OR_RESPOND(registry::Json body, ParseBody(req));
  if (auto it = body.find("integration_type"); it != body.end()) {
    if (!it->is_string() || it->get<std::string>() != existing.integration_type) {
      return BadRequest(registry::FieldError(
          "integration_type", "cannot change (is " + Quote(existing.integration_type) + ")"));
    }
  }
  Result<ClientRecord> c = registry::ParseClient(body, registry::ClientFields::kApi);
  if (!c.ok()) return BadRequest(c.status());
  c->client_id = existing.client_id;
  c->client_orgno = existing.client_orgno;
  c->supplier_orgno = existing.supplier_orgno;
  c->active = existing.active;
  c->created = existing.created;
  c->last_updated = Now();
  Status scopes = registry::CheckClientScopes(*c, registry::StoreLookup(ctx_.store));
  if (!scopes.ok()) return FromStatus(scopes);
  Status s = ctx_.store.UpdateClient(*c);
  if (!s.ok()) return ServerError(s);
  return JsonResponse(200, registry::ClientJson(*c));
}

http::HttpResponse SelfServiceApi::DeactivateClient(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrModify));
  API_ASSIGN_OR_RESPOND(ClientRecord c, OwnClient(caller, req.Param("client_id")));
  c.active = false;
  c.last_updated = Now();
  Status s = ctx_.store.UpdateClient(c);
  if (!s.ok()) return ServerError(s);
  return JsonResponse(200, registry::ClientJson(c));
}

http::HttpResponse SelfServiceApi::GetJwks(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  API_ASSIGN_OR_RESPOND(ClientRecord c, OwnClient(caller, req.Param("client_id")));
  Result<ClientJwks> jwks = ctx_.store.GetClientKeys(c.client_id);
  if (!jwks.ok()) return ServerError(jwks.status());
  return JsonResponse(200, registry::JwksJson(*jwks));
}

http::HttpResponse SelfServiceApi::PutJwks(const http::HttpRequest& req, int success_status) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrModify));
  API_ASSIGN_OR_RESPOND(ClientRecord c, OwnClient(caller, req.Param("client_id")));
  API_ASSIGN_OR_RESPOND(registry::Json body, ParseBody(req));
  for (const auto& [name, value] : body.items()) {
    // The set's own times may be echoed back from a GET.
    if (name != "keys" && name != "created" && name != "last_updated") {
      return BadRequest(registry::FieldError(name, "unknown member"));
    }
  }
  if (!body.contains("keys")) return BadRequest(registry::FieldError("keys", "missing"));
  const int64_t now = Now();
  Result<std::vector<ClientKey>> keys = registry::ParseJwkSet(body["keys"], "keys", now);
  if (!keys.ok()) return BadRequest(keys.status());
  Status s = ctx_.store.ReplaceClientKeys(c.client_id, *keys, now);
  if (!s.ok()) return ServerError(s);
  Result<ClientJwks> jwks = ctx_.store.GetClientKeys(c.client_id);
  if (!jwks.ok()) return ServerError(jwks.status());
  return JsonResponse(success_status, registry::JwksJson(*jwks));
}

// ---------------------------------------------------------------------------------------------
// Scopes

http::HttpResponse SelfServiceApi::GetScopes(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  if (http::FormValue(q, "scope")) {
    API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
    return JsonResponse(200, registry::ScopeJson(s));
  }
  API_ASSIGN_OR_RESPOND(std::optional<bool> inactive, BoolParam(q, "inactive"));
  Result<std::vector<ScopeRecord>> list =
      ctx_.store.ListScopes(caller.orgno, inactive.value_or(false));
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ScopeRecord& s : *list) out.push_back(registry::ScopeJson(s));
  return JsonResponse(200, out);
}

http::HttpResponse SelfServiceApi::CreateScope(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(registry::Json body, ParseBody(req));
  Result<ScopeRecord> s = registry::ParseScope(body, registry::ScopeFields::kApiCreate,
                                               DelegationSourceIssuers(ctx_.config));
  if (!s.ok()) return BadRequest(s.status());
  Result<std::vector<ScopeRecord>> all = ctx_.store.ListScopes("", /*include_inactive=*/true);
  if (!all.ok()) return ServerError(all.status());
  const std::string owner = registry::PrefixOwner(s->prefix, *all);
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
  return JsonResponse(201, registry::ScopeJson(*s));
}

http::HttpResponse SelfServiceApi::UpdateScope(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(ScopeRecord existing, OwnScope(caller, q));
  API_ASSIGN_OR_RESPOND(registry::Json body, ParseBody(req));
  Result<ScopeRecord> s = registry::ParseScope(body, registry::ScopeFields::kApiUpdate,
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
          registry::FieldError(f.field, "cannot change (is " + Quote(f.stored) + ")"));
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
  return JsonResponse(200, registry::ScopeJson(*s));
}

http::HttpResponse SelfServiceApi::DeactivateScope(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
  s.active = false;
  s.last_updated = Now();
  Status st = ctx_.store.UpdateScope(s);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(200, registry::ScopeJson(s));
}

http::HttpResponse SelfServiceApi::AllScopes(const http::HttpRequest& req) const {
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
    out.push_back(registry::ScopeJson(s));
  }
  return JsonResponse(200, out);
}

// ---------------------------------------------------------------------------------------------
// Access

http::HttpResponse SelfServiceApi::ScopeAccessList(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
  Result<std::vector<ScopeAccess>> list = ctx_.store.ListAccessForScope(s.name);
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ScopeAccess& a : *list) out.push_back(registry::AccessJson(a));
  return JsonResponse(200, out);
}

// GET /api/v1/scopes/access/all; any other GET of /scopes/access/{orgno} has no meaning.
http::HttpResponse SelfServiceApi::GetAccessByOrg(const http::HttpRequest& req) const {
  if (req.Param("orgno") != "all") {
    http::HttpResponse r =
        ErrorResponse(405, "method_not_allowed", "use PUT or DELETE on /scopes/access/{orgno}");
    r.headers.emplace_back("Allow", "PUT, DELETE");
    return r;
  }
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  Result<std::vector<ScopeAccess>> list = ctx_.store.ListAccessForConsumer(caller.orgno);
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const ScopeAccess& a : *list) out.push_back(registry::AccessJson(a));
  return JsonResponse(200, out);
}

http::HttpResponse SelfServiceApi::GrantAccess(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  const std::string orgno = req.Param("orgno");
  Status org = registry::CheckOrgNumber(orgno, "orgno");
  if (!org.ok()) return BadRequest(org);
  API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
  if (!s.active) {
    return BadRequest(registry::FieldError("scope", "scope " + Quote(s.name) + " is not active"));
  }
  AccessState state = AccessState::kApproved;
  if (std::optional<std::string> v = http::FormValue(q, "state")) {
    std::optional<AccessState> parsed = ParseAccessState(*v);
    if (!parsed) {
      return BadRequest(
          registry::FieldError("state", Quote(*v) + " is not APPROVED, REQUESTED or DENIED"));
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
  return JsonResponse(200, registry::AccessJson(a));
}

http::HttpResponse SelfServiceApi::RevokeAccess(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kScopesWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  const std::string orgno = req.Param("orgno");
  Status org = registry::CheckOrgNumber(orgno, "orgno");
  if (!org.ok()) return BadRequest(org);
  API_ASSIGN_OR_RESPOND(ScopeRecord s, OwnScope(caller, q));
  Result<std::optional<ScopeAccess>> existing = ctx_.store.GetAccess(s.name, orgno);
  if (!existing.ok()) return ServerError(existing.status());
  if (!existing->has_value()) {
    return NotFound("organisation " + orgno + " has no access entry for " + Quote(s.name));
  }
  Status st = ctx_.store.DeleteAccess(s.name, orgno);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(200, registry::AccessJson(**existing));
}

// ---------------------------------------------------------------------------------------------
// Delegation sources and delegations (SPEC §8)

http::HttpResponse SelfServiceApi::DelegationSources(const http::HttpRequest& req) const {
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

http::HttpResponse SelfServiceApi::ListDelegations(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrRead));
  Result<std::vector<Delegation>> list = ctx_.store.ListDelegations(caller.orgno);
  if (!list.ok()) return ServerError(list.status());
  OrderedJson out = Array();
  for (const Delegation& d : *list) out.push_back(registry::DelegationJson(d));
  return JsonResponse(200, out);
}

http::HttpResponse SelfServiceApi::CreateDelegation(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrWrite));
  API_ASSIGN_OR_RESPOND(registry::Json body, ParseBody(req));
  for (const auto& [name, value] : body.items()) {
    if (name != "supplier_orgno" && name != "scope" && name != "consumer_orgno" &&
        name != "created") {
      return BadRequest(registry::FieldError(name, "unknown member"));
    }
    if (!value.is_string()) return BadRequest(registry::FieldError(name, "must be a string"));
  }
  if (!body.contains("supplier_orgno")) {
    return BadRequest(registry::FieldError("supplier_orgno", "missing"));
  }
  if (!body.contains("scope")) return BadRequest(registry::FieldError("scope", "missing"));
  if (body.contains("consumer_orgno") &&
      body["consumer_orgno"].get<std::string>() != caller.orgno) {
    return BadRequest(
        registry::FieldError("consumer_orgno", "must be your own organisation " + caller.orgno));
  }
  Delegation d{.consumer_orgno = caller.orgno,
               .supplier_orgno = body["supplier_orgno"].get<std::string>(),
               .scope = body["scope"].get<std::string>(),
               .created = Now()};
  Result<std::optional<ScopeRecord>> scope = ctx_.store.GetScope(d.scope);
  if (!scope.ok()) return ServerError(scope.status());
  Status valid = registry::CheckDelegation(*scope, d.scope, d.consumer_orgno, d.supplier_orgno,
                                           "scope", "supplier_orgno");
  if (!valid.ok()) return BadRequest(valid);
  Result<std::vector<Delegation>> existing = ctx_.store.ListDelegations(caller.orgno);
  if (!existing.ok()) return ServerError(existing.status());
  for (const Delegation& e : *existing) {
    if (e.consumer_orgno == d.consumer_orgno && e.supplier_orgno == d.supplier_orgno &&
        e.scope == d.scope) {
      return JsonResponse(201, registry::DelegationJson(e));  // idempotent
    }
  }
  Status st = ctx_.store.PutDelegation(d);
  if (!st.ok()) return ServerError(st);
  return JsonResponse(201, registry::DelegationJson(d));
}

http::HttpResponse SelfServiceApi::DeleteDelegation(const http::HttpRequest& req) const {
  API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, kDcrWrite));
  API_ASSIGN_OR_RESPOND(Query q, ParseQuery(req));
  std::optional<std::string> supplier = http::FormValue(q, "supplier_orgno");
  std::optional<std::string> scope = http::FormValue(q, "scope");
  if (!supplier)
    return BadRequest(registry::FieldError("supplier_orgno", "missing query parameter"));
  if (!scope) return BadRequest(registry::FieldError("scope", "missing query parameter"));
  Result<std::vector<Delegation>> existing = ctx_.store.ListDelegations(caller.orgno);
  if (!existing.ok()) return ServerError(existing.status());
  for (const Delegation& e : *existing) {
    if (e.consumer_orgno == caller.orgno && e.supplier_orgno == *supplier && e.scope == *scope) {
      Status st = ctx_.store.DeleteDelegation(e);
      if (!st.ok()) return ServerError(st);
      return JsonResponse(200, registry::DelegationJson(e));
    }
  }
  return NotFound("no delegation of " + Quote(*scope) + " to " + Quote(*supplier));
}

// ---------------------------------------------------------------------------------------------

void SelfServiceApi::AddRoutes(http::Router& router,
                               const std::shared_ptr<SelfServiceApi>& self) const {
  using Method = http::HttpResponse (SelfServiceApi::*)(const http::HttpRequest&) const;
  auto add = [&](const char* method, const char* path, const char* endpoint, Method m) {
    router.Add(method, path, [self, m, endpoint](const http::HttpRequest& req) {
      http::HttpResponse r = ((*self).*m)(req);
      r.labels.route = endpoint;
      return r;
    });
  };
  add("GET", "/api/v1/clients", "api.clients", &SelfServiceApi::ListClients);
  add("POST", "/api/v1/clients", "api.clients", &SelfServiceApi::CreateClient);
  add("GET", "/api/v1/clients/{client_id}", "api.clients", &SelfServiceApi::GetClient);
  add("PUT", "/api/v1/clients/{client_id}", "api.clients", &SelfServiceApi::UpdateClient);
  add("DELETE", "/api/v1/clients/{client_id}", "api.clients", &SelfServiceApi::DeactivateClient);
  add("GET", "/api/v1/clients/{client_id}/jwks", "api.jwks", &SelfServiceApi::GetJwks);
  router.Add("POST", "/api/v1/clients/{client_id}/jwks", [self](const http::HttpRequest& req) {
    http::HttpResponse r = self->PutJwks(req, 201);
    r.labels.route = "api.jwks";
    return r;
  });
  router.Add("PUT", "/api/v1/clients/{client_id}/jwks", [self](const http::HttpRequest& req) {
    http::HttpResponse r = self->PutJwks(req, 200);
    r.labels.route = "api.jwks";
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

void AddSelfServiceRoutes(http::Router& router, const SelfServiceContext& ctx) {
  auto api = std::make_shared<SelfServiceApi>(ctx);
  api->AddRoutes(router, api);
}

}  // namespace mp::server
