#include "http/beast_request.h"

#include <gtest/gtest.h>

#include <string>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

namespace mp::http {
namespace {

namespace beast_http = boost::beast::http;

// Parses `wire` as the server's session does (a request_parser, eager) and converts it.
HttpRequest Parse(std::string_view wire) {
  beast_http::request_parser<beast_http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  return ToHttpRequest(parser.get(), "127.0.0.1:5000");
}

TEST(ToHttpRequest, SplitsTheTargetAtTheFirstQuestionMark) {
  HttpRequest r = Parse("GET /api/v1/scopes?scope=a%3Ab&x=?y HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/api/v1/scopes?scope=a%3Ab&x=?y");
  EXPECT_EQ(r.path, "/api/v1/scopes");  // not percent-decoded
  EXPECT_EQ(r.query, "scope=a%3Ab&x=?y");
  EXPECT_EQ(Parse("GET /health HTTP/1.1\r\n\r\n").query, "");
}

TEST(ToHttpRequest, LowersHeaderNamesTrimsValuesAndKeepsWireOrder) {
  HttpRequest r = Parse(
      "POST /token HTTP/1.1\r\nContent-TYPE:  application/x-www-form-urlencoded \t\r\n"
      "X-A: 1\r\nx-a: 2\r\nContent-Length: 3\r\n\r\na=b");
  ASSERT_EQ(r.headers.size(), 4u);
  EXPECT_EQ(r.headers[0].first, "content-type");
  EXPECT_EQ(r.headers[0].second, "application/x-www-form-urlencoded");
  EXPECT_EQ(r.headers[1], (std::pair<std::string, std::string>("x-a", "1")));
  EXPECT_EQ(r.headers[2], (std::pair<std::string, std::string>("x-a", "2")));
  EXPECT_EQ(*r.Header("x-a"), "1");
  EXPECT_EQ(r.body, "a=b");
}

TEST(ToHttpRequest, SetsTheRemoteAndANewTraceId) {
  HttpRequest a = Parse("GET / HTTP/1.1\r\n\r\n");
  HttpRequest b = Parse("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(a.remote, "127.0.0.1:5000");
  EXPECT_EQ(a.trace_id.size(), 32u);
  EXPECT_EQ(a.trace_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a.trace_id, b.trace_id);
}

}  // namespace
}  // namespace mp::http
