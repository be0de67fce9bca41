// The local Altinn 3 consent service's rules (SPEC §14.1): the consent resources it knows, the
// request body and its problems, the JSON it answers with, and the party URNs. Pure: no store,
// no HTTP. Private to src/server.
//
//   std::variant<ConsentRequestRecord, AltinnProblem> parsed =
//       ParseConsentRequestBody(body, now, [&](std::string_view org) { return Known(org); });
//   if (auto* p = std::get_if<AltinnProblem>(&parsed)) return ProblemResponse(400, p->code, ...);
#ifndef MASKINPORTEN_SERVER_ALTINN_CONSENT_RULES_H_
#define MASKINPORTEN_SERVER_ALTINN_CONSENT_RULES_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/store/store.h"

namespace mp::server::altinn_internal {

// A consent resource of the local Altinn resource registry: its id and the metadata keys every
// right for it must carry (SPEC §14.1: exactly these, each non-empty).
struct ConsentResourceDefinition {
  std::string_view id;
  std::string_view title;
  std::span<const std::string_view> metadata;
};
// The built-in consent resources (docs/emulator.md): "nav_5252_2" (NAV's SSU, as Altinn's
// migration names Altinn 2 service 5252 edition 2; metadata "navn") and
// "standard-samtykke-for-dele-data" (Altinn's docs example; metadata "inntektsaar").
std::span<const ConsentResourceDefinition> ConsentResources();
const ConsentResourceDefinition* FindConsentResource(std::string_view id);

// The fnr of "urn:altinn:person:identifier-no:<fnr>" or the orgno of
// "urn:altinn:organization:identifier-no:<orgno>" when valid; "" for anything else.
std::string PartyId(std::string_view urn);
bool IsPersonUrn(std::string_view urn);
std::string OrganizationUrn(std::string_view orgno);

// A refused request as Altinn answers it: code (AM-000nn, or STD-00000 for the validation list),
// title, a detail naming the field, and the JSON pointer of that field for the validation list.
struct AltinnProblem {
  std::string code;
  std::string title;
  std::string detail;
  std::string path{};  // "" except for STD-00000
};

// A create body -> the record (status created, no events, created/consented 0), or the first
// problem. `org_known` says whether an org number is registered locally (AM-00003 otherwise).
std::variant<ConsentRequestRecord, AltinnProblem> ParseConsentRequestBody(
    const nlohmann::json& body, int64_t now,
    const std::function<bool(std::string_view orgno)>& org_known);

// An absolute https URL (http only to a loopback host), no userinfo, at most 2000 characters: what
// Altinn takes as a redirectUrl (consent requests, SPEC §14.1; systems' allowedRedirectUrls, §15).
bool IsRedirectUrl(std::string_view url);

// "<base_url>/accessmanagement/ui/consent/request?id=<id>": the person's page (viewUri).
std::string ViewUri(std::string_view base_url, std::string_view id);

// The request as Altinn answers it: the request fields, handledBy, status, consented,
// consentRequestEvents and viewUri.
nlohmann::ordered_json ConsentRequestJson(const ConsentRequestRecord& c, std::string_view base_url);

}  // namespace mp::server::altinn_internal

#endif  // MASKINPORTEN_SERVER_ALTINN_CONSENT_RULES_H_
