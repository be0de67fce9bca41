#include "server/token/access_token.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/random.h"
#include "core/scope_set.h"
#include "grant/grant_rules.h"
#include "jose/signature.h"
#include "maskinporten/base64.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"

namespace mp::server {
namespace {

using OrderedJson = nlohmann::ordered_json;
constexpr std::string_view kIso6523Authority = "iso6523-actorid-upis";

OrderedJson Party(const std::string& orgno) {
  OrderedJson p;
  p["authority"] = kIso6523Authority;
  p["ID"] = "0192:" + orgno;
  return p;
}

// The bytes after "0192:" of an ISO 6523 party object, or "" when it is not one.
std::string PartyDigits(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_object()) return {};
  auto id = it->find("ID");
  if (id == it->end() || !id->is_string()) return {};
  const std::string& s = id->get_ref<const std::string&>();
  size_t colon = s.rfind(':');
  return colon == std::string::npos ? s : s.substr(colon + 1);
}

}  // namespace

int AccessTokenLifetime(const ValidatedGrant& grant, const ServerConfig& config) {
  int lifetime = grant.client.access_token_lifetime > 0 ? grant.client.access_token_lifetime
                                                        : config.default_token_lifetime_seconds;
  for (const ScopeRecord& scope : grant.scope_records) {
    if (scope.at_max_age > 0) lifetime = std::min(lifetime, scope.at_max_age);
  }
  return std::max(lifetime, 1);
}

Result<IssuedAccessToken> IssueAccessToken(const ValidatedGrant& grant, const ServerConfig& config,
                                           const SigningKeySet& keys, int64_t now) {
  IssuedAccessToken out;
  out.lifetime = AccessTokenLifetime(grant, config);
  out.jti = RandomBase64Url(32);
  for (const std::string& s : grant.scopes) out.scope += (out.scope.empty() ? "" : " ") + s;

  // SPEC §5: the real server's member order.
  OrderedJson payload;
  payload["scope"] = out.scope;
  payload["iss"] = config.issuer;
  payload["client_amr"] = grant.client_amr;
  payload["token_type"] = "Bearer";
  payload["exp"] = now + out.lifetime;
  payload["iat"] = now;
  payload["client_id"] = grant.client.client_id;
  payload["jti"] = out.jti;
  payload["consumer"] = Party(grant.consumer());
  if (!grant.consumer_org.empty()) {
    payload["supplier"] = Party(grant.client.client_orgno);
    payload["delegation_source"] = config.DelegationSource();
  }
  if (grant.resource) {
    payload["aud"] = OrderedJson::parse(grant.resource->dump());
  } else if (config.emit_aud_unspecified) {
    payload["aud"] = "unspecified";
  }
  if (!grant.pid.empty()) payload["pid"] = grant.pid;
  if (grant.authorization_details) payload["authorization_details"] = *grant.authorization_details;
  if (config.emit_client_orgno) payload["client_orgno"] = grant.client.client_orgno;

  // SPEC §5: header exactly {"kid":...,"alg":"RS256"} (SignJws writes alg first, so the compact
  // form is built here on the raw primitive).
  OrderedJson header;
  header["kid"] = keys.current_kid;
  header["alg"] = "RS256";
  std::string signing_input =
      Base64UrlEncode(header.dump()) + "." +
      Base64UrlEncode(payload.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
  MP_ASSIGN_OR_RETURN(std::string signature, Sign(Algorithm::kRS256, keys.current, signing_input));
  out.token = signing_input + "." + Base64UrlEncode(signature);
  return out;
}

Result<IssuedTokenClaims> VerifyIssuedToken(std::string_view token, const SigningKeys& keys,
                                            const ServerConfig& config, const Clock& clock) {
  std::shared_ptr<const SigningKeySet> set = keys.Snapshot();
  MP_ASSIGN_OR_RETURN(ParsedJws parsed, ParseJws(token));
  if (parsed.header.kid.empty()) {
    return Status(Errc::kKeyNotFound, "access token header has no kid");
  }
  if (set->jwks.Find(parsed.header.kid) == nullptr) {
    return Status(Errc::kKeyNotFound, "access token kid " + parsed.header.kid.substr(0, 64) +
                                          " is not a published signing key");
  }
  MP_ASSIGN_OR_RETURN(VerifiedJws verified,
                      VerifyJws(token, set->jwks, VerifyOptions{Algorithm::kRS256}));
  MP_ASSIGN_OR_RETURN(nlohmann::json claims, ParseStrictJsonObject(verified.payload));
  auto str = [&](const char* name) -> std::string {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str("iss") != config.issuer) {
    return Status(Errc::kIssuerMismatch, "access token iss is not " + config.issuer);
  }
  auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number_integer()) {
    return Status(Errc::kInvalidClaim, "access token exp is not an integer");
  }
  const int64_t now = clock.NowSeconds();
  const int64_t skew = grant_internal::kMaxClockSkewSeconds;
  if (exp->get<int64_t>() <= now - skew) {
    return Status(Errc::kTokenExpired,
                  "access token expired at " + std::to_string(exp->get<int64_t>()));
  }
  if (auto iat = claims.find("iat");
      iat != claims.end() && iat->is_number_integer() && iat->get<int64_t>() > now + skew) {
    return Status(Errc::kIssuedInFuture, "access token iat is in the future");
  }
  IssuedTokenClaims out;
  out.client_id = str("client_id");
  out.consumer_orgno = PartyDigits(claims, "consumer");
  out.supplier_orgno = PartyDigits(claims, "supplier");
  out.jti = str("jti");
  out.exp = exp->get<int64_t>();
  out.scopes = ScopeSet::Parse(str("scope")).scopes();
  if (out.client_id.empty() || out.consumer_orgno.empty()) {
    return Status(Errc::kInvalidClaim, "access token lacks client_id or consumer");
  }
  return out;
}

}  // namespace mp::server
