// The constants and small predicates of Maskinporten's grant rules (SPEC §2, §4), each with one
// home: the grant builder, the grant-rule engine (emulator and linter) and the server's token
// endpoint read them from here.
#ifndef MASKINPORTEN_GRANT_GRANT_RULES_H_
#define MASKINPORTEN_GRANT_GRANT_RULES_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "maskinporten/grant.h"
#include "maskinporten/grant_export.h"
#include "maskinporten/key.h"

namespace mp::grant_internal {

// SPEC §2: the issuers, exactly, with the trailing slash (also the grant's aud).
constexpr std::string_view kTestIssuer = "https://test.maskinporten.no/";
constexpr std::string_view kProdIssuer = "https://maskinporten.no/";
// Retired 2024-06-10 (SPEC §2); never a default, the linter warns.
constexpr std::string_view kVer2Issuer = "https://ver2.maskinporten.no/";
// Skyporten: a separate issuer WITHOUT a trailing slash (SPEC §2); out of scope.
constexpr std::string_view kSkyportenTestIssuer = "https://test.sky.maskinporten.no";
constexpr std::string_view kSkyportenProdIssuer = "https://sky.maskinporten.no";

// SPEC §4.3: exp - iat <= 120 s.
constexpr int64_t kMaxGrantLifetimeSeconds = kMaxGrantLifetime.count();
// SPEC §4.3 and §13.7: iat at most 10 s ahead of the server clock, exp at most 10 s behind.
constexpr int64_t kMaxClockSkewSeconds = kMaxClockSkew.count();
// SPEC §9: a registered key is valid for one year after upload (MP-121).
constexpr int64_t kKeyValiditySeconds = kRegisteredKeyValidity.count();

// SPEC §4.3 claims, plus nbf and sub (= iss) which NAV's digdirator sends (SPEC §12), and
// iss_onbehalfof, which is known but refused.
constexpr std::array<std::string_view, 13> kGrantClaims = {"aud",
                                                           "iss",
                                                           "iat",
                                                           "exp",
                                                           "jti",
                                                           "scope",
                                                           "resource",
                                                           "pid",
                                                           "consumer_org",
                                                           "iss_onbehalfof",
                                                           "authorization_details",
                                                           "nbf",
                                                           "sub"};
constexpr std::array<std::string_view, 5> kRequiredGrantClaims = {"aud", "iss", "iat", "exp",
                                                                  "scope"};

// SPEC §3 authorization_details_types_supported and §11.3: the types and each one's fields.
constexpr std::string_view kConsentType = "urn:altinn:consent";
constexpr std::string_view kSystemUserType = "urn:altinn:systemuser";
constexpr std::array<std::string_view, 2> kAuthorizationDetailsTypes = {kSystemUserType,
                                                                        kConsentType};
constexpr std::array<std::string_view, 3> kConsentFields = {"type", "id", "from"};
// SPEC §15: externalRef when the system user request set one (it defaults to the customer's
// orgno).
constexpr std::array<std::string_view, 3> kSystemUserFields = {"type", "systemuser_org",
                                                               "externalRef"};
constexpr std::string_view kConsentPersonPrefix = "urn:altinn:person:identifier-no:";
constexpr std::string_view kConsentOrgPrefix = "urn:altinn:organization:identifier-no:";
// SPEC §14.3: the titles of Altinn's consent lookup problems (AM-00001, -00012, -00013, -00011,
// -00014), which the emulator puts after MP-303's text.
constexpr std::string_view kConsentNotFoundTitle = "Consent not found";
constexpr std::string_view kConsentPartyMismatchTitle =
    "The consented party does not match the party requested";
constexpr std::string_view kConsentExpiredTitle = "Consent is expired";
constexpr std::string_view kConsentRevokedTitle = "Consent is revoked";
constexpr std::string_view kConsentNotAcceptedTitle = "Consent is not accepted";
// SPEC §15: no live system user for the grant (Altinn's byExternalId answers AUTH-00015 with
// this title), and the Local choice for consumer_org with a system user; both go after MP-303's
// text as the consent titles do.
constexpr std::string_view kSystemUserNotFoundTitle = "The SystemUser was not found.";
constexpr std::string_view kSystemUserWithConsumerOrgTitle =
    "consumer_org cannot be combined with a system user";
// SPEC §5: consumer / supplier / systemuser_org are {"authority": this, "ID": "0192:<orgno>"}.
constexpr std::string_view kIso6523Authority = "iso6523-actorid-upis";

// Maskinporten's metadata lists token_endpoint_auth_signing_alg_values_supported RS256, RS384,
// RS512 (SPEC §3).
inline bool IsMaskinportenAlgorithm(Algorithm alg) {
  return alg == Algorithm::kRS256 || alg == Algorithm::kRS384 || alg == Algorithm::kRS512;
}
inline bool IsMaskinportenAlgorithmName(std::string_view name) {
  return name == "RS256" || name == "RS384" || name == "RS512";
}
inline const std::vector<Algorithm>& MaskinportenAlgorithms() {
  static const std::vector<Algorithm> kAlgs = {Algorithm::kRS256, Algorithm::kRS384,
                                               Algorithm::kRS512};
  return kAlgs;
}

// SPEC §4.3 pid: an 11-digit Norwegian national identity number (fødselsnummer) with both mod-11
// check digits and a plausible date; D-numbers (day + 40) and synthetic test ids (month + 40 or
// + 80) are accepted.
MP_GRANT_EXPORT bool IsValidPersonIdentifier(std::string_view pid);

// A registered kid: non-empty, [A-Za-z0-9._-] (SPEC §9, current docs).
MP_GRANT_EXPORT bool IsValidKid(std::string_view kid);

}  // namespace mp::grant_internal

#endif  // MASKINPORTEN_GRANT_GRANT_RULES_H_
