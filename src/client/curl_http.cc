// The libcurl HttpClient (http.h). One easy handle per concurrent caller, kept in a small pool
// so that a thread's next request reuses the handle's open connection.
#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/strings.h"
#include "core/url.h"
#include "maskinporten/http.h"

namespace mp {
namespace {

// Idle handles kept per client beyond this are closed (and their connections with them).
constexpr size_t kMaxIdleHandles = 8;

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

Status GlobalInit() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) {
    return Status(Errc::kInternal,
                  std::string("curl_global_init failed: ") + curl_easy_strerror(rc));
  }
  return OkStatus();
}

// What the callbacks of one transfer write into.
struct Transfer {
  size_t max_bytes = 0;
  size_t received = 0;  // body + header bytes
  bool too_large = false;
  HttpResponse response;
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  if (t->received + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->received += n;
  t->response.body.append(data, n);
  return n;
}

size_t WriteHeader(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  if (t->received + n > t->max_bytes) {
    t->too_large = true;
    return 0;
  }
  t->received += n;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  // A status line starts a new header block (100 Continue, a proxy's CONNECT answer): only the
  // final response's headers are kept.
  if (line.substr(0, 5) == "HTTP/") {
    t->response.headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;
  std::string name = AsciiLower(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  t->response.headers.emplace_back(std::move(name), std::string(value));
  return n;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlOptions options)
      : options_(std::move(options)),
        user_agent_("maskinporten-cpp/" + std::string(LibraryVersion())) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    MP_RETURN_IF_ERROR(GlobalInit());
    CurlEasy handle = Acquire();
    if (!handle) return Status(Errc::kInternal, "curl_easy_init failed");
    Result<HttpResponse> result = Perform(handle.get(), request);
    Release(std::move(handle));
    return result;
  }

 private:
  CurlEasy Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CurlEasy h = std::move(idle_.back());  // LIFO: the handle with the warmest connection
        idle_.pop_back();
        return h;
      }
    }
    return CurlEasy(curl_easy_init());
  }

  void Release(CurlEasy handle) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
    // else: closed when `handle` goes out of scope
  }

  Status Configure(CURL* h, const HttpRequest& request, curl_slist* headers, Transfer& t,
                   char* errbuf) const {
    // curl_easy_reset keeps the handle's live connections, so reuse survives it.
    curl_easy_reset(h);
    CURLcode rc = CURLE_OK;
    auto set = [&rc](CURLcode r) {
      if (rc == CURLE_OK) rc = r;
    };
    set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
    set(curl_easy_setopt(h, CURLOPT_URL, request.url.c_str()));
    set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
    set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
    set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
    if (!options_.ca_file.empty())
      set(curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str()));
    if (!options_.unix_socket.empty()) {
      set(curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, options_.unix_socket.c_str()));
    }
    // Without CURLOPT_PROXY libcurl reads http_proxy / https_proxy / all_proxy / no_proxy.
    if (!options_.proxy.empty()) set(curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str()));
    set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout.count())));
    set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count())));
    set(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(options_.max_response_bytes)));
    set(curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent_.c_str()));
    set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody));
    set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &t));
    set(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &WriteHeader));
    set(curl_easy_setopt(h, CURLOPT_HEADERDATA, &t));
    set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers));
    if (request.method == "GET") {
      set(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L));
    } else if (request.method == "HEAD") {
      set(curl_easy_setopt(h, CURLOPT_NOBODY, 1L));
    } else {
      if (request.method != "POST") {
        set(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str()));
      }
      set(curl_easy_setopt(h, CURLOPT_POST, 1L));
      set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data()));
      set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                           static_cast<curl_off_t>(request.body.size())));
    }
    if (rc != CURLE_OK) {
      return Status(Errc::kInternal, std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));
    }
    return OkStatus();
  }

  Result<HttpResponse> Perform(CURL* h, const HttpRequest& request) const {
    bool method_ok = !request.method.empty() && request.method.size() <= 16;
    for (char c : request.method) method_ok = method_ok && c >= 'A' && c <= 'Z';
    if (!method_ok) {
      return Status(Errc::kInvalidArgument, "HTTP method \"" + request.method + "\" invalid");
    }
    curl_slist* raw = nullptr;
    for (const auto& [name, value] : request.headers) {
      raw = curl_slist_append(raw, (name + ": " + value).c_str());
    }
    // No "Expect: 100-continue" round trip (curl adds it to larger POST bodies).
    raw = curl_slist_append(raw, "Expect:");
    CurlSlist headers(raw);
    if (!headers) return Status(Errc::kInternal, "curl_slist_append failed");

    Transfer t;
    t.max_bytes = options_.max_response_bytes;
    char errbuf[CURL_ERROR_SIZE] = {};
    MP_RETURN_IF_ERROR(Configure(h, request, headers.get(), t, errbuf));
    CURLcode rc = curl_easy_perform(h);
    // The error buffer and header list must not outlive this call in the handle.
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      return Status(Errc::kNetworkError,
                    request.method + " " + RedactUserinfo(request.url) + ": response larger than " +
                        std::to_string(options_.max_response_bytes) + " bytes");
    }
    if (rc != CURLE_OK) {
      std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
      while (!detail.empty() && detail.back() == '\n') detail.pop_back();
      return Status(Errc::kNetworkError, request.method + " " + RedactUserinfo(request.url) + ": " +
                                             detail + " (" + curl_easy_strerror(rc) + ")");
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = static_cast<int>(status);
    return std::move(t.response);
  }

  const CurlOptions options_;
  const std::string user_agent_;
  std::mutex mu_;
  std::vector<CurlEasy> idle_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeCurlHttpClient(const CurlOptions& options) {
  return std::make_unique<CurlHttpClient>(options);
}

}  // namespace mp
