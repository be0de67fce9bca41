#include "fuzz_emulator.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "core/json.h"
#include "fuzz_check.h"
#include "fuzz_keys.h"
#include "fuzz_world.h"
#include "maskinporten/clock.h"
#include "maskinporten/jws.h"
#include "server/registry/registry_rules.h"

namespace mp::fuzz {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using OrderedJson = nlohmann::ordered_json;

void OrDie(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "fuzz emulator: %s: %s\n", what, s.ToString().c_str());
    std::abort();
  }
}

template <typename T>
T OrDie(Result<T> r, const char* what) {
  OrDie(r.status(), what);
  return std::move(r).value();
}

const FakeClock& FrozenClock() {
  static const FakeClock* clock = new FakeClock(kFuzzNow);
  return *clock;
}

void AddConsent(server::Store& store, std::string_view code, server::ConsentStatus status) {
  server::ConsentRecord c;
  c.authorization_code = std::string(code);
  c.covered_by = std::string(kOrgA);
  c.offered_by = c.required_delegator = std::string(kPerson);
  c.offered_by_name = c.required_delegator_name = "Nordmann";
  c.redirect_url = "https://forsikring.example/samtykke/ferdig";
  c.resources = {{.service_code = "5252", .service_edition_code = 2, .metadata = {}}};
  c.valid_to = kFuzzNow + 365 * 86400;
  c.created = kFuzzNow - 60;
  OrDie(store.CreateConsent(c), "consent");
  if (status != server::ConsentStatus::kUnopened) {
    OrDie(store.DecideConsent(code, status, kFuzzNow - 30), "decide consent");
  }
}

// Access tokens of the emulator's signing key (the fuzz RSA key in every emulator) and the
// grant, made once per process.
struct Placeholders {
  std::vector<std::pair<std::string, std::string>> values;
};

std::string MintToken(const server::SigningKeySet& keys, std::string_view orgno) {
  OrderedJson claims;
  claims["scope"] = kBearerScopes;
  claims["iss"] = kIssuer;
  claims["client_amr"] = "private_key_jwt";
  claims["token_type"] = "Bearer";
  claims["exp"] = kFuzzNow + 3600;
  claims["iat"] = kFuzzNow;
  claims["client_id"] = "fuzz-admin-" + std::string(orgno);
  claims["jti"] = "fuzz-bearer-" + std::string(orgno);
  claims["consumer"] = {{"authority", "iso6523-actorid-upis"},
                        {"ID", "0192:" + std::string(orgno)}};
  return OrDie(
      SignJws(keys.current, claims.dump(), {.alg = Algorithm::kRS256, .kid = keys.current_kid}),
      "bearer token");
}

const Placeholders& GetPlaceholders() {
  static const Placeholders* p = [] {
    FuzzEmulator emulator;
    auto keys = emulator.e().keys->Snapshot();
    auto* out = new Placeholders();
    out->values = {
        {"@TOKEN_A@", MintToken(*keys, kOrgA)},
        {"@TOKEN_B@", MintToken(*keys, kOrgB)},
        {"@TOKEN_OWNER@", MintToken(*keys, kOwnerOrg)},
        {"@GRANT@",
         OrDie(SignJws(FuzzRsaKey(), FuzzGrantClaims("fuzz-placeholder-grant"),
                       {.alg = Algorithm::kRS256, .kid = std::string(kClientKid), .typ = "JWT"}),
               "grant")}};
    return out;
  }();
  return *p;
}

}  // namespace

FuzzEmulator::FuzzEmulator() {
  e_.options.db_path = ":memory:";
  e_.options.seed_json = FuzzSeedJson();
  e_.options.test_controls = true;
  e_.options.web = true;
  e_.options.signing_key_bits = 2048;
  e_.options.signing_key_pem = std::string(kRsa2048Pem);
  e_.options.web_login_key_pem = std::string(kRsa2048Pem);
  e_.options.clock = &FrozenClock();
  e_.consent_signer.initial_key_pem = std::string(kRsa2048Pem);  // its own issuer and JWKS
  OrDie(server::ConfigureEmulator(e_), "configure");
  AddConsent(*e_.store, kConsentAccepted, server::ConsentStatus::kAccepted);
  AddConsent(*e_.store, kConsentUnopened, server::ConsentStatus::kUnopened);
  server::AddEmulatorRoutes(e_, std::string(kBaseUrl));
}

HttpResponse FuzzEmulator::Dispatch(HttpRequest request) const {
  static const bool verbose = std::getenv("MP_FUZZ_VERBOSE") != nullptr;
  if (!verbose) return e_.router.Dispatch(std::move(request));
  const std::string what = request.method + " " + request.target;
  HttpResponse r = e_.router.Dispatch(std::move(request));
  std::fprintf(stderr, "%s -> %d %s\n", what.c_str(), r.status, r.body.substr(0, 200).c_str());
  return r;
}

std::string FuzzEmulator::RegistrySnapshot() const {
  namespace api = server::registry;
  server::Store& store = *e_.store;
  OrderedJson out;
  for (const auto& o : OrDie(store.ListOrganizations(), "orgs")) {
    out["orgs"].push_back({o.orgno, o.name});
  }
  for (const auto& c : OrDie(store.ListClients("", true), "clients")) {
    out["clients"].push_back(api::ClientJson(c));
    out["jwks"].push_back(api::JwksJson(OrDie(store.GetClientKeys(c.client_id), "keys")));
  }
  for (const auto& s : OrDie(store.ListScopes("", true), "scopes")) {
    out["scopes"].push_back(api::ScopeJson(s));
    for (const auto& a : OrDie(store.ListAccessForScope(s.name), "access")) {
      out["access"].push_back(api::AccessJson(a));
    }
  }
  for (const auto& d : OrDie(store.ListDelegations(""), "delegations")) {
    out["delegations"].push_back(api::DelegationJson(d));
  }
  for (const auto& c : OrDie(store.ListConsents(""), "consents")) {
    out["consents"].push_back({c.authorization_code, c.covered_by, c.offered_by, c.handled_by,
                               c.valid_to, static_cast<int>(c.status), c.decided,
                               c.resources.size()});
  }
  return out.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

const std::string& FreshRegistrySnapshot() {
  static const std::string* snapshot = new std::string(FuzzEmulator().RegistrySnapshot());
  return *snapshot;
}

std::string ExpandPlaceholders(std::string_view text) {
  std::string out(text);
  if (out.find('@') == std::string::npos) return out;
  for (const auto& [name, value] : GetPlaceholders().values) {
    for (size_t at = out.find(name); at != std::string::npos; at = out.find(name, at)) {
      out.replace(at, name.size(), value);
      at += value.size();
    }
  }
  return out;
}

HttpRequest Request(std::string method, std::string target, std::string_view token,
                    std::string body, std::string content_type) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  const size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  if (!token.empty())
    r.headers.emplace_back("authorization", "Bearer " + ExpandPlaceholders(token));
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
  r.body = std::move(body);
  r.remote = "127.0.0.1:40000";
  r.trace_id = "0123456789abcdef0123456789abcdef";
  return r;
}

void CheckResponse(const HttpResponse& r, std::initializer_list<int> allowed) {
  bool known = false;
  for (int s : allowed) known = known || s == r.status;
  if (!known) std::fprintf(stderr, "status %d: %s\n", r.status, r.body.substr(0, 300).c_str());
  FUZZ_CHECK(known);
  for (const auto& [name, value] : r.headers) {
    FUZZ_CHECK(!name.empty());
    FUZZ_CHECK(name.find_first_of("\r\n:") == std::string::npos);
    FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
  }
  const bool json = r.content_type.rfind("application/json", 0) == 0;
  if (r.status >= 400) FUZZ_CHECK(json);
  if (!json) return;
  Result<nlohmann::json> body =
      ParseStrictJson(r.body, {.max_bytes = size_t{1} << 30, .max_depth = 64});
  if (!body.ok()) std::fprintf(stderr, "not JSON: %s\n", r.body.substr(0, 300).c_str());
  FUZZ_CHECK(body.ok());
  if (r.status >= 400) {
    FUZZ_CHECK(body->is_object());
    auto error = body->find("error");
    auto description = body->find("error_description");
    FUZZ_CHECK(error != body->end() && error->is_string() && !error->get<std::string>().empty());
    FUZZ_CHECK(description != body->end() && description->is_string());
  }
}

}  // namespace mp::fuzz
