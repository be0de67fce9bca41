// maskinporten demo (`make demo`): the whole flow of issue 5 in one process, each step printed with
// its number, timing and a one-line explanation. Exit 0 only when every expected outcome happened,
// the refusals included; 1 naming the first step that did not.
//
// Everything runs on 127.0.0.1 with port 0, in a temporary directory removed at exit (kept with
// --keep-running or --dir):
//   - a local test CA and virksomhetssertifikater (SEID 2) for the insurer and the supplier;
//   - a LocalMaskinporten whose seed gives only Digdir's onboarding (organisations, idporten:*
//     admin scopes, one admin client per org); everything else goes through /api/v1 over HTTP
//     with admin tokens from the library's TokenClient, as against Samarbeidsportalen;
//   - Altinn 3 first (SPEC §14): consent requests by the insurer and by the supplier for it, the
//     person's acceptance, Maskinporten tokens with the consent inside, NAV's example API
//     answering 200 and 403 (another person, no consent, a consent expired by NAV's clock), and
//     Maskinporten's MP-303 for another org's and a revoked consent;
//   - then the legacy Altinn 2 stand-in (/altinn/): the samtykketoken flow;
//   - the ExampleApi in NAV's role, called with the library's HttpClient: permits and the
//     refusals of the consent rule (the consent's org and person).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/checked.h"
#include "core/json.h"
#include "core/mutex.h"
#include "core/random.h"
#include "core/utc_time.h"
#include "maskinporten/admin_client.h"
#include "maskinporten/consent.h"
#include "maskinporten/endpoints.h"
#include "maskinporten/example_api.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/test_ca.h"
#include "maskinporten/token_client.h"

namespace mp::cli {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// The fixed names of the flow (issue 5).
constexpr const char* kNavOrg = "889640782";
constexpr const char* kNavName = "TEST VELFERDSETAT";
constexpr const char* kInsurerOrg = "910753614";
constexpr const char* kInsurerName = "TEST FORSIKRING AS";
constexpr const char* kSupplierOrg = "311654306";
constexpr const char* kSupplierName = "TEST REGNSKAPSSYSTEM AS";
constexpr const char* kDigdirOrg = "991825827";
constexpr const char* kDigdirName = "DIGITALISERINGSDIREKTORATET";
constexpr const char* kPerson = "01819010001";
constexpr const char* kOtherPerson = "02819010040";
// The expiring consent's validity, and how far the second example API's clock runs ahead: past
// the consent's validTo, within the access token's 120 s (SPEC §5) and 30 s leeway.
constexpr int64_t kShortConsentSeconds = 60;
constexpr int64_t kLaterSeconds = 90;
constexpr const char* kServiceCode = "5252";
constexpr int kServiceEdition = 2;

constexpr const char* kScopePrefix = "nav";
constexpr const char* kScopeSubscope = "example/ssu.read";
constexpr const char* kConsentRequestsWrite = "altinn:consentrequests.write";
constexpr const char* kConsentTokens = "altinn:consenttokens";

// The admin clients of the seed (what Samarbeidsportalen onboarding gives each org).
constexpr const char* kNavAdminId = "nav-admin";
constexpr const char* kNavAdminKid = "nav-admin-2026";
constexpr const char* kInsurerAdminId = "forsikring-admin";
constexpr const char* kSupplierAdminId = "regnskap-admin";

// The Altinn 3 consent resource for NAV's SSU (docs/emulator.md: Altinn's migration of service
// 5252 edition 2), the path of the consent-request API, and the local Altinn org that owns the
// altinn:* scopes (SPEC §14.1: a supplier asks through delegation of the consent scope).
constexpr const char* kConsentResource = "nav_5252_2";
constexpr const char* kConsentRequestsPath = "/accessmanagement/api/v1/enterprise/consentrequests";
constexpr const char* kAltinnLocalOrg = "310954268";

constexpr int kTotalSteps = 33;

std::string ExampleScope() { return std::string(kScopePrefix) + ":" + kScopeSubscope; }

// "018190*****": never a whole person identifier on screen or in a message.
std::string Masked(std::string_view person) { return MaskPersonId(person); }

std::string StringMember(const Json& j, const std::string& name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string()) return "";
  return j[name].get<std::string>();
}

// "0192:910753614" from a token's {"authority":..., "ID":...} claim, "" when absent.
std::string OrgClaim(const Json& claims, const std::string& name) {
  if (!claims.contains(name) || !claims[name].is_object()) return "";
  return StringMember(claims[name], "ID");
}

// The payload of a compact JWS (already verified elsewhere or only displayed here).
Result<Json> PayloadOf(std::string_view token) {
  MP_ASSIGN_OR_RETURN(ParsedJws jws, ParseJws(token));
  return ParseStrictJsonObject(jws.payload);
}

// ---- Output ----

// What a step reports besides its timing: the one-line explanation, further lines (audit lines,
// a WWW-Authenticate) and machine-readable facts for --json.
struct StepReport {
  std::string detail{};
  std::vector<std::string> notes{};
  OrderedJson data = OrderedJson::object();
};

class StepRunner {
 public:
  explicit StepRunner(bool json) : json_(json) {}

  // Runs the next step; false when `fn` failed (the run stops there).
  bool Run(std::string_view title, const std::function<Status(StepReport*)>& fn) {
    ++n_;
    Stopwatch sw;
    StepReport report;
    Status s = fn(&report);
    double ms = sw.Millis();
    if (json_) {
      OrderedJson line;
      line["step"] = n_;
      line["of"] = kTotalSteps;
      line["title"] = title;
      line["ms"] = static_cast<int64_t>(ms + 0.5);
      line["outcome"] = s.ok() ? "expected" : "unexpected";
      line["detail"] = report.detail;
      if (!report.notes.empty()) line["notes"] = report.notes;
      for (auto& [k, v] : report.data.items()) line[k] = v;
      if (!s.ok()) line["error"] = s.ToString();
      std::cout << line.dump() << "\n";
    } else {
      std::printf("[%2d/%d]  %-52s %5.0f ms  %s\n", n_, kTotalSteps, std::string(title).c_str(), ms,
                  report.detail.c_str());
      for (const std::string& note : report.notes) std::printf("          %s\n", note.c_str());
      if (!s.ok()) std::printf("          UNEXPECTED: %s\n", s.ToString().c_str());
    }
    std::fflush(stdout);
    if (!s.ok() && failure_.ok()) {
      failed_step_ = n_;
      failed_title_ = std::string(title);
      failure_ = s;
    }
    return s.ok();
  }

  // A line between steps (text mode only; --json carries the same facts in the steps).
  void Note(const std::string& text) const {
    if (json_) return;
    std::printf("          %s\n", text.c_str());
    std::fflush(stdout);
  }

  bool json() const { return json_; }
  int steps_run() const { return n_; }
  bool failed() const { return !failure_.ok(); }
  int failed_step() const { return failed_step_; }
  const std::string& failed_title() const { return failed_title_; }
  const Status& failure() const { return failure_; }

 private:
  bool json_;
  int n_ = 0;
  int failed_step_ = 0;
  std::string failed_title_;
  Status failure_;
};

// ---- The flow's state ----

struct Party {
  std::string orgno;
  std::string name;
  std::optional<IssuedCertificate> cert{};
  // The org certificate (insurer, supplier: its admin client and its own client) or, for NAV,
  // the admin client's registered key.
  std::optional<Credentials> credentials{};
  std::string admin_client_id{};
  std::string admin_token{};  // its bootstrap admin client's, fetched once
  std::string client_id{};    // the Maskinporten client it creates in the demo
};

// Audit lines of the example API, as its on_audit callback delivers them (a server thread).
class AuditLines {
 public:
  void Add(std::string_view line) {
    MutexLock lock(mu_);
    lines_.emplace_back(line);
  }
  // The line whose callid is `callid`; waits up to 2 s for it (the API may log after answering).
  std::string WaitFor(const std::string& callid) {
    for (int i = 0; i < 200; ++i) {
      {
        MutexLock lock(mu_);
        for (const std::string& l : lines_) {
          if (l.find(callid) != std::string::npos) return l;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return "";
  }

 private:
  Mutex mu_;
  std::vector<std::string> lines_ MP_GUARDED_BY(mu_);
};

struct DemoOptions {
  std::string dir{};
  bool keep_running = false;
  bool json = false;
};

// SIGINT/SIGTERM: blocked in every thread (set before any thread starts) and taken by a watcher.
// During the steps a signal ends the demo (removing its temporary directory); with
// --keep-running it ends the wait after the steps.
class SignalWatcher {
 public:
  SignalWatcher() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SignalWatcher() {
    done_.store(true);
    if (thread_.joinable()) thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  // `on_interrupt` runs on the watcher thread when a signal arrives before WaitForSignal.
  void Start(std::function<void(int)> on_interrupt) {
    thread_ = std::thread([this, on_interrupt = std::move(on_interrupt)] {
      timespec tick{.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
      while (!done_.load()) {
        int sig = sigtimedwait(&set_, nullptr, &tick);
        if (sig <= 0) continue;
        signal_.store(sig);
        if (!waiting_.load()) on_interrupt(sig);
        return;
      }
    });
  }
  // From now on a signal ends WaitForSignal instead of the process.
  void ExpectSignal() { waiting_.store(true); }
  // Blocks until SIGINT or SIGTERM.
  int WaitForSignal() {
    ExpectSignal();
    while (signal_.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return signal_.load();
  }

 private:
  sigset_t set_{};
  sigset_t old_{};
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::atomic<bool> waiting_{false};
  std::atomic<int> signal_{0};
};

class Demo {
 public:
  Demo(DemoOptions options, std::string dir)
      : o_(std::move(options)), dir_(std::move(dir)), steps_(o_.json) {
    nav_ = {.orgno = kNavOrg, .name = kNavName};
    insurer_ = {.orgno = kInsurerOrg, .name = kInsurerName};
    supplier_ = {.orgno = kSupplierOrg, .name = kSupplierName};
  }

  // Runs the steps; false when one did not give its expected outcome.
  bool Run();
  // --keep-running: the URLs, files and commands to try.
  void PrintRunning() const;
  void Stop() {
    if (api_) api_->Stop();
    if (mp_) mp_->Stop();
  }
  const StepRunner& steps() const { return steps_; }

 private:
  // Steps, in order.
  Status MakeCaAndCertificates(StepReport* r);
  Status StartMaskinporten(StepReport* r);
  Status NavCreatesScope(StepReport* r);
  Status NavGrantsAccess(StepReport* r);
  Status CreateClient(Party& p, const std::string& name, const std::string& description,
                      const std::vector<std::string>& scopes, StepReport* r);
  Status InsurerDelegates(StepReport* r);
  Status ClientToken(Party& p, const std::vector<std::string>& scopes,
                     const std::optional<std::string>& consumer_org, std::string* token_out,
                     StepReport* r);
  // `valid_for`: seconds from now to the request's validTo.
  Status Altinn3Request(Party& p, const std::optional<std::string>& consumer_org,
                        std::string* id_out, StepReport* r, int64_t valid_for = 365 * 24 * 3600);
  Status PersonAcceptsAltinn3(StepReport* r);
  Status ConsentToken(Party& p, const std::string& id,
                      const std::optional<std::string>& consumer_org, std::string* token_out,
                      StepReport* r);
  Status ConsentTokenRefused(Party& p, const std::string& id, const std::string& want_text,
                             StepReport* r);
  Status CreateConsentRequest(StepReport* r);
  Status PersonAccepts(StepReport* r);
  Status FetchSamtykketoken(StepReport* r);
  Status StartExampleApi(StepReport* r);
  // A second example API whose clock runs kLaterSeconds ahead: the short consent has expired
  // there while the access token carrying it is still valid.
  Status StartLaterExampleApi(StepReport* r);
  // `samtykketoken` adds the legacy Altinn 2 NAV-Samtykke-Token header; `api` defaults to api_.
  Status CallApi(const std::string& token, const std::string& person, int want_status,
                 Errc want_errc, StepReport* r, bool samtykketoken = true,
                 const ExampleApi* api = nullptr);

  // A token for `client_id` authenticated with `creds` (x5c or kid).
  Result<AccessToken> FetchToken(const std::string& client_id, const Credentials& creds,
                                 const std::vector<std::string>& scopes,
                                 const std::optional<std::string>& consumer_org,
                                 const std::optional<std::string>& authorization_details = {});
  Result<std::string> PersonAnswers(const std::string& id, const std::string& answer);
  // The self-service API as an org's bootstrap admin client (its token fetched once).
  Result<AdminClient> AdminApi(Party& p, const std::vector<std::string>& scopes);
  // The Altinn consent stand-in with `token` ("" for none: the person's answer).
  AdminClient ConsentApi(std::string token) const {
    return AdminClient({.consent_api_url = mp_->base_url() + "/altinn",
                        .access_token = std::move(token),
                        .http = http_});
  }

  DemoOptions o_;
  std::string dir_;
  StepRunner steps_;
  std::shared_ptr<HttpClient> http_ = MakeCurlHttpClient();
  std::optional<TestCa> ca_;
  Party nav_, insurer_, supplier_;
  std::unique_ptr<LocalMaskinporten> mp_;
  std::string insurer_token_;         // for the scope, insurer's own
  std::string supplier_for_insurer_;  // consumer_org = insurer
  std::string supplier_own_token_;    // the supplier for itself
  std::string consent3_insurer_;      // Altinn 3 request asked by the insurer
  std::string consent3_supplier_;     // ... by the supplier on the insurer's behalf
  std::string consent3_revoked_;      // ... accepted, then revoked by the person
  std::string consent3_short_;        // ... valid kShortConsentSeconds only
  std::string insurer_consent_token_;
  std::string insurer_short_consent_token_;
  std::string supplier_consent_token_;
  std::string consent_code_;
  std::string samtykketoken_;
  std::unique_ptr<ExampleApi> api_;
  std::unique_ptr<FakeClock> later_clock_;
  std::unique_ptr<ExampleApi> later_api_;
  std::shared_ptr<AuditLines> audit_ = std::make_shared<AuditLines>();
};

// ---- Steps ----

Status Demo::MakeCaAndCertificates(StepReport* r) {
  MP_ASSIGN_OR_RETURN(TestCa ca,
                      TestCa::Create({.name = "maskinporten-cpp Demo", .key_bits = 2048}));
  MP_RETURN_IF_ERROR(ca.Save(dir_ + "/ca"));
  for (Party* p : {&insurer_, &supplier_}) {
    MP_ASSIGN_OR_RETURN(OrgNumber org, OrgNumber::Parse(p->orgno));
    MP_ASSIGN_OR_RETURN(IssuedCertificate c,
                        ca.Issue({.org = org, .name = p->name, .seid = 2, .key_bits = 2048}));
    const std::string stem = dir_ + "/" + (p == &insurer_ ? "insurer" : "supplier");
    MP_RETURN_IF_ERROR(
        WriteOutput(stem + ".key.pem", c.key.ToPkcs8Pem(), FileMode::kPrivate, Overwrite::kAllow));
    MP_RETURN_IF_ERROR(WriteOutput(stem + ".chain.pem", c.chain[0].Pem() + c.chain[1].Pem(),
                                   FileMode::kPublic, Overwrite::kAllow));
    // x5c: the leaf and the issuing CA; the server trusts the root (its ca_dir).
    MP_ASSIGN_OR_RETURN(Credentials creds,
                        Credentials::WithCertificate(c.key, {c.chain[0], c.chain[1]}));
    p->credentials = std::move(creds);
    p->cert = std::move(c);
  }
  r->detail =
      "RSA-2048 root + issuing CA; SEID 2 for " + insurer_.orgno + " and " + supplier_.orgno;
  r->data["ca_dir"] = dir_ + "/ca";
  ca_ = std::move(ca);
  return OkStatus();
}

Status Demo::StartMaskinporten(StepReport* r) {
  // NAV's admin client uses a registered key; the insurer's and the supplier's their certificate.
  MP_ASSIGN_OR_RETURN(PrivateKey nav_key, PrivateKey::Generate(Algorithm::kRS256, 2048));
  MP_RETURN_IF_ERROR(WriteOutput(dir_ + "/nav-admin.key.pem", nav_key.ToPkcs8Pem(),
                                 FileMode::kPrivate, Overwrite::kAllow));
  MP_ASSIGN_OR_RETURN(Credentials nav_creds, Credentials::WithKid(nav_key, kNavAdminKid));
  nav_.credentials = std::move(nav_creds);
  nav_.admin_client_id = kNavAdminId;
  insurer_.admin_client_id = kInsurerAdminId;
  supplier_.admin_client_id = kSupplierAdminId;

  const std::vector<std::string> admin_scopes = {"dcr.read", "dcr.write", "dcr.modify",
                                                 "scopes.write"};
  Json seed;
  seed["organizations"] = Json::array({{{"orgno", kDigdirOrg}, {"name", kDigdirName}},
                                       {{"orgno", kNavOrg}, {"name", kNavName}},
                                       {{"orgno", kInsurerOrg}, {"name", kInsurerName}},
                                       {{"orgno", kSupplierOrg}, {"name", kSupplierName}}});
  seed["scopes"] = Json::array();
  seed["access"] = Json::array();
  std::vector<std::string> full_admin_scopes;
  for (const std::string& s : admin_scopes) {
    full_admin_scopes.push_back("idporten:" + s);
    seed["scopes"].push_back({{"prefix", "idporten"},
                              {"subscope", s},
                              {"owner_orgno", kDigdirOrg},
                              {"description", "Self-service API: " + s},
                              {"visibility", "PRIVATE"}});
    for (const char* org : {kNavOrg, kInsurerOrg, kSupplierOrg}) {
      seed["access"].push_back({{"scope", "idporten:" + s}, {"consumer_orgno", org}});
    }
  }
  seed["scopes"].push_back({{"prefix", "altinn"},
                            {"subscope", "consentrequests.write"},
                            {"owner_orgno", kAltinnLocalOrg},
                            {"description", "Create consent requests (local Altinn)"},
                            {"accessible_for_all", true},
                            {"delegation_source", "https://tt02.altinn.no/"}});
  Json nav_jwk = Json::parse(
      PublicKeyToJwk(nav_key.public_key(), {.kid = kNavAdminKid, .alg = Algorithm::kRS256}));
  seed["clients"] =
      Json::array({{{"client_id", kNavAdminId},
                    {"client_name", "velferdsetat-admin"},
                    {"client_orgno", kNavOrg},
                    {"scopes", full_admin_scopes},
                    {"keys", Json::array({nav_jwk})}},
                   // No keys: these authenticate with their virksomhetssertifikat (x5c).
                   {{"client_id", kInsurerAdminId},
                    {"client_name", "forsikring-admin"},
                    {"client_orgno", kInsurerOrg},
                    {"scopes", full_admin_scopes}},
                   {{"client_id", kSupplierAdminId},
                    {"client_name", "regnskap-admin"},
                    {"client_orgno", kSupplierOrg},
                    {"scopes", full_admin_scopes}}});
  MP_RETURN_IF_ERROR(
      WriteOutput(dir_ + "/seed.json", seed.dump(2) + "\n", FileMode::kPublic, Overwrite::kAllow));

  LocalMaskinportenOptions opts;
  opts.db_path = dir_ + "/registry.db";
  opts.seed_json = DumpJson(seed);
  opts.environment = CertEnvironment::kTest;
  opts.ca_dir = dir_ + "/ca";
  opts.ca_key_bits = 2048;
  opts.signing_key_bits = 2048;
  opts.threads = 2;
  MP_ASSIGN_OR_RETURN(mp_, LocalMaskinporten::Start(opts));
  r->detail = "issuer " + mp_->issuer() + " (TEST, registry " + dir_ + "/registry.db)";
  r->notes.push_back(
      "bootstrap (the seed): what Samarbeidsportalen onboarding gives each org: the orgs, "
      "idporten:* admin scopes and one admin client (NAV: registered key; insurer, supplier: "
      "virksomhetssertifikat). All else goes through /api/v1 over HTTP.");
  r->data["issuer"] = mp_->issuer();
  return OkStatus();
}

Result<AccessToken> Demo::FetchToken(const std::string& client_id, const Credentials& creds,
                                     const std::vector<std::string>& scopes,
                                     const std::optional<std::string>& consumer_org,
                                     const std::optional<std::string>& authorization_details) {
  MP_ASSIGN_OR_RETURN(Endpoints ep, EndpointsForIssuer(mp_->issuer()));
  TokenRequest request{.scopes = scopes, .authorization_details = authorization_details};
  if (consumer_org) {
    MP_ASSIGN_OR_RETURN(OrgNumber org, OrgNumber::Parse(*consumer_org));
    request.consumer_org = org;
  }
  TokenClient client(
      {.endpoints = ep, .client_id = client_id, .credentials = creds, .http = http_});
  FetchInfo info;
  Result<AccessToken> token = client.Fetch(request, &info);
  if (!token.ok() && info.error) {
    return Status(token.status().code(), "client " + client_id + ": " + info.error->Summary());
  }
  return token;
}

Result<AdminClient> Demo::AdminApi(Party& p, const std::vector<std::string>& scopes) {
  if (p.admin_token.empty()) {
    MP_ASSIGN_OR_RETURN(AccessToken t,
                        FetchToken(p.admin_client_id, *p.credentials, scopes, std::nullopt));
    p.admin_token = t.access_token;
  }
  MP_ASSIGN_OR_RETURN(std::string api, SelfServiceApiUrl("", mp_->issuer()));
  return AdminClient({.api_url = api, .access_token = p.admin_token, .http = http_});
}

Status Demo::NavCreatesScope(StepReport* r) {
  MP_ASSIGN_OR_RETURN(AdminClient api,
                      AdminApi(nav_, {"idporten:scopes.write", "idporten:dcr.read"}));
  MP_ASSIGN_OR_RETURN(
      ScopeRegistration scope,
      api.CreateScope({.prefix = kScopePrefix,
                       .subscope = kScopeSubscope,
                       .description = "Synthetic records for insurers, with the person's consent",
                       .visibility = "PUBLIC",
                       .accessible_for_all = false,
                       .at_max_age = 600,
                       .delegable = true}));
  r->detail =
      "POST /api/v1/scopes " + scope.name + ", delegation_source=" + scope.delegation_source;
  r->data["scope"] = scope.name;
  r->data["delegation_source"] = scope.delegation_source;
  return OkStatus();
}

Status Demo::NavGrantsAccess(StepReport* r) {
  MP_ASSIGN_OR_RETURN(AdminClient api, AdminApi(nav_, {}));
  for (const char* org : {kInsurerOrg, kSupplierOrg}) {
    MP_ASSIGN_OR_RETURN(ScopeAccessEntry entry, api.GrantScopeAccess(ExampleScope(), org));
    if (entry.state != "APPROVED") {
      return Status(Errc::kHttpError, std::string("access for ") + org + " is not APPROVED");
    }
  }
  r->detail = std::string("APPROVED for ") + kInsurerOrg + " (insurer) and " + kSupplierOrg +
              " (supplier: its own-behalf token, steps 10 and 29)";
  return OkStatus();
}

Status Demo::CreateClient(Party& p, const std::string& name, const std::string& description,
                          const std::vector<std::string>& scopes, StepReport* r) {
  MP_ASSIGN_OR_RETURN(AdminClient api, AdminApi(p, {"idporten:dcr.read", "idporten:dcr.write",
                                                    "idporten:dcr.modify"}));
  // No JWKS upload: the client authenticates with the org's virksomhetssertifikat (x5c).
  MP_ASSIGN_OR_RETURN(ClientRegistration client, api.CreateClient({.client_name = name,
                                                                   .description = description,
                                                                   .scopes = scopes,
                                                                   .access_token_lifetime = 120}));
  p.client_id = client.client_id;
  if (p.client_id.empty()) return Status(Errc::kHttpError, "POST /api/v1/clients: no client_id");
  r->detail = "client_id " + p.client_id + " (x5c), scopes " + JoinScopes(scopes);
  r->data["client_id"] = p.client_id;
  r->data["scopes"] = scopes;
  return OkStatus();
}

Status Demo::InsurerDelegates(StepReport* r) {
  MP_ASSIGN_OR_RETURN(AdminClient api, AdminApi(insurer_, {}));
  MP_ASSIGN_OR_RETURN(DelegationEntry d, api.CreateDelegation(kSupplierOrg, ExampleScope()));
  MP_RETURN_IF_ERROR(api.CreateDelegation(kSupplierOrg, kConsentRequestsWrite).status());
  r->detail = "POST /api/v1/delegations consumer=" + d.consumer_orgno +
              " supplier=" + d.supplier_orgno + " for " + ExampleScope() + " and " +
              kConsentRequestsWrite + " (stand-in for Altinn)";
  return OkStatus();
}

// ---- Altinn 3 (SPEC §14): the consent request, the person, the consent inside the token

Status Demo::Altinn3Request(Party& p, const std::optional<std::string>& consumer_org,
                            std::string* id_out, StepReport* r, int64_t valid_for) {
  MP_ASSIGN_OR_RETURN(AccessToken t, FetchToken(p.client_id, *p.credentials,
                                                {kConsentRequestsWrite}, consumer_org));
  const int64_t valid_to = SaturatingAdd(SystemClock::Instance().NowSeconds(), valid_for);
  Json body = {
      {"id", RandomUuid()},
      {"from", std::string("urn:altinn:person:identifier-no:") + kPerson},
      {"to", std::string("urn:altinn:organization:identifier-no:") + kInsurerOrg},
      {"validTo", FormatUtc(valid_to)},
      {"consentRights",
       {{{"action", {"consent"}},
         {"resource", {{{"type", "urn:altinn:resource"}, {"value", kConsentResource}}}},
         {"metadata", {{"navn", kInsurerName}}}}}},
      {"requestMessage", {{"nb", std::string(kInsurerName) + " ber om opplysninger fra NAV"}}},
      {"redirectUrl", "https://forsikring.example/samtykke/kvittering"}};
  HttpRequest req{.method = "POST", .url = mp_->base_url() + kConsentRequestsPath};
  req.headers = {{"Authorization", "Bearer " + t.access_token},
                 {"Content-Type", "application/json"}};
  req.body = DumpJson(body);
  MP_ASSIGN_OR_RETURN(HttpResponse resp, http_->Send(req));
  if (resp.status != 201) {
    return Status(Errc::kHttpError, "POST " + std::string(kConsentRequestsPath) + " answered " +
                                        std::to_string(resp.status) + ": " +
                                        resp.body.substr(0, 300));
  }
  MP_ASSIGN_OR_RETURN(Json created, ParseStrictJsonObject(resp.body));
  const std::string handled_by =
      created["handledBy"].is_string() ? created["handledBy"].get<std::string>() : "";
  const std::string want_handled_by =
      consumer_org ? "urn:altinn:organization:identifier-no:" + p.orgno : "";
  if (handled_by != want_handled_by) {
    return Status(Errc::kHttpError,
                  "handledBy \"" + handled_by + "\", expected \"" + want_handled_by + "\"");
  }
  *id_out = StringMember(created, "id");
  r->detail = "id " + *id_out + ", " + StringMember(created, "status") + ", to " + kInsurerOrg +
              (handled_by.empty() ? "" : ", handledBy " + p.orgno) + ", resource " +
              kConsentResource;
  r->notes.push_back("the person opens " + StringMember(created, "viewUri"));
  r->data["id"] = *id_out;
  r->data["status"] = StringMember(created, "status");
  r->data["view_uri"] = StringMember(created, "viewUri");
  return OkStatus();
}

// The person's answer through the local-only endpoint behind the consent page.
Result<std::string> Demo::PersonAnswers(const std::string& id, const std::string& answer) {
  MP_ASSIGN_OR_RETURN(
      HttpResponse resp,
      http_->Send(
          {.method = "POST", .url = mp_->base_url() + "/emulator/consent/" + id + "/" + answer}));
  if (resp.status != 200) {
    return Status(Errc::kHttpError, answer + " answered " + std::to_string(resp.status) + ": " +
                                        resp.body.substr(0, 300));
  }
  MP_ASSIGN_OR_RETURN(Json j, ParseStrictJsonObject(resp.body));
  return StringMember(j, "status");
}

Status Demo::PersonAcceptsAltinn3(StepReport* r) {
  for (const std::string* id :
       {&consent3_insurer_, &consent3_supplier_, &consent3_revoked_, &consent3_short_}) {
    MP_ASSIGN_OR_RETURN(std::string status, PersonAnswers(*id, "accept"));
    if (status != "accepted") return Status(Errc::kHttpError, "status after accept: " + status);
  }
  r->detail = std::string("person ") + Masked(kPerson) +
              " accepts the requests on the consent page (POST /emulator/consent/{id}/accept)";
  return OkStatus();
}

Status Demo::ConsentToken(Party& p, const std::string& id,
                          const std::optional<std::string>& consumer_org, std::string* token_out,
                          StepReport* r) {
  MP_ASSIGN_OR_RETURN(std::string details, ConsentAuthorizationDetails(id, kPerson));
  MP_ASSIGN_OR_RETURN(AccessToken t, FetchToken(p.client_id, *p.credentials, {ExampleScope()},
                                                consumer_org, details));
  MP_ASSIGN_OR_RETURN(Json claims, PayloadOf(t.access_token));
  Json entry = claims.contains("authorization_details") ? claims["authorization_details"][0]
                                                        : Json::object();
  const std::string to = entry.contains("to") ? StringMember(entry["to"], "ID") : "";
  if (to != "0192:" + std::string(kInsurerOrg) || OrgClaim(claims, "consumer") != to) {
    return Status(Errc::kInvalidClaim, "the token's consent is to \"" + to + "\", consumer " +
                                           OrgClaim(claims, "consumer"));
  }
  r->detail = "authorization_details urn:altinn:consent id " + id + " to=" + to +
              " validTo=" + StringMember(entry, "validTo") +
              (consumer_org ? " supplier=" + OrgClaim(claims, "supplier") : "");
  r->data["consumer"] = OrgClaim(claims, "consumer");
  r->data["authorization_details"] = claims["authorization_details"];
  *token_out = t.access_token;
  return OkStatus();
}

// Maskinporten itself refuses a consent token: MP-303 with `want_text` (docs/emulator.md).
Status Demo::ConsentTokenRefused(Party& p, const std::string& id, const std::string& want_text,
                                 StepReport* r) {
  MP_ASSIGN_OR_RETURN(std::string details, ConsentAuthorizationDetails(id, kPerson));
  Result<AccessToken> t =
      FetchToken(p.client_id, *p.credentials, {ExampleScope()}, std::nullopt, details);
  if (t.ok()) return Status(Errc::kHttpError, "Maskinporten issued the token; expected MP-303");
  const Status refused = t.status();  // by value: status() returns a copy
  const std::string& m = refused.message();
  if (m.find("MP-303") == std::string::npos || m.find(want_text) == std::string::npos) {
    return Status(Errc::kHttpError, "expected MP-303 \"" + want_text + "\", got " + m);
  }
  r->detail = "MP-303: Invalid authorization details values. " + want_text;
  r->data["mp_code"] = "MP-303";
  return OkStatus();
}

Status Demo::ClientToken(Party& p, const std::vector<std::string>& scopes,
                         const std::optional<std::string>& consumer_org, std::string* token_out,
                         StepReport* r) {
  MP_ASSIGN_OR_RETURN(AccessToken t, FetchToken(p.client_id, *p.credentials, scopes, consumer_org));
  MP_ASSIGN_OR_RETURN(Json claims, PayloadOf(t.access_token));
  std::string consumer = OrgClaim(claims, "consumer");
  std::string supplier = OrgClaim(claims, "supplier");
  std::string want_consumer = "0192:" + consumer_org.value_or(p.orgno);
  if (consumer != want_consumer) {
    return Status(Errc::kInvalidClaim,
                  "token consumer " + consumer + ", expected " + want_consumer);
  }
  if (consumer_org && supplier != "0192:" + p.orgno) {
    return Status(Errc::kInvalidClaim, "token supplier " + supplier + ", expected 0192:" + p.orgno);
  }
  r->detail = "consumer=" + consumer + (supplier.empty() ? "" : " supplier=" + supplier) +
              " jti=" + StringMember(claims, "jti");
  r->data["consumer"] = consumer;
  r->data["supplier"] = supplier.empty() ? OrderedJson() : OrderedJson(supplier);
  r->data["scope"] = StringMember(claims, "scope");
  *token_out = t.access_token;
  return OkStatus();
}

Status Demo::CreateConsentRequest(StepReport* r) {
  MP_ASSIGN_OR_RETURN(AccessToken t, FetchToken(insurer_.client_id, *insurer_.credentials,
                                                {kConsentRequestsWrite}, std::nullopt));
  const int64_t valid_to = SystemClock::Instance().NowSeconds() + 365 * 24 * 3600;
  NewConsentRequest request{.covered_by = kInsurerOrg,
                            .offered_by = kPerson,
                            .offered_by_name = "Nordmann",
                            .handled_by = kSupplierOrg,
                            .valid_to = FormatUtc(valid_to),
                            .redirect_url = "https://forsikring.example/samtykke/kvittering",
                            .resources = {{.service_code = kServiceCode,
                                           .service_edition_code = kServiceEdition,
                                           .metadata = {{"Navn", kInsurerName}}}}};
  MP_ASSIGN_OR_RETURN(ConsentRequestInfo info,
                      ConsentApi(t.access_token).CreateConsentRequest(request));
  consent_code_ = info.authorization_code;
  if (consent_code_.empty()) {
    return Status(Errc::kHttpError, "POST /altinn/api/consentRequests: no AuthorizationCode");
  }
  r->detail = "AuthorizationCode " + consent_code_ + ", " + info.request_status + ", person " +
              Masked(kPerson) + ", service " + kServiceCode + "_" +
              std::to_string(kServiceEdition) + ", handledBy " + kSupplierOrg;
  if (!info.gui_url.empty()) r->notes.push_back("the person would open " + info.gui_url);
  r->data["authorization_code"] = consent_code_;
  r->data["request_status"] = info.request_status;
  return OkStatus();
}

Status Demo::PersonAccepts(StepReport* r) {
  MP_ASSIGN_OR_RETURN(ConsentRequestInfo info, ConsentApi("").AnswerConsentRequest(
                                                   consent_code_, kPerson, ConsentAnswer::kAccept));
  if (info.request_status != "Accepted") {
    return Status(Errc::kHttpError,
                  "RequestStatus after accept is \"" + info.request_status + "\"");
  }
  r->detail = std::string("person ") + Masked(kPerson) +
              " accepts (local stand-in for Altinn's page): RequestStatus=Accepted";
  r->data["request_status"] = info.request_status;
  return OkStatus();
}

Status Demo::FetchSamtykketoken(StepReport* r) {
  MP_ASSIGN_OR_RETURN(AccessToken t, FetchToken(supplier_.client_id, *supplier_.credentials,
                                                {kConsentTokens}, std::nullopt));
  MP_ASSIGN_OR_RETURN(samtykketoken_, ConsentApi(t.access_token).FetchConsentToken(consent_code_));
  MP_ASSIGN_OR_RETURN(Json claims, PayloadOf(samtykketoken_));
  const std::string covered = StringMember(claims, "CoveredBy");
  const std::string handled = StringMember(claims, "HandledBy");
  if (covered != kInsurerOrg) {
    return Status(Errc::kInvalidClaim, "samtykketoken CoveredBy " + covered);
  }
  MP_RETURN_IF_ERROR(WriteOutput(dir_ + "/samtykketoken.jwt", samtykketoken_ + "\n",
                                 FileMode::kPrivate, Overwrite::kAllow));
  int64_t lifetime = claims.value("exp", int64_t{0}) - claims.value("iat", int64_t{0});
  r->detail = "CoveredBy=" + covered + " HandledBy=" + (handled.empty() ? "-" : handled) +
              " OfferedBy=" + Masked(StringMember(claims, "OfferedBy")) + " lives " +
              std::to_string(lifetime) + " s";
  r->data["covered_by"] = covered;
  r->data["handled_by"] = handled;
  if (claims.contains("Services")) r->data["services"] = claims["Services"];
  return OkStatus();
}

Status Demo::StartLaterExampleApi(StepReport* r) {
  later_clock_ = std::make_unique<FakeClock>(
      SaturatingAdd(SystemClock::Instance().NowSeconds(), kLaterSeconds));
  ExampleApiOptions o;
  o.maskinporten_issuer = mp_->issuer();
  o.audit_log_path = dir_ + "/audit-later.log";
  std::shared_ptr<AuditLines> audit = audit_;
  o.on_audit = [audit](std::string_view line) { audit->Add(line); };
  o.http = http_;
  o.clock = later_clock_.get();
  MP_ASSIGN_OR_RETURN(later_api_, ExampleApi::Start(o));
  r->detail = "NAV's API " + std::to_string(kLaterSeconds) + " s later, at " +
              later_api_->records_url() + ": the short consent's validTo has passed there";
  r->data["records_url"] = later_api_->records_url();
  return OkStatus();
}

Status Demo::StartExampleApi(StepReport* r) {
  ExampleApiOptions o;
  o.maskinporten_issuer = mp_->issuer();
  o.consent_issuer = mp_->consent_issuer();
  o.consent_jwks_uri = mp_->consent_jwks_uri();
  o.audit_log_path = dir_ + "/audit.log";
  std::shared_ptr<AuditLines> audit = audit_;
  o.on_audit = [audit](std::string_view line) { audit->Add(line); };
  o.http = http_;
  MP_ASSIGN_OR_RETURN(api_, ExampleApi::Start(o));
  r->detail = "NAV's API at " + api_->records_url() + ", scope " + ExampleScope() + ", service " +
              std::string(kExampleApiService);
  r->data["records_url"] = api_->records_url();
  r->data["audit_log"] = o.audit_log_path;
  return OkStatus();
}

// One GET /ssu/v1/records. `want_errc` (for a 403) is the consent rule that must refuse.
Status Demo::CallApi(const std::string& token, const std::string& person, int want_status,
                     Errc want_errc, StepReport* r, bool samtykketoken, const ExampleApi* api) {
  if (api == nullptr) api = api_.get();
  const std::string callid = RandomUuid();
  HttpRequest req{.method = "GET", .url = api->records_url()};
  req.headers = {{"Authorization", "Bearer " + token},
                 {"NAV-PersonIdent", person},
                 {"x-callid", callid},
                 {"Accept", "application/json"}};
  if (samtykketoken) req.headers.push_back({"NAV-Samtykke-Token", samtykketoken_});
  MP_ASSIGN_OR_RETURN(HttpResponse resp, http_->Send(req));
  Json body = Json::object();
  if (Result<Json> j = ParseStrictJson(resp.body); j.ok()) body = *j;
  const std::string audit = audit_->WaitFor(callid);
  const std::string www = resp.Header("www-authenticate").value_or("");
  const std::string description = StringMember(body, "error_description");
  if (!audit.empty()) r->notes.push_back("audit: " + audit);
  r->data["http_status"] = resp.status;
  r->data["callid"] = callid;
  if (!audit.empty()) {
    if (Result<Json> a = ParseStrictJsonObject(audit); a.ok()) r->data["audit"] = *a;
  }
  if (resp.status != want_status) {
    return Status(Errc::kHttpError,
                  "GET " + api->records_url() + " answered " + std::to_string(resp.status) +
                      ", expected " + std::to_string(want_status) + ": " +
                      (description.empty() ? resp.body.substr(0, 300) : description));
  }
  if (want_status == 200) {
    std::string consumer = StringMember(body, "consumer");
    size_t records =
        body.contains("records") && body["records"].is_array() ? body["records"].size() : 0;
    r->detail = "200 consumer=" + consumer + " person=" + StringMember(body, "person") + " " +
                std::to_string(records) + " records, consent " + StringMember(body, "consent_form");
    r->data["consumer"] = consumer;
    return OkStatus();
  }
  // A refusal: the consent rule named by `want_errc` must be the reason, as the API's audit line
  // records it ("reason":"consent_org_mismatch: ...").
  const std::string name(ErrcName(want_errc));
  std::string reason;
  if (Result<Json> a = ParseStrictJsonObject(audit); a.ok()) reason = StringMember(*a, "reason");
  if (reason.rfind(name + ":", 0) != 0) {
    return Status(Errc::kHttpError, std::to_string(resp.status) + " but not for " + name +
                                        ": audit reason \"" + reason + "\"");
  }
  r->detail =
      std::to_string(resp.status) + " " + name + ": " + (description.empty() ? www : description);
  if (!www.empty()) r->notes.insert(r->notes.begin(), "WWW-Authenticate: " + www);
  r->data["errc"] = name;
  r->data["www_authenticate"] = www;
  return OkStatus();
}

bool Demo::Run() {
  const std::string scope = ExampleScope();
  auto step = [this](std::string_view title, const std::function<Status(StepReport*)>& fn) {
    return steps_.Run(title, fn);
  };
  return step("local test CA and two virksomhetssertifikater",
              [&](StepReport* r) { return MakeCaAndCertificates(r); }) &&
         step("local Maskinporten (TEST) with the onboarding seed",
              [&](StepReport* r) { return StartMaskinporten(r); }) &&
         step("NAV creates its delegable scope",
              [&](StepReport* r) { return NavCreatesScope(r); }) &&
         step("NAV gives the insurer (and supplier) access",
              [&](StepReport* r) { return NavGrantsAccess(r); }) &&
         step("insurer registers its client (certificate)",
              [&](StepReport* r) {
                return CreateClient(insurer_, "forsikring-ssu", "Henter opplysninger med samtykke",
                                    {scope, kConsentRequestsWrite}, r);
              }) &&
         step("supplier registers its client (certificate)",
              [&](StepReport* r) {
                return CreateClient(supplier_, "regnskap-for-kunder",
                                    "Leverandor: henter data for kunder som har delegert",
                                    {scope, kConsentTokens, kConsentRequestsWrite}, r);
              }) &&
         step("insurer delegates the scope and consent requests to the supplier",
              [&](StepReport* r) { return InsurerDelegates(r); }) &&
         step("insurer token (x5c)",
              [&](StepReport* r) {
                return ClientToken(insurer_, {scope}, std::nullopt, &insurer_token_, r);
              }) &&
         step("supplier token for the insurer (consumer_org)",
              [&](StepReport* r) {
                return ClientToken(supplier_, {scope}, kInsurerOrg, &supplier_for_insurer_, r);
              }) &&
         step("supplier token for itself (no consumer_org)",
              [&](StepReport* r) {
                return ClientToken(supplier_, {scope}, std::nullopt, &supplier_own_token_, r);
              }) &&
         // Altinn 3 (SPEC §14): the live flow.
         step("Altinn 3: insurer asks the person for consent",
              [&](StepReport* r) {
                return Altinn3Request(insurer_, std::nullopt, &consent3_insurer_, r);
              }) &&
         step("Altinn 3: supplier asks on the insurer's behalf (consumer_org)",
              [&](StepReport* r) {
                return Altinn3Request(supplier_, kInsurerOrg, &consent3_supplier_, r);
              }) &&
         step("Altinn 3: insurer asks once more (to be revoked)",
              [&](StepReport* r) {
                return Altinn3Request(insurer_, std::nullopt, &consent3_revoked_, r);
              }) &&
         step("Altinn 3: insurer asks for a consent valid one minute (to expire)",
              [&](StepReport* r) {
                return Altinn3Request(insurer_, std::nullopt, &consent3_short_, r,
                                      kShortConsentSeconds);
              }) &&
         step("Altinn 3: the person accepts in Altinn",
              [&](StepReport* r) { return PersonAcceptsAltinn3(r); }) &&
         step("Altinn 3: insurer token with the consent inside",
              [&](StepReport* r) {
                return ConsentToken(insurer_, consent3_insurer_, std::nullopt,
                                    &insurer_consent_token_, r);
              }) &&
         step("Altinn 3: supplier token for the insurer with the consent inside",
              [&](StepReport* r) {
                return ConsentToken(supplier_, consent3_supplier_, kInsurerOrg,
                                    &supplier_consent_token_, r);
              }) &&
         step("Altinn 3: insurer token with the one-minute consent inside",
              [&](StepReport* r) {
                return ConsentToken(insurer_, consent3_short_, std::nullopt,
                                    &insurer_short_consent_token_, r);
              }) &&
         step("example API in NAV's role", [&](StepReport* r) { return StartExampleApi(r); }) &&
         step("call: insurer token with the Altinn 3 consent -> 200",
              [&](StepReport* r) {
                return CallApi(insurer_consent_token_, kPerson, 200, Errc::kOk, r, false);
              }) &&
         step("call: supplier for the insurer with the Altinn 3 consent -> 200",
              [&](StepReport* r) {
                return CallApi(supplier_consent_token_, kPerson, 200, Errc::kOk, r, false);
              }) &&
         step("call: Altinn 3 consent, another person -> 403",
              [&](StepReport* r) {
                return CallApi(insurer_consent_token_, kOtherPerson, 403,
                               Errc::kConsentPersonMismatch, r, false);
              }) &&
         step("call: the same API 90 s later, the one-minute consent expired -> 403",
              [&](StepReport* r) {
                MP_RETURN_IF_ERROR(StartLaterExampleApi(r));
                return CallApi(insurer_short_consent_token_, kPerson, 403, Errc::kConsentNotValid,
                               r, false, later_api_.get());
              }) &&
         step("call: a token without consent -> 403",
              [&](StepReport* r) {
                return CallApi(insurer_token_, kPerson, 403, Errc::kConsentNotValid, r, false);
              }) &&
         step("Maskinporten: the supplier for itself with the consent (another org) -> MP-303",
              [&](StepReport* r) {
                return ConsentTokenRefused(supplier_, consent3_supplier_,
                                           std::string("Consent is given to ") + kInsurerOrg +
                                               ", not to the consumer " + kSupplierOrg,
                                           r);
              }) &&
         step("Maskinporten: the person revokes; the revoked consent -> MP-303",
              [&](StepReport* r) {
                MP_ASSIGN_OR_RETURN(std::string status, PersonAnswers(consent3_revoked_, "revoke"));
                if (status != "revoked") {
                  return Status(Errc::kHttpError, "status after revoke: " + status);
                }
                return ConsentTokenRefused(insurer_, consent3_revoked_, "Consent is revoked", r);
              }) &&
         // Altinn 2 (SPEC §11.1): the samtykketoken flow, legacy since Altinn II closes in 2026.
         step("legacy Altinn 2: insurer asks the person for consent",
              [&](StepReport* r) { return CreateConsentRequest(r); }) &&
         step("legacy Altinn 2: the person accepts the consent request",
              [&](StepReport* r) { return PersonAccepts(r); }) &&
         step("legacy Altinn 2: supplier fetches the samtykketoken",
              [&](StepReport* r) { return FetchSamtykketoken(r); }) &&
         step("legacy Altinn 2 call: insurer token + samtykketoken -> 200",
              [&](StepReport* r) { return CallApi(insurer_token_, kPerson, 200, Errc::kOk, r); }) &&
         step("legacy Altinn 2 call: supplier for the insurer + samtykketoken -> 200",
              [&](StepReport* r) {
                return CallApi(supplier_for_insurer_, kPerson, 200, Errc::kOk, r);
              }) &&
         step("legacy Altinn 2 call: supplier for itself + samtykketoken -> 403",
              [&](StepReport* r) {
                return CallApi(supplier_own_token_, kPerson, 403, Errc::kConsentOrgMismatch, r);
              }) &&
         step("legacy Altinn 2 call: another person in NAV-PersonIdent -> 403", [&](StepReport* r) {
           return CallApi(insurer_token_, kOtherPerson, 403, Errc::kConsentPersonMismatch, r);
         });
}

// This program's own path, so the printed commands run as they are pasted.
std::string SelfPath() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("maskinporten") : self.string();
}

void Demo::PrintRunning() const {
  const std::string issuer = mp_->issuer();
  const std::string records = api_ ? api_->records_url() : "";
  const std::string scope = ExampleScope();
  if (steps_.json()) {
    OrderedJson j;
    j["running"] = {{"maskinporten", issuer},
                    {"self_service_api", mp_->base_url() + "/api/v1"},
                    {"altinn", mp_->consent_issuer()},
                    {"example_api", records},
                    {"dir", dir_},
                    {"insurer_client_id", insurer_.client_id},
                    {"supplier_client_id", supplier_.client_id},
                    {"authorization_code", consent_code_}};
    std::cout << j.dump() << "\n" << std::flush;
    return;
  }
  const std::string cli = SelfPath();
  auto token_cmd = [&](const Party& p, const std::string& file, const std::string& scopes) {
    return cli + " token --issuer " + issuer + " --client-id " + p.client_id + " \\\n      --key " +
           dir_ + "/" + file + ".key.pem --cert " + dir_ + "/" + file + ".chain.pem --scope " +
           scopes;
  };
  std::string text;
  text += "\nrunning until Ctrl-C (SIGINT) or SIGTERM:\n";
  text += "  Maskinporten     " + issuer + "  (token " + mp_->token_endpoint() +
          ", self-service API " + mp_->base_url() + "/api/v1)\n";
  text += "  Altinn stand-in  " + mp_->consent_issuer() + "\n";
  text += "  example API      " + records + "\n";
  text += "  files            " + dir_ + "  (kept after exit)\n\n";
  text += "try (the insurer's token, a fresh samtykketoken fetched by the supplier, the API):\n";
  text += "  TOKEN=$(" + token_cmd(insurer_, "insurer", scope) + ")\n";
  text += "  " + cli + " validate --issuer " + issuer + " --scope " + scope + " \"$TOKEN\"\n";
  text += "  SAMTYKKE=$(curl -s -H \"Authorization: Bearer $(" +
          token_cmd(supplier_, "supplier", kConsentTokens) + ")\" \\\n      \"" + mp_->base_url() +
          "/altinn/api/authorization/token?authcode=" + consent_code_ + "\")\n";
  text += "  curl -s -H \"Authorization: Bearer $TOKEN\" -H \"NAV-PersonIdent: " +
          std::string(kPerson) + "\" \\\n      -H \"NAV-Samtykke-Token: $SAMTYKKE\" " +
          "-H \"x-callid: $(cat /proc/sys/kernel/random/uuid)\" " + records + "\n";
  text += "  (a samtykketoken lives 30 s, as Altinn's; the audit log is " + dir_ + "/audit.log)\n";
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

int RunDemo(const DemoOptions& o) {
  Stopwatch total;
  SignalWatcher signals;  // before any thread starts, so every thread inherits the blocked mask
  // `maskinporten demo --json | head -3` must still stop the servers and remove the directory.
  ::signal(SIGPIPE, SIG_IGN);
  const bool temporary = o.dir.empty();
  std::string dir = o.dir;
  if (temporary) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "maskinporten-demo-XXXXXX");
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Fail(Status(Errc::kIoError, "cannot create a temporary directory from " + tmpl));
    }
    dir = tmpl;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Fail(Status(Errc::kIoError, "--dir " + dir + ": " + ec.message()));
    if (std::filesystem::exists(dir + "/ca")) {
      return UsageError("--dir " + dir + " already holds a demo (ca/): give an empty directory");
    }
  }
  const bool remove_dir = temporary && !o.keep_running;
  signals.Start([dir, remove_dir](int sig) {
    // Interrupted during the steps: leave nothing behind, exit as the signal would.
    if (remove_dir) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    std::_Exit(128 + sig);
  });

  if (!o.json) {
    std::printf(
        "maskinporten demo: NAV's consent-based API end to end, all local (127.0.0.1)\n"
        "files in %s%s\n\n",
        dir.c_str(), remove_dir ? " (removed at exit)" : "");
    std::fflush(stdout);
  }
  int exit_code = kExitOk;
  {
    Demo demo(o, dir);
    bool ok = demo.Run();
    const StepRunner& steps = demo.steps();
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f s", total.Millis() / 1000);
    std::string summary;
    if (ok) {
      summary = "demo: " + std::to_string(steps.steps_run()) + " steps, all expected outcomes, " +
                seconds;
    } else {
      summary = "demo: step " + std::to_string(steps.failed_step()) + " (" + steps.failed_title() +
                ") did not give the expected outcome: " + steps.failure().ToString();
      // The one error format on stderr too; exit 1 whatever the cause (the step names it).
      std::cerr << "error: " << ErrcName(steps.failure().code()) << ": step " << steps.failed_step()
                << " (" << steps.failed_title() << "): " << steps.failure().message() << "\n";
      exit_code = kExitRejected;
    }
    if (o.json) {
      OrderedJson j;
      j["summary"] = summary;
      j["steps"] = steps.steps_run();
      j["of"] = kTotalSteps;
      j["ok"] = ok;
      j["ms"] = static_cast<int64_t>(total.Millis() + 0.5);
      std::cout << j.dump() << "\n" << std::flush;
    } else {
      std::printf("\n%s\n", summary.c_str());
      std::fflush(stdout);
    }
    if (ok && o.keep_running) {
      signals.ExpectSignal();
      demo.PrintRunning();
      int sig = signals.WaitForSignal();
      if (!o.json) std::printf("\nsignal %d: stopping\n", sig);
      std::fflush(stdout);
    }
    demo.Stop();
  }
  if (remove_dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return exit_code;
}

}  // namespace

void AddDemo(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* demo = app.add_subcommand(
      "demo",
      "Run the whole flow in one process: CA, local Maskinporten, clients through the "
      "self-service API, delegation, consent, NAV's example API and its refusals");
  demo->add_option("--dir", o->dir,
                   "keep the files (CA, keys, certificates, registry, audit log) in this new "
                   "directory (default: a temporary one, removed at exit)");
  demo->add_flag("--keep-running", o->keep_running,
                 "after the steps keep every server up, print their URLs and commands to try, "
                 "and wait for Ctrl-C / SIGTERM (the files are kept)");
  demo->add_flag("--json", o->json, "one JSON object per step (and a summary) on stdout");
  SetExamples(demo,
              "  maskinporten demo\n"
              "  maskinporten demo --keep-running\n"
              "  maskinporten demo --json | jq -c '{step, title, outcome}'\n"
              "  maskinporten demo --dir ./demo-files\n"
              "Exit: 0 every step gave its expected outcome (the refusals included), 1 a step did\n"
              "not (the summary names it), 2 bad flags, 3 I/O.\n");
  demo->callback([o, exit_code] { *exit_code = RunDemo(*o); });
}

}  // namespace mp::cli
