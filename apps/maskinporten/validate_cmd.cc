// maskinporten validate: check an access token as an API owner would (SPEC §10): signature by
// the issuer's keys, iss, times, aud, consumer/supplier, scopes. Prints what the token says.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/json.h"
#include "maskinporten/clock.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/org_number.h"
#include "maskinporten/validator.h"

namespace mp::cli {
namespace {

struct ValidateArgs {
  std::string jwks_uri;
  std::string jwks_file;
  std::string issuer;  // discovery
  std::string iss;     // expected iss
  std::vector<std::string> scopes;
  std::vector<std::string> consumer_orgs;
  bool allow_supplier = false;
  std::string system_user_org;  // --system-user-org: require the system user of this org
  std::string audience;
  bool audience_set = false;
  int64_t leeway = 30;
  int64_t now = 0;
  std::string alg = "RS256";
  std::string ca_file;
  bool json = false;
  std::string token;
};

int64_t Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string Output(const ValidatedAccessToken& t) {
  nlohmann::ordered_json out;
  out["valid"] = true;
  out["consumer"] = t.consumer.Iso6523();
  out["supplier"] = t.supplier ? nlohmann::ordered_json(t.supplier->Iso6523()) : nullptr;
  out["delegation_source"] =
      t.delegation_source.empty() ? nullptr : nlohmann::ordered_json(t.delegation_source);
  out["scopes"] = t.scopes;
  out["client_id"] = t.client_id;
  out["jti"] = t.jti;
  out["issued_at"] = Seconds(t.issued_at);
  out["expires_at"] = Seconds(t.expires_at);
  // SPEC §15: the system user, typed (null when the token carries none; validation already
  // refused a malformed entry when --system-user-org was given).
  Result<std::optional<SystemUser>> su = SystemUserFromAccessToken(t);
  if (su.ok() && su->has_value()) {
    out["system_user"] = {
        {"id", (*su)->id}, {"org", (*su)->org.Iso6523()}, {"system_id", (*su)->system_id}};
  } else {
    out["system_user"] = nullptr;
  }
  // Our own serialisation of claims that were strictly parsed: it parses.
  out["claims"] = nlohmann::ordered_json::parse(t.claims.ToJson(), nullptr, false);
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

int RunValidate(const ValidateArgs& a) {
  const int sources = !a.jwks_uri.empty() + !a.jwks_file.empty() + !a.issuer.empty();
  if (sources != 1) return UsageError("give exactly one of --jwks-uri, --jwks, --issuer");
  const std::string expected_iss = !a.iss.empty() ? a.iss : a.issuer;
  if (expected_iss.empty()) {
    return UsageError("--iss (the expected issuer) is required with --jwks-uri and --jwks");
  }
  if (a.leeway < 0 || a.leeway > 3600) return UsageError("--leeway must be 0..3600 seconds");
  AccessTokenPolicy policy;
  policy.issuer = expected_iss;
  Result<std::vector<Algorithm>> algs = ParseAlgorithmList(a.alg);
  if (!algs.ok()) return FailFlags(algs.status().WithContext("--alg"));
  policy.allowed_algs = *algs;
  policy.leeway = std::chrono::seconds(a.leeway);
  policy.required_scopes = a.scopes;
  for (const std::string& org : a.consumer_orgs) {
    Result<OrgNumber> parsed = OrgNumber::Parse(org);
    if (!parsed.ok()) return FailFlags(parsed.status().WithContext("--consumer-org"));
    policy.allowed_consumers.push_back(parsed->digits());
  }
  policy.allow_supplier = a.allow_supplier;
  if (!a.system_user_org.empty()) {
    Result<OrgNumber> parsed = OrgNumber::Parse(a.system_user_org);
    if (!parsed.ok()) return FailFlags(parsed.status().WithContext("--system-user-org"));
    policy.require_system_user_org = *parsed;
  }
  if (a.audience_set) policy.audience = a.audience;
  FakeClock fixed(a.now);
  const Clock* clock = a.now != 0 ? static_cast<const Clock*>(&fixed) : nullptr;
  policy.clock = clock;

  Result<std::string> token = ReadTokenArg(a.token);
  if (!token.ok()) return FailFlags(token.status());

  Result<std::shared_ptr<JwksCache>> keys = LoadKeySource(
      a.jwks_file, a.jwks_uri, a.issuer, MakeCurlHttpClient({.ca_file = a.ca_file}), clock);
  if (!keys.ok()) return FailFlags(keys.status());

  AccessTokenValidator validator(std::move(policy), *keys);
  Result<ValidatedAccessToken> t = validator.Validate(*token);
  if (!t.ok()) {
    return Fail(t.status());
  }
  std::cout << Output(*t) << "\n";
  return kExitOk;
}

}  // namespace

void AddValidate(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Validate a Maskinporten access token as the API owner (SPEC §10)");
  auto* uri = cmd->add_option("--jwks-uri", a->jwks_uri, "the issuer's JWKS URL");
  auto* file = cmd->add_option("--jwks", a->jwks_file, "a JWKS file (\"-\" for stdin)");
  auto* issuer = cmd->add_option("--issuer", a->issuer,
                                 "discover the JWKS from this issuer's metadata; also the "
                                 "expected iss unless --iss is given");
  uri->excludes(file)->excludes(issuer);
  file->excludes(issuer);
  cmd->add_option("--iss", a->iss, "the expected iss, exactly (required with --jwks-uri / --jwks)");
  cmd->add_option("--scope", a->scopes, "a scope the token must carry (repeatable)");
  cmd->add_option("--consumer-org", a->consumer_orgs,
                  "an accepted consumer org number (repeatable; default: any)");
  cmd->add_option("--system-user-org", a->system_user_org,
                  "require a system user token (Altinn 3) for this customer org");
  cmd->add_flag("--allow-supplier", a->allow_supplier,
                "accept tokens a supplier got for a consumer through Altinn delegation");
  CLI::Option* audience =
      cmd->add_option("--audience", a->audience,
                      "this API's resource value: aud must contain it (default: tokens with aud "
                      "are refused)");
  cmd->add_option("--leeway", a->leeway, "clock leeway in seconds for exp, nbf, iat")
      ->capture_default_str();
  cmd->add_option("--now", a->now, "validate as of this Unix time (default: now)")
      ->check(UnixTimeFlag());
  cmd->add_option("--alg", a->alg, "accepted algorithms, comma-separated")->capture_default_str();
  cmd->add_option("--ca-file", a->ca_file, "PEM CA bundle for TLS to the issuer");
  cmd->add_flag("--json", a->json, "output is JSON (always; accepted for symmetry)");
  cmd->add_option("token", a->token, "the access token, or - to read it from stdin")->required();
  SetExamples(cmd,
              "  maskinporten validate --issuer https://test.maskinporten.no/ \\\n"
              "      --scope nav:example/ssu.read --allow-supplier \"$TOKEN\"\n"
              "  maskinporten validate --jwks-uri https://test.maskinporten.no/jwk \\\n"
              "      --iss https://test.maskinporten.no/ --consumer-org 910753614 - < token.txt\n"
              "  maskinporten validate --jwks jwks.json --iss http://127.0.0.1:8080/ \\\n"
              "      --now 1700000000 --leeway 0 \"$TOKEN\"\n"
              "Exit codes: 0 valid (JSON on stdout), 1 refused, 2 usage, 3 keys unreachable.\n");
  cmd->callback([a, audience, exit_code] {
    a->audience_set = audience->count() > 0;
    *exit_code = RunValidate(*a);
  });
}

}  // namespace mp::cli
