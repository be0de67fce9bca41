#include "server/store/sqlite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mp::server::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::string_view kMemoryPath = ":memory:";

Status OsError(const std::string& path, std::string_view what, int err) {
  return Status(Errc::kIoError, path + ": " + std::string(what) + ": " + std::strerror(err));
}

// mkdir -p with mode 0700 for the directories we create: the registry holds private keys.
Status CreateParentDirectories(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::vector<std::filesystem::path> missing;
  std::error_code ec;
  for (std::filesystem::path p = parent; !p.empty() && !std::filesystem::exists(p, ec);
       p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return OsError(path, "creating directory " + it->string(), errno);
    }
  }
  return OkStatus();
}

// Creates the file with mode 0600 before SQLite opens it (SQLite would use 0644 minus umask);
// the -wal and -shm files SQLite creates later take the database file's mode.
Status CreateFileIfMissing(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return OsError(path, "opening", errno);
  ::close(fd);
  return OkStatus();
}

std::string Abbreviate(const char* sql) {
  std::string text = sql != nullptr ? sql : "";
  constexpr size_t kMax = 60;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

}  // namespace

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  next_param_ = 1;
  bind_error_ = SQLITE_OK;
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      conn_(other.conn_),
      next_param_(other.next_param_),
      bind_error_(other.bind_error_) {}

Statement& Statement::BindText(std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, next_param_++, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::BindInt(int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_param_++, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return conn_->ErrorFromCode(bind_error_, "binding \"" + Abbreviate(sqlite3_sql(stmt_)) + "\"");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->Error("running \"" + Abbreviate(sqlite3_sql(stmt_)) + "\"");
}

Status Statement::Run() {
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return OkStatus();
  }
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     std::span<const Migration> migrations) {
  const bool in_memory = path == kMemoryPath;
  if (path.empty()) return Status(Errc::kInvalidArgument, "database path is empty");
  if (!in_memory) {
    MP_RETURN_IF_ERROR(CreateParentDirectories(path));
    MP_RETURN_IF_ERROR(CreateFileIfMissing(path));
  }
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    std::string detail = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
    return Status(Errc::kIoError, path + ": cannot open database: " + detail);
  }
  std::unique_ptr<Connection> conn(new Connection(std::move(db), path));
  MP_RETURN_IF_ERROR(conn->Configure(migrations));
  return conn;
}

Status Connection::Configure(std::span<const Migration> migrations) {
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
  // The first read of the file: a non-SQLite file fails here with SQLITE_NOTADB.
  Result<int> version = UserVersion();
  if (!version.ok()) {
    if ((sqlite3_extended_errcode(db_.get()) & 0xff) == SQLITE_NOTADB) {
      return Status(Errc::kIoError, path_ + ": not a SQLite database");
    }
    return version.status();
  }
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*version > latest) {
    return Status(Errc::kIoError, path_ + ": schema version " + std::to_string(*version) +
                                      " is newer than this build supports (" +
                                      std::to_string(latest) + ")");
  }
  MP_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys = ON"));
  if (path_ != kMemoryPath) {
    // Readers do not block the writer (the replay store may use a second connection).
    MP_RETURN_IF_ERROR(Exec("PRAGMA journal_mode = WAL"));
    MP_RETURN_IF_ERROR(Exec("PRAGMA synchronous = NORMAL"));
  }
  if (*version < latest) MP_RETURN_IF_ERROR(Migrate(migrations));
  return OkStatus();
}

Status Connection::Migrate(std::span<const Migration> migrations) {
  const int latest = migrations.back().version;
  return Transaction([&]() -> Status {
    // Read again under the write lock: another process may have migrated meanwhile.
    MP_ASSIGN_OR_RETURN(int version, UserVersion());
    if (version > latest) {
      return Status(Errc::kIoError, path_ + ": schema version " + std::to_string(version) +
                                        " is newer than this build supports (" +
                                        std::to_string(latest) + ")");
    }
    for (const Migration& m : migrations) {
      if (m.version <= version) continue;
      char* message = nullptr;
      int rc = sqlite3_exec(db_.get(), m.sql, nullptr, nullptr, &message);
      if (rc != SQLITE_OK) {
        std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return Status(Errc::kIoError, path_ + ": migrating to schema version " +
                                          std::to_string(m.version) + ": " + detail);
      }
    }
    // PRAGMA takes no parameters; the value is our own integer.
    return Exec("PRAGMA user_version = " + std::to_string(latest));
  });
}

Result<int> Connection::UserVersion() {
  MP_ASSIGN_OR_RETURN(Statement stmt, Prepare("PRAGMA user_version"));
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status(Errc::kIoError, path_ + ": PRAGMA user_version returned no row");
  return static_cast<int>(stmt.Int(0));
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) {
      return Error("preparing \"" + Abbreviate(std::string(sql).c_str()) + "\"");
    }
    if (!stmt) return Status(Errc::kInternal, "empty SQL statement");
    it = statements_.emplace(std::string(sql), std::move(stmt)).first;
  }
  return Statement(it->second.get(), this);
}

Status Connection::Exec(std::string_view sql) {
  MP_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  return stmt.Run();
}

Status Connection::Transaction(const std::function<Status()>& body) {
  return RunInTransaction("BEGIN IMMEDIATE", body);
}

Status Connection::ReadTransaction(const std::function<Status()>& body) {
  return RunInTransaction("BEGIN", body);
}

Status Connection::RunInTransaction(std::string_view begin, const std::function<Status()>& body) {
  MP_RETURN_IF_ERROR(Exec(begin));
  Status status = body();
  if (status.ok()) {
    status = Exec("COMMIT");
    if (status.ok()) return status;
  }
  // A failed COMMIT (SQLITE_BUSY) leaves the transaction open; some errors already rolled back.
  // The caller gets the first failure; a failed ROLLBACK adds nothing it can act on.
  if (sqlite3_get_autocommit(db_.get()) == 0) (void)Exec("ROLLBACK");
  return status;
}

Status Connection::Error(std::string_view what) const {
  return Status(Errc::kIoError,
                path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_.get()));
}

Status Connection::ErrorFromCode(int rc, std::string_view what) const {
  return Status(Errc::kIoError, path_ + ": " + std::string(what) + ": " + sqlite3_errstr(rc));
}

}  // namespace mp::server::sqlite
