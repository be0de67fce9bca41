// JwksCache: the issuer's signing keys for the validator, fixed or fetched from a jwks_uri.
//
// The fetched set is an immutable shared_ptr<const Jwks>, swapped under the mutex, so a lookup
// copies one pointer under the lock and searches outside it. Fetching is single flight: the
// first thread that needs a fetch makes the request without holding the lock; every other thread
// that needs one meanwhile waits on the condition variable for that fetch's outcome.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/json.h"
#include "core/mutex.h"
#include "core/strings.h"
#include "core/url.h"
#include "maskinporten/endpoints.h"
#include "maskinporten/validator.h"

namespace mp {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

constexpr std::string_view kMetadataPath = ".well-known/oauth-authorization-server";

std::string Shorten(std::string_view s) { return std::string(s.substr(0, 128)); }

// https anywhere, plain http only on loopback; no userinfo, spaces or control characters.
Status CheckJwksUri(std::string_view uri, Errc code) {
  std::optional<HttpUrl> url = ParseHttpUrl(uri);
  if (url && !url->userinfo && IsHttpsOrLoopback(*url)) return OkStatus();
  return Status(code, "jwks_uri " + Quote(uri, 128) +
                          " must be an https URL without userinfo (plain http only on loopback)");
}

// The key for `kid` in `set`: by kid, or the only key when kid is "".
const Jwk* Lookup(const Jwks& set, std::string_view kid) {
  if (!kid.empty()) return set.Find(kid);
  return set.keys().size() == 1 ? &set.keys().front() : nullptr;
}

Status KeyNotFound(std::string_view kid, size_t keys, std::string_view uri) {
  std::string where = uri.empty() ? std::string("the fixed JWKS") : "the JWKS from " + Shorten(uri);
  if (kid.empty()) {
    return Status(Errc::kKeyNotFound,
                  "token has no kid and " + where + " has " + std::to_string(keys) + " keys");
  }
  return Status(Errc::kKeyNotFound, "no key with kid " + Quote(kid, 128) + " in " + where);
}

class FixedJwksCache final : public JwksCache {
 public:
  explicit FixedJwksCache(Jwks jwks) : jwks_(std::move(jwks)) {}

  Result<Jwk> Find(std::string_view kid) override {
    const Jwk* jwk = Lookup(jwks_, kid);
    if (jwk == nullptr) return KeyNotFound(kid, jwks_.keys().size(), "");
    return *jwk;
  }
  Status Refresh() override { return OkStatus(); }
  Stats stats() const override { return {}; }
  const std::string& uri() const override { return uri_; }

 private:
  const Jwks jwks_;
  const std::string uri_;
};

class UriJwksCache final : public JwksCache {
 public:
  UriJwksCache(std::shared_ptr<HttpClient> http, std::string uri, const JwksCacheOptions& options)
      : http_(std::move(http)),
        uri_(std::move(uri)),
        ttl_(options.ttl),
        min_refetch_interval_(options.min_refetch_interval),
        clock_(options.clock != nullptr ? *options.clock : SystemClock::Instance()) {}

  Result<Jwk> Find(std::string_view kid) override {
    const TimePoint now = clock_.Now();
    std::shared_ptr<const Jwks> set;
    bool fresh = false;
    {
      MutexLock lock(mu_);
      set = keys_;
      fresh = set != nullptr && now - fetched_at_ < ttl_;
    }
    // Hot path: a fresh set with the key; the search runs outside the lock.
    if (fresh) {
      if (const Jwk* jwk = Lookup(*set, kid)) return *jwk;
    }
    // Missed: fetch (or join the fetch in flight) unless rate-limited, then look again.
    std::optional<Status> fetched = FetchShared(/*rate_limited=*/true);
    std::shared_ptr<const Jwks> after;
    Status status;
    {
      MutexLock lock(mu_);
      after = keys_;
      status = fetched ? *fetched : last_error_;
    }
    return Answer(after, kid, status);
  }

  Status Refresh() override { return *FetchShared(/*rate_limited=*/false); }

  Stats stats() const override {
    MutexLock lock(mu_);
    return stats_;
  }
  const std::string& uri() const override { return uri_; }

 private:
  // Whether a lookup that missed (or found the set stale or absent) may fetch now.
  bool MayFetch(TimePoint now) const MP_REQUIRES(mu_) {
    if (!last_attempt_) return true;
    bool recently_tried = now - *last_attempt_ < min_refetch_interval_;
    bool expired = keys_ == nullptr || now - fetched_at_ >= ttl_;
    // An expired set is refetched, unless the last attempt failed within the interval (then the
    // stale set keeps answering, and the source is not hammered while it is down).
    if (expired) return !(recently_tried && !last_error_.ok());
    return !recently_tried;
  }

  // The key from `set`, or why there is none (the fetch's error when nothing was ever fetched).
  Result<Jwk> Answer(const std::shared_ptr<const Jwks>& set, std::string_view kid,
                     const Status& fetch_status) const {
    if (set == nullptr) {
      if (!fetch_status.ok()) return fetch_status;
      return Status(Errc::kKeyNotFound, "no JWKS fetched yet from " + Shorten(uri_));
    }
    const Jwk* jwk = Lookup(*set, kid);
    if (jwk == nullptr) return KeyNotFound(kid, set->keys().size(), uri_);
    return *jwk;
  }

  // Fetches, or waits for the fetch another thread is making, and returns that fetch's outcome.
  // With `rate_limited`, returns nullopt without fetching when MayFetch says no; the decision
  // and the start of the fetch are one critical section, so racing misses cannot both fetch.
  std::optional<Status> FetchShared(bool rate_limited) {
    {
      MutexLock lock(mu_);
      if (fetching_) {
        const uint64_t generation = completed_fetches_;
        while (completed_fetches_ == generation) cv_.Wait(mu_);
        return last_error_;
      }
      const TimePoint now = clock_.Now();
      if (rate_limited && !MayFetch(now)) return std::nullopt;
      fetching_ = true;
      last_attempt_ = now;
      ++stats_.fetches;
    }
    Result<Jwks> fetched = FetchNow();
    MutexLock lock(mu_);
    if (fetched.ok()) {
      keys_ = std::make_shared<const Jwks>(std::move(fetched).value());
      fetched_at_ = clock_.Now();
      last_error_ = OkStatus();
    } else {
      ++stats_.fetch_failures;
      last_error_ = fetched.status();
    }
    fetching_ = false;
    ++completed_fetches_;
    cv_.NotifyAll();
    return last_error_;
  }

  // One GET of the jwks_uri; no lock held.
  Result<Jwks> FetchNow() const {
    Result<HttpResponse> response =
        http_->Send({.method = "GET",
                     .url = uri_,
                     .headers = {{"Accept", "application/jwk-set+json, application/json"}}});
    if (!response.ok()) return response.status().WithContext("GET " + uri_);
    if (response->status != 200) {
      return Status(Errc::kHttpError,
                    "GET " + uri_ + " returned HTTP " + std::to_string(response->status));
    }
    Result<Jwks> jwks = Jwks::Parse(response->body);
    if (!jwks.ok()) return jwks.status().WithContext("JWKS from " + uri_);
    if (jwks->keys().empty()) {
      return Status(Errc::kInvalidJwk, "JWKS from " + uri_ + " has no usable key");
    }
    return jwks;
  }

  const std::shared_ptr<HttpClient> http_;
  const std::string uri_;
  const std::chrono::seconds ttl_;
  const std::chrono::seconds min_refetch_interval_;
  const Clock& clock_;

  mutable Mutex mu_;
  CondVar cv_;
  std::shared_ptr<const Jwks> keys_ MP_GUARDED_BY(mu_);
  TimePoint fetched_at_ MP_GUARDED_BY(mu_){};                 // of keys_
  std::optional<TimePoint> last_attempt_ MP_GUARDED_BY(mu_);  // start of the latest fetch
  Status last_error_ MP_GUARDED_BY(mu_);                      // outcome of the latest fetch
  bool fetching_ MP_GUARDED_BY(mu_) = false;
  uint64_t completed_fetches_ MP_GUARDED_BY(mu_) = 0;
  Stats stats_ MP_GUARDED_BY(mu_);
};

}  // namespace

Result<std::shared_ptr<JwksCache>> JwksCache::FromUri(std::shared_ptr<HttpClient> http,
                                                      std::string jwks_uri,
                                                      const JwksCacheOptions& options) {
  if (http == nullptr) return Status(Errc::kInvalidArgument, "JwksCache needs an HttpClient");
  MP_RETURN_IF_ERROR(CheckJwksUri(jwks_uri, Errc::kInvalidArgument));
  if (options.ttl.count() <= 0 || options.min_refetch_interval.count() < 0) {
    return Status(Errc::kInvalidArgument,
                  "JwksCache ttl must be positive and "
                  "min_refetch_interval not negative");
  }
  return std::shared_ptr<JwksCache>(
      std::make_shared<UriJwksCache>(std::move(http), std::move(jwks_uri), options));
}

Result<std::shared_ptr<JwksCache>> JwksCache::Discover(std::shared_ptr<HttpClient> http,
                                                       std::string_view issuer,
                                                       const JwksCacheOptions& options) {
  if (http == nullptr) return Status(Errc::kInvalidArgument, "JwksCache needs an HttpClient");
  // The same issuer rules as the token client's discovery (https or loopback, trailing slash).
  MP_RETURN_IF_ERROR(EndpointsForIssuer(issuer));
  // Only issuer and jwks_uri are needed here, so a document without token_endpoint (such as the
  // local Altinn consent issuer's) is fine; mp::Discover would refuse it.
  const std::string url = std::string(issuer) + std::string(kMetadataPath);
  MP_ASSIGN_OR_RETURN(
      HttpResponse response,
      http->Send({.method = "GET", .url = url, .headers = {{"Accept", "application/json"}}}));
  if (response.status != 200) {
    return Status(Errc::kDiscoveryError,
                  "GET " + url + " returned HTTP " + std::to_string(response.status));
  }
  Result<nlohmann::json> doc = ParseStrictJsonObject(response.body);
  if (!doc.ok()) return doc.status().WithContext("metadata document " + url);
  auto iss = doc->find("issuer");
  if (iss == doc->end() || !iss->is_string()) {
    return Status(Errc::kDiscoveryError, "metadata document " + url + " has no string issuer");
  }
  // RFC 8414 §3.3: the document's issuer must be identical to the one asked for.
  if (iss->get_ref<const std::string&>() != issuer) {
    return Status(Errc::kDiscoveryError, "metadata issuer " +
                                             Shorten(iss->get_ref<const std::string&>()) +
                                             " differs from configured " + std::string(issuer));
  }
  auto uri = doc->find("jwks_uri");
  if (uri == doc->end() || !uri->is_string()) {
    return Status(Errc::kDiscoveryError, "metadata document " + url + " has no string jwks_uri");
  }
  std::string jwks_uri = uri->get<std::string>();
  MP_RETURN_IF_ERROR(CheckJwksUri(jwks_uri, Errc::kDiscoveryError).WithContext("metadata"));
  return FromUri(std::move(http), std::move(jwks_uri), options);
}

std::shared_ptr<JwksCache> JwksCache::Fixed(Jwks jwks) {
  return std::make_shared<FixedJwksCache>(std::move(jwks));
}

}  // namespace mp
