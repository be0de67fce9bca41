// `maskinporten example-api` as a user runs it: a process on port 0 that prints where it listens,
// writes --port-file, enforces the token and consent rules with keys discovered from a real
// (in-process) local Maskinporten, audits to a 0600 file and stderr, and stops cleanly (exit 0)
// on SIGTERM; bad flag values are usage errors, a busy port exits 3.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>

#include <nlohmann/json.hpp>

#include "core/random.h"
#include "maskinporten/environment.h"
#include "maskinporten/example_api.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/token_client.h"
#include "testing/cli_runner.h"
#include "testing/jose_fixtures.h"
#include "testing/process.h"

namespace mp::testing {
namespace {

using ::testing::HasSubstr;

// The example API process, started with `extra` flags; waits for its port.
class ExampleApiProcess {
 public:
  ExampleApiProcess(const TempDir& dir, std::vector<std::string> extra) : dir_(dir) {
    std::vector<std::string> args = {"example-api", "--port-file", dir.File("port"), "--audit-log",
                                     dir.File("audit.jsonl")};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ =
        std::make_unique<BackgroundProcess>(MP_CLI_PATH, args, dir.File("out"), dir.File("err"));
    port_ = BackgroundProcess::WaitForLine(dir.File("port"), 60000);
    if (!port_.empty()) port_.pop_back();
  }
  const std::string& port() const { return port_; }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + port_ + path; }
  BackgroundProcess& process() { return *process_; }
  std::string Err() const { return ReadFile(dir_.File("err")); }

 private:
  const TempDir& dir_;
  std::unique_ptr<BackgroundProcess> process_;
  std::string port_;
};

TEST(ExampleApiCli, ListensAnswersAuditsAndStopsOnSigterm) {
  TempDir dir;
  // Nothing listens on port 1: the API starts anyway (keys are discovered on first use).
  ExampleApiProcess api(dir, {"--issuer", "http://127.0.0.1:1/"});
  ASSERT_FALSE(api.port().empty()) << api.Err();
  EXPECT_EQ(BackgroundProcess::WaitForLine(dir.File("out"), 5000),
            "listening on http://127.0.0.1:" + api.port() + "\n");

  auto http = MakeCurlHttpClient();
  Result<HttpResponse> health = http->Send({.url = api.Url("/health")});
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(health->status, 200);
  Result<HttpResponse> records = http->Send({.url = api.Url("/ssu/v1/records")});
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->status, 401);
  EXPECT_EQ(records->Header("www-authenticate").value_or(""), "Bearer realm=\"example-api\"");

  std::string audit = ReadFile(dir.File("audit.jsonl"));
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(nlohmann::json::parse(audit)["decision"], "deny");
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("audit.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  api.process().Signal(SIGTERM);
  EXPECT_EQ(api.process().Wait(15000), 0) << api.Err();
  EXPECT_THAT(api.Err(), HasSubstr("\"decision\":\"deny\""));  // audit lines on stderr
  EXPECT_FALSE(http->Send({.url = api.Url("/health")}).ok());
}

TEST(ExampleApiCli, ValidatesRealTokensWithKeysDiscoveredFromTheIssuer) {
  nlohmann::json jwk = nlohmann::json::parse(PublicKeyToJwk(
      TestKey(Algorithm::kRS256).public_key(), {.kid = "k1", .alg = Algorithm::kRS256}));
  nlohmann::json seed = {
      {"organizations", {{{"orgno", "889640782"}, {"name", "TEST VELFERDSETAT"}}}},
      {"scopes",
       {{{"prefix", "nav"}, {"subscope", "example/ssu.read"}, {"owner_orgno", "889640782"}}}},
      {"access",
       {{{"scope", "nav:example/ssu.read"},
         {"consumer_orgno", "910753614"},
         {"state", "APPROVED"}}}},
      {"clients",
       {{{"client_id", "insurer-client"},
         {"client_name", "insurer"},
         {"client_orgno", "910753614"},
         {"scopes", {"nav:example/ssu.read"}},
         {"keys", {jwk}}}}}};
  LocalMaskinportenOptions o;
  o.seed_json = seed.dump();
  o.signing_key_pem = OtherTestKey(Algorithm::kRS256).ToPkcs8Pem();
  o.threads = 1;
  Result<std::unique_ptr<LocalMaskinporten>> mp = LocalMaskinporten::Start(o);
  ASSERT_TRUE(mp.ok()) << mp.status().ToString();

  std::shared_ptr<HttpClient> http = MakeCurlHttpClient();
  Result<Endpoints> ep = Discover(*http, (*mp)->issuer());
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  Result<Credentials> creds = Credentials::WithKid(TestKey(Algorithm::kRS256), "k1");
  ASSERT_TRUE(creds.ok());
  TokenClient client(
      {.endpoints = *ep, .client_id = "insurer-client", .credentials = *creds, .http = http});
  Result<AccessToken> token = client.Fetch({.scopes = {"nav:example/ssu.read"}});
  ASSERT_TRUE(token.ok()) << token.status().ToString();

  TempDir dir;
  ExampleApiProcess api(dir, {"--issuer", (*mp)->issuer(), "--quiet"});
  ASSERT_FALSE(api.port().empty()) << api.Err();
  HttpRequest request{.method = "GET", .url = api.Url("/ssu/v1/records")};
  request.headers = {{"Authorization", "Bearer " + token->access_token},
                     {"NAV-PersonIdent", "01819010001"},
                     {"x-callid", RandomUuid()}};
  // The token passes (signature by discovered keys, issuer, scope); without any consent the
  // org-number rule cannot hold: 403 consent_not_valid.
  Result<HttpResponse> r = http->Send(request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"], "consent_not_valid");
  std::string audit = ReadFile(dir.File("audit.jsonl"));
  EXPECT_EQ(nlohmann::json::parse(audit)["consumer"], "0192:910753614");
  EXPECT_THAT(audit, ::testing::Not(HasSubstr("01819010001")));

  api.process().Signal(SIGINT);
  EXPECT_EQ(api.process().Wait(15000), 0) << api.Err();
  EXPECT_THAT(api.Err(), ::testing::Not(HasSubstr("\"decision\"")));  // --quiet
}

TEST(ExampleApiCli, MissingIssuerIsAUsageError) {
  ProcessResult r = Cli({"example-api"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--issuer"));
}

TEST(ExampleApiCli, BadFlagValuesAreUsageErrors) {
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--consent-issuer", "altinn.no"},  // not a URL and no --consent-jwks-uri
           {"--consent-jwks-uri", "https://altinn.test/jwks"},  // without --consent-issuer
           {"--threads", "-1"},
           {"--listen", "not-an-address"}}) {
    std::vector<std::string> args = {"example-api", "--issuer", "https://test.maskinporten.no/"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 2) << extra[0] << ": " << r.err;
    ExpectErrorLine(r, "invalid_argument");
  }
}

TEST(ExampleApiCli, BusyPortExitsThreeNamingTheAddress) {
  TempDir dir;
  ExampleApiProcess first(dir, {"--issuer", "http://127.0.0.1:1/", "--quiet"});
  ASSERT_FALSE(first.port().empty()) << first.Err();
  ProcessResult r = Cli(
      {"example-api", "--issuer", "http://127.0.0.1:1/", "--listen", "127.0.0.1:" + first.port()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  ExpectErrorLine(r, "io_error");
  EXPECT_THAT(r.err, HasSubstr("127.0.0.1:" + first.port()));
}

TEST(ExampleApiCli, HelpShowsExamples) {
  ProcessResult r = Cli({"example-api", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("--consent-issuer"));
  EXPECT_THAT(r.out, HasSubstr("NAV-Samtykke-Token"));
}

}  // namespace
}  // namespace mp::testing
