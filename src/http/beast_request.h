// How the HTTP server turns a request Beast has parsed into the handlers' HttpRequest. Shared with
// the fuzz target that dispatches whole requests in memory (fuzz/http_fuzz.cc), so the router
// sees there exactly what it sees behind a socket. Private to src/server.
#ifndef MASKINPORTEN_HTTP_BEAST_REQUEST_H_
#define MASKINPORTEN_HTTP_BEAST_REQUEST_H_

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/http_types.h"

namespace mp::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Method, target (split at the first '?' into path and query), headers (names in lower case,
// values without surrounding spaces and tabs, in wire order), the body (moved out of `request`),
// `remote`, and a new trace id.
HttpRequest ToHttpRequest(BeastRequest& request, std::string remote);

}  // namespace mp::http

#endif  // MASKINPORTEN_HTTP_BEAST_REQUEST_H_
