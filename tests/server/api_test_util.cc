#include "server/api_test_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "core/json.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "server/handlers/self_service_api.h"
#include "testing/jose_fixtures.h"

namespace mp::server::api_testing {
namespace {

template <typename T>
T OrDie(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << what << ": " << r.status().ToString() << "\n";
    std::abort();
  }
  return std::move(r).value();
}

void OrDie(const Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << what << ": " << s.ToString() << "\n";
    std::abort();
  }
}

}  // namespace

std::vector<std::string> AdminScopes() {
  return {"idporten:dcr.read", "idporten:dcr.write", "idporten:dcr.modify",
          "idporten:scopes.write"};
}

ApiEnv::ApiEnv() {
  config.issuer = std::string(kApiIssuer);
  store = OrDie(OpenSqliteStore({.path = ":memory:"}), "open store");
  keys = OrDie(
      SigningKeys::Load(*store, clock,
                        {.initial_key_pem = mp::testing::TestKey(Algorithm::kRS256).ToPkcs8Pem()}),
      "signing keys");
  AddSelfServiceRoutes(router, {.store = *store, .keys = *keys, .config = config, .clock = clock});
}

std::string ApiEnv::Token(std::string_view orgno, const std::vector<std::string>& scopes,
                          int64_t lifetime) const {
  std::string scope;
  for (const std::string& s : scopes) scope += (scope.empty() ? "" : " ") + s;
  const int64_t now = clock.NowSeconds();
  nlohmann::ordered_json claims;
  claims["scope"] = scope;
  claims["iss"] = config.issuer;
  claims["client_amr"] = "private_key_jwt";
  claims["token_type"] = "Bearer";
  claims["exp"] = now + lifetime;
  claims["iat"] = now;
  claims["client_id"] = "admin-client";
  claims["jti"] = "test-jti-" + std::to_string(now);
  claims["consumer"] = {{"authority", "iso6523-actorid-upis"},
                        {"ID", "0192:" + std::string(orgno)}};
  auto set = keys->Snapshot();
  return OrDie(
      SignJws(set->current, claims.dump(), {.alg = Algorithm::kRS256, .kid = set->current_kid}),
      "sign token");
}

http::HttpResponse ApiEnv::Call(std::string_view method, std::string_view target,
                                std::string_view body, std::string_view token) const {
  http::HttpRequest req;
  req.method = std::string(method);
  req.target = std::string(target);
  size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  req.query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + std::string(token));
  if (!body.empty()) req.headers.emplace_back("content-type", "application/json");
  req.body = std::string(body);
  req.remote = "127.0.0.1:1";
  req.trace_id = "0123456789abcdef0123456789abcdef";
  return router.Dispatch(std::move(req));
}

ScopeRecord ApiEnv::AddScope(std::string_view name, std::string_view owner, bool accessible_for_all,
                             std::string_view delegation_source) const {
  ScopeRecord s;
  s.name = std::string(name);
  size_t colon = name.find(':');
  s.prefix = std::string(name.substr(0, colon));
  s.subscope = std::string(name.substr(colon + 1));
  s.owner_orgno = std::string(owner);
  s.accessible_for_all = accessible_for_all;
  s.delegation_source = std::string(delegation_source);
  s.created = s.last_updated = clock.NowSeconds();
  OrDie(store->CreateScope(s), "create scope");
  return s;
}

void ApiEnv::Grant(std::string_view scope, std::string_view consumer, AccessState state) const {
  OrDie(store->PutAccess({.scope = std::string(scope),
                          .consumer_orgno = std::string(consumer),
                          .owner_orgno = std::string(kOwnerOrg),
                          .state = state,
                          .created = clock.NowSeconds(),
                          .last_updated = clock.NowSeconds()}),
        "put access");
}

nlohmann::json ApiBody(const http::HttpResponse& response) {
  Result<nlohmann::json> j = ParseStrictJson(response.body);
  EXPECT_TRUE(j.ok()) << response.body;
  return j.ok() ? *j : nlohmann::json();
}

std::string HeaderValue(const http::HttpResponse& response, std::string_view name) {
  for (const auto& [n, v] : response.headers) {
    if (n == name) return v;
  }
  return {};
}

nlohmann::json RsaJwk(std::string_view kid, int key_index) {
  const PrivateKey& key = key_index == 0 ? mp::testing::TestKey(Algorithm::kRS256)
                                         : mp::testing::OtherTestKey(Algorithm::kRS256);
  std::string jwk =
      PublicKeyToJwk(key.public_key(), {.kid = std::string(kid), .alg = Algorithm::kRS256});
  return nlohmann::json::parse(jwk);
}

}  // namespace mp::server::api_testing
