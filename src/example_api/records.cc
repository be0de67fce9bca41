// Synthetic SSU records: a splitmix64 stream seeded from the person's hash drives every number,
// so the records are stable per person and carry no information about a real one.
#include "example_api/records.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mp::example_api {
namespace {

// splitmix64 (Steele, Lea, Flood 2014): small, fast, and good enough for made-up numbers.
class Stream {
 public:
  explicit Stream(std::string_view seed_text) {
    // FNV-1a over the seed text.
    state_ = 0xcbf29ce484222325ULL;
    for (char c : seed_text) {
      state_ ^= static_cast<unsigned char>(c);
      state_ *= 0x100000001b3ULL;
    }
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

using Days = std::chrono::sys_days;

std::string Date(Days day) {
  std::chrono::year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string Hex(uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kHex[v & 0xf];
  return out;
}

}  // namespace

nlohmann::ordered_json SyntheticRecords(std::string_view person_hash) {
  Stream rng(person_hash);
  const Days epoch = std::chrono::year{2025} / std::chrono::January / 1;
  nlohmann::ordered_json records = nlohmann::ordered_json::array();

  // AAP (arbeidsavklaringspenger: work assessment allowance): one vedtak (decision) for a year.
  const Days aap_from = epoch + std::chrono::days(rng.Between(0, 364));
  const Days aap_to = aap_from + std::chrono::days(364);
  const int64_t daily_rate = rng.Between(800, 1700);
  records.push_back({{"type", "aap_vedtak"},
                     {"synthetic", true},
                     {"vedtak_id", "SYN-AAP-" + Hex(rng.Next(), 8)},
                     {"status", "IVERKSATT"},
                     {"period", {{"from", Date(aap_from)}, {"to", Date(aap_to)}}},
                     {"daily_rate_nok", daily_rate}});

  // Meldekort (employment status cards): three consecutive 14-day periods of the vedtak.
  for (int i = 0; i < 3; ++i) {
    const Days from = aap_from + std::chrono::days(14 * i);
    const int64_t hours = rng.Between(0, 37);
    records.push_back(
        {{"type", "aap_meldekort"},
         {"synthetic", true},
         {"period", {{"from", Date(from)}, {"to", Date(from + std::chrono::days(13))}}},
         {"hours_worked", hours},
         {"amount_nok", daily_rate * 10 * (75 - hours) / 75}});
  }

  // Uføretrygd (disability benefit): a grade in steps of 10 %, from a month start.
  static constexpr int kGrades[] = {30, 40, 50, 60, 70, 100};
  const int grade = kGrades[rng.Next() % (sizeof(kGrades) / sizeof(kGrades[0]))];
  const std::chrono::year_month_day ufore_month(epoch + std::chrono::days(rng.Between(0, 700)));
  const Days ufore_from = ufore_month.year() / ufore_month.month() / 1;
  records.push_back({{"type", "uforetrygd"},
                     {"synthetic", true},
                     {"grade_percent", grade},
                     {"from", Date(ufore_from)},
                     {"yearly_amount_nok", rng.Between(250, 350) * 1000 * grade / 100}});
  return records;
}

}  // namespace mp::example_api
