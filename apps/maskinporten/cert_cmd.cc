// maskinporten cert inspect: what a certificate (virksomhetssertifikat) says, and whether a trust
// store accepts it.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/json.h"
#include "core/utc_time.h"
#include "maskinporten/certificate.h"

namespace mp::cli {
namespace {

struct InspectArgs {
  std::string file;
  std::string password_env;
  std::string trust;
  std::string trust_prod;
  int64_t now = 0;
};

nlohmann::json Describe(const Certificate& c) {
  nlohmann::json j = {{"subject", c.Subject()},
                      {"issuer", c.Issuer()},
                      {"serial", c.SerialHex()},
                      {"not_before", FormatUtc(c.NotBefore())},
                      {"not_after", FormatUtc(c.NotAfter())},
                      {"key_usage", c.KeyUsage()},
                      {"is_ca", c.IsCa()},
                      {"sha256_fingerprint", c.Sha256FingerprintHex()},
                      {"x5t#S256", c.X5tS256()}};
  if (Result<PublicKey> k = c.PublicKeyOf(); k.ok()) {
    j["public_key"] = {{"type", k->type() == KeyType::kRsa ? "RSA" : "EC"}, {"bits", k->bits()}};
  } else {
    j["public_key"] = {{"error", k.status().ToString()}};
  }
  return j;
}

// Verifies against the store in `path`; adds "<env>": {"trusted":..., "error":...} to `out`.
Result<bool> CheckTrust(const std::vector<Certificate>& chain, const std::string& path,
                        CertEnvironment env, const Clock& clock, nlohmann::json& out) {
  MP_ASSIGN_OR_RETURN(std::string pem, ReadInput(path));
  Result<TrustStore> store = TrustStore::FromPem(pem, env);
  if (!store.ok()) return store.status().WithContext(path);
  Status s = VerifyChain(chain, *store, clock);
  nlohmann::json t = {{"trust_file", path}, {"trusted", s.ok()}};
  if (!s.ok()) t["error"] = s.ToString();
  out["trust"][std::string(CertEnvironmentName(env))] = t;
  return s.ok();
}

int RunInspect(const InspectArgs& a) {
  Result<std::vector<Certificate>> chain = LoadCertificatesFile(a.file, a.password_env);
  if (!chain.ok()) return Fail(chain.status());
  const Certificate& leaf = chain->front();
  nlohmann::json out = Describe(leaf);
  if (Result<EnterpriseProfile> p = ReadEnterpriseProfile(leaf); p.ok()) {
    out["org_number"] = p->org.digits();
    out["seid"] = p->seid;
    out["organization_name"] = p->organization_name;
  } else {
    out["org_number"] = nullptr;
    out["seid"] = nullptr;
    out["profile_error"] = p.status().ToString();
  }
  out["chain_length"] = chain->size();
  if (chain->size() > 1) {
    out["chain"] = nlohmann::json::array();
    for (size_t i = 1; i < chain->size(); ++i) out["chain"].push_back(Describe((*chain)[i]));
  }

  FakeClock fixed(a.now);
  const Clock& clock = a.now != 0 ? static_cast<const Clock&>(fixed) : SystemClock::Instance();
  out["environment"] = nullptr;
  bool any_trust = false, trusted = false;
  for (auto [path, env] : {std::pair{a.trust, CertEnvironment::kTest},
                           std::pair{a.trust_prod, CertEnvironment::kProd}}) {
    if (path.empty()) continue;
    any_trust = true;
    Result<bool> ok = CheckTrust(*chain, path, env, clock, out);
    if (!ok.ok()) return Fail(ok.status());
    if (*ok) {
      trusted = true;
      out["environment"] = std::string(CertEnvironmentName(env));
    }
  }
  std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  if (any_trust && !trusted) {
    std::cerr << "error: " << ErrcName(Errc::kCertificateUntrusted)
              << ": no given trust store accepts " << a.file << " (see \"trust\" above)\n";
    return kExitRejected;
  }
  return kExitOk;
}

}  // namespace

void AddCert(CLI::App& app, int* exit_code) {
  CLI::App* cert = app.add_subcommand("cert", "Inspect enterprise certificates");
  cert->require_subcommand(1);
  auto a = std::make_shared<InspectArgs>();
  CLI::App* inspect = cert->add_subcommand(
      "inspect", "Show subject, org number, SEID, validity, fingerprints and trust as JSON");
  inspect->add_option("file", a->file, "certificate: PEM (chain), DER, or .p12/.pfx")->required();
  inspect->add_option("--password-env", a->password_env,
                      "environment variable holding the PKCS#12 password");
  inspect->add_option("--trust", a->trust,
                      "TEST trust anchors PEM; environment is \"test\" when they verify the chain");
  inspect->add_option("--trust-prod", a->trust_prod,
                      "PROD trust anchors PEM; environment is \"prod\" when they verify the chain");
  inspect->add_option("--now", a->now, "verify at this Unix time instead of now")
      ->check(UnixTimeFlag());
  SetExamples(inspect,
              "  maskinporten cert inspect org.chain.pem\n"
              "  maskinporten cert inspect org.chain.pem --trust ca/root.pem\n"
              "  P12PASS=... maskinporten cert inspect virksomhet.p12 --password-env P12PASS\n");
  inspect->callback([a, exit_code] { *exit_code = RunInspect(*a); });
}

}  // namespace mp::cli
