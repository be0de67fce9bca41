// The example API end to end over real sockets: a LocalMaskinporten issues real access tokens
// (insurer, supplier for the insurer through Altinn delegation, supplier for itself), the test
// mints Altinn 2 samtykketokens with its own key (JWKS served by a FakeHttpClient that forwards
// every other URL to libcurl), and the API answers GET /ssu/v1/records as NAV would: 200, or
// 400 / 401 / 403 with the rule that failed, one audit line per request.
#include "maskinporten/example_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/random.h"
#include "maskinporten/consent.h"
#include "maskinporten/environment.h"
#include "maskinporten/grant.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/token_client.h"
#include "testing/fake_http_client.h"
#include "testing/jose_fixtures.h"
#include "testing/process.h"
#include "validate/access_token_fixtures.h"

namespace mp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kNavOrg = "889640782";       // TEST VELFERDSETAT: the API owner
constexpr std::string_view kInsurerOrg = "910753614";   // TEST FORSIKRING AS
constexpr std::string_view kSupplierOrg = "311654306";  // TEST REGNSKAPSSYSTEM AS
constexpr std::string_view kPerson = "01819010001";
constexpr std::string_view kOtherPerson = "02819010040";
constexpr std::string_view kOtherScope = "nav:example/other.read";

// The Altinn 2 stand-in of these tests: iss and JWKS URL answered by the FakeHttpClient.
constexpr std::string_view kConsentIssuer = "https://altinn.test/";
constexpr std::string_view kConsentJwksUri = "https://altinn.test/jwks";
constexpr std::string_view kConsentKid = "altinn-test-1";
// The fake Maskinporten whose tokens the test mints itself (Altinn 3 consent inside the token).
constexpr std::string_view kFakeJwksUri = "https://test.maskinporten.no/jwk";

const PrivateKey& ConsentKey() {
  static const PrivateKey* key = [] {
    Result<PrivateKey> k = PrivateKey::Generate(Algorithm::kRS256, 2048);
    if (!k.ok()) std::abort();
    return new PrivateKey(*std::move(k));
  }();
  return *key;
}

std::string JwksJson(const PrivateKey& key, std::string_view kid) {
  return "{\"keys\":[" +
         PublicKeyToJwk(key.public_key(), {.kid = std::string(kid), .alg = Algorithm::kRS256}) +
         "]}";
}

// The Altinn consent API's open scopes (created by the local Maskinporten at start).
constexpr std::string_view kConsentRequestsWrite = "altinn:consentrequests.write";
constexpr std::string_view kConsentTokens = "altinn:consenttokens";

// `consent_scopes`: also give both clients the open scopes of the local Altinn stand-in.
enum class ConsentScopes { kNo, kYes };

std::string Seed(ConsentScopes consent_scopes = ConsentScopes::kNo) {
  nlohmann::json jwk = nlohmann::json::parse(PublicKeyToJwk(
      testing::TestKey(Algorithm::kRS256).public_key(), {.kid = "k1", .alg = Algorithm::kRS256}));
  nlohmann::json seed = {
      {"organizations",
       {{{"orgno", kNavOrg}, {"name", "TEST VELFERDSETAT"}},
        {{"orgno", kInsurerOrg}, {"name", "TEST FORSIKRING AS"}},
        {{"orgno", kSupplierOrg}, {"name", "TEST REGNSKAPSSYSTEM AS"}}}},
      {"scopes",
       {{{"prefix", "nav"},
         {"subscope", "example/ssu.read"},
         {"owner_orgno", kNavOrg},
         {"delegation_source", "https://tt02.altinn.no/"}},
        {{"prefix", "nav"}, {"subscope", "example/other.read"}, {"owner_orgno", kNavOrg}}}},
      // NAV also grants the supplier itself, so its own token is valid and only the consent rule
      // refuses it.
      {"access",
       {{{"scope", kExampleApiScope}, {"consumer_orgno", kInsurerOrg}, {"state", "APPROVED"}},
        {{"scope", kExampleApiScope}, {"consumer_orgno", kSupplierOrg}, {"state", "APPROVED"}},
        {{"scope", kOtherScope}, {"consumer_orgno", kInsurerOrg}, {"state", "APPROVED"}}}},
      {"clients",
       {{{"client_id", "insurer-client"},
         {"client_name", "insurer"},
         {"client_orgno", kInsurerOrg},
         {"scopes", {kExampleApiScope, kOtherScope}},
         {"keys", {jwk}}},
        {{"client_id", "supplier-client"},
         {"client_name", "supplier"},
         {"client_orgno", kSupplierOrg},
         {"scopes", {kExampleApiScope}},
         {"keys", {jwk}}}}},
      {"delegations",
       {{{"consumer_orgno", kInsurerOrg},
         {"supplier_orgno", kSupplierOrg},
         {"scope", kExampleApiScope}}}},
  };
  if (consent_scopes == ConsentScopes::kYes) {
    for (auto& client : seed["clients"]) {
      client["scopes"].push_back(kConsentRequestsWrite);
      client["scopes"].push_back(kConsentTokens);
    }
  }
  return seed.dump();
}

std::string IsoUtc(int64_t unix_seconds) {
  std::time_t t = unix_seconds;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// An Altinn 2 samtykketoken (SPEC §11.1, issue 5's stand-in shape). Times relative to `now`.
struct ConsentSpec {
  std::string code = RandomUuid();
  std::string covered_by = std::string(kInsurerOrg);
  std::string offered_by = std::string(kPerson);
  std::optional<std::string> handled_by{};
  std::vector<std::string> services = {"5252_2", "5252_2_Navn=TEST FORSIKRING AS"};
  int64_t delegated_offset = -3600;
  int64_t valid_to_offset = 365 * 86400;
  const PrivateKey* key = nullptr;  // ConsentKey()
  std::string issuer = std::string(kConsentIssuer);
};

std::string MintConsent(const ConsentSpec& spec, int64_t now) {
  nlohmann::ordered_json c;
  c["Services"] = spec.services;
  c["AuthorizationCode"] = spec.code;
  c["OfferedBy"] = spec.offered_by;
  c["RequiredDelegator"] = spec.offered_by;
  c["CoveredBy"] = spec.covered_by;
  if (spec.handled_by) c["HandledBy"] = *spec.handled_by;
  c["DelegatedDate"] = now + spec.delegated_offset;
  c["ValidToDate"] = now + spec.valid_to_offset;
  c["iss"] = spec.issuer;
  c["nbf"] = now;
  c["iat"] = now;
  c["exp"] = now + 30;
  Result<std::string> token =
      SignJws(spec.key ? *spec.key : ConsentKey(), c.dump(),
              {.alg = Algorithm::kRS256, .kid = std::string(kConsentKid), .typ = "JWT"});
  if (!token.ok()) std::abort();
  return *token;
}

// An Altinn 3 consent entry as Maskinporten puts it into the token (SPEC §11.3).
std::string Altinn3Details(std::string_view to_org, std::string_view from_person, int64_t now,
                           int64_t valid_to_offset = 365 * 86400) {
  nlohmann::ordered_json entry;
  entry["type"] = "urn:altinn:consent";
  entry["id"] = RandomUuid();
  entry["from"] = "urn:altinn:person:identifier-no:" + std::string(from_person);
  entry["to"] = {{"authority", "iso6523-actorid-upis"}, {"ID", "0192:" + std::string(to_org)}};
  entry["consented"] = IsoUtc(now - 3600);
  entry["validTo"] = IsoUtc(now + valid_to_offset);
  entry["consentRights"] = {{{"action", {"consent"}},
                             {"resource", {{{"type", "urn:altinn:resource"}, {"value", "5252_2"}}}},
                             {"metadata", {{"Navn", "TEST FORSIKRING AS"}}}}};
  return nlohmann::ordered_json::array({entry}).dump();
}

struct Call {
  std::optional<std::string> token{};
  std::string person = std::string(kPerson);
  std::optional<std::string> consent{};
  std::optional<std::string> callid = RandomUuid();
  std::vector<std::pair<std::string, std::string>> extra_headers{};
};

// A LocalMaskinporten, the consent JWKS fake, and an ExampleApi over them.
class ExampleApiFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalMaskinportenOptions o;
    o.seed_json = Seed(consent_scopes_);
    o.signing_key_pem = testing::OtherTestKey(Algorithm::kRS256).ToPkcs8Pem();
    o.threads = 2;
    Result<std::unique_ptr<LocalMaskinporten>> m = LocalMaskinporten::Start(o);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    mp_ = std::move(m).value();
    curl_ = MakeCurlHttpClient();
    std::shared_ptr<HttpClient> curl = curl_;
    fake_ = std::make_shared<testing::FakeHttpClient>(
        [curl, consent_jwks = JwksJson(ConsentKey(), kConsentKid),
         mp_jwks = testing::TestAccessTokenJwks().ToJson()](
            const HttpRequest& r) -> Result<HttpResponse> {
          if (r.url == kConsentJwksUri) return testing::JsonResponse(200, consent_jwks);
          if (r.url == kFakeJwksUri) return testing::JsonResponse(200, mp_jwks);
          return curl->Send(r);
        });
  }

  ExampleApiOptions Options() {
    ExampleApiOptions o;
    o.maskinporten_issuer = mp_->issuer();  // keys by discovery on first request
    o.consent_issuer = std::string(kConsentIssuer);
    o.consent_jwks_uri = std::string(kConsentJwksUri);
    o.audit_log_path = dir_.File("audit.jsonl");
    o.http = fake_;
    o.threads = 4;
    return o;
  }

  void StartApi(ExampleApiOptions o) {
    Result<std::unique_ptr<ExampleApi>> api = ExampleApi::Start(o);
    ASSERT_TRUE(api.ok()) << api.status().ToString();
    api_ = std::move(api).value();
  }
  void StartApi() { StartApi(Options()); }

  std::string Token(std::string client_id, std::optional<std::string_view> consumer_org = {},
                    std::string scope = std::string(kExampleApiScope)) {
    Result<Endpoints> ep = Discover(*curl_, mp_->issuer());
    EXPECT_TRUE(ep.ok()) << ep.status().ToString();
    if (!ep.ok()) return "";
    Result<Credentials> creds = Credentials::WithKid(testing::TestKey(Algorithm::kRS256), "k1");
    EXPECT_TRUE(creds.ok());
    TokenClient client({.endpoints = *ep,
                        .client_id = std::move(client_id),
                        .credentials = *creds,
                        .http = curl_});
    TokenRequest request{.scopes = {std::move(scope)}};
    if (consumer_org) request.consumer_org = OrgNumber::Parse(*consumer_org).value();
    Result<AccessToken> token = client.Fetch(request);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? token->access_token : "";
  }

  std::string Samtykke(ConsentSpec spec = {}) {
    return MintConsent(spec, SystemClock::Instance().NowSeconds());
  }

  HttpResponse Get(const Call& call) {
    HttpRequest r{.method = "GET", .url = api_->records_url()};
    if (call.token) r.headers.emplace_back("Authorization", "Bearer " + *call.token);
    r.headers.emplace_back("NAV-PersonIdent", call.person);
    if (call.consent) r.headers.emplace_back("NAV-Samtykke-Token", *call.consent);
    if (call.callid) r.headers.emplace_back("x-callid", *call.callid);
    for (const auto& h : call.extra_headers) r.headers.push_back(h);
    Result<HttpResponse> response = curl_->Send(r);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? *response : HttpResponse{};
  }

  std::vector<nlohmann::json> AuditLines() {
    std::ifstream in(dir_.File("audit.jsonl"));
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

  ConsentScopes consent_scopes_ = ConsentScopes::kNo;
  testing::TempDir dir_;
  FakeClock later_{0};  // outlives api_
  std::unique_ptr<LocalMaskinporten> mp_;
  std::shared_ptr<HttpClient> curl_;
  std::shared_ptr<testing::FakeHttpClient> fake_;
  std::unique_ptr<ExampleApi> api_;
};

nlohmann::json Body(const HttpResponse& r) { return nlohmann::json::parse(r.body); }

std::string WwwAuthenticate(const HttpResponse& r) {
  return r.Header("www-authenticate").value_or("");
}

TEST_F(ExampleApiFlow, InsurerTokenWithConsentGetsSyntheticRecords) {
  StartApi();
  std::string code = RandomUuid();
  HttpResponse r = Get({.token = Token("insurer-client"), .consent = Samtykke({.code = code})});
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json body = Body(r);
  EXPECT_EQ(body["person"], "018190*****");
  EXPECT_EQ(body["consumer"], "0192:910753614");
  EXPECT_TRUE(body["supplier"].is_null());
  EXPECT_EQ(body["consent_id"], code);
  EXPECT_EQ(body["synthetic"], true);
  ASSERT_TRUE(body["records"].is_array());
  ASSERT_GE(body["records"].size(), 3u);
  for (const auto& record : body["records"]) EXPECT_EQ(record["synthetic"], true);
  EXPECT_THAT(r.body, Not(HasSubstr(std::string(kPerson))));
}

TEST_F(ExampleApiFlow, RecordsAreTheSameForTheSamePerson) {
  StartApi();
  std::string token = Token("insurer-client");
  HttpResponse a = Get({.token = token, .consent = Samtykke()});
  HttpResponse b = Get({.token = token, .consent = Samtykke()});
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(Body(a)["records"], Body(b)["records"]);
}

TEST_F(ExampleApiFlow, SupplierTokenForTheInsurerWithConsentGetsRecords) {
  StartApi();
  std::string token = Token("supplier-client", kInsurerOrg);
  HttpResponse r =
      Get({.token = token, .consent = Samtykke({.handled_by = std::string(kSupplierOrg)})});
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json body = Body(r);
  EXPECT_EQ(body["consumer"], "0192:910753614");
  EXPECT_EQ(body["supplier"], "0192:311654306");
  std::vector<nlohmann::json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["supplier"], "0192:311654306");
  EXPECT_EQ(audit[0]["decision"], "permit");
}

TEST_F(ExampleApiFlow, SuppliersOwnTokenIsRefusedWithConsentOrgMismatch) {
  StartApi();
  std::string token = Token("supplier-client");  // consumer = the supplier itself
  HttpResponse r =
      Get({.token = token, .consent = Samtykke({.handled_by = std::string(kSupplierOrg)})});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_org_mismatch");
  EXPECT_THAT(Body(r)["error_description"].get<std::string>(), HasSubstr("910753614"));
  EXPECT_THAT(WwwAuthenticate(r), HasSubstr("error=\"insufficient_scope\""));
  EXPECT_THAT(WwwAuthenticate(r), HasSubstr("error_description=\""));
}

TEST_F(ExampleApiFlow, AnotherPersonIsRefusedWithConsentPersonMismatch) {
  StartApi();
  HttpResponse r = Get({.token = Token("insurer-client"),
                        .person = std::string(kOtherPerson),
                        .consent = Samtykke()});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_person_mismatch");
  EXPECT_THAT(r.body, Not(HasSubstr(std::string(kPerson))));
  EXPECT_THAT(r.body, Not(HasSubstr(std::string(kOtherPerson))));
  EXPECT_THAT(WwwAuthenticate(r), Not(HasSubstr(std::string(kOtherPerson))));
}

TEST_F(ExampleApiFlow, ExpiredConsentIsRefusedWithConsentNotValid) {
  StartApi();
  HttpResponse r = Get({.token = Token("insurer-client"),
                        .consent = Samtykke({.delegated_offset = -7200, .valid_to_offset = -60})});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_not_valid");
}

TEST_F(ExampleApiFlow, ConsentForAnotherServiceIsRefused) {
  StartApi();
  HttpResponse r = Get({.token = Token("insurer-client"),
                        .consent = Samtykke({.services = {"4630_2", "4630_2_fraOgMed=2017-06"}})});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_not_valid");
  EXPECT_THAT(Body(r)["error_description"].get<std::string>(), HasSubstr("5252_2"));
}

TEST_F(ExampleApiFlow, SamtykketokenSignedByAnotherKeyIsRefused) {
  StartApi();
  HttpResponse r = Get({.token = Token("insurer-client"),
                        .consent = Samtykke({.key = &testing::OtherTestKey(Algorithm::kRS256)})});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_not_valid");
  EXPECT_THAT(Body(r)["error_description"].get<std::string>(), HasSubstr("NAV-Samtykke-Token"));
}

TEST_F(ExampleApiFlow, NoConsentAtAllIsRefusedWithConsentNotValid) {
  StartApi();
  HttpResponse r = Get({.token = Token("insurer-client")});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_not_valid");
  EXPECT_THAT(Body(r)["error_description"].get<std::string>(), HasSubstr("no consent"));
}

TEST_F(ExampleApiFlow, TokenWithoutTheScopeIsRefusedWithInsufficientScope) {
  StartApi();
  std::string token = Token("insurer-client", {}, std::string(kOtherScope));
  HttpResponse r = Get({.token = token, .consent = Samtykke()});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "insufficient_scope");
  EXPECT_THAT(WwwAuthenticate(r), HasSubstr("error=\"insufficient_scope\""));
  EXPECT_THAT(WwwAuthenticate(r), HasSubstr("scope=\"nav:example/ssu.read\""));
}

TEST_F(ExampleApiFlow, NoAuthorizationHeaderGets401WithABareChallenge) {
  StartApi();
  HttpResponse r = Get({.consent = Samtykke()});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(WwwAuthenticate(r), "Bearer realm=\"example-api\"");
  EXPECT_EQ(Body(r)["error"], "missing_token");
}

TEST_F(ExampleApiFlow, AuthorizationOfAnotherSchemeGets401InvalidToken) {
  StartApi();
  HttpResponse r = Get({.consent = Samtykke(), .extra_headers = {{"Authorization", "Basic eDp5"}}});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(Body(r)["error"], "invalid_token");
}

TEST_F(ExampleApiFlow, TokenWithAForeignSignatureGets401InvalidToken) {
  StartApi();
  std::string token = Token("insurer-client");
  std::string other = Token("supplier-client");
  // Keep header and payload, take the other token's (valid, but not matching) signature.
  std::string forged = token.substr(0, token.rfind('.')) + other.substr(other.rfind('.'));
  HttpResponse r = Get({.token = forged, .consent = Samtykke()});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(Body(r)["error"], "invalid_token");
  EXPECT_THAT(WwwAuthenticate(r), HasSubstr("error=\"invalid_token\""));
}

TEST_F(ExampleApiFlow, ExpiredAccessTokenGets401InvalidToken) {
  later_.SetSeconds(SystemClock::Instance().NowSeconds() + 600);
  ExampleApiOptions o = Options();
  o.clock = &later_;
  StartApi(o);
  std::string token = Token("insurer-client");
  HttpResponse r = Get({.token = token, .consent = MintConsent({}, later_.NowSeconds())});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(Body(r)["error"], "invalid_token");
  EXPECT_THAT(Body(r)["error_description"].get<std::string>(), HasSubstr("exp"));
}

TEST_F(ExampleApiFlow, TokenFromAnotherIssuerGets401InvalidToken) {
  ExampleApiOptions o = Options();
  o.maskinporten_issuer = "https://maskinporten.no/";
  o.maskinporten_jwks_uri = mp_->issuer() + "jwk";
  StartApi(o);
  HttpResponse r = Get({.token = Token("insurer-client"), .consent = Samtykke()});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(Body(r)["error"], "invalid_token");
  EXPECT_THAT(Body(r)["error_description"].get<std::string>(), HasSubstr("iss"));
}

TEST_F(ExampleApiFlow, MissingOrMalformedCallidGets400) {
  StartApi();
  std::string token = Token("insurer-client");
  HttpResponse missing = Get({.token = token, .consent = Samtykke(), .callid = std::nullopt});
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(Body(missing)["error"], "invalid_request");
  EXPECT_THAT(Body(missing)["error_description"].get<std::string>(), HasSubstr("x-callid"));
  HttpResponse bad = Get({.token = token, .consent = Samtykke(), .callid = "call-1"});
  EXPECT_EQ(bad.status, 400) << bad.body;
  std::vector<nlohmann::json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 2u);
  for (const auto& line : audit) {
    EXPECT_EQ(line["decision"], "deny");
    EXPECT_EQ(line["status"], 400);
  }
}

TEST_F(ExampleApiFlow, PersonIdentNotElevenDigitsGets400) {
  StartApi();
  for (std::string person : {"0181901000", "018190100011", "0181901000X", ""}) {
    HttpResponse r =
        Get({.token = Token("insurer-client"), .person = person, .consent = Samtykke()});
    EXPECT_EQ(r.status, 400) << person << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr("NAV-PersonIdent"));
  }
}

TEST_F(ExampleApiFlow, Altinn3ConsentInsideTheTokenGetsRecords) {
  ExampleApiOptions o = Options();
  o.maskinporten_issuer = testing::kTestIssuer;
  o.maskinporten_jwks_uri = std::string(kFakeJwksUri);
  o.consent_issuer = "";  // Altinn 3 only
  o.consent_jwks_uri = "";
  StartApi(o);
  int64_t now = SystemClock::Instance().NowSeconds();
  std::string details = Altinn3Details(kInsurerOrg, kPerson, now);
  std::string token = testing::MintAccessToken({.authorization_details_json = details}, now);
  HttpResponse r = Get({.token = token});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["consent_id"], nlohmann::json::parse(details)[0]["id"]);
  EXPECT_EQ(Body(r)["consent_form"], "altinn3");
  std::vector<nlohmann::json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["consent_form"], "altinn3");
}

TEST_F(ExampleApiFlow, Altinn3ConsentForAnotherPersonIsRefused) {
  ExampleApiOptions o = Options();
  o.maskinporten_issuer = testing::kTestIssuer;
  o.maskinporten_jwks_uri = std::string(kFakeJwksUri);
  StartApi(o);
  int64_t now = SystemClock::Instance().NowSeconds();
  std::string token = testing::MintAccessToken(
      {.authorization_details_json = Altinn3Details(kInsurerOrg, kOtherPerson, now)}, now);
  HttpResponse r = Get({.token = token});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_person_mismatch");
}

// Issue 15: an Altinn 3 consent past its validTo (the token itself still valid) is refused.
TEST_F(ExampleApiFlow, Altinn3ExpiredConsentIsRefusedWithConsentNotValid) {
  ExampleApiOptions o = Options();
  o.maskinporten_issuer = testing::kTestIssuer;
  o.maskinporten_jwks_uri = std::string(kFakeJwksUri);
  StartApi(o);
  int64_t now = SystemClock::Instance().NowSeconds();
  std::string token = testing::MintAccessToken(
      {.authorization_details_json = Altinn3Details(kInsurerOrg, kPerson, now, -60)}, now);
  HttpResponse r = Get({.token = token});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_not_valid");
  EXPECT_THAT(Body(r)["error_description"].get<std::string>(), HasSubstr("consent expired at"));
}

// Issue 15: an Altinn 3 consent given to another org than the token's consumer is refused.
TEST_F(ExampleApiFlow, Altinn3ConsentOfAnotherOrgIsRefusedWithConsentOrgMismatch) {
  ExampleApiOptions o = Options();
  o.maskinporten_issuer = testing::kTestIssuer;
  o.maskinporten_jwks_uri = std::string(kFakeJwksUri);
  StartApi(o);
  int64_t now = SystemClock::Instance().NowSeconds();
  std::string token = testing::MintAccessToken(
      {.authorization_details_json = Altinn3Details("889640782", kPerson, now)}, now);
  HttpResponse r = Get({.token = token});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_org_mismatch");
}

TEST_F(ExampleApiFlow, SamtykketokenIsRefusedWhenNoConsentIssuerIsConfigured) {
  ExampleApiOptions o = Options();
  o.consent_issuer = "";
  o.consent_jwks_uri = "";
  StartApi(o);
  HttpResponse r = Get({.token = Token("insurer-client"), .consent = Samtykke()});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_not_valid");
}

TEST_F(ExampleApiFlow, AuditLogHasOneLinePerDecisionAndNoPersonId) {
  StartApi();
  std::string token = Token("insurer-client");
  std::string callid = RandomUuid();
  EXPECT_EQ(Get({.token = token, .consent = Samtykke(), .callid = callid}).status, 200);
  EXPECT_EQ(
      Get({.token = token, .person = std::string(kOtherPerson), .consent = Samtykke()}).status,
      403);
  EXPECT_EQ(Get({.consent = Samtykke()}).status, 401);
  EXPECT_EQ(Get({.token = token, .consent = Samtykke(), .callid = std::nullopt}).status, 400);

  std::vector<nlohmann::json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[0]["decision"], "permit");
  EXPECT_EQ(audit[0]["status"], 200);
  EXPECT_EQ(audit[0]["callid"], callid);
  EXPECT_EQ(audit[0]["consumer"], "0192:910753614");
  EXPECT_TRUE(audit[0]["supplier"].is_null());
  EXPECT_EQ(audit[0]["person_hash"], HashPersonId(kPerson));
  EXPECT_TRUE(audit[0]["consent_id"].is_string());
  EXPECT_EQ(audit[0]["consent_form"], "altinn2_samtykketoken");
  EXPECT_EQ(audit[1]["decision"], "deny");
  EXPECT_EQ(audit[1]["status"], 403);
  EXPECT_EQ(audit[1]["person_hash"], HashPersonId(kOtherPerson));
  EXPECT_THAT(audit[1]["reason"].get<std::string>(), HasSubstr("consent_person_mismatch"));
  EXPECT_EQ(audit[2]["status"], 401);
  EXPECT_TRUE(audit[2]["consumer"].is_null());
  EXPECT_EQ(audit[3]["status"], 400);
  for (const auto& line : audit) {
    for (const char* member : {"time", "callid", "consumer", "supplier", "person_hash",
                               "consent_id", "consent_form", "decision", "status", "reason"}) {
      EXPECT_TRUE(line.contains(member)) << member << " in " << line.dump();
    }
  }
  std::ifstream in(dir_.File("audit.jsonl"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, Not(HasSubstr(std::string(kPerson))));
  EXPECT_THAT(text, Not(HasSubstr(std::string(kOtherPerson))));
  EXPECT_THAT(text, Not(HasSubstr(token.substr(token.rfind('.') + 1))));
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("audit.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ExampleApiFlow, AuditLinesAlsoGoToTheCallback) {
  ExampleApiOptions o = Options();
  auto mu = std::make_shared<std::mutex>();
  auto lines = std::make_shared<std::vector<std::string>>();
  o.on_audit = [mu, lines](std::string_view line) {
    std::lock_guard<std::mutex> lock(*mu);
    lines->emplace_back(line);
  };
  StartApi(o);
  EXPECT_EQ(Get({.token = Token("insurer-client"), .consent = Samtykke()}).status, 200);
  std::lock_guard<std::mutex> lock(*mu);
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ(nlohmann::json::parse((*lines)[0])["decision"], "permit");
}

TEST_F(ExampleApiFlow, ConcurrentRequestsAreAllAnsweredCorrectly) {
  StartApi();
  std::string insurer = Token("insurer-client");
  std::string supplier = Token("supplier-client", kInsurerOrg);
  std::string consent = Samtykke({.handled_by = std::string(kSupplierOrg)});
  std::string insurer_consent = Samtykke();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        bool other_person = (t + i) % 3 == 0;
        bool via_supplier = t % 2 == 0;
        HttpRequest r{.method = "GET", .url = api_->records_url()};
        r.headers = {{"Authorization", "Bearer " + (via_supplier ? supplier : insurer)},
                     {"NAV-PersonIdent", std::string(other_person ? kOtherPerson : kPerson)},
                     {"NAV-Samtykke-Token", via_supplier ? consent : insurer_consent},
                     {"x-callid", RandomUuid()}};
        Result<HttpResponse> response = curl_->Send(r);
        int want = other_person ? 403 : 200;
        if (!response.ok() || response->status != want) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  std::vector<nlohmann::json> audit = AuditLines();
  EXPECT_EQ(audit.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(ExampleApiFlow, StartsBeforeItsIssuerAndAnswers503UntilKeysCanBeFetched) {
  ExampleApiOptions o = Options();
  // Nothing listens on port 1: discovery fails, the API still starts and stays up.
  o.maskinporten_issuer = "http://127.0.0.1:1/";
  StartApi(o);
  HttpResponse r = Get({.token = Token("insurer-client"), .consent = Samtykke()});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(Body(r)["error"], "temporarily_unavailable");
  Result<HttpResponse> health = curl_->Send({.url = api_->base_url() + "/health"});
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");
}

TEST_F(ExampleApiFlow, OtherMethodsOnRecordsAre405AndAudited) {
  StartApi();
  Result<HttpResponse> r = curl_->Send({.method = "POST", .url = api_->records_url()});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow").value_or(""), "GET");
  EXPECT_EQ(AuditLines().size(), 1u);
}

// The whole Altinn 2 flow against the local stand-in (issue 5): the insurer asks for consent
// with the supplier as handledBy, the person accepts, the supplier fetches the samtykketoken, and
// the example API (consent keys by discovery of consent_issuer) applies NAV's rule to it.
class ExampleApiWithLocalAltinn : public ExampleApiFlow {
 protected:
  void SetUp() override {
    consent_scopes_ = ConsentScopes::kYes;
    ExampleApiFlow::SetUp();
  }

  HttpResponse AltinnCall(std::string method, const std::string& path, std::string body,
                          const std::string& token) {
    HttpRequest r{.method = std::move(method), .url = mp_->base_url() + path};
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty()) {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = std::move(body);
    }
    Result<HttpResponse> response = curl_->Send(r);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? *response : HttpResponse{};
  }

  // The samtykketoken for kPerson, covering the insurer, handled by the supplier.
  std::string LocalSamtykke(std::string* code_out) {
    int64_t now = SystemClock::Instance().NowSeconds();
    nlohmann::json request = {{"coveredBy", kInsurerOrg},
                              {"offeredBy", kPerson},
                              {"offeredByName", "Nordmann"},
                              {"handledBy", kSupplierOrg},
                              {"validTo", IsoUtc(now + 180 * 86400)},
                              {"redirectUrl", "https://forsikring.test/samtykke/ferdig"},
                              {"requestResources",
                               {{{"serviceCode", "5252"},
                                 {"serviceEditionCode", 2},
                                 {"metadata", {{"Navn", "TEST FORSIKRING AS"}}}}}}};
    HttpResponse created =
        AltinnCall("POST", "/altinn/api/consentRequests", request.dump(),
                   Token("insurer-client", {}, std::string(kConsentRequestsWrite)));
    EXPECT_EQ(created.status, 201) << created.body;
    if (created.status != 201) return "";
    std::string code = nlohmann::json::parse(created.body)["AuthorizationCode"];
    HttpResponse accepted = AltinnCall("POST", "/altinn/api/consentRequests/" + code + "/accept",
                                       R"({"person":")" + std::string(kPerson) + R"("})", "");
    EXPECT_EQ(accepted.status, 200) << accepted.body;
    HttpResponse token = AltinnCall("GET", "/altinn/api/authorization/token?authcode=" + code, "",
                                    Token("supplier-client", {}, std::string(kConsentTokens)));
    EXPECT_EQ(token.status, 200) << token.body;
    if (code_out != nullptr) *code_out = code;
    return token.body;
  }

  ExampleApiOptions LocalAltinnOptions() {
    ExampleApiOptions o = Options();
    o.consent_issuer = mp_->consent_issuer();
    o.consent_jwks_uri = "";  // discovered from <consent_issuer>.well-known/...
    return o;
  }
};

TEST_F(ExampleApiWithLocalAltinn, SupplierWithDelegatedTokenAndLocalConsentGetsRecords) {
  StartApi(LocalAltinnOptions());
  std::string code;
  std::string samtykke = LocalSamtykke(&code);
  ASSERT_FALSE(samtykke.empty());
  HttpResponse r = Get({.token = Token("supplier-client", kInsurerOrg), .consent = samtykke});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["consent_id"], code);
  EXPECT_EQ(Body(r)["consumer"], "0192:910753614");
  EXPECT_EQ(Body(r)["supplier"], "0192:311654306");
}

TEST_F(ExampleApiWithLocalAltinn, SuppliersOwnTokenWithLocalConsentIsRefusedByTheOrgRule) {
  StartApi(LocalAltinnOptions());
  std::string samtykke = LocalSamtykke(nullptr);
  ASSERT_FALSE(samtykke.empty());
  HttpResponse r = Get({.token = Token("supplier-client"), .consent = samtykke});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Body(r)["error"], "consent_org_mismatch");
}

TEST(ExampleApi, StartRefusesBadOptionsNamingThem) {
  auto http = MakeCurlHttpClient();
  ExampleApiOptions o;
  o.http = std::move(http);
  Result<std::unique_ptr<ExampleApi>> api = ExampleApi::Start(o);
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(api.status().message(), HasSubstr("maskinporten_issuer"));

  o.maskinporten_issuer = "https://test.maskinporten.no/";
  o.consent_issuer = "altinn.no";  // not a URL: its JWKS URL must be given
  api = ExampleApi::Start(o);
  ASSERT_FALSE(api.ok());
  EXPECT_THAT(api.status().message(), HasSubstr("consent_jwks_uri"));

  o.consent_issuer = "";
  o.http = nullptr;
  api = ExampleApi::Start(o);
  ASSERT_FALSE(api.ok());
  EXPECT_THAT(api.status().message(), HasSubstr("http"));
}

TEST(ExampleApi, AuditLogThatCannotBeOpenedIsAnIoError) {
  ExampleApiOptions o;
  o.http = MakeCurlHttpClient();
  o.maskinporten_issuer = "https://test.maskinporten.no/";
  o.audit_log_path = "/nonexistent-dir/audit.jsonl";
  Result<std::unique_ptr<ExampleApi>> api = ExampleApi::Start(o);
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.status().code(), Errc::kIoError);
  EXPECT_THAT(api.status().message(), HasSubstr("/nonexistent-dir/audit.jsonl"));
}

TEST(ExampleApi, StopIsIdempotentAndHealthAnswersWhileRunning) {
  ExampleApiOptions o;
  o.http = MakeCurlHttpClient();
  o.maskinporten_issuer = "https://test.maskinporten.no/";
  Result<std::unique_ptr<ExampleApi>> api = ExampleApi::Start(o);
  ASSERT_TRUE(api.ok()) << api.status().ToString();
  EXPECT_EQ((*api)->records_url(), (*api)->base_url() + "/ssu/v1/records");
  auto http = MakeCurlHttpClient();
  Result<HttpResponse> health = http->Send({.url = (*api)->base_url() + "/health"});
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  (*api)->Stop();
  (*api)->Stop();
  (*api)->Wait();
  EXPECT_FALSE(http->Send({.url = (*api)->base_url() + "/health"}).ok());
}

}  // namespace
}  // namespace mp
