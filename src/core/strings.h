// Small string rules every layer needs, written once: digit and UTF-8 checks, ASCII case, and
// the one way a message quotes a value it did not make.
//
//   if (!mp::IsDigits(code)) return Status(Errc::kInvalidArgument, mp::Quote(code) + " is not
//   digits");                                   // "\"12\\u0007...\" is not digits", bounded
//   std::string name = mp::AsciiLower(header);  // "Content-Type" -> "content-type"
//
// Prefix tests need no helper: std::string_view::starts_with (C++20).
#ifndef MASKINPORTEN_CORE_STRINGS_H_
#define MASKINPORTEN_CORE_STRINGS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "maskinporten/core_export.h"

namespace mp {

// Non-empty and every byte an ASCII digit 0-9.
MP_CORE_EXPORT bool IsDigits(std::string_view text);

// 'A'-'Z' mapped to 'a'-'z'; every other byte kept, whatever the locale.
constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
MP_CORE_EXPORT std::string AsciiLower(std::string_view text);
// Equal when ASCII letters are compared without case (RFC 9110 field names, URL schemes).
MP_CORE_EXPORT bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);

// The words of `text`: split on space, tab, CR and LF, empty ones dropped. For text a person
// typed (a flag, an environment variable); a protocol's scope value is split by ScopeSet.
MP_CORE_EXPORT std::vector<std::string_view> SplitAsciiWhitespace(std::string_view text);

// Contains a byte below 0x20 or 0x7f.
MP_CORE_EXPORT bool HasControlCharacter(std::string_view text);

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
MP_CORE_EXPORT bool IsValidUtf8(std::string_view text);

// 8-4-4-4-12 hexadecimal digits (either case) with dashes: a UUID as jti, client_id, consent id
// and call ids are written.
MP_CORE_EXPORT bool IsUuid(std::string_view text);

// `text` for a message: a JSON string (RFC 8259: quotes, backslash and control characters
// escaped; invalid UTF-8 replaced by U+FFFD), so a value from outside cannot forge the rest of
// the message or a log line. Text longer than `max` bytes is cut to at most `max` bytes (never
// inside a UTF-8 sequence) and "..." is added inside the quotes:
//   Quote("a\"b")        -> "\"a\\\"b\""
//   Quote("abcdef", 3)   -> "\"abc...\""
MP_CORE_EXPORT std::string Quote(std::string_view text, size_t max = 100);

}  // namespace mp

#endif  // MASKINPORTEN_CORE_STRINGS_H_
