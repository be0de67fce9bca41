#include "core/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "core/strings.h"

namespace mp {
namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// 1..65535 in at most five decimal digits.
std::optional<uint16_t> ParsePort(std::string_view text) {
  if (text.size() > 5 || !IsDigits(text)) return std::nullopt;
  unsigned value = 0;
  for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

// Strict dotted-quad (four decimal parts 0..255, no leading zeros) in 127.0.0.0/8. Forms that
// resolvers also accept (2130706433, 0x7f.1, 127.1, 0177.0.0.1) are not loopback here: being
// strict can only refuse a loopback URL, never admit a remote one.
bool IsLoopbackIpv4(std::string_view host) {
  int parts = 0;
  int first = -1;
  while (true) {
    size_t dot = host.find('.');
    std::string_view part = host.substr(0, dot);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part.front() == '0')) return false;
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    if (parts == 0) first = value;
    ++parts;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return parts == 4 && first == 127;
}

// ::1 in any spelling inet_pton reads. Not the IPv4-mapped ::ffff:127.x.y.z: as a URL host it
// is a trick, and a server that sees it as a peer address unmaps it first (IsLoopbackRemote).
bool IsLoopbackIpv6(std::string_view host) {
  if (host.size() > INET6_ADDRSTRLEN) return false;
  std::string text(host);
  in6_addr addr{};
  if (::inet_pton(AF_INET6, text.c_str(), &addr) != 1) return false;
  return std::memcmp(&addr, &in6addr_loopback, sizeof(addr)) == 0;
}

// The authority of "scheme://authority/...": from after "://" to the first '/', '?' or '#'.
struct AuthoritySpan {
  size_t begin = 0;
  size_t end = 0;
};
std::optional<AuthoritySpan> FindAuthority(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  AuthoritySpan span{.begin = scheme_end + 3, .end = url.find_first_of("/?#", scheme_end + 3)};
  if (span.end == std::string_view::npos) span.end = url.size();
  return span;
}

}  // namespace

std::optional<HostPort> ParseHostPort(std::string_view authority) {
  HostPort out;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    out.ip_literal = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      has_port = true;
      port = after.substr(1);
    }
    for (char c : out.host) {
      if (!IsHexDigit(c) && c != ':' && c != '.') return std::nullopt;
    }
  } else {
    size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = authority.substr(colon + 1);
    }
    for (char c : out.host) {
      if (!IsAsciiAlnum(c) && c != '.' && c != '-' && c != '_') return std::nullopt;
    }
  }
  if (out.host.empty()) return std::nullopt;
  if (has_port) {
    out.port = ParsePort(port);
    if (!out.port) return std::nullopt;
  }
  return out;
}

std::optional<HttpUrl> ParseHttpUrl(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\') return std::nullopt;
  }
  std::optional<AuthoritySpan> span = FindAuthority(url);
  if (!span) return std::nullopt;
  HttpUrl out;
  std::string_view scheme = url.substr(0, span->begin - 3);
  if (EqualsIgnoreAsciiCase(scheme, "http")) {
    out.scheme = UrlScheme::kHttp;
  } else if (EqualsIgnoreAsciiCase(scheme, "https")) {
    out.scheme = UrlScheme::kHttps;
  } else {
    return std::nullopt;
  }
  std::string_view authority = url.substr(span->begin, span->end - span->begin);
  out.path = url.substr(span->end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    out.userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
  }
  std::optional<HostPort> host_port = ParseHostPort(authority);
  if (!host_port) return std::nullopt;
  out.host_port = *host_port;
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return IsLoopbackIpv6(host.substr(1, host.size() - 2));
  }
  if (host.find(':') != std::string_view::npos) return IsLoopbackIpv6(host);
  if (EqualsIgnoreAsciiCase(host, "localhost")) return true;
  return IsLoopbackIpv4(host);
}

bool IsLoopbackHost(const HostPort& host_port) {
  // An IP literal only as IPv6 in brackets; a bare "::1" is no URL host.
  return host_port.ip_literal ? IsLoopbackIpv6(host_port.host) : IsLoopbackHost(host_port.host);
}

bool IsLoopbackUrl(std::string_view url) {
  std::optional<HttpUrl> parsed = ParseHttpUrl(url);
  return parsed.has_value() && !parsed->userinfo && IsLoopbackHost(parsed->host_port);
}

bool IsHttpsOrLoopback(const HttpUrl& url) {
  return url.scheme == UrlScheme::kHttps || IsLoopbackHost(url.host_port);
}

std::string RedactUserinfo(std::string_view url) {
  std::optional<AuthoritySpan> span = FindAuthority(url);
  if (!span) return std::string(url);
  std::string_view authority = url.substr(span->begin, span->end - span->begin);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, span->begin)) + "***@" +
         std::string(url.substr(span->begin + at + 1));
}

}  // namespace mp
