// `maskinporten bench token` against a fake token endpoint on loopback: what it counts, how it
// connects, what it reports and how it fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/json.h"
#include "maskinporten/base64.h"
#include "testing/cli_runner.h"
#include "testing/fake_token_server.h"

namespace mp {
namespace {

using testing::Cli;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::FakeTokenServer;
using ::testing::HasSubstr;
using testing::ProcessResult;
using testing::TempDir;

std::string FormValue(const std::string& body, const std::string& name) {
  size_t p = body.find(name + "=");
  if (p == std::string::npos) return "";
  size_t e = body.find('&', p);
  std::string v = body.substr(p + name.size() + 1,
                              e == std::string::npos ? std::string::npos : e - p - name.size() - 1);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      out.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

// The claims of a compact JWS, or null.
nlohmann::json Claims(const std::string& assertion) {
  size_t a = assertion.find('.');
  size_t b = assertion.find('.', a + 1);
  if (a == std::string::npos || b == std::string::npos) return nullptr;
  Result<std::string> raw = Base64UrlDecode(assertion.substr(a + 1, b - a - 1));
  if (!raw.ok()) return nullptr;
  Result<nlohmann::json> j = ParseStrictJsonObject(*raw);
  return j.ok() ? *j : nullptr;
}

class BenchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessResult k = Cli({"keygen", "--kid", "k1", "--out", dir_.File("k.pem")});
    ASSERT_EQ(k.exit_code, 0) << k.err;
  }
  std::vector<std::string> Args(std::vector<std::string> extra) {
    std::vector<std::string> a = {"bench",          "token",
                                  "--url",          server_.Url() + "token",
                                  "--client-id",    "bench-client",
                                  "--scope",        "demo:api",
                                  "--key",          dir_.File("k.pem"),
                                  "--kid",          "k1",
                                  "--warmup",       "0",
                                  "--grants",       "400",
                                  "--sign-threads", "1",
                                  "--quiet"};
    if (std::find(extra.begin(), extra.end(), "--grants") != extra.end()) {
      a.erase(std::find(a.begin(), a.end(), "--grants"), std::find(a.begin(), a.end(), "400") + 1);
    }
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  // Runs the bench with --json and parses its output.
  nlohmann::json RunJson(std::vector<std::string> extra, int expected_exit = 0) {
    extra.push_back("--json");
    ProcessResult r = Cli(Args(extra));
    EXPECT_EQ(r.exit_code, expected_exit) << r.err;
    Result<nlohmann::json> j = ParseStrictJsonObject(r.out);
    EXPECT_TRUE(j.ok()) << r.out << r.err;
    return j.ok() ? *j : nlohmann::json::object();
  }
  TempDir dir_;
  FakeTokenServer server_;
};

FakeResponse Token(const FakeRequest& r) {
  if (r.method != "POST" || r.target != "/token") return FakeResponse{.status = 404};
  return testing::FakeTokenResponse("tok", 119, "demo:api");
}

TEST_F(BenchCli, CountsTokensAndReportsSanePercentilesAsJson) {
  server_.SetHandler(Token);
  nlohmann::json j = RunJson({"--connections", "2", "--duration", "0.5"});
  ASSERT_TRUE(j.contains("ok")) << j.dump();
  uint64_t ok = j["ok"];
  EXPECT_GT(ok, 0u);
  EXPECT_EQ(j["errors"], 0);
  EXPECT_EQ(j["requests"], ok);
  EXPECT_LE(ok, server_.RequestCount());
  EXPECT_NEAR(j["tokens_per_s"].get<double>(), static_cast<double>(ok) / 0.5, 1.0);
  const nlohmann::json& lat = j["latency_ms"];
  EXPECT_GT(lat["p50"].get<double>(), 0);
  EXPECT_LE(lat["p50"].get<double>(), lat["p90"].get<double>());
  EXPECT_LE(lat["p90"].get<double>(), lat["p99"].get<double>());
  EXPECT_LE(lat["p99"].get<double>(), lat["max"].get<double>());
  EXPECT_EQ(j["connections"], 2);
  EXPECT_TRUE(j["errors_by_kind"].is_object());
  EXPECT_EQ(j["grants"]["presigned"], 400);
  EXPECT_GT(j["grants"]["sign_per_s"].get<double>(), 0);
}

TEST_F(BenchCli, UsesOneKeepAliveConnectionPerThread) {
  server_.SetHandler(Token);
  nlohmann::json j = RunJson({"--connections", "3", "--duration", "0.3"});
  EXPECT_GT(j["ok"].get<uint64_t>(), 3u);
  EXPECT_EQ(server_.ConnectionCount(), 4u);  // a probe before signing, then one per thread
  EXPECT_EQ(j["reconnects"], 0);
}

TEST_F(BenchCli, PostsAFreshlySignedGrantWithANewJtiEveryTime) {
  server_.SetHandler(Token);
  RunJson({"--connections", "2", "--duration", "0.3"});
  std::vector<FakeRequest> reqs = server_.Requests();
  ASSERT_GT(reqs.size(), 2u);
  std::set<std::string> jtis;
  for (const FakeRequest& r : reqs) {
    EXPECT_EQ(r.Header("content-type").value_or(""), "application/x-www-form-urlencoded");
    EXPECT_EQ(FormValue(r.body, "grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
    nlohmann::json claims = Claims(FormValue(r.body, "assertion"));
    ASSERT_TRUE(claims.is_object()) << r.body;
    EXPECT_EQ(claims["aud"], server_.Url());  // the URL without "token"
    EXPECT_EQ(claims["iss"], "bench-client");
    EXPECT_EQ(claims["scope"], "demo:api");
    jtis.insert(claims["jti"].get<std::string>());
  }
  EXPECT_EQ(jtis.size(), reqs.size());
}

TEST_F(BenchCli, KeepsSigningWhenThePreSignedPoolRunsDry) {
  server_.SetHandler(Token);
  nlohmann::json j = RunJson({"--connections", "1", "--duration", "0.3", "--grants", "5"});
  EXPECT_GT(j["ok"].get<uint64_t>(), 5u);
  EXPECT_GT(j["grants"]["signed_during_run"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["errors"], 0);
}

TEST_F(BenchCli, CountsRefusalsByStatusAndMpCodeAndStillExitsZero) {
  std::atomic<int> n{0};
  server_.SetHandler([&n](const FakeRequest& r) {
    if (n++ % 2 == 0) return Token(r);
    return testing::FakeMaskinportenError(MpError::kMp012);
  });
  nlohmann::json j = RunJson({"--connections", "2", "--duration", "0.3"});
  uint64_t refused = j["errors_by_kind"].value("400 MP-012", uint64_t{0});
  EXPECT_GT(refused, 0u) << j.dump();
  EXPECT_EQ(j["errors"], refused);
  EXPECT_GT(j["ok"].get<uint64_t>(), 0u);
  EXPECT_LE(j["ok"].get<uint64_t>(), refused + 2);
}

TEST_F(BenchCli, NamesUncodedRefusalsByTheirOAuthError) {
  server_.SetHandler([](const FakeRequest&) {
    return FakeResponse{.status = 400,
                        .body = R"({"error":"invalid_request","error_description":"x"})"};
  });
  nlohmann::json j = RunJson({"--connections", "1", "--duration", "0.2"});
  EXPECT_GT(j["errors_by_kind"].value("400 invalid_request", uint64_t{0}), 0u) << j.dump();
  EXPECT_EQ(j["ok"], 0);
}

TEST_F(BenchCli, LatencyReflectsTheServersDelay) {
  server_.SetHandler([](const FakeRequest& r) {
    FakeResponse resp = Token(r);
    resp.delay = std::chrono::milliseconds(20);
    return resp;
  });
  nlohmann::json j = RunJson({"--connections", "2", "--duration", "0.5"});
  EXPECT_GE(j["latency_ms"]["p50"].get<double>(), 20.0);
  // Two connections, 20 ms each: at most 100 tokens/s.
  EXPECT_LE(j["tokens_per_s"].get<double>(), 100.0);
  EXPECT_GT(j["ok"].get<uint64_t>(), 10u);
}

TEST_F(BenchCli, ReconnectsWhenTheServerClosesTheConnection) {
  server_.SetHandler([](const FakeRequest& r) {
    FakeResponse resp = Token(r);
    resp.close_after = true;
    return resp;
  });
  nlohmann::json j = RunJson({"--connections", "1", "--duration", "0.3"});
  EXPECT_GT(j["ok"].get<uint64_t>(), 1u);
  EXPECT_GT(j["reconnects"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["errors"], 0);
  EXPECT_GT(server_.ConnectionCount(), 1u);
}

TEST_F(BenchCli, PrintsAHumanReportWithoutJson) {
  server_.SetHandler(Token);
  ProcessResult r = Cli(Args({"--connections", "1", "--duration", "0.2"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tokens/s: "));
  EXPECT_THAT(r.out, HasSubstr("p99 "));
  EXPECT_THAT(r.out, HasSubstr("pre-signed"));
}

TEST_F(BenchCli, PrintsProgressOnStderrUnlessQuiet) {
  server_.SetHandler(Token);
  std::vector<std::string> args = Args({"--connections", "1", "--duration", "1.2"});
  args.erase(std::find(args.begin(), args.end(), "--quiet"));
  ProcessResult r = Cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("bench: 1 s: "));
}

TEST_F(BenchCli, ExitsThreeWhenNothingListens) {
  FakeTokenServer gone;
  std::string url = gone.Url() + "token";
  gone.Stop();
  ProcessResult r = Cli({"bench", "token", "--url", url, "--client-id", "c", "--scope", "a:b",
                         "--key", dir_.File("k.pem"), "--kid", "k1", "--duration", "0.2"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  testing::ExpectErrorLine(r, "network_error");
}

TEST_F(BenchCli, RefusesHttpsAndMissingUrlAsUsageErrors) {
  std::vector<std::string> base = {"bench", "token", "--client-id",      "c",     "--scope",
                                   "a:b",   "--key", dir_.File("k.pem"), "--kid", "k1"};
  std::vector<std::string> https = base;
  https.insert(https.end(), {"--url", "https://127.0.0.1:1/token"});
  ProcessResult r = Cli(https);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("http://"));

  r = Cli(base);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--url"));

  std::vector<std::string> zero = base;
  zero.insert(zero.end(), {"--url", server_.Url() + "token", "--connections", "0"});
  r = Cli(zero);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--connections"));
}

TEST_F(BenchCli, SignsWithTheAudienceOverride) {
  server_.SetHandler(Token);
  RunJson({"--connections", "1", "--duration", "0.1", "--audience", "https://elsewhere/"});
  std::vector<FakeRequest> reqs = server_.Requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(Claims(FormValue(reqs[0].body, "assertion"))["aud"], "https://elsewhere/");
}

}  // namespace
}  // namespace mp
