#!/usr/bin/env bash
# Installs the build tree into a temporary prefix and builds two programs against it, as users
# do (docs/library.md), then runs them:
#   (a) a CMake project: find_package(maskinporten CONFIG REQUIRED COMPONENTS client agent), once
#       with the shared libraries and once with the static archives (maskinporten_SHARED_LIBS):
#       consumer (client) and agent_consumer (the embedded token agent)
#   (b) one file each: g++ consumer.cc $(pkg-config --cflags --libs maskinporten-client), and
#       agent_consumer.cc with maskinporten-agent
# Each must run and exit 0, and none may load SQLite or Boost (the emulator's): ldd says.
# Usage: consumer_test.sh <build dir> [work dir]
set -euo pipefail
build=${1:?usage: consumer_test.sh <build dir> [work dir]}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work=${2:-$(mktemp -d)}
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libmaskinporten-client.so' | head -n1)")
[[ -d $libdir ]] || { echo "FAIL: no libmaskinporten-client.so under $prefix"; exit 1; }

# ldd <binary> <expect shared: yes|no> [component, default client]
check_links() {
  local bin=$1 shared=$2 comp=${3:-client} deps
  deps=$(LD_LIBRARY_PATH="$libdir" ldd "$bin")
  if grep -Eiq 'sqlite|boost|not found' <<<"$deps"; then
    echo "FAIL: $bin links SQLite/Boost or misses a library:"; echo "$deps"; exit 1
  fi
  if [[ $shared == yes ]] && ! grep -q "libmaskinporten-$comp.so.[0-9]" <<<"$deps"; then
    echo "FAIL: $bin does not load libmaskinporten-$comp.so:"; echo "$deps"; exit 1
  fi
  if [[ $shared == no ]] && grep -q 'libmaskinporten' <<<"$deps"; then
    echo "FAIL: $bin (static) loads a libmaskinporten shared library:"; echo "$deps"; exit 1
  fi
  echo "ok: $(basename "$bin"): $(grep -c . <<<"$deps") libraries, no SQLite or Boost; $(awk '/libmaskinporten/ {print $1}' <<<"$deps" | tr "\n" " ")"
}

# (a) find_package, shared then static
for shared in ON OFF; do
  dir="$work/cmake-$shared"
  cmake -S "$here" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
        -Dmaskinporten_SHARED_LIBS=$shared >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; exit 1; }
  cmake --build "$dir" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  "$dir/consumer"
  check_links "$dir/consumer" "$([[ $shared == ON ]] && echo yes || echo no)"
  "$dir/agent_consumer"
  check_links "$dir/agent_consumer" "$([[ $shared == ON ]] && echo yes || echo no)" agent
done

# (b) pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs maskinporten-client)
echo "pkg-config --cflags --libs maskinporten-client: $flags"
# shellcheck disable=SC2086  # the flags are words
c++ -std=c++20 -o "$work/pc-consumer" "$here/consumer.cc" $flags
LD_LIBRARY_PATH="$libdir" "$work/pc-consumer"
check_links "$work/pc-consumer" yes
flags=$(pkg-config --cflags --libs maskinporten-agent)
echo "pkg-config --cflags --libs maskinporten-agent: $flags"
# shellcheck disable=SC2086  # the flags are words
c++ -std=c++20 -o "$work/pc-agent-consumer" "$here/agent_consumer.cc" $flags
LD_LIBRARY_PATH="$libdir" "$work/pc-agent-consumer"
check_links "$work/pc-agent-consumer" yes agent
echo "consumer test: ok"
