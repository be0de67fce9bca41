// SigningKeys: the server's access-token keys, their JWKS and rotation.
#include "server/token/signing_keys.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "maskinporten/jws.h"
#include "server/server_fixtures.h"
#include "server/token/access_token.h"

namespace mp::server {
namespace {

using namespace mp::server::testing;  // NOLINT(google-build-using-namespace)

Status VerifyWithPublishedJwks(const Env& env, const std::string& token) {
  http::HttpResponse jwk = env.service->HandleJwks(http::HttpRequest{.method = "GET"});
  MP_ASSIGN_OR_RETURN(Jwks jwks, Jwks::Parse(jwk.body));
  return VerifyJws(token, jwks, VerifyOptions{Algorithm::kRS256}).status();
}

std::string IssueToken(Env& env) {
  http::HttpResponse r = env.Post(SignGrant(KidGrant()));
  EXPECT_EQ(r.status, 200) << r.body;
  return Body(r)["access_token"].get<std::string>();
}

TEST(SigningKeys, InitialKeyPemBecomesTheCurrentKey) {
  auto env = MakeEnv();
  auto set = env->keys->Snapshot();
  EXPECT_EQ(set->current_kid, ServerKey().public_key().Thumbprint());
  ASSERT_EQ(set->jwks.keys().size(), 1u);
  EXPECT_EQ(set->jwks.keys()[0].kid, set->current_kid);
}

TEST(SigningKeys, TokenSignedBeforeRotationStillVerifiesAgainstJwkAfterIt) {
  auto env = MakeEnv();
  std::string before = IssueToken(*env);
  std::string old_kid = env->keys->Snapshot()->current_kid;
  ASSERT_TRUE(env->keys->Rotate().ok());
  std::string new_kid = env->keys->Snapshot()->current_kid;
  EXPECT_NE(new_kid, old_kid);
  EXPECT_TRUE(VerifyWithPublishedJwks(*env, before).ok());
  std::string after = IssueToken(*env);
  EXPECT_EQ(JwtHeaderJson(after), R"({"kid":")" + new_kid + R"(","alg":"RS256"})");
  EXPECT_TRUE(VerifyWithPublishedJwks(*env, after).ok());
  // The current key is published first.
  Result<Jwks> jwks = Jwks::Parse(env->service->HandleJwks(http::HttpRequest{}).body);
  ASSERT_TRUE(jwks.ok());
  ASSERT_EQ(jwks->keys().size(), 2u);
  EXPECT_EQ(jwks->keys()[0].kid, new_kid);
  EXPECT_EQ(jwks->keys()[1].kid, old_kid);
  EXPECT_TRUE(VerifyIssuedToken(before, *env->keys, env->config, env->clock).ok());
}

TEST(SigningKeys, KeyRotatedOutTwiceIsNoLongerPublished) {
  auto env = MakeEnv();
  std::string first = IssueToken(*env);
  ASSERT_TRUE(env->keys->Rotate().ok());
  ASSERT_TRUE(env->keys->Rotate().ok());
  EXPECT_EQ(env->keys->Snapshot()->jwks.keys().size(), 2u);  // keep_previous = 1
  EXPECT_FALSE(VerifyWithPublishedJwks(*env, first).ok());
  EXPECT_FALSE(VerifyIssuedToken(first, *env->keys, env->config, env->clock).ok());
}

TEST(SigningKeys, ReloadingFromTheStoreKeepsTheCurrentKey) {
  auto env = MakeEnv();
  ASSERT_TRUE(env->keys->Rotate().ok());
  std::string kid = env->keys->Snapshot()->current_kid;
  Result<std::unique_ptr<SigningKeys>> again = SigningKeys::Load(*env->store, env->clock, {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->Snapshot()->current_kid, kid);
  EXPECT_EQ((*again)->Snapshot()->jwks_json, env->keys->Snapshot()->jwks_json);
}

TEST(SigningKeys, RefusesNonRsaInitialKey) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore({.path = ":memory:"});
  ASSERT_TRUE(store.ok());
  Result<PrivateKey> ec = PrivateKey::Generate(Algorithm::kES256);
  ASSERT_TRUE(ec.ok());
  FakeClock clock(kNow);
  Result<std::unique_ptr<SigningKeys>> keys =
      SigningKeys::Load(**store, clock, {.initial_key_pem = ec->ToPkcs8Pem()});
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), Errc::kInvalidKey);
}

}  // namespace
}  // namespace mp::server
