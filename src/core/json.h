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
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "maskinporten/core_export.h"
#include "maskinporten/status.h"

namespace mp {

struct MP_CORE_EXPORT JsonLimits {
  size_t max_bytes = 1 << 20;
  int max_depth = 32;
};

MP_CORE_EXPORT Result<nlohmann::json> ParseStrictJson(std::string_view text,
                                                      JsonLimits limits = {});
// Same, and the top-level value must be an object.
MP_CORE_EXPORT Result<nlohmann::json> ParseStrictJsonObject(std::string_view text,
                                                            JsonLimits limits = {});

// Compact serialisation; invalid UTF-8 in strings is replaced rather than throwing.
MP_CORE_EXPORT std::string DumpJson(const nlohmann::json& value);

// Typed member access for parsed objects; messages name the member.
MP_CORE_EXPORT Result<std::string> GetStringMember(const nlohmann::json& obj,
                                                   std::string_view name);

// A strictly parsed JSON document kept as one flat array of nodes, for the token hot path (JWS
// headers, claims). The parser is ParseStrictJson's own, with the same limits and rules, so the
// same documents are accepted and refused with the same codes; but nothing is allocated per
// value: strings are views into the document's copy of the text, or into one side buffer when
// they had escapes, and members are found by a scan (token objects have a dozen members).
//
// Nodes are numbered in document order from kRoot; a container's children follow it, and an
// object's children are name, value pairs:
//
//   MP_ASSIGN_OR_RETURN(JsonDocument doc, JsonDocument::Parse(std::move(payload)));
//   JsonDocument::Index iss = doc.Find(JsonDocument::kRoot, "iss");
//   if (iss != JsonDocument::kNone && doc.type(iss) == JsonDocument::Type::kString) ...
class MP_CORE_EXPORT JsonDocument {
 public:
  // nlohmann's value types, with the same number rules: unsigned for non-negative integers,
  // signed for negative ones, float otherwise or beyond 64 bits.
  enum class Type : uint8_t {
    kNull,
    kBoolean,
    kNumberUnsigned,
    kNumberInteger,
    kNumberFloat,
    kString,
    kArray,
    kObject,
  };
  using Index = uint32_t;
  static constexpr Index kRoot = 0;
  static constexpr Index kNone = std::numeric_limits<Index>::max();

  static Result<JsonDocument> Parse(std::string text, JsonLimits limits = {});

  Type type(Index i) const { return nodes_[i].type; }
  // The value of member `name` of object `object`, or kNone.
  Index Find(Index object, std::string_view name) const;
  // A container's children in order: First gives the first (kNone when empty), Next the one
  // after `child` (kNone after the last). An object's children are its member names; the value
  // of the name at `k` is at k + 1.
  Index First(Index container) const;
  Index Next(Index container, Index child) const;
  // The decoded value of a string or member name.
  std::string_view String(Index i) const;
  uint64_t Unsigned(Index i) const { return nodes_[i].value.u; }
  int64_t Integer(Index i) const { return nodes_[i].value.i; }
  double Float(Index i) const { return nodes_[i].value.d; }
  bool Boolean(Index i) const { return nodes_[i].value.b; }
  // nlohmann's type_name(): "null", "boolean", "number", "string", "array" or "object".
  const char* TypeName(Index i) const;
  // The value as ParseStrictJson gives it (the same types and values), for serialising and for
  // the rare reader that wants a DOM.
  nlohmann::json ToJson(Index i) const;
  // The parsed text itself, moved out when the caller keeps it after reading (a JWS header);
  // the document is empty afterwards.
  std::string ReleaseText() && {
    nodes_.clear();
    side_.clear();
    return std::move(text_);
  }

 private:
  class Builder;
  struct Node {
    Type type = Type::kNull;
    bool in_side = false;  // a string whose decoded bytes are in side_, not in text_
    uint32_t next = 0;     // the index after this node and everything inside it
    union {
      uint64_t u;
      int64_t i;
      double d;
      bool b;
      struct {
        uint32_t offset;
        uint32_t size;
      } s;
    } value{};
  };
  std::string text_;
  std::string side_;  // decoded strings that had escapes; never reallocated while parsing
  std::vector<Node> nodes_;
};

}  // namespace mp

#endif  // MASKINPORTEN_CORE_JSON_H_
