// Writes the seed corpora of the fuzz targets, generated from the library itself: nothing is
// downloaded and no binary is committed.
//
//   make_seeds OUT_DIR      -> OUT_DIR/<target>/<name>, one directory per fuzz target
//
// Seeds are valid inputs of every shape the parsers accept (tokens of every algorithm signed
// with the fixed fuzz keys, JWKs of every key type, certificate chains from a TestCa, grants,
// API and consent bodies and whole HTTP requests for the fuzz registry of fuzz_world.h) plus
// hostile ones, so the fuzzer starts deep inside each parser. Existing files are overwritten.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_keys.h"
#include "fuzz_world.h"
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
  Corpus(const fs::path& root, const std::string& target) : dir_(root / target), name_(target) {
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
  const std::string& name() const { return name_; }

 private:
  fs::path dir_;
  std::string name_;
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

// ---- server targets (fuzz_world.h) ----

std::string Lines(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (std::string_view l : lines) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

constexpr std::string_view kGrantHeader = R"({"alg":"RS256","kid":"fuzz-rsa-2048","typ":"JWT"})";
constexpr std::string_view kFormPrefix =
    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";

// Grant claims (SPEC §4.3) for the fuzz registry, by name: the accepted shapes and the attacks
// of issue 14 (times at the int64 limits, fractions, strings).
std::vector<std::pair<std::string, std::string>> GrantClaims() {
  using mp::fuzz::FuzzGrantClaims;
  const std::string person = "urn:altinn:person:identifier-no:" + std::string(mp::fuzz::kPerson);
  const std::string consent = R"(,"authorization_details":[{"type":"urn:altinn:consent","id":")";
  const std::string now = std::to_string(mp::fuzz::kFuzzNow);
  const std::string head = R"({"aud":")" + std::string(mp::fuzz::kIssuer) + R"(","iss":")" +
                           std::string(mp::fuzz::kClientA) + R"(","scope":"fuzz:records.read",)";
  return {
      {"ok", FuzzGrantClaims("jti-ok")},
      {"resource", FuzzGrantClaims("jti-res", R"(,"resource":"https://api.example/records")")},
      {"resource_array", FuzzGrantClaims("jti-ra", R"(,"resource":["https://a.example/","x"])")},
      {"consent", FuzzGrantClaims("jti-c", consent + std::string(mp::fuzz::kConsentAccepted) +
                                               R"(","from":")" + person + R"("}])")},
      {"consent_unopened",
       FuzzGrantClaims("jti-cu", consent + std::string(mp::fuzz::kConsentUnopened) +
                                     R"(","from":")" + person + R"("}])")},
      {"systemuser",
       FuzzGrantClaims("jti-su", R"(,"authorization_details":[{"type":"urn:altinn:systemuser",)"
                                 R"("systemuser_org":{"authority":"iso6523-actorid-upis",)"
                                 R"("ID":"0192:910753614"}}])")},
      {"details_unknown_type",
       FuzzGrantClaims("jti-ut", R"(,"authorization_details":[{"type":"urn:x"}])")},
      {"delegated", R"({"aud":")" + std::string(mp::fuzz::kIssuer) + R"(","iss":")" +
                        std::string(mp::fuzz::kClientB) +
                        R"(","scope":"fuzz:records.delegated","consumer_org":"910753614","iat":)" +
                        now + R"(,"exp":)" + std::to_string(mp::fuzz::kFuzzNow + 60) +
                        R"(,"jti":"jti-del"})"},
      {"issue14_replay",
       head + R"("iat":-4611686018427387904,"exp":9223372036854775807,"jti":"r"})"},
      {"issue14_iat_min", head + R"("iat":-9223372036854775808,"exp":)" +
                              std::to_string(mp::fuzz::kFuzzNow + 3600) + R"(,"jti":"m"})"},
      {"exp_max", head + R"("iat":)" + now + R"(,"exp":18446744073709551615,"jti":"u"})"},
      {"fractional", head + R"("iat":1790000000.5,"exp":1790000060.25,"jti":"f"})"},
      {"exp_1e300", head + R"("iat":)" + now + R"(,"exp":1e300,"jti":"e"})"},
      {"string_times", head + R"("iat":")" + now + R"(","exp":"1790000060","jti":"s"})"},
      {"negative", head + R"("iat":-1,"exp":0,"jti":"n"})"},
      {"lifetime_121", head + R"("iat":)" + now + R"(,"exp":)" +
                           std::to_string(mp::fuzz::kFuzzNow + 121) + R"(,"jti":"l"})"},
      {"aud_array", R"({"aud":[")" + std::string(mp::fuzz::kIssuer) + R"("],"iss":")" +
                        std::string(mp::fuzz::kClientA) +
                        R"(","scope":"fuzz:records.read","iat":)" + now + R"(,"exp":)" +
                        std::to_string(mp::fuzz::kFuzzNow + 60) + R"(,"jti":"aa"})"},
      {"no_jti",
       head + R"("iat":)" + now + R"(,"exp":)" + std::to_string(mp::fuzz::kFuzzNow + 60) + "}"},
      {"unknown_claim", FuzzGrantClaims("jti-uc", R"(,"sub":"x","nbf":1790000000)")},
      {"scope_not_on_client",
       R"({"aud":")" + std::string(mp::fuzz::kIssuer) + R"(","iss":")" +
           std::string(mp::fuzz::kClientA) + R"(","scope":"idporten:dcr.read fuzz:nope","iat":)" +
           now + R"(,"exp":)" + std::to_string(mp::fuzz::kFuzzNow + 60) + R"(,"jti":"sn"})"},
      {"unknown_client", R"({"aud":")" + std::string(mp::fuzz::kIssuer) +
                             R"(","iss":"no-such-client","scope":"fuzz:records.read","iat":)" +
                             now + R"(,"exp":)" + std::to_string(mp::fuzz::kFuzzNow + 60) +
                             R"(,"jti":"uc"})"},
  };
}

void TokenSeeds(Corpus& c, const std::vector<std::string>& x5c) {
  const std::string form = "Content-Type: application/x-www-form-urlencoded\n\n";
  c.Add("raw_grant", "0" + form + std::string(kFormPrefix) + "@GRANT@");
  c.Add("raw_grant_charset", "0Content-Type: application/x-www-form-urlencoded; charset=UTF-8\n\n" +
                                 std::string(kFormPrefix) + "@GRANT@");
  c.Add("raw_get", "8" + form + std::string(kFormPrefix) + "@GRANT@");
  c.Add("raw_json_type", "0Content-Type: application/json\n\n{\"assertion\":\"@GRANT@\"}");
  c.Add("raw_no_type", "0\n" + std::string(kFormPrefix) + "@GRANT@");
  c.Add("raw_no_grant_type", "0" + form + "assertion=@GRANT@");
  c.Add("raw_other_grant_type", "0" + form + "grant_type=client_credentials&assertion=@GRANT@");
  c.Add("raw_duplicate", "0" + form + std::string(kFormPrefix) + "@GRANT@&assertion=@GRANT@");
  c.Add("raw_bad_escape", "0" + form + std::string(kFormPrefix) + "%zz@GRANT@%");
  c.Add("raw_empty_assertion", "0" + form + std::string(kFormPrefix));
  c.Add("raw_plus", "0" + form + std::string(kFormPrefix) + "@GRANT@+&x=a+b%20c");
  for (const auto& [name, claims] : GrantClaims()) {
    c.Add("signed_" + name, "1" + Lines({kGrantHeader, claims}));
  }
  c.Add("signed_rs384",
        "3" + Lines({R"({"alg":"RS384","kid":"fuzz-rsa-2048"})", mp::fuzz::FuzzGrantClaims("a")}));
  c.Add("signed_rs512",
        "5" + Lines({R"({"alg":"RS512","kid":"fuzz-rsa-2048"})", mp::fuzz::FuzzGrantClaims("b")}));
  c.Add("signed_alg_mismatch", "3" + Lines({kGrantHeader, mp::fuzz::FuzzGrantClaims("c")}));
  c.Add("signed_unknown_kid",
        "1" + Lines({R"({"alg":"RS256","kid":"other"})", mp::fuzz::FuzzGrantClaims("d")}));
  c.Add("signed_no_kid", "1" + Lines({R"({"alg":"RS256"})", mp::fuzz::FuzzGrantClaims("e")}));
  c.Add("signed_ps256",
        "1" + Lines({R"({"alg":"PS256","kid":"fuzz-rsa-2048"})", mp::fuzz::FuzzGrantClaims("f")}));
  std::string chain;
  for (const std::string& e : x5c) chain += (chain.empty() ? "\"" : ",\"") + e + "\"";
  c.Add("signed_x5c",
        "1" + Lines({R"({"alg":"RS256","x5c":[)" + chain + "]}", mp::fuzz::FuzzGrantClaims("g")}));
  c.Add("signed_x5c_and_kid",
        "1" + Lines({R"({"alg":"RS256","kid":"fuzz-rsa-2048","x5c":[)" + chain + "]}",
                     mp::fuzz::FuzzGrantClaims("h")}));
  c.Add("signed_tail", "1" + Lines({kGrantHeader, mp::fuzz::FuzzGrantClaims("i"),
                                    "&client_id=x&scope=fuzz%3Arecords.read"}));
  // Found by the campaign: the endpoint accepted these and the linter called them errors, until
  // one grant engine decided both (token_fuzz.cc asserts that they agree).
  const std::string now = std::to_string(mp::fuzz::kFuzzNow);
  const std::string grant_head = R"({"aud":")" + std::string(mp::fuzz::kIssuer) + R"(","iss":")" +
                                 std::string(mp::fuzz::kClientA) +
                                 R"(","scope":"fuzz:records.read",)";
  c.Add("disagree_exp_now",
        "1" + Lines({kGrantHeader, grant_head + R"("iat":)" +
                                       std::to_string(mp::fuzz::kFuzzNow - 60) + R"(,"exp":)" +
                                       now + R"(,"jti":"d1"})"}));
  c.Add("disagree_lifetime_zero",
        "1" + Lines({kGrantHeader,
                     grant_head + R"("iat":)" + now + R"(,"exp":)" + now + R"(,"jti":"d2"})"}));
  c.Add("signed_dup_claim", "1" + Lines({kGrantHeader, R"({"iss":"a","iss":"b"})"}));
}

void GrantLintSeeds(Corpus& c) {
  const mp::PrivateKey& rsa = mp::fuzz::FuzzRsaKey();
  for (const auto& [name, claims] : GrantClaims()) {
    c.Add("compact_" + name, "0" + OrDie(mp::SignJws(rsa, claims,
                                                     {.alg = mp::Algorithm::kRS256,
                                                      .kid = std::string(mp::fuzz::kClientKid),
                                                      .typ = "JWT"}),
                                         "sign"));
    c.Add("parts_" + name, "1" + Lines({kGrantHeader, claims, Bytes(256)}));
  }
  c.Add("no_issuer", "3" + Lines({kGrantHeader, mp::fuzz::FuzzGrantClaims("j"), Bytes(256)}));
  c.Add("x5c_header", "1" + Lines({R"({"alg":"RS256","x5c":["MIIB"]})",
                                   mp::fuzz::FuzzGrantClaims("k"), Bytes(256)}));
  c.Add("hostile_two_segments", "0eyJhbGciOiJSUzI1NiJ9.e30");
  c.Add("hostile_empty", "0");
  c.Add("hostile_dots", "0....");
  c.Add("hostile_header_array", "1" + Lines({"[1,2]", "{}", ""}));
  // Finding of the first campaign: a message's own text as the grant (a property's false alarm).
  c.Add("finding_message_text_as_grant", "t or a line break at byte 0; send it as one unbro");
}

std::string RouteByte(int route, int caller = 0) {
  return std::string(1, static_cast<char>(route | (caller << 4)));
}

void ApiSeeds(Corpus& c) {
  const std::string jwk = mp::PublicKeyToJwk(mp::fuzz::FuzzRsaKey().public_key(),
                                             {.kid = "new-key", .alg = mp::Algorithm::kRS256});
  const std::string client =
      R"({"client_name":"fuzz-new","description":"ny","scopes":["fuzz:records.read"],)"
      R"("integration_type":"maskinporten","token_endpoint_auth_method":"private_key_jwt",)"
      R"("grant_types":["urn:ietf:params:oauth:grant-type:jwt-bearer"],)"
      R"("access_token_lifetime":300})";
  c.Add("client_create", RouteByte(0) + "\n" + client);
  c.Add("client_create_short_grant",
        RouteByte(0) + "\n" + R"({"client_name":"x","grant_types":["jwt_bearer_token"]})");
  c.Add("client_create_no_token", RouteByte(0, 4) + "\n" + client);
  c.Add("client_create_b", RouteByte(0, 2) + "\n" + R"({"client_name":"b","scopes":[]})");
  for (const char* body :
       {R"({"client_name":""})", R"({"client_name":"x","access_token_lifetime":86401})",
        R"({"client_name":"x","access_token_lifetime":-9223372036854775808})",
        R"({"client_name":"x","access_token_lifetime":1.5})",
        R"({"client_name":"x","access_token_lifetime":1e400})",
        R"({"client_name":"x","scopes":["nope:x"]})", R"({"client_name":"x","unknown":1})",
        R"({"client_name":"x","client_name":"y"})", R"({"client_name":"\ud800"})",
        R"({"client_name":"x","scopes":"fuzz:records.read"})", "[]", "", "{} {}"}) {
    c.Add("client_hostile_" + std::to_string(c.count()), RouteByte(0) + "\n" + body);
  }
  c.Add("client_update", RouteByte(1) + "\n" +
                             R"({"client_name":"renamed","scopes":["fuzz:records.read",)"
                             R"("fuzz:records.delegated"],"client_id":"ignored","active":false})");
  c.Add("client_update_foreign", RouteByte(1, 2) + "\n" + R"({"client_name":"renamed"})");
  c.Add("jwks_post", RouteByte(2) + "\n" + R"({"keys":[)" + jwk + "]}");
  c.Add("jwks_put", RouteByte(3) + "\n" + R"({"keys":[)" + jwk + "]}");
  c.Add("jwks_six", RouteByte(2) + "\n" + R"({"keys":[)" + jwk + "," + jwk + "," + jwk + "," + jwk +
                        "," + jwk + "," + jwk + "]}");
  c.Add("jwks_private", RouteByte(2) + "\n" + R"({"keys":[)" +
                            mp::PrivateKeyToJwk(mp::fuzz::FuzzRsaKey(), {.kid = "p"}) + "]}");
  c.Add("jwks_ec", RouteByte(2) + "\n" + R"({"keys":[)" +
                       mp::PublicKeyToJwk(mp::fuzz::FuzzEcKey().public_key(), {.kid = "e"}) + "]}");
  c.Add("jwks_empty", RouteByte(3) + "\n" + R"({"keys":[]})");
  c.Add("scope_create", RouteByte(4) + "\n" +
                            R"({"prefix":"fuzz","subscope":"new.one","description":"d",)"
                            R"("visibility":"PUBLIC","at_max_age":600,"accessible_for_all":false,)"
                            R"("allowed_integration_types":["maskinporten"],)"
                            R"("delegation_source":"https://tt02.altinn.no/"})");
  c.Add("scope_create_foreign_prefix",
        RouteByte(4, 1) + "\n" + R"({"prefix":"fuzz","subscope":"x","description":"d"})");
  c.Add("scope_create_bad", RouteByte(4) + "\n" +
                                R"({"prefix":"Fuzz:","subscope":"a b","description":"d",)"
                                R"("at_max_age":86401,"delegation_source":"https://evil/"})");
  c.Add("scope_update", RouteByte(5) + "scope=fuzz:records.read\n" +
                            R"({"prefix":"fuzz","subscope":"records.read","description":"new",)"
                            R"("accessible_for_all":true,"visibility":"PRIVATE"})");
  c.Add("scope_update_rename",
        RouteByte(5) + "scope=fuzz%3Arecords.read\n" + R"({"prefix":"other","description":"x"})");
  c.Add("access_put", RouteByte(6) + "scope=fuzz:records.read&state=APPROVED\n");
  c.Add("access_put_denied", RouteByte(6) + "scope=fuzz:records.read&state=DENIED\n");
  c.Add("access_put_bad", RouteByte(6) + "scope=fuzz:records.read&state=x&state=y\n");
  c.Add("delegation_create",
        RouteByte(7) + "\n" + R"({"supplier_orgno":"311654306","scope":"fuzz:records.delegated"})");
  c.Add("delegation_self",
        RouteByte(7) + "\n" + R"({"supplier_orgno":"910753614","scope":"fuzz:records.delegated"})");
  c.Add("delegation_not_delegable",
        RouteByte(7) + "\n" + R"({"supplier_orgno":"311654306","scope":"fuzz:records.read"})");
  c.Add("delegation_bad_org",
        RouteByte(7) + "\n" +
            R"({"supplier_orgno":"311654307","scope":"fuzz:records.delegated",)"
            R"("consumer_orgno":"311654306"})");
  c.Add("delegation_delete",
        RouteByte(8) + "supplier_orgno=311654306&scope=fuzz%3Arecords.delegated\n");
  c.Add("access_delete", RouteByte(9) + "scope=fuzz:records.read\n");
  c.Add("client_delete", RouteByte(10) + "\n");
  c.Add("scope_delete", RouteByte(11) + "scope=fuzz:records.read\n");
  c.Add("scopes_get", RouteByte(12) + "scope=fuzz:records.read&inactive=true\n");
  c.Add("scopes_get_bad_bool", RouteByte(12) + "inactive=yes\n");
  c.Add("access_list", RouteByte(13) + "scope=fuzz:records.read\n");
  c.Add("delegations_get", RouteByte(14) + "\n");
  c.Add("clients_get", RouteByte(15) + "inactive=true\n");
  c.Add("clients_get_no_token", RouteByte(15, 4) + "\n");
}

void AltinnSeeds(Corpus& c) {
  const std::string create =
      R"({"coveredBy":"910753614","offeredBy":"01819010001","offeredByName":"Nordmann",)"
      R"("handledBy":"311654306","validTo":"2027-11-30T00:00:00Z",)"
      R"("redirectUrl":"https://forsikring.example/samtykke/ferdig",)"
      R"("requestResources":[{"serviceCode":"5252","serviceEditionCode":2,)"
      R"("metadata":{"Navn":"TEST FORSIKRING AS"}}]})";
  auto route = [](int r, int caller = 0) {
    return std::string(1, static_cast<char>(r | caller << 3));
  };
  c.Add("create", route(0) + "\n" + create);
  c.Add("create_by_handler", route(0, 1) + "\n" + create);
  c.Add("create_foreign", route(0, 2) + "\n" + create);
  c.Add("create_no_token", route(0, 3) + "\n" + create);
  c.Add("create_minimal", route(0) + "\n" +
                              R"({"coveredBy":"910753614","offeredBy":"01819010001",)"
                              R"("offeredByName":"N","validTo":"2027-01-01",)"
                              R"("redirectUrl":"http://127.0.0.1:9/x","requestResources":[)"
                              R"({"serviceCode":"1","serviceEditionCode":1}],)"
                              R"("requestMessage":{"en":"x"},"portalViewMode":"show"})");
  c.Add("create_org_offer", route(0) + "\n" +
                                R"({"coveredBy":"910753614","offeredBy":"311654306",)"
                                R"("offeredByName":"REGNSKAP","requiredDelegator":"01819010001",)"
                                R"("validTo":"2027-11-30T12:00:00+01:00",)"
                                R"("redirectUrl":"https://x.example/","requestResources":[)"
                                R"({"serviceCode":"4630","serviceEditionCode":2,)"
                                R"("metadata":{"fraOgMed":"2017-06","b":"","a":"z"}}]})");
  for (const char* valid_to :
       {"2026-09-21T14:13:20Z", "2029-09-21T14:13:21Z", "9999-12-31", "2027-02-30",
        "2027-11-30T00:00:00.123456789Z", "2027-11-30T24:00:00", "2027-11-30T00:00:00+99:00",
        "-2027-11-30", "1970-01-01"}) {
    std::string body = create;
    body.replace(body.find("2027-11-30T00:00:00Z"), 20, valid_to);
    c.Add(std::string("create_valid_to_") + std::to_string(c.count()), route(0) + "\n" + body);
  }
  for (const char* body : {R"({"coveredBy":"910753614"})", R"({"coveredBy":123})", "[]", "",
                           R"({"coveredBy":"910753614","coveredBy":"910753614"})"}) {
    c.Add("create_hostile_" + std::to_string(c.count()), route(0) + "\n" + body);
  }
  c.Add("accept", route(2) + "\n" + R"({"person":"01819010001"})");
  c.Add("accept_other_person", route(2) + "\n" + R"({"person":"01819010002"})");
  c.Add("accept_invalid", route(2) + "\n" + R"({"person":"x","extra":1})");
  c.Add("reject", route(3) + "\n" + R"({"person":"01819010001"})");
  c.Add("token_accepted", route(4) + "authcode=" + std::string(mp::fuzz::kConsentAccepted));
  c.Add("token_by_supplier", route(4, 1) + "authcode=" + std::string(mp::fuzz::kConsentAccepted));
  c.Add("token_unopened", route(4) + "authcode=" + std::string(mp::fuzz::kConsentUnopened));
  c.Add("token_bad_query", route(4) + "authcode=%zz&authcode=");
  c.Add("get_accepted", route(5) + std::string(mp::fuzz::kConsentAccepted));
  c.Add("get_escaped", route(5) + "3f2c7d9a%2F1b4e");
  c.Add("ui", route(6) + "id=" + std::string(mp::fuzz::kConsentAccepted));
  c.Add("ui_missing", route(6) + "x=1");
  c.Add("accept_accepted",
        route(7) + std::string(mp::fuzz::kConsentAccepted) + "\n" + R"({"person":"01819010001"})");
}

void SeedSeeds(Corpus& c, const mp::TestCa& ca) {
  c.Add("fuzz_world", mp::fuzz::FuzzSeedJson());
  std::string root_pem;  // as a JSON string: PEM has no quote or backslash, only newlines
  for (char ch : ca.root().Pem()) root_pem += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  c.Add("files",
        R"({"organizations":[{"orgno":"991825827","name":"DIGDIR"}],)"
        R"("trust_anchors":{"test":["ca/root.pem",")" +
            root_pem +
            R"("],"prod":[]},)"
            R"("revoked_serials":["5f3a9c0e11d2","0x00FF"],)"
            R"("scopes":[{"prefix":"other","subscope":"a.read","owner_orgno":"991825827",)"
            R"("description":"d","visibility":"PRIVATE","at_max_age":600}],)"
            R"("access":[{"scope":"other:a.read","consumer_orgno":"910753614","state":"DENIED"}],)"
            R"("clients":[{"client_id":"c1","client_name":"c1","client_orgno":"991825827",)"
            R"("scopes":["other:a.read"],"keys":[{"pem_file":"keys/fuzz.pub.pem","kid":"k1"},)"
            R"({"pem_file":"keys/fuzz.chain.pem","kid":"k2","alg":"RS512"},)"
            R"({"pem_file":"keys/fuzz.key.pem","kid":"k3"}]}],)"
            R"("delegations":[]})");
  c.Add(
      "conflicting_prefix",
      R"({"scopes":[{"prefix":"fuzz","subscope":"x","owner_orgno":"910753614","description":"d"}]})");
  c.Add("access_unknown_scope", R"({"access":[{"scope":"nope:x","consumer_orgno":"910753614"}]})");
  c.Add("delegation_not_delegable",
        R"({"delegations":[{"consumer_orgno":"910753614","supplier_orgno":"311654306",)"
        R"("scope":"fuzz:records.read"}]})");
  c.Add("client_update_existing",
        R"({"clients":[{"client_id":")" + std::string(mp::fuzz::kClientA) +
            R"(","client_name":"renamed","client_orgno":"910753614","active":false}]})");
  c.Add("missing_file", R"({"trust_anchors":{"test":["keys/missing.pem"]}})");
  c.Add(
      "bad_inline_pem",
      R"({"trust_anchors":{"test":["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]}})");
  c.Add("key_file_not_key",
        R"({"clients":[{"client_id":"c","client_name":"c",)"
        R"("client_orgno":"910753614","keys":[{"pem_file":"ca","kid":"k"}]}]})");
  c.Add("revoked_bad", R"({"revoked_serials":["xyz",""]})");
  c.Add("unknown_section", R"({"extra":[]})");
  c.Add("duplicate_scope", R"({"scopes":[{"prefix":"a","subscope":"b","owner_orgno":"910753614"},)"
                           R"({"prefix":"a","subscope":"b","owner_orgno":"910753614"}]})");
  c.Add("bad_org", R"({"organizations":[{"orgno":"123456789","name":"x"}]})");
  c.Add("deep", std::string(40, '[') + std::string(40, ']'));
  c.Add("not_object", "[]");
  // Campaign: a member name that reads like a file error is still a rule refusal.
  c.Add("member_says_cannot_read",
        R"({"scopes":[{"prefix":"a","subscope":"b","owcannot read ner_orgno":"910753614"}]})");
}

// Token endpoint answers as the client reads them (token_client_fuzz: "===" between answers).
void TokenClientSeeds(Corpus& c) {
  const std::string date = "Date: Mon, 21 Sep 2026 14:13:20 GMT";
  const std::string token_json =
      R"j({"access_token":"eyJraWQiOiJrIn0.eyJzY29wZSI6ImEifQ.c2ln","token_type":"Bearer",)j"
      R"j("expires_in":119,"scope":"fuzz:records.read"})j";
  const std::string ok = "200 OK\nContent-Type: application/json\n" + date + "\n\n" + token_json;
  auto answer = [&](std::string_view status, std::string_view body, std::string_view extra = {}) {
    return std::string(status) + "\nContent-Type: application/json\n" + date + "\n" +
           std::string(extra) + "\n" + std::string(body);
  };
  const std::string small_token =
      R"j({"access_token":"x","token_type":"Bearer","expires_in":120})j";
  const std::string expired =
      R"j({"error":"invalid_grant","error_description":"Invalid assertion. Client )j"
      R"j(authentication failed. JWT is expired. (trace_id: 0123456789abcdef0123456789abcdef)",)j"
      R"j("error_uri":"https://test.maskinporten.no/errors/MP-130"})j";
  c.Add("ok", ok);
  c.Add("ok_no_date", "200\n\n" + small_token);
  c.Add("retry_503_then_ok",
        answer("503", R"j({"error":"server_error"})j", "Retry-After: 2\n") + "\n===\n" + ok);
  c.Add("retry_429_date",
        answer("429", "{}", "Retry-After: Mon, 21 Sep 2026 14:13:50 GMT\n") + "\n===\n" + ok);
  c.Add("retry_after_huge",
        answer("503", "{}", "Retry-After: 99999999999999999999\n") + "\n===\n" + ok);
  c.Add("retry_after_negative", answer("503", "{}", "Retry-After: -1\n") + "\n===\n" + ok);
  c.Add("retry_after_rfc850",
        answer("503", "{}", "Retry-After: Sunday, 06-Nov-94 08:49:37 GMT\n") + "\n===\n" + ok);
  c.Add("retry_after_asctime",
        answer("503", "{}", "Retry-After: Sun Nov  6 08:49:37 1994\n") + "\n===\n" + ok);
  c.Add("four_503", answer("503", "{}") + "\n===\n" + answer("503", "{}") + "\n===\n" +
                        answer("503", "{}") + "\n===\n" + answer("503", "{}"));
  c.Add("skew_refusal_then_ok",
        "400\nContent-Type: application/json\nDate: Mon, 21 Sep 2026 14:20:00 GMT\n\n" + expired +
            "\n===\n" + ok);
  c.Add(
      "issued_in_future",
      answer(
          "400",
          R"j({"error":"invalid_grant","error_description":"Issue time is after now (trace_id: 1)"})j") +
          "\n===\n" + ok);
  c.Add("date_far_future", "200\nDate: Fri, 31 Dec 9999 23:59:59 GMT\n\n" + small_token);
  c.Add("date_epoch", "200\nDate: Thu, 01 Jan 1970 00:00:00 GMT\n\n" + small_token);
  for (const char* expires_in :
       {"9223372036854775807", "-9223372036854775808", "18446744073709551615", "-1", "0", "1e300",
        "1.5", "\"120\"", "null"}) {
    c.Add("expires_in_" + std::to_string(c.count()),
          "200\n\n"
          R"j({"access_token":"x","token_type":"Bearer","expires_in":)j" +
              std::string(expires_in) + "}");
  }
  c.Add("mp_error_with_jwt",
        answer("400", R"j({"error":"invalid_grant","error_description":"bad )j"
                      R"j(eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln (trace_id: 1)",)j"
                      R"j("error_uri":"x/errors/MP-124"})j"));
  c.Add("html_500", "500\nContent-Type: text/html\n\n<html>eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.</html>");
  c.Add("redirect", "302\nLocation: https://evil.example/token\n\n");
  c.Add("not_json", "200\nContent-Type: application/json\n\n{\"access_token\":");
  c.Add("token_type_mac",
        "200\n\n"
        R"j({"access_token":"x","token_type":"mac","expires_in":120})j");
  // A token split by NUL bytes in a body that is no token response: the parts are no JWS, so
  // the message may show them (the campaign's false alarm, kept as a replay case).
  constexpr char kSplit[] = "200\n\n{\"access_token\":\"eyJra\0\0\0n0.eyJzY29wZSI7ImEifQ.c2ln\"";
  c.Add("split_token", std::string(kSplit, sizeof(kSplit) - 1));
  // Campaign: the message cut a token at its size limit and added "...": no JWS either.
  c.Add("cut_token",
        "400\n"
        "Content-Type: applicativon/json\n"
        "Date: Mon, 21 Sep 2026`14:13:20 GMT\n"
        "\n"
        "{\"error\"/json\n"
        "Date: Mon, 21 Sep 2026 14:13:20 GMT\n"
        "\n"
        "{\"access_t\xff\xffkoen\":\"eyJraWQiOiJrIn{\"access_tkoen\":\"eyJraWQiOiJrIn0.eyJzY29wZSI,"
        "ImEifQ.c2ln\",\"token_type\":\"Bearer\",\"expires_in\":119,\"scope\":\"fuzz:records."
        "read\"}");
  c.Add("duplicate_member",
        "200\n\n"
        R"j({"access_token":"x","access_token":"y","token_type":"Bearer","expires_in":1})j");
}

std::string Http(std::string_view method, std::string_view target,
                 std::initializer_list<std::string_view> headers, std::string_view body = {},
                 bool content_length = true) {
  std::string out =
      std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1:7100\r\n";
  for (std::string_view h : headers) out += std::string(h) + "\r\n";
  if (content_length && (!body.empty() || method == "POST" || method == "PUT")) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return out + "\r\n" + std::string(body);
}

void HttpSeeds(Corpus& c) {
  constexpr std::string_view kJson = "Content-Type: application/json";
  constexpr std::string_view kForm = "Content-Type: application/x-www-form-urlencoded";
  constexpr std::string_view kBearerA = "Authorization: Bearer @TOKEN_A@";
  const std::string token_form = std::string(kFormPrefix) + "@GRANT@";
  const std::string token = Http("POST", "/token", {kForm}, token_form);
  for (const char* path : {"/health", "/.well-known/oauth-authorization-server", "/jwk", "/metrics",
                           "/", "/_local", "/_local/clock", "/_local/journal?limit=5",
                           "/altinn/.well-known/oauth-authorization-server", "/altinn/jwks",
                           "/local-login/organisations", "/nope", "/api/v1/clients/%zz"}) {
    c.Add("get_" + std::to_string(c.count()), Http("GET", path, {}));
  }
  c.Add("token", token);
  c.Add("token_twice_replay", token + token);
  c.Add("token_chunked", Http(
                             "POST", "/token", {kForm, "Transfer-Encoding: chunked"},
                             "10\r\n" + token_form.substr(0, 16) + "\r\n" +
                                 [&] {
                                   std::string rest = token_form.substr(16);
                                   char size[16];
                                   std::snprintf(size, sizeof(size), "%zx", rest.size());
                                   return std::string(size) + "\r\n" + rest + "\r\n0\r\n\r\n";
                                 }(),
                             false));
  c.Add("token_expect", Http("POST", "/token", {kForm, "Expect: 100-continue"}, token_form));
  c.Add("clock_then_token", Http("PUT", "/_local/clock", {kJson}, R"({"offset_seconds":-30})") +
                                token + Http("GET", "/_local/journal?limit=1", {}));
  c.Add("faults_then_token",
        Http("POST", "/_local/faults", {kJson}, R"({"count":2,"status":503,"retry_after":5})") +
            token + token + token);
  c.Add("faults_429",
        Http("POST", "/_local/faults", {kJson}, R"({"status":429,"retry_after":1})") + token);
  c.Add("faults_drop",
        Http("POST", "/_local/faults", {kJson}, R"({"drop_connection":true})") + token + token);
  c.Add("faults_delay", Http("POST", "/_local/faults", {kJson}, R"({"delay_ms":60000})") + token);
  c.Add("faults_clear", Http("DELETE", "/_local/faults", {}) + token);
  c.Add("replay_reset",
        token + Http("POST", "/_local/replay/reset", {kJson}, R"({"reset":true})") + token);
  c.Add("rotate", Http("POST", "/_local/rotate-key", {kJson}, "{}") + Http("GET", "/jwk", {}));
  c.Add("api_clients", Http("GET", "/api/v1/clients", {kBearerA}));
  c.Add("api_create_then_list", Http("POST", "/api/v1/clients", {kBearerA, kJson},
                                     R"({"client_name":"x","scopes":["fuzz:records.read"]})") +
                                    Http("GET", "/api/v1/clients?inactive=true", {kBearerA}));
  c.Add("api_scopes_owner",
        Http("GET", "/api/v1/scopes/all", {"Authorization: Bearer @TOKEN_OWNER@"}));
  c.Add("api_wrong_method", Http("PATCH", "/api/v1/clients", {kBearerA}));
  c.Add("api_bad_token", Http("GET", "/api/v1/clients", {"Authorization: Bearer x.y.z"}));
  c.Add("api_basic", Http("GET", "/api/v1/clients", {"Authorization: Basic Zm9vOmJhcg=="}));
  c.Add("altinn_create",
        Http("POST", "/altinn/api/consentRequests", {kBearerA, kJson},
             R"({"coveredBy":"910753614","offeredBy":"01819010001","offeredByName":"N",)"
             R"("validTo":"2027-01-01","redirectUrl":"https://x.example/",)"
             R"("requestResources":[{"serviceCode":"5252","serviceEditionCode":2}]})"));
  c.Add("altinn_token",
        Http("GET",
             "/altinn/api/authorization/token?authcode=" + std::string(mp::fuzz::kConsentAccepted),
             {kBearerA}));
  c.Add("login", Http("POST", "/local-login/token", {kJson}, R"({"orgno":"910753614"})"));
  c.Add("login_new_org",
        Http("POST", "/local-login/token", {kJson, "Origin: http://127.0.0.1:7100"},
             R"({"orgno":"974760673","name":"NY AS"})"));
  c.Add("login_foreign_origin",
        Http("POST", "/local-login/token", {kJson, "Origin: https://evil.example"},
             R"({"orgno":"910753614"})"));
  c.Add("http10", "GET /health HTTP/1.0\r\n\r\nGET /jwk HTTP/1.1\r\n\r\n");
  c.Add("connection_close",
        Http("GET", "/health", {"Connection: close"}) + Http("GET", "/jwk", {}));
  c.Add("lf_only", "GET /health HTTP/1.1\nHost: x\n\n");
  c.Add("hostile_header_17k", Http("GET", "/health", {"X-Big: " + std::string(17 * 1024, 'a')}));
  c.Add("hostile_body_65k", "POST /token HTTP/1.1\r\nContent-Length: 66560\r\n\r\n");
  c.Add("hostile_two_lengths",
        "POST /token HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
  c.Add("hostile_te_and_cl",
        "POST /token HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  c.Add("hostile_method", "G@T / HTTP/1.1\r\n\r\n");
  c.Add("hostile_absolute", "GET http://127.0.0.1:7100/health HTTP/1.1\r\n\r\n");
  c.Add("hostile_star", "OPTIONS * HTTP/1.1\r\n\r\n");
  c.Add("hostile_fold", "GET /health HTTP/1.1\r\nX: a\r\n b\r\n\r\n");
  constexpr char kNulHeader[] = "GET /health HTTP/1.1\r\nX: a\0b\r\n\r\n";
  c.Add("hostile_nul", std::string(kNulHeader, sizeof(kNulHeader) - 1));
  c.Add("hostile_version", "GET /health HTTP/2.0\r\n\r\n");
  c.Add("hostile_truncated", "POST /token HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
}

// The agent's request bodies (agent_fuzz.cc): first byte bit 0 token (0) / introspect (1), bits
// 1-3 the Content-Type (0 JSON, 1 form, 2 JSON with parameters, 3 form with charset, 4 text/plain,
// 5 none, 6 a near miss, 7 the first line), then the body.
void AgentSeeds(Corpus& c) {
  const auto add = [&c](const std::string& name, unsigned mode, std::string_view body) {
    c.Add(name, std::string(1, static_cast<char>(mode)) + std::string(body));
  };
  add("token_json", 0, R"({"identity_provider":"maskinporten","target":"nav:example"})");
  add("token_json_all", 0,
      R"({"identity_provider":"maskinporten","target":"nav:a  nav:b","resource":"https://nav.no/api",)"
      R"("skip_cache":true,"consumer_org":"910753614",)"
      R"("authorization_details":[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":)"
      R"("iso6523-actorid-upis","ID":"0192:910753614"}}]})");
  add("token_json_params", 4, R"({"identity_provider":"maskinporten","target":"nav:example"})");
  add("token_form", 2, "identity_provider=maskinporten&target=nav%3Aexample&skip_cache=false");
  add("token_form_all", 6,
      "identity_provider=maskinporten&target=nav%3Aa+nav%3Ab&resource=https%3A%2F%2Fnav.no%2Fapi&"
      "consumer_org=910753614&authorization_details=%7B%22type%22%3A%22urn%3Aaltinn%3Aconsent%22%"
      "7D");
  add("token_other_idp", 0, R"({"identity_provider":"entra_id","target":"api://x/.default"})");
  add("token_bad_org", 0,
      R"({"identity_provider":"maskinporten","target":"nav:example","consumer_org":"910753615"})");
  add("token_two_details", 0,
      R"({"identity_provider":"maskinporten","target":"s","authorization_details":[{},{}]})");
  add("token_wrong_types", 0,
      R"({"identity_provider":1,"target":["a"],"skip_cache":"yes","resource":{}})");
  add("token_duplicate", 0, R"({"target":"a","target":"b","identity_provider":"maskinporten"})");
  add("token_text_plain", 8, "identity_provider=maskinporten&target=a");
  add("token_no_type", 10, R"({"identity_provider":"maskinporten","target":"a"})");
  add("token_type_line", 14,
      "application/json;charset=utf-8\n{\"identity_provider\":\"maskinporten\",\"target\":\"a\"}");
  add("token_bad_percent", 2, "identity_provider=maskinporten&target=%zz");
  add("token_whitespace_target", 0,
      "{\"identity_provider\":\"maskinporten\",\"target\":\" \\t \"}");
  add("introspect_json", 1,
      R"({"identity_provider":"maskinporten","token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"})");
  add("introspect_form", 3, "identity_provider=maskinporten&token=abc.def.ghi");
  add("introspect_missing", 1, R"({"identity_provider":"maskinporten"})");
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
      certificate(root, "certificate"), consent(root, "consent"), grant_lint(root, "grant_lint"),
      token_client(root, "token_client"), token(root, "token"), api(root, "api"),
      altinn(root, "altinn"), seed(root, "seed"), http(root, "http"), agent(root, "agent");
  Base64Seeds(base64);
  JsonSeeds(json);
  JwsSeeds(jws, x5c);
  JwkSeeds(jwk);
  CertificateSeeds(certificate, ca, leaf.chain, leaf.key);
  ConsentSeeds(consent);
  GrantLintSeeds(grant_lint);
  TokenClientSeeds(token_client);
  TokenSeeds(token, x5c);
  ApiSeeds(api);
  AltinnSeeds(altinn);
  SeedSeeds(seed, ca);
  HttpSeeds(http);
  AgentSeeds(agent);
  std::printf("make_seeds: wrote");
  for (const Corpus* c : {&base64, &json, &jws, &jwk, &certificate, &consent, &grant_lint,
                          &token_client, &token, &api, &altinn, &seed, &http, &agent}) {
    std::printf(" %s=%d", c->name().c_str(), c->count());
  }
  std::printf(" to %s\n", root.c_str());
  return 0;
}
