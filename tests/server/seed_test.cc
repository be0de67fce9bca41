#include "server/registry/seed.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/file.h"
#include "maskinporten/test_ca.h"
#include "server/api_test_util.h"
#include "testing/jose_fixtures.h"

namespace mp::server {
namespace {

using api_testing::ApiEnv;
using api_testing::RsaJwk;
using nlohmann::json;

constexpr const char* kInsurerClient = "6f1b0c2e-8d4a-4c47-9a51-3e2f7b9d0a11";

// The seed example of docs/emulator.md, so the documentation cannot rot.
std::string DocSeedExample() {
  Result<std::string> doc = ReadFileToString(std::string(MP_SOURCE_DIR) + "/docs/emulator.md");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  if (!doc.ok()) return {};
  size_t marker = doc->find("<!-- seed-example");
  EXPECT_NE(marker, std::string::npos);
  size_t start = doc->find("```json\n", marker);
  EXPECT_NE(start, std::string::npos);
  start += 8;
  size_t end = doc->find("\n```", start);
  return doc->substr(start, end - start);
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// A directory with the files the doc example names: ca/root.pem and keys/forsikring-2026.pub.pem.
class SeedDir {
 public:
  SeedDir() {
    dir_ = std::filesystem::temp_directory_path() /
           ("mp-seed-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
  }
  ~SeedDir() { std::filesystem::remove_all(dir_); }
  void WriteDocFiles() {
    static const TestCa& ca = *new TestCa(TestCa::Create({.key_bits = 2048}).value());
    WriteFile(dir_ / "ca/root.pem", ca.root().Pem());
    WriteFile(dir_ / "keys/forsikring-2026.pub.pem",
              mp::testing::TestKey(Algorithm::kRS256).public_key().ToPem());
  }
  std::string path() const { return dir_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
};

class Seed : public ::testing::Test {
 protected:
  Status LoadAndApply(const std::string& text) {
    Result<SeedConfig> seed = LoadSeed(text, "seed.json", dir_.path());
    if (!seed.ok()) return seed.status();
    return ApplySeed(*seed, *env_.store, env_.clock);
  }
  ApiEnv env_;
  SeedDir dir_;
};

TEST_F(Seed, DocExampleLoadsAndApplies) {
  dir_.WriteDocFiles();
  Result<SeedConfig> seed = LoadSeed(DocSeedExample(), "seed.json", dir_.path());
  ASSERT_TRUE(seed.ok()) << seed.status().ToString();
  EXPECT_EQ(seed->test_anchors.size(), 1u);
  EXPECT_TRUE(seed->prod_anchors.empty());
  EXPECT_EQ(seed->revoked_serials, std::set<std::string>{"5f3a9c0e11d2"});
  ASSERT_TRUE(ApplySeed(*seed, *env_.store, env_.clock).ok());

  EXPECT_EQ(env_.store->ListOrganizations().value().size(), 4u);
  EXPECT_EQ(env_.store->ListScopes("", true).value().size(), 5u);
  std::optional<ScopeRecord> scope = env_.store->GetScope("testetat:sykepenger.read").value();
  ASSERT_TRUE(scope.has_value());
  EXPECT_EQ(scope->delegation_source, "https://tt02.altinn.no/");
  EXPECT_EQ(scope->at_max_age, 600);
  std::optional<ClientRecord> insurer = env_.store->GetClient(kInsurerClient).value();
  ASSERT_TRUE(insurer.has_value());
  EXPECT_EQ(insurer->client_orgno, "910753614");
  ClientJwks keys = env_.store->GetClientKeys(kInsurerClient).value();
  ASSERT_EQ(keys.keys.size(), 1u);
  EXPECT_EQ(keys.keys[0].kid, "forsikring-2026");
  EXPECT_EQ(keys.keys[0].created, env_.clock.NowSeconds());
  EXPECT_EQ(json::parse(keys.keys[0].jwk_json)["n"], RsaJwk("x")["n"]);
  EXPECT_EQ(env_.store->ListClients("311654306", false).value().size(), 1u);
  EXPECT_TRUE(
      env_.store->HasDelegation("910753614", "311654306", "testetat:sykepenger.read").value());
  std::optional<ScopeAccess> access =
      env_.store->GetAccess("testetat:sykepenger.read", "910753614").value();
  ASSERT_TRUE(access.has_value());
  EXPECT_EQ(access->owner_orgno, "889640782");

  ServerConfig config;
  AddSeedTrust(*seed, config);
  EXPECT_EQ(config.test_anchors.anchors().size(), 1u);
  EXPECT_EQ(config.revoked_serials.count("5f3a9c0e11d2"), 1u);

  // The seeded admin client's org can use the API with the seeded admin scopes.
  http::HttpResponse r = env_.Call("GET", "/api/v1/clients", "", env_.Token("910753614"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(api_testing::ApiBody(r).size(), 2u);
}

TEST_F(Seed, ApplyingTwiceLeavesTheSameState) {
  dir_.WriteDocFiles();
  Result<SeedConfig> seed = LoadSeed(DocSeedExample(), "seed.json", dir_.path());
  ASSERT_TRUE(seed.ok()) << seed.status().ToString();
  ASSERT_TRUE(ApplySeed(*seed, *env_.store, env_.clock).ok());
  const int64_t t0 = env_.clock.NowSeconds();
  env_.clock.Advance(std::chrono::hours(1));
  ASSERT_TRUE(ApplySeed(*seed, *env_.store, env_.clock).ok());

  const std::vector<ClientRecord> clients = env_.store->ListClients("910753614", true).value();
  for (const ClientRecord& c : clients) {
    EXPECT_EQ(c.created, t0);
    EXPECT_EQ(c.last_updated, t0);
  }
  EXPECT_EQ(clients.size(), 2u);
  const std::vector<ScopeRecord> scopes = env_.store->ListScopes("", true).value();
  for (const ScopeRecord& s : scopes) {
    EXPECT_EQ(s.last_updated, t0) << s.name;
  }
  const std::vector<ScopeAccess> access = env_.store->ListAccessForConsumer("910753614").value();
  for (const ScopeAccess& a : access) {
    EXPECT_EQ(a.last_updated, t0) << a.scope;
  }
  ClientJwks keys = env_.store->GetClientKeys(kInsurerClient).value();
  ASSERT_EQ(keys.keys.size(), 1u);
  EXPECT_EQ(keys.keys[0].created, t0);
  EXPECT_EQ(keys.last_updated, t0);
  EXPECT_EQ(env_.store->ListDelegations("").value().size(), 1u);
}

TEST_F(Seed, ChangedRecordsAndKeysAreUpdatedOthersKeepTheirTimes) {
  auto seed_text = [](const std::string& description, const std::string& kid) {
    json seed = {{"scopes", {{{"prefix", "p"}, {"subscope", "s"}, {"owner_orgno", "889640782"}}}},
                 {"clients",
                  {{{"client_id", "c1"},
                    {"client_name", "one"},
                    {"description", description},
                    {"client_orgno", "889640782"},
                    {"scopes", {"p:s"}},
                    {"keys", {RsaJwk("stay"), RsaJwk(kid, 1)}}}}}};
    return seed.dump();
  };
  ASSERT_TRUE(LoadAndApply(seed_text("first", "k1")).ok());
  const int64_t t0 = env_.clock.NowSeconds();
  env_.clock.Advance(std::chrono::seconds(500));
  Status s = LoadAndApply(seed_text("second", "k2"));
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::optional<ClientRecord> c = env_.store->GetClient("c1").value();
  EXPECT_EQ(c->description, "second");
  EXPECT_EQ(c->created, t0);
  EXPECT_EQ(c->last_updated, t0 + 500);
  ClientJwks keys = env_.store->GetClientKeys("c1").value();
  ASSERT_EQ(keys.keys.size(), 2u);
  EXPECT_EQ(keys.keys[0].kid, "stay");
  EXPECT_EQ(keys.keys[0].created, t0);  // unchanged key keeps its upload time
  EXPECT_EQ(keys.keys[1].kid, "k2");
  EXPECT_EQ(keys.keys[1].created, t0 + 500);
  EXPECT_EQ(env_.store->GetScope("p:s").value()->last_updated, t0);
}

TEST_F(Seed, ClientWithoutKeysLeavesRegisteredKeysAlone) {
  const std::string seed =
      R"({"clients":[{"client_id":"c1","client_name":"one","client_orgno":"889640782"}]})";
  ASSERT_TRUE(LoadAndApply(seed).ok());
  ClientKey key{.kid = "api-key", .jwk_json = RsaJwk("api-key").dump(), .created = 5};
  ASSERT_TRUE(env_.store->ReplaceClientKeys("c1", {key}, 5).ok());
  ASSERT_TRUE(LoadAndApply(seed).ok());
  EXPECT_EQ(env_.store->GetClientKeys("c1").value().keys.size(), 1u);
}

TEST_F(Seed, DerivedClientIdIsStableUuid) {
  const std::string seed = R"({"clients":[{"client_name":"one","client_orgno":"889640782"}]})";
  Result<SeedConfig> a = LoadSeed(seed, "seed.json", "");
  Result<SeedConfig> b = LoadSeed(seed, "seed.json", "");
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string id = a->clients[0].client.client_id;
  EXPECT_EQ(id, b->clients[0].client.client_id);
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  Result<SeedConfig> other = LoadSeed(
      R"({"clients":[{"client_name":"two","client_orgno":"889640782"}]})", "seed.json", "");
  EXPECT_NE(other->clients[0].client.client_id, id);
}

TEST_F(Seed, ClientMayUseScopeAlreadyInTheRegistry) {
  ASSERT_TRUE(LoadAndApply(
                  R"({"scopes":[{"prefix":"p","subscope":"s","owner_orgno":"889640782",
                                 "accessible_for_all":true}]})")
                  .ok());
  Status s = LoadAndApply(
      R"({"clients":[{"client_id":"c","client_name":"x","client_orgno":"910753614",
                      "scopes":["p:s"]}]})");
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(Seed, PemFileKeysAcceptPublicKeyCertificateAndPrivateKey) {
  const PrivateKey& key = mp::testing::TestKey(Algorithm::kRS256);
  WriteFile(std::filesystem::path(dir_.path()) / "pub.pem", key.public_key().ToPem());
  WriteFile(std::filesystem::path(dir_.path()) / "priv.pem", key.ToPkcs8Pem());
  Result<SeedConfig> seed = LoadSeed(
      R"({"clients":[{"client_id":"c","client_name":"x","client_orgno":"910753614","keys":[
           {"pem_file":"pub.pem","kid":"a"},
           {"pem_file":"priv.pem","kid":"b","alg":"RS512"}]}]})",
      "seed.json", dir_.path());
  ASSERT_TRUE(seed.ok()) << seed.status().ToString();
  const std::vector<ClientKey>& keys = *seed->clients[0].keys;
  ASSERT_EQ(keys.size(), 2u);
  json b = json::parse(keys[1].jwk_json);
  EXPECT_EQ(b["alg"], "RS512");
  EXPECT_EQ(b["n"], json::parse(keys[0].jwk_json)["n"]);
  EXPECT_FALSE(b.contains("d"));  // only the public half is registered
}

// ---------------------------------------------------------------------------------------------
// Errors name file, JSON path and problem

struct SeedError {
  const char* name;
  std::function<std::string()> seed;
  Errc code;
  std::string message;  // exact, or a prefix when it ends with "..."
};

void PrintTo(const SeedError& e, std::ostream* os) { *os << e.name; }

class SeedErrors : public Seed, public ::testing::WithParamInterface<SeedError> {};

::testing::AssertionResult MessageIs(const Status& s, const std::string& expected) {
  if (expected.size() > 3 && expected.compare(expected.size() - 3, 3, "...") == 0) {
    std::string prefix = expected.substr(0, expected.size() - 3);
    if (s.message().rfind(prefix, 0) == 0) return ::testing::AssertionSuccess();
  } else if (s.message() == expected) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "message: " << s.message() << "\nexpected: " << expected;
}

TEST_P(SeedErrors, NameFilePathAndProblemAndWriteNothing) {
  Status s = LoadAndApply(GetParam().seed());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), GetParam().code) << s.ToString();
  EXPECT_TRUE(MessageIs(s, GetParam().message));
  EXPECT_TRUE(env_.store->ListScopes("", true).value().empty());
  EXPECT_TRUE(env_.store->ListOrganizations().value().empty());
  EXPECT_TRUE(env_.store->ListClients("910753614", true).value().empty());
}

std::string Text(const char* s) { return s; }

// A valid scope "p:s" owned by 889640782, not accessible to anyone else.
const char* kScope = R"({"prefix":"p","subscope":"s","owner_orgno":"889640782"})";
std::string WithScope(const std::string& rest) {
  return std::string(R"({"organizations":[{"orgno":"889640782","name":"OWNER"}],"scopes":[)") +
         kScope + "]," + rest + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SeedErrors,
    ::testing::Values(
        SeedError{"NotJson", [] { return Text("{"); }, Errc::kInvalidJson, "seed.json: ..."},
        SeedError{"UnknownSection", [] { return Text(R"({"colour":1})"); }, Errc::kInvalidArgument,
                  "seed.json: colour: unknown member"},
        SeedError{"BadOrgNumber",
                  [] { return Text(R"({"organizations":[{"orgno":"123456789","name":"x"}]})"); },
                  Errc::kInvalidArgument,
                  "seed.json: organizations[0].orgno: \"123456789\" is not a valid organisation "
                  "number"},
        SeedError{"SectionNotArray", [] { return Text(R"({"scopes":{}})"); }, Errc::kInvalidJson,
                  "seed.json: scopes: must be an array"},
        SeedError{"ScopeWithoutOwner",
                  [] { return Text(R"({"scopes":[{"prefix":"p","subscope":"s"}]})"); },
                  Errc::kInvalidArgument, "seed.json: scopes[0].owner_orgno: missing"},
        SeedError{"ScopeBadVisibility",
                  [] {
                    return Text(R"({"scopes":[{"prefix":"p","subscope":"s",
                                   "owner_orgno":"889640782","visibility":"x"}]})");
                  },
                  Errc::kInvalidArgument,
                  "seed.json: scopes[0].visibility: \"x\" is not PUBLIC, PRIVATE or INTERNAL"},
        SeedError{"PrefixOfTwoOwners",
                  [] {
                    return std::string(R"({"scopes":[)") + kScope +
                           R"(,{"prefix":"p","subscope":"t","owner_orgno":"910753614"}]})";
                  },
                  Errc::kInvalidArgument,
                  "seed.json: scopes[1].prefix: \"p\" belongs to 889640782 (scopes[0])"},
        SeedError{"AccessBadState",
                  [] {
                    return WithScope(
                        R"("access":[{"scope":"p:s","consumer_orgno":"910753614","state":"OK"}])");
                  },
                  Errc::kInvalidArgument,
                  "seed.json: access[0].state: \"OK\" is not APPROVED, REQUESTED or DENIED"},
        SeedError{"BadKidInSecondClient",
                  [] {
                    json seed = {{"clients",
                                  {{{"client_name", "a"}, {"client_orgno", "910753614"}},
                                   {{"client_name", "b"},
                                    {"client_orgno", "910753614"},
                                    {"keys", {RsaJwk("a b")}}}}}};
                    return seed.dump();
                  },
                  Errc::kInvalidArgument,
                  "seed.json: clients[1].keys[0].kid: \"a b\" must be non-empty [A-Za-z0-9._-]"},
        SeedError{"SixKeys",
                  [] {
                    json keys = json::array();
                    for (int i = 0; i < 6; ++i) keys.push_back(RsaJwk("k" + std::to_string(i)));
                    json seed = {
                        {"clients",
                         {{{"client_name", "a"}, {"client_orgno", "910753614"}, {"keys", keys}}}}};
                    return seed.dump();
                  },
                  Errc::kInvalidArgument, "seed.json: clients[0].keys: at most 5 keys"},
        SeedError{"PrivateJwk",
                  [] {
                    json jwk = RsaJwk("k");
                    jwk["d"] = "AQAB";
                    json seed = {
                        {"clients",
                         {{{"client_name", "a"}, {"client_orgno", "910753614"}, {"keys", {jwk}}}}}};
                    return seed.dump();
                  },
                  Errc::kInvalidArgument,
                  "seed.json: clients[0].keys[0].d: private key members are not accepted"},
        SeedError{"MissingPemFile",
                  [] {
                    return Text(R"({"clients":[{"client_name":"a","client_orgno":"910753614",
                                   "keys":[{"pem_file":"missing.pem","kid":"k"}]}]})");
                  },
                  Errc::kNotFound, "seed.json: clients[0].keys[0].pem_file: ..."},
        SeedError{"ClientWithoutOwner", [] { return Text(R"({"clients":[{"client_name":"a"}]})"); },
                  Errc::kInvalidArgument, "seed.json: clients[0].client_orgno: missing"},
        SeedError{"MissingTrustAnchor",
                  [] { return Text(R"({"trust_anchors":{"test":["ca/none.pem"]}})"); },
                  Errc::kNotFound, "seed.json: trust_anchors.test[0]: ..."},
        SeedError{"UnknownEnvironment", [] { return Text(R"({"trust_anchors":{"staging":[]}})"); },
                  Errc::kInvalidArgument,
                  "seed.json: trust_anchors.staging: unknown environment (use \"test\" or "
                  "\"prod\")"},
        SeedError{"BadSerial", [] { return Text(R"({"revoked_serials":["xyz"]})"); },
                  Errc::kInvalidArgument,
                  "seed.json: revoked_serials[0]: \"xyz\" is not a hex serial number"},
        SeedError{"BadSupplier",
                  [] {
                    return Text(R"({"delegations":[{"consumer_orgno":"910753614",
                                   "supplier_orgno":"1","scope":"p:s"}]})");
                  },
                  Errc::kInvalidArgument,
                  "seed.json: delegations[0].supplier_orgno: \"1\" is not a valid organisation "
                  "number"},
        // Found when the seed meets the registry (ApplySeed), still before any write.
        SeedError{"ClientScopeWithoutAccess",
                  [] {
                    return WithScope(R"("clients":[{"client_name":"a","client_orgno":"910753614",
                                        "scopes":["p:s"]}])");
                  },
                  Errc::kInvalidArgument,
                  "seed.json: clients[0].scopes[0]: organisation 910753614 has no approved "
                  "access to scope \"p:s\""},
        SeedError{"ClientUnknownScope",
                  [] {
                    return Text(R"({"clients":[{"client_name":"a","client_orgno":"910753614",
                                   "scopes":["nope:x"]}]})");
                  },
                  Errc::kInvalidArgument,
                  "seed.json: clients[0].scopes[0]: unknown scope \"nope:x\""},
        SeedError{"AccessUnknownScope",
                  [] {
                    return WithScope(
                        R"("access":[{"scope":"nope:x","consumer_orgno":"910753614"}])");
                  },
                  Errc::kInvalidArgument, "seed.json: access[0].scope: unknown scope \"nope:x\""},
        SeedError{"DelegationOfNonDelegableScope",
                  [] {
                    return WithScope(R"("delegations":[{"consumer_orgno":"910753614",
                                        "supplier_orgno":"311654306","scope":"p:s"}])");
                  },
                  Errc::kInvalidArgument,
                  "seed.json: delegations[0].scope: scope \"p:s\" is not delegable (it has no "
                  "delegation_source)"}),
    [](const ::testing::TestParamInfo<SeedError>& info) { return info.param.name; });

TEST_F(Seed, LoadSeedFileReadsPemPathsBesideTheFile) {
  dir_.WriteDocFiles();
  const std::string file = dir_.path() + "/seed.json";
  WriteFile(file, R"({"trust_anchors":{"test":["ca/root.pem"],"prod":["ca/missing.pem"]}})");
  Result<SeedConfig> seed = LoadSeedFile(file);
  ASSERT_FALSE(seed.ok());
  EXPECT_EQ(seed.status().code(), Errc::kNotFound);
  EXPECT_EQ(seed.status().message(), file + ": trust_anchors.prod[0]: cannot read " + dir_.path() +
                                         "/ca/missing.pem: No such file or directory");
  WriteFile(file, R"({"trust_anchors":{"test":["ca/root.pem"]}})");
  seed = LoadSeedFile(file);
  ASSERT_TRUE(seed.ok()) << seed.status().ToString();
  EXPECT_EQ(seed->test_anchors.size(), 1u);
}

TEST_F(Seed, PrefixOwnedInTheRegistryIsRefused) {
  ASSERT_TRUE(LoadAndApply(std::string(R"({"scopes":[)") + kScope + "]}").ok());
  Status s =
      LoadAndApply(R"({"scopes":[{"prefix":"p","subscope":"other","owner_orgno":"910753614"}]})");
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_TRUE(MessageIs(
      s, "seed.json: scopes[0].prefix: \"p\" belongs to organisation 889640782 in the registry"));
  EXPECT_FALSE(env_.store->GetScope("p:other").value().has_value());
}

}  // namespace
}  // namespace mp::server
