// The /_local test controls as handlers (no sockets): clock offset, fault injection, journal,
// and the validation of their bodies.
#include "server/handlers/test_controls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/store/store.h"

namespace mp::server {
namespace {

using ::testing::HasSubstr;

struct Controls {
  FakeClock base{1700000000};
  OffsetClock clock{base};
  Journal journal{3};
  FaultInjector faults;
  std::unique_ptr<ReplayStore> replay = NewMemoryReplayStore();
  http::Router router;
  Controls() {
    AddTestControlRoutes(router, {.clock = &clock,
                                  .journal = &journal,
                                  .faults = &faults,
                                  .keys = nullptr,
                                  .replay = replay.get()});
  }
  http::HttpResponse Call(std::string method, std::string target, std::string body = "") {
    http::HttpRequest r;
    r.method = std::move(method);
    r.target = target;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.body = std::move(body);
    r.trace_id = "0123456789abcdef0123456789abcdef";
    return router.Dispatch(std::move(r));
  }
};

TEST(OffsetClock, AddsTheOffsetInBothDirections) {
  FakeClock base(1000);
  OffsetClock clock(base);
  clock.SetOffsetSeconds(30);
  EXPECT_EQ(clock.NowSeconds(), 1030);
  clock.SetOffsetSeconds(-30);
  EXPECT_EQ(clock.NowSeconds(), 970);
}

TEST(TestControls, PutClockSetsTheOffset) {
  Controls c;
  http::HttpResponse r = c.Call("PUT", "/_local/clock", R"({"offset_seconds":-120})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(c.clock.NowSeconds(), 1700000000 - 120);
  nlohmann::json body = nlohmann::json::parse(c.Call("GET", "/_local/clock").body);
  EXPECT_EQ(body["offset_seconds"], -120);
  EXPECT_EQ(body["now"], 1700000000 - 120);
}

TEST(TestControls, BadClockBodiesNameTheProblemAndChangeNothing) {
  Controls c;
  for (const char* body : {"", "[]", R"({"offset_seconds":"1"})", R"({"offset_seconds":1.5})",
                           R"({"offset":1})", "{}", R"({"offset_seconds":999999999999})"}) {
    http::HttpResponse r = c.Call("PUT", "/_local/clock", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_THAT(r.body, HasSubstr("invalid_request")) << body;
  }
  EXPECT_EQ(c.clock.offset_seconds(), 0);
  EXPECT_THAT(c.Call("PUT", "/_local/clock", R"({"offset":1})").body, HasSubstr("offset: unknown"));
}

TEST(TestControls, FaultAppliesToExactlyTheNextNTokenRequests) {
  Controls c;
  http::HttpResponse set =
      c.Call("POST", "/_local/faults", R"({"count":2,"status":429,"retry_after":7})");
  ASSERT_EQ(set.status, 200) << set.body;
  int normal = 0;
  auto handler = [&normal](const http::HttpRequest&) {
    ++normal;
    return http::HttpResponse::Json(200, "{}");
  };
  http::HttpRequest req;
  req.trace_id = "0123456789abcdef0123456789abcdef";
  for (int i = 0; i < 2; ++i) {
    http::HttpResponse r = WithFaults(c.faults, req, handler);
    EXPECT_EQ(r.status, 429);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "Retry-After");
    EXPECT_EQ(r.headers[0].second, "7");
    EXPECT_THAT(r.body, HasSubstr("(trace_id: 0123456789abcdef0123456789abcdef)"));
  }
  EXPECT_EQ(normal, 0);
  EXPECT_EQ(WithFaults(c.faults, req, handler).status, 200);
  EXPECT_EQ(normal, 1);
}

TEST(TestControls, DelayOnlyFaultAnswersNormallyAfterTheDelay) {
  Controls c;
  ASSERT_EQ(c.Call("POST", "/_local/faults", R"({"delay_ms":250})").status, 200);
  http::HttpResponse r = WithFaults(c.faults, http::HttpRequest{}, [](const http::HttpRequest&) {
    return http::HttpResponse::Json(200, R"({"ok":true})");
  });
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(r.delay, std::chrono::milliseconds(250));
}

TEST(TestControls, DropConnectionFaultSkipsTheHandler) {
  Controls c;
  ASSERT_EQ(c.Call("POST", "/_local/faults", R"({"drop_connection":true})").status, 200);
  bool called = false;
  http::HttpResponse r =
      WithFaults(c.faults, http::HttpRequest{}, [&called](const http::HttpRequest&) {
        called = true;
        return http::HttpResponse::Json(200, "{}");
      });
  EXPECT_TRUE(r.drop_connection);
  EXPECT_FALSE(called);
}

TEST(TestControls, DeleteFaultsClearsThem) {
  Controls c;
  ASSERT_EQ(c.Call("POST", "/_local/faults", R"({"count":5,"status":500})").status, 200);
  EXPECT_EQ(c.faults.remaining(), 5);
  EXPECT_EQ(c.Call("DELETE", "/_local/faults").status, 200);
  EXPECT_EQ(c.faults.remaining(), 0);
}

TEST(TestControls, BadFaultBodiesAreRefusedNamingTheMember) {
  Controls c;
  struct Case {
    const char* body;
    const char* says;
  };
  for (const Case& k : {Case{R"({"status":404})", "status: must be 429, 500 or 503"},
                        Case{R"({"count":0,"status":500})", "count: must be between"},
                        Case{R"({"delay_ms":-1})", "delay_ms: must be between"},
                        Case{R"({"drop_connection":"yes"})", "drop_connection: must be a boolean"},
                        Case{R"({"count":1})", "a fault needs status, delay_ms or drop_connection"},
                        Case{R"({"status":500,"extra":1})", "extra: unknown member"},
                        Case{R"({"status":500,"status":503})", "duplicate"}}) {
    http::HttpResponse r = c.Call("POST", "/_local/faults", k.body);
    EXPECT_EQ(r.status, 400) << k.body;
    EXPECT_THAT(r.body, HasSubstr(k.says)) << k.body;
  }
  EXPECT_EQ(c.faults.remaining(), 0);
}

TEST(TestControls, JournalKeepsTheNewestEntriesFirstWithinCapacity) {
  Controls c;
  for (int i = 1; i <= 5; ++i) {
    c.journal.Add(
        {.time = i, .client_id = "c" + std::to_string(i), .jti = "j", .issued = i % 2 == 0});
  }
  EXPECT_EQ(c.journal.size(), 3u);
  nlohmann::json body = nlohmann::json::parse(c.Call("GET", "/_local/journal?limit=2").body);
  ASSERT_EQ(body["entries"].size(), 2u);
  EXPECT_EQ(body["entries"][0]["client_id"], "c5");
  EXPECT_EQ(body["entries"][0]["outcome"], "refused");
  EXPECT_EQ(body["entries"][1]["client_id"], "c4");
  EXPECT_EQ(body["entries"][1]["outcome"], "issued");
}

TEST(TestControls, ReplayResetForgetsClaimedJti) {
  Controls c;
  ASSERT_TRUE(c.replay->Claim("k", 2000000000, 1700000000).value());
  ASSERT_FALSE(c.replay->Claim("k", 2000000000, 1700000000).value());
  EXPECT_EQ(c.Call("POST", "/_local/replay/reset").status, 200);
  EXPECT_TRUE(c.replay->Claim("k", 2000000000, 1700000000).value());
}

}  // namespace
}  // namespace mp::server
