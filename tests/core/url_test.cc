#include "core/url.h"

#include <gtest/gtest.h>

#include <string>

namespace mp {
namespace {

TEST(ParseHostPort, ReadsHostAndPort) {
  std::optional<HostPort> hp = ParseHostPort("example.no:8443");
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "example.no");
  EXPECT_FALSE(hp->ip_literal);
  EXPECT_EQ(hp->port, 8443);

  hp = ParseHostPort("localhost");
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "localhost");
  EXPECT_FALSE(hp->port.has_value());

  hp = ParseHostPort("[::1]:65535");
  ASSERT_TRUE(hp.has_value());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_TRUE(hp->ip_literal);
  EXPECT_EQ(hp->port, 65535);
}

TEST(ParseHostPort, RefusesWhatIsNotPlainlyOneHostAndPort) {
  for (const char* bad :
       {"",        ":80",        "host:",     "host:0",  "host:65536", "host:123456", "host:+80",
        "host:8o", "host:80:81", "user@host", "ho st",   "ho%73t",     "[::1",        "[::1]x",
        "[::1]:",  "[]",         "[::g]",     "[::1]:0", "::1",        "host/"}) {
    EXPECT_FALSE(ParseHostPort(bad).has_value()) << bad;
  }
}

TEST(ParseHttpUrl, SplitsAnAbsoluteHttpsUrl) {
  std::optional<HttpUrl> url = ParseHttpUrl("https://test.maskinporten.no:443/token?a=b#c");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->scheme, UrlScheme::kHttps);
  EXPECT_FALSE(url->userinfo.has_value());
  EXPECT_EQ(url->host_port.host, "test.maskinporten.no");
  EXPECT_EQ(url->host_port.port, 443);
  EXPECT_EQ(url->path, "/token?a=b#c");
}

TEST(ParseHttpUrl, MatchesTheSchemeWithoutCaseAndAllowsAnEmptyPath) {
  std::optional<HttpUrl> url = ParseHttpUrl("HTTP://Example.NO");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->scheme, UrlScheme::kHttp);
  EXPECT_EQ(url->host_port.host, "Example.NO");
  EXPECT_EQ(url->path, "");
  url = ParseHttpUrl("http://h?q");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->path, "?q");
}

TEST(ParseHttpUrl, TheHostFollowsTheLastAt) {
  // "http://127.0.0.1@evil.example/" goes to evil.example: the userinfo is reported, never
  // mistaken for the host.
  std::optional<HttpUrl> url = ParseHttpUrl("http://127.0.0.1@evil.example/");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->userinfo, "127.0.0.1");
  EXPECT_EQ(url->host_port.host, "evil.example");
  url = ParseHttpUrl("https://a@b:c@host/");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->userinfo, "a@b:c");
  EXPECT_EQ(url->host_port.host, "host");
  url = ParseHttpUrl("https://@host/");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->userinfo, "");  // present, though empty
  // An '@' after the authority is path, not userinfo.
  url = ParseHttpUrl("https://host/a@b");
  ASSERT_TRUE(url.has_value());
  EXPECT_FALSE(url->userinfo.has_value());
  EXPECT_EQ(url->host_port.host, "host");
}

TEST(ParseHttpUrl, RefusesOtherSchemesAndAmbiguousText) {
  for (const char* bad : {"",
                          "example.no",
                          "//example.no/",
                          "ftp://example.no/",
                          "file:///etc",
                          "https:/example.no/",
                          "https://",
                          "https:///path",
                          "https://:443/",
                          "https://exa mple.no/",
                          "https://example.no/a b",
                          "https://example.no\\@evil.example/",
                          "https://example.no/\t",
                          "https://example.no/\x7f",
                          "https://host:99999/",
                          "https://host:0/",
                          "https://[::1/",
                          "https://user@/",
                          "https://ex%61mple.no/",
                          "httpx://example.no/",
                          " https://example.no/"}) {
    EXPECT_FALSE(ParseHttpUrl(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseHttpUrl(std::string_view("https://example.no/\0", 20)).has_value());
}

TEST(IsLoopbackHostPort, ABracketedLiteralIsLoopbackOnlyAsIpv6) {
  EXPECT_TRUE(IsLoopbackHost(HostPort{.host = "::1", .ip_literal = true}));
  EXPECT_TRUE(IsLoopbackHost(HostPort{.host = "127.0.0.1"}));
  EXPECT_TRUE(IsLoopbackHost(HostPort{.host = "LOCALHOST"}));
  EXPECT_FALSE(IsLoopbackHost(HostPort{.host = "127.0.0.1", .ip_literal = true}));
  EXPECT_FALSE(IsLoopbackHost(HostPort{.host = "localhost", .ip_literal = true}));
  EXPECT_FALSE(IsLoopbackHost(HostPort{.host = "::ffff:127.0.0.1", .ip_literal = true}));
  EXPECT_FALSE(IsLoopbackHost(HostPort{.host = "example.no"}));
}

TEST(IsLoopbackUrl, IsParseHttpUrlWithoutUserinfoToALoopbackHost) {
  EXPECT_TRUE(IsLoopbackUrl("http://127.0.0.1:8080/"));
  EXPECT_TRUE(IsLoopbackUrl("https://[::1]/"));
  EXPECT_TRUE(IsLoopbackUrl("HTTP://localhost"));
  EXPECT_FALSE(IsLoopbackUrl("http://u@127.0.0.1/"));
  EXPECT_FALSE(IsLoopbackUrl("http://127.0.0.1@evil.example/"));
  EXPECT_FALSE(IsLoopbackUrl("http://[127.0.0.1]/"));
  EXPECT_FALSE(IsLoopbackUrl("http://127.0.0.1:0/"));
  EXPECT_FALSE(IsLoopbackUrl("http://127.0.0.1:65536/"));
  EXPECT_FALSE(IsLoopbackUrl("ftp://127.0.0.1/"));
  EXPECT_FALSE(IsLoopbackUrl("http://localhost/a b"));
}

TEST(IsHttpsOrLoopback, AllowsPlainHttpOnlyToLoopback) {
  auto check = [](const char* text) { return IsHttpsOrLoopback(*ParseHttpUrl(text)); };
  EXPECT_TRUE(check("https://example.no/"));
  EXPECT_TRUE(check("https://127.0.0.1/"));
  EXPECT_TRUE(check("http://127.0.0.1:1/"));
  EXPECT_TRUE(check("http://[::1]/"));
  EXPECT_FALSE(check("http://example.no/"));
  EXPECT_FALSE(check("http://[127.0.0.1]/"));
  EXPECT_FALSE(check("http://127.0.0.1.nip.io/"));
}

TEST(RedactUserinfo, HidesEverythingBeforeTheLastAtOfTheAuthority) {
  EXPECT_EQ(RedactUserinfo("https://user:secret@host/p"), "https://***@host/p");
  EXPECT_EQ(RedactUserinfo("https://a@b:pw@host"), "https://***@host");
  EXPECT_EQ(RedactUserinfo("https://host/p@q"), "https://host/p@q");
  EXPECT_EQ(RedactUserinfo("https://host/"), "https://host/");
  // Any scheme, and text ParseHttpUrl refuses: a password is hidden wherever it is.
  EXPECT_EQ(RedactUserinfo("ftp://u:pw@host"), "ftp://***@host");
  EXPECT_EQ(RedactUserinfo("https://u:p w@host:99999/"), "https://***@host:99999/");
  EXPECT_EQ(RedactUserinfo("no scheme@host"), "no scheme@host");
}

}  // namespace
}  // namespace mp
