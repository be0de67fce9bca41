// maskinporten doctor: checks a client's configuration before Maskinporten does, one line per
// check (PASS / FAIL with what to fix / SKIP with why), from the same flags and MASKINPORTEN_*
// variables as `token`.
//
// Exit codes: 0 when no check failed, 1 when one did (an unreachable issuer is a failed check,
// not an I/O error: diagnosing it is doctor's job), 2 for a bad command line, 3 when doctor
// cannot read one of its own inputs (--trust-test, --trust-prod, --ca-dir).
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "client_flags.h"
#include "core/json.h"
#include "core/utc_time.h"
#include "maskinporten/admin_client.h"
#include "maskinporten/certificate.h"
#include "maskinporten/grant.h"
#include "maskinporten/jwk.h"
#include "maskinporten/token_client.h"

namespace mp::cli {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

constexpr int64_t kDay = 86400;
constexpr int64_t kRenewWarningDays = 30;                   // certificates and keys: renew in time
constexpr int64_t kMaxSkewSeconds = kMaxClockSkew.count();  // SPEC §4.3, §13.7

struct DoctorArgs {
  ClientFlags client;
  std::string trust_test;
  std::string trust_prod;
  std::string ca_dir;
  std::string admin_token_env;
  std::string api;
  std::string ca_file;
  std::string proxy;
  double timeout = 10;
  bool try_token = false;
  bool json = false;
};

enum class Outcome { kPass, kFail, kSkip };

struct Check {
  std::string name{};
  Outcome outcome = Outcome::kSkip;
  std::string detail{};
  std::string fix{};  // FAIL only
};

std::string Date(int64_t unix_seconds) { return FormatUtc(unix_seconds).substr(0, 10); }

bool FileExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

class Doctor {
 public:
  Doctor(const DoctorArgs& args, ClientConfig config, const Clock& clock,
         std::shared_ptr<HttpClient> http)
      : a_(args), config_(std::move(config)), clock_(clock), http_(std::move(http)) {}

  // Runs every check; an exit code (3 for I/O) when a trust-anchor input cannot be read.
  int Run() {
    Status trust = LoadTrustStores();
    if (!trust.ok()) return Fail(trust);
    CheckCertificate();
    CheckKey();
    CheckScopes();
    CheckDiscovery();
    CheckClock();
    CheckRegistration();
    CheckTokenRequest();
    return kExitOk;
  }

  const std::vector<Check>& checks() const { return checks_; }

 private:
  void Pass(std::string name, std::string detail) {
    checks_.push_back({std::move(name), Outcome::kPass, std::move(detail), ""});
  }
  void Failed(std::string name, std::string detail, std::string fix) {
    checks_.push_back({std::move(name), Outcome::kFail, std::move(detail), std::move(fix)});
  }
  void Skip(std::string name, std::string why) {
    checks_.push_back({std::move(name), Outcome::kSkip, std::move(why), ""});
  }

  int64_t Now() const { return clock_.NowSeconds(); }
  bool LocalIssuer() const { return !config_.issuer.empty() && IsLoopbackUrl(config_.issuer); }
  std::string Issuer() const {
    if (!config_.issuer.empty()) return config_.issuer;
    return std::string(config_.env == "prod" ? kProdIssuer : kTestIssuer);
  }
  // The environment whose certificates the issuer takes: PROD for maskinporten.no and --env prod,
  // TEST otherwise (TEST Maskinporten and the local one).
  CertEnvironment TargetEnvironment() const {
    if (config_.issuer == kProdIssuer) return CertEnvironment::kProd;
    if (config_.issuer.empty() && config_.env == "prod") return CertEnvironment::kProd;
    return CertEnvironment::kTest;
  }
  // --api, else the self-service API of the issuer or environment.
  std::string Api() const {
    if (!a_.api.empty()) return a_.api;
    Result<std::string> api = SelfServiceApiUrl(config_.env, config_.issuer);
    return api.ok() ? *api : std::string();
  }

  // ---- trust anchors: --trust-test, --trust-prod, --ca-dir (or serve's default CA) ----

  Status AddPem(const std::string& path, TrustStore& store) {
    MP_ASSIGN_OR_RETURN(std::string pem, ReadInput(path));
    MP_ASSIGN_OR_RETURN(std::vector<Certificate> certs, Certificate::ParsePemChain(pem));
    for (Certificate& c : certs) {
      if (c.SelfSigned()) {
        store.Add(std::move(c));
      } else {
        store.AddIntermediate(std::move(c));
      }
    }
    return OkStatus();
  }

  Status LoadTrustStores() {
    if (!a_.trust_test.empty()) {
      test_store_.emplace(CertEnvironment::kTest);
      MP_RETURN_IF_ERROR(AddPem(a_.trust_test, *test_store_).WithContext("--trust-test"));
      test_source_ = a_.trust_test;
    }
    std::string ca_dir = a_.ca_dir;
    // A local issuer without explicit anchors: the CA `serve` keeps in the data directory.
    if (ca_dir.empty() && a_.trust_test.empty() && LocalIssuer() &&
        FileExists(ServeDataDir() + "/ca/root.pem")) {
      ca_dir = ServeDataDir() + "/ca";
    }
    if (!ca_dir.empty()) {
      if (!test_store_) test_store_.emplace(CertEnvironment::kTest);
      MP_RETURN_IF_ERROR(AddPem(ca_dir + "/root.pem", *test_store_).WithContext("--ca-dir"));
      if (FileExists(ca_dir + "/issuing.pem")) {
        MP_RETURN_IF_ERROR(AddPem(ca_dir + "/issuing.pem", *test_store_).WithContext("--ca-dir"));
      }
      test_source_ += (test_source_.empty() ? "" : ", ") + ca_dir + "/root.pem";
    }
    if (!a_.trust_prod.empty()) {
      prod_store_.emplace(CertEnvironment::kProd);
      MP_RETURN_IF_ERROR(AddPem(a_.trust_prod, *prod_store_).WithContext("--trust-prod"));
      prod_source_ = a_.trust_prod;
    }
    return OkStatus();
  }

  // ---- the certificate: readable, validity, org number, environment ----

  void CheckCertificate() {
    const std::string file = !config_.cert_file.empty() ? config_.cert_file : config_.p12_file;
    if (file.empty()) {
      Skip("certificate readable",
           "no certificate: the client uses a registered key" +
               (config_.kid.empty() ? std::string() : " (kid " + config_.kid + ")"));
      for (const char* n :
           {"certificate validity", "certificate org number", "certificate environment"}) {
        Skip(n, "no certificate");
      }
      return;
    }
    Result<std::vector<Certificate>> chain = Status(Errc::kInternal, "");
    if (!config_.cert_file.empty()) {
      Result<std::string> pem = ReadInput(config_.cert_file);
      chain =
          pem.ok() ? Certificate::ParseAny(*pem) : Result<std::vector<Certificate>>(pem.status());
    } else {
      Result<std::string> der = ReadInput(config_.p12_file);
      if (der.ok()) {
        Result<Pkcs12Contents> p12 = LoadPkcs12(*der, config_.p12_password);
        if (p12.ok()) {
          chain = p12->chain;
          p12_key_ = p12->key;
        } else {
          chain = p12.status();
        }
      } else {
        chain = der.status();
      }
    }
    if (!chain.ok()) {
      Failed("certificate readable", file + ": " + chain.status().ToString(),
             "give the virksomhetssertifikat chain as PEM (leaf first) with --cert, or a PKCS#12 "
             "bundle with --p12 and its password in MASKINPORTEN_P12_PASSWORD");
      for (const char* n :
           {"certificate validity", "certificate org number", "certificate environment"}) {
        Skip(n, "the certificate cannot be read");
      }
      return;
    }
    chain_ = *chain;
    const Certificate& leaf = chain_.front();
    Result<EnterpriseProfile> profile = ReadEnterpriseProfile(leaf);
    std::string cn = leaf.SubjectAttribute("CN");
    Pass("certificate readable", file + " (CN=" + cn +
                                     (profile.ok() ? ", " + profile->org.digits() : "") + ", " +
                                     std::to_string(chain_.size()) + " certificate(s))");

    // Validity.
    const int64_t now = Now();
    if (now < leaf.NotBefore()) {
      Failed("certificate validity", "not valid before " + Date(leaf.NotBefore()),
             "check this machine's clock, or wait until the certificate's start date");
    } else if (now > leaf.NotAfter()) {
      Failed("certificate validity", "expired on " + Date(leaf.NotAfter()),
             "order a new virksomhetssertifikat (Maskinporten answers MP-120 to an expired one)");
    } else if (leaf.NotAfter() - now < kRenewWarningDays * kDay) {
      Failed("certificate validity",
             "expires on " + Date(leaf.NotAfter()) + ", in " +
                 std::to_string((leaf.NotAfter() - now) / kDay) + " day(s)",
             "renew the certificate now (less than " + std::to_string(kRenewWarningDays) +
                 " days left), then run doctor with the new one");
    } else {
      Pass("certificate validity", "valid until " + Date(leaf.NotAfter()) + " (" +
                                       std::to_string((leaf.NotAfter() - now) / kDay) +
                                       " days left)");
    }

    // Organisation number.
    if (!profile.ok()) {
      Failed("certificate org number", profile.status().ToString(),
             "use a virksomhetssertifikat (SEID 1 or 2) that names your organisation number");
    } else if (!config_.consumer_org.empty() && config_.consumer_org == profile->org.digits()) {
      Failed("certificate org number",
             "consumer_org " + config_.consumer_org + " is the certificate's own organisation",
             "drop --consumer-org / MASKINPORTEN_CONSUMER_ORG: it is for acting for another "
             "organisation");
    } else {
      cert_org_ = profile->org.digits();
      Pass("certificate org number",
           cert_org_ +
               (profile->organization_name.empty() ? "" : " " + profile->organization_name) +
               " (SEID " + std::to_string(profile->seid) + ")");
    }

    // Environment: which trust anchors verify the chain.
    CertEnvironment target = TargetEnvironment();
    std::string target_name = target == CertEnvironment::kTest ? "TEST" : "PROD";
    const std::optional<TrustStore>& own =
        target == CertEnvironment::kTest ? test_store_ : prod_store_;
    const std::optional<TrustStore>& other =
        target == CertEnvironment::kTest ? prod_store_ : test_store_;
    FakeClock at(now);
    if (!own && !other) {
      Skip("certificate environment",
           "no trust anchors given (--trust-test FILE, --trust-prod FILE or --ca-dir DIR)");
      return;
    }
    if (own) {
      Status s = VerifyChain(chain_, *own, at);
      if (s.ok()) {
        Pass("certificate environment",
             "chain verifies to the " + target_name + " trust anchors (" +
                 (target == CertEnvironment::kTest ? test_source_ : prod_source_) + "), as " +
                 Issuer() + " needs");
        return;
      }
      if (other && VerifyChain(chain_, *other, at).ok()) {
        std::string other_name = target == CertEnvironment::kTest ? "PROD" : "TEST";
        Failed("certificate environment",
               "a " + other_name + " certificate, but " + Issuer() + " is " + target_name,
               "use a " + target_name + " certificate for " + Issuer() +
                   " (Maskinporten answers MP-120 to a certificate of the other environment)");
        return;
      }
      Failed("certificate environment",
             "the chain does not verify to the " + target_name + " trust anchors: " + s.ToString(),
             "send the whole chain (leaf, then the issuing CA) in --cert, and check that the "
             "certificate comes from a CA Maskinporten trusts in " +
                 target_name);
      return;
    }
    if (VerifyChain(chain_, *other, at).ok()) {
      std::string other_name = target == CertEnvironment::kTest ? "PROD" : "TEST";
      Failed("certificate environment",
             "a " + other_name + " certificate, but " + Issuer() + " is " + target_name,
             "use a " + target_name + " certificate (MP-120 otherwise)");
      return;
    }
    Skip("certificate environment", "no " + target_name + " trust anchors given (--trust-" +
                                        (target == CertEnvironment::kTest ? "test" : "prod") +
                                        " FILE)");
  }

  // ---- the key: readable; matches the certificate ----

  void CheckKey() {
    Result<PrivateKey> key = Status(Errc::kInternal, "");
    std::string file;
    if (p12_key_) {
      key = *p12_key_;
      file = config_.p12_file;
    } else if (!config_.key_file.empty()) {
      file = config_.key_file;
      key = LoadPrivateKeyFile(config_.key_file, "");
    } else if (!config_.jwk_file.empty()) {
      file = config_.jwk_file;
      Result<std::string> text = ReadInput(config_.jwk_file);
      key = text.ok() ? ParsePrivateJwk(*text) : Result<PrivateKey>(text.status());
    } else {
      Skip("key readable", "no key file (the PKCS#12 bundle could not be read)");
      Skip("key matches certificate", "no key");
      return;
    }
    if (!key.ok()) {
      Failed("key readable", file + ": " + key.status().ToString(),
             "give the private key as PKCS#8 or PKCS#1 PEM, DER, a private JWK or PKCS#12");
      Skip("key matches certificate", "the key cannot be read");
      return;
    }
    key_ = *key;
    const PublicKey pub = key_->public_key();
    if (pub.type() != KeyType::kRsa || pub.bits() < 2048) {
      Failed("key readable", file + " is not an RSA key of 2048 bits or more",
             "Maskinporten signs and verifies RS256/RS384/RS512: use an RSA key (2048+ bits)");
    } else {
      Pass("key readable",
           file + " (RSA " + std::to_string(pub.bits()) + ", thumbprint " + pub.Thumbprint() + ")");
    }
    if (chain_.empty()) {
      Skip("key matches certificate", config_.cert_file.empty() && config_.p12_file.empty()
                                          ? "no certificate"
                                          : "the certificate cannot be read");
      return;
    }
    Result<PublicKey> cert_key = chain_.front().PublicKeyOf();
    if (!cert_key.ok()) {
      Failed("key matches certificate", cert_key.status().ToString(),
             "use a certificate with an RSA key of 2048 bits or more");
    } else if (!(*cert_key == pub)) {
      Failed("key matches certificate",
             "the certificate's public key is not the public half of " + file,
             "give the private key that belongs to this certificate (Maskinporten answers MP-124 "
             "to a grant signed with another key)");
    } else {
      Pass("key matches certificate", "the certificate's public key is the key's public half");
    }
  }

  // ---- scopes: prefix:subscope ----

  void CheckScopes() {
    std::vector<std::string> bad;
    std::string first_error;
    for (const std::string& scope : config_.scopes) {
      size_t colon = scope.find(':');
      Status s = colon == std::string::npos
                     ? Status(Errc::kInvalidArgument, "\"" + scope + "\" has no ':'")
                     : CheckScopeName(scope.substr(0, colon), scope.substr(colon + 1));
      if (!s.ok()) {
        bad.push_back(scope);
        if (first_error.empty()) first_error = s.message();
      }
    }
    std::string list;
    for (const std::string& s : config_.scopes) list += (list.empty() ? "" : " ") + s;
    if (!bad.empty()) {
      Failed("scopes well-formed", first_error,
             "scopes are prefix:subscope, prefix [a-z0-9_-], subscope [a-zA-Z0-9._/:-], separated "
             "by spaces (MP-200 otherwise), e.g. nav:example/ssu.read");
    } else {
      Pass("scopes well-formed", list);
    }
  }

  // ---- discovery and the server's clock ----

  void CheckDiscovery() {
    const std::string issuer = Issuer();
    const std::string url = issuer + ".well-known/oauth-authorization-server";
    const auto sent = clock_.Now();
    Result<HttpResponse> r =
        http_->Send({.method = "GET", .url = url, .headers = {{"Accept", "application/json"}}});
    const auto received = clock_.Now();
    if (!r.ok()) {
      Failed("discovery", "GET " + url + ": " + r.status().message(),
             "check the issuer URL, DNS, the outgoing firewall (port 443 to Digdir's published IP "
             "ranges) and the proxy (https_proxy or --proxy)");
      return;
    }
    if (r->status != 200) {
      Failed("discovery", "GET " + url + " answered HTTP " + std::to_string(r->status),
             "check the issuer URL: " + std::string(kTestIssuer) + " or " +
                 std::string(kProdIssuer) + ", with the trailing slash");
      return;
    }
    Result<Endpoints> ep = ParseMetadata(r->body, issuer);
    if (!ep.ok()) {
      Failed("discovery", ep.status().message(),
             "configure the issuer exactly as the metadata names it (trailing slash included)");
      return;
    }
    endpoints_ = *ep;
    Pass("discovery", "issuer " + ep->issuer + ", token endpoint " + ep->token_endpoint);
    if (std::optional<std::string> date = r->Header("date")) {
      server_time_ = ParseHttpDate(*date, received);
      if (server_time_) {
        local_time_ = sent + (received - sent) / 2;
        time_source_ = "the Date header of " + url;
      }
    }
  }

  void CheckClock() {
    if (!endpoints_) {
      Skip("clock skew", "discovery failed");
      return;
    }
    // The local Maskinporten sends no Date header; its test controls tell its time.
    if (!server_time_ && LocalIssuer()) {
      std::string url = Issuer() + "_local/clock";
      const auto sent = clock_.Now();
      Result<HttpResponse> r = http_->Send({.method = "GET", .url = url});
      const auto received = clock_.Now();
      if (r.ok() && r->status == 200) {
        if (Result<Json> j = ParseStrictJsonObject(r->body);
            j.ok() && j->contains("now") && (*j)["now"].is_number_integer()) {
          server_time_ = std::chrono::system_clock::time_point(seconds((*j)["now"].get<int64_t>()));
          local_time_ = sent + (received - sent) / 2;
          time_source_ = url;
        }
      }
    }
    if (!server_time_) {
      Skip("clock skew", "the server sent no Date header" +
                             std::string(LocalIssuer() ? " and has no test controls" : ""));
      return;
    }
    int64_t skew = std::chrono::duration_cast<seconds>(*local_time_ - *server_time_).count();
    std::string how =
        skew >= 0 ? std::to_string(skew) + " s ahead of" : std::to_string(-skew) + " s behind";
    if (skew > kMaxSkewSeconds || skew < -kMaxSkewSeconds) {
      Failed("clock skew",
             "this machine's clock is " + how + " the server's (" + time_source_ + ")",
             "synchronise the clock with NTP (timedatectl set-ntp true); grants are refused with "
             "'Issue time is after now' or MP-130 beyond " +
                 std::to_string(kMaxSkewSeconds) + " s");
    } else {
      Pass("clock skew", how + " the server (within " + std::to_string(kMaxSkewSeconds) + " s)");
    }
  }

  // ---- registration: the client and its keys, through the self-service API ----

  // "GET <url>: HTTP <status>" for a refusal, "GET <url>: <message>" for any other failure.
  static std::string CallFailure(const Status& s, const AdminError& e) {
    return "GET " + e.url + ": " +
           (e.refused() ? "HTTP " + std::to_string(e.http_status) : s.message());
  }

  void CheckRegistration() {
    if (a_.admin_token_env.empty()) {
      Skip("client registered",
           "give --admin-token-env VAR (a token with idporten:dcr.read for the client's "
           "organisation) to read the client from the self-service API");
      Skip("kid registered", "no admin token (--admin-token-env)");
      return;
    }
    const char* token = std::getenv(a_.admin_token_env.c_str());
    if (token == nullptr || *token == '\0') {
      Skip("client registered", "environment variable " + a_.admin_token_env + " is empty");
      Skip("kid registered", "no admin token");
      return;
    }
    const AdminClient api({.api_url = Api(), .access_token = token, .http = http_});
    AdminError error;
    Result<ClientRegistration> client = api.GetClient(config_.client_id, &error);
    if (!client.ok() && error.http_status == 404) {
      Failed(
          "client registered",
          "client_id " + config_.client_id + " is not a client of the admin token's organisation",
          "use the client_id of this environment (TEST and PROD clients differ; MP-100 "
          "otherwise)");
      Skip("kid registered", "the client is unknown");
      return;
    }
    if (!client.ok()) {
      Failed("client registered", CallFailure(client.status(), error),
             error.http_status == 401 || error.http_status == 403
                 ? "the admin token must be valid and hold idporten:dcr.read"
                 : "check --api and that the self-service API is reachable");
      Skip("kid registered", "the client could not be read");
      return;
    }
    const std::string& org = client->client_orgno;
    bool ok = true;
    if (!client->active) {
      Failed("client registered", config_.client_id + " is deactivated",
             "activate the client again, or use an active one");
      ok = false;
    } else if (!cert_org_.empty() && !org.empty() && org != cert_org_) {
      Failed("client registered", "client belongs to " + org + ", the certificate to " + cert_org_,
             "sign with the certificate of the organisation that owns the client (MP-122 "
             "otherwise)");
      ok = false;
    } else {
      std::vector<std::string> missing;
      for (const std::string& s : config_.scopes) {
        if (std::find(client->scopes.begin(), client->scopes.end(), s) == client->scopes.end()) {
          missing.push_back(s);
        }
      }
      if (!missing.empty()) {
        Failed("client registered", "scope " + missing.front() + " is not on the client",
               "add the scope to the client in Samarbeidsportalen or with maskinporten admin "
               "(MP-200 otherwise)");
        ok = false;
      }
    }
    if (ok) Pass("client registered", config_.client_id + " (organisation " + org + ")");

    Result<ClientKeySet> jwks = api.GetClientKeys(config_.client_id, &error);
    if (!jwks.ok()) {
      Failed("kid registered", CallFailure(jwks.status(), error),
             "check that the admin token holds idporten:dcr.read");
      return;
    }
    const size_t key_count = jwks->keys.size();
    if (config_.kid.empty()) {
      if (key_count > 0) {
        Failed("kid registered",
               "the client has " + std::to_string(key_count) +
                   " registered key(s) but you send a certificate (x5c)",
               "sign with a registered key and send its kid, or remove the client's keys");
      } else {
        Pass("kid registered", "no registered keys: the client authenticates with its certificate");
      }
      return;
    }
    const RegisteredKey* entry = nullptr;
    for (const RegisteredKey& k : jwks->keys) {
      if (k.kid == config_.kid) entry = &k;
    }
    if (entry == nullptr) {
      Failed("kid registered",
             "kid " + config_.kid + " is not among the client's " + std::to_string(key_count) +
                 " key(s)",
             "upload the public key with kid " + config_.kid +
                 " (maskinporten admin keys add), or use a registered kid");
      return;
    }
    Result<Jwk> jwk = ParseJwk(entry->jwk);
    if (key_ && jwk.ok() && !(jwk->key == key_->public_key())) {
      Failed(
          "kid registered",
          "kid " + config_.kid + " is registered with another public key than " + config_.key_file,
          "sign with the private key whose public half is registered as " + config_.kid +
              " (MP-124 otherwise)");
      return;
    }
    const Result<int64_t> updated =
        ParseUtcTime(!jwks->last_updated.empty() ? jwks->last_updated : jwks->created,
                     TimeSyntax::kRfc3339, "key set upload time");
    if (updated.ok()) {
      int64_t expires = *updated + kRegisteredKeyValidity.count();
      if (Now() > expires) {
        Failed("kid registered",
               "the key set was last uploaded on " + Date(*updated) +
                   ": keys expire one year after upload",
               "upload the key again (MP-121 otherwise)");
        return;
      }
      if (expires - Now() < kRenewWarningDays * kDay) {
        Failed("kid registered", "kid " + config_.kid + " expires by " + Date(expires),
               "upload the key again or register a new one before then (MP-121)");
        return;
      }
      Pass("kid registered", "kid " + config_.kid + " matches the key; the key set was uploaded " +
                                 Date(*updated) + ", valid until " + Date(expires) + " at least");
      return;
    }
    Pass("kid registered", "kid " + config_.kid + " matches the key");
  }

  // ---- a real token request ----

  void CheckTokenRequest() {
    if (!a_.try_token) {
      Skip("token request", "add --try-token to request a real token");
      return;
    }
    if (!endpoints_) {
      Skip("token request", "discovery failed");
      return;
    }
    Result<Algorithm> alg = ParseAlgorithm(a_.client.alg);
    Result<Credentials> creds = LoadCredentials(config_, alg.ok() ? *alg : Algorithm::kRS256);
    if (!creds.ok()) {
      Failed("token request", creds.status().ToString(), "fix the failed checks above first");
      return;
    }
    TokenClientOptions opts{.endpoints = *endpoints_,
                            .client_id = config_.client_id,
                            .credentials = *creds,
                            .http = http_,
                            .clock = &clock_,
                            .grant_lifetime = seconds(a_.client.lifetime)};
    TokenClient client(std::move(opts));
    TokenRequest request{.scopes = config_.scopes};
    if (!config_.resource.empty()) request.resource = config_.resource;
    if (!config_.consumer_org.empty()) {
      if (Result<OrgNumber> org = OrgNumber::Parse(config_.consumer_org); org.ok()) {
        request.consumer_org = *org;
      }
    }
    if (!a_.client.authorization_details.empty()) {
      request.authorization_details = a_.client.authorization_details;
    }
    FetchInfo info;
    Result<AccessToken> token = client.Fetch(request, &info);
    if (!token.ok()) {
      if (info.error) {
        Failed("token request", info.error->Summary(),
               info.error->Hint().empty() ? "see docs/troubleshooting.md" : info.error->Hint());
      } else {
        Failed("token request", token.status().ToString(), "see docs/troubleshooting.md");
      }
      return;
    }
    Pass("token request", "scope \"" + token->scope + "\", expires in " +
                              std::to_string(token->expires_in) + " s, " +
                              std::to_string(info.attempts) + " attempt(s)");
  }

  const DoctorArgs& a_;
  ClientConfig config_;
  const Clock& clock_;
  std::shared_ptr<HttpClient> http_;
  std::vector<Check> checks_;
  std::optional<TrustStore> test_store_;
  std::optional<TrustStore> prod_store_;
  std::string test_source_;  // where the TEST / PROD anchors came from, for the report
  std::string prod_source_;
  std::vector<Certificate> chain_;
  std::optional<PrivateKey> p12_key_;
  std::optional<PrivateKey> key_;
  std::string cert_org_;
  std::optional<Endpoints> endpoints_;
  std::optional<std::chrono::system_clock::time_point> server_time_;
  std::optional<std::chrono::system_clock::time_point> local_time_;
  std::string time_source_;
};

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kSkip:
      return "SKIP";
  }
  return "?";
}

int RunDoctor(const DoctorArgs& a) {
  if (!(a.timeout > 0 && a.timeout <= 600)) return UsageError("--timeout must be 0..600 seconds");
  ClientConfig flags = a.client.config;
  flags.scopes.insert(flags.scopes.end(), a.client.scope_args.begin(), a.client.scope_args.end());
  if (!a.client.password_env.empty()) {
    Result<std::string> pw = ReadSecretEnv(a.client.password_env);
    if (!pw.ok()) return FailFlags(pw.status());
    flags.p12_password = *pw;
  }
  Result<ClientConfig> config =
      ResolveClientConfig(flags, [](const char* n) { return std::getenv(n); });
  if (!config.ok()) return FailFlags(config.status());
  if (!config->issuer.empty()) {
    if (Result<Endpoints> ep = EndpointsForIssuer(config->issuer); !ep.ok()) {
      return FailFlags(ep.status());
    }
  }
  if (a.client.lifetime < 1 || a.client.lifetime > 120) {
    return UsageError("--lifetime must be 1..120 seconds");
  }

  auto ms = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1000));
  std::shared_ptr<HttpClient> http =
      MakeCurlHttpClient({.ca_file = a.ca_file,
                          .proxy = a.proxy,
                          .connect_timeout = std::min(ms, std::chrono::milliseconds(5000)),
                          .total_timeout = ms});
  FakeClock fixed(a.client.now);
  const Clock& clock =
      a.client.now != 0 ? static_cast<const Clock&>(fixed) : SystemClock::Instance();
  Doctor doctor(a, *config, clock, http);
  if (int rc = doctor.Run(); rc != kExitOk) return rc;

  int passed = 0, failed = 0, skipped = 0;
  for (const Check& c : doctor.checks()) {
    (c.outcome == Outcome::kPass ? passed : c.outcome == Outcome::kFail ? failed : skipped)++;
  }
  if (a.json) {
    Json checks = Json::array();
    for (const Check& c : doctor.checks()) {
      Json j = {{"check", c.name}, {"status", OutcomeName(c.outcome)}, {"detail", c.detail}};
      if (c.outcome == Outcome::kFail) j["fix"] = c.fix;
      checks.push_back(std::move(j));
    }
    std::cout << DumpJson({{"checks", checks},
                           {"passed", passed},
                           {"failed", failed},
                           {"skipped", skipped},
                           {"ok", failed == 0}})
              << "\n";
  } else {
    size_t width = 0;
    for (const Check& c : doctor.checks()) width = std::max(width, c.name.size());
    for (const Check& c : doctor.checks()) {
      std::cout << OutcomeName(c.outcome) << "  " << c.name
                << std::string(width - c.name.size(), ' ') << "  "
                << (c.outcome == Outcome::kSkip ? "(" + c.detail + ")" : c.detail);
      if (c.outcome == Outcome::kFail) std::cout << "  fix: " << c.fix;
      std::cout << "\n";
    }
    std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  }
  return failed == 0 ? kExitOk : kExitRejected;
}

}  // namespace

void AddDoctor(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<DoctorArgs>();
  CLI::App* cmd = app.add_subcommand(
      "doctor", "Check a client's certificate, key, clock, registration and scopes");
  AddClientFlags(cmd, &a->client);
  cmd->add_option("--trust-test", a->trust_test,
                  "PEM with TEST trust anchors (roots; CA certificates that are not self-signed "
                  "count as intermediates)");
  cmd->add_option("--trust-prod", a->trust_prod, "PEM with PROD trust anchors");
  cmd->add_option("--ca-dir", a->ca_dir,
                  "a local test CA directory (ca init, serve --ca-dir): its root is a TEST anchor; "
                  "default for a loopback issuer: serve's CA in the data directory");
  cmd->add_option("--admin-token-env", a->admin_token_env,
                  "variable holding a self-service API token (idporten:dcr.read) of the client's "
                  "organisation: checks the client, its scopes and its kid");
  cmd->add_option("--api", a->api,
                  "self-service API base (default: <issuer>api/v1, or Digdir's for test/prod)");
  cmd->add_flag("--try-token", a->try_token, "finally request a real token");
  cmd->add_flag("--json", a->json, "print the checks as JSON");
  cmd->add_option("--ca-file", a->ca_file, "PEM CA bundle for TLS (verification is always on)");
  cmd->add_option("--proxy", a->proxy, "HTTP(S) proxy URL (default: the *_proxy variables)");
  cmd->add_option("--timeout", a->timeout, "per-request timeout in seconds")->capture_default_str();
  SetExamples(
      cmd,
      "  maskinporten doctor --env test --client-id $CLIENT --scope nav:example/ssu.read \\\n"
      "      --cert org.chain.pem --key org.key.pem --trust-test buypass-test-roots.pem\n"
      "  maskinporten doctor --issuer http://127.0.0.1:8080/ --client-id $CLIENT \\\n"
      "      --scope nav:example/ssu.read --key k.pem --kid k1 --try-token\n"
      "  ADMIN_TOKEN=$(maskinporten token --client-id $ADMIN --scope idporten:dcr.read ...) \\\n"
      "      maskinporten doctor ... --admin-token-env ADMIN_TOKEN --json\n"
      "\n"
      "Each check prints PASS, FAIL (with 'fix: ...') or SKIP (with the reason). Exit 0 when\n"
      "no check failed, 1 when one did (an unreachable issuer is a failed check), 2 for a bad\n"
      "command line, 3 when a --trust-test/--trust-prod/--ca-dir file cannot be read.\n"
      "Certificates and registered keys with less than 30 days left fail; so does a clock\n"
      "more than 10 s away from the server's.\n");
  cmd->callback([a, exit_code] { *exit_code = RunDoctor(*a); });
}

}  // namespace mp::cli
