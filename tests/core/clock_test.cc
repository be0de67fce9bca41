#include "maskinporten/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace mp {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

TEST(FakeClock, StartsAtTheGivenUnixSeconds) {
  FakeClock clock(1757498372);
  EXPECT_EQ(clock.NowSeconds(), 1757498372);
  EXPECT_EQ(clock.Now().time_since_epoch(), seconds(1757498372));
}

TEST(FakeClock, DefaultsTo1700000000) { EXPECT_EQ(FakeClock().NowSeconds(), 1700000000); }

TEST(FakeClock, DoesNotMoveByItself) {
  FakeClock clock;
  auto a = clock.Now();
  auto b = clock.Now();
  EXPECT_EQ(a, b);
}

TEST(FakeClock, AdvancesByMicroseconds) {
  FakeClock clock(100);
  clock.Advance(seconds(61));
  EXPECT_EQ(clock.NowSeconds(), 161);
  clock.Advance(microseconds(999999));
  EXPECT_EQ(clock.NowSeconds(), 161);  // whole seconds only
  EXPECT_EQ(clock.Now().time_since_epoch(), microseconds(161999999));
  clock.Advance(microseconds(1));
  EXPECT_EQ(clock.NowSeconds(), 162);
}

TEST(FakeClock, CanMoveBackwards) {
  FakeClock clock(1000);
  clock.Advance(seconds(-10));
  EXPECT_EQ(clock.NowSeconds(), 990);
}

TEST(FakeClock, SetSecondsReplacesTheTime) {
  FakeClock clock(1000);
  clock.Advance(microseconds(500));
  clock.SetSeconds(2000);
  EXPECT_EQ(clock.Now().time_since_epoch(), seconds(2000));
}

TEST(FakeClock, AdvanceIsSafeFromManyThreads) {
  FakeClock clock(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < 10000; ++i) clock.Advance(microseconds(1));
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(clock.Now().time_since_epoch(), microseconds(40000));
}

TEST(FakeClock, WorksThroughTheClockInterface) {
  FakeClock fake(1234);
  const Clock& clock = fake;
  EXPECT_EQ(clock.NowSeconds(), 1234);
}

TEST(SystemClock, InstanceIsOneObject) {
  EXPECT_EQ(&SystemClock::Instance(), &SystemClock::Instance());
}

TEST(SystemClock, FollowsTheSystemTime) {
  auto before = std::chrono::system_clock::now();
  auto now = SystemClock::Instance().Now();
  auto after = std::chrono::system_clock::now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  int64_t s = SystemClock::Instance().NowSeconds();
  EXPECT_GT(s, 1700000000);  // after November 2023
}

}  // namespace
}  // namespace mp
