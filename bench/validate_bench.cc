// The API owner's hot path: AccessTokenValidator::Validate of a Maskinporten-shaped RS256-3072
// access token (the size Maskinporten signs with, SPEC §3) with a cached JWKS and a FakeClock,
// next to raw OpenSSL verification of the same token in the same run.
//
//   validate_access_token/RS256-3072   Validate: size, ParseJws, header rules, alg allowlist,
//                                      JwksCache::Find, signature, claims, consumer, scopes
//   validate_evp_digest_verify/RS256-3072
//                                      baseline: EVP_MD_CTX_new + EVP_DigestVerifyInit +
//                                      EVP_DigestVerify of the same signing input and signature
//   validate_evp_pkey_verify_digest/RS256-3072
//                                      baseline as `openssl speed` measures: one EVP_PKEY_CTX set
//                                      up once, EVP_PKEY_verify of a precomputed SHA-256 digest
// scripts/bench.sh prints validate_access_token against `openssl speed rsa3072` verify/s.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/openssl.h"
#include "maskinporten/base64.h"
#include "maskinporten/clock.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/key.h"
#include "maskinporten/validator.h"

namespace {

constexpr int64_t kNow = 1700000060;
constexpr std::string_view kIssuer = "https://test.maskinporten.no/";
// SPEC §5 shape, a supplier acting for the consumer (the example API's case), valid at kNow.
constexpr std::string_view kPayload =
    R"({"scope":"nav:example/ssu.read","iss":"https://test.maskinporten.no/",)"
    R"("client_amr":"private_key_jwt","token_type":"Bearer","exp":1700000120,"iat":1700000000,)"
    R"("client_id":"826acbbc-ee17-4946-af92-cf4885ebe951",)"
    R"("jti":"ii1YvnPPCUHYlZw9_hVwr1UhLVQUdiNV_QKNru4JJGk",)"
    R"("supplier":{"authority":"iso6523-actorid-upis","ID":"0192:311654306"},)"
    R"("consumer":{"authority":"iso6523-actorid-upis","ID":"0192:910753614"},)"
    R"("delegation_source":"https://tt02.altinn.no/"})";
constexpr char kKid[] = "bdXLEWnDjLHjpE8OfyyMJxRRKmZ71LB8u1yDDmPiuT0";

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "validate_bench: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T OrDie(mp::Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

struct Material {
  mp::PrivateKey key;
  std::string token;
  std::string jwks_json;
  mp::EvpPkeyPtr evp;         // the public key, read back from PEM for the baselines
  std::string signing_input;  // "<header>.<payload>"
  std::string signature;      // decoded
  std::string digest;         // SHA-256(signing_input)
};

const Material& Rs3072() {
  static const Material* m = [] {
    mp::PrivateKey key = OrDie(mp::PrivateKey::Generate(mp::Algorithm::kRS256, 3072), "key");
    // Maskinporten's header: exactly {"kid":..,"alg":"RS256"}; SignJws writes alg first, which
    // is the same to a verifier.
    std::string token =
        OrDie(mp::SignJws(key, kPayload, {.alg = mp::Algorithm::kRS256, .kid = kKid}), "sign");
    std::string jwks =
        "{\"keys\":[" +
        mp::PublicKeyToJwk(key.public_key(), {.kid = kKid, .alg = mp::Algorithm::kRS256}) + "]}";
    const std::string pem = key.public_key().ToPem();  // MemBio reads it in place
    mp::BioPtr bio = mp::MemBio(pem);
    mp::EvpPkeyPtr evp(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!evp) Die("cannot read back the public key");
    size_t dot = token.rfind('.');
    std::string input = token.substr(0, dot);
    std::string sig = OrDie(mp::Base64UrlDecode(token.substr(dot + 1)), "signature");
    std::string digest(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
           reinterpret_cast<unsigned char*>(digest.data()));
    return new Material{std::move(key),   std::move(token), std::move(jwks),  std::move(evp),
                        std::move(input), std::move(sig),   std::move(digest)};
  }();
  return *m;
}

void BM_ValidateAccessTokenRs3072(benchmark::State& state) {
  const Material& m = Rs3072();
  static const mp::FakeClock clock(kNow);
  mp::AccessTokenPolicy policy;
  policy.issuer = std::string(kIssuer);
  policy.required_scopes = {"nav:example/ssu.read"};
  policy.allow_supplier = true;
  policy.clock = &clock;
  mp::AccessTokenValidator validator(
      policy, mp::JwksCache::Fixed(OrDie(mp::Jwks::Parse(m.jwks_json), "jwks")));
  for (auto _ : state) {
    auto t = validator.Validate(m.token);
    if (!t.ok()) state.SkipWithError(t.status().ToString().c_str());
    benchmark::DoNotOptimize(t);
  }
}

void BM_ValidateBaselineEvpDigestVerify(benchmark::State& state) {
  const Material& m = Rs3072();
  for (auto _ : state) {
    mp::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, m.evp.get()) != 1 ||
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(m.signature.data()),
                         m.signature.size(),
                         reinterpret_cast<const unsigned char*>(m.signing_input.data()),
                         m.signing_input.size()) != 1) {
      state.SkipWithError("baseline signature does not verify");
    }
  }
}

void BM_ValidateBaselineEvpPkeyVerify(benchmark::State& state) {
  const Material& m = Rs3072();
  mp::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, m.evp.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1) {
    Die("EVP_PKEY_verify_init");
  }
  for (auto _ : state) {
    if (EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(m.signature.data()),
                        m.signature.size(), reinterpret_cast<const unsigned char*>(m.digest.data()),
                        m.digest.size()) != 1) {
      state.SkipWithError("EVP_PKEY_verify");
    }
  }
}

}  // namespace

BENCHMARK(BM_ValidateAccessTokenRs3072)->Name("validate_access_token/RS256-3072");
BENCHMARK(BM_ValidateBaselineEvpDigestVerify)->Name("validate_evp_digest_verify/RS256-3072");
BENCHMARK(BM_ValidateBaselineEvpPkeyVerify)->Name("validate_evp_pkey_verify_digest/RS256-3072");
