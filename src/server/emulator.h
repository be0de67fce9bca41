// The local Maskinporten without its socket: everything one emulator owns and the router it
// serves. LocalMaskinporten (include/maskinporten/local_maskinporten.h) puts an HttpServer in
// front of it; the fuzz targets (fuzz/http_fuzz.cc) dispatch whole requests to the same router in
// memory. Defined in local_maskinporten.cc.
//
//   Emulator e;
//   e.options = {...};                              // db_path ":memory:", seed, test_controls ...
//   MP_RETURN_IF_ERROR(ConfigureEmulator(e));       // clock, stores, seed, CA, signing keys
//   AddEmulatorRoutes(e, "http://127.0.0.1:8080");  // issuer, token service, every route
//   HttpResponse r = e.router.Dispatch(request);
#ifndef MASKINPORTEN_SERVER_EMULATOR_H_
#define MASKINPORTEN_SERVER_EMULATOR_H_

#include <atomic>
#include <memory>
#include <string>

#include "grant/metric_names.h"
#include "http/http_server.h"
#include "http/metrics.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/status.h"
#include "server/altinn/altinn_consent.h"
#include "server/handlers/test_controls.h"
#include "server/server_config.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"
#include "server/token/token_service.h"

namespace mp::server {

// The local Maskinporten's names for the HTTP layer's labels (grant/metric_names.h, shared with the
// agent), and its own counter of issued tokens.
inline http::LabelNames EmulatorLabelNames() {
  return {.metric_prefix = std::string(metric_names::kPrefix),
          .route = std::string(metric_names::kEndpoint),
          .outcome = std::string(metric_names::kMpCode)};
}
constexpr std::string_view kTokensIssuedCounter = "maskinporten_tokens_issued_total";

// Everything one running emulator owns, in the order it is built (and destroyed in reverse:
// the HTTP server, last member, stops before the state its handlers use goes away).
struct Emulator {
  LocalMaskinportenOptions options;
  // The samtykketoken key of the consent stand-in (default: made on first use).
  ConsentSignerOptions consent_signer{};
  std::unique_ptr<OffsetClock> clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<ReplayStore> replay;
  std::unique_ptr<SigningKeys> keys;
  ServerConfig config;
  std::unique_ptr<TokenService> tokens;
  Journal journal;
  FaultInjector faults;
  http::Metrics metrics{EmulatorLabelNames()};
  http::Router router;
  std::atomic<bool> ready{false};
  std::unique_ptr<http::HttpServer> http;  // null when requests are dispatched in memory
};

// From e.options: the clock, the registry and replay store, the seed, the local CA and the
// signing keys. The errors LocalMaskinporten::Start documents.
Status ConfigureEmulator(Emulator& e);

// Once the base URL ("http://127.0.0.1:PORT", no trailing slash) is known: the issuer
// (options.issuer, else base_url + "/"), the token service, and every route of the server.
void AddEmulatorRoutes(Emulator& e, const std::string& base_url);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_EMULATOR_H_
