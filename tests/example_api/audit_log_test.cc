// AuditLog: append-only, created 0600, existing content kept, whole lines under concurrency, the
// sink sees the same lines, and an unopenable path is an I/O error naming it.
#include "example_api/audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <set>
#include <thread>
#include <vector>

#include "testing/process.h"

namespace mp::example_api {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(AuditLog, CreatesTheFileWithMode0600AndAppendsLines) {
  testing::TempDir dir;
  std::string path = dir.File("audit.jsonl");
  {
    Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(path, nullptr);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_TRUE((*log)->Append(R"({"n":1})").ok());
    ASSERT_TRUE((*log)->Append(R"({"n":2})").ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Read(path), "{\"n\":1}\n{\"n\":2}\n");
}

TEST(AuditLog, KeepsWhatTheFileAlreadyHolds) {
  testing::TempDir dir;
  std::string path = dir.File("audit.jsonl");
  std::ofstream(path) << "{\"old\":true}\n";
  Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(path, nullptr);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(R"({"new":true})").ok());
  EXPECT_EQ(Read(path), "{\"old\":true}\n{\"new\":true}\n");
}

TEST(AuditLog, ConcurrentAppendsGiveWholeLinesInTheSinkOrder) {
  testing::TempDir dir;
  std::string path = dir.File("audit.jsonl");
  std::vector<std::string> seen;  // written under the log's own lock
  Result<std::unique_ptr<AuditLog>> log =
      AuditLog::Open(path, [&seen](std::string_view line) { seen.emplace_back(line); });
  ASSERT_TRUE(log.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string line = "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) +
                           ",\"pad\":\"" + std::string(200, 'x') + "\"}";
        EXPECT_TRUE((*log)->Append(line).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::string expected;
  for (const std::string& line : seen) expected += line + "\n";
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(Read(path), expected);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 400u);
}

TEST(AuditLog, NoPathWritesOnlyToTheSink) {
  int calls = 0;
  Result<std::unique_ptr<AuditLog>> log =
      AuditLog::Open("", [&calls](std::string_view) { ++calls; });
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE((*log)->Append("{}").ok());
  EXPECT_EQ(calls, 1);
}

TEST(AuditLog, UnopenablePathIsAnIoErrorNamingIt) {
  Result<std::unique_ptr<AuditLog>> log = AuditLog::Open("/nonexistent-dir/a.jsonl", nullptr);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), Errc::kIoError);
  EXPECT_THAT(log.status().message(), ::testing::HasSubstr("/nonexistent-dir/a.jsonl"));
}

}  // namespace
}  // namespace mp::example_api
