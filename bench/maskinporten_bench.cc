// maskinporten_bench: micro benchmarks for the hot paths, each next to a baseline measured in the
// same run (STYLE.md: report ratios, not bare times). scripts/bench.sh runs this binary and
// `openssl speed`, and prints the ratios.
//
// Names: <what>/<alg>-<bits>
//   jwt_sign                SignJws of a grant payload (header JSON, base64url, signature, JOSE
//   form) jwt_verify              VerifyJwt: ParseJws + alg/header rules + signature + claims
//   (FakeClock) evp_digest_sign         baseline: EVP_MD_CTX_new + EVP_DigestSignInit +
//   EVP_DigestSign over the
//                           same signing input (same key, digest and padding; DER for ECDSA)
//   evp_digest_verify       baseline: the same for verification of the same signature
//   evp_pkey_sign_digest    baseline as `openssl speed` measures: one EVP_PKEY_CTX set up once,
//                           then EVP_PKEY_sign over a precomputed 32-byte SHA-256 digest
//   evp_pkey_verify_digest  the same for EVP_PKEY_verify
//   json_parse/strict       ParseStrictJson of the SPEC §5 access-token payload
//   json_parse/nlohmann     baseline: nlohmann::json::parse of the same text (no strictness)
//   jws_parse               ParseJws only (split, base64url, header JSON), no signature check
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/openssl.h"
#include "maskinporten/base64.h"
#include "maskinporten/clock.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "maskinporten/key.h"

namespace {

// SPEC §5: a real Maskinporten TEST access-token payload.
constexpr std::string_view kAccessTokenPayload =
    R"({"scope":"altinn:broker.read","iss":"https://test.maskinporten.no/",)"
    R"("client_amr":"private_key_jwt","token_type":"Bearer","exp":1757498492,"iat":1757498372,)"
    R"("client_id":"826acbbc-ee17-4946-af92-cf4885ebe951",)"
    R"("jti":"ii1YvnPPCUHYlZw9_hVwr1UhLVQUdiNV_QKNru4JJGk",)"
    R"("consumer":{"authority":"iso6523-actorid-upis","ID":"0192:314240979"}})";

// The same token, valid at kNow: what an API owner verifies on every request.
constexpr std::string_view kClaimsPayload =
    R"({"scope":"altinn:broker.read","iss":"https://test.maskinporten.no/",)"
    R"("client_amr":"private_key_jwt","token_type":"Bearer","exp":1700000120,"iat":1700000000,)"
    R"("client_id":"826acbbc-ee17-4946-af92-cf4885ebe951",)"
    R"("jti":"ii1YvnPPCUHYlZw9_hVwr1UhLVQUdiNV_QKNru4JJGk",)"
    R"("consumer":{"authority":"iso6523-actorid-upis","ID":"0192:314240979"}})";
constexpr int64_t kNow = 1700000060;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "maskinporten_bench: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T OrDie(mp::Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

struct Case {
  mp::Algorithm alg;
  int bits;
  std::string Name() const {
    return std::string(mp::AlgorithmName(alg)) + "-" + std::to_string(bits);
  }
  bool Pss() const { return alg == mp::Algorithm::kPS256; }
  bool Ec() const { return alg == mp::Algorithm::kES256; }
};

// One key per case (RSA generation is slow: done once per process), in our type and as a
// separate OpenSSL EVP_PKEY read back from its PEM for the baselines.
struct KeyMaterial {
  mp::PrivateKey key;
  mp::EvpPkeyPtr evp;
  std::string token;          // a JWT signed by `key`, valid at kNow
  std::string signing_input;  // its "<header>.<payload>"
  std::string der_signature;  // a baseline signature over signing_input (DER for ECDSA)
  std::string digest;         // SHA-256(signing_input)
  std::string digest_signature;
};

mp::EvpPkeyPtr EvpFromPem(const std::string& pem) {
  mp::BioPtr bio = mp::MemBio(pem);
  mp::EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) Die("cannot read back the PEM key");
  return pkey;
}

void ConfigurePadding(EVP_PKEY_CTX* pctx, const Case& c) {
  if (!c.Pss()) return;
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1) {
    Die("PSS setup");
  }
}

std::string EvpDigestSign(EVP_PKEY* pkey, const Case& c, std::string_view input) {
  mp::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey) != 1) Die("sign init");
  ConfigurePadding(pctx, c);
  std::string sig(static_cast<size_t>(EVP_PKEY_get_size(pkey)), '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    Die("EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

bool EvpDigestVerify(EVP_PKEY* pkey, const Case& c, std::string_view input, std::string_view sig) {
  mp::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, pkey) != 1) Die("verify init");
  ConfigurePadding(pctx, c);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

// An EVP_PKEY_CTX ready for EVP_PKEY_sign / EVP_PKEY_verify over a SHA-256 digest.
mp::EvpPkeyCtxPtr DigestCtx(EVP_PKEY* pkey, const Case& c, bool sign) {
  mp::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || (sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1) {
    Die("EVP_PKEY_sign/verify_init");
  }
  if (!c.Ec()) {
    if (EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1) Die("set_signature_md");
    ConfigurePadding(ctx.get(), c);
  }
  return ctx;
}

const KeyMaterial& Material(const Case& c) {
  static std::map<std::string, std::unique_ptr<KeyMaterial>> cache;
  auto& slot = cache[c.Name()];
  if (slot) return *slot;
  mp::PrivateKey key = OrDie(mp::PrivateKey::Generate(c.alg, c.Ec() ? 0 : c.bits), "key");
  mp::EvpPkeyPtr evp = EvpFromPem(key.ToPkcs8Pem());
  std::string token =
      OrDie(mp::SignJws(key, kClaimsPayload, {.alg = c.alg, .kid = "bench", .typ = "JWT"}), "sign");
  std::string signing_input = token.substr(0, token.rfind('.'));
  std::string der = EvpDigestSign(evp.get(), c, signing_input);
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  mp::EvpPkeyCtxPtr sctx = DigestCtx(evp.get(), c, /*sign=*/true);
  std::string dsig(static_cast<size_t>(EVP_PKEY_get_size(evp.get())), '\0');
  size_t dlen = dsig.size();
  if (EVP_PKEY_sign(sctx.get(), reinterpret_cast<unsigned char*>(dsig.data()), &dlen,
                    reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) != 1) {
    Die("EVP_PKEY_sign");
  }
  dsig.resize(dlen);
  slot = std::make_unique<KeyMaterial>(
      KeyMaterial{std::move(key), std::move(evp), token, signing_input, der, digest, dsig});
  return *slot;
}

void JwtSign(benchmark::State& state, Case c) {
  const KeyMaterial& m = Material(c);
  mp::SignOptions options{.alg = c.alg, .kid = "bench", .typ = "JWT"};
  for (auto _ : state) {
    auto token = mp::SignJws(m.key, kClaimsPayload, options);
    if (!token.ok()) state.SkipWithError(token.status().ToString().c_str());
    benchmark::DoNotOptimize(token);
  }
}

void JwtVerify(benchmark::State& state, Case c) {
  const KeyMaterial& m = Material(c);
  const mp::PublicKey pub = m.key.public_key();
  const mp::FakeClock clock(kNow);
  const mp::VerifyOptions verify{c.alg};
  const mp::ClaimsOptions claims{.issuer = "https://test.maskinporten.no/", .clock = &clock};
  for (auto _ : state) {
    auto jwt = mp::VerifyJwt(m.token, pub, verify, claims);
    if (!jwt.ok()) state.SkipWithError(jwt.status().ToString().c_str());
    benchmark::DoNotOptimize(jwt);
  }
}

void EvpDigestSignBench(benchmark::State& state, Case c) {
  const KeyMaterial& m = Material(c);
  for (auto _ : state) benchmark::DoNotOptimize(EvpDigestSign(m.evp.get(), c, m.signing_input));
}

void EvpDigestVerifyBench(benchmark::State& state, Case c) {
  const KeyMaterial& m = Material(c);
  for (auto _ : state) {
    if (!EvpDigestVerify(m.evp.get(), c, m.signing_input, m.der_signature)) {
      state.SkipWithError("baseline signature does not verify");
    }
  }
}

void EvpPkeySignDigest(benchmark::State& state, Case c) {
  const KeyMaterial& m = Material(c);
  mp::EvpPkeyCtxPtr ctx = DigestCtx(m.evp.get(), c, /*sign=*/true);
  std::string sig(static_cast<size_t>(EVP_PKEY_get_size(m.evp.get())), '\0');
  for (auto _ : state) {
    size_t len = sig.size();
    if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                      reinterpret_cast<const unsigned char*>(m.digest.data()),
                      m.digest.size()) != 1) {
      state.SkipWithError("EVP_PKEY_sign");
    }
    benchmark::DoNotOptimize(sig.data());
  }
}

void EvpPkeyVerifyDigest(benchmark::State& state, Case c) {
  const KeyMaterial& m = Material(c);
  mp::EvpPkeyCtxPtr ctx = DigestCtx(m.evp.get(), c, /*sign=*/false);
  for (auto _ : state) {
    if (EVP_PKEY_verify(
            ctx.get(), reinterpret_cast<const unsigned char*>(m.digest_signature.data()),
            m.digest_signature.size(), reinterpret_cast<const unsigned char*>(m.digest.data()),
            m.digest.size()) != 1) {
      state.SkipWithError("EVP_PKEY_verify");
    }
  }
}

void JwsParse(benchmark::State& state, Case c) {
  const KeyMaterial& m = Material(c);
  for (auto _ : state) {
    auto parsed = mp::ParseJws(m.token);
    if (!parsed.ok()) state.SkipWithError(parsed.status().ToString().c_str());
    benchmark::DoNotOptimize(parsed);
  }
}

void JsonParseStrict(benchmark::State& state) {
  for (auto _ : state) {
    auto v = mp::ParseStrictJson(kAccessTokenPayload);
    if (!v.ok()) state.SkipWithError(v.status().ToString().c_str());
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kAccessTokenPayload.size()));
}

// The flat parse the token hot path uses (Claims, JWS headers): same parser, no DOM.
void JsonParseDocument(benchmark::State& state) {
  for (auto _ : state) {
    auto v = mp::JsonDocument::Parse(std::string(kAccessTokenPayload));
    if (!v.ok()) state.SkipWithError(v.status().ToString().c_str());
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kAccessTokenPayload.size()));
}

void JsonParseNlohmann(benchmark::State& state) {
  for (auto _ : state) {
    auto v = nlohmann::json::parse(kAccessTokenPayload);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kAccessTokenPayload.size()));
}

void Base64UrlDecodeSignature(benchmark::State& state) {
  const std::string seg = mp::Base64UrlEncode(std::string(256, '\x5a'));
  for (auto _ : state) {
    auto raw = mp::Base64UrlDecode(seg);
    benchmark::DoNotOptimize(raw);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * seg.size()));
}

void RegisterAll() {
  const Case cases[] = {{mp::Algorithm::kRS256, 2048},
                        {mp::Algorithm::kRS256, 3072},
                        {mp::Algorithm::kPS256, 2048},
                        {mp::Algorithm::kPS256, 3072},
                        {mp::Algorithm::kES256, 256}};
  for (const Case& c : cases) {
    const std::string n = c.Name();
    benchmark::RegisterBenchmark(("jwt_sign/" + n).c_str(), JwtSign, c);
    benchmark::RegisterBenchmark(("evp_digest_sign/" + n).c_str(), EvpDigestSignBench, c);
    benchmark::RegisterBenchmark(("evp_pkey_sign_digest/" + n).c_str(), EvpPkeySignDigest, c);
    benchmark::RegisterBenchmark(("jwt_verify/" + n).c_str(), JwtVerify, c);
    benchmark::RegisterBenchmark(("evp_digest_verify/" + n).c_str(), EvpDigestVerifyBench, c);
    benchmark::RegisterBenchmark(("evp_pkey_verify_digest/" + n).c_str(), EvpPkeyVerifyDigest, c);
  }
  benchmark::RegisterBenchmark("jws_parse/RS256-2048", JwsParse, cases[0]);
  benchmark::RegisterBenchmark("json_parse/strict", JsonParseStrict);
  benchmark::RegisterBenchmark("json_parse/document", JsonParseDocument);
  benchmark::RegisterBenchmark("json_parse/nlohmann", JsonParseNlohmann);
  benchmark::RegisterBenchmark("base64url_decode/344", Base64UrlDecodeSignature);
}

}  // namespace

int main(int argc, char** argv) {
  RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
