#!/usr/bin/env bash
# Builds the Debian packages from a built tree (cpack, as `make package` does), checks their
# contents and control fields (dpkg-deb -c / -I), runs lintian when it is installed and prints
# its findings, then unpacks them into a throwaway root (dpkg -x) and runs the CLI from there.
# Usage: package_test.sh <build dir> [work dir]
set -euo pipefail
build=${1:?usage: package_test.sh <build dir> [work dir]}
work=${2:-$(mktemp -d)}
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail cpack; }
soversion=$(sed -n 's/^#define MASKINPORTEN_SOVERSION \([0-9]*\)$/\1/p' "$build/include/maskinporten/version.h")
version=$(sed -n 's/^#define MASKINPORTEN_VERSION "\(.*\)"$/\1/p' "$build/include/maskinporten/version.h")
declare -A deb
for pkg in maskinporten "libmaskinporten$soversion" libmaskinporten-dev; do
  deb[$pkg]=$(find "$work/out" -maxdepth 1 -name "${pkg}_${version}-*.deb" | head -n1)
  [[ -f ${deb[$pkg]} ]] || fail "no ${pkg}_${version}-*.deb in $(ls "$work/out")"
  printf '%-24s %8s bytes  %s\n' "$pkg" "$(stat -c %s "${deb[$pkg]}")" "$(basename "${deb[$pkg]}")"
done

# has <package> <path regex>: the package ships a file matching it
has() {
  dpkg-deb -c "${deb[$1]}" | awk '{print $6}' | grep -Eq "$2" || fail "$1 lacks $2"
}
hasnt() {
  if dpkg-deb -c "${deb[$1]}" | awk '{print $6}' | grep -Eq "$2"; then fail "$1 ships $2"; fi
}
field() { dpkg-deb -f "${deb[$1]}" "$2"; }

has maskinporten '^\./usr/bin/maskinporten$'
has maskinporten '^\./usr/share/man/man1/maskinporten\.1\.gz$'
has maskinporten '^\./usr/share/man/man1/maskinporten-serve\.1\.gz$'
has maskinporten '^\./usr/lib/systemd/system/maskinporten-serve\.service$'
has maskinporten '^\./usr/share/doc/maskinporten/copyright$'
hasnt maskinporten '\.so|\.a$|/include/'
runtime="libmaskinporten$soversion"
for comp in core jose pki grant client validate emulator agent; do
  has "$runtime" "/libmaskinporten-$comp\.so\.$soversion$"
  has libmaskinporten-dev "/libmaskinporten-$comp\.a$"
  has libmaskinporten-dev "/libmaskinporten-$comp\.so$"
  has libmaskinporten-dev "/pkgconfig/maskinporten-$comp\.pc$"
done
hasnt "$runtime" '/include/|\.a$|/bin/'
has libmaskinporten-dev '/include/maskinporten/maskinporten\.h$'
has libmaskinporten-dev '/include/maskinporten/emulator\.h$'
has libmaskinporten-dev '/include/maskinporten/agent\.h$'
has libmaskinporten-dev '/include/maskinporten/agent_export\.h$'
has libmaskinporten-dev '/include/maskinporten/version\.h$'
has libmaskinporten-dev '/include/maskinporten/client_export\.h$'
has libmaskinporten-dev '/cmake/maskinporten/maskinportenConfig\.cmake$'
has libmaskinporten-dev '/cmake/maskinporten/maskinportenConfigVersion\.cmake$'

# Dependencies come from dpkg-shlibdeps: the CLI needs OpenSSL, libcurl, SQLite and hiredis at run
# time.
for lib in libssl3 libcurl4 libsqlite3-0 libhiredis0.14 libc6; do
  field maskinporten Depends | grep -q "$lib" || fail "maskinporten Depends lacks $lib: $(field maskinporten Depends)"
done
field "$runtime" Depends | grep -q libssl3 || fail "$runtime Depends lacks libssl3"
field libmaskinporten-dev Depends | grep -q "$runtime (= $version" || fail "dev Depends: $(field libmaskinporten-dev Depends)"
dpkg-deb -I "${deb[$runtime]}" shlibs | grep -q "libmaskinporten-client $soversion $runtime" ||
  fail "$runtime has no shlibs entry for libmaskinporten-client"
for pkg in "${!deb[@]}"; do echo "$pkg: Depends: $(field "$pkg" Depends)"; done

if command -v lintian >/dev/null 2>&1; then
  echo "lintian findings (reported, not failing the test):"
  lintian --tag-display-limit 0 "${deb[@]}" 2>&1 | grep -v "running with root privileges" | sed 's/^/  /' || true
else
  echo "lintian not installed: skipped"
fi

# Unpacked into a throwaway root: the CLI runs from there, and the unit names it.
root="$work/root"
for pkg in "${!deb[@]}"; do dpkg -x "${deb[$pkg]}" "$root"; done
"$root/usr/bin/maskinporten" --version | grep -qx "maskinporten $version" || fail "--version"
"$root/usr/bin/maskinporten" serve --help | grep -q -- '--listen' || fail "serve --help"
unit="$root/usr/lib/systemd/system/maskinporten-serve.service"
grep -q '^ExecStart=/usr/bin/maskinporten serve' "$unit" || fail "unit ExecStart: $(grep ExecStart "$unit")"
for opt in DynamicUser=yes StateDirectory=maskinporten NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes; do
  grep -qx "$opt" "$unit" || fail "unit lacks $opt"
done
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify "$unit" 2>&1 | sed 's/^/  systemd-analyze: /' || true
fi
# The shared libraries of the unpacked root load together (SONAMEs resolve within the root).
libdir=$(dirname "$(find "$root" -name "libmaskinporten-client.so.$soversion" | head -n1)")
LD_LIBRARY_PATH="$libdir" ldd "$libdir/libmaskinporten-emulator.so.$soversion" | grep -q 'not found' &&
  fail "libmaskinporten-emulator misses a library"
echo "package test: ok"
