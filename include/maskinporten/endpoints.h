// Maskinporten environments (SPEC §2) and discovery of their metadata (SPEC §3, RFC 8414).
// Component grant. Client configuration from flags and environment variables is in
// maskinporten/client_config.h.
//
//   MP_ASSIGN_OR_RETURN(mp::Endpoints ep, mp::EndpointsForPreset("test"));
//   MP_ASSIGN_OR_RETURN(mp::Endpoints ep, mp::Discover(http, "http://127.0.0.1:8080/"));
#ifndef MASKINPORTEN_ENDPOINTS_H_
#define MASKINPORTEN_ENDPOINTS_H_

#include <string>
#include <string_view>

#include "maskinporten/grant_export.h"
#include "maskinporten/http.h"
#include "maskinporten/loopback.h"  // IsLoopbackUrl, IsLoopbackHost (the https-or-loopback rule)
#include "maskinporten/status.h"

namespace mp {

constexpr std::string_view kTestIssuer = "https://test.maskinporten.no/";
constexpr std::string_view kProdIssuer = "https://maskinporten.no/";

struct MP_GRANT_EXPORT Endpoints {
  std::string issuer{};  // exact, with trailing slash: the grant's aud
  std::string token_endpoint{};
  std::string jwks_uri{};
};

// "test" or "prod"; Errc::kInvalidArgument otherwise (ver2 and Skyporten are not presets).
MP_GRANT_EXPORT Result<Endpoints> EndpointsForPreset(std::string_view name);
// Endpoints derived from an issuer URL ("<issuer>token", "<issuer>jwk") without a request.
MP_GRANT_EXPORT Result<Endpoints> EndpointsForIssuer(std::string_view issuer);

// Parses a metadata document; its "issuer" must equal `expected_issuer` exactly and every
// endpoint must be https, except on loopback (127.0.0.0/8, [::1], localhost).
// Errc::kDiscoveryError naming the field; a document that is not strict JSON keeps the JSON
// code (kInvalidJson, kDuplicateJsonKey, kLimitExceeded) with "metadata document: " before it.
MP_GRANT_EXPORT Result<Endpoints> ParseMetadata(std::string_view json,
                                                std::string_view expected_issuer);
// GET <issuer>.well-known/oauth-authorization-server and ParseMetadata.
MP_GRANT_EXPORT Result<Endpoints> Discover(HttpClient& http, std::string_view issuer);

}  // namespace mp

#endif  // MASKINPORTEN_ENDPOINTS_H_
