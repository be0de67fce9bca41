#include "maskinporten/jws.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/openssl.h"
#include "jose/key_internal.h"
#include "jose/signature.h"
#include "maskinporten/base64.h"

namespace mp {
namespace {

using internal::KeyAccess;

const PrivateKey& KeyFor(Algorithm alg) {
  static const PrivateKey rsa = PrivateKey::Generate(Algorithm::kRS256).value();
  static const PrivateKey p256 = PrivateKey::Generate(Algorithm::kES256).value();
  static const PrivateKey p384 = PrivateKey::Generate(Algorithm::kES384).value();
  if (alg == Algorithm::kES256) return p256;
  if (alg == Algorithm::kES384) return p384;
  return rsa;
}
const PrivateKey& OtherKeyFor(Algorithm alg) {
  static const PrivateKey rsa = PrivateKey::Generate(Algorithm::kRS256).value();
  static const PrivateKey p256 = PrivateKey::Generate(Algorithm::kES256).value();
  static const PrivateKey p384 = PrivateKey::Generate(Algorithm::kES384).value();
  if (alg == Algorithm::kES256) return p256;
  if (alg == Algorithm::kES384) return p384;
  return rsa;
}

// A token with exactly these header bytes, signed correctly with `alg`.
std::string SignRaw(Algorithm alg, std::string_view header_json, std::string_view payload) {
  std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload);
  std::string sig = Sign(alg, KeyFor(alg), input).value();
  return input + "." + Base64UrlEncode(sig);
}

std::string Rs256(std::string_view header_json, std::string_view payload = "{}") {
  return SignRaw(Algorithm::kRS256, header_json, payload);
}

Errc VerifyCode(std::string_view token, Algorithm key_alg = Algorithm::kRS256,
                const VerifyOptions& options = VerifyOptions(AllAlgorithms())) {
  return VerifyJws(token, KeyFor(key_alg).public_key(), options).status().code();
}

std::string ReplaceSignature(const std::string& token, std::string_view sig) {
  return token.substr(0, token.rfind('.') + 1) + Base64UrlEncode(sig);
}

class JwsRoundTrip : public ::testing::TestWithParam<Algorithm> {};

TEST_P(JwsRoundTrip, SignedTokenVerifiesWithThePublicKey) {
  Algorithm alg = GetParam();
  SignOptions options;
  options.alg = alg;
  options.kid = "key-1";
  options.typ = "JWT";
  Result<std::string> token = SignJws(KeyFor(alg), R"({"sub":"x"})", options);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  Result<VerifiedJws> v = VerifyJws(*token, KeyFor(alg).public_key(), VerifyOptions({alg}));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->payload, R"({"sub":"x"})");
  EXPECT_EQ(v->header.alg, alg);
  EXPECT_EQ(v->header.alg_name, AlgorithmName(alg));
  EXPECT_EQ(v->header.kid, "key-1");
  EXPECT_EQ(v->header.typ, "JWT");
}

TEST_P(JwsRoundTrip, SignatureHasTheJoseLength) {
  Algorithm alg = GetParam();
  Result<std::string> token = SignJws(KeyFor(alg), "x", {.alg = alg});
  ASSERT_TRUE(token.ok());
  Result<ParsedJws> parsed = ParseJws(*token);
  ASSERT_TRUE(parsed.ok());
  size_t want = alg == Algorithm::kES256 ? 64 : alg == Algorithm::kES384 ? 96 : 256;
  EXPECT_EQ(parsed->signature.size(), want);
}

TEST_P(JwsRoundTrip, OtherKeyOfTheSameKindIsInvalidSignature) {
  Algorithm alg = GetParam();
  Result<std::string> token = SignJws(KeyFor(alg), "payload", {.alg = alg});
  ASSERT_TRUE(token.ok());
  Result<VerifiedJws> v = VerifyJws(*token, OtherKeyFor(alg).public_key(), VerifyOptions({alg}));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Errc::kInvalidSignature);
}

TEST_P(JwsRoundTrip, TamperedPayloadIsInvalidSignature) {
  Algorithm alg = GetParam();
  std::string token = SignJws(KeyFor(alg), R"({"a":1})", {.alg = alg}).value();
  size_t dot1 = token.find('.');
  std::string forged =
      token.substr(0, dot1 + 1) + Base64UrlEncode(R"({"a":2})") + token.substr(token.rfind('.'));
  EXPECT_EQ(VerifyCode(forged, alg, VerifyOptions({alg})), Errc::kInvalidSignature);
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, JwsRoundTrip, ::testing::ValuesIn(AllAlgorithms()),
                         [](const auto& info) { return std::string(AlgorithmName(info.param)); });

TEST(SignJws, HeaderMembersAreAlgKidTypX5cInThatOrder) {
  SignOptions options;
  options.alg = Algorithm::kRS256;
  options.kid = "k";
  options.typ = "JWT";
  options.x5c = {"AAAA"};
  std::string token = SignJws(KeyFor(Algorithm::kRS256), "p", options).value();
  Result<ParsedJws> parsed = ParseJws(token);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->header.json, R"({"alg":"RS256","kid":"k","typ":"JWT","x5c":["AAAA"]})");
  EXPECT_TRUE(parsed->header.has_x5c);
  EXPECT_EQ(parsed->header.x5c, std::vector<std::string>{"AAAA"});
}

TEST(SignJws, OmitsEmptyOptionalMembersAndUsesThePayloadVerbatim) {
  std::string payload = std::string("not json \0 \xff", 12);
  std::string token =
      SignJws(KeyFor(Algorithm::kES256), payload, {.alg = Algorithm::kES256}).value();
  Result<ParsedJws> parsed = ParseJws(token);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->header.json, R"({"alg":"ES256"})");
  EXPECT_EQ(parsed->payload, payload);
  EXPECT_EQ(parsed->signing_input, token.substr(0, token.rfind('.')));
  EXPECT_EQ(parsed->signing_input_view(), parsed->signing_input);
  Result<VerifiedJws> v =
      VerifyJws(token, KeyFor(Algorithm::kES256).public_key(), {Algorithm::kES256});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->payload, payload);
}

TEST(SignJws, KeyThatDoesNotFitTheAlgIsKeyAlgorithmMismatch) {
  EXPECT_EQ(SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kES256}).status().code(),
            Errc::kKeyAlgorithmMismatch);
  EXPECT_EQ(SignJws(KeyFor(Algorithm::kES256), "p", {.alg = Algorithm::kES384}).status().code(),
            Errc::kKeyAlgorithmMismatch);
  EXPECT_EQ(SignJws(KeyFor(Algorithm::kES384), "p", {.alg = Algorithm::kPS256}).status().code(),
            Errc::kKeyAlgorithmMismatch);
}

TEST(SignJws, X5cThatIsNotBase64IsInvalidArgument) {
  SignOptions options;
  options.x5c = {"not base64!"};
  EXPECT_EQ(SignJws(KeyFor(Algorithm::kRS256), "p", options).status().code(),
            Errc::kInvalidArgument);
}

TEST(SignJws, ProbabilisticAlgorithmsGiveFreshSignatures) {
  for (Algorithm alg : {Algorithm::kPS256, Algorithm::kES256}) {
    std::string a = SignJws(KeyFor(alg), "p", {.alg = alg}).value();
    std::string b = SignJws(KeyFor(alg), "p", {.alg = alg}).value();
    EXPECT_NE(a, b) << AlgorithmName(alg);
  }
  std::string a = SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kRS256}).value();
  std::string b = SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kRS256}).value();
  EXPECT_EQ(a, b);
}

TEST(ParseJws, WrongSegmentCountIsMalformedToken) {
  std::string good = Rs256(R"({"alg":"RS256"})");
  for (const std::string& t : {std::string("abc"), std::string("a.b"), good + ".x", good + ".x.y",
                               std::string("..."), std::string(".e30.")}) {
    Result<ParsedJws> p = ParseJws(t);
    ASSERT_FALSE(p.ok()) << t;
    EXPECT_EQ(p.status().code(), Errc::kMalformedToken) << t;
  }
}

TEST(ParseJws, NonStrictBase64UrlIsInvalidBase64) {
  std::string good = Rs256(R"({"alg":"RS256"})");
  std::string header = good.substr(0, good.find('.'));
  std::string rest = good.substr(good.find('.'));
  for (const std::string& t : {header + "=" + rest, "+" + header.substr(1) + rest,
                               "/" + header.substr(1) + rest, header + " " + rest, good + "="}) {
    EXPECT_EQ(ParseJws(t).status().code(), Errc::kInvalidBase64) << t;
  }
}

TEST(ParseJws, OversizedTokenIsLimitExceededBeforeParsing) {
  std::string huge(kDefaultMaxTokenBytes + 1, '!');  // not even base64
  Result<ParsedJws> p = ParseJws(huge);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Errc::kLimitExceeded);
  EXPECT_NE(p.status().message().find(std::to_string(kDefaultMaxTokenBytes)), std::string::npos);
  std::string token = Rs256(R"({"alg":"RS256"})");
  EXPECT_EQ(ParseJws(token, token.size() - 1).status().code(), Errc::kLimitExceeded);
  EXPECT_TRUE(ParseJws(token, token.size()).ok());
  VerifyOptions small({Algorithm::kRS256});
  small.max_token_bytes = 100;
  EXPECT_EQ(VerifyCode(token, Algorithm::kRS256, small), Errc::kLimitExceeded);
}

TEST(ParseJws, HeaderJsonRulesAreStrict) {
  struct Case {
    const char* header;
    Errc code;
  };
  const Case cases[] = {
      {R"({"alg":"RS256","alg":"none"})", Errc::kDuplicateJsonKey},
      {R"({"alg":"RS256",})", Errc::kInvalidJson},
      {"not json", Errc::kInvalidJson},
      {R"(["RS256"])", Errc::kMalformedToken},
      {R"("RS256")", Errc::kMalformedToken},
      {R"({})", Errc::kMalformedToken},
      {R"({"alg":256})", Errc::kMalformedToken},
      {R"({"alg":null})", Errc::kMalformedToken},
      {R"({"alg":"RS256","kid":7})", Errc::kMalformedToken},
      {R"({"alg":"RS256","typ":["JWT"]})", Errc::kMalformedToken},
      {R"({"alg":"RS256","x5c":"MIIB"})", Errc::kMalformedToken},
      {R"({"alg":"RS256","x5c":[1]})", Errc::kMalformedToken},
  };
  for (const Case& c : cases) {
    Result<ParsedJws> p = ParseJws(Rs256(c.header));
    ASSERT_FALSE(p.ok()) << c.header;
    EXPECT_EQ(p.status().code(), c.code) << c.header << ": " << p.status().ToString();
  }
}

TEST(ParseJws, DeeplyNestedHeaderIsLimitExceeded) {
  std::string deep = R"({"alg":"RS256","x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(ParseJws(Rs256(deep)).status().code(), Errc::kLimitExceeded);
}

TEST(ParseJws, KeepsHeaderJsonExactlyAsReceived) {
  std::string header = R"({ "typ" : "JWT", "alg":"RS256", "zzz":{"x":1}})";
  Result<ParsedJws> p = ParseJws(Rs256(header));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->header.json, header);
  EXPECT_EQ(p->header.typ, "JWT");
  EXPECT_FALSE(p->header.has_x5c);
}

std::string MakeNoneToken() {
  return Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode("{}") + ".";
}

TEST(ParseJws, UnknownAlgParsesWithoutAlgValue) {
  Result<ParsedJws> p = ParseJws(MakeNoneToken());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->header.alg_name, "none");
  EXPECT_FALSE(p->header.alg.has_value());
}

TEST(VerifyJws, NoneHmacAndUnknownAlgsAreUnsupportedAlgorithm) {
  EXPECT_EQ(VerifyCode(MakeNoneToken()), Errc::kUnsupportedAlgorithm);
  for (const char* alg : {"HS256", "HS512", "ES512", "EdDSA", "rs256"}) {
    std::string header = std::string(R"({"alg":")") + alg + "\"}";
    EXPECT_EQ(VerifyCode(Rs256(header)), Errc::kUnsupportedAlgorithm) << alg;
  }
}

TEST(VerifyJws, AlgNotInTheAllowlistIsAlgorithmNotAllowed) {
  std::string token = SignRaw(Algorithm::kRS384, R"({"alg":"RS384"})", "{}");
  Result<VerifiedJws> v = VerifyJws(token, KeyFor(Algorithm::kRS256).public_key(),
                                    VerifyOptions({Algorithm::kRS256, Algorithm::kRS512}));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Errc::kAlgorithmNotAllowed);
  EXPECT_NE(v.status().message().find("RS384"), std::string::npos);
  EXPECT_NE(v.status().message().find("RS512"), std::string::npos);
}

TEST(VerifyJws, EmptyAllowlistIsInvalidArgument) {
  EXPECT_EQ(VerifyCode(Rs256(R"({"alg":"RS256"})"), Algorithm::kRS256,
                       VerifyOptions(std::vector<Algorithm>{})),
            Errc::kInvalidArgument);
}

TEST(VerifyJws, AnyCritIsUnsupportedCritical) {
  for (const char* header : {R"({"alg":"RS256","crit":["exp"],"exp":1})",
                             R"({"alg":"RS256","crit":["b64"],"b64":false})",
                             R"({"alg":"RS256","crit":[]})", R"({"alg":"RS256","crit":"x"})"}) {
    EXPECT_EQ(VerifyCode(Rs256(header)), Errc::kUnsupportedCritical) << header;
  }
}

TEST(VerifyJws, B64WithoutCritIsUnsupportedCritical) {
  EXPECT_EQ(VerifyCode(Rs256(R"({"alg":"RS256","b64":false})")), Errc::kUnsupportedCritical);
  EXPECT_EQ(VerifyCode(Rs256(R"({"alg":"RS256","b64":true})")), Errc::kUnsupportedCritical);
}

TEST(VerifyJws, JkuX5uAndJwkHeadersAreUntrusted) {
  for (const char* header : {R"({"alg":"RS256","jku":"https://evil.example/jwks"})",
                             R"({"alg":"RS256","x5u":"https://evil.example/cert"})",
                             R"({"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}})"}) {
    Result<VerifiedJws> v =
        VerifyJws(Rs256(header), KeyFor(Algorithm::kRS256).public_key(), {Algorithm::kRS256});
    ASSERT_FALSE(v.ok()) << header;
    EXPECT_EQ(v.status().code(), Errc::kUntrustedHeader) << header;
  }
}

TEST(VerifyJws, KeyOfTheWrongTypeIsKeyAlgorithmMismatch) {
  std::string rs = Rs256(R"({"alg":"RS256"})");
  EXPECT_EQ(VerifyCode(rs, Algorithm::kES256), Errc::kKeyAlgorithmMismatch);
  std::string es256 = SignRaw(Algorithm::kES256, R"({"alg":"ES256"})", "{}");
  EXPECT_EQ(VerifyCode(es256, Algorithm::kES384), Errc::kKeyAlgorithmMismatch);
  EXPECT_EQ(VerifyCode(es256, Algorithm::kRS256), Errc::kKeyAlgorithmMismatch);
}

TEST(VerifyJws, RsaSignatureOfWrongLengthIsInvalidSignature) {
  std::string token = Rs256(R"({"alg":"RS256"})");
  std::string sig = ParseJws(token).value().signature;
  EXPECT_EQ(VerifyCode(ReplaceSignature(token, sig.substr(1))), Errc::kInvalidSignature);
  EXPECT_EQ(VerifyCode(ReplaceSignature(token, std::string(1, '\0') + sig)),
            Errc::kInvalidSignature);
  EXPECT_EQ(VerifyCode(ReplaceSignature(token, "")), Errc::kInvalidSignature);
}

TEST(VerifyJws, PssWithAnotherSaltLengthIsInvalidSignature) {
  // Sign PS256 by hand with a 20-byte salt: valid PSS, but RFC 7518 §3.5 fixes salt = 32 bytes.
  std::string input = Base64UrlEncode(R"({"alg":"PS256"})") + "." + Base64UrlEncode("{}");
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  ASSERT_EQ(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr,
                               KeyAccess::Evp(KeyFor(Algorithm::kPS256))),
            1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 20), 1);
  std::string sig(256, '\0');
  size_t len = sig.size();
  ASSERT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  std::string token = input + "." + Base64UrlEncode(sig);
  EXPECT_EQ(VerifyCode(token, Algorithm::kPS256), Errc::kInvalidSignature);
}

TEST(VerifyJws, PkcsV15SignatureDoesNotPassAsPss) {
  std::string input = Base64UrlEncode(R"({"alg":"PS256"})") + "." + Base64UrlEncode("{}");
  std::string v15 = Sign(Algorithm::kRS256, KeyFor(Algorithm::kRS256), input).value();
  EXPECT_EQ(VerifyCode(input + "." + Base64UrlEncode(v15)), Errc::kInvalidSignature);
}

TEST(VerifyJws, EcdsaSignatureMustBeRawRAndSOfFixedLength) {
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kES384}) {
    size_t half = alg == Algorithm::kES256 ? 32 : 48;
    std::string header = std::string(R"({"alg":")") + std::string(AlgorithmName(alg)) + "\"}";
    std::string token = SignRaw(alg, header, "{}");
    std::string sig = ParseJws(token).value().signature;
    ASSERT_EQ(sig.size(), 2 * half);
    // DER form, as OpenSSL produces it, is refused.
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    EcdsaSigPtr es(ECDSA_SIG_new());
    ECDSA_SIG_set0(es.get(), BN_bin2bn(p, static_cast<int>(half), nullptr),
                   BN_bin2bn(p + half, static_cast<int>(half), nullptr));
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(es.get(), &der);
    std::string der_sig(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
    OPENSSL_free(der);
    EXPECT_EQ(VerifyCode(ReplaceSignature(token, der_sig), alg), Errc::kInvalidSignature);
    EXPECT_EQ(VerifyCode(ReplaceSignature(token, sig + std::string(1, '\0')), alg),
              Errc::kInvalidSignature);
    EXPECT_EQ(VerifyCode(ReplaceSignature(token, sig.substr(0, 2 * half - 1)), alg),
              Errc::kInvalidSignature);
    EXPECT_TRUE(VerifyJws(token, KeyFor(alg).public_key(), {alg}).ok());
  }
}

std::string CurveOrderBytes(int nid, size_t len) {
  std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>> g(EC_GROUP_new_by_curve_name(nid));
  std::string out(len, '\0');
  BN_bn2binpad(EC_GROUP_get0_order(g.get()), reinterpret_cast<unsigned char*>(out.data()),
               static_cast<int>(len));
  return out;
}

TEST(VerifyJws, EcdsaRAndSMustBeInOneToOrderMinusOne) {
  std::string token = SignRaw(Algorithm::kES256, R"({"alg":"ES256"})", "{}");
  std::string sig = ParseJws(token).value().signature;
  std::string r = sig.substr(0, 32);
  std::string s = sig.substr(32);
  std::string zero(32, '\0');
  std::string n = CurveOrderBytes(NID_X9_62_prime256v1, 32);
  for (const std::string& bad : {zero + s, r + zero, n + s, r + n, std::string(64, '\xff')}) {
    Result<VerifiedJws> v = VerifyJws(ReplaceSignature(token, bad),
                                      KeyFor(Algorithm::kES256).public_key(), {Algorithm::kES256});
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), Errc::kInvalidSignature) << v.status().ToString();
  }
}

TEST(VerifyJws, ChecksHappenInTheDocumentedOrder) {
  // crit before alg: an unsupported alg with crit reports crit.
  EXPECT_EQ(VerifyCode(Rs256(R"({"alg":"none","crit":["x"]})")), Errc::kUnsupportedCritical);
  // untrusted header before alg allowlist.
  EXPECT_EQ(VerifyCode(Rs256(R"({"alg":"HS256","jku":"x"})")), Errc::kUntrustedHeader);
  // alg before key: an EC key with a disallowed RSA alg reports the allowlist.
  EXPECT_EQ(VerifyCode(Rs256(R"({"alg":"RS256"})"), Algorithm::kES256,
                       VerifyOptions({Algorithm::kES256})),
            Errc::kAlgorithmNotAllowed);
}

TEST(VerifyJws, OneKeyVerifiesFromManyThreadsAtOnce) {
  // The per-key verification contexts are created once and shared; exercise that under load.
  for (Algorithm alg : {Algorithm::kRS256, Algorithm::kPS384, Algorithm::kES256}) {
    Result<PublicKey> fresh = PublicKey::FromDer(KeyFor(alg).public_key().ToDer());
    ASSERT_TRUE(fresh.ok());
    std::string good = SignJws(KeyFor(alg), "p", {.alg = alg}).value();
    std::string bad = SignJws(OtherKeyFor(alg), "p", {.alg = alg}).value();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 25; ++i) {
          if (!VerifyJws(good, *fresh, {alg}).ok()) ++failures;
          if (VerifyJws(bad, *fresh, {alg}).status().code() != Errc::kInvalidSignature) ++failures;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0) << AlgorithmName(alg);
  }
}

TEST(VerifyParsedJws, VerifiesWhatTheSignatureCoversNotEditedFields) {
  std::string token =
      SignJws(KeyFor(Algorithm::kRS256), "signed", {.alg = Algorithm::kRS256, .kid = "k"}).value();
  ParsedJws parsed = ParseJws(token).value();
  parsed.payload = "edited";
  parsed.header.kid = "edited";
  Result<VerifiedJws> v =
      VerifyParsedJws(parsed, KeyFor(Algorithm::kRS256).public_key(), {Algorithm::kRS256});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->payload, "signed");
  EXPECT_EQ(v->header.kid, "k");
  parsed.signature[0] = static_cast<char>(parsed.signature[0] ^ 1);
  EXPECT_EQ(VerifyParsedJws(parsed, KeyFor(Algorithm::kRS256).public_key(), {Algorithm::kRS256})
                .status()
                .code(),
            Errc::kInvalidSignature);
}

Jwk JwkFor(const PrivateKey& key, const std::string& kid, std::optional<Algorithm> alg) {
  JwkOptions options;
  options.kid = kid;
  options.alg = alg;
  return ParseJwk(PublicKeyToJwk(key.public_key(), options)).value();
}

TEST(VerifyJwsWithJwks, PicksTheKeyByKid) {
  Jwks jwks = Jwks::FromKeys({JwkFor(OtherKeyFor(Algorithm::kRS256), "a", Algorithm::kRS256),
                              JwkFor(KeyFor(Algorithm::kRS256), "b", Algorithm::kRS256),
                              JwkFor(KeyFor(Algorithm::kES256), "c", Algorithm::kES256)})
                  .value();
  std::string token =
      SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kRS256, .kid = "b"}).value();
  Result<VerifiedJws> v = VerifyJws(token, jwks, {Algorithm::kRS256});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  std::string es =
      SignJws(KeyFor(Algorithm::kES256), "p", {.alg = Algorithm::kES256, .kid = "c"}).value();
  EXPECT_TRUE(VerifyJws(es, jwks, {Algorithm::kES256}).ok());
  std::string wrong_kid =
      SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kRS256, .kid = "a"}).value();
  EXPECT_EQ(VerifyJws(wrong_kid, jwks, {Algorithm::kRS256}).status().code(),
            Errc::kInvalidSignature);
}

TEST(VerifyJwsWithJwks, UnknownKidIsKeyNotFound) {
  Jwks jwks = Jwks::FromKeys({JwkFor(KeyFor(Algorithm::kRS256), "a", std::nullopt)}).value();
  std::string token =
      SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kRS256, .kid = "zz"}).value();
  Result<VerifiedJws> v = VerifyJws(token, jwks, {Algorithm::kRS256});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Errc::kKeyNotFound);
  EXPECT_NE(v.status().message().find("\"zz\""), std::string::npos);
}

TEST(VerifyJwsWithJwks, NoKidUsesTheOnlyKeyElseKeyNotFound) {
  std::string token = SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kRS256}).value();
  Jwks one = Jwks::FromKeys({JwkFor(KeyFor(Algorithm::kRS256), "a", std::nullopt)}).value();
  EXPECT_TRUE(VerifyJws(token, one, {Algorithm::kRS256}).ok());
  Jwks two = Jwks::FromKeys({JwkFor(KeyFor(Algorithm::kRS256), "a", std::nullopt),
                             JwkFor(OtherKeyFor(Algorithm::kRS256), "b", std::nullopt)})
                 .value();
  EXPECT_EQ(VerifyJws(token, two, {Algorithm::kRS256}).status().code(), Errc::kKeyNotFound);
  Jwks none = Jwks::FromKeys({}).value();
  EXPECT_EQ(VerifyJws(token, none, {Algorithm::kRS256}).status().code(), Errc::kKeyNotFound);
}

TEST(VerifyJwsWithJwks, JwkAlgDifferentFromTokenAlgIsKeyAlgorithmMismatch) {
  Jwks jwks = Jwks::FromKeys({JwkFor(KeyFor(Algorithm::kRS256), "a", Algorithm::kRS256)}).value();
  std::string ps =
      SignJws(KeyFor(Algorithm::kPS256), "p", {.alg = Algorithm::kPS256, .kid = "a"}).value();
  VerifyOptions options({Algorithm::kRS256, Algorithm::kPS256});
  Result<VerifiedJws> v = VerifyJws(ps, jwks, options);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Errc::kKeyAlgorithmMismatch);
  EXPECT_NE(v.status().message().find("PS256"), std::string::npos);
  options.require_jwk_alg_match = false;
  EXPECT_TRUE(VerifyJws(ps, jwks, options).ok());
}

TEST(VerifyJwsWithJwks, EncryptionKeyIsNotUsedForVerification) {
  Jwk enc = JwkFor(KeyFor(Algorithm::kRS256), "a", std::nullopt);
  enc.use = "enc";
  Jwks jwks = Jwks::FromKeys({enc}).value();
  std::string token =
      SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kRS256, .kid = "a"}).value();
  EXPECT_EQ(VerifyJws(token, jwks, {Algorithm::kRS256}).status().code(),
            Errc::kKeyAlgorithmMismatch);
}

TEST(VerifyJwsWithJwks, KeyOpsWithoutVerifyIsKeyAlgorithmMismatch) {
  Jwk key = JwkFor(KeyFor(Algorithm::kRS256), "a", std::nullopt);
  key.key_ops = {"encrypt"};
  std::string token =
      SignJws(KeyFor(Algorithm::kRS256), "p", {.alg = Algorithm::kRS256, .kid = "a"}).value();
  Result<VerifiedJws> v = VerifyJws(token, Jwks::FromKeys({key}).value(), {Algorithm::kRS256});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Errc::kKeyAlgorithmMismatch);
  EXPECT_NE(v.status().message().find("key_ops"), std::string::npos);
  key.key_ops = std::vector<std::string>{};
  EXPECT_EQ(VerifyJws(token, Jwks::FromKeys({key}).value(), {Algorithm::kRS256}).status().code(),
            Errc::kKeyAlgorithmMismatch);
  key.key_ops = {{"sign", "verify"}};
  EXPECT_TRUE(VerifyJws(token, Jwks::FromKeys({key}).value(), {Algorithm::kRS256}).ok());
}

}  // namespace
}  // namespace mp
