#include "maskinporten/org_number.h"

namespace mp {

int OrgNumber::CheckDigit(std::string_view first_eight) {
  static constexpr int kWeights[8] = {3, 2, 7, 6, 5, 4, 3, 2};
  if (first_eight.size() != 8) return -1;
  int sum = 0;
  for (int i = 0; i < 8; ++i) {
    char c = first_eight[i];
    if (c < '0' || c > '9') return -1;
    sum += (c - '0') * kWeights[i];
  }
  int rem = sum % 11;
  if (rem == 0) return 0;
  if (rem == 1) return -1;
  return 11 - rem;
}

Result<OrgNumber> OrgNumber::Parse(std::string_view digits) {
  if (digits.size() != 9) {
    return Status(Errc::kInvalidOrgNumber, "organisation number must be 9 digits, got " +
                                               std::to_string(digits.size()) + " characters");
  }
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return Status(Errc::kInvalidOrgNumber, "organisation number must be 9 digits (0-9 only)");
    }
  }
  int check = CheckDigit(digits.substr(0, 8));
  if (check < 0 || check != digits[8] - '0') {
    return Status(Errc::kInvalidOrgNumber, "organisation number " + std::string(digits) +
                                               " fails the mod-11 check digit");
  }
  return OrgNumber(std::string(digits));
}

Result<OrgNumber> OrgNumber::ParseIso6523(std::string_view id) {
  constexpr std::string_view kPrefix = "0192:";
  if (id.substr(0, kPrefix.size()) != kPrefix) {
    return Status(Errc::kInvalidOrgNumber,
                  "ISO 6523 identifier must start with \"0192:\" (Enhetsregisteret)");
  }
  return Parse(id.substr(kPrefix.size()));
}

}  // namespace mp
