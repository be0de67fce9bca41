#include "http/http_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "core/mutex.h"
#include "core/random.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "http/beast_request.h"
#include "http/unix_socket.h"

namespace mp::http {
namespace {

namespace beast = boost::beast;
namespace beast_http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using unix_stream = net::local::stream_protocol;
// A plain connection over a Unix domain socket (HttpServerOptions::unix_socket).
using UnixStream = beast::basic_stream<unix_stream>;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kServerName = "maskinporten-cpp";

// After the last response on a connection the server stops sending and reads (and discards) what
// the client still sends for a moment, so closing with unread bytes does not reset the connection
// before the client has read the answer (a 413 sent while the body is still arriving).
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr size_t kLingerMaxBytes = 1 << 20;
constexpr size_t kReadChunk = 4096;
constexpr std::chrono::milliseconds kMinWriteTimeout{5000};
// After Stop's grace runs out and connections are force-closed, how long to wait for their
// handlers to unwind before the io_context is stopped outright.
constexpr std::chrono::milliseconds kForceCloseWait{1000};
constexpr std::chrono::milliseconds kDestructorGrace{2000};
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
constexpr std::chrono::milliseconds kSignalGrace{10000};  // as HttpServer::Stop's default
constexpr std::string_view kServiceUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Server: maskinporten-cpp\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "Connection: close\r\n"
    "Content-Length: 78\r\n"
    "\r\n"
    R"({"error":"temporarily_unavailable","error_description":"too many connections"})";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string EndpointString(const tcp::endpoint& endpoint) {
  const net::ip::address address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

HttpResponse ErrorResponse(int status, std::string_view error, std::string_view description) {
  nlohmann::ordered_json body;
  body["error"] = error;
  body["error_description"] = description;
  HttpResponse response = HttpResponse::Json(status, body.dump());
  response.labels.route = "http.error";
  return response;
}

bool IsHttpParseError(const beast::error_code& ec) {
  return &ec.category() == &beast_http::make_error_code(beast_http::error::bad_method).category();
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it waits for a request; a request in flight is answered first.
  virtual void OnStop() = 0;
  virtual void ForceClose() = 0;

  // Set once its place under max_connections is given back: when it closes, or earlier when it is
  // closed to make room (ServerState::TakeSilentToShed).
  std::atomic<bool> slot_released{false};
};

// A connection below the cap is served; one past it is refused (a 503, then a linger).
enum class Admission { kServe, kRefuse };

// Past the cap, how many refusals may linger at once (each holds a descriptor for up to
// kLingerTimeout); beyond, a connection gets a best-effort 503 and is closed at once.
size_t MaxRefusing(size_t max_connections) { return max_connections / 8 + 1; }

// "Near the cap": 80% of it.
size_t PressureThreshold(size_t max_connections) { return max_connections - max_connections / 5; }

// What the server and its sessions share; sessions may outlive the server object by a moment.
struct ServerState {
  HttpServerOptions options;
  Handler handler;
  const mp::Clock& Clock() const {
    return options.clock != nullptr ? *options.clock : SystemClock::Instance();
  }
  std::unique_ptr<ssl::context> tls;  // null: plain HTTP
  std::atomic<bool> stopping{false};
  std::atomic<size_t> alive{0};        // every Session object: Stop waits for these
  std::atomic<size_t> connections{0};  // served connections holding a slot (<= max_connections)
  std::atomic<size_t> refusing{0};     // refusals writing their 503 or lingering

  struct Silent {
    std::weak_ptr<SessionBase> session;
    SteadyClock::time_point since;
  };

  Mutex mu;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions MP_GUARDED_BY(mu);
  // Served connections that have not sent a byte of a request yet, oldest first (ids grow with
  // time, and `since` is taken under the same lock).
  std::map<uint64_t, Silent> silent MP_GUARDED_BY(mu);
  uint64_t next_session_id MP_GUARDED_BY(mu) = 0;

  uint64_t Register(std::weak_ptr<SessionBase> session, Admission admission) {
    MutexLock lock(mu);
    const uint64_t id = next_session_id++;
    if (admission == Admission::kServe) silent.emplace(id, Silent{session, SteadyClock::now()});
    sessions.emplace(id, std::move(session));
    return id;
  }
  void Unregister(uint64_t id) {
    MutexLock lock(mu);
    sessions.erase(id);
    silent.erase(id);
  }
  // The first byte of a request arrived. false: the connection was closed to make room first.
  bool LeaveSilent(uint64_t id) {
    MutexLock lock(mu);
    return silent.erase(id) == 1;
  }
  // Gives a served connection's slot back, once.
  void ReleaseSlot(SessionBase& session) {
    if (!session.slot_released.exchange(true)) connections.fetch_sub(1);
  }

  // The rule near the cap (HttpServerOptions::pressure_silent_timeout, docs/emulator.md): with
  // 80% of max_connections open, every connection silent for longer than the timeout is shed;
  // at the cap, also the oldest silent one, so a new connection has a slot. A connection that has
  // sent a byte is never shed. The sessions returned have given their slot back already (a slot
  // is free the moment a new connection needs it); the caller closes them.
  std::vector<std::shared_ptr<SessionBase>> TakeSilentToShed(SteadyClock::time_point now) {
    std::vector<std::shared_ptr<SessionBase>> shed;
    const size_t cap = options.max_connections;
    if (connections.load() < PressureThreshold(cap)) return shed;
    MutexLock lock(mu);
    for (auto it = silent.begin(); it != silent.end();) {
      const bool stale = now - it->second.since > options.pressure_silent_timeout;
      if (!stale && connections.load() < cap) break;
      std::shared_ptr<SessionBase> session = it->second.session.lock();
      it = silent.erase(it);
      if (!session) continue;  // being destroyed: its destructor gives the slot back
      ReleaseSlot(*session);
      shed.push_back(std::move(session));
    }
    return shed;
  }
  std::vector<std::shared_ptr<SessionBase>> LiveSessions() {
    std::vector<std::shared_ptr<SessionBase>> live;
    MutexLock lock(mu);
    for (auto& [id, weak] : sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
  }
};

// One connection: reads requests with a request_parser, calls the handler on the connection's
// strand, writes responses, and keeps the connection alive per HTTP/1.1 (the Beast async server
// example's shape). Read timeouts use our own timer rather than tcp_stream's, because
// tcp_stream closes the socket when its timer fires and a 408 could not be sent any more.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls =
      !std::is_same_v<Stream, beast::tcp_stream> && !std::is_same_v<Stream, UnixStream>;

  Session(std::shared_ptr<ServerState> state, Stream stream, std::string remote,
          Admission admission)
      : state_(std::move(state)),
        stream_(std::move(stream)),
        remote_(std::move(remote)),
        admission_(admission),
        silent_(admission == Admission::kServe),
        read_timer_(stream_.get_executor()),
        delay_timer_(stream_.get_executor()) {
    state_->alive.fetch_add(1);
    (admission_ == Admission::kServe ? state_->connections : state_->refusing).fetch_add(1);
  }
  ~Session() override {
    if (registered_) state_->Unregister(id_);
    if (admission_ == Admission::kServe) {
      state_->ReleaseSlot(*this);
    } else {
      state_->refusing.fetch_sub(1);
    }
    state_->alive.fetch_sub(1);
  }

  void Run() {
    id_ = state_->Register(this->weak_from_this(), admission_);
    registered_ = true;
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->Begin(); });
  }

  void OnStop() override {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kHandshake) self->CloseNow();
    });
  }

  void ForceClose() override {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->CloseNow(); });
  }

 private:
  enum class Phase { kHandshake, kIdle, kBusy, kClosing };

  const HttpServerOptions& options() const { return state_->options; }
  auto& Lowest() { return beast::get_lowest_layer(stream_); }

  void Begin() {
    if (state_->stopping) return CloseNow();
    if (admission_ == Admission::kRefuse) return Refuse();
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      Lowest().expires_after(options().read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                self->Lowest().expires_never();
                                if (ec) return self->CloseNow();
                                self->ReadIdle();
                              });
    } else {
      ReadIdle();
    }
  }

  // Read timer: on expiry, cancels the pending read (the socket stays open for a 408).
  void ArmReadTimer(std::chrono::milliseconds timeout) {
    timed_out_ = false;
    read_timer_.expires_after(timeout);
    read_timer_.async_wait(
        [self = this->shared_from_this(), generation = ++timer_generation_](beast::error_code ec) {
          if (ec || generation != self->timer_generation_) return;
          self->timed_out_ = true;
          beast::error_code ignored;
          self->Lowest().socket().cancel(ignored);
        });
  }
  void CancelReadTimer() {
    ++timer_generation_;
    read_timer_.cancel();
  }

  // Waits for the first byte of the next request: idle_timeout on a kept-alive connection,
  // read_timeout on a new one; either way a connection that sends nothing is closed silently.
  void ReadIdle() {
    if (state_->stopping) return CloseNow();
    if (buffer_.size() > 0) {  // a pipelined request is already here
      start_ = SteadyClock::now();
      return ReadRequest();
    }
    phase_ = Phase::kIdle;
    ArmReadTimer(served_ == 0 ? options().read_timeout : options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->OnFirstBytes(ec, n);
                            });
  }

  void OnFirstBytes(beast::error_code ec, size_t n) {
    CancelReadTimer();
    if (ec || phase_ == Phase::kClosing) return CloseNow();
    if (silent_) {
      silent_ = false;
      // Shed to make room just before its request arrived: the client sees the connection close
      // without an answer, as with any connection closed while idle.
      if (!state_->LeaveSilent(id_)) return CloseNow();
    }
    buffer_.commit(n);
    start_ = SteadyClock::now();
    ReadRequest();
  }

  void ReadRequest() {
    phase_ = Phase::kBusy;
    parser_.emplace();
    parser_->header_limit(
        static_cast<uint32_t>(std::min<size_t>(options().max_header_bytes, UINT32_MAX)));
    parser_->body_limit(options().max_body_bytes);
    ArmReadTimer(options().read_timeout);
    beast_http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) {
      CancelReadTimer();
      return Handle();
    }
    const auto& req = parser_->get();
    if (req.version() >= 11 && beast::iequals(req[beast_http::field::expect], "100-continue")) {
      // RFC 9110 §10.1.1: curl waits for this before sending a body over 1 KiB.
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = this->shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->OnReadError(ec);
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    beast_http::async_read(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code ec, size_t) {
                             self->CancelReadTimer();
                             if (ec) return self->OnReadError(ec);
                             self->Handle();
                           });
  }

  void OnReadError(beast::error_code ec) {
    CancelReadTimer();
    if (phase_ == Phase::kClosing) return CloseNow();
    if (ec == beast_http::error::header_limit) {
      return Respond(ErrorResponse(431, "invalid_request", "request header too large"), false);
    }
    if (ec == beast_http::error::body_limit) {
      return Respond(ErrorResponse(413, "invalid_request", "request body too large"), false);
    }
    if (timed_out_) {
      return Respond(ErrorResponse(408, "invalid_request", "request not received in time"), false);
    }
    if (IsHttpParseError(ec) && ec != beast_http::error::end_of_stream &&
        ec != beast_http::error::partial_message) {
      return Respond(ErrorResponse(400, "invalid_request", "malformed HTTP request"), false);
    }
    CloseNow();  // the peer went away (or Stop force-closed us)
  }

  HttpRequest MakeRequest() { return ToHttpRequest(parser_->get(), remote_); }

  void Handle() {
    HttpRequest request = MakeRequest();
    trace_id_ = request.trace_id;
    const bool keep_alive = parser_->get().keep_alive();
    HttpResponse response;
    try {
      response = state_->handler(request);
    } catch (...) {  // a handler bug must not take the server down
      response = ErrorResponse(500, "server_error", "internal error");
    }
    if (response.drop_connection) return CloseNow();
    if (response.delay.count() > 0) {
      pending_ = std::move(response);
      delay_timer_.expires_after(pending_.delay);
      delay_timer_.async_wait([self = this->shared_from_this(), keep_alive](beast::error_code ec) {
        if (ec || self->phase_ == Phase::kClosing) return self->CloseNow();
        self->Respond(std::move(self->pending_), keep_alive);
      });
      return;
    }
    Respond(std::move(response), keep_alive);
  }

  void Respond(HttpResponse response, bool keep_alive) {
    keep_alive = keep_alive && !state_->stopping;
    if (response.status < 200 || response.status > 599) {
      response = ErrorResponse(500, "server_error", "handler returned an invalid HTTP status");
    }
    // Requests refused early (400, 408, 413, 431) may not have a start line yet.
    const bool header_parsed = parser_ && !parser_->get().target().empty();
    res_ = {};
    res_.version(header_parsed ? parser_->get().version() : 11);
    res_.result(static_cast<unsigned>(response.status));
    res_.set(beast_http::field::server, kServerName);
    res_.set(beast_http::field::date, FormatHttpDate(state_->Clock().Now()));
    res_.set(beast_http::field::content_type, response.content_type);
    if (response.content_type.rfind("application/json", 0) == 0) {
      res_.set(beast_http::field::cache_control, "no-store");
    }
    std::vector<std::string> replaced;
    for (const auto& [name, value] : response.headers) {
      // A CR or LF would split the header (response splitting); such a header is not sent.
      if (name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        continue;
      }
      std::string lower = AsciiLower(name);
      if (std::find(replaced.begin(), replaced.end(), lower) == replaced.end()) {
        res_.erase(name);  // the handler's value replaces a default of the same name
        replaced.push_back(std::move(lower));
      }
      res_.insert(name, value);
    }
    res_.keep_alive(keep_alive);
    res_.body() = std::move(response.body);
    res_.prepare_payload();

    // Requests refused before the handler (400, 408, 413, 431) are logged too, with what is known.
    log_ = RequestLogEntry{};
    log_.trace_id = trace_id_.empty() ? RandomHex(16) : trace_id_;
    if (header_parsed) {
      const std::string_view target = parser_->get().target();
      log_.method = std::string(parser_->get().method_string());
      log_.path = std::string(target.substr(0, target.find('?')));
    }
    log_.status = response.status;
    log_.labels = std::move(response.labels);
    log_.remote = remote_;
    phase_ = Phase::kBusy;
    Lowest().expires_after(std::max(options().read_timeout, kMinWriteTimeout));
    beast_http::async_write(
        stream_, res_, [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
          self->OnWrite(ec, keep_alive);
        });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    Lowest().expires_never();
    ++served_;
    log_.latency =
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start_);
    if (!ec && options().on_request) {
      try {
        options().on_request(log_);
      } catch (...) {  // logging must not break the connection
      }
    }
    const bool request_unread = !parser_ || !parser_->is_done();
    trace_id_.clear();
    parser_.reset();
    if (ec) return CloseNow();
    if (!keep_alive || state_->stopping) {
      // After a whole request there is nothing left to read: close at once (the kernel still
      // delivers the response before its FIN). After a refused one, linger.
      return request_unread ? GracefulClose() : CloseNow();
    }
    ReadIdle();
  }

  // Past the cap (plain HTTP only): the whole 503 first, then GracefulClose's linger, so a client
  // still sending its request reads the answer instead of a reset or a broken pipe.
  void Refuse() {
    phase_ = Phase::kClosing;
    if constexpr (kTls) return CloseNow();  // no handshake to answer in (Serve does not get here)
    Lowest().expires_after(kLingerTimeout);
    net::async_write(stream_, net::buffer(kServiceUnavailable.data(), kServiceUnavailable.size()),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->Lowest().expires_never();
                       if (ec) return self->CloseNow();
                       self->GracefulClose();
                     });
  }

  // Ends the connection after refusing a request that may still be arriving (see kLingerTimeout).
  void GracefulClose() {
    phase_ = Phase::kClosing;
    if constexpr (kTls) {
      Lowest().expires_after(kLingerTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->CloseNow(); });
    } else {
      beast::error_code ignored;
      Lowest().socket().shutdown(net::socket_base::shutdown_send, ignored);
      lingered_ = 0;
      ArmReadTimer(kLingerTimeout);
      Drain();
    }
  }

  void Drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerMaxBytes) {
                                self->CancelReadTimer();
                                return self->CloseNow();
                              }
                              self->Drain();
                            });
  }

  void CloseNow() {
    phase_ = Phase::kClosing;
    CancelReadTimer();
    delay_timer_.cancel();
    beast::error_code ignored;
    Lowest().socket().shutdown(net::socket_base::shutdown_both, ignored);
    Lowest().close();
  }

  std::shared_ptr<ServerState> state_;
  Stream stream_;
  std::string remote_;
  Admission admission_;
  bool silent_;  // served, and no byte of a request received yet
  uint64_t id_ = 0;
  bool registered_ = false;
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  beast_http::response<beast_http::string_body> res_;
  HttpResponse pending_;  // the response waiting for its `delay`
  RequestLogEntry log_;
  net::steady_timer read_timer_;
  net::steady_timer delay_timer_;
  uint64_t timer_generation_ = 0;
  bool timed_out_ = false;
  Phase phase_ = Phase::kHandshake;
  uint64_t served_ = 0;
  size_t lingered_ = 0;
  SteadyClock::time_point start_ = SteadyClock::now();
  std::string trace_id_;  // of the request being answered
};

Result<tcp::endpoint> ParseListen(std::string_view listen) {
  const auto bad = [&](std::string_view why) {
    return Status(Errc::kInvalidArgument,
                  "listen address '" + std::string(listen) + "': " + std::string(why));
  };
  std::string_view host;
  std::string_view port;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return bad("expected [ipv6]:port");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) return bad("expected host:port");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("an IPv6 host needs brackets");
  }
  if (port.size() > 5 || !IsDigits(port)) {
    return bad("the port must be a number 0-65535");
  }
  const unsigned long port_number = std::stoul(std::string(port));
  if (port_number > 65535) return bad("the port must be a number 0-65535");
  net::ip::address address;
  if (host.empty() || host == "*") {
    address = net::ip::address_v4::any();
  } else if (host == "localhost") {
    address = net::ip::address_v4::loopback();
  } else {
    beast::error_code ec;
    address = net::ip::make_address(std::string(host), ec);
    if (ec) return bad("'" + std::string(host) + "' is not an IP address");
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port_number));
}

Result<std::unique_ptr<ssl::context>> MakeTlsContext(const std::string& cert_pem,
                                                     const std::string& key_pem) {
  if (cert_pem.empty() != key_pem.empty()) {
    return Status(Errc::kInvalidArgument, "tls_cert_pem and tls_key_pem must be set together");
  }
  std::unique_ptr<ssl::context> ctx;
  try {
    ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return Status(Errc::kInternal, std::string("creating the TLS context: ") + e.what());
  }
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  ctx->use_certificate_chain(net::buffer(cert_pem), ec);
  if (ec) {
    ERR_clear_error();
    return Status(Errc::kInvalidArgument,
                  "tls_cert_pem is not a usable PEM certificate chain: " + ec.message());
  }
  // The message names only the field: key material is never echoed.
  ctx->use_private_key(net::buffer(key_pem), ssl::context::pem, ec);
  if (ec) {
    ERR_clear_error();
    return Status(Errc::kInvalidArgument, "tls_key_pem is not a usable PEM private key");
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return Status(Errc::kInvalidArgument,
                  "tls_key_pem does not match the certificate in tls_cert_pem");
  }
  return ctx;
}

// The configured limits, before any timer or buffer arithmetic with them: timeouts up to a day
// (a steady_clock deadline now + timeout then cannot overflow), at least one connection.
Status CheckOptions(const HttpServerOptions& options) {
  if (options.max_connections == 0) {
    return Status(Errc::kInvalidArgument, "max_connections must be at least 1");
  }
  constexpr std::chrono::milliseconds kDay = std::chrono::hours(24);
  const std::pair<std::string_view, std::chrono::milliseconds> timeouts[] = {
      {"read_timeout", options.read_timeout},
      {"idle_timeout", options.idle_timeout},
      {"pressure_silent_timeout", options.pressure_silent_timeout}};
  for (const auto& [name, timeout] : timeouts) {
    if (timeout.count() < 0 || timeout > kDay) {
      return Status(Errc::kInvalidArgument,
                    std::string(name) + " is " + std::to_string(timeout.count()) +
                        " ms; must be 0.." + std::to_string(kDay.count()) + " ms (a day)");
    }
  }
  return OkStatus();
}

// Protocol: tcp, or unix_stream for HttpServerOptions::unix_socket (plain HTTP only). One server
// either way: only listening, the remote's name and the stream type differ.
template <class Protocol>
class BeastHttpServer final : public HttpServer {
  static constexpr bool kUnix = std::is_same_v<Protocol, unix_stream>;
  using Socket = typename Protocol::socket;

 public:
  // One io_context per thread, each run by exactly one thread, and connections spread over them
  // round robin: a connection's work stays in one FIFO queue, so under load every request waits
  // about one round of the others on its thread. (With one io_context shared by all threads the
  // p99 latency at 32 connections was twice the median; per-thread it stays near the median.)
  explicit BeastHttpServer(std::shared_ptr<ServerState> state)
      : state_(std::move(state)),
        iocs_(MakeContexts(ThreadCount(state_->options))),
        acceptor_(net::make_strand(*iocs_[0])),
        accept_retry_(acceptor_.get_executor()) {
    for (auto& ioc : iocs_) work_.push_back(net::make_work_guard(*ioc));
  }

  ~BeastHttpServer() override {
    Stop(kDestructorGrace);
    if (signal_stop_thread_.joinable()) signal_stop_thread_.join();
  }

  Status Listen(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    const std::string where = EndpointString(endpoint);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor_.set_option(net::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status(Errc::kIoError, "listening on " + where + ": " + ec.message());
    const tcp::endpoint local = acceptor_.local_endpoint(ec);
    if (ec) return Status(Errc::kIoError, "listening on " + where + ": " + ec.message());
    port_ = local.port();
    // A wildcard address is not one a client connects to: name loopback instead.
    net::ip::address address = local.address();
    if (address.is_unspecified()) {
      address = address.is_v6() ? net::ip::address(net::ip::address_v6::loopback())
                                : net::ip::address(net::ip::address_v4::loopback());
    }
    base_url_ = std::string(state_->tls ? "https://" : "http://") +
                EndpointString(tcp::endpoint(address, port_));
    return OkStatus();
  }

  // Binds in a private directory, listens, then puts the socket at `path` (unix_socket.h: mode
  // 0600 from the start, a foreign file or a live socket refused, a stale socket replaced).
  Status ListenUnix(const std::string& path) {
    MP_ASSIGN_OR_RETURN(UnixSocketPlacement placement, UnixSocketPlacement::Prepare(path));
    beast::error_code ec;
    acceptor_.open(unix_stream(), ec);
    if (!ec) acceptor_.bind(unix_stream::endpoint(placement.bind_path()), ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status(Errc::kIoError, "listening on unix socket " + path + ": " + ec.message());
    MP_RETURN_IF_ERROR(placement.Publish());
    unix_socket_.emplace(std::move(placement));
    // What an HTTP client sends as Host over the socket (curl --unix-socket PATH
    // http://localhost/).
    base_url_ = "http://localhost";
    return OkStatus();
  }

  void Begin() {
    if (state_->options.handle_signals) {
      signals_.emplace(acceptor_.get_executor(), SIGINT, SIGTERM);
      signals_->async_wait([this](beast::error_code ec, int) {
        if (ec) return;
        // Stop joins the io threads, so it runs on a thread of its own.
        signal_stop_thread_ = std::thread([this] { Stop(kSignalGrace); });
      });
    }
    DoAccept();
    threads_.reserve(iocs_.size());
    for (auto& ioc : iocs_) {
      threads_.emplace_back([ioc = ioc.get()] {
        while (true) {
          try {
            ioc->run();
            return;
          } catch (...) {  // handlers catch their own errors; keep the thread serving regardless
          }
        }
      });
    }
  }

  uint16_t port() const override { return port_; }
  size_t open_connections() const override { return state_->connections.load(); }
  std::string BaseUrl() const override { return base_url_; }
  std::string UnixSocketPath() const override {
    return unix_socket_ ? unix_socket_->path() : std::string();
  }

  void Stop(std::chrono::milliseconds grace) override {
    MutexLock stop_lock(stop_mu_);
    {
      MutexLock lock(mu_);
      if (stopped_) return;
    }
    state_->stopping = true;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      accept_retry_.cancel();
      if (signals_) signals_->cancel(ignored);
    });
    // New clients find no socket file; the listener closes on its strand.
    if (unix_socket_) unix_socket_->Remove();
    for (auto& session : state_->LiveSessions()) session->OnStop();
    WaitForConnections(SteadyClock::now() + grace);
    if (state_->alive.load() > 0) {
      for (auto& session : state_->LiveSessions()) session->ForceClose();
      WaitForConnections(SteadyClock::now() + kForceCloseWait);
    }
    for (auto& work : work_) work.reset();
    if (state_->alive.load() > 0) {
      for (auto& ioc : iocs_) ioc->stop();
    }
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    MutexLock lock(mu_);
    stopped_ = true;
    stopped_cv_.NotifyAll();
  }

  void Wait() override {
    MutexLock lock(mu_);
    while (!stopped_) stopped_cv_.Wait(mu_);
  }

 private:
  void WaitForConnections(SteadyClock::time_point deadline) {
    while (state_->alive.load() > 0 && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  void DoAccept() {
    // The next connection's io_context, round robin.
    net::io_context& ioc = *iocs_[next_ioc_++ % iocs_.size()];
    acceptor_.async_accept(net::make_strand(ioc), [this](beast::error_code ec, Socket socket) {
      OnAccept(ec, std::move(socket));
    });
  }

  void OnAccept(beast::error_code ec, Socket socket) {
    if (!acceptor_.is_open() || state_->stopping) return;
    if (ec) {
      // Out of file descriptors and the like: retry shortly rather than spin.
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open() && !state_->stopping) DoAccept();
      });
      return;
    }
    Serve(std::move(socket));
    DoAccept();
  }

  void Serve(Socket socket) {
    beast::error_code ec;
    std::string remote = "unix";  // a Unix socket's client is usually unnamed
    if constexpr (!kUnix) {
      const tcp::endpoint endpoint = socket.remote_endpoint(ec);
      if (ec) return;
      remote = EndpointString(endpoint);
      // Small request/response exchanges: never let Nagle hold a response segment back waiting
      // for the peer's delayed ACK (up to 40 ms on Linux).
      socket.set_option(tcp::no_delay(true), ec);
    }
    for (auto& shed : state_->TakeSilentToShed(SteadyClock::now())) shed->ForceClose();
    const size_t cap = state_->options.max_connections;
    if (state_->connections.load() < cap) {
      return StartSession(std::move(socket), remote, Admission::kServe);
    }
    if (!state_->tls && state_->refusing.load() < MaxRefusing(cap)) {
      return StartSession(std::move(socket), remote, Admission::kRefuse);
    }
    // The only writer of a fresh socket's empty send buffer: a short non-blocking write fits.
    if (!state_->tls) {
      socket.non_blocking(true, ec);
      socket.write_some(net::buffer(kServiceUnavailable.data(), kServiceUnavailable.size()), ec);
    }
    socket.shutdown(net::socket_base::shutdown_both, ec);
    socket.close(ec);
  }

  void StartSession(Socket socket, std::string remote, Admission admission) {
    if constexpr (kUnix) {
      std::make_shared<Session<UnixStream>>(state_, UnixStream(std::move(socket)),
                                            std::move(remote), admission)
          ->Run();
    } else if (state_->tls) {
      using TlsStream = beast::ssl_stream<beast::tcp_stream>;
      std::make_shared<Session<TlsStream>>(state_, TlsStream(std::move(socket), *state_->tls),
                                           std::move(remote), admission)
          ->Run();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(state_, beast::tcp_stream(std::move(socket)),
                                                   std::move(remote), admission)
          ->Run();
    }
  }

  static int ThreadCount(const HttpServerOptions& options) {
    if (options.threads > 0) return options.threads;
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int n) {
    std::vector<std::unique_ptr<net::io_context>> iocs;
    for (int i = 0; i < n; ++i) iocs.push_back(std::make_unique<net::io_context>(1));
    return iocs;
  }

  std::shared_ptr<ServerState> state_;
  std::vector<std::unique_ptr<net::io_context>> iocs_;
  size_t next_ioc_ = 0;  // used only on the acceptor's strand
  typename Protocol::acceptor acceptor_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_;
  net::steady_timer accept_retry_;
  std::optional<net::signal_set> signals_;
  std::vector<std::thread> threads_;
  std::thread signal_stop_thread_;
  uint16_t port_ = 0;
  std::string base_url_;
  std::optional<UnixSocketPlacement> unix_socket_;  // kUnix: the socket file, removed by Stop

  Mutex stop_mu_;  // held through Stop, so a second caller returns after the first has finished
  Mutex mu_;
  bool stopped_ MP_GUARDED_BY(mu_) = false;
  CondVar stopped_cv_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Handler handler) {
  if (!handler) return Status(Errc::kInvalidArgument, "HttpServer::Start needs a handler");
  MP_RETURN_IF_ERROR(CheckOptions(options));
  const bool unix_socket = !options.unix_socket.empty();
  tcp::endpoint endpoint;
  if (!unix_socket) {
    MP_ASSIGN_OR_RETURN(endpoint, ParseListen(options.listen));
  } else if (!options.tls_cert_pem.empty() || !options.tls_key_pem.empty()) {
    return Status(Errc::kInvalidArgument,
                  "unix_socket " + options.unix_socket +
                      ": served as plain HTTP (the file's mode guards it); no TLS material");
  }
  auto state = std::make_shared<ServerState>();
  state->options = options;
  state->handler = std::move(handler);
  if (!options.tls_cert_pem.empty() || !options.tls_key_pem.empty()) {
    MP_ASSIGN_OR_RETURN(state->tls, MakeTlsContext(options.tls_cert_pem, options.tls_key_pem));
  }
  try {
    if (unix_socket) {
      auto server = std::make_unique<BeastHttpServer<unix_stream>>(std::move(state));
      MP_RETURN_IF_ERROR(server->ListenUnix(options.unix_socket));
      server->Begin();
      return std::unique_ptr<HttpServer>(std::move(server));
    }
    auto server = std::make_unique<BeastHttpServer<tcp>>(std::move(state));
    MP_RETURN_IF_ERROR(server->Listen(endpoint));
    server->Begin();
    return std::unique_ptr<HttpServer>(std::move(server));
  } catch (const std::exception& e) {  // thread creation, allocation
    return Status(Errc::kInternal, std::string("starting the HTTP server: ") + e.what());
  }
}

}  // namespace mp::http
