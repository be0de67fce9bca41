#include "core/strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace mp {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(IsDigits, TrueOnlyForNonEmptyAsciiDigits) {
  EXPECT_TRUE(IsDigits("0"));
  EXPECT_TRUE(IsDigits("0123456789"));
  EXPECT_FALSE(IsDigits(""));
  EXPECT_FALSE(IsDigits("12a"));
  EXPECT_FALSE(IsDigits(" 12"));
  EXPECT_FALSE(IsDigits("-1"));
  EXPECT_FALSE(IsDigits("\xd9\xa1"));  // ARABIC-INDIC DIGIT ONE is no ASCII digit
  EXPECT_FALSE(IsDigits(std::string_view("1\0", 2)));
}

TEST(AsciiLower, MapsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-Type: ABC xyz 09"), "content-type: abc xyz 09");
  EXPECT_EQ(AsciiLower("\xc3\x85"), "\xc3\x85");  // Å stays: bytes above 0x7f are not letters
  EXPECT_EQ(AsciiLower('@'), '@');
  EXPECT_EQ(AsciiLower('['), '[');
  EXPECT_EQ(AsciiLower('A'), 'a');
  EXPECT_EQ(AsciiLower('Z'), 'z');
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(EqualsIgnoreAsciiCase, ComparesLettersWithoutCase) {
  EXPECT_TRUE(EqualsIgnoreAsciiCase("Bearer", "bEARER"));
  EXPECT_TRUE(EqualsIgnoreAsciiCase("", ""));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("bearer", "bearer "));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("@", "`"));  // 0x40 and 0x60 differ by the case bit only
  EXPECT_FALSE(EqualsIgnoreAsciiCase("[", "{"));
}

TEST(SplitAsciiWhitespace, SplitsOnSpaceTabCrAndLf) {
  EXPECT_THAT(SplitAsciiWhitespace("  a  b\tc\r\nd "), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(SplitAsciiWhitespace("one"), ElementsAre("one"));
  EXPECT_THAT(SplitAsciiWhitespace("a\vb\fc"), ElementsAre("a\vb\fc"));  // only the four
  EXPECT_THAT(SplitAsciiWhitespace(""), IsEmpty());
  EXPECT_THAT(SplitAsciiWhitespace(" \t\r\n"), IsEmpty());
}

TEST(HasControlCharacter, FindsC0AndDel) {
  EXPECT_FALSE(HasControlCharacter("plain text ~"));
  EXPECT_FALSE(HasControlCharacter("\xc3\xa5"));
  EXPECT_TRUE(HasControlCharacter("a\tb"));
  EXPECT_TRUE(HasControlCharacter("a\x7f"));
  EXPECT_TRUE(HasControlCharacter(std::string_view("\0", 1)));
  EXPECT_TRUE(HasControlCharacter("\x1f"));
}

TEST(IsValidUtf8, AcceptsWellFormedAndRefusesEveryRfc3629Violation) {
  for (const char* ok : {"", "ascii", "\xc3\xa5", "\xe2\x82\xac", "\xf0\x9f\x94\x91",
                         "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf", "\xc2\x80"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
  for (const char* bad : {
           "\x80",              // a lone continuation byte
           "\xc3",              // truncated
           "\xc0\xaf",          // overlong '/'
           "\xc1\xbf",          // overlong
           "\xe0\x9f\xbf",      // overlong 3-byte
           "\xed\xa0\x80",      // surrogate U+D800
           "\xf0\x8f\xbf\xbf",  // overlong 4-byte
           "\xf4\x90\x80\x80",  // above U+10FFFF
           "\xf5\x80\x80\x80",  // never a lead byte
           "\xe2\x82",          // truncated 3-byte
           "\xe2\x28\xa1",      // bad continuation
       }) {
    EXPECT_FALSE(IsValidUtf8(bad)) << ::testing::PrintToString(std::string(bad));
  }
}

TEST(IsUuid, AcceptsTheDashedFormInEitherCase) {
  EXPECT_TRUE(IsUuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(IsUuid("123E4567-E89B-12D3-A456-426614174000"));
  EXPECT_FALSE(IsUuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-4266141740000"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456_426614174000"));
  EXPECT_FALSE(IsUuid("g23e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(IsUuid(""));
}

TEST(Quote, WritesAJsonString) {
  EXPECT_EQ(Quote("abc"), "\"abc\"");
  EXPECT_EQ(Quote(""), "\"\"");
  EXPECT_EQ(Quote("\xc3\xa5"), "\"\xc3\xa5\"");  // valid UTF-8 passes through
}

TEST(Quote, EscapesWhatCouldForgeAMessageOrALogLine) {
  EXPECT_EQ(Quote("a\"b"), R"("a\"b")");
  EXPECT_EQ(Quote("a\\b"), R"("a\\b")");
  EXPECT_EQ(Quote("line\nforged: yes"), R"("line\nforged: yes")");
  EXPECT_EQ(Quote("\r\t\b\f"), R"("\r\t\b\f")");
  EXPECT_EQ(Quote(std::string_view("\0\x1f", 2)), R"("\u0000\u001f")");
}

TEST(Quote, ReplacesInvalidUtf8) {
  EXPECT_EQ(Quote("a\xff"
                  "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(Quote("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

TEST(Quote, CutsLongTextWithAnEllipsis) {
  EXPECT_EQ(Quote("abcdef", 6), "\"abcdef\"");
  EXPECT_EQ(Quote("abcdef", 3), "\"abc...\"");
  EXPECT_EQ(Quote("abcdef", 0), "\"...\"");
  EXPECT_EQ(Quote(std::string(300, 'x')), "\"" + std::string(100, 'x') + "...\"");
  // Escapes count after the cut: the limit is on the input.
  EXPECT_EQ(Quote("\"\"\"\"", 2), R"("\"\"...")");
}

TEST(Quote, NeverCutsInsideAUtf8Sequence) {
  // "aå€" is 61 c3 a5 e2 82 ac: a cut at 2, 4 or 5 backs off to the character's first byte.
  EXPECT_EQ(Quote("a\xc3\xa5\xe2\x82\xac", 2), "\"a...\"");
  EXPECT_EQ(Quote("a\xc3\xa5\xe2\x82\xac", 3), "\"a\xc3\xa5...\"");
  EXPECT_EQ(Quote("a\xc3\xa5\xe2\x82\xac", 4), "\"a\xc3\xa5...\"");
  EXPECT_EQ(Quote("a\xc3\xa5\xe2\x82\xac", 5), "\"a\xc3\xa5...\"");
  // Not UTF-8 to begin with: cut where asked, and what is invalid is replaced.
  EXPECT_EQ(Quote("\x80\x80\x80\x80\x80\x80", 4),
            "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd...\"");
}

}  // namespace
}  // namespace mp
