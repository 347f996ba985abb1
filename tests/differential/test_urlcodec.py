#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential test of libgreet's URL encoding and query walk.

    test_urlcodec.py URLCODEC [SEED]

Generates inputs (random byte strings of several shapes, and adversarial
ones built from the characters URL code gets wrong), runs them all through
the urlcodec helper in one go, and compares each answer with
  curl_easy_escape          (the helper's own column)      segment context
  urllib.parse.quote(s, safe='')                            segment context
  urllib.parse.quote(s, safe='/')                           path context
  urllib.parse.quote_plus(s, safe='')                       form context
  urllib.parse.parse_qsl(s, keep_blank_values=True)         the query walk
                                                            (lenient, '+')
  the first value parse_qsl gives for the first key         greet_query_get
TAP on stdout, one line per comparison with its count; the first few
differences are printed as comments.
"""
import itertools
import random
import subprocess
import sys
import urllib.parse


def inputs(seed):
    rnd = random.Random(seed)
    cases = [b""]
    cases += [bytes([b]) for b in range(256)]
    special = b"%+&=;/ ?#~.-_aZ9"
    cases += [bytes(t) for t in itertools.product(special, repeat=3)]
    cases += [b"%zz", b"%%41", b"%4", b"a=%", b"%2541", b"a=b=c", b"&&", b"=",
              b"a+b=c+d", b"%00=%00", b"\x00&\x00=\x00", b"\xc3\xa9=\xff\xfe",
              "Jürgen=José María&lang=pt-BR".encode(), b"%e2%80%a8=%F0%9F%98%80",
              b"%C3%A9+%c3%a9", b"%G0=%0G", b"a=%2", b"k=v%"]
    utf8 = "aé€😀 /+&=%ü\u2028".encode()
    for _ in range(4000):  # any bytes
        cases.append(bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 48))))
    for _ in range(4000):  # query-shaped: names, separators, escapes
        parts = []
        for _ in range(rnd.randrange(0, 8)):
            piece = rnd.choice([b"a", b"lang", b"%41", b"%zz", b"+", b"=", b"&", b"%",
                                b"%2", b"%C3%A9", b"\xc3\xa9", b"x y", b";", b"%26", b"%3D"])
            parts.append(piece)
        cases.append(b"".join(parts))
    for _ in range(2000):  # UTF-8 text, sometimes cut in the middle of a character
        s = bytes(rnd.choice(utf8) for _ in range(rnd.randrange(0, 40)))
        cases.append(s)
    for _ in range(50):  # long ones, for the encoder's word steps and tail
        cases.append(bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(100, 4000))))
    return cases


def unhex(s):
    return bytes.fromhex(s)


def main():
    helper = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    cases = inputs(seed)
    proc = subprocess.run([helper], input="".join(c.hex() + "\n" for c in cases).encode(),
                          stdout=subprocess.PIPE, check=True)
    lines = proc.stdout.decode().split("\n")[:-1]
    checks = {name: [0, []] for name in
              ("curl_easy_escape", "quote(safe='')", "quote(safe='/')",
               "quote_plus(safe='')", "parse_qsl", "first value")}

    def compare(name, case, got, want):
        checks[name][0] += 1
        if got != want:
            checks[name][1].append((case, got, want))

    print("1..%d" % (len(checks) + 1))
    ok = len(lines) == len(cases)
    print("%s 1 - helper answered %d of %d inputs" % ("ok" if ok else "not ok",
                                                      len(lines), len(cases)))
    for case, line in zip(cases, lines):
        seg, form, path, curl, pairs, first = line.split("\t")
        seg, form, path, curl = (unhex(x).decode("ascii") for x in (seg, form, path, curl))
        compare("curl_easy_escape", case, seg, curl)
        compare("quote(safe='')", case, seg, urllib.parse.quote(case, safe=""))
        compare("quote(safe='/')", case, path, urllib.parse.quote(case, safe="/"))
        compare("quote_plus(safe='')", case, form, urllib.parse.quote_plus(case, safe=""))
        got = [] if pairs == "-" else [tuple(unhex(h) for h in p.split("="))
                                       for p in pairs.split(",")]
        want = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in
                urllib.parse.parse_qsl(case.decode("latin-1"), keep_blank_values=True,
                                       encoding="latin-1", errors="strict")]
        compare("parse_qsl", case, got, want)
        if want:
            first_want = next(v for k, v in want if k == want[0][0])
            compare("first value", case, unhex(first), first_want)
        else:
            compare("first value", case, first, "-")
    status = 0
    for n, (name, (count, bad)) in enumerate(checks.items(), start=2):
        print("%s %d - greet == %s on %d inputs (seed %d)" %
              ("ok" if not bad else "not ok", n, name, count, seed))
        for case, got, want in bad[:5]:
            print("#   input %r: greet %r, %s %r" % (case, got, name, want))
        status |= bool(bad)
    return 1 if status or not ok else 0


if __name__ == "__main__":
    sys.exit(main())
