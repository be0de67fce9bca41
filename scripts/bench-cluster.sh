#!/usr/bin/env bash
# Load-tests the local Maskinporten as one and as two instances on a shared PostgreSQL registry
# and Redis replay store (issue 18, docs/operations.md "Running several instances"), next to one
# instance on SQLite, and prints for each: tokens/s as a ratio of this machine's RSA-3072 signing
# limit measured in the same run (every token is one RSA-3072 signature by a server), p50/p99
# latency, and the store's own CPU per token (PostgreSQL and Redis processes, from /proc).
#
# Steps: `openssl speed -multi $(nproc) rsa3072`; a PostgreSQL 15 (initdb in a temp dir, as the
# user nobody when run as root) and a Redis on free loopback ports; then per case the servers,
# `maskinporten bench token` against each instance at once (the connections split between them,
# grants pre-signed), and the servers stopped. Everything runs on loopback in a temp dir.
#
# Usage: scripts/bench-cluster.sh   env: MP_CLI            (default build/bin/maskinporten)
#                                        BENCH_CONNECTIONS (default 32, split over the instances)
#                                        BENCH_DURATION    (seconds per case, default 10)
#                                        BENCH_WARMUP      (seconds, default 1)
#                                        SPEED_SECONDS     (openssl speed, default 5)
# Writes build/bench/cluster-<case>-<n>.json and prints the table. Exits non-zero only when a
# step fails to run. On a 2-core machine two instances share the same cores: the figure to read
# is how close each case comes to the signing limit, not a doubling.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/build/bench"
mkdir -p "$out"
name=bench-cluster
# shellcheck source=scripts/serve-lib.sh
source "$root/scripts/serve-lib.sh"
serve_find_cli "$root"

connections=${BENCH_CONNECTIONS:-32}
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-1}
speed_seconds=${SPEED_SECONDS:-5}
cores=$(nproc)
pgbin=/usr/lib/postgresql/15/bin
for tool in "$pgbin/initdb" "$pgbin/pg_ctl" "$(command -v redis-server || true)"; do
  if [[ ! -x "$tool" ]]; then
    echo "error: io_error: $name needs PostgreSQL 15 and redis-server (scripts/install-deps.sh)" >&2
    exit 3
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mp-bench-cluster.XXXXXX")
chmod 755 "$work"
pids=()
as_pg=()
[[ $(id -u) -eq 0 ]] && as_pg=(runuser -u nobody --)
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_all
  [[ -d "$work/pg" ]] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  [[ -n "${redis_pid:-}" ]] && kill -TERM "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# 1. The signing limit, while nothing of ours runs.
echo "$name: openssl speed -multi $cores -seconds $speed_seconds rsa3072 ..."
openssl speed -multi "$cores" -seconds "$speed_seconds" rsa3072 >"$out/openssl-speed-rsa3072-multi.txt" 2>/dev/null
sign_limit=$(awk '/^rsa +3072 +bits/ {v=$6} END {print v}' "$out/openssl-speed-rsa3072-multi.txt")
[[ -n "$sign_limit" ]] || { echo "$name: cannot read sign/s from openssl speed" >&2; exit 1; }

# 2. PostgreSQL and Redis of our own.
pg_port=$(free_port)
mkdir -p "$work/pg" "$work/pgsock" "$work/redis"
[[ $(id -u) -eq 0 ]] && chown nobody "$work/pg" "$work/pgsock"
"${as_pg[@]}" "$pgbin/initdb" -D "$work/pg" -U mp --auth=trust -E UTF8 >"$work/initdb.log" 2>&1
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pgsock/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pgsock -c max_connections=200" start >/dev/null
"${as_pg[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U mp maskinporten
db="postgresql://mp@127.0.0.1:$pg_port/maskinporten"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" \
  >"$work/redis/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

# 3. A client key and the seed (as bench-server.sh).
mkdir -p "$work/keys"
"$cli" keygen --alg RS256 --kid bench-1 --out "$work/keys/bench.pem" >/dev/null
cat >"$work/seed.json" <<'JSON'
{
  "organizations": [{"orgno": "910753614", "name": "BENCH AS"}],
  "scopes": [{"prefix": "bench", "subscope": "token", "owner_orgno": "910753614",
              "description": "bench-cluster load test", "visibility": "PRIVATE"}],
  "clients": [{"client_id": "bench-client", "client_name": "bench", "client_orgno": "910753614",
               "scopes": ["bench:token"],
               "keys": [{"pem_file": "keys/bench.pem", "kid": "bench-1", "alg": "RS256"}]}]
}
JSON
issuer="http://127.0.0.1/bench-cluster/"

# CPU ticks of every postgres and of every redis-server process now: "<postgres> <redis>".
store_ticks() {
  python3 - <<'PY'
import os
total = {"postgres": 0, "redis-server": 0}
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    if comm in total:
        fields = stat[stat.rindex(")") + 2:].split()
        total[comm] += int(fields[11]) + int(fields[12])
print(total["postgres"], total["redis-server"])
PY
}

# run_case NAME INSTANCES SERVE-FLAGS...: starts the instances one after the other, loads them
# all at once, stops them.
run_case() {
  local case=$1 n=$2
  shift 2
  local ports=()
  for i in $(seq "$n"); do
    local dir="$work/$case-$i"
    mkdir -p "$dir"
    "$cli" serve --listen 127.0.0.1:0 --port-file "$dir/port" --ca-dir "$work/ca" --ca-bits 2048 \
      --config "$work/seed.json" --issuer "$issuer" --quiet "$@" >"$dir/out" 2>"$dir/err" &
    pids+=($!)
    for _ in $(seq 600); do [[ -s "$dir/port" ]] && break; sleep 0.1; done
    [[ -s "$dir/port" ]] || { echo "$name: instance $i of $case did not start:" >&2; cat "$dir/err" >&2; exit 1; }
    ports+=("$(tr -dc '0-9' <"$dir/port")")
  done
  echo "$name: $case: $n instance(s), $connections connections, ${duration}s ..."
  local per=$(((connections + n - 1) / n)) before after loaders=()
  read -r -a before <<<"$(store_ticks)"
  for i in $(seq "$n"); do
    "$cli" bench token --url "http://127.0.0.1:${ports[$((i - 1))]}/token" --issuer "$issuer" \
      --client-id bench-client --key "$work/keys/bench.pem" --kid bench-1 --scope bench:token \
      --connections "$per" --duration "$duration" --warmup "$warmup" --json \
      >"$out/cluster-$case-$i.json" &
    loaders+=($!)
  done
  for pid in "${loaders[@]}"; do wait "$pid"; done
  read -r -a after <<<"$(store_ticks)"
  echo "$((after[0] - before[0])) $((after[1] - before[1]))" >"$out/cluster-$case-store-ticks.txt"
  stop_all
}

run_case sqlite-1 1 --db "$work/registry.db" --replay-store sqlite
run_case pg-redis-1 1 --db "$db" --replay-store "redis://127.0.0.1:$redis_port"
run_case pg-redis-2 2 --db "$db" --replay-store "redis://127.0.0.1:$redis_port"

python3 - "$out" "$sign_limit" "$cores" "$(getconf CLK_TCK)" <<'PY'
import glob, json, sys
out, limit, cores, hz = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
print()
print(f"RSA-3072 signing limit: {limit:.1f} sign/s (openssl speed -multi {cores})")
print(f"{'case':<12}{'instances':>10}{'tokens/s':>10}{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}"
      f"{'errors':>8}{'PostgreSQL CPU/token':>22}{'Redis CPU/token':>17}")
base = None
for case in ("sqlite-1", "pg-redis-1", "pg-redis-2"):
    runs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/cluster-{case}-[0-9]*.json"))]
    tps = sum(r["tokens_per_s"] for r in runs)
    ok = sum(r["ok"] for r in runs)
    errors = sum(r["errors"] for r in runs)
    p50 = max(r["latency_ms"]["p50"] for r in runs)
    p99 = max(r["latency_ms"]["p99"] for r in runs)
    pg_ticks, redis_ticks = map(int, open(f"{out}/cluster-{case}-store-ticks.txt").read().split())
    # CPU over the whole case (warmup included) / tokens measured: an upper bound per token.
    us = lambda ticks: ticks / hz / ok * 1e6 if ok else float("nan")
    print(f"{case:<12}{len(runs):>10}{tps:>10.1f}{tps / limit:>8.2f}{p50:>9.2f}{p99:>9.2f}"
          f"{errors:>8}{us(pg_ticks):>19.0f} us{us(redis_ticks):>14.0f} us")
print("  ratio: tokens/s over the signing limit; p50/p99: the worst instance's; CPU/token: the")
print("  PostgreSQL and Redis processes' CPU during the case (warmup included) over the tokens")
PY
