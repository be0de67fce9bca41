#include "cli_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <system_error>

#include "core/checked.h"
#include "core/file.h"
#include "core/random.h"

namespace mp::cli {

int ExitCodeFor(Errc code) {
  switch (code) {
    case Errc::kOk:
      return kExitOk;
    case Errc::kIoError:
    case Errc::kNotFound:
    case Errc::kNetworkError:
    case Errc::kHttpError:
    case Errc::kDiscoveryError:
      return kExitIo;
    case Errc::kInvalidArgument:
      return kExitUsage;
    default:
      return kExitRejected;
  }
}

int Fail(const Status& status) {
  std::cerr << "error: " << ErrcName(status.code()) << ": " << status.message() << "\n";
  return ExitCodeFor(status.code());
}

int FailTokenFetch(const Status& status, const FetchInfo& info) {
  if (!info.error || status.code() != Errc::kMaskinportenError) return Fail(status);
  std::cerr << "error: " << ErrcName(Errc::kMaskinportenError) << ": " << info.error->Summary()
            << "\n";
  if (std::string hint = info.error->Hint(); !hint.empty()) std::cerr << "hint: " << hint << "\n";
  return kExitRejected;
}

int FailFlags(const Status& status) {
  switch (status.code()) {
    case Errc::kInvalidArgument:
    case Errc::kInvalidOrgNumber:
    case Errc::kInvalidGrant:
      std::cerr << "error: " << ErrcName(status.code()) << ": " << status.message() << "\n";
      return kExitUsage;
    default:
      return Fail(status);
  }
}

int FailDocument(const Status& status) {
  if (status.code() != Errc::kInvalidArgument) return Fail(status);
  std::cerr << "error: " << ErrcName(status.code()) << ": " << status.message() << "\n";
  return kExitRejected;
}

int UsageError(std::string_view detail) {
  std::cerr << "error: " << ErrcName(Errc::kInvalidArgument) << ": " << detail << "\n";
  return kExitUsage;
}

CLI::Validator UnixTimeFlag() {
  return CLI::Validator(
      [](std::string& input) -> std::string {
        int64_t seconds = 0;
        const char* end = input.data() + input.size();
        const auto [ptr, ec] = std::from_chars(input.data(), end, seconds);
        if (ec != std::errc() || ptr != end) {
          return "'" + input.substr(0, 32) + "' is not a Unix time in whole seconds (0..." +
                 std::to_string(kMaxEpochSeconds) + ")";
        }
        Result<int64_t> checked = EpochSeconds(seconds, "Unix time");
        return checked.ok() ? std::string() : checked.status().message();
      },
      "UNIX_TIME");
}

std::string ServeDataDir() {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x == '/') {
    return std::string(x) + "/maskinporten";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h == '/') {
    return std::string(h) + "/.local/share/maskinporten";
  }
  return ".maskinporten";
}

Result<std::shared_ptr<JwksCache>> LoadKeySource(const std::string& jwks_file,
                                                 const std::string& jwks_uri,
                                                 const std::string& issuer,
                                                 std::shared_ptr<HttpClient> http,
                                                 const Clock* clock) {
  if (!jwks_file.empty()) {
    MP_ASSIGN_OR_RETURN(std::string text, ReadInput(jwks_file));
    Result<Jwks> jwks = Jwks::Parse(text);
    if (!jwks.ok()) return jwks.status().WithContext(jwks_file);
    return JwksCache::Fixed(*std::move(jwks));
  }
  const JwksCacheOptions options{.clock = clock};
  MP_ASSIGN_OR_RETURN(std::shared_ptr<JwksCache> cache,
                      !issuer.empty() ? JwksCache::Discover(std::move(http), issuer, options)
                                      : JwksCache::FromUri(std::move(http), jwks_uri, options));
  if (Status fetched = cache->Refresh(); !fetched.ok()) {
    // A key source that answers with something other than a JWKS is a broken server.
    if (ExitCodeFor(fetched.code()) == kExitIo) return fetched;
    return Status(Errc::kHttpError,
                  "keys from " + (issuer.empty() ? jwks_uri : issuer) + ": " + fetched.ToString());
  }
  return cache;
}

Result<std::string> ReadInput(const std::string& path) {
  if (path == "-") {
    // Bounded like files: a runaway pipe must not exhaust memory.
    constexpr size_t kMaxStdin = 16 << 20;
    std::string data;
    char buf[65536];
    while (std::cin.read(buf, sizeof(buf)) || std::cin.gcount() > 0) {
      data.append(buf, static_cast<size_t>(std::cin.gcount()));
      if (data.size() > kMaxStdin) {
        return Status(Errc::kLimitExceeded, "standard input is larger than 16 MiB");
      }
    }
    if (std::cin.bad()) return Status(Errc::kIoError, "cannot read standard input");
    return data;
  }
  return ReadFileToString(path);
}

Result<std::string> ReadTokenArg(const std::string& arg) {
  std::string text = arg;
  if (arg == "-") {
    MP_ASSIGN_OR_RETURN(text, ReadInput("-"));
  }
  size_t b = text.find_first_not_of(" \t\r\n");
  size_t e = text.find_last_not_of(" \t\r\n");
  if (b == std::string::npos) return Status(Errc::kInvalidArgument, "the token is empty");
  return text.substr(b, e - b + 1);
}

Result<std::string> ReadSecretEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) {
    return Status(Errc::kInvalidArgument, "environment variable " + name + " is not set");
  }
  return std::string(v);
}

Status WriteOutput(const std::string& path, std::string_view data, FileMode mode,
                   Overwrite overwrite) {
  struct stat st {};
  if (overwrite == Overwrite::kRefuse && ::stat(path.c_str(), &st) == 0) {
    return Status(Errc::kInvalidArgument, path + " already exists; remove it or pass --force");
  }
  std::string tmp = path + ".tmp-" + RandomHex(6);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  mode == FileMode::kPrivate ? 0600 : 0644);
  if (fd < 0) {
    return Status(Errc::kIoError, "cannot create " + path + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status(Errc::kIoError, "cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status(Errc::kIoError, "cannot write " + path + ": " + std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status(Errc::kIoError, "cannot write " + path + ": " + std::strerror(err));
  }
  return OkStatus();
}

void AddTlsFlags(CLI::App* cmd, TlsFlags* flags) {
  cmd->add_option("--tls-cert", flags->cert, "PEM certificate chain for HTTPS");
  cmd->add_option("--tls-key", flags->key, "PEM private key for HTTPS");
}

Result<TlsPem> ReadTlsFlags(const TlsFlags& flags) {
  if (flags.cert.empty() != flags.key.empty()) {
    return Status(Errc::kInvalidArgument, "--tls-cert and --tls-key go together");
  }
  TlsPem pem;
  if (flags.cert.empty()) return pem;
  MP_ASSIGN_OR_RETURN(pem.cert_pem, ReadInput(flags.cert));
  MP_ASSIGN_OR_RETURN(pem.key_pem, ReadInput(flags.key));
  return pem;
}

std::function<void(std::string_view line)> StderrLineLog(bool quiet) {
  if (quiet) return nullptr;
  auto mu = std::make_shared<std::mutex>();
  return [mu](std::string_view line) {
    std::lock_guard<std::mutex> lock(*mu);
    std::cerr << line << "\n";
  };
}

void SetExamples(CLI::App* app, std::string_view examples) {
  app->footer("\nExamples:\n" + std::string(examples));
}

}  // namespace mp::cli
