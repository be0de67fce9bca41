// AdminClient: the self-service API (SPEC §9: Digdir's /api/v1, which the local Maskinporten
// serves too) and the Altinn consent-request API (SPEC §11.1, the local stand-in under /altinn),
// typed, over an injected HttpClient. One instance speaks for one bearer token.
//
//   MP_ASSIGN_OR_RETURN(std::string api, mp::SelfServiceApiUrl("test", ""));
//   mp::AdminClient admin({.api_url = api, .access_token = token, .http = http});
//   MP_ASSIGN_OR_RETURN(mp::ApiList<mp::ClientRegistration> clients, admin.ListClients());
//
// A 2xx answer is the value. A refusal (any other status) is Errc::kHttpError with the method,
// the URL, the status and the API's error_description; connect/TLS/timeout failures keep the
// HttpClient's Errc::kNetworkError. Pass an AdminError* to any call for the refusal's parts.
// Tokens never appear in messages or in the log.
#ifndef MASKINPORTEN_ADMIN_CLIENT_H_
#define MASKINPORTEN_ADMIN_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maskinporten/client_export.h"
#include "maskinporten/http.h"
#include "maskinporten/status.h"
#include "maskinporten/token_provider.h"

namespace mp {

// The self-service API's base URL, without a trailing slash: "<issuer>api/v1" when `issuer` is
// given (the local Maskinporten serves it there), else Digdir's for `env` "test"
// (https://api.test.samarbeid.digdir.no/api/v1) or "prod" (https://api.samarbeid.digdir.no/api/v1).
// Errc::kInvalidArgument for another env without an issuer.
MP_CLIENT_EXPORT Result<std::string> SelfServiceApiUrl(std::string_view env,
                                                       std::string_view issuer);

// What the records below share: members absent from the answer (or of another JSON type) keep
// their defaults; `json` is the answer's body as the API sent it (an item of an ApiList: the
// item, serialised again), empty when the answer had no body.

// A client (SPEC §9 client fields).
struct MP_CLIENT_EXPORT ClientRegistration {
  std::string client_id{};
  std::string client_name{};
  std::string description{};
  std::string integration_type{};
  std::string client_orgno{};    // the owner
  std::string supplier_orgno{};  // "" when none
  std::vector<std::string> scopes{};
  int64_t access_token_lifetime = 0;  // seconds; 0 when absent
  bool active = true;
  std::string json{};
};

// One registered public key.
struct MP_CLIENT_EXPORT RegisteredKey {
  std::string kid{};  // "" when absent
  std::string jwk{};  // the JWK object as JSON
};

// A client's key set: GET /clients/{id}/jwks.
struct MP_CLIENT_EXPORT ClientKeySet {
  std::vector<RegisteredKey> keys{};
  std::string created{};       // ISO 8601, as the API wrote it
  std::string last_updated{};  // ISO 8601; keys expire a year after upload (MP-121)
  std::string json{};
};

// A scope (SPEC §9 scope fields).
struct MP_CLIENT_EXPORT ScopeRegistration {
  std::string name{};  // prefix:subscope
  std::string prefix{};
  std::string subscope{};
  std::string description{};
  std::string owner_orgno{};
  std::string visibility{};         // PUBLIC | PRIVATE | INTERNAL
  std::string delegation_source{};  // "" when the scope cannot be delegated
  bool accessible_for_all = false;
  int64_t at_max_age = 0;  // longest token lifetime in seconds; 0 = not set
  bool active = true;
  std::string json{};
};

// One organisation's access to a scope. Only state APPROVED counts.
struct MP_CLIENT_EXPORT ScopeAccessEntry {
  std::string scope{};
  std::string consumer_orgno{};
  std::string owner_orgno{};
  std::string state{};  // REQUESTED | APPROVED | DENIED
  std::string json{};
};

// A delegation: the consumer lets the supplier use the scope for it (SPEC §8; the local
// stand-in for Altinn's).
struct MP_CLIENT_EXPORT DelegationEntry {
  std::string consumer_orgno{};
  std::string supplier_orgno{};
  std::string scope{};
  std::string created{};
  std::string json{};
};

// Where delegations come from: GET /delegationsources.
struct MP_CLIENT_EXPORT DelegationSource {
  std::string name{};
  std::string issuer{};  // a scope's delegation_source
  std::string json{};
};

// A list answer: the items, and the array as it came.
template <typename T>
struct ApiList {
  std::vector<T> items{};
  std::string json{};
};

// POST /clients: a Maskinporten client (integration_type maskinporten, private_key_jwt,
// the jwt-bearer grant type).
struct MP_CLIENT_EXPORT NewClient {
  std::string client_name{};
  std::string description{};  // "": the name
  std::vector<std::string> scopes{};
  std::optional<int64_t> access_token_lifetime{};  // unset: the API's default (120 s)
};

// A change to a client, applied by UpdateClient to the client as the API has it.
struct MP_CLIENT_EXPORT ClientChanges {
  std::optional<std::string> client_name{};
  std::optional<std::string> description{};
  std::optional<std::vector<std::string>> scopes{};  // replaces the client's scopes
  std::vector<std::string> add_scopes{};             // then these are added (once)...
  std::vector<std::string> remove_scopes{};          // ...and these removed
  std::optional<int64_t> access_token_lifetime{};
};

// POST /scopes (allowed_integration_types: maskinporten).
struct MP_CLIENT_EXPORT NewScope {
  std::string prefix{};
  std::string subscope{};
  std::string description{};
  std::string visibility{};  // PUBLIC | PRIVATE; "": the API's default
  bool accessible_for_all = false;
  std::optional<int64_t> at_max_age{};
  // Delegable through Altinn: delegation_source is the issuer of the API's first delegation
  // source (GET /delegationsources first).
  bool delegable = false;
};

// One service of a consent request: serviceCode, serviceEditionCode and its metadata (SSU needs
// "Navn", the asking organisation's name).
struct MP_CLIENT_EXPORT ConsentResource {
  std::string service_code{};
  int64_t service_edition_code = 0;
  std::vector<std::pair<std::string, std::string>> metadata{};
};

// POST /api/consentRequests (SPEC §11.1 step 1).
struct MP_CLIENT_EXPORT NewConsentRequest {
  std::string covered_by{};  // the organisation that asks (orgno)
  std::string offered_by{};  // the person asked (fnr; never logged)
  std::string offered_by_name{};
  std::string handled_by{};  // the supplier that will fetch the token; "" when none
  std::string valid_to{};    // ISO 8601, e.g. "2027-11-30T00:00:00Z"
  std::string redirect_url{};
  std::vector<ConsentResource> resources{};
};

// A consent request as the consent API answers it.
struct MP_CLIENT_EXPORT ConsentRequestInfo {
  std::string authorization_code{};  // the consent's id
  std::string request_status{};      // Unopened | Accepted | Rejected | ...
  std::string gui_url{};             // _links.gui.href: where the person answers
  std::string json{};
};

enum class Deactivated { kHide, kInclude };  // ?inactive=true lists deactivated ones too
enum class ConsentAnswer { kAccept, kReject };

// The parts of a failed call, for callers that act on the status (404: no such client).
struct MP_CLIENT_EXPORT AdminError {
  std::string method{};
  std::string url{};
  int http_status = 0;  // 0: no answer (a network error); 2xx: an answer we could not read
  std::string error{};  // the error JSON's "error", "" when absent
  // error_description, else error, else WWW-Authenticate, else the body's text (tokens
  // redacted, at most 300 bytes), else "(no body)".
  std::string description{};
  // True when the API answered with a status outside 2xx.
  bool refused() const { return http_status != 0 && (http_status < 200 || http_status > 299); }
};

struct MP_CLIENT_EXPORT AdminClientOptions {
  std::string api_url{};          // self-service API base (SelfServiceApiUrl); trailing '/' dropped
  std::string consent_api_url{};  // consent API base, e.g. "http://127.0.0.1:PORT/altinn"
  // The bearer token (a secret: never logged). Empty: requests carry no Authorization header.
  std::string access_token{};
  // When set, asked for the token before each request instead (e.g. AdminTokenFrom).
  std::function<Result<std::string>()> token_source{};
  std::shared_ptr<HttpClient> http{};  // required
  // One line per request ("GET <url>") and per answer ("-> 200"); never tokens or bodies.
  std::function<void(std::string_view)> log{};
};

// A token source that asks `provider` (not owned; it caches and refreshes) for `request`.
MP_CLIENT_EXPORT std::function<Result<std::string>()> AdminTokenFrom(TokenProvider& provider,
                                                                     TokenRequest request);

class MP_CLIENT_EXPORT AdminClient {
 public:
  explicit AdminClient(AdminClientOptions options);

  // The API base in use (no trailing slash).
  const std::string& api_url() const { return options_.api_url; }

  // ---- clients (idporten:dcr.read / .write / .modify) ----
  Result<ApiList<ClientRegistration>> ListClients(Deactivated deactivated = Deactivated::kHide,
                                                  AdminError* error = nullptr) const;
  Result<ClientRegistration> GetClient(std::string_view client_id,
                                       AdminError* error = nullptr) const;
  Result<ClientRegistration> CreateClient(const NewClient& client,
                                          AdminError* error = nullptr) const;
  // GET the client, apply `changes`, PUT it back without created/last_updated (SPEC §9: the
  // API replaces the whole client; members this library does not know are sent back as read).
  Result<ClientRegistration> UpdateClient(std::string_view client_id, const ClientChanges& changes,
                                          AdminError* error = nullptr) const;
  // Deactivates (the API never deletes).
  Result<ClientRegistration> DeleteClient(std::string_view client_id,
                                          AdminError* error = nullptr) const;

  // ---- a client's keys ----
  Result<ClientKeySet> GetClientKeys(std::string_view client_id, AdminError* error = nullptr) const;
  // Replaces the whole set (at most 5 keys). Each entry is a public JWK object as JSON;
  // Errc::kInvalidArgument naming the entry when one is not a JSON object.
  Result<ClientKeySet> SetClientKeys(std::string_view client_id,
                                     const std::vector<std::string>& jwks,
                                     AdminError* error = nullptr) const;
  // GET the set, append `jwks`, POST it back.
  Result<ClientKeySet> AddClientKeys(std::string_view client_id,
                                     const std::vector<std::string>& jwks,
                                     AdminError* error = nullptr) const;

  // ---- scopes and their access lists (idporten:scopes.write) ----
  Result<ApiList<ScopeRegistration>> ListScopes(AdminError* error = nullptr) const;
  Result<ScopeRegistration> GetScope(std::string_view name, AdminError* error = nullptr) const;
  Result<ScopeRegistration> CreateScope(const NewScope& scope, AdminError* error = nullptr) const;
  Result<ScopeRegistration> DeleteScope(std::string_view name, AdminError* error = nullptr) const;
  Result<ApiList<ScopeAccessEntry>> ListScopeAccess(std::string_view scope,
                                                    AdminError* error = nullptr) const;
  Result<ScopeAccessEntry> GrantScopeAccess(std::string_view scope, std::string_view orgno,
                                            AdminError* error = nullptr) const;
  Result<ScopeAccessEntry> RevokeScopeAccess(std::string_view scope, std::string_view orgno,
                                             AdminError* error = nullptr) const;

  // ---- delegations ----
  Result<ApiList<DelegationSource>> DelegationSources(AdminError* error = nullptr) const;
  // Where the token's organisation is consumer or supplier.
  Result<ApiList<DelegationEntry>> ListDelegations(AdminError* error = nullptr) const;
  Result<DelegationEntry> CreateDelegation(std::string_view supplier_orgno, std::string_view scope,
                                           AdminError* error = nullptr) const;
  Result<DelegationEntry> DeleteDelegation(std::string_view supplier_orgno, std::string_view scope,
                                           AdminError* error = nullptr) const;

  // ---- consent requests (consent_api_url; a token with altinn:consentrequests.write, or
  // altinn:consenttokens for the token) ----
  Result<ConsentRequestInfo> CreateConsentRequest(const NewConsentRequest& request,
                                                  AdminError* error = nullptr) const;
  // The person's answer: the local stand-in's replacement for Altinn's page (no token needed).
  Result<ConsentRequestInfo> AnswerConsentRequest(std::string_view authorization_code,
                                                  std::string_view person, ConsentAnswer answer,
                                                  AdminError* error = nullptr) const;
  // The samtykketoken (consent token) of an accepted request, without surrounding whitespace.
  Result<std::string> FetchConsentToken(std::string_view authorization_code,
                                        AdminError* error = nullptr) const;

 private:
  AdminClientOptions options_;
};

}  // namespace mp

#endif  // MASKINPORTEN_ADMIN_CLIENT_H_
