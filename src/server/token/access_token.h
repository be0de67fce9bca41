// Access tokens of the local Maskinporten (SPEC §5): made from a validated grant, signed RS256
// with the current signing key, payload members in the real server's order.
//
//   MP_ASSIGN_OR_RETURN(IssuedAccessToken t,
//                       IssueAccessToken(grant, config, *keys.Snapshot(), clock.NowSeconds()));
//   t.token;  // compact JWS, header {"kid":"<kid>","alg":"RS256"}
#ifndef MASKINPORTEN_SERVER_TOKEN_ACCESS_TOKEN_H_
#define MASKINPORTEN_SERVER_TOKEN_ACCESS_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/clock.h"
#include "maskinporten/status.h"
#include "server/server_config.h"
#include "server/token/grant_validator.h"
#include "server/token/signing_keys.h"

namespace mp::server {

struct IssuedAccessToken {
  std::string token{};
  std::string jti{};    // 43 base64url characters (32 random bytes)
  int lifetime = 0;     // exp - iat, seconds
  std::string scope{};  // granted scopes, space-separated
};

// SPEC §5: client.access_token_lifetime (config default when <= 0), capped by every requested
// scope's at_max_age > 0. At least 1 second.
int AccessTokenLifetime(const ValidatedGrant& grant, const ServerConfig& config);

// Verifies an access token issued by this server (the self-service API's bearer auth): signature
// with a published key, iss, exp/iat. The claims JSON on success.
struct IssuedTokenClaims {
  std::string client_id{};
  std::string consumer_orgno{};  // digits of consumer.ID
  std::string supplier_orgno{};  // "" unless delegated
  std::vector<std::string> scopes{};
  std::string jti{};
  int64_t exp = 0;
};
Result<IssuedTokenClaims> VerifyIssuedToken(std::string_view token, const SigningKeys& keys,
                                            const ServerConfig& config, const Clock& clock);

Result<IssuedAccessToken> IssueAccessToken(const ValidatedGrant& grant, const ServerConfig& config,
                                           const SigningKeySet& keys, int64_t now);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_TOKEN_ACCESS_TOKEN_H_
