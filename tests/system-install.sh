#!/bin/sh
# SPDX-License-Identifier: MIT
# system-install.sh BUILD_ROOT SOURCE_ROOT B_SANITIZE
#
# "meson install" into the system prefix, without DESTDIR, exactly as the
# README says, and then what a user does with it: greet-server --help, the
# README's program built with pkg-config, a consumer built with pkg-config
# (shared and --static), meson (dependency('greet'), shared and static) and
# CMake (find_package(greet 0.2) with greet::greet, shared and static, and
# pkg_check_modules), each run without LD_LIBRARY_PATH; man -M finds every
# page; the HTML reference is there.
#
# The system is not touched: the script runs itself again in a private
# mount namespace (unshare -m) with a tmpfs over the prefix (/usr/local by
# default) and an overlay over /etc (ldconfig writes /etc/ld.so.cache);
# both vanish with the namespace.  Needs root and a kernel that allows
# this; skips with the reason otherwise.  Prints the installed tree and
# every consumer's build command and output.
#
# Exit status: 0 pass, 1 fail, 77 skip.
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 BUILD_ROOT SOURCE_ROOT B_SANITIZE" >&2
  exit 2
fi
build=$1
src=$2
sanitize=$3
CC=${CC:-cc}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "SKIP: $*"
  exit 77
}
pass() {
  echo "ok: $*"
}
# run CMD...: print the command, its output, fail when it fails.
run() {
  echo "\$ $*"
  "$@" >"$tmp/run.log" 2>&1
  rc=$?
  sed 's/^/    /' "$tmp/run.log"
  [ $rc -eq 0 ] || fail "exit status $rc: $*"
}

prefix=$(meson introspect --buildoptions "$build" |
  python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])') ||
  fail "meson introspect --buildoptions $build"

if [ "${GREET_IN_NAMESPACE:-}" != 1 ]; then
  [ "$(id -u)" -eq 0 ] || skip "needs root for a private mount namespace"
  case $prefix in
    / | /usr | /etc | /tmp) skip "prefix $prefix: a tmpfs over it would hide the system" ;;
  esac
  for tool in unshare cmake man pkg-config; do
    command -v $tool >/dev/null 2>&1 || skip "$tool not found (.ci/deps installs it)"
  done
  unshare -m true 2>/dev/null || skip "the kernel refuses unshare -m here"
  GREET_IN_NAMESPACE=1 exec unshare -m --propagation private "$0" "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/greet-sysinstall.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$prefix" "$tmp/etc-upper" "$tmp/etc-work" || fail "mkdir"
mount -t tmpfs greet-prefix "$prefix" || skip "cannot mount a tmpfs over $prefix"
mount -t overlay greet-etc -o "lowerdir=/etc,upperdir=$tmp/etc-upper,workdir=$tmp/etc-work" /etc ||
  skip "cannot mount an overlay over /etc"
# Nothing below may run unless both are really in place.
[ "$(findmnt -n -o FSTYPE --target "$prefix")" = tmpfs ] || fail "$prefix is not the tmpfs"
[ "$(findmnt -n -o FSTYPE --target /etc)" = overlay ] || fail "/etc is not the overlay"
pass "private mount namespace: tmpfs on $prefix, overlay on /etc"

# 1. The install, as the README says (as root, no DESTDIR).
run meson install -C "$build" --no-rebuild
grep -q 'not in the dynamic loader' "$tmp/run.log" &&
  fail "the install script says $prefix's libdir is not in the loader's path"
echo "installed tree:"
(cd "$prefix" && find . | LC_ALL=C sort | sed "s|^\.|    $prefix|")

env -u LD_LIBRARY_PATH PATH="$prefix/bin:$PATH" greet-server --help >"$tmp/help" 2>&1 ||
  { cat "$tmp/help" >&2; fail "greet-server --help (after meson install, no LD_LIBRARY_PATH)"; }
pass "greet-server --help: $(head -n 1 "$tmp/help")"

unset LD_LIBRARY_PATH PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
version=$(pkg-config --modversion greet) || fail "pkg-config does not find greet.pc under $prefix"
want() {
  printf 'Hello, %s!\nlibgreet %s' "$1" "$version"
}
# check PROGRAM ARG NAME: runs PROGRAM ARG, wants the greeting for NAME.
check() {
  out=$("$1" "$2" 2>&1) || fail "$1 $2: $out"
  echo "\$ $1 $2"
  printf '%s\n' "$out" | sed 's/^/    /'
  [ "$out" = "$(want "$3")" ] || fail "$1 printed '$out'"
}
shared_only() {
  readelf -d "$1" | grep NEEDED | grep -q 'libgreet\.so\.0' || fail "$1 does not load libgreet.so.0"
}
static_only() {
  if readelf -d "$1" 2>/dev/null | grep NEEDED | grep -q libgreet; then
    fail "$1 needs a shared libgreet"
  fi
}

san=
[ "$sanitize" = none ] || san="-fsanitize=$sanitize"
cp -r "$src/tests/install" "$tmp/user" || fail "cp"
cd "$tmp/user" || fail "cd"

# 2. The README's program and build line, verbatim.
awk '/^```c$/ {p = 1; next} /^```$/ {if (p) exit} p' "$src/README.md" >app.c
[ -s app.c ] || fail "README.md has no \`\`\`c block"
readme_cc=$(sed -n 's/^    \$ \(cc app\.c .*\)$/\1/p' "$src/README.md" | head -n 1)
readme_out=$(sed -n '/^    \$ cc app\.c /{n;s/^    //p;}' "$src/README.md" | head -n 1)
[ -n "$readme_cc" ] || fail "README.md has no '\$ cc app.c ...' line"
echo "\$ $readme_cc"
out=$(CC="$CC $san" sh -c "$(printf '%s' "$readme_cc" | sed "s/^cc /\$CC /")" 2>&1) ||
  fail "the README's command failed: $out"
printf '%s\n' "$out" | sed 's/^/    /'
[ "$out" = "$readme_out" ] || fail "the README's program printed '$out', the README says '$readme_out'"
pass "README: $out"

# 3. pkg-config, shared and static.
# shellcheck disable=SC2046 # the flags are meant to be split
run $CC $san -o pc-shared prog.c $(pkg-config --cflags --libs greet)
shared_only pc-shared
check ./pc-shared 'Zo%C3%AB' 'Zoë'
if [ -z "$san" ]; then
  # shellcheck disable=SC2046
  run $CC -static -o pc-static prog.c $(pkg-config --static --cflags --libs greet)
else
  # a sanitizer runtime cannot be linked -static: only libgreet is
  # shellcheck disable=SC2046
  run $CC $san -o pc-static prog.c $(pkg-config --cflags greet) \
    -Wl,-Bstatic $(pkg-config --static --libs greet) -Wl,-Bdynamic
fi
static_only pc-static
check ./pc-static 'W%C3%B6rld' 'Wörld'

# 4. meson, dependency('greet') from the installed greet.pc.
sanopt=
[ "$sanitize" = none ] || sanopt="-Db_sanitize=$sanitize -Db_lundef=false"
# shellcheck disable=SC2086
run meson setup $sanopt "$tmp/meson-build" meson
run ninja -C "$tmp/meson-build"
shared_only "$tmp/meson-build/prog-shared"
check "$tmp/meson-build/prog-shared" 'Ana' 'Ana'
static_only "$tmp/meson-build/prog-static"
check "$tmp/meson-build/prog-static" 'Bo' 'Bo'

# 5. CMake: find_package (shared, static), pkg_check_modules.
cmflags=
[ -z "$san" ] || cmflags="-DCMAKE_C_FLAGS=$san -DCMAKE_EXE_LINKER_FLAGS=$san"
# shellcheck disable=SC2086
run cmake -S cmake-find -B "$tmp/cm-shared" $cmflags
run cmake --build "$tmp/cm-shared"
shared_only "$tmp/cm-shared/prog"
check "$tmp/cm-shared/prog" 'Cy' 'Cy'
# shellcheck disable=SC2086
run cmake -S cmake-find -B "$tmp/cm-static" -Dgreet_USE_STATIC_LIBS=ON $cmflags
run cmake --build "$tmp/cm-static"
static_only "$tmp/cm-static/prog"
check "$tmp/cm-static/prog" 'Di' 'Di'
# shellcheck disable=SC2086
run cmake -S cmake-pkg -B "$tmp/cm-pkg" $cmflags
run cmake --build "$tmp/cm-pkg"
shared_only "$tmp/cm-pkg/prog"
check "$tmp/cm-pkg/prog" 'Ed' 'Ed'
# greetConfigVersion.cmake refuses another major version.
sed 's/find_package(greet 0\.2 REQUIRED)/find_package(greet 99.0 REQUIRED)/' \
  cmake-find/CMakeLists.txt >cmake-find/CMakeLists.new && mv cmake-find/CMakeLists.new cmake-find/CMakeLists.txt
if cmake -S cmake-find -B "$tmp/cm-99" >"$tmp/cm-99.log" 2>&1; then
  fail "find_package(greet 99.0) accepted libgreet $version"
fi
pass "find_package(greet 99.0) refused"

# 6. The manual: man -M finds every page, the HTML reference is there.
mandir=$prefix/share/man
for page in "$src"/docs/*.[1-8]; do
  base=$(basename "$page")
  name=${base%.*}
  sect=${base##*.}
  man -M "$mandir" -w "$sect" "$name" >/dev/null 2>&1 || fail "man -M $mandir $sect $name: no page"
  man -M "$mandir" "$sect" "$name" 2>/dev/null | grep -q . || fail "man -M $mandir $sect $name renders nothing"
  [ -s "$prefix/share/doc/greet/html/$base.html" ] || fail "no HTML for $base"
done
pass "man -M $mandir finds all $(ls "$src"/docs/*.[1-8] | wc -l) pages; share/doc/greet/html has each"
exit 0
