#include "fuzz_emulator.h"

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

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

// The placeholders of fuzz_world.h and their values: access tokens of the emulator's signing key
// (the fuzz RSA key) and the grant, made when the process's emulator is built.
using Placeholders = std::vector<std::pair<std::string, std::string>>;
const Placeholders* placeholders = nullptr;

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

Placeholders MakePlaceholders(const server::SigningKeySet& keys) {
  return {{"@TOKEN_A@", MintToken(keys, kOrgA)},
          {"@TOKEN_B@", MintToken(keys, kOrgB)},
          {"@TOKEN_OWNER@", MintToken(keys, kOwnerOrg)},
          {"@GRANT@",
           OrDie(SignJws(FuzzRsaKey(), FuzzGrantClaims("fuzz-placeholder-grant"),
                         {.alg = Algorithm::kRS256, .kid = std::string(kClientKid), .typ = "JWT"}),
                 "grant")}};
}

const Placeholders& GetPlaceholders() {
  if (placeholders == nullptr) FuzzEmulator::Fresh();  // builds the emulator (nothing to reset)
  return *placeholders;
}

// The connections SQLite opens while the emulator is built (an auto extension runs on each).
std::vector<sqlite3*>* opened_connections = nullptr;
int RecordConnection(sqlite3* db, char**, const sqlite3_api_routines*) {
  if (opened_connections != nullptr) opened_connections->push_back(db);
  return SQLITE_OK;
}
// sqlite3_auto_extension takes any entry point as void (*)(void) (sqlite3.h).
void (*const kRecordConnection)() = reinterpret_cast<void (*)()>(&RecordConnection);

int MarkWritten(void* written) {
  *static_cast<bool*>(written) = true;
  return 0;  // commit
}

// Replaces the database of `to` with a copy of `from` (both in memory).
void CopyDatabase(sqlite3* from, sqlite3* to, const char* what) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) {
    std::fprintf(stderr, "fuzz emulator: %s: %s\n", what, sqlite3_errmsg(to));
    std::abort();
  }
  const int step = sqlite3_backup_step(backup, -1);
  const int finish = sqlite3_backup_finish(backup);
  if (step != SQLITE_DONE || finish != SQLITE_OK) {
    std::fprintf(stderr, "fuzz emulator: %s: %s / %s\n", what, sqlite3_errstr(step),
                 sqlite3_errstr(finish));
    std::abort();
  }
}

}  // namespace

FuzzEmulator& FuzzEmulator::Fresh() {
  static FuzzEmulator* emulator = new FuzzEmulator();
  emulator->Reset();
  return *emulator;
}

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

  std::vector<sqlite3*> opened;
  opened_connections = &opened;
  if (sqlite3_auto_extension(kRecordConnection) != SQLITE_OK) {
    std::fprintf(stderr, "fuzz emulator: sqlite3_auto_extension failed\n");
    std::abort();
  }
  OrDie(server::ConfigureEmulator(e_), "configure");
  sqlite3_cancel_auto_extension(kRecordConnection);
  opened_connections = nullptr;
  if (opened.size() != 1) {
    std::fprintf(stderr, "fuzz emulator: expected one registry connection, SQLite opened %zu\n",
                 opened.size());
    std::abort();
  }
  registry_ = opened.front();

  AddConsent(*e_.store, kConsentAccepted, server::ConsentStatus::kAccepted);
  AddConsent(*e_.store, kConsentUnopened, server::ConsentStatus::kUnopened);
  server::AddEmulatorRoutes(e_, std::string(kBaseUrl));
  placeholders = new Placeholders(MakePlaceholders(*e_.keys->Snapshot()));
  // The consent stand-in makes (and stores) its signing key on first use: in the copy, too.
  CheckResponse(Dispatch(Request("GET", "/altinn/jwks", "", "")), {200});

  if (sqlite3_open_v2(":memory:", &template_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "fuzz emulator: cannot open the template database\n");
    std::abort();
  }
  CopyDatabase(registry_, template_, "saving the registry");
  sqlite3_commit_hook(registry_, &MarkWritten, &written_);
  fresh_snapshot_ = RegistrySnapshot();
}

void FuzzEmulator::Reset() {
  if (written_) {
    CopyDatabase(template_, registry_, "restoring the registry");
    written_ = false;
  }
  OrDie(e_.replay->Reset(), "replay reset");
  e_.faults.Clear();
  e_.clock->SetOffsetSeconds(0);
  // The journal has no reset of its own; the routes hold its address, which a new object in the
  // same place keeps (transparent replacement, C++20 [basic.life]).
  std::destroy_at(&e_.journal);
  std::construct_at(&e_.journal);
  e_.metrics.Reset();
}

void FuzzEmulator::CheckRegistryUnchanged() const {
  if (!written_) return;
  const std::string now = RegistrySnapshot();
  if (now != fresh_snapshot_) {
    std::fprintf(stderr, "registry changed:\n  was %s\n  now %s\n", fresh_snapshot_.c_str(),
                 now.c_str());
  }
  FUZZ_CHECK(now == fresh_snapshot_);
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

std::string ExpandPlaceholders(std::string_view text) {
  std::string out(text);
  if (out.find('@') == std::string::npos) return out;
  for (const auto& [name, value] : GetPlaceholders()) {
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
