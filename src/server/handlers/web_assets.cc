#include "server/handlers/web_assets.h"

#include <string>

namespace mp::server {
namespace {

http::HttpResponse Serve(const WebAsset& asset) {
  http::HttpResponse r =
      http::HttpResponse::Text(200, std::string(asset.body), std::string(asset.content_type));
  r.headers.emplace_back("Content-Security-Policy", std::string(kWebContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.labels.route = "web";
  return r;
}

}  // namespace

void AddWebRoutes(http::Router& router, std::span<const WebAsset> assets) {
  for (const WebAsset& asset : assets) {
    // Copied into the handler: the WebAsset holds only views of static bytes.
    const WebAsset a = asset;
    router.Add("GET", "/" + std::string(a.name),
               [a](const http::HttpRequest&) { return Serve(a); });
    if (a.name == "index.html") {
      router.Add("GET", "/", [a](const http::HttpRequest&) { return Serve(a); });
    }
    // The person's consent page where Altinn serves it (SPEC §14.2, the viewUri).
    if (a.name == "consent-request.html") {
      router.Add("GET", "/accessmanagement/ui/consent/request",
                 [a](const http::HttpRequest&) { return Serve(a); });
    }
    // The customer's system user approval page at the request's confirmUrl (SPEC §15).
    if (a.name == "systemuser-request.html") {
      router.Add("GET", "/authfront/ui/auth/vendorrequest",
                 [a](const http::HttpRequest&) { return Serve(a); });
    }
  }
}

}  // namespace mp::server
