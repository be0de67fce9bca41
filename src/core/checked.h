// Checked arithmetic on numbers that came from outside (a claim, a header, a config value, a row
// read back from a file): every layer range-checks with these before it adds or subtracts, so an
// absurd value is refused with a message naming it instead of wrapping around.
//
//   MP_ASSIGN_OR_RETURN(int64_t lifetime, mp::CheckedSub(exp, iat, "exp - iat"));
//   MP_ASSIGN_OR_RETURN(int64_t t, mp::EpochSeconds(claim, "iat"));  // 1970..2199
#ifndef MASKINPORTEN_CORE_CHECKED_H_
#define MASKINPORTEN_CORE_CHECKED_H_

#include <cstdint>
#include <limits>
#include <string_view>

#include "maskinporten/core_export.h"
#include "maskinporten/status.h"

namespace mp {

// Seconds since the epoch that any date of ours can be: 1970-01-01T00:00:00Z to
// 2199-12-31T23:59:59Z. Inside this range a sum or difference of two dates, plus any skew or
// lifetime we configure, fits int64 and std::chrono::system_clock (nanoseconds in 64 bits).
constexpr int64_t kMinEpochSeconds = 0;
constexpr int64_t kMaxEpochSeconds = 7258118399;

// a + b, or Errc::kLimitExceeded "<what> overflows: a + b" when it does not fit int64.
MP_CORE_EXPORT Result<int64_t> CheckedAdd(int64_t a, int64_t b, std::string_view what);
// a - b, or Errc::kLimitExceeded "<what> overflows: a - b".
MP_CORE_EXPORT Result<int64_t> CheckedSub(int64_t a, int64_t b, std::string_view what);

// a + b / a - b clamped to the int64 limits: for a bound that only needs to be "at least" or
// "at most" (a replay entry's expiry, a number shown in a message).
constexpr int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return r;
}
constexpr int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) {
    return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return r;
}

// `seconds` when it is in kMinEpochSeconds..kMaxEpochSeconds, else `code` (kLimitExceeded unless
// the caller's contract names another, e.g. kInvalidClaim for a token claim)
// "<what> <seconds> is outside 1970..2199".
MP_CORE_EXPORT Result<int64_t> EpochSeconds(int64_t seconds, std::string_view what,
                                            Errc code = Errc::kLimitExceeded);

// A JSON number (as the strict parser gives it: signed, unsigned or double) as whole epoch
// seconds, fractions floored, in 1970..2199; `code` naming `what` otherwise, also for NaN and
// infinities.
MP_CORE_EXPORT Result<int64_t> EpochSecondsFromDouble(double seconds, std::string_view what,
                                                      Errc code = Errc::kLimitExceeded);
MP_CORE_EXPORT Result<int64_t> EpochSecondsFromUnsigned(uint64_t seconds, std::string_view what,
                                                        Errc code = Errc::kLimitExceeded);

// A JSON number of seconds that is not (yet) a date of ours, as whole int64 seconds: a double is
// floored and must be finite and within ±2^53 (where every double is an exact integer), an
// unsigned must fit int64. Errc::kLimitExceeded naming `what` otherwise. For claims whose range
// a later rule judges (a grant's exp in the past is MP-130, not a malformed grant).
MP_CORE_EXPORT Result<int64_t> SecondsFromDouble(double seconds, std::string_view what);
MP_CORE_EXPORT Result<int64_t> SecondsFromUnsigned(uint64_t seconds, std::string_view what);

}  // namespace mp

#endif  // MASKINPORTEN_CORE_CHECKED_H_
