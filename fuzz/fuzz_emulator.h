// The local Maskinporten of the server fuzz targets, without a socket: the same Emulator and
// router as `maskinporten serve` (src/server/emulator.h) over an in-memory registry holding the
// fuzz world (fuzz_world.h), with test controls and web pages on, every key from fuzz_keys.h and
// the clock fixed at kFuzzNow.
//
// One per process (building one costs milliseconds under ASan: key parsing, the schema, the
// seed), reset before every input to the state it was built in, so every input still replays
// alone: FuzzEmulator::Fresh() restores the registry from a copy made at start (sqlite3_backup,
// only when a transaction committed since the last reset) and clears the replay store, the
// pending faults, the clock offset, the journal and the metrics. POST /_local/rotate-key is the
// one request a target must not dispatch: the keys it makes live outside the registry.
//
//   FuzzEmulator& emulator = FuzzEmulator::Fresh();
//   HttpResponse r = emulator.Dispatch(Request("POST", "/api/v1/clients", "@TOKEN_A@", body));
//   CheckResponse(r, {200, 201, 400, 401, 403, 404, 409});
//   if (r.status >= 400) emulator.CheckRegistryUnchanged();
#ifndef MASKINPORTEN_FUZZ_FUZZ_EMULATOR_H_
#define MASKINPORTEN_FUZZ_FUZZ_EMULATOR_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "fuzz_input.h"  // SplitFirstByte, NextLine for the targets
#include "http/http_types.h"
#include "server/emulator.h"

struct sqlite3;

namespace mp::fuzz {

class FuzzEmulator {
 public:
  // The process's emulator (built on first use; aborts when it cannot be), reset.
  static FuzzEmulator& Fresh();

  server::Emulator& e() { return e_; }
  // The router's answer; with MP_FUZZ_VERBOSE set, each request and answer is printed.
  http::HttpResponse Dispatch(http::HttpRequest request) const;

  // A canonical snapshot of the registry (organisations, clients with keys, scopes, access,
  // delegations, consents of the fuzz orgs).
  std::string RegistrySnapshot() const;
  // FUZZ_CHECKs that the registry holds what it held at the last reset (a refused request stored
  // nothing). Without a committed transaction since the reset it cannot differ, and the snapshot
  // is skipped.
  void CheckRegistryUnchanged() const;

  FuzzEmulator(const FuzzEmulator&) = delete;
  FuzzEmulator& operator=(const FuzzEmulator&) = delete;

 private:
  FuzzEmulator();
  void Reset();

  server::Emulator e_;
  sqlite3* registry_ = nullptr;  // the store's connection (owned by e_.store)
  sqlite3* template_ = nullptr;  // the registry as built; lives as long as the process
  bool written_ = false;         // a transaction committed on registry_ since the last reset
  std::string fresh_snapshot_;
};

// `text` with the placeholders of fuzz_world.h replaced by their bytes.
std::string ExpandPlaceholders(std::string_view text);

// A request as the HTTP server makes it (remote on loopback, a fixed trace id). `token` is sent
// as "Authorization: Bearer <token>" after ExpandPlaceholders, unless empty.
http::HttpRequest Request(std::string method, std::string target, std::string_view token,
                          std::string body, std::string content_type = "application/json");

// What every answer of the emulator must be: a status in `allowed`; a JSON content type holds
// strict JSON; an error status a JSON object with string "error" (not empty) and
// "error_description"; no header with CR, LF or an empty name.
void CheckResponse(const http::HttpResponse& r, std::initializer_list<int> allowed);

}  // namespace mp::fuzz

#endif  // MASKINPORTEN_FUZZ_FUZZ_EMULATOR_H_
