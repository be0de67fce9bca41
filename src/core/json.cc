#include "core/json.h"

#include <locale.h>  // newlocale, strtod_l (POSIX / glibc)

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>
#include <vector>

namespace mp {
namespace {

using Json = nlohmann::json;

// A strict RFC 8259 parser that builds the nlohmann::json DOM directly.
//
// Why not nlohmann's own parser: it costs ~2x more on a token payload (its lexer copies every
// byte into a token buffer for error messages), it takes a NUL byte for the end of input, and
// duplicate keys need a second lookup per member through its SAX interface. This parser accepts
// exactly the documents nlohmann accepts, with the same values and number types (unsigned for
// non-negative integers, signed for negative ones, double otherwise or on overflow), except
// that it refuses duplicate member names, nesting beyond the limit and NUL bytes.
// fuzz/json_fuzz.cc checks that equivalence differentially.
//
// Nesting is handled with an explicit stack, never recursion, so hostile depth cannot overflow
// the C++ stack whatever limit the caller sets.
class StrictParser {
 public:
  StrictParser(std::string_view text, int max_depth)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(max_depth) {}

  Status Parse(Json* root);

 private:
  struct Frame {
    Json* container;
    bool is_object;
  };
  enum class Next { kValue, kAfterValue, kMemberName };

  size_t Offset() const { return static_cast<size_t>(p_ - begin_); }
  bool AtEnd() const { return p_ == end_; }

  bool Fail(std::string what) {
    status_ = Status(Errc::kInvalidJson,
                     "invalid JSON at byte " + std::to_string(Offset()) + ": " + what);
    return false;
  }
  bool FailUnexpected(const char* expected);

  void SkipWhitespace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // Each Parse* consumes one token and returns false (with status_ set) on error.
  bool ParseScalar(Json* out);
  bool ParseLiteral(std::string_view word, Json value, Json* out);
  bool ParseString(std::string* out);
  bool ParseEscape(std::string* out);
  bool ParseHex4(uint32_t* out);
  bool ParseUtf8Sequence(std::string* out);
  bool ParseNumber(Json* out);
  bool OpenContainer(Json* slot, bool is_object);

  const char* const begin_;
  const char* p_;
  const char* const end_;
  const int max_depth_;
  std::vector<Frame> stack_;
  Status status_;
};

bool StrictParser::FailUnexpected(const char* expected) {
  if (AtEnd()) return Fail(std::string("unexpected end of input; expected ") + expected);
  auto c = static_cast<unsigned char>(*p_);
  std::string seen;
  if (c >= 0x20 && c < 0x7f) {
    seen = std::string("'") + static_cast<char>(c) + "'";
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    seen = std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
  }
  return Fail("unexpected " + seen + "; expected " + expected);
}

Status StrictParser::Parse(Json* root) {
  // nlohmann skips a UTF-8 byte order mark at the very start (RFC 8259 §8.1 allows ignoring
  // it); keep that behaviour.
  if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  stack_.reserve(static_cast<size_t>(std::min(max_depth_ < 0 ? 0 : max_depth_, 16)));

  Json* slot = root;  // where the next value goes
  Next next = Next::kValue;
  for (;;) {
    switch (next) {
      case Next::kValue: {
        SkipWhitespace();
        if (!AtEnd() && (*p_ == '{' || *p_ == '[')) {
          const bool is_object = *p_ == '{';
          if (!OpenContainer(slot, is_object)) return status_;
          ++p_;
          SkipWhitespace();
          if (!AtEnd() && *p_ == (is_object ? '}' : ']')) {  // empty container
            ++p_;
            stack_.pop_back();
            next = Next::kAfterValue;
          } else if (is_object) {
            next = Next::kMemberName;
          } else {
            auto& array = slot->get_ref<Json::array_t&>();
            slot = &array.emplace_back();
          }
          break;
        }
        if (!ParseScalar(slot)) return status_;
        next = Next::kAfterValue;
        break;
      }
      case Next::kAfterValue: {
        SkipWhitespace();
        if (stack_.empty()) {
          if (!AtEnd()) {
            FailUnexpected("the end of input after the top-level value");
            return status_;
          }
          return OkStatus();
        }
        const Frame& top = stack_.back();
        if (!AtEnd() && *p_ == ',') {
          ++p_;
          if (top.is_object) {
            next = Next::kMemberName;
          } else {
            slot = &top.container->get_ref<Json::array_t&>().emplace_back();
            next = Next::kValue;
          }
        } else if (!AtEnd() && *p_ == (top.is_object ? '}' : ']')) {
          ++p_;
          stack_.pop_back();
        } else {
          FailUnexpected(top.is_object ? "',' or '}'" : "',' or ']'");
          return status_;
        }
        break;
      }
      case Next::kMemberName: {
        SkipWhitespace();
        if (AtEnd() || *p_ != '"') {
          FailUnexpected("a member name string");
          return status_;
        }
        std::string name;
        if (!ParseString(&name)) return status_;
        SkipWhitespace();
        if (AtEnd() || *p_ != ':') {
          FailUnexpected("':'");
          return status_;
        }
        ++p_;
        auto& object = stack_.back().container->get_ref<Json::object_t&>();
        auto [it, inserted] = object.try_emplace(std::move(name));
        if (!inserted) {
          // `name` was not moved from when nothing was inserted.
          std::string shown = it->first.size() > 100 ? it->first.substr(0, 100) + "..." : it->first;
          return Status(Errc::kDuplicateJsonKey, "duplicate member \"" + shown + "\"");
        }
        slot = &it->second;
        next = Next::kValue;
        break;
      }
    }
  }
}

bool StrictParser::OpenContainer(Json* slot, bool is_object) {
  if (static_cast<int>(stack_.size()) >= max_depth_) {
    status_ = Status(Errc::kLimitExceeded,
                     "JSON nesting deeper than " + std::to_string(max_depth_) + " levels");
    return false;
  }
  *slot = Json(is_object ? Json::value_t::object : Json::value_t::array);
  stack_.push_back({slot, is_object});
  return true;
}

bool StrictParser::ParseScalar(Json* out) {
  if (AtEnd()) return FailUnexpected("a value");
  switch (*p_) {
    case '"': {
      std::string s;
      if (!ParseString(&s)) return false;
      *out = std::move(s);
      return true;
    }
    case 't':
      return ParseLiteral("true", true, out);
    case 'f':
      return ParseLiteral("false", false, out);
    case 'n':
      return ParseLiteral("null", nullptr, out);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return ParseNumber(out);
    default:
      return FailUnexpected("a value");
  }
}

bool StrictParser::ParseLiteral(std::string_view word, Json value, Json* out) {
  if (static_cast<size_t>(end_ - p_) < word.size() ||
      std::memcmp(p_, word.data(), word.size()) != 0) {
    return Fail("invalid literal; expected '" + std::string(word) + "'");
  }
  p_ += word.size();
  *out = std::move(value);
  return true;
}

// True when one of the 8 bytes of `w` is '"', '\\', a control character (< 0x20) or not ASCII
// (>= 0x80): the bytes a string scan must stop at. Exact as an "any" test (the classic SWAR
// has-zero-byte and has-less-than tricks, whose borrows only ever add bytes after a true hit).
inline bool HasStringSpecial(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  return (has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')) |
          ((w - kOnes * 0x20) & ~w & kHigh) | (w & kHigh)) != 0;
}

// RFC 8259 §7. `p_` is at the opening quote.
bool StrictParser::ParseString(std::string* out) {
  ++p_;
  for (;;) {
    const char* run = p_;
    // The common case: printable ASCII other than '"' and '\\', 8 bytes at a time, then byte by
    // byte up to the byte that ends the run.
    while (end_ - p_ >= 8) {
      uint64_t w;
      std::memcpy(&w, p_, sizeof w);
      if (HasStringSpecial(w)) break;
      p_ += 8;
    }
    while (p_ < end_) {
      auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++p_;
    }
    out->append(run, static_cast<size_t>(p_ - run));
    if (AtEnd()) return Fail("unterminated string");
    auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      ++p_;
      return true;
    }
    if (c == '\\') {
      if (!ParseEscape(out)) return false;
    } else if (c < 0x20) {
      return Fail("control character in a string must be escaped");
    } else if (!ParseUtf8Sequence(out)) {
      return false;
    }
  }
}

bool StrictParser::ParseHex4(uint32_t* out) {
  if (end_ - p_ < 4) return Fail("\\u needs 4 hex digits");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    char c = p_[i];
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      p_ += i;
      return Fail("\\u needs 4 hex digits");
    }
    v = (v << 4) | d;
  }
  p_ += 4;
  *out = v;
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// `p_` is at the backslash.
bool StrictParser::ParseEscape(std::string* out) {
  ++p_;
  if (AtEnd()) return Fail("unterminated escape");
  char c = *p_++;
  switch (c) {
    case '"':
    case '\\':
    case '/':
      out->push_back(c);
      return true;
    case 'b':
      out->push_back('\b');
      return true;
    case 'f':
      out->push_back('\f');
      return true;
    case 'n':
      out->push_back('\n');
      return true;
    case 'r':
      out->push_back('\r');
      return true;
    case 't':
      out->push_back('\t');
      return true;
    case 'u':
      break;
    default:
      --p_;
      return Fail("invalid escape");
  }
  uint32_t cp = 0;
  if (!ParseHex4(&cp)) return false;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("lone low surrogate \\u escape");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    // RFC 8259 §7: a character outside the BMP is a surrogate pair of two \u escapes.
    if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
      return Fail("high surrogate \\u escape without a low surrogate");
    }
    p_ += 2;
    uint32_t low = 0;
    if (!ParseHex4(&low)) return false;
    if (low < 0xDC00 || low > 0xDFFF) {
      return Fail("high surrogate \\u escape without a low surrogate");
    }
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  AppendUtf8(cp, out);
  return true;
}

// One well-formed UTF-8 sequence of 2-4 bytes (RFC 3629 §4: no overlong forms, no surrogates,
// nothing above U+10FFFF). `p_` is at a byte >= 0x80.
bool StrictParser::ParseUtf8Sequence(std::string* out) {
  auto b = [this](ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
  auto in = [](unsigned char v, unsigned char lo, unsigned char hi) { return v >= lo && v <= hi; };
  const unsigned char c0 = b(0);
  const ptrdiff_t avail = end_ - p_;
  ptrdiff_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (in(c0, 0xC2, 0xDF)) {
    n = 2;
  } else if (in(c0, 0xE0, 0xEF)) {
    n = 3;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;
  } else if (in(c0, 0xF0, 0xF4)) {
    n = 4;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;
  } else {
    return Fail("invalid UTF-8 in a string");
  }
  if (avail < n || !in(b(1), lo, hi)) return Fail("invalid UTF-8 in a string");
  for (ptrdiff_t i = 2; i < n; ++i) {
    if (!in(b(i), 0x80, 0xBF)) return Fail("invalid UTF-8 in a string");
  }
  out->append(p_, static_cast<size_t>(n));
  p_ += n;
  return true;
}

// strtod in the "C" locale, whatever the process locale is.
double StrtodC(const std::string& text) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  return strtod_l(text.c_str(), nullptr, c_locale);
}

// RFC 8259 §6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
bool StrictParser::ParseNumber(Json* out) {
  const char* start = p_;
  auto digit = [this] { return p_ < end_ && *p_ >= '0' && *p_ <= '9'; };
  const bool negative = *p_ == '-';
  if (negative) ++p_;
  const char* int_start = p_;
  if (!digit()) return Fail("invalid number; expected a digit");
  if (*p_ == '0') {
    ++p_;
  } else {
    while (digit()) ++p_;
  }
  const char* int_end = p_;
  bool integer = true;
  if (p_ < end_ && *p_ == '.') {
    ++p_;
    if (!digit()) return Fail("invalid number; expected a digit after '.'");
    while (digit()) ++p_;
    integer = false;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (!digit()) return Fail("invalid number; expected a digit in the exponent");
    while (digit()) ++p_;
    integer = false;
  }

  if (integer) {
    uint64_t magnitude = 0;
    bool overflow = false;
    for (const char* q = int_start; q < int_end; ++q) {
      auto d = static_cast<uint64_t>(*q - '0');
      if (magnitude > (std::numeric_limits<uint64_t>::max() - d) / 10) {
        overflow = true;
        break;
      }
      magnitude = magnitude * 10 + d;
    }
    constexpr uint64_t kInt64MinMagnitude = uint64_t{1} << 63;
    if (!overflow && !negative) {
      *out = magnitude;  // number_unsigned, as nlohmann
      return true;
    }
    if (!overflow && magnitude <= kInt64MinMagnitude) {
      *out = magnitude == kInt64MinMagnitude ? std::numeric_limits<int64_t>::min()
                                             : -static_cast<int64_t>(magnitude);
      return true;
    }
    // Too large for a 64-bit integer: a double, as nlohmann does.
  }

  double value = 0;
  auto [end, ec] = std::from_chars(start, p_, value);
  if (ec == std::errc::result_out_of_range) {
    // from_chars refuses underflow too; strtod gives the nearest (subnormal or zero) value.
    value = StrtodC(std::string(start, p_));
  } else if (ec != std::errc() || end != p_) {
    p_ = start;
    return Fail("invalid number");
  }
  if (!std::isfinite(value)) {
    std::string token(start, std::min<ptrdiff_t>(p_ - start, 64));
    p_ = start;
    return Fail("number overflow: " + token);
  }
  *out = value;
  return true;
}

}  // namespace

Result<nlohmann::json> ParseStrictJson(std::string_view text, JsonLimits limits) {
  if (text.size() > limits.max_bytes) {
    return Status(Errc::kLimitExceeded, "JSON is " + std::to_string(text.size()) +
                                            " bytes; at most " + std::to_string(limits.max_bytes) +
                                            " allowed");
  }
  nlohmann::json root;
  try {
    StrictParser parser(text, limits.max_depth);
    MP_RETURN_IF_ERROR(parser.Parse(&root));
  } catch (const std::exception& e) {  // allocation failure: nothing else throws here
    return Status(Errc::kInvalidJson, std::string("invalid JSON: ") + e.what());
  }
  return root;
}

Result<nlohmann::json> ParseStrictJsonObject(std::string_view text, JsonLimits limits) {
  MP_ASSIGN_OR_RETURN(nlohmann::json v, ParseStrictJson(text, limits));
  if (!v.is_object()) return Status(Errc::kInvalidJson, "expected a JSON object");
  return v;
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> GetStringMember(const nlohmann::json& obj, std::string_view name) {
  auto it = obj.find(name);
  if (it == obj.end()) {
    return Status(Errc::kNotFound, "member \"" + std::string(name) + "\" is missing");
  }
  if (!it->is_string()) {
    return Status(Errc::kInvalidJson, "member \"" + std::string(name) + "\" must be a string");
  }
  return it->get<std::string>();
}

}  // namespace mp
