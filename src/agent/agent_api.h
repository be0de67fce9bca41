// The agent's request bodies (SPEC §16, nais/texas): POST /api/v1/token and /api/v1/introspect
// take application/json or application/x-www-form-urlencoded with the same field names. Pure
// parsing, no I/O: tested without sockets. Private to src/agent.
//
//   Result<TokenCall> call = ParseTokenCall(request);   // kInvalidArgument naming the field
//   if (call.ok() && call->identity_provider != "maskinporten") ...
#ifndef MASKINPORTEN_AGENT_AGENT_API_H_
#define MASKINPORTEN_AGENT_AGENT_API_H_

#include <string>
#include <vector>

#include "http/http_types.h"
#include "maskinporten/grant.h"
#include "maskinporten/status.h"

namespace mp::agent {

// The identity provider this agent serves; texas's others (entra_id, tokenx, idporten) are
// refused as "not enabled".
inline constexpr std::string_view kIdentityProvider = "maskinporten";

struct TokenCall {
  std::string identity_provider{};
  std::string target{};  // as sent: one or more space-separated scopes
  TokenRequest request{};
  bool skip_cache = false;
};

// identity_provider and target are required strings; resource a string; skip_cache a boolean
// (form: "true" / "false"); our extensions: consumer_org (9-digit org number) and
// authorization_details (one RFC 9396 entry: an object, or an array holding one; in a form, its
// JSON text). Errc::kInvalidArgument naming the field (kInvalidOrgNumber for consumer_org), also
// for another Content-Type or a body that is neither. Other fields are ignored, as texas does.
Result<TokenCall> ParseTokenCall(const http::HttpRequest& request);

struct IntrospectCall {
  std::string identity_provider{};
  std::string token{};
};
// identity_provider and token, required strings; errors as ParseTokenCall.
Result<IntrospectCall> ParseIntrospectCall(const http::HttpRequest& request);

}  // namespace mp::agent

#endif  // MASKINPORTEN_AGENT_AGENT_API_H_
