#include "maskinporten/test_ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "pki/cert_internal.h"
#include "pki/shared_test_ca.h"

namespace mp {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SharedCa;
using testing::SharedLeaf;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

int PathLen(const Certificate& c) {
  return static_cast<int>(X509_get_pathlen(internal::CertAccess::Raw(c)));
}

bool BasicConstraintsCritical(const Certificate& c) {
  X509* x = internal::CertAccess::Raw(c);
  int idx = X509_get_ext_by_NID(x, NID_basic_constraints, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, idx)) == 1;
}

std::string KeyId(const ASN1_OCTET_STRING* id) {
  if (id == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id)),
                     static_cast<size_t>(ASN1_STRING_length(id)));
}
std::string Ski(const Certificate& c) {
  return KeyId(X509_get0_subject_key_id(internal::CertAccess::Raw(c)));
}
std::string Aki(const Certificate& c) {
  return KeyId(X509_get0_authority_key_id(internal::CertAccess::Raw(c)));
}

// A fresh directory under the test temp dir, removed afterwards.
class TestCaDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mp-test-ca-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    dir_ = (base_ / "ca").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  fs::path base_;
  std::string dir_;
};

// ---- Create ----

TEST(TestCa, RootIsSelfSignedCaWithCriticalConstraints) {
  const Certificate& root = SharedCa().root();
  EXPECT_TRUE(root.SelfSigned());
  EXPECT_TRUE(root.IsCa());
  EXPECT_TRUE(BasicConstraintsCritical(root));
  EXPECT_THAT(root.KeyUsage(), ElementsAre("keyCertSign", "cRLSign"));
  EXPECT_EQ(root.SubjectAttribute("CN"), "maskinporten-cpp Local Test Root CA");
  EXPECT_FALSE(Ski(root).empty());
  EXPECT_EQ(Aki(root), Ski(root));
  auto key = root.PublicKeyOf();
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->bits(), testing::kSharedCaBits);
  EXPECT_EQ(root.NotBefore(), testing::kCaTime - 3600);
  EXPECT_EQ(root.NotAfter(), testing::kCaTime - 3600 + 3650LL * 86400);
}

TEST(TestCa, IssuingCaIsUnderRootWithPathLenZero) {
  const Certificate& issuing = SharedCa().issuing();
  EXPECT_EQ(issuing.Issuer(), SharedCa().root().Subject());
  EXPECT_EQ(issuing.SubjectAttribute("CN"), "maskinporten-cpp Local Test Issuing CA");
  EXPECT_TRUE(issuing.IsCa());
  EXPECT_TRUE(BasicConstraintsCritical(issuing));
  EXPECT_EQ(PathLen(issuing), 0);
  EXPECT_THAT(issuing.KeyUsage(), ElementsAre("keyCertSign", "cRLSign"));
  EXPECT_EQ(Aki(issuing), Ski(SharedCa().root()));
  auto key = issuing.PublicKeyOf();
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->bits(), testing::kSharedCaBits);
  EXPECT_EQ(issuing.NotAfter(), testing::kCaTime - 3600 + 1825LL * 86400);
}

TEST(TestCa, DefaultKeysAreRsa3072) {
  auto ca = TestCa::Create({});
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  for (const Certificate* c : {&ca->root(), &ca->issuing()}) {
    auto key = c->PublicKeyOf();
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(key->bits(), 3072) << c->Subject();
  }
}

TEST(TestCa, NameWithoutTestGetsTestPrefix) {
  TestCaOptions opts;
  opts.name = "Acme";
  opts.key_bits = 2048;
  auto ca = TestCa::Create(opts);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(ca->root().SubjectAttribute("CN"), "TEST Acme Root CA");
  EXPECT_EQ(ca->issuing().SubjectAttribute("CN"), "TEST Acme Issuing CA");
}

TEST(TestCa, CreateRejectsEmptyNameAndNonPositiveLifetimes) {
  TestCaOptions empty_name;
  empty_name.name = "";
  EXPECT_EQ(TestCa::Create(empty_name).status().code(), Errc::kInvalidArgument);
  TestCaOptions zero_days;
  zero_days.root_days = 0;
  EXPECT_EQ(TestCa::Create(zero_days).status().code(), Errc::kInvalidArgument);
}

TEST(TestCa, CreateRefusesWeakKeySize) {
  TestCaOptions opts;
  opts.key_bits = 1024;
  EXPECT_FALSE(TestCa::Create(opts).ok());
}

// ---- Issue ----

TEST(TestCa, IssuesSeid2LeafShapedLikeAnEnterpriseCertificate) {
  const IssuedCertificate& issued = SharedLeaf();
  ASSERT_EQ(issued.chain.size(), 3u);
  const Certificate& leaf = issued.chain[0];
  EXPECT_EQ(issued.chain[1], SharedCa().issuing());
  EXPECT_EQ(issued.chain[2], SharedCa().root());
  EXPECT_EQ(leaf.SubjectAttribute("C"), "NO");
  EXPECT_EQ(leaf.SubjectAttribute("O"), "TEST FORSIKRING AS");
  EXPECT_EQ(leaf.SubjectAttribute("CN"), "TEST FORSIKRING AS");
  EXPECT_EQ(leaf.SubjectAttribute("2.5.4.97"), "NTRNO-910753614");
  EXPECT_EQ(leaf.SubjectAttribute("serialNumber"), "");
  EXPECT_FALSE(leaf.IsCa());
  EXPECT_TRUE(BasicConstraintsCritical(leaf));
  EXPECT_THAT(leaf.KeyUsage(), ElementsAre("digitalSignature", "nonRepudiation"));
  EXPECT_EQ(Aki(leaf), Ski(SharedCa().issuing()));
  EXPECT_FALSE(Ski(leaf).empty());
  EXPECT_EQ(issued.key.bits(), 2048);
  auto pub = leaf.PublicKeyOf();
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(*pub, issued.key.public_key());
  EXPECT_EQ(X509_get_signature_nid(internal::CertAccess::Raw(leaf)), NID_sha256WithRSAEncryption);
}

TEST(TestCa, IssueHonoursNotBeforeAndDays) {
  IssueOptions opts;
  opts.org = testing::OrgOrDie("314240979");
  opts.name = "TEST DAGER AS";
  opts.not_before = 1750000000;
  opts.days = 10;
  auto issued = SharedCa().Issue(opts);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->chain[0].NotBefore(), 1750000000);
  EXPECT_EQ(issued->chain[0].NotAfter(), 1750000000 + 10 * 86400);
}

TEST(TestCa, IssueRequiresOrgAndName) {
  IssueOptions no_org;
  no_org.name = "TEST AS";
  auto a = SharedCa().Issue(no_org);
  EXPECT_EQ(a.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(a.status().message(), HasSubstr("org"));

  IssueOptions no_name;
  no_name.org = testing::OrgOrDie("910753614");
  auto b = SharedCa().Issue(no_name);
  EXPECT_EQ(b.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(b.status().message(), HasSubstr("name"));
}

TEST(TestCa, IssueRejectsUnknownSeidAndNonPositiveDays) {
  IssueOptions opts;
  opts.org = testing::OrgOrDie("910753614");
  opts.name = "TEST AS";
  opts.seid = 3;
  EXPECT_EQ(SharedCa().Issue(opts).status().code(), Errc::kInvalidArgument);
  opts.seid = 0;
  EXPECT_EQ(SharedCa().Issue(opts).status().code(), Errc::kInvalidArgument);
  opts.seid = 2;
  opts.days = 0;
  EXPECT_EQ(SharedCa().Issue(opts).status().code(), Errc::kInvalidArgument);
}

// ---- Save / Load ----

TEST_F(TestCaDir, SaveThenLoadRoundTripsAndLoadedCaIssuesVerifiableChains) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  for (const char* f : {"root.pem", "root-key.pem", "issuing.pem", "issuing-key.pem"}) {
    EXPECT_TRUE(fs::exists(fs::path(dir_) / f)) << f;
  }
  auto loaded = TestCa::Load(dir_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->root(), testing::OtherCa().root());
  EXPECT_EQ(loaded->issuing(), testing::OtherCa().issuing());

  IssueOptions opts;
  opts.org = testing::OrgOrDie("910753614");
  opts.name = "TEST LASTET AS";
  opts.not_before = testing::kCaTime;  // the loaded CA's clock is the system clock
  auto issued = loaded->Issue(opts);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  TrustStore store(CertEnvironment::kTest);
  store.Add(testing::OtherCa().root());
  Status s = VerifyChain(issued->chain, store, FakeClock(testing::kCaTime + 60));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(TestCaDir, SavedKeyFilesAreOwnerOnlyAndNoTemporaryFilesRemain) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  for (const char* f : {"root-key.pem", "issuing-key.pem"}) {
    struct stat st;
    ASSERT_EQ(stat((fs::path(dir_) / f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    ++entries;
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
  }
  EXPECT_EQ(entries, 4);
  EXPECT_THAT(Slurp(fs::path(dir_) / "issuing-key.pem"), HasSubstr("BEGIN PRIVATE KEY"));
}

TEST_F(TestCaDir, SaveRefusesToOverwriteAndLeavesTheExistingCa) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  std::string before = Slurp(fs::path(dir_) / "root.pem");
  Status s = SharedCa().Save(dir_);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("root.pem"));
  EXPECT_EQ(Slurp(fs::path(dir_) / "root.pem"), before);
}

TEST_F(TestCaDir, SaveRefusesWhenOnlyAKeyFileExists) {
  fs::create_directories(dir_);
  WriteText(fs::path(dir_) / "issuing-key.pem", "precious");
  Status s = SharedCa().Save(dir_);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("issuing-key.pem"));
  EXPECT_EQ(Slurp(fs::path(dir_) / "issuing-key.pem"), "precious");
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "root.pem"));
}

TEST_F(TestCaDir, SaveIntoUncreatableDirectoryIsIoError) {
  WriteText(base_ / "file", "x");
  Status s = SharedCa().Save((base_ / "file" / "ca").string());
  EXPECT_EQ(s.code(), Errc::kIoError);
}

TEST_F(TestCaDir, LoadOfMissingDirectoryIsNotFoundNamingTheFile) {
  auto ca = TestCa::Load(dir_);
  EXPECT_EQ(ca.status().code(), Errc::kNotFound);
  EXPECT_THAT(ca.status().message(), HasSubstr("root.pem"));
}

TEST_F(TestCaDir, LoadWithoutIssuingKeyIsNotFoundNamingIt) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  fs::remove(fs::path(dir_) / "issuing-key.pem");
  auto ca = TestCa::Load(dir_);
  EXPECT_EQ(ca.status().code(), Errc::kNotFound);
  EXPECT_THAT(ca.status().message(), HasSubstr("issuing-key.pem"));
}

TEST_F(TestCaDir, LoadWithoutRootKeyStillIssues) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  fs::remove(fs::path(dir_) / "root-key.pem");
  auto ca = TestCa::Load(dir_);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_EQ(ca->root(), testing::OtherCa().root());
}

TEST_F(TestCaDir, LoadOfCorruptCertificateIsInvalidCertificateNamingIt) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  WriteText(fs::path(dir_) / "issuing.pem", "not a certificate\n");
  auto ca = TestCa::Load(dir_);
  EXPECT_EQ(ca.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(ca.status().message(), HasSubstr("issuing.pem"));
}

TEST_F(TestCaDir, LoadOfUnreadableFileIsIoError) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  fs::remove(fs::path(dir_) / "root.pem");
  fs::create_directory(fs::path(dir_) / "root.pem");  // read() fails with EISDIR
  auto ca = TestCa::Load(dir_);
  EXPECT_EQ(ca.status().code(), Errc::kIoError);
  EXPECT_THAT(ca.status().message(), HasSubstr("root.pem"));
}

TEST_F(TestCaDir, LoadWithAnotherCasIssuingCertificateIsRefused) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  WriteText(fs::path(dir_) / "issuing.pem", SharedCa().issuing().Pem());
  auto ca = TestCa::Load(dir_);
  // The issuing key no longer fits the issuing certificate.
  EXPECT_EQ(ca.status().code(), Errc::kInvalidKey);
  EXPECT_THAT(ca.status().message(), HasSubstr("issuing-key.pem"));
}

TEST_F(TestCaDir, LoadWithIssuingCaFromAnotherRootIsInvalidCertificate) {
  ASSERT_TRUE(testing::OtherCa().Save(dir_).ok());
  fs::remove(fs::path(dir_) / "root-key.pem");
  WriteText(fs::path(dir_) / "root.pem", SharedCa().root().Pem());
  auto ca = TestCa::Load(dir_);
  EXPECT_EQ(ca.status().code(), Errc::kInvalidCertificate);
  EXPECT_THAT(ca.status().message(), HasSubstr("issuing.pem"));
}

// The local Altinn's consent signer publishes its key with this certificate (x5c).
TEST(MakeSelfSignedCertificate, SignsAnEndEntityCertificateForTheKey) {
  Result<PrivateKey> key = PrivateKey::Generate(Algorithm::kES256);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  Result<Certificate> cert = MakeSelfSignedCertificate(
      *key, {.subject = {{"C", "NO"}, {"O", "Altinn"}, {"CN", "consent signer"}},
             .not_before = 1'700'000'000,
             .not_after = 1'700'086'400});
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_THAT(cert->Subject(), HasSubstr("CN=consent signer"));
  EXPECT_EQ(cert->Subject(), cert->Issuer());
  EXPECT_TRUE(cert->SelfSigned());
  EXPECT_FALSE(cert->IsCa());
  EXPECT_THAT(cert->KeyUsage(), ElementsAre("digitalSignature"));
  EXPECT_EQ(cert->NotBefore(), 1'700'000'000);
  EXPECT_EQ(cert->NotAfter(), 1'700'086'400);
  Result<PublicKey> subject_key = cert->PublicKeyOf();
  ASSERT_TRUE(subject_key.ok()) << subject_key.status().ToString();
  EXPECT_EQ(subject_key->Thumbprint(), key->public_key().Thumbprint());
}

TEST(MakeSelfSignedCertificate, RefusesAnEmptyValidityOrSubject) {
  Result<PrivateKey> key = PrivateKey::Generate(Algorithm::kES256);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  Result<Certificate> empty_validity =
      MakeSelfSignedCertificate(*key, {.subject = {{"CN", "x"}}, .not_before = 5, .not_after = 5});
  ASSERT_FALSE(empty_validity.ok());
  EXPECT_EQ(empty_validity.status().code(), Errc::kInvalidArgument);
  EXPECT_THAT(empty_validity.status().message(), HasSubstr("not_after"));
  EXPECT_FALSE(
      MakeSelfSignedCertificate(*key, {.subject = {}, .not_before = 0, .not_after = 60}).ok());
}

}  // namespace
}  // namespace mp
