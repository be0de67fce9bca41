// Every Errc value is produced by a real call into the library (STYLE.md: every error code has a
// test that produces it). Adding an Errc without a producer here fails
// ErrcCoverage.EveryValueIsProduced.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "maskinporten/emulator.h"
#include "testing/fake_http_client.h"

namespace mp {
namespace {

constexpr Errc kLastErrc = Errc::kConsentPersonMismatch;

std::string SignedRs256(const std::string& payload) {
  static PrivateKey key = *PrivateKey::Generate(Algorithm::kRS256);
  return *SignJws(key, payload, {.alg = Algorithm::kRS256});
}
PublicKey Rs256Public() {
  static PrivateKey key = *PrivateKey::Generate(Algorithm::kRS256);
  return key.public_key();
}

Status VerifyToken(const std::string& token, ClaimsOptions co = {}) {
  static FakeClock clock(1700000000);
  if (co.clock == nullptr) co.clock = &clock;
  // SignedRs256 and Rs256Public use different static keys on purpose only for kInvalidSignature.
  return VerifyJwt(token, Rs256Public(), VerifyOptions{Algorithm::kRS256}, co).status();
}

const TestCa& Ca() {
  static TestCa ca = *TestCa::Create({.key_bits = 2048});
  return ca;
}

std::map<Errc, std::function<Status()>> Producers() {
  std::map<Errc, std::function<Status()>> p;
  p[Errc::kOk] = [] { return OrgNumber::Parse("910753614").status(); };
  p[Errc::kInvalidArgument] = [] { return PrivateKey::Generate(Algorithm::kRS256, 1000).status(); };
  p[Errc::kInvalidBase64] = [] { return Base64UrlDecode("ab==").status(); };
  p[Errc::kInvalidJson] = [] { return Claims::Parse("{").status(); };
  p[Errc::kDuplicateJsonKey] = [] { return Claims::Parse(R"({"a":1,"a":2})").status(); };
  p[Errc::kLimitExceeded] = [] { return ParseJws(std::string(70000, 'a')).status(); };
  p[Errc::kInvalidOrgNumber] = [] { return OrgNumber::Parse("910753615").status(); };
  p[Errc::kIoError] = [] { return Ca().Save("/dev/null/cannot-be-a-directory"); };
  p[Errc::kNotFound] = [] { return TestCa::Load("/nonexistent-maskinporten-ca").status(); };
  p[Errc::kInternal] = [] { return Status(Errc::kInternal, "reserved for library failures"); };
  p[Errc::kInvalidKey] = [] { return PublicKey::FromPem("not a key").status(); };
  p[Errc::kWeakKey] = [] {
    // RFC 7517 A.1-sized toy: a 1024-bit RSA public key (SPKI PEM).
    return PublicKey::FromPem(
               "-----BEGIN PUBLIC KEY-----\n"
               "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3\n"
               "6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6\n"
               "Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw\n"
               "oYi+1hqp1fIekaxsyQIDAQAB\n"
               "-----END PUBLIC KEY-----\n")
        .status();
  };
  p[Errc::kUnsupportedAlgorithm] = [] { return ParseAlgorithm("none").status(); };
  p[Errc::kAlgorithmNotAllowed] = [] {
    return VerifyJws(SignedRs256("{}"), Rs256Public(), VerifyOptions{Algorithm::kES256}).status();
  };
  p[Errc::kKeyAlgorithmMismatch] = [] {
    auto ec = PrivateKey::Generate(Algorithm::kES256);
    return SignJws(*ec, "{}", {.alg = Algorithm::kRS256}).status();
  };
  p[Errc::kMalformedToken] = [] { return ParseJws("a.b").status(); };
  p[Errc::kInvalidSignature] = [] { return VerifyToken(SignedRs256(R"({"exp":1800000000})")); };
  p[Errc::kUnsupportedCritical] = [] {
    std::string h = Base64UrlEncode(R"({"alg":"RS256","crit":["exp"],"exp":1})");
    return ParseJws(h + ".e30.c2ln").ok()
               ? VerifyJws(h + ".e30.c2ln", Rs256Public(), VerifyOptions{Algorithm::kRS256})
                     .status()
               : Status(Errc::kInternal, "parse failed");
  };
  p[Errc::kUntrustedHeader] = [] {
    std::string h = Base64UrlEncode(R"({"alg":"RS256","jku":"https://attacker.example/jwks"})");
    return VerifyJws(h + ".e30.c2ln", Rs256Public(), VerifyOptions{Algorithm::kRS256}).status();
  };
  p[Errc::kInvalidJwk] = [] { return ParseJwk(R"({"kty":"RSA","n":"AQAB"})").status(); };
  p[Errc::kDuplicateKid] = [] {
    std::string jwk = PublicKeyToJwk(Rs256Public(), {.kid = "same"});
    return Jwks::Parse("{\"keys\":[" + jwk + "," + jwk + "]}").status();
  };
  p[Errc::kKeyNotFound] = [] {
    auto jwks = Jwks::Parse("{\"keys\":[" + PublicKeyToJwk(Rs256Public(), {.kid = "a"}) + "]}");
    auto key = PrivateKey::Generate(Algorithm::kRS256);
    auto token = SignJws(*key, "{}", {.alg = Algorithm::kRS256, .kid = "b"});
    return VerifyJws(*token, *jwks, VerifyOptions{Algorithm::kRS256}).status();
  };
  p[Errc::kMissingClaim] = [] { return ValidateClaims(*Claims::Parse("{}"), {}); };
  p[Errc::kInvalidClaim] = [] { return ValidateClaims(*Claims::Parse(R"({"exp":"x"})"), {}); };
  p[Errc::kTokenExpired] = [] {
    FakeClock c(2000000000);
    return ValidateClaims(*Claims::Parse(R"({"exp":1700000000})"), {.clock = &c});
  };
  p[Errc::kTokenNotYetValid] = [] {
    FakeClock c(1700000000);
    return ValidateClaims(*Claims::Parse(R"({"exp":1800000000,"nbf":1750000000})"), {.clock = &c});
  };
  p[Errc::kIssuedInFuture] = [] {
    FakeClock c(1700000000);
    return ValidateClaims(*Claims::Parse(R"({"exp":1800000000,"iat":1750000000})"), {.clock = &c});
  };
  p[Errc::kIssuerMismatch] = [] {
    FakeClock c(1700000000);
    return ValidateClaims(*Claims::Parse(R"({"exp":1800000000,"iss":"a"})"),
                          {.issuer = "b", .clock = &c});
  };
  p[Errc::kAudienceMismatch] = [] {
    FakeClock c(1700000000);
    return ValidateClaims(*Claims::Parse(R"({"exp":1800000000,"aud":["a"]})"),
                          {.audience = "b", .clock = &c});
  };
  p[Errc::kInvalidCertificate] = [] { return Certificate::FromDer("junk").status(); };
  p[Errc::kCertificateUntrusted] = [] {
    auto issued = Ca().Issue({.org = *OrgNumber::Parse("910753614"), .name = "TEST AS"});
    TrustStore empty(CertEnvironment::kProd);
    auto other = TestCa::Create({.key_bits = 2048});
    empty.Add(other->root());
    return VerifyChain(issued->chain, empty, SystemClock::Instance());
  };
  p[Errc::kCertificateExpired] = [] {
    auto issued = Ca().Issue({.org = *OrgNumber::Parse("910753614"), .name = "TEST AS"});
    TrustStore store(CertEnvironment::kTest);
    store.Add(Ca().root());
    FakeClock later(SystemClock::Instance().NowSeconds() + 400LL * 86400);
    return VerifyChain(issued->chain, store, later);
  };
  p[Errc::kCertificateProfile] = [] {
    auto issued = Ca().Issue(
        {.org = *OrgNumber::Parse("910753614"), .name = "TEST AS", .digital_signature = false});
    return ReadEnterpriseProfile(issued->chain.front()).status();
  };
  p[Errc::kWrongPassword] = [] {
    auto key = PrivateKey::Generate(Algorithm::kES256);
    auto pem = key->ToEncryptedPkcs8Pem("right");
    return PrivateKey::FromPem(*pem, "wrong").status();
  };
  p[Errc::kInvalidGrant] = [] {
    auto creds = Credentials::WithKid(*PrivateKey::Generate(Algorithm::kRS256), "k1");
    return BuildGrant({.issuer = std::string(kTestIssuer),
                       .client_id = "c",
                       .request = {.scopes = {"a:b"}},
                       .lifetime = std::chrono::seconds(121)},
                      *creds, SystemClock::Instance())
        .status();
  };
  p[Errc::kNetworkError] = [] {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    return MakeCurlHttpClient()->Send({.url = "http://127.0.0.1:1/token"}).status();
  };
  auto fetch_with = [](int status, std::string body) {
    static testing::FakeHttpClient http;
    http.PushJson(status, std::move(body));
    auto creds = Credentials::WithKid(*PrivateKey::Generate(Algorithm::kRS256), "k1");
    TokenClient client({.endpoints = *EndpointsForPreset("test"),
                        .client_id = "c",
                        .credentials = *creds,
                        .http = testing::Borrowed(http),
                        .sleep = [](std::chrono::milliseconds) {}});
    return client.Fetch({.scopes = {"a:b"}}).status();
  };
  p[Errc::kMaskinportenError] = [fetch_with] {
    return fetch_with(400, R"js({"error":"invalid_grant","error_description":"Invalid )js"
                           R"js(assertion. Client authentication failed. Invalid JWT claim )js"
                           R"js(aud. (trace_id: 356666143081bbec11d293753e9702ca)",)js"
                           R"js("error_uri":"https://test.maskinporten.no/errors/MP-110"})js");
  };
  p[Errc::kHttpError] = [fetch_with] { return fetch_with(200, R"({"token_type":"Bearer"})"); };
  p[Errc::kDiscoveryError] = [] {
    return ParseMetadata(R"({"issuer":"https://evil.example/","token_endpoint":"https://e/t",)"
                         R"("jwks_uri":"https://e/j"})",
                         kTestIssuer)
        .status();
  };
  // API owner side: an Altinn 3 consent (consent.h) for 910753614 given by 01819010001.
  auto consent_token = [](const std::string& consumer, const std::string& details) {
    return ValidatedAccessToken{.consumer = *OrgNumber::Parse(consumer),
                                .supplier = std::nullopt,
                                .authorization_details_json = details,
                                .claims = *Claims::Parse("{}")};
  };
  auto check_consent = [consent_token](const std::string& consumer, const std::string& person) {
    const std::string details =
        R"([{"type":"urn:altinn:consent","id":"c1",)"
        R"("from":"urn:altinn:person:identifier-no:01819010001",)"
        R"("to":{"authority":"iso6523-actorid-upis","ID":"0192:910753614"},)"
        R"("consented":"2023-01-01T00:00:00Z","validTo":"2099-01-01T00:00:00Z",)"
        R"("consentRights":[{"action":["consent"],)"
        R"("resource":[{"type":"urn:altinn:resource","value":"5252_2"}]}]}])";
    Result<Consent> consent = ConsentFromAccessToken(consent_token("910753614", details));
    if (!consent.ok()) return consent.status();
    return CheckConsent(consent_token(consumer, details), *consent, {.person = person});
  };
  p[Errc::kConsentNotValid] = [consent_token] {
    return ConsentFromAccessToken(consent_token("910753614", "")).status();
  };
  p[Errc::kConsentOrgMismatch] = [check_consent] {
    return check_consent("311654306", "01819010001");
  };
  p[Errc::kConsentPersonMismatch] = [check_consent] {
    return check_consent("910753614", "02819010040");
  };
  // API owner side: an access token (validator.h) for consumer 910753614 with scope a:b.
  auto validate_access_token = [](AccessTokenPolicy policy) {
    static const PrivateKey key = *PrivateKey::Generate(Algorithm::kRS256);
    static const FakeClock clock(1700000000);
    policy.issuer = "https://test.maskinporten.no/";
    policy.clock = &clock;
    Jwks jwks =
        *Jwks::Parse(R"({"keys":[)" + PublicKeyToJwk(key.public_key(), {.kid = "k"}) + "]}");
    std::string token =
        *SignJws(key,
                 R"({"iss":"https://test.maskinporten.no/","iat":1700000000,"exp":1700000120,)"
                 R"("scope":"a:b","consumer":{"authority":"iso6523-actorid-upis",)"
                 R"("ID":"0192:910753614"}})",
                 {.alg = Algorithm::kRS256, .kid = "k"});
    return AccessTokenValidator(policy, JwksCache::Fixed(jwks)).Validate(token).status();
  };
  p[Errc::kInsufficientScope] = [validate_access_token] {
    return validate_access_token({.required_scopes = {"a:c"}});
  };
  p[Errc::kConsumerNotAllowed] = [validate_access_token] {
    return validate_access_token({.allowed_consumers = {"889640782"}});
  };
  return p;
}

TEST(ErrcCoverage, EveryValueIsProduced) {
  auto producers = Producers();
  for (int i = 0; i <= static_cast<int>(kLastErrc); ++i) {
    Errc want = static_cast<Errc>(i);
    auto it = producers.find(want);
    ASSERT_NE(it, producers.end()) << "no producer for " << ErrcName(want);
    Status got = it->second();
    EXPECT_EQ(got.code(), want) << ErrcName(want) << " produced " << got.ToString();
    if (want != Errc::kOk) {
      EXPECT_FALSE(got.message().empty()) << ErrcName(want);
    }
  }
}

TEST(ErrcCoverage, NamesAreDistinctSnakeCase) {
  std::set<std::string_view> seen;
  for (int i = 0; i <= static_cast<int>(kLastErrc); ++i) {
    std::string_view name = ErrcName(static_cast<Errc>(i));
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789"),
              std::string_view::npos)
        << name;
  }
}

}  // namespace
}  // namespace mp
