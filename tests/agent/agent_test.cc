// The token agent end to end over real sockets: a LocalMaskinporten (test controls on, so the
// test can count upstream requests in its journal and inject faults) issues real tokens; the
// agent serves them to callers over HTTP exactly as a program in another language would call it.
#include "maskinporten/agent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mutex.h"
#include "maskinporten/base64.h"
#include "maskinporten/jwk.h"
#include "maskinporten/local_maskinporten.h"
#include "testing/cli_runner.h"
#include "testing/jose_fixtures.h"
#include "testing/process.h"

namespace mp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;
using testing::TestKey;

constexpr std::string_view kScope = "nav:agent";
constexpr std::string_view kScope2 = "nav:agent2";
constexpr std::string_view kNotOnClient = "nav:other";

std::string PublicJwk(const PrivateKey& key, std::string_view kid) {
  return PublicKeyToJwk(key.public_key(), {.kid = std::string(kid), .alg = Algorithm::kRS256});
}

std::string PrivateJwk(const PrivateKey& key, std::string_view kid) {
  return PrivateKeyToJwk(key, {.kid = std::string(kid), .alg = Algorithm::kRS256});
}

// One client with two registered keys (k1: TestKey, k2: OtherTestKey) and two scopes; a third
// scope exists that the client does not have (MP-200).
std::string Seed() {
  const PrivateKey& k1 = TestKey(Algorithm::kRS256);
  const PrivateKey& k2 = testing::OtherTestKey(Algorithm::kRS256);
  return R"({
    "scopes": [
      {"prefix": "nav", "subscope": "agent", "owner_orgno": "889640782", "accessible_for_all": true},
      {"prefix": "nav", "subscope": "agent2", "owner_orgno": "889640782", "accessible_for_all": true},
      {"prefix": "nav", "subscope": "other", "owner_orgno": "889640782", "accessible_for_all": true}],
    "clients": [{"client_id": "agent-client", "client_name": "agent test",
                 "client_orgno": "910753614", "scopes": ["nav:agent", "nav:agent2"],
                 "keys": [)" +
         PublicJwk(k1, "k1") + "," + PublicJwk(k2, "k2") + "]}]}";
}

// Writes `text` to `path` as a deployment would: a new file renamed over the old one.
void ReplaceFile(const std::string& path, const std::string& text) {
  testing::WriteFile(path + ".new", text);
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
}

struct Reply {
  int status = 0;
  nlohmann::json body;
  std::string raw;
};

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalMaskinportenOptions o;
    o.seed_json = Seed();
    o.signing_key_pem = TestKey(Algorithm::kRS256).ToPkcs8Pem();  // skips key generation
    o.test_controls = true;
    o.web = false;
    o.threads = 2;
    Result<std::unique_ptr<LocalMaskinporten>> mp = LocalMaskinporten::Start(o);
    ASSERT_TRUE(mp.ok()) << mp.status().ToString();
    mp_ = std::move(*mp);
    jwk_file_ = dir_.File("client.jwk.json");
    testing::WriteFile(jwk_file_, PrivateJwk(TestKey(Algorithm::kRS256), "k1"));
  }

  AgentOptions Options() {
    AgentOptions o;
    o.client.issuer = mp_->issuer();
    o.client.client_id = "agent-client";
    o.client.jwk_file = jwk_file_;
    o.http = http_;
    o.threads = 2;
    o.retry.max_attempts = 2;
    o.retry.initial_backoff = std::chrono::milliseconds(1);
    o.retry.max_backoff = std::chrono::milliseconds(1);
    o.log = [this](std::string_view line) {
      MutexLock lock(log_mu_);
      log_.emplace_back(line);
    };
    return o;
  }

  void StartAgent(const AgentOptions& o) {
    Result<std::unique_ptr<Agent>> agent = Agent::Start(o);
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    agent_ = std::move(*agent);
  }
  void StartAgent() { StartAgent(Options()); }

  Reply Post(std::string_view path, const std::string& body,
             std::string content_type = "application/json") {
    Result<HttpResponse> r = http_->Send({.method = "POST",
                                          .url = agent_->base_url() + std::string(path),
                                          .headers = {{"Content-Type", content_type}},
                                          .body = body});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    Reply reply{.status = r->status,
                .body = nlohmann::json::parse(r->body, nullptr, false),
                .raw = r->body};
    return reply;
  }
  Reply Token(std::string_view scope, std::string extra = "") {
    return Post("/api/v1/token", R"({"identity_provider":"maskinporten","target":")" +
                                     std::string(scope) + "\"" + extra + "}");
  }
  Reply Introspect(const std::string& token) {
    return Post("/api/v1/introspect",
                nlohmann::json{{"identity_provider", "maskinporten"}, {"token", token}}.dump());
  }
  std::string Get(const std::string& url) {
    Result<HttpResponse> r = http_->Send({.method = "GET", .url = url});
    EXPECT_TRUE(r.ok() && r->status == 200);
    return r.ok() ? r->body : "";
  }
  // Token requests Maskinporten has seen (its journal).
  size_t UpstreamRequests() {
    nlohmann::json j = nlohmann::json::parse(Get(mp_->issuer() + "_local/journal?limit=1000"));
    return j["entries"].size();
  }
  void InjectFault(const std::string& json) {
    Result<HttpResponse> r = http_->Send({.method = "POST",
                                          .url = mp_->issuer() + "_local/faults",
                                          .headers = {{"Content-Type", "application/json"}},
                                          .body = json});
    ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  }
  std::vector<std::string> Log() {
    MutexLock lock(log_mu_);
    return log_;
  }

  TempDir dir_;
  std::string jwk_file_;
  std::shared_ptr<HttpClient> http_ = MakeCurlHttpClient();
  std::unique_ptr<LocalMaskinporten> mp_;
  std::unique_ptr<Agent> agent_;
  Mutex log_mu_;
  std::vector<std::string> log_ MP_GUARDED_BY(log_mu_);
};

TEST_F(AgentTest, FirstCallFetchesAndSecondIsACacheHitWithTheSameToken) {
  StartAgent();
  Reply first = Token(kScope);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.body["token_type"], "Bearer");
  EXPECT_GT(first.body["expires_in"].get<int64_t>(), 60);
  EXPECT_LE(first.body["expires_in"].get<int64_t>(), 120);
  Reply second = Token(kScope);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body["access_token"], first.body["access_token"]);
  EXPECT_EQ(UpstreamRequests(), 1u);
  EXPECT_EQ(agent_->stats().cache.hits, 1u);
  const std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_THAT(log[0], HasSubstr(R"("scope":"nav:agent","cache":"miss")"));
  EXPECT_THAT(log[1], HasSubstr(R"("scope":"nav:agent","cache":"hit")"));
}

TEST_F(AgentTest, FormBodyIsAcceptedAsJsonIs) {
  StartAgent();
  Reply r = Post("/api/v1/token", "identity_provider=maskinporten&target=nav%3Aagent",
                 "application/x-www-form-urlencoded");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(Token(kScope).body["access_token"], r.body["access_token"]);
}

TEST_F(AgentTest, SkipCacheFetchesANewToken) {
  StartAgent();
  Reply first = Token(kScope);
  Reply second = Token(kScope, R"(,"skip_cache":true)");
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_NE(second.body["access_token"], first.body["access_token"]);
  EXPECT_EQ(UpstreamRequests(), 2u);
  EXPECT_EQ(Token(kScope).body["access_token"], second.body["access_token"]);  // cached again
  EXPECT_EQ(UpstreamRequests(), 2u);
}

TEST_F(AgentTest, TwoHundredParallelCallsOnAMissMakeOneUpstreamRequest) {
  StartAgent();
  // The one upstream request is slow, so every caller arrives while it is in flight.
  InjectFault(R"({"count":1,"delay_ms":300})");
  constexpr int kCallers = 200;
  std::vector<std::thread> callers;
  std::vector<std::string> tokens(kCallers);
  std::atomic<int> ok{0};
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      Reply r = Token(kScope);
      if (r.status == 200) {
        ++ok;
        tokens[i] = r.body["access_token"].get<std::string>();
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(ok.load(), kCallers);
  for (const std::string& token : tokens) EXPECT_EQ(token, tokens[0]);
  EXPECT_EQ(UpstreamRequests(), 1u);
  EXPECT_EQ(agent_->stats().upstream_fetches, 1u);
}

TEST_F(AgentTest, Upstream503WithAValidCachedTokenServesItStale) {
  AgentOptions o = Options();
  o.cache.refresh_ahead = std::chrono::seconds(3600);  // every hit refreshes first...
  o.cache.background_refresh = false;                  // ...inline, in the request
  StartAgent(o);
  Reply first = Token(kScope);
  ASSERT_EQ(first.status, 200) << first.raw;
  InjectFault(R"({"count":10,"status":503})");
  Reply second = Token(kScope);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body["access_token"], first.body["access_token"]);
  EXPECT_GE(agent_->stats().cache.stale_served, 1u);
  EXPECT_GE(agent_->stats().cache.failures, 1u);
  EXPECT_THAT(Get(agent_->base_url() + "/metrics"),
              HasSubstr("maskinporten_agent_stale_served_total 1"));
}

TEST_F(AgentTest, Upstream503WithoutACachedTokenIsAnError) {
  StartAgent();
  InjectFault(R"({"count":10,"status":503})");
  Reply r = Token(kScope);
  EXPECT_EQ(r.status, 503) << r.raw;
  EXPECT_TRUE(r.body["error"].is_string()) << r.raw;
  EXPECT_TRUE(r.body["error_description"].is_string()) << r.raw;
}

TEST_F(AgentTest, UpstreamMp200IsReturnedAs400WithTheMpCodeAndTraceId) {
  StartAgent();
  Reply r = Token(kNotOnClient);
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body["error"], "invalid_scope");
  const std::string description = r.body["error_description"];
  EXPECT_THAT(description, HasSubstr("MP-200"));
  EXPECT_THAT(description, HasSubstr("nav:other"));
  EXPECT_THAT(description, HasSubstr("trace_id"));
  EXPECT_EQ(r.body.size(), 2u) << r.raw;  // {error, error_description}
  EXPECT_THAT(Get(agent_->base_url() + "/metrics"),
              HasSubstr(R"(endpoint="agent.token",status="400",mp_code="MP-200")"));
  const std::vector<std::string> log = Log();
  ASSERT_FALSE(log.empty());
  EXPECT_THAT(log.back(), HasSubstr(R"("mp_code":"MP-200")"));
}

TEST_F(AgentTest, RequestErrorsAre400InvalidRequest) {
  StartAgent();
  const std::pair<std::string, std::string> cases[] = {
      {R"({"identity_provider":"tokenx","target":"nav:agent"})", "not enabled"},
      {R"({"identity_provider":"maskinporten"})", "target is required"},
      {R"({"target":"nav:agent"})", "identity_provider is required"},
      {R"({"identity_provider":"maskinporten","target":"nav:agent","skip_cache":"yes"})",
       "skip_cache"},
      {R"({"identity_provider":"maskinporten","target":"nav:agent","consumer_org":"123"})",
       "consumer_org"},
      {R"({"identity_provider":"maskinporten","target":"nav:agent","authorization_details":[]})",
       "authorization_details"},
      {R"({"identity_provider":"maskinporten","target":1})", "target must be a string"},
      {"not json", "body"},
  };
  for (const auto& [body, text] : cases) {
    Reply r = Post("/api/v1/token", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.body["error"], "invalid_request") << body;
    EXPECT_THAT(r.body["error_description"].get<std::string>(), HasSubstr(text)) << body;
  }
  Reply text = Post("/api/v1/token", "identity_provider=maskinporten", "text/plain");
  EXPECT_EQ(text.status, 400);
  EXPECT_THAT(text.raw, HasSubstr("Content-Type"));
  EXPECT_EQ(UpstreamRequests(), 0u);
}

TEST_F(AgentTest, ScopeOutsideTheAllowlistIsRefusedWithoutAnUpstreamRequest) {
  AgentOptions o = Options();
  o.allowed_scopes = {std::string(kScope)};
  StartAgent(o);
  EXPECT_EQ(Token(kScope).status, 200);
  Reply r = Token(std::string(kScope) + " " + std::string(kScope2));
  EXPECT_EQ(r.status, 403) << r.raw;
  EXPECT_EQ(r.body["error"], "access_denied");
  EXPECT_THAT(r.raw, HasSubstr("nav:agent2"));
  EXPECT_EQ(UpstreamRequests(), 1u);
}

TEST_F(AgentTest, IntrospectsAValidTokenAsActiveWithItsClaims) {
  StartAgent();
  const std::string token = Token(kScope).body["access_token"];
  Reply r = Introspect(token);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["active"], true) << r.raw;
  EXPECT_EQ(r.body["iss"], mp_->issuer());
  EXPECT_EQ(r.body["scope"], "nav:agent");
  EXPECT_EQ(r.body["client_id"], "agent-client");
  EXPECT_EQ(r.body["consumer"]["ID"], "0192:910753614");
  EXPECT_EQ(r.raw.rfind(R"({"active":true,)", 0), 0u) << r.raw;
}

// Tokens the test signs with the emulator's own signing key (TestKey) and kid: only the named
// claim is wrong.
class AgentIntrospectTest : public AgentTest {
 protected:
  std::string Mint(const std::function<void(nlohmann::json&)>& change) {
    const std::string real = Token(kScope).body["access_token"];
    std::optional<testing::Segments> parts = testing::SplitCompact(real);
    EXPECT_TRUE(parts.has_value());
    Result<std::string> header = Base64UrlDecode(parts->header);
    Result<std::string> payload = Base64UrlDecode(parts->payload);
    EXPECT_TRUE(header.ok() && payload.ok());
    nlohmann::json claims = nlohmann::json::parse(*payload);
    change(claims);
    return testing::SignCompact(TestKey(Algorithm::kRS256), Algorithm::kRS256, *header,
                                claims.dump());
  }
  void ExpectInactive(const std::string& token, std::string_view error) {
    Reply r = Introspect(token);
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["active"], false) << r.raw;
    EXPECT_THAT(r.body["error"].get<std::string>(), HasSubstr(error)) << r.raw;
    EXPECT_EQ(r.body.size(), 2u) << r.raw;  // no claims of an inactive token
  }
};

TEST_F(AgentIntrospectTest, UntouchedMintedTokenIsActive) {
  StartAgent();
  EXPECT_EQ(Introspect(Mint([](nlohmann::json&) {})).body["active"], true);
}

TEST_F(AgentIntrospectTest, ExpiredTokenIsInactive) {
  StartAgent();
  ExpectInactive(Mint([](nlohmann::json& c) {
                   c["iat"] = c["iat"].get<int64_t>() - 3600;
                   c["exp"] = c["exp"].get<int64_t>() - 3600;
                 }),
                 "token_expired");
}

TEST_F(AgentIntrospectTest, WrongIssuerIsInactive) {
  StartAgent();
  ExpectInactive(Mint([](nlohmann::json& c) { c["iss"] = "https://test.maskinporten.no/"; }),
                 "issuer_mismatch");
}

TEST_F(AgentIntrospectTest, TamperedTokenIsInactive) {
  StartAgent();
  std::string token = Token(kScope).body["access_token"];
  const size_t payload_at = token.find('.') + 5;
  token[payload_at] = token[payload_at] == 'A' ? 'B' : 'A';
  ExpectInactive(token, "invalid_");  // invalid_signature, or invalid_json for a broken payload
  ExpectInactive("not.a.token", "");
}

TEST_F(AgentIntrospectTest, ResourceBoundTokenIsActive) {
  StartAgent();
  EXPECT_EQ(
      Introspect(Mint([](nlohmann::json& c) { c["aud"] = "https://api.example/"; })).body["active"],
      true);
}

TEST_F(AgentTest, ReplacedCredentialFileIsUsedForTheNextGrant) {
  StartAgent();
  ASSERT_EQ(Token(kScope).status, 200);
  // A key Maskinporten does not know: the next grant is refused, so it was used.
  ReplaceFile(jwk_file_, PrivateJwk(TestKey(Algorithm::kRS256), "k9"));
  Reply refused = Token(kScope2);
  EXPECT_EQ(refused.status, 400) << refused.raw;
  EXPECT_THAT(refused.raw, HasSubstr("kid"));
  // The other registered key: accepted.
  ReplaceFile(jwk_file_, PrivateJwk(testing::OtherTestKey(Algorithm::kRS256), "k2"));
  EXPECT_EQ(Token(kScope2, R"(,"skip_cache":true)").status, 200);
  EXPECT_EQ(agent_->stats().credential_reloads, 2u);
  const std::vector<std::string> log = Log();
  EXPECT_EQ(std::count_if(log.begin(), log.end(),
                          [](const std::string& l) {
                            return l.find("credential files changed: reloaded") !=
                                   std::string::npos;
                          }),
            2);
}

TEST_F(AgentTest, BrokenCredentialFileKeepsTheOldCredentialsAndLogsWhy) {
  StartAgent();
  ASSERT_EQ(Token(kScope).status, 200);
  ReplaceFile(jwk_file_, "{\"kty\":\"RSA\"");
  EXPECT_EQ(Token(kScope2).status, 200);  // signed with the old key
  EXPECT_EQ(agent_->stats().credential_reload_failures, 1u);
  EXPECT_EQ(Token(kScope, R"(,"skip_cache":true)").status, 200);
  EXPECT_EQ(agent_->stats().credential_reload_failures, 1u);  // not retried until it changes
  const std::vector<std::string> log = Log();
  const auto it = std::find_if(log.begin(), log.end(), [](const std::string& l) {
    return l.find("not reloaded") != std::string::npos;
  });
  ASSERT_NE(it, log.end());
  EXPECT_THAT(*it, HasSubstr(R"("level":"error")"));
  EXPECT_THAT(*it, HasSubstr("client.jwk.json"));
  // Explicit reload (SIGHUP) of a broken file: refused, old credentials kept.
  EXPECT_FALSE(agent_->ReloadCredentials().ok());
  EXPECT_EQ(Token(kScope, R"(,"skip_cache":true)").status, 200);
  // Fixed: SIGHUP's reload takes it.
  testing::WriteFile(jwk_file_, PrivateJwk(testing::OtherTestKey(Algorithm::kRS256), "k2"));
  EXPECT_TRUE(agent_->ReloadCredentials().ok());
  EXPECT_EQ(Token(kScope, R"(,"skip_cache":true)").status, 200);
}

TEST_F(AgentTest, LogLinesAreJsonAndNeverHoldATokenOrGrant) {
  StartAgent();
  const std::string token = Token(kScope).body["access_token"];
  Introspect(token);
  Token(kNotOnClient);
  const std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 3u);
  const std::string signature = token.substr(token.rfind('.') + 1);
  for (const std::string& line : log) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("latency_ms")) << line;
    EXPECT_THAT(line, Not(HasSubstr(signature)));
    EXPECT_THAT(line, Not(HasSubstr("eyJ")));  // no JWS of any kind
  }
}

TEST_F(AgentTest, HealthAndMetrics) {
  StartAgent();
  for (const char* path : {"/health", "/healthz", "/"}) {
    EXPECT_EQ(Get(agent_->base_url() + path), R"({"status":"ok"})") << path;
  }
  Token(kScope);
  Token(kScope);
  const std::string metrics = Get(agent_->base_url() + "/metrics");
  EXPECT_THAT(metrics, HasSubstr("maskinporten_agent_cache_hits_total 1\n"));
  EXPECT_THAT(metrics, HasSubstr("maskinporten_agent_cache_misses_total 1\n"));
  EXPECT_THAT(metrics, HasSubstr("maskinporten_agent_upstream_fetches_total 1\n"));
  EXPECT_THAT(metrics, HasSubstr("maskinporten_agent_token_requests_total 2\n"));
  EXPECT_THAT(metrics, HasSubstr(R"(endpoint="upstream.token")"));
  EXPECT_THAT(
      metrics,
      HasSubstr(
          R"(maskinporten_http_request_duration_seconds_count{endpoint="upstream.token"} 1)"));
}

TEST_F(AgentTest, RefusesANonLoopbackAddressUnlessRemoteIsAllowedWithTls) {
  AgentOptions o = Options();
  for (const char* listen : {"0.0.0.0:0", "*:0", "[::]:0", "192.0.2.1:0", ":0"}) {
    o.listen = listen;
    Result<std::unique_ptr<Agent>> a = Agent::Start(o);
    ASSERT_FALSE(a.ok()) << listen;
    EXPECT_EQ(a.status().code(), Errc::kInvalidArgument);
    EXPECT_THAT(a.status().message(), HasSubstr("loopback")) << listen;
  }
  o.listen = "0.0.0.0:0";
  o.allow_remote = true;
  Result<std::unique_ptr<Agent>> a = Agent::Start(o);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("TLS"));
  for (const char* listen : {"127.0.0.1:0", "localhost:0", "[::1]:0"}) {
    o = Options();
    o.listen = listen;
    Result<std::unique_ptr<Agent>> ok = Agent::Start(o);
    EXPECT_TRUE(ok.ok() || ok.status().code() == Errc::kIoError) << listen;  // no IPv6: I/O
  }
}

TEST_F(AgentTest, StartFailsOnCredentialsThatDoNotLoad) {
  AgentOptions o = Options();
  o.client.jwk_file = dir_.File("missing.json");
  Result<std::unique_ptr<Agent>> a = Agent::Start(o);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("missing.json"));
}

TEST_F(AgentTest, StopIsGracefulAndIdempotent) {
  StartAgent();
  ASSERT_EQ(Token(kScope).status, 200);
  agent_->Stop();
  agent_->Stop();
  agent_->Wait();
  Result<HttpResponse> r = http_->Send({.method = "GET", .url = agent_->base_url() + "/health"});
  EXPECT_FALSE(r.ok());
}

TEST_F(AgentTest, ServesOnAUnixSocketOnlyItsUserCanReach) {
  AgentOptions o = Options();
  const std::string path = dir_.File("agent.sock");
  o.unix_socket = path;
  o.listen = "0.0.0.0:0";  // ignored: the socket replaces the address (and its loopback rule)
  StartAgent(o);
  EXPECT_EQ(agent_->unix_socket(), path);
  EXPECT_EQ(agent_->port(), 0);
  EXPECT_EQ(agent_->token_endpoint(), "http://localhost/api/v1/token");
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  // The library's own client over the socket (CurlOptions::unix_socket): a miss, then a hit.
  std::shared_ptr<HttpClient> over_socket = MakeCurlHttpClient({.unix_socket = path});
  std::string tokens[2];
  for (std::string& token : tokens) {
    Result<HttpResponse> r =
        over_socket->Send({.method = "POST",
                           .url = agent_->token_endpoint(),
                           .headers = {{"Content-Type", "application/json"}},
                           .body = R"({"identity_provider":"maskinporten","target":"nav:agent"})"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200) << r->body;
    token = nlohmann::json::parse(r->body)["access_token"];
  }
  EXPECT_EQ(tokens[0], tokens[1]);
  EXPECT_EQ(UpstreamRequests(), 1u);
  const std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_THAT(log[1], HasSubstr(R"("remote":"unix")"));

  agent_->Stop();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(AgentTest, UnixSocketRefusesTlsAndAFileInTheWay) {
  AgentOptions o = Options();
  o.unix_socket = dir_.File("agent.sock");
  o.tls_cert_pem = "cert";
  o.tls_key_pem = "key";
  Result<std::unique_ptr<Agent>> tls = Agent::Start(o);
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(tls.status().message(), HasSubstr("plain HTTP"));

  o = Options();
  o.unix_socket = jwk_file_;  // a regular file: never replaced
  Result<std::unique_ptr<Agent>> file = Agent::Start(o);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), Errc::kIoError);
  EXPECT_THAT(file.status().message(), HasSubstr("not a socket"));
  EXPECT_EQ(testing::ReadFile(jwk_file_), PrivateJwk(TestKey(Algorithm::kRS256), "k1"));
}

}  // namespace
}  // namespace mp
