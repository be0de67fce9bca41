#include "core/checked.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mp {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(CheckedAdd, AddsInRangeAndRefusesOverflowNamingTheValue) {
  EXPECT_EQ(CheckedAdd(1, 2, "x").value(), 3);
  EXPECT_EQ(CheckedAdd(kMax, 0, "x").value(), kMax);
  EXPECT_EQ(CheckedAdd(kMin, kMax, "x").value(), -1);
  Result<int64_t> r = CheckedAdd(kMax, 1, "exp + skew");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kLimitExceeded);
  EXPECT_EQ(r.status().message(),
            "exp + skew overflows: 9223372036854775807 + 1 is outside the 64-bit range");
  EXPECT_FALSE(CheckedAdd(kMin, -1, "x").ok());
}

TEST(CheckedSub, SubtractsInRangeAndRefusesOverflow) {
  EXPECT_EQ(CheckedSub(10, 3, "x").value(), 7);
  EXPECT_EQ(CheckedSub(kMin, kMin, "x").value(), 0);
  // The attack grant of issue 14: exp = INT64_MAX, iat = -2^62.
  EXPECT_FALSE(CheckedSub(kMax, -4611686018427387904, "exp - iat").ok());
  EXPECT_FALSE(CheckedSub(1700000000, kMin, "exp - iat").ok());
  EXPECT_FALSE(CheckedSub(kMin, 1, "x").ok());
}

TEST(Saturating, ClampsAtTheLimits) {
  EXPECT_EQ(SaturatingAdd(kMax, 10), kMax);
  EXPECT_EQ(SaturatingAdd(kMin, -10), kMin);
  EXPECT_EQ(SaturatingAdd(5, -10), -5);
  EXPECT_EQ(SaturatingSub(kMin, 1), kMin);
  EXPECT_EQ(SaturatingSub(kMax, -1), kMax);
  EXPECT_EQ(SaturatingSub(5, 10), -5);
}

TEST(EpochSeconds, AcceptsExactly1970To2199) {
  EXPECT_EQ(EpochSeconds(0, "iat").value(), 0);
  EXPECT_EQ(EpochSeconds(kMaxEpochSeconds, "iat").value(), kMaxEpochSeconds);
  EXPECT_FALSE(EpochSeconds(-1, "iat").ok());
  EXPECT_FALSE(EpochSeconds(kMaxEpochSeconds + 1, "iat").ok());
  EXPECT_FALSE(EpochSeconds(kMin, "iat").ok());
  Result<int64_t> r = EpochSeconds(kMax, "claim exp");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "claim exp 9223372036854775807 is outside 1970..2199 (epoch seconds 0..7258118399)");
}

TEST(EpochSeconds, ReportsTheErrorCodeTheCallerNames) {
  EXPECT_EQ(EpochSeconds(-1, "iat").status().code(), Errc::kLimitExceeded);
  EXPECT_EQ(EpochSeconds(-1, "claim iat", Errc::kInvalidClaim).status().code(),
            Errc::kInvalidClaim);
  EXPECT_EQ(EpochSecondsFromDouble(-0.5, "x", Errc::kInvalidClaim).status().code(),
            Errc::kInvalidClaim);
  EXPECT_EQ(
      EpochSecondsFromUnsigned(18446744073709551615u, "x", Errc::kInvalidArgument).status().code(),
      Errc::kInvalidArgument);
}

TEST(EpochSeconds, FromDoubleFloorsFractionsAndRefusesNonFinite) {
  EXPECT_EQ(EpochSecondsFromDouble(1700000000.9, "iat").value(), 1700000000);
  EXPECT_EQ(EpochSecondsFromDouble(0.5, "iat").value(), 0);
  EXPECT_FALSE(EpochSecondsFromDouble(-0.5, "iat").ok());
  EXPECT_EQ(EpochSecondsFromDouble(7258118399.5, "iat").value(), kMaxEpochSeconds);
  EXPECT_FALSE(EpochSecondsFromDouble(7258118400.0, "iat").ok());
  EXPECT_FALSE(EpochSecondsFromDouble(1e300, "iat").ok());
  EXPECT_FALSE(EpochSecondsFromDouble(-1e300, "iat").ok());
  EXPECT_FALSE(EpochSecondsFromDouble(std::nan(""), "iat").ok());
  EXPECT_FALSE(EpochSecondsFromDouble(INFINITY, "iat").ok());
}

TEST(EpochSeconds, FromUnsignedRefusesAboveTheRange) {
  EXPECT_EQ(EpochSecondsFromUnsigned(1700000000u, "x").value(), 1700000000);
  EXPECT_FALSE(EpochSecondsFromUnsigned(18446744073709551615u, "x").ok());
  EXPECT_FALSE(EpochSecondsFromUnsigned(static_cast<uint64_t>(kMaxEpochSeconds) + 1, "x").ok());
}

TEST(Seconds, FromDoubleAndUnsignedKeepAnyInt64ButRefuseWhatCannotBeOne) {
  EXPECT_EQ(SecondsFromDouble(-1.5, "exp").value(), -2);
  EXPECT_EQ(SecondsFromDouble(1700000000000.0, "iat").value(), 1700000000000);  // milliseconds
  EXPECT_EQ(SecondsFromDouble(9007199254740992.0, "iat").value(), 9007199254740992);
  EXPECT_FALSE(SecondsFromDouble(9007199254740994.0, "iat").ok());
  EXPECT_FALSE(SecondsFromDouble(-1e300, "iat").ok());
  EXPECT_FALSE(SecondsFromDouble(std::nan(""), "iat").ok());
  EXPECT_EQ(SecondsFromUnsigned(9223372036854775807u, "exp").value(), kMax);
  Result<int64_t> r = SecondsFromUnsigned(9223372036854775808u, "exp");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "exp 9223372036854775808 is outside the 64-bit range");
}

}  // namespace
}  // namespace mp
