// Which files the registry opens (issue 14): a missing or 0-byte file, its own (application_id
// 0x4d504350), or an unmarked registry of an older release with exactly its tables. Everything
// else is refused before anything changes: every refusal below also checks that the directory
// holds the same files with the same bytes as before, so no journal-mode switch, pragma, table,
// WAL recovery or checkpoint happened.
#include "server/store/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "server/store/sqlite.h"
#include "server/store/store.h"
#include "testing/process.h"

namespace mp::server {
namespace {

using ::testing::HasSubstr;

constexpr uint32_t kOurApplicationId = 0x4d504350;

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every file in `dir` with its bytes. A -shm file is named but its bytes are not kept: it is
// SQLite's shared-memory index (not database content), which a reader may rebuild.
using Files = std::map<std::string, std::string>;
Files Snapshot(const std::string& dir) {
  Files files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file()) {
      files[name] = "(not a file)";
    } else if (name.ends_with("-shm")) {
      files[name] = "(shm)";
    } else {
      files[name] = FileBytes(entry.path().string());
    }
  }
  return files;
}

// Byte for byte, naming what differs rather than printing whole databases.
void ExpectUnchanged(const Files& before, const Files& after) {
  for (const auto& [name, bytes] : before) {
    auto it = after.find(name);
    if (it == after.end()) {
      ADD_FAILURE() << name << " is gone";
    } else {
      EXPECT_TRUE(it->second == bytes)
          << name << " changed: " << bytes.size() << " -> " << it->second.size() << " bytes";
    }
  }
  for (const auto& [name, bytes] : after) {
    EXPECT_TRUE(before.contains(name)) << name << " appeared (" << bytes.size() << " bytes)";
  }
}

uint32_t HeaderField(const std::string& path, size_t offset) {
  const std::string bytes = FileBytes(path);
  if (bytes.size() < 100) return 0xffffffff;
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i)
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return value;
}
uint32_t HeaderApplicationId(const std::string& path) { return HeaderField(path, 68); }
uint32_t HeaderUserVersion(const std::string& path) { return HeaderField(path, 60); }

// A database written with plain SQLite, as another program (or an older release) would.
// `checkpoint` false leaves the last transactions in the -wal file, as after a crash.
enum class Checkpoint { kOnClose, kNever };
void MakeDatabase(const std::string& path, const std::string& sql,
                  Checkpoint checkpoint = Checkpoint::kOnClose) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  if (checkpoint == Checkpoint::kNever) {
    ASSERT_EQ(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr), SQLITE_OK);
  }
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
}

// Our schema up to `version` as an older release wrote it: WAL, user_version, no application_id.
std::string UnmarkedRegistrySql(int version) {
  std::string sql = "PRAGMA journal_mode = WAL;";
  for (const sqlite::Migration& m : RegistryMigrations()) {
    if (m.version <= version) sql += m.sql;
  }
  return sql + "PRAGMA user_version = " + std::to_string(version) + ";";
}

// Both ways into the file refuse it with `want` and leave the directory as it was.
void ExpectRefusedUnchanged(const testing::TempDir& dir, const std::string& path,
                            const std::string& want) {
  const auto before = Snapshot(dir.path());
  Result<std::unique_ptr<Store>> store = OpenSqliteStore({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Errc::kIoError);
  EXPECT_THAT(store.status().message(), HasSubstr(path + ": "));
  EXPECT_THAT(store.status().message(), HasSubstr(want));
  ExpectUnchanged(before, Snapshot(dir.path()));
  Result<std::unique_ptr<ReplayStore>> replay = OpenSqliteReplayStore({.path = path});
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.status(), store.status());
  ExpectUnchanged(before, Snapshot(dir.path()));
}

std::unique_ptr<Store> OpenOk(const std::string& path) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore({.path = path});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

const Organization kOrg{.orgno = "910753614", .name = "TEST FORSIKRING AS"};

// ---- opened

TEST(RegistryFile, CreatesAMissingFileWithTheMarkerInTheMainFile) {
  testing::TempDir dir;
  const std::string path = dir.File("sub/registry.db");
  {
    auto store = OpenOk(path);
    ASSERT_TRUE(store);
    // Written before the switch to WAL: in the main file at once, not only in the WAL.
    EXPECT_EQ(HeaderApplicationId(path), kOurApplicationId);
    ASSERT_TRUE(store->PutOrganization(kOrg).ok());
  }
  EXPECT_EQ(HeaderApplicationId(path), kOurApplicationId);
  EXPECT_EQ(HeaderUserVersion(path), static_cast<uint32_t>(RegistrySchemaVersion()));
}

TEST(RegistryFile, TakesAZeroByteFileAsNew) {
  testing::TempDir dir;
  const std::string path = dir.File("empty.db");
  { std::ofstream touch(path); }
  auto store = OpenOk(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(HeaderApplicationId(path), kOurApplicationId);
  EXPECT_TRUE(store->PutOrganization(kOrg).ok());
}

TEST(RegistryFile, ReopensItsOwnFileWithBothStores) {
  testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  {
    auto store = OpenOk(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->PutOrganization(kOrg).ok());
  }
  auto store = OpenOk(path);
  ASSERT_TRUE(store);
  Result<std::unique_ptr<ReplayStore>> replay = OpenSqliteReplayStore({.path = path});
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_THAT(store->ListOrganizations().value(), ::testing::ElementsAre(kOrg));
}

class UnmarkedRegistry : public ::testing::TestWithParam<int> {};

TEST_P(UnmarkedRegistry, IsAdoptedKeepingItsRows) {
  testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  MakeDatabase(path, UnmarkedRegistrySql(GetParam()) +
                         "INSERT INTO organizations VALUES ('910753614', 'TEST FORSIKRING AS');");
  ASSERT_EQ(HeaderApplicationId(path), 0u);
  {
    auto store = OpenOk(path);
    ASSERT_TRUE(store);
    EXPECT_THAT(store->ListOrganizations().value(), ::testing::ElementsAre(kOrg));
  }
  EXPECT_EQ(HeaderApplicationId(path), kOurApplicationId);
  EXPECT_EQ(HeaderUserVersion(path), static_cast<uint32_t>(RegistrySchemaVersion()));
}

TEST_P(UnmarkedRegistry, IsAdoptedWhenItsTablesAreStillInTheWal) {
  testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  MakeDatabase(path, UnmarkedRegistrySql(GetParam()), Checkpoint::kNever);
  ASSERT_GT(std::filesystem::file_size(path + "-wal"), 0u);
  auto store = OpenOk(path);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->PutOrganization(kOrg).ok());
}

INSTANTIATE_TEST_SUITE_P(Versions, UnmarkedRegistry, ::testing::Values(1, 2));

TEST(RegistryFile, AnAdoptionMarkedOnlyInTheWalIsOurs) {
  testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  MakeDatabase(path, UnmarkedRegistrySql(2));
  // The adopting process died before a checkpoint: the marker is only in the WAL.
  MakeDatabase(path, "PRAGMA application_id = " + std::to_string(kOurApplicationId) + ";",
               Checkpoint::kNever);
  ASSERT_EQ(HeaderApplicationId(path), 0u);
  EXPECT_TRUE(OpenOk(path));
}

// ---- refused, unchanged

TEST(RegistryFile, RefusesAnotherApplicationId) {
  testing::TempDir dir;
  const std::string path = dir.File("other.db");
  MakeDatabase(path, "PRAGMA application_id = 305419896; CREATE TABLE notes (body TEXT);");
  ExpectRefusedUnchanged(
      dir, path, path + ": application_id 0x12345678 is not maskinporten-cpp's (0x4d504350)");
}

TEST(RegistryFile, RefusesAnotherApplicationIdInWalModeWithAPendingWal) {
  testing::TempDir dir;
  const std::string path = dir.File("other.db");
  MakeDatabase(path,
               "PRAGMA application_id = -1; PRAGMA journal_mode = WAL; "
               "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');",
               Checkpoint::kNever);
  ExpectRefusedUnchanged(dir, path, "application_id 0xffffffff is not maskinporten-cpp's");
}

TEST(RegistryFile, RefusesAnotherApplicationIdOnlyInItsWal) {
  testing::TempDir dir;
  const std::string path = dir.File("other.db");
  MakeDatabase(path, "PRAGMA journal_mode = WAL; CREATE TABLE notes (body TEXT);");
  MakeDatabase(path, "PRAGMA application_id = 7;", Checkpoint::kNever);
  ExpectRefusedUnchanged(dir, path, "application_id 0x00000007 is not maskinporten-cpp's");
}

struct Foreign {
  const char* name;
  std::string sql;
  Checkpoint checkpoint;
  const char* want;  // after "<path>: not maskinporten-cpp's database: application_id 0 (...), "

  friend void PrintTo(const Foreign& f, std::ostream* os) { *os << f.name; }
};

class ForeignWithoutApplicationId : public ::testing::TestWithParam<Foreign> {};

TEST_P(ForeignWithoutApplicationId, IsRefusedUnchanged) {
  testing::TempDir dir;
  const std::string path = dir.File("other.db");
  MakeDatabase(path, GetParam().sql, GetParam().checkpoint);
  ExpectRefusedUnchanged(dir, path,
                         path +
                             ": not maskinporten-cpp's database: application_id 0 "
                             "(maskinporten-cpp's is 0x4d504350), " +
                             GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ForeignWithoutApplicationId,
    ::testing::Values(
        Foreign{"RollbackJournal", "CREATE TABLE notes (body TEXT); CREATE TABLE users (id INT);",
                Checkpoint::kOnClose, "user_version 0, tables notes, users"},
        Foreign{"Wal", "PRAGMA journal_mode = WAL; CREATE TABLE notes (body TEXT);",
                Checkpoint::kOnClose, "user_version 0, tables notes"},
        Foreign{"WalNotCheckpointed",
                "PRAGMA journal_mode = WAL; CREATE TABLE notes (body TEXT); "
                "PRAGMA user_version = 2;",
                Checkpoint::kNever, "user_version 2, tables notes"},
        Foreign{"ItsOwnUserVersion", "CREATE TABLE clients (id INT); PRAGMA user_version = 1;",
                Checkpoint::kOnClose, "user_version 1, tables clients"},
        Foreign{"NoTables", "PRAGMA journal_mode = WAL;", Checkpoint::kOnClose,
                "user_version 0, no tables"},
        Foreign{"OurTablesAndOneMore", UnmarkedRegistrySql(2) + "CREATE TABLE notes (x);",
                Checkpoint::kOnClose, "user_version 2, tables client_jwks, client_keys"},
        Foreign{"OurTablesWithoutUserVersion", UnmarkedRegistrySql(2) + "PRAGMA user_version = 0;",
                Checkpoint::kOnClose, "user_version 0, tables client_jwks"},
        Foreign{"Version1TablesClaimingVersion2",
                UnmarkedRegistrySql(1) + "PRAGMA user_version = 2;", Checkpoint::kOnClose,
                "user_version 2, tables client_jwks"},
        Foreign{"UnmarkedNewerVersion", UnmarkedRegistrySql(2) + "PRAGMA user_version = 3;",
                Checkpoint::kOnClose, "user_version 3, tables client_jwks"}),
    [](const ::testing::TestParamInfo<Foreign>& info) { return std::string(info.param.name); });

TEST(RegistryFile, RefusesBytesThatAreNotSqlite) {
  testing::TempDir dir;
  const std::string path = dir.File("notes.txt");
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(4096, 'x') << "this is not a database";
  }
  ExpectRefusedUnchanged(dir, path,
                         path +
                             ": not a SQLite database (4118 bytes that do not start with "
                             "\"SQLite format 3\")");
}

TEST(RegistryFile, RefusesAFileShorterThanAHeader) {
  testing::TempDir dir;
  const std::string path = dir.File("short.db");
  { std::ofstream(path, std::ios::binary) << std::string("SQLite format 3\0", 16); }
  ExpectRefusedUnchanged(dir, path,
                         path + ": not a SQLite database (16 bytes, shorter than its header)");
}

TEST(RegistryFile, RefusesAHeaderWithoutADatabase) {
  testing::TempDir dir;
  const std::string path = dir.File("broken.db");
  {
    std::string bytes(4096, '\0');
    bytes.replace(0, 16, std::string("SQLite format 3\0", 16));
    std::ofstream(path, std::ios::binary) << bytes;
  }
  ExpectRefusedUnchanged(dir, path, path + ": not a SQLite database");
}

TEST(RegistryFile, RefusesANewerSchemaVersionOfItsOwn) {
  testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  ASSERT_TRUE(OpenOk(path));
  MakeDatabase(path, "PRAGMA user_version = 42;");
  ExpectRefusedUnchanged(dir, path,
                         path + ": schema version 42 is newer than this build supports (4)");
}

TEST(RegistryFile, RefusesANewerSchemaVersionStillInTheWal) {
  testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  ASSERT_TRUE(OpenOk(path));
  MakeDatabase(path, "PRAGMA user_version = 42;", Checkpoint::kNever);
  ASSERT_EQ(HeaderUserVersion(path), 4u);  // the header lags behind the WAL
  ExpectRefusedUnchanged(dir, path, "schema version 42 is newer than this build supports (4)");
}

TEST(RegistryFile, RefusesADirectory) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.File("registry.db"));
  ExpectRefusedUnchanged(dir, dir.File("registry.db"), "not a regular file");
}

TEST(RegistryFile, FollowsThePathThroughCharactersThatMeanSomethingInAUri) {
  testing::TempDir dir;
  const std::string path = dir.File("a%20b?mode=rw#x.db");
  MakeDatabase(path, UnmarkedRegistrySql(2));
  EXPECT_TRUE(OpenOk(path));
  EXPECT_EQ(HeaderApplicationId(path), kOurApplicationId);
}

}  // namespace
}  // namespace mp::server
