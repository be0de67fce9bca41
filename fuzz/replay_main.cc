// Replays a corpus through a fuzz target without libFuzzer, so ordinary (gcc) builds and ctest
// run every target on its generated seeds:
//
//   jws_fuzz build/release/fuzz-corpus/jws [more dirs or files...]
//
// Each regular file (directories are walked recursively, in sorted order) is passed once to
// LLVMFuzzerTestOneInput. Exits 1 when a path is missing or nothing was replayed, so an empty
// corpus cannot pass silently; a bug in the target aborts (sanitizer or the target's own check).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Appends the regular files under `path` (or `path` itself) in a stable order.
bool CollectInputs(const fs::path& path, std::vector<fs::path>* files) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    files->push_back(path);
    return true;
  }
  if (!fs::is_directory(path, ec)) return false;
  std::vector<fs::path> found;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) found.push_back(it->path());
  }
  if (ec) return false;
  std::sort(found.begin(), found.end());
  files->insert(files->end(), found.begin(), found.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (!CollectInputs(argv[i], &files)) {
      std::fprintf(stderr, "error: %s: not a readable file or directory\n", argv[i]);
      return 1;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "error: no inputs found\n");
    return 1;
  }
  std::string data;
  for (const auto& file : files) {
    if (!ReadFile(file, &data)) {
      std::fprintf(stderr, "error: cannot read %s\n", file.c_str());
      return 1;
    }
    // A copy of exactly `size` bytes, so a read past the end is caught by sanitizers.
    std::vector<uint8_t> input(data.begin(), data.end());
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return 0;
}
