#include "core/random.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "maskinporten/base64.h"

namespace mp {
namespace {

TEST(RandomBytes, ReturnsExactlyTheRequestedLength) {
  for (size_t n : {0, 1, 2, 16, 32, 33, 1000}) {
    EXPECT_EQ(RandomBytes(n).size(), n);
  }
}

TEST(RandomBytes, CoversEveryByteValue) {
  // 65536 bytes miss one of 256 values with probability ~256 * e^-256: never.
  std::string bytes = RandomBytes(1 << 16);
  std::set<unsigned char> values(bytes.begin(), bytes.end());
  EXPECT_EQ(values.size(), 256u);
}

TEST(RandomBytes, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(RandomBytes(16)).second);
}

TEST(RandomBase64Url, HasTheEncodedLengthAndDecodes) {
  EXPECT_EQ(RandomBase64Url(16).size(), 22u);  // a jti
  EXPECT_EQ(RandomBase64Url(32).size(), 43u);  // Maskinporten's access-token jti
  EXPECT_EQ(RandomBase64Url(0), "");
  for (int i = 0; i < 100; ++i) {
    std::string s = RandomBase64Url(32);
    auto raw = Base64UrlDecode(s);
    ASSERT_TRUE(raw.ok()) << s;
    EXPECT_EQ(raw->size(), 32u);
  }
}

TEST(RandomBase64Url, IsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(RandomBase64Url(16)).second);
}

TEST(RandomHex, IsLowercaseHexOfTwiceTheLength) {
  const std::regex hex("^[0-9a-f]*$");
  for (size_t n : {0, 1, 8, 20}) {
    std::string s = RandomHex(n);
    EXPECT_EQ(s.size(), 2 * n);
    EXPECT_TRUE(std::regex_match(s, hex)) << s;
  }
}

TEST(RandomUuid, IsVersion4WithTheRfc4122Variant) {
  const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<char> variants;
  for (int i = 0; i < 200; ++i) {
    std::string u = RandomUuid();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_TRUE(std::regex_match(u, v4)) << u;
    variants.insert(u[19]);
  }
  // The two free variant bits do vary.
  EXPECT_GT(variants.size(), 1u);
}

TEST(RandomUuid, IsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(RandomUuid()).second);
}

TEST(SecureWipe, ZeroesTheBufferAndEmptiesTheString) {
  std::string secret(200, 'S');  // heap allocated, beyond the small-string buffer
  const char* buffer = secret.data();
  const size_t old_size = secret.size();
  SecureWipe(secret);
  EXPECT_TRUE(secret.empty());
  // clear() keeps the allocation, so the old bytes are still there to inspect.
  ASSERT_EQ(secret.data(), buffer);
  ASSERT_GE(secret.capacity(), old_size);
  for (size_t i = 0; i < old_size; ++i) ASSERT_EQ(buffer[i], '\0') << "byte " << i;
}

TEST(SecureWipe, AcceptsAnEmptyString) {
  std::string empty;
  SecureWipe(empty);
  EXPECT_TRUE(empty.empty());
}

TEST(SecretString, HoldsTheValueAndMovesOut) {
  SecretString a(std::string("hunter2"));
  EXPECT_EQ(a.value(), "hunter2");
  EXPECT_FALSE(a.empty());
  SecretString b(std::move(a));
  EXPECT_EQ(b.value(), "hunter2");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined as empty
  SecretString c;
  c = std::move(b);
  EXPECT_EQ(c.value(), "hunter2");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace mp
