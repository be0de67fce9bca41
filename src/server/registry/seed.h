// The seed file of the local Maskinporten (`serve --config seed.json`, docs/emulator.md): the
// organisations, trust anchors, revoked certificate serials, scopes, access lists, clients with
// their keys and delegations the emulator starts with. Everything is local (SPEC §13.10).
//
// Loading is two steps. LoadSeed parses and checks the whole file (with the self-service API's
// own rules, src/server/registry/registry_rules.h) and reads the PEM files it names; ApplySeed
// checks what the seed refers to in the registry and then upserts it, so applying the same seed
// twice leaves the same state (an unchanged record or key keeps its times).
//
//   MP_ASSIGN_OR_RETURN(SeedConfig seed, LoadSeedFile("seed.json"));
//   AddSeedTrust(seed, config);                      // anchors and revoked serials
//   MP_RETURN_IF_ERROR(ApplySeed(seed, *store, clock));
//
// Errors name the file, the JSON path and the problem:
//   "seed.json: clients[1].keys[0].kid: \"a b\" must be non-empty [A-Za-z0-9._-]"
#ifndef MASKINPORTEN_SERVER_REGISTRY_SEED_H_
#define MASKINPORTEN_SERVER_REGISTRY_SEED_H_

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/status.h"
#include "server/server_config.h"
#include "server/store/store.h"

namespace mp::server {

// A client of the seed with its keys. `keys` unset: the seed leaves the client's registered keys
// as they are; set (even empty): the seed's keys replace them.
struct SeedClient {
  ClientRecord client{};
  std::optional<std::vector<ClientKey>> keys{};
  std::string path{};  // "clients[1]", for messages
};

// A checked seed. Times in the records are 0; ApplySeed sets them.
struct SeedConfig {
  std::string file_name{};  // as given to LoadSeed, the prefix of every message
  std::vector<Organization> organizations{};
  std::vector<Certificate> test_anchors{};
  std::vector<Certificate> prod_anchors{};
  std::set<std::string> revoked_serials{};  // lowercase hex without leading zeros
  std::vector<ScopeRecord> scopes{};
  std::vector<ScopeAccess> access{};
  std::vector<SeedClient> clients{};
  std::vector<Delegation> delegations{};
};

// Parses and checks a seed. `file_name` prefixes messages; relative PEM paths are read from
// `base_dir`. Errc::kInvalidJson for text that is not a JSON object or a member of the wrong
// type (kDuplicateJsonKey, kLimitExceeded from the strict parser), kNotFound / kIoError for a
// PEM file that cannot be read, kInvalidArgument for a value that breaks a rule. Only a file that
// cannot be read is kNotFound or kIoError, so `serve` exits 3 for those and 1 for the rest.
Result<SeedConfig> LoadSeed(std::string_view json, std::string_view file_name,
                            const std::string& base_dir);
// Reads `path` and loads it with its directory as base_dir.
Result<SeedConfig> LoadSeedFile(const std::string& path);

// Checks the seed's references against `store` (scopes named by access entries, clients and
// delegations; prefixes owned by other orgs) and then upserts every record. kInvalidArgument for
// a broken rule (a scope neither in the seed nor in the store included); a store failure keeps
// its code. Nothing is written when a check fails.
Status ApplySeed(const SeedConfig& seed, Store& store, const Clock& clock);

// Adds the seed's trust anchors and revoked serials to `config`.
void AddSeedTrust(const SeedConfig& seed, ServerConfig& config);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_REGISTRY_SEED_H_
