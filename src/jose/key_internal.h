// Reaches the OpenSSL object inside PublicKey / PrivateKey. Only src/ includes this.
#ifndef MASKINPORTEN_JOSE_KEY_INTERNAL_H_
#define MASKINPORTEN_JOSE_KEY_INTERNAL_H_

#include "core/openssl.h"
#include "maskinporten/key.h"

namespace mp::internal {

struct KeyHandle {
  EvpPkeyPtr pkey;
};

struct KeyAccess {
  // Takes ownership; checks type (RSA / EC P-256 / P-384) and RSA size (>= 2048 bits).
  static Result<PublicKey> MakePublic(EvpPkeyPtr pkey);
  static Result<PrivateKey> MakePrivate(EvpPkeyPtr pkey);
  static EVP_PKEY* Evp(const PublicKey& k) { return k.h_->pkey.get(); }
  static EVP_PKEY* Evp(const PrivateKey& k) { return k.h_->pkey.get(); }
};

}  // namespace mp::internal

#endif  // MASKINPORTEN_JOSE_KEY_INTERNAL_H_
