// The grant linter: checks a compact grant made by any tool against every SPEC §4 rule and says,
// for each problem, what Maskinporten would answer. It never stops at the first problem: each
// step that can still run on what parsed does run, in the order of SPEC §4.4.
#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "grant/grant_rules.h"
#include "maskinporten/base64.h"
#include "maskinporten/certificate.h"
#include "maskinporten/grant.h"
#include "maskinporten/jws.h"

namespace mp {
namespace {

using Json = nlohmann::json;
using grant_internal::IsUuid;
using grant_internal::Quote;

using grant_internal::kProdIssuer;
using grant_internal::kTestIssuer;
// SPEC §4.3: iat at most 10 s ahead of the server clock.
constexpr int64_t kMaxFutureIat = 10;

// SPEC §4.3 claims, plus nbf and sub (= iss) which NAV's digdirator sends (SPEC §12).
const std::set<std::string, std::less<>>& KnownClaims() {
  // clang-format off
  static const std::set<std::string, std::less<>> kClaims = {
      "aud", "iss", "iat", "exp", "jti", "scope", "resource", "pid", "consumer_org",
      "iss_onbehalfof", "authorization_details", "nbf", "sub"};
  // clang-format on
  return kClaims;
}

// A JSON value for a message: compact, cut to 100 bytes.
std::string Show(const Json& value) {
  std::string text = DumpJson(value);
  if (text.size() > 100) text = text.substr(0, 100) + "...";
  return text;
}

std::string JsonTypeName(const Json& v) {
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  return "a number";
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct AudProblem {
  std::string rule;
  std::string message;
};

// aud is a near miss of `issuer`: the classic slips of SPEC §12.
std::optional<AudProblem> NearMiss(const std::string& aud, const std::string& issuer) {
  const std::string shown = Quote(aud);
  const std::string want = Quote(issuer);
  if (aud + "/" == issuer) {
    return AudProblem{"aud-trailing-slash",
                      "aud " + shown + " lacks the trailing slash; it must be " + want};
  }
  if (aud == issuer + "token") {
    return AudProblem{"aud-token-endpoint",
                      "aud " + shown + " is the token endpoint; it must be the issuer " + want};
  }
  if (Lower(aud) == Lower(issuer)) {
    return AudProblem{"aud-case", "aud " + shown + " differs from " + want +
                                      " in letter case; aud must match the issuer exactly"};
  }
  if (StartsWith(aud, "http://") && "https://" + aud.substr(7) == issuer) {
    return AudProblem{"aud-scheme", "aud " + shown + " uses http; the issuer is " + want};
  }
  if (aud == issuer + "/") {
    return AudProblem{"aud-extra-slash", "aud " + shown + " has an extra '/'; it must be " + want};
  }
  return std::nullopt;
}

// SPEC §11.3: {"type":"urn:altinn:consent","id":"<uuid>","from":"urn:altinn:person:
// identifier-no:<fnr>"} or from an organisation. One message per bad value.
std::vector<std::string> ConsentValueProblems(const Json& entry) {
  std::vector<std::string> problems;
  auto id = entry.find("id");
  if (id == entry.end() || !id->is_string() || !IsUuid(id->get_ref<const std::string&>())) {
    problems.push_back("consent id " + (id == entry.end() ? std::string("is missing")
                                                          : Show(*id) + " is not a UUID"));
  }
  constexpr std::string_view kPerson = "urn:altinn:person:identifier-no:";
  constexpr std::string_view kOrg = "urn:altinn:organization:identifier-no:";
  auto from = entry.find("from");
  bool ok = false;
  if (from != entry.end() && from->is_string()) {
    std::string_view f = from->get_ref<const std::string&>();
    if (StartsWith(f, kPerson)) {
      std::string_view fnr = f.substr(kPerson.size());
      ok = fnr.size() == 11 && AllDigits(fnr);
    } else if (StartsWith(f, kOrg)) {
      ok = OrgNumber::Parse(f.substr(kOrg.size())).ok();
    }
  }
  if (!ok) {
    problems.push_back(
        "consent from " +
        (from == entry.end() ? std::string("is missing") : Show(*from) + " is not valid") +
        "; use urn:altinn:person:identifier-no:<fnr> or "
        "urn:altinn:organization:identifier-no:<orgno>");
  }
  return problems;
}

// SPEC §11.3: {"type":"urn:altinn:systemuser","systemuser_org":{"authority":
// "iso6523-actorid-upis","ID":"0192:<orgno>"}}.
std::vector<std::string> SystemUserValueProblems(const Json& entry) {
  auto org = entry.find("systemuser_org");
  if (org != entry.end() && org->is_object()) {
    auto authority = org->find("authority");
    auto id = org->find("ID");
    if (authority != org->end() && *authority == "iso6523-actorid-upis" && id != org->end() &&
        id->is_string() && OrgNumber::ParseIso6523(id->get_ref<const std::string&>()).ok()) {
      return {};
    }
  }
  return {"systemuser_org " +
          (org == entry.end() ? std::string("is missing") : Show(*org) + " is not valid") +
          "; use {\"authority\":\"iso6523-actorid-upis\",\"ID\":\"0192:<orgno>\"}"};
}

// A NumericDate past the year 5000: almost surely milliseconds since the epoch.
bool LooksLikeMilliseconds(int64_t t) { return t > 100'000'000'000; }

// The name a known issuer is spoken of by, or "" for an unknown one.
std::string EnvironmentName(std::string_view issuer) {
  if (issuer == kTestIssuer) return "TEST";
  if (issuer == kProdIssuer) return "PROD";
  if (grant_internal::IsLoopbackHttpUrl(issuer)) return "the local emulator";
  return "";
}

class Linter {
 public:
  Linter(std::string_view assertion, const LintOptions& options)
      : assertion_(assertion), options_(options) {
    const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock::Instance();
    now_ = clock.NowSeconds();
  }

  std::vector<LintFinding> Run() {
    if (!Structure()) return std::move(findings_);
    if (header_.has_value()) Header();  // SPEC §4.4 step 3
    if (claims_.has_value()) {
      ClaimSet();  // step 4
      Audience();  // step 6
    }
    Certificates();  // step 7 (what can be seen without the client's registration)
    Signature();     // step 8 (shape only: no key)
    if (claims_.has_value()) {
      Times();                 // step 9
      Jti();                   // step 10
      ConsumerOrgIsOwn();      // step 11
      ScopeSyntax();           // step 12 (registration is the server's to check)
      AuthorizationDetails();  // step 13
    }
    return std::move(findings_);
  }

 private:
  void Add(LintSeverity severity, std::string rule, std::string message,
           std::optional<MpError> mp) {
    findings_.push_back(LintFinding{.rule = std::move(rule),
                                    .severity = severity,
                                    .message = std::move(message),
                                    .maskinporten_error = mp});
  }
  void Error(std::string rule, std::string message, std::optional<MpError> mp) {
    Add(LintSeverity::kError, std::move(rule), std::move(message), mp);
  }
  void Warn(std::string rule, std::string message, std::optional<MpError> mp = std::nullopt) {
    Add(LintSeverity::kWarning, std::move(rule), std::move(message), mp);
  }

  const Json* Claim(std::string_view name) const {
    auto it = claims_->find(name);
    return it == claims_->end() ? nullptr : &*it;
  }
  const Json* HeaderMember(std::string_view name) const {
    auto it = header_->find(name);
    return it == header_->end() ? nullptr : &*it;
  }
  // A claim that is present and of the right type, as checked in ClaimSet().
  std::optional<int64_t> TimeClaim(std::string_view name) const {
    const Json* v = Claim(name);
    if (v == nullptr || !v->is_number()) return std::nullopt;
    if (v->is_number_float()) {
      double d = v->get<double>();
      if (!std::isfinite(d) || std::abs(d) > 1e15) return std::nullopt;
      return static_cast<int64_t>(std::floor(d));
    }
    if (v->is_number_unsigned()) {
      auto u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(1e15)) return std::nullopt;
      return static_cast<int64_t>(u);
    }
    return v->get<int64_t>();
  }
  std::optional<std::string> StringClaim(std::string_view name) const {
    const Json* v = Claim(name);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return v->get<std::string>();
  }

  // ---- SPEC §4.4 step 2: a compact JWS of three base64url JSON parts ----
  bool Structure();
  std::optional<Json> DecodeJsonPart(std::string_view segment, const std::string& what);

  // ---- step 3 ----
  void Header();
  void Alg();
  void KidAndX5c();
  void X5c(const Json& x5c);
  void OtherHeaderMembers();

  // ---- step 4 ----
  void ClaimSet();
  void RequiredClaims();
  void OptionalClaims();
  void AuthorizationDetailsShape(const Json& v);

  // ---- steps 6-13 ----
  void Audience();
  void AudienceValue(const std::string& aud);
  bool OtherIssuer(const std::string& aud);
  void Certificates();
  void Signature();
  void Times();
  void Jti();
  void ConsumerOrgIsOwn();
  void ScopeSyntax();
  void AuthorizationDetails();

  std::string_view assertion_;
  const LintOptions& options_;
  int64_t now_ = 0;
  std::vector<LintFinding> findings_;

  std::optional<Json> header_;
  std::optional<Json> claims_;
  std::string signature_;
  bool signature_decoded_ = false;
  bool alg_ok_ = false;
  std::vector<Certificate> chain_;  // decoded x5c, when every entry decoded
  bool authorization_details_shape_ok_ = false;
};

bool Linter::Structure() {
  std::string token(assertion_);
  if (token.empty()) {
    Error("jws-empty", "the grant is empty", MpError::kMp011);
    return false;
  }
  if (token.size() > kDefaultMaxTokenBytes) {
    Error("jws-too-large",
          "the grant is " + std::to_string(token.size()) + " bytes; a grant is a few KiB at most",
          MpError::kMp011);
    return false;
  }
  // A stray line break (copy/paste, a PEM-style wrap) is a classic MP-011 (SPEC §6). Report it,
  // then lint what is left so the other problems show too.
  size_t ws = token.find_first_of(" \t\r\n");
  if (ws != std::string::npos) {
    Error("jws-whitespace",
          "the grant contains whitespace or a line break at byte " + std::to_string(ws) +
              "; send it as one unbroken line",
          MpError::kMp011);
    std::erase_if(token, [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
  }
  size_t parts = static_cast<size_t>(std::count(token.begin(), token.end(), '.')) + 1;
  if (parts != 3) {
    std::string why = parts == 5 ? " (5 parts is an encrypted JWE, not a signed grant)" : "";
    Error("jws-segments",
          "a compact JWS has 3 dot-separated parts; this has " + std::to_string(parts) + why,
          MpError::kMp011);
    return false;
  }
  size_t d1 = token.find('.');
  size_t d2 = token.find('.', d1 + 1);
  header_ = DecodeJsonPart(std::string_view(token).substr(0, d1), "header");
  claims_ = DecodeJsonPart(std::string_view(token).substr(d1 + 1, d2 - d1 - 1), "payload");
  Result<std::string> sig = Base64UrlDecode(std::string_view(token).substr(d2 + 1));
  if (!sig.ok()) {
    Error("signature-base64", "the signature is not base64url: " + sig.status().message(),
          MpError::kMp011);
  } else {
    signature_ = std::move(sig).value();
    signature_decoded_ = true;
  }
  return true;
}

std::optional<Json> Linter::DecodeJsonPart(std::string_view segment, const std::string& what) {
  Result<std::string> bytes = Base64UrlDecode(segment);
  if (!bytes.ok()) {
    Error(what + "-base64", "the " + what + " is not base64url: " + bytes.status().message(),
          MpError::kMp011);
    return std::nullopt;
  }
  Result<Json> json = ParseStrictJson(*bytes);
  if (!json.ok()) {
    Error(what + "-json", "the " + what + " is not valid JSON: " + json.status().message(),
          MpError::kMp011);
    return std::nullopt;
  }
  if (!json->is_object()) {
    Error(what + "-json", "the " + what + " is " + JsonTypeName(*json) + ", not a JSON object",
          MpError::kMp011);
    return std::nullopt;
  }
  return std::move(json).value();
}

// ---- step 3: header ----

void Linter::Header() {
  Alg();
  KidAndX5c();
  OtherHeaderMembers();
}

void Linter::Alg() {
  const Json* alg = HeaderMember("alg");
  if (alg == nullptr) {
    Error("alg-missing", "the header has no alg; use RS256, RS384 or RS512", MpError::kMp011);
    return;
  }
  if (!alg->is_string()) {
    Error("alg-type", "header alg is " + Show(*alg) + ", not a string", MpError::kMp011);
    return;
  }
  const std::string& name = alg->get_ref<const std::string&>();
  if (grant_internal::IsMaskinportenAlgorithmName(name)) {
    alg_ok_ = true;
    return;
  }
  std::string why;
  if (Lower(name) == "none") {
    why = " (an unsigned grant)";
  } else if (StartsWith(name, "HS")) {
    why = " (HMAC: Maskinporten has no shared secret)";
  } else if (StartsWith(name, "ES") || StartsWith(name, "PS")) {
    why = " (not in Maskinporten's token_endpoint_auth_signing_alg_values_supported)";
  }
  Error("alg-not-allowed",
        "header alg " + Quote(name) + " is not accepted" + why + "; use RS256, RS384 or RS512",
        MpError::kMp011);
}

void Linter::KidAndX5c() {
  const Json* kid = HeaderMember("kid");
  const Json* x5c = HeaderMember("x5c");
  // SPEC §4.2: exactly one of kid (registered key) and x5c (virksomhetssertifikat).
  if (kid != nullptr && x5c != nullptr) {
    Error("kid-and-x5c",
          "the header has both kid and x5c; send exactly one: kid for a registered key, x5c for "
          "a virksomhetssertifikat",
          MpError::kMp011);
  } else if (kid == nullptr && x5c == nullptr) {
    Error("kid-or-x5c-missing",
          "the header has neither kid nor x5c; send kid (registered key) or x5c (certificate "
          "chain)",
          MpError::kMp011);
  }
  if (kid != nullptr) {
    if (!kid->is_string()) {
      Error("kid-type", "header kid is " + Show(*kid) + ", not a string", MpError::kMp011);
    } else if (kid->get_ref<const std::string&>().empty()) {
      Error("kid-empty", "header kid is empty", MpError::kMp011);
    } else if (!grant_internal::IsValidKid(kid->get_ref<const std::string&>())) {
      Warn("kid-charset",
           "header kid " + Quote(kid->get_ref<const std::string&>()) +
               " has characters a registered kid cannot have (A-Z a-z 0-9 . _ -)",
           MpError::kUnknownKid);
    }
  }
  if (x5c != nullptr) X5c(*x5c);
}

void Linter::X5c(const Json& x5c) {
  // SPEC §4.2 / §12: a JSON array of standard base64 DER, leaf first; a string, base64url or
  // PEM inside give MP-123.
  if (!x5c.is_array()) {
    std::string what = x5c.is_string()
                           ? "a JSON string; it must be an array of strings, one per certificate: "
                             "[\"MIIC...\"]"
                           : JsonTypeName(x5c) + "; it must be an array of base64 DER strings";
    Error("x5c-not-array", "header x5c is " + what, MpError::kMp123);
    return;
  }
  if (x5c.empty()) {
    Error("x5c-empty", "header x5c is an empty array; put the leaf certificate first",
          MpError::kMp123);
    return;
  }
  std::vector<Certificate> chain;
  for (size_t i = 0; i < x5c.size(); ++i) {
    const Json& entry = x5c[i];
    std::string where = "x5c[" + std::to_string(i) + "]";
    if (!entry.is_string()) {
      Error("x5c-entry-type", where + " is " + JsonTypeName(entry) + ", not a base64 string",
            MpError::kMp123);
      continue;
    }
    const std::string& text = entry.get_ref<const std::string&>();
    if (text.find("-----BEGIN") != std::string::npos) {
      Error("x5c-pem",
            where +
                " contains a PEM header; send only the base64 between the BEGIN and END "
                "lines, without line breaks",
            MpError::kMp123);
      continue;
    }
    if (text.find_first_of(" \t\r\n") != std::string::npos) {
      Error("x5c-whitespace",
            where +
                " contains whitespace or line breaks; x5c entries are one "
                "unbroken base64 string",
            MpError::kMp123);
      continue;
    }
    Result<std::string> der = Base64Decode(text);
    if (!der.ok()) {
      bool urlsafe = text.find_first_of("-_") != std::string::npos ||
                     (Base64UrlDecode(text).ok() && text.size() % 4 != 0);
      if (urlsafe) {
        Error("x5c-base64url",
              where + " is base64url; x5c uses standard base64 (+ and /, with = padding)",
              MpError::kMp123);
      } else {
        Error("x5c-base64", where + " is not standard base64: " + der.status().message(),
              MpError::kMp123);
      }
      continue;
    }
    Result<Certificate> cert = Certificate::FromDer(*der);
    if (!cert.ok()) {
      Error("x5c-not-certificate",
            where + " does not decode to an X.509 certificate: " + cert.status().message(),
            MpError::kMp123);
      continue;
    }
    chain.push_back(std::move(cert).value());
  }
  if (chain.size() == x5c.size()) chain_ = std::move(chain);
}

void Linter::OtherHeaderMembers() {
  if (const Json* typ = HeaderMember("typ"); typ != nullptr) {
    // SPEC §4.2: typ is not required; "JWT" is harmless, anything else is suspicious.
    if (!typ->is_string() || Lower(typ->get_ref<const std::string&>()) != "jwt") {
      Warn("typ-not-jwt", "header typ is " + Show(*typ) +
                              "; Maskinporten needs no typ, and \"JWT\" is the only "
                              "usual value");
    }
  }
  if (HeaderMember("crit") != nullptr) {
    Error("header-crit",
          "the header has crit " + Show(*HeaderMember("crit")) +
              "; a grant uses no JWS extensions, and an unknown critical extension is refused",
          MpError::kMp011);
  }
  for (const char* name : {"jku", "x5u", "jwk"}) {
    if (HeaderMember(name) != nullptr) {
      Warn("header-untrusted", std::string("header ") + name +
                                   " is never used by Maskinporten (keys come from the client "
                                   "registration or x5c); remove it");
    }
  }
}

// ---- step 4: the claim set ----

void Linter::ClaimSet() {
  for (const auto& [name, value] : claims_->items()) {
    if (name == "iss_onbehalfof") {
      Error("iss-onbehalfof",
            "claim iss_onbehalfof is the deprecated onbehalfof mechanism; use consumer_org with "
            "an Altinn delegation",
            MpError::kMp011);
    } else if (KnownClaims().count(name) == 0) {
      // SPEC §4.3: claims not listed are refused ("Invalid assertion").
      Error("claim-unknown",
            "claim " + Quote(name) +
                " is not a Maskinporten grant claim; remove it (JWT libraries "
                "add some by default)",
            MpError::kMp011);
    }
  }
  RequiredClaims();
  OptionalClaims();
}

void Linter::RequiredClaims() {
  for (const char* name : {"aud", "iss", "iat", "exp", "scope"}) {
    if (Claim(name) == nullptr) {
      Error(std::string(name) + "-missing", std::string("claim ") + name + " is required",
            MpError::kMp011);
    }
  }
  if (const Json* aud = Claim("aud"); aud != nullptr) {
    bool one_string_array = aud->is_array() && aud->size() == 1 && (*aud)[0].is_string();
    if (one_string_array) {
      Warn("aud-array",
           "aud is a one-element array " + Show(*aud) + "; send the issuer as a plain string");
    } else if (!aud->is_string()) {
      Error("aud-type", "aud is " + Show(*aud) + "; it must be the issuer as one string",
            MpError::kMp011);
    }
  }
  if (const Json* iss = Claim("iss"); iss != nullptr) {
    if (!iss->is_string()) {
      Error("iss-type", "iss is " + Show(*iss) + "; it must be the client_id as a string",
            MpError::kMp011);
    } else if (iss->get_ref<const std::string&>().empty()) {
      Error("iss-empty", "iss is empty; it must be the client_id", MpError::kMp100);
    } else if (const Json* kid = header_.has_value() ? HeaderMember("kid") : nullptr;
               kid != nullptr && *kid == *iss) {
      // SPEC §6/§12: the key id sent as iss is a classic cause of client and kid errors.
      Warn("iss-is-kid",
           "iss " + Show(*iss) +
               " equals the header kid; iss must be the client_id, not the key "
               "id",
           MpError::kMp100);
    }
  }
  for (const char* name : {"iat", "exp"}) {
    const Json* v = Claim(name);
    if (v != nullptr && !v->is_number()) {
      Error(
          std::string(name) + "-type",
          std::string(name) + " is " + Show(*v) + "; it must be a number of seconds (NumericDate)",
          MpError::kMp011);
    } else if (v != nullptr && !TimeClaim(name).has_value()) {
      Error(std::string(name) + "-type", std::string(name) + " " + Show(*v) + " is out of range",
            MpError::kMp011);
    }
  }
  if (const Json* scope = Claim("scope"); scope != nullptr) {
    if (!scope->is_string()) {
      std::string how = scope->is_array() ? "; send one space-separated string, not an array"
                                          : "; it must be a space-separated string";
      Error("scope-type", "scope is " + Show(*scope) + how, MpError::kMp011);
    } else if (scope->get_ref<const std::string&>().find_first_not_of(' ') == std::string::npos) {
      Error("scope-empty", "scope " + Show(*scope) + " names no scope; at least one is required",
            MpError::kMp011);
    }
  }
}

void Linter::OptionalClaims() {
  if (const Json* jti = Claim("jti"); jti != nullptr && !jti->is_string()) {
    Error("jti-type", "jti is " + Show(*jti) + "; it must be a string", MpError::kMp011);
  }
  if (const Json* nbf = Claim("nbf"); nbf != nullptr && !nbf->is_number()) {
    Error("nbf-type", "nbf is " + Show(*nbf) + "; it must be a number", MpError::kMp011);
  }
  if (const Json* sub = Claim("sub"); sub != nullptr) {
    const Json* iss = Claim("iss");
    if (iss == nullptr || *sub != *iss) {
      Error("sub-not-iss",
            "sub is " + Show(*sub) + "; sub is tolerated only when it equals iss (the client_id)",
            MpError::kMp011);
    }
  }
  if (const Json* resource = Claim("resource"); resource != nullptr) {
    bool ok = (resource->is_string() && !resource->get_ref<const std::string&>().empty()) ||
              (resource->is_array() && !resource->empty() &&
               std::all_of(resource->begin(), resource->end(), [](const Json& r) {
                 return r.is_string() && !r.get_ref<const std::string&>().empty();
               }));
    if (!ok) {
      Error("resource-type",
            "resource is " + Show(*resource) +
                "; it must be the API's resource value as a string or an array of strings",
            MpError::kMp011);
    }
  }
  if (const Json* pid = Claim("pid"); pid != nullptr) {
    if (!pid->is_string() || pid->get_ref<const std::string&>().size() != 11 ||
        !AllDigits(pid->get_ref<const std::string&>())) {
      Error("pid-invalid", "pid is " + Show(*pid) + "; it must be an 11-digit fnr as a string",
            MpError::kMp011);
    }
  }
  if (const Json* org = Claim("consumer_org"); org != nullptr) {
    if (!org->is_string()) {
      Error("consumer-org-type",
            "consumer_org is " + Show(*org) + "; it must be the 9-digit org number as a string",
            MpError::kMp011);
    } else if (Result<OrgNumber> parsed = OrgNumber::Parse(org->get_ref<const std::string&>());
               !parsed.ok()) {
      Error(
          "consumer-org-invalid",
          "consumer_org " + Show(*org) + " is not a valid org number: " + parsed.status().message(),
          MpError::kMp011);
    }
  }
  if (const Json* details = Claim("authorization_details"); details != nullptr) {
    AuthorizationDetailsShape(*details);
  }
}

void Linter::AuthorizationDetailsShape(const Json& v) {
  // RFC 9396 §2: an array of objects; Maskinporten takes one entry (SPEC §4.3, §11.3).
  if (!v.is_array()) {
    std::string how = v.is_object() ? "; wrap the entry object in an array: [{...}]"
                                    : "; it must be an array with one entry object";
    Error("authorization-details-type", "authorization_details is " + JsonTypeName(v) + how,
          MpError::kMp011);
    return;
  }
  if (v.size() != 1) {
    Error("authorization-details-count",
          "authorization_details has " + std::to_string(v.size()) +
              " entries; Maskinporten takes exactly one per request",
          MpError::kMp011);
    return;
  }
  if (!v[0].is_object()) {
    Error("authorization-details-entry",
          "authorization_details[0] is " + JsonTypeName(v[0]) + ", not an object", MpError::kMp011);
    return;
  }
  authorization_details_shape_ok_ = true;
}

// ---- step 6: aud ----

void Linter::Audience() {
  const Json* aud = Claim("aud");
  if (aud == nullptr) return;
  if (aud->is_string()) {
    AudienceValue(aud->get<std::string>());
  } else if (aud->is_array() && aud->size() == 1 && (*aud)[0].is_string()) {
    AudienceValue((*aud)[0].get<std::string>());
  }
}

void Linter::AudienceValue(const std::string& aud) {
  const std::optional<std::string>& expected = options_.issuer;
  if (expected.has_value() ? aud == *expected
                           : (aud == kTestIssuer || aud == kProdIssuer ||
                              (grant_internal::IsLoopbackHttpUrl(aud) && aud.back() == '/'))) {
    return;
  }
  // The issuers aud was probably meant to be.
  std::vector<std::string> targets = {std::string(kTestIssuer), std::string(kProdIssuer)};
  if (expected.has_value()) targets = {*expected};
  if (!expected.has_value() && grant_internal::IsLoopbackHttpUrl(aud)) targets.push_back(aud + "/");
  for (const std::string& target : targets) {
    if (std::optional<AudProblem> p = NearMiss(aud, target); p.has_value()) {
      Error(std::move(p->rule), std::move(p->message), MpError::kMp110);
      return;
    }
  }
  if (OtherIssuer(aud)) return;
  const std::string shown = Quote(aud);
  if (!expected.has_value()) {
    Error("aud-unknown-issuer",
          "aud " + shown +
              " is not a Maskinporten issuer (https://test.maskinporten.no/ or "
              "https://maskinporten.no/); give the expected issuer for another server",
          MpError::kMp110);
    return;
  }
  std::string aud_env = EnvironmentName(aud);
  std::string want_env = EnvironmentName(*expected);
  if (!aud_env.empty()) {
    Error("aud-wrong-environment",
          "aud " + shown + " is the " + aud_env + " issuer, but this grant is for " +
              (want_env.empty() ? Quote(*expected) : want_env + " (" + Quote(*expected) + ")"),
          MpError::kMp110);
    return;
  }
  Error("aud-mismatch", "aud " + shown + " is not the issuer " + Quote(*expected), MpError::kMp110);
}

// Issuers that exist but are not Maskinporten's current ones (SPEC §2): a warning when no
// issuer is expected (the author may mean them), an error when another one is.
bool Linter::OtherIssuer(const std::string& aud) {
  std::string message;
  std::string rule;
  if (aud == grant_internal::kVer2Issuer || aud + "/" == grant_internal::kVer2Issuer) {
    rule = "aud-retired-ver2";
    message = "aud " + Quote(aud) +
              " is ver2.maskinporten.no, retired on 2024-06-10; use "
              "https://test.maskinporten.no/ or https://maskinporten.no/";
  } else if (aud == grant_internal::kSkyportenTestIssuer ||
             aud == grant_internal::kSkyportenProdIssuer) {
    rule = "aud-skyporten";
    message = "aud " + Quote(aud) +
              " is Skyporten's issuer (no trailing slash), a different issuer than "
              "Maskinporten's; for Maskinporten use https://test.maskinporten.no/";
  } else {
    return false;
  }
  if (options_.issuer.has_value()) {
    Error(rule, message + "; this grant is checked for " + Quote(*options_.issuer),
          MpError::kMp110);
  } else {
    Warn(rule, message, MpError::kMp110);
  }
  return true;
}

// ---- step 7: the certificate, as far as it can be judged without a trust store ----

void Linter::Certificates() {
  if (chain_.empty()) return;
  const Certificate& leaf = chain_.front();
  if (leaf.IsCa()) {
    Error("x5c-leaf-first",
          "x5c[0] is a CA certificate (" + leaf.Subject() +
              "); the chain must start with the enterprise certificate itself",
          MpError::kMp120);
  }
  if (now_ > leaf.NotAfter()) {
    Error("x5c-expired",
          "the leaf certificate expired at " + std::to_string(leaf.NotAfter()) + " (now " +
              std::to_string(now_) + ")",
          MpError::kMp120);
  } else if (now_ < leaf.NotBefore()) {
    Error("x5c-not-yet-valid",
          "the leaf certificate is valid only from " + std::to_string(leaf.NotBefore()) + " (now " +
              std::to_string(now_) + ")",
          MpError::kMp120);
  }
  for (size_t i = 0; i + 1 < chain_.size(); ++i) {
    if (chain_[i].Issuer() != chain_[i + 1].Subject()) {
      Warn("x5c-order",
           "x5c[" + std::to_string(i + 1) + "] (" + chain_[i + 1].Subject() +
               ") did not issue x5c[" + std::to_string(i) +
               "]; send the chain leaf first, "
               "then its issuers in order",
           MpError::kMp120);
    }
  }
  if (!leaf.IsCa()) {
    if (Result<EnterpriseProfile> p = ReadEnterpriseProfile(leaf); !p.ok()) {
      Warn("x5c-not-enterprise",
           "the leaf certificate is not a virksomhetssertifikat: " + p.status().message(),
           MpError::kMp120);
    }
  }
  // SPEC §7: test certificates work only in TEST, production certificates only in PROD. Test
  // CAs say so in their names (Buypass "... Test4 CA 3", our local test CA "... Test ...").
  if (options_.issuer == kTestIssuer || options_.issuer == kProdIssuer) {
    const std::string issuer_dn = chain_.size() > 1 ? chain_[1].Subject() : leaf.Issuer();
    const bool test_ca = Lower(issuer_dn).find("test") != std::string::npos;
    const bool prod = options_.issuer == kProdIssuer;
    if (test_ca == prod) {
      Warn("x5c-environment",
           "the certificate is issued by " + issuer_dn + ", which looks like a " +
               (test_ca ? "test" : "production") + " CA, but the grant is for " +
               (prod ? "PROD" : "TEST"),
           MpError::kMp120);
    }
  }
  Result<PublicKey> key = leaf.PublicKeyOf();
  if (!key.ok()) {
    Error("x5c-leaf-key", "the leaf certificate's key is unusable: " + key.status().message(),
          MpError::kMp120);
  } else if (key->type() != KeyType::kRsa) {
    Error("x5c-leaf-key",
          "the leaf certificate has an EC key; RS256/RS384/RS512 grants need an RSA key",
          MpError::kMp124);
  }
}

// ---- step 8: the signature's shape (the linter has no key to verify it with) ----

void Linter::Signature() {
  if (!signature_decoded_ || !alg_ok_) return;
  if (signature_.empty()) {
    Error("signature-missing", "the signature is empty", MpError::kMp124);
    return;
  }
  if (!chain_.empty()) {
    Result<PublicKey> key = chain_.front().PublicKeyOf();
    if (key.ok() && key->type() == KeyType::kRsa &&
        signature_.size() != static_cast<size_t>(key->bits() / 8)) {
      Error("signature-length",
            "the signature is " + std::to_string(signature_.size()) +
                " bytes; the leaf certificate's RSA-" + std::to_string(key->bits()) +
                " key makes " + std::to_string(key->bits() / 8),
            MpError::kMp124);
    }
    return;
  }
  if (signature_.size() < 256) {
    Error("signature-length",
          "the signature is " + std::to_string(signature_.size()) +
              " bytes; an RSA signature is at least 256 bytes (2048-bit key)",
          MpError::kMp124);
  }
}

// ---- step 9: times ----

void Linter::Times() {
  std::optional<int64_t> iat = TimeClaim("iat");
  std::optional<int64_t> exp = TimeClaim("exp");
  if (exp.has_value() && *exp <= now_) {
    Error("exp-expired",
          "exp " + std::to_string(*exp) + " is " + std::to_string(now_ - *exp) +
              " s in the past (now " + std::to_string(now_) +
              "); sign a fresh grant for every request",
          MpError::kMp130);
  }
  if (iat.has_value() && *iat > now_ + kMaxFutureIat) {
    Error("iat-future",
          "iat " + std::to_string(*iat) + " is " + std::to_string(*iat - now_) +
              " s ahead of now (" + std::to_string(now_) + "); at most 10 s is allowed: " +
              (LooksLikeMilliseconds(*iat) ? "iat must be in seconds, not milliseconds"
                                           : "check the clock (NTP, time zone)"),
          MpError::kIssuedInFuture);
  }
  if (iat.has_value() && exp.has_value()) {
    int64_t lifetime = *exp - *iat;
    if (lifetime <= 0) {
      Error("lifetime-not-positive",
            "exp - iat is " + std::to_string(lifetime) + " s; exp must be after iat",
            MpError::kMp011);
    } else if (lifetime > kMaxGrantLifetime.count()) {
      Error("lifetime-too-long",
            "exp - iat is " + std::to_string(lifetime) + " s; at most " +
                std::to_string(kMaxGrantLifetime.count()) + " s allowed" +
                (LooksLikeMilliseconds(*exp) ? " (exp is in milliseconds, not seconds?)" : ""),
            MpError::kMp011);
    }
  }
  if (std::optional<int64_t> nbf = TimeClaim("nbf"); nbf.has_value() && *nbf > now_ + 10) {
    Warn("nbf-future", "nbf " + std::to_string(*nbf) + " is " + std::to_string(*nbf - now_) +
                           " s ahead of now; the grant is not usable yet");
  }
}

// ---- step 10: jti ----

void Linter::Jti() {
  const Json* jti = Claim("jti");
  if (jti == nullptr) {
    Warn("jti-missing",
         "no jti: it is recommended, and a unique jti per grant (128 random bits, e.g. a UUIDv4) "
         "is what keeps retries from being refused as replays");
    return;
  }
  if (!jti->is_string()) return;  // jti-type already
  const std::string& v = jti->get_ref<const std::string&>();
  std::set<char> distinct(v.begin(), v.end());
  std::string why;
  if (v.size() < 16) {
    why = "is only " + std::to_string(v.size()) + " characters";
  } else if (distinct.size() < 8) {
    why = "has only " + std::to_string(distinct.size()) + " distinct characters";
  } else if (AllDigits(v)) {
    why = "is all digits (a counter or a timestamp?)";
  }
  if (!why.empty()) {
    Warn("jti-weak",
         "jti " + Quote(v) + " " + why +
             "; it does not look unique: use 128 random bits (a UUIDv4 or 22+ base64url "
             "characters), new for every grant",
         MpError::kMp012);
  }
}

// ---- step 11: consumer_org equal to the certificate's own org number ----

void Linter::ConsumerOrgIsOwn() {
  std::optional<std::string> org = StringClaim("consumer_org");
  if (!org.has_value() || chain_.empty()) return;
  Result<EnterpriseProfile> profile = ReadEnterpriseProfile(chain_.front());
  if (profile.ok() && profile->org.digits() == *org) {
    Error("consumer-org-is-own",
          "consumer_org " + Quote(*org) +
              " is the certificate's own org number; consumer_org is for acting for another "
              "organisation: drop it",
          MpError::kConsumerOrgIsOwn);
  }
}

// ---- step 12: scope syntax (registration and access are the server's to check) ----

void Linter::ScopeSyntax() {
  std::optional<std::string> scope = StringClaim("scope");
  if (!scope.has_value() || scope->find_first_not_of(' ') == std::string::npos) return;
  std::unordered_set<std::string> seen;
  bool extra_space =
      scope->front() == ' ' || scope->back() == ' ' || scope->find("  ") != std::string::npos;
  size_t start = 0;
  while (start <= scope->size()) {
    size_t space = scope->find(' ', start);
    std::string token =
        scope->substr(start, space == std::string::npos ? std::string::npos : space - start);
    if (!token.empty()) {
      if (!grant_internal::IsScopeToken(token)) {
        Error("scope-token",
              "scope " + Quote(token) +
                  " contains a tab, line break, control or non-ASCII character; no scope has "
                  "such a name",
              MpError::kMp200);
      } else if (!seen.insert(token).second) {
        Warn("scope-duplicate", "scope " + Quote(token) + " is requested twice");
      }
    }
    if (space == std::string::npos) break;
    start = space + 1;
  }
  if (extra_space) {
    Warn("scope-whitespace", "scope " + Quote(*scope) +
                                 " has leading, trailing or double spaces; separate scopes by "
                                 "one space");
  }
}

// ---- step 13: authorization_details (SPEC §11.3) ----

void Linter::AuthorizationDetails() {
  if (!authorization_details_shape_ok_) return;
  const Json& entry = (*Claim("authorization_details"))[0];
  auto type = entry.find("type");
  if (type == entry.end() || !type->is_string()) {
    Error("authorization-details-type-unknown",
          "authorization_details[0] has no string type; use urn:altinn:systemuser or "
          "urn:altinn:consent",
          MpError::kMp301);
    return;
  }
  const std::string& t = type->get_ref<const std::string&>();
  std::set<std::string> fields;
  if (t == "urn:altinn:consent") {
    fields = {"type", "id", "from"};
  } else if (t == "urn:altinn:systemuser") {
    fields = {"type", "systemuser_org"};
  } else {
    Error("authorization-details-type-unknown",
          "authorization_details type " + Quote(t) +
              " is not in the metadata's authorization_details_types_supported "
              "(urn:altinn:systemuser, urn:altinn:consent)",
          MpError::kMp301);
    return;
  }
  std::string unknown;
  for (const auto& [name, value] : entry.items()) {
    if (fields.count(name) == 0) unknown += (unknown.empty() ? "" : ", ") + Quote(name);
  }
  if (!unknown.empty()) {
    Error("authorization-details-unknown-fields",
          "authorization_details of type " + t + " has unknown fields " + unknown, MpError::kMp302);
  }
  for (std::string& problem :
       t == "urn:altinn:consent" ? ConsentValueProblems(entry) : SystemUserValueProblems(entry)) {
    Error("authorization-details-values", std::move(problem), MpError::kMp303);
  }
}

}  // namespace

std::vector<LintFinding> LintGrant(std::string_view assertion, const LintOptions& options) {
  try {
    return Linter(assertion, options).Run();
  } catch (const std::exception& e) {  // allocation failure or a JSON library surprise
    return {LintFinding{.rule = "internal",
                        .severity = LintSeverity::kError,
                        .message = std::string("the linter failed: ") + e.what(),
                        .maskinporten_error = std::nullopt}};
  }
}

}  // namespace mp
