#include "server/token/grant_validator.h"

#include <utility>

#include "core/utc_time.h"
#include "server/altinn/consent_rules.h"
#include "server/altinn/system_users.h"
#include "server/registry/registry_rules.h"

namespace mp::server {
namespace {

// The ReplayStore as the engine's step 10 claims a jti.
class ReplayGuard final : public grant::GrantReplayGuard {
 public:
  explicit ReplayGuard(ReplayStore& replay) : replay_(replay) {}
  Result<bool> Claim(std::string_view key, int64_t expires_at, int64_t now) override {
    return replay_.Claim(key, expires_at, now);
  }

 private:
  ReplayStore& replay_;
};

// A legacy Altinn 2 request as Altinn 3 rights: resource "<code>_<edition>" (SPEC §14.5).
std::vector<ConsentRight> RightsOfAltinn2(const ConsentRecord& consent) {
  std::vector<ConsentRight> rights;
  for (const ConsentResource& r : consent.resources) {
    rights.push_back(
        ConsentRight{.action = {"consent"},
                     .resource = r.service_code + "_" + std::to_string(r.service_edition_code),
                     .metadata = r.metadata});
  }
  return rights;
}

// SPEC §14.3: the token's consent entry adds `to` (the consumer), `consented`, `validTo` and
// `consentRights` (metadata absent when there is none) to what the grant sent.
nlohmann::ordered_json ConsentEntry(const nlohmann::json& sent, int64_t consented, int64_t valid_to,
                                    const std::vector<ConsentRight>& rights,
                                    const std::string& consumer) {
  nlohmann::ordered_json out;
  out["type"] = grant_internal::kConsentType;
  out["id"] = sent["id"];
  out["from"] = sent["from"];
  out["to"] = {{"authority", grant_internal::kIso6523Authority}, {"ID", "0192:" + consumer}};
  out["consented"] = FormatUtc(consented);
  out["validTo"] = FormatUtc(valid_to);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ConsentRight& r : rights) {
    nlohmann::ordered_json right;
    right["action"] = r.action;
    nlohmann::ordered_json resource;
    resource["type"] = "urn:altinn:resource";
    resource["value"] = r.resource;
    right["resource"] = nlohmann::ordered_json::array({std::move(resource)});
    if (!r.metadata.empty()) {
      nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
      for (const auto& [name, value] : r.metadata) metadata[name] = value;
      right["metadata"] = std::move(metadata);
    }
    list.push_back(std::move(right));
  }
  out["consentRights"] = std::move(list);
  return out;
}

// SPEC §15: {"type","systemuser_id":[<uuid>],"systemuser_org":{authority,ID},"system_id"}; no
// externalRef, and systemuser_org always with "ID".
nlohmann::ordered_json SystemUserEntry(const SystemUserRecord& user) {
  nlohmann::ordered_json out;
  out["type"] = grant_internal::kSystemUserType;
  out["systemuser_id"] = nlohmann::ordered_json::array({user.id});
  out["systemuser_org"] = {{"authority", grant_internal::kIso6523Authority},
                           {"ID", "0192:" + user.party_orgno}};
  out["system_id"] = user.system_id;
  return out;
}

}  // namespace

Result<std::optional<grant::ClientFacts>> StoreGrantRegistry::FindClient(
    std::string_view client_id) {
  MP_ASSIGN_OR_RETURN(client_, store_.GetClient(client_id));
  if (!client_.has_value()) return std::optional<grant::ClientFacts>();
  return std::optional<grant::ClientFacts>(grant::ClientFacts{
      .client_id = client_->client_id,
      .orgno = client_->client_orgno,
      .integration_type = client_->integration_type,
      .active = client_->active,
      .scopes = client_->scopes,
  });
}

Result<std::vector<grant::KeyFacts>> StoreGrantRegistry::ClientKeys(std::string_view client_id) {
  MP_ASSIGN_OR_RETURN(ClientJwks jwks, store_.GetClientKeys(client_id));
  std::vector<grant::KeyFacts> keys;
  keys.reserve(jwks.keys.size());
  for (ClientKey& k : jwks.keys) {
    keys.push_back(grant::KeyFacts{
        .kid = std::move(k.kid), .jwk_json = std::move(k.jwk_json), .created = k.created});
  }
  return keys;
}

Result<std::optional<grant::ScopeFacts>> StoreGrantRegistry::FindScope(std::string_view name) {
  MP_ASSIGN_OR_RETURN(std::optional<ScopeRecord> scope, store_.GetScope(name));
  if (!scope.has_value()) return std::optional<grant::ScopeFacts>();
  grant::ScopeFacts facts{.name = scope->name,
                          .owner_orgno = scope->owner_orgno,
                          .active = scope->active,
                          .allowed_integration_types = scope->allowed_integration_types,
                          .accessible_for_all = scope->accessible_for_all,
                          .delegation_source = scope->delegation_source};
  scopes_.insert_or_assign(scope->name, std::move(*scope));
  return std::optional<grant::ScopeFacts>(std::move(facts));
}

Result<bool> StoreGrantRegistry::HasApprovedAccess(std::string_view scope,
                                                   std::string_view consumer) {
  MP_ASSIGN_OR_RETURN(std::optional<ScopeAccess> access, store_.GetAccess(scope, consumer));
  return access.has_value() && access->state == AccessState::kApproved;
}

Result<bool> StoreGrantRegistry::HasDelegation(std::string_view consumer, std::string_view supplier,
                                               std::string_view scope) {
  return store_.HasDelegation(consumer, supplier, scope);
}

// An Altinn 3 request first; a legacy Altinn 2 request with that code answers too (SPEC §14.0:
// API owners see both while Altinn 2 consents are migrated).
Result<std::optional<grant::ConsentFacts>> StoreGrantRegistry::FindConsent(std::string_view id) {
  MP_ASSIGN_OR_RETURN(consent_request_, store_.GetConsentRequest(id));
  if (consent_request_.has_value()) {
    const ConsentRequestRecord& c = *consent_request_;
    return std::optional<grant::ConsentFacts>(grant::ConsentFacts{
        .status = std::string(ConsentRequestStatusName(c.status)),
        .valid_to = c.valid_to,
        .offered_by = altinn_internal::PartyId(c.from),
        .covered_by = altinn_internal::PartyId(c.to),
        .handled_by = c.handled_by,
    });
  }
  MP_ASSIGN_OR_RETURN(consent_, store_.GetConsent(id));
  if (!consent_.has_value()) return std::optional<grant::ConsentFacts>();
  ConsentRequestStatus status =
      consent_->status == ConsentStatus::kAccepted   ? ConsentRequestStatus::kAccepted
      : consent_->status == ConsentStatus::kRejected ? ConsentRequestStatus::kRejected
                                                     : ConsentRequestStatus::kCreated;
  return std::optional<grant::ConsentFacts>(grant::ConsentFacts{
      .status = std::string(ConsentRequestStatusName(status)),
      .valid_to = consent_->valid_to,
      .offered_by = consent_->offered_by,
      .covered_by = consent_->covered_by,
      .handled_by = consent_->handled_by,
  });
}

Result<grant::SystemUserFacts> StoreGrantRegistry::FindSystemUser(std::string_view client_id,
                                                                  std::string_view customer_orgno,
                                                                  std::string_view external_ref) {
  MP_ASSIGN_OR_RETURN(SystemUserLookup found,
                      LookupSystemUser(store_, client_id, customer_orgno, external_ref));
  grant::SystemUserFacts facts;
  if (found.system.has_value()) {
    facts.system_id = found.system->system_id;
    facts.vendor_orgno = found.system->vendor_orgno;
  }
  system_user_ = std::move(found.user);
  if (system_user_.has_value()) facts.systemuser_id = system_user_->id;
  return facts;
}

const ScopeRecord* StoreGrantRegistry::scope(const std::string& name) const {
  auto it = scopes_.find(name);
  return it == scopes_.end() ? nullptr : &it->second;
}

grant::GrantTrust TrustOf(const ServerConfig& config) {
  const bool test = config.environment == CertEnvironment::kTest;
  return grant::GrantTrust{.environment = config.environment,
                           .own = test ? &config.test_anchors : &config.prod_anchors,
                           .other = test ? &config.prod_anchors : &config.test_anchors,
                           .revoked_serials = &config.revoked_serials};
}

GrantVerdict GrantValidator::Validate(std::string_view assertion) const {
  StoreGrantRegistry registry(store_);
  ReplayGuard replay(replay_);
  const grant::GrantTrust trust = TrustOf(config_);
  grant::GrantOutcome out = grant::CheckGrant(assertion,
                                              {.issuer = config_.issuer,
                                               .now = clock_.NowSeconds(),
                                               .registry = &registry,
                                               .trust = &trust,
                                               .replay = &replay},
                                              grant::GrantMode::kFirstFailure);
  GrantVerdict verdict;
  verdict.client_id = std::move(out.client_id);
  verdict.jti = out.jti;
  if (!out.internal.ok()) {
    verdict.refusal = InternalError(out.internal);
    return verdict;
  }
  if (const LintFinding* error = out.FirstError()) {
    verdict.refusal = error->maskinporten_error.has_value()
                          ? Refuse(*error->maskinporten_error, std::move(out.first_error_values),
                                   error->rule + ": " + error->message)
                          : InternalError(Status(Errc::kInternal, error->message));
    return verdict;
  }
  if (!out.grant.has_value() || !registry.client().has_value()) {
    verdict.refusal = InternalError(Status(Errc::kInternal, "the grant rules gave no verdict"));
    return verdict;
  }
  grant::AcceptedGrant& accepted = *out.grant;
  ValidatedGrant g;
  g.client = *registry.client();
  g.client_amr = std::move(accepted.client_amr);
  g.jti = std::move(accepted.jti);
  g.scopes = std::move(accepted.scopes);
  for (const std::string& s : g.scopes) {
    const ScopeRecord* record = registry.scope(s);
    if (record == nullptr) {
      verdict.refusal = InternalError(Status(Errc::kInternal, "scope " + s + " was not read"));
      return verdict;
    }
    g.scope_records.push_back(*record);
  }
  g.resource = std::move(accepted.resource);
  g.pid = std::move(accepted.pid);
  g.consumer_org = std::move(accepted.consumer_org);
  if (accepted.authorization_details.has_value()) {
    const nlohmann::json& sent = *accepted.authorization_details;
    if (sent["type"] == grant_internal::kConsentType) {
      nlohmann::ordered_json entry;
      if (const auto& request = registry.consent_request(); request.has_value()) {
        entry = ConsentEntry(sent, request->consented, request->valid_to, request->rights,
                             g.consumer());
      } else if (const auto& legacy = registry.consent(); legacy.has_value()) {
        entry = ConsentEntry(sent, legacy->decided, legacy->valid_to, RightsOfAltinn2(*legacy),
                             g.consumer());
      } else {
        verdict.refusal = InternalError(Status(Errc::kInternal, "the consent was not read"));
        return verdict;
      }
      g.authorization_details = nlohmann::ordered_json::array({std::move(entry)});
    } else if (const auto& user = registry.system_user(); user.has_value()) {
      g.authorization_details = nlohmann::ordered_json::array({SystemUserEntry(*user)});
    } else {
      verdict.refusal = InternalError(Status(Errc::kInternal, "the system user was not read"));
      return verdict;
    }
  }
  verdict.grant = std::move(g);
  return verdict;
}

}  // namespace mp::server
