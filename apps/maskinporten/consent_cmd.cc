// maskinporten consent verify: what an API in NAV's role checks for a consent-based call
// (SPEC §10, §11): the Maskinporten access token, the consent (an Altinn 2 samtykketoken, or the
// Altinn 3 consent inside the access token), then the org-number rule (CheckConsent).
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/json.h"
#include "maskinporten/certificate.h"
#include "maskinporten/consent.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/validator.h"

namespace mp::cli {
namespace {

struct VerifyArgs {
  std::string consent;
  std::string access_token;
  std::string person;
  std::string service;
  // The samtykketoken's keys: one of these (only with --consent).
  std::string altinn_jwks;
  std::string altinn_jwks_uri;
  std::string altinn_cert;
  std::string altinn_issuer;
  std::string consent_iss;
  std::string consent_aud;
  // The access token's keys: one of these.
  std::string jwks;
  std::string jwks_uri;
  std::string issuer;
  std::string iss;
  std::vector<std::string> scopes;
  bool allow_supplier = false;
  std::string ca_file;
  int64_t now = 0;
};

// A certificate's (or key file's) public key as the only key, under the kid the token names, so
// the token verifies when its signature does, whatever its kid.
Result<std::shared_ptr<JwksCache>> FixedFromCert(const std::string& path,
                                                 const std::string& token) {
  MP_ASSIGN_OR_RETURN(PublicKey key, LoadPublicKeyFile(path));
  MP_ASSIGN_OR_RETURN(ParsedJws parsed, ParseJws(token));
  Result<Jwk> jwk = ParseJwk(PublicKeyToJwk(key, {.kid = parsed.header.kid}));
  if (!jwk.ok()) return jwk.status().WithContext(path);
  std::vector<Jwk> keys;
  keys.push_back(*std::move(jwk));
  MP_ASSIGN_OR_RETURN(Jwks jwks, Jwks::FromKeys(std::move(keys)));
  return JwksCache::Fixed(std::move(jwks));
}

nlohmann::ordered_json ConsentJson(const Consent& c) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["form"] = c.form == Consent::Form::kAltinn2Token ? "altinn2" : "altinn3";
  j["id"] = c.id;
  j["covered_by"] = c.covered_by.digits();
  // A person id only masked and as a pseudonym; an org number in full.
  const bool org = c.offered_by.size() == 9;
  j["offered_by"] = org ? c.offered_by : MaskPersonId(c.offered_by);
  if (!org) j["offered_by_hash"] = HashPersonId(c.offered_by);
  j["handled_by"] = c.handled_by ? nlohmann::ordered_json(c.handled_by->digits()) : nullptr;
  nlohmann::ordered_json services = nlohmann::ordered_json::array();
  nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
  for (const ConsentService& s : c.services) {
    services.push_back(s.id);
    if (s.metadata.empty()) continue;
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : s.metadata) m[k] = v;
    metadata[s.id] = m;
  }
  j["services"] = services;
  j["metadata"] = metadata;
  auto secs = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  j["consented_at"] = secs(c.consented_at);
  j["valid_to"] = secs(c.valid_to);
  j["issuer"] = c.issuer;
  return j;
}

int RunVerify(const VerifyArgs& a) {
  const int access_sources = !a.jwks.empty() + !a.jwks_uri.empty() + !a.issuer.empty();
  if (access_sources != 1) {
    return UsageError(
        "give exactly one of --jwks, --jwks-uri or --issuer (the access token's keys)");
  }
  const std::string iss = !a.iss.empty() ? a.iss : a.issuer;
  if (iss.empty()) return UsageError("--iss is required with --jwks or --jwks-uri");
  const int altinn_sources = !a.altinn_jwks.empty() + !a.altinn_jwks_uri.empty() +
                             !a.altinn_cert.empty() + !a.altinn_issuer.empty();
  if (!a.consent.empty() && altinn_sources != 1) {
    return UsageError(
        "--consent needs exactly one of --altinn-jwks, --altinn-jwks-uri, --altinn-cert or "
        "--altinn-issuer (the samtykketoken's keys)");
  }
  if (a.consent.empty() && (altinn_sources != 0 || !a.consent_iss.empty())) {
    return UsageError(
        "the --altinn-* and --consent-iss flags need --consent (without it the "
        "Altinn 3 consent in the access token is checked)");
  }
  if (a.consent == "-" && a.access_token == "-") {
    return UsageError("only one of --consent and --access-token can be read from stdin");
  }

  FakeClock fixed(a.now);
  const Clock* clock = a.now != 0 ? static_cast<const Clock*>(&fixed) : &SystemClock::Instance();
  std::shared_ptr<HttpClient> http = MakeCurlHttpClient({.ca_file = a.ca_file});

  // 1. The Maskinporten access token.
  Result<std::string> access_token = ReadTokenArg(a.access_token);
  if (!access_token.ok()) return FailFlags(access_token.status().WithContext("--access-token"));
  Result<std::shared_ptr<JwksCache>> keys =
      LoadKeySource(a.jwks, a.jwks_uri, a.issuer, http, clock);
  if (!keys.ok()) return FailFlags(keys.status());
  AccessTokenPolicy policy;
  policy.issuer = iss;
  policy.required_scopes = a.scopes;
  policy.allow_supplier = a.allow_supplier;
  policy.clock = clock;
  AccessTokenValidator validator(std::move(policy), *keys);
  Result<ValidatedAccessToken> token = validator.Validate(*access_token);
  if (!token.ok()) return Fail(token.status().WithContext("access token"));

  // 2. The consent.
  Result<Consent> consent = Status(Errc::kInternal, "no consent read");
  if (!a.consent.empty()) {
    Result<std::string> samtykke = ReadTokenArg(a.consent);
    if (!samtykke.ok()) return FailFlags(samtykke.status().WithContext("--consent"));
    Result<std::shared_ptr<JwksCache>> altinn_keys =
        !a.altinn_cert.empty()
            ? FixedFromCert(a.altinn_cert, *samtykke)
            : LoadKeySource(a.altinn_jwks, a.altinn_jwks_uri, a.altinn_issuer, http, clock);
    if (!altinn_keys.ok()) return Fail(altinn_keys.status());
    ConsentVerifyOptions o;
    o.issuer = !a.consent_iss.empty()     ? a.consent_iss
               : !a.altinn_issuer.empty() ? a.altinn_issuer
                                          : std::string("altinn.no");
    if (!a.consent_aud.empty()) o.audience = a.consent_aud;
    o.clock = clock;
    consent = VerifyAltinn2Consent(*samtykke, **altinn_keys, o);
    if (!consent.ok()) return Fail(consent.status().WithContext("samtykketoken"));
  } else {
    consent = ConsentFromAccessToken(*token);
    if (!consent.ok()) return Fail(consent.status());
  }

  // 3. The rule.
  Status rule =
      CheckConsent(*token, *consent, {.person = a.person, .service = a.service, .clock = clock});
  if (!rule.ok()) return Fail(rule);

  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["valid"] = true;
  out["consent"] = ConsentJson(*consent);
  nlohmann::ordered_json at = nlohmann::ordered_json::object();
  at["consumer"] = token->consumer.Iso6523();
  at["supplier"] = token->supplier ? nlohmann::ordered_json(token->supplier->Iso6523()) : nullptr;
  at["delegation_source"] = token->delegation_source;
  at["scopes"] = token->scopes;
  at["client_id"] = token->client_id;
  at["jti"] = token->jti;
  out["access_token"] = at;
  std::cout << out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  return kExitOk;
}

}  // namespace

void AddConsent(CLI::App& app, int* exit_code) {
  CLI::App* consent =
      app.add_subcommand("consent", "Check a consent the way an API in NAV's role does (SPEC §11)");
  consent->require_subcommand(1);
  SetExamples(consent,
              "  maskinporten consent verify --access-token \"$TOKEN\" --consent \"$SAMTYKKE\" \\\n"
              "      --person 01819010001 --service 5252_2 --altinn-jwks altinn.jwks.json \\\n"
              "      --jwks maskinporten.jwks.json --iss https://test.maskinporten.no/\n");

  auto a = std::make_shared<VerifyArgs>();
  CLI::App* verify = consent->add_subcommand(
      "verify",
      "Validate the access token, then the consent (Altinn 2 samtykketoken with --consent, else "
      "the Altinn 3 consent in the token), then NAV's rule: CoveredBy == consumer, OfferedBy == "
      "person, valid now, covers the service. Prints JSON; exit 1 when refused");
  verify->add_option("--access-token", a->access_token, "the Maskinporten token, or - for stdin")
      ->required();
  verify->add_option("--consent", a->consent,
                     "the Altinn 2 samtykketoken (NAV-Samtykke-Token), or - for stdin; omit to "
                     "check the Altinn 3 consent inside the access token");
  verify->add_option("--person", a->person, "the person the call is about (NAV-PersonIdent)")
      ->required();
  verify->add_option("--service", a->service,
                     "the service the consent must cover, e.g. 5252_2 (default: any)");
  verify->add_option("--altinn-jwks", a->altinn_jwks, "JWKS file of the samtykketoken keys");
  verify->add_option("--altinn-jwks-uri", a->altinn_jwks_uri, "JWKS URL of the samtykketoken keys");
  verify->add_option("--altinn-cert", a->altinn_cert,
                     "certificate (or public key) whose key signed the samtykketoken, any kid");
  verify->add_option("--altinn-issuer", a->altinn_issuer,
                     "Altinn issuer URL: keys found by <url>.well-known/"
                     "oauth-authorization-server; also the default --consent-iss");
  verify->add_option("--consent-iss", a->consent_iss,
                     "required iss of the samtykketoken (default altinn.no, or --altinn-issuer)");
  verify->add_option("--consent-aud", a->consent_aud,
                     "required aud of the samtykketoken (default: not checked)");
  verify->add_option("--jwks", a->jwks, "JWKS file of the Maskinporten keys");
  verify->add_option("--jwks-uri", a->jwks_uri, "JWKS URL of the Maskinporten keys");
  verify->add_option("--issuer", a->issuer,
                     "Maskinporten issuer URL: keys found by discovery; also the default --iss");
  verify->add_option("--iss", a->iss, "required iss of the access token (exact)");
  verify->add_option("--scope", a->scopes, "scope the access token must carry (repeatable)");
  verify->add_flag("--allow-supplier", a->allow_supplier,
                   "accept a token a supplier got for the consumer through Altinn delegation");
  verify->add_option("--ca-file", a->ca_file, "PEM CA bundle for fetching keys over https");
  verify->add_option("--now", a->now, "check times at this Unix time instead of now")
      ->check(UnixTimeFlag());
  SetExamples(
      verify,
      "  # Altinn 2: samtykketoken in NAV-Samtykke-Token, keys from local files\n"
      "  maskinporten consent verify --access-token \"$TOKEN\" --consent \"$SAMTYKKE\" \\\n"
      "      --person 01819010001 --service 5252_2 --altinn-jwks altinn.jwks.json \\\n"
      "      --jwks maskinporten.jwks.json --iss https://test.maskinporten.no/ \\\n"
      "      --scope nav:example/ssu.read --allow-supplier\n"
      "  # against a local Maskinporten and its Altinn stand-in (keys by discovery)\n"
      "  maskinporten consent verify --access-token \"$TOKEN\" --consent - \\\n"
      "      --person 01819010001 --issuer http://127.0.0.1:8080/ \\\n"
      "      --altinn-issuer http://127.0.0.1:8080/altinn/ < samtykke.jwt\n"
      "  # Altinn 3: the consent travels in the access token's authorization_details\n"
      "  maskinporten consent verify --access-token - --person 01819010001 \\\n"
      "      --issuer https://test.maskinporten.no/ --service nav_ssu_samtykke < token.jwt\n");
  verify->callback([a, exit_code] { *exit_code = RunVerify(*a); });
}

}  // namespace mp::cli
