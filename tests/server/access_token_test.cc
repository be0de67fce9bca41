// Access token issuing and VerifyIssuedToken (the self-service API's bearer auth).
#include "server/token/access_token.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "maskinporten/base64.h"
#include "server/server_fixtures.h"
#include "server/token/access_token.h"
#include "testing/jose_fixtures.h"

namespace mp::server {
namespace {

using namespace mp::server::testing;  // NOLINT(google-build-using-namespace)
using Json = nlohmann::json;

std::string Issue(Env& env, const GrantSpec& g) {
  http::HttpResponse r = env.Post(SignGrant(g));
  if (r.status != 200) return "refused: " + r.body;
  return Body(r)["access_token"].get<std::string>();
}

// A token shaped like ours, signed by `key` with `kid` in the header.
std::string HandMade(const PrivateKey& key, const std::string& kid, const Json& payload) {
  return mp::testing::SignCompact(key, Algorithm::kRS256,
                                  R"({"kid":")" + kid + R"(","alg":"RS256"})", payload.dump());
}

Json OurPayload(int64_t now) {
  return {{"scope", "idporten:dcr.read idporten:dcr.write"},
          {"iss", std::string(kIssuer)},
          {"client_amr", "private_key_jwt"},
          {"token_type", "Bearer"},
          {"exp", now + 120},
          {"iat", now},
          {"client_id", "admin-client"},
          {"jti", "abc"},
          {"consumer", {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:991825827"}}}};
}

TEST(VerifyIssuedToken, AcceptsOurTokenAndReturnsItsClaims) {
  auto env = MakeEnv();
  std::string token = Issue(*env, KidGrant("test:read test:write"));
  Result<IssuedTokenClaims> c = VerifyIssuedToken(token, *env->keys, env->config, env->clock);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_id, "kid-client");
  EXPECT_EQ(c->consumer_orgno, kClientOrg);
  EXPECT_EQ(c->supplier_orgno, "");
  EXPECT_EQ(c->scopes, (std::vector<std::string>{"test:read", "test:write"}));
  EXPECT_EQ(c->exp, kNow + 120);
  EXPECT_EQ(c->jti.size(), 43u);
}

TEST(VerifyIssuedToken, ReturnsSupplierOfDelegatedToken) {
  auto env = MakeEnv();
  std::string token = Issue(*env, DelegatedGrant());
  Result<IssuedTokenClaims> c = VerifyIssuedToken(token, *env->keys, env->config, env->clock);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->consumer_orgno, kConsumerOrg);
  EXPECT_EQ(c->supplier_orgno, kSupplierOrg);
}

TEST(VerifyIssuedToken, RefusesForeignSignedToken) {
  auto env = MakeEnv();
  std::string kid = env->keys->Snapshot()->current_kid;
  std::string token = HandMade(ForeignKey(), kid, OurPayload(kNow));
  Result<IssuedTokenClaims> c = VerifyIssuedToken(token, *env->keys, env->config, env->clock);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kInvalidSignature);
  // The same payload signed by our key passes: the signature is what failed.
  EXPECT_TRUE(VerifyIssuedToken(HandMade(ServerKey(), kid, OurPayload(kNow)), *env->keys,
                                env->config, env->clock)
                  .ok());
}

TEST(VerifyIssuedToken, RefusesUnknownKid) {
  auto env = MakeEnv();
  std::string token = HandMade(ServerKey(), "other-kid", OurPayload(kNow));
  Result<IssuedTokenClaims> c = VerifyIssuedToken(token, *env->keys, env->config, env->clock);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kKeyNotFound);
}

TEST(VerifyIssuedToken, RefusesNonRs256Token) {
  auto env = MakeEnv();
  std::string kid = env->keys->Snapshot()->current_kid;
  std::string token = mp::testing::SignCompact(ServerKey(), Algorithm::kRS512,
                                               R"({"kid":")" + kid + R"(","alg":"RS512"})",
                                               OurPayload(kNow).dump());
  EXPECT_FALSE(VerifyIssuedToken(token, *env->keys, env->config, env->clock).ok());
}

TEST(VerifyIssuedToken, RefusesExpiredToken) {
  auto env = MakeEnv();
  std::string token = Issue(*env, KidGrant());
  env->clock.Advance(std::chrono::seconds(120 + 10 - 1));
  EXPECT_TRUE(VerifyIssuedToken(token, *env->keys, env->config, env->clock).ok());  // skew
  env->clock.Advance(std::chrono::seconds(1));
  Result<IssuedTokenClaims> c = VerifyIssuedToken(token, *env->keys, env->config, env->clock);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kTokenExpired);
}

TEST(VerifyIssuedToken, RefusesOtherIssuersToken) {
  auto env = MakeEnv();
  Json payload = OurPayload(kNow);
  payload["iss"] = "https://test.maskinporten.no/";
  std::string token = HandMade(ServerKey(), env->keys->Snapshot()->current_kid, payload);
  Result<IssuedTokenClaims> c = VerifyIssuedToken(token, *env->keys, env->config, env->clock);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kIssuerMismatch);
}

TEST(VerifyIssuedToken, RefusesGarbage) {
  auto env = MakeEnv();
  EXPECT_FALSE(VerifyIssuedToken("not-a-token", *env->keys, env->config, env->clock).ok());
  EXPECT_FALSE(VerifyIssuedToken("", *env->keys, env->config, env->clock).ok());
}

TEST(AccessTokenLifetime, IsAtLeastOneSecond) {
  ValidatedGrant grant;
  grant.client.access_token_lifetime = 120;
  grant.scope_records.push_back(ScopeRecord{.name = "a:b", .at_max_age = 0});
  ServerConfig config = FixtureConfig();
  EXPECT_EQ(AccessTokenLifetime(grant, config), 120);
  grant.scope_records.push_back(ScopeRecord{.name = "a:c", .at_max_age = 45});
  grant.scope_records.push_back(ScopeRecord{.name = "a:d", .at_max_age = 90});
  EXPECT_EQ(AccessTokenLifetime(grant, config), 45);
}

}  // namespace
}  // namespace mp::server
