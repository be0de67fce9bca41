#include "testing/fake_http_client.h"

#include <cctype>
#include <optional>
#include <utility>

namespace mp::testing {

HttpResponse JsonResponse(int status, std::string body, HttpHeaders headers) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("content-type", "application/json");
  for (auto& [name, value] : headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(lower), std::move(value));
  }
  return r;
}

void FakeHttpClient::Push(Result<HttpResponse> outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  script_.push_back(std::move(outcome));
}

void FakeHttpClient::PushJson(int status, std::string body, HttpHeaders headers) {
  Push(JsonResponse(status, std::move(body), std::move(headers)));
}

void FakeHttpClient::PushError(Errc code, std::string message) {
  Push(Status(code, std::move(message)));
}

void FakeHttpClient::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

Result<HttpResponse> FakeHttpClient::Send(const HttpRequest& request) {
  std::optional<Result<HttpResponse>> scripted;
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (!script_.empty()) {
      scripted.emplace(std::move(script_.front()));
      script_.pop_front();
    } else {
      handler = handler_;
    }
  }
  if (scripted.has_value()) return std::move(*scripted);
  if (handler) return handler(request);
  return Status(Errc::kNetworkError,
                "FakeHttpClient: no scripted response for " + request.method + " " + request.url);
}

std::vector<HttpRequest> FakeHttpClient::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

HttpRequest FakeHttpClient::LastRequest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.empty() ? HttpRequest{} : requests_.back();
}

size_t FakeHttpClient::CallCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

size_t FakeHttpClient::Remaining() const {
  std::lock_guard<std::mutex> lock(mu_);
  return script_.size();
}

}  // namespace mp::testing
