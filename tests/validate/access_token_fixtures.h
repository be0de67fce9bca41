// Maskinporten-shaped access tokens (SPEC §5) for tests of the API owner side: the validator, the
// consent checks and the example API. Tokens are signed with the shared RSA-2048 test key
// (tests/testing/jose_fixtures.h) under kid kTestAccessTokenKid; TestAccessTokenJwks() is the
// matching public set and TestAccessTokenKeys() a fixed JwksCache over it.
//
//   mp::FakeClock clock(mp::testing::kTestNow);
//   mp::AccessTokenValidator validator(mp::testing::TestAccessTokenPolicy(&clock),
//                                      mp::testing::TestAccessTokenKeys());
//   std::string token = mp::testing::MintAccessToken({.supplier = "0192:311654306"},
//                                                    clock.NowSeconds());
//   auto t = validator.Validate(token);
//
// Every field of AccessTokenSpec has a realistic default; std::nullopt omits the claim, so tests
// can also make broken tokens (missing consumer, malformed ID, an aud, extra claims).
#ifndef MASKINPORTEN_TESTS_VALIDATE_ACCESS_TOKEN_FIXTURES_H_
#define MASKINPORTEN_TESTS_VALIDATE_ACCESS_TOKEN_FIXTURES_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "maskinporten/clock.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/key.h"
#include "maskinporten/validator.h"
#include "testing/jose_fixtures.h"

namespace mp::testing {

inline constexpr char kTestIssuer[] = "https://test.maskinporten.no/";
inline constexpr char kTestAccessTokenKid[] = "mp-test-key-1";
inline constexpr int64_t kTestNow = 1700000000;
inline constexpr char kTestScope[] = "nav:example/ssu.read";
inline constexpr char kTestConsumerOrg[] = "910753614";  // TEST FORSIKRING AS
inline constexpr char kTestSupplierOrg[] = "311654306";  // TEST REGNSKAPSSYSTEM AS

// What goes into the token. Times are relative to the `now` given to MintAccessToken.
struct AccessTokenSpec {
  std::optional<std::string> issuer = kTestIssuer;
  std::optional<std::string> scope = kTestScope;  // the raw space-separated claim
  // consumer.ID / supplier.ID, raw (so tests can write malformed ones); nullopt omits the claim.
  std::optional<std::string> consumer = std::string("0192:") + kTestConsumerOrg;
  std::optional<std::string> supplier{};
  // Defaults to "https://tt02.altinn.no/" when `supplier` is set and this is unset.
  std::optional<std::string> delegation_source{};
  std::optional<std::string> aud{};
  // Raw JSON of the authorization_details claim (an array), inserted as parsed JSON.
  std::optional<std::string> authorization_details_json{};
  std::optional<std::string> pid{};
  std::optional<std::string> client_id = std::string("826acbbc-ee17-4946-af92-cf4885ebe951");
  std::optional<std::string> client_amr = std::string("private_key_jwt");
  std::optional<std::string> jti = std::string("ii1YvnPPCUHYlZw9_hVwr1UhLVQUdiNV_QKNru4JJGk");
  std::optional<int64_t> iat_offset = 0;    // iat = now + this
  std::optional<int64_t> exp_offset = 120;  // exp = now + this
  std::optional<int64_t> nbf_offset{};      // nbf = now + this (absent by default)
  // Members added last (or replacing same-named ones), e.g. {"client_orgno": "..."}.
  nlohmann::ordered_json extra_claims = nlohmann::ordered_json::object();
  // Signing: nullptr = TestKey(kRS256); kid "" omits it.
  const PrivateKey* key = nullptr;
  std::string kid = kTestAccessTokenKid;
  Algorithm alg = Algorithm::kRS256;
};

// The claims JSON in Maskinporten's member order (SPEC §5).
inline std::string AccessTokenPayload(const AccessTokenSpec& spec, int64_t now = kTestNow) {
  nlohmann::ordered_json c = nlohmann::ordered_json::object();
  auto org = [](const std::string& id) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    o["authority"] = "iso6523-actorid-upis";
    o["ID"] = id;
    return o;
  };
  if (spec.scope) c["scope"] = *spec.scope;
  if (spec.issuer) c["iss"] = *spec.issuer;
  if (spec.client_amr) c["client_amr"] = *spec.client_amr;
  c["token_type"] = "Bearer";
  if (spec.exp_offset) c["exp"] = now + *spec.exp_offset;
  if (spec.iat_offset) c["iat"] = now + *spec.iat_offset;
  if (spec.nbf_offset) c["nbf"] = now + *spec.nbf_offset;
  if (spec.client_id) c["client_id"] = *spec.client_id;
  if (spec.jti) c["jti"] = *spec.jti;
  if (spec.aud) c["aud"] = *spec.aud;
  if (spec.pid) c["pid"] = *spec.pid;
  if (spec.supplier) c["supplier"] = org(*spec.supplier);
  if (spec.consumer) c["consumer"] = org(*spec.consumer);
  if (spec.delegation_source) {
    c["delegation_source"] = *spec.delegation_source;
  } else if (spec.supplier) {
    c["delegation_source"] = "https://tt02.altinn.no/";
  }
  if (spec.authorization_details_json) {
    c["authorization_details"] = nlohmann::ordered_json::parse(*spec.authorization_details_json);
  }
  for (const auto& [name, value] : spec.extra_claims.items()) c[name] = value;
  return c.dump();
}

// A signed compact token. Header {"kid":..,"alg":"RS256"} as Maskinporten writes it.
inline std::string MintAccessToken(const AccessTokenSpec& spec = {}, int64_t now = kTestNow) {
  const PrivateKey& key = spec.key != nullptr ? *spec.key : TestKey(spec.alg);
  std::string header = "{";
  if (!spec.kid.empty()) header += "\"kid\":" + nlohmann::json(spec.kid).dump() + ",";
  header += "\"alg\":" + nlohmann::json(std::string(AlgorithmName(spec.alg))).dump() + "}";
  return SignCompact(key, spec.alg, header, AccessTokenPayload(spec, now));
}

// The public JWKS matching MintAccessToken's default key: one RS256 key, kid kTestAccessTokenKid.
inline Jwks TestAccessTokenJwks() {
  std::string jwk = PublicKeyToJwk(TestKey(Algorithm::kRS256).public_key(),
                                   {.kid = kTestAccessTokenKid, .alg = Algorithm::kRS256});
  Result<Jwks> jwks = Jwks::Parse("{\"keys\":[" + jwk + "]}");
  if (!jwks.ok()) std::abort();
  return *std::move(jwks);
}

inline std::shared_ptr<JwksCache> TestAccessTokenKeys() {
  return JwksCache::Fixed(TestAccessTokenJwks());
}

// issuer kTestIssuer, scope kTestScope required, the given clock; everything else default.
inline AccessTokenPolicy TestAccessTokenPolicy(const Clock* clock) {
  AccessTokenPolicy p;
  p.issuer = kTestIssuer;
  p.required_scopes = {kTestScope};
  p.clock = clock;
  return p;
}

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_VALIDATE_ACCESS_TOKEN_FIXTURES_H_
