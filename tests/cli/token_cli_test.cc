// `maskinporten token` end to end: the real binary, real curl, a fake Maskinporten on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json.h"
#include "maskinporten/jws.h"
#include "testing/fake_token_server.h"
#include "testing/process.h"

namespace mp {
namespace {

using testing::FakeRequest;
using testing::FakeResponse;
using testing::FakeTokenServer;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;

ProcessResult Cli(const std::vector<std::string>& args,
                  const std::vector<std::pair<std::string, std::string>>& env = {}) {
  return RunProcess(MP_CLI_PATH, args, "", env);
}

// Decodes application/x-www-form-urlencoded `name` from a body.
std::string FormValue(const std::string& body, const std::string& name) {
  size_t p = body.find(name + "=");
  if (p == std::string::npos) return "";
  size_t e = body.find('&', p);
  std::string v =
      body.substr(p + name.size() + 1, e == std::string::npos ? e : e - p - name.size() - 1);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      out.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(v[i] == '+' ? ' ' : v[i]);
    }
  }
  return out;
}

class TokenCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Cli({"keygen", "--kid", "k1", "--out", dir_.File("k.pem")}).exit_code, 0);
  }
  // Serves metadata for its own URL, and `token` for POST /token.
  void Serve(std::function<FakeResponse(const FakeRequest&)> token) {
    server_.SetHandler([this, token](const FakeRequest& r) {
      if (r.target == "/.well-known/oauth-authorization-server") {
        return testing::FakeMetadataResponse(server_.Url());
      }
      if (r.method == "POST" && r.target == "/token") return token(r);
      return FakeResponse{.status = 404};
    });
  }
  std::vector<std::string> Args(std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {
        "token",       "--issuer", server_.Url(),      "--client-id", "my-client", "--scope",
        "nav:example", "--key",    dir_.File("k.pem"), "--kid",       "k1"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  TempDir dir_;
  FakeTokenServer server_;
};

TEST_F(TokenCli, PrintsTheTokenFromAFreshKidGrant) {
  Serve(
      [](const FakeRequest&) { return testing::FakeTokenResponse("tok-123", 119, "nav:example"); });
  ProcessResult r = Cli(Args({"--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["access_token"], "tok-123");
  EXPECT_EQ((*j)["expires_in"], 119);
  EXPECT_EQ((*j)["attempts"], 1);

  std::vector<FakeRequest> reqs = server_.Requests();
  ASSERT_EQ(reqs.size(), 2u);  // discovery, then the token request
  EXPECT_EQ(FormValue(reqs[1].body, "grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
  auto grant = ParseJws(FormValue(reqs[1].body, "assertion"));
  ASSERT_TRUE(grant.ok()) << grant.status().ToString();
  EXPECT_EQ(grant->header.kid, "k1");
  auto claims = ParseStrictJsonObject(grant->payload);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ((*claims)["aud"], server_.Url());
  EXPECT_EQ((*claims)["iss"], "my-client");
  EXPECT_EQ((*claims)["scope"], "nav:example");
  EXPECT_THAT(reqs[1].Header("user-agent").value_or(""), HasSubstr("maskinporten-cpp/"));
}

TEST_F(TokenCli, RetriesA503WithANewGrant) {
  int calls = 0;
  Serve([&calls](const FakeRequest&) {
    if (++calls == 1) {
      return FakeResponse{.status = 503, .headers = {{"Retry-After", "0"}}, .body = "busy"};
    }
    return testing::FakeTokenResponse("tok-2", 119, "nav:example");
  });
  ProcessResult r = Cli(Args());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "tok-2\n");
  std::vector<FakeRequest> reqs = server_.Requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_NE(FormValue(reqs[1].body, "assertion"), FormValue(reqs[2].body, "assertion"));
}

TEST_F(TokenCli, MaskinportenRefusalExits1WithCodeTextTraceIdAndHint) {
  Serve([](const FakeRequest&) {
    return testing::FakeMaskinportenError(MpError::kMp110, "356666143081bbec11d293753e9702ca");
  });
  ProcessResult r = Cli(Args());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: maskinporten_error: MP-110: Invalid assertion. Client "
                               "authentication failed. Invalid JWT claim aud. (trace_id "
                               "356666143081bbec11d293753e9702ca)"));
  EXPECT_THAT(r.err, HasSubstr("hint: aud must be the environment's issuer exactly"));
  EXPECT_EQ(server_.RequestCount(), 2u);  // a 400 is never retried
  EXPECT_EQ(r.out, "");
}

TEST_F(TokenCli, UnreachableServerExits3) {
  ProcessResult r = Cli({"token", "--issuer", "http://127.0.0.1:1/", "--client-id", "c", "--scope",
                         "a:b", "--key", dir_.File("k.pem"), "--kid", "k1", "--timeout", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("error: network_error: "));
}

// Issue 15: --consent <id> --person <fnr> puts the Altinn 3 consent entry (SPEC §14.3) in the
// grant's authorization_details.
TEST_F(TokenCli, ConsentAndPersonSendTheAltinn3ConsentEntry) {
  Serve([](const FakeRequest&) { return testing::FakeTokenResponse("tok-c", 119, "nav:example"); });
  const std::string id = "77ed8698-e619-4066-9eb4-5c1eb3f165a1";
  ProcessResult r = Cli(Args({"--consent", id, "--person", "01819010001"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<FakeRequest> reqs = server_.Requests();
  ASSERT_EQ(reqs.size(), 2u);
  auto grant = ParseJws(FormValue(reqs[1].body, "assertion"));
  ASSERT_TRUE(grant.ok()) << grant.status().ToString();
  auto claims = ParseStrictJsonObject(grant->payload);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ((*claims)["authorization_details"],
            nlohmann::json::array({{{"type", "urn:altinn:consent"},
                                    {"id", id},
                                    {"from", "urn:altinn:person:identifier-no:01819010001"}}}));
}

TEST_F(TokenCli, ConsentFlagsAreUsageErrorsAloneOrWithAuthorizationDetails) {
  const std::string id = "77ed8698-e619-4066-9eb4-5c1eb3f165a1";
  ProcessResult alone = Cli(Args({"--consent", id}));
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_THAT(alone.err, HasSubstr("--consent and --person go together"));
  ProcessResult both = Cli(Args({"--consent", id, "--person", "01819010001",
                                 "--authorization-details", R"({"type":"urn:altinn:consent"})"}));
  EXPECT_EQ(both.exit_code, 2);
  ProcessResult bad = Cli(Args({"--consent", "nope", "--person", "01819010001"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("is not a UUID"));
  EXPECT_TRUE(server_.Requests().empty());
}

// Issue 15 §4: --system-user-org <orgno> [--external-ref <ref>] puts the system user entry
// (SPEC §15) in the grant's authorization_details.
TEST_F(TokenCli, SystemUserOrgSendsTheSystemUserEntry) {
  Serve([](const FakeRequest&) { return testing::FakeTokenResponse("tok-s", 119, "nav:example"); });
  ProcessResult r = Cli(Args({"--system-user-org", "910753614"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ProcessResult ref = Cli(Args({"--system-user-org", "910753614", "--external-ref", "cust-17"}));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  std::vector<FakeRequest> reqs = server_.Requests();
  ASSERT_EQ(reqs.size(), 4u);
  const nlohmann::json org = {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:910753614"}};
  auto details = [&](const FakeRequest& req) {
    auto grant = ParseJws(FormValue(req.body, "assertion"));
    EXPECT_TRUE(grant.ok()) << grant.status().ToString();
    return (*ParseStrictJsonObject(grant->payload))["authorization_details"];
  };
  EXPECT_EQ(details(reqs[1]),
            nlohmann::json::array({{{"type", "urn:altinn:systemuser"}, {"systemuser_org", org}}}));
  EXPECT_EQ(details(reqs[3]), nlohmann::json::array({{{"type", "urn:altinn:systemuser"},
                                                      {"systemuser_org", org},
                                                      {"externalRef", "cust-17"}}}));
}

TEST_F(TokenCli, SystemUserFlagsAreUsageErrorsWhenMisused) {
  ProcessResult bad = Cli(Args({"--system-user-org", "910753615"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--system-user-org"));
  ProcessResult ref_alone = Cli(Args({"--external-ref", "x"}));
  EXPECT_EQ(ref_alone.exit_code, 2);
  EXPECT_THAT(ref_alone.err, HasSubstr("--external-ref needs --system-user-org"));
  ProcessResult with_consent =
      Cli(Args({"--system-user-org", "910753614", "--consent",
                "77ed8698-e619-4066-9eb4-5c1eb3f165a1", "--person", "01819010001"}));
  EXPECT_EQ(with_consent.exit_code, 2);
  EXPECT_THAT(with_consent.err, HasSubstr("one entry per request"));
  EXPECT_TRUE(server_.Requests().empty());
}

TEST_F(TokenCli, MissingClientIdIsUsageErrorNamingFlagAndVariable) {
  ProcessResult r =
      Cli({"token", "--env", "test", "--scope", "a:b", "--key", dir_.File("k.pem"), "--kid", "k1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--client-id"));
  EXPECT_THAT(r.err, HasSubstr("MASKINPORTEN_CLIENT_ID"));
}

TEST_F(TokenCli, ConfigurationFromEnvironmentVariables) {
  Serve([](const FakeRequest&) { return testing::FakeTokenResponse("tok-env", 119, "a:b"); });
  ProcessResult r = Cli({"token"}, {{"MASKINPORTEN_ISSUER", server_.Url()},
                                    {"MASKINPORTEN_CLIENT_ID", "env-client"},
                                    {"MASKINPORTEN_SCOPES", "a:b"},
                                    {"MASKINPORTEN_KEY_FILE", dir_.File("k.pem")},
                                    {"MASKINPORTEN_KID", "k1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "tok-env\n");
}

TEST_F(TokenCli, VerboseLogNeverContainsTheTokenOrGrant) {
  Serve([](const FakeRequest&) {
    return testing::FakeTokenResponse("secret-access-token", 119, "nav:example");
  });
  ProcessResult r = Cli(Args({"-v"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("secret-access-token")));
  EXPECT_THAT(r.err, Not(HasSubstr("eyJ")));  // no JWS in the log
  EXPECT_THAT(r.err, HasSubstr("attempt"));
}

}  // namespace
}  // namespace mp
