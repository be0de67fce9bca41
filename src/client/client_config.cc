// Client configuration from flags and environment variables (environment.h), and the
// self-service API's URL per environment (admin_client.h). The token endpoint presets and
// discovery are in src/grant/metadata.cc.
#include "maskinporten/client_config.h"

#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/strings.h"
#include "maskinporten/admin_client.h"
#include "maskinporten/org_number.h"

namespace mp {

namespace {

// The value of an environment variable; empty when unset.
std::string Env(const GetEnv& getenv, const char* name) {
  const char* v = getenv ? getenv(name) : nullptr;
  return v == nullptr ? std::string() : std::string(v);
}

void FillFromEnv(std::string& field, const GetEnv& getenv, const char* name) {
  if (field.empty()) field = Env(getenv, name);
}

// Flags and MASKINPORTEN_SCOPES are typed by people: any ASCII whitespace separates scopes.
std::vector<std::string> SplitScopes(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& entry : in) {
    for (std::string_view word : SplitAsciiWhitespace(entry)) out.emplace_back(word);
  }
  return out;
}

Status CheckEnvironment(const ClientConfig& c) {
  if (!c.issuer.empty()) {
    Result<Endpoints> ep = EndpointsForIssuer(c.issuer);
    if (!ep.ok()) return ep.status().WithContext("--issuer / MASKINPORTEN_ISSUER");
    return OkStatus();
  }
  if (c.env.empty()) {
    return Status(Errc::kInvalidArgument,
                  "environment missing: pass --env test|prod or --issuer URL, or set "
                  "MASKINPORTEN_ENV or MASKINPORTEN_ISSUER");
  }
  if (c.env != "test" && c.env != "prod") {
    return Status(Errc::kInvalidArgument, "unknown environment \"" + c.env +
                                              "\" (--env / MASKINPORTEN_ENV): use test or prod, "
                                              "or pass --issuer URL");
  }
  return OkStatus();
}

// Exactly one credential form: key+kid, cert+key, p12 (kid optional: a registered key kept in
// a PKCS#12 file), jwk (kid optional: the JWK's own kid is used otherwise).
Status CheckCredentials(const ClientConfig& c) {
  int forms = (c.jwk_file.empty() ? 0 : 1) + (c.p12_file.empty() ? 0 : 1) +
              (c.key_file.empty() && c.cert_file.empty() ? 0 : 1);
  if (forms == 0) {
    return Status(Errc::kInvalidArgument,
                  "credentials missing: pass --key with --kid, --cert with --key, --p12 or --jwk, "
                  "or set MASKINPORTEN_KEY_FILE with MASKINPORTEN_KID, MASKINPORTEN_CERT_FILE "
                  "with MASKINPORTEN_KEY_FILE, or MASKINPORTEN_P12_FILE");
  }
  if (forms > 1) {
    return Status(Errc::kInvalidArgument,
                  "more than one credential form: use exactly one of --key/--cert "
                  "(MASKINPORTEN_KEY_FILE/MASKINPORTEN_CERT_FILE), --p12 (MASKINPORTEN_P12_FILE) "
                  "or --jwk");
  }
  if (!c.cert_file.empty() && c.key_file.empty()) {
    return Status(Errc::kInvalidArgument,
                  "key missing for the certificate: pass --key or set MASKINPORTEN_KEY_FILE");
  }
  if (!c.cert_file.empty() && !c.kid.empty()) {
    // SPEC §4.2: a grant carries exactly one of x5c and kid.
    return Status(Errc::kInvalidArgument,
                  "--kid (MASKINPORTEN_KID) cannot be combined with --cert "
                  "(MASKINPORTEN_CERT_FILE): a grant carries either kid or x5c");
  }
  if (!c.key_file.empty() && c.cert_file.empty() && c.kid.empty()) {
    return Status(Errc::kInvalidArgument,
                  "kid missing for the key: pass --kid or set MASKINPORTEN_KID (the key id "
                  "registered on the client), or pass --cert / set MASKINPORTEN_CERT_FILE");
  }
  return OkStatus();
}

}  // namespace

Result<std::string> SelfServiceApiUrl(std::string_view env, std::string_view issuer) {
  // SPEC §9: Digdir's base URLs; the local Maskinporten serves the API under its issuer.
  if (!issuer.empty()) {
    return std::string(issuer) + (issuer.back() == '/' ? "" : "/") + "api/v1";
  }
  if (env == "test") return std::string("https://api.test.samarbeid.digdir.no/api/v1");
  if (env == "prod") return std::string("https://api.samarbeid.digdir.no/api/v1");
  return Status(Errc::kInvalidArgument, "no self-service API for environment \"" +
                                            std::string(env) +
                                            "\": use test or prod, or an issuer");
}

Result<ClientConfig> ResolveClientConfig(ClientConfig flags, const GetEnv& getenv) {
  ClientConfig c = std::move(flags);
  // Flags win as a whole for the environment too: --env test is not overridden by a
  // MASKINPORTEN_ISSUER left in the shell.
  if (c.env.empty() && c.issuer.empty()) {
    FillFromEnv(c.env, getenv, "MASKINPORTEN_ENV");
    FillFromEnv(c.issuer, getenv, "MASKINPORTEN_ISSUER");
  }
  FillFromEnv(c.client_id, getenv, "MASKINPORTEN_CLIENT_ID");
  FillFromEnv(c.consumer_org, getenv, "MASKINPORTEN_CONSUMER_ORG");
  if (c.scopes.empty()) c.scopes.push_back(Env(getenv, "MASKINPORTEN_SCOPES"));
  c.scopes = SplitScopes(c.scopes);

  // Flags win as a whole for the credential form: a --p12 flag is not mixed with a key file
  // from the environment. A kid from the environment fills in where a kid is what the form
  // needs (a bare key, a JWK) or when the whole credential comes from the environment.
  bool files_from_flags =
      !c.key_file.empty() || !c.cert_file.empty() || !c.p12_file.empty() || !c.jwk_file.empty();
  if (!files_from_flags) {
    c.key_file = Env(getenv, "MASKINPORTEN_KEY_FILE");
    c.cert_file = Env(getenv, "MASKINPORTEN_CERT_FILE");
    c.p12_file = Env(getenv, "MASKINPORTEN_P12_FILE");
  }
  bool bare_key = !c.key_file.empty() && c.cert_file.empty() && c.p12_file.empty();
  if (!files_from_flags || bare_key || !c.jwk_file.empty()) {
    FillFromEnv(c.kid, getenv, "MASKINPORTEN_KID");
  }
  if (!c.p12_file.empty()) FillFromEnv(c.p12_password, getenv, "MASKINPORTEN_P12_PASSWORD");

  MP_RETURN_IF_ERROR(CheckEnvironment(c));
  if (c.client_id.empty()) {
    return Status(Errc::kInvalidArgument,
                  "client id missing: pass --client-id or set MASKINPORTEN_CLIENT_ID");
  }
  if (c.scopes.empty()) {
    return Status(Errc::kInvalidArgument,
                  "scope missing: pass --scope or set MASKINPORTEN_SCOPES (space-separated)");
  }
  MP_RETURN_IF_ERROR(CheckCredentials(c));
  if (!c.consumer_org.empty()) {
    Result<OrgNumber> org = OrgNumber::Parse(c.consumer_org);
    if (!org.ok()) return org.status().WithContext("--consumer-org / MASKINPORTEN_CONSUMER_ORG");
  }
  return c;
}

}  // namespace mp
