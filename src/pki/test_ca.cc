#include "maskinporten/test_ca.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/openssl.h"
#include "core/random.h"
#include "jose/key_openssl.h"
#include "pki/cert_internal.h"

namespace mp {
namespace {

using internal::CertAccess;

constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kBackdate = 3600;  // notBefore = now - 1 h, for clocks slightly behind ours

constexpr const char* kRootFile = "root.pem";
constexpr const char* kRootKeyFile = "root-key.pem";
constexpr const char* kIssuingFile = "issuing.pem";
constexpr const char* kIssuingKeyFile = "issuing-key.pem";

// Every name the CA issues says TEST, so nothing it makes passes for a real certificate.
std::string TestName(const std::string& name) {
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper.find("TEST") == std::string::npos ? "TEST " + name : name;
}

Status CheckDays(int days, std::string_view field) {
  if (days <= 0) {
    return Status(Errc::kInvalidArgument,
                  std::string(field) + " must be positive, got " + std::to_string(days));
  }
  return OkStatus();
}

Result<Certificate> MakeCaCert(const std::string& cn, EVP_PKEY* subject_key,
                               const Certificate* issuer, EVP_PKEY* issuer_key, int64_t not_before,
                               int days, bool issuing) {
  internal::CertSpec spec;
  spec.subject = {{"C", "NO"}, {"O", cn}, {"CN", cn}};
  spec.subject_key = subject_key;
  spec.issuer = issuer;
  spec.issuer_key = issuer_key;
  spec.not_before = not_before;
  spec.not_after = not_before + days * kSecondsPerDay;
  // RFC 5280 §4.2.1.9 / §4.2.1.3: CA certificates mark both critical. The issuing CA signs only
  // end-entity certificates (pathlen:0), like Buypass's and Commfides' issuing CAs.
  spec.extensions = {
      {"basicConstraints", issuing ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE"},
      {"keyUsage", "critical,keyCertSign,cRLSign"},
      {"subjectKeyIdentifier", "hash"},
      {"authorityKeyIdentifier", "keyid:always"},
  };
  return internal::BuildCertificate(spec);
}

// ---- files ----

std::string JoinPath(const std::string& dir, const char* file) {
  return (std::filesystem::path(dir) / file).string();
}

Status ErrnoStatus(const std::string& what, int err) {
  return Status(err == ENOENT ? Errc::kNotFound : Errc::kIoError, what + ": " + std::strerror(err));
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status(Errc::kNotFound, path + " not found");
    return ErrnoStatus("cannot open " + path, err);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status(Errc::kIoError, "cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot write " + path, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) return ErrnoStatus("cannot sync " + path, errno);
  return OkStatus();
}

struct PendingFile {
  std::string final_path;
  std::string temp_path;
  std::string content;  // wiped after writing: key files are secrets
  mode_t mode;
};

// Writes every file to a temporary name first, then links them into place without replacing
// anything. On any failure the files this call created are removed and existing ones untouched.
Status WriteFilesAtomically(std::vector<PendingFile>& files) {
  std::vector<std::string> temps;
  std::vector<std::string> placed;
  auto cleanup = [&] {
    for (const auto& p : placed) ::unlink(p.c_str());
    for (const auto& t : temps) ::unlink(t.c_str());
    for (auto& f : files) SecureWipe(f.content);
  };
  for (auto& f : files) {
    f.temp_path = f.final_path + ".tmp-" + RandomHex(8);
    int fd = ::open(f.temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, f.mode);
    if (fd < 0) {
      Status s = ErrnoStatus("cannot create " + f.temp_path, errno);
      cleanup();
      return s;
    }
    temps.push_back(f.temp_path);
    Status s = WriteAll(fd, f.content, f.temp_path);
    if (::close(fd) != 0 && s.ok()) s = ErrnoStatus("cannot close " + f.temp_path, errno);
    if (!s.ok()) {
      cleanup();
      return s;
    }
  }
  for (auto& f : files) {
    // link() fails with EEXIST instead of replacing: a CA appearing meanwhile is not clobbered.
    if (::link(f.temp_path.c_str(), f.final_path.c_str()) != 0) {
      int err = errno;
      Status s = err == EEXIST ? Status(Errc::kInvalidArgument,
                                        f.final_path + " already exists; refusing to overwrite")
                               : ErrnoStatus("cannot create " + f.final_path, err);
      cleanup();
      return s;
    }
    placed.push_back(f.final_path);
  }
  placed.clear();
  cleanup();  // removes the temporary names only
  return OkStatus();
}

}  // namespace

Result<TestCa> TestCa::Create(const TestCaOptions& options) {
  if (options.name.empty()) return Status(Errc::kInvalidArgument, "test CA name is empty");
  MP_RETURN_IF_ERROR(CheckDays(options.root_days, "root_days"));
  MP_RETURN_IF_ERROR(CheckDays(options.issuing_days, "issuing_days"));
  const Clock* clock = options.clock ? options.clock : &SystemClock::Instance();
  std::string name = TestName(options.name);
  int64_t not_before = clock->NowSeconds() - kBackdate;

  MP_ASSIGN_OR_RETURN(PrivateKey root_key,
                      PrivateKey::Generate(Algorithm::kRS256, options.key_bits));
  MP_ASSIGN_OR_RETURN(PrivateKey issuing_key,
                      PrivateKey::Generate(Algorithm::kRS256, options.key_bits));
  EVP_PKEY* root_evp = EvpOf(root_key);
  MP_ASSIGN_OR_RETURN(Certificate root, MakeCaCert(name + " Root CA", root_evp, nullptr, root_evp,
                                                   not_before, options.root_days, false));
  MP_ASSIGN_OR_RETURN(Certificate issuing,
                      MakeCaCert(name + " Issuing CA", EvpOf(issuing_key), &root, root_evp,
                                 not_before, options.issuing_days, true));
  return TestCa(std::move(root), std::move(issuing), std::move(issuing_key), std::move(root_key),
                clock);
}

Result<IssuedCertificate> TestCa::Issue(const IssueOptions& options) const {
  if (!options.org) return Status(Errc::kInvalidArgument, "IssueOptions.org is required");
  if (options.name.empty()) return Status(Errc::kInvalidArgument, "IssueOptions.name is empty");
  if (options.seid != 1 && options.seid != 2) {
    return Status(Errc::kInvalidArgument,
                  "IssueOptions.seid must be 1 or 2, got " + std::to_string(options.seid));
  }
  MP_RETURN_IF_ERROR(CheckDays(options.days, "IssueOptions.days"));
  MP_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(Algorithm::kRS256, options.key_bits));

  const std::string& org = options.org->digits();
  internal::CertSpec spec;
  spec.subject = {{"C", "NO"}, {"O", options.name}};
  // SPEC §7: SEID 2 carries the org number as organizationIdentifier NTRNO-<orgno>, SEID 1 as
  // serialNumber.
  if (options.seid == 2) {
    spec.subject.emplace_back("organizationIdentifier", "NTRNO-" + org);
  } else {
    spec.subject.emplace_back("serialNumber", org);
  }
  spec.subject.emplace_back("CN", options.name);
  spec.subject_key = EvpOf(key);
  spec.issuer = &issuing_;
  spec.issuer_key = EvpOf(issuing_key_);
  spec.not_before = options.not_before != 0 ? options.not_before : clock_->NowSeconds() - kBackdate;
  spec.not_after = spec.not_before + options.days * kSecondsPerDay;
  // The real e-seals carry digitalSignature + contentCommitment (nonRepudiation).
  spec.extensions = {
      {"basicConstraints", "critical,CA:FALSE"},
      {"keyUsage", options.digital_signature ? "critical,digitalSignature,nonRepudiation"
                                             : "critical,nonRepudiation"},
      {"subjectKeyIdentifier", "hash"},
      {"authorityKeyIdentifier", "keyid:always"},
  };
  MP_ASSIGN_OR_RETURN(Certificate leaf, internal::BuildCertificate(spec));
  return IssuedCertificate{std::move(key), {std::move(leaf), issuing_, root_}};
}

Status TestCa::Save(const std::string& dir) const {
  if (dir.empty()) return Status(Errc::kInvalidArgument, "test CA directory is empty");
  for (const char* n : {kRootFile, kIssuingFile, kIssuingKeyFile, kRootKeyFile}) {
    std::error_code ec;
    std::string path = JoinPath(dir, n);
    if (std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
      return Status(Errc::kInvalidArgument,
                    path + " already exists; refusing to overwrite a test CA");
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Errc::kIoError, "cannot create directory " + dir + ": " + ec.message());

  std::vector<PendingFile> files;
  files.push_back({JoinPath(dir, kRootFile), "", root_.Pem(), 0644});
  files.push_back({JoinPath(dir, kIssuingFile), "", issuing_.Pem(), 0644});
  files.push_back({JoinPath(dir, kIssuingKeyFile), "", issuing_key_.ToPkcs8Pem(), 0600});
  if (root_key_) files.push_back({JoinPath(dir, kRootKeyFile), "", root_key_->ToPkcs8Pem(), 0600});
  return WriteFilesAtomically(files);
}

Result<TestCa> TestCa::Load(const std::string& dir) {
  auto read_cert = [&](const char* file) -> Result<Certificate> {
    std::string path = JoinPath(dir, file);
    MP_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
    Result<Certificate> cert = Certificate::FromPem(pem);
    if (!cert.ok()) return cert.status().WithContext(path);
    return cert;
  };
  auto read_key = [&](const char* file) -> Result<PrivateKey> {
    std::string path = JoinPath(dir, file);
    MP_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
    Result<PrivateKey> key = PrivateKey::FromPem(pem);
    SecureWipe(pem);
    if (!key.ok()) return key.status().WithContext(path);
    return key;
  };
  MP_ASSIGN_OR_RETURN(Certificate root, read_cert(kRootFile));
  MP_ASSIGN_OR_RETURN(Certificate issuing, read_cert(kIssuingFile));
  MP_ASSIGN_OR_RETURN(PrivateKey issuing_key, read_key(kIssuingKeyFile));
  std::optional<PrivateKey> root_key;
  Result<PrivateKey> rk = read_key(kRootKeyFile);  // optional: Issue never needs it
  if (rk.ok()) {
    root_key = std::move(*rk);
  } else if (rk.status().code() != Errc::kNotFound) {
    return rk.status();
  }

  X509* root_x = CertAccess::Raw(root);
  X509* issuing_x = CertAccess::Raw(issuing);
  if (X509_check_private_key(issuing_x, EvpOf(issuing_key)) != 1) {
    ClearOpenSslErrors();
    return Status(Errc::kInvalidKey,
                  JoinPath(dir, kIssuingKeyFile) + " does not belong to " + kIssuingFile);
  }
  if (root_key && X509_check_private_key(root_x, EvpOf(*root_key)) != 1) {
    ClearOpenSslErrors();
    return Status(Errc::kInvalidKey,
                  JoinPath(dir, kRootKeyFile) + " does not belong to " + kRootFile);
  }
  EVP_PKEY* root_pub = X509_get0_pubkey(root_x);
  if (!root.IsCa() || !issuing.IsCa() || X509_check_issued(root_x, issuing_x) != X509_V_OK ||
      root_pub == nullptr || X509_verify(issuing_x, root_pub) != 1) {
    ClearOpenSslErrors();
    return Status(Errc::kInvalidCertificate,
                  JoinPath(dir, kIssuingFile) + " is not a CA certificate issued by " + kRootFile);
  }
  return TestCa(std::move(root), std::move(issuing), std::move(issuing_key), std::move(root_key),
                &SystemClock::Instance());
}

Result<Certificate> MakeSelfSignedCertificate(const PrivateKey& key,
                                              const SelfSignedOptions& options) {
  if (options.not_after <= options.not_before) {
    return Status(Errc::kInvalidArgument,
                  "a self-signed certificate's not_after must be after its "
                  "not_before");
  }
  internal::CertSpec spec;
  spec.subject = options.subject;
  spec.subject_key = EvpOf(key);
  spec.issuer_key = EvpOf(key);
  spec.not_before = options.not_before;
  spec.not_after = options.not_after;
  spec.extensions = {{"basicConstraints", "critical,CA:FALSE"},
                     {"keyUsage", "critical,digitalSignature"},
                     {"subjectKeyIdentifier", "hash"}};
  return internal::BuildCertificate(spec);
}

}  // namespace mp
