#include "maskinporten/http.h"

#include <strings.h>

#include "maskinporten/version.h"

namespace mp {

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

std::string_view LibraryVersion() { return MASKINPORTEN_VERSION; }

}  // namespace mp
