// The local Maskinporten's test controls (`serve --test-controls`, under /_local/): a clock
// offset, fault injection for the next N token requests, key rotation on demand, the request
// journal and a replay-store reset. They exist so client teams can rehearse what TEST does to
// them (skewed clocks, 5xx and 429 with Retry-After, slow or dropped connections, key rotation)
// without waiting for it to happen.
//
//   OffsetClock clock(SystemClock::Instance());
//   TestControls controls(clock, journal, faults, keys, replay);
//   controls.AddRoutes(router);   // GET/PUT /_local/clock, POST /_local/faults, ...
#ifndef MASKINPORTEN_SERVER_HANDLERS_TEST_CONTROLS_H_
#define MASKINPORTEN_SERVER_HANDLERS_TEST_CONTROLS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "core/mutex.h"
#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"
#include "server/token/token_service.h"

namespace mp::server {

// A clock `offset` seconds away from `base` (both directions).
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(const Clock& base) : base_(base) {}
  std::chrono::system_clock::time_point Now() const override {
    return base_.Now() + std::chrono::seconds(offset_.load(std::memory_order_relaxed));
  }
  void SetOffsetSeconds(int64_t offset) { offset_.store(offset, std::memory_order_relaxed); }
  int64_t offset_seconds() const { return offset_.load(std::memory_order_relaxed); }

 private:
  const Clock& base_;
  std::atomic<int64_t> offset_{0};
};

// The last token requests with their outcome (never whole tokens), newest last.
class Journal {
 public:
  explicit Journal(size_t capacity = 1000) : capacity_(capacity) {}
  void Add(TokenOutcome outcome);
  // {"entries":[{time, client_id, jti, outcome, mp_code, error, detail}...]}, newest first, at
  // most `limit`.
  std::string ToJson(size_t limit) const;
  size_t size() const;

 private:
  const size_t capacity_;
  mutable Mutex mu_;
  std::deque<TokenOutcome> entries_ MP_GUARDED_BY(mu_);
};

// A fault applied to the next `remaining` token requests.
struct Fault {
  int status = 0;  // 500, 503 or 429 answered instead of the token; 0 = answer normally
  int retry_after_seconds = 0;         // Retry-After header with 503/429 when > 0
  std::chrono::milliseconds delay{0};  // added latency
  bool drop_connection = false;        // close without answering
};

class FaultInjector {
 public:
  void Set(const Fault& fault, int count);
  void Clear();
  // The fault for this request, consuming one of the remaining count; nullopt when none.
  std::optional<Fault> Next();
  int remaining() const;

 private:
  mutable Mutex mu_;
  Fault fault_ MP_GUARDED_BY(mu_);
  int remaining_ MP_GUARDED_BY(mu_) = 0;
};

// Wraps the token handler: applies a pending fault, else answers normally.
http::HttpResponse WithFaults(
    FaultInjector& faults, const http::HttpRequest& request,
    const std::function<http::HttpResponse(const http::HttpRequest&)>& handler);

struct TestControlsContext {
  OffsetClock* clock = nullptr;
  Journal* journal = nullptr;
  FaultInjector* faults = nullptr;
  SigningKeys* keys = nullptr;
  ReplayStore* replay = nullptr;
};
// GET /_local (what exists), GET/PUT /_local/clock, POST/DELETE /_local/faults,
// POST /_local/rotate-key, GET /_local/journal[?limit=N], POST /_local/replay/reset.
void AddTestControlRoutes(http::Router& router, const TestControlsContext& ctx);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_HANDLERS_TEST_CONTROLS_H_
