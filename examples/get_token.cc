// Gets a Maskinporten access token with a registered key and prints it: the ~20 lines an
// integration needs. Configuration from MASKINPORTEN_* variables (docs/client.md).
#include <cstdlib>
#include <iostream>

#include "maskinporten/maskinporten.h"

int main() {
  auto config = mp::ResolveClientConfig({}, [](const char* name) { return std::getenv(name); });
  if (!config.ok()) return std::cerr << config.status().ToString() << "\n", 2;
  auto credentials = mp::LoadCredentials(*config);
  auto endpoints = config->issuer.empty() ? mp::EndpointsForPreset(config->env)
                                          : mp::EndpointsForIssuer(config->issuer);
  if (!credentials.ok() || !endpoints.ok()) {
    std::cerr << credentials.status().ToString() << endpoints.status().ToString() << "\n";
    return 2;
  }
  std::shared_ptr<mp::HttpClient> http = mp::MakeCurlHttpClient();
  mp::TokenClient client({.endpoints = *endpoints,
                          .client_id = config->client_id,
                          .credentials = *credentials,
                          .http = http});
  std::unique_ptr<mp::TokenSource> source = mp::MakeTokenSource(client);
  mp::TokenProvider provider(*source);  // cache: reuse until shortly before expiry
  auto token = provider.Get({.scopes = config->scopes});
  if (!token.ok()) return std::cerr << token.status().ToString() << "\n", 1;
  std::cout << token->access_token << "\n";
}
