// AuditLog: the example API's append-only decision log, one JSON line per request (example_api.h
// documents the line). The file is opened with O_APPEND (each line is one write(2), so lines of
// concurrent writers, even of other processes, never interleave) and created with mode 0600.
//
//   MP_ASSIGN_OR_RETURN(auto log, mp::example_api::AuditLog::Open("audit.jsonl", nullptr));
//   MP_RETURN_IF_ERROR(log->Append(R"({"decision":"deny",...})"));
#ifndef MASKINPORTEN_EXAMPLE_API_AUDIT_LOG_H_
#define MASKINPORTEN_EXAMPLE_API_AUDIT_LOG_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/mutex.h"
#include "maskinporten/status.h"

namespace mp::example_api {

class AuditLog {
 public:
  using Sink = std::function<void(std::string_view line)>;

  // `path` "" = no file; `sink` (may be null) also gets every line. Errc::kIoError naming the
  // path when the file cannot be opened for appending.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path, Sink sink);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Writes `line` plus '\n' and calls the sink, under one lock so both see the same order.
  // Errc::kIoError when the write fails (the caller then refuses the request: no unaudited
  // permit).
  Status Append(std::string_view line);

 private:
  AuditLog(std::string path, int fd, Sink sink);

  const std::string path_;
  Mutex mu_;
  const int fd_;  // -1: no file
  const Sink sink_;
};

}  // namespace mp::example_api

#endif  // MASKINPORTEN_EXAMPLE_API_AUDIT_LOG_H_
