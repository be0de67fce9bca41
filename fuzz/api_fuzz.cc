// Fuzzes the request bodies and parameters of the self-service API (/api/v1: clients, keys,
// scopes, access, delegations; src/server/handlers/self_service_api.cc and api_rules.cc) through
// the emulator's router, each input on the emulator reset to the fuzz registry (fuzz_world.h).
// The first byte chooses the route (low 4 bits, kRoutes) and the caller (high bits: the route's
// usual org, kOrgA, kOrgB, the API owner kOwnerOrg, or no token); the next line is the query
// string (placeholders expanded), the rest the body. Properties:
//   - nothing crashes, leaks or hangs;
//   - every answer has the documented shape (CheckResponse) with a status of 200, 201, 400, 401,
//     403, 404, 405 or 409 (the store is healthy: never 500);
//   - a refused request stores nothing (docs/emulator.md): the registry is unchanged after 4xx;
//   - a write that succeeds is read back unchanged by the matching GET.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/openssl.h"
#include "fuzz_check.h"
#include "fuzz_emulator.h"
#include "fuzz_world.h"

namespace {

using mp::http::HttpResponse;

struct Route {
  const char* method;
  std::string path;
  const char* token;      // the usual caller
  const char* read_back;  // "client", "jwks": GET route.path reads back what a write returned
};

const std::vector<Route>& Routes() {
  using mp::fuzz::kClientA;
  using mp::fuzz::kOrgB;
  static const std::vector<Route>* routes = new std::vector<Route>{
      {"POST", "/api/v1/clients", "@TOKEN_A@", ""},
      {"PUT", "/api/v1/clients/" + std::string(kClientA), "@TOKEN_A@", "client"},
      {"POST", "/api/v1/clients/" + std::string(kClientA) + "/jwks", "@TOKEN_A@", "jwks"},
      {"PUT", "/api/v1/clients/" + std::string(kClientA) + "/jwks", "@TOKEN_A@", "jwks"},
      {"POST", "/api/v1/scopes", "@TOKEN_OWNER@", ""},
      {"PUT", "/api/v1/scopes", "@TOKEN_OWNER@", ""},
      {"PUT", "/api/v1/scopes/access/" + std::string(kOrgB), "@TOKEN_OWNER@", ""},
      {"POST", "/api/v1/delegations", "@TOKEN_A@", ""},
      {"DELETE", "/api/v1/delegations", "@TOKEN_A@", ""},
      {"DELETE", "/api/v1/scopes/access/" + std::string(mp::fuzz::kOrgA), "@TOKEN_OWNER@", ""},
      {"DELETE", "/api/v1/clients/" + std::string(kClientA), "@TOKEN_A@", ""},
      {"DELETE", "/api/v1/scopes", "@TOKEN_OWNER@", ""},
      {"GET", "/api/v1/scopes", "@TOKEN_OWNER@", ""},
      {"GET", "/api/v1/scopes/access", "@TOKEN_OWNER@", ""},
      {"GET", "/api/v1/delegations", "@TOKEN_B@", ""},
      {"GET", "/api/v1/clients", "@TOKEN_A@", ""},
  };
  return *routes;
}

const char* Caller(unsigned choice, const Route& route) {
  switch (choice) {
    case 1:
      return "@TOKEN_A@";
    case 2:
      return "@TOKEN_B@";
    case 3:
      return "@TOKEN_OWNER@";
    case 4:
      return "";
    default:
      return route.token;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned first = 0;
  std::string_view rest =
      mp::fuzz::SplitFirstByte({reinterpret_cast<const char*>(data), size}, &first);
  const Route& route = Routes()[first & 15];
  const std::string query = mp::fuzz::ExpandPlaceholders(mp::fuzz::NextLine(&rest));
  std::string target = route.path + (query.empty() ? "" : "?" + query);

  mp::fuzz::FuzzEmulator& emulator = mp::fuzz::FuzzEmulator::Fresh();
  const char* caller = Caller((first >> 4) % 5, route);
  HttpResponse r =
      emulator.Dispatch(mp::fuzz::Request(route.method, target, caller, std::string(rest)));
  mp::fuzz::CheckResponse(r, {200, 201, 400, 401, 403, 404, 405, 409});
  if (r.status >= 400) {
    emulator.CheckRegistryUnchanged();
  } else if (std::string_view(route.read_back) == "client" ||
             std::string_view(route.read_back) == "jwks") {
    HttpResponse back = emulator.Dispatch(mp::fuzz::Request("GET", route.path, caller, ""));
    FUZZ_CHECK(back.status == 200);
    auto written = mp::ParseStrictJson(r.body);
    auto read = mp::ParseStrictJson(back.body);
    FUZZ_CHECK(written.ok() && read.ok() && *written == *read);
  }
  mp::ClearOpenSslErrors();
  return 0;
}
