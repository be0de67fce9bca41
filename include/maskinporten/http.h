// The HTTP seam: every outbound request of the client goes through an HttpClient, so tests use
// an in-memory fake and production uses libcurl.
//
//   std::unique_ptr<mp::HttpClient> http = mp::MakeCurlHttpClient({.ca_file = "ca.pem"});
//   MP_ASSIGN_OR_RETURN(mp::HttpResponse r, http->Send({.method = "GET", .url = url}));
#ifndef MASKINPORTEN_HTTP_H_
#define MASKINPORTEN_HTTP_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maskinporten/client_export.h"
#include "maskinporten/core_export.h"
#include "maskinporten/status.h"

namespace mp {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct MP_CORE_EXPORT HttpRequest {
  std::string method = "GET";
  std::string url{};
  HttpHeaders headers{};
  std::string body{};
};

struct MP_CORE_EXPORT HttpResponse {
  int status = 0;
  HttpHeaders headers{};  // names lowercased
  std::string body{};
  // The first header with this (case-insensitive) name.
  std::optional<std::string> Header(std::string_view name) const;
};

class MP_CORE_EXPORT HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a response (OK); connect/TLS/timeout/size failures are
  // Errc::kNetworkError. Thread-safe.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct MP_CORE_EXPORT CurlOptions {
  std::string ca_file{};  // PEM bundle; empty: the system store. Verification is always on.
  std::string proxy{};    // empty: the standard *_proxy environment variables apply
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{15000};
  size_t max_response_bytes = 1 << 20;
  // A path: connect to this Unix domain socket instead of the URL's host and port (the URL still
  // gives the scheme, Host and path: "http://localhost/api/v1/token"). No proxy applies then.
  std::string unix_socket{};
};

// libcurl: TLS peer and host verification always on, connection reuse (per thread handle
// cache), User-Agent "maskinporten-cpp/<version>".
MP_CLIENT_EXPORT std::unique_ptr<HttpClient> MakeCurlHttpClient(const CurlOptions& options = {});

// The library version, e.g. "0.1.0".
MP_CORE_EXPORT std::string_view LibraryVersion();

}  // namespace mp

#endif  // MASKINPORTEN_HTTP_H_
