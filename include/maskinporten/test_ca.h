// A local test CA shaped like the real virksomhetssertifikat issuers: a root, an issuing CA
// under it (both RSA 3072), and leaf enterprise certificates for test organisations. Issued
// chains are leaf -> issuing CA, so a verifier that only trusts the root needs the full x5c.
//
// For tests and offline use only: everything it issues says "TEST" in its names (a CA name without
// "TEST" is prefixed with it; leaf subjects name the organisation and are issued by a TEST CA).
//
//   MP_ASSIGN_OR_RETURN(mp::TestCa ca, mp::TestCa::Create({.name = "Local Test CA"}));
//   MP_ASSIGN_OR_RETURN(mp::IssuedCertificate c, ca.Issue({.org = org, .name = "FORSIKRING AS"}));
//   MP_RETURN_IF_ERROR(ca.Save("/tmp/ca"));   // TestCa::Load("/tmp/ca") later
#ifndef MASKINPORTEN_TEST_CA_H_
#define MASKINPORTEN_TEST_CA_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/key.h"
#include "maskinporten/org_number.h"
#include "maskinporten/pki_export.h"
#include "maskinporten/status.h"

namespace mp {

struct MP_PKI_EXPORT TestCaOptions {
  std::string name = "maskinporten-cpp Local Test";  // CNs: "<name> Root CA", "<name> Issuing CA"
  int key_bits = 3072;
  int root_days = 3650;
  int issuing_days = 1825;
  const Clock* clock = nullptr;  // SystemClock when null; notBefore = now - 1 hour
};

struct MP_PKI_EXPORT IssueOptions {
  std::optional<OrgNumber> org;  // required
  std::string name;              // organisation name (subject O and CN); required
  int seid = 2;                  // 2: organizationIdentifier NTRNO-<org>; 1: serialNumber <org>
  int key_bits = 2048;
  int days = 365;
  int64_t not_before = 0;         // Unix seconds; 0 means clock now - 1 hour
  bool digital_signature = true;  // keyUsage digitalSignature (false makes a profile-invalid cert)
};

struct MP_PKI_EXPORT IssuedCertificate {
  PrivateKey key;
  std::vector<Certificate> chain;  // leaf, issuing CA, root
};

// A self-signed signing certificate for `key` (CA:FALSE, keyUsage digitalSignature, SHA-256), for
// a local stand-in that publishes its key as x5c (the local Altinn's consent signer).
struct SelfSignedOptions {
  // Subject RDNs in order, e.g. {{"C", "NO"}, {"O", "Altinn"}, {"CN", "..."}}; not empty.
  std::vector<std::pair<std::string, std::string>> subject;
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;   // after not_before
};
MP_PKI_EXPORT Result<Certificate> MakeSelfSignedCertificate(const PrivateKey& key,
                                                            const SelfSignedOptions& options);

class MP_PKI_EXPORT TestCa {
 public:
  static Result<TestCa> Create(const TestCaOptions& options);
  // Reads root.pem, issuing.pem, issuing-key.pem (and root-key.pem when present) from `dir`.
  // Errc::kNotFound names a missing file, kIoError an unreadable one, kInvalidCertificate /
  // kInvalidKey a bad one. The loaded CA issues at the system clock's time.
  static Result<TestCa> Load(const std::string& dir);
  // Writes root.pem, issuing.pem, issuing-key.pem (mode 0600) and root-key.pem (0600) to `dir`,
  // creating it. Refuses to overwrite an existing CA (Errc::kInvalidArgument).
  Status Save(const std::string& dir) const;

  Result<IssuedCertificate> Issue(const IssueOptions& options) const;

  const Certificate& root() const { return root_; }
  const Certificate& issuing() const { return issuing_; }

 private:
  TestCa(Certificate root, Certificate issuing, PrivateKey issuing_key,
         std::optional<PrivateKey> root_key, const Clock* clock)
      : root_(std::move(root)),
        issuing_(std::move(issuing)),
        issuing_key_(std::move(issuing_key)),
        root_key_(std::move(root_key)),
        clock_(clock) {}
  Certificate root_;
  Certificate issuing_;
  PrivateKey issuing_key_;
  std::optional<PrivateKey> root_key_;
  const Clock* clock_;
};

}  // namespace mp

#endif  // MASKINPORTEN_TEST_CA_H_
