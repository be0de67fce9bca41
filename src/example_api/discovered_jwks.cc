#include "example_api/discovered_jwks.h"

#include <utility>

namespace mp::example_api {
namespace {

// A failed discovery (issuer not up yet) is retried at most this often, so a stream of requests
// does not become a stream of metadata requests to a struggling issuer.
constexpr std::chrono::seconds kRetryInterval{1};

}  // namespace

DiscoveredJwksCache::DiscoveredJwksCache(std::shared_ptr<HttpClient> http, std::string issuer,
                                         JwksCacheOptions options)
    : http_(std::move(http)), issuer_(std::move(issuer)), options_(options) {}

Result<std::shared_ptr<JwksCache>> DiscoveredJwksCache::Inner() {
  MutexLock lock(mu_);
  if (inner_) return inner_;
  const Clock& clock = options_.clock ? *options_.clock : SystemClock::Instance();
  const auto now = clock.Now();
  if (last_failure_ && now - *last_failure_ < kRetryInterval) return last_error_;
  // Held across the request: concurrent first requests share one discovery.
  Result<std::shared_ptr<JwksCache>> found = JwksCache::Discover(http_, issuer_, options_);
  if (!found.ok()) {
    last_failure_ = now;
    last_error_ = found.status();
    ++failed_discoveries_;
    return found.status();
  }
  inner_ = *found;
  return inner_;
}

std::shared_ptr<JwksCache> DiscoveredJwksCache::InnerIfDiscovered() const {
  MutexLock lock(mu_);
  return inner_;
}

Result<Jwk> DiscoveredJwksCache::Find(std::string_view kid) {
  MP_ASSIGN_OR_RETURN(std::shared_ptr<JwksCache> inner, Inner());
  return inner->Find(kid);
}

Status DiscoveredJwksCache::Refresh() {
  MP_ASSIGN_OR_RETURN(std::shared_ptr<JwksCache> inner, Inner());
  return inner->Refresh();
}

JwksCache::Stats DiscoveredJwksCache::stats() const {
  Stats s;
  uint64_t failed = 0;
  std::shared_ptr<JwksCache> inner;
  {
    MutexLock lock(mu_);
    failed = failed_discoveries_;
    inner = inner_;
  }
  if (inner) s = inner->stats();
  s.fetches += failed;
  s.fetch_failures += failed;
  return s;
}

const std::string& DiscoveredJwksCache::uri() const {
  static const std::string kNone;
  // inner_ is set once and never reset, so its uri() outlives this call.
  std::shared_ptr<JwksCache> inner = InnerIfDiscovered();
  return inner ? inner->uri() : kNone;
}

}  // namespace mp::example_api
