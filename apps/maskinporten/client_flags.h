// The flags `grant` and `token` share: environment, client, scopes, credentials and the token
// request, resolved against the MASKINPORTEN_* environment variables (flags win).
#ifndef MASKINPORTEN_APPS_CLIENT_FLAGS_H_
#define MASKINPORTEN_APPS_CLIENT_FLAGS_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "maskinporten/client_config.h"
#include "maskinporten/grant.h"

namespace mp::cli {

struct ClientFlags {
  ClientConfig config;
  std::vector<std::string> scope_args;  // each may hold several space-separated scopes
  std::string password_env;  // PKCS#12 password variable (else MASKINPORTEN_P12_PASSWORD)
  std::string authorization_details;
  std::string consent_id;       // --consent: an Altinn 3 consent inside the token
  std::string consent_person;   // --person: who consented (fnr or org number)
  std::string system_user_org;  // --system-user-org: act as the system user of this customer
  std::string external_ref;     // --external-ref: the system user request's externalRef
  std::string alg = "RS256";
  int lifetime = 60;
  int64_t now = 0;
};

void AddClientFlags(CLI::App* cmd, ClientFlags* flags);

// Everything a grant needs, resolved and loaded.
struct ResolvedClient {
  ClientConfig config;
  Credentials credentials;
  GrantSpec spec;  // issuer, client_id, request, lifetime
};
Result<ResolvedClient> ResolveClient(const ClientFlags& flags);

}  // namespace mp::cli

#endif  // MASKINPORTEN_APPS_CLIENT_FLAGS_H_
