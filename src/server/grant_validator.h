// GrantValidator: SPEC §4.4 steps 2-13 for one JWT grant, in that order, with no I/O of its own
// beyond the Store and ReplayStore it is given. The first failing step decides the refusal, even
// when a later step would also fail, so a client sees the same code the emulator's order implies.
//
//   GrantValidator validator(config, store, replay, clock);
//   GrantVerdict v = validator.Validate(assertion);
//   if (!v.ok()) return RefusalResponse(v.refusal, config.issuer, trace_id);
//   IssueAccessToken(*v.grant, ...);
#ifndef MASKINPORTEN_SERVER_GRANT_VALIDATOR_H_
#define MASKINPORTEN_SERVER_GRANT_VALIDATOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "maskinporten/clock.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token_service.h"

namespace mp::server {

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

// SPEC §4.3 pid: an 11-digit Norwegian national identity number (fødselsnummer) with both mod-11
// check digits and a plausible date; D-numbers (day + 40) and synthetic test ids (month + 40 or
// + 80) are accepted.
bool IsValidPersonIdentifier(std::string_view pid);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_GRANT_VALIDATOR_H_
