// Crash tests of `maskinporten serve` as a process: a registry file with `--replay-store sqlite`,
// the server killed with SIGKILL at a random moment while several clients write through the
// self-service API or get tokens, then restarted on the same files. Afterwards every write the
// server acknowledged (2xx) is there, the file passes `PRAGMA integrity_check`, and every grant
// that got a token before the kill is refused as a replay (MP-012). A process crash, not a power
// loss: what the OS has accepted survives, so `synchronous` NORMAL for the replay store suffices.
//
// The kill comes right after a random number (3-30) of acknowledgements, printed with a failure,
// while the other clients have requests in flight. Each test takes a few seconds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/serve_admin.h"
#include "core/json.h"
#include "maskinporten/grant.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"
#include "testing/cli_runner.h"
#include "testing/process.h"

namespace mp::testing {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kOtherOrg = "889640782";
// Fixed, so grants signed before the kill carry the `aud` of the restarted server on a new port.
const ServeAdmin kAdmin{.issuer = "http://127.0.0.1/crash-test/",
                        .client_id = "crash-client",
                        .kid = "crash-1",
                        .own_scope = "crash:token"};
constexpr int kWorkers = 3;

std::string Jwk(std::string kid) { return AdminJwk(std::move(kid)); }

// `PRAGMA integrity_check` on the registry file, opened read-only: "ok" or the problems found.
std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      if (!result.empty()) result += "\n";
      result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
  }
  if (rc != SQLITE_DONE) result += std::string("sqlite: ") + sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

class CrashCli : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.File("seed.json"), kAdmin.SeedJson());
    std::random_device rd;
    kill_after_ = std::uniform_int_distribution<int>(3, 30)(rd);
    RecordProperty("kill_after_acks", kill_after_);
  }

  // Starts the server on the registry file and a fresh port (the issuer stays kAdmin.issuer).
  void Start() {
    std::filesystem::remove(dir_.File("port"));
    serve_ = std::make_unique<BackgroundProcess>(
        MP_CLI_PATH,
        std::vector<std::string>{"serve", "--config", dir_.File("seed.json"), "--db", Db(),
                                 "--replay-store", "sqlite", "--issuer", kAdmin.issuer, "--ca-dir",
                                 dir_.File("ca"), "--ca-bits", "2048", "--port-file",
                                 dir_.File("port"), "--no-web", "--quiet"},
        dir_.File("out"), dir_.File("err"));
    std::string port = BackgroundProcess::WaitForLine(dir_.File("port"), 60000);
    ASSERT_FALSE(port.empty()) << ReadFile(dir_.File("err"));
    port.pop_back();
    base_ = "http://127.0.0.1:" + port;
  }

  void Kill() {
    serve_->Signal(SIGKILL);
    ASSERT_EQ(serve_->Wait(10000), 128 + SIGKILL);
  }

  void StopCleanly() {
    serve_->Signal(SIGTERM);
    EXPECT_EQ(serve_->Wait(15000), 0) << ReadFile(dir_.File("err"));
  }

  std::string Db() const { return dir_.File("registry.db"); }

  static std::unique_ptr<HttpClient> Http() { return TestHttp(); }
  static std::string Grant(const std::vector<std::string>& scopes) { return kAdmin.Grant(scopes); }
  Result<HttpResponse> PostToken(HttpClient& http, const std::string& assertion) const {
    return ServeAdmin::PostToken(http, base_, assertion);
  }
  std::string AdminToken(HttpClient& http) const { return kAdmin.Token(http, base_); }
  Result<HttpResponse> Api(HttpClient& http, const std::string& token, std::string method,
                           const std::string& path, const nlohmann::json& body = nullptr) const {
    return ServeAdmin::Api(http, base_, token, std::move(method), path, body);
  }

  // A worker's answer: true for `status` (an acknowledgement, counted); false when the request
  // failed, which after the kill is expected and before it is a test failure.
  bool Acked(const Result<HttpResponse>& r, int status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (r.ok() && r->status == status) {
      ++acks_;
      cv_.notify_all();
      return true;
    }
    if (!killed_) {
      ADD_FAILURE() << "before the kill: "
                    << (r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString());
    }
    return false;
  }
  // Kills the server as soon as kill_after_ acknowledgements are in, while the other workers'
  // requests are in flight; the workers stop on their first failed request.
  void KillAfterAcks() {
    std::unique_lock<std::mutex> lock(mu_);
    bool reached = cv_.wait_for(lock, std::chrono::seconds(30), [this] {
      return acks_ >= kill_after_ || workers_stopped_ == kWorkers;
    });
    killed_ = true;
    lock.unlock();
    Kill();
    EXPECT_TRUE(reached) << "no " << kill_after_ << " acknowledgements within 30 s";
  }
  void WorkerStopped() {
    std::lock_guard<std::mutex> lock(mu_);
    ++workers_stopped_;
    cv_.notify_all();
  }

  std::string Trace() const {
    return "killed after " + std::to_string(kill_after_) + " acknowledgements";
  }

  TempDir dir_;
  std::unique_ptr<BackgroundProcess> serve_;
  std::string base_;
  int kill_after_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  int acks_ = 0;
  int workers_stopped_ = 0;
  bool killed_ = false;
};

// What the admin workers got acknowledged.
struct AdminAcks {
  std::mutex mu;
  std::set<std::string> scopes;                // scope names (POST /scopes 201)
  std::set<std::string> access;                // scope names granted to kOtherOrg (PUT 200)
  std::map<std::string, std::string> clients;  // client_id -> client_name (POST /clients 201)
  std::map<std::string, std::string> kids;     // client_id -> kid uploaded (POST jwks 201)
};

TEST_F(CrashCli, KillDuringAdminWritesLosesNoAcknowledgedWrite) {
  SCOPED_TRACE(Trace());
  ASSERT_NO_FATAL_FAILURE(Start());
  std::string token = AdminToken(*Http());
  ASSERT_FALSE(token.empty());

  // Each worker makes a scope, grants it to another org, makes a client with it and uploads the
  // client's key: four tables, until a request fails (the kill).
  AdminAcks acks;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      auto http = Http();
      for (int i = 0; i < 1000; ++i) {
        std::string sub = "w" + std::to_string(w) + "-" + std::to_string(i);
        std::string scope = "crash:" + sub;
        Result<HttpResponse> r =
            Api(*http, token, "POST", "/scopes",
                {{"prefix", "crash"}, {"subscope", sub}, {"description", "crash test"}});
        if (!Acked(r, 201)) break;
        {
          std::lock_guard<std::mutex> lock(acks.mu);
          acks.scopes.insert(scope);
        }
        r = Api(*http, token, "PUT",
                "/scopes/access/" + std::string(kOtherOrg) + "?scope=" + scope);
        if (!Acked(r, 200)) break;
        {
          std::lock_guard<std::mutex> lock(acks.mu);
          acks.access.insert(scope);
        }
        r = Api(*http, token, "POST", "/clients",
                {{"client_name", "crash " + sub},
                 {"integration_type", "maskinporten"},
                 {"token_endpoint_auth_method", "private_key_jwt"},
                 {"scopes", {scope}}});
        if (!Acked(r, 201)) break;
        Result<nlohmann::json> client = ParseStrictJsonObject(r->body);
        if (!client.ok()) {
          ADD_FAILURE() << "client: " << r->body;
          break;
        }
        std::string id = (*client)["client_id"].get<std::string>();
        {
          std::lock_guard<std::mutex> lock(acks.mu);
          acks.clients[id] = "crash " + sub;
        }
        r = Api(*http, token, "POST", "/clients/" + id + "/jwks",
                {{"keys", {nlohmann::json::parse(Jwk("k-" + sub))}}});
        if (!Acked(r, 201)) break;
        {
          std::lock_guard<std::mutex> lock(acks.mu);
          acks.kids[id] = "k-" + sub;
        }
      }
      WorkerStopped();
    });
  }
  KillAfterAcks();
  for (std::thread& t : workers) t.join();
  ASSERT_FALSE(acks.scopes.empty());

  EXPECT_EQ(IntegrityCheck(Db()), "ok");  // the file as the crash left it
  ASSERT_NO_FATAL_FAILURE(Start());
  auto http = Http();
  token = AdminToken(*http);
  ASSERT_FALSE(token.empty()) << ReadFile(dir_.File("err"));

  Result<HttpResponse> r = Api(*http, token, "GET", "/scopes");
  ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  std::set<std::string> scopes;
  for (const nlohmann::json& s : nlohmann::json::parse(r->body))
    scopes.insert(s["name"].get<std::string>());
  for (const std::string& s : acks.scopes) EXPECT_TRUE(scopes.count(s)) << "lost scope " << s;

  for (const std::string& s : acks.access) {
    r = Api(*http, token, "GET", "/scopes/access?scope=" + s);
    ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
    EXPECT_THAT(r->body, HasSubstr("\"consumer_orgno\":\"" + std::string(kOtherOrg) + "\""))
        << "lost access to " << s;
  }

  r = Api(*http, token, "GET", "/clients");
  ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  std::map<std::string, std::string> clients;
  for (const nlohmann::json& c : nlohmann::json::parse(r->body)) {
    clients[c["client_id"].get<std::string>()] = c["client_name"].get<std::string>();
  }
  for (const auto& [id, name] : acks.clients) EXPECT_EQ(clients[id], name) << "lost client " << id;

  for (const auto& [id, kid] : acks.kids) {
    r = Api(*http, token, "GET", "/clients/" + id + "/jwks");
    ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
    EXPECT_THAT(r->body, HasSubstr("\"kid\":\"" + kid + "\"")) << "lost key of " << id;
  }
  RecordProperty("acknowledged_writes", acks_);
  StopCleanly();
  EXPECT_EQ(IntegrityCheck(Db()), "ok");
}

TEST_F(CrashCli, KillDuringTokenIssuingKeepsEveryUsedGrantAReplay) {
  SCOPED_TRACE(Trace());
  ASSERT_NO_FATAL_FAILURE(Start());

  std::mutex mu;
  std::vector<std::string> accepted;  // grants answered 200 before the kill
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      auto http = Http();
      for (int i = 0; i < 1000; ++i) {
        std::string grant = Grant({"crash:token"});
        Result<HttpResponse> r = PostToken(*http, grant);
        if (!Acked(r, 200)) break;
        std::lock_guard<std::mutex> lock(mu);
        accepted.push_back(grant);
      }
      WorkerStopped();
    });
  }
  KillAfterAcks();
  for (std::thread& t : workers) t.join();
  ASSERT_FALSE(accepted.empty());

  EXPECT_EQ(IntegrityCheck(Db()), "ok");
  ASSERT_NO_FATAL_FAILURE(Start());
  auto http = Http();
  for (const std::string& grant : accepted) {
    Result<HttpResponse> r = PostToken(*http, grant);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_THAT(r->body, HasSubstr("MP-012"));
  }
  // A grant never sent still gets a token: the refusals above are replays, not a broken server.
  Result<HttpResponse> fresh = PostToken(*http, Grant({"crash:token"}));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(fresh->status, 200) << fresh->body;
  RecordProperty("tokens_before_kill", static_cast<int>(accepted.size()));
  StopCleanly();
  EXPECT_EQ(IntegrityCheck(Db()), "ok");
}

}  // namespace
}  // namespace mp::testing
