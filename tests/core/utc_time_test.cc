#include "core/utc_time.h"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/checked.h"

namespace mp {
namespace {

// What glibc's gmtime_r + strftime write, for holding FormatUtc to it.
std::string LibcUtc(int64_t seconds, const char* format) {
  const auto t = static_cast<time_t>(seconds);
  struct tm tm {};
  char buf[64];
  if (gmtime_r(&t, &tm) == nullptr || strftime(buf, sizeof(buf), format, &tm) == 0) return "?";
  return buf;
}

TEST(FormatUtc, WritesRfc3339WholeSeconds) {
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(1700000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatUtc(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatUtc(kMaxEpochSeconds), "2199-12-31T23:59:59Z");
  EXPECT_EQ(FormatUtc(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatUtc(-62167219200), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(253402300799), "9999-12-31T23:59:59Z");
}

TEST(FormatUtc, AgreesWithGmtimeAcrossFourCenturies) {
  // A stride coprime to a day, so times of day, leap days and century years are all hit.
  for (int64_t s = -2208988800; s < 10413792000; s += 86399 * 7 + 3) {
    ASSERT_EQ(FormatUtc(s), LibcUtc(s, "%Y-%m-%dT%H:%M:%SZ")) << s;
  }
  for (int64_t s : {int64_t{4107542400}, int64_t{4107542399}, int64_t{946684799}, int64_t{68256000},
                    int64_t{-86400}, int64_t{-86401}}) {
    EXPECT_EQ(FormatUtc(s), LibcUtc(s, "%Y-%m-%dT%H:%M:%SZ")) << s;
  }
}

TEST(FormatUtc, WritesEpochSecondsWhenFourYearDigitsCannotHoldTheTime) {
  EXPECT_EQ(FormatUtc(253402300800), "253402300800");
  EXPECT_EQ(FormatUtc(-62167219201), "-62167219201");
  EXPECT_EQ(FormatUtc(INT64_MAX), "9223372036854775807");
  EXPECT_EQ(FormatUtc(INT64_MIN), "-9223372036854775808");
}

TEST(FormatUtc, FloorsATimePointToWholeSeconds) {
  using std::chrono::milliseconds;
  using TimePoint = std::chrono::system_clock::time_point;
  EXPECT_EQ(FormatUtc(TimePoint(milliseconds(1700000000999))), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatUtc(TimePoint(milliseconds(-1))), "1969-12-31T23:59:59Z");
}

TEST(FormatUtcMillis, WritesMillisecondsFlooredBefore1970Too) {
  EXPECT_EQ(FormatUtcMillis(1700000000250), "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(FormatUtcMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtcMillis(7), "1970-01-01T00:00:00.007Z");
  EXPECT_EQ(FormatUtcMillis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatUtcMillis(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(FormatUtcMillis(INT64_MAX), "9223372036854775807");
}

TEST(FormatHttpDate, WritesImfFixdate) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(-86400), "Wed, 31 Dec 1969 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(
                std::chrono::system_clock::time_point(std::chrono::milliseconds(784111777999))),
            "Sun, 06 Nov 1994 08:49:37 GMT");
  for (int64_t s = -86400 * 10; s < 4102444800; s += 86400 * 3 + 3607) {
    ASSERT_EQ(FormatHttpDate(s), LibcUtc(s, "%a, %d %b %Y %H:%M:%S GMT")) << s;
  }
}

int64_t Iso(std::string_view text) { return ParseUtcTime(text, TimeSyntax::kIso8601, "t").value(); }

TEST(ParseHttpDate, ReadsWhatFormatHttpDateWrites) {
  using std::chrono::seconds;
  const std::chrono::system_clock::time_point now(seconds(1750000000));
  for (int64_t s = 0; s < 4102444800; s += 86400 * 5 + 3607) {
    std::optional<std::chrono::system_clock::time_point> t = ParseHttpDate(FormatHttpDate(s), now);
    ASSERT_TRUE(t.has_value()) << s;
    ASSERT_EQ(t->time_since_epoch(), seconds(s)) << s;
  }
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC", now).has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 31 Nov 1994 08:49:37 GMT", now).has_value());
}

TEST(ParseUtcTimeIso8601, ReadsEveryDocumentedForm) {
  EXPECT_EQ(Iso("2027-11-30"), 1827532800);
  EXPECT_EQ(Iso("2027-11-30T12:00"), 1827532800 + 12 * 3600);
  EXPECT_EQ(Iso("2027-11-30T12:00:01"), 1827532800 + 12 * 3600 + 1);
  EXPECT_EQ(Iso("2027-11-30T12:00:01.9999999"), 1827532800 + 43201);
  EXPECT_EQ(Iso("2027-11-30T12:00:00Z"), 1827532800 + 43200);
  EXPECT_EQ(Iso("2027-11-30T12:00:00+01:00"), 1827532800 + 39600);
  EXPECT_EQ(Iso("2027-11-30T12:00:00-0230"), 1827532800 + 52200);
  EXPECT_EQ(Iso("2027-11-30T12:00+01"), 1827532800 + 39600);
  EXPECT_EQ(Iso("1970-01-01"), 0);
  EXPECT_EQ(Iso("2199-12-31T23:59:59Z"), kMaxEpochSeconds);
  EXPECT_EQ(Iso("2024-02-29"), 1709164800);
}

TEST(ParseUtcTimeIso8601, RoundTripsFormatUtc) {
  for (int64_t s = 0; s <= kMaxEpochSeconds; s += 7919 * 86400 + 4093) {
    ASSERT_EQ(Iso(FormatUtc(s)), s) << s;
  }
}

Status ErrorOf(std::string_view text) {
  return ParseUtcTime(text, TimeSyntax::kIso8601, "claim ValidTo").status();
}

TEST(ParseUtcTimeIso8601, NamesWhatIsWrongAndQuotesTheText) {
  EXPECT_EQ(ErrorOf("2027-11-3"),
            Status(Errc::kInvalidArgument,
                   "claim ValidTo is not an ISO 8601 date or date-time: \"2027-11-3\""));
  EXPECT_EQ(ErrorOf("2027-02-30"),
            Status(Errc::kInvalidArgument, "claim ValidTo is not a calendar date: \"2027-02-30\""));
  EXPECT_EQ(ErrorOf("2023-02-29").message(),
            "claim ValidTo is not a calendar date: \"2023-02-29\"");
  EXPECT_EQ(ErrorOf("2200-01-01").message(),
            "claim ValidTo is out of range (years 1970..2199): \"2200-01-01\"");
  EXPECT_EQ(ErrorOf("1969-12-31").message(),
            "claim ValidTo is out of range (years 1970..2199): \"1969-12-31\"");
  EXPECT_EQ(ErrorOf("2027-11-30T24:00").message(),
            "claim ValidTo has an impossible time: \"2027-11-30T24:00\"");
  EXPECT_EQ(ErrorOf("2027-11-30T12:00:60").message(),
            "claim ValidTo has an impossible time: \"2027-11-30T12:00:60\"");
  // A value from outside is quoted as JSON and cut: it cannot forge the rest of the message.
  EXPECT_EQ(ErrorOf("x\"\n").message(),
            "claim ValidTo is not an ISO 8601 date or date-time: \"x\\\"\\n\"");
  EXPECT_EQ(
      ErrorOf(std::string(100, '9')).message(),
      "claim ValidTo is not an ISO 8601 date or date-time: \"" + std::string(64, '9') + "...\"");
}

TEST(ParseUtcTimeIso8601, RefusesEveryMalformedShape) {
  for (const char* bad : {"",
                          "2027",
                          "2027-11",
                          "2027-1-30",
                          "27-11-30",
                          "2027/11/30",
                          "2027-11-30 12:00",
                          "2027-11-30T",
                          "2027-11-30T12",
                          "2027-11-30T12:0",
                          "2027-11-30T12:00:0",
                          "2027-11-30T12:00:00.",
                          "2027-11-30T12:00:00Z ",
                          "2027-11-30T12:00:00ZZ",
                          "2027-11-30T12:00:00+1",
                          "2027-11-30T12:00:00+24:00",
                          "2027-11-30T12:00:00+01:60",
                          "2027-11-30T12:00:00+01:00x",
                          "2027-11-30T12:00:00UTC",
                          "2027-11-30x",
                          "2027-00-10",
                          "2027-13-10",
                          "2027-11-00",
                          "+2027-11-30",
                          "２０２７-11-30"}) {
    Result<int64_t> r = ParseUtcTime(bad, TimeSyntax::kIso8601, "t");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Errc::kInvalidArgument) << bad;
    }
  }
}

std::optional<int64_t> Rfc(std::string_view text) {
  Result<int64_t> r = ParseUtcTime(text, TimeSyntax::kRfc3339, "validTo");
  if (!r.ok()) return std::nullopt;
  return *r;
}

TEST(ParseUtcTimeRfc3339, ReadsAFullDateOrADateTimeWithSeconds) {
  constexpr int64_t kDay = 1827532800;  // 2027-11-30
  EXPECT_EQ(Rfc("2027-11-30"), kDay);
  EXPECT_EQ(Rfc("2027-11-30T00:00:00Z"), kDay);
  EXPECT_EQ(Rfc("2027-11-30t00:00:00z"), kDay);  // RFC 3339 §5.6 NOTE: either case
  EXPECT_EQ(Rfc("2027-11-30T00:00:00"), kDay);
  EXPECT_EQ(Rfc("2027-11-30T01:00:00.123+01:00"), kDay);
  EXPECT_EQ(Rfc("2027-11-29T23:00:00-01:00"), kDay);
  EXPECT_EQ(Rfc("2027-11-30T00:00:00.123456789Z"), kDay);
  EXPECT_EQ(Rfc("2028-02-29"), int64_t{1835395200});
}

TEST(ParseUtcTimeRfc3339, RefusesTheLenientIso8601Forms) {
  for (const char* bad : {"", "2027-11-31", "2027-13-01", "2027-11-30T24:00:00Z", "2027-11-30 ",
                          "2027-11-30T00:00Z", "2027-11-30T00:00", "2027-11-30T00:00:00+0100",
                          "2027-11-30T00:00:00+01", "2027-11-30T00:00:00.1234567890Z",
                          "2027-11-30T00:00:00.Z", "27-11-30", "2027-11-30T00:00:00+01:00 "}) {
    EXPECT_FALSE(Rfc(bad).has_value()) << bad;
  }
  // ISO 8601's reader takes the same lower-case letters as a malformed shape.
  EXPECT_FALSE(ParseUtcTime("2027-11-30t00:00:00", TimeSyntax::kIso8601, "t").ok());
  EXPECT_EQ(ParseUtcTime("2027-11-30T00:00", TimeSyntax::kRfc3339, "validTo").status().message(),
            "validTo is not an RFC 3339 date or date-time: \"2027-11-30T00:00\"");
}

// An offset that moves the instant out of 1970..2199 is refused like a date out of range.
TEST(ParseUtcTime, AnOffsetThatLeavesTheRangeIsRefused) {
  EXPECT_FALSE(ParseUtcTime("1970-01-01T00:00:00+00:01", TimeSyntax::kIso8601, "t").ok());
  EXPECT_EQ(ParseUtcTime("1970-01-01T00:00:00-00:01", TimeSyntax::kIso8601, "t").value(), 60);
  EXPECT_FALSE(ParseUtcTime("2199-12-31T23:59:59-00:01", TimeSyntax::kIso8601, "t").ok());
  EXPECT_EQ(ParseUtcTime("2199-12-31T23:59:59+00:01", TimeSyntax::kIso8601, "t").value(),
            kMaxEpochSeconds - 60);
}

}  // namespace
}  // namespace mp
