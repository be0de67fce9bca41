#include "server/local_maskinporten_fixture.h"

#include <regex>
#include <utility>

#include "maskinporten/org_number.h"
#include "server/server_fixtures.h"

namespace mp::server::testing {

void LocalMaskinportenTest::StartServer(const std::string& seed_json) {
  LocalMaskinportenOptions o;
  o.seed_json = seed_json;
  o.signing_key_pem = ServerKey().ToPkcs8Pem();
  o.clock = &clock_;
  o.threads = 2;
  Result<std::unique_ptr<LocalMaskinporten>> s = LocalMaskinporten::Start(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  server_ = std::move(s).value();
}

mp::GrantSpec LocalMaskinportenTest::Spec(const std::string& client,
                                          std::optional<std::string_view> consumer_org,
                                          std::vector<std::string> scopes,
                                          std::optional<nlohmann::json> details) const {
  mp::GrantSpec spec{.issuer = server_->issuer(), .client_id = client};
  spec.request.scopes = std::move(scopes);
  if (consumer_org) spec.request.consumer_org = OrgNumber::Parse(*consumer_org).value();
  if (details) spec.request.authorization_details = details->dump();
  return spec;
}

mp::HttpResponse LocalMaskinportenTest::PostGrant(const mp::GrantSpec& spec) {
  Credentials creds = Credentials::WithKid(ClientPrivateKey(), "k1").value();
  Result<Grant> g = BuildGrant(spec, creds, clock_);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return Send("POST", "/token",
              "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                  (g.ok() ? g->assertion : std::string()),
              "", "application/x-www-form-urlencoded");
}

std::string LocalMaskinportenTest::AccessToken(const mp::GrantSpec& spec) {
  mp::HttpResponse r = PostGrant(spec);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? nlohmann::json::parse(r.body)["access_token"].get<std::string>() : "";
}

mp::HttpResponse LocalMaskinportenTest::Send(std::string method, std::string path, std::string body,
                                             const std::string& bearer, std::string content_type) {
  mp::HttpRequest req{.method = std::move(method), .url = server_->base_url() + path};
  if (!bearer.empty()) req.headers.push_back({"Authorization", "Bearer " + bearer});
  if (!body.empty()) req.headers.push_back({"Content-Type", std::move(content_type)});
  req.body = std::move(body);
  Result<mp::HttpResponse> r = http_->Send(req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : mp::HttpResponse{};
}

void LocalMaskinportenTest::ExpectMp303(const mp::HttpResponse& r, const std::string& text) const {
  EXPECT_EQ(r.status, 400);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.body, m, std::regex(R"(\(trace_id: ([0-9a-f]{32})\))")))
      << r.body;
  const std::string want = std::string("{\"error\":\"invalid_altinn_customer_configuration\",") +
                           "\"error_description\":\"" + text + " (trace_id: " + m[1].str() +
                           ")\"," + "\"error_uri\":\"" + server_->issuer() + "errors/MP-303\"}";
  EXPECT_EQ(r.body, want);
}

}  // namespace mp::server::testing
