// `maskinporten doctor` against an in-process local Maskinporten: every check passes for a good
// configuration, and each broken part (expired or expiring certificate, a certificate of the
// other environment, a key that is not the certificate's, an unreachable issuer, a skewed clock,
// an unregistered kid, a malformed scope) fails with the fix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "maskinporten/jwk.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/test_ca.h"
#include "testing/cli_runner.h"
#include "testing/fake_token_server.h"
#include "testing/jose_fixtures.h"
#include "testing/process.h"

namespace mp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kScope[] = "nav:example/ssu.read";
constexpr int64_t kDay = 86400;

int64_t NowSeconds() { return SystemClock::Instance().NowSeconds(); }

std::string Pem(const std::vector<Certificate>& certs) {
  std::string out;
  for (const Certificate& c : certs) out += c.Pem();
  return out;
}

// Two test CAs (the server's TEST one, and one that plays a PROD CA), made once per process.
const TestCa& GoodCa() {
  static const TestCa* ca = new TestCa(*TestCa::Create({.name = "Doctor Test", .key_bits = 2048}));
  return *ca;
}
const TestCa& ProdCa() {
  static const TestCa* ca =
      new TestCa(*TestCa::Create({.name = "Doctor Prod Stand-in", .key_bits = 2048}));
  return *ca;
}

IssuedCertificate Issue(const TestCa& ca, int64_t not_before, int days) {
  Result<IssuedCertificate> c = ca.Issue({.org = *OrgNumber::Parse("910753614"),
                                          .name = "TEST FORSIKRING AS",
                                          .days = days,
                                          .not_before = not_before});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

std::string SeedJson(const PrivateKey& key) {
  nlohmann::json jwk = nlohmann::json::parse(PublicKeyToJwk(key.public_key()));
  nlohmann::json k1 = jwk, admin = jwk;
  k1["kid"] = "k1";
  k1["alg"] = "RS256";
  admin["kid"] = "admin-k1";
  admin["alg"] = "RS256";
  nlohmann::json seed = {
      {"organizations",
       {{{"orgno", "991825827"}, {"name", "DIGITALISERINGSDIREKTORATET"}},
        {{"orgno", "889640782"}, {"name", "TEST VELFERDSETAT"}},
        {{"orgno", "910753614"}, {"name", "TEST FORSIKRING AS"}}}},
      {"trust_anchors", {{"test", {GoodCa().root().Pem(), GoodCa().issuing().Pem()}}}},
      {"scopes",
       {{{"prefix", "idporten"}, {"subscope", "dcr.read"}, {"owner_orgno", "991825827"}},
        {{"prefix", "nav"}, {"subscope", "example/ssu.read"}, {"owner_orgno", "889640782"}}}},
      {"access",
       {{{"scope", kScope}, {"consumer_orgno", "910753614"}},
        {{"scope", "idporten:dcr.read"}, {"consumer_orgno", "910753614"}}}},
      {"clients",
       {{{"client_id", "kid-client"},
         {"client_name", "forsikring"},
         {"client_orgno", "910753614"},
         {"scopes", {kScope}},
         {"keys", {k1}}},
        {{"client_id", "x5c-client"},
         {"client_name", "forsikring-x5c"},
         {"client_orgno", "910753614"},
         {"scopes", {kScope}}},
        {{"client_id", "admin"},
         {"client_name", "forsikring-admin"},
         {"client_orgno", "910753614"},
         {"scopes", {"idporten:dcr.read"}},
         {"keys", {admin}}}}}};
  return seed.dump();
}

class DoctorCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const PrivateKey& key = TestKey(Algorithm::kRS256);
    WriteFile(dir_.File("k.pem"), key.ToPkcs8Pem());
    WriteFile(dir_.File("other.pem"), OtherTestKey(Algorithm::kRS256).ToPkcs8Pem());
    WriteFile(dir_.File("test-roots.pem"), GoodCa().root().Pem());
    WriteFile(dir_.File("prod-roots.pem"), ProdCa().root().Pem());
    LocalMaskinportenOptions o;
    o.seed_json = SeedJson(key);
    o.signing_key_pem = key.ToPkcs8Pem();
    o.test_controls = true;
    o.threads = 2;
    Result<std::unique_ptr<LocalMaskinporten>> server = LocalMaskinporten::Start(o);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  // A certificate chain (leaf, issuing CA) and its key as files; returns the chain path.
  std::string WriteCert(const IssuedCertificate& c, const std::string& name) {
    WriteFile(dir_.File(name + ".pem"), Pem({c.chain[0], c.chain[1]}));
    WriteFile(dir_.File(name + ".key.pem"), c.key.ToPkcs8Pem());
    return dir_.File(name + ".pem");
  }

  std::vector<std::string> KidArgs(std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {
        "doctor", "--issuer", server_->issuer(),  "--client-id", "kid-client", "--scope",
        kScope,   "--key",    dir_.File("k.pem"), "--kid",       "k1"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::vector<std::string> CertArgs(const std::string& chain, const std::string& key,
                                    std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"doctor",
                                  "--issuer",
                                  server_->issuer(),
                                  "--client-id",
                                  "x5c-client",
                                  "--scope",
                                  kScope,
                                  "--cert",
                                  chain,
                                  "--key",
                                  key,
                                  "--trust-test",
                                  dir_.File("test-roots.pem")};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::string AdminToken() {
    ProcessResult r =
        Cli({"token", "--issuer", server_->issuer(), "--client-id", "admin", "--scope",
             "idporten:dcr.read", "--key", dir_.File("k.pem"), "--kid", "admin-k1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
  // The line of check `name`.
  static std::string Line(const ProcessResult& r, const std::string& name) {
    size_t p = r.out.find("  " + name + " ");
    if (p == std::string::npos) return "";
    size_t b = r.out.rfind('\n', p);
    b = b == std::string::npos ? 0 : b + 1;
    return r.out.substr(b, r.out.find('\n', p) - b);
  }

  TempDir dir_;
  std::unique_ptr<LocalMaskinporten> server_;
};

TEST_F(DoctorCli, KidClientWithAdminTokenPassesEveryCheckAndGetsAToken) {
  ProcessResult r = Cli(KidArgs({"--admin-token-env", "ADMIN_TOKEN", "--try-token"}), "",
                        {{"ADMIN_TOKEN", AdminToken()}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL")));
  EXPECT_THAT(Line(r, "key readable"), MatchesRegex("PASS .*k.pem \\(RSA 2048, thumbprint .*"));
  EXPECT_THAT(Line(r, "discovery"), HasSubstr("PASS"));
  EXPECT_THAT(Line(r, "clock skew"), HasSubstr("PASS"));
  EXPECT_THAT(Line(r, "client registered"), HasSubstr("PASS"));
  EXPECT_THAT(Line(r, "kid registered"), HasSubstr("PASS"));
  EXPECT_THAT(Line(r, "token request"), HasSubstr("PASS"));
  EXPECT_THAT(Line(r, "certificate readable"), HasSubstr("SKIP"));
  EXPECT_THAT(r.out, HasSubstr(" 0 failed"));
}

TEST_F(DoctorCli, CertificateClientPassesEveryCheckAsJson) {
  IssuedCertificate c = Issue(GoodCa(), NowSeconds() - kDay, 365);
  std::string chain = WriteCert(c, "org");
  ProcessResult r = Cli(CertArgs(chain, dir_.File("org.key.pem"), {"--try-token", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Result<nlohmann::json> j = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["failed"], 0);
  EXPECT_EQ((*j)["ok"], true);
  std::map<std::string, std::string> status;
  for (const auto& c : (*j)["checks"]) status[c["check"]] = c["status"];
  for (const char* name : {"certificate readable", "certificate validity", "certificate org number",
                           "certificate environment", "key readable", "key matches certificate",
                           "scopes well-formed", "discovery", "clock skew", "token request"}) {
    EXPECT_EQ(status[name], "PASS") << name << "\n" << r.out;
  }
  EXPECT_EQ(status["kid registered"], "SKIP");
}

TEST_F(DoctorCli, Pkcs12BundleIsReadWithThePasswordFromTheEnvironment) {
  IssuedCertificate c = Issue(GoodCa(), NowSeconds() - kDay, 365);
  Result<std::string> p12 = MakePkcs12(c.key, {c.chain[0], c.chain[1]}, "hemmelig");
  ASSERT_TRUE(p12.ok()) << p12.status().ToString();
  WriteFile(dir_.File("org.p12"), *p12);
  std::vector<std::string> args = {"doctor",
                                   "--issuer",
                                   server_->issuer(),
                                   "--client-id",
                                   "x5c-client",
                                   "--scope",
                                   kScope,
                                   "--p12",
                                   dir_.File("org.p12"),
                                   "--trust-test",
                                   dir_.File("test-roots.pem")};
  ProcessResult ok = Cli(args, "", {{"MASKINPORTEN_P12_PASSWORD", "hemmelig"}});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_THAT(Line(ok, "key matches certificate"), HasSubstr("PASS"));
  EXPECT_THAT(Line(ok, "certificate environment"), HasSubstr("PASS"));

  ProcessResult wrong = Cli(args, "", {{"MASKINPORTEN_P12_PASSWORD", "feil"}});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_THAT(Line(wrong, "certificate readable"), MatchesRegex("FAIL .*wrong_password.*"));
  EXPECT_THAT(wrong.out, Not(HasSubstr("feil")));
}

TEST_F(DoctorCli, ExpiredCertificateFailsWithTheDate) {
  IssuedCertificate c = Issue(GoodCa(), NowSeconds() - 400 * kDay, 365);
  ProcessResult r = Cli(CertArgs(WriteCert(c, "old"), dir_.File("old.key.pem")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string line = Line(r, "certificate validity");
  EXPECT_THAT(line, MatchesRegex("FAIL .*expired on [0-9]{4}-[0-9]{2}-[0-9]{2}  fix: .*"));
  EXPECT_THAT(line, HasSubstr("MP-120"));
}

TEST_F(DoctorCli, CertificateExpiringWithinThirtyDaysFails) {
  IssuedCertificate c = Issue(GoodCa(), NowSeconds() - 355 * kDay - 3600, 365);
  ProcessResult r = Cli(CertArgs(WriteCert(c, "soon"), dir_.File("soon.key.pem")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Line(r, "certificate validity"),
              MatchesRegex("FAIL .*expires on .*, in 9 day\\(s\\)  fix: renew.*"));
  EXPECT_THAT(Line(r, "key matches certificate"), HasSubstr("PASS"));
}

TEST_F(DoctorCli, ProductionCertificateForTheTestIssuerFails) {
  IssuedCertificate c = Issue(ProdCa(), NowSeconds() - kDay, 365);
  ProcessResult r = Cli(CertArgs(WriteCert(c, "prod"), dir_.File("prod.key.pem"),
                                 {"--trust-prod", dir_.File("prod-roots.pem")}));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Line(r, "certificate environment"),
              MatchesRegex("FAIL .*a PROD certificate, but .* is TEST  fix: use a TEST "
                           "certificate.*"));
}

TEST_F(DoctorCli, KeyThatIsNotTheCertificatesFails) {
  IssuedCertificate c = Issue(GoodCa(), NowSeconds() - kDay, 365);
  ProcessResult r = Cli(CertArgs(WriteCert(c, "org"), dir_.File("other.pem"), {"--try-token"}));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Line(r, "key matches certificate"), MatchesRegex("FAIL .*fix: .*MP-124.*"));
  EXPECT_THAT(Line(r, "token request"), HasSubstr("FAIL"));
}

TEST_F(DoctorCli, UnreachableIssuerFailsDiscoveryAndStillChecksTheRest) {
  ProcessResult r =
      Cli({"doctor", "--issuer", "http://127.0.0.1:1/", "--client-id", "c", "--scope", kScope,
           "--key", dir_.File("k.pem"), "--kid", "k1", "--timeout", "2", "--try-token"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Line(r, "discovery"), MatchesRegex("FAIL .*127.0.0.1:1.*fix: .*firewall.*"));
  EXPECT_THAT(Line(r, "key readable"), HasSubstr("PASS"));
  EXPECT_THAT(Line(r, "clock skew"), HasSubstr("SKIP  clock skew"));
  EXPECT_THAT(Line(r, "token request"), HasSubstr("SKIP"));
}

TEST_F(DoctorCli, ServerClockAMinuteAheadFailsTheSkewCheck) {
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> put = http->Send({.method = "PUT",
                                         .url = server_->issuer() + "_local/clock",
                                         .headers = {{"Content-Type", "application/json"}},
                                         .body = R"({"offset_seconds":60})"});
  ASSERT_TRUE(put.ok() && put->status == 200) << (put.ok() ? put->body : "");
  ProcessResult r = Cli(KidArgs());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Line(r, "clock skew"),
              MatchesRegex("FAIL .*clock is (59|60|61) s behind the server's .*fix: .*NTP.*"));
}

TEST(DoctorCliDate, SkewIsMeasuredFromTheDateHeader) {
  TempDir dir;
  WriteFile(dir.File("k.pem"), TestKey(Algorithm::kRS256).ToPkcs8Pem());
  FakeTokenServer server;
  server.SetHandler([&server](const FakeRequest&) {
    FakeResponse r = FakeMetadataResponse(server.Url());
    r.headers.emplace_back("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
    return r;
  });
  ProcessResult r = Cli({"doctor", "--issuer", server.Url(), "--client-id", "c", "--scope", kScope,
                         "--key", dir.File("k.pem"), "--kid", "k1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)?FAIL  clock skew +this machine's clock is [0-9]+ s ahead "
                                  "of the server's \\(the Date header of .*"));
}

TEST_F(DoctorCli, UnregisteredKidFailsWithAdminToken) {
  ProcessResult r =
      Cli({"doctor", "--issuer", server_->issuer(), "--client-id", "kid-client", "--scope", kScope,
           "--key", dir_.File("k.pem"), "--kid", "k9", "--admin-token-env", "ADMIN_TOKEN"},
          "", {{"ADMIN_TOKEN", AdminToken()}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Line(r, "kid registered"), MatchesRegex("FAIL .*kid k9 is not among .*fix: .*"));
  EXPECT_THAT(Line(r, "client registered"), HasSubstr("PASS"));
}

TEST_F(DoctorCli, RegisteredKidWithAnotherKeyFails) {
  ProcessResult r =
      Cli({"doctor", "--issuer", server_->issuer(), "--client-id", "kid-client", "--scope", kScope,
           "--key", dir_.File("other.pem"), "--kid", "k1", "--admin-token-env", "ADMIN_TOKEN"},
          "", {{"ADMIN_TOKEN", AdminToken()}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Line(r, "kid registered"), MatchesRegex("FAIL .*another public key.*MP-124.*"));
}

TEST_F(DoctorCli, WithoutAdminTokenRegistrationIsSkippedWithTheReason) {
  ProcessResult r = Cli(KidArgs());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(Line(r, "kid registered"), HasSubstr("SKIP"));
  EXPECT_THAT(Line(r, "client registered"), HasSubstr("--admin-token-env"));
  EXPECT_THAT(Line(r, "token request"), HasSubstr("--try-token"));
}

TEST_F(DoctorCli, MalformedScopeFails) {
  ProcessResult r = Cli({"doctor", "--issuer", server_->issuer(), "--client-id", "kid-client",
                         "--scope", "NAV/example", "--key", dir_.File("k.pem"), "--kid", "k1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(Line(r, "scopes well-formed"),
              MatchesRegex("FAIL .*NAV/example.*fix: .*prefix:subscope.*"));
}

TEST_F(DoctorCli, UnreadableTrustAnchorsExitThree) {
  ProcessResult r = Cli(KidArgs({"--trust-test", dir_.File("missing.pem")}));
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  ExpectErrorLine(r, "not_found");
  EXPECT_THAT(r.err, HasSubstr("missing.pem"));
}

TEST(DoctorCliUsage, MissingClientIdIsAUsageError) {
  ProcessResult r =
      Cli({"doctor", "--env", "test", "--scope", kScope, "--key", "k.pem", "--kid", "k1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("MASKINPORTEN_CLIENT_ID"));
}

TEST(DoctorCliUsage, HelpShowsExamplesAndExitCodes) {
  ProcessResult r = Cli({"doctor", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("--try-token"));
  EXPECT_THAT(r.out, HasSubstr("--admin-token-env"));
  EXPECT_THAT(r.out, HasSubstr("Exit 0 when"));
}

}  // namespace
}  // namespace mp::testing
