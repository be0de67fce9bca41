// GrantValidator (SPEC §4.4 steps 2-13): one rule per test, and for each step a grant with two
// faults that proves the earlier step decides.
#include "server/token/grant_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "maskinporten/base64.h"
#include "maskinporten/mp_errors.h"
#include "server/server_fixtures.h"
#include "testing/jose_fixtures.h"

namespace mp::server {
namespace {

using namespace mp::server::testing;  // NOLINT(google-build-using-namespace)
using Json = nlohmann::ordered_json;

GrantVerdict Validate(Env& env, std::string_view assertion) {
  return GrantValidator(env.config, *env.store, *env.replay, env.clock).Validate(assertion);
}

// The table entry a verdict refused with; nullopt when the grant passed.
std::optional<MpError> Which(const GrantVerdict& v) {
  if (v.ok()) return std::nullopt;
  if (!v.refusal.mp_code.empty()) return MpErrorByCode(v.refusal.mp_code);
  return MpErrorByText(v.refusal.description);
}

std::optional<MpError> Check(Env& env, const GrantSpec& g) {
  return Which(Validate(env, SignGrant(g)));
}

std::string Code(std::optional<MpError> e) {
  if (!e) return "accepted";
  const MpErrorInfo& info = MpErrorInfoFor(*e);
  return info.code.empty() ? std::string(info.text.substr(0, 40)) : std::string(info.code);
}

#define EXPECT_REFUSED(expr, err) EXPECT_EQ(Code(expr), Code(MpError::err))
#define EXPECT_ACCEPTED(expr) EXPECT_EQ(Code(expr), "accepted")

// --- order: the earlier step wins -----------------------------------------------------------

TEST(GrantValidatorOrder, Step2MalformedPayloadBeatsStep3BadAlg) {
  auto env = MakeEnv();
  std::string assertion =
      Base64UrlEncode(R"({"alg":"HS256","kid":"k1"})") + ".%%%." + Base64UrlEncode("sig");
  GrantVerdict v = Validate(*env, assertion);
  EXPECT_REFUSED(Which(v), kMp011);
  EXPECT_NE(v.refusal.detail.find("payload"), std::string::npos) << v.refusal.detail;
}

TEST(GrantValidatorOrder, Step3AlgBeatsStep3X5c) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant("test:read", "cert-client");
  g.header = Json{{"alg", "none"}, {"x5c", "MIIB"}};
  EXPECT_REFUSED(Check(*env, g), kMp011);
}

TEST(GrantValidatorOrder, Step3X5cBeatsStep4UnknownClaim) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant("test:read", "cert-client");
  g.header = Json{{"alg", "RS256"}, {"x5c", "MIIB"}};
  g.claims["unknown"] = 1;
  EXPECT_REFUSED(Check(*env, g), kMp123);
}

TEST(GrantValidatorOrder, Step4UnknownClaimBeatsStep5UnknownClient) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant("test:read", "no-such-client");
  g.claims["unknown"] = 1;
  GrantVerdict v = Validate(*env, SignGrant(g));
  EXPECT_REFUSED(Which(v), kMp011);
  EXPECT_EQ(v.client_id, "no-such-client");  // still readable for the journal
}

TEST(GrantValidatorOrder, Step5UnknownClientBeatsStep6WrongAudience) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant("test:read", "no-such-client");
  g.claims["aud"] = "https://test.maskinporten.no/";
  EXPECT_REFUSED(Check(*env, g), kMp100);
}

TEST(GrantValidatorOrder, Step6WrongAudienceBeatsStep7UnknownKid) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["aud"] = "https://test.maskinporten.no/";
  g.header["kid"] = "nope";
  EXPECT_REFUSED(Check(*env, g), kMp110);
}

TEST(GrantValidatorOrder, Step7UnknownKidBeatsStep8Signature) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.header["kid"] = "nope";
  g.key = &ForeignKey();
  EXPECT_REFUSED(Check(*env, g), kUnknownKid);
}

TEST(GrantValidatorOrder, Step7ExpiredKeyBeatsStep8Signature) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.header["kid"] = "old";
  g.key = &ForeignKey();
  EXPECT_REFUSED(Check(*env, g), kMp121);
}

TEST(GrantValidatorOrder, Step7InvalidCertificateBeatsStep8Signature) {
  auto env = MakeEnv(PkiConfig());
  GrantSpec g = CertGrant(ExpiredLeaf());
  g.key = &ForeignKey();
  EXPECT_REFUSED(Check(*env, g), kMp120);
}

TEST(GrantValidatorOrder, Step8SignatureBeatsStep9Expiry) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.key = &ForeignKey();
  g.claims["iat"] = kNow - 300;
  g.claims["exp"] = kNow - 200;
  EXPECT_REFUSED(Check(*env, g), kMp124);
}

TEST(GrantValidatorOrder, Step9ExpiryBeatsStep10Replay) {
  auto env = MakeEnv();
  std::string grant = SignGrant(KidGrant());
  ASSERT_TRUE(Validate(*env, grant).ok());
  env->clock.Advance(std::chrono::seconds(200));
  EXPECT_REFUSED(Which(Validate(*env, grant)), kMp130);
}

TEST(GrantValidatorOrder, Step10ReplayBeatsStep11ConsumerOrg) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["consumer_org"] = std::string(kClientOrg);
  std::string grant = SignGrant(g);
  EXPECT_REFUSED(Which(Validate(*env, grant)), kConsumerOrgIsOwn);
  EXPECT_REFUSED(Which(Validate(*env, grant)), kMp012);
}

TEST(GrantValidatorOrder, Step11ConsumerOrgBeatsStep12Scopes) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant("nav:not-on-client");
  g.claims["consumer_org"] = std::string(kClientOrg);
  EXPECT_REFUSED(Check(*env, g), kConsumerOrgIsOwn);
}

TEST(GrantValidatorOrder, Step12ScopesBeatStep13AuthorizationDetails) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant("nav:not-on-client");
  g.claims["authorization_details"] = {{{"type", "urn:altinn:other"}}};
  EXPECT_REFUSED(Check(*env, g), kMp200);
}

TEST(GrantValidatorOrder, Mp200BeatsMp201AndNamesOnlyScopesMissingOnClient) {
  auto env = MakeEnv();
  GrantVerdict v = Validate(*env, SignGrant(KidGrant("test:unknown nav:x")));
  EXPECT_REFUSED(Which(v), kMp200);
  EXPECT_EQ(v.refusal.description, "Token request contains invalid scopes for client, nav:x");
}

TEST(GrantValidatorOrder, Mp201BeatsMp250) {
  auto env = MakeEnv();
  EXPECT_REFUSED(Check(*env, KidGrant("test:noaccess test:idporten")), kMp201);
}

TEST(GrantValidatorOrder, Mp250BeatsMp251) {
  auto env = MakeEnv();
  GrantVerdict v = Validate(*env, SignGrant(DelegatedGrant("test:notdelegated test:noaccess")));
  EXPECT_REFUSED(Which(v), kMp250);
  EXPECT_EQ(v.refusal.description,
            "Consumer has not been granted access to the scope test:noaccess.");
}

TEST(GrantValidatorOrder, Mp301BeatsMp302) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["authorization_details"] = {{{"type", "urn:altinn:other"}, {"extra", 1}}};
  EXPECT_REFUSED(Check(*env, g), kMp301);
}

TEST(GrantValidatorOrder, Mp302BeatsMp303) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["authorization_details"] = {
      {{"type", "urn:altinn:consent"}, {"id", "bad"}, {"from", "bad"}, {"extra", 1}}};
  EXPECT_REFUSED(Check(*env, g), kMp302);
}

TEST(GrantValidatorOrder, JtiIsNotClaimedByAGrantRefusedBeforeStep10) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["iat"] = kNow + 20;
  g.claims["exp"] = kNow + 120;
  std::string grant = SignGrant(g);
  EXPECT_REFUSED(Which(Validate(*env, grant)), kIssuedInFuture);
  env->clock.Advance(std::chrono::seconds(20));
  EXPECT_ACCEPTED(Which(Validate(*env, grant)));
}

// --- step 2 and 3: structure and header -----------------------------------------------------

TEST(GrantValidator, RefusesTwoSegmentAssertionWithMp011) {
  auto env = MakeEnv();
  EXPECT_REFUSED(Which(Validate(*env, "eyJhbGciOiJSUzI1NiJ9.e30")), kMp011);
}

TEST(GrantValidator, RefusesOversizedAssertionWithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["jti"] = std::string(70 * 1024, 'a');
  GrantVerdict v = Validate(*env, SignGrant(g));
  EXPECT_REFUSED(Which(v), kMp011);
  EXPECT_NE(v.refusal.detail.find("bytes"), std::string::npos);
}

TEST(GrantValidator, RefusesDuplicateClaimWithMp011) {
  auto env = MakeEnv();
  std::string payload = R"({"aud":"http://127.0.0.1:7000/","iss":"kid-client","iss":"x",)"
                        R"("scope":"test:read","iat":)" +
                        std::to_string(kNow) + R"(,"exp":)" + std::to_string(kNow + 60) + "}";
  std::string grant = mp::testing::SignCompact(ClientPrivateKey(), Algorithm::kRS256,
                                               R"({"alg":"RS256","kid":"k1"})", payload);
  EXPECT_REFUSED(Which(Validate(*env, grant)), kMp011);
}

TEST(GrantValidator, AcceptsRs384AndRs512) {
  auto env = MakeEnv();
  for (Algorithm alg : {Algorithm::kRS384, Algorithm::kRS512}) {
    GrantSpec g = KidGrant();
    g.header["alg"] = std::string(AlgorithmName(alg));
    g.alg = alg;
    EXPECT_ACCEPTED(Check(*env, g)) << AlgorithmName(alg);
  }
}

TEST(GrantValidator, RefusesPs256WithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.header["alg"] = "PS256";
  g.alg = Algorithm::kPS256;
  EXPECT_REFUSED(Check(*env, g), kMp011);
}

TEST(GrantValidator, RefusesAlgNoneWithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  std::string grant = mp::testing::MakeCompact(R"({"alg":"none","kid":"k1"})", g.claims.dump(), "");
  EXPECT_REFUSED(Which(Validate(*env, grant)), kMp011);
}

TEST(GrantValidator, RefusesBothX5cAndKidWithMp011) {
  auto env = MakeEnv(PkiConfig());
  GrantSpec g = CertGrant(CertLeaf());
  g.header["kid"] = "k1";
  EXPECT_REFUSED(Check(*env, g), kMp011);
}

TEST(GrantValidator, RefusesNeitherX5cNorKidWithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.header.erase("kid");
  EXPECT_REFUSED(Check(*env, g), kMp011);
}

TEST(GrantValidator, RefusesCritAndJkuHeadersWithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.header["crit"] = {"exp"};
  EXPECT_REFUSED(Check(*env, g), kMp011);
  g = KidGrant();
  g.header["jku"] = "https://evil.example/jwks";
  EXPECT_REFUSED(Check(*env, g), kMp011);
}

TEST(GrantValidator, RefusesBadX5cShapesWithMp123) {
  auto env = MakeEnv();
  const std::string der = CertLeaf().chain[0].Der();
  const std::string b64url = Base64UrlEncode(der);
  const std::string pem = CertLeaf().chain[0].Pem();
  for (Json x5c : {Json::array(), Json::array({b64url + "A"}), Json::array({pem}), Json::array({1}),
                   Json(CertLeaf().chain[0].X5cEntry())}) {
    GrantSpec g = CertGrant(CertLeaf());
    g.header["x5c"] = x5c;
    EXPECT_REFUSED(Check(*env, g), kMp123) << x5c.dump().substr(0, 60);
  }
}

TEST(GrantValidator, LeafOnlyX5cNeedsTheIssuingCaInTheTrustStore) {
  GrantSpec g = CertGrant(CertLeaf());
  g.header["x5c"] = Json::array({CertLeaf().chain[0].X5cEntry()});
  auto env = MakeEnv(PkiConfig());  // root only: the chain cannot be built from the leaf
  EXPECT_REFUSED(Check(*env, g), kMp120);
  ServerConfig config = PkiConfig();
  config.test_anchors.Add(TestEnvCa().issuing());
  auto with_issuing = MakeEnv(config);
  EXPECT_ACCEPTED(Check(*with_issuing, g));
}

// --- step 4: claims -------------------------------------------------------------------------

TEST(GrantValidator, AcceptsAudAsOneElementArray) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["aud"] = Json::array({std::string(kIssuer)});
  EXPECT_ACCEPTED(Check(*env, g));
}

TEST(GrantValidator, RefusesAudAsTwoElementArrayWithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["aud"] = Json::array({std::string(kIssuer), "x"});
  EXPECT_REFUSED(Check(*env, g), kMp011);
}

TEST(GrantValidator, RefusesEachMissingRequiredClaimWithMp011) {
  auto env = MakeEnv();
  for (const char* name : {"aud", "iss", "iat", "exp", "scope"}) {
    GrantSpec g = KidGrant();
    g.claims.erase(name);
    EXPECT_REFUSED(Check(*env, g), kMp011) << name;
  }
}

TEST(GrantValidator, RefusesWrongClaimTypesWithMp011) {
  auto env = MakeEnv();
  for (auto [name, value] : {std::pair<const char*, Json>{"iat", "1700000000"},
                             {"exp", true},
                             {"iss", 5},
                             {"jti", 5},
                             {"scope", Json::array({"test:read"})},
                             {"resource", 5},
                             {"resource", Json::array()},
                             {"authorization_details", Json::object()}}) {
    GrantSpec g = KidGrant();
    g.claims[name] = value;
    EXPECT_REFUSED(Check(*env, g), kMp011) << name << "=" << value.dump();
  }
}

TEST(GrantValidator, RefusesBadScopeTextWithMp011) {
  auto env = MakeEnv();
  for (const char* scope : {"", "   ", "test:read\ttest:write", "test:\"read\""}) {
    EXPECT_REFUSED(Check(*env, KidGrant(scope)), kMp011) << scope;
  }
}

TEST(GrantValidator, ToleratesNbfAndSubEqualToIss) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["nbf"] = kNow;
  g.claims["sub"] = "kid-client";
  EXPECT_ACCEPTED(Check(*env, g));
}

TEST(GrantValidator, RefusesSubOtherThanIssWithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["sub"] = "someone-else";
  EXPECT_REFUSED(Check(*env, g), kMp011);
}

TEST(GrantValidator, RefusesIssOnBehalfOfWithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["iss_onbehalfof"] = "sub-client";
  EXPECT_REFUSED(Check(*env, g), kMp011);
}

TEST(GrantValidator, AcceptsValidAndSyntheticPid) {
  auto env = MakeEnv();
  for (std::string_view pid : {kPid, kSyntheticPid80, kSyntheticPid40}) {
    GrantSpec g = KidGrant();
    g.claims["pid"] = std::string(pid);
    EXPECT_ACCEPTED(Check(*env, g)) << pid;
  }
}

TEST(GrantValidator, RefusesInvalidPidWithMp011) {
  auto env = MakeEnv();
  for (Json pid :
       {Json("01017012344"), Json("0101701234"), Json("32017012343"), Json(1017012343)}) {
    GrantSpec g = KidGrant();
    g.claims["pid"] = pid;
    EXPECT_REFUSED(Check(*env, g), kMp011) << pid.dump();
  }
}

TEST(GrantValidator, RefusesInvalidConsumerOrgWithMp011) {
  auto env = MakeEnv();
  for (Json org : {Json(974760673), Json("974760674"), Json("97476067")}) {
    GrantSpec g = DelegatedGrant();
    g.claims["consumer_org"] = org;
    EXPECT_REFUSED(Check(*env, g), kMp011) << org.dump();
  }
}

TEST(PersonIdentifier, ChecksDigitsAndDate) {
  EXPECT_TRUE(IsValidPersonIdentifier("01017012343"));
  EXPECT_TRUE(IsValidPersonIdentifier("15858512309"));  // month + 80
  EXPECT_TRUE(IsValidPersonIdentifier("15458512326"));  // month + 40
  EXPECT_TRUE(IsValidPersonIdentifier("55058512337"));  // D-number: day + 40
  EXPECT_FALSE(IsValidPersonIdentifier("01017012334"));
  EXPECT_FALSE(IsValidPersonIdentifier("0101701234x"));
  EXPECT_FALSE(IsValidPersonIdentifier("010170123430"));
  EXPECT_FALSE(IsValidPersonIdentifier("00000000000"));  // day 0
}

// --- steps 5-8: client, aud, keys, signature ------------------------------------------------

TEST(GrantValidator, RefusesInactiveAndNonMaskinportenClientsWithMp100) {
  auto env = MakeEnv();
  EXPECT_REFUSED(Check(*env, KidGrant("test:read", "inactive-client")), kMp100);
  EXPECT_REFUSED(Check(*env, KidGrant("test:read", "idporten-client")), kMp100);
}

TEST(GrantValidator, RefusesProdCertificateInTestWithMp120) {
  auto env = MakeEnv(PkiConfig());
  EXPECT_REFUSED(Check(*env, CertGrant(ProdLeaf())), kMp120);
}

TEST(GrantValidator, RefusesTestCertificateInProdAndAcceptsProdOne) {
  ServerConfig config = PkiConfig();
  config.environment = CertEnvironment::kProd;
  auto env = MakeEnv(config);
  EXPECT_REFUSED(Check(*env, CertGrant(CertLeaf())), kMp120);
  EXPECT_ACCEPTED(Check(*env, CertGrant(ProdLeaf())));
}

TEST(GrantValidator, RefusesCertificateTrustedByBothEnvironmentsInTheWrongOneWithMp120) {
  ServerConfig config = PkiConfig();
  config.prod_anchors.Add(TestEnvCa().root());  // misconfigured: TEST root also in PROD
  auto env = MakeEnv(config);
  EXPECT_REFUSED(Check(*env, CertGrant(CertLeaf())), kMp120);
}

TEST(GrantValidator, RefusesExpiredCertificateWithMp120) {
  auto env = MakeEnv(PkiConfig());
  EXPECT_REFUSED(Check(*env, CertGrant(ExpiredLeaf())), kMp120);
}

TEST(GrantValidator, RefusesRevokedCertificateWithMp120) {
  auto env = MakeEnv(PkiConfig());
  EXPECT_REFUSED(Check(*env, CertGrant(RevokedLeaf())), kMp120);
  EXPECT_ACCEPTED(Check(*env, CertGrant(CertLeaf())));
}

TEST(GrantValidator, RefusesCertificateWithoutAnchorsWithMp120) {
  auto env = MakeEnv();  // no anchors at all
  EXPECT_REFUSED(Check(*env, CertGrant(CertLeaf())), kMp120);
}

TEST(GrantValidator, RefusesCertificateSignedWithOtherKeyWithMp124) {
  auto env = MakeEnv(PkiConfig());
  GrantSpec g = CertGrant(CertLeaf());
  g.key = &ForeignKey();
  EXPECT_REFUSED(Check(*env, g), kMp124);
}

TEST(GrantValidator, KeyIsValidUntilOneYearAfterUpload) {
  auto env = MakeEnv();
  env->clock.SetSeconds(kNow - 10 * 86400 + 365 * 86400);  // k1: exactly 365 days old
  GrantSpec g = KidGrant();
  g.claims["iat"] = env->clock.NowSeconds();
  g.claims["exp"] = env->clock.NowSeconds() + 60;
  EXPECT_ACCEPTED(Check(*env, g));
  env->clock.Advance(std::chrono::seconds(61));
  g.claims["iat"] = env->clock.NowSeconds();
  g.claims["exp"] = env->clock.NowSeconds() + 60;
  g.claims["jti"] = "another";
  EXPECT_REFUSED(Check(*env, g), kMp121);
}

TEST(GrantValidator, ClientAmrFollowsTheKeyKind) {
  auto env = MakeEnv(PkiConfig());
  GrantVerdict kid = Validate(*env, SignGrant(KidGrant()));
  GrantVerdict cert = Validate(*env, SignGrant(CertGrant(CertLeaf())));
  ASSERT_TRUE(kid.ok());
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(kid.grant->client_amr, "private_key_jwt");
  EXPECT_EQ(cert.grant->client_amr, "virksomhetssertifikat");
}

// --- step 9: time ---------------------------------------------------------------------------

TEST(GrantValidator, AllowsTenSecondsOfSkewOnExpAndIat) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["iat"] = kNow - 100;
  g.claims["exp"] = kNow - 10;
  EXPECT_ACCEPTED(Check(*env, g));
  g = KidGrant();
  g.claims["iat"] = kNow + 10;
  g.claims["exp"] = kNow + 100;
  EXPECT_ACCEPTED(Check(*env, g));
}

// The last second step 9 accepts a grant (now == exp + skew) is still inside its replay window.
TEST(GrantValidator, AGrantAtTheEdgeOfTheSkewIsStillAReplay) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["iat"] = kNow - 100;
  g.claims["exp"] = kNow - 10;
  const std::string assertion = SignGrant(g);
  EXPECT_TRUE(env->Post(assertion).status == 200);
  EXPECT_EQ(Body(env->Post(assertion))["error_uri"], env->config.issuer + "errors/MP-012");
}

// Issue 14, defect 1: signed grants with int64 extremes were accepted again and again (exp - iat
// and exp + skew wrapped). Each is refused, every time, with the code step 9 gives.
TEST(GrantValidator, TimesAtTheInt64LimitsAreRefusedEveryTime) {
  auto env = MakeEnv();
  struct Case {
    nlohmann::json iat, exp;
    const char* code;
  };
  const Case cases[] = {
      {-4611686018427387904, INT64_MAX, "MP-011"},  // exp - iat overflows
      {INT64_MIN, kNow + 3600, "MP-011"},           // exp - iat overflows
      {INT64_MIN, INT64_MIN, "MP-130"},             // long expired
      {kNow, 18446744073709551615u, "MP-011"},      // not an int64
      {kNow * 1000, kNow * 1000 + 60000, ""},       // milliseconds: iat far ahead
      {kNow, nlohmann::json(1e300), "MP-011"},      // not an int64
  };
  for (const Case& c : cases) {
    GrantSpec g = KidGrant();
    g.claims["iat"] = c.iat;
    g.claims["exp"] = c.exp;
    const std::string assertion = SignGrant(g);
    for (int attempt = 0; attempt < 3; ++attempt) {
      http::HttpResponse r = env->Post(assertion);
      EXPECT_EQ(r.status, 400) << c.iat << " " << c.exp << " " << r.body;
      nlohmann::json body = Body(r);
      if (*c.code != 0) {
        EXPECT_EQ(body["error_uri"], env->config.issuer + "errors/" + c.code) << r.body;
      } else {
        EXPECT_THAT(body["error_description"].get<std::string>(),
                    ::testing::StartsWith("Issue time is after now"));
      }
    }
  }
}

TEST(GrantValidator, RefusesGrantLifetimeOver120SecondsWithMp011) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["exp"] = kNow + 121;
  EXPECT_REFUSED(Check(*env, g), kMp011);
  g.claims["exp"] = kNow + 120;
  g.claims["jti"] = "fresh";
  EXPECT_ACCEPTED(Check(*env, g));
}

// --- step 12: scopes ------------------------------------------------------------------------

TEST(GrantValidator, RefusesInactiveOrUnknownScopeWithMp201) {
  auto env = MakeEnv();
  EXPECT_REFUSED(Check(*env, KidGrant("test:inactive")), kMp201);
  EXPECT_REFUSED(Check(*env, KidGrant("test:unknown")), kMp201);
}

TEST(GrantValidator, AcceptsOpenScopeAndScopeOwnedByTheConsumer) {
  auto env = MakeEnv();
  EXPECT_ACCEPTED(Check(*env, KidGrant("test:open")));
  EXPECT_ACCEPTED(Check(*env, KidGrant("test:owned")));
}

TEST(GrantValidator, DelegatedGrantNeedsConsumerAccessWithMp250) {
  auto env = MakeEnv();
  GrantVerdict v = Validate(*env, SignGrant(DelegatedGrant("test:noaccess")));
  EXPECT_REFUSED(Which(v), kMp250);
}

TEST(GrantValidator, DelegatedGrantNeedsDelegationSourceWithMp251) {
  auto env = MakeEnv();
  GrantVerdict v = Validate(*env, SignGrant(DelegatedGrant("test:nosource")));
  EXPECT_REFUSED(Which(v), kMp251);
  EXPECT_EQ(v.refusal.description,
            "Consumer 974760673 has not delegated access to the scope test:nosource to supplier "
            "314240979.");
}

TEST(GrantValidator, DelegationIsCheckedPerScope) {
  auto env = MakeEnv();
  ASSERT_TRUE(env->store
                  ->PutDelegation({.consumer_orgno = std::string(kConsumerOrg),
                                   .supplier_orgno = std::string(kSupplierOrg),
                                   .scope = "test:notdelegated",
                                   .created = kNow})
                  .ok());
  EXPECT_ACCEPTED(Check(*env, DelegatedGrant("test:delegable test:notdelegated")));
}

// --- step 13: authorization_details ---------------------------------------------------------

GrantSpec WithDetails(Json details) {
  GrantSpec g = KidGrant();
  g.claims["authorization_details"] = std::move(details);
  return g;
}

TEST(GrantValidator, RefusesAuthorizationDetailsWithoutExactlyOneObjectWithMp303) {
  auto env = MakeEnv();
  Json consent = {{"type", "urn:altinn:consent"},
                  {"id", "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a"},
                  {"from", "urn:altinn:organization:identifier-no:974760673"}};
  EXPECT_REFUSED(Check(*env, WithDetails(Json::array())), kMp303);
  EXPECT_REFUSED(Check(*env, WithDetails(Json::array({consent, consent}))), kMp303);
  EXPECT_REFUSED(Check(*env, WithDetails(Json::array({"x"}))), kMp303);
  // The consent must exist in the local Altinn stand-in (altinn_consent_test.cc has the rest).
  EXPECT_REFUSED(Check(*env, WithDetails(Json::array({consent}))), kMp303);
  ASSERT_TRUE(env->store
                  ->CreateConsent({.authorization_code = "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a",
                                   .covered_by = std::string(kClientOrg),
                                   .offered_by = "974760673",
                                   .valid_to = kNow + 3600,
                                   .status = ConsentStatus::kAccepted})
                  .ok());
  EXPECT_ACCEPTED(Check(*env, WithDetails(Json::array({consent}))));
}

TEST(GrantValidator, RefusesAuthorizationDetailsWithoutTypeWithMp301) {
  auto env = MakeEnv();
  EXPECT_REFUSED(Check(*env, WithDetails({{{"id", "x"}}})), kMp301);
}

TEST(GrantValidator, RefusesBadConsentPartyWithMp303) {
  auto env = MakeEnv();
  EXPECT_REFUSED(Check(*env, WithDetails({{{"type", "urn:altinn:consent"},
                                           {"id", "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a"},
                                           {"from", "urn:altinn:person:identifier-no:123"}}})),
                 kMp303);
}

// SPEC §15: kid-client's system with an approved system user of 974760673.
void AddSystemUser(Env& env) {
  const std::string system = std::string(kClientOrg) + "_payroll";
  ASSERT_TRUE(env.store
                  ->CreateSystem({.system_id = system,
                                  .vendor_orgno = std::string(kClientOrg),
                                  .client_ids = {"kid-client"}})
                  .ok());
  ASSERT_TRUE(env.store
                  ->CreateSystemUserRequest({.id = "r1",
                                             .external_ref = "974760673",
                                             .system_id = system,
                                             .party_orgno = "974760673",
                                             .rights = {"ske-mva"}})
                  .ok());
  ASSERT_TRUE(env.store
                  ->AcceptSystemUserRequest("r1", {.id = "4a3b9c1e-6f0d-4e2a-9b7c-1d2e3f4a5b6c",
                                                   .system_id = system,
                                                   .party_orgno = "974760673",
                                                   .external_ref = "974760673",
                                                   .created = kNow})
                  .ok());
}

TEST(GrantValidator, ChecksSystemUserOrg) {
  auto env = MakeEnv();
  AddSystemUser(*env);
  Json good = {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:974760673"}};
  Json bad = {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:974760674"}};
  EXPECT_ACCEPTED(
      Check(*env, WithDetails({{{"type", "urn:altinn:systemuser"}, {"systemuser_org", good}}})));
  EXPECT_REFUSED(
      Check(*env, WithDetails({{{"type", "urn:altinn:systemuser"}, {"systemuser_org", bad}}})),
      kMp303);
  EXPECT_REFUSED(
      Check(*env,
            WithDetails(
                {{{"type", "urn:altinn:systemuser"}, {"systemuser_org", good}, {"id", "x"}}})),
      kMp302);
  // A valid org without a system user of the client's system.
  Json other = {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:910753614"}};
  EXPECT_REFUSED(
      Check(*env, WithDetails({{{"type", "urn:altinn:systemuser"}, {"systemuser_org", other}}})),
      kMp303);
}

}  // namespace
}  // namespace mp::server
