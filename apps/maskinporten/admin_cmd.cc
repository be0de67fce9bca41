// maskinporten admin: the self-service API (SPEC §9, /api/v1) from the command line: clients,
// their keys, scopes and their access lists, and delegations.
//
// Authenticates with an access token for an admin client, fetched through TokenClient with the
// shared client flags; the admin scopes come from --scope (default: the ones the verb needs).
// Flags before the sub-verb configure that admin client; flags after it belong to the sub-verb
// (so `--scope` before `clients create` is the admin token's scope, after it the new client's).
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "client_flags.h"
#include "core/json.h"
#include "maskinporten/admin_client.h"
#include "maskinporten/jwk.h"
#include "maskinporten/org_number.h"
#include "maskinporten/token_client.h"

namespace mp::cli {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kDcrRead = "idporten:dcr.read";
constexpr std::string_view kDcrWrite = "idporten:dcr.write";
constexpr std::string_view kDcrModify = "idporten:dcr.modify";
constexpr std::string_view kScopesWrite = "idporten:scopes.write";

struct AdminArgs {
  ClientFlags client;
  std::string api;
  std::string ca_file;
  double timeout = 15;
  bool json = false;
  bool verbose = false;
};

// ---- The API session ----

// Resolves the admin client, fetches its token and opens the API with it. On failure prints the
// error and returns nullopt with *exit_code set.
std::optional<AdminClient> OpenAdmin(AdminArgs a, const std::vector<std::string_view>& scopes,
                                     int* exit_code) {
  const char* env_scopes = std::getenv("MASKINPORTEN_SCOPES");
  if (a.client.scope_args.empty() && (env_scopes == nullptr || *env_scopes == '\0')) {
    for (std::string_view s : scopes) a.client.scope_args.emplace_back(s);
  }
  Result<ResolvedClient> rc = ResolveClient(a.client);
  if (!rc.ok()) {
    *exit_code = FailFlags(rc.status());
    return std::nullopt;
  }
  if (!(a.timeout > 0 && a.timeout <= 600)) {
    *exit_code = UsageError("--timeout must be 0..600 seconds");
    return std::nullopt;
  }
  auto ms = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1000));
  std::shared_ptr<HttpClient> http =
      MakeCurlHttpClient({.ca_file = a.ca_file,
                          .connect_timeout = std::min(ms, std::chrono::milliseconds(5000)),
                          .total_timeout = ms});
  Result<std::string> api =
      a.api.empty() ? SelfServiceApiUrl(rc->config.env, rc->config.issuer) : a.api;
  if (!api.ok()) {
    *exit_code = FailFlags(api.status());
    return std::nullopt;
  }

  Result<Endpoints> ep = !rc->config.issuer.empty() ? Discover(*http, rc->spec.issuer)
                                                    : EndpointsForPreset(rc->config.env);
  if (!ep.ok()) {
    *exit_code = Fail(ep.status());
    return std::nullopt;
  }
  TokenClientOptions opts{.endpoints = *ep,
                          .client_id = rc->spec.client_id,
                          .credentials = rc->credentials,
                          .http = http,
                          .grant_lifetime = rc->spec.lifetime};
  if (a.verbose) opts.log = [](std::string_view line) { std::cerr << line << "\n"; };
  TokenClient client(std::move(opts));
  FetchInfo info;
  Result<AccessToken> token = client.Fetch(rc->spec.request, &info);
  if (!token.ok()) {
    *exit_code = FailTokenFetch(token.status(), info);
    return std::nullopt;
  }
  AdminClientOptions admin{.api_url = *api, .access_token = token->access_token, .http = http};
  if (a.verbose) admin.log = [](std::string_view line) { std::cerr << line << "\n"; };
  AdminClient session(std::move(admin));
  if (a.verbose) {
    std::cerr << "admin token for scope \"" << token->scope << "\"; API " << session.api_url()
              << "\n";
  }
  return session;
}

// The API's JSON body of a typed answer.
template <typename T>
Result<std::string> BodyOf(Result<T> answer) {
  if (!answer.ok()) return answer.status();
  return std::move(answer->json);
}

// ---- Output ----

std::string Cell(const Json& j, const std::string& field) {
  if (!j.is_object() || !j.contains(field) || j[field].is_null()) return "-";
  const Json& v = j[field];
  if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_array()) {
    std::string out;
    for (const Json& e : v)
      out += (out.empty() ? "" : " ") + (e.is_string() ? e.get<std::string>() : e.dump());
    return out.empty() ? "-" : out;
  }
  return v.dump();
}

void PrintTable(const Json& rows, const std::vector<std::pair<std::string, std::string>>& cols) {
  if (!rows.is_array() || rows.empty()) {
    std::cout << "(none)\n";
    return;
  }
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> width;
  for (const auto& [header, field] : cols) width.push_back(header.size());
  for (const Json& row : rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < cols.size(); ++c) {
      line.push_back(Cell(row, cols[c].second));
      width[c] = std::max(width[c], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string out;
    for (size_t c = 0; c < line.size(); ++c) {
      out += line[c];
      if (c + 1 < line.size()) out += std::string(width[c] - line[c].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  std::vector<std::string> header;
  for (const auto& col : cols) header.push_back(col.first);
  print_line(header);
  for (const auto& line : cells) print_line(line);
}

using Columns = std::vector<std::pair<std::string, std::string>>;

// How a verb shows its answer: as a table of `columns` (when set and the answer is an array,
// or its `array_member` is), else pretty JSON. --json prints the API's body as it came.
struct Presentation {
  Columns columns{};
  std::string array_member{};  // "keys" for a JWKS
};

// ---- Running one verb ----

// A verb's call: the answer's body as the API sent it ("" for none).
using VerbBody = std::function<Result<std::string>(const AdminClient&, AdminError*)>;

int ReportError(const Status& status, const AdminError& e) {
  if (e.refused()) {
    std::cerr << "error: " << ErrcName(Errc::kHttpError) << ": " << e.http_status << " "
              << e.description << "\n";
    return kExitRejected;
  }
  return Fail(status);
}

int RunVerb(const AdminArgs& a, const std::vector<std::string_view>& scopes,
            const Presentation& show, const VerbBody& body) {
  int exit_code = kExitOk;
  std::optional<AdminClient> api = OpenAdmin(a, scopes, &exit_code);
  if (!api) return exit_code;
  AdminError error;
  Result<std::string> raw = body(*api, &error);
  if (!raw.ok()) return ReportError(raw.status(), error);
  if (a.json) {
    std::cout << *raw << (raw->empty() || raw->back() != '\n' ? "\n" : "");
    return kExitOk;
  }
  Json j;  // null for an answer without a body
  if (raw->find_first_not_of(" \t\r\n") != std::string::npos) {
    // The client has read it as strict JSON already.
    Result<Json> parsed = ParseStrictJson(*raw, {.max_bytes = raw->size()});
    if (!parsed.ok()) return Fail(parsed.status());
    j = std::move(parsed).value();
  }
  if (!show.columns.empty()) {
    if (j.is_array()) {
      PrintTable(j, show.columns);
      return kExitOk;
    }
    if (!show.array_member.empty() && j.is_object() && j.contains(show.array_member)) {
      PrintTable(j[show.array_member], show.columns);
      return kExitOk;
    }
  }
  std::cout << (j.is_null() ? "ok" : j.dump(2)) << "\n";
  return kExitOk;
}

// Validates flag values that do not need the network; exit 2 on failure.
Status CheckOrgNo(const std::string& flag, const std::string& value) {
  Result<OrgNumber> org = OrgNumber::Parse(value);
  if (!org.ok()) {
    return Status(Errc::kInvalidOrgNumber, flag + ": " + org.status().message());
  }
  return OkStatus();
}

Status CheckNonEmpty(const std::string& what, const std::string& value) {
  if (value.empty()) return Status(Errc::kInvalidArgument, what + " must not be empty");
  return OkStatus();
}

// Public JWKs (as JSON) from files: each a JWK object or a JWKS {"keys":[...]}. Private keys are
// refused.
Result<std::vector<std::string>> ReadPublicJwks(const std::vector<std::string>& files) {
  std::vector<std::string> keys;
  for (const std::string& file : files) {
    MP_ASSIGN_OR_RETURN(std::string text, ReadInput(file));
    Result<Json> j = ParseStrictJsonObject(text);
    if (!j.ok())
      return Status(Errc::kInvalidArgument, "--jwk " + file + ": " + j.status().message());
    std::vector<Json> found;
    if (j->contains("keys")) {
      if (!(*j)["keys"].is_array()) {
        return Status(Errc::kInvalidArgument, "--jwk " + file + ": keys is not an array");
      }
      for (const Json& k : (*j)["keys"]) found.push_back(k);
    } else {
      found.push_back(*j);
    }
    for (const Json& k : found) {
      Result<Jwk> parsed = ParseJwk(DumpJson(k));
      if (!parsed.ok()) {
        return Status(Errc::kInvalidArgument,
                      "--jwk " + file + ": " + parsed.status().message() +
                          " (give the public JWK, e.g. from keygen --jwk-out)");
      }
      keys.push_back(DumpJson(k));
    }
  }
  return keys;
}

// ---- Verb definitions ----

struct Ctx {
  std::shared_ptr<AdminArgs> args;
  int* exit_code;
};

// Registers the callback for a verb: validation first (exit 2 without touching the network),
// then the call.
void OnRun(CLI::App* cmd, Ctx ctx, std::function<Status()> validate,
           std::vector<std::string_view> scopes, Presentation show, VerbBody body) {
  cmd->callback([ctx, validate = std::move(validate), scopes = std::move(scopes),
                 show = std::move(show), body = std::move(body)] {
    if (validate) {
      if (Status s = validate(); !s.ok()) {
        *ctx.exit_code = FailFlags(s);
        return;
      }
    }
    *ctx.exit_code = RunVerb(*ctx.args, scopes, show, body);
  });
}

const Columns kClientColumns = {{"CLIENT_ID", "client_id"},
                                {"NAME", "client_name"},
                                {"ACTIVE", "active"},
                                {"LIFETIME", "access_token_lifetime"},
                                {"SCOPES", "scopes"}};
const Columns kKeyColumns = {{"KID", "kid"}, {"KTY", "kty"}, {"ALG", "alg"}, {"USE", "use"}};
const Columns kScopeColumns = {{"NAME", "name"},
                               {"ACTIVE", "active"},
                               {"VISIBILITY", "visibility"},
                               {"FOR_ALL", "accessible_for_all"},
                               {"DELEGATION_SOURCE", "delegation_source"},
                               {"AT_MAX_AGE", "at_max_age"}};
const Columns kAccessColumns = {{"SCOPE", "scope"},
                                {"CONSUMER_ORGNO", "consumer_orgno"},
                                {"STATE", "state"},
                                {"LAST_UPDATED", "last_updated"}};
const Columns kDelegationColumns = {{"CONSUMER_ORGNO", "consumer_orgno"},
                                    {"SUPPLIER_ORGNO", "supplier_orgno"},
                                    {"SCOPE", "scope"},
                                    {"CREATED", "created"}};

void AddClients(CLI::App* admin, Ctx ctx) {
  CLI::App* g = admin->add_subcommand("clients", "Maskinporten clients of your organisation");
  g->require_subcommand(1);
  SetExamples(g,
              "  maskinporten admin clients list\n"
              "  maskinporten admin clients create --name my-integration --scope nav:example\n"
              "  maskinporten admin clients update $ID --add-scope nav:other\n");

  {
    auto inactive = std::make_shared<bool>(false);
    CLI::App* c = g->add_subcommand("list", "List your clients");
    c->add_flag("--inactive", *inactive, "also deactivated clients");
    SetExamples(c,
                "  maskinporten admin --issuer http://127.0.0.1:8080/ --client-id admin \\\n"
                "      --key admin.pem --kid a1 clients list\n"
                "  maskinporten admin clients list --inactive --json\n");
    OnRun(c, ctx, nullptr, {kDcrRead}, {.columns = kClientColumns},
          [inactive](const AdminClient& api, AdminError* err) {
            return BodyOf(
                api.ListClients(*inactive ? Deactivated::kInclude : Deactivated::kHide, err));
          });
  }
  {
    auto id = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("get", "Show one client");
    c->add_option("client_id", *id, "the client's client_id")->required();
    SetExamples(c, "  maskinporten admin clients get 5f0c2a1e-...\n");
    OnRun(
        c, ctx, [id] { return CheckNonEmpty("client_id", *id); }, {kDcrRead}, {},
        [id](const AdminClient& api, AdminError* err) { return BodyOf(api.GetClient(*id, err)); });
  }
  {
    struct CreateArgs {
      std::string name, description;
      std::vector<std::string> scopes;
      int64_t lifetime = 0;
    };
    auto c_args = std::make_shared<CreateArgs>();
    CLI::App* c = g->add_subcommand("create", "Register a new Maskinporten client");
    c->add_option("--name", c_args->name, "client_name")->required();
    c->add_option("--description", c_args->description, "description (default: the name)");
    c->add_option("--scope", c_args->scopes, "a scope for the client (repeat for more)");
    c->add_option("--lifetime", c_args->lifetime, "access_token_lifetime in seconds");
    SetExamples(c,
                "  maskinporten admin clients create --name my-integration --scope nav:example\n"
                "  maskinporten admin clients create --name batch --scope a:b --scope a:c "
                "--lifetime 300\n");
    OnRun(
        c, ctx,
        [c_args]() -> Status {
          MP_RETURN_IF_ERROR(CheckNonEmpty("--name", c_args->name));
          if (c_args->lifetime < 0) return Status(Errc::kInvalidArgument, "--lifetime must be > 0");
          return OkStatus();
        },
        {kDcrWrite}, {},
        [c_args](const AdminClient& api, AdminError* err) {
          NewClient client{.client_name = c_args->name,
                           .description = c_args->description,
                           .scopes = c_args->scopes};
          if (c_args->lifetime > 0) client.access_token_lifetime = c_args->lifetime;
          return BodyOf(api.CreateClient(client, err));
        });
  }
  {
    struct UpdateArgs {
      std::string id;
      std::optional<std::string> name, description;
      std::vector<std::string> scopes, add_scopes, remove_scopes;
      int64_t lifetime = 0;
    };
    auto u = std::make_shared<UpdateArgs>();
    CLI::App* c = g->add_subcommand("update", "Change a client (GET, change, PUT)");
    c->add_option("client_id", u->id, "the client's client_id")->required();
    c->add_option("--name", u->name, "new client_name");
    c->add_option("--description", u->description, "new description");
    c->add_option("--scope", u->scopes, "replace the scopes with these (repeat)");
    c->add_option("--add-scope", u->add_scopes, "add a scope (repeat)");
    c->add_option("--remove-scope", u->remove_scopes, "remove a scope (repeat)");
    c->add_option("--lifetime", u->lifetime, "new access_token_lifetime in seconds");
    SetExamples(c,
                "  maskinporten admin clients update $ID --add-scope nav:other\n"
                "  maskinporten admin clients update $ID --name renamed --lifetime 60\n");
    OnRun(
        c, ctx,
        [u]() -> Status {
          MP_RETURN_IF_ERROR(CheckNonEmpty("client_id", u->id));
          if (!u->name && !u->description && u->scopes.empty() && u->add_scopes.empty() &&
              u->remove_scopes.empty() && u->lifetime == 0) {
            return Status(Errc::kInvalidArgument,
                          "nothing to change: give --name, --description, --scope, --add-scope, "
                          "--remove-scope or --lifetime");
          }
          if (u->lifetime < 0) return Status(Errc::kInvalidArgument, "--lifetime must be > 0");
          return OkStatus();
        },
        {kDcrRead, kDcrModify}, {},
        [u](const AdminClient& api, AdminError* err) {
          ClientChanges changes{.client_name = u->name,
                                .description = u->description,
                                .add_scopes = u->add_scopes,
                                .remove_scopes = u->remove_scopes};
          if (!u->scopes.empty()) changes.scopes = u->scopes;
          if (u->lifetime > 0) changes.access_token_lifetime = u->lifetime;
          return BodyOf(api.UpdateClient(u->id, changes, err));
        });
  }
  {
    auto id = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("delete", "Deactivate a client (the API never deletes)");
    c->add_option("client_id", *id, "the client's client_id")->required();
    SetExamples(c, "  maskinporten admin clients delete 5f0c2a1e-...\n");
    OnRun(
        c, ctx, [id] { return CheckNonEmpty("client_id", *id); }, {kDcrModify}, {},
        [id](const AdminClient& api, AdminError* err) {
          return BodyOf(api.DeleteClient(*id, err));
        });
  }
}

void AddKeys(CLI::App* admin, Ctx ctx) {
  CLI::App* g = admin->add_subcommand("keys", "A client's registered public keys (JWKS)");
  g->require_subcommand(1);
  SetExamples(g,
              "  maskinporten keygen --kid k1 --out k1.pem --jwk-out k1.jwk.json\n"
              "  maskinporten admin keys set $ID --jwk k1.jwk.json\n"
              "  maskinporten admin keys add $ID --jwk k2.jwk.json\n"
              "  maskinporten admin keys list $ID\n");
  {
    auto id = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("list", "List a client's keys");
    c->add_option("client_id", *id, "the client's client_id")->required();
    SetExamples(c,
                "  maskinporten admin keys list $ID\n  maskinporten admin keys list $ID --json\n");
    OnRun(
        c, ctx, [id] { return CheckNonEmpty("client_id", *id); }, {kDcrRead},
        {.columns = kKeyColumns, .array_member = "keys"},
        [id](const AdminClient& api, AdminError* err) {
          return BodyOf(api.GetClientKeys(*id, err));
        });
  }
  struct KeysArgs {
    std::string id;
    std::vector<std::string> files;
    std::vector<std::string> keys;  // public JWKs, read by the validation step
  };
  auto validate = [](std::shared_ptr<KeysArgs> k) {
    return [k]() -> Status {
      MP_RETURN_IF_ERROR(CheckNonEmpty("client_id", k->id));
      MP_ASSIGN_OR_RETURN(k->keys, ReadPublicJwks(k->files));
      if (k->keys.empty()) return Status(Errc::kInvalidArgument, "--jwk: no keys given");
      return OkStatus();
    };
  };
  {
    auto k = std::make_shared<KeysArgs>();
    CLI::App* c = g->add_subcommand("set", "Replace a client's whole key set (at most 5 keys)");
    c->add_option("client_id", k->id, "the client's client_id")->required();
    c->add_option("--jwk", k->files, "public JWK (or JWKS) file; repeat for more")->required();
    SetExamples(c, "  maskinporten admin keys set $ID --jwk k1.jwk.json --jwk k2.jwk.json\n");
    OnRun(c, ctx, validate(k), {kDcrModify}, {.columns = kKeyColumns, .array_member = "keys"},
          [k](const AdminClient& api, AdminError* err) {
            return BodyOf(api.SetClientKeys(k->id, k->keys, err));
          });
  }
  {
    auto k = std::make_shared<KeysArgs>();
    CLI::App* c =
        g->add_subcommand("add", "Add keys to a client's set (GET the set, POST it back)");
    c->add_option("client_id", k->id, "the client's client_id")->required();
    c->add_option("--jwk", k->files, "public JWK (or JWKS) file; repeat for more")->required();
    SetExamples(c, "  maskinporten admin keys add $ID --jwk k2.jwk.json\n");
    OnRun(c, ctx, validate(k), {kDcrRead, kDcrModify},
          {.columns = kKeyColumns, .array_member = "keys"},
          [k](const AdminClient& api, AdminError* err) {
            return BodyOf(api.AddClientKeys(k->id, k->keys, err));
          });
  }
}

void AddScopes(CLI::App* admin, Ctx ctx) {
  CLI::App* g = admin->add_subcommand("scopes", "Your API scopes and who may use them");
  g->require_subcommand(1);
  SetExamples(g,
              "  maskinporten admin scopes create --prefix myorg --subscope api.read\n"
              "  maskinporten admin scopes grant myorg:api.read 910753614\n"
              "  maskinporten admin scopes access myorg:api.read\n");
  {
    CLI::App* c = g->add_subcommand("list", "List your own scopes");
    SetExamples(c, "  maskinporten admin scopes list\n  maskinporten admin scopes list --json\n");
    OnRun(c, ctx, nullptr, {kScopesWrite}, {.columns = kScopeColumns},
          [](const AdminClient& api, AdminError* err) { return BodyOf(api.ListScopes(err)); });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("get", "Show one of your scopes");
    c->add_option("scope", *name, "the scope name (prefix:subscope)")->required();
    SetExamples(c, "  maskinporten admin scopes get myorg:api.read\n");
    OnRun(
        c, ctx, [name] { return CheckNonEmpty("scope", *name); }, {kScopesWrite}, {},
        [name](const AdminClient& api, AdminError* err) {
          return BodyOf(api.GetScope(*name, err));
        });
  }
  {
    struct CreateArgs {
      std::string prefix, subscope, description, visibility;
      bool delegable = false, accessible_for_all = false;
      int64_t at_max_age = -1;
    };
    auto s = std::make_shared<CreateArgs>();
    CLI::App* c = g->add_subcommand("create", "Create a scope prefix:subscope");
    c->add_option("--prefix", s->prefix, "your scope prefix")->required();
    c->add_option("--subscope", s->subscope, "the part after the colon")->required();
    c->add_option("--description", s->description, "description");
    c->add_option("--visibility", s->visibility, "PUBLIC or PRIVATE");
    c->add_flag("--delegable", s->delegable,
                "may be delegated through Altinn (delegation_source from /delegationsources)");
    c->add_flag("--accessible-for-all", s->accessible_for_all,
                "every organisation may use it (no access list)");
    c->add_option("--at-max-age", s->at_max_age, "longest access token lifetime in seconds");
    SetExamples(c,
                "  maskinporten admin scopes create --prefix myorg --subscope api.read\n"
                "  maskinporten admin scopes create --prefix myorg --subscope open "
                "--accessible-for-all --delegable --at-max-age 300\n");
    OnRun(
        c, ctx,
        [s]() -> Status {
          MP_RETURN_IF_ERROR(CheckNonEmpty("--prefix", s->prefix));
          MP_RETURN_IF_ERROR(CheckNonEmpty("--subscope", s->subscope));
          if (!s->visibility.empty() && s->visibility != "PUBLIC" && s->visibility != "PRIVATE") {
            return Status(Errc::kInvalidArgument,
                          "--visibility must be PUBLIC or PRIVATE, got " + s->visibility);
          }
          if (s->at_max_age != -1 && s->at_max_age < 0) {
            return Status(Errc::kInvalidArgument, "--at-max-age must be >= 0");
          }
          return OkStatus();
        },
        {kScopesWrite}, {},
        [s](const AdminClient& api, AdminError* err) {
          NewScope scope{.prefix = s->prefix,
                         .subscope = s->subscope,
                         .description = s->description,
                         .visibility = s->visibility,
                         .accessible_for_all = s->accessible_for_all,
                         .delegable = s->delegable};
          if (s->at_max_age >= 0) scope.at_max_age = s->at_max_age;
          return BodyOf(api.CreateScope(scope, err));
        });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("delete", "Deactivate one of your scopes");
    c->add_option("scope", *name, "the scope name")->required();
    SetExamples(c, "  maskinporten admin scopes delete myorg:api.read\n");
    OnRun(
        c, ctx, [name] { return CheckNonEmpty("scope", *name); }, {kScopesWrite}, {},
        [name](const AdminClient& api, AdminError* err) {
          return BodyOf(api.DeleteScope(*name, err));
        });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = g->add_subcommand("access", "Who may use one of your scopes");
    c->add_option("scope", *name, "the scope name")->required();
    SetExamples(c, "  maskinporten admin scopes access myorg:api.read\n");
    OnRun(
        c, ctx, [name] { return CheckNonEmpty("scope", *name); }, {kScopesWrite},
        {.columns = kAccessColumns},
        [name](const AdminClient& api, AdminError* err) {
          return BodyOf(api.ListScopeAccess(*name, err));
        });
  }
  struct AccessArgs {
    std::string scope, orgno;
  };
  auto check = [](std::shared_ptr<AccessArgs> x) {
    return [x]() -> Status {
      MP_RETURN_IF_ERROR(CheckNonEmpty("scope", x->scope));
      return CheckOrgNo("ORGNO", x->orgno);
    };
  };
  {
    auto x = std::make_shared<AccessArgs>();
    CLI::App* c = g->add_subcommand("grant", "Give an organisation access to your scope");
    c->add_option("scope", x->scope, "the scope name")->required();
    c->add_option("orgno", x->orgno, "the consumer's organisation number")->required();
    SetExamples(c, "  maskinporten admin scopes grant myorg:api.read 910753614\n");
    OnRun(c, ctx, check(x), {kScopesWrite}, {}, [x](const AdminClient& api, AdminError* err) {
      return BodyOf(api.GrantScopeAccess(x->scope, x->orgno, err));
    });
  }
  {
    auto x = std::make_shared<AccessArgs>();
    CLI::App* c = g->add_subcommand("revoke", "Take an organisation's access away");
    c->add_option("scope", x->scope, "the scope name")->required();
    c->add_option("orgno", x->orgno, "the consumer's organisation number")->required();
    SetExamples(c, "  maskinporten admin scopes revoke myorg:api.read 910753614\n");
    OnRun(c, ctx, check(x), {kScopesWrite}, {}, [x](const AdminClient& api, AdminError* err) {
      return BodyOf(api.RevokeScopeAccess(x->scope, x->orgno, err));
    });
  }
}

void AddDelegations(CLI::App* admin, Ctx ctx) {
  CLI::App* g = admin->add_subcommand(
      "delegations", "Let a supplier act for your organisation (the local stand-in for Altinn)");
  g->require_subcommand(1);
  SetExamples(g,
              "  maskinporten admin delegations add --supplier 910753614 --scope nav:example\n"
              "  maskinporten admin delegations list\n");
  {
    CLI::App* c = g->add_subcommand("list", "Delegations where you are consumer or supplier");
    SetExamples(c, "  maskinporten admin delegations list\n");
    OnRun(c, ctx, nullptr, {kDcrRead}, {.columns = kDelegationColumns},
          [](const AdminClient& api, AdminError* err) { return BodyOf(api.ListDelegations(err)); });
  }
  struct DelegationArgs {
    std::string supplier, scope;
  };
  auto check = [](std::shared_ptr<DelegationArgs> d) {
    return [d]() -> Status {
      MP_RETURN_IF_ERROR(CheckOrgNo("--supplier", d->supplier));
      return CheckNonEmpty("--scope", d->scope);
    };
  };
  {
    auto d = std::make_shared<DelegationArgs>();
    CLI::App* c = g->add_subcommand("add", "Delegate a scope to a supplier");
    c->add_option("--supplier", d->supplier, "the supplier's organisation number")->required();
    c->add_option("--scope", d->scope, "the delegated scope")->required();
    SetExamples(c,
                "  maskinporten admin delegations add --supplier 910753614 --scope nav:example\n");
    OnRun(c, ctx, check(d), {kDcrWrite}, {}, [d](const AdminClient& api, AdminError* err) {
      return BodyOf(api.CreateDelegation(d->supplier, d->scope, err));
    });
  }
  {
    auto d = std::make_shared<DelegationArgs>();
    CLI::App* c = g->add_subcommand("remove", "Withdraw a delegation");
    c->add_option("--supplier", d->supplier, "the supplier's organisation number")->required();
    c->add_option("--scope", d->scope, "the delegated scope")->required();
    SetExamples(
        c, "  maskinporten admin delegations remove --supplier 910753614 --scope nav:example\n");
    OnRun(c, ctx, check(d), {kDcrWrite}, {}, [d](const AdminClient& api, AdminError* err) {
      return BodyOf(api.DeleteDelegation(d->supplier, d->scope, err));
    });
  }
}

}  // namespace

void AddAdmin(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<AdminArgs>();
  CLI::App* admin = app.add_subcommand(
      "admin", "The self-service API (/api/v1): clients, keys, scopes, access, delegations");
  admin->require_subcommand(1);
  admin->fallthrough();  // admin flags may also follow the sub-verb
  AddClientFlags(admin, &a->client);
  admin->add_option("--api", a->api,
                    "API base URL (default: <issuer>api/v1; for --env test/prod Digdir's "
                    "api.(test.)samarbeid.digdir.no/api/v1)");
  admin->add_option("--ca-file", a->ca_file, "PEM CA bundle for TLS");
  admin->add_option("--timeout", a->timeout, "per-request timeout in seconds")
      ->capture_default_str();
  admin->add_flag("--json", a->json, "print the API's JSON as it came");
  admin->add_flag("-v,--verbose", a->verbose, "log the token fetch and each request to stderr");
  SetExamples(
      admin,
      "  maskinporten admin --issuer http://127.0.0.1:8080/ --client-id admin --key admin.pem \\\n"
      "      --kid a1 clients list\n"
      "  maskinporten admin --issuer ... --scope idporten:dcr.write clients create --name x "
      "--scope nav:example\n"
      "  maskinporten admin ... scopes grant myorg:api.read 910753614\n"
      "The admin token's scopes default to what the verb needs (idporten:dcr.read, .write,\n"
      ".modify, idporten:scopes.write). Flags before the sub-verb are the admin client's;\n"
      "after it, the sub-verb's own (e.g. --scope of 'clients create').\n"
      "Exit: 0 ok, 1 the API or Maskinporten refused (error: http_error: <status> <text>),\n"
      "2 bad flags, 3 network or I/O.\n");
  Ctx ctx{.args = a, .exit_code = exit_code};
  AddClients(admin, ctx);
  AddKeys(admin, ctx);
  AddScopes(admin, ctx);
  AddDelegations(admin, ctx);
}

}  // namespace mp::cli
