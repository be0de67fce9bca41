// `maskinporten serve` as a user runs it: a process on port 0 that prints where it listens,
// writes --port-file, serves, and stops cleanly (exit 0) on SIGTERM; a bad seed exits 3 naming
// the file, the JSON path and the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "maskinporten/http.h"
#include "testing/cli_runner.h"
#include "testing/process.h"

namespace mp::testing {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> ServeArgs(const TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> args = {"serve",          "--db",      ":memory:", "--ca-dir",
                                   dir.File("ca"),   "--ca-bits", "2048",     "--port-file",
                                   dir.File("port"), "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(ServeCli, ListensWritesThePortFileAndStopsOnSigterm) {
  TempDir dir;
  BackgroundProcess serve(MP_CLI_PATH, ServeArgs(dir, {}), dir.File("out"), dir.File("err"));
  std::string port = BackgroundProcess::WaitForLine(dir.File("port"), 60000);
  ASSERT_FALSE(port.empty()) << ReadFile(dir.File("err"));
  port.pop_back();
  std::string out = BackgroundProcess::WaitForLine(dir.File("out"), 5000);
  EXPECT_EQ(out, "listening on http://127.0.0.1:" + port + "\n");

  auto http = MakeCurlHttpClient();
  Result<HttpResponse> meta =
      http->Send({.url = "http://127.0.0.1:" + port + "/.well-known/oauth-authorization-server"});
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->status, 200);
  EXPECT_THAT(meta->body, HasSubstr("\"issuer\":\"http://127.0.0.1:" + port + "/\""));

  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(15000), 0) << ReadFile(dir.File("err"));
  EXPECT_FALSE(http->Send({.url = "http://127.0.0.1:" + port + "/health"}).ok());
}

TEST(ServeCli, InvalidSeedExitsThreeNamingFileAndPath) {
  TempDir dir;
  WriteFile(dir.File("seed.json"), R"({"scopes":[{"prefix":"nav","subscope":7}]})");
  ProcessResult r = Cli(ServeArgs(dir, {"--config", dir.File("seed.json")}));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, ::testing::StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr(dir.File("seed.json")));
  EXPECT_THAT(r.err, HasSubstr("scopes[0].subscope"));
}

TEST(ServeCli, MissingSeedFileExitsThree) {
  TempDir dir;
  ProcessResult r = Cli(ServeArgs(dir, {"--config", dir.File("nope.json")}));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("nope.json"));
}

TEST(ServeCli, BadFlagValuesAreUsageErrors) {
  TempDir dir;
  for (const auto& extra : std::vector<std::vector<std::string>>{{"--env", "staging"},
                                                                 {"--replay-store", "redis"},
                                                                 {"--issuer", "http://127.0.0.1:1"},
                                                                 {"--tls-cert", "x.pem"}}) {
    ProcessResult r = Cli(ServeArgs(dir, extra));
    EXPECT_EQ(r.exit_code, 2) << extra[0] << ": " << r.err;
    ExpectErrorLine(r, "invalid_argument");
  }
}

TEST(ServeCli, BusyPortExitsThreeNamingTheAddress) {
  TempDir dir;
  BackgroundProcess first(MP_CLI_PATH, ServeArgs(dir, {}), dir.File("out"), dir.File("err"));
  std::string port = BackgroundProcess::WaitForLine(dir.File("port"), 60000);
  ASSERT_FALSE(port.empty()) << ReadFile(dir.File("err"));
  port.pop_back();
  TempDir other;
  ProcessResult r = Cli({"serve", "--db", ":memory:", "--ca-dir", other.File("ca"), "--ca-bits",
                         "2048", "--listen", "127.0.0.1:" + port});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("127.0.0.1:" + port));
}

TEST(ServeCli, HelpShowsExamples) {
  ProcessResult r = Cli({"serve", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("--test-controls"));
}

}  // namespace
}  // namespace mp::testing
