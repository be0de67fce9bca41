// X.509 certificates, trust stores and the virksomhetssertifikat (enterprise certificate) profile.
//
// Certificates are immutable and cheap to copy. Chains are verified at the time of an injected
// Clock against an explicit TrustStore: nothing is trusted implicitly (no system store).
//
//   MP_ASSIGN_OR_RETURN(auto chain, mp::Certificate::ParsePemChain(pem_text));
//   MP_ASSIGN_OR_RETURN(mp::TrustStore test_roots, mp::TrustStore::FromPem(ca_pem,
//   mp::CertEnvironment::kTest)); MP_RETURN_IF_ERROR(mp::VerifyChain(chain, test_roots, clock));
//   MP_ASSIGN_OR_RETURN(mp::EnterpriseProfile p, mp::ReadEnterpriseProfile(chain[0]));  // p.org
#ifndef MASKINPORTEN_CERTIFICATE_H_
#define MASKINPORTEN_CERTIFICATE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/clock.h"
#include "maskinporten/key.h"
#include "maskinporten/org_number.h"
#include "maskinporten/pki_export.h"
#include "maskinporten/status.h"

namespace mp {

namespace internal {
struct CertAccess;  // src/pki/cert_internal.h
struct CertHandle;
}  // namespace internal

class MP_PKI_EXPORT Certificate {
 public:
  static Result<Certificate> FromDer(std::string_view der);
  // Exactly one CERTIFICATE block.
  static Result<Certificate> FromPem(std::string_view pem);
  // One or more CERTIFICATE blocks, in file order (leaf first by convention). Other PEM blocks
  // (a private key in the same file) are skipped; no certificate at all is an error.
  static Result<std::vector<Certificate>> ParsePemChain(std::string_view pem);
  // PEM chain or a single DER certificate, whichever `bytes` is.
  static Result<std::vector<Certificate>> ParseAny(std::string_view bytes);
  // A JWS x5c header value: standard base64 DER certificates, leaf first (RFC 7515 §4.1.6).
  static Result<std::vector<Certificate>> FromX5c(const std::vector<std::string>& x5c);

  std::string Der() const;
  std::string Pem() const;
  std::string X5cEntry() const;  // standard base64 of Der()
  std::string Subject() const;   // RFC 2253 string
  std::string Issuer() const;
  std::string SerialHex() const;  // lowercase hex, no leading zeros beyond one
  int64_t NotBefore() const;      // Unix seconds
  int64_t NotAfter() const;
  std::string Sha256FingerprintHex() const;  // lowercase hex of SHA-256(DER)
  std::string X5tS256() const;               // base64url SHA-256(DER), the JOSE x5t#S256
  // keyUsage names ("digitalSignature", "keyCertSign", ...); empty when the extension is absent.
  std::vector<std::string> KeyUsage() const;
  bool IsCa() const;
  bool SelfSigned() const;
  // Subject attribute by OID text ("2.5.4.97") or short name ("CN"); "" when absent.
  std::string SubjectAttribute(std::string_view oid_or_name) const;
  // The subject public key. Errc::kWeakKey for RSA < 2048, kInvalidKey for other key types.
  Result<PublicKey> PublicKeyOf() const;

  friend bool operator==(const Certificate& a, const Certificate& b) { return a.Der() == b.Der(); }

 private:
  friend struct internal::CertAccess;
  explicit Certificate(std::shared_ptr<const internal::CertHandle> h) : h_(std::move(h)) {}
  std::shared_ptr<const internal::CertHandle> h_;
};

// Which Maskinporten environment a set of trust anchors belongs to. Test certificates work only
// in TEST, production certificates only in PROD (SPEC §7).
enum class CertEnvironment { kTest, kProd };
MP_PKI_EXPORT std::string_view CertEnvironmentName(CertEnvironment env);  // "test" / "prod"

class MP_PKI_EXPORT TrustStore {
 public:
  explicit TrustStore(CertEnvironment env) : env_(env) {}
  // Every CERTIFICATE in `pem` becomes an anchor.
  static Result<TrustStore> FromPem(std::string_view pem, CertEnvironment env);
  void Add(Certificate anchor) { anchors_.push_back(std::move(anchor)); }
  const std::vector<Certificate>& anchors() const { return anchors_; }
  // Known intermediate CAs: not trusted themselves, but used to build a chain when the
  // certificate list gives only the leaf (Digdir's own jwt-grant-generator sends a leaf-only
  // x5c, SPEC §4.2), as a verifier that knows the issuers' intermediates does.
  void AddIntermediate(Certificate ca) { intermediates_.push_back(std::move(ca)); }
  const std::vector<Certificate>& intermediates() const { return intermediates_; }
  CertEnvironment environment() const { return env_; }

 private:
  CertEnvironment env_;
  std::vector<Certificate> anchors_;
  std::vector<Certificate> intermediates_;
};

// Verifies `chain` (leaf first; intermediates after; a root may be included or not) to an anchor
// of `store` at clock.Now(). Errc::kCertificateExpired when the only fault is validity time,
// kCertificateUntrusted otherwise (unknown issuer, bad signature, CA flags), kInvalidArgument
// for an empty chain.
MP_PKI_EXPORT Status VerifyChain(const std::vector<Certificate>& chain, const TrustStore& store,
                                 const Clock& clock);

// The virksomhetssertifikat profile (SPEC §7).
struct MP_PKI_EXPORT EnterpriseProfile {
  OrgNumber org;
  int seid = 0;  // 2: organizationIdentifier NTRNO-<orgno>; 1: serialNumber; 0: legacy CN
  std::string organization_name;  // subject O, may be ""
};
// Org number from subject organizationIdentifier "NTRNO-<9 digits>" (SEID 2), else serialNumber
// "<9 digits>" (SEID 1), else a CN starting with 9 digits; mod-11 checked. Requires keyUsage
// digitalSignature. Errc::kCertificateProfile naming what is missing, kInvalidOrgNumber for a bad
// check digit.
MP_PKI_EXPORT Result<EnterpriseProfile> ReadEnterpriseProfile(const Certificate& leaf);

// PKCS#12 bundles (.p12 / .pfx) as Buypass and Commfides deliver them.
struct MP_PKI_EXPORT Pkcs12Contents {
  PrivateKey key;
  std::vector<Certificate> chain;  // leaf first, then the CA certificates in the bundle
};
// Errc::kWrongPassword when the MAC does not verify with `password`.
MP_PKI_EXPORT Result<Pkcs12Contents> LoadPkcs12(std::string_view der, std::string_view password);
// AES-256-CBC / PBKDF2 / SHA-256 MAC.
MP_PKI_EXPORT Result<std::string> MakePkcs12(const PrivateKey& key,
                                             const std::vector<Certificate>& chain,
                                             std::string_view password,
                                             std::string_view friendly_name = {});

}  // namespace mp

#endif  // MASKINPORTEN_CERTIFICATE_H_
