// VerifySignature's RS256/384/512 path (src/jose/signature.cc) computes s^e mod n itself and
// compares the result with the encoded message it expects (RFC 8017 §8.2.2). These tests hold it
// to OpenSSL's own verdict (EVP_PKEY_verify with PKCS#1 padding) on encoded messages made by hand
// and signed raw with the private key: the right one, and every near miss a lax parser of the
// recovered block could take. Wycheproof's rsa_signature suites (wycheproof_test.cc) run the same
// path on their vectors.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <string>
#include <vector>

#include "core/openssl.h"
#include "jose/jose_internal.h"
#include "jose/key_internal.h"
#include "jose/signature.h"
#include "maskinporten/key.h"

namespace mp {
namespace {

using internal::KeyAccess;

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// RFC 8017 §9.2 note 1.
std::string DigestInfo(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRS384:
      return Unhex("3041300d060960864801650304020205000430");
    case Algorithm::kRS512:
      return Unhex("3051300d060960864801650304020305000440");
    default:
      return Unhex("3031300d060960864801650304020105000420");
  }
}

std::string Hash(Algorithm alg, std::string_view data) {
  const EVP_MD* md = alg == Algorithm::kRS384   ? EVP_sha384()
                     : alg == Algorithm::kRS512 ? EVP_sha512()
                                                : EVP_sha256();
  std::string out(static_cast<size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, md,
             nullptr);
  return out;
}

// EMSA-PKCS1-v1_5: 0x00 0x01 PS(0xff) 0x00 T, padded to k bytes.
std::string Encode(size_t k, const std::string& t) {
  return std::string("\x00\x01", 2) + std::string(k - t.size() - 3, '\xff') + '\0' + t;
}

// The raw RSA private operation on a k-byte block: a "signature" of whatever `em` holds.
std::string RawSign(const PrivateKey& key, const std::string& em) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(KeyAccess::Evp(key), nullptr));
  std::string sig(em.size(), '\0');
  size_t len = sig.size();
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1 ||
      EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                    reinterpret_cast<const unsigned char*>(em.data()), em.size()) != 1) {
    ADD_FAILURE() << "raw RSA signing failed";
    return "";
  }
  return sig;
}

// OpenSSL's verdict through its own PKCS#1 v1.5 verifier, with a fresh context.
bool OpenSslAccepts(const PublicKey& key, Algorithm alg, std::string_view input,
                    std::string_view sig) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const EVP_MD* md = alg == Algorithm::kRS384   ? EVP_sha384()
                     : alg == Algorithm::kRS512 ? EVP_sha512()
                                                : EVP_sha256();
  bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, KeyAccess::Evp(key)) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  ClearOpenSslErrors();
  return ok;
}

void ExpectVerdict(const PublicKey& key, Algorithm alg, std::string_view input,
                   const std::string& sig, bool expected, const std::string& what) {
  SCOPED_TRACE(std::string(AlgorithmName(alg)) + ": " + what);
  Status ours = VerifySignature(alg, key, input, sig);
  EXPECT_EQ(ours.ok(), expected) << ours.ToString();
  EXPECT_EQ(OpenSslAccepts(key, alg, input, sig), expected);
  if (!ours.ok()) {
    EXPECT_EQ(ours.code(), Errc::kInvalidSignature) << ours.ToString();
  }
}

const PrivateKey& Key2048() {
  static const PrivateKey* key = new PrivateKey(*PrivateKey::Generate(Algorithm::kRS256, 2048));
  return *key;
}

TEST(Pkcs1Verify, AgreesWithOpenSslOnEveryNearMissOfTheEncodedMessage) {
  const PrivateKey& key = Key2048();
  const PublicKey pub = key.public_key();
  const size_t k = 256;
  const std::string input = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0";
  for (Algorithm alg : {Algorithm::kRS256, Algorithm::kRS384, Algorithm::kRS512}) {
    const std::string h = Hash(alg, input);
    const std::string t = DigestInfo(alg) + h;
    const std::string good = Encode(k, t);
    ExpectVerdict(pub, alg, input, RawSign(key, good), true, "the encoded message itself");

    std::string type2 = good;
    type2[1] = '\x02';
    ExpectVerdict(pub, alg, input, RawSign(key, type2), false, "block type 2");
    std::string ps_hole = good;
    ps_hole[20] = '\xfe';
    ExpectVerdict(pub, alg, input, RawSign(key, ps_hole), false, "a padding byte not 0xff");
    std::string no_separator = good;
    no_separator[k - t.size() - 1] = '\xff';
    ExpectVerdict(pub, alg, input, RawSign(key, no_separator), false, "no 0x00 separator");
    std::string bad_hash = good;
    bad_hash[k - 1] ^= 1;
    ExpectVerdict(pub, alg, input, RawSign(key, bad_hash), false, "the hash off by one bit");
    // DigestInfo without the NULL parameters (RFC 8017 §9.2 note 1 lists it with them).
    std::string no_null = DigestInfo(alg);
    no_null.erase(14, 2);
    no_null[1] = static_cast<char>(no_null[1] - 2);
    no_null[3] = static_cast<char>(no_null[3] - 2);
    ExpectVerdict(pub, alg, input, RawSign(key, Encode(k, no_null + h)), false,
                  "DigestInfo without NULL");
    // Garbage after the hash, the padding one byte shorter: what a parser that stops at the
    // hash's length would take.
    ExpectVerdict(pub, alg, input, RawSign(key, Encode(k, t + "\x01")), false,
                  "a byte after the hash");
    // Another hash's DigestInfo with this hash's bytes.
    Algorithm other = alg == Algorithm::kRS256 ? Algorithm::kRS384 : Algorithm::kRS256;
    ExpectVerdict(pub, alg, input, RawSign(key, Encode(k, DigestInfo(other) + h)), false,
                  "another hash's DigestInfo");
    // The whole block shifted: a leading 0x01 where 0x00 belongs.
    std::string shifted = good.substr(1) + '\0';
    ExpectVerdict(pub, alg, input, RawSign(key, shifted), false, "no leading 0x00");
  }
}

TEST(Pkcs1Verify, RefusesSignatureRepresentativesOutOfRange) {
  const PublicKey pub = Key2048().public_key();
  const std::string input = "a.b";
  BnPtr n = internal::GetBnParam(KeyAccess::Evp(pub), OSSL_PKEY_PARAM_RSA_N);
  ASSERT_TRUE(n);
  auto bytes_of = [](const BIGNUM* v) {
    std::string out(256, '\0');
    EXPECT_EQ(BN_bn2binpad(v, reinterpret_cast<unsigned char*>(out.data()), 256), 256);
    return out;
  };
  BnPtr v(BN_new());
  BnPtr one(BN_new());
  ASSERT_TRUE(v && one && BN_one(one.get()));
  ExpectVerdict(pub, Algorithm::kRS256, input, std::string(256, '\0'), false, "s = 0");
  ExpectVerdict(pub, Algorithm::kRS256, input, bytes_of(one.get()), false, "s = 1");
  ExpectVerdict(pub, Algorithm::kRS256, input, bytes_of(n.get()), false, "s = n");
  ASSERT_TRUE(BN_add(v.get(), n.get(), one.get()));
  ExpectVerdict(pub, Algorithm::kRS256, input, bytes_of(v.get()), false, "s = n + 1");
  ASSERT_TRUE(BN_sub(v.get(), n.get(), one.get()));
  ExpectVerdict(pub, Algorithm::kRS256, input, bytes_of(v.get()), false, "s = n - 1");
  ExpectVerdict(pub, Algorithm::kRS256, input, std::string(256, '\xff'), false, "s = 2^2048 - 1");

  // A valid s plus n is the same value mod n: RSAVP1's range check is all that refuses it. Find
  // a message whose signature leaves room for s + n in 256 bytes (about one in three do).
  bool tried = false;
  for (int i = 0; i < 200 && !tried; ++i) {
    const std::string msg = "m." + std::to_string(i);
    Result<std::string> sig = Sign(Algorithm::kRS256, Key2048(), msg);
    ASSERT_TRUE(sig.ok());
    BnPtr s(BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()), 256, nullptr));
    ASSERT_TRUE(s && BN_add(v.get(), s.get(), n.get()));
    if (BN_num_bytes(v.get()) > 256) continue;
    tried = true;
    ExpectVerdict(pub, Algorithm::kRS256, msg, *sig, true, "s");
    ExpectVerdict(pub, Algorithm::kRS256, msg, bytes_of(v.get()), false, "s + n");
  }
  EXPECT_TRUE(tried) << "no signature below 2^2048 - n in 200 messages";
}

// A 3072-bit key and the same signature checked again: the per-thread state is reused, and a
// second key of another size on the same thread gets its own.
TEST(Pkcs1Verify, KeepsSeparateStateForEachKeyOnAThread) {
  const PrivateKey& k2048 = Key2048();
  Result<PrivateKey> k3072 = PrivateKey::Generate(Algorithm::kRS256, 3072);
  ASSERT_TRUE(k3072.ok()) << k3072.status().ToString();
  const std::string input = "x.y";
  Result<std::string> s2048 = Sign(Algorithm::kRS256, k2048, input);
  Result<std::string> s3072 = Sign(Algorithm::kRS256, *k3072, input);
  ASSERT_TRUE(s2048.ok() && s3072.ok());
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(VerifySignature(Algorithm::kRS256, k2048.public_key(), input, *s2048).ok());
    EXPECT_TRUE(VerifySignature(Algorithm::kRS256, k3072->public_key(), input, *s3072).ok());
    EXPECT_FALSE(VerifySignature(Algorithm::kRS256, k3072->public_key(), "x.z", *s3072).ok());
  }
}

}  // namespace
}  // namespace mp
