// Prometheus metrics and the JSON request log line for an HTTP server of this layer (the local
// Maskinporten's, the example API's). Fed from HttpServerOptions::on_request; `GET /metrics`
// serves Render() as "text/plain; version=0.0.4".
//
//   Metrics metrics({.metric_prefix = "maskinporten", .route = "endpoint", .outcome = "mp_code"});
//   options.on_request = [&](const RequestLogEntry& e) {
//     metrics.Record(e);
//     std::clog << RequestLogLine(e, UnixMillisNow()) << "\n";
//   };
#ifndef MASKINPORTEN_HTTP_METRICS_H_
#define MASKINPORTEN_HTTP_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "http/http_server.h"

namespace mp::http {

// How an application names the metrics and log fields of its ResponseLabels.
struct LabelNames {
  std::string metric_prefix{};      // "maskinporten": maskinporten_http_requests_total
  std::string route = "route";      // the label (and log field) for ResponseLabels::route
  std::string outcome = "outcome";  // ... and for ResponseLabels::outcome
};

// Request counters and a latency histogram per route, and the application's own counters,
// rendered in the Prometheus text exposition format 0.0.4. Thread safe; Record is a map lookup
// under a mutex.
class Metrics {
 public:
  explicit Metrics(LabelNames names = {}) : names_(std::move(names)) {}

  // Histogram bucket upper bounds in seconds (the +Inf bucket is implicit).
  static constexpr std::array<double, 11> kBuckets = {.001, .0025, .005, .01, .025, .05,
                                                      .1,   .25,   .5,   1,   2.5};

  // The Content-Type to serve Render() with.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  void Record(const RequestLogEntry& entry);
  // An application counter `name` (a full metric name, "maskinporten_tokens_issued_total"),
  // rendered from 0 on with its help text. Adding a name again keeps its count.
  void AddCounter(std::string name, std::string help);
  // +1 on a counter AddCounter made; a name it did not make is ignored.
  void Increment(std::string_view name);
  // <prefix>_http_requests_total{<route>,status,<outcome>},
  // <prefix>_http_request_duration_seconds{<route>} (histogram) and the application counters in
  // the order added, each with # HELP and # TYPE lines.
  std::string Render() const;
  const LabelNames& names() const { return names_; }
  // Every count back to 0; the names and the counters added stay (the fuzz targets reuse one
  // emulator for many inputs).
  void Reset();

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative; Render sums them
    uint64_t count = 0;
    double sum = 0;
  };
  struct Counter {
    std::string name;
    std::string help;
    uint64_t value = 0;
  };
  const LabelNames names_;
  mutable Mutex mu_;
  std::map<std::tuple<std::string, int, std::string>, uint64_t> requests_ MP_GUARDED_BY(mu_);
  std::map<std::string, Histogram> durations_ MP_GUARDED_BY(mu_);
  std::vector<Counter> counters_ MP_GUARDED_BY(mu_);
};

// One JSON object on one line (no newline) for the request log: time (ISO 8601 UTC with
// milliseconds), level (info, warn for 4xx, error for 5xx), trace_id, method, path (never the
// query string, which may carry values worth keeping out of logs), status, the two labels under
// the names `names` gives them, latency_ms and remote.
std::string RequestLogLine(const RequestLogEntry& entry, int64_t unix_millis,
                           const LabelNames& names = {});

}  // namespace mp::http

#endif  // MASKINPORTEN_HTTP_METRICS_H_
