#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A real browser against greet-server's HTML: headless Chromium loads
/greet/<XSS payload> and right-to-left greetings, and the test proves the
payload is shown as text and no script ran.

Usage: test_browser.py PATH/TO/greet-server   (meson passes it; TAP on stdout)

How it proves it, per page, from the DOM Chromium dumps (--dump-dom) once
the page has loaded and scripts had their chance (--virtual-time-budget):

  - every payload, if it ran, marks the document: it sets a data-pwned
    attribute on <html>, or document.title.  No data-pwned anywhere, and a
    <title> still equal to the greeting, means none of them ran;
  - the elements are exactly the page's own (html, head, meta, meta,
    title, style, body, main, p): the payload added no <img>, <script>
    or <svg>, so it was not parsed as markup;
  - the text of <title> and <p> is the greeting with the payload in it,
    character for character: it is shown literally.

Two controls run first, on data: URLs: the same payloads in a page that
does not escape them must be caught (data-pwned set), so a browser that
had scripts off, or dumped the DOM too early, cannot pass by accident.
greet-server's page also has a Content-Security-Policy that forbids
every script; the element check is what fails if escaping breaks even
while that header still stops the script.

Chromium runs with a fresh profile in a temporary directory, no
background networking, DNS for nothing but 127.0.0.1, a timeout on every
run, and in its own process group, which is killed afterwards (by its
id).  A screenshot of each page is kept in the build directory
(tests/integration/browser/), its path printed.  Without Chromium the
test is skipped (TAP "1..0 # SKIP").
"""

import html.parser
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402
from greettest import TAP, Server, sanitizer_report  # noqa: E402

RUN_TIMEOUT = 60
FSI, PDI = "\u2068", "\u2069"
PAGE_HEAD = ["html", "head", "meta", "meta", "title", "style", "body", "main", "p"]


def page_tags(srv):
    """The page's elements: the greeting, then a link to it in every
    language of the catalogue."""
    _, _, body = srv.request("GET", "/languages", {"Accept": "application/json"})
    return PAGE_HEAD + ["nav"] + ["a"] * len(json.loads(body))

MARK = "document.documentElement.setAttribute('data-pwned','%s')"
PAYLOADS = [
    ("img onerror", "<img src=x onerror=\"%s\">" % (MARK % "img")),
    ("script", "<script>%s</script>" % (MARK % "script")),
    ("svg onload", "<svg onload=\"%s\"></svg>" % (MARK % "svg")),
    ("attribute breakout", "\"'><img src=x onerror=%s>" % (MARK % "attr").replace(" ", "")),
    ("title breakout", "</title><script>document.title='pwned'</script><title>"),
]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Dom(html.parser.HTMLParser):
    """Elements, attributes and text of the dumped DOM."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text, self.stack = [], [], {}, []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))
        if tag != "meta":
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.text[self.stack[-1]] = self.text.get(self.stack[-1], "") + data

    def pwned(self):
        return [(tag, a) for tag, a in self.attrs if "data-pwned" in a]

    def html_attrs(self):
        return next((a for tag, a in self.attrs if tag == "html"), {})


class Chromium:
    def __init__(self, path, tmp):
        self.path = path
        self.tmp = tmp
        self.runs = 0

    def load(self, url, screenshot):
        """(DOM text, stderr) of url after it loaded; a screenshot to the
        path given.  Raises on a timeout, after killing the browser."""
        self.runs += 1
        profile = tempfile.mkdtemp(prefix="profile-", dir=self.tmp)
        argv = [self.path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps",
                "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                "--no-pings", "--no-default-browser-check", "--mute-audio",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--user-data-dir=" + profile, "--window-size=900,500",
                "--virtual-time-budget=2000", "--screenshot=" + screenshot, "--dump-dom", url]
        env = dict(os.environ, HOME=self.tmp, DBUS_SESSION_BUS_ADDRESS="disabled:")
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             cwd=self.tmp, start_new_session=True)
        try:
            out, err = p.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._kill(p.pid)
            p.communicate()
            raise RuntimeError("chromium took longer than %d s on %s" % (RUN_TIMEOUT, url))
        finally:
            self._kill(p.pid)
            shutil.rmtree(profile, ignore_errors=True)
        return out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")

    @staticmethod
    def _kill(pgid):
        """Whatever is left of the process group started for one run."""
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def png_size(path):
    """(width, height) of a PNG file, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def artifacts_dir():
    build = os.path.dirname(os.path.dirname(os.path.abspath(greettest.server_binary())))
    path = os.path.join(build, "tests", "integration", "browser")
    os.makedirs(path, exist_ok=True)
    return path


def controls(t, chrome, out):
    """The detector itself: unescaped payloads in a data: page must be caught."""
    for label, payload in PAYLOADS[:3]:
        url = "data:text/html;charset=utf-8," + urllib.parse.quote("<title>t</title><p>" + payload)
        dom, err = chrome.load(url, os.path.join(out, "control-%s.png" % label.split()[0]))
        t.ok(Dom(dom).pwned(), "control: an unescaped %s payload runs and is caught" % label,
             dom[:400] + "\n" + err[-400:])
    url = "data:text/html;charset=utf-8," + urllib.parse.quote("<title>t</title><p>" + PAYLOADS[4][1])
    dom, err = chrome.load(url, os.path.join(out, "control-title.png"))
    t.eq(Dom(dom).text.get("title"), "pwned", "control: an unescaped title payload runs and is caught")


def check_page(t, name, dom, want_text, want_html_attrs, shot, tags):
    d = Dom(dom)
    t.eq(d.pwned(), [], "%s: no script ran (no data-pwned)" % name)
    t.eq(d.tags, tags, "%s: no element injected" % name)
    t.eq(d.text.get("title"), want_text, "%s: the title is the greeting, unchanged" % name)
    t.eq(d.text.get("p"), want_text, "%s: the greeting is shown literally" % name)
    t.eq(d.html_attrs(), want_html_attrs, "%s: <html> attributes" % name)
    size = png_size(shot)
    t.ok(size is not None and size[0] >= 100 and size[1] >= 100,
         "%s: screenshot %s" % (name, shot), repr(size))
    print("# screenshot: %s" % shot)


def payloads(t, chrome, srv, out):
    base = "http://127.0.0.1:%d" % srv.port
    tags = page_tags(srv)
    for i, (label, payload) in enumerate(PAYLOADS):
        url = base + "/greet/" + urllib.parse.quote(payload, safe="")
        shot = os.path.join(out, "xss-%d.png" % i)
        dom, err = chrome.load(url, shot)
        check_page(t, "XSS " + label, dom, "Hello, %s!" % payload, {"lang": "en", "dir": "ltr"}, shot, tags)
    # the same payload, in a right-to-left page
    label, payload = PAYLOADS[0]
    url = base + "/greet/" + urllib.parse.quote(payload, safe="") + "?lang=he"
    shot = os.path.join(out, "xss-he.png")
    dom, err = chrome.load(url, shot)
    check_page(t, "XSS in Hebrew", dom, "שלום, %s%s%s!" % (FSI, payload, PDI),
               {"lang": "he", "dir": "rtl"}, shot, tags)


def right_to_left(t, chrome, srv, out):
    base = "http://127.0.0.1:%d" % srv.port
    tags = page_tags(srv)
    for label, name, query, want in [
        ("Arabic name in Arabic", "عائشة", "?lang=ar", "مرحبًا، %sعائشة%s!" % (FSI, PDI)),
        ("Latin name with digits in Arabic", "Ana (2)", "?lang=ar", "مرحبًا، %sAna (2)%s!" % (FSI, PDI)),
    ]:
        shot = os.path.join(out, "rtl-%s.png" % ("ar" if name == "عائشة" else "latin"))
        dom, err = chrome.load(base + "/greet/" + urllib.parse.quote(name, safe="") + query, shot)
        check_page(t, label, dom, want, {"lang": "ar", "dir": "rtl"}, shot, tags)


def main():
    greettest.server_binary()         # usage check
    chromium = find_chromium()
    if chromium is None:
        print("1..0 # SKIP chromium not installed (Debian: apt-get install chromium)")
        return 0
    t = TAP()
    out = artifacts_dir()
    with tempfile.TemporaryDirectory(prefix="greet-browser-") as tmp:
        chrome = Chromium(chromium, tmp)
        t.run(lambda t: controls(t, chrome, out), "controls")
        env = {"GREET_TEMPLATE": None, "GREET_DEFAULT_LANG": None}
        srv = Server(args=["--access-log=no"], env=env)
        try:
            t.run(lambda t: payloads(t, chrome, srv, out), "payloads")
            t.run(lambda t: right_to_left(t, chrome, srv, out), "right_to_left")
        finally:
            status = srv.stop()
            report = sanitizer_report(srv.stderr_text())
            t.ok(status == 0 and not report, "greet-server: exit status 0 and a clean stderr",
                 "status %r\n%s" % (status, "\n".join(report)[:4000]))
        print("# %d Chromium runs (%s), screenshots in %s" % (chrome.runs, chromium, out))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
