// Where third-party test data lives (../shared/testdata) and how tests skip without it.
#ifndef MASKINPORTEN_TESTS_TESTING_TESTDATA_H_
#define MASKINPORTEN_TESTS_TESTING_TESTDATA_H_

#include <optional>
#include <string>

namespace mp::testing {

// The directory ../shared/testdata/<sub>, or nullopt when it does not exist.
std::optional<std::string> SharedTestdataDir(const std::string& sub);
// The whole file; aborts the test binary on I/O failure (test data must be readable).
std::string ReadFileOrDie(const std::string& path);

}  // namespace mp::testing

// Skips the current test with the reason when ../shared/testdata/<sub> is absent.
#define MP_REQUIRE_SHARED_TESTDATA(var, sub)                                                   \
  auto var##_opt = ::mp::testing::SharedTestdataDir(sub);                                    \
  if (!var##_opt) GTEST_SKIP() << "../shared/testdata/" << (sub) << " is absent (" MP_SHARED_TESTDATA ")"; \
  const std::string var = *var##_opt

#endif  // MASKINPORTEN_TESTS_TESTING_TESTDATA_H_
