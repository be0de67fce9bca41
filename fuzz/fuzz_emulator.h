// The local Maskinporten of the server fuzz targets, without a socket: the same Emulator and
// router as `maskinporten serve` (src/server/emulator.h) over an in-memory registry holding the
// fuzz world (fuzz_world.h), with test controls and web pages on, every key from fuzz_keys.h and
// the clock fixed at kFuzzNow. Building one takes a few milliseconds (an in-memory SQLite
// registry and the seed), cheap enough that targets whose requests write build a fresh one per
// input, so every input replays alone.
//
//   FuzzEmulator emulator;
//   HttpResponse r = emulator.Dispatch(Request("POST", "/api/v1/clients", "@TOKEN_A@", body));
//   CheckResponse(r, {200, 201, 400, 401, 403, 404, 409});
#ifndef MASKINPORTEN_FUZZ_FUZZ_EMULATOR_H_
#define MASKINPORTEN_FUZZ_FUZZ_EMULATOR_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "fuzz_input.h"  // SplitFirstByte, NextLine for the targets
#include "http/http_types.h"
#include "server/emulator.h"

namespace mp::fuzz {

class FuzzEmulator {
 public:
  FuzzEmulator();  // aborts when the emulator cannot be built
  server::Emulator& e() { return e_; }
  // The router's answer; with MP_FUZZ_VERBOSE set, each request and answer is printed.
  http::HttpResponse Dispatch(http::HttpRequest request) const;

  // A canonical snapshot of the registry (organisations, clients with keys, scopes, access,
  // delegations, consents of the fuzz orgs), to check that a refused request stored nothing.
  std::string RegistrySnapshot() const;

 private:
  server::Emulator e_;
};

// RegistrySnapshot of a new FuzzEmulator, made once: every new one holds the same registry
// (fixed ids, frozen time), so a target compares with this instead of snapshotting per input.
const std::string& FreshRegistrySnapshot();

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
