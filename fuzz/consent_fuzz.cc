// Fuzzes what a resource server reads from a consent: the Altinn 3 entry of an access token's
// authorization_details (ConsentFromAccessToken), the ISO 8601 dates of both consent forms, and
// the rule (CheckConsent). Properties:
//   - nothing crashes, leaks or hangs;
//   - an accepted ISO 8601 time prints (FormatUtc) and parses back to the same second;
//   - an accepted consent has an id, a covered_by org and at least one service, and CheckConsent
//     on it returns a consent code or OK, never a personal id in full in its message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/openssl.h"
#include "core/utc_time.h"
#include "fuzz_check.h"
#include "maskinporten/consent.h"
#include "validate/consent_internal.h"

namespace {

constexpr std::string_view kPerson = "01819010001";

mp::ValidatedAccessToken TokenWith(std::string details) {
  static const mp::OrgNumber consumer = *mp::OrgNumber::Parse("910753614");
  static const mp::Claims claims = *mp::Claims::Parse("{}");
  return mp::ValidatedAccessToken{.consumer = consumer,
                                  .supplier = std::nullopt,
                                  .delegation_source = "",
                                  .scopes = {},
                                  .client_id = "",
                                  .client_amr = "",
                                  .jti = "",
                                  .kid = "",
                                  .issued_at = {},
                                  .expires_at = {},
                                  .audience = std::nullopt,
                                  .authorization_details_json = std::move(details),
                                  .claims = claims};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  auto time = mp::internal::ParseIso8601(in, "fuzz");
  if (time.ok()) {
    auto back = mp::internal::ParseIso8601(mp::FormatUtc(*time), "fuzz");
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(std::chrono::floor<std::chrono::seconds>(*back) ==
               std::chrono::floor<std::chrono::seconds>(*time));
  }

  mp::ValidatedAccessToken token = TokenWith(std::string(in));
  auto consent = mp::ConsentFromAccessToken(token);
  if (consent.ok()) {
    FUZZ_CHECK(!consent->id.empty());
    FUZZ_CHECK(!consent->services.empty());
    static const mp::FakeClock clock(1790000000);
    mp::Status rule = mp::CheckConsent(
        token, *consent, {.person = std::string(kPerson), .service = "", .clock = &clock});
    FUZZ_CHECK(rule.ok() || rule.code() == mp::Errc::kConsentNotValid ||
               rule.code() == mp::Errc::kConsentOrgMismatch ||
               rule.code() == mp::Errc::kConsentPersonMismatch);
    FUZZ_CHECK(rule.message().find(kPerson) == std::string::npos);
    if (consent->offered_by.size() == 11) {
      FUZZ_CHECK(rule.message().find(consent->offered_by) == std::string::npos);
    }
  }
  mp::ClearOpenSslErrors();
  return 0;
}
