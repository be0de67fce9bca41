// Fuzzes the emulator's seed loader (src/server/registry/seed.h): LoadSeed on the input, and
// ApplySeed of what it accepts onto the emulator reset to the fuzz registry (fuzz_world.h), as
// `serve --config` and LocalMaskinporten::ApplySeed do. PEM paths resolve in a directory this
// target fills at start (keys/fuzz.pub.pem, keys/fuzz.key.pem, keys/fuzz.chain.pem, ca/root.pem);
// an input naming an absolute path or "..", anywhere, is skipped so the fuzzer reads no other file.
// Properties:
//   - nothing crashes, leaks or hangs;
//   - a refusal names the file, and is kNotFound or kIoError only when a file cannot be read (the
//     rule `serve` maps to exit 3; any other refusal exits 1);
//   - ApplySeed either fails and writes nothing, or succeeds and applying again changes nothing.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/openssl.h"
#include "fuzz_check.h"
#include "fuzz_emulator.h"
#include "fuzz_keys.h"
#include "maskinporten/org_number.h"
#include "maskinporten/test_ca.h"
#include "server/registry/seed.h"

namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  FUZZ_CHECK(out.good());
}

fs::path* fixture_dir = nullptr;
void RemoveFixtureDir() {
  std::error_code ec;
  fs::remove_all(*fixture_dir, ec);
}

const std::string& FixtureDir() {
  static const std::string* dir = [] {
    fixture_dir =
        new fs::path(fs::temp_directory_path() / ("mp-seed-fuzz-" + std::to_string(::getpid())));
    std::atexit(RemoveFixtureDir);
    const mp::PrivateKey& key = mp::fuzz::FuzzRsaKey();
    Write(*fixture_dir / "keys/fuzz.pub.pem", key.public_key().ToPem());
    Write(*fixture_dir / "keys/fuzz.key.pem", key.ToPkcs8Pem());
    auto ca = mp::TestCa::Create({.name = "Seed Fuzz", .key_bits = 2048});
    FUZZ_CHECK(ca.ok());
    auto leaf = ca->Issue({.org = *mp::OrgNumber::Parse("910753614"), .name = "TEST FUZZ AS"});
    FUZZ_CHECK(leaf.ok());
    std::string chain;
    for (const auto& cert : leaf->chain) chain += cert.Pem();
    Write(*fixture_dir / "keys/fuzz.chain.pem", chain);
    Write(*fixture_dir / "ca/root.pem", ca->root().Pem());
    return new std::string(fixture_dir->string());
  }();
  return *dir;
}

// Whether a string in `value` could name a file outside the fixture directory.
bool NamesOutside(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    return (!s.empty() && s.front() == '/') || s.find("..") != std::string::npos;
  }
  if (value.is_array() || value.is_object()) {
    for (const auto& item : value) {
      if (NamesOutside(item)) return true;
    }
  }
  return false;
}

// The io codes come only from reading a file (ReadFileToString: "cannot read <path>: ..."). The
// converse cannot be checked from the text: a member name may say "cannot read" too (campaign).
void CheckLoadRefusal(const mp::Status& s) {
  if (s.code() == mp::Errc::kNotFound || s.code() == mp::Errc::kIoError) {
    if (s.message().find("cannot read ") == std::string::npos) {
      std::fprintf(stderr, "seed refusal: %s\n", s.ToString().c_str());
    }
    FUZZ_CHECK(s.message().find("cannot read ") != std::string::npos);
  }
  FUZZ_CHECK(s.message().rfind("seed.json: ", 0) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string& dir = FixtureDir();
  if (auto parsed = mp::ParseStrictJson(in); parsed.ok() && NamesOutside(*parsed)) return 0;

  auto seed = mp::server::LoadSeed(in, "seed.json", dir);
  if (!seed.ok()) {
    CheckLoadRefusal(seed.status());
    mp::ClearOpenSslErrors();
    return 0;
  }
  mp::fuzz::FuzzEmulator& emulator = mp::fuzz::FuzzEmulator::Fresh();
  mp::server::Emulator& e = emulator.e();
  mp::Status applied = mp::server::ApplySeed(*seed, *e.store, *e.clock);
  if (!applied.ok()) {
    // kNotFound: an unknown scope, until branch registry (70b595d) makes it kInvalidArgument.
    if (applied.code() != mp::Errc::kInvalidArgument && applied.code() != mp::Errc::kNotFound) {
      std::fprintf(stderr, "seed apply refusal: %s\n", applied.ToString().c_str());
    }
    FUZZ_CHECK(applied.code() == mp::Errc::kInvalidArgument ||
               applied.code() == mp::Errc::kNotFound);
    FUZZ_CHECK(applied.message().rfind("seed.json: ", 0) == 0);
    emulator.CheckRegistryUnchanged();
  } else {
    mp::server::ServerConfig config;
    mp::server::AddSeedTrust(*seed, config);
    const std::string once = emulator.RegistrySnapshot();
    FUZZ_CHECK(mp::server::ApplySeed(*seed, *e.store, *e.clock).ok());
    FUZZ_CHECK(emulator.RegistrySnapshot() == once);
  }
  mp::ClearOpenSslErrors();
  return 0;
}
