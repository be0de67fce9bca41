// Private keys at rest: AES-256-GCM under the KEK, the kid as additional data.
#include "server/store/key_encryption.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "maskinporten/base64.h"

namespace mp::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kPem =
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
constexpr std::string_view kKid = "kid-1";

KeyEncryptionKey Kek(char fill) {
  Result<KeyEncryptionKey> kek = KeyEncryptionKey::FromBase64(Base64Encode(std::string(32, fill)));
  EXPECT_TRUE(kek.ok()) << kek.status().ToString();
  return *kek;
}

std::string Seal(const KeyEncryptionKey& kek, std::string_view kid = kKid) {
  Result<std::string> sealed = SealPrivateKey(kek, kid, kPem);
  EXPECT_TRUE(sealed.ok()) << sealed.status().ToString();
  return sealed.ok() ? *sealed : "";
}

TEST(KeyEncryption, SealedKeyOpensWithTheSameKekAndShowsNoPem) {
  KeyEncryptionKey kek = Kek('a');
  std::string sealed = Seal(kek);
  EXPECT_THAT(sealed, StartsWith("mp-kek-v1:"));
  EXPECT_THAT(sealed, Not(HasSubstr("PRIVATE KEY")));
  EXPECT_TRUE(IsSealedPrivateKey(sealed));
  EXPECT_NE(Seal(kek), sealed);  // a fresh nonce every time
  Result<SecretString> opened = OpenPrivateKey(kek, kKid, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->value(), kPem);
}

TEST(KeyEncryption, WithoutKekThePemIsStoredAndReadAsItIs) {
  Result<std::string> stored = SealPrivateKey(std::nullopt, kKid, kPem);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, kPem);
  EXPECT_FALSE(IsSealedPrivateKey(*stored));
  EXPECT_EQ(OpenPrivateKey(std::nullopt, kKid, *stored)->value(), kPem);
  // A key written before the KEK was set stays readable with it.
  EXPECT_EQ(OpenPrivateKey(Kek('a'), kKid, kPem)->value(), kPem);
}

TEST(KeyEncryption, WrongKekIsRefusedNamingTheKid) {
  std::string sealed = Seal(Kek('a'));
  Result<SecretString> opened = OpenPrivateKey(Kek('b'), kKid, sealed);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Errc::kWrongPassword);
  EXPECT_EQ(opened.status().message(),
            "stored private key kid-1 does not decrypt with this MASKINPORTEN_KEY_ENCRYPTION_KEY "
            "(another key, or the stored value was changed)");
}

TEST(KeyEncryption, SealedKeyUnderAnotherKidDoesNotOpen) {
  KeyEncryptionKey kek = Kek('a');
  Result<SecretString> opened = OpenPrivateKey(kek, "kid-2", Seal(kek, "kid-1"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Errc::kWrongPassword);
  EXPECT_THAT(opened.status().message(), HasSubstr("kid-2"));
}

TEST(KeyEncryption, EveryTamperedByteIsRefused) {
  KeyEncryptionKey kek = Kek('a');
  std::string sealed = Seal(kek);
  std::string raw = Base64Decode(sealed.substr(10)).value();
  for (size_t i = 0; i < raw.size(); ++i) {  // nonce, ciphertext and tag
    std::string flipped = raw;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    Result<SecretString> opened = OpenPrivateKey(kek, kKid, "mp-kek-v1:" + Base64Encode(flipped));
    ASSERT_FALSE(opened.ok()) << "byte " << i;
    EXPECT_EQ(opened.status().code(), Errc::kWrongPassword) << "byte " << i;
  }
  Result<SecretString> truncated =
      OpenPrivateKey(kek, kKid, "mp-kek-v1:" + Base64Encode(raw.substr(0, raw.size() - 1)));
  EXPECT_EQ(truncated.status().code(), Errc::kWrongPassword);
}

TEST(KeyEncryption, SealedKeyWithoutKekOrMalformedIsRefusedNamingTheKid) {
  Result<SecretString> no_kek = OpenPrivateKey(std::nullopt, kKid, Seal(Kek('a')));
  ASSERT_FALSE(no_kek.ok());
  EXPECT_EQ(no_kek.status().code(), Errc::kInvalidKey);
  EXPECT_EQ(no_kek.status().message(),
            "stored private key kid-1 is encrypted at rest; set MASKINPORTEN_KEY_ENCRYPTION_KEY to "
            "the key it was written with");
  for (const std::string& bad : std::vector<std::string>{"mp-kek-v1:", "mp-kek-v1:!!!!",
                                                         "mp-kek-v1:" + Base64Encode("short")}) {
    Result<SecretString> opened = OpenPrivateKey(Kek('a'), kKid, bad);
    ASSERT_FALSE(opened.ok()) << bad;
    EXPECT_EQ(opened.status().code(), Errc::kInvalidKey) << bad;
    EXPECT_EQ(opened.status().message(), "stored private key kid-1 is encrypted but malformed");
  }
}

TEST(KeyEncryption, KekMustBeBase64Of32BytesAndIsNeverEchoed) {
  EXPECT_TRUE(KeyEncryptionKey::FromBase64(" " + Base64Encode(std::string(32, 'x')) + "\n").ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not base64 at all!", "is not standard base64"},
      {Base64Encode(std::string(16, 'x')), "decodes to 16 bytes; AES-256 needs 32"},
      {Base64Encode(std::string(33, 'x')), "decodes to 33 bytes"},
      {Base64UrlEncode(std::string(32, '\xff')), "is not standard base64"},
      {"", "decodes to 0 bytes"},
  };
  for (const auto& [text, expected] : cases) {
    Result<KeyEncryptionKey> kek = KeyEncryptionKey::FromBase64(text);
    ASSERT_FALSE(kek.ok()) << text;
    EXPECT_EQ(kek.status().code(), Errc::kInvalidArgument);
    EXPECT_THAT(kek.status().message(), StartsWith("MASKINPORTEN_KEY_ENCRYPTION_KEY "));
    EXPECT_THAT(kek.status().message(), HasSubstr(expected));
    if (!text.empty()) {
      EXPECT_THAT(kek.status().message(), Not(HasSubstr(text)));
    }
  }
}

}  // namespace
}  // namespace mp::server
