#include "testing/fake_token_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

#include <gtest/gtest.h>

#include "core/json.h"

namespace mp::testing {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::string> FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Serialize(const FakeResponse& r, bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) + "\r\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  if (r.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (!FindHeader(r.headers, "content-length")) {
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  if (close && !FindHeader(r.headers, "connection")) out += "Connection: close\r\n";
  out += "\r\n";
  if (!r.chunked) return out + r.body;
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", r.body.size());
  if (!r.body.empty()) out += size + r.body + "\r\n";
  return out + "0\r\n\r\n";
}

// An HTTP method is a token of uppercase letters; anything else (a TLS record, say) is not HTTP.
bool LooksLikeMethod(std::string_view s) {
  if (s.empty() || s.size() > 16) return false;
  for (char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// False once `buf` can no longer be the start of an HTTP request line.
bool CouldBeRequest(std::string_view buf) {
  size_t sp = buf.find(' ');
  if (sp != std::string_view::npos) return LooksLikeMethod(buf.substr(0, sp));
  return buf.empty() || LooksLikeMethod(buf.substr(0, std::min<size_t>(buf.size(), 17)));
}

enum class ParseState { kNeedMore, kBad, kDone };

// Parses the request head in `buf` (which holds at least the "\r\n\r\n"). Fills `req` and the
// declared body length.
ParseState ParseHead(std::string_view head, FakeRequest& req, size_t& content_length,
                     bool& chunked) {
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return ParseState::kBad;
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  req.version = std::string(line.substr(sp2 + 1));
  if (!LooksLikeMethod(req.method) || req.version.rfind("HTTP/1.", 0) != 0) {
    return ParseState::kBad;
  }
  content_length = 0;
  chunked = false;
  size_t pos = line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view h = head.substr(pos, end - pos);
    pos = end + 2;
    if (h.empty()) break;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) return ParseState::kBad;
    std::string name = Lower(h.substr(0, colon));
    std::string value(Trim(h.substr(colon + 1)));
    if (name == "content-length") {
      if (value.empty() || value.size() > 12) return ParseState::kBad;
      for (char c : value) {
        if (c < '0' || c > '9') return ParseState::kBad;
      }
      content_length = std::stoull(value);
      if (content_length > kMaxBodyBytes) return ParseState::kBad;
    } else if (name == "transfer-encoding" && Lower(value) != "identity") {
      chunked = true;
    }
    req.headers.emplace_back(std::move(name), std::move(value));
  }
  return ParseState::kDone;
}

bool WantsClose(const FakeRequest& req) {
  std::string conn = Lower(req.Header("connection").value_or(""));
  if (req.version == "HTTP/1.0") return conn.find("keep-alive") == std::string::npos;
  return conn.find("close") != std::string::npos;
}

}  // namespace

std::optional<std::string> FakeRequest::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

FakeTokenServer::FakeTokenServer(Handler handler) : handler_(std::move(handler)) {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    ADD_FAILURE() << "FakeTokenServer: pipe2: " << std::strerror(errno);
    return;
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    ADD_FAILURE() << "FakeTokenServer: socket: " << std::strerror(errno);
    return;
  }
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 1024) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "FakeTokenServer: bind/listen on 127.0.0.1:0: " << std::strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return;
  }
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FakeTokenServer::~FakeTokenServer() {
  Stop();
  for (int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void FakeTokenServer::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

std::string FakeTokenServer::Url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/";
}

std::vector<FakeRequest> FakeTokenServer::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

size_t FakeTokenServer::RequestCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.size();
}

size_t FakeTokenServer::ConnectionCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_;
}

void FakeTokenServer::Stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(mu_);  // pairs with WaitFor's predicate check
  }
  stop_cv_.notify_all();
  if (wake_pipe_[1] >= 0) {
    char b = 'x';
    [[maybe_unused]] ssize_t n = ::write(wake_pipe_[1], &b, 1);
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(connection_threads_);
  }
  for (std::thread& t : threads) t.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

bool FakeTokenServer::WaitFor(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

void FakeTokenServer::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || stopping_.load() || (fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    size_t id = ++connections_;
    connection_threads_.emplace_back([this, fd, id] { ServeConnection(fd, id); });
  }
}

void FakeTokenServer::ServeConnection(int fd, size_t connection_id) {
  std::string buf;
  char chunk[16 * 1024];
  // Reads more bytes into buf; false on EOF, error or Stop().
  auto read_more = [&]() -> bool {
    for (;;) {
      pollfd fds[2] = {{fd, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
      int n = ::poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents & POLLIN) != 0) return false;
      ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      buf.append(chunk, static_cast<size_t>(got));
      return true;
    }
  };
  for (;;) {
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      // Reject non-HTTP bytes at once rather than waiting for a head that never comes.
      if (!CouldBeRequest(buf) || buf.size() > kMaxHeaderBytes) {
        SendAll(fd, Serialize({.status = 400, .body = "bad request\n"}, true));
        ::close(fd);
        return;
      }
      if (!read_more()) {
        ::close(fd);
        return;
      }
    }
    FakeRequest req;
    req.connection_id = connection_id;
    size_t content_length = 0;
    bool chunked = false;
    if (ParseHead(std::string_view(buf).substr(0, head_end + 2), req, content_length, chunked) !=
        ParseState::kDone) {
      SendAll(fd, Serialize({.status = 400, .body = "bad request\n"}, true));
      ::close(fd);
      return;
    }
    if (chunked) {
      SendAll(fd, Serialize({.status = 501, .body = "chunked bodies not supported\n"}, true));
      ::close(fd);
      return;
    }
    size_t body_start = head_end + 4;
    while (buf.size() < body_start + content_length) {
      if (!read_more()) {
        ::close(fd);
        return;
      }
    }
    req.body = buf.substr(body_start, content_length);
    buf.erase(0, body_start + content_length);

    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      log_.push_back(req);
      handler = handler_;
    }
    FakeResponse resp =
        handler ? handler(req) : FakeResponse{.status = 404, .body = "no handler\n"};
    if (resp.delay.count() > 0 && !WaitFor(resp.delay)) {
      ::close(fd);
      return;
    }
    if (resp.drop) {
      ::close(fd);
      return;
    }
    bool close = resp.close_after || WantsClose(req);
    if (!SendAll(fd, Serialize(resp, close)) || close) {
      ::close(fd);
      return;
    }
  }
}

std::string HttpDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char out[40];
  std::snprintf(out, sizeof(out), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

namespace {

FakeResponse JsonFakeResponse(int status, const nlohmann::json& body,
                              std::optional<std::chrono::system_clock::time_point> date) {
  FakeResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  if (date.has_value()) r.headers.emplace_back("Date", HttpDate(*date));
  r.body = DumpJson(body);
  return r;
}

}  // namespace

FakeResponse FakeTokenResponse(std::string_view access_token, int64_t expires_in,
                               std::string_view scope,
                               std::optional<std::chrono::system_clock::time_point> date) {
  nlohmann::json body = {{"access_token", std::string(access_token)},
                         {"token_type", "Bearer"},
                         {"expires_in", expires_in},
                         {"scope", std::string(scope)}};
  return JsonFakeResponse(200, body, date);
}

FakeResponse FakeMaskinportenError(MpError error, std::string_view trace_id,
                                   std::string_view issuer, std::string_view detail,
                                   std::optional<std::chrono::system_clock::time_point> date) {
  const MpErrorInfo& info = MpErrorInfoFor(error);
  nlohmann::json body = {{"error", std::string(info.error)},
                         {"error_description", std::string(info.text) + std::string(detail) +
                                                   " (trace_id: " + std::string(trace_id) + ")"}};
  if (!info.code.empty()) {
    body["error_uri"] = std::string(issuer) + "errors/" + std::string(info.code);
  }
  return JsonFakeResponse(info.http_status, body, date);
}

FakeResponse FakeMetadataResponse(std::string_view issuer) {
  std::string iss(issuer);
  nlohmann::json body = {
      {"issuer", iss},
      {"token_endpoint", iss + "token"},
      {"jwks_uri", iss + "jwk"},
      {"token_endpoint_auth_methods_supported", {"private_key_jwt"}},
      {"grant_types_supported", {"urn:ietf:params:oauth:grant-type:jwt-bearer"}},
      {"token_endpoint_auth_signing_alg_values_supported", {"RS256", "RS384", "RS512"}},
      {"authorization_details_types_supported", {"urn:altinn:systemuser", "urn:altinn:consent"}}};
  return JsonFakeResponse(200, body, std::nullopt);
}

}  // namespace mp::testing
