#include "core/json.h"

#include <locale.h>  // newlocale, strtod_l (POSIX / glibc)

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>
#include <unordered_set>
#include <vector>

namespace mp {
namespace {

using Json = nlohmann::json;

// A stack whose first N entries live inline: token documents nest two or three levels, so their
// parse allocates nothing for its stacks; deeper documents spill into the vector.
template <class T, size_t N>
class InlineStack {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& back() { return size_ <= N ? inline_[size_ - 1] : overflow_.back(); }
  void push_back(T value) {
    if (size_ < N) {
      inline_[size_] = std::move(value);
    } else {
      overflow_.push_back(std::move(value));
    }
    ++size_;
  }
  void pop_back() {
    if (size_ > N) {
      overflow_.pop_back();
    } else {
      inline_[size_ - 1] = T();
    }
    --size_;
  }

 private:
  std::array<T, N> inline_{};
  std::vector<T> overflow_;
  size_t size_ = 0;
};

// A strict RFC 8259 parser, one grammar for two kinds of result (the Builder): the nlohmann::json
// DOM of ParseStrictJson, and the flat JsonDocument of the token hot path.
//
// Why not nlohmann's own parser: it costs ~2x more on a token payload (its lexer copies every
// byte into a token buffer for error messages), it takes a NUL byte for the end of input, and
// duplicate keys need a second lookup per member through its SAX interface. This parser accepts
// exactly the documents nlohmann accepts, with the same values and number types (unsigned for
// non-negative integers, signed for negative ones, double otherwise or on overflow), except
// that it refuses duplicate member names, nesting beyond the limit and NUL bytes.
// fuzz/json_fuzz.cc checks that equivalence differentially, for both builders.
//
// Nesting is handled with an explicit stack, never recursion, so hostile depth cannot overflow
// the C++ stack whatever limit the caller sets.
//
// A Builder receives, in document order:
//   void BeginContainer(bool is_object);
//   void EndContainer();
//   bool Key(std::string_view name, bool in_text, Status* error);   false: duplicate member
//   void String(std::string_view value, bool in_text);
//   void Number(const JsonNumber& value);
//   void Literal(JsonDocument::Type type, bool value);
// Strings arrive decoded; `in_text` says the view points into the parsed text itself (no escape
// was decoded), so a builder may keep the view instead of copying.
struct JsonNumber {
  JsonDocument::Type type = JsonDocument::Type::kNumberUnsigned;
  uint64_t u = 0;
  int64_t i = 0;
  double d = 0;
};

template <class Builder>
class StrictParser {
 public:
  StrictParser(std::string_view text, int max_depth, Builder* builder)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(max_depth),
        builder_(builder) {}

  Status Parse();

 private:
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
  bool ParseScalar();
  bool ParseLiteral(std::string_view word, JsonDocument::Type type, bool value);
  bool ParseString(std::string_view* out, bool* in_text);
  bool ParseEscape(std::string* out);
  bool ParseHex4(uint32_t* out);
  bool ParseUtf8Sequence();
  bool ParseNumber();
  bool OpenContainer(bool is_object);

  const char* const begin_;
  const char* p_;
  const char* const end_;
  const int max_depth_;
  Builder* const builder_;
  InlineStack<uint8_t, 8> stack_;  // 1 for each open object, 0 for each open array
  std::string scratch_;            // a string's decoded bytes once it has an escape
  Status status_;
};

template <class Builder>
bool StrictParser<Builder>::FailUnexpected(const char* expected) {
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

template <class Builder>
Status StrictParser<Builder>::Parse() {
  // nlohmann skips a UTF-8 byte order mark at the very start (RFC 8259 §8.1 allows ignoring
  // it); keep that behaviour.
  if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;

  Next next = Next::kValue;
  for (;;) {
    switch (next) {
      case Next::kValue: {
        SkipWhitespace();
        if (!AtEnd() && (*p_ == '{' || *p_ == '[')) {
          const bool is_object = *p_ == '{';
          if (!OpenContainer(is_object)) return status_;
          ++p_;
          SkipWhitespace();
          if (!AtEnd() && *p_ == (is_object ? '}' : ']')) {  // empty container
            ++p_;
            stack_.pop_back();
            builder_->EndContainer();
            next = Next::kAfterValue;
          } else {
            next = is_object ? Next::kMemberName : Next::kValue;
          }
          break;
        }
        if (!ParseScalar()) return status_;
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
        const bool is_object = stack_.back() != 0;
        if (!AtEnd() && *p_ == ',') {
          ++p_;
          next = is_object ? Next::kMemberName : Next::kValue;
        } else if (!AtEnd() && *p_ == (is_object ? '}' : ']')) {
          ++p_;
          stack_.pop_back();
          builder_->EndContainer();
        } else {
          FailUnexpected(is_object ? "',' or '}'" : "',' or ']'");
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
        std::string_view name;
        bool in_text = false;
        if (!ParseString(&name, &in_text)) return status_;
        SkipWhitespace();
        if (AtEnd() || *p_ != ':') {
          FailUnexpected("':'");
          return status_;
        }
        ++p_;
        if (!builder_->Key(name, in_text, &status_)) return status_;
        next = Next::kValue;
        break;
      }
    }
  }
}

template <class Builder>
bool StrictParser<Builder>::OpenContainer(bool is_object) {
  if (static_cast<int>(stack_.size()) >= max_depth_) {
    status_ = Status(Errc::kLimitExceeded,
                     "JSON nesting deeper than " + std::to_string(max_depth_) + " levels");
    return false;
  }
  builder_->BeginContainer(is_object);
  stack_.push_back(is_object ? 1 : 0);
  return true;
}

template <class Builder>
bool StrictParser<Builder>::ParseScalar() {
  if (AtEnd()) return FailUnexpected("a value");
  using Type = JsonDocument::Type;
  switch (*p_) {
    case '"': {
      std::string_view s;
      bool in_text = false;
      if (!ParseString(&s, &in_text)) return false;
      builder_->String(s, in_text);
      return true;
    }
    case 't':
      return ParseLiteral("true", Type::kBoolean, true);
    case 'f':
      return ParseLiteral("false", Type::kBoolean, false);
    case 'n':
      return ParseLiteral("null", Type::kNull, false);
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
      return ParseNumber();
    default:
      return FailUnexpected("a value");
  }
}

template <class Builder>
bool StrictParser<Builder>::ParseLiteral(std::string_view word, JsonDocument::Type type,
                                         bool value) {
  if (static_cast<size_t>(end_ - p_) < word.size() ||
      std::memcmp(p_, word.data(), word.size()) != 0) {
    return Fail("invalid literal; expected '" + std::string(word) + "'");
  }
  p_ += word.size();
  builder_->Literal(type, value);
  return true;
}

// The bytes of `w` (8 bytes read little-endian) that are '"', '\\', a control character
// (< 0x20) or not ASCII (>= 0x80), as the high bit of each: the bytes a string scan must stop at.
// The classic SWAR has-zero-byte and has-less-than tricks: their borrows only ever add bits above
// a true hit, so the lowest set bit always marks a real one, the first in memory order.
inline uint64_t StringSpecialMask(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  return has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')) |
         ((w - kOnes * 0x20) & ~w & kHigh) | (w & kHigh);
}

// RFC 8259 §7. `p_` is at the opening quote. Until the first escape the string is a view of the
// text (`*in_text`); from there on its decoded bytes are built in scratch_.
template <class Builder>
bool StrictParser<Builder>::ParseString(std::string_view* out, bool* in_text) {
  ++p_;
  const char* const start = p_;
  bool copying = false;
  for (;;) {
    const char* run = p_;
    // The common case: printable ASCII other than '"' and '\\', 8 bytes at a time, then byte by
    // byte up to the byte that ends the run.
    while (end_ - p_ >= 8) {
      uint64_t w;
      std::memcpy(&w, p_, sizeof w);
      if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
      if (const uint64_t special = StringSpecialMask(w); special != 0) {
        p_ += std::countr_zero(special) / 8;  // the first special byte
        break;
      }
      p_ += 8;
    }
    while (p_ < end_) {
      auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++p_;
    }
    if (copying) scratch_.append(run, static_cast<size_t>(p_ - run));
    if (AtEnd()) return Fail("unterminated string");
    auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      *in_text = !copying;
      *out = copying ? std::string_view(scratch_)
                     : std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      return true;
    }
    if (c == '\\') {
      if (!copying) {
        scratch_.assign(start, static_cast<size_t>(p_ - start));
        copying = true;
      }
      if (!ParseEscape(&scratch_)) return false;
    } else if (c < 0x20) {
      return Fail("control character in a string must be escaped");
    } else {
      const char* seq = p_;
      if (!ParseUtf8Sequence()) return false;
      if (copying) scratch_.append(seq, static_cast<size_t>(p_ - seq));
    }
  }
}

template <class Builder>
bool StrictParser<Builder>::ParseHex4(uint32_t* out) {
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
template <class Builder>
bool StrictParser<Builder>::ParseEscape(std::string* out) {
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
template <class Builder>
bool StrictParser<Builder>::ParseUtf8Sequence() {
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
  p_ += n;
  return true;
}

// strtod in the "C" locale, whatever the process locale is.
double StrtodC(const std::string& text) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  return strtod_l(text.c_str(), nullptr, c_locale);
}

// RFC 8259 §6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
template <class Builder>
bool StrictParser<Builder>::ParseNumber() {
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
      // number_unsigned, as nlohmann
      builder_->Number(JsonNumber{.type = JsonDocument::Type::kNumberUnsigned, .u = magnitude});
      return true;
    }
    if (!overflow && magnitude <= kInt64MinMagnitude) {
      const int64_t v = magnitude == kInt64MinMagnitude ? std::numeric_limits<int64_t>::min()
                                                        : -static_cast<int64_t>(magnitude);
      builder_->Number(JsonNumber{.type = JsonDocument::Type::kNumberInteger, .i = v});
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
  builder_->Number(JsonNumber{.type = JsonDocument::Type::kNumberFloat, .d = value});
  return true;
}

Status DuplicateMember(std::string_view name) {
  std::string shown =
      name.size() > 100 ? std::string(name.substr(0, 100)) + "..." : std::string(name);
  return Status(Errc::kDuplicateJsonKey, "duplicate member \"" + shown + "\"");
}

Status CheckSize(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status(Errc::kLimitExceeded, "JSON is " + std::to_string(text.size()) +
                                            " bytes; at most " + std::to_string(limits.max_bytes) +
                                            " allowed");
  }
  return OkStatus();
}

// Builds the nlohmann::json DOM of ParseStrictJson.
class DomBuilder {
 public:
  explicit DomBuilder(Json* root) : root_(root) {}

  void BeginContainer(bool is_object) {
    Json* slot = Slot();
    *slot = Json(is_object ? Json::value_t::object : Json::value_t::array);
    open_.push_back(slot);
  }
  void EndContainer() { open_.pop_back(); }
  bool Key(std::string_view name, bool /*in_text*/, Status* error) {
    auto& object = open_.back()->get_ref<Json::object_t&>();
    auto [it, inserted] = object.try_emplace(std::string(name));
    if (!inserted) {
      *error = DuplicateMember(name);
      return false;
    }
    member_ = &it->second;
    return true;
  }
  void String(std::string_view value, bool /*in_text*/) { *Slot() = std::string(value); }
  void Number(const JsonNumber& n) {
    Json* slot = Slot();
    switch (n.type) {
      case JsonDocument::Type::kNumberUnsigned:
        *slot = n.u;
        break;
      case JsonDocument::Type::kNumberInteger:
        *slot = n.i;
        break;
      default:
        *slot = n.d;
        break;
    }
  }
  void Literal(JsonDocument::Type type, bool value) {
    *Slot() = type == JsonDocument::Type::kNull ? Json(nullptr) : Json(value);
  }

 private:
  // Where the next value goes: the root, a new array element, or the member just named.
  // An element pointer stays valid while it is open: its array grows only after it closes.
  Json* Slot() {
    if (open_.empty()) return root_;
    Json* top = open_.back();
    if (top->is_array()) return &top->get_ref<Json::array_t&>().emplace_back();
    return member_;
  }

  Json* const root_;
  InlineStack<Json*, 8> open_;
  Json* member_ = nullptr;
};

}  // namespace

// Builds a JsonDocument's nodes.
class JsonDocument::Builder {
 public:
  explicit Builder(JsonDocument* doc) : doc_(doc) {
    // A typical token payload has a node per 8 bytes or so; growth handles the rest.
    doc_->nodes_.reserve(doc_->text_.size() / 8 + 4);
  }

  void BeginContainer(bool is_object) {
    open_.push_back(Frame{.node = Size(), .members = 0, .names = nullptr});
    Add(is_object ? Type::kObject : Type::kArray);  // its next comes at the close
  }
  void EndContainer() {
    doc_->nodes_[open_.back().node].next = Size();
    open_.pop_back();
  }
  bool Key(std::string_view name, bool in_text, Status* error) {
    Frame& f = open_.back();
    // Up to kLinear members, a scan of the names so far (no allocation); beyond, a hash set, so
    // a hostile object with many members costs linear time.
    constexpr size_t kLinear = 16;
    const std::vector<Node>& nodes = doc_->nodes_;
    if (f.members < kLinear) {
      for (Index k = f.node + 1; k < Size(); k = nodes[k + 1].next) {
        if (nodes[k].value.s.size == name.size() && doc_->String(k) == name) {
          *error = DuplicateMember(name);
          return false;
        }
      }
    } else if (f.names == nullptr) {
      f.names = std::make_unique<std::unordered_set<std::string_view>>();
      for (Index k = f.node + 1; k < Size(); k = nodes[k + 1].next) {
        f.names->insert(doc_->String(k));
      }
    }
    AddString(name, in_text);
    // The view stays valid: text_ does not change, and side_ never reallocates while parsing.
    if (f.names != nullptr && !f.names->insert(doc_->String(Size() - 1)).second) {
      *error = DuplicateMember(name);
      return false;
    }
    ++f.members;
    return true;
  }
  void String(std::string_view value, bool in_text) { AddString(value, in_text); }
  void Number(const JsonNumber& n) {
    Node& node = Add(n.type);
    if (n.type == Type::kNumberUnsigned) {
      node.value.u = n.u;
    } else if (n.type == Type::kNumberInteger) {
      node.value.i = n.i;
    } else {
      node.value.d = n.d;
    }
  }
  void Literal(Type type, bool value) { Add(type).value.b = value; }

 private:
  struct Frame {
    Index node = 0;
    size_t members = 0;
    std::unique_ptr<std::unordered_set<std::string_view>> names;
  };

  Index Size() const { return static_cast<Index>(doc_->nodes_.size()); }
  // Offsets fit: Parse refuses text of kNone bytes or more.
  static uint32_t Offset32(size_t offset) { return static_cast<uint32_t>(offset); }

  // A new node, filled in place; a scalar's subtree is itself.
  Node& Add(Type type) {
    Node& node = doc_->nodes_.emplace_back();
    node.type = type;
    node.next = Size();
    return node;
  }

  void AddString(std::string_view value, bool in_text) {
    if (in_text) {
      Node& node = Add(Type::kString);
      node.value.s = {Offset32(static_cast<size_t>(value.data() - doc_->text_.data())),
                      Offset32(value.size())};
      return;
    }
    std::string& side = doc_->side_;
    // Decoded strings are never longer than their escaped text, so this one reservation holds
    // every string of the document and the views into side_ never move.
    if (side.capacity() < doc_->text_.size()) side.reserve(doc_->text_.size());
    Node& node = Add(Type::kString);
    node.in_side = true;
    node.value.s = {Offset32(side.size()), Offset32(value.size())};
    side.append(value);
  }

  JsonDocument* const doc_;
  InlineStack<Frame, 8> open_;
};

Result<nlohmann::json> ParseStrictJson(std::string_view text, JsonLimits limits) {
  MP_RETURN_IF_ERROR(CheckSize(text, limits));
  nlohmann::json root;
  try {
    DomBuilder builder(&root);
    StrictParser<DomBuilder> parser(text, limits.max_depth, &builder);
    MP_RETURN_IF_ERROR(parser.Parse());
  } catch (const std::exception& e) {  // allocation failure: nothing else throws here
    return Status(Errc::kInvalidJson, std::string("invalid JSON: ") + e.what());
  }
  return root;
}

Result<JsonDocument> JsonDocument::Parse(std::string text, JsonLimits limits) {
  MP_RETURN_IF_ERROR(CheckSize(text, limits));
  if (text.size() >= kNone) {
    return Status(Errc::kLimitExceeded, "JSON is " + std::to_string(text.size()) +
                                            " bytes; a JsonDocument holds less "
                                            "than 4 GiB");
  }
  JsonDocument doc;
  doc.text_ = std::move(text);
  try {
    Builder builder(&doc);
    StrictParser<Builder> parser(doc.text_, limits.max_depth, &builder);
    MP_RETURN_IF_ERROR(parser.Parse());
  } catch (const std::exception& e) {  // allocation failure: nothing else throws here
    return Status(Errc::kInvalidJson, std::string("invalid JSON: ") + e.what());
  }
  return doc;
}

JsonDocument::Index JsonDocument::Find(Index object, std::string_view name) const {
  if (nodes_[object].type != Type::kObject) return kNone;
  for (Index k = object + 1; k < nodes_[object].next; k = nodes_[k + 1].next) {
    if (nodes_[k].value.s.size == name.size() && String(k) == name) return k + 1;
  }
  return kNone;
}

JsonDocument::Index JsonDocument::First(Index container) const {
  const Node& c = nodes_[container];
  if ((c.type != Type::kObject && c.type != Type::kArray) || c.next == container + 1) return kNone;
  return container + 1;
}

JsonDocument::Index JsonDocument::Next(Index container, Index child) const {
  // A member name is followed by its value; the next name comes after the value.
  Index after =
      nodes_[container].type == Type::kObject ? nodes_[child + 1].next : nodes_[child].next;
  return after < nodes_[container].next ? after : kNone;
}

std::string_view JsonDocument::String(Index i) const {
  const Node& n = nodes_[i];
  // In range by construction: the builder recorded offsets of bytes it saw.
  return std::string_view((n.in_side ? side_ : text_).data() + n.value.s.offset, n.value.s.size);
}

const char* JsonDocument::TypeName(Index i) const {
  switch (nodes_[i].type) {
    case Type::kNull:
      return "null";
    case Type::kBoolean:
      return "boolean";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
    default:
      return "number";
  }
}

nlohmann::json JsonDocument::ToJson(Index i) const {
  // Built from the nodes with an explicit stack (nesting is only bounded by the parse's limit).
  // Each container's slots are made before its children are filled: array elements by one
  // resize, object members by map insertion, so the pointers kept here stay valid.
  nlohmann::json root;
  struct Pending {
    Index node;
    nlohmann::json* out;
  };
  std::vector<Pending> todo{{i, &root}};
  while (!todo.empty()) {
    const Pending p = todo.back();
    todo.pop_back();
    nlohmann::json& out = *p.out;
    switch (type(p.node)) {
      case Type::kNull:
        out = nullptr;
        break;
      case Type::kBoolean:
        out = Boolean(p.node);
        break;
      case Type::kNumberUnsigned:
        out = Unsigned(p.node);
        break;
      case Type::kNumberInteger:
        out = Integer(p.node);
        break;
      case Type::kNumberFloat:
        out = Float(p.node);
        break;
      case Type::kString:
        out = std::string(String(p.node));
        break;
      case Type::kArray: {
        out = nlohmann::json::array();
        auto& elements = out.get_ref<nlohmann::json::array_t&>();
        size_t n = 0;
        for (Index e = First(p.node); e != kNone; e = Next(p.node, e)) ++n;
        elements.resize(n);
        n = 0;
        for (Index e = First(p.node); e != kNone; e = Next(p.node, e)) {
          todo.push_back({e, &elements[n++]});
        }
        break;
      }
      case Type::kObject: {
        out = nlohmann::json::object();
        for (Index k = First(p.node); k != kNone; k = Next(p.node, k)) {
          todo.push_back({k + 1, &out[std::string(String(k))]});
        }
        break;
      }
    }
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
