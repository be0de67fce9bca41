// The grant builder: GrantSpec + Credentials -> a signed RFC 7523 grant (SPEC §4).
#include "maskinporten/grant.h"

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/random.h"
#include "core/scope_set.h"
#include "core/strings.h"
#include "grant/grant_rules.h"
#include "maskinporten/jws.h"
#include "maskinporten/org_number.h"

namespace mp {
namespace {

Status InvalidGrant(std::string message) { return Status(Errc::kInvalidGrant, std::move(message)); }

// SPEC §3: the metadata lists RS256, RS384 and RS512 only, and those need an RSA key.
Status CheckGrantAlgorithm(const PrivateKey& key, Algorithm alg) {
  if (!grant_internal::IsMaskinportenAlgorithm(alg)) {
    return Status(Errc::kAlgorithmNotAllowed,
                  "alg " + std::string(AlgorithmName(alg)) +
                      " is not accepted by Maskinporten; use RS256, RS384 or RS512");
  }
  if (key.type() != KeyType::kRsa) {
    return Status(Errc::kKeyAlgorithmMismatch, "alg " + std::string(AlgorithmName(alg)) +
                                                   " needs an RSA key; this key is EC " +
                                                   key.public_key().curve());
  }
  return key.CheckAlgorithm(alg);
}

// A text value that goes into a claim: valid UTF-8 and no control characters (a stray line break
// is a classic MP-011).
Status CheckText(std::string_view field, std::string_view value) {
  if (!IsValidUtf8(value)) return InvalidGrant(std::string(field) + " is not valid UTF-8");
  if (HasControlCharacter(value)) {
    return InvalidGrant(std::string(field) + " " + Quote(value) +
                        " contains a control character (a line break?)");
  }
  return OkStatus();
}

Status CheckIssuer(std::string_view issuer) {
  if (issuer.empty()) return InvalidGrant("issuer is empty: aud must be the environment's issuer");
  MP_RETURN_IF_ERROR(CheckText("issuer", issuer));
  if (issuer.substr(0, 8) != "https://" && issuer.substr(0, 7) != "http://") {
    return InvalidGrant("issuer " + Quote(issuer) + " is not an http(s) URL");
  }
  // SPEC §4.3: aud is the issuer exactly, trailing slash included (MP-110 otherwise).
  if (issuer.back() != '/') {
    return InvalidGrant("issuer " + Quote(issuer) +
                        " does not end with '/': aud must be the issuer exactly, e.g. " +
                        Quote(std::string(issuer) + "/"));
  }
  return OkStatus();
}

Status CheckLifetime(std::chrono::seconds lifetime) {
  const int64_t s = lifetime.count();
  if (s < 1) return InvalidGrant("exp - iat is " + std::to_string(s) + " s; at least 1 s needed");
  // SPEC §4.3: exp - iat <= 120.
  if (lifetime > kMaxGrantLifetime) {
    return InvalidGrant("exp - iat is " + std::to_string(s) + " s; at most " +
                        std::to_string(kMaxGrantLifetime.count()) + " s allowed");
  }
  return OkStatus();
}

Status CheckScopes(const std::vector<std::string>& scopes) {
  for (const std::string& token : ScopeSet::FromEntries(scopes)) {
    if (!IsScopeToken(token)) {
      return InvalidGrant("scope " + Quote(token) +
                          " contains whitespace, a control character or a character not "
                          "allowed in a scope (RFC 6749 §3.3)");
    }
  }
  return OkStatus();
}

// RFC 9396: the grant carries an array; we take ONE entry object (SPEC §4.3, §11.3).
Result<nlohmann::json> ParseAuthorizationDetails(std::string_view json) {
  Result<nlohmann::json> entry = ParseStrictJson(json);
  if (!entry.ok()) {
    return InvalidGrant("authorization_details is not valid JSON: " + entry.status().message());
  }
  if (entry->is_array()) {
    return InvalidGrant(
        "authorization_details must be ONE entry object; got an array (pass the object inside "
        "it; the grant wraps it in an array)");
  }
  if (!entry->is_object()) return InvalidGrant("authorization_details must be a JSON object");
  auto type = entry->find("type");
  if (type == entry->end() || !type->is_string() || type->get_ref<const std::string&>().empty()) {
    return InvalidGrant("authorization_details needs a non-empty string \"type\"");
  }
  return entry;
}

Status CheckSpec(const GrantSpec& spec) {
  MP_RETURN_IF_ERROR(CheckIssuer(spec.issuer));
  if (spec.client_id.empty()) return InvalidGrant("client_id is empty: iss must be the client_id");
  MP_RETURN_IF_ERROR(CheckText("client_id", spec.client_id));
  MP_RETURN_IF_ERROR(CheckLifetime(spec.lifetime));
  MP_RETURN_IF_ERROR(CheckScopes(spec.request.scopes));
  if (spec.request.resource.has_value()) {
    if (spec.request.resource->empty()) return InvalidGrant("resource is empty");
    MP_RETURN_IF_ERROR(CheckText("resource", *spec.request.resource));
  }
  return OkStatus();
}

}  // namespace

Result<Credentials> Credentials::WithKid(PrivateKey key, std::string kid, Algorithm alg) {
  if (!grant_internal::IsValidKid(kid)) {
    return Status(Errc::kInvalidArgument,
                  "kid " + Quote(kid) +
                      " is not a registered key id: non-empty, characters A-Z a-z 0-9 . _ -");
  }
  MP_RETURN_IF_ERROR(CheckGrantAlgorithm(key, alg));
  return Credentials(std::move(key), alg, std::move(kid), {});
}

Result<Credentials> Credentials::WithCertificate(PrivateKey key, std::vector<Certificate> chain,
                                                 Algorithm alg) {
  if (chain.empty()) return Status(Errc::kInvalidArgument, "the certificate chain is empty");
  MP_RETURN_IF_ERROR(CheckGrantAlgorithm(key, alg));
  Result<PublicKey> leaf_key = chain.front().PublicKeyOf();
  if (!leaf_key.ok()) return leaf_key.status().WithContext("leaf certificate");
  if (!(*leaf_key == key.public_key())) {
    return Status(Errc::kInvalidKey, "the first certificate (" + chain.front().Subject() +
                                         ") is not the private key's certificate; the chain "
                                         "must start with the leaf");
  }
  std::vector<std::string> x5c;
  x5c.reserve(chain.size());
  for (const Certificate& c : chain) x5c.push_back(c.X5cEntry());
  return Credentials(std::move(key), alg, "", std::move(x5c));
}

Result<std::string> ConsentAuthorizationDetails(std::string_view consent_id,
                                                std::string_view party) {
  if (!IsUuid(consent_id)) {
    return Status(Errc::kInvalidArgument, "consent id " + Quote(consent_id, 64) + " is not a UUID");
  }
  std::string from;
  if (grant_internal::IsValidPersonIdentifier(party)) {
    from = std::string(grant_internal::kConsentPersonPrefix) + std::string(party);
  } else if (OrgNumber::Parse(party).ok()) {
    from = std::string(grant_internal::kConsentOrgPrefix) + std::string(party);
  } else {
    return Status(Errc::kInvalidArgument,
                  "consent party " + Quote(party, 64) +
                      " is neither a national identity number nor an org number");
  }
  nlohmann::ordered_json entry;
  entry["type"] = grant_internal::kConsentType;
  entry["id"] = consent_id;
  entry["from"] = from;
  return entry.dump();
}

Result<std::string> SystemUserAuthorizationDetails(const OrgNumber& customer,
                                                   std::optional<std::string_view> external_ref) {
  if (external_ref.has_value() && external_ref->empty()) {
    return Status(Errc::kInvalidArgument,
                  "system user externalRef is empty; leave it out when the request set none");
  }
  nlohmann::ordered_json entry;
  entry["type"] = grant_internal::kSystemUserType;
  entry["systemuser_org"] = {{"authority", grant_internal::kIso6523Authority},
                             {"ID", customer.Iso6523()}};
  if (external_ref.has_value()) entry["externalRef"] = *external_ref;
  return entry.dump();
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  return ScopeSet::FromEntries(scopes).Join();
}

Result<Grant> BuildGrant(const GrantSpec& spec, const Credentials& credentials, const Clock& clock,
                         std::chrono::seconds clock_offset) {
  MP_RETURN_IF_ERROR(CheckSpec(spec));
  std::string scope = JoinScopes(spec.request.scopes);
  // SPEC §4.3: scope is required, even with authorization_details.
  if (scope.empty()) return InvalidGrant("no scope: at least one non-empty scope is required");
  std::optional<nlohmann::json> details;
  if (spec.request.authorization_details.has_value()) {
    MP_ASSIGN_OR_RETURN(details, ParseAuthorizationDetails(*spec.request.authorization_details));
  }

  Grant grant;
  grant.iat = std::chrono::floor<std::chrono::seconds>(clock.Now() + clock_offset)
                  .time_since_epoch()
                  .count();
  grant.exp = grant.iat + spec.lifetime.count();
  grant.jti = RandomUuid();  // SPEC §4.3: a UUIDv4 (122 random bits): never repeats (MP-012)

  // Member order as Digdir's own tools write it; every value checked above to be valid UTF-8.
  nlohmann::ordered_json claims;
  claims["aud"] = spec.issuer;
  claims["iss"] = spec.client_id;
  claims["iat"] = grant.iat;
  claims["exp"] = grant.exp;
  claims["jti"] = grant.jti;
  claims["scope"] = scope;
  if (spec.request.resource.has_value()) claims["resource"] = *spec.request.resource;
  if (spec.request.consumer_org.has_value()) {
    claims["consumer_org"] = spec.request.consumer_org->digits();
  }
  if (details.has_value()) claims["authorization_details"] = nlohmann::json::array({*details});
  const std::string payload = claims.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  SignOptions options;
  options.alg = credentials.alg();
  options.kid = credentials.kid();
  options.x5c = credentials.x5c();
  MP_ASSIGN_OR_RETURN(grant.assertion, SignJws(credentials.key(), payload, options));
  return grant;
}

}  // namespace mp
