#include "grant/grant_rules.h"

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

}  // namespace mp::grant_internal
