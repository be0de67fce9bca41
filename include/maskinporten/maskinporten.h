// The client and API-owner side of maskinporten-cpp, in one include: components core, jose, pki,
// grant, client and validate (CMake maskinporten::maskinporten; OpenSSL and libcurl only). The
// local Maskinporten and the example API are in maskinporten/emulator.h.
#ifndef MASKINPORTEN_MASKINPORTEN_H_
#define MASKINPORTEN_MASKINPORTEN_H_

#include "maskinporten/admin_client.h"
#include "maskinporten/base64.h"
#include "maskinporten/certificate.h"
#include "maskinporten/client_config.h"
#include "maskinporten/clock.h"
#include "maskinporten/consent.h"
#include "maskinporten/endpoints.h"
#include "maskinporten/grant.h"
#include "maskinporten/http.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "maskinporten/key.h"
#include "maskinporten/loopback.h"
#include "maskinporten/mp_errors.h"
#include "maskinporten/org_number.h"
#include "maskinporten/status.h"
#include "maskinporten/test_ca.h"
#include "maskinporten/token_client.h"
#include "maskinporten/token_provider.h"
#include "maskinporten/validator.h"
#include "maskinporten/version.h"

#endif  // MASKINPORTEN_MASKINPORTEN_H_
