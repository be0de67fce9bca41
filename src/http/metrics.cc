#include "http/metrics.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "core/utc_time.h"

namespace mp::http {
namespace {

// Text format 0.0.4: in label values, backslash, double quote and line feed are escaped.
std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// Shortest representation that reads back as the same double ("0.0025", "1", "2.5").
std::string FormatDouble(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace

void Metrics::Record(const RequestLogEntry& entry) {
  const double seconds = static_cast<double>(entry.latency.count()) / 1e6;
  MutexLock lock(mu_);
  ++requests_[{entry.endpoint, entry.status, entry.mp_code}];
  Histogram& histogram = durations_[entry.endpoint];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += seconds;
}

void Metrics::CountTokenIssued() {
  MutexLock lock(mu_);
  ++tokens_issued_;
}

std::string Metrics::Render() const {
  std::string out;
  MutexLock lock(mu_);
  out +=
      "# HELP maskinporten_http_requests_total HTTP requests answered, by endpoint, status and "
      "Maskinporten error code.\n"
      "# TYPE maskinporten_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [endpoint, status, mp_code] = key;
    out += "maskinporten_http_requests_total{endpoint=\"" + EscapeLabel(endpoint) + "\",status=\"" +
           std::to_string(status) + "\",mp_code=\"" + EscapeLabel(mp_code) + "\"} " +
           std::to_string(count) + "\n";
  }
  out +=
      "# HELP maskinporten_http_request_duration_seconds Time from the first byte of a request to "
      "its response written, by endpoint.\n"
      "# TYPE maskinporten_http_request_duration_seconds histogram\n";
  for (const auto& [endpoint, histogram] : durations_) {
    const std::string label = "endpoint=\"" + EscapeLabel(endpoint) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += histogram.buckets[i];
      out += "maskinporten_http_request_duration_seconds_bucket{" + label + ",le=\"" +
             FormatDouble(kBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "maskinporten_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(histogram.count) + "\n";
    out += "maskinporten_http_request_duration_seconds_sum{" + label + "} " +
           FormatDouble(histogram.sum) + "\n";
    out += "maskinporten_http_request_duration_seconds_count{" + label + "} " +
           std::to_string(histogram.count) + "\n";
  }
  out +=
      "# HELP maskinporten_tokens_issued_total Access tokens issued.\n"
      "# TYPE maskinporten_tokens_issued_total counter\n"
      "maskinporten_tokens_issued_total " +
      std::to_string(tokens_issued_) + "\n";
  return out;
}

std::string RequestLogLine(const RequestLogEntry& entry, int64_t unix_millis) {
  const std::string_view path = std::string_view(entry.path).substr(0, entry.path.find('?'));
  nlohmann::ordered_json line;
  line["time"] = FormatUtcMillis(unix_millis);
  line["level"] = entry.status >= 500 ? "error" : entry.status >= 400 ? "warn" : "info";
  line["trace_id"] = entry.trace_id;
  line["method"] = entry.method;
  line["path"] = path;
  line["status"] = entry.status;
  line["endpoint"] = entry.endpoint;
  line["mp_code"] = entry.mp_code;
  line["latency_ms"] = static_cast<double>(entry.latency.count()) / 1000.0;
  line["remote"] = entry.remote;
  // Paths are attacker-chosen bytes: invalid UTF-8 is replaced, not thrown on.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mp::http
