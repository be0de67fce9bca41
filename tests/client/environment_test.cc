#include "maskinporten/environment.h"

#include <map>
#include <string>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/fake_http_client.h"

namespace mp {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// ---- presets and issuers ----

TEST(EndpointsForPreset, TestIsTheTestIssuerWithTokenAndJwkPaths) {
  Result<Endpoints> ep = EndpointsForPreset("test");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->issuer, "https://test.maskinporten.no/");
  EXPECT_EQ(ep->token_endpoint, "https://test.maskinporten.no/token");
  EXPECT_EQ(ep->jwks_uri, "https://test.maskinporten.no/jwk");
}

TEST(EndpointsForPreset, ProdIsTheProdIssuerWithTokenAndJwkPaths) {
  Result<Endpoints> ep = EndpointsForPreset("prod");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->issuer, "https://maskinporten.no/");
  EXPECT_EQ(ep->token_endpoint, "https://maskinporten.no/token");
  EXPECT_EQ(ep->jwks_uri, "https://maskinporten.no/jwk");
}

TEST(EndpointsForPreset, RejectsRetiredAndUnknownNames) {
  for (const char* name : {"ver2", "TEST", "", "staging", "skyporten"}) {
    Result<Endpoints> ep = EndpointsForPreset(name);
    ASSERT_FALSE(ep.ok()) << name;
    EXPECT_EQ(ep.status().code(), Errc::kInvalidArgument) << name;
    EXPECT_THAT(ep.status().message(), HasSubstr("test or prod"));
  }
}

TEST(EndpointsForIssuer, LoopbackHttpIssuerGivesTokenAndJwkUnderIt) {
  Result<Endpoints> ep = EndpointsForIssuer("http://127.0.0.1:8080/");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->issuer, "http://127.0.0.1:8080/");
  EXPECT_EQ(ep->token_endpoint, "http://127.0.0.1:8080/token");
  EXPECT_EQ(ep->jwks_uri, "http://127.0.0.1:8080/jwk");
}

TEST(EndpointsForIssuer, AcceptsHttpsWithPathAndLoopbackNames) {
  for (const char* issuer : {"https://example.no/mp/", "https://test.maskinporten.no/",
                             "http://localhost:9000/", "http://[::1]:9000/"}) {
    Result<Endpoints> ep = EndpointsForIssuer(issuer);
    ASSERT_TRUE(ep.ok()) << issuer << ": " << ep.status().ToString();
    EXPECT_EQ(ep->token_endpoint, std::string(issuer) + "token");
  }
}

struct BadIssuer {
  const char* issuer;
  const char* message_part;
};

class EndpointsForIssuerRejects : public ::testing::TestWithParam<BadIssuer> {};

TEST_P(EndpointsForIssuerRejects, WithInvalidArgumentNamingTheProblem) {
  Result<Endpoints> ep = EndpointsForIssuer(GetParam().issuer);
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(ep.status().message(), HasSubstr(GetParam().message_part));
}

INSTANTIATE_TEST_SUITE_P(
    Issuers, EndpointsForIssuerRejects,
    ::testing::Values(BadIssuer{"https://test.maskinporten.no", "must end with '/'"},
                      BadIssuer{"http://127.0.0.1:8080", "must end with '/'"},
                      BadIssuer{"https://example.no/token", "must end with '/'"},
                      BadIssuer{"http://maskinporten.no/", "not https"},
                      BadIssuer{"http://10.0.0.1/", "not https"},
                      BadIssuer{"ftp://127.0.0.1/", "not an absolute http(s) URL"},
                      BadIssuer{"test.maskinporten.no/", "not an absolute http(s) URL"},
                      BadIssuer{"", "not an absolute http(s) URL"},
                      BadIssuer{"https:///", "not an absolute http(s) URL"},
                      BadIssuer{"https://user:pw@example.no/", "userinfo"},
                      BadIssuer{"http://127.0.0.1@evil.example/", "userinfo"},
                      BadIssuer{"https://example.no/?a=/", "query or fragment"},
                      BadIssuer{"https://example.no/#/", "query or fragment"}));

// ---- loopback ----

// IsLoopbackHost is the one loopback test for a bare host: URLs, the local login's peer address
// and its Host header all come down to it.
TEST(IsLoopbackHost, AcceptsExactlyTheLoopbackForms) {
  for (const char* host : {"localhost", "LocalHost", "127.0.0.1", "127.255.255.254", "::1", "[::1]",
                           "0:0:0:0:0:0:0:1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"",
                           "localhost.",
                           "localhost.evil.example",
                           "127.0.0.1.evil.example",
                           "127.1",
                           "127.0.0",
                           "0177.0.0.1",
                           "127.000.0.1",
                           "127.0.0.256",
                           "0x7f.0.0.1",
                           "2130706433",
                           "128.0.0.1",
                           "::2",
                           "[::1",
                           "::1]",
                           "[[::1]]",
                           "::ffff:127.0.0.1",
                           "[::ffff:127.0.0.1]",
                           "127.0.0.1:80",
                           "[127.0.0.1]",
                           "::",
                           "fe80::1",
                           "127.0.0.1 ",
                           " 127.0.0.1"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
  EXPECT_FALSE(IsLoopbackHost(std::string_view("127.0.0.1\0", 10)));
  EXPECT_FALSE(IsLoopbackHost(std::string(100, ':')));
}

class IsLoopbackUrlTrue : public ::testing::TestWithParam<const char*> {};
TEST_P(IsLoopbackUrlTrue, ForLoopbackHosts) { EXPECT_TRUE(IsLoopbackUrl(GetParam())); }
INSTANTIATE_TEST_SUITE_P(Urls, IsLoopbackUrlTrue,
                         ::testing::Values("http://127.0.0.1/", "http://127.0.0.1:8080/token",
                                           "https://127.255.255.254/", "http://127.0.0.1",
                                           "http://127.0.0.1?x=1", "http://localhost:1/",
                                           "HTTP://LOCALHOST/", "http://[::1]:8080/",
                                           "http://[0:0:0:0:0:0:0:1]/", "https://[::1]"));

class IsLoopbackUrlFalse : public ::testing::TestWithParam<const char*> {};
TEST_P(IsLoopbackUrlFalse, ForRemoteHostsAndTricks) { EXPECT_FALSE(IsLoopbackUrl(GetParam())); }
INSTANTIATE_TEST_SUITE_P(
    Urls, IsLoopbackUrlFalse,
    ::testing::Values(
        // userinfo: the host is what follows the last '@'
        "http://127.0.0.1@evil.example/", "http://127.0.0.1:80@evil.example/",
        "http://localhost@evil.example/", "http://user@127.0.0.1/",
        "http://a@127.0.0.1@evil.example/",
        // the host ends at '/', '?' or '#'
        "http://evil.example#@127.0.0.1/", "http://evil.example?@127.0.0.1/",
        "http://evil.example/127.0.0.1", "http://evil.example/http://127.0.0.1/",
        // look-alike names and numbers
        "http://127.0.0.1.evil.example/", "http://localhost.evil.example/",
        "http://evil-localhost/", "http://128.0.0.1/", "http://126.0.0.1/", "http://2130706433/",
        "http://0x7f.0.0.1/", "http://127.1/", "http://0177.0.0.1/", "http://127.0.0.256/",
        "http://127.0.0.1.1/", "http://[::2]/", "http://[::ffff:127.0.0.1]/", "http://[::1/",
        "http://::1/",
        // not http(s) or not a URL
        "ftp://127.0.0.1/", "file://localhost/etc/passwd", "127.0.0.1", "//127.0.0.1/", "",
        "http:///127.0.0.1", "http://127.0.0.1:99999/", "http://127.0.0.1:abc/",
        "http://127.0.0.1:/", "http:// 127.0.0.1/", "http://127.0.0.1\\@evil.example/",
        "http://127.0.0.1%2f@evil.example/", "http://evil.example\t127.0.0.1/"));

// ---- metadata ----

constexpr char kTestMetadata[] = R"({
  "issuer": "https://test.maskinporten.no/",
  "token_endpoint": "https://test.maskinporten.no/token",
  "jwks_uri": "https://test.maskinporten.no/jwk",
  "token_endpoint_auth_methods_supported": ["private_key_jwt"],
  "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
  "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512"],
  "authorization_details_types_supported": ["urn:altinn:systemuser", "urn:altinn:consent"]
})";

TEST(ParseMetadata, ReadsTheSpecExampleDocument) {
  Result<Endpoints> ep = ParseMetadata(kTestMetadata, "https://test.maskinporten.no/");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->issuer, "https://test.maskinporten.no/");
  EXPECT_EQ(ep->token_endpoint, "https://test.maskinporten.no/token");
  EXPECT_EQ(ep->jwks_uri, "https://test.maskinporten.no/jwk");
}

TEST(ParseMetadata, UsesTheDocumentsEndpointsNotDerivedOnes) {
  Result<Endpoints> ep = ParseMetadata(
      R"({"issuer":"https://a.example/","token_endpoint":"https://b.example/oauth2/token",)"
      R"("jwks_uri":"https://c.example/keys"})",
      "https://a.example/");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->token_endpoint, "https://b.example/oauth2/token");
  EXPECT_EQ(ep->jwks_uri, "https://c.example/keys");
}

TEST(ParseMetadata, RejectsAnotherIssuerNamingBoth) {
  Result<Endpoints> ep = ParseMetadata(kTestMetadata, "https://maskinporten.no/");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kDiscoveryError);
  EXPECT_EQ(ep.status().message(),
            "metadata issuer https://test.maskinporten.no/ differs from configured "
            "https://maskinporten.no/");
}

TEST(ParseMetadata, RejectsIssuerThatDiffersOnlyInTheTrailingSlash) {
  Result<Endpoints> ep = ParseMetadata(kTestMetadata, "https://test.maskinporten.no");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kDiscoveryError);
}

TEST(ParseMetadata, RejectsHttpTokenEndpointOffLoopback) {
  Result<Endpoints> ep =
      ParseMetadata(R"({"issuer":"https://a.example/","token_endpoint":"http://a.example/token",)"
                    R"("jwks_uri":"https://a.example/jwk"})",
                    "https://a.example/");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kDiscoveryError);
  EXPECT_THAT(ep.status().message(), AllOf(HasSubstr("token_endpoint"), HasSubstr("not https")));
}

TEST(ParseMetadata, RejectsHttpJwksUriOffLoopback) {
  Result<Endpoints> ep =
      ParseMetadata(R"({"issuer":"https://a.example/","token_endpoint":"https://a.example/token",)"
                    R"("jwks_uri":"http://127.0.0.1@a.example/jwk"})",
                    "https://a.example/");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kDiscoveryError);
  EXPECT_THAT(ep.status().message(), HasSubstr("jwks_uri"));
}

TEST(ParseMetadata, AllowsHttpEndpointsOnLoopback) {
  Result<Endpoints> ep = ParseMetadata(
      R"({"issuer":"http://127.0.0.1:5000/","token_endpoint":"http://127.0.0.1:5000/token",)"
      R"("jwks_uri":"http://localhost:5000/jwk"})",
      "http://127.0.0.1:5000/");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->token_endpoint, "http://127.0.0.1:5000/token");
}

struct BadMetadata {
  const char* json;
  Errc code;
  const char* message_part;
};

class ParseMetadataRejects : public ::testing::TestWithParam<BadMetadata> {};

TEST_P(ParseMetadataRejects, WithTheCodeAndField) {
  Result<Endpoints> ep = ParseMetadata(GetParam().json, "https://a.example/");
  ASSERT_FALSE(ep.ok()) << GetParam().json;
  EXPECT_EQ(ep.status().code(), GetParam().code) << ep.status().ToString();
  EXPECT_THAT(ep.status().message(), HasSubstr(GetParam().message_part));
}

INSTANTIATE_TEST_SUITE_P(
    Documents, ParseMetadataRejects,
    ::testing::Values(
        BadMetadata{
            R"({"token_endpoint":"https://a.example/token","jwks_uri":"https://a.example/jwk"})",
            Errc::kDiscoveryError, "no issuer"},
        BadMetadata{R"({"issuer":"https://a.example/","jwks_uri":"https://a.example/jwk"})",
                    Errc::kDiscoveryError, "no token_endpoint"},
        BadMetadata{R"({"issuer":"https://a.example/","token_endpoint":"https://a.example/token"})",
                    Errc::kDiscoveryError, "no jwks_uri"},
        BadMetadata{R"({"issuer":["https://a.example/"],"token_endpoint":"https://a.example/t",)"
                    R"("jwks_uri":"https://a.example/jwk"})",
                    Errc::kDiscoveryError, "issuer is not a string"},
        BadMetadata{R"({"issuer":"https://a.example/","token_endpoint":42,)"
                    R"("jwks_uri":"https://a.example/jwk"})",
                    Errc::kDiscoveryError, "token_endpoint is not a string"},
        BadMetadata{R"({"issuer":"https://a.example/","token_endpoint":"/token",)"
                    R"("jwks_uri":"https://a.example/jwk"})",
                    Errc::kDiscoveryError, "token_endpoint"},
        BadMetadata{R"({"issuer":"https://a.example/","token_endpoint":"https://a.example/t",)"
                    R"("jwks_uri":"https://a.example/jwk","issuer":"https://evil.example/"})",
                    Errc::kDuplicateJsonKey, "metadata document"},
        BadMetadata{R"(["https://a.example/"])", Errc::kInvalidJson, "metadata document"},
        BadMetadata{"<html>not found</html>", Errc::kInvalidJson, "metadata document"}));

// ---- discovery (in-memory HTTP) ----

TEST(Discover, GetsTheWellKnownDocumentUnderTheIssuer) {
  testing::FakeHttpClient http;
  http.PushJson(200, kTestMetadata);
  Result<Endpoints> ep = Discover(http, "https://test.maskinporten.no/");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->token_endpoint, "https://test.maskinporten.no/token");
  ASSERT_EQ(http.CallCount(), 1u);
  EXPECT_EQ(http.LastRequest().method, "GET");
  EXPECT_EQ(http.LastRequest().url,
            "https://test.maskinporten.no/.well-known/oauth-authorization-server");
}

TEST(Discover, NonOkStatusIsDiscoveryErrorWithTheStatus) {
  testing::FakeHttpClient http;
  http.PushJson(404, R"({"error":"not_found"})");
  Result<Endpoints> ep = Discover(http, "https://test.maskinporten.no/");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kDiscoveryError);
  EXPECT_THAT(ep.status().message(), HasSubstr("HTTP 404"));
}

TEST(Discover, NetworkErrorsPassThrough) {
  testing::FakeHttpClient http;
  http.PushError(Errc::kNetworkError, "connection refused");
  Result<Endpoints> ep = Discover(http, "https://test.maskinporten.no/");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kNetworkError);
  EXPECT_EQ(ep.status().message(), "connection refused");
}

TEST(Discover, WrongIssuerInDocumentIsDiscoveryError) {
  testing::FakeHttpClient http;
  http.PushJson(200, kTestMetadata);
  Result<Endpoints> ep = Discover(http, "https://maskinporten.no/");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kDiscoveryError);
  EXPECT_THAT(ep.status().message(), HasSubstr("differs from configured"));
}

TEST(Discover, RefusesAnHttpIssuerOffLoopbackWithoutARequest) {
  testing::FakeHttpClient http;
  Result<Endpoints> ep = Discover(http, "http://maskinporten.no/");
  ASSERT_FALSE(ep.ok());
  EXPECT_EQ(ep.status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(http.CallCount(), 0u);
}

// ---- client configuration ----

using Vars = std::map<std::string, std::string>;

class FakeEnv {
 public:
  explicit FakeEnv(std::map<std::string, std::string> vars = {}) : vars_(std::move(vars)) {}
  GetEnv Fn() const {
    return [this](const char* name) -> const char* {
      auto it = vars_.find(name);
      return it == vars_.end() ? nullptr : it->second.c_str();
    };
  }

 private:
  std::map<std::string, std::string> vars_;
};

ClientConfig CompleteFlags() {
  return ClientConfig{.env = "test",
                      .client_id = "my-client",
                      .scopes = {"nav:a"},
                      .kid = "kid-1",
                      .key_file = "key.pem"};
}

Status ResolveStatus(ClientConfig flags, std::map<std::string, std::string> env = {}) {
  FakeEnv e(std::move(env));
  return ResolveClientConfig(std::move(flags), e.Fn()).status();
}

TEST(ResolveClientConfig, CompleteFlagsNeedNoEnvironment) {
  FakeEnv env;
  Result<ClientConfig> c = ResolveClientConfig(CompleteFlags(), env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_id, "my-client");
  EXPECT_THAT(c->scopes, ElementsAre("nav:a"));
}

TEST(ResolveClientConfig, EverythingFromTheEnvironment) {
  FakeEnv env(Vars{{"MASKINPORTEN_ENV", "prod"},
                   {"MASKINPORTEN_CLIENT_ID", "env-client"},
                   {"MASKINPORTEN_SCOPES", "  nav:a  nav:b\tnav:c "},
                   {"MASKINPORTEN_KID", "env-kid"},
                   {"MASKINPORTEN_KEY_FILE", "env.pem"},
                   {"MASKINPORTEN_CONSUMER_ORG", "910753614"}});
  Result<ClientConfig> c = ResolveClientConfig({}, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->env, "prod");
  EXPECT_EQ(c->client_id, "env-client");
  EXPECT_THAT(c->scopes, ElementsAre("nav:a", "nav:b", "nav:c"));
  EXPECT_EQ(c->kid, "env-kid");
  EXPECT_EQ(c->key_file, "env.pem");
  EXPECT_EQ(c->consumer_org, "910753614");
}

TEST(ResolveClientConfig, FlagsWinOverEnvironment) {
  FakeEnv env(Vars{{"MASKINPORTEN_ENV", "prod"},
                   {"MASKINPORTEN_CLIENT_ID", "env-client"},
                   {"MASKINPORTEN_SCOPES", "env:scope"},
                   {"MASKINPORTEN_KID", "env-kid"},
                   {"MASKINPORTEN_KEY_FILE", "env.pem"},
                   {"MASKINPORTEN_CONSUMER_ORG", "not-an-org"}});
  ClientConfig flags = CompleteFlags();
  flags.consumer_org = "910753614";
  Result<ClientConfig> c = ResolveClientConfig(flags, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->env, "test");
  EXPECT_EQ(c->client_id, "my-client");
  EXPECT_THAT(c->scopes, ElementsAre("nav:a"));
  EXPECT_EQ(c->kid, "kid-1");
  EXPECT_EQ(c->key_file, "key.pem");
  EXPECT_EQ(c->consumer_org, "910753614");
}

TEST(ResolveClientConfig, SplitsSpaceSeparatedScopeFlags) {
  ClientConfig flags = CompleteFlags();
  flags.scopes = {"a:b c:d", " e:f "};
  FakeEnv env;
  Result<ClientConfig> c = ResolveClientConfig(flags, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_THAT(c->scopes, ElementsAre("a:b", "c:d", "e:f"));
}

TEST(ResolveClientConfig, IssuerWinsOverEnv) {
  ClientConfig flags = CompleteFlags();
  flags.env = "";
  FakeEnv env(
      Vars{{"MASKINPORTEN_ENV", "prod"}, {"MASKINPORTEN_ISSUER", "http://127.0.0.1:8080/"}});
  Result<ClientConfig> c = ResolveClientConfig(flags, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->issuer, "http://127.0.0.1:8080/");
}

TEST(ResolveClientConfig, EnvFlagIsNotOverriddenByIssuerVariable) {
  ClientConfig flags = CompleteFlags();  // --env test
  FakeEnv env(Vars{{"MASKINPORTEN_ISSUER", "http://127.0.0.1:8080/"}});
  Result<ClientConfig> c = ResolveClientConfig(flags, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->env, "test");
  EXPECT_EQ(c->issuer, "");
}

TEST(ResolveClientConfig, InvalidIssuerNamesFlagAndVariable) {
  ClientConfig flags = CompleteFlags();
  flags.issuer = "http://maskinporten.no/";
  Status s = ResolveStatus(flags);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("--issuer"), HasSubstr("MASKINPORTEN_ISSUER")));
}

TEST(ResolveClientConfig, MissingEnvironmentNamesFlagsAndVariables) {
  ClientConfig flags = CompleteFlags();
  flags.env = "";
  Status s = ResolveStatus(flags);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("--env"), HasSubstr("MASKINPORTEN_ENV"),
                                 HasSubstr("--issuer"), HasSubstr("MASKINPORTEN_ISSUER")));
}

TEST(ResolveClientConfig, UnknownEnvironmentIsRejected) {
  ClientConfig flags = CompleteFlags();
  flags.env = "";
  Status s = ResolveStatus(flags, {{"MASKINPORTEN_ENV", "ver2"}});
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("ver2"), HasSubstr("MASKINPORTEN_ENV")));
}

TEST(ResolveClientConfig, MissingClientIdNamesFlagAndVariable) {
  ClientConfig flags = CompleteFlags();
  flags.client_id = "";
  Status s = ResolveStatus(flags);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_EQ(s.message(), "client id missing: pass --client-id or set MASKINPORTEN_CLIENT_ID");
}

TEST(ResolveClientConfig, MissingOrBlankScopesNameFlagAndVariable) {
  ClientConfig flags = CompleteFlags();
  flags.scopes = {};
  for (Status s : {ResolveStatus(flags), ResolveStatus(flags, {{"MASKINPORTEN_SCOPES", "  "}})}) {
    EXPECT_EQ(s.code(), Errc::kInvalidArgument);
    EXPECT_THAT(s.message(), AllOf(HasSubstr("--scope"), HasSubstr("MASKINPORTEN_SCOPES")));
  }
}

TEST(ResolveClientConfig, MissingCredentialsNameEveryForm) {
  ClientConfig flags = CompleteFlags();
  flags.key_file = "";
  flags.kid = "";
  Status s = ResolveStatus(flags);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr("--key"), HasSubstr("--kid"), HasSubstr("--cert"), HasSubstr("--p12"),
                    HasSubstr("--jwk"), HasSubstr("MASKINPORTEN_KEY_FILE"),
                    HasSubstr("MASKINPORTEN_P12_FILE")));
}

TEST(ResolveClientConfig, KeyWithoutKidOrCertNamesKidFlagAndVariable) {
  ClientConfig flags = CompleteFlags();
  flags.kid = "";
  Status s = ResolveStatus(flags);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("--kid"), HasSubstr("MASKINPORTEN_KID")));
}

TEST(ResolveClientConfig, KeyFlagTakesKidFromEnvironment) {
  ClientConfig flags = CompleteFlags();
  flags.kid = "";
  FakeEnv env(Vars{{"MASKINPORTEN_KID", "env-kid"}});
  Result<ClientConfig> c = ResolveClientConfig(flags, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kid, "env-kid");
}

TEST(ResolveClientConfig, CertificateWithKeyIsAForm) {
  ClientConfig flags = CompleteFlags();
  flags.kid = "";
  flags.cert_file = "chain.pem";
  FakeEnv env(Vars{{"MASKINPORTEN_KID", "env-kid"}});
  Result<ClientConfig> c = ResolveClientConfig(flags, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->cert_file, "chain.pem");
  EXPECT_EQ(c->kid, "") << "a kid from the environment must not turn an x5c grant into a kid one";
}

TEST(ResolveClientConfig, CertificateWithoutKeyNamesKeyFlagAndVariable) {
  ClientConfig flags = CompleteFlags();
  flags.kid = "";
  flags.key_file = "";
  flags.cert_file = "chain.pem";
  Status s = ResolveStatus(flags);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("--key"), HasSubstr("MASKINPORTEN_KEY_FILE")));
}

TEST(ResolveClientConfig, CertificateWithKidFlagIsRejected) {
  ClientConfig flags = CompleteFlags();
  flags.cert_file = "chain.pem";
  Status s = ResolveStatus(flags);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("either kid or x5c"));
}

TEST(ResolveClientConfig, P12AloneIsAFormWithPasswordFromEnvironment) {
  ClientConfig flags = CompleteFlags();
  flags.kid = "";
  flags.key_file = "";
  flags.p12_file = "cert.p12";
  FakeEnv env(Vars{{"MASKINPORTEN_P12_PASSWORD", "pw"}});
  Result<ClientConfig> c = ResolveClientConfig(flags, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->p12_password, "pw");
}

TEST(ResolveClientConfig, P12FlagIgnoresCredentialVariables) {
  ClientConfig flags = CompleteFlags();
  flags.kid = "";
  flags.key_file = "";
  flags.p12_file = "cert.p12";
  FakeEnv env(Vars{{"MASKINPORTEN_KEY_FILE", "env.pem"},
                   {"MASKINPORTEN_CERT_FILE", "env-chain.pem"},
                   {"MASKINPORTEN_KID", "env-kid"}});
  Result<ClientConfig> c = ResolveClientConfig(flags, env.Fn());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->key_file, "");
  EXPECT_EQ(c->cert_file, "");
  EXPECT_EQ(c->kid, "");
}

TEST(ResolveClientConfig, JwkAloneIsAForm) {
  ClientConfig flags = CompleteFlags();
  flags.kid = "";
  flags.key_file = "";
  flags.jwk_file = "key.jwk";
  EXPECT_TRUE(ResolveStatus(flags).ok());
}

struct TwoForms {
  const char* name;
  ClientConfig flags;
};

class ResolveClientConfigTwoForms : public ::testing::TestWithParam<TwoForms> {};

TEST_P(ResolveClientConfigTwoForms, AreRejected) {
  Status s = ResolveStatus(GetParam().flags);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument) << GetParam().name;
  EXPECT_THAT(s.message(), HasSubstr("exactly one"));
}

ClientConfig With(void (*edit)(ClientConfig&)) {
  ClientConfig c = CompleteFlags();
  edit(c);
  return c;
}

INSTANTIATE_TEST_SUITE_P(
    Forms, ResolveClientConfigTwoForms,
    ::testing::Values(TwoForms{"key+p12", With([](ClientConfig& c) { c.p12_file = "c.p12"; })},
                      TwoForms{"key+jwk", With([](ClientConfig& c) { c.jwk_file = "k.jwk"; })},
                      TwoForms{"p12+jwk", With([](ClientConfig& c) {
                                 c.key_file = "";
                                 c.p12_file = "c.p12";
                                 c.jwk_file = "k.jwk";
                               })},
                      TwoForms{"cert+p12", With([](ClientConfig& c) {
                                 c.key_file = "";
                                 c.kid = "";
                                 c.cert_file = "chain.pem";
                                 c.p12_file = "c.p12";
                               })}),
    [](const ::testing::TestParamInfo<TwoForms>& info) {
      std::string n = info.param.name;
      for (char& ch : n) {
        if (ch == '+') ch = '_';
      }
      return n;
    });

TEST(ResolveClientConfig, TwoFormsFromTheEnvironmentAreRejected) {
  ClientConfig flags = CompleteFlags();
  flags.kid = "";
  flags.key_file = "";
  Status s = ResolveStatus(flags, {{"MASKINPORTEN_KEY_FILE", "k.pem"},
                                   {"MASKINPORTEN_KID", "kid"},
                                   {"MASKINPORTEN_P12_FILE", "c.p12"}});
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("exactly one"));
}

TEST(ResolveClientConfig, InvalidConsumerOrgNamesFlagAndVariable) {
  for (const char* org : {"910753615", "91075361", "abc"}) {
    Status s = ResolveStatus(CompleteFlags(), {{"MASKINPORTEN_CONSUMER_ORG", org}});
    EXPECT_EQ(s.code(), Errc::kInvalidOrgNumber) << org;
    EXPECT_THAT(s.message(),
                AllOf(HasSubstr("--consumer-org"), HasSubstr("MASKINPORTEN_CONSUMER_ORG")));
  }
}

TEST(ResolveClientConfig, NoErrorMessageContainsThePassword) {
  constexpr char kPassword[] = "hunter2-very-secret";
  ClientConfig p12 = CompleteFlags();
  p12.p12_file = "c.p12";  // and key_file: two forms
  ClientConfig no_client = CompleteFlags();
  no_client.client_id = "";
  no_client.key_file = "";
  no_client.kid = "";
  no_client.p12_file = "c.p12";
  for (const ClientConfig& flags : {p12, no_client}) {
    Status s = ResolveStatus(flags, {{"MASKINPORTEN_P12_PASSWORD", kPassword}});
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.ToString(), Not(HasSubstr(kPassword)));
  }
}

TEST(ResolveClientConfig, WorksWithoutAGetenvFunction) {
  Result<ClientConfig> c = ResolveClientConfig(CompleteFlags(), GetEnv());
  EXPECT_TRUE(c.ok()) << c.status().ToString();
}

}  // namespace
}  // namespace mp
