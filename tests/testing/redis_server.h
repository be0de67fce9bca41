// A private redis-server for tests that need Redis (the Redis replay store): on a free loopback
// port, without persistence, in its own temporary directory, killed when the object dies. The
// test is skipped, with the reason, only when no redis-server binary is installed.
//
//   MP_START_REDIS_OR_SKIP(redis);                     // std::unique_ptr<RedisServer> redis
//   MP_START_REDIS_OR_SKIP(secured, {"--requirepass", "pw"});
//   auto store = OpenRedisReplayStore(ParseRedisUrl(redis->Url()).value());
//   redis->Stop();                                     // an outage ...
//   ASSERT_TRUE(redis->Restart());                     // ... and the same port again
#ifndef MASKINPORTEN_TESTS_TESTING_REDIS_SERVER_H_
#define MASKINPORTEN_TESTS_TESTING_REDIS_SERVER_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testing/process.h"

namespace mp::testing {

class RedisServer {
 public:
  // redis-server from $MP_REDIS_SERVER or the PATH; "" when there is none.
  static std::string FindBinary();
  // Starts one; null (with a test failure naming the cause and the server's log) when it does
  // not answer PING within a few seconds on any of a few free ports.
  // `extra_args` go to redis-server after ours ({"--requirepass", "secret"}).
  static std::unique_ptr<RedisServer> Start(std::vector<std::string> extra_args = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  uint16_t port() const { return port_; }
  std::string Url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  bool running() const { return process_ != nullptr; }

  // Kills the server (SIGKILL: an outage, nothing saved) and waits until it is gone.
  void Stop();
  // A new server on the same port (empty, as after a crash without persistence); false with a
  // test failure when it does not come up.
  bool Restart();

 private:
  RedisServer(std::string binary, uint16_t port, std::vector<std::string> extra_args)
      : binary_(std::move(binary)), port_(port), extra_args_(std::move(extra_args)) {}
  bool Launch();  // starts the process and waits for PONG; false when it did not come up
  std::string Log() const;

  std::string binary_;
  uint16_t port_;
  std::vector<std::string> extra_args_;
  TempDir dir_;
  std::unique_ptr<BackgroundProcess> process_;
};

// True when 127.0.0.1:`port` answers a Redis PING with +PONG within `timeout_ms`.
bool RedisAnswersPing(uint16_t port, int timeout_ms);

}  // namespace mp::testing

// Declares `var` (std::unique_ptr<mp::testing::RedisServer>) and starts it, with any extra
// redis-server arguments as a braced list; skips the test when redis-server is not installed,
// fails it when an installed one does not start.
#define MP_START_REDIS_OR_SKIP(var, ...)                                                   \
  if (::mp::testing::RedisServer::FindBinary().empty()) {                                  \
    GTEST_SKIP() << "redis-server is not installed (scripts/install-deps.sh installs it)"; \
  }                                                                                        \
  std::unique_ptr<::mp::testing::RedisServer> var =                                        \
      ::mp::testing::RedisServer::Start(__VA_ARGS__);                                      \
  ASSERT_NE(var, nullptr)

#endif  // MASKINPORTEN_TESTS_TESTING_REDIS_SERVER_H_
