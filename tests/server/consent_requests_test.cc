// The local Altinn 3 consent service (SPEC §14) over sockets: the enterprise consentrequests API,
// the person's local-only answers, expiry, and the token endpoint's answers for
// urn:altinn:consent, every refusal asserted byte for byte. Server and client share a FakeClock.
#include "server/altinn/consent_requests.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "maskinporten/base64.h"
#include "maskinporten/grant.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/token_client.h"
#include "server/altinn/altinn_consent.h"
#include "server/local_maskinporten_fixture.h"
#include "server/server_fixtures.h"
#include "testing/jose_fixtures.h"

namespace mp::server {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr int64_t kNow = testing::kLocalStartTime;  // 2026-09-21
constexpr std::string_view kInsurer = "910753614";
constexpr std::string_view kSupplier = "311654306";
constexpr std::string_view kOtherSupplier = "974760673";
constexpr std::string_view kNav = "889640782";
constexpr std::string_view kPerson = "01819010001";
constexpr std::string_view kOtherPerson = "02819010040";
constexpr std::string_view kScope = "nav:ssu";
const std::string kPath(kConsentRequestsPath);

std::string Org(std::string_view orgno) {
  return "urn:altinn:organization:identifier-no:" + std::string(orgno);
}
std::string Person(std::string_view fnr) {
  return "urn:altinn:person:identifier-no:" + std::string(fnr);
}

std::string Seed() {
  Json jwk = Json::parse(PublicKeyToJwk(testing::ClientPrivateKey().public_key(),
                                        {.kid = "k1", .alg = Algorithm::kRS256}));
  const std::string tt02 = "https://tt02.altinn.no/";
  Json scopes = {kConsentRequestsReadScope, kConsentRequestsWriteScope, kScope};
  auto client = [&](std::string id, std::string_view org) {
    return Json{{"client_id", id},
                {"client_name", id},
                {"client_orgno", org},
                {"scopes", scopes},
                {"keys", {jwk}}};
  };
  auto delegations = Json::array();
  for (std::string_view s : {kSupplier, kOtherSupplier}) {
    for (std::string_view scope : {kConsentRequestsWriteScope, kScope}) {
      delegations.push_back(
          {{"consumer_orgno", kInsurer}, {"supplier_orgno", s}, {"scope", scope}});
    }
  }
  Json seed = {{"organizations",
                {{{"orgno", kInsurer}, {"name", "TEST FORSIKRING AS"}},
                 {{"orgno", kSupplier}, {"name", "TEST REGNSKAPSSYSTEM AS"}},
                 {{"orgno", kOtherSupplier}, {"name", "ANNEN LEVERANDØR AS"}},
                 {{"orgno", kNav}, {"name", "NAV"}}}},
               // SPEC §14.1: a supplier asks through Altinn API delegation of the consent scopes.
               {"scopes",
                {{{"prefix", "altinn"},
                  {"subscope", "consentrequests.write"},
                  {"owner_orgno", kAltinnLocalOrg},
                  {"accessible_for_all", true},
                  {"delegation_source", tt02}},
                 {{"prefix", "nav"},
                  {"subscope", "ssu"},
                  {"owner_orgno", kNav},
                  {"delegation_source", tt02}}}},
               {"access",
                {{{"scope", kScope}, {"consumer_orgno", kInsurer}},
                 {{"scope", kScope}, {"consumer_orgno", kSupplier}}}},
               {"clients",
                {client("insurer", kInsurer), client("supplier", kSupplier),
                 client("other-supplier", kOtherSupplier)}},
               {"delegations", delegations}};
  return seed.dump();
}

Json RequestBody(std::string id, std::string valid_to = "2027-09-21T12:00:00.2597103+00:00") {
  return Json{{"id", id},
              {"from", Person(kPerson)},
              {"to", Org(kInsurer)},
              {"validTo", valid_to},
              {"consentRights",
               {{{"action", {"consent"}},
                 {"resource", {{{"type", "urn:altinn:resource"}, {"value", "nav_5252_2"}}}},
                 {"metaData", {{"navn", "TEST FORSIKRING AS"}}}}}},
              {"requestMessage", {{"nb", "Vi ber om samtykke"}}},
              {"redirectUrl", "https://insurer.example/back?x=1"}};
}

class Altinn3 : public testing::LocalMaskinportenTest {
 protected:
  void SetUp() override { StartServer(Seed()); }

  std::string Bearer(const std::string& client, std::optional<std::string_view> consumer_org = {},
                     std::string scope = std::string(kConsentRequestsWriteScope)) {
    return AccessToken(Spec(client, consumer_org, {scope}));
  }
  mp::HttpResponse Create(const Json& body, const std::string& bearer) {
    return Send("POST", kPath, body.dump(), bearer);
  }
  mp::HttpResponse Answer(const std::string& id, const std::string& what) {
    return Send("POST", "/emulator/consent/" + id + "/" + what, "", "");
  }
  // An accepted request `id` to the insurer, asked by the insurer itself or by `supplier`.
  void Accepted(const std::string& id, std::optional<std::string_view> supplier = {}) {
    std::string bearer =
        supplier ? Bearer(supplier == kSupplier ? "supplier" : "other-supplier", kInsurer)
                 : Bearer("insurer");
    ASSERT_EQ(Create(RequestBody(id), bearer).status, 201);
    ASSERT_EQ(Answer(id, "accept").status, 200);
  }
  static Json Consent(const std::string& id, std::string_view person = kPerson) {
    return Json{{"type", "urn:altinn:consent"}, {"id", id}, {"from", Person(person)}};
  }
};

const char* const kId = "77ed8698-e619-4066-9eb4-5c1eb3f165a1";
const char* const kId2 = "93413201-b7e8-4ec3-a899-580fc02c6aeb";

TEST_F(Altinn3, CreateAnswers201WithLocationAndTheStoredRequest) {
  mp::HttpResponse r = Create(RequestBody(kId), Bearer("insurer"));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string url = server_->base_url() + kPath + "/" + kId;
  bool location = false;
  for (const auto& [name, value] : r.headers) location |= name == "location" && value == url;
  EXPECT_TRUE(location);
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["status"], "created");
  EXPECT_EQ(j["from"], Person(kPerson));
  EXPECT_EQ(j["to"], Org(kInsurer));
  EXPECT_TRUE(j["handledBy"].is_null());
  EXPECT_TRUE(j["consented"].is_null());
  EXPECT_EQ(j["validTo"], "2027-09-21T12:00:00Z");
  EXPECT_EQ(j["consentRights"][0]["metadata"], (Json{{"navn", "TEST FORSIKRING AS"}}));
  EXPECT_EQ(j["requestMessage"], (Json{{"nb", "Vi ber om samtykke"}}));
  EXPECT_EQ(j["viewUri"], server_->base_url() + "/accessmanagement/ui/consent/request?id=" + kId);
  ASSERT_EQ(j["consentRequestEvents"].size(), 1u);
  EXPECT_EQ(j["consentRequestEvents"][0]["eventType"], "created");
  EXPECT_EQ(j["consentRequestEvents"][0]["performedBy"], Org(kInsurer));
  EXPECT_EQ(j["consentRequestEvents"][0]["consentRequestID"], kId);
  mp::HttpResponse got = Send("GET", kPath + "/" + kId, "",
                              Bearer("insurer", {}, std::string(kConsentRequestsReadScope)));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Json::parse(got.body), j);
}

TEST_F(Altinn3, TheSameIdAgainAnswersTheStoredRequestOrAm00016) {
  const std::string bearer = Bearer("insurer");
  ASSERT_EQ(Create(RequestBody(kId), bearer).status, 201);
  Json changed = RequestBody(kId);
  changed["redirectUrl"] = "https://insurer.example/other";  // not revalidated, not stored
  mp::HttpResponse again = Create(changed, bearer);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Json::parse(again.body)["redirectUrl"], "https://insurer.example/back?x=1");
  Json other = RequestBody(kId);
  other["from"] = Person(kOtherPerson);
  mp::HttpResponse refused = Create(other, bearer);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.Header("content-type"), "application/problem+json");
  EXPECT_EQ(Json::parse(refused.body)["code"], "AM-00016");
}

TEST_F(Altinn3, ASupplierAsksForItsCustomerAndBecomesHandledBy) {
  mp::HttpResponse r = Create(RequestBody(kId), Bearer("supplier", kInsurer));
  ASSERT_EQ(r.status, 201) << r.body;
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["handledBy"], Org(kSupplier));
  EXPECT_EQ(j["consentRequestEvents"][0]["performedBy"], Org(kSupplier));
  // The supplier's own token (no consumer_org) is not the consent's `to`: 403 without a body.
  mp::HttpResponse own = Create(RequestBody(kId2), Bearer("supplier"));
  EXPECT_EQ(own.status, 403);
  EXPECT_EQ(own.body, "");
}

TEST_F(Altinn3, AuthFailuresAre401And403WithoutBody) {
  mp::HttpResponse none = Create(RequestBody(kId), "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, "");
  mp::HttpResponse read_only =
      Create(RequestBody(kId), Bearer("insurer", {}, std::string(kConsentRequestsReadScope)));
  EXPECT_EQ(read_only.status, 403);
  EXPECT_EQ(read_only.body, "");
}

struct BadBody {
  const char* name;
  std::function<void(Json&)> edit;
  std::string code;
  std::string path;  // "" for AM codes
};

TEST_F(Altinn3, EachBadBodyIsItsAltinnProblem) {
  const std::vector<BadBody> cases = {
      {"id", [](Json& b) { b["id"] = "nope"; }, "STD-00000", "/id"},
      {"from", [](Json& b) { b["from"] = "01819010001"; }, "STD-00000", "/from"},
      {"to person", [](Json& b) { b["to"] = Person(kPerson); }, "STD-00000", "/to"},
      {"unknown org", [](Json& b) { b["from"] = Org("991825827"); }, "AM-00003", ""},
      {"past", [](Json& b) { b["validTo"] = "2026-01-01T00:00:00Z"; }, "STD-00000", "/validTo"},
      {"redirect", [](Json& b) { b["redirectUrl"] = "http://insurer.example/"; }, "STD-00000",
       "/redirectUrl"},
      {"resource", [](Json& b) { b["consentRights"][0]["resource"][0]["value"] = "nav_9999_1"; },
       "AM-00005", ""},
      {"unknown metadata", [](Json& b) { b["consentRights"][0]["metaData"]["aar"] = "2024"; },
       "AM-00006", ""},
      {"empty metadata", [](Json& b) { b["consentRights"][0]["metaData"]["navn"] = ""; },
       "AM-00007", ""},
      {"missing metadata", [](Json& b) { b["consentRights"][0].erase("metaData"); }, "AM-00008",
       ""},
      {"mixed",
       [](Json& b) {
         b["consentRights"].push_back(
             {{"action", {"consent"}},
              {"resource",
               {{{"type", "urn:altinn:resource"}, {"value", "standard-samtykke-for-dele-data"}}}},
              {"metadata", {{"inntektsaar", "2024"}}}});
       },
       "AM-00009", ""},
      {"extra member", [](Json& b) { b["coveredBy"] = "910753614"; }, "STD-00000", "/coveredBy"},
  };
  const std::string bearer = Bearer("insurer");
  for (const BadBody& c : cases) {
    Json body = RequestBody(kId);
    c.edit(body);
    mp::HttpResponse r = Create(body, bearer);
    EXPECT_EQ(r.status, 400) << c.name;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << c.name;
    Json j = Json::parse(r.body);
    EXPECT_EQ(j["code"], c.code) << c.name << " " << r.body;
    if (!c.path.empty()) {
      EXPECT_EQ(j["validationErrors"][0]["paths"][0], c.path) << c.name;
    }
  }
  // Nothing was stored.
  EXPECT_EQ(Send("GET", kPath + "/" + kId, "", bearer).status, 404);
}

TEST_F(Altinn3, ReadIs404ForUnknownAnd403ForAnotherOrg) {
  ASSERT_EQ(Create(RequestBody(kId), Bearer("insurer")).status, 201);
  mp::HttpResponse unknown = Send("GET", kPath + "/" + kId2, "", Bearer("insurer"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json::parse(unknown.body)["code"], "AM-00001");
  mp::HttpResponse other = Send("GET", kPath + "/" + kId, "", Bearer("supplier"));
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(Json::parse(other.body)["code"], "AM-00000");
}

TEST_F(Altinn3, ThePersonAcceptsThenRevokesAndEachStepIsAnEvent) {
  ASSERT_EQ(Create(RequestBody(kId), Bearer("insurer")).status, 201);
  clock_.SetSeconds(kNow + 60);
  mp::HttpResponse accepted = Answer(kId, "accept");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  Json j = Json::parse(accepted.body);
  EXPECT_EQ(j["status"], "accepted");
  EXPECT_EQ(j["consented"], "2026-09-21T14:14:20Z");
  EXPECT_EQ(j["consentRequestEvents"][1]["performedBy"], Person(kPerson));
  mp::HttpResponse twice = Answer(kId, "accept");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(Json::parse(twice.body)["code"], "AM-00002");
  EXPECT_EQ(Json::parse(Answer(kId, "reject").body)["code"], "AM-00030");
  mp::HttpResponse revoked = Answer(kId, "revoke");
  ASSERT_EQ(revoked.status, 200);
  Json r = Json::parse(revoked.body);
  EXPECT_EQ(r["status"], "revoked");
  ASSERT_EQ(r["consentRequestEvents"].size(), 3u);
  EXPECT_EQ(r["consentRequestEvents"][2]["eventType"], "revoked");
  EXPECT_EQ(Json::parse(Answer(kId, "revoke").body)["code"], "AM-00010");
  EXPECT_EQ(Answer(kId2, "accept").status, 404);
}

TEST_F(Altinn3, AReadAfterValidToMarksTheRequestExpiredWithAnEvent) {
  ASSERT_EQ(Create(RequestBody(kId, "2026-10-01T00:00:00Z"), Bearer("insurer")).status, 201);
  clock_.SetSeconds(kNow + 20 * 86400);
  mp::HttpResponse r = Send("GET", kPath + "/" + kId, "", Bearer("insurer"));
  ASSERT_EQ(r.status, 200);
  Json j = Json::parse(r.body);
  EXPECT_EQ(j["status"], "expired");
  EXPECT_EQ(j["consentRequestEvents"][1]["eventType"], "expired");
  EXPECT_EQ(j["consentRequestEvents"][1]["created"], "2026-10-01T00:00:00Z");
  EXPECT_TRUE(j["consentRequestEvents"][1]["performedBy"].is_null());
  EXPECT_EQ(Json::parse(Answer(kId, "accept").body)["code"], "AM-00002");
}

TEST_F(Altinn3, ThePersonsEndpointsAnswerOnlyTheirOwnOrigin) {
  ASSERT_EQ(Create(RequestBody(kId), Bearer("insurer")).status, 201);
  mp::HttpRequest req{.method = "POST",
                      .url = server_->base_url() + "/emulator/consent/" + kId + "/accept",
                      .headers = {{"Origin", "https://evil.example"}}};
  Result<mp::HttpResponse> r = http_->Send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 403);
  mp::HttpResponse view = Send("GET", "/emulator/consent/" + std::string(kId), "", "");
  ASSERT_EQ(view.status, 200);
  Json j = Json::parse(view.body);
  EXPECT_EQ(j["status"], "created");
  EXPECT_EQ(j["organizationNames"][std::string(kInsurer)], "TEST FORSIKRING AS");
  EXPECT_EQ(j["resourceTitles"]["nav_5252_2"], "NAV: syke- og uføreopplysninger (SSU)");
}

// ---- the token endpoint (SPEC §14.3)

TEST_F(Altinn3, TheInsurersTokenCarriesTheConsentEntry) {
  clock_.SetSeconds(kNow);
  ASSERT_NO_FATAL_FAILURE(Accepted(kId));
  mp::HttpResponse r = PostGrant(Spec("insurer", {}, {std::string(kScope)}, Consent(kId)));
  ASSERT_EQ(r.status, 200) << r.body;
  // The payload as the server wrote it: SPEC §14.3's member order.
  const std::string token = Json::parse(r.body)["access_token"].get<std::string>();
  const size_t dot = token.find('.');
  const std::string payload =
      Base64UrlDecode(token.substr(dot + 1, token.find('.', dot + 1) - dot - 1)).value();
  EXPECT_THAT(
      payload,
      HasSubstr(std::string(R"("authorization_details":[{"type":"urn:altinn:consent","id":")") +
                kId +
                R"(","from":"urn:altinn:person:identifier-no:01819010001","to":{"authority":)"
                R"("iso6523-actorid-upis","ID":"0192:910753614"},"consented":)"
                R"("2026-09-21T14:13:20Z","validTo":"2027-09-21T12:00:00Z","consentRights":)"
                R"([{"action":["consent"],"resource":[{"type":"urn:altinn:resource","value":)"
                R"("nav_5252_2"}],"metadata":{"navn":"TEST FORSIKRING AS"}}]}])"));
}

TEST_F(Altinn3, TheSupplierHandlingItGetsTheConsentWithConsumerOrg) {
  ASSERT_NO_FATAL_FAILURE(Accepted(kId, kSupplier));
  mp::HttpResponse r = PostGrant(Spec("supplier", kInsurer, {std::string(kScope)}, Consent(kId)));
  ASSERT_EQ(r.status, 200) << r.body;
  Json token = testing::JwtPayload(Json::parse(r.body)["access_token"].get<std::string>());
  EXPECT_EQ(token["consumer"]["ID"], "0192:910753614");
  EXPECT_EQ(token["supplier"]["ID"], "0192:311654306");
  EXPECT_EQ(token["authorization_details"][0]["to"]["ID"], "0192:910753614");
}

TEST_F(Altinn3, EveryConsentRefusalIsMp303WithAltinnsTitle) {
  const std::string prefix = "Invalid authorization details values. ";
  // Unknown id.
  ExpectMp303(PostGrant(Spec("insurer", {}, {std::string(kScope)}, Consent(kId))),
              prefix + "Consent not found");
  // Not accepted (created), and rejected.
  ASSERT_EQ(Create(RequestBody(kId), Bearer("insurer")).status, 201);
  ExpectMp303(PostGrant(Spec("insurer", {}, {std::string(kScope)}, Consent(kId))),
              prefix + "Consent is not accepted");
  ASSERT_EQ(Answer(kId, "reject").status, 200);
  ExpectMp303(PostGrant(Spec("insurer", {}, {std::string(kScope)}, Consent(kId))),
              prefix + "Consent is not accepted");
  // `from` another person.
  ASSERT_NO_FATAL_FAILURE(Accepted(kId2));
  ExpectMp303(PostGrant(Spec("insurer", {}, {std::string(kScope)}, Consent(kId2, kOtherPerson))),
              prefix + "The consented party does not match the party requested");
  // Given to another org: the supplier's own token (not `to`, not handledBy) finds nothing.
  ExpectMp303(PostGrant(Spec("supplier", {}, {std::string(kScope)}, Consent(kId2))),
              prefix + "Consent not found");
  // Revoked.
  ASSERT_EQ(Answer(kId2, "revoke").status, 200);
  ExpectMp303(PostGrant(Spec("insurer", {}, {std::string(kScope)}, Consent(kId2))),
              prefix + "Consent is revoked");
}

TEST_F(Altinn3, AnExpiredConsentIsMp303EvenBeforeAnyRead) {
  ASSERT_EQ(Create(RequestBody(kId, "2026-10-01T00:00:00Z"), Bearer("insurer")).status, 201);
  ASSERT_EQ(Answer(kId, "accept").status, 200);
  clock_.SetSeconds(kNow + 20 * 86400);
  ExpectMp303(PostGrant(Spec("insurer", {}, {std::string(kScope)}, Consent(kId))),
              "Invalid authorization details values. Consent is expired");
}

TEST_F(Altinn3, ASupplierNeedsConsumerOrgAndMustBeTheOneHandlingIt) {
  const std::string prefix = "Invalid authorization details values. ";
  ASSERT_NO_FATAL_FAILURE(Accepted(kId, kSupplier));
  // handledBy without consumer_org: Altinn finds it, but the token's consumer is not `to`.
  ExpectMp303(PostGrant(Spec("supplier", {}, {std::string(kScope)}, Consent(kId))),
              prefix + "Consent is given to 910753614, not to the consumer 311654306");
  // Another supplier of the same customer, with consumer_org: it does not handle this consent.
  ExpectMp303(PostGrant(Spec("other-supplier", kInsurer, {std::string(kScope)}, Consent(kId))),
              prefix + "Consent is handled by another supplier");
}

}  // namespace
}  // namespace mp::server
