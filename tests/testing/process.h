// Runs a program (the CLI under test) with arguments, optional stdin and extra environment, and
// captures its exit code, stdout and stderr.
#ifndef MASKINPORTEN_TESTS_TESTING_PROCESS_H_
#define MASKINPORTEN_TESTS_TESTING_PROCESS_H_

#include <string>
#include <utility>
#include <vector>

namespace mp::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

ProcessResult RunProcess(const std::string& program, const std::vector<std::string>& args,
                         const std::string& stdin_data = "",
                         const std::vector<std::pair<std::string, std::string>>& env = {});

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_TESTING_PROCESS_H_
