// Kept for code written before the split: environments and discovery are in
// maskinporten/endpoints.h (component grant), client configuration in maskinporten/client_config.h
// (component client). New code includes the one it needs.
#ifndef MASKINPORTEN_ENVIRONMENT_H_
#define MASKINPORTEN_ENVIRONMENT_H_

#include "maskinporten/client_config.h"
#include "maskinporten/endpoints.h"

#endif  // MASKINPORTEN_ENVIRONMENT_H_
