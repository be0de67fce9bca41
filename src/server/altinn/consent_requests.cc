#include "server/altinn/consent_requests.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <variant>

#include "core/json.h"
#include "core/random.h"
#include "core/strings.h"
#include "server/altinn/altinn_consent.h"
#include "server/altinn/consent_rules.h"
#include "server/handlers/api_response.h"
#include "server/registry/registry_rules.h"

namespace mp::server {
namespace {

using altinn_internal::AltinnProblem;
using altinn_internal::ConsentRequestJson;
using altinn_internal::OrganizationUrn;
using altinn_internal::PartyId;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kApiEndpoint = "altinn3.consent_requests";
constexpr std::string_view kPersonEndpoint = "altinn3.consent_person";

// SPEC §14.1: 401 and 403 of the bearer check carry no body (the challenge header stays).
http::HttpResponse WithoutBody(http::HttpResponse r) {
  r.body.clear();
  return r;
}

http::HttpResponse ServerError(const Status& s, std::string_view endpoint) {
  return ErrorResponse(500, "server_error", "the registry failed: " + s.ToString(), endpoint);
}

http::HttpResponse NotFound(std::string_view id, std::string_view endpoint) {
  return ProblemResponse(404, "AM-00001", "Consent not found",
                         "no consent request " + Quote(id, 64), endpoint);
}

// The person who answers: requiredDelegator when set, else from.
std::string Answerer(const ConsentRequestRecord& c) {
  return c.required_delegator.empty() ? c.from : c.required_delegator;
}

// A person's answer: the status it needs, the one it gives, and Altinn's problem otherwise.
struct Answer {
  ConsentRequestStatus from;
  ConsentRequestStatus to;
  std::string_view code;
  std::string_view title;
};
constexpr Answer kAccept{ConsentRequestStatus::kCreated, ConsentRequestStatus::kAccepted,
                         "AM-00002", "Consent have wrong status to be consented"};
constexpr Answer kReject{ConsentRequestStatus::kCreated, ConsentRequestStatus::kRejected,
                         "AM-00030", "Consent cant be rejected. Wrong status"};
constexpr Answer kRevoke{ConsentRequestStatus::kAccepted, ConsentRequestStatus::kRevoked,
                         "AM-00010", "Consent cant be revoked.Wrong status"};

class ConsentRequestApi {
 public:
  explicit ConsentRequestApi(const ConsentRequestContext& ctx) : ctx_(ctx) {}

  http::HttpResponse Create(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(BearerCaller caller, Authenticate(req, {kConsentRequestsWriteScope}));
    Result<Json> body = ParseStrictJsonObject(req.body);
    if (!body.ok()) {
      return ProblemResponse(400, "STD-00000", "One or more validation errors occurred.",
                             "body: " + body.status().message(), kApiEndpoint, {"/"});
    }
    const int64_t now = Now();
    Status lookup_failed;
    auto parsed = altinn_internal::ParseConsentRequestBody(
        *body, now, [&](std::string_view orgno) { return OrgKnown(orgno, lookup_failed); });
    if (!lookup_failed.ok()) return ServerError(lookup_failed, kApiEndpoint);
    if (auto* p = std::get_if<AltinnProblem>(&parsed)) return Problem(*p);
    ConsentRequestRecord c = std::move(std::get<ConsentRequestRecord>(parsed));
    // SPEC §14.1: the consumer asks for itself; a supplier's token (consumer_org) asks for its
    // customer and becomes handledBy.
    if (PartyId(c.to) != caller.orgno) return WithoutBody(Forbidden());
    c.handled_by = caller.supplier;
    c.status = ConsentRequestStatus::kCreated;
    c.created = now;
    c.events = {Event("created", now,
                      OrganizationUrn(caller.supplier.empty() ? caller.orgno : caller.supplier))};
    Status created = ctx_.store.CreateConsentRequest(c);
    if (created.code() == Errc::kInvalidArgument) return Duplicate(c);
    if (!created.ok()) return ServerError(created, kApiEndpoint);
    http::HttpResponse r = JsonResponse(201, ConsentRequestJson(c, ctx_.base_url), kApiEndpoint);
    r.headers.emplace_back("Location",
                           ctx_.base_url + std::string(kConsentRequestsPath) + "/" + c.id);
    return r;
  }

  http::HttpResponse Get(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(BearerCaller caller, Authenticate(req, {kConsentRequestsReadScope,
                                                                  kConsentRequestsWriteScope}));
    API_ASSIGN_OR_RESPOND(ConsentRequestRecord c, Find(req.Param("id"), kApiEndpoint));
    if (PartyId(c.to) != caller.orgno && c.handled_by != caller.orgno) {
      return ProblemResponse(403, "AM-00000", "Not authorized for consent",
                             "the access token's consumer " + caller.orgno +
                                 " is neither to nor handledBy of this consent request",
                             kApiEndpoint);
    }
    return JsonResponse(200, ConsentRequestJson(c, ctx_.base_url), kApiEndpoint);
  }

  // The person's page reads the request with the names it shows.
  http::HttpResponse PersonView(const http::HttpRequest& req) const {
    API_ASSIGN_OR_RESPOND(bool local, LocalOnly(req, "person's consent", kPersonEndpoint));
    (void)local;
    API_ASSIGN_OR_RESPOND(ConsentRequestRecord c, Find(req.Param("id"), kPersonEndpoint));
    OrderedJson j = ConsentRequestJson(c, ctx_.base_url);
    Result<std::vector<Organization>> orgs = ctx_.store.ListOrganizations();
    if (!orgs.ok()) return ServerError(orgs.status(), kPersonEndpoint);
    OrderedJson names = OrderedJson::object();
    for (const Organization& o : *orgs) {
      if (o.orgno == PartyId(c.to) || o.orgno == c.handled_by) names[o.orgno] = o.name;
    }
    j["organizationNames"] = std::move(names);
    OrderedJson titles = OrderedJson::object();
    for (const ConsentRight& r : c.rights) {
      if (const auto* def = altinn_internal::FindConsentResource(r.resource)) {
        titles[r.resource] = def->title;
      }
    }
    j["resourceTitles"] = std::move(titles);
    return JsonResponse(200, j, kPersonEndpoint);
  }

  http::HttpResponse Decide(const http::HttpRequest& req, const Answer& answer) const {
    API_ASSIGN_OR_RESPOND(bool local, LocalOnly(req, "person's consent", kPersonEndpoint));
    (void)local;
    const std::string id = req.Param("id");
    API_ASSIGN_OR_RESPOND(ConsentRequestRecord c, Find(id, kPersonEndpoint));
    if (c.status != answer.from) {
      return ProblemResponse(
          400, answer.code, answer.title,
          "consent request " + id + " is " + std::string(ConsentRequestStatusName(c.status)),
          kPersonEndpoint);
    }
    const std::string event_type(ConsentRequestStatusName(answer.to));
    Status s = ctx_.store.TransitionConsentRequest(id, answer.from, answer.to,
                                                   Event(event_type, Now(), Answerer(c)));
    if (s.code() == Errc::kInvalidArgument) {  // another answer came first
      return ProblemResponse(400, answer.code, answer.title, s.message(), kPersonEndpoint);
    }
    if (!s.ok()) return ServerError(s, kPersonEndpoint);
    API_ASSIGN_OR_RESPOND(ConsentRequestRecord now, Find(id, kPersonEndpoint));
    return JsonResponse(200, ConsentRequestJson(now, ctx_.base_url), kPersonEndpoint);
  }

 private:
  int64_t Now() const { return ctx_.clock.NowSeconds(); }

  static ConsentRequestEvent Event(std::string type, int64_t at, std::string performed_by) {
    return ConsentRequestEvent{.event_id = RandomUuid(),
                               .event_type = std::move(type),
                               .created = at,
                               .performed_by = std::move(performed_by)};
  }

  static http::HttpResponse Problem(const AltinnProblem& p) {
    std::vector<std::string> paths;
    if (!p.path.empty()) paths.push_back(p.path);
    return ProblemResponse(400, p.code, p.title, p.detail, kApiEndpoint, paths);
  }

  static http::HttpResponse Forbidden() {
    return ErrorResponse(403, "forbidden", "", kApiEndpoint);
  }

  Outcome<BearerCaller> Authenticate(const http::HttpRequest& req,
                                     std::initializer_list<std::string_view> scopes) const {
    Outcome<BearerCaller> caller = AuthenticateBearer(req,
                                                      {.keys = ctx_.keys,
                                                       .config = ctx_.config,
                                                       .clock = ctx_.clock,
                                                       .realm = "altinn",
                                                       .endpoint = kApiEndpoint},
                                                      scopes);
    if (caller.ok()) return caller;
    return WithoutBody(std::move(caller).response());
  }

  bool OrgKnown(std::string_view orgno, Status& failed) const {
    Result<bool> known = registry::IsRegisteredOrg(ctx_.store, orgno);
    if (!known.ok()) {
      failed = known.status();
      return true;
    }
    return *known;
  }

  // SPEC §14.1: the same id again answers the stored request when from and to match.
  http::HttpResponse Duplicate(const ConsentRequestRecord& c) const {
    API_ASSIGN_OR_RESPOND(ConsentRequestRecord stored, Find(c.id, kApiEndpoint));
    if (stored.from != c.from || stored.to != c.to) {
      return ProblemResponse(400, "AM-00016", "Consent request id already used",
                             "consent request " + c.id + " exists with another from or to",
                             kApiEndpoint);
    }
    return JsonResponse(200, ConsentRequestJson(stored, ctx_.base_url), kApiEndpoint);
  }

  // The request, after marking it expired when validTo has passed (SPEC §14.1: the read adds an
  // `expired` event).
  Outcome<ConsentRequestRecord> Find(const std::string& id, std::string_view endpoint) const {
    for (int attempt = 0; attempt < 2; ++attempt) {
      Result<std::optional<ConsentRequestRecord>> c = ctx_.store.GetConsentRequest(id);
      if (!c.ok()) return ServerError(c.status(), endpoint);
      if (!c->has_value()) return NotFound(id, endpoint);
      ConsentRequestRecord& r = **c;
      const bool live =
          r.status == ConsentRequestStatus::kCreated || r.status == ConsentRequestStatus::kAccepted;
      if (!live || Now() < r.valid_to) return std::move(r);
      Status s = ctx_.store.TransitionConsentRequest(id, r.status, ConsentRequestStatus::kExpired,
                                                     Event("expired", r.valid_to, ""));
      if (!s.ok() && s.code() != Errc::kInvalidArgument) return ServerError(s, endpoint);
    }
    return ErrorResponse(409, "conflict", "consent request " + id + " kept changing", endpoint);
  }

  ConsentRequestContext ctx_;
};

}  // namespace

void AddConsentRequestRoutes(http::Router& router, const ConsentRequestContext& ctx) {
  auto api = std::make_shared<const ConsentRequestApi>(ctx);
  const std::string base(kConsentRequestsPath);
  for (const std::string& path : {base, base + "/"}) {
    router.Add("POST", path, [api](const http::HttpRequest& r) { return api->Create(r); });
  }
  router.Add("GET", base + "/{id}", [api](const http::HttpRequest& r) { return api->Get(r); });
  router.Add("GET", "/emulator/consent/{id}",
             [api](const http::HttpRequest& r) { return api->PersonView(r); });
  router.Add("POST", "/emulator/consent/{id}/accept",
             [api](const http::HttpRequest& r) { return api->Decide(r, kAccept); });
  router.Add("POST", "/emulator/consent/{id}/reject",
             [api](const http::HttpRequest& r) { return api->Decide(r, kReject); });
  router.Add("POST", "/emulator/consent/{id}/revoke",
             [api](const http::HttpRequest& r) { return api->Decide(r, kRevoke); });
}

}  // namespace mp::server
