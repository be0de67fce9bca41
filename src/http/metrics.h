// Prometheus metrics and the JSON request log line for the local Maskinporten's HTTP server.
// Fed from HttpServerOptions::on_request; `GET /metrics` serves Render() as
// "text/plain; version=0.0.4".
//
//   Metrics metrics;
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

#include "core/mutex.h"
#include "http/http_server.h"

namespace mp::http {

// Counters and a latency histogram per endpoint, rendered in the Prometheus text exposition
// format 0.0.4. Thread safe; Record is a map lookup under a mutex.
class Metrics {
 public:
  // Histogram bucket upper bounds in seconds (the +Inf bucket is implicit).
  static constexpr std::array<double, 11> kBuckets = {.001, .0025, .005, .01, .025, .05,
                                                      .1,   .25,   .5,   1,   2.5};

  // The Content-Type to serve Render() with.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  void Record(const RequestLogEntry& entry);
  void CountTokenIssued();
  // maskinporten_http_requests_total{endpoint,status,mp_code},
  // maskinporten_http_request_duration_seconds{endpoint} (histogram) and
  // maskinporten_tokens_issued_total, each with # HELP and # TYPE lines.
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative; Render sums them
    uint64_t count = 0;
    double sum = 0;
  };
  mutable Mutex mu_;
  std::map<std::tuple<std::string, int, std::string>, uint64_t> requests_ MP_GUARDED_BY(mu_);
  std::map<std::string, Histogram> durations_ MP_GUARDED_BY(mu_);
  uint64_t tokens_issued_ MP_GUARDED_BY(mu_) = 0;
};

// One JSON object on one line (no newline) for the request log: time (ISO 8601 UTC with
// milliseconds), level (info, warn for 4xx, error for 5xx), trace_id, method, path (never the
// query string, which may carry values worth keeping out of logs), status, endpoint, mp_code,
// latency_ms and remote.
std::string RequestLogLine(const RequestLogEntry& entry, int64_t unix_millis);

}  // namespace mp::http

#endif  // MASKINPORTEN_HTTP_METRICS_H_
