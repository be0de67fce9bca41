// Pieces of consent.cc that its tests reach directly: reading the consent's date members and
// printing times in messages.
//
//   MP_ASSIGN_OR_RETURN(auto t, mp::internal::ParseConsentTime(claim_json, "ValidToDate"));
//   std::string text = mp::internal::FormatUtc(t);  // "2027-11-30T00:00:00Z"
#ifndef MASKINPORTEN_VALIDATE_CONSENT_INTERNAL_H_
#define MASKINPORTEN_VALIDATE_CONSENT_INTERNAL_H_

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "maskinporten/status.h"

namespace mp::internal {

// An ISO 8601 calendar date or date-time in one of these forms (UTC unless an offset is given):
//   "2027-11-30"                       (00:00:00 UTC that day)
//   "2027-11-30T12:00" / "...T12:00:00" / "...T12:00:00.1234567" (fraction truncated)
//   any of the date-times followed by "Z", "+01:00", "-0230" or "+01"
// Errc::kInvalidClaim naming `name` otherwise (including impossible dates such as 2027-02-30).
Result<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text,
                                                           std::string_view name);

// A consent date member: epoch seconds as a JSON number (integer, or non-integer truncated) or
// as a string of digits, or an ISO 8601 string as ParseIso8601 reads it. kInvalidClaim naming
// `name` otherwise.
Result<std::chrono::system_clock::time_point> ParseConsentTime(const nlohmann::json& value,
                                                               std::string_view name);

// "2027-11-30T00:00:00Z" (whole seconds, UTC).
std::string FormatUtc(std::chrono::system_clock::time_point t);

}  // namespace mp::internal

#endif  // MASKINPORTEN_VALIDATE_CONSENT_INTERNAL_H_
