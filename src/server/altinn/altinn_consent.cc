#include "server/altinn/altinn_consent.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/mutex.h"
#include "core/random.h"
#include "core/strings.h"
#include "core/url.h"
#include "core/utc_time.h"
#include "jose/signature.h"
#include "maskinporten/base64.h"
#include "maskinporten/jwk.h"
#include "maskinporten/org_number.h"
#include "maskinporten/test_ca.h"
#include "server/handlers/api_response.h"
#include "server/registry/registry_rules.h"
#include "server/token/access_token.h"
#include "server/token/grant_validator.h"

namespace mp::server {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using Caller = BearerCaller;

constexpr int64_t kCertificateDays = 3650;

// ---- responses

http::HttpResponse ServerError(const Status& s, std::string_view endpoint) {
  return ErrorResponse(500, "server_error", "the registry failed: " + s.ToString(), endpoint);
}

// ---- small rules

bool IsOrgNumber(std::string_view s) { return OrgNumber::Parse(s).ok(); }

// https, or http to a loopback host (a local test client's redirect); no userinfo, which would
// hide the real host ("http://127.0.0.1:80@evil.example/").
bool IsRedirectUrl(std::string_view url) {
  std::optional<HttpUrl> parsed = ParseHttpUrl(url);
  return parsed && !parsed->userinfo && IsHttpsOrLoopback(*parsed);
}

std::string Sha1Base64Url(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

// ---- JSON shapes

std::string GuiUrl(std::string_view base_url, std::string_view code) {
  return std::string(base_url) + "/altinn/ui/AccessConsent/request?id=" + std::string(code);
}

OrderedJson ConsentJson(const ConsentRecord& c, std::string_view base_url) {
  OrderedJson j;
  j["AuthorizationCode"] = c.authorization_code;
  j["RequestStatus"] = ConsentStatusName(c.status);
  j["CoveredBy"] = c.covered_by;
  j["OfferedBy"] = c.offered_by;
  j["OfferedByName"] = c.offered_by_name;
  j["RequiredDelegator"] = c.required_delegator;
  if (!c.required_delegator_name.empty()) j["RequiredDelegatorName"] = c.required_delegator_name;
  if (!c.handled_by.empty()) j["HandledBy"] = c.handled_by;
  j["ValidTo"] = FormatUtc(c.valid_to);
  j["RedirectUrl"] = c.redirect_url;
  OrderedJson resources = OrderedJson::array();
  for (const ConsentResource& r : c.resources) {
    OrderedJson item;
    item["ServiceCode"] = r.service_code;
    item["ServiceEditionCode"] = r.service_edition_code;
    OrderedJson metadata = OrderedJson::object();
    for (const auto& [name, value] : r.metadata) metadata[name] = value;
    item["Metadata"] = std::move(metadata);
    resources.push_back(std::move(item));
  }
  j["RequestResources"] = std::move(resources);
  if (c.status != ConsentStatus::kUnopened) j["DecidedDate"] = FormatUtc(c.decided);
  j["_links"] = {{"gui", {{"href", GuiUrl(base_url, c.authorization_code)}}}};
  return j;
}

// ---- the request body (SPEC §11.1)

Status Field(std::string_view field, std::string_view problem) {
  return Status(Errc::kInvalidArgument, std::string(field) + ": " + std::string(problem));
}

Result<std::string> StringMember(const Json& body, std::string_view name, bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Field(name, "is required");
    return std::string();
  }
  if (!it->is_string()) return Field(name, "must be a string");
  return it->get<std::string>();
}

Result<std::vector<ConsentResource>> ParseResources(const Json& body) {
  auto it = body.find("requestResources");
  if (it == body.end() || !it->is_array() || it->empty()) {
    return Field("requestResources", "must be a non-empty array");
  }
  std::vector<ConsentResource> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& item = (*it)[i];
    const std::string path = "requestResources[" + std::to_string(i) + "]";
    if (!item.is_object()) return Field(path, "must be an object");
    for (const auto& [name, value] : item.items()) {
      if (name != "serviceCode" && name != "serviceEditionCode" && name != "metadata") {
        return Field(path + "." + name, "is not a known member");
      }
    }
    ConsentResource r;
    auto code = item.find("serviceCode");
    if (code == item.end() || !code->is_string() || !IsDigits(code->get<std::string>()) ||
        code->get<std::string>().size() > 10) {
      return Field(path + ".serviceCode", "must be a string of digits");
    }
    r.service_code = code->get<std::string>();
    auto edition = item.find("serviceEditionCode");
    if (edition == item.end() || !edition->is_number_integer() || edition->get<int64_t>() < 1 ||
        edition->get<int64_t>() > 1000000) {
      return Field(path + ".serviceEditionCode", "must be a positive integer");
    }
    r.service_edition_code = static_cast<int>(edition->get<int64_t>());
    if (auto metadata = item.find("metadata"); metadata != item.end() && !metadata->is_null()) {
      if (!metadata->is_object()) return Field(path + ".metadata", "must be an object");
      for (const auto& [name, value] : metadata->items()) {
        if (name.empty() || name.find('=') != std::string::npos) {
          return Field(path + ".metadata", "member names must be non-empty and without '='");
        }
        if (!value.is_string()) return Field(path + ".metadata." + name, "must be a string");
        r.metadata.emplace_back(name, value.get<std::string>());
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

// A consent request body -> a record (code, status and times not set but valid_to).
Result<ConsentRecord> ParseConsentRequest(const Json& body, Store& store, int64_t now) {
  static const std::set<std::string> kKnown = {
      "coveredBy",     "offeredBy", "offeredByName", "requiredDelegator", "requiredDelegatorName",
      "handledBy",     "validTo",   "redirectUrl",   "requestResources",  "requestMessage",
      "portalViewMode"};
  for (const auto& [name, value] : body.items()) {
    if (kKnown.count(name) == 0) return Field(name, "is not a known member");
  }
  ConsentRecord c;
  MP_ASSIGN_OR_RETURN(c.covered_by, StringMember(body, "coveredBy", true));
  if (!IsOrgNumber(c.covered_by)) return Field("coveredBy", "is not a valid organisation number");
  MP_ASSIGN_OR_RETURN(c.offered_by, StringMember(body, "offeredBy", true));
  const bool person = IsValidPersonIdentifier(c.offered_by);
  if (!person && !IsOrgNumber(c.offered_by)) {
    return Field("offeredBy", "is neither a valid national identity number nor an org number");
  }
  MP_ASSIGN_OR_RETURN(c.offered_by_name, StringMember(body, "offeredByName", true));
  if (c.offered_by_name.empty() || c.offered_by_name.size() > 200) {
    return Field("offeredByName", "must be a non-empty string of at most 200 bytes");
  }
  MP_ASSIGN_OR_RETURN(c.required_delegator, StringMember(body, "requiredDelegator", false));
  MP_ASSIGN_OR_RETURN(c.required_delegator_name,
                      StringMember(body, "requiredDelegatorName", false));
  if (c.required_delegator.empty()) {
    if (!person) return Field("requiredDelegator", "is required when offeredBy is an org number");
    c.required_delegator = c.offered_by;
  } else if (!IsValidPersonIdentifier(c.required_delegator)) {
    return Field("requiredDelegator", "is not a valid national identity number");
  } else if (person && c.required_delegator != c.offered_by) {
    return Field("requiredDelegator", "must be offeredBy when offeredBy is a person");
  }
  MP_ASSIGN_OR_RETURN(c.handled_by, StringMember(body, "handledBy", false));
  if (!c.handled_by.empty()) {
    if (!IsOrgNumber(c.handled_by)) {
      return Field("handledBy", "is not a valid organisation number");
    }
    if (c.handled_by == c.covered_by) return Field("handledBy", "must differ from coveredBy");
  }
  MP_ASSIGN_OR_RETURN(std::string valid_to, StringMember(body, "validTo", true));
  std::optional<int64_t> t = ParseConsentTime(valid_to);
  if (!t) return Field("validTo", "must be a date (2027-11-30) or a UTC time (ISO 8601)");
  if (*t <= now) return Field("validTo", "must be in the future");
  if (*t > now + kMaxConsentValiditySeconds) {
    return Field("validTo", "may be at most 3 years ahead");
  }
  c.valid_to = *t;
  MP_ASSIGN_OR_RETURN(c.redirect_url, StringMember(body, "redirectUrl", true));
  if (!IsRedirectUrl(c.redirect_url) || c.redirect_url.size() > 2000) {
    return Field("redirectUrl", "must be an https URL (http only to a loopback host)");
  }
  MP_ASSIGN_OR_RETURN(c.resources, ParseResources(body));
  if (auto message = body.find("requestMessage");
      message != body.end() && !message->is_null() && !message->is_object()) {
    return Field("requestMessage", "must be an object");
  }
  MP_ASSIGN_OR_RETURN(bool known, registry::IsRegisteredOrg(store, c.covered_by));
  if (!known) return Field("coveredBy", "organisation " + c.covered_by + " is not registered");
  return c;
}

// A fresh key (or the given PEM) and its self-signed certificate.
Result<ConsentKeyRecord> NewConsentKey(int64_t now, const ConsentSignerOptions& options) {
  std::optional<PrivateKey> key;
  if (options.initial_key_pem.empty()) {
    MP_ASSIGN_OR_RETURN(key, PrivateKey::Generate(Algorithm::kRS256, options.bits));
  } else {
    MP_ASSIGN_OR_RETURN(key, PrivateKey::FromPem(options.initial_key_pem));
  }
  if (key->type() != KeyType::kRsa) {
    return Status(Errc::kInvalidKey, "the consent signing key must be RSA");
  }
  MP_ASSIGN_OR_RETURN(
      Certificate cert,
      MakeSelfSignedCertificate(*key, {.subject = {{"C", "NO"},
                                                   {"O", std::string(kAltinnLocalOrgName)},
                                                   {"CN", "Altinn consent tokens (local)"}},
                                       .not_before = now - 86400,
                                       .not_after = now + kCertificateDays * 86400}));
  const std::string kid = key->public_key().Thumbprint();
  SecretString pem(key->ToPkcs8Pem());
  MP_ASSIGN_OR_RETURN(std::string stored, SealPrivateKey(options.key_encryption, kid, pem.value()));
  return ConsentKeyRecord{
      .kid = kid, .private_pem = std::move(stored), .certificate_pem = cert.Pem(), .created = now};
}

// ---- the API

class AltinnConsentApi {
 public:
  explicit AltinnConsentApi(const AltinnConsentContext& ctx)
      : ctx_(ctx), issuer_(ConsentIssuer(ctx.base_url)) {}

  http::HttpResponse Metadata(const http::HttpRequest&) const {
    OrderedJson j;
    j["issuer"] = issuer_;
    j["jwks_uri"] = issuer_ + "jwks";
    return JsonResponse(200, j, "altinn.metadata");
  }

  http::HttpResponse Jwks(const http::HttpRequest&) const {
    constexpr std::string_view kEndpoint = "altinn.jwks";
    API_ASSIGN_OR_RESPOND(std::shared_ptr<const ConsentSigner> signer, Signer(kEndpoint));
    http::HttpResponse r = http::HttpResponse::Json(200, signer->jwks_json);
    r.labels.route = "altinn.jwks";
    return r;
  }

  http::HttpResponse Create(const http::HttpRequest& req) const {
    constexpr std::string_view kEndpoint = "altinn.consent_requests";
    API_ASSIGN_OR_RESPOND(Caller caller,
                          Authenticate(req, {kConsentRequestsWriteScope}, kEndpoint));
    Result<Json> body = ParseStrictJsonObject(req.body);
    if (!body.ok()) {
      return ErrorResponse(400, "invalid_request", "body: " + body.status().message(), kEndpoint);
    }
    const int64_t now = Now();
    Result<ConsentRecord> parsed = ParseConsentRequest(*body, ctx_.store, now);
    if (!parsed.ok()) {
      if (parsed.status().code() != Errc::kInvalidArgument) {
        return ServerError(parsed.status(), kEndpoint);
      }
      return ErrorResponse(400, "invalid_request", parsed.status().message(), kEndpoint);
    }
    ConsentRecord c = std::move(parsed).value();
    if (caller.orgno != c.covered_by && caller.orgno != c.handled_by) {
      return ErrorResponse(
          403, "forbidden",
          "the access token's consumer " + caller.orgno + " is neither coveredBy nor handledBy",
          kEndpoint);
    }
    c.authorization_code = RandomUuid();
    c.status = ConsentStatus::kUnopened;
    c.created = now;
    if (Status s = ctx_.store.CreateConsent(c); !s.ok()) return ServerError(s, kEndpoint);
    http::HttpResponse r = JsonResponse(201, ConsentJson(c, ctx_.base_url), kEndpoint);
    r.headers.emplace_back("Location",
                           ctx_.base_url + "/altinn/api/consentRequests/" + c.authorization_code);
    return r;
  }

  http::HttpResponse Get(const http::HttpRequest& req) const {
    constexpr std::string_view kEndpoint = "altinn.consent_requests";
    API_ASSIGN_OR_RESPOND(
        Caller caller,
        Authenticate(req, {kConsentRequestsReadScope, kConsentRequestsWriteScope}, kEndpoint));
    API_ASSIGN_OR_RESPOND(ConsentRecord c, Find(req.Param("code"), kEndpoint));
    if (caller.orgno != c.covered_by && caller.orgno != c.handled_by) {
      return NotParty(caller, kEndpoint);
    }
    return JsonResponse(200, ConsentJson(c, ctx_.base_url), kEndpoint);
  }

  // The citizen's answer. Local only: no bearer token, the body names the person.
  http::HttpResponse Decide(const http::HttpRequest& req, ConsentStatus decision) const {
    constexpr std::string_view kEndpoint = "altinn.consent_decision";
    Result<Json> body = ParseStrictJsonObject(req.body);
    if (!body.ok()) {
      return ErrorResponse(400, "invalid_request", "body: " + body.status().message(), kEndpoint);
    }
    for (const auto& [name, value] : body->items()) {
      if (name != "person") {
        return ErrorResponse(400, "invalid_request", name + ": is not a known member", kEndpoint);
      }
    }
    auto person = body->find("person");
    if (person == body->end() || !person->is_string() ||
        !IsValidPersonIdentifier(person->get<std::string>())) {
      return ErrorResponse(400, "invalid_request",
                           "person: must be a valid national identity number", kEndpoint);
    }
    const std::string code = req.Param("code");
    API_ASSIGN_OR_RESPOND(ConsentRecord c, Find(code, kEndpoint));
    if (person->get<std::string>() != c.required_delegator) {
      return ErrorResponse(403, "forbidden",
                           "person " + MaskPerson(person->get<std::string>()) +
                               " may not answer this consent request",
                           kEndpoint);
    }
    const int64_t now = Now();
    if (c.status != ConsentStatus::kUnopened) {
      return ErrorResponse(409, "conflict",
                           "consent request " + code + " is " +
                               std::string(ConsentStatusName(c.status)) + ", not Unopened",
                           kEndpoint);
    }
    if (c.valid_to <= now) {
      return ErrorResponse(409, "conflict",
                           "consent request " + code + " expired at " + FormatUtc(c.valid_to),
                           kEndpoint);
    }
    if (Status s = ctx_.store.DecideConsent(code, decision, now); !s.ok()) {
      // Another answer came first.
      if (s.code() == Errc::kInvalidArgument) {
        return ErrorResponse(409, "conflict", s.message(), kEndpoint);
      }
      return ServerError(s, kEndpoint);
    }
    c.status = decision;
    c.decided = now;
    return JsonResponse(200, ConsentJson(c, ctx_.base_url), kEndpoint);
  }

  http::HttpResponse Token(const http::HttpRequest& req) const {
    constexpr std::string_view kEndpoint = "altinn.token";
    API_ASSIGN_OR_RESPOND(Caller caller, Authenticate(req, {kConsentTokensScope}, kEndpoint));
    Result<std::vector<std::pair<std::string, std::string>>> query = http::ParseForm(req.query);
    if (!query.ok()) {
      return ErrorResponse(400, "invalid_request", "query: " + query.status().message(), kEndpoint);
    }
    std::optional<std::string> code = http::FormValue(*query, "authcode");
    if (!code || code->empty()) {
      return ErrorResponse(400, "invalid_request", "authcode: is required", kEndpoint);
    }
    API_ASSIGN_OR_RESPOND(ConsentRecord c, Find(*code, kEndpoint));
    if (caller.orgno != c.covered_by && caller.orgno != c.handled_by) {
      return NotParty(caller, kEndpoint);
    }
    const int64_t now = Now();
    if (c.status != ConsentStatus::kAccepted) {
      return ErrorResponse(409, "consent_not_accepted",
                           "consent request " + c.authorization_code + " is " +
                               std::string(ConsentStatusName(c.status)) + ", not Accepted",
                           kEndpoint);
    }
    if (c.valid_to <= now) {
      return ErrorResponse(
          409, "consent_expired",
          "consent " + c.authorization_code + " expired at " + FormatUtc(c.valid_to), kEndpoint);
    }
    const bool by_handler = !c.handled_by.empty() && caller.orgno == c.handled_by;
    API_ASSIGN_OR_RESPOND(std::shared_ptr<const ConsentSigner> signer, Signer(kEndpoint));
    Result<std::string> token = MintConsentToken(c, by_handler, *signer, issuer_, now);
    if (!token.ok()) return ServerError(token.status(), kEndpoint);
    http::HttpResponse r = http::HttpResponse::Text(200, std::move(token).value());
    r.labels.route = std::string(kEndpoint);
    return r;
  }

  // Altinn's consent page, as text: what a person would be asked, and how to answer locally.
  http::HttpResponse Page(const http::HttpRequest& req) const {
    constexpr std::string_view kEndpoint = "altinn.ui";
    Result<std::vector<std::pair<std::string, std::string>>> query = http::ParseForm(req.query);
    std::optional<std::string> id = query.ok() ? http::FormValue(*query, "id") : std::nullopt;
    if (!id) return ErrorResponse(400, "invalid_request", "id: is required", kEndpoint);
    API_ASSIGN_OR_RESPOND(ConsentRecord c, Find(*id, kEndpoint));
    std::string text = "Local Altinn consent stand-in\n\nConsent request " + c.authorization_code +
                       " (" + std::string(ConsentStatusName(c.status)) + ")\nTo: " + c.covered_by +
                       "\nFrom: " + MaskPerson(c.offered_by) +
                       "\nValid to: " + FormatUtc(c.valid_to) + "\nServices:";
    for (const ConsentResource& r : c.resources) {
      text += " " + r.service_code + "_" + std::to_string(r.service_edition_code);
    }
    text += "\n\nThe person answers with POST " + ctx_.base_url + "/altinn/api/consentRequests/" +
            c.authorization_code + "/accept (or /reject), body {\"person\":\"<fnr>\"}.\n";
    http::HttpResponse r =
        http::HttpResponse::Text(200, std::move(text), "text/plain; charset=utf-8");
    r.labels.route = std::string(kEndpoint);
    return r;
  }

 private:
  int64_t Now() const { return ctx_.clock.NowSeconds(); }

  // The signing key, loaded or made on first use.
  Outcome<std::shared_ptr<const ConsentSigner>> Signer(std::string_view endpoint) const {
    MutexLock lock(signer_mu_);
    if (!signer_) {
      Result<std::unique_ptr<ConsentSigner>> loaded =
          LoadConsentSigner(ctx_.store, ctx_.clock, ctx_.signer_options);
      if (!loaded.ok()) {
        return ErrorResponse(500, "server_error",
                             "the consent signing key failed: " + loaded.status().ToString(),
                             endpoint);
      }
      signer_ = std::move(loaded).value();
    }
    return signer_;
  }

  static std::string MaskPerson(std::string_view id) {
    if (id.size() != 11) return std::string(id);  // an org number is not personal
    return std::string(id.substr(0, 6)) + "*****";
  }

  // RFC 6750: 401 without or with a bad token, 403 without one of `scopes`.
  Outcome<Caller> Authenticate(const http::HttpRequest& req,
                               std::initializer_list<std::string_view> scopes,
                               std::string_view endpoint) const {
    return AuthenticateBearer(req,
                              {.keys = ctx_.keys,
                               .config = ctx_.config,
                               .clock = ctx_.clock,
                               .realm = "altinn",
                               .endpoint = endpoint},
                              scopes);
  }

  Outcome<ConsentRecord> Find(const std::string& code, std::string_view endpoint) const {
    Result<std::optional<ConsentRecord>> c = ctx_.store.GetConsent(code);
    if (!c.ok()) return ServerError(c.status(), endpoint);
    if (!c->has_value()) {
      return ErrorResponse(404, "not_found", "no consent request " + Quote(code, 64), endpoint);
    }
    return std::move(**c);
  }

  static http::HttpResponse NotParty(const Caller& caller, std::string_view endpoint) {
    return ErrorResponse(403, "forbidden",
                         "the access token's consumer " + caller.orgno +
                             " is neither coveredBy nor handledBy of this consent",
                         endpoint);
  }

  AltinnConsentContext ctx_;
  std::string issuer_;
  mutable Mutex signer_mu_;
  mutable std::shared_ptr<const ConsentSigner> signer_ MP_GUARDED_BY(signer_mu_);
};

}  // namespace

std::string ConsentIssuer(std::string_view base_url) { return std::string(base_url) + "/altinn/"; }

std::optional<int64_t> ParseConsentTime(std::string_view text) {
  Result<int64_t> t = ParseUtcTime(text, TimeSyntax::kRfc3339, "validTo");
  if (!t.ok()) return std::nullopt;
  return *t;
}

Status EnsureAltinnScopes(Store& store, const Clock& clock) {
  MP_ASSIGN_OR_RETURN(std::vector<Organization> orgs, store.ListOrganizations());
  if (std::none_of(orgs.begin(), orgs.end(),
                   [](const Organization& o) { return o.orgno == kAltinnLocalOrg; })) {
    MP_RETURN_IF_ERROR(store.PutOrganization(
        {.orgno = std::string(kAltinnLocalOrg), .name = std::string(kAltinnLocalOrgName)}));
  }
  const registry::ProvidedScope scopes[] = {
      {kConsentRequestsReadScope, "Read consent requests (local Altinn stand-in)"},
      {kConsentRequestsWriteScope, "Create consent requests (local Altinn stand-in)"},
      {kConsentTokensScope, "Fetch consent tokens (local Altinn stand-in)"},
      {kSystemRegisterWriteScope, "Register systems (local Altinn system register)"},
      {kSystemUserRequestWriteScope, "Ask customers for system users (local Altinn)"},
      {kSystemUserRequestReadScope, "Read system user requests (local Altinn)"},
      {kSystemUserLookupScope, "Look up system users (local Altinn, Maskinporten's lookup)"},
  };
  ScopeRecord base;
  base.prefix = "altinn";
  base.owner_orgno = std::string(kAltinnLocalOrg);
  base.accessible_for_all = true;
  base.created = base.last_updated = clock.NowSeconds();
  return registry::EnsureScopes(store, base, scopes);
}

Result<std::unique_ptr<ConsentSigner>> LoadConsentSigner(Store& store, const Clock& clock,
                                                         const ConsentSignerOptions& options) {
  MP_ASSIGN_OR_RETURN(std::optional<ConsentKeyRecord> stored, store.GetConsentKey());
  if (!stored) {
    MP_ASSIGN_OR_RETURN(ConsentKeyRecord fresh, NewConsentKey(clock.NowSeconds(), options));
    MP_ASSIGN_OR_RETURN(stored, store.AddConsentKeyIfAbsent(fresh));
  }
  MP_ASSIGN_OR_RETURN(SecretString pem,
                      OpenPrivateKey(options.key_encryption, stored->kid, stored->private_pem));
  MP_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::FromPem(pem.value()));
  MP_ASSIGN_OR_RETURN(Certificate cert, Certificate::FromPem(stored->certificate_pem));
  MP_ASSIGN_OR_RETURN(PublicKey cert_key, cert.PublicKeyOf());
  if (key.type() != KeyType::kRsa || cert_key.Thumbprint() != key.public_key().Thumbprint()) {
    return Status(Errc::kInvalidKey,
                  "the stored consent signing key is not RSA or does not fit its certificate");
  }
  auto signer = std::make_unique<ConsentSigner>(ConsentSigner{.key = key,
                                                              .certificate = cert,
                                                              .kid = stored->kid,
                                                              .x5t = Sha1Base64Url(cert.Der()),
                                                              .jwks_json = {}});
  // Our own serialisation of the public key, read back to add the certificate members.
  OrderedJson jwk = OrderedJson::parse(
      PublicKeyToJwk(key.public_key(), {.kid = signer->kid, .alg = Algorithm::kRS256}));
  jwk["x5t"] = signer->x5t;
  jwk["x5c"] = OrderedJson::array({cert.X5cEntry()});
  OrderedJson jwks;
  jwks["keys"] = OrderedJson::array({std::move(jwk)});
  signer->jwks_json = jwks.dump();
  return signer;
}

Result<std::string> MintConsentToken(const ConsentRecord& consent, bool fetched_by_handler,
                                     const ConsentSigner& signer, std::string_view issuer,
                                     int64_t now) {
  OrderedJson services = OrderedJson::array();
  for (const ConsentResource& r : consent.resources) {
    const std::string id = r.service_code + "_" + std::to_string(r.service_edition_code);
    services.push_back(id);
    for (const auto& [name, value] : r.metadata) services.push_back(id + "_" + name + "=" + value);
  }
  OrderedJson claims;
  claims["Services"] = std::move(services);
  claims["AuthorizationCode"] = consent.authorization_code;
  claims["OfferedBy"] = consent.offered_by;
  claims["RequiredDelegator"] = consent.required_delegator;
  claims["CoveredBy"] = consent.covered_by;
  if (fetched_by_handler && !consent.handled_by.empty()) claims["HandledBy"] = consent.handled_by;
  claims["DelegatedDate"] = consent.decided;
  claims["ValidToDate"] = consent.valid_to;
  claims["iss"] = issuer;
  claims["nbf"] = now;
  claims["iat"] = now;
  claims["exp"] = now + kConsentTokenLifetimeSeconds;
  OrderedJson header;
  header["alg"] = "RS256";
  header["kid"] = signer.kid;
  header["x5t"] = signer.x5t;
  header["typ"] = "JWT";
  std::string signing_input =
      Base64UrlEncode(header.dump()) + "." +
      Base64UrlEncode(claims.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
  MP_ASSIGN_OR_RETURN(std::string signature, Sign(Algorithm::kRS256, signer.key, signing_input));
  return signing_input + "." + Base64UrlEncode(signature);
}

void AddAltinnConsentRoutes(http::Router& router, const AltinnConsentContext& ctx) {
  auto api = std::make_shared<const AltinnConsentApi>(ctx);
  router.Add("GET", "/altinn/.well-known/oauth-authorization-server",
             [api](const http::HttpRequest& r) { return api->Metadata(r); });
  router.Add("GET", "/altinn/jwks", [api](const http::HttpRequest& r) { return api->Jwks(r); });
  router.Add("POST", "/altinn/api/consentRequests",
             [api](const http::HttpRequest& r) { return api->Create(r); });
  router.Add("GET", "/altinn/api/consentRequests/{code}",
             [api](const http::HttpRequest& r) { return api->Get(r); });
  router.Add(
      "POST", "/altinn/api/consentRequests/{code}/accept",
      [api](const http::HttpRequest& r) { return api->Decide(r, ConsentStatus::kAccepted); });
  router.Add(
      "POST", "/altinn/api/consentRequests/{code}/reject",
      [api](const http::HttpRequest& r) { return api->Decide(r, ConsentStatus::kRejected); });
  router.Add("GET", "/altinn/api/authorization/token",
             [api](const http::HttpRequest& r) { return api->Token(r); });
  router.Add("GET", "/altinn/ui/AccessConsent/request",
             [api](const http::HttpRequest& r) { return api->Page(r); });
}

}  // namespace mp::server
