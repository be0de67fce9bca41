// Client configuration from flags and MASKINPORTEN_* environment variables, and the credentials
// it names. Component client.
//
//   MP_ASSIGN_OR_RETURN(mp::ClientConfig config, mp::ResolveClientConfig(flags, std::getenv));
//   MP_ASSIGN_OR_RETURN(mp::Credentials credentials, mp::LoadCredentials(config));
#ifndef MASKINPORTEN_CLIENT_CONFIG_H_
#define MASKINPORTEN_CLIENT_CONFIG_H_

#include <functional>
#include <string>
#include <vector>

#include "maskinporten/client_export.h"
#include "maskinporten/grant.h"
#include "maskinporten/status.h"

namespace mp {

// Client configuration; flags win over MASKINPORTEN_* environment variables.
struct MP_CLIENT_EXPORT ClientConfig {
  std::string env{};                  // MASKINPORTEN_ENV: "test" | "prod"
  std::string issuer{};               // MASKINPORTEN_ISSUER (wins over env)
  std::string client_id{};            // MASKINPORTEN_CLIENT_ID
  std::vector<std::string> scopes{};  // MASKINPORTEN_SCOPES (space-separated)
  std::string kid{};                  // MASKINPORTEN_KID
  std::string key_file{};             // MASKINPORTEN_KEY_FILE
  std::string cert_file{};            // MASKINPORTEN_CERT_FILE
  std::string p12_file{};             // MASKINPORTEN_P12_FILE
  std::string p12_password{};         // MASKINPORTEN_P12_PASSWORD (a secret: never logged)
  std::string jwk_file{};             // private JWK file (no environment variable)
  std::string consumer_org{};         // MASKINPORTEN_CONSUMER_ORG
  std::string resource{};
};

// Fills the empty fields of `flags` from the environment (read through `getenv`, injectable
// for tests) and checks the result: a known env or an issuer; client_id; at least one scope;
// exactly one credential form (key+kid, cert+key, p12, jwk); a valid consumer_org.
// Errc::kInvalidArgument naming the flag and variable (kInvalidOrgNumber for consumer_org).
// Flags choose the credential form as a whole: when any of key_file, cert_file, p12_file or
// jwk_file is set, MASKINPORTEN_KEY_FILE / _CERT_FILE / _P12_FILE are not read; MASKINPORTEN_KID
// fills in for a bare key or a JWK, or when the credential files come from the environment too.
// `issuer` wins over `env`; when it is empty, `env` is "test" or "prod" and `issuer` stays empty.
// Scopes are split on whitespace.
using GetEnv = std::function<const char*(const char*)>;
MP_CLIENT_EXPORT Result<ClientConfig> ResolveClientConfig(ClientConfig flags, const GetEnv& getenv);

// The credentials a resolved configuration names, read from its files:
//   key_file + kid            -> a registered key (Credentials::WithKid)
//   key_file + cert_file      -> virksomhetssertifikat (x5c: the chain in cert_file, leaf first)
//   p12_file (+ p12_password) -> virksomhetssertifikat from PKCS#12 (or its key with kid)
//   jwk_file (+ kid)          -> a private JWK (kid from the flag, else the JWK's own kid)
// Errors name the file; key material is wiped from memory after use.
MP_CLIENT_EXPORT Result<Credentials> LoadCredentials(const ClientConfig& config,
                                                     Algorithm alg = Algorithm::kRS256);

}  // namespace mp

#endif  // MASKINPORTEN_CLIENT_CONFIG_H_
