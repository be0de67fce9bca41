// An integration test's whole set-up in one program: a local Maskinporten in-process on port 0,
// a client registered with a fresh key through the seed, and a token fetched by the library's
// own TokenClient, exactly as against Maskinporten TEST. Prints the token's claims.
#include <iostream>

#include "maskinporten/emulator.h"

int main() {
  auto key = mp::PrivateKey::Generate(mp::Algorithm::kRS256, 2048);
  if (!key.ok()) return std::cerr << key.status().ToString() << "\n", 1;
  std::string jwk =
      mp::PublicKeyToJwk(key->public_key(), {.kid = "k1", .alg = mp::Algorithm::kRS256});

  mp::LocalMaskinportenOptions options;  // 127.0.0.1:0, registry in memory
  options.seed_json = R"({
    "scopes": [{"prefix": "nav", "subscope": "example", "owner_orgno": "889640782",
                "accessible_for_all": true}],
    "clients": [{"client_id": "my-client", "client_name": "example", "client_orgno": "910753614",
                 "scopes": ["nav:example"], "keys": [)" +
                      jwk + R"(]}]
  })";
  auto server = mp::LocalMaskinporten::Start(options);
  if (!server.ok()) return std::cerr << server.status().ToString() << "\n", 1;

  auto endpoints = mp::EndpointsForIssuer((*server)->issuer());
  auto credentials = mp::Credentials::WithKid(*key, "k1");
  if (!endpoints.ok() || !credentials.ok()) return 1;
  std::shared_ptr<mp::HttpClient> http = mp::MakeCurlHttpClient();
  mp::TokenClient client({.endpoints = *endpoints,
                          .client_id = "my-client",
                          .credentials = *credentials,
                          .http = http});
  auto token = client.Fetch({.scopes = {"nav:example"}});
  if (!token.ok()) return std::cerr << token.status().ToString() << "\n", 1;
  auto jws = mp::ParseJws(token->access_token);
  if (!jws.ok()) return 1;
  std::cout << "issuer " << (*server)->issuer() << "\n" << jws->payload << "\n";
  return 0;
}
