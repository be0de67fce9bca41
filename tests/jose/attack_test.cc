// Known attacks on JWS/JWT verifiers, each aimed at our VerifyJws / VerifyJwt: "none", HMAC
// keyed with the public key, keys smuggled in the header (jwk, jku, x5u), crit and b64, duplicate
// JSON members, lax base64, wrong segment counts, oversize and deeply nested input, weak RSA keys,
// degenerate and mis-encoded ECDSA signatures, key/algorithm confusion and allowlist bypass.
// Every refusal is checked for the Errc that jws.h / key.h document.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "jose/signature.h"
#include "maskinporten/base64.h"
#include "maskinporten/clock.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "maskinporten/key.h"
#include "testing/jose_fixtures.h"

namespace mp {
namespace {

using testing::MakeCompact;
using testing::SignCompact;
using testing::TestKey;

constexpr int64_t kNow = 1700000000;
// Generous bounds for "refused before any expensive work": a refusal that did real work (a
// network fetch, decoding megabytes, recursing deeply) would blow far past them.
constexpr auto kFast = std::chrono::milliseconds(500);

std::string Claims() { return testing::ValidClaimsJson(kNow); }

VerifyOptions AllAllowed() { return VerifyOptions(AllAlgorithms()); }

const PrivateKey& Rsa() { return TestKey(Algorithm::kRS256); }
const PrivateKey& P256() { return TestKey(Algorithm::kES256); }
const PrivateKey& P384() { return TestKey(Algorithm::kES384); }

template <typename T>
Errc CodeOf(const Result<T>& r) {
  return r.status().code();
}

// A one-key JWK Set with `kid`, for the Jwks overload of VerifyJws.
Jwks SetOf(const PublicKey& key, const std::string& kid) {
  Result<Jwks> jwks = Jwks::Parse(R"({"keys":[)" + PublicKeyToJwk(key, {.kid = kid}) + "]}");
  EXPECT_TRUE(jwks.ok()) << jwks.status().ToString();
  return jwks.ok() ? *jwks : Jwks();
}

class Stopwatch {
 public:
  std::chrono::steady_clock::duration Elapsed() const {
    return std::chrono::steady_clock::now() - start_;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// ---------------------------------------------------------------------------------------------
// alg "none"

TEST(AlgNoneAttack, UnsecuredTokenIsRefusedForEverySpellingOfNone) {
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    SCOPED_TRACE(none);
    const std::string header = std::string(R"({"alg":")") + none + R"(","typ":"JWT"})";
    const std::string unsecured = MakeCompact(header, Claims(), "");  // "h.p."
    // The same with a signature that is valid RS256 over the signing input: still "none".
    const std::string signing_input = Base64UrlEncode(header) + "." + Base64UrlEncode(Claims());
    Result<std::string> rsa_sig = Sign(Algorithm::kRS256, Rsa(), signing_input);
    ASSERT_TRUE(rsa_sig.ok());
    const std::string with_signature = signing_input + "." + Base64UrlEncode(*rsa_sig);

    for (const std::string& token : {unsecured, with_signature}) {
      EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), AllAllowed())),
                Errc::kUnsupportedAlgorithm);
      EXPECT_EQ(CodeOf(VerifyJws(token, P256().public_key(), AllAllowed())),
                Errc::kUnsupportedAlgorithm);
      FakeClock clock(kNow);
      EXPECT_EQ(CodeOf(VerifyJwt(token, Rsa().public_key(), AllAllowed(), {.clock = &clock})),
                Errc::kUnsupportedAlgorithm);
    }
    // Without the third segment at all it is not a compact JWS.
    EXPECT_EQ(CodeOf(VerifyJws(signing_input, Rsa().public_key(), AllAllowed())),
              Errc::kMalformedToken);
  }
}

TEST(AlgNoneAttack, Rfc7515AppendixA5UnsecuredJwsIsRefused) {
  // RFC 7515 A.5: {"alg":"none"} over the A.1 claims, empty signature.
  const std::string token =
      "eyJhbGciOiJub25lIn0."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "f"
      "Q.";
  Result<VerifiedJws> jws = VerifyJws(token, Rsa().public_key(), AllAllowed());
  ASSERT_FALSE(jws.ok());
  EXPECT_EQ(jws.status().code(), Errc::kUnsupportedAlgorithm);
  EXPECT_EQ(CodeOf(ParseAlgorithm("none")), Errc::kUnsupportedAlgorithm);
}

// ---------------------------------------------------------------------------------------------
// HMAC keyed with the public key (CVE-2015-9235 and relatives)

TEST(KeyConfusionAttack, HmacSignedWithThePublicKeyBytesIsRefused) {
  for (const PrivateKey* victim : {&Rsa(), &P256()}) {
    const PublicKey pub = victim->public_key();
    const Jwks jwks = SetOf(pub, "victim");
    for (const std::string& secret : {pub.ToPem(), pub.ToDer(), PublicKeyToJwk(pub)}) {
      for (const char* alg : {"HS256", "HS384", "HS512"}) {
        SCOPED_TRACE(std::string(alg) + " secret of " + std::to_string(secret.size()) + " bytes");
        const std::string header = std::string(R"({"alg":")") + alg + R"(","kid":"victim"})";
        const std::string signing_input = Base64UrlEncode(header) + "." + Base64UrlEncode(Claims());
        const std::string token =
            signing_input + "." + Base64UrlEncode(testing::HmacSha256(secret, signing_input));
        EXPECT_EQ(CodeOf(VerifyJws(token, pub, AllAllowed())), Errc::kUnsupportedAlgorithm);
        EXPECT_EQ(CodeOf(VerifyJws(token, jwks, AllAllowed())), Errc::kUnsupportedAlgorithm);
        FakeClock clock(kNow);
        EXPECT_EQ(CodeOf(VerifyJwt(token, pub, AllAllowed(), {.clock = &clock})),
                  Errc::kUnsupportedAlgorithm);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Keys offered by the token itself: jwk, jku, x5u

TEST(HeaderKeyAttack, EmbeddedJwkOfTheAttackerIsUntrusted) {
  const PrivateKey& attacker = testing::OtherTestKey(Algorithm::kRS256);
  const std::string header =
      R"({"alg":"RS256","jwk":)" + PublicKeyToJwk(attacker.public_key()) + "}";
  const std::string token = SignCompact(attacker, Algorithm::kRS256, header, Claims());
  EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), AllAllowed())), Errc::kUntrustedHeader);
  // Even handed the attacker's own key the header is refused: it is never a key source.
  EXPECT_EQ(CodeOf(VerifyJws(token, attacker.public_key(), AllAllowed())), Errc::kUntrustedHeader);
}

TEST(HeaderKeyAttack, EmbeddedJwkIsRefusedEvenWhenItIsTheRightKey) {
  for (const PrivateKey* key : {&Rsa(), &P256()}) {
    const Algorithm alg = key->DefaultAlgorithm();
    const std::string header = std::string(R"({"alg":")") + std::string(AlgorithmName(alg)) +
                               R"(","kid":"k1","jwk":)" + PublicKeyToJwk(key->public_key()) + "}";
    const std::string token = SignCompact(*key, alg, header, Claims());
    EXPECT_EQ(CodeOf(VerifyJws(token, key->public_key(), AllAllowed())), Errc::kUntrustedHeader);
    EXPECT_EQ(CodeOf(VerifyJws(token, SetOf(key->public_key(), "k1"), AllAllowed())),
              Errc::kUntrustedHeader);
  }
}

// A TCP listener on loopback that never accepts: a connection attempt would sit in its backlog,
// so after the test we can tell whether anything tried to fetch from it.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        fcntl(fd_, F_SETFL, O_NONBLOCK) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackListener() {
    if (fd_ >= 0) close(fd_);
  }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }
  // True when some client connected (non-blocking accept finds a queued connection).
  bool WasContacted() {
    int client = accept(fd_, nullptr, nullptr);
    if (client >= 0) {
      close(client);
      return true;
    }
    return !(errno == EAGAIN || errno == EWOULDBLOCK);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(HeaderKeyAttack, JkuAndX5uAreUntrustedAndNothingIsFetched) {
  LoopbackListener listener;
  ASSERT_TRUE(listener.ok()) << "cannot listen on loopback";
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/keys";
  const PrivateKey& attacker = testing::OtherTestKey(Algorithm::kRS256);
  for (const char* member : {"jku", "x5u"}) {
    for (const PrivateKey* signer : {&attacker, &Rsa()}) {
      SCOPED_TRACE(member);
      const std::string header =
          std::string(R"({"alg":"RS256","kid":"k1",")") + member + R"(":")" + url + R"("})";
      const std::string token = SignCompact(*signer, Algorithm::kRS256, header, Claims());
      Stopwatch watch;
      EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), AllAllowed())), Errc::kUntrustedHeader);
      EXPECT_EQ(CodeOf(VerifyJws(token, SetOf(Rsa().public_key(), "k1"), AllAllowed())),
                Errc::kUntrustedHeader);
      EXPECT_LT(watch.Elapsed(), kFast);
    }
  }
  EXPECT_FALSE(listener.WasContacted()) << "verification connected to the jku/x5u URL";

  // Control: the listener does notice a connection.
  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(client, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(listener.port()));
  EXPECT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_TRUE(listener.WasContacted());
  close(client);
}

// ---------------------------------------------------------------------------------------------
// crit and b64

TEST(CritHeader, CriticalExtensionsWeDoNotImplementAreRefused) {
  for (const char* header : {
           R"({"alg":"RS256","crit":["exp"],"exp":1700000000})",
           R"({"alg":"RS256","crit":["urn:example:unknown"],"urn:example:unknown":true})",
           R"({"alg":"RS256","crit":["http://example.com/x","y"],"http://example.com/x":1,"y":2})",
       }) {
    SCOPED_TRACE(header);
    const std::string token = SignCompact(Rsa(), Algorithm::kRS256, header, Claims());
    EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), AllAllowed())),
              Errc::kUnsupportedCritical);
  }
}

TEST(CritHeader, MalformedCritIsRefused) {
  // RFC 7515 §4.1.11: crit is a non-empty array of names present in the header that are not
  // defined by JWS/JWA themselves.
  for (const char* header : {
           R"({"alg":"RS256","crit":[]})",
           R"({"alg":"RS256","crit":"exp","exp":1})",
           R"({"alg":"RS256","crit":["alg"]})",
           R"({"alg":"RS256","crit":["missing"]})",
           R"({"alg":"RS256","crit":[1]})",
           R"({"alg":"RS256","crit":null})",
       }) {
    SCOPED_TRACE(header);
    const std::string token = SignCompact(Rsa(), Algorithm::kRS256, header, Claims());
    EXPECT_FALSE(VerifyJws(token, Rsa().public_key(), AllAllowed()).ok());
  }
}

TEST(CritHeader, UnencodedPayloadB64FalseIsRefusedAsUnsupportedCritical) {
  // RFC 7797: with b64:false the signing input carries the payload bytes unencoded. "hell" is
  // chosen to be valid base64url too, so only the crit rule can refuse the token.
  const std::string header = R"({"alg":"RS256","b64":false,"crit":["b64"]})";
  const std::string signing_input = Base64UrlEncode(header) + ".hell";
  Result<std::string> signature = Sign(Algorithm::kRS256, Rsa(), signing_input);
  ASSERT_TRUE(signature.ok());
  const std::string attached = signing_input + "." + Base64UrlEncode(*signature);
  EXPECT_EQ(CodeOf(VerifyJws(attached, Rsa().public_key(), AllAllowed())),
            Errc::kUnsupportedCritical);
  // Detached content (RFC 7515 Appendix F): empty payload segment.
  const std::string detached = Base64UrlEncode(header) + ".." + Base64UrlEncode(*signature);
  EXPECT_EQ(CodeOf(VerifyJws(detached, Rsa().public_key(), AllAllowed())),
            Errc::kUnsupportedCritical);
}

TEST(CritHeader, B64MemberWithoutCritIsRefusedAsUnsupportedCritical) {
  // jws.h: we do not implement RFC 7797, so a "b64" member is refused even when a sender forgot
  // to list it in crit (read as base64url, the payload would mean something else to the signer).
  for (const char* header : {R"({"alg":"RS256","b64":false})", R"({"alg":"RS256","b64":true})"}) {
    SCOPED_TRACE(header);
    const std::string token = SignCompact(Rsa(), Algorithm::kRS256, header, Claims());
    EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), AllAllowed())),
              Errc::kUnsupportedCritical);
  }
}

// ---------------------------------------------------------------------------------------------
// Duplicate JSON members

TEST(DuplicateJsonMembers, DuplicateHeaderMemberIsRefused) {
  for (const char* header : {
           R"({"alg":"RS256","alg":"RS256"})", R"({"alg":"none","alg":"RS256"})",
           R"({"alg":"RS256","alg":"none"})", R"({"alg":"RS256","kid":"a","kid":"b"})",
           R"({"alg":"RS256","\u0061lg":"none"})",  // the same name after unescaping
       }) {
    SCOPED_TRACE(header);
    const std::string token = SignCompact(Rsa(), Algorithm::kRS256, header, Claims());
    EXPECT_EQ(CodeOf(ParseJws(token)), Errc::kDuplicateJsonKey);
    EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), AllAllowed())), Errc::kDuplicateJsonKey);
  }
}

TEST(DuplicateJsonMembers, DuplicateClaimIsRefusedByVerifyJwt) {
  const std::string exp = std::to_string(kNow + 60);
  for (const std::string& claims : {
           R"({"iss":"test-issuer","iss":"attacker","exp":)" + exp + "}",
           R"({"iss":"test-issuer","exp":)" + exp + R"(,"exp":9999999999})",
           R"({"iss":"test-issuer","exp":)" + exp + R"(,"sub":"a","\u0073ub":"b"})",
       }) {
    SCOPED_TRACE(claims);
    const std::string token =
        SignCompact(Rsa(), Algorithm::kRS256, R"({"alg":"RS256","typ":"JWT"})", claims);
    // The JWS is fine (its payload is opaque bytes); the claims set is not.
    EXPECT_TRUE(VerifyJws(token, Rsa().public_key(), AllAllowed()).ok());
    FakeClock clock(kNow);
    EXPECT_EQ(CodeOf(VerifyJwt(token, Rsa().public_key(), AllAllowed(), {.clock = &clock})),
              Errc::kDuplicateJsonKey);
    EXPECT_EQ(CodeOf(Claims::Parse(claims)), Errc::kDuplicateJsonKey);
  }
}

// ---------------------------------------------------------------------------------------------
// Token shape and encoding

std::string ValidRs256Token(const std::string& claims = Claims()) {
  Result<std::string> token = SignJws(Rsa(), claims, {.alg = Algorithm::kRS256, .typ = "JWT"});
  EXPECT_TRUE(token.ok()) << token.status().ToString();
  return token.ok() ? *token : "";
}

TEST(CompactShape, TokensWithoutExactlyThreeSegmentsAreMalformed) {
  const std::string token = ValidRs256Token();
  ASSERT_TRUE(VerifyJws(token, Rsa().public_key(), AllAllowed()).ok());
  std::optional<testing::Segments> s = testing::SplitCompact(token);
  ASSERT_TRUE(s);
  const std::vector<std::string> shapes = {
      "",
      s->header,                                           // 1 segment
      s->header + "." + s->payload,                        // 2
      token + "." + s->signature,                          // 4
      token + ".",                                         // 4, last empty
      "." + token,                                         // 4, first empty
      token + "." + s->payload + "." + s->signature,       // 5, JWE-shaped
      s->header + ".." + s->payload + "." + s->signature,  // 4, inner empty
      "..",                                                // 3 empty segments
  };
  for (const std::string& shape : shapes) {
    SCOPED_TRACE(shape.substr(0, 40));
    Result<VerifiedJws> jws = VerifyJws(shape, Rsa().public_key(), AllAllowed());
    ASSERT_FALSE(jws.ok());
    if (shape != "..") {
      EXPECT_EQ(jws.status().code(), Errc::kMalformedToken) << jws.status().ToString();
    }
  }
}

TEST(Base64Strictness, PaddedSegmentsAreRefused) {
  const std::string token = ValidRs256Token();
  std::optional<testing::Segments> s = testing::SplitCompact(token);
  ASSERT_TRUE(s);
  auto padded = [](const std::string& segment) {
    std::string out = segment;
    while (out.size() % 4 != 0) out.push_back('=');
    return out;
  };
  // A 2048-bit RSA signature is 256 bytes: 342 characters, which padding makes 344.
  ASSERT_NE(s->signature.size() % 4, 0u);
  std::vector<std::string> mutants = {s->header + "." + s->payload + "." + padded(s->signature)};
  if (s->header.size() % 4 != 0) {
    mutants.push_back(padded(s->header) + "." + s->payload + "." + s->signature);
  }
  if (s->payload.size() % 4 != 0) {
    mutants.push_back(s->header + "." + padded(s->payload) + "." + s->signature);
  }
  mutants.push_back(s->header + "." + s->payload + "." + s->signature + "====");
  for (const std::string& mutant : mutants) {
    EXPECT_EQ(CodeOf(VerifyJws(mutant, Rsa().public_key(), AllAllowed())), Errc::kInvalidBase64);
  }
}

TEST(Base64Strictness, StandardAlphabetSegmentsAreRefused) {
  // '?' (0x3f) encodes to '_' in base64url ('/' in standard base64), and '>' (0x3e) to '-'/'+'.
  const std::string header = R"({"alg":"RS256","kid":"???>>>"})";
  const std::string token = SignCompact(Rsa(), Algorithm::kRS256, header, Claims());
  ASSERT_TRUE(VerifyJws(token, Rsa().public_key(), AllAllowed()).ok());
  std::optional<testing::Segments> s = testing::SplitCompact(token);
  ASSERT_TRUE(s);
  ASSERT_NE(s->header.find_first_of("-_"), std::string::npos);
  auto standard = [](std::string segment) {
    for (char& c : segment) {
      if (c == '-') c = '+';
      if (c == '_') c = '/';
    }
    return segment;
  };
  EXPECT_EQ(CodeOf(VerifyJws(standard(s->header) + "." + s->payload + "." + s->signature,
                             Rsa().public_key(), AllAllowed())),
            Errc::kInvalidBase64);
  if (s->signature.find_first_of("-_") != std::string::npos) {
    EXPECT_EQ(CodeOf(VerifyJws(s->header + "." + s->payload + "." + standard(s->signature),
                               Rsa().public_key(), AllAllowed())),
              Errc::kInvalidBase64);
  }
}

TEST(CompactShape, HeaderThatIsNotAJsonObjectWithAStringAlgIsRefused) {
  for (const char* header : {
           R"(["RS256"])", R"("RS256")", "null", "", R"({"typ":"JWT"})", R"({"alg":null})",
           R"({"alg":["RS256"]})", R"({"alg":256})", R"({"alg":"RS256")",
           "{\"alg\":\"RS256\",\"kid\":\"\xff\xfe\"}",  // not UTF-8
       }) {
    SCOPED_TRACE(header);
    const std::string token = SignCompact(Rsa(), Algorithm::kRS256, header, Claims());
    EXPECT_FALSE(VerifyJws(token, Rsa().public_key(), AllAllowed()).ok());
  }
  const std::string bad_utf8 =
      SignCompact(Rsa(), Algorithm::kRS256, "{\"alg\":\"RS256\",\"kid\":\"\xc3\x28\"}", Claims());
  EXPECT_EQ(CodeOf(VerifyJws(bad_utf8, Rsa().public_key(), AllAllowed())), Errc::kInvalidJson);
}

// ---------------------------------------------------------------------------------------------
// Size and depth limits

TEST(TokenSizeLimit, TokenOver64KiBIsRefusedQuickly) {
  // Validly signed, with a large claim: only the size rule can refuse it.
  const std::string big_claims = R"({"exp":)" + std::to_string(kNow + 60) + R"(,"pad":")" +
                                 std::string(70 * 1024, 'x') + R"("})";
  const std::string big = SignCompact(Rsa(), Algorithm::kRS256, R"({"alg":"RS256"})", big_claims);
  ASSERT_GT(big.size(), kDefaultMaxTokenBytes);
  Stopwatch watch;
  EXPECT_EQ(CodeOf(VerifyJws(big, Rsa().public_key(), AllAllowed())), Errc::kLimitExceeded);
  EXPECT_EQ(CodeOf(ParseJws(big)), Errc::kLimitExceeded);
  EXPECT_LT(watch.Elapsed(), kFast);

  // 16 MiB of junk is refused before it is even looked at.
  const std::string junk(16 << 20, 'A');
  Stopwatch junk_watch;
  EXPECT_EQ(CodeOf(VerifyJws(junk, Rsa().public_key(), AllAllowed())), Errc::kLimitExceeded);
  EXPECT_LT(junk_watch.Elapsed(), kFast);

  // The limit is the caller's to raise.
  VerifyOptions raised(AllAlgorithms());
  raised.max_token_bytes = 1 << 20;
  Result<VerifiedJws> accepted = VerifyJws(big, Rsa().public_key(), raised);
  EXPECT_TRUE(accepted.ok()) << accepted.status().ToString();
}

// Unpadded base64url length of n bytes.
size_t EncodedSize(size_t n) { return (4 * n + 2) / 3; }

TEST(TokenSizeLimit, TokenOfExactlyTheLimitIsAcceptedAndALowerLimitRefusesIt) {
  // Find header/claims sizes that make the token exactly 64 KiB (the signature is 342 chars).
  const size_t signature_chars = 342;
  std::string token;
  for (size_t kid = 1; kid <= 4 && token.empty(); ++kid) {
    const std::string header = R"({"alg":"RS256","kid":")" + std::string(kid, 'k') + R"("})";
    const std::string prefix = R"({"exp":)" + std::to_string(kNow + 60) + R"(,"pad":")";
    for (size_t pad = 48000; pad < 49500; ++pad) {
      const size_t claims_size = prefix.size() + pad + 2;  // + closing "}
      const size_t size =
          EncodedSize(header.size()) + 1 + EncodedSize(claims_size) + 1 + signature_chars;
      if (size == kDefaultMaxTokenBytes) {
        token =
            SignCompact(Rsa(), Algorithm::kRS256, header, prefix + std::string(pad, 'x') + R"("})");
        break;
      }
    }
  }
  ASSERT_EQ(token.size(), kDefaultMaxTokenBytes);
  Result<VerifiedJws> at_limit = VerifyJws(token, Rsa().public_key(), AllAllowed());
  EXPECT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  VerifyOptions lower(AllAlgorithms());
  lower.max_token_bytes = kDefaultMaxTokenBytes - 1;
  EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), lower)), Errc::kLimitExceeded);
}

std::string Nested(int depth, char open, char close, const std::string& inner) {
  return std::string(depth, open) + inner + std::string(depth, close);
}

TEST(JsonDepthLimit, DeeplyNestedHeaderIsRefusedQuickly) {
  std::string objects;
  for (int i = 0; i < 3000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(3000, '}');
  for (const std::string& value : {Nested(5000, '[', ']', ""), objects}) {
    const std::string header = R"({"alg":"RS256","x":)" + value + "}";
    const std::string token = SignCompact(Rsa(), Algorithm::kRS256, header, Claims());
    ASSERT_LT(token.size(), kDefaultMaxTokenBytes);
    Stopwatch watch;
    EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), AllAllowed())), Errc::kLimitExceeded);
    EXPECT_EQ(CodeOf(ParseJws(token)), Errc::kLimitExceeded);
    EXPECT_LT(watch.Elapsed(), kFast);
  }
}

TEST(JsonDepthLimit, DeeplyNestedClaimsAreRefusedByVerifyJwtQuickly) {
  const std::string claims =
      R"({"exp":)" + std::to_string(kNow + 60) + R"(,"x":)" + Nested(10000, '[', ']', "") + "}";
  const std::string token = SignCompact(Rsa(), Algorithm::kRS256, R"({"alg":"RS256"})", claims);
  ASSERT_LT(token.size(), kDefaultMaxTokenBytes);
  FakeClock clock(kNow);
  Stopwatch watch;
  EXPECT_EQ(CodeOf(VerifyJwt(token, Rsa().public_key(), AllAllowed(), {.clock = &clock})),
            Errc::kLimitExceeded);
  EXPECT_EQ(CodeOf(Claims::Parse(claims)), Errc::kLimitExceeded);
  EXPECT_LT(watch.Elapsed(), kFast);
}

// ---------------------------------------------------------------------------------------------
// Weak RSA keys

struct RawRsaKey {
  std::string public_der;
  std::string public_pem;
  std::string private_pem;
  std::string jwk;  // public JWK
};

// An RSA key of any size, made with OpenSSL directly (our API refuses to generate weak ones).
RawRsaKey MakeRawRsaKey(unsigned bits) {
  RawRsaKey out;
  EVP_PKEY* pkey = EVP_RSA_gen(bits);
  if (pkey == nullptr) return out;
  unsigned char* der = nullptr;
  int der_len = i2d_PUBKEY(pkey, &der);
  if (der_len > 0) out.public_der.assign(reinterpret_cast<char*>(der), der_len);
  OPENSSL_free(der);
  auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    std::string text;
    if (write(bio) == 1) {
      char* data = nullptr;
      long len = BIO_get_mem_data(bio, &data);
      text.assign(data, static_cast<size_t>(len));
    }
    BIO_free(bio);
    return text;
  };
  out.public_pem = pem([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, pkey); });
  out.private_pem = pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  });
  auto param = [&](const char* name) {
    BIGNUM* bn = nullptr;
    std::string bytes;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) == 1) {
      bytes.resize(BN_num_bytes(bn));
      BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    }
    BN_free(bn);
    return Base64UrlEncode(bytes);
  };
  out.jwk = R"({"kty":"RSA","n":")" + param(OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
            param(OSSL_PKEY_PARAM_RSA_E) + R"("})";
  EVP_PKEY_free(pkey);
  return out;
}

TEST(WeakRsaKey, KeysBelow2048BitsAreRefusedWhereverTheyEnter) {
  for (unsigned bits : {1024u, 2047u}) {
    SCOPED_TRACE(bits);
    const RawRsaKey weak = MakeRawRsaKey(bits);
    ASSERT_FALSE(weak.public_der.empty());
    EXPECT_EQ(CodeOf(PublicKey::FromDer(weak.public_der)), Errc::kWeakKey);
    EXPECT_EQ(CodeOf(PublicKey::FromPem(weak.public_pem)), Errc::kWeakKey);
    EXPECT_EQ(CodeOf(PrivateKey::FromPem(weak.private_pem)), Errc::kWeakKey);
    EXPECT_EQ(CodeOf(ParseJwk(weak.jwk)), Errc::kWeakKey);
    Result<Jwks> jwks = Jwks::Parse(R"({"keys":[)" + weak.jwk + "]}");
    EXPECT_TRUE(!jwks.ok() || jwks->keys().empty()) << "a weak key entered a JWK Set";
  }
  EXPECT_FALSE(PrivateKey::Generate(Algorithm::kRS256, 1024).ok());
}

// ---------------------------------------------------------------------------------------------
// ECDSA signature encoding

// DER of an unsigned big-endian integer as ASN.1 INTEGER.
std::string DerInteger(std::string bytes) {
  size_t zeros = 0;
  while (zeros + 1 < bytes.size() && bytes[zeros] == 0) ++zeros;
  bytes.erase(0, zeros);
  if (static_cast<unsigned char>(bytes[0]) & 0x80) bytes.insert(0, 1, '\0');
  return std::string{'\x02', static_cast<char>(bytes.size())} + bytes;
}
// SEQUENCE { r INTEGER, s INTEGER }: the X9.62 form OpenSSL uses, which JOSE does not.
std::string DerEcdsaSignature(const std::string& raw) {
  const std::string body =
      DerInteger(raw.substr(0, raw.size() / 2)) + DerInteger(raw.substr(raw.size() / 2));
  return std::string{'\x30', static_cast<char>(body.size())} + body;
}

// The group orders n of P-256 and P-384 (SEC 2), big-endian.
std::string P256Order() {
  return *testing::HexDecode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
}
std::string P384Order() {
  return *testing::HexDecode(
      "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc5"
      "2"
      "973");
}

struct EcCase {
  Algorithm alg;
  const PrivateKey* key;
  size_t half;        // bytes of r and of s
  std::string order;  // n
};

std::vector<EcCase> EcCases() {
  return {{Algorithm::kES256, &P256(), 32, P256Order()},
          {Algorithm::kES384, &P384(), 48, P384Order()}};
}

TEST(EcdsaSignatureAttack, DegenerateRAndSAreRefused) {
  for (const EcCase& c : EcCases()) {
    SCOPED_TRACE(std::string(AlgorithmName(c.alg)));
    const std::string header =
        std::string(R"({"alg":")") + std::string(AlgorithmName(c.alg)) + R"("})";
    const std::string signing_input = Base64UrlEncode(header) + "." + Base64UrlEncode(Claims());
    Result<std::string> good = Sign(c.alg, *c.key, signing_input);
    ASSERT_TRUE(good.ok());
    ASSERT_EQ(good->size(), 2 * c.half);
    const std::string r = good->substr(0, c.half);
    const std::string s = good->substr(c.half);
    const std::string zero(c.half, '\0');
    const std::string one = std::string(c.half - 1, '\0') + '\x01';
    const std::vector<std::pair<std::string, std::string>> signatures = {
        {"r = s = 0", zero + zero}, {"r = 0", zero + s},
        {"s = 0", r + zero},        {"r = s = n", c.order + c.order},
        {"r = n", c.order + s},     {"s = n", r + c.order},
        {"r = s = 1", one + one},   {"all ones", std::string(2 * c.half, '\xff')},
    };
    for (const auto& [what, signature] : signatures) {
      SCOPED_TRACE(what);
      EXPECT_EQ(VerifySignature(c.alg, c.key->public_key(), signing_input, signature).code(),
                Errc::kInvalidSignature);
      EXPECT_EQ(CodeOf(VerifyJws(signing_input + "." + Base64UrlEncode(signature),
                                 c.key->public_key(), AllAllowed())),
                Errc::kInvalidSignature);
    }
    // Sanity: the genuine signature verifies, so the refusals above are about r and s.
    EXPECT_TRUE(VerifySignature(c.alg, c.key->public_key(), signing_input, *good).ok());
  }
}

TEST(EcdsaSignatureAttack, DerEncodedOrWrongLengthSignaturesAreRefused) {
  for (const EcCase& c : EcCases()) {
    SCOPED_TRACE(std::string(AlgorithmName(c.alg)));
    const std::string header =
        std::string(R"({"alg":")") + std::string(AlgorithmName(c.alg)) + R"("})";
    const std::string signing_input = Base64UrlEncode(header) + "." + Base64UrlEncode(Claims());
    Result<std::string> good = Sign(c.alg, *c.key, signing_input);
    ASSERT_TRUE(good.ok());
    ASSERT_TRUE(
        VerifyJws(signing_input + "." + Base64UrlEncode(*good), c.key->public_key(), AllAllowed())
            .ok());
    const std::vector<std::pair<std::string, std::string>> signatures = {
        {"DER", DerEcdsaSignature(*good)},
        {"empty", ""},
        {"one byte short", good->substr(1)},
        {"truncated", good->substr(0, good->size() - 1)},
        {"leading zero", std::string(1, '\0') + *good},
        {"trailing zero", *good + std::string(1, '\0')},
        {"doubled", *good + *good},
        {"other curve's length", std::string(c.half == 32 ? 96 : 64, '\x01')},
    };
    for (const auto& [what, signature] : signatures) {
      SCOPED_TRACE(what);
      EXPECT_EQ(VerifySignature(c.alg, c.key->public_key(), signing_input, signature).code(),
                Errc::kInvalidSignature);
      EXPECT_EQ(CodeOf(VerifyJws(signing_input + "." + Base64UrlEncode(signature),
                                 c.key->public_key(), AllAllowed())),
                Errc::kInvalidSignature);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Key type, algorithm allowlist

TEST(KeyAlgorithmMismatch, KeyOfTheWrongTypeOrCurveForTheAlgIsRefused) {
  struct Case {
    Algorithm alg;
    const PrivateKey* signer;
    const PrivateKey* verifier;
  };
  const std::vector<Case> cases = {
      {Algorithm::kES256, &P256(), &Rsa()},  {Algorithm::kES384, &P384(), &Rsa()},
      {Algorithm::kRS256, &Rsa(), &P256()},  {Algorithm::kPS256, &Rsa(), &P256()},
      {Algorithm::kRS512, &Rsa(), &P384()},  {Algorithm::kES256, &P256(), &P384()},
      {Algorithm::kES384, &P384(), &P256()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(AlgorithmName(c.alg)));
    Result<std::string> token = SignJws(*c.signer, Claims(), {.alg = c.alg});
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    EXPECT_EQ(CodeOf(VerifyJws(*token, c.verifier->public_key(), AllAllowed())),
              Errc::kKeyAlgorithmMismatch);
    EXPECT_EQ(c.verifier->public_key().CheckAlgorithm(c.alg).code(), Errc::kKeyAlgorithmMismatch);
    // Signing with the wrong kind of key is refused the same way.
    EXPECT_EQ(CodeOf(SignJws(*c.verifier, Claims(), {.alg = c.alg})), Errc::kKeyAlgorithmMismatch);
  }
}

TEST(AlgorithmAllowlist, ImplementedAlgorithmOutsideTheAllowlistIsRefused) {
  // PS256 and RS256 share the RSA key: an attacker re-signing as the other must not slip through.
  Result<std::string> ps256 = SignJws(Rsa(), Claims(), {.alg = Algorithm::kPS256});
  ASSERT_TRUE(ps256.ok());
  EXPECT_EQ(CodeOf(VerifyJws(*ps256, Rsa().public_key(), {Algorithm::kRS256})),
            Errc::kAlgorithmNotAllowed);
  const std::string rs256 = ValidRs256Token();
  EXPECT_EQ(CodeOf(VerifyJws(rs256, Rsa().public_key(), {Algorithm::kPS256, Algorithm::kPS512})),
            Errc::kAlgorithmNotAllowed);
  EXPECT_EQ(CodeOf(VerifyJws(rs256, Rsa().public_key(), {Algorithm::kES256})),
            Errc::kAlgorithmNotAllowed);
  EXPECT_EQ(CodeOf(VerifyJws(rs256, SetOf(Rsa().public_key(), "k"), {Algorithm::kES256})),
            Errc::kAlgorithmNotAllowed);
  FakeClock clock(kNow);
  EXPECT_EQ(CodeOf(VerifyJwt(rs256, Rsa().public_key(), VerifyOptions{Algorithm::kRS384},
                             {.clock = &clock})),
            Errc::kAlgorithmNotAllowed);
  // And the positive control.
  EXPECT_TRUE(VerifyJws(rs256, Rsa().public_key(), {Algorithm::kRS256}).ok());
}

TEST(AlgorithmAllowlist, EmptyAllowlistIsAnInvalidArgument) {
  const std::string token = ValidRs256Token();
  const VerifyOptions empty(std::vector<Algorithm>{});
  EXPECT_EQ(CodeOf(VerifyJws(token, Rsa().public_key(), empty)), Errc::kInvalidArgument);
  EXPECT_EQ(CodeOf(VerifyJws(token, SetOf(Rsa().public_key(), "k"), empty)),
            Errc::kInvalidArgument);
  FakeClock clock(kNow);
  EXPECT_EQ(CodeOf(VerifyJwt(token, Rsa().public_key(), empty, {.clock = &clock})),
            Errc::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Key selection from a JWK Set

TEST(JwksKeySelection, UnknownKidIsKeyNotFoundAndNeverFallsBackToAnotherKey) {
  Result<std::string> token = SignJws(Rsa(), Claims(), {.alg = Algorithm::kRS256, .kid = "other"});
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(CodeOf(VerifyJws(*token, SetOf(Rsa().public_key(), "mine"), AllAllowed())),
            Errc::kKeyNotFound);
}

TEST(JwksKeySelection, JwkAlgDifferentFromTheTokenAlgIsRefusedByDefault) {
  Result<Jwks> jwks = Jwks::Parse(
      R"({"keys":[)" + PublicKeyToJwk(Rsa().public_key(), {.kid = "k", .alg = Algorithm::kRS256}) +
      "]}");
  ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
  Result<std::string> ps256 = SignJws(Rsa(), Claims(), {.alg = Algorithm::kPS256, .kid = "k"});
  ASSERT_TRUE(ps256.ok());
  EXPECT_EQ(CodeOf(VerifyJws(*ps256, *jwks, AllAllowed())), Errc::kKeyAlgorithmMismatch);
  VerifyOptions relaxed(AllAlgorithms());
  relaxed.require_jwk_alg_match = false;
  EXPECT_TRUE(VerifyJws(*ps256, *jwks, relaxed).ok());
}

TEST(JwksKeySelection, JwkNotMeantForVerificationIsRefused) {
  Result<std::string> token = SignJws(Rsa(), Claims(), {.alg = Algorithm::kRS256, .kid = "k"});
  ASSERT_TRUE(token.ok());
  // RFC 7517 §4.3: key_ops without "verify".
  for (const char* ops : {R"(["encrypt"])", R"(["sign"])", R"(["sign","encrypt"])"}) {
    SCOPED_TRACE(ops);
    std::string jwk = PublicKeyToJwk(Rsa().public_key(), {.kid = "k", .use_sig = false});
    jwk.insert(jwk.size() - 1, std::string(R"(,"key_ops":)") + ops);
    Result<Jwks> jwks = Jwks::Parse(R"({"keys":[)" + jwk + "]}");
    ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
    EXPECT_EQ(CodeOf(VerifyJws(*token, *jwks, AllAllowed())), Errc::kKeyAlgorithmMismatch);
  }
  // RFC 7517 §4.2: "use" other than "sig", in a set built by the caller.
  Result<Jwks> enc = Jwks::FromKeys({Jwk{.key = Rsa().public_key(), .kid = "k", .use = "enc"}});
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_EQ(CodeOf(VerifyJws(*token, *enc, AllAllowed())), Errc::kKeyAlgorithmMismatch);
  // The controls: key_ops with "verify", and use "sig", verify.
  std::string verify_jwk = PublicKeyToJwk(Rsa().public_key(), {.kid = "k", .use_sig = false});
  verify_jwk.insert(verify_jwk.size() - 1, R"(,"key_ops":["verify"])");
  Result<Jwks> verify_set = Jwks::Parse(R"({"keys":[)" + verify_jwk + "]}");
  ASSERT_TRUE(verify_set.ok()) << verify_set.status().ToString();
  EXPECT_TRUE(VerifyJws(*token, *verify_set, AllAllowed()).ok());
  Result<Jwks> sig = Jwks::FromKeys({Jwk{.key = Rsa().public_key(), .kid = "k", .use = "sig"}});
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifyJws(*token, *sig, AllAllowed()).ok());
}

TEST(JwksKeySelection, JwkWithEmptyKeyOpsIsNotUsedForVerification) {
  // "key_ops":[] declares no permitted operation, so it lacks "verify" (RFC 7517 §4.3; jws.h:
  // "key_ops lacking verify" is refused). Refusing the JWK at parse time would do as well.
  Result<std::string> token = SignJws(Rsa(), Claims(), {.alg = Algorithm::kRS256, .kid = "k"});
  ASSERT_TRUE(token.ok());
  std::string jwk = PublicKeyToJwk(Rsa().public_key(), {.kid = "k", .use_sig = false});
  jwk.insert(jwk.size() - 1, R"(,"key_ops":[])");
  Result<Jwks> jwks = Jwks::Parse(R"({"keys":[)" + jwk + "]}");
  if (jwks.ok()) {
    Result<VerifiedJws> jws = VerifyJws(*token, *jwks, AllAllowed());
    EXPECT_FALSE(jws.ok()) << "a JWK with \"key_ops\":[] verified a token";
  }
}

}  // namespace
}  // namespace mp
