// JwksCache: fixed sets, TTL, rotation, the refetch rate limit, single flight, failures and
// discovery, all against a FakeHttpClient and a FakeClock.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "maskinporten/clock.h"
#include "maskinporten/jwk.h"
#include "maskinporten/validator.h"
#include "testing/fake_http_client.h"
#include "testing/jose_fixtures.h"

namespace mp {
namespace {

using testing::FakeHttpClient;

constexpr char kJwksUri[] = "https://test.maskinporten.no/jwk";

std::string KeyJson(const PrivateKey& key, const std::string& kid) {
  return PublicKeyToJwk(key.public_key(), {.kid = kid, .alg = Algorithm::kRS256});
}
std::string K1() { return KeyJson(testing::TestKey(Algorithm::kRS256), "k1"); }
std::string K2() { return KeyJson(testing::OtherTestKey(Algorithm::kRS256), "k2"); }
std::string Set(const std::vector<std::string>& keys) {
  std::string out = "{\"keys\":[";
  for (size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + keys[i];
  return out + "]}";
}

class JwksCacheTest : public ::testing::Test {
 protected:
  std::shared_ptr<JwksCache> Make(JwksCacheOptions options = {}) {
    options.clock = &clock_;
    auto cache = JwksCache::FromUri(http_, kJwksUri, options);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    return cache.ok() ? *cache : nullptr;
  }
  void ServeAlways(std::string body) {
    http_->SetHandler([body](const HttpRequest&) -> Result<HttpResponse> {
      return testing::JsonResponse(200, body);
    });
  }

  FakeClock clock_{1700000000};
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
};

TEST(JwksCacheFixed, FindsByKidAndTheOnlyKeyForAnEmptyKid) {
  auto one = JwksCache::Fixed(*Jwks::Parse(Set({K1()})));
  ASSERT_TRUE(one->Find("k1").ok());
  EXPECT_EQ(one->Find("k1")->kid, "k1");
  EXPECT_EQ(one->Find("")->kid, "k1");
  EXPECT_EQ(one->Find("k2").status().code(), Errc::kKeyNotFound);
  EXPECT_TRUE(one->Refresh().ok());
  EXPECT_EQ(one->stats().fetches, 0u);
  EXPECT_EQ(one->uri(), "");
  auto two = JwksCache::Fixed(*Jwks::Parse(Set({K1(), K2()})));
  EXPECT_EQ(two->Find("k2")->key, testing::OtherTestKey(Algorithm::kRS256).public_key());
  EXPECT_EQ(two->Find("").status().code(), Errc::kKeyNotFound);
}

TEST(JwksCacheFromUri, RefusesPlainHttpExceptOnLoopback) {
  auto http = std::make_shared<FakeHttpClient>();
  EXPECT_EQ(JwksCache::FromUri(http, "http://maskinporten.example/jwk").status().code(),
            Errc::kInvalidArgument);
  EXPECT_EQ(JwksCache::FromUri(http, "ftp://x/jwk").status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(JwksCache::FromUri(http, "http://127.0.0.1@evil.example/jwk").status().code(),
            Errc::kInvalidArgument);
  EXPECT_TRUE(JwksCache::FromUri(http, "http://127.0.0.1:8080/jwk").ok());
  EXPECT_TRUE(JwksCache::FromUri(http, "http://[::1]:8080/jwk").ok());
  EXPECT_TRUE(JwksCache::FromUri(http, kJwksUri).ok());
  EXPECT_EQ(JwksCache::FromUri(http, "https://user@test.maskinporten.no/jwk").status().code(),
            Errc::kInvalidArgument);
  EXPECT_EQ(JwksCache::FromUri(http, "https:///jwk").status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(JwksCache::FromUri(http, "https://a b/jwk").status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(JwksCache::FromUri(nullptr, kJwksUri).status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(http->CallCount(), 0u);  // construction makes no request
}

TEST_F(JwksCacheTest, FirstFindFetchesThenTheCacheAnswers) {
  ServeAlways(Set({K1()}));
  auto cache = Make();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(cache->Find("k1").ok());
  EXPECT_EQ(http_->CallCount(), 1u);
  EXPECT_EQ(http_->LastRequest().method, "GET");
  EXPECT_EQ(http_->LastRequest().url, kJwksUri);
  EXPECT_EQ(cache->stats().fetches, 1u);
  EXPECT_EQ(cache->stats().fetch_failures, 0u);
  EXPECT_EQ(cache->uri(), kJwksUri);
}

TEST_F(JwksCacheTest, RefetchesAfterTheTtl) {
  ServeAlways(Set({K1()}));
  auto cache = Make({.ttl = std::chrono::seconds(300)});
  ASSERT_TRUE(cache->Find("k1").ok());
  clock_.Advance(std::chrono::seconds(299));
  ASSERT_TRUE(cache->Find("k1").ok());
  EXPECT_EQ(http_->CallCount(), 1u);
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(cache->Find("k1").ok());
  EXPECT_EQ(http_->CallCount(), 2u);
}

TEST_F(JwksCacheTest, RotationNewKidIsFoundAfterARefetch) {
  http_->PushJson(200, Set({K1()}));
  http_->PushJson(200, Set({K1(), K2()}));
  auto cache = Make({.min_refetch_interval = std::chrono::seconds(30)});
  ASSERT_TRUE(cache->Find("k1").ok());
  clock_.Advance(std::chrono::seconds(30));
  Result<Jwk> k2 = cache->Find("k2");
  ASSERT_TRUE(k2.ok()) << k2.status().ToString();
  EXPECT_EQ(k2->key, testing::OtherTestKey(Algorithm::kRS256).public_key());
  EXPECT_EQ(http_->CallCount(), 2u);
}

TEST_F(JwksCacheTest, UnknownKidWithinTheIntervalIsRefusedWithoutARequest) {
  ServeAlways(Set({K1()}));
  auto cache = Make({.min_refetch_interval = std::chrono::seconds(30)});
  ASSERT_TRUE(cache->Find("k1").ok());
  clock_.Advance(std::chrono::seconds(29));
  Result<Jwk> miss = cache->Find("nope");
  EXPECT_EQ(miss.status().code(), Errc::kKeyNotFound);
  EXPECT_NE(miss.status().message().find("\"nope\""), std::string::npos);
  EXPECT_EQ(http_->CallCount(), 1u);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(cache->Find("nope").status().code(), Errc::kKeyNotFound);
  EXPECT_EQ(http_->CallCount(), 2u);
}

TEST_F(JwksCacheTest, ThousandUnknownKidsFetchAtMostOncePerInterval) {
  ServeAlways(Set({K1()}));
  auto cache = Make({.min_refetch_interval = std::chrono::seconds(30)});
  const auto start = clock_.Now();
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(cache->Find("attacker-" + std::to_string(i)).status().code(), Errc::kKeyNotFound);
    clock_.Advance(std::chrono::seconds(1));
  }
  // Requests at t = 0, 30, 60, ..., 990 (the last lookup is at t = 999).
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - start);
  EXPECT_EQ(elapsed.count(), 1000);
  EXPECT_EQ(http_->CallCount(), 1u + 999u / 30u);
  EXPECT_EQ(http_->CallCount(), 34u);
  EXPECT_EQ(cache->stats().fetches, 34u);
  EXPECT_TRUE(cache->Find("k1").ok());
}

TEST_F(JwksCacheTest, ConcurrentMissesShareOneFetch) {
  constexpr int kThreads = 16;
  std::latch entered(1), release(1), ready(kThreads);
  std::atomic<int> handler_calls{0};
  const std::string body = Set({K1()});
  http_->SetHandler([&](const HttpRequest&) -> Result<HttpResponse> {
    if (handler_calls.fetch_add(1) == 0) entered.count_down();
    release.wait();  // hold the fetch until every thread has asked for the key
    return testing::JsonResponse(200, body);
  });
  auto cache = Make();
  std::atomic<int> found{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      ready.count_down();
      if (cache->Find("k1").ok()) ++found;
    });
  }
  ready.wait();
  entered.wait();
  // The fetching thread is inside the handler; give the other 15 a moment to reach Find (a
  // broken cache would make them fetch too; a correct one passes with any interleaving).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.count_down();
  for (auto& t : threads) t.join();
  EXPECT_EQ(found.load(), kThreads);
  EXPECT_EQ(handler_calls.load(), 1);
  EXPECT_EQ(cache->stats().fetches, 1u);
}

TEST_F(JwksCacheTest, FailedFetchKeepsTheLastGoodSet) {
  http_->PushJson(200, Set({K1()}));
  http_->PushJson(500, R"({"error":"server_error"})");
  auto cache = Make({.ttl = std::chrono::seconds(300)});
  ASSERT_TRUE(cache->Find("k1").ok());
  clock_.Advance(std::chrono::seconds(301));  // expired: refetch, which fails
  Result<Jwk> stale = cache->Find("k1");
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  EXPECT_EQ(stale->kid, "k1");
  EXPECT_EQ(cache->stats().fetches, 2u);
  EXPECT_EQ(cache->stats().fetch_failures, 1u);
  // The source is not retried within the interval while it is failing.
  EXPECT_TRUE(cache->Find("k1").ok());
  EXPECT_EQ(http_->CallCount(), 2u);
  EXPECT_EQ(cache->Find("k2").status().code(), Errc::kKeyNotFound);
}

TEST_F(JwksCacheTest, FailuresAreCountedAndReported) {
  http_->PushJson(500, "{}");
  http_->PushJson(200, "not json");
  http_->PushError(Errc::kNetworkError, "connection refused");
  http_->PushJson(200, R"({"keys":[]})");
  http_->PushJson(200, Set({K1()}));
  auto cache = Make({.min_refetch_interval = std::chrono::seconds(30)});
  EXPECT_EQ(cache->Find("k1").status().code(), Errc::kHttpError);
  EXPECT_EQ(cache->Find("k1").status().code(), Errc::kHttpError);  // no retry within interval
  EXPECT_EQ(http_->CallCount(), 1u);
  clock_.Advance(std::chrono::seconds(30));
  EXPECT_EQ(cache->Find("k1").status().code(), Errc::kInvalidJson);
  clock_.Advance(std::chrono::seconds(30));
  Result<Jwk> net = cache->Find("k1");
  EXPECT_EQ(net.status().code(), Errc::kNetworkError);
  EXPECT_NE(net.status().message().find(kJwksUri), std::string::npos);
  clock_.Advance(std::chrono::seconds(30));
  EXPECT_EQ(cache->Find("k1").status().code(), Errc::kInvalidJwk);
  EXPECT_EQ(cache->stats().fetches, 4u);
  EXPECT_EQ(cache->stats().fetch_failures, 4u);
  clock_.Advance(std::chrono::seconds(30));
  EXPECT_TRUE(cache->Find("k1").ok());
  EXPECT_EQ(cache->stats().fetches, 5u);
  EXPECT_EQ(cache->stats().fetch_failures, 4u);
}

TEST_F(JwksCacheTest, RefreshFetchesRegardlessOfTtlAndInterval) {
  ServeAlways(Set({K1()}));
  auto cache = Make();
  ASSERT_TRUE(cache->Find("k1").ok());
  EXPECT_TRUE(cache->Refresh().ok());
  EXPECT_TRUE(cache->Refresh().ok());
  EXPECT_EQ(http_->CallCount(), 3u);
  http_->PushJson(404, "{}");
  EXPECT_EQ(cache->Refresh().code(), Errc::kHttpError);
  EXPECT_TRUE(cache->Find("k1").ok());  // the last good set still answers
}

TEST_F(JwksCacheTest, DiscoverReadsJwksUriFromTheMetadata) {
  http_->PushJson(200, R"({"issuer":"https://test.maskinporten.no/",)"
                       R"("token_endpoint":"https://test.maskinporten.no/token",)"
                       R"("jwks_uri":"https://test.maskinporten.no/jwk"})");
  http_->PushJson(200, Set({K1()}));
  auto cache = JwksCache::Discover(http_, "https://test.maskinporten.no/", {.clock = &clock_});
  ASSERT_TRUE(cache.ok()) << cache.status().ToString();
  EXPECT_EQ((*cache)->uri(), "https://test.maskinporten.no/jwk");
  EXPECT_EQ(http_->Requests()[0].url,
            "https://test.maskinporten.no/.well-known/oauth-authorization-server");
  EXPECT_TRUE((*cache)->Find("k1").ok());
  EXPECT_EQ(http_->Requests()[1].url, "https://test.maskinporten.no/jwk");
}

TEST_F(JwksCacheTest, DiscoverNeedsNoTokenEndpoint) {
  // The local Altinn consent issuer's document has only issuer and jwks_uri.
  http_->PushJson(200, R"({"issuer":"http://127.0.0.1:9/altinn/",)"
                       R"("jwks_uri":"http://127.0.0.1:9/altinn/jwks"})");
  auto cache = JwksCache::Discover(http_, "http://127.0.0.1:9/altinn/");
  ASSERT_TRUE(cache.ok()) << cache.status().ToString();
  EXPECT_EQ((*cache)->uri(), "http://127.0.0.1:9/altinn/jwks");
}

TEST_F(JwksCacheTest, DiscoverWithAnotherIssuerIsADiscoveryError) {
  http_->PushJson(200, R"({"issuer":"https://maskinporten.no/",)"
                       R"("jwks_uri":"https://maskinporten.no/jwk"})");
  auto cache = JwksCache::Discover(http_, "https://test.maskinporten.no/");
  EXPECT_EQ(cache.status().code(), Errc::kDiscoveryError);
  EXPECT_NE(cache.status().message().find("https://maskinporten.no/"), std::string::npos);
  EXPECT_EQ(http_->CallCount(), 1u);
}

TEST_F(JwksCacheTest, DiscoverRefusesBadDocuments) {
  http_->PushJson(404, "{}");
  EXPECT_EQ(JwksCache::Discover(http_, "https://test.maskinporten.no/").status().code(),
            Errc::kDiscoveryError);
  http_->PushJson(200, R"({"issuer":"https://test.maskinporten.no/"})");
  EXPECT_EQ(JwksCache::Discover(http_, "https://test.maskinporten.no/").status().code(),
            Errc::kDiscoveryError);
  http_->PushJson(200, R"({"issuer":"https://test.maskinporten.no/",)"
                       R"("jwks_uri":"http://evil.example/jwk"})");
  EXPECT_EQ(JwksCache::Discover(http_, "https://test.maskinporten.no/").status().code(),
            Errc::kDiscoveryError);
  http_->PushJson(200, R"({"issuer":"https://test.maskinporten.no/","issuer":"x"})");
  EXPECT_EQ(JwksCache::Discover(http_, "https://test.maskinporten.no/").status().code(),
            Errc::kDuplicateJsonKey);
  http_->PushError(Errc::kNetworkError, "timeout");
  EXPECT_EQ(JwksCache::Discover(http_, "https://test.maskinporten.no/").status().code(),
            Errc::kNetworkError);
  // An issuer that is no URL never leads to a request.
  size_t calls = http_->CallCount();
  EXPECT_FALSE(JwksCache::Discover(http_, "not a url").ok());
  EXPECT_EQ(http_->CallCount(), calls);
}

}  // namespace
}  // namespace mp
