// A program a user of the installed agent component writes (tests/install/consumer_test.sh
// builds it with find_package and with pkg-config): the token agent embedded, started on
// loopback with a key file, asked GET /health through the client component's HttpClient, and
// stopped. Nothing is sent beyond loopback (no token is asked for): it must link, load and run
// against the installed libraries, and exit 0.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "maskinporten/agent.h"

int main() {
  auto key = mp::PrivateKey::Generate(mp::Algorithm::kRS256, 2048);
  if (!key.ok()) return std::cerr << key.status().ToString() << "\n", 1;
  char dir_template[] = "/tmp/mp-agent-consumer-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return std::perror("mkdtemp"), 1;
  const std::string key_file = std::string(dir_template) + "/key.pem";
  std::ofstream(key_file) << key->ToPkcs8Pem();

  mp::AgentOptions o;
  o.client.env = "test";
  o.client.client_id = "consumer-client";
  o.client.key_file = key_file;
  o.client.kid = "consumer-key";
  o.http = mp::MakeCurlHttpClient();
  o.threads = 1;
  auto agent = mp::Agent::Start(o);
  std::remove(key_file.c_str());
  std::remove(dir_template);
  if (!agent.ok()) return std::cerr << agent.status().ToString() << "\n", 1;
  auto health = o.http->Send({.method = "GET", .url = (*agent)->base_url() + "/health"});
  if (!health.ok() || health->status != 200) {
    return std::cerr << "health: " << (health.ok() ? health->body : health.status().ToString())
                     << "\n",
           1;
  }
  std::cout << "agent consumer: ok (" << (*agent)->token_endpoint() << ", issuer "
            << (*agent)->issuer() << ")\n";
  (*agent)->Stop();
  return 0;
}
