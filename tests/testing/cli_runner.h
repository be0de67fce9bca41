// Running the maskinporten binary in CLI tests: one way to call it, read and write files, and
// check the one-line error format.
#ifndef MASKINPORTEN_TESTS_TESTING_CLI_RUNNER_H_
#define MASKINPORTEN_TESTS_TESTING_CLI_RUNNER_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "testing/process.h"

namespace mp::testing {

// Runs the CLI under test (MP_CLI_PATH, set by tests/CMakeLists.txt).
inline ProcessResult Cli(const std::vector<std::string>& args, const std::string& in = "",
                         const std::vector<std::pair<std::string, std::string>>& env = {}) {
  return RunProcess(MP_CLI_PATH, args, in, env);
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One line "error: <snake_case>: <detail>" on stderr, with the given code.
inline void ExpectErrorLine(const ProcessResult& r, const std::string& code) {
  EXPECT_THAT(r.err, ::testing::HasSubstr("error: " + code + ": ")) << r.err;
  EXPECT_THAT(r.err, ::testing::MatchesRegex("(.*\n)?error: [a-z0-9_]+: [^\n]+\n(.*)?")) << r.err;
}

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_TESTING_CLI_RUNNER_H_
