// LocalMaskinporten: the offline Maskinporten emulator, started inside your own process.
//
// It serves what `maskinporten serve` serves: POST /token with Maskinporten's checks and error
// texts, the metadata document, /jwk, the self-service API under /api/v1, /health and /metrics,
// and with test_controls the /_local/ endpoints (clock offset, fault injection, key rotation,
// request journal, replay reset), and unless web is off the web pages at "/" with their local
// login. Registry in SQLite (":memory:" by default when embedded) or PostgreSQL.
//
//   mp::LocalMaskinportenOptions options;
//   options.seed_file = "tests/seed.json";
//   MP_ASSIGN_OR_RETURN(auto mp, mp::LocalMaskinporten::Start(options));
//   std::string issuer = mp->issuer();   // "http://127.0.0.1:41234/": the grant's aud
//   ...                                   // get tokens from mp->token_endpoint()
//   mp->Stop();                           // also done by the destructor
#ifndef MASKINPORTEN_LOCAL_MASKINPORTEN_H_
#define MASKINPORTEN_LOCAL_MASKINPORTEN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/emulator_export.h"
#include "maskinporten/status.h"

namespace mp {

enum class ReplayStoreKind {
  kMemory,    // sharded in-memory set (default); a restart forgets claimed jti
  kSqlite,    // in the registry's SQLite file: a restart, even after a crash, does not reopen
              // replays; a power loss may lose the last claims (docs/operations.md, "Durability")
  kRedis,     // one Redis at replay_url, shared by several instances (docs/operations.md, "Redis
              // replay store"); while it is down /token answers 503 and /health says so
  kPostgres,  // a table in the registry's PostgreSQL database (db_path postgresql://...), shared
              // by every instance on it (docs/operations.md, "PostgreSQL registry")
};

struct MP_EMULATOR_EXPORT LocalMaskinportenOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  // The issuer (grant aud, token iss). "" = "http://<host>:<port>/" (trailing slash kept).
  std::string issuer{};
  // Registry: a SQLite file (created on first use), ":memory:", or a PostgreSQL URL
  // "postgresql://user[:password]@host[:port]/dbname" that several instances share (its password
  // is never logged or put in an error; connections: one per thread).
  std::string db_path = ":memory:";
  ReplayStoreKind replay_store = ReplayStoreKind::kMemory;
  // kRedis: "redis://[[user]:password@]host[:port][/db][?wait=N&...]" (docs/operations.md).
  // The password is never logged or put in an error.
  std::string replay_url{};
  // Seed (docs/emulator.md): a file, or the JSON itself. Applied idempotently at start.
  std::string seed_file{};
  std::string seed_json{};
  // The environment this instance plays (which trust anchors count, delegation_source).
  CertEnvironment environment = CertEnvironment::kTest;
  // The local test CA: loaded from this directory, or created there when it holds none; its root
  // is a trust anchor of the TEST environment. "" = no local CA (only the seed's anchors).
  std::string ca_dir{};
  int ca_key_bits = 3072;
  // The /_local/ test controls (clock offset, faults, rotation, journal, replay reset).
  bool test_controls = false;
  // The self-service web pages at "/" and their local login under /local-login/ (docs/emulator.md,
  // "Web pages"). false: both answer 404.
  bool web = true;
  // The web login's RSA key (PKCS#8 PEM; tests share one). "": RSA-2048 made at the first login.
  std::string web_login_key_pem{};
  int threads = 0;  // 0: one per core
  // HTTPS: PEM certificate chain and private key. Both empty: plain HTTP.
  std::string tls_cert_pem{};
  std::string tls_key_pem{};
  // Signing keys: RSA size of generated keys, or a PKCS#8 PEM used as the first key of a new
  // registry (tests share one to skip key generation).
  int signing_key_bits = 3072;
  std::string signing_key_pem{};
  // Several instances on one shared registry (docs/operations.md, "Running several instances"):
  // each re-reads the signing keys at most this many seconds after its last read, and a rotated
  // key signs only after the activation delay, published everywhere before that. 0 and 0 (one
  // instance): read once, a rotated key signs at once. Each 0..86400; a non-zero reload interval
  // needs a larger activation delay.
  int signing_key_reload_seconds = 0;
  int signing_key_activation_delay_seconds = 0;
  // Key-encryption key: base64 of 32 random bytes (`openssl rand -base64 32`; `serve` reads
  // $MASKINPORTEN_KEY_ENCRYPTION_KEY). Set: the private parts of the signing keys and the consent
  // key are stored AES-256-GCM encrypted, and a registry written so cannot be opened without it.
  // "": stored as PEM (docs/operations.md, "Keys at rest").
  std::string key_encryption_key{};
  // Time source (SystemClock when null); test controls add their offset to it.
  const Clock* clock = nullptr;
  // Stop gracefully on SIGINT/SIGTERM (the serve verb).
  bool handle_signals = false;
  // One JSON line per request (trace_id, path, status, MP code, latency; never tokens). Null: none.
  std::function<void(std::string_view line)> request_log{};
};

class MP_EMULATOR_EXPORT LocalMaskinporten {
 public:
  // Opens the registry, applies the seed, loads or creates the signing key and CA, binds and
  // serves. Errc::kIoError for a store or bind failure, kNetworkError for a Redis replay store
  // that cannot be reached, kInvalidArgument for a bad replay_url, the seed's own error for a bad
  // seed (naming file, JSON path and problem).
  static Result<std::unique_ptr<LocalMaskinporten>> Start(const LocalMaskinportenOptions& options);
  ~LocalMaskinporten();
  LocalMaskinporten(const LocalMaskinporten&) = delete;
  LocalMaskinporten& operator=(const LocalMaskinporten&) = delete;

  const std::string& issuer() const;   // with trailing slash
  std::string token_endpoint() const;  // issuer + "token"
  std::string base_url() const;        // "http://127.0.0.1:PORT" (no trailing slash)
  uint16_t port() const;

  // The local stand-in for Altinn's consent service (docs/emulator.md, "Consents"): the iss of
  // the samtykketokens it issues ("http://127.0.0.1:PORT/altinn/"), and its JWKS URL.
  std::string consent_issuer() const;
  std::string consent_jwks_uri() const;

  // Applies more seed JSON (same format and rules as the seed file).
  Status ApplySeed(std::string_view seed_json);
  // A new current signing key; the previous one stays in /jwk.
  Status RotateSigningKey();

  // Graceful stop: requests in flight finish. Idempotent.
  void Stop();
  // Blocks until stopped (Stop() or a handled signal).
  void Wait();

 private:
  struct Impl;
  explicit LocalMaskinporten(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mp

#endif  // MASKINPORTEN_LOCAL_MASKINPORTEN_H_
