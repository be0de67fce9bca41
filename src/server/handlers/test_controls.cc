#include "server/handlers/test_controls.h"

#include <charconv>
#include <utility>

#include "core/json.h"

namespace mp::server {
namespace {

http::HttpResponse BadRequest(std::string description) {
  http::HttpResponse r = http::HttpResponse::Json(
      400, DumpJson({{"error", "invalid_request"}, {"error_description", std::move(description)}}));
  r.labels.route = "local";
  return r;
}

http::HttpResponse Ok(const nlohmann::json& body) {
  http::HttpResponse r = http::HttpResponse::Json(200, DumpJson(body));
  r.labels.route = "local";
  return r;
}

// An optional integer member within [lo, hi]; messages name the member.
Result<std::optional<int64_t>> IntMember(const nlohmann::json& obj, const char* name, int64_t lo,
                                         int64_t hi) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::optional<int64_t>();
  if (!it->is_number_integer()) {
    return Status(Errc::kInvalidArgument, std::string(name) + ": must be an integer");
  }
  int64_t v = it->get<int64_t>();
  if (v < lo || v > hi) {
    return Status(Errc::kInvalidArgument, std::string(name) + ": must be between " +
                                              std::to_string(lo) + " and " + std::to_string(hi));
  }
  return std::optional<int64_t>(v);
}

Status CheckMembers(const nlohmann::json& obj, std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : obj.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == name;
    if (!ok) return Status(Errc::kInvalidArgument, name + ": unknown member");
  }
  return OkStatus();
}

std::string ClockJson(const OffsetClock& clock) {
  return DumpJson({{"offset_seconds", clock.offset_seconds()}, {"now", clock.NowSeconds()}});
}

http::HttpResponse PutClock(OffsetClock& clock, const http::HttpRequest& request) {
  Result<nlohmann::json> body = ParseStrictJsonObject(request.body);
  if (!body.ok()) return BadRequest("body: " + body.status().message());
  if (Status s = CheckMembers(*body, {"offset_seconds"}); !s.ok()) return BadRequest(s.message());
  constexpr int64_t kTenYears = 10LL * 366 * 86400;
  Result<std::optional<int64_t>> offset = IntMember(*body, "offset_seconds", -kTenYears, kTenYears);
  if (!offset.ok()) return BadRequest(offset.status().message());
  if (!offset->has_value()) return BadRequest("offset_seconds: required");
  clock.SetOffsetSeconds(**offset);
  http::HttpResponse r = http::HttpResponse::Json(200, ClockJson(clock));
  r.labels.route = "local";
  return r;
}

Result<std::pair<Fault, int>> ParseFault(std::string_view text) {
  MP_ASSIGN_OR_RETURN(nlohmann::json body, ParseStrictJsonObject(text));
  MP_RETURN_IF_ERROR(
      CheckMembers(body, {"count", "status", "retry_after", "delay_ms", "drop_connection"}));
  Fault fault;
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> count, IntMember(body, "count", 1, 1000000));
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> status, IntMember(body, "status", 0, 599));
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> retry, IntMember(body, "retry_after", 0, 86400));
  MP_ASSIGN_OR_RETURN(std::optional<int64_t> delay, IntMember(body, "delay_ms", 0, 60000));
  if (status && *status != 0 && *status != 429 && *status != 500 && *status != 503) {
    return Status(Errc::kInvalidArgument, "status: must be 429, 500 or 503 (or 0 for none)");
  }
  fault.status = static_cast<int>(status.value_or(0));
  fault.retry_after_seconds = static_cast<int>(retry.value_or(0));
  fault.delay = std::chrono::milliseconds(delay.value_or(0));
  if (auto it = body.find("drop_connection"); it != body.end()) {
    if (!it->is_boolean())
      return Status(Errc::kInvalidArgument, "drop_connection: must be a boolean");
    fault.drop_connection = it->get<bool>();
  }
  if (fault.status == 0 && fault.delay.count() == 0 && !fault.drop_connection) {
    return Status(Errc::kInvalidArgument, "a fault needs status, delay_ms or drop_connection");
  }
  return std::make_pair(fault, static_cast<int>(count.value_or(1)));
}

size_t LimitParam(const http::HttpRequest& request) {
  size_t limit = 100;
  Result<std::vector<std::pair<std::string, std::string>>> q = http::ParseForm(request.query);
  if (!q.ok()) return limit;
  if (std::optional<std::string> v = http::FormValue(*q, "limit")) {
    size_t n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec == std::errc() && p == v->data() + v->size() && n > 0) limit = n;
  }
  return limit;
}

}  // namespace

void Journal::Add(TokenOutcome outcome) {
  MutexLock lock(mu_);
  entries_.push_back(std::move(outcome));
  while (entries_.size() > capacity_) entries_.pop_front();
}

size_t Journal::size() const {
  MutexLock lock(mu_);
  return entries_.size();
}

std::string Journal::ToJson(size_t limit) const {
  nlohmann::json entries = nlohmann::json::array();
  MutexLock lock(mu_);
  for (auto it = entries_.rbegin(); it != entries_.rend() && entries.size() < limit; ++it) {
    nlohmann::ordered_json e;
    e["time"] = it->time;
    e["client_id"] = it->client_id;
    e["jti"] = it->jti;
    e["outcome"] = it->issued ? "issued" : "refused";
    e["mp_code"] = it->mp_code;
    e["error"] = it->error;
    e["detail"] = it->detail;
    entries.push_back(nlohmann::json(e));
  }
  return DumpJson({{"entries", std::move(entries)}});
}

void FaultInjector::Set(const Fault& fault, int count) {
  MutexLock lock(mu_);
  fault_ = fault;
  remaining_ = count;
}

void FaultInjector::Clear() {
  MutexLock lock(mu_);
  remaining_ = 0;
}

int FaultInjector::remaining() const {
  MutexLock lock(mu_);
  return remaining_;
}

std::optional<Fault> FaultInjector::Next() {
  MutexLock lock(mu_);
  if (remaining_ <= 0) return std::nullopt;
  --remaining_;
  return fault_;
}

http::HttpResponse WithFaults(
    FaultInjector& faults, const http::HttpRequest& request,
    const std::function<http::HttpResponse(const http::HttpRequest&)>& handler) {
  std::optional<Fault> fault = faults.Next();
  if (!fault) return handler(request);
  http::HttpResponse r;
  if (fault->status != 0) {
    r = http::HttpResponse::Json(
        fault->status,
        DumpJson({{"error", fault->status == 429 ? "too_many_requests" : "server_error"},
                  {"error_description", "fault injected by the local test controls (trace_id: " +
                                            request.trace_id + ")"}}));
    if (fault->retry_after_seconds > 0 && fault->status != 500) {
      r.headers.emplace_back("Retry-After", std::to_string(fault->retry_after_seconds));
    }
    r.labels.route = "token";
  } else if (!fault->drop_connection) {
    r = handler(request);
  }
  r.delay = fault->delay;
  r.drop_connection = fault->drop_connection;
  return r;
}

void AddTestControlRoutes(http::Router& router, const TestControlsContext& ctx) {
  router.Add("GET", "/_local", [](const http::HttpRequest&) {
    return Ok({{"test_controls",
                {"GET/PUT /_local/clock", "POST/DELETE /_local/faults", "POST /_local/rotate-key",
                 "GET /_local/journal", "POST /_local/replay/reset"}}});
  });
  router.Add("GET", "/_local/clock", [ctx](const http::HttpRequest&) {
    http::HttpResponse r = http::HttpResponse::Json(200, ClockJson(*ctx.clock));
    r.labels.route = "local";
    return r;
  });
  router.Add("PUT", "/_local/clock",
             [ctx](const http::HttpRequest& request) { return PutClock(*ctx.clock, request); });
  router.Add("POST", "/_local/faults", [ctx](const http::HttpRequest& request) {
    Result<std::pair<Fault, int>> f = ParseFault(request.body);
    if (!f.ok()) return BadRequest(f.status().message());
    ctx.faults->Set(f->first, f->second);
    return Ok({{"remaining", f->second}});
  });
  router.Add("DELETE", "/_local/faults", [ctx](const http::HttpRequest&) {
    ctx.faults->Clear();
    return Ok({{"remaining", 0}});
  });
  router.Add("POST", "/_local/rotate-key", [ctx](const http::HttpRequest&) {
    if (Status s = ctx.keys->Rotate(); !s.ok()) {
      http::HttpResponse r = http::HttpResponse::Json(
          500, DumpJson({{"error", "server_error"}, {"error_description", s.ToString()}}));
      r.labels.route = "local";
      return r;
    }
    // The new key: signing now, or (several instances) published now and signing from
    // active_from.
    std::shared_ptr<const SigningKeySet> set = ctx.keys->Snapshot();
    const bool waiting = !set->next_kid.empty();
    return Ok({{"kid", waiting ? set->next_kid : set->current_kid},
               {"signing_kid", set->current_kid},
               {"active_from", waiting ? set->next_active_from : 0}});
  });
  router.Add("GET", "/_local/journal", [ctx](const http::HttpRequest& request) {
    http::HttpResponse r = http::HttpResponse::Json(200, ctx.journal->ToJson(LimitParam(request)));
    r.labels.route = "local";
    return r;
  });
  router.Add("POST", "/_local/replay/reset", [ctx](const http::HttpRequest&) {
    if (Status s = ctx.replay->Reset(); !s.ok()) {
      http::HttpResponse r = http::HttpResponse::Json(
          500, DumpJson({{"error", "server_error"}, {"error_description", s.ToString()}}));
      r.labels.route = "local";
      return r;
    }
    return Ok({{"reset", true}});
  });
}

}  // namespace mp::server
