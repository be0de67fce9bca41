// The store suites run on every backend: value-parameterised over SQLite (":memory:") and
// PostgreSQL (a fresh database on the test binary's own server, tests/testing/postgres_server.h).
// PostgreSQL cases are skipped, with the reason, only when its binaries are missing.
//
//   class ClientsTest : public StoreTest {};
//   TEST_P(ClientsTest, RoundTrips) { ASSERT_TRUE(store->PutScope(...).ok()); }
//   MP_INSTANTIATE_STORE_BACKENDS(ClientsTest);
#ifndef MASKINPORTEN_TESTS_STORE_STORE_BACKENDS_H_
#define MASKINPORTEN_TESTS_STORE_STORE_BACKENDS_H_

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/store/store.h"
#include "testing/postgres_server.h"

namespace mp::server {

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// A new, empty PostgreSQL database on the shared test server; "" after a failure (reported).
// Callers skip first when testing::PostgresServer::MissingBinaries() says why.
inline std::string NewPostgresDatabase() {
  testing::PostgresServer& pg = testing::PostgresServer::Shared();
  EXPECT_TRUE(pg.error().empty()) << pg.error();
  std::string url = pg.CreateDatabase();
  EXPECT_FALSE(url.empty()) << pg.error();
  return url;
}

struct ClaimRace {
  int wins = 0;
  int errors = 0;
};
// `threads` threads claim `key` at once, spread round robin over `stores` (instances).
inline ClaimRace RaceToClaim(const std::vector<ReplayStore*>& stores, const std::string& key,
                             int threads, int64_t expires_at, int64_t now) {
  std::latch start(threads);
  std::atomic<int> wins{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      start.arrive_and_wait();
      Result<bool> claimed =
          stores[static_cast<size_t>(t) % stores.size()]->Claim(key, expires_at, now);
      if (!claimed.ok()) {
        ++errors;
      } else if (*claimed) {
        ++wins;
      }
    });
  }
  for (auto& t : running) t.join();
  return ClaimRace{.wins = wins.load(), .errors = errors.load()};
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      const std::string missing = testing::PostgresServer::MissingBinaries();
      if (!missing.empty()) GTEST_SKIP() << missing;
      url_ = NewPostgresDatabase();
      ASSERT_FALSE(url_.empty());
    }
    store = Open();
    ASSERT_TRUE(store);
  }

  // Another store on the same database (PostgreSQL) or a fresh one (SQLite :memory:).
  std::unique_ptr<Store> Open() {
    Result<std::unique_ptr<Store>> opened = GetParam() == Backend::kSqlite
                                                ? OpenSqliteStore({.path = ":memory:"})
                                                : OpenPostgresStore({.url = url_});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  std::string url_;  // PostgreSQL only
  std::unique_ptr<Store> store;
};

#define MP_INSTANTIATE_STORE_BACKENDS(Suite) \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,  \
                           ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName)

}  // namespace mp::server

#endif  // MASKINPORTEN_TESTS_STORE_STORE_BACKENDS_H_
