// Fuzzes JWK / JWKS parsing (public and private). Properties:
//   - nothing crashes, leaks or hangs;
//   - an accepted public JWK serialises (PublicKeyToJwk) and parses back to the same key;
//   - an accepted JWKS serialises (ToJson) and parses back with the same kids in the same order;
//   - an accepted private JWK serialises and parses back to a key with the same public half.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/openssl.h"
#include "fuzz_check.h"
#include "maskinporten/jwk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  auto jwk = mp::ParseJwk(in);
  if (jwk.ok()) {
    (void)jwk->key.Thumbprint();
    std::string json = mp::PublicKeyToJwk(jwk->key, {.kid = jwk->kid, .alg = jwk->alg});
    auto back = mp::ParseJwk(json);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->key == jwk->key);
    FUZZ_CHECK(back->kid == jwk->kid);
    FUZZ_CHECK(back->alg == jwk->alg);
  }

  auto jwks = mp::Jwks::Parse(in);
  if (jwks.ok()) {
    auto back = mp::Jwks::Parse(jwks->ToJson());
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->keys().size() == jwks->keys().size());
    for (size_t i = 0; i < jwks->keys().size(); ++i) {
      FUZZ_CHECK(back->keys()[i].kid == jwks->keys()[i].kid);
      FUZZ_CHECK(back->keys()[i].key == jwks->keys()[i].key);
      if (!jwks->keys()[i].kid.empty()) FUZZ_CHECK(jwks->Find(jwks->keys()[i].kid) != nullptr);
    }
  }

  auto priv = mp::ParsePrivateJwk(in);
  if (priv.ok()) {
    std::string json = mp::PrivateKeyToJwk(*priv);
    auto back = mp::ParsePrivateJwk(json);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->public_key() == priv->public_key());
  }
  // OpenSSL keeps the file/function strings of popped errors until their slot is reused or
  // the queue is cleared, so malloc and free counts of one input differ and libFuzzer runs a
  // full leak check after nearly every input (8x slower). Clearing makes each input balanced.
  mp::ClearOpenSslErrors();
  return 0;
}
