// TokenProvider: a thread-safe cache of access tokens in front of a token source.
//
// Key: issuer, client_id, sorted scopes, resource, consumer_org, authorization_details. Per key
// single-flight (N callers on a miss cause one request), refresh-ahead in the background
// (readers never block on it), stale-if-error (a still-valid token is served while refresh
// fails; an expired one never is), LRU bound, counters.
//
//   mp::TokenProvider provider(client, {.refresh_ahead = std::chrono::seconds(30)});
//   MP_ASSIGN_OR_RETURN(mp::AccessToken t, provider.Get({.scopes = {"nav:example"}}));
#ifndef MASKINPORTEN_TOKEN_PROVIDER_H_
#define MASKINPORTEN_TOKEN_PROVIDER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "maskinporten/client_export.h"
#include "maskinporten/clock.h"
#include "maskinporten/grant.h"
#include "maskinporten/status.h"
#include "maskinporten/token_client.h"

namespace mp {

// Where tokens come from: TokenClient in production, fakes in tests.
class MP_CLIENT_EXPORT TokenSource {
 public:
  virtual ~TokenSource() = default;
  // Identifies issuer + client for the cache key.
  virtual std::string CacheNamespace() const = 0;
  virtual Result<AccessToken> FetchToken(const TokenRequest& request) = 0;
};

// Adapts a TokenClient (not owned).
MP_CLIENT_EXPORT std::unique_ptr<TokenSource> MakeTokenSource(TokenClient& client);

struct MP_CLIENT_EXPORT TokenProviderOptions {
  // Refresh in the background once a token has less than this left...
  std::chrono::seconds refresh_ahead{20};
  // ...and serve nothing with less than this left (treated as expired). Both are taken as
  // 0..10 years (the longest lifetime TokenClient accepts): a negative one as 0.
  std::chrono::seconds min_remaining{5};
  size_t max_entries = 1000;     // LRU bound
  const Clock* clock = nullptr;  // SystemClock when null
  // When false, refresh-ahead runs inline on the next Get (tests; no background thread).
  bool background_refresh = true;
  // Called on the refresh thread after each background refresh with the fetch outcome (OK, or
  // the error while the old token is kept). For logging, metrics and tests; runs without the
  // provider's locks held, so it may call Get() and stats().
  std::function<void(const Status&)> on_background_refresh{};
};

struct MP_CLIENT_EXPORT TokenProviderStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t refreshes = 0;     // refresh-ahead fetches started (background or inline)
  uint64_t failures = 0;      // source fetches that failed
  uint64_t stale_served = 0;  // served a still-valid token after a refresh failure
  uint64_t evictions = 0;
  size_t entries = 0;
};

// The canonical cache key for a request (stable across scope order and duplicates).
MP_CLIENT_EXPORT std::string CanonicalCacheKey(std::string_view cache_namespace,
                                               const TokenRequest& request);

class MP_CLIENT_EXPORT TokenProvider {
 public:
  TokenProvider(TokenSource& source, TokenProviderOptions options = {});
  ~TokenProvider();  // stops and joins the refresh thread
  TokenProvider(const TokenProvider&) = delete;
  TokenProvider& operator=(const TokenProvider&) = delete;

  Result<AccessToken> Get(const TokenRequest& request);
  // Drops the cached token for this request (e.g. after the API answered 401).
  void Invalidate(const TokenRequest& request);
  TokenProviderStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mp

#endif  // MASKINPORTEN_TOKEN_PROVIDER_H_
