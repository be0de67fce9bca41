#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/store/memory_replay_store.h"
#include "server/store/schema.h"
#include "server/store/sqlite.h"
#include "server/store/store.h"
#include "store/replay_store_contract.h"
#include "store/store_backends.h"
#include "testing/process.h"

namespace mp::server {
namespace {

std::unique_ptr<ReplayStore> OpenPostgresReplay() {
  if (const std::string missing = testing::PostgresServer::MissingBinaries(); !missing.empty()) {
    [&] { GTEST_SKIP() << missing; }();  // the fixture sees IsSkipped()
    return nullptr;
  }
  const std::string url = NewPostgresDatabase();
  if (url.empty()) return nullptr;
  Result<std::unique_ptr<ReplayStore>> store = OpenPostgresReplayStore({.url = url});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

std::unique_ptr<ReplayStore> OpenSqliteReplay(const std::string& path) {
  Result<std::unique_ptr<ReplayStore>> store = OpenSqliteReplayStore({.path = path});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST_P(ReplayStoreTest, FirstClaimWinsAndSecondLoses) {
  EXPECT_TRUE(Claim("client jti-1", 200, 100));
  EXPECT_FALSE(Claim("client jti-1", 200, 101));
  EXPECT_FALSE(Claim("client jti-1", 500, 199));
  EXPECT_TRUE(Claim("client jti-2", 200, 101));
}

// Issue 14: an overflowed exp + skew reached the store as a negative expiry, which is forgotten
// at once, so the same grant was accepted again and again. Such claims are refused and record
// nothing; the limits themselves are fine.
TEST_P(ReplayStoreTest, RefusesClaimsThatWouldProtectNothing) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kNow = 1700000000;
  const std::vector<std::pair<int64_t, int64_t>> refused = {
      {kMin, kNow}, {-1, kNow},         {kNow, kNow},    {kNow - 1, kNow},
      {kMax, kNow}, {7258118400, kNow}, {kNow + 60, -1}, {kNow + 60, kMax}};
  for (const auto& [expires_at, now] : refused) {
    Result<bool> claimed = store_->Claim("k", expires_at, now);
    ASSERT_FALSE(claimed.ok()) << expires_at << " at " << now;
    EXPECT_EQ(claimed.status().code(), Errc::kInvalidArgument);
    EXPECT_THAT(claimed.status().message(), ::testing::HasSubstr("replay"));
  }
  EXPECT_TRUE(Claim("k", kNow + 1, kNow));  // nothing was recorded by the refusals
  EXPECT_FALSE(Claim("k", kNow + 1, kNow));
  EXPECT_TRUE(Claim("edge", 7258118399, 7258118398));
  EXPECT_TRUE(Claim("zero", 1, 0));
}

TEST_P(ReplayStoreTest, ExpiredKeyCanBeClaimedAgain) {
  ASSERT_TRUE(Claim("k", 200, 100));
  EXPECT_FALSE(Claim("k", 300, 199));
  EXPECT_TRUE(Claim("k", 300, 200));   // expires_at <= now: forgotten
  EXPECT_FALSE(Claim("k", 400, 299));  // the new claim holds until 300
  EXPECT_TRUE(Claim("k", 400, 300));
}

TEST_P(ReplayStoreTest, ResetForgetsEveryClaim) {
  ASSERT_TRUE(Claim("a", 1000, 0));
  ASSERT_TRUE(Claim("b", 1000, 0));
  ASSERT_TRUE(store_->Reset().ok());
  EXPECT_TRUE(Claim("a", 1000, 1));
  EXPECT_TRUE(Claim("b", 1000, 1));
}

TEST_P(ReplayStoreTest, ConcurrentClaimsOfOneKeyHaveExactlyOneWinner) {
  ClaimRace race = RaceToClaim({store_.get()}, "issuer same-jti", 32, 1000, 10);
  EXPECT_EQ(race.errors, 0);
  EXPECT_EQ(race.wins, 1);
}

TEST_P(ReplayStoreTest, DistinctKeysClaimedInParallelAllWin) {
  constexpr int kThreads = 8;
  constexpr int kKeys = 200;
  std::latch start(kThreads);
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int k = t; k < kKeys; k += kThreads) {
        Result<bool> claimed = store_->Claim("jti-" + std::to_string(k), 1000, 10);
        if (claimed.ok() && *claimed) ++wins;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), kKeys);
  // And every one of them is now taken.
  for (int k = 0; k < kKeys; ++k) EXPECT_FALSE(Claim("jti-" + std::to_string(k), 1000, 11));
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, ReplayStoreTest,
    ::testing::Values(
        ReplayCase{"Memory", [](const testing::TempDir&) { return NewMemoryReplayStore(); }},
        ReplayCase{"SqliteMemory",
                   [](const testing::TempDir&) { return OpenSqliteReplay(":memory:"); }},
        ReplayCase{
            "SqliteFile",
            [](const testing::TempDir& dir) { return OpenSqliteReplay(dir.File("replay.db")); }},
        ReplayCase{"Postgres", [](const testing::TempDir&) { return OpenPostgresReplay(); }}),
    [](const ::testing::TestParamInfo<ReplayCase>& info) { return info.param.name; });

// ---- memory store specifics

TEST(MemoryReplayStore, PurgesExpiredEntries) {
  MemoryReplayStore store({.shards = 1, .purge_every = 8});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(store.Claim("old-" + std::to_string(i), 50, 0).value());
  EXPECT_EQ(store.Size(), 100u);
  // Past their expiry, new claims trigger a scan once the shard has taken as many claims as
  // it held after its last scan.
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(store.Claim("new-" + std::to_string(i), 500, 60).value());
  EXPECT_LT(store.Size(), 150u);
  EXPECT_GE(store.Size(), 100u);  // the 100 live entries stay
  // The live ones are still claimed.
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(store.Claim("new-" + std::to_string(i), 500, 61).value());
}

TEST(MemoryReplayStore, MemoryStaysBoundedByLiveEntries) {
  MemoryReplayStore store;  // default: 16 shards, scans at least every 1024 claims per shard
  // 200k grants, each valid 10 s, one per millisecond: about 10k are live at any time.
  int64_t now_ms = 0;
  size_t peak = 0;
  for (int i = 0; i < 200000; ++i, ++now_ms) {
    int64_t now = now_ms / 1000;
    ASSERT_TRUE(store.Claim("jti-" + std::to_string(i), now + 10, now).value());
    if (i % 1000 == 0) peak = std::max(peak, store.Size());
  }
  EXPECT_LT(peak, 16u * 1024u + 2u * 11000u);
  EXPECT_LT(store.Size(), 16u * 1024u + 2u * 11000u);
}

TEST(MemoryReplayStore, ResetEmptiesEveryShard) {
  MemoryReplayStore store;
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(store.Claim("k" + std::to_string(i), 10, 0).value());
  EXPECT_EQ(store.Size(), 64u);
  ASSERT_TRUE(store.Reset().ok());
  EXPECT_EQ(store.Size(), 0u);
}

// ---- SQLite specifics

int64_t CountRows(const std::string& path, const std::string& sql) {
  auto conn = OpenRegistryDatabase(path, sqlite::Synchronous::kFull);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) return -1;
  auto stmt = (*conn)->Prepare(sql);
  EXPECT_TRUE(stmt.ok());
  if (!stmt.ok() || !stmt->Step().value()) return -1;
  return stmt->Int(0);
}

TEST(SqliteReplayStore, ClaimsSurviveReopen) {
  testing::TempDir dir;
  const std::string path = dir.File("replay.db");
  {
    auto store = OpenSqliteReplay(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Claim("k", 1000, 0).value());
  }
  auto store = OpenSqliteReplay(path);
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->Claim("k", 1000, 1).value());
}

TEST(SqliteReplayStore, SharesTheFileWithTheRegistry) {
  testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  Result<std::unique_ptr<Store>> registry = OpenSqliteStore({.path = path});
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  auto replay = OpenSqliteReplay(path);
  ASSERT_TRUE(replay);
  ASSERT_TRUE((*registry)->PutOrganization({.orgno = "910753614", .name = "x"}).ok());
  EXPECT_TRUE(replay->Claim("k", 1000, 0).value());
  EXPECT_FALSE(replay->Claim("k", 1000, 1).value());
  EXPECT_EQ((*registry)->ListOrganizations()->size(), 1u);
}

TEST(SqliteReplayStore, PurgesExpiredRows) {
  testing::TempDir dir;
  const std::string path = dir.File("replay.db");
  auto store = OpenSqliteReplay(path);
  ASSERT_TRUE(store);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->Claim("old-" + std::to_string(i), 5, 0).value());
  for (int i = 0; i < 1100; ++i) {
    ASSERT_TRUE(store->Claim("new-" + std::to_string(i), 1000, 10).value());
  }
  EXPECT_EQ(CountRows(path, "SELECT count(*) FROM replay WHERE expires_at <= 10"), 0);
  EXPECT_EQ(CountRows(path, "SELECT count(*) FROM replay"), 1100);
}

}  // namespace
}  // namespace mp::server
