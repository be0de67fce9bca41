// DiscoveredJwksCache: no request at construction; a failed discovery is answered from memory
// for a second, then retried; after success the discovered keys answer.
#include "example_api/discovered_jwks.h"

#include <gtest/gtest.h>

#include <atomic>

#include "maskinporten/jwk.h"
#include "testing/fake_http_client.h"
#include "testing/jose_fixtures.h"

namespace mp::example_api {
namespace {

constexpr char kIssuer[] = "https://issuer.test/";
constexpr char kMetadataUrl[] = "https://issuer.test/.well-known/oauth-authorization-server";
constexpr char kJwksUrl[] = "https://issuer.test/jwks";

struct Issuer {
  std::atomic<bool> up{false};
  std::atomic<int> metadata_requests{0};
  std::shared_ptr<testing::FakeHttpClient> http = std::make_shared<testing::FakeHttpClient>(
      [this](const HttpRequest& r) -> Result<HttpResponse> {
        if (r.url == kMetadataUrl) {
          ++metadata_requests;
          if (!up) return Status(Errc::kNetworkError, "connection refused");
          return testing::JsonResponse(200, std::string(R"({"issuer":")") + kIssuer +
                                                R"(","jwks_uri":")" + kJwksUrl +
                                                R"(","token_endpoint":")" + kIssuer + R"(token"})");
        }
        if (r.url == kJwksUrl) {
          return testing::JsonResponse(
              200, "{\"keys\":[" +
                       PublicKeyToJwk(testing::TestKey(Algorithm::kRS256).public_key(),
                                      {.kid = "k1", .alg = Algorithm::kRS256}) +
                       "]}");
        }
        return Status(Errc::kNetworkError, "unexpected " + r.url);
      });
};

TEST(DiscoveredJwksCache, MakesNoRequestUntilFirstUse) {
  Issuer issuer;
  FakeClock clock;
  DiscoveredJwksCache cache(issuer.http, kIssuer, {.clock = &clock});
  EXPECT_EQ(issuer.http->CallCount(), 0u);
  EXPECT_EQ(cache.uri(), "");
}

TEST(DiscoveredJwksCache, RetriesAFailedDiscoveryAtMostOncePerSecond) {
  Issuer issuer;
  FakeClock clock;
  DiscoveredJwksCache cache(issuer.http, kIssuer, {.clock = &clock});
  Result<Jwk> first = cache.Find("k1");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), Errc::kNetworkError);
  EXPECT_FALSE(cache.Find("k1").ok());
  EXPECT_EQ(issuer.metadata_requests.load(), 1);  // the second answered from memory
  EXPECT_EQ(cache.stats().fetch_failures, 1u);

  issuer.up = true;
  clock.Advance(std::chrono::seconds(2));
  Result<Jwk> key = cache.Find("k1");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->kid, "k1");
  EXPECT_EQ(issuer.metadata_requests.load(), 2);
  EXPECT_EQ(cache.uri(), kJwksUrl);
}

TEST(DiscoveredJwksCache, DiscoversOnceThenUsesTheDiscoveredCache) {
  Issuer issuer;
  issuer.up = true;
  FakeClock clock;
  DiscoveredJwksCache cache(issuer.http, kIssuer, {.clock = &clock});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cache.Find("k1").ok());
  EXPECT_EQ(issuer.metadata_requests.load(), 1);
  Result<Jwk> missing = cache.Find("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Errc::kKeyNotFound);
}

}  // namespace
}  // namespace mp::example_api
