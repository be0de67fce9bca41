#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz", clang 14 + ASan/UBSan, leak detection on),
# generates their seed corpora and runs the targets, one process each, FUZZ_JOBS at a time
# (default 1: the machine is shared), each for FUZZ_SECONDS seconds. Prints executions, exec/s,
# corpus size and peak RSS per target and any crash, leak, timeout or sanitizer report; exits 1
# when a target found something.
# `make fuzz` installs clang 14 first (scripts/install-deps.sh clang) and runs this.
#
# Usage: scripts/fuzz.sh [FUZZ_SECONDS] [TARGET...]     (default 60 s; all targets)
#   FUZZ_RUNS=N       stop each fast target after N executions (FUZZ_SECONDS is then the cap)
#   FUZZ_SLOW_RUNS=N  the same for the slow targets (default FUZZ_RUNS / 10)
#   FUZZ_JOBS=N       run up to N targets at once (one core each; default 1)
#   FUZZ_ARGS="..."   more libFuzzer flags for every target, e.g. -entropic=0: libFuzzer 14's
#                     entropic schedule spent 61 % of the http target's time in its feature
#                     bookkeeping (perf), 284 exec/s against 1,357 without it
#   targets, fast: base64url json jws consent grant_lint agent (the agent's request bodies)
#            slow: jwk certificate (RSA key checks), token_client (signs a grant per attempt), and
#                  the server targets token api altinn seed http (an emulator with a SQLite
#                  registry per input; token signs grants)
# The issue-14 campaign: FUZZ_RUNS=10000000 FUZZ_SLOW_RUNS=1000000 scripts/fuzz.sh 300
# (whichever limit comes first ends a target: on a 2-core machine, the time).
# Outputs under build/fuzz/: fuzz-corpus/<t> (seeds, regenerated each run), fuzz-work/<t>
# (what the fuzzer learned; kept between runs), fuzz-logs/<t>.log, fuzz-artifacts/<t>/ (crashes).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-${FUZZ_SECONDS:-60}}
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -lt 1 ]]; then
  echo "error: usage: scripts/fuzz.sh [FUZZ_SECONDS] [TARGET...] (got seconds '$seconds')" >&2
  exit 2
fi
fast_targets=(base64url json jws consent grant_lint agent)
slow_targets=(jwk certificate token_client token api altinn seed http)
all_targets=("${fast_targets[@]}" "${slow_targets[@]}")
targets=("${@:-${all_targets[@]}}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "error: unknown fuzz target '$t'" >&2; exit 2; }
done
jobs=${FUZZ_JOBS:-1}
if ! [[ "$jobs" =~ ^[0-9]+$ ]] || [[ "$jobs" -lt 1 ]] || [[ "$jobs" -gt 256 ]]; then
  echo "error: usage: FUZZ_JOBS must be a number of targets to run at once, 1..256 (got '$jobs')" >&2
  exit 2
fi

build="$root/build/fuzz"
cmake --preset fuzz -S "$root" >/dev/null
cmake --build "$build" --target fuzz_targets -j "${MP_JOBS:-2}"

corpus="$build/fuzz-corpus"
rm -rf "$corpus"
"$build/fuzz/make_seeds" "$corpus"

# UBSan keeps going after a report unless told otherwise; a report must fail the run, except the
# known and reported ones in fuzz/ubsan_known.supp (each names its issue).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/fuzz/ubsan_known.supp:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"

mkdir -p "$build/fuzz-logs" "$build/fuzz-results"
rm -f "$build/fuzz-results/"*

# Fuzzes one target; writes its summary line to fuzz-results/<t> and, when it found something,
# the report to fuzz-results/<t>.report.
fuzz_target() {
  local t=$1 work="$build/fuzz-work/$1" artifacts="$build/fuzz-artifacts/$1"
  local log="$build/fuzz-logs/$1.log" rc=0 runs=() execs rate rss units result
  mkdir -p "$work" "$artifacts"
  echo "== fuzzing $t for ${seconds}s (log: ${log#$root/})"
  if [[ " ${slow_targets[*]} " == *" $t "* ]]; then
    [[ -n "${FUZZ_SLOW_RUNS:-${FUZZ_RUNS:-}}" ]] &&
      runs=(-runs="${FUZZ_SLOW_RUNS:-$((FUZZ_RUNS / 10))}")
  else
    [[ -n "${FUZZ_RUNS:-}" ]] && runs=(-runs="$FUZZ_RUNS")
  fi
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  "$build/fuzz/${t}_fuzz" -max_total_time="$seconds" "${runs[@]}" -rss_limit_mb=2048 \
    -detect_leaks=1 -timeout=30 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    ${FUZZ_ARGS:-} "$work" "$corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
  rate=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log" | tail -1)
  rss=$(awk '/^stat::peak_rss_mb:/ {print $2}' "$log" | tail -1)
  units=$(find "$work" -type f | wc -l)
  if [[ $rc -eq 0 ]]; then
    result=ok
  else
    result="FAILED (exit $rc)"
    {
      echo "!! $t: libFuzzer exited with $rc; report:"
      grep -E "ERROR: |SUMMARY: |FUZZ_CHECK failed|runtime error|Test unit written to|ALARM|out-of-memory|^ +#[0-9]+ " \
        "$log" | head -40 | sed 's/^/   /' || true  # a report without those lines must not end the run
    } >"$build/fuzz-results/$t.report"
    cat "$build/fuzz-results/$t.report"
  fi
  printf '%-12s %14s %10s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$units" "${rss:-?}" \
    "$result" >"$build/fuzz-results/$t"
}

running=0
for t in "${targets[@]}"; do
  if [[ $running -ge $jobs ]]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_target "$t" &
  running=$((running + 1))
done
wait

echo
printf '%-12s %14s %10s %8s %8s  %s\n' target executions exec/s corpus rss_mb result
failed=0
for t in "${targets[@]}"; do
  cat "$build/fuzz-results/$t" 2>/dev/null || printf '%-12s  no result\n' "$t"
  [[ -f "$build/fuzz-results/$t.report" || ! -f "$build/fuzz-results/$t" ]] && failed=1
done
if [[ $failed -ne 0 ]]; then
  echo "fuzz: FAILED (crash inputs under ${build#$root/}/fuzz-artifacts/)" >&2
  exit 1
fi
echo "fuzz: ok"
