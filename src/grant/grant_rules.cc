#include "grant/grant_rules.h"

#include <algorithm>
#include <string>

#include "core/scope_set.h"
#include "core/strings.h"

namespace mp::grant_internal {

bool IsValidKid(std::string_view kid) {
  if (kid.empty()) return false;
  for (char c : kid) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidPersonIdentifier(std::string_view pid) {
  if (pid.size() != 11) return false;
  int d[11];
  for (size_t i = 0; i < 11; ++i) {
    if (pid[i] < '0' || pid[i] > '9') return false;
    d[i] = pid[i] - '0';
  }
  int day = d[0] * 10 + d[1];
  int month = d[2] * 10 + d[3];
  if (day > 40) day -= 40;  // D-number
  if (month > 80) {
    month -= 80;  // synthetic test id (Tenor)
  } else if (month > 40) {
    month -= 40;  // synthetic test id (H-number style)
  }
  if (day < 1 || day > 31 || month < 1 || month > 12) return false;
  static constexpr int kW1[9] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
  static constexpr int kW2[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  auto check = [&](const int* weights, int n) {
    int sum = 0;
    for (int i = 0; i < n; ++i) sum += weights[i] * d[i];
    int k = 11 - sum % 11;
    return k == 11 ? 0 : k;  // 10 means no valid number
  };
  int k1 = check(kW1, 9);
  if (k1 == 10 || k1 != d[9]) return false;
  int k2 = check(kW2, 10);
  return k2 != 10 && k2 == d[10];
}

}  // namespace mp::grant_internal

namespace mp {
namespace {

bool IsPrefixChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
bool IsSubscopeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '/' || c == '-' || c == ':';
}
Status NameError(std::string_view part, std::string_view problem) {
  return Status(Errc::kInvalidArgument, std::string(part) + ": " + std::string(problem));
}

}  // namespace

Status CheckScopeName(std::string_view prefix, std::string_view subscope) {
  if (prefix.empty()) return NameError("prefix", "must not be empty");
  if (prefix.size() > 64 || !std::all_of(prefix.begin(), prefix.end(), IsPrefixChar)) {
    return NameError("prefix", Quote(prefix) + " must be 1..64 characters [a-z0-9_-]");
  }
  if (subscope.empty()) return NameError("subscope", "must not be empty");
  if (subscope.size() > 200 || !std::all_of(subscope.begin(), subscope.end(), IsSubscopeChar)) {
    return NameError("subscope", Quote(subscope) + " must be 1..200 characters [a-zA-Z0-9._/:-]");
  }
  const std::string name = std::string(prefix) + ":" + std::string(subscope);
  if (!IsScopeToken(name)) return NameError("subscope", Quote(name) + " is not a valid scope name");
  return OkStatus();
}

}  // namespace mp
