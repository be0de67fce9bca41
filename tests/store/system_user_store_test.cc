// The Altinn 3 system register and system user tables of the registry (SQLite schema version 4,
// SPEC §15): systems with their client ids, system user requests and the accept/reject
// compare-and-set that makes a system user, and the migration of a version 3 file.
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

std::unique_ptr<Store> Open(const std::string& path = ":memory:") {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore({.path = path});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Every field set to a value other than its default.
SystemRecord SampleSystem(const std::string& id, std::vector<std::string> clients) {
  return SystemRecord{
      .system_id = id,
      .vendor_orgno = "311654306",
      .name_json = R"({"en":"Payroll","nb":"Lønn","nn":"Løn"})",
      .description_json = R"({"en":"Pays","nb":"Betaler","nn":"Betalar"})",
      .rights = {"ske-krav-og-betalinger", "app_nav_sykmelding"},
      .access_packages = {"urn:altinn:accesspackage:skattnaering"},
      .client_ids = std::move(clients),
      .allowed_redirect_urls = {"https://vendor.example/back", "https://vendor.example/b2"},
      .is_visible = false,
      .created = 1790000000,
      .last_updated = 1790000001,
  };
}

SystemUserRequestRecord SampleRequest(const std::string& id, const std::string& system_id) {
  return SystemUserRequestRecord{
      .id = id,
      .external_ref = "customer-17",
      .system_id = system_id,
      .party_orgno = "910753614",
      .rights = {"ske-krav-og-betalinger"},
      .access_packages = {"urn:altinn:accesspackage:skattnaering"},
      .redirect_url = "https://vendor.example/back",
      .status = SystemUserRequestStatus::kNew,
      .created = 1790000100,
      .decided = 0,
      .system_user_id = "",
  };
}

SystemUserRecord UserFor(const SystemUserRequestRecord& r, const std::string& id, int64_t at) {
  return SystemUserRecord{.id = id,
                          .system_id = r.system_id,
                          .party_orgno = r.party_orgno,
                          .external_ref = r.external_ref,
                          .rights = r.rights,
                          .access_packages = r.access_packages,
                          .created = at};
}

class SystemRegisterStoreTest : public StoreTest {};

TEST_P(SystemRegisterStoreTest, RoundTripsEveryFieldAndFindsTheSystemOfAClient) {
  ASSERT_TRUE(store->CreateSystem(SampleSystem("311654306_payroll", {"c1", "c2"})).ok());
  ASSERT_TRUE(store->CreateSystem(SampleSystem("311654306_archive", {})).ok());
  EXPECT_EQ(store->GetSystem("311654306_payroll")->value(),
            SampleSystem("311654306_payroll", {"c1", "c2"}));
  EXPECT_EQ(store->GetSystemForClient("c2")->value().system_id, "311654306_payroll");
  EXPECT_FALSE(store->GetSystemForClient("c3")->has_value());
  EXPECT_FALSE(store->GetSystem("nope")->has_value());
  Result<std::vector<SystemRecord>> all = store->ListSystems("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], SampleSystem("311654306_archive", {}));
  EXPECT_EQ((*all)[1].client_ids, (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(store->ListSystems("311654306")->size(), 2u);
  EXPECT_TRUE(store->ListSystems("910753614")->empty());
}

TEST_P(SystemRegisterStoreTest, RefusesAnExistingIdAndAClientIdOfAnotherSystemChangingNothing) {
  ASSERT_TRUE(store->CreateSystem(SampleSystem("311654306_payroll", {"c1"})).ok());
  Status again = store->CreateSystem(SampleSystem("311654306_payroll", {"c9"}));
  EXPECT_EQ(again.code(), Errc::kInvalidArgument);
  EXPECT_THAT(again.message(), HasSubstr("already exists"));
  Status taken = store->CreateSystem(SampleSystem("311654306_other", {"c5", "c1"}));
  EXPECT_EQ(taken.code(), Errc::kInvalidArgument);
  EXPECT_THAT(taken.message(),
              HasSubstr("client id \"c1\" already belongs to system \"311654306_payroll\""));
  // The refused system left nothing behind, not even its first client id.
  EXPECT_FALSE(store->GetSystem("311654306_other")->has_value());
  EXPECT_FALSE(store->GetSystemForClient("c5")->has_value());
  EXPECT_FALSE(store->GetSystemForClient("c9")->has_value());
  EXPECT_EQ(store->CreateSystem(SampleSystem("311654306_twice", {"c7", "c7"})).code(),
            Errc::kInvalidArgument);
  EXPECT_EQ(store->CreateSystem(SampleSystem("", {})).code(), Errc::kInvalidArgument);
  EXPECT_EQ(store->CreateSystem(SampleSystem("311654306_blank", {""})).code(),
            Errc::kInvalidArgument);
}

class SystemUserStoreTest : public StoreTest {};

TEST_P(SystemUserStoreTest, RequestRoundTripsAndFindReturnsTheNewestForTheReference) {
  ASSERT_TRUE(store->CreateSystem(SampleSystem("311654306_payroll", {"c1"})).ok());
  ASSERT_TRUE(store->CreateSystemUserRequest(SampleRequest("r1", "311654306_payroll")).ok());
  SystemUserRequestRecord newer = SampleRequest("r2", "311654306_payroll");
  newer.created += 10;
  ASSERT_TRUE(store->CreateSystemUserRequest(newer).ok());
  EXPECT_EQ(store->GetSystemUserRequest("r1")->value(), SampleRequest("r1", "311654306_payroll"));
  EXPECT_EQ(store->FindSystemUserRequest("311654306_payroll", "910753614", "customer-17")->value(),
            newer);
  EXPECT_FALSE(
      store->FindSystemUserRequest("311654306_payroll", "910753614", "910753614")->has_value());
  Status dup = store->CreateSystemUserRequest(SampleRequest("r1", "311654306_payroll"));
  EXPECT_EQ(dup.code(), Errc::kInvalidArgument);
  EXPECT_THAT(dup.message(), HasSubstr("already exists"));
  Status no_system = store->CreateSystemUserRequest(SampleRequest("r3", "311654306_nope"));
  EXPECT_EQ(no_system.code(), Errc::kNotFound);
  EXPECT_THAT(no_system.message(), HasSubstr("311654306_nope"));
  EXPECT_EQ(store->CreateSystemUserRequest(SampleRequest("", "311654306_payroll")).code(),
            Errc::kInvalidArgument);
}

TEST_P(SystemUserStoreTest, AcceptMakesTheSystemUserOnceAndRejectIsACompareAndSet) {
  ASSERT_TRUE(store->CreateSystem(SampleSystem("311654306_payroll", {"c1"})).ok());
  const SystemUserRequestRecord r1 = SampleRequest("r1", "311654306_payroll");
  ASSERT_TRUE(store->CreateSystemUserRequest(r1).ok());
  ASSERT_TRUE(store->AcceptSystemUserRequest("r1", UserFor(r1, "u1", 1790000200)).ok());

  SystemUserRequestRecord want = r1;
  want.status = SystemUserRequestStatus::kAccepted;
  want.decided = 1790000200;
  want.system_user_id = "u1";
  EXPECT_EQ(store->GetSystemUserRequest("r1")->value(), want);
  EXPECT_EQ(store->GetSystemUser("u1")->value(), UserFor(r1, "u1", 1790000200));
  EXPECT_EQ(store->FindSystemUser("311654306_payroll", "910753614", "customer-17")->value(),
            UserFor(r1, "u1", 1790000200));
  EXPECT_FALSE(store->FindSystemUser("311654306_payroll", "311654306", "customer-17")->has_value());

  // A second answer finds the request accepted.
  Status again = store->RejectSystemUserRequest("r1", 1790000300);
  EXPECT_EQ(again.code(), Errc::kInvalidArgument);
  EXPECT_THAT(again.message(), HasSubstr("is Accepted, not New"));

  // A second request for the same reference cannot make a second system user; it stays New.
  const SystemUserRequestRecord r2 = SampleRequest("r2", "311654306_payroll");
  ASSERT_TRUE(store->CreateSystemUserRequest(r2).ok());
  Status twice = store->AcceptSystemUserRequest("r2", UserFor(r2, "u2", 1790000400));
  EXPECT_EQ(twice.code(), Errc::kInvalidArgument);
  EXPECT_THAT(twice.message(), HasSubstr("already exists"));
  EXPECT_EQ(store->GetSystemUserRequest("r2")->value().status, SystemUserRequestStatus::kNew);
  EXPECT_FALSE(store->GetSystemUser("u2")->has_value());

  ASSERT_TRUE(store->RejectSystemUserRequest("r2", 1790000500).ok());
  EXPECT_EQ(store->GetSystemUserRequest("r2")->value().status, SystemUserRequestStatus::kRejected);
  EXPECT_EQ(store->GetSystemUserRequest("r2")->value().decided, 1790000500);
  EXPECT_EQ(store->RejectSystemUserRequest("nope", 1).code(), Errc::kNotFound);
  EXPECT_EQ(store->AcceptSystemUserRequest("nope", UserFor(r1, "u3", 1)).code(), Errc::kNotFound);
}

TEST_P(SystemUserStoreTest, ListsAndDeletesSystemUsers) {
  ASSERT_TRUE(store->CreateSystem(SampleSystem("311654306_payroll", {"c1"})).ok());
  ASSERT_TRUE(store->CreateSystem(SampleSystem("311654306_archive", {"c2"})).ok());
  SystemUserRequestRecord a = SampleRequest("ra", "311654306_payroll");
  SystemUserRequestRecord b = SampleRequest("rb", "311654306_archive");
  ASSERT_TRUE(store->CreateSystemUserRequest(a).ok());
  ASSERT_TRUE(store->CreateSystemUserRequest(b).ok());
  ASSERT_TRUE(store->AcceptSystemUserRequest("ra", UserFor(a, "ua", 10)).ok());
  ASSERT_TRUE(store->AcceptSystemUserRequest("rb", UserFor(b, "ub", 20)).ok());
  Result<std::vector<SystemUserRecord>> all = store->ListSystemUsers("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "ua");
  EXPECT_EQ((*all)[1].id, "ub");
  Result<std::vector<SystemUserRecord>> archive = store->ListSystemUsers("311654306_archive");
  ASSERT_TRUE(archive.ok());
  ASSERT_EQ(archive->size(), 1u);
  EXPECT_EQ((*archive)[0].id, "ub");

  ASSERT_TRUE(store->DeleteSystemUser("ua").ok());
  EXPECT_FALSE(store->GetSystemUser("ua")->has_value());
  EXPECT_FALSE(store->FindSystemUser("311654306_payroll", "910753614", "customer-17")->has_value());
  EXPECT_EQ(store->GetSystemUserRequest("ra")->value().status, SystemUserRequestStatus::kAccepted);
  EXPECT_EQ(store->DeleteSystemUser("ua").code(), Errc::kNotFound);
}

MP_INSTANTIATE_STORE_BACKENDS(SystemRegisterStoreTest);
MP_INSTANTIATE_STORE_BACKENDS(SystemUserStoreTest);

// ---- SQLite only

TEST(SystemUserStoreFile, MigratesAVersion3RegistryAndKeepsSystemUsersAcrossReopen) {
  testing::TempDir dir;
  const std::string path = dir.File("v3.db");
  {
    sqlite::Schema v3 = RegistrySchema();
    v3.migrations = v3.migrations.first(3);
    auto conn = sqlite::Connection::Open(path, v3, sqlite::Synchronous::kFull);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    EXPECT_FALSE((*conn)->Exec("SELECT 1 FROM systems").ok());
  }
  const SystemUserRequestRecord r1 = SampleRequest("r1", "311654306_payroll");
  {
    auto store = Open(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->CreateSystem(SampleSystem("311654306_payroll", {"c1"})).ok());
    ASSERT_TRUE(store->CreateSystemUserRequest(r1).ok());
    ASSERT_TRUE(store->AcceptSystemUserRequest("r1", UserFor(r1, "u1", 5)).ok());
  }
  auto store = Open(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->GetSystemForClient("c1")->value(), SampleSystem("311654306_payroll", {"c1"}));
  EXPECT_EQ(store->GetSystemUser("u1")->value(), UserFor(r1, "u1", 5));
  auto conn = OpenRegistryDatabase(path, sqlite::Synchronous::kFull);
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ((*conn)->UserVersion().value(), 4);
}

TEST(SystemUserStoreNames, RequestStatusNamesAreAltinnsAndRoundTrip) {
  for (SystemUserRequestStatus s :
       {SystemUserRequestStatus::kNew, SystemUserRequestStatus::kAccepted,
        SystemUserRequestStatus::kRejected, SystemUserRequestStatus::kDenied}) {
    EXPECT_EQ(ParseSystemUserRequestStatus(SystemUserRequestStatusName(s)), s);
  }
  EXPECT_EQ(SystemUserRequestStatusName(SystemUserRequestStatus::kNew), "New");
  EXPECT_FALSE(ParseSystemUserRequestStatus("accepted").has_value());
}

}  // namespace
}  // namespace mp::server
