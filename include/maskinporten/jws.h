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
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/jose_export.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"

namespace mp {

constexpr size_t kDefaultMaxTokenBytes = 64 * 1024;

// The protected header as parsed. Unknown members are kept only in `json`.
struct MP_JOSE_EXPORT JwsHeader {
  std::string alg_name{};          // raw "alg"
  std::optional<Algorithm> alg{};  // set when alg_name is one we implement
  std::string kid{};               // "" when absent
  std::string typ{};               // "" when absent
  bool has_x5c = false;
  std::vector<std::string> x5c{};  // standard base64 DER, leaf first, as in the header
  std::string json{};              // the decoded header JSON, exactly as received
  // Members that change how a token must be processed; CheckJwsHeader refuses each of them.
  bool has_crit = false;
  std::string crit_json{};  // the crit value as compact JSON
  bool has_b64 = false;
  std::string untrusted{};    // the first of jku / x5u / jwk present, or ""
  std::string x5c_problem{};  // why x5c is not an array of strings ("" when fine or absent)
};

// A compact JWS split and decoded, NOT verified, with the signing input as a view into the
// token (which must outlive it): the one decoder under ParseJws, VerifyJws, the access-token
// validator and the grant rules. Strict: the size limit first, exactly three segments, strict
// base64url, the header a JSON object with a string "alg" and string kid / typ. A malformed x5c
// does not fail here: it is kept in header.x5c_problem for CheckJwsHeader (verifiers) or the
// grant rules (where it has its own Maskinporten code). Errc::kMalformedToken / kInvalidBase64 /
// kInvalidJson / kDuplicateJsonKey / kLimitExceeded.
struct MP_JOSE_EXPORT DecodedJws {
  std::string_view signing_input{};  // "<header b64>.<payload b64>"
  JwsHeader header{};
  std::string payload{};    // decoded
  std::string signature{};  // decoded
};
MP_JOSE_EXPORT Result<DecodedJws> DecodeJws(std::string_view token,
                                            size_t max_token_bytes = kDefaultMaxTokenBytes);

// Everything about a header that is decided before a key is chosen, in this order: crit, b64
// and jku / x5u / jwk are refused (kUnsupportedCritical, kUntrustedHeader), the alg must be one
// we implement (kUnsupportedAlgorithm) and in `allowed` (kAlgorithmNotAllowed; kInvalidArgument
// when `allowed` is empty), and x5c must be an array of strings (kMalformedToken).
MP_JOSE_EXPORT Result<Algorithm> CheckJwsHeader(const JwsHeader& header,
                                                const std::vector<Algorithm>& allowed);

// The signature of a decoded token with `key` and the alg CheckJwsHeader returned:
// kKeyAlgorithmMismatch when the key does not fit alg, kInvalidSignature when it does not verify.
MP_JOSE_EXPORT Status VerifyDecodedJws(const DecodedJws& jws, Algorithm alg, const PublicKey& key);

// A compact JWS split and decoded, NOT verified, owning its signing input. For `jwt decode` and
// for reading x5c before choosing a key. DecodeJws's rules, and x5c must be an array of strings.
// Errc::kMalformedToken / kInvalidBase64 / kInvalidJson / kLimitExceeded.
struct MP_JOSE_EXPORT ParsedJws {
  JwsHeader header;
  std::string payload{};  // decoded payload bytes
  std::string_view signing_input_view() const { return signing_input; }
  std::string signing_input{};  // "<header b64>.<payload b64>"
  std::string signature{};      // decoded signature bytes
};
MP_JOSE_EXPORT Result<ParsedJws> ParseJws(std::string_view token,
                                          size_t max_token_bytes = kDefaultMaxTokenBytes);

struct MP_JOSE_EXPORT SignOptions {
  Algorithm alg = Algorithm::kRS256;
  std::string kid{};               // omitted when empty
  std::vector<std::string> x5c{};  // standard base64 DER certificates; omitted when empty
  std::string typ{};               // omitted when empty (e.g. "JWT")
};
// Refuses a key that does not fit `alg` (kKeyAlgorithmMismatch) or a weak key (kWeakKey).
MP_JOSE_EXPORT Result<std::string> SignJws(const PrivateKey& key, std::string_view payload,
                                           const SignOptions& options);

class MP_JOSE_EXPORT VerifyOptions {
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

struct MP_JOSE_EXPORT VerifiedJws {
  JwsHeader header;
  std::string payload{};
};

// Order: size, parse, header rules (crit, jku/x5u/jwk), alg supported and allowed, key fits alg,
// signature. Errors: kAlgorithmNotAllowed, kUnsupportedAlgorithm, kKeyAlgorithmMismatch,
// kWeakKey, kInvalidSignature, kUnsupportedCritical, kUntrustedHeader, and the ParseJws codes.
MP_JOSE_EXPORT Result<VerifiedJws> VerifyJws(std::string_view token, const PublicKey& key,
                                             const VerifyOptions& options);
// Picks the key by the header's kid (kKeyNotFound when absent from the set); a token without
// kid is tried against the set's only key, else kKeyNotFound.
MP_JOSE_EXPORT Result<VerifiedJws> VerifyJws(std::string_view token, const Jwks& jwks,
                                             const VerifyOptions& options);
// Picks the key with `resolve`, called once with the header after the header rules passed and
// the alg chosen (a JWKS cache lookup that may refetch, a registry): its error is returned as
// is. Then the signature. For verifiers whose keys are not one PublicKey or one Jwks.
using JwsKeyResolver = std::function<Result<PublicKey>(const JwsHeader& header, Algorithm alg)>;
MP_JOSE_EXPORT Result<VerifiedJws> VerifyJws(std::string_view token, const JwsKeyResolver& resolve,
                                             const VerifyOptions& options);
// A JWK may verify a token with this header: use "sig" or absent, key_ops with "verify" or
// absent, and (options.require_jwk_alg_match) its alg the header's. kKeyAlgorithmMismatch.
MP_JOSE_EXPORT Status CheckJwkFits(const Jwk& jwk, const JwsHeader& header,
                                   const VerifyOptions& options);
// Verifies an already parsed token (for callers that read x5c first).
MP_JOSE_EXPORT Result<VerifiedJws> VerifyParsedJws(const ParsedJws& jws, const PublicKey& key,
                                                   const VerifyOptions& options);

}  // namespace mp

#endif  // MASKINPORTEN_JWS_H_
