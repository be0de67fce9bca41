// What one local Maskinporten instance is: its issuer, environment, trust anchors and the
// emulator's switches (SPEC §2, §5, §7, §13). Immutable once the server runs.
#ifndef MASKINPORTEN_SERVER_SERVER_CONFIG_H_
#define MASKINPORTEN_SERVER_SERVER_CONFIG_H_

#include <set>
#include <string>

#include "maskinporten/certificate.h"

namespace mp::server {

struct ServerConfig {
  // Exact issuer with the trailing slash; also the grant's required aud and the base of
  // error_uri (`<issuer>errors/MP-110`).
  std::string issuer{};
  // The environment this instance plays. Certificates must chain to this environment's anchors;
  // a certificate that chains to the other environment's anchors is MP-120 (SPEC §7).
  CertEnvironment environment = CertEnvironment::kTest;
  TrustStore test_anchors{CertEnvironment::kTest};
  TrustStore prod_anchors{CertEnvironment::kProd};
  // Revoked certificate serial numbers (lowercase hex as Certificate::SerialHex), SPEC §7
  // deny-list.
  std::set<std::string> revoked_serials{};
  // SPEC §8: delegation_source put in delegated tokens; default by environment when "".
  std::string delegation_source{};
  // SPEC §5: default access token lifetime when client and scope set none.
  int default_token_lifetime_seconds = 120;
  // SPEC §5 switches: emit "aud":"unspecified" without resource; emit legacy client_orgno.
  bool emit_aud_unspecified = false;
  bool emit_client_orgno = false;

  // The delegation_source actually used (explicit value, else by environment).
  std::string DelegationSource() const {
    if (!delegation_source.empty()) return delegation_source;
    return environment == CertEnvironment::kTest ? "https://tt02.altinn.no/"
                                                 : "https://www.altinn.no/";
  }
};

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_SERVER_CONFIG_H_
