// The local Maskinporten and the example API, in one include: component emulator (CMake
// maskinporten::emulator, pkg-config maskinporten-emulator; links SQLite besides what
// maskinporten.h needs). For tests of a program that gets tokens or validates them:
//
//   MP_ASSIGN_OR_RETURN(auto server, mp::LocalMaskinporten::Start(options));  // port 0
//   MP_ASSIGN_OR_RETURN(auto endpoints, mp::EndpointsForIssuer(server->issuer()));
//   (examples/local_token.cc: a client seeded, a token fetched from it)
#ifndef MASKINPORTEN_EMULATOR_H_
#define MASKINPORTEN_EMULATOR_H_

#include "maskinporten/example_api.h"
#include "maskinporten/local_maskinporten.h"
#include "maskinporten/maskinporten.h"

#endif  // MASKINPORTEN_EMULATOR_H_
