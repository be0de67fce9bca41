// Mutex, SharedMutex, StripedSharedMutex and CondVar: std::mutex / std::shared_mutex /
// std::condition_variable with clang thread-safety annotations, so `-Wthread-safety` (the
// clang-tsa preset) checks that guarded members are only touched under their lock. libstdc++'s
// own types are not annotated. On gcc the annotations are no-ops.
//
//   mp::Mutex mu_;
//   int count_ MP_GUARDED_BY(mu_) = 0;
//   void Bump() { mp::MutexLock lock(mu_); ++count_; }
#ifndef MASKINPORTEN_CORE_MUTEX_H_
#define MASKINPORTEN_CORE_MUTEX_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <shared_mutex>

#include "maskinporten/core_export.h"

#if defined(__clang__)
#define MP_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define MP_THREAD_ANNOTATION_(x)
#endif

#define MP_CAPABILITY(x) MP_THREAD_ANNOTATION_(capability(x))
#define MP_SCOPED_CAPABILITY MP_THREAD_ANNOTATION_(scoped_lockable)
#define MP_GUARDED_BY(x) MP_THREAD_ANNOTATION_(guarded_by(x))
#define MP_PT_GUARDED_BY(x) MP_THREAD_ANNOTATION_(pt_guarded_by(x))
#define MP_REQUIRES(...) MP_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define MP_REQUIRES_SHARED(...) MP_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))
#define MP_ACQUIRE(...) MP_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define MP_ACQUIRE_SHARED(...) MP_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define MP_RELEASE(...) MP_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define MP_RELEASE_SHARED(...) MP_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
#define MP_RELEASE_GENERIC(...) MP_THREAD_ANNOTATION_(release_generic_capability(__VA_ARGS__))
#define MP_EXCLUDES(...) MP_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#define MP_NO_THREAD_SAFETY_ANALYSIS MP_THREAD_ANNOTATION_(no_thread_safety_analysis)

namespace mp {

class MP_CORE_EXPORT MP_CAPABILITY("mutex") Mutex {
 public:
  void Lock() MP_ACQUIRE() { mu_.lock(); }
  void Unlock() MP_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// A reader-writer lock: many readers (ReaderLock) or one writer (Lock).
class MP_CORE_EXPORT MP_CAPABILITY("mutex") SharedMutex {
 public:
  void Lock() MP_ACQUIRE() { mu_.lock(); }
  void Unlock() MP_RELEASE() { mu_.unlock(); }
  void ReaderLock() MP_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void ReaderUnlock() MP_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// A small number identifying the calling thread, stable for its lifetime: threads get 0, 1, 2, ...
// on first use, so a few threads land on different slots of striped structures.
inline size_t ThreadSlot() {
  static std::atomic<size_t> next{0};
  thread_local const size_t slot = next.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

// A SharedMutex for read-mostly data read from several cores at once. A reader locks only its
// thread's stripe (each on its own cache line), so readers on different cores do not bounce a
// shared lock word between them; a writer locks every stripe, which costs kStripes lock calls.
class MP_CORE_EXPORT MP_CAPABILITY("mutex") StripedSharedMutex {
 public:
  static constexpr size_t kStripes = 16;
  void Lock() MP_ACQUIRE() {
    for (Stripe& stripe : stripes_) stripe.mu.lock();
  }
  void Unlock() MP_RELEASE() {
    for (size_t i = kStripes; i-- > 0;) stripes_[i].mu.unlock();
  }
  void ReaderLock() MP_ACQUIRE_SHARED() { stripes_[ThreadSlot() % kStripes].mu.lock_shared(); }
  void ReaderUnlock() MP_RELEASE_SHARED() { stripes_[ThreadSlot() % kStripes].mu.unlock_shared(); }

 private:
  struct alignas(64) Stripe {
    std::shared_mutex mu;
  };
  Stripe stripes_[kStripes];
};

// Scoped exclusive lock of a Mutex.
class MP_CORE_EXPORT MP_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) MP_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() MP_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Scoped exclusive lock of a SharedMutex or StripedSharedMutex.
template <typename M>
class MP_SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(M& mu) MP_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterLock() MP_RELEASE() { mu_.Unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  M& mu_;
};

// Scoped shared lock of a SharedMutex or StripedSharedMutex.
template <typename M>
class MP_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(M& mu) MP_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.ReaderLock(); }
  ~ReaderLock() MP_RELEASE_GENERIC() { mu_.ReaderUnlock(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  M& mu_;
};

// A condition variable used with a Mutex the caller holds.
class MP_CORE_EXPORT CondVar {
 public:
  // Atomically releases `mu`, waits for a notification (or a spurious wakeup), relocks `mu`.
  void Wait(Mutex& mu) MP_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's scope owns it
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace mp

#endif  // MASKINPORTEN_CORE_MUTEX_H_
