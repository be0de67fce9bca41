#include "maskinporten/jwk.h"

#include <openssl/core_names.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "core/json.h"
#include "core/random.h"
#include "jose/jose_internal.h"
#include "jose/key_internal.h"
#include "maskinporten/base64.h"

namespace mp {
namespace {

// RFC 7518 §6.3.2: the private RSA members and the OpenSSL parameters they map to.
struct RsaPrivateMember {
  const char* name;
  const char* param;
};
constexpr std::array<RsaPrivateMember, 6> kRsaPrivateMembers = {
    {{"d", OSSL_PKEY_PARAM_RSA_D},
     {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
     {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
     {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
     {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
     {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}}};

using internal::KeyAccess;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// RFC 7518 §6.3.2 / §6.2.2: members that only a private JWK has.
constexpr std::array<const char*, 8> kPrivateMembers = {"d",  "p",  "q",   "dp",
                                                        "dq", "qi", "oth", "k"};

Status JwkError(std::string message) { return Status(Errc::kInvalidJwk, std::move(message)); }

// An optional string member: "" when absent, kInvalidJwk when not a string.
Result<std::string> OptionalString(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::string();
  if (!it->is_string())
    return JwkError(std::string("JWK member \"") + name + "\" must be a string");
  return it->get<std::string>();
}

// A required base64url member, decoded.
Result<std::string> RequiredB64(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return JwkError(std::string("JWK member \"") + name + "\" is missing");
  if (!it->is_string())
    return JwkError(std::string("JWK member \"") + name + "\" must be a string");
  Result<std::string> raw = Base64UrlDecode(it->get_ref<const std::string&>());
  if (!raw.ok()) {
    return JwkError(std::string("JWK member \"") + name +
                    "\" is not strict base64url: " + raw.status().message());
  }
  if (raw->empty()) return JwkError(std::string("JWK member \"") + name + "\" is empty");
  return std::move(raw).value();
}

// RFC 7518 §2 Base64urlUInt: the minimum number of octets.
Result<std::string> RequiredUInt(const Json& obj, const char* name) {
  MP_ASSIGN_OR_RETURN(std::string raw, RequiredB64(obj, name));
  if (raw.size() > 1 && raw[0] == '\0') {
    return JwkError(std::string("JWK member \"") + name + "\" has a leading zero octet");
  }
  return raw;
}

BnPtr ToBn(std::string_view bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
}

Result<EvpPkeyPtr> FromData(const char* type, OSSL_PARAM_BLD* bld, int selection,
                            std::string_view what) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return OpenSslError(Errc::kInvalidJwk, std::string(what));
  }
  return EvpPkeyPtr(raw);
}

// Full consistency check of a key pair (RSA: primes, n = pq, d, CRT values; EC: d·G = (x, y)).
Status CheckPair(EVP_PKEY* pkey, std::string_view what) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    ClearOpenSslErrors();
    return JwkError(std::string(what));
  }
  return OkStatus();
}

Result<EvpPkeyPtr> RsaFromJwk(const Json& obj, bool with_private) {
  MP_ASSIGN_OR_RETURN(std::string n, RequiredUInt(obj, "n"));
  MP_ASSIGN_OR_RETURN(std::string e, RequiredUInt(obj, "e"));
  // A sane public exponent: odd, at least 3, at most 32 bits.
  if (e.size() > 4)
    return JwkError("JWK \"e\" is " + std::to_string(e.size()) + " octets; at most 4");
  unsigned long ev = 0;
  for (unsigned char c : e) ev = (ev << 8) | c;
  if (ev < 3 || ev % 2 == 0)
    return JwkError("JWK \"e\" " + std::to_string(ev) + " is not odd and >= 3");
  if ((static_cast<unsigned char>(n.back()) & 1) == 0) return JwkError("JWK \"n\" is even");
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  std::vector<BnPtr> bns;
  auto push = [&](const char* param, std::string_view bytes) {
    bns.push_back(ToBn(bytes));
    return bns.back() && OSSL_PARAM_BLD_push_BN(bld.get(), param, bns.back().get()) == 1;
  };
  bool ok = bld && push(OSSL_PKEY_PARAM_RSA_N, n) && push(OSSL_PKEY_PARAM_RSA_E, e);
  if (with_private) {
    if (obj.contains("oth")) return JwkError("multi-prime RSA JWK (\"oth\") is not supported");
    for (const RsaPrivateMember& m : kRsaPrivateMembers) {
      MP_ASSIGN_OR_RETURN(SecretString v, [&]() -> Result<SecretString> {
        MP_ASSIGN_OR_RETURN(std::string raw, RequiredB64(obj, m.name));
        return SecretString(std::move(raw));
      }());
      ok = ok && push(m.param, v.value());
    }
  }
  if (!ok) return OpenSslError(Errc::kInternal, "building RSA key parameters");
  MP_ASSIGN_OR_RETURN(
      EvpPkeyPtr key,
      FromData("RSA", bld.get(), with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
               "JWK RSA parameters are not a usable key"));
  if (with_private) {
    MP_RETURN_IF_ERROR(
        CheckPair(key.get(), "RSA JWK private members (d, p, q, dp, dq, qi) do not match n/e"));
  }
  return key;
}

Result<EvpPkeyPtr> EcFromJwk(const Json& obj, bool with_private) {
  auto crv_it = obj.find("crv");
  if (crv_it == obj.end()) return JwkError("JWK member \"crv\" is missing");
  if (!crv_it->is_string()) return JwkError("JWK member \"crv\" must be a string");
  const std::string& crv = crv_it->get_ref<const std::string&>();
  size_t len = internal::EcCoordinateBytes(crv);
  if (len == 0) {
    return Status(Errc::kInvalidKey,
                  "JWK curve \"" + crv.substr(0, 32) + "\" is not supported (P-256, P-384)");
  }
  MP_ASSIGN_OR_RETURN(std::string x, RequiredB64(obj, "x"));
  MP_ASSIGN_OR_RETURN(std::string y, RequiredB64(obj, "y"));
  if (x.size() != len || y.size() != len) {
    return JwkError("JWK " + crv + " coordinates must be " + std::to_string(len) +
                    " octets; x is " + std::to_string(x.size()) + ", y is " +
                    std::to_string(y.size()));
  }
  std::string point = "\x04" + x + y;
  std::string group(internal::OpenSslGroupName(crv));
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  bool ok = bld &&
            OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(),
                                            0) == 1 &&
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size()) == 1;
  BnPtr d;
  if (with_private) {
    MP_ASSIGN_OR_RETURN(SecretString d_raw, [&]() -> Result<SecretString> {
      MP_ASSIGN_OR_RETURN(std::string raw, RequiredB64(obj, "d"));
      return SecretString(std::move(raw));
    }());
    if (d_raw.value().size() != len) {
      return JwkError("JWK " + crv + " \"d\" must be " + std::to_string(len) + " octets; it is " +
                      std::to_string(d_raw.value().size()));
    }
    d = ToBn(d_raw.value());
    ok = ok && d && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) == 1;
  }
  if (!ok) return OpenSslError(Errc::kInternal, "building EC key parameters");
  MP_ASSIGN_OR_RETURN(
      EvpPkeyPtr key,
      FromData("EC", bld.get(), with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
               "JWK x/y is not a point on " + crv));
  if (d) BN_clear(d.get());
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
    ClearOpenSslErrors();
    return JwkError("JWK x/y is not a valid point on " + crv);
  }
  if (with_private) {
    MP_RETURN_IF_ERROR(CheckPair(key.get(), "EC JWK \"d\" does not match x/y"));
  }
  return key;
}

Result<EvpPkeyPtr> KeyFromJwk(const Json& obj, bool with_private) {
  auto kty_it = obj.find("kty");
  if (kty_it == obj.end()) return JwkError("JWK member \"kty\" is missing");
  if (!kty_it->is_string()) return JwkError("JWK member \"kty\" must be a string");
  const std::string& kty = kty_it->get_ref<const std::string&>();
  if (kty == "RSA") return RsaFromJwk(obj, with_private);
  if (kty == "EC") return EcFromJwk(obj, with_private);
  return JwkError("JWK kty \"" + kty.substr(0, 32) + "\" is not supported (RSA, EC)");
}

// Checks the first x5c certificate carries the JWK's key (RFC 7517 §4.7).
Status CheckX5c(const std::vector<std::string>& x5c, const PublicKey& key) {
  for (size_t i = 0; i < x5c.size(); ++i) {
    Result<std::string> der = Base64Decode(x5c[i]);
    if (!der.ok()) {
      return JwkError("JWK x5c[" + std::to_string(i) +
                      "] is not standard base64: " + der.status().message());
    }
    if (i != 0) continue;
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
    if (!cert) {
      ClearOpenSslErrors();
      return JwkError("JWK x5c[0] is not a DER certificate");
    }
    EVP_PKEY* cert_key = X509_get0_pubkey(cert.get());
    if (cert_key == nullptr || EVP_PKEY_eq(cert_key, internal::KeyAccess::Evp(key)) != 1) {
      ClearOpenSslErrors();
      return JwkError("JWK x5c[0] certificate holds a different key than the JWK");
    }
  }
  return OkStatus();
}

Result<Jwk> ParseJwkObject(const Json& obj) {
  if (!obj.is_object()) return JwkError("a JWK must be a JSON object");
  for (const char* m : kPrivateMembers) {
    if (obj.contains(m)) {
      return JwkError(std::string("public JWK has the private member \"") + m + "\"");
    }
  }
  MP_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, KeyFromJwk(obj, /*with_private=*/false));
  MP_ASSIGN_OR_RETURN(PublicKey key, KeyAccess::MakePublic(std::move(pkey)));
  Jwk jwk{std::move(key), {}, {}, {}, {}, {}, {}};
  MP_ASSIGN_OR_RETURN(jwk.kid, OptionalString(obj, "kid"));
  MP_ASSIGN_OR_RETURN(jwk.use, OptionalString(obj, "use"));
  MP_ASSIGN_OR_RETURN(jwk.alg_name, OptionalString(obj, "alg"));
  if (!jwk.alg_name.empty()) {
    Result<Algorithm> alg = ParseAlgorithm(jwk.alg_name);
    if (alg.ok()) {
      Status fits = jwk.key.CheckAlgorithm(*alg);
      if (!fits.ok())
        return JwkError("JWK alg \"" + jwk.alg_name + "\" does not fit the key: " + fits.message());
      jwk.alg = *alg;
    }
  }
  if (auto it = obj.find("key_ops"); it != obj.end()) {
    if (!it->is_array()) return JwkError("JWK key_ops must be an array of strings");
    jwk.key_ops.emplace();
    for (const Json& op : *it) {
      if (!op.is_string()) return JwkError("JWK key_ops entries must be strings");
      const std::string& name = op.get_ref<const std::string&>();
      // RFC 7517 §4.3: duplicate key operation values MUST NOT be present.
      if (std::find(jwk.key_ops->begin(), jwk.key_ops->end(), name) != jwk.key_ops->end()) {
        return JwkError("JWK key_ops names \"" + name.substr(0, 32) + "\" twice");
      }
      jwk.key_ops->push_back(name);
    }
  }
  if (auto it = obj.find("x5c"); it != obj.end()) {
    if (!it->is_array() || it->empty()) return JwkError("JWK x5c must be a non-empty array");
    for (const Json& c : *it) {
      if (!c.is_string()) return JwkError("JWK x5c entries must be strings");
      jwk.x5c.push_back(c.get<std::string>());
    }
    MP_RETURN_IF_ERROR(CheckX5c(jwk.x5c, jwk.key));
  }
  return jwk;
}

OrderedJson PublicMembers(EVP_PKEY* pkey, const JwkOptions& options) {
  internal::PublicParams p = internal::GetPublicParams(pkey);
  OrderedJson j;
  j["kty"] = p.type == KeyType::kRsa ? "RSA" : "EC";
  if (!options.kid.empty()) j["kid"] = options.kid;
  if (options.use_sig) j["use"] = "sig";
  if (options.alg) j["alg"] = std::string(AlgorithmName(*options.alg));
  if (p.type == KeyType::kRsa) {
    j["n"] = Base64UrlEncode(p.n);
    j["e"] = Base64UrlEncode(p.e);
  } else {
    j["crv"] = p.crv;
    j["x"] = Base64UrlEncode(p.x);
    j["y"] = Base64UrlEncode(p.y);
  }
  return j;
}

OrderedJson JwkToJson(const Jwk& jwk) {
  JwkOptions options;
  options.kid = jwk.kid;
  options.use_sig = false;
  OrderedJson j = PublicMembers(KeyAccess::Evp(jwk.key), options);
  // Keep "use" and "alg" as they were read, in the positions PublicMembers gives them.
  OrderedJson out;
  for (auto& [k, v] : j.items()) {
    if (k == "n" || k == "crv") {
      if (!jwk.use.empty()) out["use"] = jwk.use;
      if (!jwk.alg_name.empty()) out["alg"] = jwk.alg_name;
    }
    out[k] = v;
  }
  if (jwk.key_ops) out["key_ops"] = *jwk.key_ops;
  if (!jwk.x5c.empty()) out["x5c"] = jwk.x5c;
  return out;
}

}  // namespace

Result<Jwk> ParseJwk(std::string_view json) {
  MP_ASSIGN_OR_RETURN(Json obj, ParseStrictJsonObject(json));
  return ParseJwkObject(obj);
}

Result<PrivateKey> ParsePrivateJwk(std::string_view json) {
  MP_ASSIGN_OR_RETURN(Json obj, ParseStrictJsonObject(json));
  if (!obj.contains("d")) return JwkError("private JWK member \"d\" is missing");
  Result<EvpPkeyPtr> pkey = KeyFromJwk(obj, /*with_private=*/true);
  // The parsed JSON holds the private members: wipe them before it is released.
  for (auto& [k, v] : obj.items()) {
    if (v.is_string()) SecureWipe(v.get_ref<std::string&>());
  }
  if (!pkey.ok()) return pkey.status();
  return KeyAccess::MakePrivate(std::move(pkey).value());
}

std::string PublicKeyToJwk(const PublicKey& key, const JwkOptions& options) {
  return PublicMembers(KeyAccess::Evp(key), options).dump();
}

std::string PrivateKeyToJwk(const PrivateKey& key, const JwkOptions& options) {
  EVP_PKEY* pkey = KeyAccess::Evp(key);
  OrderedJson j = PublicMembers(pkey, options);
  if (key.type() == KeyType::kRsa) {
    for (const RsaPrivateMember& m : kRsaPrivateMembers) {
      BnPtr bn = internal::GetBnParam(pkey, m.param);
      if (!bn) continue;
      SecretString raw(internal::BnToBytes(bn.get()));
      BN_clear(bn.get());
      j[m.name] = Base64UrlEncode(raw.value());
    }
  } else {
    BnPtr bn = internal::GetBnParam(pkey, OSSL_PKEY_PARAM_PRIV_KEY);
    if (bn) {
      size_t len = internal::EcCoordinateBytes(internal::JoseCurveOf(pkey));
      SecretString raw(internal::BnToPaddedBytes(bn.get(), len));
      BN_clear(bn.get());
      j["d"] = Base64UrlEncode(raw.value());
    }
  }
  std::string out = j.dump();
  for (auto& [k, v] : j.items()) {
    if (v.is_string()) SecureWipe(v.get_ref<std::string&>());
  }
  return out;
}

Result<Jwks> Jwks::Parse(std::string_view json) {
  MP_ASSIGN_OR_RETURN(Json obj, ParseStrictJsonObject(json));
  auto it = obj.find("keys");
  if (it == obj.end()) return JwkError("JWKS member \"keys\" is missing");
  if (!it->is_array()) return JwkError("JWKS member \"keys\" must be an array");
  std::vector<Jwk> keys;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& entry = (*it)[i];
    std::string where = "JWKS keys[" + std::to_string(i) + "]";
    if (!entry.is_object()) return JwkError(where + ": not a JSON object");
    auto kty = entry.find("kty");
    if (kty == entry.end() || !kty->is_string()) {
      return JwkError(where + ": member \"kty\" is missing or not a string");
    }
    // RFC 7517 §5: skip keys we do not understand; encryption keys are not for us.
    const std::string& kty_name = kty->get_ref<const std::string&>();
    if (kty_name != "RSA" && kty_name != "EC") continue;
    if (auto use = entry.find("use"); use != entry.end() && use->is_string() && *use == "enc") {
      continue;
    }
    Result<Jwk> jwk = ParseJwkObject(entry);
    if (!jwk.ok()) return jwk.status().WithContext(where);
    keys.push_back(std::move(jwk).value());
  }
  return FromKeys(std::move(keys));
}

Result<Jwks> Jwks::FromKeys(std::vector<Jwk> keys) {
  std::unordered_set<std::string_view> seen;
  for (const Jwk& k : keys) {
    if (k.kid.empty()) continue;  // keys without kid cannot collide by kid
    if (!seen.insert(k.kid).second) {
      return Status(Errc::kDuplicateKid, "JWKS has two keys with kid \"" + k.kid + "\"");
    }
  }
  Jwks jwks;
  jwks.keys_ = std::move(keys);
  return jwks;
}

const Jwk* Jwks::Find(std::string_view kid) const {
  for (const Jwk& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

std::string Jwks::ToJson() const {
  OrderedJson arr = OrderedJson::array();
  for (const Jwk& k : keys_) arr.push_back(JwkToJson(k));
  OrderedJson out;
  out["keys"] = std::move(arr);
  return out.dump();
}

}  // namespace mp
