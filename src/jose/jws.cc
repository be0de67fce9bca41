#include "maskinporten/jws.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json.h"
#include "jose/key_internal.h"
#include "jose/signature.h"
#include "maskinporten/base64.h"

namespace mp {
namespace {

using internal::KeyAccess;

// The three segments of a compact JWS, as views into the token.
struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // header "." payload
};

Status Malformed(std::string message) { return Status(Errc::kMalformedToken, std::move(message)); }

Result<Segments> Split(std::string_view token, size_t max_token_bytes) {
  // Checked before anything else so a huge token costs nothing.
  if (token.size() > max_token_bytes) {
    return Status(Errc::kLimitExceeded, "token is " + std::to_string(token.size()) +
                                            " bytes; at most " + std::to_string(max_token_bytes) +
                                            " allowed");
  }
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) {
    size_t n = dot1 == std::string_view::npos ? 1 : 2;
    return Malformed("compact JWS needs 3 dot-separated segments; token has " + std::to_string(n));
  }
  if (token.find('.', dot2 + 1) != std::string_view::npos) {
    size_t n = 1;
    for (char c : token) n += c == '.';
    return Malformed("compact JWS needs 3 dot-separated segments; token has " + std::to_string(n) +
                     " (JWE and JSON serialisation are not supported)");
  }
  Segments s;
  s.header = token.substr(0, dot1);
  s.payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  s.signature = token.substr(dot2 + 1);
  s.signing_input = token.substr(0, dot2);
  if (s.header.empty()) return Malformed("JWS header segment is empty");
  return s;
}

Result<std::string> DecodeSegment(std::string_view seg, const char* name) {
  Result<std::string> raw = Base64UrlDecode(seg);
  if (!raw.ok()) return raw.status().WithContext(std::string("JWS ") + name + " segment");
  return raw;
}

// RFC 7515 §4.1: the registered members we read, with their required types.
Status ReadHeader(std::string json, size_t max_bytes, JwsHeader* out) {
  using Type = JsonDocument::Type;
  constexpr JsonDocument::Index kNone = JsonDocument::kNone;
  MP_ASSIGN_OR_RETURN(JsonDocument h,
                      JsonDocument::Parse(std::move(json), JsonLimits{.max_bytes = max_bytes}));
  const JsonDocument::Index root = JsonDocument::kRoot;
  if (h.type(root) != Type::kObject) return Malformed("JWS header is not a JSON object");
  JsonDocument::Index alg = h.Find(root, "alg");
  if (alg == kNone) return Malformed("JWS header has no \"alg\"");
  if (h.type(alg) != Type::kString) return Malformed("JWS header \"alg\" is not a string");
  out->alg_name = h.String(alg);
  if (Result<Algorithm> a = ParseAlgorithm(out->alg_name); a.ok()) out->alg = *a;
  if (JsonDocument::Index kid = h.Find(root, "kid"); kid != kNone) {
    if (h.type(kid) != Type::kString) return Malformed("JWS header \"kid\" is not a string");
    out->kid = h.String(kid);
  }
  if (JsonDocument::Index typ = h.Find(root, "typ"); typ != kNone) {
    if (h.type(typ) != Type::kString) return Malformed("JWS header \"typ\" is not a string");
    out->typ = h.String(typ);
  }
  if (JsonDocument::Index x5c = h.Find(root, "x5c"); x5c != kNone) {
    out->has_x5c = true;
    if (h.type(x5c) != Type::kArray) {
      out->x5c_problem = "JWS header \"x5c\" is not an array";
    } else {
      for (JsonDocument::Index c = h.First(x5c); c != kNone; c = h.Next(x5c, c)) {
        if (h.type(c) != Type::kString) {
          out->x5c_problem = "JWS header \"x5c\" has a non-string entry";
          out->x5c.clear();
          break;
        }
        out->x5c.emplace_back(h.String(c));
      }
    }
  }
  if (JsonDocument::Index crit = h.Find(root, "crit"); crit != kNone) {
    out->has_crit = true;
    out->crit_json = DumpJson(h.ToJson(crit));
  }
  out->has_b64 = h.Find(root, "b64") != kNone;
  for (const char* name : {"jku", "x5u", "jwk"}) {
    if (h.Find(root, name) != kNone) {
      out->untrusted = name;
      break;
    }
  }
  out->json = std::move(h).ReleaseText();
  return OkStatus();
}

// The one decoder, writing straight into the caller's struct (DecodedJws or ParsedJws: the header
// holds a dozen members, and moving it from one struct into the other cost ParseJws a sixth of
// its time).
template <typename Out>
Status DecodeInto(std::string_view token, size_t max_token_bytes, Out& out,
                  std::string_view* signing_input) {
  MP_ASSIGN_OR_RETURN(Segments seg, Split(token, max_token_bytes));
  *signing_input = seg.signing_input;
  MP_ASSIGN_OR_RETURN(std::string header_json, DecodeSegment(seg.header, "header"));
  MP_ASSIGN_OR_RETURN(out.payload, DecodeSegment(seg.payload, "payload"));
  MP_ASSIGN_OR_RETURN(out.signature, DecodeSegment(seg.signature, "signature"));
  return ReadHeader(std::move(header_json), max_token_bytes, &out.header);
}

}  // namespace

Result<DecodedJws> DecodeJws(std::string_view token, size_t max_token_bytes) {
  Result<DecodedJws> d{DecodedJws{}};
  MP_RETURN_IF_ERROR(DecodeInto(token, max_token_bytes, *d, &d->signing_input));
  return d;
}

Result<Algorithm> CheckJwsHeader(const JwsHeader& header, const std::vector<Algorithm>& allowed) {
  // RFC 7515 §4.1.11: we implement no extension, so any crit must be refused.
  if (header.has_crit) {
    return Status(Errc::kUnsupportedCritical, "JWS header crit " + header.crit_json.substr(0, 128) +
                                                  " names extensions we do not implement");
  }
  // RFC 7797 b64 only has meaning with crit; we do not implement it, so its mere presence is
  // refused the same way rather than silently treating the payload as base64url.
  if (header.has_b64) {
    return Status(Errc::kUnsupportedCritical,
                  "JWS header \"b64\" (RFC 7797 unencoded payload) is not supported");
  }
  if (!header.untrusted.empty()) {
    return Status(Errc::kUntrustedHeader, "JWS header \"" + header.untrusted +
                                              "\" is never trusted; keys come from the verifier");
  }
  const std::string& name = header.alg_name;
  if (!header.alg) {
    return Status(Errc::kUnsupportedAlgorithm,
                  "JWS alg \"" + name.substr(0, 64) + "\" is not supported");
  }
  Algorithm alg = *header.alg;
  if (allowed.empty()) {
    return Status(Errc::kInvalidArgument, "VerifyOptions has an empty algorithm allowlist");
  }
  if (std::find(allowed.begin(), allowed.end(), alg) == allowed.end()) {
    std::string list;
    for (Algorithm a : allowed) {
      if (!list.empty()) list += ", ";
      list += AlgorithmName(a);
    }
    return Status(Errc::kAlgorithmNotAllowed,
                  "JWS alg " + name + " is not in the allowlist (" + list + ")");
  }
  if (!header.x5c_problem.empty()) return Malformed(header.x5c_problem);
  return alg;
}

Status VerifyDecodedJws(const DecodedJws& jws, Algorithm alg, const PublicKey& key) {
  return VerifySignature(alg, key, jws.signing_input, jws.signature);
}

namespace {

Result<VerifiedJws> VerifyDecodedWith(DecodedJws& d, Algorithm alg, const PublicKey& key) {
  MP_RETURN_IF_ERROR(VerifyDecodedJws(d, alg, key));
  return VerifiedJws{.header = std::move(d.header), .payload = std::move(d.payload)};
}

}  // namespace

Result<ParsedJws> ParseJws(std::string_view token, size_t max_token_bytes) {
  Result<ParsedJws> p{ParsedJws{}};
  std::string_view signing_input;
  MP_RETURN_IF_ERROR(DecodeInto(token, max_token_bytes, *p, &signing_input));
  if (!p->header.x5c_problem.empty()) return Malformed(p->header.x5c_problem);
  p->signing_input = std::string(signing_input);
  return p;
}

Result<std::string> SignJws(const PrivateKey& key, std::string_view payload,
                            const SignOptions& options) {
  Algorithm alg = options.alg;
  MP_RETURN_IF_ERROR(key.CheckAlgorithm(alg));
  for (size_t i = 0; i < options.x5c.size(); ++i) {
    if (!Base64Decode(options.x5c[i]).ok()) {
      return Status(Errc::kInvalidArgument,
                    "x5c[" + std::to_string(i) + "] is not standard base64 DER");
    }
  }
  // Member order is fixed (alg, kid, typ, x5c) so tokens are reproducible.
  nlohmann::ordered_json h;
  h["alg"] = std::string(AlgorithmName(alg));
  if (!options.kid.empty()) h["kid"] = options.kid;
  if (!options.typ.empty()) h["typ"] = options.typ;
  if (!options.x5c.empty()) h["x5c"] = options.x5c;
  std::string header_json;
  try {
    header_json = h.dump();
  } catch (const nlohmann::json::exception&) {
    return Status(Errc::kInvalidArgument, "JWS header kid/typ/x5c is not valid UTF-8");
  }

  std::string token;
  size_t sig_len = static_cast<size_t>(EVP_PKEY_get_size(KeyAccess::Evp(key)));
  token.reserve((header_json.size() + payload.size() + sig_len) * 4 / 3 + 8);
  token += Base64UrlEncode(header_json);
  token += '.';
  token += Base64UrlEncode(payload);

  MP_ASSIGN_OR_RETURN(std::string sig, Sign(alg, key, token));
  token += '.';
  token += Base64UrlEncode(sig);
  return token;
}

Result<VerifiedJws> VerifyJws(std::string_view token, const PublicKey& key,
                              const VerifyOptions& options) {
  MP_ASSIGN_OR_RETURN(DecodedJws d, DecodeJws(token, options.max_token_bytes));
  MP_ASSIGN_OR_RETURN(Algorithm alg, CheckJwsHeader(d.header, options.allowed()));
  return VerifyDecodedWith(d, alg, key);
}

Result<VerifiedJws> VerifyJws(std::string_view token, const JwsKeyResolver& resolve,
                              const VerifyOptions& options) {
  MP_ASSIGN_OR_RETURN(DecodedJws d, DecodeJws(token, options.max_token_bytes));
  MP_ASSIGN_OR_RETURN(Algorithm alg, CheckJwsHeader(d.header, options.allowed()));
  MP_ASSIGN_OR_RETURN(PublicKey key, resolve(d.header, alg));
  return VerifyDecodedWith(d, alg, key);
}

Result<VerifiedJws> VerifyJws(std::string_view token, const Jwks& jwks,
                              const VerifyOptions& options) {
  MP_ASSIGN_OR_RETURN(DecodedJws d, DecodeJws(token, options.max_token_bytes));
  MP_ASSIGN_OR_RETURN(Algorithm alg, CheckJwsHeader(d.header, options.allowed()));
  const Jwk* jwk = nullptr;
  if (!d.header.kid.empty()) {
    jwk = jwks.Find(d.header.kid);
    if (jwk == nullptr) {
      return Status(Errc::kKeyNotFound,
                    "no key with kid \"" + d.header.kid.substr(0, 128) + "\" in the JWKS");
    }
  } else if (jwks.keys().size() == 1) {
    jwk = &jwks.keys().front();
  } else {
    return Status(Errc::kKeyNotFound, "token has no kid and the JWKS has " +
                                          std::to_string(jwks.keys().size()) + " keys");
  }
  MP_RETURN_IF_ERROR(CheckJwkFits(*jwk, d.header, options));
  return VerifyDecodedWith(d, alg, jwk->key);
}

Status CheckJwkFits(const Jwk& jwk, const JwsHeader& header, const VerifyOptions& options) {
  if (!jwk.use.empty() && jwk.use != "sig") {
    return Status(Errc::kKeyAlgorithmMismatch,
                  "JWK \"" + jwk.kid + "\" has use \"" + jwk.use + "\", not \"sig\"");
  }
  if (jwk.key_ops &&
      std::find(jwk.key_ops->begin(), jwk.key_ops->end(), "verify") == jwk.key_ops->end()) {
    return Status(Errc::kKeyAlgorithmMismatch,
                  "JWK \"" + jwk.kid + "\" key_ops does not include \"verify\"");
  }
  // A key published for one alg is not used with another (alg confusion across RSA paddings).
  if (options.require_jwk_alg_match && !jwk.alg_name.empty() && jwk.alg_name != header.alg_name) {
    return Status(Errc::kKeyAlgorithmMismatch, "JWK \"" + jwk.kid + "\" is for alg " +
                                                   jwk.alg_name + "; the token uses " +
                                                   header.alg_name);
  }
  return OkStatus();
}

Result<VerifiedJws> VerifyParsedJws(const ParsedJws& jws, const PublicKey& key,
                                    const VerifyOptions& options) {
  // Re-derive everything from the signed bytes, so that a ParsedJws whose fields were changed
  // after parsing cannot make us trust a header or payload that the signature does not cover.
  std::string token = jws.signing_input;
  token += '.';
  token += Base64UrlEncode(jws.signature);
  return VerifyJws(token, key, options);
}

}  // namespace mp
