// The Redis replay store: the ReplayStore contract (replay_store_test.cc) against a private
// redis-server, and what only Redis has: the URL, the key layout and TTL, Reset by prefix, AUTH
// and SELECT, WAIT, and an outage with recovery. Skipped when redis-server is not installed.
#include "server/store/redis_replay_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/digest.h"
#include "store/replay_store_contract.h"
#include "testing/redis_server.h"

namespace mp::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// One redis-server for the contract tests of this process; each store gets its own key prefix,
// so the tests do not see each other's claims (and Reset clears only its own).
testing::RedisServer* SharedRedis() {
  static std::unique_ptr<testing::RedisServer> server = testing::RedisServer::Start();
  return server.get();
}

void SkipWithoutRedis() {
  GTEST_SKIP() << "redis-server is not installed (scripts/install-deps.sh installs it)";
}

std::string NextPrefix() {
  static std::atomic<int> n{0};
  return "test" + std::to_string(++n) + ":";
}

std::unique_ptr<ReplayStore> OpenRedis(RedisReplayOptions options) {
  Result<std::unique_ptr<ReplayStore>> store = OpenRedisReplayStore(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

RedisReplayOptions OptionsFor(const testing::RedisServer& redis) {
  Result<RedisReplayOptions> o = ParseRedisUrl(redis.Url());
  EXPECT_TRUE(o.ok()) << o.status().ToString();
  RedisReplayOptions options = o.ok() ? *o : RedisReplayOptions{};
  options.key_prefix = NextPrefix();
  return options;
}

INSTANTIATE_TEST_SUITE_P(
    Redis, ReplayStoreTest,
    ::testing::Values(ReplayCase{"Redis",
                                 [](const testing::TempDir&) -> std::unique_ptr<ReplayStore> {
                                   if (testing::RedisServer::FindBinary().empty()) {
                                     SkipWithoutRedis();
                                     return nullptr;
                                   }
                                   testing::RedisServer* redis = SharedRedis();
                                   if (redis == nullptr) return nullptr;
                                   return OpenRedis(OptionsFor(*redis));
                                 }}),
    [](const ::testing::TestParamInfo<ReplayCase>& info) { return info.param.name; });

// A raw hiredis connection to look at what the store wrote.
struct RawRedis {
  explicit RawRedis(uint16_t port) : c(redisConnect("127.0.0.1", port)) {}
  ~RawRedis() {
    if (c != nullptr) redisFree(c);
  }
  // The reply as text: a string, a status, an integer in decimal, "(nil)" or "(error) ...".
  std::string Command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (r == nullptr) return "(io error)";
    std::string out;
    switch (r->type) {
      case REDIS_REPLY_INTEGER:
        out = std::to_string(r->integer);
        break;
      case REDIS_REPLY_NIL:
        out = "(nil)";
        break;
      case REDIS_REPLY_ERROR:
        out = "(error) " + std::string(r->str, r->len);
        break;
      case REDIS_REPLY_ARRAY:
        out = "(array " + std::to_string(r->elements) + ")";
        break;
      default:
        out = std::string(r->str, r->len);
    }
    freeReplyObject(r);
    return out;
  }
  redisContext* c;
};

// ---- the URL

TEST(RedisReplayUrl, ReadsHostPortDbCredentialsAndOptions) {
  Result<RedisReplayOptions> o = ParseRedisUrl(
      "redis://app:s3cret@10.0.0.5:6380/2?wait=1&wait_timeout_ms=250&connect_timeout_ms=300"
      "&command_timeout_ms=400&prefix=mp:jti:");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "10.0.0.5");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->db, 2);
  EXPECT_EQ(o->username, "app");
  EXPECT_EQ(o->password, "s3cret");
  EXPECT_EQ(o->wait_replicas, 1);
  EXPECT_EQ(o->wait_timeout_ms, 250);
  EXPECT_EQ(o->connect_timeout_ms, 300);
  EXPECT_EQ(o->command_timeout_ms, 400);
  EXPECT_EQ(o->key_prefix, "mp:jti:");
  EXPECT_EQ(RedisEndpointName(*o), "redis 10.0.0.5:6380");
}

TEST(RedisReplayUrl, DefaultsArePort6379Db0NoWaitAndPrefixJti) {
  Result<RedisReplayOptions> o = ParseRedisUrl("REDIS://localhost");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "localhost");
  EXPECT_EQ(o->port, 6379);
  EXPECT_EQ(o->db, 0);
  EXPECT_EQ(o->password, "");
  EXPECT_EQ(o->wait_replicas, 0);
  EXPECT_EQ(o->key_prefix, "jti:");
  Result<RedisReplayOptions> password_only = ParseRedisUrl("redis://:pw@127.0.0.1:7000/");
  ASSERT_TRUE(password_only.ok());
  EXPECT_EQ(password_only->username, "");
  EXPECT_EQ(password_only->password, "pw");
}

TEST(RedisReplayUrl, RefusesWhatItCannotHonourNamingThePartButNeverThePassword) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"rediss://:hunter2@cache:6380", "rediss:// (TLS) is not supported"},
      {"http://127.0.0.1:6379", "not a redis:// URL"},
      {"redis://hunter2@127.0.0.1", "userinfo must be [username]:password"},
      {"redis://:hunter2@127.0.0.1:99999", "host[:port] is not valid"},
      {"redis://:hunter2@/0", "host[:port] is not valid"},
      {"redis://127.0.0.1/x", "the path must be /<db number>"},
      {"redis://127.0.0.1?wait=many", "option wait needs a number"},
      {"redis://127.0.0.1?tls=1", "unknown option \"tls\""},
      {"redis://127.0.0.1?wait", "needs =value"},
      {"redis://127.0.0.1?prefix=a*b", "key prefix must be"},
      {"redis://127.0.0.1?command_timeout_ms=0", "timeouts and backoff must be"},
      {"redis://127.0.0.1#x", "fragment"},
  };
  for (const auto& [url, expected] : cases) {
    Result<RedisReplayOptions> o = ParseRedisUrl(url);
    ASSERT_FALSE(o.ok()) << url;
    EXPECT_EQ(o.status().code(), Errc::kInvalidArgument) << url;
    EXPECT_THAT(o.status().message(), HasSubstr(expected)) << url;
    EXPECT_THAT(o.status().message(), Not(HasSubstr("hunter2"))) << url;
  }
}

// ---- against a server

TEST(RedisReplayStore, StoresTheHashOfTheKeyWithExpiryAndTtl) {
  MP_START_REDIS_OR_SKIP(redis);
  RedisReplayOptions options = OptionsFor(*redis);
  options.key_prefix = "jti:";
  auto store = OpenRedis(options);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Claim("client\njti-1", 1700000130, 1700000000).value());
  RawRedis raw(redis->port());
  const std::string key = "jti:" + Sha256Hex("client\njti-1");
  EXPECT_EQ(raw.Command({"GET", key}), "1700000130");
  const int64_t pttl = std::stoll(raw.Command({"PTTL", key}));
  EXPECT_GT(pttl, 120000);  // 130 s asked; the test itself took less than 10
  EXPECT_LE(pttl, 130000);
  EXPECT_EQ(raw.Command({"DBSIZE"}), "1");  // the jti itself is not stored
}

TEST(RedisReplayStore, ResetDeletesOnlyItsOwnPrefix) {
  MP_START_REDIS_OR_SKIP(redis);
  RedisReplayOptions options = OptionsFor(*redis);
  auto store = OpenRedis(options);
  ASSERT_TRUE(store);
  RawRedis raw(redis->port());
  ASSERT_EQ(raw.Command({"SET", "someone-else:key", "v"}), "OK");
  for (int i = 0; i < 2500; ++i) {  // more than one SCAN page
    ASSERT_TRUE(store->Claim("k" + std::to_string(i), 1000, 0).value());
  }
  ASSERT_EQ(raw.Command({"DBSIZE"}), "2501");
  ASSERT_TRUE(store->Reset().ok());
  EXPECT_EQ(raw.Command({"DBSIZE"}), "1");
  EXPECT_EQ(raw.Command({"GET", "someone-else:key"}), "v");
  EXPECT_TRUE(store->Claim("k1", 1000, 1).value());
}

TEST(RedisReplayStore, AuthenticatesAndSelectsTheDbWithoutShowingThePassword) {
  MP_START_REDIS_OR_SKIP(redis, {"--requirepass", "s3cret-pw"});
  Result<RedisReplayOptions> good =
      ParseRedisUrl("redis://:s3cret-pw@127.0.0.1:" + std::to_string(redis->port()) + "/3");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  auto store = OpenRedis(*good);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Claim("k", 1000, 0).value());
  RawRedis raw(redis->port());
  ASSERT_EQ(raw.Command({"AUTH", "s3cret-pw"}), "OK");
  EXPECT_EQ(raw.Command({"DBSIZE"}), "0");
  ASSERT_EQ(raw.Command({"SELECT", "3"}), "OK");
  EXPECT_EQ(raw.Command({"DBSIZE"}), "1");

  RedisReplayOptions wrong = *good;
  wrong.password = "not-the-password";
  Result<std::unique_ptr<ReplayStore>> refused = OpenRedisReplayStore(wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Errc::kNetworkError);
  EXPECT_THAT(refused.status().message(), HasSubstr("AUTH"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("not-the-password")));

  RedisReplayOptions none = *good;
  none.password.clear();
  Result<std::unique_ptr<ReplayStore>> unauthenticated = OpenRedisReplayStore(none);
  ASSERT_FALSE(unauthenticated.ok());  // found at open, not at the first claim
  EXPECT_THAT(unauthenticated.status().message(), HasSubstr("NOAUTH"));
}

TEST(RedisReplayStore, WaitWithoutEnoughReplicasRefusesTheClaimInsteadOfTrustingIt) {
  MP_START_REDIS_OR_SKIP(redis);
  RedisReplayOptions options = OptionsFor(*redis);
  options.wait_replicas = 1;
  options.wait_timeout_ms = 50;
  auto store = OpenRedis(options);
  ASSERT_TRUE(store);
  Result<bool> claim = store->Claim("k", 1000, 0);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), Errc::kNetworkError);
  EXPECT_THAT(claim.status().message(),
              HasSubstr("WAIT: 0 of 1 replicas acknowledged the claim within 50 ms"));
  // The key is taken on the primary all the same: the grant is used up, not issued.
  RedisReplayOptions plain = options;
  plain.wait_replicas = 0;
  auto without_wait = OpenRedis(plain);
  ASSERT_TRUE(without_wait);
  EXPECT_FALSE(without_wait->Claim("k", 1000, 1).value());
}

TEST(RedisReplayStore, WaitWithAReplicaClaims) {
  // A full sync waits repl-diskless-sync-delay (5 s) for more replicas by default.
  MP_START_REDIS_OR_SKIP(primary, {"--repl-diskless-sync-delay", "0"});
  std::unique_ptr<testing::RedisServer> replica =
      testing::RedisServer::Start({"--replicaof", "127.0.0.1", std::to_string(primary->port())});
  ASSERT_NE(replica, nullptr);
  RedisReplayOptions options = OptionsFor(*primary);
  options.wait_replicas = 1;
  options.wait_timeout_ms = 5000;
  auto store = OpenRedis(options);
  ASSERT_TRUE(store);
  // WAIT blocks until the replica, still in its first sync, has the claim.
  RawRedis raw_replica(replica->port());
  Result<bool> claim = store->Claim("k", 1000, 0);
  ASSERT_TRUE(claim.ok()) << claim.status().ToString();
  EXPECT_TRUE(*claim);
  EXPECT_EQ(raw_replica.Command({"GET", options.key_prefix + Sha256Hex("k")}), "1000");
}

TEST(RedisReplayStore, OutageGivesErrorsNamingRedisThenRecoversAfterRestart) {
  MP_START_REDIS_OR_SKIP(redis);
  RedisReplayOptions options = OptionsFor(*redis);
  options.pool_size = 2;
  options.backoff_initial_ms = 20;
  options.backoff_max_ms = 100;
  auto store = OpenRedis(options);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Claim("before", 1000, 0).value());
  ASSERT_TRUE(store->Probe().ok());

  redis->Stop();
  const std::string name = "redis 127.0.0.1:" + std::to_string(redis->port());
  for (int i = 0; i < 20; ++i) {
    Result<bool> claim = store->Claim("during-" + std::to_string(i), 1000, 0);
    ASSERT_FALSE(claim.ok()) << "claim " << i << " was answered with Redis down";
    EXPECT_EQ(claim.status().code(), Errc::kNetworkError);
    EXPECT_THAT(claim.status().message(), HasSubstr(name));
  }
  Status probe = store->Probe();
  EXPECT_EQ(probe.code(), Errc::kNetworkError);
  EXPECT_THAT(probe.message(), HasSubstr(name + ": connection refused"));

  ASSERT_TRUE(redis->Restart());
  // The pooled connections died with the old server; the next claims reconnect once the
  // backoff (at most 100 ms here) has run out.
  Result<bool> after = Status(Errc::kInternal, "not tried");
  for (int i = 0; i < 200; ++i) {
    after = store->Claim("after", 1000, 0);
    if (after.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(*after);
  EXPECT_FALSE(store->Claim("after", 1000, 1).value());
  EXPECT_TRUE(store->Probe().ok());
}

TEST(RedisReplayStore, DuringABackoffCallsFailAtOnce) {
  MP_START_REDIS_OR_SKIP(redis);
  RedisReplayOptions options = OptionsFor(*redis);
  options.backoff_initial_ms = 60000;  // no second attempt in this test
  options.backoff_max_ms = 60000;
  auto store = OpenRedis(options);
  ASSERT_TRUE(store);
  redis->Stop();
  ASSERT_FALSE(store->Claim("a", 1000, 0).ok());  // the pooled connection is found dead
  auto start = std::chrono::steady_clock::now();
  Result<bool> claim = store->Claim("b", 1000, 0);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(claim.ok());
  EXPECT_THAT(claim.status().message(), HasSubstr("next connect in"));
  EXPECT_LT(took, std::chrono::milliseconds(50));
}

TEST(RedisReplayStore, OpenFailsAtOnceWhenNothingListens) {
  MP_START_REDIS_OR_SKIP(redis);
  RedisReplayOptions options = OptionsFor(*redis);
  redis->Stop();
  Result<std::unique_ptr<ReplayStore>> store = OpenRedisReplayStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Errc::kNetworkError);
  EXPECT_EQ(store.status().message(),
            "redis 127.0.0.1:" + std::to_string(redis->port()) + ": connection refused");
}

}  // namespace
}  // namespace mp::server
