#include "testing/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace mp::testing {
namespace {

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
constexpr const char* kSuperuser = "mp";

// A loopback port nothing listens on now (the kernel's pick for port 0).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// initdb and postgres refuse to run as root: then they run as "nobody".
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};
RunAs Identity() {
  RunAs who;
  if (::geteuid() != 0) return who;
  if (const passwd* pw = ::getpwnam("nobody")) {
    who.switch_user = true;
    who.uid = pw->pw_uid;
    who.gid = pw->pw_gid;
  }
  return who;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string PostgresServer::MissingBinaries() {
  for (const char* name : {"initdb", "pg_ctl", "postgres", "createdb"}) {
    std::string path = std::string(kBinDir) + "/" + name;
    if (::access(path.c_str(), X_OK) != 0) {
      return path +
             " is missing: install the Debian package postgresql-15 "
             "(scripts/install-deps.sh) to run the PostgreSQL tests";
    }
  }
  if (::geteuid() == 0 && ::getpwnam("nobody") == nullptr) {
    return "running as root and there is no user \"nobody\" to run PostgreSQL as";
  }
  return "";
}

PostgresServer& PostgresServer::Shared() {
  static PostgresServer* server = new PostgresServer();
  // Stopped at exit (a function-local static's destructor would also run, but only for a normal
  // exit; this keeps the order explicit).
  static const bool registered = [] {
    std::atexit([] { delete server; });
    return true;
  }();
  (void)registered;
  return *server;
}

std::string PostgresServer::Template() {
  // One initdb per machine and user (it takes seconds; a copy takes a fraction): made in a temp
  // dir and renamed into place, so concurrent test processes never see half of one.
  const RunAs who = Identity();
  const std::string cache =
      "/tmp/maskinporten-pg15-template-" + std::to_string(who.switch_user ? who.uid : ::geteuid());
  const std::string data = cache + "/data";
  struct stat st {};
  if (::stat((data + "/PG_VERSION").c_str(), &st) == 0) return data;
  const std::string fresh = dir_ + "/template";
  if (::mkdir(fresh.c_str(), 0700) != 0 ||
      (who.switch_user && ::chown(fresh.c_str(), who.uid, who.gid) != 0)) {
    error_ = "cannot create " + fresh;
    return "";
  }
  if (Run(Bin("initdb"), {"-D", fresh + "/data", "-U", kSuperuser, "-A", "trust", "-E", "UTF8",
                          "--locale=C", "--no-sync"}) != 0) {
    error_ = "initdb failed: " + ReadFile(dir_ + "/commands.log");
    return "";
  }
  // Another process may have won the race: then its template is used and ours dropped.
  if (::rename(fresh.c_str(), cache.c_str()) != 0) {
    std::error_code ec;
    std::filesystem::remove_all(fresh, ec);
  }
  return data;
}

std::string PostgresServer::Bin(const std::string& name) const {
  return std::string(kBinDir) + "/" + name;
}

int PostgresServer::Run(const std::string& program, const std::vector<std::string>& args) const {
  const RunAs who = Identity();
  const std::string log = dir_ + "/commands.log";
  std::vector<std::string> argv_s = {program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (who.switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(who.gid) != 0 || ::setuid(who.uid) != 0) {
        ::_exit(126);
      }
    }
    // A home and a working directory the user can read.
    ::setenv("HOME", dir_.c_str(), 1);
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

PostgresServer::PostgresServer() {
  error_ = MissingBinaries();
  if (!error_.empty()) return;
  char tmpl[] = "/tmp/mp-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  const RunAs who = Identity();
  if (who.switch_user && ::chown(dir_.c_str(), who.uid, who.gid) != 0) {
    error_ = "cannot chown " + dir_ + " to nobody";
    return;
  }
  // The log file must be the runner's too.
  {
    std::ofstream(dir_ + "/commands.log").flush();
    if (who.switch_user) (void)::chown((dir_ + "/commands.log").c_str(), who.uid, who.gid);
  }
  const std::string data = dir_ + "/data";
  const std::string pristine = Template();
  if (pristine.empty()) return;
  if (Run("/bin/cp", {"-a", pristine, data}) != 0) {
    error_ = "copying " + pristine + " failed: " + ReadFile(dir_ + "/commands.log");
    return;
  }
  // Tests need speed, not durability; the socket lives in our dir, TCP on loopback only.
  {
    std::ofstream conf(data + "/postgresql.conf", std::ios::app);
    conf << "\nlisten_addresses = '127.0.0.1'\n"
         << "unix_socket_directories = '" << dir_ << "'\n"
         << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
         << "max_connections = 200\nshared_buffers = 16MB\n";
  }
  for (int attempt = 0; attempt < 3 && !running_; ++attempt) {
    port_ = FreePort();
    if (port_ != 0) Start();
  }
  if (!running_) error_ = "postgres did not start: " + ReadFile(dir_ + "/commands.log");
}

bool PostgresServer::Start() {
  if (running_) return true;
  const std::string data = dir_ + "/data";
  running_ = Run(Bin("pg_ctl"), {"-D", data, "-l", dir_ + "/server.log", "-w", "-t", "30", "-o",
                                 "-p " + std::to_string(port_), "start"}) == 0;
  return running_;
}

bool PostgresServer::Stop() {
  if (!running_) return true;
  const bool stopped =
      Run(Bin("pg_ctl"), {"-D", dir_ + "/data", "-m", "fast", "-w", "-t", "30", "stop"}) == 0;
  if (stopped) running_ = false;
  return stopped;
}

PostgresServer::~PostgresServer() {
  if (running_) {
    if (!Stop()) {
      // Last resort: the postmaster's pid is the first line of postmaster.pid.
      std::ifstream pidfile(dir_ + "/data/postmaster.pid");
      pid_t pid = 0;
      if (pidfile >> pid && pid > 0) ::kill(pid, SIGKILL);
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PostgresServer::Url(const std::string& dbname) const {
  return std::string("postgresql://") + kSuperuser + "@127.0.0.1:" + std::to_string(port_) + "/" +
         dbname;
}

std::string PostgresServer::CreateDatabase() {
  if (!running_) return "";
  // The first test of a fresh server gets the empty default database: a test binary run by
  // ctest, one test per process, then creates none.
  if (databases_++ == 0) return Url("postgres");
  const std::string name = "t" + std::to_string(databases_);
  if (Run(Bin("createdb"),
          {"-h", "127.0.0.1", "-p", std::to_string(port_), "-U", kSuperuser, name}) != 0) {
    error_ = "createdb " + name + " failed: " + ReadFile(dir_ + "/commands.log");
    return "";
  }
  return Url(name);
}

}  // namespace mp::testing
