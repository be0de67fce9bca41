// Fuzzes compact JWS parsing and verification, and JWT claim handling on whatever payload parses.
// Keys are fixed (fuzz_keys.h: RSA-2048 and P-256) and every algorithm is allowed, so the seeds
// that make_seeds signs with the same keys reach the code after a good signature. Properties:
//   - nothing crashes, leaks or hangs;
//   - VerifyJws never succeeds on a token ParseJws refuses;
//   - a verified token's header and payload are those ParseJws reads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/openssl.h"
#include "fuzz_check.h"
#include "fuzz_keys.h"
#include "maskinporten/clock.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"

namespace {

struct Fixture {
  mp::PublicKey rsa = mp::fuzz::FuzzRsaKey().public_key();
  mp::PublicKey ec = mp::fuzz::FuzzEcKey().public_key();
  mp::Jwks jwks = MakeJwks();
  mp::VerifyOptions all{mp::AllAlgorithms()};
  mp::FakeClock clock{1700000000};

  mp::Jwks MakeJwks() const {
    std::vector<mp::Jwk> keys;
    keys.push_back(mp::Jwk{.key = rsa, .kid = std::string(mp::fuzz::kRsaKid)});
    keys.push_back(mp::Jwk{.key = ec, .kid = std::string(mp::fuzz::kEcKid)});
    auto set = mp::Jwks::FromKeys(std::move(keys));
    FUZZ_CHECK(set.ok());
    return *set;
  }
};

const Fixture& GetFixture() {
  static const Fixture* fixture = new Fixture();  // never destroyed: no exit-time order issues
  return *fixture;
}

void CheckMatchesParse(const mp::Result<mp::VerifiedJws>& verified,
                       const mp::Result<mp::ParsedJws>& parsed) {
  if (!verified.ok()) return;
  FUZZ_CHECK(parsed.ok());
  FUZZ_CHECK(verified->payload == parsed->payload);
  FUZZ_CHECK(verified->header.json == parsed->header.json);
  FUZZ_CHECK(verified->header.alg.has_value());
}

void FuzzClaims(const std::string& payload, const Fixture& f) {
  auto claims = mp::Claims::Parse(payload);
  if (!claims.ok()) return;
  (void)claims->Names();
  (void)claims->ToJson();
  for (const char* name : {"iss", "aud", "scope", "exp", "iat", "nbf", "jti", "consumer"}) {
    (void)claims->Has(name);
    (void)claims->GetString(name);
    (void)claims->GetNumericDate(name);
    (void)claims->GetStringOrArray(name);
    (void)claims->MemberJson(name);
  }
  mp::ClaimsOptions options{.issuer = "https://test.maskinporten.no/",
                            .audience = "https://test.maskinporten.no/",
                            .leeway = std::chrono::seconds(10),
                            .require_iat = true,
                            .clock = &f.clock};
  (void)mp::ValidateClaims(*claims, options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = GetFixture();
  std::string_view token(reinterpret_cast<const char*>(data), size);

  auto parsed = mp::ParseJws(token);
  if (parsed.ok()) {
    (void)mp::VerifyParsedJws(*parsed, f.rsa, f.all);
    (void)mp::VerifyParsedJws(*parsed, f.ec, f.all);
    FuzzClaims(parsed->payload, f);
  }

  CheckMatchesParse(mp::VerifyJws(token, f.rsa, f.all), parsed);
  CheckMatchesParse(mp::VerifyJws(token, f.ec, f.all), parsed);
  CheckMatchesParse(mp::VerifyJws(token, f.jwks, f.all), parsed);

  mp::ClaimsOptions claims{.leeway = std::chrono::seconds(60), .clock = &f.clock};
  auto jwt = mp::VerifyJwt(token, f.jwks, f.all, claims);
  if (jwt.ok()) FUZZ_CHECK(parsed.ok());
  // OpenSSL keeps the file/function strings of popped errors until their slot is reused or
  // the queue is cleared, so malloc and free counts of one input differ and libFuzzer runs a
  // full leak check after nearly every input (8x slower). Clearing makes each input balanced.
  mp::ClearOpenSslErrors();
  return 0;
}
