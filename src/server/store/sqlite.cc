#include "server/store/sqlite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/percent.h"

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

std::string Hex32(uint32_t value) {
  std::array<char, 11> text{};
  std::snprintf(text.data(), text.size(), "0x%08x", value);
  return text.data();
}

Status Foreign(const std::string& path, uint32_t application_id, const Schema& schema) {
  return Status(Errc::kIoError, path + ": application_id " + Hex32(application_id) + " is not " +
                                    std::string(schema.application_name) + "'s (" +
                                    Hex32(schema.application_id) + ")");
}

// The first 100 bytes of a SQLite file (https://sqlite.org/fileformat2.html#the_database_header).
struct FileHeader {
  static constexpr size_t kSize = 100;
  std::array<unsigned char, kSize> bytes{};

  uint32_t At(size_t offset) const {  // big-endian
    return (uint32_t{bytes[offset]} << 24) | (uint32_t{bytes[offset + 1]} << 16) |
           (uint32_t{bytes[offset + 2]} << 8) | uint32_t{bytes[offset + 3]};
  }
  uint32_t ApplicationId() const { return At(68); }
  bool WalMode() const { return bytes[18] == 2; }  // file format write version 2: WAL
};

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// The header of an existing non-empty file; nullopt for a missing or 0-byte file (new).
Result<std::optional<FileHeader>> ReadHeader(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<FileHeader>();
    return OsError(path, "opening", errno);
  }
  FdCloser closer(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return OsError(path, "reading", errno);
  if (!S_ISREG(st.st_mode)) return Status(Errc::kIoError, path + ": not a regular file");
  if (st.st_size == 0) return std::optional<FileHeader>();
  FileHeader header;
  size_t got = 0;
  while (got < FileHeader::kSize) {
    const ssize_t n =
        ::pread(fd, header.bytes.data() + got, FileHeader::kSize - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OsError(path, "reading", errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  static constexpr char kMagic[] = "SQLite format 3";  // with its NUL: the first 16 bytes
  const std::string size = std::to_string(st.st_size) + " bytes";
  if (std::memcmp(header.bytes.data(), kMagic, std::min(got, sizeof(kMagic))) != 0) {
    return Status(Errc::kIoError, path + ": not a SQLite database (" + size +
                                      " that do not start with \"SQLite format 3\")");
  }
  if (got < FileHeader::kSize) {
    return Status(Errc::kIoError,
                  path + ": not a SQLite database (" + size + ", shorter than its header)");
  }
  return std::optional<FileHeader>(header);
}

// Runs `sql` on a connection of our own (not a Connection: no cache, no path of its own), calling
// `row` for every result row.
Status ForEachRow(sqlite3* db, const std::string& path, const char* sql,
                  const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  StmtPtr stmt(raw);
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_ROW) row(stmt.get());
  }
  if (rc == SQLITE_DONE) return OkStatus();
  const int code = sqlite3_extended_errcode(db);
  if ((code & 0xff) == SQLITE_NOTADB) {
    return Status(Errc::kIoError, path + ": not a SQLite database");
  }
  if (code == SQLITE_READONLY_ROLLBACK) {
    return Status(Errc::kIoError, path +
                                      ": has a hot journal (a write another program did not "
                                      "finish) that only opening it for writing would roll back");
  }
  return Status(Errc::kIoError,
                path + ": reading \"" + Abbreviate(sql) + "\": " + sqlite3_errmsg(db));
}

// The names of the tables, sorted, without SQLite's own (sqlite_sequence, sqlite_stat1).
Result<std::vector<std::string>> Tables(sqlite3* db, const std::string& path) {
  std::vector<std::string> names;
  MP_RETURN_IF_ERROR(ForEachRow(db, path,
                                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                                "LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                                [&names](sqlite3_stmt* stmt) {
                                  const unsigned char* text = sqlite3_column_text(stmt, 0);
                                  names.emplace_back(
                                      text != nullptr ? reinterpret_cast<const char*>(text) : "");
                                }));
  return names;
}

struct Contents {
  uint32_t application_id = 0;
  int user_version = 0;
  std::vector<std::string> tables;  // sorted, without SQLite's own
};

// Reads a database without any effect on it: read-only, so no hot-journal rollback (refused
// instead), no WAL recovery written back and no checkpoint. A WAL-mode file whose WAL is missing
// or empty is read as immutable, so SQLite does not even create -wal and -shm files beside it.
Result<Contents> ReadContents(const std::string& path, const FileHeader& header) {
  std::error_code ec;
  const uintmax_t wal_size = std::filesystem::file_size(path + "-wal", ec);
  const bool wal_empty = ec || wal_size == 0;
  const std::string uri =
      "file:" + PercentEncode(path) + (header.WalMode() && wal_empty ? "?immutable=1" : "?mode=ro");
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    std::string detail = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
    return Status(Errc::kIoError, path + ": cannot open database read-only: " + detail);
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  Contents contents;
  const auto int_of = [](int64_t* out) {
    return [out](sqlite3_stmt* stmt) { *out = sqlite3_column_int64(stmt, 0); };
  };
  int64_t application_id = 0;
  int64_t user_version = 0;
  MP_RETURN_IF_ERROR(ForEachRow(db.get(), path, "PRAGMA application_id", int_of(&application_id)));
  MP_RETURN_IF_ERROR(ForEachRow(db.get(), path, "PRAGMA user_version", int_of(&user_version)));
  contents.application_id = static_cast<uint32_t>(application_id);
  contents.user_version = static_cast<int>(user_version);
  MP_ASSIGN_OR_RETURN(contents.tables, Tables(db.get(), path));
  return contents;
}

// The tables the migrations up to `version` create, from a private in-memory database: the
// schema is written once, in the migrations.
Result<std::vector<std::string>> TablesAfter(std::span<const Migration> migrations, int version) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(std::string(kMemoryPath).c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return Status(Errc::kInternal, "opening an in-memory database failed");
  for (const Migration& m : migrations) {
    if (m.version > version) break;
    if (sqlite3_exec(db.get(), m.sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Status(Errc::kInternal,
                    "schema version " + std::to_string(m.version) +
                        " fails on an empty database: " + sqlite3_errmsg(db.get()));
    }
  }
  return Tables(db.get(), std::string(kMemoryPath));
}

std::string DescribeTables(const std::vector<std::string>& tables) {
  if (tables.empty()) return "no tables";
  constexpr size_t kMaxNamed = 8;
  std::string text = "tables ";
  for (size_t i = 0; i < tables.size() && i < kMaxNamed; ++i) {
    text += (i == 0 ? "" : ", ") + tables[i];
  }
  if (tables.size() > kMaxNamed) {
    text += " and " + std::to_string(tables.size() - kMaxNamed) + " more";
  }
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

// What Open found at the path.
enum class Connection::Found {
  kNew,       // missing, 0 bytes, or ":memory:": gets the application_id and every migration
  kOurs,      // carries the schema's application_id
  kUnmarked,  // an older version of ours from before the application_id: adopted
};

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, const Schema& schema,
                                                     Synchronous synchronous) {
  const bool in_memory = path == kMemoryPath;
  if (path.empty()) return Status(Errc::kInvalidArgument, "database path is empty");
  Found found = Found::kNew;
  if (!in_memory) {
    MP_ASSIGN_OR_RETURN(found, Inspect(path, schema));
    MP_RETURN_IF_ERROR(CreateParentDirectories(path));
    if (found == Found::kNew) MP_RETURN_IF_ERROR(CreateFileIfMissing(path));
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
  MP_RETURN_IF_ERROR(conn->Configure(schema, found, synchronous));
  return conn;
}

// Judges an existing file without changing it: the header by plain reads first (SQLite does not
// touch a file that is not a database or carries another application_id), then the schema
// through a read-only connection that cannot write (the header can lag behind the WAL).
Result<Connection::Found> Connection::Inspect(const std::string& path, const Schema& schema) {
  MP_ASSIGN_OR_RETURN(std::optional<FileHeader> header, ReadHeader(path));
  if (!header) return Found::kNew;
  const uint32_t header_id = header->ApplicationId();
  if (header_id != 0 && header_id != schema.application_id) {
    return Foreign(path, header_id, schema);
  }
  MP_ASSIGN_OR_RETURN(Contents contents, ReadContents(path, *header));
  if (contents.application_id == schema.application_id) {
    MP_RETURN_IF_ERROR(CheckSchemaVersion(path, contents.user_version, schema.migrations));
    return Found::kOurs;
  }
  if (contents.application_id != 0) return Foreign(path, contents.application_id, schema);
  if (contents.user_version >= 1 && contents.user_version <= schema.last_unmarked_version) {
    MP_ASSIGN_OR_RETURN(std::vector<std::string> ours,
                        TablesAfter(schema.migrations, contents.user_version));
    if (contents.tables == ours) return Found::kUnmarked;
  }
  const std::string name(schema.application_name);
  return Status(Errc::kIoError, path + ": not " + name + "'s database: application_id 0 (" + name +
                                    "'s is " + Hex32(schema.application_id) + "), user_version " +
                                    std::to_string(contents.user_version) + ", " +
                                    DescribeTables(contents.tables));
}

Status Connection::Configure(const Schema& schema, Found found, Synchronous synchronous) {
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
  // The first read through this connection: a file that changed since Inspect is judged again,
  // still before anything is written.
  Result<int64_t> stored_id = QueryInt("PRAGMA application_id");
  if (!stored_id.ok()) {
    if ((sqlite3_extended_errcode(db_.get()) & 0xff) == SQLITE_NOTADB) {
      return Status(Errc::kIoError, path_ + ": not a SQLite database");
    }
    return stored_id.status();
  }
  MP_ASSIGN_OR_RETURN(int version, UserVersion());
  const auto application_id = static_cast<uint32_t>(*stored_id);
  if (application_id != schema.application_id) {
    if (application_id != 0) return Foreign(path_, application_id, schema);
    if (found == Found::kOurs) {
      return Status(Errc::kIoError, path_ + ": application_id changed while opening");
    }
    if (found == Found::kNew) {
      MP_ASSIGN_OR_RETURN(int64_t objects, QueryInt("SELECT count(*) FROM sqlite_schema"));
      if (objects != 0 || version != 0) {
        return Status(Errc::kIoError,
                      path_ + ": another program created a database here while opening");
      }
    }
  }
  MP_RETURN_IF_ERROR(CheckSchemaVersion(path_, version, schema.migrations));
  MP_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys = ON"));
  if (application_id != schema.application_id) {
    // For a new file the first write, still in rollback-journal mode: the marker is in the main
    // file's header before any WAL exists, so a crash after it leaves a file Open recognises.
    // PRAGMA takes no parameters; the value is our own integer.
    MP_RETURN_IF_ERROR(Exec("PRAGMA application_id = " +
                            std::to_string(static_cast<int32_t>(schema.application_id))));
  }
  if (path_ != kMemoryPath) {
    // Readers do not block the writer (the replay store may use a second connection).
    MP_RETURN_IF_ERROR(Exec("PRAGMA journal_mode = WAL"));
    // Chosen by each store (docs/operations.md, "Durability"): FULL for the registry, so an
    // acknowledged admin write survives a power loss; NORMAL for the replay store.
    MP_RETURN_IF_ERROR(Exec(synchronous == Synchronous::kFull ? "PRAGMA synchronous = FULL"
                                                              : "PRAGMA synchronous = NORMAL"));
  }
  if (version < LatestVersion(schema.migrations)) MP_RETURN_IF_ERROR(Migrate(schema.migrations));
  return OkStatus();
}

Status Connection::Migrate(std::span<const Migration> migrations) {
  return Transaction([&]() -> Status {
    // Read again under the write lock: another process may have migrated meanwhile.
    MP_ASSIGN_OR_RETURN(int version, UserVersion());
    MP_RETURN_IF_ERROR(ApplyMigrations(migrations, version, path_, [&](const Migration& m) {
      char* message = nullptr;
      int rc = sqlite3_exec(db_.get(), m.sql, nullptr, nullptr, &message);
      if (rc == SQLITE_OK) return OkStatus();
      std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      return Status(Errc::kIoError, detail);
    }));
    // PRAGMA takes no parameters; the value is our own integer.
    return Exec("PRAGMA user_version = " + std::to_string(LatestVersion(migrations)));
  });
}

Result<int> Connection::UserVersion() {
  MP_ASSIGN_OR_RETURN(int64_t version, QueryInt("PRAGMA user_version"));
  return static_cast<int>(version);
}

Result<int64_t> Connection::QueryInt(std::string_view sql) {
  MP_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status(Errc::kIoError, path_ + ": " + std::string(sql) + " returned no row");
  return stmt.Int(0);
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
