#include "server/store/schema.h"

#include <array>
#include <cstdint>

namespace mp::server {
namespace {

// Version 1. Lists that are read and written whole (a client's scopes, a scope's integration
// types) are JSON arrays in TEXT; rows other tables point at or search by are tables.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE organizations (
  orgno TEXT PRIMARY KEY,
  name TEXT NOT NULL
) STRICT;

CREATE TABLE clients (
  client_id TEXT PRIMARY KEY,
  client_name TEXT NOT NULL,
  description TEXT NOT NULL,
  integration_type TEXT NOT NULL,
  token_endpoint_auth_method TEXT NOT NULL,
  scopes TEXT NOT NULL,
  client_orgno TEXT NOT NULL,
  supplier_orgno TEXT NOT NULL,
  access_token_lifetime INTEGER NOT NULL,
  active INTEGER NOT NULL CHECK (active IN (0, 1)),
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
) STRICT;
CREATE INDEX clients_by_owner ON clients (client_orgno, client_id);

-- The registered JWKS of a client: one row per set (its own timestamps), one row per key.
CREATE TABLE client_jwks (
  client_id TEXT PRIMARY KEY REFERENCES clients (client_id) ON DELETE CASCADE,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
) STRICT;
CREATE TABLE client_keys (
  client_id TEXT NOT NULL REFERENCES client_jwks (client_id) ON DELETE CASCADE,
  kid TEXT NOT NULL,
  position INTEGER NOT NULL,
  jwk_json TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (client_id, kid)
) STRICT;

CREATE TABLE scopes (
  name TEXT PRIMARY KEY,
  prefix TEXT NOT NULL,
  subscope TEXT NOT NULL,
  description TEXT NOT NULL,
  long_description TEXT NOT NULL,
  owner_orgno TEXT NOT NULL,
  active INTEGER NOT NULL CHECK (active IN (0, 1)),
  visibility TEXT NOT NULL,
  allowed_integration_types TEXT NOT NULL,
  accessible_for_all INTEGER NOT NULL CHECK (accessible_for_all IN (0, 1)),
  at_max_age INTEGER NOT NULL,
  delegation_source TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
) STRICT;
CREATE INDEX scopes_by_owner ON scopes (owner_orgno, name);

CREATE TABLE scope_access (
  scope TEXT NOT NULL REFERENCES scopes (name),
  consumer_orgno TEXT NOT NULL,
  owner_orgno TEXT NOT NULL,
  state TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  PRIMARY KEY (scope, consumer_orgno)
) STRICT;
CREATE INDEX scope_access_by_consumer ON scope_access (consumer_orgno, scope);

-- Local stand-in for Altinn delegations (SPEC §8); no reference to scopes: Altinn is separate.
CREATE TABLE delegations (
  consumer_orgno TEXT NOT NULL,
  supplier_orgno TEXT NOT NULL,
  scope TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (consumer_orgno, supplier_orgno, scope)
) STRICT;
CREATE INDEX delegations_by_supplier ON delegations (supplier_orgno);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  private_pem TEXT NOT NULL,
  created INTEGER NOT NULL,
  current INTEGER NOT NULL CHECK (current IN (0, 1))
) STRICT;

-- jti replay protection (SPEC §4.4 step 10) for `serve --replay-store sqlite`.
CREATE TABLE replay (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX replay_by_expiry ON replay (expires_at);
)sql";

// Version 2: the local Altinn consent stand-in (docs/emulator.md, "Consents"): consent requests
// and the one key that signs samtykketokens, with its self-signed certificate.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE consents (
  authorization_code TEXT PRIMARY KEY,
  covered_by TEXT NOT NULL,
  offered_by TEXT NOT NULL,
  offered_by_name TEXT NOT NULL,
  required_delegator TEXT NOT NULL,
  required_delegator_name TEXT NOT NULL,
  handled_by TEXT NOT NULL,
  redirect_url TEXT NOT NULL,
  resources TEXT NOT NULL,
  valid_to INTEGER NOT NULL,
  status TEXT NOT NULL,
  created INTEGER NOT NULL,
  decided INTEGER NOT NULL
) STRICT;
CREATE INDEX consents_by_covered_by ON consents (covered_by, created);

-- At most one row (id = 1): the samtykketoken signing key.
CREATE TABLE consent_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  kid TEXT NOT NULL,
  private_pem TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  created INTEGER NOT NULL
) STRICT;
)sql";

// Version 3: Altinn 3 consent requests (SPEC §14) and their events. consent_rights is our own
// JSON ([{"action":[..],"resource":"..","metadata":[[name,value],..]}]), request_message the
// canonical JSON object or "".
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE consent_requests (
  id TEXT PRIMARY KEY,
  from_party TEXT NOT NULL,
  to_party TEXT NOT NULL,
  required_delegator TEXT NOT NULL,
  handled_by TEXT NOT NULL,
  valid_to INTEGER NOT NULL,
  consent_rights TEXT NOT NULL,
  request_message TEXT NOT NULL,
  redirect_url TEXT NOT NULL,
  portal_view_mode TEXT NOT NULL,
  status TEXT NOT NULL,
  created INTEGER NOT NULL,
  consented INTEGER NOT NULL
) STRICT;

CREATE TABLE consent_request_events (
  event_id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES consent_requests (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  created INTEGER NOT NULL,
  performed_by TEXT NOT NULL
) STRICT;
CREATE INDEX consent_request_events_by_request ON consent_request_events (request_id, position);
)sql";

// Version 4: the local Altinn 3 system register, system user requests and system users (SPEC
// §15). Lists (rights, access packages, redirect URLs) are JSON arrays of strings; a system's
// client ids are rows, so that one client id belongs to one system.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE systems (
  system_id TEXT PRIMARY KEY,
  vendor_orgno TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  rights TEXT NOT NULL,
  access_packages TEXT NOT NULL,
  allowed_redirect_urls TEXT NOT NULL,
  is_visible INTEGER NOT NULL CHECK (is_visible IN (0, 1)),
  created INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
) STRICT;
CREATE INDEX systems_by_vendor ON systems (vendor_orgno, system_id);

CREATE TABLE system_clients (
  client_id TEXT PRIMARY KEY,
  system_id TEXT NOT NULL REFERENCES systems (system_id) ON DELETE CASCADE,
  position INTEGER NOT NULL
) STRICT;
CREATE INDEX system_clients_by_system ON system_clients (system_id, position);

CREATE TABLE system_user_requests (
  id TEXT PRIMARY KEY,
  external_ref TEXT NOT NULL,
  system_id TEXT NOT NULL REFERENCES systems (system_id),
  party_orgno TEXT NOT NULL,
  rights TEXT NOT NULL,
  access_packages TEXT NOT NULL,
  redirect_url TEXT NOT NULL,
  status TEXT NOT NULL,
  created INTEGER NOT NULL,
  decided INTEGER NOT NULL,
  system_user_id TEXT NOT NULL
) STRICT;
CREATE INDEX system_user_requests_by_ref
  ON system_user_requests (system_id, party_orgno, external_ref, created);

CREATE TABLE system_users (
  id TEXT PRIMARY KEY,
  system_id TEXT NOT NULL REFERENCES systems (system_id),
  party_orgno TEXT NOT NULL,
  external_ref TEXT NOT NULL,
  rights TEXT NOT NULL,
  access_packages TEXT NOT NULL,
  created INTEGER NOT NULL,
  UNIQUE (system_id, party_orgno, external_ref)
) STRICT;
)sql";

constexpr std::array<sqlite::Migration, 4> kMigrations = {{
    {.version = 1, .sql = kSchemaV1},
    {.version = 2, .sql = kSchemaV2},
    {.version = 3, .sql = kSchemaV3},
    {.version = 4, .sql = kSchemaV4},
}};

// "MPCP": maskinporten-cpp. Not in SQLite's magic.txt registry; chosen to be readable in a hex
// dump of the header.
constexpr uint32_t kApplicationId = 0x4d504350;

// Versions 1 and 2 were released before Open wrote the application_id (issue 14). Every later
// version is written with it, so this number never grows.
constexpr int kLastUnmarkedVersion = 2;

}  // namespace

std::span<const sqlite::Migration> RegistryMigrations() { return kMigrations; }
int RegistrySchemaVersion() { return kMigrations.back().version; }

const sqlite::Schema& RegistrySchema() {
  static const sqlite::Schema schema{.application_id = kApplicationId,
                                     .application_name = "maskinporten-cpp",
                                     .migrations = kMigrations,
                                     .last_unmarked_version = kLastUnmarkedVersion};
  return schema;
}

Result<std::unique_ptr<sqlite::Connection>> OpenRegistryDatabase(const std::string& path,
                                                                 sqlite::Synchronous synchronous) {
  return sqlite::Connection::Open(path, RegistrySchema(), synchronous);
}

}  // namespace mp::server
