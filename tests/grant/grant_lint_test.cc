// LintGrant: a test per rule. Hostile grants are built by hand (raw base64url JSON, any
// signature bytes); the linter never verifies signatures, so the bytes need not be real.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "core/json.h"
#include "maskinporten/base64.h"
#include "maskinporten/grant.h"
#include "maskinporten/jws.h"
#include "maskinporten/test_ca.h"
#include "testing/jose_fixtures.h"

namespace mp {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr int64_t kNow = 1700000000;
constexpr char kTest[] = "https://test.maskinporten.no/";
constexpr char kProd[] = "https://maskinporten.no/";

Json GoodHeader() { return {{"alg", "RS256"}, {"kid", "my-kid"}}; }

Json GoodClaims() {
  return {{"aud", kTest},
          {"iss", "client-1"},
          {"iat", kNow},
          {"exp", kNow + 60},
          {"jti", "0e5ffb9c-4f2d-4b3c-9f0b-5b0f1f6b3c7a"},
          {"scope", "nav:a"}};
}

std::string Token(const Json& header, const Json& claims, size_t sig_bytes = 256) {
  return testing::MakeCompact(header.dump(), claims.dump(), std::string(sig_bytes, 's'));
}
std::string WithClaims(const Json& claims) { return Token(GoodHeader(), claims); }
std::string WithHeader(const Json& header) { return Token(header, GoodClaims()); }

std::vector<LintFinding> Lint(const std::string& token,
                              std::optional<std::string> issuer = std::nullopt,
                              int64_t now = kNow) {
  FakeClock clock(now);
  return LintGrant(token, {.issuer = std::move(issuer), .clock = &clock});
}

std::string Describe(const std::vector<LintFinding>& findings) {
  std::string out;
  for (const LintFinding& f : findings) {
    out += (f.severity == LintSeverity::kError ? "E " : "W ") + f.rule + ": " + f.message + "\n";
  }
  return out.empty() ? "(no findings)" : out;
}

const LintFinding* Find(const std::vector<LintFinding>& findings, std::string_view rule) {
  for (const LintFinding& f : findings) {
    if (f.rule == rule) return &f;
  }
  return nullptr;
}

// Exactly one finding: `rule`, an error, with Maskinporten's answer `mp`.
void ExpectOnlyError(const std::vector<LintFinding>& findings, std::string_view rule,
                     std::optional<MpError> mp) {
  ASSERT_EQ(findings.size(), 1u) << Describe(findings);
  EXPECT_EQ(findings[0].rule, rule) << Describe(findings);
  EXPECT_EQ(findings[0].severity, LintSeverity::kError) << Describe(findings);
  EXPECT_EQ(findings[0].maskinporten_error, mp) << Describe(findings);
}

void ExpectOnlyWarning(const std::vector<LintFinding>& findings, std::string_view rule,
                       std::optional<MpError> mp = std::nullopt) {
  ASSERT_EQ(findings.size(), 1u) << Describe(findings);
  EXPECT_EQ(findings[0].rule, rule) << Describe(findings);
  EXPECT_EQ(findings[0].severity, LintSeverity::kWarning) << Describe(findings);
  EXPECT_EQ(findings[0].maskinporten_error, mp) << Describe(findings);
}

// ---- clean grants ----

TEST(LintGrant, HandBuiltGoodGrantHasNoFindings) {
  EXPECT_TRUE(Lint(WithClaims(GoodClaims())).empty()) << Describe(Lint(WithClaims(GoodClaims())));
}

TEST(LintGrant, GrantFromBuildGrantHasNoFindings) {
  FakeClock clock(kNow);
  Credentials creds = *Credentials::WithKid(testing::TestKey(Algorithm::kRS256), "my-kid");
  for (const char* issuer : {kTest, kProd, "http://127.0.0.1:8080/"}) {
    GrantSpec spec{.issuer = issuer,
                   .client_id = "client-1",
                   .request = {.scopes = {"nav:a nav:b"},
                               .resource = "https://api.nav.no/",
                               .consumer_org = *OrgNumber::Parse("910753614"),
                               .authorization_details =
                                   R"({"type":"urn:altinn:consent",)"
                                   R"("id":"0e5ffb9c-4f2d-4b3c-9f0b-5b0f1f6b3c7a",)"
                                   R"("from":"urn:altinn:person:identifier-no:01017012343"})"},
                   .lifetime = std::chrono::seconds(120)};
    Grant g = *BuildGrant(spec, creds, clock);
    auto f = Lint(g.assertion);
    EXPECT_TRUE(f.empty()) << issuer << "\n" << Describe(f);
    f = Lint(g.assertion, std::string(issuer));
    EXPECT_TRUE(f.empty()) << issuer << "\n" << Describe(f);
  }
}

const IssuedCertificate& OrgCert() {
  static FakeClock ca_clock(kNow);
  static IssuedCertificate issued = [] {
    TestCa ca = *TestCa::Create({.key_bits = 2048, .clock = &ca_clock});
    return *ca.Issue({.org = *OrgNumber::Parse("910753614"), .name = "TEST FORSIKRING AS"});
  }();
  return issued;
}

// `claims` signed with OrgCert's key, its leaf as x5c.
std::string SignedWithOrgCert(const Json& claims) {
  return *SignJws(OrgCert().key, claims.dump(),
                  {.alg = Algorithm::kRS256, .x5c = {OrgCert().chain[0].X5cEntry()}});
}

std::string CertGrant(std::optional<OrgNumber> consumer_org = std::nullopt) {
  FakeClock clock(kNow);
  Credentials creds = *Credentials::WithCertificate(OrgCert().key, OrgCert().chain);
  GrantSpec spec{.issuer = kTest,
                 .client_id = "client-1",
                 .request = {.scopes = {"nav:a"}, .consumer_org = consumer_org}};
  return BuildGrant(spec, creds, clock)->assertion;
}

TEST(LintGrant, CertificateGrantFromBuildGrantHasNoFindings) {
  auto f = Lint(CertGrant(*OrgNumber::Parse("974760673")));
  EXPECT_TRUE(f.empty()) << Describe(f);
}

// ---- SPEC §4.4 step 2: structure ----

TEST(LintGrant, EmptyGrantIsMp011) { ExpectOnlyError(Lint(""), "jws-empty", MpError::kMp011); }

TEST(LintGrant, WrongNumberOfSegmentsIsMp011) {
  ExpectOnlyError(Lint("abc.def"), "jws-segments", MpError::kMp011);
  auto f = Lint("a.b.c.d.e");
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "jws-segments", MpError::kMp011));
  EXPECT_THAT(f[0].message, HasSubstr("JWE"));
}

TEST(LintGrant, OversizedGrantIsMp011) {
  ExpectOnlyError(Lint(std::string(70000, 'a')), "jws-too-large", MpError::kMp011);
}

TEST(LintGrant, StrayLineBreakIsMp011AndTheRestIsStillChecked) {
  Json claims = GoodClaims();
  claims["foo"] = 1;
  std::string token = WithClaims(claims);
  token.insert(40, "\n");
  auto f = Lint(token);
  ASSERT_EQ(f.size(), 2u) << Describe(f);
  EXPECT_EQ(f[0].rule, "jws-whitespace");
  EXPECT_EQ(f[0].maskinporten_error, MpError::kMp011);
  EXPECT_THAT(f[0].message, HasSubstr("byte 40"));
  EXPECT_EQ(f[1].rule, "claim-unknown");
}

TEST(LintGrant, HeaderThatIsNotBase64UrlIsMp011) {
  std::string token = WithClaims(GoodClaims());
  token[0] = '+';
  ExpectOnlyError(Lint(token), "header-base64", MpError::kMp011);
}

TEST(LintGrant, HeaderThatIsNotAJsonObjectIsMp011) {
  for (const char* header :
       {"not json", R"(["alg","RS256"])", R"({"alg":"RS256","alg":"RS256"})"}) {
    std::string token = testing::MakeCompact(header, GoodClaims().dump(), std::string(256, 's'));
    auto f = Lint(token);
    ASSERT_FALSE(f.empty()) << header;
    EXPECT_EQ(f[0].rule, "header-json") << header;
    EXPECT_EQ(f[0].maskinporten_error, MpError::kMp011);
    // The payload is still linted: no other finding for a good payload.
    EXPECT_EQ(f.size(), 1u) << Describe(f);
  }
}

TEST(LintGrant, PayloadThatIsNotBase64UrlIsMp011) {
  std::string token = WithClaims(GoodClaims());
  size_t dot = token.find('.');
  token[dot + 1] = '=';
  ExpectOnlyError(Lint(token), "payload-base64", MpError::kMp011);
}

TEST(LintGrant, PayloadWithDuplicateClaimIsMp011NamingIt) {
  std::string payload = R"({"aud":"https://test.maskinporten.no/","aud":"x","iss":"c"})";
  auto f = Lint(testing::MakeCompact(GoodHeader().dump(), payload, std::string(256, 's')));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "payload-json", MpError::kMp011));
  EXPECT_THAT(f[0].message, HasSubstr("aud"));
}

TEST(LintGrant, PayloadThatIsNotAnObjectIsMp011) {
  ExpectOnlyError(Lint(testing::MakeCompact(GoodHeader().dump(), "[1,2]", std::string(256, 's'))),
                  "payload-json", MpError::kMp011);
}

TEST(LintGrant, SignatureThatIsNotBase64UrlIsMp011) {
  std::string token = WithClaims(GoodClaims());
  token += "=";
  ExpectOnlyError(Lint(token), "signature-base64", MpError::kMp011);
}

// ---- step 3: header ----

TEST(LintGrant, MissingAlgIsMp011) {
  ExpectOnlyError(Lint(WithHeader({{"kid", "k"}})), "alg-missing", MpError::kMp011);
}

TEST(LintGrant, NonStringAlgIsMp011) {
  ExpectOnlyError(Lint(WithHeader({{"alg", 256}, {"kid", "k"}})), "alg-type", MpError::kMp011);
}

class DisallowedAlg : public ::testing::TestWithParam<const char*> {};

TEST_P(DisallowedAlg, IsMp011NamingTheAlg) {
  auto f = Lint(WithHeader({{"alg", GetParam()}, {"kid", "k"}}));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "alg-not-allowed", MpError::kMp011));
  EXPECT_THAT(f[0].message, HasSubstr(std::string("\"") + GetParam() + "\""));
}

INSTANTIATE_TEST_SUITE_P(Algs, DisallowedAlg,
                         ::testing::Values("none", "None", "HS256", "HS512", "ES256", "ES384",
                                           "PS256", "PS512", "RS1", "rs256", ""));

TEST(LintGrant, Rs384AndRs512AreAccepted) {
  for (const char* alg : {"RS256", "RS384", "RS512"}) {
    auto f = Lint(WithHeader({{"alg", alg}, {"kid", "k"}}));
    EXPECT_TRUE(f.empty()) << alg << Describe(f);
  }
}

TEST(LintGrant, BothKidAndX5cIsMp011) {
  Json h = GoodHeader();
  h["x5c"] = Json::array({OrgCert().chain[0].X5cEntry()});
  auto f = Lint(WithHeader(h));
  ASSERT_NE(Find(f, "kid-and-x5c"), nullptr) << Describe(f);
  EXPECT_EQ(Find(f, "kid-and-x5c")->maskinporten_error, MpError::kMp011);
  EXPECT_EQ(f[0].rule, "kid-and-x5c");
}

TEST(LintGrant, NeitherKidNorX5cIsMp011) {
  ExpectOnlyError(Lint(WithHeader({{"alg", "RS256"}})), "kid-or-x5c-missing", MpError::kMp011);
}

TEST(LintGrant, NonStringOrEmptyKidIsMp011) {
  ExpectOnlyError(Lint(WithHeader({{"alg", "RS256"}, {"kid", 7}})), "kid-type", MpError::kMp011);
  ExpectOnlyError(Lint(WithHeader({{"alg", "RS256"}, {"kid", ""}})), "kid-empty", MpError::kMp011);
}

TEST(LintGrant, KidWithCharactersARegisteredKidCannotHaveIsAWarning) {
  ExpectOnlyWarning(Lint(WithHeader({{"alg", "RS256"}, {"kid", "my kid/1"}})), "kid-charset",
                    MpError::kUnknownKid);
}

TEST(LintGrant, X5cAsAStringIsMp123) {
  auto f = Lint(WithHeader({{"alg", "RS256"}, {"x5c", OrgCert().chain[0].X5cEntry()}}));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "x5c-not-array", MpError::kMp123));
  EXPECT_THAT(f[0].message, HasSubstr("string"));
}

TEST(LintGrant, X5cInBase64UrlIsMp123) {
  std::string url = Base64UrlEncode(OrgCert().chain[0].Der());
  ASSERT_NE(url.find_first_of("-_"), std::string::npos) << "test needs a - or _ in the DER";
  ExpectOnlyError(Lint(WithHeader({{"alg", "RS256"}, {"x5c", Json::array({url})}})),
                  "x5c-base64url", MpError::kMp123);
}

TEST(LintGrant, X5cWithPemHeadersIsMp123) {
  ExpectOnlyError(
      Lint(WithHeader({{"alg", "RS256"}, {"x5c", Json::array({OrgCert().chain[0].Pem()})}})),
      "x5c-pem", MpError::kMp123);
}

TEST(LintGrant, X5cWithLineBreaksIsMp123) {
  std::string entry = OrgCert().chain[0].X5cEntry();
  entry.insert(64, "\n");
  ExpectOnlyError(Lint(WithHeader({{"alg", "RS256"}, {"x5c", Json::array({entry})}})),
                  "x5c-whitespace", MpError::kMp123);
}

TEST(LintGrant, X5cThatIsNotBase64OrNotACertificateIsMp123) {
  ExpectOnlyError(Lint(WithHeader({{"alg", "RS256"}, {"x5c", Json::array({"!!!!"})}})),
                  "x5c-base64", MpError::kMp123);
  ExpectOnlyError(
      Lint(WithHeader({{"alg", "RS256"}, {"x5c", Json::array({Base64Encode("not a cert")})}})),
      "x5c-not-certificate", MpError::kMp123);
}

TEST(LintGrant, EmptyX5cOrNonStringEntryIsMp123) {
  ExpectOnlyError(Lint(WithHeader({{"alg", "RS256"}, {"x5c", Json::array()}})), "x5c-empty",
                  MpError::kMp123);
  ExpectOnlyError(Lint(WithHeader({{"alg", "RS256"}, {"x5c", Json::array({1})}})), "x5c-entry-type",
                  MpError::kMp123);
}

TEST(LintGrant, TypOtherThanJwtIsOnlyAWarning) {
  Json h = GoodHeader();
  h["typ"] = "JWT";
  EXPECT_TRUE(Lint(WithHeader(h)).empty());
  h["typ"] = "at+jwt";
  ExpectOnlyWarning(Lint(WithHeader(h)), "typ-not-jwt");
}

TEST(LintGrant, CritHeaderIsMp011) {
  Json h = GoodHeader();
  h["crit"] = Json::array({"exp"});
  ExpectOnlyError(Lint(WithHeader(h)), "header-crit", MpError::kMp011);
}

// DESIGN §7: never trusted. The linter once warned while the emulator refused with MP-011; the
// one engine refuses (issue 13).
TEST(LintGrant, JkuX5uAndJwkHeadersAreMp011) {
  for (const char* name : {"jku", "x5u", "jwk"}) {
    Json h = GoodHeader();
    h[name] = "https://attacker.example/jwks";
    auto f = Lint(WithHeader(h));
    ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "header-untrusted", MpError::kMp011)) << name;
    EXPECT_THAT(f[0].message, HasSubstr(name));
  }
}

// RFC 7797: b64 is refused like crit (the linter once let it through).
TEST(LintGrant, B64HeaderIsMp011) {
  Json h = GoodHeader();
  h["b64"] = false;
  ExpectOnlyError(Lint(WithHeader(h)), "header-b64", MpError::kMp011);
}

// ---- step 4: claim set ----

TEST(LintGrant, UnknownClaimIsMp011NamingIt) {
  Json c = GoodClaims();
  c["foo"] = "bar";
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "claim-unknown", MpError::kMp011));
  EXPECT_THAT(f[0].message, HasSubstr("\"foo\""));
}

TEST(LintGrant, NbfAndSubEqualToIssAreTolerated) {
  Json c = GoodClaims();
  c["nbf"] = kNow;
  c["sub"] = "client-1";
  auto f = Lint(WithClaims(c));
  EXPECT_TRUE(f.empty()) << Describe(f);
}

TEST(LintGrant, SubOtherThanIssIsMp011) {
  Json c = GoodClaims();
  c["sub"] = "someone-else";
  ExpectOnlyError(Lint(WithClaims(c)), "sub-not-iss", MpError::kMp011);
}

TEST(LintGrant, IssOnBehalfOfIsMp011) {
  Json c = GoodClaims();
  c["iss_onbehalfof"] = "sub-client";
  ExpectOnlyError(Lint(WithClaims(c)), "iss-onbehalfof", MpError::kMp011);
}

class RequiredClaim : public ::testing::TestWithParam<const char*> {};

TEST_P(RequiredClaim, MissingIsMp011) {
  Json c = GoodClaims();
  c.erase(GetParam());
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(
      ExpectOnlyError(f, std::string(GetParam()) + "-missing", MpError::kMp011));
}

INSTANTIATE_TEST_SUITE_P(Claims, RequiredClaim,
                         ::testing::Values("aud", "iss", "iat", "exp", "scope"));

TEST(LintGrant, AudThatIsNotAStringIsMp011) {
  for (Json aud : {Json(7), Json::array({kTest, kProd}), Json::object()}) {
    Json c = GoodClaims();
    c["aud"] = aud;
    ExpectOnlyError(Lint(WithClaims(c)), "aud-type", MpError::kMp011);
  }
}

TEST(LintGrant, AudAsAOneElementArrayIsAWarning) {
  Json c = GoodClaims();
  c["aud"] = Json::array({kTest});
  ExpectOnlyWarning(Lint(WithClaims(c)), "aud-array");
}

// An empty iss is a malformed claim (step 4, MP-011) as the emulator always said; the linter
// once said MP-100.
TEST(LintGrant, IssThatIsNotAStringOrEmptyIsMp011) {
  Json c = GoodClaims();
  c["iss"] = 1;
  ExpectOnlyError(Lint(WithClaims(c)), "iss-type", MpError::kMp011);
  c["iss"] = "";
  ExpectOnlyError(Lint(WithClaims(c)), "iss-empty", MpError::kMp011);
}

TEST(LintGrant, EmptyJtiIsMp011) {
  Json c = GoodClaims();
  c["jti"] = "";
  ExpectOnlyError(Lint(WithClaims(c)), "jti-empty", MpError::kMp011);
}

TEST(LintGrant, IssEqualToTheKidIsAWarningOfMp100) {
  Json c = GoodClaims();
  c["iss"] = "my-kid";
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyWarning(Lint(WithClaims(c)), "iss-is-kid", MpError::kMp100));
}

TEST(LintGrant, TimesInMillisecondsAreExplained) {
  Json c = GoodClaims();
  c["iat"] = kNow * 1000;
  c["exp"] = kNow * 1000 + 60000;
  auto f = Lint(WithClaims(c));
  ASSERT_NE(Find(f, "iat-future"), nullptr) << Describe(f);
  EXPECT_THAT(Find(f, "iat-future")->message, HasSubstr("milliseconds"));
  ASSERT_NE(Find(f, "lifetime-too-long"), nullptr) << Describe(f);
  EXPECT_THAT(Find(f, "lifetime-too-long")->message, HasSubstr("milliseconds"));
}

TEST(LintGrant, TimesAsStringsAreMp011) {
  Json c = GoodClaims();
  c["iat"] = std::to_string(kNow);
  ExpectOnlyError(Lint(WithClaims(c)), "iat-type", MpError::kMp011);
  c = GoodClaims();
  c["exp"] = std::to_string(kNow + 60);
  ExpectOnlyError(Lint(WithClaims(c)), "exp-type", MpError::kMp011);
}

TEST(LintGrant, ScopeAsAnArrayIsMp011) {
  Json c = GoodClaims();
  c["scope"] = Json::array({"nav:a", "nav:b"});
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "scope-type", MpError::kMp011));
  EXPECT_THAT(f[0].message, HasSubstr("space-separated"));
}

TEST(LintGrant, EmptyScopeIsMp011) {
  for (const char* scope : {"", "   "}) {
    Json c = GoodClaims();
    c["scope"] = scope;
    ExpectOnlyError(Lint(WithClaims(c)), "scope-empty", MpError::kMp011);
  }
}

TEST(LintGrant, NonStringJtiIsMp011) {
  Json c = GoodClaims();
  c["jti"] = 12345678901234567;
  ExpectOnlyError(Lint(WithClaims(c)), "jti-type", MpError::kMp011);
}

TEST(LintGrant, ResourceMustBeAStringOrArrayOfStrings) {
  for (Json ok : {Json("https://api.nav.no/"), Json::array({"https://a/", "https://b/"})}) {
    Json c = GoodClaims();
    c["resource"] = ok;
    EXPECT_TRUE(Lint(WithClaims(c)).empty()) << ok.dump();
  }
  for (Json bad : {Json(1), Json(""), Json::array(), Json::array({1}), Json::object()}) {
    Json c = GoodClaims();
    c["resource"] = bad;
    ExpectOnlyError(Lint(WithClaims(c)), "resource-type", MpError::kMp011);
  }
}

TEST(LintGrant, PidMustBeAValidFodselsnummer) {
  Json c = GoodClaims();
  c["pid"] = "01017012343";
  EXPECT_TRUE(Lint(WithClaims(c)).empty());
  // 01017012334: eleven digits with wrong check digits, which the emulator always refused.
  for (Json bad : {Json("0101701234"), Json(1017012345), Json("0101701234x"), Json("01017012334"),
                   Json("01017012345")}) {
    c["pid"] = bad;
    ExpectOnlyError(Lint(WithClaims(c)), "pid-invalid", MpError::kMp011);
  }
}

TEST(LintGrant, ConsumerOrgAsANumberIsMp011) {
  Json c = GoodClaims();
  c["consumer_org"] = 910753614;
  ExpectOnlyError(Lint(WithClaims(c)), "consumer-org-type", MpError::kMp011);
}

TEST(LintGrant, ConsumerOrgWithBadCheckDigitIsMp011) {
  Json c = GoodClaims();
  c["consumer_org"] = "910753615";
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "consumer-org-invalid", MpError::kMp011));
  EXPECT_THAT(f[0].message, HasSubstr("910753615"));
  c["consumer_org"] = "910753614";
  EXPECT_TRUE(Lint(WithClaims(c)).empty());
}

// SPEC §4.4 step 13: a non-array is a malformed claim (step 4, MP-011); a count other than one
// and a non-object entry are bad values (MP-303), checked after every entry's type (MP-301) and
// fields (MP-302).
TEST(LintGrant, AuthorizationDetailsMustBeAnArrayOfOneObject) {
  Json entry = {
      {"type", "urn:altinn:systemuser"},
      {"systemuser_org", {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:910753614"}}}};
  Json c = GoodClaims();
  c["authorization_details"] = Json::array({entry});
  EXPECT_TRUE(Lint(WithClaims(c)).empty()) << Describe(Lint(WithClaims(c)));
  c["authorization_details"] = entry;
  ExpectOnlyError(Lint(WithClaims(c)), "authorization-details-type", MpError::kMp011);
  c["authorization_details"] = Json::array({entry, entry});
  ExpectOnlyError(Lint(WithClaims(c)), "authorization-details-count", MpError::kMp303);
  c["authorization_details"] = Json::array();
  ExpectOnlyError(Lint(WithClaims(c)), "authorization-details-count", MpError::kMp303);
  c["authorization_details"] = Json::array({"urn:altinn:systemuser"});
  ExpectOnlyError(Lint(WithClaims(c)), "authorization-details-entry", MpError::kMp303);
}

// The emulator once answered MP-303 (two entries) before looking at the types (issue 13).
TEST(LintGrant, TwoEntriesOfAnUnknownTypeAreMp301BeforeTheCount) {
  Json c = GoodClaims();
  c["authorization_details"] = Json::array({{{"type", "urn:x"}}, {{"type", "urn:y"}}});
  auto f = Lint(WithClaims(c));
  ASSERT_EQ(f.size(), 2u) << Describe(f);
  EXPECT_EQ(f[0].rule, "authorization-details-type-unknown");
  EXPECT_EQ(f[0].maskinporten_error, MpError::kMp301);
}

// ---- step 6: aud ----

TEST(LintGrant, AudWithoutTrailingSlashIsMp110) {
  Json c = GoodClaims();
  c["aud"] = "https://test.maskinporten.no";
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "aud-trailing-slash", MpError::kMp110));
  EXPECT_THAT(f[0].message, HasSubstr("\"https://test.maskinporten.no/\""));
  ExpectOnlyError(Lint(WithClaims(c), std::string(kTest)), "aud-trailing-slash", MpError::kMp110);
}

TEST(LintGrant, AudOfTheOtherEnvironmentIsMp110SayingWhich) {
  Json c = GoodClaims();
  c["aud"] = kProd;
  EXPECT_TRUE(Lint(WithClaims(c)).empty());  // without an expected issuer, PROD is fine
  auto f = Lint(WithClaims(c), std::string(kTest));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "aud-wrong-environment", MpError::kMp110));
  EXPECT_THAT(f[0].message, HasSubstr("PROD"));
  EXPECT_THAT(f[0].message, HasSubstr("TEST"));
  c["aud"] = kTest;
  f = Lint(WithClaims(c), std::string("http://127.0.0.1:8080/"));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "aud-wrong-environment", MpError::kMp110));
  EXPECT_THAT(f[0].message, HasSubstr("TEST"));
}

TEST(LintGrant, AudThatIsNoMaskinportenIssuerIsMp110) {
  Json c = GoodClaims();
  c["aud"] = "https://example.com/";
  ExpectOnlyError(Lint(WithClaims(c)), "aud-unknown-issuer", MpError::kMp110);
  ExpectOnlyError(Lint(WithClaims(c), std::string(kTest)), "aud-mismatch", MpError::kMp110);
}

TEST(LintGrant, AudThatIsTheTokenEndpointIsMp110) {
  Json c = GoodClaims();
  c["aud"] = "https://test.maskinporten.no/token";
  ExpectOnlyError(Lint(WithClaims(c)), "aud-token-endpoint", MpError::kMp110);
}

TEST(LintGrant, AudDifferingInCaseOrSchemeOrWithExtraSlashIsMp110) {
  Json c = GoodClaims();
  c["aud"] = "https://Test.Maskinporten.no/";
  ExpectOnlyError(Lint(WithClaims(c)), "aud-case", MpError::kMp110);
  c["aud"] = "http://test.maskinporten.no/";
  ExpectOnlyError(Lint(WithClaims(c)), "aud-scheme", MpError::kMp110);
  c["aud"] = "https://test.maskinporten.no//";
  ExpectOnlyError(Lint(WithClaims(c)), "aud-extra-slash", MpError::kMp110);
}

TEST(LintGrant, LoopbackIssuersAreAcceptedWithoutAnExpectedIssuer) {
  for (const char* aud : {"http://127.0.0.1:8080/", "http://localhost:1234/", "https://[::1]/",
                          "http://127.0.0.1/"}) {
    Json c = GoodClaims();
    c["aud"] = aud;
    EXPECT_TRUE(Lint(WithClaims(c)).empty()) << aud << Describe(Lint(WithClaims(c)));
  }
  for (const char* aud : {"http://127.0.0.1.evil.example/", "http://127.0.0.1@evil.example/"}) {
    Json c = GoodClaims();
    c["aud"] = aud;
    ExpectOnlyError(Lint(WithClaims(c)), "aud-unknown-issuer", MpError::kMp110);
  }
}

TEST(LintGrant, LoopbackAudWithoutTrailingSlashIsMp110) {
  Json c = GoodClaims();
  c["aud"] = "http://127.0.0.1:8080";
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "aud-trailing-slash", MpError::kMp110));
  EXPECT_THAT(f[0].message, HasSubstr("\"http://127.0.0.1:8080/\""));
}

TEST(LintGrant, Ver2IssuerIsAWarningOrAnErrorWhenAnIssuerIsExpected) {
  Json c = GoodClaims();
  c["aud"] = "https://ver2.maskinporten.no/";
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyWarning(f, "aud-retired-ver2", MpError::kMp110));
  EXPECT_THAT(f[0].message, HasSubstr("2024-06-10"));
  ExpectOnlyError(Lint(WithClaims(c), std::string(kTest)), "aud-retired-ver2", MpError::kMp110);
}

TEST(LintGrant, SkyportenIssuerIsAWarningSayingItIsADifferentIssuer) {
  Json c = GoodClaims();
  c["aud"] = "https://test.sky.maskinporten.no";
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyWarning(f, "aud-skyporten", MpError::kMp110));
  EXPECT_THAT(f[0].message, HasSubstr("different issuer"));
}

// ---- step 7: certificate ----

TEST(LintGrant, ExpiredLeafCertificateIsMp120) {
  int64_t later = OrgCert().chain[0].NotAfter() + 100;
  // A grant made at that later time, so only the certificate is wrong.
  Json c = GoodClaims();
  c["iat"] = later;
  c["exp"] = later + 60;
  auto f = Lint(SignedWithOrgCert(c), std::nullopt, later);
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "x5c-expired", MpError::kMp120));
}

TEST(LintGrant, ChainWithTheCaFirstIsMp120) {
  const auto& chain = OrgCert().chain;
  Json x5c = Json::array();
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) x5c.push_back(it->X5cEntry());
  auto f = Lint(Token({{"alg", "RS256"}, {"x5c", x5c}}, GoodClaims()));
  ASSERT_NE(Find(f, "x5c-leaf-first"), nullptr) << Describe(f);
  EXPECT_EQ(Find(f, "x5c-leaf-first")->maskinporten_error, MpError::kMp120);
  EXPECT_NE(Find(f, "x5c-order"), nullptr) << Describe(f);
}

TEST(LintGrant, ConsumerOrgEqualToTheCertificatesOwnOrgIsRefused) {
  auto f = Lint(CertGrant(*OrgNumber::Parse("910753614")));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "consumer-org-is-own", MpError::kConsumerOrgIsOwn));
}

TEST(LintGrant, TestCertificateInProdIsAWarningOfMp120) {
  std::string grant = CertGrant();  // aud is TEST; lint it as a PROD grant too
  EXPECT_TRUE(Lint(grant, std::string(kTest)).empty()) << Describe(Lint(grant, std::string(kTest)));
  auto f = Lint(grant, std::string(kProd));
  ASSERT_NE(Find(f, "x5c-environment"), nullptr) << Describe(f);
  EXPECT_EQ(Find(f, "x5c-environment")->severity, LintSeverity::kWarning);
  EXPECT_EQ(Find(f, "x5c-environment")->maskinporten_error, MpError::kMp120);
}

// ---- step 8: signature ----

TEST(LintGrant, EmptySignatureIsMp124) {
  ExpectOnlyError(Lint(Token(GoodHeader(), GoodClaims(), 0)), "signature-missing", MpError::kMp124);
}

TEST(LintGrant, SignatureTooShortForRsaIsMp124) {
  ExpectOnlyError(Lint(Token(GoodHeader(), GoodClaims(), 10)), "signature-length", MpError::kMp124);
}

// An x5c grant carries its key: the linter verifies the signature with the leaf (it once only
// compared the length).
TEST(LintGrant, X5cSignatureIsVerifiedWithTheLeafKeyMp124) {
  Json h = {{"alg", "RS256"}, {"x5c", Json::array({OrgCert().chain[0].X5cEntry()})}};
  auto f = Lint(Token(h, GoodClaims(), 512));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "signature-invalid", MpError::kMp124));
  EXPECT_THAT(f[0].message, HasSubstr("512 bytes"));
  ExpectOnlyError(Lint(Token(h, GoodClaims(), 256)), "signature-invalid", MpError::kMp124);
  EXPECT_TRUE(Lint(SignedWithOrgCert(GoodClaims())).empty())
      << Describe(Lint(SignedWithOrgCert(GoodClaims())));
}

// ---- step 9: times ----

// SPEC §13.7: exp may be up to 10 s behind the server clock, as for iat; the linter once refused
// at exp <= now while the emulator accepted (issue 13).
TEST(LintGrant, ExpiredExpIsMp130BeyondTheTenSecondSkew) {
  Json c = GoodClaims();
  c["iat"] = kNow - 71;
  c["exp"] = kNow - 11;
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "exp-expired", MpError::kMp130));
  EXPECT_THAT(f[0].message, HasSubstr(std::to_string(kNow - 11)));
  c["iat"] = kNow - 70;
  c["exp"] = kNow - 10;
  ExpectOnlyWarning(Lint(WithClaims(c)), "exp-within-skew");
}

TEST(LintGrant, IatMoreThanTenSecondsAheadIsIssuedInFuture) {
  Json c = GoodClaims();
  c["iat"] = kNow + 10;
  c["exp"] = kNow + 70;
  EXPECT_TRUE(Lint(WithClaims(c)).empty());
  c["iat"] = kNow + 11;
  c["exp"] = kNow + 71;
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "iat-future", MpError::kIssuedInFuture));
  EXPECT_THAT(f[0].message, HasSubstr("11 s ahead"));
}

TEST(LintGrant, LifetimeOver120SecondsIsMp011WithTheNumbers) {
  Json c = GoodClaims();
  c["exp"] = kNow + 120;
  EXPECT_TRUE(Lint(WithClaims(c)).empty());
  c["exp"] = kNow + 121;
  auto f = Lint(WithClaims(c));
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyError(f, "lifetime-too-long", MpError::kMp011));
  EXPECT_EQ(f[0].message, "exp - iat is 121 s; at most 120 s allowed");
}

// SPEC is silent on exp <= iat; the emulator accepts it while exp has not passed, so the linter
// warns (it once said MP-011, issue 13).
TEST(LintGrant, ExpNotAfterIatIsAWarning) {
  Json c = GoodClaims();
  c["iat"] = kNow + 5;
  c["exp"] = kNow + 5;
  ExpectOnlyWarning(Lint(WithClaims(c)), "lifetime-not-positive");
}

// Issue 14: int64 extremes must not wrap into a valid lifetime.
TEST(LintGrant, TimesAtTheInt64LimitsAreRefusedNotWrapped) {
  Json c = GoodClaims();
  c["iat"] = -4611686018427387904;
  c["exp"] = INT64_MAX;
  ExpectOnlyError(Lint(WithClaims(c)), "lifetime-too-long", MpError::kMp011);
  c["iat"] = INT64_MIN;
  c["exp"] = kNow + 60;
  ExpectOnlyError(Lint(WithClaims(c)), "lifetime-too-long", MpError::kMp011);
  c["iat"] = kNow;
  c["exp"] = INT64_MIN;
  auto f = Lint(WithClaims(c));
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].rule, "exp-expired");
  c["exp"] = 18446744073709551615u;
  ExpectOnlyError(Lint(WithClaims(c)), "exp-type", MpError::kMp011);
  c["exp"] = 1e300;
  ExpectOnlyError(Lint(WithClaims(c)), "exp-type", MpError::kMp011);
  c["exp"] = kNow + 60.75;  // fractions are floored
  EXPECT_TRUE(Lint(WithClaims(c)).empty()) << Describe(Lint(WithClaims(c)));
}

TEST(LintGrant, NbfInTheFutureIsAWarning) {
  Json c = GoodClaims();
  c["nbf"] = kNow + 60;
  ExpectOnlyWarning(Lint(WithClaims(c)), "nbf-future");
}

// ---- step 10: jti ----

TEST(LintGrant, MissingJtiIsAWarning) {
  Json c = GoodClaims();
  c.erase("jti");
  ExpectOnlyWarning(Lint(WithClaims(c)), "jti-missing");
}

TEST(LintGrant, JtiThatDoesNotLookUniqueIsAWarningOfMp012) {
  for (const char* jti : {"1", "jti", "abcdefghijklmno", "00000000-0000-0000-0000-000000000000",
                          "17000000001234567890"}) {
    Json c = GoodClaims();
    c["jti"] = jti;
    auto f = Lint(WithClaims(c));
    ASSERT_NO_FATAL_FAILURE(ExpectOnlyWarning(f, "jti-weak", MpError::kMp012));
    EXPECT_THAT(f[0].message, HasSubstr(jti));
  }
  Json c = GoodClaims();
  c["jti"] = "Q2hhbmdlIG1lIHBsZWFzZQ";  // 22 base64url chars, 128 bits
  EXPECT_TRUE(Lint(WithClaims(c)).empty());
}

// ---- step 4: scope syntax ----

// Not a list of scope-tokens is a malformed scope claim (step 4), as the emulator always said;
// the linter once said MP-200.
TEST(LintGrant, ScopeWithATabOrNonAsciiIsMp011) {
  for (const char* scope : {"nav:a\tnav:b", "nav:æ"}) {
    Json c = GoodClaims();
    c["scope"] = scope;
    ExpectOnlyError(Lint(WithClaims(c)), "scope-token", MpError::kMp011);
  }
}

TEST(LintGrant, DuplicateScopeAndExtraSpacesAreWarnings) {
  Json c = GoodClaims();
  c["scope"] = "nav:a nav:a";
  ExpectOnlyWarning(Lint(WithClaims(c)), "scope-duplicate");
  c["scope"] = " nav:a  nav:b";
  ExpectOnlyWarning(Lint(WithClaims(c)), "scope-whitespace");
}

// ---- step 13: authorization_details ----

Json WithDetails(const Json& entry) {
  Json c = GoodClaims();
  c["authorization_details"] = Json::array({entry});
  return c;
}

Json Consent() {
  return {{"type", "urn:altinn:consent"},
          {"id", "0e5ffb9c-4f2d-4b3c-9f0b-5b0f1f6b3c7a"},
          {"from", "urn:altinn:person:identifier-no:01017012343"}};
}

TEST(LintGrant, ValidConsentEntryIsClean) {
  EXPECT_TRUE(Lint(WithClaims(WithDetails(Consent()))).empty());
  Json org = Consent();
  org["from"] = "urn:altinn:organization:identifier-no:910753614";
  EXPECT_TRUE(Lint(WithClaims(WithDetails(org))).empty());
}

TEST(LintGrant, UnknownAuthorizationDetailsTypeIsMp301) {
  ExpectOnlyError(Lint(WithClaims(WithDetails({{"type", "urn:example:thing"}}))),
                  "authorization-details-type-unknown", MpError::kMp301);
  ExpectOnlyError(Lint(WithClaims(WithDetails({{"id", "x"}}))),
                  "authorization-details-type-unknown", MpError::kMp301);
}

TEST(LintGrant, UnknownAuthorizationDetailsFieldsAreMp302) {
  Json e = Consent();
  e["extra"] = true;
  auto f = Lint(WithClaims(WithDetails(e)));
  ASSERT_NO_FATAL_FAILURE(
      ExpectOnlyError(f, "authorization-details-unknown-fields", MpError::kMp302));
  EXPECT_THAT(f[0].message, HasSubstr("\"extra\""));
}

TEST(LintGrant, InvalidAuthorizationDetailsValuesAreMp303) {
  Json e = Consent();
  e["id"] = "not-a-uuid";
  ExpectOnlyError(Lint(WithClaims(WithDetails(e))), "authorization-details-values",
                  MpError::kMp303);
  e = Consent();
  e["from"] = "urn:altinn:person:identifier-no:123";
  ExpectOnlyError(Lint(WithClaims(WithDetails(e))), "authorization-details-values",
                  MpError::kMp303);
  Json su = {{"type", "urn:altinn:systemuser"},
             {"systemuser_org", {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:910753615"}}}};
  ExpectOnlyError(Lint(WithClaims(WithDetails(su))), "authorization-details-values",
                  MpError::kMp303);
}

// SPEC §15: externalRef is the system user entry's third field; "id" is Altinn's example
// spelling of systemuser_org.ID; an empty externalRef is a bad value.
TEST(LintGrant, SystemUserEntryTakesExternalRefAndTheIdSpelling) {
  Json su = {{"type", "urn:altinn:systemuser"},
             {"systemuser_org", {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:910753614"}}},
             {"externalRef", "customer-17"}};
  EXPECT_TRUE(Lint(WithClaims(WithDetails(su))).empty())
      << Describe(Lint(WithClaims(WithDetails(su))));
  Json lower = su;
  lower["systemuser_org"] = {{"authority", "iso6523-actorid-upis"}, {"id", "0192:910753614"}};
  EXPECT_TRUE(Lint(WithClaims(WithDetails(lower))).empty());
  su["externalRef"] = "";
  ExpectOnlyError(Lint(WithClaims(WithDetails(su))), "authorization-details-values",
                  MpError::kMp303);
  su["externalRef"] = 17;
  ExpectOnlyError(Lint(WithClaims(WithDetails(su))), "authorization-details-values",
                  MpError::kMp303);
}

// SPEC §15 Unverified, Local choice: consumer_org with a system user is MP-303, found without a
// registry too.
TEST(LintGrant, SystemUserWithConsumerOrgIsMp303) {
  Json c = WithDetails(
      {{"type", "urn:altinn:systemuser"},
       {"systemuser_org", {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:910753614"}}}});
  c["consumer_org"] = "889640782";
  ExpectOnlyError(Lint(WithClaims(c)), "systemuser-with-consumer-org", MpError::kMp303);
}

// ---- every problem, in SPEC §4.4 order ----

TEST(LintGrant, ListsEveryProblemInValidationOrderNotJustTheFirst) {
  Json h = {{"alg", "HS256"}, {"kid", "k"}, {"x5c", "MIIB"}};
  Json c = {{"aud", "https://test.maskinporten.no"},
            {"iss", "client-1"},
            {"iat", kNow - 400},
            {"exp", kNow - 100},
            {"jti", "1"},
            {"scope", ""},
            {"foo", 1}};
  auto f = Lint(Token(h, c));
  std::vector<std::string> rules;
  for (const LintFinding& x : f) rules.push_back(x.rule);
  EXPECT_EQ(rules, (std::vector<std::string>{"alg-not-allowed", "kid-and-x5c", "x5c-not-array",
                                             "claim-unknown", "scope-empty", "aud-trailing-slash",
                                             "exp-expired", "lifetime-too-long", "jti-weak"}))
      << Describe(f);
  for (const LintFinding& x : f) {
    if (x.severity == LintSeverity::kError) {
      EXPECT_TRUE(x.maskinporten_error.has_value()) << x.rule;
    }
  }
}

TEST(LintGrant, WithoutAClockTheSystemClockIsUsed) {
  Json c = GoodClaims();  // made for 2023: expired now
  auto f = LintGrant(WithClaims(c), {});
  EXPECT_NE(Find(f, "exp-expired"), nullptr) << Describe(f);
}

TEST(LintGrant, EveryByteFlippedNeverCrashesAndAlwaysFindsSomething) {
  std::string token = WithClaims(GoodClaims());
  for (size_t i = 0; i < token.size(); i += 3) {
    std::string t = token;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    auto f = Lint(t);
    (void)f;  // flipping a bit may keep a valid spelling (e.g. inside the signature)
  }
  // Truncations are always malformed or incomplete.
  for (size_t n = 0; n < token.size(); n += 7) {
    std::string t = token.substr(0, n);
    auto f = Lint(t);
    bool has_error = std::any_of(f.begin(), f.end(), [](const LintFinding& x) {
      return x.severity == LintSeverity::kError;
    });
    EXPECT_TRUE(has_error) << n;
  }
}

TEST(LintGrant, MutatedHeadersAndPayloadsNeverCrashAndEveryFindingIsComplete) {
  std::mt19937 rng(20240610);  // deterministic
  const std::string header = Json({{"alg", "RS256"}, {"x5c", Json::array({"MIIB"})}}).dump();
  Json claims = GoodClaims();
  claims["authorization_details"] = Json::array({Consent()});
  claims["consumer_org"] = "910753614";
  const std::string payload = claims.dump();
  const std::string alphabet = "{}[]\",:0123456789.-eE \\u\x7f\x01\xc3\xa6\xff";
  for (int i = 0; i < 3000; ++i) {
    std::string h = header;
    std::string p = payload;
    std::string& target = i % 3 == 0 ? h : p;
    for (int k = 0; k < 1 + i % 4; ++k) {
      target[rng() % target.size()] = alphabet[rng() % alphabet.size()];
    }
    auto f = Lint(testing::MakeCompact(h, p, std::string(256, 's')));
    for (const LintFinding& x : f) {
      EXPECT_FALSE(x.rule.empty());
      EXPECT_FALSE(x.message.empty());
      EXPECT_NE(x.rule, "internal") << x.message;
    }
  }
}

}  // namespace
}  // namespace mp
