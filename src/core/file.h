// Whole-file reads with errors that name the path (Errc::kNotFound / kIoError).
#ifndef MASKINPORTEN_CORE_FILE_H_
#define MASKINPORTEN_CORE_FILE_H_

#include <cstddef>
#include <string>

#include "maskinporten/core_export.h"
#include "maskinporten/status.h"

namespace mp {

// At most `max_bytes` (default 16 MiB: no key, certificate or JWKS is near that); larger files
// are Errc::kLimitExceeded rather than read.
MP_CORE_EXPORT Result<std::string> ReadFileToString(const std::string& path,
                                                    size_t max_bytes = 16 << 20);

}  // namespace mp

#endif  // MASKINPORTEN_CORE_FILE_H_
