#include "http/http_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>

#include "core/mutex.h"
#include "http/raw_http_client.h"
#include "maskinporten/org_number.h"
#include "maskinporten/test_ca.h"
#include "testing/jose_fixtures.h"
#include "testing/process.h"

namespace mp::http {
namespace {

using std::chrono::milliseconds;
using testing::Get;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::Post;
using testing::RawConnection;
using testing::RawReply;
using SteadyClock = std::chrono::steady_clock;

// Answers "<METHOD> <path>" and echoes what the server handed the handler.
HttpResponse EchoHandler(const HttpRequest& request) {
  std::string body = request.method + " " + request.path + " q=" + request.query +
                     " body=" + request.body + " trace=" + request.trace_id;
  if (const std::string* agent = request.Header("x-test")) body += " x-test=" + *agent;
  HttpResponse response = HttpResponse::Text(200, body);
  response.headers.emplace_back("X-Extra", "1");
  return response;
}

std::unique_ptr<HttpServer> StartOrDie(HttpServerOptions options, Handler handler = EchoHandler) {
  if (options.threads == 0) options.threads = 2;
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (!server.ok()) return nullptr;
  return std::move(server).value();
}

TEST(HttpServer, AnswersGetWithHeadersTheHandlerSet) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/hello?a=b%20c", "X-Test:  value  \r\n")));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value()) << c.last_error().message();
  EXPECT_EQ(reply->status, 200);
  EXPECT_THAT(reply->body, MatchesRegex("GET /hello q=a=b%20c body= trace=[0-9a-f]{32} "
                                        "x-test=value"));
  EXPECT_EQ(reply->Header("Server"), "maskinporten-cpp");
  EXPECT_EQ(reply->Header("Content-Type"), "text/plain");
  EXPECT_EQ(reply->Header("X-Extra"), "1");
  EXPECT_EQ(reply->Header("Cache-Control"), "");  // no-store is for JSON
}

TEST(HttpServer, DateHeaderComesFromTheInjectedClock) {
  FakeClock clock(1700000000);  // 2023-11-14T22:13:20Z, a Tuesday
  auto server = StartOrDie({.clock = &clock});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/date")));
  std::optional<RawReply> first = c.Read();
  ASSERT_TRUE(first.has_value()) << c.last_error().message();
  EXPECT_EQ(first->Header("Date"), "Tue, 14 Nov 2023 22:13:20 GMT");
  clock.Advance(std::chrono::seconds(86400 * 47 + 3600));  // 2023-12-31T23:13:20Z, a Sunday
  ASSERT_TRUE(c.Send(Get("/date")));
  std::optional<RawReply> second = c.Read();
  ASSERT_TRUE(second.has_value()) << c.last_error().message();
  EXPECT_EQ(second->Header("Date"), "Sun, 31 Dec 2023 23:13:20 GMT");
}

TEST(HttpServer, AnswersPostWithJsonAndNoStore) {
  auto server = StartOrDie({}, [](const HttpRequest& request) {
    return HttpResponse::Json(201, R"({"got":")" + request.body + R"("})");
  });
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Post("/token", "grant_type=x")));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, R"({"got":"grant_type=x"})");
  EXPECT_EQ(reply->Header("Content-Type"), "application/json");
  EXPECT_EQ(reply->Header("Cache-Control"), "no-store");
}

TEST(HttpServer, HandlerHeaderReplacesDefaultOfSameName) {
  auto server = StartOrDie({}, [](const HttpRequest&) {
    HttpResponse response = HttpResponse::Json(200, "{}");
    response.headers = {{"Cache-Control", "max-age=60"},
                        {"Set-Cookie", "a=1"},
                        {"Set-Cookie", "b=2"},
                        {"X-Bad", "a\r\nInjected: 1"}};
    return response;
  });
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->Header("Cache-Control"), "max-age=60");
  EXPECT_EQ(reply->headers.count("Set-Cookie"), 2u);
  EXPECT_EQ(reply->Header("Injected"), "");
  EXPECT_EQ(reply->Header("X-Bad"), "");
}

TEST(HttpServer, KeepsConnectionAliveForSecondRequest) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/one")));
  std::optional<RawReply> first = c.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->keep_alive);
  ASSERT_TRUE(c.Send(Post("/two", "x=1")));
  std::optional<RawReply> second = c.Read();
  ASSERT_TRUE(second.has_value());
  EXPECT_THAT(second->body, HasSubstr("POST /two q= body=x=1"));
}

TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/a") + Get("/b")));
  std::optional<RawReply> a = c.Read();
  std::optional<RawReply> b = c.Read();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_THAT(a->body, HasSubstr("GET /a "));
  EXPECT_THAT(b->body, HasSubstr("GET /b "));
}

TEST(HttpServer, ClosesAfterResponseWhenClientAsksConnectionClose) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/", "Connection: close\r\n")));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(reply->keep_alive);
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, Http10ClosesByDefault) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send("GET /old HTTP/1.0\r\n\r\n"));
  std::string received;
  EXPECT_TRUE(c.WaitForClose(&received));
  EXPECT_THAT(received, HasSubstr("HTTP/1.0 200 OK"));
}

TEST(HttpServer, Answers431ForOversizedHeaderAndCloses) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  c.Send(Get("/", "X-Big: " + std::string(20 * 1024, 'a') + "\r\n"));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value()) << c.last_error().message();
  EXPECT_EQ(reply->status, 431);
  EXPECT_FALSE(reply->keep_alive);
  EXPECT_THAT(reply->body, HasSubstr("\"error\":\"invalid_request\""));
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, Answers413ForOversizedBodyAndCloses) {
  std::atomic<int> calls{0};
  auto server = StartOrDie({}, [&](const HttpRequest&) {
    ++calls;
    return HttpResponse::Text(200, "");
  });
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  c.Send(Post("/token", std::string(70 * 1024, 'x')));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value()) << c.last_error().message();
  EXPECT_EQ(reply->status, 413);
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, Answers413ForTooLargeContentLengthBeforeTheBody) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send("POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value()) << c.last_error().message();
  EXPECT_EQ(reply->status, 413);
}

// Content-Length is a number from outside: a value past 64 bits, a negative or a list is a
// malformed request (400), one that fits but exceeds max_body_bytes is 413, before any body.
TEST(HttpServer, ContentLengthAtAndBeyondThe64BitLimitIsRefused) {
  const std::vector<std::pair<std::string, int>> cases = {{"18446744073709551615", 413},
                                                          {"18446744073709551616", 400},
                                                          {"99999999999999999999999", 400},
                                                          {"9223372036854775808", 413},
                                                          {"-1", 400},
                                                          {"1, 2", 400},
                                                          {"1.5", 400},
                                                          {"65537", 413}};
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  for (const auto& [length, status] : cases) {
    RawConnection c = RawConnection::Connect(server->port());
    ASSERT_TRUE(
        c.Send("POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n"));
    std::optional<RawReply> reply = c.Read();
    ASSERT_TRUE(reply.has_value()) << length << ": " << c.last_error().message();
    EXPECT_EQ(reply->status, status) << length;
    EXPECT_FALSE(reply->keep_alive) << length;
  }
}

TEST(HttpServer, AcceptsBodyAtTheLimit) {
  auto server = StartOrDie({.max_body_bytes = 1000});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Post("/", std::string(1000, 'y'))));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
}

TEST(HttpServer, SendsContinueForExpect100) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(
      c.Send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  std::optional<RawReply> interim = c.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("abc"));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_THAT(reply->body, HasSubstr("body=abc"));
}

TEST(HttpServer, Answers408WhenRequestStallsMidHeaders) {
  auto server = StartOrDie({.read_timeout = milliseconds(200)});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  const auto start = SteadyClock::now();
  ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\nHost: x\r\nX-Partial: "));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value()) << c.last_error().message();
  EXPECT_EQ(reply->status, 408);
  EXPECT_GE(SteadyClock::now() - start, milliseconds(190));
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, ClosesIdleKeepAliveConnectionSilently) {
  auto server = StartOrDie({.idle_timeout = milliseconds(200)});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  ASSERT_TRUE(c.Read().has_value());
  const auto start = SteadyClock::now();
  std::string received;
  EXPECT_TRUE(c.WaitForClose(&received));
  EXPECT_GE(SteadyClock::now() - start, milliseconds(150));
  EXPECT_EQ(received, "");  // no 408 for a connection that was merely idle
}

TEST(HttpServer, Answers400ForMalformedRequestLine) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send("GET\x01 / HTTP/1.1\r\n\r\n"));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value()) << c.last_error().message();
  EXPECT_EQ(reply->status, 400);
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, Answers400ForBadVersion) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send("GET / HTTP/9\r\n\r\n"));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 400);
}

TEST(HttpServer, Answers500WhenHandlerThrows) {
  auto server =
      StartOrDie({}, [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->Header("Content-Type"), "application/json");
  EXPECT_THAT(reply->body, HasSubstr("\"error\":\"server_error\""));
  EXPECT_THAT(reply->body, ::testing::Not(HasSubstr("boom")));
  // The connection and the server survive.
  ASSERT_TRUE(c.Send(Get("/")));
  EXPECT_TRUE(c.Read().has_value());
}

TEST(HttpServer, Answers500ForInvalidStatusFromHandler) {
  auto server = StartOrDie({}, [](const HttpRequest&) { return HttpResponse::Json(1000, "{}"); });
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 500);
}

TEST(HttpServer, HonoursDelayWithoutBlockingOtherRequests) {
  auto server = StartOrDie({.threads = 1}, [](const HttpRequest& request) {
    HttpResponse response = HttpResponse::Text(200, request.path);
    if (request.path == "/slow") response.delay = milliseconds(300);
    return response;
  });
  ASSERT_NE(server, nullptr);
  RawConnection slow = RawConnection::Connect(server->port());
  const auto start = SteadyClock::now();
  ASSERT_TRUE(slow.Send(Get("/slow")));
  // One io thread: a blocking delay would hold this request back too.
  RawConnection fast = RawConnection::Connect(server->port());
  ASSERT_TRUE(fast.Send(Get("/fast")));
  ASSERT_TRUE(fast.Read().has_value());
  EXPECT_LT(SteadyClock::now() - start, milliseconds(300));
  std::optional<RawReply> reply = slow.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "/slow");
  EXPECT_GE(SteadyClock::now() - start, milliseconds(300));
}

TEST(HttpServer, DropConnectionClosesWithoutAnswer) {
  auto server = StartOrDie({}, [](const HttpRequest&) {
    HttpResponse response;
    response.drop_connection = true;
    return response;
  });
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  std::string received;
  EXPECT_TRUE(c.WaitForClose(&received));
  EXPECT_EQ(received, "");
}

// A server with max_connections = 2 whose slots are held by two connections that have each made
// a round trip (so neither is silent, nor shed to make room): the next connection is refused.
std::unique_ptr<HttpServer> StartFullServer(std::vector<RawConnection>& held) {
  auto server = StartOrDie({.max_connections = 2});
  if (server == nullptr) return nullptr;
  for (int i = 0; i < 2; ++i) {
    held.push_back(RawConnection::Connect(server->port()));
    EXPECT_TRUE(held.back().Send(Get("/")) && held.back().Read().has_value());
  }
  return server;
}

TEST(HttpServer, RefusesConnectionsBeyondMaxConnections) {
  std::vector<RawConnection> held;
  auto server = StartFullServer(held);
  ASSERT_NE(server, nullptr);
  RawConnection& a = held[0];
  RawConnection& b = held[1];
  RawConnection third = RawConnection::Connect(server->port());
  std::string received;
  EXPECT_TRUE(third.WaitForClose(&received));
  EXPECT_EQ(received.rfind("HTTP/1.1 503", 0), 0u) << received;
  // The served connections still work, and a slot frees up when one closes.
  ASSERT_TRUE(a.Send(Get("/")));
  EXPECT_TRUE(a.Read().has_value());
  ASSERT_TRUE(b.Send(Get("/", "Connection: close\r\n")));
  ASSERT_TRUE(b.Read().has_value());
  ASSERT_TRUE(b.WaitForClose());
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    RawConnection d = RawConnection::Connect(server->port());
    served = d.Send(Get("/")) && d.Read().has_value();
    if (!served) std::this_thread::sleep_for(milliseconds(10));  // the slot frees asynchronously
  }
  EXPECT_TRUE(served);
}

// Polls until the server serves `n` connections (accepting is asynchronous), at most 5 s.
bool WaitForOpenConnections(const HttpServer& server, size_t n) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(5);
  while (server.open_connections() != n) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// Opens `n` connections that send nothing, one at a time, each seen served before the next (so
// their age order is the order here). Fewer when one is not served within 5 s.
std::vector<RawConnection> OpenSilentConnections(const HttpServer& server, size_t n) {
  std::vector<RawConnection> silent;
  const size_t before = server.open_connections();
  for (size_t i = 1; i <= n; ++i) {
    silent.push_back(RawConnection::Connect(server.port()));
    if (!WaitForOpenConnections(server, before + i)) {
      ADD_FAILURE() << "silent connection " << i << " was not served";
      break;
    }
  }
  return silent;
}

TEST(HttpServer, AtTheCapANewConnectionTakesTheSlotOfTheOldestSilentOne) {
  auto server = StartOrDie({.max_connections = 3});
  ASSERT_NE(server, nullptr);
  std::vector<RawConnection> silent = OpenSilentConnections(*server, 3);
  ASSERT_EQ(silent.size(), size_t{3});
  RawConnection fresh = RawConnection::Connect(server->port());
  ASSERT_TRUE(fresh.Send(Get("/fresh")));
  std::optional<RawReply> reply = fresh.Read();
  ASSERT_TRUE(reply.has_value()) << fresh.last_error().message();
  EXPECT_EQ(reply->status, 200);
  // The oldest silent connection was closed without an answer; the younger ones are still served.
  std::string received;
  EXPECT_TRUE(silent[0].WaitForClose(&received));
  EXPECT_EQ(received, "");
  for (size_t i = 1; i < silent.size(); ++i) {
    ASSERT_TRUE(silent[i].Send(Get("/")));
    std::optional<RawReply> later = silent[i].Read();
    ASSERT_TRUE(later.has_value())
        << "connection " << i << ": " << silent[i].last_error().message();
    EXPECT_EQ(later->status, 200);
  }
}

TEST(HttpServer, NearTheCapClosesConnectionsSilentLongerThanTheTimeout) {
  // 8 of 10 is the 80% threshold; read_timeout alone would keep them for 10 s.
  auto server = StartOrDie({.max_connections = 10, .pressure_silent_timeout = milliseconds(100)});
  ASSERT_NE(server, nullptr);
  std::vector<RawConnection> silent = OpenSilentConnections(*server, 7);
  ASSERT_EQ(silent.size(), size_t{7});
  // One that has sent part of a request is not silent, however slow it is.
  RawConnection talking = RawConnection::Connect(server->port());
  ASSERT_TRUE(talking.Send("GET /slow HTTP/1.1\r\n"));
  ASSERT_TRUE(WaitForOpenConnections(*server, 8));
  std::this_thread::sleep_for(milliseconds(150));

  RawConnection fresh = RawConnection::Connect(server->port());
  const auto start = SteadyClock::now();
  for (RawConnection& c : silent) {
    std::string received;
    EXPECT_TRUE(c.WaitForClose(&received));  // false after the 5 s receive timeout
    EXPECT_EQ(received, "");
  }
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(2));
  ASSERT_TRUE(talking.Send("Host: x\r\n\r\n"));
  std::optional<RawReply> reply = talking.Read();
  ASSERT_TRUE(reply.has_value()) << talking.last_error().message();
  EXPECT_EQ(reply->status, 200);
  ASSERT_TRUE(fresh.Send(Get("/")));
  EXPECT_TRUE(fresh.Read().has_value());
}

TEST(HttpServer, BelowThePressureThresholdSilentConnectionsStay) {
  auto server = StartOrDie({.max_connections = 10, .pressure_silent_timeout = milliseconds(100)});
  ASSERT_NE(server, nullptr);
  std::vector<RawConnection> silent = OpenSilentConnections(*server, 6);
  ASSERT_EQ(silent.size(), size_t{6});
  std::this_thread::sleep_for(milliseconds(150));
  RawConnection fresh = RawConnection::Connect(server->port());  // the 7th: below 8 of 10
  ASSERT_TRUE(fresh.Send(Get("/")));
  ASSERT_TRUE(fresh.Read().has_value());
  for (RawConnection& c : silent) {
    ASSERT_TRUE(c.Send(Get("/")));
    std::optional<RawReply> reply = c.Read();
    ASSERT_TRUE(reply.has_value()) << c.last_error().message();
    EXPECT_EQ(reply->status, 200);
  }
}

// Defect 4 of issue 14: the server closed a refused connection at once, with the request unread,
// so a client still sending its body got EPIPE/ECONNRESET instead of the 503.
TEST(HttpServer, ClientWritingALargeBodyToAFullServerReadsThe503) {
  std::vector<RawConnection> held;
  auto server = StartFullServer(held);
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  // 512 KiB: far more than the socket buffers take at once, within the 1 MiB the server drains.
  const std::string request = Post("/token", std::string(512 * 1024, 'x'));
  boost::system::error_code ec;
  boost::asio::write(c.socket(), boost::asio::buffer(request), ec);
  EXPECT_FALSE(ec) << "writing the request: " << ec.message();
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value()) << "reading the answer: " << c.last_error().message();
  EXPECT_EQ(reply->status, 503);
  EXPECT_FALSE(reply->keep_alive);
  EXPECT_THAT(reply->body, HasSubstr("too many connections"));
  EXPECT_TRUE(c.WaitForClose());
}

// Raises the soft RLIMIT_NOFILE to `want` for a scope and restores it after.
class ScopedFileLimit {
 public:
  explicit ScopedFileLimit(rlim_t want) {
    if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0) {
      error_ = "getrlimit failed";
      return;
    }
    if (saved_.rlim_cur != RLIM_INFINITY && saved_.rlim_cur >= want) return;
    if (saved_.rlim_max != RLIM_INFINITY && saved_.rlim_max < want) {
      error_ = "RLIMIT_NOFILE hard limit " + std::to_string(saved_.rlim_max) + " is below " +
               std::to_string(want);
      return;
    }
    rlimit raised = saved_;
    raised.rlim_cur = want;
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      error_ = "setrlimit(RLIMIT_NOFILE, " + std::to_string(want) + ") failed";
      return;
    }
    raised_ = true;
  }
  ~ScopedFileLimit() {
    if (raised_) ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  ScopedFileLimit(const ScopedFileLimit&) = delete;
  ScopedFileLimit& operator=(const ScopedFileLimit&) = delete;

  // Empty when the limit is at least `want`.
  const std::string& error() const { return error_; }

 private:
  rlimit saved_{};
  bool raised_ = false;
  std::string error_;
};

// Blocking loopback connect; -1 on failure.
int ConnectFd(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Holds `count` connections that never send a byte, reopening each one the server closes (every
// 20 ms), until destroyed.
class IdleFlood {
 public:
  IdleFlood(uint16_t port, size_t count) : thread_([this, port, count] { Run(port, count); }) {}
  ~IdleFlood() {
    stop_ = true;
    thread_.join();
  }
  IdleFlood(const IdleFlood&) = delete;
  IdleFlood& operator=(const IdleFlood&) = delete;

  bool all_opened() const { return all_opened_; }
  size_t reopened() const { return reopened_; }
  size_t failed() const { return failed_; }

 private:
  void Run(uint16_t port, size_t count) {
    std::vector<pollfd> fds;
    for (size_t i = 0; i < count && !stop_; ++i) fds.push_back({ConnectFd(port), POLLIN, 0});
    all_opened_ = true;
    while (!stop_) {
      ::poll(fds.data(), fds.size(), 0);
      for (pollfd& p : fds) {
        if (p.fd >= 0 && p.revents == 0) continue;
        if (p.fd >= 0) {
          ::close(p.fd);
          ++reopened_;
        }
        p.fd = ConnectFd(port);
        if (p.fd < 0) ++failed_;
        p.revents = 0;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    for (pollfd& p : fds) {
      if (p.fd >= 0) ::close(p.fd);
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<bool> all_opened_{false};
  std::atomic<size_t> reopened_{0};
  std::atomic<size_t> failed_{0};
  std::thread thread_;
};

// Defect 4 of issue 14: with the cap filled by connections that send nothing, new clients got
// 503 until read_timeout (10 s) closed the idle ones. The bound: every control request, each on a
// new connection (connect, request, whole answer), is answered 200 within 500 ms, for 2.5 s after
// the flood holds all of its 1,100 connections (past the 1 s pressure_silent_timeout).
TEST(HttpServer, ControlClientIsAnsweredWithin500msWhileAFloodHolds1100IdleConnections) {
  ScopedFileLimit limit(4096);  // 1,100 client ends + up to 1,024 + 129 server ends + spare
  if (!limit.error().empty()) GTEST_SKIP() << "needs 4096 file descriptors: " << limit.error();
  auto server = StartOrDie({.max_connections = 1024});
  ASSERT_NE(server, nullptr);
  constexpr auto kBound = milliseconds(500);

  milliseconds slowest{0};
  int answered = 0;
  {
    IdleFlood flood(server->port(), 1100);
    std::optional<SteadyClock::time_point> held_since;
    while (!held_since || SteadyClock::now() - *held_since < milliseconds(2500)) {
      if (!held_since && flood.all_opened()) held_since = SteadyClock::now();
      const auto start = SteadyClock::now();
      RawConnection control = RawConnection::Connect(server->port(), "127.0.0.1", kBound);
      ASSERT_TRUE(control.Send(Get("/control", "Connection: close\r\n")));
      std::optional<RawReply> reply = control.Read();
      const auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
      ASSERT_TRUE(reply.has_value())
          << "request " << answered << ": " << control.last_error().message();
      ASSERT_EQ(reply->status, 200) << "request " << answered << ": " << reply->body;
      EXPECT_LE(took, kBound) << "request " << answered;
      slowest = std::max(slowest, took);
      ++answered;
      std::this_thread::sleep_for(milliseconds(10));
    }
    EXPECT_EQ(flood.failed(), 0u);
    EXPECT_GT(flood.reopened(), 0u);  // the server did shed flood connections
    std::cout << "flood: " << answered << " control requests, slowest " << slowest.count()
              << " ms; the flood reopened " << flood.reopened() << " connections\n";
  }
  EXPECT_LE(server->open_connections(), size_t{1024});
}

TEST(HttpServer, StopLetsSlowRequestFinishThenClosesThePort) {
  std::promise<void> entered;
  auto server = StartOrDie({}, [&](const HttpRequest&) {
    entered.set_value();
    std::this_thread::sleep_for(milliseconds(300));  // a CPU-bound handler, as DESIGN.md §5
    return HttpResponse::Text(200, "finished");
  });
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  RawConnection idle = RawConnection::Connect(port);
  RawConnection busy = RawConnection::Connect(port);
  ASSERT_TRUE(busy.Send(Get("/slow")));
  entered.get_future().wait();
  server->Stop(std::chrono::seconds(5));
  std::optional<RawReply> reply = busy.Read();
  ASSERT_TRUE(reply.has_value()) << busy.last_error().message();
  EXPECT_EQ(reply->body, "finished");
  EXPECT_FALSE(reply->keep_alive);
  EXPECT_TRUE(idle.WaitForClose());
  EXPECT_FALSE(RawConnection::CanConnect(port));
  server->Stop();  // idempotent
  server->Wait();  // returns at once after Stop
}

TEST(HttpServer, StopForceClosesAfterGrace) {
  auto server = StartOrDie({.read_timeout = std::chrono::seconds(30)});
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n"));  // never finishes its headers
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = SteadyClock::now();
  server->Stop(milliseconds(100));
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServer, WaitReturnsWhenAnotherThreadStops) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(50));
    server->Stop();
  });
  server->Wait();
  stopper.join();
  EXPECT_FALSE(RawConnection::CanConnect(server->port()));
}

TEST(HttpServer, StopsGracefullyOnSigterm) {
  auto server = StartOrDie({.handle_signals = true});
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  ASSERT_EQ(std::raise(SIGTERM), 0);  // without the handler this would end the test process
  auto waited = std::async(std::launch::async, [&] { server->Wait(); });
  const bool stopped = waited.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  if (!stopped) server->Stop(milliseconds(0));
  EXPECT_TRUE(stopped);
  EXPECT_FALSE(RawConnection::CanConnect(port));
}

TEST(HttpServer, ReportsEachRequestToOnRequest) {
  Mutex mu;
  std::vector<RequestLogEntry> entries;
  std::promise<void> logged;
  HttpServerOptions options;
  options.on_request = [&](const RequestLogEntry& entry) {
    MutexLock lock(mu);
    entries.push_back(entry);
    if (entries.size() == 2) logged.set_value();
  };
  std::atomic<int> n{0};
  auto server = StartOrDie(options, [&](const HttpRequest& request) {
    HttpResponse response = HttpResponse::Json(n++ == 0 ? 200 : 400, "{}");
    response.labels.route = "token";
    response.labels.outcome = n == 2 ? "MP-124" : "";
    response.headers.emplace_back("X-Trace", request.trace_id);
    return response;
  });
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send(Post("/token?x=secret", "a=1")));
  std::optional<RawReply> first = c.Read();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(c.Send(Post("/token", "a=2")));
  ASSERT_TRUE(c.Read().has_value());
  ASSERT_EQ(logged.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  MutexLock lock(mu);
  EXPECT_EQ(entries[0].method, "POST");
  EXPECT_EQ(entries[0].path, "/token");
  EXPECT_EQ(entries[0].status, 200);
  EXPECT_EQ(entries[0].labels.route, "token");
  EXPECT_EQ(entries[0].trace_id, first->Header("X-Trace"));
  EXPECT_THAT(entries[0].remote, MatchesRegex("127\\.0\\.0\\.1:[0-9]+"));
  EXPECT_GE(entries[0].latency.count(), 0);
  EXPECT_EQ(entries[1].status, 400);
  EXPECT_EQ(entries[1].labels.outcome, "MP-124");
  EXPECT_NE(entries[0].trace_id, entries[1].trace_id);
}

TEST(HttpServer, ReportsRefusedRequestsToOnRequest) {
  std::promise<RequestLogEntry> logged;
  HttpServerOptions options;
  options.on_request = [&](const RequestLogEntry& entry) { logged.set_value(entry); };
  auto server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  ASSERT_TRUE(c.Send("POST /t?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n"));
  ASSERT_TRUE(c.Read().has_value());
  auto future = logged.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  RequestLogEntry entry = future.get();
  EXPECT_EQ(entry.status, 413);
  EXPECT_EQ(entry.path, "/t");
  EXPECT_THAT(entry.trace_id, MatchesRegex("[0-9a-f]{32}"));
}

TEST(HttpServer, BaseUrlNamesTheBoundPort) {
  auto server = StartOrDie({});
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->BaseUrl(), "http://127.0.0.1:" + std::to_string(server->port()));
}

TEST(HttpServer, StartRefusesBadListenAddresses) {
  for (const char* listen : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:x",
                             "::1:0", "[::1]", "[::1]0", "nosuchhost.example:0"}) {
    Result<std::unique_ptr<HttpServer>> server = HttpServer::Start({.listen = listen}, EchoHandler);
    ASSERT_FALSE(server.ok()) << listen;
    EXPECT_EQ(server.status().code(), Errc::kInvalidArgument) << listen;
  }
}

TEST(HttpServer, StartRefusesTimeoutsOutsideADay) {
  const std::vector<std::pair<HttpServerOptions, std::string>> cases = {
      {{.pressure_silent_timeout = milliseconds(-1)}, "pressure_silent_timeout is -1 ms"},
      {{.read_timeout = milliseconds::max()}, "read_timeout is 9223372036854775807 ms"},
      {{.idle_timeout = std::chrono::hours(24) + milliseconds(1)}, "idle_timeout is 86400001 ms"},
      {{.read_timeout = milliseconds::min()}, "read_timeout is -9223372036854775808 ms"},
  };
  for (const auto& [options, message] : cases) {
    Result<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, EchoHandler);
    ASSERT_FALSE(server.ok()) << message;
    EXPECT_EQ(server.status().code(), Errc::kInvalidArgument);
    EXPECT_THAT(server.status().message(), HasSubstr(message));
  }
  auto server = StartOrDie({.read_timeout = std::chrono::hours(24)});
  EXPECT_NE(server, nullptr);
}

TEST(HttpServer, StartReportsBindFailureAsIoError) {
  auto first = StartOrDie({});
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<HttpServer>> second =
      HttpServer::Start({.listen = "127.0.0.1:" + std::to_string(first->port())}, EchoHandler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Errc::kIoError);
  EXPECT_THAT(second.status().message(), HasSubstr("127.0.0.1:"));
}

TEST(HttpServer, ServesIpv6Loopback) {
  Result<std::unique_ptr<HttpServer>> server =
      HttpServer::Start({.listen = "[::1]:0", .threads = 1}, EchoHandler);
  if (!server.ok() && server.status().code() == Errc::kIoError) {
    GTEST_SKIP() << "::1 not available: " << server.status().ToString();
  }
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ((*server)->BaseUrl(), "http://[::1]:" + std::to_string((*server)->port()));
  RawConnection c = RawConnection::Connect((*server)->port(), "::1");
  ASSERT_TRUE(c.Send(Get("/v6")));
  std::optional<RawReply> reply = c.Read();
  ASSERT_TRUE(reply.has_value());
  EXPECT_THAT(reply->body, HasSubstr("GET /v6"));
}

// TLS: a leaf from a throwaway test CA (RSA 2048 to keep set-up short).
struct TlsMaterial {
  std::string cert_chain_pem;
  std::string key_pem;
  std::string root_pem;
};

const TlsMaterial& Tls() {
  static const TlsMaterial* material = [] {
    Result<TestCa> ca = TestCa::Create({.name = "HTTP Server Test", .key_bits = 2048});
    if (!ca.ok()) std::abort();
    Result<IssuedCertificate> leaf =
        ca->Issue({.org = OrgNumber::Parse("910753614").value(), .name = "TEST HTTP AS"});
    if (!leaf.ok()) std::abort();
    auto* m = new TlsMaterial;
    m->cert_chain_pem = leaf->chain[0].Pem() + leaf->chain[1].Pem();
    m->key_pem = leaf->key.ToPkcs8Pem();
    m->root_pem = ca->root().Pem();
    return m;
  }();
  return *material;
}

TEST(HttpServer, ServesHttpsWithTheGivenCertificate) {
  const TlsMaterial& tls = Tls();
  auto server = StartOrDie({.tls_cert_pem = tls.cert_chain_pem, .tls_key_pem = tls.key_pem});
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->BaseUrl(), "https://127.0.0.1:" + std::to_string(server->port()));

  namespace net = boost::asio;
  namespace beast_http = boost::beast::http;
  net::io_context io;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.add_certificate_authority(net::buffer(tls.root_pem));
  // The leaf is a virksomhetssertifikat without a SAN: trust the root, skip the host name check.
  ctx.set_verify_mode(net::ssl::verify_peer);
  net::ssl::stream<net::ip::tcp::socket> stream(io, ctx);
  stream.next_layer().connect({net::ip::make_address("127.0.0.1"), server->port()});
  boost::system::error_code ec;
  stream.handshake(net::ssl::stream_base::client, ec);
  ASSERT_FALSE(ec) << ec.message();
  for (int i = 0; i < 2; ++i) {  // keep-alive over TLS
    beast_http::request<beast_http::string_body> req{beast_http::verb::post, "/tls", 11};
    req.set(beast_http::field::host, "localhost");
    req.body() = "secret=1";
    req.prepare_payload();
    beast_http::write(stream, req, ec);
    ASSERT_FALSE(ec) << ec.message();
    boost::beast::flat_buffer buffer;
    beast_http::response<beast_http::string_body> res;
    beast_http::read(stream, buffer, res, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_THAT(res.body(), HasSubstr("POST /tls q= body=secret=1"));
  }
}

TEST(HttpServer, PlainHttpToTlsPortIsNotServed) {
  const TlsMaterial& tls = Tls();
  std::atomic<int> calls{0};
  auto server = StartOrDie({.tls_cert_pem = tls.cert_chain_pem, .tls_key_pem = tls.key_pem},
                           [&](const HttpRequest&) {
                             ++calls;
                             return HttpResponse::Text(200, "");
                           });
  ASSERT_NE(server, nullptr);
  RawConnection c = RawConnection::Connect(server->port());
  c.Send(Get("/"));
  EXPECT_FALSE(c.Read().has_value());
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, StartRefusesBadTlsMaterial) {
  const TlsMaterial& tls = Tls();
  const std::string other_key = mp::testing::OtherTestKey(Algorithm::kRS256).ToPkcs8Pem();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not a certificate", tls.key_pem}, {tls.cert_chain_pem, "not a key"},
      {tls.cert_chain_pem, other_key},  // a key that does not match the certificate
      {tls.cert_chain_pem, ""},           {"", tls.key_pem},
  };
  for (const auto& [cert, key] : cases) {
    Result<std::unique_ptr<HttpServer>> server =
        HttpServer::Start({.tls_cert_pem = cert, .tls_key_pem = key}, EchoHandler);
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.status().code(), Errc::kInvalidArgument);
    EXPECT_THAT(server.status().message(), ::testing::Not(HasSubstr("PRIVATE KEY")));
  }
}

// --- Unix domain sockets (HttpServerOptions::unix_socket)

// One request over the Unix socket at `path`, or nullopt when it cannot connect or read a reply.
std::optional<RawReply> UnixExchange(const std::string& path, const std::string& request) {
  namespace beast_http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::local::stream_protocol::socket socket(io);
  boost::system::error_code ec;
  socket.connect(boost::asio::local::stream_protocol::endpoint(path), ec);
  if (ec) return std::nullopt;
  boost::asio::write(socket, boost::asio::buffer(request), ec);
  if (ec) return std::nullopt;
  boost::beast::flat_buffer buffer;
  beast_http::response_parser<beast_http::string_body> parser;
  beast_http::read(socket, buffer, parser, ec);
  if (ec) return std::nullopt;
  RawReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = parser.get().body();
  return reply;
}

struct stat StatOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

// What is in `dir` besides `except`: no private directory left behind.
std::vector<std::string> OtherEntries(const std::string& dir, const std::string& except) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename() != except) names.push_back(entry.path().filename().string());
  }
  return names;
}

// A socket file nobody listens on, as a killed process leaves it.
void MakeStaleSocket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
}

TEST(HttpServerUnixSocket, ServesWithMode0600EvenUnderAnOpenUmaskAndRemovesItOnStop) {
  mp::testing::TempDir dir;
  const std::string path = dir.File("agent.sock");
  const mode_t old_umask = ::umask(0);  // bind would make the file 0777
  auto server = StartOrDie({.unix_socket = path});
  ::umask(old_umask);
  ASSERT_NE(server, nullptr);
  const struct stat st = StatOf(path);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_THAT(OtherEntries(dir.path(), "agent.sock"), ::testing::IsEmpty());
  EXPECT_EQ(server->BaseUrl(), "http://localhost");
  EXPECT_EQ(server->UnixSocketPath(), path);
  EXPECT_EQ(server->port(), 0);

  for (int i = 0; i < 2; ++i) {
    std::optional<RawReply> reply = UnixExchange(path, Get("/over-unix"));
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    EXPECT_THAT(reply->body, HasSubstr("GET /over-unix"));
  }
  server->Stop();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(UnixExchange(path, Get("/")).has_value());
}

TEST(HttpServerUnixSocket, ReportsTheRemoteAsUnixInTheRequestLog) {
  mp::testing::TempDir dir;
  std::promise<std::string> remote;
  auto server = StartOrDie(
      {.unix_socket = dir.File("s.sock"),
       .on_request = [&remote](const RequestLogEntry& e) { remote.set_value(e.remote); }});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(UnixExchange(dir.File("s.sock"), Get("/")).has_value());
  EXPECT_EQ(remote.get_future().get(), "unix");
}

TEST(HttpServerUnixSocket, ReplacesAStaleSocketButNotALiveOne) {
  mp::testing::TempDir dir;
  const std::string path = dir.File("agent.sock");
  MakeStaleSocket(path);
  const ino_t stale = StatOf(path).st_ino;

  auto first = StartOrDie({.unix_socket = path});
  ASSERT_NE(first, nullptr);
  const ino_t live = StatOf(path).st_ino;
  EXPECT_NE(live, stale);
  EXPECT_EQ(StatOf(path).st_mode & 07777, 0600u);

  // A second server must not take a socket a process listens on.
  Result<std::unique_ptr<HttpServer>> second =
      HttpServer::Start({.unix_socket = path, .threads = 1}, EchoHandler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Errc::kIoError);
  EXPECT_THAT(second.status().message(), HasSubstr(path));
  EXPECT_THAT(second.status().message(), HasSubstr("listening on it"));
  EXPECT_EQ(StatOf(path).st_ino, live);
  EXPECT_THAT(OtherEntries(dir.path(), "agent.sock"), ::testing::IsEmpty());
  std::optional<RawReply> reply = UnixExchange(path, Get("/still-first"));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
}

TEST(HttpServerUnixSocket, StopLeavesAFileThatIsNoLongerItsOwnSocket) {
  mp::testing::TempDir dir;
  const std::string path = dir.File("agent.sock");
  auto server = StartOrDie({.unix_socket = path});
  ASSERT_NE(server, nullptr);
  // Another process replaced the path (after removing ours): Stop must not delete its file.
  ASSERT_EQ(::unlink(path.c_str()), 0);
  std::ofstream(path) << "someone else's";
  server->Stop();
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(HttpServerUnixSocket, RefusesARegularFileADirectoryAndASymlinkAndLeavesThemAlone) {
  mp::testing::TempDir dir;
  const std::string file = dir.File("file");
  std::ofstream(file) << "not a socket";
  const std::string subdir = dir.File("subdir");
  std::filesystem::create_directory(subdir);
  const std::string link = dir.File("link");
  std::filesystem::create_symlink(file, link);
  for (const std::string& path : {file, subdir, link}) {
    Result<std::unique_ptr<HttpServer>> server =
        HttpServer::Start({.unix_socket = path, .threads = 1}, EchoHandler);
    ASSERT_FALSE(server.ok()) << path;
    EXPECT_EQ(server.status().code(), Errc::kIoError);
    EXPECT_THAT(server.status().message(), HasSubstr(path));
    EXPECT_THAT(server.status().message(), HasSubstr("not a socket"));
  }
  std::ifstream in(file);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "not a socket");
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_TRUE(std::filesystem::is_directory(subdir));
  std::vector<std::string> entries = OtherEntries(dir.path(), "");
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{"file", "link", "subdir"}));
}

TEST(HttpServerUnixSocket, RefusesTlsATooLongPathAndAMissingDirectory) {
  mp::testing::TempDir dir;
  Result<std::unique_ptr<HttpServer>> tls = HttpServer::Start(
      {.unix_socket = dir.File("s"), .tls_cert_pem = "x", .tls_key_pem = "y"}, EchoHandler);
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), Errc::kInvalidArgument);
  Result<std::unique_ptr<HttpServer>> long_path =
      HttpServer::Start({.unix_socket = dir.File(std::string(120, 'a'))}, EchoHandler);
  ASSERT_FALSE(long_path.ok());
  EXPECT_EQ(long_path.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(long_path.status().message(), HasSubstr("at most 107"));
  Result<std::unique_ptr<HttpServer>> missing =
      HttpServer::Start({.unix_socket = dir.File("no/such/dir/s")}, EchoHandler);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Errc::kIoError);
  EXPECT_THAT(OtherEntries(dir.path(), ""), ::testing::IsEmpty());
}

}  // namespace
}  // namespace mp::http
