// Small rules shared by the grant builder and the grant linter (SPEC §2, §4), so that what we
// build and what we check can never disagree.
#ifndef MASKINPORTEN_GRANT_GRANT_RULES_H_
#define MASKINPORTEN_GRANT_GRANT_RULES_H_

#include <string>
#include <string_view>

#include "core/scope_set.h"
#include "core/strings.h"
#include "maskinporten/key.h"
#include "maskinporten/loopback.h"

namespace mp::grant_internal {

// SPEC §2: the issuers, exactly, with the trailing slash (also the grant's aud).
constexpr std::string_view kTestIssuer = "https://test.maskinporten.no/";
constexpr std::string_view kProdIssuer = "https://maskinporten.no/";
// Retired 2024-06-10 (SPEC §2); never a default, the linter warns.
constexpr std::string_view kVer2Issuer = "https://ver2.maskinporten.no/";
// Skyporten: a separate issuer WITHOUT a trailing slash (SPEC §2); out of scope.
constexpr std::string_view kSkyportenTestIssuer = "https://test.sky.maskinporten.no";
constexpr std::string_view kSkyportenProdIssuer = "https://sky.maskinporten.no";

// Maskinporten's metadata lists token_endpoint_auth_signing_alg_values_supported RS256, RS384,
// RS512 (SPEC §3).
inline bool IsMaskinportenAlgorithm(Algorithm alg) {
  return alg == Algorithm::kRS256 || alg == Algorithm::kRS384 || alg == Algorithm::kRS512;
}
inline bool IsMaskinportenAlgorithmName(std::string_view name) {
  return name == "RS256" || name == "RS384" || name == "RS512";
}

// A registered kid: non-empty, [A-Za-z0-9._-] (SPEC §9, current docs).
bool IsValidKid(std::string_view kid);

// Moved to core (issue 13 §2); these forwards keep the grant engine's callers compiling until
// they name the core functions themselves.
using ::mp::HasControlCharacter;
using ::mp::IsScopeToken;
using ::mp::IsUuid;
using ::mp::IsValidUtf8;
using ::mp::Quote;
// An http or https URL whose host is loopback, without userinfo: mp::IsLoopbackUrl.
inline bool IsLoopbackHttpUrl(std::string_view url) { return ::mp::IsLoopbackUrl(url); }

}  // namespace mp::grant_internal

#endif  // MASKINPORTEN_GRANT_GRANT_RULES_H_
