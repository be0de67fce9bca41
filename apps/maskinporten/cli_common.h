// What every verb of the maskinporten CLI shares: exit codes, the one error format, reading
// inputs (files, stdin, environment) and writing outputs safely.
#ifndef MASKINPORTEN_APPS_CLI_COMMON_H_
#define MASKINPORTEN_APPS_CLI_COMMON_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "maskinporten/clock.h"
#include "maskinporten/http.h"
#include "maskinporten/status.h"
#include "maskinporten/token_client.h"
#include "maskinporten/validator.h"

namespace mp::cli {

// DEVELOPERS.md: 0 ok, 1 rejected, 2 usage, 3 I/O or network.
enum ExitCode : int { kExitOk = 0, kExitRejected = 1, kExitUsage = 2, kExitIo = 3 };

// I/O, network and unexpected server answers -> 3, a bad command-line value -> 2, everything
// else (a token, key, certificate or document that fails a rule; a Maskinporten refusal) -> 1.
int ExitCodeFor(Errc code);

// Prints "error: <errc_name>: <detail>" on stderr and returns the exit code for it.
int Fail(const Status& status);
// A failed TokenClient::Fetch: a Maskinporten refusal prints "error: maskinporten_error: <MP code,
// text, trace id>" and "hint: <what to fix>" when there is one (exit 1); anything else as Fail().
int FailTokenFetch(const Status& status, const FetchInfo& info);
// For errors about values that came from flags (or their environment variables): a value that
// breaks a rule is a usage error (exit 2), whichever layer noticed it; others as Fail().
int FailFlags(const Status& status);
// For errors about a document the verb read (a seed, TLS material): one that breaks a rule is 1,
// whichever code (kInvalidArgument included); one that cannot be read is 3; others as Fail().
int FailDocument(const Status& status);
// Prints like Fail() but always exits 2: the command line itself is wrong.
int UsageError(std::string_view detail);

// The whole file, or stdin when path is "-". kIoError / kNotFound name the path.
Result<std::string> ReadInput(const std::string& path);

// Where `serve` keeps its registry and local CA by default (XDG): $XDG_DATA_HOME/maskinporten,
// else $HOME/.local/share/maskinporten, else ./.maskinporten.
std::string ServeDataDir();

// A token issuer's keys from exactly one of: a JWKS file ("-" for stdin), a JWKS URL, or
// discovery from an issuer URL (the others empty). URLs are fetched at once, so an unreachable
// source fails here (network_error / http_error / discovery_error: exit 3), not as a refused
// token.
Result<std::shared_ptr<JwksCache>> LoadKeySource(const std::string& jwks_file,
                                                 const std::string& jwks_uri,
                                                 const std::string& issuer,
                                                 std::shared_ptr<HttpClient> http,
                                                 const Clock* clock);
// A token argument: the text itself, or stdin when "-"; surrounding whitespace trimmed.
Result<std::string> ReadTokenArg(const std::string& arg);
// The value of environment variable `name` (for passwords: never taken from argv).
Result<std::string> ReadSecretEnv(const std::string& name);

enum class FileMode { kPublic, kPrivate };  // 0644 / 0600
enum class Overwrite { kRefuse, kAllow };
// Writes atomically (temporary file + rename) so a failure leaves any existing file intact.
Status WriteOutput(const std::string& path, std::string_view data, FileMode mode,
                   Overwrite overwrite);

// The check for a --now flag (add_option(...)->check(UnixTimeFlag())): a whole number of seconds
// in 1970..2199 (core/checked.h), 0 meaning the real time. Anything else is a usage error naming
// the flag before the verb runs, so a FakeClock at that time cannot overflow.
CLI::Validator UnixTimeFlag();

// --tls-cert / --tls-key of the verbs that serve HTTP (serve, agent).
struct TlsFlags {
  std::string cert{};  // PEM certificate chain file
  std::string key{};   // PEM private key file
};
void AddTlsFlags(CLI::App* cmd, TlsFlags* flags);
struct TlsPem {
  std::string cert_pem{};
  std::string key_pem{};
};
// Both files read, or neither given (both PEMs empty: plain HTTP). One without the other is
// kInvalidArgument (FailFlags: exit 2); a file that cannot be read its ReadInput error (exit 3).
Result<TlsPem> ReadTlsFlags(const TlsFlags& flags);

// The line log of the serving verbs (request log, audit lines): each line on stderr, whole lines
// from any thread; null (no log) when quiet.
std::function<void(std::string_view line)> StderrLineLog(bool quiet);

// Adds an "Examples:" footer to a subcommand's --help.
void SetExamples(CLI::App* app, std::string_view examples);

// Wall time since construction, for step timings.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Millis() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Each verb registers itself on the root app. The callback sets *exit_code.
void AddKeygen(CLI::App& app, int* exit_code);
void AddJwt(CLI::App& app, int* exit_code);
void AddCert(CLI::App& app, int* exit_code);
void AddCa(CLI::App& app, int* exit_code);
void AddDemo(CLI::App& app, int* exit_code);
void AddGrant(CLI::App& app, int* exit_code);
void AddInspect(CLI::App& app, int* exit_code);
void AddToken(CLI::App& app, int* exit_code);
void AddBench(CLI::App& app, int* exit_code);
void AddAdmin(CLI::App& app, int* exit_code);
void AddServe(CLI::App& app, int* exit_code);
void AddValidate(CLI::App& app, int* exit_code);    // validate_cmd.cc
void AddConsent(CLI::App& app, int* exit_code);     // consent_cmd.cc
void AddExampleApi(CLI::App& app, int* exit_code);  // example_api_cmd.cc
void AddDoctor(CLI::App& app, int* exit_code);      // doctor_cmd.cc
void AddAgent(CLI::App& app, int* exit_code);       // agent_cmd.cc

}  // namespace mp::cli

#endif  // MASKINPORTEN_APPS_CLI_COMMON_H_

// Key and certificate inputs shared by several verbs (defined in cli_keys.cc).
#include "maskinporten/certificate.h"
#include "maskinporten/key.h"
namespace mp::cli {
// A private key from PEM (password from the environment variable when given), DER or PKCS#12.
Result<PrivateKey> LoadPrivateKeyFile(const std::string& path, const std::string& password_env);
// A public key from a public or private key file (PEM or DER) or a certificate.
Result<PublicKey> LoadPublicKeyFile(const std::string& path);
// Certificates from PEM (chain), DER, or PKCS#12 when password_env is given.
Result<std::vector<Certificate>> LoadCertificatesFile(const std::string& path,
                                                      const std::string& password_env);
// "RS256,ES256" -> algorithms; kInvalidArgument naming the bad entry.
Result<std::vector<Algorithm>> ParseAlgorithmList(const std::string& list);
}  // namespace mp::cli
