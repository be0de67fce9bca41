// Fuzzes whole HTTP requests through the local Maskinporten's router, in memory. The input is what
// a client sends on one connection: Beast's request_parser reads it under the server's limits
// (16 KiB header, 64 KiB body), the server's own ToHttpRequest turns each request into the
// handlers' HttpRequest (then the placeholders of fuzz_world.h in header values and the body are
// replaced, so Content-Length counts the placeholder's own bytes), and the router of the
// emulator reset for each input (the one `maskinporten serve` builds, test controls and web pages
// on) answers, for up to 8 pipelined requests while the connection stays open. Properties:
//   - nothing crashes, leaks or hangs;
//   - every answer has the documented shape (CheckResponse) and a status of the documented set;
//     429, 500 and 503 only from /token while a fault set through /_local/faults is pending;
//   - a request that Beast refuses never reaches the router (the server answers 400, 413 or 431
//     itself) and ends the connection.
// POST /_local/rotate-key is not dispatched: it reads nothing, generates an RSA key (slow) and
// changes keys the emulator's reset cannot restore (fuzz_emulator.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/openssl.h"
#include "fuzz_check.h"
#include "fuzz_emulator.h"
#include "http/beast_request.h"
#include "http/http_server.h"

namespace {

namespace beast_http = boost::beast::http;
constexpr int kMaxRequests = 8;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const mp::http::HttpServerOptions limits;
  mp::fuzz::FuzzEmulator& emulator = mp::fuzz::FuzzEmulator::Fresh();

  std::string_view rest = input;
  for (int i = 0; i < kMaxRequests && !rest.empty(); ++i) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    parser.eager(true);
    boost::beast::error_code ec;
    size_t used = 0;
    while (!parser.is_done()) {
      const size_t n = parser.put(boost::asio::buffer(rest.data() + used, rest.size() - used), ec);
      used += n;
      if (ec == beast_http::error::need_more && used < rest.size() && n > 0) {
        ec = {};
        continue;
      }
      if (ec == beast_http::error::need_more) parser.put_eof(ec);  // the client stops sending
      if (ec || n == 0) break;
    }
    if (ec || !parser.is_done()) break;  // refused by the server, or still waiting for bytes
    rest.remove_prefix(used);

    mp::http::HttpRequest request = mp::http::ToHttpRequest(parser.get(), "127.0.0.1:40000");
    const bool keep_alive = parser.get().keep_alive();
    for (auto& [name, value] : request.headers) value = mp::fuzz::ExpandPlaceholders(value);
    request.body = mp::fuzz::ExpandPlaceholders(request.body);
    if (request.method == "POST" && request.path == "/_local/rotate-key") continue;
    const bool fault_pending = emulator.e().faults.remaining() > 0 && request.path == "/token";
    mp::http::HttpResponse response = emulator.Dispatch(std::move(request));
    if (response.drop_connection) break;  // closed without an answer
    if (fault_pending) {
      mp::fuzz::CheckResponse(response, {200, 400, 403, 405, 429, 500, 503});
    } else {
      mp::fuzz::CheckResponse(response, {200, 201, 400, 401, 403, 404, 405, 409});
    }
    if (!keep_alive) break;
  }
  mp::ClearOpenSslErrors();
  return 0;
}
