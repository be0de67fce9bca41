// `maskinporten serve --db postgresql://...` as an operator runs it (docs/operations.md,
// "PostgreSQL registry"): the log names the registry without its password, an unreachable server
// exits 3 naming it (still without the password), and the replay store must match the registry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "maskinporten/http.h"
#include "testing/cli_runner.h"
#include "testing/postgres_server.h"
#include "testing/process.h"

namespace mp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> ServePostgres(const TempDir& dir, const std::string& db) {
  return {"serve",        "--db",      db,     "--replay-store", "postgres",       "--ca-dir",
          dir.File("ca"), "--ca-bits", "2048", "--port-file",    dir.File("port"), "--quiet"};
}

TEST(ServePostgresCli, ServesFromPostgresAndLogsTheUrlWithoutItsPassword) {
  const std::string missing = PostgresServer::MissingBinaries();
  if (!missing.empty()) GTEST_SKIP() << missing;
  PostgresServer& pg = PostgresServer::Shared();
  ASSERT_TRUE(pg.error().empty()) << pg.error();
  const std::string plain = pg.CreateDatabase();
  ASSERT_FALSE(plain.empty()) << pg.error();
  // Trust authentication ignores the password; it is there to be kept out of the log.
  std::string with_password = plain;
  with_password.replace(with_password.find("mp@"), 3, "mp:s3cr3t@");

  TempDir dir;
  BackgroundProcess serve(MP_CLI_PATH, ServePostgres(dir, with_password), dir.File("out"),
                          dir.File("err"));
  std::string port = BackgroundProcess::WaitForLine(dir.File("port"), 60000);
  ASSERT_FALSE(port.empty()) << ReadFile(dir.File("err"));
  port.pop_back();
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> health = http->Send({.url = "http://127.0.0.1:" + port + "/health"});
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(health->status, 200) << health->body;
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(15000), 0) << ReadFile(dir.File("err"));
  const std::string err = ReadFile(dir.File("err"));
  EXPECT_THAT(err, HasSubstr(", registry " + plain + ", replay store postgres, started in"));
  EXPECT_THAT(err, Not(HasSubstr("s3cr3t")));
}

TEST(ServePostgresCli, UnreachableServerExitsThreeNamingItWithoutThePassword) {
  TempDir dir;
  ProcessResult r = Cli(ServePostgres(dir, "postgresql://mp:s3cr3t@127.0.0.1:1/registry"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  ExpectErrorLine(r, "network_error");
  EXPECT_THAT(r.err, HasSubstr("postgresql://mp@127.0.0.1:1/registry: PostgreSQL unavailable"));
  EXPECT_THAT(r.err, Not(HasSubstr("s3cr3t")));
}

TEST(ServePostgresCli, ReplayStoreMustLiveWhereTheRegistryIs) {
  TempDir dir;
  std::vector<std::string> on_sqlite = ServePostgres(dir, ":memory:");
  ProcessResult r = Cli(on_sqlite);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--replay-store postgres"));
  std::vector<std::string> sqlite_on_pg = ServePostgres(dir, "postgresql://mp@127.0.0.1:1/x");
  sqlite_on_pg[4] = "sqlite";
  r = Cli(sqlite_on_pg);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--replay-store sqlite needs a SQLite --db file"));
}

}  // namespace
}  // namespace mp::testing
