// `maskinporten agent` as an operator runs it: a process on a free loopback port that prints
// where it listens (stdout) and the NAIS_TOKEN_* variables (stderr), hands out tokens, reloads its
// credential file on SIGHUP, and stops cleanly (exit 0) on SIGTERM; a non-loopback --listen or
// missing client flags are usage errors (exit 2), credentials that do not load exit as their kind
// says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/local_maskinporten.h"
#include "testing/cli_runner.h"
#include "testing/jose_fixtures.h"
#include "testing/process.h"

namespace mp::testing {
namespace {

using ::testing::HasSubstr;

// Polls `path` until it contains `text` (up to 10 s); its content then (or at the timeout).
std::string WaitForText(const std::string& path, std::string_view text) {
  std::string content;
  for (int i = 0; i < 500 && content.find(text) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    content = ReadFile(path);
  }
  return content;
}

class AgentCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const PrivateKey& key = TestKey(Algorithm::kRS256);
    LocalMaskinportenOptions o;
    o.seed_json = R"({
      "scopes": [{"prefix": "nav", "subscope": "example", "owner_orgno": "889640782",
                  "accessible_for_all": true}],
      "clients": [{"client_id": "agent-client", "client_name": "agent cli test",
                   "client_orgno": "910753614", "scopes": ["nav:example"], "keys": [)" +
                  PublicKeyToJwk(key.public_key(), {.kid = "k1", .alg = Algorithm::kRS256}) +
                  "]}]}";
    o.signing_key_pem = key.ToPkcs8Pem();
    o.web = false;
    o.threads = 1;
    Result<std::unique_ptr<LocalMaskinporten>> mp = LocalMaskinporten::Start(o);
    ASSERT_TRUE(mp.ok()) << mp.status().ToString();
    mp_ = std::move(*mp);
    WriteFile(dir_.File("key.pem"), key.ToPkcs8Pem());
  }

  std::vector<std::string> Args(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "agent", "--issuer",           mp_->issuer(), "--client-id", "agent-client",
        "--key", dir_.File("key.pem"), "--kid",       "k1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  TempDir dir_;
  std::unique_ptr<LocalMaskinporten> mp_;
};

TEST_F(AgentCli, ServesTokensReloadsOnSighupAndStopsOnSigterm) {
  BackgroundProcess agent(MP_CLI_PATH, Args({"--port-file", dir_.File("port")}), dir_.File("out"),
                          dir_.File("err"));
  std::string port = BackgroundProcess::WaitForLine(dir_.File("port"), 30000);
  ASSERT_FALSE(port.empty()) << ReadFile(dir_.File("err"));
  port.pop_back();
  const std::string base = "http://127.0.0.1:" + port;
  EXPECT_EQ(BackgroundProcess::WaitForLine(dir_.File("out"), 5000), "listening on " + base + "\n");
  std::string err = WaitForText(dir_.File("err"), "INTROSPECTION");
  EXPECT_THAT(err, HasSubstr("NAIS_TOKEN_ENDPOINT=" + base + "/api/v1/token\n"));
  EXPECT_THAT(err, HasSubstr("NAIS_TOKEN_INTROSPECTION_ENDPOINT=" + base + "/api/v1/introspect\n"));

  auto http = MakeCurlHttpClient();
  Result<HttpResponse> token =
      http->Send({.method = "POST",
                  .url = base + "/api/v1/token",
                  .headers = {{"Content-Type", "application/json"}},
                  .body = R"({"identity_provider":"maskinporten","target":"nav:example"})"});
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->status, 200) << token->body;
  EXPECT_THAT(token->body, HasSubstr("\"token_type\":\"Bearer\""));

  agent.Signal(SIGHUP);
  err = WaitForText(dir_.File("err"), "credentials reloaded");
  EXPECT_THAT(err, HasSubstr(R"("event":"credentials reloaded")"));
  EXPECT_THAT(err, HasSubstr(R"("scope":"nav:example","cache":"miss")"));
  EXPECT_THAT(err, ::testing::Not(HasSubstr(
                       nlohmann::json::parse(token->body)["access_token"].get<std::string>())));

  agent.Signal(SIGTERM);
  EXPECT_EQ(agent.Wait(15000), 0) << ReadFile(dir_.File("err"));
  EXPECT_FALSE(http->Send({.url = base + "/health"}).ok());
}

TEST_F(AgentCli, JsonPrintsAddressAndVariables) {
  BackgroundProcess agent(MP_CLI_PATH, Args({"--json", "--quiet"}), dir_.File("out"),
                          dir_.File("err"));
  const std::string line = BackgroundProcess::WaitForLine(dir_.File("out"), 30000);
  ASSERT_FALSE(line.empty()) << ReadFile(dir_.File("err"));
  nlohmann::json j = nlohmann::json::parse(line);
  const std::string base = j["listening_on"];
  EXPECT_EQ(j["issuer"], mp_->issuer());
  EXPECT_EQ(j["client_id"], "agent-client");
  EXPECT_EQ(j["env"]["NAIS_TOKEN_ENDPOINT"], base + "/api/v1/token");
  EXPECT_EQ(j["env"]["NAIS_TOKEN_INTROSPECTION_ENDPOINT"], base + "/api/v1/introspect");
  agent.Signal(SIGTERM);
  EXPECT_EQ(agent.Wait(15000), 0);
}

TEST_F(AgentCli, NonLoopbackListenIsAUsageError) {
  ProcessResult r = Cli(Args({"--listen", "0.0.0.0:0"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  ExpectErrorLine(r, "invalid_argument");
  EXPECT_THAT(r.err, HasSubstr("--allow-remote"));
  r = Cli(Args({"--listen", "0.0.0.0:0", "--allow-remote"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("TLS"));
}

TEST_F(AgentCli, MissingClientFlagsAreUsageErrors) {
  ProcessResult r =
      Cli({"agent", "--issuer", mp_->issuer(), "--key", dir_.File("key.pem"), "--kid", "k1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  ExpectErrorLine(r, "invalid_argument");
  EXPECT_THAT(r.err, HasSubstr("client"));
}

TEST_F(AgentCli, KeyFileThatCannotBeReadExitsThree) {
  ProcessResult r = Cli({"agent", "--issuer", mp_->issuer(), "--client-id", "agent-client", "--key",
                         dir_.File("missing.pem"), "--kid", "k1"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("missing.pem"));
}

TEST_F(AgentCli, HelpShowsExamplesAndExitCodes) {
  ProcessResult r = Cli({"agent", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("--allow-scope"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes:"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("--consumer-org")));
}

// --unix: curl reaches it through the socket, the file is 0600 and removed on SIGTERM; a second
// agent on the same path, or a regular file there, exits 3 and leaves it alone.
TEST_F(AgentCli, UnixSocketServesCurlAndIsRemovedOnExit) {
  const std::string path = dir_.File("agent.sock");
  BackgroundProcess agent(MP_CLI_PATH, Args({"--unix", path}), dir_.File("out"), dir_.File("err"));
  ASSERT_EQ(BackgroundProcess::WaitForLine(dir_.File("out"), 30000),
            "listening on unix:" + path + "\n")
      << ReadFile(dir_.File("err"));
  std::string err = WaitForText(dir_.File("err"), "--unix-socket");
  EXPECT_THAT(err, HasSubstr("NAIS_TOKEN_ENDPOINT=http://localhost/api/v1/token\n"));
  EXPECT_THAT(err, HasSubstr("curl --unix-socket " + path));
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  ProcessResult curl = RunProcess(
      "/usr/bin/env", {"curl", "-sS", "--unix-socket", path, "-d", "identity_provider=maskinporten",
                       "-d", "target=nav:example", "http://localhost/api/v1/token"});
  EXPECT_EQ(curl.exit_code, 0) << curl.err;
  nlohmann::json token = nlohmann::json::parse(curl.out, nullptr, false);
  EXPECT_EQ(token.value("token_type", ""), "Bearer") << curl.out;

  ProcessResult second = Cli(Args({"--unix", path}));
  EXPECT_EQ(second.exit_code, 3) << second.err;
  ExpectErrorLine(second, "io_error");
  EXPECT_THAT(second.err, HasSubstr("listening on it"));
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);

  agent.Signal(SIGTERM);
  EXPECT_EQ(agent.Wait(15000), 0) << ReadFile(dir_.File("err"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(AgentCli, UnixSocketRefusesAFileInTheWayAndConflictingFlags) {
  const std::string file = dir_.File("not-a-socket");
  WriteFile(file, "keep me");
  ProcessResult r = Cli(Args({"--unix", file}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  ExpectErrorLine(r, "io_error");
  EXPECT_THAT(r.err, HasSubstr("not a socket"));
  EXPECT_EQ(ReadFile(file), "keep me");

  r = Cli(Args({"--unix", dir_.File("s"), "--listen", "127.0.0.1:0"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = Cli(Args({"--unix", dir_.File("s"), "--allow-remote"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--unix"));
}

}  // namespace
}  // namespace mp::testing
