#include "http/http_types.h"

#include <gtest/gtest.h>

#include <string>

#include "maskinporten/status.h"

namespace mp::http {
namespace {

HttpRequest Req(std::string method, std::string path) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = path;
  request.target = std::move(path);
  return request;
}

HttpResponse Echo(const HttpRequest& request) {
  std::string body = request.method + " " + request.path;
  for (const auto& [name, value] : request.path_params) body += " " + name + "=" + value;
  return HttpResponse::Text(200, body);
}

Router TestRouter() {
  Router router;
  router.Add("GET", "/health", Echo);
  router.Add("GET", "/api/v1/clients/{id}/jwks", Echo);
  router.Add("PUT", "/api/v1/clients/{id}/jwks", Echo);
  router.Add("GET", "/api/v1/clients/{id}", Echo);
  router.Add("DELETE", "/api/v1/clients/{id}", Echo);
  router.Add("GET", "/a/{x}/b/{y}", Echo);
  router.Add("GET", "/", Echo);
  return router;
}

TEST(Router, DispatchesExactPath) {
  HttpResponse response = TestRouter().Dispatch(Req("GET", "/health"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "GET /health");
}

TEST(Router, RootMatchesOnlyRoot) {
  EXPECT_EQ(TestRouter().Dispatch(Req("GET", "/")).body, "GET /");
  EXPECT_EQ(TestRouter().Dispatch(Req("GET", "//")).status, 404);
}

TEST(Router, CapturesPercentDecodedParameters) {
  HttpResponse response = TestRouter().Dispatch(Req("GET", "/api/v1/clients/my%20client%2Fx/jwks"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "GET /api/v1/clients/my%20client%2Fx/jwks id=my client/x");
}

TEST(Router, CapturesSeveralParametersAndKeepsPlusInPaths) {
  HttpResponse response = TestRouter().Dispatch(Req("GET", "/a/1+2/b/three"));
  EXPECT_EQ(response.body, "GET /a/1+2/b/three x=1+2 y=three");
}

TEST(Router, HandlerSeesParamsThroughParam) {
  Router router;
  router.Add("GET", "/c/{id}", [](const HttpRequest& r) {
    return HttpResponse::Text(200, r.Param("id") + "|" + r.Param("missing"));
  });
  EXPECT_EQ(router.Dispatch(Req("GET", "/c/abc")).body, "abc|");
}

TEST(Router, EmptyParameterSegmentDoesNotMatch) {
  EXPECT_EQ(TestRouter().Dispatch(Req("GET", "/api/v1/clients//jwks")).status, 404);
}

TEST(Router, TrailingSlashIsADifferentPath) {
  EXPECT_EQ(TestRouter().Dispatch(Req("GET", "/health/")).status, 404);
}

TEST(Router, UnknownPathAnswers404Json) {
  HttpResponse response = TestRouter().Dispatch(Req("GET", "/x"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":"not_found","error_description":"no route for GET /x"})");
  EXPECT_EQ(response.labels.route, "http.not_found");
}

TEST(Router, NotFoundBodyStaysValidJsonForHostilePaths) {
  HttpResponse response = TestRouter().Dispatch(Req("GET", "/\"\xff"));
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find(R"(no route for GET /\")"), std::string::npos);
  EXPECT_EQ(response.body.find('\xff'), std::string::npos);
}

TEST(Router, OtherMethodAnswers405WithAllow) {
  HttpResponse response = TestRouter().Dispatch(Req("POST", "/api/v1/clients/c1/jwks"));
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, PUT");
  EXPECT_NE(response.body.find(R"("error":"method_not_allowed")"), std::string::npos);
}

TEST(Router, BadEscapeInParameterAnswers400) {
  HttpResponse response = TestRouter().Dispatch(Req("GET", "/api/v1/clients/%zz"));
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("invalid_request"), std::string::npos);
}

TEST(Router, FirstMatchingRouteWins) {
  Router router;
  router.Add("GET", "/x/special", [](const HttpRequest&) { return HttpResponse::Text(200, "s"); });
  router.Add("GET", "/x/{id}", [](const HttpRequest&) { return HttpResponse::Text(200, "p"); });
  EXPECT_EQ(router.Dispatch(Req("GET", "/x/special")).body, "s");
  EXPECT_EQ(router.Dispatch(Req("GET", "/x/other")).body, "p");
}

TEST(HttpRequest, HeaderFindsFirstByLowerCaseName) {
  HttpRequest request;
  request.headers = {{"accept", "a"}, {"x-y", "1"}, {"x-y", "2"}};
  ASSERT_NE(request.Header("x-y"), nullptr);
  EXPECT_EQ(*request.Header("x-y"), "1");
  EXPECT_EQ(request.Header("missing"), nullptr);
}

TEST(HttpResponse, FactoriesSetStatusTypeAndBody) {
  HttpResponse json = HttpResponse::Json(201, "{}");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.content_type, "application/json");
  HttpResponse text = HttpResponse::Text(200, "hi", "text/html");
  EXPECT_EQ(text.content_type, "text/html");
  EXPECT_EQ(text.body, "hi");
}

TEST(PercentDecode, DecodesEscapesInEitherCase) {
  Result<std::string> decoded = PercentDecode("a%3Ab%3ac%2F%00z", false);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, std::string("a:b:c/\0z", 8));
}

TEST(PercentDecode, PlusIsSpaceOnlyInFormMode) {
  EXPECT_EQ(*PercentDecode("a+b%2B", true), "a b+");
  EXPECT_EQ(*PercentDecode("a+b%2B", false), "a+b+");
}

TEST(PercentDecode, RejectsBadEscapes) {
  for (const char* bad : {"%", "%4", "a%G1", "%%41", "abc%2", "%-1", "% 1"}) {
    Result<std::string> decoded = PercentDecode(bad, true);
    EXPECT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.status().code(), Errc::kInvalidArgument) << bad;
  }
}

TEST(PercentEncode, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b+c/d:e?&=%"), "a%20b%2Bc%2Fd%3Ae%3F%26%3D%25");
  EXPECT_EQ(PercentEncode(std::string("\0\xff", 2)), "%00%FF");
}

TEST(PercentEncode, RoundTripsThroughDecode) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(*PercentDecode(PercentEncode(all), true), all);
  EXPECT_EQ(*PercentDecode(PercentEncode(all), false), all);
}

TEST(ParseForm, ParsesPairsInOrder) {
  auto form = ParseForm("grant_type=urn%3Aietf%3Aparams&scope=a+b&assertion=x.y.z");
  ASSERT_TRUE(form.ok());
  ASSERT_EQ(form->size(), 3u);
  EXPECT_EQ((*form)[0], std::make_pair(std::string("grant_type"), std::string("urn:ietf:params")));
  EXPECT_EQ((*form)[1].second, "a b");
  EXPECT_EQ(FormValue(*form, "assertion"), "x.y.z");
  EXPECT_EQ(FormValue(*form, "missing"), std::nullopt);
}

TEST(ParseForm, EmptyBodyIsEmptyForm) {
  auto form = ParseForm("");
  ASSERT_TRUE(form.ok());
  EXPECT_TRUE(form->empty());
}

TEST(ParseForm, NameWithoutEqualsHasEmptyValue) {
  auto form = ParseForm("a&b=&c=1");
  ASSERT_TRUE(form.ok());
  ASSERT_EQ(form->size(), 3u);
  EXPECT_EQ(FormValue(*form, "a"), "");
  EXPECT_EQ(FormValue(*form, "b"), "");
  EXPECT_EQ(FormValue(*form, "c"), "1");
}

TEST(ParseForm, SkipsEmptyPairs) {
  auto form = ParseForm("&a=1&&b=2&");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form->size(), 2u);
}

TEST(ParseForm, ValueMayContainEquals) { EXPECT_EQ(FormValue(*ParseForm("a=b=c"), "a"), "b=c"); }

TEST(ParseForm, RefusesRepeatedName) {
  auto form = ParseForm("scope=a&assertion=x&scope=b");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(form.status().message().find("'scope'"), std::string::npos);
}

TEST(ParseForm, RefusesNameRepeatedInAnotherEncoding) {
  auto form = ParseForm("scope=a&sc%6Fpe=b");
  ASSERT_FALSE(form.ok());
  EXPECT_NE(form.status().message().find("'scope'"), std::string::npos);
}

TEST(ParseForm, BadEscapeNamesTheParameterNotTheValue) {
  auto form = ParseForm("client_assertion=secret%zzpart");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(form.status().message().find("client_assertion"), std::string::npos);
  EXPECT_EQ(form.status().message().find("secret"), std::string::npos);
}

TEST(ParseForm, BadEscapeInNameIsRefused) {
  EXPECT_EQ(ParseForm("a%2=1").status().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace mp::http
