#include "example_api/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mp::example_api {

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, Sink sink) {
  int fd = -1;
  if (!path.empty()) {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Status(Errc::kIoError, "opening audit log " + path + ": " + std::strerror(errno));
    }
  }
  return std::unique_ptr<AuditLog>(new AuditLog(path, fd, std::move(sink)));
}

AuditLog::AuditLog(std::string path, int fd, Sink sink)
    : path_(std::move(path)), fd_(fd), sink_(std::move(sink)) {}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

Status AuditLog::Append(std::string_view line) {
  std::string record(line);
  record.push_back('\n');
  MutexLock lock(mu_);
  if (fd_ >= 0) {
    // One write(2) per line: with O_APPEND the kernel places it whole at the end. A short write
    // (disk full) is finished in further writes and reported if that fails.
    size_t done = 0;
    while (done < record.size()) {
      ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return Status(Errc::kIoError, "writing audit log " + path_ + ": " + std::strerror(errno));
      }
      if (n == 0) return Status(Errc::kIoError, "writing audit log " + path_ + ": no progress");
      done += static_cast<size_t>(n);
    }
  }
  if (sink_) sink_(line);
  return OkStatus();
}

}  // namespace mp::example_api
