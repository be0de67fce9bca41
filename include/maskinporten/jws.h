// Compact JWS (RFC 7515) signing and verification.
//
// Verification always takes an algorithm allowlist: VerifyOptions has no default constructor.
// `none` and HMAC are never accepted (we verify with public keys only). A `crit` header naming
// anything we do not implement is refused (we implement none, so any `crit` is refused, and
// `b64:false` with it; a `b64` member without `crit` is refused as kUnsupportedCritical too, since
// we do not implement RFC 7797). `jku`, `x5u` and embedded `jwk` headers are refused outright
// (Errc::kUntrustedHeader): keys come from the caller, never from the token. Tokens larger than
// max_token_bytes (64 KiB by default) are refused before any decoding.
//
//   mp::VerifyOptions opts({mp::Algorithm::kRS256});
//   MP_ASSIGN_OR_RETURN(mp::VerifiedJws jws, mp::VerifyJws(token, public_key, opts));
//   MP_ASSIGN_OR_RETURN(std::string token,
//                       mp::SignJws(key, payload, {.alg = mp::Algorithm::kRS256}));
#ifndef MASKINPORTEN_JWS_H_
#define MASKINPORTEN_JWS_H_

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/jwk.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"

namespace mp {

constexpr size_t kDefaultMaxTokenBytes = 64 * 1024;

// The protected header as parsed. Unknown members are kept only in `json`.
struct JwsHeader {
  std::string alg_name{};          // raw "alg"
  std::optional<Algorithm> alg{};  // set when alg_name is one we implement
  std::string kid{};               // "" when absent
  std::string typ{};               // "" when absent
  bool has_x5c = false;
  std::vector<std::string> x5c{};  // standard base64 DER, leaf first, as in the header
  std::string json{};              // the decoded header JSON, exactly as received
};

// A compact JWS split and decoded, NOT verified. For `jwt decode` and for reading x5c before
// choosing a key. Strict: exactly three segments, strict base64url, header a JSON object with a
// string "alg". Errc::kMalformedToken / kInvalidBase64 / kInvalidJson / kLimitExceeded.
struct ParsedJws {
  JwsHeader header;
  std::string payload{};  // decoded payload bytes
  std::string_view signing_input_view() const { return signing_input; }
  std::string signing_input{};  // "<header b64>.<payload b64>"
  std::string signature{};      // decoded signature bytes
};
Result<ParsedJws> ParseJws(std::string_view token, size_t max_token_bytes = kDefaultMaxTokenBytes);

struct SignOptions {
  Algorithm alg = Algorithm::kRS256;
  std::string kid{};               // omitted when empty
  std::vector<std::string> x5c{};  // standard base64 DER certificates; omitted when empty
  std::string typ{};               // omitted when empty (e.g. "JWT")
};
// Refuses a key that does not fit `alg` (kKeyAlgorithmMismatch) or a weak key (kWeakKey).
Result<std::string> SignJws(const PrivateKey& key, std::string_view payload,
                            const SignOptions& options);

class VerifyOptions {
 public:
  // `allowed` must not be empty.
  VerifyOptions(std::initializer_list<Algorithm> allowed) : allowed_(allowed) {}
  explicit VerifyOptions(std::vector<Algorithm> allowed) : allowed_(std::move(allowed)) {}

  const std::vector<Algorithm>& allowed() const { return allowed_; }
  size_t max_token_bytes = kDefaultMaxTokenBytes;
  // When true (default), a JWK whose "alg" differs from the token's alg is refused
  // (Errc::kKeyAlgorithmMismatch). A JWK with "use" other than "sig", or with "key_ops" lacking
  // "verify", is always refused so.
  bool require_jwk_alg_match = true;

 private:
  std::vector<Algorithm> allowed_;
};

struct VerifiedJws {
  JwsHeader header;
  std::string payload{};
};

// Order: size, parse, header rules (crit, jku/x5u/jwk), alg supported and allowed, key fits alg,
// signature. Errors: kAlgorithmNotAllowed, kUnsupportedAlgorithm, kKeyAlgorithmMismatch,
// kWeakKey, kInvalidSignature, kUnsupportedCritical, kUntrustedHeader, and the ParseJws codes.
Result<VerifiedJws> VerifyJws(std::string_view token, const PublicKey& key,
                              const VerifyOptions& options);
// Picks the key by the header's kid (kKeyNotFound when absent from the set); a token without
// kid is tried against the set's only key, else kKeyNotFound.
Result<VerifiedJws> VerifyJws(std::string_view token, const Jwks& jwks,
                              const VerifyOptions& options);
// Verifies an already parsed token (for callers that read x5c first).
Result<VerifiedJws> VerifyParsedJws(const ParsedJws& jws, const PublicKey& key,
                                    const VerifyOptions& options);

}  // namespace mp

#endif  // MASKINPORTEN_JWS_H_
