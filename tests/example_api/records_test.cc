// Synthetic records: deterministic per person hash, different between persons, every record
// marked synthetic and shaped as documented.
#include "example_api/records.h"

#include <gtest/gtest.h>

#include <regex>

#include "maskinporten/consent.h"

namespace mp::example_api {
namespace {

TEST(SyntheticRecords, AreTheSameForTheSamePersonHash) {
  EXPECT_EQ(SyntheticRecords(HashPersonId("01819010001")),
            SyntheticRecords(HashPersonId("01819010001")));
}

TEST(SyntheticRecords, DifferBetweenPersons) {
  EXPECT_NE(SyntheticRecords(HashPersonId("01819010001")),
            SyntheticRecords(HashPersonId("02819010040")));
}

TEST(SyntheticRecords, HaveAapVedtakMeldekortAndUforetrygdAllMarkedSynthetic) {
  nlohmann::ordered_json records = SyntheticRecords(HashPersonId("01819010001"));
  ASSERT_TRUE(records.is_array());
  int vedtak = 0, meldekort = 0, ufore = 0;
  const std::regex date("\\d{4}-\\d{2}-\\d{2}");
  for (const auto& r : records) {
    EXPECT_EQ(r["synthetic"], true);
    std::string type = r["type"];
    if (type == "aap_vedtak") {
      ++vedtak;
      EXPECT_TRUE(std::regex_match(r["period"]["from"].get<std::string>(), date));
      EXPECT_LT(r["period"]["from"].get<std::string>(), r["period"]["to"].get<std::string>());
      EXPECT_GE(r["daily_rate_nok"].get<int>(), 800);
      EXPECT_LE(r["daily_rate_nok"].get<int>(), 1700);
    } else if (type == "aap_meldekort") {
      ++meldekort;
      EXPECT_GE(r["hours_worked"].get<int>(), 0);
      EXPECT_LE(r["hours_worked"].get<int>(), 37);
    } else if (type == "uforetrygd") {
      ++ufore;
      int grade = r["grade_percent"];
      EXPECT_TRUE(grade >= 30 && grade <= 100 && grade % 10 == 0) << grade;
      EXPECT_EQ(r["from"].get<std::string>().substr(8), "01");
    } else {
      ADD_FAILURE() << "unexpected type " << type;
    }
  }
  EXPECT_EQ(vedtak, 1);
  EXPECT_EQ(meldekort, 3);
  EXPECT_EQ(ufore, 1);
}

TEST(SyntheticRecords, MeldekortPeriodsFollowEachOther) {
  nlohmann::ordered_json records = SyntheticRecords("any seed");
  std::vector<std::string> froms;
  for (const auto& r : records) {
    if (r["type"] == "aap_meldekort") froms.push_back(r["period"]["from"]);
  }
  ASSERT_EQ(froms.size(), 3u);
  EXPECT_LT(froms[0], froms[1]);
  EXPECT_LT(froms[1], froms[2]);
  EXPECT_EQ(records[0]["period"]["from"], froms[0]);  // the first starts with the vedtak
}

}  // namespace
}  // namespace mp::example_api
