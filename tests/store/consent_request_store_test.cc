// The Altinn 3 consent request tables of the SQLite registry (schema version 3): requests with
// their rights and events, the status compare-and-set, and the migration of a version 2 file.
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

using ::testing::HasSubstr;

std::unique_ptr<Store> Open(const std::string& path = ":memory:") {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore({.path = path});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

ConsentRequestEvent Event(const std::string& id, const std::string& type, int64_t at) {
  return ConsentRequestEvent{.event_id = id,
                             .event_type = type,
                             .created = at,
                             .performed_by = "urn:altinn:organization:identifier-no:910753614"};
}

// Every field set to a value other than its default.
ConsentRequestRecord SampleRequest(const std::string& id) {
  return ConsentRequestRecord{
      .id = id,
      .from = "urn:altinn:person:identifier-no:01819010001",
      .to = "urn:altinn:organization:identifier-no:910753614",
      .required_delegator = "urn:altinn:person:identifier-no:01819010001",
      .handled_by = "311654306",
      .valid_to = 1900000000,
      .rights = {{.action = {"consent"},
                  .resource = "nav_5252_2",
                  .metadata = {{"navn", "TEST FORSIKRING AS"}, {"a", "æøå"}}},
                 {.action = {"consent"}, .resource = "other", .metadata = {}}},
      .request_message_json = R"({"nb":"Hei"})",
      .redirect_url = "https://insurer.example/back",
      .portal_view_mode = "show",
      .status = ConsentRequestStatus::kCreated,
      .created = 1790000000,
      .consented = 0,
      .events = {Event("e1", "created", 1790000000)},
  };
}

class ConsentRequestStoreTest : public StoreTest {};

TEST_P(ConsentRequestStoreTest, RoundTripsEveryFieldWithEventsAndMetadataOrder) {
  ASSERT_TRUE(store->CreateConsentRequest(SampleRequest("r1")).ok());
  Result<std::optional<ConsentRequestRecord>> got = store->GetConsentRequest("r1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, SampleRequest("r1"));
  EXPECT_FALSE(store->GetConsentRequest("r2")->has_value());
}

TEST_P(ConsentRequestStoreTest, CreateRefusesAnExistingIdAndKeepsTheFirst) {
  ASSERT_TRUE(store->CreateConsentRequest(SampleRequest("r1")).ok());
  ConsentRequestRecord other = SampleRequest("r1");
  other.to = "urn:altinn:organization:identifier-no:311654306";
  Status s = store->CreateConsentRequest(other);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("already exists"));
  EXPECT_EQ(store->GetConsentRequest("r1")->value(), SampleRequest("r1"));
  EXPECT_EQ(store->CreateConsentRequest(SampleRequest("")).code(), Errc::kInvalidArgument);
}

TEST_P(ConsentRequestStoreTest, TransitionIsACompareAndSetThatAppendsTheEvent) {
  ASSERT_TRUE(store->CreateConsentRequest(SampleRequest("r1")).ok());
  ASSERT_TRUE(store
                  ->TransitionConsentRequest("r1", ConsentRequestStatus::kCreated,
                                             ConsentRequestStatus::kAccepted,
                                             Event("e2", "accepted", 1790000100))
                  .ok());
  // A second answer finds the request accepted: refused, nothing changes.
  Status again = store->TransitionConsentRequest("r1", ConsentRequestStatus::kCreated,
                                                 ConsentRequestStatus::kRejected,
                                                 Event("e3", "rejected", 1790000200));
  EXPECT_EQ(again.code(), Errc::kInvalidArgument);
  EXPECT_THAT(again.message(), HasSubstr("is accepted, not created"));
  ASSERT_TRUE(store
                  ->TransitionConsentRequest("r1", ConsentRequestStatus::kAccepted,
                                             ConsentRequestStatus::kRevoked,
                                             Event("e4", "revoked", 1790000300))
                  .ok());
  ConsentRequestRecord want = SampleRequest("r1");
  want.status = ConsentRequestStatus::kRevoked;
  want.consented = 1790000100;  // set by the acceptance, kept by the revocation
  want.events.push_back(Event("e2", "accepted", 1790000100));
  want.events.push_back(Event("e4", "revoked", 1790000300));
  EXPECT_EQ(store->GetConsentRequest("r1")->value(), want);
  EXPECT_EQ(store
                ->TransitionConsentRequest("nope", ConsentRequestStatus::kCreated,
                                           ConsentRequestStatus::kAccepted, Event("e5", "x", 1))
                .code(),
            Errc::kNotFound);
}

MP_INSTANTIATE_STORE_BACKENDS(ConsentRequestStoreTest);

// ---- SQLite only

TEST(ConsentRequestStoreFile, MigratesAVersion2RegistryAndKeepsRequestsAcrossReopen) {
  testing::TempDir dir;
  const std::string path = dir.File("v2.db");
  {
    sqlite::Schema v2 = RegistrySchema();
    v2.migrations = v2.migrations.first(2);
    auto conn = sqlite::Connection::Open(path, v2, sqlite::Synchronous::kFull);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    EXPECT_FALSE((*conn)->Exec("SELECT 1 FROM consent_requests").ok());
  }
  {
    auto store = Open(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->CreateConsentRequest(SampleRequest("r1")).ok());
  }
  auto store = Open(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->GetConsentRequest("r1")->value(), SampleRequest("r1"));
  auto conn = OpenRegistryDatabase(path, sqlite::Synchronous::kFull);
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ((*conn)->UserVersion().value(), RegistrySchemaVersion());
}

TEST(ConsentRequestStoreNames, StatusNamesAreAltinnsLowercaseAndRoundTrip) {
  for (ConsentRequestStatus s : {ConsentRequestStatus::kCreated, ConsentRequestStatus::kAccepted,
                                 ConsentRequestStatus::kRejected, ConsentRequestStatus::kRevoked,
                                 ConsentRequestStatus::kExpired}) {
    EXPECT_EQ(ParseConsentRequestStatus(ConsentRequestStatusName(s)), s);
  }
  EXPECT_EQ(ConsentRequestStatusName(ConsentRequestStatus::kRevoked), "revoked");
  EXPECT_FALSE(ParseConsentRequestStatus("Accepted").has_value());
}

}  // namespace
}  // namespace mp::server
