// Altinn consent test material: samtykketokens (SPEC §11.1) signed with a test "Altinn" key, the
// matching JWKS, Altinn 3 authorization_details entries (SPEC §11.3), and validated access tokens
// built directly (no validator needed).
//
//   mp::FakeClock clock(mp::testing::kTestNow);
//   nlohmann::ordered_json claims = mp::testing::SamtykkeClaims(clock.NowSeconds());
//   claims["CoveredBy"] = "311654306";
//   std::string token = mp::testing::MintSamtykke(claims);
//   auto consent = mp::VerifyAltinn2Consent(token, *mp::testing::AltinnKeys(), {.clock = &clock});
//
// The Altinn key is OtherTestKey(kRS256), so TestKey(kRS256) (the access-token key) serves as
// "another key" in signature tests.
#ifndef MASKINPORTEN_TESTS_VALIDATE_CONSENT_FIXTURES_H_
#define MASKINPORTEN_TESTS_VALIDATE_CONSENT_FIXTURES_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "maskinporten/consent.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jwt.h"
#include "maskinporten/key.h"
#include "maskinporten/org_number.h"
#include "maskinporten/validator.h"
#include "testing/jose_fixtures.h"

namespace mp::testing {

inline constexpr char kAltinnKid[] = "altinn-test-key-1";
inline constexpr char kAltinnIssuer[] = "altinn.no";
inline constexpr char kPerson[] = "01819010001";       // the demo's person
inline constexpr char kOtherPerson[] = "02819010040";  // another person
inline constexpr char kInsurerOrg[] = "910753614";     // TEST FORSIKRING AS (CoveredBy)
inline constexpr char kSupplierOrg[] = "311654306";    // TEST REGNSKAPSSYSTEM AS (HandledBy)
inline constexpr char kNavOrg[] = "889640782";         // TEST VELFERDSETAT
inline constexpr char kService[] = "5252_2";
inline constexpr char kConsentCode[] = "8f0c63b4-6f2f-4b3e-9c8a-2b1d3c4e5f60";
inline constexpr int64_t kConsentDelegatedOffset = -3600;          // given an hour ago
inline constexpr int64_t kConsentValidOffset = 365LL * 24 * 3600;  // valid for a year

inline const PrivateKey& AltinnKey() { return OtherTestKey(Algorithm::kRS256); }

// The claims of a valid samtykketoken at `now` (SPEC §11.1 member names, DSOP-style values).
inline nlohmann::ordered_json SamtykkeClaims(int64_t now) {
  nlohmann::ordered_json c = nlohmann::ordered_json::object();
  c["Services"] = {kService, std::string(kService) + "_Navn=TEST FORSIKRING AS"};
  c["AuthorizationCode"] = kConsentCode;
  c["OfferedBy"] = kPerson;
  c["RequiredDelegator"] = kPerson;
  c["CoveredBy"] = kInsurerOrg;
  c["DelegatedDate"] = now + kConsentDelegatedOffset;
  c["ValidToDate"] = now + kConsentValidOffset;
  c["iss"] = kAltinnIssuer;
  c["nbf"] = now;
  c["iat"] = now;
  c["exp"] = now + 30;
  return c;
}

// A compact RS256 samtykketoken: header {"alg","kid","x5t","typ":"JWT"} (kid omitted when "").
inline std::string MintSamtykke(const nlohmann::ordered_json& claims,
                                const PrivateKey* key = nullptr,
                                const std::string& kid = kAltinnKid,
                                const std::string& alg = "RS256") {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  h["alg"] = alg;
  if (!kid.empty()) h["kid"] = kid;
  h["x5t"] = "3T6pGrJ0cTb4m2XkMlHQbh9jSGg";
  h["typ"] = "JWT";
  Result<Algorithm> sign_alg = ParseAlgorithm(alg);
  return SignCompact(key != nullptr ? *key : AltinnKey(),
                     sign_alg.ok() ? *sign_alg : Algorithm::kRS256, h.dump(), claims.dump());
}

inline Jwks AltinnJwks() {
  std::string jwk =
      PublicKeyToJwk(AltinnKey().public_key(), {.kid = kAltinnKid, .alg = Algorithm::kRS256});
  Result<Jwks> jwks = Jwks::Parse("{\"keys\":[" + jwk + "]}");
  if (!jwks.ok()) std::abort();
  return *std::move(jwks);
}

inline std::shared_ptr<JwksCache> AltinnKeys() { return JwksCache::Fixed(AltinnJwks()); }

inline OrgNumber Org(const std::string& digits) {
  Result<OrgNumber> org = OrgNumber::Parse(digits);
  if (!org.ok()) std::abort();
  return *org;
}

// An Altinn 3 consent entry as Maskinporten puts it into the token (SPEC §11.3).
// Valid at 1700000000 (2023-11-14T22:13:20Z): consented an hour before, valid for 365 days.
inline nlohmann::ordered_json Altinn3Entry() {
  nlohmann::ordered_json e = nlohmann::ordered_json::object();
  e["type"] = "urn:altinn:consent";
  e["id"] = kConsentCode;
  e["from"] = std::string("urn:altinn:person:identifier-no:") + kPerson;
  e["to"] = {{"authority", "iso6523-actorid-upis"}, {"ID", std::string("0192:") + kInsurerOrg}};
  e["consented"] = "2023-11-14T21:13:20Z";  // kTestNow - 1 h
  e["validTo"] = "2024-11-13T22:13:20Z";    // kTestNow + 365 d
  nlohmann::ordered_json right = nlohmann::ordered_json::object();
  right["action"] = {"consent"};
  right["resource"] = {{{"type", "urn:altinn:resource"}, {"value", kService}}};
  right["metadata"] = nlohmann::ordered_json::object();
  right["metadata"]["Navn"] = "TEST FORSIKRING AS";
  right["metadata"]["Avdeling"] = "Skade";
  e["consentRights"] = nlohmann::ordered_json::array({right});
  return e;
}

// A ValidatedAccessToken as the validator would return it: consumer and optional supplier as
// 9-digit org numbers, authorization_details as raw JSON ("" = absent).
inline ValidatedAccessToken AccessTokenFor(const std::string& consumer,
                                           const std::optional<std::string>& supplier = {},
                                           const std::string& authorization_details = "",
                                           int64_t now = 1700000000) {
  nlohmann::json claims = {
      {"iss", "https://test.maskinporten.no/"},
      {"scope", "nav:example/ssu.read"},
      {"consumer", {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:" + consumer}}},
      {"iat", now},
      {"exp", now + 120}};
  Result<Claims> parsed = Claims::Parse(claims.dump());
  if (!parsed.ok()) std::abort();
  return ValidatedAccessToken{
      .consumer = Org(consumer),
      .supplier = supplier ? std::optional<OrgNumber>(Org(*supplier)) : std::nullopt,
      .delegation_source = supplier ? "https://tt02.altinn.no/" : "",
      .scopes = {"nav:example/ssu.read"},
      .client_id = "826acbbc-ee17-4946-af92-cf4885ebe951",
      .client_amr = "private_key_jwt",
      .jti = "jti-1",
      .kid = "mp-test-key-1",
      .issued_at = std::chrono::system_clock::time_point(std::chrono::seconds(now)),
      .expires_at = std::chrono::system_clock::time_point(std::chrono::seconds(now + 120)),
      .audience = std::nullopt,
      .authorization_details_json = authorization_details,
      .claims = *std::move(parsed)};
}

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_VALIDATE_CONSENT_FIXTURES_H_
