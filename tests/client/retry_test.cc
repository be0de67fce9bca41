// The pure pieces of TokenClient (src/client/token_client_internal.h): form encoding, HTTP-date
// and Retry-After parsing, backoff with full jitter, skew estimation, message sanitising.
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "client/token_client_internal.h"

namespace mp::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TimePoint At(int64_t unix_seconds) { return TimePoint(seconds(unix_seconds)); }

// 2025-06-01T00:00:00Z: a "now" for the RFC 850 century rule.
const TimePoint kNow2025 = At(1748736000);
// RFC 7231 §7.1.1.1 example: Sun, 06 Nov 1994 08:49:37 GMT.
constexpr int64_t kRfcExample = 784111777;

// ---- Form body ----

TEST(FormUrlEncode, KeepsUnreservedBytes) { EXPECT_EQ(FormUrlEncode("AZaz09-._~"), "AZaz09-._~"); }

TEST(FormUrlEncode, PercentEncodesEverythingElseInUpperCaseHex) {
  EXPECT_EQ(FormUrlEncode(":/?#[]@!$&'()*+,;= %"),
            "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%20%25");
  EXPECT_EQ(FormUrlEncode("\xC3\xB8\n"), "%C3%B8%0A");  // "ø" and a line break
  EXPECT_EQ(FormUrlEncode(std::string("a\0b", 3)), "a%00b");
}

TEST(TokenRequestBody, IsTheJwtBearerGrantWithTheAssertionEncoded) {
  EXPECT_EQ(TokenRequestBody("eyJh.eyJi.c2ln"),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
            "&assertion=eyJh.eyJi.c2ln");
  EXPECT_EQ(TokenRequestBody("a+b=c&d"),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
            "&assertion=a%2Bb%3Dc%26d");
}

// ---- HTTP-date ----

TEST(ParseHttpDate, ReadsImfFixdate) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", kNow2025), At(kRfcExample));
  EXPECT_EQ(ParseHttpDate("Tue, 14 Nov 2023 22:13:20 GMT", kNow2025), At(1700000000));
}

TEST(ParseHttpDate, ReadsRfc850Form) {
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", kNow2025), At(kRfcExample));
}

TEST(ParseHttpDate, ReadsAsctimeFormWithSpacePaddedDay) {
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994", kNow2025), At(kRfcExample));
  EXPECT_EQ(ParseHttpDate("Wed Nov 16 08:49:37 1994", kNow2025), At(kRfcExample + 10 * 86400));
}

TEST(ParseHttpDate, Rfc850YearMoreThanFiftyYearsAheadIsThePreviousCentury) {
  // From 2025: "45" is 2045 (20 years ahead), "80" would be 2080 (55 ahead) so it is 1980.
  EXPECT_EQ(ParseHttpDate("Sunday, 01-Jan-45 00:00:00 GMT", kNow2025), At(2366841600));
  EXPECT_EQ(ParseHttpDate("Tuesday, 01-Jan-80 00:00:00 GMT", kNow2025), At(315532800));
}

TEST(ParseHttpDate, ReadsLeapSecondAsFiftyNine) {
  EXPECT_EQ(ParseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT", kNow2025), At(1483228799));
}

TEST(ParseHttpDate, HandlesLeapYears) {
  EXPECT_EQ(ParseHttpDate("Thu, 29 Feb 2024 12:00:00 GMT", kNow2025), At(1709208000));
  EXPECT_EQ(ParseHttpDate("Thu, 29 Feb 2023 12:00:00 GMT", kNow2025), std::nullopt);
}

// Issue 14 (and token_client_fuzz): a four-digit year does not fit a nanosecond time_point; a Date or Retry-After
// outside 1970..2199 is no date (and was an overflow before it was checked).
TEST(ParseHttpDate, AcceptsExactly1970To2199) {
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT", kNow2025), At(0));
  EXPECT_EQ(ParseHttpDate("Wed, 31 Dec 1969 23:59:59 GMT", kNow2025), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Tue, 31 Dec 2199 23:59:59 GMT", kNow2025), At(7258118399));
  EXPECT_EQ(ParseHttpDate("Tue, 31 Dec 2199 23:59:60 GMT", kNow2025), At(7258118399));
  EXPECT_EQ(ParseHttpDate("Wed, 01 Jan 2200 00:00:00 GMT", kNow2025), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT", kNow2025), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Mon, 01 Jan 0001 00:00:00 GMT", kNow2025), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sat, 01 Jan 0000 00:00:00 GMT", kNow2025), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Fri Dec 31 23:59:59 9999", kNow2025), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", std::nullopt, kNow2025), std::nullopt);
}

class ParseHttpDateRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(ParseHttpDateRejects, MalformedDate) {
  EXPECT_EQ(ParseHttpDate(GetParam(), kNow2025), std::nullopt) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParseHttpDateRejects,
    ::testing::Values("", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 GMT ",
                      " Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
                      "sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
                      "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
                      "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
                      "Sun, 06 Nov 1994 08:49:61 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
                      "Sun 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
                      "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT",
                      "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", "1700000000",
                      "Sun, 06 Nov 1994 08:49:37 GMT\r\n", "Sun, 06 Nov 1994 08:49:37 +0000"));

// ---- Retry-After ----

TEST(ParseRetryAfter, ReadsDeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("120", std::nullopt, kNow2025), milliseconds(120000));
  EXPECT_EQ(ParseRetryAfter("0", std::nullopt, kNow2025), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter(" 5\t", std::nullopt, kNow2025), milliseconds(5000));
}

TEST(ParseRetryAfter, ClampsHugeDeltaSecondsWithoutOverflow) {
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999999", std::nullopt, kNow2025),
            milliseconds(86400 * 1000));
}

TEST(ParseRetryAfter, DeltaSecondsAroundTheInt64LimitsClampToADay) {
  for (const char* v :
       {"86400", "86401", "9223372036854775807", "9223372036854775808", "18446744073709551616"}) {
    EXPECT_EQ(ParseRetryAfter(v, std::nullopt, kNow2025), milliseconds(86400 * 1000)) << v;
  }
  EXPECT_EQ(ParseRetryAfter("86399", std::nullopt, kNow2025), milliseconds(86399 * 1000));
}

TEST(ParseRetryAfter, DateOutside1970To2199IsNoDate) {
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", std::nullopt, kNow2025), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Mon, 01 Jan 0001 00:00:00 GMT", std::nullopt, kNow2025), std::nullopt);
  // The latest date there is, from the earliest "now": a long wait, computed without overflow.
  EXPECT_EQ(ParseRetryAfter("Tue, 31 Dec 2199 23:59:59 GMT", At(0), kNow2025),
            milliseconds(int64_t{7258118399} * 1000));
}

TEST(ParseRetryAfter, ReadsHttpDateRelativeToTheResponseDate) {
  // The server's clock is 100 s ahead of ours: the wait is 12 s, not 112 s.
  const TimePoint server_now = At(1700000100);
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:15:12 GMT", server_now, At(1700000000)),
            milliseconds(12000));
}

TEST(ParseRetryAfter, ReadsHttpDateRelativeToTheLocalClockWithoutDate) {
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:50 GMT", std::nullopt, At(1700000000)),
            milliseconds(30000));
}

TEST(ParseRetryAfter, DateInThePastMeansNoWait) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", std::nullopt, At(1700000000)),
            milliseconds(0));
}

TEST(ParseRetryAfter, RejectsOtherForms) {
  for (const char* v : {"", " ", "-1", "1.5", "+3", "5s", "soon", "0x10"}) {
    EXPECT_EQ(ParseRetryAfter(v, std::nullopt, kNow2025), std::nullopt) << v;
  }
}

// ---- Backoff ----

TEST(BackoffCeiling, DoublesFromInitialUpToMax) {
  RetryPolicy p{.initial_backoff = milliseconds(200), .max_backoff = milliseconds(5000)};
  EXPECT_EQ(BackoffCeiling(p, 1), milliseconds(200));
  EXPECT_EQ(BackoffCeiling(p, 2), milliseconds(400));
  EXPECT_EQ(BackoffCeiling(p, 3), milliseconds(800));
  EXPECT_EQ(BackoffCeiling(p, 4), milliseconds(1600));
  EXPECT_EQ(BackoffCeiling(p, 5), milliseconds(3200));
  EXPECT_EQ(BackoffCeiling(p, 6), milliseconds(5000));
  EXPECT_EQ(BackoffCeiling(p, 7), milliseconds(5000));
}

TEST(BackoffCeiling, DoesNotOverflowForLargeAttemptsOrLimits) {
  RetryPolicy p{.initial_backoff = milliseconds(std::numeric_limits<int64_t>::max() / 3),
                .max_backoff = milliseconds(std::numeric_limits<int64_t>::max())};
  EXPECT_EQ(BackoffCeiling(p, 1000), milliseconds(std::numeric_limits<int64_t>::max()));
  RetryPolicy q{.initial_backoff = milliseconds(1), .max_backoff = milliseconds(60000)};
  EXPECT_EQ(BackoffCeiling(q, 1000000), milliseconds(60000));
}

TEST(BackoffCeiling, InitialAboveMaxIsCappedAtMax) {
  RetryPolicy p{.initial_backoff = milliseconds(9000), .max_backoff = milliseconds(5000)};
  EXPECT_EQ(BackoffCeiling(p, 1), milliseconds(5000));
}

TEST(RetryDelay, IsFullJitterOfTheCeiling) {
  RetryPolicy p{.initial_backoff = milliseconds(200), .max_backoff = milliseconds(5000)};
  EXPECT_EQ(RetryDelay(p, 1, 0.0, std::nullopt), milliseconds(0));
  EXPECT_EQ(RetryDelay(p, 1, 0.5, std::nullopt), milliseconds(100));
  EXPECT_EQ(RetryDelay(p, 3, 0.25, std::nullopt), milliseconds(200));
  EXPECT_EQ(RetryDelay(p, 3, 0.999, std::nullopt), milliseconds(799));
}

TEST(RetryDelay, StaysBelowTheCeilingForEveryRandomValue) {
  RetryPolicy p{.initial_backoff = milliseconds(200), .max_backoff = milliseconds(5000)};
  for (int attempt = 1; attempt <= 10; ++attempt) {
    const milliseconds ceiling = BackoffCeiling(p, attempt);
    for (double r : {0.0, 1e-9, 0.1, 0.5, 0.9, 0.999999999, std::nextafter(1.0, 0.0)}) {
      const milliseconds d = RetryDelay(p, attempt, r, std::nullopt);
      EXPECT_GE(d, milliseconds(0));
      EXPECT_LT(d, ceiling) << "attempt " << attempt << " r " << r;
    }
  }
}

TEST(RetryDelay, ClampsOutOfRangeRandomValues) {
  RetryPolicy p{.initial_backoff = milliseconds(1000), .max_backoff = milliseconds(1000)};
  EXPECT_EQ(RetryDelay(p, 1, -3.0, std::nullopt), milliseconds(0));
  EXPECT_EQ(RetryDelay(p, 1, std::nan(""), std::nullopt), milliseconds(0));
  EXPECT_LT(RetryDelay(p, 1, 1.0, std::nullopt), milliseconds(1000));
  EXPECT_LT(RetryDelay(p, 1, 7.0, std::nullopt), milliseconds(1000));
}

TEST(RetryDelay, RetryAfterIsAFloor) {
  RetryPolicy p{.initial_backoff = milliseconds(200), .max_backoff = milliseconds(5000)};
  EXPECT_EQ(RetryDelay(p, 1, 0.5, milliseconds(7000)), milliseconds(7000));
  // A shorter Retry-After does not shorten the backoff.
  EXPECT_EQ(RetryDelay(p, 6, 0.5, milliseconds(1000)), milliseconds(2500));
}

TEST(RetryDelay, RetryAfterIsCappedAtMaxRetryAfter) {
  RetryPolicy p{.initial_backoff = milliseconds(200),
                .max_backoff = milliseconds(5000),
                .max_retry_after = milliseconds(30000)};
  EXPECT_EQ(RetryDelay(p, 1, 0.0, milliseconds(3600000)), milliseconds(30000));
}

// ---- Skew ----

TEST(EstimateSkew, RoundsServerMinusLocalToWholeSeconds) {
  EXPECT_EQ(EstimateSkew(At(1000060), At(1000000)), seconds(60));
  EXPECT_EQ(EstimateSkew(At(1000000), At(1000060)), seconds(-60));
  EXPECT_EQ(EstimateSkew(At(1000060), At(1000000) + milliseconds(400)), seconds(60));
  EXPECT_EQ(EstimateSkew(At(1000060), At(1000000) + milliseconds(600)), seconds(59));
}

TEST(DecideSkew, AdoptsAnOffsetOfTwoSecondsOrMore) {
  SkewDecision d = DecideSkew(seconds(0), seconds(60), seconds(300));
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(d.skew, seconds(60));
  d = DecideSkew(seconds(0), seconds(-2), seconds(300));
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(d.skew, seconds(-2));
}

TEST(DecideSkew, TreatsLessThanTwoSecondsAsNoise) {
  SkewDecision d = DecideSkew(seconds(0), seconds(1), seconds(300));
  EXPECT_FALSE(d.changed);
  EXPECT_EQ(d.skew, seconds(0));
  // Jitter of a second around an adopted offset does not move it.
  d = DecideSkew(seconds(60), seconds(59), seconds(300));
  EXPECT_FALSE(d.changed);
  EXPECT_EQ(d.skew, seconds(60));
}

TEST(DecideSkew, ReturnsToZeroWhenTheClocksAgreeAgain) {
  SkewDecision d = DecideSkew(seconds(60), seconds(1), seconds(300));
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(d.skew, seconds(0));
  d = DecideSkew(seconds(2), seconds(0), seconds(300));
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(d.skew, seconds(0));
}

TEST(DecideSkew, IgnoresAnOffsetBeyondTheBound) {
  SkewDecision d = DecideSkew(seconds(10), seconds(301), seconds(300));
  EXPECT_TRUE(d.out_of_bounds);
  EXPECT_FALSE(d.changed);
  EXPECT_EQ(d.skew, seconds(10));
  d = DecideSkew(seconds(0), seconds(-301), seconds(300));
  EXPECT_TRUE(d.out_of_bounds);
  d = DecideSkew(seconds(0), seconds(300), seconds(300));
  EXPECT_FALSE(d.out_of_bounds);
  EXPECT_EQ(d.skew, seconds(300));
}

// ---- Messages ----

TEST(SanitizeForMessage, RedactsJwts) {
  const std::string jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
  EXPECT_EQ(SanitizeForMessage("token " + jwt + " refused", 200), "token eyJ...<redacted> refused");
  // Not a JWT (one dot): kept.
  EXPECT_EQ(SanitizeForMessage("eyJhbGc.x", 200), "eyJhbGc.x");
}

TEST(SanitizeForMessage, ReplacesControlCharactersAndTruncates) {
  EXPECT_EQ(SanitizeForMessage("a\nb\rc\x7f", 200), "a b c ");
  EXPECT_EQ(SanitizeForMessage("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace mp::internal
