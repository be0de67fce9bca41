// Environments (SPEC §2) and discovery of their metadata (SPEC §3, RFC 8414). In the grant layer
// because both sides use it: the token client finds the token endpoint, the validator the JWKS.
#include "maskinporten/environment.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/json.h"
#include "maskinporten/org_number.h"

namespace mp {
namespace {

constexpr std::string_view kMetadataPath = ".well-known/oauth-authorization-server";

// The parts of an absolute http(s) URL that the rules here look at.
struct UrlParts {
  std::string scheme;     // lowercased: "http" or "https"
  std::string_view host;  // without brackets for an IPv6 literal
  bool ip_literal_v6 = false;
  bool has_userinfo = false;
  std::string_view path;  // from the first '/', '?' or '#' after the authority; may be empty
};

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool ValidPort(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  unsigned value = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

// Splits scheme://[userinfo@]host[:port][/path...]. nullopt for anything that is not a
// plausible absolute http(s) URL: other schemes, control characters or spaces, an empty host,
// a host with characters outside [A-Za-z0-9.-_] (or a bracketed IPv6 literal), a bad port.
std::optional<UrlParts> SplitUrl(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\') return std::nullopt;
  }
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  UrlParts parts;
  parts.scheme = std::string(url.substr(0, scheme_end));
  for (char& c : parts.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (parts.scheme != "http" && parts.scheme != "https") return std::nullopt;
  size_t auth_start = scheme_end + 3;
  size_t auth_end = url.find_first_of("/?#", auth_start);
  if (auth_end == std::string_view::npos) auth_end = url.size();
  std::string_view authority = url.substr(auth_start, auth_end - auth_start);
  parts.path = url.substr(auth_end);
  // Everything before the last '@' would be userinfo: "http://127.0.0.1@evil.example/" goes
  // to evil.example.
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    parts.has_userinfo = true;
    authority.remove_prefix(at + 1);
  }
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parts.host = authority.substr(1, close - 1);
    parts.ip_literal_v6 = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      has_port = true;
      port = after.substr(1);
    }
    for (char c : parts.host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return std::nullopt;
      }
    }
  } else {
    size_t colon = authority.find(':');
    parts.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = authority.substr(colon + 1);
    }
    for (char c : parts.host) {
      if (!IsAsciiAlnum(c) && c != '.' && c != '-' && c != '_') return std::nullopt;
    }
  }
  if (parts.host.empty()) return std::nullopt;
  if (has_port && !ValidPort(port)) return std::nullopt;
  return parts;
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

bool IsLoopbackUrlHost(const UrlParts& parts) {
  // An IPv6 literal only in brackets (SplitUrl has taken them off); a bare "::1" is no URL host.
  return parts.ip_literal_v6 ? IsLoopbackIpv6(parts.host) : mp::IsLoopbackHost(parts.host);
}

// http(s), no userinfo, loopback when http. `what` names the value in messages.
Status CheckEndpointUrl(std::string_view url, std::string_view what, Errc code) {
  std::optional<UrlParts> parts = SplitUrl(url);
  if (!parts.has_value() || parts->has_userinfo) {
    return Status(code, std::string(what) + " \"" + std::string(url) +
                            "\" is not an absolute http(s) URL without userinfo");
  }
  if (parts->scheme == "http" && !IsLoopbackUrlHost(*parts)) {
    return Status(code, std::string(what) + " " + std::string(url) +
                            " is not https (http is allowed only on loopback: 127.0.0.0/8, "
                            "[::1], localhost)");
  }
  return OkStatus();
}

Result<std::string> RequiredString(const nlohmann::json& obj, std::string_view name) {
  auto it = obj.find(std::string(name));
  if (it == obj.end()) {
    return Status(Errc::kDiscoveryError, "metadata has no " + std::string(name));
  }
  if (!it->is_string()) {
    return Status(Errc::kDiscoveryError, "metadata " + std::string(name) + " is not a string");
  }
  return it->get<std::string>();
}

Endpoints FromIssuer(std::string_view issuer) {
  std::string iss(issuer);
  return Endpoints{.issuer = iss, .token_endpoint = iss + "token", .jwks_uri = iss + "jwk"};
}

}  // namespace

Result<Endpoints> EndpointsForPreset(std::string_view name) {
  if (name == "test") return FromIssuer(kTestIssuer);
  if (name == "prod") return FromIssuer(kProdIssuer);
  return Status(Errc::kInvalidArgument, "unknown environment \"" + std::string(name) +
                                            "\": use test or prod, or give an issuer URL");
}

Result<Endpoints> EndpointsForIssuer(std::string_view issuer) {
  std::optional<UrlParts> parts = SplitUrl(issuer);
  if (!parts.has_value()) {
    return Status(Errc::kInvalidArgument,
                  "issuer \"" + std::string(issuer) + "\" is not an absolute http(s) URL");
  }
  if (parts->has_userinfo) {
    return Status(Errc::kInvalidArgument,
                  "issuer \"" + std::string(issuer) + "\" must not contain userinfo (user@)");
  }
  if (parts->path.find_first_of("?#") != std::string_view::npos) {
    return Status(Errc::kInvalidArgument,
                  "issuer \"" + std::string(issuer) + "\" must not have a query or fragment");
  }
  // SPEC §4.3: aud is the issuer exactly, with its trailing slash.
  if (parts->path.empty() || parts->path.back() != '/') {
    return Status(Errc::kInvalidArgument, "issuer \"" + std::string(issuer) +
                                              "\" must end with '/' (e.g. " +
                                              std::string(kTestIssuer) + ")");
  }
  MP_RETURN_IF_ERROR(CheckEndpointUrl(issuer, "issuer", Errc::kInvalidArgument));
  return FromIssuer(issuer);
}

Result<Endpoints> ParseMetadata(std::string_view json, std::string_view expected_issuer) {
  Result<nlohmann::json> parsed = ParseStrictJsonObject(json);
  if (!parsed.ok()) return parsed.status().WithContext("metadata document");
  const nlohmann::json& doc = *parsed;
  MP_ASSIGN_OR_RETURN(std::string issuer, RequiredString(doc, "issuer"));
  // RFC 8414 §3.3: the issuer in the document must be identical to the one asked for.
  if (issuer != expected_issuer) {
    return Status(Errc::kDiscoveryError, "metadata issuer " + issuer + " differs from configured " +
                                             std::string(expected_issuer));
  }
  MP_ASSIGN_OR_RETURN(std::string token_endpoint, RequiredString(doc, "token_endpoint"));
  MP_ASSIGN_OR_RETURN(std::string jwks_uri, RequiredString(doc, "jwks_uri"));
  MP_RETURN_IF_ERROR(
      CheckEndpointUrl(token_endpoint, "metadata token_endpoint", Errc::kDiscoveryError));
  MP_RETURN_IF_ERROR(CheckEndpointUrl(jwks_uri, "metadata jwks_uri", Errc::kDiscoveryError));
  return Endpoints{.issuer = std::move(issuer),
                   .token_endpoint = std::move(token_endpoint),
                   .jwks_uri = std::move(jwks_uri)};
}

Result<Endpoints> Discover(HttpClient& http, std::string_view issuer) {
  MP_RETURN_IF_ERROR(EndpointsForIssuer(issuer));
  std::string url = std::string(issuer) + std::string(kMetadataPath);
  MP_ASSIGN_OR_RETURN(
      HttpResponse response,
      http.Send({.method = "GET", .url = url, .headers = {{"Accept", "application/json"}}}));
  if (response.status != 200) {
    return Status(Errc::kDiscoveryError,
                  "GET " + url + " returned HTTP " + std::to_string(response.status));
  }
  Result<Endpoints> endpoints = ParseMetadata(response.body, issuer);
  if (!endpoints.ok()) return endpoints.status().WithContext(url);
  return endpoints;
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return IsLoopbackIpv6(host.substr(1, host.size() - 2));
  }
  if (host.find(':') != std::string_view::npos) return IsLoopbackIpv6(host);
  if (host.size() == 9) {
    std::string lower(host);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "localhost") return true;
  }
  return IsLoopbackIpv4(host);
}

bool IsLoopbackUrl(std::string_view url) {
  std::optional<UrlParts> parts = SplitUrl(url);
  return parts.has_value() && !parts->has_userinfo && IsLoopbackUrlHost(*parts);
}

}  // namespace mp
