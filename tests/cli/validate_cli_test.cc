// `maskinporten validate` end to end: a real token from an in-process local Maskinporten,
// validated by the real binary with issuer discovery or a JWKS file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/json.h"
#include "maskinporten/emulator.h"
#include "testing/cli_runner.h"
#include "testing/jose_fixtures.h"
#include "testing/process.h"

namespace mp {
namespace {

using testing::Cli;
using testing::ExpectErrorLine;
using ::testing::HasSubstr;
using testing::ProcessResult;
using testing::TempDir;
using testing::TestKey;

class ValidateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const PrivateKey& key = TestKey(Algorithm::kRS256);
    std::string jwk = PublicKeyToJwk(key.public_key(), {.kid = "k1", .alg = Algorithm::kRS256});
    LocalMaskinportenOptions o;
    o.seed_json = R"({
      "scopes": [{"prefix": "nav", "subscope": "example", "owner_orgno": "889640782",
                  "accessible_for_all": true}],
      "clients": [{"client_id": "my-client", "client_name": "validate test",
                   "client_orgno": "910753614", "scopes": ["nav:example"], "keys": [)" +
                  jwk + R"(]}]
    })";
    o.signing_key_pem = key.ToPkcs8Pem();  // skips generating a signing key
    o.threads = 1;
    Result<std::unique_ptr<LocalMaskinporten>> server = LocalMaskinporten::Start(o);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);

    Result<Endpoints> ep = EndpointsForIssuer(server_->issuer());
    ASSERT_TRUE(ep.ok());
    Result<Credentials> creds = Credentials::WithKid(key, "k1");
    ASSERT_TRUE(creds.ok());
    std::shared_ptr<HttpClient> http = MakeCurlHttpClient();
    TokenClient client(
        {.endpoints = *ep, .client_id = "my-client", .credentials = *creds, .http = http});
    Result<AccessToken> token = client.Fetch({.scopes = {"nav:example"}});
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    token_ = token->access_token;
    Result<HttpResponse> jwks = http->Send({.method = "GET", .url = ep->jwks_uri});
    ASSERT_TRUE(jwks.ok() && jwks->status == 200);
    testing::WriteFile(dir_.File("jwks.json"), jwks->body);
  }

  std::vector<std::string> Discovery(std::vector<std::string> extra) {
    std::vector<std::string> a = {"validate", "--issuer", server_->issuer()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  TempDir dir_;
  std::unique_ptr<LocalMaskinporten> server_;
  std::string token_;
};

TEST_F(ValidateCli, RealTokenIsValidWithIssuerDiscovery) {
  ProcessResult r =
      Cli(Discovery({"--scope", "nav:example", "--consumer-org", "910753614", token_}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result<nlohmann::json> j = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["valid"], true);
  EXPECT_EQ((*j)["consumer"], "0192:910753614");
  EXPECT_TRUE((*j)["supplier"].is_null());
  EXPECT_TRUE((*j)["delegation_source"].is_null());
  EXPECT_EQ((*j)["scopes"], nlohmann::json::array({"nav:example"}));
  EXPECT_EQ((*j)["client_id"], "my-client");
  EXPECT_EQ((*j)["jti"].get<std::string>().size(), 43u);
  EXPECT_GT((*j)["expires_at"].get<int64_t>(), (*j)["issued_at"].get<int64_t>());
  EXPECT_EQ((*j)["claims"]["iss"], server_->issuer());
  EXPECT_EQ(r.out.rfind("{\"valid\":true,\"consumer\":", 0), 0u) << r.out;  // member order
}

TEST_F(ValidateCli, RealTokenIsValidWithAJwksFileAndFromStdin) {
  ProcessResult r = Cli({"validate", "--jwks", dir_.File("jwks.json"), "--iss", server_->issuer(),
                         "--scope", "nav:example", "-"},
                        token_ + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"consumer\":\"0192:910753614\""));
}

TEST_F(ValidateCli, MissingScopeIsRefusedWithExit1AndNothingOnStdout) {
  ProcessResult r = Cli(Discovery({"--scope", "nav:example/ssu.read", token_}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  ExpectErrorLine(r, "insufficient_scope");
  EXPECT_THAT(r.err, HasSubstr("nav:example/ssu.read"));
}

TEST_F(ValidateCli, OtherConsumerIsRefused) {
  ProcessResult r = Cli(Discovery({"--consumer-org", "889640782", token_}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  ExpectErrorLine(r, "consumer_not_allowed");
  EXPECT_THAT(r.err, HasSubstr("0192:910753614"));
}

TEST_F(ValidateCli, WrongIssuerTamperedAndExpiredTokensAreRefused) {
  ProcessResult iss = Cli({"validate", "--jwks", dir_.File("jwks.json"), "--iss",
                           "https://test.maskinporten.no/", token_});
  EXPECT_EQ(iss.exit_code, 1);
  ExpectErrorLine(iss, "issuer_mismatch");

  std::string tampered = token_;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  ProcessResult sig = Cli(Discovery({tampered}));
  EXPECT_EQ(sig.exit_code, 1);
  ExpectErrorLine(sig, "invalid_signature");

  ProcessResult expired = Cli(Discovery({"--now", "4000000000", token_}));
  EXPECT_EQ(expired.exit_code, 1);
  ExpectErrorLine(expired, "token_expired");
}

TEST_F(ValidateCli, AudienceFlagRequiresABoundToken) {
  ProcessResult r = Cli(Discovery({"--audience", "https://nav.example/api", token_}));
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "missing_claim");
}

TEST_F(ValidateCli, BadFlagsExit2) {
  ProcessResult none = Cli({"validate", token_});
  EXPECT_EQ(none.exit_code, 2);
  ExpectErrorLine(none, "invalid_argument");
  ProcessResult two = Cli({"validate", "--issuer", server_->issuer(), "--jwks", "x.json", token_});
  EXPECT_EQ(two.exit_code, 2);
  ProcessResult no_iss = Cli({"validate", "--jwks", dir_.File("jwks.json"), token_});
  EXPECT_EQ(no_iss.exit_code, 2);
  EXPECT_THAT(no_iss.err, HasSubstr("--iss"));
  ProcessResult org = Cli(Discovery({"--consumer-org", "910753615", token_}));
  EXPECT_EQ(org.exit_code, 2);
  ExpectErrorLine(org, "invalid_org_number");
  ProcessResult leeway = Cli(Discovery({"--leeway", "-1", token_}));
  EXPECT_EQ(leeway.exit_code, 2);
  ProcessResult no_token = Cli(Discovery({}));
  EXPECT_EQ(no_token.exit_code, 2);
  ProcessResult http = Cli(
      {"validate", "--jwks-uri", "http://keys.example/jwk", "--iss", server_->issuer(), token_});
  EXPECT_EQ(http.exit_code, 2);
}

TEST_F(ValidateCli, UnreachableKeysExit3) {
  ProcessResult uri =
      Cli({"validate", "--jwks-uri", "http://127.0.0.1:1/jwk", "--iss", server_->issuer(), token_});
  EXPECT_EQ(uri.exit_code, 3) << uri.err;
  ExpectErrorLine(uri, "network_error");
  EXPECT_EQ(uri.out, "");
  ProcessResult issuer = Cli({"validate", "--issuer", "http://127.0.0.1:1/", token_});
  EXPECT_EQ(issuer.exit_code, 3) << issuer.err;
  ProcessResult file =
      Cli({"validate", "--jwks", dir_.File("absent.json"), "--iss", server_->issuer(), token_});
  EXPECT_EQ(file.exit_code, 3) << file.err;
}

// README: a document that breaks a rule exits 1 (a JWKS file here), one that cannot be read 3.
TEST_F(ValidateCli, JwksFileThatBreaksARuleExits1) {
  for (const auto& [name, jwks, code] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"not json", R"({"keys":[)", "invalid_json"},
           {"duplicate key", R"({"keys":[],"keys":[]})", "duplicate_json_key"},
           {"no kty", R"({"keys":[{"kid":"a"}]})", "invalid_jwk"}}) {
    testing::WriteFile(dir_.File("bad.json"), jwks);
    ProcessResult r =
        Cli({"validate", "--jwks", dir_.File("bad.json"), "--iss", server_->issuer(), token_});
    EXPECT_EQ(r.exit_code, 1) << name << ": " << r.err;
    ExpectErrorLine(r, code);
    EXPECT_THAT(r.err, HasSubstr("bad.json")) << name;
  }
}

TEST_F(ValidateCli, HelpShowsExamples) {
  ProcessResult r = Cli({"validate", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("--jwks-uri"));
  EXPECT_THAT(r.out, HasSubstr("--allow-supplier"));
}

}  // namespace
}  // namespace mp
