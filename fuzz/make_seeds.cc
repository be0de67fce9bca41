// Writes the seed corpora of the fuzz targets, generated from the library itself: nothing is
// downloaded and no binary is committed.
//
//   make_seeds OUT_DIR      -> OUT_DIR/{base64url,json,jws,jwk,certificate}/<name>
//
// Seeds are valid inputs of every shape the parsers accept (tokens of every algorithm signed
// with the fixed fuzz keys, JWKs of every key type, certificate chains from a TestCa) plus a few
// hostile ones, so the fuzzer starts deep inside each parser. Existing files are overwritten.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_keys.h"
#include "maskinporten/base64.h"
#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "maskinporten/key.h"
#include "maskinporten/org_number.h"
#include "maskinporten/test_ca.h"

namespace {

namespace fs = std::filesystem;

template <typename T>
T OrDie(mp::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "make_seeds: %s: %s\n", what, r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

class Corpus {
 public:
  Corpus(const fs::path& root, const std::string& target) : dir_(root / target) {
    fs::create_directories(dir_);
  }
  void Add(const std::string& name, std::string_view bytes) {
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "make_seeds: cannot write %s\n", (dir_ / name).c_str());
      std::exit(1);
    }
    ++count_;
  }
  int count() const { return count_; }

 private:
  fs::path dir_;
  int count_ = 0;
};

std::string Bytes(size_t n) {  // deterministic filler
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return s;
}

// SPEC §5: a Maskinporten access-token payload.
constexpr std::string_view kAccessTokenPayload =
    R"({"scope":"altinn:broker.read","iss":"https://test.maskinporten.no/",)"
    R"("client_amr":"private_key_jwt","token_type":"Bearer","exp":1757498492,"iat":1757498372,)"
    R"("client_id":"826acbbc-ee17-4946-af92-cf4885ebe951",)"
    R"("jti":"ii1YvnPPCUHYlZw9_hVwr1UhLVQUdiNV_QKNru4JJGk",)"
    R"("consumer":{"authority":"iso6523-actorid-upis","ID":"0192:314240979"}})";

// A grant as a client sends it (SPEC §4.3), valid at the fuzz targets' FakeClock (1700000000).
constexpr std::string_view kGrantPayload =
    R"({"aud":"https://test.maskinporten.no/","iss":"826acbbc-ee17-4946-af92-cf4885ebe951",)"
    R"("scope":"altinn:broker.read nav:sykepenger","iat":1700000000,"exp":1700000120,)"
    R"("jti":"2b1f8c4e-6c1e-4a1b-9a53-0d1d7e6b5f10","resource":["https://nav.no/api"]})";

void Base64Seeds(Corpus& c) {
  for (size_t n : {0, 1, 2, 3, 4, 5, 16, 32, 33, 64, 256}) {
    c.Add("url_" + std::to_string(n), mp::Base64UrlEncode(Bytes(n)));
    c.Add("std_" + std::to_string(n), mp::Base64Encode(Bytes(n)));
  }
  c.Add("payload", mp::Base64UrlEncode(kAccessTokenPayload));
  c.Add("alphabet", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
  c.Add("std_alphabet", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  const char* hostile[] = {"Zg==",  "Zh", "Zm9",      "A",    "Zm9v\n",
                           "Zm 9v", "=",  "Zm8=Zm8=", "Zh==", "-_+/"};
  int i = 0;
  for (const char* h : hostile) c.Add("hostile_" + std::to_string(i++), h);
}

void JsonSeeds(Corpus& c) {
  c.Add("access_token", kAccessTokenPayload);
  c.Add("grant", kGrantPayload);
  c.Add("jws_header", R"({"alg":"RS256","kid":"k1","typ":"JWT","x5c":["MIIB"]})");
  c.Add("values",
        R"([null,true,false,0,-1,1.5e-3,18446744073709551615,-9223372036854775808,"",{}])");
  c.Add("strings", R"(["\u0000\n\t\"\\\/","\ud83d\udd11","bl\u00e5b\u00e6r","bl)"
                   "\xc3\xa5"
                   R"("])");
  c.Add("nested", R"({"a":{"b":{"c":[[[{"d":[1,{"e":null}]}]]]}}})");
  c.Add("depth_32", std::string(32, '[') + std::string(32, ']'));
  c.Add("rar", R"({"authorization_details":[{"type":"ansattporten:altinn:service",)"
               R"("resource":"urn:altinn:resource:2480:40","reportees":[{"Rights":["Read"],)"
               R"("Authority":"iso6523-actorid-upis","ID":"0192:910753614","Name":"TEST AS"}]}]})");
  c.Add("hostile_dup", R"({"a":1,"b":{"c":2,"c":3}})");
  c.Add("hostile_dup_escaped", R"({"a":1,"\u0061":2})");
  c.Add("hostile_depth_33", std::string(33, '[') + std::string(33, ']'));
  c.Add("hostile_deep_open", std::string(4000, '['));
  c.Add("hostile_surrogate", R"(["\ud800"])");
  c.Add("hostile_utf8", "[\"\xc0\xaf\"]");
  c.Add("hostile_nul", std::string("{}\0{}", 5));
  c.Add("hostile_numbers", "[1e400,01,-,1.]");
  c.Add("hostile_trailing", "{} {}");
}

void JwsSeeds(Corpus& c, const std::vector<std::string>& x5c) {
  const mp::PrivateKey& rsa = mp::fuzz::FuzzRsaKey();
  const mp::PrivateKey& ec = mp::fuzz::FuzzEcKey();
  mp::PrivateKey p384 = OrDie(mp::PrivateKey::Generate(mp::Algorithm::kES384), "P-384 key");
  for (mp::Algorithm alg : mp::AllAlgorithms()) {
    std::string name(mp::AlgorithmName(alg));
    const mp::PrivateKey& key = alg == mp::Algorithm::kES256   ? ec
                                : alg == mp::Algorithm::kES384 ? p384
                                                               : rsa;
    std::string kid(alg == mp::Algorithm::kES256 ? mp::fuzz::kEcKid : mp::fuzz::kRsaKid);
    c.Add(name + "_grant",
          OrDie(mp::SignJws(key, kGrantPayload, {.alg = alg, .kid = kid, .typ = "JWT"}), "sign"));
    c.Add(name + "_access_token",
          OrDie(mp::SignJws(key, kAccessTokenPayload, {.alg = alg, .kid = kid}), "sign"));
    c.Add(name + "_no_kid", OrDie(mp::SignJws(key, "{}", {.alg = alg}), "sign"));
  }
  std::string with_x5c = OrDie(
      mp::SignJws(rsa, kGrantPayload, {.alg = mp::Algorithm::kRS256, .x5c = x5c}), "sign x5c");
  c.Add("RS256_x5c", with_x5c);

  auto seg = [](std::string_view s) { return mp::Base64UrlEncode(s); };
  std::string payload = seg(kGrantPayload);
  std::string sig = seg(Bytes(256));
  auto token = [&](std::string_view header) { return seg(header) + "." + payload + "." + sig; };
  c.Add("hostile_none", seg(R"({"alg":"none"})") + "." + payload + ".");
  c.Add("hostile_hs256", token(R"({"alg":"HS256"})"));
  c.Add("hostile_crit", token(R"({"alg":"RS256","crit":["b64"],"b64":false})"));
  c.Add("hostile_jku", token(R"({"alg":"RS256","jku":"https://evil.example/jwks"})"));
  c.Add("hostile_x5u", token(R"({"alg":"RS256","x5u":"https://evil.example/cert"})"));
  c.Add("hostile_jwk", token(R"({"alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"","y":""}})"));
  c.Add("hostile_dup_alg", token(R"({"alg":"RS256","alg":"none"})"));
  c.Add("hostile_alg_type", token(R"({"alg":256})"));
  c.Add("hostile_header_array", token(R"(["alg","RS256"])"));
  c.Add("hostile_bad_x5c", token(R"({"alg":"RS256","x5c":["!!",""]})"));
  c.Add("hostile_two_segments", seg(R"({"alg":"RS256"})") + "." + payload);
  c.Add("hostile_four_segments", token(R"({"alg":"RS256"})") + ".");
  c.Add("hostile_padding", token(R"({"alg":"RS256"})") + "==");
  c.Add("hostile_empty", "..");
  c.Add("hostile_es256_short_sig", seg(R"({"alg":"ES256"})") + "." + payload + "." + seg("xx"));
}

void JwkSeeds(Corpus& c) {
  const mp::PrivateKey& rsa = mp::fuzz::FuzzRsaKey();
  const mp::PrivateKey& ec = mp::fuzz::FuzzEcKey();
  mp::PrivateKey p384 = OrDie(mp::PrivateKey::Generate(mp::Algorithm::kES384), "P-384 key");
  mp::PrivateKey rsa3072 =
      OrDie(mp::PrivateKey::Generate(mp::Algorithm::kPS256, 3072), "RSA-3072 key");
  struct Named {
    const char* name;
    const mp::PrivateKey* key;
    mp::Algorithm alg;
  };
  const Named keys[] = {{"rsa2048", &rsa, mp::Algorithm::kRS256},
                        {"rsa3072", &rsa3072, mp::Algorithm::kPS256},
                        {"p256", &ec, mp::Algorithm::kES256},
                        {"p384", &p384, mp::Algorithm::kES384}};
  std::vector<mp::Jwk> all;
  for (const Named& k : keys) {
    std::string n = k.name;
    c.Add(n + "_public", mp::PublicKeyToJwk(k.key->public_key(), {.kid = n, .alg = k.alg}));
    c.Add(n + "_public_bare", mp::PublicKeyToJwk(k.key->public_key(), {.use_sig = false}));
    c.Add(n + "_private", mp::PrivateKeyToJwk(*k.key, {.kid = n, .alg = k.alg}));
    all.push_back(mp::Jwk{.key = k.key->public_key(),
                          .kid = n,
                          .alg = k.alg,
                          .alg_name = "",
                          .use = "sig",
                          .x5c = {}});
  }
  mp::Jwks jwks = OrDie(mp::Jwks::FromKeys(all), "jwks");
  c.Add("jwks", jwks.ToJson());
  std::string rsa_jwk = mp::PublicKeyToJwk(rsa.public_key(), {.kid = "dup"});
  c.Add("hostile_dup_kid", "{\"keys\":[" + rsa_jwk + "," + rsa_jwk + "]}");
  c.Add("hostile_unknown_kty",
        R"({"keys":[{"kty":"oct","k":"c2VjcmV0"},)" + mp::PublicKeyToJwk(ec.public_key()) + "]}");
  c.Add("hostile_use_enc",
        R"({"keys":[{"kty":"EC","crv":"P-256","use":"enc","x":"AAAA","y":"AAAA"}]})");
  c.Add("hostile_rsa_leading_zero", R"({"kty":"RSA","n":"AAEC","e":"AQAB"})");
  c.Add("hostile_rsa_small",
        R"({"kty":"RSA","n":")" + mp::Base64UrlEncode("\xc5" + Bytes(127)) + R"(","e":"AQAB"})");
  c.Add("hostile_ec_off_curve", R"({"kty":"EC","crv":"P-256","x":")" +
                                    mp::Base64UrlEncode(Bytes(32)) + R"(","y":")" +
                                    mp::Base64UrlEncode(Bytes(32)) + R"("})");
  c.Add("hostile_ec_p521", R"({"kty":"EC","crv":"P-521","x":"AA","y":"AA"})");
  c.Add("hostile_missing_e", R"({"kty":"RSA","n":"AQAB"})");
  c.Add("hostile_padded", R"({"kty":"RSA","n":"AQAB==","e":"AQAB"})");
  c.Add("hostile_keys_not_array", R"({"keys":{}})");
}

void CertificateSeeds(Corpus& c, const mp::TestCa& ca, const std::vector<mp::Certificate>& chain,
                      const mp::PrivateKey& leaf_key) {
  c.Add("root_pem", ca.root().Pem());
  c.Add("root_der", ca.root().Der());
  c.Add("issuing_der", ca.issuing().Der());
  std::string pem_chain, x5c;
  for (const auto& cert : chain) {
    pem_chain += cert.Pem();
    if (!x5c.empty()) x5c += ",";
    x5c += cert.X5cEntry();
  }
  c.Add("leaf_der", chain[0].Der());
  c.Add("chain_pem", pem_chain);
  c.Add("chain_pem_with_key", leaf_key.ToPkcs8Pem() + pem_chain);
  c.Add("chain_x5c", x5c);
  c.Add("leaf_x5c", chain[0].X5cEntry());

  auto org = OrDie(mp::OrgNumber::Parse("991825827"), "org");
  auto seid1 = OrDie(ca.Issue({.org = org, .name = "TEST SEID1 AS", .seid = 1}), "seid 1");
  c.Add("seid1_der", seid1.chain[0].Der());
  auto no_ds = OrDie(ca.Issue({.org = org, .name = "TEST NO DS AS", .digital_signature = false}),
                     "no digitalSignature");
  c.Add("no_digital_signature_pem", no_ds.chain[0].Pem());
  auto rsa3072 = OrDie(ca.Issue({.org = org, .name = "TEST 3072 AS", .key_bits = 3072}), "3072");
  c.Add("rsa3072_leaf_der", rsa3072.chain[0].Der());

  c.Add("hostile_empty_pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
  c.Add("hostile_truncated_der", chain[0].Der().substr(0, 100));
  c.Add("hostile_bad_x5c", "!!!," + chain[0].X5cEntry() + ",");
  c.Add("hostile_der_trailing", chain[0].Der() + "x");
}

// Altinn 3 authorization_details arrays (SPEC §11.3) and ISO 8601 times of consents.
void ConsentSeeds(Corpus& c) {
  const std::string entry =
      R"({"type":"urn:altinn:consent","id":"3f2c7d9a-1b4e-4c8f-9a2d-5e6f7a8b9c0d",)"
      R"("from":"urn:altinn:person:identifier-no:01819010001",)"
      R"("to":{"authority":"iso6523-actorid-upis","ID":"0192:910753614"},)"
      R"("consented":"2026-11-30T17:00:00Z","validTo":"2027-11-30T00:00:00Z",)"
      R"("consentRights":[{"action":["consent"],"resource":[{"type":"urn:altinn:resource",)"
      R"("value":"5252_2"}],"metadata":{"Navn":"TEST FORSIKRING AS"}}]})";
  c.Add("altinn3", "[" + entry + "]");
  c.Add("altinn3_with_systemuser",
        R"([{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis",)"
        R"("ID":"0192:910753614"}},)" +
            entry + "]");
  c.Add("hostile_two_consents", "[" + entry + "," + entry + "]");
  c.Add("hostile_org_from",
        R"([{"type":"urn:altinn:consent","id":"x","from":"urn:altinn:organization:identifier-no:)"
        R"(910753614","to":{"ID":"0192:910753615"},"consented":"2026-02-30","validTo":1,)"
        R"("consentRights":[]}])");
  c.Add("hostile_not_array", entry);
  for (const char* t :
       {"2027-11-30", "2027-11-30T12:00", "2027-11-30T12:00:00.1234567Z",
        "2027-11-30T12:00:00+01:00", "2027-11-30T12:00:00-0230", "2024-02-29T23:59:60Z",
        "9999-12-31T23:59:59Z", "0000-01-01", "2027-11-30T12:00:00+99"}) {
    c.Add(std::string("time_") + t, t);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];

  mp::TestCa ca = OrDie(mp::TestCa::Create({.name = "Fuzz Seeds", .key_bits = 2048}), "test CA");
  auto org = OrDie(mp::OrgNumber::Parse("910753614"), "org");
  mp::IssuedCertificate leaf = OrDie(ca.Issue({.org = org, .name = "TEST FUZZ AS"}), "leaf");
  std::vector<std::string> x5c;
  for (const auto& cert : leaf.chain) x5c.push_back(cert.X5cEntry());

  Corpus base64(root, "base64url"), json(root, "json"), jws(root, "jws"), jwk(root, "jwk"),
      certificate(root, "certificate"), consent(root, "consent");
  Base64Seeds(base64);
  JsonSeeds(json);
  JwsSeeds(jws, x5c);
  JwkSeeds(jwk);
  CertificateSeeds(certificate, ca, leaf.chain, leaf.key);
  ConsentSeeds(consent);
  std::printf(
      "make_seeds: wrote base64url=%d json=%d jws=%d jwk=%d certificate=%d consent=%d to %s\n",
      base64.count(), json.count(), jws.count(), jwk.count(), certificate.count(), consent.count(),
      root.c_str());
  return 0;
}
