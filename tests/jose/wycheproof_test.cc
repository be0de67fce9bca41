// Wycheproof (github.com/C2SP/wycheproof, testvectors_v1) against our JOSE layer. Every vector
// must agree with its label: "valid" verifies, "invalid" is refused. Where our verifier
// deliberately differs from a label, or a label is known to be wrong, the case is an explicit
// override in a table below with the reason, and is counted; nothing is skipped silently.
// "acceptable" vectors get a decision per flag, stated next to the table that holds it.
//
// The raw RSA and ECDSA files sign arbitrary bytes, so they go through the signature primitive
// (src/jose/signature.h); the JSON Web Signature and JSON Web Key files go through VerifyJws with a
// JWK Set, as an application would.
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jose/signature.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/key.h"
#include "testing/jose_fixtures.h"
#include "testing/testdata.h"

namespace mp {
namespace {

using nlohmann::json;

json LoadVectors(const std::string& path) { return json::parse(testing::ReadFileOrDie(path)); }

std::string Hex(const json& value) {
  std::optional<std::string> bytes = testing::HexDecode(value.get<std::string>());
  EXPECT_TRUE(bytes.has_value()) << "bad hex in test vector";
  return bytes.value_or("");
}

// Per-file tallies, printed and recorded as test properties so a run shows what was exercised.
struct Tally {
  int valid_accepted = 0;
  int invalid_refused = 0;
  int acceptable_accepted = 0;
  int acceptable_refused = 0;
  int overrides = 0;
  int disagreements = 0;

  std::string Summary() const {
    std::ostringstream out;
    out << "valid accepted " << valid_accepted << ", invalid refused " << invalid_refused
        << ", acceptable accepted " << acceptable_accepted << ", acceptable refused "
        << acceptable_refused << ", explicit overrides " << overrides << ", disagreements "
        << disagreements;
    return out.str();
  }
};

void Report(const std::string& file, const Tally& tally) {
  std::cout << "[wycheproof] " << file << ": " << tally.Summary() << "\n";
  ::testing::Test::RecordProperty(file, tally.Summary());
}

// Decides an "acceptable" vector by its flags; nullopt when no flag has a decision (a test
// failure: every acceptable case must be decided explicitly).
std::optional<bool> DecideAcceptable(const json& test, const std::map<std::string, bool>& policy) {
  std::optional<bool> decision;
  for (const auto& flag : test.at("flags")) {
    auto it = policy.find(flag.get<std::string>());
    if (it == policy.end()) continue;
    if (decision && *decision != it->second) return std::nullopt;  // conflicting flags
    decision = it->second;
  }
  return decision;
}

// Checks one raw-signature outcome against its label and counts it.
void CheckRawOutcome(const json& test, const Status& status,
                     const std::map<std::string, bool>& acceptable_policy, Tally& tally) {
  const std::string result = test.at("result").get<std::string>();
  const int tc_id = test.at("tcId").get<int>();
  const bool accepted = status.ok();
  bool expected = result == "valid";
  if (result == "acceptable") {
    std::optional<bool> decision = DecideAcceptable(test, acceptable_policy);
    if (!decision) {
      ADD_FAILURE() << "tcId " << tc_id << ": acceptable with flags " << test.at("flags").dump()
                    << " has no decision";
      ++tally.disagreements;
      return;
    }
    expected = *decision;
  }
  if (accepted != expected) {
    ++tally.disagreements;
    ADD_FAILURE() << "tcId " << tc_id << " (" << result << ", "
                  << test.at("comment").get<std::string>() << ", flags " << test.at("flags").dump()
                  << "): expected " << (expected ? "accept" : "refuse") << ", got "
                  << status.ToString();
    return;
  }
  if (!accepted) {
    // signature.h: a signature that does not verify is kInvalidSignature, whatever its defect.
    EXPECT_EQ(status.code(), Errc::kInvalidSignature)
        << "tcId " << tc_id << ": " << status.ToString();
  }
  if (result == "valid") ++tally.valid_accepted;
  if (result == "invalid") ++tally.invalid_refused;
  if (result == "acceptable") ++(accepted ? tally.acceptable_accepted : tally.acceptable_refused);
}

// Runs every group of one raw signature file through VerifySignature with `alg`.
void RunRawSignatureFile(const std::string& path, Algorithm alg,
                         const std::map<std::string, bool>& acceptable_policy, Tally& tally) {
  json vectors = LoadVectors(path);
  for (const json& group : vectors.at("testGroups")) {
    Result<PublicKey> key = PublicKey::FromDer(Hex(group.at("publicKeyDer")));
    for (const json& test : group.at("tests")) {
      SCOPED_TRACE("tcId " + std::to_string(test.at("tcId").get<int>()));
      if (!key.ok()) {
        // A key we refuse at import (e.g. RSA below 2048 bits: kWeakKey) refuses every vector.
        CheckRawOutcome(test, key.status(), acceptable_policy, tally);
        continue;
      }
      Status status = VerifySignature(alg, *key, Hex(test.at("msg")), Hex(test.at("sig")));
      CheckRawOutcome(test, status, acceptable_policy, tally);
    }
  }
}

// RSASSA-PKCS1-v1_5 "acceptable" decisions, by flag:
//   MissingNull: the DigestInfo omits the NULL parameters of the hash AlgorithmIdentifier. We
//   refuse it: RFC 8017 §9.2 Note 1 gives each DigestInfo encoding T with the NULL, and our
//   verifier compares the recovered encoding with exactly that T (no alternative encodings).
const std::map<std::string, bool>& RsaAcceptablePolicy() {
  static const std::map<std::string, bool> policy = {{"MissingNull", false}};
  return policy;
}

TEST(WycheproofRsaSignature, EveryPkcs1V15VectorAgreesWithItsLabel) {
  MP_REQUIRE_SHARED_TESTDATA(dir, "wycheproof");
  const std::map<int, Algorithm> by_sha = {
      {256, Algorithm::kRS256}, {384, Algorithm::kRS384}, {512, Algorithm::kRS512}};
  int files = 0;
  for (int bits : {2048, 3072, 4096}) {
    for (const auto& [sha, alg] : by_sha) {
      const std::string name =
          "rsa_signature_" + std::to_string(bits) + "_sha" + std::to_string(sha) + "_test.json";
      const std::string path = dir + "/" + name;
      if (!std::filesystem::exists(path)) continue;  // the snapshot holds a selection
      SCOPED_TRACE(name);
      ++files;
      Tally tally;
      RunRawSignatureFile(path, alg, RsaAcceptablePolicy(), tally);
      EXPECT_GT(tally.valid_accepted, 0) << name;
      EXPECT_GT(tally.invalid_refused, 0) << name;
      Report(name, tally);
    }
  }
  EXPECT_GT(files, 0) << "no rsa_signature_*_test.json in " << dir;
}

// ECDSA P1363 (raw r||s, as JOSE uses) files have no "acceptable" vectors; any that appear
// fail the test until decided here.
TEST(WycheproofEcdsaP1363, EveryEs256AndEs384VectorAgreesWithItsLabel) {
  MP_REQUIRE_SHARED_TESTDATA(dir, "wycheproof");
  const std::map<std::string, Algorithm> files = {
      {"ecdsa_secp256r1_sha256_p1363_test.json", Algorithm::kES256},
      {"ecdsa_secp384r1_sha384_p1363_test.json", Algorithm::kES384}};
  for (const auto& [name, alg] : files) {
    SCOPED_TRACE(name);
    const std::string path = dir + "/" + name;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    Tally tally;
    RunRawSignatureFile(path, alg, /*acceptable_policy=*/{}, tally);
    EXPECT_GT(tally.valid_accepted, 0);
    EXPECT_GT(tally.invalid_refused, 0);
    Report(name, tally);
  }
}

// ---------------------------------------------------------------------------------------------
// json_web_signature_test.json

// The alg named in a compact token's header, or "" when it cannot be read.
std::string HeaderAlg(const std::string& token) {
  Result<ParsedJws> parsed = ParseJws(token);
  return parsed.ok() ? parsed->header.alg_name : "";
}

bool IsImplementedAlg(const std::string& name) { return ParseAlgorithm(name).ok(); }

struct JwsOverride {
  bool accept;               // our outcome
  std::optional<Errc> code;  // the refusal code, when it is determined
  const char* reason;
};

// Explicit overrides for json_web_signature_test.json, by tcId. Each states our outcome and why.
const std::map<int, JwsOverride>& JwsOverrides() {
  static const std::map<int, JwsOverride> overrides = [] {
    std::map<int, JwsOverride> o;
    // Labelled valid, but HMAC is not implemented (we verify with public keys only, DESIGN §7):
    // refused with kUnsupportedAlgorithm.
    for (int id : {1, 348, 352, 357, 358, 359, 376, 377}) {
      o[id] = {false, Errc::kUnsupportedAlgorithm, "HS256 not implemented: refused"};
    }
    // C2SP/wycheproof#236: byte-identical to valid tcId 357 but labelled invalid. A strict
    // verifier accepts them (checked below: ParseJws accepts the token); our outcome is still
    // "refused", for the same reason as 357: HS256 is not implemented.
    for (int id : {367, 370}) {
      o[id] = {false, Errc::kUnsupportedAlgorithm,
               "label wrong (== tcId 357, strict parse accepts); HS256 not implemented: refused"};
    }
    // Labelled valid, but a '?' sits inside a base64url segment: strict base64url refuses.
    for (int id : {372, 373}) {
      o[id] = {false, Errc::kInvalidBase64, "'?' in a base64url segment: strict decoder refuses"};
    }
    // RFC 7520 Figure 20 verified with a JWK whose alg is PS256 while the token says PS384:
    // refused because VerifyOptions::require_jwk_alg_match defaults to true (checked below: the
    // signature itself verifies when the match is not required).
    for (int id : {346, 350}) {
      o[id] = {false, Errc::kKeyAlgorithmMismatch,
               "JWK alg PS256 != token alg PS384: refused (alg match)"};
    }
    // RFC 7520 Figure 27: ES512 with a P-521 JWK whose alg is "ES521". Refused on every count:
    // the JWK alg differs from the token's, and neither ES512 nor P-521 is implemented.
    for (int id : {347, 351}) {
      o[id] = {false, std::nullopt, "ES512/P-521 not implemented, JWK alg ES521 != ES512: refused"};
    }
    return o;
  }();
  return overrides;
}

// Verifies `token` the way an application holding the group's public key would: the key as a
// one-entry JWK Set (so kid selection and the JWK's use/alg rules apply), all eight algorithms
// allowed. Groups without a public key hold only an HMAC secret, which we cannot use; those
// tokens are verified against an unrelated EC key, so only the algorithm rules can decide.
Status VerifyWithGroupKey(const json& group, const std::string& token,
                          bool require_jwk_alg_match = true) {
  VerifyOptions options(AllAlgorithms());
  options.require_jwk_alg_match = require_jwk_alg_match;
  if (!group.contains("public")) {
    return VerifyJws(token, testing::TestKey(Algorithm::kES256).public_key(), options).status();
  }
  const json& pub = group.at("public");
  json set = pub.contains("keys") ? pub : json{{"keys", json::array({pub})}};
  Result<Jwks> jwks = Jwks::Parse(set.dump());
  if (!jwks.ok()) return jwks.status();
  return VerifyJws(token, *jwks, options).status();
}

TEST(WycheproofJsonWebSignature, EveryVectorAgreesWithItsLabelOrAnExplicitOverride) {
  MP_REQUIRE_SHARED_TESTDATA(dir, "wycheproof");
  json vectors = LoadVectors(dir + "/json_web_signature_test.json");
  Tally tally;
  int json_serialization = 0;
  int unimplemented_alg_refused = 0;
  std::set<int> overrides_seen;
  for (const json& group : vectors.at("testGroups")) {
    for (const json& test : group.at("tests")) {
      const int tc_id = test.at("tcId").get<int>();
      const std::string result = test.at("result").get<std::string>();
      const std::string token =
          test.at("jws").is_string() ? test.at("jws").get<std::string>() : test.at("jws").dump();
      SCOPED_TRACE("tcId " + std::to_string(tc_id) + " " + test.at("comment").get<std::string>());
      ASSERT_NE(result, "acceptable") << "json_web_signature has no acceptable vectors to decide";

      Status status = VerifyWithGroupKey(group, token);
      const bool accepted = status.ok();

      // JSON serialization is not supported: always refused (consistent with its label here).
      if (!token.empty() && token.front() == '{') {
        ++json_serialization;
        EXPECT_FALSE(accepted) << "JSON serialization must be refused";
        EXPECT_EQ(status.code(), Errc::kMalformedToken) << status.ToString();
      }
      // Whatever the label, an algorithm we do not implement is never accepted.
      const std::string alg = HeaderAlg(token);
      if (!alg.empty() && !IsImplementedAlg(alg)) {
        EXPECT_FALSE(accepted) << "alg " << alg << " is not implemented";
        if (!accepted) ++unimplemented_alg_refused;
      }

      auto over = JwsOverrides().find(tc_id);
      if (over != JwsOverrides().end()) {
        overrides_seen.insert(tc_id);
        ++tally.overrides;
        EXPECT_EQ(accepted, over->second.accept)
            << over->second.reason << "; got " << status.ToString();
        if (over->second.code && !accepted) {
          EXPECT_EQ(status.code(), *over->second.code)
              << over->second.reason << "; got " << status.ToString();
        }
        continue;
      }
      const bool expected = result == "valid";
      if (accepted != expected) {
        ++tally.disagreements;
        ADD_FAILURE() << "labelled " << result << ", got "
                      << (accepted ? "accepted" : status.ToString());
        continue;
      }
      ++(expected ? tally.valid_accepted : tally.invalid_refused);
    }
  }
  // Every override names a vector that exists, so the table cannot rot silently.
  for (const auto& [id, unused] : JwsOverrides()) {
    EXPECT_TRUE(overrides_seen.count(id)) << "override for absent tcId " << id;
  }
  EXPECT_EQ(json_serialization, 1);
  std::cout << "[wycheproof] json_web_signature_test.json: JSON serialization refused "
            << json_serialization << ", unimplemented alg refused " << unimplemented_alg_refused
            << "\n";
  Report("json_web_signature_test.json", tally);
}

// The evidence behind two override groups: 367/370 are accepted by strict parsing (only the
// algorithm refuses them), and 346/350 carry a valid PS384 signature refused only because the
// JWK's alg is PS256.
TEST(WycheproofJsonWebSignature, OverriddenVectorsFailOnlyForTheStatedReason) {
  MP_REQUIRE_SHARED_TESTDATA(dir, "wycheproof");
  json vectors = LoadVectors(dir + "/json_web_signature_test.json");
  std::map<int, std::pair<const json*, const json*>> by_id;  // tcId -> (group, test)
  for (const json& group : vectors.at("testGroups")) {
    for (const json& test : group.at("tests")) {
      by_id[test.at("tcId").get<int>()] = {&group, &test};
    }
  }
  for (int id : {357, 367, 370, 372, 373, 346, 350}) ASSERT_TRUE(by_id.count(id)) << id;
  const std::string valid_357 = by_id[357].second->at("jws").get<std::string>();

  for (int id : {367, 370}) {
    const std::string token = by_id[id].second->at("jws").get<std::string>();
    EXPECT_EQ(token, valid_357) << "tcId " << id;
    Result<ParsedJws> parsed = ParseJws(token);
    ASSERT_TRUE(parsed.ok()) << "tcId " << id << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->header.alg_name, "HS256");
  }
  for (int id : {372, 373}) {
    Result<ParsedJws> parsed = ParseJws(by_id[id].second->at("jws").get<std::string>());
    ASSERT_FALSE(parsed.ok()) << "tcId " << id;
    EXPECT_EQ(parsed.status().code(), Errc::kInvalidBase64) << parsed.status().ToString();
  }
  for (int id : {346, 350}) {
    const auto [group, test] = by_id[id];
    const std::string token = test->at("jws").get<std::string>();
    EXPECT_EQ(group->at("public").at("alg"), "PS256");
    EXPECT_EQ(HeaderAlg(token), "PS384");
    EXPECT_FALSE(VerifyWithGroupKey(*group, token).ok()) << "tcId " << id;
    Status relaxed = VerifyWithGroupKey(*group, token, /*require_jwk_alg_match=*/false);
    EXPECT_TRUE(relaxed.ok()) << "tcId " << id << ": " << relaxed.ToString();
  }
}

// ---------------------------------------------------------------------------------------------
// json_web_key_test.json: each group is a private JWK Set and a token to verify with it.

// The public half of a private JWK: what a verifier is given.
json PublicHalf(const json& jwk) {
  json pub = jwk;
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth"}) pub.erase(member);
  return pub;
}

// Labelled valid, but the set holds only HMAC keys, which we do not implement: refused.
const std::set<int>& JwkHmacValidOverrides() {
  static const std::set<int> ids = {2, 13, 14, 15};
  return ids;
}
// "rejectsModifiedKey" vectors: the private JWK itself is broken (point off the curve,
// coordinates of the wrong length for the curve, RSA kty with EC members), so ParsePrivateJwk
// must refuse it, not only the verification.
const std::set<int>& JwkBrokenPrivateKeys() {
  static const std::set<int> ids = {22, 23, 24};
  return ids;
}

TEST(WycheproofJsonWebKey, EveryKeySetVectorAgreesWithItsLabelOrAnExplicitOverride) {
  MP_REQUIRE_SHARED_TESTDATA(dir, "wycheproof");
  json vectors = LoadVectors(dir + "/json_web_key_test.json");
  Tally tally;
  std::set<int> overrides_seen;
  for (const json& group : vectors.at("testGroups")) {
    const json& keys = group.at("private").at("keys");
    json public_set = {{"keys", json::array()}};
    for (const json& key : keys) public_set["keys"].push_back(PublicHalf(key));

    for (const json& test : group.at("tests")) {
      const int tc_id = test.at("tcId").get<int>();
      const std::string result = test.at("result").get<std::string>();
      const std::string token = test.at("jws").get<std::string>();
      SCOPED_TRACE("tcId " + std::to_string(tc_id) + " " + test.at("comment").get<std::string>() +
                   " (" + group.at("comment").get<std::string>() + ")");
      ASSERT_NE(result, "acceptable") << "json_web_key has no acceptable vectors to decide";

      Status status;
      Result<Jwks> jwks = Jwks::Parse(public_set.dump());
      if (!jwks.ok()) {
        status = jwks.status();
      } else {
        status = VerifyJws(token, *jwks, VerifyOptions(AllAlgorithms())).status();
      }
      const bool accepted = status.ok();

      // Private-key checks: a usable RSA/EC private JWK of a valid vector parses and its public
      // part is the key we verified with; the broken ones are refused by ParsePrivateJwk.
      for (const json& key : keys) {
        const std::string kty = key.value("kty", "");
        if (kty != "RSA" && kty != "EC") continue;
        Result<PrivateKey> priv = ParsePrivateJwk(key.dump());
        if (JwkBrokenPrivateKeys().count(tc_id)) {
          EXPECT_FALSE(priv.ok()) << "ParsePrivateJwk accepted a broken key";
        } else if (result == "valid") {
          ASSERT_TRUE(priv.ok()) << priv.status().ToString();
          ASSERT_TRUE(jwks.ok());
          const Jwk* found = jwks->Find(key.value("kid", ""));
          ASSERT_NE(found, nullptr);
          EXPECT_TRUE(priv->public_key() == found->key);
        }
      }

      if (JwkHmacValidOverrides().count(tc_id)) {
        overrides_seen.insert(tc_id);
        ++tally.overrides;
        EXPECT_FALSE(IsImplementedAlg(HeaderAlg(token)));
        EXPECT_FALSE(accepted) << "HMAC not implemented: must be refused";
        continue;
      }
      const bool expected = result == "valid";
      if (accepted != expected) {
        ++tally.disagreements;
        ADD_FAILURE() << "labelled " << result << ", got "
                      << (accepted ? "accepted" : status.ToString());
        continue;
      }
      ++(expected ? tally.valid_accepted : tally.invalid_refused);
    }
  }
  EXPECT_EQ(overrides_seen, JwkHmacValidOverrides());
  Report("json_web_key_test.json", tally);
}

}  // namespace
}  // namespace mp
