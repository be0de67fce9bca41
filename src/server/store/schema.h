// The registry's SQLite schema (SPEC §9 records, signing keys, the replay table) as an ordered
// list of migrations, and the one way the stores open a database file with it.
//
//   MP_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Connection> db, OpenRegistryDatabase(path));
#ifndef MASKINPORTEN_SERVER_STORE_SCHEMA_H_
#define MASKINPORTEN_SERVER_STORE_SCHEMA_H_

#include <memory>
#include <span>
#include <string>

#include "maskinporten/status.h"
#include "server/store/sqlite.h"

namespace mp::server {

// Every schema version in order; the last one's version is what PRAGMA user_version reads after
// opening. A new version appends a migration, never edits a released one.
std::span<const sqlite::Migration> RegistryMigrations();
int RegistrySchemaVersion();

// The registry's marker and schema: application_id 0x4d504350 ("MPCP", maskinporten-cpp), the
// migrations, and versions 1 and 2 as the ones written before the marker existed (adopted when
// their tables match exactly; docs/operations.md).
const sqlite::Schema& RegistrySchema();

// Connection::Open with RegistrySchema(): the registry and the SQLite replay store share the
// schema, so either may open the file first. Each chooses its own `synchronous` (per connection).
Result<std::unique_ptr<sqlite::Connection>> OpenRegistryDatabase(const std::string& path,
                                                                 sqlite::Synchronous synchronous);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_STORE_SCHEMA_H_
