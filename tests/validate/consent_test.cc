#include "maskinporten/consent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/utc_time.h"
#include "validate/consent_fixtures.h"
#include "validate/consent_internal.h"

namespace mp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::ordered_json;
using testing::AccessTokenFor;
using testing::Altinn3Entry;
using testing::AltinnKeys;
using testing::kInsurerOrg;
using testing::kOtherPerson;
using testing::kPerson;
using testing::kService;
using testing::kSupplierOrg;
using testing::MintSamtykke;
using testing::SamtykkeClaims;

constexpr int64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z

std::chrono::system_clock::time_point At(int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

// No Status message may carry a full person identifier.
void ExpectNoPersonId(const Status& s) {
  EXPECT_THAT(s.message(), Not(HasSubstr(kPerson))) << s.ToString();
  EXPECT_THAT(s.message(), Not(HasSubstr(kOtherPerson))) << s.ToString();
}

class ConsentTest : public ::testing::Test {
 protected:
  Result<Consent> Verify(const Json& claims, ConsentVerifyOptions options = {}) {
    return VerifyWith(MintSamtykke(claims), options);
  }
  Result<Consent> VerifyWith(const std::string& token, ConsentVerifyOptions options = {}) {
    if (options.clock == nullptr) options.clock = &clock_;
    Result<Consent> r = VerifyAltinn2Consent(token, *keys_, options);
    ExpectNoPersonId(r.status());
    return r;
  }
  // The error of verifying `claims`; fails the test when it verifies.
  Status VerifyError(const Json& claims, ConsentVerifyOptions options = {}) {
    Result<Consent> r = Verify(claims, options);
    EXPECT_FALSE(r.ok()) << claims.dump();
    return r.status();
  }

  FakeClock clock_{kNow};
  std::shared_ptr<JwksCache> keys_ = AltinnKeys();
};

// ---- MaskPersonId / HashPersonId ----

TEST(MaskPersonId, ShowsTheBirthDatePartOfAnElevenDigitId) {
  EXPECT_EQ(MaskPersonId("01819010001"), "018190*****");
  EXPECT_EQ(MaskPersonId("02819010040"), "028190*****");
}

TEST(MaskPersonId, MasksAnythingElseWhole) {
  for (const char* id :
       {"", "123", "0181901000", "018190100012", "0181901000a", "910753614", "01819 10001"}) {
    EXPECT_EQ(MaskPersonId(id), "***") << id;
  }
}

TEST(HashPersonId, IsStableLowercaseHexOfTheDocumentedInput) {
  // printf 'maskinporten-cpp person:01819010001' | sha256sum | cut -c1-32
  EXPECT_EQ(HashPersonId(kPerson), "5a07510fe589f596dd684e6bfa77e1f8");
  EXPECT_EQ(HashPersonId(kPerson), HashPersonId(std::string(kPerson)));
  EXPECT_EQ(HashPersonId(kOtherPerson), "ef386f720c88f62013b23247b4742cbf");
}

TEST(HashPersonId, DiffersBetweenPersonsAndNeverContainsTheId) {
  EXPECT_NE(HashPersonId(kPerson), HashPersonId(kOtherPerson));
  EXPECT_NE(HashPersonId(kPerson), HashPersonId(""));
  EXPECT_THAT(HashPersonId(kPerson), Not(HasSubstr("018190")));
  EXPECT_THAT(HashPersonId(kPerson), ::testing::MatchesRegex("[0-9a-f]{32}"));
}

// ---- consent dates ----

TEST(ConsentTime, ReadsEpochSecondsAsNumberOrDigitString) {
  EXPECT_EQ(*internal::ParseConsentTime(nlohmann::json(1514761200), "ValidToDate"), At(1514761200));
  EXPECT_EQ(*internal::ParseConsentTime(nlohmann::json(1514761200.75), "ValidToDate"),
            At(1514761200));
  EXPECT_EQ(*internal::ParseConsentTime(nlohmann::json("1514761200"), "ValidToDate"),
            At(1514761200));
}

TEST(ConsentTime, ReadsIso8601DatesAndDateTimes) {
  const int64_t day = 1827532800;  // 2027-11-30T00:00:00Z
  struct Case {
    const char* text;
    int64_t want;
  } cases[] = {
      {"2027-11-30", day},
      {"2027-11-30T12:00", day + 12 * 3600},
      {"2027-11-30T12:00:00", day + 12 * 3600},
      {"2027-11-30T12:00:00Z", day + 12 * 3600},
      {"2027-11-30T12:00:00.1234567Z", day + 12 * 3600},
      {"2027-11-30T12:00:00.5", day + 12 * 3600},
      {"2027-11-30T12:00:00+01:00", day + 11 * 3600},
      {"2027-11-30T12:00:00-0230", day + 14 * 3600 + 1800},
      {"2027-11-30T12:00+01", day + 11 * 3600},
      {"2024-02-29T00:00:00Z", 1709164800},
  };
  for (const Case& c : cases) {
    Result<std::chrono::system_clock::time_point> t =
        internal::ParseConsentTime(nlohmann::json(c.text), "ValidToDate");
    ASSERT_TRUE(t.ok()) << c.text << ": " << t.status().ToString();
    EXPECT_EQ(*t, At(c.want)) << c.text;
  }
}

TEST(ConsentTime, RefusesMalformedValuesNamingTheClaim) {
  for (const nlohmann::json& v :
       {nlohmann::json("2027-13-01"), nlohmann::json("2027-02-30"), nlohmann::json("2023-02-29"),
        nlohmann::json("2027-11-30T24:00:00"), nlohmann::json("2027-11-30T12:60"),
        nlohmann::json("27-11-30"), nlohmann::json("2027-11-30T12"),
        nlohmann::json("2027-11-30 12:00:00"), nlohmann::json("2027-11-30T12:00:00X"),
        nlohmann::json("2027-11-30T12:00:00."), nlohmann::json("2027-11-30T12:00:00+1"),
        nlohmann::json("2027-11-30T12:00:00Z "), nlohmann::json("2027-11-30T12:00:00+25:00"),
        nlohmann::json(""), nlohmann::json("-5"), nlohmann::json(-5), nlohmann::json(true),
        nlohmann::json::array(), nlohmann::json(nullptr), nlohmann::json(1e300),
        nlohmann::json(99999999999999LL), nlohmann::json("99999999999999"),
        // Outside 1970..2199: a nanosecond time_point cannot hold them
        // (found by fuzz/consent_fuzz.cc).
        nlohmann::json(253402300799LL), nlohmann::json("9999-12-31T23:59:59Z"),
        nlohmann::json("0000-01-01"), nlohmann::json("1969-12-31"), nlohmann::json("2200-01-01")}) {
    Result<std::chrono::system_clock::time_point> t =
        internal::ParseConsentTime(v, "DelegatedDate");
    ASSERT_FALSE(t.ok()) << v.dump();
    EXPECT_EQ(t.status().code(), Errc::kInvalidClaim) << v.dump();
    EXPECT_THAT(t.status().message(), HasSubstr("DelegatedDate")) << v.dump();
  }
}

TEST(ConsentTime, AcceptsExactly1970To2199InEveryForm) {
  struct Case {
    nlohmann::json value;
    int64_t want;  // -1: refused
  };
  const std::vector<Case> cases = {
      {nlohmann::json(0), 0},
      {nlohmann::json(7258118399LL), 7258118399},
      {nlohmann::json(7258118400LL), -1},
      {nlohmann::json(-1), -1},
      {nlohmann::json(std::numeric_limits<int64_t>::min()), -1},
      {nlohmann::json(std::numeric_limits<int64_t>::max()), -1},
      {nlohmann::json(std::numeric_limits<uint64_t>::max()), -1},
      {nlohmann::json(0.5), 0},
      {nlohmann::json(-0.5), -1},
      {nlohmann::json(7258118399.9), 7258118399},
      {nlohmann::json(7258118400.0), -1},
      {nlohmann::json(-1e300), -1},
      {nlohmann::json("0"), 0},
      {nlohmann::json("7258118399"), 7258118399},
      {nlohmann::json("7258118400"), -1},
      {nlohmann::json("1970-01-01T00:00:00Z"), 0},
      {nlohmann::json("1970-01-01T00:00:00+00:01"), -1},  // 1969-12-31T23:59:00Z
      {nlohmann::json("2199-12-31T23:59:59Z"), 7258118399},
      {nlohmann::json("2199-12-31T23:59:59-00:01"), -1},  // 2200-01-01T00:00:59Z
  };
  for (const Case& c : cases) {
    Result<std::chrono::system_clock::time_point> t =
        internal::ParseConsentTime(c.value, "ValidToDate");
    if (c.want < 0) {
      ASSERT_FALSE(t.ok()) << c.value.dump();
      EXPECT_EQ(t.status().code(), Errc::kInvalidClaim) << c.value.dump();
      EXPECT_THAT(t.status().message(), HasSubstr("ValidToDate")) << c.value.dump();
    } else {
      ASSERT_TRUE(t.ok()) << c.value.dump() << ": " << t.status().ToString();
      EXPECT_EQ(*t, At(c.want)) << c.value.dump();
    }
  }
}

TEST(ConsentTime, FormatsUtcWithWholeSeconds) {
  EXPECT_EQ(FormatUtc(At(1827532800) + std::chrono::milliseconds(999)), "2027-11-30T00:00:00Z");
}

// ---- VerifyAltinn2Consent: the happy path and the claims ----

TEST_F(ConsentTest, VerifiesAValidSamtykketokenAndReadsEveryClaim) {
  Json claims = SamtykkeClaims(kNow);
  claims["HandledBy"] = kSupplierOrg;
  Result<Consent> c = Verify(claims);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->form, Consent::Form::kAltinn2Token);
  EXPECT_EQ(c->id, testing::kConsentCode);
  EXPECT_EQ(c->offered_by, kPerson);
  EXPECT_EQ(c->required_delegator, kPerson);
  EXPECT_EQ(c->covered_by.digits(), kInsurerOrg);
  ASSERT_TRUE(c->handled_by.has_value());
  EXPECT_EQ(c->handled_by->digits(), kSupplierOrg);
  ASSERT_EQ(c->services.size(), 1u);
  EXPECT_EQ(c->services[0].id, kService);
  ASSERT_EQ(c->services[0].metadata.size(), 1u);
  EXPECT_EQ(c->services[0].metadata[0].first, "Navn");
  EXPECT_EQ(c->services[0].metadata[0].second, "TEST FORSIKRING AS");
  EXPECT_EQ(c->consented_at, At(kNow - 3600));
  EXPECT_EQ(c->valid_to, At(kNow + 365LL * 24 * 3600));
  EXPECT_EQ(c->issuer, "altinn.no");
}

TEST_F(ConsentTest, ReadsTheDsopExampleServicesWithMetadataInOrder) {
  Json claims = SamtykkeClaims(kNow);
  // Metadata may come before its service; a value may hold '=' and '_'.
  claims["Services"] = {"4630_2_fraOgMed=2017-06", "4629_2",
                        "4629_2_Inntektsaar=2016", "4630_2",
                        "4630_2_tilOgMed=2017-10", "4630_2_note=a=b_c"};
  Result<Consent> c = Verify(claims);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->services.size(), 2u);
  EXPECT_EQ(c->services[0].id, "4629_2");
  EXPECT_EQ(c->services[0].metadata,
            (std::vector<std::pair<std::string, std::string>>{{"Inntektsaar", "2016"}}));
  EXPECT_EQ(c->services[1].id, "4630_2");
  EXPECT_EQ(c->services[1].metadata,
            (std::vector<std::pair<std::string, std::string>>{
                {"fraOgMed", "2017-06"}, {"tilOgMed", "2017-10"}, {"note", "a=b_c"}}));
}

TEST_F(ConsentTest, ReadsTheOlderServiceCodesClaimAsStringListOrArray) {
  for (const Json& codes : {Json("5252_2"), Json("5252_2, 4630_2"),
                            Json::array({"5252_2", "4630_2", "4630_2_fraOgMed=2017-06"})}) {
    Json claims = SamtykkeClaims(kNow);
    claims.erase("Services");
    claims["ServiceCodes"] = codes;
    Result<Consent> c = Verify(claims);
    ASSERT_TRUE(c.ok()) << codes.dump() << ": " << c.status().ToString();
    EXPECT_EQ(c->services[0].id, "5252_2") << codes.dump();
    if (!codes.is_string() || codes.get<std::string>().find(',') != std::string::npos) {
      ASSERT_EQ(c->services.size(), 2u) << codes.dump();
      EXPECT_EQ(c->services[1].id, "4630_2");
    }
  }
}

TEST_F(ConsentTest, ListsARepeatedServiceOnce) {
  Json claims = SamtykkeClaims(kNow);
  claims["Services"] = {"5252_2", "5252_2"};
  Result<Consent> c = Verify(claims);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->services.size(), 1u);
}

TEST_F(ConsentTest, RefusesMetadataForAServiceTheTokenDoesNotList) {
  Json claims = SamtykkeClaims(kNow);
  claims["Services"] = {"5252_2", "4630_2_fraOgMed=2017-06"};
  Status s = VerifyError(claims);
  EXPECT_EQ(s.code(), Errc::kInvalidClaim);
  EXPECT_THAT(s.message(), HasSubstr("Services"));
  EXPECT_THAT(s.message(), HasSubstr("4630_2"));
}

TEST_F(ConsentTest, RefusesMalformedServiceEntries) {
  for (const Json& services :
       {Json::array({"5252"}), Json::array({"5252_x"}), Json::array({"_2"}), Json::array({""}),
        Json::array({"5252_2", "5252_2_=v"}), Json::array({"5252_2", "5252_v=1"}),
        Json::array({"5252_2", 7}), Json::array(), Json("5252_2"), Json(5252)}) {
    Json claims = SamtykkeClaims(kNow);
    claims["Services"] = services;
    Status s = VerifyError(claims);
    EXPECT_EQ(s.code(), Errc::kInvalidClaim) << services.dump();
    EXPECT_THAT(s.message(), HasSubstr("claim Services")) << services.dump();
  }
  Json claims = SamtykkeClaims(kNow);
  claims.erase("Services");
  claims["ServiceCodes"] = {{"code", 5252}};
  EXPECT_THAT(VerifyError(claims).message(), HasSubstr("claim ServiceCodes"));
}

TEST_F(ConsentTest, RefusesBothServicesAndServiceCodes) {
  Json claims = SamtykkeClaims(kNow);
  claims["ServiceCodes"] = "4630_2";
  Status s = VerifyError(claims);
  EXPECT_EQ(s.code(), Errc::kInvalidClaim);
  EXPECT_THAT(s.message(), HasSubstr("ServiceCodes"));
}

TEST_F(ConsentTest, RefusesEachMissingRequiredClaimByName) {
  for (const char* name : {"Services", "AuthorizationCode", "OfferedBy", "CoveredBy",
                           "DelegatedDate", "ValidToDate", "exp", "iat", "iss"}) {
    Json claims = SamtykkeClaims(kNow);
    claims.erase(name);
    Status s = VerifyError(claims);
    EXPECT_EQ(s.code(), Errc::kMissingClaim) << name << ": " << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr(name));
  }
}

TEST_F(ConsentTest, RefusesStringClaimsOfAnotherTypeOrEmpty) {
  for (const char* name : {"AuthorizationCode", "OfferedBy", "CoveredBy"}) {
    for (const Json& v : {Json(12345), Json(""), Json(nullptr)}) {
      Json claims = SamtykkeClaims(kNow);
      claims[name] = v;
      Status s = VerifyError(claims);
      EXPECT_EQ(s.code(), Errc::kInvalidClaim) << name << " " << v.dump();
      EXPECT_THAT(s.message(), HasSubstr(name));
    }
  }
}

TEST_F(ConsentTest, RefusesAnOfferedByThatIsNeitherPersonNorOrgWithoutEchoingIt) {
  for (const char* bad : {"0181901000", "018190100011", "0181901000a", "910753615"}) {
    Json claims = SamtykkeClaims(kNow);
    claims["OfferedBy"] = bad;
    Status s = VerifyError(claims);
    EXPECT_EQ(s.code(), Errc::kInvalidClaim) << bad;
    EXPECT_THAT(s.message(), HasSubstr("claim OfferedBy"));
    EXPECT_THAT(s.message(), Not(HasSubstr(bad)));
  }
  Json claims = SamtykkeClaims(kNow);
  claims["RequiredDelegator"] = "12345";
  EXPECT_THAT(VerifyError(claims).message(), HasSubstr("claim RequiredDelegator"));
}

TEST_F(ConsentTest, AcceptsAnOrganisationAsOfferedByAndNoRequiredDelegator) {
  Json claims = SamtykkeClaims(kNow);
  claims["OfferedBy"] = testing::kNavOrg;
  claims.erase("RequiredDelegator");
  Result<Consent> c = Verify(claims);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->offered_by, testing::kNavOrg);
  EXPECT_EQ(c->required_delegator, "");
}

TEST_F(ConsentTest, RefusesCoveredByAndHandledByThatAreNoOrgNumbers) {
  for (const char* name : {"CoveredBy", "HandledBy"}) {
    Json claims = SamtykkeClaims(kNow);
    claims[name] = "910753615";  // wrong check digit
    Status s = VerifyError(claims);
    EXPECT_EQ(s.code(), Errc::kInvalidOrgNumber) << name;
    EXPECT_THAT(s.message(), HasSubstr("claim " + std::string(name)));
  }
}

TEST_F(ConsentTest, TreatsANullOrEmptyHandledByAsAbsent) {
  for (const Json& v : {Json(nullptr), Json("")}) {
    Json claims = SamtykkeClaims(kNow);
    claims["HandledBy"] = v;
    Result<Consent> c = Verify(claims);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_FALSE(c->handled_by.has_value());
  }
}

TEST_F(ConsentTest, ReadsBothDateFormats) {
  Json claims = SamtykkeClaims(kNow);
  claims["DelegatedDate"] = "2023-11-14";
  claims["ValidToDate"] = "2027-11-30T12:00:00Z";
  Result<Consent> c = Verify(claims);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->consented_at, At(1699920000));
  EXPECT_EQ(c->valid_to, At(1827532800 + 12 * 3600));
  claims["DelegatedDate"] = std::to_string(kNow - 10);
  claims["ValidToDate"] = kNow + 10.5;
  c = Verify(claims);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->consented_at, At(kNow - 10));
  EXPECT_EQ(c->valid_to, At(kNow + 10));
}

TEST_F(ConsentTest, RefusesBadDatesNamingTheClaim) {
  for (const char* name : {"DelegatedDate", "ValidToDate"}) {
    for (const Json& v : {Json("30.11.2027"), Json(true), Json("2027-02-30")}) {
      Json claims = SamtykkeClaims(kNow);
      claims[name] = v;
      Status s = VerifyError(claims);
      EXPECT_EQ(s.code(), Errc::kInvalidClaim) << name << " " << v.dump();
      EXPECT_THAT(s.message(), HasSubstr("claim " + std::string(name)));
    }
  }
}

// ---- VerifyAltinn2Consent: signature, algorithm, key, issuer, lifetime ----

TEST_F(ConsentTest, RefusesATokenSignedByAnotherKey) {
  Result<Consent> c =
      VerifyWith(MintSamtykke(SamtykkeClaims(kNow), &mp::testing::TestKey(Algorithm::kRS256)));
  EXPECT_EQ(c.status().code(), Errc::kInvalidSignature) << c.status().ToString();
}

TEST_F(ConsentTest, RefusesATamperedPayload) {
  std::string token = MintSamtykke(SamtykkeClaims(kNow));
  Json other = SamtykkeClaims(kNow);
  other["CoveredBy"] = kSupplierOrg;
  std::string forged = MintSamtykke(other);
  // Header and signature of the first, payload of the second.
  std::string spliced = token.substr(0, token.find('.')) +
                        forged.substr(forged.find('.'), forged.rfind('.') - forged.find('.')) +
                        token.substr(token.rfind('.'));
  EXPECT_EQ(VerifyWith(spliced).status().code(), Errc::kInvalidSignature);
}

TEST_F(ConsentTest, RefusesAnUnknownKid) {
  Result<Consent> c = VerifyWith(MintSamtykke(SamtykkeClaims(kNow), nullptr, "rotated-away"));
  EXPECT_EQ(c.status().code(), Errc::kKeyNotFound);
  EXPECT_THAT(c.status().message(), HasSubstr("rotated-away"));
}

TEST_F(ConsentTest, UsesTheOnlyKeyForATokenWithoutKid) {
  Result<Consent> c = VerifyWith(MintSamtykke(SamtykkeClaims(kNow), nullptr, ""));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
}

// Counts lookups, to show a refused alg never reaches the key source (no fetch on bad tokens).
class CountingKeys final : public JwksCache {
 public:
  Result<Jwk> Find(std::string_view kid) override {
    ++finds;
    return inner_->Find(kid);
  }
  Status Refresh() override { return OkStatus(); }
  Stats stats() const override { return {}; }
  const std::string& uri() const override { return uri_; }
  int finds = 0;

 private:
  std::shared_ptr<JwksCache> inner_ = AltinnKeys();
  std::string uri_;
};

TEST_F(ConsentTest, RefusesEveryAlgorithmButRs256BeforeAnyKeyLookup) {
  CountingKeys keys;
  FakeClock clock(kNow);
  std::string ps256 =
      MintSamtykke(SamtykkeClaims(kNow), &mp::testing::AltinnKey(), testing::kAltinnKid, "PS256");
  Result<Consent> c = VerifyAltinn2Consent(ps256, keys, {.clock = &clock});
  EXPECT_EQ(c.status().code(), Errc::kAlgorithmNotAllowed);
  EXPECT_THAT(c.status().message(), HasSubstr("PS256"));
  std::string none = mp::testing::MakeCompact(R"({"alg":"none","kid":"altinn-test-key-1"})",
                                              SamtykkeClaims(kNow).dump(), "");
  c = VerifyAltinn2Consent(none, keys, {.clock = &clock});
  EXPECT_EQ(c.status().code(), Errc::kUnsupportedAlgorithm);
  std::string hs = mp::testing::MakeCompact(R"({"alg":"HS256","kid":"altinn-test-key-1"})",
                                            SamtykkeClaims(kNow).dump(), "sig");
  c = VerifyAltinn2Consent(hs, keys, {.clock = &clock});
  EXPECT_EQ(c.status().code(), Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(keys.finds, 0);
  ASSERT_TRUE(
      VerifyAltinn2Consent(MintSamtykke(SamtykkeClaims(kNow)), keys, {.clock = &clock}).ok());
  EXPECT_EQ(keys.finds, 1);
}

TEST_F(ConsentTest, RefusesAKeyPublishedForAnotherAlgorithm) {
  std::string jwk = PublicKeyToJwk(mp::testing::AltinnKey().public_key(),
                                   {.kid = testing::kAltinnKid, .alg = Algorithm::kPS256});
  keys_ = JwksCache::Fixed(*Jwks::Parse("{\"keys\":[" + jwk + "]}"));
  EXPECT_EQ(Verify(SamtykkeClaims(kNow)).status().code(), Errc::kKeyAlgorithmMismatch);
}

TEST_F(ConsentTest, RefusesAMalformedOrOversizedToken) {
  EXPECT_EQ(VerifyWith("not.a-token").status().code(), Errc::kMalformedToken);
  std::string token = MintSamtykke(SamtykkeClaims(kNow));
  EXPECT_EQ(VerifyWith(token, {.max_token_bytes = token.size() - 1}).status().code(),
            Errc::kLimitExceeded);
}

TEST_F(ConsentTest, RefusesAnotherIssuerAndChecksTheConfiguredOne) {
  Json claims = SamtykkeClaims(kNow);
  claims["iss"] = "https://tt02.altinn.no/";
  EXPECT_EQ(VerifyError(claims).code(), Errc::kIssuerMismatch);
  Result<Consent> c = Verify(claims, {.issuer = "https://tt02.altinn.no/"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->issuer, "https://tt02.altinn.no/");
}

TEST_F(ConsentTest, AppliesExpNbfAndIatWithLeeway) {
  Json claims = SamtykkeClaims(kNow - 59);  // exp = now - 29: inside the 30 s leeway
  EXPECT_TRUE(Verify(claims).ok());
  claims = SamtykkeClaims(kNow - 60);  // exp = now - 30
  EXPECT_EQ(VerifyError(claims).code(), Errc::kTokenExpired);
  claims = SamtykkeClaims(kNow);
  claims["nbf"] = kNow + 31;
  EXPECT_EQ(VerifyError(claims).code(), Errc::kTokenNotYetValid);
  claims = SamtykkeClaims(kNow);
  claims["iat"] = kNow + 31;
  claims["exp"] = kNow + 61;
  EXPECT_EQ(VerifyError(claims).code(), Errc::kIssuedInFuture);
  claims = SamtykkeClaims(kNow - 40);
  EXPECT_EQ(VerifyError(claims, {.leeway = std::chrono::seconds(0)}).code(), Errc::kTokenExpired);
}

TEST_F(ConsentTest, RefusesALifetimeAboveTheMaximum) {
  Json claims = SamtykkeClaims(kNow);
  claims["exp"] = kNow + 300;
  EXPECT_TRUE(Verify(claims).ok());
  claims["exp"] = kNow + 301;
  Status s = VerifyError(claims);
  EXPECT_EQ(s.code(), Errc::kInvalidClaim);
  EXPECT_THAT(s.message(), HasSubstr("301 s"));
  EXPECT_EQ(VerifyError(SamtykkeClaims(kNow), {.max_lifetime = std::chrono::seconds(29)}).code(),
            Errc::kInvalidClaim);
  claims = SamtykkeClaims(kNow);
  claims["iat"] = kNow + 20;
  claims["exp"] = kNow + 10;
  EXPECT_EQ(VerifyError(claims).code(), Errc::kInvalidClaim);
}

// Issue 14: exp - iat wrapped around for iat far in the past, and the overflowed (negative)
// lifetime passed the max_lifetime check. Both claims are range-checked before the subtraction.
TEST_F(ConsentTest, LifetimeOfClaimsAtTheInt64LimitsIsRefusedNotWrapped) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  struct Case {
    Json iat;
    Json exp;
  };
  const std::vector<Case> cases = {
      {kMin, kNow + 60},  // exp - iat overflows int64
      {-4611686018427387904, kMax},
      {-1, kNow + 60},     // before 1970
      {-0.5, kNow + 60},   // floored to -1
      {kNow, 7258118400},  // after 2199 (ValidateClaims alone accepts a far future exp)
      {kNow, kMax},
  };
  for (const Case& c : cases) {
    Json claims = SamtykkeClaims(kNow);
    claims["iat"] = c.iat;
    claims["exp"] = c.exp;
    Status s = VerifyError(claims);
    EXPECT_EQ(s.code(), Errc::kInvalidClaim) << claims.dump() << " " << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr("is outside 1970..2199")) << s.ToString();
  }
  // Just inside: fractional seconds are floored, and the lifetime is exactly the maximum.
  Json claims = SamtykkeClaims(kNow);
  claims["iat"] = kNow + 0.9;
  claims["exp"] = kNow + 300.5;
  EXPECT_TRUE(Verify(claims).ok());
}

TEST_F(ConsentTest, ChecksTheAudienceOnlyWhenConfigured) {
  Json claims = SamtykkeClaims(kNow);
  EXPECT_TRUE(Verify(claims).ok());  // no aud, none required
  EXPECT_EQ(VerifyError(claims, {.audience = "nav"}).code(), Errc::kMissingClaim);
  claims["aud"] = "nav";
  EXPECT_TRUE(Verify(claims, {.audience = "nav"}).ok());
  EXPECT_EQ(VerifyError(claims, {.audience = "someone-else"}).code(), Errc::kAudienceMismatch);
}

// ---- ConsentFromAccessToken (Altinn 3) ----

Result<Consent> FromToken(const Json& details) {
  Result<Consent> c = ConsentFromAccessToken(AccessTokenFor(kInsurerOrg, {}, details.dump()));
  ExpectNoPersonId(c.status());
  return c;
}

TEST(ConsentFromAccessToken, ReadsTheAltinn3ConsentEntry) {
  Json other = {{"type", "urn:altinn:systemuser"}, {"systemuser_org", "x"}};
  Result<Consent> c = FromToken(Json::array({other, Altinn3Entry()}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->form, Consent::Form::kAltinn3AuthorizationDetails);
  EXPECT_EQ(c->id, testing::kConsentCode);
  EXPECT_EQ(c->offered_by, kPerson);
  EXPECT_EQ(c->covered_by.digits(), kInsurerOrg);
  EXPECT_FALSE(c->handled_by.has_value());
  EXPECT_EQ(c->consented_at, At(kNow - 3600));
  EXPECT_EQ(c->valid_to, At(kNow + 365LL * 24 * 3600));
  ASSERT_EQ(c->services.size(), 1u);
  EXPECT_EQ(c->services[0].id, kService);
  // In the order given, not sorted.
  EXPECT_EQ(c->services[0].metadata, (std::vector<std::pair<std::string, std::string>>{
                                         {"Navn", "TEST FORSIKRING AS"}, {"Avdeling", "Skade"}}));
  EXPECT_EQ(c->issuer, "https://test.maskinporten.no/");
}

TEST(ConsentFromAccessToken, GivesOneServicePerResourceAndAcceptsAnOrganisationFrom) {
  Json e = Altinn3Entry();
  e["from"] = std::string("urn:altinn:organization:identifier-no:") + testing::kNavOrg;
  e["consentRights"][0]["resource"].push_back({{"type", "urn:altinn:resource"}, {"value", "b"}});
  e["consentRights"].push_back(
      {{"action", {"read"}}, {"resource", {{{"type", "urn:altinn:resource"}, {"value", "c"}}}}});
  Result<Consent> c = FromToken(Json::array({e}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->offered_by, testing::kNavOrg);
  ASSERT_EQ(c->services.size(), 3u);
  EXPECT_EQ(c->services[1].id, "b");
  EXPECT_EQ(c->services[1].metadata.size(), 2u);
  EXPECT_EQ(c->services[2].id, "c");
  EXPECT_TRUE(c->services[2].metadata.empty());
}

TEST(ConsentFromAccessToken, ReportsConsentNotValidWhenTheTokenHasNone) {
  Result<Consent> c = ConsentFromAccessToken(AccessTokenFor(kInsurerOrg));
  EXPECT_EQ(c.status().code(), Errc::kConsentNotValid);
  c = FromToken(Json::array({{{"type", "urn:altinn:systemuser"}}}));
  EXPECT_EQ(c.status().code(), Errc::kConsentNotValid);
  EXPECT_THAT(c.status().message(), HasSubstr("urn:altinn:consent"));
}

TEST(ConsentFromAccessToken, RefusesTwoConsentsOrAnotherShape) {
  EXPECT_EQ(FromToken(Json::array({Altinn3Entry(), Altinn3Entry()})).status().code(),
            Errc::kInvalidClaim);
  EXPECT_EQ(FromToken(Altinn3Entry()).status().code(), Errc::kInvalidClaim);  // not an array
  EXPECT_EQ(FromToken(Json::array({"urn:altinn:consent"})).status().code(), Errc::kInvalidClaim);
  Result<Consent> c =
      ConsentFromAccessToken(AccessTokenFor(kInsurerOrg, {}, "[{\"a\":1,\"a\":2}]"));
  EXPECT_EQ(c.status().code(), Errc::kDuplicateJsonKey);
}

TEST(ConsentFromAccessToken, RefusesEachMalformedMemberByName) {
  struct Case {
    const char* member;
    std::function<void(Json&)> mutate;
  };
  const std::string person = kPerson;
  std::vector<Case> cases = {
      {"id", [](Json& e) { e.erase("id"); }},
      {"id", [](Json& e) { e["id"] = 42; }},
      {"id", [](Json& e) { e["id"] = ""; }},
      {"from", [](Json& e) { e.erase("from"); }},
      {"from", [&](Json& e) { e["from"] = "urn:altinn:person:fnr:" + person; }},
      {"from", [](Json& e) { e["from"] = "urn:altinn:person:identifier-no:0181901000"; }},
      {"from", [](Json& e) { e["from"] = "urn:altinn:organization:identifier-no:910753615"; }},
      {"to", [](Json& e) { e.erase("to"); }},
      {"to", [](Json& e) { e["to"] = "0192:910753614"; }},
      {"to", [](Json& e) { e["to"]["authority"] = "iso6523"; }},
      {"to", [](Json& e) { e["to"]["ID"] = "910753614"; }},
      {"to", [](Json& e) { e["to"]["ID"] = "0192:910753615"; }},
      {"consented", [](Json& e) { e.erase("consented"); }},
      {"consented", [](Json& e) { e["consented"] = 1699999999; }},
      {"validTo", [](Json& e) { e["validTo"] = "2024-13-13T22:13:20Z"; }},
      {"validTo", [](Json& e) { e.erase("validTo"); }},
      {"consentRights", [](Json& e) { e.erase("consentRights"); }},
      {"consentRights", [](Json& e) { e["consentRights"] = Json::array(); }},
      {"consentRights", [](Json& e) { e["consentRights"][0].erase("action"); }},
      {"consentRights", [](Json& e) { e["consentRights"][0]["action"] = {1}; }},
      {"consentRights", [](Json& e) { e["consentRights"][0].erase("resource"); }},
      {"consentRights", [](Json& e) { e["consentRights"][0]["resource"][0]["type"] = "x"; }},
      {"consentRights", [](Json& e) { e["consentRights"][0]["resource"][0]["value"] = ""; }},
      {"consentRights", [](Json& e) { e["consentRights"][0]["metadata"]["Navn"] = 1; }},
      {"consentRights", [](Json& e) { e["consentRights"][0]["metadata"] = "x"; }},
  };
  for (const Case& c : cases) {
    Json e = Altinn3Entry();
    c.mutate(e);
    Status s = FromToken(Json::array({e})).status();
    EXPECT_EQ(s.code(), Errc::kInvalidClaim) << e.dump();
    EXPECT_THAT(s.message(), HasSubstr(std::string("consent ") + c.member + " ")) << e.dump();
  }
}

// ---- CheckConsent: the org-number rule and the rest ----

class CheckConsentTest : public ::testing::Test {
 protected:
  Consent Altinn2(const Json& claims) {
    Result<Consent> c =
        VerifyAltinn2Consent(MintSamtykke(claims), *AltinnKeys(), {.clock = &clock_});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return *c;
  }
  Status Check(const ValidatedAccessToken& token, const Consent& consent,
               const std::string& person = kPerson, const std::string& service = kService) {
    Status s =
        CheckConsent(token, consent, {.person = person, .service = service, .clock = &clock_});
    ExpectNoPersonId(s);
    return s;
  }
  FakeClock clock_{kNow};
  Consent consent_ = Altinn2(SamtykkeClaims(kNow));
};

TEST_F(CheckConsentTest, AcceptsTheConsumersConsentForThePersonAndService) {
  EXPECT_TRUE(Check(AccessTokenFor(kInsurerOrg), consent_).ok());
  // A supplier acting for the insurer through delegation is fine too.
  EXPECT_TRUE(Check(AccessTokenFor(kInsurerOrg, kSupplierOrg), consent_).ok());
  EXPECT_TRUE(Check(AccessTokenFor(kInsurerOrg), consent_, kPerson, "").ok());  // any service
}

TEST_F(CheckConsentTest, RefusesASuppliersOwnTokenNamingBothOrgs) {
  Status s = Check(AccessTokenFor(kSupplierOrg), consent_);
  EXPECT_EQ(s.code(), Errc::kConsentOrgMismatch);
  EXPECT_EQ(s.message(),
            "consent CoveredBy 910753614 differs from the access token's consumer "
            "0192:311654306 (a supplier must get its token with consumer_org=910753614 through "
            "Altinn delegation)");
}

TEST_F(CheckConsentTest, RefusesASupplierActingForAnotherConsumer) {
  Status s = Check(AccessTokenFor(testing::kNavOrg, kSupplierOrg), consent_);
  EXPECT_EQ(s.code(), Errc::kConsentOrgMismatch);
  EXPECT_THAT(s.message(), HasSubstr("consent CoveredBy 910753614 differs from the access "
                                     "token's consumer 0192:889640782"));
  EXPECT_THAT(s.message(), HasSubstr("supplier 0192:311654306"));
}

TEST_F(CheckConsentTest, RequiresHandledByToBeTheTokensSupplier) {
  Json claims = SamtykkeClaims(kNow);
  claims["HandledBy"] = kSupplierOrg;
  Consent handled = Altinn2(claims);
  EXPECT_TRUE(Check(AccessTokenFor(kInsurerOrg, kSupplierOrg), handled).ok());
  EXPECT_TRUE(Check(AccessTokenFor(kInsurerOrg), handled).ok());  // the insurer itself
  Status s = Check(AccessTokenFor(kInsurerOrg, testing::kNavOrg), handled);
  EXPECT_EQ(s.code(), Errc::kConsentOrgMismatch);
  EXPECT_EQ(s.message(),
            "consent HandledBy 311654306 differs from the access token's supplier 0192:889640782");
}

TEST_F(CheckConsentTest, RefusesAnotherPersonShowingOnlyMaskedIds) {
  Status s = Check(AccessTokenFor(kInsurerOrg), consent_, kOtherPerson);
  EXPECT_EQ(s.code(), Errc::kConsentPersonMismatch);
  EXPECT_EQ(s.message(), "consent OfferedBy 018190***** differs from NAV-PersonIdent 028190*****");
  s = Check(AccessTokenFor(kInsurerOrg), consent_, "");
  EXPECT_EQ(s.code(), Errc::kConsentPersonMismatch);
  EXPECT_THAT(s.message(), HasSubstr("018190*****"));
  s = Check(AccessTokenFor(kInsurerOrg), consent_, "not-a-person");
  EXPECT_EQ(s.code(), Errc::kConsentPersonMismatch);
  EXPECT_THAT(s.message(), HasSubstr("NAV-PersonIdent ***"));
}

TEST_F(CheckConsentTest, ChecksTheOrgBeforeThePerson) {
  EXPECT_EQ(Check(AccessTokenFor(kSupplierOrg), consent_, kOtherPerson).code(),
            Errc::kConsentOrgMismatch);
}

TEST_F(CheckConsentTest, RefusesAConsentNotYetGivenOrExpired) {
  Json claims = SamtykkeClaims(kNow);
  claims["DelegatedDate"] = kNow + 60;
  Status s = Check(AccessTokenFor(kInsurerOrg), Altinn2(claims));
  EXPECT_EQ(s.code(), Errc::kConsentNotValid);
  EXPECT_THAT(s.message(), HasSubstr("consent is not valid before 2023-11-14T22:14:20Z"));

  claims = SamtykkeClaims(kNow);
  claims["ValidToDate"] = kNow;  // valid_to is exclusive
  s = Check(AccessTokenFor(kInsurerOrg), Altinn2(claims));
  EXPECT_EQ(s.code(), Errc::kConsentNotValid);
  EXPECT_THAT(s.message(), HasSubstr("consent expired at 2023-11-14T22:13:20Z"));
  claims["ValidToDate"] = kNow + 1;
  EXPECT_TRUE(Check(AccessTokenFor(kInsurerOrg), Altinn2(claims)).ok());
}

TEST_F(CheckConsentTest, RefusesAServiceTheConsentDoesNotCover) {
  Json claims = SamtykkeClaims(kNow);
  claims["Services"] = {"4630_2", "4630_2_fraOgMed=2017-06"};
  Status s = Check(AccessTokenFor(kInsurerOrg), Altinn2(claims));
  EXPECT_EQ(s.code(), Errc::kConsentNotValid);
  EXPECT_EQ(s.message(), "consent does not cover service 5252_2 (it covers 4630_2)");
}

TEST_F(CheckConsentTest, AppliesTheSameRuleToAnAltinn3ConsentNamingItsMembers) {
  ValidatedAccessToken token =
      AccessTokenFor(kInsurerOrg, {}, Json::array({Altinn3Entry()}).dump());
  Result<Consent> c = ConsentFromAccessToken(token);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(Check(token, *c).ok());
  Status s = Check(AccessTokenFor(kSupplierOrg), *c);
  EXPECT_EQ(s.code(), Errc::kConsentOrgMismatch);
  EXPECT_THAT(s.message(), HasSubstr("consent to 910753614 differs"));
  s = Check(token, *c, kOtherPerson);
  EXPECT_EQ(s.message(), "consent from 018190***** differs from NAV-PersonIdent 028190*****");
  clock_.SetSeconds(kNow + 366LL * 24 * 3600);
  EXPECT_EQ(Check(token, *c).code(), Errc::kConsentNotValid);
}

// SPEC §14.0: Altinn's migration names Altinn 2 service 5252 edition 2 "<org>_5252_2"; an API
// naming "5252_2" accepts it, and nothing else that merely ends the same way.
TEST_F(CheckConsentTest, AnAltinn3MigratedResourceCoversItsAltinn2Service) {
  for (const char* resource : {"nav_5252_2", "5252_2"}) {
    Json e = Altinn3Entry();
    e["consentRights"][0]["resource"][0]["value"] = resource;
    ValidatedAccessToken token = AccessTokenFor(kInsurerOrg, {}, Json::array({e}).dump());
    Result<Consent> c = ConsentFromAccessToken(token);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_TRUE(Check(token, *c).ok()) << resource;
  }
  for (const char* resource : {"nav_15252_2", "_5252_2", "NAV_5252_2", "nav_x_5252_2x"}) {
    Json e = Altinn3Entry();
    e["consentRights"][0]["resource"][0]["value"] = resource;
    ValidatedAccessToken token = AccessTokenFor(kInsurerOrg, {}, Json::array({e}).dump());
    Result<Consent> c = ConsentFromAccessToken(token);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    Status s = Check(token, *c);
    EXPECT_EQ(s.code(), Errc::kConsentNotValid) << resource;
    EXPECT_THAT(s.message(), HasSubstr("does not cover service 5252_2")) << resource;
  }
}

TEST(ConsentFromAccessToken, ReadsMetadataSpeltMetaData) {
  Json e = Altinn3Entry();
  Json metadata = e["consentRights"][0]["metadata"];
  e["consentRights"][0].erase("metadata");
  e["consentRights"][0]["metaData"] = metadata;
  Result<Consent> c = FromToken(Json::array({e}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->services[0].metadata.front(),
            (std::pair<std::string, std::string>{"Navn", "TEST FORSIKRING AS"}));
}

}  // namespace
}  // namespace mp
