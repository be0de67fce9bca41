// maskinporten token: an access token from Maskinporten (or a local one) for the configured
// client, with retries, skew correction and Maskinporten's errors explained.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "client_flags.h"
#include "core/json.h"
#include "maskinporten/token_client.h"

namespace mp::cli {
namespace {

struct TokenArgs {
  ClientFlags client;
  bool json = false;
  bool discover = false;
  std::string ca_file;
  std::string proxy;
  double timeout = 15;
  bool verbose = false;
};

int RunToken(const TokenArgs& a) {
  // Written so NaN fails too: a NaN * 1000 cast to an integer is undefined.
  if (!(a.timeout > 0 && a.timeout <= 600)) return UsageError("--timeout must be 0..600 seconds");
  Result<ResolvedClient> rc = ResolveClient(a.client);
  if (!rc.ok()) return FailFlags(rc.status());
  auto ms = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1000));
  std::shared_ptr<HttpClient> http =
      MakeCurlHttpClient({.ca_file = a.ca_file,
                          .proxy = a.proxy,
                          .connect_timeout = std::min(ms, std::chrono::milliseconds(5000)),
                          .total_timeout = ms});

  Stopwatch sw;
  Result<Endpoints> ep = a.discover || !rc->config.issuer.empty()
                             ? Discover(*http, rc->spec.issuer)
                             : EndpointsForPreset(rc->config.env);
  if (!ep.ok()) return Fail(ep.status());
  if (a.verbose) {
    std::cerr << "token endpoint " << ep->token_endpoint << " ("
              << (rc->credentials.uses_certificate() ? "x5c" : "kid " + rc->credentials.kid())
              << ")\n";
  }
  FakeClock fixed(a.client.now);
  TokenClientOptions opts{.endpoints = *ep,
                          .client_id = rc->spec.client_id,
                          .credentials = rc->credentials,
                          .http = http,
                          .clock = a.client.now != 0 ? static_cast<const Clock*>(&fixed) : nullptr,
                          .grant_lifetime = rc->spec.lifetime};
  if (a.verbose) opts.log = [](std::string_view line) { std::cerr << line << "\n"; };
  TokenClient client(std::move(opts));
  FetchInfo info;
  Result<AccessToken> token = client.Fetch(rc->spec.request, &info);
  if (!token.ok()) return FailTokenFetch(token.status(), info);
  if (a.verbose) {
    std::cerr << "got a token in " << static_cast<int>(sw.Millis()) << " ms after " << info.attempts
              << " attempt(s); expires in " << token->expires_in << " s\n";
  }
  if (a.json) {
    std::cout << DumpJson({{"access_token", token->access_token},
                           {"token_type", token->token_type},
                           {"expires_in", token->expires_in},
                           {"scope", token->scope},
                           {"attempts", info.attempts},
                           {"skew_seconds", info.skew.count()}})
              << "\n";
  } else {
    std::cout << token->access_token << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddToken(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<TokenArgs>();
  CLI::App* cmd = app.add_subcommand("token", "Get an access token from Maskinporten");
  AddClientFlags(cmd, &a->client);
  cmd->add_flag("--json", a->json, "print access_token, expires_in, scope, attempts as JSON");
  cmd->add_flag("--discover", a->discover,
                "read endpoints from the issuer's metadata (always done with --issuer)");
  cmd->add_option("--ca-file", a->ca_file, "PEM CA bundle for TLS (verification is always on)");
  cmd->add_option("--proxy", a->proxy, "HTTP(S) proxy URL (default: the *_proxy variables)");
  cmd->add_option("--timeout", a->timeout, "per-request timeout in seconds")->capture_default_str();
  cmd->add_flag("-v,--verbose", a->verbose, "log attempts, retries and skew to stderr");
  SetExamples(
      cmd,
      "  maskinporten token --env test --client-id $CLIENT --scope nav:example \\\n"
      "      --key client.key.pem --kid my-kid\n"
      "  maskinporten token --env test --client-id $CLIENT --scope nav:example \\\n"
      "      --cert org.chain.pem --key org.key.pem --consumer-org 910753614 --json\n"
      "  MASKINPORTEN_ENV=test MASKINPORTEN_CLIENT_ID=... MASKINPORTEN_SCOPES=nav:example \\\n"
      "      MASKINPORTEN_P12_FILE=org.p12 MASKINPORTEN_P12_PASSWORD=... maskinporten token\n"
      "  maskinporten token --issuer http://127.0.0.1:8080/ --client-id demo --scope nav:example "
      "--key k.pem --kid k1 -v\n");
  cmd->callback([a, exit_code] { *exit_code = RunToken(*a); });
}

}  // namespace mp::cli
