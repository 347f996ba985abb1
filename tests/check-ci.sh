#!/bin/sh
# SPDX-License-Identifier: MIT
# check-ci.sh SOURCE_ROOT: the README's test command sets up what the
# suites need before running them, and .ci/run runs exactly that command.
#   - README.md's test command (the indented line with tests/run-all.sh)
#     first runs .ci/deps, the one script that installs the packages;
#   - .ci/run's command is the same line;
#   - .ci/deps installs every package the README's quick start installs.
# Exit status 0 pass, 1 fail.
set -u
src=$1
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
readme=$(sed -n 's/^    \(.*tests\/run-all\.sh\)$/\1/p' "$src/README.md" | head -n 1)
[ -n "$readme" ] || fail "README.md shows no command ending in tests/run-all.sh"
case $readme in
  .ci/deps*) ;;
  *) fail "README's test command '$readme' does not first install what the suites need (.ci/deps)" ;;
esac
ci=$(grep -v '^[[:space:]]*#' "$src/.ci/run" | grep 'tests/run-all\.sh' | sed 's/^[[:space:]]*//')
[ "$ci" = "$readme" ] || fail ".ci/run runs '$ci', the README says '$readme'"
[ -x "$src/.ci/deps" ] || fail ".ci/deps is not an executable script"
quick=$(sed -n 's/.*apt-get install -y \([a-z0-9 .+-]*\) && meson setup.*/\1/p' "$src/README.md" | head -n 1)
[ -n "$quick" ] || fail "README.md's quick start has no apt-get install line"
for pkg in $quick; do
  grep -Eq "(^|[[:space:]])$pkg([[:space:]]|\$)" "$src/.ci/deps" || fail ".ci/deps does not install $pkg (the quick start does)"
done
echo "ok: README and .ci/run: '$readme'; .ci/deps has the quick start's packages: $quick"
