#include "core/utc_time.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>

#include "core/checked.h"
#include "core/strings.h"

namespace mp {
namespace {

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what four year digits can write.
constexpr int64_t kMinFormattable = -62167219200;
constexpr int64_t kMaxFormattable = 253402300799;
constexpr int64_t kSecondsPerDay = 86400;

struct CivilTime {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour;
  int minute;
  int second;
  int weekday;  // 0 = Monday (ISO 8601), as kDayNames
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level
// Date Algorithms", civil_from_days), and its inverse days_from_civil.
CivilTime ToCivil(int64_t unix_seconds) {
  const int64_t days = FloorDiv(unix_seconds, kSecondsPerDay);
  const int64_t secs = unix_seconds - days * kSecondsPerDay;
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;                                       // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  CivilTime t{};
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = yoe + era * 400 + (t.month <= 2 ? 1 : 0);
  t.hour = static_cast<int>(secs / 3600);
  t.minute = static_cast<int>(secs / 60 % 60);
  t.second = static_cast<int>(secs % 60);
  t.weekday = static_cast<int>(((days + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  return t;
}

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

bool IsLeapYear(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

int64_t FloorSeconds(std::chrono::system_clock::time_point t) {
  return static_cast<int64_t>(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

std::string FormatCivil(const CivilTime& t, const char* suffix) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%s", static_cast<int>(t.year),
                t.month, t.day, t.hour, t.minute, t.second, suffix);
  return buf;
}

Status BadTime(std::string_view what, std::string_view why) {
  return Status(Errc::kInvalidArgument, std::string(what) + " " + std::string(why));
}

using TimePoint = std::chrono::system_clock::time_point;

// A cursor over a date; each call consumes exactly what it names or fails (and consumes nothing).
class DateCursor {
 public:
  explicit DateCursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ == s_.size(); }
  bool Literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  bool Char(char c) { return Literal(std::string_view(&c, 1)); }
  // 1..max_digits ASCII digits (any number when max_digits is 0), skipped.
  bool DigitRun(size_t max_digits) {
    size_t end = pos_;
    while (end < s_.size() && s_[end] >= '0' && s_[end] <= '9') ++end;
    if (end == pos_ || (max_digits != 0 && end - pos_ > max_digits)) return false;
    pos_ = end;
    return true;
  }
  // Exactly `n` ASCII digits.
  bool Digits(size_t n, int* out) {
    if (pos_ + n > s_.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = s_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    *out = v;
    return true;
  }
  // One of `names`; its index (0-based).
  template <size_t N>
  bool OneOf(const std::array<std::string_view, N>& names, int* index) {
    for (size_t i = 0; i < N; ++i) {
      if (Literal(names[i])) {
        *index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

constexpr std::array<std::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "HH:MM:SS"
bool TakeTimeOfDay(DateCursor& c, int* h, int* m, int* s) {
  return c.Digits(2, h) && c.Literal(":") && c.Digits(2, m) && c.Literal(":") && c.Digits(2, s) &&
         *h <= 23 && *m <= 59 && *s <= 60;
}

std::optional<TimePoint> MakeTime(int year, int month, int day, int h, int m, int s) {
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  const int64_t seconds =
      DaysFromCivil(year, month, day) * kSecondsPerDay + h * 3600 + m * 60 + std::min(s, 59);
  // A date from a server header as a time_point, nullopt outside 1970..2199: a four-digit year
  // does not fit a nanosecond time_point (1677..2262), and no clock we correct against is that
  // far off.
  if (!EpochSeconds(seconds, "HTTP-date").ok()) return std::nullopt;
  return TimePoint(std::chrono::seconds(seconds));
}

std::optional<TimePoint> ParseImfFixdate(std::string_view text) {
  DateCursor c(text);
  int wd = 0, day = 0, mon = 0, year = 0, h = 0, m = 0, s = 0;
  if (!(c.OneOf(kDayNames, &wd) && c.Literal(", ") && c.Digits(2, &day) && c.Literal(" ") &&
        c.OneOf(kMonthNames, &mon) && c.Literal(" ") && c.Digits(4, &year) && c.Literal(" ") &&
        TakeTimeOfDay(c, &h, &m, &s) && c.Literal(" GMT") && c.AtEnd())) {
    return std::nullopt;
  }
  return MakeTime(year, mon + 1, day, h, m, s);
}

std::optional<TimePoint> ParseRfc850(std::string_view text, TimePoint now) {
  DateCursor c(text);
  int wd = 0, day = 0, mon = 0, yy = 0, h = 0, m = 0, s = 0;
  if (!(c.OneOf(kLongDayNames, &wd) && c.Literal(", ") && c.Digits(2, &day) && c.Literal("-") &&
        c.OneOf(kMonthNames, &mon) && c.Literal("-") && c.Digits(2, &yy) && c.Literal(" ") &&
        TakeTimeOfDay(c, &h, &m, &s) && c.Literal(" GMT") && c.AtEnd())) {
    return std::nullopt;
  }
  // RFC 7231 §7.1.1.1: more than 50 years in the future means the most recent past year with
  // the same last two digits.
  const int this_year = static_cast<int>(
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now)).year());
  int year = this_year / 100 * 100 + yy;
  if (year > this_year + 50) year -= 100;
  return MakeTime(year, mon + 1, day, h, m, s);
}

std::optional<TimePoint> ParseAsctime(std::string_view text) {
  DateCursor c(text);
  int wd = 0, day = 0, mon = 0, year = 0, h = 0, m = 0, s = 0;
  if (!(c.OneOf(kDayNames, &wd) && c.Literal(" ") && c.OneOf(kMonthNames, &mon) &&
        c.Literal(" "))) {
    return std::nullopt;
  }
  // date3 = month SP ( 2DIGIT / ( SP DIGIT ) )
  if (c.Literal(" ")) {
    if (!c.Digits(1, &day)) return std::nullopt;
  } else if (!c.Digits(2, &day)) {
    return std::nullopt;
  }
  if (!(c.Literal(" ") && TakeTimeOfDay(c, &h, &m, &s) && c.Literal(" ") && c.Digits(4, &year) &&
        c.AtEnd())) {
    return std::nullopt;
  }
  return MakeTime(year, mon + 1, day, h, m, s);
}

}  // namespace

std::string FormatUtc(int64_t unix_seconds) {
  if (unix_seconds < kMinFormattable || unix_seconds > kMaxFormattable) {
    return std::to_string(unix_seconds);
  }
  return FormatCivil(ToCivil(unix_seconds), "Z");
}

std::string FormatUtc(std::chrono::system_clock::time_point t) {
  return FormatUtc(FloorSeconds(t));
}

std::string FormatUtcMillis(int64_t unix_millis) {
  const int64_t seconds = FloorDiv(unix_millis, 1000);
  if (seconds < kMinFormattable || seconds > kMaxFormattable) return std::to_string(unix_millis);
  char fraction[8];
  std::snprintf(fraction, sizeof(fraction), ".%03dZ",
                static_cast<int>(unix_millis - seconds * 1000));
  return FormatCivil(ToCivil(seconds), fraction);
}

std::string FormatHttpDate(int64_t unix_seconds) {
  if (unix_seconds < kMinFormattable || unix_seconds > kMaxFormattable) {
    return std::to_string(unix_seconds);
  }
  const CivilTime t = ToCivil(unix_seconds);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
                kDayNames[t.weekday].data(), t.day, kMonthNames[t.month - 1].data(),
                static_cast<int>(t.year), t.hour, t.minute, t.second);
  return buf;
}

std::string FormatHttpDate(std::chrono::system_clock::time_point t) {
  return FormatHttpDate(FloorSeconds(t));
}

std::optional<TimePoint> ParseHttpDate(std::string_view text, TimePoint now) {
  if (auto t = ParseImfFixdate(text)) return t;
  if (auto t = ParseRfc850(text, now)) return t;
  return ParseAsctime(text);
}

Result<int64_t> ParseUtcTime(std::string_view text, TimeSyntax syntax, std::string_view what) {
  const bool rfc3339 = syntax == TimeSyntax::kRfc3339;
  const std::string why = std::string(rfc3339 ? "is not an RFC 3339 date or date-time: "
                                              : "is not an ISO 8601 date or date-time: ") +
                          Quote(text, 64);
  DateCursor c(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!(c.Digits(4, &y) && c.Char('-') && c.Digits(2, &mo) && c.Char('-') && c.Digits(2, &d))) {
    return BadTime(what, why);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) {
    return BadTime(what, "is not a calendar date: " + Quote(text, 64));
  }
  const int64_t midnight = DaysFromCivil(y, mo, d) * kSecondsPerDay;
  if (midnight < kMinEpochSeconds || midnight > kMaxEpochSeconds) {
    return BadTime(what, "is out of range (years 1970..2199): " + Quote(text, 64));
  }
  if (c.AtEnd()) return midnight;

  // The time: hh:mm[:ss[.fraction]] (RFC 3339: seconds required, 1..9 fraction digits).
  if (!((c.Char('T') || (rfc3339 && c.Char('t'))) && c.Digits(2, &h) && c.Char(':') &&
        c.Digits(2, &mi))) {
    return BadTime(what, why);
  }
  if (c.Char(':')) {
    if (!c.Digits(2, &s)) return BadTime(what, why);
    if (c.Char('.') && !c.DigitRun(rfc3339 ? 9 : 0)) return BadTime(what, why);
  } else if (rfc3339) {
    return BadTime(what, why);
  }
  if (h > 23 || mi > 59 || s > 59) {
    return BadTime(what, "has an impossible time: " + Quote(text, 64));
  }
  const int64_t local = midnight + h * 3600 + mi * 60 + s;
  if (c.AtEnd()) return local;

  // The offset: Z, or +hh:mm (ISO 8601 also +hhmm and +hh).
  if (c.Char('Z') || (rfc3339 && c.Char('z'))) {
    return c.AtEnd() ? Result<int64_t>(local) : BadTime(what, why);
  }
  const bool east = c.Char('+');
  int oh = 0, om = 0;
  if (!(east || c.Char('-')) || !c.Digits(2, &oh)) return BadTime(what, why);
  const bool colon = c.Char(':');
  const bool minutes = c.Digits(2, &om);
  if (rfc3339 ? !(colon && minutes) : !(minutes || c.AtEnd())) return BadTime(what, why);
  if (!c.AtEnd() || oh > 23 || om > 59) return BadTime(what, why);
  const int64_t offset = oh * 3600 + om * 60;
  // The offset may move the instant out of 1970..2199 ("1970-01-01T00:30+01:00").
  const int64_t instant = east ? local - offset : local + offset;
  if (instant < kMinEpochSeconds || instant > kMaxEpochSeconds) {
    return BadTime(what, "is out of range (years 1970..2199): " + Quote(text, 64));
  }
  return instant;
}

}  // namespace mp
