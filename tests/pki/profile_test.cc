// ReadEnterpriseProfile: the virksomhetssertifikat (enterprise certificate) rules of SPEC §7.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "maskinporten/certificate.h"
#include "maskinporten/test_ca.h"
#include "pki/shared_test_ca.h"

namespace mp {
namespace {

using testing::HandBuiltLeaf;
using ::testing::HasSubstr;
using testing::LeafExtensions;
using testing::SharedCa;

IssuedCertificate IssueOrDie(const IssueOptions& opts) {
  auto issued = SharedCa().Issue(opts);
  EXPECT_TRUE(issued.ok()) << issued.status().ToString();
  return std::move(issued).value();
}

TEST(EnterpriseProfile, Seid2ReadsOrganizationIdentifier) {
  auto p = ReadEnterpriseProfile(testing::SharedLeaf().chain[0]);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->org.digits(), "910753614");
  EXPECT_EQ(p->seid, 2);
  EXPECT_EQ(p->organization_name, "TEST FORSIKRING AS");
}

TEST(EnterpriseProfile, Seid1ReadsSerialNumber) {
  IssueOptions opts;
  opts.org = testing::OrgOrDie("991825827");
  opts.name = "TEST SEID1 AS";
  opts.seid = 1;
  IssuedCertificate issued = IssueOrDie(opts);
  EXPECT_EQ(issued.chain[0].SubjectAttribute("serialNumber"), "991825827");
  EXPECT_EQ(issued.chain[0].SubjectAttribute("organizationIdentifier"), "");
  auto p = ReadEnterpriseProfile(issued.chain[0]);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->org.digits(), "991825827");
  EXPECT_EQ(p->seid, 1);
  EXPECT_EQ(p->organization_name, "TEST SEID1 AS");
}

TEST(EnterpriseProfile, LegacyCnStartingWithNineDigits) {
  Certificate c =
      HandBuiltLeaf({{"C", "NO"}, {"CN", "889640782 TEST LEGACY AS"}}, LeafExtensions());
  auto p = ReadEnterpriseProfile(c);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->org.digits(), "889640782");
  EXPECT_EQ(p->seid, 0);
  EXPECT_EQ(p->organization_name, "");
}

TEST(EnterpriseProfile, OrganizationIdentifierWinsOverSerialNumberAndCn) {
  Certificate c = HandBuiltLeaf({{"organizationIdentifier", "NTRNO-910753614"},
                                 {"serialNumber", "991825827"},
                                 {"CN", "889640782"}},
                                LeafExtensions());
  auto p = ReadEnterpriseProfile(c);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->org.digits(), "910753614");
  EXPECT_EQ(p->seid, 2);
}

TEST(EnterpriseProfile, NonNtrOrganizationIdentifierFallsBackToSerialNumber) {
  Certificate c =
      HandBuiltLeaf({{"organizationIdentifier", "VATNO-910753614"}, {"serialNumber", "991825827"}},
                    LeafExtensions());
  auto p = ReadEnterpriseProfile(c);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->org.digits(), "991825827");
  EXPECT_EQ(p->seid, 1);
}

TEST(EnterpriseProfile, BadCheckDigitInOrganizationIdentifierIsInvalidOrgNumber) {
  Certificate c = HandBuiltLeaf(
      {{"CN", "TEST FEIL AS"}, {"organizationIdentifier", "NTRNO-910753615"}}, LeafExtensions());
  auto p = ReadEnterpriseProfile(c);
  EXPECT_EQ(p.status().code(), Errc::kInvalidOrgNumber);
  EXPECT_THAT(p.status().message(), HasSubstr("organizationIdentifier NTRNO-910753615"));
}

TEST(EnterpriseProfile, BadCheckDigitInSerialNumberIsInvalidOrgNumber) {
  Certificate c = HandBuiltLeaf({{"serialNumber", "991825828"}}, LeafExtensions());
  EXPECT_EQ(ReadEnterpriseProfile(c).status().code(), Errc::kInvalidOrgNumber);
}

TEST(EnterpriseProfile, NtrnoWithWrongDigitCountIsInvalidOrgNumber) {
  Certificate c = HandBuiltLeaf({{"organizationIdentifier", "NTRNO-91075361"}}, LeafExtensions());
  EXPECT_EQ(ReadEnterpriseProfile(c).status().code(), Errc::kInvalidOrgNumber);
}

TEST(EnterpriseProfile, NoOrgNumberIsProfileError) {
  Certificate c = HandBuiltLeaf({{"O", "TEST UTEN NUMMER AS"},
                                 {"CN", "TEST UTEN NUMMER AS"},
                                 {"serialNumber", "UN:NO-9578-5"}},
                                LeafExtensions());
  auto p = ReadEnterpriseProfile(c);
  EXPECT_EQ(p.status().code(), Errc::kCertificateProfile);
  EXPECT_THAT(p.status().message(), HasSubstr("no organisation number"));
}

TEST(EnterpriseProfile, MissingDigitalSignatureIsProfileError) {
  IssueOptions opts;
  opts.org = testing::OrgOrDie("910753614");
  opts.name = "TEST UTEN SIGNATUR AS";
  opts.digital_signature = false;
  IssuedCertificate issued = IssueOrDie(opts);
  auto p = ReadEnterpriseProfile(issued.chain[0]);
  EXPECT_EQ(p.status().code(), Errc::kCertificateProfile);
  EXPECT_EQ(p.status().message(), "keyUsage lacks digitalSignature");
}

TEST(EnterpriseProfile, MissingKeyUsageExtensionIsProfileError) {
  Certificate c = HandBuiltLeaf({{"organizationIdentifier", "NTRNO-910753614"}},
                                {{"basicConstraints", "critical,CA:FALSE"}});
  auto p = ReadEnterpriseProfile(c);
  EXPECT_EQ(p.status().code(), Errc::kCertificateProfile);
  EXPECT_THAT(p.status().message(), HasSubstr("keyUsage"));
}

TEST(EnterpriseProfile, CaCertificateIsProfileError) {
  EXPECT_EQ(ReadEnterpriseProfile(SharedCa().issuing()).status().code(), Errc::kCertificateProfile);
}

}  // namespace
}  // namespace mp
