// Service-level acceptance tests of the local Maskinporten's token endpoint (SPEC §3-§6): real
// requests as HttpRequest values against a seeded in-memory registry, no sockets.
#include "server/token/token_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mutex.h"
#include "maskinporten/base64.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "server/server_fixtures.h"

namespace mp::server {
namespace {

using namespace mp::server::testing;  // NOLINT(google-build-using-namespace)
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// The payload's member names in wire order.
std::vector<std::string> PayloadMemberOrder(const http::HttpResponse& r) {
  std::string token = Body(r)["access_token"].get<std::string>();
  size_t a = token.find('.');
  size_t b = token.find('.', a + 1);
  Result<std::string> raw = Base64UrlDecode(token.substr(a + 1, b - a - 1));
  std::vector<std::string> names;
  if (!raw.ok()) return names;
  OrderedJson payload = OrderedJson::parse(*raw, nullptr, false);
  if (!payload.is_object()) return names;
  for (auto it = payload.begin(); it != payload.end(); ++it) names.push_back(it.key());
  return names;
}

std::string AccessToken(const http::HttpResponse& r) {
  return Body(r)["access_token"].get<std::string>();
}

Json Party(std::string_view org) {
  return {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:" + std::string(org)}};
}

// Verifies `token` against the JWKS the service publishes at /jwk.
Status VerifyAgainstPublishedJwks(const Env& env, std::string_view token) {
  http::HttpResponse jwk =
      env.service->HandleJwks(http::HttpRequest{.method = "GET", .path = "/jwk"});
  MP_ASSIGN_OR_RETURN(Jwks jwks, Jwks::Parse(jwk.body));
  return VerifyJws(token, jwks, VerifyOptions{Algorithm::kRS256}).status();
}

bool HasHeader(const http::HttpResponse& r, std::string_view name, std::string_view value) {
  for (const auto& [n, v] : r.headers) {
    if (n == name && v == value) return true;
  }
  return false;
}

TEST(TokenService, KidGrantIssuesTokenWithEveryClaimInServerOrder) {
  auto env = MakeEnv();
  http::HttpResponse r = env->Post(SignGrant(KidGrant("test:read")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.labels.route, "token");
  EXPECT_TRUE(HasHeader(r, "Cache-Control", "no-store"));
  std::string token = AccessToken(r);
  EXPECT_EQ(r.body, R"({"access_token":")" + token +
                        R"(","token_type":"Bearer","expires_in":119,"scope":"test:read"})");
  EXPECT_EQ(JwtHeaderJson(token),
            R"({"kid":")" + ServerKey().public_key().Thumbprint() + R"(","alg":"RS256"})");
  EXPECT_THAT(PayloadMemberOrder(r),
              ::testing::ElementsAre("scope", "iss", "client_amr", "token_type", "exp", "iat",
                                     "client_id", "jti", "consumer"));
  Json p = JwtPayload(token);
  EXPECT_EQ(p["scope"], "test:read");
  EXPECT_EQ(p["iss"], std::string(kIssuer));
  EXPECT_EQ(p["client_amr"], "private_key_jwt");
  EXPECT_EQ(p["token_type"], "Bearer");
  EXPECT_EQ(p["iat"], kNow);
  EXPECT_EQ(p["exp"], kNow + 120);
  EXPECT_EQ(p["client_id"], "kid-client");
  EXPECT_TRUE(std::regex_match(p["jti"].get<std::string>(), std::regex("[A-Za-z0-9_-]{43}")));
  EXPECT_EQ(p["consumer"], Party(kClientOrg));
  EXPECT_TRUE(VerifyAgainstPublishedJwks(*env, token).ok());
}

TEST(TokenService, CertificateGrantIssuesTokenForTheCertificatesOrg) {
  auto env = MakeEnv(PkiConfig());
  http::HttpResponse r = env->Post(SignGrant(CertGrant(CertLeaf())));
  ASSERT_EQ(r.status, 200) << r.body;
  Json p = JwtPayload(AccessToken(r));
  EXPECT_THAT(PayloadMemberOrder(r),
              ::testing::ElementsAre("scope", "iss", "client_amr", "token_type", "exp", "iat",
                                     "client_id", "jti", "consumer"));
  EXPECT_EQ(p["client_amr"], "virksomhetssertifikat");
  EXPECT_EQ(p["client_id"], "cert-client");
  EXPECT_EQ(p["consumer"], Party(kCertOrg));
  EXPECT_EQ(p["scope"], "test:read");
  EXPECT_EQ(p["iss"], std::string(kIssuer));
  EXPECT_EQ(p["exp"].get<int64_t>() - p["iat"].get<int64_t>(), 120);
  EXPECT_TRUE(VerifyAgainstPublishedJwks(*env, AccessToken(r)).ok());
}

TEST(TokenService, DelegatedGrantNamesConsumerSupplierAndDelegationSource) {
  auto env = MakeEnv();
  http::HttpResponse r = env->Post(SignGrant(DelegatedGrant("test:delegable")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(
      PayloadMemberOrder(r),
      ::testing::ElementsAre("scope", "iss", "client_amr", "token_type", "exp", "iat", "client_id",
                             "jti", "consumer", "supplier", "delegation_source"));
  Json p = JwtPayload(AccessToken(r));
  EXPECT_EQ(p["consumer"], Party(kConsumerOrg));
  EXPECT_EQ(p["supplier"], Party(kSupplierOrg));
  EXPECT_EQ(p["delegation_source"], "https://tt02.altinn.no/");
  EXPECT_EQ(p["client_id"], "supplier-client");
  EXPECT_EQ(p["client_amr"], "private_key_jwt");
  EXPECT_TRUE(VerifyAgainstPublishedJwks(*env, AccessToken(r)).ok());
}

TEST(TokenService, ResourceStringBecomesAudString) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["resource"] = "https://api.example.no/";
  http::HttpResponse r = env->Post(SignGrant(g));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JwtPayload(AccessToken(r))["aud"], "https://api.example.no/");
  EXPECT_EQ(PayloadMemberOrder(r).back(), "aud");
}

TEST(TokenService, ResourceArrayBecomesAudArray) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["resource"] = {"https://a.example.no/", "https://b.example.no/"};
  http::HttpResponse r = env->Post(SignGrant(g));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JwtPayload(AccessToken(r))["aud"],
            Json({"https://a.example.no/", "https://b.example.no/"}));
}

TEST(TokenService, PidIsCopiedAfterAud) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["pid"] = std::string(kPid);
  g.claims["resource"] = "urn:r";
  http::HttpResponse r = env->Post(SignGrant(g));
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> order = PayloadMemberOrder(r);
  ASSERT_GE(order.size(), 2u);
  EXPECT_EQ(order[order.size() - 2], "aud");
  EXPECT_EQ(order.back(), "pid");
  EXPECT_EQ(JwtPayload(AccessToken(r))["pid"], std::string(kPid));
}

TEST(TokenService, ConsentAuthorizationDetailsAreEchoedWithTo) {
  auto env = MakeEnv();
  // The consent, as the local Altinn stand-in stores it (altinn_consent_test.cc has the rest).
  ASSERT_TRUE(env->store
                  ->CreateConsent({.authorization_code = "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a",
                                   .covered_by = std::string(kConsumerOrg),
                                   .offered_by = std::string(kPid),
                                   .valid_to = 1800000000,
                                   .status = ConsentStatus::kAccepted,
                                   .decided = 1700000000})
                  .ok());
  GrantSpec g = DelegatedGrant();
  g.claims["authorization_details"] = {
      {{"type", "urn:altinn:consent"},
       {"id", "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a"},
       {"from", "urn:altinn:person:identifier-no:" + std::string(kPid)}}};
  http::HttpResponse r = env->Post(SignGrant(g));
  ASSERT_EQ(r.status, 200) << r.body;
  Json details = JwtPayload(AccessToken(r))["authorization_details"];
  Json want = Json::array({{{"type", "urn:altinn:consent"},
                            {"id", "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a"},
                            {"from", "urn:altinn:person:identifier-no:" + std::string(kPid)},
                            {"to", Party(kConsumerOrg)},
                            {"consented", "2023-11-14T22:13:20Z"},
                            {"validTo", "2027-01-15T08:00:00Z"},
                            {"consentRights", Json::array()}}});
  EXPECT_EQ(details, want);
  EXPECT_EQ(PayloadMemberOrder(r).back(), "authorization_details");
}

// SPEC §15: a system user grant needs a registered system holding the client and an approved
// system user (system_users_test.cc has the whole flow); without one it is MP-303.
TEST(TokenService, SystemUserWithoutAnApprovedSystemUserIsMp303) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["authorization_details"] = {
      {{"type", "urn:altinn:systemuser"}, {"systemuser_org", Party(kConsumerOrg)}}};
  http::HttpResponse r = env->Post(SignGrant(g));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Body(r)["error"], "invalid_altinn_customer_configuration");
  EXPECT_EQ(Body(r)["error_uri"], env->config.issuer + "errors/MP-303");
}

TEST(TokenService, GrantedScopesAreSpaceJoinedWithoutDuplicates) {
  auto env = MakeEnv();
  http::HttpResponse r = env->Post(SignGrant(KidGrant("test:read  test:write test:read")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["scope"], "test:read test:write");
  EXPECT_EQ(JwtPayload(AccessToken(r))["scope"], "test:read test:write");
}

// --- switches -------------------------------------------------------------------------------

TEST(TokenService, AudUnspecifiedSwitchEmitsAudWithoutResource) {
  ServerConfig config = FixtureConfig();
  config.emit_aud_unspecified = true;
  auto env = MakeEnv(config);
  http::HttpResponse r = env->Post(SignGrant(KidGrant()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JwtPayload(AccessToken(r))["aud"], "unspecified");
}

TEST(TokenService, AudIsOmittedWithoutResourceByDefault) {
  auto env = MakeEnv();
  http::HttpResponse r = env->Post(SignGrant(KidGrant()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(JwtPayload(AccessToken(r)).contains("aud"));
  EXPECT_FALSE(JwtPayload(AccessToken(r)).contains("client_orgno"));
}

TEST(TokenService, ClientOrgnoSwitchEmitsClientOrgnoLast) {
  ServerConfig config = FixtureConfig();
  config.emit_client_orgno = true;
  auto env = MakeEnv(config);
  http::HttpResponse r = env->Post(SignGrant(DelegatedGrant()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JwtPayload(AccessToken(r))["client_orgno"], std::string(kSupplierOrg));
  EXPECT_EQ(PayloadMemberOrder(r).back(), "client_orgno");
}

TEST(TokenService, ExplicitDelegationSourceIsUsed) {
  ServerConfig config = FixtureConfig();
  config.delegation_source = "https://altinn.local/";
  auto env = MakeEnv(config);
  http::HttpResponse r = env->Post(SignGrant(DelegatedGrant()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JwtPayload(AccessToken(r))["delegation_source"], "https://altinn.local/");
}

TEST(TokenService, ProdEnvironmentDelegationSourceDefaultsToAltinnProd) {
  ServerConfig config = FixtureConfig();
  config.environment = CertEnvironment::kProd;
  auto env = MakeEnv(config);
  http::HttpResponse r = env->Post(SignGrant(DelegatedGrant()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JwtPayload(AccessToken(r))["delegation_source"], "https://www.altinn.no/");
}

// --- lifetime -------------------------------------------------------------------------------

int64_t Lifetime(const http::HttpResponse& r) {
  Json p = JwtPayload(AccessToken(r));
  return p["exp"].get<int64_t>() - p["iat"].get<int64_t>();
}

TEST(TokenService, LifetimeIsClientLifetimeAndExpiresInOneLess) {
  auto env = MakeEnv();
  ClientRecord c = **env->store->GetClient("kid-client");
  c.access_token_lifetime = 30;
  ASSERT_TRUE(env->store->UpdateClient(c).ok());
  http::HttpResponse r = env->Post(SignGrant(KidGrant()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Lifetime(r), 30);
  EXPECT_EQ(Body(r)["expires_in"], 29);
}

TEST(TokenService, LifetimeFallsBackToConfigDefaultWhenClientSetsNone) {
  ServerConfig config = FixtureConfig();
  config.default_token_lifetime_seconds = 300;
  auto env = MakeEnv(config);
  ClientRecord c = **env->store->GetClient("kid-client");
  c.access_token_lifetime = 0;
  ASSERT_TRUE(env->store->UpdateClient(c).ok());
  http::HttpResponse r = env->Post(SignGrant(KidGrant()));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Lifetime(r), 300);
  EXPECT_EQ(Body(r)["expires_in"], 299);
}

TEST(TokenService, ScopeAtMaxAgeCapsLifetime) {
  auto env = MakeEnv();
  http::HttpResponse r = env->Post(SignGrant(KidGrant("test:read test:short")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Lifetime(r), 60);
  EXPECT_EQ(Body(r)["expires_in"], 59);
}

TEST(TokenService, ScopeAtMaxAgeNeverExtendsLifetime) {
  auto env = MakeEnv();
  http::HttpResponse r = env->Post(SignGrant(KidGrant("test:long")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Lifetime(r), 120);
}

// --- HTTP and form rules --------------------------------------------------------------------

TEST(TokenService, RefusesGetWith405) {
  auto env = MakeEnv();
  http::HttpRequest req = FormRequest(FormBody(SignGrant(KidGrant())));
  req.method = "GET";
  http::HttpResponse r = env->service->HandleToken(req);
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(HasHeader(r, "Allow", "POST"));
}

TEST(TokenService, RefusesNonFormContentTypeWithInvalidRequest) {
  auto env = MakeEnv();
  http::HttpRequest req = FormRequest(FormBody(SignGrant(KidGrant())));
  req.headers = {{"content-type", "application/json"}};
  http::HttpResponse r = env->service->HandleToken(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["error"], "invalid_request");
  EXPECT_FALSE(Body(r).contains("error_uri"));
  EXPECT_TRUE(std::regex_match(Body(r)["error_description"].get<std::string>(),
                               std::regex(".+ \\(trace_id: [0-9a-f]{32}\\)")));
}

TEST(TokenService, AcceptsFormContentTypeWithParameters) {
  auto env = MakeEnv();
  http::HttpRequest req = FormRequest(FormBody(SignGrant(KidGrant())));
  req.headers = {{"content-type", "Application/X-WWW-Form-URLEncoded; charset=UTF-8"}};
  EXPECT_EQ(env->service->HandleToken(req).status, 200);
}

TEST(TokenService, RefusesRepeatedParameterWithInvalidRequest) {
  auto env = MakeEnv();
  std::string body = FormBody(SignGrant(KidGrant())) + "&assertion=x";
  http::HttpResponse r = env->service->HandleToken(FormRequest(body));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["error"], "invalid_request");
}

TEST(TokenService, RefusesMissingGrantTypeWithInvalidRequest) {
  auto env = MakeEnv();
  http::HttpResponse r = env->service->HandleToken(FormRequest("assertion=a.b.c"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["error"], "invalid_request");
}

TEST(TokenService, RefusesOtherGrantTypeWithUnsupportedGrantType) {
  auto env = MakeEnv();
  http::HttpResponse r =
      env->service->HandleToken(FormRequest("grant_type=client_credentials&assertion=a.b.c"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["error"], "unsupported_grant_type");
  EXPECT_EQ(r.labels.outcome, "");
}

TEST(TokenService, RefusesMissingAssertionWithInvalidRequest) {
  auto env = MakeEnv();
  http::HttpResponse r = env->service->HandleToken(
      FormRequest("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["error"], "invalid_request");
}

TEST(TokenService, GeneratesTraceIdWhenRequestHasNone) {
  auto env = MakeEnv();
  http::HttpRequest req = FormRequest("grant_type=x");
  req.trace_id.clear();
  http::HttpResponse r = env->service->HandleToken(req);
  EXPECT_TRUE(std::regex_match(Body(r)["error_description"].get<std::string>(),
                               std::regex("Unsupported grant_type \\(trace_id: [0-9a-f]{32}\\)")));
}

TEST(TokenService, ReportsEveryOutcomeWithClientIdAndJti) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims["jti"] = "jti-1";
  std::string grant = SignGrant(g);
  ASSERT_EQ(env->Post(grant).status, 200);
  ASSERT_EQ(env->Post(grant).status, 400);
  ASSERT_EQ(env->service->HandleToken(FormRequest("grant_type=x")).status, 400);
  std::vector<TokenOutcome> o = env->Outcomes();
  ASSERT_EQ(o.size(), 3u);
  EXPECT_TRUE(o[0].issued);
  EXPECT_EQ(o[0].client_id, "kid-client");
  EXPECT_EQ(o[0].jti, "jti-1");
  EXPECT_EQ(o[0].time, kNow);
  EXPECT_FALSE(o[1].issued);
  EXPECT_EQ(o[1].mp_code, "MP-012");
  EXPECT_EQ(o[1].error, "invalid_grant");
  EXPECT_EQ(o[1].client_id, "kid-client");
  EXPECT_EQ(o[1].jti, "jti-1");
  EXPECT_FALSE(o[2].issued);
  EXPECT_EQ(o[2].error, "unsupported_grant_type");
  EXPECT_EQ(o[2].client_id, "");
}

TEST(TokenService, RefusalDetailNeverContainsTheAssertion) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.key = &ForeignKey();
  std::string grant = SignGrant(g);
  ASSERT_EQ(env->Post(grant).status, 400);
  std::vector<TokenOutcome> o = env->Outcomes();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].mp_code, "MP-124");
  EXPECT_EQ(o[0].detail.find(grant.substr(grant.rfind('.') + 1)), std::string::npos);
}

// --- replay ---------------------------------------------------------------------------------

TEST(TokenService, SameGrantTwiceIsRefusedWithMp012) {
  auto env = MakeEnv();
  std::string grant = SignGrant(KidGrant());
  ASSERT_EQ(env->Post(grant).status, 200);
  EXPECT_TRUE(IsRefusal(env->Post(grant), MpError::kMp012, "Grant is used before"));
}

TEST(TokenService, GrantWithoutJtiIsUsableOnceByItsHash) {
  auto env = MakeEnv();
  GrantSpec g = KidGrant();
  g.claims.erase("jti");
  std::string grant = SignGrant(g);
  ASSERT_EQ(env->Post(grant).status, 200);
  EXPECT_TRUE(IsRefusal(env->Post(grant), MpError::kMp012, "Grant is used before"));
  g.claims["iat"] = kNow - 1;  // another grant without jti is another replay key
  g.claims["exp"] = kNow + 119;
  EXPECT_EQ(env->Post(SignGrant(g)).status, 200);
}

TEST(TokenService, SameGrantFromTwentyThreadsIsIssuedExactlyOnce) {
  auto env = MakeEnv();
  std::string grant = SignGrant(KidGrant());
  std::atomic<int> ok{0}, replayed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      http::HttpResponse r = env->Post(grant);
      if (r.status == 200) ++ok;
      if (r.labels.outcome == "MP-012") ++replayed;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(replayed.load(), 19);
}

TEST(TokenService, TwoHundredDistinctGrantsFromEightThreadsAllSucceed) {
  auto env = MakeEnv();
  std::vector<std::string> grants;
  for (int i = 0; i < 200; ++i) grants.push_back(SignGrant(KidGrant()));
  std::atomic<int> next{0};
  Mutex mu;
  std::set<std::string> jtis;
  int failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < 200; i = next++) {
        http::HttpResponse r = env->Post(grants[i]);
        MutexLock lock(mu);
        if (r.status != 200) {
          ++failures;
          continue;
        }
        jtis.insert(JwtPayload(AccessToken(r))["jti"].get<std::string>());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  MutexLock lock(mu);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(jtis.size(), 200u);
}

// --- metadata and JWKS ----------------------------------------------------------------------

TEST(TokenService, MetadataListsSpecFieldsWithUrlsFromTheIssuer) {
  auto env = MakeEnv();
  http::HttpResponse r = env->service->HandleMetadata(http::HttpRequest{.method = "GET"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(
      r.body,
      R"({"issuer":"http://127.0.0.1:7000/","token_endpoint":"http://127.0.0.1:7000/token",)"
      R"("jwks_uri":"http://127.0.0.1:7000/jwk",)"
      R"("token_endpoint_auth_methods_supported":["private_key_jwt"],)"
      R"("grant_types_supported":["urn:ietf:params:oauth:grant-type:jwt-bearer"],)"
      R"("token_endpoint_auth_signing_alg_values_supported":["RS256","RS384","RS512"],)"
      R"("authorization_details_types_supported":["urn:altinn:systemuser","urn:altinn:consent"]})");
}

TEST(TokenService, JwksServesTheCurrentKeySet) {
  auto env = MakeEnv();
  http::HttpResponse r = env->service->HandleJwks(http::HttpRequest{.method = "GET"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, env->keys->Snapshot()->jwks_json);
  Result<Jwks> jwks = Jwks::Parse(r.body);
  ASSERT_TRUE(jwks.ok());
  const Jwk* k = jwks->Find(ServerKey().public_key().Thumbprint());
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->use, "sig");
  EXPECT_EQ(k->alg_name, "RS256");
}

// A replay store whose claims fail with a fixed status (a Redis that is down, a broken disk).
class FailingReplayStore final : public ReplayStore {
 public:
  explicit FailingReplayStore(Status status) : status_(std::move(status)) {}
  Result<bool> Claim(std::string_view, int64_t, int64_t) override { return status_; }
  Status Reset() override { return status_; }
  Status Probe() override { return status_; }

 private:
  Status status_;
};

// Issue 18: a jti that cannot be claimed is never a token. An unreachable backend is an outage
// (503, retried by clients), any other store failure a fault (500); both server_error, with the
// cause in the journal and not in the answer.
TEST(TokenService, UnclaimableJtiIsNeverATokenAndAnOutageIs503) {
  auto env = MakeEnv();
  const std::vector<std::pair<Status, int>> cases = {
      {Status(Errc::kNetworkError, "redis 127.0.0.1:6379: connection refused"), 503},
      {Status(Errc::kIoError, "disk I/O error"), 500}};
  for (const auto& [failure, http_status] : cases) {
    FailingReplayStore replay(failure);
    TokenService service(env->config, *env->store, replay, *env->keys, env->clock);
    std::string detail;
    service.on_outcome = [&detail](const TokenOutcome& o) {
      EXPECT_FALSE(o.issued);
      detail = o.detail;
    };
    http::HttpResponse r = service.HandleToken(FormRequest(FormBody(SignGrant(KidGrant()))));
    EXPECT_EQ(r.status, http_status) << r.body;
    nlohmann::json body = Body(r);
    EXPECT_EQ(body["error"], "server_error");
    EXPECT_FALSE(body.contains("access_token"));
    EXPECT_THAT(body["error_description"].get<std::string>(),
                ::testing::Not(::testing::HasSubstr(failure.message())));
    EXPECT_THAT(detail, ::testing::HasSubstr(failure.message()));
  }
}

}  // namespace
}  // namespace mp::server
