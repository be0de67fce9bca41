#include "maskinporten/base64.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mp {
namespace {

constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeTable(const char* alphabet) {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kUrlTable = MakeTable(kUrlAlphabet);
constexpr auto kStdTable = MakeTable(kStdAlphabet);

std::string Encode(std::string_view in, const char* alphabet, bool pad) {
  const size_t full = in.size() / 3;
  const size_t rest = in.size() % 3;
  const size_t out_len = full * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1);
  std::string out(out_len, '\0');
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  char* d = out.data();
  for (size_t i = 0; i < full; ++i, p += 3) {
    uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    d[0] = alphabet[(v >> 18) & 63];
    d[1] = alphabet[(v >> 12) & 63];
    d[2] = alphabet[(v >> 6) & 63];
    d[3] = alphabet[v & 63];
    d += 4;
  }
  if (rest != 0) {
    uint32_t v = (uint32_t{p[0]} << 16) | (rest == 2 ? uint32_t{p[1]} << 8 : 0);
    *d++ = alphabet[(v >> 18) & 63];
    *d++ = alphabet[(v >> 12) & 63];
    if (rest == 2) *d++ = alphabet[(v >> 6) & 63];
    if (pad) *d++ = '=';
    if (pad && rest == 1) *d++ = '=';
  }
  return out;
}

Status InvalidCharacter(const char* what, size_t offset) {
  return Status(Errc::kInvalidBase64,
                std::string(what) + ": invalid character at offset " + std::to_string(offset));
}

// Decode tables with each character's sextet already shifted to its place in a quad's 24 bits
// (position 0 to bits 18..23, ..., position 3 to bits 0..5), and bit 31 set for a character not
// in the alphabet: a quad decodes with four loads and three ORs, and one test finds any bad
// character.
constexpr uint32_t kBadChar = 0x80000000u;
struct QuadTables {
  std::array<std::array<uint32_t, 256>, 4> at{};
};
constexpr QuadTables MakeQuadTables(const std::array<int8_t, 256>& sextets) {
  QuadTables q;
  for (int pos = 0; pos < 4; ++pos) {
    for (int c = 0; c < 256; ++c) {
      q.at[pos][c] =
          sextets[c] < 0 ? kBadChar : static_cast<uint32_t>(sextets[c]) << (6 * (3 - pos));
    }
  }
  return q;
}
constexpr QuadTables kUrlQuads = MakeQuadTables(kUrlTable);
constexpr QuadTables kStdQuads = MakeQuadTables(kStdTable);

#if defined(__x86_64__)
// base64url, 32 characters to 24 bytes per step with AVX2 (the nibble-table method of Muła and
// Lemire, "Faster Base64 Encoding and Decoding Using AVX2 Instructions", 2018, for the URL
// alphabet). Returns how many 32-character blocks of `s` it decoded into `d`: it stops before
// the first block holding a character outside the alphabet, which the scalar loop then decodes
// and reports with its offset. Signatures and token payloads are most of what we decode.
__attribute__((target("avx2"))) size_t DecodeUrlBlocksAvx2(const unsigned char* s, unsigned char* d,
                                                           size_t blocks) {
  // A character is valid when no bit is set in both its low-nibble and high-nibble entries. Bit
  // 0 marks high nibbles with no valid character (0x0_, 0x1_, 0x8_ and up); bits 1..6 stand for
  // high nibbles 2..7 and are set in a low nibble's entry where that pair is not in the alphabet.
  const __m256i lut_hi = _mm256_setr_epi8(  //
      0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
      0x01, 0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
      0x01, 0x01);
  // low nibble:  0     1     2     3     4     5     6     7     8     9     A     B     C
  //              D     E     F
  const __m256i lut_lo = _mm256_setr_epi8(  //
      0x2B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x57, 0x57, 0x55, 0x57,
      0x47, 0x2B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x57, 0x57, 0x55,
      0x57, 0x47);
  // Added to a character to give its sextet, by high nibble: '-' +17, digits +4, 'A'..'Z' -65,
  // 'a'..'z' -71; '_' (in the 'P'..'Z' row) is -32, set apart below.
  const __m256i lut_shift = _mm256_setr_epi8(  //
      0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 4, -65, -65, -71, -71, 0,
      0, 0, 0, 0, 0, 0, 0);
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i underscore = _mm256_set1_epi8('_');
  const __m256i underscore_shift = _mm256_set1_epi8(-32);
  // Four sextets a b c d (one per byte) to the 24-bit a<<18 | b<<12 | c<<6 | d, then its three
  // bytes in memory order, 12 per 128-bit lane, then the two lanes' 12 together.
  const __m256i merge_pairs = _mm256_set1_epi32(0x01400140);
  const __m256i merge_quads = _mm256_set1_epi32(0x00011000);
  const __m256i order = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2,
                                         1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
  size_t done = 0;
  for (; done < blocks; ++done, s += 32, d += 24) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), nibble);
    const __m256i lo = _mm256_and_si256(v, nibble);
    if (!_mm256_testz_si256(_mm256_shuffle_epi8(lut_lo, lo), _mm256_shuffle_epi8(lut_hi, hi))) {
      break;
    }
    const __m256i shift = _mm256_blendv_epi8(_mm256_shuffle_epi8(lut_shift, hi), underscore_shift,
                                             _mm256_cmpeq_epi8(v, underscore));
    const __m256i sextets = _mm256_add_epi8(v, shift);
    const __m256i pairs = _mm256_maddubs_epi16(sextets, merge_pairs);
    const __m256i quads = _mm256_madd_epi16(pairs, merge_quads);
    const __m256i packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(quads, order), lanes);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(packed));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(d + 16), _mm256_extracti128_si256(packed, 1));
  }
  return done;
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

// Decodes unpadded text in `alphabet`; `what` names the encoding in errors.
Result<std::string> DecodeUnpadded(std::string_view in, const std::array<int8_t, 256>& table,
                                   const QuadTables& quads, const char* what) {
  const size_t rest = in.size() % 4;
  if (rest == 1) {
    return Status(Errc::kInvalidBase64,
                  std::string(what) + " length " + std::to_string(in.size()) + " is impossible");
  }
  const size_t full = in.size() / 4;
  const size_t out_size = full * 3 + (rest == 0 ? 0 : rest - 1);
  // One spare byte: each quad is stored as 4 bytes, the last of which the next quad overwrites.
  std::string out(out_size + 1, '\0');
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  auto* d = reinterpret_cast<unsigned char*>(out.data());
  // Sextets of the characters at s[0..n): negative when a character is not in the alphabet.
  auto first_invalid = [&](size_t offset, size_t n) {
    for (size_t k = 0; k < n; ++k) {
      if (table[s[k]] < 0) return offset + k;
    }
    return offset;
  };
  size_t i = 0;
#if defined(__x86_64__)
  if (&table == &kUrlTable && HasAvx2()) {
    i = DecodeUrlBlocksAvx2(s, d, full / 8) * 8;
    s += i * 4;
    d += i * 3;
  }
#endif
  for (; i < full; ++i, s += 4, d += 3) {
    const uint32_t v =
        quads.at[0][s[0]] | quads.at[1][s[1]] | quads.at[2][s[2]] | quads.at[3][s[3]];
    if (v & kBadChar) return InvalidCharacter(what, first_invalid(i * 4, 4));
    // The 3 bytes first in memory order, then a byte the next quad overwrites.
    const uint32_t bytes =
        std::endian::native == std::endian::little ? __builtin_bswap32(v << 8) : v << 8;
    std::memcpy(d, &bytes, sizeof bytes);
  }
  if (rest != 0) {
    int32_t a = table[s[0]], b = table[s[1]], c = rest == 3 ? table[s[2]] : 0;
    if ((a | b | c) < 0) return InvalidCharacter(what, first_invalid(full * 4, rest));
    // RFC 4648 §3.5: the unused low bits of the last character must be zero (one spelling only).
    if ((rest == 2 && (b & 0x0f) != 0) || (rest == 3 && (c & 0x03) != 0)) {
      return Status(Errc::kInvalidBase64, std::string(what) + ": non-zero trailing bits");
    }
    d[0] = static_cast<unsigned char>((a << 2) | (b >> 4));
    if (rest == 3) d[1] = static_cast<unsigned char>(((b & 0x0f) << 4) | (c >> 2));
  }
  out.resize(out_size);
  return out;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) { return Encode(bytes, kUrlAlphabet, false); }

Result<std::string> Base64UrlDecode(std::string_view text) {
  return DecodeUnpadded(text, kUrlTable, kUrlQuads, "base64url");
}

std::string Base64Encode(std::string_view bytes) { return Encode(bytes, kStdAlphabet, true); }

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Status(Errc::kInvalidBase64, "base64 length " + std::to_string(text.size()) +
                                            " is not a multiple of 4 (padding required)");
  }
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  return DecodeUnpadded(text.substr(0, text.size() - pad), kStdTable, kStdQuads, "base64");
}

}  // namespace mp
