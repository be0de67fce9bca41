// JSON Web Keys (RFC 7517/7518) and sets of them, for RSA and EC keys.
//
// Parsing is strict: required members for the kty, base64url without padding, no leading zero
// octets in RSA n/e, EC coordinates of the curve's exact length and on the curve, a private JWK's
// public part matching its private part. In a JWKS, entries with an unknown `kty` or
// `use: "enc"` are skipped, and a repeated `kid` is refused (Errc::kDuplicateKid).
//
//   MP_ASSIGN_OR_RETURN(mp::Jwks jwks, mp::Jwks::Parse(json_text));
//   const mp::Jwk* jwk = jwks.Find("my-kid");
//   std::string pub =
//       mp::PublicKeyToJwk(key.public_key(), {.kid = "k1", .alg = mp::Algorithm::kRS256});
#ifndef MASKINPORTEN_JWK_H_
#define MASKINPORTEN_JWK_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/jose_export.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"

namespace mp {

// A public JWK as read from JSON.
struct MP_JOSE_EXPORT Jwk {
  PublicKey key;
  std::string kid{};               // "" when absent
  std::optional<Algorithm> alg{};  // absent, or one we implement
  std::string alg_name{};          // the raw "alg" member ("" when absent), even if unsupported
  std::string use{};               // "" when absent
  std::vector<std::string> x5c{};  // standard base64 DER, as in the JSON
  // RFC 7517 §4.3 "key_ops" (nullopt when absent). When present without "verify" (including an
  // empty array), the key is not used for verification.
  std::optional<std::vector<std::string>> key_ops{};
};

struct MP_JOSE_EXPORT JwkOptions {
  std::string kid{};               // omitted when empty
  std::optional<Algorithm> alg{};  // omitted when unset
  bool use_sig = true;             // "use":"sig"
};

// A public JWK object. Private members (d, p, ...) are refused here: use ParsePrivateJwk.
MP_JOSE_EXPORT Result<Jwk> ParseJwk(std::string_view json);
// A private JWK object (RSA with CRT parameters, or EC with d).
MP_JOSE_EXPORT Result<PrivateKey> ParsePrivateJwk(std::string_view json);

MP_JOSE_EXPORT std::string PublicKeyToJwk(const PublicKey& key, const JwkOptions& options = {});
// Contains the private key: handle as a secret.
MP_JOSE_EXPORT std::string PrivateKeyToJwk(const PrivateKey& key, const JwkOptions& options = {});

class MP_JOSE_EXPORT Jwks {
 public:
  static Result<Jwks> Parse(std::string_view json);
  static Result<Jwks> FromKeys(std::vector<Jwk> keys);  // refuses duplicate kid

  const std::vector<Jwk>& keys() const { return keys_; }
  // The key with this kid, or nullptr.
  const Jwk* Find(std::string_view kid) const;
  std::string ToJson() const;

 private:
  std::vector<Jwk> keys_;
};

}  // namespace mp

#endif  // MASKINPORTEN_JWK_H_
