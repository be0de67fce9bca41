// TokenProvider cache-hit benchmarks (registered statically; main() is in maskinporten_bench.cc).
//
//   token_cache_hit            TokenProvider::Get on a cached, valid token (SystemClock), the
//                              returned AccessToken copied out; threads:2 = two threads hitting
//                              the same key. Target: <= 100 ns per call, and per-thread CPU time
//                              per call at threads:2 no higher than at threads:1.
//   token_cache_hit/fake_clock the same with a FakeClock (no clock_gettime): the cache's own cost
//   access_token_copy          baseline: copying the AccessToken alone (the part of a hit that
//                              the by-value API makes unavoidable)
//   token_cache_hit_naive      baseline: what a straightforward cache costs: CanonicalCacheKey
//                              (allocates, parses nothing here), a std::mutex, an
//                              unordered_map<string> lookup and the copy
//
// With threads:2, Google Benchmark reports wall time per call over both threads (halves when
// the work scales) and CPU time per call per thread (stays equal when it scales): compare CPU.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>

#include "maskinporten/clock.h"
#include "maskinporten/token_provider.h"

namespace {

// A source that always succeeds with a token valid for a day: every Get after the first is a hit.
class FixedSource : public mp::TokenSource {
 public:
  explicit FixedSource(const mp::Clock& clock) : clock_(clock) {}
  std::string CacheNamespace() const override {
    return "https://test.maskinporten.no/\n826acbbc-ee17-4946-af92-cf4885ebe951";
  }
  mp::Result<mp::AccessToken> FetchToken(const mp::TokenRequest& /*request*/) override {
    mp::AccessToken token;
    // A Maskinporten access token is a ~900-character RS256 JWT.
    token.access_token = std::string(900, 'x');
    token.token_type = "Bearer";
    token.expires_in = 86400;
    token.scope = "altinn:broker.read";
    token.obtained_at = clock_.Now();
    token.expires_at = token.obtained_at + std::chrono::seconds(token.expires_in);
    return token;
  }

 private:
  const mp::Clock& clock_;
};

mp::TokenRequest BenchRequest() {
  mp::TokenRequest request;
  request.scopes = {"altinn:broker.read", "altinn:broker.write"};
  return request;
}

// One provider per clock kind, shared by all benchmark threads, warmed with one miss.
struct Fixture {
  explicit Fixture(const mp::Clock& clock)
      : source(clock), provider(source, Options(clock)), request(BenchRequest()) {
    mp::Result<mp::AccessToken> warm = provider.Get(request);
    if (!warm.ok()) {
      std::fprintf(stderr, "token_provider_bench: %s\n", warm.status().ToString().c_str());
      std::abort();
    }
  }
  static mp::TokenProviderOptions Options(const mp::Clock& clock) {
    mp::TokenProviderOptions options;
    options.clock = &clock;
    return options;
  }
  FixedSource source;
  mp::TokenProvider provider;
  mp::TokenRequest request;
};

Fixture& SystemFixture() {
  static Fixture* fixture = new Fixture(mp::SystemClock::Instance());
  return *fixture;
}

Fixture& FakeClockFixture() {
  static mp::FakeClock* clock = new mp::FakeClock(1700000000);
  static Fixture* fixture = new Fixture(*clock);
  return *fixture;
}

void RunHits(benchmark::State& state, Fixture& f) {
  for (auto _ : state) {
    mp::Result<mp::AccessToken> token = f.provider.Get(f.request);
    benchmark::DoNotOptimize(token);
  }
  if (state.thread_index() == 0) {
    mp::TokenProviderStats stats = f.provider.stats();
    state.counters["misses"] = static_cast<double>(stats.misses);
  }
}

void TokenCacheHit(benchmark::State& state) { RunHits(state, SystemFixture()); }
void TokenCacheHitFakeClock(benchmark::State& state) { RunHits(state, FakeClockFixture()); }

void AccessTokenCopy(benchmark::State& state) {
  static const mp::AccessToken* token = [] {
    FixedSource source(mp::SystemClock::Instance());
    return new mp::AccessToken(source.FetchToken(BenchRequest()).value());
  }();
  for (auto _ : state) {
    mp::Result<mp::AccessToken> copy = *token;
    benchmark::DoNotOptimize(copy);
  }
}

void TokenCacheHitNaive(benchmark::State& state) {
  struct Naive {
    std::mutex mu;
    std::unordered_map<std::string, mp::AccessToken> map;
  };
  static Naive* naive = [] {
    auto* n = new Naive;
    FixedSource source(mp::SystemClock::Instance());
    mp::TokenRequest request = BenchRequest();
    n->map[mp::CanonicalCacheKey(source.CacheNamespace(), request)] =
        source.FetchToken(request).value();
    return n;
  }();
  const std::string ns = "https://test.maskinporten.no/\n826acbbc-ee17-4946-af92-cf4885ebe951";
  const mp::TokenRequest request = BenchRequest();
  for (auto _ : state) {
    std::string key = mp::CanonicalCacheKey(ns, request);
    std::lock_guard<std::mutex> lock(naive->mu);
    mp::Result<mp::AccessToken> copy = naive->map.find(key)->second;
    benchmark::DoNotOptimize(copy);
  }
}

BENCHMARK(TokenCacheHit)->Name("token_cache_hit")->Threads(1)->Threads(2);
BENCHMARK(TokenCacheHitFakeClock)->Name("token_cache_hit/fake_clock")->Threads(1)->Threads(2);
BENCHMARK(AccessTokenCopy)->Name("access_token_copy")->Threads(1)->Threads(2);
BENCHMARK(TokenCacheHitNaive)->Name("token_cache_hit_naive")->Threads(1)->Threads(2);

}  // namespace
