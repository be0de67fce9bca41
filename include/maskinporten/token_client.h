// TokenClient: one access token from Maskinporten's token endpoint, with honest retries.
//
// Each attempt signs a fresh grant (new jti, new iat). Retries only what may succeed on retry:
// connect errors, timeouts, 5xx and 429, with exponential backoff, full jitter, Retry-After
// (seconds or HTTP-date, capped) and a total time budget. Never retries a 4xx that is the
// caller's fault. Estimates clock skew from the server's Date header and from skew refusals
// ("Issue time is after now", MP-130) and uses the corrected time for later grants.
//
//   mp::TokenClient client({.endpoints = ep, .client_id = "abc", .credentials = creds,
//                           .http = http});  // std::shared_ptr<mp::HttpClient>
//   mp::FetchInfo info;
//   MP_ASSIGN_OR_RETURN(mp::AccessToken t, client.Fetch({.scopes = {"nav:example"}}, &info));
#ifndef MASKINPORTEN_TOKEN_CLIENT_H_
#define MASKINPORTEN_TOKEN_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "maskinporten/client_export.h"
#include "maskinporten/clock.h"
#include "maskinporten/endpoints.h"
#include "maskinporten/grant.h"
#include "maskinporten/http.h"
#include "maskinporten/mp_errors.h"
#include "maskinporten/status.h"

namespace mp {

struct MP_CLIENT_EXPORT AccessToken {
  std::string access_token{};  // a secret: log a hash, never the token
  std::string token_type{};    // "Bearer"
  int64_t expires_in = 0;      // seconds, as the server said
  std::string scope{};         // informative only
  // Local send time of the request that got it + expires_in: never later than the truth.
  std::chrono::system_clock::time_point expires_at{};
  std::chrono::system_clock::time_point obtained_at{};  // local send time
};

// A refusal from the token endpoint, decoded (SPEC §6).
struct MP_CLIENT_EXPORT MaskinportenError {
  int http_status = 0;
  std::string error{};        // OAuth2 error
  std::string description{};  // without the trailing " (trace_id: ...)"
  std::string mp_code{};      // "MP-110" (from error_uri, or by text for uncoded errors), or ""
  std::string trace_id{};     // trace_id or the older correlation id
  std::string error_uri{};
  std::optional<MpError> known{};  // when the code or text is in our table
  // What the user should fix; "" when unknown.
  std::string Hint() const;
  // "MP-110: <description> (trace_id <id>)"
  std::string Summary() const;
};

// Decodes an error body; tolerant of missing fields, strict JSON.
MP_CLIENT_EXPORT MaskinportenError ParseMaskinportenError(int http_status, std::string_view body);

// The token request's form body (RFC 7523 §2.1, SPEC §4.1), as TokenClient sends it:
// "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=<encoded>".
MP_CLIENT_EXPORT std::string TokenRequestBody(std::string_view assertion);

// Every wait here, and max_skew_correction, must be 0..24 h: Fetch refuses others with
// Errc::kInvalidArgument before any clock arithmetic with them.
struct MP_CLIENT_EXPORT RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds total_budget{20000};  // no attempt starts after this
  std::chrono::milliseconds max_retry_after{30000};
};

struct MP_CLIENT_EXPORT TokenClientOptions {
  Endpoints endpoints{};
  std::string client_id{};
  std::optional<Credentials> credentials{};  // required
  std::shared_ptr<HttpClient> http{};        // required, shared
  const Clock* clock = nullptr;              // SystemClock when null
  RetryPolicy retry{};
  std::chrono::seconds grant_lifetime = kDefaultGrantLifetime;
  std::chrono::seconds max_skew_correction{300};  // bounded: beyond this we do not trust Date
  // Waits between attempts; tests inject one that advances a FakeClock. Default sleeps.
  std::function<void(std::chrono::milliseconds)> sleep{};
  // Uniform in [0, 1) for full jitter; default: secure random.
  std::function<double()> random{};
  // Log sink for one-line events (attempts, retries, skew); never receives secrets.
  std::function<void(std::string_view)> log{};
};

struct MP_CLIENT_EXPORT FetchInfo {
  int attempts = 0;
  std::optional<MaskinportenError> error{};  // the last refusal, when there was one
  std::chrono::seconds skew{0};              // the offset used for the last grant
};

class MP_CLIENT_EXPORT TokenClient {
 public:
  explicit TokenClient(TokenClientOptions options);
  // Errc::kMaskinportenError (refused: info->error has the details), kNetworkError,
  // kHttpError (unexpected status/body), kInvalidGrant (bad request spec). Thread-safe.
  Result<AccessToken> Fetch(const TokenRequest& request, FetchInfo* info = nullptr);
  // The current skew correction (server minus local), seconds.
  std::chrono::seconds skew() const { return std::chrono::seconds(skew_.load()); }
  const TokenClientOptions& options() const { return options_; }

 private:
  TokenClientOptions options_;
  std::atomic<int64_t> skew_{0};
};

}  // namespace mp

#endif  // MASKINPORTEN_TOKEN_CLIENT_H_
