#include "testing/jose_fixtures.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "jose/signature.h"
#include "maskinporten/base64.h"

namespace mp::testing {
namespace {

[[noreturn]] void Die(const char* what, const Status& status) {
  std::fprintf(stderr, "jose_fixtures: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

enum class KeyKind { kRsa, kP256, kP384 };

KeyKind KindOf(Algorithm alg) {
  switch (alg) {
    case Algorithm::kES256:
      return KeyKind::kP256;
    case Algorithm::kES384:
      return KeyKind::kP384;
    default:
      return KeyKind::kRsa;
  }
}

Algorithm GenerationAlg(KeyKind kind) {
  switch (kind) {
    case KeyKind::kP256:
      return Algorithm::kES256;
    case KeyKind::kP384:
      return Algorithm::kES384;
    case KeyKind::kRsa:
      break;
  }
  return Algorithm::kRS256;
}

// Keys are generated lazily (RSA generation is the slow part of these suites) and live for the
// whole process; `slot` 0 is TestKey, 1 is OtherTestKey.
const PrivateKey& CachedKey(Algorithm alg, int slot) {
  static std::mutex mu;
  static std::optional<PrivateKey> keys[2][3];
  std::lock_guard<std::mutex> lock(mu);
  KeyKind kind = KindOf(alg);
  std::optional<PrivateKey>& entry = keys[slot][static_cast<int>(kind)];
  if (!entry) {
    Result<PrivateKey> key =
        PrivateKey::Generate(GenerationAlg(kind), kind == KeyKind::kRsa ? 2048 : 0);
    if (!key.ok()) Die("PrivateKey::Generate", key.status());
    entry.emplace(std::move(key).value());
  }
  return *entry;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const PrivateKey& TestKey(Algorithm alg) { return CachedKey(alg, 0); }
const PrivateKey& OtherTestKey(Algorithm alg) { return CachedKey(alg, 1); }

std::string MakeCompact(std::string_view header_json, std::string_view payload,
                        std::string_view signature) {
  return Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload) + "." +
         Base64UrlEncode(signature);
}

std::string SignCompact(const PrivateKey& key, Algorithm alg, std::string_view header_json,
                        std::string_view payload) {
  std::string signing_input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload);
  Result<std::string> signature = Sign(alg, key, signing_input);
  if (!signature.ok()) Die("Sign", signature.status());
  return signing_input + "." + Base64UrlEncode(*signature);
}

std::string HmacSha256(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &mac_len) == nullptr) {
    std::fprintf(stderr, "jose_fixtures: HMAC failed\n");
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string ValidClaimsJson(int64_t now_seconds) {
  return R"({"iss":"test-issuer","aud":"test-audience","iat":)" + std::to_string(now_seconds) +
         R"(,"exp":)" + std::to_string(now_seconds + 120) +
         R"(,"jti":"3f1c2a9e-6b1d-4f7e-9a51-0c2d8e4b7a10"})";
}

std::optional<Segments> SplitCompact(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  if (token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  return Segments{std::string(token.substr(0, first)),
                  std::string(token.substr(first + 1, second - first - 1)),
                  std::string(token.substr(second + 1))};
}

}  // namespace mp::testing
