// The names every Maskinporten program of ours gives its metrics and log fields, so one dashboard
// reads the local Maskinporten and the agent alike (docs/operations.md, docs/agent.md):
// maskinporten_http_requests_total{endpoint,status,mp_code}, and "endpoint" / "mp_code" in the
// JSON request log. An `mp_code` value is an MP code of mp_errors.h ("MP-012") or "ok".
#ifndef MASKINPORTEN_GRANT_METRIC_NAMES_H_
#define MASKINPORTEN_GRANT_METRIC_NAMES_H_

#include <string_view>

namespace mp::metric_names {

constexpr std::string_view kPrefix = "maskinporten";  // maskinporten_<metric>
constexpr std::string_view kEndpoint = "endpoint";    // which route answered
constexpr std::string_view kMpCode = "mp_code";       // the MP code of the answer

}  // namespace mp::metric_names

#endif  // MASKINPORTEN_GRANT_METRIC_NAMES_H_
