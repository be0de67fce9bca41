#include "maskinporten/mp_errors.h"

#include <array>

namespace mp {
namespace {

// SPEC §6. Statuses and `error` values marked unverified there are our best reading; this is
// the one place to correct them.
constexpr std::array<MpErrorInfo, 21> kTable = {{
    {MpError::kMp011, "MP-011", 400, "invalid_request",
     "Invalid assertion. Invalid parameter value",
     "The grant is malformed: check the JWT structure, claim names and types, and that no extra "
     "claims or line breaks are present."},
    {MpError::kMp012, "MP-012", 400, "invalid_grant", "Grant is used before",
     "Every token request needs a fresh grant with a new jti; do not reuse or cache grants."},
    {MpError::kMp100, "MP-100", 400, "invalid_grant",
     "Invalid assertion. Client authentication failed.",
     "iss must be your client_id in this environment (TEST and PROD clients differ)."},
    {MpError::kMp110, "MP-110", 400, "invalid_grant",
     "Invalid assertion. Client authentication failed. Invalid JWT claim aud.",
     "aud must be the environment's issuer exactly, with the trailing slash "
     "(https://test.maskinporten.no/ or https://maskinporten.no/)."},
    {MpError::kMp120, "MP-120", 400, "invalid_grant",
     "Invalid assertion. Client authentication failed. The JWT is signed with an invalid "
     "certificate.",
     "Use a valid, unexpired virksomhetssertifikat of the right kind: test certificates in TEST, "
     "production certificates in PROD."},
    {MpError::kMp121, "MP-121", 400, "invalid_grant",
     "Invalid assertion. Client authentication failed. Expired key.",
     "Registered keys expire one year after upload: upload the key again or register a new one."},
    {MpError::kMp122, "MP-122", 400, "invalid_grant",
     "Invalid JWT. Invalid organization number for client. Does not match certificate orgno",
     "Sign with the certificate of the organisation that owns the client."},
    {MpError::kMp123, "MP-123", 400, "invalid_grant", "Invalid JWT header x5c",
     "x5c must be a JSON array of standard base64 DER certificates, leaf first (not a string, "
     "not base64url, no PEM headers)."},
    {MpError::kMp124, "MP-124", 400, "invalid_grant",
     "Invalid assertion. Client authentication failed. Invalid JWT signature.",
     "The grant must be signed with the private key of the certificate or registered kid you "
     "send."},
    {MpError::kMp130, "MP-130", 400, "invalid_grant", "JWT is expired",
     "The grant's exp has passed: sign a fresh grant per request and keep the clock in sync "
     "(NTP)."},
    {MpError::kMp200, "MP-200", 400, "invalid_scope",
     "Token request contains invalid scopes for client, ",
     "Add the scope to your client (integration) in the self-service portal or API."},
    {MpError::kMp201, "MP-201", 400, "invalid_scope",
     "Token request contains scopes not allowed for maskinporten",
     "The scope is not available to Maskinporten integrations; ask the API owner."},
    {MpError::kMp250, "MP-250", 403, "forbidden",
     "Consumer has not been granted access to the scope ",
     "The consumer organisation lacks access: ask the API owner for access, or, as a supplier, "
     "send consumer_org."},
    {MpError::kMp251, "MP-251", 403, "forbidden", "Consumer ",
     "The consumer must delegate the scope to your organisation in Altinn (TT02 for TEST)."},
    {MpError::kMp301, "MP-301", 400, "invalid_request", "Unknown authorization details type",
     "Use a type from the metadata: urn:altinn:systemuser or urn:altinn:consent."},
    {MpError::kMp302, "MP-302", 400, "invalid_request",
     "Unknown fields in the authorization details",
     "Remove the fields the authorization_details type does not define."},
    {MpError::kMp303, "MP-303", 400, "invalid_altinn_customer_configuration",
     "Invalid authorization details values",
     "Check the authorization_details values (consent id, from, system user org)."},
    {MpError::kUnknownKid, "", 400, "invalid_grant",
     "Invalid assertion. Client authentication failed. Unknown key identifier (kid) for client.",
     "The kid is not registered on this client; iss must be the client_id, not the kid."},
    {MpError::kKidRequired, "", 400, "invalid_grant",
     "Invalid assertion. Client authentication failed. Invalid JWT. The client requires "
     "pre-registered jwk and no key identifier (kid) provided",
     "This client has registered keys: sign with one of them and send its kid instead of x5c."},
    {MpError::kIssuedInFuture, "", 400, "invalid_grant", "Issue time is after now",
     "Your clock is ahead of Maskinporten's: sync it (NTP); iat must be now."},
    {MpError::kConsumerOrgIsOwn, "", 400, "invalid_request",
     "Validation of JWT claim failed: The combination consumer_org in claim and delegation "
     "scope on client is invalid",
     "consumer_org is for acting on behalf of another organisation; drop it for your own."},
}};

}  // namespace

const MpErrorInfo& MpErrorInfoFor(MpError id) {
  for (const MpErrorInfo& e : kTable) {
    if (e.id == id) return e;
  }
  return kTable[0];  // unreachable: every MpError has a row (tested)
}

std::optional<MpError> MpErrorByCode(std::string_view code) {
  if (code.empty()) return std::nullopt;
  for (const MpErrorInfo& e : kTable) {
    if (e.code == code) return e.id;
  }
  return std::nullopt;
}

std::optional<MpError> MpErrorByText(std::string_view description) {
  // Longest matching prefix wins: several texts share "Invalid assertion. ...".
  const MpErrorInfo* best = nullptr;
  for (const MpErrorInfo& e : kTable) {
    if (description.substr(0, e.text.size()) == e.text &&
        (best == nullptr || e.text.size() > best->text.size())) {
      best = &e;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->id;
}

}  // namespace mp
