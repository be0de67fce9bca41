#!/usr/bin/env bash
# Installs the Debian 12 packages maskinporten-cpp builds and tests with (DESIGN.md §8).
# Idempotent: silent and quick when everything is present; runs `apt-get update` only when a
# package is missing. Usage: scripts/install-deps.sh [base|web|clang|all]
#   base  (default) compilers, CMake and the libraries for `make build` / `make test` (with
#                   the servers the store tests start on loopback: redis-server, postgresql-15),
#                   the packaging tools (`make package`: dpkg-dev, file, help2man, lintian), plus web
#   web             chromium (and nodejs + npm when node is missing) for the browser tests of the
#                   web pages, then `npm ci` when node_modules is missing or older than
#                   package-lock.json (playwright-core; it downloads no browsers)
#   clang           clang 14 and its sanitizer/libFuzzer runtime, for the fuzz and clang-tsa presets
#   all             all of them
set -euo pipefail

base=(
  build-essential cmake ninja-build pkg-config git openssl ca-certificates curl jq
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libboost1.81-dev libsqlite3-dev
  libcli11-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  libhiredis-dev redis-server
  dpkg-dev file help2man lintian
  libpq-dev postgresql-15
)
web=(chromium)
command -v node >/dev/null 2>&1 || web+=(nodejs)
command -v npm >/dev/null 2>&1 || web+=(npm)
clang=(clang-14 libclang-rt-14-dev clang-format clang-tidy)

with_npm=1
case "${1:-base}" in
  base) wanted=("${base[@]}" "${web[@]}") ;;
  web) wanted=("${web[@]}") ;;
  clang) wanted=("${clang[@]}"); with_npm=0 ;;
  all) wanted=("${base[@]}" "${web[@]}" "${clang[@]}") ;;
  *) echo "error: usage: scripts/install-deps.sh [base|web|clang|all] (got '$1')" >&2; exit 2 ;;
esac

# playwright-core for the browser tests, pinned by package-lock.json (node_modules/ is ignored).
npm_ci() {
  [[ $with_npm -eq 1 ]] || return 0
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  [[ -f "$root/package-lock.json" ]] || return 0
  if [[ ! -d "$root/node_modules" || "$root/package-lock.json" -nt "$root/node_modules" ]]; then
    echo "install-deps: npm ci (playwright-core for the browser tests)"
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$root/node_modules"
  fi
}

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  npm_ci
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "error: missing Debian packages: ${missing[*]}" >&2
  echo "error: run 'sudo scripts/install-deps.sh' (or install them yourself with apt-get) and retry" >&2
  exit 3
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_lists=(/var/lib/apt/lists/*_Packages)
if [[ ! -e "${apt_lists[0]}" ]] || ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
npm_ci
