// maskinporten demo: the whole foundation end to end, each step printed with its timing.
// Exit 0 only when every expected outcome happened, refusals included.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/json.h"
#include "core/random.h"
#include "maskinporten/jwt.h"
#include "maskinporten/test_ca.h"

namespace mp::cli {
namespace {

constexpr const char* kIssuer = "https://test.maskinporten.no/";
constexpr const char* kInsurerOrg = "910753614";  // a TT02 test organisation number

class Steps {
 public:
  // Runs one step; `fn` returns OK or the failure. Prints "[n] title ... ok (x ms)".
  bool Run(const std::string& title, const std::function<Status(std::string*)>& fn) {
    ++n_;
    Stopwatch sw;
    std::string detail;
    Status s = fn(&detail);
    std::printf("[%d] %-58s %s (%.1f ms)\n", n_, title.c_str(), s.ok() ? "ok" : "FAILED",
                sw.Millis());
    if (!detail.empty()) std::printf("      %s\n", detail.c_str());
    if (!s.ok()) {
      std::printf("      error: %s\n", s.ToString().c_str());
      failed_ = true;
    }
    std::fflush(stdout);
    return s.ok();
  }
  bool failed() const { return failed_; }

 private:
  int n_ = 0;
  bool failed_ = false;
};

// OK when `r` failed with `want`; an error when it succeeded or failed otherwise.
template <typename T>
Status ExpectRefused(const Result<T>& r, Errc want, std::string* detail) {
  if (r.ok()) return Status(Errc::kInternal, "expected a refusal, but it was accepted");
  if (r.status().code() != want) {
    return Status(Errc::kInternal,
                  "expected " + std::string(ErrcName(want)) + ", got " + r.status().ToString());
  }
  *detail = "refused as expected: " + r.status().ToString();
  return OkStatus();
}

int RunDemo(const std::string& dir_arg) {
  Stopwatch total;
  std::string dir = dir_arg;
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "maskinporten-demo-XXXXXX");
    if (::mkdtemp(tmpl.data()) == nullptr) return Fail(Status(Errc::kIoError, "mkdtemp failed"));
    dir = tmpl;
  }
  std::printf(
      "maskinporten demo: keys, a local test CA, a test virksomhetssertifikat and a "
      "signed JWT grant\nfiles in %s\n\n",
      dir.c_str());
  Steps steps;
  std::optional<PrivateKey> client_key;
  std::optional<TestCa> ca;
  std::optional<IssuedCertificate> cert;
  std::string grant, kid_token, jwks_json;
  FakeClock clock(SystemClock::Instance().NowSeconds());
  const std::string client_id = RandomUuid();

  steps.Run("keygen: RSA 2048 key for a registered-key client", [&](std::string* d) {
    MP_ASSIGN_OR_RETURN(PrivateKey k, PrivateKey::Generate(Algorithm::kRS256, 2048));
    client_key = k;
    std::string kid = k.public_key().Thumbprint();
    jwks_json = "{\"keys\":[" +
                PublicKeyToJwk(k.public_key(), {.kid = kid, .alg = Algorithm::kRS256}) + "]}";
    MP_RETURN_IF_ERROR(WriteOutput(dir + "/client.key.pem", k.ToPkcs8Pem(), FileMode::kPrivate,
                                   Overwrite::kAllow));
    MP_RETURN_IF_ERROR(WriteOutput(dir + "/client.jwks.json", jwks_json + "\n", FileMode::kPublic,
                                   Overwrite::kAllow));
    *d = "kid (RFC 7638 thumbprint) " + kid;
    return OkStatus();
  });
  steps.Run("ca init: local test root and issuing CA (RSA 3072)", [&](std::string* d) {
    MP_ASSIGN_OR_RETURN(TestCa c, TestCa::Create({.name = "maskinporten-cpp Demo"}));
    std::filesystem::remove_all(dir + "/ca");
    MP_RETURN_IF_ERROR(c.Save(dir + "/ca"));
    *d = c.root().Subject() + " -> " + c.issuing().Subject();
    ca = std::move(c);
    return OkStatus();
  });
  if (!ca) return kExitRejected;
  steps.Run("ca issue: test virksomhetssertifikat for the insurer", [&](std::string* d) {
    MP_ASSIGN_OR_RETURN(OrgNumber org, OrgNumber::Parse(kInsurerOrg));
    MP_ASSIGN_OR_RETURN(IssuedCertificate c, ca->Issue({.org = org, .name = "DEMO FORSIKRING AS"}));
    std::string chain_pem = c.chain[0].Pem() + c.chain[1].Pem();
    MP_RETURN_IF_ERROR(WriteOutput(dir + "/insurer.key.pem", c.key.ToPkcs8Pem(), FileMode::kPrivate,
                                   Overwrite::kAllow));
    MP_RETURN_IF_ERROR(
        WriteOutput(dir + "/insurer.chain.pem", chain_pem, FileMode::kPublic, Overwrite::kAllow));
    *d = c.chain[0].Subject();
    cert = std::move(c);
    return OkStatus();
  });
  if (!cert) return kExitRejected;
  steps.Run("jwt sign: JWT grant with x5c (leaf + issuing CA), RS256", [&](std::string* d) {
    int64_t now = clock.NowSeconds();
    nlohmann::json claims = {{"aud", kIssuer}, {"iss", client_id}, {"scope", "nav:example"},
                             {"iat", now},     {"exp", now + 60},  {"jti", RandomUuid()}};
    SignOptions opts{.alg = Algorithm::kRS256};
    for (size_t i = 0; i + 1 < cert->chain.size(); ++i)
      opts.x5c.push_back(cert->chain[i].X5cEntry());
    MP_ASSIGN_OR_RETURN(grant, SignJws(cert->key, DumpJson(claims), opts));
    *d = "grant of " + std::to_string(grant.size()) + " bytes, jti " +
         claims["jti"].get<std::string>();
    return OkStatus();
  });
  steps.Run("verify: x5c chain to the test root, org number, signature", [&](std::string* d) {
    MP_ASSIGN_OR_RETURN(ParsedJws parsed, ParseJws(grant));
    MP_ASSIGN_OR_RETURN(std::vector<Certificate> chain, Certificate::FromX5c(parsed.header.x5c));
    TrustStore store(CertEnvironment::kTest);
    store.Add(ca->root());
    MP_RETURN_IF_ERROR(VerifyChain(chain, store, clock));
    MP_ASSIGN_OR_RETURN(EnterpriseProfile profile, ReadEnterpriseProfile(chain.front()));
    MP_ASSIGN_OR_RETURN(PublicKey leaf_key, chain.front().PublicKeyOf());
    MP_ASSIGN_OR_RETURN(VerifiedJwt jwt,
                        VerifyJwt(grant, leaf_key, VerifyOptions{Algorithm::kRS256},
                                  {.audience = kIssuer, .require_iat = true, .clock = &clock}));
    *d = "org " + profile.org.digits() + " (SEID " + std::to_string(profile.seid) + "), claims " +
         jwt.claims.ToJson();
    return OkStatus();
  });
  steps.Run("refuse: the same grant with one payload byte changed", [&](std::string* d) {
    std::string tampered = grant;
    size_t dot = tampered.find('.');
    char& c = tampered[dot + 5];
    c = c == 'A' ? 'B' : 'A';
    MP_ASSIGN_OR_RETURN(PublicKey leaf_key, cert->chain.front().PublicKeyOf());
    return ExpectRefused(
        VerifyJwt(tampered, leaf_key, VerifyOptions{Algorithm::kRS256}, {.clock = &clock}),
        Errc::kInvalidSignature, d);
  });
  steps.Run("refuse: x5c chain checked against another CA", [&](std::string* d) {
    MP_ASSIGN_OR_RETURN(TestCa other, TestCa::Create({.name = "Some Other", .key_bits = 2048}));
    TrustStore store(CertEnvironment::kProd);
    store.Add(other.root());
    Status s = VerifyChain(cert->chain, store, clock);
    return ExpectRefused(s.ok() ? Result<int>(0) : Result<int>(s), Errc::kCertificateUntrusted, d);
  });
  steps.Run("jwt sign + verify with kid against the client's JWKS", [&](std::string* d) {
    int64_t now = clock.NowSeconds();
    nlohmann::json claims = {{"aud", kIssuer}, {"iss", client_id}, {"scope", "nav:example"},
                             {"iat", now},     {"exp", now + 60},  {"jti", RandomUuid()}};
    MP_ASSIGN_OR_RETURN(kid_token, SignJws(*client_key, DumpJson(claims),
                                           {.alg = Algorithm::kRS256,
                                            .kid = client_key->public_key().Thumbprint()}));
    MP_ASSIGN_OR_RETURN(Jwks jwks, Jwks::Parse(jwks_json));
    MP_ASSIGN_OR_RETURN(VerifiedJwt jwt,
                        VerifyJwt(kid_token, jwks, VerifyOptions{Algorithm::kRS256},
                                  {.audience = kIssuer, .clock = &clock}));
    *d = "verified with kid " + jwt.header.kid;
    return OkStatus();
  });
  steps.Run("refuse: the same token 61 s after it expired", [&](std::string* d) {
    FakeClock later(clock.NowSeconds() + 121);
    MP_ASSIGN_OR_RETURN(Jwks jwks, Jwks::Parse(jwks_json));
    return ExpectRefused(
        VerifyJwt(kid_token, jwks, VerifyOptions{Algorithm::kRS256}, {.clock = &later}),
        Errc::kTokenExpired, d);
  });
  std::printf(
      "\n%s in %.0f ms. Try: build/bin/maskinporten cert inspect %s/insurer.chain.pem "
      "--trust %s/ca/root.pem\n",
      steps.failed() ? "demo FAILED" : "demo passed", total.Millis(), dir.c_str(), dir.c_str());
  return steps.failed() ? kExitRejected : kExitOk;
}

}  // namespace

void AddDemo(CLI::App& app, int* exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* demo = app.add_subcommand(
      "demo", "Run the whole flow end to end on embedded defaults, printing each step");
  demo->add_option("--dir", *dir,
                   "write the keys, CA and certificates here (default: a new "
                   "temporary directory)");
  SetExamples(demo, "  maskinporten demo\n  maskinporten demo --dir ./demo-files\n");
  demo->callback([dir, exit_code] { *exit_code = RunDemo(*dir); });
}

}  // namespace mp::cli
