#include "agent/credential_source.h"

#include <sys/stat.h>

#include <utility>

namespace mp::agent {
namespace {

// Bounds the refusal memory: one entry per failing cache key, cleared when full.
constexpr size_t kMaxRemembered = 1024;

thread_local uint64_t t_fetches = 0;

}  // namespace

Result<std::unique_ptr<CredentialSource>> CredentialSource::Create(
    CredentialSourceOptions options) {
  if (options.http == nullptr) {
    return Status(Errc::kInvalidArgument, "CredentialSource needs an HttpClient");
  }
  std::unique_ptr<CredentialSource> source(new CredentialSource(std::move(options)));
  // As TokenClient's own source names it (token_provider.cc): issuer and client.
  source->namespace_ = source->options_.endpoints.issuer + "\n" + source->options_.client.client_id;
  MutexLock lock(source->mu_);
  MP_RETURN_IF_ERROR(source->LoadLocked(source->Fingerprint()));
  return source;
}

std::string CredentialSource::CacheNamespace() const { return namespace_; }

uint64_t CredentialSource::FetchesOnThisThread() { return t_fetches; }

std::string CredentialSource::Fingerprint() const {
  std::string out;
  for (const std::string* path : {&options_.client.key_file, &options_.client.cert_file,
                                  &options_.client.p12_file, &options_.client.jwk_file}) {
    if (path->empty()) continue;
    struct stat st {};
    if (::stat(path->c_str(), &st) != 0) {
      out += "missing;";
      continue;
    }
    out += std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
           std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + ";";
  }
  return out;
}

Status CredentialSource::LoadLocked(const std::string& fingerprint) {
  fingerprint_ = fingerprint;
  Result<Credentials> creds = LoadCredentials(options_.client, options_.alg);
  if (!creds.ok()) return creds.status();
  TokenClientOptions o;
  o.endpoints = options_.endpoints;
  o.client_id = options_.client.client_id;
  o.credentials = *std::move(creds);
  o.http = options_.http;
  o.clock = options_.clock;
  o.retry = options_.retry;
  o.grant_lifetime = options_.grant_lifetime;
  client_ = std::make_shared<TokenClient>(std::move(o));
  return OkStatus();
}

Status CredentialSource::Reload() {
  Status status;
  {
    MutexLock lock(mu_);
    status = LoadLocked(Fingerprint());
  }
  (status.ok() ? reloads_ : reload_failures_).fetch_add(1, std::memory_order_relaxed);
  if (options_.on_reload) {
    options_.on_reload(status.ok() ? "credentials reloaded" : "credentials not reloaded", status);
  }
  return status;
}

std::shared_ptr<TokenClient> CredentialSource::Current() {
  const std::string now = Fingerprint();
  Status status;
  bool tried = false;
  std::shared_ptr<TokenClient> client;
  {
    MutexLock lock(mu_);
    // Files that changed since they were last tried are tried once; a broken file is not
    // retried (nor logged again) until it changes again.
    if (now != fingerprint_) {
      tried = true;
      status = LoadLocked(now);
    }
    client = client_;
  }
  if (tried) {
    (status.ok() ? reloads_ : reload_failures_).fetch_add(1, std::memory_order_relaxed);
    if (options_.on_reload) {
      options_.on_reload(status.ok() ? "credential files changed: reloaded"
                                     : "credential files changed: not reloaded",
                         status);
    }
  }
  return client;
}

Result<AccessToken> CredentialSource::FetchToken(const TokenRequest& request) {
  std::shared_ptr<TokenClient> client = Current();
  ++t_fetches;
  fetches_.fetch_add(1, std::memory_order_relaxed);
  const auto start = std::chrono::steady_clock::now();
  FetchInfo info;
  Result<AccessToken> token = client->Fetch(request, &info);
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  if (options_.on_fetch) {
    options_.on_fetch(token.status(), info.error ? info.error->mp_code : "", took);
  }
  if (!token.ok() && info.error) {
    const std::string key = CanonicalCacheKey(namespace_, request);
    MutexLock lock(mu_);
    if (refusals_.size() >= kMaxRemembered) refusals_.clear();
    refusals_.insert_or_assign(key, *info.error);
  }
  return token;
}

std::optional<MaskinportenError> CredentialSource::LastRefusal(const TokenRequest& request) const {
  const std::string key = CanonicalCacheKey(namespace_, request);
  MutexLock lock(mu_);
  auto it = refusals_.find(key);
  if (it == refusals_.end()) return std::nullopt;
  return it->second;
}

}  // namespace mp::agent
