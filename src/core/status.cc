#include "maskinporten/status.h"

#include "maskinporten/clock.h"

namespace mp {

std::string_view ErrcName(Errc code) {
  switch (code) {
    case Errc::kOk:
      return "ok";
    case Errc::kInvalidArgument:
      return "invalid_argument";
    case Errc::kInvalidBase64:
      return "invalid_base64";
    case Errc::kInvalidJson:
      return "invalid_json";
    case Errc::kDuplicateJsonKey:
      return "duplicate_json_key";
    case Errc::kLimitExceeded:
      return "limit_exceeded";
    case Errc::kInvalidOrgNumber:
      return "invalid_org_number";
    case Errc::kIoError:
      return "io_error";
    case Errc::kNotFound:
      return "not_found";
    case Errc::kInternal:
      return "internal";
    case Errc::kInvalidKey:
      return "invalid_key";
    case Errc::kWeakKey:
      return "weak_key";
    case Errc::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case Errc::kAlgorithmNotAllowed:
      return "algorithm_not_allowed";
    case Errc::kKeyAlgorithmMismatch:
      return "key_algorithm_mismatch";
    case Errc::kMalformedToken:
      return "malformed_token";
    case Errc::kInvalidSignature:
      return "invalid_signature";
    case Errc::kUnsupportedCritical:
      return "unsupported_critical";
    case Errc::kUntrustedHeader:
      return "untrusted_header";
    case Errc::kInvalidJwk:
      return "invalid_jwk";
    case Errc::kDuplicateKid:
      return "duplicate_kid";
    case Errc::kKeyNotFound:
      return "key_not_found";
    case Errc::kMissingClaim:
      return "missing_claim";
    case Errc::kInvalidClaim:
      return "invalid_claim";
    case Errc::kTokenExpired:
      return "token_expired";
    case Errc::kTokenNotYetValid:
      return "token_not_yet_valid";
    case Errc::kIssuedInFuture:
      return "issued_in_future";
    case Errc::kIssuerMismatch:
      return "issuer_mismatch";
    case Errc::kAudienceMismatch:
      return "audience_mismatch";
    case Errc::kInvalidCertificate:
      return "invalid_certificate";
    case Errc::kCertificateUntrusted:
      return "certificate_untrusted";
    case Errc::kCertificateExpired:
      return "certificate_expired";
    case Errc::kCertificateProfile:
      return "certificate_profile";
    case Errc::kWrongPassword:
      return "wrong_password";
    case Errc::kInvalidGrant:
      return "invalid_grant";
    case Errc::kNetworkError:
      return "network_error";
    case Errc::kMaskinportenError:
      return "maskinporten_error";
    case Errc::kHttpError:
      return "http_error";
    case Errc::kDiscoveryError:
      return "discovery_error";
    case Errc::kInsufficientScope:
      return "insufficient_scope";
    case Errc::kConsumerNotAllowed:
      return "consumer_not_allowed";
    case Errc::kConsentNotValid:
      return "consent_not_valid";
    case Errc::kConsentOrgMismatch:
      return "consent_org_mismatch";
    case Errc::kConsentPersonMismatch:
      return "consent_person_mismatch";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrcName(code_)) + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace mp
