// Clock: where every maskinporten-cpp component gets the time.
//
// Production code uses SystemClock; tests inject a FakeClock and move it by hand:
//
//   mp::FakeClock clock(1700000000);
//   clock.Advance(std::chrono::seconds(61));
//   validator.Validate(token, clock);  // sees 1700000061
#ifndef MASKINPORTEN_CLOCK_H_
#define MASKINPORTEN_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "maskinporten/core_export.h"

namespace mp {

class MP_CORE_EXPORT Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Whole seconds since the Unix epoch (a JWT NumericDate).
  int64_t NowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(Now().time_since_epoch()).count();
  }
};

class MP_CORE_EXPORT SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  // A process-wide instance.
  static const SystemClock& Instance();
};

// A clock that only moves when told to. Thread-safe.
class MP_CORE_EXPORT FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_seconds = 1700000000) : micros_(unix_seconds * 1000000) {}
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::microseconds(micros_.load()));
  }
  void SetSeconds(int64_t unix_seconds) { micros_ = unix_seconds * 1000000; }
  void Advance(std::chrono::microseconds d) { micros_ += d.count(); }

 private:
  std::atomic<int64_t> micros_;
};

}  // namespace mp

#endif  // MASKINPORTEN_CLOCK_H_
