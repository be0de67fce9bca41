// `maskinporten grant` as users run it: a signed grant that `jwt decode` reads back, every
// credential form, usage errors (exit 2), and `grant --lint` with its exit codes and output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/json.h"
#include "maskinporten/base64.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"
#include "testing/cli_runner.h"
#include "testing/process.h"

namespace mp {
namespace {

using testing::Cli;
using testing::ExpectErrorLine;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using testing::ProcessResult;
using testing::ReadFile;
using testing::RunProcess;
using testing::TempDir;
using testing::WriteFile;
using Json = nlohmann::json;

constexpr char kNow[] = "1700000000";

std::string Trim(const std::string& s) {
  size_t e = s.find_last_not_of(" \r\n");
  return e == std::string::npos ? "" : s.substr(0, e + 1);
}

// {header, payload} of a token, through `jwt decode`.
Json Decode(const std::string& token) {
  ProcessResult r = Cli({"jwt", "decode", token});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Result<Json> j = ParseStrictJsonObject(r.out);
  EXPECT_TRUE(j.ok()) << r.out;
  return j.ok() ? *j : Json();
}

std::string HandMadeToken(const Json& header, const Json& claims) {
  return Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump()) + "." +
         Base64UrlEncode(std::string(256, 's'));
}

// A registered-style key, a private JWK, and a test CA's enterprise certificate (PEM and
// PKCS#12), made once per suite through the CLI and the library.
class GrantCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    ASSERT_EQ(Cli({"keygen", "--out", dir_->File("k.pem")}).exit_code, 0);
    Result<PrivateKey> key = PrivateKey::FromPem(ReadFile(dir_->File("k.pem")));
    ASSERT_TRUE(key.ok());
    WriteFile(dir_->File("k.jwk.json"),
              PrivateKeyToJwk(*key, {.kid = "jwk-kid", .alg = Algorithm::kRS256}));
    ASSERT_EQ(Cli({"ca", "init", "--dir", dir_->File("ca"), "--bits", "2048"}).exit_code, 0);
    ProcessResult r = Cli({"ca", "issue", "--dir", dir_->File("ca"), "--org", "910753614", "--name",
                           "TEST FORSIKRING AS", "--key-out", dir_->File("org.key.pem"),
                           "--cert-out", dir_->File("org.chain.pem"), "--p12-out",
                           dir_->File("org.p12"), "--password-env", "MP_TEST_P12_PW"},
                          "", {{"MP_TEST_P12_PW", "p12-secret"}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::vector<std::string> KidArgs() {
    return {"grant",       "--env",   "test",  "--client-id", "client-1",          "--scope",
            "nav:a nav:b", "--scope", "nav:a", "--key",       dir_->File("k.pem"), "--kid",
            "my-kid",      "--now",   kNow};
  }
  static std::vector<std::string> With(std::vector<std::string> args,
                                       const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  static std::string Grant(const std::vector<std::string>& args) {
    ProcessResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Trim(r.out);
  }

  static TempDir* dir_;
};
TempDir* GrantCli::dir_ = nullptr;

TEST_F(GrantCli, PrintsAGrantThatJwtDecodeShowsWithTheRightClaims) {
  std::string token = Grant(KidArgs());
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
  Json d = Decode(token);
  EXPECT_EQ(d["header"], Json({{"alg", "RS256"}, {"kid", "my-kid"}}));
  const Json& p = d["payload"];
  EXPECT_EQ(p["aud"], "https://test.maskinporten.no/");
  EXPECT_EQ(p["iss"], "client-1");
  EXPECT_EQ(p["scope"], "nav:a nav:b");
  EXPECT_EQ(p["iat"], 1700000000);
  EXPECT_EQ(p["exp"], 1700000060);
  EXPECT_EQ(p["jti"].get<std::string>().size(), 36u);  // a UUIDv4 (SPEC §4.3)
  EXPECT_EQ(p.size(), 6u);
}

TEST_F(GrantCli, SignatureVerifiesWithTheKey) {
  std::string token = Grant(KidArgs());
  ProcessResult r = Cli({"jwt", "verify", "--key", dir_->File("k.pem"), "--now", kNow, token});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(GrantCli, ProdAndLocalIssuerBecomeTheAud) {
  std::vector<std::string> args = KidArgs();
  args[2] = "prod";
  EXPECT_EQ(Decode(Grant(args))["payload"]["aud"], "https://maskinporten.no/");
  args.erase(args.begin() + 1, args.begin() + 3);  // drop --env prod
  args = With(args, {"--issuer", "http://127.0.0.1:8080/"});
  EXPECT_EQ(Decode(Grant(args))["payload"]["aud"], "http://127.0.0.1:8080/");
}

TEST_F(GrantCli, LifetimeAndAlgFlagsAreApplied) {
  Json d = Decode(Grant(With(KidArgs(), {"--lifetime", "120", "--alg", "RS512"})));
  EXPECT_EQ(d["header"]["alg"], "RS512");
  EXPECT_EQ(d["payload"]["exp"].get<int64_t>() - d["payload"]["iat"].get<int64_t>(), 120);
}

TEST_F(GrantCli, CertAndKeySendTheChainAsX5cLeafFirst) {
  std::string token =
      Grant({"grant", "--env", "test", "--client-id", "c", "--scope", "nav:a", "--cert",
             dir_->File("org.chain.pem"), "--key", dir_->File("org.key.pem")});
  Json h = Decode(token)["header"];
  EXPECT_FALSE(h.contains("kid"));
  ASSERT_TRUE(h["x5c"].is_array());
  EXPECT_EQ(h["x5c"].size(), 2u);  // leaf and issuing CA, as `ca issue` writes them
  // Signed now: the CA made for this suite is valid from about now on.
  ProcessResult r = Cli({"jwt", "verify", "--trust", dir_->File("ca/root.pem"), token});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(GrantCli, P12WithPasswordEnvSendsX5c) {
  ProcessResult r = Cli({"grant", "--env", "test", "--client-id", "c", "--scope", "nav:a", "--p12",
                         dir_->File("org.p12"), "--password-env", "MY_PW", "--now", kNow},
                        "", {{"MY_PW", "p12-secret"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Decode(Trim(r.out))["header"]["x5c"].is_array());
}

TEST_F(GrantCli, P12WithWrongPasswordIsRefused) {
  ProcessResult r = Cli({"grant", "--env", "test", "--client-id", "c", "--scope", "nav:a", "--p12",
                         dir_->File("org.p12"), "--password-env", "MY_PW"},
                        "", {{"MY_PW", "wrong"}});
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "wrong_password");
}

TEST_F(GrantCli, PrivateJwkUsesItsOwnKidUnlessKidIsGiven) {
  std::vector<std::string> base = {"grant",       "--env", "test",
                                   "--client-id", "c",     "--scope",
                                   "nav:a",       "--jwk", dir_->File("k.jwk.json"),
                                   "--now",       kNow};
  EXPECT_EQ(Decode(Grant(base))["header"]["kid"], "jwk-kid");
  EXPECT_EQ(Decode(Grant(With(base, {"--kid", "other"})))["header"]["kid"], "other");
}

TEST_F(GrantCli, ConsumerOrgResourceAndAuthorizationDetailsAppearInTheClaims) {
  Json p = Decode(
      Grant(With(KidArgs(), {"--consumer-org", "910753614", "--resource", "https://api.nav.no/",
                             "--authorization-details",
                             R"({"type":"urn:altinn:systemuser","systemuser_org":{"authority":)"
                             R"("iso6523-actorid-upis","ID":"0192:910753614"}})"})))["payload"];
  EXPECT_EQ(p["consumer_org"], "910753614");
  EXPECT_EQ(p["resource"], "https://api.nav.no/");
  ASSERT_TRUE(p["authorization_details"].is_array());
  EXPECT_EQ(p["authorization_details"][0]["type"], "urn:altinn:systemuser");
}

TEST_F(GrantCli, ReadsMaskinportenEnvironmentVariablesAndFlagsWin) {
  std::vector<std::pair<std::string, std::string>> env = {
      {"MASKINPORTEN_ENV", "prod"},
      {"MASKINPORTEN_CLIENT_ID", "env-client"},
      {"MASKINPORTEN_SCOPES", "nav:x nav:y"},
      {"MASKINPORTEN_KEY_FILE", dir_->File("k.pem")},
      {"MASKINPORTEN_KID", "env-kid"}};
  ProcessResult r = Cli({"grant", "--now", kNow}, "", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json d = Decode(Trim(r.out));
  EXPECT_EQ(d["payload"]["aud"], "https://maskinporten.no/");
  EXPECT_EQ(d["payload"]["iss"], "env-client");
  EXPECT_EQ(d["payload"]["scope"], "nav:x nav:y");
  EXPECT_EQ(d["header"]["kid"], "env-kid");
  r = Cli({"grant", "--env", "test", "--client-id", "flag-client", "--now", kNow}, "", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  d = Decode(Trim(r.out));
  EXPECT_EQ(d["payload"]["aud"], "https://test.maskinporten.no/");
  EXPECT_EQ(d["payload"]["iss"], "flag-client");
}

TEST_F(GrantCli, JsonOutputHasTheAssertionAndItsClaims) {
  ProcessResult r = Cli(With(KidArgs(), {"--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result<Json> j = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["iat"], 1700000000);
  EXPECT_EQ((*j)["exp"], 1700000060);
  EXPECT_EQ((*j)["kid"], "my-kid");
  EXPECT_EQ((*j)["aud"], "https://test.maskinporten.no/");
  EXPECT_EQ(Decode((*j)["assertion"].get<std::string>())["payload"]["jti"], (*j)["jti"]);
}

// ---- usage errors: exit 2 ----

TEST_F(GrantCli, KeyWithoutKidIsAUsageErrorNamingTheFix) {
  ProcessResult r = Cli({"grant", "--env", "test", "--client-id", "c", "--scope", "nav:a", "--key",
                         dir_->File("k.pem")});
  EXPECT_EQ(r.exit_code, 2);
  ExpectErrorLine(r, "invalid_argument");
  EXPECT_THAT(r.err, HasSubstr("--kid"));
  EXPECT_THAT(r.err, HasSubstr("--cert"));
  EXPECT_TRUE(r.out.empty());
}

TEST_F(GrantCli, TwoCredentialFormsOrNoneIsAUsageError) {
  ProcessResult r = Cli(With(KidArgs(), {"--jwk", dir_->File("k.jwk.json")}));
  EXPECT_EQ(r.exit_code, 2);
  ExpectErrorLine(r, "invalid_argument");
  r = Cli(With(KidArgs(), {"--p12", dir_->File("org.p12")}));
  EXPECT_EQ(r.exit_code, 2);
  r = Cli({"grant", "--env", "test", "--client-id", "c", "--scope", "nav:a"});
  EXPECT_EQ(r.exit_code, 2);
  ExpectErrorLine(r, "invalid_argument");
  r = Cli({"grant", "--env", "test", "--client-id", "c", "--scope", "nav:a", "--cert",
           dir_->File("org.chain.pem"), "--key", dir_->File("org.key.pem"), "--kid", "k"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(GrantCli, BadFlagValuesAreUsageErrors) {
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--lifetime", "121"},
        {"--lifetime", "0"},
        {"--alg", "ES256"},
        {"--alg", "PS256"},
        {"--consumer-org", "910753615"},
        {"--authorization-details", "[{\"type\":\"x\"}]"}}) {
    ProcessResult r = Cli(With(KidArgs(), extra));
    EXPECT_EQ(r.exit_code, 2) << extra[0] << " " << extra[1] << "\n" << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  std::vector<std::string> args = KidArgs();
  args[1] = "--issuer";
  args[2] = "https://test.maskinporten.no";
  ProcessResult r = Cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("'/'"));
}

TEST_F(GrantCli, MissingClientIdOrScopeOrEnvironmentIsAUsageError) {
  ProcessResult r = Cli(
      {"grant", "--env", "test", "--scope", "nav:a", "--key", dir_->File("k.pem"), "--kid", "k"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("client"));
  r = Cli(
      {"grant", "--env", "test", "--client-id", "c", "--key", dir_->File("k.pem"), "--kid", "k"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("scope"));
  r = Cli({"grant", "--env", "staging", "--client-id", "c", "--scope", "nav:a", "--key",
           dir_->File("k.pem"), "--kid", "k"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(GrantCli, MissingKeyFileIsAnIoErrorExit3) {
  ProcessResult r = Cli({"grant", "--env", "test", "--client-id", "c", "--scope", "nav:a", "--key",
                         dir_->File("nope.pem"), "--kid", "k"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST(GrantCliHelp, HasExamplesForBuildingAndLinting) {
  ProcessResult r = Cli({"grant", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("maskinporten grant --lint"));
  EXPECT_THAT(r.out, HasSubstr("MASKINPORTEN_CLIENT_ID"));
  EXPECT_THAT(Cli({"--help"}).out, HasSubstr("grant"));
}

// ---- --lint ----

TEST_F(GrantCli, LintOfAFreshGrantExits0AndSaysTheSignatureWasNotChecked) {
  std::string token = Grant(KidArgs());
  ProcessResult r = Cli({"grant", "--lint", token, "--now", kNow});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok: no problems found"));
  EXPECT_THAT(r.out, HasSubstr("signature not checked"));
}

TEST(GrantCliLint, HostileGrantExits1WithOneLinePerFinding) {
  Json h = {{"alg", "RS256"}, {"kid", "k"}};
  Json c = {{"aud", "https://test.maskinporten.no"},
            {"iss", "c"},
            {"iat", 1700000000},
            {"exp", 1700000300},
            {"jti", "0e5ffb9c-4f2d-4b3c-9f0b-5b0f1f6b3c7a"},
            {"scope", "nav:a"},
            {"foo", 1}};
  ProcessResult r = Cli({"grant", "--lint", HandMadeToken(h, c), "--now", kNow});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, MatchesRegex("MP-011 claim-unknown: [^\n]*\"foo\"[^\n]*\n"
                                  "MP-110 aud-trailing-slash: [^\n]*\n"
                                  "MP-011 lifetime-too-long: exp - iat is 300 s; at most 120 s "
                                  "allowed[^\n]*\n"
                                  "3 error\\(s\\), 0 warning\\(s\\); not checked offline \\(give "
                                  "--registry seed.json\\): [^\n]*signature not checked[^\n]*\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("Invalid JWT claim aud."));
}

TEST(GrantCliLint, ReadsTheGrantFromStdin) {
  Json h = {{"alg", "none"}, {"kid", "k"}};
  Json c = {{"aud", "https://test.maskinporten.no/"},
            {"iss", "c"},
            {"iat", 1700000000},
            {"exp", 1700000060},
            {"jti", "0e5ffb9c-4f2d-4b3c-9f0b-5b0f1f6b3c7a"},
            {"scope", "nav:a"}};
  ProcessResult r = Cli({"grant", "--lint", "-", "--now", kNow}, HandMadeToken(h, c) + "\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("MP-011 alg-not-allowed: "));
}

TEST(GrantCliLint, WarningsAloneExit0) {
  Json h = {{"alg", "RS256"}, {"kid", "k"}, {"typ", "at+jwt"}};
  Json c = {{"aud", "https://test.maskinporten.no/"},
            {"iss", "c"},
            {"iat", 1700000000},
            {"exp", 1700000060},
            {"scope", "nav:a"}};
  ProcessResult r = Cli({"grant", "--lint", HandMadeToken(h, c), "--now", kNow});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("warning typ-not-jwt: "));
  EXPECT_THAT(r.out, HasSubstr("warning jti-missing: "));
  EXPECT_THAT(r.out, HasSubstr("0 error(s), 2 warning(s)"));
}

TEST(GrantCliLint, JsonIsAnArrayOfFindingsWithMaskinportensAnswer) {
  Json h = {{"alg", "RS256"}, {"x5c", "MIIB"}};
  Json c = {{"aud", "https://test.maskinporten.no/"},
            {"iss", "c"},
            {"iat", 1700000000},
            {"exp", 1700000060},
            {"jti", "0e5ffb9c-4f2d-4b3c-9f0b-5b0f1f6b3c7a"},
            {"scope", "nav:a"}};
  ProcessResult r = Cli({"grant", "--lint", HandMadeToken(h, c), "--now", kNow, "--json"});
  EXPECT_EQ(r.exit_code, 1);
  Result<Json> j = ParseStrictJson(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  ASSERT_TRUE(j->is_array());
  ASSERT_EQ(j->size(), 1u) << r.out;
  EXPECT_EQ((*j)[0]["rule"], "x5c-not-array");
  EXPECT_EQ((*j)[0]["code"], "MP-123");
  EXPECT_EQ((*j)[0]["severity"], "error");
  EXPECT_EQ((*j)[0]["error_description"], "Invalid JWT header x5c");
  EXPECT_EQ((*j)[0]["http_status"], 400);
  EXPECT_THAT(r.err, HasSubstr("signature not checked"));
}

TEST_F(GrantCli, LintAgainstAnotherEnvironmentExits1SayingWhich) {
  std::string token = Grant(KidArgs());
  ProcessResult r = Cli({"grant", "--lint", token, "--now", kNow, "--env", "prod"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("MP-110 aud-wrong-environment: "));
  EXPECT_THAT(r.out, HasSubstr("TEST"));
  r = Cli({"grant", "--lint", token, "--now", kNow, "--issuer", "https://test.maskinporten.no/"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// `--registry`: the same rules with the registry a seed describes, as `serve --seed` loads it:
// the client, its registered kid and the scopes' access are checked too (issue 13).
TEST_F(GrantCli, LintWithARegistryChecksTheClientKeysAndScopes) {
  Result<PrivateKey> key = PrivateKey::FromPem(ReadFile(dir_->File("k.pem")));
  ASSERT_TRUE(key.ok());
  Json jwk =
      Json::parse(PublicKeyToJwk(key->public_key(), {.kid = "my-kid", .alg = Algorithm::kRS256}));
  Json seed = {{"organizations",
                {{{"orgno", "889640782"}, {"name", "OWNER"}},
                 {{"orgno", "910753614"}, {"name", "FORSIKRING AS"}}}},
               {"scopes",
                {{{"prefix", "nav"}, {"subscope", "a"}, {"owner_orgno", "889640782"}},
                 {{"prefix", "nav"}, {"subscope", "b"}, {"owner_orgno", "889640782"}}}},
               {"access",
                {{{"scope", "nav:a"}, {"consumer_orgno", "910753614"}, {"state", "APPROVED"}},
                 {{"scope", "nav:b"}, {"consumer_orgno", "910753614"}, {"state", "APPROVED"}}}},
               {"clients",
                {{{"client_id", "client-1"},
                  {"client_name", "c"},
                  {"client_orgno", "910753614"},
                  {"scopes", {"nav:a", "nav:b"}},
                  {"keys", {jwk}}}}}};
  WriteFile(dir_->File("seed.json"), seed.dump());
  auto lint = [&](const std::string& token) {
    return Cli({"grant", "--lint", token, "--env", "test", "--registry", dir_->File("seed.json"),
                "--now", kNow});
  };
  ProcessResult good = lint(Trim(Cli(KidArgs()).out));
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_THAT(good.out, HasSubstr("ok: no problems found"));
  EXPECT_THAT(good.out, HasSubstr("step 10"));  // replay is the server's alone
  EXPECT_THAT(good.out, Not(HasSubstr("step 5")));
  EXPECT_THAT(good.out, Not(HasSubstr("signature not checked")));

  auto grant = [&](const std::string& client, const std::string& kid) {
    return Trim(Cli({"grant", "--env", "test", "--client-id", client, "--scope", "nav:a", "--key",
                     dir_->File("k.pem"), "--kid", kid, "--now", kNow})
                    .out);
  };
  ProcessResult unknown = lint(grant("nobody", "my-kid"));
  EXPECT_EQ(unknown.exit_code, 1) << unknown.out;
  EXPECT_THAT(unknown.out, HasSubstr("MP-100 client-unknown: "));

  ProcessResult kid = lint(grant("client-1", "other-kid"));
  EXPECT_EQ(kid.exit_code, 1) << kid.out;
  EXPECT_THAT(kid.out, HasSubstr("error kid-unknown: "));
  EXPECT_THAT(kid.out, HasSubstr("Unknown key identifier (kid) for client."));

  // Without an issuer the registry's own cannot be known: a usage error.
  ProcessResult usage = Cli({"grant", "--lint", Trim(Cli(KidArgs()).out), "--registry",
                             dir_->File("seed.json"), "--now", kNow});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
  EXPECT_THAT(usage.err, HasSubstr("--registry needs the issuer"));
  // A seed that breaks a rule is a rejected document (exit 1), one that is missing exit 3.
  WriteFile(dir_->File("bad-seed.json"), "{\"clients\": 1}");
  EXPECT_EQ(
      Cli({"grant", "--lint", "a.b.c", "--env", "test", "--registry", dir_->File("bad-seed.json")})
          .exit_code,
      1);
  EXPECT_EQ(
      Cli({"grant", "--lint", "a.b.c", "--env", "test", "--registry", dir_->File("missing.json")})
          .exit_code,
      3);
}

TEST_F(GrantCli, LintOfAnExpiredGrantIsMp130) {
  std::string token = Grant(KidArgs());
  // SPEC §13.7: 10 s of skew on exp, as the local Maskinporten allows.
  ProcessResult r = Cli({"grant", "--lint", token, "--now", "1700000071"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("MP-130 exp-expired: "));
  r = Cli({"grant", "--lint", token, "--now", "1700000070"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("warning exp-within-skew: "));
}

TEST_F(GrantCli, LintTakesNoCredentialOrClientFlags) {
  ProcessResult r = Cli({"grant", "--lint", "a.b.c", "--key", dir_->File("k.pem")});
  EXPECT_EQ(r.exit_code, 2);
  ExpectErrorLine(r, "invalid_argument");
  EXPECT_THAT(r.err, HasSubstr("--key"));
  r = Cli({"grant", "--lint", "a.b.c", "--issuer", "https://test.maskinporten.no"});
  EXPECT_EQ(r.exit_code, 2);
  r = Cli(
      {"grant", "--lint", "a.b.c", "--env", "test", "--issuer", "https://test.maskinporten.no/"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(GrantCliLint, MalformedInputExits1) {
  ProcessResult r = Cli({"grant", "--lint", "not-a-jwt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("MP-011 jws-segments: "));
  EXPECT_THAT(r.out, Not(HasSubstr("ok:")));
}

}  // namespace
}  // namespace mp
