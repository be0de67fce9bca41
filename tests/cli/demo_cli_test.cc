// `maskinporten demo` as users run it (`make demo`): the whole flow in one process, every step
// line, the machine output, --keep-running until SIGTERM, and no temporary directory left behind.
#include <signal.h>
#include <stdlib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "maskinporten/http.h"
#include "testing/cli_runner.h"
#include "testing/process.h"

namespace mp {
namespace {

using testing::BackgroundProcess;
using testing::Cli;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using testing::ProcessResult;
using testing::ReadFile;
using testing::TempDir;

constexpr int kSteps = 33;

// The demo's temporary directory goes under `tmp` (TMPDIR), so the test can see what it leaves.
std::vector<std::pair<std::string, std::string>> TmpEnv(const TempDir& tmp) {
  ::unsetenv("TMPDIR");  // the child gets ours; a duplicate entry would lose to the first
  return {{"TMPDIR", tmp.path()}};
}

size_t EntriesIn(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(DemoCli, PrintsEveryStepAndTheSummaryAndExits0) {
  TempDir tmp;
  ProcessResult r = Cli({"demo"}, "", TmpEnv(tmp));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (int n = 1; n <= kSteps; ++n) {
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "[%2d/%d]  ", n, kSteps);
    EXPECT_THAT(r.out, HasSubstr(prefix)) << "step " << n << "\n" << r.out;
  }
  EXPECT_THAT(r.out, MatchesRegex("(.*\n)*demo: 33 steps, all expected outcomes, [0-9.]+ s\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("UNEXPECTED")));
  // The delegated token, the two refusals with their WWW-Authenticate, and the audit lines.
  EXPECT_THAT(r.out, HasSubstr("consumer=0192:910753614 supplier=0192:311654306"));
  EXPECT_THAT(r.out, HasSubstr("403 consent_org_mismatch"));
  EXPECT_THAT(r.out, HasSubstr("403 consent_person_mismatch"));
  EXPECT_THAT(r.out, HasSubstr("WWW-Authenticate: Bearer"));
  EXPECT_THAT(r.out, HasSubstr("audit: {"));
  // A person identifier only masked.
  EXPECT_THAT(r.out, Not(HasSubstr("01819010001")));
}

TEST(DemoCli, LeavesNoTemporaryDirectoryBehind) {
  TempDir tmp;
  ProcessResult r = Cli({"demo"}, "", TmpEnv(tmp));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(tmp.path() + "/maskinporten-demo-"));
  EXPECT_EQ(EntriesIn(tmp.path()), 0u);
}

TEST(DemoCli, JsonHasOneObjectPerStepWithTheExpectedOutcomes) {
  TempDir tmp;
  ProcessResult r = Cli({"demo", "--json"}, "", TmpEnv(tmp));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kSteps + 1)) << r.out;
  std::vector<nlohmann::json> steps;
  for (int i = 0; i < kSteps; ++i) {
    Result<nlohmann::json> j = ParseStrictJsonObject(lines[i]);
    ASSERT_TRUE(j.ok()) << lines[i];
    EXPECT_EQ((*j)["step"], i + 1);
    EXPECT_EQ((*j)["of"], kSteps);
    EXPECT_EQ((*j)["outcome"], "expected") << lines[i];
    EXPECT_TRUE((*j)["title"].is_string());
    EXPECT_TRUE((*j)["ms"].is_number_integer());
    steps.push_back(*j);
  }
  // Step 9: the supplier's token for the insurer names both.
  EXPECT_EQ(steps[8]["consumer"], "0192:910753614");
  EXPECT_EQ(steps[8]["supplier"], "0192:311654306");
  // Step 10: the supplier for itself.
  EXPECT_EQ(steps[9]["consumer"], "0192:311654306");
  EXPECT_TRUE(steps[9]["supplier"].is_null());
  // Steps 11-12: Altinn 3 consent requests by the insurer and by the supplier for it.
  EXPECT_EQ(steps[10]["status"], "created");
  EXPECT_THAT(steps[11]["view_uri"].get<std::string>(),
              HasSubstr("/accessmanagement/ui/consent/request?id="));
  // Steps 16-18: the consent inside the Maskinporten token, to the insurer.
  EXPECT_EQ(steps[15]["authorization_details"][0]["type"], "urn:altinn:consent");
  EXPECT_EQ(steps[16]["authorization_details"][0]["to"]["ID"], "0192:910753614");
  EXPECT_EQ(steps[17]["authorization_details"][0]["type"], "urn:altinn:consent");
  // Steps 20-24: the Altinn 3 form at NAV's API: two permits, another person, the expired
  // consent (NAV's clock later), no consent.
  EXPECT_EQ(steps[19]["http_status"], 200);
  EXPECT_EQ(steps[19]["audit"]["consent_form"], "altinn3");
  EXPECT_EQ(steps[20]["http_status"], 200);
  EXPECT_EQ(steps[21]["errc"], "consent_person_mismatch");
  EXPECT_EQ(steps[22]["http_status"], 403);
  EXPECT_EQ(steps[22]["errc"], "consent_not_valid");
  EXPECT_EQ(steps[23]["errc"], "consent_not_valid");
  // Steps 25-26: Maskinporten refuses another org's and a revoked consent.
  EXPECT_EQ(steps[24]["mp_code"], "MP-303");
  EXPECT_EQ(steps[25]["mp_code"], "MP-303");
  EXPECT_THAT(steps[26]["title"].get<std::string>(), HasSubstr("legacy Altinn 2"));
  // Steps 30-33 (legacy Altinn 2): two permits, then the consent rule's two refusals.
  EXPECT_EQ(steps[29]["http_status"], 200);
  EXPECT_EQ(steps[29]["audit"]["consent_form"], "altinn2_samtykketoken");
  EXPECT_EQ(steps[30]["http_status"], 200);
  EXPECT_EQ(steps[31]["http_status"], 403);
  EXPECT_EQ(steps[31]["errc"], "consent_org_mismatch");
  EXPECT_EQ(steps[32]["http_status"], 403);
  EXPECT_EQ(steps[32]["errc"], "consent_person_mismatch");
  EXPECT_THAT(steps[31]["www_authenticate"].get<std::string>(), HasSubstr("Bearer"));
  EXPECT_EQ(steps[29]["audit"]["decision"], "permit");
  EXPECT_EQ(steps[31]["audit"]["decision"], "deny");

  Result<nlohmann::json> summary = ParseStrictJsonObject(lines[kSteps]);
  ASSERT_TRUE(summary.ok()) << lines[kSteps];
  EXPECT_EQ((*summary)["ok"], true);
  EXPECT_EQ((*summary)["steps"], kSteps);
  EXPECT_EQ(EntriesIn(tmp.path()), 0u);
}

TEST(DemoCli, DirKeepsTheFilesAndTheAuditLog) {
  TempDir tmp;
  const std::string dir = tmp.File("demo");
  ProcessResult r = Cli({"demo", "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* f : {"ca/root.pem", "insurer.key.pem", "insurer.chain.pem", "supplier.chain.pem",
                        "registry.db", "seed.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
  }
  std::vector<std::string> audit = Lines(ReadFile(dir + "/audit.log"));
  // Altinn 3 first (two permits, two denials), then legacy Altinn 2 (the same).
  ASSERT_EQ(audit.size(), 8u) << ReadFile(dir + "/audit.log");
  for (size_t i : {0u, 1u, 4u, 5u}) EXPECT_THAT(audit[i], HasSubstr("\"permit\"")) << i;
  for (size_t i : {2u, 3u, 6u, 7u}) EXPECT_THAT(audit[i], HasSubstr("\"deny\"")) << i;
  EXPECT_THAT(audit[0], HasSubstr("\"consent_form\":\"altinn3\""));
  EXPECT_THAT(audit[4], HasSubstr("\"consent_form\":\"altinn2_samtykketoken\""));
  EXPECT_THAT(ReadFile(dir + "/audit.log"), Not(HasSubstr("01819010001")));

  // The same directory again: refused before anything runs.
  ProcessResult again = Cli({"demo", "--dir", dir});
  EXPECT_EQ(again.exit_code, 2);
  testing::ExpectErrorLine(again, "invalid_argument");
}

TEST(DemoCli, KeepRunningPrintsUrlsServesAndStopsOnSigtermWithExit0) {
  TempDir tmp;
  const std::string out = tmp.File("out"), err = tmp.File("err");
  TempDir demo_tmp;
  BackgroundProcess demo(MP_CLI_PATH, {"demo", "--keep-running"}, out, err, TmpEnv(demo_tmp));
  std::string text;
  for (int i = 0; i < 1200 && text.find("the audit log is") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    text = ReadFile(out);
    ASSERT_EQ(demo.Wait(0), -1) << text << ReadFile(err);
  }
  ASSERT_THAT(text, HasSubstr("the audit log is")) << ReadFile(err);
  EXPECT_THAT(text, HasSubstr("all expected outcomes"));
  EXPECT_THAT(text, HasSubstr("maskinporten token --issuer http://127.0.0.1:"));
  EXPECT_THAT(text, HasSubstr("maskinporten validate --issuer http://127.0.0.1:"));
  EXPECT_THAT(text, HasSubstr("curl -s -H \"Authorization: Bearer $TOKEN\""));

  // The servers answer: the local Maskinporten's metadata at the printed issuer.
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(text, m, std::regex("Maskinporten +(http://127\\.0\\.0\\.1:[0-9]+/)")))
      << text;
  std::unique_ptr<HttpClient> http = MakeCurlHttpClient();
  Result<HttpResponse> meta =
      http->Send({.url = m[1].str() + ".well-known/oauth-authorization-server"});
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->status, 200);

  demo.Signal(SIGTERM);
  EXPECT_EQ(demo.Wait(30000), 0) << ReadFile(out) << ReadFile(err);
  // --keep-running keeps the files (their path was printed), under the demo's TMPDIR.
  EXPECT_EQ(EntriesIn(demo_tmp.path()), 1u);
}

TEST(DemoCli, AnUnexpectedOutcomeNamesTheStepAndExits1) {
  // Every HTTP call through a proxy that is not there: the first call (step 3) fails.
  for (const char* v : {"http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"}) ::unsetenv(v);
  TempDir tmp;
  std::vector<std::pair<std::string, std::string>> env = TmpEnv(tmp);
  env.emplace_back("http_proxy", "http://127.0.0.1:9");
  ProcessResult r = Cli({"demo"}, "", env);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("UNEXPECTED: network_error"));
  EXPECT_THAT(r.out, HasSubstr("demo: step 3 (NAV creates its delegable scope) did not give the "
                               "expected outcome: network_error"));
  testing::ExpectErrorLine(r, "network_error");
  EXPECT_EQ(EntriesIn(tmp.path()), 0u);
}

TEST(DemoCli, HelpShowsFlagsAndExamples) {
  ProcessResult r = Cli({"demo", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--keep-running"));
  EXPECT_THAT(r.out, HasSubstr("--json"));
  EXPECT_THAT(r.out, HasSubstr("--dir"));
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
  EXPECT_THAT(r.out, HasSubstr("maskinporten demo --keep-running"));
}

}  // namespace
}  // namespace mp
