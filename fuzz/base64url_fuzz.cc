// Fuzzes strict base64url and standard base64 decoding. Properties:
//   - a successful decode re-encodes to exactly the input (one spelling per value);
//   - encoding any bytes and decoding them gives the bytes back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "maskinporten/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  auto url = mp::Base64UrlDecode(in);
  if (url.ok()) {
    FUZZ_CHECK(mp::Base64UrlEncode(*url) == in);
  } else {
    FUZZ_CHECK(url.status().code() == mp::Errc::kInvalidBase64);
  }

  auto std_b64 = mp::Base64Decode(in);
  if (std_b64.ok()) {
    FUZZ_CHECK(mp::Base64Encode(*std_b64) == in);
  } else {
    FUZZ_CHECK(std_b64.status().code() == mp::Errc::kInvalidBase64);
  }

  auto url_back = mp::Base64UrlDecode(mp::Base64UrlEncode(in));
  FUZZ_CHECK(url_back.ok() && *url_back == in);
  auto std_back = mp::Base64Decode(mp::Base64Encode(in));
  FUZZ_CHECK(std_back.ok() && *std_back == in);
  return 0;
}
