// The grant linter: the grant-rule engine (grant_engine.h) in every-finding mode, without the
// registry, trust anchors or replay store (those steps are skipped). `grant --lint --registry`
// runs the same engine with them.
#include "grant/grant_engine.h"
#include "maskinporten/grant.h"

namespace mp {

std::vector<LintFinding> LintGrant(std::string_view assertion, const LintOptions& options) {
  const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock::Instance();
  grant::GrantOutcome outcome =
      grant::CheckGrant(assertion, {.issuer = options.issuer, .now = clock.NowSeconds()},
                        grant::GrantMode::kEveryFinding);
  if (!outcome.internal.ok()) {
    outcome.findings.push_back(
        LintFinding{.rule = "internal",
                    .severity = LintSeverity::kError,
                    .message = "the linter failed: " + outcome.internal.ToString(),
                    .maskinporten_error = std::nullopt,
                    .fix = {}});
  }
  return std::move(outcome.findings);
}

}  // namespace mp
