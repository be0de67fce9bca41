// Pure pieces of TokenClient, exposed for direct tests (tests/client/retry_test.cc): the form
// encoding, Retry-After parsing, backoff with full jitter, and skew estimation.
// Nothing here does I/O or reads a clock.
#ifndef MASKINPORTEN_SRC_CLIENT_TOKEN_CLIENT_INTERNAL_H_
#define MASKINPORTEN_SRC_CLIENT_TOKEN_CLIENT_INTERNAL_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/utc_time.h"
#include "maskinporten/token_client.h"

namespace mp::internal {

using TimePoint = std::chrono::system_clock::time_point;

// The longest expires_in a token response may carry (10 years): larger is not a token lifetime
// but a server bug, and would overflow time arithmetic.
constexpr int64_t kMaxExpiresInSeconds = int64_t{10} * 365 * 24 * 3600;

// application/x-www-form-urlencoded value: RFC 3986 unreserved bytes (A-Z a-z 0-9 - . _ ~) kept,
// every other byte as %XX (upper-case hex).
std::string FormUrlEncode(std::string_view value);

// An HTTP-date: mp::ParseHttpDate (core/utc_time.h), under the name its tests use.
using ::mp::ParseHttpDate;

// Retry-After (RFC 7231 §7.1.3): delta-seconds, or an HTTP-date taken relative to the response's
// own Date (`response_date`) when it has one, else to `local_now` (both clocks then agree on
// what "now" is). A date in the past is zero. nullopt when unparseable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::optional<TimePoint> response_date,
                                                         TimePoint local_now);

// min(max_backoff, initial_backoff * 2^(attempt-1)) for attempt >= 1, without overflow.
std::chrono::milliseconds BackoffCeiling(const RetryPolicy& policy, int attempt);

// The wait before the attempt after `attempt` (1-based): full jitter, random01 * ceiling
// (random01 clamped to [0, 1)); a Retry-After, capped at max_retry_after, is a floor.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int attempt, double random01,
                                     std::optional<std::chrono::milliseconds> retry_after);

// server_date - local_receive, rounded to whole seconds.
std::chrono::seconds EstimateSkew(TimePoint server_date, TimePoint local_receive);

// The skew a client should use after seeing `estimate` while using `current`:
//  - |estimate| < 2 s counts as 0 (Date has one-second resolution, so smaller offsets are noise);
//  - beyond `max_correction` the Date header is not trusted: nullopt (keep `current`);
//  - a change of less than 2 s from `current` is noise too: `current`.
struct SkewDecision {
  std::chrono::seconds skew{0};
  bool changed = false;
  bool out_of_bounds = false;  // estimate ignored: beyond max_correction
};
SkewDecision DecideSkew(std::chrono::seconds current, std::chrono::seconds estimate,
                        std::chrono::seconds max_correction);

// Replaces every JWT-looking run ("eyJ" + base64url "." base64url "." ...) with "eyJ...<redacted>"
// and control characters with spaces, and cuts to `max_bytes`: for text from a server that goes
// into messages and logs.
std::string SanitizeForMessage(std::string_view text, size_t max_bytes);

}  // namespace mp::internal

#endif  // MASKINPORTEN_SRC_CLIENT_TOKEN_CLIENT_INTERNAL_H_
