// What the process-level tests of `maskinporten serve` share: a seed with one organisation that
// holds the self-service API's admin scopes and a scope of its own, one client of it with those
// scopes and a registered key, and the calls those tests make as that client (grants, tokens,
// the self-service API).
//
//   ServeAdmin admin{.issuer = "http://127.0.0.1/my-test/", .client_id = "c", .kid = "k",
//                    .own_scope = "mytest:token"};
//   WriteFile(dir.File("seed.json"), admin.SeedJson());
//   std::string token = admin.Token(http, base_url);              // the admin scopes
//   Result<HttpResponse> r = admin.Api(http, base_url, token, "GET", "/clients");
#ifndef MASKINPORTEN_TESTS_CLI_SERVE_ADMIN_H_
#define MASKINPORTEN_TESTS_CLI_SERVE_ADMIN_H_

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "maskinporten/grant.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"

namespace mp::testing {

inline constexpr std::string_view kAdminOrg = "910753614";
inline constexpr std::string_view kAdminScopeOwner = "991825827";  // DIGDIR
inline const std::vector<std::string>& AdminScopes() {
  static const std::vector<std::string> scopes = {"idporten:dcr.read", "idporten:dcr.write",
                                                  "idporten:dcr.modify", "idporten:scopes.write"};
  return scopes;
}

// One RSA key per test process, for every client the tests register.
inline const PrivateKey& AdminClientKey() {
  static const PrivateKey key = [] {
    Result<PrivateKey> k = PrivateKey::Generate(Algorithm::kRS256);
    if (!k.ok()) throw std::runtime_error(k.status().ToString());
    return *k;
  }();
  return key;
}

// The public JWK of AdminClientKey under `kid`.
inline std::string AdminJwk(std::string kid) {
  return PublicKeyToJwk(AdminClientKey().public_key(),
                        {.kid = std::move(kid), .alg = Algorithm::kRS256});
}

inline std::unique_ptr<HttpClient> TestHttp() {
  return MakeCurlHttpClient({.connect_timeout = std::chrono::milliseconds(2000),
                             .total_timeout = std::chrono::milliseconds(5000)});
}

struct ServeAdmin {
  std::string issuer;     // fixed, so grants carry the aud of any instance or a restarted one
  std::string client_id;  // the seeded client
  std::string kid;        // its registered key
  std::string own_scope;  // "prefix:subscope" owned by kAdminOrg, held by the client

  // organizations, the admin scopes (owned by DIGDIR, access for kAdminOrg), own_scope, and the
  // client with all of them and its key.
  std::string SeedJson() const {
    nlohmann::json scopes = nlohmann::json::array();
    nlohmann::json access = nlohmann::json::array();
    for (const std::string& name : AdminScopes()) {
      size_t colon = name.find(':');
      scopes.push_back({{"prefix", name.substr(0, colon)},
                        {"subscope", name.substr(colon + 1)},
                        {"owner_orgno", kAdminScopeOwner},
                        {"visibility", "PRIVATE"}});
      access.push_back({{"scope", name}, {"consumer_orgno", kAdminOrg}});
    }
    size_t colon = own_scope.find(':');
    scopes.push_back({{"prefix", own_scope.substr(0, colon)},
                      {"subscope", own_scope.substr(colon + 1)},
                      {"owner_orgno", kAdminOrg}});
    nlohmann::json client_scopes = AdminScopes();
    client_scopes.push_back(own_scope);
    nlohmann::json seed = {
        {"organizations",
         {{{"orgno", kAdminScopeOwner}, {"name", "DIGDIR"}},
          {{"orgno", kAdminOrg}, {"name", "TEST AS"}}}},
        {"scopes", scopes},
        {"access", access},
        {"clients",
         {{{"client_id", client_id},
           {"client_name", client_id},
           {"client_orgno", kAdminOrg},
           {"scopes", client_scopes},
           {"keys", {nlohmann::json::parse(AdminJwk(kid))}}}}},
    };
    return seed.dump();
  }

  // A fresh grant (new jti) of `client` (default: the seeded one) with its key `client_kid`.
  std::string Grant(const std::vector<std::string>& scopes, const std::string& client = "",
                    const std::string& client_kid = "") const {
    Result<Credentials> credentials =
        Credentials::WithKid(AdminClientKey(), client_kid.empty() ? kid : client_kid);
    if (!credentials.ok()) throw std::runtime_error(credentials.status().ToString());
    Result<mp::Grant> g = BuildGrant({.issuer = issuer,
                                      .client_id = client.empty() ? client_id : client,
                                      .request = {.scopes = scopes}},
                                     *credentials, SystemClock::Instance());
    if (!g.ok()) throw std::runtime_error(g.status().ToString());
    return g->assertion;
  }

  static Result<HttpResponse> PostToken(HttpClient& http, const std::string& base,
                                        const std::string& assertion) {
    return http.Send({.method = "POST",
                      .url = base + "/token",
                      .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                      .body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                              "&assertion=" +
                              assertion});
  }

  // An access token with the admin scopes from the server at `base`; "" when refused.
  std::string Token(HttpClient& http, const std::string& base) const {
    Result<HttpResponse> r = PostToken(http, base, Grant(AdminScopes()));
    if (!r.ok() || r->status != 200) return "";
    Result<nlohmann::json> body = ParseStrictJsonObject(r->body);
    return body.ok() ? (*body)["access_token"].get<std::string>() : "";
  }

  // A self-service API call (/api/v1 + path) with `token`.
  static Result<HttpResponse> Api(HttpClient& http, const std::string& base,
                                  const std::string& token, std::string method,
                                  const std::string& path, const nlohmann::json& body = nullptr) {
    HttpRequest req{.method = std::move(method),
                    .url = base + "/api/v1" + path,
                    .headers = {{"Authorization", "Bearer " + token}}};
    if (!body.is_null()) {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = DumpJson(body);
    }
    return http.Send(req);
  }
};

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_CLI_SERVE_ADMIN_H_
