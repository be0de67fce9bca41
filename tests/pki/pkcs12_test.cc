// LoadPkcs12 / MakePkcs12: round trips, passwords and the algorithms in the bundle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "core/openssl.h"
#include "maskinporten/certificate.h"
#include "pki/shared_test_ca.h"

namespace mp {
namespace {

using ::testing::HasSubstr;
using testing::SharedCa;
using testing::SharedLeaf;

Pkcs12Ptr ParseDer(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return Pkcs12Ptr(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
}

int AlgorithmNid(const X509_ALGOR* alg) {
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
  return OBJ_obj2nid(obj);
}

// {cipher, prf} of a PBES2 AlgorithmIdentifier, or {pbe nid, 0} when it is not PBES2.
std::pair<int, int> Pbes2Cipher(const X509_ALGOR* alg) {
  int nid = AlgorithmNid(alg);
  if (nid != NID_pbes2) return {nid, 0};
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(nullptr, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE) return {-1, -1};
  auto* pbe2 = static_cast<PBE2PARAM*>(
      ASN1_item_unpack(static_cast<const ASN1_STRING*>(pval), ASN1_ITEM_rptr(PBE2PARAM)));
  if (pbe2 == nullptr) return {-1, -1};
  int cipher = AlgorithmNid(pbe2->encryption);
  int prf = -1;
  if (AlgorithmNid(pbe2->keyfunc) == NID_id_pbkdf2) {
    X509_ALGOR_get0(nullptr, &ptype, &pval, pbe2->keyfunc);
    auto* kdf = static_cast<PBKDF2PARAM*>(
        ASN1_item_unpack(static_cast<const ASN1_STRING*>(pval), ASN1_ITEM_rptr(PBKDF2PARAM)));
    if (kdf != nullptr) {
      prf = kdf->prf ? AlgorithmNid(kdf->prf) : NID_hmacWithSHA1;
      PBKDF2PARAM_free(kdf);
    }
  }
  PBE2PARAM_free(pbe2);
  return {cipher, prf};
}

std::string MakeOrDie(const IssuedCertificate& issued, const std::vector<Certificate>& chain,
                      std::string_view password) {
  auto der = MakePkcs12(issued.key, chain, password, "TEST FORSIKRING AS");
  EXPECT_TRUE(der.ok()) << der.status().ToString();
  return der.ok() ? *der : "";
}

TEST(Pkcs12, RoundTripKeepsKeyAndChainLeafFirst) {
  std::string der = MakeOrDie(SharedLeaf(), SharedLeaf().chain, "hemmelig");
  auto loaded = LoadPkcs12(der, "hemmelig");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->key.public_key(), SharedLeaf().key.public_key());
  EXPECT_EQ(loaded->chain, SharedLeaf().chain);
}

TEST(Pkcs12, LoadOrdersCaCertificatesByIssuance) {
  const auto& c = SharedLeaf().chain;
  std::string der = MakeOrDie(SharedLeaf(), {c[0], c[2], c[1]}, "pw");
  auto loaded = LoadPkcs12(der, "pw");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->chain, c);
}

TEST(Pkcs12, LeafOnlyBundleLoads) {
  std::string der = MakeOrDie(SharedLeaf(), {SharedLeaf().chain[0]}, "pw");
  auto loaded = LoadPkcs12(der, "pw");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->chain.size(), 1u);
  EXPECT_EQ(loaded->chain[0], SharedLeaf().chain[0]);
}

TEST(Pkcs12, WrongPasswordIsWrongPassword) {
  std::string der = MakeOrDie(SharedLeaf(), SharedLeaf().chain, "riktig");
  for (const char* wrong : {"feil", "", "riktig ", "Riktig"}) {
    auto loaded = LoadPkcs12(der, wrong);
    EXPECT_EQ(loaded.status().code(), Errc::kWrongPassword) << wrong;
  }
}

TEST(Pkcs12, EmptyPasswordRoundTrips) {
  std::string der = MakeOrDie(SharedLeaf(), SharedLeaf().chain, "");
  auto loaded = LoadPkcs12(der, "");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->chain.size(), 3u);
  EXPECT_EQ(LoadPkcs12(der, "x").status().code(), Errc::kWrongPassword);
}

TEST(Pkcs12, NotPkcs12IsInvalidCertificate) {
  EXPECT_EQ(LoadPkcs12("", "pw").status().code(), Errc::kInvalidCertificate);
  EXPECT_EQ(LoadPkcs12("garbage", "pw").status().code(), Errc::kInvalidCertificate);
  EXPECT_EQ(LoadPkcs12(SharedLeaf().chain[0].Der(), "pw").status().code(),
            Errc::kInvalidCertificate);
}

TEST(Pkcs12, UsesSha256MacAndAes256Pbes2WithHmacSha256) {
  std::string der = MakeOrDie(SharedLeaf(), SharedLeaf().chain, "pw");
  Pkcs12Ptr p12 = ParseDer(der);
  ASSERT_TRUE(p12);

  const ASN1_OCTET_STRING* mac = nullptr;
  const X509_ALGOR* mac_alg = nullptr;
  const ASN1_OCTET_STRING* salt = nullptr;
  const ASN1_INTEGER* iter = nullptr;
  PKCS12_get0_mac(&mac, &mac_alg, &salt, &iter, p12.get());
  ASSERT_NE(mac_alg, nullptr);
  EXPECT_EQ(AlgorithmNid(mac_alg), NID_sha256);

  STACK_OF(PKCS7)* safes = PKCS12_unpack_authsafes(p12.get());
  ASSERT_NE(safes, nullptr);
  int encrypted_safes = 0;
  int shrouded_keys = 0;
  for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes, i);
    int type = OBJ_obj2nid(p7->type);
    if (type == NID_pkcs7_encrypted) {
      ++encrypted_safes;
      auto [cipher, prf] = Pbes2Cipher(p7->d.encrypted->enc_data->algorithm);
      EXPECT_EQ(cipher, NID_aes_256_cbc);
      EXPECT_EQ(prf, NID_hmacWithSHA256);
    } else if (type == NID_pkcs7_data) {
      STACK_OF(PKCS12_SAFEBAG)* bags = PKCS12_unpack_p7data(p7);
      ASSERT_NE(bags, nullptr);
      for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags); ++j) {
        const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, j);
        EXPECT_NE(PKCS12_SAFEBAG_get_nid(bag), NID_keyBag) << "unencrypted key bag";
        if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag) continue;
        ++shrouded_keys;
        const X509_ALGOR* alg = nullptr;
        X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, nullptr);
        auto [cipher, prf] = Pbes2Cipher(alg);
        EXPECT_EQ(cipher, NID_aes_256_cbc);
        EXPECT_EQ(prf, NID_hmacWithSHA256);
      }
      sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
  }
  sk_PKCS7_pop_free(safes, PKCS7_free);
  EXPECT_EQ(encrypted_safes, 1);
  EXPECT_EQ(shrouded_keys, 1);
}

TEST(Pkcs12, FriendlyNameIsStoredOnTheLeaf) {
  std::string der = MakeOrDie(SharedLeaf(), SharedLeaf().chain, "pw");
  Pkcs12Ptr p12 = ParseDer(der);
  ASSERT_TRUE(p12);
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* cas = nullptr;
  ASSERT_EQ(PKCS12_parse(p12.get(), "pw", &pkey, &cert, &cas), 1);
  EvpPkeyPtr pkey_owner(pkey);
  X509Ptr cert_owner(cert);
  X509StackPtr cas_owner(cas);
  int len = 0;
  const unsigned char* alias = X509_alias_get0(cert, &len);
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(alias), static_cast<size_t>(len)),
            "TEST FORSIKRING AS");
}

TEST(Pkcs12, MakeRejectsKeyThatIsNotTheLeafs) {
  auto der = MakePkcs12(testing::SpareKey(), SharedLeaf().chain, "pw");
  EXPECT_EQ(der.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(der.status().message(), HasSubstr("does not belong"));
}

TEST(Pkcs12, MakeRejectsEmptyChain) {
  EXPECT_EQ(MakePkcs12(SharedLeaf().key, {}, "pw").status().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace mp
