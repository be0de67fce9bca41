// A blocking loopback HTTP/1.1 client for the server tests: raw bytes out (so tests can send
// malformed or partial requests), Beast-parsed responses in, and a receive timeout so a server bug
// fails a test instead of hanging it.
//
//   RawConnection c = RawConnection::Connect(server->port());
//   c.Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
//   std::optional<RawReply> reply = c.Read();
#ifndef MASKINPORTEN_TESTS_HTTP_RAW_HTTP_CLIENT_H_
#define MASKINPORTEN_TESTS_HTTP_RAW_HTTP_CLIENT_H_

#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace mp::http::testing {

struct RawReply {
  int status = 0;
  std::string body{};
  boost::beast::http::fields headers{};
  bool keep_alive = false;

  std::string Header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
  }
};

class RawConnection {
 public:
  // Connects or throws (a test that cannot connect has failed anyway).
  static RawConnection Connect(
      uint16_t port, std::string_view host = "127.0.0.1",
      std::chrono::milliseconds receive_timeout = std::chrono::seconds(5)) {
    RawConnection c;
    c.socket_.connect({boost::asio::ip::make_address(std::string(host)), port});
    c.SetReceiveTimeout(receive_timeout);
    return c;
  }
  // false when the connection is refused.
  static bool CanConnect(uint16_t port, std::string_view host = "127.0.0.1") {
    RawConnection c;
    boost::system::error_code ec;
    c.socket_.connect({boost::asio::ip::make_address(std::string(host)), port}, ec);
    return !ec;
  }

  void SetReceiveTimeout(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  // Writes all bytes; false when the server has closed or reset the connection.
  bool Send(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }

  // One response, or nullopt when the connection ends (or times out) before a whole one arrives.
  std::optional<RawReply> Read() {
    namespace beast_http = boost::beast::http;
    beast_http::response_parser<beast_http::string_body> parser;
    parser.body_limit(16 << 20);
    boost::system::error_code ec;
    beast_http::read(socket_, buffer_, parser, ec);
    if (ec) {
      last_error_ = ec;
      return std::nullopt;
    }
    RawReply reply;
    reply.status = static_cast<int>(parser.get().result_int());
    reply.keep_alive = parser.get().keep_alive();
    reply.body = parser.get().body();
    for (const auto& field : parser.get()) reply.headers.insert(field.name_string(), field.value());
    return reply;
  }

  // Reads until the server closes: true on a clean EOF or a reset, false on a timeout. `received`
  // gets any bytes read on the way (besides those already buffered by Read()).
  bool WaitForClose(std::string* received = nullptr) {
    std::string data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.clear();
    char chunk[4096];
    while (true) {
      boost::system::error_code ec;
      const size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
      data.append(chunk, n);
      if (ec) {
        if (received) *received = data;
        return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
      }
    }
  }

  boost::system::error_code last_error() const { return last_error_; }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  RawConnection() : io_(std::make_unique<boost::asio::io_context>()), socket_(*io_) {}

  std::unique_ptr<boost::asio::io_context> io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  boost::system::error_code last_error_;
};

inline std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" +
         std::string(extra_headers) + "\r\n";
}

inline std::string Post(std::string_view target, std::string_view body,
                        std::string_view content_type = "application/x-www-form-urlencoded") {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + std::string(content_type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

}  // namespace mp::http::testing

#endif  // MASKINPORTEN_TESTS_HTTP_RAW_HTTP_CLIENT_H_
