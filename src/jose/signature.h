// Raw JOSE signature primitives: sign / verify a signing input with one algorithm, signatures in
// JOSE form (RSA: the modulus-length octets; ECDSA: fixed-length r||s, RFC 7518 §3.4).
// SignJws / VerifyJws are built on these; tests use them for raw signature vectors.
#ifndef MASKINPORTEN_JOSE_SIGNATURE_H_
#define MASKINPORTEN_JOSE_SIGNATURE_H_

#include <string>
#include <string_view>

#include "maskinporten/jose_export.h"
#include "maskinporten/key.h"
#include "maskinporten/status.h"

namespace mp {

// Errc::kKeyAlgorithmMismatch when the key does not fit alg; kInvalidSignature when it does not
// verify (including an ECDSA signature of the wrong length, or r/s out of range).
MP_JOSE_EXPORT Status VerifySignature(Algorithm alg, const PublicKey& key,
                                      std::string_view signing_input, std::string_view signature);
MP_JOSE_EXPORT Result<std::string> Sign(Algorithm alg, const PrivateKey& key,
                                        std::string_view signing_input);

}  // namespace mp

#endif  // MASKINPORTEN_JOSE_SIGNATURE_H_
