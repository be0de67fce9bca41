#include "server/handlers/local_login.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/mutex.h"
#include "core/strings.h"
#include "core/url.h"
#include "maskinporten/grant.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"
#include "server/altinn/altinn_consent.h"
#include "server/handlers/api_response.h"
#include "server/registry/registry_rules.h"

namespace mp::server {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kOrganisationsEndpoint = "local_login.organisations";
constexpr std::string_view kTokenEndpoint = "local_login.token";
constexpr size_t kMaxOrgNameLength = 200;
// A registered key is valid a year from upload (MP-121); the login renews the web-login key's
// upload when it is this old (a clock moved ahead by the test controls may need it).
constexpr int64_t kKeyRenewSeconds = 30LL * 86400;

constexpr std::array<registry::ProvidedScope, 4> kAdminScopes = {{
    {"idporten:dcr.read", "Read own clients"},
    {"idporten:dcr.write", "Create clients"},
    {"idporten:dcr.modify", "Change own clients"},
    {"idporten:scopes.write", "Manage own scopes and access lists"},
}};

std::vector<std::string> WebClientScopes() {
  std::vector<std::string> scopes;
  for (const registry::ProvidedScope& s : kAdminScopes) scopes.emplace_back(s.name);
  scopes.emplace_back(kConsentRequestsReadScope);
  scopes.emplace_back(kConsentRequestsWriteScope);
  scopes.emplace_back(kConsentTokensScope);
  scopes.emplace_back(kSystemRegisterWriteScope);
  scopes.emplace_back(kSystemUserRequestWriteScope);
  scopes.emplace_back(kSystemUserRequestReadScope);
  return scopes;
}

http::HttpResponse BadRequest(std::string_view description) {
  return ErrorResponse(400, "invalid_request", description, kTokenEndpoint);
}

http::HttpResponse ServerError(const Status& s) {
  return ErrorResponse(500, "server_error", "the local login failed: " + s.ToString(),
                       kTokenEndpoint);
}

http::HttpResponse Forbidden(std::string_view description) {
  return ErrorResponse(403, "forbidden", description, kTokenEndpoint);
}

// The host part of a peer address: "127.0.0.1:1" -> "127.0.0.1", "[::1]:1" -> "::1".
std::string_view RemoteHost(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    size_t close = remote.find(']');
    return close == std::string_view::npos ? std::string_view() : remote.substr(1, close - 1);
  }
  if (std::count(remote.begin(), remote.end(), ':') > 1) return remote;  // bare IPv6
  return remote.substr(0, remote.find(':'));
}

// The login body: orgno, and name for an organisation not yet registered.
struct LoginBody {
  std::string orgno;
  std::optional<std::string> name;
};

Result<LoginBody> ParseLoginBody(std::string_view text) {
  Result<Json> body = ParseStrictJsonObject(text);
  if (!body.ok()) {
    const std::string m = body.status().message();
    if (body.status().code() == Errc::kDuplicateJsonKey) {
      // `duplicate member "orgno"`: the field first, as every other message has it.
      size_t open = m.find('"'), close = m.rfind('"');
      if (open != std::string::npos && close > open) {
        return registry::FieldError(m.substr(open + 1, close - open - 1), "given twice");
      }
    }
    return registry::FieldError("body", m);
  }
  for (const auto& [member, value] : body->items()) {
    if (member != "orgno" && member != "name") {
      return registry::FieldError(member.substr(0, 64), "unknown member");
    }
  }
  LoginBody out;
  auto orgno = body->find("orgno");
  if (orgno == body->end() || orgno->is_null()) {
    return registry::FieldError("orgno", "required");
  }
  if (!orgno->is_string()) return registry::FieldError("orgno", "must be a string");
  out.orgno = orgno->get<std::string>();
  MP_RETURN_IF_ERROR(registry::CheckOrgNumber(out.orgno, "orgno"));
  if (auto name = body->find("name"); name != body->end() && !name->is_null()) {
    if (!name->is_string()) return registry::FieldError("name", "must be a string");
    std::string n = name->get<std::string>();
    bool control = std::any_of(n.begin(), n.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (n.empty() || n.size() > kMaxOrgNameLength || control) {
      return registry::FieldError("name", "must be 1-200 bytes without control characters");
    }
    out.name = std::move(n);
  }
  return out;
}

// The web-login key and its registered JWK.
struct WebKey {
  PrivateKey key;
  std::string kid;
  Json jwk;
};

class LocalLogin {
 public:
  explicit LocalLogin(const LocalLoginContext& ctx) : ctx_(ctx) {}

  http::HttpResponse Organisations(const http::HttpRequest&) const {
    Result<std::vector<Organization>> orgs = ctx_.store.ListOrganizations();
    if (!orgs.ok()) {
      return ErrorResponse(500, "server_error", "the registry failed: " + orgs.status().ToString(),
                           kOrganisationsEndpoint);
    }
    OrderedJson list = OrderedJson::array();
    for (const Organization& o : *orgs) {  // ordered by orgno
      if (o.orgno == kAltinnLocalOrg) continue;
      OrderedJson item;
      item["orgno"] = o.orgno;
      item["name"] = o.name;
      list.push_back(std::move(item));
    }
    OrderedJson body;
    body["organisations"] = std::move(list);
    return JsonResponse(200, body, kOrganisationsEndpoint);
  }

  http::HttpResponse Token(const http::HttpRequest& req) const {
    if (!IsLoopbackRemote(req.remote)) {
      return Forbidden("the local login answers only clients on this machine (loopback)");
    }
    if (!IsOwnOrigin(req)) {
      return Forbidden(
          "the local login answers only its own pages (Origin and Host must name "
          "this server on loopback)");
    }
    Result<LoginBody> body = ParseLoginBody(req.body);
    if (!body.ok()) return BadRequest(body.status().message());

    std::string org_name;
    std::string client_id = std::string(kLocalWebClientPrefix) + body->orgno;
    Result<Grant> grant = Status(Errc::kInternal, "not built");
    {
      // One onboarding at a time: two first logins of one org must not both create its client.
      MutexLock lock(mu_);
      Result<std::string> name = EnsureOrganization(*body);
      if (!name.ok()) {
        if (name.status().code() == Errc::kInvalidArgument) {
          return BadRequest(name.status().message());
        }
        return ServerError(name.status());
      }
      org_name = std::move(name).value();
      Result<const WebKey*> key = Key();
      if (!key.ok()) return ServerError(key.status());
      // Each step is idempotent and leaves the registry valid, so a failed login is retried as a
      // whole: access needs the scopes, the client needs the access, the grant needs the key.
      if (Status s = EnsureAdminScopes(); !s.ok()) return ServerError(s);
      if (Status s = EnsureAccess(body->orgno); !s.ok()) return ServerError(s);
      if (Status s = EnsureClient(body->orgno, client_id); !s.ok()) return ServerError(s);
      if (Status s = EnsureKey(client_id, **key); !s.ok()) return ServerError(s);
      Result<Credentials> creds = Credentials::WithKid((*key)->key, (*key)->kid);
      if (!creds.ok()) return ServerError(creds.status());
      grant = BuildGrant(GrantSpec{.issuer = ctx_.config.issuer,
                                   .client_id = client_id,
                                   .request = {.scopes = WebClientScopes()}},
                         *creds, ctx_.clock);
    }
    if (!grant.ok()) return ServerError(grant.status());

    http::HttpRequest token_req;
    token_req.method = "POST";
    token_req.target = token_req.path = "/token";
    token_req.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    // The assertion is base64url and dots: nothing to escape.
    token_req.body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                     grant->assertion;
    token_req.remote = req.remote;
    token_req.trace_id = req.trace_id;
    http::HttpResponse issued = ctx_.tokens.HandleToken(token_req);
    if (issued.status != 200) return issued;  // the token service's refusal, unchanged

    Json answer = Json::parse(issued.body, nullptr, /*allow_exceptions=*/false);
    if (!answer.is_object()) {
      return ServerError(Status(Errc::kInternal, "the token service answered no JSON object"));
    }
    OrderedJson out;
    for (const char* m : {"access_token", "token_type", "expires_in", "scope"}) {
      if (answer.contains(m)) out[m] = answer[m];
    }
    out["orgno"] = body->orgno;
    out["org_name"] = org_name;
    out["client_id"] = client_id;
    out["issuer"] = ctx_.config.issuer;
    http::HttpResponse r = JsonResponse(200, out, kTokenEndpoint);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("Pragma", "no-cache");
    return r;
  }

 private:
  int64_t Now() const { return ctx_.clock.NowSeconds(); }

  // The organisation's registry name; registers it when `body` names it (kInvalidArgument
  // "name: ..." when it is unknown and nameless). A registered organisation keeps its name.
  Result<std::string> EnsureOrganization(const LoginBody& body) const MP_REQUIRES(mu_) {
    MP_ASSIGN_OR_RETURN(std::vector<Organization> orgs, ctx_.store.ListOrganizations());
    bool digdir = false;
    std::optional<std::string> name;
    for (const Organization& o : orgs) {
      if (o.orgno == body.orgno) name = o.name;
      digdir = digdir || o.orgno == kLocalDigdirOrg;
    }
    if (!name) {
      if (!body.name) {
        return registry::FieldError("name", "required for an organisation not in the registry");
      }
      MP_RETURN_IF_ERROR(ctx_.store.PutOrganization({.orgno = body.orgno, .name = *body.name}));
      name = body.name;
      digdir = digdir || body.orgno == kLocalDigdirOrg;
    }
    if (!digdir) {
      MP_RETURN_IF_ERROR(ctx_.store.PutOrganization(
          {.orgno = std::string(kLocalDigdirOrg), .name = std::string(kLocalDigdirOrgName)}));
    }
    return *name;
  }

  // The four admin scopes, owned by the local Digdir org, created when missing (an existing scope
  // is left as it is, even when deactivated: then the token service refuses, as it would).
  Status EnsureAdminScopes() const MP_REQUIRES(mu_) {
    ScopeRecord base;
    base.prefix = "idporten";
    base.owner_orgno = std::string(kLocalDigdirOrg);
    base.visibility = ScopeVisibility::kPrivate;
    base.created = base.last_updated = Now();
    return registry::EnsureScopes(ctx_.store, base, kAdminScopes);
  }

  // APPROVED access to each admin scope the org does not own (DENIED or REQUESTED become
  // APPROVED: logging in is the local Digdir saying yes).
  Status EnsureAccess(const std::string& orgno) const MP_REQUIRES(mu_) {
    const int64_t now = Now();
    for (const registry::ProvidedScope& admin : kAdminScopes) {
      MP_ASSIGN_OR_RETURN(std::optional<ScopeRecord> scope, ctx_.store.GetScope(admin.name));
      if (!scope) return Status(Errc::kInternal, "scope " + std::string(admin.name) + " vanished");
      if (scope->owner_orgno == orgno) continue;
      MP_ASSIGN_OR_RETURN(std::optional<ScopeAccess> access,
                          ctx_.store.GetAccess(admin.name, orgno));
      if (access && access->state == AccessState::kApproved) continue;
      MP_RETURN_IF_ERROR(ctx_.store.PutAccess({.scope = scope->name,
                                               .consumer_orgno = orgno,
                                               .owner_orgno = scope->owner_orgno,
                                               .state = AccessState::kApproved,
                                               .created = access ? access->created : now,
                                               .last_updated = now}));
    }
    return OkStatus();
  }

  // The client "local-web-<orgno>" as the login wants it; an existing one is brought back to that
  // only when something differs (a second login changes nothing).
  Status EnsureClient(const std::string& orgno, const std::string& client_id) const
      MP_REQUIRES(mu_) {
    ClientRecord want;
    want.client_id = client_id;
    want.client_name = "Local web login";
    want.description = "The local web pages' login (local Maskinporten only)";
    want.scopes = WebClientScopes();
    want.client_orgno = orgno;
    want.access_token_lifetime = kLocalWebTokenLifetime;
    want.active = true;
    MP_ASSIGN_OR_RETURN(std::optional<ClientRecord> existing, ctx_.store.GetClient(client_id));
    const int64_t now = Now();
    if (!existing) {
      want.created = want.last_updated = now;
      return ctx_.store.CreateClient(want);
    }
    want.created = existing->created;
    want.last_updated = existing->last_updated;
    if (want == *existing) return OkStatus();
    want.last_updated = now;
    return ctx_.store.UpdateClient(want);
  }

  // The client's JWKS is the web-login key alone, uploaded anew when it is another key (a new
  // server start) or its upload is old.
  Status EnsureKey(const std::string& client_id, const WebKey& key) const MP_REQUIRES(mu_) {
    MP_ASSIGN_OR_RETURN(ClientJwks jwks, ctx_.store.GetClientKeys(client_id));
    const int64_t now = Now();
    if (jwks.keys.size() == 1 && jwks.keys[0].kid == key.kid && jwks.keys[0].created <= now &&
        now - jwks.keys[0].created < kKeyRenewSeconds) {
      return OkStatus();
    }
    MP_ASSIGN_OR_RETURN(ClientKey registered,
                        registry::ParseRegisteredJwk(key.jwk, "keys[0]", now));
    return ctx_.store.ReplaceClientKeys(client_id, {registered}, now);
  }

  // The web-login key, made (or read from the context) at the first login.
  Result<const WebKey*> Key() const MP_REQUIRES(mu_) {
    if (!key_) {
      std::optional<PrivateKey> key;
      if (ctx_.key_pem.empty()) {
        MP_ASSIGN_OR_RETURN(key, PrivateKey::Generate(Algorithm::kRS256, 2048));
      } else {
        MP_ASSIGN_OR_RETURN(key, PrivateKey::FromPem(ctx_.key_pem));
      }
      if (key->type() != KeyType::kRsa) {
        return Status(Errc::kInvalidKey, "the web-login key must be RSA");
      }
      std::string kid = key->public_key().Thumbprint();
      Json jwk =
          Json::parse(PublicKeyToJwk(key->public_key(), {.kid = kid, .alg = Algorithm::kRS256}),
                      nullptr, /*allow_exceptions=*/false);
      key_ = std::make_unique<WebKey>(WebKey{.key = *key, .kid = kid, .jwk = std::move(jwk)});
    }
    return key_.get();
  }

  LocalLoginContext ctx_;
  mutable Mutex mu_;
  mutable std::unique_ptr<WebKey> key_ MP_GUARDED_BY(mu_);
};

}  // namespace

// A browser sends Origin with every cross-origin POST; the login answers only its own pages (and
// clients without a browser, which send none). Host must then name loopback too, so a DNS name
// rebound to 127.0.0.1 cannot use it.
bool IsOwnOrigin(const http::HttpRequest& req) {
  const std::string* origin = req.Header("origin");
  if (origin == nullptr) return true;
  const std::string* host = req.Header("host");
  if (host == nullptr) return false;
  std::optional<HostPort> authority = ParseHostPort(*host);
  if (!authority || !IsLoopbackHost(*authority)) return false;
  return *origin == "http://" + *host || *origin == "https://" + *host;
}

bool IsLoopbackRemote(std::string_view remote) {
  std::string_view host = RemoteHost(remote);
  // A peer address is numeric, never a name such as "localhost".
  if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) return false;
  // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d.
  constexpr std::string_view kMapped = "::ffff:";
  if (host.size() > kMapped.size() && host.substr(0, kMapped.size()) == kMapped &&
      host.find('.') != std::string_view::npos) {
    host.remove_prefix(kMapped.size());
  }
  return IsLoopbackHost(host);
}

void AddLocalLoginRoutes(http::Router& router, const LocalLoginContext& ctx) {
  auto login = std::make_shared<const LocalLogin>(ctx);
  router.Add("GET", "/local-login/organisations",
             [login](const http::HttpRequest& r) { return login->Organisations(r); });
  router.Add("POST", "/local-login/token",
             [login](const http::HttpRequest& r) { return login->Token(r); });
}

}  // namespace mp::server
