#include "server/server_fixtures.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <utility>

#include "core/json.h"
#include "core/percent.h"
#include "core/random.h"
#include "maskinporten/base64.h"
#include "maskinporten/jwk.h"
#include "maskinporten/org_number.h"
#include "testing/jose_fixtures.h"

namespace mp::server::testing {
namespace {

[[noreturn]] void Die(const char* what, const Status& status) {
  std::fprintf(stderr, "server_fixtures: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

template <typename T>
T OrDie(Result<T> r, const char* what) {
  if (!r.ok()) Die(what, r.status());
  return std::move(r).value();
}

void OrDie(const Status& s, const char* what) {
  if (!s.ok()) Die(what, s);
}

const FakeClock& CaClock() {
  static const FakeClock kClock(kCaTime);
  return kClock;
}

TestCa MakeCa(const char* name) {
  TestCaOptions opts;
  opts.name = name;
  opts.key_bits = 2048;
  opts.clock = &CaClock();
  return OrDie(TestCa::Create(opts), "TestCa::Create");
}

IssuedCertificate MakeLeaf(const TestCa& ca, std::string_view org, int64_t not_before = 0,
                           int days = 365) {
  IssueOptions opts;
  opts.org = OrDie(OrgNumber::Parse(org), "OrgNumber::Parse");
  opts.name = "TEST ORG " + std::string(org);
  opts.not_before = not_before;
  opts.days = days;
  return OrDie(ca.Issue(opts), "TestCa::Issue");
}

std::string JwkOf(const PrivateKey& key, const std::string& kid) {
  return PublicKeyToJwk(key.public_key(), {.kid = kid, .alg = Algorithm::kRS256});
}

void Seed(Store& store) {
  for (std::string_view org :
       {kApiOwnerOrg, kClientOrg, kCertOrg, kSupplierOrg, kConsumerOrg, kOtherOrg}) {
    OrDie(store.PutOrganization({.orgno = std::string(org), .name = "ORG " + std::string(org)}),
          "PutOrganization");
  }
  auto scope = [&](std::string name, auto&& edit) {
    ScopeRecord s;
    s.name = name;
    s.prefix = "test";
    s.subscope = name.substr(5);
    s.owner_orgno = std::string(kApiOwnerOrg);
    s.created = kCaTime;
    s.last_updated = kCaTime;
    edit(s);
    OrDie(store.CreateScope(s), "CreateScope");
  };
  auto none = [](ScopeRecord&) {};
  scope("test:read", none);
  scope("test:write", none);
  scope("test:open", [](ScopeRecord& s) { s.accessible_for_all = true; });
  scope("test:short", [](ScopeRecord& s) { s.at_max_age = 60; });
  scope("test:long", [](ScopeRecord& s) { s.at_max_age = 600; });
  scope("test:idporten", [](ScopeRecord& s) { s.allowed_integration_types = {"idporten"}; });
  scope("test:inactive", [](ScopeRecord& s) { s.active = false; });
  scope("test:noaccess", none);
  scope("test:owned", [](ScopeRecord& s) { s.owner_orgno = std::string(kClientOrg); });
  scope("test:delegable", [](ScopeRecord& s) { s.delegation_source = "https://tt02.altinn.no/"; });
  scope("test:notdelegated",
        [](ScopeRecord& s) { s.delegation_source = "https://tt02.altinn.no/"; });
  scope("test:nosource", none);

  auto access = [&](const char* scope_name, std::string_view consumer,
                    AccessState state = AccessState::kApproved) {
    OrDie(store.PutAccess({.scope = scope_name,
                           .consumer_orgno = std::string(consumer),
                           .owner_orgno = std::string(kApiOwnerOrg),
                           .state = state,
                           .created = kCaTime,
                           .last_updated = kCaTime}),
          "PutAccess");
  };
  for (const char* s :
       {"test:read", "test:write", "test:short", "test:long", "test:idporten", "test:inactive"}) {
    access(s, kClientOrg);
  }
  access("test:read", kCertOrg);
  access("test:noaccess", kClientOrg, AccessState::kRequested);
  access("test:delegable", kConsumerOrg);
  access("test:notdelegated", kConsumerOrg);
  access("test:nosource", kConsumerOrg);
  OrDie(store.PutDelegation({.consumer_orgno = std::string(kConsumerOrg),
                             .supplier_orgno = std::string(kSupplierOrg),
                             .scope = "test:delegable",
                             .created = kCaTime}),
        "PutDelegation");

  auto client = [&](std::string id, std::string_view org, std::vector<std::string> scopes,
                    auto&& edit) {
    ClientRecord c;
    c.client_id = id;
    c.client_name = id;
    c.client_orgno = std::string(org);
    c.scopes = std::move(scopes);
    c.created = kCaTime;
    c.last_updated = kCaTime;
    edit(c);
    OrDie(store.CreateClient(c), "CreateClient");
  };
  auto plain = [](ClientRecord&) {};
  client("kid-client", kClientOrg,
         {"test:read", "test:write", "test:open", "test:short", "test:long", "test:idporten",
          "test:inactive", "test:noaccess", "test:owned", "test:unknown"},
         plain);
  OrDie(
      store.ReplaceClientKeys(
          "kid-client",
          {{.kid = "k1", .jwk_json = JwkOf(ClientPrivateKey(), "k1"), .created = kNow - 10 * 86400},
           {.kid = "old",
            .jwk_json = JwkOf(ClientPrivateKey(), "old"),
            .created = kNow - 366 * 86400}},
          kNow),
      "ReplaceClientKeys");
  client("cert-client", kCertOrg, {"test:read", "test:open"}, plain);
  client("supplier-client", kSupplierOrg,
         {"test:delegable", "test:notdelegated", "test:nosource", "test:open", "test:noaccess"},
         plain);
  OrDie(store.ReplaceClientKeys(
            "supplier-client",
            {{.kid = "k1", .jwk_json = JwkOf(ClientPrivateKey(), "k1"), .created = kNow - 86400}},
            kNow),
        "ReplaceClientKeys");
  client("inactive-client", kClientOrg, {"test:read"}, [](ClientRecord& c) { c.active = false; });
  client("idporten-client", kClientOrg, {"test:read"},
         [](ClientRecord& c) { c.integration_type = "idporten"; });
}

std::string DecodeSegment(std::string_view token, int index) {
  std::optional<mp::testing::Segments> s = mp::testing::SplitCompact(token);
  if (!s) return {};
  const std::string& seg = index == 0 ? s->header : s->payload;
  Result<std::string> raw = Base64UrlDecode(seg);
  return raw.ok() ? *raw : std::string();
}

}  // namespace

const PrivateKey& ClientPrivateKey() { return mp::testing::TestKey(Algorithm::kRS256); }
const PrivateKey& ClientKey() { return ClientPrivateKey(); }
const PrivateKey& ServerKey() { return mp::testing::OtherTestKey(Algorithm::kRS256); }
const PrivateKey& ForeignKey() {
  static const PrivateKey kKey =
      OrDie(PrivateKey::Generate(Algorithm::kRS256, 2048), "PrivateKey::Generate");
  return kKey;
}

const TestCa& TestEnvCa() {
  static const TestCa kCa = MakeCa("Fixture TEST");
  return kCa;
}
const TestCa& ProdEnvCa() {
  static const TestCa kCa = MakeCa("Fixture Prod");
  return kCa;
}
const TestCa& UntrustedCa() {
  static const TestCa kCa = MakeCa("Fixture Untrusted");
  return kCa;
}
const IssuedCertificate& CertLeaf() {
  static const IssuedCertificate kLeaf = MakeLeaf(TestEnvCa(), kCertOrg);
  return kLeaf;
}
const IssuedCertificate& ProdLeaf() {
  static const IssuedCertificate kLeaf = MakeLeaf(ProdEnvCa(), kCertOrg);
  return kLeaf;
}
const IssuedCertificate& UntrustedLeaf() {
  static const IssuedCertificate kLeaf = MakeLeaf(UntrustedCa(), kCertOrg);
  return kLeaf;
}
const IssuedCertificate& OtherOrgLeaf() {
  static const IssuedCertificate kLeaf = MakeLeaf(TestEnvCa(), kOtherOrg);
  return kLeaf;
}
const IssuedCertificate& ExpiredLeaf() {
  static const IssuedCertificate kLeaf =
      MakeLeaf(TestEnvCa(), kCertOrg, kCaTime - 3 * 86400, /*days=*/1);
  return kLeaf;
}
const IssuedCertificate& RevokedLeaf() {
  static const IssuedCertificate kLeaf = MakeLeaf(TestEnvCa(), kCertOrg);
  return kLeaf;
}

nlohmann::ordered_json X5c(const IssuedCertificate& cert) {
  return nlohmann::ordered_json::array({cert.chain[0].X5cEntry(), cert.chain[1].X5cEntry()});
}

ServerConfig FixtureConfig() {
  ServerConfig config;
  config.issuer = std::string(kIssuer);
  config.environment = CertEnvironment::kTest;
  return config;
}

ServerConfig PkiConfig() {
  ServerConfig config = FixtureConfig();
  config.test_anchors.Add(TestEnvCa().root());
  config.prod_anchors.Add(ProdEnvCa().root());
  config.revoked_serials.insert(RevokedLeaf().chain[0].SerialHex());
  return config;
}

std::unique_ptr<Env> MakeEnv() { return MakeEnv(FixtureConfig()); }

std::unique_ptr<Env> MakeEnv(ServerConfig config) {
  auto env = std::make_unique<Env>();
  env->config = std::move(config);
  env->store = OrDie(OpenSqliteStore({.path = ":memory:"}), "OpenSqliteStore");
  env->replay = NewMemoryReplayStore();
  Seed(*env->store);
  env->keys = OrDie(SigningKeys::Load(*env->store, env->clock,
                                      {.bits = 2048, .initial_key_pem = ServerKey().ToPkcs8Pem()}),
                    "SigningKeys::Load");
  env->service = std::make_unique<TokenService>(env->config, *env->store, *env->replay, *env->keys,
                                                env->clock);
  Env* raw = env.get();
  env->service->on_outcome = [raw](const TokenOutcome& o) {
    MutexLock lock(raw->outcomes_mu);
    raw->outcomes.push_back(o);
  };
  return env;
}

http::HttpResponse Env::Post(std::string_view assertion) {
  return service->HandleToken(FormRequest(FormBody(assertion)));
}

std::vector<TokenOutcome> Env::Outcomes() {
  MutexLock lock(outcomes_mu);
  return outcomes;
}

GrantSpec KidGrant(std::string_view scope, std::string_view client) {
  GrantSpec g;
  g.header["alg"] = "RS256";
  g.header["kid"] = "k1";
  g.claims["aud"] = std::string(kIssuer);
  g.claims["iss"] = std::string(client);
  g.claims["scope"] = std::string(scope);
  g.claims["iat"] = kNow;
  g.claims["exp"] = kNow + 120;
  g.claims["jti"] = RandomUuid();
  g.key = &ClientPrivateKey();
  return g;
}

GrantSpec CertGrant(const IssuedCertificate& cert, std::string_view scope,
                    std::string_view client) {
  GrantSpec g = KidGrant(scope, client);
  g.header = nlohmann::ordered_json::object();
  g.header["alg"] = "RS256";
  g.header["x5c"] = X5c(cert);
  g.key = &cert.key;
  return g;
}

GrantSpec DelegatedGrant(std::string_view scope) {
  GrantSpec g = KidGrant(scope, "supplier-client");
  g.claims["consumer_org"] = std::string(kConsumerOrg);
  return g;
}

std::string SignGrant(const GrantSpec& spec) {
  return mp::testing::SignCompact(spec.key ? *spec.key : ClientPrivateKey(), spec.alg,
                                  spec.header.dump(), spec.claims.dump());
}

std::string FormBody(std::string_view assertion) {
  return "grant_type=" + PercentEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
         "&assertion=" + PercentEncode(assertion);
}

http::HttpRequest FormRequest(std::string body) {
  http::HttpRequest r;
  r.method = "POST";
  r.target = "/token";
  r.path = "/token";
  r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  r.body = std::move(body);
  r.remote = "127.0.0.1:40000";
  r.trace_id = std::string(kTraceId);
  return r;
}

nlohmann::json Body(const http::HttpResponse& response) {
  return nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
}

nlohmann::json JwtPayload(std::string_view token) {
  return nlohmann::json::parse(DecodeSegment(token, 1), nullptr, false);
}

std::string JwtHeaderJson(std::string_view token) { return DecodeSegment(token, 0); }

::testing::AssertionResult IsRefusal(const http::HttpResponse& response, MpError error,
                                     std::string_view expected_text) {
  const MpErrorInfo& info = MpErrorInfoFor(error);
  nlohmann::json body = Body(response);
  if (!body.is_object())
    return ::testing::AssertionFailure() << "body is not JSON: " << response.body;
  std::string want_desc = std::string(expected_text) + " (trace_id: " + std::string(kTraceId) + ")";
  nlohmann::json want = {{"error", info.error}, {"error_description", want_desc}};
  if (!info.code.empty())
    want["error_uri"] = std::string(kIssuer) + "errors/" + std::string(info.code);
  if (response.status != info.http_status || body != want ||
      response.labels.outcome != std::string(info.code) || response.labels.route != "token") {
    return ::testing::AssertionFailure()
           << "status " << response.status << " (want " << info.http_status << "), mp_code \""
           << response.labels.outcome << "\", body " << response.body << "\nwant " << want.dump();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace mp::server::testing
