// Consent on the API owner's side (SPEC §11): the Altinn 2 samtykketoken, the Altinn 3 consent in
// a Maskinporten token's authorization_details, and NAV's rule tying either to the request.
#include "maskinporten/consent.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/checked.h"
#include "core/json.h"
#include "core/openssl.h"
#include "core/strings.h"
#include "core/utc_time.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "validate/consent_internal.h"

namespace mp {
namespace internal {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

Status BadTime(std::string_view name, std::string_view why) {
  return Status(Errc::kInvalidClaim, "claim " + std::string(name) + " " + std::string(why));
}

}  // namespace

Result<TimePoint> ParseIso8601(std::string_view text, std::string_view name) {
  Result<int64_t> seconds = ParseUtcTime(text, TimeSyntax::kIso8601, "claim " + std::string(name));
  if (!seconds.ok()) return Status(Errc::kInvalidClaim, seconds.status().message());
  return TimePoint(std::chrono::seconds(*seconds));
}

Result<TimePoint> ParseConsentTime(const nlohmann::json& value, std::string_view name) {
  // Before 1970 or after 2199 is no consent date; it also keeps the arithmetic in range (a
  // time_point counts nanoseconds in 64 bits). core/checked.h does the range check.
  const std::string what = "claim " + std::string(name);
  auto as_time = [](Result<int64_t> seconds) -> Result<TimePoint> {
    MP_RETURN_IF_ERROR(seconds.status());
    return TimePoint(std::chrono::seconds(*seconds));
  };
  if (value.is_number_unsigned()) {
    return as_time(EpochSecondsFromUnsigned(value.get<uint64_t>(), what, Errc::kInvalidClaim));
  }
  if (value.is_number_integer()) {
    return as_time(EpochSeconds(value.get<int64_t>(), what, Errc::kInvalidClaim));
  }
  if (value.is_number_float()) {
    return as_time(EpochSecondsFromDouble(value.get<double>(), what, Errc::kInvalidClaim));
  }
  if (!value.is_string()) {
    return BadTime(name, "must be epoch seconds or an ISO 8601 string; it is " +
                             std::string(value.type_name()));
  }
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() <= 12 && IsDigits(text)) {
    return as_time(EpochSeconds(std::stoll(text), what, Errc::kInvalidClaim));
  }
  return ParseIso8601(text, name);
}

}  // namespace internal

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using internal::ParseConsentTime;

constexpr std::string_view kConsentType = "urn:altinn:consent";
constexpr std::string_view kPersonPrefix = "urn:altinn:person:identifier-no:";
constexpr std::string_view kOrgPrefix = "urn:altinn:organization:identifier-no:";

bool IsPersonId(std::string_view s) { return s.size() == 11 && IsDigits(s); }

Status InvalidClaim(std::string_view name, std::string_view why) {
  return Status(Errc::kInvalidClaim, "claim " + std::string(name) + " " + std::string(why));
}

// A person id masked; an org number (not personal) in full.
std::string ShowParty(std::string_view id) {
  if (id.size() == 9 && IsDigits(id)) return std::string(id);
  return MaskPersonId(id);
}

// OfferedBy / from: an 11-digit person id or a valid 9-digit org number. The value is never
// echoed in full (it may be a person id).
Status CheckParty(std::string_view id, std::string_view name) {
  if (IsPersonId(id)) return OkStatus();
  if (id.size() == 9 && OrgNumber::Parse(id).ok()) return OkStatus();
  return InvalidClaim(name,
                      "must be an 11-digit person identifier or a 9-digit organisation "
                      "number; got " +
                          std::to_string(id.size()) + " characters (" + MaskPersonId(id) + ")");
}

// ---- Altinn 2 samtykketoken ----

// "<code>_<edition>" with both parts digits.
bool IsServiceId(std::string_view s) {
  size_t us = s.find('_');
  return us != std::string_view::npos && IsDigits(s.substr(0, us)) && IsDigits(s.substr(us + 1));
}

Result<std::vector<std::string>> ServiceEntries(const Json& claims) {
  auto services = claims.find("Services");
  auto codes = claims.find("ServiceCodes");
  if (services != claims.end() && codes != claims.end()) {
    return InvalidClaim("Services", "and ServiceCodes are both present; a token carries one");
  }
  std::vector<std::string> entries;
  if (services != claims.end()) {
    if (!services->is_array()) return InvalidClaim("Services", "must be an array of strings");
    for (const Json& e : *services) {
      if (!e.is_string()) return InvalidClaim("Services", "must be an array of strings");
      entries.push_back(e.get<std::string>());
    }
  } else if (codes != claims.end()) {
    // Older documents: a string (one entry, or entries separated by commas) or an array.
    if (codes->is_string()) {
      std::string_view rest = codes->get_ref<const std::string&>();
      while (true) {
        size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        entries.emplace_back(item);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (codes->is_array()) {
      for (const Json& e : *codes) {
        if (!e.is_string()) {
          return InvalidClaim("ServiceCodes", "must be a string or an array of strings");
        }
        entries.push_back(e.get<std::string>());
      }
    } else {
      return InvalidClaim("ServiceCodes", "must be a string or an array of strings");
    }
  } else {
    return Status(Errc::kMissingClaim, "claim Services (or ServiceCodes) is missing");
  }
  return entries;
}

// Services first, then each metadata entry "<code>_<edition>_<key>=<value>" attached to its
// service, both in the order given.
Result<std::vector<ConsentService>> ParseServices(const Json& claims) {
  const std::string_view name = claims.contains("ServiceCodes") ? "ServiceCodes" : "Services";
  MP_ASSIGN_OR_RETURN(std::vector<std::string> entries, ServiceEntries(claims));
  std::vector<ConsentService> services;
  for (const std::string& e : entries) {
    if (e.find('=') != std::string::npos) continue;
    if (!IsServiceId(e)) {
      return InvalidClaim(name, "entry " + Quote(e, 64) +
                                    " is neither \"<code>_<edition>\" nor "
                                    "\"<code>_<edition>_<key>=<value>\"");
    }
    bool seen = std::any_of(services.begin(), services.end(),
                            [&](const ConsentService& s) { return s.id == e; });
    if (!seen) services.push_back(ConsentService{.id = e, .metadata = {}});
  }
  for (const std::string& e : entries) {
    size_t eq = e.find('=');
    if (eq == std::string::npos) continue;
    std::string_view head = std::string_view(e).substr(0, eq);
    size_t first = head.find('_');
    size_t second = first == std::string_view::npos ? first : head.find('_', first + 1);
    if (second == std::string_view::npos || !IsServiceId(head.substr(0, second)) ||
        second + 1 >= head.size()) {
      return InvalidClaim(name, "entry " + Quote(e, 64) +
                                    " is neither \"<code>_<edition>\" nor "
                                    "\"<code>_<edition>_<key>=<value>\"");
    }
    std::string_view service = head.substr(0, second);
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const ConsentService& s) { return s.id == service; });
    if (it == services.end()) {
      return InvalidClaim(name, "metadata entry " + Quote(e, 64) + " names service " +
                                    std::string(service) + ", which the token does not list");
    }
    it->metadata.emplace_back(std::string(head.substr(second + 1)), e.substr(eq + 1));
  }
  if (services.empty()) return InvalidClaim(name, "lists no service");
  return services;
}

Result<std::string> RequiredString(const Json& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end()) {
    return Status(Errc::kMissingClaim, "claim " + std::string(name) + " is missing");
  }
  if (!it->is_string()) return InvalidClaim(name, "must be a string");
  if (it->get_ref<const std::string&>().empty()) return InvalidClaim(name, "is empty");
  return it->get<std::string>();
}

// nullopt for absent, null or "".
Result<std::optional<std::string>> OptionalString(const Json& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidClaim(name, "must be a string");
  if (it->get_ref<const std::string&>().empty()) return std::optional<std::string>();
  return std::optional<std::string>(it->get<std::string>());
}

Result<OrgNumber> OrgClaim(const std::string& value, std::string_view name) {
  Result<OrgNumber> org = OrgNumber::Parse(value);
  if (!org.ok()) return org.status().WithContext("claim " + std::string(name));
  return org;
}

Result<std::chrono::system_clock::time_point> TimeClaim(const Json& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end()) {
    return Status(Errc::kMissingClaim, "claim " + std::string(name) + " is missing");
  }
  return ParseConsentTime(*it, name);
}

Status CheckAlgorithm(const JwsHeader& header) {
  if (header.alg == Algorithm::kRS256) return OkStatus();
  if (!header.alg) {
    return Status(Errc::kUnsupportedAlgorithm, "samtykketoken alg " + Quote(header.alg_name, 64) +
                                                   " is not supported; Altinn "
                                                   "signs with RS256");
  }
  return Status(Errc::kAlgorithmNotAllowed, "samtykketoken alg " + header.alg_name +
                                                " is not allowed; Altinn signs with RS256");
}

// ---- Altinn 3 authorization_details ----

Status BadMember(std::string_view member, std::string_view why) {
  return Status(Errc::kInvalidClaim, "authorization_details urn:altinn:consent " +
                                         std::string(member) + " " + std::string(why));
}

Result<std::string> MemberString(const OrderedJson& entry, std::string_view member) {
  auto it = entry.find(member);
  if (it == entry.end()) return BadMember(member, "is missing");
  if (!it->is_string()) return BadMember(member, "must be a string");
  if (it->get_ref<const std::string&>().empty()) return BadMember(member, "is empty");
  return it->get<std::string>();
}

Result<std::chrono::system_clock::time_point> MemberTime(const OrderedJson& entry,
                                                         std::string_view member) {
  MP_ASSIGN_OR_RETURN(std::string text, MemberString(entry, member));
  Result<std::chrono::system_clock::time_point> t = internal::ParseIso8601(text, member);
  if (!t.ok()) return BadMember(member, "is not an ISO 8601 date-time: " + Quote(text, 64));
  return t;
}

Result<std::string> ParseFrom(const OrderedJson& entry) {
  MP_ASSIGN_OR_RETURN(std::string from, MemberString(entry, "from"));
  std::string_view v = from;
  if (v.substr(0, kPersonPrefix.size()) == kPersonPrefix) {
    std::string_view id = v.substr(kPersonPrefix.size());
    if (IsPersonId(id)) return std::string(id);
    return BadMember("from", "must name an 11-digit person identifier after " +
                                 std::string(kPersonPrefix) + " (got " + MaskPersonId(id) + ")");
  }
  if (v.substr(0, kOrgPrefix.size()) == kOrgPrefix) {
    std::string_view id = v.substr(kOrgPrefix.size());
    if (OrgNumber::Parse(id).ok()) return std::string(id);
    return BadMember("from", "must name a valid organisation number after " +
                                 std::string(kOrgPrefix) + " (got " + Quote(id, 64) + ")");
  }
  return BadMember(
      "from", "must start with " + std::string(kPersonPrefix) + " or " + std::string(kOrgPrefix));
}

Result<OrgNumber> ParseTo(const OrderedJson& entry) {
  auto to = entry.find("to");
  if (to == entry.end()) return BadMember("to", "is missing");
  if (!to->is_object()) return BadMember("to", "must be an object {authority, ID}");
  auto authority = to->find("authority");
  if (authority == to->end() || !authority->is_string() ||
      authority->get_ref<const std::string&>() != "iso6523-actorid-upis") {
    return BadMember("to", "authority must be \"iso6523-actorid-upis\"");
  }
  auto id = to->find("ID");
  if (id == to->end() || !id->is_string()) return BadMember("to", "ID must be a string");
  Result<OrgNumber> org = OrgNumber::ParseIso6523(id->get_ref<const std::string&>());
  if (!org.ok()) {
    return BadMember("to", "ID must be \"0192:<orgno>\": " + org.status().message());
  }
  return org;
}

Result<std::vector<ConsentService>> ParseConsentRights(const OrderedJson& entry) {
  auto rights = entry.find("consentRights");
  if (rights == entry.end()) return BadMember("consentRights", "is missing");
  if (!rights->is_array() || rights->empty()) {
    return BadMember("consentRights", "must be a non-empty array");
  }
  std::vector<ConsentService> services;
  for (const OrderedJson& right : *rights) {
    if (!right.is_object()) return BadMember("consentRights", "entries must be objects");
    auto action = right.find("action");
    if (action == right.end() || !action->is_array() || action->empty() ||
        !std::all_of(action->begin(), action->end(),
                     [](const OrderedJson& a) { return a.is_string(); })) {
      return BadMember("consentRights", "action must be a non-empty array of strings");
    }
    std::vector<std::pair<std::string, std::string>> metadata;
    // SPEC §14.3: one Altinn example spells it metaData.
    auto md = right.find("metadata");
    if (md == right.end()) md = right.find("metaData");
    if (md != right.end() && !md->is_null()) {
      if (!md->is_object()) return BadMember("consentRights", "metadata must be an object");
      for (auto it = md->begin(); it != md->end(); ++it) {
        if (!it->is_string()) {
          return BadMember("consentRights",
                           "metadata " + Quote(it.key(), 64) + " must be a string");
        }
        metadata.emplace_back(it.key(), it->get<std::string>());
      }
    }
    auto resource = right.find("resource");
    if (resource == right.end() || !resource->is_array() || resource->empty()) {
      return BadMember("consentRights", "resource must be a non-empty array");
    }
    for (const OrderedJson& r : *resource) {
      auto type = r.is_object() ? r.find("type") : r.end();
      auto value = r.is_object() ? r.find("value") : r.end();
      if (!r.is_object() || type == r.end() || !type->is_string() ||
          type->get_ref<const std::string&>() != "urn:altinn:resource") {
        return BadMember("consentRights",
                         "resource entries must have type \"urn:altinn:resource\"");
      }
      if (value == r.end() || !value->is_string() || value->get_ref<const std::string&>().empty()) {
        return BadMember("consentRights", "resource value must be a non-empty string");
      }
      services.push_back(ConsentService{.id = value->get<std::string>(), .metadata = metadata});
    }
  }
  return services;
}

// SPEC §14.0: Altinn migrates an Altinn 2 service "5252_2" to the resource "<org>_5252_2"; an
// API that names the Altinn 2 service accepts both while consents are migrated.
bool CoversService(std::string_view id, std::string_view service) {
  if (id == service) return true;
  if (id.size() <= service.size() + 1 || !id.ends_with(service)) return false;
  std::string_view org = id.substr(0, id.size() - service.size());
  if (!org.ends_with('_')) return false;
  org.remove_suffix(1);
  return std::all_of(org.begin(), org.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string JoinIds(const std::vector<ConsentService>& services) {
  std::string out;
  for (const ConsentService& s : services) {
    if (!out.empty()) out += ", ";
    out += s.id;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Result<Consent> VerifyAltinn2Consent(std::string_view token, JwksCache& altinn_keys,
                                     const ConsentVerifyOptions& options) {
  if (options.leeway.count() < 0 || options.max_lifetime.count() <= 0) {
    return Status(Errc::kInvalidArgument,
                  "leeway must not be negative and max_lifetime must be "
                  "positive");
  }
  MP_ASSIGN_OR_RETURN(ParsedJws parsed, ParseJws(token, options.max_token_bytes));
  // The alg is checked before any key lookup, so a token with a bad alg never makes us fetch.
  MP_RETURN_IF_ERROR(CheckAlgorithm(parsed.header));
  MP_ASSIGN_OR_RETURN(Jwk jwk, altinn_keys.Find(parsed.header.kid));
  // The key was chosen by the cache (by kid, or the set's only key): verify with that one JWK,
  // keeping the JWK rules (use, key_ops, alg) of VerifyJws.
  jwk.kid = parsed.header.kid;
  std::vector<Jwk> one;
  one.push_back(std::move(jwk));
  MP_ASSIGN_OR_RETURN(Jwks single, Jwks::FromKeys(std::move(one)));
  VerifyOptions vo{Algorithm::kRS256};
  vo.max_token_bytes = options.max_token_bytes;
  MP_ASSIGN_OR_RETURN(VerifiedJws jws, VerifyJws(token, single, vo));

  Result<Claims> claims = Claims::Parse(jws.payload);
  if (!claims.ok()) return claims.status().WithContext("samtykketoken claims");
  MP_RETURN_IF_ERROR(ValidateClaims(*claims, {.issuer = options.issuer,
                                              .audience = options.audience,
                                              .leeway = options.leeway,
                                              .require_exp = true,
                                              .require_iat = true,
                                              .clock = options.clock}));
  // Both present (ValidateClaims requires them) and range-checked before the subtraction.
  MP_ASSIGN_OR_RETURN(const int64_t exp, EpochSeconds(claims->GetNumericDate("exp")->value_or(0),
                                                      "claim exp", Errc::kInvalidClaim));
  MP_ASSIGN_OR_RETURN(const int64_t iat, EpochSeconds(claims->GetNumericDate("iat")->value_or(0),
                                                      "claim iat", Errc::kInvalidClaim));
  if (iat > exp) {
    return InvalidClaim("exp", std::to_string(exp) + " is before iat " + std::to_string(iat));
  }
  if (exp - iat > options.max_lifetime.count()) {
    return InvalidClaim("exp", "- iat is " + std::to_string(exp - iat) +
                                   " s; a samtykketoken may live at most " +
                                   std::to_string(options.max_lifetime.count()) + " s");
  }

  MP_ASSIGN_OR_RETURN(Json c, ParseStrictJsonObject(jws.payload));
  MP_ASSIGN_OR_RETURN(std::vector<ConsentService> services, ParseServices(c));
  MP_ASSIGN_OR_RETURN(std::string id, RequiredString(c, "AuthorizationCode"));
  MP_ASSIGN_OR_RETURN(std::string offered_by, RequiredString(c, "OfferedBy"));
  MP_RETURN_IF_ERROR(CheckParty(offered_by, "OfferedBy"));
  MP_ASSIGN_OR_RETURN(std::optional<std::string> delegator, OptionalString(c, "RequiredDelegator"));
  if (delegator) MP_RETURN_IF_ERROR(CheckParty(*delegator, "RequiredDelegator"));
  MP_ASSIGN_OR_RETURN(std::string covered_text, RequiredString(c, "CoveredBy"));
  MP_ASSIGN_OR_RETURN(OrgNumber covered_by, OrgClaim(covered_text, "CoveredBy"));
  MP_ASSIGN_OR_RETURN(std::optional<std::string> handled_text, OptionalString(c, "HandledBy"));
  std::optional<OrgNumber> handled_by;
  if (handled_text) {
    MP_ASSIGN_OR_RETURN(OrgNumber org, OrgClaim(*handled_text, "HandledBy"));
    handled_by = org;
  }
  MP_ASSIGN_OR_RETURN(auto consented_at, TimeClaim(c, "DelegatedDate"));
  MP_ASSIGN_OR_RETURN(auto valid_to, TimeClaim(c, "ValidToDate"));
  return Consent{.form = Consent::Form::kAltinn2Token,
                 .id = std::move(id),
                 .offered_by = std::move(offered_by),
                 .required_delegator = delegator.value_or(""),
                 .covered_by = std::move(covered_by),
                 .handled_by = std::move(handled_by),
                 .services = std::move(services),
                 .consented_at = consented_at,
                 .valid_to = valid_to,
                 .issuer = options.issuer};
}

Result<Consent> ConsentFromAccessToken(const ValidatedAccessToken& token) {
  if (token.authorization_details_json.empty()) {
    return Status(Errc::kConsentNotValid,
                  "the access token carries no authorization_details, so no Altinn 3 consent");
  }
  // Strict parse first (duplicates, limits); then read it again keeping member order, for the
  // metadata.
  Result<Json> strict = ParseStrictJson(token.authorization_details_json);
  if (!strict.ok()) return strict.status().WithContext("authorization_details");
  OrderedJson details;
  try {
    details = OrderedJson::parse(token.authorization_details_json);
  } catch (const OrderedJson::exception& e) {
    return Status(Errc::kInvalidJson, std::string("authorization_details: ") + e.what());
  }
  if (!details.is_array()) {
    return Status(Errc::kInvalidClaim, "claim authorization_details must be an array");
  }
  const OrderedJson* entry = nullptr;
  for (const OrderedJson& e : details) {
    if (!e.is_object()) {
      return Status(Errc::kInvalidClaim, "claim authorization_details entries must be objects");
    }
    auto type = e.find("type");
    if (type == e.end() || !type->is_string() ||
        type->get_ref<const std::string&>() != kConsentType) {
      continue;
    }
    if (entry != nullptr) {
      return Status(Errc::kInvalidClaim,
                    "claim authorization_details has two entries of type urn:altinn:consent; "
                    "a token carries one consent");
    }
    entry = &e;
  }
  if (entry == nullptr) {
    return Status(Errc::kConsentNotValid,
                  "the access token's authorization_details has no entry of type "
                  "urn:altinn:consent");
  }
  MP_ASSIGN_OR_RETURN(std::string id, MemberString(*entry, "id"));
  MP_ASSIGN_OR_RETURN(std::string offered_by, ParseFrom(*entry));
  MP_ASSIGN_OR_RETURN(OrgNumber covered_by, ParseTo(*entry));
  MP_ASSIGN_OR_RETURN(auto consented_at, MemberTime(*entry, "consented"));
  MP_ASSIGN_OR_RETURN(auto valid_to, MemberTime(*entry, "validTo"));
  MP_ASSIGN_OR_RETURN(std::vector<ConsentService> services, ParseConsentRights(*entry));
  Result<std::optional<std::string>> iss = token.claims.GetString("iss");
  return Consent{.form = Consent::Form::kAltinn3AuthorizationDetails,
                 .id = std::move(id),
                 .offered_by = std::move(offered_by),
                 .required_delegator = "",
                 .covered_by = std::move(covered_by),
                 .handled_by = std::nullopt,
                 .services = std::move(services),
                 .consented_at = consented_at,
                 .valid_to = valid_to,
                 .issuer = iss.ok() ? iss->value_or("") : ""};
}

Status CheckConsent(const ValidatedAccessToken& token, const Consent& consent,
                    const ConsentRequirement& requirement) {
  const bool altinn2 = consent.form == Consent::Form::kAltinn2Token;
  const std::string covered_name = altinn2 ? "CoveredBy" : "to";
  const std::string offered_name = altinn2 ? "OfferedBy" : "from";
  const std::string& covered = consent.covered_by.digits();

  // 1. The consent is for the org the token was issued to (SPEC §11.1, the org-number rule).
  if (!(consent.covered_by == token.consumer)) {
    std::string hint = token.supplier
                           ? " (the token's supplier " + token.supplier->Iso6523() + " acts for " +
                                 token.consumer.Iso6523() + ", not for " + covered + ")"
                           : " (a supplier must get its token with consumer_org=" + covered +
                                 " through Altinn delegation)";
    return Status(Errc::kConsentOrgMismatch, "consent " + covered_name + " " + covered +
                                                 " differs from the access token's consumer " +
                                                 token.consumer.Iso6523() + hint);
  }
  // Altinn 2: HandledBy names the supplier that fetched the samtykketoken; a supplier token must
  // come from that same supplier. (A token without supplier may carry any HandledBy.)
  if (altinn2 && consent.handled_by && token.supplier &&
      !(*consent.handled_by == *token.supplier)) {
    return Status(Errc::kConsentOrgMismatch, "consent HandledBy " + consent.handled_by->digits() +
                                                 " differs from the access token's supplier " +
                                                 token.supplier->Iso6523());
  }
  // 2. The person who consented is the person the request is about.
  if (requirement.person.empty()) {
    return Status(Errc::kConsentPersonMismatch,
                  "the request names no person (NAV-PersonIdent is empty); the consent " +
                      offered_name + " is " + ShowParty(consent.offered_by));
  }
  if (consent.offered_by != requirement.person) {
    return Status(Errc::kConsentPersonMismatch,
                  "consent " + offered_name + " " + ShowParty(consent.offered_by) +
                      " differs from NAV-PersonIdent " + ShowParty(requirement.person));
  }
  // 3. Valid now.
  const Clock& clock = requirement.clock != nullptr ? *requirement.clock : SystemClock::Instance();
  const auto now = clock.Now();
  if (now < consent.consented_at) {
    return Status(Errc::kConsentNotValid, "consent is not valid before " +
                                              FormatUtc(consent.consented_at) + " (now " +
                                              FormatUtc(now) + ")");
  }
  if (now >= consent.valid_to) {
    return Status(Errc::kConsentNotValid, "consent expired at " + FormatUtc(consent.valid_to) +
                                              " (now " + FormatUtc(now) + ")");
  }
  // 4. For this endpoint's service.
  if (!requirement.service.empty()) {
    bool covered_service = std::any_of(
        consent.services.begin(), consent.services.end(),
        [&](const ConsentService& s) { return CoversService(s.id, requirement.service); });
    if (!covered_service) {
      return Status(Errc::kConsentNotValid, "consent does not cover service " +
                                                requirement.service + " (it covers " +
                                                JoinIds(consent.services) + ")");
    }
  }
  return OkStatus();
}

std::string MaskPersonId(std::string_view person_id) {
  if (!IsPersonId(person_id)) return "***";
  return std::string(person_id.substr(0, 6)) + "*****";
}

std::string HashPersonId(std::string_view person_id) {
  const std::string input = "maskinporten-cpp person:" + std::string(person_id);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr) != 1 ||
      len < 16) {
    ClearOpenSslErrors();
    return std::string(32, '0');  // SHA-256 does not fail; keep the contract's length if it does
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (int i = 0; i < 16; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace mp
