// The registry's validation rules and JSON shapes, shared by the self-service API (/api/v1) and the
// seed loader so that what an org may register through the API and what a seed file may load can
// never disagree (SPEC §8, §9). Private to src/server.
//
// Every function reports a refused value as Errc::kInvalidArgument with the message
// "<json path>: <problem>", the path relative to the object it was given ("client_name",
// "keys[2].kid"); callers prepend their own context (the seed prepends "seed.json: clients[1].").
//
//   MP_ASSIGN_OR_RETURN(ClientRecord c, ParseClient(body, ClientFields::kApi));
//   MP_RETURN_IF_ERROR(CheckClientScopes(c, StoreLookup(store)));
//   MP_ASSIGN_OR_RETURN(std::vector<ClientKey> keys, ParseJwkSet(body["keys"], "keys", now));
#ifndef MASKINPORTEN_SERVER_REGISTRY_REGISTRY_RULES_H_
#define MASKINPORTEN_SERVER_REGISTRY_REGISTRY_RULES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/utc_time.h"
#include "maskinporten/status.h"
#include "server/store/store.h"

namespace mp::server::registry {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kJwtBearerShort = "jwt_bearer_token";  // SPEC §9 short form
constexpr int kMaxClientNameLength = 100;
constexpr int kMaxDescriptionLength = 500;
constexpr int kMaxTokenLifetime = 86400;
constexpr int kDefaultTokenLifetime = 120;
constexpr size_t kMaxKeys = 5;
constexpr int kMinKeyBits = 2048;  // SPEC §13.8: the emulator accepts 2048..4096 bits
constexpr int kMaxKeyBits = 4096;

// "<path>: <problem>" as Errc::kInvalidArgument.
Status FieldError(std::string_view path, std::string_view problem);

// Which members a client object may set. The API sets the owner from the bearer token and ignores
// the read-only members; a seed names the owner and may choose the client_id.
enum class ClientFields { kApi, kSeed };
// A client object -> ClientRecord (times 0). Unknown members are refused; read-only members
// (client_id, client_orgno, created, last_updated, active) are ignored in kApi. kSeed reads
// client_id, client_orgno (required), supplier_orgno, active; it ignores "keys" (read by the
// caller). Defaults: integration_type maskinporten, private_key_jwt, jwt-bearer, lifetime 120.
Result<ClientRecord> ParseClient(const Json& body, ClientFields fields);

// Looks up registry facts for the scope rules; the API reads the Store, the seed its own lists.
struct RegistryLookup {
  std::function<Result<std::optional<ScopeRecord>>(std::string_view name)> scope;
  // Whether `consumer_orgno` holds APPROVED access to `scope`.
  std::function<Result<bool>(std::string_view scope, std::string_view consumer_orgno)> approved;
};
RegistryLookup StoreLookup(Store& store);

// SPEC §9 / §8 step 4: each of the client's scopes exists, is active, allows maskinporten and is
// usable by the client's org (owner, APPROVED access, accessible_for_all, or delegable). The error
// names "scopes[i]" and the scope.
Status CheckClientScopes(const ClientRecord& client, const RegistryLookup& lookup);

// A JWKS upload: a JSON array of at most 5 public RSA JWKs with kty, alg (RS256/384/512),
// use "sig", n, e, unique kid ([A-Za-z0-9._-]), 2048..4096 bits, no private members. Every key
// gets `created` = now (SPEC §9: re-uploading renews). `path` names the array ("keys").
Result<std::vector<ClientKey>> ParseJwkSet(const Json& keys, std::string_view path, int64_t now);
// One JWK of such a set, checked alone (the seed builds JWKs from PEM files and checks them here).
Result<ClientKey> ParseRegisteredJwk(const Json& jwk, std::string_view path, int64_t now);
// The set-level rules (count, unique kids) over already-checked keys.
Status CheckKeySet(const std::vector<ClientKey>& keys, std::string_view path);

// Which members a scope object may set.
enum class ScopeFields {
  kApiCreate,  // owner from the token; name/owner_orgno/active/created/last_updated ignored
  kApiUpdate,  // as create; prefix/subscope/name, when present, must match the existing scope
  kSeed,       // owner_orgno required, active allowed
};
// A scope object -> ScopeRecord (times 0, name = prefix:subscope). `delegation_sources` are the
// accepted delegation_source values ("" is always accepted: not delegable).
Result<ScopeRecord> ParseScope(const Json& body, ScopeFields fields,
                               const std::vector<std::string>& delegation_sources);
// The org that owns `prefix` through another active or inactive scope, or "" when none in `all`
// (SPEC §9: a prefix belongs to one API owner).
std::string PrefixOwner(std::string_view prefix, const std::vector<ScopeRecord>& all);

// Delegation rules (SPEC §8): the scope exists, is active and delegable; supplier is a valid org
// number different from the consumer. `scope` is what the lookup found for the name.
Status CheckDelegation(const std::optional<ScopeRecord>& scope, std::string_view scope_name,
                       std::string_view consumer_orgno, std::string_view supplier_orgno,
                       std::string_view scope_path, std::string_view supplier_path);

// A valid org number (OrgNumber::Parse), else FieldError(path, ...).
Status CheckOrgNumber(std::string_view orgno, std::string_view path);

// An org the local registry knows: named in the organisations or owning a client (active or
// not). The Altinn stand-ins refuse parties that are neither (AM-00003 and friends).
Result<bool> IsRegisteredOrg(Store& store, std::string_view orgno);

// Unix seconds -> "2026-11-30T14:00:00Z": mp::FormatUtc (core/utc_time.h), kept under this name
// for the grant validator until the grant-rule engine replaces it.
inline std::string IsoTime(int64_t unix_seconds) { return FormatUtc(unix_seconds); }

// The API's JSON shapes (api_contract.md member order).
OrderedJson ClientJson(const ClientRecord& c);
OrderedJson ScopeJson(const ScopeRecord& s);
OrderedJson AccessJson(const ScopeAccess& a);
OrderedJson DelegationJson(const Delegation& d);
OrderedJson JwksJson(const ClientJwks& jwks);

// Scopes the emulator itself provides (the local Altinn's open scopes, the local Digdir's admin
// scopes): each (name, description) of `scopes` is created with `base`'s other fields (owner,
// visibility, accessible_for_all, times) and prefix when missing; an existing scope is left as
// it is, even deactivated. Another process on the same registry file creating it first is fine.
struct ProvidedScope {
  std::string_view name;
  std::string_view description;
};
Status EnsureScopes(Store& store, const ScopeRecord& base, std::span<const ProvidedScope> scopes);

}  // namespace mp::server::registry

#endif  // MASKINPORTEN_SERVER_REGISTRY_REGISTRY_RULES_H_
