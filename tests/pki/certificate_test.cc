#include "maskinporten/certificate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "core/openssl.h"
#include "jose/key_internal.h"
#include "maskinporten/base64.h"
#include "pki/cert_internal.h"
#include "pki/shared_test_ca.h"

namespace mp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SharedCa;
using testing::SharedLeaf;

const Certificate& Leaf() { return SharedLeaf().chain[0]; }

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr), 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

// A certificate for `subject_key`, self-signed with SpareKey's issuer name (validity of a day).
Certificate CertForKey(EVP_PKEY* subject_key) {
  internal::CertSpec spec;
  spec.subject = {{"CN", "TEST key holder"}};
  spec.extensions = testing::LeafExtensions();
  spec.subject_key = subject_key;
  spec.issuer = &SharedCa().issuing();
  spec.issuer_key = internal::KeyAccess::Evp(testing::SpareKey());
  spec.not_before = testing::kCaTime;
  spec.not_after = testing::kCaTime + 86400;
  auto cert = internal::BuildCertificate(spec);
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  return std::move(cert).value();
}

// ---- parsing ----

TEST(Certificate, ParsePemChainKeepsFileOrderAndSkipsKeyBlocks) {
  std::string pem = Leaf().Pem() + SharedLeaf().key.ToPkcs8Pem() + SharedCa().issuing().Pem();
  auto chain = Certificate::ParsePemChain(pem);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0], Leaf());
  EXPECT_EQ((*chain)[1], SharedCa().issuing());
}

TEST(Certificate, ParsePemChainIgnoresTextBetweenBlocks) {
  std::string pem = "Bag Attributes\n    friendlyName: x\nsubject=CN=x\n" + Leaf().Pem() +
                    "\ncomment\n" + SharedCa().root().Pem();
  auto chain = Certificate::ParsePemChain(pem);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_EQ(chain->size(), 2u);
}

TEST(Certificate, ParsePemChainWithoutCertificateIsInvalidCertificate) {
  auto chain = Certificate::ParsePemChain(SharedLeaf().key.ToPkcs8Pem());
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(chain.status().message(), HasSubstr("no CERTIFICATE"));
  EXPECT_EQ(Certificate::ParsePemChain("").status().code(), Errc::kInvalidCertificate);
}

TEST(Certificate, ParsePemChainWithCorruptBlockIsInvalidCertificate) {
  std::string pem = Leaf().Pem();
  pem[pem.find('\n') + 10] = '*';  // not base64
  EXPECT_EQ(Certificate::ParsePemChain(pem).status().code(), Errc::kInvalidCertificate);
}

TEST(Certificate, ParsePemChainWithNonCertificateDerInCertificateBlockFails) {
  std::string pem = "-----BEGIN CERTIFICATE-----\n" + Base64Encode("not a certificate") +
                    "\n-----END CERTIFICATE-----\n";
  auto chain = Certificate::ParsePemChain(pem);
  EXPECT_EQ(chain.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(chain.status().message(), HasSubstr("PEM block 0"));
}

TEST(Certificate, FromPemTakesExactlyOneCertificate) {
  auto one = Certificate::FromPem(Leaf().Pem());
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, Leaf());

  auto two = Certificate::FromPem(Leaf().Pem() + SharedCa().root().Pem());
  EXPECT_EQ(two.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(two.status().message(), HasSubstr("found 2"));
}

TEST(Certificate, DerRoundTrips) {
  auto c = Certificate::FromDer(Leaf().Der());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, Leaf());
  EXPECT_EQ(c->Pem(), Leaf().Pem());
}

TEST(Certificate, FromDerRejectsGarbageTruncationAndTrailingBytes) {
  std::string der = Leaf().Der();
  EXPECT_EQ(Certificate::FromDer("").status().code(), Errc::kInvalidCertificate);
  EXPECT_EQ(Certificate::FromDer("garbage").status().code(), Errc::kInvalidCertificate);
  EXPECT_EQ(Certificate::FromDer(der.substr(0, der.size() - 1)).status().code(),
            Errc::kInvalidCertificate);
  auto trailing = Certificate::FromDer(der + "x");
  EXPECT_EQ(trailing.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(trailing.status().message(), HasSubstr("trailing"));
}

TEST(Certificate, ParseAnyAcceptsPemChainOrSingleDer) {
  auto from_pem = Certificate::ParseAny(Leaf().Pem() + SharedCa().issuing().Pem());
  ASSERT_TRUE(from_pem.ok()) << from_pem.status().ToString();
  EXPECT_EQ(from_pem->size(), 2u);
  auto from_der = Certificate::ParseAny(Leaf().Der());
  ASSERT_TRUE(from_der.ok()) << from_der.status().ToString();
  ASSERT_EQ(from_der->size(), 1u);
  EXPECT_EQ((*from_der)[0], Leaf());
  EXPECT_EQ(Certificate::ParseAny("neither").status().code(), Errc::kInvalidCertificate);
}

TEST(Certificate, FromX5cParsesStandardBase64DerLeafFirst) {
  std::vector<std::string> x5c;
  for (const auto& c : SharedLeaf().chain) x5c.push_back(c.X5cEntry());
  EXPECT_EQ(x5c[0], Base64Encode(Leaf().Der()));
  auto chain = Certificate::FromX5c(x5c);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_EQ(*chain, SharedLeaf().chain);
}

TEST(Certificate, FromX5cRejectsBadBase64NamingTheIndex) {
  std::vector<std::string> x5c = {Leaf().X5cEntry(), "not base64!"};
  auto chain = Certificate::FromX5c(x5c);
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(chain.status().message(), HasSubstr("x5c[1]"));
}

TEST(Certificate, FromX5cRejectsBase64UrlAlphabet) {
  // x5c is standard base64 (RFC 7515 §4.1.6); the base64url spelling of the same DER is refused.
  std::string der = Leaf().Der();
  std::string url = Base64UrlEncode(der);
  ASSERT_NE(url.find_first_of("-_"), std::string::npos) << "need a DER whose base64 has + or /";
  auto chain = Certificate::FromX5c({url});
  EXPECT_EQ(chain.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(chain.status().message(), HasSubstr("x5c[0]"));
}

TEST(Certificate, FromX5cRejectsBase64ThatIsNotACertificate) {
  auto chain = Certificate::FromX5c({Leaf().X5cEntry(), Base64Encode("hello")});
  EXPECT_EQ(chain.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(chain.status().message(), HasSubstr("x5c[1]"));
}

TEST(Certificate, FromX5cRejectsEmptyArray) {
  EXPECT_EQ(Certificate::FromX5c({}).status().code(), Errc::kInvalidCertificate);
}

// ---- accessors ----

TEST(Certificate, FingerprintAndX5tS256AreSha256OfDer) {
  std::string hex = Sha256Hex(Leaf().Der());
  EXPECT_EQ(Leaf().Sha256FingerprintHex(), hex);
  auto raw = Base64UrlDecode(Leaf().X5tS256());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->size(), 32u);
  std::string raw_hex;
  for (unsigned char c : *raw) {
    static constexpr char kHex[] = "0123456789abcdef";
    raw_hex.push_back(kHex[c >> 4]);
    raw_hex.push_back(kHex[c & 0xf]);
  }
  EXPECT_EQ(raw_hex, hex);
  EXPECT_NE(SharedCa().root().X5tS256(), Leaf().X5tS256());
}

TEST(Certificate, SubjectAndIssuerAreRfc2253MostSpecificFirst) {
  EXPECT_EQ(Leaf().Subject(),
            "CN=TEST FORSIKRING AS,organizationIdentifier=NTRNO-910753614,O=TEST FORSIKRING "
            "AS,C=NO");
  EXPECT_EQ(Leaf().Issuer(), SharedCa().issuing().Subject());
  EXPECT_EQ(SharedCa().issuing().Issuer(), SharedCa().root().Subject());
}

TEST(Certificate, SubjectKeepsUtf8AndEscapesRfc2253Specials) {
  Certificate c = testing::HandBuiltLeaf({{"O", "Bjørnøya, Test AS"}, {"CN", "Ærlig Å"}},
                                         testing::LeafExtensions());
  EXPECT_EQ(c.Subject(), "CN=Ærlig Å,O=Bjørnøya\\, Test AS");
  EXPECT_EQ(c.SubjectAttribute("O"), "Bjørnøya, Test AS");
}

TEST(Certificate, SerialHexIsLowercaseWithoutLeadingZeros) {
  internal::CertSpec spec;
  spec.subject = {{"CN", "TEST serial"}};
  spec.subject_key = internal::KeyAccess::Evp(testing::SpareKey());
  spec.issuer_key = spec.subject_key;
  spec.not_before = testing::kCaTime;
  spec.not_after = testing::kCaTime + 60;
  spec.serial = std::string("\x00\x0a\xbc", 3);
  auto c = internal::BuildCertificate(spec);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->SerialHex(), "abc");
}

TEST(Certificate, IssuedSerialsAreRandomPositive128Bit) {
  std::string a = Leaf().SerialHex();
  std::string b = SharedCa().issuing().SerialHex();
  EXPECT_NE(a, b);
  for (const std::string& s : {a, b}) {
    EXPECT_LE(s.size(), 32u) << s;
    EXPECT_GE(s.size(), 20u) << s;  // fails with probability ~2^-48
    EXPECT_NE(s[0], '-');
    EXPECT_EQ(s.find_first_not_of("0123456789abcdef"), std::string::npos) << s;
  }
}

TEST(Certificate, NotBeforeAndNotAfterAreUnixSeconds) {
  EXPECT_EQ(Leaf().NotBefore(), testing::kCaTime - 3600);
  EXPECT_EQ(Leaf().NotAfter(), testing::kCaTime - 3600 + 365LL * 86400);
}

TEST(Certificate, KeyUsageNamesTheSetBits) {
  EXPECT_THAT(Leaf().KeyUsage(), ElementsAre("digitalSignature", "nonRepudiation"));
  EXPECT_THAT(SharedCa().root().KeyUsage(), ElementsAre("keyCertSign", "cRLSign"));
  Certificate no_ku = testing::HandBuiltLeaf({{"CN", "TEST no keyUsage"}},
                                             {{"basicConstraints", "critical,CA:FALSE"}});
  EXPECT_TRUE(no_ku.KeyUsage().empty());
}

TEST(Certificate, IsCaAndSelfSignedFollowTheCertificate) {
  EXPECT_TRUE(SharedCa().root().IsCa());
  EXPECT_TRUE(SharedCa().root().SelfSigned());
  EXPECT_TRUE(SharedCa().issuing().IsCa());
  EXPECT_FALSE(SharedCa().issuing().SelfSigned());
  EXPECT_FALSE(Leaf().IsCa());
  EXPECT_FALSE(Leaf().SelfSigned());
}

TEST(Certificate, SubjectAttributeByOidOrName) {
  EXPECT_EQ(Leaf().SubjectAttribute("2.5.4.97"), "NTRNO-910753614");
  EXPECT_EQ(Leaf().SubjectAttribute("organizationIdentifier"), "NTRNO-910753614");
  EXPECT_EQ(Leaf().SubjectAttribute("CN"), "TEST FORSIKRING AS");
  EXPECT_EQ(Leaf().SubjectAttribute("2.5.4.6"), "NO");
  EXPECT_EQ(Leaf().SubjectAttribute("OU"), "");
  EXPECT_EQ(Leaf().SubjectAttribute("no-such-attribute"), "");
}

TEST(Certificate, PublicKeyOfIsTheIssuedKey) {
  auto pub = Leaf().PublicKeyOf();
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(*pub, SharedLeaf().key.public_key());
  EXPECT_EQ(pub->bits(), 2048);
}

TEST(Certificate, PublicKeyOfRsa1024IsWeakKey) {
  EvpPkeyPtr weak(EVP_RSA_gen(1024));
  ASSERT_TRUE(weak);
  Certificate c = CertForKey(weak.get());
  EXPECT_EQ(c.PublicKeyOf().status().code(), Errc::kWeakKey);
}

TEST(Certificate, PublicKeyOfEd25519IsInvalidKey) {
  EvpPkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  Certificate c = CertForKey(ed.get());
  EXPECT_EQ(c.PublicKeyOf().status().code(), Errc::kInvalidKey);
}

TEST(Certificate, CopiesCompareEqualAndDistinctCertificatesDoNot) {
  Certificate copy = Leaf();
  EXPECT_EQ(copy, Leaf());
  EXPECT_FALSE(SharedCa().root() == SharedCa().issuing());
}

// ---- trust stores ----

TEST(TrustStore, FromPemMakesEveryCertificateAnAnchor) {
  auto store = TrustStore::FromPem(SharedCa().root().Pem() + testing::OtherCa().root().Pem(),
                                   CertEnvironment::kProd);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->anchors().size(), 2u);
  EXPECT_EQ(store->environment(), CertEnvironment::kProd);
  EXPECT_EQ(TrustStore::FromPem("", CertEnvironment::kTest).status().code(),
            Errc::kInvalidCertificate);
}

TEST(TrustStore, EnvironmentNames) {
  EXPECT_EQ(CertEnvironmentName(CertEnvironment::kTest), "test");
  EXPECT_EQ(CertEnvironmentName(CertEnvironment::kProd), "prod");
}

}  // namespace
}  // namespace mp
