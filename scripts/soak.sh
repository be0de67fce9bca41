#!/usr/bin/env bash
# Soak test of the local Maskinporten: `maskinporten serve` (registry file, --replay-store sqlite)
# under token and admin load for SOAK_MINUTES, its resident memory sampled from
# /proc/<pid>/status. Prints RSS start/end/max and the slope (KiB per minute, least squares over
# the samples after the warm-up), and fails when the slope exceeds the bound: a server that leaks
# per request grows linearly with the requests it serves, one that does not levels off once its
# caches (SQLite pages, allocator arenas, connection buffers) are warm.
#
# Load, all on loopback: `maskinporten bench token` on SOAK_CONNECTIONS keep-alive connections
# (grants signed as it goes), and an admin loop (curl) that for ever new names creates a scope,
# grants and revokes another org's access to it, creates a client with it, uploads the client's
# JWKS, reads and updates the client, and deactivates client and scope.
#
# Usage: scripts/soak.sh            env: MP_CLI                     (default build/bin/maskinporten)
#                                        SOAK_MINUTES               (default 5)
#                                        SOAK_SAMPLE_SECONDS        (default 5)
#                                        SOAK_WARMUP_SECONDS        (default 60; excluded from the slope)
#                                        SOAK_MAX_SLOPE_KIB_PER_MIN (default 512)
#                                        SOAK_CONNECTIONS           (default 2)
#                                        SOAK_SERVE_ARGS            (default --threads 2)
# Exits 1 when the slope exceeds the bound, the server dies, or a load request fails.
# Writes the samples to build/soak/rss.txt ("<seconds> <KiB>" per line).
#
# The bound: two 3-minute runs of a healthy server grew 53.5 and 127.8 KiB/min (~100 tokens/s
# and 3 admin requests/s on a shared 2-core machine), in steps of a few hundred KiB as the SQLite
# page caches and the allocator's arenas fill; 512 KiB/min is four times the higher, and what a
# leak of about 90 bytes per token would add at that rate.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
name=soak
# shellcheck source=scripts/serve-lib.sh
source "$root/scripts/serve-lib.sh"
serve_find_cli "$root"

minutes=${SOAK_MINUTES:-5}
interval=${SOAK_SAMPLE_SECONDS:-5}
warmup=${SOAK_WARMUP_SECONDS:-60}
max_slope=${SOAK_MAX_SLOPE_KIB_PER_MIN:-512}
connections=${SOAK_CONNECTIONS:-2}
duration=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
if ((duration < 2 * interval || duration <= warmup)); then
  echo "soak: SOAK_MINUTES=$minutes is too short for a warm-up of $warmup s and samples every $interval s" >&2
  exit 2
fi

out="$root/build/soak"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-soak.XXXXXX")
admin_pid=""
bench_pid=""
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  for pid in $admin_pid $bench_pid; do kill "$pid" 2>/dev/null || true; done
  serve_stop
  rm -rf "$work"
}
trap cleanup EXIT

# 1. A client key and the seed: an org with the admin scopes (owned by Digdir), its own scope
#    soak:token, and one client holding them all; admin tokens live a day, so one lasts the run.
mkdir -p "$work/keys"
"$cli" keygen --alg RS256 --kid soak-1 --out "$work/keys/soak.pem" \
  --jwk-out "$work/keys/soak.jwk.json" >/dev/null
cat >"$work/seed.json" <<'JSON'
{
  "organizations": [
    {"orgno": "991825827", "name": "DIGITALISERINGSDIREKTORATET"},
    {"orgno": "910753614", "name": "SOAK AS"}
  ],
  "scopes": [
    {"prefix": "idporten", "subscope": "dcr.read", "owner_orgno": "991825827", "visibility": "PRIVATE"},
    {"prefix": "idporten", "subscope": "dcr.write", "owner_orgno": "991825827", "visibility": "PRIVATE"},
    {"prefix": "idporten", "subscope": "dcr.modify", "owner_orgno": "991825827", "visibility": "PRIVATE"},
    {"prefix": "idporten", "subscope": "scopes.write", "owner_orgno": "991825827", "visibility": "PRIVATE"},
    {"prefix": "soak", "subscope": "token", "owner_orgno": "910753614"}
  ],
  "access": [
    {"scope": "idporten:dcr.read", "consumer_orgno": "910753614"},
    {"scope": "idporten:dcr.write", "consumer_orgno": "910753614"},
    {"scope": "idporten:dcr.modify", "consumer_orgno": "910753614"},
    {"scope": "idporten:scopes.write", "consumer_orgno": "910753614"}
  ],
  "clients": [
    {"client_id": "soak-client", "client_name": "soak", "client_orgno": "910753614",
     "access_token_lifetime": 86400,
     "scopes": ["soak:token", "idporten:dcr.read", "idporten:dcr.write", "idporten:dcr.modify",
                "idporten:scopes.write"],
     "keys": [{"pem_file": "keys/soak.pem", "kid": "soak-1", "alg": "RS256"}]}
  ]
}
JSON

# 2. The server.
echo "soak: starting maskinporten serve ..."
# shellcheck disable=SC2086  # SOAK_SERVE_ARGS is a list of flags
serve_start "$work" --config "$work/seed.json" --db "$work/registry.db" --replay-store sqlite \
  --no-web --quiet ${SOAK_SERVE_ARGS:---threads 2}
issuer="http://127.0.0.1:$port/"
api="${issuer}api/v1"
client=(--issuer "$issuer" --client-id soak-client --key "$work/keys/soak.pem" --kid soak-1)
echo "soak: server at $issuer (pid $server_pid); $minutes min of load, RSS every $interval s"

# 3. The load.
"$cli" bench token --url "${issuer}token" "${client[@]}" --scope soak:token \
  --connections "$connections" --duration "$duration" --warmup 0 --grants 200 --sign-threads 1 \
  --json --quiet >"$work/bench.json" 2>"$work/bench.err" &
bench_pid=$!

token=$("$cli" token "${client[@]}" \
  --scope "idporten:dcr.read idporten:dcr.write idporten:dcr.modify idporten:scopes.write")
jwk=$(cat "$work/keys/soak.jwk.json")
# One admin request: METHOD PATH [BODY]; appends "<status> <method> <path>" to admin.log and
# prints the body. Not a 2xx (000: no answer) is counted as a failure.
admin() {
  local body_args=()
  [[ $# -ge 3 ]] && body_args=(-H 'Content-Type: application/json' --data-binary "$3")
  local status
  status=$(curl -s -o "$work/admin.body" -w '%{http_code}' -X "$1" "$api$2" \
    -H "Authorization: Bearer $token" "${body_args[@]}") || status=000
  echo "$status $1 $2" >>"$work/admin.log"
  [[ $status == 2* ]] || echo "$status $1 $2 $(head -c 300 "$work/admin.body")" >>"$work/admin.failed"
  cat "$work/admin.body"
}
admin_loop() {
  local i=0 scope id
  while :; do
    i=$((i + 1))
    scope="soak:s$i"
    admin POST /scopes "{\"prefix\":\"soak\",\"subscope\":\"s$i\",\"description\":\"soak\"}" >/dev/null
    admin PUT "/scopes/access/889640782?scope=$scope" >/dev/null
    admin DELETE "/scopes/access/889640782?scope=$scope" >/dev/null
    id=$(admin POST /clients "{\"client_name\":\"soak $i\",\"scopes\":[\"$scope\"]}" |
      sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p')
    if [[ -n "$id" ]]; then
      admin POST "/clients/$id/jwks" "{\"keys\":[$jwk]}" >/dev/null
      admin GET "/clients/$id" >/dev/null
      admin PUT "/clients/$id" "{\"client_name\":\"soak $i updated\",\"scopes\":[\"$scope\"]}" >/dev/null
      admin DELETE "/clients/$id" >/dev/null
    fi
    admin DELETE "/scopes?scope=$scope" >/dev/null
  done
}
admin_loop &
admin_pid=$!

# 4. The samples: "<seconds since start> <VmRSS KiB>".
samples="$out/rss.txt"
start=$(date +%s)
: >"$samples"
while :; do
  now=$(date +%s)
  elapsed=$((now - start))
  if ! rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null) || [[ -z $rss ]]; then
    echo "soak: the server (pid $server_pid) died after $elapsed s:" >&2
    tail -20 "$work/serve.err" >&2
    exit 1
  fi
  echo "$elapsed $rss" >>"$samples"
  ((elapsed >= duration)) && break
  sleep "$interval"
done
kill "$admin_pid" 2>/dev/null || true
wait "$admin_pid" 2>/dev/null || true
admin_pid=""
if ! wait "$bench_pid"; then
  echo "soak: maskinporten bench failed:" >&2
  cat "$work/bench.err" >&2
  exit 1
fi
bench_pid=""

# 5. The report.
failed=0
read -r tokens token_errors < <(python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))
print(b["ok"], b["errors"])' "$work/bench.json")
admin_requests=$(wc -l <"$work/admin.log")
admin_failed=0
[[ -f "$work/admin.failed" ]] && admin_failed=$(wc -l <"$work/admin.failed")
echo
echo "Soak: $minutes min, server pid $server_pid, --replay-store sqlite"
echo "  tokens:         $tokens ($token_errors errors) on $connections connections"
echo "  admin requests: $admin_requests ($admin_failed failed)"
awk -v warmup="$warmup" -v bound="$max_slope" '
  NR == 1 { first = $2; max = $2 }
  { last = $2; if ($2 > max) max = $2 }
  $1 >= warmup { n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
  END {
    printf "  RSS:            start %d KiB, end %d KiB, max %d KiB (%d samples)\n", first, last, max, NR
    if (n < 2) { print "  slope:          too few samples after the warm-up"; exit 1 }
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60
    printf "  slope:          %.1f KiB/min after a %d s warm-up (%d samples); bound %d KiB/min: %s\n",
           slope, warmup, n, bound, slope <= bound ? "ok" : "EXCEEDED"
    exit slope <= bound ? 0 : 1
  }' "$samples" || failed=1
if ((admin_failed > 0)); then
  echo "soak: failed admin requests (first 5):" >&2
  head -5 "$work/admin.failed" >&2
  failed=1
fi
if ((token_errors > 0)); then
  echo "soak: token errors: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errors_by_kind"])' "$work/bench.json")" >&2
  failed=1
fi
exit $failed
