// The grant-rule engine (grant_engine.h): SPEC §4.4 steps 2-13 in order. Each step reports its
// findings through Error()/Warn(); in kFirstFailure mode the first error ends the run, so the
// emulator answers with the first failing step's code, and the linter, running the same steps in
// kEveryFinding mode, lists that same error first.
#include "grant/grant_engine.h"

#include <algorithm>
#include <set>
#include <unordered_set>
#include <utility>

#include "core/checked.h"
#include "core/digest.h"
#include "core/json.h"
#include "core/scope_set.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "grant/grant_rules.h"
#include "maskinporten/base64.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/loopback.h"
#include "maskinporten/org_number.h"

namespace mp::grant {
namespace {

using Json = nlohmann::json;
using grant_internal::IsValidPersonIdentifier;
using grant_internal::kMaxClockSkewSeconds;
using grant_internal::kProdIssuer;
using grant_internal::kTestIssuer;

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

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// A NumericDate past the year 5000: almost surely milliseconds since the epoch.
bool LooksLikeMilliseconds(int64_t t) { return t > 100'000'000'000; }

// A JSON number as whole seconds (NumericDate, fractions floored) that fits int64. Its range is
// step 9's to judge (an old exp is MP-130, a far iat "Issue time is after now"), with checked
// arithmetic.
Result<int64_t> NumericDate(const Json& v, std::string_view name) {
  if (v.is_number_unsigned()) return SecondsFromUnsigned(v.get<uint64_t>(), name);
  if (v.is_number_integer()) return v.get<int64_t>();
  return SecondsFromDouble(v.get<double>(), name);
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
  if (AsciiLower(aud) == AsciiLower(issuer)) {
    return AudProblem{"aud-case", "aud " + shown + " differs from " + want +
                                      " in letter case; aud must match the issuer exactly"};
  }
  if (std::string_view(aud).starts_with("http://") && "https://" + aud.substr(7) == issuer) {
    return AudProblem{"aud-scheme", "aud " + shown + " uses http; the issuer is " + want};
  }
  if (aud == issuer + "/") {
    return AudProblem{"aud-extra-slash", "aud " + shown + " has an extra '/'; it must be " + want};
  }
  return std::nullopt;
}

// The name a known issuer is spoken of by, or "" for an unknown one.
std::string EnvironmentName(std::string_view issuer) {
  if (issuer == kTestIssuer) return "TEST";
  if (issuer == kProdIssuer) return "PROD";
  if (IsLoopbackUrl(issuer)) return "the local emulator";
  return "";
}

// What DecodeJws refused, as the linter's rule for it. DecodeJws's messages name the part
// ("JWS header segment", "JWS header has no \"alg\"", ...); tests/grant pin each mapping.
std::string DecodeRule(const Status& s) {
  const std::string& m = s.message();
  if (s.code() == Errc::kLimitExceeded && std::string_view(m).starts_with("token is"))
    return "jws-too-large";
  if (m.find("dot-separated segments") != std::string::npos) return "jws-segments";
  if (std::string_view(m).starts_with("JWS payload segment")) return "payload-base64";
  if (std::string_view(m).starts_with("JWS signature segment")) return "signature-base64";
  if (std::string_view(m).starts_with("JWS header segment")) {
    return s.code() == Errc::kInvalidBase64 ? "header-base64" : "header-json";
  }
  if (m.find("has no \"alg\"") != std::string::npos) return "alg-missing";
  if (m.find("\"alg\" is not a string") != std::string::npos) return "alg-type";
  if (m.find("\"kid\" is not a string") != std::string::npos) return "kid-type";
  if (m.find("\"typ\" is not a string") != std::string::npos) return "typ-type";
  return "header-json";
}

class Engine {
 public:
  Engine(std::string_view assertion, const GrantContext& context, GrantMode mode)
      : assertion_(assertion), ctx_(context), mode_(mode) {}

  GrantOutcome Run() {
    Steps();
    if (!Stopped() && !has_error_ && mode_ == GrantMode::kFirstFailure) {
      if (client_.has_value()) accepted_.client = *client_;
      accepted_.jti = jti_;
      accepted_.exp = exp_.value_or(0);
      out_.grant = std::move(accepted_);
    }
    out_.jti = jti_;
    return std::move(out_);
  }

 private:
  // ---- reporting ----
  bool Stopped() const {
    return !out_.internal.ok() || (has_error_ && mode_ == GrantMode::kFirstFailure);
  }
  void Add(LintSeverity severity, std::string rule, std::string message,
           std::optional<MpError> error, std::string values = {}) {
    if (Stopped()) return;
    std::string fix = error ? std::string(MpErrorInfoFor(*error).hint) : std::string();
    out_.findings.push_back(LintFinding{.rule = std::move(rule),
                                        .severity = severity,
                                        .message = std::move(message),
                                        .maskinporten_error = error,
                                        .fix = std::move(fix)});
    if (severity == LintSeverity::kError) {
      if (!has_error_) out_.first_error_values = std::move(values);
      has_error_ = true;
      ++errors_;
    }
  }
  void Error(std::string rule, std::string message, std::optional<MpError> error,
             std::string values = {}) {
    Add(LintSeverity::kError, std::move(rule), std::move(message), error, std::move(values));
  }
  void Warn(std::string rule, std::string message, std::optional<MpError> error = std::nullopt) {
    Add(LintSeverity::kWarning, std::move(rule), std::move(message), error);
  }
  // A registry or replay store failure: no verdict can be given.
  template <typename T>
  bool Failed(const Result<T>& r) {
    if (r.ok()) return false;
    if (out_.internal.ok()) out_.internal = r.status();
    return true;
  }
  void NotChecked(std::string what) { out_.not_checked.push_back(std::move(what)); }

  const Json* Claim(std::string_view name) const {
    if (!claims_) return nullptr;
    auto it = claims_->find(name);
    return it == claims_->end() ? nullptr : &*it;
  }
  const Json* HeaderMember(std::string_view name) const {
    if (!header_json_) return nullptr;
    auto it = header_json_->find(name);
    return it == header_json_->end() ? nullptr : &*it;
  }
  std::optional<std::string> StringClaim(std::string_view name) const {
    const Json* v = Claim(name);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return v->get<std::string>();
  }

  // ---- the steps, SPEC §4.4 ----
  void Steps() {
    if (!Structure()) return;  // 2
    ReadForJournal();
    Header();  // 3
    if (Stopped()) return;
    ClaimSet();  // 4
    if (Stopped()) return;
    FindClient();  // 5
    if (Stopped()) return;
    Audience();  // 6
    if (Stopped()) return;
    Key();  // 7
    if (Stopped()) return;
    Signature();  // 8
    if (Stopped()) return;
    Times();  // 9
    if (Stopped()) return;
    Replay();  // 10
    if (Stopped()) return;
    ConsumerOrgIsOwn();  // 11
    if (Stopped()) return;
    Scopes();  // 12
    if (Stopped()) return;
    AuthorizationDetails();  // 13
  }

  // Step 2: a compact JWS with base64url JSON parts (MP-011), decoded by jose's DecodeJws.
  bool Structure();
  void ReadForJournal();
  // Step 3.
  void Header();
  void Alg();
  void KidAndX5c();
  void X5c();
  // Step 4.
  void ClaimSet();
  void RequiredClaims();
  void OptionalClaims();
  void ScopeSyntax(const std::string& scope);
  // Steps 5-13.
  void FindClient();
  void Audience();
  void AudienceValue(const std::string& aud);
  bool OtherIssuer(const std::string& aud);
  void Key();
  void RegisteredKey();
  void CertificateKey();
  void CertificateHeuristics();
  void Signature();
  void Times();
  void Replay();
  void ConsumerOrgIsOwn();
  void Scopes();
  void AuthorizationDetails();
  void ConsentValues(const Json& entry);
  void ConsentLookup(const std::string& code, const std::string& party,
                     const std::optional<ConsentFacts>& stored);
  void SystemUserValues(const Json& entry);

  std::string_view assertion_;
  const GrantContext& ctx_;
  GrantMode mode_;
  GrantOutcome out_;
  bool has_error_ = false;
  int errors_ = 0;  // errors found so far (a step compares it to see its own)

  std::string stripped_;  // the assertion without whitespace (linter only)
  std::optional<DecodedJws> jws_;
  std::optional<Json> header_json_;
  std::optional<Json> claims_;
  std::optional<Algorithm> alg_;
  std::string kid_;
  std::vector<Certificate> chain_;  // decoded x5c, when every entry decoded
  bool claims_ok_ = false;          // step 4 found no error
  std::string iss_;
  std::string jti_;
  std::optional<int64_t> iat_;
  std::optional<int64_t> exp_;
  std::optional<ClientFacts> client_;
  std::optional<PublicKey> key_;  // the key that must have signed the grant (step 7)
  AcceptedGrant accepted_;
};

const LintFinding* FirstErrorOf(const std::vector<LintFinding>& findings) {
  for (const LintFinding& f : findings) {
    if (f.severity == LintSeverity::kError) return &f;
  }
  return nullptr;
}

// ---- step 2 ----

bool Engine::Structure() {
  std::string_view token = assertion_;
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
  // A stray line break (copy/paste, a PEM-style wrap) is a classic MP-011 (SPEC §6). The linter
  // reports it, then lints what is left so the other problems show too.
  if (size_t ws = token.find_first_of(" \t\r\n"); ws != std::string_view::npos) {
    Error("jws-whitespace",
          "the grant contains whitespace or a line break at byte " + std::to_string(ws) +
              "; send it as one unbroken line",
          MpError::kMp011);
    if (Stopped()) return false;
    stripped_ = std::string(token);
    std::erase_if(stripped_,
                  [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
    token = stripped_;
  }
  Result<DecodedJws> jws = DecodeJws(token, kDefaultMaxTokenBytes);
  if (!jws.ok()) {
    std::string rule = DecodeRule(jws.status());
    std::string message = jws.status().message();
    if (rule == "jws-segments") {
      size_t parts = static_cast<size_t>(std::count(token.begin(), token.end(), '.')) + 1;
      message = "a compact JWS has 3 dot-separated parts; this has " + std::to_string(parts) +
                (parts == 5 ? " (5 parts is an encrypted JWE, not a signed grant)" : "");
    } else if (rule == "alg-missing") {
      message = "the header has no alg; use RS256, RS384 or RS512";
    }
    Error(rule, message, MpError::kMp011);
    return false;
  }
  jws_ = std::move(jws).value();
  Result<Json> header = ParseStrictJsonObject(jws_->header.json);
  if (!header.ok()) {  // DecodeJws parsed it with the same parser: cannot happen
    Error("header-json", "the header is not valid JSON: " + header.status().message(),
          MpError::kMp011);
    return false;
  }
  header_json_ = std::move(header).value();
  Result<Json> claims = ParseStrictJson(jws_->payload);
  if (!claims.ok()) {
    Error("payload-json", "the payload is not valid JSON: " + claims.status().message(),
          MpError::kMp011);
    return false;
  }
  if (!claims->is_object()) {
    Error("payload-json", "the payload is " + JsonTypeName(*claims) + ", not a JSON object",
          MpError::kMp011);
    return false;
  }
  claims_ = std::move(claims).value();
  return true;
}

// For the journal: whatever the grant names, before it is validated.
void Engine::ReadForJournal() {
  if (std::optional<std::string> iss = StringClaim("iss")) out_.client_id = *iss;
  if (std::optional<std::string> jti = StringClaim("jti")) jti_ = *jti;
}

// ---- step 3: alg, the header rules, exactly one of kid / x5c, x5c (MP-011, MP-123) ----

void Engine::Header() {
  Alg();
  if (Stopped()) return;
  // jose's header rules (crit, b64, jku / x5u / jwk; DESIGN §7), with Maskinporten's allowlist.
  // A malformed x5c is left to X5c(): it has its own code (MP-123).
  if (alg_) {
    Result<Algorithm> checked =
        CheckJwsHeader(jws_->header, grant_internal::MaskinportenAlgorithms());
    if (!checked.ok() && checked.status().code() != Errc::kMalformedToken) {
      const Errc code = checked.status().code();
      std::string rule = code == Errc::kUntrustedHeader ? "header-untrusted"
                         : jws_->header.has_crit        ? "header-crit"
                                                        : "header-b64";
      std::string why = code == Errc::kUntrustedHeader
                            ? "; Maskinporten never takes keys from the grant (they come from the "
                              "client registration or x5c): remove it"
                            : "; a grant uses no JWS extensions, and an unknown critical "
                              "extension is refused";
      Error(rule, checked.status().message() + why, MpError::kMp011);
      if (Stopped()) return;
    }
  }
  KidAndX5c();
  if (Stopped()) return;
  if (const Json* typ = HeaderMember("typ"); typ != nullptr) {
    // SPEC §4.2: typ is not required; "JWT" is harmless, anything else is suspicious.
    if (AsciiLower(jws_->header.typ) != "jwt") {
      Warn("typ-not-jwt", "header typ is " + Show(*typ) +
                              "; Maskinporten needs no typ, and \"JWT\" is the only usual value");
    }
  }
}

void Engine::Alg() {
  const std::string& name = jws_->header.alg_name;
  if (grant_internal::IsMaskinportenAlgorithmName(name)) {
    alg_ = jws_->header.alg;
    return;
  }
  std::string why;
  if (AsciiLower(name) == "none") {
    why = " (an unsigned grant)";
  } else if (std::string_view(name).starts_with("HS")) {
    why = " (HMAC: Maskinporten has no shared secret)";
  } else if (std::string_view(name).starts_with("ES") || std::string_view(name).starts_with("PS")) {
    why = " (not in Maskinporten's token_endpoint_auth_signing_alg_values_supported)";
  }
  Error("alg-not-allowed",
        "header alg " + Quote(name) + " is not accepted" + why + "; use RS256, RS384 or RS512",
        MpError::kMp011);
}

void Engine::KidAndX5c() {
  const Json* kid = HeaderMember("kid");
  const bool has_x5c = jws_->header.has_x5c;
  // SPEC §4.2: exactly one of kid (registered key) and x5c (virksomhetssertifikat).
  if (kid != nullptr && has_x5c) {
    Error("kid-and-x5c",
          "the header has both kid and x5c; send exactly one: kid for a registered key, x5c for "
          "a virksomhetssertifikat",
          MpError::kMp011);
  } else if (kid == nullptr && !has_x5c) {
    Error("kid-or-x5c-missing",
          "the header has neither kid nor x5c; send kid (registered key) or x5c (certificate "
          "chain)",
          MpError::kMp011);
  }
  if (kid != nullptr) {
    kid_ = jws_->header.kid;  // DecodeJws checked it is a string
    if (kid_.empty()) {
      Error("kid-empty", "header kid is empty", MpError::kMp011);
    } else if (!grant_internal::IsValidKid(kid_)) {
      Warn("kid-charset",
           "header kid " + Quote(kid_) +
               " has characters a registered kid cannot have (A-Z a-z 0-9 . _ -)",
           MpError::kUnknownKid);
    }
  }
  if (has_x5c) X5c();
}

void Engine::X5c() {
  // SPEC §4.2 / §12: a JSON array of standard base64 DER, leaf first; a string, base64url or
  // PEM inside give MP-123.
  const Json& x5c = *HeaderMember("x5c");
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
  for (size_t i = 0; i < x5c.size() && !Stopped(); ++i) {
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
                " contains whitespace or line breaks; x5c entries are one unbroken base64 "
                "string",
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

// ---- step 4: the claim set (MP-011) ----

void Engine::ClaimSet() {
  const int errors_before = errors_;
  for (const auto& [name, value] : claims_->items()) {
    if (name == "iss_onbehalfof") {
      // SPEC §4.3: the deprecated onbehalfof mechanism is not supported (local choice).
      Error("iss-onbehalfof",
            "claim iss_onbehalfof is the deprecated onbehalfof mechanism; use consumer_org with "
            "an Altinn delegation",
            MpError::kMp011);
    } else if (!Contains(grant_internal::kGrantClaims, name)) {
      // SPEC §4.3: claims not listed are refused ("Invalid assertion").
      Error("claim-unknown",
            "claim " + Quote(name, 64) +
                " is not a Maskinporten grant claim; remove it (JWT libraries add some by "
                "default)",
            MpError::kMp011);
    }
  }
  RequiredClaims();
  OptionalClaims();
  claims_ok_ = errors_ == errors_before;
}

void Engine::RequiredClaims() {
  for (std::string_view name : grant_internal::kRequiredGrantClaims) {
    if (Claim(name) == nullptr) {
      Error(std::string(name) + "-missing", "claim " + std::string(name) + " is required",
            MpError::kMp011);
    }
  }
  if (const Json* aud = Claim("aud"); aud != nullptr) {
    // SPEC §13.3: a string or a one-element array of strings.
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
      Error("iss-empty", "iss is empty; it must be the client_id", MpError::kMp011);
    } else {
      iss_ = iss->get<std::string>();
      if (iss_ == kid_) {
        // SPEC §6/§12: the key id sent as iss is a classic cause of client and kid errors.
        Warn("iss-is-kid",
             "iss " + Show(*iss) +
                 " equals the header kid; iss must be the client_id, not the "
                 "key id",
             MpError::kMp100);
      }
    }
  }
  for (const char* name : {"iat", "exp"}) {
    const Json* v = Claim(name);
    if (v == nullptr) continue;
    if (!v->is_number()) {
      Error(
          std::string(name) + "-type",
          std::string(name) + " is " + Show(*v) + "; it must be a number of seconds (NumericDate)",
          MpError::kMp011);
      continue;
    }
    Result<int64_t> t = NumericDate(*v, name);
    if (!t.ok()) {
      Error(std::string(name) + "-type", t.status().message(), MpError::kMp011);
      continue;
    }
    (std::string_view(name) == "iat" ? iat_ : exp_) = *t;
  }
  if (const Json* scope = Claim("scope"); scope != nullptr) {
    if (!scope->is_string()) {
      std::string how = scope->is_array() ? "; send one space-separated string, not an array"
                                          : "; it must be a space-separated string";
      Error("scope-type", "scope is " + Show(*scope) + how, MpError::kMp011);
    } else if (scope->get_ref<const std::string&>().find_first_not_of(' ') == std::string::npos) {
      Error("scope-empty", "scope " + Show(*scope) + " names no scope; at least one is required",
            MpError::kMp011);
    } else {
      ScopeSyntax(scope->get<std::string>());
    }
  }
}

// Scope-tokens (RFC 6749 §3.3) separated by spaces; duplicates are dropped.
void Engine::ScopeSyntax(const std::string& scope) {
  std::unordered_set<std::string> seen;
  size_t start = 0;
  while (start <= scope.size()) {
    size_t space = scope.find(' ', start);
    std::string token =
        scope.substr(start, space == std::string::npos ? std::string::npos : space - start);
    if (!token.empty()) {
      if (!IsScopeToken(token)) {
        Error("scope-token",
              "scope " + Quote(token) +
                  " contains a tab, line break, control or non-ASCII character; scopes are "
                  "separated by single spaces and no scope has such a name",
              MpError::kMp011);
      } else if (!seen.insert(token).second) {
        Warn("scope-duplicate", "scope " + Quote(token) + " is requested twice");
      } else {
        accepted_.scopes.push_back(token);
      }
    }
    if (space == std::string::npos) break;
    start = space + 1;
  }
  if (scope.front() == ' ' || scope.back() == ' ' || scope.find("  ") != std::string::npos) {
    Warn("scope-whitespace", "scope " + Quote(scope) +
                                 " has leading, trailing or double spaces; separate scopes by "
                                 "one space");
  }
}

void Engine::OptionalClaims() {
  if (const Json* jti = Claim("jti"); jti != nullptr) {
    if (!jti->is_string()) {
      Error("jti-type", "jti is " + Show(*jti) + "; it must be a string", MpError::kMp011);
    } else if (jti->get_ref<const std::string&>().empty()) {
      Error("jti-empty", "jti is empty; send a new UUIDv4 with every grant", MpError::kMp011);
    }
  }
  if (const Json* nbf = Claim("nbf"); nbf != nullptr) {
    // Tolerated (SPEC §12), but it must be a NumericDate.
    Result<int64_t> t = nbf->is_number() ? NumericDate(*nbf, "nbf")
                                         : Result<int64_t>(Status(Errc::kInvalidClaim, ""));
    if (!t.ok()) {
      Error("nbf-type", "nbf is " + Show(*nbf) + "; it must be a NumericDate", MpError::kMp011);
    } else if (*t > SaturatingAdd(ctx_.now, kMaxClockSkewSeconds)) {
      Warn("nbf-future", "nbf " + std::to_string(*t) + " is " +
                             std::to_string(SaturatingSub(*t, ctx_.now)) +
                             " s ahead of now; the grant is not usable yet");
    }
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
    } else {
      accepted_.resource = *resource;
    }
  }
  if (const Json* pid = Claim("pid"); pid != nullptr) {
    if (!pid->is_string() || !IsValidPersonIdentifier(pid->get_ref<const std::string&>())) {
      Error("pid-invalid",
            "pid is " + Show(*pid) +
                "; it must be a valid 11-digit fødselsnummer or D-number (both check digits) as "
                "a string",
            MpError::kMp011);
    } else {
      accepted_.pid = pid->get<std::string>();
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
    } else {
      accepted_.consumer_org = org->get<std::string>();
    }
  }
  if (const Json* details = Claim("authorization_details"); details != nullptr) {
    // RFC 9396 §2: an array; its entries are step 13's (SPEC §4.4).
    if (!details->is_array()) {
      std::string how = details->is_object() ? "; wrap the entry object in an array: [{...}]"
                                             : "; it must be an array with one entry object";
      Error("authorization-details-type",
            "authorization_details is " + JsonTypeName(*details) + how, MpError::kMp011);
    }
  }
}

// ---- step 5: iss is a known, active Maskinporten client (MP-100) ----

void Engine::FindClient() {
  if (ctx_.registry == nullptr) {
    NotChecked("step 5: the client (iss) is registered and active");
    return;
  }
  if (iss_.empty()) return;  // step 4 refused it
  Result<std::optional<ClientFacts>> client = ctx_.registry->FindClient(iss_);
  if (Failed(client)) return;
  if (!client->has_value()) {
    Error("client-unknown",
          "iss " + Quote(iss_, 64) +
              " is no client of this environment; iss must be the client_id (TEST and PROD "
              "clients differ)",
          MpError::kMp100);
    return;
  }
  const ClientFacts& c = **client;
  if (!c.active) {
    Error("client-inactive", "client " + Quote(iss_, 64) + " is inactive", MpError::kMp100);
  } else if (c.integration_type != "maskinporten") {
    Error("client-not-maskinporten",
          "client " + Quote(iss_, 64) + " has integration_type " + Quote(c.integration_type, 32) +
              "; only maskinporten clients get tokens here",
          MpError::kMp100);
  }
  client_ = std::move(**client);
}

// ---- step 6: aud is the issuer exactly (MP-110) ----

void Engine::Audience() {
  const Json* aud = Claim("aud");
  if (aud == nullptr) return;
  if (aud->is_string()) {
    AudienceValue(aud->get<std::string>());
  } else if (aud->is_array() && aud->size() == 1 && (*aud)[0].is_string()) {
    AudienceValue((*aud)[0].get<std::string>());
  }
}

void Engine::AudienceValue(const std::string& aud) {
  const std::optional<std::string>& expected = ctx_.issuer;
  if (expected.has_value() ? aud == *expected
                           : (aud == kTestIssuer || aud == kProdIssuer ||
                              (IsLoopbackUrl(aud) && aud.back() == '/'))) {
    return;
  }
  // The issuers aud was probably meant to be.
  std::vector<std::string> targets = {std::string(kTestIssuer), std::string(kProdIssuer)};
  if (expected.has_value()) targets = {*expected};
  if (!expected.has_value() && IsLoopbackUrl(aud)) targets.push_back(aud + "/");
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
bool Engine::OtherIssuer(const std::string& aud) {
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
  if (ctx_.issuer.has_value()) {
    Error(rule, message + "; this grant is checked for " + Quote(*ctx_.issuer), MpError::kMp110);
  } else {
    Warn(rule, message, MpError::kMp110);
  }
  return true;
}

// ---- step 7: the key that must have signed the grant ----

void Engine::Key() {
  if (client_.has_value() && ctx_.registry != nullptr) {
    Result<std::vector<KeyFacts>> keys = ctx_.registry->ClientKeys(client_->client_id);
    if (Failed(keys)) return;
    if (jws_->header.has_x5c && !keys->empty()) {
      Error("kid-required", "client has registered keys; sign with one and send its kid, not x5c",
            MpError::kKidRequired);
      return;
    }
    if (!kid_.empty()) {
      const KeyFacts* found = nullptr;
      for (const KeyFacts& k : *keys) {
        if (k.kid == kid_) found = &k;
      }
      if (found == nullptr) {
        Error("kid-unknown", "kid " + Quote(kid_, 64) + " is not registered on the client",
              MpError::kUnknownKid);
        return;
      }
      // created comes from the registry; the sum is bounded all the same.
      if (SaturatingAdd(found->created, grant_internal::kKeyValiditySeconds) < ctx_.now) {
        Error("key-expired",
              "kid " + Quote(kid_, 64) + " was uploaded at " + std::to_string(found->created) +
                  ", more than 365 days ago",
              MpError::kMp121);
        return;
      }
      Result<Jwk> jwk = ParseJwk(found->jwk_json);
      if (!jwk.ok()) {
        Error("key-unusable", "registered key is unusable: " + jwk.status().message(),
              MpError::kMp124);
        return;
      }
      key_ = jwk->key;
      accepted_.client_amr = "private_key_jwt";
      return;
    }
  } else if (!kid_.empty()) {
    NotChecked("step 7: the kid is registered on the client and less than a year old");
  }
  if (!chain_.empty()) CertificateKey();
}

// x5c: chains to this environment's anchors (MP-120), the org number is the client's (MP-122).
void Engine::CertificateKey() {
  const Certificate& leaf = chain_.front();
  if (ctx_.trust == nullptr || ctx_.trust->own == nullptr) {
    CertificateHeuristics();
    NotChecked("step 7: the certificate chains to a trusted CA of this environment");
  } else {
    const GrantTrust& trust = *ctx_.trust;
    FakeClock at(ctx_.now);
    if (trust.other != nullptr && !trust.other->anchors().empty() &&
        VerifyChain(chain_, *trust.other, at).ok()) {
      Error("x5c-other-environment",
            "the certificate belongs to the " +
                std::string(CertEnvironmentName(trust.other->environment())) + " environment",
            MpError::kMp120);
      return;
    }
    if (Status s = VerifyChain(chain_, *trust.own, at); !s.ok()) {
      Error("x5c-untrusted", "certificate: " + s.ToString(), MpError::kMp120);
      return;
    }
    for (const Certificate& cert : chain_) {
      if (trust.revoked_serials != nullptr && trust.revoked_serials->count(cert.SerialHex()) != 0) {
        Error("x5c-revoked", "certificate serial " + cert.SerialHex() + " is revoked",
              MpError::kMp120);
        return;
      }
    }
    Result<EnterpriseProfile> profile = ReadEnterpriseProfile(leaf);
    if (!profile.ok()) {
      Error("x5c-not-enterprise", "certificate profile: " + profile.status().message(),
            MpError::kMp120);
      return;
    }
    if (client_.has_value() && profile->org.digits() != client_->orgno) {
      Error("x5c-wrong-org",
            "certificate org " + profile->org.digits() + " is not the client's " + client_->orgno,
            MpError::kMp122);
      return;
    }
  }
  if (Stopped()) return;
  Result<PublicKey> key = leaf.PublicKeyOf();
  if (!key.ok()) {
    Error("x5c-leaf-key", "the leaf certificate's key is unusable: " + key.status().message(),
          MpError::kMp120);
    return;
  }
  if (key->type() != KeyType::kRsa) {
    Error("x5c-leaf-key",
          "the leaf certificate has an EC key; RS256/RS384/RS512 grants need an RSA key",
          MpError::kMp124);
    return;
  }
  key_ = std::move(key).value();
  accepted_.client_amr = "virksomhetssertifikat";
}

// What can be judged of a certificate without a trust store (the linter offline).
void Engine::CertificateHeuristics() {
  const Certificate& leaf = chain_.front();
  if (leaf.IsCa()) {
    Error("x5c-leaf-first",
          "x5c[0] is a CA certificate (" + leaf.Subject() +
              "); the chain must start with the enterprise certificate itself",
          MpError::kMp120);
  }
  if (ctx_.now > leaf.NotAfter()) {
    Error("x5c-expired",
          "the leaf certificate expired at " + std::to_string(leaf.NotAfter()) + " (now " +
              std::to_string(ctx_.now) + ")",
          MpError::kMp120);
  } else if (ctx_.now < leaf.NotBefore()) {
    Error("x5c-not-yet-valid",
          "the leaf certificate is valid only from " + std::to_string(leaf.NotBefore()) + " (now " +
              std::to_string(ctx_.now) + ")",
          MpError::kMp120);
  }
  for (size_t i = 0; i + 1 < chain_.size(); ++i) {
    if (chain_[i].Issuer() != chain_[i + 1].Subject()) {
      Warn("x5c-order",
           "x5c[" + std::to_string(i + 1) + "] (" + chain_[i + 1].Subject() +
               ") did not issue x5c[" + std::to_string(i) +
               "]; send the chain leaf first, then its issuers in order",
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
  if (ctx_.issuer == kTestIssuer || ctx_.issuer == kProdIssuer) {
    const std::string issuer_dn = chain_.size() > 1 ? chain_[1].Subject() : leaf.Issuer();
    const bool test_ca = AsciiLower(issuer_dn).find("test") != std::string::npos;
    const bool prod = ctx_.issuer == kProdIssuer;
    if (test_ca == prod) {
      Warn("x5c-environment",
           "the certificate is issued by " + issuer_dn + ", which looks like a " +
               (test_ca ? "test" : "production") + " CA, but the grant is for " +
               (prod ? "PROD" : "TEST"),
           MpError::kMp120);
    }
  }
}

// ---- step 8: the signature with that key and the header's alg (MP-124) ----

void Engine::Signature() {
  if (!alg_) return;
  const std::string& sig = jws_->signature;
  if (sig.empty()) {
    Error("signature-missing", "the signature is empty", MpError::kMp124);
    return;
  }
  if (key_.has_value()) {
    if (Status s = VerifyDecodedJws(*jws_, *alg_, *key_); !s.ok()) {
      Error("signature-invalid",
            s.ToString() + "; sign with the private key of the " +
                (chain_.empty() ? "registered kid" : "certificate") + " you send",
            MpError::kMp124);
    }
    return;
  }
  NotChecked("step 8: signature not checked (no registered key to verify it with)");
  if (sig.size() < 256) {
    Error("signature-length",
          "the signature is " + std::to_string(sig.size()) +
              " bytes; an RSA signature is at least 256 bytes (2048-bit key)",
          MpError::kMp124);
  }
}

// ---- step 9: exp not passed (MP-130), iat not ahead (uncoded), exp - iat bounded (MP-011) ----

void Engine::Times() {
  // Any int64 can arrive here (step 4 checks only that it is one): every sum and difference is
  // checked or saturating, so INT64_MIN / INT64_MAX cannot wrap into a valid grant.
  const int64_t now = ctx_.now;
  if (exp_.has_value()) {
    if (*exp_ < SaturatingSub(now, kMaxClockSkewSeconds)) {
      Error("exp-expired",
            "exp " + std::to_string(*exp_) + " is " + std::to_string(SaturatingSub(now, *exp_)) +
                " s in the past (now " + std::to_string(now) +
                "); sign a fresh grant for every request",
            MpError::kMp130);
    } else if (*exp_ <= now) {
      Warn("exp-within-skew", "exp " + std::to_string(*exp_) + " is " +
                                  std::to_string(now - *exp_) +
                                  " s in the past; accepted only within the 10 s clock skew");
    }
  }
  if (iat_.has_value() && *iat_ > SaturatingAdd(now, kMaxClockSkewSeconds)) {
    Error("iat-future",
          "iat " + std::to_string(*iat_) + " is " + std::to_string(SaturatingSub(*iat_, now)) +
              " s ahead of now (" + std::to_string(now) + "); at most 10 s is allowed: " +
              (LooksLikeMilliseconds(*iat_) ? "iat must be in seconds, not milliseconds"
                                            : "check the clock (NTP, time zone)"),
          MpError::kIssuedInFuture);
  }
  if (iat_.has_value() && exp_.has_value()) {
    Result<int64_t> lifetime = CheckedSub(*exp_, *iat_, "exp - iat");
    if (!lifetime.ok() || *lifetime > grant_internal::kMaxGrantLifetimeSeconds) {
      Error("lifetime-too-long",
            (lifetime.ok() ? "exp - iat is " + std::to_string(*lifetime) + " s"
                           : lifetime.status().message()) +
                "; at most " + std::to_string(grant_internal::kMaxGrantLifetimeSeconds) +
                " s allowed" +
                (LooksLikeMilliseconds(*exp_) ? " (exp is in milliseconds, not seconds?)" : ""),
            MpError::kMp011);
    } else if (*lifetime <= 0) {
      // SPEC is silent; the emulator accepts it while exp has not passed (its behaviour kept).
      Warn("lifetime-not-positive",
           "exp - iat is " + std::to_string(*lifetime) + " s; exp should be after iat");
    }
  }
}

// ---- step 10: a grant is used once (MP-012) ----

void Engine::Replay() {
  if (ctx_.replay == nullptr) {
    NotChecked("step 10: the jti has not been used before");
    const Json* jti = Claim("jti");
    if (jti == nullptr) {
      Warn("jti-missing",
           "no jti: it is recommended, and a unique jti per grant (128 random bits, e.g. a "
           "UUIDv4) is what keeps retries from being refused as replays");
      return;
    }
    if (!jti->is_string()) return;
    const std::string& v = jti->get_ref<const std::string&>();
    std::set<char> distinct(v.begin(), v.end());
    std::string why;
    if (v.empty()) return;  // jti-empty already
    if (v.size() < 16) {
      why = "is only " + std::to_string(v.size()) + " characters";
    } else if (distinct.size() < 8) {
      why = "has only " + std::to_string(distinct.size()) + " distinct characters";
    } else if (IsDigits(v)) {
      why = "is all digits (a counter or a timestamp?)";
    }
    if (!why.empty()) {
      Warn("jti-weak",
           "jti " + Quote(v) + " " + why +
               "; it does not look unique: use a UUIDv4 (or 128 random bits), new for every grant",
           MpError::kMp012);
    }
    return;
  }
  // Only a grant that passed every earlier step claims its jti; one refused later (11-13) has
  // still used it up, as at Maskinporten. Without jti the assertion itself is the key.
  if (has_error_ || !exp_.has_value()) return;
  std::string key = iss_ + "\n" + (jti_.empty() ? Sha256Hex(assertion_) : jti_);
  // Step 9 still accepts the grant at now == exp + skew, so the jti is kept until one second
  // after that (an entry with expires_at <= now is free again).
  Result<bool> fresh =
      ctx_.replay->Claim(key, SaturatingAdd(*exp_, kMaxClockSkewSeconds + 1), ctx_.now);
  if (Failed(fresh)) return;
  if (!*fresh) {
    Error("jti-replayed", "jti " + Quote(jti_, 64) + " was used before", MpError::kMp012);
  }
}

// ---- step 11: consumer_org is for acting for another organisation ----

void Engine::ConsumerOrgIsOwn() {
  const std::string& org = accepted_.consumer_org;
  if (org.empty()) return;
  std::string own;
  if (client_.has_value()) {
    own = client_->orgno;
  } else if (!chain_.empty()) {
    if (Result<EnterpriseProfile> p = ReadEnterpriseProfile(chain_.front()); p.ok()) {
      own = p->org.digits();
    }
  }
  if (!own.empty() && own == org) {
    Error("consumer-org-is-own",
          "consumer_org " + Quote(org) +
              " is the client's own org number; consumer_org is for acting for another "
              "organisation: drop it",
          MpError::kConsumerOrgIsOwn);
  }
}

// ---- step 12: registration (MP-200), integration type (MP-201), access (MP-250),
// delegation (MP-251); each check over all scopes before the next ----

void Engine::Scopes() {
  if (ctx_.registry == nullptr || !client_.has_value()) {
    if (ctx_.registry == nullptr) {
      NotChecked("step 12: the scopes are on the client, and access and delegations exist");
    }
    return;
  }
  if (!claims_ok_) return;
  const std::vector<std::string>& scopes = accepted_.scopes;
  std::string missing;
  for (const std::string& s : scopes) {
    if (std::find(client_->scopes.begin(), client_->scopes.end(), s) == client_->scopes.end()) {
      missing += (missing.empty() ? "" : ", ") + s;
    }
  }
  if (!missing.empty()) {
    Error("scope-not-on-client", "scopes not on the client: " + missing, MpError::kMp200, missing);
    return;
  }
  std::vector<ScopeFacts> records;
  for (const std::string& s : scopes) {
    Result<std::optional<ScopeFacts>> scope = ctx_.registry->FindScope(s);
    if (Failed(scope)) return;
    const ScopeFacts* f = scope->has_value() ? &**scope : nullptr;
    if (f == nullptr || !f->active ||
        std::find(f->allowed_integration_types.begin(), f->allowed_integration_types.end(),
                  "maskinporten") == f->allowed_integration_types.end()) {
      Error("scope-not-for-maskinporten",
            "scope " + s + " is unknown, inactive or not for maskinporten", MpError::kMp201);
      return;
    }
    records.push_back(std::move(**scope));
  }
  const std::string consumer =
      accepted_.consumer_org.empty() ? client_->orgno : accepted_.consumer_org;
  for (const ScopeFacts& scope : records) {
    if (scope.accessible_for_all || scope.owner_orgno == consumer) continue;
    Result<bool> approved = ctx_.registry->HasApprovedAccess(scope.name, consumer);
    if (Failed(approved)) return;
    if (!*approved) {
      Error("scope-no-access", "consumer " + consumer + " has no approved access to " + scope.name,
            MpError::kMp250, scope.name + ".");
      return;
    }
  }
  if (accepted_.consumer_org.empty()) return;
  for (const ScopeFacts& scope : records) {
    bool delegated = false;
    if (!scope.delegation_source.empty()) {
      Result<bool> has = ctx_.registry->HasDelegation(consumer, client_->orgno, scope.name);
      if (Failed(has)) return;
      delegated = *has;
    }
    if (!delegated) {
      Error("scope-not-delegated",
            scope.delegation_source.empty()
                ? "scope " + scope.name + " has no delegation_source"
                : "no delegation of " + scope.name + " from " + consumer + " to " + client_->orgno,
            MpError::kMp251,
            consumer + " has not delegated access to the scope " + scope.name + " to supplier " +
                client_->orgno + ".");
      return;
    }
  }
}

// ---- step 13: authorization_details (SPEC §11.3): known types (MP-301), only the type's fields
// (MP-302), then one entry with valid values that the Altinn lookup confirms (MP-303) ----

void Engine::AuthorizationDetails() {
  const Json* details = Claim("authorization_details");
  if (details == nullptr || !details->is_array()) return;
  const int errors_before = errors_;
  if (details->empty()) {
    Error("authorization-details-count",
          "authorization_details is empty; send exactly one entry object", MpError::kMp303);
    return;
  }
  for (size_t i = 0; i < details->size() && !Stopped(); ++i) {
    const Json& entry = (*details)[i];
    const std::string where = "authorization_details[" + std::to_string(i) + "]";
    if (!entry.is_object()) continue;  // not an entry at all: MP-303 below
    auto type = entry.find("type");
    if (type == entry.end() || !type->is_string()) {
      Error("authorization-details-type-unknown",
            where + " has no string type; use urn:altinn:systemuser or urn:altinn:consent",
            MpError::kMp301);
    } else if (!Contains(grant_internal::kAuthorizationDetailsTypes,
                         type->get_ref<const std::string&>())) {
      Error("authorization-details-type-unknown",
            where + " type " + Quote(type->get_ref<const std::string&>()) +
                " is not in the metadata's authorization_details_types_supported "
                "(urn:altinn:systemuser, urn:altinn:consent)",
            MpError::kMp301);
    }
  }
  if (Stopped() || errors_ != errors_before) return;
  for (size_t i = 0; i < details->size() && !Stopped(); ++i) {
    const Json& entry = (*details)[i];
    if (!entry.is_object()) continue;
    const std::string& t = entry["type"].get_ref<const std::string&>();
    const bool consent = t == grant_internal::kConsentType;
    std::string unknown;
    for (const auto& [name, value] : entry.items()) {
      bool known = consent ? Contains(grant_internal::kConsentFields, name)
                           : Contains(grant_internal::kSystemUserFields, name);
      if (!known) unknown += (unknown.empty() ? "" : ", ") + Quote(name, 64);
    }
    if (!unknown.empty()) {
      Error("authorization-details-unknown-fields",
            "authorization_details of type " + t + " has unknown fields " + unknown,
            MpError::kMp302);
    }
  }
  if (Stopped() || errors_ != errors_before) return;
  if (details->size() != 1) {
    Error("authorization-details-count",
          "authorization_details has " + std::to_string(details->size()) +
              " entries; Maskinporten takes exactly one per request",
          MpError::kMp303);
    return;
  }
  const Json& entry = (*details)[0];
  if (!entry.is_object()) {
    Error("authorization-details-entry",
          "authorization_details[0] is " + JsonTypeName(entry) + ", not an object",
          MpError::kMp303);
    return;
  }
  if (entry["type"] == grant_internal::kConsentType) {
    ConsentValues(entry);
  } else {
    SystemUserValues(entry);
  }
  if (errors_ == errors_before) accepted_.authorization_details = entry;
}

// {"type":"urn:altinn:consent","id":"<uuid>","from":"urn:altinn:person:identifier-no:<fnr>"} or
// from an organisation; with a registry, the consent exists, is accepted, valid now, given by
// `from` to the consumer (SPEC §11.3: with delegated scopes, to the delegating consumer).
void Engine::ConsentValues(const Json& entry) {
  const int errors_before = errors_;
  auto id = entry.find("id");
  const bool id_ok =
      id != entry.end() && id->is_string() && IsUuid(id->get_ref<const std::string&>());
  if (!id_ok) {
    Error("authorization-details-values",
          "consent id " +
              (id == entry.end() ? std::string("is missing") : Show(*id) + " is not a UUID"),
          MpError::kMp303);
  }
  auto from = entry.find("from");
  std::string party;  // the fnr or orgno after the prefix
  if (from != entry.end() && from->is_string()) {
    std::string_view f = from->get_ref<const std::string&>();
    if (std::string_view(f).starts_with(grant_internal::kConsentPersonPrefix)) {
      std::string_view fnr = f.substr(grant_internal::kConsentPersonPrefix.size());
      if (IsValidPersonIdentifier(fnr)) party = std::string(fnr);
    } else if (std::string_view(f).starts_with(grant_internal::kConsentOrgPrefix)) {
      std::string_view org = f.substr(grant_internal::kConsentOrgPrefix.size());
      if (OrgNumber::Parse(org).ok()) party = std::string(org);
    }
  }
  if (party.empty()) {
    Error("authorization-details-values",
          "consent from " +
              (from == entry.end() ? std::string("is missing") : Show(*from) + " is not valid") +
              "; use urn:altinn:person:identifier-no:<fnr> or "
              "urn:altinn:organization:identifier-no:<orgno>",
          MpError::kMp303);
  }
  if (errors_ != errors_before) return;
  if (ctx_.registry == nullptr || !client_.has_value()) {
    if (ctx_.registry == nullptr) {
      NotChecked("step 13: the consent exists in Altinn, is accepted and valid");
    }
    return;
  }
  const std::string& code = id->get_ref<const std::string&>();
  Result<std::optional<ConsentFacts>> stored = ctx_.registry->FindConsent(code);
  if (Failed(stored)) return;
  ConsentLookup(code, party, *stored);
}

// SPEC §14.3: Altinn's lookup {id, from, to = consumer} and its answers, in the order SPEC lists
// them, then what the token needs: its `to` is the consumer, and a supplier asking with
// consumer_org handles the consent. Each refusal is MP-303 with the Altinn problem's title after
// the fixed text (Local choice, docs/emulator.md).
void Engine::ConsentLookup(const std::string& code, const std::string& party,
                           const std::optional<ConsentFacts>& stored) {
  const std::string& client_org = client_->orgno;
  const std::string& consumer =
      accepted_.consumer_org.empty() ? client_org : accepted_.consumer_org;
  auto refuse = [&](std::string rule, std::string message, std::string altinn_title) {
    Error(std::move(rule), "consent " + code + " " + message, MpError::kMp303,
          ". " + std::move(altinn_title));
  };
  if (!stored.has_value()) {
    refuse("consent-unknown", "is unknown", std::string(grant_internal::kConsentNotFoundTitle));
    return;
  }
  const ConsentFacts& consent = *stored;
  if (consent.covered_by != consumer && consent.handled_by != consumer) {
    // AM-00001: another organisation's consent looks absent.
    refuse("consent-wrong-org",
           "is given to " + consent.covered_by + ", not to the consumer " + consumer,
           std::string(grant_internal::kConsentNotFoundTitle));
  } else if (party != consent.offered_by) {
    refuse("consent-wrong-party", "was not given by the party in from",
           std::string(grant_internal::kConsentPartyMismatchTitle));
  } else if (consent.status == "expired" || consent.valid_to <= ctx_.now) {
    refuse("consent-expired",
           "expired at " + FormatUtc(consent.valid_to) + " (now " + FormatUtc(ctx_.now) + ")",
           std::string(grant_internal::kConsentExpiredTitle));
  } else if (consent.status == "revoked") {
    refuse("consent-revoked", "was revoked by the person",
           std::string(grant_internal::kConsentRevokedTitle));
  } else if (consent.status != "accepted") {
    refuse("consent-not-accepted", "is " + consent.status + ", not accepted",
           std::string(grant_internal::kConsentNotAcceptedTitle));
  } else if (consent.covered_by != consumer) {
    refuse("consent-supplier-without-consumer-org",
           "is given to " + consent.covered_by + "; its supplier " + consumer +
               " must send consumer_org " + consent.covered_by,
           "Consent is given to " + consent.covered_by + ", not to the consumer " + consumer);
  } else if (!accepted_.consumer_org.empty() && !consent.handled_by.empty() &&
             consent.handled_by != client_org) {
    refuse("consent-other-supplier",
           "is handled by " + consent.handled_by + ", not by the supplier " + client_org,
           "Consent is handled by another supplier");
  }
}

// {"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis",
// "ID":"0192:<orgno>"}} (SPEC §15 accepts "id" for "ID", from one Altinn example), with an optional
// non-empty "externalRef"; then, with a registry, Altinn's lookup finds a live system user.
void Engine::SystemUserValues(const Json& entry) {
  const int errors_before = errors_;
  auto org = entry.find("systemuser_org");
  std::string customer;
  if (org != entry.end() && org->is_object() && org->size() == 2) {
    auto authority = org->find("authority");
    auto id = org->find("ID");
    if (id == org->end()) id = org->find("id");
    if (authority != org->end() && *authority == grant_internal::kIso6523Authority &&
        id != org->end() && id->is_string()) {
      Result<OrgNumber> parsed = OrgNumber::ParseIso6523(id->get_ref<const std::string&>());
      if (parsed.ok()) customer = parsed->digits();
    }
  }
  if (customer.empty()) {
    Error("authorization-details-values",
          "systemuser_org " +
              (org == entry.end() ? std::string("is missing") : Show(*org) + " is not valid") +
              "; use {\"authority\":\"iso6523-actorid-upis\",\"ID\":\"0192:<orgno>\"}",
          MpError::kMp303);
  }
  auto ref = entry.find("externalRef");
  if (ref != entry.end() && (!ref->is_string() || ref->get_ref<const std::string&>().empty())) {
    Error("authorization-details-values",
          "externalRef " + Show(*ref) +
              " is not a non-empty string; send the system user request's externalRef, or "
              "leave it out when the request set none",
          MpError::kMp303);
  }
  if (errors_ != errors_before) return;
  // SPEC §15: the token's consumer is the vendor; acting for another org is the system user's
  // job. Unverified at Maskinporten; Local choice: MP-303.
  if (!accepted_.consumer_org.empty()) {
    Error("systemuser-with-consumer-org",
          "consumer_org " + accepted_.consumer_org +
              " cannot be combined with a system user; leave consumer_org out, the system user "
              "of systemuser_org acts for the customer",
          MpError::kMp303, ". " + std::string(grant_internal::kSystemUserWithConsumerOrgTitle));
    return;
  }
  if (ctx_.registry == nullptr || !client_.has_value()) {
    if (ctx_.registry == nullptr) {
      NotChecked("step 13: Altinn has an approved system user of systemuser_org for the client");
    }
    return;
  }
  const std::string external_ref = ref != entry.end() ? ref->get<std::string>() : customer;
  Result<SystemUserFacts> found =
      ctx_.registry->FindSystemUser(client_->client_id, customer, external_ref);
  if (Failed(found)) return;
  auto refuse = [&](std::string rule, std::string message) {
    Error(std::move(rule), std::move(message), MpError::kMp303,
          ". " + std::string(grant_internal::kSystemUserNotFoundTitle));
  };
  if (found->system_id.empty()) {
    refuse("systemuser-client-not-in-system",
           "client " + client_->client_id +
               " is in no registered system's clientId list; the vendor registers it with the "
               "system (systemregister/vendor)");
  } else if (found->vendor_orgno != client_->orgno) {
    refuse("systemuser-other-vendor", "system " + found->system_id + " belongs to vendor " +
                                          found->vendor_orgno + ", not to the client's org " +
                                          client_->orgno);
  } else if (found->systemuser_id.empty()) {
    refuse("systemuser-not-found",
           "org " + customer + " has no approved system user on system " + found->system_id +
               " with externalRef " + Quote(external_ref, 64) +
               "; the customer approves the vendor's system user request first");
  }
}

}  // namespace

const LintFinding* GrantOutcome::FirstError() const { return FirstErrorOf(findings); }

GrantOutcome CheckGrant(std::string_view assertion, const GrantContext& context, GrantMode mode) {
  try {
    return Engine(assertion, context, mode).Run();
  } catch (const std::exception& e) {  // allocation failure or a JSON library surprise
    GrantOutcome out;
    out.internal = Status(Errc::kInternal, std::string("the grant rules failed: ") + e.what());
    return out;
  }
}

}  // namespace mp::grant
