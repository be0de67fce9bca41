// BuildGrant, Credentials and JoinScopes: every SPEC §4 rule the builder enforces.
#include "maskinporten/grant.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/json.h"
#include "core/strings.h"
#include "maskinporten/base64.h"
#include "maskinporten/jws.h"
#include "maskinporten/test_ca.h"
#include "testing/jose_fixtures.h"

namespace mp {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1700000000;
constexpr char kTest[] = "https://test.maskinporten.no/";

const PrivateKey& RsaKey() { return testing::TestKey(Algorithm::kRS256); }

Credentials KidCreds(Algorithm alg = Algorithm::kRS256) {
  return *Credentials::WithKid(RsaKey(), "my-kid", alg);
}

GrantSpec Spec() {
  return GrantSpec{.issuer = kTest, .client_id = "client-1", .request = {.scopes = {"nav:a"}}};
}

struct Decoded {
  nlohmann::json header;
  nlohmann::json claims;
  std::string payload;  // exact bytes
};

Decoded Decode(const std::string& token) {
  Result<ParsedJws> jws = ParseJws(token);
  EXPECT_TRUE(jws.ok()) << jws.status().ToString();
  if (!jws.ok()) return {};
  return {*ParseStrictJsonObject(jws->header.json), *ParseStrictJsonObject(jws->payload),
          jws->payload};
}

Decoded BuildAndDecode(const GrantSpec& spec, const Credentials& creds = KidCreds()) {
  FakeClock clock(kNow);
  Result<Grant> g = BuildGrant(spec, creds, clock);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  if (!g.ok()) return {};
  return Decode(g->assertion);
}

Status BuildStatus(const GrantSpec& spec) {
  FakeClock clock(kNow);
  return BuildGrant(spec, KidCreds(), clock).status();
}

// A test CA and one enterprise certificate, made once (RSA generation is slow).
const IssuedCertificate& OrgCert() {
  static FakeClock ca_clock(kNow);
  static IssuedCertificate issued = [] {
    TestCa ca = *TestCa::Create({.key_bits = 2048, .clock = &ca_clock});
    return *ca.Issue({.org = *OrgNumber::Parse("910753614"), .name = "TEST FORSIKRING AS"});
  }();
  return issued;
}

// ---- header ----

TEST(BuildGrant, KidGrantHeaderIsExactlyAlgAndKid) {
  Decoded d = BuildAndDecode(Spec());
  EXPECT_EQ(d.header, nlohmann::json({{"alg", "RS256"}, {"kid", "my-kid"}}));
}

TEST(BuildGrant, SignatureVerifiesWithTheKeysPublicPart) {
  FakeClock clock(kNow);
  Grant g = *BuildGrant(Spec(), KidCreds(), clock);
  EXPECT_TRUE(VerifyJws(g.assertion, RsaKey().public_key(), VerifyOptions{Algorithm::kRS256}).ok());
}

TEST(BuildGrant, Rs384AndRs512AreWrittenInTheHeader) {
  for (Algorithm alg : {Algorithm::kRS384, Algorithm::kRS512}) {
    FakeClock clock(kNow);
    Grant g = *BuildGrant(Spec(), KidCreds(alg), clock);
    Decoded d = Decode(g.assertion);
    EXPECT_EQ(d.header["alg"], std::string(AlgorithmName(alg)));
    EXPECT_TRUE(VerifyJws(g.assertion, RsaKey().public_key(), VerifyOptions{alg}).ok());
  }
}

TEST(BuildGrant, CertificateGrantHeaderHasX5cArrayOfStandardBase64LeafFirstAndNoKid) {
  const IssuedCertificate& cert = OrgCert();
  Credentials creds = *Credentials::WithCertificate(cert.key, cert.chain);
  Decoded d = BuildAndDecode(Spec(), creds);
  ASSERT_TRUE(d.header.contains("x5c"));
  EXPECT_FALSE(d.header.contains("kid"));
  EXPECT_EQ(d.header.size(), 2u);  // alg, x5c
  ASSERT_TRUE(d.header["x5c"].is_array());
  ASSERT_EQ(d.header["x5c"].size(), cert.chain.size());
  for (size_t i = 0; i < cert.chain.size(); ++i) {
    const std::string entry = d.header["x5c"][i].get<std::string>();
    EXPECT_EQ(entry, cert.chain[i].X5cEntry());
    EXPECT_TRUE(Base64Decode(entry).ok()) << "standard base64, padded";
    EXPECT_EQ(entry.find_first_of("-_\n"), std::string::npos);
  }
  // Leaf first: the first entry is the certificate of the signing key.
  Certificate leaf = *Certificate::FromDer(*Base64Decode(d.header["x5c"][0].get<std::string>()));
  EXPECT_TRUE(*leaf.PublicKeyOf() == cert.key.public_key());
}

// ---- claims ----

TEST(BuildGrant, ClaimsAreAudIssIatExpJtiScopeInThatOrder) {
  Decoded d = BuildAndDecode(Spec());
  EXPECT_THAT(d.payload, StartsWith(R"({"aud":"https://test.maskinporten.no/","iss":"client-1",)"
                                    R"("iat":1700000000,"exp":1700000060,"jti":")"));
  EXPECT_THAT(d.payload, HasSubstr(R"(,"scope":"nav:a"})"));
  EXPECT_EQ(d.claims.size(), 6u);
}

TEST(BuildGrant, AudIsTheIssuerExactlyAndIssTheClientId) {
  GrantSpec spec = Spec();
  spec.issuer = "http://127.0.0.1:8080/";
  Decoded d = BuildAndDecode(spec);
  EXPECT_EQ(d.claims["aud"], "http://127.0.0.1:8080/");
  EXPECT_EQ(d.claims["iss"], "client-1");
}

TEST(BuildGrant, DefaultLifetimeIs60Seconds) {
  Decoded d = BuildAndDecode(Spec());
  EXPECT_EQ(d.claims["iat"].get<int64_t>(), kNow);
  EXPECT_EQ(d.claims["exp"].get<int64_t>(), kNow + 60);
}

TEST(BuildGrant, LifetimeOf120SecondsIsAccepted) {
  GrantSpec spec = Spec();
  spec.lifetime = std::chrono::seconds(120);
  Decoded d = BuildAndDecode(spec);
  EXPECT_EQ(d.claims["exp"].get<int64_t>() - d.claims["iat"].get<int64_t>(), 120);
}

TEST(BuildGrant, LifetimeOf121SecondsIsRefusedNamingTheValue) {
  GrantSpec spec = Spec();
  spec.lifetime = std::chrono::seconds(121);
  Status s = BuildStatus(spec);
  EXPECT_EQ(s.code(), Errc::kInvalidGrant);
  EXPECT_EQ(s.message(), "exp - iat is 121 s; at most 120 s allowed");
}

TEST(BuildGrant, ZeroOrNegativeLifetimeIsRefused) {
  for (int s : {0, -5}) {
    GrantSpec spec = Spec();
    spec.lifetime = std::chrono::seconds(s);
    EXPECT_EQ(BuildStatus(spec).code(), Errc::kInvalidGrant) << s;
  }
}

TEST(BuildGrant, ClockOffsetIsAddedToTheTime) {
  FakeClock clock(kNow);
  Grant ahead = *BuildGrant(Spec(), KidCreds(), clock, std::chrono::seconds(30));
  EXPECT_EQ(ahead.iat, kNow + 30);
  EXPECT_EQ(ahead.exp, kNow + 90);
  Grant behind = *BuildGrant(Spec(), KidCreds(), clock, std::chrono::seconds(-7));
  EXPECT_EQ(behind.iat, kNow - 7);
  EXPECT_EQ(Decode(behind.assertion).claims["iat"].get<int64_t>(), kNow - 7);
}

TEST(BuildGrant, SubSecondClockTimeIsTruncatedToTheSecond) {
  FakeClock clock(kNow);
  clock.Advance(std::chrono::microseconds(999999));
  EXPECT_EQ(BuildGrant(Spec(), KidCreds(), clock)->iat, kNow);
}

// SPEC §4.3: "Always send a UUIDv4".
TEST(BuildGrant, JtiIsAUuidV4) {
  FakeClock clock(kNow);
  Grant g = *BuildGrant(Spec(), KidCreds(), clock);
  ASSERT_EQ(g.jti.size(), 36u);
  EXPECT_TRUE(IsUuid(g.jti)) << g.jti;
  EXPECT_EQ(g.jti[14], '4') << g.jti;                                          // version
  EXPECT_NE(std::string("89ab").find(g.jti[19]), std::string::npos) << g.jti;  // variant
  EXPECT_EQ(g.jti.find_first_of("ABCDEF"), std::string::npos) << g.jti;
  EXPECT_EQ(Decode(g.assertion).claims["jti"], g.jti);
}

TEST(BuildGrant, EveryGrantHasANewJtiAndSignature) {
  FakeClock clock(kNow);
  std::set<std::string> jtis;
  std::set<std::string> assertions;
  for (int i = 0; i < 200; ++i) {
    Grant g = *BuildGrant(Spec(), KidCreds(), clock);
    jtis.insert(g.jti);
    assertions.insert(g.assertion);
  }
  EXPECT_EQ(jtis.size(), 200u);
  EXPECT_EQ(assertions.size(), 200u);
}

TEST(BuildGrant, IssuerWithoutTrailingSlashIsRefused) {
  GrantSpec spec = Spec();
  spec.issuer = "https://test.maskinporten.no";
  Status s = BuildStatus(spec);
  EXPECT_EQ(s.code(), Errc::kInvalidGrant);
  EXPECT_THAT(s.message(), HasSubstr("\"https://test.maskinporten.no\""));
  EXPECT_THAT(s.message(), HasSubstr("'/'"));
}

TEST(BuildGrant, IssuerThatIsNotAnHttpUrlOrEmptyIsRefused) {
  for (const char* issuer : {"", "test.maskinporten.no/", "ftp://x/", "https://x/\n"}) {
    GrantSpec spec = Spec();
    spec.issuer = issuer;
    EXPECT_EQ(BuildStatus(spec).code(), Errc::kInvalidGrant) << issuer;
  }
}

TEST(BuildGrant, EmptyClientIdOrClientIdWithLineBreakIsRefused) {
  for (const char* id : {"", "client\n", "a\tb"}) {
    GrantSpec spec = Spec();
    spec.client_id = id;
    Status s = BuildStatus(spec);
    EXPECT_EQ(s.code(), Errc::kInvalidGrant) << id;
    EXPECT_THAT(s.message(), HasSubstr("client_id"));
  }
}

TEST(BuildGrant, ScopesAreDeduplicatedInFirstSeenOrder) {
  GrantSpec spec = Spec();
  spec.request.scopes = {"nav:b nav:a", "nav:a", "", "nav:c", "nav:b"};
  EXPECT_EQ(BuildAndDecode(spec).claims["scope"], "nav:b nav:a nav:c");
}

TEST(BuildGrant, NoScopeOrOnlyEmptyScopesIsRefused) {
  for (std::vector<std::string> scopes : {std::vector<std::string>{}, {""}, {"", " ", "  "}}) {
    GrantSpec spec = Spec();
    spec.request.scopes = scopes;
    Status s = BuildStatus(spec);
    EXPECT_EQ(s.code(), Errc::kInvalidGrant);
    EXPECT_THAT(s.message(), HasSubstr("scope"));
  }
}

TEST(BuildGrant, ScopeWithTabLineBreakOrControlCharacterIsRefused) {
  for (const char* scope : {"nav:a\tnav:b", "nav:a\n",
                            "nav:\x01"
                            "a",
                            "nav:\"a\"", "nav:æ"}) {
    GrantSpec spec = Spec();
    spec.request.scopes = {scope};
    Status s = BuildStatus(spec);
    EXPECT_EQ(s.code(), Errc::kInvalidGrant) << scope;
  }
}

TEST(BuildGrant, ConsumerOrgIsWrittenAsANineDigitString) {
  GrantSpec spec = Spec();
  spec.request.consumer_org = *OrgNumber::Parse("910753614");
  Decoded d = BuildAndDecode(spec);
  EXPECT_EQ(d.claims["consumer_org"], "910753614");
  EXPECT_THAT(d.payload, HasSubstr(R"("consumer_org":"910753614")"));
}

TEST(BuildGrant, ResourceIsWrittenAsAString) {
  GrantSpec spec = Spec();
  spec.request.resource = "https://api.nav.no/ssu";
  EXPECT_EQ(BuildAndDecode(spec).claims["resource"], "https://api.nav.no/ssu");
}

TEST(BuildGrant, EmptyResourceIsRefused) {
  GrantSpec spec = Spec();
  spec.request.resource = "";
  EXPECT_EQ(BuildStatus(spec).code(), Errc::kInvalidGrant);
}

TEST(BuildGrant, OptionalClaimsAreAbsentUnlessAsked) {
  Decoded d = BuildAndDecode(Spec());
  EXPECT_FALSE(d.claims.contains("resource"));
  EXPECT_FALSE(d.claims.contains("consumer_org"));
  EXPECT_FALSE(d.claims.contains("authorization_details"));
}

TEST(BuildGrant, AuthorizationDetailsIsAnArrayWithTheOneEntry) {
  GrantSpec spec = Spec();
  spec.request.authorization_details =
      R"({"type":"urn:altinn:consent","id":"0e5ffb9c-4f2d-4b3c-9f0b-5b0f1f6b3c7a",)"
      R"("from":"urn:altinn:person:identifier-no:01017012345"})";
  Decoded d = BuildAndDecode(spec);
  ASSERT_TRUE(d.claims["authorization_details"].is_array());
  ASSERT_EQ(d.claims["authorization_details"].size(), 1u);
  EXPECT_EQ(d.claims["authorization_details"][0],
            *ParseStrictJson(*spec.request.authorization_details));
}

TEST(BuildGrant, AuthorizationDetailsMustBeOneObjectWithAStringType) {
  for (const char* bad :
       {R"([{"type":"urn:altinn:consent"}])", R"({"id":"x"})", R"({"type":7})", R"({"type":""})",
        R"("urn:altinn:consent")", "{", R"({"type":"a","type":"b"})"}) {
    GrantSpec spec = Spec();
    spec.request.authorization_details = bad;
    Status s = BuildStatus(spec);
    EXPECT_EQ(s.code(), Errc::kInvalidGrant) << bad;
    EXPECT_THAT(s.message(), HasSubstr("authorization_details")) << bad;
  }
}

TEST(BuildGrant, ClientIdIsJsonEscaped) {
  GrantSpec spec = Spec();
  spec.client_id = R"(a"b\c)";
  EXPECT_EQ(BuildAndDecode(spec).claims["iss"], R"(a"b\c)");
}

// ---- Credentials ----

TEST(Credentials, WithKidKeepsKidAndAlgAndNoX5c) {
  Credentials c = KidCreds(Algorithm::kRS512);
  EXPECT_EQ(c.kid(), "my-kid");
  EXPECT_EQ(c.alg(), Algorithm::kRS512);
  EXPECT_TRUE(c.x5c().empty());
  EXPECT_FALSE(c.uses_certificate());
}

TEST(Credentials, WithKidRefusesKidsThatCannotBeRegistered) {
  for (const char* kid : {"", "has space", "slash/kid", "æøå", "kid\n"}) {
    Result<Credentials> c = Credentials::WithKid(RsaKey(), kid);
    ASSERT_FALSE(c.ok()) << kid;
    EXPECT_EQ(c.status().code(), Errc::kInvalidArgument) << kid;
  }
  EXPECT_TRUE(Credentials::WithKid(RsaKey(), "Az09._-").ok());
}

TEST(Credentials, AlgorithmsOutsideRs256Rs384Rs512AreRefused) {
  for (Algorithm alg : {Algorithm::kPS256, Algorithm::kPS512, Algorithm::kES256}) {
    Result<Credentials> c = Credentials::WithKid(RsaKey(), "k", alg);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), Errc::kAlgorithmNotAllowed);
    EXPECT_THAT(c.status().message(), HasSubstr(std::string(AlgorithmName(alg))));
  }
}

TEST(Credentials, EcKeyIsRefusedForRs256) {
  Result<Credentials> c = Credentials::WithKid(testing::TestKey(Algorithm::kES256), "k");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kKeyAlgorithmMismatch);
}

TEST(Credentials, WithCertificateKeepsTheChainLeafFirst) {
  const IssuedCertificate& cert = OrgCert();
  Credentials c = *Credentials::WithCertificate(cert.key, cert.chain, Algorithm::kRS384);
  EXPECT_TRUE(c.uses_certificate());
  EXPECT_TRUE(c.kid().empty());
  EXPECT_EQ(c.alg(), Algorithm::kRS384);
  ASSERT_EQ(c.x5c().size(), cert.chain.size());
  EXPECT_EQ(c.x5c()[0], cert.chain[0].X5cEntry());
}

TEST(Credentials, WithCertificateRefusesAKeyThatIsNotTheLeafs) {
  const IssuedCertificate& cert = OrgCert();
  Result<Credentials> c = Credentials::WithCertificate(RsaKey(), cert.chain);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kInvalidKey);
}

TEST(Credentials, WithCertificateRefusesAReversedChain) {
  const IssuedCertificate& cert = OrgCert();
  std::vector<Certificate> reversed(cert.chain.rbegin(), cert.chain.rend());
  Result<Credentials> c = Credentials::WithCertificate(cert.key, reversed);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kInvalidKey);
}

TEST(Credentials, WithCertificateRefusesAnEmptyChain) {
  Result<Credentials> c = Credentials::WithCertificate(RsaKey(), {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kInvalidArgument);
}

// ---- JoinScopes ----

TEST(JoinScopes, DropsEmptyEntriesAndDuplicatesKeepingFirstSeenOrder) {
  EXPECT_EQ(JoinScopes({"b", "a", "b", "", "c", "a"}), "b a c");
}

TEST(JoinScopes, SplitsEntriesThatHoldSeveralSpaceSeparatedScopes) {
  EXPECT_EQ(JoinScopes({"  a  b ", "b c"}), "a b c");
}

TEST(JoinScopes, NothingGivesEmpty) {
  EXPECT_EQ(JoinScopes({}), "");
  EXPECT_EQ(JoinScopes({"", " "}), "");
}

// SPEC §9: the one scope-name rule of the self-service API, the seed loader and doctor.
TEST(CheckScopeName, AcceptsPrefixColonSubscopeAndNamesTheBadPart) {
  EXPECT_TRUE(CheckScopeName("nav", "forsikring/ssu.read").ok());
  EXPECT_TRUE(CheckScopeName("altinn", "consentrequests.write").ok());
  const struct {
    const char* prefix;
    const char* subscope;
    const char* message;
  } kBad[] = {
      {"", "read", "prefix: must not be empty"},
      {"NAV", "read", "prefix: \"NAV\" must be 1..64 characters [a-z0-9_-]"},
      {"nav", "", "subscope: must not be empty"},
      {"nav", "re ad", "subscope: \"re ad\" must be 1..200 characters [a-zA-Z0-9._/:-]"},
  };
  for (const auto& c : kBad) {
    Status s = CheckScopeName(c.prefix, c.subscope);
    EXPECT_EQ(s.code(), Errc::kInvalidArgument) << c.message;
    EXPECT_EQ(s.message(), c.message);
  }
  EXPECT_FALSE(CheckScopeName(std::string(65, 'a'), "read").ok());
  EXPECT_TRUE(CheckScopeName(std::string(64, 'a'), "read").ok());
  EXPECT_FALSE(CheckScopeName("nav", std::string(201, 'a')).ok());
}

// SPEC §15: the system user entry, with externalRef only when given.
TEST(SystemUserAuthorizationDetails, MakesTheSystemUserEntry) {
  OrgNumber customer = OrgNumber::Parse("910753614").value();
  EXPECT_EQ(SystemUserAuthorizationDetails(customer).value(),
            R"({"type":"urn:altinn:systemuser","systemuser_org":{"authority":)"
            R"("iso6523-actorid-upis","ID":"0192:910753614"}})");
  EXPECT_EQ(SystemUserAuthorizationDetails(customer, "cust-17").value(),
            R"({"type":"urn:altinn:systemuser","systemuser_org":{"authority":)"
            R"("iso6523-actorid-upis","ID":"0192:910753614"},"externalRef":"cust-17"})");
  EXPECT_EQ(SystemUserAuthorizationDetails(customer, "").status().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace mp
