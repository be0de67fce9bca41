// The local Maskinporten's registry (SPEC §9) and replay store (SPEC §4.4 step 10, §13.9).
//
// `Store` is what the token endpoint, the self-service API, the seed loader and the test controls
// read and write. The embedded implementation is SQLite (OpenSqliteStore); scale-out stores
// (PostgreSQL) implement the same interface later. Every method is thread safe. Every write is one
// transaction: a failed call changes nothing.
//
//   MP_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenSqliteStore({.path = ":memory:"}));
//   MP_RETURN_IF_ERROR(store->PutScope(scope));
//   MP_ASSIGN_OR_RETURN(std::optional<ClientRecord> c, store->GetClient("my-client"));
#ifndef MASKINPORTEN_SERVER_STORE_STORE_H_
#define MASKINPORTEN_SERVER_STORE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maskinporten/status.h"

namespace mp::server {

// Times are Unix seconds. Org numbers are 9-digit strings, already checked by the caller
// (OrgNumber::Parse) before they reach the store.

// An organisation known to the local registry (name for the web login and listings).
struct Organization {
  std::string orgno{};
  std::string name{};

  friend bool operator==(const Organization&, const Organization&) = default;
};

// A client (integration), SPEC §9 client fields.
struct ClientRecord {
  std::string client_id{};  // server-assigned UUID, or the seed's chosen id
  std::string client_name{};
  std::string description{};
  std::string integration_type = "maskinporten";
  std::string token_endpoint_auth_method = "private_key_jwt";
  std::vector<std::string> scopes{};  // scope names the client may ask for (SPEC §4.4 step 12)
  std::string client_orgno{};         // owner
  std::string supplier_orgno{};       // "" unless created by a supplier for a customer
  int access_token_lifetime = 120;    // seconds
  bool active = true;
  int64_t created = 0;
  int64_t last_updated = 0;

  friend bool operator==(const ClientRecord&, const ClientRecord&) = default;
};

// A key registered on a client (self-service JWKS). Valid one year from upload (MP-121).
struct ClientKey {
  std::string kid{};
  std::string jwk_json{};  // the public JWK exactly as registered (RSA; kty, alg, use, n, e, kid)
  int64_t created = 0;     // upload time; expiry is created + 365 days

  friend bool operator==(const ClientKey&, const ClientKey&) = default;
};
// The registered JWKS of a client with the set's own timestamps (GET /clients/{id}/jwks).
struct ClientJwks {
  std::vector<ClientKey> keys{};
  int64_t created = 0;
  int64_t last_updated = 0;

  friend bool operator==(const ClientJwks&, const ClientJwks&) = default;
};

enum class ScopeVisibility { kPublic, kPrivate, kInternal };

// A scope, SPEC §9 scope fields that the emulator uses.
struct ScopeRecord {
  std::string name{};  // prefix:subscope
  std::string prefix{};
  std::string subscope{};
  std::string description{};
  std::string long_description{};
  std::string owner_orgno{};
  bool active = true;
  ScopeVisibility visibility = ScopeVisibility::kPublic;
  std::vector<std::string> allowed_integration_types{"maskinporten"};
  bool accessible_for_all = false;
  int at_max_age = 0;               // max token lifetime in seconds; 0 = not set
  std::string delegation_source{};  // "" = not delegable
  int64_t created = 0;
  int64_t last_updated = 0;

  friend bool operator==(const ScopeRecord&, const ScopeRecord&) = default;
};

enum class AccessState { kRequested, kApproved, kDenied };

// Access to a scope for a consumer org. Only kApproved counts (SPEC §9).
struct ScopeAccess {
  std::string scope{};
  std::string consumer_orgno{};
  std::string owner_orgno{};
  AccessState state = AccessState::kApproved;
  int64_t created = 0;
  int64_t last_updated = 0;

  friend bool operator==(const ScopeAccess&, const ScopeAccess&) = default;
};

// Local stand-in for an Altinn delegation (SPEC §8): consumer delegates `scope` to supplier.
struct Delegation {
  std::string consumer_orgno{};
  std::string supplier_orgno{};
  std::string scope{};
  int64_t created = 0;

  friend bool operator==(const Delegation&, const Delegation&) = default;
};

// The server's own RSA signing key (access tokens, JWKS). Stored so a restart on a file DB keeps
// issued tokens verifiable.
struct SigningKeyRecord {
  std::string kid{};
  std::string private_pem{};  // PKCS#8 PEM; never logged
  int64_t created = 0;
  bool current = false;  // exactly one current key; older keys are kept for rotation overlap

  friend bool operator==(const SigningKeyRecord&, const SigningKeyRecord&) = default;
};

// The local Altinn consent stand-in (docs/emulator.md, "Consents"; SPEC §11.1, §11.3).
enum class ConsentStatus { kUnopened, kAccepted, kRejected };

// One requestResources entry: an Altinn 2 service and the metadata the consent carries for it.
struct ConsentResource {
  std::string service_code{};  // digits, "5252"
  int service_edition_code = 0;
  std::vector<std::pair<std::string, std::string>> metadata{};  // {"Navn", "TEST FORSIKRING AS"}

  friend bool operator==(const ConsentResource&, const ConsentResource&) = default;
};

// A consent request (Altinn 2 shape) and, once decided, the person's answer.
struct ConsentRecord {
  std::string authorization_code{};  // UUID; also the Altinn 3 authorization_details id
  std::string covered_by{};          // orgno the consent is given to (the insurer)
  std::string offered_by{};          // fnr (or orgno) of who gives the consent
  std::string offered_by_name{};
  std::string required_delegator{};  // fnr who must accept; defaults to offered_by
  std::string required_delegator_name{};
  std::string handled_by{};  // supplier orgno, "" when none
  std::string redirect_url{};
  std::vector<ConsentResource> resources{};
  int64_t valid_to = 0;
  ConsentStatus status = ConsentStatus::kUnopened;
  int64_t created = 0;
  int64_t decided = 0;  // when accepted or rejected (DelegatedDate); 0 while unopened

  friend bool operator==(const ConsentRecord&, const ConsentRecord&) = default;
};

// The samtykketoken signing key with its self-signed certificate (x5t, x5c).
struct ConsentKeyRecord {
  std::string kid{};
  std::string private_pem{};  // PKCS#8 PEM; never logged
  std::string certificate_pem{};
  int64_t created = 0;

  friend bool operator==(const ConsentKeyRecord&, const ConsentKeyRecord&) = default;
};

// An Altinn 3 consent request (SPEC §14.1) and what happened to it. States as Altinn names them.
enum class ConsentRequestStatus { kCreated, kAccepted, kRejected, kRevoked, kExpired };

// One consentRights entry: the actions (["consent"]), the resource id and its metadata, in order.
struct ConsentRight {
  std::vector<std::string> action{};
  std::string resource{};                                       // urn:altinn:resource value
  std::vector<std::pair<std::string, std::string>> metadata{};  // {"inntektsaar", "2024"}

  friend bool operator==(const ConsentRight&, const ConsentRight&) = default;
};

// One consentRequestEvents entry; event_type is a status name or "used".
struct ConsentRequestEvent {
  std::string event_id{};  // UUID
  std::string event_type{};
  int64_t created = 0;
  std::string performed_by{};  // party URN of who caused it

  friend bool operator==(const ConsentRequestEvent&, const ConsentRequestEvent&) = default;
};

struct ConsentRequestRecord {
  std::string id{};                  // the consumer's UUID; the authorization_details id
  std::string from{};                // urn:altinn:person:identifier-no:<fnr> or an org URN
  std::string to{};                  // urn:altinn:organization:identifier-no:<orgno>
  std::string required_delegator{};  // a party URN, "" when none
  std::string handled_by{};          // supplier orgno (the token's supplier), "" when none
  int64_t valid_to = 0;
  std::vector<ConsentRight> rights{};
  std::string request_message_json{};  // {"nb":..,"en":..} as canonical JSON, "" when none
  std::string redirect_url{};
  std::string portal_view_mode = "hide";
  ConsentRequestStatus status = ConsentRequestStatus::kCreated;
  int64_t created = 0;
  int64_t consented = 0;                      // when accepted; 0 before
  std::vector<ConsentRequestEvent> events{};  // oldest first

  friend bool operator==(const ConsentRequestRecord&, const ConsentRequestRecord&) = default;
};

// The local Altinn 3 system register (SPEC §15): a vendor's end-user system, what it needs, and
// the Maskinporten clients it uses. Texts are the {"nb","nn","en"} objects as canonical JSON.
struct SystemRecord {
  std::string system_id{};                     // "<vendor orgno>_<name>"
  std::string vendor_orgno{};                  // from vendor.ID "0192:<orgno>"
  std::string name_json{};                     // {"nb":..,"nn":..,"en":..}
  std::string description_json{};              // same shape
  std::vector<std::string> rights{};           // urn:altinn:resource values, in order
  std::vector<std::string> access_packages{};  // access package URNs, in order
  std::vector<std::string> client_ids{};       // Maskinporten client ids; each in one system
  std::vector<std::string> allowed_redirect_urls{};
  bool is_visible = true;
  int64_t created = 0;
  int64_t last_updated = 0;

  friend bool operator==(const SystemRecord&, const SystemRecord&) = default;
};

// A vendor's request for a system user at a customer (SPEC §15), as Altinn names its states.
enum class SystemUserRequestStatus { kNew, kAccepted, kRejected, kDenied };

struct SystemUserRequestRecord {
  std::string id{};            // server-chosen UUID
  std::string external_ref{};  // the vendor's reference; defaults to party_orgno
  std::string system_id{};
  std::string party_orgno{};  // the customer who must approve
  std::vector<std::string> rights{};
  std::vector<std::string> access_packages{};
  std::string redirect_url{};  // "" or one of the system's allowed_redirect_urls
  SystemUserRequestStatus status = SystemUserRequestStatus::kNew;
  int64_t created = 0;
  int64_t decided = 0;           // when accepted or rejected; 0 while kNew
  std::string system_user_id{};  // the system user made by the acceptance; "" before

  friend bool operator==(const SystemUserRequestRecord&, const SystemUserRequestRecord&) = default;
};

// A system user: the customer's (party_orgno) approved identity for a vendor's system. At most
// one per (system_id, party_orgno, external_ref).
struct SystemUserRecord {
  std::string id{};  // UUID; systemuser_id in the token
  std::string system_id{};
  std::string party_orgno{};
  std::string external_ref{};
  std::vector<std::string> rights{};
  std::vector<std::string> access_packages{};
  int64_t created = 0;

  friend bool operator==(const SystemUserRecord&, const SystemUserRecord&) = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Organisations.
  virtual Status PutOrganization(const Organization& org) = 0;        // insert or update name
  virtual Result<std::vector<Organization>> ListOrganizations() = 0;  // ordered by orgno

  // Clients. Create refuses an existing client_id with Errc::kInvalidArgument ("exists").
  virtual Status CreateClient(const ClientRecord& client) = 0;
  // Replaces all fields but client_id and created; Errc::kNotFound when absent.
  virtual Status UpdateClient(const ClientRecord& client) = 0;
  virtual Result<std::optional<ClientRecord>> GetClient(std::string_view client_id) = 0;
  // Clients owned by `orgno` ("" lists every client), active only unless include_inactive,
  // oldest first.
  virtual Result<std::vector<ClientRecord>> ListClients(std::string_view orgno,
                                                        bool include_inactive) = 0;
  // Replaces the whole JWKS of a client in one transaction (SPEC §9: POST replaces the set),
  // storing each key's `created` as given (the API sets it to the upload time: re-uploading a key
  // renews it). Sets the set's last_updated to `now`. Errc::kNotFound for no such client.
  virtual Status ReplaceClientKeys(std::string_view client_id, const std::vector<ClientKey>& keys,
                                   int64_t now) = 0;
  // Keys in the order given to ReplaceClientKeys. A client that never had keys gets an empty set
  // with created = last_updated = 0. Errc::kNotFound for no such client. A kid given twice to
  // ReplaceClientKeys is Errc::kInvalidArgument (and the old set stays).
  virtual Result<ClientJwks> GetClientKeys(std::string_view client_id) = 0;

  // Scopes.
  virtual Status CreateScope(const ScopeRecord& scope) = 0;  // kInvalidArgument when it exists
  // Replaces all fields but name and created; kNotFound when absent.
  virtual Status UpdateScope(const ScopeRecord& scope) = 0;
  virtual Result<std::optional<ScopeRecord>> GetScope(std::string_view name) = 0;
  // owner_orgno "" lists every scope; ordered by name.
  virtual Result<std::vector<ScopeRecord>> ListScopes(std::string_view owner_orgno,
                                                      bool include_inactive) = 0;

  // Access (PUT /scopes/access/{orgno}?scope=): insert or update owner_orgno, state and
  // last_updated (created stays from the first put). Errc::kNotFound when the scope does not
  // exist. DeleteAccess: kNotFound when there is no such entry. Lists return every state.
  virtual Status PutAccess(const ScopeAccess& access) = 0;
  virtual Status DeleteAccess(std::string_view scope, std::string_view consumer_orgno) = 0;
  virtual Result<std::optional<ScopeAccess>> GetAccess(std::string_view scope,
                                                       std::string_view consumer_orgno) = 0;
  virtual Result<std::vector<ScopeAccess>> ListAccessForScope(std::string_view scope) = 0;
  virtual Result<std::vector<ScopeAccess>> ListAccessForConsumer(std::string_view orgno) = 0;

  // Delegations.
  virtual Status PutDelegation(const Delegation& delegation) = 0;     // idempotent
  virtual Status DeleteDelegation(const Delegation& delegation) = 0;  // kNotFound when absent
  virtual Result<bool> HasDelegation(std::string_view consumer_orgno,
                                     std::string_view supplier_orgno, std::string_view scope) = 0;
  // Delegations where `orgno` is consumer or supplier ("" lists all).
  virtual Result<std::vector<Delegation>> ListDelegations(std::string_view orgno) = 0;

  // Signing keys: add a key (when `current`, every other key becomes non-current in the same
  // transaction; an existing kid is Errc::kInvalidArgument "already exists"), list (oldest
  // first), and drop non-current keys created before `before`.
  virtual Status AddSigningKey(const SigningKeyRecord& key) = 0;
  virtual Result<std::vector<SigningKeyRecord>> ListSigningKeys() = 0;
  virtual Status PruneSigningKeys(int64_t before) = 0;

  // Consent requests. Create refuses an existing authorization_code (kInvalidArgument "already
  // exists"). DecideConsent moves an kUnopened request to `decision` (kAccepted or kRejected) and
  // sets decided = at: kNotFound when absent, kInvalidArgument when it is not kUnopened (naming
  // its status). ListConsents: requests where `orgno` is covered_by or handled_by ("" lists all),
  // oldest first.
  virtual Status CreateConsent(const ConsentRecord& consent) = 0;
  virtual Result<std::optional<ConsentRecord>> GetConsent(std::string_view authorization_code) = 0;
  virtual Status DecideConsent(std::string_view authorization_code, ConsentStatus decision,
                               int64_t at) = 0;
  virtual Result<std::vector<ConsentRecord>> ListConsents(std::string_view orgno) = 0;

  // Altinn 3 consent requests (SPEC §14). Create stores the request with its events in one
  // transaction; an existing id is Errc::kInvalidArgument "already exists". Get returns the
  // request with its events, oldest first. Transition is a compare-and-set: a request in status
  // `from` moves to `to` and gets `event` appended (consented = event.created when `to` is
  // kAccepted); kNotFound when absent, kInvalidArgument naming the status when it is not `from`.
  virtual Status CreateConsentRequest(const ConsentRequestRecord& request) = 0;
  virtual Result<std::optional<ConsentRequestRecord>> GetConsentRequest(std::string_view id) = 0;
  virtual Status TransitionConsentRequest(std::string_view id, ConsentRequestStatus from,
                                          ConsentRequestStatus to,
                                          const ConsentRequestEvent& event) = 0;

  // System register (SPEC §15). CreateSystem stores the system and its client ids in one
  // transaction: an existing system_id is Errc::kInvalidArgument "already exists"; a client id
  // already in another system (or twice in this one) is Errc::kInvalidArgument naming the client
  // id and the system holding it. Get returns the fields as created (lists in their order);
  // GetSystemForClient finds the one system whose client_ids hold `client_id`.
  // ListSystems: systems of `vendor_orgno` ("" lists all), ordered by system_id.
  virtual Status CreateSystem(const SystemRecord& system) = 0;
  virtual Result<std::optional<SystemRecord>> GetSystem(std::string_view system_id) = 0;
  virtual Result<std::optional<SystemRecord>> GetSystemForClient(std::string_view client_id) = 0;
  virtual Result<std::vector<SystemRecord>> ListSystems(std::string_view vendor_orgno) = 0;

  // System user requests (SPEC §15). Create: an existing id is Errc::kInvalidArgument "already
  // exists"; a system_id not in the register is Errc::kNotFound. FindSystemUserRequest returns the
  // newest request (by created, then id) for (system_id, party_orgno, external_ref), or none.
  virtual Status CreateSystemUserRequest(const SystemUserRequestRecord& request) = 0;
  virtual Result<std::optional<SystemUserRequestRecord>> GetSystemUserRequest(
      std::string_view id) = 0;
  virtual Result<std::optional<SystemUserRequestRecord>> FindSystemUserRequest(
      std::string_view system_id, std::string_view party_orgno, std::string_view external_ref) = 0;
  // The customer's answer, compare-and-set from kNew, in one transaction. Accept moves the request
  // to kAccepted with decided = user.created and system_user_id = user.id, and inserts `user`
  // (whose system_id, party_orgno and external_ref the caller copies from the request).
  // Reject moves it to kRejected with decided = at. Both: Errc::kNotFound when absent,
  // Errc::kInvalidArgument naming the status when it is not kNew; Accept also
  // Errc::kInvalidArgument "already exists" when a system user for the same (system_id,
  // party_orgno, external_ref) or with the same id exists (the request stays kNew).
  virtual Status AcceptSystemUserRequest(std::string_view request_id,
                                         const SystemUserRecord& user) = 0;
  virtual Status RejectSystemUserRequest(std::string_view request_id, int64_t at) = 0;

  // System users. FindSystemUser is the token endpoint's lookup (Altinn's byExternalId): the
  // system user of `party_orgno` on `system_id` with `external_ref`, or none. Delete removes it
  // (the customer's deletion; its request stays kAccepted): Errc::kNotFound when absent.
  // ListSystemUsers: of `system_id` ("" lists all), oldest first.
  virtual Result<std::optional<SystemUserRecord>> GetSystemUser(std::string_view id) = 0;
  virtual Result<std::optional<SystemUserRecord>> FindSystemUser(std::string_view system_id,
                                                                 std::string_view party_orgno,
                                                                 std::string_view external_ref) = 0;
  virtual Result<std::vector<SystemUserRecord>> ListSystemUsers(std::string_view system_id) = 0;
  virtual Status DeleteSystemUser(std::string_view id) = 0;

  // The samtykketoken signing key: none until the consent stand-in first starts. Add stores
  // `key` unless a key exists already, and returns the stored key either way (two processes
  // starting on one file agree on one key).
  virtual Result<std::optional<ConsentKeyRecord>> GetConsentKey() = 0;
  virtual Result<ConsentKeyRecord> AddConsentKeyIfAbsent(const ConsentKeyRecord& key) = 0;
};

struct SqliteStoreOptions {
  // A file path (created with mode 0600 and its directory when missing), or ":memory:".
  std::string path = ":memory:";
};
// Opens (and migrates: PRAGMA user_version) the SQLite registry: a new file, a 0-byte one, or
// one of ours (PRAGMA application_id, or an older unmarked registry with exactly our tables).
// Any other file is refused before anything in it changes. WAL mode and synchronous = FULL for
// files (docs/operations.md, "Durability"). Errc::kIoError names the path and what was found
// when the file cannot be opened or is not a registry.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options);

struct PostgresStoreOptions {
  // A libpq URL, postgresql://user[:password]@host[:port]/dbname[?param=value...], or a
  // key=value string. Messages and logs name it without the password (MaskedPostgresUrl).
  std::string url{};
  int pool_size = 4;  // connections at most; the server gives one per worker thread
  int connect_timeout_seconds = 5;
  int statement_timeout_ms = 10000;
  // After a failed connect, calls fail at once (Errc::kNetworkError) for a backoff that doubles
  // from 100 ms up to this, then the next call tries again.
  int max_backoff_ms = 5000;
};
// Opens the registry on PostgreSQL (several `serve` instances share it; SPEC §17) and migrates it
// (table maskinporten_schema; instances starting together migrate once, under an advisory lock).
// The same semantics and messages as the SQLite store. Errc::kNetworkError "<url>: PostgreSQL
// unavailable: ..." when the server cannot be reached, now or in any later call (each call then
// tries to reconnect, with backoff); Errc::kIoError for a database whose schema version is newer
// than this build's or any other server-side failure; kInvalidArgument for a bad URL.
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options);
// The URL without its password: "postgresql://user@host:port/dbname". kInvalidArgument when it is
// not a PostgreSQL URL.
Result<std::string> MaskedPostgresUrl(std::string_view url);
// true for "postgresql://..." and "postgres://..." (what --db takes for PostgreSQL).
bool IsPostgresUrl(std::string_view db);

// jti replay protection (SPEC §4.4 step 10). Claim is atomic: among concurrent claims of one key
// exactly one returns true. Entries expire at `expires_at` (Unix seconds): once
// expires_at <= now the key can be claimed again, and expired entries are dropped lazily.
class ReplayStore {
 public:
  virtual ~ReplayStore() = default;
  // true: newly claimed; false: already claimed and not expired at `now`. Errc::kInvalidArgument,
  // claiming nothing, when either time is outside 1970..2199 or expires_at <= now (a claim that
  // would be forgotten at once).
  virtual Result<bool> Claim(std::string_view key, int64_t expires_at, int64_t now) = 0;
  virtual Status Reset() = 0;  // forget everything (test control)
  // Whether the backend answers now (GET /health): OK, or the error a Claim would meet, naming
  // the backend ("redis 127.0.0.1:6379: Connection refused"). In-process stores are always up.
  virtual Status Probe() { return OkStatus(); }
};
// The rule every ReplayStore applies before it claims anything: both times in 1970..2199
// (core/checked.h) and expires_at after now; Errc::kInvalidArgument naming "replay" otherwise.
Status CheckReplayClaimTimes(int64_t expires_at, int64_t now);
// Sharded in-memory set (default); memory_replay_store.h has the class and its Size().
std::unique_ptr<ReplayStore> NewMemoryReplayStore();
// Kept in the same SQLite file as the registry (`serve --replay-store sqlite`), on its own
// connection with synchronous = NORMAL (claims survive a process crash; docs/operations.md,
// "Durability"); the file is judged as OpenSqliteStore judges it. ":memory:" gives a private
// in-memory database, not the registry's.
Result<std::unique_ptr<ReplayStore>> OpenSqliteReplayStore(const SqliteStoreOptions& options);

// A Hydra-style table in the PostgreSQL registry (`serve --replay-store postgres`): the key is
// the hex SHA-256 of the claim key, a claim is one INSERT ... ON CONFLICT, so it is atomic across
// every instance sharing the database; expired rows are swept every 1024 claims. Errors as
// OpenPostgresStore's.
Result<std::unique_ptr<ReplayStore>> OpenPostgresReplayStore(const PostgresStoreOptions& options);

std::string_view ScopeVisibilityName(ScopeVisibility v);  // "PUBLIC", "PRIVATE", "INTERNAL"
std::optional<ScopeVisibility> ParseScopeVisibility(std::string_view name);
std::string_view AccessStateName(AccessState s);  // "APPROVED", "REQUESTED", "DENIED"
std::optional<AccessState> ParseAccessState(std::string_view name);
std::string_view ConsentStatusName(ConsentStatus s);  // "Unopened", "Accepted", "Rejected"
std::optional<ConsentStatus> ParseConsentStatus(std::string_view name);
// "created", "accepted", "rejected", "revoked", "expired" (Altinn 3's lowercase names).
std::string_view ConsentRequestStatusName(ConsentRequestStatus s);
std::optional<ConsentRequestStatus> ParseConsentRequestStatus(std::string_view name);
// "New", "Accepted", "Rejected", "Denied" (Altinn's names).
std::string_view SystemUserRequestStatusName(SystemUserRequestStatus s);
std::optional<SystemUserRequestStatus> ParseSystemUserRequestStatus(std::string_view name);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_STORE_STORE_H_
