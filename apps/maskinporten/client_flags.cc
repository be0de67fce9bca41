#include "client_flags.h"

#include <cstdlib>

#include "cli_common.h"
#include "maskinporten/endpoints.h"

namespace mp::cli {

void AddClientFlags(CLI::App* cmd, ClientFlags* f) {
  cmd->add_option("--env", f->config.env, "test | prod (MASKINPORTEN_ENV)");
  cmd->add_option("--issuer", f->config.issuer,
                  "issuer URL with trailing slash, e.g. a local server (MASKINPORTEN_ISSUER)");
  cmd->add_option("--client-id", f->config.client_id, "client_id (MASKINPORTEN_CLIENT_ID)");
  cmd->add_option("--scope", f->scope_args,
                  "scope(s), space-separated or repeated (MASKINPORTEN_SCOPES)");
  cmd->add_option("--key", f->config.key_file, "private key PEM/DER (MASKINPORTEN_KEY_FILE)");
  cmd->add_option("--kid", f->config.kid, "registered key id (MASKINPORTEN_KID)");
  cmd->add_option("--cert", f->config.cert_file,
                  "virksomhetssertifikat chain PEM, leaf first (MASKINPORTEN_CERT_FILE)");
  cmd->add_option("--p12", f->config.p12_file, "PKCS#12 bundle (MASKINPORTEN_P12_FILE)");
  cmd->add_option("--password-env", f->password_env,
                  "variable holding the PKCS#12 password (default MASKINPORTEN_P12_PASSWORD)");
  cmd->add_option("--jwk", f->config.jwk_file, "private JWK file");
  cmd->add_option("--consumer-org", f->config.consumer_org,
                  "act for this organisation via Altinn delegation (MASKINPORTEN_CONSUMER_ORG)");
  cmd->add_option("--resource", f->config.resource, "audience-restricted token for this API");
  cmd->add_option("--authorization-details", f->authorization_details,
                  "one RFC 9396 entry as a JSON object");
  cmd->add_option("--consent", f->consent_id,
                  "Altinn 3 consent id: the token carries the consent (needs --person)");
  cmd->add_option("--person", f->consent_person,
                  "with --consent: the person (fnr) or org number who consented");
  cmd->add_option("--system-user-org", f->system_user_org,
                  "Altinn 3 system user: the token acts as the approved system user of this "
                  "customer org for the client's system");
  cmd->add_option("--external-ref", f->external_ref,
                  "with --system-user-org: the system user request's externalRef (default: the "
                  "customer org)");
  cmd->add_option("--alg", f->alg, "RS256 | RS384 | RS512")->capture_default_str();
  cmd->add_option("--lifetime", f->lifetime, "grant lifetime in seconds (1..120)")
      ->capture_default_str();
  cmd->add_option("--now", f->now, "sign as if the time were this Unix time")
      ->check(UnixTimeFlag());
}

Result<ResolvedClient> ResolveClient(const ClientFlags& f) {
  ClientConfig flags = f.config;
  // ResolveClientConfig splits space-separated entries, as it does MASKINPORTEN_SCOPES.
  flags.scopes.insert(flags.scopes.end(), f.scope_args.begin(), f.scope_args.end());
  if (!f.password_env.empty()) {
    MP_ASSIGN_OR_RETURN(flags.p12_password, ReadSecretEnv(f.password_env));
  }
  MP_ASSIGN_OR_RETURN(ClientConfig config,
                      ResolveClientConfig(flags, [](const char* n) { return std::getenv(n); }));
  Result<Algorithm> alg = ParseAlgorithm(f.alg);
  if (!alg.ok() ||
      (*alg != Algorithm::kRS256 && *alg != Algorithm::kRS384 && *alg != Algorithm::kRS512)) {
    return Status(Errc::kInvalidArgument,
                  "--alg must be RS256, RS384 or RS512 (Maskinporten's metadata), got " + f.alg);
  }
  if (f.lifetime < 1 || f.lifetime > 120) {
    return Status(Errc::kInvalidArgument,
                  "--lifetime must be 1..120 seconds, got " + std::to_string(f.lifetime));
  }
  MP_ASSIGN_OR_RETURN(Credentials creds, LoadCredentials(config, *alg));
  MP_ASSIGN_OR_RETURN(Endpoints ep, config.issuer.empty() ? EndpointsForPreset(config.env)
                                                          : EndpointsForIssuer(config.issuer));
  GrantSpec spec{.issuer = ep.issuer,
                 .client_id = config.client_id,
                 .request = {.scopes = config.scopes},
                 .lifetime = std::chrono::seconds(f.lifetime)};
  if (!config.resource.empty()) spec.request.resource = config.resource;
  if (!config.consumer_org.empty()) {
    MP_ASSIGN_OR_RETURN(OrgNumber org, OrgNumber::Parse(config.consumer_org));
    spec.request.consumer_org = org;
  }
  if (!f.authorization_details.empty())
    spec.request.authorization_details = f.authorization_details;
  if (!f.consent_id.empty() || !f.consent_person.empty()) {
    if (f.consent_id.empty() || f.consent_person.empty()) {
      return Status(Errc::kInvalidArgument, "--consent and --person go together");
    }
    if (!f.authorization_details.empty()) {
      return Status(Errc::kInvalidArgument,
                    "--consent and --authorization-details cannot both be given (one entry per "
                    "request)");
    }
    Result<std::string> details = ConsentAuthorizationDetails(f.consent_id, f.consent_person);
    if (!details.ok()) return details.status().WithContext("--consent/--person");
    spec.request.authorization_details = *details;
  }
  if (!f.system_user_org.empty() || !f.external_ref.empty()) {
    if (f.system_user_org.empty()) {
      return Status(Errc::kInvalidArgument, "--external-ref needs --system-user-org");
    }
    if (spec.request.authorization_details.has_value()) {
      return Status(Errc::kInvalidArgument,
                    "--system-user-org cannot be combined with --consent or "
                    "--authorization-details (one entry per request)");
    }
    Result<OrgNumber> customer = OrgNumber::Parse(f.system_user_org);
    if (!customer.ok()) return customer.status().WithContext("--system-user-org");
    Result<std::string> details = SystemUserAuthorizationDetails(
        *customer,
        f.external_ref.empty() ? std::nullopt : std::optional<std::string_view>(f.external_ref));
    if (!details.ok()) return details.status().WithContext("--external-ref");
    spec.request.authorization_details = *details;
  }
  return ResolvedClient{.config = config, .credentials = creds, .spec = spec};
}

}  // namespace mp::cli
