// Strict JSON on nlohmann-json: the only way maskinporten-cpp reads untrusted JSON.
//
// Beyond RFC 8259 syntax (which nlohmann enforces, including UTF-8 validity and lone surrogates)
// it refuses duplicate object keys (Errc::kDuplicateJsonKey, because two parsers could read two
// different values), input over a size limit and nesting over a depth limit
// (Errc::kLimitExceeded, checked before any allocation grows with the input).
//
//   MP_ASSIGN_OR_RETURN(nlohmann::json claims, mp::ParseStrictJson(payload));
#ifndef MASKINPORTEN_CORE_JSON_H_
#define MASKINPORTEN_CORE_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "maskinporten/status.h"

namespace mp {

struct JsonLimits {
  size_t max_bytes = 1 << 20;
  int max_depth = 32;
};

Result<nlohmann::json> ParseStrictJson(std::string_view text, JsonLimits limits = {});
// Same, and the top-level value must be an object.
Result<nlohmann::json> ParseStrictJsonObject(std::string_view text, JsonLimits limits = {});

// Compact serialisation; invalid UTF-8 in strings is replaced rather than throwing.
std::string DumpJson(const nlohmann::json& value);

// Typed member access for parsed objects; messages name the member.
Result<std::string> GetStringMember(const nlohmann::json& obj, std::string_view name);

}  // namespace mp

#endif  // MASKINPORTEN_CORE_JSON_H_
