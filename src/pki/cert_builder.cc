// BuildCertificate (cert_internal.h): one X.509v3 certificate from a CertSpec.
#include <openssl/x509v3.h>

#include "core/openssl.h"
#include "core/random.h"
#include "pki/cert_internal.h"

namespace mp::internal {
namespace {

Status SetSerial(X509* x, const std::string& serial_bytes) {
  std::string bytes = serial_bytes;
  if (bytes.empty()) {
    // RFC 5280 §4.1.2.2: positive, at most 20 octets; CA/B-style 128 bits of randomness (the top
    // bit is cleared so the DER INTEGER stays positive in 16 octets).
    bytes = RandomBytes(16);
    bytes[0] = static_cast<char>(static_cast<unsigned char>(bytes[0]) & 0x7f);
    if (bytes[0] == 0) bytes[0] = 1;
  }
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<int>(bytes.size()), nullptr));
  if (!bn) return OpenSslError(Errc::kInternal, "BN_bin2bn");
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial || X509_set_serialNumber(x, serial.get()) != 1) {
    return OpenSslError(Errc::kInternal, "X509_set_serialNumber");
  }
  return OkStatus();
}

Status SetSubject(X509* x, const CertSpec& spec) {
  X509_NAME* name = X509_get_subject_name(x);
  for (const auto& [field, value] : spec.subject) {
    if (X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return OpenSslError(Errc::kInvalidArgument, "subject attribute " + field + "=" + value);
    }
  }
  return OkStatus();
}

Status AddExtensions(X509* x, X509* issuer, const CertSpec& spec) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, x, nullptr, nullptr, 0);
  for (const auto& [name, value] : spec.extensions) {
    X509ExtPtr ext(X509V3_EXT_conf(nullptr, &v3, name.c_str(), value.c_str()));
    if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
      return OpenSslError(Errc::kInvalidArgument, "extension " + name + "=" + value);
    }
  }
  return OkStatus();
}

}  // namespace

Result<Certificate> BuildCertificate(const CertSpec& spec) {
  if (spec.subject_key == nullptr || spec.issuer_key == nullptr) {
    return Status(Errc::kInvalidArgument, "certificate needs a subject key and an issuer key");
  }
  if (spec.subject.empty()) return Status(Errc::kInvalidArgument, "certificate subject is empty");
  X509Ptr x(X509_new());
  if (!x) return OpenSslError(Errc::kInternal, "X509_new");
  if (X509_set_version(x.get(), X509_VERSION_3) != 1) {
    return OpenSslError(Errc::kInternal, "X509_set_version");
  }
  MP_RETURN_IF_ERROR(SetSerial(x.get(), spec.serial));
  MP_RETURN_IF_ERROR(SetSubject(x.get(), spec));
  X509* issuer = spec.issuer ? CertAccess::Raw(*spec.issuer) : x.get();
  if (X509_set_issuer_name(x.get(), X509_get_subject_name(issuer)) != 1) {
    return OpenSslError(Errc::kInternal, "X509_set_issuer_name");
  }
  if (ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(spec.not_before)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(spec.not_after)) == nullptr) {
    return OpenSslError(Errc::kInvalidArgument, "certificate validity");
  }
  if (X509_set_pubkey(x.get(), spec.subject_key) != 1) {
    return OpenSslError(Errc::kInvalidArgument, "X509_set_pubkey");
  }
  MP_RETURN_IF_ERROR(AddExtensions(x.get(), issuer, spec));
  if (X509_sign(x.get(), spec.issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError(Errc::kInvalidArgument, "X509_sign");
  }
  // Re-read the signed encoding so the cached fields (extension flags) match what others see.
  unsigned char* der = nullptr;
  int len = i2d_X509(x.get(), &der);
  if (len <= 0) return OpenSslError(Errc::kInternal, "i2d_X509");
  const unsigned char* p = der;
  X509Ptr parsed(d2i_X509(nullptr, &p, len));
  OPENSSL_free(der);
  if (!parsed) return OpenSslError(Errc::kInternal, "d2i_X509");
  return CertAccess::Make(std::move(parsed));
}

}  // namespace mp::internal
