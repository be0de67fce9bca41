#include "server/registry/seed.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <utility>

#include "core/file.h"
#include "core/json.h"
#include "core/strings.h"
#include "grant/grant_rules.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"
#include "server/registry/registry_rules.h"

namespace mp::server {
namespace {

using registry::Json;

// SPEC §8: the delegation sources of TEST and PROD. A seed may be loaded before the environment is
// known, so either is accepted here (the API accepts only the running environment's).
const std::vector<std::string>& SeedDelegationSources() {
  static const std::vector<std::string> sources = {"https://tt02.altinn.no/",
                                                   "https://www.altinn.no/"};
  return sources;
}

std::string Index(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

// Builds "<file>: <path>: <problem>" errors.
class Errors {
 public:
  explicit Errors(std::string file) : file_(std::move(file)) {}
  Status At(Errc code, std::string_view path, std::string_view problem) const {
    return Status(code, file_ + ": " + std::string(path) + ": " + std::string(problem));
  }
  // A shared rule's "<field>: <problem>" placed under `prefix` ("clients[1]").
  Status Under(std::string_view prefix, const Status& s) const {
    if (s.ok()) return s;
    if (prefix.empty()) return Status(s.code(), file_ + ": " + s.message());
    // A rule given an empty path reports ": <problem>" about the object itself.
    const bool about_object = s.message().rfind(": ", 0) == 0;
    return Status(s.code(),
                  file_ + ": " + std::string(prefix) + (about_object ? "" : ".") + s.message());
  }
  // Anything else about `path` (a file that cannot be read, a store failure).
  Status About(std::string_view path, const Status& s) const {
    if (s.ok()) return s;
    return Status(s.code(), file_ + ": " + std::string(path) + ": " + s.message());
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

Result<const Json*> ArrayMember(const Json& root, const char* name, const Errors& err) {
  auto it = root.find(name);
  if (it == root.end()) return static_cast<const Json*>(nullptr);
  if (!it->is_array()) return err.At(Errc::kInvalidJson, name, "must be an array");
  return &*it;
}

Status CheckObject(const Json& value, std::string_view path, const Errors& err) {
  if (!value.is_object()) return err.At(Errc::kInvalidJson, path, "must be a JSON object");
  return OkStatus();
}

// Reads string members of a small object, refusing unknown members and wrong types.
Result<std::map<std::string, std::string>> StringMembers(
    const Json& obj, std::string_view path, std::initializer_list<const char*> required,
    std::initializer_list<const char*> optional, const Errors& err) {
  MP_RETURN_IF_ERROR(CheckObject(obj, path, err));
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : obj.items()) {
    const std::string& key = name;  // clang 14 cannot capture a structured binding
    auto known = [&key](std::initializer_list<const char*> list) {
      return std::any_of(list.begin(), list.end(), [&key](const char* n) { return key == n; });
    };
    if (!known(required) && !known(optional)) {
      return err.At(Errc::kInvalidArgument, std::string(path) + "." + name, "unknown member");
    }
    if (!value.is_string()) {
      return err.At(Errc::kInvalidJson, std::string(path) + "." + name, "must be a string");
    }
    out[name] = value.get<std::string>();
  }
  for (const char* name : required) {
    if (!out.count(name)) {
      return err.At(Errc::kInvalidArgument, std::string(path) + "." + name, "missing");
    }
  }
  return out;
}

Status CheckOrg(std::string_view orgno, std::string_view path, const Errors& err) {
  Status s = registry::CheckOrgNumber(orgno, "x");
  if (!s.ok()) {
    return err.At(Errc::kInvalidArgument, path,
                  Quote(orgno) + " is not a valid organisation number");
  }
  return OkStatus();
}

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / p).string();
}

// A client_id a seed did not choose: stable for the same owner and name (so re-applying the seed
// updates rather than duplicates), shaped as an RFC 9562 version 8 UUID from SHA-256.
std::string DerivedClientId(std::string_view orgno, std::string_view name) {
  std::string input = "maskinporten-seed\n" + std::string(orgno) + "\n" + std::string(name);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x80);  // version 8
  md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  char buf[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(buf, sizeof(buf), "%02x", md[i]);
    out += buf;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sections

Status LoadOrganizations(const Json& root, const Errors& err, SeedConfig& seed) {
  MP_ASSIGN_OR_RETURN(const Json* list, ArrayMember(root, "organizations", err));
  if (list == nullptr) return OkStatus();
  std::set<std::string> seen;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = Index("organizations", i);
    MP_ASSIGN_OR_RETURN(auto m, StringMembers((*list)[i], path, {"orgno", "name"}, {}, err));
    MP_RETURN_IF_ERROR(CheckOrg(m["orgno"], path + ".orgno", err));
    if (m["name"].empty() || m["name"].size() > 200 || HasControlCharacter(m["name"])) {
      return err.At(Errc::kInvalidArgument, path + ".name",
                    "must be 1..200 characters without control characters");
    }
    if (!seen.insert(m["orgno"]).second) {
      return err.At(Errc::kInvalidArgument, path + ".orgno",
                    "duplicate organisation " + m["orgno"]);
    }
    seed.organizations.push_back({.orgno = m["orgno"], .name = m["name"]});
  }
  return OkStatus();
}

Result<std::vector<Certificate>> LoadAnchorList(const Json& list, const std::string& path,
                                                const std::string& base_dir, const Errors& err) {
  if (!list.is_array()) return err.At(Errc::kInvalidJson, path, "must be an array");
  std::vector<Certificate> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string item = Index(path, i);
    if (!list[i].is_string()) {
      return err.At(Errc::kInvalidJson, item, "must be a PEM file path or a PEM string");
    }
    const std::string value = list[i].get<std::string>();
    std::string pem = value;
    if (value.find("-----BEGIN") == std::string::npos) {
      Result<std::string> text = ReadFileToString(ResolvePath(base_dir, value));
      if (!text.ok()) return err.About(item, text.status());
      pem = std::move(text).value();
    }
    Result<std::vector<Certificate>> certs = Certificate::ParsePemChain(pem);
    if (!certs.ok()) return err.About(item, certs.status());
    for (Certificate& c : *certs) out.push_back(std::move(c));
  }
  return out;
}

Status LoadTrustAnchors(const Json& root, const std::string& base_dir, const Errors& err,
                        SeedConfig& seed) {
  auto it = root.find("trust_anchors");
  if (it == root.end()) return OkStatus();
  MP_RETURN_IF_ERROR(CheckObject(*it, "trust_anchors", err));
  for (const auto& [name, value] : it->items()) {
    if (name == "test") {
      MP_ASSIGN_OR_RETURN(seed.test_anchors,
                          LoadAnchorList(value, "trust_anchors.test", base_dir, err));
    } else if (name == "prod") {
      MP_ASSIGN_OR_RETURN(seed.prod_anchors,
                          LoadAnchorList(value, "trust_anchors.prod", base_dir, err));
    } else {
      return err.At(Errc::kInvalidArgument, "trust_anchors." + name,
                    "unknown environment (use \"test\" or \"prod\")");
    }
  }
  return OkStatus();
}

Status LoadRevokedSerials(const Json& root, const Errors& err, SeedConfig& seed) {
  MP_ASSIGN_OR_RETURN(const Json* list, ArrayMember(root, "revoked_serials", err));
  if (list == nullptr) return OkStatus();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = Index("revoked_serials", i);
    if (!(*list)[i].is_string()) return err.At(Errc::kInvalidJson, path, "must be a string");
    const std::string raw = (*list)[i].get<std::string>();
    // Certificate::SerialHex form: lowercase, no separators, no leading zeros beyond one.
    std::string hex;
    for (char c : raw) {
      if (c == ':') continue;
      if (!std::isxdigit(static_cast<unsigned char>(c))) {
        return err.At(Errc::kInvalidArgument, path, Quote(raw) + " is not a hex serial number");
      }
      hex += AsciiLower(c);
    }
    if (hex.empty()) return err.At(Errc::kInvalidArgument, path, "must not be empty");
    size_t nz = hex.find_first_not_of('0');
    hex = nz == std::string::npos ? "0" : hex.substr(nz);
    seed.revoked_serials.insert(hex);
  }
  return OkStatus();
}

Status LoadScopes(const Json& root, const Errors& err, SeedConfig& seed) {
  MP_ASSIGN_OR_RETURN(const Json* list, ArrayMember(root, "scopes", err));
  if (list == nullptr) return OkStatus();
  std::map<std::string, size_t> names;
  std::map<std::string, size_t> prefixes;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = Index("scopes", i);
    MP_RETURN_IF_ERROR(CheckObject((*list)[i], path, err));
    Result<ScopeRecord> s =
        registry::ParseScope((*list)[i], registry::ScopeFields::kSeed, SeedDelegationSources());
    if (!s.ok()) return err.Under(path, s.status());
    if (auto [it, added] = names.emplace(s->name, i); !added) {
      return err.At(
          Errc::kInvalidArgument, path + ".subscope",
          "duplicate scope " + Quote(s->name) + " (also " + Index("scopes", it->second) + ")");
    }
    if (auto [it, added] = prefixes.emplace(s->prefix, i);
        !added && seed.scopes[it->second].owner_orgno != s->owner_orgno) {
      return err.At(Errc::kInvalidArgument, path + ".prefix",
                    Quote(s->prefix) + " belongs to " + seed.scopes[it->second].owner_orgno + " (" +
                        Index("scopes", it->second) + ")");
    }
    seed.scopes.push_back(std::move(s).value());
  }
  return OkStatus();
}

Status LoadAccess(const Json& root, const Errors& err, SeedConfig& seed) {
  MP_ASSIGN_OR_RETURN(const Json* list, ArrayMember(root, "access", err));
  if (list == nullptr) return OkStatus();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = Index("access", i);
    MP_ASSIGN_OR_RETURN(
        auto m, StringMembers((*list)[i], path, {"scope", "consumer_orgno"}, {"state"}, err));
    MP_RETURN_IF_ERROR(CheckOrg(m["consumer_orgno"], path + ".consumer_orgno", err));
    AccessState state = AccessState::kApproved;
    if (m.count("state")) {
      std::optional<AccessState> parsed = ParseAccessState(m["state"]);
      if (!parsed) {
        return err.At(Errc::kInvalidArgument, path + ".state",
                      Quote(m["state"]) + " is not APPROVED, REQUESTED or DENIED");
      }
      state = *parsed;
    }
    for (const ScopeAccess& a : seed.access) {
      if (a.scope == m["scope"] && a.consumer_orgno == m["consumer_orgno"]) {
        return err.At(Errc::kInvalidArgument, path, "duplicate access entry");
      }
    }
    seed.access.push_back(
        {.scope = m["scope"], .consumer_orgno = m["consumer_orgno"], .state = state});
  }
  return OkStatus();
}

// One entry of a client's "keys": a JWK, or {"pem_file", "kid", "alg"} naming a public key,
// certificate or (unencrypted) private key PEM whose public key is registered.
Result<ClientKey> LoadSeedKey(const Json& entry, const std::string& path,
                              const std::string& base_dir, const Errors& err) {
  MP_RETURN_IF_ERROR(CheckObject(entry, path, err));
  if (!entry.contains("pem_file")) {
    Result<ClientKey> key = registry::ParseRegisteredJwk(entry, "", 0);
    if (!key.ok()) return err.Under(path, key.status());
    return key;
  }
  MP_ASSIGN_OR_RETURN(auto m, StringMembers(entry, path, {"pem_file", "kid"}, {"alg"}, err));
  const std::string alg_name = m.count("alg") ? m["alg"] : "RS256";
  if (!grant_internal::IsMaskinportenAlgorithmName(alg_name)) {
    return err.At(Errc::kInvalidArgument, path + ".alg",
                  Quote(alg_name) + " is not allowed; use RS256, RS384 or RS512");
  }
  Result<std::string> pem = ReadFileToString(ResolvePath(base_dir, m["pem_file"]));
  if (!pem.ok()) return err.About(path + ".pem_file", pem.status());
  std::optional<PublicKey> key;
  if (Result<PublicKey> pub = PublicKey::FromPem(*pem); pub.ok()) {
    key = *pub;
  } else if (pem->find("CERTIFICATE-----") != std::string::npos) {
    Result<std::vector<Certificate>> chain = Certificate::ParsePemChain(*pem);
    if (!chain.ok()) return err.About(path + ".pem_file", chain.status());
    Result<PublicKey> leaf = chain->front().PublicKeyOf();
    if (!leaf.ok()) return err.About(path + ".pem_file", leaf.status());
    key = *leaf;
  } else {
    Result<PrivateKey> priv = PrivateKey::FromPem(*pem);
    if (!priv.ok()) {
      return err.At(
          Errc::kInvalidArgument, path + ".pem_file",
          Quote(m["pem_file"]) + " holds no public key, certificate or unencrypted private key");
    }
    key = priv->public_key();
  }
  Result<Algorithm> alg = ParseAlgorithm(alg_name);
  if (!alg.ok()) return err.About(path + ".alg", alg.status());
  const std::string jwk = PublicKeyToJwk(*key, {.kid = m["kid"], .alg = *alg});
  Result<Json> parsed = ParseStrictJsonObject(jwk);
  if (!parsed.ok()) return err.About(path, parsed.status());
  // kid problems are the seed's "kid"; key problems (RSA, size) are the file's.
  Result<ClientKey> checked = registry::ParseRegisteredJwk(*parsed, "", 0);
  if (!checked.ok()) return err.Under(path, checked.status());
  return checked;
}

Status LoadClients(const Json& root, const std::string& base_dir, const Errors& err,
                   SeedConfig& seed) {
  MP_ASSIGN_OR_RETURN(const Json* list, ArrayMember(root, "clients", err));
  if (list == nullptr) return OkStatus();
  std::map<std::string, size_t> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = Index("clients", i);
    const Json& obj = (*list)[i];
    MP_RETURN_IF_ERROR(CheckObject(obj, path, err));
    Result<ClientRecord> c = registry::ParseClient(obj, registry::ClientFields::kSeed);
    if (!c.ok()) return err.Under(path, c.status());
    if (c->client_id.empty()) c->client_id = DerivedClientId(c->client_orgno, c->client_name);
    if (auto [it, added] = ids.emplace(c->client_id, i); !added) {
      return err.At(Errc::kInvalidArgument, path + ".client_id",
                    "duplicate client " + Quote(c->client_id) + " (also " +
                        Index("clients", it->second) + ")");
    }
    SeedClient sc{.client = std::move(c).value(), .keys = std::nullopt, .path = path};
    if (auto k = obj.find("keys"); k != obj.end()) {
      const std::string keys_path = path + ".keys";
      if (!k->is_array()) return err.At(Errc::kInvalidJson, keys_path, "must be an array");
      std::vector<ClientKey> keys;
      for (size_t j = 0; j < k->size(); ++j) {
        MP_ASSIGN_OR_RETURN(ClientKey key,
                            LoadSeedKey((*k)[j], Index(keys_path, j), base_dir, err));
        keys.push_back(std::move(key));
      }
      Status set = registry::CheckKeySet(keys, "keys");
      if (!set.ok()) return err.Under(path, set);
      sc.keys = std::move(keys);
    }
    seed.clients.push_back(std::move(sc));
  }
  return OkStatus();
}

Status LoadDelegations(const Json& root, const Errors& err, SeedConfig& seed) {
  MP_ASSIGN_OR_RETURN(const Json* list, ArrayMember(root, "delegations", err));
  if (list == nullptr) return OkStatus();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = Index("delegations", i);
    MP_ASSIGN_OR_RETURN(
        auto m,
        StringMembers((*list)[i], path, {"consumer_orgno", "supplier_orgno", "scope"}, {}, err));
    MP_RETURN_IF_ERROR(CheckOrg(m["consumer_orgno"], path + ".consumer_orgno", err));
    MP_RETURN_IF_ERROR(CheckOrg(m["supplier_orgno"], path + ".supplier_orgno", err));
    seed.delegations.push_back({.consumer_orgno = m["consumer_orgno"],
                                .supplier_orgno = m["supplier_orgno"],
                                .scope = m["scope"]});
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Apply

// The registry as it will be once the seed is applied: the seed's scopes and access entries over
// the store's.
registry::RegistryLookup SeedOverStore(const SeedConfig& seed, Store& store) {
  return registry::RegistryLookup{
      .scope = [&seed, &store](std::string_view name) -> Result<std::optional<ScopeRecord>> {
        for (const ScopeRecord& s : seed.scopes) {
          if (s.name == name) return std::optional<ScopeRecord>(s);
        }
        return store.GetScope(name);
      },
      .approved = [&seed, &store](std::string_view scope,
                                  std::string_view consumer) -> Result<bool> {
        for (const ScopeAccess& a : seed.access) {
          if (a.scope == scope && a.consumer_orgno == consumer) {
            return a.state == AccessState::kApproved;
          }
        }
        MP_ASSIGN_OR_RETURN(std::optional<ScopeAccess> a, store.GetAccess(scope, consumer));
        return a.has_value() && a->state == AccessState::kApproved;
      }};
}

Status CheckReferences(const SeedConfig& seed, Store& store, const Errors& err) {
  MP_ASSIGN_OR_RETURN(std::vector<ScopeRecord> stored, store.ListScopes("", true));
  for (size_t i = 0; i < seed.scopes.size(); ++i) {
    const ScopeRecord& s = seed.scopes[i];
    std::vector<ScopeRecord> others;
    for (const ScopeRecord& o : stored) {
      if (o.name != s.name) others.push_back(o);
    }
    const std::string owner = registry::PrefixOwner(s.prefix, others);
    if (!owner.empty() && owner != s.owner_orgno) {
      return err.At(Errc::kInvalidArgument, Index("scopes", i) + ".prefix",
                    Quote(s.prefix) + " belongs to organisation " + owner + " in the registry");
    }
  }
  registry::RegistryLookup lookup = SeedOverStore(seed, store);
  for (size_t i = 0; i < seed.access.size(); ++i) {
    MP_ASSIGN_OR_RETURN(std::optional<ScopeRecord> s, lookup.scope(seed.access[i].scope));
    if (!s) {
      return err.At(Errc::kInvalidArgument, Index("access", i) + ".scope",
                    "unknown scope " + Quote(seed.access[i].scope));
    }
  }
  for (const SeedClient& c : seed.clients) {
    MP_RETURN_IF_ERROR(err.Under(c.path, registry::CheckClientScopes(c.client, lookup)));
  }
  for (size_t i = 0; i < seed.delegations.size(); ++i) {
    const Delegation& d = seed.delegations[i];
    const std::string path = Index("delegations", i);
    MP_ASSIGN_OR_RETURN(std::optional<ScopeRecord> s, lookup.scope(d.scope));
    if (!s) {
      return err.At(Errc::kInvalidArgument, path + ".scope", "unknown scope " + Quote(d.scope));
    }
    MP_RETURN_IF_ERROR(
        err.Under(path, registry::CheckDelegation(s, d.scope, d.consumer_orgno, d.supplier_orgno,
                                                  "scope", "supplier_orgno")));
  }
  return OkStatus();
}

bool SameScope(const ScopeRecord& a, const ScopeRecord& b) {
  return a.name == b.name && a.prefix == b.prefix && a.subscope == b.subscope &&
         a.description == b.description && a.long_description == b.long_description &&
         a.owner_orgno == b.owner_orgno && a.active == b.active && a.visibility == b.visibility &&
         a.allowed_integration_types == b.allowed_integration_types &&
         a.accessible_for_all == b.accessible_for_all && a.at_max_age == b.at_max_age &&
         a.delegation_source == b.delegation_source;
}

bool SameClient(const ClientRecord& a, const ClientRecord& b) {
  return a.client_id == b.client_id && a.client_name == b.client_name &&
         a.description == b.description && a.integration_type == b.integration_type &&
         a.token_endpoint_auth_method == b.token_endpoint_auth_method && a.scopes == b.scopes &&
         a.client_orgno == b.client_orgno && a.supplier_orgno == b.supplier_orgno &&
         a.access_token_lifetime == b.access_token_lifetime && a.active == b.active;
}

Status ApplyScopes(const SeedConfig& seed, Store& store, int64_t now, const Errors& err) {
  for (size_t i = 0; i < seed.scopes.size(); ++i) {
    ScopeRecord s = seed.scopes[i];
    const std::string path = Index("scopes", i);
    Result<std::optional<ScopeRecord>> existing = store.GetScope(s.name);
    if (!existing.ok()) return err.About(path, existing.status());
    if (!existing->has_value()) {
      s.created = s.last_updated = now;
      MP_RETURN_IF_ERROR(err.About(path, store.CreateScope(s)));
    } else if (!SameScope(s, **existing)) {
      s.created = (*existing)->created;
      s.last_updated = now;
      MP_RETURN_IF_ERROR(err.About(path, store.UpdateScope(s)));
    }
  }
  return OkStatus();
}

Status ApplyAccess(const SeedConfig& seed, Store& store, int64_t now, const Errors& err) {
  registry::RegistryLookup lookup = SeedOverStore(seed, store);
  for (size_t i = 0; i < seed.access.size(); ++i) {
    ScopeAccess a = seed.access[i];
    const std::string path = Index("access", i);
    Result<std::optional<ScopeRecord>> scope = lookup.scope(a.scope);
    if (!scope.ok()) return err.About(path, scope.status());
    if (!scope->has_value()) {
      return err.At(Errc::kInvalidArgument, path + ".scope", "unknown scope");
    }
    a.owner_orgno = (*scope)->owner_orgno;
    Result<std::optional<ScopeAccess>> existing = store.GetAccess(a.scope, a.consumer_orgno);
    if (!existing.ok()) return err.About(path, existing.status());
    if (existing->has_value() && (*existing)->state == a.state &&
        (*existing)->owner_orgno == a.owner_orgno) {
      continue;
    }
    a.created = existing->has_value() ? (*existing)->created : now;
    a.last_updated = now;
    MP_RETURN_IF_ERROR(err.About(path, store.PutAccess(a)));
  }
  return OkStatus();
}

Status ApplyClientKeys(const SeedClient& sc, Store& store, int64_t now, const Errors& err) {
  if (!sc.keys) return OkStatus();
  Result<ClientJwks> existing = store.GetClientKeys(sc.client.client_id);
  if (!existing.ok()) return err.About(sc.path + ".keys", existing.status());
  std::vector<ClientKey> keys = *sc.keys;
  bool same = keys.size() == existing->keys.size();
  for (size_t i = 0; i < keys.size(); ++i) {
    keys[i].created = now;
    for (const ClientKey& old : existing->keys) {
      if (old.kid == keys[i].kid && old.jwk_json == keys[i].jwk_json) keys[i].created = old.created;
    }
    if (same) {
      const ClientKey& old = existing->keys[i];
      same = old.kid == keys[i].kid && old.jwk_json == keys[i].jwk_json &&
             old.created == keys[i].created;
    }
  }
  if (same) return OkStatus();
  return err.About(sc.path + ".keys", store.ReplaceClientKeys(sc.client.client_id, keys, now));
}

Status ApplyClients(const SeedConfig& seed, Store& store, int64_t now, const Errors& err) {
  for (const SeedClient& sc : seed.clients) {
    ClientRecord c = sc.client;
    Result<std::optional<ClientRecord>> existing = store.GetClient(c.client_id);
    if (!existing.ok()) return err.About(sc.path, existing.status());
    if (!existing->has_value()) {
      c.created = c.last_updated = now;
      MP_RETURN_IF_ERROR(err.About(sc.path, store.CreateClient(c)));
    } else if (!SameClient(c, **existing)) {
      c.created = (*existing)->created;
      c.last_updated = now;
      MP_RETURN_IF_ERROR(err.About(sc.path, store.UpdateClient(c)));
    }
    MP_RETURN_IF_ERROR(ApplyClientKeys(sc, store, now, err));
  }
  return OkStatus();
}

Status ApplyDelegations(const SeedConfig& seed, Store& store, int64_t now, const Errors& err) {
  for (size_t i = 0; i < seed.delegations.size(); ++i) {
    Delegation d = seed.delegations[i];
    const std::string path = Index("delegations", i);
    Result<bool> has = store.HasDelegation(d.consumer_orgno, d.supplier_orgno, d.scope);
    if (!has.ok()) return err.About(path, has.status());
    if (*has) continue;
    d.created = now;
    MP_RETURN_IF_ERROR(err.About(path, store.PutDelegation(d)));
  }
  return OkStatus();
}

}  // namespace

Result<SeedConfig> LoadSeed(std::string_view json, std::string_view file_name,
                            const std::string& base_dir) {
  Errors err{std::string(file_name)};
  Result<Json> root = ParseStrictJsonObject(json);
  if (!root.ok()) {
    return Status(Errc::kInvalidJson, err.file() + ": " + root.status().message());
  }
  for (const auto& [name, value] : root->items()) {
    static const char* const kSections[] = {"organizations", "trust_anchors", "revoked_serials",
                                            "scopes",        "access",        "clients",
                                            "delegations"};
    const std::string& key = name;  // clang 14 cannot capture a structured binding
    if (std::none_of(std::begin(kSections), std::end(kSections),
                     [&key](const char* s) { return key == s; })) {
      return err.At(Errc::kInvalidArgument, name, "unknown member");
    }
  }
  SeedConfig seed;
  seed.file_name = std::string(file_name);
  MP_RETURN_IF_ERROR(LoadOrganizations(*root, err, seed));
  MP_RETURN_IF_ERROR(LoadTrustAnchors(*root, base_dir, err, seed));
  MP_RETURN_IF_ERROR(LoadRevokedSerials(*root, err, seed));
  MP_RETURN_IF_ERROR(LoadScopes(*root, err, seed));
  MP_RETURN_IF_ERROR(LoadAccess(*root, err, seed));
  MP_RETURN_IF_ERROR(LoadClients(*root, base_dir, err, seed));
  MP_RETURN_IF_ERROR(LoadDelegations(*root, err, seed));
  return seed;
}

Result<SeedConfig> LoadSeedFile(const std::string& path) {
  MP_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  std::string base = std::filesystem::path(path).parent_path().string();
  return LoadSeed(text, path, base);
}

Status ApplySeed(const SeedConfig& seed, Store& store, const Clock& clock) {
  Errors err{seed.file_name};
  MP_RETURN_IF_ERROR(CheckReferences(seed, store, err));
  const int64_t now = clock.NowSeconds();
  for (size_t i = 0; i < seed.organizations.size(); ++i) {
    MP_RETURN_IF_ERROR(
        err.About(Index("organizations", i), store.PutOrganization(seed.organizations[i])));
  }
  MP_RETURN_IF_ERROR(ApplyScopes(seed, store, now, err));
  MP_RETURN_IF_ERROR(ApplyAccess(seed, store, now, err));
  MP_RETURN_IF_ERROR(ApplyClients(seed, store, now, err));
  MP_RETURN_IF_ERROR(ApplyDelegations(seed, store, now, err));
  return OkStatus();
}

namespace {
// Chains are built to self-signed roots only (no partial chains), so a CA certificate that is not
// self-signed is useful as a known intermediate: it lets a leaf-only x5c build (SPEC §4.2).
void AddTrust(const std::vector<Certificate>& certs, TrustStore& store) {
  for (const Certificate& c : certs) {
    if (c.SelfSigned()) {
      store.Add(c);
    } else {
      store.AddIntermediate(c);
    }
  }
}
}  // namespace

void AddSeedTrust(const SeedConfig& seed, ServerConfig& config) {
  AddTrust(seed.test_anchors, config.test_anchors);
  AddTrust(seed.prod_anchors, config.prod_anchors);
  config.revoked_serials.insert(seed.revoked_serials.begin(), seed.revoked_serials.end());
}

}  // namespace mp::server
