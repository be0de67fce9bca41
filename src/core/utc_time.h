// UTC time as text, written and read in one place: ISO 8601 / RFC 3339 for JSON, logs and
// messages, and RFC 9110's HTTP-date for Date and Retry-After headers. No gmtime, strftime or
// locale: pure arithmetic on the proleptic Gregorian calendar, the same on every thread and
// platform.
//
//   std::string t = mp::FormatUtc(1700000000);           // "2023-11-14T22:13:20Z"
//   MP_ASSIGN_OR_RETURN(int64_t s, mp::ParseUtcTime("2027-11-30T12:00+01:00",
//                                                    mp::TimeSyntax::kIso8601, "ValidTo"));
#ifndef MASKINPORTEN_CORE_UTC_TIME_H_
#define MASKINPORTEN_CORE_UTC_TIME_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "maskinporten/core_export.h"
#include "maskinporten/status.h"

namespace mp {

// "2027-11-30T00:00:00Z" (RFC 3339, whole seconds). A time outside the years 0000..9999, which
// the form cannot hold, is written as its decimal epoch seconds.
MP_CORE_EXPORT std::string FormatUtc(int64_t unix_seconds);
// The same for a time point, floored to whole seconds.
MP_CORE_EXPORT std::string FormatUtc(std::chrono::system_clock::time_point t);
// "2027-11-30T00:00:00.250Z" (milliseconds, floored; before 1970 too). Outside 0000..9999 the
// decimal epoch milliseconds.
MP_CORE_EXPORT std::string FormatUtcMillis(int64_t unix_millis);
// RFC 9110 §5.6.7 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (English names). Outside
// 0000..9999 the decimal epoch seconds.
MP_CORE_EXPORT std::string FormatHttpDate(int64_t unix_seconds);
MP_CORE_EXPORT std::string FormatHttpDate(std::chrono::system_clock::time_point t);

// An HTTP-date (RFC 9110 §5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the
// obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994"
// forms. A two-digit RFC 850 year that would be more than 50 years after `now` means the
// previous century. nullopt for anything else (out-of-range fields, bad day for the month,
// trailing bytes, a year a time_point cannot hold). Leap second 60 is read as 59.
MP_CORE_EXPORT std::optional<std::chrono::system_clock::time_point> ParseHttpDate(
    std::string_view text, std::chrono::system_clock::time_point now);

// What ParseUtcTime reads. Both read a date alone as 00:00:00 UTC that day, and a date-time
// without an offset as UTC.
enum class TimeSyntax {
  // ISO 8601 as Altinn writes consent dates, leniently:
  //   "2027-11-30", "2027-11-30T12:00", "...T12:00:00", "...T12:00:00.1234567" (any number of
  //   fraction digits, truncated), each date-time optionally followed by "Z", "+01:00", "-0230"
  //   or "+01".
  kIso8601,
  // RFC 3339 (§5.6), strictly: "2027-11-30", or "2027-11-30T12:00:00" with an optional fraction
  // of 1..9 digits and an optional "Z" or "+01:00"; 'T' and 'Z' in either case (§5.6 NOTE).
  kRfc3339,
};

// `text` in `syntax` as epoch seconds, in the years 1970..2199 (kMinEpochSeconds..
// kMaxEpochSeconds of core/checked.h, before any offset). Errc::kInvalidArgument
// "<what> <why>" otherwise, the text quoted (64 bytes at most):
//   "is not an ISO 8601 date or date-time: ..." (or "an RFC 3339 ...": the shape is wrong),
//   "is not a calendar date: ..." (2027-02-30), "is out of range (years 1970..2199): ...",
//   "has an impossible time: ..." (25:00).
//
//   MP_ASSIGN_OR_RETURN(int64_t t, mp::ParseUtcTime(text, mp::TimeSyntax::kRfc3339, "validTo"));
MP_CORE_EXPORT Result<int64_t> ParseUtcTime(std::string_view text, TimeSyntax syntax,
                                            std::string_view what);

}  // namespace mp

#endif  // MASKINPORTEN_CORE_UTC_TIME_H_
