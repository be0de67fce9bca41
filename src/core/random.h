// Cryptographically secure randomness (OpenSSL RAND_bytes) and secret wiping.
//
//   std::string jti = mp::RandomBase64Url(16);     // 128 random bits, 22 characters
//   mp::SecureWipe(password);                       // before the string is released
#ifndef MASKINPORTEN_CORE_RANDOM_H_
#define MASKINPORTEN_CORE_RANDOM_H_

#include <cstddef>
#include <string>

#include "maskinporten/core_export.h"

namespace mp {

// `n` random bytes. Aborts if the system RNG fails: there is no safe fallback.
MP_CORE_EXPORT std::string RandomBytes(size_t n);
// base64url of `n` random bytes.
MP_CORE_EXPORT std::string RandomBase64Url(size_t n);
// Lowercase hex of `n` random bytes.
MP_CORE_EXPORT std::string RandomHex(size_t n);
// An RFC 4122 version 4 UUID.
MP_CORE_EXPORT std::string RandomUuid();

// Overwrites the string's buffer with zeros in a way the compiler cannot elide, then clears it.
MP_CORE_EXPORT void SecureWipe(std::string& secret);

// A string that is wiped when it dies. For passwords and private key bytes.
class MP_CORE_EXPORT SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
    other.value_.clear();
  }
  SecretString& operator=(SecretString&& other) noexcept {
    SecureWipe(value_);
    value_ = std::move(other.value_);
    other.value_.clear();
    return *this;
  }
  ~SecretString() { SecureWipe(value_); }
  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace mp

#endif  // MASKINPORTEN_CORE_RANDOM_H_
