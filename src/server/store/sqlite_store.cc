// Store on SQLite: one connection guarded by a Mutex, statements prepared once and cached.
// Writes run in BEGIN IMMEDIATE transactions, so a failed call leaves every table as it was.

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/mutex.h"
#include "core/strings.h"
#include "server/store/schema.h"
#include "server/store/sqlite.h"
#include "server/store/store.h"
#include "server/store/store_records.h"

namespace mp::server {
namespace {

using sqlite::Connection;
using sqlite::Statement;

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

// The shared readers (store_records.h), in the shape ReadAll and ReadOne call.
Result<ClientRecord> ReadClient(const Connection& db, const Statement& row) {
  return records::ReadClient(db.path(), row);
}
Result<ScopeRecord> ReadScope(const Connection& db, const Statement& row) {
  return records::ReadScope(db.path(), row);
}
Result<ScopeAccess> ReadAccess(const Connection& db, const Statement& row) {
  return records::ReadAccess(db.path(), row);
}
Result<ConsentRecord> ReadConsent(const Connection& db, const Statement& row) {
  return records::ReadConsent(db.path(), row);
}
Result<ConsentRequestRecord> ReadConsentRequest(const Connection& db, const Statement& row) {
  return records::ReadConsentRequest(db.path(), row);
}

Status InsertRequestEvent(Connection& db, std::string_view id, int64_t position,
                          const ConsentRequestEvent& e) {
  MP_RETURN_IF_ERROR(RequireKey("event_id", e.event_id));
  MP_ASSIGN_OR_RETURN(Statement stmt,
                      db.Prepare("INSERT INTO consent_request_events (event_id, request_id, "
                                 "position, event_type, created, performed_by) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  return stmt.BindText(e.event_id)
      .BindText(id)
      .BindInt(position)
      .BindText(e.event_type)
      .BindInt(e.created)
      .BindText(e.performed_by)
      .Run();
}

// The shared system readers (store_records.h), in the shape ReadAll and ReadOne call.
Result<SystemRecord> ReadSystem(const Connection& db, const Statement& row) {
  return records::ReadSystem(db.path(), row);
}
Result<SystemUserRequestRecord> ReadSystemUserRequest(const Connection& db, const Statement& row) {
  return records::ReadSystemUserRequest(db.path(), row);
}
Result<SystemUserRecord> ReadSystemUser(const Connection& db, const Statement& row) {
  return records::ReadSystemUser(db.path(), row);
}

// Runs a bound query and reads every row with `read`.
template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(const Connection& db, Statement& stmt, Reader read) {
  std::vector<T> out;
  while (true) {
    MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    MP_ASSIGN_OR_RETURN(T item, read(db, stmt));
    out.push_back(std::move(item));
  }
}

// At most one row.
template <typename T, typename Reader>
Result<std::optional<T>> ReadOne(const Connection& db, Statement& stmt, Reader read) {
  MP_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<T>();
  MP_ASSIGN_OR_RETURN(T item, read(db, stmt));
  return std::optional<T>(std::move(item));
}

Result<bool> Exists(Connection& db, std::string_view sql, std::string_view key) {
  MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql));
  stmt.BindText(key);
  return stmt.Step();
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Status PutOrganization(const Organization& org) override {
    MP_RETURN_IF_ERROR(RequireKey("orgno", org.orgno));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement stmt,
                          db.Prepare("INSERT INTO organizations (orgno, name) VALUES (?1, ?2) "
                                     "ON CONFLICT (orgno) DO UPDATE SET name = excluded.name"));
      return stmt.BindText(org.orgno).BindText(org.name).Run();
    });
  }

  Result<std::vector<Organization>> ListOrganizations() override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT orgno, name FROM organizations ORDER BY orgno"));
    return ReadAll<Organization>(db, stmt, [](const Connection&, const Statement& row) {
      return Result<Organization>(Organization{.orgno = row.Text(0), .name = row.Text(1)});
    });
  }

  Status CreateClient(const ClientRecord& c) override {
    MP_RETURN_IF_ERROR(RequireKey("client_id", c.client_id));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement stmt,
                          db.Prepare("INSERT INTO clients (" + std::string(kClientColumns) +
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                                     "ON CONFLICT (client_id) DO NOTHING"));
      MP_RETURN_IF_ERROR(BindClient(stmt, c).BindInt(c.created).BindInt(c.last_updated).Run());
      if (db.Changes() == 0) {
        return AlreadyExists("client_id " + Quote(c.client_id));
      }
      return OkStatus();
    });
  }

  Status UpdateClient(const ClientRecord& c) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("UPDATE clients SET client_name = ?2, description = ?3, "
                     "integration_type = ?4, token_endpoint_auth_method = ?5, scopes = ?6, "
                     "client_orgno = ?7, supplier_orgno = ?8, access_token_lifetime = ?9, "
                     "active = ?10, last_updated = ?11 WHERE client_id = ?1"));
      MP_RETURN_IF_ERROR(BindClient(stmt, c).BindInt(c.last_updated).Run());
      if (db.Changes() == 0) return NoClient(c.client_id);
      return OkStatus();
    });
  }

  Result<std::optional<ClientRecord>> GetClient(std::string_view client_id) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT " + std::string(kClientColumns) +
                                                   " FROM clients WHERE client_id = ?1"));
    stmt.BindText(client_id);
    return ReadOne<ClientRecord>(db, stmt, ReadClient);
  }

  Result<std::vector<ClientRecord>> ListClients(std::string_view orgno,
                                                bool include_inactive) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kClientColumns) +
                                   " FROM clients WHERE (?1 = '' OR client_orgno = ?1) "
                                   "AND (?2 OR active = 1) ORDER BY created, client_id"));
    stmt.BindText(orgno).BindBool(include_inactive);
    return ReadAll<ClientRecord>(db, stmt, ReadClient);
  }

  Status ReplaceClientKeys(std::string_view client_id, const std::vector<ClientKey>& keys,
                           int64_t now) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(bool known,
                          Exists(db, "SELECT 1 FROM clients WHERE client_id = ?1", client_id));
      if (!known) return NoClient(client_id);
      MP_ASSIGN_OR_RETURN(Statement set,
                          db.Prepare("INSERT INTO client_jwks (client_id, created, last_updated) "
                                     "VALUES (?1, ?2, ?2) ON CONFLICT (client_id) DO UPDATE "
                                     "SET last_updated = excluded.last_updated"));
      MP_RETURN_IF_ERROR(set.BindText(client_id).BindInt(now).Run());
      MP_ASSIGN_OR_RETURN(Statement clear,
                          db.Prepare("DELETE FROM client_keys WHERE client_id = ?1"));
      MP_RETURN_IF_ERROR(clear.BindText(client_id).Run());
      MP_ASSIGN_OR_RETURN(Statement insert,
                          db.Prepare("INSERT INTO client_keys "
                                     "(client_id, kid, position, jwk_json, created) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5)"));
      std::set<std::string_view> kids;
      for (size_t i = 0; i < keys.size(); ++i) {
        const ClientKey& key = keys[i];
        // Found here, after the old set is gone, the rollback restores it.
        if (!kids.insert(key.kid).second) {
          return Status(
              Errc::kInvalidArgument,
              "kid " + Quote(key.kid) + " appears twice in the keys of client " + Quote(client_id));
        }
        insert.Reset();
        MP_RETURN_IF_ERROR(insert.BindText(client_id)
                               .BindText(key.kid)
                               .BindInt(static_cast<int64_t>(i))
                               .BindText(key.jwk_json)
                               .BindInt(key.created)
                               .Run());
      }
      return OkStatus();
    });
  }

  Result<ClientJwks> GetClientKeys(std::string_view client_id) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    ClientJwks jwks;
    MP_RETURN_IF_ERROR(db.ReadTransaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement set,
                          db.Prepare("SELECT j.created, j.last_updated FROM clients c "
                                     "LEFT JOIN client_jwks j USING (client_id) "
                                     "WHERE c.client_id = ?1"));
      MP_ASSIGN_OR_RETURN(bool row, set.BindText(client_id).Step());
      if (!row) return NoClient(client_id);
      jwks.created = set.Int(0);
      jwks.last_updated = set.Int(1);
      MP_ASSIGN_OR_RETURN(Statement keys,
                          db.Prepare("SELECT kid, jwk_json, created FROM client_keys "
                                     "WHERE client_id = ?1 ORDER BY position"));
      keys.BindText(client_id);
      MP_ASSIGN_OR_RETURN(
          jwks.keys, ReadAll<ClientKey>(db, keys, [](const Connection&, const Statement& r) {
            return Result<ClientKey>(
                ClientKey{.kid = r.Text(0), .jwk_json = r.Text(1), .created = r.Int(2)});
          }));
      return OkStatus();
    }));
    return jwks;
  }

  Status CreateScope(const ScopeRecord& s) override {
    MP_RETURN_IF_ERROR(RequireKey("scope name", s.name));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("INSERT INTO scopes (" + std::string(kScopeColumns) +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
                     "ON CONFLICT (name) DO NOTHING"));
      MP_RETURN_IF_ERROR(BindScope(stmt, s).BindInt(s.created).BindInt(s.last_updated).Run());
      if (db.Changes() == 0) {
        return AlreadyExists("scope " + Quote(s.name));
      }
      return OkStatus();
    });
  }

  Status UpdateScope(const ScopeRecord& s) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("UPDATE scopes SET prefix = ?2, subscope = ?3, description = ?4, "
                     "long_description = ?5, owner_orgno = ?6, active = ?7, visibility = ?8, "
                     "allowed_integration_types = ?9, accessible_for_all = ?10, "
                     "at_max_age = ?11, delegation_source = ?12, last_updated = ?13 "
                     "WHERE name = ?1"));
      MP_RETURN_IF_ERROR(BindScope(stmt, s).BindInt(s.last_updated).Run());
      if (db.Changes() == 0) return NoScope(s.name);
      return OkStatus();
    });
  }

  Result<std::optional<ScopeRecord>> GetScope(std::string_view name) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT " + std::string(kScopeColumns) +
                                                   " FROM scopes WHERE name = ?1"));
    stmt.BindText(name);
    return ReadOne<ScopeRecord>(db, stmt, ReadScope);
  }

  Result<std::vector<ScopeRecord>> ListScopes(std::string_view owner_orgno,
                                              bool include_inactive) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kScopeColumns) +
                                   " FROM scopes WHERE (?1 = '' OR owner_orgno = ?1) "
                                   "AND (?2 OR active = 1) ORDER BY name"));
    stmt.BindText(owner_orgno).BindBool(include_inactive);
    return ReadAll<ScopeRecord>(db, stmt, ReadScope);
  }

  Status PutAccess(const ScopeAccess& a) override {
    MP_RETURN_IF_ERROR(RequireKey("consumer_orgno", a.consumer_orgno));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(bool known, Exists(db, "SELECT 1 FROM scopes WHERE name = ?1", a.scope));
      if (!known) return NoScope(a.scope);
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("INSERT INTO scope_access (" + std::string(kAccessColumns) +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (scope, consumer_orgno) "
                     "DO UPDATE SET owner_orgno = excluded.owner_orgno, state = excluded.state, "
                     "last_updated = excluded.last_updated"));
      return stmt.BindText(a.scope)
          .BindText(a.consumer_orgno)
          .BindText(a.owner_orgno)
          .BindText(AccessStateName(a.state))
          .BindInt(a.created)
          .BindInt(a.last_updated)
          .Run();
    });
  }

  Status DeleteAccess(std::string_view scope, std::string_view consumer_orgno) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("DELETE FROM scope_access WHERE scope = ?1 AND consumer_orgno = ?2"));
      MP_RETURN_IF_ERROR(stmt.BindText(scope).BindText(consumer_orgno).Run());
      if (db.Changes() == 0) {
        return Status(Errc::kNotFound,
                      "no access to scope " + Quote(scope) + " for " + std::string(consumer_orgno));
      }
      return OkStatus();
    });
  }

  Result<std::optional<ScopeAccess>> GetAccess(std::string_view scope,
                                               std::string_view consumer_orgno) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kAccessColumns) +
                                   " FROM scope_access WHERE scope = ?1 AND consumer_orgno = ?2"));
    stmt.BindText(scope).BindText(consumer_orgno);
    return ReadOne<ScopeAccess>(db, stmt, ReadAccess);
  }

  Result<std::vector<ScopeAccess>> ListAccessForScope(std::string_view scope) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kAccessColumns) +
                                   " FROM scope_access WHERE scope = ?1 ORDER BY consumer_orgno"));
    stmt.BindText(scope);
    return ReadAll<ScopeAccess>(db, stmt, ReadAccess);
  }

  Result<std::vector<ScopeAccess>> ListAccessForConsumer(std::string_view orgno) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kAccessColumns) +
                                   " FROM scope_access WHERE consumer_orgno = ?1 ORDER BY scope"));
    stmt.BindText(orgno);
    return ReadAll<ScopeAccess>(db, stmt, ReadAccess);
  }

  Status PutDelegation(const Delegation& d) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("INSERT INTO delegations (consumer_orgno, supplier_orgno, scope, created) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING"));
      return stmt.BindText(d.consumer_orgno)
          .BindText(d.supplier_orgno)
          .BindText(d.scope)
          .BindInt(d.created)
          .Run();
    });
  }

  Status DeleteDelegation(const Delegation& d) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement stmt,
                          db.Prepare("DELETE FROM delegations WHERE consumer_orgno = ?1 "
                                     "AND supplier_orgno = ?2 AND scope = ?3"));
      MP_RETURN_IF_ERROR(
          stmt.BindText(d.consumer_orgno).BindText(d.supplier_orgno).BindText(d.scope).Run());
      if (db.Changes() == 0) {
        return Status(Errc::kNotFound, "no delegation of scope " + Quote(d.scope) + " from " +
                                           d.consumer_orgno + " to " + d.supplier_orgno);
      }
      return OkStatus();
    });
  }

  Result<bool> HasDelegation(std::string_view consumer_orgno, std::string_view supplier_orgno,
                             std::string_view scope) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT 1 FROM delegations WHERE consumer_orgno = ?1 "
                                   "AND supplier_orgno = ?2 AND scope = ?3"));
    return stmt.BindText(consumer_orgno).BindText(supplier_orgno).BindText(scope).Step();
  }

  Result<std::vector<Delegation>> ListDelegations(std::string_view orgno) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(
        Statement stmt,
        db.Prepare("SELECT consumer_orgno, supplier_orgno, scope, created FROM delegations "
                   "WHERE ?1 = '' OR consumer_orgno = ?1 OR supplier_orgno = ?1 "
                   "ORDER BY consumer_orgno, supplier_orgno, scope"));
    stmt.BindText(orgno);
    return ReadAll<Delegation>(db, stmt, [](const Connection&, const Statement& r) {
      return Result<Delegation>(Delegation{.consumer_orgno = r.Text(0),
                                           .supplier_orgno = r.Text(1),
                                           .scope = r.Text(2),
                                           .created = r.Int(3)});
    });
  }

  Status AddSigningKey(const SigningKeyRecord& key) override {
    MP_RETURN_IF_ERROR(RequireKey("signing key kid", key.kid));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement insert,
          db.Prepare("INSERT INTO signing_keys (kid, private_pem, created, current) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kid) DO NOTHING"));
      MP_RETURN_IF_ERROR(insert.BindText(key.kid)
                             .BindText(key.private_pem)
                             .BindInt(key.created)
                             .BindBool(key.current)
                             .Run());
      if (db.Changes() == 0) {
        return AlreadyExists("signing key kid " + Quote(key.kid));
      }
      if (!key.current) return OkStatus();
      // Exactly one current key: the new one.
      MP_ASSIGN_OR_RETURN(Statement demote, db.Prepare("UPDATE signing_keys SET current = 0 "
                                                       "WHERE current = 1 AND kid != ?1"));
      return demote.BindText(key.kid).Run();
    });
  }

  Result<std::vector<SigningKeyRecord>> ListSigningKeys() override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT kid, private_pem, created, current FROM signing_keys "
                                   "ORDER BY created, kid"));
    return ReadAll<SigningKeyRecord>(db, stmt, [](const Connection&, const Statement& r) {
      return Result<SigningKeyRecord>(SigningKeyRecord{
          .kid = r.Text(0), .private_pem = r.Text(1), .created = r.Int(2), .current = r.Bool(3)});
    });
  }

  Status PruneSigningKeys(int64_t before) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("DELETE FROM signing_keys WHERE current = 0 AND created < ?1"));
      return stmt.BindInt(before).Run();
    });
  }

  Status CreateConsent(const ConsentRecord& c) override {
    MP_RETURN_IF_ERROR(RequireKey("authorization_code", c.authorization_code));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("INSERT INTO consents (" + std::string(kConsentColumns) +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                     "ON CONFLICT (authorization_code) DO NOTHING"));
      MP_RETURN_IF_ERROR(records::BindConsent(stmt, c).Run());
      if (db.Changes() == 0) {
        return AlreadyExists("consent " + Quote(c.authorization_code));
      }
      return OkStatus();
    });
  }

  Result<std::optional<ConsentRecord>> GetConsent(std::string_view code) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT " + std::string(kConsentColumns) +
                                                   " FROM consents WHERE authorization_code = ?1"));
    stmt.BindText(code);
    return ReadOne<ConsentRecord>(db, stmt, ReadConsent);
  }

  Status DecideConsent(std::string_view code, ConsentStatus decision, int64_t at) override {
    if (decision == ConsentStatus::kUnopened) {
      return Status(Errc::kInvalidArgument, "a consent can only be decided Accepted or Rejected");
    }
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement read,
                          db.Prepare("SELECT status FROM consents WHERE authorization_code = ?1"));
      MP_ASSIGN_OR_RETURN(bool row, read.BindText(code).Step());
      if (!row) return Status(Errc::kNotFound, "no consent " + Quote(code));
      std::string status = read.Text(0);
      if (status != ConsentStatusName(ConsentStatus::kUnopened)) {
        return Status(Errc::kInvalidArgument,
                      "consent " + Quote(code) + " is " + status + ", not Unopened");
      }
      MP_ASSIGN_OR_RETURN(Statement update,
                          db.Prepare("UPDATE consents SET status = ?2, decided = ?3 "
                                     "WHERE authorization_code = ?1"));
      return update.BindText(code).BindText(ConsentStatusName(decision)).BindInt(at).Run();
    });
  }

  Result<std::vector<ConsentRecord>> ListConsents(std::string_view orgno) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kConsentColumns) +
                                   " FROM consents WHERE ?1 = '' OR covered_by = ?1 "
                                   "OR handled_by = ?1 ORDER BY created, authorization_code"));
    stmt.BindText(orgno);
    return ReadAll<ConsentRecord>(db, stmt, ReadConsent);
  }

  Status CreateConsentRequest(const ConsentRequestRecord& c) override {
    MP_RETURN_IF_ERROR(RequireKey("consent request id", c.id));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("INSERT INTO consent_requests (" + std::string(kRequestColumns) +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                     "ON CONFLICT (id) DO NOTHING"));
      MP_RETURN_IF_ERROR(records::BindConsentRequest(stmt, c).Run());
      if (db.Changes() == 0) {
        return AlreadyExists("consent request " + Quote(c.id));
      }
      for (size_t i = 0; i < c.events.size(); ++i) {
        MP_RETURN_IF_ERROR(InsertRequestEvent(db, c.id, static_cast<int64_t>(i), c.events[i]));
      }
      return OkStatus();
    });
  }

  Result<std::optional<ConsentRequestRecord>> GetConsentRequest(std::string_view id) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    std::optional<ConsentRequestRecord> out;
    MP_RETURN_IF_ERROR(db.ReadTransaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT " + std::string(kRequestColumns) +
                                                     " FROM consent_requests WHERE id = ?1"));
      stmt.BindText(id);
      MP_ASSIGN_OR_RETURN(out, ReadOne<ConsentRequestRecord>(db, stmt, ReadConsentRequest));
      if (!out) return OkStatus();
      MP_ASSIGN_OR_RETURN(Statement events,
                          db.Prepare("SELECT event_id, event_type, created, performed_by FROM "
                                     "consent_request_events WHERE request_id = ?1 "
                                     "ORDER BY position"));
      events.BindText(id);
      MP_ASSIGN_OR_RETURN(
          out->events,
          ReadAll<ConsentRequestEvent>(db, events, [](const Connection&, const Statement& r) {
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
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement read,
                          db.Prepare("SELECT status, (SELECT count(*) FROM consent_request_events "
                                     "WHERE request_id = ?1) FROM consent_requests WHERE id = ?1"));
      MP_ASSIGN_OR_RETURN(bool row, read.BindText(id).Step());
      if (!row) return Status(Errc::kNotFound, "no consent request " + Quote(id));
      const std::string status = read.Text(0);
      const int64_t position = read.Int(1);
      if (status != ConsentRequestStatusName(from)) {
        return Status(Errc::kInvalidArgument, "consent request " + Quote(id) + " is " + status +
                                                  ", not " +
                                                  std::string(ConsentRequestStatusName(from)));
      }
      MP_ASSIGN_OR_RETURN(
          Statement update,
          db.Prepare("UPDATE consent_requests SET status = ?2, "
                     "consented = CASE WHEN ?3 THEN ?4 ELSE consented END WHERE id = ?1"));
      MP_RETURN_IF_ERROR(update.BindText(id)
                             .BindText(ConsentRequestStatusName(to))
                             .BindBool(to == ConsentRequestStatus::kAccepted)
                             .BindInt(event.created)
                             .Run());
      return InsertRequestEvent(db, id, position, event);
    });
  }

  Status CreateSystem(const SystemRecord& sys) override {
    MP_RETURN_IF_ERROR(RequireKey("system_id", sys.system_id));
    for (const std::string& client_id : sys.client_ids) {
      MP_RETURN_IF_ERROR(RequireKey("client id", client_id));
    }
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement stmt,
                          db.Prepare("INSERT INTO systems (" + std::string(kSystemColumns) +
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                                     "ON CONFLICT (system_id) DO NOTHING"));
      MP_RETURN_IF_ERROR(records::BindSystem(stmt, sys).Run());
      if (db.Changes() == 0) return AlreadyExists("system " + Quote(sys.system_id));
      for (size_t i = 0; i < sys.client_ids.size(); ++i) {
        MP_ASSIGN_OR_RETURN(
            Statement holder,
            db.Prepare("SELECT system_id FROM system_clients WHERE client_id = ?1"));
        MP_ASSIGN_OR_RETURN(bool taken, holder.BindText(sys.client_ids[i]).Step());
        if (taken) return records::ClientIdTaken(sys.client_ids[i], holder.Text(0));
        MP_ASSIGN_OR_RETURN(Statement insert,
                            db.Prepare("INSERT INTO system_clients (client_id, system_id, "
                                       "position) VALUES (?1, ?2, ?3)"));
        MP_RETURN_IF_ERROR(insert.BindText(sys.client_ids[i])
                               .BindText(sys.system_id)
                               .BindInt(static_cast<int64_t>(i))
                               .Run());
      }
      return OkStatus();
    });
  }

  Result<std::optional<SystemRecord>> GetSystem(std::string_view system_id) override {
    MutexLock lock(mu_);
    return ReadSystemWhere(*db_, "system_id = ?1", system_id);
  }

  Result<std::optional<SystemRecord>> GetSystemForClient(std::string_view client_id) override {
    MutexLock lock(mu_);
    return ReadSystemWhere(
        *db_, "system_id = (SELECT system_id FROM system_clients WHERE client_id = ?1)", client_id);
  }

  Result<std::vector<SystemRecord>> ListSystems(std::string_view vendor_orgno) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    std::vector<SystemRecord> out;
    MP_RETURN_IF_ERROR(db.ReadTransaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement stmt,
                          db.Prepare("SELECT " + std::string(kSystemColumns) +
                                     " FROM systems WHERE ?1 = '' OR vendor_orgno = ?1 "
                                     "ORDER BY system_id"));
      stmt.BindText(vendor_orgno);
      MP_ASSIGN_OR_RETURN(out, ReadAll<SystemRecord>(db, stmt, ReadSystem));
      for (SystemRecord& sys : out) {
        MP_ASSIGN_OR_RETURN(sys.client_ids, ReadSystemClients(db, sys.system_id));
      }
      return OkStatus();
    }));
    return out;
  }

  Status CreateSystemUserRequest(const SystemUserRequestRecord& r) override {
    MP_RETURN_IF_ERROR(RequireKey("system user request id", r.id));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(bool system,
                          Exists(db, "SELECT 1 FROM systems WHERE system_id = ?1", r.system_id));
      if (!system) return records::NoSystem(r.system_id);
      MP_ASSIGN_OR_RETURN(
          Statement stmt,
          db.Prepare("INSERT INTO system_user_requests (" + std::string(kSystemUserRequestColumns) +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                     "ON CONFLICT (id) DO NOTHING"));
      MP_RETURN_IF_ERROR(records::BindSystemUserRequest(stmt, r).Run());
      if (db.Changes() == 0) return AlreadyExists("system user request " + Quote(r.id));
      return OkStatus();
    });
  }

  Result<std::optional<SystemUserRequestRecord>> GetSystemUserRequest(
      std::string_view id) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kSystemUserRequestColumns) +
                                   " FROM system_user_requests WHERE id = ?1"));
    stmt.BindText(id);
    return ReadOne<SystemUserRequestRecord>(db, stmt, ReadSystemUserRequest);
  }

  Result<std::optional<SystemUserRequestRecord>> FindSystemUserRequest(
      std::string_view system_id, std::string_view party_orgno,
      std::string_view external_ref) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kSystemUserRequestColumns) +
                                   " FROM system_user_requests WHERE system_id = ?1 AND "
                                   "party_orgno = ?2 AND external_ref = ?3 "
                                   "ORDER BY created DESC, id DESC LIMIT 1"));
    stmt.BindText(system_id).BindText(party_orgno).BindText(external_ref);
    return ReadOne<SystemUserRequestRecord>(db, stmt, ReadSystemUserRequest);
  }

  Status AcceptSystemUserRequest(std::string_view request_id,
                                 const SystemUserRecord& user) override {
    MP_RETURN_IF_ERROR(RequireKey("system user id", user.id));
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_RETURN_IF_ERROR(RequireNewRequest(db, request_id));
      MP_ASSIGN_OR_RETURN(
          Statement insert,
          db.Prepare("INSERT INTO system_users (" + std::string(kSystemUserColumns) +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING"));
      MP_RETURN_IF_ERROR(records::BindSystemUser(insert, user).Run());
      if (db.Changes() == 0) return records::SystemUserExists(user);
      MP_ASSIGN_OR_RETURN(Statement update,
                          db.Prepare("UPDATE system_user_requests SET status = ?2, decided = ?3, "
                                     "system_user_id = ?4 WHERE id = ?1"));
      return update.BindText(request_id)
          .BindText(SystemUserRequestStatusName(SystemUserRequestStatus::kAccepted))
          .BindInt(user.created)
          .BindText(user.id)
          .Run();
    });
  }

  Status RejectSystemUserRequest(std::string_view request_id, int64_t at) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_RETURN_IF_ERROR(RequireNewRequest(db, request_id));
      MP_ASSIGN_OR_RETURN(Statement update,
                          db.Prepare("UPDATE system_user_requests SET status = ?2, decided = ?3 "
                                     "WHERE id = ?1"));
      return update.BindText(request_id)
          .BindText(SystemUserRequestStatusName(SystemUserRequestStatus::kRejected))
          .BindInt(at)
          .Run();
    });
  }

  Result<std::optional<SystemUserRecord>> GetSystemUser(std::string_view id) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT " + std::string(kSystemUserColumns) +
                                                   " FROM system_users WHERE id = ?1"));
    stmt.BindText(id);
    return ReadOne<SystemUserRecord>(db, stmt, ReadSystemUser);
  }

  Result<std::optional<SystemUserRecord>> FindSystemUser(std::string_view system_id,
                                                         std::string_view party_orgno,
                                                         std::string_view external_ref) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT " + std::string(kSystemUserColumns) +
                                                   " FROM system_users WHERE system_id = ?1 AND "
                                                   "party_orgno = ?2 AND external_ref = ?3"));
    stmt.BindText(system_id).BindText(party_orgno).BindText(external_ref);
    return ReadOne<SystemUserRecord>(db, stmt, ReadSystemUser);
  }

  Result<std::vector<SystemUserRecord>> ListSystemUsers(std::string_view system_id) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT " + std::string(kSystemUserColumns) +
                                   " FROM system_users WHERE ?1 = '' OR system_id = ?1 "
                                   "ORDER BY created, id"));
    stmt.BindText(system_id);
    return ReadAll<SystemUserRecord>(db, stmt, ReadSystemUser);
  }

  Status DeleteSystemUser(std::string_view id) override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("DELETE FROM system_users WHERE id = ?1"));
      MP_RETURN_IF_ERROR(stmt.BindText(id).Run());
      if (db.Changes() == 0) return Status(Errc::kNotFound, "no system user " + Quote(id));
      return OkStatus();
    });
  }

  Result<std::optional<ConsentKeyRecord>> GetConsentKey() override {
    MutexLock lock(mu_);
    Connection& db = *db_;
    return ReadConsentKey(db);
  }

  Result<ConsentKeyRecord> AddConsentKeyIfAbsent(const ConsentKeyRecord& key) override {
    MP_RETURN_IF_ERROR(RequireKey("consent key kid", key.kid));
    MutexLock lock(mu_);
    Connection& db = *db_;
    std::optional<ConsentKeyRecord> stored;
    MP_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(
          Statement insert,
          db.Prepare("INSERT INTO consent_key (id, kid, private_pem, certificate_pem, created) "
                     "VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING"));
      MP_RETURN_IF_ERROR(insert.BindText(key.kid)
                             .BindText(key.private_pem)
                             .BindText(key.certificate_pem)
                             .BindInt(key.created)
                             .Run());
      MP_ASSIGN_OR_RETURN(stored, ReadConsentKey(db));
      return OkStatus();
    }));
    if (!stored) return Status(Errc::kInternal, db.path() + ": consent key vanished");
    return *stored;
  }

 private:
  static Result<std::vector<std::string>> ReadSystemClients(Connection& db,
                                                            std::string_view system_id) {
    MP_ASSIGN_OR_RETURN(Statement stmt,
                        db.Prepare("SELECT client_id FROM system_clients WHERE system_id = ?1 "
                                   "ORDER BY position"));
    stmt.BindText(system_id);
    return ReadAll<std::string>(db, stmt, [](const Connection&, const Statement& r) {
      return Result<std::string>(r.Text(0));
    });
  }
  // The system matching `where` (one parameter, ?1) with its client ids.
  static Result<std::optional<SystemRecord>> ReadSystemWhere(Connection& db, std::string_view where,
                                                             std::string_view key) {
    std::optional<SystemRecord> out;
    MP_RETURN_IF_ERROR(db.ReadTransaction([&]() -> Status {
      MP_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("SELECT " + std::string(kSystemColumns) +
                                                     " FROM systems WHERE " + std::string(where)));
      stmt.BindText(key);
      MP_ASSIGN_OR_RETURN(out, ReadOne<SystemRecord>(db, stmt, ReadSystem));
      if (!out) return OkStatus();
      MP_ASSIGN_OR_RETURN(out->client_ids, ReadSystemClients(db, out->system_id));
      return OkStatus();
    }));
    return out;
  }
  // Inside a transaction: kNotFound for no request `id`, kInvalidArgument when it is not New.
  static Status RequireNewRequest(Connection& db, std::string_view id) {
    MP_ASSIGN_OR_RETURN(Statement read,
                        db.Prepare("SELECT status FROM system_user_requests WHERE id = ?1"));
    MP_ASSIGN_OR_RETURN(bool row, read.BindText(id).Step());
    if (!row) return Status(Errc::kNotFound, "no system user request " + Quote(id));
    return records::RequireRequestStatus(id, read.Text(0));
  }
  static Result<std::optional<ConsentKeyRecord>> ReadConsentKey(Connection& db) {
    MP_ASSIGN_OR_RETURN(
        Statement stmt,
        db.Prepare("SELECT kid, private_pem, certificate_pem, created FROM consent_key"));
    return ReadOne<ConsentKeyRecord>(db, stmt, [](const Connection&, const Statement& r) {
      return Result<ConsentKeyRecord>(ConsentKeyRecord{.kid = r.Text(0),
                                                       .private_pem = r.Text(1),
                                                       .certificate_pem = r.Text(2),
                                                       .created = r.Int(3)});
    });
  }

  Mutex mu_;
  std::unique_ptr<Connection> db_ MP_GUARDED_BY(mu_);
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options) {
  // synchronous = FULL (docs/operations.md, "Durability"): an admin write is acknowledged only
  // after its commit is fsynced, so it survives a power loss, not just a crash of the process.
  // Admin writes are rare; one fsync each is cheap next to losing a registered key or client.
  MP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db,
                      OpenRegistryDatabase(options.path, sqlite::Synchronous::kFull));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db)));
}

}  // namespace mp::server
