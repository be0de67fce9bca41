// Agent: see include/maskinporten/agent.h and docs/agent.md.
#include "maskinporten/agent.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include <nlohmann/json.hpp>

#include "agent/agent_api.h"
#include "agent/credential_source.h"
#include "core/json.h"
#include "core/utc_time.h"
#include "grant/metric_names.h"
#include "http/http_server.h"
#include "http/metrics.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "maskinporten/loopback.h"
#include "maskinporten/validator.h"

namespace mp {
namespace {

constexpr std::string_view kTokenPath = "/api/v1/token";
constexpr std::string_view kIntrospectPath = "/api/v1/introspect";

http::HttpResponse JsonResponse(int status, const nlohmann::ordered_json& body,
                                std::string endpoint) {
  http::HttpResponse response = http::HttpResponse::Json(
      status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  response.labels.route = std::move(endpoint);
  return response;
}

// SPEC §16: errors are {"error","error_description"}.
http::HttpResponse ErrorResponse(int status, std::string_view error, std::string_view description,
                                 std::string endpoint) {
  nlohmann::ordered_json body;
  body["error"] = error;
  body["error_description"] = description;
  return JsonResponse(status, body, std::move(endpoint));
}

// A compact JWS and "Bearer" need no JSON escaping; the hit path writes them directly (escaping
// a 1 KB token byte by byte was the agent's largest cost over the bare HTTP server).
bool NeedsNoEscaping(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  });
}

// SPEC §16: {"access_token","token_type","expires_in"}.
http::HttpResponse TokenResponse(const AccessToken& token, int64_t expires_in,
                                 std::string_view endpoint) {
  // Both arms string_views: with a literal on one side the ?: would make a temporary std::string
  // and leave `type` dangling (clang's -Wdangling-gsl found it in the fuzz build).
  const std::string_view type =
      token.token_type.empty() ? std::string_view("Bearer") : std::string_view(token.token_type);
  if (!NeedsNoEscaping(token.access_token) || !NeedsNoEscaping(type)) {
    nlohmann::ordered_json body;
    body["access_token"] = token.access_token;
    body["token_type"] = type;
    body["expires_in"] = expires_in;
    return JsonResponse(200, body, std::string(endpoint));
  }
  std::string body;
  body.reserve(token.access_token.size() + 80);
  body += R"({"access_token":")";
  body += token.access_token;
  body += R"(","token_type":")";
  body += type;
  body += R"(","expires_in":)";
  body += std::to_string(expires_in);
  body += '}';
  http::HttpResponse response = http::HttpResponse::Json(200, std::move(body));
  response.labels.route = std::string(endpoint);
  return response;
}

int64_t UnixMillis(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch())
      .count();
}

// The host of "host:port" / "[v6]:port", for the loopback rule (the server parses it fully).
std::string_view ListenHost(std::string_view listen) {
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    return close == std::string_view::npos ? listen : listen.substr(0, close + 1);
  }
  const size_t colon = listen.rfind(':');
  return colon == std::string_view::npos ? listen : listen.substr(0, colon);
}

Status CheckOptions(const AgentOptions& o) {
  if (!o.http) return Status(Errc::kInvalidArgument, "http: an HttpClient is required");
  if (o.client.client_id.empty()) return Status(Errc::kInvalidArgument, "client_id is required");
  if (!o.unix_socket.empty()) {
    // The file's mode (0600) decides who connects: no address rule, and no TLS to carry.
    if (!o.tls_cert_pem.empty() || !o.tls_key_pem.empty()) {
      return Status(Errc::kInvalidArgument, "unix socket " + o.unix_socket +
                                                ": served as plain HTTP; TLS applies to --listen");
    }
  } else if (const std::string_view host = ListenHost(o.listen); !IsLoopbackHost(host)) {
    if (!o.allow_remote) {
      return Status(Errc::kInvalidArgument,
                    "listen " + o.listen +
                        ": not a loopback address; the agent hands a token to whoever connects, "
                        "so it binds 127.0.0.1, ::1 or localhost unless remote access is allowed "
                        "(--allow-remote, with TLS)");
    }
    if (o.tls_cert_pem.empty() || o.tls_key_pem.empty()) {
      return Status(Errc::kInvalidArgument,
                    "listen " + o.listen +
                        ": remote access needs TLS (--tls-cert and --tls-key): tokens never cross "
                        "a network in clear text");
    }
  }
  if (o.threads < 0 || o.threads > 256) {
    return Status(Errc::kInvalidArgument,
                  "threads " + std::to_string(o.threads) + " is outside 0..256");
  }
  return OkStatus();
}

// The HTTP status and `error` for a failed Get: the upstream refusal as Maskinporten gave it
// (SPEC §16: IdP errors passed through with their status), our own request errors as 400, and
// everything else (network, unexpected answers) as 500 server_error.
struct Refusal {
  int status;
  std::string error;
};
Refusal RefusalFor(const Status& status, const std::optional<MaskinportenError>& upstream) {
  if (status.code() == Errc::kMaskinportenError && upstream && upstream->http_status >= 400 &&
      upstream->http_status <= 599 && !upstream->error.empty()) {
    return {upstream->http_status, upstream->error};
  }
  switch (status.code()) {
    case Errc::kInvalidArgument:
    case Errc::kInvalidGrant:
    case Errc::kInvalidOrgNumber:
    case Errc::kInvalidJson:
    case Errc::kDuplicateJsonKey:
    case Errc::kLimitExceeded:
      return {400, "invalid_request"};
    default:
      return {500, "server_error"};
  }
}

}  // namespace

struct Agent::Impl {
  AgentOptions options;
  const Clock* clock = nullptr;
  Endpoints endpoints;
  std::unique_ptr<agent::CredentialSource> source;
  std::unique_ptr<TokenProvider> provider;
  std::shared_ptr<JwksCache> keys;
  AccessTokenPolicy introspect_policy;
  // The local Maskinporten's label names (docs/agent.md), so one dashboard reads both.
  http::Metrics metrics{{.metric_prefix = std::string(metric_names::kPrefix),
                         .route = std::string(metric_names::kEndpoint),
                         .outcome = std::string(metric_names::kMpCode)}};
  http::Router router;
  std::atomic<uint64_t> token_requests{0};
  std::unique_ptr<http::HttpServer> server;

  void Log(const nlohmann::ordered_json& line) const {
    if (options.log) {
      options.log(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }

  // One line per API request: never the token, the grant or the request body.
  void LogCall(const http::HttpRequest& request, const http::HttpResponse& response,
               std::string_view scope, std::string_view cache,
               std::chrono::steady_clock::time_point start) const {
    if (!options.log) return;
    nlohmann::ordered_json line;
    line["time"] = FormatUtcMillis(UnixMillis(*clock));
    line["level"] = response.status >= 500 ? "error" : response.status >= 400 ? "warn" : "info";
    line["trace_id"] = request.trace_id;
    line["path"] = request.path;
    line["status"] = response.status;
    line["scope"] = scope;
    line["cache"] = cache;
    line[metric_names::kMpCode] = response.labels.outcome;
    line["latency_ms"] =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    line["remote"] = request.remote;
    Log(line);
  }

  http::HttpResponse Token(const http::HttpRequest& request) {
    const auto start = std::chrono::steady_clock::now();
    token_requests.fetch_add(1, std::memory_order_relaxed);
    std::string cache = "none";
    Result<agent::TokenCall> call = agent::ParseTokenCall(request);
    http::HttpResponse response = TokenFor(call, cache);
    LogCall(request, response, call.ok() ? call->target : "", cache, start);
    return response;
  }

  http::HttpResponse TokenFor(const Result<agent::TokenCall>& call, std::string& cache) {
    constexpr std::string_view kEndpoint = "agent.token";
    if (!call.ok()) {
      return ErrorResponse(400, "invalid_request", call.status().message(), std::string(kEndpoint));
    }
    if (call->identity_provider != agent::kIdentityProvider) {
      return ErrorResponse(400, "invalid_request",
                           "identity provider '" + call->identity_provider +
                               "' is not enabled (this agent serves maskinporten)",
                           std::string(kEndpoint));
    }
    if (!options.allowed_scopes.empty()) {
      for (const std::string& scope : call->request.scopes) {
        if (std::find(options.allowed_scopes.begin(), options.allowed_scopes.end(), scope) ==
            options.allowed_scopes.end()) {
          return ErrorResponse(403, "access_denied",
                               "scope '" + scope + "' is not in this agent's allowed scopes",
                               std::string(kEndpoint));
        }
      }
    }
    if (call->skip_cache) provider->Invalidate(call->request);
    const uint64_t fetches_before = agent::CredentialSource::FetchesOnThisThread();
    Result<AccessToken> token = provider->Get(call->request);
    cache = agent::CredentialSource::FetchesOnThisThread() != fetches_before ? "miss" : "hit";
    if (!token.ok()) {
      std::optional<MaskinportenError> upstream;
      if (token.status().code() == Errc::kMaskinportenError) {
        upstream = source->LastRefusal(call->request);
      }
      const Refusal refusal = RefusalFor(token.status(), upstream);
      // The description keeps the MP code and trace id (MaskinportenError::Summary's form).
      http::HttpResponse response = ErrorResponse(refusal.status, refusal.error,
                                                  token.status().message(), std::string(kEndpoint));
      if (upstream) response.labels.outcome = upstream->mp_code;
      return response;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::seconds>(token->expires_at - clock->Now());
    return TokenResponse(*token, std::max<int64_t>(0, left.count()), kEndpoint);
  }

  http::HttpResponse Introspect(const http::HttpRequest& request) {
    const auto start = std::chrono::steady_clock::now();
    constexpr std::string_view kEndpoint = "agent.introspect";
    Result<agent::IntrospectCall> call = agent::ParseIntrospectCall(request);
    http::HttpResponse response;
    if (!call.ok()) {
      response =
          ErrorResponse(400, "invalid_request", call.status().message(), std::string(kEndpoint));
    } else {
      response = JsonResponse(200, Inspect(*call), std::string(kEndpoint));
    }
    LogCall(request, response, "", "none", start);
    return response;
  }

  // SPEC §16: always {"active":true,<claims>} or {"active":false,"error":...}.
  nlohmann::ordered_json Inspect(const agent::IntrospectCall& call) const {
    nlohmann::ordered_json out;
    const auto inactive = [&out](std::string error) {
      out["active"] = false;
      out["error"] = std::move(error);
      return out;
    };
    if (call.identity_provider != agent::kIdentityProvider) {
      return inactive("identity provider '" + call.identity_provider + "' is not enabled");
    }
    // Maskinporten's introspection checks no audience (SPEC §16): a resource-bound token is
    // checked against its own aud, so only signature, iss and times decide.
    AccessTokenPolicy policy = introspect_policy;
    if (Result<ParsedJws> jws = ParseJws(call.token); jws.ok()) {
      if (Result<Claims> claims = Claims::Parse(jws->payload); claims.ok()) {
        if (Result<std::optional<std::string>> aud = claims->GetString("aud");
            aud.ok() && aud->has_value()) {
          policy.audience = **aud;
        }
      }
    }
    AccessTokenValidator validator(std::move(policy), keys);
    Result<ValidatedAccessToken> valid = validator.Validate(call.token);
    if (!valid.ok()) {
      return inactive(std::string(ErrcName(valid.status().code())) + ": " +
                      valid.status().message());
    }
    out["active"] = true;
    Result<nlohmann::json> claims = ParseStrictJsonObject(valid->claims.ToJson());
    if (claims.ok()) {
      for (auto& [name, value] : claims->items()) {
        if (name != "active") out[name] = value;
      }
    }
    return out;
  }

  http::HttpResponse Health(const http::HttpRequest&) const {
    http::HttpResponse response = http::HttpResponse::Json(200, R"({"status":"ok"})");
    response.labels.route = "agent.health";
    return response;
  }

  http::HttpResponse MetricsPage(const http::HttpRequest&) const {
    http::HttpResponse response = http::HttpResponse::Text(
        200, metrics.Render() + AgentMetrics(), std::string(http::Metrics::kContentType));
    response.labels.route = "agent.metrics";
    return response;
  }

  std::string AgentMetrics() const {
    const TokenProviderStats s = provider->stats();
    std::string out;
    const auto metric = [&out](std::string_view name, std::string_view type, std::string_view help,
                               uint64_t value) {
      out += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
      out += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
      out += std::string(name) + " " + std::to_string(value) + "\n";
    };
    metric("maskinporten_agent_token_requests_total", "counter",
           "POST /api/v1/token requests answered.", token_requests.load());
    metric("maskinporten_agent_cache_hits_total", "counter", "Tokens served from the cache.",
           s.hits);
    metric("maskinporten_agent_cache_misses_total", "counter",
           "Requests that found no valid cached token.", s.misses);
    metric("maskinporten_agent_upstream_fetches_total", "counter",
           "Token requests sent to Maskinporten (retries inside one fetch not counted).",
           source->fetches());
    metric("maskinporten_agent_refresh_ahead_total", "counter",
           "Refreshes started before a cached token expired.", s.refreshes);
    metric("maskinporten_agent_fetch_failures_total", "counter",
           "Upstream fetches that failed after their retries.", s.failures);
    metric("maskinporten_agent_stale_served_total", "counter",
           "Still-valid tokens served after a refresh failed (stale-if-error).", s.stale_served);
    metric("maskinporten_agent_cache_entries", "gauge", "Tokens in the cache.", s.entries);
    metric("maskinporten_agent_credential_reloads_total", "counter",
           "Credential files loaded again and taken into use.", source->reloads());
    metric("maskinporten_agent_credential_reload_failures_total", "counter",
           "Changed credential files that did not load (the old credentials stayed).",
           source->reload_failures());
    return out;
  }

  void OnRequest(const http::RequestLogEntry& entry) {
    metrics.Record(entry);
    // The API calls log themselves (with scope and cache outcome); the server's own refusals
    // (400/408/413/431) and unknown paths are logged here.
    if (entry.status >= 400 && entry.labels.route != "agent.token" &&
        entry.labels.route != "agent.introspect" && options.log) {
      options.log(http::RequestLogLine(entry, UnixMillis(*clock), metrics.names()));
    }
  }

  void OnFetch(const Status& status, std::string_view mp_code, std::chrono::microseconds took) {
    http::RequestLogEntry entry;
    entry.labels.route = "upstream.token";
    entry.status = status.ok() ? 200 : 0;
    entry.labels.outcome = std::string(mp_code);
    entry.latency = took;
    metrics.Record(entry);
  }

  void OnReload(std::string_view event, const Status& status) const {
    nlohmann::ordered_json line;
    line["time"] = FormatUtcMillis(UnixMillis(*clock));
    line["level"] = status.ok() ? "info" : "error";
    line["event"] = event;
    if (!status.ok()) line["reason"] = status.ToString();
    Log(line);
  }
};

Result<std::unique_ptr<Agent>> Agent::Start(const AgentOptions& options) {
  MP_RETURN_IF_ERROR(CheckOptions(options));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock != nullptr ? options.clock : &SystemClock::Instance();
  Impl* self = impl.get();
  MP_ASSIGN_OR_RETURN(impl->endpoints, options.client.issuer.empty()
                                           ? EndpointsForPreset(options.client.env)
                                           : EndpointsForIssuer(options.client.issuer));

  agent::CredentialSourceOptions source;
  source.endpoints = impl->endpoints;
  source.client = options.client;
  source.alg = options.alg;
  source.grant_lifetime = options.grant_lifetime;
  source.retry = options.retry;
  source.http = options.http;
  source.clock = options.clock;
  source.on_fetch = [self](const Status& s, std::string_view code, std::chrono::microseconds t) {
    self->OnFetch(s, code, t);
  };
  source.on_reload = [self](std::string_view event, const Status& s) { self->OnReload(event, s); };
  MP_ASSIGN_OR_RETURN(impl->source, agent::CredentialSource::Create(std::move(source)));
  TokenProviderOptions cache = options.cache;
  if (cache.clock == nullptr) cache.clock = options.clock;
  impl->provider = std::make_unique<TokenProvider>(*impl->source, cache);

  JwksCacheOptions jwks;
  jwks.clock = options.clock;
  MP_ASSIGN_OR_RETURN(impl->keys, JwksCache::FromUri(options.http, impl->endpoints.jwks_uri, jwks));
  impl->introspect_policy.issuer = impl->endpoints.issuer;
  impl->introspect_policy.allow_supplier = true;  // a supplier's token is a valid token
  impl->introspect_policy.clock = options.clock;

  http::Router& router = impl->router;
  router.Add("POST", std::string(kTokenPath),
             [self](const http::HttpRequest& r) { return self->Token(r); });
  router.Add("POST", std::string(kIntrospectPath),
             [self](const http::HttpRequest& r) { return self->Introspect(r); });
  for (const char* path : {"/", "/health", "/healthz"}) {
    router.Add("GET", path, [self](const http::HttpRequest& r) { return self->Health(r); });
  }
  router.Add("GET", "/metrics",
             [self](const http::HttpRequest& r) { return self->MetricsPage(r); });

  http::HttpServerOptions http;
  http.listen = options.listen;
  http.unix_socket = options.unix_socket;
  http.threads = options.threads;
  http.max_connections = options.max_connections;
  http.max_body_bytes = options.max_body_bytes;
  http.read_timeout = options.read_timeout;
  http.tls_cert_pem = options.tls_cert_pem;
  http.tls_key_pem = options.tls_key_pem;
  http.handle_signals = options.handle_signals;
  http.clock = options.clock;
  http.on_request = [self](const http::RequestLogEntry& e) { self->OnRequest(e); };
  MP_ASSIGN_OR_RETURN(impl->server,
                      http::HttpServer::Start(http, [self](const http::HttpRequest& r) {
                        return self->router.Dispatch(r);
                      }));
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() { Stop(); }

std::string Agent::base_url() const { return impl_->server->BaseUrl(); }
uint16_t Agent::port() const { return impl_->server->port(); }
std::string Agent::unix_socket() const { return impl_->server->UnixSocketPath(); }
std::string Agent::token_endpoint() const { return base_url() + std::string(kTokenPath); }
std::string Agent::introspection_endpoint() const {
  return base_url() + std::string(kIntrospectPath);
}
const std::string& Agent::issuer() const { return impl_->endpoints.issuer; }

Status Agent::ReloadCredentials() { return impl_->source->Reload(); }

AgentStats Agent::stats() const {
  AgentStats s;
  s.token_requests = impl_->token_requests.load();
  s.upstream_fetches = impl_->source->fetches();
  s.credential_reloads = impl_->source->reloads();
  s.credential_reload_failures = impl_->source->reload_failures();
  s.cache = impl_->provider->stats();
  return s;
}

void Agent::Stop() { impl_->server->Stop(); }
void Agent::Wait() { impl_->server->Wait(); }

}  // namespace mp
