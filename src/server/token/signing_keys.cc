#include "server/token/signing_keys.h"

#include <algorithm>

namespace mp::server {

Result<std::unique_ptr<SigningKeys>> SigningKeys::Load(Store& store, const Clock& clock,
                                                       const SigningKeyOptions& options) {
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
  MP_RETURN_IF_ERROR(keys->Reload());
  return keys;
}

Status SigningKeys::Rotate() {
  MutexLock lock(rotate_mu_);
  MP_RETURN_IF_ERROR(AddNewKeyLocked());
  return Reload();
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

// Builds the published set from the store: the current key first, then up to keep_previous of
// the newest older keys.
Status SigningKeys::Reload() {
  MP_ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> stored, store_.ListSigningKeys());
  std::sort(stored.begin(), stored.end(), [](const SigningKeyRecord& a, const SigningKeyRecord& b) {
    if (a.current != b.current) return a.current;
    return a.created > b.created;
  });
  if (stored.empty() || !stored.front().current) {
    return Status(Errc::kInternal, "the store holds no current signing key");
  }
  MP_ASSIGN_OR_RETURN(PrivateKey current, ReadKey(stored.front()));
  std::vector<Jwk> published;
  const size_t limit = 1 + static_cast<size_t>(std::max(0, options_.keep_previous));
  for (size_t i = 0; i < stored.size() && i < limit; ++i) {
    MP_ASSIGN_OR_RETURN(PrivateKey key, ReadKey(stored[i]));
    published.push_back(Jwk{.key = key.public_key(),
                            .kid = stored[i].kid,
                            .alg = Algorithm::kRS256,
                            .alg_name = "RS256",
                            .use = "sig"});
  }
  MP_ASSIGN_OR_RETURN(Jwks jwks, Jwks::FromKeys(std::move(published)));
  std::string json = jwks.ToJson();
  auto set = std::make_shared<const SigningKeySet>(SigningKeySet{.current = std::move(current),
                                                                 .current_kid = stored.front().kid,
                                                                 .jwks = std::move(jwks),
                                                                 .jwks_json = std::move(json)});
  MutexLock lock(set_mu_);
  set_ = std::move(set);
  return OkStatus();
}

std::shared_ptr<const SigningKeySet> SigningKeys::Snapshot() const {
  MutexLock lock(set_mu_);
  return set_;
}

}  // namespace mp::server
