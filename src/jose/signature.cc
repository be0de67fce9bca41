#include "jose/signature.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <array>
#include <cstring>
#include <memory>

#include "jose/jose_internal.h"
#include "jose/key_internal.h"

namespace mp {
namespace {

using internal::KeyAccess;

size_t EcdsaHalfBytes(Algorithm alg) { return alg == Algorithm::kES384 ? 48 : 32; }

// The order n of the alg's curve as big-endian bytes of the coordinate size.
const std::string& CurveOrder(Algorithm alg) {
  static const auto order_of = [](int nid, size_t len) {
    std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>> group(EC_GROUP_new_by_curve_name(nid));
    return internal::BnToPaddedBytes(EC_GROUP_get0_order(group.get()), len);
  };
  static const std::string p256 = order_of(NID_X9_62_prime256v1, 32);
  static const std::string p384 = order_of(NID_secp384r1, 48);
  return alg == Algorithm::kES384 ? p384 : p256;
}

Status BadSignature(std::string message) {
  return Status(Errc::kInvalidSignature, std::move(message));
}

// RFC 7518 §3.4: R || S, each exactly the coordinate size, to the DER form OpenSSL verifies.
// R and S must lie in [1, n-1]; checked here so the rule does not depend on OpenSSL's version.
Result<std::string> RawEcdsaToDer(Algorithm alg, std::string_view sig) {
  const size_t len = EcdsaHalfBytes(alg);
  if (sig.size() != 2 * len) {
    return BadSignature(std::string(AlgorithmName(alg)) + " signature is " +
                        std::to_string(sig.size()) + " bytes; exactly " + std::to_string(2 * len) +
                        " (R || S) required");
  }
  const std::string& n = CurveOrder(alg);
  for (size_t half = 0; half < 2; ++half) {
    std::string_view v = sig.substr(half * len, len);
    const char* which = half == 0 ? "R" : "S";
    if (v.find_first_not_of('\0') == std::string_view::npos) {
      return BadSignature(std::string("ECDSA ") + which + " is zero");
    }
    if (std::memcmp(v.data(), n.data(), len) >= 0) {
      return BadSignature(std::string("ECDSA ") + which + " is not below the curve order");
    }
  }
  EcdsaSigPtr es(ECDSA_SIG_new());
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(len), nullptr);
  BIGNUM* s = BN_bin2bn(p + len, static_cast<int>(len), nullptr);
  if (!es || r == nullptr || s == nullptr || ECDSA_SIG_set0(es.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return OpenSslError(Errc::kInternal, "building the ECDSA signature");
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(es.get(), &der);
  if (der_len <= 0) return OpenSslError(Errc::kInternal, "encoding the ECDSA signature");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  return out;
}

Result<std::string> DerEcdsaToRaw(Algorithm alg, std::string_view der) {
  const size_t len = EcdsaHalfBytes(alg);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!es) return OpenSslError(Errc::kInternal, "decoding our own ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(es.get(), &r, &s);
  return internal::BnToPaddedBytes(r, len) + internal::BnToPaddedBytes(s, len);
}

// PKCS#1 v1.5 is the default; PS* get PSS with salt = hash length and MGF1 with the same hash
// (RFC 7518 §3.5). RSA_PSS_SALTLEN_DIGEST also makes verification demand exactly that salt.
bool ConfigurePadding(EVP_PKEY_CTX* pctx, Algorithm alg) {
  if (!internal::IsPssAlgorithm(alg)) return true;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, internal::DigestFor(alg)) == 1;
}

// A context ready for EVP_PKEY_verify of a digest made with alg's hash.
EvpPkeyCtxPtr NewVerifyContext(EVP_PKEY* pkey, Algorithm alg) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || !ConfigurePadding(ctx.get(), alg) ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), internal::DigestFor(alg)) != 1) {
    ClearOpenSslErrors();
    return nullptr;
  }
  return ctx;
}

// RFC 8017 §9.2 note 1: the DER DigestInfo that precedes the hash in EMSA-PKCS1-v1_5.
std::string_view DigestInfoPrefix(Algorithm alg) {
  static constexpr unsigned char kSha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                              0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                              0x01, 0x05, 0x00, 0x04, 0x20};
  static constexpr unsigned char kSha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                              0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                              0x02, 0x05, 0x00, 0x04, 0x30};
  static constexpr unsigned char kSha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                              0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                              0x03, 0x05, 0x00, 0x04, 0x40};
  const unsigned char* p = alg == Algorithm::kRS384   ? kSha384
                           : alg == Algorithm::kRS512 ? kSha512
                                                      : kSha256;
  return std::string_view(reinterpret_cast<const char*>(p), sizeof kSha256);
}

// RSASSA-PKCS1-v1_5 verification as RFC 8017 §8.2.2 describes it: RSAVP1 (s < n, then s^e mod n)
// and a comparison of the whole result with the encoded message EMSA-PKCS1-v1_5 built here from
// the hash. Nothing parses the recovered block, so there is no parser to fool (the class of bug
// behind Bleichenbacher's 2006 forgery). OpenSSL's bignum does the arithmetic, with a Montgomery
// context made once per key and thread; that skips the per-call BN_CTX, lock and allocations of
// the EVP path, a few percent of a verification. The key rules are OpenSSL's own (modulus at
// most 16384 bits and above e, e at most 64 bits past 3072-bit moduli); a key outside them gets
// no Pkcs1Verifier and goes through EVP_PKEY_verify, so both paths accept the same keys.
struct Pkcs1Verifier {
  BnPtr n;
  BnPtr e;
  BnMontCtxPtr mont;
  size_t k = 0;  // modulus bytes = signature bytes
  size_t hash_len = 0;
  // EM with the hash bytes zero: 0x00 0x01 0xFF.. 0x00 DigestInfo 0x00.., as an integer. EM is
  // this plus the hash, and since both are k-byte big-endian numbers, comparing integers is
  // comparing the blocks byte for byte (without BN_bn2binpad's constant-time byte loop).
  BnPtr em_without_hash;
};

std::unique_ptr<Pkcs1Verifier> NewPkcs1Verifier(EVP_PKEY* pkey, Algorithm alg) {
  if (!internal::IsRsaAlgorithm(alg) || internal::IsPssAlgorithm(alg)) return nullptr;
  auto v = std::make_unique<Pkcs1Verifier>();
  v->n = internal::GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_N);
  v->e = internal::GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_E);
  if (!v->n || !v->e) {
    ClearOpenSslErrors();
    return nullptr;
  }
  const int n_bits = BN_num_bits(v->n.get());
  if (n_bits > OPENSSL_RSA_MAX_MODULUS_BITS || BN_ucmp(v->n.get(), v->e.get()) <= 0 ||
      (n_bits > OPENSSL_RSA_SMALL_MODULUS_BITS &&
       BN_num_bits(v->e.get()) > OPENSSL_RSA_MAX_PUBEXP_BITS) ||
      !BN_is_odd(v->n.get())) {
    return nullptr;
  }
  BnCtxPtr ctx(BN_CTX_new());
  v->mont.reset(BN_MONT_CTX_new());
  if (!ctx || !v->mont || BN_MONT_CTX_set(v->mont.get(), v->n.get(), ctx.get()) != 1) {
    ClearOpenSslErrors();
    return nullptr;
  }
  v->k = static_cast<size_t>(BN_num_bytes(v->n.get()));
  const std::string_view info = DigestInfoPrefix(alg);
  v->hash_len = internal::DigestSize(alg);
  const size_t t_len = info.size() + v->hash_len;
  // RFC 8017 §9.2 step 3 ("intended encoded message length too short"); never for our keys,
  // which are 2048 bits or more.
  if (v->k < t_len + 11) return nullptr;
  std::string em("\x00\x01", 2);
  em.append(v->k - t_len - 3, '\xff');
  em.push_back('\0');
  em.append(info);
  em.append(v->hash_len, '\0');
  v->em_without_hash.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(em.data()),
                                     static_cast<int>(em.size()), nullptr));
  if (!v->em_without_hash) {
    ClearOpenSslErrors();
    return nullptr;
  }
  return v;
}

// True when `signature` (exactly k bytes) is a valid PKCS#1 v1.5 signature of `digest`.
Result<bool> VerifyPkcs1(const Pkcs1Verifier& v, std::string_view digest,
                         std::string_view signature) {
  thread_local BnCtxPtr ctx(BN_CTX_new());
  thread_local BnPtr s(BN_new());
  thread_local BnPtr m(BN_new());
  thread_local BnPtr expected(BN_new());
  if (!ctx || !s || !m || !expected || signature.size() != v.k || digest.size() != v.hash_len ||
      BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()),
                static_cast<int>(signature.size()), s.get()) == nullptr ||
      BN_bin2bn(reinterpret_cast<const unsigned char*>(digest.data()),
                static_cast<int>(digest.size()), expected.get()) == nullptr ||
      BN_add(expected.get(), expected.get(), v.em_without_hash.get()) != 1) {
    return OpenSslError(Errc::kInternal, "reading the RSA signature");
  }
  if (BN_ucmp(s.get(), v.n.get()) >= 0) return false;  // RSAVP1 step 1: s must be below n
  if (BN_mod_exp_mont(m.get(), s.get(), v.e.get(), v.n.get(), ctx.get(), v.mont.get()) != 1) {
    return OpenSslError(Errc::kInternal, "RSA public operation");
  }
  // Everything compared is public (the signature, the signed input's hash, the key), so the
  // comparison need not be constant-time.
  return BN_cmp(m.get(), expected.get()) == 0;
}

// What a thread keeps per (key, alg) for verifying: the EVP context, and for RS* keys within
// OpenSSL's rules the PKCS#1 v1.5 verifier.
struct VerifyState {
  EvpPkeyCtxPtr ctx;
  std::unique_ptr<Pkcs1Verifier> pkcs1;
};

// This thread's verification state for (key, alg). A fresh EVP_PKEY_verify_init fetches the
// signature and digest implementations and costs more than parsing a token, and EVP_PKEY_verify
// may be called again on the same context; so each thread keeps the state of the last few keys
// it used, and the hot path (one issuer key, many tokens) makes none. Entries are keyed by the
// handle's never-reused id, so a freed key's entry cannot serve another key; it only keeps its
// EVP_PKEY alive until evicted.
const VerifyState* ThreadVerifyState(const internal::KeyHandle& handle, Algorithm alg) {
  struct Entry {
    uint64_t id = 0;
    Algorithm alg = Algorithm::kRS256;
    VerifyState state;
  };
  thread_local std::array<Entry, 8> cache;
  thread_local size_t next = 0;
  for (Entry& e : cache) {
    if (e.id == handle.id && e.alg == alg && e.state.ctx) return &e.state;
  }
  EvpPkeyCtxPtr ctx = NewVerifyContext(handle.pkey.get(), alg);
  if (!ctx) return nullptr;
  Entry& slot = cache[next];
  next = (next + 1) % cache.size();
  slot = Entry{.id = handle.id,
               .alg = alg,
               .state = VerifyState{.ctx = std::move(ctx),
                                    .pkcs1 = NewPkcs1Verifier(handle.pkey.get(), alg)}};
  return &slot.state;
}

}  // namespace

Status VerifySignature(Algorithm alg, const PublicKey& key, std::string_view signing_input,
                       std::string_view signature) {
  MP_RETURN_IF_ERROR(key.CheckAlgorithm(alg));
  EVP_PKEY* pkey = KeyAccess::Evp(key);
  std::string der;
  if (internal::IsEcAlgorithm(alg)) {
    MP_ASSIGN_OR_RETURN(der, RawEcdsaToDer(alg, signature));
    signature = der;
  } else {
    const size_t want = static_cast<size_t>(EVP_PKEY_get_size(pkey));
    if (signature.size() != want) {
      return BadSignature(std::string(AlgorithmName(alg)) + " signature is " +
                          std::to_string(signature.size()) + " bytes; this " +
                          std::to_string(key.bits()) + "-bit key needs exactly " +
                          std::to_string(want));
    }
  }
  const EVP_MD* md = internal::DigestFor(alg);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  // One digest context per thread, reset by each init, instead of a new one per token.
  thread_local EvpMdCtxPtr md_ctx(EVP_MD_CTX_new());
  if (!md_ctx || EVP_DigestInit_ex2(md_ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(md_ctx.get(), signing_input.data(), signing_input.size()) != 1 ||
      EVP_DigestFinal_ex(md_ctx.get(), digest.data(), &digest_len) != 1) {
    return OpenSslError(Errc::kInternal, "hashing the signing input");
  }
  const VerifyState* state = ThreadVerifyState(KeyAccess::Handle(key), alg);
  if (state == nullptr) {
    return OpenSslError(Errc::kInternal, "setting up signature verification");
  }
  bool valid = false;
  if (state->pkcs1) {
    MP_ASSIGN_OR_RETURN(
        valid,
        VerifyPkcs1(*state->pkcs1,
                    std::string_view(reinterpret_cast<const char*>(digest.data()), digest_len),
                    signature));
  } else {
    valid =
        EVP_PKEY_verify(state->ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                        signature.size(), digest.data(), digest_len) == 1;
    if (!valid) ClearOpenSslErrors();
  }
  if (!valid) return BadSignature(std::string(AlgorithmName(alg)) + " signature does not verify");
  return OkStatus();
}

Result<std::string> Sign(Algorithm alg, const PrivateKey& key, std::string_view signing_input) {
  MP_RETURN_IF_ERROR(key.CheckAlgorithm(alg));
  EVP_PKEY* pkey = KeyAccess::Evp(key);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, internal::DigestFor(alg), nullptr, pkey) != 1 ||
      !ConfigurePadding(pctx, alg)) {
    return OpenSslError(Errc::kInternal,
                        "setting up " + std::string(AlgorithmName(alg)) + " signing");
  }
  std::string sig(static_cast<size_t>(EVP_PKEY_get_size(pkey)), '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return OpenSslError(Errc::kInternal, std::string(AlgorithmName(alg)) + " signing failed");
  }
  sig.resize(len);
  if (internal::IsEcAlgorithm(alg)) return DerEcdsaToRaw(alg, sig);
  return sig;
}

}  // namespace mp
