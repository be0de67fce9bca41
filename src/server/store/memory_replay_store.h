// The in-memory ReplayStore behind NewMemoryReplayStore(), exposed for tests and for callers that
// want its size or different sharding.
//
// Keys spread over shards, each a Mutex and a hash map key -> expires_at, so concurrent claims of
// different jtis rarely share a lock. Expired entries are dropped lazily: a shard scans itself
// once it has taken as many claims as it held entries after its last scan (and at least
// `purge_every`), so a scan costs O(1) per claim and memory stays near twice the live entries.
//
//   MemoryReplayStore replay;
//   MP_ASSIGN_OR_RETURN(bool fresh, replay.Claim(issuer + " " + jti, exp + 10, now));
//   if (!fresh) return Mp012();
#ifndef MASKINPORTEN_SERVER_STORE_MEMORY_REPLAY_STORE_H_
#define MASKINPORTEN_SERVER_STORE_MEMORY_REPLAY_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/mutex.h"
#include "server/store/store.h"

namespace mp::server {

struct MemoryReplayOptions {
  size_t shards = 16;
  size_t purge_every = 1024;  // claims per shard between scans for expired entries, at least
};

class MemoryReplayStore final : public ReplayStore {
 public:
  explicit MemoryReplayStore(MemoryReplayOptions options = {});

  Result<bool> Claim(std::string_view key, int64_t expires_at, int64_t now) override;
  Status Reset() override;

  // Entries held, live or expired but not yet purged.
  size_t Size();

 private:
  struct alignas(64) Shard {
    Mutex mu;
    std::unordered_map<std::string, int64_t> expires_at MP_GUARDED_BY(mu);
    size_t claims_since_purge MP_GUARDED_BY(mu) = 0;
    size_t size_after_purge MP_GUARDED_BY(mu) = 0;
  };
  Shard& ShardFor(std::string_view key);
  void MaybePurge(Shard& shard, int64_t now) MP_REQUIRES(shard.mu);

  const MemoryReplayOptions options_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_STORE_MEMORY_REPLAY_STORE_H_
