#include "server/store/sqlite.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <utility>

#include "testing/process.h"

namespace mp::server::sqlite {
namespace {

using ::testing::HasSubstr;

constexpr std::array<Migration, 2> kTwoSteps = {{
    {.version = 1, .sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT;"},
    {.version = 2, .sql = "CREATE TABLE u (id INTEGER PRIMARY KEY);"},
}};

// An application of its own, so these tests do not depend on the registry's schema.
Schema TestSchema(std::span<const Migration> migrations) {
  return {.application_id = 0x54455354,  // "TEST"
          .application_name = "test",
          .migrations = migrations};
}

std::unique_ptr<Connection> OpenOk(const std::string& path, std::span<const Migration> m) {
  Result<std::unique_ptr<Connection>> conn =
      Connection::Open(path, TestSchema(m), Synchronous::kFull);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  return conn.ok() ? std::move(conn).value() : nullptr;
}

int64_t Count(Connection& db, const std::string& table) {
  auto stmt = db.Prepare("SELECT count(*) FROM " + table);
  EXPECT_TRUE(stmt.ok()) << stmt.status().ToString();
  if (!stmt.ok() || !stmt->Step().value()) return -1;
  return stmt->Int(0);
}

TEST(SqliteConnection, AppliesMigrationsInOrderAndSetsUserVersion) {
  auto db = OpenOk(":memory:", kTwoSteps);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->UserVersion().value(), 2);
  EXPECT_EQ(Count(*db, "t"), 0);
  EXPECT_EQ(Count(*db, "u"), 0);
}

TEST(SqliteConnection, AppliesOnlyTheMissingMigrationsOnReopen) {
  testing::TempDir dir;
  const std::string path = dir.File("db");
  ASSERT_TRUE(OpenOk(path, std::span(kTwoSteps).first(1)));
  // v1 ran before; running it again would fail ("table t already exists").
  auto db = OpenOk(path, kTwoSteps);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->UserVersion().value(), 2);
  EXPECT_EQ(Count(*db, "u"), 0);
}

TEST(SqliteConnection, FailedMigrationChangesNothing) {
  testing::TempDir dir;
  const std::string path = dir.File("db");
  constexpr std::array<Migration, 2> kBroken = {{
      {.version = 1, .sql = "CREATE TABLE t (id INTEGER PRIMARY KEY);"},
      {.version = 2, .sql = "CREATE TABLE t (id INTEGER PRIMARY KEY);"},
  }};
  Result<std::unique_ptr<Connection>> broken =
      Connection::Open(path, TestSchema(kBroken), Synchronous::kFull);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), Errc::kIoError);
  EXPECT_THAT(broken.status().message(), HasSubstr(path));
  EXPECT_THAT(broken.status().message(), HasSubstr("schema version 2"));

  constexpr std::array<Migration, 0> kNone = {};
  auto db = OpenOk(path, kNone);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->UserVersion().value(), 0);
  EXPECT_FALSE(db->Prepare("SELECT * FROM t").ok());  // v1 was rolled back with v2
}

TEST(SqliteConnection, TransactionRollsBackWhenTheBodyFails) {
  auto db = OpenOk(":memory:", kTwoSteps);
  ASSERT_TRUE(db);
  Status s = db->Transaction([&]() -> Status {
    MP_RETURN_IF_ERROR(db->Exec("INSERT INTO t (id, v) VALUES (1, 'a')"));
    return Status(Errc::kInvalidArgument, "body says no");
  });
  EXPECT_EQ(s, Status(Errc::kInvalidArgument, "body says no"));
  EXPECT_EQ(Count(*db, "t"), 0);
  // The connection is usable again: no transaction left open.
  ASSERT_TRUE(
      db->Transaction([&] { return db->Exec("INSERT INTO t (id, v) VALUES (1, 'a')"); }).ok());
  EXPECT_EQ(Count(*db, "t"), 1);
}

TEST(SqliteConnection, TransactionRollsBackWhenAStatementFails) {
  auto db = OpenOk(":memory:", kTwoSteps);
  ASSERT_TRUE(db);
  Status s = db->Transaction([&]() -> Status {
    MP_RETURN_IF_ERROR(db->Exec("INSERT INTO t (id, v) VALUES (1, 'a')"));
    MP_ASSIGN_OR_RETURN(Statement insert, db->Prepare("INSERT INTO t (id, v) VALUES (?1, ?2)"));
    return insert.BindInt(1).BindText("secret-value").Run();
  });
  EXPECT_EQ(s.code(), Errc::kIoError);
  EXPECT_THAT(s.message(), HasSubstr("UNIQUE constraint failed"));
  EXPECT_THAT(s.message(),
              ::testing::Not(HasSubstr("secret-value")));  // bound values are not echoed
  EXPECT_EQ(Count(*db, "t"), 0);
}

TEST(SqliteConnection, CachedStatementRunsAgainAfterReset) {
  auto db = OpenOk(":memory:", kTwoSteps);
  ASSERT_TRUE(db);
  for (int i = 0; i < 3; ++i) {
    auto insert = db->Prepare("INSERT INTO t (id, v) VALUES (?1, ?2)");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE(insert->BindInt(i).BindText("v" + std::to_string(i)).Run().ok());
  }
  auto insert = db->Prepare("INSERT INTO t (id, v) VALUES (?1, ?2)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->BindInt(10).BindText("x").Run().ok());
  insert->Reset();
  ASSERT_TRUE(insert->BindInt(11).BindText("y").Run().ok());
  EXPECT_EQ(Count(*db, "t"), 5);

  auto select = db->Prepare("SELECT v FROM t WHERE id = ?1");
  ASSERT_TRUE(select.ok());
  select->BindInt(11);
  ASSERT_TRUE(select->Step().value());
  EXPECT_EQ(select->Text(0), "y");
  EXPECT_FALSE(select->Step().value());
}

TEST(SqliteConnection, BindingTooManyParametersIsAnError) {
  auto db = OpenOk(":memory:", kTwoSteps);
  ASSERT_TRUE(db);
  auto stmt = db->Prepare("SELECT ?1");
  ASSERT_TRUE(stmt.ok());
  Status s = stmt->BindInt(1).BindInt(2).Run();
  EXPECT_EQ(s.code(), Errc::kIoError);
  EXPECT_THAT(s.message(), HasSubstr("binding"));
}

TEST(SqliteConnection, BadSqlIsIoErrorNamingTheStatement) {
  auto db = OpenOk(":memory:", kTwoSteps);
  ASSERT_TRUE(db);
  Result<Statement> stmt = db->Prepare("SELEKT 1");
  ASSERT_FALSE(stmt.ok());
  EXPECT_EQ(stmt.status().code(), Errc::kIoError);
  EXPECT_THAT(stmt.status().message(), HasSubstr("SELEKT 1"));
  EXPECT_THAT(stmt.status().message(), HasSubstr(":memory:"));
}

// PRAGMA synchronous is per connection and silently ignored inside a transaction: read it back.
TEST(SqliteConnection, SynchronousLevelIsInEffectOnAFile) {
  testing::TempDir dir;
  for (auto [level, want] :
       {std::pair{Synchronous::kFull, 2}, std::pair{Synchronous::kNormal, 1}}) {
    Result<std::unique_ptr<Connection>> db =
        Connection::Open(dir.File("db"), TestSchema(kTwoSteps), level);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_EQ((*db)->QueryInt("PRAGMA synchronous").value(), want);
  }
}

TEST(SqliteConnection, RefusesAnotherApplicationsDatabaseNamingBoth) {
  testing::TempDir dir;
  const std::string path = dir.File("db");
  ASSERT_TRUE(OpenOk(path, kTwoSteps));
  Schema other = TestSchema(kTwoSteps);
  other.application_id = 0x4f544852;  // "OTHR"
  other.application_name = "other";
  Result<std::unique_ptr<Connection>> db = Connection::Open(path, other, Synchronous::kFull);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status(), Status(Errc::kIoError, path + ": application_id 0x54455354 is not "
                                                       "other's (0x4f544852)"));
}

TEST(SqliteConnection, EmptyPathIsInvalidArgument) {
  EXPECT_EQ(Connection::Open("", TestSchema(kTwoSteps), Synchronous::kFull).status().code(),
            Errc::kInvalidArgument);
}

}  // namespace
}  // namespace mp::server::sqlite
