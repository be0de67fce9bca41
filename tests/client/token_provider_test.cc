#include "maskinporten/token_provider.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "maskinporten/clock.h"
#include "maskinporten/org_number.h"
#include "maskinporten/status.h"
#include "maskinporten/token_client.h"

namespace mp {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

constexpr std::string_view kNamespace = "https://issuer.example/\nclient-1";
constexpr int64_t kLifetime = 120;  // seconds

// A TokenSource that hands out "token-<n>" (n = call number) valid for kLifetime seconds from
// the fake clock's now, counts calls, and can be made to fail or to block until released.
class FakeSource : public TokenSource {
 public:
  explicit FakeSource(const FakeClock& clock) : clock_(clock) {}

  std::string CacheNamespace() const override { return std::string(kNamespace); }

  Result<AccessToken> FetchToken(const TokenRequest& request) override {
    std::unique_lock<std::mutex> lock(mu_);
    const int n = ++calls_;
    requests_.push_back(request);
    cv_.notify_all();
    const std::string first_scope = request.scopes.empty() ? "" : request.scopes[0];
    cv_.wait(lock, [&] { return !block_all_ && blocked_scopes_.count(first_scope) == 0; });
    if (fail_) return Status(Errc::kNetworkError, "fake source: down");
    AccessToken token;
    token.access_token = "token-" + std::to_string(n);
    token.token_type = "Bearer";
    token.expires_in = kLifetime;
    token.obtained_at = clock_.Now();
    token.expires_at = expires_at_.value_or(token.obtained_at + seconds(kLifetime));
    return token;
  }

  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::vector<TokenRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  void WaitForCalls(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return calls_ >= n; });
  }
  void BlockAll(bool block) {
    std::lock_guard<std::mutex> lock(mu_);
    block_all_ = block;
    cv_.notify_all();
  }
  // Fetches whose first scope is `scope` wait until Unblock(scope).
  void Block(const std::string& scope) {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_scopes_.insert(scope);
  }
  void Unblock(const std::string& scope) {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_scopes_.erase(scope);
    cv_.notify_all();
  }
  void SetFailing(bool fail) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = fail;
  }
  // Tokens expire at `at` instead of kLifetime from now (a source the provider cannot trust).
  void SetExpiresAt(std::chrono::system_clock::time_point at) {
    std::lock_guard<std::mutex> lock(mu_);
    expires_at_ = at;
  }

 private:
  const FakeClock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  std::vector<TokenRequest> requests_;
  bool block_all_ = false;
  std::set<std::string> blocked_scopes_;
  bool fail_ = false;
  std::optional<std::chrono::system_clock::time_point> expires_at_;
};

// Counts background refreshes reported through on_background_refresh; tests wait on it.
class RefreshLatch {
 public:
  std::function<void(const Status&)> Callback() {
    return [this](const Status& status) {
      std::lock_guard<std::mutex> lock(mu_);
      statuses_.push_back(status);
      cv_.notify_all();
    };
  }
  // The status of the n-th (1-based) background refresh, once it has finished.
  Status WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return statuses_.size() >= n; });
    return statuses_[n - 1];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Status> statuses_;
};

// Spins (yielding, no sleep) until `done`; for states only observable through stats().
void YieldUntil(const std::function<bool()>& done) {
  while (!done()) std::this_thread::yield();
}

TokenRequest Req(std::vector<std::string> scopes) {
  TokenRequest r;
  r.scopes = std::move(scopes);
  return r;
}

OrgNumber Org(std::string_view digits) { return OrgNumber::Parse(digits).value(); }

class TokenProviderTest : public ::testing::Test {
 protected:
  TokenProviderOptions Options(bool background = false) {
    TokenProviderOptions o;
    o.refresh_ahead = seconds(20);
    o.min_remaining = seconds(5);
    o.clock = &clock_;
    o.background_refresh = background;
    return o;
  }
  std::string TokenOf(TokenProvider& p, const TokenRequest& r) {
    Result<AccessToken> t = p.Get(r);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->access_token : "";
  }

  FakeClock clock_{1700000000};
  FakeSource source_{clock_};
};

// ---- CanonicalCacheKey ----

TEST(CanonicalCacheKey, IgnoresScopeOrderAndDuplicates) {
  EXPECT_EQ(CanonicalCacheKey(kNamespace, Req({"b:x", "a:y", "b:x"})),
            CanonicalCacheKey(kNamespace, Req({"a:y", "b:x"})));
}

TEST(CanonicalCacheKey, SplitsSpaceSeparatedScopeEntriesAsTheServerWould) {
  EXPECT_EQ(CanonicalCacheKey(kNamespace, Req({"a:y b:x"})),
            CanonicalCacheKey(kNamespace, Req({"b:x", "a:y"})));
  EXPECT_EQ(CanonicalCacheKey(kNamespace, Req({"a:y", ""})),
            CanonicalCacheKey(kNamespace, Req({"a:y"})));
}

TEST(CanonicalCacheKey, DifferentScopesGiveDifferentKeys) {
  EXPECT_NE(CanonicalCacheKey(kNamespace, Req({"a:y"})),
            CanonicalCacheKey(kNamespace, Req({"a:y", "b:x"})));
  // Field boundaries are unambiguous: "ab" is not "a" + "b".
  EXPECT_NE(CanonicalCacheKey(kNamespace, Req({"ab"})),
            CanonicalCacheKey(kNamespace, Req({"a", "b"})));
}

TEST(CanonicalCacheKey, IncludesTheNamespace) {
  EXPECT_NE(CanonicalCacheKey("https://a/\nc1", Req({"s"})),
            CanonicalCacheKey("https://a/\nc2", Req({"s"})));
}

TEST(CanonicalCacheKey, IgnoresJsonMemberOrderAndWhitespaceInAuthorizationDetails) {
  TokenRequest a = Req({"s"});
  a.authorization_details = R"({"type":"t","b":1,"a":{"y":2,"x":[1,2]}})";
  TokenRequest b = Req({"s"});
  b.authorization_details = R"({ "a": {"x": [1, 2], "y": 2}, "b": 1, "type": "t" })";
  EXPECT_EQ(CanonicalCacheKey(kNamespace, a), CanonicalCacheKey(kNamespace, b));
}

TEST(CanonicalCacheKey, DifferentAuthorizationDetailsGiveDifferentKeys) {
  TokenRequest a = Req({"s"});
  a.authorization_details = R"({"type":"t","a":1})";
  TokenRequest b = Req({"s"});
  b.authorization_details = R"({"type":"t","a":2})";
  TokenRequest none = Req({"s"});
  EXPECT_NE(CanonicalCacheKey(kNamespace, a), CanonicalCacheKey(kNamespace, b));
  EXPECT_NE(CanonicalCacheKey(kNamespace, a), CanonicalCacheKey(kNamespace, none));
}

TEST(CanonicalCacheKey, KeysInvalidJsonByItsRawText) {
  TokenRequest a = Req({"s"});
  a.authorization_details = R"({"a":1,)";
  TokenRequest same = a;
  TokenRequest spaced = Req({"s"});
  spaced.authorization_details = R"({"a":1, )";
  EXPECT_EQ(CanonicalCacheKey(kNamespace, a), CanonicalCacheKey(kNamespace, same));
  EXPECT_NE(CanonicalCacheKey(kNamespace, a), CanonicalCacheKey(kNamespace, spaced));
  // Duplicate members are invalid under strict parsing, so they are not canonicalised away.
  TokenRequest dup = Req({"s"});
  dup.authorization_details = R"({"a":1,"a":1})";
  TokenRequest single = Req({"s"});
  single.authorization_details = R"({"a":1})";
  EXPECT_NE(CanonicalCacheKey(kNamespace, dup), CanonicalCacheKey(kNamespace, single));
}

TEST(CanonicalCacheKey, DistinguishesAbsentEmptyAndPresentResource) {
  TokenRequest none = Req({"s"});
  TokenRequest empty = Req({"s"});
  empty.resource = "";
  TokenRequest some = Req({"s"});
  some.resource = "https://api.example/";
  EXPECT_NE(CanonicalCacheKey(kNamespace, none), CanonicalCacheKey(kNamespace, empty));
  EXPECT_NE(CanonicalCacheKey(kNamespace, none), CanonicalCacheKey(kNamespace, some));
  EXPECT_NE(CanonicalCacheKey(kNamespace, empty), CanonicalCacheKey(kNamespace, some));
}

TEST(CanonicalCacheKey, DistinguishesConsumerOrgs) {
  TokenRequest none = Req({"s"});
  TokenRequest a = Req({"s"});
  a.consumer_org = Org("910753614");
  TokenRequest b = Req({"s"});
  b.consumer_org = Org("314240979");
  EXPECT_NE(CanonicalCacheKey(kNamespace, none), CanonicalCacheKey(kNamespace, a));
  EXPECT_NE(CanonicalCacheKey(kNamespace, a), CanonicalCacheKey(kNamespace, b));
}

TEST(CanonicalCacheKey, ResourceTextCannotImpersonateOtherFields) {
  TokenRequest a = Req({"s"});
  a.resource = "x;c+9:910753614";
  TokenRequest b = Req({"s"});
  b.resource = "x";
  b.consumer_org = Org("910753614");
  EXPECT_NE(CanonicalCacheKey(kNamespace, a), CanonicalCacheKey(kNamespace, b));
}

// ---- Hits, misses, single flight ----

TEST_F(TokenProviderTest, ServesTheCachedTokenAfterAMiss) {
  TokenProvider provider(source_, Options());
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(source_.calls(), 1);
  TokenProviderStats s = provider.stats();
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.entries, 1u);
}

TEST_F(TokenProviderTest, PassesTheRequestToTheSource) {
  TokenProvider provider(source_, Options());
  TokenRequest r = Req({"b", "a"});
  r.resource = "https://api.example/";
  r.consumer_org = Org("910753614");
  ASSERT_TRUE(provider.Get(r).ok());
  ASSERT_EQ(source_.requests().size(), 1u);
  EXPECT_EQ(source_.requests()[0].scopes, r.scopes);
  EXPECT_EQ(source_.requests()[0].resource, r.resource);
  EXPECT_EQ(source_.requests()[0].consumer_org, r.consumer_org);
}

TEST_F(TokenProviderTest, EquivalentSpellingsShareOneEntry) {
  TokenProvider provider(source_, Options());
  TokenRequest a = Req({"b", "a"});
  a.authorization_details = R"({"type":"t","x":1})";
  TokenRequest b = Req({"a", "b", "a"});
  b.authorization_details = R"({"x":1,"type":"t"})";
  EXPECT_EQ(TokenOf(provider, a), "token-1");
  EXPECT_EQ(TokenOf(provider, b), "token-1");
  EXPECT_EQ(TokenOf(provider, b), "token-1");  // now through its own alias
  EXPECT_EQ(source_.calls(), 1);
  EXPECT_EQ(provider.stats().hits, 2u);
  EXPECT_EQ(provider.stats().entries, 1u);
}

TEST_F(TokenProviderTest, ManySpellingsOfOneKeyAllHitTheSameEntry) {
  TokenProvider provider(source_, Options());
  std::vector<std::string> scopes = {"a", "b", "c", "d"};
  int gets = 0;
  do {  // all 24 orders: more spellings than get a fast-path alias
    EXPECT_EQ(TokenOf(provider, Req(scopes)), "token-1");
    EXPECT_EQ(TokenOf(provider, Req(scopes)), "token-1");
    gets += 2;
  } while (std::next_permutation(scopes.begin(), scopes.end()));
  EXPECT_EQ(source_.calls(), 1);
  EXPECT_EQ(provider.stats().hits, static_cast<uint64_t>(gets - 1));
  EXPECT_EQ(provider.stats().entries, 1u);
}

TEST_F(TokenProviderTest, DifferentResourceOrConsumerFetchesSeparately) {
  TokenProvider provider(source_, Options());
  TokenRequest plain = Req({"a"});
  TokenRequest with_resource = Req({"a"});
  with_resource.resource = "https://api.example/";
  TokenRequest with_org = Req({"a"});
  with_org.consumer_org = Org("910753614");
  EXPECT_EQ(TokenOf(provider, plain), "token-1");
  EXPECT_EQ(TokenOf(provider, with_resource), "token-2");
  EXPECT_EQ(TokenOf(provider, with_org), "token-3");
  EXPECT_EQ(TokenOf(provider, with_resource), "token-2");
  EXPECT_EQ(provider.stats().entries, 3u);
}

// Issue 15: a token carries its consent or system user, so two consents (or two customers'
// system users) are two cache entries; the same one again is a hit.
TEST_F(TokenProviderTest, DifferentConsentsAndSystemUsersAreSeparateEntries) {
  TokenProvider provider(source_, Options());
  TokenRequest consent_a = Req({"nav:ssu"});
  consent_a.authorization_details =
      ConsentAuthorizationDetails("77ed8698-e619-4066-9eb4-5c1eb3f165a1", "01819010001").value();
  TokenRequest consent_b = Req({"nav:ssu"});
  consent_b.authorization_details =
      ConsentAuthorizationDetails("93413201-b7e8-4ec3-a899-580fc02c6aeb", "01819010001").value();
  TokenRequest user_a = Req({"nav:ssu"});
  user_a.authorization_details = SystemUserAuthorizationDetails(Org("910753614")).value();
  TokenRequest user_b = Req({"nav:ssu"});
  user_b.authorization_details = SystemUserAuthorizationDetails(Org("889640782")).value();
  EXPECT_EQ(TokenOf(provider, consent_a), "token-1");
  EXPECT_EQ(TokenOf(provider, consent_b), "token-2");
  EXPECT_EQ(TokenOf(provider, user_a), "token-3");
  EXPECT_EQ(TokenOf(provider, user_b), "token-4");
  EXPECT_EQ(TokenOf(provider, consent_a), "token-1");
  EXPECT_EQ(TokenOf(provider, user_b), "token-4");
  EXPECT_EQ(source_.calls(), 4);
  EXPECT_EQ(provider.stats().entries, 4u);
  ASSERT_EQ(source_.requests().size(), 4u);
  EXPECT_EQ(source_.requests()[1].authorization_details, consent_b.authorization_details);
}

TEST_F(TokenProviderTest, ThousandConcurrentCallersOnAMissCauseOneFetch) {
  TokenProvider provider(source_, Options());
  constexpr int kThreads = 1000;
  source_.BlockAll(true);
  std::vector<std::string> got(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { got[i] = TokenOf(provider, Req({"a"})); });
  }
  // Every caller has missed (and so joined the flight) before the one fetch may finish.
  YieldUntil([&] { return provider.stats().misses == kThreads; });
  source_.BlockAll(false);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(source_.calls(), 1);
  for (const std::string& token : got) EXPECT_EQ(token, "token-1");
  EXPECT_EQ(provider.stats().hits, 0u);
}

TEST_F(TokenProviderTest, ConcurrentCallersShareTheFetchError) {
  TokenProvider provider(source_, Options());
  constexpr int kThreads = 8;
  source_.BlockAll(true);
  source_.SetFailing(true);
  std::vector<Status> got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { got[i] = provider.Get(Req({"a"})).status(); });
  }
  YieldUntil([&] { return provider.stats().misses == kThreads; });
  source_.BlockAll(false);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(source_.calls(), 1);
  for (const Status& s : got) EXPECT_EQ(s.code(), Errc::kNetworkError);
  EXPECT_EQ(provider.stats().failures, 1u);
  EXPECT_EQ(provider.stats().entries, 0u);
}

TEST_F(TokenProviderTest, BlockedFetchForOneKeyDoesNotBlockAnother) {
  TokenProvider provider(source_, Options());
  source_.Block("a");
  std::string a_token;
  std::thread a([&] { a_token = TokenOf(provider, Req({"a"})); });
  source_.WaitForCalls(1);  // the fetch for "a" is in progress and held
  EXPECT_EQ(TokenOf(provider, Req({"b"})), "token-2");
  EXPECT_EQ(TokenOf(provider, Req({"b"})), "token-2");
  source_.Unblock("a");
  a.join();
  EXPECT_EQ(a_token, "token-1");
}

// ---- Expiry and min_remaining ----

TEST_F(TokenProviderTest, ServesUntilMinRemainingAndRefetchesAtIt) {
  TokenProviderOptions options = Options();
  options.refresh_ahead = seconds(0);  // isolate expiry from refresh-ahead
  TokenProvider provider(source_, options);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  clock_.Advance(seconds(kLifetime - 5) - microseconds(1));  // 5 s + 1 us left
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  clock_.Advance(microseconds(1));  // exactly min_remaining left: treated as expired
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-2");
  EXPECT_EQ(provider.stats().misses, 2u);
}

TEST_F(TokenProviderTest, ExpiredTokenIsNeverServedWhenTheFetchFails) {
  TokenProvider provider(source_, Options());
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.SetFailing(true);
  clock_.Advance(seconds(kLifetime + 1));
  Result<AccessToken> t = provider.Get(Req({"a"}));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kNetworkError);
  EXPECT_EQ(provider.stats().failures, 1u);
  EXPECT_EQ(provider.stats().stale_served, 0u);
}

TEST_F(TokenProviderTest, TokenAtMinRemainingIsNotServedWhenTheFetchFails) {
  TokenProvider provider(source_, Options());
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.SetFailing(true);
  clock_.Advance(seconds(kLifetime - 5));  // still before expires_at, but not > min_remaining
  EXPECT_EQ(provider.Get(Req({"a"})).status().code(), Errc::kNetworkError);
  EXPECT_EQ(provider.stats().stale_served, 0u);
}

// Issue 14: the margins are config and the expiry comes from any TokenSource; neither may
// overflow the time_point arithmetic.
TEST_F(TokenProviderTest, NegativeMinRemainingNeverServesAnExpiredToken) {
  TokenProviderOptions options = Options();
  options.refresh_ahead = seconds(-1);
  options.min_remaining = seconds(-100);  // taken as 0
  TokenProvider provider(source_, options);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  clock_.Advance(seconds(kLifetime) - microseconds(1));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  clock_.Advance(microseconds(1));  // at expires_at
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-2");
}

TEST_F(TokenProviderTest, MarginsAtTheLimitsMeanNeverServeFromTheCache) {
  TokenProviderOptions options = Options();
  options.refresh_ahead = seconds::max();
  options.min_remaining = seconds::max();
  TokenProvider provider(source_, options);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-2");
  EXPECT_EQ(provider.stats().hits, 0u);
}

TEST_F(TokenProviderTest, ExpiryAtTheTimePointLimitsSaturates) {
  source_.SetExpiresAt(std::chrono::system_clock::time_point::max());
  TokenProvider provider(source_, Options());
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  clock_.Advance(seconds(int64_t{100} * 365 * 86400));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");  // still far from the end of time

  source_.SetExpiresAt(std::chrono::system_clock::time_point::min());
  TokenProvider expired(source_, Options());
  EXPECT_EQ(TokenOf(expired, Req({"b"})), "token-2");  // handed out once, never cached as valid
  EXPECT_EQ(TokenOf(expired, Req({"b"})), "token-3");
  EXPECT_EQ(expired.stats().hits, 0u);
}

// ---- Refresh-ahead ----

TEST_F(TokenProviderTest, RefreshesOnlyWithLessThanRefreshAheadLeft) {
  TokenProvider provider(source_, Options(/*background=*/false));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  clock_.Advance(seconds(kLifetime - 20));  // exactly refresh_ahead left: not yet inside
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(source_.calls(), 1);
  EXPECT_EQ(provider.stats().refreshes, 0u);
  clock_.Advance(microseconds(1));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-2");
  EXPECT_EQ(provider.stats().refreshes, 1u);
}

TEST_F(TokenProviderTest, InlineRefreshAheadReplacesTheTokenInTheWindow) {
  TokenProvider provider(source_, Options(/*background=*/false));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  clock_.Advance(seconds(kLifetime - 19));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-2");
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-2");
  EXPECT_EQ(source_.calls(), 2);
  TokenProviderStats s = provider.stats();
  EXPECT_EQ(s.refreshes, 1u);
  EXPECT_EQ(s.misses, 1u);
}

TEST_F(TokenProviderTest, InlineRefreshFailureServesTheStillValidToken) {
  TokenProvider provider(source_, Options(/*background=*/false));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.SetFailing(true);
  clock_.Advance(seconds(kLifetime - 19));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  TokenProviderStats s = provider.stats();
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.stale_served, 1u);
  // Within the hold-off the stale token keeps being served without another fetch.
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(source_.calls(), 2);
  EXPECT_EQ(provider.stats().stale_served, 2u);
  // After the hold-off, the next caller retries; success clears the stale state.
  source_.SetFailing(false);
  clock_.Advance(seconds(1));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-3");
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-3");
  EXPECT_EQ(provider.stats().stale_served, 2u);
}

TEST_F(TokenProviderTest, BackgroundRefreshReturnsTheOldTokenWithoutWaiting) {
  RefreshLatch refreshed;
  TokenProviderOptions options = Options(/*background=*/true);
  options.on_background_refresh = refreshed.Callback();
  TokenProvider provider(source_, options);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.BlockAll(true);  // the refresh will hang until released
  clock_.Advance(seconds(kLifetime - 19));
  // Readers are served while the refresh is held inside the source.
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.WaitForCalls(2);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.BlockAll(false);
  EXPECT_TRUE(refreshed.WaitFor(1).ok());
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-2");
  EXPECT_EQ(source_.calls(), 2);  // one refresh, however many readers noticed the window
  EXPECT_EQ(provider.stats().refreshes, 1u);
}

TEST_F(TokenProviderTest, BackgroundRefreshFailureKeepsServingTheValidToken) {
  RefreshLatch refreshed;
  TokenProviderOptions options = Options(/*background=*/true);
  options.on_background_refresh = refreshed.Callback();
  TokenProvider provider(source_, options);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.SetFailing(true);
  clock_.Advance(seconds(kLifetime - 19));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(refreshed.WaitFor(1).code(), Errc::kNetworkError);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  TokenProviderStats s = provider.stats();
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.stale_served, 1u);
  EXPECT_EQ(s.refreshes, 1u);
  // Once it expires, the error is returned, not the old token.
  clock_.Advance(seconds(19));
  EXPECT_EQ(provider.Get(Req({"a"})).status().code(), Errc::kNetworkError);
}

TEST_F(TokenProviderTest, MissDuringABackgroundRefreshWaitsForItInsteadOfFetchingAgain) {
  RefreshLatch refreshed;
  TokenProviderOptions options = Options(/*background=*/true);
  options.on_background_refresh = refreshed.Callback();
  TokenProvider provider(source_, options);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.BlockAll(true);
  clock_.Advance(seconds(kLifetime - 19));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  source_.WaitForCalls(2);      // the refresh is in flight
  clock_.Advance(seconds(30));  // the old token has now expired
  std::string late;
  std::thread t([&] { late = TokenOf(provider, Req({"a"})); });
  YieldUntil([&] { return provider.stats().misses == 2; });
  source_.BlockAll(false);
  t.join();
  EXPECT_EQ(late, "token-2");
  EXPECT_EQ(source_.calls(), 2);
}

TEST_F(TokenProviderTest, DestructorWaitsForAnInFlightBackgroundRefreshAndTerminates) {
  auto provider = std::make_unique<TokenProvider>(source_, Options(/*background=*/true));
  EXPECT_EQ(TokenOf(*provider, Req({"a"})), "token-1");
  source_.BlockAll(true);
  clock_.Advance(seconds(kLifetime - 19));
  EXPECT_EQ(TokenOf(*provider, Req({"a"})), "token-1");
  source_.WaitForCalls(2);  // the refresh thread is inside the source
  std::atomic<bool> destroyed{false};
  std::thread destroyer([&] {
    provider.reset();
    destroyed = true;
  });
  source_.BlockAll(false);
  destroyer.join();
  EXPECT_TRUE(destroyed);
  EXPECT_EQ(source_.calls(), 2);
}

TEST_F(TokenProviderTest, DestructorWithoutRefreshThreadReturns) {
  auto provider = std::make_unique<TokenProvider>(source_, Options(/*background=*/true));
  EXPECT_EQ(TokenOf(*provider, Req({"a"})), "token-1");
  provider.reset();
  EXPECT_EQ(source_.calls(), 1);
}

// ---- LRU and Invalidate ----

TEST_F(TokenProviderTest, EvictsTheLeastRecentlyUsedEntry) {
  TokenProviderOptions options = Options();
  options.max_entries = 2;
  TokenProvider provider(source_, options);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(TokenOf(provider, Req({"b"})), "token-2");
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");  // a is now more recent than b
  EXPECT_EQ(TokenOf(provider, Req({"c"})), "token-3");  // evicts b
  TokenProviderStats s = provider.stats();
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.entries, 2u);
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(TokenOf(provider, Req({"c"})), "token-3");
  EXPECT_EQ(source_.calls(), 3);
  EXPECT_EQ(TokenOf(provider, Req({"b"})), "token-4");  // was evicted; evicts a
  EXPECT_EQ(TokenOf(provider, Req({"c"})), "token-3");
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-5");
  EXPECT_EQ(provider.stats().evictions, 3u);
}

TEST_F(TokenProviderTest, InvalidateDropsTheEntryForEverySpelling) {
  TokenProvider provider(source_, Options());
  EXPECT_EQ(TokenOf(provider, Req({"a", "b"})), "token-1");
  EXPECT_EQ(TokenOf(provider, Req({"b", "a"})), "token-1");
  provider.Invalidate(Req({"b", "a", "a"}));
  EXPECT_EQ(provider.stats().entries, 0u);
  EXPECT_EQ(TokenOf(provider, Req({"b", "a"})), "token-2");
  EXPECT_EQ(TokenOf(provider, Req({"a", "b"})), "token-2");
  EXPECT_EQ(source_.calls(), 2);
}

TEST_F(TokenProviderTest, InvalidateOfAnUnknownRequestChangesNothing) {
  TokenProvider provider(source_, Options());
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  provider.Invalidate(Req({"z"}));
  EXPECT_EQ(TokenOf(provider, Req({"a"})), "token-1");
  EXPECT_EQ(source_.calls(), 1);
}

// ---- MakeTokenSource ----

TEST(MakeTokenSource, NamespaceIsIssuerAndClientIdAndFetchGoesToTheClient) {
  TokenClientOptions options;
  options.endpoints.issuer = "https://test.maskinporten.no/";
  options.client_id = "client-1";
  TokenClient client(options);  // no credentials: Fetch refuses without any I/O
  std::unique_ptr<TokenSource> source = MakeTokenSource(client);
  EXPECT_EQ(source->CacheNamespace(), "https://test.maskinporten.no/\nclient-1");
  Result<AccessToken> t = source->FetchToken(Req({"a"}));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace mp
