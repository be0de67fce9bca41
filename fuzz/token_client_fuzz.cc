// Fuzzes what the client library reads from a token endpoint (TokenClient::Fetch): the status,
// headers (Date, Retry-After, Content-Type) and body of up to four answers in a row, as a fake
// HttpClient returns them; time is a FakeClock the client's sleeps advance. The input is the
// answers separated by a line "===": each a status line, header lines ("Name: value") up to an
// empty line, and the body. Properties:
//   - nothing crashes, leaks or hangs;
//   - Fetch makes at most RetryPolicy::max_attempts requests and waits at most the policy allows
//     (no Retry-After or Date, however absurd, makes it sleep longer or overflow);
//   - a token is returned only from a 200 answer, with expires_at after obtained_at;
//   - a refusal is kMaskinportenError (with the decoded error), kHttpError or kNetworkError;
//   - the skew correction stays within max_skew_correction;
//   - no message holds a compact JWS from an answer (SanitizeForMessage's redaction).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/openssl.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "fuzz_keys.h"
#include "fuzz_world.h"
#include "maskinporten/clock.h"
#include "maskinporten/http.h"
#include "maskinporten/token_client.h"

namespace {

constexpr size_t kMaxAnswers = 4;

class ScriptedHttp final : public mp::HttpClient {
 public:
  explicit ScriptedHttp(std::vector<mp::HttpResponse> answers) : answers_(std::move(answers)) {}
  mp::Result<mp::HttpResponse> Send(const mp::HttpRequest&) override {
    ++requests_;
    if (next_ >= answers_.size()) return mp::Status(mp::Errc::kNetworkError, "connection refused");
    last_status_ = answers_[next_].status;
    return answers_[next_++];
  }
  int requests() const { return requests_; }
  int last_status() const { return last_status_; }

 private:
  std::vector<mp::HttpResponse> answers_;
  size_t next_ = 0;
  int requests_ = 0;
  int last_status_ = 0;
};

mp::HttpResponse ParseAnswer(std::string_view text) {
  mp::HttpResponse r;
  const std::string_view status = mp::fuzz::NextLine(&text);
  for (char c : status.substr(0, 3))
    r.status = r.status * 10 + (c >= '0' && c <= '9' ? c - '0' : 0);
  r.headers = mp::fuzz::HeaderLines(&text);
  r.body = std::string(text);
  return r;
}

// A compact JWS (three non-empty segments, the first "eyJ..."), which SanitizeForMessage redacts.
// Not: a run split by a control byte, its own "eyJ...<redacted>", or a run it cut at its size
// limit and followed by "..." (all seen in the campaign).
bool HasJwt(std::string_view text) {
  auto b64 = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  for (size_t at = text.find("eyJ"); at != std::string_view::npos; at = text.find("eyJ", at + 1)) {
    size_t end = at;
    while (end < text.size() && (b64(text[end]) || text[end] == '.')) ++end;
    const std::string_view run = text.substr(at, end - at);
    const size_t first = run.find('.');
    if (first == std::string_view::npos || first <= 3) continue;
    const size_t second = run.find('.', first + 1);
    if (second == std::string_view::npos || second == first + 1) continue;
    if (second + 1 < run.size() && b64(run[second + 1])) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<mp::HttpResponse> answers;
  while (!in.empty() && answers.size() < kMaxAnswers) {
    const size_t sep = in.find("\n===\n");
    answers.push_back(ParseAnswer(in.substr(0, sep)));
    in.remove_prefix(sep == std::string_view::npos ? in.size() : sep + 5);
  }
  ScriptedHttp http(std::move(answers));

  static const mp::Credentials credentials =
      mp::Credentials::WithKid(mp::fuzz::FuzzRsaKey(), std::string(mp::fuzz::kClientKid)).value();
  mp::FakeClock clock(mp::fuzz::kFuzzNow);
  std::chrono::milliseconds slept{0};
  const mp::RetryPolicy policy;
  mp::TokenClient client({.endpoints = {.issuer = std::string(mp::fuzz::kIssuer),
                                        .token_endpoint = std::string(mp::fuzz::kIssuer) + "token",
                                        .jwks_uri = ""},
                          .client_id = std::string(mp::fuzz::kClientA),
                          .credentials = credentials,
                          .http = std::shared_ptr<mp::HttpClient>(std::shared_ptr<mp::HttpClient>(),
                                                                  &http),  // borrowed
                          .clock = &clock,
                          .retry = policy,
                          .sleep =
                              [&](std::chrono::milliseconds d) {
                                FUZZ_CHECK(d.count() >= 0);
                                slept += d;
                                clock.Advance(d);
                              },
                          .random = [] { return 0.5; }});
  mp::FetchInfo info;
  auto token = client.Fetch({.scopes = {std::string(mp::fuzz::kScopeRead)}}, &info);

  FUZZ_CHECK(http.requests() <= policy.max_attempts);
  FUZZ_CHECK(info.attempts == http.requests());
  FUZZ_CHECK(slept <= policy.total_budget + policy.max_retry_after);
  const auto max_skew = std::chrono::seconds(300);
  FUZZ_CHECK(client.skew() <= max_skew && client.skew() >= -max_skew);
  if (token.ok()) {
    FUZZ_CHECK(http.last_status() == 200);
    FUZZ_CHECK(!token->access_token.empty());
    FUZZ_CHECK(token->expires_at > token->obtained_at);
  } else {
    const mp::Errc code = token.status().code();
    if (code != mp::Errc::kMaskinportenError && code != mp::Errc::kHttpError &&
        code != mp::Errc::kNetworkError) {
      std::fprintf(stderr, "refusal: %s\n", token.status().ToString().c_str());
    }
    FUZZ_CHECK(code == mp::Errc::kMaskinportenError || code == mp::Errc::kHttpError ||
               code == mp::Errc::kNetworkError);
    if (code == mp::Errc::kMaskinportenError) FUZZ_CHECK(info.error.has_value());
    if (HasJwt(token.status().message())) {
      std::fprintf(stderr, "refusal: %s\n", token.status().ToString().c_str());
    }
    FUZZ_CHECK(!HasJwt(token.status().message()));
  }
  mp::ClearOpenSslErrors();
  return 0;
}
