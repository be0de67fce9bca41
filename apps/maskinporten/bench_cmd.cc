// maskinporten bench token: a load generator for a token endpoint (a local Maskinporten).
//
// Grants are signed before the clock starts, as many as this machine could sign (on every core)
// in the run's time, so the server would have to out-sign the client's full multi-core rate to
// drain the pool; the signing rate is measured and reported. Then ONE thread drives N keep-alive
// HTTP/1.1 connections (non-blocking sockets, epoll): each POSTs one grant after another, the next
// as soon as the previous response is in. One thread rather than one per connection, so that
// client wake-ups do not add scheduling noise to the server's latency tail on a small machine.
// Requests completing in the measured window (after --warmup) count: 200s as tokens, others by
// HTTP status and MP code; latency per request, from its send start to its whole response.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "client_flags.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/url.h"
#include "maskinporten/token_client.h"

namespace mp::cli {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

constexpr size_t kMaxGrants = 300000;  // ~300 MB of requests at most
constexpr size_t kMaxResponseBytes = 1 << 20;

struct BenchArgs {
  ClientFlags client;
  std::string url;
  std::string audience;
  int connections = 32;
  double duration = 10;
  double warmup = 1;
  int64_t grants = 0;  // 0: as many as this machine signs in warmup + duration
  int sign_threads = 0;
  double timeout = 30;
  bool json = false;
  bool quiet = false;
};

// ---- The target ----

struct Target {
  std::string host;       // without brackets
  std::string port;       // "80" when absent
  std::string host_port;  // the Host header
  std::string path;       // "/token"
};

Result<Target> ParseTarget(const std::string& url) {
  if (url.rfind("http://", 0) != 0) {
    return Status(Errc::kInvalidArgument,
                  "--url must be an http:// URL (bench speaks plain HTTP/1.1), got " + url);
  }
  std::optional<HttpUrl> parsed = ParseHttpUrl(url);
  if (!parsed || parsed->userinfo) {
    return Status(Errc::kInvalidArgument, "--url: bad host or port in " + url);
  }
  const HostPort& hp = parsed->host_port;
  Target t;
  t.host = std::string(hp.host);
  t.port = hp.port ? std::to_string(*hp.port) : "80";
  t.host_port = hp.ip_literal ? "[" + t.host + "]" : t.host;
  if (hp.port) t.host_port += ":" + t.port;
  t.path = parsed->path.empty() || parsed->path.front() != '/' ? "/" + std::string(parsed->path)
                                                               : std::string(parsed->path);
  return t;
}

// ---- Reading one HTTP/1.1 response ----

struct Response {
  int status = 0;
  std::string body;
  bool close = false;  // the server said Connection: close
};

// A response parsed from the front of the bytes received so far.
struct ParsedResponse {
  bool complete = false;  // false: more bytes are needed
  Response response;
  size_t consumed = 0;  // bytes the response took, when complete
};

// The head's status and the headers bench cares about.
struct ResponseHead {
  int status = 0;
  size_t content_length = 0;
  bool chunked = false;
  bool close = false;
};

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n..." (without the blank line that ends it).
Result<ResponseHead> ParseHead(std::string_view head) {
  if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) {
    return Status(Errc::kNetworkError, "not an HTTP/1.x response");
  }
  ResponseHead h;
  h.status = std::atoi(std::string(head.substr(9, 3)).c_str());
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos < head.size()) {
    size_t end = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(
        pos + 2, end == std::string_view::npos ? std::string_view::npos : end - pos - 2);
    pos = end;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = AsciiLower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "content-length") {
      h.content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
    } else if (name == "transfer-encoding") {
      h.chunked = value.find("chunked") != std::string_view::npos;
    } else if (name == "connection") {
      h.close = value.find("close") != std::string_view::npos;
    }
  }
  if (head.rfind("HTTP/1.0", 0) == 0) h.close = true;
  return h;
}

// Appends the chunked body that starts at buf[pos] to `body`; the end of the body (after the
// trailers) or nullopt while more bytes are needed.
Result<std::optional<size_t>> ParseChunkedBody(std::string_view buf, size_t pos,
                                               std::string& body) {
  for (;;) {
    size_t eol = buf.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::optional<size_t>();
    size_t size = std::strtoull(std::string(buf.substr(pos, eol - pos)).c_str(), nullptr, 16);
    // Compared without a sum: a chunk size from the server may be anything up to 2^64 - 1.
    if (size > kMaxResponseBytes - body.size()) {
      return Status(Errc::kNetworkError, "response body too large");
    }
    pos = eol + 2;
    if (size == 0) {
      // Trailers (none expected) end with an empty line.
      eol = buf.find("\r\n", pos);
      if (eol == std::string_view::npos) return std::optional<size_t>();
      return std::optional<size_t>(eol + 2);
    }
    if (buf.size() < pos + size + 2) return std::optional<size_t>();
    body.append(buf.substr(pos, size));
    pos += size + 2;
  }
}

// Parses the response at the front of `buf` (a status line, headers, then a Content-Length or
// chunked body). kNetworkError when the bytes cannot be a response bench reads.
Result<ParsedResponse> ParseResponse(std::string_view buf) {
  ParsedResponse out;
  size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buf.size() > 64 * 1024) return Status(Errc::kNetworkError, "response head too large");
    return out;
  }
  MP_ASSIGN_OR_RETURN(ResponseHead head, ParseHead(buf.substr(0, head_end)));
  out.response.status = head.status;
  out.response.close = head.close;
  size_t body_begin = head_end + 4;
  if (head.chunked) {
    MP_ASSIGN_OR_RETURN(std::optional<size_t> end,
                        ParseChunkedBody(buf, body_begin, out.response.body));
    if (!end) return ParsedResponse{};
    out.consumed = *end;
  } else {
    if (head.content_length > kMaxResponseBytes) {
      return Status(Errc::kNetworkError, "response body too large");
    }
    if (buf.size() < body_begin + head.content_length) return ParsedResponse{};
    out.response.body = std::string(buf.substr(body_begin, head.content_length));
    out.consumed = body_begin + head.content_length;
  }
  out.complete = true;
  return out;
}

// ---- Connecting ----

// Connects to the first of the target's addresses that accepts, waiting at most `timeout`
// (blocking: on loopback a connect completes at once, which keeps the event loop simple), and
// returns the socket non-blocking, with TCP_NODELAY.
Result<int> ConnectSocket(const Target& t, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(t.host.c_str(), t.port.c_str(), &hints, &res); rc != 0) {
    return Status(Errc::kNetworkError,
                  "cannot resolve " + t.host + ": " + std::string(::gai_strerror(rc)));
  }
  int connected = -1;
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));  // bounds connect()
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      connected = fd;
      break;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (connected < 0) {
    return Status(Errc::kNetworkError, "cannot connect to " + t.host_port + ": " + last_error);
  }
  ::fcntl(connected, F_SETFL, ::fcntl(connected, F_GETFL) | O_NONBLOCK);
  return connected;
}

// ---- The grant pool ----

struct PreparedRequest {
  std::string bytes;  // the whole HTTP request
  int64_t exp = 0;
};

class GrantPool {
 public:
  GrantPool(GrantSpec spec, Credentials creds, const Target& target)
      : spec_(std::move(spec)), creds_(std::move(creds)), target_(target) {}

  Result<PreparedRequest> Sign() const {
    MP_ASSIGN_OR_RETURN(Grant g, BuildGrant(spec_, creds_, SystemClock::Instance()));
    std::string body = TokenRequestBody(g.assertion);
    PreparedRequest p;
    p.exp = g.exp;
    p.bytes.reserve(body.size() + 200);
    p.bytes += "POST " + target_.path + " HTTP/1.1\r\nHost: " + target_.host_port +
               "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               "Accept: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n";
    p.bytes += body;
    return p;
  }

  // Signs on `threads` threads until `count` grants exist or `deadline` passes (count 0: only
  // the deadline). Returns the number signed.
  Result<size_t> Fill(size_t count, int threads, std::optional<SteadyTime> deadline) {
    size_t start = pool_.size();
    size_t limit = count == 0 ? kMaxGrants : std::min(count, kMaxGrants);
    std::vector<std::vector<PreparedRequest>> parts(static_cast<size_t>(threads));
    std::vector<Status> errors(static_cast<size_t>(threads));
    std::atomic<size_t> claimed{start};
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] {
        auto idx = static_cast<size_t>(i);
        while (claimed.fetch_add(1) < limit) {
          if (deadline && std::chrono::steady_clock::now() >= *deadline) return;
          Result<PreparedRequest> p = Sign();
          if (!p.ok()) {
            errors[idx] = p.status();
            claimed.store(limit);
            return;
          }
          parts[idx].push_back(std::move(*p));
        }
      });
    }
    for (std::thread& t : workers) t.join();
    for (const Status& s : errors) MP_RETURN_IF_ERROR(s);
    for (auto& part : parts) {
      for (PreparedRequest& p : part) pool_.push_back(std::move(p));
    }
    // Oldest first, so the earliest expiry is used first.
    std::sort(pool_.begin() + static_cast<std::ptrdiff_t>(start), pool_.end(),
              [](const PreparedRequest& a, const PreparedRequest& b) { return a.exp < b.exp; });
    return pool_.size() - start;
  }

  size_t size() const { return pool_.size(); }

  // A pre-signed request still valid for `margin` seconds, or nullptr when the pool is used up.
  // Lock-free; many threads call it.
  const PreparedRequest* Take(int64_t now_unix, int64_t margin) {
    for (;;) {
      size_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= pool_.size()) return nullptr;
      if (pool_[i].exp - now_unix >= margin) return &pool_[i];
      expired_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  size_t expired() const { return expired_.load(); }
  size_t used() const { return std::min(next_.load(), pool_.size()); }

 private:
  GrantSpec spec_;
  Credentials creds_;
  Target target_;
  std::vector<PreparedRequest> pool_;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> expired_{0};
};

// ---- The load: one event loop driving every connection ----

struct ConnectionStats {
  std::vector<uint32_t> latency_us;        // completed in the measured window
  std::map<std::string, uint64_t> errors;  // "400 MP-012" -> count, in the measured window
  uint64_t ok = 0;
  uint64_t reconnects = 0;
  uint64_t signed_inline = 0;  // the pool ran dry
  std::string fatal;           // lost the connection and could not reconnect
};

// One keep-alive HTTP/1.1 connection and where its current request stands:
// kSending (the request's bytes go out) -> kReceiving (until the whole response is in) ->
// kSending with the next grant, ... -> kStopped (the run ended, or the connection was lost for
// good).
struct Connection {
  enum class State { kStopped, kSending, kReceiving };

  Connection() = default;
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool open() const { return fd >= 0; }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    received.clear();
  }

  int fd = -1;
  State state = State::kStopped;
  std::string_view unsent;         // the rest of the current request
  std::string received;            // the response so far
  SteadyTime start{};              // the current request's send start
  SteadyTime deadline{};           // no progress until then: timed out
  PreparedRequest inline_request;  // signed on the spot when the pool ran dry
  ConnectionStats stats;
};

std::string ErrorKind(const Response& r) {
  MaskinportenError e = ParseMaskinportenError(r.status, r.body);
  std::string kind = std::to_string(r.status);
  if (!e.mp_code.empty()) return kind + " " + e.mp_code;
  if (!e.error.empty()) return kind + " " + e.error;
  return kind;
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint32_t Micros(SteadyTime::duration d) {
  return static_cast<uint32_t>(std::min<int64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(d).count(), UINT32_MAX));
}

struct LoadOptions {
  Target target;
  std::chrono::milliseconds timeout{30000};  // per request, without progress
  SteadyTime start;                          // progress seconds count from here
  SteadyTime measure_begin;
  SteadyTime measure_end;
  bool progress = true;  // a line on stderr each second
};

// Drives all connections from one thread with epoll (edge-triggered, non-blocking sockets):
// each connection sends a pre-signed grant, reads the whole response, then sends the next.
class LoadLoop {
 public:
  LoadLoop(LoadOptions opt, GrantPool& pool, std::vector<std::unique_ptr<Connection>>& conns)
      : opt_(std::move(opt)), pool_(pool), conns_(conns) {}
  ~LoadLoop() {
    if (epoll_ >= 0) ::close(epoll_);
  }
  LoadLoop(const LoadLoop&) = delete;
  LoadLoop& operator=(const LoadLoop&) = delete;

  // Runs until the measured window ends. An error only when epoll itself fails.
  Status Run() {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return Status(Errc::kIoError, std::string("epoll: ") + std::strerror(errno));
    for (auto& c : conns_) {
      Watch(*c);
      StartNextRequest(*c);
      Drive(*c);
    }
    std::vector<epoll_event> events(std::min<size_t>(conns_.size(), 256));
    SteadyTime now;
    while ((now = std::chrono::steady_clock::now()) < opt_.measure_end) {
      PrintProgressDue(now);
      ExpireStalled(now);
      int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                           MillisUntil(NextWakeup(), now));
      if (n < 0 && errno != EINTR) {
        return Status(Errc::kIoError, std::string("epoll_wait: ") + std::strerror(errno));
      }
      for (int i = 0; i < n; ++i) Drive(*static_cast<Connection*>(events[i].data.ptr));
    }
    PrintProgressDue(now);
    return OkStatus();
  }

 private:
  enum class Io { kWouldBlock, kProgress, kFailed };

  void Watch(Connection& c) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &c;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  // Advances `c` until its socket would block or it stops.
  void Drive(Connection& c) {
    while (c.state != Connection::State::kStopped) {
      Io io = c.state == Connection::State::kSending ? Send(c) : Receive(c);
      if (io == Io::kWouldBlock) return;
      if (io == Io::kFailed) {
        OnConnectionLost(c);
        return;  // a new socket reports itself writable through epoll
      }
    }
  }

  Io Send(Connection& c) {
    while (!c.unsent.empty()) {
      ssize_t n = ::send(c.fd, c.unsent.data(), c.unsent.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Io::kWouldBlock;
      if (n <= 0) return Io::kFailed;
      c.unsent.remove_prefix(static_cast<size_t>(n));
      c.deadline = std::chrono::steady_clock::now() + opt_.timeout;
    }
    c.state = Connection::State::kReceiving;
    return Io::kProgress;
  }

  // Reads until the whole response is in (then handles it) or the socket would block.
  Io Receive(Connection& c) {
    char chunk[16 * 1024];
    for (;;) {
      ssize_t n = ::recv(c.fd, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Io::kWouldBlock;
      if (n <= 0) return Io::kFailed;  // an error, or the server closed mid-response
      c.received.append(chunk, static_cast<size_t>(n));
      c.deadline = std::chrono::steady_clock::now() + opt_.timeout;
      Result<ParsedResponse> parsed = ParseResponse(c.received);
      if (!parsed.ok()) return Io::kFailed;
      if (parsed->complete) {
        c.received.erase(0, parsed->consumed);
        OnResponse(c, parsed->response, std::chrono::steady_clock::now());
        return Io::kProgress;
      }
    }
  }

  void OnResponse(Connection& c, const Response& r, SteadyTime end) {
    bool ok = r.status == 200 && r.body.find("\"access_token\"") != std::string::npos;
    if (ok) {
      ++ok_total_;
      if (InWindow(end)) {
        ++c.stats.ok;
        c.stats.latency_us.push_back(Micros(end - c.start));
      }
    } else {
      CountError(c, end, r.status == 200 ? "200 without access_token" : ErrorKind(r));
      if (InWindow(end)) c.stats.latency_us.push_back(Micros(end - c.start));
    }
    if (r.close) c.Close();
    StartNextRequest(c);
  }

  void OnConnectionLost(Connection& c) {
    CountError(c, std::chrono::steady_clock::now(), "connection lost");
    c.Close();
    StartNextRequest(c);
  }

  // Reconnects if needed and starts sending the next grant; stops `c` when the run is over or
  // it cannot go on.
  void StartNextRequest(Connection& c) {
    c.state = Connection::State::kStopped;
    if (std::chrono::steady_clock::now() >= opt_.measure_end) return;
    if (!c.open()) {
      Result<int> fd = ConnectSocket(opt_.target, opt_.timeout);
      if (!fd.ok()) {
        c.stats.fatal = fd.status().message();
        CountError(c, std::chrono::steady_clock::now(), "connect failed");
        return;
      }
      c.fd = *fd;
      Watch(c);
      ++c.stats.reconnects;
    }
    const PreparedRequest* req = pool_.Take(UnixNow(), 5);
    if (req == nullptr) {
      Result<PreparedRequest> p = pool_.Sign();
      if (!p.ok()) {
        c.stats.fatal = p.status().message();
        return;
      }
      c.inline_request = std::move(*p);
      req = &c.inline_request;
      ++c.stats.signed_inline;
    }
    c.unsent = req->bytes;
    c.start = std::chrono::steady_clock::now();
    c.deadline = c.start + opt_.timeout;
    c.state = Connection::State::kSending;
  }

  // A request without progress for --timeout loses its connection, as a receive timeout would.
  void ExpireStalled(SteadyTime now) {
    for (auto& c : conns_) {
      if (c->state != Connection::State::kStopped && now >= c->deadline) {
        OnConnectionLost(*c);
      }
    }
  }

  SteadyTime NextWakeup() const {
    SteadyTime t = std::min(opt_.measure_end, next_tick_);
    for (const auto& c : conns_) {
      if (c->state != Connection::State::kStopped) t = std::min(t, c->deadline);
    }
    return t;
  }

  static int MillisUntil(SteadyTime t, SteadyTime now) {
    if (t <= now) return 0;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - now).count();
    return static_cast<int>(std::min<int64_t>((us + 999) / 1000, 60000));  // rounded up
  }

  // A line per whole second since the start that has passed, up to the end of the window.
  void PrintProgressDue(SteadyTime now) {
    while (next_tick_ <= now && next_tick_ <= opt_.measure_end) {
      if (opt_.progress) {
        std::cerr << "bench: " << tick_ << " s"
                  << (next_tick_ <= opt_.measure_begin ? " (warmup)" : "") << ": "
                  << (ok_total_ - ok_at_last_tick_) << " tokens/s, " << err_total_
                  << " errors so far\n";
      }
      ok_at_last_tick_ = ok_total_;
      ++tick_;
      next_tick_ = opt_.start + std::chrono::seconds(tick_);
    }
  }

  bool InWindow(SteadyTime t) const { return t >= opt_.measure_begin && t < opt_.measure_end; }

  void CountError(Connection& c, SteadyTime t, const std::string& kind) {
    ++err_total_;
    if (InWindow(t)) ++c.stats.errors[kind];
  }

  LoadOptions opt_;
  GrantPool& pool_;
  std::vector<std::unique_ptr<Connection>>& conns_;
  int epoll_ = -1;
  uint64_t ok_total_ = 0;  // for progress, warmup included
  uint64_t err_total_ = 0;
  uint64_t ok_at_last_tick_ = 0;
  int tick_ = 1;
  SteadyTime next_tick_ = opt_.start + std::chrono::seconds(1);
};

// ---- Report ----

double Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1] / 1000.0;  // ms
}

double Round(double v, int digits) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

struct SignInfo {
  size_t presigned = 0;
  double seconds = 0;
  int threads = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(presigned) / seconds : 0; }
};

// Merges the connections' counts into the --json object.
nlohmann::ordered_json BuildReport(const BenchArgs& a, const std::vector<ConnectionStats>& stats,
                                   const SignInfo& sign, const GrantPool& pool) {
  std::vector<uint32_t> lat;
  std::map<std::string, uint64_t> errors;
  uint64_t ok = 0, err = 0, reconnects = 0, inline_signed = 0;
  std::string fatal;
  for (const ConnectionStats& s : stats) {
    lat.insert(lat.end(), s.latency_us.begin(), s.latency_us.end());
    for (const auto& [k, v] : s.errors) {
      errors[k] += v;
      err += v;
    }
    ok += s.ok;
    reconnects += s.reconnects;
    inline_signed += s.signed_inline;
    if (fatal.empty()) fatal = s.fatal;
  }
  std::sort(lat.begin(), lat.end());
  nlohmann::ordered_json j;
  j["url"] = a.url;
  j["connections"] = a.connections;
  j["duration_s"] = a.duration;
  j["warmup_s"] = a.warmup;
  j["requests"] = ok + err;
  j["ok"] = ok;
  j["errors"] = err;
  j["tokens_per_s"] = Round(static_cast<double>(ok) / a.duration, 1);
  j["requests_per_s"] = Round(static_cast<double>(ok + err) / a.duration, 1);
  j["latency_ms"] = {{"p50", Round(Percentile(lat, 0.50), 3)},
                     {"p90", Round(Percentile(lat, 0.90), 3)},
                     {"p99", Round(Percentile(lat, 0.99), 3)},
                     {"max", Round(lat.empty() ? 0 : lat.back() / 1000.0, 3)}};
  j["errors_by_kind"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : errors) j["errors_by_kind"][k] = v;
  j["reconnects"] = reconnects;
  j["grants"] = {{"presigned", sign.presigned},
                 {"sign_seconds", Round(sign.seconds, 3)},
                 {"sign_threads", sign.threads},
                 {"sign_per_s", Round(sign.rate(), 1)},
                 {"used", pool.used()},
                 {"expired_skipped", pool.expired()},
                 {"signed_during_run", inline_signed}};
  if (!fatal.empty()) j["fatal"] = fatal;
  return j;
}

void PrintReport(const nlohmann::ordered_json& j, const std::string& credentials) {
  const auto& g = j["grants"];
  const auto& lat = j["latency_ms"];
  std::cout << "bench token " << j["url"].get<std::string>() << ": " << j["connections"]
            << " connections, " << j["duration_s"] << " s measured after " << j["warmup_s"]
            << " s warmup\n"
            << "  grants:   " << g["presigned"] << " pre-signed in " << g["sign_seconds"]
            << " s = " << g["sign_per_s"] << "/s on " << g["sign_threads"] << " threads ("
            << credentials << ")";
  if (g["signed_during_run"] > 0) {
    std::cout << "; the pool ran dry: " << g["signed_during_run"]
              << " signed during the run (the tool may have been the bottleneck)";
  }
  std::cout << "\n  tokens/s: " << j["tokens_per_s"] << " (" << j["ok"] << " tokens, "
            << j["errors"] << " errors, " << j["reconnects"] << " reconnects)\n"
            << "  latency:  p50 " << lat["p50"] << " ms, p90 " << lat["p90"] << " ms, p99 "
            << lat["p99"] << " ms, max " << lat["max"] << " ms\n";
  for (const auto& [kind, n] : j["errors_by_kind"].items()) {
    std::cout << "  error " << kind << ": " << n << "\n";
  }
}

int RunBench(BenchArgs a) {
  if (a.connections < 1 || a.connections > 4096) {
    return UsageError("--connections must be 1..4096, got " + std::to_string(a.connections));
  }
  if (!(a.duration > 0 && a.duration <= 3600)) return UsageError("--duration must be 0..3600 s");
  if (!(a.warmup >= 0 && a.warmup <= 600)) return UsageError("--warmup must be 0..600 s");
  if (a.grants < 0) return UsageError("--grants must be >= 0");
  if (a.sign_threads < 0 || a.sign_threads > 1024) return UsageError("--sign-threads: 0..1024");
  if (!(a.timeout > 0 && a.timeout <= 600)) return UsageError("--timeout must be 0..600 s");
  if (a.url.empty() && a.client.config.issuer.empty()) {
    return UsageError("give --url TOKEN_URL (or --issuer: the URL is then <issuer>token)");
  }
  // The grant's aud defaults to the URL without its last segment: "http://h:p/token" ->
  // "http://h:p/".
  if (a.client.config.issuer.empty() && a.client.config.env.empty()) {
    a.client.config.issuer = a.url.substr(0, a.url.rfind('/') + 1);
  }
  Result<ResolvedClient> rc = ResolveClient(a.client);
  if (!rc.ok()) return FailFlags(rc.status());
  if (a.url.empty()) a.url = rc->spec.issuer + "token";
  Result<Target> target = ParseTarget(a.url);
  if (!target.ok()) return FailFlags(target.status());
  GrantSpec spec = rc->spec;
  if (!a.audience.empty()) spec.issuer = a.audience;

  GrantPool pool(spec, rc->credentials, *target);
  // One grant first: a bad spec fails here with its own message.
  if (Result<PreparedRequest> probe = pool.Sign(); !probe.ok()) return FailFlags(probe.status());

  // One connection before any signing, so a wrong URL fails fast (exit 3); the others are
  // opened after signing, so the server's idle timeout does not close them while we sign.
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1000));
  if (Result<int> probe = ConnectSocket(*target, timeout); probe.ok()) {
    ::close(*probe);
  } else {
    return Fail(probe.status());
  }

  SignInfo sign;
  sign.threads = a.sign_threads > 0
                     ? a.sign_threads
                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Stopwatch sign_clock;
  double run_seconds = a.warmup + a.duration;
  size_t wanted = static_cast<size_t>(a.grants);
  if (wanted == 0) {
    // Calibrate for a moment, then sign what this machine signs in the run's time.
    auto calibrate = std::chrono::milliseconds(300);
    Result<size_t> n = pool.Fill(0, sign.threads, std::chrono::steady_clock::now() + calibrate);
    if (!n.ok()) return Fail(n.status());
    double rate = static_cast<double>(*n) / (sign_clock.Millis() / 1000.0);
    double cap = static_cast<double>(a.connections) * a.duration * 2000;
    wanted = static_cast<size_t>(std::min({rate * run_seconds, cap, double(kMaxGrants)}));
    wanted = std::max(wanted, pool.size());
  }
  if (!a.quiet) {
    std::cerr << "bench: signing " << wanted << " grants on " << sign.threads << " threads ...\n";
  }
  if (Result<size_t> n = pool.Fill(wanted, sign.threads, std::nullopt); !n.ok()) {
    return Fail(n.status());
  }
  sign.presigned = pool.size();
  sign.seconds = sign_clock.Millis() / 1000.0;
  if (run_seconds + 10 > static_cast<double>(spec.lifetime.count()) && !a.quiet) {
    std::cerr << "bench: note: grants live " << spec.lifetime.count()
              << " s; grants that near expiry are skipped and signed anew during the run\n";
  }

  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < a.connections; ++i) {
    Result<int> fd = ConnectSocket(*target, timeout);
    if (!fd.ok()) return Fail(fd.status());
    conns.push_back(std::make_unique<Connection>());
    conns.back()->fd = *fd;
  }

  LoadOptions opt;
  opt.target = *target;
  opt.timeout = timeout;
  opt.progress = !a.quiet;
  auto to_dur = [](double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(s));
  };
  opt.start = std::chrono::steady_clock::now();
  opt.measure_begin = opt.start + to_dur(a.warmup);
  opt.measure_end = opt.measure_begin + to_dur(a.duration);
  LoadLoop loop(opt, pool, conns);
  if (Status s = loop.Run(); !s.ok()) return Fail(s);

  std::vector<ConnectionStats> stats;
  for (auto& c : conns) stats.push_back(std::move(c->stats));
  nlohmann::ordered_json report = BuildReport(a, stats, sign, pool);
  if (a.json) {
    std::cout << report.dump() << "\n";
  } else {
    PrintReport(report, std::string(rc->credentials.uses_certificate() ? "x5c" : "kid") + ", " +
                            std::string(AlgorithmName(rc->credentials.alg())));
  }
  std::string fatal = report.value("fatal", "");
  uint64_t ok = report["ok"], err = report["errors"];
  if (!fatal.empty()) {
    return Fail(Status(Errc::kNetworkError, "a connection was lost for good: " + fatal));
  }
  if (ok + err == 0) {
    return Fail(Status(Errc::kNetworkError, "no request completed in the measured window"));
  }
  return kExitOk;
}

}  // namespace

void AddBench(CLI::App& app, int* exit_code) {
  CLI::App* bench = app.add_subcommand("bench", "Load tools (token endpoint throughput)");
  bench->require_subcommand(1);
  SetExamples(bench,
              "  maskinporten bench token --url http://127.0.0.1:8080/token --client-id demo \\\n"
              "      --key k.pem --kid k1 --scope demo:api --connections 32 --duration 10\n");
  auto a = std::make_shared<BenchArgs>();
  a->client.lifetime = 120;  // pre-signed grants must outlive the run
  CLI::App* cmd = bench->add_subcommand(
      "token", "POST pre-signed grants over keep-alive connections; report tokens/s and latency");
  cmd->add_option("--url", a->url, "token endpoint (http://); default <issuer>token");
  AddClientFlags(cmd, &a->client);
  cmd->add_option("--audience", a->audience,
                  "grant aud instead of the issuer (to load-test refusals)");
  cmd->add_option("--connections,-c", a->connections,
                  "keep-alive connections (all driven by one thread)")
      ->capture_default_str();
  cmd->add_option("--duration,-d", a->duration, "measured seconds")->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "seconds before measuring")->capture_default_str();
  cmd->add_option("--grants", a->grants,
                  "grants to pre-sign (default: what this machine signs in warmup + duration, "
                  "capped at connections*duration*2000)");
  cmd->add_option("--sign-threads", a->sign_threads, "threads for pre-signing (default: cores)");
  cmd->add_option("--timeout", a->timeout, "per-request timeout in seconds")->capture_default_str();
  cmd->add_flag("--json", a->json, "print the result as one JSON object");
  cmd->add_flag("-q,--quiet", a->quiet, "no progress lines on stderr");
  SetExamples(cmd,
              "  maskinporten bench token --url http://127.0.0.1:8080/token --client-id demo \\\n"
              "      --key k.pem --kid k1 --scope demo:api -c 32 -d 10\n"
              "  maskinporten bench token --issuer http://127.0.0.1:8080/ --client-id demo \\\n"
              "      --key k.pem --kid k1 --scope demo:api -c 4 -d 5 --warmup 0 --json\n"
              "Exit: 0 when it ran (refusals are reported, not failures), 2 bad flags,\n"
              "3 when the server cannot be reached or a connection is lost for good.\n");
  cmd->callback([a, exit_code] { *exit_code = RunBench(*a); });
}

}  // namespace mp::cli
