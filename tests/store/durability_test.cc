// The stores' durability decision (docs/operations.md, "Durability"), observed where it matters:
// how often SQLite asks the OS to fsync the WAL. The registry (synchronous = FULL) syncs before a
// write returns, so an acknowledged admin write survives a power loss; the replay store
// (synchronous = NORMAL) does not sync per claim, which survives a crash of the process only.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "server/store/store.h"
#include "testing/process.h"

namespace mp::server {
namespace {

// A default VFS over the platform's that counts xSync calls on -wal files. Each file is the
// platform's own file object (same memory, its methods with xSync swapped) followed by `Extra`.
class WalSyncCounter {
 public:
  WalSyncCounter() {
    instance_ = this;
    real_ = sqlite3_vfs_find(nullptr);
    vfs_ = *real_;
    vfs_.zName = "wal-sync-counter";
    vfs_.szOsFile = static_cast<int>(ExtraOffset() + sizeof(Extra));
    vfs_.xOpen = &Open;
    EXPECT_EQ(sqlite3_vfs_register(&vfs_, /*makeDflt=*/1), SQLITE_OK);
  }
  ~WalSyncCounter() {
    sqlite3_vfs_unregister(&vfs_);
    instance_ = nullptr;
  }
  WalSyncCounter(const WalSyncCounter&) = delete;
  WalSyncCounter& operator=(const WalSyncCounter&) = delete;

  int syncs() const { return syncs_.load(); }

 private:
  struct Extra {
    const sqlite3_io_methods* real;  // the platform's methods for this file
    bool wal;
  };

  static size_t ExtraOffset() {
    const auto size = static_cast<size_t>(instance_->real_->szOsFile);
    return (size + alignof(Extra) - 1) / alignof(Extra) * alignof(Extra);
  }
  static Extra& ExtraOf(sqlite3_file* file) {
    return *reinterpret_cast<Extra*>(reinterpret_cast<char*>(file) + ExtraOffset());
  }

  static int Open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags) {
    WalSyncCounter& self = *instance_;
    const int rc = self.real_->xOpen(self.real_, name, file, flags, out_flags);
    if (rc != SQLITE_OK || file->pMethods == nullptr) return rc;
    // The platform gives database files and journals different method tables.
    auto [it, added] = self.wrapped_.try_emplace(file->pMethods, *file->pMethods);
    if (added) it->second.xSync = &Sync;
    ExtraOf(file) = {.real = file->pMethods, .wal = (flags & SQLITE_OPEN_WAL) != 0};
    file->pMethods = &it->second;
    return rc;
  }

  static int Sync(sqlite3_file* file, int flags) {
    const Extra& extra = ExtraOf(file);
    if (extra.wal) ++instance_->syncs_;
    return extra.real->xSync(file, flags);
  }

  static inline WalSyncCounter* instance_ = nullptr;
  sqlite3_vfs* real_ = nullptr;
  sqlite3_vfs vfs_{};
  std::map<const sqlite3_io_methods*, sqlite3_io_methods> wrapped_;  // stable addresses
  std::atomic<int> syncs_{0};
};

TEST(Durability, EveryRegistryWriteIsSyncedBeforeItReturns) {
  WalSyncCounter counter;
  testing::TempDir dir;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore({.path = dir.File("registry.db")});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (int i = 0; i < 5; ++i) {
    const int before = counter.syncs();
    ASSERT_TRUE((*store)->PutOrganization({.orgno = "910753614", .name = std::to_string(i)}).ok());
    EXPECT_GE(counter.syncs(), before + 1) << "write " << i << " returned before an fsync";
  }
}

TEST(Durability, ReplayClaimsAreNotSyncedOneByOne) {
  WalSyncCounter counter;
  testing::TempDir dir;
  Result<std::unique_ptr<ReplayStore>> replay =
      OpenSqliteReplayStore({.path = dir.File("registry.db")});
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  const int before = counter.syncs();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE((*replay)->Claim("jti-" + std::to_string(i), 1000, 0).value());
  }
  // NORMAL: the WAL is synced at checkpoints (every 1000 pages), not at these 100 commits.
  EXPECT_EQ(counter.syncs(), before);
}

}  // namespace
}  // namespace mp::server
