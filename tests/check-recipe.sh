#!/bin/sh
# SPDX-License-Identifier: MIT
# check-recipe.sh SOURCE_ROOT: the install recipe of docs/operations.md
# (its "meson setup ... --prefix=/usr" line) does what it says when run
# after the README's quick start has configured "build": the directory it
# installs from has prefix /usr.  Runs in a scratch tree of symbolic links
# to the sources, so the real tree is not touched; only configures.
# Exit status 0 pass, 1 fail.
set -u
src=$1
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
recipe=$(sed -n 's/^    \(meson setup .*--prefix=\/usr.*\)$/\1/p' "$src/docs/operations.md" | head -n 1)
[ -n "$recipe" ] || fail "docs/operations.md has no 'meson setup ... --prefix=/usr' line"
echo "recipe: $recipe"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/greet-recipe.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tree"
for f in "$src"/* "$src"/.[!.]*; do
  case $(basename "$f") in build* | .git) continue ;; esac
  ln -s "$f" "$tmp/tree/" || fail "ln -s $f"
done
cd "$tmp/tree" || fail "cd"
meson setup build >setup.log 2>&1 || { cat setup.log >&2; fail "the README's meson setup build"; }
# The configure part of the recipe (up to the install), as written.
setup=$(printf '%s' "$recipe" | sed 's/ *&&.*//')
sh -c "$setup" >recipe.log 2>&1 || { cat recipe.log >&2; fail "$setup"; }
dir=$(printf '%s' "$setup" | awk '{print $3}')
prefix=$(meson introspect --buildoptions "$dir" |
  python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
[ "$prefix" = /usr ] || { cat recipe.log >&2; fail "after '$setup' the prefix of $dir is $prefix"; }
echo "ok: '$setup' after 'meson setup build' gives $dir with prefix $prefix"
