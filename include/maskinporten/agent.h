// Agent: a local token sidecar for programs in any language (SPEC §16), with the HTTP API NAIS
// applications already call (nais/texas). A program POSTs
//   {"identity_provider":"maskinporten","target":"nav:example"}
// to /api/v1/token and gets {"access_token","token_type":"Bearer","expires_in"} back; behind it
// is the client's TokenProvider (single-flight, refresh-ahead, stale-if-error, a fresh grant per
// retry, clock-skew correction, Maskinporten's error codes). /api/v1/introspect checks a token
// with the AccessTokenValidator and the environment's JWKS; /health and /metrics (Prometheus)
// are for operators. docs/agent.md is the user's guide.
//
// It binds loopback only unless allow_remote is set (and then serves HTTPS only). Credentials
// are reloaded when their files change (checked before each upstream fetch) and on
// ReloadCredentials() (the CLI calls it on SIGHUP); a file that does not load keeps the old
// credentials.
//
//   mp::AgentOptions o;
//   o.client = resolved_client_config;          // environment, client_id, credential files
//   o.http = mp::MakeCurlHttpClient();
//   MP_ASSIGN_OR_RETURN(auto agent, mp::Agent::Start(o));
//   std::cout << "NAIS_TOKEN_ENDPOINT=" << agent->token_endpoint() << "\n";
//   agent->Wait();
#ifndef MASKINPORTEN_AGENT_H_
#define MASKINPORTEN_AGENT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/agent_export.h"
#include "maskinporten/client_config.h"
#include "maskinporten/clock.h"
#include "maskinporten/http.h"
#include "maskinporten/status.h"
#include "maskinporten/token_client.h"
#include "maskinporten/token_provider.h"

namespace mp {

struct AgentOptions {
  // host:port ("127.0.0.1:0" picks a free port). A host other than loopback (127.0.0.0/8, ::1,
  // localhost) is refused unless allow_remote is set, and then tls_cert_pem/tls_key_pem are
  // required: tokens never cross a network in clear text.
  std::string listen = "127.0.0.1:0";
  // A path: serve on a Unix domain socket there instead of `listen` (plain HTTP; the file is
  // mode 0600, so only this user's processes reach it). A file that is not a socket, or a socket
  // another process listens on, is refused; a stale socket is replaced; Stop removes it.
  std::string unix_socket{};
  bool allow_remote = false;
  std::string tls_cert_pem{};
  std::string tls_key_pem{};

  // Who the agent is, as the CLI's client flags resolve it (ResolveClientConfig): env or
  // issuer, client_id, one credential form. Its scopes, resource and consumer_org are unused:
  // each request names its own. The credential files are read at Start and again when they
  // change.
  ClientConfig client{};
  Algorithm alg = Algorithm::kRS256;
  std::chrono::seconds grant_lifetime = kDefaultGrantLifetime;
  RetryPolicy retry{};

  // Scopes a caller may ask for; empty: any the client has. A request for another scope is
  // refused (403 access_denied) before any grant is made.
  std::vector<std::string> allowed_scopes{};

  // The token cache (refresh-ahead, margin, LRU bound). Its clock defaults to `clock`.
  TokenProviderOptions cache{};

  // Outbound HTTP (token endpoint and JWKS): required; MakeCurlHttpClient() in production.
  std::shared_ptr<HttpClient> http{};
  const Clock* clock = nullptr;  // SystemClock when null

  // One JSON object per line: each token and introspection request (scope, cache outcome,
  // latency, MP code; never a token or grant), refused HTTP requests, credential reloads. Null:
  // no log. Called from the server's threads: must be thread safe.
  std::function<void(std::string_view line)> log{};

  // The HTTP server's bounds (as `serve`): threads (0: one per core), connections, sizes, timeouts.
  int threads = 0;
  size_t max_connections = 256;
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{10000};
  bool handle_signals = false;  // stop gracefully on SIGINT/SIGTERM (the agent verb)
};

// Counters for tests and `GET /metrics`.
struct AgentStats {
  uint64_t token_requests = 0;      // POST /api/v1/token answered
  uint64_t upstream_fetches = 0;    // token requests sent to Maskinporten (each with retries)
  uint64_t credential_reloads = 0;  // new credentials taken into use
  uint64_t credential_reload_failures = 0;  // a changed file that did not load (old ones kept)
  TokenProviderStats cache{};
};

class MP_AGENT_EXPORT Agent {
 public:
  // Checks the options, loads the credentials, binds and serves. Errc::kInvalidArgument naming
  // the option (a non-loopback listen without allow_remote and TLS, a bad issuer), the
  // credentials' own error for a file that does not load, kIoError when binding fails.
  static Result<std::unique_ptr<Agent>> Start(const AgentOptions& options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // "http://127.0.0.1:PORT" (https with TLS), no trailing slash; on a Unix socket
  // "http://localhost" (what a client sends over it: curl --unix-socket PATH http://localhost/).
  std::string base_url() const;
  uint16_t port() const;            // 0 on a Unix socket
  std::string unix_socket() const;  // the socket's path; "" on TCP
  // The URLs NAIS gives applications (NAIS_TOKEN_ENDPOINT, NAIS_TOKEN_INTROSPECTION_ENDPOINT).
  std::string token_endpoint() const;          // base_url() + "/api/v1/token"
  std::string introspection_endpoint() const;  // base_url() + "/api/v1/introspect"
  // The issuer tokens come from (with trailing slash).
  const std::string& issuer() const;

  // Loads the credential files again now (SIGHUP). OK when the new credentials are in use (or
  // nothing changed); otherwise the error, and the old credentials stay in use.
  Status ReloadCredentials();
  AgentStats stats() const;

  void Stop();  // graceful: requests in flight finish; idempotent
  void Wait();  // until stopped (Stop() or a handled signal)

 private:
  struct Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mp

#endif  // MASKINPORTEN_AGENT_H_
