// Fixtures for the self-service API and seed tests: an in-memory registry, signing keys from the
// shared test key, a Router with the /api/v1 routes, bearer tokens minted with the server's
// current signing key (RS256, kid header, Maskinporten's claims), and request helpers.
//
//   ApiEnv env;                                    // FakeClock at kApiNow
//   std::string token = env.Token(kOrgA);          // every admin scope
//   HttpResponse r = env.Call("GET", "/api/v1/clients", "", token);
//   nlohmann::json body = ApiBody(r);
#ifndef MASKINPORTEN_TESTS_SERVER_API_TEST_UTIL_H_
#define MASKINPORTEN_TESTS_SERVER_API_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/http_types.h"
#include "maskinporten/clock.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"

namespace mp::server::api_testing {

constexpr int64_t kApiNow = 1790000000;  // 2026-09-21T14:13:20Z
constexpr std::string_view kApiIssuer = "http://127.0.0.1:7100/";
constexpr std::string_view kOwnerOrg = "889640782";     // API owner
constexpr std::string_view kOrgA = "910753614";         // insurer
constexpr std::string_view kOrgB = "311654306";         // supplier / other org
constexpr std::string_view kOutsiderOrg = "974760673";  // no relations

// The four admin scopes of SPEC §9 that the API checks.
std::vector<std::string> AdminScopes();

struct ApiEnv {
  ApiEnv();
  FakeClock clock{kApiNow};
  ServerConfig config;
  std::unique_ptr<Store> store;
  std::unique_ptr<SigningKeys> keys;
  http::Router router;

  // An access token of this server for `orgno` with `scopes`, valid for 120 s from now.
  std::string Token(std::string_view orgno, const std::vector<std::string>& scopes = AdminScopes(),
                    int64_t lifetime = 120) const;
  // Dispatches `method target` with `body`; `token` "" sends no Authorization header.
  http::HttpResponse Call(std::string_view method, std::string_view target, std::string_view body,
                          std::string_view token) const;
  // Stores a scope owned by `owner` (active, PUBLIC unless changed by the caller afterwards).
  ScopeRecord AddScope(std::string_view name, std::string_view owner,
                       bool accessible_for_all = false,
                       std::string_view delegation_source = "") const;
  void Grant(std::string_view scope, std::string_view consumer,
             AccessState state = AccessState::kApproved) const;
};

// The JSON body of a response (aborts the test on non-JSON).
nlohmann::json ApiBody(const http::HttpResponse& response);
// The value of header `name` (case-sensitive as the handler wrote it), "" when absent.
std::string HeaderValue(const http::HttpResponse& response, std::string_view name);
// A public RSA JWK of `key` with kid and alg RS256, use sig.
nlohmann::json RsaJwk(std::string_view kid, int key_index = 0);

}  // namespace mp::server::api_testing

#endif  // MASKINPORTEN_TESTS_SERVER_API_TEST_UTIL_H_
