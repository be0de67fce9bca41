// A throwaway PostgreSQL 15 for tests: a copy of a pristine initdb (made once per machine and
// user) in a fresh temp dir, started on a free loopback
// port with its socket in that dir (trust auth, fsync off), stopped and removed by the destructor.
// As root (CI), initdb and postgres refuse to run, so they run as the user "nobody" (the dir is
// chowned to it); as a normal user they run as that user.
//
//   std::string why = testing::PostgresServer::MissingBinaries();
//   if (!why.empty()) GTEST_SKIP() << why;
//   testing::PostgresServer& pg = testing::PostgresServer::Shared();
//   ASSERT_TRUE(pg.error().empty()) << pg.error();
//   std::string url = pg.CreateDatabase();   // postgresql://mp@127.0.0.1:PORT/t3, empty
#ifndef MASKINPORTEN_TESTS_TESTING_POSTGRES_SERVER_H_
#define MASKINPORTEN_TESTS_TESTING_POSTGRES_SERVER_H_

#include <string>
#include <vector>

namespace mp::testing {

class PostgresServer {
 public:
  // "" when initdb, pg_ctl and createdb of PostgreSQL 15 are installed, else why a test that
  // needs them is skipped.
  static std::string MissingBinaries();
  // One server for the whole test binary, started on first use and stopped at exit.
  static PostgresServer& Shared();

  PostgresServer();  // initdb + start; error() says what failed
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  const std::string& error() const { return error_; }
  int port() const { return port_; }

  // A new empty database (postgres, then t2, t3, ...) and its URL; "" on failure (error()).
  std::string CreateDatabase();
  std::string Url(const std::string& dbname) const;

  // Stops the server (`fast`: sessions are told and closed, as in a planned restart) and starts it
  // again on the same port and data, for outage tests. true on success.
  bool Stop();
  bool Start();
  bool running() const { return running_; }

 private:
  // Runs a PostgreSQL program (as "nobody" when we are root); output goes to the log file.
  int Run(const std::string& program, const std::vector<std::string>& args) const;
  std::string Bin(const std::string& name) const;
  // The data dir of a pristine initdb, made once per machine and user; "" on failure (error_).
  std::string Template();

  std::string dir_;
  std::string error_;
  int port_ = 0;
  int databases_ = 0;
  bool running_ = false;
};

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_TESTING_POSTGRES_SERVER_H_
