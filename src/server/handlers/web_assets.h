// The self-service web pages (web/ in the source tree), embedded into the binary at build time by
// cmake/EmbedFiles.cmake and served by the local Maskinporten at "/<file name>"; "/" serves
// index.html. Every answer carries a strict Content-Security-Policy (no inline scripts or styles,
// nothing from other origins), nosniff, no-referrer and Cache-Control: no-cache.
//
//   Router router;
//   AddWebRoutes(router, EmbeddedWebAssets());   // GET /, GET /app.js, GET /style.css, ...
#ifndef MASKINPORTEN_SERVER_HANDLERS_WEB_ASSETS_H_
#define MASKINPORTEN_SERVER_HANDLERS_WEB_ASSETS_H_

#include <span>
#include <string_view>

#include "http/http_types.h"

namespace mp::server {

// One embedded file: its name (served at "/<name>"), content type (from the extension) and bytes.
struct WebAsset {
  std::string_view name{};
  std::string_view content_type{};
  std::string_view body{};
};

// The files of web/ as of the build, ordered by name (generated source; empty when web/ is).
std::span<const WebAsset> EmbeddedWebAssets();

// The headers sent with every page and asset.
inline constexpr std::string_view kWebContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

// Adds GET /<name> for every asset, GET / for index.html and GET
// /accessmanagement/ui/consent/request (the person's Altinn 3 consent page) for
// consent-request.html, and GET /authfront/ui/auth/vendorrequest (the customer's system user
// approval page, SPEC §15) for systemuser-request.html, when there are such. The assets'
// bytes must outlive the router (EmbeddedWebAssets() are static). Endpoint label "web".
void AddWebRoutes(http::Router& router, std::span<const WebAsset> assets);

}  // namespace mp::server

#endif  // MASKINPORTEN_SERVER_HANDLERS_WEB_ASSETS_H_
