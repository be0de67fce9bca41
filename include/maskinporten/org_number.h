// OrgNumber: a Norwegian organisation number (organisasjonsnummer) from Enhetsregisteret.
//
// Nine digits, the last a mod-11 check digit over the first eight with weights 3 2 7 6 5 4 3 2
// (remainder 0 -> 0; remainder 1 -> no valid number; else 11 - remainder). Only Parse() makes
// one, so holding an OrgNumber means the check passed.
//
//   MP_ASSIGN_OR_RETURN(mp::OrgNumber org, mp::OrgNumber::Parse("910753614"));
//   org.Iso6523();  // "0192:910753614", as Maskinporten's consumer.ID
#ifndef MASKINPORTEN_ORG_NUMBER_H_
#define MASKINPORTEN_ORG_NUMBER_H_

#include <string>
#include <string_view>

#include "maskinporten/core_export.h"
#include "maskinporten/status.h"

namespace mp {

class MP_CORE_EXPORT OrgNumber {
 public:
  // Exactly nine ASCII digits with a valid check digit; else Errc::kInvalidOrgNumber.
  static Result<OrgNumber> Parse(std::string_view digits);
  // "0192:<9 digits>" (ISO 6523 ICD 0192 = Enhetsregisteret); else Errc::kInvalidOrgNumber.
  static Result<OrgNumber> ParseIso6523(std::string_view id);
  // The check digit for eight leading digits, or -1 when no check digit exists (remainder 1).
  static int CheckDigit(std::string_view first_eight);

  const std::string& digits() const { return digits_; }
  std::string Iso6523() const { return "0192:" + digits_; }

  friend bool operator==(const OrgNumber&, const OrgNumber&) = default;
  friend auto operator<=>(const OrgNumber&, const OrgNumber&) = default;

 private:
  explicit OrgNumber(std::string digits) : digits_(std::move(digits)) {}
  std::string digits_;
};

}  // namespace mp

#endif  // MASKINPORTEN_ORG_NUMBER_H_
