// The example API in NAV's role (example_api.h): GET /ssu/v1/records applies, in order, the
// header checks, the Maskinporten access token (SPEC §10), the consent (SPEC §11.1 Altinn 2
// samtykketoken or §11.3 Altinn 3 authorization_details) and NAV's rule (CheckConsent), and
// audits every decision before answering.
#include "maskinporten/example_api.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "example_api/audit_log.h"
#include "example_api/discovered_jwks.h"
#include "example_api/records.h"
#include "http/http_server.h"
#include "maskinporten/consent.h"
#include "maskinporten/validator.h"

namespace mp {
namespace {

constexpr std::string_view kRecordsPath = "/ssu/v1/records";
constexpr std::string_view kRealm = "example-api";

// What one request to /ssu/v1/records decided, for its audit line.
struct AuditEntry {
  std::optional<std::string> callid;
  std::optional<std::string> consumer;
  std::optional<std::string> supplier;
  std::optional<std::string> person_hash;
  std::optional<std::string> consent_id;
  std::optional<std::string> consent_form;  // which form carried the consent (ConsentFormName)
  std::string reason;
};

// "altinn3" (authorization_details in the access token) or "altinn2_samtykketoken" (legacy).
std::string ConsentFormName(Consent::Form form) {
  return form == Consent::Form::kAltinn2Token ? "altinn2_samtykketoken" : "altinn3";
}

bool IsPersonIdent(std::string_view s) {
  if (s.size() != 11) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Masks every run of exactly 11 digits (a person id) in a message before it is logged or sent,
// whatever layer wrote the message.
std::string ScrubPersonIds(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    std::string_view run = text.substr(i, j - i);
    out += run.size() == 11 ? MaskPersonId(run) : std::string(run);
    i = j;
  }
  return out;
}

bool IsConsentCode(Errc code) {
  return code == Errc::kConsentNotValid || code == Errc::kConsentOrgMismatch ||
         code == Errc::kConsentPersonMismatch;
}

// Failures to reach the issuer's keys are the API's problem, not the caller's token: 503.
bool IsUnavailable(Errc code) {
  return code == Errc::kNetworkError || code == Errc::kHttpError || code == Errc::kDiscoveryError ||
         code == Errc::kInternal || code == Errc::kIoError;
}

http::HttpResponse ErrorResponse(int status, std::string_view error, std::string_view description) {
  nlohmann::json body = {{"error", error}, {"error_description", description}};
  http::HttpResponse r = http::HttpResponse::Json(status, DumpJson(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.labels.route = "records";
  return r;
}

http::HttpResponse BadRequest(std::string description, AuditEntry& entry) {
  entry.reason = "invalid_request: " + description;
  return ErrorResponse(400, "invalid_request", description);
}

}  // namespace

struct ExampleApi::Impl {
  ExampleApiOptions options;
  const Clock* clock = nullptr;
  std::shared_ptr<JwksCache> consent_keys;  // null: Altinn 2 consent not accepted
  std::unique_ptr<AccessTokenValidator> validator;
  std::unique_ptr<example_api::AuditLog> audit;
  std::unique_ptr<http::HttpServer> server;

  http::HttpResponse Handle(const http::HttpRequest& request) const;
  http::HttpResponse Records(const http::HttpRequest& request) const;
  http::HttpResponse Decide(const http::HttpRequest& request, AuditEntry& entry) const;
  http::HttpResponse Refuse(const Status& status, AuditEntry& entry) const;
  Result<Consent> ReadConsent(const http::HttpRequest& request,
                              const ValidatedAccessToken& token) const;
  http::HttpResponse Permit(const std::string& person, const ValidatedAccessToken& token,
                            const Consent& consent, const AuditEntry& entry) const;
  Status Audit(const AuditEntry& entry, int status) const;
};

http::HttpResponse ExampleApi::Impl::Handle(const http::HttpRequest& request) const {
  if (request.path == kRecordsPath) {
    if (request.method == "GET") return Records(request);
    AuditEntry entry;
    entry.reason = "method " + request.method.substr(0, 16) + " not allowed";
    http::HttpResponse r = ErrorResponse(405, "invalid_request", "use GET");
    r.headers.emplace_back("Allow", "GET");
    if (!Audit(entry, r.status).ok()) return ErrorResponse(500, "server_error", "audit failed");
    return r;
  }
  if (request.path == "/health") {
    if (request.method != "GET") {
      http::HttpResponse r = ErrorResponse(405, "invalid_request", "use GET");
      r.headers.emplace_back("Allow", "GET");
      return r;
    }
    http::HttpResponse r = http::HttpResponse::Text(200, "ok");
    r.labels.route = "health";
    return r;
  }
  return ErrorResponse(404, "not_found", "no such resource; try GET /ssu/v1/records");
}

http::HttpResponse ExampleApi::Impl::Records(const http::HttpRequest& request) const {
  AuditEntry entry;
  http::HttpResponse response = Decide(request, entry);
  if (Status s = Audit(entry, response.status); !s.ok()) {
    // No decision goes unaudited: a permit that cannot be logged is not given.
    return ErrorResponse(500, "server_error", "the audit log cannot be written");
  }
  if (entry.callid) response.headers.emplace_back("x-callid", *entry.callid);
  return response;
}

http::HttpResponse ExampleApi::Impl::Decide(const http::HttpRequest& request,
                                            AuditEntry& entry) const {
  const std::string* authorization = request.Header("authorization");
  if (authorization == nullptr) {
    BearerChallenge c = MissingTokenChallenge(kRealm);
    entry.reason = "no Authorization header";
    http::HttpResponse r =
        ErrorResponse(c.http_status, "missing_token",
                      "no access token: send Authorization: Bearer <Maskinporten access token>");
    r.headers.emplace_back("WWW-Authenticate", c.www_authenticate);
    return r;
  }
  Result<std::string_view> bearer = BearerToken(*authorization);
  if (!bearer.ok()) return Refuse(bearer.status(), entry);

  const std::string* callid = request.Header("x-callid");
  if (callid == nullptr) return BadRequest("x-callid header is missing (a UUID per call)", entry);
  if (!IsUuid(*callid)) return BadRequest("x-callid is not a UUID", entry);
  entry.callid = *callid;

  const std::string* person = request.Header("nav-personident");
  if (person == nullptr) return BadRequest("NAV-PersonIdent header is missing", entry);
  if (!IsPersonIdent(*person)) {
    return BadRequest("NAV-PersonIdent is not 11 digits (a fødselsnummer or D-number)", entry);
  }
  entry.person_hash = HashPersonId(*person);

  Result<ValidatedAccessToken> token = validator->Validate(*bearer);
  if (!token.ok()) return Refuse(token.status(), entry);
  entry.consumer = token->consumer.Iso6523();
  if (token->supplier) entry.supplier = token->supplier->Iso6523();

  Result<Consent> consent = ReadConsent(request, *token);
  if (!consent.ok()) return Refuse(consent.status(), entry);
  entry.consent_id = consent->id;
  entry.consent_form = ConsentFormName(consent->form);

  Status rule = CheckConsent(*token, *consent,
                             {.person = *person, .service = options.service, .clock = clock});
  if (!rule.ok()) return Refuse(rule, entry);
  entry.reason = "consent " + consent->id + " covers " + *entry.consumer + " for service " +
                 (options.service.empty() ? "any" : options.service);
  return Permit(*person, *token, *consent, entry);
}

Result<Consent> ExampleApi::Impl::ReadConsent(const http::HttpRequest& request,
                                              const ValidatedAccessToken& token) const {
  if (const std::string* samtykke = request.Header("nav-samtykke-token")) {
    if (!consent_keys) {
      return Status(Errc::kConsentNotValid,
                    "NAV-Samtykke-Token given, but this API accepts no Altinn 2 consent (no "
                    "consent issuer configured); use an Altinn 3 consent in the access token");
    }
    ConsentVerifyOptions verify;
    verify.issuer = options.consent_issuer;
    verify.clock = clock;
    Result<Consent> consent = VerifyAltinn2Consent(*samtykke, *consent_keys, verify);
    if (consent.ok() || IsUnavailable(consent.status().code())) return consent;
    // Whatever is wrong with the samtykketoken, the access token was fine: 403, not 401.
    return Status(Errc::kConsentNotValid, "NAV-Samtykke-Token: " + consent.status().ToString());
  }
  Result<Consent> consent = ConsentFromAccessToken(token);
  if (consent.ok()) return consent;
  if (consent.status().code() == Errc::kConsentNotValid) {
    return Status(Errc::kConsentNotValid,
                  "no consent: send NAV-Samtykke-Token (Altinn 2) or an access token with an "
                  "Altinn 3 consent (authorization_details of type urn:altinn:consent)");
  }
  return Status(Errc::kConsentNotValid,
                "authorization_details consent: " + consent.status().ToString());
}

http::HttpResponse ExampleApi::Impl::Refuse(const Status& status, AuditEntry& entry) const {
  const std::string description = ScrubPersonIds(status.message());
  entry.reason = std::string(ErrcName(status.code())) + ": " + description;
  if (IsUnavailable(status.code())) {
    return ErrorResponse(503, "temporarily_unavailable",
                         "the issuer's keys cannot be fetched: " + description);
  }
  std::vector<std::string> scopes;
  if (status.code() == Errc::kInsufficientScope) scopes.push_back(options.scope);
  BearerChallenge c = ChallengeFor(Status(status.code(), description), kRealm, scopes);
  // The consent codes name the rule that failed; the token codes are RFC 6750's.
  std::string error = IsConsentCode(status.code()) ? std::string(ErrcName(status.code())) : c.error;
  http::HttpResponse r = ErrorResponse(c.http_status, error, description);
  r.headers.emplace_back("WWW-Authenticate", c.www_authenticate);
  return r;
}

http::HttpResponse ExampleApi::Impl::Permit(const std::string& person,
                                            const ValidatedAccessToken& token,
                                            const Consent& consent, const AuditEntry& entry) const {
  nlohmann::ordered_json body;
  body["person"] = MaskPersonId(person);
  body["consumer"] = token.consumer.Iso6523();
  body["supplier"] = token.supplier ? nlohmann::ordered_json(token.supplier->Iso6523()) : nullptr;
  body["callid"] = entry.callid.value_or("");
  body["consent_id"] = consent.id;
  body["consent_form"] = ConsentFormName(consent.form);
  body["consent_valid_to"] = FormatUtc(consent.valid_to);
  body["synthetic"] = true;
  body["records"] = example_api::SyntheticRecords(*entry.person_hash);
  http::HttpResponse r = http::HttpResponse::Json(
      200, body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.labels.route = "records";
  return r;
}

Status ExampleApi::Impl::Audit(const AuditEntry& entry, int status) const {
  auto value = [](const std::optional<std::string>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json line;
  line["time"] = FormatUtc(clock->Now());
  line["callid"] = value(entry.callid);
  line["consumer"] = value(entry.consumer);
  line["supplier"] = value(entry.supplier);
  line["person_hash"] = value(entry.person_hash);
  line["consent_id"] = value(entry.consent_id);
  line["consent_form"] = value(entry.consent_form);
  line["decision"] = status == 200 ? "permit" : "deny";
  line["status"] = status;
  line["reason"] = entry.reason;
  return audit->Append(line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

namespace {

bool IsHttpUrl(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// One JwksCache per issuer: from the configured jwks_uri (no request until first use), or by
// discovery on first use.
Result<std::shared_ptr<JwksCache>> KeysFor(const ExampleApiOptions& o, const std::string& issuer,
                                           const std::string& jwks_uri) {
  JwksCacheOptions cache;
  cache.clock = o.clock;
  if (!jwks_uri.empty()) return JwksCache::FromUri(o.http, jwks_uri, cache);
  return std::shared_ptr<JwksCache>(
      std::make_shared<example_api::DiscoveredJwksCache>(o.http, issuer, cache));
}

Status CheckOptions(const ExampleApiOptions& o) {
  if (!o.http) {
    return Status(Errc::kInvalidArgument, "http: an HttpClient is required to fetch the JWKS");
  }
  if (o.maskinporten_issuer.empty()) {
    return Status(Errc::kInvalidArgument, "maskinporten_issuer is required");
  }
  if (o.maskinporten_jwks_uri.empty() && !IsHttpUrl(o.maskinporten_issuer)) {
    return Status(Errc::kInvalidArgument,
                  "maskinporten_issuer " + o.maskinporten_issuer +
                      " is not an http(s) URL to discover keys from; set maskinporten_jwks_uri");
  }
  if (o.scope.empty()) return Status(Errc::kInvalidArgument, "scope is required");
  if (!o.consent_jwks_uri.empty() && o.consent_issuer.empty()) {
    return Status(Errc::kInvalidArgument,
                  "consent_jwks_uri is set but consent_issuer is empty (the samtykketoken's iss "
                  "must be known)");
  }
  if (!o.consent_issuer.empty() && o.consent_jwks_uri.empty() && !IsHttpUrl(o.consent_issuer)) {
    return Status(Errc::kInvalidArgument,
                  "consent_issuer " + o.consent_issuer +
                      " is not an http(s) URL to discover keys from; set consent_jwks_uri");
  }
  if (o.threads < 0 || o.threads > 256) {
    return Status(Errc::kInvalidArgument,
                  "threads " + std::to_string(o.threads) + " is outside 0..256");
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<ExampleApi>> ExampleApi::Start(const ExampleApiOptions& options) {
  MP_RETURN_IF_ERROR(CheckOptions(options));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock ? options.clock : &SystemClock::Instance();

  MP_ASSIGN_OR_RETURN(std::shared_ptr<JwksCache> mp_keys,
                      KeysFor(options, options.maskinporten_issuer, options.maskinporten_jwks_uri));
  AccessTokenPolicy policy;
  policy.issuer = options.maskinporten_issuer;
  policy.required_scopes = {options.scope};
  policy.allow_supplier = true;  // suppliers act for the insurer through Altinn delegation
  policy.clock = impl->clock;
  impl->validator = std::make_unique<AccessTokenValidator>(std::move(policy), std::move(mp_keys));
  if (!options.consent_issuer.empty()) {
    MP_ASSIGN_OR_RETURN(impl->consent_keys,
                        KeysFor(options, options.consent_issuer, options.consent_jwks_uri));
  }
  MP_ASSIGN_OR_RETURN(impl->audit,
                      example_api::AuditLog::Open(options.audit_log_path, options.on_audit));

  http::HttpServerOptions http;
  http.listen = options.listen;
  http.threads = options.threads;
  http.handle_signals = options.handle_signals;
  http.clock = options.clock;
  const Impl* handler_impl = impl.get();
  MP_ASSIGN_OR_RETURN(impl->server,
                      http::HttpServer::Start(http, [handler_impl](const http::HttpRequest& r) {
                        return handler_impl->Handle(r);
                      }));
  return std::unique_ptr<ExampleApi>(new ExampleApi(std::move(impl)));
}

ExampleApi::ExampleApi(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ExampleApi::~ExampleApi() { Stop(); }

std::string ExampleApi::base_url() const { return impl_->server->BaseUrl(); }
std::string ExampleApi::records_url() const { return base_url() + std::string(kRecordsPath); }
uint16_t ExampleApi::port() const { return impl_->server->port(); }

void ExampleApi::Stop() { impl_->server->Stop(); }
void ExampleApi::Wait() { impl_->server->Wait(); }

}  // namespace mp
