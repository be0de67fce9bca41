// PKCS#12 (.p12 / .pfx) bundles: LoadPkcs12 and MakePkcs12 (certificate.h).
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "core/openssl.h"
#include "core/random.h"
#include "jose/key_openssl.h"
#include "maskinporten/certificate.h"
#include "pki/cert_internal.h"

namespace mp {
namespace {

using internal::CertAccess;

// Orders CA certificates after the leaf by issuance (leaf, its issuer, that one's issuer, ...),
// whatever order the bags had; certificates not on that path follow in bundle order.
std::vector<Certificate> OrderChain(Certificate leaf, std::vector<Certificate> cas) {
  std::vector<Certificate> chain{std::move(leaf)};
  for (;;) {
    X509* current = CertAccess::Raw(chain.back());
    if (X509_check_issued(current, current) == X509_V_OK) break;  // reached a self-issued root
    auto it = cas.begin();
    for (; it != cas.end(); ++it) {
      if (X509_check_issued(CertAccess::Raw(*it), current) == X509_V_OK) break;
    }
    if (it == cas.end()) break;
    chain.push_back(std::move(*it));
    cas.erase(it);
  }
  for (auto& c : cas) chain.push_back(std::move(c));
  return chain;
}

// PKCS#12 passwords are NUL-terminated C strings. OpenSSL, like the openssl CLI, treats an empty
// password and no password as different, and bundles exist with either; try both for "".
bool MacVerifies(PKCS12* p12, const SecretString& password) {
  if (PKCS12_verify_mac(p12, password.value().c_str(), static_cast<int>(password.value().size())) ==
      1) {
    return true;
  }
  return password.empty() && PKCS12_verify_mac(p12, nullptr, 0) == 1;
}

}  // namespace

Result<Pkcs12Contents> LoadPkcs12(std::string_view der, std::string_view password) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) return OpenSslError(Errc::kInvalidCertificate, "not a DER PKCS#12 bundle");
  SecretString pass{std::string(password)};
  const char* pass_arg = pass.value().c_str();
  if (PKCS12_mac_present(p12.get())) {
    if (!MacVerifies(p12.get(), pass)) {
      ClearOpenSslErrors();
      return Status(Errc::kWrongPassword, "PKCS#12 MAC does not verify: wrong password");
    }
    if (pass.empty() && PKCS12_verify_mac(p12.get(), pass_arg, 0) != 1) pass_arg = nullptr;
    ClearOpenSslErrors();
  }

  EVP_PKEY* raw_key = nullptr;
  X509* raw_cert = nullptr;
  STACK_OF(X509)* raw_cas = nullptr;
  if (PKCS12_parse(p12.get(), pass_arg, &raw_key, &raw_cert, &raw_cas) != 1) {
    // Without a MAC, a wrong password shows as undecryptable bags.
    return OpenSslError(
        PKCS12_mac_present(p12.get()) ? Errc::kInvalidCertificate : Errc::kWrongPassword,
        "PKCS#12 bundle could not be decrypted or parsed");
  }
  EvpPkeyPtr pkey(raw_key);
  X509Ptr cert(raw_cert);
  X509StackPtr cas(raw_cas);
  if (!pkey) return Status(Errc::kInvalidCertificate, "PKCS#12 bundle holds no private key");
  if (!cert) {
    return Status(Errc::kInvalidCertificate, "PKCS#12 bundle holds no certificate for its key");
  }
  MP_ASSIGN_OR_RETURN(PrivateKey key, PrivateKeyFromEvp(std::move(pkey)));

  std::vector<Certificate> ca_certs;
  while (cas && sk_X509_num(cas.get()) > 0) {
    ca_certs.push_back(CertAccess::Make(X509Ptr(sk_X509_shift(cas.get()))));
  }
  Certificate leaf = CertAccess::Make(std::move(cert));
  return Pkcs12Contents{std::move(key), OrderChain(std::move(leaf), std::move(ca_certs))};
}

Result<std::string> MakePkcs12(const PrivateKey& key, const std::vector<Certificate>& chain,
                               std::string_view password, std::string_view friendly_name) {
  if (chain.empty()) return Status(Errc::kInvalidArgument, "PKCS#12 needs at least a certificate");
  EVP_PKEY* pkey = EvpOf(key);
  X509* leaf = CertAccess::Raw(chain[0]);
  if (X509_check_private_key(leaf, pkey) != 1) {
    ClearOpenSslErrors();
    return Status(Errc::kInvalidArgument,
                  "the private key does not belong to certificate " + chain[0].Subject());
  }
  X509StackPtr cas(sk_X509_new_null());
  if (!cas) return OpenSslError(Errc::kInternal, "sk_X509_new_null");
  for (size_t i = 1; i < chain.size(); ++i) {
    X509* x = CertAccess::Raw(chain[i]);
    if (X509_up_ref(x) != 1 || sk_X509_push(cas.get(), x) <= 0) {
      return OpenSslError(Errc::kInternal, "sk_X509_push");
    }
  }
  SecretString pass{std::string(password)};
  std::string name(friendly_name);
  // PBES2 (PBKDF2 with HMAC-SHA256, AES-256-CBC) for both the key and the certificates; the MAC
  // is set separately below because PKCS12_create would use SHA-1.
  Pkcs12Ptr p12(PKCS12_create(pass.value().c_str(), name.empty() ? nullptr : name.c_str(), pkey,
                              leaf, cas.get(), NID_aes_256_cbc, NID_aes_256_cbc,
                              PKCS12_DEFAULT_ITER, /*mac_iter=*/-1, /*keytype=*/0));
  if (!p12) return OpenSslError(Errc::kInternal, "PKCS12_create");
  if (PKCS12_set_mac(p12.get(), pass.value().c_str(), static_cast<int>(pass.value().size()),
                     nullptr, 0, PKCS12_DEFAULT_ITER, EVP_sha256()) != 1) {
    return OpenSslError(Errc::kInternal, "PKCS12_set_mac");
  }
  unsigned char* out = nullptr;
  int len = i2d_PKCS12(p12.get(), &out);
  if (len <= 0) return OpenSslError(Errc::kInternal, "i2d_PKCS12");
  std::string der(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return der;
}

}  // namespace mp
