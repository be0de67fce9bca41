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

// Two instances on one registry: A rotates; B publishes the new key within the reload interval,
// and neither signs with it before the activation delay, so every /jwk answered after the key
// first signs lists it (SPEC §17).
TEST(SigningKeys, InstancesOnOneStorePublishARotatedKeyBeforeAnyOfThemSignsWithIt) {
  std::unique_ptr<Store> store = OpenSqliteStore({.path = ":memory:"}).value();
  FakeClock clock(1'700'000'000);
  const SigningKeyOptions options{.bits = 2048,
                                  .initial_key_pem = ServerKey().ToPkcs8Pem(),
                                  .reload_interval = 5,
                                  .activation_delay = 12};
  std::unique_ptr<SigningKeys> a = SigningKeys::Load(*store, clock, options).value();
  std::unique_ptr<SigningKeys> b = SigningKeys::Load(*store, clock, options).value();
  const std::string old_kid = a->Snapshot()->current_kid;
  ASSERT_EQ(b->Snapshot()->current_kid, old_kid);  // B found A's first key, made none

  clock.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(a->Rotate().ok());
  std::shared_ptr<const SigningKeySet> after_rotate = a->Snapshot();
  const std::string new_kid = after_rotate->next_kid;
  ASSERT_FALSE(new_kid.empty());
  EXPECT_EQ(after_rotate->current_kid, old_kid);
  EXPECT_NE(after_rotate->jwks.Find(new_kid), nullptr);
  EXPECT_EQ(after_rotate->jwks.keys().front().kid, old_kid);  // the signing key first
  EXPECT_EQ(after_rotate->next_active_from, 1'700'000'001 + 12);

  bool b_published = false;
  for (int t = 0; t <= 20; ++t) {
    std::shared_ptr<const SigningKeySet> sa = a->Snapshot();
    std::shared_ptr<const SigningKeySet> sb = b->Snapshot();
    const bool signing_new = sa->current_kid == new_kid || sb->current_kid == new_kid;
    if (signing_new) {
      EXPECT_NE(sa->jwks.Find(new_kid), nullptr) << "t+" << t;
      EXPECT_NE(sb->jwks.Find(new_kid), nullptr) << "t+" << t;
    }
    b_published = b_published || sb->jwks.Find(new_kid) != nullptr;
    if (t <= 5) {
      EXPECT_EQ(sb->current_kid, old_kid) << "t+" << t;
    }
    if (t < 12) {
      EXPECT_EQ(sa->current_kid, old_kid) << "t+" << t;
    }
    if (t >= 12) {
      EXPECT_EQ(sa->current_kid, new_kid) << "t+" << t;
      EXPECT_EQ(sb->current_kid, new_kid) << "t+" << t;
      EXPECT_NE(sa->jwks.Find(old_kid), nullptr) << "the old key stays published";
    }
    clock.Advance(std::chrono::seconds(1));
  }
  EXPECT_TRUE(b_published);

  // Rotating on B while a rotation waits is refused by name, on either instance.
  clock.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(a->Rotate().ok());
  Status again = b->Rotate();
  EXPECT_EQ(again.code(), Errc::kInvalidArgument);
  EXPECT_NE(again.message().find(a->Snapshot()->next_kid), std::string::npos) << again.message();
}

TEST(SigningKeys, AnActivationDelayNotAboveTheReloadIntervalIsRefused) {
  std::unique_ptr<Store> store = OpenSqliteStore({.path = ":memory:"}).value();
  FakeClock clock;
  for (auto [reload, delay] :
       {std::pair{5, 5}, std::pair{5, 0}, std::pair{-1, 0}, std::pair{0, 86401}}) {
    Result<std::unique_ptr<SigningKeys>> keys =
        SigningKeys::Load(*store, clock,
                          {.initial_key_pem = ServerKey().ToPkcs8Pem(),
                           .reload_interval = reload,
                           .activation_delay = delay});
    ASSERT_FALSE(keys.ok()) << reload << "/" << delay;
    EXPECT_EQ(keys.status().code(), Errc::kInvalidArgument);
  }
  Result<std::vector<SigningKeyRecord>> stored = store->ListSigningKeys();
  EXPECT_TRUE(stored.ok() && stored->empty()) << "a refused configuration stores no key";
}

TEST(SigningKeys, OneInstanceWithoutDelaySignsWithARotatedKeyAtOnce) {
  std::unique_ptr<Store> store = OpenSqliteStore({.path = ":memory:"}).value();
  FakeClock clock;  // standing still: created grows by one per rotation, still active at once
  std::unique_ptr<SigningKeys> keys =
      SigningKeys::Load(*store, clock, {.bits = 2048, .initial_key_pem = ServerKey().ToPkcs8Pem()})
          .value();
  for (int i = 0; i < 2; ++i) {
    const std::string before = keys->Snapshot()->current_kid;
    ASSERT_TRUE(keys->Rotate().ok());
    EXPECT_NE(keys->Snapshot()->current_kid, before);
    EXPECT_TRUE(keys->Snapshot()->next_kid.empty());
  }
}

}  // namespace
}  // namespace mp::server
