// Consent for consent-based APIs (SPEC §11): the citizen's consent, and NAV's rule that ties it to
// the Maskinporten token.
//
// Two forms carry a consent:
//   - Altinn 2 samtykketoken (SPEC §11.1): an RS256 JWT from Altinn, sent by the consumer in the
//     `NAV-Samtykke-Token` header. VerifyAltinn2Consent checks its signature against Altinn's keys
//     and reads its claims (Services or ServiceCodes, both date formats).
//   - Altinn 3 (SPEC §11.3): an `authorization_details` entry of type `urn:altinn:consent` inside
//     the Maskinporten token itself. ConsentFromAccessToken reads it.
// CheckConsent then applies the rule: the consent covers the token's consumer org, was given by
// the person the request names, is valid now, and covers the requested service.
//
//   MP_ASSIGN_OR_RETURN(auto token, validator.Validate(bearer));
//   MP_ASSIGN_OR_RETURN(auto consent, mp::VerifyAltinn2Consent(samtykke, *altinn_keys, {
//                                         .issuer = "altinn.no"}));
//   MP_RETURN_IF_ERROR(mp::CheckConsent(token, consent, {.person = person_ident,
//                                                        .service = "5252_2"}));
//
// Personal identifiers are never put in full into a Status message: MaskPersonId shows the birth
// date part only, and HashPersonId gives a stable pseudonym for audit logs.
#ifndef MASKINPORTEN_CONSENT_H_
#define MASKINPORTEN_CONSENT_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maskinporten/clock.h"
#include "maskinporten/org_number.h"
#include "maskinporten/status.h"
#include "maskinporten/validate_export.h"
#include "maskinporten/validator.h"

namespace mp {

// One service a consent covers.
struct MP_VALIDATE_EXPORT ConsentService {
  // Altinn 2: "<serviceCode>_<serviceEditionCode>", e.g. "5252_2". Altinn 3: the resource value
  // of a consentRights entry (e.g. "nav_ssu_samtykke").
  std::string id{};
  // Altinn 2 metadata entries ("4630_2_fraOgMed=2017-06" gives {"fraOgMed","2017-06"}); Altinn 3
  // consentRights metadata members. In the order given.
  std::vector<std::pair<std::string, std::string>> metadata{};
};

struct MP_VALIDATE_EXPORT Consent {
  enum class Form { kAltinn2Token, kAltinn3AuthorizationDetails };
  Form form = Form::kAltinn2Token;
  std::string id{};  // AuthorizationCode (Altinn 2) / authorization_details id (Altinn 3)
  // The person (fnr, 11 digits) or org (9 digits) who consented: OfferedBy / `from`.
  std::string offered_by{};
  std::string required_delegator{};       // Altinn 2 RequiredDelegator, "" when absent
  OrgNumber covered_by;                   // CoveredBy / `to`: the org the consent is given to
  std::optional<OrgNumber> handled_by{};  // HandledBy: the supplier, when one fetched it
  std::vector<ConsentService> services{};
  std::chrono::system_clock::time_point consented_at{};  // DelegatedDate / consented
  std::chrono::system_clock::time_point valid_to{};      // ValidToDate / validTo
  std::string issuer{};  // Altinn 2: the token's iss; Altinn 3: the access token's issuer
};

struct MP_VALIDATE_EXPORT ConsentVerifyOptions {
  std::string issuer = "altinn.no";       // the samtykketoken's iss, exactly
  std::optional<std::string> audience{};  // checked when set (SPEC §11.1: value not public)
  std::chrono::seconds leeway{30};        // for exp, nbf and iat
  // exp - iat above this is refused (kInvalidClaim); DSOP's tokens live 30 s.
  std::chrono::seconds max_lifetime{300};
  size_t max_token_bytes = 16 * 1024;
  const Clock* clock = nullptr;  // SystemClock when null
};

// An Altinn 2 samtykketoken: RS256 only, key by kid from `altinn_keys` (a JwksCache so Altinn's
// rotation is followed; JwksCache::Fixed for a configured key or certificate), iss, lifetime,
// then the claims of SPEC §11.1. Errors: the JWS/JWT codes as for access tokens, kMissingClaim /
// kInvalidClaim naming the claim, kInvalidOrgNumber for CoveredBy/HandledBy.
// Claims read: `Services` (array) or the older `ServiceCodes` (string, comma-separated entries
// allowed, or array), not both; entries "<code>_<edition>" (digits) and metadata entries
// "<code>_<edition>_<key>=<value>" for a listed service, at least one service. iat and exp are
// required. HandledBy null or "" counts as absent. DelegatedDate and ValidToDate (both required):
// epoch seconds as a JSON number or a string of digits, or ISO 8601 "2027-11-30",
// "2027-11-30T12:00", "2027-11-30T12:00:00" with an optional fraction (truncated) and an optional
// "Z" / "+01:00" / "+0100" / "+01" offset (no offset: UTC; a date alone: 00:00:00 UTC).
MP_VALIDATE_EXPORT Result<Consent> VerifyAltinn2Consent(std::string_view token,
                                                        JwksCache& altinn_keys,
                                                        const ConsentVerifyOptions& options = {});

// The Altinn 3 consent in a validated access token's authorization_details (the one entry of type
// "urn:altinn:consent"). Errc::kConsentNotValid when there is none; kInvalidClaim naming the
// member when it is malformed (id, from, to, consented, validTo, consentRights). A right's
// metadata may be spelt metaData (SPEC §14.3).
MP_VALIDATE_EXPORT Result<Consent> ConsentFromAccessToken(const ValidatedAccessToken& token);

struct MP_VALIDATE_EXPORT ConsentRequirement {
  std::string person{};          // the person identifier of the request (e.g. NAV-PersonIdent)
  std::string service{};         // the service the endpoint serves, e.g. "5252_2"; "" = any
  const Clock* clock = nullptr;  // SystemClock when null
};

// The rule (SPEC §11.1, §11.3), in this order:
//   covered_by == token.consumer            else kConsentOrgMismatch
//   offered_by == requirement.person        else kConsentPersonMismatch
//   consented_at <= now < valid_to          else kConsentNotValid
//   requirement.service among services      else kConsentNotValid
//     (an Altinn 3 resource "<org>_<service>", as Altinn migrates Altinn 2 services, covers
//     "<service>": "nav_5252_2" covers "5252_2"; SPEC §14.0)
// Altinn 2 only: when the consent has HandledBy and the token has a supplier, they must be the
// same org (kConsentOrgMismatch), checked right after covered_by. A token without supplier may
// carry a consent with any HandledBy.
// Messages name both values' roles, e.g. "consent CoveredBy 910753614 differs from the access
// token's consumer 0192:314159267"; a person id appears only masked.
MP_VALIDATE_EXPORT Status CheckConsent(const ValidatedAccessToken& token, const Consent& consent,
                                       const ConsentRequirement& requirement);

// "010190*****" for "01019012345": the first six characters, the rest as '*'. Anything that is
// not 11 digits is masked whole ("***").
MP_VALIDATE_EXPORT std::string MaskPersonId(std::string_view person_id);
// Lowercase hex SHA-256 of "maskinporten-cpp person:" + id, first 16 bytes (32 hex characters).
MP_VALIDATE_EXPORT std::string HashPersonId(std::string_view person_id);

}  // namespace mp

#endif  // MASKINPORTEN_CONSENT_H_
