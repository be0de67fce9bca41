// A program a user of the installed client component writes (tests/install/consumer_test.sh
// builds it with find_package and with pkg-config): a key, a signed grant checked by the
// library's own linter and verifier, and a token client set up as get_token.cc does. Nothing is
// sent: it must link, load and run against the installed libraries, and exit 0.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "maskinporten/maskinporten.h"

int main() {
  auto key = mp::PrivateKey::Generate(mp::Algorithm::kRS256, 2048);
  if (!key.ok()) return std::cerr << key.status().ToString() << "\n", 1;
  auto credentials = mp::Credentials::WithKid(*key, "consumer-key");
  if (!credentials.ok()) return std::cerr << credentials.status().ToString() << "\n", 1;
  auto endpoints = mp::EndpointsForPreset("test");
  if (!endpoints.ok()) return std::cerr << endpoints.status().ToString() << "\n", 1;

  mp::GrantSpec spec{.issuer = endpoints->issuer, .client_id = "consumer-client"};
  spec.request.scopes = {"nav:example"};
  auto grant = mp::BuildGrant(spec, *credentials, mp::SystemClock::Instance());
  if (!grant.ok()) return std::cerr << grant.status().ToString() << "\n", 1;
  for (const mp::LintFinding& finding : mp::LintGrant(grant->assertion, {})) {
    if (finding.severity == mp::LintSeverity::kError) {
      return std::cerr << "lint: " << finding.message << "\n", 1;
    }
  }
  auto verified = mp::VerifyJws(grant->assertion, key->public_key(),
                                mp::VerifyOptions({mp::Algorithm::kRS256}));
  if (!verified.ok()) return std::cerr << verified.status().ToString() << "\n", 1;

  std::shared_ptr<mp::HttpClient> http = mp::MakeCurlHttpClient();
  mp::TokenClient client({.endpoints = *endpoints,
                          .client_id = "consumer-client",
                          .credentials = *credentials,
                          .http = http});
  std::cout << "consumer: ok (maskinporten " MASKINPORTEN_VERSION ", library "
            << mp::LibraryVersion() << ", grant of " << grant->assertion.size() << " bytes)\n";
  return 0;
}
