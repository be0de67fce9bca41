// Splitting a fuzz input into the parts a target reads: a first byte that chooses a mode, and
// lines. Shared by the targets that take structured inputs.
#ifndef MASKINPORTEN_FUZZ_FUZZ_INPUT_H_
#define MASKINPORTEN_FUZZ_FUZZ_INPUT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// "Name: value" lines up to an empty line or the end, a CR before each LF dropped: names in ASCII
// lower case (as both HTTP layers give them), values without the spaces around them. `in` keeps
// what follows the empty line.
inline std::vector<std::pair<std::string, std::string>> HeaderLines(std::string_view* in) {
  std::vector<std::pair<std::string, std::string>> headers;
  while (!in->empty()) {
    std::string_view line = NextLine(in);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    headers.emplace_back(std::move(name), std::string(value));
  }
  return headers;
}

}  // namespace mp::fuzz

#endif  // MASKINPORTEN_FUZZ_FUZZ_INPUT_H_
