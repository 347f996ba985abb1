#!/bin/sh
# SPDX-License-Identifier: MIT
# install-test.sh BUILD_ROOT SOURCE_ROOT B_SANITIZE DOCS
#
# What a user gets from "meson install": installs the build into a
# temporary DESTDIR, then, outside the source tree and with nothing but
# the installed files and pkg-config, builds tests/install/prog.c against
# the shared and against the static library and runs both.  Also checks
# the installed libgreet.so (soname, exported symbols, no dependency on
# libmicrohttpd), greet.pc (no Requires), the headers (greet-private.h
# stays private) and, when docs/ holds man pages and the docs option is
# on, that they are installed.
#
# B_SANITIZE is meson's b_sanitize ("none" when off).  A sanitized
# libgreet calls into the sanitizer runtime, so the program is then built
# with the same -fsanitize flags; the static link is tested too.
# CC is the compiler meson builds with (set by tests/meson.build).
#
# Exit status: 0 pass, 1 fail, 77 skip (a tool is missing).
set -u

if [ $# -ne 4 ]; then
  echo "usage: $0 BUILD_ROOT SOURCE_ROOT B_SANITIZE DOCS" >&2
  exit 2
fi
build=$1
src=$2
sanitize=$3
docs=$4
CC=${CC:-cc}
MESON=${MESON:-meson}

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

for tool in "$MESON" pkg-config nm readelf; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done
# shellcheck disable=SC2086 # CC may be "ccache cc": the first word is the tool
set -- $CC
command -v "$1" >/dev/null 2>&1 || skip "C compiler '$CC' not found"

sanflags=
if [ "$sanitize" != none ]; then
  sanflags="-fsanitize=$sanitize"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/greet-install.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/destdir

# 1. Install.  --no-rebuild: meson test has just built everything, and a
#    ninja run here would race with nothing but waste time.
if ! "$MESON" install -C "$build" --no-rebuild --destdir "$dest" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log" >&2
  fail "meson install --destdir failed"
fi
pass "meson install --destdir $dest"

# 2. Find what was installed, wherever prefix and libdir put it.
pc=$(find "$dest" -name greet.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "greet.pc not installed"
[ "$(printf '%s\n' "$pc" | wc -l)" -eq 1 ] || fail "more than one greet.pc: $pc"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
hdr=$(find "$dest" -name greet.h)
[ -n "$hdr" ] || fail "greet.h not installed"
incdir=$(dirname "$hdr")
for f in "$libdir/libgreet.so" "$libdir/libgreet.so.0" "$libdir/libgreet.a" \
         "$incdir/greet-version.h"; do
  [ -e "$f" ] || fail "$f not installed"
done
[ -L "$libdir/libgreet.so" ] || fail "libgreet.so is not a symlink (to libgreet.so.0)"
[ -z "$(find "$dest" -name greet-private.h)" ] || fail "greet-private.h was installed"
pass "installed: ${libdir#"$dest"}/libgreet.{so,so.0,a}, ${incdir#"$dest"}/greet{,-version}.h, greet.pc"

# 3. The shared library: soname, exports, dependencies.
soname=$(readelf -d "$libdir/libgreet.so.0" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = libgreet.so.0 ] || fail "soname is '$soname', want libgreet.so.0"
pass "soname libgreet.so.0"
if ! sh "$src/tests/check-exports.sh" "$libdir/libgreet.so.0" "$src/lib/libgreet.map" \
       >"$tmp/exports.log" 2>&1; then
  cat "$tmp/exports.log" >&2
  fail "installed libgreet.so.0 exports other symbols than lib/libgreet.map"
fi
pass "nm -D: only the greet_ symbols of lib/libgreet.map"
if readelf -d "$libdir/libgreet.so.0" | grep NEEDED | grep -i microhttpd; then
  fail "libgreet.so.0 depends on libmicrohttpd"
fi
pass "no libmicrohttpd in libgreet.so.0's NEEDED"

# 4. greet.pc, read only from the DESTDIR: PKG_CONFIG_LIBDIR replaces the
#    system search path (so an installed greet.pc elsewhere cannot answer),
#    PKG_CONFIG_SYSROOT_DIR prefixes -I/-L with the DESTDIR, and the
#    ALLOW_SYSTEM variables keep -I/usr/include when prefix is /usr.
PKG_CONFIG_LIBDIR=$pcdir
PKG_CONFIG_PATH=
PKG_CONFIG_SYSROOT_DIR=$dest
PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR \
       PKG_CONFIG_ALLOW_SYSTEM_CFLAGS PKG_CONFIG_ALLOW_SYSTEM_LIBS
pkg-config --exists greet || fail "pkg-config cannot read $pc"
req=$(sed -n 's/^Requires\(\.private\)\{0,1\}:[[:space:]]*//p' "$pc" | tr -d '[:space:]')
[ -z "$req" ] || fail "greet.pc has Requires: $req"
[ -z "$(pkg-config --print-requires greet)$(pkg-config --print-requires-private greet)" ] ||
  fail "pkg-config --print-requires(-private) greet is not empty"
cflags=$(pkg-config --cflags greet)
libs=$(pkg-config --libs greet)
case " $libs " in
  *" -lgreet "*) ;;
  *) fail "pkg-config --libs greet gives '$libs', no -lgreet" ;;
esac
pass "greet.pc $(pkg-config --modversion greet): no Requires; cflags '$cflags'; libs '$libs'"

# 5. Build and run against the shared library, from a directory outside
#    the tree with a copy of the program, so only installed headers count.
mkdir "$tmp/user"
cp "$src/tests/install/prog.c" "$tmp/user/prog.c"
cd "$tmp/user" || fail "cd $tmp/user"
warn="-std=c99 -pedantic-errors -Wall -Wextra -Werror"
# shellcheck disable=SC2086 # word splitting of the flags is intended
$CC $warn $sanflags $cflags -M prog.c >deps 2>&1 || { cat deps >&2; fail "cc -M prog.c"; }
grep -q "$incdir/greet.h" deps || { cat deps >&2; fail "prog.c did not use the installed greet.h"; }
# shellcheck disable=SC2086
$CC $warn $sanflags $cflags -o prog-shared prog.c $libs >cc.log 2>&1 ||
  { cat cc.log >&2; fail "cc prog.c \$(pkg-config --cflags --libs greet)"; }
readelf -d prog-shared | grep NEEDED | grep -q 'libgreet\.so\.0' ||
  fail "prog-shared does not need libgreet.so.0"
LD_LIBRARY_PATH=$libdir ldd ./prog-shared | grep libgreet | grep -q "$libdir/" ||
  fail "prog-shared would not load the installed libgreet.so.0"
out=$(LD_LIBRARY_PATH=$libdir ./prog-shared 'Zo%C3%AB') || fail "prog-shared failed"
want=$(printf 'Hello, Zo\303\253!\nlibgreet %s' "$(pkg-config --modversion greet)")
[ "$out" = "$want" ] || fail "prog-shared printed '$out', want '$want'"
pass "shared: $(printf '%s' "$out" | head -n 1)"

# 6. The static library, linked explicitly: -Bstatic around -lgreet so the
#    linker cannot take libgreet.so from the same directory.
static_libs="$(pkg-config --static --libs-only-L greet) -Wl,-Bstatic $(pkg-config --static --libs-only-l greet) -Wl,-Bdynamic $(pkg-config --static --libs-only-other greet)"
# shellcheck disable=SC2086
$CC $warn $sanflags $cflags -o prog-static prog.c $static_libs >cc.log 2>&1 ||
  { cat cc.log >&2; fail "cc prog.c $static_libs"; }
if readelf -d prog-static | grep NEEDED | grep -q libgreet; then
  fail "prog-static still needs a shared libgreet"
fi
nm prog-static | grep -q ' T greet_format$' || fail "greet_format is not linked into prog-static"
out=$(env -u LD_LIBRARY_PATH ./prog-static 'W%C3%B6rld') || fail "prog-static failed"
want=$(printf 'Hello, W\303\266rld!\nlibgreet %s' "$(pkg-config --modversion greet)")
[ "$out" = "$want" ] || fail "prog-static printed '$out', want '$want'"
pass "static: $(printf '%s' "$out" | head -n 1)"

# 7. Man pages, once docs/ has them and the docs option is on.
pages=$(find "$src/docs" -maxdepth 1 -type f -name '*.[1-8]' 2>/dev/null | sort)
if [ "$docs" != true ]; then
  echo "note: docs option disabled, man pages not checked"
elif [ -z "$pages" ]; then
  echo "note: docs/ has no man pages yet, nothing to check"
else
  for p in $pages; do
    base=$(basename "$p")
    sect=${base##*.}
    found=$(find "$dest" -path "*/man/man$sect/$base*")
    [ -n "$found" ] || fail "man page $base not installed in man$sect"
  done
  pass "man pages installed: $(echo "$pages" | wc -l)"
fi
exit 0
