#include "maskinporten/base64.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mp {
namespace {

std::string RandomBytesForTest(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(byte(rng));
  return s;
}

// RFC 4648 §10 test vectors.
struct Vector {
  const char* raw;
  const char* b64;
  const char* b64url;
};
constexpr Vector kRfc4648Vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
  for (const auto& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64UrlEncode(v.raw), v.b64url) << v.raw;
  }
}

TEST(Base64Url, DecodesRfc4648Vectors) {
  for (const auto& v : kRfc4648Vectors) {
    auto r = Base64UrlDecode(v.b64url);
    ASSERT_TRUE(r.ok()) << v.b64url << ": " << r.status().ToString();
    EXPECT_EQ(*r, v.raw);
  }
}

TEST(Base64Url, UsesDashAndUnderscoreForIndexes62And63) {
  EXPECT_EQ(Base64UrlEncode(std::string("\xfb\xff", 2)), "-_8");
  auto r = Base64UrlDecode("-_8");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::string("\xfb\xff", 2));
}

TEST(Base64Url, RejectsPaddingWithInvalidBase64) {
  for (const char* s : {"Zg==", "Zm8=", "Zg=", "=", "Zm9v===="}) {
    EXPECT_EQ(Base64UrlDecode(s).status().code(), Errc::kInvalidBase64) << s;
  }
}

TEST(Base64Url, RejectsStandardAlphabetCharacters) {
  EXPECT_EQ(Base64UrlDecode("+_8").status().code(), Errc::kInvalidBase64);
  EXPECT_EQ(Base64UrlDecode("-/8").status().code(), Errc::kInvalidBase64);
}

TEST(Base64Url, RejectsWhitespaceAnywhere) {
  for (const char* s : {" Zm9v", "Zm9v ", "Zm 9v", "Zm9v\n", "Zm\r\n9v", "\tZm9v"}) {
    EXPECT_EQ(Base64UrlDecode(s).status().code(), Errc::kInvalidBase64) << s;
  }
}

TEST(Base64Url, RejectsNulAndNonAsciiBytes) {
  EXPECT_EQ(Base64UrlDecode(std::string("Zm\0v", 4)).status().code(), Errc::kInvalidBase64);
  EXPECT_EQ(Base64UrlDecode("Zm\xc3\xa5v").status().code(), Errc::kInvalidBase64);
  EXPECT_EQ(Base64UrlDecode("Zm9.").status().code(), Errc::kInvalidBase64);
}

TEST(Base64Url, RejectsLengthFourNPlusOne) {
  for (const char* s : {"A", "Zm9vA", "Zm9vYmFyA"}) {
    auto r = Base64UrlDecode(s);
    EXPECT_EQ(r.status().code(), Errc::kInvalidBase64) << s;
  }
}

TEST(Base64Url, RejectsNonZeroTrailingBits) {
  // "Zg" is the only spelling of "f"; "Zh".."Zv" set some of the 4 unused bits.
  EXPECT_TRUE(Base64UrlDecode("Zg").ok());
  for (const char* s : {"Zh", "Zi", "Zj", "Zv", "Zx", "Z_"}) {
    EXPECT_EQ(Base64UrlDecode(s).status().code(), Errc::kInvalidBase64) << s;
  }
  // Two leftover bits after three characters: "Zm8" is canonical, "Zm9" is not.
  EXPECT_TRUE(Base64UrlDecode("Zm8").ok());
  EXPECT_EQ(Base64UrlDecode("Zm9").status().code(), Errc::kInvalidBase64);
}

TEST(Base64Url, AcceptsEveryCanonicalOneAndTwoByteEncoding) {
  for (int a = 0; a < 256; ++a) {
    std::string one(1, static_cast<char>(a));
    auto r1 = Base64UrlDecode(Base64UrlEncode(one));
    ASSERT_TRUE(r1.ok()) << a;
    EXPECT_EQ(*r1, one);
    for (int b = 0; b < 256; ++b) {
      std::string two = {static_cast<char>(a), static_cast<char>(b)};
      auto r2 = Base64UrlDecode(Base64UrlEncode(two));
      ASSERT_TRUE(r2.ok()) << a << "," << b;
      ASSERT_EQ(*r2, two);
    }
  }
}

TEST(Base64Url, AcceptsExactlyOneSpellingPerValueForTwoCharacters) {
  // Over all 64*64 two-character strings, exactly the 256 canonical ones decode.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int accepted = 0;
  for (char a : alphabet) {
    for (char b : alphabet) {
      std::string s = {a, b};
      auto r = Base64UrlDecode(s);
      if (r.ok()) {
        ++accepted;
        EXPECT_EQ(Base64UrlEncode(*r), s);
      }
    }
  }
  EXPECT_EQ(accepted, 256);
}

TEST(Base64Url, RoundTripsRandomBytesOfEveryLengthUpTo300) {
  std::mt19937 rng(4648);
  for (size_t n = 0; n <= 300; ++n) {
    std::string raw = RandomBytesForTest(rng, n);
    std::string enc = Base64UrlEncode(raw);
    EXPECT_EQ(enc.size(), (n * 4 + 2) / 3) << n;
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos) << n;
    auto dec = Base64UrlDecode(enc);
    ASSERT_TRUE(dec.ok()) << n << ": " << dec.status().ToString();
    EXPECT_EQ(*dec, raw) << n;
  }
}

TEST(Base64Url, ErrorMessageNamesTheOffset) {
  auto r = Base64UrlDecode("Zm9v*A");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("offset 4"), std::string::npos) << r.status().message();
  for (auto [text, offset] : {std::pair{"Zm9vYm*y", 6}, std::pair{"Zm9vY*", 5},
                              std::pair{"Zm9vYm.", 6}, std::pair{"*m9v", 0}}) {
    auto bad = Base64UrlDecode(text);
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.status().message().find("offset " + std::to_string(offset)), std::string::npos)
        << text << ": " << bad.status().message();
  }
}

TEST(Base64, EncodesRfc4648VectorsWithPadding) {
  for (const auto& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64Encode(v.raw), v.b64) << v.raw;
  }
}

TEST(Base64, DecodesRfc4648Vectors) {
  for (const auto& v : kRfc4648Vectors) {
    auto r = Base64Decode(v.b64);
    ASSERT_TRUE(r.ok()) << v.b64 << ": " << r.status().ToString();
    EXPECT_EQ(*r, v.raw);
  }
}

TEST(Base64, UsesPlusAndSlashAndRejectsUrlAlphabet) {
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff", 2)), "+/8=");
  auto r = Base64Decode("+/8=");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::string("\xfb\xff", 2));
  EXPECT_EQ(Base64Decode("-_8=").status().code(), Errc::kInvalidBase64);
}

TEST(Base64, RequiresPadding) {
  for (const char* s : {"Zg", "Zm8", "Zm9vYg", "Zm9vYmE", "Zg="}) {
    EXPECT_EQ(Base64Decode(s).status().code(), Errc::kInvalidBase64) << s;
  }
}

TEST(Base64, RejectsNonCanonicalPadding) {
  for (const char* s : {"Zm9v====", "Zm8==", "Zg===", "====", "Z===", "Zm=v", "=Zm9", "Zm8=Zm8="}) {
    EXPECT_EQ(Base64Decode(s).status().code(), Errc::kInvalidBase64) << s;
  }
}

TEST(Base64, RejectsNonZeroTrailingBits) {
  EXPECT_TRUE(Base64Decode("Zg==").ok());
  EXPECT_EQ(Base64Decode("Zh==").status().code(), Errc::kInvalidBase64);
  EXPECT_TRUE(Base64Decode("Zm8=").ok());
  EXPECT_EQ(Base64Decode("Zm9=").status().code(), Errc::kInvalidBase64);
}

TEST(Base64, RejectsWhitespaceAndLineBreaks) {
  for (const char* s : {"Zm9v\n", "Zm9v YmFy", "Zm9v\r\nYmFy", " Zm9v"}) {
    EXPECT_EQ(Base64Decode(s).status().code(), Errc::kInvalidBase64) << s;
  }
}

TEST(Base64, RoundTripsRandomBytesOfEveryLengthUpTo300) {
  std::mt19937 rng(4648 + 1);
  for (size_t n = 0; n <= 300; ++n) {
    std::string raw = RandomBytesForTest(rng, n);
    std::string enc = Base64Encode(raw);
    EXPECT_EQ(enc.size() % 4, 0u) << n;
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok()) << n << ": " << dec.status().ToString();
    EXPECT_EQ(*dec, raw) << n;
  }
}

TEST(Base64, StandardAndUrlEncodingsDifferOnlyInAlphabetAndPadding) {
  std::mt19937 rng(7);
  for (size_t n = 0; n < 64; ++n) {
    std::string raw = RandomBytesForTest(rng, n);
    std::string std_enc = Base64Encode(raw);
    std::string url = Base64UrlEncode(raw);
    while (!std_enc.empty() && std_enc.back() == '=') std_enc.pop_back();
    for (auto& c : std_enc) {
      if (c == '+') c = '-';
      if (c == '/') c = '_';
    }
    EXPECT_EQ(std_enc, url) << n;
  }
}

}  // namespace
}  // namespace mp

// The decoder reads four characters at a time through shifted tables: a bad character must be
// found, and named, at every position of a quad and in the tail.
TEST(Base64Url, FindsABadCharacterAtEveryOffset) {
  const std::string good = mp::Base64UrlEncode(std::string(40, '\x5a'));  // 54 characters
  for (size_t i = 0; i < good.size(); ++i) {
    for (char bad : {'+', '/', '=', ' ', '\0', '\x80', '\xff'}) {
      std::string text = good;
      text[i] = bad;
      mp::Result<std::string> r = mp::Base64UrlDecode(text);
      ASSERT_FALSE(r.ok()) << "offset " << i;
      EXPECT_EQ(r.status().code(), mp::Errc::kInvalidBase64);
      EXPECT_NE(r.status().message().find("offset " + std::to_string(i)), std::string::npos)
          << r.status().message();
    }
  }
}

// Long inputs go through the AVX2 path 32 characters at a time (where the CPU has it) and the
// rest through the scalar loop. Every byte value at every position of a 100-character input
// (three vector blocks and a scalar tail) must give what a plain reference decoder gives.
TEST(Base64Url, EveryByteAtEveryPositionAgreesWithAReferenceDecoder) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  auto reference = [](std::string_view text) -> std::optional<std::string> {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
      size_t v = kAlphabet.find(c);
      if (v == std::string_view::npos) return std::nullopt;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((acc >> bits) & 0xff));
      }
    }
    return out;
  };
  std::string good;
  for (int i = 0; i < 100; ++i) good.push_back(kAlphabet[(i * 37 + 11) % 64]);
  ASSERT_EQ(mp::Base64UrlDecode(good).value(), reference(good).value());
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (int b = 0; b < 256; ++b) {
      std::string text = good;
      text[pos] = static_cast<char>(b);
      std::optional<std::string> want = reference(text);
      mp::Result<std::string> got = mp::Base64UrlDecode(text);
      ASSERT_EQ(got.ok(), want.has_value()) << "offset " << pos << " byte " << b;
      if (got.ok()) {
        ASSERT_EQ(*got, *want) << "offset " << pos << " byte " << b;
      } else {
        ASSERT_NE(got.status().message().find("offset " + std::to_string(pos)), std::string::npos)
            << got.status().message();
      }
    }
  }
}
