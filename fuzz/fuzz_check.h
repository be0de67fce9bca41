// FUZZ_CHECK: a property a fuzz target asserts. Unlike assert() it stays on in release builds,
// and it prints the failed condition before aborting, so libFuzzer saves the input as a crash.
#ifndef MASKINPORTEN_FUZZ_FUZZ_CHECK_H_
#define MASKINPORTEN_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

#endif  // MASKINPORTEN_FUZZ_FUZZ_CHECK_H_
