// `maskinporten consent verify` end to end: the real binary, tokens minted with test keys, keys
// from files, a certificate, or discovery on a loopback fake server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "maskinporten/test_ca.h"
#include "testing/cli_runner.h"
#include "testing/fake_token_server.h"
#include "validate/access_token_fixtures.h"
#include "validate/consent_fixtures.h"

namespace mp {
namespace {

using testing::Cli;
using testing::ExpectErrorLine;
using ::testing::HasSubstr;
using testing::kTestNow;
using ::testing::Not;
using testing::ProcessResult;
using Json = nlohmann::ordered_json;

class ConsentCli : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(altinn_jwks_, testing::AltinnJwks().ToJson());
    testing::WriteFile(mp_jwks_, testing::TestAccessTokenJwks().ToJson());
  }

  // consent verify with files for both key sets, at kTestNow.
  ProcessResult Verify(const std::string& access_token, const std::string& consent,
                       std::vector<std::string> extra = {},
                       const std::string& person = testing::kPerson, const std::string& in = "") {
    std::vector<std::string> args = {"consent",        "verify",
                                     "--access-token", access_token,
                                     "--person",       person,
                                     "--jwks",         mp_jwks_,
                                     "--iss",          testing::kTestIssuer,
                                     "--now",          std::to_string(kTestNow)};
    if (!consent.empty()) {
      args.insert(args.end(), {"--consent", consent});
      bool has_source = false;
      for (const std::string& e : extra) has_source = has_source || e.rfind("--altinn", 0) == 0;
      if (!has_source) args.insert(args.end(), {"--altinn-jwks", altinn_jwks_});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli(args, in);
  }

  static std::string AccessToken(testing::AccessTokenSpec spec = {}) {
    return testing::MintAccessToken(spec, kTestNow);
  }
  static std::string Samtykke(const Json& claims = testing::SamtykkeClaims(kTestNow)) {
    return testing::MintSamtykke(claims);
  }
  static void ExpectNoFullPersonId(const ProcessResult& r) {
    for (const char* p : {testing::kPerson, testing::kOtherPerson}) {
      EXPECT_THAT(r.out, Not(HasSubstr(p)));
      EXPECT_THAT(r.err, Not(HasSubstr(p)));
    }
  }

  testing::TempDir dir_;
  std::string altinn_jwks_ = dir_.File("altinn.jwks.json");
  std::string mp_jwks_ = dir_.File("mp.jwks.json");
};

TEST_F(ConsentCli, VerifiesAnAltinn2ConsentAndPrintsJson) {
  ProcessResult r =
      Verify(AccessToken(), Samtykke(), {"--service", "5252_2", "--scope", "nav:example/ssu.read"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = Json::parse(r.out);
  EXPECT_EQ(out["valid"], true);
  EXPECT_EQ(out["consent"]["form"], "altinn2");
  EXPECT_EQ(out["consent"]["id"], testing::kConsentCode);
  EXPECT_EQ(out["consent"]["covered_by"], "910753614");
  EXPECT_EQ(out["consent"]["offered_by"], "018190*****");
  EXPECT_EQ(out["consent"]["offered_by_hash"], HashPersonId(testing::kPerson));
  EXPECT_EQ(out["consent"]["handled_by"], nullptr);
  EXPECT_EQ(out["consent"]["services"], Json::array({"5252_2"}));
  EXPECT_EQ(out["consent"]["metadata"]["5252_2"]["Navn"], "TEST FORSIKRING AS");
  EXPECT_EQ(out["consent"]["valid_to"], kTestNow + testing::kConsentValidOffset);
  EXPECT_EQ(out["access_token"]["consumer"], "0192:910753614");
  EXPECT_EQ(out["access_token"]["supplier"], nullptr);
  ExpectNoFullPersonId(r);
}

TEST_F(ConsentCli, RefusesASuppliersOwnTokenWithConsentOrgMismatch) {
  ProcessResult r = Verify(AccessToken({.consumer = "0192:311654306"}), Samtykke());
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "consent_org_mismatch");
  EXPECT_THAT(r.err, HasSubstr("consent CoveredBy 910753614 differs from the access token's "
                               "consumer 0192:311654306"));
  EXPECT_EQ(r.out, "");
}

TEST_F(ConsentCli, AcceptsADelegatedSupplierTokenOnlyWithAllowSupplier) {
  std::string token = AccessToken({.supplier = "0192:311654306"});
  ProcessResult r = Verify(token, Samtykke());
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "consumer_not_allowed");
  r = Verify(token, Samtykke(), {"--allow-supplier"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = Json::parse(r.out);
  EXPECT_EQ(out["access_token"]["supplier"], "0192:311654306");
  EXPECT_EQ(out["access_token"]["delegation_source"], "https://tt02.altinn.no/");
}

TEST_F(ConsentCli, RefusesAnotherPersonWithConsentPersonMismatch) {
  ProcessResult r = Verify(AccessToken(), Samtykke(), {}, testing::kOtherPerson);
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "consent_person_mismatch");
  EXPECT_THAT(r.err, HasSubstr("018190***** differs from NAV-PersonIdent 028190*****"));
  ExpectNoFullPersonId(r);
}

TEST_F(ConsentCli, RefusesAnExpiredConsentAndAnUncoveredService) {
  Json claims = testing::SamtykkeClaims(kTestNow);
  claims["ValidToDate"] = kTestNow - 1;
  ProcessResult r = Verify(AccessToken(), Samtykke(claims));
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "consent_not_valid");
  EXPECT_THAT(r.err, HasSubstr("consent expired at 2023-11-14T22:13:19Z"));
  r = Verify(AccessToken(), Samtykke(), {"--service", "4630_2"});
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "consent_not_valid");
  EXPECT_THAT(r.err, HasSubstr("does not cover service 4630_2 (it covers 5252_2)"));
}

TEST_F(ConsentCli, RefusesASamtykketokenSignedByAnotherKeyOrFromAnotherIssuer) {
  ProcessResult r =
      Verify(AccessToken(), testing::MintSamtykke(testing::SamtykkeClaims(kTestNow),
                                                  &testing::TestKey(Algorithm::kRS256)));
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "invalid_signature");
  r = Verify(AccessToken(), Samtykke(), {"--consent-iss", "https://tt02.altinn.no/"});
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "issuer_mismatch");
}

TEST_F(ConsentCli, RefusesAnInvalidAccessTokenBeforeLookingAtTheConsent) {
  ProcessResult r = Verify(AccessToken({.scope = "other:scope"}), "not-a-token",
                           {"--scope", "nav:example/ssu.read"});
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "insufficient_scope");
}

TEST_F(ConsentCli, ChecksTheAltinn3ConsentInsideTheAccessToken) {
  std::string details = Json::array({testing::Altinn3Entry()}).dump();
  ProcessResult r =
      Verify(AccessToken({.authorization_details_json = details}), "", {"--service", "5252_2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = Json::parse(r.out);
  EXPECT_EQ(out["consent"]["form"], "altinn3");
  EXPECT_EQ(out["consent"]["issuer"], testing::kTestIssuer);
  r = Verify(AccessToken(), "");  // no consent at all
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "consent_not_valid");
}

TEST_F(ConsentCli, ReadsTheConsentFromStdin) {
  ProcessResult r = Verify(AccessToken(), "-", {}, testing::kPerson, Samtykke() + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(ConsentCli, VerifiesWithAnAltinnCertificateWhateverTheKid) {
  Result<TestCa> ca = TestCa::Create({.key_bits = 2048});
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  Result<IssuedCertificate> leaf =
      ca->Issue({.org = testing::Org("991825827"), .name = "TEST ALTINN"});
  ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();
  testing::WriteFile(dir_.File("altinn.pem"), leaf->chain.front().Pem());
  std::string token =
      testing::MintSamtykke(testing::SamtykkeClaims(kTestNow), &leaf->key, "rotated-kid-7");
  ProcessResult r = Verify(AccessToken(), token, {"--altinn-cert", dir_.File("altinn.pem")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Verify(AccessToken(), Samtykke(), {"--altinn-cert", dir_.File("altinn.pem")});
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "invalid_signature");
}

TEST_F(ConsentCli, FindsBothKeySetsByDiscovery) {
  testing::FakeTokenServer server;
  const std::string base = server.Url();
  server.SetHandler([base](const testing::FakeRequest& req) {
    auto json = [](const std::string& body) {
      return testing::FakeResponse{
          .status = 200, .headers = {{"Content-Type", "application/json"}}, .body = body};
    };
    if (req.target == "/.well-known/oauth-authorization-server") {
      return json(Json{{"issuer", base}, {"jwks_uri", base + "jwks"}}.dump());
    }
    if (req.target == "/jwks") return json(testing::TestAccessTokenJwks().ToJson());
    if (req.target == "/altinn/.well-known/oauth-authorization-server") {
      return json(Json{{"issuer", base + "altinn/"}, {"jwks_uri", base + "altinn/jwks"}}.dump());
    }
    if (req.target == "/altinn/jwks") return json(testing::AltinnJwks().ToJson());
    return testing::FakeResponse{.status = 404};
  });
  testing::AccessTokenSpec spec;
  spec.issuer = base;
  Json claims = testing::SamtykkeClaims(kTestNow);
  claims["iss"] = base + "altinn/";
  ProcessResult r = Cli({"consent", "verify", "--access-token", AccessToken(spec), "--consent",
                         Samtykke(claims), "--person", testing::kPerson, "--issuer", base,
                         "--altinn-issuer", base + "altinn/", "--now", std::to_string(kTestNow)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["consent"]["issuer"], base + "altinn/");
}

TEST_F(ConsentCli, RefusesIncompleteKeyFlagsAsUsageErrors) {
  const std::string t = AccessToken();
  ProcessResult r = Cli({"consent", "verify", "--access-token", t, "--person", testing::kPerson,
                         "--iss", testing::kTestIssuer});
  EXPECT_EQ(r.exit_code, 2);
  ExpectErrorLine(r, "invalid_argument");
  r = Cli(
      {"consent", "verify", "--access-token", t, "--person", testing::kPerson, "--jwks", mp_jwks_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--iss"));
  r = Cli({"consent", "verify", "--access-token", t, "--person", testing::kPerson, "--jwks",
           mp_jwks_, "--iss", testing::kTestIssuer, "--consent", Samtykke()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--altinn-jwks"));
  r = Verify("-", "-");
  EXPECT_EQ(r.exit_code, 2);
  r = Cli({"consent", "verify", "--access-token", t});
  EXPECT_EQ(r.exit_code, 2);  // --person missing
}

TEST_F(ConsentCli, HelpShowsExamples) {
  ProcessResult r = Cli({"consent", "verify", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("--altinn-issuer"));
}

}  // namespace
}  // namespace mp
