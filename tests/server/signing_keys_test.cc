// SigningKeys: the server's access-token keys, their JWKS and rotation.
#include "server/token/signing_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/random.h"
#include "maskinporten/base64.h"
#include "maskinporten/jws.h"
#include "server/altinn/altinn_consent.h"
#include "server/server_fixtures.h"
#include "server/store/key_encryption.h"
#include "server/token/access_token.h"
#include "testing/cli_runner.h"
#include "testing/process.h"

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

// docs/operations.md, "Keys at rest": with a KEK no private key reaches the registry file (or its
// WAL) in the clear, the keys load again with it, and without it or with another they do not,
// naming the kid.
TEST(SigningKeys, RegistryWrittenWithAKekHoldsNoPrivateKeyInTheClear) {
  ::mp::testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  const KeyEncryptionKey kek = KeyEncryptionKey::FromBase64(Base64Encode(RandomBytes(32))).value();
  FakeClock clock(kNow);
  auto no_clear_key_in_files = [&dir] {
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      std::string bytes = ::mp::testing::ReadFile(entry.path().string());
      EXPECT_EQ(bytes.find("PRIVATE KEY"), std::string::npos) << entry.path();
    }
  };
  std::string kid;
  {
    std::unique_ptr<Store> store = OpenSqliteStore({.path = path}).value();
    Result<std::unique_ptr<SigningKeys>> keys = SigningKeys::Load(
        *store, clock,
        {.bits = 2048, .initial_key_pem = ServerKey().ToPkcs8Pem(), .key_encryption = kek});
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    ASSERT_TRUE((*keys)->Rotate().ok());
    kid = (*keys)->Snapshot()->current_kid;
    Result<std::unique_ptr<ConsentSigner>> consent =
        LoadConsentSigner(*store, clock, {.bits = 2048, .key_encryption = kek});
    ASSERT_TRUE(consent.ok()) << consent.status().ToString();
    Result<std::vector<SigningKeyRecord>> stored = store->ListSigningKeys();
    ASSERT_TRUE(stored.ok());
    ASSERT_EQ(stored->size(), 2u);
    for (const SigningKeyRecord& r : *stored) {
      EXPECT_TRUE(IsSealedPrivateKey(r.private_pem)) << r.kid;
    }
    EXPECT_TRUE(IsSealedPrivateKey(store->GetConsentKey().value()->private_pem));
    no_clear_key_in_files();
  }
  no_clear_key_in_files();

  std::unique_ptr<Store> store = OpenSqliteStore({.path = path}).value();
  Result<std::unique_ptr<SigningKeys>> again =
      SigningKeys::Load(*store, clock, {.bits = 2048, .key_encryption = kek});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->Snapshot()->current_kid, kid);
  EXPECT_TRUE(LoadConsentSigner(*store, clock, {.bits = 2048, .key_encryption = kek}).ok());

  Result<std::unique_ptr<SigningKeys>> without = SigningKeys::Load(*store, clock, {.bits = 2048});
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.status().code(), Errc::kInvalidKey);
  EXPECT_NE(without.status().message().find(kid), std::string::npos) << without.status().message();
  const KeyEncryptionKey other =
      KeyEncryptionKey::FromBase64(Base64Encode(RandomBytes(32))).value();
  Result<std::unique_ptr<SigningKeys>> wrong =
      SigningKeys::Load(*store, clock, {.bits = 2048, .key_encryption = other});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Errc::kWrongPassword);
  EXPECT_NE(wrong.status().message().find(kid), std::string::npos) << wrong.status().message();
  Result<std::unique_ptr<ConsentSigner>> consent_wrong =
      LoadConsentSigner(*store, clock, {.bits = 2048, .key_encryption = other});
  EXPECT_EQ(consent_wrong.status().code(), Errc::kWrongPassword);
}

}  // namespace
}  // namespace mp::server
