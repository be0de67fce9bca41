// ReplayStore implementations: sharded memory (memory_replay_store.h) and SQLite (Redis:
// redis_replay_store.cc).

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/checked.h"
#include "core/mutex.h"
#include "server/store/memory_replay_store.h"
#include "server/store/schema.h"
#include "server/store/sqlite.h"
#include "server/store/store.h"

namespace mp::server {

// A claim must protect something: both times in 1970..2199 (core/checked.h) and the expiry after
// now. An expiry at or before now would be forgotten at once and let the same jti through again,
// so a caller that computed it wrongly (an overflowed exp + skew) gets an error, not a claim.
Status CheckReplayClaimTimes(int64_t expires_at, int64_t now) {
  MP_RETURN_IF_ERROR(EpochSeconds(expires_at, "replay expiry", Errc::kInvalidArgument).status());
  MP_RETURN_IF_ERROR(EpochSeconds(now, "replay clock", Errc::kInvalidArgument).status());
  if (expires_at <= now) {
    return Status(Errc::kInvalidArgument, "replay expiry " + std::to_string(expires_at) +
                                              " is not after now " + std::to_string(now));
  }
  return OkStatus();
}

MemoryReplayStore::MemoryReplayStore(MemoryReplayOptions options)
    : options_{.shards = std::max<size_t>(options.shards, 1),
               .purge_every = std::max<size_t>(options.purge_every, 1)},
      shards_(std::make_unique<Shard[]>(options_.shards)) {}

MemoryReplayStore::Shard& MemoryReplayStore::ShardFor(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % options_.shards];
}

Result<bool> MemoryReplayStore::Claim(std::string_view key, int64_t expires_at, int64_t now) {
  MP_RETURN_IF_ERROR(CheckReplayClaimTimes(expires_at, now));
  Shard& shard = ShardFor(key);
  MutexLock lock(shard.mu);
  MaybePurge(shard, now);
  auto [it, inserted] = shard.expires_at.try_emplace(std::string(key), expires_at);
  if (inserted) return true;
  if (it->second > now) return false;  // SPEC §4.4 step 10: seen and still valid -> MP-012
  it->second = expires_at;             // the old claim expired: this is a new one
  return true;
}

void MemoryReplayStore::MaybePurge(Shard& shard, int64_t now) {
  if (++shard.claims_since_purge < std::max(options_.purge_every, shard.size_after_purge)) return;
  std::erase_if(shard.expires_at, [now](const auto& entry) { return entry.second <= now; });
  shard.claims_since_purge = 0;
  shard.size_after_purge = shard.expires_at.size();
}

Status MemoryReplayStore::Reset() {
  for (size_t i = 0; i < options_.shards; ++i) {
    Shard& shard = shards_[i];
    MutexLock lock(shard.mu);
    shard.expires_at.clear();
    shard.claims_since_purge = 0;
    shard.size_after_purge = 0;
  }
  return OkStatus();
}

size_t MemoryReplayStore::Size() {
  size_t total = 0;
  for (size_t i = 0; i < options_.shards; ++i) {
    Shard& shard = shards_[i];
    MutexLock lock(shard.mu);
    total += shard.expires_at.size();
  }
  return total;
}

std::unique_ptr<ReplayStore> NewMemoryReplayStore() {
  return std::make_unique<MemoryReplayStore>();
}

namespace {

// The replay table of the registry schema, on its own connection (WAL and busy_timeout let it
// share the file with the registry's connection).
class SqliteReplayStore final : public ReplayStore {
 public:
  explicit SqliteReplayStore(std::unique_ptr<sqlite::Connection> db) : db_(std::move(db)) {}

  Result<bool> Claim(std::string_view key, int64_t expires_at, int64_t now) override {
    MP_RETURN_IF_ERROR(CheckReplayClaimTimes(expires_at, now));
    MutexLock lock(mu_);
    sqlite::Connection& db = *db_;
    if (++claims_since_purge_ >= kPurgeEvery) {
      claims_since_purge_ = 0;
      MP_ASSIGN_OR_RETURN(sqlite::Statement purge,
                          db.Prepare("DELETE FROM replay WHERE expires_at <= ?1"));
      MP_RETURN_IF_ERROR(purge.BindInt(now).Run());
    }
    // One statement, so atomic even against other processes: a row that is still valid is left
    // alone (0 changes: replay); a missing or expired one is (re)claimed (1 change).
    MP_ASSIGN_OR_RETURN(
        sqlite::Statement claim,
        db.Prepare("INSERT INTO replay (key, expires_at) VALUES (?1, ?2) "
                   "ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at "
                   "WHERE replay.expires_at <= ?3"));
    MP_RETURN_IF_ERROR(claim.BindText(key).BindInt(expires_at).BindInt(now).Run());
    return db.Changes() == 1;
  }

  Status Reset() override {
    MutexLock lock(mu_);
    sqlite::Connection& db = *db_;
    return db.Transaction([&db]() { return db.Exec("DELETE FROM replay"); });
  }

 private:
  static constexpr int kPurgeEvery = 1024;

  Mutex mu_;
  std::unique_ptr<sqlite::Connection> db_ MP_GUARDED_BY(mu_);
  int claims_since_purge_ MP_GUARDED_BY(mu_) = 0;
};

}  // namespace

Result<std::unique_ptr<ReplayStore>> OpenSqliteReplayStore(const SqliteStoreOptions& options) {
  // synchronous = NORMAL (docs/operations.md, "Durability"): every claim survives a crash or
  // kill of the process; a power loss can lose the claims of the last moments, whose grants could
  // then be accepted once more until their exp (at most 120 s after iat, plus skew). FULL would
  // put one fsync (milliseconds) on every token, serialised on this connection, for that window.
  MP_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Connection> db,
                      OpenRegistryDatabase(options.path, sqlite::Synchronous::kNormal));
  return std::unique_ptr<ReplayStore>(std::make_unique<SqliteReplayStore>(std::move(db)));
}

}  // namespace mp::server
