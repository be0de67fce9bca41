#!/usr/bin/env bash
# Installs the Debian 12 packages maskinporten-cpp builds and tests with (DESIGN.md §8).
# Idempotent: silent and quick when everything is present; runs `apt-get update` only when a
# package is missing. Usage: scripts/install-deps.sh [base|clang|all]
#   base  (default) compilers, CMake and the libraries for `make build` / `make test`
#   clang           clang 14 and its sanitizer/libFuzzer runtime, for the fuzz and clang-tsa presets
#   all             both
set -euo pipefail

base=(
  build-essential cmake ninja-build pkg-config git openssl ca-certificates
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libboost1.81-dev libsqlite3-dev
  libcli11-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
)
clang=(clang-14 libclang-rt-14-dev clang-format clang-tidy)

case "${1:-base}" in
  base) wanted=("${base[@]}") ;;
  clang) wanted=("${clang[@]}") ;;
  all) wanted=("${base[@]}" "${clang[@]}") ;;
  *) echo "error: usage: scripts/install-deps.sh [base|clang|all] (got '$1')" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

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
