#include "server/store/key_encryption.h"

#include <openssl/evp.h>

#include "core/openssl.h"
#include "maskinporten/base64.h"

namespace mp::server {
namespace {

constexpr std::string_view kSealedPrefix = "mp-kek-v1:";
constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;  // 96 bits: GCM's native nonce size
constexpr size_t kTagBytes = 16;

unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string_view TrimAsciiSpace(std::string_view text) {
  const std::string_view space = " \t\r\n";
  size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(space) - begin + 1);
}

// A context for AES-256-GCM with key and nonce set and `kid` fed as additional data.
Result<EvpCipherCtxPtr> GcmContext(bool encrypt, const std::string& key, std::string_view nonce,
                                   std::string_view kid) {
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError(Errc::kInternal, "EVP_CIPHER_CTX_new");
  int aad_len = 0;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(nonce),
                        encrypt ? 1 : 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), nullptr, &aad_len, Bytes(kid), static_cast<int>(kid.size())) !=
          1) {
    return OpenSslError(Errc::kInternal, "AES-256-GCM setup");
  }
  return ctx;
}

}  // namespace

Result<KeyEncryptionKey> KeyEncryptionKey::FromBase64(std::string_view text) {
  const std::string what(kKeyEncryptionKeyEnv);
  Result<std::string> raw = Base64Decode(TrimAsciiSpace(text));
  if (!raw.ok()) {
    return Status(Errc::kInvalidArgument,
                  what + " is not standard base64; make one with `openssl rand -base64 32`");
  }
  if (raw->size() != kKeyBytes) {
    size_t size = raw->size();
    SecureWipe(*raw);
    return Status(Errc::kInvalidArgument, what + " decodes to " + std::to_string(size) +
                                              " bytes; AES-256 needs 32 (openssl rand -base64 32)");
  }
  return KeyEncryptionKey(std::move(raw).value());
}

bool IsSealedPrivateKey(std::string_view stored) { return stored.starts_with(kSealedPrefix); }

Result<std::string> SealPrivateKey(const std::optional<KeyEncryptionKey>& kek, std::string_view kid,
                                   std::string_view pem) {
  if (!kek.has_value()) return std::string(pem);
  std::string out = RandomBytes(kNonceBytes);
  out.resize(kNonceBytes + pem.size() + kTagBytes);
  MP_ASSIGN_OR_RETURN(
      EvpCipherCtxPtr ctx,
      GcmContext(true, kek->bytes(), std::string_view(out).substr(0, kNonceBytes), kid));
  int len = 0;
  int final_len = 0;
  if (EVP_EncryptUpdate(ctx.get(), Bytes(out) + kNonceBytes, &len, Bytes(pem),
                        static_cast<int>(pem.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), Bytes(out) + kNonceBytes + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          Bytes(out) + kNonceBytes + pem.size()) != 1) {
    return OpenSslError(Errc::kInternal, "AES-256-GCM encryption of key " + std::string(kid));
  }
  return std::string(kSealedPrefix) + Base64Encode(out);
}

Result<SecretString> OpenPrivateKey(const std::optional<KeyEncryptionKey>& kek,
                                    std::string_view kid, std::string_view stored) {
  if (!IsSealedPrivateKey(stored)) return SecretString(std::string(stored));
  const std::string name = "stored private key " + std::string(kid);
  if (!kek.has_value()) {
    return Status(Errc::kInvalidKey, name + " is encrypted at rest; set " +
                                         std::string(kKeyEncryptionKeyEnv) +
                                         " to the key it was written with");
  }
  Result<std::string> sealed = Base64Decode(stored.substr(kSealedPrefix.size()));
  if (!sealed.ok() || sealed->size() < kNonceBytes + kTagBytes) {
    return Status(Errc::kInvalidKey, name + " is encrypted but malformed");
  }
  std::string_view all(*sealed);
  std::string_view nonce = all.substr(0, kNonceBytes);
  std::string_view ciphertext = all.substr(kNonceBytes, all.size() - kNonceBytes - kTagBytes);
  std::string tag(all.substr(all.size() - kTagBytes));
  MP_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, GcmContext(false, kek->bytes(), nonce, kid));
  std::string plain(ciphertext.size(), '\0');
  int len = 0;
  int final_len = 0;
  if (EVP_DecryptUpdate(ctx.get(), Bytes(plain), &len, Bytes(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), Bytes(plain) + len, &final_len) != 1) {
    ClearOpenSslErrors();
    SecureWipe(plain);
    return Status(Errc::kWrongPassword, name + " does not decrypt with this " +
                                            std::string(kKeyEncryptionKeyEnv) +
                                            " (another key, or the stored value was changed)");
  }
  return SecretString(std::move(plain));
}

}  // namespace mp::server
