// maskinporten grant: sign a Maskinporten JWT grant (SPEC §4), or lint a grant made by any tool
// and say what Maskinporten would answer to it.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "client_flags.h"
#include "core/json.h"
#include "grant/grant_engine.h"
#include "maskinporten/grant.h"
#include "maskinporten/mp_errors.h"
#include "server/registry/seed.h"
#include "server/store/store.h"
#include "server/token/grant_validator.h"

namespace mp::cli {
namespace {

struct GrantArgs {
  ClientFlags client;
  std::string lint;
  std::string registry;  // a seed file: lint against the registry the emulator would load
  bool json = false;
};

int RunBuild(const GrantArgs& a) {
  Result<ResolvedClient> rc = ResolveClient(a.client);
  if (!rc.ok()) return FailFlags(rc.status());
  FakeClock fixed(a.client.now);
  const Clock& clock =
      a.client.now != 0 ? static_cast<const Clock&>(fixed) : SystemClock::Instance();
  // The spec comes from flags, so a refusal here (kInvalidGrant) is a usage error.
  Result<Grant> grant = BuildGrant(rc->spec, rc->credentials, clock);
  if (!grant.ok()) return FailFlags(grant.status());
  if (!a.json) {
    std::cout << grant->assertion << "\n";
    return kExitOk;
  }
  nlohmann::json out = {{"assertion", grant->assertion},
                        {"aud", rc->spec.issuer},
                        {"iss", rc->spec.client_id},
                        {"scope", JoinScopes(rc->spec.request.scopes)},
                        {"iat", grant->iat},
                        {"exp", grant->exp},
                        {"jti", grant->jti},
                        {"alg", AlgorithmName(rc->credentials.alg())}};
  if (rc->credentials.uses_certificate()) {
    out["x5c_certificates"] = rc->credentials.x5c().size();
  } else {
    out["kid"] = rc->credentials.kid();
  }
  std::cout << DumpJson(out) << "\n";
  return kExitOk;
}

// "MP-110", "error" (an error Maskinporten answers without a code) or "warning".
std::string Head(const LintFinding& f) {
  if (f.severity == LintSeverity::kWarning) return "warning";
  if (f.maskinporten_error.has_value()) {
    std::string_view code = MpErrorInfoFor(*f.maskinporten_error).code;
    if (!code.empty()) return std::string(code);
  }
  return "error";
}

std::string Line(const LintFinding& f) {
  std::string line = Head(f) + " " + f.rule + ": " + f.message;
  if (f.maskinporten_error.has_value()) {
    const MpErrorInfo& info = MpErrorInfoFor(*f.maskinporten_error);
    if (f.severity == LintSeverity::kError) {
      line += " [Maskinporten: \"" + std::string(info.text) + "\"]";
    } else {
      line += " [risk: " + (info.code.empty() ? std::string() : std::string(info.code) + " ") +
              "\"" + std::string(info.text) + "\"]";
    }
  }
  return line;
}

nlohmann::json FindingJson(const LintFinding& f) {
  nlohmann::json j = {{"rule", f.rule},
                      {"severity", f.severity == LintSeverity::kError ? "error" : "warning"},
                      {"message", f.message},
                      {"code", nullptr}};
  if (f.maskinporten_error.has_value()) {
    const MpErrorInfo& info = MpErrorInfoFor(*f.maskinporten_error);
    if (!info.code.empty()) j["code"] = info.code;
    j["http_status"] = info.http_status;
    j["error"] = info.error;
    j["error_description"] = info.text;
    j["hint"] = info.hint;
  }
  if (!f.fix.empty() && (!j.contains("hint") || j["hint"] != f.fix)) j["fix"] = f.fix;
  return j;
}

// The registry a seed file describes, in memory, as the local Maskinporten would load it.
struct LintRegistry {
  std::unique_ptr<server::Store> store;
  server::ServerConfig config;
  std::unique_ptr<server::StoreGrantRegistry> registry;
  grant::GrantTrust trust;
};

Result<std::unique_ptr<LintRegistry>> LoadLintRegistry(const std::string& path,
                                                       const std::string& issuer,
                                                       const Clock& clock) {
  auto r = std::make_unique<LintRegistry>();
  MP_ASSIGN_OR_RETURN(server::SeedConfig seed, server::LoadSeedFile(path));
  MP_ASSIGN_OR_RETURN(r->store, server::OpenSqliteStore({.path = ":memory:"}));
  MP_RETURN_IF_ERROR(server::ApplySeed(seed, *r->store, clock));
  r->config.issuer = issuer;
  server::AddSeedTrust(seed, r->config);
  r->registry = std::make_unique<server::StoreGrantRegistry>(*r->store);
  r->trust = server::TrustOf(r->config);
  return r;
}

int RunLint(const GrantArgs& a, const CLI::App* cmd) {
  // Lint checks a token from anywhere: it takes no client, credential or request flags, and
  // reads no MASKINPORTEN_* variables (the expected issuer is only what the flags say).
  for (const char* name :
       {"--client-id", "--scope", "--key", "--kid", "--cert", "--p12", "--password-env", "--jwk",
        "--consumer-org", "--resource", "--authorization-details", "--alg", "--lifetime"}) {
    if (cmd->count(name) > 0) {
      return UsageError(std::string("--lint checks an existing grant and takes only --issuer or "
                                    "--env, --registry, --now and --json; remove ") +
                        name);
    }
  }
  const ClientConfig& c = a.client.config;
  LintOptions options;
  if (!c.issuer.empty() && !c.env.empty()) return UsageError("give --issuer or --env, not both");
  if (!c.issuer.empty()) {
    if (c.issuer.back() != '/') {
      return UsageError("--issuer " + c.issuer +
                        " has no trailing slash; Maskinporten issuers end with '/', e.g. " +
                        c.issuer + "/");
    }
    options.issuer = c.issuer;
  } else if (!c.env.empty()) {
    Result<Endpoints> ep = EndpointsForPreset(c.env);
    if (!ep.ok()) return UsageError("--env: " + ep.status().message());
    options.issuer = ep->issuer;
  }
  FakeClock fixed(a.client.now);
  const Clock& clock =
      a.client.now != 0 ? static_cast<const Clock&>(fixed) : SystemClock::Instance();
  std::unique_ptr<LintRegistry> registry;
  if (!a.registry.empty()) {
    if (!options.issuer.has_value()) {
      return UsageError("--registry needs the issuer the registry serves: give --issuer or --env");
    }
    Result<std::unique_ptr<LintRegistry>> loaded =
        LoadLintRegistry(a.registry, *options.issuer, clock);
    if (!loaded.ok()) return Fail(loaded.status().WithContext("--registry " + a.registry));
    registry = std::move(loaded).value();
  }

  Result<std::string> token = ReadTokenArg(a.lint);
  if (!token.ok()) return Fail(token.status());
  grant::GrantOutcome outcome =
      grant::CheckGrant(*token,
                        {.issuer = options.issuer,
                         .now = clock.NowSeconds(),
                         .registry = registry ? registry->registry.get() : nullptr,
                         .trust = registry ? &registry->trust : nullptr},
                        grant::GrantMode::kEveryFinding);
  if (!outcome.internal.ok()) return Fail(outcome.internal);
  const std::vector<LintFinding>& findings = outcome.findings;
  std::string note = outcome.not_checked.empty()
                         ? std::string("every step checked")
                         : "not checked offline (give --registry seed.json): ";
  for (size_t i = 0; i < outcome.not_checked.size(); ++i) {
    note += (i == 0 ? "" : "; ") + outcome.not_checked[i];
  }

  int errors = 0;
  int warnings = 0;
  for (const LintFinding& f : findings) (f.severity == LintSeverity::kError ? errors : warnings)++;
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const LintFinding& f : findings) out.push_back(FindingJson(f));
    std::cout << DumpJson(out) << "\n";
    std::cerr << "note: " << note << "\n";
  } else {
    for (const LintFinding& f : findings) std::cout << Line(f) << "\n";
    if (findings.empty()) {
      std::cout << "ok: no problems found; " << note << "\n";
    } else {
      std::cout << errors << " error(s), " << warnings << " warning(s); " << note << "\n";
    }
  }
  return errors > 0 ? kExitRejected : kExitOk;
}

}  // namespace

void AddGrant(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<GrantArgs>();
  CLI::App* cmd = app.add_subcommand(
      "grant", "Sign a Maskinporten JWT grant, or lint one (--lint) made by any tool");
  AddClientFlags(cmd, &a->client);
  cmd->add_option("--lint", a->lint,
                  "check this grant (or - for stdin) against every Maskinporten rule and list "
                  "each problem with the error Maskinporten would answer; exit 1 on errors");
  cmd->add_option("--registry", a->registry,
                  "with --lint: also check what needs the registry (client, registered keys, "
                  "certificate trust, scopes, access, delegations, consents), loaded from this "
                  "seed file as `serve --seed` loads it; needs --issuer or --env");
  cmd->add_flag("--json", a->json, "JSON output");
  SetExamples(cmd,
              "  maskinporten grant --env test --client-id my-client --scope \"nav:a nav:b\" "
              "--key key.pem --kid my-kid\n"
              "  maskinporten grant --env prod --client-id my-client --scope nav:a --cert "
              "org.chain.pem --key org.key.pem --consumer-org 910753614\n"
              "  MASKINPORTEN_P12_PASSWORD=... maskinporten grant --issuer http://127.0.0.1:8080/ "
              "--client-id c --scope nav:a --p12 org.p12\n"
              "  maskinporten grant --lint eyJhbGciOi...   (exit 0 clean, 1 problems)\n"
              "  pbpaste | maskinporten grant --lint - --env test --json\n"
              "  maskinporten grant --lint grant.jwt --issuer http://127.0.0.1:8080/ --registry "
              "seed.json\n"
              "Environment: MASKINPORTEN_ENV, MASKINPORTEN_ISSUER, MASKINPORTEN_CLIENT_ID,\n"
              "  MASKINPORTEN_SCOPES, MASKINPORTEN_KID, MASKINPORTEN_KEY_FILE, "
              "MASKINPORTEN_CERT_FILE,\n"
              "  MASKINPORTEN_P12_FILE, MASKINPORTEN_P12_PASSWORD, MASKINPORTEN_CONSUMER_ORG "
              "(flags win; --lint reads none)\n");
  cmd->callback([a, cmd, exit_code] {
    if (cmd->count("--registry") > 0 && cmd->count("--lint") == 0) {
      *exit_code = UsageError("--registry is for --lint");
      return;
    }
    *exit_code = cmd->count("--lint") > 0 ? RunLint(*a, cmd) : RunBuild(*a);
  });
}

}  // namespace mp::cli
