#include "server/token/signing_keys.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "core/checked.h"

namespace mp::server {

Status CheckKeyTiming(int reload_interval, int activation_delay) {
  constexpr int kMaxSeconds = 86400;
  for (auto [name, value] : {std::pair{"reload interval", reload_interval},
                             std::pair{"activation delay", activation_delay}}) {
    if (value < 0 || value > kMaxSeconds) {
      return Status(Errc::kInvalidArgument, std::string("signing key ") + name + " " +
                                                std::to_string(value) + " s is outside 0..86400");
    }
  }
  if (reload_interval > 0 && activation_delay <= reload_interval) {
    return Status(Errc::kInvalidArgument,
                  "signing key activation delay (" + std::to_string(activation_delay) +
                      " s) must exceed the reload interval (" + std::to_string(reload_interval) +
                      " s), or an instance could sign with a key another one does not publish yet");
  }
  return OkStatus();
}

Result<std::unique_ptr<SigningKeys>> SigningKeys::Load(Store& store, const Clock& clock,
                                                       const SigningKeyOptions& options) {
  MP_RETURN_IF_ERROR(CheckKeyTiming(options.reload_interval, options.activation_delay));
  std::unique_ptr<SigningKeys> keys(new SigningKeys(store, clock, options));
  MutexLock lock(keys->rotate_mu_);
  MP_ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> stored, store.ListSigningKeys());
  if (stored.empty()) {
    if (!options.initial_key_pem.empty()) {
      MP_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::FromPem(options.initial_key_pem));
      if (key.type() != KeyType::kRsa) {
        return Status(Errc::kInvalidKey, "the initial signing key must be RSA");
      }
      MP_RETURN_IF_ERROR(keys->AddKey(key, clock.NowSeconds()));
    } else {
      MP_RETURN_IF_ERROR(keys->AddNewKeyLocked());
    }
  }
  MP_RETURN_IF_ERROR(keys->ReloadLocked());
  return keys;
}

Status SigningKeys::Rotate() {
  MutexLock lock(rotate_mu_);
  // What the store says now (another instance may have rotated), not this instance's last read.
  MP_RETURN_IF_ERROR(ReloadLocked());
  std::shared_ptr<const SigningKeySet> set;
  {
    MutexLock set_lock(set_mu_);  // not Snapshot(): it may re-read, which takes rotate_mu_
    set = set_;
  }
  if (!set->next_kid.empty()) {
    return Status(Errc::kInvalidArgument,
                  "signing key " + set->next_kid + " from the last rotation starts signing at " +
                      std::to_string(set->next_active_from) + "; rotate again after that");
  }
  MP_RETURN_IF_ERROR(AddNewKeyLocked());
  return ReloadLocked();
}

bool SigningKeys::Active(const SigningKeyRecord& record, int64_t now) const {
  return options_.activation_delay == 0 ||
         SaturatingAdd(record.created, options_.activation_delay) <= now;
}

Status SigningKeys::AddNewKeyLocked() {
  MP_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(Algorithm::kRS256, options_.bits));
  // `created` orders the keys (Reload publishes the newest previous ones), so it must grow
  // strictly even when rotations come within one second (or a test clock stands still).
  MP_ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> stored, store_.ListSigningKeys());
  int64_t created = clock_.NowSeconds();
  for (const SigningKeyRecord& r : stored) created = std::max(created, r.created + 1);
  return AddKey(key, created);
}

// As the new current key; its private part sealed when a KEK is set.
Status SigningKeys::AddKey(const PrivateKey& key, int64_t created) {
  const std::string kid = key.public_key().Thumbprint();
  SecretString pem(key.ToPkcs8Pem());
  MP_ASSIGN_OR_RETURN(std::string stored,
                      SealPrivateKey(options_.key_encryption, kid, pem.value()));
  return store_.AddSigningKey(
      {.kid = kid, .private_pem = std::move(stored), .created = created, .current = true});
}

Result<PrivateKey> SigningKeys::ReadKey(const SigningKeyRecord& record) const {
  MP_ASSIGN_OR_RETURN(SecretString pem,
                      OpenPrivateKey(options_.key_encryption, record.kid, record.private_pem));
  return PrivateKey::FromPem(pem.value());
}

Status SigningKeys::Reload() const {
  MutexLock lock(rotate_mu_);
  return ReloadLocked();
}

// Builds the published set from the store. Newest first (created, then kid, so every instance
// orders alike); the newest active key signs (the oldest key when none is active yet: a new
// registry's first key). Published: the signing key first, then the keys waiting to sign, then up
// to keep_previous older keys.
Status SigningKeys::ReloadLocked() const {
  MP_ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> stored, store_.ListSigningKeys());
  if (stored.empty()) return Status(Errc::kInternal, "the store holds no signing key");
  std::sort(stored.begin(), stored.end(), [](const SigningKeyRecord& a, const SigningKeyRecord& b) {
    return a.created != b.created ? a.created > b.created : a.kid > b.kid;
  });
  const int64_t now = clock_.NowSeconds();
  size_t signing = 0;
  while (signing + 1 < stored.size() && !Active(stored[signing], now)) ++signing;
  std::vector<size_t> order{signing};
  for (size_t i = 0; i < signing; ++i) order.push_back(i);
  const size_t previous = static_cast<size_t>(std::max(0, options_.keep_previous));
  for (size_t i = signing + 1; i < stored.size() && i <= signing + previous; ++i) {
    order.push_back(i);
  }
  MP_ASSIGN_OR_RETURN(PrivateKey current, ReadKey(stored[signing]));
  std::vector<Jwk> published;
  for (size_t i : order) {
    MP_ASSIGN_OR_RETURN(PrivateKey key, ReadKey(stored[i]));
    published.push_back(Jwk{.key = key.public_key(),
                            .kid = stored[i].kid,
                            .alg = Algorithm::kRS256,
                            .alg_name = "RS256",
                            .use = "sig"});
  }
  MP_ASSIGN_OR_RETURN(Jwks jwks, Jwks::FromKeys(std::move(published)));
  std::string json = jwks.ToJson();
  SigningKeySet fresh{.current = std::move(current),
                      .current_kid = stored[signing].kid,
                      .jwks = std::move(jwks),
                      .jwks_json = std::move(json)};
  int64_t reload_at = options_.reload_interval > 0 ? SaturatingAdd(now, options_.reload_interval)
                                                   : std::numeric_limits<int64_t>::max();
  if (signing > 0) {
    fresh.next_kid = stored.front().kid;
    fresh.next_active_from = SaturatingAdd(stored.front().created, options_.activation_delay);
    // The earliest waiting key decides when this set goes stale.
    reload_at =
        std::min(reload_at, SaturatingAdd(stored[signing - 1].created, options_.activation_delay));
  }
  auto set = std::make_shared<const SigningKeySet>(std::move(fresh));
  {
    MutexLock lock(set_mu_);
    set_ = std::move(set);
  }
  reload_at_.store(reload_at, std::memory_order_release);
  return OkStatus();
}

std::shared_ptr<const SigningKeySet> SigningKeys::Snapshot() const {
  const int64_t now = clock_.NowSeconds();
  if (now >= reload_at_.load(std::memory_order_acquire) &&
      !reloading_.exchange(true, std::memory_order_acq_rel)) {
    // One caller re-reads; the others go on with the set they have.
    if (!Reload().ok()) {
      reload_at_.store(SaturatingAdd(now, 1), std::memory_order_release);
    }
    reloading_.store(false, std::memory_order_release);
  }
  MutexLock lock(set_mu_);
  return set_;
}

}  // namespace mp::server
