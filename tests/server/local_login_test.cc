// The web pages' local login (local_login.h) as handlers over an in-memory registry and a real
// TokenService (FakeClock, no sockets): the organisations list, onboarding of a registered and a
// new organisation, the token it gets and what it may do, idempotence, the refusals (400 naming
// the field, 403 for other peers and origins) and a token-service refusal passed through; then
// over real sockets with LocalMaskinporten, with the pages on and off.
#include "server/handlers/local_login.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mutex.h"
#include "maskinporten/http.h"
#include "maskinporten/local_maskinporten.h"
#include "server/altinn/altinn_consent.h"
#include "server/api_test_util.h"
#include "server/token/access_token.h"
#include "testing/jose_fixtures.h"

namespace mp::server {
namespace {

using api_testing::ApiBody;
using api_testing::kApiIssuer;
using Json = nlohmann::json;

constexpr std::string_view kSeededOrg = "910753614";  // TEST FORSIKRING AS
constexpr std::string_view kNewOrg = "974760673";     // not registered
constexpr std::string_view kWebClient = "local-web-910753614";

std::vector<std::string> WebScopes() {
  return {"idporten:dcr.read",
          "idporten:dcr.write",
          "idporten:dcr.modify",
          "idporten:scopes.write",
          "altinn:consentrequests.read",
          "altinn:consentrequests.write",
          "altinn:consenttokens",
          "altinn:authentication/systemregister.write",
          "altinn:authentication/systemuser.request.write",
          "altinn:authentication/systemuser.request.read"};
}

std::string HeaderOf(const http::HttpResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

// ApiEnv (registry, signing keys, /api/v1 routes) with a TokenService, the Altinn scopes (as the
// server makes them at start), one registered organisation and the login routes (the web-login
// key from the shared test key).
struct LoginEnv : api_testing::ApiEnv {
  std::unique_ptr<ReplayStore> replay = NewMemoryReplayStore();
  std::unique_ptr<TokenService> tokens;
  Mutex mu;
  std::vector<TokenOutcome> outcomes MP_GUARDED_BY(mu);

  LoginEnv() {
    tokens = std::make_unique<TokenService>(config, *store, *replay, *keys, clock);
    tokens->on_outcome = [this](const TokenOutcome& o) {
      MutexLock lock(mu);
      outcomes.push_back(o);
    };
    EXPECT_TRUE(EnsureAltinnScopes(*store, clock).ok());
    EXPECT_TRUE(
        store->PutOrganization({.orgno = std::string(kSeededOrg), .name = "TEST FORSIKRING AS"})
            .ok());
    AddLocalLoginRoutes(router,
                        {.store = *store,
                         .tokens = *tokens,
                         .config = config,
                         .clock = clock,
                         .key_pem = mp::testing::OtherTestKey(Algorithm::kRS256).ToPkcs8Pem()});
  }

  http::HttpResponse Login(std::string_view body, std::string remote = "127.0.0.1:54321",
                           std::vector<std::pair<std::string, std::string>> headers = {}) const {
    http::HttpRequest req;
    req.method = "POST";
    req.target = req.path = "/local-login/token";
    req.headers = std::move(headers);
    req.headers.emplace_back("content-type", "application/json");
    req.body = std::string(body);
    req.remote = std::move(remote);
    req.trace_id = "0123456789abcdef0123456789abcdef";
    return router.Dispatch(std::move(req));
  }
  http::HttpResponse LoginAs(std::string_view orgno) const {
    return Login(Json{{"orgno", orgno}}.dump());
  }

  std::vector<TokenOutcome> Outcomes() {
    MutexLock lock(mu);
    return outcomes;
  }

  // Everything the login may write, to compare before and after.
  struct Snapshot {
    std::vector<Organization> orgs;
    std::vector<ScopeRecord> scopes;
    std::vector<ScopeAccess> access;
    std::vector<ClientRecord> clients;
    ClientJwks jwks;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot Take(std::string_view orgno, std::string_view client_id) const {
    Snapshot s;
    s.orgs = *store->ListOrganizations();
    s.scopes = *store->ListScopes("", true);
    s.access = *store->ListAccessForConsumer(orgno);
    s.clients = *store->ListClients("", true);
    Result<ClientJwks> jwks = store->GetClientKeys(client_id);
    if (jwks.ok()) s.jwks = *jwks;
    return s;
  }
};

TEST(LocalLogin, OrganisationsListsTheRegistryByOrgnoWithoutTheLocalAltinnOrg) {
  LoginEnv env;
  ASSERT_TRUE(env.store->PutOrganization({.orgno = "974760673", .name = "OUTSIDER AS"}).ok());
  ASSERT_TRUE(
      env.store->PutOrganization({.orgno = "311654306", .name = "TEST REGNSKAPSSYSTEM AS"}).ok());
  http::HttpResponse r = env.Call("GET", "/local-login/organisations", "", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"organisations":[{"orgno":"311654306","name":"TEST REGNSKAPSSYSTEM AS"},)"
                    R"({"orgno":"910753614","name":"TEST FORSIKRING AS"},)"
                    R"({"orgno":"974760673","name":"OUTSIDER AS"}]})");
}

TEST(LocalLogin, LoginForARegisteredOrgAnswersAnAccessTokenForThatOrg) {
  LoginEnv env;
  http::HttpResponse r = env.LoginAs(kSeededOrg);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-store");
  Json body = ApiBody(r);
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], kLocalWebTokenLifetime - 1);  // the token service's lifetime - 1
  EXPECT_EQ(body["scope"],
            "idporten:dcr.read idporten:dcr.write idporten:dcr.modify idporten:scopes.write "
            "altinn:consentrequests.read altinn:consentrequests.write altinn:consenttokens "
            "altinn:authentication/systemregister.write "
            "altinn:authentication/systemuser.request.write "
            "altinn:authentication/systemuser.request.read");
  EXPECT_EQ(body["orgno"], kSeededOrg);
  EXPECT_EQ(body["org_name"], "TEST FORSIKRING AS");
  EXPECT_EQ(body["client_id"], kWebClient);
  EXPECT_EQ(body["issuer"], kApiIssuer);

  Result<IssuedTokenClaims> claims =
      VerifyIssuedToken(body["access_token"].get<std::string>(), *env.keys, env.config, env.clock);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->consumer_orgno, kSeededOrg);
  EXPECT_EQ(claims->supplier_orgno, "");
  EXPECT_EQ(claims->client_id, kWebClient);
  EXPECT_EQ(claims->scopes, WebScopes());
  EXPECT_EQ(claims->exp, env.clock.NowSeconds() + kLocalWebTokenLifetime);
}

TEST(LocalLogin, TheTokenWorksOnTheSelfServiceApi) {
  LoginEnv env;
  http::HttpResponse login = env.LoginAs(kSeededOrg);
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string token = ApiBody(login)["access_token"];
  http::HttpResponse clients = env.Call("GET", "/api/v1/clients", "", token);
  ASSERT_EQ(clients.status, 200) << clients.body;
  Json list = ApiBody(clients);
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["client_id"], kWebClient);
  EXPECT_EQ(list[0]["client_name"], "Local web login");
  EXPECT_EQ(list[0]["access_token_lifetime"], kLocalWebTokenLifetime);
  EXPECT_EQ(list[0]["scopes"], Json(WebScopes()));
  // A scope-owner route and a write work too: every admin scope is in the token.
  EXPECT_EQ(env.Call("GET", "/api/v1/scopes", "", token).status, 200);
  http::HttpResponse created = env.Call(
      "POST", "/api/v1/clients", R"({"client_name":"made from the web","scopes":[]})", token);
  EXPECT_EQ(created.status, 201) << created.body;
}

TEST(LocalLogin, OnboardingMakesDigdirTheAdminScopesApprovedAccessAndTheClient) {
  LoginEnv env;
  ASSERT_EQ(env.LoginAs(kSeededOrg).status, 200);
  std::vector<Organization> orgs = *env.store->ListOrganizations();
  EXPECT_NE(
      std::find(orgs.begin(), orgs.end(),
                Organization{.orgno = "991825827", .name = "DIGITALISERINGSDIREKTORATET (local)"}),
      orgs.end());
  for (const char* name : {"idporten:dcr.read", "idporten:dcr.write", "idporten:dcr.modify",
                           "idporten:scopes.write"}) {
    SCOPED_TRACE(name);
    std::optional<ScopeRecord> scope = *env.store->GetScope(name);
    ASSERT_TRUE(scope.has_value());
    EXPECT_EQ(scope->owner_orgno, "991825827");
    EXPECT_TRUE(scope->active);
    EXPECT_FALSE(scope->accessible_for_all);
    std::optional<ScopeAccess> access = *env.store->GetAccess(name, kSeededOrg);
    ASSERT_TRUE(access.has_value());
    EXPECT_EQ(access->state, AccessState::kApproved);
    EXPECT_EQ(access->owner_orgno, "991825827");
  }
  std::optional<ClientRecord> client = *env.store->GetClient(kWebClient);
  ASSERT_TRUE(client.has_value());
  EXPECT_EQ(client->client_orgno, kSeededOrg);
  EXPECT_EQ(client->scopes, WebScopes());
  EXPECT_TRUE(client->active);
  ClientJwks jwks = *env.store->GetClientKeys(kWebClient);
  ASSERT_EQ(jwks.keys.size(), 1u);
  EXPECT_EQ(jwks.keys[0].kid,
            mp::testing::OtherTestKey(Algorithm::kRS256).public_key().Thumbprint());
  EXPECT_EQ(Json::parse(jwks.keys[0].jwk_json).count("d"), 0u);
}

TEST(LocalLogin, LoginForANewOrgRegistersItWithTheGivenName) {
  LoginEnv env;
  http::HttpResponse r = env.Login(Json{{"orgno", kNewOrg}, {"name", "NEW ORG AS"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  Json body = ApiBody(r);
  EXPECT_EQ(body["org_name"], "NEW ORG AS");
  EXPECT_EQ(body["client_id"], "local-web-974760673");
  Result<IssuedTokenClaims> claims =
      VerifyIssuedToken(body["access_token"].get<std::string>(), *env.keys, env.config, env.clock);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->consumer_orgno, kNewOrg);
  http::HttpResponse list = env.Call("GET", "/local-login/organisations", "", "");
  EXPECT_NE(list.body.find(R"({"orgno":"974760673","name":"NEW ORG AS"})"), std::string::npos)
      << list.body;
}

TEST(LocalLogin, ARegisteredOrgKeepsItsRegistryName) {
  LoginEnv env;
  http::HttpResponse r =
      env.Login(Json{{"orgno", kSeededOrg}, {"name", "SOMETHING ELSE AS"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ApiBody(r)["org_name"], "TEST FORSIKRING AS");
  std::vector<Organization> orgs = *env.store->ListOrganizations();
  EXPECT_NE(std::find(orgs.begin(), orgs.end(),
                      Organization{.orgno = std::string(kSeededOrg), .name = "TEST FORSIKRING AS"}),
            orgs.end());
}

TEST(LocalLogin, ASecondLoginChangesNothingInTheRegistry) {
  LoginEnv env;
  ASSERT_EQ(env.LoginAs(kSeededOrg).status, 200);
  LoginEnv::Snapshot before = env.Take(kSeededOrg, kWebClient);
  env.clock.Advance(std::chrono::hours(1));
  http::HttpResponse again = env.LoginAs(kSeededOrg);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(env.Take(kSeededOrg, kWebClient) == before);
  EXPECT_EQ(env.Outcomes().size(), 2u);
}

TEST(LocalLogin, ALoginRenewsAnOldKeyUploadAndRepairsAChangedClient) {
  LoginEnv env;
  ASSERT_EQ(env.LoginAs(kSeededOrg).status, 200);
  // Someone narrowed the client through the API and deactivated it.
  ClientRecord changed = **env.store->GetClient(kWebClient);
  changed.scopes = {"idporten:dcr.read"};
  changed.active = false;
  ASSERT_TRUE(env.store->UpdateClient(changed).ok());
  env.clock.Advance(std::chrono::hours(24 * 40));
  http::HttpResponse r = env.LoginAs(kSeededOrg);
  ASSERT_EQ(r.status, 200) << r.body;
  ClientRecord client = **env.store->GetClient(kWebClient);
  EXPECT_TRUE(client.active);
  EXPECT_EQ(client.scopes, WebScopes());
  EXPECT_EQ(client.last_updated, env.clock.NowSeconds());
  EXPECT_EQ(env.store->GetClientKeys(kWebClient)->keys[0].created, env.clock.NowSeconds());
}

TEST(LocalLogin, ADeniedAdminAccessIsApprovedAgainByTheLogin) {
  LoginEnv env;
  ASSERT_EQ(env.LoginAs(kSeededOrg).status, 200);
  ScopeAccess denied = **env.store->GetAccess("idporten:dcr.write", kSeededOrg);
  denied.state = AccessState::kDenied;
  ASSERT_TRUE(env.store->PutAccess(denied).ok());
  ASSERT_EQ(env.LoginAs(kSeededOrg).status, 200);
  EXPECT_EQ((*env.store->GetAccess("idporten:dcr.write", kSeededOrg))->state,
            AccessState::kApproved);
}

struct BadBody {
  std::string body;
  std::string description_prefix;
};

TEST(LocalLogin, BadBodiesAnswer400NamingTheFieldAndStoreNothing) {
  const std::vector<BadBody> cases = {
      {R"({"orgno":"12345"})", R"(orgno: "12345" is not a valid organisation number)"},
      {R"({"orgno":"9107536140"})", "orgno: "},
      {R"({"orgno":"910753615"})", R"(orgno: "910753615" is not a valid organisation number)"},
      {R"({"orgno":"974760673"})", "name: required for an organisation not in the registry"},
      {R"({"orgno":"974760673","name":""})", "name: must be 1-200 bytes"},
      {R"({"orgno":"974760673","name":"A\nB"})", "name: must be 1-200 bytes"},
      {R"({"orgno":"974760673","name":7})", "name: must be a string"},
      {R"({"orgno":"910753614","extra":1})", "extra: unknown member"},
      {R"({"orgno":"910753614","orgno":"910753614"})", "orgno: given twice"},
      {R"({})", "orgno: required"},
      {R"({"orgno":910753614})", "orgno: must be a string"},
      {R"(not json)", "body: "},
      {R"(["910753614"])", "body: "},
      {"", "body: "},
  };
  LoginEnv env;
  const LoginEnv::Snapshot before = env.Take(kSeededOrg, kWebClient);
  for (const BadBody& c : cases) {
    SCOPED_TRACE(c.body);
    http::HttpResponse r = env.Login(c.body);
    EXPECT_EQ(r.status, 400) << r.body;
    Json body = ApiBody(r);
    EXPECT_EQ(body["error"], "invalid_request");
    EXPECT_EQ(body["error_description"].get<std::string>().rfind(c.description_prefix, 0), 0u)
        << body["error_description"];
  }
  EXPECT_TRUE(env.Take(kSeededOrg, kWebClient) == before);
  EXPECT_TRUE(env.Outcomes().empty());
}

TEST(LocalLogin, NonLoopbackPeersAreForbidden) {
  LoginEnv env;
  const LoginEnv::Snapshot before = env.Take(kSeededOrg, kWebClient);
  for (const char* remote : {"192.0.2.10:5000", "[2001:db8::1]:443", "10.0.0.1:1", "",
                             "128.0.0.1:1", "127.0.0.1.example:1"}) {
    SCOPED_TRACE(remote);
    http::HttpResponse r = env.Login(R"({"orgno":"910753614"})", remote);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(ApiBody(r)["error"], "forbidden");
  }
  EXPECT_TRUE(env.Take(kSeededOrg, kWebClient) == before);
  for (const char* remote : {"127.0.0.1:54321", "127.1.2.3:1", "[::1]:8080", "::1"}) {
    SCOPED_TRACE(remote);
    EXPECT_EQ(env.Login(R"({"orgno":"910753614"})", remote).status, 200);
  }
}

TEST(LocalLogin, IsLoopbackRemoteKnowsTheLoopbackForms) {
  EXPECT_TRUE(IsLoopbackRemote("127.0.0.1:54321"));
  EXPECT_TRUE(IsLoopbackRemote("127.255.0.9:1"));
  EXPECT_TRUE(IsLoopbackRemote("[::1]:54321"));
  EXPECT_TRUE(IsLoopbackRemote("::1"));
  EXPECT_TRUE(IsLoopbackRemote("[::ffff:127.0.0.1]:80"));
  EXPECT_FALSE(IsLoopbackRemote("localhost:80"));  // a peer address is never a name
  EXPECT_FALSE(IsLoopbackRemote("[::2]:1"));
  EXPECT_FALSE(IsLoopbackRemote("127.0.0:1"));
  EXPECT_FALSE(IsLoopbackRemote("[::1"));
  // The grant layer's strict forms: no leading zeros, no short forms, no mapped non-loopback.
  EXPECT_TRUE(IsLoopbackRemote("::ffff:127.0.0.1"));
  EXPECT_FALSE(IsLoopbackRemote("127.000.0.1:1"));
  EXPECT_FALSE(IsLoopbackRemote("127.1:1"));
  EXPECT_FALSE(IsLoopbackRemote("[::ffff:10.0.0.1]:1"));
  EXPECT_FALSE(IsLoopbackRemote("LOCALHOST:1"));
}

TEST(LocalLogin, ABrowserRequestFromAnotherOriginIsForbidden) {
  LoginEnv env;
  const std::string body = R"({"orgno":"910753614"})";
  http::HttpResponse foreign =
      env.Login(body, "127.0.0.1:1", {{"host", "127.0.0.1:7100"}, {"origin", "https://evil.test"}});
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  // DNS rebinding: a foreign name that resolves to loopback is same-origin to the browser.
  http::HttpResponse rebound = env.Login(
      body, "127.0.0.1:1", {{"host", "evil.test:7100"}, {"origin", "http://evil.test:7100"}});
  EXPECT_EQ(rebound.status, 403) << rebound.body;
  EXPECT_EQ(env.store->GetClient(kWebClient)->has_value(), false);
  http::HttpResponse own = env.Login(
      body, "127.0.0.1:1", {{"host", "127.0.0.1:7100"}, {"origin", "http://127.0.0.1:7100"}});
  EXPECT_EQ(own.status, 200) << own.body;
  http::HttpResponse local =
      env.Login(body, "[::1]:1", {{"host", "localhost:7100"}, {"origin", "http://localhost:7100"}});
  EXPECT_EQ(local.status, 200) << local.body;
}

TEST(LocalLogin, ATokenServiceRefusalIsPassedThroughUnchanged) {
  LoginEnv env;
  ASSERT_EQ(env.LoginAs(kSeededOrg).status, 200);
  // Digdir deactivated an admin scope: the login leaves existing scopes alone, and the token
  // service refuses as it would any client (MP-201).
  ScopeRecord scope = **env.store->GetScope("idporten:dcr.modify");
  scope.active = false;
  ASSERT_TRUE(env.store->UpdateScope(scope).ok());
  http::HttpResponse r = env.LoginAs(kSeededOrg);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.labels.outcome, "MP-201");
  Json body = ApiBody(r);
  EXPECT_EQ(body["error_uri"], std::string(kApiIssuer) + "errors/MP-201");
  EXPECT_NE(body["error_description"].get<std::string>().find(
                "(trace_id: 0123456789abcdef0123456789abcdef)"),
            std::string::npos);
  EXPECT_EQ(body.count("access_token"), 0u);
  std::vector<TokenOutcome> outcomes = env.Outcomes();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].issued);
  EXPECT_FALSE(outcomes[1].issued);
  EXPECT_EQ(outcomes[1].client_id, kWebClient);
  EXPECT_EQ(outcomes[1].mp_code, "MP-201");
}

TEST(LocalLogin, ConcurrentFirstLoginsOfOneOrgAllSucceed) {
  LoginEnv env;
  std::vector<int> statuses(4, 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&env, &statuses, i] {
      statuses[i] = env.Login(Json{{"orgno", kNewOrg}, {"name", "NEW ORG AS"}}.dump()).status;
    });
  }
  for (std::thread& t : threads) t.join();
  for (int s : statuses) EXPECT_EQ(s, 200);
  EXPECT_EQ(env.store->ListClients(kNewOrg, true)->size(), 1u);
}

// ---- over sockets

std::unique_ptr<LocalMaskinporten> StartServer(bool web) {
  LocalMaskinportenOptions o;
  o.seed_json = R"({"organizations":[{"orgno":"910753614","name":"TEST FORSIKRING AS"}]})";
  o.signing_key_pem = mp::testing::TestKey(Algorithm::kRS256).ToPkcs8Pem();
  o.web_login_key_pem = mp::testing::OtherTestKey(Algorithm::kRS256).ToPkcs8Pem();
  o.threads = 2;
  o.web = web;
  Result<std::unique_ptr<LocalMaskinporten>> s = LocalMaskinporten::Start(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) std::abort();
  return std::move(s).value();
}

TEST(LocalLogin, ServedByLocalMaskinportenWithThePages) {
  std::unique_ptr<LocalMaskinporten> server = StartServer(true);
  std::unique_ptr<HttpClient> http = MakeCurlHttpClient();
  Result<mp::HttpResponse> page = http->Send({.method = "GET", .url = server->base_url() + "/"});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->Header("content-type").value_or(""), "text/html; charset=utf-8");
  EXPECT_NE(page->Header("content-security-policy").value_or("").find("default-src 'self'"),
            std::string::npos);
  Result<mp::HttpResponse> login =
      http->Send({.method = "POST",
                  .url = server->base_url() + "/local-login/token",
                  .headers = {{"Content-Type", "application/json"}, {"Origin", server->base_url()}},
                  .body = R"({"orgno":"910753614"})"});
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  ASSERT_EQ(login->status, 200) << login->body;
  Json body = Json::parse(login->body);
  EXPECT_EQ(body["issuer"], server->issuer());
  Result<mp::HttpResponse> clients = http->Send(
      {.method = "GET",
       .url = server->base_url() + "/api/v1/clients",
       .headers = {{"Authorization", "Bearer " + body["access_token"].get<std::string>()}}});
  ASSERT_TRUE(clients.ok());
  EXPECT_EQ(clients->status, 200) << clients->body;
}

TEST(LocalLogin, WebOffAnswers404ForPagesAndLogin) {
  std::unique_ptr<LocalMaskinporten> server = StartServer(false);
  std::unique_ptr<HttpClient> http = MakeCurlHttpClient();
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/"},
                                                        {"GET", "/index.html"},
                                                        {"GET", "/local-login/organisations"},
                                                        {"POST", "/local-login/token"}}) {
    SCOPED_TRACE(method + " " + path);
    Result<mp::HttpResponse> r =
        http->Send({.method = method,
                    .url = server->base_url() + path,
                    .headers = {{"Content-Type", "application/json"}},
                    .body = method == "POST" ? R"({"orgno":"910753614"})" : ""});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 404) << r->body;
  }
  Result<mp::HttpResponse> health =
      http->Send({.method = "GET", .url = server->base_url() + "/health"});
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace mp::server
