// Splitting a fuzz input into the parts a target reads: a first byte that chooses a mode, and
// lines. Shared by the targets that take structured inputs.
#ifndef MASKINPORTEN_FUZZ_FUZZ_INPUT_H_
#define MASKINPORTEN_FUZZ_FUZZ_INPUT_H_

#include <string_view>

namespace mp::fuzz {

// The input's first byte (0 when empty) into `first`; returns the rest.
inline std::string_view SplitFirstByte(std::string_view in, unsigned* first) {
  *first = in.empty() ? 0 : static_cast<unsigned char>(in.front());
  return in.empty() ? in : in.substr(1);
}

// The text up to the first '\n' (all of it when none); `in` keeps what follows the '\n'.
inline std::string_view NextLine(std::string_view* in) {
  const size_t nl = in->find('\n');
  std::string_view line = in->substr(0, nl);
  in->remove_prefix(nl == std::string_view::npos ? in->size() : nl + 1);
  return line;
}

}  // namespace mp::fuzz

#endif  // MASKINPORTEN_FUZZ_FUZZ_INPUT_H_
