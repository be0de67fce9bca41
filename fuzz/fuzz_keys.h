// Fixed keys shared by the fuzz targets and the seed generator (fuzz/make_seeds.cc).
//
// These are public fuzzing fixtures, not secrets: they exist so that seed tokens signed by
// make_seeds verify inside jws_fuzz, which lets the fuzzer reach the code after a successful
// signature check. Never use them for anything else.
#ifndef MASKINPORTEN_FUZZ_FUZZ_KEYS_H_
#define MASKINPORTEN_FUZZ_FUZZ_KEYS_H_

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "maskinporten/key.h"

namespace mp::fuzz {

inline constexpr std::string_view kRsa2048Pem = R"(
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDdEGEpT0iDw/ea
EYAOxREmlvx0USKVq0mlZ8yRPg/6Eu1ycB5dW/w5y3JPSWD4j/6z7xMITvsb4wc5
EYTG4h48l0z+zaqGhWbUR/9RAWZjLVoJc4OhlSlkwtAz3g6kJk+Qzpe98S9mbGBV
GVlgViP4f3JSlEqR+Nf+YZVgYricW9tQoVj4CeO9Cswi24d/3270V2S4LJMlMm2r
dQTcyCh8ttDIhckd6+JHScKRWtXgmzcWSYMRg1Eikwx7k9NTxtBhS9oo13C2P6le
TgfQ7BBuf5M65UbkhdyKQsovfao7J3AoSaXHBAOOAsYX8FoAFriHGHNcqsv6XHnE
jkIuLP9DAgMBAAECggEAaPN/zWbwnG4LPUAVte1laRbBoE9sxfXeLwMKoeH/H9Cg
nnYQVG55Xs7x5CaIPTnPyIk2Vfl5ShIMudFRYkKz7DxAt6/Yx6jJ2vqbgk/R1kAP
wPDwi2QPlODQi+9esBvoJm2OqQS6ZjwJuB0iy5PZ2/5VvlLc3FRx5zlY+7uivcgT
/CjcRlkn7XjNmjd00vkZaRrj4WRBj9EbZuFFIb4yuL2ydu8SEIR4HmDRoTgvqxVB
JZLQcpIauhngif8PLQ3QuuAxrIrhzA8KoMkjOyTd7+YaITpxQOtlgw88SY6AZKdl
Xq/2U+Xo//NnLQAbvVX45crCEyf36S0eD7ZGcJtscQKBgQD+tBZufhWJeMifXbIy
8KIcILm6OUIEdfZwQYXeMUImR4SLYUMcqKHZxr49iNuaBjJEYbOQn0qK0NS2ivGT
v5dPFuKNEPWpJzO8hIqKZnBvIzhO/MDAFXQpDCRrezD2WoH2MQm3cTE3Fl3tS4Xn
T4zATvK1wSzvXjDWmleiNNaOxwKBgQDeMHSIX+CFdRv0w2iPiG1z+6ZhHiwsrJzF
lHudt9JCl0S1OwPe7lDbaCI0Ixc+U9hEtqBlbTb4aJQ0PWtCsCKwGei2Yv9MUJ+g
CYlFEdG7v5Ya7Z7i9y6944t+FCFw9aEIgPB5lXSRA62K6Sc4gdLmIvSWvWw6oMUC
jSAUV0A/pQKBgH8qyPxXxUcC4B/5duxKCpZCnJhm2BhEEUvQ2xapv14/XOT+JbTc
WRrTSM6OUx5es6BCq5Wsglo2k82kJ6NeCBy7z1chPZY79W/NOSKKrN5AVm/RcCc3
TuzjnBdxxWtqmvKhXzmQsULQzwqYJ33q0Np/UF0A2v+UJowvOUvKV8mnAoGBAJyV
dWquduJWt87073lH4ir8zDJhOyx4sTsk+0EZTNqVFFzMLFwtg1o8tu4bVMQd/qne
MoeIQlcqDFgMeMzUqH2GpNP0TIsRvozga5b7id1QlY6Aq5q0LIKyG5pMwYyD7mq5
w79LroyMFP9ydKuEAochV1HsSJvAtVao8lSjcKnpAoGAce8FYnPLT1x6nISaI5cT
uGXYbU0a+5WaR7KLm9Jo5GA06HhC469ItyuwEMFIDaT2R6mwbSW5lQ23nY+YarYc
2MwQzhahAG3rZuxszwhGd0vEoNVbFeNDNLYzJvRr553PtLgxmVaTEQUYsQRRFsLA
FJeKlmRTKMUy9cMtPCQexsA=
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view kP256Pem = R"(
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOwe/HBQxKDJWgfcq
CfT1RocY3kZ0Vv0a/p3su+t3ti+hRANCAAQQU+0TdR9dixNL746sVceRKMaZaSjJ
y1DUxFSj98riFUkcysw/i8Mv8uO437t/h+itQY7BnK1w0rJzyb/KHo05
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view kRsaKid = "fuzz-rsa-2048";
inline constexpr std::string_view kEcKid = "fuzz-p256";

inline PrivateKey LoadFuzzKeyOrDie(std::string_view pem) {
  auto key = PrivateKey::FromPem(pem);
  if (!key.ok()) {
    std::fprintf(stderr, "fuzz: cannot load the fixed key: %s\n", key.status().ToString().c_str());
    std::abort();
  }
  return *key;
}

inline const PrivateKey& FuzzRsaKey() {
  static const PrivateKey key = LoadFuzzKeyOrDie(kRsa2048Pem);
  return key;
}
inline const PrivateKey& FuzzEcKey() {
  static const PrivateKey key = LoadFuzzKeyOrDie(kP256Pem);
  return key;
}

}  // namespace mp::fuzz

#endif  // MASKINPORTEN_FUZZ_FUZZ_KEYS_H_
