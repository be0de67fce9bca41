// maskinporten inspect: explains a Maskinporten access token in plain words, WITHOUT verifying it
// (use `maskinporten jwt verify` or, as an API owner, `validate` for that).
#include <ctime>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/checked.h"
#include "core/json.h"
#include "core/scope_set.h"
#include "maskinporten/jws.h"
#include "maskinporten/org_number.h"

namespace mp::cli {
namespace {

struct InspectTokenArgs {
  std::string token;
  int64_t now = 0;
  bool json = false;
};

std::string LocalTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %Z", &tm);
  return buf;
}

// "0192:910753614" from {"authority":..., "ID":...}; the org digits when ICD 0192 and valid.
nlohmann::json DescribeParty(const nlohmann::json& party) {
  nlohmann::json out = nlohmann::json::object();
  if (!party.is_object() || !party.contains("ID") || !party["ID"].is_string()) {
    out["error"] = "not an object with a string ID";
    return out;
  }
  std::string id = party["ID"].get<std::string>();
  out["id"] = id;
  if (party.contains("authority")) out["authority"] = party["authority"];
  if (Result<OrgNumber> org = OrgNumber::ParseIso6523(id); org.ok()) {
    out["org_number"] = org->digits();
  } else {
    out["org_number"] = nullptr;
    out["note"] = org.status().message();
  }
  return out;
}

// Personal identifiers are shown only as their length and last two digits.
std::string MaskPid(const std::string& pid) {
  if (pid.size() <= 2) return std::string(pid.size(), '*');
  return std::string(pid.size() - 2, '*') + pid.substr(pid.size() - 2);
}

// A JWT NumericDate in 1970..2199 (core/checked.h), fractions floored, else nullopt: hostile
// values (1e300, 2^64-1, INT64_MIN) are left out rather than overflowing the arithmetic below.
std::optional<int64_t> NumericDate(const nlohmann::json& p, const char* name) {
  auto it = p.find(name);
  if (it == p.end() || !it->is_number()) return std::nullopt;
  Result<int64_t> seconds = EpochSecondsFromDouble(it->get<double>(), name);
  if (!seconds.ok()) return std::nullopt;
  return *seconds;
}

nlohmann::json Explain(const nlohmann::json& header, const nlohmann::json& p, int64_t now) {
  nlohmann::json e = nlohmann::json::object();
  e["verified"] = false;
  e["alg"] = header.value("alg", "");
  e["kid"] = header.value("kid", "");
  for (const char* k :
       {"iss", "client_id", "client_amr", "token_type", "jti", "scope", "delegation_source"}) {
    if (p.contains(k)) e[k] = p[k];
  }
  if (p.contains("scope") && p["scope"].is_string()) {
    e["scopes"] = ScopeSet::Parse(p["scope"].get_ref<const std::string&>()).scopes();
  }
  if (p.contains("consumer")) e["consumer"] = DescribeParty(p["consumer"]);
  if (p.contains("supplier")) e["supplier"] = DescribeParty(p["supplier"]);
  e["delegated"] = p.contains("supplier");
  if (p.contains("aud")) e["aud"] = p["aud"];
  if (p.contains("pid") && p["pid"].is_string()) e["pid"] = MaskPid(p["pid"].get<std::string>());
  if (p.contains("authorization_details")) e["authorization_details"] = p["authorization_details"];
  std::optional<int64_t> iat = NumericDate(p, "iat");
  std::optional<int64_t> exp = NumericDate(p, "exp");
  if (iat) {
    e["iat"] = *iat;
    e["iat_local"] = LocalTime(*iat);
  }
  if (exp) {
    e["exp"] = *exp;
    e["exp_local"] = LocalTime(*exp);
    e["expires_in"] = *exp - now;
    e["expired"] = *exp - now <= 0;
  }
  if (iat && exp) e["lifetime"] = *exp - *iat;
  return e;
}

std::string Str(const nlohmann::json& e, const char* k) {
  return e.contains(k) && e[k].is_string() ? e[k].get<std::string>() : std::string("(absent)");
}

void PrintPlain(const nlohmann::json& e) {
  std::cout << "Maskinporten access token (decoded, NOT verified)\n";
  std::cout << "  issuer:        " << Str(e, "iss") << "\n";
  std::cout << "  client_id:     " << Str(e, "client_id") << "  (authenticated by "
            << Str(e, "client_amr") << ")\n";
  auto party = [&](const char* k, const char* role) {
    if (!e.contains(k)) return;
    const auto& p = e[k];
    std::cout << "  " << role;
    if (p.contains("org_number") && p["org_number"].is_string()) {
      std::cout << "org " << p["org_number"].get<std::string>() << "  (" << p.value("id", "")
                << ")\n";
    } else {
      std::cout << p.value("id", "?") << "  (" << p.value("note", p.value("error", "")) << ")\n";
    }
  };
  party("consumer", "consumer:      ");
  party("supplier", "supplier:      ");
  if (e["delegated"].get<bool>()) {
    std::cout << "  delegation:    the supplier acts for the consumer through "
              << Str(e, "delegation_source") << "\n";
  } else {
    std::cout << "  delegation:    none (the client acts for its own organisation)\n";
  }
  if (e.contains("scopes")) {
    std::cout << "  scopes:       ";
    for (const auto& s : e["scopes"]) std::cout << " " << s.get<std::string>();
    std::cout << "\n";
  }
  if (e.contains("aud")) std::cout << "  audience:      " << e["aud"].dump() << "\n";
  if (e.contains("pid")) std::cout << "  person (pid):  " << e["pid"].get<std::string>() << "\n";
  if (e.contains("authorization_details")) {
    std::cout << "  authorization_details: " << e["authorization_details"].dump() << "\n";
  }
  if (e.contains("iat_local")) std::cout << "  issued:        " << Str(e, "iat_local") << "\n";
  if (e.contains("exp_local")) {
    int64_t left = e["expires_in"].get<int64_t>();
    std::cout << "  expires:       " << Str(e, "exp_local") << "  ("
              << (left > 0 ? "expires in " + std::to_string(left) + " s"
                           : "expired " + std::to_string(-left) + " s ago")
              << ")\n";
  }
  if (e.contains("jti")) std::cout << "  jti:           " << Str(e, "jti") << "\n";
}

int RunInspectToken(const InspectTokenArgs& a) {
  Result<std::string> token = ReadTokenArg(a.token);
  if (!token.ok()) return Fail(token.status());
  Result<ParsedJws> jws = ParseJws(*token);
  if (!jws.ok()) return Fail(jws.status());
  Result<nlohmann::json> payload = ParseStrictJsonObject(jws->payload);
  if (!payload.ok()) return Fail(payload.status().WithContext("token payload"));
  Result<nlohmann::json> header = ParseStrictJsonObject(jws->header.json);
  if (!header.ok()) return Fail(header.status().WithContext("token header"));
  int64_t now = a.now != 0 ? a.now : SystemClock::Instance().NowSeconds();
  nlohmann::json e = Explain(*header, *payload, now);
  if (a.json) {
    std::cout << DumpJson(e) << "\n";
  } else {
    PrintPlain(e);
  }
  return kExitOk;
}

}  // namespace

void AddInspect(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<InspectTokenArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Explain a Maskinporten access token in plain words (decodes; does not verify)");
  cmd->add_option("token", a->token, "the access token, or - for stdin")->required();
  cmd->add_option("--now", a->now, "compute 'expires in' at this Unix time")->check(UnixTimeFlag());
  cmd->add_flag("--json", a->json, "print the explanation as JSON");
  SetExamples(cmd,
              "  maskinporten inspect eyJraWQiOi...\n"
              "  maskinporten token --env test ... | maskinporten inspect -\n"
              "  maskinporten inspect --json - < token.txt\n");
  cmd->callback([a, exit_code] { *exit_code = RunInspectToken(*a); });
}

}  // namespace mp::cli
