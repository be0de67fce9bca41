// maskinporten agent: the token sidecar (agent.h, docs/agent.md) as a process: the texas-style
// token API on loopback until SIGINT/SIGTERM; SIGHUP reloads the credential files.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <ctime>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "client_flags.h"
#include "core/strings.h"
#include "maskinporten/agent.h"

namespace mp::cli {
namespace {

// ResolveClient wants a scope; the agent's scopes come with each request, so a placeholder
// stands in when no --allow-scope is given. It is never sent.
constexpr std::string_view kNoScope = "per-request";

struct AgentArgs {
  ClientFlags client;
  std::string listen = "127.0.0.1:0";
  std::string unix_socket;
  bool allow_remote = false;
  TlsFlags tls;
  std::vector<std::string> allow_scopes;
  std::string ca_file;
  int refresh_ahead = 30;
  int threads = 2;
  int max_connections = 256;
  std::string port_file;
  bool json = false;
  bool quiet = false;
};

// SIGHUP, waited for on a thread of its own (blocked everywhere else before any thread starts).
class HangupWatcher {
 public:
  explicit HangupWatcher(Agent& agent) : thread_([this, &agent] { Run(agent); }) {}
  ~HangupWatcher() {
    stop_ = true;
    thread_.join();
  }
  static void BlockInThisThread() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  }

 private:
  void Run(Agent& agent) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    const timespec tick{0, 200 * 1000 * 1000};
    while (!stop_) {
      if (sigtimedwait(&set, nullptr, &tick) == SIGHUP) {
        // The agent logs the outcome (and keeps the old credentials on failure).
        (void)agent.ReloadCredentials();
      }
    }
  }
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::vector<std::string> AllowedScopes(const std::vector<std::string>& args) {
  std::vector<std::string> scopes;
  for (const std::string& arg : args) {
    for (std::string_view scope : SplitAsciiWhitespace(arg)) scopes.emplace_back(scope);
  }
  return scopes;
}

int RunAgent(AgentArgs a) {
  if (a.threads < 0 || a.threads > 256) return UsageError("--threads must be 0..256");
  if (a.max_connections < 1 || a.max_connections > 65536) {
    return UsageError("--max-connections must be 1..65536");
  }
  if (a.refresh_ahead < 0 || a.refresh_ahead > 3600) {
    return UsageError("--refresh-ahead must be 0..3600 seconds");
  }
  const std::vector<std::string> allowed = AllowedScopes(a.allow_scopes);
  a.client.scope_args = allowed.empty() ? std::vector<std::string>{std::string(kNoScope)} : allowed;
  Result<ResolvedClient> client = ResolveClient(a.client);
  if (!client.ok()) return FailFlags(client.status());

  if (!a.unix_socket.empty() && (a.allow_remote || !a.tls.cert.empty())) {
    return UsageError("--unix serves plain HTTP to this user only: no --allow-remote or TLS");
  }
  Result<TlsPem> tls = ReadTlsFlags(a.tls);
  if (!tls.ok()) return FailFlags(tls.status());

  AgentOptions o;
  o.listen = a.listen;
  o.unix_socket = a.unix_socket;
  o.allow_remote = a.allow_remote;
  o.tls_cert_pem = std::move(tls->cert_pem);
  o.tls_key_pem = std::move(tls->key_pem);
  o.client = client->config;
  o.alg = client->credentials.alg();
  o.grant_lifetime = client->spec.lifetime;
  o.allowed_scopes = allowed;
  o.cache.refresh_ahead = std::chrono::seconds(a.refresh_ahead);
  o.http = MakeCurlHttpClient({.ca_file = a.ca_file});
  o.threads = a.threads;
  o.max_connections = static_cast<size_t>(a.max_connections);
  o.handle_signals = true;
  o.log = StderrLineLog(a.quiet);
  HangupWatcher::BlockInThisThread();  // before the server's threads inherit the mask
  Result<std::unique_ptr<Agent>> agent = Agent::Start(o);
  if (!agent.ok()) return FailFlags(agent.status());
  HangupWatcher hangup(**agent);
  const std::string where = a.unix_socket.empty() ? (*agent)->base_url() : "unix:" + a.unix_socket;
  if (!a.port_file.empty()) {
    Status s = WriteOutput(a.port_file, std::to_string((*agent)->port()) + "\n", FileMode::kPublic,
                           Overwrite::kAllow);
    if (!s.ok()) return Fail(s);
  }
  // The variables NAIS sets for an application (SPEC §16): the same code finds this agent.
  if (a.json) {
    nlohmann::ordered_json out;
    out["listening_on"] = where;
    out["issuer"] = (*agent)->issuer();
    out["client_id"] = o.client.client_id;
    out["env"] = {{"NAIS_TOKEN_ENDPOINT", (*agent)->token_endpoint()},
                  {"NAIS_TOKEN_INTROSPECTION_ENDPOINT", (*agent)->introspection_endpoint()}};
    std::cout << out.dump() << std::endl;
  } else {
    // On stderr: stdout's one "listening on" line is what scripts and tests read (as `serve`).
    std::cout << "listening on " << where << std::endl;
    std::cerr << "NAIS_TOKEN_ENDPOINT=" << (*agent)->token_endpoint() << "\n"
              << "NAIS_TOKEN_INTROSPECTION_ENDPOINT=" << (*agent)->introspection_endpoint()
              << std::endl;
  }
  if (!a.unix_socket.empty()) {
    std::cerr << "clients connect through the socket: curl --unix-socket " << a.unix_socket << " "
              << (*agent)->token_endpoint() << std::endl;
  }
  std::cerr << "agent for client " << o.client.client_id << " at " << (*agent)->issuer()
            << (allowed.empty() ? ", any scope" : ", allowed scopes limited") << std::endl;
  (*agent)->Wait();
  std::cerr << "stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void AddAgent(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<AgentArgs>();
  CLI::App* cmd = app.add_subcommand(
      "agent",
      "Run the token sidecar: POST /api/v1/token and /api/v1/introspect (the NAIS/texas API) on "
      "loopback, backed by the token cache; SIGHUP reloads the credential files");
  AddClientFlags(cmd, &a->client);
  // Each request names its own scopes, resource, consumer_org and authorization_details; the
  // grant's time comes from the clock.
  for (const char* unused :
       {"--scope", "--consumer-org", "--resource", "--authorization-details", "--now"}) {
    cmd->remove_option(cmd->get_option(unused));
  }
  cmd->add_option("--allow-scope", a->allow_scopes,
                  "only these scopes may be asked for (repeated or space-separated; default any)");
  CLI::Option* listen = cmd->add_option("--listen", a->listen, "loopback address to listen on")
                            ->capture_default_str();
  cmd->add_option("--unix", a->unix_socket,
                  "serve on a Unix domain socket at this path instead (mode 0600: this user only; "
                  "a stale socket is replaced, any other file refused; removed on exit)")
      ->excludes(listen);
  cmd->add_flag("--allow-remote", a->allow_remote,
                "allow a non-loopback --listen (then --tls-cert and --tls-key are required)");
  AddTlsFlags(cmd, &a->tls);
  cmd->add_option("--ca-file", a->ca_file, "PEM CA bundle for reaching Maskinporten");
  cmd->add_option("--refresh-ahead", a->refresh_ahead,
                  "refresh a cached token this many seconds before it expires")
      ->capture_default_str();
  cmd->add_option("--threads", a->threads, "worker threads (0: one per core)")
      ->capture_default_str();
  cmd->add_option("--max-connections", a->max_connections, "connections served at once")
      ->capture_default_str();
  cmd->add_option("--port-file", a->port_file, "write the bound port to this file");
  cmd->add_flag("--json", a->json, "print the address and variables as one JSON object");
  cmd->add_flag("--quiet", a->quiet, "no request log on stderr");
  SetExamples(
      cmd,
      "  maskinporten agent --env test --client-id \"$CLIENT_ID\" --key key.pem --kid my-kid\n"
      "  maskinporten agent --issuer http://127.0.0.1:8080/ --client-id my-client \\\n"
      "      --jwk client.jwk.json --listen 127.0.0.1:3000 --allow-scope nav:example\n"
      "  maskinporten agent --env test --client-id \"$CLIENT_ID\" --jwk client.jwk.json \\\n"
      "      --unix \"$XDG_RUNTIME_DIR/maskinporten-agent.sock\"\n"
      "  curl -s --unix-socket \"$XDG_RUNTIME_DIR/maskinporten-agent.sock\" \\\n"
      "      -d identity_provider=maskinporten -d target=nav:example \\\n"
      "      http://localhost/api/v1/token\n"
      "  MASKINPORTEN_ENV=prod MASKINPORTEN_CLIENT_ID=... MASKINPORTEN_P12_FILE=virksomhet.p12 \\\n"
      "      MASKINPORTEN_P12_PASSWORD=... maskinporten agent --json\n"
      "  curl -s -X POST \"$NAIS_TOKEN_ENDPOINT\" -H 'Content-Type: application/json' \\\n"
      "      -d '{\"identity_provider\":\"maskinporten\",\"target\":\"nav:example\"}'\n"
      "  kill -HUP <pid>   (after replacing the key file; it is also noticed on the next fetch)\n"
      "Exit codes: 0 stopped by SIGINT/SIGTERM, 1 credentials rejected, 2 usage (a bad flag, a\n"
      "non-loopback --listen without --allow-remote and TLS), 3 I/O (a file, the port, a --unix\n"
      "path taken by another file or a running agent).\n");
  cmd->callback([a, exit_code] { *exit_code = RunAgent(*a); });
}

}  // namespace mp::cli
