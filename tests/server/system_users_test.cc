// The local Altinn 3 system register and system users (SPEC §15) over sockets: the vendor's
// systemregister and systemuser request APIs, the customer's local-only answers, Maskinporten's
// byExternalId lookup, and the token endpoint's answers for urn:altinn:systemuser, every refusal
// asserted byte for byte. Server and client share a FakeClock.
#include "server/altinn/system_users.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "grant/grant_rules.h"
#include "maskinporten/base64.h"
#include "maskinporten/grant.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/local_maskinporten.h"
#include "server/altinn/altinn_consent.h"
#include "server/local_maskinporten_fixture.h"
#include "server/server_fixtures.h"
#include "testing/jose_fixtures.h"

namespace mp::server {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr std::string_view kVendor = "311654306";
constexpr std::string_view kOtherVendor = "974760673";
constexpr std::string_view kCustomer = "910753614";
constexpr std::string_view kOtherCustomer = "889640782";
constexpr std::string_view kScope = "skatteetaten:mva";
const std::string kSystemId = std::string(kVendor) + "_payroll";
const std::string kRegister(kSystemRegisterPath);
const std::string kRequests(kSystemUserRequestPath);

std::string Seed() {
  Json jwk = Json::parse(PublicKeyToJwk(testing::ClientPrivateKey().public_key(),
                                        {.kid = "k1", .alg = Algorithm::kRS256}));
  Json scopes = {kSystemRegisterWriteScope, kSystemUserRequestWriteScope,
                 kSystemUserRequestReadScope, kSystemUserLookupScope, kScope};
  auto client = [&](std::string id, std::string_view org) {
    return Json{{"client_id", id},
                {"client_name", id},
                {"client_orgno", org},
                {"scopes", scopes},
                {"keys", {jwk}}};
  };
  Json seed = {{"organizations",
                {{{"orgno", kVendor}, {"name", "TEST REGNSKAPSSYSTEM AS"}},
                 {{"orgno", kOtherVendor}, {"name", "ANNEN LEVERANDØR AS"}},
                 {{"orgno", kCustomer}, {"name", "TEST FORSIKRING AS"}},
                 {{"orgno", kOtherCustomer}, {"name", "ANNEN KUNDE AS"}}}},
               {"scopes",
                {{{"prefix", "skatteetaten"},
                  {"subscope", "mva"},
                  {"owner_orgno", kOtherCustomer},
                  {"accessible_for_all", true},
                  {"delegation_source", "https://tt02.altinn.no/"}}}},
               {"clients",
                {client("vendor", kVendor), client("vendor-unregistered", kVendor),
                 client("other-vendor", kOtherVendor)}},
               {"delegations",
                {{{"consumer_orgno", kCustomer}, {"supplier_orgno", kVendor}, {"scope", kScope}}}}};
  return seed.dump();
}

Json SystemBody(std::string id = kSystemId, Json clients = Json::array({"vendor"})) {
  return Json{{"id", id},
              {"vendor", {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:311654306"}}},
              {"name", {{"nb", "Lønn"}, {"en", "Payroll"}}},
              {"description", {{"nb", "Lønnssystem"}}},
              {"rights",
               {{{"resource", {{{"id", "urn:altinn:resource"}, {"value", "ske-mva"}}}}},
                {{"resource", {{{"id", "urn:altinn:resource"}, {"value", "ske-krav"}}}}}}},
              {"accessPackages", {{{"urn", "urn:altinn:accesspackage:skattnaering"}}}},
              {"clientId", clients},
              {"allowedRedirectUrls", {"https://vendor.example/done"}},
              {"isVisible", true}};
}

Json RequestBody(std::string_view party = kCustomer, std::optional<std::string> ref = {}) {
  Json body = {
      {"systemId", kSystemId},
      {"partyOrgNo", party},
      {"rights", {{{"resource", {{{"id", "urn:altinn:resource"}, {"value", "ske-mva"}}}}}}},
      {"redirectUrl", "https://vendor.example/done"}};
  if (ref) body["externalRef"] = *ref;
  return body;
}

class SystemUsers : public testing::LocalMaskinportenTest {
 protected:
  void SetUp() override { StartServer(Seed()); }

  mp::HttpResponse PostGrant(const std::string& client, std::optional<Json> details,
                             std::optional<std::string_view> consumer_org = {}) {
    return LocalMaskinportenTest::PostGrant(
        Spec(client, consumer_org, {std::string(kScope)}, std::move(details)));
  }
  std::string Bearer(const std::string& client, std::string_view scope) {
    return AccessToken(Spec(client, {}, {std::string(scope)}));
  }
  mp::HttpResponse Register(const Json& body, const std::string& client = "vendor") {
    return Send("POST", kRegister, body.dump(), Bearer(client, kSystemRegisterWriteScope));
  }
  mp::HttpResponse Ask(const Json& body, const std::string& client = "vendor") {
    return Send("POST", kRequests, body.dump(), Bearer(client, kSystemUserRequestWriteScope));
  }
  mp::HttpResponse Answer(const std::string& id, const std::string& what) {
    return Send("POST", "/emulator/systemuser/request/" + id + "/" + what, "", "");
  }
  // A registered system and an approved system user of `party`; returns the request's answer.
  Json Approved(std::string_view party = kCustomer, std::optional<std::string> ref = {}) {
    mp::HttpResponse reg = Register(SystemBody());
    EXPECT_TRUE(reg.status == 201 || reg.status == 400) << reg.body;
    mp::HttpResponse asked = Ask(RequestBody(party, ref));
    EXPECT_EQ(asked.status, 201) << asked.body;
    mp::HttpResponse accepted = Answer(Json::parse(asked.body)["id"], "accept");
    EXPECT_EQ(accepted.status, 200) << accepted.body;
    return Json::parse(accepted.body);
  }
  static Json Entry(std::string_view org, std::optional<std::string> ref = {},
                    std::string_view id_member = "ID") {
    Json e = {{"type", "urn:altinn:systemuser"},
              {"systemuser_org",
               {{"authority", "iso6523-actorid-upis"}, {id_member, "0192:" + std::string(org)}}}};
    if (ref) e["externalRef"] = *ref;
    return e;
  }
  static Json Payload(const mp::HttpResponse& r) {
    std::string token = Json::parse(r.body)["access_token"];
    std::string payload = token.substr(token.find('.') + 1);
    payload = payload.substr(0, payload.find('.'));
    return Json::parse(Base64UrlDecode(payload).value());
  }
  static void ExpectProblem(const mp::HttpResponse& r, int status, std::string_view code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(Json::parse(r.body).value("code", ""), code) << r.body;
  }
};

const std::string kNotFound = "Invalid authorization details values. " +
                              std::string(mp::grant_internal::kSystemUserNotFoundTitle);

TEST_F(SystemUsers, RegisterAnswers201AndTheSystemReadsBack) {
  mp::HttpResponse r = Register(SystemBody());
  ASSERT_EQ(r.status, 201) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["id"], kSystemId);
  EXPECT_EQ(j["vendor"]["ID"], "0192:311654306");
  EXPECT_EQ(j["clientId"], Json::array({"vendor"}));
  EXPECT_EQ(j["rights"][1]["resource"][0]["value"], "ske-krav");
  bool location = false;
  for (const auto& [name, value] : r.headers) {
    location |= name == "location" && value == server_->base_url() + kRegister + "/" + kSystemId;
  }
  EXPECT_TRUE(location);
  mp::HttpResponse got =
      Send("GET", kRegister + "/" + kSystemId, "", Bearer("vendor", kSystemRegisterWriteScope));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Json::parse(got.body), j);
  ExpectProblem(Send("GET", kRegister + "/" + kSystemId, "",
                     Bearer("other-vendor", kSystemRegisterWriteScope)),
                403, "");
  ExpectProblem(Send("GET", kRegister + "/nope", "", Bearer("vendor", kSystemRegisterWriteScope)),
                404, "AUTH-00011");
}

TEST_F(SystemUsers, RegisterRefusesWhatAltinnRefuses) {
  Json bad = SystemBody();
  bad["vendor"]["ID"] = "0192:311654307";
  ExpectProblem(Register(bad), 400, "AUTH.VLD-00000");
  ExpectProblem(Register(SystemBody("974760673_payroll")), 400, "AUTH.VLD-00001");
  ExpectProblem(Register(SystemBody("311654306_")), 400, "AUTH.VLD-00001");
  bad = SystemBody();
  bad["rights"][0]["resource"][0]["id"] = "urn:altinn:app";
  ExpectProblem(Register(bad), 400, "AUTH.VLD-00009");
  bad = SystemBody();
  bad["rights"][1] = bad["rights"][0];
  ExpectProblem(Register(bad), 400, "AUTH.VLD-00006");
  bad = SystemBody();
  bad["accessPackages"].push_back(bad["accessPackages"][0]);
  ExpectProblem(Register(bad), 400, "AUTH.VLD-00007");
  bad = SystemBody();
  bad["accessPackages"][0]["urn"] = "skattnaering";
  ExpectProblem(Register(bad), 400, "AUTH.VLD-00008");
  bad = SystemBody();
  bad["allowedRedirectUrls"] = {"http://vendor.example/done"};
  ExpectProblem(Register(bad), 400, "AUTH.VLD-00005");
  bad = SystemBody();
  bad["surprise"] = 1;
  ExpectProblem(Register(bad), 400, "STD-00000");
  bad = SystemBody();
  bad.erase("name");
  ExpectProblem(Register(bad), 400, "STD-00000");
  // Another vendor's token cannot register a system in this vendor's name.
  EXPECT_EQ(Register(SystemBody(), "other-vendor").status, 403);

  ASSERT_EQ(Register(SystemBody()).status, 201);
  ExpectProblem(Register(SystemBody()), 400, "AUTH.VLD-00002");
  // SPEC §15: one system per client id.
  ExpectProblem(Register(SystemBody(kSystemId + "2")), 400, "AUTH.VLD-00004");
  // Without the scope, 403 insufficient_scope.
  EXPECT_EQ(
      Send("POST", kRegister, SystemBody().dump(), Bearer("vendor", kSystemUserRequestWriteScope))
          .status,
      403);
}

TEST_F(SystemUsers, RequestAnswers201NewWithConfirmUrlAndReadsBackByIdAndExternalRef) {
  ASSERT_EQ(Register(SystemBody()).status, 201);
  mp::HttpResponse r = Ask(RequestBody(kCustomer, "customer-17"));
  ASSERT_EQ(r.status, 201) << r.body;
  Json j = Json::parse(r.body);
  const std::string id = j["id"];
  EXPECT_EQ(j["status"], "New");
  EXPECT_EQ(j["externalRef"], "customer-17");
  EXPECT_EQ(j["partyOrgNo"], kCustomer);
  EXPECT_EQ(j["systemId"], kSystemId);
  EXPECT_EQ(j["confirmUrl"], server_->base_url() + "/authfront/ui/auth/vendorrequest?id=" + id);
  const std::string read = Bearer("vendor", kSystemUserRequestReadScope);
  mp::HttpResponse got = Send("GET", kRequests + "/" + id, "", read);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Json::parse(got.body), j);
  mp::HttpResponse by_ref =
      Send("GET", kRequests + "/byexternalref/" + kSystemId + "/910753614/customer-17", "", read);
  ASSERT_EQ(by_ref.status, 200) << by_ref.body;
  EXPECT_EQ(Json::parse(by_ref.body)["id"], id);
  ExpectProblem(Send("GET", kRequests + "/00000000-0000-4000-8000-000000000000", "", read), 404,
                "AUTH-00010");
  EXPECT_EQ(
      Send("GET", kRequests + "/" + id, "", Bearer("other-vendor", kSystemUserRequestReadScope))
          .status,
      403);
  // The default externalRef is the customer's org number.
  mp::HttpResponse plain = Ask(RequestBody(kOtherCustomer));
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_EQ(Json::parse(plain.body)["externalRef"], kOtherCustomer);
  EXPECT_TRUE(Json::parse(plain.body)["redirectUrl"] == "https://vendor.example/done");
}

TEST_F(SystemUsers, RequestRefusesWhatAltinnRefuses) {
  ExpectProblem(Ask(RequestBody()), 404, "AUTH-00011");
  ASSERT_EQ(Register(SystemBody()).status, 201);
  EXPECT_EQ(Ask(RequestBody(), "other-vendor").status, 403);
  Json bad = RequestBody();
  bad["rights"][0]["resource"][0]["value"] = "not-in-the-system";
  ExpectProblem(Ask(bad), 400, "AUTH-00001");
  bad = RequestBody();
  bad["redirectUrl"] = "https://elsewhere.example/";
  ExpectProblem(Ask(bad), 400, "AUTH-00021");
  bad = RequestBody();
  bad["partyOrgNo"] = "123456789";
  ExpectProblem(Ask(bad), 400, "STD-00000");
  ExpectProblem(Ask(RequestBody("986186678")), 400, "STD-00000");  // valid, not registered
  bad = RequestBody();
  bad.erase("rights");
  ExpectProblem(Ask(bad), 400, "STD-00000");

  // The same system, customer and externalRef again: pending, then accepted, then rejected.
  mp::HttpResponse first = Ask(RequestBody());
  ASSERT_EQ(first.status, 201);
  ExpectProblem(Ask(RequestBody()), 400, "AUTH-00007");
  ASSERT_EQ(Answer(Json::parse(first.body)["id"], "accept").status, 200);
  ExpectProblem(Ask(RequestBody()), 400, "AUTH-00006");
  mp::HttpResponse other = Ask(RequestBody(kCustomer, "ref-2"));
  ASSERT_EQ(Answer(Json::parse(other.body)["id"], "reject").status, 200);
  ExpectProblem(Ask(RequestBody(kCustomer, "ref-2")), 400, "AUTH-00009");
}

TEST_F(SystemUsers, TheCustomerAnswersOnceAndMayDeleteTheSystemUser) {
  ASSERT_EQ(Register(SystemBody()).status, 201);
  mp::HttpResponse asked = Ask(RequestBody());
  const std::string id = Json::parse(asked.body)["id"];
  mp::HttpResponse view = Send("GET", "/emulator/systemuser/request/" + id, "", "");
  ASSERT_EQ(view.status, 200) << view.body;
  Json v = Json::parse(view.body);
  EXPECT_EQ(v["system"]["name"]["nb"], "Lønn");
  EXPECT_EQ(v["organizationNames"][std::string(kVendor)], "TEST REGNSKAPSSYSTEM AS");
  EXPECT_EQ(v["organizationNames"][std::string(kCustomer)], "TEST FORSIKRING AS");
  EXPECT_TRUE(v["systemUserId"].is_null());

  mp::HttpResponse accepted = Answer(id, "accept");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  Json a = Json::parse(accepted.body);
  EXPECT_EQ(a["status"], "Accepted");
  ASSERT_TRUE(a["systemUserId"].is_string());
  ExpectProblem(Answer(id, "reject"), 409, "AUTH-00013");
  ExpectProblem(Answer("nope", "accept"), 404, "AUTH-00010");
  // The vendor polls the request and sees it accepted.
  EXPECT_EQ(Json::parse(
                Send("GET", kRequests + "/" + id, "", Bearer("vendor", kSystemUserRequestReadScope))
                    .body)["status"],
            "Accepted");

  const std::string user = a["systemUserId"];
  EXPECT_EQ(Send("DELETE", "/emulator/systemuser/" + user, "", "").status, 204);
  ExpectProblem(Send("DELETE", "/emulator/systemuser/" + user, "", ""), 404, "AUTH-00015");
  // Once deleted, the vendor may ask again.
  EXPECT_EQ(Ask(RequestBody()).status, 201);
}

TEST_F(SystemUsers, CustomerEndpointsAnswerOnlyTheServersOwnPages) {
  mp::HttpRequest req{.method = "POST",
                      .url = server_->base_url() + "/emulator/systemuser/request/x/accept"};
  req.headers.push_back({"Origin", "https://evil.example"});
  Result<mp::HttpResponse> r = http_->Send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 403);
  EXPECT_THAT(r->body, HasSubstr("loopback peers and this server's own pages"));
}

TEST_F(SystemUsers, ByExternalIdFindsTheApprovedSystemUser) {
  Json accepted = Approved(kCustomer, "customer-17");
  const std::string lookup = Bearer("vendor", kSystemUserLookupScope);
  auto find = [&](std::string query) {
    return Send("GET", std::string(kSystemUserLookupPath) + "?" + query, "", lookup);
  };
  mp::HttpResponse r = find(
      "clientid=vendor&systemproviderorgno=311654306&systemuserownerorgno=910753614&"
      "externalref=customer-17");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["id"], accepted["systemUserId"]);
  EXPECT_EQ(j["systemId"], kSystemId);
  EXPECT_EQ(j["reporteeOrgNo"], kCustomer);
  EXPECT_EQ(j["externalRef"], "customer-17");
  // The default externalRef is the owner org: this system user has another one.
  ExpectProblem(
      find("clientid=vendor&systemproviderorgno=311654306&systemuserownerorgno=910753614"), 404,
      "AUTH-00015");
  ExpectProblem(find("clientid=vendor&systemproviderorgno=974760673&systemuserownerorgno=910753614&"
                     "externalref=customer-17"),
                404, "AUTH-00015");
  ExpectProblem(find("clientid=other-vendor&systemproviderorgno=311654306&"
                     "systemuserownerorgno=910753614&externalref=customer-17"),
                404, "AUTH-00015");
  ExpectProblem(find("clientid=vendor"), 400, "STD-00000");
}

// ---- the token endpoint (SPEC §15) ----

TEST_F(SystemUsers, TokenCarriesTheSystemUserEntryWithTheVendorAsConsumer) {
  Json accepted = Approved();
  mp::HttpResponse r = PostGrant("vendor", Entry(kCustomer));
  ASSERT_EQ(r.status, 200) << r.body;
  Json p = Payload(r);
  Json want = Json::array(
      {{{"type", "urn:altinn:systemuser"},
        {"systemuser_id", {accepted["systemUserId"]}},
        {"systemuser_org", {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:910753614"}}},
        {"system_id", kSystemId}}});
  EXPECT_EQ(p["authorization_details"], want);
  EXPECT_EQ(p["consumer"]["ID"], "0192:311654306");
  EXPECT_FALSE(p.contains("supplier"));
  // SPEC §15: Altinn's example spells it "id"; the token always says "ID".
  mp::HttpResponse lower = PostGrant("vendor", Entry(kCustomer, {}, "id"));
  ASSERT_EQ(lower.status, 200) << lower.body;
  EXPECT_EQ(Payload(lower)["authorization_details"], want);
  // The entry keeps the member order SPEC shows.
  const std::string token = Json::parse(r.body)["access_token"];
  const std::string payload =
      Base64UrlDecode(token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1))
          .value();
  EXPECT_THAT(payload, HasSubstr(R"({"type":"urn:altinn:systemuser","systemuser_id":[)"));
}

TEST_F(SystemUsers, TokenWithAnExternalRefNeedsThatRef) {
  Approved(kCustomer, "customer-17");
  ASSERT_EQ(PostGrant("vendor", Entry(kCustomer, "customer-17")).status, 200);
  ExpectMp303(PostGrant("vendor", Entry(kCustomer)), kNotFound);
  ExpectMp303(PostGrant("vendor", Entry(kCustomer, "customer-18")), kNotFound);
}

TEST_F(SystemUsers, TokenIsRefusedWithMp303WithoutAnApprovedSystemUser) {
  // No system holds the client.
  ExpectMp303(PostGrant("vendor", Entry(kCustomer)), kNotFound);
  ASSERT_EQ(Register(SystemBody()).status, 201);
  // A client of the vendor that the system does not list.
  ExpectMp303(PostGrant("vendor-unregistered", Entry(kCustomer)), kNotFound);
  // Requested, not yet approved.
  mp::HttpResponse asked = Ask(RequestBody());
  ASSERT_EQ(asked.status, 201);
  ExpectMp303(PostGrant("vendor", Entry(kCustomer)), kNotFound);
  // Rejected.
  ASSERT_EQ(Answer(Json::parse(asked.body)["id"], "reject").status, 200);
  ExpectMp303(PostGrant("vendor", Entry(kCustomer)), kNotFound);
  // Approved for another customer only.
  mp::HttpResponse other = Ask(RequestBody(kOtherCustomer));
  ASSERT_EQ(Answer(Json::parse(other.body)["id"], "accept").status, 200);
  ExpectMp303(PostGrant("vendor", Entry(kCustomer)), kNotFound);
  ASSERT_EQ(PostGrant("vendor", Entry(kOtherCustomer)).status, 200);
  // Deleted by the customer.
  const std::string user = Json::parse(
      Send("GET",
           "/emulator/systemuser/request/" + Json::parse(other.body)["id"].get<std::string>(), "",
           "")
          .body)["systemUserId"];
  ASSERT_EQ(Send("DELETE", "/emulator/systemuser/" + user, "", "").status, 204);
  ExpectMp303(PostGrant("vendor", Entry(kOtherCustomer)), kNotFound);
}

TEST_F(SystemUsers, AnotherVendorsSystemIsNotTheClientsSystem) {
  // The other vendor lists a client of this vendor in its own system: the lookup's
  // systemproviderorgno (the client's org) does not match.
  Json body = SystemBody("974760673_payroll", Json::array({"vendor-unregistered"}));
  body["vendor"]["ID"] = "0192:974760673";
  ASSERT_EQ(Register(body, "other-vendor").status, 201);
  ExpectMp303(PostGrant("vendor-unregistered", Entry(kCustomer)), kNotFound);
}

TEST_F(SystemUsers, ConsumerOrgWithASystemUserIsMp303) {
  Approved();
  ExpectMp303(PostGrant("vendor", Entry(kCustomer), kCustomer),
              "Invalid authorization details values. " +
                  std::string(mp::grant_internal::kSystemUserWithConsumerOrgTitle));
}

TEST_F(SystemUsers, BadSystemUserValuesAreMp303) {
  Json e = Entry(kCustomer);
  e["externalRef"] = "";
  ExpectMp303(PostGrant("vendor", e), "Invalid authorization details values");
  e = Entry("910753615");  // bad check digit
  ExpectMp303(PostGrant("vendor", e), "Invalid authorization details values");
}

}  // namespace
}  // namespace mp::server
