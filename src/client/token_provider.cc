// TokenProvider: see include/maskinporten/token_provider.h.
//
// Layout. Entries live in `entries_` under their canonical key. A cache hit must not allocate,
// and CanonicalCacheKey does (strings, JSON parsing), so each entry is also reachable through
// `aliases_`: a 64-bit hash of the request exactly as the caller spelled it, plus a stored copy
// of that spelling to compare against. A spelling seen for the first time takes the slow path
// (canonical key) once and then gets an alias.
//
// Locks. `mu_` (a striped reader-writer lock) guards the maps and every entry's non-atomic fields:
// hits take it shared; stores, evictions and flight bookkeeping take it exclusively and never
// across a fetch. `queue_mu_` guards the refresh queue; the two are never held together.
//
// Single flight. A miss registers a shared_future under the key in `flights_` (under `mu_`);
// later callers for the key wait on it, callers for other keys are not involved. Refreshes use
// the same flights, so a miss that races a refresh waits for it instead of fetching again.
#include "maskinporten/token_provider.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "client/token_client_internal.h"
#include "core/checked.h"
#include "core/json.h"
#include "core/mutex.h"
#include "core/scope_set.h"

namespace mp {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// The margins as the provider uses them: 0 .. the longest token lifetime TokenClient accepts. A
// negative margin would serve expired tokens; a longer one means "never serve" or "always
// refresh" just as well, and keeps the margin far inside a nanosecond time_point.
TokenProviderOptions Bounded(TokenProviderOptions options) {
  const std::chrono::seconds longest(internal::kMaxExpiresInSeconds);
  options.refresh_ahead = std::clamp(options.refresh_ahead, std::chrono::seconds(0), longest);
  options.min_remaining = std::clamp(options.min_remaining, std::chrono::seconds(0), longest);
  return options;
}

// expires_at - margin, saturating: expires_at comes from any TokenSource, unchecked.
TimePoint Before(TimePoint expires_at, std::chrono::seconds margin) {
  using Duration = TimePoint::duration;
  const int64_t margin_ticks = std::chrono::duration_cast<Duration>(margin).count();  // bounded
  return TimePoint(Duration(SaturatingSub(expires_at.time_since_epoch().count(), margin_ticks)));
}

// After a failed refresh-ahead the next one waits this long: the token is still valid, and the
// source (TokenClient) has already retried with backoff inside the fetch that failed.
constexpr std::chrono::seconds kRefreshRetryHoldOff{1};
// Spellings of one key (scope order, JSON member order, ...) that get a fast-path alias; more
// exotic callers still hit the cache, through the canonical key.
constexpr size_t kMaxAliasesPerEntry = 8;

// ---- Canonical key ----

// "<length>:<bytes>": unambiguous whatever the bytes are.
void AppendField(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out.append(value);
}

// ---- Fast-path hash of a request as spelled ----

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

// A small inline hash (8 bytes per multiply) instead of std::hash, whose out-of-line murmur was
// a tenth of a cache hit. Quality needs only to spread buckets: every match is compared in full.
uint64_t HashText(std::string_view s) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  uint64_t h = (s.size() + 1) * kMul;
  auto round = [&h](uint64_t word) {
    h = (h ^ word) * kMul;
    h ^= h >> 29;
  };
  auto load64 = [](const char* p) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    return word;
  };
  auto load32 = [](const char* p) {
    uint32_t word;
    std::memcpy(&word, p, 4);
    return uint64_t{word};
  };
  const char* p = s.data();
  const size_t n = s.size();
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) round(load64(p + i));
    if (i < n) round(load64(p + n - 8));  // overlapping tail: no byte-wise assembly
  } else if (n >= 4) {
    round(load32(p) << 32 | load32(p + n - 4));
  } else if (n > 0) {
    const auto byte = [&](size_t k) { return uint64_t{static_cast<unsigned char>(p[k])}; };
    round(byte(0) << 16 | byte(n / 2) << 8 | byte(n - 1));
  }
  return h;
}

constexpr uint64_t kAbsent = 0x5a17c0ffee5a17c0ULL;

uint64_t SpellingHash(const TokenRequest& request) {
  uint64_t h = request.scopes.size();
  for (const std::string& scope : request.scopes) h = Mix(h, HashText(scope));
  h = Mix(h, request.resource ? HashText(*request.resource) : kAbsent);
  h = Mix(h, request.consumer_org ? HashText(request.consumer_org->digits()) : kAbsent);
  h = Mix(h, request.authorization_details ? HashText(*request.authorization_details) : kAbsent);
  return h;
}

bool SameSpelling(const TokenRequest& a, const TokenRequest& b) {
  return a.scopes == b.scopes && a.resource == b.resource && a.consumer_org == b.consumer_org &&
         a.authorization_details == b.authorization_details;
}

// A counter bumped on the hit path: one cache line per thread slot, so threads on different
// cores do not contend on it.
class StripedCounter {
 public:
  void Add() { slots_[ThreadSlot() % kSlots].n.fetch_add(1, std::memory_order_relaxed); }
  uint64_t Sum() const {
    uint64_t sum = 0;
    for (const Slot& slot : slots_) sum += slot.n.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  static constexpr size_t kSlots = 16;
  struct alignas(64) Slot {
    std::atomic<uint64_t> n{0};
  };
  Slot slots_[kSlots];
};

// What one fetch produced, as handed to every caller waiting on it.
struct Outcome {
  Result<AccessToken> result;  // the new token, the still-valid old one (stale), or the error
  Status fetch;                // the fetch's own status
  bool stale = false;          // result is the old token because the fetch failed
};

struct RefreshJob {
  std::string key;
  TokenRequest request;
};

// A cache hit: the token, and whether it is the old one kept after a refresh failed.
struct Served {
  AccessToken token;
  bool stale = false;
};

}  // namespace

std::string CanonicalCacheKey(std::string_view cache_namespace, const TokenRequest& request) {
  std::string key = "mp-token-key-1;n";
  AppendField(key, cache_namespace);
  // Scope tokens as the server sees them (JoinScopes joins the entries with spaces): a set, in
  // its canonical (sorted) spelling.
  const std::vector<std::string_view> scopes = ScopeSet::SortedView(request.scopes);
  key += ";s";
  key += std::to_string(scopes.size());
  for (std::string_view scope : scopes) {
    key += ',';
    AppendField(key, scope);
  }
  // Absent ("-") and empty ("+0:") are different requests.
  key += ";r";
  if (request.resource) {
    key += '+';
    AppendField(key, *request.resource);
  } else {
    key += '-';
  }
  key += ";c";
  if (request.consumer_org) {
    key += '+';
    AppendField(key, request.consumer_org->digits());
  } else {
    key += '-';
  }
  key += ";a";
  if (request.authorization_details) {
    // Re-dumped JSON has its object members sorted (nlohmann's object is a std::map), so member
    // order and whitespace do not split the cache. Text that does not parse is keyed as is,
    // tagged apart so it can never equal a canonical dump.
    Result<nlohmann::json> parsed = ParseStrictJson(*request.authorization_details);
    if (parsed.ok()) {
      key += 'j';
      AppendField(key, DumpJson(*parsed));
    } else {
      key += 'x';
      AppendField(key, *request.authorization_details);
    }
  } else {
    key += '-';
  }
  return key;
}

namespace {

class TokenClientSource final : public TokenSource {
 public:
  explicit TokenClientSource(TokenClient& client) : client_(client) {}
  std::string CacheNamespace() const override {
    return client_.options().endpoints.issuer + "\n" + client_.options().client_id;
  }
  Result<AccessToken> FetchToken(const TokenRequest& request) override {
    return client_.Fetch(request);
  }

 private:
  TokenClient& client_;
};

}  // namespace

std::unique_ptr<TokenSource> MakeTokenSource(TokenClient& client) {
  return std::make_unique<TokenClientSource>(client);
}

struct TokenProvider::Impl {
  // One cached token. Non-atomic fields are guarded by Impl::mu_ (written only under the
  // exclusive lock, read under either).
  struct Entry {
    std::string key;
    TokenRequest request;  // the spelling that first fetched it; refreshes send it again
    AccessToken token;
    TimePoint valid_until;         // expires_at - min_remaining: served while now < valid_until
    TimePoint refresh_at;          // expires_at - refresh_ahead: refreshed once now is past it
    TimePoint refresh_hold_until;  // no refresh-ahead before this (set after a failure)
    bool stale = false;            // the last refresh failed; the token is the old one
    std::vector<uint64_t> alias_hashes;
    std::atomic<bool> refresh_pending{false};  // a refresh job exists for this entry
    std::atomic<uint64_t> last_used{0};        // LRU tick
  };

  struct Alias {
    TokenRequest request;
    Entry* entry;
  };

  Impl(TokenSource& source, TokenProviderOptions options)
      : source_(source),
        options_(Bounded(std::move(options))),
        clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Instance()),
        namespace_(source.CacheNamespace()) {}

  ~Impl() {
    std::thread worker;
    {
      MutexLock lock(queue_mu_);
      stopping_ = true;
      queue_.clear();  // not started: dropped; the one running is awaited below
      worker = std::move(worker_);
    }
    queue_cv_.NotifyAll();
    if (worker.joinable()) worker.join();
  }

  // The hit path: no allocation beyond the returned copy, no shared writes in steady state.
  // Everything else (a refresh to claim, a new spelling, a miss) goes to SlowGet.
  Result<AccessToken> Get(const TokenRequest& request) MP_EXCLUDES(mu_, queue_mu_) {
    const uint64_t hash = SpellingHash(request);
    {
      ReaderLock lock(mu_);
      Entry* entry = FindAliasLocked(hash, request);
      if (entry != nullptr && ServableWithoutClaimLocked(*entry, clock_.Now())) {
        CountHitLocked(*entry);
        if (entry->stale) stale_served_.Add();
        return entry->token;
      }
    }
    return SlowGet(request, hash);
  }

  void Invalidate(const TokenRequest& request) MP_EXCLUDES(mu_) {
    const std::string key = CanonicalCacheKey(namespace_, request);
    WriterLock lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) EraseLocked(it);
  }

  TokenProviderStats Stats() const MP_EXCLUDES(mu_) {
    TokenProviderStats s;
    s.hits = hits_.Sum();
    s.misses = misses_.load(std::memory_order_relaxed);
    s.refreshes = refreshes_.load(std::memory_order_relaxed);
    s.failures = failures_.load(std::memory_order_relaxed);
    s.stale_served = stale_served_.Sum();
    s.evictions = evictions_.load(std::memory_order_relaxed);
    ReaderLock lock(mu_);
    s.entries = entries_.size();
    return s;
  }

 private:
  using EntryMap = std::unordered_map<std::string, std::unique_ptr<Entry>>;

  bool IsValid(const Entry& entry, TimePoint now) const { return now < entry.valid_until; }

  Entry* FindAliasLocked(uint64_t hash, const TokenRequest& request) MP_REQUIRES_SHARED(mu_) {
    auto [it, end] = aliases_.equal_range(hash);
    for (; it != end; ++it) {
      if (SameSpelling(it->second.request, request)) return it->second.entry;
    }
    return nullptr;
  }

  Entry* FindEntryLocked(const std::string& key) MP_REQUIRES_SHARED(mu_) {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second.get();
  }

  // Whether a refresh-ahead should start now (none pending, not held off after a failure).
  bool WantsRefreshLocked(const Entry& entry, TimePoint now) const MP_REQUIRES_SHARED(mu_) {
    return now > entry.refresh_at && now >= entry.refresh_hold_until &&
           !entry.refresh_pending.load(std::memory_order_relaxed);
  }

  bool ServableWithoutClaimLocked(const Entry& entry, TimePoint now) const MP_REQUIRES_SHARED(mu_) {
    return IsValid(entry, now) && !WantsRefreshLocked(entry, now);
  }

  void CountHitLocked(Entry& entry) MP_REQUIRES_SHARED(mu_) {
    hits_.Add();
    Touch(entry);
  }

  // A copy of the token when it is still valid, counting the hit; claims a refresh job when the
  // token is in its refresh window and none is pending.
  std::optional<Served> ServeLocked(Entry& entry, TimePoint now, std::optional<RefreshJob>& job)
      MP_REQUIRES_SHARED(mu_) {
    if (!IsValid(entry, now)) return std::nullopt;
    CountHitLocked(entry);
    if (WantsRefreshLocked(entry, now)) {
      bool expected = false;
      if (entry.refresh_pending.compare_exchange_strong(expected, true)) {
        job = RefreshJob{entry.key, entry.request};
      }
    }
    return Served{entry.token, entry.stale};
  }

  // Marks `entry` most recently used. Writes shared memory only when it was not already the
  // most recent, so repeated hits on one key from many threads stay read-only.
  void Touch(Entry& entry) {
    const uint64_t now_tick = tick_.load(std::memory_order_relaxed);
    if (entry.last_used.load(std::memory_order_relaxed) != now_tick) {
      entry.last_used.store(tick_.fetch_add(1, std::memory_order_relaxed) + 1,
                            std::memory_order_relaxed);
    }
  }

  Result<AccessToken> AfterHit(Served served, std::optional<RefreshJob> job)
      MP_EXCLUDES(mu_, queue_mu_) {
    if (job && options_.background_refresh) Enqueue(std::move(*job));
    if (job && !options_.background_refresh) {
      // Inline refresh-ahead: this caller refreshes and returns the outcome (the new token, or
      // the old one if the fetch failed while it is still valid).
      if (std::optional<Outcome> outcome = Refresh(*job)) {
        if (outcome->stale) stale_served_.Add();
        return std::move(outcome->result);
      }
    }
    if (served.stale) stale_served_.Add();
    return std::move(served.token);
  }

  // Not a plain hit: look up by canonical key; serve (claiming a refresh, adding an alias) or
  // go to Miss.
  Result<AccessToken> SlowGet(const TokenRequest& request, uint64_t hash)
      MP_EXCLUDES(mu_, queue_mu_) {
    std::string key = CanonicalCacheKey(namespace_, request);
    std::optional<Served> served;
    std::optional<RefreshJob> job;
    bool needs_alias = false;
    {
      ReaderLock lock(mu_);
      if (Entry* entry = FindEntryLocked(key)) {
        served = ServeLocked(*entry, clock_.Now(), job);
        needs_alias = served && entry->alias_hashes.size() < kMaxAliasesPerEntry &&
                      FindAliasLocked(hash, request) == nullptr;
      }
    }
    if (served) {
      if (needs_alias) {
        WriterLock lock(mu_);
        if (Entry* entry = FindEntryLocked(key)) AddAliasLocked(*entry, hash, request);
      }
      return AfterHit(std::move(*served), std::move(job));
    }
    return Miss(key, request, hash);
  }

  // No valid token: join the key's flight, or lead one.
  Result<AccessToken> Miss(const std::string& key, const TokenRequest& request, uint64_t hash)
      MP_EXCLUDES(mu_, queue_mu_) {
    std::optional<Served> served;
    std::optional<RefreshJob> job;
    std::promise<Outcome> promise;
    std::shared_future<Outcome> flight;
    bool leader = false;
    {
      WriterLock lock(mu_);
      // Someone may have stored it since we looked.
      if (Entry* entry = FindEntryLocked(key)) {
        served = ServeLocked(*entry, clock_.Now(), job);
        if (served) AddAliasLocked(*entry, hash, request);
      }
      if (!served) {
        misses_.fetch_add(1, std::memory_order_relaxed);
        auto it = flights_.find(key);
        if (it != flights_.end()) {
          flight = it->second;
        } else {
          flight = promise.get_future().share();
          flights_.emplace(key, flight);
          leader = true;
        }
      }
    }
    if (served) return AfterHit(std::move(*served), std::move(job));
    if (leader) {
      Outcome outcome = Lead(key, request, hash, promise);
      if (outcome.stale) stale_served_.Add();
      return std::move(outcome.result);
    }
    const Outcome& outcome = flight.get();
    if (outcome.stale) stale_served_.Add();
    return outcome.result;
  }

  // Runs the refresh `job` claimed, through a flight. nullopt when there is nothing to do: the
  // entry is gone or was replaced, or another flight for the key is already running.
  std::optional<Outcome> Refresh(const RefreshJob& job) MP_EXCLUDES(mu_) {
    std::promise<Outcome> promise;
    {
      WriterLock lock(mu_);
      Entry* entry = FindEntryLocked(job.key);
      if (entry == nullptr || !entry->refresh_pending.load()) return std::nullopt;
      if (flights_.count(job.key) != 0) {
        entry->refresh_pending.store(false);  // that flight stores a fresh token
        return std::nullopt;
      }
      flights_.emplace(job.key, promise.get_future().share());
      refreshes_.fetch_add(1, std::memory_order_relaxed);
    }
    return Lead(job.key, job.request, SpellingHash(job.request), promise);
  }

  // The flight leader: fetches without holding any lock, stores or falls back to the still-valid
  // old token (stale-if-error; never an expired one), then releases the waiters.
  Outcome Lead(const std::string& key, const TokenRequest& request, uint64_t hash,
               std::promise<Outcome>& promise) MP_EXCLUDES(mu_) {
    Result<AccessToken> fetched = source_.FetchToken(request);
    const TimePoint now = clock_.Now();
    std::optional<Outcome> outcome;
    {
      WriterLock lock(mu_);
      flights_.erase(key);
      Entry* entry = FindEntryLocked(key);
      if (fetched.ok()) {
        entry = StoreLocked(key, request, hash, *fetched, entry);
        outcome.emplace(Outcome{std::move(fetched), OkStatus(), false});
      } else {
        failures_.fetch_add(1, std::memory_order_relaxed);
        if (entry != nullptr && IsValid(*entry, now)) {
          entry->stale = true;
          entry->refresh_hold_until = now + kRefreshRetryHoldOff;
          outcome.emplace(Outcome{entry->token, fetched.status(), true});
        } else {
          outcome.emplace(Outcome{fetched.status(), fetched.status(), false});
        }
      }
      if (entry != nullptr) entry->refresh_pending.store(false);
    }
    promise.set_value(*outcome);
    return std::move(*outcome);
  }

  Entry* StoreLocked(const std::string& key, const TokenRequest& request, uint64_t hash,
                     const AccessToken& token, Entry* entry) MP_REQUIRES(mu_) {
    if (entry == nullptr) {
      EvictIfFullLocked();
      auto owned = std::make_unique<Entry>();
      entry = owned.get();
      entry->key = key;
      entry->request = request;
      entries_.emplace(key, std::move(owned));
    }
    entry->token = token;
    entry->valid_until = Before(token.expires_at, options_.min_remaining);
    entry->refresh_at = Before(token.expires_at, options_.refresh_ahead);
    entry->refresh_hold_until = TimePoint{};
    entry->stale = false;
    entry->last_used.store(tick_.fetch_add(1, std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
    AddAliasLocked(*entry, hash, request);
    return entry;
  }

  void AddAliasLocked(Entry& entry, uint64_t hash, const TokenRequest& request) MP_REQUIRES(mu_) {
    if (entry.alias_hashes.size() >= kMaxAliasesPerEntry) return;
    if (FindAliasLocked(hash, request) != nullptr) return;
    aliases_.emplace(hash, Alias{request, &entry});
    entry.alias_hashes.push_back(hash);
  }

  // Evicts least recently used entries until one more fits. O(entries): runs only when a
  // fetched token is stored, which costs a network round trip anyway.
  void EvictIfFullLocked() MP_REQUIRES(mu_) {
    const size_t capacity = std::max<size_t>(1, options_.max_entries);
    while (!entries_.empty() && entries_.size() >= capacity) {
      auto oldest = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second->last_used.load(std::memory_order_relaxed) <
            oldest->second->last_used.load(std::memory_order_relaxed)) {
          oldest = it;
        }
      }
      EraseLocked(oldest);
      evictions_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void EraseLocked(EntryMap::iterator it) MP_REQUIRES(mu_) {
    Entry* entry = it->second.get();
    for (uint64_t hash : entry->alias_hashes) {
      auto [a, end] = aliases_.equal_range(hash);
      while (a != end) a = a->second.entry == entry ? aliases_.erase(a) : std::next(a);
    }
    entries_.erase(it);
  }

  void Enqueue(RefreshJob job) MP_EXCLUDES(queue_mu_) {
    MutexLock lock(queue_mu_);
    if (stopping_) return;
    queue_.push_back(std::move(job));
    if (!worker_.joinable()) worker_ = std::thread([this] { WorkerLoop(); });
    queue_cv_.NotifyOne();
  }

  void WorkerLoop() MP_EXCLUDES(mu_, queue_mu_) {
    for (;;) {
      RefreshJob job;
      {
        MutexLock lock(queue_mu_);
        while (!stopping_ && queue_.empty()) queue_cv_.Wait(queue_mu_);
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      std::optional<Outcome> outcome = Refresh(job);
      if (outcome && options_.on_background_refresh) options_.on_background_refresh(outcome->fetch);
    }
  }

  TokenSource& source_;
  const TokenProviderOptions options_;
  const Clock& clock_;
  const std::string namespace_;

  mutable StripedSharedMutex mu_;
  EntryMap entries_ MP_GUARDED_BY(mu_);
  std::unordered_multimap<uint64_t, Alias> aliases_ MP_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::shared_future<Outcome>> flights_ MP_GUARDED_BY(mu_);
  std::atomic<uint64_t> tick_{0};

  StripedCounter hits_;
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> refreshes_{0};
  std::atomic<uint64_t> failures_{0};
  StripedCounter stale_served_;
  std::atomic<uint64_t> evictions_{0};

  Mutex queue_mu_;
  CondVar queue_cv_;
  std::deque<RefreshJob> queue_ MP_GUARDED_BY(queue_mu_);
  bool stopping_ MP_GUARDED_BY(queue_mu_) = false;
  std::thread worker_ MP_GUARDED_BY(queue_mu_);
};

TokenProvider::TokenProvider(TokenSource& source, TokenProviderOptions options)
    : impl_(std::make_unique<Impl>(source, std::move(options))) {}

TokenProvider::~TokenProvider() = default;

Result<AccessToken> TokenProvider::Get(const TokenRequest& request) { return impl_->Get(request); }

void TokenProvider::Invalidate(const TokenRequest& request) { impl_->Invalidate(request); }

TokenProviderStats TokenProvider::stats() const { return impl_->Stats(); }

}  // namespace mp
