// Reaches the OpenSSL X509 inside a Certificate, and builds certificates from parts. Only src/
// and tests include this.
#ifndef MASKINPORTEN_PKI_CERT_INTERNAL_H_
#define MASKINPORTEN_PKI_CERT_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/openssl.h"
#include "maskinporten/certificate.h"
#include "maskinporten/pki_export.h"

namespace mp::internal {

struct MP_PKI_EXPORT CertHandle {
  X509Ptr x509;
};

struct MP_PKI_EXPORT CertAccess {
  // Takes ownership of a parsed or freshly signed certificate.
  static Certificate Make(X509Ptr x509) {
    auto handle = std::make_shared<CertHandle>();
    handle->x509 = std::move(x509);
    return Certificate(std::move(handle));
  }
  // The X509 stays owned by `c`. OpenSSL 3 takes X509* (not const) in some read-only calls.
  static X509* Raw(const Certificate& c) { return c.h_->x509.get(); }
};

// Everything a certificate is made of. TestCa builds its certificates with this; tests use it to
// make certificates a well-behaved CA would not issue (bad check digits, missing keyUsage, ...).
struct MP_PKI_EXPORT CertSpec {
  // Subject RDNs in order, each (short name, long name or OID text; UTF-8 value).
  std::vector<std::pair<std::string, std::string>> subject;
  EVP_PKEY* subject_key = nullptr;      // its public half goes into the certificate
  const Certificate* issuer = nullptr;  // null: self-signed (issuer name = subject name)
  EVP_PKEY* issuer_key = nullptr;       // signs, with SHA-256
  int64_t not_before = 0;               // Unix seconds
  int64_t not_after = 0;
  // X.509v3 extensions in order, as OpenSSL config text: {"basicConstraints", "critical,CA:TRUE"}.
  // For a self-signed certificate put subjectKeyIdentifier before authorityKeyIdentifier.
  std::vector<std::pair<std::string, std::string>> extensions;
  // Big-endian serial bytes; empty means a random positive 128-bit serial.
  std::string serial;
};

// Errc::kInvalidArgument for an unknown attribute or extension, a missing key or an empty name.
MP_PKI_EXPORT Result<Certificate> BuildCertificate(const CertSpec& spec);

}  // namespace mp::internal

#endif  // MASKINPORTEN_PKI_CERT_INTERNAL_H_
