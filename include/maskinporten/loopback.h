// The one loopback rule: which hosts and URLs are this machine. Plain http, the local login and
// the local emulator's issuer are allowed only on loopback (SPEC §2).
//
//   if (!mp::IsLoopbackUrl(url) && !url.starts_with("https://")) return Refuse(...);
#ifndef MASKINPORTEN_LOOPBACK_H_
#define MASKINPORTEN_LOOPBACK_H_

#include <string_view>

#include "maskinporten/core_export.h"

namespace mp {

// True for http(s) URLs whose host is loopback (IsLoopbackHost; an IPv6 literal in brackets),
// without userinfo.
MP_CORE_EXPORT bool IsLoopbackUrl(std::string_view url);
// The one loopback test for a bare host: "localhost" (any case); 127.0.0.0/8 as a strict dotted
// quad (no leading zeros, no short forms); ::1, bracketed or not. Anything else is false,
// including names that merely resolve to loopback and IPv4-mapped addresses (::ffff:127.0.0.1).
MP_CORE_EXPORT bool IsLoopbackHost(std::string_view host);

}  // namespace mp

#endif  // MASKINPORTEN_LOOPBACK_H_
