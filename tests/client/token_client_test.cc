// TokenClient against an in-memory HttpClient, a FakeClock and recorded sleeps: response
// parsing, error decoding, every retry rule, fresh grants per attempt and skew correction.
#include "maskinporten/token_client.h"

#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json.h"
#include "maskinporten/jws.h"
#include "testing/fake_http_client.h"
#include "testing/fake_token_server.h"
#include "testing/jose_fixtures.h"

namespace mp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;
using TimePoint = std::chrono::system_clock::time_point;

constexpr int64_t kT0 = 1700000000;
constexpr char kIssuer[] = "https://test.maskinporten.no/";
constexpr char kTokenEndpoint[] = "https://test.maskinporten.no/token";
constexpr char kClientId[] = "my-client";
constexpr char kTraceId[] = "356666143081bbec11d293753e9702ca";
constexpr char kOkBody[] =
    R"({"access_token":"at-secret-123","token_type":"Bearer","expires_in":119,)"
    R"("scope":"nav:example"})";

// IMF-fixdate for a Date / Retry-After header.
std::string HttpDate(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

// The form fields of a token request, decoded.
std::map<std::string, std::string> FormFields(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    const size_t eq = pair.find('=');
    fields[UrlDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
  }
  return fields;
}

struct SentGrant {
  std::string assertion;
  std::string jti;
  int64_t iat = 0;
  int64_t exp = 0;
  std::string iss;
  std::string aud;
  std::string scope;
};

// Reads the grant back out of a request the client sent: urldecode, ParseJws, claims.
SentGrant DecodeSentGrant(const HttpRequest& request) {
  SentGrant g;
  g.assertion = FormFields(request.body)["assertion"];
  Result<ParsedJws> jws = ParseJws(g.assertion);
  EXPECT_TRUE(jws.ok()) << jws.status().ToString();
  if (!jws.ok()) return g;
  Result<nlohmann::json> claims = ParseStrictJsonObject(jws->payload);
  EXPECT_TRUE(claims.ok()) << claims.status().ToString();
  if (!claims.ok()) return g;
  g.jti = claims->value("jti", "");
  g.iat = claims->value("iat", int64_t{0});
  g.exp = claims->value("exp", int64_t{0});
  g.iss = claims->value("iss", "");
  g.aud = claims->value("aud", "");
  g.scope = claims->value("scope", "");
  return g;
}

std::string ErrorBody(std::string_view error, std::string_view description,
                      std::string_view code = "") {
  nlohmann::json j = {{"error", error}, {"error_description", description}};
  if (!code.empty()) j["error_uri"] = std::string(kIssuer) + "errors/" + std::string(code);
  return j.dump();
}

std::string WithTrace(std::string_view text) {
  return std::string(text) + " (trace_id: " + kTraceId + ")";
}

class TokenClientTest : public ::testing::Test {
 protected:
  TokenClientTest() {
    Result<Credentials> creds = Credentials::WithKid(testing::TestKey(Algorithm::kRS256), "kid-1");
    EXPECT_TRUE(creds.ok()) << creds.status().ToString();
    if (creds.ok()) credentials_ = *creds;
  }

  TokenClientOptions Options() {
    TokenClientOptions o;
    o.endpoints = {.issuer = kIssuer, .token_endpoint = kTokenEndpoint};
    o.client_id = kClientId;
    o.credentials = credentials_;
    o.http = testing::Borrowed(http_);
    o.clock = &clock_;
    o.sleep = [this](milliseconds d) {
      sleeps_.push_back(d);
      clock_.Advance(d);
    };
    o.random = [this] {
      if (randoms_.empty()) return 0.5;
      const double r = randoms_.front();
      randoms_.pop_front();
      return r;
    };
    o.log = [this](std::string_view line) { logs_.emplace_back(line); };
    return o;
  }

  static TokenRequest Request() { return {.scopes = {"nav:example"}}; }

  std::string AllLogs() const {
    std::string all;
    for (const std::string& l : logs_) all += l + "\n";
    return all;
  }

  std::optional<Credentials> credentials_;
  FakeClock clock_{kT0};
  testing::FakeHttpClient http_;
  std::vector<milliseconds> sleeps_;
  std::deque<double> randoms_;
  std::vector<std::string> logs_;
};

// ---- Success ----

TEST_F(TokenClientTest, ParsesASuccessfulResponse) {
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->access_token, "at-secret-123");
  EXPECT_EQ(t->token_type, "Bearer");
  EXPECT_EQ(t->expires_in, 119);
  EXPECT_EQ(t->scope, "nav:example");
  EXPECT_EQ(info.attempts, 1);
  EXPECT_FALSE(info.error.has_value());
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TokenClientTest, PostsAFormEncodedJwtBearerGrantToTheTokenEndpoint) {
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  const HttpRequest r = http_.LastRequest();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kTokenEndpoint);
  HttpResponse as_headers{.headers = r.headers};
  EXPECT_EQ(as_headers.Header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(as_headers.Header("accept"), "application/json");
  EXPECT_THAT(r.body, ::testing::StartsWith("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%"
                                            "3Ajwt-bearer&assertion=eyJ"));
  EXPECT_EQ(FormFields(r.body).size(), 2u);
  const SentGrant g = DecodeSentGrant(r);
  EXPECT_EQ(g.aud, kIssuer);
  EXPECT_EQ(g.iss, kClientId);
  EXPECT_EQ(g.scope, "nav:example");
  EXPECT_EQ(g.iat, kT0);
  EXPECT_EQ(g.exp, kT0 + 60);
  EXPECT_FALSE(g.jti.empty());
}

TEST_F(TokenClientTest, ExpiresAtIsTheLocalSendTimePlusExpiresIn) {
  // The server takes 5 s to answer: expiry counts from when we sent, never from the answer.
  http_.SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    clock_.Advance(seconds(5));
    return testing::JsonResponse(200, kOkBody);
  });
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->obtained_at, TimePoint(seconds(kT0)));
  EXPECT_EQ(t->expires_at, TimePoint(seconds(kT0 + 119)));
}

TEST_F(TokenClientTest, AcceptsTokenTypeBearerInAnyCase) {
  http_.PushJson(200, R"({"access_token":"x","token_type":"bearer","expires_in":60})");
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->scope, "");
}

class MalformedSuccessBody : public TokenClientTest,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(MalformedSuccessBody, IsAnHttpErrorAndNotRetried) {
  http_.PushJson(200, GetParam());
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kHttpError) << t.status().ToString();
  EXPECT_EQ(http_.CallCount(), 1u);
  EXPECT_TRUE(sleeps_.empty());
  // Whatever broke, the token never lands in the message.
  EXPECT_THAT(t.status().message(), Not(HasSubstr("at-secret")));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, MalformedSuccessBody,
    ::testing::Values(
        "", "not json", "<html>ok</html>", "[]", "null",
        R"({"token_type":"Bearer","expires_in":119})",
        R"({"access_token":"","token_type":"Bearer","expires_in":119})",
        R"({"access_token":42,"token_type":"Bearer","expires_in":119})",
        R"({"access_token":"at-secret-1","token_type":"mac","expires_in":119})",
        R"({"access_token":"at-secret-1","token_type":"DPoP","expires_in":119})",
        R"({"access_token":"at-secret-1","expires_in":119})",
        R"({"access_token":"at-secret-1","token_type":"Bearer"})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":"119"})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":0})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":-5})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":119.5})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":1e30})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":18446744073709551615})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":9223372036854775807})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":-9223372036854775808})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":315360001})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":0.5})",
        R"({"access_token":"at-secret-1","token_type":"Bearer","expires_in":119,"scope":7})",
        R"({"access_token":"at-secret-1","access_token":"b","token_type":"Bearer","expires_in":1})"));

TEST_F(TokenClientTest, AcceptsExpiresInUpToTenYearsAndCountsFromTheSendTime) {
  for (int64_t expires_in : {int64_t{1}, int64_t{315360000}}) {
    http_.PushJson(200, R"({"access_token":"x","token_type":"Bearer","expires_in":)" +
                            std::to_string(expires_in) + "}");
    TokenClient client(Options());
    Result<AccessToken> t = client.Fetch(Request());
    ASSERT_TRUE(t.ok()) << expires_in << ": " << t.status().ToString();
    EXPECT_EQ(t->expires_in, expires_in);
    EXPECT_EQ(t->expires_at, clock_.Now() + seconds(expires_in));
  }
}

// Issue 14: the configured waits are range-checked before any clock arithmetic with them.
TEST_F(TokenClientTest, RefusesWaitsOutsideADayBeforeSendingAnything) {
  constexpr int64_t kDayMs = 86400000;
  const std::vector<std::pair<std::string, std::function<void(TokenClientOptions&)>>> cases = {
      {"retry.initial_backoff", [](auto& o) { o.retry.initial_backoff = milliseconds(-1); }},
      {"retry.max_backoff", [](auto& o) { o.retry.max_backoff = milliseconds::max(); }},
      {"retry.total_budget", [](auto& o) { o.retry.total_budget = milliseconds(kDayMs + 1); }},
      {"retry.max_retry_after", [](auto& o) { o.retry.max_retry_after = milliseconds::min(); }},
      {"max_skew_correction", [](auto& o) { o.max_skew_correction = seconds::max(); }},
      {"max_skew_correction", [](auto& o) { o.max_skew_correction = seconds(-1); }},
  };
  for (const auto& [field, change] : cases) {
    TokenClientOptions o = Options();
    change(o);
    TokenClient client(o);
    Result<AccessToken> t = client.Fetch(Request());
    ASSERT_FALSE(t.ok()) << field;
    EXPECT_EQ(t.status().code(), Errc::kInvalidArgument) << field;
    EXPECT_THAT(t.status().message(), HasSubstr("TokenClientOptions." + field)) << field;
  }
  EXPECT_EQ(http_.CallCount(), 0u);
  // The limits themselves are fine.
  TokenClientOptions o = Options();
  o.retry.total_budget = milliseconds(kDayMs);
  o.retry.initial_backoff = milliseconds(0);
  o.max_skew_correction = seconds(86400);
  http_.PushJson(200, kOkBody);
  EXPECT_TRUE(TokenClient(o).Fetch(Request()).ok());
}

TEST_F(TokenClientTest, TokenTypeNotBearerIsAnHttpErrorNamingTheType) {
  http_.PushJson(200, R"({"access_token":"at-secret-1","token_type":"mac","expires_in":119})");
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kHttpError);
  EXPECT_THAT(t.status().message(), HasSubstr("token_type"));
  EXPECT_THAT(t.status().message(), HasSubstr("mac"));
}

// ---- Maskinporten errors ----

class DecodesEveryMpError : public TokenClientTest, public ::testing::WithParamInterface<int> {};

TEST_P(DecodesEveryMpError, WithCodeTextTraceIdAndHint) {
  const auto id = static_cast<MpError>(GetParam());
  const MpErrorInfo& row = MpErrorInfoFor(id);
  // Texts that name values (MP-200, MP-250, MP-251) end where the values begin.
  std::string text(row.text);
  if (text.back() == ' ') text += "nav:example";
  http_.PushJson(row.http_status, ErrorBody(row.error, WithTrace(text), row.code));
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kMaskinportenError);
  const std::string prefix = row.code.empty() ? "" : std::string(row.code) + ": ";
  EXPECT_EQ(t.status().message(), prefix + text + " (trace_id " + kTraceId + ")");
  ASSERT_TRUE(info.error.has_value());
  EXPECT_EQ(info.error->http_status, row.http_status);
  EXPECT_EQ(info.error->error, row.error);
  EXPECT_EQ(info.error->description, text);
  EXPECT_EQ(info.error->mp_code, row.code);
  EXPECT_EQ(info.error->trace_id, kTraceId);
  EXPECT_EQ(info.error->known, id);
  EXPECT_EQ(info.error->Hint(), row.hint);
  EXPECT_FALSE(info.error->Hint().empty());
  // A refusal is the caller's fault: one request, no waiting.
  EXPECT_EQ(http_.CallCount(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

INSTANTIATE_TEST_SUITE_P(Table, DecodesEveryMpError,
                         ::testing::Range(static_cast<int>(MpError::kMp011),
                                          static_cast<int>(MpError::kConsumerOrgIsOwn) + 1));

TEST_F(TokenClientTest, StatusReadsAsTheCliPrintsIt) {
  http_.PushJson(
      400, ErrorBody("invalid_grant", WithTrace(MpErrorInfoFor(MpError::kMp110).text), "MP-110"));
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  EXPECT_EQ(t.status().ToString(),
            "maskinporten_error: MP-110: Invalid assertion. Client authentication failed. "
            "Invalid JWT claim aud. (trace_id 356666143081bbec11d293753e9702ca)");
}

TEST(ParseMaskinportenError, ReadsARealMp200Response) {
  const MaskinportenError e = ParseMaskinportenError(
      400,
      R"({"error":"invalid_scope","error_description":"Token request contains invalid scopes for )"
      R"json(client, altinn:serviceowners/read (trace_id: bd1d0e3bfb1c7a7bd99fd447714a316c)",)json"
      R"("error_uri":"https://test.maskinporten.no/errors/MP-200"})");
  EXPECT_EQ(e.mp_code, "MP-200");
  EXPECT_EQ(e.known, MpError::kMp200);
  EXPECT_EQ(e.trace_id, "bd1d0e3bfb1c7a7bd99fd447714a316c");
  EXPECT_EQ(e.description,
            "Token request contains invalid scopes for client, altinn:serviceowners/read");
  EXPECT_EQ(e.error_uri, "https://test.maskinporten.no/errors/MP-200");
  EXPECT_EQ(e.Summary(),
            "MP-200: Token request contains invalid scopes for client, altinn:serviceowners/read "
            "(trace_id bd1d0e3bfb1c7a7bd99fd447714a316c)");
}

TEST(ParseMaskinportenError, ReadsTheOlderCorrelationIdForm) {
  const MaskinportenError e = ParseMaskinportenError(
      403,
      R"({"error":"forbidden","error_description":"Consumer has not been granted access to the )"
      R"json(scope nav:x. (correlation id: 6f0d2f4a-1c6e-4b8e-9a53-7d0c1e2b3a4f)",)json"
      R"("error_uri":"https://maskinporten.no/errors/MP-250"})");
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.trace_id, "6f0d2f4a-1c6e-4b8e-9a53-7d0c1e2b3a4f");
  EXPECT_EQ(e.description, "Consumer has not been granted access to the scope nav:x.");
  EXPECT_EQ(e.mp_code, "MP-250");
  EXPECT_EQ(e.known, MpError::kMp250);
  EXPECT_EQ(e.Hint(), MpErrorInfoFor(MpError::kMp250).hint);
}

TEST(ParseMaskinportenError, RecognisesUncodedErrorsByText) {
  const MaskinportenError e = ParseMaskinportenError(
      400, ErrorBody("invalid_grant", WithTrace("Invalid assertion. Client authentication failed. "
                                                "Unknown key identifier (kid) for client.")));
  EXPECT_EQ(e.mp_code, "");
  EXPECT_EQ(e.known, MpError::kUnknownKid);
  EXPECT_EQ(e.trace_id, kTraceId);
  EXPECT_EQ(e.Summary(),
            "Invalid assertion. Client authentication failed. Unknown key identifier (kid) for "
            "client. (trace_id 356666143081bbec11d293753e9702ca)");
}

TEST(ParseMaskinportenError, RecognisesACodedErrorByTextWhenErrorUriIsMissing) {
  const MaskinportenError e =
      ParseMaskinportenError(400, ErrorBody("invalid_grant", WithTrace("JWT is expired")));
  EXPECT_EQ(e.mp_code, "MP-130");
  EXPECT_EQ(e.known, MpError::kMp130);
}

TEST(ParseMaskinportenError, KeepsAnUnknownCodeWithoutHint) {
  const MaskinportenError e =
      ParseMaskinportenError(400, ErrorBody("invalid_grant", WithTrace("Something new"), "MP-999"));
  EXPECT_EQ(e.mp_code, "MP-999");
  EXPECT_FALSE(e.known.has_value());
  EXPECT_EQ(e.Hint(), "");
  EXPECT_EQ(e.Summary(), std::string("MP-999: Something new (trace_id ") + kTraceId + ")");
}

TEST(ParseMaskinportenError, IgnoresAnErrorUriThatIsNotAnMpCode) {
  const MaskinportenError e = ParseMaskinportenError(
      400, R"({"error":"invalid_request","error_description":"odd","error_uri":"https://x/MP-1"})");
  EXPECT_EQ(e.mp_code, "");
  EXPECT_FALSE(e.known.has_value());
  EXPECT_EQ(e.Summary(), "odd");
}

TEST(ParseMaskinportenError, LeavesAMalformedTraceSuffixInTheDescription) {
  const MaskinportenError e =
      ParseMaskinportenError(400, ErrorBody("invalid_grant", "Oops (trace_id: not hex!)"));
  EXPECT_EQ(e.trace_id, "");
  EXPECT_EQ(e.description, "Oops (trace_id: not hex!)");
}

TEST(ParseMaskinportenError, SurvivesNonJsonBodies) {
  for (const char* body : {"", "<html><body>502 Bad Gateway</body></html>", "[1,2]",
                           R"({"error":1,"error_description":null})", "{\"a\":1,\"a\":2}"}) {
    const MaskinportenError e = ParseMaskinportenError(502, body);
    EXPECT_EQ(e.http_status, 502);
    EXPECT_EQ(e.error, "");
    EXPECT_EQ(e.description, "");
    EXPECT_EQ(e.Summary(), "HTTP 502") << body;
    EXPECT_EQ(e.Hint(), "");
  }
}

TEST(ParseMaskinportenError, SummaryFallsBackToTheOAuthErrorAndRedactsTokens) {
  MaskinportenError e = ParseMaskinportenError(400, R"({"error":"invalid_request"})");
  EXPECT_EQ(e.Summary(), "invalid_request");
  e = ParseMaskinportenError(
      400, ErrorBody("invalid_grant", "bad grant eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\nhere"));
  EXPECT_EQ(e.Summary(), "bad grant eyJ...<redacted> here");
}

TEST_F(TokenClientTest, NonJsonErrorPageIsAnHttpErrorNamingTheStatus) {
  http_.Push(HttpResponse{.status = 404,
                          .headers = {{"content-type", "text/html"}},
                          .body = "<html><body>Not Found</body></html>"});
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kHttpError);
  EXPECT_THAT(t.status().message(), HasSubstr("HTTP 404"));
  EXPECT_THAT(t.status().message(), HasSubstr(kTokenEndpoint));
  EXPECT_EQ(http_.CallCount(), 1u);
  ASSERT_TRUE(info.error.has_value());
  EXPECT_EQ(info.error->http_status, 404);
}

// ---- Retry rules ----

class ClientFaultStatus : public TokenClientTest, public ::testing::WithParamInterface<int> {};

TEST_P(ClientFaultStatus, IsReturnedAtOnceWithoutRetry) {
  http_.PushJson(GetParam(), ErrorBody("invalid_request", WithTrace("no")));
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kMaskinportenError);
  EXPECT_EQ(http_.CallCount(), 1u);
  EXPECT_EQ(info.attempts, 1);
  EXPECT_TRUE(sleeps_.empty());
}

INSTANTIATE_TEST_SUITE_P(Statuses, ClientFaultStatus,
                         ::testing::Values(400, 401, 403, 404, 405, 408, 409, 413, 415, 422));

class TransientStatus : public TokenClientTest, public ::testing::WithParamInterface<int> {};

TEST_P(TransientStatus, IsRetriedWithANewGrant) {
  http_.PushJson(GetParam(), R"({"error":"server_error","error_description":"busy"})");
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(http_.CallCount(), 2u);
  EXPECT_EQ(info.attempts, 2);
  EXPECT_EQ(sleeps_.size(), 1u);
  ASSERT_TRUE(info.error.has_value());  // the refusal on the way is reported
  EXPECT_EQ(info.error->http_status, GetParam());
  const std::vector<HttpRequest> r = http_.Requests();
  EXPECT_NE(DecodeSentGrant(r[0]).jti, DecodeSentGrant(r[1]).jti);
}

INSTANTIATE_TEST_SUITE_P(Statuses, TransientStatus, ::testing::Values(500, 502, 503, 504, 429));

TEST_F(TokenClientTest, RetriesAnHtmlBadGatewayAndReportsItAsHttpError) {
  for (int i = 0; i < 4; ++i) {
    http_.Push(HttpResponse{.status = 502, .body = "<html>\n<h1>502 Bad Gateway</h1></html>"});
  }
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kHttpError);
  EXPECT_THAT(t.status().message(), HasSubstr("HTTP 502"));
  EXPECT_THAT(t.status().message(), HasSubstr("502 Bad Gateway"));
  EXPECT_THAT(t.status().message(), HasSubstr("after 4 attempts"));
  EXPECT_THAT(t.status().message(), Not(HasSubstr("\n")));
  EXPECT_EQ(http_.CallCount(), 4u);
}

TEST_F(TokenClientTest, RetriesConnectErrorsAndTimeouts) {
  http_.PushError(Errc::kNetworkError, "connect to 127.0.0.1 failed");
  http_.PushError(Errc::kNetworkError, "timeout after 15000 ms");
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(info.attempts, 3);
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(TokenClientTest, ReturnsNonNetworkTransportErrorsAtOnce) {
  http_.PushError(Errc::kInvalidArgument, "bad URL");
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  EXPECT_EQ(t.status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(http_.CallCount(), 1u);
}

TEST_F(TokenClientTest, StopsAtMaxAttemptsWithTheLastErrorAndTheCount) {
  for (int i = 0; i < 5; ++i) {
    http_.PushJson(503, ErrorBody("server_error", WithTrace("try " + std::to_string(i))));
  }
  TokenClientOptions o = Options();
  o.retry.max_attempts = 3;
  TokenClient client(o);
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kMaskinportenError);
  EXPECT_EQ(t.status().message(),
            std::string("try 2 (trace_id ") + kTraceId + ") (gave up after 3 attempts)");
  EXPECT_EQ(http_.CallCount(), 3u);
  EXPECT_EQ(info.attempts, 3);
  EXPECT_EQ(sleeps_.size(), 2u);
  ASSERT_TRUE(info.error.has_value());
  EXPECT_EQ(info.error->description, "try 2");
}

TEST_F(TokenClientTest, NetworkErrorAfterAllAttemptsIsANetworkError) {
  for (int i = 0; i < 4; ++i) http_.PushError(Errc::kNetworkError, "connection refused");
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  EXPECT_EQ(t.status().code(), Errc::kNetworkError);
  EXPECT_EQ(t.status().message(), "connection refused (gave up after 4 attempts)");
  EXPECT_FALSE(info.error.has_value());
}

TEST_F(TokenClientTest, MaxAttemptsOfOneNeverRetries) {
  http_.PushJson(503, "{}");
  TokenClientOptions o = Options();
  o.retry.max_attempts = 1;
  TokenClient client(o);
  Result<AccessToken> t = client.Fetch(Request());
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(http_.CallCount(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TokenClientTest, HonoursRetryAfterSeconds) {
  http_.PushJson(503, "{}", {{"Retry-After", "7"}});
  http_.PushJson(200, kOkBody);
  randoms_ = {0.0};
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(sleeps_, std::vector<milliseconds>{milliseconds(7000)});
}

TEST_F(TokenClientTest, HonoursRetryAfterHttpDateRelativeToTheServersDate) {
  // The server is 100 s ahead and asks for a wait until 12 s after its own now.
  http_.PushJson(429, "{}", {{"Date", HttpDate(kT0 + 100)}, {"Retry-After", HttpDate(kT0 + 112)}});
  http_.PushJson(200, kOkBody);
  randoms_ = {0.0};
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(sleeps_, std::vector<milliseconds>{milliseconds(12000)});
}

TEST_F(TokenClientTest, CapsRetryAfterAtMaxRetryAfter) {
  http_.PushJson(503, "{}", {{"Retry-After", "3600"}});
  http_.PushJson(200, kOkBody);
  TokenClientOptions o = Options();
  o.retry.max_retry_after = milliseconds(30000);
  o.retry.total_budget = milliseconds(60000);
  TokenClient client(o);
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(sleeps_, std::vector<milliseconds>{milliseconds(30000)});
}

TEST_F(TokenClientTest, GivesUpWhenRetryAfterWouldOverrunTheBudget) {
  http_.PushJson(503, "{}", {{"Retry-After", "25"}});
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());  // total budget 20 s
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("after 1 attempt"));
  EXPECT_THAT(t.status().message(), HasSubstr("budget"));
  EXPECT_EQ(http_.CallCount(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(TokenClientTest, TotalBudgetCountsFromTheFirstSendIncludingSlowAttempts) {
  // Each attempt times out after 8 s. Budget 20 s: attempts start at 0, ~8.1 and ~16.2 s; a
  // fourth would start after 24 s, so it is not made.
  http_.SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    clock_.Advance(seconds(8));
    return Status(Errc::kNetworkError, "timeout");
  });
  TokenClientOptions o = Options();
  o.retry.max_attempts = 10;
  TokenClient client(o);
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kNetworkError);
  EXPECT_EQ(http_.CallCount(), 3u);
  EXPECT_EQ(info.attempts, 3);
  EXPECT_THAT(t.status().message(), HasSubstr("after 3 attempts"));
  EXPECT_THAT(t.status().message(), HasSubstr("20000 ms"));
}

TEST_F(TokenClientTest, TotalBudgetStopsBackoffThatWouldOverrunIt) {
  for (int i = 0; i < 5; ++i) http_.PushJson(500, "{}");
  TokenClientOptions o = Options();
  o.retry.initial_backoff = milliseconds(1000);
  o.retry.max_backoff = milliseconds(10000);
  o.retry.total_budget = milliseconds(2500);
  randoms_ = {0.999, 0.999, 0.999};
  TokenClient client(o);
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_FALSE(t.ok());
  // 999 ms then 1998 ms: the second wait would end at 2997 ms > 2500 ms.
  EXPECT_EQ(sleeps_, std::vector<milliseconds>{milliseconds(999)});
  EXPECT_EQ(http_.CallCount(), 2u);
}

TEST_F(TokenClientTest, BacksOffWithInjectedFullJitter) {
  for (int i = 0; i < 3; ++i) http_.PushJson(503, "{}");
  http_.PushJson(200, kOkBody);
  randoms_ = {0.0, 0.5, 0.999};
  TokenClient client(Options());  // 200 ms initial, 5 s max
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(sleeps_,
            (std::vector<milliseconds>{milliseconds(0), milliseconds(200), milliseconds(799)}));
}

TEST_F(TokenClientTest, DefaultJitterStaysWithinTheExponentialCeiling) {
  for (int i = 0; i < 8; ++i) http_.PushJson(503, "{}");
  TokenClientOptions o = Options();
  o.random = nullptr;  // the secure default
  o.retry.max_attempts = 8;
  o.retry.total_budget = milliseconds(600000);
  TokenClient client(o);
  EXPECT_FALSE(client.Fetch(Request()).ok());
  ASSERT_EQ(sleeps_.size(), 7u);
  const std::vector<int64_t> ceilings = {200, 400, 800, 1600, 3200, 5000, 5000};
  for (size_t i = 0; i < sleeps_.size(); ++i) {
    EXPECT_GE(sleeps_[i].count(), 0);
    EXPECT_LT(sleeps_[i].count(), ceilings[i]) << "wait " << i;
  }
}

TEST_F(TokenClientTest, EveryAttemptSignsAFreshGrant) {
  for (int i = 0; i < 3; ++i) http_.PushJson(503, "{}");
  http_.PushJson(200, kOkBody);
  randoms_ = {0.9, 0.9, 0.9};
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  const std::vector<HttpRequest> requests = http_.Requests();
  ASSERT_EQ(requests.size(), 4u);
  std::set<std::string> jtis, assertions;
  int64_t previous_iat = 0;
  for (const HttpRequest& r : requests) {
    const SentGrant g = DecodeSentGrant(r);
    EXPECT_EQ(g.jti.size(), 36u);  // a UUIDv4 (SPEC §4.3)
    jtis.insert(g.jti);
    assertions.insert(g.assertion);
    EXPECT_GE(g.iat, previous_iat);
    previous_iat = g.iat;
  }
  EXPECT_EQ(jtis.size(), 4u);
  EXPECT_EQ(assertions.size(), 4u);
  // The clock moved by the waits (180 + 360 + 720 ms = 1.26 s): the last iat follows it.
  EXPECT_EQ(DecodeSentGrant(requests.back()).iat, kT0 + 1);
}

// ---- Skew ----

TEST_F(TokenClientTest, LaterGrantsUseTheServersClockFromTheDateHeader) {
  http_.PushJson(200, kOkBody, {{"Date", HttpDate(kT0 + 60)}});
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  FetchInfo info;
  ASSERT_TRUE(client.Fetch(Request(), &info).ok());
  EXPECT_EQ(info.skew, seconds(0));  // the first grant was made before we knew
  EXPECT_EQ(client.skew(), seconds(60));
  ASSERT_TRUE(client.Fetch(Request(), &info).ok());
  EXPECT_EQ(info.skew, seconds(60));
  EXPECT_EQ(DecodeSentGrant(http_.LastRequest()).iat, kT0 + 60);
  EXPECT_THAT(AllLogs(), HasSubstr("offset of 60 s"));
  EXPECT_THAT(AllLogs(), Not(HasSubstr("at-secret")));
}

TEST_F(TokenClientTest, ExpiryStaysOnTheLocalClockWhenSkewed) {
  http_.PushJson(200, kOkBody, {{"Date", HttpDate(kT0 + 60)}});
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->expires_at, TimePoint(seconds(kT0 + 119)));
}

TEST_F(TokenClientTest, ReadsSkewFromErrorResponsesToo) {
  http_.PushJson(503, "{}", {{"Date", HttpDate(kT0 - 30)}});
  http_.PushJson(200, kOkBody);
  randoms_ = {0.0};
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(DecodeSentGrant(http_.LastRequest()).iat, kT0 - 30);
}

TEST_F(TokenClientTest, RetriesIssueTimeAfterNowOnceWithTheCorrectedClock) {
  // Our clock is 30 s ahead of Maskinporten's.
  http_.PushJson(400, ErrorBody("invalid_grant", WithTrace("Issue time is after now")),
                 {{"Date", HttpDate(kT0 - 30)}});
  http_.PushJson(200, kOkBody, {{"Date", HttpDate(kT0 - 30)}});
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(info.attempts, 2);
  EXPECT_EQ(info.skew, seconds(-30));
  EXPECT_TRUE(sleeps_.empty());  // a correction, not a backoff
  const std::vector<HttpRequest> r = http_.Requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(DecodeSentGrant(r[0]).iat, kT0);
  EXPECT_EQ(DecodeSentGrant(r[1]).iat, kT0 - 30);
  EXPECT_NE(DecodeSentGrant(r[0]).jti, DecodeSentGrant(r[1]).jti);
  EXPECT_EQ(client.skew(), seconds(-30));
}

TEST_F(TokenClientTest, RetriesJwtIsExpiredOnceWhenTheServerIsAhead) {
  http_.PushJson(400, ErrorBody("invalid_grant", WithTrace("JWT is expired"), "MP-130"),
                 {{"Date", HttpDate(kT0 + 90)}});
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  Result<AccessToken> t = client.Fetch(Request());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(DecodeSentGrant(http_.LastRequest()).iat, kT0 + 90);
}

TEST_F(TokenClientTest, DoesNotRetryASkewRefusalWithoutADateHeader) {
  http_.PushJson(400, ErrorBody("invalid_grant", WithTrace("Issue time is after now")));
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kMaskinportenError);
  EXPECT_EQ(http_.CallCount(), 1u);
  ASSERT_TRUE(info.error.has_value());
  EXPECT_EQ(info.error->known, MpError::kIssuedInFuture);
  EXPECT_EQ(info.error->Hint(), MpErrorInfoFor(MpError::kIssuedInFuture).hint);
}

TEST_F(TokenClientTest, DoesNotRetryASkewRefusalWhenDateSaysTheOtherDirection) {
  // "Issue time is after now" but the server's Date is ahead of us: nothing to correct.
  http_.PushJson(400, ErrorBody("invalid_grant", WithTrace("Issue time is after now")),
                 {{"Date", HttpDate(kT0 + 30)}});
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  EXPECT_FALSE(client.Fetch(Request()).ok());
  EXPECT_EQ(http_.CallCount(), 1u);
}

TEST_F(TokenClientTest, RetriesASkewRefusalOnlyOnce) {
  http_.PushJson(400, ErrorBody("invalid_grant", WithTrace("Issue time is after now")),
                 {{"Date", HttpDate(kT0 - 30)}});
  http_.PushJson(400, ErrorBody("invalid_grant", WithTrace("Issue time is after now")),
                 {{"Date", HttpDate(kT0 - 90)}});
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kMaskinportenError);
  EXPECT_EQ(t.status().message(),
            std::string("Issue time is after now (trace_id ") + kTraceId + ")");
  EXPECT_EQ(http_.CallCount(), 2u);
  EXPECT_EQ(info.attempts, 2);
}

TEST_F(TokenClientTest, IgnoresSkewBeyondTheBoundAndLogsIt) {
  http_.PushJson(200, kOkBody, {{"Date", HttpDate(kT0 + 600)}});
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());  // max_skew_correction 300 s
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(client.skew(), seconds(0));
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(DecodeSentGrant(http_.LastRequest()).iat, kT0);
  EXPECT_THAT(AllLogs(), HasSubstr("600 s"));
  EXPECT_THAT(AllLogs(), HasSubstr("ignored"));
}

TEST_F(TokenClientTest, DoesNotRetryASkewRefusalBeyondTheBound) {
  http_.PushJson(400, ErrorBody("invalid_grant", WithTrace("Issue time is after now")),
                 {{"Date", HttpDate(kT0 - 3600)}});
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  EXPECT_FALSE(client.Fetch(Request()).ok());
  EXPECT_EQ(http_.CallCount(), 1u);
  EXPECT_EQ(client.skew(), seconds(0));
}

TEST_F(TokenClientTest, IgnoresOffsetsBelowTwoSeconds) {
  http_.PushJson(200, kOkBody, {{"Date", HttpDate(kT0 + 1)}});
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(client.skew(), seconds(0));
  EXPECT_TRUE(logs_.empty() || AllLogs().find("skew") == std::string::npos) << AllLogs();
}

TEST_F(TokenClientTest, ReturnsToZeroSkewWhenTheClocksAgreeAgain) {
  http_.PushJson(200, kOkBody, {{"Date", HttpDate(kT0 + 60)}});
  http_.PushJson(200, kOkBody, {{"Date", HttpDate(kT0)}});
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(client.skew(), seconds(60));
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(client.skew(), seconds(0));
}

TEST_F(TokenClientTest, IgnoresAnUnparseableDateHeader) {
  http_.PushJson(200, kOkBody, {{"Date", "yesterday"}});
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(client.skew(), seconds(0));
}

TEST_F(TokenClientTest, AcceptsObsoleteDateForms) {
  http_.PushJson(200, kOkBody, {{"Date", "Tuesday, 14-Nov-23 22:14:20 GMT"}});
  http_.PushJson(200, kOkBody, {{"Date", "Tue Nov 14 22:12:20 2023"}});
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(client.skew(), seconds(60));
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_EQ(client.skew(), seconds(-60));
}

// ---- Configuration and grant errors ----

TEST_F(TokenClientTest, RefusesMissingCredentialsOrHttp) {
  TokenClientOptions o = Options();
  o.credentials.reset();
  EXPECT_EQ(TokenClient(o).Fetch(Request()).status().code(), Errc::kInvalidArgument);
  o = Options();
  o.http = nullptr;
  EXPECT_EQ(TokenClient(o).Fetch(Request()).status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(http_.CallCount(), 0u);
}

TEST_F(TokenClientTest, ABadRequestSpecIsAnInvalidGrantBeforeAnyRequest) {
  TokenClient client(Options());
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(TokenRequest{}, &info);  // no scope
  EXPECT_EQ(t.status().code(), Errc::kInvalidGrant) << t.status().ToString();
  EXPECT_EQ(http_.CallCount(), 0u);
  EXPECT_EQ(info.attempts, 0);
}

TEST_F(TokenClientTest, LogsAttemptsWithoutSecrets) {
  http_.PushJson(503, "{}");
  http_.PushJson(200, kOkBody);
  TokenClient client(Options());
  ASSERT_TRUE(client.Fetch(Request()).ok());
  EXPECT_THAT(AllLogs(), HasSubstr("attempt 1/4"));
  EXPECT_THAT(AllLogs(), HasSubstr("retrying"));
  EXPECT_THAT(AllLogs(), Not(HasSubstr("at-secret")));
  EXPECT_THAT(AllLogs(), Not(HasSubstr("eyJ")));
  for (const std::string& line : logs_) EXPECT_EQ(line.find('\n'), std::string::npos);
}

// ---- Over real loopback HTTP (libcurl + FakeTokenServer) ----

class TokenClientLoopbackTest : public TokenClientTest {
 protected:
  TokenClientOptions LoopbackOptions(const testing::FakeTokenServer& server) {
    TokenClientOptions o = Options();
    o.endpoints = {.issuer = server.Url(), .token_endpoint = server.Url() + "token"};
    o.http = curl_;
    return o;
  }
  std::shared_ptr<HttpClient> curl_ = MakeCurlHttpClient(
      {.connect_timeout = milliseconds(2000), .total_timeout = milliseconds(5000)});
};

TEST_F(TokenClientLoopbackTest, RetriesA503AndGetsATokenWithAFreshGrant) {
  std::atomic<int> calls{0};
  testing::FakeTokenServer server([&](const testing::FakeRequest& r) {
    if (r.target != "/token") return testing::FakeResponse{.status = 404};
    if (calls++ == 0) {
      return testing::FakeResponse{
          .status = 503,
          .headers = {{"Content-Type", "application/json"}, {"Retry-After", "2"}},
          .body = R"({"error":"server_error"})"};
    }
    // The server's clock is 60 s ahead of the client's FakeClock (which the 2 s wait moved).
    return testing::FakeTokenResponse("at-secret-loop", 119, "nav:example",
                                      TimePoint(seconds(kT0 + 2 + 60)));
  });
  ASSERT_NE(server.port(), 0);
  randoms_ = {0.0};
  TokenClient client(LoopbackOptions(server));
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->access_token, "at-secret-loop");
  EXPECT_EQ(t->expires_at, TimePoint(seconds(kT0 + 2 + 119)));  // sent after the 2 s wait
  EXPECT_EQ(info.attempts, 2);
  EXPECT_EQ(sleeps_, std::vector<milliseconds>{milliseconds(2000)});
  EXPECT_EQ(client.skew(), seconds(60));

  const std::vector<testing::FakeRequest> requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  std::set<std::string> jtis;
  for (const testing::FakeRequest& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.Header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(r.Header("accept"), "application/json");
    const SentGrant g = DecodeSentGrant(HttpRequest{.body = r.body});
    EXPECT_EQ(g.aud, server.Url());
    jtis.insert(g.jti);
  }
  EXPECT_EQ(jtis.size(), 2u);
}

TEST_F(TokenClientLoopbackTest, DecodesAMaskinportenErrorWithoutRetrying) {
  testing::FakeTokenServer server([](const testing::FakeRequest&) {
    return testing::FakeMaskinportenError(MpError::kMp121, kTraceId);
  });
  ASSERT_NE(server.port(), 0);
  TokenClient client(LoopbackOptions(server));
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().ToString(),
            "maskinporten_error: MP-121: Invalid assertion. Client authentication failed. "
            "Expired key. (trace_id 356666143081bbec11d293753e9702ca)");
  ASSERT_TRUE(info.error.has_value());
  EXPECT_EQ(info.error->Hint(), MpErrorInfoFor(MpError::kMp121).hint);
  EXPECT_EQ(server.RequestCount(), 1u);
}

TEST_F(TokenClientLoopbackTest, RetriesAClosedPortAsANetworkError) {
  std::string url;
  {
    testing::FakeTokenServer server;
    ASSERT_NE(server.port(), 0);
    url = server.Url();
  }  // stopped: nothing listens on the port now
  TokenClientOptions o = Options();
  o.endpoints = {.issuer = url, .token_endpoint = url + "token"};
  o.http = curl_;
  o.retry.max_attempts = 3;
  TokenClient client(o);
  FetchInfo info;
  Result<AccessToken> t = client.Fetch(Request(), &info);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Errc::kNetworkError) << t.status().ToString();
  EXPECT_THAT(t.status().message(), HasSubstr("after 3 attempts"));
  EXPECT_EQ(info.attempts, 3);
  EXPECT_EQ(sleeps_.size(), 2u);
}

}  // namespace
}  // namespace mp
