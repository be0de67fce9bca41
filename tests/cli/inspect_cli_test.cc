// `maskinporten inspect`: an access token explained, from real CLI runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json.h"
#include "testing/cli_runner.h"
#include "testing/process.h"

namespace mp {
namespace {

using testing::Cli;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::RunProcess;
using testing::TempDir;

// The supplier token example of SPEC §5, with a pid added, signed by a throwaway key.
std::string SupplierToken(const TempDir& dir) {
  EXPECT_EQ(Cli({"keygen", "--out", dir.File("k.pem")}).exit_code, 0);
  ProcessResult t =
      Cli({"jwt", "sign", "--key", dir.File("k.pem"), "--kid", "mp-key", "--claims", "-"},
          R"({"iss":"https://test.maskinporten.no/","client_amr":"virksomhetssertifikat",)"
          R"("token_type":"Bearer","client_id":"oidc_difi_delegering_altinn",)"
          R"("scope":"difitest:test2 nav:other","pid":"12345678901",)"
          R"("supplier":{"authority":"iso6523-actorid-upis","ID":"0192:991825827"},)"
          R"("consumer":{"authority":"iso6523-actorid-upis","ID":"0192:910753614"},)"
          R"("delegation_source":"https://tt02.altinn.no/","iat":1584693440,"exp":1584693560,)"
          R"("jti":"faulA3FDWRqpd59Cwc1DqvA72kOV_xDHggBXpSpptsw"})");
  EXPECT_EQ(t.exit_code, 0) << t.err;
  return t.out;
}

TEST(InspectCli, JsonNamesConsumerSupplierScopesAndExpiry) {
  TempDir dir;
  ProcessResult r = Cli({"inspect", "--json", "--now", "1584693500", SupplierToken(dir)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_EQ((*j)["verified"], false);
  EXPECT_EQ((*j)["consumer"]["org_number"], "910753614");
  EXPECT_EQ((*j)["supplier"]["org_number"], "991825827");
  EXPECT_EQ((*j)["delegated"], true);
  EXPECT_EQ((*j)["delegation_source"], "https://tt02.altinn.no/");
  EXPECT_EQ((*j)["scopes"], nlohmann::json::array({"difitest:test2", "nav:other"}));
  EXPECT_EQ((*j)["expires_in"], 60);
  EXPECT_EQ((*j)["expired"], false);
  EXPECT_EQ((*j)["lifetime"], 120);
  EXPECT_EQ((*j)["client_amr"], "virksomhetssertifikat");
  EXPECT_EQ((*j)["pid"], "*********01");  // personal identifiers are masked
}

TEST(InspectCli, PlainTextExplainsDelegationAndNeverPrintsThePid) {
  TempDir dir;
  ProcessResult r = Cli({"inspect", "--now", "1584693600", "-"}, SupplierToken(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("NOT verified"));
  EXPECT_THAT(r.out, HasSubstr("consumer:      org 910753614"));
  EXPECT_THAT(r.out, HasSubstr("supplier:      org 991825827"));
  EXPECT_THAT(r.out, HasSubstr("acts for the consumer through https://tt02.altinn.no/"));
  EXPECT_THAT(r.out, HasSubstr("expired 40 s ago"));
  EXPECT_THAT(r.out, Not(HasSubstr("12345678901")));
}

TEST(InspectCli, HostileTimesAreLeftOutNotOverflowed) {
  TempDir dir;
  ASSERT_EQ(Cli({"keygen", "--out", dir.File("k.pem")}).exit_code, 0);
  ProcessResult t = Cli({"jwt", "sign", "--key", dir.File("k.pem"), "--claims", "-"},
                        R"({"iat":-1e300,"exp":18446744073709551615})");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  ProcessResult r = Cli({"inspect", "--json", t.out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = ParseStrictJsonObject(r.out);
  ASSERT_TRUE(j.ok()) << r.out;
  EXPECT_FALSE(j->contains("exp"));
  EXPECT_FALSE(j->contains("iat"));
  EXPECT_FALSE(j->contains("expires_in"));
}

TEST(InspectCli, RefusesNonJwtWithNamedError) {
  ProcessResult r = Cli({"inspect", "not-a-token"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: malformed_token: "));
  r = Cli({"inspect", "-"}, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("error: invalid_argument: the token is empty"));
}

}  // namespace
}  // namespace mp
