// What only the PostgreSQL stores have: schema migration in maskinporten_schema, several stores
// (instances) on one database, the server going away and coming back, URLs with passwords.
// The backend-independent behaviour is in the parameterised suites (store_backends.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/store/postgres.h"
#include "server/store/postgres_schema.h"
#include "server/store/store.h"
#include "store/store_backends.h"
#include "testing/postgres_server.h"

namespace mp::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string missing = testing::PostgresServer::MissingBinaries();
    if (!missing.empty()) GTEST_SKIP() << missing;
    url_ = NewPostgresDatabase();
    ASSERT_FALSE(url_.empty());
  }

  std::unique_ptr<Store> OpenStore(const std::string& url) {
    Result<std::unique_ptr<Store>> store = OpenPostgresStore({.url = url});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::unique_ptr<pg::Pool> RawPool() {
    Result<std::unique_ptr<pg::Pool>> pool = pg::Pool::Open({.url = url_});
    EXPECT_TRUE(pool.ok()) << pool.status().ToString();
    return pool.ok() ? std::move(pool).value() : nullptr;
  }

  std::string url_;
};

ClientRecord Client(const std::string& id) {
  return ClientRecord{.client_id = id, .client_name = "n", .client_orgno = "910753614"};
}

TEST_F(PostgresStoreTest, MigratesAnEmptyDatabaseAndReopensAtTheCurrentVersion) {
  auto pool = RawPool();
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->SchemaVersion().value(), 0);
  {
    auto store = OpenStore(url_);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->CreateClient(Client("c1")).ok());
  }
  EXPECT_EQ(pool->SchemaVersion().value(), PostgresSchemaVersion());
  auto again = OpenStore(url_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->GetClient("c1")->value(), Client("c1"));
  EXPECT_EQ(pool->SchemaVersion().value(), PostgresSchemaVersion());
}

TEST_F(PostgresStoreTest, InstancesStartingTogetherMigrateOnce) {
  constexpr int kInstances = 4;
  std::latch start(kInstances);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      Result<std::unique_ptr<Store>> store = OpenPostgresStore({.url = url_});
      if (!store.ok()) {
        ADD_FAILURE() << store.status().ToString();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(RawPool()->SchemaVersion().value(), PostgresSchemaVersion());
}

TEST_F(PostgresStoreTest, RefusesADatabaseWithANewerSchemaVersionAndChangesNothing) {
  ASSERT_TRUE(OpenStore(url_));
  auto pool = RawPool();
  ASSERT_TRUE(pool);
  const int newer = PostgresSchemaVersion() + 1;
  ASSERT_TRUE(pool->Run([&](pg::Connection& c) {
                    return c.Query("UPDATE maskinporten_schema SET version = $1", {pg::Int(newer)})
                        .status();
                  })
                  .ok());
  Result<std::unique_ptr<Store>> store = OpenPostgresStore({.url = url_});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Errc::kIoError);
  EXPECT_THAT(store.status().message(),
              HasSubstr("schema version " + std::to_string(newer) + " is newer"));
  EXPECT_THAT(store.status().message(), HasSubstr(url_));
  EXPECT_EQ(pool->SchemaVersion().value(), newer);
}

TEST_F(PostgresStoreTest, TwoInstancesSeeEachOthersWrites) {
  auto a = OpenStore(url_);
  auto b = OpenStore(url_);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->CreateClient(Client("made-on-a")).ok());
  EXPECT_EQ(b->GetClient("made-on-a")->value(), Client("made-on-a"));
  Status clash = b->CreateClient(Client("made-on-a"));
  EXPECT_EQ(clash.code(), Errc::kInvalidArgument);
  EXPECT_THAT(clash.message(), HasSubstr("already exists"));
}

// Two instances adding a current signing key at the same moment leave exactly one current key.
TEST_F(PostgresStoreTest, ConcurrentCurrentSigningKeysLeaveExactlyOneCurrent) {
  constexpr int kInstances = 4;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kInstances; ++i) stores.push_back(OpenStore(url_));
  std::latch start(kInstances);
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      for (int k = 0; k < 5; ++k) {
        std::string kid = "k" + std::to_string(i) + "-" + std::to_string(k);
        EXPECT_TRUE(
            stores[i]
                ->AddSigningKey({.kid = kid, .private_pem = "pem", .created = k, .current = true})
                .ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<SigningKeyRecord> keys = stores[0]->ListSigningKeys().value();
  EXPECT_EQ(keys.size(), 20u);
  int current = 0;
  for (const SigningKeyRecord& k : keys) current += k.current ? 1 : 0;
  EXPECT_EQ(current, 1);
}

// Claims from many threads on two instances (two stores, one database): exactly one wins.
TEST_F(PostgresStoreTest, ConcurrentClaimsAcrossInstancesHaveExactlyOneWinner) {
  std::vector<std::unique_ptr<ReplayStore>> instances;
  for (int i = 0; i < 2; ++i) {
    Result<std::unique_ptr<ReplayStore>> r = OpenPostgresReplayStore({.url = url_});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    instances.push_back(std::move(r).value());
  }
  for (int round = 0; round < 5; ++round) {
    const std::string key = "issuer jti-" + std::to_string(round);
    ClaimRace race =
        RaceToClaim({instances[0].get(), instances[1].get()}, key, 24, 2000000000, 1700000000);
    EXPECT_EQ(race.errors, 0);
    EXPECT_EQ(race.wins, 1) << key;
  }
}

TEST_F(PostgresStoreTest, ReplayRowsHoldTheHashNotTheKey) {
  Result<std::unique_ptr<ReplayStore>> replay = OpenPostgresReplayStore({.url = url_});
  ASSERT_TRUE(replay.ok());
  ASSERT_TRUE((*replay)->Claim("issuer secret-jti", 2000000000, 1700000000).value());
  std::string stored;
  ASSERT_TRUE(RawPool()
                  ->Run([&](pg::Connection& c) -> Status {
                    MP_ASSIGN_OR_RETURN(pg::Rows rows, c.Query("SELECT key FROM replay"));
                    stored = rows.Text(0, 0);
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(stored.size(), 64u);
  EXPECT_THAT(stored, Not(HasSubstr("secret")));
}

TEST(PostgresUrl, PasswordIsMaskedAndNeverInMessages) {
  EXPECT_EQ(MaskedPostgresUrl("postgresql://app:s3cr3t@db.example:6543/registry").value(),
            "postgresql://app@db.example:6543/registry");
  EXPECT_EQ(MaskedPostgresUrl("postgres://app@127.0.0.1/registry?password=s3cr3t").value(),
            "postgresql://app@127.0.0.1/registry");
  EXPECT_EQ(MaskedPostgresUrl("host=127.0.0.1 port=5 dbname=d user=u password=s3cr3t").value(),
            "postgresql://u@127.0.0.1:5/d");
  Result<std::string> bad = MaskedPostgresUrl("postgresql://app:s3cr3t@host:notaport/%zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("s3cr3t")));
  EXPECT_TRUE(IsPostgresUrl("postgresql://x/y"));
  EXPECT_TRUE(IsPostgresUrl("postgres://x/y"));
  EXPECT_FALSE(IsPostgresUrl("./local.db"));
}

TEST(PostgresUnreachable, OpenFailsFastWithNetworkErrorNamingTheServerWithoutPassword) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  Result<std::unique_ptr<Store>> store =
      OpenPostgresStore({.url = "postgresql://app:s3cr3t@127.0.0.1:1/registry"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Errc::kNetworkError);
  EXPECT_THAT(store.status().message(), HasSubstr("postgresql://app@127.0.0.1:1/registry"));
  EXPECT_THAT(store.status().message(), HasSubstr("PostgreSQL unavailable"));
  EXPECT_THAT(store.status().message(), Not(HasSubstr("s3cr3t")));
}

// The server goes away under a running store: calls fail with kNetworkError naming it (no crash,
// no hang), and once the server is back the same store serves again and lost nothing.
TEST(PostgresOutage, CallsFailClearlyWhileDownAndRecoverAfterRestart) {
  const std::string missing = testing::PostgresServer::MissingBinaries();
  if (!missing.empty()) GTEST_SKIP() << missing;
  testing::PostgresServer server;  // its own, so stopping it disturbs no other test
  ASSERT_TRUE(server.error().empty()) << server.error();
  const std::string url = server.CreateDatabase();
  Result<std::unique_ptr<Store>> opened =
      OpenPostgresStore({.url = url, .connect_timeout_seconds = 2, .max_backoff_ms = 200});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  Result<std::unique_ptr<ReplayStore>> replay =
      OpenPostgresReplayStore({.url = url, .connect_timeout_seconds = 2, .max_backoff_ms = 200});
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  ASSERT_TRUE(store.CreateClient(Client("before")).ok());
  ASSERT_TRUE((*replay)->Claim("k", 2000000000, 1700000000).value());

  ASSERT_TRUE(server.Stop());
  for (int call = 0; call < 3; ++call) {
    const auto started = std::chrono::steady_clock::now();
    Result<std::optional<ClientRecord>> got = store.GetClient("before");
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), Errc::kNetworkError);
    EXPECT_THAT(got.status().message(), HasSubstr("PostgreSQL unavailable"));
    EXPECT_THAT(got.status().message(), HasSubstr("127.0.0.1:" + std::to_string(server.port())));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
    Status write = store.CreateClient(Client("during"));
    EXPECT_EQ(write.code(), Errc::kNetworkError);
    Result<bool> claim = (*replay)->Claim("k2", 2000000000, 1700000000);
    ASSERT_FALSE(claim.ok());
    EXPECT_EQ(claim.status().code(), Errc::kNetworkError);
    EXPECT_EQ((*replay)->Probe().code(), Errc::kNetworkError);
  }

  ASSERT_TRUE(server.Start());
  // Reconnects after at most one backoff (200 ms); bounded wait, no fixed sleep.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Result<std::optional<ClientRecord>> got = store.GetClient("before");
  while (!got.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    got = store.GetClient("before");
  }
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->value(), Client("before"));
  EXPECT_FALSE(store.GetClient("during")->has_value());
  EXPECT_TRUE(store.CreateClient(Client("after")).ok());
  EXPECT_FALSE((*replay)->Claim("k", 2000000000, 1700000001).value());
  EXPECT_TRUE((*replay)->Probe().ok());
}

}  // namespace
}  // namespace mp::server
