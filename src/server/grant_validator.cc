#include "server/grant_validator.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "core/json.h"
#include "grant/grant_rules.h"
#include "jose/signature.h"
#include "maskinporten/base64.h"
#include "maskinporten/certificate.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/key.h"
#include "maskinporten/org_number.h"
#include "server/handlers/api_rules.h"

namespace mp::server {
namespace {

using Json = nlohmann::json;
using grant_internal::IsMaskinportenAlgorithmName;
using grant_internal::IsScopeToken;
using grant_internal::IsUuid;
using grant_internal::Quote;

constexpr int64_t kKeyValiditySeconds = int64_t{365} * 24 * 60 * 60;  // SPEC §9: one year
constexpr std::string_view kConsentType = "urn:altinn:consent";
constexpr std::string_view kSystemUserType = "urn:altinn:systemuser";
constexpr std::string_view kIso6523Authority = "iso6523-actorid-upis";

// A refusal or nothing: each step returns one of these.
using StepResult = std::optional<TokenRefusal>;

TokenRefusal Internal(const Status& status) {
  return TokenRefusal{.http_status = 500,
                      .error = "server_error",
                      .description = "Internal server error",
                      .mp_code = "",
                      .detail = status.ToString()};
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0x0f];
  }
  return out;
}

// A JSON number as whole Unix seconds (NumericDate, fractions floored); nullopt when out of range.
std::optional<int64_t> NumericDate(const Json& v) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    // ±2^53: every such double is an exact integer after floor, far beyond any real date.
    if (!std::isfinite(d) || std::fabs(d) > 9007199254740992.0) return std::nullopt;
    return static_cast<int64_t>(std::floor(d));
  }
  return std::nullopt;
}

bool IsOrgNumberString(std::string_view s) { return OrgNumber::Parse(s).ok(); }

// The decoded parts of the assertion (step 2).
struct Assertion {
  Json header;
  Json claims;
  std::string signing_input;
  std::string signature;
};

// The claim set after step 4, with the types checked.
struct GrantClaims {
  std::string aud;
  std::string iss;
  std::string jti;  // "" when absent
  int64_t iat = 0;
  int64_t exp = 0;
  std::vector<std::string> scopes;
  std::optional<Json> resource;
  std::string pid;
  std::string consumer_org;
  std::optional<Json> authorization_details;
};

// One validation run: the steps share what earlier steps found.
class Run {
 public:
  Run(const ServerConfig& config, Store& store, ReplayStore& replay, const Clock& clock,
      std::string_view assertion)
      : config_(config), store_(store), replay_(replay), clock_(clock), assertion_(assertion) {}

  GrantVerdict Validate() {
    GrantVerdict verdict;
    now_ = clock_.NowSeconds();
    StepResult r = Steps(verdict);
    if (r) {
      verdict.refusal = std::move(*r);
      return verdict;
    }
    verdict.grant = std::move(grant_);
    return verdict;
  }

 private:
  StepResult Steps(GrantVerdict& verdict) {
    if (StepResult r = DecodeAssertion()) return r;  // 2
    // For the journal: whatever the grant names, before it is validated.
    if (auto it = a_.claims.find("iss"); it != a_.claims.end() && it->is_string()) {
      verdict.client_id = it->get<std::string>();
    }
    if (auto it = a_.claims.find("jti"); it != a_.claims.end() && it->is_string()) {
      verdict.jti = it->get<std::string>();
    }
    if (StepResult r = CheckHeader()) return r;                // 3
    if (StepResult r = CheckClaims()) return r;                // 4
    if (StepResult r = FindClient()) return r;                 // 5
    if (StepResult r = CheckAudience()) return r;              // 6
    if (StepResult r = FindKey()) return r;                    // 7
    if (StepResult r = CheckSignature()) return r;             // 8
    if (StepResult r = CheckTimes()) return r;                 // 9
    if (StepResult r = ClaimJti()) return r;                   // 10
    if (StepResult r = CheckConsumerOrg()) return r;           // 11
    if (StepResult r = CheckScopes()) return r;                // 12
    if (StepResult r = CheckAuthorizationDetails()) return r;  // 13
    grant_.client = client_;
    grant_.jti = c_.jti;
    grant_.scopes = c_.scopes;
    grant_.resource = c_.resource;
    grant_.pid = c_.pid;
    grant_.consumer_org = c_.consumer_org;
    return std::nullopt;
  }

  // Step 2: a compact JWS whose header and payload are base64url JSON objects (MP-011).
  StepResult DecodeAssertion() {
    if (assertion_.size() > kDefaultMaxTokenBytes) {
      return Refuse(MpError::kMp011, {},
                    "assertion is " + std::to_string(assertion_.size()) + " bytes; at most " +
                        std::to_string(kDefaultMaxTokenBytes) + " allowed");
    }
    size_t dot1 = assertion_.find('.');
    size_t dot2 = dot1 == std::string_view::npos ? dot1 : assertion_.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos ||
        assertion_.find('.', dot2 + 1) != std::string_view::npos) {
      return Refuse(MpError::kMp011, {}, "assertion is not a compact JWS of three segments");
    }
    std::string_view parts[3] = {assertion_.substr(0, dot1),
                                 assertion_.substr(dot1 + 1, dot2 - dot1 - 1),
                                 assertion_.substr(dot2 + 1)};
    static constexpr const char* kNames[3] = {"header", "payload", "signature"};
    std::string decoded[3];
    for (int i = 0; i < 3; ++i) {
      Result<std::string> raw = Base64UrlDecode(parts[i]);
      if (!raw.ok() || (i < 2 && raw->empty())) {
        return Refuse(MpError::kMp011, {},
                      std::string("assertion ") + kNames[i] + " segment is not base64url");
      }
      decoded[i] = std::move(raw).value();
    }
    Result<Json> header = ParseStrictJsonObject(decoded[0]);
    if (!header.ok()) {
      return Refuse(MpError::kMp011, {}, "assertion header: " + header.status().message());
    }
    Result<Json> claims = ParseStrictJsonObject(decoded[1]);
    if (!claims.ok()) {
      return Refuse(MpError::kMp011, {}, "assertion payload: " + claims.status().message());
    }
    a_.header = std::move(header).value();
    a_.claims = std::move(claims).value();
    a_.signing_input = std::string(assertion_.substr(0, dot2));
    a_.signature = std::move(decoded[2]);
    return std::nullopt;
  }

  // Step 3: alg RS256/384/512, exactly one of x5c/kid (MP-011); x5c decodable (MP-123).
  StepResult CheckHeader() {
    const Json& h = a_.header;
    auto alg = h.find("alg");
    if (alg == h.end() || !alg->is_string() ||
        !IsMaskinportenAlgorithmName(alg->get<std::string>())) {
      return Refuse(MpError::kMp011, {},
                    "header alg " + (alg == h.end() ? std::string("is missing") : alg->dump()) +
                        "; RS256, RS384 or RS512 required");
    }
    alg_ = ParseAlgorithm(alg->get<std::string>()).value();
    // Members that would change how the token is processed (DESIGN.md §7): never honoured.
    for (const char* name : {"crit", "b64", "jku", "x5u", "jwk"}) {
      if (h.contains(name)) {
        return Refuse(MpError::kMp011, {}, std::string("header member ") + name + " is refused");
      }
    }
    bool has_x5c = h.contains("x5c");
    bool has_kid = h.contains("kid");
    if (has_x5c == has_kid) {
      return Refuse(MpError::kMp011, {},
                    has_x5c ? "header has both x5c and kid; exactly one allowed"
                            : "header has neither x5c nor kid; exactly one required");
    }
    if (has_kid) {
      const Json& kid = h["kid"];
      if (!kid.is_string() || kid.get<std::string>().empty()) {
        return Refuse(MpError::kMp011, {}, "header kid is not a non-empty string");
      }
      kid_ = kid.get<std::string>();
      return std::nullopt;
    }
    // SPEC §4.2 and §12: x5c as a string, base64url, or PEM inside -> MP-123.
    const Json& x5c = h["x5c"];
    if (!x5c.is_array() || x5c.empty()) {
      return Refuse(MpError::kMp123, {}, "header x5c is not a non-empty JSON array");
    }
    std::vector<std::string> entries;
    for (const Json& e : x5c) {
      if (!e.is_string()) return Refuse(MpError::kMp123, {}, "header x5c has a non-string entry");
      entries.push_back(e.get<std::string>());
    }
    Result<std::vector<Certificate>> chain = Certificate::FromX5c(entries);
    if (!chain.ok()) return Refuse(MpError::kMp123, {}, "header x5c: " + chain.status().message());
    chain_ = std::move(chain).value();
    return std::nullopt;
  }

  // Step 4: required claims with the right JSON types, no unknown claims (MP-011).
  StepResult CheckClaims() {
    bool have_aud = false, have_iss = false, have_iat = false, have_exp = false;
    bool have_scope = false;
    std::optional<std::string> sub;
    for (auto it = a_.claims.begin(); it != a_.claims.end(); ++it) {
      const std::string& name = it.key();
      const Json& v = it.value();
      auto bad = [&](std::string_view why) {
        return Refuse(MpError::kMp011, {}, "claim " + name + " " + std::string(why));
      };
      if (name == "aud") {
        // SPEC §13.3: a string or a one-element array of strings.
        if (v.is_array() && v.size() == 1 && v[0].is_string()) {
          c_.aud = v[0].get<std::string>();
        } else if (v.is_string()) {
          c_.aud = v.get<std::string>();
        } else {
          return bad("must be a string");
        }
        have_aud = true;
      } else if (name == "iss") {
        if (!v.is_string() || v.get<std::string>().empty()) return bad("must be a string");
        c_.iss = v.get<std::string>();
        have_iss = true;
      } else if (name == "iat" || name == "exp") {
        std::optional<int64_t> t = NumericDate(v);
        if (!t) return bad("must be a NumericDate");
        (name == "iat" ? c_.iat : c_.exp) = *t;
        (name == "iat" ? have_iat : have_exp) = true;
      } else if (name == "nbf") {
        if (!NumericDate(v)) return bad("must be a NumericDate");  // tolerated (SPEC §12)
      } else if (name == "jti") {
        if (!v.is_string() || v.get<std::string>().empty()) return bad("must be a string");
        c_.jti = v.get<std::string>();
      } else if (name == "sub") {
        if (!v.is_string()) return bad("must be a string");
        sub = v.get<std::string>();
      } else if (name == "scope") {
        if (!v.is_string()) return bad("must be a string");
        if (!SplitScopes(v.get<std::string>())) return bad("is not a list of scope names");
        have_scope = true;
      } else if (name == "resource") {
        if (!IsResource(v)) return bad("must be a string or an array of strings");
        c_.resource = v;
      } else if (name == "pid") {
        if (!v.is_string() || !IsValidPersonIdentifier(v.get<std::string>())) {
          return bad("is not a valid national identity number");
        }
        c_.pid = v.get<std::string>();
      } else if (name == "consumer_org") {
        if (!v.is_string() || !IsOrgNumberString(v.get<std::string>())) {
          return bad("is not a valid organisation number string");
        }
        c_.consumer_org = v.get<std::string>();
      } else if (name == "authorization_details") {
        if (!v.is_array()) return bad("must be an array");
        c_.authorization_details = v;
      } else if (name == "iss_onbehalfof") {
        // SPEC §4.3: the deprecated onbehalfof mechanism is not supported (local choice).
        return bad("(onbehalfof) is not supported");
      } else {
        return Refuse(MpError::kMp011, {}, "unknown claim " + Quote(name, 64));
      }
    }
    for (auto [present, name] : {std::pair{have_aud, "aud"},
                                 {have_iss, "iss"},
                                 {have_iat, "iat"},
                                 {have_exp, "exp"},
                                 {have_scope, "scope"}}) {
      if (!present)
        return Refuse(MpError::kMp011, {}, std::string("claim ") + name + " is missing");
    }
    if (sub && *sub != c_.iss) return Refuse(MpError::kMp011, {}, "claim sub differs from iss");
    return std::nullopt;
  }

  // Scope-tokens separated by spaces; at least one. Duplicates are dropped.
  bool SplitScopes(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
      if (text[i] == ' ') {
        ++i;
        continue;
      }
      size_t end = text.find(' ', i);
      if (end == std::string_view::npos) end = text.size();
      std::string token(text.substr(i, end - i));
      if (!IsScopeToken(token)) return false;
      if (std::find(out.begin(), out.end(), token) == out.end()) out.push_back(std::move(token));
      i = end;
    }
    if (out.empty()) return false;
    c_.scopes = std::move(out);
    return true;
  }

  static bool IsResource(const Json& v) {
    if (v.is_string()) return !v.get<std::string>().empty();
    if (!v.is_array() || v.empty()) return false;
    for (const Json& e : v) {
      if (!e.is_string() || e.get<std::string>().empty()) return false;
    }
    return true;
  }

  // Step 5: iss is a known, active Maskinporten client (MP-100).
  StepResult FindClient() {
    Result<std::optional<ClientRecord>> client = store_.GetClient(c_.iss);
    if (!client.ok()) return Internal(client.status());
    if (!client->has_value()) {
      return Refuse(MpError::kMp100, {}, "no client " + Quote(c_.iss, 64));
    }
    client_ = std::move(**client);
    if (!client_.active) return Refuse(MpError::kMp100, {}, "client is inactive");
    if (client_.integration_type != "maskinporten") {
      return Refuse(MpError::kMp100, {},
                    "client integration_type is " + Quote(client_.integration_type, 32));
    }
    return std::nullopt;
  }

  // Step 6: aud is the issuer exactly (MP-110).
  StepResult CheckAudience() {
    if (c_.aud == config_.issuer) return std::nullopt;
    return Refuse(MpError::kMp110, {},
                  "aud " + Quote(c_.aud, 100) + " is not " + Quote(config_.issuer, 100));
  }

  // Step 7: the key that must have signed the grant.
  StepResult FindKey() {
    Result<ClientJwks> jwks = store_.GetClientKeys(client_.client_id);
    if (!jwks.ok()) return Internal(jwks.status());
    if (kid_.empty()) {
      if (!jwks->keys.empty()) {
        return Refuse(MpError::kKidRequired, {}, "client has registered keys; grant sent x5c");
      }
      return FindCertificateKey();
    }
    const ClientKey* found = nullptr;
    for (const ClientKey& k : jwks->keys) {
      if (k.kid == kid_) found = &k;
    }
    if (found == nullptr) {
      return Refuse(MpError::kUnknownKid, {}, "kid " + Quote(kid_, 64) + " is not on the client");
    }
    if (found->created + kKeyValiditySeconds < now_) {
      return Refuse(MpError::kMp121, {},
                    "kid " + Quote(kid_, 64) + " was uploaded at " +
                        std::to_string(found->created) + ", more than 365 days ago");
    }
    Result<Jwk> jwk = ParseJwk(found->jwk_json);
    if (!jwk.ok()) {
      return Refuse(MpError::kMp124, {}, "registered key is unusable: " + jwk.status().message());
    }
    key_ = jwk->key;
    grant_.client_amr = "private_key_jwt";
    return std::nullopt;
  }

  // Step 7 for x5c: chain to this environment's anchors (MP-120), org number (MP-122).
  StepResult FindCertificateKey() {
    const bool test = config_.environment == CertEnvironment::kTest;
    const TrustStore& own = test ? config_.test_anchors : config_.prod_anchors;
    const TrustStore& other = test ? config_.prod_anchors : config_.test_anchors;
    if (!other.anchors().empty() && VerifyChain(chain_, other, clock_).ok()) {
      return Refuse(MpError::kMp120, {},
                    "certificate belongs to the " +
                        std::string(CertEnvironmentName(other.environment())) + " environment");
    }
    if (Status s = VerifyChain(chain_, own, clock_); !s.ok()) {
      return Refuse(MpError::kMp120, {}, "certificate: " + s.ToString());
    }
    for (const Certificate& cert : chain_) {
      if (config_.revoked_serials.count(cert.SerialHex()) != 0) {
        return Refuse(MpError::kMp120, {},
                      "certificate serial " + cert.SerialHex() + " is revoked");
      }
    }
    Result<EnterpriseProfile> profile = ReadEnterpriseProfile(chain_.front());
    if (!profile.ok()) {
      return Refuse(MpError::kMp120, {}, "certificate profile: " + profile.status().message());
    }
    if (profile->org.digits() != client_.client_orgno) {
      return Refuse(MpError::kMp122, {},
                    "certificate org " + profile->org.digits() + " is not the client's " +
                        client_.client_orgno);
    }
    Result<PublicKey> key = chain_.front().PublicKeyOf();
    if (!key.ok()) return Refuse(MpError::kMp120, {}, "certificate key: " + key.status().message());
    key_ = std::move(key).value();
    grant_.client_amr = "virksomhetssertifikat";
    return std::nullopt;
  }

  // Step 8: the signature with that key and the header's alg (MP-124).
  StepResult CheckSignature() {
    Status s = VerifySignature(alg_, *key_, a_.signing_input, a_.signature);
    if (s.ok()) return std::nullopt;
    return Refuse(MpError::kMp124, {}, s.ToString());
  }

  // Step 9: exp not passed (MP-130), iat not ahead (uncoded), exp - iat bounded (MP-011).
  StepResult CheckTimes() {
    const int64_t skew = config_.max_clock_skew_seconds;
    if (c_.exp < now_ - skew) {
      return Refuse(MpError::kMp130, {},
                    "exp " + std::to_string(c_.exp) + " is before now " + std::to_string(now_));
    }
    if (c_.iat > now_ + skew) {
      return Refuse(MpError::kIssuedInFuture, {},
                    "iat " + std::to_string(c_.iat) + " is after now " + std::to_string(now_));
    }
    if (c_.exp - c_.iat > config_.max_grant_lifetime_seconds) {
      return Refuse(MpError::kMp011, {},
                    "exp - iat is " + std::to_string(c_.exp - c_.iat) + " s; at most " +
                        std::to_string(config_.max_grant_lifetime_seconds) + " s allowed");
    }
    return std::nullopt;
  }

  // Step 10: a grant is used once (MP-012). Without jti the assertion itself is the key.
  StepResult ClaimJti() {
    std::string key = c_.iss + "\n" + (c_.jti.empty() ? Sha256Hex(assertion_) : c_.jti);
    Result<bool> fresh = replay_.Claim(key, c_.exp + config_.max_clock_skew_seconds, now_);
    if (!fresh.ok()) return Internal(fresh.status());
    if (!*fresh)
      return Refuse(MpError::kMp012, {}, "jti " + Quote(c_.jti, 64) + " was used before");
    return std::nullopt;
  }

  // Step 11: consumer_org is for acting for another organisation.
  StepResult CheckConsumerOrg() {
    if (!c_.consumer_org.empty() && c_.consumer_org == client_.client_orgno) {
      return Refuse(MpError::kConsumerOrgIsOwn, {}, "consumer_org is the client's own org");
    }
    return std::nullopt;
  }

  // Step 12: scope registration (MP-200), integration type (MP-201), access (MP-250),
  // delegation (MP-251). Each check runs over all scopes before the next.
  StepResult CheckScopes() {
    std::vector<std::string> missing;
    for (const std::string& s : c_.scopes) {
      if (std::find(client_.scopes.begin(), client_.scopes.end(), s) == client_.scopes.end()) {
        missing.push_back(s);
      }
    }
    if (!missing.empty()) {
      std::string list;
      for (const std::string& s : missing) list += (list.empty() ? "" : ", ") + s;
      return Refuse(MpError::kMp200, list, "scopes not on the client: " + list);
    }
    for (const std::string& s : c_.scopes) {
      Result<std::optional<ScopeRecord>> scope = store_.GetScope(s);
      if (!scope.ok()) return Internal(scope.status());
      const std::vector<std::string>* types =
          scope->has_value() ? &(*scope)->allowed_integration_types : nullptr;
      if (!scope->has_value() || !(*scope)->active ||
          std::find(types->begin(), types->end(), "maskinporten") == types->end()) {
        return Refuse(MpError::kMp201, {},
                      "scope " + s + " is unknown, inactive or not for maskinporten");
      }
      grant_.scope_records.push_back(std::move(**scope));
    }
    const std::string& consumer = c_.consumer_org.empty() ? client_.client_orgno : c_.consumer_org;
    for (const ScopeRecord& scope : grant_.scope_records) {
      if (scope.accessible_for_all || scope.owner_orgno == consumer) continue;
      Result<std::optional<ScopeAccess>> access = store_.GetAccess(scope.name, consumer);
      if (!access.ok()) return Internal(access.status());
      if (!access->has_value() || (*access)->state != AccessState::kApproved) {
        return Refuse(MpError::kMp250, scope.name + ".",
                      "consumer " + consumer + " has no approved access to " + scope.name);
      }
    }
    if (c_.consumer_org.empty()) return std::nullopt;
    for (const ScopeRecord& scope : grant_.scope_records) {
      bool delegated = false;
      if (!scope.delegation_source.empty()) {
        Result<bool> has = store_.HasDelegation(consumer, client_.client_orgno, scope.name);
        if (!has.ok()) return Internal(has.status());
        delegated = *has;
      }
      if (!delegated) {
        return Refuse(MpError::kMp251,
                      consumer + " has not delegated access to the scope " + scope.name +
                          " to supplier " + client_.client_orgno + ".",
                      scope.delegation_source.empty() ? "scope has no delegation_source"
                                                      : "no delegation in the registry");
      }
    }
    return std::nullopt;
  }

  // Step 13: one authorization_details entry of a known type (MP-301) with only the type's fields
  // (MP-302) and valid values (MP-303), SPEC §11.3. The entry is enriched for the token.
  StepResult CheckAuthorizationDetails() {
    if (!c_.authorization_details) return std::nullopt;
    const Json& details = *c_.authorization_details;
    if (details.size() != 1 || !details[0].is_object()) {
      return Refuse(MpError::kMp303, {}, "authorization_details must hold exactly one object");
    }
    const Json& entry = details[0];
    auto type = entry.find("type");
    if (type == entry.end() || !type->is_string() ||
        (type->get<std::string>() != kConsentType && type->get<std::string>() != kSystemUserType)) {
      return Refuse(MpError::kMp301, {},
                    "authorization_details type " +
                        (type == entry.end() ? std::string("is missing") : type->dump()));
    }
    const bool consent = type->get<std::string>() == kConsentType;
    const std::set<std::string> allowed = consent ? std::set<std::string>{"type", "id", "from"}
                                                  : std::set<std::string>{"type", "systemuser_org"};
    for (const auto& [name, value] : entry.items()) {
      if (allowed.count(name) == 0) {
        return Refuse(MpError::kMp302, {}, "authorization_details field " + Quote(name, 64));
      }
    }
    return consent ? CheckConsent(entry) : CheckSystemUser(entry);
  }

  StepResult CheckConsent(const Json& entry) {
    auto id = entry.find("id");
    if (id == entry.end() || !id->is_string() || !IsUuid(id->get<std::string>())) {
      return Refuse(MpError::kMp303, {}, "consent id must be a UUID");
    }
    auto from = entry.find("from");
    if (from == entry.end() || !from->is_string() || !IsConsentParty(from->get<std::string>())) {
      return Refuse(MpError::kMp303, {}, "consent from must be a person or organization URN");
    }
    // The consent itself, from the local Altinn stand-in (altinn_consent.h): it exists, is
    // Accepted and valid now, was given by `from`, and to the consumer (SPEC §11.3: with
    // delegated scopes, to the delegating consumer).
    const std::string code = id->get<std::string>();
    const std::string& consumer = c_.consumer_org.empty() ? client_.client_orgno : c_.consumer_org;
    Result<std::optional<ConsentRecord>> stored = store_.GetConsent(code);
    if (!stored.ok()) return Internal(stored.status());
    if (!stored->has_value()) {
      return Refuse(MpError::kMp303, {}, "consent " + code + " is unknown");
    }
    const ConsentRecord& consent = **stored;
    if (consent.status != ConsentStatus::kAccepted) {
      return Refuse(MpError::kMp303, {},
                    "consent " + code + " is " + std::string(ConsentStatusName(consent.status)) +
                        ", not Accepted");
    }
    if (consent.valid_to <= now_) {
      return Refuse(MpError::kMp303, {},
                    "consent " + code + " expired at " + api_internal::IsoTime(consent.valid_to));
    }
    const std::string& party = from->get_ref<const std::string&>();
    if (party.substr(party.rfind(':') + 1) != consent.offered_by) {
      return Refuse(MpError::kMp303, {},
                    "consent " + code + ": from differs from the person or org who consented");
    }
    if (consent.covered_by != consumer) {
      return Refuse(MpError::kMp303, {},
                    "consent " + code + " is given to " + consent.covered_by +
                        ", not to the consumer " + consumer);
    }
    // SPEC §11.3: the token adds `to` (the consumer), `consented`, `validTo`, `consentRights`.
    nlohmann::ordered_json out;
    out["type"] = kConsentType;
    out["id"] = code;
    out["from"] = party;
    out["to"] = {{"authority", kIso6523Authority}, {"ID", "0192:" + consumer}};
    out["consented"] = api_internal::IsoTime(consent.decided);
    out["validTo"] = api_internal::IsoTime(consent.valid_to);
    nlohmann::ordered_json rights = nlohmann::ordered_json::array();
    for (const ConsentResource& r : consent.resources) {
      nlohmann::ordered_json right;
      right["action"] = nlohmann::ordered_json::array({"consent"});
      nlohmann::ordered_json resource;
      resource["type"] = "urn:altinn:resource";
      resource["value"] = r.service_code + "_" + std::to_string(r.service_edition_code);
      right["resource"] = nlohmann::ordered_json::array({std::move(resource)});
      nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
      for (const auto& [name, value] : r.metadata) metadata[name] = value;
      right["metadata"] = std::move(metadata);
      rights.push_back(std::move(right));
    }
    out["consentRights"] = std::move(rights);
    grant_.authorization_details = nlohmann::ordered_json::array({std::move(out)});
    return std::nullopt;
  }

  static bool IsConsentParty(std::string_view from) {
    constexpr std::string_view kPerson = "urn:altinn:person:identifier-no:";
    constexpr std::string_view kOrg = "urn:altinn:organization:identifier-no:";
    if (from.substr(0, kPerson.size()) == kPerson) {
      return IsValidPersonIdentifier(from.substr(kPerson.size()));
    }
    if (from.substr(0, kOrg.size()) == kOrg) return IsOrgNumberString(from.substr(kOrg.size()));
    return false;
  }

  StepResult CheckSystemUser(const Json& entry) {
    auto org = entry.find("systemuser_org");
    bool valid = org != entry.end() && org->is_object() && org->size() == 2;
    if (valid) {
      auto authority = org->find("authority");
      auto id = org->find("ID");
      valid = authority != org->end() && authority->is_string() &&
              authority->get<std::string>() == kIso6523Authority && id != org->end() &&
              id->is_string() && OrgNumber::ParseIso6523(id->get<std::string>()).ok();
    }
    if (!valid) {
      return Refuse(MpError::kMp303, {},
                    "systemuser_org must be {\"authority\":\"iso6523-actorid-upis\","
                    "\"ID\":\"0192:<orgno>\"}");
    }
    nlohmann::ordered_json out;
    out["type"] = kSystemUserType;
    out["systemuser_org"] = {{"authority", kIso6523Authority},
                             {"ID", (*org)["ID"].get<std::string>()}};
    grant_.authorization_details = nlohmann::ordered_json::array({std::move(out)});
    return std::nullopt;
  }

  const ServerConfig& config_;
  Store& store_;
  ReplayStore& replay_;
  const Clock& clock_;
  std::string_view assertion_;
  int64_t now_ = 0;
  Assertion a_;
  GrantClaims c_;
  Algorithm alg_ = Algorithm::kRS256;
  std::string kid_;
  std::vector<Certificate> chain_;
  ClientRecord client_;
  std::optional<PublicKey> key_;
  ValidatedGrant grant_;
};

}  // namespace

GrantVerdict GrantValidator::Validate(std::string_view assertion) const {
  return Run(config_, store_, replay_, clock_, assertion).Validate();
}

bool IsValidPersonIdentifier(std::string_view pid) {
  if (pid.size() != 11) return false;
  int d[11];
  for (size_t i = 0; i < 11; ++i) {
    if (pid[i] < '0' || pid[i] > '9') return false;
    d[i] = pid[i] - '0';
  }
  int day = d[0] * 10 + d[1];
  int month = d[2] * 10 + d[3];
  if (day > 40) day -= 40;  // D-number
  if (month > 80) {
    month -= 80;  // synthetic test id (Tenor)
  } else if (month > 40) {
    month -= 40;  // synthetic test id (H-number style)
  }
  if (day < 1 || day > 31 || month < 1 || month > 12) return false;
  static constexpr int kW1[9] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
  static constexpr int kW2[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
  auto check = [&](const int* weights, int n) {
    int sum = 0;
    for (int i = 0; i < n; ++i) sum += weights[i] * d[i];
    int k = 11 - sum % 11;
    return k == 11 ? 0 : k;  // 10 means no valid number
  };
  int k1 = check(kW1, 9);
  if (k1 == 10 || k1 != d[9]) return false;
  int k2 = check(kW2, 10);
  return k2 != 10 && k2 == d[10];
}

}  // namespace mp::server
