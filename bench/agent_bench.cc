// maskinporten_agent_bench: the token agent's cache-hit path over HTTP against a baseline in the
// same run (STYLE.md: ratios, never a bare time).
//
// In one process: a LocalMaskinporten (the upstream), an Agent with its cache warmed for one
// scope, and the baseline: the same Beast HTTP server (mp_http, same threads and bounds) whose
// handler answers a fixed body (the agent's own answer, byte for byte) without doing anything.
// One client thread drives N keep-alive connections with epoll and sends the same request bytes
// to both, alternating short baseline and agent rounds so machine noise hits both alike.
// Reported: requests/s of each, the median of the per-pair ratios, and latency percentiles (send
// start to whole response).
//
// Usage: maskinporten_agent_bench [--connections N] [--millis MS per round] [--rounds R]
//                                 [--threads T] [--json FILE]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/http_server.h"
#include "maskinporten/agent.h"
#include "maskinporten/jwk.h"
#include "maskinporten/key.h"
#include "maskinporten/local_maskinporten.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kBody = R"({"identity_provider":"maskinporten","target":"bench:agent"})";

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "agent_bench: " << what << "\n";
  std::exit(1);
}

std::string RequestBytes(uint16_t port) {
  return "POST /api/v1/token HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(kBody.size()) +
         "\r\n\r\n" + std::string(kBody);
}

int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Die("connect");
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Bytes of a whole response at the front of `buf` (headers + Content-Length), or 0 when more
// must be read. Dies on anything but a 200.
size_t WholeResponse(const std::string& buf) {
  const size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string::npos) return 0;
  if (buf.compare(0, 12, "HTTP/1.1 200") != 0) Die("not a 200: " + buf.substr(0, head_end));
  size_t length = 0;
  const std::string_view head(buf.data(), head_end);
  for (size_t at = head.find("\r\n"); at != std::string_view::npos;
       at = head.find("\r\n", at + 2)) {
    const std::string_view line = head.substr(at + 2, head.find("\r\n", at + 2) - at - 2);
    if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
      length = std::strtoul(std::string(line.substr(15)).c_str(), nullptr, 10);
    }
  }
  const size_t total = head_end + 4 + length;
  return buf.size() >= total ? total : 0;
}

// CPU seconds of this whole process (server threads and the one client thread) so far.
double ProcessCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Round {
  uint64_t requests = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  std::vector<uint32_t> latency_us;
};

// N connections, one thread: each sends the request, reads the whole response, sends again.
Round Drive(uint16_t port, int connections, double seconds) {
  const std::string request = RequestBytes(port);
  struct Conn {
    int fd;
    std::string buf;
    Clock::time_point start;
  };
  std::vector<Conn> conns;
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < connections; ++i) {
    conns.push_back({Connect(port), {}, {}});
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns.back().fd, &ev);
  }
  const auto send = [&](Conn& c) {
    c.start = Clock::now();
    if (::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      Die("send");
    }
  };
  Round round;
  const double cpu_begin = ProcessCpuSeconds();
  const Clock::time_point begin = Clock::now();
  const Clock::time_point end =
      begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (Conn& c : conns) send(c);
  std::vector<epoll_event> events(static_cast<size_t>(connections));
  char chunk[16384];
  Clock::time_point now;
  while ((now = Clock::now()) < end) {
    const int n = ::epoll_wait(ep, events.data(), connections, 100);
    for (int i = 0; i < n; ++i) {
      Conn& c = conns[events[static_cast<size_t>(i)].data.u32];
      const ssize_t got = ::recv(c.fd, chunk, sizeof(chunk), 0);
      if (got <= 0) Die("connection closed by the server");
      c.buf.append(chunk, static_cast<size_t>(got));
      if (const size_t whole = WholeResponse(c.buf); whole > 0) {
        const Clock::time_point done = Clock::now();
        round.latency_us.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(done - c.start).count()));
        ++round.requests;
        c.buf.erase(0, whole);
        send(c);
      }
    }
  }
  round.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  round.cpu_seconds = ProcessCpuSeconds() - cpu_begin;
  for (Conn& c : conns) ::close(c.fd);
  ::close(ep);
  return round;
}

double Percentile(std::vector<uint32_t>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[i] / 1000.0;
}

int IntArg(int argc, char** argv, std::string_view name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

std::string StringArg(int argc, char** argv, std::string_view name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  const int connections = IntArg(argc, argv, "--connections", 16);
  const double seconds = IntArg(argc, argv, "--millis", 1000) / 1000.0;
  const int rounds = std::max(1, IntArg(argc, argv, "--rounds", 10));
  const int threads = IntArg(argc, argv, "--threads", 2);
  const std::string json_file = StringArg(argc, argv, "--json");

  // The upstream: a local Maskinporten with one client and scope.
  mp::Result<mp::PrivateKey> key = mp::PrivateKey::Generate(mp::Algorithm::kRS256, 2048);
  if (!key.ok()) Die(key.status().ToString());
  const std::string jwk =
      mp::PublicKeyToJwk(key->public_key(), {.kid = "bench-1", .alg = mp::Algorithm::kRS256});
  mp::LocalMaskinportenOptions mo;
  mo.seed_json = R"({"scopes":[{"prefix":"bench","subscope":"agent","owner_orgno":"889640782",
    "accessible_for_all":true}],"clients":[{"client_id":"bench-client","client_name":"bench",
    "client_orgno":"910753614","scopes":["bench:agent"],"keys":[)" +
                 jwk + "]}]}";
  mo.signing_key_pem = key->ToPkcs8Pem();
  mo.web = false;
  mo.threads = 1;
  auto upstream = mp::LocalMaskinporten::Start(mo);
  if (!upstream.ok()) Die(upstream.status().ToString());

  char dir_template[] = "/tmp/mp-agent-bench.XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  if (dir == nullptr) Die("mkdtemp");
  const std::string key_file = std::string(dir) + "/key.pem";
  std::ofstream(key_file) << key->ToPkcs8Pem();

  mp::AgentOptions ao;
  ao.client.issuer = (*upstream)->issuer();
  ao.client.client_id = "bench-client";
  ao.client.key_file = key_file;
  ao.client.kid = "bench-1";
  ao.http = mp::MakeCurlHttpClient();
  ao.threads = threads;
  auto agent = mp::Agent::Start(ao);
  std::remove(key_file.c_str());
  ::rmdir(dir);
  if (!agent.ok()) Die(agent.status().ToString());

  // Warm the cache and take the agent's answer as the baseline's fixed body.
  mp::Result<mp::HttpResponse> warm =
      ao.http->Send({.method = "POST",
                     .url = (*agent)->token_endpoint(),
                     .headers = {{"Content-Type", "application/json"}},
                     .body = std::string(kBody)});
  if (!warm.ok() || warm->status != 200) Die("warming the agent's cache failed");
  const std::string fixed_body = warm->body;

  mp::http::HttpServerOptions bo;
  bo.threads = threads;
  auto baseline = mp::http::HttpServer::Start(bo, [&fixed_body](const mp::http::HttpRequest&) {
    return mp::http::HttpResponse::Json(200, fixed_body);
  });
  if (!baseline.ok()) Die(baseline.status().ToString());

  Drive((*baseline)->port(), connections, 0.5);  // warm-up of both
  Drive((*agent)->port(), connections, 0.5);
  Round base_total;
  Round agent_total;
  std::vector<double> ratios;  // agent / baseline of each adjacent pair of rounds
  for (int r = 0; r < rounds; ++r) {
    double rps[2] = {0, 0};
    int i = 0;
    for (auto [port, total] :
         {std::pair{(*baseline)->port(), &base_total}, std::pair{(*agent)->port(), &agent_total}}) {
      Round round = Drive(port, connections, seconds);
      rps[i++] = static_cast<double>(round.requests) / round.seconds;
      total->requests += round.requests;
      total->seconds += round.seconds;
      total->cpu_seconds += round.cpu_seconds;
      total->latency_us.insert(total->latency_us.end(), round.latency_us.begin(),
                               round.latency_us.end());
    }
    ratios.push_back(rps[1] / rps[0]);
  }
  std::sort(ratios.begin(), ratios.end());
  const double base_rps = static_cast<double>(base_total.requests) / base_total.seconds;
  const double agent_rps = static_cast<double>(agent_total.requests) / agent_total.seconds;
  const mp::AgentStats stats = (*agent)->stats();
  nlohmann::ordered_json out;
  out["connections"] = connections;
  out["server_threads"] = threads;
  out["seconds_per_round"] = seconds;
  out["rounds"] = rounds;
  const auto cpu_us = [](const Round& r) {
    return r.cpu_seconds * 1e6 / static_cast<double>(r.requests);
  };
  out["baseline"] = {{"requests_per_s", base_rps},
                     {"cpu_us_per_request", cpu_us(base_total)},
                     {"p50_ms", Percentile(base_total.latency_us, 0.50)},
                     {"p99_ms", Percentile(base_total.latency_us, 0.99)}};
  out["agent"] = {{"requests_per_s", agent_rps},
                  {"cpu_us_per_request", cpu_us(agent_total)},
                  {"p50_ms", Percentile(agent_total.latency_us, 0.50)},
                  {"p99_ms", Percentile(agent_total.latency_us, 0.99)},
                  {"upstream_fetches", stats.upstream_fetches},
                  {"cache_hits", stats.cache.hits}};
  // The median of the per-pair ratios: a busy neighbour slows a pair of rounds, not the figure.
  out["ratio"] = ratios[ratios.size() / 2];
  out["ratio_of_totals"] = agent_rps / base_rps;
  out["ratios"] = ratios;
  // Requests per CPU second, agent / baseline (client thread included on both sides): what the
  // throughput ratio is on an otherwise idle machine where both are CPU bound.
  out["cpu_ratio"] = cpu_us(base_total) / cpu_us(agent_total);
  if (!json_file.empty()) std::ofstream(json_file) << out.dump(2) << "\n";
  std::cout << out.dump(2) << std::endl;
  (*agent)->Stop();
  (*baseline)->Stop();
  return 0;
}
