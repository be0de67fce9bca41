// The agent's request bodies (agent_api.h), without sockets: JSON and form spell the same call.
#include "agent/agent_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mp::agent {
namespace {

using ::testing::HasSubstr;

http::HttpRequest Request(std::string content_type, std::string body) {
  http::HttpRequest r;
  r.method = "POST";
  r.path = "/api/v1/token";
  r.headers = {{"content-type", std::move(content_type)}};
  r.body = std::move(body);
  return r;
}

TEST(ParseTokenCall, JsonAndFormGiveTheSameCall) {
  Result<TokenCall> json = ParseTokenCall(Request(
      "application/json; charset=utf-8",
      R"({"identity_provider":"maskinporten","target":"a:b  c:d","resource":"https://api/",)"
      R"("skip_cache":true,"consumer_org":"910753614",)"
      R"("authorization_details":[{"type":"urn:altinn:consent","id":"x"}]})"));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  Result<TokenCall> form = ParseTokenCall(
      Request("application/x-www-form-urlencoded",
              "identity_provider=maskinporten&target=a%3Ab+c%3Ad&resource=https%3A%2F%2Fapi%2F"
              "&skip_cache=true&consumer_org=910753614"
              "&authorization_details=%7B%22type%22%3A%22urn%3Aaltinn%3Aconsent%22%2C%22id%22%3A%"
              "22x%22%7D"));
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  for (const TokenCall* call : {&*json, &*form}) {
    EXPECT_EQ(call->identity_provider, "maskinporten");
    EXPECT_EQ(call->request.scopes, (std::vector<std::string>{"a:b", "c:d"}));
    EXPECT_EQ(call->request.resource, "https://api/");
    EXPECT_TRUE(call->skip_cache);
    ASSERT_TRUE(call->request.consumer_org.has_value());
    EXPECT_EQ(call->request.consumer_org->digits(), "910753614");
    EXPECT_EQ(call->request.authorization_details, R"({"id":"x","type":"urn:altinn:consent"})");
  }
}

TEST(ParseTokenCall, OptionalFieldsMayBeAbsentAndUnknownOnesAreIgnored) {
  Result<TokenCall> call = ParseTokenCall(Request(
      "application/json", R"({"identity_provider":"maskinporten","target":"a:b","extra":1})"));
  ASSERT_TRUE(call.ok()) << call.status().ToString();
  EXPECT_FALSE(call->skip_cache);
  EXPECT_FALSE(call->request.resource.has_value());
  EXPECT_FALSE(call->request.consumer_org.has_value());
  EXPECT_FALSE(call->request.authorization_details.has_value());
}

TEST(ParseTokenCall, RefusesBadFieldsNamingThem) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"target":"a:b"})", "identity_provider is required"},
      {R"({"identity_provider":"maskinporten","target":"   "})", "target is required"},
      {R"({"identity_provider":"maskinporten","target":["a:b"]})", "target must be a string"},
      {R"({"identity_provider":"maskinporten","target":"a:b","skip_cache":1})", "skip_cache"},
      {R"({"identity_provider":"maskinporten","target":"a:b","consumer_org":"910753615"})",
       "consumer_org"},
      {R"({"identity_provider":"maskinporten","target":"a:b","authorization_details":[{},{}]})",
       "2 entries"},
      {R"({"identity_provider":"maskinporten","target":"a:b","authorization_details":"x"})",
       "authorization_details"},
      {R"({"identity_provider":"maskinporten","identity_provider":"x","target":"a:b"})", "body"},
  };
  for (const auto& [body, text] : cases) {
    Result<TokenCall> call = ParseTokenCall(Request("application/json", body));
    ASSERT_FALSE(call.ok()) << body;
    EXPECT_THAT(call.status().message(), HasSubstr(text)) << body;
  }
  EXPECT_FALSE(ParseTokenCall(Request("application/x-www-form-urlencoded",
                                      "identity_provider=a&identity_provider=b&target=x"))
                   .ok());
  Result<TokenCall> none = ParseTokenCall(Request("", "{}"));
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("Content-Type"));
}

TEST(ParseIntrospectCall, TakesProviderAndToken) {
  Result<IntrospectCall> call = ParseIntrospectCall(
      Request("application/x-www-form-urlencoded", "identity_provider=maskinporten&token=a.b.c"));
  ASSERT_TRUE(call.ok()) << call.status().ToString();
  EXPECT_EQ(call->token, "a.b.c");
  EXPECT_FALSE(
      ParseIntrospectCall(Request("application/json", R"({"identity_provider":"x"})")).ok());
}

}  // namespace
}  // namespace mp::agent
