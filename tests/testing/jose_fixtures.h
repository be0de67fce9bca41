// Shared helpers for the jose conformance and hostile-input suites: cached test keys, hand-built
// compact tokens (any header, any signature bytes), hex decoding for Wycheproof vectors, and a
// claims set that is valid at a FakeClock's time.
//
//   const mp::PrivateKey& key = mp::testing::TestKey(mp::Algorithm::kES256);
//   std::string token = mp::testing::SignCompact(key, mp::Algorithm::kES256,
//                                                R"({"alg":"ES256","crit":["exp"]})", "{}");
#ifndef MASKINPORTEN_TESTS_TESTING_JOSE_FIXTURES_H_
#define MASKINPORTEN_TESTS_TESTING_JOSE_FIXTURES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "maskinporten/key.h"

namespace mp::testing {

// A private key for `alg`, generated once per process and shared: one RSA-2048 key for all RS*
// and PS* algorithms, one P-256 key, one P-384 key. Aborts if generation fails.
const PrivateKey& TestKey(Algorithm alg);
// A second, unrelated key of the same kind (an attacker's key). Cached like TestKey.
const PrivateKey& OtherTestKey(Algorithm alg);

// "<b64url(header_json)>.<b64url(payload)>.<b64url(signature)>" with no checks at all.
std::string MakeCompact(std::string_view header_json, std::string_view payload,
                        std::string_view signature);
// Signs the exact header bytes given (so tests can send headers SignJws would never write) with
// the raw primitive in src/jose/signature.h. Aborts if signing fails.
std::string SignCompact(const PrivateKey& key, Algorithm alg, std::string_view header_json,
                        std::string_view payload);
// HMAC-SHA256 of `data` under `secret` (for the public-key-as-HMAC-secret attack).
std::string HmacSha256(std::string_view secret, std::string_view data);

// Lower- or upper-case hex to bytes; nullopt on odd length or a non-hex character.
std::optional<std::string> HexDecode(std::string_view hex);

// {"iss":"test-issuer","aud":"test-audience","iat":now,"exp":now+120,"jti":"..."}
std::string ValidClaimsJson(int64_t now_seconds);

// The three segments of a compact token split at '.', or nullopt when it has not exactly three.
struct Segments {
  std::string header, payload, signature;
};
std::optional<Segments> SplitCompact(std::string_view token);

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_TESTING_JOSE_FIXTURES_H_
