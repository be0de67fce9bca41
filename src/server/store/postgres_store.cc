// Store and ReplayStore on PostgreSQL (SPEC §17): a pool of connections (postgres.h), the same
// rows and messages as the SQLite store (store_records.h). A write is one statement (atomic on
// its own) or one transaction; a transaction that reads before it writes locks what it read
// (SELECT ... FOR UPDATE, or an advisory lock), so concurrent instances act as SQLite's single
// writer does.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/digest.h"
#include "core/strings.h"
#include "server/store/postgres.h"
#include "server/store/postgres_schema.h"
#include "server/store/store.h"
#include "server/store/store_records.h"

namespace mp::server {
namespace {

using pg::Bool;
using pg::Connection;
using pg::Int;
using pg::Params;
using pg::Rows;
using pg::RowView;
using pg::Text;
using records::AlreadyExists;
using records::BindClient;
using records::BindScope;
using records::kAccessColumns;
using records::kClientColumns;
using records::kConsentColumns;
using records::kRequestColumns;
using records::kScopeColumns;
using records::kSystemColumns;
using records::kSystemUserColumns;
using records::kSystemUserRequestColumns;
using records::NoClient;
using records::NoScope;
using records::RequireKey;

// Advisory lock taken by AddSigningKey, so two instances adding a current key at once leave
// exactly one current key. "MPSK".
constexpr int64_t kSigningKeyLock = 0x4d50534b;

// A row reader: the shared ones (store_records.h) and the small ones below; `where` names the
// database in messages.
template <typename T>
using Reader = Result<T> (*)(std::string_view where, const RowView& row);

template <typename T>
Result<std::vector<T>> ReadAll(std::string_view where, const Rows& rows, Reader<T> read) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    MP_ASSIGN_OR_RETURN(T item, read(where, rows.Row(i)));
    out.push_back(std::move(item));
  }
  return out;
}

template <typename T>
Result<std::optional<T>> ReadOne(std::string_view where, const Rows& rows, Reader<T> read) {
  if (rows.empty()) return std::optional<T>();
  MP_ASSIGN_OR_RETURN(T item, read(where, rows.Row(0)));
  return std::optional<T>(std::move(item));
}

Result<ConsentKeyRecord> ReadConsentKey(std::string_view, const RowView& r) {
  return ConsentKeyRecord{.kid = r.Text(0),
                          .private_pem = r.Text(1),
                          .certificate_pem = r.Text(2),
                          .created = r.Int(3)};
}

std::string Select(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string(columns) + " " + std::string(rest);
}

Status InsertRequestEvent(Connection& c, std::string_view id, int64_t position,
                          const ConsentRequestEvent& e) {
  MP_RETURN_IF_ERROR(RequireKey("event_id", e.event_id));
  return c
      .Query(
          "INSERT INTO consent_request_events (event_id, request_id, position, event_type, "
          "created, performed_by) VALUES ($1, $2, $3, $4, $5, $6)",
          {Text(e.event_id), Text(id), Int(position), Text(e.event_type), Int(e.created),
           Text(e.performed_by)})
      .status();
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  Status PutOrganization(const Organization& org) override {
    MP_RETURN_IF_ERROR(RequireKey("orgno", org.orgno));
    return Write(
               "INSERT INTO organizations (orgno, name) VALUES ($1, $2) "
               "ON CONFLICT (orgno) DO UPDATE SET name = excluded.name",
               Params().BindText(org.orgno).BindText(org.name))
        .status();
  }

  Result<std::vector<Organization>> ListOrganizations() override {
    return List<Organization>(
        "SELECT orgno, name FROM organizations ORDER BY orgno", Params(),
        [](std::string_view, const RowView& r) {
          return Result<Organization>(Organization{.orgno = r.Text(0), .name = r.Text(1)});
        });
  }

  Status CreateClient(const ClientRecord& c) override {
    MP_RETURN_IF_ERROR(RequireKey("client_id", c.client_id));
    Params params;
    BindClient(params, c).BindInt(c.created).BindInt(c.last_updated);
    MP_ASSIGN_OR_RETURN(int64_t changed,
                        Write("INSERT INTO clients (" + std::string(kClientColumns) +
                                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                                  "ON CONFLICT (client_id) DO NOTHING",
                              params));
    if (changed == 0) return AlreadyExists("client_id " + Quote(c.client_id));
    return OkStatus();
  }

  Status UpdateClient(const ClientRecord& c) override {
    Params params;
    BindClient(params, c).BindInt(c.last_updated);
    MP_ASSIGN_OR_RETURN(
        int64_t changed,
        Write("UPDATE clients SET client_name = $2, description = $3, integration_type = $4, "
              "token_endpoint_auth_method = $5, scopes = $6, client_orgno = $7, "
              "supplier_orgno = $8, access_token_lifetime = $9, active = $10, "
              "last_updated = $11 WHERE client_id = $1",
              params));
    if (changed == 0) return NoClient(c.client_id);
    return OkStatus();
  }

  Result<std::optional<ClientRecord>> GetClient(std::string_view client_id) override {
    return One<ClientRecord>(Select(kClientColumns, "FROM clients WHERE client_id = $1"),
                             Params().BindText(client_id), &records::ReadClient<RowView>);
  }

  Result<std::vector<ClientRecord>> ListClients(std::string_view orgno,
                                                bool include_inactive) override {
    return List<ClientRecord>(Select(kClientColumns,
                                     "FROM clients WHERE ($1 = '' OR client_orgno = $1) "
                                     "AND ($2 OR active) ORDER BY created, client_id"),
                              Params().BindText(orgno).BindBool(include_inactive),
                              &records::ReadClient<RowView>);
  }

  Status ReplaceClientKeys(std::string_view client_id, const std::vector<ClientKey>& keys,
                           int64_t now) override {
    return pool_->Transaction([&](Connection& c) -> Status {
      // The client row lock orders concurrent replacements of one set.
      MP_ASSIGN_OR_RETURN(
          Rows known,
          c.Query("SELECT 1 FROM clients WHERE client_id = $1 FOR UPDATE", {Text(client_id)}));
      if (known.empty()) return NoClient(client_id);
      std::set<std::string_view> kids;
      for (const ClientKey& key : keys) {
        if (!kids.insert(key.kid).second) {
          return Status(
              Errc::kInvalidArgument,
              "kid " + Quote(key.kid) + " appears twice in the keys of client " + Quote(client_id));
        }
      }
      MP_RETURN_IF_ERROR(c.Query("INSERT INTO client_jwks (client_id, created, last_updated) "
                                 "VALUES ($1, $2, $2) ON CONFLICT (client_id) DO UPDATE "
                                 "SET last_updated = excluded.last_updated",
                                 {Text(client_id), Int(now)})
                             .status());
      MP_RETURN_IF_ERROR(
          c.Query("DELETE FROM client_keys WHERE client_id = $1", {Text(client_id)}).status());
      for (size_t i = 0; i < keys.size(); ++i) {
        const ClientKey& key = keys[i];
        MP_RETURN_IF_ERROR(c.Query("INSERT INTO client_keys "
                                   "(client_id, kid, position, jwk_json, created) "
                                   "VALUES ($1, $2, $3, $4, $5)",
                                   {Text(client_id), Text(key.kid), Int(static_cast<int64_t>(i)),
                                    Text(key.jwk_json), Int(key.created)})
                               .status());
      }
      return OkStatus();
    });
  }

  Result<ClientJwks> GetClientKeys(std::string_view client_id) override {
    ClientJwks jwks;
    // One snapshot for both reads.
    MP_RETURN_IF_ERROR(pool_->Run([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(
          Rows rows, c.Query("SELECT j.created, j.last_updated, k.kid, k.jwk_json, k.created, "
                             "k.position IS NULL "
                             "FROM clients c LEFT JOIN client_jwks j USING (client_id) "
                             "LEFT JOIN client_keys k USING (client_id) WHERE c.client_id = $1 "
                             "ORDER BY k.position",
                             {Text(client_id)}));
      if (rows.empty()) return NoClient(client_id);
      jwks.created = rows.Int(0, 0);
      jwks.last_updated = rows.Int(0, 1);
      for (int i = 0; i < rows.size(); ++i) {
        if (rows.Bool(i, 5)) continue;  // no keys: the one row of the client, keys NULL
        jwks.keys.push_back(ClientKey{
            .kid = rows.Text(i, 2), .jwk_json = rows.Text(i, 3), .created = rows.Int(i, 4)});
      }
      return OkStatus();
    }));
    return jwks;
  }

  Status CreateScope(const ScopeRecord& s) override {
    MP_RETURN_IF_ERROR(RequireKey("scope name", s.name));
    Params params;
    BindScope(params, s).BindInt(s.created).BindInt(s.last_updated);
    MP_ASSIGN_OR_RETURN(
        int64_t changed,
        Write("INSERT INTO scopes (" + std::string(kScopeColumns) +
                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
                  "ON CONFLICT (name) DO NOTHING",
              params));
    if (changed == 0) return AlreadyExists("scope " + Quote(s.name));
    return OkStatus();
  }

  Status UpdateScope(const ScopeRecord& s) override {
    Params params;
    BindScope(params, s).BindInt(s.last_updated);
    MP_ASSIGN_OR_RETURN(
        int64_t changed,
        Write("UPDATE scopes SET prefix = $2, subscope = $3, description = $4, "
              "long_description = $5, owner_orgno = $6, active = $7, visibility = $8, "
              "allowed_integration_types = $9, accessible_for_all = $10, at_max_age = $11, "
              "delegation_source = $12, last_updated = $13 WHERE name = $1",
              params));
    if (changed == 0) return NoScope(s.name);
    return OkStatus();
  }

  Result<std::optional<ScopeRecord>> GetScope(std::string_view name) override {
    return One<ScopeRecord>(Select(kScopeColumns, "FROM scopes WHERE name = $1"),
                            Params().BindText(name), &records::ReadScope<RowView>);
  }

  Result<std::vector<ScopeRecord>> ListScopes(std::string_view owner_orgno,
                                              bool include_inactive) override {
    return List<ScopeRecord>(Select(kScopeColumns,
                                    "FROM scopes WHERE ($1 = '' OR owner_orgno = $1) "
                                    "AND ($2 OR active) ORDER BY name"),
                             Params().BindText(owner_orgno).BindBool(include_inactive),
                             &records::ReadScope<RowView>);
  }

  Status PutAccess(const ScopeAccess& a) override {
    MP_RETURN_IF_ERROR(RequireKey("consumer_orgno", a.consumer_orgno));
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(
          Rows known, c.Query("SELECT 1 FROM scopes WHERE name = $1 FOR SHARE", {Text(a.scope)}));
      if (known.empty()) return NoScope(a.scope);
      return c
          .Query("INSERT INTO scope_access (" + std::string(kAccessColumns) +
                     ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, consumer_orgno) "
                     "DO UPDATE SET owner_orgno = excluded.owner_orgno, state = excluded.state, "
                     "last_updated = excluded.last_updated",
                 {Text(a.scope), Text(a.consumer_orgno), Text(a.owner_orgno),
                  Text(AccessStateName(a.state)), Int(a.created), Int(a.last_updated)})
          .status();
    });
  }

  Status DeleteAccess(std::string_view scope, std::string_view consumer_orgno) override {
    MP_ASSIGN_OR_RETURN(int64_t changed,
                        Write("DELETE FROM scope_access WHERE scope = $1 AND consumer_orgno = $2",
                              Params().BindText(scope).BindText(consumer_orgno)));
    if (changed == 0) {
      return Status(Errc::kNotFound,
                    "no access to scope " + Quote(scope) + " for " + std::string(consumer_orgno));
    }
    return OkStatus();
  }

  Result<std::optional<ScopeAccess>> GetAccess(std::string_view scope,
                                               std::string_view consumer_orgno) override {
    return One<ScopeAccess>(
        Select(kAccessColumns, "FROM scope_access WHERE scope = $1 AND consumer_orgno = $2"),
        Params().BindText(scope).BindText(consumer_orgno), &records::ReadAccess<RowView>);
  }

  Result<std::vector<ScopeAccess>> ListAccessForScope(std::string_view scope) override {
    return List<ScopeAccess>(
        Select(kAccessColumns, "FROM scope_access WHERE scope = $1 ORDER BY consumer_orgno"),
        Params().BindText(scope), &records::ReadAccess<RowView>);
  }

  Result<std::vector<ScopeAccess>> ListAccessForConsumer(std::string_view orgno) override {
    return List<ScopeAccess>(
        Select(kAccessColumns, "FROM scope_access WHERE consumer_orgno = $1 ORDER BY scope"),
        Params().BindText(orgno), &records::ReadAccess<RowView>);
  }

  Status PutDelegation(const Delegation& d) override {
    return Write(
               "INSERT INTO delegations (consumer_orgno, supplier_orgno, scope, created) "
               "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
               Params()
                   .BindText(d.consumer_orgno)
                   .BindText(d.supplier_orgno)
                   .BindText(d.scope)
                   .BindInt(d.created))
        .status();
  }

  Status DeleteDelegation(const Delegation& d) override {
    MP_ASSIGN_OR_RETURN(
        int64_t changed,
        Write("DELETE FROM delegations WHERE consumer_orgno = $1 AND supplier_orgno = $2 "
              "AND scope = $3",
              Params().BindText(d.consumer_orgno).BindText(d.supplier_orgno).BindText(d.scope)));
    if (changed == 0) {
      return Status(Errc::kNotFound, "no delegation of scope " + Quote(d.scope) + " from " +
                                         d.consumer_orgno + " to " + d.supplier_orgno);
    }
    return OkStatus();
  }

  Result<bool> HasDelegation(std::string_view consumer_orgno, std::string_view supplier_orgno,
                             std::string_view scope) override {
    bool found = false;
    MP_RETURN_IF_ERROR(pool_->Run([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(Rows rows,
                          c.Query("SELECT 1 FROM delegations WHERE consumer_orgno = $1 "
                                  "AND supplier_orgno = $2 AND scope = $3",
                                  {Text(consumer_orgno), Text(supplier_orgno), Text(scope)}));
      found = !rows.empty();
      return OkStatus();
    }));
    return found;
  }

  Result<std::vector<Delegation>> ListDelegations(std::string_view orgno) override {
    return List<Delegation>(
        "SELECT consumer_orgno, supplier_orgno, scope, created FROM delegations "
        "WHERE $1 = '' OR consumer_orgno = $1 OR supplier_orgno = $1 "
        "ORDER BY consumer_orgno, supplier_orgno, scope",
        Params().BindText(orgno), [](std::string_view, const RowView& r) {
          return Result<Delegation>(Delegation{.consumer_orgno = r.Text(0),
                                               .supplier_orgno = r.Text(1),
                                               .scope = r.Text(2),
                                               .created = r.Int(3)});
        });
  }

  Status AddSigningKey(const SigningKeyRecord& key) override {
    MP_RETURN_IF_ERROR(RequireKey("signing key kid", key.kid));
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_RETURN_IF_ERROR(
          c.Query("SELECT pg_advisory_xact_lock($1)", {Int(kSigningKeyLock)}).status());
      MP_ASSIGN_OR_RETURN(
          Rows inserted,
          c.Query("INSERT INTO signing_keys (kid, private_pem, created, current) "
                  "VALUES ($1, $2, $3, $4) ON CONFLICT (kid) DO NOTHING",
                  {Text(key.kid), Text(key.private_pem), Int(key.created), Bool(key.current)}));
      if (inserted.affected() == 0) return AlreadyExists("signing key kid " + Quote(key.kid));
      if (!key.current) return OkStatus();
      // Exactly one current key: the new one.
      return c
          .Query("UPDATE signing_keys SET current = false WHERE current AND kid <> $1",
                 {Text(key.kid)})
          .status();
    });
  }

  Result<std::vector<SigningKeyRecord>> ListSigningKeys() override {
    return List<SigningKeyRecord>(
        "SELECT kid, private_pem, created, current FROM signing_keys ORDER BY created, kid",
        Params(), [](std::string_view, const RowView& r) {
          return Result<SigningKeyRecord>(SigningKeyRecord{.kid = r.Text(0),
                                                           .private_pem = r.Text(1),
                                                           .created = r.Int(2),
                                                           .current = r.Bool(3)});
        });
  }

  Status PruneSigningKeys(int64_t before) override {
    return Write("DELETE FROM signing_keys WHERE NOT current AND created < $1",
                 Params().BindInt(before))
        .status();
  }

  Status CreateConsent(const ConsentRecord& c) override {
    MP_RETURN_IF_ERROR(RequireKey("authorization_code", c.authorization_code));
    MP_ASSIGN_OR_RETURN(
        int64_t changed,
        Write("INSERT INTO consents (" + std::string(kConsentColumns) +
                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                  "ON CONFLICT (authorization_code) DO NOTHING",
              ConsentParams(c)));
    if (changed == 0) return AlreadyExists("consent " + Quote(c.authorization_code));
    return OkStatus();
  }

  Result<std::optional<ConsentRecord>> GetConsent(std::string_view code) override {
    return One<ConsentRecord>(
        Select(kConsentColumns, "FROM consents WHERE authorization_code = $1"),
        Params().BindText(code), &records::ReadConsent<RowView>);
  }

  Status DecideConsent(std::string_view code, ConsentStatus decision, int64_t at) override {
    if (decision == ConsentStatus::kUnopened) {
      return Status(Errc::kInvalidArgument, "a consent can only be decided Accepted or Rejected");
    }
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(
          Rows read, c.Query("SELECT status FROM consents WHERE authorization_code = $1 FOR UPDATE",
                             {Text(code)}));
      if (read.empty()) return Status(Errc::kNotFound, "no consent " + Quote(code));
      const std::string status = read.Text(0, 0);
      if (status != ConsentStatusName(ConsentStatus::kUnopened)) {
        return Status(Errc::kInvalidArgument,
                      "consent " + Quote(code) + " is " + status + ", not Unopened");
      }
      return c
          .Query("UPDATE consents SET status = $2, decided = $3 WHERE authorization_code = $1",
                 {Text(code), Text(ConsentStatusName(decision)), Int(at)})
          .status();
    });
  }

  Result<std::vector<ConsentRecord>> ListConsents(std::string_view orgno) override {
    return List<ConsentRecord>(Select(kConsentColumns,
                                      "FROM consents WHERE $1 = '' OR covered_by = $1 "
                                      "OR handled_by = $1 ORDER BY created, authorization_code"),
                               Params().BindText(orgno), &records::ReadConsent<RowView>);
  }

  Status CreateConsentRequest(const ConsentRequestRecord& r) override {
    MP_RETURN_IF_ERROR(RequireKey("consent request id", r.id));
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(
          Rows inserted,
          c.Query("INSERT INTO consent_requests (" + std::string(kRequestColumns) +
                      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                      "ON CONFLICT (id) DO NOTHING",
                  RequestParams(r)));
      if (inserted.affected() == 0) return AlreadyExists("consent request " + Quote(r.id));
      for (size_t i = 0; i < r.events.size(); ++i) {
        MP_RETURN_IF_ERROR(InsertRequestEvent(c, r.id, static_cast<int64_t>(i), r.events[i]));
      }
      return OkStatus();
    });
  }

  Result<std::optional<ConsentRequestRecord>> GetConsentRequest(std::string_view id) override {
    std::optional<ConsentRequestRecord> out;
    // The request and its events from one snapshot.
    MP_RETURN_IF_ERROR(Snapshot([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(
          Rows rows,
          c.Query(Select(kRequestColumns, "FROM consent_requests WHERE id = $1"), {Text(id)}));
      MP_ASSIGN_OR_RETURN(out, ReadOne<ConsentRequestRecord>(
                                   pool_->where(), rows, &records::ReadConsentRequest<RowView>));
      if (!out) return OkStatus();
      MP_ASSIGN_OR_RETURN(Rows events,
                          c.Query("SELECT event_id, event_type, created, performed_by FROM "
                                  "consent_request_events WHERE request_id = $1 ORDER BY position",
                                  {Text(id)}));
      MP_ASSIGN_OR_RETURN(
          out->events,
          ReadAll<ConsentRequestEvent>(
              pool_->where(), events, [](std::string_view, const RowView& r) {
                return Result<ConsentRequestEvent>(ConsentRequestEvent{.event_id = r.Text(0),
                                                                       .event_type = r.Text(1),
                                                                       .created = r.Int(2),
                                                                       .performed_by = r.Text(3)});
              }));
      return OkStatus();
    }));
    return out;
  }

  Status TransitionConsentRequest(std::string_view id, ConsentRequestStatus from,
                                  ConsentRequestStatus to,
                                  const ConsentRequestEvent& event) override {
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(
          Rows read,
          c.Query("SELECT status FROM consent_requests WHERE id = $1 FOR UPDATE", {Text(id)}));
      if (read.empty()) return Status(Errc::kNotFound, "no consent request " + Quote(id));
      const std::string status = read.Text(0, 0);
      if (status != ConsentRequestStatusName(from)) {
        return Status(Errc::kInvalidArgument, "consent request " + Quote(id) + " is " + status +
                                                  ", not " +
                                                  std::string(ConsentRequestStatusName(from)));
      }
      MP_ASSIGN_OR_RETURN(
          Rows count,
          c.Query("SELECT count(*) FROM consent_request_events WHERE request_id = $1", {Text(id)}));
      MP_RETURN_IF_ERROR(
          c.Query("UPDATE consent_requests SET status = $2, "
                  "consented = CASE WHEN $3 THEN $4 ELSE consented END WHERE id = $1",
                  {Text(id), Text(ConsentRequestStatusName(to)),
                   Bool(to == ConsentRequestStatus::kAccepted), Int(event.created)})
              .status());
      return InsertRequestEvent(c, id, count.Int(0, 0), event);
    });
  }

  Status CreateSystem(const SystemRecord& sys) override {
    MP_RETURN_IF_ERROR(RequireKey("system_id", sys.system_id));
    for (const std::string& client_id : sys.client_ids) {
      MP_RETURN_IF_ERROR(RequireKey("client id", client_id));
    }
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(Rows inserted,
                          c.Query("INSERT INTO systems (" + std::string(kSystemColumns) +
                                      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                                      "ON CONFLICT (system_id) DO NOTHING",
                                  SystemParams(sys)));
      if (inserted.affected() == 0) return AlreadyExists("system " + Quote(sys.system_id));
      for (size_t i = 0; i < sys.client_ids.size(); ++i) {
        // ON CONFLICT rather than a look first: a client id claimed by another instance at the
        // same moment is found here too.
        MP_ASSIGN_OR_RETURN(
            Rows claimed,
            c.Query("INSERT INTO system_clients (client_id, system_id, position) "
                    "VALUES ($1, $2, $3) ON CONFLICT (client_id) DO NOTHING",
                    {Text(sys.client_ids[i]), Text(sys.system_id), Int(static_cast<int64_t>(i))}));
        if (claimed.affected() == 1) continue;
        MP_ASSIGN_OR_RETURN(Rows holder,
                            c.Query("SELECT system_id FROM system_clients WHERE client_id = $1",
                                    {Text(sys.client_ids[i])}));
        return records::ClientIdTaken(sys.client_ids[i], holder.empty() ? "" : holder.Text(0, 0));
      }
      return OkStatus();
    });
  }

  Result<std::optional<SystemRecord>> GetSystem(std::string_view system_id) override {
    return ReadSystemWhere("system_id = $1", system_id);
  }

  Result<std::optional<SystemRecord>> GetSystemForClient(std::string_view client_id) override {
    return ReadSystemWhere(
        "system_id = (SELECT system_id FROM system_clients WHERE client_id = $1)", client_id);
  }

  Result<std::vector<SystemRecord>> ListSystems(std::string_view vendor_orgno) override {
    std::vector<SystemRecord> out;
    MP_RETURN_IF_ERROR(Snapshot([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(Rows rows,
                          c.Query(Select(kSystemColumns,
                                         "FROM systems WHERE $1 = '' OR vendor_orgno = $1 "
                                         "ORDER BY system_id"),
                                  {Text(vendor_orgno)}));
      MP_ASSIGN_OR_RETURN(
          out, ReadAll<SystemRecord>(pool_->where(), rows, &records::ReadSystem<RowView>));
      for (SystemRecord& sys : out) {
        MP_ASSIGN_OR_RETURN(sys.client_ids, ReadSystemClients(c, sys.system_id));
      }
      return OkStatus();
    }));
    return out;
  }

  Status CreateSystemUserRequest(const SystemUserRequestRecord& r) override {
    MP_RETURN_IF_ERROR(RequireKey("system user request id", r.id));
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(
          Rows system,
          c.Query("SELECT 1 FROM systems WHERE system_id = $1 FOR SHARE", {Text(r.system_id)}));
      if (system.empty()) return records::NoSystem(r.system_id);
      MP_ASSIGN_OR_RETURN(
          Rows inserted,
          c.Query("INSERT INTO system_user_requests (" + std::string(kSystemUserRequestColumns) +
                      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                      "ON CONFLICT (id) DO NOTHING",
                  SystemUserRequestParams(r)));
      if (inserted.affected() == 0) return AlreadyExists("system user request " + Quote(r.id));
      return OkStatus();
    });
  }

  Result<std::optional<SystemUserRequestRecord>> GetSystemUserRequest(
      std::string_view id) override {
    return One<SystemUserRequestRecord>(
        Select(kSystemUserRequestColumns, "FROM system_user_requests WHERE id = $1"),
        Params().BindText(id), &records::ReadSystemUserRequest<RowView>);
  }

  Result<std::optional<SystemUserRequestRecord>> FindSystemUserRequest(
      std::string_view system_id, std::string_view party_orgno,
      std::string_view external_ref) override {
    return One<SystemUserRequestRecord>(
        Select(kSystemUserRequestColumns,
               "FROM system_user_requests WHERE system_id = $1 AND party_orgno = $2 AND "
               "external_ref = $3 ORDER BY created DESC, id DESC LIMIT 1"),
        Params().BindText(system_id).BindText(party_orgno).BindText(external_ref),
        &records::ReadSystemUserRequest<RowView>);
  }

  Status AcceptSystemUserRequest(std::string_view request_id,
                                 const SystemUserRecord& user) override {
    MP_RETURN_IF_ERROR(RequireKey("system user id", user.id));
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_RETURN_IF_ERROR(RequireNewRequest(c, request_id));
      MP_ASSIGN_OR_RETURN(
          Rows inserted, c.Query("INSERT INTO system_users (" + std::string(kSystemUserColumns) +
                                     ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                                 SystemUserParams(user)));
      if (inserted.affected() == 0) return records::SystemUserExists(user);
      return c
          .Query(
              "UPDATE system_user_requests SET status = $2, decided = $3, system_user_id = $4 "
              "WHERE id = $1",
              {Text(request_id),
               Text(SystemUserRequestStatusName(SystemUserRequestStatus::kAccepted)),
               Int(user.created), Text(user.id)})
          .status();
    });
  }

  Status RejectSystemUserRequest(std::string_view request_id, int64_t at) override {
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_RETURN_IF_ERROR(RequireNewRequest(c, request_id));
      return c
          .Query("UPDATE system_user_requests SET status = $2, decided = $3 WHERE id = $1",
                 {Text(request_id),
                  Text(SystemUserRequestStatusName(SystemUserRequestStatus::kRejected)), Int(at)})
          .status();
    });
  }

  Result<std::optional<SystemUserRecord>> GetSystemUser(std::string_view id) override {
    return One<SystemUserRecord>(Select(kSystemUserColumns, "FROM system_users WHERE id = $1"),
                                 Params().BindText(id), &records::ReadSystemUser<RowView>);
  }

  Result<std::optional<SystemUserRecord>> FindSystemUser(std::string_view system_id,
                                                         std::string_view party_orgno,
                                                         std::string_view external_ref) override {
    return One<SystemUserRecord>(
        Select(kSystemUserColumns,
               "FROM system_users WHERE system_id = $1 AND party_orgno = $2 AND "
               "external_ref = $3"),
        Params().BindText(system_id).BindText(party_orgno).BindText(external_ref),
        &records::ReadSystemUser<RowView>);
  }

  Result<std::vector<SystemUserRecord>> ListSystemUsers(std::string_view system_id) override {
    return List<SystemUserRecord>(Select(kSystemUserColumns,
                                         "FROM system_users WHERE $1 = '' OR system_id = $1 "
                                         "ORDER BY created, id"),
                                  Params().BindText(system_id), &records::ReadSystemUser<RowView>);
  }

  Status DeleteSystemUser(std::string_view id) override {
    MP_ASSIGN_OR_RETURN(int64_t changed,
                        Write("DELETE FROM system_users WHERE id = $1", Params().BindText(id)));
    if (changed == 0) return Status(Errc::kNotFound, "no system user " + Quote(id));
    return OkStatus();
  }

  Result<std::optional<ConsentKeyRecord>> GetConsentKey() override {
    return One<ConsentKeyRecord>(
        "SELECT kid, private_pem, certificate_pem, created FROM consent_key", Params(),
        &ReadConsentKey);
  }

  Result<ConsentKeyRecord> AddConsentKeyIfAbsent(const ConsentKeyRecord& key) override {
    MP_RETURN_IF_ERROR(RequireKey("consent key kid", key.kid));
    std::optional<ConsentKeyRecord> stored;
    MP_RETURN_IF_ERROR(pool_->Transaction([&](Connection& c) -> Status {
      MP_RETURN_IF_ERROR(
          c.Query(
               "INSERT INTO consent_key (id, kid, private_pem, certificate_pem, created) "
               "VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
               {Text(key.kid), Text(key.private_pem), Text(key.certificate_pem), Int(key.created)})
              .status());
      MP_ASSIGN_OR_RETURN(
          Rows rows, c.Query("SELECT kid, private_pem, certificate_pem, created FROM consent_key"));
      MP_ASSIGN_OR_RETURN(stored, ReadOne<ConsentKeyRecord>(pool_->where(), rows, &ReadConsentKey));
      return OkStatus();
    }));
    if (!stored) return Status(Errc::kInternal, pool_->where() + ": consent key vanished");
    return *stored;
  }

 private:
  // Parameters from the shared binders (store_records.h).
  template <typename Record>
  static Params ParamsOf(const Record& record, Params& (*bind)(Params&, const Record&)) {
    Params params;
    bind(params, record);
    return params;
  }
  static Params ConsentParams(const ConsentRecord& c) {
    return ParamsOf(c, &records::BindConsent<Params>);
  }
  static Params RequestParams(const ConsentRequestRecord& r) {
    return ParamsOf(r, &records::BindConsentRequest<Params>);
  }
  static Params SystemParams(const SystemRecord& s) {
    return ParamsOf(s, &records::BindSystem<Params>);
  }
  static Params SystemUserRequestParams(const SystemUserRequestRecord& r) {
    return ParamsOf(r, &records::BindSystemUserRequest<Params>);
  }
  static Params SystemUserParams(const SystemUserRecord& u) {
    return ParamsOf(u, &records::BindSystemUser<Params>);
  }
  static Result<std::vector<std::string>> ReadSystemClients(Connection& c,
                                                            std::string_view system_id) {
    MP_ASSIGN_OR_RETURN(Rows rows, c.Query("SELECT client_id FROM system_clients "
                                           "WHERE system_id = $1 ORDER BY position",
                                           {Text(system_id)}));
    std::vector<std::string> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Text(i, 0));
    return out;
  }
  // The system matching `where` (our constant SQL, one parameter $1) with its client ids.
  Result<std::optional<SystemRecord>> ReadSystemWhere(std::string_view where,
                                                      std::string_view key) {
    std::optional<SystemRecord> out;
    MP_RETURN_IF_ERROR(Snapshot([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(
          Rows rows,
          c.Query(Select(kSystemColumns, "FROM systems WHERE " + std::string(where)), {Text(key)}));
      MP_ASSIGN_OR_RETURN(
          out, ReadOne<SystemRecord>(pool_->where(), rows, &records::ReadSystem<RowView>));
      if (!out) return OkStatus();
      MP_ASSIGN_OR_RETURN(out->client_ids, ReadSystemClients(c, out->system_id));
      return OkStatus();
    }));
    return out;
  }
  // Inside a transaction: locks request `id`; kNotFound when absent, kInvalidArgument when it is
  // not New.
  static Status RequireNewRequest(Connection& c, std::string_view id) {
    MP_ASSIGN_OR_RETURN(
        Rows read,
        c.Query("SELECT status FROM system_user_requests WHERE id = $1 FOR UPDATE", {Text(id)}));
    if (read.empty()) return Status(Errc::kNotFound, "no system user request " + Quote(id));
    return records::RequireRequestStatus(id, read.Text(0, 0));
  }

  // A REPEATABLE READ transaction: several reads from one snapshot.
  Status Snapshot(const std::function<Status(Connection&)>& body) {
    return pool_->Transaction([&](Connection& c) -> Status {
      MP_RETURN_IF_ERROR(c.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
      return body(c);
    });
  }

  // One statement, atomic on its own (autocommit): the rows it changed.
  Result<int64_t> Write(const std::string& sql, const Params& params) {
    int64_t changed = 0;
    MP_RETURN_IF_ERROR(pool_->Run([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(Rows rows, c.Query(sql, params));
      changed = rows.affected();
      return OkStatus();
    }));
    return changed;
  }

  template <typename T>
  Result<std::vector<T>> List(const std::string& sql, const Params& params, Reader<T> read) {
    std::vector<T> out;
    MP_RETURN_IF_ERROR(pool_->Run([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(Rows rows, c.Query(sql, params));
      MP_ASSIGN_OR_RETURN(out, ReadAll<T>(pool_->where(), rows, read));
      return OkStatus();
    }));
    return out;
  }

  template <typename T>
  Result<std::optional<T>> One(const std::string& sql, const Params& params, Reader<T> read) {
    std::optional<T> out;
    MP_RETURN_IF_ERROR(pool_->Run([&](Connection& c) -> Status {
      MP_ASSIGN_OR_RETURN(Rows rows, c.Query(sql, params));
      MP_ASSIGN_OR_RETURN(out, ReadOne<T>(pool_->where(), rows, read));
      return OkStatus();
    }));
    return out;
  }

  std::unique_ptr<pg::Pool> pool_;
};

// The replay table of the registry schema (SPEC §17, Hydra's jti table): the key stored is the
// hex SHA-256 of the claim key, so rows have one size and no jti text.
class PostgresReplayStore final : public ReplayStore {
 public:
  explicit PostgresReplayStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  Result<bool> Claim(std::string_view key, int64_t expires_at, int64_t now) override {
    MP_RETURN_IF_ERROR(CheckReplayClaimTimes(expires_at, now));
    const bool purge = claims_.fetch_add(1, std::memory_order_relaxed) % kPurgeEvery == 0;
    bool claimed = false;
    MP_RETURN_IF_ERROR(pool_->Run([&](Connection& c) -> Status {
      if (purge) {
        MP_RETURN_IF_ERROR(
            c.Query("DELETE FROM replay WHERE expires_at <= $1", {Int(now)}).status());
      }
      // One statement, atomic across instances: a live row is left alone (0 rows: replay); a
      // missing or expired one is (re)claimed (1 row).
      MP_ASSIGN_OR_RETURN(
          Rows rows, c.Query("INSERT INTO replay (key, expires_at) VALUES ($1, $2) "
                             "ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at "
                             "WHERE replay.expires_at <= $3",
                             {Text(Sha256Hex(key)), Int(expires_at), Int(now)}));
      claimed = rows.affected() == 1;
      return OkStatus();
    }));
    return claimed;
  }

  Status Reset() override {
    return pool_->Run([](Connection& c) { return c.Exec("DELETE FROM replay"); });
  }

  Status Probe() override {
    return pool_->Run([](Connection& c) { return c.Query("SELECT 1").status(); });
  }

 private:
  static constexpr uint64_t kPurgeEvery = 1024;

  std::unique_ptr<pg::Pool> pool_;
  std::atomic<uint64_t> claims_{1};
};

Result<std::unique_ptr<pg::Pool>> OpenMigratedPool(const PostgresStoreOptions& options) {
  MP_ASSIGN_OR_RETURN(
      std::unique_ptr<pg::Pool> pool,
      pg::Pool::Open({.url = options.url,
                      .size = options.pool_size,
                      .connect_timeout_seconds = options.connect_timeout_seconds,
                      .statement_timeout_ms = options.statement_timeout_ms,
                      .max_backoff = std::chrono::milliseconds(options.max_backoff_ms)}));
  MP_RETURN_IF_ERROR(pool->Migrate(PostgresMigrations()));
  return pool;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options) {
  MP_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, OpenMigratedPool(options));
  return std::unique_ptr<Store>(std::make_unique<PostgresStore>(std::move(pool)));
}

Result<std::unique_ptr<ReplayStore>> OpenPostgresReplayStore(const PostgresStoreOptions& options) {
  MP_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool, OpenMigratedPool(options));
  return std::unique_ptr<ReplayStore>(std::make_unique<PostgresReplayStore>(std::move(pool)));
}

}  // namespace mp::server
