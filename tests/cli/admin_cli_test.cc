// `maskinporten admin`: usage errors (checked before any network), the HTTP calls each verb makes
// against a fake issuer + API on loopback, its output and its error mapping.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "core/json.h"
#include "maskinporten/base64.h"
#include "maskinporten/jwk.h"
#include "maskinporten/local_maskinporten.h"
#include "testing/cli_runner.h"
#include "testing/fake_token_server.h"
#include "testing/jose_fixtures.h"

namespace mp {
namespace {

using testing::Cli;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::FakeTokenServer;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::TempDir;

FakeResponse Json(int status, const nlohmann::json& body) {
  return FakeResponse{
      .status = status, .headers = {{"Content-Type", "application/json"}}, .body = DumpJson(body)};
}

class AdminCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessResult k = Cli({"keygen", "--kid", "a1", "--out", dir_.File("admin.pem"), "--jwk-out",
                           dir_.File("admin.jwk.json")});
    ASSERT_EQ(k.exit_code, 0) << k.err;
    Api([](const FakeRequest&) { return FakeResponse{.status = 404}; });
  }
  // The fake issuer: metadata, a token for every grant, and `api` for /api/v1/...
  void Api(std::function<FakeResponse(const FakeRequest&)> api) {
    server_.SetHandler([this, api](const FakeRequest& r) {
      if (r.target == "/.well-known/oauth-authorization-server") {
        return testing::FakeMetadataResponse(server_.Url());
      }
      if (r.method == "POST" && r.target == "/token") {
        return testing::FakeTokenResponse("admin-token", 119, "idporten:dcr.read");
      }
      return api(r);
    });
  }
  std::vector<std::string> Admin(std::vector<std::string> verb) {
    std::vector<std::string> a = {"admin", "--issuer", server_.Url(),          "--client-id",
                                  "admin", "--key",    dir_.File("admin.pem"), "--kid",
                                  "a1"};
    a.insert(a.end(), verb.begin(), verb.end());
    return a;
  }
  // The requests to the API (not metadata or token).
  std::vector<FakeRequest> ApiRequests() {
    std::vector<FakeRequest> out;
    for (const FakeRequest& r : server_.Requests()) {
      if (r.target.rfind("/api/v1", 0) == 0) out.push_back(r);
    }
    return out;
  }
  // The scope the admin grant asked for.
  std::string GrantScope() {
    for (const FakeRequest& r : server_.Requests()) {
      if (r.target != "/token") continue;
      size_t p = r.body.find("assertion=");
      std::string jws = r.body.substr(p + 10);
      size_t a = jws.find('.');
      size_t b = jws.find('.', a + 1);
      Result<std::string> raw = Base64UrlDecode(jws.substr(a + 1, b - a - 1));
      if (!raw.ok()) return "";
      Result<nlohmann::json> j = ParseStrictJsonObject(*raw);
      return j.ok() ? (*j)["scope"].get<std::string>() : "";
    }
    return "";
  }
  TempDir dir_;
  FakeTokenServer server_;
};

// ---- Usage errors: exit 2 before any request ----

TEST_F(AdminCli, RejectsABadOrgNumberBeforeTouchingTheNetwork) {
  ProcessResult r = Cli(Admin({"scopes", "grant", "myorg:api", "123456789"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  testing::ExpectErrorLine(r, "invalid_org_number");
  EXPECT_EQ(server_.RequestCount(), 0u);

  r = Cli(Admin({"delegations", "add", "--supplier", "91075361", "--scope", "a:b"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  testing::ExpectErrorLine(r, "invalid_org_number");
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(AdminCli, MissingRequiredFlagsAreUsageErrors) {
  for (const std::vector<std::string>& verb : std::vector<std::vector<std::string>>{
           {"clients", "create"},
           {"clients", "get"},
           {"keys", "set", "id"},
           {"scopes", "create", "--prefix", "p"},
           {"scopes", "grant", "p:s"},
           {"delegations", "add", "--scope", "a:b"},
           {"delegations", "remove", "--supplier", "910753614"},
           {"clients"},
       }) {
    ProcessResult r = Cli(Admin(verb));
    EXPECT_EQ(r.exit_code, 2) << verb[0] << " " << (verb.size() > 1 ? verb[1] : "") << r.err;
    testing::ExpectErrorLine(r, "invalid_argument");
  }
  ProcessResult r = Cli({"admin"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(AdminCli, UpdateWithNothingToChangeIsAUsageError) {
  ProcessResult r = Cli(Admin({"clients", "update", "some-id"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("nothing to change"));
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(AdminCli, RefusesToUploadAPrivateJwk) {
  nlohmann::json priv = {
      {"kty", "RSA"}, {"kid", "p1"}, {"n", "AQAB"}, {"e", "AQAB"}, {"d", "AQAB"}};
  testing::WriteFile(dir_.File("priv.jwk.json"), DumpJson(priv));
  ProcessResult r = Cli(Admin({"keys", "set", "cid", "--jwk", dir_.File("priv.jwk.json")}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("priv.jwk.json"));
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(AdminCli, BadVisibilityIsAUsageError) {
  ProcessResult r = Cli(
      Admin({"scopes", "create", "--prefix", "p", "--subscope", "s", "--visibility", "SECRET"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--visibility"));
}

TEST_F(AdminCli, EveryVerbHasHelpWithExamples) {
  for (const std::vector<std::string>& verb : std::vector<std::vector<std::string>>{
           {},
           {"clients"},
           {"clients", "list"},
           {"clients", "get"},
           {"clients", "create"},
           {"clients", "update"},
           {"clients", "delete"},
           {"keys"},
           {"keys", "list"},
           {"keys", "set"},
           {"keys", "add"},
           {"scopes"},
           {"scopes", "list"},
           {"scopes", "get"},
           {"scopes", "create"},
           {"scopes", "delete"},
           {"scopes", "access"},
           {"scopes", "grant"},
           {"scopes", "revoke"},
           {"delegations"},
           {"delegations", "list"},
           {"delegations", "add"},
           {"delegations", "remove"},
       }) {
    std::vector<std::string> args = {"admin"};
    args.insert(args.end(), verb.begin(), verb.end());
    args.push_back("--help");
    ProcessResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("\nExamples:\n  maskinporten ")) << args[1];
    EXPECT_THAT(r.out, HasSubstr("maskinporten admin ")) << args[1];
  }
}

// ---- Calls against a fake API ----

TEST_F(AdminCli, ListsClientsAsATableWithTheAdminToken) {
  Api([](const FakeRequest& r) {
    if (r.method == "GET" && r.target == "/api/v1/clients") {
      return Json(200, {{{"client_id", "c-1"},
                         {"client_name", "first"},
                         {"scopes", {"a:b", "a:c"}},
                         {"active", true},
                         {"access_token_lifetime", 120}}});
    }
    return FakeResponse{.status = 404};
  });
  ProcessResult r = Cli(Admin({"clients", "list"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CLIENT_ID"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("c-1 +first +yes +120 +a:b a:c"));
  std::vector<FakeRequest> api = ApiRequests();
  ASSERT_EQ(api.size(), 1u);
  EXPECT_EQ(api[0].Header("authorization").value_or(""), "Bearer admin-token");
  EXPECT_EQ(GrantScope(), "idporten:dcr.read");  // the verb's scope by default
}

TEST_F(AdminCli, JsonPassesTheApiBodyThrough) {
  const std::string body = R"([{"client_id":"c-1","client_name":"first"}])";
  Api([&body](const FakeRequest&) { return FakeResponse{.status = 200, .body = body}; });
  ProcessResult r = Cli(Admin({"clients", "list", "--inactive", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, body + "\n");
  ASSERT_EQ(ApiRequests().size(), 1u);
  EXPECT_EQ(ApiRequests()[0].target, "/api/v1/clients?inactive=true");
}

TEST_F(AdminCli, AdminScopeFlagBeforeTheVerbAndClientScopeAfterIt) {
  Api([](const FakeRequest& r) {
    auto j = ParseStrictJsonObject(r.body);
    nlohmann::json out = j.ok() ? *j : nlohmann::json::object();
    out["client_id"] = "new-id";
    return Json(201, out);
  });
  std::vector<std::string> args = Admin({});
  args.insert(args.end(),
              {"--scope", "idporten:dcr.write", "clients", "create", "--name", "my-integration",
               "--scope", "nav:example", "--scope", "nav:other", "--lifetime", "300"});
  ProcessResult r = Cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(GrantScope(), "idporten:dcr.write");
  std::vector<FakeRequest> api = ApiRequests();
  ASSERT_EQ(api.size(), 1u);
  EXPECT_EQ(api[0].method, "POST");
  EXPECT_EQ(api[0].target, "/api/v1/clients");
  auto body = ParseStrictJsonObject(api[0].body);
  ASSERT_TRUE(body.ok()) << api[0].body;
  EXPECT_EQ((*body)["client_name"], "my-integration");
  EXPECT_EQ((*body)["scopes"], nlohmann::json({"nav:example", "nav:other"}));
  EXPECT_EQ((*body)["access_token_lifetime"], 300);
  EXPECT_EQ((*body)["integration_type"], "maskinporten");
  EXPECT_EQ((*body)["token_endpoint_auth_method"], "private_key_jwt");
  EXPECT_THAT(r.out, HasSubstr("\"client_id\": \"new-id\""));  // pretty JSON
}

TEST_F(AdminCli, KeysAddGetsTheSetAndPostsItBackWithTheNewKey) {
  nlohmann::json old_key = {{"kty", "RSA"}, {"kid", "old"}, {"alg", "RS256"},
                            {"use", "sig"}, {"e", "AQAB"},  {"n", "xyz"}};
  Api([&old_key](const FakeRequest& r) {
    if (r.method == "GET") {
      return Json(200, {{"keys", {old_key}},
                        {"created", "2026-11-30T14:00:00Z"},
                        {"last_updated", "2026-11-30T14:00:00Z"}});
    }
    auto j = ParseStrictJsonObject(r.body);
    return Json(201, j.ok() ? *j : nlohmann::json::object());
  });
  ProcessResult r = Cli(Admin({"keys", "add", "c/1", "--jwk", dir_.File("admin.jwk.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<FakeRequest> api = ApiRequests();
  ASSERT_EQ(api.size(), 2u);
  EXPECT_EQ(api[0].method, "GET");
  EXPECT_EQ(api[0].target, "/api/v1/clients/c%2F1/jwks");
  EXPECT_EQ(api[1].method, "POST");
  auto body = ParseStrictJsonObject(api[1].body);
  ASSERT_TRUE(body.ok());
  ASSERT_EQ((*body)["keys"].size(), 2u);
  EXPECT_EQ((*body)["keys"][0]["kid"], "old");
  EXPECT_EQ((*body)["keys"][1]["kid"], "a1");
  EXPECT_FALSE(body->contains("created"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("old +RSA +RS256"));
  EXPECT_THAT(GrantScope(), HasSubstr("idporten:dcr.modify"));
}

TEST_F(AdminCli, ScopeNamesTravelEncodedInTheQuery) {
  Api([](const FakeRequest&) {
    return Json(200, {{"scope", "myorg:a/b"}, {"consumer_orgno", "910753614"}});
  });
  ProcessResult r = Cli(Admin({"scopes", "grant", "myorg:a/b", "910753614"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Cli(Admin({"delegations", "remove", "--supplier", "910753614", "--scope", "myorg:a/b"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<FakeRequest> api = ApiRequests();
  ASSERT_EQ(api.size(), 2u);
  EXPECT_EQ(api[0].method, "PUT");
  EXPECT_EQ(api[0].target, "/api/v1/scopes/access/910753614?scope=myorg%3Aa%2Fb");
  EXPECT_EQ(api[1].method, "DELETE");
  EXPECT_EQ(api[1].target, "/api/v1/delegations?supplier_orgno=910753614&scope=myorg%3Aa%2Fb");
}

TEST_F(AdminCli, ApiRefusalIsHttpErrorWithStatusAndDescriptionExitOne) {
  Api([](const FakeRequest&) {
    return Json(404, {{"error", "not_found"}, {"error_description", "client nope not found"}});
  });
  ProcessResult r = Cli(Admin({"clients", "get", "nope"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("error: http_error: 404 client nope not found\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("nope")));
}

TEST_F(AdminCli, UnreachableApiIsANetworkErrorExitThree) {
  FakeTokenServer gone;
  std::string api = gone.Url() + "api/v1";
  gone.Stop();
  ProcessResult r = Cli(Admin({"--api", api, "clients", "list"}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  testing::ExpectErrorLine(r, "network_error");
}

TEST_F(AdminCli, TokenRefusalExitsOneWithTheMpCode) {
  server_.SetHandler([this](const FakeRequest& r) {
    if (r.target == "/.well-known/oauth-authorization-server") {
      return testing::FakeMetadataResponse(server_.Url());
    }
    return testing::FakeMaskinportenError(MpError::kMp200, "0123", server_.Url(),
                                          " idporten:dcr.read");
  });
  ProcessResult r = Cli(Admin({"clients", "list"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("MP-200"));
  EXPECT_TRUE(ApiRequests().empty());
}

// ---- End to end against an embedded local Maskinporten ----

constexpr char kDigdir[] = "991825827";
constexpr char kApiOwner[] = "889640782";
constexpr char kConsumer[] = "910753614";
constexpr char kSupplier[] = "311654306";

class AdminE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    const PrivateKey& key = testing::OtherTestKey(Algorithm::kRS256);
    testing::WriteFile(dir_.File("key.pem"), key.ToPkcs8Pem());
    auto jwk = [&key](const std::string& kid) {
      return nlohmann::json::parse(
          PublicKeyToJwk(key.public_key(), {.kid = kid, .alg = Algorithm::kRS256}));
    };
    for (int i = 1; i <= 6; ++i) {
      testing::WriteFile(dir_.File("app-" + std::to_string(i) + ".jwk.json"),
                         DumpJson(jwk("app-" + std::to_string(i))));
    }
    nlohmann::json admin_scopes = nlohmann::json::array();
    nlohmann::json seed = {{"organizations",
                            {{{"orgno", kDigdir}, {"name", "DIGDIR"}},
                             {{"orgno", kApiOwner}, {"name", "API OWNER"}},
                             {{"orgno", kConsumer}, {"name", "CONSUMER"}},
                             {{"orgno", kSupplier}, {"name", "SUPPLIER"}}}},
                           {"scopes", nlohmann::json::array()},
                           {"access", nlohmann::json::array()}};
    for (const char* sub : {"dcr.read", "dcr.write", "dcr.modify", "scopes.write"}) {
      seed["scopes"].push_back({{"prefix", "idporten"},
                                {"subscope", sub},
                                {"owner_orgno", kDigdir},
                                {"visibility", "PRIVATE"}});
      seed["access"].push_back(
          {{"scope", std::string("idporten:") + sub}, {"consumer_orgno", kApiOwner}});
      admin_scopes.push_back(std::string("idporten:") + sub);
    }
    seed["scopes"].push_back(
        {{"prefix", "otherorg"}, {"subscope", "x"}, {"owner_orgno", kConsumer}});
    seed["clients"] = {{{"client_id", "admin"},
                        {"client_name", "admin"},
                        {"client_orgno", kApiOwner},
                        {"scopes", admin_scopes},
                        {"keys", {jwk("admin-1")}}}};
    LocalMaskinportenOptions options;
    options.seed_json = DumpJson(seed);
    options.signing_key_pem = testing::TestKey(Algorithm::kRS256).ToPkcs8Pem();
    options.signing_key_bits = 2048;
    options.threads = 2;
    Result<std::unique_ptr<LocalMaskinporten>> mp = LocalMaskinporten::Start(options);
    ASSERT_TRUE(mp.ok()) << mp.status().message();
    mp_ = std::move(*mp);
  }
  ProcessResult Admin(std::vector<std::string> verb) {
    std::vector<std::string> a = {"admin",  "--issuer", mp_->issuer(),        "--client-id",
                                  "admin",  "--key",    dir_.File("key.pem"), "--kid",
                                  "admin-1"};
    a.insert(a.end(), verb.begin(), verb.end());
    return Cli(a);
  }
  // Runs a verb with --json and parses its output.
  nlohmann::json AdminJson(std::vector<std::string> verb) {
    verb.push_back("--json");
    ProcessResult r = Admin(verb);
    EXPECT_EQ(r.exit_code, 0) << verb[0] << " " << verb[1] << ": " << r.err;
    Result<nlohmann::json> j = ParseStrictJson(r.out);
    EXPECT_TRUE(j.ok()) << r.out;
    return j.ok() ? *j : nlohmann::json();
  }
  TempDir dir_;
  std::unique_ptr<LocalMaskinporten> mp_;
};

TEST_F(AdminE2e, RegistersAScopeAClientAndItsKeyThatThenGetsATokens) {
  nlohmann::json scope = AdminJson({"scopes", "create", "--prefix", "apiorg", "--subscope",
                                    "data.read", "--description", "Data", "--at-max-age", "300"});
  EXPECT_EQ(scope["name"], "apiorg:data.read");
  EXPECT_EQ(scope["owner_orgno"], kApiOwner);
  EXPECT_EQ(scope["at_max_age"], 300);

  nlohmann::json client = AdminJson(
      {"clients", "create", "--name", "app", "--scope", "apiorg:data.read", "--lifetime", "60"});
  ASSERT_TRUE(client.contains("client_id")) << client.dump();
  std::string id = client["client_id"];
  EXPECT_EQ(client["client_orgno"], kApiOwner);
  EXPECT_EQ(client["access_token_lifetime"], 60);

  ProcessResult set = Admin({"keys", "set", id, "--jwk", dir_.File("app-1.jwk.json")});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_THAT(set.out, ::testing::ContainsRegex("app-1 +RSA +RS256 +sig"));
  ProcessResult add = Admin({"keys", "add", id, "--jwk", dir_.File("app-2.jwk.json")});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  nlohmann::json jwks = AdminJson({"keys", "list", id});
  ASSERT_EQ(jwks["keys"].size(), 2u) << jwks.dump();
  EXPECT_EQ(jwks["keys"][1]["kid"], "app-2");

  // The registration works: the new client gets a token with the new key.
  ProcessResult token =
      Cli({"token", "--issuer", mp_->issuer(), "--client-id", id, "--key", dir_.File("key.pem"),
           "--kid", "app-2", "--scope", "apiorg:data.read", "--json"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  EXPECT_THAT(token.out, HasSubstr("\"scope\":\"apiorg:data.read\""));

  ProcessResult list = Admin({"clients", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, ::testing::ContainsRegex(id + " +app +yes +60 +apiorg:data.read"));

  nlohmann::json renamed = AdminJson({"clients", "update", id, "--name", "renamed"});
  EXPECT_EQ(renamed["client_name"], "renamed");
  EXPECT_EQ(renamed["scopes"], nlohmann::json({"apiorg:data.read"}));
  nlohmann::json gone = AdminJson({"clients", "delete", id});
  EXPECT_EQ(gone["active"], false);
}

TEST_F(AdminE2e, GrantsAccessDelegatesAndRevokes) {
  ASSERT_EQ(Admin({"scopes", "create", "--prefix", "apiorg", "--subscope", "shared", "--delegable",
                   "--visibility", "PUBLIC"})
                .exit_code,
            0);
  nlohmann::json entry = AdminJson({"scopes", "grant", "apiorg:shared", kConsumer});
  EXPECT_EQ(entry["state"], "APPROVED");
  EXPECT_EQ(entry["consumer_orgno"], kConsumer);

  ProcessResult access = Admin({"scopes", "access", "apiorg:shared"});
  ASSERT_EQ(access.exit_code, 0) << access.err;
  EXPECT_THAT(access.out,
              ::testing::ContainsRegex(std::string("apiorg:shared +") + kConsumer + " +APPROVED"));

  ProcessResult scopes = Admin({"scopes", "list"});
  ASSERT_EQ(scopes.exit_code, 0) << scopes.err;
  EXPECT_THAT(scopes.out, ::testing::ContainsRegex("apiorg:shared +yes +PUBLIC +no +https://"));

  nlohmann::json d =
      AdminJson({"delegations", "add", "--supplier", kSupplier, "--scope", "apiorg:shared"});
  EXPECT_EQ(d["supplier_orgno"], kSupplier);
  EXPECT_EQ(d["consumer_orgno"], kApiOwner);
  ProcessResult list = Admin({"delegations", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, ::testing::ContainsRegex(std::string(kApiOwner) + " +" + kSupplier +
                                                 " +apiorg:shared"));
  ASSERT_EQ(Admin({"delegations", "remove", "--supplier", kSupplier, "--scope", "apiorg:shared"})
                .exit_code,
            0);
  EXPECT_EQ(AdminJson({"delegations", "list"}), nlohmann::json::array());

  ASSERT_EQ(Admin({"scopes", "revoke", "apiorg:shared", kConsumer}).exit_code, 0);
  ProcessResult after = Admin({"scopes", "access", "apiorg:shared"});
  EXPECT_THAT(after.out, Not(HasSubstr("APPROVED")));
}

TEST_F(AdminE2e, ApiRefusalsExitOneWithStatusAndDescription) {
  ProcessResult r = Admin({"clients", "get", "no-such-client"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("error: http_error: 404 "));

  r = Admin({"scopes", "grant", "otherorg:x", kSupplier});  // another org's scope
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("error: http_error: 403 "));

  // A token without idporten:dcr.write may not create clients.
  r = Admin({"--scope", "idporten:dcr.read", "clients", "create", "--name", "x"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("error: http_error: 403 "));

  nlohmann::json client = AdminJson({"clients", "create", "--name", "six-keys"});
  std::vector<std::string> six = {"keys", "set", client.value("client_id", "")};
  for (int i = 1; i <= 6; ++i) {
    six.insert(six.end(), {"--jwk", dir_.File("app-" + std::to_string(i) + ".jwk.json")});
  }
  r = Admin(six);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("error: http_error: 400 keys"));

  ASSERT_EQ(Admin({"scopes", "create", "--prefix", "apiorg", "--subscope", "dup"}).exit_code, 0);
  r = Admin({"scopes", "create", "--prefix", "apiorg", "--subscope", "dup"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("error: http_error: 409 "));
}

}  // namespace
}  // namespace mp
