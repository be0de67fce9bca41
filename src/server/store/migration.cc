#include "server/store/migration.h"

#include <string>

namespace mp::server {

int LatestVersion(std::span<const Migration> migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

Status CheckSchemaVersion(std::string_view where, int version,
                          std::span<const Migration> migrations) {
  const int latest = LatestVersion(migrations);
  if (version <= latest) return OkStatus();
  return Status(Errc::kIoError, std::string(where) + ": schema version " + std::to_string(version) +
                                    " is newer than this build supports (" +
                                    std::to_string(latest) + ")");
}

Status ApplyMigrations(std::span<const Migration> migrations, int version, std::string_view where,
                       const std::function<Status(const Migration&)>& apply) {
  MP_RETURN_IF_ERROR(CheckSchemaVersion(where, version, migrations));
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    Status s = apply(m);
    if (!s.ok()) {
      return Status(s.code(), std::string(where) + ": migrating to schema version " +
                                  std::to_string(m.version) + ": " + s.message());
    }
  }
  return OkStatus();
}

}  // namespace mp::server
