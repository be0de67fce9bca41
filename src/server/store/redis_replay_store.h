// The ReplayStore of several local Maskinporten instances (SPEC §17, DESIGN.md §5): one Redis
// that every instance claims its jti in, so a grant accepted by one instance is a replay at all.
//
// A claim is `SET jti:<sha256-hex of key> <expires_at> NX PX <ttl ms>` with ttl = expires_at -
// now: OK is a new claim, nil a key that exists. Redis forgets the key after ttl on its own
// clock; the stored expires_at lets a caller whose clock runs ahead (the emulator's clock
// offset) reclaim a key it sees as expired, atomically in one short Lua script, so the store
// keeps the ReplayStore contract on the caller's clock. hiredis stays in the .cc file.
//
//   MP_ASSIGN_OR_RETURN(RedisReplayOptions options, ParseRedisUrl("redis://127.0.0.1:6379/0"));
//   options.pool_size = threads;
//   MP_ASSIGN_OR_RETURN(std::unique_ptr<ReplayStore> replay, OpenRedisReplayStore(options));
//
// While Redis cannot be reached, Claim and Probe return Errc::kNetworkError naming "redis
// HOST:PORT" and the cause (never the password), never a claim: the token endpoint answers 503.
// A broken connection is dropped and made again on a later call; after a failed connect the
// next one waits a backoff (doubling from backoff_initial_ms up to backoff_max_ms), and calls in
// between fail at once instead of each waiting for the connect timeout.
#ifndef MASKINPORTEN_SERVER_STORE_REDIS_REPLAY_STORE_H_
#define MASKINPORTEN_SERVER_STORE_REDIS_REPLAY_STORE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "maskinporten/status.h"
#include "server/store/store.h"

namespace mp::server {

struct RedisReplayOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;              // SELECT db after connecting (0: Redis's default)
  std::string username{};  // ACL user (AUTH user password); "" = the default user
  std::string password{};  // "" = no AUTH; never logged or put in a message
  size_t pool_size = 4;    // connections, at most one per concurrent claim (LocalMaskinporten:
                           // one per server thread)
  int connect_timeout_ms = 1000;
  int command_timeout_ms = 1000;  // per command; plus wait_timeout_ms when wait_replicas > 0
  int backoff_initial_ms = 100;
  int backoff_max_ms = 5000;
  // SPEC §17: Redis replicates asynchronously, so a claim acknowledged by a primary that fails
  // over before a replica has it is lost, and the same grant could be accepted once more. With
  // wait_replicas > 0 every claim is followed by `WAIT wait_replicas wait_timeout_ms`; fewer
  // acknowledgements fail the request (503) instead of issuing a token on a claim that may
  // vanish. It narrows the gap, it does not close it (WAIT is not a consensus). 0 = off.
  int wait_replicas = 0;
  int wait_timeout_ms = 100;
  // Prefix of every key this store writes; Reset deletes the keys with it (SCAN, never
  // FLUSHDB). Letters, digits and ":_-" only.
  std::string key_prefix = "jti:";
};

// "redis://[[username]:password@]host[:port][/db][?option=value&...]" with the options
// wait=N, wait_timeout_ms, connect_timeout_ms, command_timeout_ms and prefix. The password is
// taken as written (no percent-decoding), so it cannot hold '/', '?' or '#'. "rediss://" (TLS)
// is refused: hiredis 0.14 has no TLS. Errc::kInvalidArgument naming the part that is wrong, with
// the userinfo of the URL redacted.
Result<RedisReplayOptions> ParseRedisUrl(std::string_view url);

// "redis HOST:PORT", the name errors and /health give the backend.
std::string RedisEndpointName(const RedisReplayOptions& options);

// Connects once (so a wrong address, password or db fails at start), then serves claims from a
// pool of options.pool_size connections. Errc::kNetworkError when Redis cannot be reached or
// refuses AUTH/SELECT; kInvalidArgument for options out of range.
Result<std::unique_ptr<ReplayStore>> OpenRedisReplayStore(const RedisReplayOptions& options);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_STORE_REDIS_REPLAY_STORE_H_
