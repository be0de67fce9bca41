// A compact JWS decoded but not verified, and the header rules every verifier applies before it
// chooses a key: for VerifyJws and for the access-token validator (src/validate), so both decode
// once and refuse the same headers with the same codes and messages.
#ifndef MASKINPORTEN_JOSE_JWS_INTERNAL_H_
#define MASKINPORTEN_JOSE_JWS_INTERNAL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/jws.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"

namespace mp::internal {

// Header members that change how a token must be processed; none of them is acceptable to us.
struct JwsHeaderFlags {
  bool crit = false;
  std::string crit_names;  // the crit value as compact JSON
  bool b64 = false;
  std::string untrusted;  // the first of jku / x5u / jwk present, or ""
};

struct DecodedJws {
  std::string_view signing_input;  // "<header b64>.<payload b64>", a view into the token
  JwsHeader header;
  JwsHeaderFlags flags;
  std::string payload;    // decoded
  std::string signature;  // decoded
};

// Strict: the size limit first, exactly three segments, strict base64url, the header a JSON
// object with a string "alg" and well-typed kid / typ / x5c. Errc::kMalformedToken /
// kInvalidBase64 / kInvalidJson / kDuplicateJsonKey / kLimitExceeded.
Result<DecodedJws> DecodeJws(std::string_view token, size_t max_token_bytes);

// Everything about the header that is decided before a key is chosen: crit, b64 and
// jku / x5u / jwk are refused (kUnsupportedCritical, kUntrustedHeader), then the alg must be one
// we implement (kUnsupportedAlgorithm) and in `allowed` (kAlgorithmNotAllowed; kInvalidArgument
// when `allowed` is empty).
Result<Algorithm> CheckJwsHeader(const DecodedJws& jws, const std::vector<Algorithm>& allowed);

}  // namespace mp::internal

#endif  // MASKINPORTEN_JOSE_JWS_INTERNAL_H_
