// Status and Result<T>: how every maskinporten-cpp API reports failure.
//
// Library functions never throw; they return a Status (no value) or a Result<T> (a value or a
// Status). The error code is a closed enum, Errc, whose snake_case name is what the CLI prints:
//
//   mp::Result<mp::OrgNumber> org = mp::OrgNumber::Parse("910753614");
//   if (!org.ok()) std::cerr << "error: " << org.status().ToString() << "\n";
//   MP_ASSIGN_OR_RETURN(auto key, mp::PrivateKey::FromPem(pem));  // inside a Result function
#ifndef MASKINPORTEN_STATUS_H_
#define MASKINPORTEN_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "maskinporten/core_export.h"

namespace mp {

// The closed set of error codes. Every value has a test that produces it.
enum class Errc {
  kOk = 0,
  // core
  kInvalidArgument,   // a caller-supplied value breaks a documented rule
  kInvalidBase64,     // not strict base64url / base64
  kInvalidJson,       // not JSON, bad UTF-8, or the wrong JSON type
  kDuplicateJsonKey,  // an object names the same member twice
  kLimitExceeded,     // input larger or deeper than the configured limit
  kInvalidOrgNumber,  // not 9 digits or the mod-11 check digit is wrong
  kIoError,           // file or OS call failed
  kNotFound,          // a named item (file, kid, env var) does not exist
  kInternal,          // a library we call failed unexpectedly
  // jose
  kInvalidKey,            // unreadable, wrong type or unusable key material
  kWeakKey,               // RSA below 2048 bits
  kUnsupportedAlgorithm,  // alg we do not implement (none, HS256, ES512, ...)
  kAlgorithmNotAllowed,   // alg implemented but not in the caller's allowlist
  kKeyAlgorithmMismatch,  // key type or curve does not fit the alg
  kMalformedToken,        // not a compact JWS of three strict segments
  kInvalidSignature,      // the signature does not verify
  kUnsupportedCritical,   // crit names an extension we do not implement
  kUntrustedHeader,       // jku / x5u / jwk header: never trusted
  kInvalidJwk,            // JWK / JWKS breaks RFC 7517/7518
  kDuplicateKid,          // two keys in one JWKS share a kid
  kKeyNotFound,           // no key with the token's kid
  // JWT claims
  kMissingClaim,
  kInvalidClaim,      // present but of the wrong type or shape
  kTokenExpired,      // exp <= now - leeway
  kTokenNotYetValid,  // nbf > now + leeway
  kIssuedInFuture,    // iat > now + leeway
  kIssuerMismatch,
  kAudienceMismatch,
  // pki
  kInvalidCertificate,    // unparseable DER/PEM/PKCS#12 or missing extensions
  kCertificateUntrusted,  // chain does not build to a trust anchor
  kCertificateExpired,    // outside notBefore..notAfter at the given time
  kCertificateProfile,    // not a usable virksomhetssertifikat (org number, key usage)
  kWrongPassword,         // PKCS#12 or encrypted PEM password does not fit
  // grant and token client
  kInvalidGrant,       // a grant (ours or another tool's) breaks a Maskinporten rule
  kNetworkError,       // connect, TLS, timeout or a response too large / unreadable
  kMaskinportenError,  // the token endpoint refused (error JSON with an MP code)
  kHttpError,          // an unexpected HTTP status or body from a server
  kDiscoveryError,     // the metadata document is missing, wrong issuer, or not https
  // API owner side: access tokens and consent (validator.h, consent.h)
  kInsufficientScope,      // a valid access token without a scope the endpoint requires
  kConsumerNotAllowed,     // consumer org not accepted, or a supplier token where none is allowed
  kConsentNotValid,        // consent missing, not accepted, expired, or not for this service
  kConsentOrgMismatch,     // the consent covers another org than the token's consumer
  kConsentPersonMismatch,  // the consent was given by another person than the request names
};

// "invalid_signature" for Errc::kInvalidSignature.
MP_CORE_EXPORT std::string_view ErrcName(Errc code);

// Not marked as a whole: GCC takes no visibility attribute after [[nodiscard]] in a class head.
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == Errc::kOk; }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<errc_name>: <message>", or "ok".
  MP_CORE_EXPORT std::string ToString() const;

  // Prepends context: "reading key.pem: " + message. No effect on OK.
  MP_CORE_EXPORT Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Errc code_ = Errc::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }

// A value of T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result needs a value or an error");
  }
  Result(Errc code, std::string message) : v_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

namespace internal {
inline Status AsStatus(const Status& s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace mp

#define MP_STATUS_CONCAT_INNER_(a, b) a##b
#define MP_STATUS_CONCAT_(a, b) MP_STATUS_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` (Status or Result) is not OK.
#define MP_RETURN_IF_ERROR(expr)                                \
  do {                                                          \
    ::mp::Status mp_status_ = ::mp::internal::AsStatus((expr)); \
    if (!mp_status_.ok()) return mp_status_;                    \
  } while (false)

// `MP_ASSIGN_OR_RETURN(auto x, FuncReturningResult());`
#define MP_ASSIGN_OR_RETURN(lhs, expr) \
  MP_ASSIGN_OR_RETURN_IMPL_(MP_STATUS_CONCAT_(mp_result_, __LINE__), lhs, expr)
#define MP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // MASKINPORTEN_STATUS_H_
