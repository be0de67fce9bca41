// Fixtures for the local Maskinporten's service-level tests: a seeded in-memory registry, a
// TokenService at a FakeClock time, cached keys and test CAs (RSA 2048, made once per process),
// and helpers that build signed grants and token requests as HttpRequest values (no sockets).
//
//   auto env = mp::server::testing::MakeEnv();
//   HttpResponse r = env->Post(SignGrant(KidGrant()));
//   nlohmann::json body = Body(r);
#ifndef MASKINPORTEN_TESTS_SERVER_SERVER_FIXTURES_H_
#define MASKINPORTEN_TESTS_SERVER_SERVER_FIXTURES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mutex.h"
#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/key.h"
#include "maskinporten/mp_errors.h"
#include "maskinporten/test_ca.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"
#include "server/token/token_service.h"

namespace mp::server::testing {

// The time the fixture CAs are made at; the server clock runs one day later.
constexpr int64_t kCaTime = 1700000000;
constexpr int64_t kNow = kCaTime + 86400;
constexpr std::string_view kIssuer = "http://127.0.0.1:7000/";
constexpr std::string_view kTraceId = "0123456789abcdef0123456789abcdef";

// Organisations (valid mod-11 org numbers).
constexpr std::string_view kApiOwnerOrg = "889640782";  // owns every test:* scope
constexpr std::string_view kClientOrg = "991825827";    // owns kid-client
constexpr std::string_view kCertOrg = "910753614";      // owns cert-client; in CertLeaf()
constexpr std::string_view kSupplierOrg = "314240979";  // owns supplier-client
constexpr std::string_view kConsumerOrg = "974760673";  // delegates to kSupplierOrg
constexpr std::string_view kOtherOrg = "923609016";     // in OtherOrgLeaf()

// A valid fnr, and synthetic test ids with month + 80 and + 40.
constexpr std::string_view kPid = "01017012343";
constexpr std::string_view kSyntheticPid80 = "15858512309";
constexpr std::string_view kSyntheticPid40 = "15458512326";

// Keys, generated once per process: the client key registered as kid "k1" (and, uploaded more
// than a year ago, as "old"), the server's initial signing key, and an attacker's key.
const PrivateKey& ClientPrivateKey();
// The same key. Inside namespace mp::server, prefer ClientPrivateKey(): the Store's struct
// ClientKey makes an unqualified ClientKey() ambiguous there.
const PrivateKey& ClientKey();
const PrivateKey& ServerKey();
const PrivateKey& ForeignKey();

// CAs made at kCaTime: TEST anchors, PROD anchors, and one trusted by neither.
const TestCa& TestEnvCa();
const TestCa& ProdEnvCa();
const TestCa& UntrustedCa();
// SEID 2 leaves (chain leaf, issuing CA, root): kCertOrg from each CA; kOtherOrg from TEST;
// a kCertOrg leaf that expired before kNow; one whose serial the fixture config revokes.
const IssuedCertificate& CertLeaf();
const IssuedCertificate& ProdLeaf();
const IssuedCertificate& UntrustedLeaf();
const IssuedCertificate& OtherOrgLeaf();
const IssuedCertificate& ExpiredLeaf();
const IssuedCertificate& RevokedLeaf();
// x5c header value of a chain (leaf and issuing CA).
nlohmann::ordered_json X5c(const IssuedCertificate& cert);

// The default config: TEST environment, kIssuer, no trust anchors (cheap: no CA is made).
ServerConfig FixtureConfig();
// FixtureConfig with TestEnvCa's root as TEST anchor, ProdEnvCa's as PROD anchor, and
// RevokedLeaf's serial revoked (for x5c tests).
ServerConfig PkiConfig();

// A seeded registry and a TokenService over it. Clients:
//   kid-client       kClientOrg, key "k1" (10 days old) and "old" (366 days), lifetime 120
//   cert-client      kCertOrg, no keys (uses x5c)
//   supplier-client  kSupplierOrg, for consumer_org grants
//   inactive-client, idporten-client
// Scopes (owner kApiOwnerOrg unless said): test:read (APPROVED for kClientOrg, kCertOrg),
// test:write (APPROVED kClientOrg), test:open (accessible_for_all), test:short (at_max_age 60),
// test:long (at_max_age 600), test:idporten (idporten only), test:inactive, test:noaccess
// (REQUESTED), test:owned (owner kClientOrg), test:delegable (delegation_source, APPROVED
// kConsumerOrg, delegated to kSupplierOrg), test:notdelegated (delegation_source, no delegation),
// test:nosource (APPROVED kConsumerOrg, no delegation_source).
struct Env {
  FakeClock clock{kNow};
  ServerConfig config;
  std::unique_ptr<Store> store;
  std::unique_ptr<ReplayStore> replay;
  std::unique_ptr<SigningKeys> keys;
  std::unique_ptr<TokenService> service;

  Mutex outcomes_mu;
  std::vector<TokenOutcome> outcomes MP_GUARDED_BY(outcomes_mu);

  // POST /token with a form holding the jwt-bearer grant_type and `assertion`.
  http::HttpResponse Post(std::string_view assertion);
  std::vector<TokenOutcome> Outcomes();
};
// Aborts when the set-up fails. `config` replaces FixtureConfig().
std::unique_ptr<Env> MakeEnv();
std::unique_ptr<Env> MakeEnv(ServerConfig config);

// A grant under construction: header and claims as JSON (any shape), the key and alg it is
// signed with.
struct GrantSpec {
  nlohmann::ordered_json header;
  nlohmann::ordered_json claims;
  const PrivateKey* key = nullptr;
  Algorithm alg = Algorithm::kRS256;
};
// kid "k1" grant from kid-client for `scope`, iat kNow, exp kNow + 120, a fresh jti.
GrantSpec KidGrant(std::string_view scope = "test:read", std::string_view client = "kid-client");
// x5c grant from cert-client signed with `cert`'s key.
GrantSpec CertGrant(const IssuedCertificate& cert, std::string_view scope = "test:read",
                    std::string_view client = "cert-client");
// consumer_org grant from supplier-client (kid "k1") for kConsumerOrg.
GrantSpec DelegatedGrant(std::string_view scope = "test:delegable");
std::string SignGrant(const GrantSpec& spec);

// A POST /token request with this form body (Content-Type form-urlencoded, kTraceId).
http::HttpRequest FormRequest(std::string body);
std::string FormBody(std::string_view assertion);

nlohmann::json Body(const http::HttpResponse& response);
// The payload of a compact JWS, unverified.
nlohmann::json JwtPayload(std::string_view token);
std::string JwtHeaderJson(std::string_view token);

// Checks a refusal byte for byte against SPEC §6: status and `error` from the table, description
// `text` + " (trace_id: kTraceId)", error_uri <kIssuer>errors/<code> exactly for coded errors.
::testing::AssertionResult IsRefusal(const http::HttpResponse& response, MpError error,
                                     std::string_view expected_text);

}  // namespace mp::server::testing

#endif  // MASKINPORTEN_TESTS_SERVER_SERVER_FIXTURES_H_
