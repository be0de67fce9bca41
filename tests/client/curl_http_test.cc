// The libcurl HttpClient against FakeTokenServer over real loopback sockets.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "maskinporten/environment.h"
#include "maskinporten/http.h"
#include "testing/fake_token_server.h"
#include "testing/process.h"

namespace mp {
namespace {

using ::testing::AllOf;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::FakeTokenServer;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kProxyVariables[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};

// Every test starts with no proxy variables set (so a developer's proxy cannot send loopback
// requests elsewhere) and ends with the caller's values restored.
class CurlHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kProxyVariables) {
      const char* v = std::getenv(name);
      saved_[name] = v == nullptr ? std::nullopt : std::optional<std::string>(v);
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value.has_value()) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

FakeResponse Text(int status, std::string body) {
  return FakeResponse{
      .status = status, .headers = {{"Content-Type", "text/plain"}}, .body = std::move(body)};
}

// A port that was just listening and is now closed.
uint16_t ClosedPort() {
  FakeTokenServer s;
  uint16_t port = s.port();
  s.Stop();
  return port;
}

TEST_F(CurlHttpTest, GetReturnsStatusLowercasedHeadersAndBody) {
  FakeTokenServer server([](const FakeRequest&) {
    FakeResponse r = Text(200, "hello");
    r.headers.emplace_back("X-Custom-Header", "  Some Value ");
    return r;
  });
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r = http->Send(
      {.method = "GET", .url = server.Url() + "path?q=1", .headers = {{"Accept", "text/plain"}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->Header("X-CUSTOM-HEADER"), "Some Value");
  bool found_lowercase = false;
  for (const auto& [name, value] : r->headers) found_lowercase |= name == "x-custom-header";
  EXPECT_TRUE(found_lowercase);

  std::vector<FakeRequest> seen = server.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/path?q=1");
  EXPECT_EQ(seen[0].Header("accept"), "text/plain");
  EXPECT_EQ(seen[0].body, "");
}

TEST_F(CurlHttpTest, PostSendsBodyAndHeadersExactlyWithoutExpectContinue) {
  FakeTokenServer server([](const FakeRequest&) { return Text(200, "ok"); });
  std::string body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                     std::string(1100 * 1024, 'x');  // over curl's 1 MiB Expect threshold
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r =
      http->Send({.method = "POST",
                  .url = server.Url() + "token",
                  .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                  .body = body});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  std::vector<FakeRequest> seen = server.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/token");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_EQ(seen[0].Header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[0].Header("content-length"), std::to_string(body.size()));
  EXPECT_EQ(seen[0].Header("expect"), std::nullopt);
}

TEST_F(CurlHttpTest, SendsTheLibraryUserAgent) {
  FakeTokenServer server([](const FakeRequest&) { return Text(200, ""); });
  auto http = MakeCurlHttpClient();
  ASSERT_TRUE(http->Send({.method = "GET", .url = server.Url()}).ok());
  EXPECT_EQ(server.Requests().at(0).Header("user-agent"),
            "maskinporten-cpp/" + std::string(LibraryVersion()));
  EXPECT_FALSE(LibraryVersion().empty());
}

TEST_F(CurlHttpTest, ErrorStatusesAreResponsesNotErrors) {
  FakeTokenServer server([](const FakeRequest& r) {
    return r.target == "/busy" ? Text(503, "busy") : Text(429, "slow down");
  });
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> busy = http->Send({.method = "GET", .url = server.Url() + "busy"});
  ASSERT_TRUE(busy.ok()) << busy.status().ToString();
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->body, "busy");
  Result<HttpResponse> slow = http->Send({.method = "POST", .url = server.Url() + "token"});
  ASSERT_TRUE(slow.ok()) << slow.status().ToString();
  EXPECT_EQ(slow->status, 429);
}

TEST_F(CurlHttpTest, RedirectsAreReturnedNotFollowed) {
  FakeTokenServer server([](const FakeRequest&) {
    return FakeResponse{.status = 302, .headers = {{"Location", "/elsewhere"}}};
  });
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r = http->Send({.method = "POST", .url = server.Url() + "token"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->Header("location"), "/elsewhere");
  EXPECT_EQ(server.RequestCount(), 1u);
}

TEST_F(CurlHttpTest, ResponseWithLengthOverTheLimitIsNetworkError) {
  FakeTokenServer server([](const FakeRequest&) { return Text(200, std::string(4096, 'a')); });
  auto http = MakeCurlHttpClient({.max_response_bytes = 1024});
  Result<HttpResponse> r = http->Send({.method = "GET", .url = server.Url()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
  EXPECT_THAT(r.status().message(), HasSubstr("response larger than 1024 bytes"));
}

TEST_F(CurlHttpTest, ChunkedResponseOverTheLimitIsCutOffWhileReading) {
  FakeTokenServer server([](const FakeRequest&) {
    FakeResponse r = Text(200, std::string(64 * 1024, 'a'));
    r.chunked = true;  // no Content-Length: only counting the bytes can stop it
    return r;
  });
  auto http = MakeCurlHttpClient({.max_response_bytes = 1024});
  Result<HttpResponse> r = http->Send({.method = "GET", .url = server.Url()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
  EXPECT_THAT(r.status().message(), HasSubstr("response larger than 1024 bytes"));
}

TEST_F(CurlHttpTest, ResponseAtTheLimitIsAccepted) {
  FakeTokenServer server([](const FakeRequest&) {
    FakeResponse r = Text(200, std::string(2000, 'a'));
    r.chunked = true;
    return r;
  });
  auto http = MakeCurlHttpClient({.max_response_bytes = 4096});
  Result<HttpResponse> r = http->Send({.method = "GET", .url = server.Url()});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body.size(), 2000u);
}

TEST_F(CurlHttpTest, SlowResponseHitsTheTotalTimeout) {
  FakeTokenServer server([](const FakeRequest&) {
    FakeResponse r = Text(200, "late");
    r.delay = std::chrono::seconds(30);  // cut short when the server stops
    return r;
  });
  auto http = MakeCurlHttpClient({.total_timeout = std::chrono::milliseconds(300)});
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> r = http->Send({.method = "POST", .url = server.Url() + "token"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr("timed out"), HasSubstr(server.Url())));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
}

TEST_F(CurlHttpTest, ConnectionRefusedIsNetworkErrorNamingTheUrlButNotTheBody) {
  std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/token";
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r =
      http->Send({.method = "POST", .url = url, .body = "assertion=SECRET-GRANT"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr(url), Not(HasSubstr("SECRET-GRANT"))));
}

TEST_F(CurlHttpTest, ErrorMessagesHideUserinfo) {
  std::string port = std::to_string(ClosedPort());
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r =
      http->Send({.method = "GET", .url = "http://user:topsecret@127.0.0.1:" + port + "/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
  EXPECT_THAT(r.status().message(), Not(HasSubstr("topsecret")));
}

TEST_F(CurlHttpTest, DroppedConnectionIsNetworkError) {
  FakeTokenServer server([](const FakeRequest&) { return FakeResponse{.drop = true}; });
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r = http->Send({.method = "POST", .url = server.Url() + "token"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
}

TEST_F(CurlHttpTest, KeepAliveReusesOneConnection) {
  FakeTokenServer server([](const FakeRequest&) { return Text(200, "ok"); });
  auto http = MakeCurlHttpClient();
  ASSERT_TRUE(http->Send({.method = "GET", .url = server.Url() + "a"}).ok());
  ASSERT_TRUE(http->Send({.method = "POST", .url = server.Url() + "b", .body = "x=1"}).ok());
  std::vector<FakeRequest> seen = server.Requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(server.ConnectionCount(), 1u);
  EXPECT_EQ(seen[0].connection_id, seen[1].connection_id);
}

TEST_F(CurlHttpTest, ServerCloseLeadsToANewConnection) {
  FakeTokenServer server([](const FakeRequest&) {
    FakeResponse r = Text(200, "ok");
    r.close_after = true;
    return r;
  });
  auto http = MakeCurlHttpClient();
  ASSERT_TRUE(http->Send({.method = "GET", .url = server.Url()}).ok());
  ASSERT_TRUE(http->Send({.method = "GET", .url = server.Url()}).ok());
  EXPECT_EQ(server.ConnectionCount(), 2u);
}

TEST_F(CurlHttpTest, ConcurrentSendsOnOneClientAllSucceed) {
  FakeTokenServer server([](const FakeRequest& r) { return Text(200, r.body); });
  auto http = MakeCurlHttpClient();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string body = std::to_string(t) + ":" + std::to_string(i);
        Result<HttpResponse> r =
            http->Send({.method = "POST", .url = server.Url() + "echo", .body = body});
        if (!r.ok() || r->status != 200 || r->body != body) ++failures[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_EQ(server.RequestCount(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_LE(server.ConnectionCount(), static_cast<size_t>(kThreads));
}

TEST_F(CurlHttpTest, HttpsToAPlainHttpPortFailsTheTlsHandshake) {
  FakeTokenServer server([](const FakeRequest&) { return Text(200, "plain"); });
  auto http = MakeCurlHttpClient({.connect_timeout = std::chrono::milliseconds(5000),
                                  .total_timeout = std::chrono::milliseconds(5000)});
  std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/token";
  Result<HttpResponse> r = http->Send({.method = "POST", .url = url, .body = "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
  EXPECT_THAT(r.status().message(), HasSubstr(url));
  EXPECT_EQ(server.RequestCount(), 0u) << "no HTTP request may be sent in the clear";
}

TEST_F(CurlHttpTest, OnlyHttpAndHttpsSchemesAreAllowed) {
  auto http = MakeCurlHttpClient();
  for (const char* url :
       {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/", "dict://127.0.0.1/"}) {
    Result<HttpResponse> r = http->Send({.method = "GET", .url = url});
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), Errc::kNetworkError) << url;
  }
}

TEST_F(CurlHttpTest, InvalidMethodIsRejectedBeforeSending) {
  FakeTokenServer server;
  auto http = MakeCurlHttpClient();
  for (const char* method : {"", "get", "POST /x HTTP/1.1\r\nX:"}) {
    Result<HttpResponse> r = http->Send({.method = method, .url = server.Url()});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Errc::kInvalidArgument);
  }
  EXPECT_EQ(server.RequestCount(), 0u);
}

TEST_F(CurlHttpTest, HttpProxyVariableSendsAbsoluteFormToTheProxy) {
  FakeTokenServer proxy([](const FakeRequest&) { return Text(200, "via proxy"); });
  ::setenv("http_proxy", proxy.Url().c_str(), 1);
  auto http = MakeCurlHttpClient();
  // The name never resolves: only the proxy (on loopback) is contacted.
  Result<HttpResponse> r =
      http->Send({.method = "POST", .url = "http://maskinporten.invalid/token", .body = "a=b"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "via proxy");
  std::vector<FakeRequest> seen = proxy.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "http://maskinporten.invalid/token");
  EXPECT_EQ(seen[0].Header("host"), "maskinporten.invalid");
  EXPECT_EQ(seen[0].body, "a=b");
}

TEST_F(CurlHttpTest, LowercaseNoProxyBypassesTheProxy) {
  FakeTokenServer proxy([](const FakeRequest&) { return Text(200, "via proxy"); });
  FakeTokenServer target([](const FakeRequest&) { return Text(200, "direct"); });
  ::setenv("http_proxy", proxy.Url().c_str(), 1);
  ::setenv("no_proxy", "127.0.0.1", 1);
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r = http->Send({.method = "GET", .url = target.Url() + "x"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "direct");
  EXPECT_EQ(proxy.RequestCount(), 0u);
  ASSERT_EQ(target.RequestCount(), 1u);
  EXPECT_EQ(target.Requests()[0].target, "/x");
}

TEST_F(CurlHttpTest, UppercaseNoProxyBypassesTheProxy) {
  FakeTokenServer proxy([](const FakeRequest&) { return Text(200, "via proxy"); });
  FakeTokenServer target([](const FakeRequest&) { return Text(200, "direct"); });
  ::setenv("http_proxy", proxy.Url().c_str(), 1);
  ::setenv("NO_PROXY", "example.org,127.0.0.1", 1);
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r = http->Send({.method = "GET", .url = target.Url() + "x"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "direct");
  EXPECT_EQ(proxy.RequestCount(), 0u);
}

TEST_F(CurlHttpTest, NoProxyForAnotherHostStillUsesTheProxy) {
  FakeTokenServer proxy([](const FakeRequest&) { return Text(200, "via proxy"); });
  ::setenv("http_proxy", proxy.Url().c_str(), 1);
  ::setenv("no_proxy", "example.org", 1);
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r = http->Send({.method = "GET", .url = "http://maskinporten.invalid/x"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(proxy.RequestCount(), 1u);
}

TEST_F(CurlHttpTest, ProxyOptionIsUsedWithoutVariables) {
  FakeTokenServer proxy([](const FakeRequest&) { return Text(200, "via proxy"); });
  auto http = MakeCurlHttpClient({.proxy = proxy.Url()});
  Result<HttpResponse> r = http->Send({.method = "GET", .url = "http://maskinporten.invalid/jwk"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(proxy.RequestCount(), 1u);
  EXPECT_EQ(proxy.Requests()[0].target, "http://maskinporten.invalid/jwk");
}

TEST_F(CurlHttpTest, ProxyOptionWinsOverTheVariable) {
  FakeTokenServer env_proxy([](const FakeRequest&) { return Text(200, "env proxy"); });
  FakeTokenServer flag_proxy([](const FakeRequest&) { return Text(200, "flag proxy"); });
  ::setenv("http_proxy", env_proxy.Url().c_str(), 1);
  auto http = MakeCurlHttpClient({.proxy = flag_proxy.Url()});
  Result<HttpResponse> r = http->Send({.method = "GET", .url = "http://maskinporten.invalid/"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "flag proxy");
  EXPECT_EQ(env_proxy.RequestCount(), 0u);
}

TEST_F(CurlHttpTest, DiscoverOverLoopbackHttp) {
  FakeTokenServer server;
  std::string issuer = server.Url();
  server.SetHandler([issuer](const FakeRequest& r) {
    return r.target == "/.well-known/oauth-authorization-server"
               ? testing::FakeMetadataResponse(issuer)
               : Text(404, "");
  });
  auto http = MakeCurlHttpClient();
  Result<Endpoints> ep = Discover(*http, issuer);
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->token_endpoint, issuer + "token");
  EXPECT_EQ(ep->jwks_uri, issuer + "jwk");
}

TEST_F(CurlHttpTest, FakeMaskinportenErrorCarriesTheTableStatusAndBody) {
  FakeTokenServer server([](const FakeRequest&) {
    return testing::FakeMaskinportenError(MpError::kMp110, "abc123", "http://127.0.0.1:1/");
  });
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> r = http->Send({.method = "POST", .url = server.Url() + "token"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(r->body, std::string(R"({"error":"invalid_grant","error_description":")") +
                         "Invalid assertion. Client authentication failed. Invalid JWT claim "
                         "aud. (trace_id: abc123)\",\"error_uri\":"
                         "\"http://127.0.0.1:1/errors/MP-110\"}");
}

// ---- TLS against a real TLS server: `openssl s_server` on 127.0.0.1 ----

constexpr char kOpenSsl[] = "/usr/bin/openssl";

// A self-signed certificate for IP 127.0.0.1 (no DNS names) served by `openssl s_server -www`
// on an ephemeral loopback port, which it reports on stdout as "ACCEPT 127.0.0.1:<port>".
class TlsServerProcess {
 public:
  TlsServerProcess() {
    testing::ProcessResult gen = testing::RunProcess(
        kOpenSsl,
        {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", dir_.File("key.pem"), "-out", dir_.File("cert.pem"), "-days", "1", "-subj",
         "/CN=maskinporten-cpp loopback test", "-addext", "subjectAltName=IP:127.0.0.1"});
    if (gen.exit_code != 0) {
      error_ = "openssl req: " + gen.err;
      return;
    }
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
      error_ = "pipe2 failed";
      return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> args = {
        kOpenSsl, "s_server",           "-accept", "127.0.0.1:0", "-cert", dir_.File("cert.pem"),
        "-key",   dir_.File("key.pem"), "-www"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, kOpenSsl, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    stdin_fd_ = in[1];  // kept open so that s_server never sees EOF on stdin
    stdout_fd_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      error_ = "posix_spawn openssl s_server failed";
      return;
    }
    ReadPort();
  }

  ~TlsServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }

  const std::string& error() const { return error_; }
  std::string CertFile() const { return dir_.File("cert.pem"); }
  std::string Url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_) + "/";
  }

 private:
  // Waits (up to 20 s, for the line, not a fixed sleep) for "ACCEPT 127.0.0.1:<port>".
  void ReadPort() {
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      size_t pos = text.find("ACCEPT 127.0.0.1:");
      if (pos != std::string::npos && text.find('\n', pos) != std::string::npos) {
        port_ = std::stoi(text.substr(pos + 17));
        return;
      }
      pollfd fd{stdout_fd_, POLLIN, 0};
      if (::poll(&fd, 1, 1000) < 0) break;
      if ((fd.revents & (POLLIN | POLLHUP)) == 0) continue;
      char buf[512];
      ssize_t n = ::read(stdout_fd_, buf, sizeof(buf));
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    error_ = "openssl s_server did not report its port; output: " + text;
  }

  testing::TempDir dir_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string error_;
};

class CurlTlsTest : public CurlHttpTest {
 protected:
  void SetUp() override {
    CurlHttpTest::SetUp();
    if (!std::filesystem::exists(kOpenSsl)) GTEST_SKIP() << kOpenSsl << " not installed";
    server_ = std::make_unique<TlsServerProcess>();
    ASSERT_EQ(server_->error(), "");
  }
  std::unique_ptr<TlsServerProcess> server_;
};

TEST_F(CurlTlsTest, UntrustedServerCertificateIsNetworkError) {
  auto http = MakeCurlHttpClient();  // the system store does not hold our self-signed cert
  Result<HttpResponse> r = http->Send({.method = "GET", .url = server_->Url()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr("certificate"), HasSubstr(server_->Url())));
}

TEST_F(CurlTlsTest, CaFileMakesTheServerTrusted) {
  auto http = MakeCurlHttpClient({.ca_file = server_->CertFile()});
  Result<HttpResponse> r = http->Send({.method = "GET", .url = server_->Url()});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
}

TEST_F(CurlTlsTest, TrustedCertificateForAnotherHostNameIsNetworkError) {
  // The certificate names IP 127.0.0.1 only; "localhost" reaches the same socket.
  auto http = MakeCurlHttpClient({.ca_file = server_->CertFile()});
  Result<HttpResponse> r = http->Send({.method = "GET", .url = server_->Url("localhost")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
}

TEST_F(CurlTlsTest, MissingCaFileIsNetworkError) {
  auto http = MakeCurlHttpClient({.ca_file = "/nonexistent/ca.pem"});
  Result<HttpResponse> r = http->Send({.method = "GET", .url = server_->Url()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::kNetworkError);
}

}  // namespace
}  // namespace mp
