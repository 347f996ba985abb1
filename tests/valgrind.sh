#!/bin/sh
# SPDX-License-Identifier: MIT
# valgrind.sh PROGRAM [ARGS...] - the exe_wrapper of "meson test --setup valgrind".
#
# Criterion runs every Test() in a child process it starts itself, so
# valgrind must follow children (--trace-children=yes), and Criterion 2.4.1
# ignores the exit status of a child whose test passed (Snaipe/Criterion
# issue #137): --error-exitcode only ever reaches the parent.  There is no
# option to keep the tests in one process (--no-early-exit is gone, and
# --debug only adds a debugger server).  So each process writes its own log,
# and this script fails when any log has an error or a definite leak.  The
# test's own stdout (its TAP stream) passes through untouched.
set -u

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind.sh: the valgrind test setup needs valgrind, which is not installed" >&2
  exit 1
fi
# A script (check-exports.sh, install-test.sh) runs none of our code
# itself, only system tools, whose own leaks are not our business: run it
# as it is.
# Nor is a Python interpreter (the integration tests): the greet-server
# it starts is checked by valgrind through GREET_SERVER_WRAPPER instead.
case $(basename "$1") in
  python|python3|python3.*) exec "$@" ;;
esac
case $(head -c 4 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n') in
  7f454c46) ;;                        # "\177ELF"
  *) exec "$@" ;;
esac

logs=$(mktemp -d "${TMPDIR:-/tmp}/greet-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$logs"' EXIT

valgrind --quiet --trace-children=yes --error-exitcode=99 \
  --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --track-origins=yes \
  --log-file="$logs/%p.log" "$@"
rc=$?

bad=0
for log in "$logs"/*.log; do
  [ -s "$log" ] || continue           # --quiet: an empty log is a clean process
  echo "valgrind.sh: $(basename "$log" .log):" >&2
  cat "$log" >&2
  bad=1
done
if [ $bad -ne 0 ] && [ $rc -eq 0 ]; then
  rc=1
fi
exit $rc
