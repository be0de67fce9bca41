// The agent's TokenSource: a TokenClient whose credentials are reloaded when their files change
// (checked before each fetch) or when asked (SIGHUP). A file that does not load keeps the old
// credentials; the reason goes to the log. It also remembers the last Maskinporten refusal per
// cache key, so the agent can hand the upstream error (status, error, MP code, trace id) to every
// caller that shared the failed fetch. Private to src/agent.
//
//   MP_ASSIGN_OR_RETURN(auto source, CredentialSource::Create(options));
//   TokenProvider provider(*source, cache_options);
//   Result<AccessToken> t = provider.Get(request);
//   if (!t.ok()) std::optional<MaskinportenError> e = source->LastRefusal(request);
#ifndef MASKINPORTEN_AGENT_CREDENTIAL_SOURCE_H_
#define MASKINPORTEN_AGENT_CREDENTIAL_SOURCE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/mutex.h"
#include "maskinporten/client_config.h"
#include "maskinporten/endpoints.h"
#include "maskinporten/token_client.h"
#include "maskinporten/token_provider.h"

namespace mp::agent {

struct CredentialSourceOptions {
  Endpoints endpoints{};
  ClientConfig client{};  // client_id and the credential files
  Algorithm alg = Algorithm::kRS256;
  std::chrono::seconds grant_lifetime = kDefaultGrantLifetime;
  RetryPolicy retry{};
  std::shared_ptr<HttpClient> http{};  // required, shared
  const Clock* clock = nullptr;
  // After each upstream fetch: its outcome, the refusal's MP code ("" when none) and how long it
  // took (retries included).
  std::function<void(const Status&, std::string_view mp_code, std::chrono::microseconds)>
      on_fetch{};
  // One-line events (credential reloads); never key material.
  std::function<void(std::string_view event, const Status&)> on_reload{};
};

class CredentialSource final : public TokenSource {
 public:
  // Loads the credentials once; their error when they do not load.
  static Result<std::unique_ptr<CredentialSource>> Create(CredentialSourceOptions options);

  std::string CacheNamespace() const override;
  Result<AccessToken> FetchToken(const TokenRequest& request) override;

  // Loads the files again now, changed or not. The old credentials stay on failure.
  Status Reload() MP_EXCLUDES(mu_);
  // The refusal of the last failed fetch for this request's cache key, if it was one.
  std::optional<MaskinportenError> LastRefusal(const TokenRequest& request) const MP_EXCLUDES(mu_);
  // Upstream fetches made by the calling thread so far: a request that sees it grow fetched.
  static uint64_t FetchesOnThisThread();

  uint64_t fetches() const { return fetches_.load(std::memory_order_relaxed); }
  uint64_t reloads() const { return reloads_.load(std::memory_order_relaxed); }
  uint64_t reload_failures() const { return reload_failures_.load(std::memory_order_relaxed); }

 private:
  explicit CredentialSource(CredentialSourceOptions options) : options_(std::move(options)) {}
  // Identity of the credential files now (device, inode, size, mtime of each).
  std::string Fingerprint() const;
  Status LoadLocked(const std::string& fingerprint) MP_REQUIRES(mu_);
  std::shared_ptr<TokenClient> Current() MP_EXCLUDES(mu_);

  CredentialSourceOptions options_;
  std::string namespace_;
  mutable Mutex mu_;
  std::shared_ptr<TokenClient> client_ MP_GUARDED_BY(mu_);
  std::string fingerprint_ MP_GUARDED_BY(mu_);  // of the files last tried, loaded or not
  std::unordered_map<std::string, MaskinportenError> refusals_ MP_GUARDED_BY(mu_);
  std::atomic<uint64_t> fetches_{0};
  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> reload_failures_{0};
};

}  // namespace mp::agent

#endif  // MASKINPORTEN_AGENT_CREDENTIAL_SOURCE_H_
