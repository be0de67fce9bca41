// Keys for JOSE: PublicKey and PrivateKey over OpenSSL 3 EVP, with the algorithms we sign with.
//
// Keys are immutable, cheap to copy (shared), and safe to use from many threads. RSA keys below
// 2048 bits are refused for signing and verifying (Errc::kWeakKey) wherever they enter.
//
//   MP_ASSIGN_OR_RETURN(mp::PrivateKey key, mp::PrivateKey::Generate(mp::Algorithm::kRS256));
//   std::string pem = key.ToPkcs8Pem();
//   mp::PublicKey pub = key.public_key();
//   pub.Thumbprint();  // RFC 7638, base64url SHA-256: the default kid
#ifndef MASKINPORTEN_KEY_H_
#define MASKINPORTEN_KEY_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/jose_export.h"
#include "maskinporten/status.h"

namespace mp {

// The JWS algorithms we implement (RFC 7518 §3). Anything else, including "none" and HMAC,
// parses to Errc::kUnsupportedAlgorithm.
enum class Algorithm { kRS256, kRS384, kRS512, kPS256, kPS384, kPS512, kES256, kES384 };

MP_JOSE_EXPORT std::string_view AlgorithmName(Algorithm alg);  // "RS256"
MP_JOSE_EXPORT Result<Algorithm> ParseAlgorithm(std::string_view name);
// All eight, in the order above.
MP_JOSE_EXPORT const std::vector<Algorithm>& AllAlgorithms();

enum class KeyType { kRsa, kEc };

class PublicKey;
class PrivateKey;

namespace internal {
struct KeyAccess;  // src/jose/key_internal.h: reaches the EVP_PKEY inside.
struct KeyHandle;
}  // namespace internal

class MP_JOSE_EXPORT PublicKey {
 public:
  // PEM: SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY").
  static Result<PublicKey> FromPem(std::string_view pem);
  // DER SubjectPublicKeyInfo.
  static Result<PublicKey> FromDer(std::string_view der);

  KeyType type() const;
  int bits() const;           // RSA modulus size, or EC field size (256, 384)
  std::string curve() const;  // "P-256" / "P-384" for EC, "" for RSA
  // OK when this key can verify `alg`: RSA for RS*/PS*, P-256 for ES256, P-384 for ES384.
  Status CheckAlgorithm(Algorithm alg) const;

  std::string ToPem() const;  // SubjectPublicKeyInfo PEM
  std::string ToDer() const;  // SubjectPublicKeyInfo DER
  // RFC 7638 JWK thumbprint (SHA-256), base64url.
  std::string Thumbprint() const;

  friend MP_JOSE_EXPORT bool operator==(const PublicKey& a, const PublicKey& b);

 private:
  friend struct internal::KeyAccess;
  explicit PublicKey(std::shared_ptr<const internal::KeyHandle> h) : h_(std::move(h)) {}
  std::shared_ptr<const internal::KeyHandle> h_;
};

class MP_JOSE_EXPORT PrivateKey {
 public:
  // A fresh key for `alg`: RSA (rsa_bits 2048, 3072 or 4096; 0 means 2048) or the alg's curve.
  static Result<PrivateKey> Generate(Algorithm alg, int rsa_bits = 0);
  // PEM: PKCS#8 ("PRIVATE KEY"), encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY", needs `password`),
  // traditional RSA ("RSA PRIVATE KEY") or EC ("EC PRIVATE KEY"). A wrong password is
  // Errc::kWrongPassword.
  static Result<PrivateKey> FromPem(std::string_view pem, std::string_view password = {});
  // DER PKCS#8 or traditional RSA.
  static Result<PrivateKey> FromDer(std::string_view der);

  PublicKey public_key() const;
  KeyType type() const;
  int bits() const;
  Status CheckAlgorithm(Algorithm alg) const;
  // The natural algorithm for this key: RS256 for RSA, ES256/ES384 by curve.
  Algorithm DefaultAlgorithm() const;

  // Unencrypted PKCS#8 PEM. Handle the string as a secret.
  std::string ToPkcs8Pem() const;
  // PKCS#8 encrypted with AES-256-CBC and PBKDF2.
  Result<std::string> ToEncryptedPkcs8Pem(std::string_view password) const;

 private:
  friend struct internal::KeyAccess;
  explicit PrivateKey(std::shared_ptr<const internal::KeyHandle> h) : h_(std::move(h)) {}
  std::shared_ptr<const internal::KeyHandle> h_;
};

}  // namespace mp

#endif  // MASKINPORTEN_KEY_H_
