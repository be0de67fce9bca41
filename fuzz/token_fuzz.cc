// Fuzzes the token endpoint (TokenService::HandleToken, POST /token) with arbitrary form bodies and
// headers, against the fuzz registry (fuzz_world.h: clients, keys, scopes, access, delegations,
// consents), the emulator and its replay store reset per input. The first byte chooses:
//   bit 0 clear: the rest is header lines ("Name: value", up to an empty line) and then the body,
//                placeholders expanded (@GRANT@ is a valid grant of kClientA);
//   bit 0 set:   the rest is a JWS header JSON line, a claims JSON line and a form tail: the target
//                signs "<header>.<claims>" with kClientA's registered key (RS256/384/512 by bits
//                1-2) and posts grant_type=jwt-bearer&assertion=<grant><tail>, so the fuzzer
//                reaches every check after the signature (claims, scopes, delegation, consent and
//                system-user authorization_details);
//   bit 3 set:   the method is GET instead of POST.
// Properties:
//   - nothing crashes, leaks or hangs;
//   - the status is 200, 400, 403 or 405 (the store is healthy: never 500);
//   - the body is a strict JSON object: on 200 exactly access_token, token_type "Bearer",
//     expires_in and scope, and the token verifies as this server's with the same scope; else
//     error and error_description ending in " (trace_id: <id>)", and error_uri exactly for
//     coded errors, whose status, error and text are the MP table's (mp_errors.h);
//   - on_outcome is called once and agrees (issued, MP code);
//   - a grant the endpoint accepts is one the linter (LintGrant) finds no error in (one grant-rule
//     engine decides both: src/grant/grant_engine.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/openssl.h"
#include "fuzz_check.h"
#include "fuzz_emulator.h"
#include "fuzz_keys.h"
#include "fuzz_world.h"
#include "jose/signature.h"
#include "maskinporten/base64.h"
#include "maskinporten/grant.h"
#include "maskinporten/jws.h"
#include "maskinporten/mp_errors.h"
#include "server/token/access_token.h"
#include "server/token/token_service.h"

namespace {

using mp::http::HttpRequest;
using mp::http::HttpResponse;

constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
constexpr std::string_view kGrantTypeParam =
    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";

// Header lines up to an empty line, then the body.
HttpRequest RawRequest(std::string_view rest, std::string method) {
  HttpRequest r = mp::fuzz::Request(std::move(method), "/token", "", "", "");
  r.headers = mp::fuzz::HeaderLines(&rest);
  r.body = mp::fuzz::ExpandPlaceholders(rest);
  return r;
}

HttpRequest SignedRequest(std::string_view rest, unsigned mode, std::string method) {
  const std::string_view header = mp::fuzz::NextLine(&rest);
  const std::string_view claims = mp::fuzz::NextLine(&rest);
  static constexpr mp::Algorithm kAlgs[] = {mp::Algorithm::kRS256, mp::Algorithm::kRS384,
                                            mp::Algorithm::kRS512, mp::Algorithm::kRS256};
  const std::string input = mp::Base64UrlEncode(header) + "." + mp::Base64UrlEncode(claims);
  auto signature = mp::Sign(kAlgs[(mode >> 1) & 3], mp::fuzz::FuzzRsaKey(), input);
  FUZZ_CHECK(signature.ok());
  std::string body = std::string(kGrantTypeParam) + input + "." + mp::Base64UrlEncode(*signature) +
                     mp::fuzz::ExpandPlaceholders(rest);
  return mp::fuzz::Request(std::move(method), "/token", "", std::move(body),
                           std::string(kFormType));
}

// The assertion of a form body ("" when none).
std::string Assertion(const std::string& body) {
  auto form = mp::http::ParseForm(body);
  if (!form.ok()) return {};
  return mp::http::FormValue(*form, "assertion").value_or("");
}

void CheckIssued(mp::server::Emulator& e, const HttpResponse& r, const nlohmann::json& body,
                 const HttpRequest& request) {
  FUZZ_CHECK(body.size() == 4);
  FUZZ_CHECK(body.contains("access_token") && body["access_token"].is_string());
  FUZZ_CHECK(body.value("token_type", "") == "Bearer");
  FUZZ_CHECK(body.contains("expires_in") && body["expires_in"].is_number_integer());
  FUZZ_CHECK(body["expires_in"].get<int64_t>() >= 0);
  FUZZ_CHECK(body.contains("scope") && body["scope"].is_string());
  FUZZ_CHECK(r.labels.outcome.empty());
  auto claims = mp::server::VerifyIssuedToken(body["access_token"].get<std::string>(), *e.keys,
                                              e.config, *e.clock);
  FUZZ_CHECK(claims.ok());
  FUZZ_CHECK(!claims->consumer_orgno.empty());
  std::string scopes;
  for (const std::string& s : claims->scopes) scopes += (scopes.empty() ? "" : " ") + s;
  FUZZ_CHECK(scopes == body["scope"].get<std::string>());

  // The linter must not call an accepted grant wrong (issue 14: the two disagreed; the campaign's
  // seeds signed_issue14_iat_min, disagree_exp_now and disagree_lifetime_zero).
  const std::string assertion = Assertion(request.body);
  FUZZ_CHECK(!assertion.empty());
  for (const mp::LintFinding& f : mp::LintGrant(
           assertion, {.issuer = std::string(mp::fuzz::kIssuer), .clock = e.clock.get()})) {
    if (f.severity == mp::LintSeverity::kError) {
      std::fprintf(stderr, "accepted grant, linter error %s: %s\n", f.rule.c_str(),
                   f.message.c_str());
    }
    FUZZ_CHECK(f.severity != mp::LintSeverity::kError);
  }
}

void CheckRefused(const HttpResponse& r, const nlohmann::json& body, const HttpRequest& request) {
  const std::string error = body.value("error", "");
  const std::string description = body.value("error_description", "");
  const std::string trace = " (trace_id: " + request.trace_id + ")";
  FUZZ_CHECK(description.size() >= trace.size() &&
             description.compare(description.size() - trace.size(), trace.size(), trace) == 0);
  FUZZ_CHECK(error == "invalid_request" || error == "invalid_grant" || error == "invalid_scope" ||
             error == "unsupported_grant_type" || error == "forbidden" ||
             error == "invalid_altinn_customer_configuration");  // MP-303, SPEC §15
  FUZZ_CHECK(body.size() == (r.labels.outcome.empty() ? 2u : 3u));
  if (!r.labels.outcome.empty()) {
    FUZZ_CHECK(body.value("error_uri", "") ==
               std::string(mp::fuzz::kIssuer) + "errors/" + r.labels.outcome);
    auto id = mp::MpErrorByCode(r.labels.outcome);
    FUZZ_CHECK(id.has_value());
    const mp::MpErrorInfo& info = mp::MpErrorInfoFor(*id);
    FUZZ_CHECK(info.http_status == r.status);
    FUZZ_CHECK(info.error == error);
    FUZZ_CHECK(description.rfind(info.text, 0) == 0);
  }
  // Never a whole grant in an answer.
  const std::string assertion = Assertion(request.body);
  if (assertion.size() >= 32) FUZZ_CHECK(description.find(assertion) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned mode = 0;
  std::string_view rest =
      mp::fuzz::SplitFirstByte({reinterpret_cast<const char*>(data), size}, &mode);
  std::string method = (mode & 8) ? "GET" : "POST";
  HttpRequest request = (mode & 1) ? SignedRequest(rest, mode, std::move(method))
                                   : RawRequest(rest, std::move(method));

  mp::server::Emulator& e = mp::fuzz::FuzzEmulator::Fresh().e();  // no jti claimed yet
  mp::server::TokenService service(e.config, *e.store, *e.replay, *e.keys, *e.clock);
  int outcomes = 0;
  mp::server::TokenOutcome outcome;
  service.on_outcome = [&](const mp::server::TokenOutcome& o) {
    ++outcomes;
    outcome = o;
  };
  HttpResponse r = service.HandleToken(request);

  mp::fuzz::CheckResponse(r, {200, 400, 403, 405});
  FUZZ_CHECK(outcomes == 1);
  FUZZ_CHECK(outcome.issued == (r.status == 200));
  FUZZ_CHECK(outcome.mp_code == r.labels.outcome);
  auto body = mp::ParseStrictJsonObject(r.body);
  FUZZ_CHECK(body.ok());
  if (r.status == 200) {
    CheckIssued(e, r, *body, request);
  } else {
    CheckRefused(r, *body, request);
  }
  mp::ClearOpenSslErrors();
  return 0;
}
