// RFC 6750 on the resource server's side: BearerToken, ChallengeFor, MissingTokenChallenge.
#include <gtest/gtest.h>

#include <string>

#include "maskinporten/status.h"
#include "maskinporten/validator.h"

namespace mp {
namespace {

TEST(BearerToken, ReadsTheTokenAfterTheSchemeInAnyCase) {
  EXPECT_EQ(*BearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(*BearerToken("bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(*BearerToken("BEARER abc"), "abc");
}

TEST(BearerToken, RefusesOtherForms) {
  for (const char* header :
       {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearerabc", "Bearer  abc", "Bearer abc ",
        "Bearer a b", "Bearer a,b", "Bearer\tabc", "Bearer abc\tdef", "DPoP abc", "abc.def.ghi"}) {
    SCOPED_TRACE(header);
    EXPECT_EQ(BearerToken(header).status().code(), Errc::kMalformedToken);
  }
}

TEST(ChallengeFor, InvalidTokenIs401WithTheDescription) {
  BearerChallenge c = ChallengeFor(Status(Errc::kTokenExpired, "exp 1 is 5 s before now 6"));
  EXPECT_EQ(c.http_status, 401);
  EXPECT_EQ(c.error, "invalid_token");
  EXPECT_EQ(c.description, "exp 1 is 5 s before now 6");
  EXPECT_EQ(c.www_authenticate,
            "Bearer realm=\"api\", error=\"invalid_token\", "
            "error_description=\"exp 1 is 5 s before now 6\"");
}

TEST(ChallengeFor, EveryTokenErrorIs401) {
  for (Errc code : {Errc::kMalformedToken, Errc::kLimitExceeded, Errc::kAlgorithmNotAllowed,
                    Errc::kUnsupportedAlgorithm, Errc::kKeyNotFound, Errc::kInvalidSignature,
                    Errc::kMissingClaim, Errc::kInvalidClaim, Errc::kIssuerMismatch,
                    Errc::kTokenExpired, Errc::kTokenNotYetValid, Errc::kIssuedInFuture,
                    Errc::kAudienceMismatch, Errc::kInvalidOrgNumber, Errc::kUntrustedHeader}) {
    SCOPED_TRACE(std::string(ErrcName(code)));
    BearerChallenge c = ChallengeFor(Status(code, "x"));
    EXPECT_EQ(c.http_status, 401);
    EXPECT_EQ(c.error, "invalid_token");
  }
}

TEST(ChallengeFor, InsufficientScopeIs403WithTheRequiredScopes) {
  BearerChallenge c =
      ChallengeFor(Status(Errc::kInsufficientScope, "token lacks scope \"nav:example/ssu.read\""),
                   "nav", {"nav:example/ssu.read", "nav:example/x"});
  EXPECT_EQ(c.http_status, 403);
  EXPECT_EQ(c.error, "insufficient_scope");
  EXPECT_EQ(c.description, "token lacks scope nav:example/ssu.read");
  EXPECT_EQ(c.www_authenticate,
            "Bearer realm=\"nav\", error=\"insufficient_scope\", "
            "error_description=\"token lacks scope nav:example/ssu.read\", "
            "scope=\"nav:example/ssu.read nav:example/x\"");
}

TEST(ChallengeFor, ConsumerAndConsentRefusalsAre403) {
  for (Errc code : {Errc::kConsumerNotAllowed, Errc::kConsentNotValid, Errc::kConsentOrgMismatch,
                    Errc::kConsentPersonMismatch}) {
    SCOPED_TRACE(std::string(ErrcName(code)));
    BearerChallenge c = ChallengeFor(Status(code, "no"));
    EXPECT_EQ(c.http_status, 403);
    EXPECT_EQ(c.error, "insufficient_scope");
    EXPECT_EQ(c.www_authenticate.find("scope=\""), std::string::npos);  // none given
  }
}

TEST(ChallengeFor, DescriptionDropsQuotesBackslashesAndControlBytes) {
  BearerChallenge c = ChallengeFor(
      Status(Errc::kInvalidClaim, "claim \"a\\b\"\r\nX-Injected: 1\x01\xc3\xa6"), "r\"ealm");
  EXPECT_EQ(c.description, "claim abX-Injected: 1");
  EXPECT_EQ(c.www_authenticate.find('\r'), std::string::npos);
  EXPECT_EQ(c.www_authenticate.find('\n'), std::string::npos);
  EXPECT_EQ(c.www_authenticate.rfind("Bearer realm=\"realm\"", 0), 0u);
}

TEST(MissingTokenChallenge, Is401WithoutAnError) {
  BearerChallenge c = MissingTokenChallenge("nav");
  EXPECT_EQ(c.http_status, 401);
  EXPECT_EQ(c.error, "");
  EXPECT_EQ(c.www_authenticate, "Bearer realm=\"nav\"");
  EXPECT_EQ(MissingTokenChallenge().www_authenticate, "Bearer realm=\"api\"");
}

}  // namespace
}  // namespace mp
