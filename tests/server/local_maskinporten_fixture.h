// A running LocalMaskinporten on loopback for the Altinn 3 tests (consent requests, system
// users): started from a seed with the shared server key and a FakeClock, and the client side
// that talks to it over sockets: grants signed with the shared client key (kid "k1"), requests
// with a bearer token, and the byte-for-byte MP-303 answer.
//
//   class MyTest : public LocalMaskinportenTest {
//     void SetUp() override { StartServer(MySeed()); }
//   };
//   mp::HttpResponse r = PostGrant(Spec("client", {}, {"nav:ssu"}, details));
//   ExpectMp303(r, "Invalid authorization details values. Consent not found");
#ifndef MASKINPORTEN_TESTS_SERVER_LOCAL_MASKINPORTEN_FIXTURE_H_
#define MASKINPORTEN_TESTS_SERVER_LOCAL_MASKINPORTEN_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "maskinporten/clock.h"
#include "maskinporten/grant.h"
#include "maskinporten/http.h"
#include "maskinporten/local_maskinporten.h"

namespace mp::server::testing {

// The server's and the client's FakeClock at the start: 2026-09-21.
inline constexpr int64_t kLocalStartTime = 1790000000;

class LocalMaskinportenTest : public ::testing::Test {
 protected:
  // Starts the server with `seed_json`; a failure fails the test.
  void StartServer(const std::string& seed_json);

  // A grant spec for `client` asking for `scopes`, with consumer_org and authorization_details
  // (one entry) when given.
  mp::GrantSpec Spec(const std::string& client, std::optional<std::string_view> consumer_org,
                     std::vector<std::string> scopes,
                     std::optional<nlohmann::json> details = std::nullopt) const;
  // POST /token with the grant signed by the shared client key under kid "k1".
  mp::HttpResponse PostGrant(const mp::GrantSpec& spec);
  // The access token for `spec` (the test fails on a refusal; "" then).
  std::string AccessToken(const mp::GrantSpec& spec);
  // `method path` on the server with `body` and, when not "", a bearer token.
  mp::HttpResponse Send(std::string method, std::string path, std::string body,
                        const std::string& bearer, std::string content_type = "application/json");
  // The token endpoint's MP-303 refusal, byte for byte with the trace id it sent.
  void ExpectMp303(const mp::HttpResponse& r, const std::string& text) const;

  FakeClock clock_{kLocalStartTime};
  std::unique_ptr<HttpClient> http_ = MakeCurlHttpClient();
  std::unique_ptr<LocalMaskinporten> server_;
};

}  // namespace mp::server::testing

#endif  // MASKINPORTEN_TESTS_SERVER_LOCAL_MASKINPORTEN_FIXTURE_H_
