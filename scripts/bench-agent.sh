#!/usr/bin/env bash
# The token agent's cache-hit path over HTTP: requests per second at 16 connections as a ratio of
# a minimal server on the same Beast HTTP layer answering a fixed body (the agent's own answer),
# measured in the same run, and the agent's p99 latency, against the targets: >= 0.8x the
# baseline, p99 <= 1 ms. A local Maskinporten runs in the same process as the upstream.
#
# Usage: scripts/bench-agent.sh   env: MP_AGENT_BENCH_BIN  (default build/bin/maskinporten_agent_bench,
#                                                          built with the release preset when absent)
#                                      BENCH_CONNECTIONS   (default 16)
#                                      BENCH_MILLIS        (per round, default 1000)
#                                      BENCH_ROUNDS        (baseline/agent pairs, default 10)
#                                      BENCH_THREADS       (server threads of both, default 2)
#                                      BENCH_STRICT=1      exit 1 when a target is missed
# Writes build/bench/agent-bench.json.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/build/bench"
mkdir -p "$out"
name=bench-agent
# shellcheck source=scripts/serve-lib.sh
source "$root/scripts/serve-lib.sh"
bin=""
find_or_build bin "$root" "${MP_AGENT_BENCH_BIN:-$root/build/bin/maskinporten_agent_bench}" \
  maskinporten_agent_bench bench/maskinporten_agent_bench

echo "bench-agent: ${BENCH_ROUNDS:-10} pairs of ${BENCH_MILLIS:-1000} ms rounds, baseline then agent ..."
"$bin" --connections "${BENCH_CONNECTIONS:-16}" --millis "${BENCH_MILLIS:-1000}" \
  --rounds "${BENCH_ROUNDS:-10}" --threads "${BENCH_THREADS:-2}" \
  --json "$out/agent-bench.json" >/dev/null

python3 - "$out/agent-bench.json" "${BENCH_STRICT:-0}" <<'PY'
import json, sys

b = json.load(open(sys.argv[1]))
strict = sys.argv[2] == "1"
base, agent = b["baseline"], b["agent"]
ok_ratio = b["ratio"] >= 0.8
ok_p99 = agent["p99_ms"] <= 1.0
print()
print(f"Agent cache hits over HTTP: {b['connections']} connections, {b['server_threads']} server "
      f"threads, {b['rounds']} x {b['seconds_per_round']} s each")
print(f"  baseline (fixed body): {base['requests_per_s']:.0f} req/s, p50 {base['p50_ms']:.3f} ms, "
      f"p99 {base['p99_ms']:.3f} ms")
print(f"  agent (cache hit):     {agent['requests_per_s']:.0f} req/s, p50 {agent['p50_ms']:.3f} ms, "
      f"p99 {agent['p99_ms']:.3f} ms ({agent['upstream_fetches']} upstream fetch)")
print(f"  ratio:                 {b['ratio']:.2f}x the baseline (median of {b['rounds']} pairs; "
      f"{min(b['ratios']):.2f}..{max(b['ratios']):.2f}; of totals {b['ratio_of_totals']:.2f}); target >= 0.80: "
      f"{'ok' if ok_ratio else 'BELOW'}")
print(f"  CPU per request:       baseline {base['cpu_us_per_request']:.1f} us, agent "
      f"{agent['cpu_us_per_request']:.1f} us (process CPU, client included): "
      f"{b['cpu_ratio']:.2f}x the baseline's requests per CPU second")
print(f"  agent p99:             {agent['p99_ms']:.3f} ms; target <= 1 ms: "
      f"{'ok' if ok_p99 else 'ABOVE'}")
print()
missed = [n for n, ok in (("ratio", ok_ratio), ("p99", ok_p99)) if not ok]
if missed:
    print("bench-agent: target missed: " + ", ".join(missed))
    sys.exit(1 if strict else 0)
print("bench-agent: all targets met")
PY
