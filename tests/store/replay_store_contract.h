// The ReplayStore contract as a value-parameterised fixture: the TEST_Ps live in
// replay_store_test.cc and run against every backend a file instantiates them for (memory and
// SQLite there, Redis in redis_replay_store_test.cc), so each backend is held to the same tests.
//
//   INSTANTIATE_TEST_SUITE_P(Redis, ReplayStoreTest,
//                            ::testing::Values(ReplayCase{"Redis", [](const auto&) { ... }}));
#ifndef MASKINPORTEN_TESTS_STORE_REPLAY_STORE_CONTRACT_H_
#define MASKINPORTEN_TESTS_STORE_REPLAY_STORE_CONTRACT_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "server/store/store.h"
#include "testing/process.h"

namespace mp::server {

// One implementation behind the ReplayStore interface; `open` gets a TempDir that lives as long
// as the store (the SQLite files), and returns null after a test failure (or a GTEST_SKIP)
// saying why.
struct ReplayCase {
  std::string name;
  std::function<std::unique_ptr<ReplayStore>(const testing::TempDir&)> open;
};

inline void PrintTo(const ReplayCase& c, std::ostream* os) { *os << c.name; }

class ReplayStoreTest : public ::testing::TestWithParam<ReplayCase> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_);
    if (IsSkipped()) return;  // the backend's server is not installed
    ASSERT_TRUE(store_);
  }
  bool Claim(const std::string& key, int64_t expires_at, int64_t now) {
    Result<bool> claimed = store_->Claim(key, expires_at, now);
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    return claimed.ok() && *claimed;
  }

  testing::TempDir dir_;
  std::unique_ptr<ReplayStore> store_;
};

}  // namespace mp::server

#endif  // MASKINPORTEN_TESTS_STORE_REPLAY_STORE_CONTRACT_H_
