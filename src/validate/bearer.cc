// RFC 6750 on the resource server's side: reading the bearer token from the Authorization header
// and answering a refusal with the right status and WWW-Authenticate challenge.
#include <strings.h>

#include "maskinporten/validator.h"

namespace mp {
namespace {

// RFC 6750 §3: error_description is a quoted-string of %x20-21 / %x23-5B / %x5D-7E; drop the
// rest (quotes, backslashes, control and non-ASCII bytes) rather than escape them.
std::string QuotableText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u <= 0x7e && c != '"' && c != '\\') out.push_back(c);
  }
  return out;
}

bool IsForbidden(Errc code) {
  switch (code) {
    case Errc::kInsufficientScope:
    case Errc::kConsumerNotAllowed:
    case Errc::kConsentNotValid:
    case Errc::kConsentOrgMismatch:
    case Errc::kConsentPersonMismatch:
      return true;
    default:
      return false;
  }
}

std::string Join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out.push_back(sep);
    out += s;
  }
  return out;
}

}  // namespace

Result<std::string_view> BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      ::strncasecmp(header.data(), kScheme.data(), kScheme.size()) != 0) {
    return Status(Errc::kMalformedToken, "Authorization header is not \"Bearer <token>\"");
  }
  std::string_view token = header.substr(kScheme.size());
  // RFC 6750 §2.1 b64token: no spaces inside, none around.
  for (char c : token) {
    if (c == ' ' || c == '\t' || c == ',') {
      return Status(Errc::kMalformedToken, "Authorization header holds more than one token");
    }
  }
  return token;
}

BearerChallenge ChallengeFor(const Status& status, std::string_view realm,
                             const std::vector<std::string>& required_scopes) {
  BearerChallenge c;
  c.description = QuotableText(status.message());
  std::string header = "Bearer realm=\"" + QuotableText(realm) + "\"";
  if (IsForbidden(status.code())) {
    c.http_status = 403;
    c.error = "insufficient_scope";
  } else {
    c.http_status = 401;
    c.error = "invalid_token";
  }
  header += ", error=\"" + c.error + "\"";
  if (!c.description.empty()) header += ", error_description=\"" + c.description + "\"";
  if (c.http_status == 403 && !required_scopes.empty()) {
    header += ", scope=\"" + QuotableText(Join(required_scopes, ' ')) + "\"";
  }
  c.www_authenticate = std::move(header);
  return c;
}

BearerChallenge MissingTokenChallenge(std::string_view realm) {
  BearerChallenge c;
  c.http_status = 401;
  c.www_authenticate = "Bearer realm=\"" + QuotableText(realm) + "\"";
  return c;
}

}  // namespace mp
