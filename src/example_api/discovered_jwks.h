// DiscoveredJwksCache: a JwksCache that finds its jwks_uri by issuer discovery on first use, not
// at construction, so a resource server can start before its issuer is up (the example API in a
// demo or a compose file). Until discovery succeeds every Find answers the discovery error, and
// discovery is retried at most once per second; after it succeeds the discovered JwksCache
// answers (TTL, refetch on unknown kid, last good set).
//
//   std::shared_ptr<mp::JwksCache> keys = std::make_shared<mp::example_api::DiscoveredJwksCache>(
//       http, "https://test.maskinporten.no/", mp::JwksCacheOptions{});
//   mp::AccessTokenValidator validator(policy, keys);   // no request made yet
#ifndef MASKINPORTEN_EXAMPLE_API_DISCOVERED_JWKS_H_
#define MASKINPORTEN_EXAMPLE_API_DISCOVERED_JWKS_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/mutex.h"
#include "maskinporten/http.h"
#include "maskinporten/validator.h"

namespace mp::example_api {

class DiscoveredJwksCache final : public JwksCache {
 public:
  DiscoveredJwksCache(std::shared_ptr<HttpClient> http, std::string issuer,
                      JwksCacheOptions options);

  Result<Jwk> Find(std::string_view kid) override;
  Status Refresh() override;
  // The discovered cache's stats, plus one fetch (and failure) per failed discovery.
  Stats stats() const override;
  // The discovered jwks_uri, "" until discovery succeeded.
  const std::string& uri() const override;

 private:
  // The discovered cache, discovering now when not yet done (one discovery at a time).
  Result<std::shared_ptr<JwksCache>> Inner();
  std::shared_ptr<JwksCache> InnerIfDiscovered() const;

  const std::shared_ptr<HttpClient> http_;
  const std::string issuer_;
  const JwksCacheOptions options_;
  mutable Mutex mu_;
  std::shared_ptr<JwksCache> inner_ MP_GUARDED_BY(mu_);
  std::optional<std::chrono::system_clock::time_point> last_failure_ MP_GUARDED_BY(mu_);
  Status last_error_ MP_GUARDED_BY(mu_);
  uint64_t failed_discoveries_ MP_GUARDED_BY(mu_) = 0;
};

}  // namespace mp::example_api

#endif  // MASKINPORTEN_EXAMPLE_API_DISCOVERED_JWKS_H_
