// Everything public in libmaskinporten, in one include.
#ifndef MASKINPORTEN_MASKINPORTEN_H_
#define MASKINPORTEN_MASKINPORTEN_H_

#include "maskinporten/base64.h"
#include "maskinporten/certificate.h"
#include "maskinporten/clock.h"
#include "maskinporten/jwk.h"
#include "maskinporten/jws.h"
#include "maskinporten/jwt.h"
#include "maskinporten/key.h"
#include "maskinporten/org_number.h"
#include "maskinporten/status.h"
#include "maskinporten/test_ca.h"

#endif  // MASKINPORTEN_MASKINPORTEN_H_
