// A small libpq wrapper for the PostgreSQL stores: parameterised statements (prepared once per
// connection, values always sent as parameters, never spliced into SQL), results read by row and
// column, transactions that roll back on any failure, and a pool of connections with connect and
// statement timeouts that reconnects with backoff after the server went away.
//
// Errors: Errc::kNetworkError "<url>: PostgreSQL unavailable: ..." when the server cannot be
// reached or the connection broke (the caller may retry later), Errc::kIoError "<url>: <what>:
// <server message>" for any other failure. <url> is the URL with its password removed
// (MaskedPostgresUrl, store.h); a password is never part of a message.
//
// libpq's headers stay in postgres.cc.
//
//   MP_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, pg::Pool::Open({.url = url}));
//   MP_RETURN_IF_ERROR(pool->Transaction([&](pg::Connection& c) -> Status {
//     MP_ASSIGN_OR_RETURN(pg::Rows rows, c.Query("DELETE FROM t WHERE id = $1", {pg::Text(id)}));
//     return rows.affected() == 1 ? OkStatus() : Status(Errc::kNotFound, "no such row");
//   }));
#ifndef MASKINPORTEN_SERVER_STORE_POSTGRES_H_
#define MASKINPORTEN_SERVER_STORE_POSTGRES_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/mutex.h"
#include "maskinporten/status.h"
#include "server/store/migration.h"

struct pg_conn;
struct pg_result;

namespace mp::server::pg {

// One statement parameter in PostgreSQL's text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;
inline Param Text(std::string_view value) { return std::string(value); }
inline Param Int(int64_t value) { return std::to_string(value); }
inline Param Bool(bool value) { return std::string(value ? "true" : "false"); }

// Parameters built in order, with the binder methods the shared record binders use
// (store_records.h): BindText(a).BindInt(b) gives $1 = a, $2 = b.
class Params {
 public:
  Params& BindText(std::string_view value) { return Add(Text(value)); }
  Params& BindInt(int64_t value) { return Add(Int(value)); }
  Params& BindBool(bool value) { return Add(Bool(value)); }
  std::span<const Param> span() const { return values_; }

 private:
  Params& Add(Param p) {
    values_.push_back(std::move(p));
    return *this;
  }
  std::vector<Param> values_;
};

class RowView;

struct ResultDeleter {
  void operator()(pg_result* result) const;
};

// The rows of one statement. Readers take a row and a column index; NULL reads as "" / 0 / false.
class Rows {
 public:
  explicit Rows(pg_result* result) : result_(result) {}
  int size() const;
  bool empty() const { return size() == 0; }
  // Rows an INSERT, UPDATE or DELETE changed (PQcmdTuples).
  int64_t affected() const;
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  bool Bool(int row, int column) const;
  RowView Row(int row) const;

 private:
  std::unique_ptr<pg_result, ResultDeleter> result_;
};

// One row of a Rows, read by column (the shared record readers' Row).
class RowView {
 public:
  RowView(const Rows& rows, int row) : rows_(rows), row_(row) {}
  std::string Text(int column) const;
  int64_t Int(int column) const;
  bool Bool(int column) const;

 private:
  const Rows& rows_;
  int row_;
};

class Pool;

// One server connection, lent by a Pool to one thread at a time.
class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` with `params` ($1, $2, ... in order); the statement is prepared on this connection
  // the first time its text is seen.
  Result<Rows> Query(std::string_view sql, std::span<const Param> params = {});
  Result<Rows> Query(std::string_view sql, std::initializer_list<Param> params) {
    return Query(sql, std::span<const Param>(params.begin(), params.size()));
  }
  Result<Rows> Query(std::string_view sql, const Params& params) {
    return Query(sql, params.span());
  }
  // Runs one or more statements that take no parameters (schema scripts, BEGIN, COMMIT).
  Status Exec(std::string_view sql);

  // false once the connection broke; the pool then drops it.
  bool ok() const;

 private:
  friend class Pool;
  Connection(pg_conn* conn, const std::string* where) : conn_(conn), where_(where) {}
  // Errc::kNetworkError when the connection is broken or the server reports that it is going away
  // (SQLSTATE class 08, 57P01-57P03), else Errc::kIoError; both "<where>: <what>: <message>".
  Status Error(std::string_view what, const pg_result* result) const;
  // true when an idle connection still looks usable: a server that shut down has sent an error
  // and closed the socket, which this reads without blocking.
  bool StillUsable();

  pg_conn* conn_;
  const std::string* where_;                               // the pool's masked URL
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

struct PoolOptions {
  std::string url{};  // libpq URL or key=value string, password allowed
  int size = 4;       // connections at most (>= 1)
  int connect_timeout_seconds = 5;
  int statement_timeout_ms = 10000;  // server side; also the lock wait bound
  // After a failed connect, calls fail at once with kNetworkError for a backoff that starts at
  // min_backoff and doubles per failure up to max_backoff; the first call after it tries again.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

class Pool {
 public:
  // Checks the URL and opens the first connection, so a wrong address or password is reported
  // here: Errc::kInvalidArgument for an unparseable URL, kNetworkError when the server cannot be
  // reached, kIoError when it refuses us.
  static Result<std::unique_ptr<Pool>> Open(const PoolOptions& options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Runs `body` on a connection of the pool (waiting for one when all are lent). A connection
  // that broke during `body` is closed, not returned to the pool.
  Status Run(const std::function<Status(Connection&)>& body);
  // BEGIN; body; COMMIT (READ COMMITTED), ROLLBACK when the body or the commit fails, so a
  // failed body changes nothing. Bodies that read before they write lock what they read
  // (SELECT ... FOR UPDATE, or an advisory lock).
  Status Transaction(const std::function<Status(Connection&)>& body);

  // Runs the `migrations` newer than the version recorded in table maskinporten_schema (created
  // when missing) in one transaction under an advisory lock, so instances starting together
  // migrate once. Errc::kIoError when the database records a newer version than the last
  // migration (a newer build wrote it): nothing is changed then.
  Status Migrate(std::span<const Migration> migrations);
  // The version maskinporten_schema records; 0 when the table is missing or empty.
  Result<int> SchemaVersion();

  // The URL without its password, for messages and logs.
  const std::string& where() const { return where_; }

 private:
  Pool(PoolOptions options, std::string where);
  Result<std::unique_ptr<Connection>> Borrow();
  void Return(std::unique_ptr<Connection> conn);
  Result<std::unique_ptr<Connection>> Connect();

  const PoolOptions options_;
  const std::string where_;
  Mutex mu_;
  CondVar available_;
  std::vector<std::unique_ptr<Connection>> idle_ MP_GUARDED_BY(mu_);
  int open_ MP_GUARDED_BY(mu_) = 0;  // idle + lent + being connected
  // Reconnect backoff: no connect attempt before retry_at_ after a failure.
  std::chrono::steady_clock::time_point retry_at_ MP_GUARDED_BY(mu_){};
  std::chrono::milliseconds backoff_ MP_GUARDED_BY(mu_){0};
  std::string last_error_ MP_GUARDED_BY(mu_);
};

}  // namespace mp::server::pg

#endif  // MASKINPORTEN_SERVER_STORE_POSTGRES_H_
