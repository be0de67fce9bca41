#include "server/registry/registry_rules.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/json.h"
#include "core/scope_set.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "grant/grant_rules.h"
#include "maskinporten/grant.h"
#include "maskinporten/jwk.h"
#include "maskinporten/org_number.h"

namespace mp::server::registry {
namespace {

std::string Join(std::string_view path, std::string_view member) {
  if (path.empty()) return std::string(member);
  return std::string(path) + "." + std::string(member);
}

std::string Index(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

bool Contains(std::initializer_list<std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

Result<std::string> StringField(const Json& value, std::string_view path) {
  if (!value.is_string()) return FieldError(path, "must be a string");
  return value.get<std::string>();
}

Result<bool> BoolField(const Json& value, std::string_view path) {
  if (!value.is_boolean()) return FieldError(path, "must be true or false");
  return value.get<bool>();
}

Result<int64_t> IntField(const Json& value, std::string_view path) {
  if (!value.is_number_integer()) return FieldError(path, "must be an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX) {
    return FieldError(path, "is out of range");
  }
  return value.get<int64_t>();
}

Result<std::vector<std::string>> StringArrayField(const Json& value, std::string_view path) {
  if (!value.is_array()) return FieldError(path, "must be an array of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size(); ++i) {
    MP_ASSIGN_OR_RETURN(std::string s, StringField(value[i], Index(path, i)));
    out.push_back(std::move(s));
  }
  return out;
}

// Free text: valid UTF-8 (the strict parser guarantees it), at most `max` characters, and no
// control characters unless `allow_newlines` lets line breaks and tabs through.
Status CheckText(std::string_view text, std::string_view path, size_t max, bool allow_newlines) {
  size_t chars = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++chars;
    bool control = c < 0x20 || c == 0x7f;
    if (control && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t'))) {
      return FieldError(path, "must not contain control characters");
    }
  }
  if (chars > max) {
    return FieldError(path, "is " + std::to_string(chars) + " characters; at most " +
                                std::to_string(max) + " allowed");
  }
  return OkStatus();
}

}  // namespace

Status FieldError(std::string_view path, std::string_view problem) {
  return Status(Errc::kInvalidArgument, std::string(path) + ": " + std::string(problem));
}

Status CheckOrgNumber(std::string_view orgno, std::string_view path) {
  Result<OrgNumber> org = OrgNumber::Parse(orgno);
  if (!org.ok()) return FieldError(path, Quote(orgno) + " is not a valid organisation number");
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Clients

Result<ClientRecord> ParseClient(const Json& body, ClientFields fields) {
  if (!body.is_object()) return FieldError("client", "must be a JSON object");
  ClientRecord c;
  bool have_name = false;
  bool have_owner = false;
  for (const auto& [name, value] : body.items()) {
    if (name == "client_name") {
      MP_ASSIGN_OR_RETURN(c.client_name, StringField(value, name));
      if (c.client_name.empty()) return FieldError(name, "must not be empty");
      MP_RETURN_IF_ERROR(CheckText(c.client_name, name, kMaxClientNameLength, false));
      have_name = true;
    } else if (name == "description") {
      MP_ASSIGN_OR_RETURN(c.description, StringField(value, name));
      MP_RETURN_IF_ERROR(CheckText(c.description, name, kMaxDescriptionLength, true));
    } else if (name == "integration_type") {
      MP_ASSIGN_OR_RETURN(c.integration_type, StringField(value, name));
      if (c.integration_type != "maskinporten") {
        return FieldError(name, Quote(c.integration_type) +
                                    " is not supported; the local Maskinporten registers only "
                                    "\"maskinporten\" clients");
      }
    } else if (name == "token_endpoint_auth_method") {
      MP_ASSIGN_OR_RETURN(c.token_endpoint_auth_method, StringField(value, name));
      if (c.token_endpoint_auth_method != "private_key_jwt") {
        return FieldError(name,
                          Quote(c.token_endpoint_auth_method) +
                              " is not allowed; Maskinporten clients use \"private_key_jwt\"");
      }
    } else if (name == "grant_types") {
      MP_ASSIGN_OR_RETURN(std::vector<std::string> grants, StringArrayField(value, name));
      if (grants.empty()) return FieldError(name, "must name the jwt-bearer grant type");
      for (size_t i = 0; i < grants.size(); ++i) {
        if (grants[i] != kJwtBearerGrantType && grants[i] != kJwtBearerShort) {
          return FieldError(Index(name, i), Quote(grants[i]) + " is not allowed; use \"" +
                                                std::string(kJwtBearerGrantType) + "\"");
        }
      }
    } else if (name == "scopes") {
      MP_ASSIGN_OR_RETURN(c.scopes, StringArrayField(value, name));
      std::set<std::string> seen;
      for (size_t i = 0; i < c.scopes.size(); ++i) {
        if (!IsScopeToken(c.scopes[i])) {
          return FieldError(Index(name, i), Quote(c.scopes[i]) + " is not a valid scope name");
        }
        if (!seen.insert(c.scopes[i]).second) {
          return FieldError(Index(name, i), "duplicate scope " + Quote(c.scopes[i]));
        }
      }
    } else if (name == "access_token_lifetime") {
      MP_ASSIGN_OR_RETURN(int64_t lifetime, IntField(value, name));
      if (lifetime < 1 || lifetime > kMaxTokenLifetime) {
        return FieldError(name, std::to_string(lifetime) + " is out of range 1.." +
                                    std::to_string(kMaxTokenLifetime) + " seconds");
      }
      c.access_token_lifetime = static_cast<int>(lifetime);
    } else if (fields == ClientFields::kApi &&
               Contains({"client_id", "client_orgno", "supplier_orgno", "created", "last_updated",
                         "active"},
                        name)) {
      // Read-only: a client GETs a client and PUTs it back (SPEC §9).
    } else if (fields == ClientFields::kSeed && name == "client_id") {
      MP_ASSIGN_OR_RETURN(c.client_id, StringField(value, name));
      if (c.client_id.empty() || c.client_id.size() > 100 || HasControlCharacter(c.client_id) ||
          !IsScopeToken(c.client_id)) {
        return FieldError(
            name, Quote(c.client_id) + " must be 1..100 printable ASCII characters without spaces");
      }
    } else if (fields == ClientFields::kSeed && name == "client_orgno") {
      MP_ASSIGN_OR_RETURN(c.client_orgno, StringField(value, name));
      MP_RETURN_IF_ERROR(CheckOrgNumber(c.client_orgno, name));
      have_owner = true;
    } else if (fields == ClientFields::kSeed && name == "supplier_orgno") {
      MP_ASSIGN_OR_RETURN(c.supplier_orgno, StringField(value, name));
      if (!c.supplier_orgno.empty()) MP_RETURN_IF_ERROR(CheckOrgNumber(c.supplier_orgno, name));
    } else if (fields == ClientFields::kSeed && name == "active") {
      MP_ASSIGN_OR_RETURN(c.active, BoolField(value, name));
    } else if (fields == ClientFields::kSeed && name == "keys") {
      // Read by the seed loader.
    } else {
      return FieldError(name, "unknown member");
    }
  }
  if (!have_name) return FieldError("client_name", "missing");
  if (fields == ClientFields::kSeed && !have_owner) return FieldError("client_orgno", "missing");
  return c;
}

RegistryLookup StoreLookup(Store& store) {
  return RegistryLookup{
      .scope = [&store](std::string_view name) { return store.GetScope(name); },
      .approved = [&store](std::string_view scope, std::string_view consumer) -> Result<bool> {
        MP_ASSIGN_OR_RETURN(std::optional<ScopeAccess> a, store.GetAccess(scope, consumer));
        return a.has_value() && a->state == AccessState::kApproved;
      }};
}

Status CheckClientScopes(const ClientRecord& client, const RegistryLookup& lookup) {
  for (size_t i = 0; i < client.scopes.size(); ++i) {
    const std::string& name = client.scopes[i];
    const std::string path = Index("scopes", i);
    MP_ASSIGN_OR_RETURN(std::optional<ScopeRecord> scope, lookup.scope(name));
    if (!scope.has_value()) return FieldError(path, "unknown scope " + Quote(name));
    if (!scope->active) return FieldError(path, "scope " + Quote(name) + " is not active");
    const auto& types = scope->allowed_integration_types;
    if (std::find(types.begin(), types.end(), "maskinporten") == types.end()) {
      return FieldError(path, "scope " + Quote(name) + " does not allow maskinporten clients");
    }
    if (scope->owner_orgno == client.client_orgno || scope->accessible_for_all ||
        !scope->delegation_source.empty()) {
      continue;  // SPEC §8 step 4: suppliers add delegable scopes to their own clients
    }
    MP_ASSIGN_OR_RETURN(bool approved, lookup.approved(name, client.client_orgno));
    if (!approved) {
      return FieldError(path, "organisation " + client.client_orgno +
                                  " has no approved access to scope " + Quote(name));
    }
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// JWKS

Result<ClientKey> ParseRegisteredJwk(const Json& jwk, std::string_view path, int64_t now) {
  if (!jwk.is_object()) return FieldError(path, "must be a JSON object");
  // RFC 7518 §6.3.2: a registered key is public; private members are refused before anything
  // else so the message never echoes them.
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk.contains(m)) return FieldError(Join(path, m), "private key members are not accepted");
  }
  for (const char* m : {"kty", "alg", "use", "kid", "n", "e"}) {
    if (!jwk.contains(m)) return FieldError(Join(path, m), "missing");
    if (!jwk[m].is_string()) return FieldError(Join(path, m), "must be a string");
  }
  const std::string kty = jwk["kty"].get<std::string>();
  if (kty != "RSA")
    return FieldError(Join(path, "kty"), Quote(kty) + " is not allowed; use \"RSA\"");
  const std::string alg = jwk["alg"].get<std::string>();
  if (!grant_internal::IsMaskinportenAlgorithmName(alg)) {
    return FieldError(Join(path, "alg"), Quote(alg) + " is not allowed; use RS256, RS384 or RS512");
  }
  const std::string use = jwk["use"].get<std::string>();
  if (use != "sig")
    return FieldError(Join(path, "use"), Quote(use) + " is not allowed; use \"sig\"");
  const std::string kid = jwk["kid"].get<std::string>();
  if (!grant_internal::IsValidKid(kid)) {
    return FieldError(Join(path, "kid"), Quote(kid) + " must be non-empty [A-Za-z0-9._-]");
  }
  const std::string text = DumpJson(jwk);
  Result<Jwk> parsed = ParseJwk(text);
  if (!parsed.ok()) return FieldError(path, parsed.status().message());
  const int bits = parsed->key.bits();
  if (bits < kMinKeyBits || bits > kMaxKeyBits) {
    return FieldError(Join(path, "n"),
                      "the RSA key has " + std::to_string(bits) + " bits; 2048..4096 allowed");
  }
  return ClientKey{.kid = kid, .jwk_json = text, .created = now};
}

Status CheckKeySet(const std::vector<ClientKey>& keys, std::string_view path) {
  if (keys.size() > kMaxKeys) return FieldError(path, "at most 5 keys");
  std::set<std::string> kids;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!kids.insert(keys[i].kid).second) {
      return FieldError(Index(path, i) + ".kid", "duplicate kid " + Quote(keys[i].kid));
    }
  }
  return OkStatus();
}

Result<std::vector<ClientKey>> ParseJwkSet(const Json& keys, std::string_view path, int64_t now) {
  if (!keys.is_array()) return FieldError(path, "must be an array of JWK objects");
  if (keys.size() > kMaxKeys) return FieldError(path, "at most 5 keys");
  std::vector<ClientKey> out;
  for (size_t i = 0; i < keys.size(); ++i) {
    MP_ASSIGN_OR_RETURN(ClientKey key, ParseRegisteredJwk(keys[i], Index(path, i), now));
    out.push_back(std::move(key));
  }
  MP_RETURN_IF_ERROR(CheckKeySet(out, path));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scopes

Result<ScopeRecord> ParseScope(const Json& body, ScopeFields fields,
                               const std::vector<std::string>& delegation_sources) {
  if (!body.is_object()) return FieldError("scope", "must be a JSON object");
  ScopeRecord s;
  bool have_prefix = false;
  bool have_subscope = false;
  bool have_owner = false;
  std::optional<std::string> given_name;
  for (const auto& [name, value] : body.items()) {
    if (name == "prefix") {
      MP_ASSIGN_OR_RETURN(s.prefix, StringField(value, name));
      have_prefix = true;
    } else if (name == "subscope") {
      MP_ASSIGN_OR_RETURN(s.subscope, StringField(value, name));
      have_subscope = true;
    } else if (name == "name") {
      MP_ASSIGN_OR_RETURN(given_name, StringField(value, name));
    } else if (name == "description") {
      MP_ASSIGN_OR_RETURN(s.description, StringField(value, name));
      MP_RETURN_IF_ERROR(CheckText(s.description, name, kMaxDescriptionLength, true));
    } else if (name == "long_description") {
      MP_ASSIGN_OR_RETURN(s.long_description, StringField(value, name));
      MP_RETURN_IF_ERROR(CheckText(s.long_description, name, 5000, true));
    } else if (name == "visibility") {
      MP_ASSIGN_OR_RETURN(std::string v, StringField(value, name));
      std::optional<ScopeVisibility> vis = ParseScopeVisibility(v);
      if (!vis) return FieldError(name, Quote(v) + " is not PUBLIC, PRIVATE or INTERNAL");
      s.visibility = *vis;
    } else if (name == "allowed_integration_types") {
      MP_ASSIGN_OR_RETURN(s.allowed_integration_types, StringArrayField(value, name));
      if (s.allowed_integration_types.empty()) return FieldError(name, "must not be empty");
      for (size_t i = 0; i < s.allowed_integration_types.size(); ++i) {
        const std::string& t = s.allowed_integration_types[i];
        if (!Contains({"maskinporten", "idporten", "api_klient", "krr"}, t)) {
          return FieldError(Index(name, i),
                            Quote(t) + " is not maskinporten, idporten, api_klient or krr");
        }
      }
    } else if (name == "accessible_for_all") {
      MP_ASSIGN_OR_RETURN(s.accessible_for_all, BoolField(value, name));
    } else if (name == "at_max_age") {
      MP_ASSIGN_OR_RETURN(int64_t age, IntField(value, name));
      if (age < 0 || age > kMaxTokenLifetime) {
        return FieldError(name, std::to_string(age) + " is out of range 0.." +
                                    std::to_string(kMaxTokenLifetime) + " seconds");
      }
      s.at_max_age = static_cast<int>(age);
    } else if (name == "delegation_source") {
      MP_ASSIGN_OR_RETURN(s.delegation_source, StringField(value, name));
      if (!s.delegation_source.empty() &&
          std::find(delegation_sources.begin(), delegation_sources.end(), s.delegation_source) ==
              delegation_sources.end()) {
        return FieldError(
            name, Quote(s.delegation_source) + " is not an issuer listed by /delegationsources");
      }
    } else if (Contains({"token_type", "requires_user_consent", "requires_user_authentication",
                         "requires_pseudonymous_tokens", "authorization_max_lifetime"},
                        name)) {
      // Digdir scope properties the emulator does not use (SPEC §9); accepted and not stored.
    } else if (fields != ScopeFields::kSeed &&
               Contains({"owner_orgno", "active", "created", "last_updated"}, name)) {
      // Read-only in the API.
    } else if (fields == ScopeFields::kSeed && name == "owner_orgno") {
      MP_ASSIGN_OR_RETURN(s.owner_orgno, StringField(value, name));
      MP_RETURN_IF_ERROR(CheckOrgNumber(s.owner_orgno, name));
      have_owner = true;
    } else if (fields == ScopeFields::kSeed && name == "active") {
      MP_ASSIGN_OR_RETURN(s.active, BoolField(value, name));
    } else {
      return FieldError(name, "unknown member");
    }
  }
  if (fields == ScopeFields::kApiUpdate) {
    // The name is immutable and comes from ?scope=; the caller compares prefix, subscope and
    // name, when echoed back, with the stored scope.
  } else {
    if (!have_prefix) return FieldError("prefix", "missing");
    if (!have_subscope) return FieldError("subscope", "missing");
    MP_RETURN_IF_ERROR(CheckScopeName(s.prefix, s.subscope));  // maskinporten/grant.h
    s.name = s.prefix + ":" + s.subscope;
    if (given_name && *given_name != s.name) {
      return FieldError("name",
                        Quote(*given_name) + " does not match prefix:subscope " + Quote(s.name));
    }
  }
  if (fields == ScopeFields::kApiUpdate && given_name) s.name = *given_name;
  if (fields == ScopeFields::kSeed && !have_owner) return FieldError("owner_orgno", "missing");
  return s;
}

std::string PrefixOwner(std::string_view prefix, const std::vector<ScopeRecord>& all) {
  for (const ScopeRecord& s : all) {
    if (s.prefix == prefix) return s.owner_orgno;
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Delegations

Status CheckDelegation(const std::optional<ScopeRecord>& scope, std::string_view scope_name,
                       std::string_view consumer_orgno, std::string_view supplier_orgno,
                       std::string_view scope_path, std::string_view supplier_path) {
  MP_RETURN_IF_ERROR(CheckOrgNumber(supplier_orgno, supplier_path));
  if (supplier_orgno == consumer_orgno) {
    return FieldError(supplier_path, "an organisation cannot delegate to itself");
  }
  if (!scope.has_value()) return FieldError(scope_path, "unknown scope " + Quote(scope_name));
  if (!scope->active)
    return FieldError(scope_path, "scope " + Quote(scope_name) + " is not active");
  if (scope->delegation_source.empty()) {
    return FieldError(scope_path, "scope " + Quote(scope_name) +
                                      " is not delegable (it has no delegation_source)");
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// JSON shapes

OrderedJson ClientJson(const ClientRecord& c) {
  OrderedJson j;
  j["client_id"] = c.client_id;
  j["client_name"] = c.client_name;
  j["description"] = c.description;
  j["integration_type"] = c.integration_type;
  j["token_endpoint_auth_method"] = c.token_endpoint_auth_method;
  j["grant_types"] = OrderedJson::array({std::string(kJwtBearerGrantType)});
  j["scopes"] = c.scopes;
  j["client_orgno"] = c.client_orgno;
  if (!c.supplier_orgno.empty()) j["supplier_orgno"] = c.supplier_orgno;
  j["access_token_lifetime"] = c.access_token_lifetime;
  j["active"] = c.active;
  j["created"] = FormatUtc(c.created);
  j["last_updated"] = FormatUtc(c.last_updated);
  return j;
}

OrderedJson ScopeJson(const ScopeRecord& s) {
  OrderedJson j;
  j["name"] = s.name;
  j["prefix"] = s.prefix;
  j["subscope"] = s.subscope;
  j["description"] = s.description;
  j["long_description"] = s.long_description;
  j["owner_orgno"] = s.owner_orgno;
  j["active"] = s.active;
  j["visibility"] = std::string(ScopeVisibilityName(s.visibility));
  j["allowed_integration_types"] = s.allowed_integration_types;
  j["accessible_for_all"] = s.accessible_for_all;
  j["at_max_age"] = s.at_max_age;
  j["delegation_source"] = s.delegation_source;
  j["created"] = FormatUtc(s.created);
  j["last_updated"] = FormatUtc(s.last_updated);
  return j;
}

OrderedJson AccessJson(const ScopeAccess& a) {
  OrderedJson j;
  j["scope"] = a.scope;
  j["consumer_orgno"] = a.consumer_orgno;
  j["owner_orgno"] = a.owner_orgno;
  j["state"] = std::string(AccessStateName(a.state));
  j["created"] = FormatUtc(a.created);
  j["last_updated"] = FormatUtc(a.last_updated);
  return j;
}

OrderedJson DelegationJson(const Delegation& d) {
  OrderedJson j;
  j["consumer_orgno"] = d.consumer_orgno;
  j["supplier_orgno"] = d.supplier_orgno;
  j["scope"] = d.scope;
  j["created"] = FormatUtc(d.created);
  return j;
}

OrderedJson JwksJson(const ClientJwks& jwks) {
  OrderedJson j;
  OrderedJson keys = OrderedJson::array();
  for (const ClientKey& k : jwks.keys) {
    // Stored as registered (already checked on upload); parse errors cannot happen.
    keys.push_back(OrderedJson::parse(k.jwk_json, nullptr, /*allow_exceptions=*/false));
  }
  j["keys"] = std::move(keys);
  j["created"] = FormatUtc(jwks.created);
  j["last_updated"] = FormatUtc(jwks.last_updated);
  return j;
}

Result<bool> IsRegisteredOrg(Store& store, std::string_view orgno) {
  MP_ASSIGN_OR_RETURN(std::vector<Organization> orgs, store.ListOrganizations());
  if (std::any_of(orgs.begin(), orgs.end(),
                  [&](const Organization& o) { return o.orgno == orgno; })) {
    return true;
  }
  MP_ASSIGN_OR_RETURN(std::vector<ClientRecord> clients, store.ListClients(orgno, true));
  return !clients.empty();
}

Status EnsureScopes(Store& store, const ScopeRecord& base, std::span<const ProvidedScope> scopes) {
  for (const ProvidedScope& provided : scopes) {
    MP_ASSIGN_OR_RETURN(std::optional<ScopeRecord> existing, store.GetScope(provided.name));
    if (existing) continue;
    ScopeRecord s = base;
    s.name = std::string(provided.name);
    s.subscope = s.name.substr(s.prefix.size() + 1);
    s.description = std::string(provided.description);
    Status created = store.CreateScope(s);
    if (!created.ok() && created.code() != Errc::kInvalidArgument) return created;
  }
  return OkStatus();
}

}  // namespace mp::server::registry
