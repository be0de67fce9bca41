// Every command in the documentation is run by a test, so the docs cannot rot.
//
// The convention (docs/getting-started.md, "How the docs are tested"):
//   - Fenced ```sh (or ```bash) blocks in README.md and docs/*.md are run; blocks in any other
//     language (```console, ```text, ```json, ```cpp) are shown only.
//   - The blocks of one file run in order, in one fresh directory, like a reader following the
//     page in one terminal: files and shell variables carry over from block to block. The test of
//     block N first replays the runnable items before it (a failure there is reported as set-up).
//   - A marker comment on the line before the fence changes that block:
//       <!-- doc-test: skip (reason) -->   not run; the reason is required.
//       <!-- doc-test: serve [VAR] -->     a long-running server (`maskinporten serve ...`,
//                                          `maskinporten example-api ...`): started in the
//                                          background; when it prints "listening on URL", the
//                                          following blocks get MASKINPORTEN_ISSUER=URL/ (or
//                                          VAR=URL, without the slash).
//       <!-- doc-test: exit N -->          the block must exit with status N (a refusal shown).
//   - A hidden set-up, run in sequence and not shown by a Markdown renderer:
//       <!-- doc-test: setup
//       commands...
//       -->
//   - Each block runs as `bash -eo pipefail` with the built `maskinporten` first on PATH, a
//     clean environment (HOME and XDG_DATA_HOME inside the temporary directory, no MASKINPORTEN_*
//     variables of the caller), and a timeout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "maskinporten/mp_errors.h"
#include "testing/cli_runner.h"
#include "testing/process.h"

namespace mp::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

enum class Kind { kRun, kSkip, kServe, kSetup };

struct DocItem {
  std::string file{};  // relative to the source tree: "docs/getting-started.md"
  int line = 0;        // line of the opening fence (or of the setup comment)
  Kind kind = Kind::kRun;
  std::string body{};
  std::string reason{};          // kSkip
  std::string serve_variable{};  // kServe: gets the URL ("" = MASKINPORTEN_ISSUER)
  int expect_exit = 0;
  std::string error{};  // a malformed marker, reported by the block's test
};

std::vector<std::string> DocFiles() {
  std::vector<std::string> files = {"README.md"};
  std::vector<std::string> docs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(MP_SOURCE_DIR) / "docs", ec)) {
    if (e.path().extension() == ".md") docs.push_back("docs/" + e.path().filename().string());
  }
  std::sort(docs.begin(), docs.end());
  files.insert(files.end(), docs.begin(), docs.end());
  return files;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Every fenced block and setup comment of `text` (the content of `file`), in order.
std::vector<DocItem> ParseDocText(const std::string& file, const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<DocItem> items;
  std::string marker;  // the last non-blank line before a fence, when it is a doc-test marker
  int marker_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string t = Trim(lines[i]);
    if (t.rfind("<!-- doc-test: setup", 0) == 0 && t.find("-->") == std::string::npos) {
      DocItem item{.file = file, .line = static_cast<int>(i + 1), .kind = Kind::kSetup};
      for (++i; i < lines.size() && Trim(lines[i]) != "-->"; ++i) item.body += lines[i] + "\n";
      items.push_back(item);
      marker.clear();
      continue;
    }
    if (t.rfind("```", 0) == 0) {
      std::string lang = Trim(t.substr(3));
      DocItem item{.file = file, .line = static_cast<int>(i + 1)};
      for (++i; i < lines.size() && Trim(lines[i]).rfind("```", 0) != 0; ++i) {
        item.body += lines[i] + "\n";
      }
      bool runnable = lang == "sh" || lang == "bash";
      if (!runnable) {
        marker.clear();
        continue;
      }
      static const std::regex kMarker(R"(<!-- doc-test: (skip|serve|exit)\s*(.*?)\s*-->)");
      std::smatch m;
      if (!marker.empty() && marker_line == item.line - 1) {
        if (std::regex_match(marker, m, kMarker)) {
          std::string what = m[1], arg = m[2];
          if (what == "skip") {
            item.kind = Kind::kSkip;
            if (arg.size() < 3 || arg.front() != '(' || arg.back() != ')') {
              item.error = "skip needs a reason in parentheses: " + marker;
            }
            item.reason = arg;
          } else if (what == "serve") {
            item.kind = Kind::kServe;
            item.serve_variable = arg;
            if (!std::regex_match(arg, std::regex("[A-Z_]*"))) {
              item.error = "serve takes an optional VARIABLE name: " + marker;
            }
          } else {
            try {
              item.expect_exit = std::stoi(arg);
            } catch (...) {
              item.error = "exit needs a number: " + marker;
            }
          }
        } else if (marker.rfind("<!-- doc-test:", 0) == 0) {
          item.error = "unknown doc-test marker: " + marker;
        }
      }
      items.push_back(item);
      marker.clear();
      continue;
    }
    if (!t.empty()) {
      marker = t;
      marker_line = static_cast<int>(i + 1);
    }
  }
  return items;
}

std::vector<DocItem> ParseDoc(const std::string& file) {
  return ParseDocText(file, ReadFile((fs::path(MP_SOURCE_DIR) / file).string()));
}

struct BlockRef {
  std::string file{};
  size_t index = 0;  // into ParseDoc(file)
  int line = 0;
};

std::vector<BlockRef> AllBlocks() {
  std::vector<BlockRef> refs;
  for (const std::string& f : DocFiles()) {
    std::vector<DocItem> items = ParseDoc(f);
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].kind != Kind::kSetup) refs.push_back({f, i, items[i].line});
    }
  }
  return refs;
}

std::string TestName(const ::testing::TestParamInfo<BlockRef>& info) {
  std::string name = info.param.file + "_L" + std::to_string(info.param.line);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// Saves the shell's variables (exported or not, arrays too) for the next block, as one terminal
// would keep them; bash's own variables are left out.
constexpr char kSaveState[] =
    "declare -p $(compgen -v | grep -Ev '^(BASH.*|BASHOPTS|EUID|PPID|SHELLOPTS|UID|FUNCNAME|"
    "GROUPS|DIRSTACK|PIPESTATUS|_|SHLVL|PWD|OLDPWD|RANDOM|SRANDOM|SECONDS|LINENO|HISTCMD|"
    "EPOCHREALTIME|EPOCHSECONDS|COLUMNS|LINES|COMP.*|HOSTNAME|HOSTTYPE|IFS|MACHTYPE|OPTERR|"
    "OPTIND|OSTYPE|PS4|TERM)$')";

// One reader's session: a directory, a state file with the exported variables, and the
// background servers the blocks started.
class Session {
 public:
  Session() {
    fs::create_directories(dir_.File("home/.local/share"));
    fs::create_directories(dir_.File("work"));
    WriteFile(state_, "");
  }

  // Runs `item`; returns a description of the failure, or "" when it did what it should.
  std::string Run(const DocItem& item, std::string* output) {
    if (!item.error.empty()) return item.error;
    if (item.kind == Kind::kSkip) return "";
    std::string where = item.file + ":" + std::to_string(item.line);
    std::string script = dir_.File("block-" + std::to_string(item.line) + ".sh");
    if (item.kind == Kind::kServe) {
      WriteFile(script, "cd " + Quote(dir_.File("work")) + "\n. " + Quote(state_) +
                            "\nset -eo pipefail\nexec " + Trim(item.body) + "\n");
      std::string out = dir_.File("serve-" + std::to_string(item.line) + ".out");
      std::string err = dir_.File("serve-" + std::to_string(item.line) + ".err");
      servers_.push_back(
          std::make_unique<BackgroundProcess>("/usr/bin/env", Env({"bash", script}), out, err));
      std::string line = BackgroundProcess::WaitForLine(out, 90000);
      std::smatch m;
      static const std::regex kListening(R"(listening on (http://[^\s]+)\s*)");
      if (!std::regex_match(line, m, kListening)) {
        *output = ReadFile(err);
        return where + ": the serve block printed no \"listening on URL\" line";
      }
      if (item.serve_variable.empty()) {
        std::ofstream(state_, std::ios::app)
            << "export MASKINPORTEN_ISSUER=" << m[1].str() << "/\n";
      } else {
        std::ofstream(state_, std::ios::app)
            << "export " << item.serve_variable << "=" << m[1].str() << "\n";
      }
      return "";
    }
    WriteFile(script, "cd " + Quote(dir_.File("work")) + "\n. " + Quote(state_) +
                          "\nset -eo pipefail\n" + item.body + "\n" + kSaveState + " > " +
                          Quote(state_) + "\n");
    ProcessResult r =
        RunProcess("/usr/bin/env",
                   Env({"timeout", "--kill-after=5", "120", "bash", "-eo", "pipefail", script}));
    *output = "--- stdout\n" + r.out + "--- stderr\n" + r.err;
    int want = item.kind == Kind::kSetup ? 0 : item.expect_exit;
    if (r.exit_code != want) {
      return where + ": exit " + std::to_string(r.exit_code) + ", expected " + std::to_string(want);
    }
    // A block that exits early (exit N) leaves the state as it was before it.
    return "";
  }

 private:
  static std::string Quote(const std::string& s) { return "'" + s + "'"; }

  // `env -i` with the variables every block sees, then `command`.
  std::vector<std::string> Env(const std::vector<std::string>& command) const {
    std::string bin = fs::path(MP_CLI_PATH).parent_path().string();
    std::vector<std::string> args = {"-i",
                                     "PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin",
                                     "HOME=" + dir_.File("home"),
                                     "XDG_DATA_HOME=" + dir_.File("home/.local/share"),
                                     "LANG=C.UTF-8",
                                     "TMPDIR=" + dir_.path()};
    args.insert(args.end(), command.begin(), command.end());
    return args;
  }

  TempDir dir_;
  std::string state_ = dir_.File("state.sh");
  std::vector<std::unique_ptr<BackgroundProcess>> servers_;
};

void PrintTo(const BlockRef& ref, std::ostream* os) { *os << ref.file << ":" << ref.line; }

class DocBlock : public ::testing::TestWithParam<BlockRef> {};

TEST_P(DocBlock, RunsAsDocumented) {
  const BlockRef& ref = GetParam();
  std::vector<DocItem> items = ParseDoc(ref.file);
  ASSERT_LT(ref.index, items.size()) << ref.file << " changed since the tests were listed";
  const DocItem& block = items[ref.index];
  if (block.kind == Kind::kSkip && block.error.empty()) {
    GTEST_SKIP() << ref.file << ":" << block.line << " skipped " << block.reason;
  }
  Session session;
  for (size_t i = 0; i < ref.index; ++i) {
    if (items[i].kind == Kind::kSkip) continue;
    std::string output;
    std::string failure = session.Run(items[i], &output);
    ASSERT_EQ(failure, "") << "set-up (an earlier block of " << ref.file << ") failed:\n"
                           << items[i].body << output;
  }
  std::string output;
  std::string failure = session.Run(block, &output);
  EXPECT_EQ(failure, "") << block.body << output;
}

INSTANTIATE_TEST_SUITE_P(Docs, DocBlock, ::testing::ValuesIn(AllBlocks()), TestName);

TEST(Docs, EveryDocumentHasRunnableBlocksOrSaysWhyNot) {
  // The user documentation this task owns must show commands that a test runs.
  for (const char* f : {"README.md", "docs/getting-started.md", "docs/operations.md",
                        "docs/troubleshooting.md", "docs/api-owner.md"}) {
    std::vector<DocItem> items = ParseDoc(f);
    int runnable = 0;
    for (const DocItem& item : items) runnable += item.kind == Kind::kRun ? 1 : 0;
    EXPECT_GT(runnable, 0) << f;
  }
}

TEST(Docs, ParserReadsMarkersSetupAndLanguages) {
  std::vector<DocItem> items = ParseDocText("x.md",
                                            "```sh\n"
                                            "echo run\n"
                                            "```\n"
                                            "```json\n"
                                            "{}\n"
                                            "```\n"
                                            "<!-- doc-test: skip (needs the network) -->\n"
                                            "```sh\n"
                                            "curl https://example.org\n"
                                            "```\n"
                                            "<!-- doc-test: setup\n"
                                            "touch a\n"
                                            "-->\n"
                                            "<!-- doc-test: serve -->\n"
                                            "```bash\n"
                                            "maskinporten serve\n"
                                            "```\n"
                                            "<!-- doc-test: serve EXAMPLE_API -->\n"
                                            "```sh\n"
                                            "maskinporten example-api\n"
                                            "```\n"
                                            "<!-- doc-test: exit 1 -->\n"
                                            "```sh\n"
                                            "false\n"
                                            "```\n"
                                            "<!-- doc-test: skip -->\n"
                                            "```sh\n"
                                            "true\n"
                                            "```\n");
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[0].kind, Kind::kRun);
  EXPECT_EQ(items[0].line, 1);
  EXPECT_EQ(items[0].body, "echo run\n");
  EXPECT_EQ(items[1].kind, Kind::kSkip);
  EXPECT_EQ(items[1].reason, "(needs the network)");
  EXPECT_EQ(items[2].kind, Kind::kSetup);
  EXPECT_EQ(items[2].body, "touch a\n");
  EXPECT_EQ(items[3].kind, Kind::kServe);
  EXPECT_EQ(items[3].serve_variable, "");
  EXPECT_EQ(items[4].kind, Kind::kServe);
  EXPECT_EQ(items[4].serve_variable, "EXAMPLE_API");
  EXPECT_EQ(items[5].expect_exit, 1);
  EXPECT_THAT(items[6].error, HasSubstr("reason"));
}

TEST(Docs, EveryMarkerIsWellFormed) {
  for (const std::string& f : DocFiles()) {
    for (const DocItem& item : ParseDoc(f)) {
      EXPECT_EQ(item.error, "") << f << ":" << item.line;
    }
  }
}

TEST(Docs, TroubleshootingNamesEveryMaskinportenError) {
  std::string text = ReadFile(std::string(MP_SOURCE_DIR) + "/docs/troubleshooting.md");
  ASSERT_FALSE(text.empty());
  for (int i = static_cast<int>(MpError::kMp011); i <= static_cast<int>(MpError::kConsumerOrgIsOwn);
       ++i) {
    const MpErrorInfo& e = MpErrorInfoFor(static_cast<MpError>(i));
    if (!e.code.empty()) {
      EXPECT_THAT(text, HasSubstr("| " + std::string(e.code) + " |"))
          << "no table row for " << e.code;
    }
    // The text the server sends (the fixed part), so a reader can search for what they got.
    std::string fixed(e.text);
    while (!fixed.empty() && (fixed.back() == ' ' || fixed.back() == ',')) fixed.pop_back();
    EXPECT_THAT(text, HasSubstr(fixed)) << (e.code.empty() ? "uncoded error" : e.code);
  }
}

}  // namespace
}  // namespace mp::testing
