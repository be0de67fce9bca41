// The embedded web pages (web_assets.h): every file of web/ is in the binary byte for byte and
// served at "/<name>" with its content type and the security headers; "/" is index.html; other
// paths and methods answer as the Router does. cmake/EmbedFiles.cmake is also run on a file of
// every byte value and its output read back.
#include "server/handlers/web_assets.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "testing/process.h"

namespace mp::server {
namespace {

namespace fs = std::filesystem;

std::string HeaderOf(const http::HttpResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

int HeaderCount(const http::HttpResponse& r, std::string_view name) {
  int count = 0;
  for (const auto& [n, v] : r.headers) count += n == name ? 1 : 0;
  return count;
}

http::HttpResponse Get(const http::Router& router, std::string method, std::string path) {
  http::HttpRequest req;
  req.method = std::move(method);
  req.target = req.path = std::move(path);
  req.remote = "127.0.0.1:1";
  return router.Dispatch(std::move(req));
}

// The contract's types, written out independently of the CMake script.
std::string ExpectedType(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".json", "application/json"},
  };
  auto it = kTypes.find(fs::path(name).extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

::testing::AssertionResult HasPageHeaders(const http::HttpResponse& r) {
  const std::string csp = HeaderOf(r, "Content-Security-Policy");
  if (csp !=
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
      "form-action 'self'") {
    return ::testing::AssertionFailure() << "CSP: " << csp;
  }
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"X-Content-Type-Options", "nosniff"},
                                                        {"Referrer-Policy", "no-referrer"},
                                                        {"Cache-Control", "no-cache"}}) {
    if (HeaderOf(r, name) != value || HeaderCount(r, name) != 1) {
      return ::testing::AssertionFailure() << name << ": " << HeaderOf(r, name);
    }
  }
  return ::testing::AssertionSuccess();
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WebAssets, EveryEmbeddedFileIsServedWithItsTypeAndTheSecurityHeaders) {
  http::Router router;
  AddWebRoutes(router, EmbeddedWebAssets());
  ASSERT_FALSE(EmbeddedWebAssets().empty());
  for (const WebAsset& a : EmbeddedWebAssets()) {
    SCOPED_TRACE(std::string(a.name));
    http::HttpResponse r = Get(router, "GET", "/" + std::string(a.name));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, ExpectedType(std::string(a.name)));
    EXPECT_EQ(r.content_type, a.content_type);
    EXPECT_EQ(r.body, a.body);
    EXPECT_EQ(r.labels.route, "web");
    EXPECT_TRUE(HasPageHeaders(r));
  }
}

TEST(WebAssets, EmbeddedFilesAreTheFilesOfWebDirectoryByteForByte) {
  const fs::path dir = fs::path(MP_SOURCE_DIR) / "web";
  std::map<std::string, std::string> on_disk;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.front() == '.' || name.back() == '~') continue;
    on_disk[name] = ReadFile(e.path());
  }
  std::map<std::string, std::string> embedded;
  for (const WebAsset& a : EmbeddedWebAssets()) embedded[std::string(a.name)] = a.body;
  // A difference means web/ changed after this build: rebuild to embed it.
  EXPECT_EQ(embedded, on_disk);
}

TEST(WebAssets, EmbeddedAssetsAreOrderedByName) {
  std::span<const WebAsset> assets = EmbeddedWebAssets();
  for (size_t i = 1; i < assets.size(); ++i) EXPECT_LT(assets[i - 1].name, assets[i].name);
}

TEST(WebAssets, RootServesIndexHtml) {
  http::Router router;
  AddWebRoutes(router, EmbeddedWebAssets());
  http::HttpResponse root = Get(router, "GET", "/");
  http::HttpResponse index = Get(router, "GET", "/index.html");
  ASSERT_EQ(index.status, 200) << "web/index.html is missing";
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(root.body, index.body);
  EXPECT_TRUE(HasPageHeaders(root));
}

TEST(WebAssets, UnknownPathAnswersRouterNotFound) {
  http::Router router;
  AddWebRoutes(router, EmbeddedWebAssets());
  for (const char* path : {"/nope.js", "/index.htm", "/web/index.html", "/index.html/",
                           "/../index.html", "/%69ndex.html"}) {
    http::HttpResponse r = Get(router, "GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "application/json") << path;
  }
}

TEST(WebAssets, OtherMethodsAnswer405WithAllowGet) {
  http::Router router;
  AddWebRoutes(router, EmbeddedWebAssets());
  for (const char* method : {"POST", "HEAD", "PUT", "DELETE"}) {
    for (const char* path : {"/", "/index.html"}) {
      http::HttpResponse r = Get(router, method, path);
      EXPECT_EQ(r.status, 405) << method << " " << path;
      EXPECT_EQ(HeaderOf(r, "Allow"), "GET") << method << " " << path;
    }
  }
}

TEST(WebAssets, ServesAnyBytesAndNoRootWithoutIndex) {
  static const char kBinary[] = {'\x00', '\xff', '"', '\\', '\n', 'a'};
  const WebAsset assets[] = {
      {.name = "icon.ico", .content_type = "image/x-icon", .body = {kBinary, sizeof(kBinary)}},
      {.name = "empty.txt", .content_type = "text/plain; charset=utf-8", .body = {}},
  };
  http::Router router;
  AddWebRoutes(router, assets);
  http::HttpResponse icon = Get(router, "GET", "/icon.ico");
  EXPECT_EQ(icon.status, 200);
  EXPECT_EQ(icon.body, std::string(kBinary, sizeof(kBinary)));
  EXPECT_EQ(icon.content_type, "image/x-icon");
  http::HttpResponse empty = Get(router, "GET", "/empty.txt");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  EXPECT_TRUE(HasPageHeaders(empty));
  EXPECT_EQ(Get(router, "GET", "/").status, 404);
}

// Reads the string literals of one generated `constexpr char kFileN[] = "..." "...";` back.
std::string DecodeLiteral(const std::string& source, const std::string& var) {
  size_t at = source.find("constexpr char " + var + "[] =");
  if (at == std::string::npos) return "<missing " + var + ">";
  size_t end = source.find(';', at);
  std::string out;
  bool in_string = false;
  for (size_t i = at; i < end; ++i) {
    if (source[i] == '"') {
      in_string = !in_string;
    } else if (in_string && source[i] == '\\' && source[i + 1] == 'x') {
      out.push_back(static_cast<char>(std::stoi(source.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else if (in_string) {
      return "<unescaped byte in " + var + ">";
    }
  }
  return out;
}

TEST(WebAssets, EmbedScriptWritesEveryByteValueAndTheTypeOfEachExtension) {
  mp::testing::TempDir dir;
  std::string every;
  for (int i = 0; i < 256; ++i) every.push_back(static_cast<char>(i));
  every += every;  // 512 bytes: several lines of literals
  const std::map<std::string, std::string> files = {
      {"a.bin", every}, {"b.css", "p{}"}, {"c.mjs", ""}, {"index.html", "<!doctype html>"}};
  std::string list;
  for (const auto& [name, content] : files) {
    std::ofstream(dir.path() + "/" + name, std::ios::binary) << content;
    list += (list.empty() ? "" : "|") + dir.path() + "/" + name;
  }
  const std::string out = dir.path() + "/out.cc";
  const std::string command = "cmake -DOUTPUT='" + out + "' -DFILES='" + list + "' -P '" +
                              std::string(MP_SOURCE_DIR) + "/cmake/EmbedFiles.cmake'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::string source = ReadFile(out);
  EXPECT_EQ(DecodeLiteral(source, "kFile0"), every);
  EXPECT_EQ(DecodeLiteral(source, "kFile1"), "p{}");
  EXPECT_EQ(DecodeLiteral(source, "kFile2"), "");
  EXPECT_EQ(DecodeLiteral(source, "kFile3"), "<!doctype html>");
  EXPECT_NE(source.find(R"({"a.bin", "application/octet-stream", std::string_view(kFile0, 512)})"),
            std::string::npos)
      << source;
  EXPECT_NE(source.find(R"({"b.css", "text/css; charset=utf-8", std::string_view(kFile1, 3)})"),
            std::string::npos);
  EXPECT_NE(
      source.find(R"({"c.mjs", "text/javascript; charset=utf-8", std::string_view(kFile2, 0)})"),
      std::string::npos);
  EXPECT_NE(
      source.find(R"({"index.html", "text/html; charset=utf-8", std::string_view(kFile3, 15)})"),
      std::string::npos);
}

TEST(WebAssets, EmbedScriptRefusesANameOutsideTheFlatCharacterSet) {
  mp::testing::TempDir dir;
  const std::string bad = dir.path() + "/bad name.js";
  std::ofstream(bad) << "x";
  const std::string command = "cmake -DOUTPUT='" + dir.path() + "/out.cc' -DFILES='" + bad +
                              "' -P '" + std::string(MP_SOURCE_DIR) +
                              "/cmake/EmbedFiles.cmake' 2>/dev/null";
  EXPECT_NE(std::system(command.c_str()), 0);
  EXPECT_FALSE(fs::exists(dir.path() + "/out.cc"));
}

}  // namespace
}  // namespace mp::server
