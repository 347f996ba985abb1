#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""greet-server's command line against a careless operator (issue 13,
item 11): a separated value that starts with "--" is refused with a
message that shows the --NAME=VALUE form, for every option that takes a
value (read from --help, so a new option is covered without editing
this file), while --NAME=--VALUE is still taken as given.

    test_options.py GREET_SERVER
About 3 s.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402
from greettest import TAP  # noqa: E402


def value_options(binary):
    """[(name, metavar)] of the options --help lists as --NAME=VALUE."""
    out = greettest.run_server([binary, "--help"], text=True).stdout
    return re.findall(r"^\s+--([a-z-]+)=(\S+)", out, re.M)


def main():
    binary = greettest.server_binary()
    t = TAP()
    opts = value_options(binary)
    t.ok(len(opts) >= 10, "--help lists the options that take a value", repr(opts))
    # 192.0.2.1 (TEST-NET-1) is on no interface: a server that wrongly
    # took "--port=0" as the value stops at once, unable to listen
    for name, _ in opts:
        r = greettest.run_server([binary, "--" + name, "--port=0", "--bind=192.0.2.1"], text=True,
                                 timeout=10)
        t.ok(r.returncode == 2 and ("--%s=" % name) in r.stderr.replace("--port=0", ""),
             "--%s --port=0: refused (exit 2), the message shows --%s=..." % (name, name),
             "exit %r: %s%s" % (r.returncode, r.stderr[-300:], r.stdout[-300:]))
    # the = form still takes a value that starts with "--" when it is meant
    r = greettest.run_server([binary, "--template=--{name}--", "--port=70000"], text=True)
    t.ok(r.returncode == 2 and "--port" in r.stderr and "template" not in r.stderr,
         "--template=--{name}-- is a template (the error is --port's)", r.stderr[-300:])
    sys.exit(t.done())


if __name__ == "__main__":
    main()
