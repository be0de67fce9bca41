#include "testing/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <thread>

namespace mp::testing {
namespace {

// A port the kernel had free a moment ago (bind to 0). Another process may take it before
// redis-server binds it, so Start tries again on a new one when redis-server cannot bind.
uint16_t FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// One PING over a fresh connection; true when the server answers it.
bool PingOnce(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      write(fd, "PING\r\n", 6) == 6) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    char buf[16] = {};
    // -NOAUTH: up, with --requirepass.
    if (poll(&p, 1, 500) == 1 && read(fd, buf, sizeof(buf)) >= 5) {
      std::string_view reply(buf, sizeof(buf));
      ok = reply.starts_with("+PONG") || reply.starts_with("-NOAUTH");
    }
  }
  close(fd);
  return ok;
}

}  // namespace

bool RedisAnswersPing(uint16_t port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    if (PingOnce(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

std::string RedisServer::FindBinary() {
  if (const char* env = std::getenv("MP_REDIS_SERVER"); env != nullptr && *env != '\0') {
    return access(env, X_OK) == 0 ? std::string(env) : std::string();
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/usr/sbin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/redis-server";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::unique_ptr<RedisServer> RedisServer::Start(std::vector<std::string> extra_args) {
  std::string binary = FindBinary();
  if (binary.empty()) {
    ADD_FAILURE() << "redis-server is not installed";
    return nullptr;
  }
  std::string last_log;
  for (int attempt = 0; attempt < 5; ++attempt) {
    uint16_t port = FreeLoopbackPort();
    if (port == 0) continue;
    std::unique_ptr<RedisServer> server(new RedisServer(binary, port, extra_args));
    if (server->Launch()) return server;
    last_log = server->Log();
  }
  ADD_FAILURE() << "redis-server did not start on a free port in 5 attempts; its last log:\n"
                << last_log;
  return nullptr;
}

RedisServer::~RedisServer() { Stop(); }

bool RedisServer::Launch() {
  // No persistence: nothing is written but the log, so a restart starts empty, like a crash of a
  // Redis without AOF. --dir keeps any stray file out of the working directory.
  std::vector<std::string> args = {
      "--port",    std::to_string(port_), "--bind", "127.0.0.1", "--save",
      "",          "--appendonly",        "no",     "--dir",     dir_.path(),
      "--logfile", dir_.File("redis.log")};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  process_ =
      std::make_unique<BackgroundProcess>(binary_, args, dir_.File("stdout"), dir_.File("stderr"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_->Wait(0) >= 0) break;  // exited: the port was taken, or a bad option
    if (PingOnce(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  process_.reset();
  return false;
}

std::string RedisServer::Log() const {
  std::string out;
  for (const char* name : {"redis.log", "stderr"}) {
    std::ifstream in(dir_.File(name));
    out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

void RedisServer::Stop() {
  if (process_ == nullptr) return;
  process_->Signal(SIGKILL);
  process_->Wait(10000);
  process_.reset();
}

bool RedisServer::Restart() {
  Stop();
  // The old socket is gone with the process; redis-server binds with SO_REUSEADDR, so only
  // another process grabbing the port in between can stop it (then the test fails, saying so).
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Launch()) return true;
  }
  ADD_FAILURE() << "redis-server did not restart on port " << port_ << "; its log:\n" << Log();
  return false;
}

}  // namespace mp::testing
