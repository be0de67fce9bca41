// The API owner's side in one program (docs/api-owner.md): a local Maskinporten in-process and an
// insurer's token from it; the AccessTokenValidator with a JWKS cache found by discovery; a refusal
// turned into an RFC 6750 answer; NAV's consent rule (the consent must cover the token's
// consumer); and the example API in NAV's role refusing a call without a consent.
// Built by every build and run as the ctest example.api_owner.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "maskinporten/emulator.h"

namespace {

int Die(const std::string& what, const mp::Status& status) {
  std::cerr << what << ": " << status.ToString() << "\n";
  return 1;
}

}  // namespace

int main() {
  // --- A local Maskinporten and a token for the insurer 910753614 (see examples/local_token.cc).
  auto key = mp::PrivateKey::Generate(mp::Algorithm::kRS256, 2048);
  if (!key.ok()) return Die("key", key.status());
  std::string jwk =
      mp::PublicKeyToJwk(key->public_key(), {.kid = "k1", .alg = mp::Algorithm::kRS256});
  mp::LocalMaskinportenOptions options;
  options.signing_key_bits = 2048;
  options.seed_json = R"({
    "scopes": [{"prefix": "nav", "subscope": "example/ssu.read", "owner_orgno": "889640782"}],
    "access": [{"scope": "nav:example/ssu.read", "consumer_orgno": "910753614"}],
    "clients": [{"client_id": "forsikring", "client_name": "forsikring",
                 "client_orgno": "910753614", "scopes": ["nav:example/ssu.read"],
                 "keys": [)" +
                      jwk + R"(]}]
  })";
  auto server = mp::LocalMaskinporten::Start(options);
  if (!server.ok()) return Die("local Maskinporten", server.status());
  const std::string issuer = (*server)->issuer();

  std::shared_ptr<mp::HttpClient> http = mp::MakeCurlHttpClient();
  auto endpoints = mp::Discover(*http, issuer);
  if (!endpoints.ok()) return Die("discovery", endpoints.status());
  auto credentials = mp::Credentials::WithKid(*key, "k1");
  if (!credentials.ok()) return Die("credentials", credentials.status());
  mp::TokenClient client({.endpoints = *endpoints,
                          .client_id = "forsikring",
                          .credentials = *credentials,
                          .http = http});
  auto token = client.Fetch({.scopes = {std::string(mp::kExampleApiScope)}});
  if (!token.ok()) return Die("token", token.status());

  // --- The validator: one per server, thread-safe. Keys come from the issuer's jwks_uri, found
  // by discovery, cached for a TTL and refetched (rate-limited) for an unknown kid.
  auto keys = mp::JwksCache::Discover(http, issuer);
  if (!keys.ok()) return Die("JWKS cache", keys.status());
  mp::AccessTokenValidator validator({.issuer = issuer,
                                      .required_scopes = {std::string(mp::kExampleApiScope)},
                                      .allow_supplier = true},
                                     *keys);

  // What an endpoint does with the Authorization header.
  const std::string header = "Bearer " + token->access_token;
  auto bearer = mp::BearerToken(header);
  if (!bearer.ok()) return Die("Authorization header", bearer.status());
  auto validated = validator.Validate(*bearer);
  if (!validated.ok()) return Die("validate", validated.status());
  // Authorise on the consumer: never on client_id.
  std::cout << "valid token: consumer " << validated->consumer.Iso6523() << ", scope "
            << validated->scopes.front() << ", jti " << validated->jti << "\n";

  // An endpoint that needs a scope the token lacks: 403 insufficient_scope (RFC 6750 §3.1).
  const std::string write_scope = "nav:example/ssu.write";
  auto refused = validator.Validate(*bearer, {write_scope});
  if (refused.ok()) return Die("expected a refusal", mp::OkStatus());
  mp::BearerChallenge challenge = mp::ChallengeFor(refused.status(), "ssu", {write_scope});
  std::cout << "refused: " << challenge.http_status
            << " WWW-Authenticate: " << challenge.www_authenticate << "\n";

  // --- NAV's consent rule: the consent must cover the token's consumer, be given by the person
  // the request names, be valid now and cover the service. Here a consent given to the insurer's
  // system supplier (311654306) instead of the insurer itself is refused.
  auto supplier = mp::OrgNumber::Parse("311654306");
  if (!supplier.ok()) return Die("org", supplier.status());
  const auto now = std::chrono::system_clock::now();
  mp::Consent consent{.id = "7ac3b8ae-0b6a-4b5e-9c11-3a8e2f2d9c01",
                      .offered_by = "01819010001",
                      .covered_by = *supplier,
                      .services = {{.id = std::string(mp::kExampleApiService)}},
                      .consented_at = now - std::chrono::hours(1),
                      .valid_to = now + std::chrono::hours(24 * 365)};
  mp::ConsentRequirement requirement{.person = "01819010001",
                                     .service = std::string(mp::kExampleApiService)};
  mp::Status rule = mp::CheckConsent(*validated, consent, requirement);
  std::cout << "consent to " << supplier->digits() << ": " << rule.ToString() << "\n";
  if (rule.code() != mp::Errc::kConsentOrgMismatch) return Die("expected org mismatch", rule);
  consent.covered_by = validated->consumer;
  rule = mp::CheckConsent(*validated, consent, requirement);
  if (!rule.ok()) return Die("consent", rule);
  std::cout << "consent to " << consent.covered_by.digits() << " for person "
            << mp::MaskPersonId(consent.offered_by) << ": ok\n";

  // --- The example API in NAV's role: every rule enforced, every decision audited. A call
  // without a consent (no NAV-Samtykke-Token, no Altinn 3 consent in the token) is refused.
  mp::ExampleApiOptions api_options;
  api_options.maskinporten_issuer = issuer;
  api_options.http = http;
  api_options.on_audit = [](std::string_view line) { std::cout << "audit " << line << "\n"; };
  auto api = mp::ExampleApi::Start(api_options);
  if (!api.ok()) return Die("example API", api.status());
  auto answer = http->Send({.method = "GET",
                            .url = (*api)->records_url(),
                            .headers = {{"Authorization", header},
                                        {"NAV-PersonIdent", "01819010001"},
                                        {"x-callid", "5f0c2a1e-8d4a-4c47-9a51-3e2f7b9d0a11"}}});
  if (!answer.ok()) return Die("GET records", answer.status());
  std::cout << "GET /ssu/v1/records without consent: " << answer->status << " "
            << answer->Header("www-authenticate").value_or("") << "\n";
  if (answer->status != 401 && answer->status != 403) {
    return Die("expected 401 or 403", mp::OkStatus());
  }
  std::cout << "api owner example: ok\n";
  return 0;
}
