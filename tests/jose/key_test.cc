#include "maskinporten/key.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "core/openssl.h"
#include "jose/key_internal.h"

namespace mp {
namespace {

using internal::KeyAccess;
using namespace std::string_literals;

// Test-only encoder: the key in a given output form and structure ("type-specific" gives the
// traditional "RSA PRIVATE KEY" / "EC PRIVATE KEY" / "RSA PUBLIC KEY" forms).
std::string Encode(EVP_PKEY* pkey, int selection, const char* output, const char* structure,
                   const char* cipher = nullptr, const std::string& password = "") {
  std::unique_ptr<OSSL_ENCODER_CTX, OpenSslDeleter<OSSL_ENCODER_CTX_free>> ctx(
      OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, output, structure, nullptr));
  if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0) return "";
  if (cipher != nullptr) {
    OSSL_ENCODER_CTX_set_cipher(ctx.get(), cipher, nullptr);
    OSSL_ENCODER_CTX_set_passphrase(
        ctx.get(), reinterpret_cast<const unsigned char*>(password.data()), password.size());
  }
  unsigned char* data = nullptr;
  size_t len = 0;
  if (OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) return "";
  std::string out(reinterpret_cast<char*>(data), len);
  OPENSSL_free(data);
  return out;
}

EvpPkeyPtr RawKeygen(const char* type, size_t rsa_bits, const char* curve = nullptr) {
  if (curve != nullptr) return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve));
  if (rsa_bits == 0) return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, type, rsa_bits));
}

const PrivateKey& Rsa2048() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kRS256).value();
  return key;
}
const PrivateKey& P256() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kES256).value();
  return key;
}
const PrivateKey& P384() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kES384).value();
  return key;
}

TEST(Algorithm, NamesRoundTripForAllEight) {
  ASSERT_EQ(AllAlgorithms().size(), 8u);
  for (Algorithm alg : AllAlgorithms()) {
    Result<Algorithm> parsed = ParseAlgorithm(AlgorithmName(alg));
    ASSERT_TRUE(parsed.ok()) << AlgorithmName(alg);
    EXPECT_EQ(*parsed, alg);
  }
  EXPECT_EQ(AlgorithmName(Algorithm::kPS384), "PS384");
}

TEST(Algorithm, NoneHmacAndUnknownAreUnsupported) {
  for (const char* name : {"none", "HS256", "ES512", "EdDSA", "rs256", "RS256 ", ""}) {
    Result<Algorithm> parsed = ParseAlgorithm(name);
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.status().code(), Errc::kUnsupportedAlgorithm) << name;
  }
}

TEST(PrivateKeyGenerate, MakesRsa2048ByDefault) {
  const PrivateKey& key = Rsa2048();
  EXPECT_EQ(key.type(), KeyType::kRsa);
  EXPECT_EQ(key.bits(), 2048);
  EXPECT_EQ(key.DefaultAlgorithm(), Algorithm::kRS256);
  EXPECT_EQ(key.public_key().curve(), "");
}

TEST(PrivateKeyGenerate, MakesRsa3072And4096) {
  for (int bits : {3072, 4096}) {
    Result<PrivateKey> key = PrivateKey::Generate(Algorithm::kPS256, bits);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(key->bits(), bits);
  }
}

TEST(PrivateKeyGenerate, RefusesOtherRsaSizesWithInvalidArgument) {
  for (int bits : {1024, 2047, 2049, 8192, -1}) {
    Result<PrivateKey> key = PrivateKey::Generate(Algorithm::kRS256, bits);
    ASSERT_FALSE(key.ok()) << bits;
    EXPECT_EQ(key.status().code(), Errc::kInvalidArgument);
    EXPECT_NE(key.status().message().find(std::to_string(bits)), std::string::npos);
  }
}

TEST(PrivateKeyGenerate, MakesEcKeysOnTheAlgorithmsCurve) {
  EXPECT_EQ(P256().type(), KeyType::kEc);
  EXPECT_EQ(P256().bits(), 256);
  EXPECT_EQ(P256().public_key().curve(), "P-256");
  EXPECT_EQ(P256().DefaultAlgorithm(), Algorithm::kES256);
  EXPECT_EQ(P384().bits(), 384);
  EXPECT_EQ(P384().public_key().curve(), "P-384");
  EXPECT_EQ(P384().DefaultAlgorithm(), Algorithm::kES384);
}

TEST(KeyCheckAlgorithm, RsaFitsRsAndPsOnly) {
  for (Algorithm alg : AllAlgorithms()) {
    Status s = Rsa2048().CheckAlgorithm(alg);
    bool is_ec = alg == Algorithm::kES256 || alg == Algorithm::kES384;
    EXPECT_EQ(s.ok(), !is_ec) << AlgorithmName(alg);
    if (is_ec) {
      EXPECT_EQ(s.code(), Errc::kKeyAlgorithmMismatch);
    }
  }
}

TEST(KeyCheckAlgorithm, EcFitsOnlyItsCurve) {
  EXPECT_TRUE(P256().CheckAlgorithm(Algorithm::kES256).ok());
  EXPECT_EQ(P256().CheckAlgorithm(Algorithm::kES384).code(), Errc::kKeyAlgorithmMismatch);
  EXPECT_EQ(P256().public_key().CheckAlgorithm(Algorithm::kRS256).code(),
            Errc::kKeyAlgorithmMismatch);
  EXPECT_TRUE(P384().public_key().CheckAlgorithm(Algorithm::kES384).ok());
  Status s = P384().CheckAlgorithm(Algorithm::kES256);
  EXPECT_EQ(s.code(), Errc::kKeyAlgorithmMismatch);
  EXPECT_NE(s.message().find("P-384"), std::string::npos) << s.message();
}

TEST(PrivateKeyPem, Pkcs8RoundTripsForRsaAndEc) {
  for (const PrivateKey* key : {&Rsa2048(), &P256(), &P384()}) {
    std::string pem = key->ToPkcs8Pem();
    ASSERT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    Result<PrivateKey> back = PrivateKey::FromPem(pem);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(back->public_key() == key->public_key());
  }
}

TEST(PrivateKeyPem, LoadsTraditionalRsaPrivateKey) {
  std::string pem = Encode(KeyAccess::Evp(Rsa2048()), EVP_PKEY_KEYPAIR, "PEM", "type-specific");
  ASSERT_NE(pem.find("-----BEGIN RSA PRIVATE KEY-----"), std::string::npos) << pem;
  Result<PrivateKey> key = PrivateKey::FromPem(pem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(key->public_key() == Rsa2048().public_key());
}

TEST(PrivateKeyPem, LoadsTraditionalEcPrivateKey) {
  std::string pem = Encode(KeyAccess::Evp(P384()), EVP_PKEY_KEYPAIR, "PEM", "type-specific");
  ASSERT_NE(pem.find("-----BEGIN EC PRIVATE KEY-----"), std::string::npos) << pem;
  Result<PrivateKey> key = PrivateKey::FromPem(pem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(key->public_key() == P384().public_key());
}

TEST(PrivateKeyPem, SkipsOtherBlocksLikeOpensslEcparamOutput) {
  // `openssl ecparam -genkey` writes an "EC PARAMETERS" block before the key.
  EVP_PKEY* pkey = KeyAccess::Evp(P256());
  std::string params = Encode(pkey, EVP_PKEY_KEY_PARAMETERS, "PEM", "type-specific");
  ASSERT_NE(params.find("-----BEGIN EC PARAMETERS-----"), std::string::npos) << params;
  std::string pem = params + Encode(pkey, EVP_PKEY_KEYPAIR, "PEM", "type-specific");
  Result<PrivateKey> key = PrivateKey::FromPem(pem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(key->public_key() == P256().public_key());
  Result<PublicKey> pub = PublicKey::FromPem(params + P256().public_key().ToPem());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  Status only_params = PublicKey::FromPem(params).status();
  EXPECT_EQ(only_params.code(), Errc::kInvalidKey);
  EXPECT_NE(only_params.message().find("EC PARAMETERS"), std::string::npos);
}

TEST(PrivateKeyPem, EncryptedPkcs8LoadsWithTheRightPassword) {
  Result<std::string> pem = P256().ToEncryptedPkcs8Pem("correct horse");
  ASSERT_TRUE(pem.ok()) << pem.status().ToString();
  ASSERT_NE(pem->find("-----BEGIN ENCRYPTED PRIVATE KEY-----"), std::string::npos);
  Result<PrivateKey> key = PrivateKey::FromPem(*pem, "correct horse");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(key->public_key() == P256().public_key());
}

TEST(PrivateKeyPem, EncryptedPkcs8WithWrongPasswordIsWrongPassword) {
  Result<std::string> pem = Rsa2048().ToEncryptedPkcs8Pem("correct horse");
  ASSERT_TRUE(pem.ok());
  Result<PrivateKey> key = PrivateKey::FromPem(*pem, "battery staple");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Errc::kWrongPassword);
  EXPECT_EQ(key.status().message().find("battery"), std::string::npos) << "password leaked";
}

TEST(PrivateKeyPem, EncryptedPkcs8WithoutPasswordIsWrongPasswordWithClearMessage) {
  Result<std::string> pem = P256().ToEncryptedPkcs8Pem("pw");
  ASSERT_TRUE(pem.ok());
  Result<PrivateKey> key = PrivateKey::FromPem(*pem);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Errc::kWrongPassword);
  EXPECT_NE(key.status().message().find("password is needed"), std::string::npos);
}

TEST(PrivateKeyPem, LegacyEncryptedTraditionalPemNeedsTheRightPassword) {
  std::string pem = Encode(KeyAccess::Evp(Rsa2048()), EVP_PKEY_KEYPAIR, "PEM", "type-specific",
                           "AES-256-CBC", "legacy-pw");
  ASSERT_NE(pem.find("Proc-Type: 4,ENCRYPTED"), std::string::npos) << pem;
  Result<PrivateKey> good = PrivateKey::FromPem(pem, "legacy-pw");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_TRUE(good->public_key() == Rsa2048().public_key());
  EXPECT_EQ(PrivateKey::FromPem(pem, "nope").status().code(), Errc::kWrongPassword);
  EXPECT_EQ(PrivateKey::FromPem(pem).status().code(), Errc::kWrongPassword);
}

TEST(PrivateKeyPem, EncryptingWithEmptyPasswordIsInvalidArgument) {
  EXPECT_EQ(P256().ToEncryptedPkcs8Pem("").status().code(), Errc::kInvalidArgument);
}

TEST(PrivateKeyPem, RefusesPublicKeyPemAndGarbage) {
  EXPECT_EQ(PrivateKey::FromPem(Rsa2048().public_key().ToPem()).status().code(), Errc::kInvalidKey);
  EXPECT_EQ(PrivateKey::FromPem("hello").status().code(), Errc::kInvalidKey);
  EXPECT_EQ(PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .status()
                .code(),
            Errc::kInvalidKey);
}

TEST(PrivateKeyDer, LoadsPkcs8AndTraditionalRsaDer) {
  EVP_PKEY* pkey = KeyAccess::Evp(Rsa2048());
  std::string pkcs8 = Encode(pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo");
  std::string pkcs1 = Encode(pkey, EVP_PKEY_KEYPAIR, "DER", "type-specific");
  ASSERT_FALSE(pkcs8.empty());
  ASSERT_FALSE(pkcs1.empty());
  for (const std::string& der : {pkcs8, pkcs1}) {
    Result<PrivateKey> key = PrivateKey::FromDer(der);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_TRUE(key->public_key() == Rsa2048().public_key());
  }
  EXPECT_EQ(PrivateKey::FromDer(pkcs8 + "x").status().code(), Errc::kInvalidKey);
  EXPECT_EQ(PrivateKey::FromDer("").status().code(), Errc::kInvalidKey);
}

TEST(PublicKeyPem, SpkiPemAndDerRoundTrip) {
  for (const PrivateKey* key : {&Rsa2048(), &P256(), &P384()}) {
    PublicKey pub = key->public_key();
    std::string pem = pub.ToPem();
    ASSERT_NE(pem.find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
    Result<PublicKey> from_pem = PublicKey::FromPem(pem);
    ASSERT_TRUE(from_pem.ok()) << from_pem.status().ToString();
    EXPECT_TRUE(*from_pem == pub);
    Result<PublicKey> from_der = PublicKey::FromDer(pub.ToDer());
    ASSERT_TRUE(from_der.ok()) << from_der.status().ToString();
    EXPECT_TRUE(*from_der == pub);
    EXPECT_EQ(from_der->Thumbprint(), pub.Thumbprint());
  }
}

TEST(PublicKeyPem, LoadsPkcs1RsaPublicKey) {
  std::string pem = Encode(KeyAccess::Evp(Rsa2048()), EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific");
  ASSERT_NE(pem.find("-----BEGIN RSA PUBLIC KEY-----"), std::string::npos) << pem;
  Result<PublicKey> key = PublicKey::FromPem(pem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(*key == Rsa2048().public_key());
  EXPECT_EQ(key->type(), KeyType::kRsa);
  EXPECT_EQ(key->bits(), 2048);
}

TEST(PublicKeyPem, RefusesPrivateKeyPemAndTrailingDer) {
  Result<PublicKey> key = PublicKey::FromPem(P256().ToPkcs8Pem());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Errc::kInvalidKey);
  EXPECT_NE(key.status().message().find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(PublicKey::FromDer(P256().public_key().ToDer() + "\0"s).status().code(),
            Errc::kInvalidKey);
}

TEST(PublicKey, EqualityDistinguishesKeys) {
  PrivateKey other = PrivateKey::Generate(Algorithm::kES256).value();
  EXPECT_TRUE(P256().public_key() == P256().public_key());
  EXPECT_FALSE(other.public_key() == P256().public_key());
  EXPECT_FALSE(P384().public_key() == P256().public_key());
  EXPECT_NE(other.public_key().Thumbprint(), P256().public_key().Thumbprint());
}

TEST(PublicKey, PublicHalfOfPrivateKeyCarriesNoPrivateMaterial) {
  PublicKey pub = Rsa2048().public_key();
  BIGNUM* d = nullptr;
  EXPECT_NE(EVP_PKEY_get_bn_param(KeyAccess::Evp(pub), OSSL_PKEY_PARAM_RSA_D, &d), 1);
  BN_free(d);
  ClearOpenSslErrors();
}

TEST(PublicKey, ThumbprintIs43CharBase64Url) {
  std::string t = P384().public_key().Thumbprint();
  EXPECT_EQ(t.size(), 43u);
  EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(KeyPolicy, Rsa1024IsWeakWhereverItEnters) {
  EvpPkeyPtr weak = RawKeygen("RSA", 1024);
  ASSERT_TRUE(weak);
  std::string spki = Encode(weak.get(), EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo");
  std::string pkcs8 = Encode(weak.get(), EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo");
  Result<PublicKey> pub = PublicKey::FromPem(spki);
  ASSERT_FALSE(pub.ok());
  EXPECT_EQ(pub.status().code(), Errc::kWeakKey);
  EXPECT_NE(pub.status().message().find("1024"), std::string::npos);
  EXPECT_EQ(PrivateKey::FromPem(pkcs8).status().code(), Errc::kWeakKey);
  EXPECT_EQ(KeyAccess::MakePrivate(std::move(weak)).status().code(), Errc::kWeakKey);
}

TEST(KeyPolicy, OnlyRsaAndP256P384AreAccepted) {
  EvpPkeyPtr ed = RawKeygen("ED25519", 0);
  EvpPkeyPtr p521 = RawKeygen("EC", 0, "P-521");
  EvpPkeyPtr k1 = RawKeygen("EC", 0, "secp256k1");
  ASSERT_TRUE(ed && p521 && k1);
  std::string ed_pem = Encode(ed.get(), EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo");
  std::string p521_pem = Encode(p521.get(), EVP_PKEY_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo");
  EXPECT_EQ(PrivateKey::FromPem(ed_pem).status().code(), Errc::kInvalidKey);
  EXPECT_EQ(PublicKey::FromPem(p521_pem).status().code(), Errc::kInvalidKey);
  EXPECT_EQ(KeyAccess::MakePublic(std::move(k1)).status().code(), Errc::kInvalidKey);
}

TEST(KeyPolicy, MakePrivateRefusesAPublicOnlyKey) {
  Result<PublicKey> pub = PublicKey::FromDer(P256().public_key().ToDer());
  ASSERT_TRUE(pub.ok());
  const unsigned char* p = nullptr;
  std::string der = pub->ToDer();
  p = reinterpret_cast<const unsigned char*>(der.data());
  EvpPkeyPtr raw(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  ASSERT_TRUE(raw);
  EXPECT_EQ(KeyAccess::MakePrivate(std::move(raw)).status().code(), Errc::kInvalidKey);
}

}  // namespace
}  // namespace mp
