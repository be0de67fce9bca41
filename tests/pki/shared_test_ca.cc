#include "pki/shared_test_ca.h"

#include <cstdio>
#include <cstdlib>

#include "jose/key_internal.h"
#include "pki/cert_internal.h"

namespace mp::testing {
namespace {

template <typename T>
T ValueOrDie(Result<T> r, const char* what) {
  if (!r.ok()) {
    (void)std::fprintf(stderr, "%s failed: %s\n", what, r.status().ToString().c_str());
    std::abort();
  }
  return std::move(r).value();
}

const FakeClock& CaClock() {
  static const FakeClock kClock(kCaTime);
  return kClock;
}

}  // namespace

const TestCa& SharedCa() {
  static const TestCa kCa = [] {
    TestCaOptions opts;
    opts.key_bits = kSharedCaBits;
    opts.clock = &CaClock();
    return ValueOrDie(TestCa::Create(opts), "TestCa::Create (shared)");
  }();
  return kCa;
}

const TestCa& OtherCa() {
  static const TestCa kCa = [] {
    TestCaOptions opts;
    opts.name = "Other Test";
    opts.key_bits = 2048;
    opts.clock = &CaClock();
    return ValueOrDie(TestCa::Create(opts), "TestCa::Create (other)");
  }();
  return kCa;
}

const IssuedCertificate& SharedLeaf() {
  static const IssuedCertificate kLeaf = [] {
    IssueOptions opts;
    opts.org = OrgOrDie(kLeafOrg);
    opts.name = std::string(kLeafName);
    return ValueOrDie(SharedCa().Issue(opts), "TestCa::Issue (shared leaf)");
  }();
  return kLeaf;
}

const PrivateKey& SpareKey() {
  static const PrivateKey kKey =
      ValueOrDie(PrivateKey::Generate(Algorithm::kRS256, 2048), "PrivateKey::Generate");
  return kKey;
}

OrgNumber OrgOrDie(std::string_view digits) {
  return ValueOrDie(OrgNumber::Parse(digits), "OrgNumber::Parse");
}

std::vector<std::pair<std::string, std::string>> LeafExtensions() {
  return {{"basicConstraints", "critical,CA:FALSE"},
          {"keyUsage", "critical,digitalSignature,nonRepudiation"},
          {"subjectKeyIdentifier", "hash"}};
}

Certificate HandBuiltLeaf(std::vector<std::pair<std::string, std::string>> subject,
                          std::vector<std::pair<std::string, std::string>> extensions) {
  internal::CertSpec spec;
  spec.subject = std::move(subject);
  spec.extensions = std::move(extensions);
  spec.subject_key = internal::KeyAccess::Evp(SpareKey());
  spec.issuer = &SharedCa().issuing();
  spec.issuer_key = internal::KeyAccess::Evp(SpareKey());
  spec.not_before = kCaTime - 3600;
  spec.not_after = kCaTime + 86400;
  return ValueOrDie(internal::BuildCertificate(spec), "BuildCertificate");
}

}  // namespace mp::testing
