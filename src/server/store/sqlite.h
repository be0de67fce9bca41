// RAII handles for SQLite and a small connection wrapper: cached prepared statements, one place
// where SQLite errors become a Status (Errc::kIoError naming the path), transactions that roll
// back on any failure, and opening a file only when it is new or the application's own (by its
// schema marker), then migrating it.
//
// Not thread safe: the stores that own a Connection guard it with an mp::Mutex.
//
//   MP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db,
//                       Connection::Open(path, kSchema, Synchronous::kFull));
//   MP_RETURN_IF_ERROR(db->Transaction([&]() -> Status {
//     MP_ASSIGN_OR_RETURN(Statement stmt, db->Prepare("DELETE FROM t WHERE id = ?"));
//     return stmt.BindText(id).Run();
//   }));
#ifndef MASKINPORTEN_SERVER_STORE_SQLITE_H_
#define MASKINPORTEN_SERVER_STORE_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "maskinporten/status.h"
#include "server/store/migration.h"

namespace mp::server::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

class Connection;

// A cached prepared statement borrowed for one execution. Parameters bind in order (the first
// Bind* call binds `?1`); a bind failure is reported by the next Step/Run. On destruction the
// statement is reset and its bindings cleared so the cache can lend it again.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, const Connection* conn) : stmt_(stmt), conn_(conn) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& BindText(std::string_view value);
  Statement& BindInt(int64_t value);
  Statement& BindBool(bool value) { return BindInt(value ? 1 : 0); }

  // Makes the statement ready to bind and run again (Bind* starts at ?1 again).
  void Reset();

  // true: a row is ready to read; false: the statement is done.
  Result<bool> Step();
  // Runs to completion (INSERT/UPDATE/DELETE); rows, if any, are ignored.
  Status Run();

  // Column readers for the current row; NULL reads as "" / 0.
  std::string Text(int column) const;
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool Bool(int column) const { return Int(column) != 0; }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
  const Connection* conn_;
  int next_param_ = 1;
  int bind_error_ = SQLITE_OK;
};

// One schema step (migration.h, shared with the PostgreSQL store).
using Migration = ::mp::server::Migration;

// What a database file must hold for Connection::Open to use it, and how Open builds a new one.
struct Schema {
  // PRAGMA application_id (the 32-bit field at offset 68 of the SQLite file header): written into
  // a new file before anything else, required of an existing one.
  uint32_t application_id = 0;
  std::string_view application_name = "";  // for messages: "... is not <name>'s"
  // Every schema step in order; the last one's version is PRAGMA user_version after Open. A new
  // version appends a migration, never edits a released one.
  std::span<const Migration> migrations;
  // Files written before the application_id existed: application_id 0, user_version v in
  // 1..last_unmarked_version and exactly the tables migrations 1..v create. Open adopts such a
  // file (writes the application_id). 0: there are none.
  int last_unmarked_version = 0;
};

// PRAGMA synchronous for a file connection in WAL mode: what an acknowledged commit survives.
enum class Synchronous {
  // NORMAL: the WAL is fsynced at checkpoints only. A commit survives a crash of the process (the
  // OS holds the write) but the last commits before a power loss or kernel crash may be lost.
  kNormal,
  // FULL: the WAL is fsynced at every commit, so a commit survives a power loss too. Costs one
  // fsync per write transaction.
  kFull,
};

class Connection {
 public:
  // Opens `path` (":memory:" for a private in-memory database), creating the file with mode 0600
  // and missing parent directories with mode 0700, when `path` is missing, 0 bytes long, or holds
  // `schema` (its application_id, or an unmarked older version: see Schema). Any other file is
  // refused before it is changed in any way: no journal-mode switch, no pragma write, no table,
  // no WAL recovery or checkpoint. Then sets busy_timeout 5 s, foreign keys on, the
  // application_id, and for files WAL journal mode and `synchronous`; then applies the
  // migrations newer than PRAGMA user_version in one transaction. Errc::kIoError naming the path
  // and what was found when the file cannot be opened, is not a SQLite database, belongs to
  // another application, or has a schema version newer than the last migration.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, const Schema& schema,
                                                  Synchronous synchronous);

  // A statement for `sql`, prepared once and cached by its text.
  Result<Statement> Prepare(std::string_view sql);
  // Prepares (cached) and runs a statement that takes no parameters.
  Status Exec(std::string_view sql);
  // BEGIN IMMEDIATE; body; COMMIT. ROLLBACK when the body or the commit fails, so a failed body
  // leaves the database as it was. Not reentrant.
  Status Transaction(const std::function<Status()>& body);
  // BEGIN (deferred); body; COMMIT: a consistent snapshot for reads spanning several statements.
  Status ReadTransaction(const std::function<Status()>& body);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_.get()); }
  // PRAGMA user_version.
  Result<int> UserVersion();
  // The integer a statement answers in its first row ("PRAGMA synchronous" -> 2 for FULL).
  Result<int64_t> QueryInt(std::string_view sql);

  // Errc::kIoError "<path>: <what>: <sqlite3_errmsg>".
  Status Error(std::string_view what) const;
  Status ErrorFromCode(int rc, std::string_view what) const;
  const std::string& path() const { return path_; }

 private:
  enum class Found;  // what Open found at the path (sqlite.cc)

  Connection(DbPtr db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  static Result<Found> Inspect(const std::string& path, const Schema& schema);
  Status Configure(const Schema& schema, Found found, Synchronous synchronous);
  Status Migrate(std::span<const Migration> migrations);
  Status RunInTransaction(std::string_view begin, const std::function<Status()>& body);

  DbPtr db_;
  std::string path_;
  std::unordered_map<std::string, StmtPtr> statements_;
};

}  // namespace mp::server::sqlite

#endif  // MASKINPORTEN_SERVER_STORE_SQLITE_H_
