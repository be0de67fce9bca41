#include "core/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace mp {

Result<std::string> ReadFileToString(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return Status(err == ENOENT ? Errc::kNotFound : Errc::kIoError,
                  "cannot read " + path + ": " + std::strerror(err));
  }
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > max_bytes) {
      return Status(Errc::kLimitExceeded,
                    path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  if (in.bad()) return Status(Errc::kIoError, "cannot read " + path + ": " + std::strerror(errno));
  return data;
}

}  // namespace mp
