// RedisReplayStore (redis_replay_store.h) on hiredis 0.14's blocking API: a pool of connections,
// each used by one claim at a time.
#include "server/store/redis_replay_store.h"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "core/checked.h"
#include "core/digest.h"
#include "core/mutex.h"
#include "core/strings.h"
#include "core/url.h"

namespace mp::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct RedisContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using RedisContextPtr = std::unique_ptr<redisContext, RedisContextFree>;
struct RedisReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyFree>;

// Takes over a key whose stored expiry is not after the caller's now (the caller's clock runs
// ahead of Redis's TTL, as with the emulator's clock offset). Atomic: Redis runs a script alone.
// A value that is not a number is left alone (claimed): never reopen what we cannot read.
constexpr std::string_view kTakeOverScript =
    "local v = redis.call('GET', KEYS[1]) "
    "if v and (tonumber(v) == nil or tonumber(v) > tonumber(ARGV[2])) then return 0 end "
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) "
    "return 1";

timeval Timeval(int ms) {
  return timeval{.tv_sec = ms / 1000, .tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000)};
}

// hiredis's errstr with a lowercase first letter ("connection refused"); its text for a read or
// write that hit the socket timeout is strerror(EAGAIN), which says nothing about time.
std::string ContextError(const redisContext& c, int timeout_ms) {
  if (c.err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    return "no answer within " + std::to_string(timeout_ms) + " ms";
  }
  std::string text = c.errstr[0] != '\0' ? std::string(c.errstr) : "connection failed";
  text[0] = AsciiLower(text[0]);
  return text;
}

// A pooled connection the server has closed (a Redis restart) shows EOF without a command sent,
// so it is dropped before use instead of failing a claim. Healthy: nothing to read.
bool Usable(const redisContext& c) {
  if (c.err != 0) return false;
  char byte = 0;
  ssize_t n = recv(c.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool ValidPrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 64) return false;
  return std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '_' || c == '-';
  });
}

Status CheckOptions(const RedisReplayOptions& o) {
  auto bad = [](std::string what) { return Status(Errc::kInvalidArgument, "redis " + what); };
  if (o.host.empty()) return bad("host is empty");
  if (o.port < 1 || o.port > 65535) return bad("port " + std::to_string(o.port) + " not 1..65535");
  if (o.db < 0) return bad("db " + std::to_string(o.db) + " is negative");
  if (o.pool_size < 1 || o.pool_size > 1024) return bad("pool size must be 1..1024");
  for (int ms : {o.connect_timeout_ms, o.command_timeout_ms, o.backoff_initial_ms, o.backoff_max_ms,
                 o.wait_timeout_ms}) {
    if (ms < 1 || ms > 600000) return bad("timeouts and backoff must be 1..600000 ms");
  }
  if (o.wait_replicas < 0 || o.wait_replicas > 100) return bad("wait must be 0..100 replicas");
  if (!ValidPrefix(o.key_prefix)) {
    return bad("key prefix must be 1..64 letters, digits or ':_-'");
  }
  return OkStatus();
}

class RedisReplayStore final : public ReplayStore {
 public:
  explicit RedisReplayStore(RedisReplayOptions options)
      : options_(std::move(options)), name_(RedisEndpointName(options_)) {}

  Result<bool> Claim(std::string_view key, int64_t expires_at, int64_t now) override {
    MP_RETURN_IF_ERROR(CheckReplayClaimTimes(expires_at, now));
    // Both times are in 1970..2199, so the difference in ms fits int64 with room to spare.
    MP_ASSIGN_OR_RETURN(int64_t ttl_seconds, CheckedSub(expires_at, now, "replay ttl"));
    const std::string ttl_ms = std::to_string(ttl_seconds * 1000);
    const std::string redis_key = options_.key_prefix + Sha256Hex(key);
    const std::string value = std::to_string(expires_at);
    MP_ASSIGN_OR_RETURN(Lease lease, Acquire());
    MP_ASSIGN_OR_RETURN(RedisReplyPtr set,
                        lease.Run("SET", {"SET", redis_key, value, "NX", "PX", ttl_ms}));
    bool claimed = false;
    if (set->type == REDIS_REPLY_STATUS && std::string_view(set->str, set->len) == "OK") {
      claimed = true;
    } else if (set->type == REDIS_REPLY_NIL) {
      const std::string now_text = std::to_string(now);
      MP_ASSIGN_OR_RETURN(
          RedisReplyPtr taken,
          lease.Run("EVAL", {"EVAL", kTakeOverScript, "1", redis_key, value, now_text, ttl_ms}));
      if (taken->type != REDIS_REPLY_INTEGER) return Unexpected("EVAL");
      claimed = taken->integer == 1;
    } else {
      return Unexpected("SET");
    }
    if (claimed && options_.wait_replicas > 0) MP_RETURN_IF_ERROR(WaitForReplicas(lease));
    return claimed;
  }

  Status Reset() override {
    MP_ASSIGN_OR_RETURN(Lease lease, Acquire());
    const std::string match = options_.key_prefix + "*";
    std::string cursor = "0";
    do {
      MP_ASSIGN_OR_RETURN(RedisReplyPtr page,
                          lease.Run("SCAN", {"SCAN", cursor, "MATCH", match, "COUNT", "1000"}));
      if (page->type != REDIS_REPLY_ARRAY || page->elements != 2 ||
          page->element[0]->type != REDIS_REPLY_STRING ||
          page->element[1]->type != REDIS_REPLY_ARRAY) {
        return Unexpected("SCAN");
      }
      cursor.assign(page->element[0]->str, page->element[0]->len);
      const redisReply& keys = *page->element[1];
      if (keys.elements == 0) continue;
      std::vector<std::string_view> del = {"DEL"};
      for (size_t i = 0; i < keys.elements; ++i) {
        del.emplace_back(keys.element[i]->str, keys.element[i]->len);
      }
      MP_RETURN_IF_ERROR(lease.Run("DEL", del).status());
    } while (cursor != "0");
    return OkStatus();
  }

  Status Probe() override {
    MP_ASSIGN_OR_RETURN(Lease lease, Acquire());
    return lease.Run("PING", {"PING"}).status();
  }

  // The first connection and a PING, at open, so that a wrong address, password or db fails at
  // start rather than with the first token request.
  Status ConnectFirst() { return Probe(); }

 private:
  // A connection checked out of the pool. Returned to it when the lease ends, unless a command
  // broke it (an I/O error or timeout leaves the protocol state unknown: the connection goes).
  class Lease {
   public:
    Lease(RedisReplayStore* store, RedisContextPtr c) : store_(store), c_(std::move(c)) {}
    Lease(Lease&& other) noexcept
        : store_(std::exchange(other.store_, nullptr)), c_(std::move(other.c_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (store_ != nullptr) store_->Release(std::move(c_));
    }

    Result<RedisReplyPtr> Run(std::string_view what, const std::vector<std::string_view>& args) {
      return store_->Command(c_, what, args);
    }

   private:
    RedisReplayStore* store_;
    RedisContextPtr c_;
  };

  // One command; Errc::kNetworkError naming the endpoint and `what` for an I/O failure, a
  // timeout or an error reply (READONLY on a replica, OOM, NOAUTH: the claim was not made). An
  // I/O failure or timeout leaves the protocol state unknown: `c` is closed, never reused.
  Result<RedisReplyPtr> Command(RedisContextPtr& c, std::string_view what,
                                const std::vector<std::string_view>& args) const {
    if (c == nullptr) return Unavailable(std::string(what) + ": the connection was lost");
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (std::string_view a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    RedisReplyPtr reply(static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
    if (reply == nullptr) {
      std::string why = ContextError(*c, CommandTimeoutMs());
      c.reset();
      return Unavailable(std::string(what) + ": " + why);
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      return Unavailable(std::string(what) + ": " + std::string(reply->str, reply->len));
    }
    return reply;
  }

  // WAIT blocks on the server for up to wait_timeout_ms before it answers.
  int CommandTimeoutMs() const {
    return options_.command_timeout_ms +
           (options_.wait_replicas > 0 ? options_.wait_timeout_ms : 0);
  }

  Status Unavailable(std::string why) const {
    return Status(Errc::kNetworkError, name_ + ": " + std::move(why));
  }
  Status Unexpected(std::string_view what) const {
    return Unavailable(std::string(what) + ": unexpected reply type");
  }

  Status WaitForReplicas(Lease& lease) {
    const std::string n = std::to_string(options_.wait_replicas);
    MP_ASSIGN_OR_RETURN(RedisReplyPtr acks,
                        lease.Run("WAIT", {"WAIT", n, std::to_string(options_.wait_timeout_ms)}));
    if (acks->type != REDIS_REPLY_INTEGER) return Unexpected("WAIT");
    if (acks->integer < options_.wait_replicas) {
      return Unavailable("WAIT: " + std::to_string(acks->integer) + " of " + n +
                         " replicas acknowledged the claim within " +
                         std::to_string(options_.wait_timeout_ms) + " ms");
    }
    return OkStatus();
  }

  // An idle connection that still works, or a new one when fewer than pool_size are out.
  Result<Lease> Acquire() {
    RedisContextPtr c;
    {
      MutexLock lock(mu_);
      while (idle_.empty() && out_ >= options_.pool_size) cv_.Wait(mu_);
      ++out_;
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (c != nullptr && !Usable(*c)) c.reset();
    if (c == nullptr) {
      Result<RedisContextPtr> fresh = Connect();
      if (!fresh.ok()) {
        Release(nullptr);
        return fresh.status();
      }
      c = std::move(fresh).value();
    }
    return Lease(this, std::move(c));
  }

  void Release(RedisContextPtr c) {
    MutexLock lock(mu_);
    --out_;
    if (c != nullptr) idle_.push_back(std::move(c));
    cv_.NotifyOne();
  }

  // A new connection with AUTH and SELECT done. While a backoff runs, fails at once with the
  // error that started it.
  Result<RedisContextPtr> Connect() {
    {
      MutexLock lock(mu_);
      SteadyClock::time_point now = SteadyClock::now();
      if (now < retry_at_) {
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now);
        return Status(Errc::kNetworkError,
                      last_error_ + " (next connect in " + std::to_string(wait.count()) + " ms)");
      }
    }
    Result<RedisContextPtr> c = ConnectOnce();
    MutexLock lock(mu_);
    if (c.ok()) {
      backoff_ms_ = 0;
      retry_at_ = {};
    } else {
      backoff_ms_ = backoff_ms_ == 0 ? options_.backoff_initial_ms
                                     : std::min(2 * backoff_ms_, options_.backoff_max_ms);
      retry_at_ = SteadyClock::now() + std::chrono::milliseconds(backoff_ms_);
      last_error_ = c.status().message();
    }
    return c;
  }

  Result<RedisContextPtr> ConnectOnce() {
    RedisContextPtr c(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                              Timeval(options_.connect_timeout_ms)));
    if (c == nullptr) return Unavailable("out of memory");
    if (c->err != 0) return Unavailable(ContextError(*c, options_.connect_timeout_ms));
    if (redisSetTimeout(c.get(), Timeval(CommandTimeoutMs())) != REDIS_OK) {
      return Unavailable("setting the command timeout: " + ContextError(*c, CommandTimeoutMs()));
    }
    if (!options_.password.empty()) {
      std::vector<std::string_view> auth = {"AUTH"};
      if (!options_.username.empty()) auth.push_back(options_.username);
      auth.push_back(options_.password);
      MP_RETURN_IF_ERROR(Command(c, "AUTH", auth).status());
    }
    if (options_.db != 0) {
      const std::string db = std::to_string(options_.db);
      MP_RETURN_IF_ERROR(Command(c, "SELECT", {"SELECT", db}).status());
    }
    return c;
  }

  const RedisReplayOptions options_;
  const std::string name_;
  Mutex mu_;
  CondVar cv_;
  std::vector<RedisContextPtr> idle_ MP_GUARDED_BY(mu_);
  size_t out_ MP_GUARDED_BY(mu_) = 0;  // leased or being connected
  int backoff_ms_ MP_GUARDED_BY(mu_) = 0;
  SteadyClock::time_point retry_at_ MP_GUARDED_BY(mu_){};
  std::string last_error_ MP_GUARDED_BY(mu_);
};

}  // namespace

std::string RedisEndpointName(const RedisReplayOptions& options) {
  return "redis " + options.host + ":" + std::to_string(options.port);
}

namespace {

// A decimal 0..999999999 (the caller checks the range that matters).
std::optional<int> SmallNumber(std::string_view text) {
  if (!IsDigits(text) || text.size() > 9) return std::nullopt;
  return std::stoi(std::string(text));
}

Status SetUrlOption(RedisReplayOptions& o, std::string_view name, std::string_view value) {
  if (name == "prefix") {
    o.key_prefix = std::string(value);
    return OkStatus();
  }
  std::optional<int> number = SmallNumber(value);
  int* target = name == "wait"                 ? &o.wait_replicas
                : name == "wait_timeout_ms"    ? &o.wait_timeout_ms
                : name == "connect_timeout_ms" ? &o.connect_timeout_ms
                : name == "command_timeout_ms" ? &o.command_timeout_ms
                                               : nullptr;
  if (target == nullptr) {
    return Status(Errc::kInvalidArgument,
                  "unknown option " + Quote(name, 40) +
                      " (known: wait, wait_timeout_ms, connect_timeout_ms, command_timeout_ms, "
                      "prefix)");
  }
  if (!number) {
    return Status(Errc::kInvalidArgument,
                  "option " + std::string(name) + " needs a number, not " + Quote(value, 40));
  }
  *target = *number;
  return OkStatus();
}

Result<RedisReplayOptions> ParseRedisUrlParts(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.size() >= 9 && EqualsIgnoreAsciiCase(url.substr(0, 9), "rediss://")) {
    return Status(Errc::kInvalidArgument,
                  "rediss:// (TLS) is not supported: hiredis 0.14 has no TLS; reach Redis on "
                  "loopback or through a TLS tunnel and use redis://");
  }
  if (url.size() < kScheme.size() || !EqualsIgnoreAsciiCase(url.substr(0, 8), kScheme)) {
    return Status(Errc::kInvalidArgument, "not a redis:// URL");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find('#') != std::string_view::npos) {
    return Status(Errc::kInvalidArgument, "a fragment (#) has no meaning here");
  }
  const size_t end_of_authority = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end_of_authority);
  std::string_view path_and_query =
      end_of_authority == std::string_view::npos ? "" : rest.substr(end_of_authority);
  RedisReplayOptions o;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return Status(Errc::kInvalidArgument, "the userinfo must be [username]:password");
    }
    o.username = std::string(userinfo.substr(0, colon));
    o.password = std::string(userinfo.substr(colon + 1));
  }
  std::optional<HostPort> host_port = ParseHostPort(authority);
  if (!host_port) return Status(Errc::kInvalidArgument, "host[:port] is not valid");
  o.host = std::string(host_port->host);
  o.port = host_port->port.value_or(6379);
  std::string_view path = path_and_query.substr(0, path_and_query.find('?'));
  if (path.size() > 1) {
    std::optional<int> db = SmallNumber(path.substr(1));
    if (!db) return Status(Errc::kInvalidArgument, "the path must be /<db number>");
    o.db = *db;
  }
  if (size_t q = path_and_query.find('?'); q != std::string_view::npos) {
    std::string_view query = path_and_query.substr(q + 1);
    while (!query.empty()) {
      std::string_view item = query.substr(0, query.find('&'));
      query.remove_prefix(std::min(query.size(), item.size() + 1));
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        return Status(Errc::kInvalidArgument, "option " + Quote(item, 40) + " needs =value");
      }
      MP_RETURN_IF_ERROR(SetUrlOption(o, item.substr(0, eq), item.substr(eq + 1)));
    }
  }
  MP_RETURN_IF_ERROR(CheckOptions(o));
  return o;
}

}  // namespace

Result<RedisReplayOptions> ParseRedisUrl(std::string_view url) {
  Result<RedisReplayOptions> o = ParseRedisUrlParts(url);
  if (!o.ok()) return o.status().WithContext("replay store " + RedactUserinfo(url));
  return o;
}

Result<std::unique_ptr<ReplayStore>> OpenRedisReplayStore(const RedisReplayOptions& options) {
  MP_RETURN_IF_ERROR(CheckOptions(options));
  auto store = std::make_unique<RedisReplayStore>(options);
  MP_RETURN_IF_ERROR(store->ConnectFirst());
  return std::unique_ptr<ReplayStore>(std::move(store));
}

}  // namespace mp::server
