// Fuzzes X.509 parsing: Certificate::ParseAny on the raw bytes (PEM chain or DER), and
// Certificate::FromX5c on the input split at ',' (as the entries of an x5c header). Every parsed
// certificate has all its accessors called, its enterprise profile read and its chain verified
// against a fixed test root. Properties:
//   - nothing crashes, leaks or hangs;
//   - a parsed certificate round-trips through DER, PEM and its x5c entry.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/openssl.h"
#include "fuzz_check.h"
#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/test_ca.h"

namespace {

struct Fixture {
  mp::FakeClock clock{1700000000};
  mp::TrustStore store{mp::CertEnvironment::kTest};
};

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    auto* f = new Fixture();  // never destroyed: no exit-time order issues
    auto ca = mp::TestCa::Create({.name = "Fuzz", .key_bits = 2048, .clock = &f->clock});
    FUZZ_CHECK(ca.ok());
    f->store.Add(ca->root());
    return f;
  }();
  return *fixture;
}

void Exercise(const mp::Certificate& cert) {
  std::string der = cert.Der();
  auto from_der = mp::Certificate::FromDer(der);
  FUZZ_CHECK(from_der.ok() && *from_der == cert);
  auto from_pem = mp::Certificate::FromPem(cert.Pem());
  FUZZ_CHECK(from_pem.ok() && *from_pem == cert);
  auto from_x5c = mp::Certificate::FromX5c({cert.X5cEntry()});
  FUZZ_CHECK(from_x5c.ok() && from_x5c->size() == 1 && (*from_x5c)[0] == cert);

  (void)cert.Subject();
  (void)cert.Issuer();
  (void)cert.SerialHex();
  (void)cert.NotBefore();
  (void)cert.NotAfter();
  (void)cert.Sha256FingerprintHex();
  (void)cert.X5tS256();
  (void)cert.KeyUsage();
  (void)cert.IsCa();
  (void)cert.SelfSigned();
  for (const char* attr : {"CN", "O", "2.5.4.97", "serialNumber", "1.2.3.4.5"}) {
    (void)cert.SubjectAttribute(attr);
  }
  (void)cert.PublicKeyOf();
  (void)mp::ReadEnterpriseProfile(cert);
}

void ExerciseChain(const std::vector<mp::Certificate>& chain, const Fixture& f) {
  for (const auto& cert : chain) Exercise(cert);
  (void)mp::VerifyChain(chain, f.store, f.clock);
}

std::vector<std::string> SplitAtComma(std::string_view in) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = in.find(',', start);
    parts.emplace_back(in.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = GetFixture();
  std::string_view in(reinterpret_cast<const char*>(data), size);

  auto any = mp::Certificate::ParseAny(in);
  if (any.ok()) ExerciseChain(*any, f);

  auto x5c = mp::Certificate::FromX5c(SplitAtComma(in));
  if (x5c.ok()) ExerciseChain(*x5c, f);
  // OpenSSL keeps the file/function strings of popped errors until their slot is reused or
  // the queue is cleared, so malloc and free counts of one input differ and libFuzzer runs a
  // full leak check after nearly every input (8x slower). Clearing makes each input balanced.
  mp::ClearOpenSslErrors();
  return 0;
}
