#include "core/openssl.h"

#include <openssl/err.h>

namespace mp {

Status OpenSslError(Errc code, std::string_view what) {
  std::string msg(what);
  unsigned long err = 0;
  bool first = true;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    msg += first ? " (" : "; ";
    msg += buf;
    first = false;
  }
  if (!first) msg += ")";
  return Status(code, std::move(msg));
}

void ClearOpenSslErrors() { ERR_clear_error(); }

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace mp
