// The consent tables of the SQLite registry (schema version 2): consent requests, their one-time
// decision, the samtykketoken key, and the migration of a version 1 file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/store/schema.h"
#include "server/store/sqlite.h"
#include "server/store/store.h"
#include "store/store_backends.h"
#include "testing/process.h"

namespace mp::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<Store> Open(const std::string& path = ":memory:") {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore({.path = path});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Every field set to a value other than its default.
ConsentRecord SampleConsent(const std::string& code, const std::string& covered_by = "910753614",
                            const std::string& handled_by = "311654306") {
  return ConsentRecord{
      .authorization_code = code,
      .covered_by = covered_by,
      .offered_by = "01819010001",
      .offered_by_name = "Nordmann æøå",
      .required_delegator = "01819010001",
      .required_delegator_name = "Ola Nordmann",
      .handled_by = handled_by,
      .redirect_url = "https://insurer.example/back",
      .resources = {{.service_code = "5252",
                     .service_edition_code = 2,
                     .metadata = {{"Navn", "TEST FORSIKRING AS"}, {"A", "first=b"}}},
                    {.service_code = "4630", .service_edition_code = 1, .metadata = {}}},
      .valid_to = 1900000000,
      .status = ConsentStatus::kUnopened,
      .created = 1790000000,
      .decided = 0,
  };
}

class ConsentStoreTest : public StoreTest {};

TEST_P(ConsentStoreTest, ConsentRoundTripsEveryFieldWithMetadataOrder) {
  ASSERT_TRUE(store->CreateConsent(SampleConsent("c1")).ok());
  Result<std::optional<ConsentRecord>> got = store->GetConsent("c1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, SampleConsent("c1"));
}

TEST_P(ConsentStoreTest, GetConsentOfUnknownCodeIsEmpty) {
  Result<std::optional<ConsentRecord>> got = store->GetConsent("nope");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(ConsentStoreTest, CreateConsentRefusesExistingCodeAndKeepsTheFirst) {
  ASSERT_TRUE(store->CreateConsent(SampleConsent("c1")).ok());
  ConsentRecord other = SampleConsent("c1", "889640782");
  Status s = store->CreateConsent(other);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("already exists"));
  EXPECT_EQ(store->GetConsent("c1")->value().covered_by, "910753614");
}

TEST_P(ConsentStoreTest, CreateConsentRefusesEmptyCode) {
  EXPECT_EQ(store->CreateConsent(SampleConsent("")).code(), Errc::kInvalidArgument);
}

TEST_P(ConsentStoreTest, DecideConsentAcceptsOnceAndSetsDecided) {
  ASSERT_TRUE(store->CreateConsent(SampleConsent("c1")).ok());
  ASSERT_TRUE(store->DecideConsent("c1", ConsentStatus::kAccepted, 1790000100).ok());
  ConsentRecord got = store->GetConsent("c1")->value();
  EXPECT_EQ(got.status, ConsentStatus::kAccepted);
  EXPECT_EQ(got.decided, 1790000100);
  // A second answer is refused, naming the status, and changes nothing.
  Status again = store->DecideConsent("c1", ConsentStatus::kRejected, 1790000200);
  EXPECT_EQ(again.code(), Errc::kInvalidArgument);
  EXPECT_THAT(again.message(), HasSubstr("is Accepted, not Unopened"));
  got = store->GetConsent("c1")->value();
  EXPECT_EQ(got.status, ConsentStatus::kAccepted);
  EXPECT_EQ(got.decided, 1790000100);
}

TEST_P(ConsentStoreTest, DecideConsentRejects) {
  ASSERT_TRUE(store->CreateConsent(SampleConsent("c1")).ok());
  ASSERT_TRUE(store->DecideConsent("c1", ConsentStatus::kRejected, 5).ok());
  EXPECT_EQ(store->GetConsent("c1")->value().status, ConsentStatus::kRejected);
}

TEST_P(ConsentStoreTest, DecideConsentOfUnknownCodeIsNotFoundAndUnopenedIsRefused) {
  EXPECT_EQ(store->DecideConsent("nope", ConsentStatus::kAccepted, 1).code(), Errc::kNotFound);
  ASSERT_TRUE(store->CreateConsent(SampleConsent("c1")).ok());
  EXPECT_EQ(store->DecideConsent("c1", ConsentStatus::kUnopened, 1).code(), Errc::kInvalidArgument);
  EXPECT_EQ(store->GetConsent("c1")->value().status, ConsentStatus::kUnopened);
}

TEST_P(ConsentStoreTest, ListConsentsMatchesCoveredByOrHandledByOldestFirst) {
  ConsentRecord a = SampleConsent("a", "910753614", "311654306");
  ConsentRecord b = SampleConsent("b", "889640782", "");
  ConsentRecord c = SampleConsent("c", "889640782", "311654306");
  a.created = 3;
  b.created = 1;
  c.created = 2;
  for (const ConsentRecord& r : {a, b, c}) ASSERT_TRUE(store->CreateConsent(r).ok());
  EXPECT_THAT(store->ListConsents("").value(), ElementsAre(b, c, a));
  EXPECT_THAT(store->ListConsents("889640782").value(), ElementsAre(b, c));
  EXPECT_THAT(store->ListConsents("311654306").value(), ElementsAre(c, a));
  EXPECT_THAT(store->ListConsents("974760673").value(), IsEmpty());
}

TEST_P(ConsentStoreTest, ConsentKeyIsAbsentThenTheFirstAddWins) {
  EXPECT_FALSE(store->GetConsentKey().value().has_value());
  ConsentKeyRecord first{
      .kid = "k1", .private_pem = "pem1", .certificate_pem = "cert1", .created = 10};
  ConsentKeyRecord second{
      .kid = "k2", .private_pem = "pem2", .certificate_pem = "cert2", .created = 20};
  EXPECT_EQ(store->AddConsentKeyIfAbsent(first).value(), first);
  EXPECT_EQ(store->AddConsentKeyIfAbsent(second).value(), first);
  EXPECT_EQ(store->GetConsentKey().value(), first);
  EXPECT_EQ(store->AddConsentKeyIfAbsent({}).status().code(), Errc::kInvalidArgument);
}

MP_INSTANTIATE_STORE_BACKENDS(ConsentStoreTest);

// ---- SQLite only

TEST(ConsentStoreFile, ReopenKeepsConsentsAndKey) {
  testing::TempDir dir;
  const std::string path = dir.File("registry.db");
  ConsentKeyRecord key{.kid = "k1", .private_pem = "pem", .certificate_pem = "cert", .created = 1};
  {
    auto store = Open(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->CreateConsent(SampleConsent("c1")).ok());
    ASSERT_TRUE(store->DecideConsent("c1", ConsentStatus::kAccepted, 7).ok());
    ASSERT_TRUE(store->AddConsentKeyIfAbsent(key).ok());
  }
  auto store = Open(path);
  ASSERT_TRUE(store);
  ConsentRecord want = SampleConsent("c1");
  want.status = ConsentStatus::kAccepted;
  want.decided = 7;
  EXPECT_EQ(store->GetConsent("c1")->value(), want);
  EXPECT_EQ(store->GetConsentKey().value(), key);
}

TEST(ConsentStoreFile, MigratesAVersion1RegistryKeepingItsRows) {
  testing::TempDir dir;
  const std::string path = dir.File("v1.db");
  {
    // A registry as a release with schema version 1 left it: no application_id yet.
    sqlite::Schema v1 = RegistrySchema();
    v1.migrations = v1.migrations.first(1);
    auto conn = sqlite::Connection::Open(path, v1, sqlite::Synchronous::kFull);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    EXPECT_EQ((*conn)->UserVersion().value(), 1);
    ASSERT_TRUE((*conn)->Exec("PRAGMA application_id = 0").ok());
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO organizations (orgno, name) VALUES "
                           "('910753614', 'TEST FORSIKRING AS')")
                    .ok());
    auto missing = (*conn)->Exec("SELECT 1 FROM consents");
    EXPECT_FALSE(missing.ok());
  }
  auto store = Open(path);
  ASSERT_TRUE(store);
  EXPECT_THAT(store->ListOrganizations().value(),
              ElementsAre(Organization{.orgno = "910753614", .name = "TEST FORSIKRING AS"}));
  ASSERT_TRUE(store->CreateConsent(SampleConsent("c1")).ok());
  EXPECT_TRUE(store->GetConsent("c1")->has_value());
  auto conn = OpenRegistryDatabase(path, sqlite::Synchronous::kFull);
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ((*conn)->UserVersion().value(), RegistrySchemaVersion());
}

TEST(ConsentStoreNames, ConsentStatusNamesRoundTrip) {
  for (ConsentStatus s :
       {ConsentStatus::kUnopened, ConsentStatus::kAccepted, ConsentStatus::kRejected}) {
    EXPECT_EQ(ParseConsentStatus(ConsentStatusName(s)), s);
  }
  EXPECT_EQ(ConsentStatusName(ConsentStatus::kAccepted), "Accepted");
  EXPECT_FALSE(ParseConsentStatus("accepted").has_value());
}

}  // namespace
}  // namespace mp::server
