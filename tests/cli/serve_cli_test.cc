// `maskinporten serve` as a user runs it: a process on port 0 that prints where it listens,
// writes --port-file, serves, and stops cleanly (exit 0) on SIGTERM; a seed that breaks a rule
// exits 1 and one that cannot be read exits 3, naming the file, the JSON path and the problem; a
// database of another program exits 3 and is left as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "maskinporten/http.h"
#include "testing/cli_runner.h"
#include "testing/process.h"
#include "testing/redis_server.h"

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

// README: a document that fails a rule exits 1, a file that cannot be read exits 3.
struct BadSeed {
  const char* name;
  std::string json;
  const char* code;
  const char* detail;  // after "<seed file>: "
};

TEST(ServeCli, SeedThatBreaksARuleExitsOneNamingFileAndPath) {
  TempDir dir;
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  for (const BadSeed& c : std::vector<BadSeed>{
           {"not JSON", R"({"scopes":[)", "invalid_json", ""},
           {"wrong type", R"({"scopes":[{"prefix":"nav","subscope":7}]})", "invalid_argument",
            "scopes[0].subscope"},
           {"duplicate key", R"({"scopes":[],"scopes":[]})", "invalid_json",
            "duplicate member \"scopes\""},
           {"too deep", R"({"scopes":)" + deep + "}", "invalid_json", "nesting deeper than 32"},
           {"unknown member", R"({"scopez":[]})", "invalid_argument", "scopez: unknown member"},
           {"invalid org number", R"({"organizations":[{"orgno":"910753615","name":"x"}]})",
            "invalid_argument", "organizations[0].orgno"},
           {"unknown scope",
            R"({"clients":[{"client_name":"a","client_orgno":"910753614","scopes":["no:pe"]}]})",
            "invalid_argument", "clients[0].scopes[0]: unknown scope"}}) {
    WriteFile(dir.File("seed.json"), c.json);
    ProcessResult r = Cli(ServeArgs(dir, {"--config", dir.File("seed.json")}));
    EXPECT_EQ(r.exit_code, 1) << c.name << ": " << r.err;
    ExpectErrorLine(r, c.code);
    EXPECT_THAT(r.err, HasSubstr(dir.File("seed.json") + ": ")) << c.name;
    EXPECT_THAT(r.err, HasSubstr(c.detail)) << c.name;
  }
}

TEST(ServeCli, SeedFileThatCannotBeReadExitsThree) {
  TempDir dir;
  std::filesystem::create_directory(dir.File("dir.json"));
  WriteFile(dir.File("pem.json"), R"({"clients":[{"client_name":"a","client_orgno":"910753614",
                                      "keys":[{"pem_file":"missing.pem","kid":"k"}]}]})");
  struct Unreadable {
    std::string seed;
    const char* code;
    const char* names;
  };
  for (const Unreadable& c :
       std::vector<Unreadable>{{dir.File("nope.json"), "not_found", "nope.json"},
                               {dir.File("dir.json"), "io_error", "dir.json"},
                               {dir.File("pem.json"), "not_found", "missing.pem"}}) {
    ProcessResult r = Cli(ServeArgs(dir, {"--config", c.seed}));
    EXPECT_EQ(r.exit_code, 3) << c.seed << ": " << r.err;
    ExpectErrorLine(r, c.code);
    EXPECT_THAT(r.err, HasSubstr(c.names));
  }
}

// Issue 14: a file of another program is refused before anything in it changes.
TEST(ServeCli, ForeignDatabaseExitsThreeAndIsLeftUnchanged) {
  TempDir dir;
  const std::string db = dir.File("other.db");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "PRAGMA application_id = 305419896; CREATE TABLE notes (body TEXT); "
                         "INSERT INTO notes VALUES ('keep me');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_close(raw), SQLITE_OK);
  const std::string before = ReadFile(db);
  ProcessResult r =
      Cli({"serve", "--db", db, "--ca-dir", dir.File("ca"), "--ca-bits", "2048", "--quiet"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "error: io_error: " + db +
                       ": application_id 0x12345678 is not maskinporten-cpp's (0x4d504350)\n");
  EXPECT_TRUE(ReadFile(db) == before) << "the foreign file changed";
  EXPECT_FALSE(std::filesystem::exists(db + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(db + "-shm"));
}

TEST(ServeCli, BadFlagValuesAreUsageErrors) {
  TempDir dir;
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--env", "staging"},
           {"--replay-store", "redis"},
           {"--issuer", "http://127.0.0.1:1"},
           {"--tls-cert", "x.pem"},
           {"--replay-store", "sqlite"},
           {"--key-reload-interval", "5", "--key-activation-delay", "5"},
           {"--key-activation-delay", "-1"},
           {"--key-reload-interval", "86401"}}) {
    ProcessResult r = Cli(ServeArgs(dir, extra));
    EXPECT_EQ(r.exit_code, 2) << extra[0] << ": " << r.err;
    ExpectErrorLine(r, "invalid_argument");
  }
}

// docs/operations.md, "Redis replay store" and "Keys at rest": what cannot be honoured stops the
// start naming the cause; the Redis password and the key-encryption key are never printed.
TEST(ServeCli, RedisAndKekProblemsStopTheStartWithoutShowingSecrets) {
  TempDir dir;
  ProcessResult tls = Cli(ServeArgs(dir, {"--replay-store", "rediss://:hunter2@127.0.0.1:1"}));
  EXPECT_EQ(tls.exit_code, 1);
  EXPECT_THAT(tls.err, HasSubstr("error: invalid_argument: replay store rediss://***@127.0.0.1:1: "
                                 "rediss:// (TLS) is not supported"));
  ProcessResult down = Cli(ServeArgs(dir, {"--replay-store", "redis://:hunter2@127.0.0.1:1/0"}));
  EXPECT_EQ(down.exit_code, 3);
  EXPECT_EQ(down.err, "error: network_error: redis 127.0.0.1:1: connection refused\n");
  ProcessResult kek =
      Cli(ServeArgs(dir, {}), "", {{"MASKINPORTEN_KEY_ENCRYPTION_KEY", "c2hvcnQ="}});
  EXPECT_EQ(kek.exit_code, 1);
  EXPECT_EQ(kek.err,
            "error: invalid_argument: MASKINPORTEN_KEY_ENCRYPTION_KEY decodes to 5 bytes; "
            "AES-256 needs 32 (openssl rand -base64 32)\n");
  for (const ProcessResult* r : {&tls, &down, &kek}) {
    EXPECT_THAT(r->err, ::testing::Not(HasSubstr("hunter2")));
    EXPECT_THAT(r->err, ::testing::Not(HasSubstr("c2hvcnQ")));
  }
}

TEST(ServeCli, StartLineShowsTheRedisUrlWithoutItsPassword) {
  MP_START_REDIS_OR_SKIP(redis, {"--requirepass", "hunter2"});
  TempDir dir;
  const std::string url = "redis://:hunter2@127.0.0.1:" + std::to_string(redis->port()) + "/1";
  BackgroundProcess serve(MP_CLI_PATH, ServeArgs(dir, {"--replay-store", url}), dir.File("out"),
                          dir.File("err"));
  ASSERT_FALSE(BackgroundProcess::WaitForLine(dir.File("port"), 60000).empty())
      << ReadFile(dir.File("err"));
  std::string err = BackgroundProcess::WaitForLine(dir.File("err"), 5000);
  EXPECT_THAT(err, HasSubstr(", replay store redis://***@127.0.0.1:" +
                             std::to_string(redis->port()) + "/1, started in "));
  EXPECT_THAT(err, ::testing::Not(HasSubstr("hunter2")));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(15000), 0) << ReadFile(dir.File("err"));
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
