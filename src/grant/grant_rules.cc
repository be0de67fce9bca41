#include "grant/grant_rules.h"

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "maskinporten/environment.h"

namespace mp::grant_internal {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool IsValidKid(std::string_view kid) {
  if (kid.empty()) return false;
  for (char c : kid) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsScopeToken(std::string_view token) {
  if (token.empty()) return false;
  for (char ch : token) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

bool IsLoopbackHttpUrl(std::string_view url) {
  size_t p = 0;
  if (url.substr(0, 7) == "http://") {
    p = 7;
  } else if (url.substr(0, 8) == "https://") {
    p = 8;
  } else {
    return false;
  }
  std::string_view rest = url.substr(p);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // userinfo ("http://127.0.0.1@evil.example/") would hide the real host.
  if (authority.find('@') != std::string_view::npos) return false;
  std::string_view host;
  std::string_view after;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(0, close + 1);
    after = authority.substr(close + 1);
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    after = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (!after.empty() && (after[0] != ':' || !AllDigits(after.substr(1)))) return false;
  return IsLoopbackHost(host);
}

bool HasControlCharacter(std::string_view text) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  while (i < text.size()) {
    unsigned char c = b(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n > text.size() || b(i + 1) < lo || b(i + 1) > hi) return false;
    for (size_t k = 2; k < n; ++k) {
      if (b(i + k) < 0x80 || b(i + k) > 0xBF) return false;
    }
    i += n;
  }
  return true;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = s[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
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

std::string Quote(std::string_view text, size_t max) {
  if (text.size() <= max) return DumpJson(nlohmann::json(std::string(text)));
  return DumpJson(nlohmann::json(std::string(text.substr(0, max)) + "..."));
}

}  // namespace mp::grant_internal
