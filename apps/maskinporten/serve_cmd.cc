// maskinporten serve: the local Maskinporten (token endpoint, metadata, /jwk, self-service API,
// web pages, test controls) until SIGINT/SIGTERM.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli_common.h"
#include "core/url.h"
#include "maskinporten/local_maskinporten.h"
#include "server/store/store.h"
#include "server/token/signing_keys.h"

namespace mp::cli {
namespace {

struct ServeArgs {
  std::string config;
  std::string db;
  std::string listen = "127.0.0.1:0";
  std::string issuer;
  std::string port_file;
  bool test_controls = false;
  bool no_web = false;
  std::string replay_store = "memory";
  std::string env = "test";
  std::string ca_dir;
  int ca_bits = 3072;
  TlsFlags tls;
  int threads = 0;
  int key_reload = 0;
  int key_activation_delay = 0;
  bool quiet = false;
};

Status EnsureDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Errc::kIoError, "creating " + dir + ": " + ec.message());
  return OkStatus();
}

int RunServe(const ServeArgs& a) {
  LocalMaskinportenOptions o;
  o.listen = a.listen;
  o.issuer = a.issuer;
  o.seed_file = a.config;
  o.test_controls = a.test_controls;
  o.web = !a.no_web;
  o.threads = a.threads;
  o.handle_signals = true;
  o.signing_key_reload_seconds = a.key_reload;
  o.signing_key_activation_delay_seconds = a.key_activation_delay;
  if (a.threads < 0 || a.threads > 256) return UsageError("--threads must be 0..256");
  if (Status s = server::CheckKeyTiming(a.key_reload, a.key_activation_delay); !s.ok()) {
    return UsageError("--key-reload-interval / --key-activation-delay: " + s.message());
  }
  if (a.env == "test") {
    o.environment = CertEnvironment::kTest;
  } else if (a.env == "prod") {
    o.environment = CertEnvironment::kProd;
  } else {
    return UsageError("--env must be test or prod");
  }
  if (a.replay_store == "memory") {
    o.replay_store = ReplayStoreKind::kMemory;
  } else if (a.replay_store == "sqlite") {
    o.replay_store = ReplayStoreKind::kSqlite;
  } else if (a.replay_store.starts_with("redis://") || a.replay_store.starts_with("rediss://")) {
    o.replay_store = ReplayStoreKind::kRedis;  // the URL is judged when the server starts
    o.replay_url = a.replay_store;
  } else if (a.replay_store == "postgres") {
    o.replay_store = ReplayStoreKind::kPostgres;
  } else {
    return UsageError("--replay-store must be memory, sqlite, postgres or redis://HOST:PORT[/DB]");
  }
  if (!a.issuer.empty() && a.issuer.back() != '/') {
    return UsageError("--issuer must end with '/' (Maskinporten issuers keep the trailing slash)");
  }
  Result<TlsPem> tls = ReadTlsFlags(a.tls);
  if (!tls.ok()) return FailFlags(tls.status());
  o.tls_cert_pem = std::move(tls->cert_pem);
  o.tls_key_pem = std::move(tls->key_pem);
  // The key-encryption key comes from the environment only: a flag would put it in `ps` output.
  if (const char* kek = std::getenv("MASKINPORTEN_KEY_ENCRYPTION_KEY"); kek != nullptr) {
    o.key_encryption_key = kek;
  }
  o.db_path = a.db;
  if (o.db_path == ":memory:" && o.replay_store == ReplayStoreKind::kSqlite) {
    return UsageError(
        "--replay-store sqlite keeps claims in the --db file; give a file, not :memory:");
  }
  const bool postgres = server::IsPostgresUrl(o.db_path);
  if (postgres && o.replay_store == ReplayStoreKind::kSqlite) {
    return UsageError(
        "--replay-store sqlite needs a SQLite --db file; with a PostgreSQL --db "
        "use --replay-store postgres");
  }
  if (!postgres && o.replay_store == ReplayStoreKind::kPostgres) {
    return UsageError(
        "--replay-store postgres keeps claims in the --db database; give "
        "--db postgresql://USER@HOST:PORT/DBNAME");
  }
  o.ca_dir = a.ca_dir;
  if (a.ca_bits != 2048 && a.ca_bits != 3072 && a.ca_bits != 4096) {
    return UsageError("--ca-bits must be 2048, 3072 or 4096");
  }
  o.ca_key_bits = a.ca_bits;
  if (o.db_path.empty() || o.ca_dir.empty()) {
    std::string dir = ServeDataDir();
    if (Status s = EnsureDir(dir); !s.ok()) return Fail(s);
    if (o.db_path.empty()) o.db_path = dir + "/local.db";
    if (o.ca_dir.empty()) o.ca_dir = dir + "/ca";
  }
  // What the log says about the registry: a PostgreSQL URL without its password.
  Result<std::string> masked = postgres ? server::MaskedPostgresUrl(o.db_path) : o.db_path;
  if (!masked.ok()) return Fail(masked.status().WithContext("--db"));
  o.request_log = StderrLineLog(a.quiet);
  Stopwatch sw;
  Result<std::unique_ptr<LocalMaskinporten>> server = LocalMaskinporten::Start(o);
  // The flags are checked above, so what fails here is a document (the seed, TLS material: 1) or
  // a file, the registry or the port (3). Both name the file, the seed's errors also the path.
  // (A --listen the HTTP layer cannot parse arrives as invalid_argument too, and exits 1.)
  if (!server.ok()) return FailDocument(server.status());
  if (!a.port_file.empty()) {
    Status s = WriteOutput(a.port_file, std::to_string((*server)->port()) + "\n", FileMode::kPublic,
                           Overwrite::kAllow);
    if (!s.ok()) return Fail(s);
  }
  std::cout << "listening on " << (*server)->base_url() << std::endl;
  std::cerr << "issuer " << (*server)->issuer() << ", registry " << *masked << ", replay store "
            << RedactUserinfo(a.replay_store) << ", started in " << static_cast<int>(sw.Millis())
            << " ms" << std::endl;
  // On stderr: stdout's one "listening on" line is what scripts and tests read.
  std::cerr << "altinn consents on " << (*server)->consent_issuer() << std::endl;
  if (o.web) std::cerr << "web pages on " << (*server)->base_url() << "/" << std::endl;
  (*server)->Wait();
  std::cerr << "stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void AddServe(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the local Maskinporten: /token, metadata, /jwk, self-service API /api/v1, web pages /");
  cmd->add_option("--config", a->config, "seed file (docs/emulator.md)");
  cmd->add_option("--db", a->db,
                  "registry: a SQLite file, :memory:, or postgresql://USER[:PASSWORD]@HOST:PORT/DB "
                  "shared by several instances (default: a file in the user's data directory)");
  cmd->add_option("--listen", a->listen, "address to listen on")->capture_default_str();
  cmd->add_option("--issuer", a->issuer, "issuer URL (default http://HOST:PORT/)");
  cmd->add_option("--port-file", a->port_file, "write the bound port to this file");
  cmd->add_flag("--test-controls", a->test_controls,
                "enable /_local/ (clock offset, faults, key rotation, journal, replay reset)");
  cmd->add_flag("--no-web", a->no_web,
                "do not serve the web pages at / and their local login (/local-login/)");
  cmd->add_option("--replay-store", a->replay_store,
                  "memory, sqlite (in the --db file), postgres (in the --db database), or "
                  "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?wait=N]; all but memory are shared "
                  "by several instances")
      ->capture_default_str();
  cmd->add_option("--env", a->env, "environment played: test or prod")->capture_default_str();
  cmd->add_option("--ca-dir", a->ca_dir,
                  "local test CA directory, created on first run (default: data directory/ca)");
  cmd->add_option("--ca-bits", a->ca_bits, "RSA size of a new local test CA")
      ->capture_default_str();
  AddTlsFlags(cmd, &a->tls);
  cmd->add_option("--threads", a->threads, "worker threads (0: one per core)");
  cmd->add_option("--key-reload-interval", a->key_reload,
                  "several instances on one registry: re-read the signing keys at most this many "
                  "seconds apart (0: once)");
  cmd->add_option("--key-activation-delay", a->key_activation_delay,
                  "several instances: a rotated signing key signs this many seconds after it is "
                  "published; must exceed --key-reload-interval (0: at once)");
  cmd->add_flag("--quiet", a->quiet, "no request log on stderr");
  SetExamples(
      cmd,
      "  maskinporten serve\n"
      "  maskinporten serve --config seed.json --db :memory: --listen 127.0.0.1:8080\n"
      "  maskinporten serve --config seed.json --test-controls --port-file port.txt\n"
      "  maskinporten serve --replay-store sqlite --db ./local.db\n"
      "  maskinporten serve --replay-store redis://127.0.0.1:6379/0 --db ./local.db\n"
      "  maskinporten serve --db postgresql://mp@127.0.0.1:5432/mp --replay-store postgres\n"
      "  maskinporten serve --db postgresql://mp@127.0.0.1:5432/mp "
      "--replay-store redis://127.0.0.1:6379/0 --key-reload-interval 5 "
      "--key-activation-delay 10\n");
  cmd->callback([a, exit_code] { *exit_code = RunServe(*a); });
}

}  // namespace mp::cli
