#!/bin/sh
# SPDX-License-Identifier: MIT
# Prints one fact of the build for vcs_tag (bin/meson.build), or fails
# so that vcs_tag writes "unknown":
#   build-info.sh SRCDIR commit   the git commit of SRCDIR
#   build-info.sh SRCDIR date     SOURCE_DATE_EPOCH as UTC, else the
#                                 commit's date: never the clock's, so a
#                                 rebuild of the same source is identical
# Only SRCDIR's own repository counts: a source tree unpacked inside
# another repository (a subproject, a distribution's packaging) has no
# commit of its own.
cd "$1" || exit 1
top=$(git rev-parse --show-toplevel 2>/dev/null) &&
  [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ] || top=
case $2 in
commit)
  [ -n "$top" ] && git rev-parse HEAD ;;
date)
  if [ -n "$SOURCE_DATE_EPOCH" ]; then
    date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ
  else
    [ -n "$top" ] && TZ=UTC0 git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ
  fi ;;
*)
  exit 2 ;;
esac
