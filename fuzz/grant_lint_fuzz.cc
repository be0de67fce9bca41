// Fuzzes the grant linter (mp::LintGrant, include/maskinporten/grant.h; `maskinporten grant
// lint`). The first byte chooses: bit 0 clear, the rest is the compact grant as given; bit 0 set,
// the rest is a header JSON line, a claims JSON line and signature bytes, which the target
// base64url-encodes into a compact grant (so the fuzzer works on the JSON the rules read); bit 1
// set, the expected issuer is left unset. Properties:
//   - nothing crashes, leaks or hangs;
//   - the findings are the same on a second run;
//   - every finding has a rule id of [a-z0-9-], a message, and a valid MP error when it names one;
//   - no message holds the whole grant, when the input has a grant's alphabet (base64url and dots:
//     any other input of 32 bytes or more may be a piece of a message's own text, which the
//     fuzzer finds through the dictionary; a finding of the first campaign was one).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/openssl.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "fuzz_world.h"
#include "maskinporten/base64.h"
#include "maskinporten/clock.h"
#include "maskinporten/grant.h"
#include "maskinporten/mp_errors.h"

namespace {

bool IsRuleId(const std::string& rule) {
  if (rule.empty()) return false;
  for (char c : rule) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool HasGrantAlphabet(std::string_view s) {
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

bool Same(const std::vector<mp::LintFinding>& a, const std::vector<mp::LintFinding>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].rule != b[i].rule || a[i].severity != b[i].severity || a[i].message != b[i].message ||
        a[i].maskinporten_error != b[i].maskinporten_error) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned mode = 0;
  std::string_view rest =
      mp::fuzz::SplitFirstByte({reinterpret_cast<const char*>(data), size}, &mode);
  std::string assertion;
  if (mode & 1) {
    const std::string_view header = mp::fuzz::NextLine(&rest);
    const std::string_view claims = mp::fuzz::NextLine(&rest);
    assertion = mp::Base64UrlEncode(header) + "." + mp::Base64UrlEncode(claims) + "." +
                mp::Base64UrlEncode(rest);
  } else {
    assertion = std::string(rest);
  }
  static const mp::FakeClock clock(mp::fuzz::kFuzzNow);
  mp::LintOptions options{.issuer = std::string(mp::fuzz::kIssuer), .clock = &clock};
  if (mode & 2) options.issuer.reset();

  const std::vector<mp::LintFinding> findings = mp::LintGrant(assertion, options);
  FUZZ_CHECK(Same(findings, mp::LintGrant(assertion, options)));
  for (const mp::LintFinding& f : findings) {
    FUZZ_CHECK(IsRuleId(f.rule));
    FUZZ_CHECK(!f.message.empty());
    if (f.maskinporten_error) {
      const mp::MpErrorInfo& info = mp::MpErrorInfoFor(*f.maskinporten_error);
      FUZZ_CHECK(info.id == *f.maskinporten_error);
    }
    if (assertion.size() >= 32 && HasGrantAlphabet(assertion)) {
      FUZZ_CHECK(f.message.find(assertion) == std::string::npos);
    }
  }
  mp::ClearOpenSslErrors();
  return 0;
}
