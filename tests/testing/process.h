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

// A program running in the background (a `maskinporten serve` under test) with stdout and stderr
// going to files, so the test can poll them. The destructor kills (SIGKILL) and reaps it.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::string& program, const std::vector<std::string>& args,
                    const std::string& out_file, const std::string& err_file,
                    const std::vector<std::pair<std::string, std::string>>& env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  void Signal(int sig) const;
  // Waits up to `timeout_ms` for the exit; the exit code (128 + signal when killed), or -1 when
  // still running.
  int Wait(int timeout_ms);
  // Polls `path` until it holds a line ending in '\n' (up to timeout_ms); its content or "".
  static std::string WaitForLine(const std::string& path, int timeout_ms);

 private:
  int pid_ = -1;
  int exit_code_ = -1;
};

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
