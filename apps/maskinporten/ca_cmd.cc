// maskinporten ca init | issue: the local test CA for test enterprise certificates.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/json.h"
#include "core/random.h"
#include "maskinporten/test_ca.h"

namespace mp::cli {
namespace {

struct InitArgs {
  std::string dir;
  std::string name = "maskinporten-cpp Local Test";
  int bits = 3072;
  bool json = false;
};

int RunInit(const InitArgs& a) {
  if (a.bits != 2048 && a.bits != 3072 && a.bits != 4096) {
    return UsageError("--bits must be 2048, 3072 or 4096");
  }
  Stopwatch sw;
  if (!a.json) std::cerr << "generating root and issuing CA keys (RSA " << a.bits << ")...\n";
  Result<TestCa> ca = TestCa::Create({.name = a.name, .key_bits = a.bits});
  if (!ca.ok()) return Fail(ca.status());
  if (Status s = ca->Save(a.dir); !s.ok()) return Fail(s);
  if (a.json) {
    std::cout << DumpJson({{"dir", a.dir},
                           {"root", ca->root().Subject()},
                           {"issuing", ca->issuing().Subject()},
                           {"root_sha256_fingerprint", ca->root().Sha256FingerprintHex()}})
              << "\n";
  } else {
    std::cout << "created test CA in " << a.dir << " (" << static_cast<int>(sw.Millis())
              << " ms)\n  root:    " << ca->root().Subject()
              << "\n  issuing: " << ca->issuing().Subject() << "\n  trust anchor: " << a.dir
              << "/root.pem\n";
  }
  return kExitOk;
}

struct IssueArgs {
  std::string dir;
  std::string org;
  std::string name;
  int seid = 2;
  int bits = 2048;
  int days = 365;
  std::string key_out;
  std::string cert_out;
  std::string p12_out;
  std::string password_env;
  bool force = false;
  bool json = false;
};

int RunIssue(const IssueArgs& a) {
  Result<OrgNumber> org = OrgNumber::Parse(a.org);
  if (!org.ok()) {
    std::cerr << "error: " << ErrcName(org.status().code()) << ": --org: " << org.status().message()
              << "\n";
    return kExitUsage;
  }
  if (a.name.empty()) return UsageError("--name must not be empty");
  if (a.seid != 1 && a.seid != 2) return UsageError("--seid must be 1 or 2");
  if (a.bits != 2048 && a.bits != 3072 && a.bits != 4096) {
    return UsageError("--bits must be 2048, 3072 or 4096");
  }
  if (a.days < 1 || a.days > 3650) return UsageError("--days must be 1..3650");
  if (!a.p12_out.empty() && a.password_env.empty()) {
    return UsageError("--p12-out needs --password-env VAR (the password is never taken from argv)");
  }
  std::string password;
  if (!a.p12_out.empty()) {
    Result<std::string> pw = ReadSecretEnv(a.password_env);
    if (!pw.ok()) return Fail(pw.status().WithContext("--password-env"));
    password = *pw;
  }
  Result<TestCa> ca = TestCa::Load(a.dir);
  if (!ca.ok()) return Fail(ca.status());
  Result<IssuedCertificate> issued =
      ca->Issue({.org = *org, .name = a.name, .seid = a.seid, .key_bits = a.bits, .days = a.days});
  if (!issued.ok()) return Fail(issued.status());

  Overwrite ow = a.force ? Overwrite::kAllow : Overwrite::kRefuse;
  std::string chain_pem;
  for (size_t i = 0; i + 1 < issued->chain.size(); ++i) chain_pem += issued->chain[i].Pem();
  if (Status s = WriteOutput(a.key_out, issued->key.ToPkcs8Pem(), FileMode::kPrivate, ow);
      !s.ok()) {
    return Fail(s);
  }
  if (Status s = WriteOutput(a.cert_out, chain_pem, FileMode::kPublic, ow); !s.ok()) {
    return Fail(s);
  }
  if (!a.p12_out.empty()) {
    Result<std::string> p12 = MakePkcs12(issued->key, issued->chain, password, a.name);
    SecureWipe(password);
    if (!p12.ok()) return Fail(p12.status());
    if (Status s = WriteOutput(a.p12_out, *p12, FileMode::kPrivate, ow); !s.ok()) return Fail(s);
  }
  const Certificate& leaf = issued->chain.front();
  if (a.json) {
    nlohmann::json out = {{"org_number", org->digits()}, {"seid", a.seid},
                          {"subject", leaf.Subject()},   {"serial", leaf.SerialHex()},
                          {"key_file", a.key_out},       {"cert_file", a.cert_out},
                          {"x5t#S256", leaf.X5tS256()}};
    if (!a.p12_out.empty()) out["p12_file"] = a.p12_out;
    std::cout << DumpJson(out) << "\n";
  } else {
    std::cout << "issued test enterprise certificate for " << org->digits() << " (" << a.name
              << ", SEID " << a.seid << ")\n  subject: " << leaf.Subject()
              << "\n  key:   " << a.key_out << " (0600)\n  chain: " << a.cert_out
              << " (leaf + issuing CA; send both in x5c)\n";
    if (!a.p12_out.empty()) std::cout << "  p12:   " << a.p12_out << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddCa(CLI::App& app, int* exit_code) {
  CLI::App* ca = app.add_subcommand("ca", "A local test CA for test enterprise certificates");
  ca->require_subcommand(1);
  SetExamples(ca,
              "  maskinporten ca init --dir ./testca\n"
              "  maskinporten ca issue --dir ./testca --org 910753614 --name \"FORSIKRING AS\" "
              "--key-out org.key.pem --cert-out org.chain.pem\n");

  auto i = std::make_shared<InitArgs>();
  CLI::App* init =
      ca->add_subcommand("init", "Create a root and an issuing CA (RSA 3072 by default)");
  init->add_option("--dir", i->dir, "directory to create the CA in")->required();
  init->add_option("--name", i->name, "CA name prefix")->capture_default_str();
  init->add_option("--bits", i->bits, "RSA size of the CA keys: 2048, 3072 or 4096")
      ->capture_default_str();
  init->add_flag("--json", i->json, "print the result as JSON");
  SetExamples(init,
              "  maskinporten ca init --dir ./testca\n"
              "  maskinporten ca init --dir ./testca --name \"Team Test\"\n");
  init->callback([i, exit_code] { *exit_code = RunInit(*i); });

  auto s = std::make_shared<IssueArgs>();
  CLI::App* issue = ca->add_subcommand("issue", "Issue a test virksomhetssertifikat for an org");
  issue->add_option("--dir", s->dir, "the CA directory (from ca init)")->required();
  issue->add_option("--org", s->org, "9-digit organisation number (mod-11 checked)")->required();
  issue->add_option("--name", s->name, "organisation name")->required();
  issue->add_option("--seid", s->seid, "1 (serialNumber) or 2 (organizationIdentifier NTRNO-)")
      ->capture_default_str();
  issue->add_option("--bits", s->bits, "RSA key size")->capture_default_str();
  issue->add_option("--days", s->days, "validity in days")->capture_default_str();
  issue->add_option("--key-out", s->key_out, "private key PEM to write (0600)")->required();
  issue->add_option("--cert-out", s->cert_out, "certificate chain PEM to write")->required();
  issue->add_option("--p12-out", s->p12_out, "also write a PKCS#12 bundle");
  issue->add_option("--password-env", s->password_env,
                    "environment variable holding the PKCS#12 password");
  issue->add_flag("--force", s->force, "overwrite existing files");
  issue->add_flag("--json", s->json, "print the result as JSON");
  SetExamples(issue,
              "  maskinporten ca issue --dir ./testca --org 910753614 --name \"FORSIKRING AS\" "
              "--key-out org.key.pem --cert-out org.chain.pem\n"
              "  P12PASS=secret maskinporten ca issue --dir ./testca --org 991825827 --name "
              "\"LEVERANDOR AS\" --seid 1 --key-out s.key.pem --cert-out s.pem --p12-out s.p12 "
              "--password-env P12PASS\n");
  issue->callback([s, exit_code] { *exit_code = RunIssue(*s); });
}

}  // namespace mp::cli
