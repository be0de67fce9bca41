// AdminClient against an in-memory HttpClient: the request of every operation (method, URL,
// headers, body), the typed reading of the answers, the read-modify-write operations, and the
// mapping of refusals, network failures and unreadable answers to Status and AdminError.
#include "maskinporten/admin_client.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json.h"
#include "testing/fake_http_client.h"

namespace mp {
namespace {

using ::testing::ElementsAre;
using testing::FakeHttpClient;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kApi[] = "https://api.example/api/v1";
constexpr char kConsentApi[] = "http://127.0.0.1:8080/altinn";
constexpr char kToken[] = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImlkcG9ydGVuIn0.c2lnbmF0dXJl";

std::optional<std::string> HeaderOf(const HttpRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

Json BodyOf(const HttpRequest& r) {
  Result<Json> j = ParseStrictJson(r.body);
  EXPECT_TRUE(j.ok()) << r.body;
  return j.ok() ? *j : Json();
}

class AdminClientTest : public ::testing::Test {
 protected:
  AdminClient Client() const {
    return AdminClient({.api_url = std::string(kApi) + "/",
                        .consent_api_url = kConsentApi,
                        .access_token = kToken,
                        .http = http_});
  }
  HttpRequest Request(size_t i) const {
    std::vector<HttpRequest> all = http_->Requests();
    EXPECT_LT(i, all.size());
    return i < all.size() ? all[i] : HttpRequest{};
  }

  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
};

// ---- every operation: method, URL and body ----

struct OperationCase {
  std::string name;
  std::function<Status(const AdminClient&)> call;
  std::string method;
  std::string url;
  std::string body;    // the JSON body expected, "" for none
  std::string answer;  // what the fake API answers (200)
};

class AdminOperation : public AdminClientTest,
                       public ::testing::WithParamInterface<OperationCase> {};

TEST_P(AdminOperation, SendsTheRequestWithTheTokenAndReadsTheAnswer) {
  const OperationCase& c = GetParam();
  http_->PushJson(200, c.answer);
  Status s = c.call(Client());
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(http_->CallCount(), 1u);
  HttpRequest r = Request(0);
  EXPECT_EQ(r.method, c.method);
  EXPECT_EQ(r.url, c.url);
  EXPECT_EQ(HeaderOf(r, "Authorization"), "Bearer " + std::string(kToken));
  EXPECT_EQ(HeaderOf(r, "Accept"), "application/json");
  if (c.body.empty()) {
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(HeaderOf(r, "Content-Type"), std::nullopt);
  } else {
    EXPECT_EQ(BodyOf(r), Json::parse(c.body));
    EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/json");
  }
}

const std::string kClientAnswer = R"({"client_id":"c/1","client_name":"app"})";
const std::string kScopeAnswer = R"({"name":"myorg:a/b"})";
const std::string kAccessAnswer = R"({"scope":"myorg:a/b","state":"APPROVED"})";
const std::string kDelegationAnswer = R"({"scope":"myorg:a/b","supplier_orgno":"910753614"})";
const std::string kConsentAnswer = R"({"AuthorizationCode":"code-1","RequestStatus":"Unopened"})";

INSTANTIATE_TEST_SUITE_P(
    Every, AdminOperation,
    ::testing::Values(
        OperationCase{"ListClients",
                      [](const AdminClient& a) { return a.ListClients().status(); }, "GET",
                      std::string(kApi) + "/clients", "", "[]"},
        OperationCase{"ListClientsWithDeactivated",
                      [](const AdminClient& a) {
                        return a.ListClients(Deactivated::kInclude).status();
                      },
                      "GET", std::string(kApi) + "/clients?inactive=true", "", "[]"},
        OperationCase{"GetClient", [](const AdminClient& a) { return a.GetClient("c/1").status(); },
                      "GET", std::string(kApi) + "/clients/c%2F1", "", kClientAnswer},
        OperationCase{"CreateClient",
                      [](const AdminClient& a) {
                        return a
                            .CreateClient({.client_name = "app",
                                           .scopes = {"nav:a", "nav:b"},
                                           .access_token_lifetime = 300})
                            .status();
                      },
                      "POST", std::string(kApi) + "/clients",
                      R"({"client_name":"app","description":"app",
                          "integration_type":"maskinporten",
                          "token_endpoint_auth_method":"private_key_jwt",
                          "grant_types":["urn:ietf:params:oauth:grant-type:jwt-bearer"],
                          "scopes":["nav:a","nav:b"],"access_token_lifetime":300})",
                      kClientAnswer},
        OperationCase{"CreateClientWithDescriptionAndDefaultLifetime",
                      [](const AdminClient& a) {
                        return a.CreateClient({.client_name = "app", .description = "Data"})
                            .status();
                      },
                      "POST", std::string(kApi) + "/clients",
                      R"({"client_name":"app","description":"Data",
                          "integration_type":"maskinporten",
                          "token_endpoint_auth_method":"private_key_jwt",
                          "grant_types":["urn:ietf:params:oauth:grant-type:jwt-bearer"],
                          "scopes":[]})",
                      kClientAnswer},
        OperationCase{"DeleteClient",
                      [](const AdminClient& a) { return a.DeleteClient("c/1").status(); },
                      "DELETE", std::string(kApi) + "/clients/c%2F1", "", kClientAnswer},
        OperationCase{"GetClientKeys",
                      [](const AdminClient& a) { return a.GetClientKeys("c/1").status(); }, "GET",
                      std::string(kApi) + "/clients/c%2F1/jwks", "", R"({"keys":[]})"},
        OperationCase{"SetClientKeys",
                      [](const AdminClient& a) {
                        return a.SetClientKeys("c/1", {R"({"kid":"k1"})", R"({"kid":"k2"})"})
                            .status();
                      },
                      "POST", std::string(kApi) + "/clients/c%2F1/jwks",
                      R"({"keys":[{"kid":"k1"},{"kid":"k2"}]})", R"({"keys":[]})"},
        OperationCase{"ListScopes", [](const AdminClient& a) { return a.ListScopes().status(); },
                      "GET", std::string(kApi) + "/scopes", "", "[]"},
        OperationCase{"GetScope",
                      [](const AdminClient& a) { return a.GetScope("myorg:a/b").status(); },
                      "GET", std::string(kApi) + "/scopes?scope=myorg%3Aa%2Fb", "", kScopeAnswer},
        OperationCase{"CreateScope",
                      [](const AdminClient& a) {
                        return a
                            .CreateScope({.prefix = "myorg",
                                          .subscope = "a/b",
                                          .description = "Data",
                                          .visibility = "PUBLIC",
                                          .accessible_for_all = true,
                                          .at_max_age = 300})
                            .status();
                      },
                      "POST", std::string(kApi) + "/scopes",
                      R"({"prefix":"myorg","subscope":"a/b","description":"Data",
                          "allowed_integration_types":["maskinporten"],
                          "accessible_for_all":true,"visibility":"PUBLIC","at_max_age":300})",
                      kScopeAnswer},
        OperationCase{"CreateScopeWithDefaults",
                      [](const AdminClient& a) {
                        return a.CreateScope({.prefix = "myorg", .subscope = "x"}).status();
                      },
                      "POST", std::string(kApi) + "/scopes",
                      R"({"prefix":"myorg","subscope":"x","description":"",
                          "allowed_integration_types":["maskinporten"],
                          "accessible_for_all":false})",
                      kScopeAnswer},
        OperationCase{"DeleteScope",
                      [](const AdminClient& a) { return a.DeleteScope("myorg:a/b").status(); },
                      "DELETE", std::string(kApi) + "/scopes?scope=myorg%3Aa%2Fb", "",
                      kScopeAnswer},
        OperationCase{"ListScopeAccess",
                      [](const AdminClient& a) { return a.ListScopeAccess("myorg:a/b").status(); },
                      "GET", std::string(kApi) + "/scopes/access?scope=myorg%3Aa%2Fb", "", "[]"},
        OperationCase{"GrantScopeAccess",
                      [](const AdminClient& a) {
                        return a.GrantScopeAccess("myorg:a/b", "910753614").status();
                      },
                      "PUT", std::string(kApi) + "/scopes/access/910753614?scope=myorg%3Aa%2Fb",
                      "", kAccessAnswer},
        OperationCase{"RevokeScopeAccess",
                      [](const AdminClient& a) {
                        return a.RevokeScopeAccess("myorg:a/b", "910753614").status();
                      },
                      "DELETE",
                      std::string(kApi) + "/scopes/access/910753614?scope=myorg%3Aa%2Fb", "",
                      kAccessAnswer},
        OperationCase{"DelegationSources",
                      [](const AdminClient& a) { return a.DelegationSources().status(); }, "GET",
                      std::string(kApi) + "/delegationsources", "", "[]"},
        OperationCase{"ListDelegations",
                      [](const AdminClient& a) { return a.ListDelegations().status(); }, "GET",
                      std::string(kApi) + "/delegations", "", "[]"},
        OperationCase{"CreateDelegation",
                      [](const AdminClient& a) {
                        return a.CreateDelegation("910753614", "myorg:a/b").status();
                      },
                      "POST", std::string(kApi) + "/delegations",
                      R"({"supplier_orgno":"910753614","scope":"myorg:a/b"})", kDelegationAnswer},
        OperationCase{"DeleteDelegation",
                      [](const AdminClient& a) {
                        return a.DeleteDelegation("910753614", "myorg:a/b").status();
                      },
                      "DELETE",
                      std::string(kApi) +
                          "/delegations?supplier_orgno=910753614&scope=myorg%3Aa%2Fb",
                      "", kDelegationAnswer},
        OperationCase{"CreateConsentRequest",
                      [](const AdminClient& a) {
                        return a
                            .CreateConsentRequest(
                                {.covered_by = "910753614",
                                 .offered_by = "01819010001",
                                 .offered_by_name = "Nordmann",
                                 .handled_by = "311654306",
                                 .valid_to = "2027-11-30T00:00:00Z",
                                 .redirect_url = "https://forsikring.example/kvittering",
                                 .resources = {{.service_code = "5252",
                                                .service_edition_code = 2,
                                                .metadata = {{"Navn", "TEST FORSIKRING AS"}}}}})
                            .status();
                      },
                      "POST", std::string(kConsentApi) + "/api/consentRequests",
                      R"({"coveredBy":"910753614","offeredBy":"01819010001",
                          "offeredByName":"Nordmann","handledBy":"311654306",
                          "validTo":"2027-11-30T00:00:00Z",
                          "redirectUrl":"https://forsikring.example/kvittering",
                          "requestResources":[{"serviceCode":"5252","serviceEditionCode":2,
                                               "metadata":{"Navn":"TEST FORSIKRING AS"}}]})",
                      kConsentAnswer},
        OperationCase{"AcceptConsentRequest",
                      [](const AdminClient& a) {
                        return a
                            .AnswerConsentRequest("code 1", "01819010001", ConsentAnswer::kAccept)
                            .status();
                      },
                      "POST", std::string(kConsentApi) + "/api/consentRequests/code%201/accept",
                      R"({"person":"01819010001"})", kConsentAnswer},
        OperationCase{"RejectConsentRequest",
                      [](const AdminClient& a) {
                        return a
                            .AnswerConsentRequest("code-1", "01819010001", ConsentAnswer::kReject)
                            .status();
                      },
                      "POST", std::string(kConsentApi) + "/api/consentRequests/code-1/reject",
                      R"({"person":"01819010001"})", kConsentAnswer},
        OperationCase{"FetchConsentToken",
                      [](const AdminClient& a) { return a.FetchConsentToken("code-1").status(); },
                      "GET", std::string(kConsentApi) + "/api/authorization/token?authcode=code-1",
                      "", "eyJ.a.b"}),
    [](const ::testing::TestParamInfo<OperationCase>& info) { return info.param.name; });

// ---- reading the answers ----

TEST_F(AdminClientTest, ReadsAClientAndKeepsItsJson) {
  const std::string body =
      R"({"client_id":"c-1","client_name":"app","description":"d","integration_type":)"
      R"("maskinporten","client_orgno":"889640782","supplier_orgno":"311654306",)"
      R"("scopes":["a:b",7,"a:c"],"access_token_lifetime":60,"active":false,"extra":1})";
  http_->PushJson(200, body);
  Result<ClientRegistration> c = Client().GetClient("c-1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_id, "c-1");
  EXPECT_EQ(c->client_name, "app");
  EXPECT_EQ(c->description, "d");
  EXPECT_EQ(c->integration_type, "maskinporten");
  EXPECT_EQ(c->client_orgno, "889640782");
  EXPECT_EQ(c->supplier_orgno, "311654306");
  EXPECT_THAT(c->scopes, ElementsAre("a:b", "a:c"));  // a non-string entry is skipped
  EXPECT_EQ(c->access_token_lifetime, 60);
  EXPECT_FALSE(c->active);
  EXPECT_EQ(c->json, body);
}

TEST_F(AdminClientTest, MembersOfAnotherTypeKeepTheirDefaults) {
  http_->PushJson(200, R"({"client_id":5,"active":"no","access_token_lifetime":"60"})");
  Result<ClientRegistration> c = Client().GetClient("c-1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_id, "");
  EXPECT_TRUE(c->active);
  EXPECT_EQ(c->access_token_lifetime, 0);
}

TEST_F(AdminClientTest, ReadsAKeySetWithEachKeysJson) {
  http_->PushJson(200,
                  R"({"keys":[{"kid":"k1","kty":"RSA"},{"kty":"RSA"}],)"
                  R"("created":"2026-01-01T00:00:00Z","last_updated":"2026-02-01T00:00:00Z"})");
  Result<ClientKeySet> k = Client().GetClientKeys("c-1");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  ASSERT_EQ(k->keys.size(), 2u);
  EXPECT_EQ(k->keys[0].kid, "k1");
  EXPECT_EQ(Json::parse(k->keys[0].jwk), Json::parse(R"({"kid":"k1","kty":"RSA"})"));
  EXPECT_EQ(k->keys[1].kid, "");
  EXPECT_EQ(k->created, "2026-01-01T00:00:00Z");
  EXPECT_EQ(k->last_updated, "2026-02-01T00:00:00Z");
}

TEST_F(AdminClientTest, ReadsScopesAccessDelegationsAndSources) {
  http_->PushJson(
      200, R"([{"name":"myorg:x","prefix":"myorg","subscope":"x","description":"d",)"
           R"("owner_orgno":"889640782","visibility":"PUBLIC","delegation_source":)"
           R"("https://altinn/","accessible_for_all":true,"at_max_age":300,"active":true}])");
  http_->PushJson(200, R"([{"scope":"myorg:x","consumer_orgno":"910753614",)"
                       R"("owner_orgno":"889640782","state":"APPROVED"}])");
  http_->PushJson(200, R"([{"consumer_orgno":"910753614","supplier_orgno":"311654306",)"
                       R"("scope":"myorg:x","created":"2026-01-01T00:00:00Z"}])");
  http_->PushJson(200, R"([{"name":"altinn","issuer":"https://altinn/"}])");
  AdminClient api = Client();

  Result<ApiList<ScopeRegistration>> scopes = api.ListScopes();
  ASSERT_TRUE(scopes.ok()) << scopes.status().ToString();
  ASSERT_EQ(scopes->items.size(), 1u);
  const ScopeRegistration& s = scopes->items[0];
  EXPECT_EQ(s.name, "myorg:x");
  EXPECT_EQ(s.prefix, "myorg");
  EXPECT_EQ(s.subscope, "x");
  EXPECT_EQ(s.description, "d");
  EXPECT_EQ(s.owner_orgno, "889640782");
  EXPECT_EQ(s.visibility, "PUBLIC");
  EXPECT_EQ(s.delegation_source, "https://altinn/");
  EXPECT_TRUE(s.accessible_for_all);
  EXPECT_EQ(s.at_max_age, 300);
  EXPECT_TRUE(s.active);
  EXPECT_EQ(Json::parse(s.json)["name"], "myorg:x");

  Result<ApiList<ScopeAccessEntry>> access = api.ListScopeAccess("myorg:x");
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  ASSERT_EQ(access->items.size(), 1u);
  EXPECT_EQ(access->items[0].scope, "myorg:x");
  EXPECT_EQ(access->items[0].consumer_orgno, "910753614");
  EXPECT_EQ(access->items[0].owner_orgno, "889640782");
  EXPECT_EQ(access->items[0].state, "APPROVED");

  Result<ApiList<DelegationEntry>> delegations = api.ListDelegations();
  ASSERT_TRUE(delegations.ok()) << delegations.status().ToString();
  ASSERT_EQ(delegations->items.size(), 1u);
  EXPECT_EQ(delegations->items[0].consumer_orgno, "910753614");
  EXPECT_EQ(delegations->items[0].supplier_orgno, "311654306");
  EXPECT_EQ(delegations->items[0].scope, "myorg:x");
  EXPECT_EQ(delegations->items[0].created, "2026-01-01T00:00:00Z");

  Result<ApiList<DelegationSource>> sources = api.DelegationSources();
  ASSERT_TRUE(sources.ok()) << sources.status().ToString();
  ASSERT_EQ(sources->items.size(), 1u);
  EXPECT_EQ(sources->items[0].name, "altinn");
  EXPECT_EQ(sources->items[0].issuer, "https://altinn/");
  EXPECT_EQ(sources->json, R"([{"name":"altinn","issuer":"https://altinn/"}])");
}

TEST_F(AdminClientTest, ReadsAConsentRequestAndItsGuiLink) {
  http_->PushJson(201, R"({"AuthorizationCode":"code-1","RequestStatus":"Unopened",)"
                       R"("_links":{"gui":{"href":"http://127.0.0.1/altinn/ui?id=code-1"}}})");
  Result<ConsentRequestInfo> c = Client().CreateConsentRequest({.covered_by = "910753614"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->authorization_code, "code-1");
  EXPECT_EQ(c->request_status, "Unopened");
  EXPECT_EQ(c->gui_url, "http://127.0.0.1/altinn/ui?id=code-1");
  // handledBy is left out when there is no supplier.
  EXPECT_FALSE(BodyOf(Request(0)).contains("handledBy"));
}

TEST_F(AdminClientTest, TheConsentTokenIsTheBodyWithoutSurroundingWhitespace) {
  http_->Push(HttpResponse{.status = 200, .body = "\n eyJ.a.b \r\n"});
  Result<std::string> token = Client().FetchConsentToken("code-1");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, "eyJ.a.b");

  http_->Push(HttpResponse{.status = 200, .body = " \n"});
  AdminError error;
  token = Client().FetchConsentToken("code-1", &error);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Errc::kHttpError);
  EXPECT_THAT(token.status().message(), HasSubstr("an empty body"));
  EXPECT_FALSE(error.refused());
}

TEST_F(AdminClientTest, AnEmptyAnswerGivesTheDefaults) {
  http_->Push(HttpResponse{.status = 204});
  Result<ClientRegistration> c = Client().DeleteClient("c-1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_id, "");
  EXPECT_EQ(c->json, "");

  http_->Push(HttpResponse{.status = 200, .body = " "});
  Result<ApiList<ClientRegistration>> list = Client().ListClients();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->items.empty());
  EXPECT_EQ(list->json, "");
}

// ---- read, change, write ----

TEST_F(AdminClientTest, UpdateClientPutsBackTheClientWithTheChangesAndWithoutItsTimes) {
  http_->PushJson(200, R"({"client_id":"c-1","client_name":"old","description":"d",)"
                       R"("scopes":["a:1","a:2","a:3"],"access_token_lifetime":120,)"
                       R"("redirect_uris":["https://x/"],"created":"2026-01-01T00:00:00Z",)"
                       R"("last_updated":"2026-01-02T00:00:00Z"})");
  http_->PushJson(200, R"({"client_id":"c-1","client_name":"new"})");
  Result<ClientRegistration> c = Client().UpdateClient("c-1", {.client_name = "new",
                                                               .add_scopes = {"a:4", "a:1"},
                                                               .remove_scopes = {"a:2"},
                                                               .access_token_lifetime = 60});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_name, "new");
  ASSERT_EQ(http_->CallCount(), 2u);
  EXPECT_EQ(Request(0).method, "GET");
  EXPECT_EQ(Request(0).url, std::string(kApi) + "/clients/c-1");
  EXPECT_EQ(Request(1).method, "PUT");
  EXPECT_EQ(Request(1).url, std::string(kApi) + "/clients/c-1");
  EXPECT_EQ(BodyOf(Request(1)), Json::parse(R"({"client_id":"c-1","client_name":"new",
      "description":"d","scopes":["a:1","a:3","a:4"],"access_token_lifetime":60,
      "redirect_uris":["https://x/"]})"));
}

TEST_F(AdminClientTest, UpdateClientWithScopesReplacesThem) {
  http_->PushJson(200, R"({"client_id":"c-1","scopes":["a:1"]})");
  http_->PushJson(200, "{}");
  ASSERT_TRUE(
      Client().UpdateClient("c-1", {.scopes = std::vector<std::string>{"b:1", "b:2"}}).ok());
  EXPECT_EQ(BodyOf(Request(1))["scopes"], Json::parse(R"(["b:1","b:2"])"));
}

TEST_F(AdminClientTest, UpdateClientStopsWhenTheClientIsNotAnObject) {
  http_->PushJson(200, "[]");
  AdminError error;
  Result<ClientRegistration> c = Client().UpdateClient("c-1", {.client_name = "x"}, &error);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kHttpError);
  EXPECT_THAT(c.status().message(), HasSubstr("not a JSON object"));
  EXPECT_EQ(http_->CallCount(), 1u);
  EXPECT_FALSE(error.refused());
}

TEST_F(AdminClientTest, AddClientKeysAppendsToTheRegisteredSet) {
  http_->PushJson(200, R"({"keys":[{"kid":"old"}],"created":"2026-01-01T00:00:00Z"})");
  http_->PushJson(201, R"({"keys":[{"kid":"old"},{"kid":"new"}]})");
  Result<ClientKeySet> k = Client().AddClientKeys("c/1", {R"({"kid":"new"})"});
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  ASSERT_EQ(k->keys.size(), 2u);
  ASSERT_EQ(http_->CallCount(), 2u);
  EXPECT_EQ(Request(0).method, "GET");
  EXPECT_EQ(Request(0).url, std::string(kApi) + "/clients/c%2F1/jwks");
  EXPECT_EQ(Request(1).method, "POST");
  EXPECT_EQ(Request(1).url, std::string(kApi) + "/clients/c%2F1/jwks");
  EXPECT_EQ(BodyOf(Request(1)), Json::parse(R"({"keys":[{"kid":"old"},{"kid":"new"}]})"));
}

TEST_F(AdminClientTest, KeysThatAreNotJsonObjectsAreRefusedBeforeAnyRequest) {
  for (const std::string& bad : {std::string("not json"), std::string("[1]")}) {
    Result<ClientKeySet> k = Client().SetClientKeys("c-1", {R"({"kid":"k1"})", bad});
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.status().code(), Errc::kInvalidArgument);
    EXPECT_THAT(k.status().message(), HasSubstr("key 2: "));
    EXPECT_EQ(Client().AddClientKeys("c-1", {bad}).status().code(), Errc::kInvalidArgument);
  }
  EXPECT_EQ(http_->CallCount(), 0u);
}

TEST_F(AdminClientTest, ADelegableScopeTakesTheFirstDelegationSource) {
  http_->PushJson(200, R"([{"name":"altinn","issuer":"https://altinn.example/"},)"
                       R"({"name":"other","issuer":"https://other/"}])");
  http_->PushJson(201, R"({"name":"myorg:x","delegation_source":"https://altinn.example/"})");
  Result<ScopeRegistration> s =
      Client().CreateScope({.prefix = "myorg", .subscope = "x", .delegable = true});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->delegation_source, "https://altinn.example/");
  ASSERT_EQ(http_->CallCount(), 2u);
  EXPECT_EQ(Request(0).url, std::string(kApi) + "/delegationsources");
  EXPECT_EQ(BodyOf(Request(1))["delegation_source"], "https://altinn.example/");
}

TEST_F(AdminClientTest, ADelegableScopeWithoutASourceIsAnHttpError) {
  http_->PushJson(200, "[]");
  AdminError error;
  Result<ScopeRegistration> s =
      Client().CreateScope({.prefix = "myorg", .subscope = "x", .delegable = true}, &error);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Errc::kHttpError);
  EXPECT_THAT(s.status().message(), HasSubstr("/delegationsources gave no source"));
  EXPECT_FALSE(error.refused());
  EXPECT_EQ(http_->CallCount(), 1u);
}

// ---- errors ----

TEST_F(AdminClientTest, ARefusalIsAnHttpErrorWithTheApisDescription) {
  http_->PushJson(404, R"({"error":"not_found","error_description":"no client \"c-1\""})");
  AdminError error;
  Result<ClientRegistration> c = Client().GetClient("c-1", &error);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Errc::kHttpError);
  EXPECT_EQ(c.status().message(),
            "GET " + std::string(kApi) + "/clients/c-1 answered 404: no client \"c-1\"");
  EXPECT_TRUE(error.refused());
  EXPECT_EQ(error.method, "GET");
  EXPECT_EQ(error.url, std::string(kApi) + "/clients/c-1");
  EXPECT_EQ(error.http_status, 404);
  EXPECT_EQ(error.error, "not_found");
  EXPECT_EQ(error.description, "no client \"c-1\"");
}

struct RefusalCase {
  std::string name;
  HttpResponse response;
  std::string description;
};

class AdminRefusal : public AdminClientTest, public ::testing::WithParamInterface<RefusalCase> {};

TEST_P(AdminRefusal, DescribesTheRefusalFromWhatTheApiSent) {
  http_->Push(GetParam().response);
  AdminError error;
  Status s = Client().ListScopes(&error).status();
  EXPECT_EQ(s.code(), Errc::kHttpError);
  EXPECT_TRUE(error.refused());
  EXPECT_EQ(error.description, GetParam().description);
  EXPECT_THAT(s.message(), HasSubstr(GetParam().description));
  EXPECT_THAT(s.message(), Not(HasSubstr(kToken)));
}

INSTANTIATE_TEST_SUITE_P(
    Fallbacks, AdminRefusal,
    ::testing::Values(
        RefusalCase{"ErrorWithoutDescription",
                    testing::JsonResponse(403, R"({"error":"forbidden"})"), "forbidden"},
        RefusalCase{
            "WwwAuthenticate",
            HttpResponse{.status = 401,
                         .headers = {{"www-authenticate", "Bearer error=\"invalid_token\""}}},
            "Bearer error=\"invalid_token\""},
        RefusalCase{"PlainBody", HttpResponse{.status = 502, .body = "bad\ngateway"},
                    "bad gateway"},
        RefusalCase{"NoBody", HttpResponse{.status = 500}, "(no body)"},
        RefusalCase{"ATokenInTheBodyIsRedacted",
                    HttpResponse{.status = 400, .body = std::string("echo ") + kToken},
                    "echo eyJ...<redacted>"},
        RefusalCase{"LongTextIsCut",
                    testing::JsonResponse(400, R"({"error_description":")" + std::string(400, 'x') +
                                                   R"("})"),
                    std::string(300, 'x') + "..."},
        RefusalCase{"ARedirectIsNoAnswer", HttpResponse{.status = 302, .body = "moved"}, "moved"}),
    [](const ::testing::TestParamInfo<RefusalCase>& info) { return info.param.name; });

TEST_F(AdminClientTest, ANetworkFailureKeepsItsCodeAndIsNoRefusal) {
  http_->PushError(Errc::kNetworkError, "GET https://api.example/api/v1/scopes: refused");
  AdminError error;
  Status s = Client().ListScopes(&error).status();
  EXPECT_EQ(s, Status(Errc::kNetworkError, "GET https://api.example/api/v1/scopes: refused"));
  EXPECT_FALSE(error.refused());
  EXPECT_EQ(error.http_status, 0);
  EXPECT_EQ(error.url, std::string(kApi) + "/scopes");
}

TEST_F(AdminClientTest, AnAnswerThatIsNotJsonIsAnHttpErrorButNoRefusal) {
  http_->Push(HttpResponse{.status = 200, .body = "<html>"});
  AdminError error;
  Status s = Client().GetScope("a:b", &error).status();
  EXPECT_EQ(s.code(), Errc::kHttpError);
  EXPECT_THAT(s.message(), HasSubstr("answered 200 with no JSON"));
  EXPECT_FALSE(error.refused());
  EXPECT_EQ(error.http_status, 200);
}

TEST_F(AdminClientTest, AnAnswerOfTheWrongShapeIsAnHttpError) {
  http_->PushJson(200, "{}");
  http_->PushJson(200, "[]");
  http_->PushJson(200, "[1]");
  EXPECT_THAT(Client().ListClients().status().message(), HasSubstr("object, not a JSON array"));
  EXPECT_THAT(Client().GetClient("c").status().message(), HasSubstr("array, not a JSON object"));
  EXPECT_THAT(Client().ListDelegations().status().message(), HasSubstr("not an array of objects"));
}

// ---- the token and the options ----

TEST_F(AdminClientTest, TheTokenSourceIsAskedBeforeEachRequest) {
  int asked = 0;
  AdminClient api({.api_url = kApi,
                   .token_source = [&asked]() -> Result<std::string> {
                     return "token-" + std::to_string(++asked);
                   },
                   .http = http_});
  http_->PushJson(200, "[]");
  http_->PushJson(200, "[]");
  ASSERT_TRUE(api.ListScopes().ok());
  ASSERT_TRUE(api.ListScopes().ok());
  EXPECT_EQ(HeaderOf(Request(0), "Authorization"), "Bearer token-1");
  EXPECT_EQ(HeaderOf(Request(1), "Authorization"), "Bearer token-2");
}

TEST_F(AdminClientTest, AFailingTokenSourceSendsNothing) {
  AdminClient api({.api_url = kApi,
                   .token_source = []() -> Result<std::string> {
                     return Status(Errc::kMaskinportenError, "MP-200: no scope");
                   },
                   .http = http_});
  EXPECT_EQ(api.ListScopes().status(), Status(Errc::kMaskinportenError, "MP-200: no scope"));
  EXPECT_EQ(http_->CallCount(), 0u);
}

TEST_F(AdminClientTest, WithoutATokenNoAuthorizationIsSent) {
  AdminClient api({.consent_api_url = kConsentApi, .http = http_});
  http_->PushJson(200, R"({"RequestStatus":"Accepted"})");
  ASSERT_TRUE(api.AnswerConsentRequest("c", "01819010001", ConsentAnswer::kAccept).ok());
  EXPECT_EQ(HeaderOf(Request(0), "Authorization"), std::nullopt);
}

TEST_F(AdminClientTest, TheLogHasOneLinePerRequestAndAnswerAndNoToken) {
  std::vector<std::string> lines;
  AdminClient api(
      {.api_url = kApi, .access_token = kToken, .http = http_, .log = [&lines](std::string_view l) {
         lines.emplace_back(l);
       }});
  http_->PushJson(201, R"({"client_id":"c-1"})");
  ASSERT_TRUE(api.CreateClient({.client_name = "app"}).ok());
  EXPECT_THAT(lines, ElementsAre("POST " + std::string(kApi) + "/clients", "-> 201"));
}

TEST_F(AdminClientTest, MissingBasesAndHttpAreInvalidArguments) {
  AdminClient no_api({.consent_api_url = kConsentApi, .http = http_});
  EXPECT_EQ(no_api.ListClients().status(),
            Status(Errc::kInvalidArgument, "AdminClientOptions.api_url is not set"));
  AdminClient no_consent({.api_url = kApi, .http = http_});
  EXPECT_EQ(no_consent.FetchConsentToken("c").status(),
            Status(Errc::kInvalidArgument, "AdminClientOptions.consent_api_url is not set"));
  AdminClient no_http({.api_url = kApi});
  EXPECT_EQ(no_http.ListClients().status(),
            Status(Errc::kInvalidArgument, "AdminClientOptions.http is not set"));
  EXPECT_EQ(http_->CallCount(), 0u);
}

TEST_F(AdminClientTest, TrailingSlashesOfTheBaseAreDropped) {
  AdminClient api({.api_url = std::string(kApi) + "//", .http = http_});
  EXPECT_EQ(api.api_url(), kApi);
}

// A token source for TokenProvider that counts its fetches.
class CountingSource : public TokenSource {
 public:
  std::string CacheNamespace() const override { return "https://issuer/\nadmin"; }
  Result<AccessToken> FetchToken(const TokenRequest& request) override {
    ++fetches;
    last_scopes = request.scopes;
    return AccessToken{.access_token = "admin-" + std::to_string(fetches),
                       .expires_in = 120,
                       .expires_at = std::chrono::system_clock::now() + std::chrono::seconds(120)};
  }
  int fetches = 0;
  std::vector<std::string> last_scopes;
};

TEST_F(AdminClientTest, AdminTokenFromAProviderUsesItsCache) {
  CountingSource source;
  TokenProvider provider(source, {.background_refresh = false});
  AdminClient api({.api_url = kApi,
                   .token_source = AdminTokenFrom(provider, {.scopes = {"idporten:dcr.read"}}),
                   .http = http_});
  http_->PushJson(200, "[]");
  http_->PushJson(200, "[]");
  ASSERT_TRUE(api.ListClients().ok());
  ASSERT_TRUE(api.ListClients().ok());
  EXPECT_EQ(source.fetches, 1);
  EXPECT_THAT(source.last_scopes, ElementsAre("idporten:dcr.read"));
  EXPECT_EQ(HeaderOf(Request(1), "Authorization"), "Bearer admin-1");
}

// ---- the API's URL per environment ----

TEST(SelfServiceApiUrl, IsDigdirsPerEnvironmentOrUnderTheIssuer) {
  EXPECT_EQ(SelfServiceApiUrl("test", "").value(), "https://api.test.samarbeid.digdir.no/api/v1");
  EXPECT_EQ(SelfServiceApiUrl("prod", "").value(), "https://api.samarbeid.digdir.no/api/v1");
  EXPECT_EQ(SelfServiceApiUrl("prod", "http://127.0.0.1:8080/").value(),
            "http://127.0.0.1:8080/api/v1");
  EXPECT_EQ(SelfServiceApiUrl("", "http://127.0.0.1:8080").value(), "http://127.0.0.1:8080/api/v1");
  Result<std::string> none = SelfServiceApiUrl("ver2", "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(none.status().message(), HasSubstr("\"ver2\""));
}

}  // namespace
}  // namespace mp
