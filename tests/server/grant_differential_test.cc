// The linter and the local Maskinporten give the same verdict for the same grant (issue 13): each
// case goes to a real LocalMaskinporten over HTTP and through the linter loaded with the same seed
// (what `maskinporten grant --lint --registry` runs), and the linter's first error must be the
// emulator's MP code, or both accept. Cases: every disagreement the outside run found, the
// grant-validator table's shapes, and 3000 mutated grants signed with the registered key.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grant/grant_engine.h"
#include "jose/signature.h"
#include "maskinporten/base64.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/mp_errors.h"
#include "server/registry/seed.h"
#include "server/server_fixtures.h"
#include "server/store/store.h"
#include "server/token/grant_validator.h"

namespace mp {
namespace {

using Json = nlohmann::json;
using server::AddSeedTrust;
using server::ApplySeed;
using server::LoadSeed;
using server::OpenSqliteStore;
using server::SeedConfig;
using server::ServerConfig;
using server::Store;
using server::StoreGrantRegistry;
using server::TrustOf;
using server::testing::ClientPrivateKey;
using server::testing::ForeignKey;
using server::testing::ServerKey;

constexpr int64_t kAt = 1760000000;  // the fixed time both sides judge at
constexpr std::string_view kOwner = "889640782";
constexpr std::string_view kClient = "910753614";
constexpr std::string_view kSupplier = "311654306";
constexpr std::string_view kConsumer = "974760673";

std::string SeedJson() {
  Json jwk = Json::parse(
      PublicKeyToJwk(ClientPrivateKey().public_key(), {.kid = "k1", .alg = Algorithm::kRS256}));
  Json seed = {
      {"organizations",
       {{{"orgno", kOwner}, {"name", "API OWNER"}},
        {{"orgno", kClient}, {"name", "FORSIKRING AS"}}}},
      {"scopes",
       {{{"prefix", "nav"},
         {"subscope", "ssu"},
         {"owner_orgno", kOwner},
         {"delegation_source", "https://tt02.altinn.no/"}},
        {{"prefix", "nav"}, {"subscope", "closed"}, {"owner_orgno", kOwner}}}},
      {"access",
       {{{"scope", "nav:ssu"}, {"consumer_orgno", kClient}, {"state", "APPROVED"}},
        {{"scope", "nav:ssu"}, {"consumer_orgno", kConsumer}, {"state", "APPROVED"}}}},
      {"clients",
       {{{"client_id", "kid-client"},
         {"client_name", "kid client"},
         {"client_orgno", kClient},
         {"scopes", {"nav:ssu"}},
         {"keys", {jwk}}},
        {{"client_id", "supplier-client"},
         {"client_name", "supplier client"},
         {"client_orgno", kSupplier},
         {"scopes", {"nav:ssu"}},
         {"keys", {jwk}}}}},
      {"delegations",
       {{{"consumer_orgno", kConsumer}, {"supplier_orgno", kSupplier}, {"scope", "nav:ssu"}}}},
  };
  return seed.dump();
}

// The compact grant for these exact header and payload bytes, signed RS256 with the client's key.
std::string SignedGrant(std::string_view header, std::string_view payload) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return input + "." + Base64UrlEncode(*mp::Sign(Algorithm::kRS256, ClientPrivateKey(), input));
}

// What the emulator answered: "200", an MP code, or the MpError name of an uncoded error.
std::string Verdict(const Result<HttpResponse>& r) {
  if (!r.ok()) return "transport: " + r.status().ToString();
  if (r->status == 200) return "200";
  Json body = Json::parse(r->body, nullptr, false);
  if (body.contains("error_uri")) {
    std::string uri = body["error_uri"];
    return uri.substr(uri.rfind('/') + 1);
  }
  std::string description = body.value("error_description", "");
  std::optional<MpError> e = MpErrorByText(description.substr(0, description.rfind(" (trace_id")));
  return e ? "uncoded:" + std::to_string(static_cast<int>(*e)) : "other:" + r->body;
}

std::string Verdict(const grant::GrantOutcome& out) {
  if (!out.internal.ok()) return "internal: " + out.internal.ToString();
  const LintFinding* e = out.FirstError();
  if (e == nullptr) return "200";
  if (!e->maskinporten_error) return "no code: " + e->rule;
  const MpErrorInfo& info = MpErrorInfoFor(*e->maskinporten_error);
  return info.code.empty() ? "uncoded:" + std::to_string(static_cast<int>(*e->maskinporten_error))
                           : std::string(info.code);
}

class GrantDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalMaskinportenOptions o;
    o.seed_json = SeedJson();
    o.signing_key_pem = ServerKey().ToPkcs8Pem();
    o.threads = 2;
    o.web = false;
    o.clock = &clock_;
    Result<std::unique_ptr<LocalMaskinporten>> s = LocalMaskinporten::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    issuer_ = server_->issuer();
    // The linter's registry: the same seed, loaded as `grant --lint --registry` loads it.
    Result<SeedConfig> seed = LoadSeed(o.seed_json, "seed", ".");
    ASSERT_TRUE(seed.ok()) << seed.status().ToString();
    store_ = std::move(OpenSqliteStore({.path = ":memory:"})).value();
    ASSERT_TRUE(ApplySeed(*seed, *store_, clock_).ok());
    config_.issuer = issuer_;
    AddSeedTrust(*seed, config_);
    trust_ = TrustOf(config_);
  }

  Json Claims(std::string_view client = "kid-client") {
    return {{"aud", issuer_},  {"iss", client},      {"iat", kAt},
            {"exp", kAt + 60}, {"jti", RandomJti()}, {"scope", "nav:ssu"}};
  }
  std::string RandomJti() {
    return "case-" + std::to_string(++cases_) + "-" + std::to_string(rng_());
  }

  // Sends `assertion` to both and records a disagreement.
  void Compare(const std::string& name, const std::string& assertion) {
    StoreGrantRegistry registry(*store_);
    grant::GrantOutcome lint = grant::CheckGrant(
        assertion, {.issuer = issuer_, .now = kAt, .registry = &registry, .trust = &trust_},
        grant::GrantMode::kEveryFinding);
    Result<HttpResponse> r = http_->Send(
        {.method = "POST",
         .url = server_->token_endpoint(),
         .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
         .body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                 FormEncode(assertion)});
    ++compared_;
    std::string emulator = Verdict(r);
    std::string linter = Verdict(lint);
    if (emulator == "200") ++accepted_;
    if (emulator != linter) {
      disagreements_.push_back(name + ": emulator " + emulator + ", linter " + linter +
                               (lint.FirstError() ? " (" + lint.FirstError()->rule + ": " +
                                                        lint.FirstError()->message + ")"
                                                  : ""));
    }
  }
  void CompareClaims(const std::string& name, const Json& claims,
                     const Json& header = {{"alg", "RS256"}, {"kid", "k1"}}) {
    Compare(name, SignedGrant(header.dump(), claims.dump()));
  }

  static std::string FormEncode(std::string_view s) {
    std::string out;
    for (char c : s) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') {
        out += c;
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        out += buf;
      }
    }
    return out;
  }

  FakeClock clock_{kAt};
  std::unique_ptr<LocalMaskinporten> server_;
  std::string issuer_;
  std::unique_ptr<Store> store_;
  ServerConfig config_;
  grant::GrantTrust trust_;
  std::unique_ptr<HttpClient> http_ = MakeCurlHttpClient();
  std::mt19937 rng_{20261207};
  int cases_ = 0;
  int compared_ = 0;
  int accepted_ = 0;
  std::vector<std::string> disagreements_;
};

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// Every disagreement the outside run of 378 mutated grants found (issue 13), and the int64
// extremes of issue 14, each as a case.
TEST_F(GrantDifferential, TheDisagreementsFoundFromOutsideAgreeNow) {
  auto with = [&](std::initializer_list<std::pair<const char*, Json>> changes) {
    Json c = Claims();
    for (const auto& [k, v] : changes) c[k] = v;
    return c;
  };
  CompareClaims("good", Claims());
  CompareClaims("exp == iat", with({{"iat", kAt + 5}, {"exp", kAt + 5}}));
  CompareClaims("exp < iat", with({{"iat", kAt + 5}, {"exp", kAt}}));
  CompareClaims("exp 1 s ago", with({{"iat", kAt - 61}, {"exp", kAt - 1}}));
  CompareClaims("exp 10 s ago", with({{"iat", kAt - 70}, {"exp", kAt - 10}}));
  CompareClaims("exp 11 s ago", with({{"iat", kAt - 71}, {"exp", kAt - 11}}));
  CompareClaims("iat 10 s ahead", with({{"iat", kAt + 10}, {"exp", kAt + 70}}));
  CompareClaims("iat 11 s ahead", with({{"iat", kAt + 11}, {"exp", kAt + 71}}));
  CompareClaims("lifetime 120", with({{"exp", kAt + 120}}));
  CompareClaims("lifetime 121", with({{"exp", kAt + 121}}));
  for (const char* name : {"jku", "x5u", "jwk"}) {
    CompareClaims(std::string("header ") + name, Claims(),
                  {{"alg", "RS256"}, {"kid", "k1"}, {name, "https://attacker.example/"}});
  }
  CompareClaims("b64 false", Claims(), {{"alg", "RS256"}, {"kid", "k1"}, {"b64", false}});
  CompareClaims("crit", Claims(), {{"alg", "RS256"}, {"kid", "k1"}, {"crit", {"exp"}}});
  CompareClaims("typ number", Claims(), {{"alg", "RS256"}, {"kid", "k1"}, {"typ", 1}});
  CompareClaims("x5c string", Claims(), {{"alg", "RS256"}, {"x5c", "MIIB"}});
  CompareClaims("kid and x5c", Claims(), {{"alg", "RS256"}, {"kid", "k1"}, {"x5c", {"MIIB"}}});
  CompareClaims("unknown kid", Claims(), {{"alg", "RS256"}, {"kid", "k2"}});
  Json two = Json::array({{{"type", "urn:x"}}, {{"type", "urn:y"}}});
  CompareClaims("two unknown authorization_details", with({{"authorization_details", two}}));
  CompareClaims("empty authorization_details", with({{"authorization_details", Json::array()}}));
  CompareClaims("non-object authorization_details", with({{"authorization_details", {"x"}}}));
  Json consent = {{"type", "urn:altinn:consent"},
                  {"id", "6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a"},
                  {"from", "urn:altinn:person:identifier-no:01017012345"}};  // bad check digits
  CompareClaims("consent from bad fnr", with({{"authorization_details", {consent}}}));
  consent["from"] = "urn:altinn:person:identifier-no:01017012343";
  CompareClaims("unknown consent", with({{"authorization_details", {consent}}}));
  CompareClaims("pid bad check digit", with({{"pid", "01017012345"}}));
  CompareClaims("pid good", with({{"pid", "01017012343"}}));
  CompareClaims("empty iss", with({{"iss", ""}}));
  CompareClaims("empty jti", with({{"jti", ""}}));
  CompareClaims("scope with tab", with({{"scope", "nav:ssu\tnav:closed"}}));
  CompareClaims("scope non-ascii", with({{"scope", "nav:\xc3\xa6"}}));
  CompareClaims("scope not on client", with({{"scope", "nav:ssu nav:other"}}));
  CompareClaims("scope without access", with({{"scope", "nav:closed"}}));
  CompareClaims("unknown client", with({{"iss", "nobody"}}));
  CompareClaims("consumer_org delegated",
                with({{"iss", "supplier-client"}, {"consumer_org", kConsumer}}));
  CompareClaims("consumer_org not delegated", with({{"consumer_org", kConsumer}}));
  CompareClaims("consumer_org own", with({{"consumer_org", kClient}}));
  CompareClaims("wrong aud", with({{"aud", "https://test.maskinporten.no/"}}));
  CompareClaims("aud without slash", with({{"aud", issuer_.substr(0, issuer_.size() - 1)}}));
  CompareClaims("iat INT64_MIN", with({{"iat", INT64_MIN}, {"exp", kAt + 3600}}));
  CompareClaims("iat -2^62 exp INT64_MAX",
                with({{"iat", -4611686018427387904}, {"exp", INT64_MAX}}));
  CompareClaims("exp INT64_MIN", with({{"exp", INT64_MIN}}));
  CompareClaims("exp 2^64-1", with({{"exp", 18446744073709551615u}}));
  CompareClaims("exp 1e300", with({{"exp", 1e300}}));
  CompareClaims("exp fractional", with({{"exp", kAt + 60.5}}));
  CompareClaims("times in milliseconds", with({{"iat", kAt * 1000}, {"exp", kAt * 1000 + 60000}}));
  CompareClaims("unknown claim", with({{"foo", 1}}));
  CompareClaims("sub not iss", with({{"sub", "other"}}));
  CompareClaims("nbf", with({{"nbf", kAt}}));
  CompareClaims("iss_onbehalfof", with({{"iss_onbehalfof", "x"}}));
  Compare("signature of another key",
          *SignJws(ForeignKey(), Claims().dump(), {.alg = Algorithm::kRS256, .kid = "k1"}));
  Compare("unsigned",
          Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(Claims().dump()) + ".");
  EXPECT_TRUE(disagreements_.empty())
      << disagreements_.size() << " of " << compared_ << " disagree:\n"
      << Join(disagreements_);
  EXPECT_GT(accepted_, 5);  // the table holds accepted grants too
}

// The 3000-case mutation corpus of the linter tests (random bytes of the header and payload
// JSON replaced), here signed with the registered key so that mutations which keep the JSON
// valid reach every later step.
TEST_F(GrantDifferential, ThreeThousandMutatedGrantsGetTheSameVerdict) {
  const std::string alphabet = "{}[]\",:0123456789.-eE \\u\x7f\x01\xc3\xa6\xff";
  for (int i = 0; i < 3000; ++i) {
    Json claims = Claims(i % 5 == 0 ? "supplier-client" : "kid-client");
    if (i % 5 == 0) claims["consumer_org"] = kConsumer;
    if (i % 7 == 0) claims["pid"] = "01017012343";
    std::string h = Json({{"alg", "RS256"}, {"kid", "k1"}}).dump();
    std::string p = claims.dump();
    std::string& target = i % 3 == 0 ? h : p;
    for (int k = 0; k < 1 + i % 4; ++k) {
      target[rng_() % target.size()] = alphabet[rng_() % alphabet.size()];
    }
    Compare("mutation " + std::to_string(i) + " " + h + " " + p, SignedGrant(h, p));
  }
  EXPECT_TRUE(disagreements_.empty())
      << disagreements_.size() << " of " << compared_ << " disagree:\n"
      << Join(disagreements_);
  EXPECT_GT(accepted_, 50) << "too few mutations survive to be accepted";
  std::printf("differential: %d grants, %d accepted by both, %zu disagreements\n", compared_,
              accepted_, disagreements_.size());
}

}  // namespace
}  // namespace mp
