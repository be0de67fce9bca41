// Private keys at rest (SPEC §17: the signing keys' private parts are not stored in the clear).
//
// The server's signing keys and the samtykke key live in the registry. With a key-encryption key
// (KEK: 32 bytes, given base64-encoded in MASKINPORTEN_KEY_ENCRYPTION_KEY), each private PEM is
// sealed with AES-256-GCM before it reaches the Store and opened after it is read: a random
// 96-bit nonce per seal, the kid as additional data (a sealed key moved to another kid's row
// does not open). Stored as "mp-kek-v1:" + base64(nonce || ciphertext || 16-byte tag), the
// same in SQLite and PostgreSQL. Without a KEK keys are stored as PKCS#8 PEM, as before.
//
//   MP_ASSIGN_OR_RETURN(KeyEncryptionKey kek, KeyEncryptionKey::FromBase64(env_value));
//   MP_ASSIGN_OR_RETURN(std::string stored, SealPrivateKey(kek, kid, key.ToPkcs8Pem()));
//   MP_ASSIGN_OR_RETURN(SecretString pem, OpenPrivateKey(kek, kid, stored));
#ifndef MASKINPORTEN_SERVER_STORE_KEY_ENCRYPTION_H_
#define MASKINPORTEN_SERVER_STORE_KEY_ENCRYPTION_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/random.h"
#include "maskinporten/status.h"

namespace mp::server {

// Where `maskinporten serve` reads the KEK from.
constexpr std::string_view kKeyEncryptionKeyEnv = "MASKINPORTEN_KEY_ENCRYPTION_KEY";

// 32 secret bytes, wiped when the last copy goes.
class KeyEncryptionKey {
 public:
  // Standard base64 with its padding (as `openssl rand -base64 32` prints it; surrounding
  // whitespace ignored) of exactly 32 bytes. Errc::kInvalidArgument naming kKeyEncryptionKeyEnv and
  // what is wrong, never the value.
  static Result<KeyEncryptionKey> FromBase64(std::string_view text);
  const std::string& bytes() const { return key_->value(); }

 private:
  explicit KeyEncryptionKey(std::string raw)
      : key_(std::make_shared<const SecretString>(std::move(raw))) {}
  std::shared_ptr<const SecretString> key_;
};

// The private_pem column for `pem`: sealed under `kek`, or `pem` itself without one.
// Errc::kInternal when OpenSSL fails.
Result<std::string> SealPrivateKey(const std::optional<KeyEncryptionKey>& kek, std::string_view kid,
                                   std::string_view pem);

// The PEM from a private_pem column: opened under `kek` when sealed, as stored when it is a plain
// PEM (a key written before a KEK was set). Errc::kInvalidKey naming the kid when the column is
// sealed and there is no KEK, or it is malformed; Errc::kWrongPassword naming the kid when it does
// not open (another KEK, or the column was changed).
Result<SecretString> OpenPrivateKey(const std::optional<KeyEncryptionKey>& kek,
                                    std::string_view kid, std::string_view stored);

// Whether a private_pem column is sealed.
bool IsSealedPrivateKey(std::string_view stored);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_STORE_KEY_ENCRYPTION_H_
