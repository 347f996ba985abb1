#!/bin/sh
# SPDX-License-Identifier: MIT
# subproject.sh SOURCE_ROOT
#
# libgreet as a meson subproject, the way docs/embedding.md says: a parent
# project with subprojects/greet (this source tree) and the greet.wrap of
# docs/embedding.md, dependency('greet') in its meson.build.  For
# default_library static, shared and both it checks what was built (only
# the library; the static or the shared one as asked), that the program
# links it that way and runs, and that meson install would install the
# parent's program and nothing of greet's; then that the parent can ask
# for greet's install (greet:install=enabled) and greet_static_dep.
#
# Exit status: 0 pass, 1 fail, 77 skip.
set -u

if [ $# -ne 1 ]; then
  echo "usage: $0 SOURCE_ROOT" >&2
  exit 2
fi
src=$1

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pass() {
  echo "ok: $*"
}
for tool in meson ninja readelf python3; do
  command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/greet-subproject.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
parent=$tmp/parent
mkdir -p "$parent/subprojects" || fail "mkdir"
ln -s "$src" "$parent/subprojects/greet" || fail "ln"
# The wrap file of docs/embedding.md, as it is: with subprojects/greet
# present meson uses that directory and never fetches.
awk '/^```ini$/ {p = 1; next} /^```$/ {if (p) exit} p' "$src/docs/embedding.md" \
  >"$parent/subprojects/greet.wrap"
grep -q '^greet = greet_dep$' "$parent/subprojects/greet.wrap" ||
  fail "docs/embedding.md's greet.wrap has no [provide] greet = greet_dep"
cp "$src/tests/install/prog.c" "$parent/app.c" || fail "cp"
cat >"$parent/meson.build" <<'EOF'
project('parent', 'c')
greet = dependency('greet')
executable('app', 'app.c', dependencies: greet, install: true)
if get_option('default_library') != 'shared'
  greet_static = subproject('greet').get_variable('greet_static_dep')
  executable('app-static', 'app.c', dependencies: greet_static, install: true)
endif
EOF

# introspect BUILD KIND: JSON of meson introspect --KIND.
introspect() {
  meson introspect --"$2" "$1"
}

for lib in static shared both; do
  b=$tmp/build-$lib
  meson setup -Ddefault_library=$lib "$b" "$parent" >"$tmp/setup.log" 2>&1 ||
    { cat "$tmp/setup.log" >&2; fail "meson setup -Ddefault_library=$lib"; }
  ninja -C "$b" >"$tmp/ninja.log" 2>&1 || { cat "$tmp/ninja.log" >&2; fail "ninja ($lib)"; }

  # What greet built: the library, as default_library asks, and nothing else.
  built=$(introspect "$b" targets | python3 -c '
import json, sys
print(" ".join(sorted("%s:%s" % (t["type"], t["name"]) for t in json.load(sys.stdin)
                      if t["subproject"] == "greet")))')
  case $lib in
    static) want="static library:greet" ;;
    shared) want="shared library:greet" ;;
    both) want="shared library:greet static library:greet" ;;
  esac
  [ "$built" = "$want" ] || fail "default_library=$lib: greet built '$built', want '$want'"
  tests=$(introspect "$b" tests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  [ "$tests" -eq 0 ] || fail "default_library=$lib: greet brought $tests tests"

  # How the program links it, and that it runs.
  if [ $lib = static ]; then
    readelf -d "$b/app" | grep NEEDED | grep -q libgreet && fail "static: app needs a shared libgreet"
  else
    readelf -d "$b/app" | grep NEEDED | grep -q 'libgreet\.so\.0' || fail "$lib: app does not need libgreet.so.0"
  fi
  out=$("$b/app" Zo%C3%AB) || fail "$lib: app failed: $out"
  [ "$(printf '%s' "$out" | head -n 1)" = "Hello, Zoë!" ] || fail "$lib: app printed '$out'"
  if [ $lib != shared ]; then
    readelf -d "$b/app-static" | grep NEEDED | grep -q libgreet && fail "$lib: app-static needs a shared libgreet"
    "$b/app-static" Bo >/dev/null || fail "$lib: app-static failed"
  fi

  # What meson install would install: the parent's programs only.
  installed=$(introspect "$b" installed | python3 -c '
import json, sys
print(" ".join(sorted(v.rsplit("/", 1)[-1] for v in json.load(sys.stdin).values())))')
  want=app
  [ $lib = shared ] || want="app app-static"
  [ "$installed" = "$want" ] || fail "default_library=$lib: meson install would install '$installed', want '$want'"
  pass "default_library=$lib: greet built $built; installs: $installed; app: $(printf '%s' "$out" | head -n 1)"
done

# The parent asks for greet's install.
b=$tmp/build-install
meson setup -Dgreet:install=enabled "$b" "$parent" >"$tmp/setup.log" 2>&1 ||
  { cat "$tmp/setup.log" >&2; fail "meson setup -Dgreet:install=enabled"; }
installed=$(introspect "$b" installed | python3 -c '
import json, sys
print(" ".join(sorted(v.rsplit("/", 1)[-1] for v in json.load(sys.stdin).values())))')
for f in app libgreet.so.0 greet.h greet-version.h greet.pc greetConfig.cmake; do
  case " $installed " in
    *" $f "*) ;;
    *) fail "greet:install=enabled: $f would not be installed ($installed)" ;;
  esac
done
for f in $installed; do
  case $f in
    *.so|*.so.*) ;;
    greet-server|*.service|*.socket|*.[1-9]) fail "greet:install=enabled installs more than the library: $installed" ;;
  esac
done
pass "greet:install=enabled installs: $installed"
exit 0
