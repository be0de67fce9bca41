// LoadCredentials: the one place key files, certificate chains, PKCS#12 bundles and private
// JWKs become Credentials, for the library and every CLI verb.
#include "core/file.h"
#include "core/json.h"
#include "core/random.h"
#include "maskinporten/client_config.h"
#include "maskinporten/jwk.h"

namespace mp {
namespace {

Result<PrivateKey> LoadKeyFile(const std::string& path) {
  MP_ASSIGN_OR_RETURN(std::string raw, ReadFileToString(path));
  SecretString pem(std::move(raw));
  Result<PrivateKey> key = pem.value().find("-----BEGIN ") != std::string::npos
                               ? PrivateKey::FromPem(pem.value())
                               : PrivateKey::FromDer(pem.value());
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

Result<std::vector<Certificate>> LoadChainFile(const std::string& path) {
  MP_ASSIGN_OR_RETURN(std::string data, ReadFileToString(path));
  Result<std::vector<Certificate>> chain = Certificate::ParseAny(data);
  if (!chain.ok()) return chain.status().WithContext(path);
  return chain;
}

Result<Credentials> FromJwkFile(const ClientConfig& c, Algorithm alg) {
  MP_ASSIGN_OR_RETURN(std::string raw, ReadFileToString(c.jwk_file));
  SecretString text(std::move(raw));
  Result<PrivateKey> key = ParsePrivateJwk(text.value());
  if (!key.ok()) return key.status().WithContext(c.jwk_file);
  std::string kid = c.kid;
  if (kid.empty()) {
    Result<nlohmann::json> obj = ParseStrictJsonObject(text.value());
    if (obj.ok() && obj->contains("kid") && (*obj)["kid"].is_string()) {
      kid = (*obj)["kid"].get<std::string>();
    }
  }
  if (kid.empty()) {
    return Status(Errc::kInvalidArgument,
                  c.jwk_file + " has no kid: pass --kid or set MASKINPORTEN_KID");
  }
  return Credentials::WithKid(*key, kid, alg);
}

}  // namespace

Result<Credentials> LoadCredentials(const ClientConfig& c, Algorithm alg) {
  if (!c.jwk_file.empty()) return FromJwkFile(c, alg);
  if (!c.p12_file.empty()) {
    MP_ASSIGN_OR_RETURN(std::string der, ReadFileToString(c.p12_file));
    Result<Pkcs12Contents> p12 = LoadPkcs12(der, c.p12_password);
    if (!p12.ok()) return p12.status().WithContext(c.p12_file);
    if (!c.kid.empty()) return Credentials::WithKid(p12->key, c.kid, alg);
    return Credentials::WithCertificate(p12->key, p12->chain, alg);
  }
  if (c.key_file.empty()) {
    return Status(Errc::kInvalidArgument,
                  "no credentials: give --key with --kid or --cert, --p12, or --jwk");
  }
  MP_ASSIGN_OR_RETURN(PrivateKey key, LoadKeyFile(c.key_file));
  if (!c.cert_file.empty()) {
    MP_ASSIGN_OR_RETURN(std::vector<Certificate> chain, LoadChainFile(c.cert_file));
    Result<Credentials> creds = Credentials::WithCertificate(key, chain, alg);
    if (!creds.ok()) return creds.status().WithContext(c.cert_file);
    return creds;
  }
  if (c.kid.empty()) {
    return Status(Errc::kInvalidArgument,
                  "--key needs --kid (the key id registered on the client) or --cert (the "
                  "virksomhetssertifikat chain)");
  }
  return Credentials::WithKid(key, c.kid, alg);
}

}  // namespace mp
