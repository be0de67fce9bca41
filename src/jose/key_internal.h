// Reaches the OpenSSL object inside PublicKey / PrivateKey. Only src/ includes this.
#ifndef MASKINPORTEN_JOSE_KEY_INTERNAL_H_
#define MASKINPORTEN_JOSE_KEY_INTERNAL_H_

#include <cstdint>
#include <memory>

#include "core/openssl.h"
#include "maskinporten/jose_export.h"
#include "maskinporten/key.h"

namespace mp::internal {

// A process-unique, never reused id for each KeyHandle (signature.cc caches verification
// contexts per thread by it; an address could be reused by another key after a free).
MP_JOSE_EXPORT uint64_t NextKeyHandleId();

struct MP_JOSE_EXPORT KeyHandle {
  EvpPkeyPtr pkey;
  // For a private key: its public half as a public-only EVP_PKEY, made once at construction so
  // PrivateKey::public_key() is cheap and a PublicKey never carries private material.
  std::shared_ptr<const KeyHandle> public_part;
  uint64_t id = NextKeyHandleId();
};

struct MP_JOSE_EXPORT KeyAccess {
  // Takes ownership; checks type (RSA / EC P-256 / P-384) and RSA size (>= 2048 bits).
  static Result<PublicKey> MakePublic(EvpPkeyPtr pkey);
  static Result<PrivateKey> MakePrivate(EvpPkeyPtr pkey);
  // Wraps an already checked handle (PrivateKey::public_key()).
  static PublicKey Wrap(std::shared_ptr<const KeyHandle> h) { return PublicKey(std::move(h)); }
  static EVP_PKEY* Evp(const PublicKey& k) { return k.h_->pkey.get(); }
  static EVP_PKEY* Evp(const PrivateKey& k) { return k.h_->pkey.get(); }
  static const KeyHandle& Handle(const PublicKey& k) { return *k.h_; }
};

}  // namespace mp::internal

#endif  // MASKINPORTEN_JOSE_KEY_INTERNAL_H_
