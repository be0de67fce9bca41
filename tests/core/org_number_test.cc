#include "maskinporten/org_number.h"

#include <gtest/gtest.h>

namespace mp {
namespace {

TEST(OrgNumber, AcceptsValidNumbers) {
  for (const char* s : {"910753614", "991825827", "314240979", "889640782", "974760673"}) {
    auto org = OrgNumber::Parse(s);
    ASSERT_TRUE(org.ok()) << s << ": " << org.status().ToString();
    EXPECT_EQ(org->digits(), s);
    EXPECT_EQ(org->Iso6523(), std::string("0192:") + s);
  }
}

TEST(OrgNumber, RejectsWrongCheckDigitWithInvalidOrgNumber) {
  auto org = OrgNumber::Parse("910753615");
  ASSERT_FALSE(org.ok());
  EXPECT_EQ(org.status().code(), Errc::kInvalidOrgNumber);
  EXPECT_NE(org.status().message().find("mod-11"), std::string::npos);
}

TEST(OrgNumber, RejectsWrongLengthAndNonDigits) {
  for (const char* s : {"", "91075361", "9107536140", "91075361a", " 910753614", "-10753614"}) {
    EXPECT_EQ(OrgNumber::Parse(s).status().code(), Errc::kInvalidOrgNumber) << s;
  }
}

TEST(OrgNumber, NoCheckDigitWhenRemainderIsOne) {
  // Weighted sum 1 mod 11: "00000005" -> 5*2 = 10 -> remainder 10 -> check 1; find a rem-1 case.
  // "10000000": 1*3 = 3 -> check 8. "00000060": 6*3=18 -> rem 7 -> check 4.
  // "00000000" -> rem 0 -> check 0.
  EXPECT_EQ(OrgNumber::CheckDigit("00000000"), 0);
  EXPECT_EQ(OrgNumber::CheckDigit("10000000"), 8);
  // 4*3 = 12 -> remainder 1: no valid check digit exists.
  EXPECT_EQ(OrgNumber::CheckDigit("00000040"), -1);
  for (char d = '0'; d <= '9'; ++d) {
    EXPECT_FALSE(OrgNumber::Parse(std::string("00000040") + d).ok());
  }
}

TEST(OrgNumber, ParsesIso6523Form) {
  auto org = OrgNumber::ParseIso6523("0192:910753614");
  ASSERT_TRUE(org.ok());
  EXPECT_EQ(org->digits(), "910753614");
  EXPECT_EQ(OrgNumber::ParseIso6523("0193:910753614").status().code(), Errc::kInvalidOrgNumber);
  EXPECT_EQ(OrgNumber::ParseIso6523("910753614").status().code(), Errc::kInvalidOrgNumber);
}

}  // namespace
}  // namespace mp
