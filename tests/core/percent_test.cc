#include "core/percent.h"

#include <gtest/gtest.h>

namespace mp {
namespace {

TEST(PercentEncode, KeepsOnlyTheUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b+c/d:e?&=%"), "a%20b%2Bc%2Fd%3Ae%3F%26%3D%25");
  EXPECT_EQ(PercentEncode(std::string("\0\xff\x7f", 3)), "%00%FF%7F");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(PercentEncode, EveryByteOutsideUnreservedIsEscaped) {
  for (int c = 0; c < 256; ++c) {
    std::string one(1, static_cast<char>(c));
    std::string enc = PercentEncode(one);
    EXPECT_EQ(enc.size(), IsUrlUnreserved(static_cast<unsigned char>(c)) ? 1u : 3u) << c;
  }
}

}  // namespace
}  // namespace mp
