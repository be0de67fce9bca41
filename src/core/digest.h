// Message digests as text, for keys and names derived from untrusted strings (a replay key from
// an issuer and a jti, an assertion without jti).
//
//   std::string key = "jti:" + mp::Sha256Hex(issuer + "\n" + jti);   // 64 lowercase hex digits
#ifndef MASKINPORTEN_CORE_DIGEST_H_
#define MASKINPORTEN_CORE_DIGEST_H_

#include <string>
#include <string_view>

#include "maskinporten/core_export.h"

namespace mp {

// Lowercase hex of SHA-256(data): 64 characters.
MP_CORE_EXPORT std::string Sha256Hex(std::string_view data);

}  // namespace mp

#endif  // MASKINPORTEN_CORE_DIGEST_H_
