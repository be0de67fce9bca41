// VerifyChain: chains from the test CA verified at FakeClock times against explicit trust stores.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "pki/shared_test_ca.h"

namespace mp {
namespace {

using ::testing::HasSubstr;
using testing::OtherCa;
using testing::SharedCa;
using testing::SharedLeaf;

TrustStore TestRoots() {
  TrustStore store(CertEnvironment::kTest);
  store.Add(SharedCa().root());
  return store;
}

const Certificate& Leaf() { return SharedLeaf().chain[0]; }
std::vector<Certificate> FullChain() { return SharedLeaf().chain; }

TEST(VerifyChain, AcceptsFullChainToTheRoot) {
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain(FullChain(), TestRoots(), clock);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(VerifyChain, AcceptsChainWithoutTheRoot) {
  FakeClock clock(testing::kCaTime + 100LL * 86400);
  Status s = VerifyChain({Leaf(), SharedCa().issuing()}, TestRoots(), clock);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(VerifyChain, LeafOnlyAgainstRootStoreIsUntrusted) {
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain({Leaf()}, TestRoots(), clock);
  EXPECT_EQ(s.code(), Errc::kCertificateUntrusted);
  EXPECT_THAT(s.message(), HasSubstr("unable to get local issuer certificate"));
  EXPECT_THAT(s.message(), HasSubstr("depth 0"));
  EXPECT_THAT(s.message(), HasSubstr("test trust store"));
}

TEST(VerifyChain, LeafOnlyBuildsThroughAKnownIntermediate) {
  TrustStore store = TestRoots();
  store.AddIntermediate(SharedCa().issuing());
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain({Leaf()}, store, clock);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(VerifyChain, KnownIntermediateIsNotATrustAnchor) {
  TrustStore store(CertEnvironment::kTest);
  store.Add(OtherCa().root());
  store.AddIntermediate(SharedCa().issuing());
  FakeClock clock(testing::kCaTime);
  EXPECT_EQ(VerifyChain({Leaf()}, store, clock).code(), Errc::kCertificateUntrusted);
}

TEST(VerifyChain, IssuingCaAsAnchorIsNotEnoughWithoutPartialChains) {
  TrustStore store(CertEnvironment::kTest);
  store.Add(SharedCa().issuing());
  FakeClock clock(testing::kCaTime);
  EXPECT_EQ(VerifyChain({Leaf(), SharedCa().issuing()}, store, clock).code(),
            Errc::kCertificateUntrusted);
}

TEST(VerifyChain, AfterLeafNotAfterIsExpired) {
  FakeClock clock(Leaf().NotAfter() + 1);
  Status s = VerifyChain(FullChain(), TestRoots(), clock);
  EXPECT_EQ(s.code(), Errc::kCertificateExpired);
  EXPECT_THAT(s.message(), HasSubstr("expired at"));
  EXPECT_THAT(s.message(), HasSubstr("depth 0"));
}

TEST(VerifyChain, OneSecondBeforeLeafNotAfterIsStillValid) {
  // OpenSSL counts the notAfter second itself as expired (X509_cmp_time), one second stricter
  // than RFC 5280 §4.1.2.5.
  FakeClock clock(Leaf().NotAfter() - 1);
  Status s = VerifyChain(FullChain(), TestRoots(), clock);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(VerifyChain, AtLeafNotBeforeIsValid) {
  FakeClock clock(Leaf().NotBefore());
  Status s = VerifyChain(FullChain(), TestRoots(), clock);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(VerifyChain, BeforeLeafNotBeforeIsExpired) {
  FakeClock clock(Leaf().NotBefore() - 1);
  Status s = VerifyChain(FullChain(), TestRoots(), clock);
  EXPECT_EQ(s.code(), Errc::kCertificateExpired);
  EXPECT_THAT(s.message(), HasSubstr("not valid until"));
}

TEST(VerifyChain, AfterIssuingCaNotAfterIsExpired) {
  FakeClock clock(SharedCa().issuing().NotAfter() + 1);
  EXPECT_EQ(VerifyChain(FullChain(), TestRoots(), clock).code(), Errc::kCertificateExpired);
}

TEST(VerifyChain, ChainFromAnotherCaIsUntrusted) {
  IssueOptions opts;
  opts.org = testing::OrgOrDie("974760673");
  opts.name = "TEST ANNEN AS";
  opts.key_bits = 2048;
  auto other = OtherCa().Issue(opts);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain(other->chain, TestRoots(), clock);
  EXPECT_EQ(s.code(), Errc::kCertificateUntrusted);
}

TEST(VerifyChain, UntrustedAndExpiredIsUntrusted) {
  // Expiry is reported only when it is the only fault.
  FakeClock clock(Leaf().NotAfter() + 1);
  TrustStore store(CertEnvironment::kTest);
  store.Add(OtherCa().root());
  EXPECT_EQ(VerifyChain(FullChain(), store, clock).code(), Errc::kCertificateUntrusted);
}

TEST(VerifyChain, ProdStoreRefusesTestChain) {
  TrustStore prod(CertEnvironment::kProd);
  prod.Add(OtherCa().root());
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain(FullChain(), prod, clock);
  EXPECT_EQ(s.code(), Errc::kCertificateUntrusted);
  EXPECT_THAT(s.message(), HasSubstr("prod trust store"));
}

TEST(VerifyChain, StoreWithSeveralRootsAcceptsEach) {
  TrustStore store(CertEnvironment::kTest);
  store.Add(OtherCa().root());
  store.Add(SharedCa().root());
  store.Add(SharedCa().root());  // a duplicate anchor is harmless
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain(FullChain(), store, clock);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(VerifyChain, WrongIntermediateIsUntrusted) {
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain({Leaf(), OtherCa().issuing(), SharedCa().root()}, TestRoots(), clock);
  EXPECT_EQ(s.code(), Errc::kCertificateUntrusted);
}

TEST(VerifyChain, TamperedLeafSignatureIsUntrusted) {
  std::string der = Leaf().Der();
  der[der.size() - 5] ^= 0x01;  // inside the signature BIT STRING
  auto tampered = Certificate::FromDer(der);
  ASSERT_TRUE(tampered.ok()) << tampered.status().ToString();
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain({*tampered, SharedCa().issuing()}, TestRoots(), clock);
  EXPECT_EQ(s.code(), Errc::kCertificateUntrusted);
  EXPECT_THAT(s.message(), HasSubstr("signature"));
}

TEST(VerifyChain, ForgedLeafWithIssuerNameOnlyIsUntrusted) {
  // Names the issuing CA as issuer but is signed with another key.
  Certificate forged = testing::HandBuiltLeaf(
      {{"CN", "TEST FORGED AS"}, {"organizationIdentifier", "NTRNO-910753614"}},
      testing::LeafExtensions());
  FakeClock clock(testing::kCaTime);
  EXPECT_EQ(VerifyChain({forged, SharedCa().issuing()}, TestRoots(), clock).code(),
            Errc::kCertificateUntrusted);
}

TEST(VerifyChain, CaCertificateAsLeafIsUntrusted) {
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain({SharedCa().issuing(), SharedCa().root()}, TestRoots(), clock);
  EXPECT_EQ(s.code(), Errc::kCertificateUntrusted);
  EXPECT_THAT(s.message(), HasSubstr("is a CA certificate"));
}

TEST(VerifyChain, EmptyChainIsInvalidArgument) {
  FakeClock clock(testing::kCaTime);
  EXPECT_EQ(VerifyChain({}, TestRoots(), clock).code(), Errc::kInvalidArgument);
}

TEST(VerifyChain, EmptyStoreIsUntrusted) {
  FakeClock clock(testing::kCaTime);
  Status s = VerifyChain(FullChain(), TrustStore(CertEnvironment::kTest), clock);
  EXPECT_EQ(s.code(), Errc::kCertificateUntrusted);
  EXPECT_THAT(s.message(), HasSubstr("no anchors"));
}

TEST(VerifyChain, UsesTheClockNotTheSystemTime) {
  // The shared CA is valid from 2023-11-14; a clock in 2000 sees every certificate as not yet
  // valid, whatever the machine's time.
  FakeClock clock(946684800);
  EXPECT_EQ(VerifyChain(FullChain(), TestRoots(), clock).code(), Errc::kCertificateExpired);
}

}  // namespace
}  // namespace mp
