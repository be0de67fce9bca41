// The local Maskinporten's own RSA signing keys: one current key signs access tokens, the
// previous ones stay published in /jwk during rotation (SPEC §3: Digdir rotates its keys).
//
// Keys live in the Store so a restart on a file DB keeps issued tokens verifiable. A snapshot is
// immutable and swapped atomically on rotation (DESIGN.md §5), so signing never takes a lock.
//
//   MP_ASSIGN_OR_RETURN(auto keys, SigningKeys::Load(store, clock, {}));
//   std::shared_ptr<const SigningKeySet> now = keys->Snapshot();
//   SignJws(now->current, payload, {.alg = Algorithm::kRS256, .kid = now->current_kid});
#ifndef MASKINPORTEN_SERVER_TOKEN_SIGNING_KEYS_H_
#define MASKINPORTEN_SERVER_TOKEN_SIGNING_KEYS_H_

#include <memory>
#include <optional>
#include <string>

#include "core/mutex.h"
#include "maskinporten/clock.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"
#include "server/store/key_encryption.h"
#include "server/store/store.h"

namespace mp::server {

struct SigningKeySet {
  PrivateKey current;
  std::string current_kid;  // RFC 7638 thumbprint of the current public key
  Jwks jwks;                // current and previous public keys (use sig, alg RS256)
  std::string jwks_json;    // {"keys":[...]} as served at /jwk, current key first
};

struct SigningKeyOptions {
  int bits = 3072;  // SPEC §3: Maskinporten signs with RSA 3072
  // When the store has no key yet: use this PKCS#8 PEM instead of generating one (tests share a
  // pre-generated key to skip RSA key generation).
  std::string initial_key_pem{};
  // How many previous keys stay published after a rotation.
  int keep_previous = 1;
  // Private keys sealed under this KEK in the store (server/store/key_encryption.h); none: PEM.
  std::optional<KeyEncryptionKey> key_encryption{};
};

class SigningKeys {
 public:
  // Loads the keys from `store`; generates (or takes initial_key_pem as) the first key when the
  // store has none.
  static Result<std::unique_ptr<SigningKeys>> Load(Store& store, const Clock& clock,
                                                   const SigningKeyOptions& options);
  // A new current key; the old current key stays published (keep_previous). Stored first, then
  // swapped in: a failed store write changes nothing.
  Status Rotate();
  std::shared_ptr<const SigningKeySet> Snapshot() const;

 private:
  SigningKeys(Store& store, const Clock& clock, SigningKeyOptions options)
      : store_(store), clock_(clock), options_(std::move(options)) {}
  Status AddNewKeyLocked() MP_REQUIRES(rotate_mu_);
  Status AddKey(const PrivateKey& key, int64_t created);
  Result<PrivateKey> ReadKey(const SigningKeyRecord& record) const;
  Status Reload() MP_REQUIRES(rotate_mu_);
  Store& store_;
  const Clock& clock_;
  SigningKeyOptions options_;
  Mutex rotate_mu_;  // one rotation at a time
  mutable Mutex set_mu_;
  std::shared_ptr<const SigningKeySet> set_ MP_GUARDED_BY(set_mu_);
};

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_TOKEN_SIGNING_KEYS_H_
