// Strict base64url (RFC 4648 §5, unpadded, as JOSE uses it) and standard base64 (RFC 4648 §4,
// padded, as x5c uses it).
//
// Decoding is strict: a JWS segment has exactly one valid spelling, so anything else (padding in
// base64url, '+' or '/', whitespace, a length of 4n+1, non-zero unused trailing bits) is refused
// with Errc::kInvalidBase64.
//
//   std::string seg = mp::Base64UrlEncode(bytes);
//   MP_ASSIGN_OR_RETURN(std::string raw, mp::Base64UrlDecode(seg));
#ifndef MASKINPORTEN_BASE64_H_
#define MASKINPORTEN_BASE64_H_

#include <string>
#include <string_view>

#include "maskinporten/core_export.h"
#include "maskinporten/status.h"

namespace mp {

MP_CORE_EXPORT std::string Base64UrlEncode(std::string_view bytes);
MP_CORE_EXPORT Result<std::string> Base64UrlDecode(std::string_view text);

// Standard alphabet with '=' padding. Decoding requires canonical padding and zero trailing bits.
MP_CORE_EXPORT std::string Base64Encode(std::string_view bytes);
MP_CORE_EXPORT Result<std::string> Base64Decode(std::string_view text);

}  // namespace mp

#endif  // MASKINPORTEN_BASE64_H_
