// GrantValidator: the local Maskinporten's adapter over the grant-rule engine
// (grant/grant_engine.h). The engine runs SPEC §4.4 steps 2-13 in first-failure mode against the
// Store (through StoreGrantRegistry), this server's trust anchors and the ReplayStore; this file
// turns its first error into a TokenRefusal and an accepted grant into what the access token is
// made from.
//
//   GrantValidator validator(config, store, replay, clock);
//   GrantVerdict v = validator.Validate(assertion);
//   if (!v.ok()) return RefusalResponse(v.refusal, config.issuer, trace_id);
//   IssueAccessToken(*v.grant, ...);
#ifndef MASKINPORTEN_SERVER_TOKEN_GRANT_VALIDATOR_H_
#define MASKINPORTEN_SERVER_TOKEN_GRANT_VALIDATOR_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "grant/grant_engine.h"
#include "grant/grant_rules.h"
#include "maskinporten/clock.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/token_refusal.h"

namespace mp::server {

using grant_internal::IsValidPersonIdentifier;

// A grant that passed every check: what the access token is made from.
struct ValidatedGrant {
  ClientRecord client{};
  std::string client_amr{};                  // "private_key_jwt" (kid) or "virksomhetssertifikat"
  std::string jti{};                         // the grant's jti ("" when it had none)
  std::vector<std::string> scopes{};         // requested scopes, duplicates dropped, in order
  std::vector<ScopeRecord> scope_records{};  // the Store's record of each scope, same order
  std::optional<nlohmann::json> resource{};  // string or array of strings, as sent
  std::string pid{};                         // "" when not sent
  std::string consumer_org{};                // "" when not sent (not a delegated grant)
  // The enriched authorization_details array for the token (SPEC §11.3), when sent.
  std::optional<nlohmann::ordered_json> authorization_details{};

  // consumer_org for delegated grants, else the client's owner.
  const std::string& consumer() const {
    return consumer_org.empty() ? client.client_orgno : consumer_org;
  }
};

// The outcome of Validate: a grant, or the refusal of the first failing step. client_id and jti
// are filled as far as the grant could be read (for the journal), also on refusal.
struct GrantVerdict {
  std::optional<ValidatedGrant> grant{};
  TokenRefusal refusal{};
  std::string client_id{};
  std::string jti{};
  bool ok() const { return grant.has_value(); }
};

// The engine's registry interface over the Store. It keeps the records it read, so the token is
// made from exactly what the rules checked. Also what `grant --lint --registry` runs with.
class StoreGrantRegistry final : public grant::GrantRegistry {
 public:
  explicit StoreGrantRegistry(Store& store) : store_(store) {}

  Result<std::optional<grant::ClientFacts>> FindClient(std::string_view client_id) override;
  Result<std::vector<grant::KeyFacts>> ClientKeys(std::string_view client_id) override;
  Result<std::optional<grant::ScopeFacts>> FindScope(std::string_view name) override;
  Result<bool> HasApprovedAccess(std::string_view scope, std::string_view consumer) override;
  Result<bool> HasDelegation(std::string_view consumer, std::string_view supplier,
                             std::string_view scope) override;
  Result<std::optional<grant::ConsentFacts>> FindConsent(std::string_view id) override;
  // SPEC §15 byExternalId: the system holding `client_id`, then its system user of
  // `customer_orgno` with `external_ref`.
  Result<grant::SystemUserFacts> FindSystemUser(std::string_view client_id,
                                                std::string_view customer_orgno,
                                                std::string_view external_ref) override;

  const std::optional<ClientRecord>& client() const { return client_; }
  const ScopeRecord* scope(const std::string& name) const;
  // The consent FindConsent read: an Altinn 3 request, or else a legacy Altinn 2 one.
  const std::optional<ConsentRequestRecord>& consent_request() const { return consent_request_; }
  const std::optional<ConsentRecord>& consent() const { return consent_; }
  // The system user FindSystemUser found, when it found one.
  const std::optional<SystemUserRecord>& system_user() const { return system_user_; }

 private:
  Store& store_;
  std::optional<ClientRecord> client_;
  std::map<std::string, ScopeRecord, std::less<>> scopes_;
  std::optional<ConsentRequestRecord> consent_request_;
  std::optional<ConsentRecord> consent_;
  std::optional<SystemUserRecord> system_user_;
};

// This server's trust anchors as the engine reads them (SPEC §7).
grant::GrantTrust TrustOf(const ServerConfig& config);

class GrantValidator {
 public:
  GrantValidator(const ServerConfig& config, Store& store, ReplayStore& replay, const Clock& clock)
      : config_(config), store_(store), replay_(replay), clock_(clock) {}

  // Steps 2-13. The jti is claimed in the ReplayStore (step 10) only once steps 2-9 passed; a
  // grant refused at steps 11-13 has still used up its jti, as at Maskinporten.
  GrantVerdict Validate(std::string_view assertion) const;

 private:
  const ServerConfig& config_;
  Store& store_;
  ReplayStore& replay_;
  const Clock& clock_;
};

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_TOKEN_GRANT_VALIDATOR_H_
