#!/bin/sh
# SPDX-License-Identifier: MIT
# ldconfig.sh LIBDIR: meson install script (not run with DESTDIR).
#
# Refreshes the dynamic loader's cache after an install, so that
# greet-server and programs linked against libgreet.so.0 start without
# LD_LIBRARY_PATH.  Says what to do instead when it cannot: not root, or
# LIBDIR is not in the loader's search path (a private prefix).
libdir=$1

if [ "$(id -u)" -ne 0 ]; then
  echo "greet: not root, ldconfig not run; programs find libgreet.so.0 in $libdir after 'sudo ldconfig' (or with LD_LIBRARY_PATH=$libdir)"
  exit 0
fi
ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
"$ldconfig" || exit 1
if ! "$ldconfig" -p | grep -q "=> $libdir/libgreet\.so\.0\$"; then
  echo "greet: $libdir is not in the dynamic loader's search path; add it to a file in /etc/ld.so.conf.d/ and run ldconfig, or run programs with LD_LIBRARY_PATH=$libdir"
fi
exit 0
