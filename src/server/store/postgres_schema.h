// The registry's PostgreSQL schema: the same tables as the SQLite schema (schema.cc) in
// PostgreSQL's types, as its own ordered list of migrations, recorded in maskinporten_schema
// (postgres.h, Pool::Migrate).
#ifndef MASKINPORTEN_SERVER_STORE_POSTGRES_SCHEMA_H_
#define MASKINPORTEN_SERVER_STORE_POSTGRES_SCHEMA_H_

#include <span>

#include "server/store/migration.h"

namespace mp::server {

// Every PostgreSQL schema version in order. A new version appends a migration, never edits a
// released one. Its versions count on their own: PostgreSQL version 1 holds what SQLite reached
// in its versions 1 to 3.
std::span<const Migration> PostgresMigrations();
int PostgresSchemaVersion();

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_STORE_POSTGRES_SCHEMA_H_
