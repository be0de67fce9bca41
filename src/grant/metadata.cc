// Environments (SPEC §2) and discovery of their metadata (SPEC §3, RFC 8414). In the grant layer
// because both sides use it: the token client finds the token endpoint, the validator the JWKS.
#include "maskinporten/endpoints.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/json.h"
#include "core/url.h"
#include "maskinporten/org_number.h"

namespace mp {
namespace {

constexpr std::string_view kMetadataPath = ".well-known/oauth-authorization-server";

// http(s), no userinfo, loopback when http. `what` names the value in messages.
Status CheckEndpointUrl(std::string_view url, std::string_view what, Errc code) {
  std::optional<HttpUrl> parts = ParseHttpUrl(url);
  if (!parts.has_value() || parts->userinfo) {
    return Status(code, std::string(what) + " \"" + std::string(url) +
                            "\" is not an absolute http(s) URL without userinfo");
  }
  if (!IsHttpsOrLoopback(*parts)) {
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
  std::optional<HttpUrl> parts = ParseHttpUrl(issuer);
  if (!parts.has_value()) {
    return Status(Errc::kInvalidArgument,
                  "issuer \"" + std::string(issuer) + "\" is not an absolute http(s) URL");
  }
  if (parts->userinfo) {
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

}  // namespace mp
