// AccessTokenValidator: SPEC §10 checks in order, and a tamper and attack suite.
#include "maskinporten/validator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "maskinporten/base64.h"
#include "maskinporten/clock.h"
#include "testing/fake_http_client.h"
#include "testing/jose_fixtures.h"
#include "validate/access_token_fixtures.h"

namespace mp {
namespace {

using testing::AccessTokenSpec;
using testing::kTestAccessTokenKid;
using testing::kTestIssuer;
using testing::kTestNow;
using testing::kTestScope;
using testing::MintAccessToken;
using testing::SignCompact;
using testing::TestKey;

class ValidatorTest : public ::testing::Test {
 protected:
  AccessTokenPolicy Policy() const { return testing::TestAccessTokenPolicy(&clock_); }
  Result<ValidatedAccessToken> Validate(const std::string& token) const {
    return AccessTokenValidator(Policy(), testing::TestAccessTokenKeys()).Validate(token);
  }
  Result<ValidatedAccessToken> ValidateWith(const AccessTokenPolicy& policy,
                                            const std::string& token) const {
    return AccessTokenValidator(policy, testing::TestAccessTokenKeys()).Validate(token);
  }
  Errc CodeOf(const AccessTokenSpec& spec) const {
    return Validate(MintAccessToken(spec, kTestNow)).status().code();
  }

  FakeClock clock_{kTestNow};
};

std::string Header(std::string_view extra = "") {
  return std::string("{\"kid\":\"") + kTestAccessTokenKid + "\",\"alg\":\"RS256\"" +
         std::string(extra) + "}";
}

TEST_F(ValidatorTest, AcceptsMaskinportenTokenAndFillsEveryField) {
  AccessTokenSpec spec;
  spec.scope = std::string(kTestScope) + " other:scope";
  spec.authorization_details_json = R"([{"type":"urn:altinn:consent","id":"abc"}])";
  Result<ValidatedAccessToken> t = Validate(MintAccessToken(spec, kTestNow));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->consumer.digits(), "910753614");
  EXPECT_FALSE(t->supplier.has_value());
  EXPECT_EQ(t->delegation_source, "");
  EXPECT_EQ(t->scopes, (std::vector<std::string>{kTestScope, "other:scope"}));
  EXPECT_TRUE(t->HasScope(kTestScope));
  EXPECT_FALSE(t->HasScope("other"));
  EXPECT_EQ(t->client_id, "826acbbc-ee17-4946-af92-cf4885ebe951");
  EXPECT_EQ(t->client_amr, "private_key_jwt");
  EXPECT_EQ(t->jti, "ii1YvnPPCUHYlZw9_hVwr1UhLVQUdiNV_QKNru4JJGk");
  EXPECT_EQ(t->kid, kTestAccessTokenKid);
  EXPECT_EQ(t->issued_at, std::chrono::system_clock::time_point(std::chrono::seconds(kTestNow)));
  EXPECT_EQ(t->expires_at,
            std::chrono::system_clock::time_point(std::chrono::seconds(kTestNow + 120)));
  EXPECT_FALSE(t->audience.has_value());
  EXPECT_EQ(t->authorization_details_json, R"([{"id":"abc","type":"urn:altinn:consent"}])");
  EXPECT_EQ(*t->claims.GetString("token_type").value(), "Bearer");
}

TEST_F(ValidatorTest, ExpiryHonoursLeewayToTheSecond) {
  // exp is refused once now >= exp + leeway (30 s).
  EXPECT_EQ(CodeOf({.iat_offset = -200, .exp_offset = -29}), Errc::kOk);
  EXPECT_EQ(CodeOf({.iat_offset = -200, .exp_offset = -30}), Errc::kTokenExpired);
  EXPECT_EQ(CodeOf({.iat_offset = -200, .exp_offset = -31}), Errc::kTokenExpired);
}

TEST_F(ValidatorTest, GoodTokenExpiresWhenTheClockMoves) {
  std::string token = MintAccessToken({}, kTestNow);
  ASSERT_TRUE(Validate(token).ok());
  clock_.Advance(std::chrono::seconds(149));
  EXPECT_TRUE(Validate(token).ok());
  clock_.Advance(std::chrono::seconds(1));
  Result<ValidatedAccessToken> t = Validate(token);
  EXPECT_EQ(t.status().code(), Errc::kTokenExpired);
  EXPECT_NE(t.status().message().find("leeway 30 s"), std::string::npos);
}

TEST_F(ValidatorTest, NotBeforeInTheFutureBeyondLeewayIsRefused) {
  EXPECT_EQ(CodeOf({.nbf_offset = 30}), Errc::kOk);
  EXPECT_EQ(CodeOf({.nbf_offset = 31}), Errc::kTokenNotYetValid);
}

TEST_F(ValidatorTest, IssuedAtInTheFutureBeyondLeewayIsRefused) {
  EXPECT_EQ(CodeOf({.iat_offset = 30}), Errc::kOk);
  EXPECT_EQ(CodeOf({.iat_offset = 31}), Errc::kIssuedInFuture);
}

TEST_F(ValidatorTest, TimesANanosecondClockCannotHoldAreInvalidClaims) {
  // exp in the year 5138 passes the expiry check, and iat before 1970 the future check; both
  // must be refused, not overflowed into a time_point (UBSan would report the overflow).
  EXPECT_EQ(CodeOf({.exp_offset = 100000000000}), Errc::kInvalidClaim);
  EXPECT_EQ(CodeOf({.iat_offset = -kTestNow - 1}), Errc::kInvalidClaim);
  EXPECT_EQ(CodeOf({.exp_offset = 7258118399 - kTestNow}), Errc::kOk);  // 2199-12-31T23:59:59Z
}

// Issue 14: every time claim is range-checked (1970..2199) before the leeway arithmetic, so a
// value at the int64 limits is an invalid claim naming it, never an overflow or a lucky verdict.
TEST_F(ValidatorTest, TimeClaimsAtAndAroundTheLimitsAreRangeCheckedFirst) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  struct Case {
    const char* claim;
    nlohmann::ordered_json value;
    Errc want;
  };
  const std::vector<Case> cases = {
      {"exp", kMax, Errc::kInvalidClaim},
      {"exp", kMin, Errc::kInvalidClaim},
      {"exp", -1, Errc::kInvalidClaim},
      {"exp", 7258118399, Errc::kOk},
      {"exp", 7258118400, Errc::kInvalidClaim},
      {"exp", 7258118399.9, Errc::kOk},
      {"exp", 7258118400.0, Errc::kInvalidClaim},
      {"exp", 18446744073709551615u, Errc::kInvalidClaim},
      {"exp", 1e300, Errc::kInvalidClaim},
      {"exp", kTestNow + 0.5, Errc::kOk},  // floored to now: inside the 30 s leeway
      {"iat", kMin, Errc::kInvalidClaim},
      {"iat", kMax, Errc::kInvalidClaim},
      {"iat", -0.5, Errc::kInvalidClaim},
      {"iat", 0, Errc::kOk},
      {"iat", kTestNow + 30.9, Errc::kOk},
      {"iat", kTestNow + 31, Errc::kIssuedInFuture},
      {"nbf", kMax, Errc::kInvalidClaim},
      {"nbf", -1, Errc::kInvalidClaim},
      {"nbf", 0, Errc::kOk},
  };
  for (const Case& c : cases) {
    AccessTokenSpec spec;
    spec.extra_claims[c.claim] = c.value;
    EXPECT_EQ(CodeOf(spec), c.want) << c.claim << " " << c.value.dump();
  }
  AccessTokenSpec spec;
  spec.extra_claims["exp"] = kMax;
  EXPECT_EQ(Validate(MintAccessToken(spec, kTestNow)).status().message(),
            "claim exp 9223372036854775807 is outside 1970..2199 (epoch seconds 0..7258118399)");
}

TEST_F(ValidatorTest, ZeroLeewayIsExact) {
  AccessTokenPolicy p = Policy();
  p.leeway = std::chrono::seconds(0);
  EXPECT_TRUE(ValidateWith(p, MintAccessToken({.exp_offset = 1}, kTestNow)).ok());
  EXPECT_EQ(ValidateWith(p, MintAccessToken({.exp_offset = 0}, kTestNow)).status().code(),
            Errc::kTokenExpired);
  EXPECT_EQ(ValidateWith(p, MintAccessToken({.iat_offset = 1}, kTestNow)).status().code(),
            Errc::kIssuedInFuture);
}

TEST_F(ValidatorTest, ExpAndIatAreRequired) {
  EXPECT_EQ(CodeOf({.exp_offset = std::nullopt}), Errc::kMissingClaim);
  EXPECT_EQ(CodeOf({.iat_offset = std::nullopt}), Errc::kMissingClaim);
}

TEST_F(ValidatorTest, IssuerMustMatchExactlyIncludingTrailingSlash) {
  EXPECT_EQ(CodeOf({.issuer = "https://test.maskinporten.no"}), Errc::kIssuerMismatch);
  EXPECT_EQ(CodeOf({.issuer = "https://test.maskinporten.no//"}), Errc::kIssuerMismatch);
  EXPECT_EQ(CodeOf({.issuer = "https://maskinporten.no/"}), Errc::kIssuerMismatch);
  EXPECT_EQ(CodeOf({.issuer = "HTTPS://test.maskinporten.no/"}), Errc::kIssuerMismatch);
  EXPECT_EQ(CodeOf({.issuer = std::nullopt}), Errc::kMissingClaim);
  AccessTokenPolicy p = Policy();
  p.issuer = "https://test.maskinporten.no";  // the policy without slash refuses the real token
  EXPECT_EQ(ValidateWith(p, MintAccessToken()).status().code(), Errc::kIssuerMismatch);
}

TEST_F(ValidatorTest, TokenBoundToAResourceIsRefusedWhenThePolicyHasNoAudience) {
  Result<ValidatedAccessToken> t = Validate(MintAccessToken({.aud = "https://other.api/"}));
  EXPECT_EQ(t.status().code(), Errc::kAudienceMismatch);
  EXPECT_NE(t.status().message().find("bound to resource \"https://other.api/\""),
            std::string::npos)
      << t.status().message();
}

TEST_F(ValidatorTest, LegacyUnspecifiedAudienceCountsAsUnbound) {
  EXPECT_EQ(CodeOf({.aud = "unspecified"}), Errc::kOk);
}

TEST_F(ValidatorTest, AudienceMustEqualThePolicyResource) {
  AccessTokenPolicy p = Policy();
  p.audience = "https://nav.example/ssu";
  Result<ValidatedAccessToken> t =
      ValidateWith(p, MintAccessToken({.aud = "https://nav.example/ssu"}));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->audience, "https://nav.example/ssu");
  EXPECT_EQ(ValidateWith(p, MintAccessToken({.aud = "https://nav.example/ssu/"})).status().code(),
            Errc::kAudienceMismatch);
  EXPECT_EQ(ValidateWith(p, MintAccessToken({.aud = "unspecified"})).status().code(),
            Errc::kAudienceMismatch);
  EXPECT_EQ(ValidateWith(p, MintAccessToken()).status().code(), Errc::kMissingClaim);
  AccessTokenSpec arr;
  arr.extra_claims["aud"] =
      nlohmann::ordered_json::array({"https://a.example/", "https://nav.example/ssu"});
  EXPECT_TRUE(ValidateWith(p, MintAccessToken(arr)).ok());
}

TEST_F(ValidatorTest, AlgNoneIsRefused) {
  std::string token = testing::MakeCompact(R"({"kid":"mp-test-key-1","alg":"none"})",
                                           testing::AccessTokenPayload({}), "");
  EXPECT_EQ(Validate(token).status().code(), Errc::kUnsupportedAlgorithm);
}

TEST_F(ValidatorTest, Hs256WithThePublicKeyAsSecretIsRefused) {
  std::string header = Base64UrlEncode(R"({"kid":"mp-test-key-1","alg":"HS256"})");
  std::string payload = Base64UrlEncode(testing::AccessTokenPayload({}));
  std::string input = header + "." + payload;
  std::string secret = TestKey(Algorithm::kRS256).public_key().ToPem();
  std::string token = input + "." + Base64UrlEncode(testing::HmacSha256(secret, input));
  EXPECT_EQ(Validate(token).status().code(), Errc::kUnsupportedAlgorithm);
}

TEST_F(ValidatorTest, RefusesAlgOutsideTheAllowlistBeforeAnyKeyLookup) {
  // An RS384 token with a kid the cache lacks: refused for its alg, without a JWKS request.
  auto http = std::make_shared<testing::FakeHttpClient>();
  auto keys = JwksCache::FromUri(http, "https://test.maskinporten.no/jwk");
  ASSERT_TRUE(keys.ok());
  AccessTokenValidator v(Policy(), *keys);
  Result<ValidatedAccessToken> t =
      v.Validate(MintAccessToken({.kid = "unknown", .alg = Algorithm::kRS384}));
  EXPECT_EQ(t.status().code(), Errc::kAlgorithmNotAllowed);
  EXPECT_NE(t.status().message().find("RS384"), std::string::npos);
  EXPECT_EQ(http->CallCount(), 0u);
}

TEST_F(ValidatorTest, JwkPublishedForRs256IsNotUsedForRs384) {
  AccessTokenPolicy p = Policy();
  p.allowed_algs = {Algorithm::kRS256, Algorithm::kRS384};
  EXPECT_EQ(ValidateWith(p, MintAccessToken({.alg = Algorithm::kRS384})).status().code(),
            Errc::kKeyAlgorithmMismatch);
}

TEST_F(ValidatorTest, ChangedPayloadByteBreaksTheSignature) {
  std::string token = MintAccessToken();
  auto seg = testing::SplitCompact(token);
  ASSERT_TRUE(seg.has_value());
  std::string payload = *Base64UrlDecode(seg->payload);
  size_t pos = payload.find("910753614");
  ASSERT_NE(pos, std::string::npos);
  payload.replace(pos, 9, "889640782");  // another valid org number
  std::string forged = seg->header + "." + Base64UrlEncode(payload) + "." + seg->signature;
  EXPECT_EQ(Validate(forged).status().code(), Errc::kInvalidSignature);
  // The signature itself changed in one byte.
  std::string sig = *Base64UrlDecode(seg->signature);
  sig[sig.size() / 2] ^= 0x01;
  EXPECT_EQ(Validate(seg->header + "." + seg->payload + "." + Base64UrlEncode(sig)).status().code(),
            Errc::kInvalidSignature);
}

TEST_F(ValidatorTest, SignatureByAnotherKeyWithTheSameKidIsRefused) {
  EXPECT_EQ(CodeOf({.key = &testing::OtherTestKey(Algorithm::kRS256)}), Errc::kInvalidSignature);
}

TEST_F(ValidatorTest, UnknownKidIsRefused) {
  Result<ValidatedAccessToken> t = Validate(MintAccessToken({.kid = "rotated-away"}));
  EXPECT_EQ(t.status().code(), Errc::kKeyNotFound);
  EXPECT_NE(t.status().message().find("rotated-away"), std::string::npos);
}

TEST_F(ValidatorTest, TokenWithoutKidUsesTheSetsOnlyKey) {
  Result<ValidatedAccessToken> t = Validate(MintAccessToken({.kid = ""}));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->kid, kTestAccessTokenKid);
}

TEST_F(ValidatorTest, KeyCarryingHeadersAreNeverTrusted) {
  auto http = std::make_shared<testing::FakeHttpClient>();
  auto keys = JwksCache::FromUri(http, "https://test.maskinporten.no/jwk");
  ASSERT_TRUE(keys.ok());
  AccessTokenValidator v(Policy(), *keys);
  const std::string payload = testing::AccessTokenPayload({});
  const PrivateKey& key = TestKey(Algorithm::kRS256);
  for (const char* extra :
       {R"(,"jku":"https://evil.example/jwks")", R"(,"x5u":"https://evil.example/cert.pem")",
        R"(,"jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"})"}) {
    SCOPED_TRACE(extra);
    std::string token = SignCompact(key, Algorithm::kRS256, Header(extra), payload);
    EXPECT_EQ(v.Validate(token).status().code(), Errc::kUntrustedHeader);
  }
  EXPECT_EQ(http->CallCount(), 0u);  // refused before the (unknown) kid could trigger a fetch
  // With the real keys the same headers are still refused.
  std::string jku =
      SignCompact(key, Algorithm::kRS256, Header(R"(,"jku":"https://evil.example/")"), payload);
  EXPECT_EQ(Validate(jku).status().code(), Errc::kUntrustedHeader);
}

TEST_F(ValidatorTest, EscapedHeaderMemberNamesAreStillRecognised) {
  // "j\u006bu" is "jku" to any JSON parser.
  std::string token = SignCompact(TestKey(Algorithm::kRS256), Algorithm::kRS256,
                                  Header(R"(,"j\u006bu":"https://evil.example/")"),
                                  testing::AccessTokenPayload({}));
  EXPECT_EQ(Validate(token).status().code(), Errc::kUntrustedHeader);
  std::string crit =
      SignCompact(TestKey(Algorithm::kRS256), Algorithm::kRS256, Header(R"(,"\u0063rit":["exp"])"),
                  testing::AccessTokenPayload({}));
  EXPECT_EQ(Validate(crit).status().code(), Errc::kUnsupportedCritical);
}

TEST_F(ValidatorTest, CritAndB64HeadersAreRefused) {
  const std::string payload = testing::AccessTokenPayload({});
  const PrivateKey& key = TestKey(Algorithm::kRS256);
  EXPECT_EQ(
      Validate(SignCompact(key, Algorithm::kRS256, Header(R"(,"crit":["exp"],"exp":1)"), payload))
          .status()
          .code(),
      Errc::kUnsupportedCritical);
  EXPECT_EQ(Validate(SignCompact(key, Algorithm::kRS256, Header(R"(,"b64":false)"), payload))
                .status()
                .code(),
            Errc::kUnsupportedCritical);
}

TEST_F(ValidatorTest, OversizedTokenIsRefusedBeforeDecoding) {
  std::string huge(16 * 1024 + 1, 'A');
  EXPECT_EQ(Validate(huge).status().code(), Errc::kLimitExceeded);
  AccessTokenPolicy p = Policy();
  std::string token = MintAccessToken();
  p.max_token_bytes = token.size() - 1;
  EXPECT_EQ(ValidateWith(p, token).status().code(), Errc::kLimitExceeded);
  p.max_token_bytes = token.size();
  EXPECT_TRUE(ValidateWith(p, token).ok());
}

TEST_F(ValidatorTest, MalformedTokensAreRefused) {
  EXPECT_EQ(Validate("").status().code(), Errc::kMalformedToken);
  EXPECT_EQ(Validate("abc").status().code(), Errc::kMalformedToken);
  EXPECT_EQ(Validate("a.b.c.d").status().code(), Errc::kMalformedToken);
  std::string token = MintAccessToken();
  EXPECT_NE(Validate(token + "=").status().code(), Errc::kOk);
  EXPECT_EQ(Validate(token.substr(0, token.rfind('.'))).status().code(), Errc::kMalformedToken);
}

TEST_F(ValidatorTest, DuplicateClaimNamesAreRefused) {
  std::string payload = testing::AccessTokenPayload({});
  payload.insert(1, R"("scope":"idporten:admin",)");  // first of two scope members
  std::string token = SignCompact(TestKey(Algorithm::kRS256), Algorithm::kRS256, Header(), payload);
  EXPECT_EQ(Validate(token).status().code(), Errc::kDuplicateJsonKey);
  std::string dup_header =
      SignCompact(TestKey(Algorithm::kRS256), Algorithm::kRS256,
                  R"({"kid":"mp-test-key-1","alg":"RS256","alg":"none"})", payload);
  EXPECT_EQ(Validate(dup_header).status().code(), Errc::kDuplicateJsonKey);
}

TEST_F(ValidatorTest, ScopePrefixDoesNotSatisfyTheFullScope) {
  Result<ValidatedAccessToken> t = Validate(MintAccessToken({.scope = "nav:example/ssu"}));
  EXPECT_EQ(t.status().code(), Errc::kInsufficientScope);
  EXPECT_NE(t.status().message().find("\"nav:example/ssu.read\""), std::string::npos);
  EXPECT_NE(t.status().message().find("it has scope \"nav:example/ssu\""), std::string::npos);
  EXPECT_EQ(CodeOf({.scope = "nav:example/ssu.readx"}), Errc::kInsufficientScope);
  EXPECT_EQ(CodeOf({.scope = "nav:example/ssu.read/x"}), Errc::kInsufficientScope);
  EXPECT_EQ(CodeOf({.scope = "NAV:example/ssu.read"}), Errc::kInsufficientScope);
}

TEST_F(ValidatorTest, FullScopeDoesNotSatisfyAShorterRequiredScope) {
  AccessTokenPolicy p = Policy();
  p.required_scopes = {"nav:example/ssu"};
  EXPECT_EQ(ValidateWith(p, MintAccessToken()).status().code(), Errc::kInsufficientScope);
}

TEST_F(ValidatorTest, ScopeClaimWithExtraSpacesSplitsIntoDistinctScopes) {
  Result<ValidatedAccessToken> t =
      Validate(MintAccessToken({.scope = "  nav:example/ssu.read   other  nav:example/ssu.read "}));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->scopes, (std::vector<std::string>{"nav:example/ssu.read", "other"}));
  // Only a space separates: a tab makes one unusable scope.
  EXPECT_EQ(CodeOf({.scope = "nav:example/ssu.read\tother"}), Errc::kInsufficientScope);
  EXPECT_EQ(CodeOf({.scope = ""}), Errc::kInsufficientScope);
}

TEST_F(ValidatorTest, ScopeClaimMustBeAPresentString) {
  EXPECT_EQ(CodeOf({.scope = std::nullopt}), Errc::kMissingClaim);
  AccessTokenSpec spec;
  spec.extra_claims["scope"] = nlohmann::ordered_json::array({"nav:example/ssu.read"});
  EXPECT_EQ(CodeOf(spec), Errc::kInvalidClaim);
}

TEST_F(ValidatorTest, ExtraScopesPerEndpointAreRequiredToo) {
  AccessTokenValidator v(Policy(), testing::TestAccessTokenKeys());
  std::string token = MintAccessToken({.scope = "nav:example/ssu.read nav:example/ssu.write"});
  EXPECT_TRUE(v.Validate(token, {"nav:example/ssu.write"}).ok());
  Result<ValidatedAccessToken> t = v.Validate(MintAccessToken(), {"nav:example/ssu.write"});
  EXPECT_EQ(t.status().code(), Errc::kInsufficientScope);
  EXPECT_NE(t.status().message().find("ssu.write"), std::string::npos);
}

TEST_F(ValidatorTest, ConsumerIsRequiredAndMustBeIso6523OrgNumber) {
  EXPECT_EQ(CodeOf({.consumer = std::nullopt}), Errc::kMissingClaim);
  Result<ValidatedAccessToken> no_prefix = Validate(MintAccessToken({.consumer = "910753614"}));
  EXPECT_EQ(no_prefix.status().code(), Errc::kInvalidOrgNumber);
  EXPECT_NE(no_prefix.status().message().find("consumer.ID"), std::string::npos);
  EXPECT_EQ(CodeOf({.consumer = "0192:910753615"}), Errc::kInvalidOrgNumber);  // check digit
  EXPECT_EQ(CodeOf({.consumer = "9908:910753614"}), Errc::kInvalidOrgNumber);
  EXPECT_EQ(CodeOf({.consumer = "0192:910753614 "}), Errc::kInvalidOrgNumber);
  EXPECT_EQ(CodeOf({.consumer = ""}), Errc::kInvalidOrgNumber);
}

TEST_F(ValidatorTest, ConsumerOfTheWrongShapeIsAnInvalidClaim) {
  AccessTokenSpec as_string;
  as_string.extra_claims["consumer"] = "0192:910753614";
  EXPECT_EQ(CodeOf(as_string), Errc::kInvalidClaim);
  AccessTokenSpec numeric_id;
  numeric_id.extra_claims["consumer"] = {{"authority", "iso6523-actorid-upis"}, {"ID", 910753614}};
  EXPECT_EQ(CodeOf(numeric_id), Errc::kInvalidClaim);
  AccessTokenSpec other_authority;
  other_authority.extra_claims["consumer"] = {{"authority", "other"}, {"ID", "0192:910753614"}};
  EXPECT_EQ(CodeOf(other_authority), Errc::kInvalidClaim);
  AccessTokenSpec no_id;
  no_id.extra_claims["consumer"] = {{"authority", "iso6523-actorid-upis"}};
  EXPECT_EQ(CodeOf(no_id), Errc::kMissingClaim);
}

TEST_F(ValidatorTest, SupplierIsRefusedWithoutAllowSupplier) {
  Result<ValidatedAccessToken> t = Validate(MintAccessToken({.supplier = "0192:311654306"}));
  EXPECT_EQ(t.status().code(), Errc::kConsumerNotAllowed);
  EXPECT_EQ(t.status().message(),
            "token was issued to supplier 0192:311654306 acting for consumer 0192:910753614; "
            "this API does not accept suppliers");
}

TEST_F(ValidatorTest, SupplierIsAcceptedWithAllowSupplier) {
  AccessTokenPolicy p = Policy();
  p.allow_supplier = true;
  Result<ValidatedAccessToken> t = ValidateWith(p, MintAccessToken({.supplier = "0192:311654306"}));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->consumer.digits(), "910753614");
  ASSERT_TRUE(t->supplier.has_value());
  EXPECT_EQ(t->supplier->digits(), "311654306");
  EXPECT_EQ(t->delegation_source, "https://tt02.altinn.no/");
}

TEST_F(ValidatorTest, MalformedSupplierIsRefusedEvenWhenSuppliersAreAllowed) {
  AccessTokenPolicy p = Policy();
  p.allow_supplier = true;
  Result<ValidatedAccessToken> t = ValidateWith(p, MintAccessToken({.supplier = "0192:31165430"}));
  EXPECT_EQ(t.status().code(), Errc::kInvalidOrgNumber);
  EXPECT_NE(t.status().message().find("supplier.ID"), std::string::npos);
}

TEST_F(ValidatorTest, AllowedConsumersRestrictTheConsumerOrg) {
  AccessTokenPolicy p = Policy();
  p.allowed_consumers = {"889640782", "910753614"};
  EXPECT_TRUE(ValidateWith(p, MintAccessToken()).ok());
  p.allowed_consumers = {"889640782"};
  Result<ValidatedAccessToken> t = ValidateWith(p, MintAccessToken());
  EXPECT_EQ(t.status().code(), Errc::kConsumerNotAllowed);
  EXPECT_NE(t.status().message().find("0192:910753614"), std::string::npos);
  // The supplier's org is never what the allowlist is checked against.
  p.allow_supplier = true;
  p.allowed_consumers = {"311654306"};
  EXPECT_EQ(ValidateWith(p, MintAccessToken({.supplier = "0192:311654306"})).status().code(),
            Errc::kConsumerNotAllowed);
}

TEST_F(ValidatorTest, AuthorizationDetailsMustBeAnArray) {
  EXPECT_EQ(CodeOf({.authorization_details_json = R"({"type":"urn:altinn:consent"})"}),
            Errc::kInvalidClaim);
}

TEST_F(ValidatorTest, WrongTypesOfInformationalClaimsAreRefused) {
  AccessTokenSpec spec;
  spec.extra_claims["client_id"] = 42;
  EXPECT_EQ(CodeOf(spec), Errc::kInvalidClaim);
  AccessTokenSpec exp_string;
  exp_string.extra_claims["exp"] = "1700000120";
  EXPECT_EQ(CodeOf(exp_string), Errc::kInvalidClaim);
}

TEST_F(ValidatorTest, PolicyWithoutIssuerIsAnInvalidArgument) {
  AccessTokenPolicy p = Policy();
  p.issuer = "";
  EXPECT_EQ(ValidateWith(p, MintAccessToken()).status().code(), Errc::kInvalidArgument);
  EXPECT_EQ(AccessTokenValidator(Policy(), nullptr).Validate(MintAccessToken()).status().code(),
            Errc::kInvalidArgument);
}

TEST_F(ValidatorTest, ConcurrentValidationsAgree) {
  AccessTokenValidator v(Policy(), testing::TestAccessTokenKeys());
  std::string good = MintAccessToken();
  std::string bad = MintAccessToken({.scope = "other"});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, refused{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        if (v.Validate(good).ok()) ++ok;
        if (v.Validate(bad).status().code() == Errc::kInsufficientScope) ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
  EXPECT_EQ(refused.load(), 160);
}

}  // namespace
}  // namespace mp
