// FakeHttpClient: an in-memory mp::HttpClient for tests of code that talks HTTP (TokenClient,
// Discover, TokenProvider) without sockets.
//
// Each Send() records the request, then answers with the next scripted outcome (FIFO); when the
// script is empty it calls the handler, if one is set; otherwise it fails with
// Errc::kNetworkError "FakeHttpClient: no scripted response for POST <url>" so a test that
// sends more requests than it expected fails loudly. Thread-safe: the script and the log are
// guarded by a mutex; the handler runs outside the lock, so handlers may block (for example on
// a latch, to hold N concurrent callers inside Send) and may be called concurrently.
//
//   mp::testing::FakeHttpClient http;
//   http.PushJson(503, R"({"error":"server_error"})");          // first call
//   http.PushError(mp::Errc::kNetworkError, "connect refused");  // second call
//   http.PushJson(200, R"({"access_token":"x","expires_in":119})", {{"date", "..."}});
//   ... code under test calls http.Send() three times ...
//   EXPECT_EQ(http.CallCount(), 3u);
//   EXPECT_EQ(http.Requests()[2].body.find("assertion="), ...);
#ifndef MASKINPORTEN_TESTS_TESTING_FAKE_HTTP_CLIENT_H_
#define MASKINPORTEN_TESTS_TESTING_FAKE_HTTP_CLIENT_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "maskinporten/http.h"
#include "maskinporten/status.h"

namespace mp::testing {

// An HttpResponse with `status`, `body` and "content-type: application/json" plus `headers`
// (names are lowercased, as the real client does).
HttpResponse JsonResponse(int status, std::string body, HttpHeaders headers = {});

class FakeHttpClient : public HttpClient {
 public:
  // Called for a request when the script is empty. May be called from several threads at once.
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  FakeHttpClient() = default;
  explicit FakeHttpClient(Handler handler) : handler_(std::move(handler)) {}
  FakeHttpClient(const FakeHttpClient&) = delete;
  FakeHttpClient& operator=(const FakeHttpClient&) = delete;

  // Appends one outcome to the script: a response (any status) or an error Status.
  void Push(Result<HttpResponse> outcome);
  // Appends JsonResponse(status, body, headers).
  void PushJson(int status, std::string body, HttpHeaders headers = {});
  // Appends a failure, e.g. PushError(Errc::kNetworkError, "timeout").
  void PushError(Errc code, std::string message);
  // Replaces the handler used once the script is exhausted (nullptr: none).
  void SetHandler(Handler handler);

  // Records `request`, then answers as described above.
  Result<HttpResponse> Send(const HttpRequest& request) override;

  // Every request received so far, in arrival order (a copy).
  std::vector<HttpRequest> Requests() const;
  // The most recent request; a default HttpRequest if none.
  HttpRequest LastRequest() const;
  size_t CallCount() const;
  // Scripted outcomes not yet consumed.
  size_t Remaining() const;

 private:
  mutable std::mutex mu_;
  std::deque<Result<HttpResponse>> script_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

// A non-owning handle on `client` for an options struct that shares its HttpClient (the caller
// keeps `client` alive longer than what it is given to).
inline std::shared_ptr<HttpClient> Borrowed(HttpClient& client) {
  return std::shared_ptr<HttpClient>(std::shared_ptr<HttpClient>(), &client);
}

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_TESTING_FAKE_HTTP_CLIENT_H_
