#include "core/json.h"

#include <vector>

namespace mp {
namespace {

// Builds the DOM like nlohmann's own SAX DOM parser, and refuses duplicates and excess depth.
class StrictSax final : public nlohmann::json::json_sax_t {
 public:
  StrictSax(nlohmann::json& root, int max_depth) : root_(root), max_depth_(max_depth) {}

  bool null() override { return Put(nullptr); }
  bool boolean(bool v) override { return Put(v); }
  bool number_integer(number_integer_t v) override { return Put(v); }
  bool number_unsigned(number_unsigned_t v) override { return Put(v); }
  bool number_float(number_float_t v, const string_t&) override { return Put(v); }
  bool string(string_t& v) override { return Put(std::move(v)); }
  bool binary(binary_t&) override { return Fail(Errc::kInvalidJson, "binary values are not JSON"); }

  bool start_object(std::size_t) override { return Open(nlohmann::json::value_t::object); }
  bool key(string_t& k) override {
    nlohmann::json& obj = *stack_.back();
    if (obj.contains(k)) return Fail(Errc::kDuplicateJsonKey, "duplicate member \"" + k + "\"");
    pending_ = &obj[k];
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(nlohmann::json::value_t::array); }
  bool end_array() override { return Close(); }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    if (status_.ok()) {
      std::string what = ex.what();
      // nlohmann's text starts with "[json.exception.parse_error.101] parse error at line 1, ...".
      auto pos = what.find("] ");
      if (pos != std::string::npos) what = what.substr(pos + 2);
      status_ = Status(Errc::kInvalidJson,
                       "invalid JSON at byte " + std::to_string(position) + ": " + what);
    }
    return false;
  }

  const Status& status() const { return status_; }

 private:
  bool Fail(Errc code, std::string msg) {
    if (status_.ok()) status_ = Status(code, std::move(msg));
    return false;
  }
  nlohmann::json* Slot() {
    if (stack_.empty()) return &root_;
    nlohmann::json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(nullptr);
      return &top.back();
    }
    return pending_;
  }
  template <typename V>
  bool Put(V&& v) {
    *Slot() = std::forward<V>(v);
    return true;
  }
  bool Open(nlohmann::json::value_t type) {
    if (static_cast<int>(stack_.size()) >= max_depth_) {
      return Fail(Errc::kLimitExceeded,
                  "JSON nesting deeper than " + std::to_string(max_depth_) + " levels");
    }
    nlohmann::json* slot = Slot();
    *slot = nlohmann::json(type);
    stack_.push_back(slot);
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  nlohmann::json& root_;
  int max_depth_;
  std::vector<nlohmann::json*> stack_;
  nlohmann::json* pending_ = nullptr;
  Status status_;
};

}  // namespace

Result<nlohmann::json> ParseStrictJson(std::string_view text, JsonLimits limits) {
  if (text.size() > limits.max_bytes) {
    return Status(Errc::kLimitExceeded, "JSON is " + std::to_string(text.size()) +
                                            " bytes; at most " + std::to_string(limits.max_bytes) +
                                            " allowed");
  }
  // nlohmann's lexer takes a NUL byte for the end of input, so `{}\0<anything>` would parse.
  // A raw NUL is never valid JSON (inside strings control characters must be escaped).
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    return Status(Errc::kInvalidJson,
                  "invalid JSON at byte " + std::to_string(nul + 1) + ": NUL byte");
  }
  nlohmann::json root;
  StrictSax sax(root, limits.max_depth);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &sax,
                                   nlohmann::json::input_format_t::json, /*strict=*/true);
  } catch (const std::exception& e) {
    return Status(Errc::kInvalidJson, std::string("invalid JSON: ") + e.what());
  }
  if (!ok) {
    if (!sax.status().ok()) return sax.status();
    return Status(Errc::kInvalidJson, "invalid JSON");
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
  if (it == obj.end())
    return Status(Errc::kNotFound, "member \"" + std::string(name) + "\" is missing");
  if (!it->is_string()) {
    return Status(Errc::kInvalidJson, "member \"" + std::string(name) + "\" must be a string");
  }
  return it->get<std::string>();
}

}  // namespace mp
