// Pieces of consent.cc that its tests reach directly: reading the consent's date members (times
// are printed with mp::FormatUtc, core/utc_time.h).
//
//   MP_ASSIGN_OR_RETURN(auto t, mp::internal::ParseConsentTime(claim_json, "ValidToDate"));
#ifndef MASKINPORTEN_VALIDATE_CONSENT_INTERNAL_H_
#define MASKINPORTEN_VALIDATE_CONSENT_INTERNAL_H_

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "maskinporten/status.h"

namespace mp::internal {

// mp::ParseUtcTime(text, TimeSyntax::kIso8601, ...) for a claim: Errc::kInvalidClaim
// "claim <name> ..." otherwise (including impossible dates such as 2027-02-30).
Result<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text,
                                                           std::string_view name);

// A consent date member: epoch seconds as a JSON number (integer, or non-integer truncated) or
// as a string of digits, or an ISO 8601 string as ParseIso8601 reads it. kInvalidClaim naming
// `name` otherwise.
Result<std::chrono::system_clock::time_point> ParseConsentTime(const nlohmann::json& value,
                                                               std::string_view name);

}  // namespace mp::internal

#endif  // MASKINPORTEN_VALIDATE_CONSENT_INTERNAL_H_
