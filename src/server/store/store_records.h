// Records <-> rows, shared by the SQLite and PostgreSQL stores: the column lists, the JSON
// encodings of list columns, the row readers and binders (templates over the backend's row and
// statement types) and the error texts, so both backends store and report the same way.
//
// A Row has Text(column), Int(column) and Bool(column); a Binder has BindText, BindInt and
// BindBool returning itself. `where` names the database in messages (a path, a masked URL).
#ifndef MASKINPORTEN_SERVER_STORE_STORE_RECORDS_H_
#define MASKINPORTEN_SERVER_STORE_STORE_RECORDS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"
#include "maskinporten/status.h"
#include "server/store/store.h"

namespace mp::server::records {

// Lists read and written whole (a client's scopes, a scope's integration types) as a JSON array
// of strings. ParseJsonArray: Errc::kIoError "<where>: <what> is not a JSON array of strings"
// (our own column: the database was edited or damaged).
std::string JsonArray(const std::vector<std::string>& items);
Result<std::vector<std::string>> ParseJsonArray(std::string_view where, const std::string& text,
                                                std::string_view what);

// requestResources of an Altinn 2 consent and consentRights of an Altinn 3 request as our own
// JSON columns (metadata as [name, value] pairs, so their order survives); the parsers give
// Errc::kIoError naming `where` and the record.
std::string ResourcesJson(const std::vector<ConsentResource>& resources);
Result<std::vector<ConsentResource>> ParseResources(std::string_view where, const std::string& text,
                                                    std::string_view code);
std::string RightsJson(const std::vector<ConsentRight>& rights);
Result<std::vector<ConsentRight>> ParseRights(std::string_view where, const std::string& text,
                                              std::string_view id);

// Errc::kInvalidArgument "<field> is empty" for an empty primary key.
Status RequireKey(std::string_view field, std::string_view value);

// The texts both stores give for the same failure.
Status NoClient(std::string_view client_id);  // kNotFound
Status NoScope(std::string_view name);        // kNotFound
Status AlreadyExists(std::string_view what);  // kInvalidArgument "<what> already exists"
Status NoSystem(std::string_view system_id);  // kNotFound "... in the system register"
// kInvalidArgument: a client id another system (`holder`) already uses.
Status ClientIdTaken(std::string_view client_id, std::string_view holder);
// kInvalidArgument: a system user with the same (system, org, external ref) or id exists.
Status SystemUserExists(const SystemUserRecord& user);
// OK when a system user request's stored `status` is New, else kInvalidArgument naming it.
Status RequireRequestStatus(std::string_view id, std::string_view status);

// ---- clients

constexpr std::string_view kClientColumns =
    "client_id, client_name, description, integration_type, token_endpoint_auth_method, scopes, "
    "client_orgno, supplier_orgno, access_token_lifetime, active, created, last_updated";

template <typename Row>
Result<ClientRecord> ReadClient(std::string_view where, const Row& row) {
  ClientRecord c;
  c.client_id = row.Text(0);
  c.client_name = row.Text(1);
  c.description = row.Text(2);
  c.integration_type = row.Text(3);
  c.token_endpoint_auth_method = row.Text(4);
  MP_ASSIGN_OR_RETURN(c.scopes,
                      ParseJsonArray(where, row.Text(5), "scopes of client " + Quote(c.client_id)));
  c.client_orgno = row.Text(6);
  c.supplier_orgno = row.Text(7);
  c.access_token_lifetime = static_cast<int>(row.Int(8));
  c.active = row.Bool(9);
  c.created = row.Int(10);
  c.last_updated = row.Int(11);
  return c;
}

// ---- scopes

constexpr std::string_view kScopeColumns =
    "name, prefix, subscope, description, long_description, owner_orgno, active, visibility, "
    "allowed_integration_types, accessible_for_all, at_max_age, delegation_source, created, "
    "last_updated";

template <typename Row>
Result<ScopeRecord> ReadScope(std::string_view where, const Row& row) {
  ScopeRecord s;
  s.name = row.Text(0);
  s.prefix = row.Text(1);
  s.subscope = row.Text(2);
  s.description = row.Text(3);
  s.long_description = row.Text(4);
  s.owner_orgno = row.Text(5);
  s.active = row.Bool(6);
  std::string visibility = row.Text(7);
  std::optional<ScopeVisibility> v = ParseScopeVisibility(visibility);
  if (!v) {
    return Status(Errc::kIoError, std::string(where) + ": scope " + Quote(s.name) +
                                      " has unknown visibility " + Quote(visibility));
  }
  s.visibility = *v;
  MP_ASSIGN_OR_RETURN(
      s.allowed_integration_types,
      ParseJsonArray(where, row.Text(8), "allowed_integration_types of scope " + Quote(s.name)));
  s.accessible_for_all = row.Bool(9);
  s.at_max_age = static_cast<int>(row.Int(10));
  s.delegation_source = row.Text(11);
  s.created = row.Int(12);
  s.last_updated = row.Int(13);
  return s;
}

// ---- access

constexpr std::string_view kAccessColumns =
    "scope, consumer_orgno, owner_orgno, state, created, last_updated";

template <typename Row>
Result<ScopeAccess> ReadAccess(std::string_view where, const Row& row) {
  ScopeAccess a;
  a.scope = row.Text(0);
  a.consumer_orgno = row.Text(1);
  a.owner_orgno = row.Text(2);
  std::string state = row.Text(3);
  std::optional<AccessState> s = ParseAccessState(state);
  if (!s) {
    return Status(Errc::kIoError, std::string(where) + ": access to " + Quote(a.scope) + " for " +
                                      a.consumer_orgno + " has unknown state " + Quote(state));
  }
  a.state = *s;
  a.created = row.Int(4);
  a.last_updated = row.Int(5);
  return a;
}

// ---- consents

constexpr std::string_view kConsentColumns =
    "authorization_code, covered_by, offered_by, offered_by_name, required_delegator, "
    "required_delegator_name, handled_by, redirect_url, resources, valid_to, status, created, "
    "decided";

template <typename Row>
Result<ConsentRecord> ReadConsent(std::string_view where, const Row& row) {
  ConsentRecord c;
  c.authorization_code = row.Text(0);
  c.covered_by = row.Text(1);
  c.offered_by = row.Text(2);
  c.offered_by_name = row.Text(3);
  c.required_delegator = row.Text(4);
  c.required_delegator_name = row.Text(5);
  c.handled_by = row.Text(6);
  c.redirect_url = row.Text(7);
  MP_ASSIGN_OR_RETURN(c.resources, ParseResources(where, row.Text(8), c.authorization_code));
  c.valid_to = row.Int(9);
  std::string status = row.Text(10);
  std::optional<ConsentStatus> st = ParseConsentStatus(status);
  if (!st) {
    return Status(Errc::kIoError, std::string(where) + ": consent " + Quote(c.authorization_code) +
                                      " has unknown status " + Quote(status));
  }
  c.status = *st;
  c.created = row.Int(11);
  c.decided = row.Int(12);
  return c;
}

// ---- Altinn 3 consent requests

constexpr std::string_view kRequestColumns =
    "id, from_party, to_party, required_delegator, handled_by, valid_to, consent_rights, "
    "request_message, redirect_url, portal_view_mode, status, created, consented";

template <typename Row>
Result<ConsentRequestRecord> ReadConsentRequest(std::string_view where, const Row& row) {
  ConsentRequestRecord c;
  c.id = row.Text(0);
  c.from = row.Text(1);
  c.to = row.Text(2);
  c.required_delegator = row.Text(3);
  c.handled_by = row.Text(4);
  c.valid_to = row.Int(5);
  MP_ASSIGN_OR_RETURN(c.rights, ParseRights(where, row.Text(6), c.id));
  c.request_message_json = row.Text(7);
  c.redirect_url = row.Text(8);
  c.portal_view_mode = row.Text(9);
  std::string status = row.Text(10);
  std::optional<ConsentRequestStatus> st = ParseConsentRequestStatus(status);
  if (!st) {
    return Status(Errc::kIoError, std::string(where) + ": consent request " + Quote(c.id) +
                                      " has unknown status " + Quote(status));
  }
  c.status = *st;
  c.created = row.Int(11);
  c.consented = row.Int(12);
  return c;
}

// ---- system register and system users (SPEC §15)

constexpr std::string_view kSystemColumns =
    "system_id, vendor_orgno, name, description, rights, access_packages, allowed_redirect_urls, "
    "is_visible, created, last_updated";

// The system's columns; client_ids are read separately (system_clients).
template <typename Row>
Result<SystemRecord> ReadSystem(std::string_view where, const Row& row) {
  SystemRecord s;
  s.system_id = row.Text(0);
  s.vendor_orgno = row.Text(1);
  s.name_json = row.Text(2);
  s.description_json = row.Text(3);
  const std::string what = " of system " + Quote(s.system_id);
  MP_ASSIGN_OR_RETURN(s.rights, ParseJsonArray(where, row.Text(4), "rights" + what));
  MP_ASSIGN_OR_RETURN(s.access_packages,
                      ParseJsonArray(where, row.Text(5), "access_packages" + what));
  MP_ASSIGN_OR_RETURN(s.allowed_redirect_urls,
                      ParseJsonArray(where, row.Text(6), "allowed_redirect_urls" + what));
  s.is_visible = row.Bool(7);
  s.created = row.Int(8);
  s.last_updated = row.Int(9);
  return s;
}

constexpr std::string_view kSystemUserRequestColumns =
    "id, external_ref, system_id, party_orgno, rights, access_packages, redirect_url, status, "
    "created, decided, system_user_id";

template <typename Row>
Result<SystemUserRequestRecord> ReadSystemUserRequest(std::string_view where, const Row& row) {
  SystemUserRequestRecord r;
  r.id = row.Text(0);
  r.external_ref = row.Text(1);
  r.system_id = row.Text(2);
  r.party_orgno = row.Text(3);
  const std::string what = " of system user request " + Quote(r.id);
  MP_ASSIGN_OR_RETURN(r.rights, ParseJsonArray(where, row.Text(4), "rights" + what));
  MP_ASSIGN_OR_RETURN(r.access_packages,
                      ParseJsonArray(where, row.Text(5), "access_packages" + what));
  r.redirect_url = row.Text(6);
  std::string status = row.Text(7);
  std::optional<SystemUserRequestStatus> st = ParseSystemUserRequestStatus(status);
  if (!st) {
    return Status(Errc::kIoError, std::string(where) + ": system user request " + Quote(r.id) +
                                      " has unknown status " + Quote(status));
  }
  r.status = *st;
  r.created = row.Int(8);
  r.decided = row.Int(9);
  r.system_user_id = row.Text(10);
  return r;
}

constexpr std::string_view kSystemUserColumns =
    "id, system_id, party_orgno, external_ref, rights, access_packages, created";

template <typename Row>
Result<SystemUserRecord> ReadSystemUser(std::string_view where, const Row& row) {
  SystemUserRecord u;
  u.id = row.Text(0);
  u.system_id = row.Text(1);
  u.party_orgno = row.Text(2);
  u.external_ref = row.Text(3);
  const std::string what = " of system user " + Quote(u.id);
  MP_ASSIGN_OR_RETURN(u.rights, ParseJsonArray(where, row.Text(4), "rights" + what));
  MP_ASSIGN_OR_RETURN(u.access_packages,
                      ParseJsonArray(where, row.Text(5), "access_packages" + what));
  u.created = row.Int(6);
  return u;
}

// Binds the client columns but created and last_updated (10 values) in column order.
// `Binder` is the backend's statement or parameter list, with BindText, BindInt and
// BindBool.
template <typename Binder>
Binder& BindClient(Binder& b, const ClientRecord& c) {
  return b.BindText(c.client_id)
      .BindText(c.client_name)
      .BindText(c.description)
      .BindText(c.integration_type)
      .BindText(c.token_endpoint_auth_method)
      .BindText(JsonArray(c.scopes))
      .BindText(c.client_orgno)
      .BindText(c.supplier_orgno)
      .BindInt(c.access_token_lifetime)
      .BindBool(c.active);
}

// Binds the scope columns but created and last_updated (12 values) in column order.
template <typename Binder>
Binder& BindScope(Binder& b, const ScopeRecord& s) {
  return b.BindText(s.name)
      .BindText(s.prefix)
      .BindText(s.subscope)
      .BindText(s.description)
      .BindText(s.long_description)
      .BindText(s.owner_orgno)
      .BindBool(s.active)
      .BindText(ScopeVisibilityName(s.visibility))
      .BindText(JsonArray(s.allowed_integration_types))
      .BindBool(s.accessible_for_all)
      .BindInt(s.at_max_age)
      .BindText(s.delegation_source);
}

// Binds every consent column in kConsentColumns order (13 values).
template <typename Binder>
Binder& BindConsent(Binder& b, const ConsentRecord& c) {
  return b.BindText(c.authorization_code)
      .BindText(c.covered_by)
      .BindText(c.offered_by)
      .BindText(c.offered_by_name)
      .BindText(c.required_delegator)
      .BindText(c.required_delegator_name)
      .BindText(c.handled_by)
      .BindText(c.redirect_url)
      .BindText(ResourcesJson(c.resources))
      .BindInt(c.valid_to)
      .BindText(ConsentStatusName(c.status))
      .BindInt(c.created)
      .BindInt(c.decided);
}

// Binds every consent request column in kRequestColumns order (13 values; events are rows).
template <typename Binder>
Binder& BindConsentRequest(Binder& b, const ConsentRequestRecord& r) {
  return b.BindText(r.id)
      .BindText(r.from)
      .BindText(r.to)
      .BindText(r.required_delegator)
      .BindText(r.handled_by)
      .BindInt(r.valid_to)
      .BindText(RightsJson(r.rights))
      .BindText(r.request_message_json)
      .BindText(r.redirect_url)
      .BindText(r.portal_view_mode)
      .BindText(ConsentRequestStatusName(r.status))
      .BindInt(r.created)
      .BindInt(r.consented);
}

// Binds every system column in kSystemColumns order (10 values; client ids are rows).
template <typename Binder>
Binder& BindSystem(Binder& b, const SystemRecord& sys) {
  return b.BindText(sys.system_id)
      .BindText(sys.vendor_orgno)
      .BindText(sys.name_json)
      .BindText(sys.description_json)
      .BindText(JsonArray(sys.rights))
      .BindText(JsonArray(sys.access_packages))
      .BindText(JsonArray(sys.allowed_redirect_urls))
      .BindBool(sys.is_visible)
      .BindInt(sys.created)
      .BindInt(sys.last_updated);
}

// Binds every system user request column in kSystemUserRequestColumns order (11 values).
template <typename Binder>
Binder& BindSystemUserRequest(Binder& b, const SystemUserRequestRecord& r) {
  return b.BindText(r.id)
      .BindText(r.external_ref)
      .BindText(r.system_id)
      .BindText(r.party_orgno)
      .BindText(JsonArray(r.rights))
      .BindText(JsonArray(r.access_packages))
      .BindText(r.redirect_url)
      .BindText(SystemUserRequestStatusName(r.status))
      .BindInt(r.created)
      .BindInt(r.decided)
      .BindText(r.system_user_id);
}

// Binds every system user column in kSystemUserColumns order (7 values).
template <typename Binder>
Binder& BindSystemUser(Binder& b, const SystemUserRecord& u) {
  return b.BindText(u.id)
      .BindText(u.system_id)
      .BindText(u.party_orgno)
      .BindText(u.external_ref)
      .BindText(JsonArray(u.rights))
      .BindText(JsonArray(u.access_packages))
      .BindInt(u.created);
}

}  // namespace mp::server::records

#endif  // MASKINPORTEN_SERVER_STORE_STORE_RECORDS_H_
