#include "server/store/postgres_schema.h"

#include <array>

namespace mp::server {
namespace {

// Version 1: the registry (SPEC §9), signing keys, the replay table, the Altinn 2 consent
// stand-in and Altinn 3 consent requests. Lists read and written whole are JSON arrays in TEXT
// (store_records.h), as in SQLite, so both backends share one encoding.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE organizations (
  orgno TEXT PRIMARY KEY,
  name TEXT NOT NULL
);

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
  active BOOLEAN NOT NULL,
  created BIGINT NOT NULL,
  last_updated BIGINT NOT NULL
);
CREATE INDEX clients_by_owner ON clients (client_orgno, client_id);

CREATE TABLE client_jwks (
  client_id TEXT PRIMARY KEY REFERENCES clients (client_id) ON DELETE CASCADE,
  created BIGINT NOT NULL,
  last_updated BIGINT NOT NULL
);
CREATE TABLE client_keys (
  client_id TEXT NOT NULL REFERENCES client_jwks (client_id) ON DELETE CASCADE,
  kid TEXT NOT NULL,
  position INTEGER NOT NULL,
  jwk_json TEXT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (client_id, kid)
);

CREATE TABLE scopes (
  name TEXT PRIMARY KEY,
  prefix TEXT NOT NULL,
  subscope TEXT NOT NULL,
  description TEXT NOT NULL,
  long_description TEXT NOT NULL,
  owner_orgno TEXT NOT NULL,
  active BOOLEAN NOT NULL,
  visibility TEXT NOT NULL,
  allowed_integration_types TEXT NOT NULL,
  accessible_for_all BOOLEAN NOT NULL,
  at_max_age INTEGER NOT NULL,
  delegation_source TEXT NOT NULL,
  created BIGINT NOT NULL,
  last_updated BIGINT NOT NULL
);
CREATE INDEX scopes_by_owner ON scopes (owner_orgno, name);

CREATE TABLE scope_access (
  scope TEXT NOT NULL REFERENCES scopes (name),
  consumer_orgno TEXT NOT NULL,
  owner_orgno TEXT NOT NULL,
  state TEXT NOT NULL,
  created BIGINT NOT NULL,
  last_updated BIGINT NOT NULL,
  PRIMARY KEY (scope, consumer_orgno)
);
CREATE INDEX scope_access_by_consumer ON scope_access (consumer_orgno, scope);

CREATE TABLE delegations (
  consumer_orgno TEXT NOT NULL,
  supplier_orgno TEXT NOT NULL,
  scope TEXT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (consumer_orgno, supplier_orgno, scope)
);
CREATE INDEX delegations_by_supplier ON delegations (supplier_orgno);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  private_pem TEXT NOT NULL,
  created BIGINT NOT NULL,
  current BOOLEAN NOT NULL
);

-- jti replay protection (SPEC §4.4 step 10, §17): key = hex SHA-256 of the claim key.
CREATE TABLE replay (
  key TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX replay_by_expiry ON replay (expires_at);

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
  valid_to BIGINT NOT NULL,
  status TEXT NOT NULL,
  created BIGINT NOT NULL,
  decided BIGINT NOT NULL
);
CREATE INDEX consents_by_covered_by ON consents (covered_by, created);

CREATE TABLE consent_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  kid TEXT NOT NULL,
  private_pem TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE consent_requests (
  id TEXT PRIMARY KEY,
  from_party TEXT NOT NULL,
  to_party TEXT NOT NULL,
  required_delegator TEXT NOT NULL,
  handled_by TEXT NOT NULL,
  valid_to BIGINT NOT NULL,
  consent_rights TEXT NOT NULL,
  request_message TEXT NOT NULL,
  redirect_url TEXT NOT NULL,
  portal_view_mode TEXT NOT NULL,
  status TEXT NOT NULL,
  created BIGINT NOT NULL,
  consented BIGINT NOT NULL
);

CREATE TABLE consent_request_events (
  event_id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES consent_requests (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  created BIGINT NOT NULL,
  performed_by TEXT NOT NULL
);
CREATE INDEX consent_request_events_by_request ON consent_request_events (request_id, position);
)sql";

// Version 2: the local Altinn 3 system register, system user requests and system users (SPEC
// §15), as SQLite's version 4.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE systems (
  system_id TEXT PRIMARY KEY,
  vendor_orgno TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  rights TEXT NOT NULL,
  access_packages TEXT NOT NULL,
  allowed_redirect_urls TEXT NOT NULL,
  is_visible BOOLEAN NOT NULL,
  created BIGINT NOT NULL,
  last_updated BIGINT NOT NULL
);
CREATE INDEX systems_by_vendor ON systems (vendor_orgno, system_id);

CREATE TABLE system_clients (
  client_id TEXT PRIMARY KEY,
  system_id TEXT NOT NULL REFERENCES systems (system_id) ON DELETE CASCADE,
  position INTEGER NOT NULL
);
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
  created BIGINT NOT NULL,
  decided BIGINT NOT NULL,
  system_user_id TEXT NOT NULL
);
CREATE INDEX system_user_requests_by_ref
  ON system_user_requests (system_id, party_orgno, external_ref, created);

CREATE TABLE system_users (
  id TEXT PRIMARY KEY,
  system_id TEXT NOT NULL REFERENCES systems (system_id),
  party_orgno TEXT NOT NULL,
  external_ref TEXT NOT NULL,
  rights TEXT NOT NULL,
  access_packages TEXT NOT NULL,
  created BIGINT NOT NULL,
  UNIQUE (system_id, party_orgno, external_ref)
);
)sql";

constexpr std::array<Migration, 2> kMigrations = {{
    {.version = 1, .sql = kSchemaV1},
    {.version = 2, .sql = kSchemaV2},
}};

}  // namespace

std::span<const Migration> PostgresMigrations() { return kMigrations; }
int PostgresSchemaVersion() { return kMigrations.back().version; }

}  // namespace mp::server
