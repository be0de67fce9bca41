// Fuzzes the bodies and parameters of the local Altinn consent stand-in (/altinn/,
// src/server/altinn/altinn_consent.cc) through the emulator's router, each input on the emulator
// reset to the fuzz registry (fuzz_world.h: kConsentUnopened and kConsentAccepted for kOrgA). The
// first byte chooses the route (low 3 bits) and the caller (high bits: kOrgA, kOrgB, kOwnerOrg, no
// token); the next line is the query string or path parameter (placeholders expanded), the rest
// the body. Properties:
//   - nothing crashes, leaks or hangs;
//   - every answer has the documented shape (CheckResponse) with a status of 200, 201, 400, 401,
//     403, 404, 405 or 409 (never 500);
//   - a refused request stores nothing;
//   - a request that is created (201) reads back the same, the person it names can accept it,
//     and the samtykketoken then fetched is one the API owner's library accepts
//     (VerifyAltinn2Consent with the stand-in's /altinn/jwks) with the same parties and services.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/openssl.h"
#include "fuzz_check.h"
#include "fuzz_emulator.h"
#include "fuzz_world.h"
#include "maskinporten/consent.h"
#include "maskinporten/jwk.h"
#include "server/altinn/altinn_consent.h"

namespace {

using mp::http::HttpResponse;

// 405: a path parameter with '?' or '/' leads the router to another route's path.
constexpr std::initializer_list<int> kStatuses = {200, 201, 400, 401, 403, 404, 405, 409};

const char* Caller(unsigned choice) {
  switch (choice) {
    case 1:
      return "@TOKEN_B@";
    case 2:
      return "@TOKEN_OWNER@";
    case 3:
      return "";
    default:
      return "@TOKEN_A@";
  }
}

// Create -> read back -> accept -> samtykketoken -> VerifyAltinn2Consent.
void FollowCreated(mp::fuzz::FuzzEmulator& emulator, const HttpResponse& created,
                   const char* caller) {
  auto c = mp::ParseStrictJsonObject(created.body);
  FUZZ_CHECK(c.ok());
  const std::string code = c->value("AuthorizationCode", "");
  FUZZ_CHECK(!code.empty());
  const std::string path = "/altinn/api/consentRequests/" + code;

  HttpResponse read = emulator.Dispatch(mp::fuzz::Request("GET", path, caller, ""));
  mp::fuzz::CheckResponse(read, {200});
  FUZZ_CHECK(mp::ParseStrictJsonObject(read.body).value() == *c);

  const nlohmann::json person = {{"person", c->value("RequiredDelegator", "")}};
  HttpResponse accepted =
      emulator.Dispatch(mp::fuzz::Request("POST", path + "/accept", "", person.dump()));
  mp::fuzz::CheckResponse(accepted, {200});

  HttpResponse token = emulator.Dispatch(
      mp::fuzz::Request("GET", "/altinn/api/authorization/token?authcode=" + code, caller, ""));
  mp::fuzz::CheckResponse(token, {200});
  HttpResponse jwks_answer = emulator.Dispatch(mp::fuzz::Request("GET", "/altinn/jwks", "", ""));
  mp::fuzz::CheckResponse(jwks_answer, {200});
  auto jwks = mp::Jwks::Parse(jwks_answer.body);
  FUZZ_CHECK(jwks.ok());
  auto keys = mp::JwksCache::Fixed(*jwks);
  mp::server::Emulator& e = emulator.e();
  auto consent = mp::VerifyAltinn2Consent(
      token.body, *keys,
      {.issuer = mp::server::ConsentIssuer(mp::fuzz::kBaseUrl), .clock = e.clock.get()});
  if (!consent.ok()) std::fprintf(stderr, "%s\n", consent.status().ToString().c_str());
  FUZZ_CHECK(consent.ok());
  FUZZ_CHECK(consent->id == code);
  FUZZ_CHECK(consent->covered_by.digits() == c->value("CoveredBy", ""));
  FUZZ_CHECK(consent->offered_by == c->value("OfferedBy", ""));
  FUZZ_CHECK(consent->services.size() == (*c)["RequestResources"].size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned first = 0;
  std::string_view rest =
      mp::fuzz::SplitFirstByte({reinterpret_cast<const char*>(data), size}, &first);
  const std::string line = mp::fuzz::ExpandPlaceholders(mp::fuzz::NextLine(&rest));
  const char* caller = Caller((first >> 3) & 3);
  const std::string unopened =
      "/altinn/api/consentRequests/" + std::string(mp::fuzz::kConsentUnopened);
  mp::http::HttpRequest request;
  switch (first & 7) {
    case 0:
    case 1:
      request = mp::fuzz::Request("POST", "/altinn/api/consentRequests", caller, std::string(rest));
      break;
    case 2:
      request = mp::fuzz::Request("POST", unopened + "/accept", "", std::string(rest));
      break;
    case 3:
      request = mp::fuzz::Request("POST", unopened + "/reject", "", std::string(rest));
      break;
    case 4:
      request = mp::fuzz::Request("GET", "/altinn/api/authorization/token?" + line, caller, "");
      break;
    case 5:
      request = mp::fuzz::Request("GET", "/altinn/api/consentRequests/" + line, caller, "");
      break;
    case 6:
      request = mp::fuzz::Request("GET", "/altinn/ui/AccessConsent/request?" + line, "", "");
      break;
    default:
      request = mp::fuzz::Request("POST", "/altinn/api/consentRequests/" + line + "/accept", "",
                                  std::string(rest));
      break;
  }

  mp::fuzz::FuzzEmulator& emulator = mp::fuzz::FuzzEmulator::Fresh();
  HttpResponse r = emulator.Dispatch(std::move(request));
  mp::fuzz::CheckResponse(r, kStatuses);
  if (r.status >= 400) emulator.CheckRegistryUnchanged();
  if (r.status == 201) FollowCreated(emulator, r, caller);
  mp::ClearOpenSslErrors();
  return 0;
}
