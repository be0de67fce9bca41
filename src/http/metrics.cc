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
  ++requests_[{entry.labels.route, entry.status, entry.labels.outcome}];
  Histogram& histogram = durations_[entry.labels.route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += seconds;
}

void Metrics::Reset() {
  MutexLock lock(mu_);
  requests_.clear();
  durations_.clear();
  for (Counter& c : counters_) c.value = 0;
}

void Metrics::AddCounter(std::string name, std::string help) {
  MutexLock lock(mu_);
  for (const Counter& c : counters_) {
    if (c.name == name) return;
  }
  counters_.push_back({std::move(name), std::move(help), 0});
}

void Metrics::Increment(std::string_view name) {
  MutexLock lock(mu_);
  for (Counter& c : counters_) {
    if (c.name == name) {
      ++c.value;
      return;
    }
  }
}

std::string Metrics::Render() const {
  const std::string prefix = names_.metric_prefix.empty() ? "" : names_.metric_prefix + "_";
  const std::string requests = prefix + "http_requests_total";
  const std::string duration = prefix + "http_request_duration_seconds";
  std::string out;
  MutexLock lock(mu_);
  out += "# HELP " + requests + " HTTP requests answered, by " + names_.route + ", status and " +
         names_.outcome + ".\n# TYPE " + requests + " counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, status, outcome] = key;
    out += requests + "{" + names_.route + "=\"" + EscapeLabel(route) + "\",status=\"" +
           std::to_string(status) + "\"," + names_.outcome + "=\"" + EscapeLabel(outcome) + "\"} " +
           std::to_string(count) + "\n";
  }
  out += "# HELP " + duration +
         " Time from the first byte of a request to its response written, by " + names_.route +
         ".\n# TYPE " + duration + " histogram\n";
  for (const auto& [route, histogram] : durations_) {
    const std::string label = names_.route + "=\"" + EscapeLabel(route) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += histogram.buckets[i];
      out += duration + "_bucket{" + label + ",le=\"" + FormatDouble(kBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out +=
        duration + "_bucket{" + label + ",le=\"+Inf\"} " + std::to_string(histogram.count) + "\n";
    out += duration + "_sum{" + label + "} " + FormatDouble(histogram.sum) + "\n";
    out += duration + "_count{" + label + "} " + std::to_string(histogram.count) + "\n";
  }
  for (const Counter& c : counters_) {
    out += "# HELP " + c.name + " " + c.help + "\n# TYPE " + c.name + " counter\n" + c.name + " " +
           std::to_string(c.value) + "\n";
  }
  return out;
}

std::string RequestLogLine(const RequestLogEntry& entry, int64_t unix_millis,
                           const LabelNames& names) {
  const std::string_view path = std::string_view(entry.path).substr(0, entry.path.find('?'));
  nlohmann::ordered_json line;
  line["time"] = FormatUtcMillis(unix_millis);
  line["level"] = entry.status >= 500 ? "error" : entry.status >= 400 ? "warn" : "info";
  line["trace_id"] = entry.trace_id;
  line["method"] = entry.method;
  line["path"] = path;
  line["status"] = entry.status;
  line[names.route] = entry.labels.route;
  line[names.outcome] = entry.labels.outcome;
  line["latency_ms"] = static_cast<double>(entry.latency.count()) / 1000.0;
  line["remote"] = entry.remote;
  // Paths are attacker-chosen bytes: invalid UTF-8 is replaced, not thrown on.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mp::http
