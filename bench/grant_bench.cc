// Grant build+sign benchmark (registered statically; main() is in maskinporten_bench.cc).
//
//   grant_build_sign/RS256-2048  BuildGrant: claims, fresh jti, compact JWS signed RS256 with a
//                                registered kid. Target: >= 0.9x evp_pkey_sign_digest/RS256-2048
//                                (the raw RSA-2048 sign rate, measured in the same run).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "maskinporten/clock.h"
#include "maskinporten/grant.h"

namespace {

void GrantBuildSign(benchmark::State& state) {
  static const mp::Credentials* creds = [] {
    auto key = mp::PrivateKey::Generate(mp::Algorithm::kRS256, 2048);
    auto c = mp::Credentials::WithKid(key.value(), "bench-kid");
    if (!c.ok()) {
      std::fprintf(stderr, "grant bench: %s\n", c.status().ToString().c_str());
      std::abort();
    }
    return new mp::Credentials(c.value());
  }();
  mp::GrantSpec spec{.issuer = "https://test.maskinporten.no/",
                     .client_id = "826acbbc-ee17-4946-af92-cf4885ebe951",
                     .request = {.scopes = {"nav:example"},
                                 .consumer_org = mp::OrgNumber::Parse("910753614").value()}};
  for (auto _ : state) {
    mp::Result<mp::Grant> grant = mp::BuildGrant(spec, *creds, mp::SystemClock::Instance());
    if (!grant.ok()) state.SkipWithError(grant.status().ToString().c_str());
    benchmark::DoNotOptimize(grant);
  }
}

BENCHMARK(GrantBuildSign)->Name("grant_build_sign/RS256-2048");

}  // namespace
