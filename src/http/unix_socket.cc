#include "http/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace mp::http {
namespace {

constexpr std::string_view kSocketName = "s";

Status IoError(const std::string& what, const std::string& path, int err) {
  return Status(Errc::kIoError, what + " " + path + ": " + std::strerror(err));
}

enum class Found { kNothing, kStaleSocket };

// Whether something accepts connections on the socket at `path` now.
bool Listening(const std::string& path) {
  // Non-blocking: a listener with a full backlog answers EAGAIN instead of blocking us.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int err = errno;
  ::close(fd);
  // ECONNREFUSED: nobody accepts; ENOENT: it is gone already. Anything else (EAGAIN: a listener
  // with a full backlog; EACCES: not ours to reach) counts as in use, so it is left alone.
  return rc == 0 || (err != ECONNREFUSED && err != ENOENT);
}

// Step 1 (unix_socket.h): what is at `path`.
Result<Found> Inspect(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Found::kNothing;
    return IoError("checking", path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status(Errc::kIoError, "unix socket " + path +
                                      ": a file that is not a socket is there; not replacing it");
  }
  if (Listening(path)) {
    return Status(Errc::kIoError, "unix socket " + path +
                                      ": another process is listening on it (already running?)");
  }
  return Found::kStaleSocket;
}

std::string Directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

UnixSocketPlacement::UnixSocketPlacement(std::string path, std::string dir)
    : path_(std::move(path)),
      dir_(std::move(dir)),
      bind_path_(dir_ + "/" + std::string(kSocketName)) {}

UnixSocketPlacement::UnixSocketPlacement(UnixSocketPlacement&& other) noexcept
    : path_(std::move(other.path_)),
      dir_(std::exchange(other.dir_, "")),
      bind_path_(std::move(other.bind_path_)),
      published_(std::exchange(other.published_, false)),
      dev_(other.dev_),
      ino_(other.ino_) {}

UnixSocketPlacement::~UnixSocketPlacement() {
  if (!dir_.empty()) {
    ::unlink(bind_path_.c_str());
    ::rmdir(dir_.c_str());
  }
}

Result<UnixSocketPlacement> UnixSocketPlacement::Prepare(const std::string& path) {
  if (path.empty()) return Status(Errc::kInvalidArgument, "unix socket: the path is empty");
  if (path.size() > kMaxUnixSocketPath) {
    return Status(Errc::kInvalidArgument,
                  "unix socket " + path + ": " + std::to_string(path.size()) +
                      " bytes; a socket path holds at most " + std::to_string(kMaxUnixSocketPath));
  }
  if (path.back() == '/') {
    return Status(Errc::kInvalidArgument, "unix socket " + path + ": names a directory");
  }
  MP_RETURN_IF_ERROR(Inspect(path).status());
  // mkdtemp makes the directory 0700 whatever the umask.
  std::string pattern = Directory(path) + "/.mp-socket-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return IoError("creating a private directory beside", path, errno);
  }
  UnixSocketPlacement placement(path, std::string(buffer.data()));
  if (placement.bind_path_.size() > kMaxUnixSocketPath) {
    return Status(Errc::kInvalidArgument,
                  "unix socket " + path + ": the private directory beside it makes a path of " +
                      std::to_string(placement.bind_path_.size()) + " bytes (at most " +
                      std::to_string(kMaxUnixSocketPath) + "); use a shorter path");
  }
  return placement;
}

Status UnixSocketPlacement::Publish() {
  if (::chmod(bind_path_.c_str(), S_IRUSR | S_IWUSR) != 0) {
    return IoError("setting mode 0600 on", bind_path_, errno);
  }
  // The stale socket may have come to life, or been replaced by another file, since Prepare.
  MP_ASSIGN_OR_RETURN(const Found found, Inspect(path_));
  if (found == Found::kStaleSocket && ::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return IoError("removing the stale socket", path_, errno);
  }
  if (::link(bind_path_.c_str(), path_.c_str()) != 0) {
    if (errno == EEXIST) {
      return Status(Errc::kIoError,
                    "unix socket " + path_ + ": another file appeared there; not replacing it");
    }
    return IoError("creating", path_, errno);
  }
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  published_ = true;
  ::unlink(bind_path_.c_str());
  ::rmdir(dir_.c_str());
  dir_.clear();
  return OkStatus();
}

void UnixSocketPlacement::Remove() {
  if (!published_) return;
  published_ = false;
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev_ &&
      st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace mp::http
