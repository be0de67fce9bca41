// maskinporten keygen: a new signing key, written as PKCS#8 PEM (0600), with its public JWK.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/json.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"

namespace mp::cli {
namespace {

struct KeygenArgs {
  std::string alg = "RS256";
  int bits = 0;
  std::string kid;
  std::string out;
  std::string jwk_out;
  std::string password_env;
  bool force = false;
  bool json = false;
};

int RunKeygen(const KeygenArgs& a) {
  Result<Algorithm> alg = ParseAlgorithm(a.alg);
  if (!alg.ok()) return UsageError("--alg: " + alg.status().message());
  bool rsa = a.alg[0] == 'R' || a.alg[0] == 'P';
  if (!rsa && a.bits != 0) return UsageError("--bits applies to RSA algorithms only");
  if (rsa && a.bits != 0 && a.bits != 2048 && a.bits != 3072 && a.bits != 4096) {
    return UsageError("--bits must be 2048, 3072 or 4096, got " + std::to_string(a.bits));
  }
  if (!a.kid.empty() &&
      a.kid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "0123456789._-") != std::string::npos) {
    return UsageError("--kid may contain only A-Z a-z 0-9 . _ - (Maskinporten's rule)");
  }
  Overwrite ow = a.force ? Overwrite::kAllow : Overwrite::kRefuse;
  Result<PrivateKey> key = PrivateKey::Generate(*alg, a.bits);
  if (!key.ok()) return Fail(key.status());
  std::string kid = a.kid.empty() ? key->public_key().Thumbprint() : a.kid;

  std::string pem;
  if (a.password_env.empty()) {
    pem = key->ToPkcs8Pem();
  } else {
    Result<std::string> password = ReadSecretEnv(a.password_env);
    if (!password.ok()) return Fail(password.status().WithContext("--password-env"));
    Result<std::string> enc = key->ToEncryptedPkcs8Pem(*password);
    if (!enc.ok()) return Fail(enc.status());
    pem = *enc;
  }
  if (Status s = WriteOutput(a.out, pem, FileMode::kPrivate, ow); !s.ok()) return Fail(s);
  std::string jwk = PublicKeyToJwk(key->public_key(), {.kid = kid, .alg = *alg});
  if (!a.jwk_out.empty()) {
    if (Status s = WriteOutput(a.jwk_out, jwk + "\n", FileMode::kPublic, ow); !s.ok()) {
      return Fail(s);
    }
  }
  if (a.json) {
    nlohmann::json out = {{"alg", a.alg},
                          {"kid", kid},
                          {"key_type", key->type() == KeyType::kRsa ? "RSA" : "EC"},
                          {"bits", key->bits()},
                          {"thumbprint", key->public_key().Thumbprint()},
                          {"key_file", a.out},
                          {"public_jwk", nlohmann::json::parse(jwk)}};
    if (!a.jwk_out.empty()) out["jwk_file"] = a.jwk_out;
    std::cout << DumpJson(out) << "\n";
  } else {
    std::cout << "wrote " << a.out << " (" << a.alg << ", "
              << (key->type() == KeyType::kRsa ? "RSA " : "EC ") << key->bits()
              << " bits, mode 0600)\n"
              << "kid: " << kid << "\n";
    if (!a.jwk_out.empty()) std::cout << "public JWK: " << a.jwk_out << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddKeygen(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<KeygenArgs>();
  CLI::App* cmd = app.add_subcommand("keygen", "Generate a signing key (PKCS#8 PEM) and its JWK");
  cmd->add_option("--alg", args->alg, "RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384")
      ->capture_default_str();
  cmd->add_option("--bits", args->bits, "RSA size: 2048 (default), 3072 or 4096");
  cmd->add_option("--kid", args->kid, "key id; default: the RFC 7638 thumbprint");
  cmd->add_option("--out", args->out, "private key file to write (mode 0600)")->required();
  cmd->add_option("--jwk-out", args->jwk_out, "also write the public JWK here");
  cmd->add_option("--password-env", args->password_env,
                  "encrypt the key with the password in this environment variable");
  cmd->add_flag("--force", args->force, "overwrite existing files");
  cmd->add_flag("--json", args->json, "print the result as JSON");
  SetExamples(
      cmd,
      "  maskinporten keygen --alg RS256 --out key.pem --jwk-out key.jwk.json\n"
      "  maskinporten keygen --alg RS256 --bits 3072 --kid my-key-2026 --out key.pem\n"
      "  KEYPASS=... maskinporten keygen --alg ES256 --out ec.pem --password-env KEYPASS\n");
  cmd->callback([args, exit_code] { *exit_code = RunKeygen(*args); });
}

}  // namespace mp::cli
