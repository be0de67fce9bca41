#include "maskinporten/jwt.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "maskinporten/base64.h"

namespace mp {
namespace {

using std::chrono::seconds;

constexpr int64_t kNow = 1700000000;

Claims Parse(const std::string& json) {
  Result<Claims> c = Claims::Parse(json);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

// Options at kNow on `clock`, with nothing else required.
ClaimsOptions At(const FakeClock& clock, int64_t leeway = 0) {
  ClaimsOptions o;
  o.clock = &clock;
  o.leeway = seconds(leeway);
  return o;
}

Status ValidateAt(int64_t now, const std::string& json, int64_t leeway = 0) {
  FakeClock clock(now);
  return ValidateClaims(Parse(json), At(clock, leeway));
}

std::string Exp(int64_t exp) { return R"({"exp":)" + std::to_string(exp) + "}"; }

TEST(Claims, ParseRefusesNonObjectsDuplicatesAndDepth) {
  EXPECT_EQ(Claims::Parse("[]").status().code(), Errc::kInvalidJson);
  EXPECT_EQ(Claims::Parse("nope").status().code(), Errc::kInvalidJson);
  EXPECT_EQ(Claims::Parse(R"({"exp":1,"exp":2})").status().code(), Errc::kDuplicateJsonKey);
  std::string deep = R"({"a":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(Claims::Parse(deep).status().code(), Errc::kLimitExceeded);
}

TEST(Claims, GetStringDistinguishesAbsentAndWrongType) {
  Claims c = Parse(R"({"iss":"me","n":5})");
  EXPECT_EQ(c.GetString("iss").value(), std::optional<std::string>("me"));
  EXPECT_EQ(c.GetString("missing").value(), std::nullopt);
  Result<std::optional<std::string>> n = c.GetString("n");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Errc::kInvalidClaim);
  EXPECT_NE(n.status().message().find("n"), std::string::npos);
  EXPECT_TRUE(c.Has("n"));
  EXPECT_FALSE(c.Has("missing"));
}

TEST(Claims, GetObjectReadsNestedMembersAndRefusesOtherTypes) {
  Claims c = *Claims::Parse(
      R"({"consumer":{"authority":"iso6523-actorid-upis","ID":"0192:910753614"},"s":"x"})");
  Result<std::optional<Claims>> consumer = c.GetObject("consumer");
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  ASSERT_TRUE(consumer->has_value());
  EXPECT_EQ((*consumer)->GetString("ID").value(), std::optional<std::string>("0192:910753614"));
  EXPECT_EQ((*consumer)->Names(), (std::vector<std::string>{"ID", "authority"}));
  EXPECT_FALSE(c.GetObject("supplier").value().has_value());
  Result<std::optional<Claims>> not_object = c.GetObject("s");
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.status().code(), Errc::kInvalidClaim);
  EXPECT_NE(not_object.status().message().find("claim s"), std::string::npos)
      << not_object.status().message();
}

TEST(Claims, NumericDateAcceptsIntegersAndFloorsNonIntegers) {
  Claims c = Parse(R"({"a":1700000000,"b":1700000000.9,"c":-1.5,"d":0,"e":1e3,"f":-5})");
  EXPECT_EQ(c.GetNumericDate("a").value(), 1700000000);
  EXPECT_EQ(c.GetNumericDate("b").value(), 1700000000);
  EXPECT_EQ(c.GetNumericDate("c").value(), -2);
  EXPECT_EQ(c.GetNumericDate("d").value(), 0);
  EXPECT_EQ(c.GetNumericDate("e").value(), 1000);
  EXPECT_EQ(c.GetNumericDate("f").value(), -5);
  EXPECT_EQ(c.GetNumericDate("absent").value(), std::nullopt);
}

TEST(Claims, NonNumericOrOutOfRangeDateIsInvalidClaim) {
  Claims c =
      Parse(R"({"s":"1700000000","b":true,"n":null,"a":[1],"big":1e300,"u":18446744073709551615})");
  for (const char* name : {"s", "b", "n", "a", "big", "u"}) {
    Result<std::optional<int64_t>> v = c.GetNumericDate(name);
    ASSERT_FALSE(v.ok()) << name;
    EXPECT_EQ(v.status().code(), Errc::kInvalidClaim) << name;
  }
}

TEST(Claims, StringOrArray) {
  Claims c = Parse(R"({"one":"a","many":["a","b"],"mixed":["a",1],"num":3,"empty":[]})");
  EXPECT_EQ(c.GetStringOrArray("one").value(), std::vector<std::string>{"a"});
  EXPECT_EQ(c.GetStringOrArray("many").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.GetStringOrArray("empty").value(), std::vector<std::string>{});
  EXPECT_EQ(c.GetStringOrArray("absent").value(), std::nullopt);
  EXPECT_EQ(c.GetStringOrArray("mixed").status().code(), Errc::kInvalidClaim);
  EXPECT_EQ(c.GetStringOrArray("num").status().code(), Errc::kInvalidClaim);
}

TEST(Claims, NamesAreSortedAndMembersSerialiseCompactly) {
  Claims c = Parse(R"({"z":1, "a":{"k": [1, 2]}, "m":"x"})");
  EXPECT_EQ(c.Names(), (std::vector<std::string>{"a", "m", "z"}));
  EXPECT_EQ(c.MemberJson("a"), R"({"k":[1,2]})");
  EXPECT_EQ(c.MemberJson("m"), R"("x")");
  EXPECT_EQ(c.MemberJson("nope"), "");
  EXPECT_EQ(Parse(c.ToJson()).Names(), c.Names());
}

TEST(ValidateClaims, ExpIsRequiredByDefault) {
  Status s = ValidateAt(kNow, "{}");
  EXPECT_EQ(s.code(), Errc::kMissingClaim);
  EXPECT_NE(s.message().find("exp"), std::string::npos);
  FakeClock clock(kNow);
  ClaimsOptions o = At(clock);
  o.require_exp = false;
  EXPECT_TRUE(ValidateClaims(Parse("{}"), o).ok());
}

TEST(ValidateClaims, NonNumericExpIsInvalidClaim) {
  EXPECT_EQ(ValidateAt(kNow, R"({"exp":"1800000000"})").code(), Errc::kInvalidClaim);
}

TEST(ValidateClaims, ExpiresExactlyAtExp) {
  // RFC 7519 §4.1.4: the current time MUST be before exp.
  EXPECT_TRUE(ValidateAt(kNow - 1, Exp(kNow)).ok());
  EXPECT_EQ(ValidateAt(kNow, Exp(kNow)).code(), Errc::kTokenExpired);
  EXPECT_EQ(ValidateAt(kNow + 1, Exp(kNow)).code(), Errc::kTokenExpired);
}

TEST(ValidateClaims, ExpiredMessageNamesTheValues) {
  Status s = ValidateAt(1700000061, Exp(1700000000));
  EXPECT_EQ(s.code(), Errc::kTokenExpired);
  EXPECT_EQ(s.message(), "exp 1700000000 is 61 s before now 1700000061 (leeway 0 s)");
}

TEST(ValidateClaims, LeewayExtendsExp) {
  EXPECT_TRUE(ValidateAt(kNow + 29, Exp(kNow), 30).ok());
  EXPECT_EQ(ValidateAt(kNow + 30, Exp(kNow), 30).code(), Errc::kTokenExpired);
}

TEST(ValidateClaims, NonIntegerExpIsFloored) {
  EXPECT_TRUE(ValidateAt(kNow - 1, R"({"exp":1700000000.999})").ok());
  EXPECT_EQ(ValidateAt(kNow, R"({"exp":1700000000.999})").code(), Errc::kTokenExpired);
}

TEST(ValidateClaims, FarFutureExpWithLeewayDoesNotOverflow) {
  EXPECT_TRUE(ValidateAt(kNow, Exp(9223372036854775807), 60).ok());
  EXPECT_EQ(ValidateAt(kNow, Exp(-9223372036854775807), 60).code(), Errc::kTokenExpired);
}

// Issue 14: claims and leeway at the int64 limits. Every comparison saturates instead of wrapping,
// so each verdict is the one exact arithmetic gives.
TEST(ValidateClaims, ClaimsAtTheInt64LimitsGetExactVerdicts) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  struct Case {
    std::string claims;
    int64_t leeway;
    Errc want;
  };
  const std::string exp_ok = R"("exp":1800000000)";
  const std::vector<Case> cases = {
      {Exp(kMax), 0, Errc::kOk},
      {Exp(kMax), kMax, Errc::kOk},
      {Exp(kMin), 0, Errc::kTokenExpired},
      {Exp(kMin), kMax, Errc::kTokenExpired},  // INT64_MIN + INT64_MAX = -1, long past
      {Exp(-1), 0, Errc::kTokenExpired},
      {Exp(kNow), kMax, Errc::kOk},
      {"{" + exp_ok + R"(,"nbf":)" + std::to_string(kMax) + "}", 0, Errc::kTokenNotYetValid},
      {"{" + exp_ok + R"(,"nbf":)" + std::to_string(kMax) + "}", kMax, Errc::kOk},
      {"{" + exp_ok + R"(,"nbf":)" + std::to_string(kMin) + "}", 0, Errc::kOk},
      {"{" + exp_ok + R"(,"iat":)" + std::to_string(kMax) + "}", 0, Errc::kIssuedInFuture},
      {"{" + exp_ok + R"(,"iat":)" + std::to_string(kMax) + "}", kMax, Errc::kOk},
      {"{" + exp_ok + R"(,"iat":)" + std::to_string(kMin) + "}", kMax, Errc::kOk},
      // Fractions are floored; a double at or beyond 2^63 does not fit int64 at all.
      {R"({"exp":1700000000.5})", 0, Errc::kTokenExpired},
      {R"({"exp":1700000000.5})", 1, Errc::kOk},
      {R"({"exp":-0.5})", 0, Errc::kTokenExpired},
      {R"({"exp":9223372036854775807.0})", 0, Errc::kInvalidClaim},
      {R"({"exp":-9223372036854777856.0})", 0, Errc::kInvalidClaim},
      {R"({"exp":9223372036854774784.0})", 0, Errc::kOk},  // the largest double below 2^63
      {R"({"exp":9223372036854775808})", 0, Errc::kInvalidClaim},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ValidateAt(kNow, c.claims, c.leeway).code(), c.want)
        << c.claims << " leeway " << c.leeway;
  }
}

TEST(ValidateClaims, MessagesAboutAbsurdDatesShowSaturatedDifferences) {
  Status s = ValidateAt(kNow, Exp(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(s.message(),
            "exp -9223372036854775808 is 9223372036854775807 s before now 1700000000 (leeway 0 s)");
  s = ValidateAt(kNow, R"({"exp":1800000000,"iat":9223372036854775807})");
  EXPECT_EQ(s.message(),
            "iat 9223372036854775807 is 9223372035154775807 s after now 1700000000 (leeway 0 s)");
}

TEST(ValidateClaims, NbfBoundaries) {
  auto token = [](int64_t nbf) {
    return R"({"exp":1800000000,"nbf":)" + std::to_string(nbf) + "}";
  };
  EXPECT_TRUE(ValidateAt(kNow, token(kNow)).ok());
  Status s = ValidateAt(kNow, token(kNow + 1));
  EXPECT_EQ(s.code(), Errc::kTokenNotYetValid);
  EXPECT_NE(s.message().find("nbf 1700000001"), std::string::npos) << s.message();
  EXPECT_TRUE(ValidateAt(kNow, token(kNow + 5), 5).ok());
  EXPECT_EQ(ValidateAt(kNow, token(kNow + 6), 5).code(), Errc::kTokenNotYetValid);
  EXPECT_EQ(ValidateAt(kNow, R"({"exp":1800000000,"nbf":"soon"})").code(), Errc::kInvalidClaim);
}

TEST(ValidateClaims, IatInTheFutureBeyondLeewayIsIssuedInFuture) {
  auto token = [](int64_t iat) {
    return R"({"exp":1800000000,"iat":)" + std::to_string(iat) + "}";
  };
  EXPECT_TRUE(ValidateAt(kNow, token(kNow)).ok());
  EXPECT_TRUE(ValidateAt(kNow, token(kNow - 1000)).ok());
  Status s = ValidateAt(kNow, token(kNow + 1));
  EXPECT_EQ(s.code(), Errc::kIssuedInFuture);
  EXPECT_NE(s.message().find("iat 1700000001"), std::string::npos) << s.message();
  EXPECT_TRUE(ValidateAt(kNow, token(kNow + 10), 10).ok());
  EXPECT_EQ(ValidateAt(kNow, token(kNow + 11), 10).code(), Errc::kIssuedInFuture);
  EXPECT_EQ(ValidateAt(kNow, R"({"exp":1800000000,"iat":[1]})").code(), Errc::kInvalidClaim);
}

TEST(ValidateClaims, RequireIatMakesItMandatory) {
  FakeClock clock(kNow);
  ClaimsOptions o = At(clock);
  o.require_iat = true;
  EXPECT_EQ(ValidateClaims(Parse(Exp(kNow + 60)), o).code(), Errc::kMissingClaim);
  EXPECT_TRUE(ValidateClaims(Parse(R"({"exp":1700000060,"iat":1700000000})"), o).ok());
}

TEST(ValidateClaims, IssuerMustMatchExactly) {
  FakeClock clock(kNow);
  ClaimsOptions o = At(clock);
  o.issuer = "https://test.maskinporten.no/";
  EXPECT_TRUE(
      ValidateClaims(Parse(R"({"exp":1800000000,"iss":"https://test.maskinporten.no/"})"), o).ok());
  Status s = ValidateClaims(Parse(R"({"exp":1800000000,"iss":"https://test.maskinporten.no"})"), o);
  EXPECT_EQ(s.code(), Errc::kIssuerMismatch);
  EXPECT_NE(s.message().find("\"https://test.maskinporten.no\""), std::string::npos);
  EXPECT_EQ(ValidateClaims(Parse(Exp(1800000000)), o).code(), Errc::kMissingClaim);
  EXPECT_EQ(ValidateClaims(Parse(R"({"exp":1800000000,"iss":["x"]})"), o).code(),
            Errc::kInvalidClaim);
}

TEST(ValidateClaims, AudienceMayBeStringOrArray) {
  FakeClock clock(kNow);
  ClaimsOptions o = At(clock);
  o.audience = "api";
  EXPECT_TRUE(ValidateClaims(Parse(R"({"exp":1800000000,"aud":"api"})"), o).ok());
  EXPECT_TRUE(ValidateClaims(Parse(R"({"exp":1800000000,"aud":["x","api"]})"), o).ok());
  Status s = ValidateClaims(Parse(R"({"exp":1800000000,"aud":["x","y"]})"), o);
  EXPECT_EQ(s.code(), Errc::kAudienceMismatch);
  EXPECT_NE(s.message().find("\"api\""), std::string::npos);
  EXPECT_EQ(ValidateClaims(Parse(R"({"exp":1800000000,"aud":"API"})"), o).code(),
            Errc::kAudienceMismatch);
  EXPECT_EQ(ValidateClaims(Parse(Exp(1800000000)), o).code(), Errc::kMissingClaim);
  EXPECT_EQ(ValidateClaims(Parse(R"({"exp":1800000000,"aud":7})"), o).code(), Errc::kInvalidClaim);
}

TEST(ValidateClaims, UncheckedIdentityClaimsAreIgnored) {
  EXPECT_TRUE(ValidateAt(kNow, R"({"exp":1800000000,"iss":5,"aud":{}})").ok());
}

TEST(ValidateClaims, NegativeLeewayIsInvalidArgument) {
  EXPECT_EQ(ValidateAt(kNow, Exp(1800000000), -1).code(), Errc::kInvalidArgument);
}

TEST(ValidateClaims, NullClockMeansSystemClock) {
  int64_t now = SystemClock::Instance().NowSeconds();
  ClaimsOptions o;
  EXPECT_TRUE(ValidateClaims(Parse(Exp(now + 3600)), o).ok());
  EXPECT_EQ(ValidateClaims(Parse(Exp(now - 3600)), o).code(), Errc::kTokenExpired);
}

const PrivateKey& Key() {
  static const PrivateKey key = PrivateKey::Generate(Algorithm::kRS256).value();
  return key;
}

TEST(VerifyJwt, VerifiesSignatureThenClaims) {
  FakeClock clock(kNow);
  std::string claims = R"({"iss":"me","aud":"you","exp":1700000060,"scope":"a b"})";
  std::string token = SignJws(Key(), claims, {.kid = "k", .typ = "JWT"}).value();
  ClaimsOptions o = At(clock);
  o.issuer = "me";
  o.audience = "you";
  Result<VerifiedJwt> jwt = VerifyJwt(token, Key().public_key(), {Algorithm::kRS256}, o);
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  EXPECT_EQ(jwt->header.typ, "JWT");
  EXPECT_EQ(jwt->claims.GetString("scope").value(), std::optional<std::string>("a b"));

  clock.Advance(seconds(60));
  EXPECT_EQ(VerifyJwt(token, Key().public_key(), {Algorithm::kRS256}, o).status().code(),
            Errc::kTokenExpired);
}

TEST(VerifyJwt, WorksWithAJwks) {
  FakeClock clock(kNow);
  std::string token = SignJws(Key(), Exp(kNow + 60), {.kid = "k"}).value();
  Jwks jwks =
      Jwks::Parse(R"({"keys":[)" + PublicKeyToJwk(Key().public_key(), {.kid = "k"}) + "]}").value();
  EXPECT_TRUE(VerifyJwt(token, jwks, {Algorithm::kRS256}, At(clock)).ok());
  std::string other_kid = SignJws(Key(), Exp(kNow + 60), {.kid = "x"}).value();
  EXPECT_EQ(VerifyJwt(other_kid, jwks, {Algorithm::kRS256}, At(clock)).status().code(),
            Errc::kKeyNotFound);
}

TEST(VerifyJwt, PayloadMustBeAJsonObject) {
  FakeClock clock(kNow);
  for (const char* payload : {"not json", "[1]", "\"s\""}) {
    std::string token = SignJws(Key(), payload, {}).value();
    Result<VerifiedJwt> jwt = VerifyJwt(token, Key().public_key(), {Algorithm::kRS256}, At(clock));
    ASSERT_FALSE(jwt.ok()) << payload;
    EXPECT_EQ(jwt.status().code(), Errc::kInvalidJson) << payload;
  }
  std::string dup = SignJws(Key(), R"({"exp":1800000000,"exp":1})", {}).value();
  EXPECT_EQ(VerifyJwt(dup, Key().public_key(), {Algorithm::kRS256}, At(clock)).status().code(),
            Errc::kDuplicateJsonKey);
}

TEST(VerifyJwt, BadSignatureIsReportedBeforeClaims) {
  FakeClock clock(kNow);
  std::string token = SignJws(Key(), Exp(kNow - 100), {}).value();
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyJwt(token, Key().public_key(), {Algorithm::kRS256}, At(clock)).status().code(),
            Errc::kInvalidSignature);
}

}  // namespace
}  // namespace mp
