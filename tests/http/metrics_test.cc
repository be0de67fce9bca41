#include "http/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

namespace mp::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The names the local Maskinporten gives its labels (server/emulator.h); the HTTP layer only
// copies them.
LabelNames Names() {
  return {.metric_prefix = "maskinporten", .route = "endpoint", .outcome = "mp_code"};
}

RequestLogEntry Entry(std::string endpoint, int status, std::chrono::microseconds latency,
                      std::string mp_code = "") {
  RequestLogEntry entry;
  entry.trace_id = "0123456789abcdef0123456789abcdef";
  entry.method = "POST";
  entry.path = "/token";
  entry.status = status;
  entry.labels.route = std::move(endpoint);
  entry.labels.outcome = std::move(mp_code);
  entry.latency = latency;
  entry.remote = "127.0.0.1:5000";
  return entry;
}

TEST(Metrics, RendersEmptyFamiliesWithHelpAndType) {
  Metrics metrics(Names());
  metrics.AddCounter("maskinporten_tokens_issued_total", "Access tokens issued.");
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("# HELP maskinporten_http_requests_total "));
  EXPECT_THAT(text, HasSubstr("# TYPE maskinporten_http_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE maskinporten_http_request_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE maskinporten_tokens_issued_total counter\n"));
  EXPECT_THAT(text, HasSubstr("\nmaskinporten_tokens_issued_total 0\n"));
  EXPECT_EQ(text.back(), '\n');
}

TEST(Metrics, CountsRequestsPerEndpointStatusAndCode) {
  Metrics metrics(Names());
  metrics.Record(Entry("token", 200, std::chrono::milliseconds(3)));
  metrics.Record(Entry("token", 200, std::chrono::milliseconds(4)));
  metrics.Record(Entry("token", 400, std::chrono::milliseconds(1), "MP-124"));
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("maskinporten_http_requests_total{endpoint=\"token\",status=\"200\","
                              "mp_code=\"\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("maskinporten_http_requests_total{endpoint=\"token\",status=\"400\","
                              "mp_code=\"MP-124\"} 1\n"));
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics metrics(Names());
  metrics.Record(Entry("token", 200, std::chrono::microseconds(500)));   // <= .001
  metrics.Record(Entry("token", 200, std::chrono::microseconds(2000)));  // <= .0025
  metrics.Record(Entry("token", 200, std::chrono::microseconds(2500)));  // <= .0025 (bound)
  metrics.Record(Entry("token", 200, std::chrono::milliseconds(300)));   // <= .5
  metrics.Record(Entry("token", 200, std::chrono::seconds(10)));         // +Inf only
  const std::string text = metrics.Render();
  const std::string prefix =
      "maskinporten_http_request_duration_seconds_bucket{endpoint=\"token\",";
  EXPECT_THAT(text, HasSubstr(prefix + "le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "le=\"0.0025\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "le=\"0.25\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "le=\"0.5\"} 4\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "le=\"2.5\"} 4\n"));
  EXPECT_THAT(text, HasSubstr(prefix + "le=\"+Inf\"} 5\n"));
  EXPECT_THAT(
      text, HasSubstr("maskinporten_http_request_duration_seconds_count{endpoint=\"token\"} 5\n"));
  const std::string sum_prefix =
      "maskinporten_http_request_duration_seconds_sum{endpoint=\"token\"} ";
  const size_t sum = text.find(sum_prefix);
  ASSERT_NE(sum, std::string::npos);
  EXPECT_NEAR(std::stod(text.substr(sum + sum_prefix.size())), 10.305, 1e-9);
}

TEST(Metrics, KeepsEndpointsApart) {
  Metrics metrics(Names());
  metrics.Record(Entry("token", 200, std::chrono::milliseconds(1)));
  metrics.Record(Entry("jwks", 200, std::chrono::milliseconds(1)));
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("_count{endpoint=\"token\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("_count{endpoint=\"jwks\"} 1\n"));
}

TEST(Metrics, EscapesLabelValues) {
  Metrics metrics(Names());
  metrics.Record(Entry("a\"b\\c\nd", 200, std::chrono::milliseconds(1), "x\"y"));
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr(R"({endpoint="a\"b\\c\nd",status="200",mp_code="x\"y"} 1)"));
  // Every sample stays on one line: no raw line feed inside a label.
  EXPECT_THAT(text, Not(HasSubstr("a\"b\\c\nd")));
}

TEST(Metrics, CountsIssuedTokens) {
  Metrics metrics(Names());
  metrics.AddCounter("maskinporten_tokens_issued_total", "Access tokens issued.");
  metrics.Increment("maskinporten_tokens_issued_total");
  metrics.AddCounter("maskinporten_tokens_issued_total", "again");  // keeps its count
  metrics.Increment("maskinporten_tokens_issued_total");
  metrics.Increment("not_added_total");  // ignored
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("\nmaskinporten_tokens_issued_total 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("not_added_total")));
  EXPECT_THAT(text, Not(HasSubstr("again")));
}

TEST(Metrics, ResetZeroesCountsAndKeepsNamesAndCounters) {
  Metrics metrics(Names());
  metrics.AddCounter("maskinporten_tokens_issued_total", "Access tokens issued.");
  metrics.Increment("maskinporten_tokens_issued_total");
  metrics.Record(Entry("token", 200, std::chrono::milliseconds(3)));
  metrics.Reset();
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("\nmaskinporten_tokens_issued_total 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("endpoint=\"token\"")));
  metrics.Record(Entry("token", 200, std::chrono::milliseconds(3)));
  EXPECT_THAT(metrics.Render(), HasSubstr("{endpoint=\"token\",status=\"200\",mp_code=\"\"} 1\n"));
}

// Without names from the application the HTTP layer uses its own generic ones.
TEST(Metrics, DefaultNamesAreGeneric) {
  Metrics metrics;
  metrics.Record(Entry("records", 403, std::chrono::milliseconds(1), "consent_mismatch"));
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("http_requests_total{route=\"records\",status=\"403\","
                              "outcome=\"consent_mismatch\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("maskinporten")));
  const nlohmann::json line =
      nlohmann::json::parse(RequestLogLine(Entry("records", 403, {}, "consent_mismatch"), 0));
  EXPECT_EQ(line["route"], "records");
  EXPECT_EQ(line["outcome"], "consent_mismatch");
}

TEST(RequestLogLine, HasEveryFieldOnOneLine) {
  RequestLogEntry entry = Entry("token", 400, std::chrono::microseconds(1500), "MP-124");
  const std::string line = RequestLogLine(entry, 1700000000123, Names());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const nlohmann::json json = nlohmann::json::parse(line);
  EXPECT_EQ(json["time"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(json["level"], "warn");
  EXPECT_EQ(json["trace_id"], entry.trace_id);
  EXPECT_EQ(json["method"], "POST");
  EXPECT_EQ(json["path"], "/token");
  EXPECT_EQ(json["status"], 400);
  EXPECT_EQ(json["endpoint"], "token");
  EXPECT_EQ(json["mp_code"], "MP-124");
  EXPECT_DOUBLE_EQ(json["latency_ms"].get<double>(), 1.5);
  EXPECT_EQ(json["remote"], "127.0.0.1:5000");
}

TEST(RequestLogLine, LevelFollowsStatus) {
  auto level = [](int status) {
    return nlohmann::json::parse(
        RequestLogLine(Entry("x", status, std::chrono::microseconds(0)), 0))["level"];
  };
  EXPECT_EQ(level(200), "info");
  EXPECT_EQ(level(404), "warn");
  EXPECT_EQ(level(503), "error");
}

TEST(RequestLogLine, DropsTheQueryString) {
  RequestLogEntry entry = Entry("scopes", 200, std::chrono::microseconds(0));
  entry.path = "/api/v1/scopes?secret=abc";
  const std::string line = RequestLogLine(entry, 0);
  EXPECT_EQ(nlohmann::json::parse(line)["path"], "/api/v1/scopes");
  EXPECT_THAT(line, Not(HasSubstr("secret")));
}

TEST(RequestLogLine, FormatsTimeWithMillisecondsBeforeAndAfterEpoch) {
  EXPECT_EQ(nlohmann::json::parse(RequestLogLine({}, 5))["time"], "1970-01-01T00:00:00.005Z");
  EXPECT_EQ(nlohmann::json::parse(RequestLogLine({}, -1))["time"], "1969-12-31T23:59:59.999Z");
}

TEST(RequestLogLine, ReplacesInvalidUtf8InPath) {
  RequestLogEntry entry = Entry("x", 404, std::chrono::microseconds(0));
  entry.path = "/\xff\"";
  const std::string line = RequestLogLine(entry, 0);
  EXPECT_NO_THROW({
    nlohmann::json parsed = nlohmann::json::parse(line);
    (void)parsed;
  });
}

}  // namespace
}  // namespace mp::http
