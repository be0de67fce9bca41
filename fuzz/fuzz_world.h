// The registry the server-side fuzz targets start from, shared with the seed generator
// (fuzz/make_seeds.cc) so that generated inputs name clients, scopes, consents and keys that
// exist. Public API only; the emulator built on it is fuzz_emulator.h.
//
// Time stands still at kFuzzNow in every target, so grants and bearer tokens made for that second
// stay valid in a corpus forever. Inputs of the server targets may hold these placeholders, which
// the targets replace before use (bytes a fuzzer cannot forge):
//   @TOKEN_A@ / @TOKEN_B@ / @TOKEN_OWNER@   an access token of this emulator for kOrgA / kOrgB /
//                                           kOwnerOrg with every admin and consent scope
//   @GRANT@                                 a grant of kClientA signed with its registered key
#ifndef MASKINPORTEN_FUZZ_FUZZ_WORLD_H_
#define MASKINPORTEN_FUZZ_FUZZ_WORLD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_keys.h"
#include "maskinporten/jwk.h"

namespace mp::fuzz {

inline constexpr int64_t kFuzzNow = 1790000000;  // 2026-09-21T14:13:20Z
inline constexpr std::string_view kBaseUrl = "http://127.0.0.1:7100";
inline constexpr std::string_view kIssuer = "http://127.0.0.1:7100/";

inline constexpr std::string_view kOwnerOrg = "889640782";  // API owner of "fuzz:" scopes
inline constexpr std::string_view kOrgA = "910753614";      // consumer
inline constexpr std::string_view kOrgB = "311654306";      // supplier of kOrgA
inline constexpr std::string_view kPerson = "01819010001";  // synthetic fnr

inline constexpr std::string_view kClientA = "0c9e4f7a-51d3-4b8e-8f2a-6d7c1e3b9a22";
inline constexpr std::string_view kClientB = "2d8a6b1f-93c4-4e5a-b7d2-1f0e9c8b7a33";
inline constexpr std::string_view kClientKid = "fuzz-rsa-2048";  // kRsa2048Pem, registered
inline constexpr std::string_view kScopeRead = "fuzz:records.read";
inline constexpr std::string_view kScopeDelegable = "fuzz:records.delegated";

// Consents in the registry (Altinn 3 authorization_details ids, /altinn/ authorization codes).
inline constexpr std::string_view kConsentAccepted = "3f2c7d9a-1b4e-4c8f-9a2d-5e6f7a8b9c0d";
inline constexpr std::string_view kConsentUnopened = "5a1e0b7c-2d3f-4e8a-9b6c-7d8e9f0a1b2c";

// The scopes the placeholder bearer tokens hold.
inline constexpr std::string_view kBearerScopes =
    "idporten:dcr.read idporten:dcr.write idporten:dcr.modify idporten:scopes.write "
    "altinn:consentrequests.read altinn:consentrequests.write altinn:consenttokens";

// The seed (docs/emulator.md format) of the fuzz registry: the orgs, two "fuzz:" scopes (one
// delegable), approved access for kOrgA, kClientA (kOrgA, key kClientKid) and kClientB (kOrgB),
// and kOrgA's delegation of the delegable scope to kOrgB.
inline std::string FuzzSeedJson() {
  const std::string jwk = PublicKeyToJwk(
      FuzzRsaKey().public_key(), {.kid = std::string(kClientKid), .alg = Algorithm::kRS256});
  const std::string a(kOrgA), b(kOrgB), owner(kOwnerOrg);
  return R"({"organizations":[{"orgno":")" + owner +
         R"(","name":"TEST VELFERDSETAT"},)"
         R"({"orgno":")" +
         a +
         R"(","name":"TEST FORSIKRING AS"},)"
         R"({"orgno":")" +
         b +
         R"(","name":"TEST REGNSKAPSSYSTEM AS"}],)"
         R"("scopes":[{"prefix":"fuzz","subscope":"records.read","owner_orgno":")" +
         owner +
         R"(","description":"Fuzz records"},)"
         R"({"prefix":"fuzz","subscope":"records.delegated","owner_orgno":")" +
         owner +
         R"(","description":"Delegable fuzz records","delegation_source":"https://tt02.altinn.no/"}],)"
         R"("access":[{"scope":"fuzz:records.read","consumer_orgno":")" +
         a +
         R"("},)"
         R"({"scope":"fuzz:records.delegated","consumer_orgno":")" +
         a +
         R"("}],)"
         R"("clients":[{"client_id":")" +
         std::string(kClientA) + R"(","client_name":"fuzz-a","client_orgno":")" + a +
         R"(","scopes":["fuzz:records.read","fuzz:records.delegated","altinn:consentrequests.read"],)"
         R"("keys":[)" +
         jwk +
         R"(]},)"
         R"({"client_id":")" +
         std::string(kClientB) + R"(","client_name":"fuzz-b","client_orgno":")" + b +
         R"(","scopes":["fuzz:records.delegated"],"keys":[)" + jwk +
         R"(]}],)"
         R"("delegations":[{"consumer_orgno":")" +
         a + R"(","supplier_orgno":")" + b + R"(","scope":"fuzz:records.delegated"}]})";
}

// A grant kClientA may send at kFuzzNow (claims JSON; SPEC §4.3).
inline std::string FuzzGrantClaims(std::string_view jti, std::string_view extra = {}) {
  return R"({"aud":")" + std::string(kIssuer) + R"(","iss":")" + std::string(kClientA) +
         R"(","scope":"fuzz:records.read","iat":)" + std::to_string(kFuzzNow) + R"(,"exp":)" +
         std::to_string(kFuzzNow + 60) + R"(,"jti":")" + std::string(jti) + "\"" +
         std::string(extra) + "}";
}

}  // namespace mp::fuzz

#endif  // MASKINPORTEN_FUZZ_FUZZ_WORLD_H_
