// SystemUserFromAccessToken and the policy's require_system_user_org (SPEC §15): the typed
// system user claims, the spelling variant "id", malformed entries, and the refusal of a token
// without the required org's system user.
#include <gtest/gtest.h>

#include <string>

#include "maskinporten/validator.h"
#include "validate/access_token_fixtures.h"

namespace mp {
namespace {

using testing::AccessTokenSpec;
using testing::kTestNow;
using testing::MintAccessToken;

constexpr char kUserId[] = "4a3b9c1e-6f0d-4e2a-9b7c-1d2e3f4a5b6c";

std::string Entry(std::string_view org, std::string_view id_member = "ID") {
  return std::string(R"({"type":"urn:altinn:systemuser","systemuser_id":[")") + kUserId +
         R"("],"systemuser_org":{"authority":"iso6523-actorid-upis",")" + std::string(id_member) +
         R"(":"0192:)" + std::string(org) + R"("},"system_id":"311654306_payroll"})";
}

class SystemUserTest : public ::testing::Test {
 protected:
  Result<ValidatedAccessToken> Validate(const AccessTokenSpec& spec,
                                        std::optional<std::string> require = {}) const {
    AccessTokenPolicy p = testing::TestAccessTokenPolicy(&clock_);
    if (require) p.require_system_user_org = OrgNumber::Parse(*require).value();
    return AccessTokenValidator(p, testing::TestAccessTokenKeys())
        .Validate(MintAccessToken(spec, kTestNow));
  }
  Result<std::optional<SystemUser>> Read(const std::string& details) const {
    Result<ValidatedAccessToken> t = Validate({.authorization_details_json = details});
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return SystemUserFromAccessToken(*t);
  }
  FakeClock clock_{kTestNow};
};

TEST_F(SystemUserTest, ReadsTheTypedClaims) {
  Result<std::optional<SystemUser>> su = Read("[" + Entry("910753614") + "]");
  ASSERT_TRUE(su.ok()) << su.status().ToString();
  ASSERT_TRUE(su->has_value());
  EXPECT_EQ((*su)->id, kUserId);
  EXPECT_EQ((*su)->org.digits(), "910753614");
  EXPECT_EQ((*su)->system_id, "311654306_payroll");
  // SPEC §15: one Altinn example spells the member "id".
  Result<std::optional<SystemUser>> lower = Read("[" + Entry("910753614", "id") + "]");
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  EXPECT_EQ((*lower)->org.digits(), "910753614");
}

TEST_F(SystemUserTest, NoSystemUserEntryIsNullopt) {
  Result<ValidatedAccessToken> plain = Validate({});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(SystemUserFromAccessToken(*plain)->has_value());
  Result<std::optional<SystemUser>> consent =
      Read(R"([{"type":"urn:altinn:consent","id":"6b5c4c3e-1f6a-4b7e-9d1a-2f3e4d5c6b7a"}])");
  ASSERT_TRUE(consent.ok());
  EXPECT_FALSE(consent->has_value());
}

TEST_F(SystemUserTest, MalformedEntriesAreInvalidClaimsNamingTheMember) {
  auto code_and_message = [&](const std::string& details) {
    Result<std::optional<SystemUser>> su = Read(details);
    EXPECT_EQ(su.status().code(), Errc::kInvalidClaim) << details;
    return su.status().message();
  };
  std::string e = Entry("910753614");
  EXPECT_NE(code_and_message("[" + e + "," + e + "]").find("two"), std::string::npos);
  EXPECT_NE(code_and_message("[" + Entry("910753615") + "]").find("systemuser_org.ID"),
            std::string::npos);
  std::string no_id = e;
  no_id.replace(no_id.find(kUserId), std::string(kUserId).size(), "not-a-uuid");
  EXPECT_NE(code_and_message("[" + no_id + "]").find("systemuser_id"), std::string::npos);
  std::string no_system = e;
  no_system.replace(no_system.find("311654306_payroll"), 17, "");
  EXPECT_NE(code_and_message("[" + no_system + "]").find("system_id"), std::string::npos);
  EXPECT_NE(code_and_message(R"([{"type":"urn:altinn:systemuser"}])").find("systemuser_id"),
            std::string::npos);
}

TEST_F(SystemUserTest, PolicyRequiresTheSystemUserOfTheOrg) {
  const std::string mine = "[" + Entry("910753614") + "]";
  EXPECT_TRUE(Validate({.authorization_details_json = mine}, "910753614").ok());
  Result<ValidatedAccessToken> other =
      Validate({.authorization_details_json = "[" + Entry("889640782") + "]"}, "910753614");
  EXPECT_EQ(other.status().code(), Errc::kConsumerNotAllowed);
  EXPECT_EQ(other.status().message(),
            "token is for the system user of 0192:889640782, not of 0192:910753614");
  Result<ValidatedAccessToken> none = Validate({}, "910753614");
  EXPECT_EQ(none.status().code(), Errc::kConsumerNotAllowed);
  EXPECT_EQ(none.status().message(),
            "token carries no urn:altinn:systemuser entry; this API requires the system user of "
            "0192:910753614");
  Result<ValidatedAccessToken> broken = Validate(
      {.authorization_details_json = R"([{"type":"urn:altinn:systemuser"}])"}, "910753614");
  EXPECT_EQ(broken.status().code(), Errc::kInvalidClaim);
  // The refusal is a 403 for the API's caller.
  EXPECT_EQ(ChallengeFor(other.status()).http_status, 403);
}

}  // namespace
}  // namespace mp
