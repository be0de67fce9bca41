// The local Altinn consent stand-in (altinn_consent.h): the consent request API and the
// samtykketoken as handlers (no sockets, FakeClock), the Altinn 3 consent check of the token
// endpoint (grant_validator.cc step 13), and the whole flow over real sockets with
// LocalMaskinporten, including a restart on a file registry.
#include "server/altinn/altinn_consent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "maskinporten/base64.h"
#include "maskinporten/environment.h"
#include "maskinporten/grant.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/token_client.h"
#include "server/api_test_util.h"
#include "server/registry/registry_rules.h"
#include "server/server_fixtures.h"
#include "server/token/grant_validator.h"
#include "testing/jose_fixtures.h"
#include "testing/process.h"

namespace mp::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr std::string_view kBase = "http://127.0.0.1:7100";
constexpr std::string_view kConsentIss = "http://127.0.0.1:7100/altinn/";
constexpr std::string_view kInsurer = api_testing::kOrgA;          // 910753614, coveredBy
constexpr std::string_view kSupplier = api_testing::kOrgB;         // 311654306, handledBy
constexpr std::string_view kOutsider = api_testing::kOutsiderOrg;  // 974760673
constexpr std::string_view kPerson = "01819010001";
constexpr std::string_view kOtherPerson = "02819010040";
constexpr int64_t kValidTo = 1827532800;  // 2027-11-30T00:00:00Z

// ApiEnv with the consent routes, the insurer registered, and the signing key from the shared
// test key (no key generation per test).
struct ConsentEnv : api_testing::ApiEnv {
  ConsentEnv() {
    EXPECT_TRUE(
        store->PutOrganization({.orgno = std::string(kInsurer), .name = "TEST FORSIKRING AS"})
            .ok());
    AddAltinnConsentRoutes(
        router, {.store = *store,
                 .keys = *keys,
                 .config = config,
                 .clock = clock,
                 .signer_options = {.bits = 2048,
                                    .initial_key_pem =
                                        mp::testing::OtherTestKey(Algorithm::kRS256).ToPkcs8Pem()},
                 .base_url = std::string(kBase)});
  }

  std::string WriteToken(std::string_view org) const {
    return Token(org, {std::string(kConsentRequestsWriteScope)});
  }
  std::string TokensToken(std::string_view org) const {
    return Token(org, {std::string(kConsentTokensScope)});
  }
  http::HttpResponse Create(const Json& body, std::string_view org) const {
    return Call("POST", "/altinn/api/consentRequests", body.dump(), WriteToken(org));
  }
  // Creates the request as `org` and returns its code ("" and a failure when refused).
  std::string CreateCode(const Json& body, std::string_view org = kInsurer) const {
    http::HttpResponse r = Create(body, org);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? api_testing::ApiBody(r)["AuthorizationCode"].get<std::string>()
                           : std::string();
  }
  http::HttpResponse Answer(std::string_view code, std::string_view person,
                            std::string_view verb = "accept") const {
    return Call("POST",
                "/altinn/api/consentRequests/" + std::string(code) + "/" + std::string(verb),
                R"({"person":")" + std::string(person) + R"("})", "");
  }
  http::HttpResponse FetchToken(std::string_view code, std::string_view org) const {
    return Call("GET", "/altinn/api/authorization/token?authcode=" + std::string(code), "",
                TokensToken(org));
  }
  Jwks ConsentJwks() const {
    http::HttpResponse r = Call("GET", "/altinn/jwks", "", "");
    EXPECT_EQ(r.status, 200);
    Result<Jwks> jwks = Jwks::Parse(r.body);
    EXPECT_TRUE(jwks.ok()) << jwks.status().ToString() << " " << r.body;
    return jwks.ok() ? *jwks : Jwks();
  }
};

// The issue 5 example body: insurer, person, supplier, SSU service with Navn.
Json RequestBody() {
  return Json{{"coveredBy", kInsurer},
              {"offeredBy", kPerson},
              {"offeredByName", "Nordmann"},
              {"handledBy", kSupplier},
              {"validTo", "2027-11-30T00:00:00Z"},
              {"redirectUrl", "https://forsikring.example/samtykke/ferdig"},
              {"requestResources",
               {{{"serviceCode", "5252"},
                 {"serviceEditionCode", 2},
                 {"metadata", {{"Navn", "TEST FORSIKRING AS"}}}}}}};
}

// The verified claims of a samtykketoken (fails the test when it does not verify).
Json VerifiedClaims(const ConsentEnv& env, const std::string& token,
                    std::optional<VerifiedJwt>* out = nullptr) {
  Result<VerifiedJwt> jwt =
      VerifyJwt(token, env.ConsentJwks(), VerifyOptions{Algorithm::kRS256},
                {.issuer = std::string(kConsentIss), .require_iat = true, .clock = &env.clock});
  EXPECT_TRUE(jwt.ok()) << jwt.status().ToString();
  if (!jwt.ok()) return {};
  if (out != nullptr) *out = *jwt;
  return Json::parse(jwt->claims.ToJson());
}

std::string Sha1Base64Url(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

TEST(AltinnConsentFixtures, ThePersonsOfTheFlowAreValidIdentifiers) {
  EXPECT_TRUE(IsValidPersonIdentifier(kPerson));
  EXPECT_TRUE(IsValidPersonIdentifier(kOtherPerson));
  EXPECT_TRUE(OrgNumber::Parse(kAltinnLocalOrg).ok());
}

// ---- create -> accept -> token

TEST(AltinnConsent, CreateAnswersUnopenedRequestWithCodeLinkAndLocation) {
  ConsentEnv env;
  http::HttpResponse r = env.Create(RequestBody(), kInsurer);
  ASSERT_EQ(r.status, 201) << r.body;
  Json body = api_testing::ApiBody(r);
  const std::string code = body["AuthorizationCode"];
  EXPECT_EQ(code.size(), 36u);
  EXPECT_EQ(body["RequestStatus"], "Unopened");
  EXPECT_EQ(body["CoveredBy"], kInsurer);
  EXPECT_EQ(body["OfferedBy"], kPerson);
  EXPECT_EQ(body["OfferedByName"], "Nordmann");
  EXPECT_EQ(body["HandledBy"], kSupplier);
  EXPECT_EQ(body["ValidTo"], "2027-11-30T00:00:00Z");
  EXPECT_EQ(body["RequestResources"],
            Json::parse(R"([{"ServiceCode":"5252","ServiceEditionCode":2,)"
                        R"("Metadata":{"Navn":"TEST FORSIKRING AS"}}])"));
  EXPECT_EQ(body["_links"]["gui"]["href"],
            std::string(kBase) + "/altinn/ui/AccessConsent/request?id=" + code);
  EXPECT_EQ(api_testing::HeaderValue(r, "Location"),
            std::string(kBase) + "/altinn/api/consentRequests/" + code);
  ConsentRecord stored = env.store->GetConsent(code).value().value();
  EXPECT_EQ(stored.status, ConsentStatus::kUnopened);
  EXPECT_EQ(stored.required_delegator, kPerson);
  EXPECT_EQ(stored.created, api_testing::kApiNow);
}

TEST(AltinnConsent, CreateAcceptTokenGivesAVerifiableSamtykketokenWithEveryClaim) {
  ConsentEnv env;
  const std::string code = env.CreateCode(RequestBody());
  ASSERT_FALSE(code.empty());
  env.clock.Advance(std::chrono::seconds(60));
  const int64_t accepted_at = env.clock.NowSeconds();
  http::HttpResponse accept = env.Answer(code, kPerson);
  ASSERT_EQ(accept.status, 200) << accept.body;
  EXPECT_EQ(api_testing::ApiBody(accept)["RequestStatus"], "Accepted");
  env.clock.Advance(std::chrono::seconds(10));
  const int64_t now = env.clock.NowSeconds();

  http::HttpResponse r = env.FetchToken(code, kInsurer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/plain");
  std::optional<VerifiedJwt> verified;
  Json claims = VerifiedClaims(env, r.body, &verified);
  ASSERT_TRUE(verified.has_value());
  const VerifiedJwt& jwt = *verified;
  EXPECT_EQ(jwt.header.alg_name, "RS256");
  EXPECT_EQ(jwt.header.typ, "JWT");
  // kid and x5t name the published key and its certificate.
  Jwks jwks = env.ConsentJwks();
  ASSERT_EQ(jwks.keys().size(), 1u);
  EXPECT_EQ(jwt.header.kid, jwks.keys()[0].kid);
  ASSERT_EQ(jwks.keys()[0].x5c.size(), 1u);
  Result<std::vector<Certificate>> cert = Certificate::FromX5c(jwks.keys()[0].x5c);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_TRUE((*cert)[0].SelfSigned());
  Json header = Json::parse(jwt.header.json);
  EXPECT_EQ(header["x5t"], Sha1Base64Url((*cert)[0].Der()));
  EXPECT_EQ(header.size(), 4u) << jwt.header.json;

  EXPECT_EQ(claims["Services"], Json::array({"5252_2", "5252_2_Navn=TEST FORSIKRING AS"}));
  EXPECT_EQ(claims["AuthorizationCode"], code);
  EXPECT_EQ(claims["OfferedBy"], kPerson);
  EXPECT_EQ(claims["RequiredDelegator"], kPerson);
  EXPECT_EQ(claims["CoveredBy"], kInsurer);
  EXPECT_FALSE(claims.contains("HandledBy"));  // the insurer fetched it
  EXPECT_EQ(claims["DelegatedDate"], accepted_at);
  EXPECT_EQ(claims["ValidToDate"], kValidTo);
  EXPECT_EQ(claims["iss"], kConsentIss);
  EXPECT_EQ(claims["nbf"], now);
  EXPECT_EQ(claims["iat"], now);
  EXPECT_EQ(claims["exp"], now + 30);
  EXPECT_EQ(claims.size(), 11u) << claims.dump();
}

TEST(AltinnConsent, HandledByOnlyWhenTheSupplierFetchesTheToken) {
  ConsentEnv env;
  const std::string code = env.CreateCode(RequestBody(), kSupplier);
  ASSERT_EQ(env.Answer(code, kPerson).status, 200);
  http::HttpResponse by_supplier = env.FetchToken(code, kSupplier);
  ASSERT_EQ(by_supplier.status, 200) << by_supplier.body;
  EXPECT_EQ(VerifiedClaims(env, by_supplier.body)["HandledBy"], kSupplier);
  http::HttpResponse by_insurer = env.FetchToken(code, kInsurer);
  ASSERT_EQ(by_insurer.status, 200) << by_insurer.body;
  Json claims = VerifiedClaims(env, by_insurer.body);
  EXPECT_FALSE(claims.contains("HandledBy"));
  EXPECT_EQ(claims["CoveredBy"], kInsurer);
}

TEST(AltinnConsent, GetShowsTheRequestToCoveredByAndHandledByWithReadScope) {
  ConsentEnv env;
  const std::string code = env.CreateCode(RequestBody());
  const std::string target = "/altinn/api/consentRequests/" + code;
  for (std::string_view org : {kInsurer, kSupplier}) {
    http::HttpResponse r =
        env.Call("GET", target, "", env.Token(org, {std::string(kConsentRequestsReadScope)}));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(api_testing::ApiBody(r)["RequestStatus"], "Unopened");
  }
  ASSERT_EQ(env.Answer(code, kPerson).status, 200);
  http::HttpResponse r = env.Call("GET", target, "", env.WriteToken(kInsurer));
  EXPECT_EQ(api_testing::ApiBody(r)["RequestStatus"], "Accepted");
  EXPECT_EQ(env.Call("GET", target, "", env.WriteToken(kOutsider)).status, 403);
}

// ---- refusals

TEST(AltinnConsent, AcceptByAnotherPersonIs403AndChangesNothing) {
  ConsentEnv env;
  const std::string code = env.CreateCode(RequestBody());
  http::HttpResponse r = env.Answer(code, kOtherPerson);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_THAT(r.body, Not(HasSubstr(std::string(kOtherPerson))));  // masked
  EXPECT_EQ(env.store->GetConsent(code).value()->status, ConsentStatus::kUnopened);
  EXPECT_EQ(env.Answer(code, "12345678901").status, 400);
  EXPECT_EQ(env.Call("POST", "/altinn/api/consentRequests/" + code + "/accept",
                     R"({"person":"01819010001","extra":1})", "")
                .status,
            400);
}

TEST(AltinnConsent, TokenBeforeAcceptIs409AndAfterRejectToo) {
  ConsentEnv env;
  const std::string code = env.CreateCode(RequestBody());
  http::HttpResponse before = env.FetchToken(code, kInsurer);
  EXPECT_EQ(before.status, 409);
  EXPECT_EQ(api_testing::ApiBody(before)["error"], "consent_not_accepted");
  EXPECT_THAT(before.body, HasSubstr("Unopened"));
  ASSERT_EQ(env.Answer(code, kPerson, "reject").status, 200);
  http::HttpResponse after = env.FetchToken(code, kInsurer);
  EXPECT_EQ(after.status, 409);
  EXPECT_THAT(after.body, HasSubstr("Rejected"));
  // A decided request cannot be answered again.
  http::HttpResponse again = env.Answer(code, kPerson);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(env.store->GetConsent(code).value()->status, ConsentStatus::kRejected);
}

TEST(AltinnConsent, ExpiredConsentGivesNoTokenAndCannotBeAccepted) {
  ConsentEnv env;
  Json body = RequestBody();
  body["validTo"] = "2026-09-22";  // one day after kApiNow
  const std::string late = env.CreateCode(body);
  const std::string code = env.CreateCode(body);
  ASSERT_EQ(env.Answer(code, kPerson).status, 200);
  env.clock.Advance(std::chrono::hours(48));
  http::HttpResponse r = env.FetchToken(code, kInsurer);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(api_testing::ApiBody(r)["error"], "consent_expired");
  EXPECT_EQ(env.Answer(late, kPerson).status, 409);
}

TEST(AltinnConsent, MissingOrBadBearerTokenIs401WithChallenge) {
  ConsentEnv env;
  http::HttpResponse none =
      env.Call("POST", "/altinn/api/consentRequests", RequestBody().dump(), "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(api_testing::HeaderValue(none, "WWW-Authenticate"), "Bearer realm=\"altinn\"");
  http::HttpResponse bad = env.Call("GET", "/altinn/api/authorization/token?authcode=x", "", "abc");
  EXPECT_EQ(bad.status, 401);
  EXPECT_THAT(api_testing::HeaderValue(bad, "WWW-Authenticate"),
              HasSubstr("error=\"invalid_token\""));
  std::string expired = env.Token(kInsurer, {std::string(kConsentRequestsWriteScope)}, 1);
  env.clock.Advance(std::chrono::seconds(60));
  http::HttpResponse old =
      env.Call("POST", "/altinn/api/consentRequests", RequestBody().dump(), expired);
  EXPECT_EQ(old.status, 401);
  EXPECT_THAT(old.body, HasSubstr("expired"));
}

TEST(AltinnConsent, WrongScopeIs403InsufficientScope) {
  ConsentEnv env;
  http::HttpResponse create = env.Call("POST", "/altinn/api/consentRequests", RequestBody().dump(),
                                       env.TokensToken(kInsurer));
  EXPECT_EQ(create.status, 403);
  EXPECT_EQ(api_testing::ApiBody(create)["error"], "insufficient_scope");
  EXPECT_THAT(api_testing::HeaderValue(create, "WWW-Authenticate"),
              HasSubstr("scope=\"altinn:consentrequests.write\""));
  const std::string code = env.CreateCode(RequestBody());
  ASSERT_EQ(env.Answer(code, kPerson).status, 200);
  http::HttpResponse token = env.Call("GET", "/altinn/api/authorization/token?authcode=" + code, "",
                                      env.WriteToken(kInsurer));
  EXPECT_EQ(token.status, 403);
  EXPECT_THAT(api_testing::HeaderValue(token, "WWW-Authenticate"),
              HasSubstr("scope=\"altinn:consenttokens\""));
}

TEST(AltinnConsent, WrongOrgIs403AndStoresNothing) {
  ConsentEnv env;
  http::HttpResponse r = env.Create(RequestBody(), kOutsider);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_THAT(r.body, HasSubstr(std::string(kOutsider)));
  EXPECT_TRUE(env.store->ListConsents("").value().empty());
  const std::string code = env.CreateCode(RequestBody());
  ASSERT_EQ(env.Answer(code, kPerson).status, 200);
  EXPECT_EQ(env.FetchToken(code, kOutsider).status, 403);
}

TEST(AltinnConsent, UnknownCodeIs404) {
  ConsentEnv env;
  const std::string code = "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a";
  EXPECT_EQ(env.FetchToken(code, kInsurer).status, 404);
  EXPECT_EQ(env.Answer(code, kPerson).status, 404);
  EXPECT_EQ(
      env.Call("GET", "/altinn/api/consentRequests/" + code, "", env.WriteToken(kInsurer)).status,
      404);
  EXPECT_EQ(
      env.Call("GET", "/altinn/api/authorization/token", "", env.TokensToken(kInsurer)).status,
      400);
}

struct BadBody {
  const char* name;
  std::function<void(Json&)> change;
  std::string field;  // the start of error_description
};

TEST(AltinnConsent, BadBodiesAre400NamingTheFieldAndStoreNothing) {
  ConsentEnv env;
  const std::vector<BadBody> cases = {
      {"coveredBy invalid", [](Json& b) { b["coveredBy"] = "123"; }, "coveredBy: "},
      {"coveredBy unregistered", [](Json& b) { b["coveredBy"] = "923609016"; }, "coveredBy: "},
      {"coveredBy missing", [](Json& b) { b.erase("coveredBy"); }, "coveredBy: "},
      {"offeredBy invalid", [](Json& b) { b["offeredBy"] = "12345678901"; }, "offeredBy: "},
      {"offeredBy number", [](Json& b) { b["offeredBy"] = 1819010001; }, "offeredBy: "},
      {"offeredByName missing", [](Json& b) { b.erase("offeredByName"); }, "offeredByName: "},
      {"handledBy invalid", [](Json& b) { b["handledBy"] = "974760674"; }, "handledBy: "},
      {"handledBy is coveredBy", [](Json& b) { b["handledBy"] = kInsurer; }, "handledBy: "},
      {"requiredDelegator other", [](Json& b) { b["requiredDelegator"] = kOtherPerson; },
       "requiredDelegator: "},
      {"validTo past", [](Json& b) { b["validTo"] = "2020-01-01"; }, "validTo: "},
      {"validTo over 3 years", [](Json& b) { b["validTo"] = "2029-12-01"; }, "validTo: "},
      {"validTo format", [](Json& b) { b["validTo"] = "30.11.2027"; }, "validTo: "},
      {"validTo no date", [](Json& b) { b["validTo"] = "2027-02-30"; }, "validTo: "},
      {"redirectUrl http", [](Json& b) { b["redirectUrl"] = "http://forsikring.example/"; },
       "redirectUrl: "},
      {"redirectUrl missing", [](Json& b) { b.erase("redirectUrl"); }, "redirectUrl: "},
      {"requestResources empty", [](Json& b) { b["requestResources"] = Json::array(); },
       "requestResources: "},
      {"serviceCode letters", [](Json& b) { b["requestResources"][0]["serviceCode"] = "52a2"; },
       "requestResources[0].serviceCode: "},
      {"serviceCode number", [](Json& b) { b["requestResources"][0]["serviceCode"] = 5252; },
       "requestResources[0].serviceCode: "},
      {"serviceEditionCode string",
       [](Json& b) { b["requestResources"][0]["serviceEditionCode"] = "2"; },
       "requestResources[0].serviceEditionCode: "},
      {"metadata value", [](Json& b) { b["requestResources"][0]["metadata"]["Navn"] = 1; },
       "requestResources[0].metadata.Navn: "},
      {"resource member", [](Json& b) { b["requestResources"][0]["x"] = 1; },
       "requestResources[0].x: "},
      {"unknown member", [](Json& b) { b["coveredby"] = "910753614"; }, "coveredby: "},
  };
  for (const BadBody& c : cases) {
    Json body = RequestBody();
    c.change(body);
    http::HttpResponse r = env.Create(body, kInsurer);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    Json j = api_testing::ApiBody(r);
    EXPECT_EQ(j["error"], "invalid_request") << c.name;
    EXPECT_EQ(j["error_description"].get<std::string>().rfind(c.field, 0), 0u)
        << c.name << ": " << j["error_description"];
  }
  for (std::string_view raw : {"not json", R"({"coveredBy":"1","coveredBy":"2"})", "[]"}) {
    http::HttpResponse r =
        env.Call("POST", "/altinn/api/consentRequests", raw, env.WriteToken(kInsurer));
    EXPECT_EQ(r.status, 400) << raw;
    EXPECT_THAT(r.body, HasSubstr("body: ")) << raw;
  }
  EXPECT_TRUE(env.store->ListConsents("").value().empty());
}

TEST(AltinnConsent, LoopbackHttpRedirectAndDateOnlyValidToAreAccepted) {
  ConsentEnv env;
  Json body = RequestBody();
  body["redirectUrl"] = "http://127.0.0.1:8080/done";
  body["validTo"] = "2027-11-30";
  body.erase("handledBy");
  http::HttpResponse r = env.Create(body, kInsurer);
  ASSERT_EQ(r.status, 201) << r.body;
  Json j = api_testing::ApiBody(r);
  EXPECT_EQ(j["ValidTo"], "2027-11-30T00:00:00Z");
  EXPECT_FALSE(j.contains("HandledBy"));
}

TEST(AltinnConsentTime, ParsesDatesTimesAndOffsets) {
  EXPECT_EQ(ParseConsentTime("2027-11-30"), kValidTo);
  EXPECT_EQ(ParseConsentTime("2027-11-30T00:00:00Z"), kValidTo);
  EXPECT_EQ(ParseConsentTime("2027-11-30T00:00:00"), kValidTo);
  EXPECT_EQ(ParseConsentTime("2027-11-30T01:00:00.123+01:00"), kValidTo);
  EXPECT_EQ(ParseConsentTime("2027-11-29T23:00:00-01:00"), kValidTo);
  EXPECT_EQ(ParseConsentTime("2028-02-29"), int64_t{1835395200});
  for (const char* bad : {"", "2027-11-31", "2027-13-01", "2027-11-30T24:00:00Z", "2027-11-30 ",
                          "2027-11-30T00:00Z", "2027-11-30T00:00:00+0100", "27-11-30"}) {
    EXPECT_FALSE(ParseConsentTime(bad).has_value()) << bad;
  }
}

TEST(AltinnConsent, MetadataNamesIssuerAndJwksWithKidX5tAndX5c) {
  ConsentEnv env;
  http::HttpResponse r = env.Call("GET", "/altinn/.well-known/oauth-authorization-server", "", "");
  ASSERT_EQ(r.status, 200);
  Json j = api_testing::ApiBody(r);
  EXPECT_EQ(j["issuer"], kConsentIss);
  EXPECT_EQ(j["jwks_uri"], std::string(kConsentIss) + "jwks");
  Json jwks = api_testing::ApiBody(env.Call("GET", "/altinn/jwks", "", ""));
  ASSERT_EQ(jwks["keys"].size(), 1u);
  const Json& key = jwks["keys"][0];
  EXPECT_EQ(key["kty"], "RSA");
  EXPECT_EQ(key["alg"], "RS256");
  EXPECT_EQ(key["use"], "sig");
  EXPECT_EQ(key["kid"], mp::testing::OtherTestKey(Algorithm::kRS256).public_key().Thumbprint());
  EXPECT_TRUE(key["x5t"].is_string());
  EXPECT_EQ(key["x5c"].size(), 1u);
}

TEST(AltinnConsent, ConsentPageIsTextNamingTheLocalAnswer) {
  ConsentEnv env;
  const std::string code = env.CreateCode(RequestBody());
  http::HttpResponse r = env.Call("GET", "/altinn/ui/AccessConsent/request?id=" + code, "", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(code + "/accept"));
  EXPECT_THAT(r.body, HasSubstr("5252_2"));
  EXPECT_THAT(r.body, Not(HasSubstr(std::string(kPerson))));
}

TEST(AltinnConsentScopes, EnsureCreatesTheOpenScopesOnceAndKeepsChangedOnes) {
  api_testing::ApiEnv env;
  ASSERT_TRUE(EnsureAltinnScopes(*env.store, env.clock).ok());
  for (std::string_view name :
       {kConsentRequestsReadScope, kConsentRequestsWriteScope, kConsentTokensScope}) {
    std::optional<ScopeRecord> s = env.store->GetScope(name).value();
    ASSERT_TRUE(s.has_value()) << name;
    EXPECT_TRUE(s->accessible_for_all);
    EXPECT_TRUE(s->active);
    EXPECT_EQ(s->owner_orgno, kAltinnLocalOrg);
    EXPECT_EQ(s->prefix, "altinn");
  }
  ScopeRecord changed = env.store->GetScope(kConsentTokensScope).value().value();
  changed.description = "changed by a seed";
  ASSERT_TRUE(env.store->UpdateScope(changed).ok());
  ASSERT_TRUE(EnsureAltinnScopes(*env.store, env.clock).ok());
  EXPECT_EQ(env.store->GetScope(kConsentTokensScope).value()->description, "changed by a seed");
  EXPECT_EQ(env.store->ListOrganizations().value().size(), 1u);
}

TEST(AltinnConsentSigner, KeyIsMadeOnceAndLoadedAfterwards) {
  api_testing::ApiEnv env;
  auto first = LoadConsentSigner(*env.store, env.clock, {.bits = 2048, .initial_key_pem = {}});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = LoadConsentSigner(
      *env.store, env.clock,
      {.bits = 2048, .initial_key_pem = mp::testing::OtherTestKey(Algorithm::kRS256).ToPkcs8Pem()});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*first)->kid, (*second)->kid);
  EXPECT_EQ((*first)->x5t, (*second)->x5t);
  EXPECT_EQ((*first)->jwks_json, (*second)->jwks_json);
  EXPECT_EQ((*first)->key.public_key().Thumbprint(), (*first)->kid);
}

// ---- Altinn 3: authorization_details at the token endpoint

using testing::Env;
using testing::GrantSpec;
using testing::KidGrant;
using testing::MakeEnv;
using testing::SignGrant;

constexpr std::string_view kCode = "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a";

// An Accepted consent from testing::kPid to `covered_by`, decided a minute before kNow.
void PutConsent(Env& env, std::string_view covered_by,
                ConsentStatus status = ConsentStatus::kAccepted,
                int64_t valid_to = testing::kNow + 86400) {
  ConsentRecord c{.authorization_code = std::string(kCode),
                  .covered_by = std::string(covered_by),
                  .offered_by = std::string(testing::kPid),
                  .offered_by_name = "Nordmann",
                  .required_delegator = std::string(testing::kPid),
                  .required_delegator_name = {},
                  .handled_by = {},
                  .redirect_url = "https://x.example/",
                  .resources = {{.service_code = "5252",
                                 .service_edition_code = 2,
                                 .metadata = {{"Navn", "TEST FORSIKRING AS"}}}},
                  .valid_to = valid_to,
                  .status = ConsentStatus::kUnopened,
                  .created = testing::kNow - 120,
                  .decided = 0};
  ASSERT_TRUE(env.store->CreateConsent(c).ok());
  if (status != ConsentStatus::kUnopened) {
    ASSERT_TRUE(env.store->DecideConsent(kCode, status, testing::kNow - 60).ok());
  }
}

GrantSpec WithConsent(GrantSpec g, std::string_view person = testing::kPid) {
  g.claims["authorization_details"] = {
      {{"type", "urn:altinn:consent"},
       {"id", kCode},
       {"from", "urn:altinn:person:identifier-no:" + std::string(person)}}};
  return g;
}

GrantVerdict Validate(Env& env, const GrantSpec& g) {
  return GrantValidator(env.config, *env.store, *env.replay, env.clock).Validate(SignGrant(g));
}

TEST(AltinnConsent3, AcceptedConsentEnrichesTheTokenEntry) {
  auto env = MakeEnv();
  PutConsent(*env, testing::kClientOrg);
  http::HttpResponse r = env->Post(SignGrant(WithConsent(KidGrant())));
  ASSERT_EQ(r.status, 200) << r.body;
  Json token = testing::JwtPayload(testing::Body(r)["access_token"].get<std::string>());
  Json want =
      Json::parse(R"([{"type":"urn:altinn:consent","id":")" + std::string(kCode) +
                  R"(","from":"urn:altinn:person:identifier-no:)" + std::string(testing::kPid) +
                  R"(","to":{"authority":"iso6523-actorid-upis","ID":"0192:)" +
                  std::string(testing::kClientOrg) +
                  R"("},"consented":"2023-11-15T22:12:20Z",)"
                  R"("validTo":"2023-11-16T22:13:20Z","consentRights":[{)"
                  R"("action":["consent"],"resource":[{"type":"urn:altinn:resource",)"
                  R"("value":"5252_2"}],"metadata":{"Navn":"TEST FORSIKRING AS"}}]}])");
  EXPECT_EQ(token["authorization_details"], want) << token["authorization_details"].dump();
}

TEST(AltinnConsent3, DelegatedGrantNeedsTheConsentOfTheDelegatingConsumer) {
  auto env = MakeEnv();
  PutConsent(*env, testing::kConsumerOrg);
  GrantVerdict ok = Validate(*env, WithConsent(testing::DelegatedGrant()));
  ASSERT_TRUE(ok.ok()) << ok.refusal.detail;
  EXPECT_EQ((*ok.grant->authorization_details)[0]["to"]["ID"],
            "0192:" + std::string(testing::kConsumerOrg));
  auto other = MakeEnv();
  PutConsent(*other, testing::kSupplierOrg);  // given to the supplier, not the consumer
  GrantVerdict refused = Validate(*other, WithConsent(testing::DelegatedGrant()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.refusal.mp_code, "MP-303");
  EXPECT_THAT(refused.refusal.detail, HasSubstr("not to the consumer 974760673"));
}

struct Refusal3 {
  const char* name;
  std::function<void(Env&)> setup;
  std::string_view person;
  std::string detail;
  std::string text;  // the error_description before the trace id (SPEC §14.3, Local choice)
};

// A legacy Altinn 2 request answers the Altinn 3 lookup as Altinn's migrated consents do
// (SPEC §14.0): Unopened is created, and the refusals carry Altinn's titles.
TEST(AltinnConsent3, EachConsentProblemIsMp303WithItsOwnText) {
  const std::vector<Refusal3> cases = {
      {"unknown", [](Env&) {}, testing::kPid, "is unknown",
       "Invalid authorization details values. Consent not found"},
      {"unopened", [](Env& e) { PutConsent(e, testing::kClientOrg, ConsentStatus::kUnopened); },
       testing::kPid, "is created, not accepted",
       "Invalid authorization details values. Consent is not accepted"},
      {"rejected", [](Env& e) { PutConsent(e, testing::kClientOrg, ConsentStatus::kRejected); },
       testing::kPid, "is rejected, not accepted",
       "Invalid authorization details values. Consent is not accepted"},
      {"expired",
       [](Env& e) {
         PutConsent(e, testing::kClientOrg, ConsentStatus::kAccepted, testing::kNow - 1);
       },
       testing::kPid, "expired at", "Invalid authorization details values. Consent is expired"},
      {"from differs", [](Env& e) { PutConsent(e, testing::kClientOrg); }, testing::kSyntheticPid80,
       "was not given by the party in from",
       "Invalid authorization details values. The consented party does not match the party "
       "requested"},
      {"other org", [](Env& e) { PutConsent(e, testing::kCertOrg); }, testing::kPid,
       "is given to 910753614, not to the consumer 991825827",
       "Invalid authorization details values. Consent not found"},
  };
  for (const Refusal3& c : cases) {
    auto env = MakeEnv();
    c.setup(*env);
    http::HttpResponse r = env->Post(SignGrant(WithConsent(KidGrant(), c.person)));
    EXPECT_TRUE(testing::IsRefusal(r, MpError::kMp303, c.text)) << c.name;
    std::vector<TokenOutcome> outcomes = env->Outcomes();
    ASSERT_EQ(outcomes.size(), 1u) << c.name;
    EXPECT_EQ(outcomes[0].mp_code, "MP-303") << c.name;
    EXPECT_THAT(outcomes[0].detail, HasSubstr(c.detail)) << c.name;
  }
}

// ---- the whole flow over sockets

constexpr std::string_view kE2eInsurer = "910753614";
constexpr std::string_view kE2eSupplier = "311654306";

std::string E2eSeed() {
  Json jwk = Json::parse(PublicKeyToJwk(testing::ClientPrivateKey().public_key(),
                                        {.kid = "k1", .alg = Algorithm::kRS256}));
  Json scopes = {kConsentRequestsWriteScope, kConsentTokensScope};
  Json seed = {{"organizations",
                {{{"orgno", kE2eInsurer}, {"name", "TEST FORSIKRING AS"}},
                 {{"orgno", kE2eSupplier}, {"name", "TEST REGNSKAPSSYSTEM AS"}}}},
               {"clients",
                {{{"client_id", "insurer-client"},
                  {"client_name", "insurer"},
                  {"client_orgno", kE2eInsurer},
                  {"scopes", scopes},
                  {"keys", {jwk}}},
                 {{"client_id", "supplier-client"},
                  {"client_name", "supplier"},
                  {"client_orgno", kE2eSupplier},
                  {"scopes", scopes},
                  {"keys", {jwk}}}}}};
  return seed.dump();
}

struct E2e {
  std::unique_ptr<LocalMaskinporten> server;
  std::shared_ptr<HttpClient> http = MakeCurlHttpClient();

  void Start(const std::string& db_path) {
    LocalMaskinportenOptions o;
    o.seed_json = E2eSeed();
    o.signing_key_pem = testing::ServerKey().ToPkcs8Pem();
    o.db_path = db_path;
    o.threads = 2;
    Result<std::unique_ptr<LocalMaskinporten>> s = LocalMaskinporten::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server = std::move(s).value();
  }

  Result<AccessToken> Token(const std::string& client_id, TokenRequest request) {
    Result<Endpoints> ep = Discover(*http, server->issuer());
    if (!ep.ok()) return ep.status();
    MP_ASSIGN_OR_RETURN(Credentials creds, Credentials::WithKid(testing::ClientPrivateKey(), "k1"));
    TokenClient client(
        {.endpoints = *ep, .client_id = client_id, .credentials = std::move(creds), .http = http});
    return client.Fetch(request);
  }
  std::string Bearer(const std::string& client_id) {
    Result<AccessToken> t = Token(client_id, {.scopes = {std::string(kConsentRequestsWriteScope),
                                                         std::string(kConsentTokensScope)}});
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->access_token : std::string();
  }
  mp::HttpResponse Send(std::string method, std::string path, std::string body,
                        const std::string& bearer) {
    mp::HttpRequest req{.method = std::move(method), .url = server->base_url() + path};
    if (!bearer.empty()) req.headers.push_back({"Authorization", "Bearer " + bearer});
    if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
    req.body = std::move(body);
    Result<mp::HttpResponse> r = http->Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : mp::HttpResponse{};
  }
  Jwks ConsentJwks() {
    mp::HttpResponse meta = Send("GET", "/altinn/.well-known/oauth-authorization-server", "", "");
    Json j = Json::parse(meta.body);
    EXPECT_EQ(j["issuer"], server->consent_issuer());
    EXPECT_EQ(j["jwks_uri"], server->consent_jwks_uri());
    Result<mp::HttpResponse> r = http->Send({.method = "GET", .url = server->consent_jwks_uri()});
    EXPECT_TRUE(r.ok());
    Result<Jwks> jwks = Jwks::Parse(r.ok() ? r->body : "");
    EXPECT_TRUE(jwks.ok()) << jwks.status().ToString();
    return jwks.ok() ? *jwks : Jwks();
  }
};

Json E2eRequest() {
  Json body = RequestBody();
  body["coveredBy"] = kE2eInsurer;
  body["handledBy"] = kE2eSupplier;
  // Two years from the real clock, as a date.
  const int64_t in_two_years = SystemClock::Instance().NowSeconds() + int64_t{730} * 86400;
  body["validTo"] = registry::IsoTime(in_two_years).substr(0, 10);
  return body;
}

TEST(AltinnConsentE2e, SupplierGetsASamtykketokenAndTheInsurerAnAltinn3TokenAcrossARestart) {
  mp::testing::TempDir dir;
  const std::string db = dir.File("registry.db");
  E2e e;
  ASSERT_NO_FATAL_FAILURE(e.Start(db));
  EXPECT_EQ(e.server->consent_issuer(), e.server->base_url() + "/altinn/");
  EXPECT_EQ(e.server->consent_jwks_uri(), e.server->base_url() + "/altinn/jwks");

  // The supplier asks for the consent on the insurer's behalf; the person accepts.
  const std::string supplier = e.Bearer("supplier-client");
  mp::HttpResponse created =
      e.Send("POST", "/altinn/api/consentRequests", E2eRequest().dump(), supplier);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string code = Json::parse(created.body)["AuthorizationCode"];
  mp::HttpResponse accepted = e.Send("POST", "/altinn/api/consentRequests/" + code + "/accept",
                                     R"({"person":"01819010001"})", "");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  mp::HttpResponse token =
      e.Send("GET", "/altinn/api/authorization/token?authcode=" + code, "", supplier);
  ASSERT_EQ(token.status, 200) << token.body;
  Result<VerifiedJwt> jwt = VerifyJwt(token.body, e.ConsentJwks(), VerifyOptions{Algorithm::kRS256},
                                      {.issuer = e.server->consent_issuer()});
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  EXPECT_EQ(jwt->claims.GetString("HandledBy").value(), std::string(kE2eSupplier));
  EXPECT_EQ(jwt->claims.GetString("CoveredBy").value(), std::string(kE2eInsurer));

  // Restart on the same file: the consent and the key survive.
  e.server->Stop();
  e.server.reset();
  ASSERT_NO_FATAL_FAILURE(e.Start(db));
  Result<VerifiedJws> old =
      VerifyJws(token.body, e.ConsentJwks(), VerifyOptions{Algorithm::kRS256});
  EXPECT_TRUE(old.ok()) << old.status().ToString();

  // Altinn 3: the insurer's Maskinporten token carries the consent.
  Result<AccessToken> at = e.Token(
      "insurer-client",
      {.scopes = {std::string(kConsentTokensScope)},
       .authorization_details = Json{{"type", "urn:altinn:consent"},
                                     {"id", code},
                                     {"from", "urn:altinn:person:identifier-no:01819010001"}}
                                    .dump()});
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  Json details = testing::JwtPayload(at->access_token)["authorization_details"][0];
  EXPECT_EQ(details["to"]["ID"], "0192:" + std::string(kE2eInsurer));
  EXPECT_EQ(details["consentRights"][0]["resource"][0]["value"], "5252_2");
  EXPECT_TRUE(details.contains("consented"));
  EXPECT_TRUE(details.contains("validTo"));
  // The supplier's own token is not the consumer the consent was given to: MP-303.
  Result<AccessToken> refused = e.Token(
      "supplier-client",
      {.scopes = {std::string(kConsentTokensScope)},
       .authorization_details = Json{{"type", "urn:altinn:consent"},
                                     {"id", code},
                                     {"from", "urn:altinn:person:identifier-no:01819010001"}}
                                    .dump()});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("MP-303"));
}

}  // namespace
}  // namespace mp::server
