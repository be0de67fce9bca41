// Published JOSE examples, copied from the RFC texts: RFC 7515 (JWS) Appendix A.2 and A.3, and
// RFC 7520 (JOSE Cookbook) §3.1-§3.4 keys with the §4.1-§4.3 signatures. Every value here was
// checked byte for byte: the signatures verify and the deterministic RS256 signatures are
// reproduced exactly from the private keys.
#include <string>
#include <string_view>

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

// ---------------------------------------------------------------------------------------------
// RFC 7515 Appendix A.2: RS256. A.2.1 gives the RSA key as a JWK; the header is {"alg":"RS256"}
// and the payload is the JWT claims set of A.1 (with CR LF line breaks).
constexpr std::string_view kA2N =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4"
    "QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdb"
    "BYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-D"
    "WNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
constexpr std::string_view kA2D =
    "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoA"
    "Je46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpR"
    "LI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZF"
    "D9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
constexpr std::string_view kA2P =
    "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJd"
    "TJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
constexpr std::string_view kA2Q =
    "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_"
    "YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
constexpr std::string_view kA2Dp =
    "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6H"
    "sJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0";
constexpr std::string_view kA2Dq =
    "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF"
    "-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU";
constexpr std::string_view kA2Qi =
    "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIB"
    "i87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U";

// A.2 / A.3: the JWS Payload, base64url (A.1.1), and its decoded bytes.
constexpr std::string_view kA1PayloadB64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
constexpr std::string_view kA1Payload =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

// A.2.1: the complete JWS Compact Serialization.
constexpr std::string_view kA2Header = "eyJhbGciOiJSUzI1NiJ9";  // {"alg":"RS256"}
constexpr std::string_view kA2Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujG"
    "bds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
    "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7"
    "K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np"
    "6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7515 Appendix A.3: ES256. A.3.1 gives the P-256 key; the header is {"alg":"ES256"}.
constexpr std::string_view kA3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr std::string_view kA3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr std::string_view kA3D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
constexpr std::string_view kA3Header = "eyJhbGciOiJFUzI1NiJ9";  // {"alg":"ES256"}
constexpr std::string_view kA3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

std::string Join(std::string_view a, std::string_view b) {
  return std::string(a) + "." + std::string(b);
}
std::string Join(std::string_view a, std::string_view b, std::string_view c) {
  return Join(a, b) + "." + std::string(c);
}

std::string A2PublicJwk() {
  return R"({"kty":"RSA","n":")" + std::string(kA2N) + R"(","e":"AQAB"})";
}
std::string A2PrivateJwk() {
  return R"({"kty":"RSA","n":")" + std::string(kA2N) + R"(","e":"AQAB","d":")" + std::string(kA2D) +
         R"(","p":")" + std::string(kA2P) + R"(","q":")" + std::string(kA2Q) + R"(","dp":")" +
         std::string(kA2Dp) + R"(","dq":")" + std::string(kA2Dq) + R"(","qi":")" +
         std::string(kA2Qi) + R"("})";
}
std::string A3PublicJwk() {
  return R"({"kty":"EC","crv":"P-256","x":")" + std::string(kA3X) + R"(","y":")" +
         std::string(kA3Y) + R"("})";
}
std::string A3PrivateJwk() {
  return R"({"kty":"EC","crv":"P-256","x":")" + std::string(kA3X) + R"(","y":")" +
         std::string(kA3Y) + R"(","d":")" + std::string(kA3D) + R"("})";
}

TEST(Rfc7515AppendixA2, Rs256ExampleVerifiesWithThePublicJwk) {
  Result<Jwk> jwk = ParseJwk(A2PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->key.type(), KeyType::kRsa);
  EXPECT_EQ(jwk->key.bits(), 2048);

  Result<VerifiedJws> jws =
      VerifyJws(Join(kA2Header, kA1PayloadB64, kA2Signature), jwk->key, {Algorithm::kRS256});
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header.alg_name, "RS256");
  EXPECT_EQ(jws->header.alg, Algorithm::kRS256);
  EXPECT_EQ(jws->header.json, R"({"alg":"RS256"})");
  EXPECT_EQ(jws->payload, kA1Payload);
}

TEST(Rfc7515AppendixA2, PrivateJwkReSignsTheSigningInputToTheIdenticalSignature) {
  Result<PrivateKey> key = ParsePrivateJwk(A2PrivateJwk());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  Result<Jwk> public_jwk = ParseJwk(A2PublicJwk());
  ASSERT_TRUE(public_jwk.ok()) << public_jwk.status().ToString();
  EXPECT_TRUE(key->public_key() == public_jwk->key);

  // RSASSA-PKCS1-v1_5 is deterministic, so the private key reproduces A.2.1's signature exactly.
  Result<std::string> signature = Sign(Algorithm::kRS256, *key, Join(kA2Header, kA1PayloadB64));
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_EQ(Base64UrlEncode(*signature), kA2Signature);
}

TEST(Rfc7515AppendixA2, ExampleIsAValidJwtUntilItsExpClaim) {
  Result<Jwk> jwk = ParseJwk(A2PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  const std::string token = Join(kA2Header, kA1PayloadB64, kA2Signature);

  FakeClock before_exp(1300819380 - 60);
  Result<VerifiedJwt> jwt = VerifyJwt(token, jwk->key, VerifyOptions{Algorithm::kRS256},
                                      ClaimsOptions{.issuer = "joe", .clock = &before_exp});
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  Result<std::optional<std::string>> iss = jwt->claims.GetString("iss");
  ASSERT_TRUE(iss.ok());
  EXPECT_EQ(*iss, "joe");
  Result<std::optional<int64_t>> exp = jwt->claims.GetNumericDate("exp");
  ASSERT_TRUE(exp.ok());
  EXPECT_EQ(*exp, 1300819380);

  FakeClock at_exp(1300819380);
  Result<VerifiedJwt> expired =
      VerifyJwt(token, jwk->key, VerifyOptions{Algorithm::kRS256}, ClaimsOptions{.clock = &at_exp});
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), Errc::kTokenExpired);
}

TEST(Rfc7515AppendixA2, ExampleIsRefusedWhenRs256IsNotAllowed) {
  Result<Jwk> jwk = ParseJwk(A2PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  Result<VerifiedJws> jws = VerifyJws(Join(kA2Header, kA1PayloadB64, kA2Signature), jwk->key,
                                      {Algorithm::kPS256, Algorithm::kES256});
  ASSERT_FALSE(jws.ok());
  EXPECT_EQ(jws.status().code(), Errc::kAlgorithmNotAllowed);
}

TEST(Rfc7515AppendixA3, Es256ExampleVerifiesWithThePublicJwk) {
  Result<Jwk> jwk = ParseJwk(A3PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->key.type(), KeyType::kEc);
  EXPECT_EQ(jwk->key.curve(), "P-256");

  Result<VerifiedJws> jws =
      VerifyJws(Join(kA3Header, kA1PayloadB64, kA3Signature), jwk->key, {Algorithm::kES256});
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header.alg, Algorithm::kES256);
  EXPECT_EQ(jws->payload, kA1Payload);
}

TEST(Rfc7515AppendixA3, PrivateJwkMatchesThePublicKeyAndItsSignaturesVerify) {
  Result<PrivateKey> key = ParsePrivateJwk(A3PrivateJwk());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  Result<Jwk> jwk = ParseJwk(A3PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_TRUE(key->public_key() == jwk->key);

  // ECDSA is randomized: a fresh signature differs from A.3.1's but verifies all the same.
  const std::string signing_input = Join(kA3Header, kA1PayloadB64);
  Result<std::string> signature = Sign(Algorithm::kES256, *key, signing_input);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_NE(Base64UrlEncode(*signature), kA3Signature);
  EXPECT_TRUE(VerifySignature(Algorithm::kES256, jwk->key, signing_input, *signature).ok());
}

TEST(Rfc7515AppendixA3, Es256ExampleIsRefusedWithTheA2RsaKey) {
  Result<Jwk> rsa = ParseJwk(A2PublicJwk());
  ASSERT_TRUE(rsa.ok()) << rsa.status().ToString();
  Result<VerifiedJws> jws =
      VerifyJws(Join(kA3Header, kA1PayloadB64, kA3Signature), rsa->key, {Algorithm::kES256});
  ASSERT_FALSE(jws.ok());
  EXPECT_EQ(jws.status().code(), Errc::kKeyAlgorithmMismatch);
}

// ---------------------------------------------------------------------------------------------
// RFC 7520 §3.3 (Figure 3): RSA 2048-bit public key, and §3.4 (Figure 4): its private key.
constexpr std::string_view kBilbo = "bilbo.baggins@hobbiton.example";
constexpr std::string_view k7520N =
    "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCp"
    "MaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd"
    "1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKn"
    "S2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw";
constexpr std::string_view k7520D =
    "bWUC9B-EFRIo8kpGfh0ZuyGPvMNKvYWNtB_ikiH9k20eT-O1q_I78eiZkpXxXQ0UTEs2LsNRS-8uJbvQ-A1irkwMSMkK1J"
    "3XTGgdrhCku9gRldY7sNA_AKZGh-Q661_42rINLRCe8W-nZ34ui_qOfkLnK9QWDDqpaIsA-bMwWWSDFu2MUBYwkHTMEzLY"
    "GqOe04noqeq1hExBTHBOBdkMXiuFhUq1BU6l-DqEiWxqg82sXt2h-"
    "LMnT3046AOYJoRioz75tSUQfGCshWTBnP5uDjd18kK"
    "hyv07lhfSJdrPdM5Plyl21hsFf4L_mHCuoFau7gdsPfHPxxjVOcOpBrQzwQ";
constexpr std::string_view k7520P =
    "3Slxg_DwTXJcb6095RoXygQCAZ5RnAvZlno1yhHtnUex_fp7AZ_9nRaO7HX_-SFfGQeutao2TDjDAWU4Vupk8rw9JR0AzZ"
    "0N2fvuIAmr_WCsmGpeNqQnev1T7IyEsnh8UMt-n5CafhkikzhEsrmndH6LxOrvRJlsPp6Zv8bUq0k";
constexpr std::string_view k7520Q =
    "uKE2dh-cTf6ERF4k4e_jy78GfPYUIaUyoSSJuBzp3Cubk3OCqs6grT8bR_cu0Dm1MZwWmtdqDyI95HrUeq3MP15vMMON8l"
    "HTeZu2lmKvwqW7anV5UzhM1iZ7z4yMkuUwFWoBvyY898EXvRD-hdqRxHlSqAZ192zB3pVFJ0s7pFc";
constexpr std::string_view k7520Dp =
    "B8PVvXkvJrj2L-GYQ7v3y9r6Kw5g9SahXBwsWUzp19TVlgI-YV85q1NIb1rxQtD-IsXXR3-TanevuRPRt5OBOdiMGQp8pb"
    "t26gljYfKU_E9xn-RULHz0-ed9E9gXLKD4VGngpz-PfQ_q29pk5xWHoJp009Qf1HvChixRX59ehik";
constexpr std::string_view k7520Dq =
    "CLDmDGduhylc9o7r84rEUVn7pzQ6PF83Y-iBZx5NT-TpnOZKF1pErAMVeKzFEl41DlHHqqBLSM0W1sOFbwTxYWZDm6sI6o"
    "g5iTbwQGIC3gnJKbi_7k_vJgGHwHxgPaX2PnvP-zyEkDERuf-ry4c_Z11Cq9AqC2yeL6kdKT1cYF8";
constexpr std::string_view k7520Qi =
    "3PiqvXQN0zwMeE-sBvZgi289XP9XCQF3VWqPzMKnIgQp7_Tugo6-NZBKCQsMf3HaEGBjTVJs_jcK8-TRXvaKe-7ZMaQj8V"
    "fBdYkssbu0NKDDhjJ-GtiseaDVWt7dcH0cfwxgFUHpQh7FoCrjFJ6h6ZEpMF6xmujs4qMpPz8aaI4";

// §3.1 (Figure 1): EC P-521 public key, used by §4.3.
constexpr std::string_view k7520EcX =
    "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt";
constexpr std::string_view k7520EcY =
    "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1";

// §4 (Figures 7 and 8): the payload, an abridged quote from "The Fellowship of the Ring".
constexpr std::string_view k7520Payload =
    "It\xe2\x80\x99s a dangerous business, Frodo, going out your door. You step onto the road, and "
    "if you don't keep your feet, there\xe2\x80\x99s no knowing where you might be swept off to.";
constexpr std::string_view k7520PayloadB64 =
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250by"
    "B0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUg"
    "eW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";

// §4.1 (Figures 10 and 12): RS256.
constexpr std::string_view k7520Rs256Header =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9";
constexpr std::string_view k7520Rs256Signature =
    "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII"
    "7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1"
    "Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-Zn"
    "mKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg";

// §4.2 (Figures 17 and 19): PS384.
constexpr std::string_view k7520Ps384Header =
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9";
constexpr std::string_view k7520Ps384Signature =
    "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5"
    "dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8"
    "P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQS"
    "UmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw";

// §4.3 (Figures 24 and 26): ES512.
constexpr std::string_view k7520Es512Header =
    "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9";
constexpr std::string_view k7520Es512Signature =
    "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mt"
    "PBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2";

std::string Rfc7520PublicJwk() {
  return R"({"kty":"RSA","kid":")" + std::string(kBilbo) + R"(","use":"sig","n":")" +
         std::string(k7520N) + R"(","e":"AQAB"})";
}
std::string Rfc7520PrivateJwk() {
  return R"({"kty":"RSA","kid":")" + std::string(kBilbo) + R"(","use":"sig","n":")" +
         std::string(k7520N) + R"(","e":"AQAB","d":")" + std::string(k7520D) + R"(","p":")" +
         std::string(k7520P) + R"(","q":")" + std::string(k7520Q) + R"(","dp":")" +
         std::string(k7520Dp) + R"(","dq":")" + std::string(k7520Dq) + R"(","qi":")" +
         std::string(k7520Qi) + R"("})";
}
std::string Rfc7520EcPublicJwk() {
  return R"({"kty":"EC","kid":")" + std::string(kBilbo) + R"(","use":"sig","crv":"P-521","x":")" +
         std::string(k7520EcX) + R"(","y":")" + std::string(k7520EcY) + R"("})";
}

TEST(Rfc7520Keys, RsaPublicAndPrivateJwksDescribeTheSameKey) {
  Result<Jwk> jwk = ParseJwk(Rfc7520PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->kid, kBilbo);
  EXPECT_EQ(jwk->use, "sig");
  EXPECT_FALSE(jwk->alg.has_value());
  EXPECT_EQ(jwk->key.bits(), 2048);

  Result<PrivateKey> key = ParsePrivateJwk(Rfc7520PrivateJwk());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(key->public_key() == jwk->key);
}

TEST(Rfc7520Keys, EcP521KeyIsRefusedBecauseWeImplementOnlyP256AndP384) {
  Result<Jwk> jwk = ParseJwk(Rfc7520EcPublicJwk());
  EXPECT_FALSE(jwk.ok());
}

TEST(Rfc7520Section4_1, Rs256SignatureVerifiesAndCarriesTheKid) {
  Result<Jwk> jwk = ParseJwk(Rfc7520PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  const std::string token = Join(k7520Rs256Header, k7520PayloadB64, k7520Rs256Signature);

  Result<VerifiedJws> jws = VerifyJws(token, jwk->key, {Algorithm::kRS256});
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header.kid, kBilbo);
  EXPECT_EQ(jws->payload, k7520Payload);

  // The same token through a JWK Set, picking the key by kid.
  Result<Jwks> jwks = Jwks::Parse(R"({"keys":[)" + Rfc7520PublicJwk() + "]}");
  ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
  Result<VerifiedJws> by_kid = VerifyJws(token, *jwks, {Algorithm::kRS256});
  ASSERT_TRUE(by_kid.ok()) << by_kid.status().ToString();
  EXPECT_EQ(by_kid->payload, k7520Payload);
}

TEST(Rfc7520Section4_1, PrivateKeyReproducesTheRs256SignatureExactly) {
  Result<PrivateKey> key = ParsePrivateJwk(Rfc7520PrivateJwk());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  Result<std::string> signature =
      Sign(Algorithm::kRS256, *key, Join(k7520Rs256Header, k7520PayloadB64));
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_EQ(Base64UrlEncode(*signature), k7520Rs256Signature);
}

TEST(Rfc7520Section4_2, Ps384SignatureVerifies) {
  Result<Jwk> jwk = ParseJwk(Rfc7520PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  Result<VerifiedJws> jws = VerifyJws(Join(k7520Ps384Header, k7520PayloadB64, k7520Ps384Signature),
                                      jwk->key, {Algorithm::kPS384});
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header.alg, Algorithm::kPS384);
  EXPECT_EQ(jws->payload, k7520Payload);
}

TEST(Rfc7520Section4_2, Ps384SignatureDoesNotVerifyAsPs256OrPs512) {
  Result<Jwk> jwk = ParseJwk(Rfc7520PublicJwk());
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  const std::string signing_input = Join(k7520Ps384Header, k7520PayloadB64);
  Result<std::string> signature = Base64UrlDecode(k7520Ps384Signature);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(VerifySignature(Algorithm::kPS384, jwk->key, signing_input, *signature).ok());
  EXPECT_EQ(VerifySignature(Algorithm::kPS256, jwk->key, signing_input, *signature).code(),
            Errc::kInvalidSignature);
  EXPECT_EQ(VerifySignature(Algorithm::kPS512, jwk->key, signing_input, *signature).code(),
            Errc::kInvalidSignature);
  EXPECT_EQ(VerifySignature(Algorithm::kRS384, jwk->key, signing_input, *signature).code(),
            Errc::kInvalidSignature);
}

TEST(Rfc7520Section4_2, FreshPs384SignatureIsRandomizedAndVerifies) {
  Result<PrivateKey> key = ParsePrivateJwk(Rfc7520PrivateJwk());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const std::string signing_input = Join(k7520Ps384Header, k7520PayloadB64);
  Result<std::string> signature = Sign(Algorithm::kPS384, *key, signing_input);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_NE(Base64UrlEncode(*signature), k7520Ps384Signature);
  EXPECT_TRUE(
      VerifySignature(Algorithm::kPS384, key->public_key(), signing_input, *signature).ok());
}

TEST(Rfc7520Section4_3, Es512IsParsedButRefusedAsUnsupported) {
  const std::string token = Join(k7520Es512Header, k7520PayloadB64, k7520Es512Signature);

  // The token is well formed; only its algorithm is one we do not implement.
  Result<ParsedJws> parsed = ParseJws(token);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->header.alg_name, "ES512");
  EXPECT_FALSE(parsed->header.alg.has_value());
  EXPECT_EQ(parsed->payload, k7520Payload);
  EXPECT_EQ(parsed->signature.size(), 132u);

  Result<Algorithm> alg = ParseAlgorithm("ES512");
  ASSERT_FALSE(alg.ok());
  EXPECT_EQ(alg.status().code(), Errc::kUnsupportedAlgorithm);

  // No key we can load verifies it: any key gives kUnsupportedAlgorithm, with every algorithm we
  // implement allowed.
  Result<Jwk> rsa = ParseJwk(Rfc7520PublicJwk());
  ASSERT_TRUE(rsa.ok()) << rsa.status().ToString();
  VerifyOptions all(AllAlgorithms());
  Result<VerifiedJws> with_rsa = VerifyJws(token, rsa->key, all);
  ASSERT_FALSE(with_rsa.ok());
  EXPECT_EQ(with_rsa.status().code(), Errc::kUnsupportedAlgorithm);

  const PrivateKey& p384 = testing::TestKey(Algorithm::kES384);
  Result<VerifiedJws> with_ec = VerifyJws(token, p384.public_key(), all);
  ASSERT_FALSE(with_ec.ok());
  EXPECT_EQ(with_ec.status().code(), Errc::kUnsupportedAlgorithm);

  Result<Jwks> jwks = Jwks::Parse(R"({"keys":[)" + Rfc7520PublicJwk() + "]}");
  ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
  Result<VerifiedJws> with_jwks = VerifyJws(token, *jwks, all);
  ASSERT_FALSE(with_jwks.ok());
  EXPECT_EQ(with_jwks.status().code(), Errc::kUnsupportedAlgorithm);
}

}  // namespace
}  // namespace mp
