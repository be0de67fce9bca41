// Schema migrations, independent of the SQL dialect: one ordered list of steps per backend
// (schema.cc for SQLite, postgres_schema.cc for PostgreSQL) and the one rule for applying them.
//
//   MP_RETURN_IF_ERROR(ApplyMigrations(migrations, stored_version, "registry.db",
//                                      [&](const Migration& m) { return RunScript(m.sql); }));
#ifndef MASKINPORTEN_SERVER_STORE_MIGRATION_H_
#define MASKINPORTEN_SERVER_STORE_MIGRATION_H_

#include <functional>
#include <span>
#include <string_view>

#include "maskinporten/status.h"

namespace mp::server {

// One schema step: `sql` (one or more statements) takes the schema to `version`. A new version
// appends a migration, never edits a released one.
struct Migration {
  int version = 0;
  const char* sql = "";
};

// The last step's version (0 for none): what a fully migrated database records.
int LatestVersion(std::span<const Migration> migrations);

// Errc::kIoError "<where>: schema version V is newer than this build supports (L)" when `version`
// is past the last step: a newer build wrote the database, and this one must not touch it.
Status CheckSchemaVersion(std::string_view where, int version,
                          std::span<const Migration> migrations);

// Checks `version` as above, then calls `apply` for each step newer than it, in order; the first
// failure stops and is returned as "<where>: migrating to schema version N: <message>" (same
// code). The caller runs this inside one transaction and records LatestVersion afterwards.
Status ApplyMigrations(std::span<const Migration> migrations, int version, std::string_view where,
                       const std::function<Status(const Migration&)>& apply);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_STORE_MIGRATION_H_
