// JsonDocument (src/core/json.h): the flat strict parse of the token hot path. Its parser is
// ParseStrictJson's own, so the tests here hold it to that: for every document, the same
// verdict (code and message) and, when accepted, the same value, rebuilt by ToJson from the
// node accessors.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "core/json.h"

namespace mp {
namespace {

using nlohmann::json;
using Type = JsonDocument::Type;
constexpr JsonDocument::Index kNone = JsonDocument::kNone;

// Both parses of `text` agree: verdict, message, and (same number types included) value.
void ExpectAgrees(const std::string& text, JsonLimits limits = {}) {
  SCOPED_TRACE(text.substr(0, 200));
  Result<json> dom = ParseStrictJson(text, limits);
  Result<JsonDocument> doc = JsonDocument::Parse(text, limits);
  ASSERT_EQ(dom.ok(), doc.ok()) << dom.status().ToString() << " / " << doc.status().ToString();
  if (!dom.ok()) {
    EXPECT_EQ(dom.status().code(), doc.status().code());
    EXPECT_EQ(dom.status().message(), doc.status().message());
    return;
  }
  // ToJson rebuilds the value from the node accessors alone, so this compares the nodes.
  json rebuilt = doc->ToJson(JsonDocument::kRoot);
  EXPECT_EQ(rebuilt, *dom);
  EXPECT_EQ(DumpJson(rebuilt), DumpJson(*dom));  // number types too, not only equal values
}

TEST(JsonDocument, AgreesWithParseStrictJsonOnValuesAndRefusals) {
  const std::vector<std::string> docs = {
      // Values of every type, nesting, empty containers, whitespace, a byte order mark.
      R"({"n":null,"t":true,"f":false,"i":-5,"u":18446744073709551615,"d":1.5,"s":"x",)"
      R"("a":[1,"2",[3]],"o":{}})",
      "42", "-0", "0.0", "1e2", "-9223372036854775808", "-9223372036854775809",
      "18446744073709551616", "\"s\"", "null", " [ ] ", " { } ", "[[],{},[[]]]",
      "\xEF\xBB\xBF{\"bom\":1}", "{ \"a\" :\t[ 1 ,\n2 ]\r}",
      // Escapes in names and values (decoded into the side buffer), and UTF-8.
      R"({"\u0061\n":"x\"y\\z\/\b\f\n\r\t","k":"\ud83d\udd11","\u00e6":"ø","p":"plain"})",
      "{\"utf8\":\"\xC3\xA6\xE2\x82\xAC\xF0\x9F\x94\x91\"}",
      // Refusals: duplicates (also after unescaping and deep down), syntax, numbers, UTF-8.
      R"({"iss":"a","iss":"b"})", R"({"a":1,"\u0061":2})", R"({"\/":1,"/":2})",
      R"({"a":[{"x":1},{"y":1,"y":1}]})", R"({"a":{"b":{"c":{"d":1,"e":2,"d":3}}}})",
      R"({"a":1,"b":{},"a":2})", R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})", "{\"a\":1,}",
      "[1,]", "{\"a\" 1}", "{\"a\":1", "[1 2]", "01", "1.", "1e", "-", "+1", "1e400", "\"\\x\"",
      "\"\\u12\"", "\"\\udc00\"", "\"\\ud800\"", "\"a\x01\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"",
      "\"\xF4\x90\x80\x80\"", "tru", "nul", "[1]x", "", " ", std::string("{\"a\":\"\0\"}", 9),
      std::string("[1]\0", 4)};
  for (const std::string& d : docs) ExpectAgrees(d);
}

TEST(JsonDocument, AgreesOnLimits) {
  ExpectAgrees("[[1]]", JsonLimits{.max_bytes = 100, .max_depth = 1});
  ExpectAgrees("[[1]]", JsonLimits{.max_bytes = 100, .max_depth = 2});
  ExpectAgrees(R"({"a":"123456789"})", JsonLimits{.max_bytes = 16, .max_depth = 32});
  ExpectAgrees(std::string(40, '[') + std::string(40, ']'));
  ExpectAgrees("1", JsonLimits{.max_bytes = 10, .max_depth = 0});
  // Deep nesting within a raised limit: ToJson keeps its own stack rather than recursing.
  ExpectAgrees(std::string(2000, '[') + "{\"a\":[]}" + std::string(2000, ']'),
               JsonLimits{.max_bytes = 1 << 20, .max_depth = 3000});
}

// Past 16 members duplicates are found through a hash set of views into the text and the side
// buffer: many escaped names (all in the side buffer) must neither move nor be missed.
TEST(JsonDocument, FindsDuplicatesInLargeObjectsWithEscapedNames) {
  std::string ok = "{";
  for (int i = 0; i < 2000; ++i) {
    ok += (i ? "," : "") + std::string("\"\\u006b") + std::to_string(i) + "\":" + std::to_string(i);
  }
  ExpectAgrees(ok + "}");
  for (int dup : {0, 15, 16, 17, 1999}) {
    std::string text = ok + ",\"k" + std::to_string(dup) + "\":true}";
    ExpectAgrees(text);
    auto r = JsonDocument::Parse(text);
    EXPECT_EQ(r.status().code(), Errc::kDuplicateJsonKey) << dup;
    EXPECT_NE(r.status().message().find("\"k" + std::to_string(dup) + "\""), std::string::npos);
  }
}

TEST(JsonDocument, FindsMembersAndWalksChildren) {
  auto r = JsonDocument::Parse(R"({ "a" : [1, "two", {"x":null}] , "b":{"c":{"d":-1}},"e":[]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const JsonDocument& doc = *r;
  const auto root = JsonDocument::kRoot;
  auto a = doc.Find(root, "a");
  ASSERT_NE(a, kNone);
  EXPECT_EQ(doc.type(a), Type::kArray);
  EXPECT_EQ(DumpJson(doc.ToJson(a)), R"([1,"two",{"x":null}])");
  auto e0 = doc.First(a);
  auto e1 = doc.Next(a, e0);
  auto e2 = doc.Next(a, e1);
  EXPECT_EQ(doc.Unsigned(e0), 1u);
  EXPECT_EQ(doc.String(e1), "two");
  EXPECT_EQ(doc.type(e1), Type::kString);
  EXPECT_EQ(doc.type(doc.Find(e2, "x")), Type::kNull);
  EXPECT_EQ(doc.Next(a, e2), kNone);
  // A member inside a nested object is not a member of the root.
  EXPECT_EQ(doc.Find(root, "c"), kNone);
  EXPECT_EQ(doc.Find(root, "x"), kNone);
  auto d = doc.Find(doc.Find(doc.Find(root, "b"), "c"), "d");
  ASSERT_NE(d, kNone);
  EXPECT_EQ(doc.Integer(d), -1);
  EXPECT_EQ(doc.First(doc.Find(root, "e")), kNone);
  EXPECT_EQ(doc.Find(a, "a"), kNone);  // not an object
  EXPECT_EQ(doc.First(e0), kNone);     // not a container
  EXPECT_STREQ(doc.TypeName(a), "array");
  EXPECT_STREQ(doc.TypeName(e0), "number");
  EXPECT_STREQ(doc.TypeName(doc.Find(e2, "x")), "null");
  EXPECT_EQ(DumpJson(doc.ToJson(doc.Find(root, "b"))), R"({"c":{"d":-1}})");
}

TEST(JsonDocument, StaysValidWhenMoved) {
  // A short text lives inside std::string itself; offsets, not pointers, keep the views right.
  auto r = JsonDocument::Parse(R"({"k":"v"})");
  ASSERT_TRUE(r.ok());
  JsonDocument moved = *std::move(r);
  EXPECT_EQ(moved.String(moved.Find(JsonDocument::kRoot, "k")), "v");
}

}  // namespace
}  // namespace mp
