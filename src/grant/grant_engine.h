// The grant-rule engine: SPEC §4.4 steps 2-13 for one JWT grant, written once, run by the local
// Maskinporten (first failure decides the answer), by the grant linter (every finding, each with
// the answer Maskinporten would give) and by `grant --lint --registry` (the linter with the
// registry the emulator would use). A linter verdict and an emulator verdict cannot disagree:
// they are the same code path.
//
// Steps that need the registry, the trust anchors or the replay store take them through the
// narrow interfaces below; without them those steps are skipped and listed in
// GrantOutcome::not_checked.
//
//   grant::GrantContext ctx{.issuer = config.issuer, .now = clock.NowSeconds(),
//                           .registry = &registry, .trust = &trust, .replay = &replay};
//   grant::GrantOutcome out = grant::CheckGrant(assertion, ctx, grant::GrantMode::kFirstFailure);
//   if (const LintFinding* e = out.FirstError()) ... e->maskinporten_error, e->message
#ifndef MASKINPORTEN_GRANT_GRANT_ENGINE_H_
#define MASKINPORTEN_GRANT_GRANT_ENGINE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "maskinporten/certificate.h"
#include "maskinporten/grant.h"
#include "maskinporten/grant_export.h"
#include "maskinporten/mp_errors.h"
#include "maskinporten/status.h"

namespace mp::grant {

// ---- What the steps need to know, through narrow interfaces ----

// A registered client (step 5, 7, 11, 12).
struct MP_GRANT_EXPORT ClientFacts {
  std::string client_id{};
  std::string orgno{};  // the owner
  std::string integration_type{};
  bool active = false;
  std::vector<std::string> scopes{};  // scope names the client may ask for
};

// A key registered on a client (step 7). Valid one year from `created` (MP-121).
struct MP_GRANT_EXPORT KeyFacts {
  std::string kid{};
  std::string jwk_json{};
  int64_t created = 0;
};

// A scope as step 12 sees it.
struct MP_GRANT_EXPORT ScopeFacts {
  std::string name{};
  std::string owner_orgno{};
  bool active = false;
  std::vector<std::string> allowed_integration_types{};
  bool accessible_for_all = false;
  std::string delegation_source{};  // "" = not delegable
};

// An Altinn consent as step 13 sees it: what Altinn's Maskinporten lookup reads (SPEC §14.3),
// from an Altinn 3 consent request or a legacy Altinn 2 one.
struct MP_GRANT_EXPORT ConsentFacts {
  std::string
      status{};  // Altinn 3's names: "created", "accepted", "rejected", "revoked", "expired"
  int64_t valid_to = 0;
  std::string offered_by{};  // fnr or orgno of who consented (`from`)
  std::string covered_by{};  // orgno the consent is given to (`to`)
  std::string handled_by{};  // supplier orgno that handles it, "" when none
};

// What Altinn's system user lookup (SPEC §15, byExternalId) finds for a client, a customer org
// and an externalRef: the system whose client ids hold the client, and that system's system
// user of the customer with that reference.
struct MP_GRANT_EXPORT SystemUserFacts {
  std::string system_id{};      // "" when the client is in no registered system
  std::string vendor_orgno{};   // the system's vendor
  std::string systemuser_id{};  // "" when the system has no such system user
};

// The registry the emulator reads. Errors are the store's (the emulator answers 500).
class MP_GRANT_EXPORT GrantRegistry {
 public:
  virtual ~GrantRegistry() = default;
  virtual Result<std::optional<ClientFacts>> FindClient(std::string_view client_id) = 0;
  virtual Result<std::vector<KeyFacts>> ClientKeys(std::string_view client_id) = 0;
  virtual Result<std::optional<ScopeFacts>> FindScope(std::string_view name) = 0;
  virtual Result<bool> HasApprovedAccess(std::string_view scope, std::string_view consumer) = 0;
  virtual Result<bool> HasDelegation(std::string_view consumer, std::string_view supplier,
                                     std::string_view scope) = 0;
  virtual Result<std::optional<ConsentFacts>> FindConsent(std::string_view id) = 0;
  virtual Result<SystemUserFacts> FindSystemUser(std::string_view client_id,
                                                 std::string_view customer_orgno,
                                                 std::string_view external_ref) = 0;
};

// jti replay protection (step 10): true when `key` was newly claimed.
class MP_GRANT_EXPORT GrantReplayGuard {
 public:
  virtual ~GrantReplayGuard() = default;
  virtual Result<bool> Claim(std::string_view key, int64_t expires_at, int64_t now) = 0;
};

// The certificates this environment trusts (step 7 for x5c, SPEC §7).
struct MP_GRANT_EXPORT GrantTrust {
  CertEnvironment environment = CertEnvironment::kTest;
  const TrustStore* own = nullptr;    // this environment's anchors
  const TrustStore* other = nullptr;  // the other environment's (a match is MP-120)
  const std::set<std::string>* revoked_serials = nullptr;  // lowercase hex
};

// ---- Running the rules ----

enum class GrantMode {
  kFirstFailure,  // stop at the first error (the emulator's answer)
  kEveryFinding,  // run every step that can still run (the linter)
};

struct MP_GRANT_EXPORT GrantContext {
  // The required aud. Unset: any Maskinporten issuer or a loopback one (the linter without a
  // target environment).
  std::optional<std::string> issuer{};
  int64_t now = 0;
  GrantRegistry* registry = nullptr;
  const GrantTrust* trust = nullptr;
  GrantReplayGuard* replay = nullptr;
};

// A grant that passed every step: what the access token is made from.
struct MP_GRANT_EXPORT AcceptedGrant {
  ClientFacts client{};
  std::string client_amr{};  // "private_key_jwt" (kid) or "virksomhetssertifikat"
  std::string jti{};         // "" when the grant had none
  int64_t exp = 0;
  std::vector<std::string> scopes{};         // requested, duplicates dropped, in order
  std::optional<nlohmann::json> resource{};  // string or array of strings, as sent
  std::string pid{};
  std::string consumer_org{};  // "" when not delegated
  // The one authorization_details entry as sent, when sent; its type is one of
  // kAuthorizationDetailsTypes and its values passed step 13.
  std::optional<nlohmann::json> authorization_details{};

  const std::string& consumer() const { return consumer_org.empty() ? client.orgno : consumer_org; }
};

struct MP_GRANT_EXPORT GrantOutcome {
  // In step order, each with its rule id, message, Maskinporten's answer and a fix;
  // kFirstFailure ends at the first error.
  std::vector<LintFinding> findings{};
  // Appended to the first error's MP text (MP-200 the scopes, MP-250 "<scope>.", MP-251 the
  // sentence naming consumer, scope and supplier); "" for the others.
  std::string first_error_values{};
  std::vector<std::string> not_checked{};  // steps skipped for want of registry/trust/replay
  Status internal{};  // a registry or replay store failure stopped the run (emulator: 500)
  // As far as the grant could be read, also on refusal (for the journal).
  std::string client_id{};
  std::string jti{};
  std::optional<AcceptedGrant> grant{};  // set when no error was found (kFirstFailure only)

  const LintFinding* FirstError() const;
};

MP_GRANT_EXPORT GrantOutcome CheckGrant(std::string_view assertion, const GrantContext& context,
                                        GrantMode mode);

}  // namespace mp::grant

#endif  // MASKINPORTEN_GRANT_GRANT_ENGINE_H_
