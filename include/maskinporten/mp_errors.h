// Maskinporten's token-endpoint errors (SPEC §6) in one table: HTTP status, OAuth2 `error`,
// MP code, the description text byte-for-byte, and what a client should do about it.
//
// The emulator answers with this table, the client decodes with it, and the grant linter
// reports with it, so a correction to a text or status is made once.
//
//   const mp::MpErrorInfo& e = mp::MpErrorInfoFor(mp::MpError::kMp110);
//   e.http_status;  // 400
//   e.error;        // "invalid_grant"
//   e.text;         // "Invalid assertion. Client authentication failed. Invalid JWT claim aud."
#ifndef MASKINPORTEN_MP_ERRORS_H_
#define MASKINPORTEN_MP_ERRORS_H_

#include <optional>
#include <string_view>

#include "maskinporten/grant_export.h"

namespace mp {

enum class MpError {
  kMp011,             // malformed grant, unknown claim
  kMp012,             // jti reused
  kMp100,             // unknown client
  kMp110,             // aud is not the issuer
  kMp120,             // invalid certificate
  kMp121,             // registered key expired
  kMp122,             // certificate org number differs from client owner
  kMp123,             // x5c not an array of base64 DER
  kMp124,             // bad signature
  kMp130,             // exp passed
  kMp200,             // scope not on client
  kMp201,             // scope not for maskinporten
  kMp250,             // consumer lacks access
  kMp251,             // no delegation
  kMp301,             // unknown authorization_details type
  kMp302,             // unknown authorization_details fields
  kMp303,             // invalid authorization_details values
  kUnknownKid,        // (no code) kid not registered on the client
  kKidRequired,       // (no code) client has registered keys, grant sent none
  kIssuedInFuture,    // (no code) iat ahead of server clock
  kConsumerOrgIsOwn,  // (no code) consumer_org equals the client's own org
};

struct MP_GRANT_EXPORT MpErrorInfo {
  MpError id;
  std::string_view code;   // "MP-011", or "" for the uncoded errors
  int http_status;         // 400 or 403
  std::string_view error;  // OAuth2 error: invalid_request, invalid_grant, invalid_scope, ...
  // Description before " (trace_id: ...)". Texts that name values (MP-200, MP-250, MP-251) hold
  // the fixed prefix; Describe() in the server adds the values.
  std::string_view text;
  std::string_view hint;  // what the client should fix, one sentence
};

MP_GRANT_EXPORT const MpErrorInfo& MpErrorInfoFor(MpError id);
// By "MP-110"; nullopt for an unknown code.
MP_GRANT_EXPORT std::optional<MpError> MpErrorByCode(std::string_view code);
// By description text (for uncoded errors, which carry no error_uri); nullopt when none fits.
MP_GRANT_EXPORT std::optional<MpError> MpErrorByText(std::string_view description);

}  // namespace mp

#endif  // MASKINPORTEN_MP_ERRORS_H_
