// The CLI as users run it: real processes, exit codes, stdout and the one-line error format.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "core/json.h"
#include "testing/cli_runner.h"
#include "testing/process.h"

namespace mp {
namespace {

using testing::Cli;
using testing::ExpectErrorLine;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::ProcessResult;
using testing::ReadFile;
using testing::RunProcess;
using testing::TempDir;
using testing::WriteFile;

// Issue 14: every --now is range-checked (1970..2199) when the command line is parsed, before a
// clock is made from it; out of range, negative, fractional or past 64 bits is a usage error.
TEST(Cli, NowOutside1970To2199IsAUsageErrorForEveryVerb) {
  const std::vector<std::vector<std::string>> verbs = {
      {"jwt", "verify", "--key", "k.pem", "tok"},
      {"validate", "--jwks", "jwks.json", "--iss", "https://issuer/", "tok"},
      {"consent", "verify", "--access-token", "tok", "--person", "01819010001"},
      {"inspect", "tok"},
      {"cert", "inspect", "cert.pem"},
      {"token"},
  };
  for (const char* now :
       {"-1", "7258118400", "9223372036854775807", "99999999999999999999", "1.5", "soon"}) {
    for (std::vector<std::string> args : verbs) {
      args.insert(args.end(), {"--now", now});
      ProcessResult r = Cli(args);
      EXPECT_EQ(r.exit_code, 2) << args[0] << " --now " << now << ": " << r.err;
      EXPECT_THAT(r.err, HasSubstr("--now")) << args[0] << " --now " << now;
      ExpectErrorLine(r, "invalid_argument");
    }
  }
}

TEST(Cli, TokenTimeoutThatIsNotANumberOfSecondsIsAUsageError) {
  for (const char* timeout : {"nan", "-nan", "inf", "0", "-1", "601"}) {
    ProcessResult r = Cli({"token", "--timeout", timeout});
    EXPECT_EQ(r.exit_code, 2) << timeout << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("--timeout")) << timeout;
  }
}

// A CA and an org certificate, made once for the suite through the CLI itself.
class CliWithCa : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // RSA 2048 CA keys: ctest runs each test in its own process, so set-up must be quick.
    ASSERT_EQ(Cli({"ca", "init", "--dir", dir_->File("ca"), "--bits", "2048"}).exit_code, 0);
    ProcessResult r = Cli({"ca", "issue", "--dir", dir_->File("ca"), "--org", "910753614", "--name",
                           "TEST FORSIKRING AS", "--key-out", dir_->File("org.key.pem"),
                           "--cert-out", dir_->File("org.chain.pem")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static TempDir* dir_;
};
TempDir* CliWithCa::dir_ = nullptr;

TEST(Cli, HelpListsEveryVerbAndExamples) {
  ProcessResult r = Cli({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* verb : {"keygen", "jwt", "cert", "ca", "demo"}) {
    EXPECT_THAT(r.out, HasSubstr(verb));
  }
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
}

TEST(Cli, EveryVerbHasHelpWithExamples) {
  for (std::vector<std::string> verb : {std::vector<std::string>{"keygen"},
                                        {"jwt", "sign"},
                                        {"jwt", "verify"},
                                        {"jwt", "decode"},
                                        {"cert", "inspect"},
                                        {"ca", "init"},
                                        {"ca", "issue"},
                                        {"demo"}}) {
    verb.push_back("--help");
    ProcessResult r = Cli(verb);
    EXPECT_EQ(r.exit_code, 0) << verb[0];
    EXPECT_THAT(r.out, HasSubstr("Examples:")) << verb[0];
    EXPECT_THAT(r.out, HasSubstr("maskinporten " + verb[0])) << verb[0];
  }
}

TEST(Cli, UnknownVerbOrOptionIsUsageErrorExit2) {
  ProcessResult r = Cli({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  ExpectErrorLine(r, "invalid_argument");
  r = Cli({"keygen", "--out", "x.pem", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  r = Cli({"keygen"});  // --out is required
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, KeygenWritesPrivateKeyMode0600AndJwkWithThumbprintKid) {
  TempDir dir;
  ProcessResult r = Cli({"keygen", "--alg", "ES256", "--out", dir.File("k.pem"), "--jwk-out",
                         dir.File("k.jwk.json"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(stat(dir.File("k.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_THAT(ReadFile(dir.File("k.pem")), HasSubstr("-----BEGIN PRIVATE KEY-----"));
  auto out = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(out.ok()) << r.out;
  auto jwk = ParseStrictJsonObject(ReadFile(dir.File("k.jwk.json")));
  ASSERT_TRUE(jwk.ok());
  EXPECT_EQ((*jwk)["kid"], (*out)["thumbprint"]);
  EXPECT_EQ((*jwk)["kty"], "EC");
  EXPECT_EQ((*jwk)["alg"], "ES256");
  EXPECT_FALSE(jwk->contains("d"));
}

TEST(Cli, KeygenRefusesToOverwriteAndBadBits) {
  TempDir dir;
  ASSERT_EQ(Cli({"keygen", "--out", dir.File("k.pem")}).exit_code, 0);
  std::string before = ReadFile(dir.File("k.pem"));
  ProcessResult r = Cli({"keygen", "--out", dir.File("k.pem")});
  EXPECT_EQ(r.exit_code, 2);
  ExpectErrorLine(r, "invalid_argument");
  EXPECT_EQ(ReadFile(dir.File("k.pem")), before);  // nothing lost
  r = Cli({"keygen", "--bits", "1024", "--out", dir.File("weak.pem")});
  EXPECT_EQ(r.exit_code, 2);
  r = Cli({"keygen", "--alg", "HS256", "--out", dir.File("h.pem")});
  EXPECT_EQ(r.exit_code, 2);
  r = Cli({"keygen", "--alg", "ES256", "--bits", "2048", "--out", dir.File("e.pem")});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, KeygenEncryptedKeyNeedsPasswordToSign) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> env = {{"MP_TEST_PW", "correct horse"}};
  ASSERT_EQ(Cli({"keygen", "--out", dir.File("k.pem"), "--password-env", "MP_TEST_PW"}, "", env)
                .exit_code,
            0);
  EXPECT_THAT(ReadFile(dir.File("k.pem")), HasSubstr("ENCRYPTED PRIVATE KEY"));
  std::string claims = R"({"iss":"me","exp":4000000000})";
  ProcessResult ok = Cli(
      {"jwt", "sign", "--key", dir.File("k.pem"), "--password-env", "MP_TEST_PW", "--claims", "-"},
      claims, env);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  ProcessResult wrong = Cli(
      {"jwt", "sign", "--key", dir.File("k.pem"), "--password-env", "MP_TEST_PW", "--claims", "-"},
      claims, {{"MP_TEST_PW", "wrong"}});
  EXPECT_EQ(wrong.exit_code, 1);
  ExpectErrorLine(wrong, "wrong_password");
  EXPECT_THAT(wrong.err, ::testing::Not(HasSubstr("wrong\n")));  // never echo the password
}

TEST(Cli, SignVerifyDecodeRoundTripForEveryAlgorithm) {
  TempDir dir;
  for (const char* alg : {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}) {
    std::string key = dir.File(std::string(alg) + ".pem");
    ASSERT_EQ(Cli({"keygen", "--alg", alg, "--out", key, "--jwk-out", key + ".jwk"}).exit_code, 0);
    ProcessResult signed_ =
        Cli({"jwt", "sign", "--key", key, "--alg", alg, "--kid", "k1", "--claims", "-"},
            R"({"iss":"me","aud":"you","exp":4000000000})");
    ASSERT_EQ(signed_.exit_code, 0) << alg << signed_.err;
    ProcessResult v =
        Cli({"jwt", "verify", "--key", key, "--iss", "me", "--aud", "you", "-"}, signed_.out);
    EXPECT_EQ(v.exit_code, 0) << alg << v.err;
    EXPECT_THAT(v.out, HasSubstr("\"iss\":\"me\""));
    ProcessResult d = Cli({"jwt", "decode", "-"}, signed_.out);
    EXPECT_EQ(d.exit_code, 0);
    auto decoded = ParseStrictJsonObject(d.out);
    ASSERT_TRUE(decoded.ok()) << d.out;
    EXPECT_EQ((*decoded)["header"]["alg"], alg);
    EXPECT_EQ((*decoded)["header"]["kid"], "k1");
    EXPECT_EQ((*decoded)["verified"], false);
  }
}

TEST(Cli, VerifyRejectsWithExit1AndNamedCode) {
  TempDir dir;
  ASSERT_EQ(Cli({"keygen", "--out", dir.File("a.pem")}).exit_code, 0);
  ASSERT_EQ(Cli({"keygen", "--out", dir.File("b.pem")}).exit_code, 0);
  ProcessResult t = Cli({"jwt", "sign", "--key", dir.File("a.pem"), "--claims", "-"},
                        R"({"iss":"me","exp":1700000000})");
  ASSERT_EQ(t.exit_code, 0);
  ProcessResult wrong_key =
      Cli({"jwt", "verify", "--key", dir.File("b.pem"), "--now", "1699999990", t.out});
  EXPECT_EQ(wrong_key.exit_code, 1);
  ExpectErrorLine(wrong_key, "invalid_signature");
  ProcessResult expired =
      Cli({"jwt", "verify", "--key", dir.File("a.pem"), "--now", "1700000001", t.out});
  EXPECT_EQ(expired.exit_code, 1);
  ExpectErrorLine(expired, "token_expired");
  ProcessResult leeway = Cli(
      {"jwt", "verify", "--key", dir.File("a.pem"), "--now", "1700000001", "--leeway", "5", t.out});
  EXPECT_EQ(leeway.exit_code, 0) << leeway.err;
  ProcessResult iss = Cli({"jwt", "verify", "--key", dir.File("a.pem"), "--now", "1699999990",
                           "--iss", "other", t.out});
  EXPECT_EQ(iss.exit_code, 1);
  ExpectErrorLine(iss, "issuer_mismatch");
  ProcessResult not_allowed = Cli({"jwt", "verify", "--key", dir.File("a.pem"), "--now",
                                   "1699999990", "--alg-allow", "ES256", t.out});
  EXPECT_EQ(not_allowed.exit_code, 1);
  ExpectErrorLine(not_allowed, "algorithm_not_allowed");
  ProcessResult bad_allow =
      Cli({"jwt", "verify", "--key", dir.File("a.pem"), "--alg-allow", "none", t.out});
  EXPECT_EQ(bad_allow.exit_code, 2);
  ProcessResult two_sources =
      Cli({"jwt", "verify", "--key", dir.File("a.pem"), "--jwks", dir.File("a.pem"), t.out});
  EXPECT_EQ(two_sources.exit_code, 2);
}

TEST(Cli, VerifyWithJwksPicksKeyByKid) {
  TempDir dir;
  ASSERT_EQ(
      Cli({"keygen", "--kid", "one", "--out", dir.File("a.pem"), "--jwk-out", dir.File("a.jwk")})
          .exit_code,
      0);
  WriteFile(dir.File("jwks.json"), "{\"keys\":[" + ReadFile(dir.File("a.jwk")) + "]}");
  ProcessResult t =
      Cli({"jwt", "sign", "--key", dir.File("a.pem"), "--kid", "one", "--claims", "-"},
          R"({"exp":4000000000})");
  ASSERT_EQ(t.exit_code, 0);
  EXPECT_EQ(Cli({"jwt", "verify", "--jwks", dir.File("jwks.json"), t.out}).exit_code, 0);
  ProcessResult t2 =
      Cli({"jwt", "sign", "--key", dir.File("a.pem"), "--kid", "two", "--claims", "-"},
          R"({"exp":4000000000})");
  ProcessResult r = Cli({"jwt", "verify", "--jwks", dir.File("jwks.json"), t2.out});
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "key_not_found");
}

TEST(Cli, DecodeRefusesMalformedTokens) {
  for (const char* bad : {"abc", "a.b", "a.b.c.d", "eyJhbGciOiJub25lIn0=.e30.", "%%%.e30.sig"}) {
    ProcessResult r = Cli({"jwt", "decode", bad});
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_THAT(r.err, MatchesRegex("error: [a-z0-9_]+: .+\n")) << bad;
  }
}

TEST(Cli, OversizeStdinIsRefusedNotBuffered) {
  ProcessResult r = Cli({"jwt", "decode", "-"}, std::string((16 << 20) + 10, 'a'));
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "limit_exceeded");
}

TEST(Cli, MissingFilesAreIoErrorsExit3) {
  ProcessResult r = Cli({"jwt", "sign", "--key", "/nonexistent/key.pem", "--claims", "-"}, "{}");
  EXPECT_EQ(r.exit_code, 3);
  ExpectErrorLine(r, "not_found");
  r = Cli({"cert", "inspect", "/nonexistent/cert.pem"});
  EXPECT_EQ(r.exit_code, 3);
}

TEST(Cli, SignRefusesClaimsThatAreNotAJsonObject) {
  TempDir dir;
  ASSERT_EQ(Cli({"keygen", "--out", dir.File("a.pem")}).exit_code, 0);
  ProcessResult r =
      Cli({"jwt", "sign", "--key", dir.File("a.pem"), "--claims", "-"}, R"({"a":1,"a":2})");
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "duplicate_json_key");
  r = Cli({"jwt", "sign", "--key", dir.File("a.pem"), "--claims", "-"}, "[1]");
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "invalid_json");
}

TEST_F(CliWithCa, CaIssueRefusesBadOrgNumberWithExit2) {
  ProcessResult r = Cli({"ca", "issue", "--dir", dir_->File("ca"), "--org", "910753615", "--name",
                         "X", "--key-out", dir_->File("x.pem"), "--cert-out", dir_->File("x.crt")});
  EXPECT_EQ(r.exit_code, 2);
  ExpectErrorLine(r, "invalid_org_number");
  EXPECT_THAT(r.err, HasSubstr("mod-11"));
  struct stat st {};
  EXPECT_NE(stat(dir_->File("x.pem").c_str(), &st), 0);  // nothing written
}

TEST_F(CliWithCa, CaInitRefusesExistingCa) {
  std::string before = ReadFile(dir_->File("ca/root.pem"));
  ProcessResult r = Cli({"ca", "init", "--dir", dir_->File("ca"), "--bits", "2048"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(ReadFile(dir_->File("ca/root.pem")), before);
  EXPECT_THAT(r.err, HasSubstr("error: "));
}

TEST_F(CliWithCa, CertInspectShowsOrgNumberSeidAndTestEnvironment) {
  ProcessResult r =
      Cli({"cert", "inspect", dir_->File("org.chain.pem"), "--trust", dir_->File("ca/root.pem")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["org_number"], "910753614");
  EXPECT_EQ((*j)["seid"], 2);
  EXPECT_EQ((*j)["environment"], "test");
  EXPECT_EQ((*j)["chain_length"], 2);
  for (const char* k : {"subject", "issuer", "serial", "not_before", "not_after", "key_usage",
                        "sha256_fingerprint", "x5t#S256"}) {
    EXPECT_TRUE(j->contains(k)) << k;
  }
  EXPECT_THAT((*j)["key_usage"].dump(), HasSubstr("digitalSignature"));
}

TEST_F(CliWithCa, CertInspectUntrustedChainExits1) {
  TempDir other;
  ASSERT_EQ(Cli({"ca", "init", "--dir", other.File("ca"), "--bits", "2048"}).exit_code, 0);
  ProcessResult r = Cli(
      {"cert", "inspect", dir_->File("org.chain.pem"), "--trust-prod", other.File("ca/root.pem")});
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "certificate_untrusted");
  auto j = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["environment"], nullptr);
  EXPECT_EQ((*j)["trust"]["prod"]["trusted"], false);
}

TEST_F(CliWithCa, SignWithX5cAndVerifyAgainstTrustAnchor) {
  ProcessResult t = Cli({"jwt", "sign", "--key", dir_->File("org.key.pem"), "--x5c",
                         dir_->File("org.chain.pem"), "--claims", "-"},
                        R"({"iss":"client","exp":4000000000})");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  ProcessResult d = Cli({"jwt", "decode", t.out});
  auto j = ParseStrictJsonObject(d.out);
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE((*j)["header"]["x5c"].is_array());
  EXPECT_EQ((*j)["header"]["x5c"].size(), 2u);
  ProcessResult v = Cli({"jwt", "verify", "--trust", dir_->File("ca/root.pem"), t.out});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  ProcessResult c = Cli({"jwt", "verify", "--cert", dir_->File("org.chain.pem"), t.out});
  EXPECT_EQ(c.exit_code, 0) << c.err;
}

TEST_F(CliWithCa, SignRefusesX5cThatDoesNotMatchKey) {
  TempDir dir;
  ASSERT_EQ(Cli({"keygen", "--out", dir.File("other.pem")}).exit_code, 0);
  ProcessResult r = Cli({"jwt", "sign", "--key", dir.File("other.pem"), "--x5c",
                         dir_->File("org.chain.pem"), "--claims", "-"},
                        "{}");
  EXPECT_EQ(r.exit_code, 1);
  ExpectErrorLine(r, "invalid_key");
}

TEST_F(CliWithCa, CaIssueWritesPkcs12ThatInspectReads) {
  std::vector<std::pair<std::string, std::string>> env = {{"MP_P12_PW", "p12-secret"}};
  ProcessResult r =
      Cli({"ca", "issue", "--dir", dir_->File("ca"), "--org", "991825827", "--name",
           "TEST LEVERANDOR AS", "--seid", "1", "--key-out", dir_->File("s.key.pem"), "--cert-out",
           dir_->File("s.pem"), "--p12-out", dir_->File("s.p12"), "--password-env", "MP_P12_PW"},
          "", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ProcessResult i =
      Cli({"cert", "inspect", dir_->File("s.p12"), "--password-env", "MP_P12_PW"}, "", env);
  ASSERT_EQ(i.exit_code, 0) << i.err;
  auto j = ParseStrictJsonObject(i.out);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["org_number"], "991825827");
  EXPECT_EQ((*j)["seid"], 1);
  ProcessResult wrong = Cli({"cert", "inspect", dir_->File("s.p12"), "--password-env", "MP_P12_PW"},
                            "", {{"MP_P12_PW", "nope"}});
  EXPECT_EQ(wrong.exit_code, 1);
  ExpectErrorLine(wrong, "wrong_password");
  ProcessResult no_pw = Cli({"ca", "issue", "--dir", dir_->File("ca"), "--org", "991825827",
                             "--name", "X", "--key-out", dir_->File("y.pem"), "--cert-out",
                             dir_->File("y.crt"), "--p12-out", dir_->File("y.p12")});
  EXPECT_EQ(no_pw.exit_code, 2);
}

}  // namespace
}  // namespace mp
