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
using Json = nlohmann::json;

// The three segments of a compact JWS, as views into the token.
struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // header "." payload
};

// Header members that change how a token must be processed; none of them is acceptable to us.
struct HeaderFlags {
  bool crit = false;
  std::string crit_names;
  bool b64 = false;
  std::string untrusted;  // the first of jku / x5u / jwk present, or ""
};

// The decoded, not yet verified token.
struct Decoded {
  Segments seg;
  JwsHeader header;
  HeaderFlags flags;
  std::string payload;
  std::string signature;
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
Status ReadHeader(std::string json, size_t max_bytes, JwsHeader* out, HeaderFlags* flags) {
  MP_ASSIGN_OR_RETURN(Json h, ParseStrictJson(json, JsonLimits{.max_bytes = max_bytes}));
  if (!h.is_object()) return Malformed("JWS header is not a JSON object");
  auto alg = h.find("alg");
  if (alg == h.end()) return Malformed("JWS header has no \"alg\"");
  if (!alg->is_string()) return Malformed("JWS header \"alg\" is not a string");
  out->alg_name = alg->get<std::string>();
  if (Result<Algorithm> a = ParseAlgorithm(out->alg_name); a.ok()) out->alg = *a;
  if (auto kid = h.find("kid"); kid != h.end()) {
    if (!kid->is_string()) return Malformed("JWS header \"kid\" is not a string");
    out->kid = kid->get<std::string>();
  }
  if (auto typ = h.find("typ"); typ != h.end()) {
    if (!typ->is_string()) return Malformed("JWS header \"typ\" is not a string");
    out->typ = typ->get<std::string>();
  }
  if (auto x5c = h.find("x5c"); x5c != h.end()) {
    if (!x5c->is_array()) return Malformed("JWS header \"x5c\" is not an array");
    for (const Json& c : *x5c) {
      if (!c.is_string()) return Malformed("JWS header \"x5c\" has a non-string entry");
      out->x5c.push_back(c.get<std::string>());
    }
    out->has_x5c = true;
  }
  if (auto crit = h.find("crit"); crit != h.end()) {
    flags->crit = true;
    flags->crit_names = crit->dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  flags->b64 = h.contains("b64");
  for (const char* name : {"jku", "x5u", "jwk"}) {
    if (h.contains(name)) {
      flags->untrusted = name;
      break;
    }
  }
  out->json = std::move(json);
  return OkStatus();
}

Result<Decoded> Decode(std::string_view token, size_t max_token_bytes) {
  Decoded d;
  MP_ASSIGN_OR_RETURN(d.seg, Split(token, max_token_bytes));
  MP_ASSIGN_OR_RETURN(std::string header_json, DecodeSegment(d.seg.header, "header"));
  MP_ASSIGN_OR_RETURN(d.payload, DecodeSegment(d.seg.payload, "payload"));
  MP_ASSIGN_OR_RETURN(d.signature, DecodeSegment(d.seg.signature, "signature"));
  MP_RETURN_IF_ERROR(ReadHeader(std::move(header_json), max_token_bytes, &d.header, &d.flags));
  return d;
}

// Everything about the header that is decided before a key is chosen.
Result<Algorithm> CheckHeader(const Decoded& d, const VerifyOptions& options) {
  // RFC 7515 §4.1.11: we implement no extension, so any crit must be refused.
  if (d.flags.crit) {
    return Status(Errc::kUnsupportedCritical, "JWS header crit " +
                                                  d.flags.crit_names.substr(0, 128) +
                                                  " names extensions we do not implement");
  }
  // RFC 7797 b64 only has meaning with crit; we do not implement it, so its mere presence is
  // refused the same way rather than silently treating the payload as base64url.
  if (d.flags.b64) {
    return Status(Errc::kUnsupportedCritical,
                  "JWS header \"b64\" (RFC 7797 unencoded payload) is not supported");
  }
  if (!d.flags.untrusted.empty()) {
    return Status(Errc::kUntrustedHeader, "JWS header \"" + d.flags.untrusted +
                                              "\" is never trusted; keys come from the verifier");
  }
  const std::string& name = d.header.alg_name;
  if (!d.header.alg) {
    return Status(Errc::kUnsupportedAlgorithm,
                  "JWS alg \"" + name.substr(0, 64) + "\" is not supported");
  }
  Algorithm alg = *d.header.alg;
  if (options.allowed().empty()) {
    return Status(Errc::kInvalidArgument, "VerifyOptions has an empty algorithm allowlist");
  }
  bool allowed = false;
  for (Algorithm a : options.allowed()) allowed = allowed || a == alg;
  if (!allowed) {
    std::string list;
    for (Algorithm a : options.allowed()) {
      if (!list.empty()) list += ", ";
      list += AlgorithmName(a);
    }
    return Status(Errc::kAlgorithmNotAllowed,
                  "JWS alg " + name + " is not in the allowlist (" + list + ")");
  }
  return alg;
}

Result<VerifiedJws> VerifyDecodedWith(Decoded& d, Algorithm alg, const PublicKey& key) {
  MP_RETURN_IF_ERROR(VerifySignature(alg, key, d.seg.signing_input, d.signature));
  return VerifiedJws{.header = std::move(d.header), .payload = std::move(d.payload)};
}

}  // namespace

Result<ParsedJws> ParseJws(std::string_view token, size_t max_token_bytes) {
  MP_ASSIGN_OR_RETURN(Decoded d, Decode(token, max_token_bytes));
  ParsedJws p;
  p.header = std::move(d.header);
  p.payload = std::move(d.payload);
  p.signing_input = std::string(d.seg.signing_input);
  p.signature = std::move(d.signature);
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
  MP_ASSIGN_OR_RETURN(Decoded d, Decode(token, options.max_token_bytes));
  MP_ASSIGN_OR_RETURN(Algorithm alg, CheckHeader(d, options));
  return VerifyDecodedWith(d, alg, key);
}

Result<VerifiedJws> VerifyJws(std::string_view token, const Jwks& jwks,
                              const VerifyOptions& options) {
  MP_ASSIGN_OR_RETURN(Decoded d, Decode(token, options.max_token_bytes));
  MP_ASSIGN_OR_RETURN(Algorithm alg, CheckHeader(d, options));
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
  if (!jwk->use.empty() && jwk->use != "sig") {
    return Status(Errc::kKeyAlgorithmMismatch,
                  "JWK \"" + jwk->kid + "\" has use \"" + jwk->use + "\", not \"sig\"");
  }
  if (jwk->key_ops &&
      std::find(jwk->key_ops->begin(), jwk->key_ops->end(), "verify") == jwk->key_ops->end()) {
    return Status(Errc::kKeyAlgorithmMismatch,
                  "JWK \"" + jwk->kid + "\" key_ops does not include \"verify\"");
  }
  // A key published for one alg is not used with another (alg confusion across RSA paddings).
  if (options.require_jwk_alg_match && !jwk->alg_name.empty() &&
      jwk->alg_name != d.header.alg_name) {
    return Status(Errc::kKeyAlgorithmMismatch, "JWK \"" + jwk->kid + "\" is for alg " +
                                                   jwk->alg_name + "; the token uses " +
                                                   d.header.alg_name);
  }
  return VerifyDecodedWith(d, alg, jwk->key);
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
