#include "maskinporten/certificate.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "core/openssl.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "jose/key_openssl.h"
#include "maskinporten/base64.h"
#include "pki/cert_internal.h"

namespace mp {
namespace {

using internal::CertAccess;

constexpr std::string_view kPemBegin = "-----BEGIN";

std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0xf]);
  }
  return out;
}

std::string NameToString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  // RFC 2253, but UTF-8 passes through instead of being escaped as \XX.
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return BioContents(bio.get());
}

int64_t TimeToUnix(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

// Wraps a parsed X509, refusing one whose extensions OpenSSL could not decode.
Result<Certificate> Adopt(X509Ptr x509, std::string_view what) {
  if ((X509_get_extension_flags(x509.get()) & EXFLAG_INVALID) != 0) {
    ClearOpenSslErrors();
    return Status(Errc::kInvalidCertificate, std::string(what) + ": malformed X.509v3 extensions");
  }
  return CertAccess::Make(std::move(x509));
}

Result<Certificate> ParseDer(std::string_view der, std::string_view what) {
  if (der.empty()) return Status(Errc::kInvalidCertificate, std::string(what) + ": empty");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x509) return OpenSslError(Errc::kInvalidCertificate, std::string(what) + ": not DER X.509");
  // DER has one encoding: trailing bytes mean this is not (only) a certificate.
  size_t used = static_cast<size_t>(p - reinterpret_cast<const unsigned char*>(der.data()));
  if (used != der.size()) {
    return Status(Errc::kInvalidCertificate, std::string(what) + ": " +
                                                 std::to_string(der.size() - used) +
                                                 " trailing bytes after the certificate");
  }
  return Adopt(std::move(x509), what);
}

std::string KeyUsageName(uint32_t bit) {
  switch (bit) {
    case KU_DIGITAL_SIGNATURE:
      return "digitalSignature";
    case KU_NON_REPUDIATION:
      return "nonRepudiation";
    case KU_KEY_ENCIPHERMENT:
      return "keyEncipherment";
    case KU_DATA_ENCIPHERMENT:
      return "dataEncipherment";
    case KU_KEY_AGREEMENT:
      return "keyAgreement";
    case KU_KEY_CERT_SIGN:
      return "keyCertSign";
    case KU_CRL_SIGN:
      return "cRLSign";
    case KU_ENCIPHER_ONLY:
      return "encipherOnly";
    case KU_DECIPHER_ONLY:
      return "decipherOnly";
    default:
      return "";
  }
}

// What the verify callback saw: time faults are recorded and passed over so that a chain whose
// only fault is validity time is told apart from an untrusted one.
struct VerifyRecord {
  int time_error = X509_V_OK;
  int time_depth = -1;
  X509* time_cert = nullptr;
};

int VerifyCallback(int ok, X509_STORE_CTX* ctx) {
  if (ok) return ok;
  int err = X509_STORE_CTX_get_error(ctx);
  if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) {
    auto* rec = static_cast<VerifyRecord*>(X509_STORE_CTX_get_app_data(ctx));
    if (rec != nullptr && rec->time_error == X509_V_OK) {
      rec->time_error = err;
      rec->time_depth = X509_STORE_CTX_get_error_depth(ctx);
      rec->time_cert = X509_STORE_CTX_get_current_cert(ctx);
    }
    return 1;
  }
  return 0;
}

}  // namespace

// ---- parsing ----

Result<Certificate> Certificate::FromDer(std::string_view der) {
  return ParseDer(der, "certificate");
}

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  MP_ASSIGN_OR_RETURN(std::vector<Certificate> certs, ParsePemChain(pem));
  if (certs.size() != 1) {
    return Status(Errc::kInvalidCertificate,
                  "expected exactly one CERTIFICATE block, found " + std::to_string(certs.size()));
  }
  return std::move(certs[0]);
}

Result<std::vector<Certificate>> Certificate::ParsePemChain(std::string_view pem) {
  BioPtr bio = MemBio(pem);
  if (!bio) return OpenSslError(Errc::kInternal, "BIO_new_mem_buf");
  std::vector<Certificate> certs;
  int block = 0;
  ClearOpenSslErrors();
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ClearOpenSslErrors();  // the normal end: no further BEGIN line
        break;
      }
      return OpenSslError(Errc::kInvalidCertificate,
                          "PEM block " + std::to_string(block) + " is malformed");
    }
    std::string label(name);
    std::string der(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (label == "CERTIFICATE") {
      MP_ASSIGN_OR_RETURN(Certificate c,
                          ParseDer(der, "PEM block " + std::to_string(block) + " (CERTIFICATE)"));
      certs.push_back(std::move(c));
    }
    ++block;
  }
  if (certs.empty()) {
    return Status(Errc::kInvalidCertificate, "no CERTIFICATE block in PEM input");
  }
  return certs;
}

Result<std::vector<Certificate>> Certificate::ParseAny(std::string_view bytes) {
  if (bytes.find(kPemBegin) != std::string_view::npos) return ParsePemChain(bytes);
  MP_ASSIGN_OR_RETURN(Certificate c, FromDer(bytes));
  return std::vector<Certificate>{std::move(c)};
}

Result<std::vector<Certificate>> Certificate::FromX5c(const std::vector<std::string>& x5c) {
  // RFC 7515 §4.1.6: an array of one or more base64 (not base64url) DER certificates.
  if (x5c.empty()) return Status(Errc::kInvalidCertificate, "x5c is empty");
  std::vector<Certificate> certs;
  certs.reserve(x5c.size());
  for (size_t i = 0; i < x5c.size(); ++i) {
    std::string what = "x5c[" + std::to_string(i) + "]";
    Result<std::string> der = Base64Decode(x5c[i]);
    if (!der.ok()) {
      return Status(Errc::kInvalidCertificate,
                    what + " is not standard base64: " + der.status().message());
    }
    MP_ASSIGN_OR_RETURN(Certificate c, ParseDer(*der, what));
    certs.push_back(std::move(c));
  }
  return certs;
}

// ---- accessors ----

std::string Certificate::Der() const {
  unsigned char* out = nullptr;
  int len = i2d_X509(CertAccess::Raw(*this), &out);
  if (len <= 0) return "";
  std::string der(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return der;
}

std::string Certificate::Pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), CertAccess::Raw(*this)) != 1) return "";
  return BioContents(bio.get());
}

std::string Certificate::X5cEntry() const { return Base64Encode(Der()); }

std::string Certificate::Subject() const {
  return NameToString(X509_get_subject_name(CertAccess::Raw(*this)));
}

std::string Certificate::Issuer() const {
  return NameToString(X509_get_issuer_name(CertAccess::Raw(*this)));
}

std::string Certificate::SerialHex() const {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(CertAccess::Raw(*this));
  BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return "";
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return "";
  std::string out(hex);
  OPENSSL_free(hex);
  bool negative = !out.empty() && out[0] == '-';
  std::string digits = negative ? out.substr(1) : out;
  size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  digits = AsciiLower(digits);
  return negative ? "-" + digits : digits;
}

int64_t Certificate::NotBefore() const {
  return TimeToUnix(X509_get0_notBefore(CertAccess::Raw(*this)));
}

int64_t Certificate::NotAfter() const {
  return TimeToUnix(X509_get0_notAfter(CertAccess::Raw(*this)));
}

std::string Certificate::Sha256FingerprintHex() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(CertAccess::Raw(*this), EVP_sha256(), md, &len) != 1) return "";
  return Hex(md, len);
}

std::string Certificate::X5tS256() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(CertAccess::Raw(*this), EVP_sha256(), md, &len) != 1) return "";
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::vector<std::string> Certificate::KeyUsage() const {
  X509* x = CertAccess::Raw(*this);
  std::vector<std::string> names;
  if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) == 0) return names;
  uint32_t ku = X509_get_key_usage(x);
  for (uint32_t bit :
       {KU_DIGITAL_SIGNATURE, KU_NON_REPUDIATION, KU_KEY_ENCIPHERMENT, KU_DATA_ENCIPHERMENT,
        KU_KEY_AGREEMENT, KU_KEY_CERT_SIGN, KU_CRL_SIGN, KU_ENCIPHER_ONLY, KU_DECIPHER_ONLY}) {
    if ((ku & bit) != 0) names.push_back(KeyUsageName(bit));
  }
  return names;
}

bool Certificate::IsCa() const {
  // basicConstraints cA only; keyUsage or a v1 self-signed root does not make a CA here.
  return (X509_get_extension_flags(CertAccess::Raw(*this)) & EXFLAG_CA) != 0;
}

bool Certificate::SelfSigned() const {
  int r = X509_self_signed(CertAccess::Raw(*this), 1);
  if (r != 1) ClearOpenSslErrors();
  return r == 1;
}

std::string Certificate::SubjectAttribute(std::string_view oid_or_name) const {
  std::string text(oid_or_name);
  ASN1_OBJECT* obj = OBJ_txt2obj(text.c_str(), 0);
  if (obj == nullptr) {
    ClearOpenSslErrors();
    return "";
  }
  const X509_NAME* name = X509_get_subject_name(CertAccess::Raw(*this));
  int idx = X509_NAME_get_index_by_OBJ(name, obj, -1);
  ASN1_OBJECT_free(obj);
  if (idx < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) {
    ClearOpenSslErrors();
    return "";
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

Result<PublicKey> Certificate::PublicKeyOf() const {
  EvpPkeyPtr pkey(X509_get_pubkey(CertAccess::Raw(*this)));
  if (!pkey) return OpenSslError(Errc::kInvalidKey, "certificate public key is unreadable");
  Result<PublicKey> key = PublicKeyFromEvp(std::move(pkey));
  if (!key.ok()) return key.status().WithContext("certificate " + Subject());
  return key;
}

// ---- trust ----

std::string_view CertEnvironmentName(CertEnvironment env) {
  switch (env) {
    case CertEnvironment::kTest:
      return "test";
    case CertEnvironment::kProd:
      return "prod";
  }
  return "unknown";
}

Result<TrustStore> TrustStore::FromPem(std::string_view pem, CertEnvironment env) {
  MP_ASSIGN_OR_RETURN(std::vector<Certificate> certs, Certificate::ParsePemChain(pem));
  TrustStore store(env);
  for (auto& c : certs) store.Add(std::move(c));
  return store;
}

Status VerifyChain(const std::vector<Certificate>& chain, const TrustStore& store,
                   const Clock& clock) {
  if (chain.empty()) return Status(Errc::kInvalidArgument, "certificate chain is empty");
  std::string env(CertEnvironmentName(store.environment()));
  if (store.anchors().empty()) {
    return Status(Errc::kCertificateUntrusted, "the " + env + " trust store has no anchors");
  }
  // A virksomhetssertifikat is an end-entity certificate; a CA certificate cannot sign grants.
  if (chain[0].IsCa()) {
    return Status(Errc::kCertificateUntrusted,
                  "leaf certificate " + chain[0].Subject() + " is a CA certificate");
  }

  // Only the store's anchors are trusted: no default paths, no partial chains.
  X509StorePtr x509_store(X509_STORE_new());
  if (!x509_store) return OpenSslError(Errc::kInternal, "X509_STORE_new");
  for (const Certificate& anchor : store.anchors()) {
    if (X509_STORE_add_cert(x509_store.get(), CertAccess::Raw(anchor)) != 1) {
      // The same anchor twice is harmless.
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_REASON(err) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        return OpenSslError(Errc::kInternal, "X509_STORE_add_cert");
      }
      ClearOpenSslErrors();
    }
  }
  X509StackPtr untrusted(sk_X509_new_null());
  if (!untrusted) return OpenSslError(Errc::kInternal, "sk_X509_new_null");
  auto push_untrusted = [&untrusted](const Certificate& c) {
    X509* x = CertAccess::Raw(c);
    if (X509_up_ref(x) != 1) return false;
    if (sk_X509_push(untrusted.get(), x) <= 0) {
      X509_free(x);
      return false;
    }
    return true;
  };
  for (size_t i = 1; i < chain.size(); ++i) {
    if (!push_untrusted(chain[i])) return OpenSslError(Errc::kInternal, "sk_X509_push");
  }
  for (const Certificate& ca : store.intermediates()) {
    if (!push_untrusted(ca)) return OpenSslError(Errc::kInternal, "sk_X509_push");
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), x509_store.get(), CertAccess::Raw(chain[0]),
                                  untrusted.get()) != 1) {
    return OpenSslError(Errc::kInternal, "X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param,
                             static_cast<time_t>(clock.NowSeconds()));  // sets USE_CHECK_TIME
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_USE_CHECK_TIME | X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  VerifyRecord record;
  X509_STORE_CTX_set_app_data(ctx.get(), &record);
  X509_STORE_CTX_set_verify_cb(ctx.get(), VerifyCallback);

  int ok = X509_verify_cert(ctx.get());
  if (ok != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* bad = X509_STORE_CTX_get_current_cert(ctx.get());
    std::string msg = "certificate chain does not verify against the " + env +
                      " trust store: " + X509_verify_cert_error_string(err) + " at depth " +
                      std::to_string(depth);
    if (bad != nullptr) msg += " (" + NameToString(X509_get_subject_name(bad)) + ")";
    ClearOpenSslErrors();
    return Status(Errc::kCertificateUntrusted, std::move(msg));
  }
  if (record.time_error != X509_V_OK) {
    std::string subject =
        record.time_cert ? NameToString(X509_get_subject_name(record.time_cert)) : "";
    std::string msg =
        "certificate at depth " + std::to_string(record.time_depth) + " (" + subject + ") ";
    int64_t now = clock.NowSeconds();
    if (record.time_error == X509_V_ERR_CERT_HAS_EXPIRED) {
      msg += "expired at " + FormatUtc(TimeToUnix(X509_get0_notAfter(record.time_cert)));
    } else {
      msg += "is not valid until " + FormatUtc(TimeToUnix(X509_get0_notBefore(record.time_cert)));
    }
    msg += "; now is " + FormatUtc(now);
    ClearOpenSslErrors();
    return Status(Errc::kCertificateExpired, std::move(msg));
  }
  return OkStatus();
}

// ---- virksomhetssertifikat profile ----

Result<EnterpriseProfile> ReadEnterpriseProfile(const Certificate& leaf) {
  if (leaf.IsCa()) {
    return Status(Errc::kCertificateProfile,
                  "certificate " + leaf.Subject() + " is a CA certificate, not an enterprise one");
  }
  X509* x = CertAccess::Raw(leaf);
  if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) == 0) {
    return Status(Errc::kCertificateProfile,
                  "certificate has no keyUsage extension; digitalSignature is required");
  }
  if ((X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE) == 0) {
    return Status(Errc::kCertificateProfile, "keyUsage lacks digitalSignature");
  }

  // SPEC §7: organizationIdentifier (SEID 2), then serialNumber (SEID 1), then a legacy CN.
  constexpr std::string_view kNtrPrefix = "NTRNO-";
  std::string digits;
  int seid = 0;
  std::string where;
  std::string org_id = leaf.SubjectAttribute("2.5.4.97");
  std::string serial = leaf.SubjectAttribute("2.5.4.5");
  std::string cn = leaf.SubjectAttribute("2.5.4.3");
  if (org_id.substr(0, kNtrPrefix.size()) == kNtrPrefix) {
    digits = org_id.substr(kNtrPrefix.size());
    seid = 2;
    where = "organizationIdentifier " + org_id;
  } else if (serial.size() == 9 && IsDigits(serial)) {
    digits = serial;
    seid = 1;
    where = "serialNumber " + serial;
  } else if (cn.size() >= 9 && IsDigits(std::string_view(cn).substr(0, 9))) {
    digits = cn.substr(0, 9);
    seid = 0;
    where = "CN " + cn;
  } else {
    return Status(Errc::kCertificateProfile,
                  "no organisation number in the subject (organizationIdentifier NTRNO-<9 "
                  "digits>, serialNumber <9 digits> or a CN starting with 9 digits)");
  }
  Result<OrgNumber> org = OrgNumber::Parse(digits);
  if (!org.ok()) return org.status().WithContext("subject " + where);
  return EnterpriseProfile{std::move(*org), seid, leaf.SubjectAttribute("O")};
}

}  // namespace mp
