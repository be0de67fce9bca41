// Test CAs and certificates shared by the pki tests: RSA keys are slow to make, so each is
// made once per test binary, on first use, at a fixed FakeClock time.
#ifndef MASKINPORTEN_TESTS_PKI_SHARED_TEST_CA_H_
#define MASKINPORTEN_TESTS_PKI_SHARED_TEST_CA_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/key.h"
#include "maskinporten/org_number.h"
#include "maskinporten/test_ca.h"

namespace mp::testing {

// The time the shared CAs were made at (their notBefore is one hour earlier).
constexpr int64_t kCaTime = 1700000000;
constexpr std::string_view kLeafOrg = "910753614";
constexpr std::string_view kLeafName = "TEST FORSIKRING AS";

// ctest runs every test in its own process, so the shared CA uses RSA 2048 keys to keep each
// process's set-up short; TestCa.DefaultKeysAreRsa3072 checks the default size.
constexpr int kSharedCaBits = 2048;

// The CA most tests use: default options but kSharedCaBits, clock at kCaTime.
const TestCa& SharedCa();
// A second, unrelated CA (RSA 2048 to save time).
const TestCa& OtherCa();
// A SEID 2 certificate for kLeafOrg / kLeafName from SharedCa().
const IssuedCertificate& SharedLeaf();
// An RSA-2048 key for hand-built certificates.
const PrivateKey& SpareKey();

OrgNumber OrgOrDie(std::string_view digits);

// A leaf with `subject` and `extensions`, issued in name by SharedCa().issuing() but signed with
// SpareKey() (so its chain does not verify; enough for profile and accessor tests).
Certificate HandBuiltLeaf(std::vector<std::pair<std::string, std::string>> subject,
                          std::vector<std::pair<std::string, std::string>> extensions);
// keyUsage digitalSignature,nonRepudiation + basicConstraints CA:FALSE, as a real e-seal.
std::vector<std::pair<std::string, std::string>> LeafExtensions();

}  // namespace mp::testing

#endif  // MASKINPORTEN_TESTS_PKI_SHARED_TEST_CA_H_
