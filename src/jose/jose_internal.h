// Helpers shared by the jose sources: algorithm properties, digests, big-number byte strings and
// the public parameters of our key types. Only src/jose includes this.
#ifndef MASKINPORTEN_JOSE_JOSE_INTERNAL_H_
#define MASKINPORTEN_JOSE_JOSE_INTERNAL_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "core/openssl.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"

namespace mp::internal {

bool IsRsaAlgorithm(Algorithm alg);  // RS* and PS*
bool IsPssAlgorithm(Algorithm alg);  // PS*
bool IsEcAlgorithm(Algorithm alg);   // ES*

// The message digest of `alg`, fetched once per process and kept for its lifetime.
const EVP_MD* DigestFor(Algorithm alg);
// 32, 48 or 64.
size_t DigestSize(Algorithm alg);

// JOSE curve names ("P-256", "P-384") and their coordinate (and ECDSA r, s) sizes in bytes.
// Returns 0 for a curve we do not support.
size_t EcCoordinateBytes(std::string_view jose_curve);
// The OpenSSL group name for a JOSE curve ("prime256v1"), or "" when unsupported.
std::string_view OpenSslGroupName(std::string_view jose_curve);
// The JOSE curve name of an EC key ("P-256"), or "" when it is not a named curve we support.
std::string JoseCurveOf(EVP_PKEY* pkey);

// Big-endian bytes of `bn`: minimal (no leading zeros; empty for zero), or left-padded to `len`.
std::string BnToBytes(const BIGNUM* bn);
std::string BnToPaddedBytes(const BIGNUM* bn, size_t len);
// A BIGNUM parameter of a key (OSSL_PKEY_PARAM_*), or nullptr when absent.
BnPtr GetBnParam(EVP_PKEY* pkey, const char* name);

// The RFC 7518 public members of a key, as raw bytes: n and e for RSA; x and y (padded to the
// coordinate size) for EC.
struct PublicParams {
  KeyType type = KeyType::kRsa;
  std::string n, e;       // RSA
  std::string crv, x, y;  // EC
};
PublicParams GetPublicParams(EVP_PKEY* pkey);

// SHA-256 of `data`.
std::string Sha256(std::string_view data);

}  // namespace mp::internal

#endif  // MASKINPORTEN_JOSE_JOSE_INTERNAL_H_
