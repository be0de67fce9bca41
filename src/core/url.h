// The authority of an http(s) URL, parsed once for every layer: the token client's and the
// validator's endpoint checks, the JWKS cache, the grant linter and the local login all ask the
// same questions (which host, is it loopback, is there userinfo) and get the same answers.
//
// Strict on purpose: a URL that two parsers could read differently is refused, never guessed
// at. The host is what follows the LAST '@' of the authority ("http://127.0.0.1@evil.example/"
// goes to evil.example and has userinfo), so a caller that refuses userinfo cannot be tricked.
//
//   std::optional<mp::HttpUrl> url = mp::ParseHttpUrl(uri);
//   if (!url || url->userinfo || !mp::IsHttpsOrLoopback(*url)) return Status(...);
#ifndef MASKINPORTEN_CORE_URL_H_
#define MASKINPORTEN_CORE_URL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "maskinporten/core_export.h"
#include "maskinporten/loopback.h"

namespace mp {

// host[:port], as in a Host header or a URL's authority after any userinfo.
struct MP_CORE_EXPORT HostPort {
  std::string_view host;    // without the brackets of an IP literal
  bool ip_literal = false;  // the host was bracketed ("[::1]")
  std::optional<uint16_t> port{};
};

// host[:port]; nullopt for an empty host, a host with characters outside [A-Za-z0-9._-] (or a
// bracketed literal of hex digits, ':' and '.'), a port that is not 1..65535 in decimal, or
// anything after the port. '@' is refused here: userinfo belongs to ParseHttpUrl.
MP_CORE_EXPORT std::optional<HostPort> ParseHostPort(std::string_view authority);

enum class UrlScheme { kHttp, kHttps };

// An absolute http(s) URL: scheme://[userinfo@]host[:port][path][?query][#fragment].
struct MP_CORE_EXPORT HttpUrl {
  UrlScheme scheme = UrlScheme::kHttps;        // the scheme is matched without case
  std::optional<std::string_view> userinfo{};  // before the authority's last '@'
  HostPort host_port{};
  std::string_view path{};  // from the first '/', '?' or '#' after the authority; may be empty
};

// nullopt for anything that is not a plausible absolute http(s) URL: other schemes, a byte
// below 0x21, 0x7f or '\' anywhere, an authority ParseHostPort refuses.
MP_CORE_EXPORT std::optional<HttpUrl> ParseHttpUrl(std::string_view url);

// IsLoopbackHost for a parsed host: a bracketed literal only as IPv6 ("[127.0.0.1]" is not).
MP_CORE_EXPORT bool IsLoopbackHost(const HostPort& host_port);

// https, or plain http to a loopback host: where a token or a JWKS may be fetched from.
MP_CORE_EXPORT bool IsHttpsOrLoopback(const HttpUrl& url);

// `url` for messages and logs: anything before the last '@' of the authority replaced by "***"
// ("https://***@host/path"), for any scheme and for text ParseHttpUrl refuses, since the
// userinfo may hold a password.
MP_CORE_EXPORT std::string RedactUserinfo(std::string_view url);

}  // namespace mp

#endif  // MASKINPORTEN_CORE_URL_H_
