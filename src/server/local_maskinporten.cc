// LocalMaskinporten: composes the store, signing keys, token service, self-service API, test
// controls and the HTTP server into one running emulator
// (include/maskinporten/local_maskinporten.h).
#include "maskinporten/local_maskinporten.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "maskinporten/test_ca.h"
#include "server/altinn/consent_requests.h"
#include "server/altinn/system_users.h"
#include "server/emulator.h"
#include "server/handlers/local_login.h"
#include "server/handlers/self_service_api.h"
#include "server/handlers/web_assets.h"
#include "server/registry/seed.h"
#include "server/store/redis_replay_store.h"

namespace mp {

using http::HttpRequest;
using http::HttpResponse;

struct LocalMaskinporten::Impl : server::Emulator {};

namespace {

int64_t UnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Applies a seed's registry part; at start also its trust anchors and deny-list. Trust is fixed
// once the server runs (the token service reads it without a lock), so a later seed may not
// carry any.
enum class SeedTrust { kAllowed, kRefused };
Status ApplySeedTo(server::Emulator& impl, const server::SeedConfig& seed, SeedTrust trust) {
  bool has_trust =
      !seed.test_anchors.empty() || !seed.prod_anchors.empty() || !seed.revoked_serials.empty();
  if (has_trust && trust == SeedTrust::kRefused) {
    return Status(Errc::kInvalidArgument,
                  seed.file_name +
                      ": trust_anchors and revoked_serials can only be given when the server "
                      "starts");
  }
  MP_RETURN_IF_ERROR(server::ApplySeed(seed, *impl.store, *impl.clock));
  server::AddSeedTrust(seed, impl.config);
  return OkStatus();
}

// The local test CA's root becomes a TEST anchor; the CA is created on first use.
Status LoadOrCreateCa(server::Emulator& impl) {
  const std::string& dir = impl.options.ca_dir;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "root.pem", ec)) {
    MP_ASSIGN_OR_RETURN(TestCa created, TestCa::Create({.key_bits = impl.options.ca_key_bits}));
    MP_RETURN_IF_ERROR(created.Save(dir));
  }
  MP_ASSIGN_OR_RETURN(TestCa ca, TestCa::Load(dir));
  impl.config.test_anchors.Add(ca.root());
  // A leaf-only x5c (as Digdir's jwt-grant-generator sends) builds through the issuing CA.
  impl.config.test_anchors.AddIntermediate(ca.issuing());
  return OkStatus();
}

void AddRoutes(server::Emulator& impl, const std::string& base_url) {
  server::TokenService* tokens = impl.tokens.get();
  server::FaultInjector* faults = &impl.faults;
  impl.router.Add("POST", "/token", [tokens, faults](const http::HttpRequest& r) {
    return server::WithFaults(
        *faults, r, [tokens](const http::HttpRequest& q) { return tokens->HandleToken(q); });
  });
  impl.router.Add("GET", "/.well-known/oauth-authorization-server",
                  [tokens](const http::HttpRequest& r) { return tokens->HandleMetadata(r); });
  impl.router.Add("GET", "/jwk",
                  [tokens](const http::HttpRequest& r) { return tokens->HandleJwks(r); });
  server::Store* store = impl.store.get();
  server::ReplayStore* replay = impl.replay.get();
  impl.router.Add("GET", "/health", [store, replay](const http::HttpRequest&) {
    // Each backend the token endpoint needs, probed now: the registry answers a read, the replay
    // store its own probe (a PING for Redis). One down: 503 "degraded", naming it and why.
    const std::pair<std::string_view, Status> backends[] = {
        {"registry", store->GetClient("").status()}, {"replay_store", replay->Probe()}};
    nlohmann::ordered_json body = {{"status", "ok"}};
    int status = 200;
    for (const auto& [name, probe] : backends) {
      body[std::string(name)] = probe.ok() ? "ok" : "unavailable: " + probe.message();
      if (!probe.ok()) status = 503;
    }
    if (status != 200) body["status"] = "degraded";
    http::HttpResponse r = http::HttpResponse::Json(
        status, body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    r.headers.emplace_back("Cache-Control", "no-store");
    r.labels.route = "health";
    return r;
  });
  http::Metrics* metrics = &impl.metrics;
  impl.router.Add("GET", "/metrics", [metrics](const http::HttpRequest&) {
    http::HttpResponse r =
        http::HttpResponse::Text(200, metrics->Render(), std::string(http::Metrics::kContentType));
    r.labels.route = "metrics";
    return r;
  });
  server::AddSelfServiceRoutes(
      impl.router,
      {.store = *impl.store, .keys = *impl.keys, .config = impl.config, .clock = *impl.clock});
  server::AddAltinnConsentRoutes(impl.router, {.store = *impl.store,
                                               .keys = *impl.keys,
                                               .config = impl.config,
                                               .clock = *impl.clock,
                                               .signer_options = impl.consent_signer,
                                               .base_url = base_url});
  server::AddConsentRequestRoutes(impl.router, {.store = *impl.store,
                                                .keys = *impl.keys,
                                                .config = impl.config,
                                                .clock = *impl.clock,
                                                .base_url = base_url});
  server::AddSystemUserRoutes(impl.router, {.store = *impl.store,
                                            .keys = *impl.keys,
                                            .config = impl.config,
                                            .clock = *impl.clock,
                                            .base_url = base_url});
  if (impl.options.web) {
    server::AddWebRoutes(impl.router, server::EmbeddedWebAssets());
    server::AddLocalLoginRoutes(impl.router, {.store = *impl.store,
                                              .tokens = *impl.tokens,
                                              .config = impl.config,
                                              .clock = *impl.clock,
                                              .key_pem = impl.options.web_login_key_pem});
  }
  if (impl.options.test_controls) {
    server::AddTestControlRoutes(impl.router, {.clock = impl.clock.get(),
                                               .journal = &impl.journal,
                                               .faults = &impl.faults,
                                               .keys = impl.keys.get(),
                                               .replay = impl.replay.get()});
  }
}

Status OpenStores(server::Emulator& impl) {
  const LocalMaskinportenOptions& o = impl.options;
  const bool postgres = server::IsPostgresUrl(o.db_path);
  // Each server thread makes one store call at a time.
  const int threads = o.threads > 0
                          ? o.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const server::PostgresStoreOptions pg{.url = o.db_path, .pool_size = threads};
  if (postgres) {
    MP_ASSIGN_OR_RETURN(impl.store, server::OpenPostgresStore(pg));
  } else {
    MP_ASSIGN_OR_RETURN(impl.store, server::OpenSqliteStore({.path = o.db_path}));
  }
  if (o.replay_store == ReplayStoreKind::kSqlite) {
    if (o.db_path == ":memory:" || postgres) {
      return Status(Errc::kInvalidArgument,
                    "the sqlite replay store needs a SQLite database file, not " +
                        std::string(postgres ? "a PostgreSQL URL" : ":memory:"));
    }
    MP_ASSIGN_OR_RETURN(impl.replay, server::OpenSqliteReplayStore({.path = o.db_path}));
  } else if (o.replay_store == ReplayStoreKind::kRedis) {
    MP_ASSIGN_OR_RETURN(server::RedisReplayOptions redis, server::ParseRedisUrl(o.replay_url));
    redis.pool_size = static_cast<size_t>(threads);
    MP_ASSIGN_OR_RETURN(impl.replay, server::OpenRedisReplayStore(redis));
  } else if (o.replay_store == ReplayStoreKind::kPostgres) {
    if (!postgres) {
      return Status(Errc::kInvalidArgument,
                    "the postgres replay store lives in the PostgreSQL registry: give a "
                    "postgresql:// database URL");
    }
    MP_ASSIGN_OR_RETURN(impl.replay, server::OpenPostgresReplayStore(pg));
  } else {
    impl.replay = server::NewMemoryReplayStore();
  }
  return OkStatus();
}

}  // namespace

namespace server {

Status ConfigureEmulator(Emulator& impl) {
  const LocalMaskinportenOptions& o = impl.options;
  impl.clock = std::make_unique<server::OffsetClock>(o.clock != nullptr ? *o.clock
                                                                        : SystemClock::Instance());
  impl.config.environment = o.environment;
  // First: a bad key-encryption key must fail before anything is created or written.
  std::optional<server::KeyEncryptionKey> kek;
  if (!o.key_encryption_key.empty()) {
    MP_ASSIGN_OR_RETURN(kek, server::KeyEncryptionKey::FromBase64(o.key_encryption_key));
  }
  impl.consent_signer.key_encryption = kek;
  MP_RETURN_IF_ERROR(OpenStores(impl));
  // Before the seed: its clients may name the open Altinn scopes.
  MP_RETURN_IF_ERROR(server::EnsureAltinnScopes(*impl.store, *impl.clock));
  if (!o.ca_dir.empty()) MP_RETURN_IF_ERROR(LoadOrCreateCa(impl));
  if (!o.seed_file.empty()) {
    MP_ASSIGN_OR_RETURN(server::SeedConfig seed, server::LoadSeedFile(o.seed_file));
    MP_RETURN_IF_ERROR(ApplySeedTo(impl, seed, SeedTrust::kAllowed));
  }
  if (!o.seed_json.empty()) {
    MP_ASSIGN_OR_RETURN(server::SeedConfig seed, server::LoadSeed(o.seed_json, "seed", "."));
    MP_RETURN_IF_ERROR(ApplySeedTo(impl, seed, SeedTrust::kAllowed));
  }
  MP_ASSIGN_OR_RETURN(impl.keys, server::SigningKeys::Load(
                                     *impl.store, *impl.clock,
                                     {.bits = o.signing_key_bits,
                                      .initial_key_pem = o.signing_key_pem,
                                      .reload_interval = o.signing_key_reload_seconds,
                                      .activation_delay = o.signing_key_activation_delay_seconds,
                                      .key_encryption = kek}));
  return OkStatus();
}

void AddEmulatorRoutes(Emulator& impl, const std::string& base_url) {
  impl.config.issuer = impl.options.issuer.empty() ? base_url + "/" : impl.options.issuer;
  impl.tokens = std::make_unique<server::TokenService>(impl.config, *impl.store, *impl.replay,
                                                       *impl.keys, *impl.clock);
  impl.metrics.AddCounter(std::string(server::kTokensIssuedCounter), "Access tokens issued.");
  Emulator* raw = &impl;
  impl.tokens->on_outcome = [raw](const server::TokenOutcome& outcome) {
    if (outcome.issued) raw->metrics.Increment(server::kTokensIssuedCounter);
    raw->journal.Add(outcome);
  };
  AddRoutes(impl, base_url);
}

}  // namespace server

LocalMaskinporten::LocalMaskinporten(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LocalMaskinporten::~LocalMaskinporten() { Stop(); }

Result<std::unique_ptr<LocalMaskinporten>> LocalMaskinporten::Start(
    const LocalMaskinportenOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  MP_RETURN_IF_ERROR(server::ConfigureEmulator(*impl));

  // The issuer depends on the bound port, so the server starts first and answers 503 until the
  // routes exist (nobody knows the port before Start returns, but a port scan could).
  Impl* raw = impl.get();
  http::HttpServerOptions http{.listen = options.listen,
                               .threads = options.threads,
                               .tls_cert_pem = options.tls_cert_pem,
                               .tls_key_pem = options.tls_key_pem,
                               .handle_signals = options.handle_signals,
                               .clock = impl->clock.get()};
  http.on_request = [raw](const http::RequestLogEntry& e) {
    raw->metrics.Record(e);
    if (raw->options.request_log)
      raw->options.request_log(http::RequestLogLine(e, UnixMillis(), raw->metrics.names()));
  };
  MP_ASSIGN_OR_RETURN(impl->http, http::HttpServer::Start(http, [raw](const http::HttpRequest& r) {
                        if (!raw->ready.load(std::memory_order_acquire)) {
                          return http::HttpResponse::Json(503, R"({"error":"starting"})");
                        }
                        return raw->router.Dispatch(r);
                      }));
  server::AddEmulatorRoutes(*impl, impl->http->BaseUrl());
  impl->ready.store(true, std::memory_order_release);
  return std::unique_ptr<LocalMaskinporten>(new LocalMaskinporten(std::move(impl)));
}

const std::string& LocalMaskinporten::issuer() const { return impl_->config.issuer; }
std::string LocalMaskinporten::token_endpoint() const { return impl_->config.issuer + "token"; }
std::string LocalMaskinporten::base_url() const { return impl_->http->BaseUrl(); }
uint16_t LocalMaskinporten::port() const { return impl_->http->port(); }
std::string LocalMaskinporten::consent_issuer() const {
  return server::ConsentIssuer(impl_->http->BaseUrl());
}
std::string LocalMaskinporten::consent_jwks_uri() const { return consent_issuer() + "jwks"; }

Status LocalMaskinporten::ApplySeed(std::string_view seed_json) {
  MP_ASSIGN_OR_RETURN(server::SeedConfig seed, server::LoadSeed(seed_json, "seed", "."));
  return ApplySeedTo(*impl_, seed, SeedTrust::kRefused);
}

Status LocalMaskinporten::RotateSigningKey() { return impl_->keys->Rotate(); }

void LocalMaskinporten::Stop() {
  if (impl_ && impl_->http) impl_->http->Stop();
}

void LocalMaskinporten::Wait() { impl_->http->Wait(); }

}  // namespace mp
