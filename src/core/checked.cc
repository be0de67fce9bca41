#include "core/checked.h"

#include <cmath>
#include <string>

namespace mp {
namespace {

Status Overflow(std::string_view what, int64_t a, char op, int64_t b) {
  return Status(Errc::kLimitExceeded, std::string(what) + " overflows: " + std::to_string(a) + " " +
                                          op + " " + std::to_string(b) +
                                          " is outside the 64-bit range");
}

Status OutOfRange(Errc code, std::string_view what, const std::string& shown) {
  return Status(code, std::string(what) + " " + shown +
                          " is outside 1970..2199 (epoch seconds 0.." +
                          std::to_string(kMaxEpochSeconds) + ")");
}

}  // namespace

Result<int64_t> CheckedAdd(int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return Overflow(what, a, '+', b);
  return r;
}

Result<int64_t> CheckedSub(int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return Overflow(what, a, '-', b);
  return r;
}

Result<int64_t> EpochSeconds(int64_t seconds, std::string_view what, Errc code) {
  if (seconds < kMinEpochSeconds || seconds > kMaxEpochSeconds) {
    return OutOfRange(code, what, std::to_string(seconds));
  }
  return seconds;
}

Result<int64_t> EpochSecondsFromDouble(double seconds, std::string_view what, Errc code) {
  // Compared as doubles before any conversion: a cast of an out-of-range double is undefined.
  if (!std::isfinite(seconds) || seconds < static_cast<double>(kMinEpochSeconds) ||
      std::floor(seconds) > static_cast<double>(kMaxEpochSeconds)) {
    std::string shown = std::isfinite(seconds) ? std::to_string(seconds) : "(not finite)";
    return OutOfRange(code, what, shown);
  }
  return static_cast<int64_t>(std::floor(seconds));
}

Result<int64_t> EpochSecondsFromUnsigned(uint64_t seconds, std::string_view what, Errc code) {
  if (seconds > static_cast<uint64_t>(kMaxEpochSeconds)) {
    return OutOfRange(code, what, std::to_string(seconds));
  }
  return static_cast<int64_t>(seconds);
}

Result<int64_t> SecondsFromDouble(double seconds, std::string_view what) {
  constexpr double kTwoTo53 = 9007199254740992.0;
  if (!std::isfinite(seconds) || std::fabs(seconds) > kTwoTo53) {
    return Status(Errc::kLimitExceeded,
                  std::string(what) + " " +
                      (std::isfinite(seconds) ? std::to_string(seconds) : "(not finite)") +
                      " is outside ±2^53 seconds");
  }
  return static_cast<int64_t>(std::floor(seconds));
}

Result<int64_t> SecondsFromUnsigned(uint64_t seconds, std::string_view what) {
  if (seconds > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status(Errc::kLimitExceeded, std::string(what) + " " + std::to_string(seconds) +
                                            " is outside the 64-bit range");
  }
  return static_cast<int64_t>(seconds);
}

}  // namespace mp
