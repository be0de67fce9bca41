#!/usr/bin/env bash
# Load-tests the local Maskinporten's token endpoint and prints its throughput as a ratio of this
# machine's RSA-3072 signing limit (every token is one RSA-3072 signature by the server, so that
# limit is the ceiling), with p99 latency, against the targets: >= 0.8x the limit, p99 <= 50 ms.
#
# Steps: measure `openssl speed -multi $(nproc) rsa3072` (all cores, idle server); start
# `maskinporten serve` on a free port (--listen 127.0.0.1:0) with a temporary registry and a seed
# registering one client with a kid key and a scope; run `maskinporten bench token` (grants
# pre-signed before the clock starts); stop the server.
#
# Usage: scripts/bench-server.sh     env: MP_CLI             (default build/bin/maskinporten,
#                                                             built with the release preset when absent)
#                                         BENCH_CONNECTIONS  (default 32)
#                                         BENCH_DURATION     (seconds, default 10)
#                                         BENCH_WARMUP       (seconds, default 1)
#                                         SPEED_SECONDS      (openssl speed, default 5)
#                                         BENCH_STRICT=1     exit 1 when a target is missed
#                                         SERVE_ARGS         extra `serve` flags (e.g. --threads 4)
# Exits non-zero only when a step fails to run (or, with BENCH_STRICT=1, a target is missed).
# Writes build/bench/server-bench.json and build/bench/openssl-speed-rsa3072-multi.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/build/bench"
mkdir -p "$out"

name=bench-server
# shellcheck source=scripts/serve-lib.sh
source "$root/scripts/serve-lib.sh"
serve_find_cli "$root"

connections=${BENCH_CONNECTIONS:-32}
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-1}
speed_seconds=${SPEED_SECONDS:-5}
cores=$(nproc)

work=$(mktemp -d "${TMPDIR:-/tmp}/mp-bench-server.XXXXXX")
cleanup() {
  serve_stop
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The signing limit, measured while nothing else of ours runs.
echo "bench-server: openssl speed -multi $cores -seconds $speed_seconds rsa3072 ..."
openssl speed -multi "$cores" -seconds "$speed_seconds" rsa3072 \
  >"$out/openssl-speed-rsa3072-multi.txt" 2>/dev/null
# The summary line: "rsa 3072 bits 0.000925s 0.000018s   2162.2  108108.1" (all processes).
sign_limit=$(awk '/^rsa +3072 +bits/ {v=$6} END {print v}' "$out/openssl-speed-rsa3072-multi.txt")
if [[ -z "$sign_limit" ]]; then
  echo "bench-server: cannot read sign/s from openssl speed" >&2
  exit 1
fi

# 2. A client key and the seed: one org owning scope bench:token and a client with a kid key.
mkdir -p "$work/keys"
"$cli" keygen --alg RS256 --kid bench-1 --out "$work/keys/bench.pem" >/dev/null
cat >"$work/seed.json" <<'JSON'
{
  "organizations": [{"orgno": "910753614", "name": "BENCH AS"}],
  "scopes": [
    {"prefix": "bench", "subscope": "token", "owner_orgno": "910753614",
     "description": "bench-server load test", "visibility": "PRIVATE"}
  ],
  "clients": [
    {"client_id": "bench-client", "client_name": "bench", "client_orgno": "910753614",
     "scopes": ["bench:token"],
     "keys": [{"pem_file": "keys/bench.pem", "kid": "bench-1", "alg": "RS256"}]}
  ]
}
JSON

# 3. The server on a free port.
echo "bench-server: starting maskinporten serve ..."
# --quiet: no request log (it would cost the server time under load).
# shellcheck disable=SC2086  # SERVE_ARGS is a list of flags
serve_start "$work" --config "$work/seed.json" --db "$work/registry.db" --quiet ${SERVE_ARGS:-}
issuer="http://127.0.0.1:$port/"
echo "bench-server: server at $issuer"

# 4. The load.
echo "bench-server: maskinporten bench token -c $connections -d $duration (warmup $warmup) ..."
"$cli" bench token --url "${issuer}token" --issuer "$issuer" --client-id bench-client \
  --key "$work/keys/bench.pem" --kid bench-1 --scope bench:token \
  --connections "$connections" --duration "$duration" --warmup "$warmup" --json \
  >"$out/server-bench.json"

# 5. The report.
python3 - "$out/server-bench.json" "$sign_limit" "$cores" "${BENCH_STRICT:-0}" <<'PY'
import json, sys

bench = json.load(open(sys.argv[1]))
limit, cores, strict = float(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
tps = bench["tokens_per_s"]
p99 = bench["latency_ms"]["p99"]
ratio = tps / limit if limit > 0 else 0.0
g = bench["grants"]
print()
print(f"Token endpoint under load: {bench['connections']} connections, {bench['duration_s']} s")
print(f"  tokens/s:        {tps:.1f} ({bench['ok']} tokens, {bench['errors']} errors)")
for kind, n in sorted(bench["errors_by_kind"].items()):
    print(f"    {kind}: {n}")
print(f"  RSA-3072 limit:  {limit:.1f} sign/s (openssl speed -multi {cores})")
ok_ratio = ratio >= 0.8
ok_p99 = p99 <= 50.0
print(f"  ratio:           {ratio:.2f}x the limit; target >= 0.80: {'ok' if ok_ratio else 'BELOW'}")
lat = bench["latency_ms"]
print(f"  latency:         p50 {lat['p50']:.2f} ms, p90 {lat['p90']:.2f} ms, p99 {p99:.2f} ms, "
      f"max {lat['max']:.2f} ms; target p99 <= 50 ms: {'ok' if ok_p99 else 'ABOVE'}")
print(f"  client signing:  {g['sign_per_s']:.0f} grants/s on {g['sign_threads']} threads "
      f"({g['presigned']} pre-signed, {g['signed_during_run']} signed during the run)")
if g["signed_during_run"]:
    print("  note: the grant pool ran dry; the load tool may have limited the result")
print()
missed = [n for n, ok in (("tokens/s ratio", ok_ratio), ("p99", ok_p99)) if not ok]
if missed:
    print("bench-server: target missed: " + ", ".join(missed))
    sys.exit(1 if strict else 0)
print("bench-server: all targets met")
PY
