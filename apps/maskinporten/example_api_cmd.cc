// maskinporten example-api: the example API in NAV's role (example_api.h) as a process: GET
// /ssu/v1/records with Maskinporten token, consent and NAV's org-number rule enforced, every
// decision audited, until SIGINT/SIGTERM.
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "maskinporten/example_api.h"
#include "maskinporten/http.h"

namespace mp::cli {
namespace {

struct ExampleApiArgs {
  std::string issuer;
  std::string jwks_uri;
  std::string scope = std::string(kExampleApiScope);
  std::string consent_issuer;
  std::string consent_jwks_uri;
  std::string service = std::string(kExampleApiService);
  std::string listen = "127.0.0.1:0";
  std::string audit_log;
  std::string port_file;
  std::string ca_file;
  int threads = 1;
  bool quiet = false;
};

int RunExampleApi(const ExampleApiArgs& a) {
  if (a.threads < 0 || a.threads > 256) return UsageError("--threads must be 0..256");
  ExampleApiOptions o;
  o.listen = a.listen;
  o.maskinporten_issuer = a.issuer;
  o.maskinporten_jwks_uri = a.jwks_uri;
  o.scope = a.scope;
  o.consent_issuer = a.consent_issuer;
  o.consent_jwks_uri = a.consent_jwks_uri;
  o.service = a.service;
  o.audit_log_path = a.audit_log;
  o.threads = a.threads;
  o.handle_signals = true;
  o.http = MakeCurlHttpClient({.ca_file = a.ca_file});
  o.on_audit = StderrLineLog(a.quiet);
  Result<std::unique_ptr<ExampleApi>> api = ExampleApi::Start(o);
  if (!api.ok()) return FailFlags(api.status());
  if (!a.port_file.empty()) {
    Status s = WriteOutput(a.port_file, std::to_string((*api)->port()) + "\n", FileMode::kPublic,
                           Overwrite::kAllow);
    if (!s.ok()) return Fail(s);
  }
  std::cout << "listening on " << (*api)->base_url() << std::endl;
  std::cerr << "records " << (*api)->records_url() << ", issuer " << a.issuer << ", scope "
            << a.scope << ", consent "
            << (a.consent_issuer.empty() ? "Altinn 3 only" : "Altinn 2 from " + a.consent_issuer)
            << std::endl;
  (*api)->Wait();
  std::cerr << "stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void AddExampleApi(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ExampleApiArgs>();
  CLI::App* cmd = app.add_subcommand(
      "example-api",
      "Run the example API in NAV's role: GET /ssu/v1/records with Maskinporten token, consent "
      "and the org-number rule enforced");
  cmd->add_option("--issuer", a->issuer,
                  "Maskinporten issuer, exact (e.g. https://test.maskinporten.no/)")
      ->required();
  cmd->add_option("--jwks-uri", a->jwks_uri,
                  "Maskinporten JWKS URL (default: discovered from the issuer on first request)");
  cmd->add_option("--scope", a->scope, "scope the endpoint requires")->capture_default_str();
  cmd->add_option("--consent-issuer", a->consent_issuer,
                  "iss of Altinn 2 samtykketokens (empty: only Altinn 3 consents in the token)");
  cmd->add_option("--consent-jwks-uri", a->consent_jwks_uri,
                  "JWKS URL of the samtykketoken keys (default: discovered from --consent-issuer)");
  cmd->add_option("--service", a->service, "Altinn service the consent must cover")
      ->capture_default_str();
  cmd->add_option("--listen", a->listen, "address to listen on")->capture_default_str();
  cmd->add_option("--audit-log", a->audit_log,
                  "append one JSON line per decision to this file (created 0600)");
  cmd->add_option("--port-file", a->port_file, "write the bound port to this file");
  cmd->add_option("--ca-file", a->ca_file, "PEM CA bundle for fetching the JWKS over https");
  cmd->add_option("--threads", a->threads, "worker threads (0: one per core)")
      ->capture_default_str();
  cmd->add_flag("--quiet", a->quiet, "no audit lines on stderr");
  SetExamples(cmd,
              "  maskinporten example-api --issuer http://127.0.0.1:8080/ \\\n"
              "      --consent-issuer http://127.0.0.1:8080/altinn/ --listen 127.0.0.1:9090\n"
              "  maskinporten example-api --issuer https://test.maskinporten.no/ \\\n"
              "      --consent-issuer altinn.no --consent-jwks-uri \"$ALTINN_JWKS_URI\" \\\n"
              "      --audit-log audit.jsonl\n"
              "  curl -H 'Authorization: Bearer <token>' -H 'NAV-PersonIdent: 01819010001' \\\n"
              "      -H 'NAV-Samtykke-Token: <samtykketoken>' -H \"x-callid: $(uuidgen)\" \\\n"
              "      http://127.0.0.1:9090/ssu/v1/records\n");
  cmd->callback([a, exit_code] { *exit_code = RunExampleApi(*a); });
}

}  // namespace mp::cli
