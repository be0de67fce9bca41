#include "maskinporten/jwk.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/openssl.h"
#include "jose/key_internal.h"
#include "maskinporten/base64.h"

namespace mp {
namespace {

using internal::KeyAccess;
using Json = nlohmann::json;

// RFC 7638 §3.1: the example RSA key (from RFC 7517 A.1) and its SHA-256 thumbprint.
constexpr char kRfc7638Jwk[] = R"({
  "kty": "RSA",
  "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
  "e": "AQAB",
  "alg": "RS256",
  "kid": "2011-04-29"
})";
constexpr char kRfc7638Thumbprint[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

const PrivateKey& Rsa() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kRS256).value();
  return key;
}
const PrivateKey& OtherRsa() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kRS256).value();
  return key;
}
const PrivateKey& P256() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kES256).value();
  return key;
}
const PrivateKey& OtherP256() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kES256).value();
  return key;
}
const PrivateKey& P384() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kES384).value();
  return key;
}

Json ToJson(const std::string& s) { return Json::parse(s); }

Errc ParseCode(const Json& j) { return ParseJwk(j.dump()).status().code(); }
Errc ParsePrivateCode(const Json& j) { return ParsePrivateJwk(j.dump()).status().code(); }

// A self-signed certificate (standard base64 DER) for `key`, for x5c.
std::string SelfSignedX5c(const PrivateKey& key) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("jwk test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), KeyAccess::Evp(key));
  X509_sign(cert.get(), KeyAccess::Evp(key), EVP_sha256());
  unsigned char* der = nullptr;
  int len = i2d_X509(cert.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return Base64Encode(out);
}

TEST(JwkThumbprint, MatchesRfc7638Example) {
  Result<Jwk> jwk = ParseJwk(kRfc7638Jwk);
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->key.Thumbprint(), kRfc7638Thumbprint);
  EXPECT_EQ(jwk->kid, "2011-04-29");
  EXPECT_EQ(jwk->alg, Algorithm::kRS256);
  EXPECT_EQ(jwk->alg_name, "RS256");
  EXPECT_EQ(jwk->use, "");
}

TEST(JwkThumbprint, EcUsesCrvKtyXYInOrder) {
  PublicKey pub = P256().public_key();
  Json j = ToJson(PublicKeyToJwk(pub));
  std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" + j["x"].get<std::string>() +
                          R"(","y":")" + j["y"].get<std::string>() + R"("})";
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(canonical.data(), canonical.size(), md, &len, EVP_sha256(), nullptr);
  EXPECT_EQ(pub.Thumbprint(), Base64UrlEncode(std::string(reinterpret_cast<char*>(md), len)));
}

TEST(JwkExport, PublicRoundTripsForRsaAndEc) {
  for (const PrivateKey* key : {&Rsa(), &P256(), &P384()}) {
    Algorithm alg = key->DefaultAlgorithm();
    std::string text = PublicKeyToJwk(key->public_key(), {.kid = "k1", .alg = alg});
    Result<Jwk> jwk = ParseJwk(text);
    ASSERT_TRUE(jwk.ok()) << jwk.status().ToString() << " " << text;
    EXPECT_TRUE(jwk->key == key->public_key());
    EXPECT_EQ(jwk->kid, "k1");
    EXPECT_EQ(jwk->alg, alg);
    EXPECT_EQ(jwk->use, "sig");
  }
}

TEST(JwkExport, OmitsEmptyOptions) {
  JwkOptions options;
  options.use_sig = false;
  Json j = ToJson(PublicKeyToJwk(Rsa().public_key(), options));
  EXPECT_FALSE(j.contains("kid"));
  EXPECT_FALSE(j.contains("alg"));
  EXPECT_FALSE(j.contains("use"));
  EXPECT_EQ(j["kty"], "RSA");
  EXPECT_EQ(j["e"], "AQAB");
}

TEST(JwkExport, EcCoordinatesHaveTheCurvesFullLength) {
  for (int i = 0; i < 8; ++i) {  // some keys have a leading zero octet in x or y
    PrivateKey key = PrivateKey::Generate(Algorithm::kES256).value();
    Json j = ToJson(PublicKeyToJwk(key.public_key()));
    EXPECT_EQ(j["x"].get<std::string>().size(), 43u);
    EXPECT_EQ(j["y"].get<std::string>().size(), 43u);
  }
  Json j = ToJson(PublicKeyToJwk(P384().public_key()));
  EXPECT_EQ(j["x"].get<std::string>().size(), 64u);
}

TEST(JwkPrivate, RoundTripsForRsaAndEc) {
  for (const PrivateKey* key : {&Rsa(), &P256(), &P384()}) {
    std::string text = PrivateKeyToJwk(*key, {.kid = "k"});
    Result<PrivateKey> back = ParsePrivateJwk(text);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(back->public_key() == key->public_key());
    EXPECT_EQ(back->ToPkcs8Pem(), key->ToPkcs8Pem());
  }
}

TEST(JwkPrivate, RsaJwkHasCrtParameters) {
  Json j = ToJson(PrivateKeyToJwk(Rsa()));
  for (const char* m : {"n", "e", "d", "p", "q", "dp", "dq", "qi"}) {
    EXPECT_TRUE(j.contains(m)) << m;
  }
}

TEST(JwkPrivate, RsaWithoutCrtParametersIsInvalidJwk) {
  Json j = ToJson(PrivateKeyToJwk(Rsa()));
  for (const char* m : {"p", "q", "dp", "dq", "qi"}) {
    Json k = j;
    k.erase(m);
    EXPECT_EQ(ParsePrivateCode(k), Errc::kInvalidJwk) << m;
  }
}

TEST(JwkPrivate, RsaPrivatePartsOfAnotherKeyAreInvalidJwk) {
  Json mine = ToJson(PrivateKeyToJwk(Rsa()));
  Json theirs = ToJson(PrivateKeyToJwk(OtherRsa()));
  Json mixed = mine;
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi"}) mixed[m] = theirs[m];
  Result<PrivateKey> key = ParsePrivateJwk(mixed.dump());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Errc::kInvalidJwk);
  Json bad_dp = mine;
  bad_dp["dp"] = theirs["dp"];
  EXPECT_EQ(ParsePrivateCode(bad_dp), Errc::kInvalidJwk);
}

TEST(JwkPrivate, EcDThatDoesNotMatchXYIsInvalidJwk) {
  Json mine = ToJson(PrivateKeyToJwk(P256()));
  Json theirs = ToJson(PrivateKeyToJwk(OtherP256()));
  mine["d"] = theirs["d"];
  Result<PrivateKey> key = ParsePrivateJwk(mine.dump());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Errc::kInvalidJwk);
  EXPECT_NE(key.status().message().find("\"d\""), std::string::npos) << key.status().message();
}

TEST(JwkPrivate, EcDOfWrongLengthIsInvalidJwk) {
  Json j = ToJson(PrivateKeyToJwk(P256()));
  std::string d = Base64UrlDecode(j["d"].get<std::string>()).value();
  j["d"] = Base64UrlEncode(d.substr(1));
  EXPECT_EQ(ParsePrivateCode(j), Errc::kInvalidJwk);
}

TEST(JwkPrivate, PublicJwkIsNotAPrivateKey) {
  EXPECT_EQ(ParsePrivateJwk(PublicKeyToJwk(Rsa().public_key())).status().code(), Errc::kInvalidJwk);
}

TEST(JwkPrivate, ExportedPrivateJwkDoesNotParseAsPublic) {
  Result<Jwk> jwk = ParseJwk(PrivateKeyToJwk(P256()));
  ASSERT_FALSE(jwk.ok());
  EXPECT_EQ(jwk.status().code(), Errc::kInvalidJwk);
  EXPECT_NE(jwk.status().message().find("\"d\""), std::string::npos);
}

TEST(JwkParse, PublicJwkWithAnyPrivateMemberIsInvalidJwk) {
  Json base = ToJson(PublicKeyToJwk(Rsa().public_key()));
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    Json j = base;
    j[m] = "AQAB";
    EXPECT_EQ(ParseCode(j), Errc::kInvalidJwk) << m;
  }
}

TEST(JwkParse, RsaModulusWithLeadingZeroIsInvalidJwk) {
  Json j = ToJson(PublicKeyToJwk(Rsa().public_key()));
  std::string n = Base64UrlDecode(j["n"].get<std::string>()).value();
  j["n"] = Base64UrlEncode(std::string(1, '\0') + n);
  Result<Jwk> jwk = ParseJwk(j.dump());
  ASSERT_FALSE(jwk.ok());
  EXPECT_EQ(jwk.status().code(), Errc::kInvalidJwk);
  EXPECT_NE(jwk.status().message().find("\"n\""), std::string::npos);
}

TEST(JwkParse, NonStrictBase64UrlIsInvalidJwk) {
  Json j = ToJson(PublicKeyToJwk(Rsa().public_key()));
  Json padded = j;
  padded["e"] = "AQAB=";
  EXPECT_EQ(ParseCode(padded), Errc::kInvalidJwk);
  Json std_alphabet = j;
  std::string n = j["n"].get<std::string>();
  for (char& c : n) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  n[0] = '+';
  std_alphabet["n"] = n;
  EXPECT_EQ(ParseCode(std_alphabet), Errc::kInvalidJwk);
}

TEST(JwkParse, AbsurdOrEvenExponentIsInvalidJwk) {
  Json j = ToJson(PublicKeyToJwk(Rsa().public_key()));
  for (const char* e : {"AQAA", "AQ", "Ag", "AAEAAQ", "AQABAQABAQ"}) {
    Json k = j;
    k["e"] = e;
    EXPECT_EQ(ParseCode(k), Errc::kInvalidJwk) << e;
  }
}

TEST(JwkParse, MissingOrMistypedMembersAreInvalidJwk) {
  Json rsa = ToJson(PublicKeyToJwk(Rsa().public_key()));
  Json ec = ToJson(PublicKeyToJwk(P256().public_key()));
  for (const char* m : {"kty", "n", "e"}) {
    Json k = rsa;
    k.erase(m);
    EXPECT_EQ(ParseCode(k), Errc::kInvalidJwk) << m;
    k = rsa;
    k[m] = 5;
    EXPECT_EQ(ParseCode(k), Errc::kInvalidJwk) << m;
  }
  for (const char* m : {"crv", "x", "y"}) {
    Json k = ec;
    k.erase(m);
    EXPECT_EQ(ParseCode(k), Errc::kInvalidJwk) << m;
  }
  for (const char* m : {"kid", "use", "alg"}) {
    Json k = rsa;
    k[m] = Json::array();
    EXPECT_EQ(ParseCode(k), Errc::kInvalidJwk) << m;
  }
}

TEST(JwkParse, EcCoordinateOfWrongLengthIsInvalidJwk) {
  Json j = ToJson(PublicKeyToJwk(P256().public_key()));
  std::string x = Base64UrlDecode(j["x"].get<std::string>()).value();
  Json shorter = j;
  shorter["x"] = Base64UrlEncode(x.substr(1));
  EXPECT_EQ(ParseCode(shorter), Errc::kInvalidJwk);
  Json longer = j;
  longer["x"] = Base64UrlEncode(std::string(1, '\0') + x);
  EXPECT_EQ(ParseCode(longer), Errc::kInvalidJwk);
  Json wrong_curve = j;
  wrong_curve["crv"] = "P-384";
  EXPECT_EQ(ParseCode(wrong_curve), Errc::kInvalidJwk);
}

TEST(JwkParse, EcPointNotOnTheCurveIsInvalidJwk) {
  Json j = ToJson(PublicKeyToJwk(P256().public_key()));
  std::string y = Base64UrlDecode(j["y"].get<std::string>()).value();
  y.back() = static_cast<char>(y.back() ^ 1);
  j["y"] = Base64UrlEncode(y);
  Result<Jwk> jwk = ParseJwk(j.dump());
  ASSERT_FALSE(jwk.ok());
  EXPECT_EQ(jwk.status().code(), Errc::kInvalidJwk);
  EXPECT_NE(jwk.status().message().find("P-256"), std::string::npos) << jwk.status().message();
}

TEST(JwkParse, UnsupportedKtyIsInvalidJwkAndUnsupportedCurveIsInvalidKey) {
  EXPECT_EQ(ParseJwk(R"({"kty":"oct","k":"AAAA"})").status().code(), Errc::kInvalidJwk);
  EXPECT_EQ(ParseJwk(R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})").status().code(),
            Errc::kInvalidJwk);
  Json j = ToJson(PublicKeyToJwk(P256().public_key()));
  j["crv"] = "P-521";
  EXPECT_EQ(ParseCode(j), Errc::kInvalidKey);
}

TEST(JwkParse, Rsa1024IsWeakKey) {
  EvpPkeyPtr weak(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  ASSERT_TRUE(weak);
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(weak.get(), "n", &n), 1);
  std::string nb(static_cast<size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(nb.data()));
  BN_free(n);
  Json j = {{"kty", "RSA"}, {"n", Base64UrlEncode(nb)}, {"e", "AQAB"}};
  EXPECT_EQ(ParseCode(j), Errc::kWeakKey);
}

TEST(JwkParse, RocaFingerprintedModulusIsWeakKey) {
  // n = 1 + k * (3 * 5 * ... * 167) is 1 modulo every prime the ROCA detector checks, and 1 is in
  // every subgroup generated by 65537: exactly the fingerprint (CVE-2017-15361).
  BnPtr product(BN_new());
  BN_one(product.get());
  for (unsigned p :
       {3,  5,  7,  11, 13, 17,  19,  23,  29,  31,  37,  41,  43,  47,  53,  59,  61,  67,  71,
        73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167}) {
    BN_mul_word(product.get(), p);
  }
  BnPtr n(BN_new());
  BN_lshift(n.get(), product.get(), 2048 - BN_num_bits(product.get()));  // even, 2048 bits
  BN_add_word(n.get(), 1);
  ASSERT_EQ(BN_num_bits(n.get()), 2048);
  std::string nb(256, '\0');
  BN_bn2bin(n.get(), reinterpret_cast<unsigned char*>(nb.data()));
  Json j = {{"kty", "RSA"}, {"n", Base64UrlEncode(nb)}, {"e", "AQAB"}};
  Result<Jwk> jwk = ParseJwk(j.dump());
  ASSERT_FALSE(jwk.ok());
  EXPECT_EQ(jwk.status().code(), Errc::kWeakKey);
  EXPECT_NE(jwk.status().message().find("ROCA"), std::string::npos);
  // The same modulus plus 2 is 0 modulo 3, outside the subgroup: not fingerprinted, so the check
  // does not simply refuse every crafted modulus.
  BN_add_word(n.get(), 2);
  BN_bn2bin(n.get(), reinterpret_cast<unsigned char*>(nb.data()));
  j["n"] = Base64UrlEncode(nb);
  EXPECT_TRUE(ParseJwk(j.dump()).ok()) << ParseJwk(j.dump()).status().ToString();
}

TEST(JwkParse, KeyOpsAreKeptAndDuplicatesRefused) {
  Json j = ToJson(PublicKeyToJwk(P256().public_key()));
  j["key_ops"] = {"verify"};
  Result<Jwk> jwk = ParseJwk(j.dump());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->key_ops, std::vector<std::string>{"verify"});
  EXPECT_FALSE(ParseJwk(PublicKeyToJwk(P256().public_key())).value().key_ops.has_value());
  j["key_ops"] = {"verify", "verify"};
  EXPECT_EQ(ParseCode(j), Errc::kInvalidJwk);
  j["key_ops"] = "verify";
  EXPECT_EQ(ParseCode(j), Errc::kInvalidJwk);
}

TEST(JwkParse, KeepsUnknownAlgNameAndRefusesAlgThatDoesNotFitTheKey) {
  Json j = ToJson(PublicKeyToJwk(Rsa().public_key()));
  j["alg"] = "RSA-OAEP";
  Result<Jwk> jwk = ParseJwk(j.dump());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->alg_name, "RSA-OAEP");
  EXPECT_FALSE(jwk->alg.has_value());
  j["alg"] = "ES256";
  EXPECT_EQ(ParseCode(j), Errc::kInvalidJwk);
}

TEST(JwkParse, DuplicateMemberIsDuplicateJsonKey) {
  std::string text = PublicKeyToJwk(Rsa().public_key());
  text.insert(1, R"("kty":"RSA",)");
  EXPECT_EQ(ParseJwk(text).status().code(), Errc::kDuplicateJsonKey);
  EXPECT_EQ(ParseJwk("[1]").status().code(), Errc::kInvalidJson);
}

TEST(JwkParse, X5cMustCarryTheSameKey) {
  Json j = ToJson(PublicKeyToJwk(Rsa().public_key()));
  j["x5c"] = {SelfSignedX5c(Rsa())};
  Result<Jwk> jwk = ParseJwk(j.dump());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  ASSERT_EQ(jwk->x5c.size(), 1u);
  j["x5c"] = {SelfSignedX5c(OtherRsa())};
  EXPECT_EQ(ParseCode(j), Errc::kInvalidJwk);
  j["x5c"] = {"not base64!"};
  EXPECT_EQ(ParseCode(j), Errc::kInvalidJwk);
  j["x5c"] = {"AAAA"};
  EXPECT_EQ(ParseCode(j), Errc::kInvalidJwk);
  j["x5c"] = "AAAA";
  EXPECT_EQ(ParseCode(j), Errc::kInvalidJwk);
}

std::string JwksOf(const std::vector<Json>& keys) { return Json{{"keys", keys}}.dump(); }

Json PublicJwkJson(const PrivateKey& key, const std::string& kid) {
  return ToJson(PublicKeyToJwk(key.public_key(), {.kid = kid, .alg = key.DefaultAlgorithm()}));
}

TEST(Jwks, ParsesAndFindsByKid) {
  Result<Jwks> jwks = Jwks::Parse(JwksOf({PublicJwkJson(Rsa(), "a"), PublicJwkJson(P256(), "b")}));
  ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
  ASSERT_EQ(jwks->keys().size(), 2u);
  ASSERT_NE(jwks->Find("b"), nullptr);
  EXPECT_TRUE(jwks->Find("b")->key == P256().public_key());
  EXPECT_EQ(jwks->Find("c"), nullptr);
}

TEST(Jwks, DuplicateKidIsDuplicateKid) {
  Result<Jwks> jwks = Jwks::Parse(JwksOf({PublicJwkJson(Rsa(), "a"), PublicJwkJson(P256(), "a")}));
  ASSERT_FALSE(jwks.ok());
  EXPECT_EQ(jwks.status().code(), Errc::kDuplicateKid);
  EXPECT_NE(jwks.status().message().find("\"a\""), std::string::npos);
  Jwk one = ParseJwk(PublicJwkJson(Rsa(), "x").dump()).value();
  EXPECT_EQ(Jwks::FromKeys({one, one}).status().code(), Errc::kDuplicateKid);
}

TEST(Jwks, SkipsEncryptionKeysAndUnknownKty) {
  Json enc = PublicJwkJson(OtherRsa(), "enc-key");
  enc["use"] = "enc";
  enc.erase("alg");
  Json oct = {{"kty", "oct"}, {"kid", "sym"}, {"k", "AAAA"}};
  Json okp = {
      {"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
  Result<Jwks> jwks = Jwks::Parse(JwksOf({enc, oct, PublicJwkJson(Rsa(), "sig"), okp}));
  ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
  ASSERT_EQ(jwks->keys().size(), 1u);
  EXPECT_EQ(jwks->keys()[0].kid, "sig");
  EXPECT_EQ(jwks->Find("enc-key"), nullptr);
}

TEST(Jwks, BrokenKnownEntryIsRefusedWithItsIndex) {
  Json broken = PublicJwkJson(Rsa(), "b");
  broken["n"] = "AA";
  Result<Jwks> jwks = Jwks::Parse(JwksOf({PublicJwkJson(P256(), "a"), broken}));
  ASSERT_FALSE(jwks.ok());
  EXPECT_EQ(jwks.status().code(), Errc::kInvalidJwk);
  EXPECT_NE(jwks.status().message().find("keys[1]"), std::string::npos) << jwks.status().message();
}

TEST(Jwks, NeedsAKeysArray) {
  EXPECT_EQ(Jwks::Parse("{}").status().code(), Errc::kInvalidJwk);
  EXPECT_EQ(Jwks::Parse(R"({"keys":{}})").status().code(), Errc::kInvalidJwk);
  EXPECT_EQ(Jwks::Parse(R"({"keys":[1]})").status().code(), Errc::kInvalidJwk);
  EXPECT_EQ(Jwks::Parse(R"({"keys":[{"n":"AQAB"}]})").status().code(), Errc::kInvalidJwk);
  EXPECT_EQ(Jwks::Parse("not json").status().code(), Errc::kInvalidJson);
  Result<Jwks> empty = Jwks::Parse(R"({"keys":[]})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->keys().empty());
}

TEST(Jwks, ToJsonRoundTripsKeysAndMembers) {
  Json with_x5c = PublicJwkJson(Rsa(), "a");
  with_x5c["x5c"] = {SelfSignedX5c(Rsa())};
  Result<Jwks> jwks = Jwks::Parse(JwksOf({with_x5c, PublicJwkJson(P384(), "b")}));
  ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
  Result<Jwks> again = Jwks::Parse(jwks->ToJson());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->keys().size(), 2u);
  const Jwk& a = again->keys()[0];
  EXPECT_EQ(a.kid, "a");
  EXPECT_EQ(a.use, "sig");
  EXPECT_EQ(a.alg, Algorithm::kRS256);
  EXPECT_EQ(a.x5c, jwks->keys()[0].x5c);
  EXPECT_TRUE(again->keys()[1].key == P384().public_key());
}

}  // namespace
}  // namespace mp
