// Putting a listening Unix domain socket at a path safely (HttpServerOptions::unix_socket), with
// no window in which the socket file is reachable with a wider mode than 0600:
//   1. the path is checked: nothing there, or a stale socket (nothing accepts on it) — a regular
//      file, directory, symlink or a socket someone listens on is refused, and never touched;
//   2. the caller binds in a fresh private directory beside it (mkdtemp: mode 0700, ours), and
//      the socket file is chmod-ed to 0600 there: nobody else can reach it through that directory;
//   3. it is hard-linked into place (link() never replaces: a file that appeared meanwhile makes it
//      fail) and the private directory removed.
// The socket file's mode comes from the umask at bind(2), and fchmod on a socket descriptor does
// not change the file, so binding in place would leave a window; the process-wide umask is not
// changed either (other threads create files too).
//
//   MP_ASSIGN_OR_RETURN(UnixSocketPlacement place, UnixSocketPlacement::Prepare(path));
//   acceptor.bind(place.bind_path()); MP_RETURN_IF_ERROR(place.Publish()); acceptor.listen();
//   ... on shutdown: place.Remove();   // unlinks the path if it is still our socket
#ifndef MASKINPORTEN_HTTP_UNIX_SOCKET_H_
#define MASKINPORTEN_HTTP_UNIX_SOCKET_H_

#include <sys/types.h>

#include <string>

#include "maskinporten/status.h"

namespace mp::http {

// sun_path holds 108 bytes with its terminating NUL.
inline constexpr size_t kMaxUnixSocketPath = 107;

class UnixSocketPlacement {
 public:
  // Checks `path` (step 1) and makes the private directory (step 2). kInvalidArgument for an
  // empty or too long path; kIoError when another file or a live socket is there, or a system
  // call fails; each names the path.
  static Result<UnixSocketPlacement> Prepare(const std::string& path);

  UnixSocketPlacement(UnixSocketPlacement&& other) noexcept;
  UnixSocketPlacement& operator=(UnixSocketPlacement&&) = delete;
  // Removes the private directory if Publish was not reached (a failed start).
  ~UnixSocketPlacement();

  // Where to bind: inside the private directory.
  const std::string& bind_path() const { return bind_path_; }
  const std::string& path() const { return path_; }

  // After bind: mode 0600, then into place (a stale socket found by Prepare is removed first,
  // only if it is still a socket nothing accepts on). kIoError when the path was taken
  // meanwhile.
  Status Publish();
  // Unlinks the path if it is still the socket Publish put there (not one a later process put
  // in its place). Idempotent.
  void Remove();

 private:
  UnixSocketPlacement(std::string path, std::string dir);

  std::string path_;
  std::string dir_;  // the private directory; "" once removed
  std::string bind_path_;
  bool published_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace mp::http

#endif  // MASKINPORTEN_HTTP_UNIX_SOCKET_H_
