// The jose layer's OpenSSL bridge for mp::PublicKey and mp::PrivateKey: what the layers above it
// need to hand a key to OpenSSL (pki reads and signs certificates and PKCS#12 files with it). The
// key's inner handle stays private to jose (key_internal.h); this header is its only way out.
//
//   EVP_PKEY* pkey = mp::EvpOf(private_key);  // borrowed: valid while private_key lives
//   MP_ASSIGN_OR_RETURN(mp::PublicKey key, mp::PublicKeyFromEvp(EvpPkeyPtr(X509_get_pubkey(x))));
#ifndef MASKINPORTEN_JOSE_KEY_OPENSSL_H_
#define MASKINPORTEN_JOSE_KEY_OPENSSL_H_

#include "core/openssl.h"
#include "maskinporten/jose_export.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"

namespace mp {

// The EVP_PKEY inside `key`, owned by it. OpenSSL 3 takes EVP_PKEY* (not const) in some read-only
// calls; callers never free or change it.
MP_JOSE_EXPORT EVP_PKEY* EvpOf(const PublicKey& key);
MP_JOSE_EXPORT EVP_PKEY* EvpOf(const PrivateKey& key);

// Takes ownership; the same checks as every key parser (RSA >= 2048 bits, EC P-256 / P-384).
MP_JOSE_EXPORT Result<PublicKey> PublicKeyFromEvp(EvpPkeyPtr pkey);
MP_JOSE_EXPORT Result<PrivateKey> PrivateKeyFromEvp(EvpPkeyPtr pkey);

}  // namespace mp

#endif  // MASKINPORTEN_JOSE_KEY_OPENSSL_H_
