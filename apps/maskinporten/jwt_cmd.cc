// maskinporten jwt sign | verify | decode.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "core/json.h"
#include "maskinporten/certificate.h"
#include "maskinporten/jwt.h"

namespace mp::cli {
namespace {

struct SignArgs {
  std::string key;
  std::string password_env;
  std::string alg;
  std::string kid;
  std::string x5c;
  std::string typ;
  std::string claims;
};

int RunSign(const SignArgs& a) {
  Result<PrivateKey> key = LoadPrivateKeyFile(a.key, a.password_env);
  if (!key.ok()) return Fail(key.status());
  SignOptions opts;
  opts.alg = key->DefaultAlgorithm();
  if (!a.alg.empty()) {
    Result<Algorithm> alg = ParseAlgorithm(a.alg);
    if (!alg.ok()) return UsageError("--alg: " + alg.status().message());
    opts.alg = *alg;
  }
  opts.kid = a.kid;
  opts.typ = a.typ;
  if (!a.x5c.empty()) {
    Result<std::vector<Certificate>> chain = LoadCertificatesFile(a.x5c, "");
    if (!chain.ok()) return Fail(chain.status());
    Result<PublicKey> leaf_key = chain->front().PublicKeyOf();
    if (!leaf_key.ok()) return Fail(leaf_key.status().WithContext(a.x5c));
    if (!(*leaf_key == key->public_key())) {
      return Fail(Status(Errc::kInvalidKey, "the first certificate in " + a.x5c +
                                                " does not belong to the key in " + a.key));
    }
    for (const Certificate& c : *chain) opts.x5c.push_back(c.X5cEntry());
  }
  Result<std::string> claims_text = ReadInput(a.claims);
  if (!claims_text.ok()) return Fail(claims_text.status());
  Result<nlohmann::json> claims = ParseStrictJsonObject(*claims_text);
  if (!claims.ok()) return Fail(claims.status().WithContext("--claims"));
  Result<std::string> token = SignJws(*key, DumpJson(*claims), opts);
  if (!token.ok()) return Fail(token.status());
  std::cout << *token << "\n";
  return kExitOk;
}

struct VerifyArgs {
  std::string jwks;
  std::string key;
  std::string cert;
  std::string trust;
  std::string alg_allow = "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384";
  std::string iss;
  std::string aud;
  int64_t leeway = 0;
  int64_t now = 0;
  bool no_exp = false;
  bool json = false;
  std::string token;
};

// The x5c chain of the token, verified against --trust; its leaf key verifies the signature.
Result<PublicKey> KeyFromTrustedX5c(const std::string& token, const std::string& trust_path,
                                    const Clock& clock) {
  MP_ASSIGN_OR_RETURN(ParsedJws parsed, ParseJws(token));
  if (!parsed.header.has_x5c) {
    return Status(Errc::kMissingClaim, "--trust needs a token with an x5c header; it has none");
  }
  MP_ASSIGN_OR_RETURN(std::string anchors, ReadInput(trust_path));
  MP_ASSIGN_OR_RETURN(TrustStore store, TrustStore::FromPem(anchors, CertEnvironment::kTest));
  MP_ASSIGN_OR_RETURN(std::vector<Certificate> chain, Certificate::FromX5c(parsed.header.x5c));
  MP_RETURN_IF_ERROR(VerifyChain(chain, store, clock));
  return chain.front().PublicKeyOf();
}

int RunVerify(const VerifyArgs& a) {
  int sources = !a.jwks.empty() + !a.key.empty() + !a.cert.empty() + !a.trust.empty();
  if (sources != 1) return UsageError("give exactly one of --jwks, --key, --cert or --trust");
  Result<std::vector<Algorithm>> allowed = ParseAlgorithmList(a.alg_allow);
  if (!allowed.ok()) return Fail(allowed.status());
  if (a.leeway < 0 || a.leeway > 3600) return UsageError("--leeway must be 0..3600 seconds");
  Result<std::string> token = ReadTokenArg(a.token);
  if (!token.ok()) return Fail(token.status());

  FakeClock fixed(a.now);
  const Clock& clock = a.now != 0 ? static_cast<const Clock&>(fixed) : SystemClock::Instance();
  ClaimsOptions co;
  if (!a.iss.empty()) co.issuer = a.iss;
  if (!a.aud.empty()) co.audience = a.aud;
  co.leeway = std::chrono::seconds(a.leeway);
  co.require_exp = !a.no_exp;
  co.clock = &clock;
  VerifyOptions vo(*allowed);

  Result<VerifiedJwt> jwt = Status(Errc::kInternal, "no key source");
  if (!a.jwks.empty()) {
    Result<std::string> text = ReadInput(a.jwks);
    if (!text.ok()) return Fail(text.status());
    Result<Jwks> jwks = Jwks::Parse(*text);
    if (!jwks.ok()) return Fail(jwks.status().WithContext(a.jwks));
    jwt = VerifyJwt(*token, *jwks, vo, co);
  } else {
    Result<PublicKey> key = !a.trust.empty() ? KeyFromTrustedX5c(*token, a.trust, clock)
                            : !a.key.empty() ? LoadPublicKeyFile(a.key)
                                             : LoadPublicKeyFile(a.cert);
    if (!key.ok()) return Fail(key.status());
    jwt = VerifyJwt(*token, *key, vo, co);
  }
  if (!jwt.ok()) return Fail(jwt.status());
  if (a.json) {
    nlohmann::json out = {{"header", nlohmann::json::parse(jwt->header.json)},
                          {"payload", nlohmann::json::parse(jwt->claims.ToJson())},
                          {"verified", true}};
    std::cout << DumpJson(out) << "\n";
  } else {
    std::cout << jwt->claims.ToJson() << "\n";
  }
  return kExitOk;
}

int RunDecode(const std::string& arg) {
  Result<std::string> token = ReadTokenArg(arg);
  if (!token.ok()) return Fail(token.status());
  Result<ParsedJws> jws = ParseJws(*token);
  if (!jws.ok()) return Fail(jws.status());
  nlohmann::json out;
  out["header"] = nlohmann::json::parse(jws->header.json);
  Result<nlohmann::json> payload = ParseStrictJson(jws->payload);
  out["payload"] = payload.ok() ? *payload : nlohmann::json(jws->payload);
  out["verified"] = false;
  std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return kExitOk;
}

}  // namespace

void AddJwt(CLI::App& app, int* exit_code) {
  CLI::App* jwt = app.add_subcommand("jwt", "Sign, verify and decode compact JWS/JWT tokens");
  jwt->require_subcommand(1);
  SetExamples(
      jwt,
      "  maskinporten jwt sign --key key.pem --kid k1 --claims claims.json\n"
      "  maskinporten jwt verify --jwks jwks.json --iss https://test.maskinporten.no/ TOKEN\n"
      "  maskinporten jwt decode TOKEN\n");

  auto s = std::make_shared<SignArgs>();
  CLI::App* sign = jwt->add_subcommand("sign", "Sign a claims JSON object into a compact JWS");
  sign->add_option("--key", s->key, "private key: PEM (PKCS#8, RSA, EC), DER or .p12")->required();
  sign->add_option("--password-env", s->password_env,
                   "environment variable holding the key's password");
  sign->add_option("--alg", s->alg, "algorithm; default RS256 for RSA keys, ES256/ES384 for EC");
  sign->add_option("--kid", s->kid, "key id header");
  sign->add_option("--x5c", s->x5c, "certificate chain PEM (leaf first) to send as x5c");
  sign->add_option("--typ", s->typ, "typ header, e.g. JWT");
  sign->add_option("--claims", s->claims, "claims JSON file, or - for stdin")->required();
  SetExamples(
      sign,
      "  echo '{\"iss\":\"me\",\"exp\":2000000000}' | maskinporten jwt sign --key key.pem "
      "--claims -\n"
      "  maskinporten jwt sign --key org.key.pem --x5c org.chain.pem --claims grant.json\n");
  sign->callback([s, exit_code] { *exit_code = RunSign(*s); });

  auto v = std::make_shared<VerifyArgs>();
  CLI::App* verify =
      jwt->add_subcommand("verify", "Verify a JWT's signature and claims; prints the claims");
  verify->add_option("--jwks", v->jwks, "JWKS file (key chosen by kid)");
  verify->add_option("--key", v->key, "public key PEM/DER (a private key file also works)");
  verify->add_option("--cert", v->cert, "certificate whose public key verifies");
  verify->add_option("--trust", v->trust,
                     "CA certificate(s) PEM: verify the token's x5c chain to them, then the "
                     "signature with the leaf");
  verify->add_option("--alg-allow", v->alg_allow, "comma-separated algorithm allowlist")
      ->capture_default_str();
  verify->add_option("--iss", v->iss, "required issuer (exact)");
  verify->add_option("--aud", v->aud, "required audience");
  verify->add_option("--leeway", v->leeway, "clock leeway in seconds (0..3600)");
  verify->add_option("--now", v->now, "check times at this Unix time instead of now")
      ->check(UnixTimeFlag());
  verify->add_flag("--no-exp", v->no_exp, "accept a token without exp");
  verify->add_flag("--json", v->json, "print {header, payload, verified}");
  verify->add_option("token", v->token, "the token, or - for stdin")->required();
  SetExamples(verify,
              "  maskinporten jwt verify --key pub.pem TOKEN\n"
              "  maskinporten jwt verify --jwks jwks.json --alg-allow RS256 --iss "
              "https://test.maskinporten.no/ --leeway 30 -\n"
              "  maskinporten jwt verify --trust ca/root.pem --now 1767225600 TOKEN\n");
  verify->callback([v, exit_code] { *exit_code = RunVerify(*v); });

  auto d = std::make_shared<std::string>();
  CLI::App* decode =
      jwt->add_subcommand("decode", "Show a token's header and payload WITHOUT verifying it");
  decode->add_option("token", *d, "the token, or - for stdin")->required();
  SetExamples(decode,
              "  maskinporten jwt decode eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJtZSJ9.c2ln\n"
              "  pbpaste | maskinporten jwt decode -\n");
  decode->callback([d, exit_code] { *exit_code = RunDecode(*d); });
}

}  // namespace mp::cli
