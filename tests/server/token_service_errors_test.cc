// Every entry of the Maskinporten error table (mp_errors.h, SPEC §6) produced by a real token
// request, with status, `error`, description byte for byte (trace id included) and error_uri.
// The expected values are written out here from SPEC §6, not read from the table, so a drift in
// the table fails these tests.
#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "maskinporten/mp_errors.h"
#include "server/server_fixtures.h"
#include "server/token/token_service.h"

namespace mp::server {
namespace {

using namespace mp::server::testing;  // NOLINT(google-build-using-namespace)
using Json = nlohmann::json;

struct ErrorCase {
  const char* name;
  MpError error;
  int status;
  const char* oauth_error;
  const char* code;  // "" for uncoded errors
  const char* description;
  bool pki;  // needs the test CAs
  std::function<std::string(Env&)> assertion;
};

// gtest prints the case by name in test listings instead of its bytes.
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

std::string Sign(GrantSpec g) { return SignGrant(g); }

const ErrorCase kCases[] = {
    {"Mp011UnknownClaim", MpError::kMp011, 400, "invalid_request", "MP-011",
     "Invalid assertion. Invalid parameter value", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.claims["foo"] = "bar";
       return Sign(g);
     }},
    {"Mp012ReplayedJti", MpError::kMp012, 400, "invalid_grant", "MP-012", "Grant is used before",
     false,
     [](Env& env) {
       std::string grant = Sign(KidGrant());
       if (env.Post(grant).status != 200) return std::string("first use failed");
       return grant;
     }},
    {"Mp100UnknownClient", MpError::kMp100, 400, "invalid_grant", "MP-100",
     "Invalid assertion. Client authentication failed.", false,
     [](Env&) { return Sign(KidGrant("test:read", "no-such-client")); }},
    {"Mp110WrongAudience", MpError::kMp110, 400, "invalid_grant", "MP-110",
     "Invalid assertion. Client authentication failed. Invalid JWT claim aud.", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.claims["aud"] = "http://127.0.0.1:7000";  // no trailing slash
       return Sign(g);
     }},
    {"Mp120UntrustedCertificate", MpError::kMp120, 400, "invalid_grant", "MP-120",
     "Invalid assertion. Client authentication failed. The JWT is signed with an invalid "
     "certificate.",
     true, [](Env&) { return Sign(CertGrant(UntrustedLeaf())); }},
    {"Mp121ExpiredKey", MpError::kMp121, 400, "invalid_grant", "MP-121",
     "Invalid assertion. Client authentication failed. Expired key.", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.header["kid"] = "old";
       return Sign(g);
     }},
    {"Mp122CertificateOrgDiffers", MpError::kMp122, 400, "invalid_grant", "MP-122",
     "Invalid JWT. Invalid organization number for client. Does not match certificate orgno", true,
     [](Env&) { return Sign(CertGrant(OtherOrgLeaf())); }},
    {"Mp123X5cString", MpError::kMp123, 400, "invalid_grant", "MP-123", "Invalid JWT header x5c",
     false,
     [](Env&) {
       GrantSpec g = KidGrant("test:read", "cert-client");
       g.header.erase("kid");
       g.header["x5c"] = "MIIB";
       return Sign(g);
     }},
    {"Mp124ForeignSignature", MpError::kMp124, 400, "invalid_grant", "MP-124",
     "Invalid assertion. Client authentication failed. Invalid JWT signature.", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.key = &ForeignKey();
       return Sign(g);
     }},
    {"Mp130Expired", MpError::kMp130, 400, "invalid_grant", "MP-130", "JWT is expired", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.claims["iat"] = kNow - 131;
       g.claims["exp"] = kNow - 11;
       return Sign(g);
     }},
    {"Mp200ScopesNotOnClient", MpError::kMp200, 400, "invalid_scope", "MP-200",
     "Token request contains invalid scopes for client, nav:x, test:y", false,
     [](Env&) { return Sign(KidGrant("test:read nav:x test:y")); }},
    {"Mp201ScopeNotForMaskinporten", MpError::kMp201, 400, "invalid_scope", "MP-201",
     "Token request contains scopes not allowed for maskinporten", false,
     [](Env&) { return Sign(KidGrant("test:idporten")); }},
    {"Mp250NoAccess", MpError::kMp250, 403, "forbidden", "MP-250",
     "Consumer has not been granted access to the scope test:noaccess.", false,
     [](Env&) { return Sign(KidGrant("test:noaccess")); }},
    {"Mp251NotDelegated", MpError::kMp251, 403, "forbidden", "MP-251",
     "Consumer 974760673 has not delegated access to the scope test:notdelegated to supplier "
     "314240979.",
     false, [](Env&) { return Sign(DelegatedGrant("test:notdelegated")); }},
    {"Mp301UnknownAuthorizationDetailsType", MpError::kMp301, 400, "invalid_request", "MP-301",
     "Unknown authorization details type", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.claims["authorization_details"] = {{{"type", "urn:altinn:other"}}};
       return Sign(g);
     }},
    {"Mp302UnknownAuthorizationDetailsField", MpError::kMp302, 400, "invalid_request", "MP-302",
     "Unknown fields in the authorization details", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.claims["authorization_details"] = {
           {{"type", "urn:altinn:consent"},
            {"id", "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a"},
            {"from", "urn:altinn:person:identifier-no:01017012343"},
            {"extra", 1}}};
       return Sign(g);
     }},
    {"Mp303InvalidAuthorizationDetailsValue", MpError::kMp303, 400,
     "invalid_altinn_customer_configuration", "MP-303",
     "Invalid authorization details values", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.claims["authorization_details"] = {
           {{"type", "urn:altinn:consent"},
            {"id", "not-a-uuid"},
            {"from", "urn:altinn:person:identifier-no:01017012343"}}};
       return Sign(g);
     }},
    {"UnknownKid", MpError::kUnknownKid, 400, "invalid_grant", "",
     "Invalid assertion. Client authentication failed. Unknown key identifier (kid) for client.",
     false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.header["kid"] = "kid-client";  // the classic mistake: a client id as kid
       return Sign(g);
     }},
    {"KidRequired", MpError::kKidRequired, 400, "invalid_grant", "",
     "Invalid assertion. Client authentication failed. Invalid JWT. The client requires "
     "pre-registered jwk and no key identifier (kid) provided",
     true, [](Env&) { return Sign(CertGrant(CertLeaf(), "test:read", "kid-client")); }},
    {"IssuedInFuture", MpError::kIssuedInFuture, 400, "invalid_grant", "",
     "Issue time is after now", false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.claims["iat"] = kNow + 11;
       g.claims["exp"] = kNow + 120;
       return Sign(g);
     }},
    {"ConsumerOrgIsOwn", MpError::kConsumerOrgIsOwn, 400, "invalid_request", "",
     "Validation of JWT claim failed: The combination consumer_org in claim and delegation scope "
     "on client is invalid",
     false,
     [](Env&) {
       GrantSpec g = KidGrant();
       g.claims["consumer_org"] = std::string(kClientOrg);
       return Sign(g);
     }},
};

class TokenServiceError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TokenServiceError, RealRequestGetsSpecStatusErrorDescriptionAndUri) {
  const ErrorCase& c = GetParam();
  auto env = c.pki ? MakeEnv(PkiConfig()) : MakeEnv();
  http::HttpResponse r = env->Post(c.assertion(*env));
  EXPECT_EQ(r.status, c.status);
  EXPECT_EQ(r.labels.outcome, c.code);
  EXPECT_EQ(r.labels.route, "token");
  Json want = {{"error", c.oauth_error},
               {"error_description",
                std::string(c.description) + " (trace_id: " + std::string(kTraceId) + ")"}};
  if (*c.code != '\0') want["error_uri"] = "http://127.0.0.1:7000/errors/" + std::string(c.code);
  EXPECT_EQ(Body(r), want) << r.body;
  // The member order of SPEC §6's observed responses.
  std::string prefix = R"({"error":")" + std::string(c.oauth_error) + R"(","error_description":)";
  EXPECT_EQ(r.body.substr(0, prefix.size()), prefix);
  // And the table in mp_errors.h agrees.
  EXPECT_TRUE(IsRefusal(r, c.error,
                        want["error_description"].get<std::string>().substr(
                            0, want["error_description"].get<std::string>().size() -
                                   std::string(" (trace_id: )").size() - 32)));
}

INSTANTIATE_TEST_SUITE_P(AllMpErrors, TokenServiceError, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(TokenServiceErrors, CasesCoverEveryTableEntry) {
  std::set<MpError> covered;
  for (const ErrorCase& c : kCases) covered.insert(c.error);
  EXPECT_EQ(covered.size(), 21u);
}

}  // namespace
}  // namespace mp::server
