// The local Maskinporten's HTTP/1.1 server on Boost.Beast/Asio: one io_context, N threads,
// keep-alive, optional TLS, bounded header/body sizes, read timeout and connection count (with
// silent connections making room under a flood), and a graceful stop. It knows nothing of
// Maskinporten: it turns wire requests into HttpRequest, calls one Handler (usually
// Router::Dispatch), and writes the HttpResponse (STYLE.md: the Beast example's shape and nothing
// more).
//
//   MP_ASSIGN_OR_RETURN(auto server, HttpServer::Start({.listen = "127.0.0.1:0"}, handler));
//   std::cout << "listening on " << server->BaseUrl() << "\n";
//   server->Wait();   // until Stop() or, with handle_signals, SIGINT/SIGTERM
#ifndef MASKINPORTEN_HTTP_HTTP_SERVER_H_
#define MASKINPORTEN_HTTP_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "maskinporten/status.h"

namespace mp::http {

// One finished request, for the JSON request log and metrics. No bodies, no header values.
struct RequestLogEntry {
  std::string trace_id{};
  std::string method{};
  std::string path{};
  int status = 0;
  ResponseLabels labels{};  // as the handler set them
  std::chrono::microseconds latency{0};
  std::string remote{};
};

struct HttpServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; "[::1]:0"; port 0 picks a free port
  // A path: listen on a Unix domain socket there instead of `listen` (plain HTTP only). The file
  // is mode 0600 from the moment it appears (bound in a private directory, then linked into
  // place); a file that is not a socket, or a socket a process listens on, is refused and left
  // alone; a stale socket (nothing listening) is replaced; Stop removes it (unix_socket.h).
  std::string unix_socket{};
  int threads = 0;                                // 0: std::thread::hardware_concurrency()
  size_t max_header_bytes = 16 * 1024;            // larger: 431
  size_t max_body_bytes = 64 * 1024;              // larger: 413
  std::chrono::milliseconds read_timeout{10000};  // slow request: 408 and close
  std::chrono::milliseconds idle_timeout{30000};  // keep-alive connection with no request: close
  // Connections served at once. Near the cap, connections that have sent nothing make room (see
  // pressure_silent_timeout); past it, a new connection is answered 503 in full, its request read
  // and discarded for up to 1 s / 1 MiB so the client reads the answer, then closed (TLS: closed
  // without an answer). At most max_connections / 8 + 1 such refusals linger at once; beyond that
  // a connection gets a best-effort 503 and is closed at once.
  size_t max_connections = 1024;
  // The rule near the cap: once 80% of max_connections are open, each new connection closes the
  // open ones that have sent no byte for longer than this; at the cap, a new connection closes the
  // oldest one that has sent no byte and takes its place. A connection that has sent a request
  // (even one now idle between requests) is never closed for this; only when none is left to
  // close does a new connection get the 503.
  std::chrono::milliseconds pressure_silent_timeout{1000};
  // PEM certificate chain and private key for HTTPS; both empty: plain HTTP.
  std::string tls_cert_pem{};
  std::string tls_key_pem{};
  // Stop gracefully on SIGINT/SIGTERM (the `serve` verb).
  bool handle_signals = false;
  // Called after each response is written (request log, metrics), including the server's own
  // 400/408/413/431/500 answers; not for drop_connection or the 503 of a connection over
  // max_connections. Runs on an io thread: must be thread safe and quick.
  std::function<void(const RequestLogEntry&)> on_request{};
  // The Date header of every response (RFC 9110 §6.6.1) comes from this clock (SystemClock when
  // null), so a client's clock-skew correction sees the server's own time, offsets included.
  const Clock* clock = nullptr;
};

class HttpServer {
 public:
  // Binds, listens and starts the threads. Errc::kIoError names the address when binding fails,
  // kInvalidArgument a bad listen string or TLS material.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   Handler handler);
  virtual ~HttpServer() = default;

  virtual uint16_t port() const = 0;
  // Connections being served now (at most max_connections; refusals and closing ones not counted).
  virtual size_t open_connections() const = 0;
  // "http://127.0.0.1:PORT" or "https://..." (no trailing slash); IPv6 hosts in brackets. On a
  // Unix socket "http://localhost" (port() is then 0).
  virtual std::string BaseUrl() const = 0;
  // The Unix socket's path (HttpServerOptions::unix_socket); "" on TCP.
  virtual std::string UnixSocketPath() const = 0;
  // Stops accepting, lets requests in flight finish (up to `grace`; each such connection closes
  // after its response), closes idle connections at once, force-closes what is left after
  // `grace`, joins the threads. Idempotent; safe from any thread but the server's own (a handler
  // must not call it). The destructor stops with a 2 s grace.
  virtual void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10)) = 0;
  // Blocks until the server has stopped (Stop() or a handled signal).
  virtual void Wait() = 0;
};

}  // namespace mp::http

#endif  // MASKINPORTEN_HTTP_HTTP_SERVER_H_
