// FakeTokenServer: a small HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for tests that
// exercise the real libcurl path over loopback.
//
// A background thread accepts connections; each connection is served by its own thread with
// keep-alive (HTTP/1.1 default, "Connection: close" honoured) and Content-Length bodies
// (chunked request bodies are answered 501). Every request is logged (FakeRequest, with the id
// of the connection it came on) before the handler runs; the handler's FakeResponse may ask
// for a delay before answering or for the connection to be dropped without an answer. Request
// targets are recorded verbatim, so the server also works as the target of an HTTP proxy
// setting (it sees "GET http://host/path HTTP/1.1") and answers with the handler's response.
// Bytes that are not an HTTP request (a TLS ClientHello, say) get "400" and a close.
//
//   mp::testing::FakeTokenServer server([](const mp::testing::FakeRequest& r) {
//     return r.target == "/token" ? mp::testing::FakeTokenResponse("tok", 119, "a:b")
//                                 : mp::testing::FakeResponse{.status = 404};
//   });
//   ... POST server.Url() + "token" ...
//   EXPECT_EQ(server.Requests().at(0).method, "POST");
//
// Stop() (also run by the destructor) wakes every thread, including a delayed response, and
// joins them; it does not wait for delays to elapse.
#ifndef MASKINPORTEN_TESTS_TESTING_FAKE_TOKEN_SERVER_H_
#define MASKINPORTEN_TESTS_TESTING_FAKE_TOKEN_SERVER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "maskinporten/environment.h"
#include "maskinporten/http.h"
#include "maskinporten/mp_errors.h"

namespace mp::testing {

struct FakeRequest {
  std::string method;   // "POST"
  std::string target;   // "/token", or "http://host/x" when sent to a proxy
  std::string version;  // "HTTP/1.1"
  HttpHeaders headers;  // names lowercased, in arrival order
  std::string body;
  size_t connection_id = 0;  // 1 for the first accepted connection, 2 for the next, ...
  // The first header with this (case-insensitive) name.
  std::optional<std::string> Header(std::string_view name) const;
};

struct FakeResponse {
  int status = 200;
  HttpHeaders headers{};  // as given; Content-Length is added unless present or chunked
  std::string body{};
  std::chrono::milliseconds delay{0};  // wait before answering (cut short by Stop())
  bool drop = false;                   // close the connection without answering (after `delay`)
  bool close_after = false;            // answer with "Connection: close" and close
  bool chunked = false;  // send the body with Transfer-Encoding: chunked (no length known)
};

class FakeTokenServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  // Binds 127.0.0.1:0 and starts serving. No handler: every request gets 404. A bind failure
  // is reported as a test failure (ADD_FAILURE) and leaves port() == 0.
  explicit FakeTokenServer(Handler handler = nullptr);
  ~FakeTokenServer();
  FakeTokenServer(const FakeTokenServer&) = delete;
  FakeTokenServer& operator=(const FakeTokenServer&) = delete;

  // Replaces the handler; requests already inside the old one finish with it.
  void SetHandler(Handler handler);

  // "http://127.0.0.1:<port>/": usable as an issuer (trailing slash) or a proxy URL.
  std::string Url() const;
  uint16_t port() const { return port_; }

  std::vector<FakeRequest> Requests() const;  // a copy of the log, in arrival order
  size_t RequestCount() const;
  size_t ConnectionCount() const;  // connections accepted so far

  // Stops accepting, wakes and closes every connection, joins all threads. Idempotent.
  void Stop();

 private:
  void AcceptLoop();
  void ServeConnection(int fd, size_t connection_id);
  // Waits up to `d` or until Stop(); false when stopped.
  bool WaitFor(std::chrono::milliseconds d);

  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};  // written once by Stop(); every poll() watches the read end
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  Handler handler_;
  std::vector<FakeRequest> log_;
  std::vector<std::thread> connection_threads_;
  size_t connections_ = 0;
};

// An RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for a Date header.
std::string HttpDate(std::chrono::system_clock::time_point t);

// A Maskinporten 200 token response (SPEC §5):
// {"access_token":..,"token_type":"Bearer","expires_in":..,"scope":..}, with a Date header when
// `date` is given.
FakeResponse FakeTokenResponse(std::string_view access_token, int64_t expires_in,
                               std::string_view scope,
                               std::optional<std::chrono::system_clock::time_point> date = {});

// A Maskinporten error response (SPEC §6) from the MpErrorInfoFor table: its HTTP status and
// {"error":..,"error_description":"<text><detail> (trace_id: <trace_id>)",
//  "error_uri":"<issuer>errors/<code>"}; error_uri is omitted for the uncoded errors. `detail`
// completes the texts that name values (MP-200: the scope list).
FakeResponse FakeMaskinportenError(MpError error,
                                   std::string_view trace_id = "0123456789abcdef0123456789abcdef",
                                   std::string_view issuer = kTestIssuer,
                                   std::string_view detail = "",
                                   std::optional<std::chrono::system_clock::time_point> date = {});

// A metadata document (SPEC §3) for `issuer`: token_endpoint <issuer>token, jwks_uri <issuer>jwk.
FakeResponse FakeMetadataResponse(std::string_view issuer);

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_TESTING_FAKE_TOKEN_SERVER_H_
