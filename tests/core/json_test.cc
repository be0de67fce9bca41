#include "core/json.h"

#include <gtest/gtest.h>

#include <chrono>
#include <clocale>
#include <cstdint>
#include <limits>
#include <string>

namespace mp {
namespace {

using nlohmann::json;

Errc CodeOf(std::string_view text, JsonLimits limits = {}) {
  return ParseStrictJson(text, limits).status().code();
}

std::string Nested(int depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

std::string NestedObjects(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

// SPEC §5: a real Maskinporten TEST access-token payload.
constexpr std::string_view kAccessTokenPayload =
    R"({"scope":"altinn:broker.read","iss":"https://test.maskinporten.no/",)"
    R"("client_amr":"private_key_jwt","token_type":"Bearer","exp":1757498492,"iat":1757498372,)"
    R"("client_id":"826acbbc-ee17-4946-af92-cf4885ebe951",)"
    R"("jti":"ii1YvnPPCUHYlZw9_hVwr1UhLVQUdiNV_QKNru4JJGk",)"
    R"("consumer":{"authority":"iso6523-actorid-upis","ID":"0192:314240979"}})";

TEST(StrictJson, ParsesAccessTokenPayload) {
  auto r = ParseStrictJson(kAccessTokenPayload);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["scope"], "altinn:broker.read");
  EXPECT_EQ((*r)["exp"], 1757498492);
  EXPECT_EQ((*r)["consumer"]["ID"], "0192:314240979");
  EXPECT_EQ(r->size(), 9u);
}

TEST(StrictJson, ParsesEveryValueType) {
  auto r = ParseStrictJson(
      R"({"n":null,"t":true,"f":false,"i":-5,"u":18446744073709551615,"d":1.5,"s":"x",)"
      R"("a":[1,"2",[3]],"o":{}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const json& v = *r;
  EXPECT_TRUE(v["n"].is_null());
  EXPECT_EQ(v["t"], true);
  EXPECT_EQ(v["f"], false);
  EXPECT_TRUE(v["i"].is_number_integer());
  EXPECT_EQ(v["i"].get<int64_t>(), -5);
  EXPECT_TRUE(v["u"].is_number_unsigned());
  EXPECT_EQ(v["u"].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(v["d"].is_number_float());
  EXPECT_DOUBLE_EQ(v["d"].get<double>(), 1.5);
  EXPECT_EQ(v["s"], "x");
  EXPECT_EQ(v["a"], json::parse(R"([1,"2",[3]])"));
  EXPECT_TRUE(v["o"].is_object());
  EXPECT_TRUE(v["o"].empty());
}

TEST(StrictJson, ParsesTopLevelScalars) {
  EXPECT_EQ(*ParseStrictJson("42"), json(42));
  EXPECT_EQ(*ParseStrictJson("\"s\""), json("s"));
  EXPECT_EQ(*ParseStrictJson("null"), json(nullptr));
  EXPECT_EQ(*ParseStrictJson(" [ ] "), json::array());
}

TEST(StrictJson, RejectsDuplicateKeyAtTopLevel) {
  auto r = ParseStrictJson(R"({"iss":"a","iss":"b"})");
  EXPECT_EQ(r.status().code(), Errc::kDuplicateJsonKey);
  EXPECT_NE(r.status().message().find("\"iss\""), std::string::npos) << r.status().message();
}

TEST(StrictJson, RejectsDuplicateKeyAtAnyDepth) {
  for (const char* s : {
           R"({"a":{"b":1,"b":2}})",
           R"({"a":[{"x":1},{"y":1,"y":1}]})",
           R"([[[{"k":null,"k":null}]]])",
           R"({"a":{"b":{"c":{"d":1,"e":2,"d":3}}}})",
           R"({"a":1,"b":{},"a":2})",
       }) {
    EXPECT_EQ(CodeOf(s), Errc::kDuplicateJsonKey) << s;
  }
}

TEST(StrictJson, RejectsKeysThatAreEqualAfterUnescaping) {
  EXPECT_EQ(CodeOf(R"({"a":1,"\u0061":2})"), Errc::kDuplicateJsonKey);
  EXPECT_EQ(CodeOf(R"({"\/":1,"/":2})"), Errc::kDuplicateJsonKey);
}

TEST(StrictJson, AcceptsSameKeyInSiblingAndNestedObjects) {
  auto r = ParseStrictJson(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["b"][1]["a"], 2);
}

TEST(StrictJson, AcceptsKeysDifferingOnlyInCase) {
  EXPECT_TRUE(ParseStrictJson(R"({"kid":1,"KID":2,"Kid":3})").ok());
}

TEST(StrictJson, AcceptsNestingUpToTheDepthLimit) {
  JsonLimits limits;
  EXPECT_TRUE(ParseStrictJson(Nested(limits.max_depth, '[', ']'), limits).ok());
  EXPECT_TRUE(ParseStrictJson(NestedObjects(limits.max_depth), limits).ok());
}

TEST(StrictJson, RejectsNestingBeyondTheDepthLimitWithLimitExceeded) {
  JsonLimits limits;
  EXPECT_EQ(CodeOf(Nested(limits.max_depth + 1, '[', ']'), limits), Errc::kLimitExceeded);
  EXPECT_EQ(CodeOf(NestedObjects(limits.max_depth + 1), limits), Errc::kLimitExceeded);
  std::string mixed;
  for (int i = 0; i <= limits.max_depth; ++i) mixed += (i % 2 == 0) ? "[" : "{\"k\":";
  EXPECT_EQ(CodeOf(mixed, limits), Errc::kLimitExceeded);
}

TEST(StrictJson, HonoursACustomDepthLimit) {
  JsonLimits limits{.max_bytes = 1 << 20, .max_depth = 2};
  EXPECT_TRUE(ParseStrictJson("[[1]]", limits).ok());
  EXPECT_EQ(CodeOf("[[[1]]]", limits), Errc::kLimitExceeded);
  EXPECT_EQ(CodeOf(R"({"a":{"b":{}}})", limits), Errc::kLimitExceeded);
  // Scalars have no depth.
  EXPECT_TRUE(ParseStrictJson("1", JsonLimits{.max_bytes = 10, .max_depth = 0}).ok());
  EXPECT_EQ(CodeOf("[]", JsonLimits{.max_bytes = 10, .max_depth = 0}), Errc::kLimitExceeded);
}

TEST(StrictJson, RejectsAMillionOpenBracketsAtTheDepthLimitQuickly) {
  // The depth check must fire when the limit is crossed, long before the end of the input: the
  // trailing garbage would otherwise make this kInvalidJson.
  std::string hostile(1000000, '[');
  hostile += "x";
  auto start = std::chrono::steady_clock::now();
  auto r = ParseStrictJson(hostile);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status().code(), Errc::kLimitExceeded);
  EXPECT_NE(r.status().message().find("32"), std::string::npos) << r.status().message();
  // Generous: the real cost is microseconds; a quadratic or full scan would be far slower.
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
}

TEST(StrictJson, RejectsAMillionOpenBracesAtTheDepthLimit) {
  std::string hostile;
  for (int i = 0; i < 200000; ++i) hostile += "{\"a\":";
  EXPECT_EQ(CodeOf(hostile), Errc::kLimitExceeded);
}

TEST(StrictJson, RejectsInputOverTheSizeLimitBeforeParsing) {
  JsonLimits limits{.max_bytes = 16, .max_depth = 32};
  EXPECT_TRUE(ParseStrictJson(R"({"a":"12345678"})", limits).ok());  // exactly 16 bytes
  auto r = ParseStrictJson(R"({"a":"123456789"})", limits);          // 17 bytes
  EXPECT_EQ(r.status().code(), Errc::kLimitExceeded);
  EXPECT_NE(r.status().message().find("17 bytes"), std::string::npos) << r.status().message();
  // Even input that is not JSON at all is refused for its size first.
  EXPECT_EQ(CodeOf(std::string(17, '#'), limits), Errc::kLimitExceeded);
}

TEST(StrictJson, DefaultSizeLimitIsOneMebibyte) {
  std::string big((1 << 20), 'a');
  big.front() = '"';
  big.back() = '"';
  EXPECT_TRUE(ParseStrictJson(big).ok());
  big.push_back(' ');
  EXPECT_EQ(CodeOf(big), Errc::kLimitExceeded);
}

TEST(StrictJson, RejectsInvalidUtf8WithInvalidJson) {
  for (std::string s : {
           std::string("\"\xff\""),              // never valid
           std::string("\"\xc3\""),              // truncated 2-byte sequence
           std::string("\"\xc0\xaf\""),          // overlong '/'
           std::string("\"\xe0\x80\xaf\""),      // overlong 3-byte
           std::string("\"\xed\xa0\x80\""),      // UTF-8 encoded surrogate D800
           std::string("\"\xf4\x90\x80\x80\""),  // above U+10FFFF
           std::string("{\"k\xfe\":1}"),         // in a key
           std::string("[\"ok\",\"\x80\"]"),     // lone continuation byte
       }) {
    EXPECT_EQ(CodeOf(s), Errc::kInvalidJson) << ::testing::PrintToString(s);
  }
}

TEST(StrictJson, AcceptsValidMultibyteUtf8) {
  auto r = ParseStrictJson(
      "\"bl\xc3\xa5"
      "b\xc3\xa6r \xe2\x82\xac \xf0\x9f\x94\x91\"");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->get<std::string>(),
            "bl\xc3\xa5"
            "b\xc3\xa6r \xe2\x82\xac \xf0\x9f\x94\x91");
}

TEST(StrictJson, RejectsLoneSurrogateEscapesWithInvalidJson) {
  for (const char* s : {R"("\ud800")", R"("\udfff")", R"("\ud800x")", R"("\ud800\u0041")",
                        R"("\udc00\ud800")", R"({"\ud83d":1})"}) {
    EXPECT_EQ(CodeOf(s), Errc::kInvalidJson) << s;
  }
}

TEST(StrictJson, DecodesSurrogatePairEscapes) {
  auto r = ParseStrictJson(R"("\ud83d\udd11")");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->get<std::string>(), "\xf0\x9f\x94\x91");
}

TEST(StrictJson, RejectsSyntaxErrorsWithInvalidJson) {
  for (const char* s : {"",
                        " ",
                        "{",
                        "}",
                        "[1,]",
                        "{\"a\":1,}",
                        "{a:1}",
                        "{'a':1}",
                        "[1 2]",
                        "{\"a\" 1}",
                        "\"unterminated",
                        "tru",
                        "nul",
                        "True",
                        "NaN",
                        "Infinity",
                        "{} {}",
                        "[] x",
                        "// c\n1",
                        "/* c */1",
                        "\"tab\there\"",
                        "\"\\x41\"",
                        "\"\\u00g0\""}) {
    EXPECT_EQ(CodeOf(s), Errc::kInvalidJson) << ::testing::PrintToString(std::string(s));
  }
}

TEST(StrictJson, RejectsEmbeddedNul) {
  EXPECT_EQ(CodeOf(std::string("{\"a\":1}\0", 8)), Errc::kInvalidJson);
  EXPECT_EQ(CodeOf(std::string("\"a\0b\"", 5)), Errc::kInvalidJson);
  // nlohmann alone stops at a NUL as if the input ended there.
  EXPECT_EQ(CodeOf(std::string("{\"a\":1}\0{\"a\":2}", 15)), Errc::kInvalidJson);
  EXPECT_EQ(CodeOf(std::string("1\0", 2)), Errc::kInvalidJson);
  EXPECT_EQ(CodeOf(std::string("\0", 1)), Errc::kInvalidJson);
}

TEST(StrictJson, ErrorMessageNamesTheBytePosition) {
  auto r = ParseStrictJson("[1,2,x]");
  ASSERT_EQ(r.status().code(), Errc::kInvalidJson);
  EXPECT_NE(r.status().message().find("at byte"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("json.exception"), std::string::npos) << r.status().message();
}

TEST(StrictJson, ParsesNumbersStrictly) {
  EXPECT_EQ(*ParseStrictJson("0"), json(0));
  EXPECT_EQ(*ParseStrictJson("-0"), json(0));
  EXPECT_EQ(ParseStrictJson("-9223372036854775808")->get<int64_t>(),
            std::numeric_limits<int64_t>::min());
  EXPECT_DOUBLE_EQ(ParseStrictJson("1e3")->get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(ParseStrictJson("-1.25E-2")->get<double>(), -0.0125);
  EXPECT_DOUBLE_EQ(ParseStrictJson("1757498492.5")->get<double>(), 1757498492.5);
  // Beyond uint64: a double, not a wrapped integer.
  auto big = ParseStrictJson("18446744073709551616");
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(big->is_number_float());
  for (const char* s :
       {"01", "-01", "+1", ".5", "1.", "1e", "1e+", "-", "0x10", "1_000", "--1", "1.5.2"}) {
    EXPECT_EQ(CodeOf(s), Errc::kInvalidJson) << s;
  }
}

TEST(StrictJson, RejectsNumbersThatOverflowADouble) {
  EXPECT_EQ(CodeOf("1e400"), Errc::kInvalidJson);
  EXPECT_EQ(CodeOf("[-1e999]"), Errc::kInvalidJson);
}

TEST(StrictJson, KeepsNlohmannNumberTypes) {
  auto v = *ParseStrictJson(
      R"([0,-0,7,-7,9223372036854775807,9223372036854775808,-9223372036854775809,1.0,1e2])");
  EXPECT_TRUE(v[0].is_number_unsigned());
  EXPECT_TRUE(v[1].is_number_integer() && !v[1].is_number_unsigned());
  EXPECT_TRUE(v[2].is_number_unsigned());
  EXPECT_EQ(v[3].get<int64_t>(), -7);
  EXPECT_EQ(v[4].get<uint64_t>(), 9223372036854775807u);
  EXPECT_EQ(v[5].get<uint64_t>(), 9223372036854775808u);
  EXPECT_TRUE(v[6].is_number_float());  // below int64: a double, like nlohmann
  EXPECT_TRUE(v[7].is_number_float());
  EXPECT_TRUE(v[8].is_number_float());
  EXPECT_EQ(v, json::parse(DumpJson(v)));
}

TEST(StrictJson, UnderflowingNumbersBecomeZeroOrSubnormal) {
  auto v = ParseStrictJson("[1e-400,-1e-400,4.9e-324,2.2250738585072014e-308]");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ((*v)[0].get<double>(), 0.0);
  EXPECT_EQ((*v)[1].get<double>(), 0.0);
  EXPECT_GT((*v)[2].get<double>(), 0.0);
  EXPECT_EQ((*v)[3].get<double>(), std::numeric_limits<double>::min());
}

TEST(StrictJson, ParsesNumbersIndependentOfTheProcessLocale) {
  // Only the C and POSIX locales are guaranteed to exist; a comma-decimal locale is used when
  // installed, and the "C" result is checked either way.
  const char* old = std::setlocale(LC_NUMERIC, nullptr);
  std::string saved = old ? old : "C";
  for (const char* name : {"nb_NO.UTF-8", "de_DE.UTF-8", "C"}) {
    if (std::setlocale(LC_NUMERIC, name) == nullptr) continue;
    EXPECT_DOUBLE_EQ(ParseStrictJson("1.5")->get<double>(), 1.5) << name;
    EXPECT_EQ(ParseStrictJson("1e-400")->get<double>(), 0.0) << name;
  }
  std::setlocale(LC_NUMERIC, saved.c_str());
}

TEST(StrictJson, DecodesEveryEscape) {
  auto v = ParseStrictJson(R"("\"\\\/\b\f\n\r\t\u0041\u00e5\u20AC\uD83D\uDD11\u0000")");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->get<std::string>(),
            std::string("\"\\/\b\f\n\r\tA\xc3\xa5\xe2\x82\xac\xf0\x9f\x94\x91\0", 19));
}

TEST(StrictJson, RejectsBadEscapes) {
  for (const char* s : {R"("\a")", R"("\u12")", R"("\u12G4")", R"("\)", R"("\U0041")",
                        R"("\ud800\n")", R"("\ud800\udbff")", R"("\ud800\")"}) {
    EXPECT_EQ(CodeOf(s), Errc::kInvalidJson) << s;
  }
}

TEST(StrictJson, RejectsRawControlCharactersInStrings) {
  for (int c = 0; c < 0x20; ++c) {
    std::string s = "\"a";
    s.push_back(static_cast<char>(c));
    s += "\"";
    EXPECT_EQ(CodeOf(s), Errc::kInvalidJson) << c;
  }
  EXPECT_TRUE(ParseStrictJson("\"\x7f\"").ok());  // DEL is not a control character in JSON
}

TEST(StrictJson, AcceptsEveryWellFormedUtf8Boundary) {
  for (std::string s :
       {std::string("\xc2\x80"), std::string("\xdf\xbf"), std::string("\xe0\xa0\x80"),
        std::string("\xed\x9f\xbf"), std::string("\xee\x80\x80"), std::string("\xef\xbf\xbf"),
        std::string("\xf0\x90\x80\x80"), std::string("\xf4\x8f\xbf\xbf")}) {
    auto v = ParseStrictJson("\"" + s + "\"");
    ASSERT_TRUE(v.ok()) << ::testing::PrintToString(s) << v.status().ToString();
    EXPECT_EQ(v->get<std::string>(), s);
  }
}

TEST(StrictJson, RejectsTruncatedUtf8AtTheEndOfInput) {
  EXPECT_EQ(CodeOf("\"\xe2\x82"), Errc::kInvalidJson);
  EXPECT_EQ(CodeOf("\"\xf0\x9f\x94"), Errc::kInvalidJson);
  EXPECT_EQ(CodeOf("\"\xe2\x82\""), Errc::kInvalidJson);
}

TEST(StrictJson, SkipsALeadingByteOrderMarkLikeNlohmann) {
  EXPECT_EQ(*ParseStrictJson("\xEF\xBB\xBF{\"a\":1}"), json::parse(R"({"a":1})"));
  EXPECT_EQ(CodeOf("\xEF\xBB{}"), Errc::kInvalidJson);
  EXPECT_EQ(CodeOf(" \xEF\xBB\xBF{}"), Errc::kInvalidJson);  // only at the very start
}

TEST(StrictJson, AcceptsAllJsonWhitespaceAndNothingElse) {
  EXPECT_TRUE(ParseStrictJson(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 , 2 ] \t\r\n} \t\r\n").ok());
  for (const char* s : {"\f{}", "{}\v", "\xc2\xa0{}"}) {
    EXPECT_EQ(CodeOf(s), Errc::kInvalidJson) << ::testing::PrintToString(std::string(s));
  }
}

TEST(StrictJson, DeepNestingUnderAHighLimitDoesNotOverflowTheStack) {
  // The parser keeps its own stack: 200000 levels would overflow a recursive one.
  constexpr int kDepth = 200000;
  JsonLimits limits{.max_bytes = 1 << 20, .max_depth = kDepth};
  auto r = ParseStrictJson(Nested(kDepth, '[', ']'), limits);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->is_array());
}

TEST(StrictJson, ErrorMessageNamesTheOffendingByte) {
  auto r = ParseStrictJson(R"({"a":1,"b":x})");
  ASSERT_EQ(r.status().code(), Errc::kInvalidJson);
  EXPECT_NE(r.status().message().find("byte 11"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("'x'"), std::string::npos) << r.status().message();
}

TEST(StrictJson, RoundTripsValidDocuments) {
  for (std::string_view s : {
           kAccessTokenPayload,
           std::string_view(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"k"}]})"),
           std::string_view(R"([null,true,false,0,-1,1.5,"",[],{},"\u0000\n\"\\"])"),
           std::string_view("\"bl\xc3\xa5"
                            "b\xc3\xa6r\""),
           std::string_view(R"({"aud":["a","b"],"nested":{"x":{"y":[1,[2,[3]]]}}})"),
       }) {
    auto first = ParseStrictJson(s);
    ASSERT_TRUE(first.ok()) << s << ": " << first.status().ToString();
    std::string dumped = DumpJson(*first);
    auto second = ParseStrictJson(dumped);
    ASSERT_TRUE(second.ok()) << dumped << ": " << second.status().ToString();
    EXPECT_EQ(*first, *second) << s;
    EXPECT_EQ(DumpJson(*second), dumped);
  }
}

TEST(StrictJson, DumpIsCompact) {
  EXPECT_EQ(DumpJson(*ParseStrictJson("{ \"a\" : [ 1 , 2 ] }")), R"({"a":[1,2]})");
}

TEST(StrictJson, DumpReplacesInvalidUtf8InsteadOfThrowing) {
  json v = std::string(
      "a\xff"
      "b");
  std::string out = DumpJson(v);
  EXPECT_EQ(out,
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_TRUE(ParseStrictJson(out).ok());
}

TEST(StrictJsonObject, AcceptsObjects) {
  auto r = ParseStrictJsonObject(R"({"a":1})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["a"], 1);
}

TEST(StrictJsonObject, RejectsOtherTopLevelTypesWithInvalidJson) {
  for (const char* s : {"[]", "1", "\"s\"", "null", "true"}) {
    EXPECT_EQ(ParseStrictJsonObject(s).status().code(), Errc::kInvalidJson) << s;
  }
}

TEST(StrictJsonObject, KeepsStrictErrorCodes) {
  EXPECT_EQ(ParseStrictJsonObject(R"({"a":1,"a":1})").status().code(), Errc::kDuplicateJsonKey);
  EXPECT_EQ(ParseStrictJsonObject(R"({"a":1})", {.max_bytes = 3}).status().code(),
            Errc::kLimitExceeded);
}

TEST(GetStringMember, ReturnsTheString) {
  json obj = *ParseStrictJson(R"({"kid":"k1","n":5})");
  auto r = GetStringMember(obj, "kid");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "k1");
}

TEST(GetStringMember, MissingMemberIsNotFoundNamingTheMember) {
  json obj = *ParseStrictJson(R"({"kid":"k1"})");
  auto r = GetStringMember(obj, "alg");
  EXPECT_EQ(r.status().code(), Errc::kNotFound);
  EXPECT_NE(r.status().message().find("alg"), std::string::npos);
}

TEST(GetStringMember, WrongTypeIsInvalidJsonNamingTheMember) {
  json obj = *ParseStrictJson(R"({"n":5,"a":["x"],"z":null})");
  for (const char* name : {"n", "a", "z"}) {
    auto r = GetStringMember(obj, name);
    EXPECT_EQ(r.status().code(), Errc::kInvalidJson) << name;
    EXPECT_NE(r.status().message().find(name), std::string::npos);
  }
}

}  // namespace
}  // namespace mp

// The string scanner skips 8 bytes at a time until one of them needs a look: each kind of byte
// that ends a run must be seen at every position relative to those 8-byte steps, with the same
// outcome as nlohmann's own parser.
TEST(StrictJson, StringScanSeesEverySpecialByteAtEveryPosition) {
  const std::string specials[] = {"\"x",
                                  "\\n",
                                  "\\u00e9",
                                  std::string(1, '\x01'),
                                  std::string(1, '\x1f'),
                                  "\xc3\xa9",
                                  "\xe2\x82\xac",
                                  std::string(1, '\xff'),
                                  "\xc3",
                                  std::string(1, '\x7f')};
  for (size_t pos = 0; pos < 20; ++pos) {
    for (const std::string& special : specials) {
      const std::string text =
          "\"" + std::string(pos, 'a') + special + std::string(19 - pos, 'b') + "\"";
      mp::Result<nlohmann::json> ours = mp::ParseStrictJson(text);
      nlohmann::json theirs = nlohmann::json::parse(text, nullptr, false);
      ASSERT_EQ(ours.ok(), !theirs.is_discarded()) << "pos " << pos << " text " << text;
      if (ours.ok()) {
        EXPECT_EQ(*ours, theirs) << "pos " << pos;
      }
    }
  }
}
