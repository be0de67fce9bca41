#include "server/handlers/self_service_api.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grant/grant_rules.h"
#include "server/api_test_util.h"

namespace mp::server {
namespace {

using api_testing::ApiBody;
using api_testing::ApiEnv;
using api_testing::HeaderValue;
using api_testing::kOrgA;
using api_testing::kOrgB;
using api_testing::kOutsiderOrg;
using api_testing::kOwnerOrg;
using api_testing::RsaJwk;
using nlohmann::json;

constexpr std::string_view kTt02 = "https://tt02.altinn.no/";

// A registry with the scopes most tests use (owner kOwnerOrg):
//   test:read        APPROVED for kOrgA
//   test:open        accessible_for_all
//   test:delegable   delegation_source tt02, APPROVED for kOrgA
//   test:private     no access for anyone
class SelfServiceApi : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.AddScope("test:read", kOwnerOrg);
    env_.Grant("test:read", kOrgA);
    env_.AddScope("test:open", kOwnerOrg, /*accessible_for_all=*/true);
    env_.AddScope("test:delegable", kOwnerOrg, false, kTt02);
    env_.Grant("test:delegable", kOrgA);
    env_.AddScope("test:private", kOwnerOrg);
    token_a_ = env_.Token(kOrgA);
    token_b_ = env_.Token(kOrgB);
    token_owner_ = env_.Token(kOwnerOrg);
  }

  http::HttpResponse Call(std::string_view method, std::string_view target, const json& body,
                          const std::string& token) {
    return env_.Call(method, target, body.is_null() ? "" : body.dump(), token);
  }

  // Creates a client for kOrgA and returns its id.
  std::string CreateClientA(const json& extra = json::object()) {
    json body = {{"client_name", "forsikring"}, {"scopes", {"test:read"}}};
    body.update(extra);
    http::HttpResponse r = Call("POST", "/api/v1/clients", body, token_a_);
    EXPECT_EQ(r.status, 201) << r.body;
    return ApiBody(r).value("client_id", "");
  }

  std::vector<ClientRecord> ClientsOf(std::string_view org) {
    return env_.store->ListClients(org, /*include_inactive=*/true).value();
  }

  ApiEnv env_;
  std::string token_a_, token_b_, token_owner_;
};

// The member names of a response body's top-level object, in wire order.
std::vector<std::string> Keys(const http::HttpResponse& response) {
  std::vector<std::string> out;
  const nlohmann::ordered_json body = nlohmann::ordered_json::parse(response.body);
  for (const auto& [k, v] : body.items()) out.push_back(k);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Authentication (RFC 6750)

TEST_F(SelfServiceApi, NoTokenAnswers401WithBareChallenge) {
  http::HttpResponse r = env_.Call("GET", "/api/v1/clients", "", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(HeaderValue(r, "WWW-Authenticate"), "Bearer realm=\"maskinporten\"");
}

TEST_F(SelfServiceApi, NonBearerSchemeCountsAsNoToken) {
  http::HttpRequest req{.method = "GET", .target = "/api/v1/clients", .path = "/api/v1/clients"};
  req.headers.emplace_back("authorization", "Basic dXNlcjpwYXNz");
  http::HttpResponse r = env_.router.Dispatch(req);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(HeaderValue(r, "WWW-Authenticate"), "Bearer realm=\"maskinporten\"");
}

TEST_F(SelfServiceApi, BearerSchemeIsCaseInsensitive) {
  http::HttpRequest req{.method = "GET", .target = "/api/v1/clients", .path = "/api/v1/clients"};
  req.headers.emplace_back("authorization", "bEaReR " + token_a_);
  EXPECT_EQ(env_.router.Dispatch(req).status, 200);
}

TEST_F(SelfServiceApi, BadTokenAnswers401InvalidToken) {
  http::HttpResponse r = env_.Call("GET", "/api/v1/clients", "", "not.a.token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(HeaderValue(r, "WWW-Authenticate"),
            "Bearer realm=\"maskinporten\", error=\"invalid_token\", "
            "error_description=\"The access token is invalid\"");
  EXPECT_EQ(ApiBody(r)["error"], "invalid_token");
}

TEST_F(SelfServiceApi, TamperedTokenAnswers401InvalidToken) {
  std::string token = token_a_;
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  http::HttpResponse r = env_.Call("GET", "/api/v1/clients", "", token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(HeaderValue(r, "WWW-Authenticate"),
            "Bearer realm=\"maskinporten\", error=\"invalid_token\", "
            "error_description=\"The access token is invalid\"");
}

TEST_F(SelfServiceApi, ExpiredTokenAnswers401Expired) {
  std::string token = env_.Token(kOrgA, api_testing::AdminScopes(), 60);
  env_.clock.Advance(std::chrono::seconds(60 + grant_internal::kMaxClockSkewSeconds + 1));
  http::HttpResponse r = env_.Call("GET", "/api/v1/clients", "", token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(HeaderValue(r, "WWW-Authenticate"),
            "Bearer realm=\"maskinporten\", error=\"invalid_token\", "
            "error_description=\"The access token expired\"");
}

TEST_F(SelfServiceApi, TokenWithoutScopeAnswers403InsufficientScope) {
  std::string token = env_.Token(kOrgA, {"idporten:dcr.read"});
  http::HttpResponse r = Call("POST", "/api/v1/clients", {{"client_name", "x"}}, token);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(HeaderValue(r, "WWW-Authenticate"),
            "Bearer realm=\"maskinporten\", error=\"insufficient_scope\", "
            "scope=\"idporten:dcr.write\"");
  EXPECT_EQ(ApiBody(r)["error"], "insufficient_scope");
  EXPECT_TRUE(ClientsOf(kOrgA).empty());
}

struct RouteScope {
  const char* method;
  const char* target;
  const char* scope;  // "" = any valid token
};

TEST_F(SelfServiceApi, EveryRouteNeedsItsScope) {
  const std::string id = CreateClientA();
  const std::string c = "/api/v1/clients/" + id;
  const std::vector<RouteScope> routes = {
      {"GET", "/api/v1/clients", "idporten:dcr.read"},
      {"POST", "/api/v1/clients", "idporten:dcr.write"},
      {"GET", "", "idporten:dcr.read"},
      {"PUT", "", "idporten:dcr.modify"},
      {"DELETE", "", "idporten:dcr.modify"},
      {"GET", "/jwks", "idporten:dcr.read"},
      {"POST", "/jwks", "idporten:dcr.modify"},
      {"PUT", "/jwks", "idporten:dcr.modify"},
      {"GET", "/api/v1/scopes", "idporten:scopes.write"},
      {"POST", "/api/v1/scopes", "idporten:scopes.write"},
      {"PUT", "/api/v1/scopes?scope=test:read", "idporten:scopes.write"},
      {"DELETE", "/api/v1/scopes?scope=test:read", "idporten:scopes.write"},
      {"GET", "/api/v1/scopes/access?scope=test:read", "idporten:scopes.write"},
      {"PUT", "/api/v1/scopes/access/974760673?scope=test:read", "idporten:scopes.write"},
      {"DELETE", "/api/v1/scopes/access/974760673?scope=test:read", "idporten:scopes.write"},
      {"GET", "/api/v1/scopes/access/all", "idporten:dcr.read"},
      {"GET", "/api/v1/delegations", "idporten:dcr.read"},
      {"POST", "/api/v1/delegations", "idporten:dcr.write"},
      {"DELETE", "/api/v1/delegations?supplier_orgno=311654306&scope=test:delegable",
       "idporten:dcr.write"},
  };
  const std::string no_scopes = env_.Token(kOrgA, {"altinn:broker.read"});
  for (const RouteScope& route : routes) {
    std::string target = route.target;
    if (target.empty() || target[0] != '/' || target.rfind("/jwks", 0) == 0) target = c + target;
    http::HttpResponse r = env_.Call(route.method, target, "{}", no_scopes);
    EXPECT_EQ(r.status, 403) << route.method << " " << target;
    EXPECT_EQ(HeaderValue(r, "WWW-Authenticate"),
              std::string("Bearer realm=\"maskinporten\", error=\"insufficient_scope\", scope=\"") +
                  route.scope + "\"")
        << route.method << " " << target;
  }
  // Routes open to any valid token.
  for (const char* target : {"/api/v1/scopes/all", "/api/v1/delegationsources"}) {
    EXPECT_EQ(env_.Call("GET", target, "", no_scopes).status, 200) << target;
    EXPECT_EQ(env_.Call("GET", target, "", "").status, 401) << target;
  }
}

// ---------------------------------------------------------------------------------------------
// Clients

TEST_F(SelfServiceApi, CreatesClientWithNewUuidOwnedByCaller) {
  http::HttpResponse r = Call("POST", "/api/v1/clients",
                              {{"client_name", "forsikring"},
                               {"description", "henter data"},
                               {"integration_type", "maskinporten"},
                               {"token_endpoint_auth_method", "private_key_jwt"},
                               {"grant_types", {"urn:ietf:params:oauth:grant-type:jwt-bearer"}},
                               {"scopes", {"test:read", "test:open", "test:delegable"}},
                               {"access_token_lifetime", 300}},
                              token_a_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.labels.route, "api.clients");
  json c = ApiBody(r);
  EXPECT_TRUE(std::regex_match(c["client_id"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")))
      << c["client_id"];
  EXPECT_EQ(c["client_orgno"], kOrgA);
  EXPECT_EQ(c["access_token_lifetime"], 300);
  EXPECT_EQ(c["active"], true);
  EXPECT_EQ(c["created"], "2026-09-21T14:13:20Z");
  EXPECT_EQ(Keys(r), (std::vector<std::string>{
                         "client_id", "client_name", "description", "integration_type",
                         "token_endpoint_auth_method", "grant_types", "scopes", "client_orgno",
                         "access_token_lifetime", "active", "created", "last_updated"}));
  std::optional<ClientRecord> stored =
      env_.store->GetClient(c["client_id"].get<std::string>()).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->client_orgno, kOrgA);
  EXPECT_EQ(stored->scopes, (std::vector<std::string>{"test:read", "test:open", "test:delegable"}));
}

TEST_F(SelfServiceApi, CreateDefaultsLifetimeAndAcceptsShortGrantType) {
  http::HttpResponse r =
      Call("POST", "/api/v1/clients", {{"client_name", "x"}, {"grant_types", {"jwt_bearer_token"}}},
           token_a_);
  ASSERT_EQ(r.status, 201) << r.body;
  json c = ApiBody(r);
  EXPECT_EQ(c["access_token_lifetime"], 120);
  EXPECT_EQ(c["grant_types"], json({"urn:ietf:params:oauth:grant-type:jwt-bearer"}));
}

TEST_F(SelfServiceApi, ListsOwnActiveClientsAndInactiveOnRequest) {
  const std::string a1 = CreateClientA();
  const std::string a2 = CreateClientA({{"client_name", "second"}});
  ASSERT_EQ(Call("POST", "/api/v1/clients", {{"client_name", "b"}}, token_b_).status, 201);
  ASSERT_EQ(env_.Call("DELETE", "/api/v1/clients/" + a2, "", token_a_).status, 200);

  json active = ApiBody(env_.Call("GET", "/api/v1/clients", "", token_a_));
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0]["client_id"], a1);
  json all = ApiBody(env_.Call("GET", "/api/v1/clients?inactive=true", "", token_a_));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(env_.Call("GET", "/api/v1/clients?inactive=maybe", "", token_a_).status, 400);
}

TEST_F(SelfServiceApi, GetsOwnClient) {
  const std::string id = CreateClientA();
  http::HttpResponse r = env_.Call("GET", "/api/v1/clients/" + id, "", token_a_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ApiBody(r)["client_name"], "forsikring");
}

TEST_F(SelfServiceApi, PutReplacesClientAndAcceptsItsOwnGetBack) {
  const std::string id = CreateClientA();
  env_.clock.Advance(std::chrono::seconds(60));
  json got = ApiBody(env_.Call("GET", "/api/v1/clients/" + id, "", token_a_));
  got["client_name"] = "renamed";
  got["scopes"] = {"test:open"};
  http::HttpResponse r = Call("PUT", "/api/v1/clients/" + id, got, token_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  json c = ApiBody(r);
  EXPECT_EQ(c["client_name"], "renamed");
  EXPECT_EQ(c["created"], got["created"]);
  EXPECT_NE(c["last_updated"], got["last_updated"]);
  EXPECT_EQ(env_.store->GetClient(id).value()->scopes, std::vector<std::string>{"test:open"});
}

TEST_F(SelfServiceApi, PutRefusesChangingIntegrationType) {
  const std::string id = CreateClientA();
  http::HttpResponse r = Call("PUT", "/api/v1/clients/" + id,
                              {{"client_name", "x"}, {"integration_type", "idporten"}}, token_a_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ApiBody(r)["error_description"].get<std::string>().rfind("integration_type: ", 0), 0u)
      << r.body;
  EXPECT_EQ(env_.store->GetClient(id).value()->client_name, "forsikring");
}

TEST_F(SelfServiceApi, DeleteDeactivatesClient) {
  const std::string id = CreateClientA();
  http::HttpResponse r = env_.Call("DELETE", "/api/v1/clients/" + id, "", token_a_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ApiBody(r)["active"], false);
  std::optional<ClientRecord> stored = env_.store->GetClient(id).value();
  ASSERT_TRUE(stored.has_value());  // deactivated, never deleted
  EXPECT_FALSE(stored->active);
}

TEST_F(SelfServiceApi, OtherOrgCannotSeeOrChangeClient) {
  const std::string id = CreateClientA();
  const std::string path = "/api/v1/clients/" + id;
  EXPECT_EQ(env_.Call("GET", path, "", token_b_).status, 404);
  EXPECT_EQ(ApiBody(env_.Call("GET", path, "", token_b_))["error"], "not_found");
  EXPECT_EQ(Call("PUT", path, {{"client_name", "stolen"}}, token_b_).status, 404);
  EXPECT_EQ(env_.Call("DELETE", path, "", token_b_).status, 404);
  EXPECT_EQ(env_.Call("GET", path + "/jwks", "", token_b_).status, 404);
  EXPECT_EQ(Call("POST", path + "/jwks", {{"keys", {RsaJwk("evil")}}}, token_b_).status, 404);
  EXPECT_TRUE(ApiBody(env_.Call("GET", "/api/v1/clients?inactive=true", "", token_b_)).empty());
  std::optional<ClientRecord> stored = env_.store->GetClient(id).value();
  EXPECT_EQ(stored->client_name, "forsikring");
  EXPECT_TRUE(stored->active);
  EXPECT_TRUE(env_.store->GetClientKeys(id).value().keys.empty());
}

TEST_F(SelfServiceApi, UnknownClientAnswers404) {
  http::HttpResponse r = env_.Call("GET", "/api/v1/clients/no-such-client", "", token_a_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ApiBody(r)["error"], "not_found");
}

struct BadClient {
  const char* name;
  std::string body;
  std::string field;  // error_description starts with "<field>: "
};

void PrintTo(const BadClient& c, std::ostream* os) { *os << c.name; }

class SelfServiceApiBadClient : public SelfServiceApi,
                                public ::testing::WithParamInterface<BadClient> {};

TEST_P(SelfServiceApiBadClient, RefusedNamingFieldAndStoresNothing) {
  http::HttpResponse r = env_.Call("POST", "/api/v1/clients", GetParam().body, token_a_);
  EXPECT_EQ(r.status, 400) << r.body;
  json body = ApiBody(r);
  EXPECT_EQ(body["error"], "invalid_request");
  EXPECT_EQ(body["error_description"].get<std::string>().rfind(GetParam().field + ": ", 0), 0u)
      << body["error_description"];
  EXPECT_TRUE(ClientsOf(kOrgA).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Fields, SelfServiceApiBadClient,
    ::testing::Values(
        BadClient{"MissingName", R"({"scopes":["test:read"]})", "client_name"},
        BadClient{"EmptyName", R"({"client_name":""})", "client_name"},
        BadClient{"LongName", R"({"client_name":")" + std::string(101, 'x') + "\"}", "client_name"},
        BadClient{"ControlCharInName", R"({"client_name":"a\u0007b"})", "client_name"},
        BadClient{"NameNotString", R"({"client_name":7})", "client_name"},
        BadClient{"LongDescription",
                  R"({"client_name":"x","description":")" + std::string(501, 'd') + "\"}",
                  "description"},
        BadClient{"IdportenType", R"({"client_name":"x","integration_type":"idporten"})",
                  "integration_type"},
        BadClient{"SecretAuth",
                  R"({"client_name":"x","token_endpoint_auth_method":"client_secret_basic"})",
                  "token_endpoint_auth_method"},
        BadClient{"ClientCredentials",
                  R"({"client_name":"x","grant_types":["client_credentials"]})", "grant_types[0]"},
        BadClient{"UnknownScope", R"({"client_name":"x","scopes":["test:read","nope:x"]})",
                  "scopes[1]"},
        BadClient{"ScopeWithoutAccess", R"({"client_name":"x","scopes":["test:private"]})",
                  "scopes[0]"},
        BadClient{"DuplicateScope", R"({"client_name":"x","scopes":["test:read","test:read"]})",
                  "scopes[1]"},
        BadClient{"ScopeNotString", R"({"client_name":"x","scopes":[1]})", "scopes[0]"},
        BadClient{"LifetimeZero", R"({"client_name":"x","access_token_lifetime":0})",
                  "access_token_lifetime"},
        BadClient{"LifetimeTooLong", R"({"client_name":"x","access_token_lifetime":86401})",
                  "access_token_lifetime"},
        BadClient{"LifetimeString", R"({"client_name":"x","access_token_lifetime":"120"})",
                  "access_token_lifetime"},
        BadClient{"UnknownMember", R"({"client_name":"x","redirect_uris":["https://x"]})",
                  "redirect_uris"},
        BadClient{"NotJson", R"({"client_name":)", "body"},
        BadClient{"DuplicateMember", R"({"client_name":"a","client_name":"b"})", "body"},
        BadClient{"NotObject", R"(["client_name"])", "body"}),
    [](const ::testing::TestParamInfo<BadClient>& info) { return info.param.name; });

TEST_F(SelfServiceApi, ScopeRulesFollowStateAndProperties) {
  // REQUESTED access does not count; an inactive scope or one without maskinporten is refused.
  env_.AddScope("test:requested", kOwnerOrg);
  env_.Grant("test:requested", kOrgA, AccessState::kRequested);
  ScopeRecord inactive = env_.AddScope("test:inactive", kOwnerOrg, true);
  inactive.active = false;
  ASSERT_TRUE(env_.store->UpdateScope(inactive).ok());
  ScopeRecord idporten = env_.AddScope("test:idporten", kOwnerOrg, true);
  idporten.allowed_integration_types = {"idporten"};
  ASSERT_TRUE(env_.store->UpdateScope(idporten).ok());
  for (const char* scope : {"test:requested", "test:inactive", "test:idporten"}) {
    http::HttpResponse r =
        Call("POST", "/api/v1/clients", {{"client_name", "x"}, {"scopes", {scope}}}, token_a_);
    EXPECT_EQ(r.status, 400) << scope;
    std::string d = ApiBody(r)["error_description"];
    EXPECT_EQ(d.rfind("scopes[0]: ", 0), 0u) << d;
    EXPECT_NE(d.find(scope), std::string::npos) << d;
  }
  EXPECT_TRUE(ClientsOf(kOrgA).empty());
}

TEST_F(SelfServiceApi, SupplierMayAddDelegableScopeButNotPrivateOne) {
  // SPEC §8 step 4: kOrgB holds no access, but test:delegable is delegable.
  EXPECT_EQ(Call("POST", "/api/v1/clients",
                 {{"client_name", "for-kunder"}, {"scopes", {"test:delegable"}}}, token_b_)
                .status,
            201);
  EXPECT_EQ(
      Call("POST", "/api/v1/clients", {{"client_name", "x"}, {"scopes", {"test:read"}}}, token_b_)
          .status,
      400);
  // The owner may always use its own scope.
  EXPECT_EQ(Call("POST", "/api/v1/clients", {{"client_name", "own"}, {"scopes", {"test:private"}}},
                 token_owner_)
                .status,
            201);
}

// ---------------------------------------------------------------------------------------------
// JWKS

TEST_F(SelfServiceApi, UploadsJwksAndReadsItBack) {
  const std::string id = CreateClientA();
  const std::string path = "/api/v1/clients/" + id + "/jwks";
  http::HttpResponse r = Call("POST", path, {{"keys", {RsaJwk("k1"), RsaJwk("k2", 1)}}}, token_a_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.labels.route, "api.jwks");
  http::HttpResponse get = env_.Call("GET", path, "", token_a_);
  json got = ApiBody(get);
  ASSERT_EQ(got["keys"].size(), 2u);
  EXPECT_EQ(got["keys"][0]["kid"], "k1");
  EXPECT_EQ(got["keys"][1]["n"], RsaJwk("k2", 1)["n"]);
  EXPECT_EQ(Keys(get), (std::vector<std::string>{"keys", "created", "last_updated"}));
  EXPECT_EQ(got["last_updated"], "2026-09-21T14:13:20Z");

  // PUT replaces the whole set and answers 200.
  http::HttpResponse put = Call("PUT", path, {{"keys", {RsaJwk("k3")}}}, token_a_);
  ASSERT_EQ(put.status, 200) << put.body;
  ClientJwks stored = env_.store->GetClientKeys(id).value();
  ASSERT_EQ(stored.keys.size(), 1u);
  EXPECT_EQ(stored.keys[0].kid, "k3");
}

TEST_F(SelfServiceApi, ReuploadRenewsKeyCreatedTime) {
  const std::string id = CreateClientA();
  const std::string path = "/api/v1/clients/" + id + "/jwks";
  ASSERT_EQ(Call("POST", path, {{"keys", {RsaJwk("k1")}}}, token_a_).status, 201);
  env_.clock.Advance(std::chrono::hours(24 * 300));
  token_a_ = env_.Token(kOrgA);
  ASSERT_EQ(Call("POST", path, {{"keys", {RsaJwk("k1")}}}, token_a_).status, 201);
  ClientJwks stored = env_.store->GetClientKeys(id).value();
  ASSERT_EQ(stored.keys.size(), 1u);
  EXPECT_EQ(stored.keys[0].created, env_.clock.NowSeconds());  // SPEC §9: re-upload renews
}

TEST_F(SelfServiceApi, SixthKeyIsRefusedAndNothingStored) {
  const std::string id = CreateClientA();
  json keys = json::array();
  for (int i = 0; i < 6; ++i) keys.push_back(RsaJwk("k" + std::to_string(i)));
  http::HttpResponse r =
      Call("POST", "/api/v1/clients/" + id + "/jwks", {{"keys", keys}}, token_a_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ApiBody(r)["error_description"], "keys: at most 5 keys");
  EXPECT_TRUE(env_.store->GetClientKeys(id).value().keys.empty());
  keys.erase(5);
  EXPECT_EQ(Call("POST", "/api/v1/clients/" + id + "/jwks", {{"keys", keys}}, token_a_).status,
            201);
}

struct BadJwk {
  const char* name;
  std::function<json()> keys;
  std::string field;
};

void PrintTo(const BadJwk& c, std::ostream* os) { *os << c.name; }

class SelfServiceApiBadJwk : public SelfServiceApi, public ::testing::WithParamInterface<BadJwk> {};

json With(json jwk, const char* member, json value) {
  jwk[member] = std::move(value);
  return jwk;
}
json Without(json jwk, const char* member) {
  jwk.erase(member);
  return jwk;
}
// A syntactically fine RSA modulus of `bytes` bytes (odd, top bit set).
std::string Modulus(size_t bytes) {
  std::string n(bytes, '\xa5');
  n[0] = '\xc3';
  n.back() = '\x01';
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0, acc = 0;
  for (unsigned char c : n) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      out += kAlphabet[(acc >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

TEST_P(SelfServiceApiBadJwk, RefusedNamingPathAndStoresNothing) {
  const std::string id = CreateClientA();
  http::HttpResponse r =
      Call("POST", "/api/v1/clients/" + id + "/jwks", {{"keys", GetParam().keys()}}, token_a_);
  EXPECT_EQ(r.status, 400) << r.body;
  std::string d = ApiBody(r)["error_description"];
  EXPECT_EQ(d.rfind(GetParam().field + ": ", 0), 0u) << d;
  EXPECT_TRUE(env_.store->GetClientKeys(id).value().keys.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rules, SelfServiceApiBadJwk,
    ::testing::Values(
        BadJwk{"MissingKid", [] { return json::array({Without(RsaJwk("k"), "kid")}); },
               "keys[0].kid"},
        BadJwk{"BadKidCharacters",
               [] {
                 return json{RsaJwk("k"), RsaJwk("a b")};
               },
               "keys[1].kid"},
        BadJwk{"DuplicateKid",
               [] {
                 return json{RsaJwk("k"), RsaJwk("k", 1)};
               },
               "keys[1].kid"},
        BadJwk{"MissingUse", [] { return json::array({Without(RsaJwk("k"), "use")}); },
               "keys[0].use"},
        BadJwk{"EncUse", [] { return json::array({With(RsaJwk("k"), "use", "enc")}); },
               "keys[0].use"},
        BadJwk{"MissingAlg", [] { return json::array({Without(RsaJwk("k"), "alg")}); },
               "keys[0].alg"},
        BadJwk{"PssAlg", [] { return json::array({With(RsaJwk("k"), "alg", "PS256")}); },
               "keys[0].alg"},
        BadJwk{"EcKty", [] { return json::array({With(RsaJwk("k"), "kty", "EC")}); },
               "keys[0].kty"},
        BadJwk{"MissingN", [] { return json::array({Without(RsaJwk("k"), "n")}); }, "keys[0].n"},
        BadJwk{"MissingE", [] { return json::array({Without(RsaJwk("k"), "e")}); }, "keys[0].e"},
        BadJwk{"PrivateMember", [] { return json::array({With(RsaJwk("k"), "d", "AQAB")}); },
               "keys[0].d"},
        BadJwk{"TooLarge", [] { return json::array({With(RsaJwk("k"), "n", Modulus(1024))}); },
               "keys[0].n"},
        BadJwk{"TooSmall", [] { return json::array({With(RsaJwk("k"), "n", Modulus(128))}); },
               "keys[0]"},
        BadJwk{"NotObject", [] { return json{"k"}; }, "keys[0]"},
        BadJwk{"NotArray",
               [] {
                 return json{{"kid", "k"}};
               },
               "keys"}),
    [](const ::testing::TestParamInfo<BadJwk>& info) { return info.param.name; });

TEST_F(SelfServiceApi, JwksBodyRefusesUnknownMembersAndMissingKeys) {
  const std::string id = CreateClientA();
  const std::string path = "/api/v1/clients/" + id + "/jwks";
  http::HttpResponse unknown = Call("POST", path, {{"keys", json::array()}, {"x", 1}}, token_a_);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(ApiBody(unknown)["error_description"], "x: unknown member");
  http::HttpResponse missing = Call("POST", path, json::object(), token_a_);
  EXPECT_EQ(ApiBody(missing)["error_description"], "keys: missing");
}

// ---------------------------------------------------------------------------------------------
// Scopes

TEST_F(SelfServiceApi, CreatesScopeAndReadsIt) {
  http::HttpResponse r = Call("POST", "/api/v1/scopes",
                              {{"prefix", "test"},
                               {"subscope", "sykepenger/v1.read"},
                               {"description", "Sykepenger"},
                               {"visibility", "PUBLIC"},
                               {"at_max_age", 600},
                               {"delegation_source", kTt02}},
                              token_owner_);
  ASSERT_EQ(r.status, 201) << r.body;
  json s = ApiBody(r);
  EXPECT_EQ(s["name"], "test:sykepenger/v1.read");
  EXPECT_EQ(s["owner_orgno"], kOwnerOrg);
  EXPECT_EQ(Keys(r),
            (std::vector<std::string>{
                "name", "prefix", "subscope", "description", "long_description", "owner_orgno",
                "active", "visibility", "allowed_integration_types", "accessible_for_all",
                "at_max_age", "delegation_source", "created", "last_updated"}));
  http::HttpResponse one =
      env_.Call("GET", "/api/v1/scopes?scope=test%3Asykepenger%2Fv1.read", "", token_owner_);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(ApiBody(one)["at_max_age"], 600);
  json own = ApiBody(env_.Call("GET", "/api/v1/scopes", "", token_owner_));
  EXPECT_EQ(own.size(), 5u);  // four from SetUp and the new one
  EXPECT_TRUE(ApiBody(env_.Call("GET", "/api/v1/scopes", "", token_a_)).empty());
}

TEST_F(SelfServiceApi, RePostOfScopeIsConflict) {
  const json body = {{"prefix", "test"}, {"subscope", "new"}};
  ASSERT_EQ(Call("POST", "/api/v1/scopes", body, token_owner_).status, 201);
  EXPECT_EQ(Call("POST", "/api/v1/scopes", body, token_owner_).status, 409);
  ASSERT_EQ(env_.Call("DELETE", "/api/v1/scopes?scope=test:new", "", token_owner_).status, 200);
  http::HttpResponse r = Call("POST", "/api/v1/scopes", body, token_owner_);
  EXPECT_EQ(r.status, 409);  // SPEC §9: re-POST of a deactivated entity
  EXPECT_EQ(ApiBody(r)["error"], "conflict");
  EXPECT_FALSE(env_.store->GetScope("test:new").value()->active);
}

TEST_F(SelfServiceApi, DeleteDeactivatesScopeAndInactiveTrueListsIt) {
  http::HttpResponse r = env_.Call("DELETE", "/api/v1/scopes?scope=test:private", "", token_owner_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ApiBody(r)["active"], false);
  json active = ApiBody(env_.Call("GET", "/api/v1/scopes", "", token_owner_));
  json all = ApiBody(env_.Call("GET", "/api/v1/scopes?inactive=true", "", token_owner_));
  EXPECT_EQ(active.size() + 1, all.size());
}

TEST_F(SelfServiceApi, PutChangesScopeButNotItsName) {
  http::HttpResponse r =
      Call("PUT", "/api/v1/scopes?scope=test:read",
           {{"name", "test:read"}, {"description", "new text"}, {"at_max_age", 60}}, token_owner_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(env_.store->GetScope("test:read").value()->description, "new text");
  http::HttpResponse rename =
      Call("PUT", "/api/v1/scopes?scope=test:read", {{"subscope", "write"}}, token_owner_);
  EXPECT_EQ(rename.status, 400);
  EXPECT_EQ(ApiBody(rename)["error_description"].get<std::string>().rfind("subscope: ", 0), 0u);
  EXPECT_TRUE(env_.store->GetScope("test:write").value() == std::nullopt);
}

TEST_F(SelfServiceApi, OtherOrgCannotChangeScopeOrItsAccess) {
  EXPECT_EQ(env_.Call("GET", "/api/v1/scopes?scope=test:read", "", token_a_).status, 403);
  EXPECT_EQ(
      Call("PUT", "/api/v1/scopes?scope=test:read", {{"description", "mine"}}, token_a_).status,
      403);
  EXPECT_EQ(env_.Call("DELETE", "/api/v1/scopes?scope=test:read", "", token_a_).status, 403);
  EXPECT_EQ(env_.Call("GET", "/api/v1/scopes/access?scope=test:read", "", token_a_).status, 403);
  EXPECT_EQ(
      env_.Call("PUT", "/api/v1/scopes/access/311654306?scope=test:read", "", token_a_).status,
      403);
  EXPECT_EQ(
      env_.Call("DELETE", "/api/v1/scopes/access/910753614?scope=test:read", "", token_a_).status,
      403);
  // Nor take the owner's prefix for a new scope.
  http::HttpResponse r =
      Call("POST", "/api/v1/scopes", {{"prefix", "test"}, {"subscope", "mine"}}, token_a_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ApiBody(r)["error"], "forbidden");
  std::optional<ScopeRecord> s = env_.store->GetScope("test:read").value();
  EXPECT_TRUE(s->active);
  EXPECT_EQ(s->description, "");
  EXPECT_FALSE(env_.store->GetScope("test:mine").value().has_value());
  EXPECT_FALSE(env_.store->GetAccess("test:read", kOrgB).value().has_value());
  EXPECT_TRUE(env_.store->GetAccess("test:read", kOrgA).value().has_value());
}

TEST_F(SelfServiceApi, UnknownScopeAnswers404) {
  EXPECT_EQ(env_.Call("GET", "/api/v1/scopes?scope=nope:x", "", token_owner_).status, 404);
  EXPECT_EQ(env_.Call("DELETE", "/api/v1/scopes?scope=nope:x", "", token_owner_).status, 404);
}

struct BadScope {
  const char* name;
  std::string body;
  std::string field;
};
void PrintTo(const BadScope& c, std::ostream* os) { *os << c.name; }

class SelfServiceApiBadScope : public SelfServiceApi,
                               public ::testing::WithParamInterface<BadScope> {};

TEST_P(SelfServiceApiBadScope, RefusedNamingFieldAndStoresNothing) {
  http::HttpResponse r = env_.Call("POST", "/api/v1/scopes", GetParam().body, token_b_);
  EXPECT_EQ(r.status, 400) << r.body;
  std::string d = ApiBody(r)["error_description"];
  EXPECT_EQ(d.rfind(GetParam().field + ": ", 0), 0u) << d;
  EXPECT_TRUE(env_.store->ListScopes(kOrgB, true).value().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Fields, SelfServiceApiBadScope,
    ::testing::Values(
        BadScope{"MissingPrefix", R"({"subscope":"a"})", "prefix"},
        BadScope{"MissingSubscope", R"({"prefix":"b"})", "subscope"},
        BadScope{"UpperCasePrefix", R"({"prefix":"Bee","subscope":"a"})", "prefix"},
        BadScope{"PrefixWithColon", R"({"prefix":"b:c","subscope":"a"})", "prefix"},
        BadScope{"SubscopeWithSpace", R"({"prefix":"b","subscope":"a b"})", "subscope"},
        BadScope{"BadVisibility", R"({"prefix":"b","subscope":"a","visibility":"SECRET"})",
                 "visibility"},
        BadScope{"NegativeMaxAge", R"({"prefix":"b","subscope":"a","at_max_age":-1})",
                 "at_max_age"},
        BadScope{"UnknownDelegationSource",
                 R"({"prefix":"b","subscope":"a","delegation_source":"https://evil.example/"})",
                 "delegation_source"},
        BadScope{"BadIntegrationType",
                 R"({"prefix":"b","subscope":"a","allowed_integration_types":["ftp"]})",
                 "allowed_integration_types[0]"},
        BadScope{"ForAllNotBool", R"({"prefix":"b","subscope":"a","accessible_for_all":"yes"})",
                 "accessible_for_all"},
        BadScope{"NameMismatch", R"({"prefix":"b","subscope":"a","name":"b:c"})", "name"},
        BadScope{"UnknownMember", R"({"prefix":"b","subscope":"a","colour":"red"})", "colour"}),
    [](const ::testing::TestParamInfo<BadScope>& info) { return info.param.name; });

TEST_F(SelfServiceApi, AllScopesListsActivePublicScopesWithFilters) {
  ScopeRecord hidden = env_.AddScope("test:hidden", kOwnerOrg, true);
  hidden.visibility = ScopeVisibility::kPrivate;
  ASSERT_TRUE(env_.store->UpdateScope(hidden).ok());
  auto names = [&](const std::string& target) {
    std::vector<std::string> out;
    for (const json& s : ApiBody(env_.Call("GET", target, "", token_b_))) out.push_back(s["name"]);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(names("/api/v1/scopes/all"),
            (std::vector<std::string>{"test:delegable", "test:open", "test:private", "test:read"}));
  EXPECT_EQ(names("/api/v1/scopes/all?accessible_for_all=true"),
            std::vector<std::string>{"test:open"});
  EXPECT_EQ(names("/api/v1/scopes/all?delegable=true"), std::vector<std::string>{"test:delegable"});
  EXPECT_EQ(env_.Call("GET", "/api/v1/scopes/all?delegable=1", "", token_b_).status, 400);
}

// ---------------------------------------------------------------------------------------------
// Access

TEST_F(SelfServiceApi, GrantsListsAndRevokesAccess) {
  http::HttpResponse put =
      env_.Call("PUT", "/api/v1/scopes/access/311654306?scope=test:private", "", token_owner_);
  ASSERT_EQ(put.status, 200) << put.body;
  json a = ApiBody(put);
  EXPECT_EQ(a["state"], "APPROVED");
  EXPECT_EQ(a["owner_orgno"], kOwnerOrg);
  EXPECT_EQ(Keys(put), (std::vector<std::string>{"scope", "consumer_orgno", "owner_orgno", "state",
                                                 "created", "last_updated"}));
  // Now kOrgB may put the scope on a client.
  EXPECT_EQ(Call("POST", "/api/v1/clients", {{"client_name", "b"}, {"scopes", {"test:private"}}},
                 token_b_)
                .status,
            201);
  http::HttpResponse denied = env_.Call(
      "PUT", "/api/v1/scopes/access/311654306?scope=test:private&state=DENIED", "", token_owner_);
  EXPECT_EQ(ApiBody(denied)["state"], "DENIED");
  EXPECT_EQ(ApiBody(denied)["created"], a["created"]);

  json list =
      ApiBody(env_.Call("GET", "/api/v1/scopes/access?scope=test:private", "", token_owner_));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["consumer_orgno"], kOrgB);
  json mine = ApiBody(env_.Call("GET", "/api/v1/scopes/access/all", "", token_a_));
  EXPECT_EQ(mine.size(), 2u);  // test:read and test:delegable

  http::HttpResponse del =
      env_.Call("DELETE", "/api/v1/scopes/access/311654306?scope=test:private", "", token_owner_);
  EXPECT_EQ(del.status, 200);
  EXPECT_FALSE(env_.store->GetAccess("test:private", kOrgB).value().has_value());
  EXPECT_EQ(
      env_.Call("DELETE", "/api/v1/scopes/access/311654306?scope=test:private", "", token_owner_)
          .status,
      404);
}

TEST_F(SelfServiceApi, AccessRefusesBadOrgnoStateAndMissingScope) {
  http::HttpResponse org =
      env_.Call("PUT", "/api/v1/scopes/access/123456789?scope=test:private", "", token_owner_);
  EXPECT_EQ(org.status, 400);
  EXPECT_EQ(ApiBody(org)["error_description"].get<std::string>().rfind("orgno: ", 0), 0u);
  http::HttpResponse state = env_.Call(
      "PUT", "/api/v1/scopes/access/311654306?scope=test:private&state=MAYBE", "", token_owner_);
  EXPECT_EQ(ApiBody(state)["error_description"].get<std::string>().rfind("state: ", 0), 0u);
  http::HttpResponse scope = env_.Call("PUT", "/api/v1/scopes/access/311654306", "", token_owner_);
  EXPECT_EQ(ApiBody(scope)["error_description"].get<std::string>().rfind("scope: ", 0), 0u);
  EXPECT_TRUE(env_.store->ListAccessForScope("test:private").value().empty());
}

// ---------------------------------------------------------------------------------------------
// Delegations (SPEC §8)

TEST_F(SelfServiceApi, DelegationSourcesListsTheEnvironmentsAltinn) {
  http::HttpResponse r = env_.Call("GET", "/api/v1/delegationsources", "", token_b_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"([{"name":"altinn","issuer":"https://tt02.altinn.no/"}])");
}

TEST_F(SelfServiceApi, ConsumerDelegatesAndBothSeeIt) {
  http::HttpResponse r = Call("POST", "/api/v1/delegations",
                              {{"supplier_orgno", kOrgB}, {"scope", "test:delegable"}}, token_a_);
  ASSERT_EQ(r.status, 201) << r.body;
  json d = ApiBody(r);
  EXPECT_EQ(d["consumer_orgno"], kOrgA);
  EXPECT_EQ(Keys(r),
            (std::vector<std::string>{"consumer_orgno", "supplier_orgno", "scope", "created"}));
  EXPECT_TRUE(env_.store->HasDelegation(kOrgA, kOrgB, "test:delegable").value());
  EXPECT_EQ(ApiBody(env_.Call("GET", "/api/v1/delegations", "", token_a_)).size(), 1u);
  EXPECT_EQ(ApiBody(env_.Call("GET", "/api/v1/delegations", "", token_b_)).size(), 1u);
  EXPECT_TRUE(ApiBody(env_.Call("GET", "/api/v1/delegations", "", token_owner_)).empty());

  // Only the consumer can remove it.
  const std::string del = "/api/v1/delegations?supplier_orgno=311654306&scope=test:delegable";
  EXPECT_EQ(env_.Call("DELETE", del, "", token_b_).status, 404);
  EXPECT_EQ(env_.Call("DELETE", del, "", token_a_).status, 200);
  EXPECT_FALSE(env_.store->HasDelegation(kOrgA, kOrgB, "test:delegable").value());
  EXPECT_EQ(env_.Call("DELETE", del, "", token_a_).status, 404);
}

TEST_F(SelfServiceApi, DelegationRulesNameTheField) {
  ScopeRecord inactive = env_.AddScope("test:gone", kOwnerOrg, false, kTt02);
  inactive.active = false;
  ASSERT_TRUE(env_.store->UpdateScope(inactive).ok());
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"supplier_orgno", kOrgB}, {"scope", "test:read"}}, "scope"},  // not delegable
      {{{"supplier_orgno", kOrgB}, {"scope", "nope:x"}}, "scope"},     // unknown
      {{{"supplier_orgno", kOrgB}, {"scope", "test:gone"}}, "scope"},  // inactive
      {{{"supplier_orgno", kOrgA}, {"scope", "test:delegable"}}, "supplier_orgno"},  // self
      {{{"supplier_orgno", "123456789"}, {"scope", "test:delegable"}}, "supplier_orgno"},
      {{{"scope", "test:delegable"}}, "supplier_orgno"},
      {{{"supplier_orgno", kOrgB}}, "scope"},
      {{{"supplier_orgno", kOrgB}, {"scope", "test:delegable"}, {"extra", "x"}}, "extra"},
  };
  for (const auto& [body, field] : cases) {
    http::HttpResponse r = Call("POST", "/api/v1/delegations", body, token_a_);
    EXPECT_EQ(r.status, 400) << body;
    std::string d = ApiBody(r)["error_description"];
    EXPECT_EQ(d.rfind(field + ": ", 0), 0u) << body << " -> " << d;
  }
  EXPECT_TRUE(env_.store->ListDelegations("").value().empty());
}

TEST_F(SelfServiceApi, UnroutedMethodAnswers405) {
  http::HttpResponse r = env_.Call("GET", "/api/v1/scopes/access/311654306", "", token_owner_);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(HeaderValue(r, "Allow"), "PUT, DELETE");
}

}  // namespace
}  // namespace mp::server
