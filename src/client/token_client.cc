#include "maskinporten/token_client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <utility>

#include "client/token_client_internal.h"
#include "core/checked.h"
#include "core/json.h"
#include "core/percent.h"
#include "core/random.h"
#include "core/strings.h"
#include "core/utc_time.h"

namespace mp {
namespace internal {
namespace {

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string FormUrlEncode(std::string_view value) { return PercentEncode(value); }

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::optional<TimePoint> response_date,
                                                         TimePoint local_now) {
  using std::chrono::milliseconds;
  // Optional whitespace around a field value is not part of it (RFC 7230 §3.2).
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (IsDigits(value)) {
    // delta-seconds; anything beyond a day is as good as "very long" (the caller caps it).
    constexpr int64_t kMaxSeconds = 86400;
    int64_t seconds = 0;
    for (char c : value) {
      seconds = std::min<int64_t>(seconds * 10 + (c - '0'), kMaxSeconds);
    }
    return milliseconds(seconds * 1000);
  }
  const TimePoint now = response_date.value_or(local_now);
  std::optional<TimePoint> at = ParseHttpDate(value, now);
  if (!at) return std::nullopt;
  if (*at <= now) return milliseconds(0);
  return std::chrono::duration_cast<milliseconds>(*at - now);
}

std::chrono::milliseconds BackoffCeiling(const RetryPolicy& policy, int attempt) {
  using std::chrono::milliseconds;
  const int64_t cap = std::max<int64_t>(0, policy.max_backoff.count());
  int64_t v = std::max<int64_t>(0, policy.initial_backoff.count());
  for (int i = 1; i < attempt && v < cap; ++i) {
    v = v > cap / 2 ? cap : v * 2;
  }
  return milliseconds(std::min(v, cap));
}

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int attempt, double random01,
                                     std::optional<std::chrono::milliseconds> retry_after) {
  using std::chrono::milliseconds;
  if (!(random01 >= 0.0)) random01 = 0.0;  // also NaN
  if (random01 >= 1.0) random01 = std::nextafter(1.0, 0.0);
  const milliseconds ceiling = BackoffCeiling(policy, attempt);
  milliseconds delay(
      static_cast<int64_t>(std::floor(random01 * static_cast<double>(ceiling.count()))));
  if (retry_after) {
    const milliseconds floor = std::clamp(*retry_after, milliseconds(0),
                                          std::max(milliseconds(0), policy.max_retry_after));
    delay = std::max(delay, floor);
  }
  return delay;
}

std::chrono::seconds EstimateSkew(TimePoint server_date, TimePoint local_receive) {
  return std::chrono::round<std::chrono::seconds>(server_date - local_receive);
}

SkewDecision DecideSkew(std::chrono::seconds current, std::chrono::seconds estimate,
                        std::chrono::seconds max_correction) {
  using std::chrono::seconds;
  constexpr seconds kNoise{2};
  SkewDecision d{.skew = current};
  if (std::chrono::abs(estimate) > max_correction) {
    d.out_of_bounds = true;
    return d;
  }
  const seconds target = std::chrono::abs(estimate) < kNoise ? seconds(0) : estimate;
  if (std::chrono::abs(target - current) >= kNoise || (target == seconds(0) && current != target)) {
    d.skew = target;
    d.changed = target != current;
  }
  return d;
}

std::string SanitizeForMessage(std::string_view text, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < text.size() && out.size() < max_bytes) {
    // A JWT/JWS: "eyJ" (base64url of '{"') then at least two dots among base64url runs.
    if (text.substr(i, 3) == "eyJ") {
      size_t j = i;
      int dots = 0;
      while (j < text.size() && (IsBase64UrlChar(text[j]) || text[j] == '.')) {
        if (text[j] == '.') ++dots;
        ++j;
      }
      if (dots >= 2) {
        out += "eyJ...<redacted>";
        i = j;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(text[i]);
    out.push_back(c < 0x20 || c == 0x7F ? ' ' : text[i]);
    ++i;
  }
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace internal

std::string TokenRequestBody(std::string_view assertion) {
  return "grant_type=" + internal::FormUrlEncode(kJwtBearerGrantType) +
         "&assertion=" + internal::FormUrlEncode(assertion);
}

// ---- MaskinportenError ----

namespace {

constexpr size_t kMaxMessageText = 500;

// trace_id is hex; the older correlation id is a UUID.
enum class TraceIdForm { kHex, kUuid };

bool IsTraceIdChar(char c, TraceIdForm form) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
         (form == TraceIdForm::kUuid && c == '-');
}

// Splits " (<label> <id>)" off the end of `description` when <id> has the form. True when split.
bool SplitTraceSuffix(std::string& description, std::string_view label, TraceIdForm form,
                      std::string* id) {
  const std::string open = std::string(" (") + std::string(label) + " ";
  if (description.empty() || description.back() != ')') return false;
  const size_t at = description.rfind(open);
  if (at == std::string::npos) return false;
  const size_t id_begin = at + open.size();
  const size_t id_end = description.size() - 1;
  if (id_end <= id_begin) return false;
  for (size_t i = id_begin; i < id_end; ++i) {
    if (!IsTraceIdChar(description[i], form)) return false;
  }
  *id = description.substr(id_begin, id_end - id_begin);
  description.erase(at);
  return true;
}

// "MP-" followed by exactly three digits.
bool LooksLikeMpCode(std::string_view s) {
  return s.size() == 6 && s.starts_with("MP-") && IsDigits(s.substr(3));
}

// The last path segment of a URI, without query or fragment.
std::string_view LastPathSegment(std::string_view uri) {
  uri = uri.substr(0, uri.find_first_of("?#"));
  const size_t slash = uri.rfind('/');
  return slash == std::string_view::npos ? uri : uri.substr(slash + 1);
}

std::string StringMemberOrEmpty(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

MaskinportenError ParseMaskinportenError(int http_status, std::string_view body) {
  MaskinportenError e;
  e.http_status = http_status;
  Result<nlohmann::json> parsed = ParseStrictJsonObject(body, {.max_bytes = 64 * 1024});
  if (!parsed.ok()) return e;
  const nlohmann::json& obj = *parsed;
  e.error = StringMemberOrEmpty(obj, "error");
  e.description = StringMemberOrEmpty(obj, "error_description");
  e.error_uri = StringMemberOrEmpty(obj, "error_uri");
  // SPEC §6: "<text> (trace_id: <hex>)"; before 2024 "<text> (correlation id: <uuid>)".
  if (!SplitTraceSuffix(e.description, "trace_id:", TraceIdForm::kHex, &e.trace_id)) {
    SplitTraceSuffix(e.description, "correlation id:", TraceIdForm::kUuid, &e.trace_id);
  }
  // SPEC §6: the code is the last path segment of error_uri, not part of the description.
  const std::string_view segment = LastPathSegment(e.error_uri);
  if (LooksLikeMpCode(segment)) {
    e.mp_code = std::string(segment);
    e.known = MpErrorByCode(e.mp_code);
  } else {
    // Uncoded errors carry no error_uri; a coded one without it is still recognised by text.
    e.known = MpErrorByText(e.description);
    if (e.known) e.mp_code = std::string(MpErrorInfoFor(*e.known).code);
  }
  return e;
}

std::string MaskinportenError::Hint() const {
  return known ? std::string(MpErrorInfoFor(*known).hint) : std::string();
}

std::string MaskinportenError::Summary() const {
  std::string text = !description.empty() ? description : error;
  if (text.empty()) text = "HTTP " + std::to_string(http_status);
  std::string out;
  if (!mp_code.empty()) out = mp_code + ": ";
  out += internal::SanitizeForMessage(text, kMaxMessageText);
  if (!trace_id.empty()) {
    out += " (trace_id " + internal::SanitizeForMessage(trace_id, 64) + ")";
  }
  return out;
}

// ---- TokenClient ----

namespace {

using internal::TimePoint;
using std::chrono::milliseconds;
using std::chrono::seconds;

double SecureRandom01() {
  const std::string bytes = RandomBytes(8);
  uint64_t v = 0;
  std::memcpy(&v, bytes.data(), sizeof(v));
  return static_cast<double>(v >> 11) * 0x1.0p-53;
}

// A 200 body (SPEC §5), strictly. Messages name the field, never the token.
Result<AccessToken> ParseTokenResponse(std::string_view body, TimePoint sent_at) {
  Result<nlohmann::json> parsed = ParseStrictJsonObject(body, {.max_bytes = 256 * 1024});
  if (!parsed.ok()) {
    return Status(Errc::kHttpError,
                  "token response (HTTP 200) is not a JSON object: " +
                      internal::SanitizeForMessage(parsed.status().message(), 200));
  }
  const nlohmann::json& obj = *parsed;
  AccessToken t;
  auto at = obj.find("access_token");
  if (at == obj.end() || !at->is_string() || at->get_ref<const std::string&>().empty()) {
    return Status(Errc::kHttpError, "token response: access_token missing, empty or not a string");
  }
  auto type = obj.find("token_type");
  if (type == obj.end() || !type->is_string() ||
      !EqualsIgnoreAsciiCase(type->get_ref<const std::string&>(), "Bearer")) {
    return Status(Errc::kHttpError,
                  "token response: token_type must be \"Bearer\", got " +
                      (type == obj.end() ? std::string("none")
                                         : internal::SanitizeForMessage(type->dump(), 40)));
  }
  auto exp = obj.find("expires_in");
  if (exp == obj.end() || !exp->is_number_integer()) {
    return Status(Errc::kHttpError, "token response: expires_in missing or not an integer");
  }
  int64_t expires_in = 0;
  if (exp->is_number_unsigned()) {
    const uint64_t u = exp->get<uint64_t>();
    expires_in = u > static_cast<uint64_t>(internal::kMaxExpiresInSeconds)
                     ? internal::kMaxExpiresInSeconds + 1
                     : static_cast<int64_t>(u);
  } else {
    expires_in = exp->get<int64_t>();
  }
  if (expires_in <= 0 || expires_in > internal::kMaxExpiresInSeconds) {
    return Status(Errc::kHttpError, "token response: expires_in " + std::to_string(expires_in) +
                                        " is not a positive lifetime of at most 10 years");
  }
  auto scope = obj.find("scope");
  if (scope != obj.end()) {
    if (!scope->is_string()) {
      return Status(Errc::kHttpError, "token response: scope is not a string");
    }
    t.scope = scope->get<std::string>();
  }
  t.access_token = at->get<std::string>();
  t.token_type = type->get<std::string>();
  t.expires_in = expires_in;
  t.obtained_at = sent_at;
  t.expires_at = sent_at + seconds(expires_in);
  return t;
}

bool IsRetriableStatus(int status) { return status == 429 || (status >= 500 && status <= 599); }

std::string AttemptsNote(int attempts) {
  return attempts == 1 ? "1 attempt" : std::to_string(attempts) + " attempts";
}

// The Status for a non-200 response: kMaskinportenError when the body is an OAuth2 error,
// kHttpError otherwise (an HTML page from a proxy, an empty body).
Status StatusForErrorResponse(const HttpResponse& r, const MaskinportenError& e,
                              std::string_view endpoint) {
  if (!e.error.empty()) return Status(Errc::kMaskinportenError, e.Summary());
  std::string msg = "HTTP " + std::to_string(r.status) + " from " + std::string(endpoint);
  const std::string snippet = internal::SanitizeForMessage(r.body, 120);
  if (!snippet.empty()) msg += ": " + snippet;
  return Status(Errc::kHttpError, msg);
}

// The skew refusals: our iat ahead of the server ("Issue time is after now": local clock ahead,
// the correction must go negative) or our exp already past (MP-130: local clock behind, the
// correction must go positive).
enum class SkewRefusal { kNone, kClockAhead, kClockBehind };

SkewRefusal ClassifySkewRefusal(const MaskinportenError& e) {
  if (!e.known) return SkewRefusal::kNone;
  if (*e.known == MpError::kIssuedInFuture) return SkewRefusal::kClockAhead;
  if (*e.known == MpError::kMp130) return SkewRefusal::kClockBehind;
  return SkewRefusal::kNone;
}

std::string FormatSeconds(seconds s) { return std::to_string(s.count()) + " s"; }

// Folds one Date header into the shared skew estimate (server minus local), logging each change
// and each refused estimate.
template <typename Log>
void UpdateSkew(std::atomic<int64_t>& skew, TimePoint server_date, TimePoint received_at,
                seconds max_correction, const Log& log) {
  const seconds estimate = internal::EstimateSkew(server_date, received_at);
  int64_t current = skew.load();
  for (;;) {
    const internal::SkewDecision d =
        internal::DecideSkew(seconds(current), estimate, max_correction);
    if (d.out_of_bounds) {
      log("clock skew: Date header is " + FormatSeconds(estimate) +
          " from the local clock, beyond the " + FormatSeconds(max_correction) + " bound; ignored");
      return;
    }
    if (!d.changed) return;
    if (skew.compare_exchange_weak(current, d.skew.count())) {
      log("clock skew: server clock is " + FormatSeconds(estimate) +
          " from the local clock; grants now use an offset of " + FormatSeconds(d.skew) + " (was " +
          FormatSeconds(seconds(current)) + ")");
      return;
    }
  }
}

// What one attempt came to: a final result for Fetch, or an error worth another attempt.
struct AttemptOutcome {
  std::optional<Result<AccessToken>> final{};
  Status error{};                             // when not final
  std::optional<milliseconds> retry_after{};  // the server's wish, when it said one
  bool skew_corrected = false;                // retry at once: a correction, not a backoff
};

// Decides about one HTTP response. `skew_used` made this attempt's grant; `skew_now` is the
// offset after this response's Date was read.
AttemptOutcome JudgeResponse(const HttpResponse& response, const MaskinportenError* refusal,
                             std::string_view endpoint, TimePoint sent_at, TimePoint received_at,
                             std::optional<TimePoint> server_date, seconds skew_used,
                             seconds skew_now, bool skew_retry_left) {
  AttemptOutcome out;
  if (response.status == 200) {
    // A broken 200 body is not retried: it is a server fault that another grant will not fix,
    // and a token may already have been issued for this grant.
    out.final = ParseTokenResponse(response.body, sent_at);
    return out;
  }
  Status status = StatusForErrorResponse(response, *refusal, endpoint);
  if (IsRetriableStatus(response.status)) {
    out.error = std::move(status);
    if (std::optional<std::string> ra = response.Header("retry-after")) {
      out.retry_after = internal::ParseRetryAfter(*ra, server_date, received_at);
    }
    return out;
  }
  // The caller's fault: the same request cannot succeed, except after a skew refusal that the
  // Date header has just let us correct in the right direction (once).
  const SkewRefusal kind = ClassifySkewRefusal(*refusal);
  const bool corrected = (kind == SkewRefusal::kClockAhead && skew_now <= skew_used - seconds(2)) ||
                         (kind == SkewRefusal::kClockBehind && skew_now >= skew_used + seconds(2));
  if (!corrected || !skew_retry_left) {
    out.final = Result<AccessToken>(std::move(status));
    return out;
  }
  out.error = std::move(status);
  out.skew_corrected = true;
  return out;
}

// The configured waits and bounds, before any clock arithmetic with them: each within a day, so
// now + wait and the skew correction stay far inside a time_point.
Status CheckDurations(const TokenClientOptions& o) {
  constexpr int64_t kDaySeconds = 24 * 3600;
  const auto within_a_day = [](std::string_view name, int64_t value, int64_t day,
                               std::string_view unit) {
    if (value >= 0 && value <= day) return OkStatus();
    return Status(Errc::kInvalidArgument, "TokenClientOptions." + std::string(name) + " is " +
                                              std::to_string(value) + " " + std::string(unit) +
                                              "; must be 0.." + std::to_string(day) + " " +
                                              std::string(unit) + " (a day)");
  };
  const std::pair<std::string_view, milliseconds> waits[] = {
      {"retry.initial_backoff", o.retry.initial_backoff},
      {"retry.max_backoff", o.retry.max_backoff},
      {"retry.total_budget", o.retry.total_budget},
      {"retry.max_retry_after", o.retry.max_retry_after}};
  for (const auto& [name, wait] : waits) {
    MP_RETURN_IF_ERROR(within_a_day(name, wait.count(), kDaySeconds * 1000, "ms"));
  }
  return within_a_day("max_skew_correction", o.max_skew_correction.count(), kDaySeconds, "s");
}

std::string GaveUp(const Status& last, int attempts, std::string_view why = "") {
  return last.message() + " (gave up after " + AttemptsNote(attempts) + std::string(why) + ")";
}

}  // namespace

TokenClient::TokenClient(TokenClientOptions options) : options_(std::move(options)) {}

Result<AccessToken> TokenClient::Fetch(const TokenRequest& request, FetchInfo* info) {
  FetchInfo local_info;
  FetchInfo& fi = info != nullptr ? *info : local_info;
  fi = FetchInfo{};
  if (!options_.credentials) {
    return Status(Errc::kInvalidArgument, "TokenClientOptions.credentials is required");
  }
  if (options_.http == nullptr) {
    return Status(Errc::kInvalidArgument, "TokenClientOptions.http is required");
  }
  if (options_.endpoints.token_endpoint.empty()) {
    return Status(Errc::kInvalidArgument, "TokenClientOptions.endpoints.token_endpoint is empty");
  }
  MP_RETURN_IF_ERROR(CheckDurations(options_));
  const Clock& clock = options_.clock != nullptr ? *options_.clock : SystemClock::Instance();
  const RetryPolicy& policy = options_.retry;
  const int max_attempts = std::max(1, policy.max_attempts);
  const std::string& endpoint = options_.endpoints.token_endpoint;
  const auto log = [this](const std::string& line) {
    if (options_.log) options_.log(line);
  };
  const GrantSpec spec{.issuer = options_.endpoints.issuer,
                       .client_id = options_.client_id,
                       .request = request,
                       .lifetime = options_.grant_lifetime};

  std::optional<TimePoint> first_send;
  bool skew_retry_left = true;
  for (int attempt = 1;; ++attempt) {
    const std::string attempt_name =
        "token request attempt " + std::to_string(attempt) + "/" + std::to_string(max_attempts);
    // A fresh grant every attempt: a new jti (a reused one is MP-012) and iat from the
    // skew-corrected clock as it is now.
    const seconds skew_used(skew_.load());
    MP_ASSIGN_OR_RETURN(Grant grant, BuildGrant(spec, *options_.credentials, clock, skew_used));
    const HttpRequest http_request{
        .method = "POST",
        .url = endpoint,
        .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                    {"Accept", "application/json"}},
        .body = TokenRequestBody(grant.assertion)};

    const TimePoint sent_at = clock.Now();
    if (!first_send) first_send = sent_at;
    fi.attempts = attempt;
    fi.skew = skew_used;
    Result<HttpResponse> sent = options_.http->Send(http_request);
    const TimePoint received_at = clock.Now();

    AttemptOutcome outcome;
    if (!sent.ok()) {
      // HttpClient's contract: transport failures are kNetworkError; anything else is a bug
      // or a bad configuration that retrying will not fix.
      if (sent.status().code() != Errc::kNetworkError) return sent.status();
      outcome.error = sent.status();
      log(attempt_name + " failed: " + internal::SanitizeForMessage(sent.status().message(), 200));
    } else {
      std::optional<TimePoint> server_date;
      if (std::optional<std::string> date = sent->Header("date")) {
        server_date = ParseHttpDate(*date, received_at);
      }
      if (server_date) {
        UpdateSkew(skew_, *server_date, received_at, options_.max_skew_correction, log);
      }
      std::optional<MaskinportenError> refusal;
      if (sent->status != 200) {
        refusal = ParseMaskinportenError(sent->status, sent->body);
        fi.error = refusal;
        log(attempt_name + ": HTTP " + std::to_string(sent->status) +
            (refusal->error.empty() ? "" : " " + refusal->Summary()));
      }
      outcome = JudgeResponse(*sent, refusal ? &*refusal : nullptr, endpoint, sent_at, received_at,
                              server_date, skew_used, seconds(skew_.load()), skew_retry_left);
      if (outcome.final) return std::move(*outcome.final);
    }

    if (attempt >= max_attempts)
      return Status(outcome.error.code(), GaveUp(outcome.error, attempt));
    milliseconds delay(0);
    if (outcome.skew_corrected) {
      skew_retry_left = false;
      log("clock skew refusal; retrying at once with an offset of " +
          FormatSeconds(seconds(skew_.load())));
    } else {
      delay = internal::RetryDelay(policy, attempt,
                                   options_.random ? options_.random() : SecureRandom01(),
                                   outcome.retry_after);
    }
    if (clock.Now() + delay - *first_send > policy.total_budget) {
      return Status(outcome.error.code(),
                    GaveUp(outcome.error, attempt,
                           ": total retry budget of " +
                               std::to_string(policy.total_budget.count()) + " ms spent"));
    }
    if (!outcome.skew_corrected) {
      log("retrying token request in " + std::to_string(delay.count()) + " ms");
      if (options_.sleep) {
        options_.sleep(delay);
      } else {
        std::this_thread::sleep_for(delay);
      }
    }
  }
}

}  // namespace mp
