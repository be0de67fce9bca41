// RFC 3986 percent-encoding, shared by the token client (form bodies) and the local
// Maskinporten's HTTP layer, so both sides of /token encode the same way.
//
//   std::string body = "assertion=" + mp::PercentEncode(grant);   // "a%20b" for "a b"
#ifndef MASKINPORTEN_CORE_PERCENT_H_
#define MASKINPORTEN_CORE_PERCENT_H_

#include <string>
#include <string_view>

#include "maskinporten/core_export.h"

namespace mp {

// RFC 3986 §2.3 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
MP_CORE_EXPORT bool IsUrlUnreserved(unsigned char c);

// Every byte but the unreserved ones as %XX (upper-case hex). Safe for a query component and for
// application/x-www-form-urlencoded values.
MP_CORE_EXPORT std::string PercentEncode(std::string_view text);

}  // namespace mp

#endif  // MASKINPORTEN_CORE_PERCENT_H_
