// Fuzzes the strict JSON parser (src/core/json.h). Properties:
//   - only the documented error codes come out;
//   - whatever is accepted serialises (DumpJson) and parses again to an equal value;
//   - whatever is accepted is also accepted, with the same value, by plain nlohmann parsing
//     (strictness may only remove documents, never change their meaning);
//   - whatever nlohmann accepts is accepted too, unless it has a duplicate member, exceeds a
//     limit or contains a NUL byte (the parser is our own; nlohmann is the reference);
//   - JsonDocument, the flat parse of the token hot path, gives the same verdict and message,
//     and when it accepts, the same value read back through its node accessors.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "core/json.h"
#include "fuzz_check.h"

namespace {

using Type = mp::JsonDocument::Type;

// The value at `i`, rebuilt from the accessors alone (depth is bounded by the limit).
nlohmann::json Walk(const mp::JsonDocument& doc, mp::JsonDocument::Index i) {
  switch (doc.type(i)) {
    case Type::kNull:
      return nullptr;
    case Type::kBoolean:
      return doc.Boolean(i);
    case Type::kNumberUnsigned:
      return doc.Unsigned(i);
    case Type::kNumberInteger:
      return doc.Integer(i);
    case Type::kNumberFloat:
      return doc.Float(i);
    case Type::kString:
      return std::string(doc.String(i));
    case Type::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (auto e = doc.First(i); e != mp::JsonDocument::kNone; e = doc.Next(i, e)) {
        a.push_back(Walk(doc, e));
      }
      return a;
    }
    case Type::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (auto k = doc.First(i); k != mp::JsonDocument::kNone; k = doc.Next(i, k)) {
        FUZZ_CHECK(doc.Find(i, doc.String(k)) == k + 1);
        o[std::string(doc.String(k))] = Walk(doc, k + 1);
      }
      return o;
    }
  }
  return nlohmann::json();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const mp::JsonLimits limits;

  auto parsed = mp::ParseStrictJson(in, limits);
  auto flat = mp::JsonDocument::Parse(std::string(in), limits);
  FUZZ_CHECK(flat.ok() == parsed.ok());
  if (parsed.ok()) {
    nlohmann::json walked = Walk(*flat, mp::JsonDocument::kRoot);
    FUZZ_CHECK(walked == *parsed);
    FUZZ_CHECK(mp::DumpJson(walked) == mp::DumpJson(*parsed));
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
