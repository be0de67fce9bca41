// Fuzzes the strict JSON parser (src/core/json.h). Properties:
//   - only the documented error codes come out;
//   - whatever is accepted serialises (DumpJson) and parses again to an equal value;
//   - whatever is accepted is also accepted, with the same value, by plain nlohmann parsing
//     (strictness may only remove documents, never change their meaning);
//   - whatever nlohmann accepts is accepted too, unless it has a duplicate member, exceeds a
//     limit or contains a NUL byte (the parser is our own; nlohmann is the reference);
//   - JsonDocument, the flat parse of the token hot path, gives the same verdict and message,
//     and when it accepts, the same value rebuilt from its nodes (ToJson), and finds every
//     top-level member by name.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "core/json.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const mp::JsonLimits limits;

  auto parsed = mp::ParseStrictJson(in, limits);
  auto flat = mp::JsonDocument::Parse(std::string(in), limits);
  FUZZ_CHECK(flat.ok() == parsed.ok());
  if (parsed.ok()) {
    // ToJson rebuilds the value from the node accessors alone.
    nlohmann::json rebuilt = flat->ToJson(mp::JsonDocument::kRoot);
    FUZZ_CHECK(rebuilt == *parsed);
    FUZZ_CHECK(mp::DumpJson(rebuilt) == mp::DumpJson(*parsed));
    // Every member of a top-level object is found by name.
    if (parsed->is_object()) {
      const auto root = mp::JsonDocument::kRoot;
      for (auto k = flat->First(root); k != mp::JsonDocument::kNone; k = flat->Next(root, k)) {
        FUZZ_CHECK(flat->Find(root, flat->String(k)) == k + 1);
      }
    }
  } else {
    FUZZ_CHECK(flat.status().code() == parsed.status().code());
    FUZZ_CHECK(flat.status().message() == parsed.status().message());
  }
  nlohmann::json plain = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!parsed.ok()) {
    mp::Errc code = parsed.status().code();
    FUZZ_CHECK(code == mp::Errc::kInvalidJson || code == mp::Errc::kDuplicateJsonKey ||
               code == mp::Errc::kLimitExceeded);
    // Refusing what nlohmann accepts needs a reason: a duplicate, a limit, or a NUL byte
    // (which nlohmann takes for the end of input).
    if (!plain.is_discarded() && in.find('\0') == std::string_view::npos) {
      FUZZ_CHECK(code != mp::Errc::kInvalidJson);
    }
    return 0;
  }

  std::string dumped = mp::DumpJson(*parsed);
  // Numbers may print longer than they were written ("1e5" -> "100000.0"): lift the size limit.
  auto again = mp::ParseStrictJson(
      dumped, {.max_bytes = std::numeric_limits<size_t>::max(), .max_depth = limits.max_depth});
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *parsed);
  FUZZ_CHECK(mp::DumpJson(*again) == dumped);

  FUZZ_CHECK(!plain.is_discarded());
  FUZZ_CHECK(plain == *parsed);
  FUZZ_CHECK(mp::DumpJson(plain) == dumped);  // same number types, not just equal values

  if (parsed->is_object()) {
    FUZZ_CHECK(mp::ParseStrictJsonObject(in).ok());
    for (const char* name : {"alg", "kid", "iss", "aud"}) {
      auto member = mp::GetStringMember(*parsed, name);
      FUZZ_CHECK(member.ok() == (parsed->contains(name) && (*parsed)[name].is_string()));
    }
  }
  return 0;
}
