// Environments (SPEC §2), discovery (SPEC §3, RFC 8414) and client configuration.
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

bool IsLoopbackHost(const UrlParts& parts) {
  if (parts.ip_literal_v6) {
    std::string host(parts.host);
    in6_addr addr{};
    if (::inet_pton(AF_INET6, host.c_str(), &addr) != 1) return false;
    return std::memcmp(&addr, &in6addr_loopback, sizeof(addr)) == 0;
  }
  if (parts.host.size() == 9) {
    std::string lower(parts.host);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "localhost") return true;
  }
  return IsLoopbackIpv4(parts.host);
}

// http(s), no userinfo, loopback when http. `what` names the value in messages.
Status CheckEndpointUrl(std::string_view url, std::string_view what, Errc code) {
  std::optional<UrlParts> parts = SplitUrl(url);
  if (!parts.has_value() || parts->has_userinfo) {
    return Status(code, std::string(what) + " \"" + std::string(url) +
                            "\" is not an absolute http(s) URL without userinfo");
  }
  if (parts->scheme == "http" && !IsLoopbackHost(*parts)) {
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

bool IsLoopbackUrl(std::string_view url) {
  std::optional<UrlParts> parts = SplitUrl(url);
  return parts.has_value() && !parts->has_userinfo && IsLoopbackHost(*parts);
}

namespace {

// The value of an environment variable; empty when unset.
std::string Env(const GetEnv& getenv, const char* name) {
  const char* v = getenv ? getenv(name) : nullptr;
  return v == nullptr ? std::string() : std::string(v);
}

void FillFromEnv(std::string& field, const GetEnv& getenv, const char* name) {
  if (field.empty()) field = Env(getenv, name);
}

std::vector<std::string> SplitScopes(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& entry : in) {
    size_t pos = 0;
    while (pos < entry.size()) {
      size_t start = entry.find_first_not_of(" \t\r\n", pos);
      if (start == std::string::npos) break;
      size_t end = entry.find_first_of(" \t\r\n", start);
      if (end == std::string::npos) end = entry.size();
      out.push_back(entry.substr(start, end - start));
      pos = end;
    }
  }
  return out;
}

Status CheckEnvironment(const ClientConfig& c) {
  if (!c.issuer.empty()) {
    Result<Endpoints> ep = EndpointsForIssuer(c.issuer);
    if (!ep.ok()) return ep.status().WithContext("--issuer / MASKINPORTEN_ISSUER");
    return OkStatus();
  }
  if (c.env.empty()) {
    return Status(Errc::kInvalidArgument,
                  "environment missing: pass --env test|prod or --issuer URL, or set "
                  "MASKINPORTEN_ENV or MASKINPORTEN_ISSUER");
  }
  if (c.env != "test" && c.env != "prod") {
    return Status(Errc::kInvalidArgument, "unknown environment \"" + c.env +
                                              "\" (--env / MASKINPORTEN_ENV): use test or prod, "
                                              "or pass --issuer URL");
  }
  return OkStatus();
}

// Exactly one credential form: key+kid, cert+key, p12 (kid optional: a registered key kept in
// a PKCS#12 file), jwk (kid optional: the JWK's own kid is used otherwise).
Status CheckCredentials(const ClientConfig& c) {
  int forms = (c.jwk_file.empty() ? 0 : 1) + (c.p12_file.empty() ? 0 : 1) +
              (c.key_file.empty() && c.cert_file.empty() ? 0 : 1);
  if (forms == 0) {
    return Status(Errc::kInvalidArgument,
                  "credentials missing: pass --key with --kid, --cert with --key, --p12 or --jwk, "
                  "or set MASKINPORTEN_KEY_FILE with MASKINPORTEN_KID, MASKINPORTEN_CERT_FILE "
                  "with MASKINPORTEN_KEY_FILE, or MASKINPORTEN_P12_FILE");
  }
  if (forms > 1) {
    return Status(Errc::kInvalidArgument,
                  "more than one credential form: use exactly one of --key/--cert "
                  "(MASKINPORTEN_KEY_FILE/MASKINPORTEN_CERT_FILE), --p12 (MASKINPORTEN_P12_FILE) "
                  "or --jwk");
  }
  if (!c.cert_file.empty() && c.key_file.empty()) {
    return Status(Errc::kInvalidArgument,
                  "key missing for the certificate: pass --key or set MASKINPORTEN_KEY_FILE");
  }
  if (!c.cert_file.empty() && !c.kid.empty()) {
    // SPEC §4.2: a grant carries exactly one of x5c and kid.
    return Status(Errc::kInvalidArgument,
                  "--kid (MASKINPORTEN_KID) cannot be combined with --cert "
                  "(MASKINPORTEN_CERT_FILE): a grant carries either kid or x5c");
  }
  if (!c.key_file.empty() && c.cert_file.empty() && c.kid.empty()) {
    return Status(Errc::kInvalidArgument,
                  "kid missing for the key: pass --kid or set MASKINPORTEN_KID (the key id "
                  "registered on the client), or pass --cert / set MASKINPORTEN_CERT_FILE");
  }
  return OkStatus();
}

}  // namespace

Result<ClientConfig> ResolveClientConfig(ClientConfig flags, const GetEnv& getenv) {
  ClientConfig c = std::move(flags);
  // Flags win as a whole for the environment too: --env test is not overridden by a
  // MASKINPORTEN_ISSUER left in the shell.
  if (c.env.empty() && c.issuer.empty()) {
    FillFromEnv(c.env, getenv, "MASKINPORTEN_ENV");
    FillFromEnv(c.issuer, getenv, "MASKINPORTEN_ISSUER");
  }
  FillFromEnv(c.client_id, getenv, "MASKINPORTEN_CLIENT_ID");
  FillFromEnv(c.consumer_org, getenv, "MASKINPORTEN_CONSUMER_ORG");
  if (c.scopes.empty()) c.scopes.push_back(Env(getenv, "MASKINPORTEN_SCOPES"));
  c.scopes = SplitScopes(c.scopes);

  // Flags win as a whole for the credential form: a --p12 flag is not mixed with a key file
  // from the environment. A kid from the environment fills in where a kid is what the form
  // needs (a bare key, a JWK) or when the whole credential comes from the environment.
  bool files_from_flags =
      !c.key_file.empty() || !c.cert_file.empty() || !c.p12_file.empty() || !c.jwk_file.empty();
  if (!files_from_flags) {
    c.key_file = Env(getenv, "MASKINPORTEN_KEY_FILE");
    c.cert_file = Env(getenv, "MASKINPORTEN_CERT_FILE");
    c.p12_file = Env(getenv, "MASKINPORTEN_P12_FILE");
  }
  bool bare_key = !c.key_file.empty() && c.cert_file.empty() && c.p12_file.empty();
  if (!files_from_flags || bare_key || !c.jwk_file.empty()) {
    FillFromEnv(c.kid, getenv, "MASKINPORTEN_KID");
  }
  if (!c.p12_file.empty()) FillFromEnv(c.p12_password, getenv, "MASKINPORTEN_P12_PASSWORD");

  MP_RETURN_IF_ERROR(CheckEnvironment(c));
  if (c.client_id.empty()) {
    return Status(Errc::kInvalidArgument,
                  "client id missing: pass --client-id or set MASKINPORTEN_CLIENT_ID");
  }
  if (c.scopes.empty()) {
    return Status(Errc::kInvalidArgument,
                  "scope missing: pass --scope or set MASKINPORTEN_SCOPES (space-separated)");
  }
  MP_RETURN_IF_ERROR(CheckCredentials(c));
  if (!c.consumer_org.empty()) {
    Result<OrgNumber> org = OrgNumber::Parse(c.consumer_org);
    if (!org.ok()) return org.status().WithContext("--consumer-org / MASKINPORTEN_CONSUMER_ORG");
  }
  return c;
}

}  // namespace mp
