#include "server/store/postgres.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

#include "server/store/store.h"

namespace mp::server::pg {
namespace {

// maskinporten_schema's advisory lock: "MPCP" (maskinporten-cpp), as the SQLite application_id.
constexpr int64_t kMigrationLock = 0x4d504350;

// The start of a statement for messages: our SQL carries no values, only placeholders.
std::string Excerpt(std::string_view sql) {
  constexpr size_t kMax = 60;
  std::string text(sql.substr(0, std::min(sql.size(), kMax)));
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (sql.size() > kMax) text += "...";
  return text;
}

std::string TrimmedMessage(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.empty() ? "no message from libpq" : text;
}

// SQLSTATEs that mean "the server is going away or unreachable now": connection exceptions
// (class 08), admin/crash shutdown and cannot-connect-now (57P01-57P03), a statement cancelled by
// statement_timeout (57014).
bool ServerGone(const char* sqlstate) {
  if (sqlstate == nullptr) return false;
  std::string_view s(sqlstate);
  return s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03" || s == "57014";
}

void IgnoreNotice(void*, const char*) {}

}  // namespace
}  // namespace mp::server::pg

namespace mp::server {

bool IsPostgresUrl(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

Result<std::string> MaskedPostgresUrl(std::string_view url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &error);
  if (options == nullptr) {
    // libpq's message may quote part of the URL, password included: not repeated.
    if (error != nullptr) PQfreemem(error);
    return Status(Errc::kInvalidArgument,
                  "not a PostgreSQL connection URL (postgresql://user@host:port/dbname)");
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key(o->keyword);
    if (key == "user") user = o->val;
    if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  std::string out = "postgresql://";
  if (!user.empty()) out += user + "@";
  out += host;
  if (!port.empty()) out += ":" + port;
  out += "/" + dbname;
  return out;
}

}  // namespace mp::server

namespace mp::server::pg {

void ResultDeleter::operator()(pg_result* result) const { PQclear(result); }

int Rows::size() const { return PQntuples(result_.get()); }

int64_t Rows::affected() const {
  const char* text = PQcmdTuples(result_.get());
  int64_t n = 0;
  if (text != nullptr) std::from_chars(text, text + std::strlen(text), n);
  return n;
}

std::string Rows::Text(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column)) return "";
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t Rows::Int(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column)) return 0;
  const char* text = PQgetvalue(result_.get(), row, column);
  int64_t n = 0;
  std::from_chars(text, text + PQgetlength(result_.get(), row, column), n);
  return n;
}

bool Rows::Bool(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column)) return false;
  return PQgetvalue(result_.get(), row, column)[0] == 't';
}

RowView Rows::Row(int row) const { return RowView(*this, row); }

std::string RowView::Text(int column) const { return rows_.Text(row_, column); }
int64_t RowView::Int(int column) const { return rows_.Int(row_, column); }
bool RowView::Bool(int column) const { return rows_.Bool(row_, column); }

Connection::~Connection() { PQfinish(conn_); }

bool Connection::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

Status Connection::Error(std::string_view what, const pg_result* result) const {
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = TrimmedMessage(result != nullptr ? PQresultErrorMessage(result) : nullptr);
  if (result == nullptr || message == "no message from libpq") {
    message = TrimmedMessage(PQerrorMessage(conn_));
  }
  if (!ok() || ServerGone(sqlstate)) {
    return Status(Errc::kNetworkError,
                  *where_ + ": PostgreSQL unavailable: " + std::string(what) + ": " + message);
  }
  return Status(Errc::kIoError, *where_ + ": " + std::string(what) + ": " + message);
}

Result<Rows> Connection::Query(std::string_view sql, std::span<const Param> params) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    std::string name = "mp" + std::to_string(prepared_.size() + 1);
    PGresult* prepared = PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr);
    Rows holder(prepared);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      return Error("preparing " + Excerpt(sql), prepared);
    }
    it = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* result = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                    values.data(), nullptr, nullptr, 0);
  Rows rows(result);
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return Error(Excerpt(sql), result);
  }
  return rows;
}

Status Connection::Exec(std::string_view sql) {
  PGresult* result = PQexec(conn_, std::string(sql).c_str());
  Rows rows(result);
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return Error(Excerpt(sql), result);
  }
  return OkStatus();
}

bool Connection::StillUsable() {
  if (!ok() || PQtransactionStatus(conn_) != PQTRANS_IDLE) return false;
  // A server that shut down sent an error message and closed the socket: read both now.
  for (int round = 0; round < 4; ++round) {
    pollfd p{.fd = PQsocket(conn_), .events = POLLIN | POLLRDHUP, .revents = 0};
    if (::poll(&p, 1, 0) == 0) return true;
    if ((p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) return false;
    if (PQconsumeInput(conn_) == 0 || !ok()) return false;
    while (PGnotify* n = PQnotifies(conn_)) PQfreemem(n);
  }
  return ok();
}

Pool::Pool(PoolOptions options, std::string where)
    : options_(std::move(options)), where_(std::move(where)) {}

Pool::~Pool() = default;

Result<std::unique_ptr<Pool>> Pool::Open(const PoolOptions& options) {
  MP_ASSIGN_OR_RETURN(std::string where, MaskedPostgresUrl(options.url));
  PoolOptions o = options;
  o.size = std::max(o.size, 1);
  o.connect_timeout_seconds = std::max(o.connect_timeout_seconds, 1);
  std::unique_ptr<Pool> pool(new Pool(std::move(o), std::move(where)));
  MP_RETURN_IF_ERROR(pool->Run([](Connection&) { return OkStatus(); }));
  return pool;
}

Result<std::unique_ptr<Connection>> Pool::Connect() {
  const std::string connect_timeout = std::to_string(options_.connect_timeout_seconds);
  const std::string server_options =
      "-c statement_timeout=" + std::to_string(options_.statement_timeout_ms);
  // The URL comes last, so what it says overrides these defaults (PQconnectdbParams takes the
  // last value of a repeated key word).
  const char* keys[] = {"connect_timeout",  "options",         "application_name",
                        "keepalives",       "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "dbname",          nullptr};
  const char* values[] = {connect_timeout.c_str(),
                          server_options.c_str(),
                          "maskinporten",
                          "1",
                          "10",
                          "5",
                          "3",
                          options_.url.c_str(),
                          nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (raw == nullptr) return Status(Errc::kInternal, where_ + ": libpq is out of memory");
  std::unique_ptr<Connection> conn(new Connection(raw, &where_));
  if (PQstatus(raw) != CONNECTION_OK) {
    return Status(Errc::kNetworkError, where_ + ": PostgreSQL unavailable: cannot connect: " +
                                           TrimmedMessage(PQerrorMessage(raw)));
  }
  PQsetNoticeProcessor(raw, &IgnoreNotice, nullptr);
  return conn;
}

Result<std::unique_ptr<Connection>> Pool::Borrow() {
  {
    MutexLock lock(mu_);
    while (true) {
      while (!idle_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_.back());
        idle_.pop_back();
        if (conn->StillUsable()) return conn;
        --open_;  // gone while idle (the server restarted): reconnect below
      }
      if (open_ < options_.size) break;
      available_.Wait(mu_);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < retry_at_) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now);
      return Status(Errc::kNetworkError,
                    last_error_ + " (next attempt in " + std::to_string(wait.count()) + " ms)");
    }
    ++open_;
  }
  Result<std::unique_ptr<Connection>> conn = Connect();
  MutexLock lock(mu_);
  if (!conn.ok()) {
    --open_;
    backoff_ =
        backoff_.count() == 0 ? options_.min_backoff : std::min(backoff_ * 2, options_.max_backoff);
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
    last_error_ = conn.status().message();
    available_.NotifyOne();
    return conn.status();
  }
  backoff_ = std::chrono::milliseconds(0);
  return conn;
}

void Pool::Return(std::unique_ptr<Connection> conn) {
  MutexLock lock(mu_);
  if (conn->ok() && PQtransactionStatus(conn->conn_) == PQTRANS_IDLE) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  available_.NotifyOne();
}

Status Pool::Run(const std::function<Status(Connection&)>& body) {
  MP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Borrow());
  Status status = body(*conn);
  Return(std::move(conn));
  return status;
}

Status Pool::Transaction(const std::function<Status(Connection&)>& body) {
  return Run([&](Connection& conn) -> Status {
    MP_RETURN_IF_ERROR(conn.Exec("BEGIN"));
    Status status = body(conn);
    if (status.ok()) status = conn.Exec("COMMIT");
    if (!status.ok() && conn.ok()) (void)conn.Exec("ROLLBACK");
    return status;
  });
}

Result<int> Pool::SchemaVersion() {
  int version = 0;
  MP_RETURN_IF_ERROR(Run([&](Connection& conn) -> Status {
    MP_ASSIGN_OR_RETURN(Rows rows, conn.Query("SELECT to_regclass('maskinporten_schema') IS NULL"));
    if (rows.Bool(0, 0)) return OkStatus();
    MP_ASSIGN_OR_RETURN(Rows stored,
                        conn.Query("SELECT version FROM maskinporten_schema WHERE id = 1"));
    if (!stored.empty()) version = static_cast<int>(stored.Int(0, 0));
    return OkStatus();
  }));
  return version;
}

Status Pool::Migrate(std::span<const Migration> migrations) {
  return Transaction([&](Connection& conn) -> Status {
    // Instances starting together: the first migrates, the others wait here and find it done.
    MP_RETURN_IF_ERROR(
        conn.Query("SELECT pg_advisory_xact_lock($1)", {Int(kMigrationLock)}).status());
    MP_RETURN_IF_ERROR(
        conn.Exec("CREATE TABLE IF NOT EXISTS maskinporten_schema ("
                  "id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)"));
    MP_ASSIGN_OR_RETURN(Rows stored,
                        conn.Query("SELECT version FROM maskinporten_schema WHERE id = 1"));
    const int version = stored.empty() ? 0 : static_cast<int>(stored.Int(0, 0));
    MP_RETURN_IF_ERROR(ApplyMigrations(migrations, version, where_,
                                       [&](const Migration& m) { return conn.Exec(m.sql); }));
    if (version == LatestVersion(migrations)) return OkStatus();
    return conn
        .Query(
            "INSERT INTO maskinporten_schema (id, version) VALUES (1, $1) "
            "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            {Int(LatestVersion(migrations))})
        .status();
  });
}

}  // namespace mp::server::pg
