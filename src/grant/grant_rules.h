// Small rules shared by the grant builder and the grant linter (SPEC §2, §4), so that what we
// build and what we check can never disagree.
#ifndef MASKINPORTEN_GRANT_GRANT_RULES_H_
#define MASKINPORTEN_GRANT_GRANT_RULES_H_

#include <string>
#include <string_view>

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

// RFC 6749 §3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ). No whitespace, no control
// characters, no '"' or '\', ASCII only.
bool IsScopeToken(std::string_view token);

// An http or https URL whose host is loopback (127.0.0.0/8, localhost, [::1]), as the local
// emulator's issuer is (SPEC §2).
bool IsLoopbackHttpUrl(std::string_view url);

// Contains a byte below 0x20 or 0x7f.
bool HasControlCharacter(std::string_view text);

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// 8-4-4-4-12 hexadecimal digits (either case) with dashes: a UUID as jti, client_id, consent id
// and call ids are written.
bool IsUuid(std::string_view s);

// `text` quoted as a JSON string, cut to `max` bytes of input with "..." (for messages).
std::string Quote(std::string_view text, size_t max = 100);

}  // namespace mp::grant_internal

#endif  // MASKINPORTEN_GRANT_GRANT_RULES_H_
