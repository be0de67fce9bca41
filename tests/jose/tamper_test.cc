// Tamper tests: take a valid signed JWT for each algorithm we implement and change it one
// character or one byte at a time. Every change must be refused. Strict base64url makes this
// hold even for the last character of a segment, whose unused low bits a lax decoder would
// ignore; so there is no "harmless" change to allow for.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "maskinporten/base64.h"
#include "maskinporten/clock.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "maskinporten/key.h"
#include "testing/jose_fixtures.h"

namespace mp {
namespace {

constexpr int64_t kNow = 1700000000;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// Bytes outside the base64url alphabet, including the separator, padding, the standard-base64
// characters, whitespace, NUL and non-ASCII.
constexpr std::array<char, 11> kForeignBytes = {'\0', ' ', '\n', '.',    '=',   '+',
                                                '/',  '"', '~',  '\x80', '\xff'};

class TamperTest : public ::testing::TestWithParam<Algorithm> {
 protected:
  void SetUp() override {
    const PrivateKey& key = testing::TestKey(GetParam());
    public_key_ = key.public_key();
    Result<std::string> token = SignJws(key, testing::ValidClaimsJson(kNow),
                                        {.alg = GetParam(), .kid = "tamper-kid", .typ = "JWT"});
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    token_ = *token;
    // The untouched token is valid: every refusal below is caused by the change.
    ASSERT_TRUE(VerifyJws(token_, *public_key_, options_).ok());
    Result<VerifiedJwt> jwt = VerifyJwt(token_, *public_key_, options_, claims_options_);
    ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  }

  // Records `mutant` if VerifyJws (and, when asked, VerifyJwt) accepts it.
  void ExpectRefused(const std::string& mutant, const std::string& what, bool also_jwt = false) {
    ++checked_;
    if (mutant == token_) return;  // not a change
    if (VerifyJws(mutant, *public_key_, options_).ok()) accepted_.push_back(what + ": " + mutant);
    if (also_jwt && VerifyJwt(mutant, *public_key_, options_, claims_options_).ok()) {
      accepted_.push_back("(VerifyJwt) " + what + ": " + mutant);
    }
  }

  void TearDown() override {
    RecordProperty("tampered_tokens_checked", checked_);
    EXPECT_TRUE(accepted_.empty()) << accepted_.size() << " of " << checked_
                                   << " tampered tokens were accepted, e.g. " << accepted_.front();
  }

  std::optional<PublicKey> public_key_;
  std::string token_;
  VerifyOptions options_{GetParam()};
  FakeClock clock_{kNow};
  ClaimsOptions claims_options_{
      .issuer = "test-issuer", .audience = "test-audience", .clock = &clock_};
  std::vector<std::string> accepted_;
  int checked_ = 0;
};

TEST_P(TamperTest, EveryCharacterReplacedByAnotherBase64UrlCharacterIsRefused) {
  // The last character of each segment gets every other alphabet character: that is where a
  // change can touch only unused trailing bits. Elsewhere two different characters per position:
  // one differing only in the lowest bit, one spread over the alphabet.
  std::vector<size_t> segment_ends;
  for (size_t i = 0; i < token_.size(); ++i) {
    if (i + 1 == token_.size() || token_[i + 1] == '.') segment_ends.push_back(i);
  }
  const size_t signature_start = token_.rfind('.') + 1;
  for (size_t i = 0; i < token_.size(); ++i) {
    if (token_[i] == '.') continue;
    const size_t index = kAlphabet.find(token_[i]);
    ASSERT_NE(index, std::string_view::npos);
    std::vector<size_t> replacements;
    if (std::find(segment_ends.begin(), segment_ends.end(), i) != segment_ends.end()) {
      for (size_t r = 0; r < kAlphabet.size(); ++r) replacements.push_back(r);
    } else {
      replacements = {index ^ 1, (index + 1 + (i * 7) % 62) % 64};
    }
    for (size_t r : replacements) {
      if (r == index) continue;
      std::string mutant = token_;
      mutant[i] = kAlphabet[r];
      // VerifyJwt runs the same signature check first; it is asked too where the change lands
      // in the header or the claims (a signature change cannot reach the claims rules).
      ExpectRefused(mutant, "position " + std::to_string(i) + " -> " + kAlphabet[r],
                    /*also_jwt=*/i < signature_start);
    }
  }
}

TEST_P(TamperTest, EveryCharacterReplacedByAForeignByteIsRefused) {
  for (size_t i = 0; i < token_.size(); ++i) {
    for (char c : kForeignBytes) {
      if (token_[i] == c) continue;
      std::string mutant = token_;
      mutant[i] = c;
      ExpectRefused(mutant, "position " + std::to_string(i) + " -> byte " +
                                std::to_string(static_cast<unsigned char>(c)));
    }
  }
}

TEST_P(TamperTest, EveryCharacterDeletedOrDuplicatedIsRefused) {
  for (size_t i = 0; i < token_.size(); ++i) {
    std::string deleted = token_;
    deleted.erase(i, 1);
    ExpectRefused(deleted, "delete position " + std::to_string(i));
    std::string duplicated = token_;
    duplicated.insert(i, 1, token_[i]);
    ExpectRefused(duplicated, "duplicate position " + std::to_string(i));
  }
  ExpectRefused(token_ + "A", "append A");
  ExpectRefused("A" + token_, "prepend A");
  ExpectRefused(token_ + ".", "append .");
  ExpectRefused(token_ + "\n", "append newline");
  ExpectRefused(" " + token_, "prepend space");
}

TEST_P(TamperTest, EveryDecodedByteChangedIsRefused) {
  // Changes that survive decoding: flip one bit of every decoded byte of each segment and
  // re-encode canonically, so the token stays well formed base64url.
  std::optional<testing::Segments> segments = testing::SplitCompact(token_);
  ASSERT_TRUE(segments.has_value());
  const std::array<std::string*, 3> parts = {&segments->header, &segments->payload,
                                             &segments->signature};
  for (size_t part = 0; part < parts.size(); ++part) {
    Result<std::string> decoded = Base64UrlDecode(*parts[part]);
    ASSERT_TRUE(decoded.ok());
    for (size_t i = 0; i < decoded->size(); ++i) {
      std::string changed = *decoded;
      changed[i] = static_cast<char>(changed[i] ^ (1 << (i % 8)));
      std::array<std::string, 3> out = {segments->header, segments->payload, segments->signature};
      out[part] = Base64UrlEncode(changed);
      ExpectRefused(out[0] + "." + out[1] + "." + out[2],
                    "segment " + std::to_string(part) + " byte " + std::to_string(i),
                    /*also_jwt=*/true);
    }
  }
}

TEST_P(TamperTest, SegmentsSplicedFromAnotherValidTokenAreRefused) {
  // A second valid token from the same key, with different claims.
  Result<std::string> other =
      SignJws(testing::TestKey(GetParam()), testing::ValidClaimsJson(kNow + 1),
              {.alg = GetParam(), .kid = "tamper-kid", .typ = "JWT"});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  std::optional<testing::Segments> a = testing::SplitCompact(token_);
  std::optional<testing::Segments> b = testing::SplitCompact(*other);
  ASSERT_TRUE(a && b);
  ASSERT_NE(a->payload, b->payload);
  ExpectRefused(a->header + "." + b->payload + "." + a->signature, "payload of B, signature of A",
                /*also_jwt=*/true);
  ExpectRefused(a->header + "." + a->payload + "." + b->signature, "signature of B",
                /*also_jwt=*/true);
  // Header of a token with another kid and typ over the same payload and signature.
  Result<std::string> other_header =
      SignJws(testing::TestKey(GetParam()), testing::ValidClaimsJson(kNow), {.alg = GetParam()});
  ASSERT_TRUE(other_header.ok());
  std::optional<testing::Segments> c = testing::SplitCompact(*other_header);
  ASSERT_TRUE(c);
  ExpectRefused(c->header + "." + a->payload + "." + a->signature, "header without kid/typ",
                /*also_jwt=*/true);
}

TEST_P(TamperTest, SignatureFromAnotherKeyOfTheSameKindIsRefused) {
  Result<std::string> forged =
      SignJws(testing::OtherTestKey(GetParam()), testing::ValidClaimsJson(kNow),
              {.alg = GetParam(), .kid = "tamper-kid", .typ = "JWT"});
  ASSERT_TRUE(forged.ok()) << forged.status().ToString();
  Result<VerifiedJws> jws = VerifyJws(*forged, *public_key_, options_);
  ASSERT_FALSE(jws.ok());
  EXPECT_EQ(jws.status().code(), Errc::kInvalidSignature);
}

std::string AlgName(const ::testing::TestParamInfo<Algorithm>& info) {
  return std::string(AlgorithmName(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, TamperTest,
                         ::testing::Values(Algorithm::kRS256, Algorithm::kRS384, Algorithm::kRS512,
                                           Algorithm::kPS256, Algorithm::kPS384, Algorithm::kPS512,
                                           Algorithm::kES256, Algorithm::kES384),
                         AlgName);

}  // namespace
}  // namespace mp
