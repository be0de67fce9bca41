# shellcheck shell=bash
# Shared by the scripts that run a built program (bench.sh, bench-agent.sh) and those that load a
# local `maskinporten serve` (bench-server.sh, soak.sh): find or build a program, start the server
# on a free port in a work directory, stop it. Source it with `name` set to the calling script's
# name (used in messages); serve_find_cli sets `cli`, serve_start `server_pid` and `port`.
# shellcheck disable=SC2154  # name: set by the caller

# find_or_build VAR ROOT PATH TARGET BUILT: sets the variable VAR to PATH when that is an
# executable, else builds TARGET with the release preset and sets it to PATH, or to
# ROOT/build/release/BUILT when the build put it only there (no build/bin link).
find_or_build() {
  local var=$1 root=$2 path=$3 target=$4 built=$5
  if [[ ! -x "$path" ]]; then
    echo "$name: $path is missing; building it with the release preset"
    cmake --preset release -S "$root" >/dev/null
    cmake --build "$root/build/release" --target "$target" -j "${MP_JOBS:-2}"
    [[ -x "$path" ]] || path="$root/build/release/$built"
  fi
  printf -v "$var" '%s' "$path"
}

# The CLI: $MP_CLI, else build/bin/maskinporten, built with the release preset when absent.
serve_find_cli() {
  local root=$1
  find_or_build cli "$root" "${MP_CLI:-$root/build/bin/maskinporten}" maskinporten \
    apps/maskinporten/maskinporten
}

# serve_start WORK [serve flags...]: starts `serve` on 127.0.0.1:0 with a throwaway local CA in
# WORK/ca (instead of the user's data directory), stdout/stderr in WORK/serve.{out,err}; waits
# up to 60 s for the port and sets `server_pid` and `port`. Exits 1 when the server does not
# come up.
serve_start() {
  local work=$1
  shift
  "$cli" serve --listen 127.0.0.1:0 --port-file "$work/port" --ca-dir "$work/ca" --ca-bits 2048 \
    "$@" >"$work/serve.out" 2>"$work/serve.err" &
  server_pid=$!
  port=""
  for _ in $(seq 600); do
    if [[ -s "$work/port" ]]; then
      port=$(tr -dc '0-9' <"$work/port")
    elif grep -q 'listening on http://' "$work/serve.out" 2>/dev/null; then
      port=$(sed -n 's#.*listening on http://[^:]*:\([0-9]*\).*#\1#p' "$work/serve.out" | head -1)
    fi
    [[ -n "$port" ]] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$name: maskinporten serve exited:" >&2
      cat "$work/serve.err" "$work/serve.out" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$name: maskinporten serve did not report its port within 60 s" >&2
  cat "$work/serve.err" >&2
  exit 1
}

# Stops the server (SIGTERM, SIGKILL after 5 s) when it runs.
serve_stop() {
  if [[ -n "${server_pid:-}" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
