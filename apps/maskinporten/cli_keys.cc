#include <sstream>

#include "cli_common.h"
#include "core/random.h"

namespace mp::cli {
namespace {

bool LooksLikePem(std::string_view data) { return data.find("-----BEGIN ") != std::string::npos; }

bool IsPkcs12Path(const std::string& path) {
  auto ends = [&](std::string_view s) {
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".p12") || ends(".pfx") || ends(".P12") || ends(".PFX");
}

}  // namespace

Result<PrivateKey> LoadPrivateKeyFile(const std::string& path, const std::string& password_env) {
  MP_ASSIGN_OR_RETURN(std::string data, ReadInput(path));
  SecretString secret(std::move(data));
  SecretString password;
  if (!password_env.empty()) {
    MP_ASSIGN_OR_RETURN(std::string pw, ReadSecretEnv(password_env));
    password = SecretString(std::move(pw));
  }
  if (IsPkcs12Path(path)) {
    Result<Pkcs12Contents> p12 = LoadPkcs12(secret.value(), password.value());
    if (!p12.ok()) return p12.status().WithContext(path);
    return p12->key;
  }
  Result<PrivateKey> key = LooksLikePem(secret.value())
                               ? PrivateKey::FromPem(secret.value(), password.value())
                               : PrivateKey::FromDer(secret.value());
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

Result<PublicKey> LoadPublicKeyFile(const std::string& path) {
  MP_ASSIGN_OR_RETURN(std::string data, ReadInput(path));
  if (LooksLikePem(data)) {
    if (data.find("CERTIFICATE-----") != std::string::npos) {
      MP_ASSIGN_OR_RETURN(std::vector<Certificate> certs, Certificate::ParsePemChain(data));
      Result<PublicKey> k = certs.front().PublicKeyOf();
      if (!k.ok()) return k.status().WithContext(path);
      return k;
    }
    if (data.find("PRIVATE KEY-----") != std::string::npos) {
      SecretString secret(std::move(data));
      Result<PrivateKey> priv = PrivateKey::FromPem(secret.value());
      if (!priv.ok()) return priv.status().WithContext(path);
      return priv->public_key();
    }
    Result<PublicKey> k = PublicKey::FromPem(data);
    if (!k.ok()) return k.status().WithContext(path);
    return k;
  }
  if (Result<PublicKey> k = PublicKey::FromDer(data); k.ok()) return k;
  Result<Certificate> cert = Certificate::FromDer(data);
  if (!cert.ok()) {
    return Status(Errc::kInvalidKey,
                  path + ": not a PEM or DER public key, private key or certificate");
  }
  Result<PublicKey> k = cert->PublicKeyOf();
  if (!k.ok()) return k.status().WithContext(path);
  return k;
}

Result<std::vector<Certificate>> LoadCertificatesFile(const std::string& path,
                                                      const std::string& password_env) {
  MP_ASSIGN_OR_RETURN(std::string data, ReadInput(path));
  if (IsPkcs12Path(path) || (!password_env.empty() && !LooksLikePem(data))) {
    std::string password;
    if (!password_env.empty()) {
      MP_ASSIGN_OR_RETURN(password, ReadSecretEnv(password_env));
    }
    Result<Pkcs12Contents> p12 = LoadPkcs12(data, password);
    SecureWipe(password);
    if (!p12.ok()) return p12.status().WithContext(path);
    return p12->chain;
  }
  Result<std::vector<Certificate>> certs = Certificate::ParseAny(data);
  if (!certs.ok()) return certs.status().WithContext(path);
  return certs;
}

Result<std::vector<Algorithm>> ParseAlgorithmList(const std::string& list) {
  std::vector<Algorithm> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    Result<Algorithm> alg = ParseAlgorithm(item);
    if (!alg.ok()) return Status(Errc::kInvalidArgument, "--alg-allow: " + alg.status().message());
    out.push_back(*alg);
  }
  if (out.empty()) return Status(Errc::kInvalidArgument, "--alg-allow names no algorithm");
  return out;
}

}  // namespace mp::cli
