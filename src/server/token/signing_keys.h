// The local Maskinporten's own RSA signing keys: one current key signs access tokens, the
// previous ones stay published in /jwk during rotation (SPEC §3: Digdir rotates its keys).
//
// Keys live in the Store so a restart on a file DB keeps issued tokens verifiable. A snapshot is
// immutable and swapped atomically on rotation (DESIGN.md §5), so signing never takes a lock.
//
// Several instances on one shared store (SPEC §17) agree on the keys without talking to each
// other: each re-reads the store at most `reload_interval` after its last read (lazily, on the
// next Snapshot), and a rotated key signs only `activation_delay` after its creation, until then
// published beside the key that signs. With activation_delay > reload_interval, every /jwk
// answered after a key first signs lists it, on every instance. A single instance uses 0 and 0:
// a rotated key signs at once and the store is read only on Load and Rotate.
//
//   MP_ASSIGN_OR_RETURN(auto keys, SigningKeys::Load(store, clock, {}));
//   std::shared_ptr<const SigningKeySet> now = keys->Snapshot();
//   SignJws(now->current, payload, {.alg = Algorithm::kRS256, .kid = now->current_kid});
#ifndef MASKINPORTEN_SERVER_TOKEN_SIGNING_KEYS_H_
#define MASKINPORTEN_SERVER_TOKEN_SIGNING_KEYS_H_

#include <atomic>
#include <cstdint>
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
  std::string current_kid;       // RFC 7638 thumbprint of the key that signs now
  std::string next_kid{};        // the newest key while it waits for its activation, else ""
  int64_t next_active_from = 0;  // when next_kid starts signing (Unix seconds); 0 without one
  Jwks jwks;              // the current key, keys waiting to sign and previous keys (use sig)
  std::string jwks_json;  // {"keys":[...]} as served at /jwk, current key first
};

struct SigningKeyOptions {
  int bits = 3072;  // SPEC §3: Maskinporten signs with RSA 3072
  // When the store has no key yet: use this PKCS#8 PEM instead of generating one (tests share a
  // pre-generated key to skip RSA key generation).
  std::string initial_key_pem{};
  // How many previous keys stay published after a rotation.
  int keep_previous = 1;
  // Several instances on one store (see the top of this file); both 0 for one instance. Seconds,
  // 0..86400 each; a non-zero reload_interval needs activation_delay > reload_interval.
  int reload_interval = 0;
  int activation_delay = 0;
  // Private keys sealed under this KEK in the store (server/store/key_encryption.h); none: PEM.
  std::optional<KeyEncryptionKey> key_encryption{};
};

// The rule for reload_interval and activation_delay above: each 0..86400 s, and a delay above a
// non-zero interval. Errc::kInvalidArgument naming the value; `serve` checks its flags with it.
Status CheckKeyTiming(int reload_interval, int activation_delay);

class SigningKeys {
 public:
  // Loads the keys from `store`; generates (or takes initial_key_pem as) the first key when the
  // store has none.
  static Result<std::unique_ptr<SigningKeys>> Load(Store& store, const Clock& clock,
                                                   const SigningKeyOptions& options);
  // A new key, stored first and then swapped in (a failed store write changes nothing). It signs
  // at once, or after activation_delay, published from now; the old key stays published
  // (keep_previous). Errc::kInvalidArgument naming the waiting key while an earlier rotation
  // has not activated yet.
  Status Rotate();
  // The keys as of now: re-read from the store first when reload_interval has passed since the
  // last read or a waiting key's activation time has come. A failed re-read keeps the last set
  // (and is retried a second later): signing never fails because the store is briefly away.
  std::shared_ptr<const SigningKeySet> Snapshot() const;
  // Re-reads the store now.
  Status Reload() const;

 private:
  SigningKeys(Store& store, const Clock& clock, SigningKeyOptions options)
      : store_(store), clock_(clock), options_(std::move(options)) {}
  Status AddNewKeyLocked() MP_REQUIRES(rotate_mu_);
  Status AddKey(const PrivateKey& key, int64_t created);
  Result<PrivateKey> ReadKey(const SigningKeyRecord& record) const;
  Status ReloadLocked() const MP_REQUIRES(rotate_mu_);
  bool Active(const SigningKeyRecord& record, int64_t now) const;
  Store& store_;
  const Clock& clock_;
  SigningKeyOptions options_;
  mutable Mutex rotate_mu_;  // one rotation or reload at a time
  mutable Mutex set_mu_;
  mutable std::shared_ptr<const SigningKeySet> set_ MP_GUARDED_BY(set_mu_);
  // When Snapshot re-reads next (Unix seconds); INT64_MAX when never.
  mutable std::atomic<int64_t> reload_at_{0};
  mutable std::atomic<bool> reloading_{false};
};

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_TOKEN_SIGNING_KEYS_H_
