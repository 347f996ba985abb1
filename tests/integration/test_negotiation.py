#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""greet-server's negotiation over real sockets: languages (?lang=,
Accept-Language, --default-lang, --template), representations (Accept:
text, JSON, HTML, 406), Content-Language and Vary, /languages, and the
options' checks at start.

Usage: test_negotiation.py PATH/TO/greet-server   (meson passes it; TAP on stdout)

Every server started here must stop with exit status 0 and nothing from
the sanitizers on its stderr, so the script also checks an ASan build.
"""

import html
import html.parser
import json
import os
import random
import re
import shutil
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import greettest  # noqa: E402
from greettest import TAP, Server, sanitizer_report  # noqa: E402

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
HTML = "text/html; charset=utf-8"
VARY = "Accept, Accept-Language"
FSI, PDI = "\u2068", "\u2069"
RTL = {"ar", "he"}
CLEAN_ENV = {name: None for name in (
    "PORT", "GREET_PORT", "GREET_BIND", "GREET_TEMPLATE", "GREET_DEFAULT_LANG",
    "GREET_MAX_NAME_LENGTH", "GREET_ACCESS_LOG", "GREET_LOG_FORMAT")}

# The catalogue's greetings (lib/catalogue.c); a language the server
# lists that is missing here is still checked for consistency.
GREETINGS = {
    'ar': 'مرحبًا، {name}!',
    'ca': 'Hola, {name}!',
    'cs': 'Ahoj, {name}!',
    'de': 'Hallo, {name}!',
    'el': 'Γεια σου, {name}!',
    'en': 'Hello, {name}!',
    'es': '¡Hola, {name}!',
    'fr': 'Bonjour, {name}\u202f!',
    'fr-CA': 'Bonjour, {name}!',
    'he': 'שלום, {name}!',
    'hi': 'नमस्ते, {name}!',
    'id': 'Halo, {name}!',
    'it': 'Ciao, {name}!',
    'ja': 'こんにちは、{name}さん！',
    'ko': '안녕하세요, {name}님!',
    'nb': 'Hei, {name}!',
    'nl': 'Hallo {name}!',
    'nn': 'Hei, {name}!',
    'no': 'Hei, {name}!',
    'pl': 'Cześć, {name}!',
    'pt': 'Olá, {name}!',
    'ro': 'Bună, {name}!',
    'ru': 'Здравствуйте, {name}!',
    'sv': 'Hej {name}!',
    'sw': 'Habari, {name}!',
    'tr': 'Merhaba {name}!',
    'uk': 'Вітаю, {name}!',
    'vi': 'Xin chào {name}!',
    'zh': '你好，{name}！',
}


def greeting(tag, name):
    if tag in RTL:
        name = FSI + name + PDI
    return GREETINGS[tag].replace("{name}", name)


def q(s):
    """Percent-encodes a name for one path segment (every reserved byte)."""
    return urllib.parse.quote(s, safe="")


def start(*args, **env):
    e = dict(CLEAN_ENV)
    e.update(env)
    return Server(args=args, env=e)


def stop_clean(t, srv, name):
    status = srv.stop()
    report = sanitizer_report(srv.stderr_text())
    t.ok(status == 0 and not report, "%s: exit status 0 and a clean stderr" % name,
         "status %r\n%s" % (status, "\n".join(report)[:4000]))


def get(srv, target, accept=None, lang=None, method="GET"):
    headers = {}
    if accept is not None:
        headers["Accept"] = accept
    if lang is not None:
        headers["Accept-Language"] = lang
    status, h, body = srv.request(method, target, headers)
    return status, h, body


class Page(html.parser.HTMLParser):
    """The elements, attributes and text of an HTML document."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text, self.stack = [], {}, {}, []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.setdefault(tag, dict(attrs))
        if tag not in ("meta",):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.text[self.stack[-1]] = self.text.get(self.stack[-1], "") + data


PAGE_HEAD = ["html", "head", "meta", "meta", "title", "style", "body", "main", "p"]


def page_tags(srv):
    """The greeting page's elements: the page, then a link to the greeting
    in every language of the catalogue."""
    return PAGE_HEAD + ["nav"] + ["a"] * len(json.loads(get(srv, "/languages", accept=JSON)[2]))


def links(text):
    """Every href of an HTML page, with its hreflang."""
    class Links(html.parser.HTMLParser):
        found = []

        def handle_starttag(self, tag, attrs):
            if tag == "a":
                self.found.append((dict(attrs)["href"], dict(attrs).get("hreflang")))
    p = Links()
    p.found = []
    p.feed(text)
    return p.found


def every_language(t, srv):
    status, h, body = get(srv, "/languages", accept=JSON)
    langs = json.loads(body)
    tags = [x["tag"] for x in langs]
    t.ok(len(tags) >= 20, "/languages lists %d languages" % len(tags))
    t.eq(sorted(set(GREETINGS) - set(tags)), [], "every language of this test is served")
    name = "Zoë"
    for tag in tags:
        want = greeting(tag, name) if tag in GREETINGS else None
        by_query = get(srv, "/greet/%s?lang=%s" % (q(name), tag))
        by_header = get(srv, "/greet/%s" % q(name), lang=tag)
        lower = get(srv, "/greet/%s" % q(name), lang=tag.lower() + ";q=0.9, xx")
        as_json = get(srv, "/greet/%s?lang=%s" % (q(name), tag), accept=JSON)
        as_html = get(srv, "/greet/%s" % q(name), accept="text/html", lang=tag)
        problems = []
        for what, (status, h, body) in (("?lang", by_query), ("Accept-Language", by_header),
                                       ("lower case", lower)):
            if (status, h.get("content-language"), h.get("vary"), h.get("content-type")) != \
                    (200, tag, VARY, TEXT):
                problems.append("%s: %r %r" % (what, status, h))
            if want is not None and body.decode() != want:
                problems.append("%s: body %r, want %r" % (what, body.decode(), want))
        if by_query[2] != by_header[2]:
            problems.append("?lang and Accept-Language differ")
        doc = json.loads(as_json[2])
        if doc != {"greeting": by_query[2].decode(), "name": name, "lang": tag} or \
                as_json[1].get("content-language") != tag:
            problems.append("JSON: %r" % doc)
        page = Page(as_html[2].decode())
        if page.attrs["html"] != {"lang": tag, "dir": "rtl" if tag in RTL else "ltr"} or \
                page.text.get("title") != by_query[2].decode() or \
                page.text.get("p") != by_query[2].decode():
            problems.append("HTML: %r %r" % (page.attrs.get("html"), page.text))
        t.eq(problems, [], "%s: ?lang, Accept-Language, JSON and HTML agree%s" %
             (tag, "" if want is None else " on %r" % want))


def fallbacks(t, srv):
    rows = [
        # (query, Accept-Language, want tag)
        ("lang=pt-BR", None, "pt"),
        ("lang=fr-CH", None, "fr"),
        ("lang=zh-Hant-TW", None, "zh"),
        ("lang=en-GB", None, "en"),
        ("lang=FR-ca", None, "fr-CA"),
        ("lang=xx", None, "en"),
        ("lang=", None, "en"),
        ("lang", None, "en"),
        ("lang=*", None, "en"),
        ("lang=%zz", None, "en"),
        ("lang=fr%00", None, "en"),
        ("lang=" + "a" * 200, None, "en"),
        (None, "pt-BR", "pt"),
        (None, "fr-CH, de;q=0.5", "fr"),
        (None, "xx", "en"),
        (None, "xx, de;q=0.5", "de"),
        (None, "*", "en"),
        (None, "en;q=0, *", "ar"),
        (None, "de;q=0.1, es;q=0.9", "es"),
        (None, "garbage;;;, ,", "en"),
        (None, "", "en"),
        # the query wins; an unusable one leaves the choice to the header
        ("lang=de", "fr", "de"),
        ("lang=xx", "fr", "fr"),
        ("lang=%zz", "ja", "ja"),
        # the value is percent-decoded exactly once, by greet-server
        ("lang=%66r", None, "fr"),
        ("lang=fr%2DCA", None, "fr-CA"),
        ("lang=%2566r", None, "en"),
        ("lang=fr-CA+", None, "en"),
        # the first lang wins; other parameters do not matter
        ("lang=fr&lang=de", None, "fr"),
        ("x=1&lang=es&y=%zz", None, "es"),
        ("LANG=es", None, "en"),
    ]
    for query, al, want in rows:
        target = "/greet/Ana" + ("?" + query if query is not None else "")
        status, h, body = get(srv, target, lang=al)
        t.eq((status, h.get("content-language"), body.decode()), (200, want, greeting(want, "Ana")),
             "%s%s: %s" % (target, " with Accept-Language %r" % al if al is not None else "", want))


def headers(t, srv):
    for target, accept, want_vary, want_lang in [
        ("/greet/John", None, VARY, "en"),
        ("/greet/John", "application/json", VARY, "en"),
        ("/greet/John", "text/html", VARY, "en"),
        ("/greet/John", "image/png", VARY, None),
        ("/greet/%zz", None, None, None),
        ("/greet/%zz", "image/png", None, None),
        ("/greet/%FF", "application/json", None, None),
        ("/nope", "application/json", None, None),
        ("/greet/" + "a" * 2000, "text/html", None, None),
    ]:
        for method in ("GET", "HEAD"):
            status, h, _ = get(srv, target, accept=accept, lang="fr;q=0.1, en", method=method)
            t.eq((h.get("vary"), h.get("content-language")), (want_vary, want_lang),
                 "%s %s (Accept %s): %d, Vary %s, Content-Language %s" %
                 (method, target[:40], accept, status, want_vary, want_lang))
    status, h, _ = get(srv, "/greet/John", method="OPTIONS")
    t.eq((status, h.get("vary")), (200, None), "OPTIONS /greet/John: not negotiated")
    status, h, _ = get(srv, "/greet/John")
    t.eq(h.get("content-security-policy"), None, "no CSP on text")
    status, h, _ = get(srv, "/greet/John", accept="text/html")
    csp = h.get("content-security-policy", "")
    t.ok("default-src 'none'" in csp and "script-src" not in csp and "unsafe-eval" not in csp,
         "HTML: a strict Content-Security-Policy", csp)
    t.eq(h.get("x-content-type-options"), "nosniff", "HTML: nosniff")


HOSTILE = [
    '"', "\\", '"\\"', "\\u0041", '","lang":"xx', "</script><script>alert(1)</script>",
    "\u2028", "\u2029", "a\u2028b\u2029c", "\ufeffBOM", "\u200d\u200c", "😀👩‍👩‍👧",
    "عائشة", "שָׁלוֹם", "\u202eevil", "{name}", "%s%n%x", "'", "null", "}", "[",
    '"' * 1024, "\\" * 1024, "é" * 512,
]


def json_names(t, srv):
    for name in HOSTILE:
        for tag in ("en", "ar", "fr"):
            status, h, body = get(srv, "/greet/%s?lang=%s" % (q(name), tag), accept=JSON)
            try:
                doc = json.loads(body.decode("utf-8"))
                good = (status == 200 and h.get("content-type") == JSON and doc["name"] == name and
                        doc["lang"] == tag and doc["greeting"] == greeting(tag, name) and
                        set(doc) == {"greeting", "name", "lang"})
                detail = repr(doc)[:300]
            except (ValueError, KeyError) as e:
                good, detail = False, "%r: %r" % (e, body[:300])
            t.ok(good, "JSON for %r in %s is valid and round-trips" % (name[:24], tag), detail)
        if "\u2028" in name:
            t.ok(b"\\u2028" in body and "\u2028".encode() not in body,
                 "U+2028 is escaped (valid JavaScript too)", body[:200])
    for raw in ("%0A", "%00", "%1F", "%7F", "%C2%85", "a%0Db", "%09"):
        status, h, body = get(srv, "/greet/%s" % raw, accept=JSON)
        t.eq((status, h.get("content-type")), (400, TEXT), "control %s in a name: 400 text, JSON or not" % raw)


def html_escaping(t, srv):
    tags = page_tags(srv)
    for name in ["<script>alert(1)</script>", '"', "'", "&", "&amp;", "<b>&'\"</b>",
                 "<img src=x onerror=alert(1)>", "</title><script>x</script>", "</p></main>"]:
        status, h, body = get(srv, "/greet/%s" % q(name), accept="text/html")
        text = body.decode()
        page = Page(text)
        want = greeting("en", name)
        t.ok(status == 200 and h.get("content-type") == HTML and page.tags == tags and
             page.text.get("title") == want and page.text.get("p") == want and
             html.escape(want, quote=True).replace("&#x27;", "&#39;") in text,
             "HTML for %r: shown as text, no element added" % name,
             "%r\n%r\n%s" % (page.tags, page.text, text[-300:]))
    status, h, body = get(srv, "/greet/%s" % q("<script>&\"'"), accept="text/html")
    t.ok("&lt;script&gt;&amp;&quot;&#39;" in body.decode() and "<script>" not in body.decode(),
         "<, >, &, \" and ' are all escaped", body[-200:])
    text = body.decode()
    t.ok(text.startswith("<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">") and
         '<meta charset="utf-8">' in text and text.endswith("</html>\n"),
         "an HTML5 page with lang, dir and charset")


def not_acceptable(t, srv):
    for accept in ["image/png", "text/plain;q=0, */*;q=0", "*/*;q=0", "text/csv, application/xml",
                   "text/plain;charset=iso-8859-1", "application/json;q=0, text/*;q=0"]:
        for method in ("GET", "HEAD"):
            status, h, body = get(srv, "/greet/John", accept=accept, method=method)
            t.ok(status == 406 and h.get("content-type") == TEXT and
                 (method == "HEAD" or b"text/plain, application/json or text/html" in body),
                 "%s Accept: %s: 406 naming what is available" % (method, accept), "%r %r" % (status, body))
    for accept, want in [("image/png, */*;q=0.1", TEXT), ("application/json;q=0.5, text/html;q=0.6", HTML),
                         ("text/*", TEXT), ("application/*", JSON), ("garbage", TEXT),
                         ("text/plain;q=0, */*", JSON), (greettest_browser_accept(), HTML)]:
        status, h, _ = get(srv, "/greet/John", accept=accept)
        t.eq((status, h.get("content-type")), (200, want), "Accept: %s: %s" % (accept[:50], want))
    status, h, body = get(srv, "/languages", accept="image/png")
    t.eq((status, h.get("vary")), (406, "Accept"), "/languages, Accept: image/png: 406")


def greettest_browser_accept():
    return ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")


def languages(t, srv):
    status, h, body = get(srv, "/languages", accept="application/json")
    langs = json.loads(body)
    t.eq((status, h.get("content-type"), h.get("cache-control"), h.get("vary")),
         (200, JSON, "public, max-age=86400", "Accept"), "/languages as JSON: headers")
    t.ok(all(set(x) == {"tag", "name", "dir", "href"} and x["dir"] in ("ltr", "rtl") for x in langs),
         "/languages: {tag, name, dir, href} objects")
    t.eq(sorted(x["tag"] for x in langs if x["dir"] == "rtl"), ["ar", "he"], "rtl: ar and he")
    t.eq([x["tag"] for x in langs], sorted(x["tag"] for x in langs), "in tag order")
    t.ok({"tag": "de", "name": "Deutsch", "dir": "ltr", "href": "/greet/World?lang=de"} in langs,
         "de is Deutsch, linked as /greet/World?lang=de")
    status, h, body = get(srv, "/languages")
    lines, text_len = body.decode().splitlines(), len(body)
    t.eq((status, h.get("content-type"), h.get("cache-control")), (200, TEXT, "public, max-age=86400"),
         "/languages as text: headers")
    t.eq(lines, ["%s\t%s\t%s" % (x["tag"], x["name"], x["dir"]) for x in langs],
         "text: one 'tag TAB name TAB dir' line per language, as the JSON")
    status, h, body = get(srv, "/languages", accept="application/json;q=0.5, text/plain;q=0.4")
    t.eq(h.get("content-type"), JSON, "/languages: JSON when preferred")
    status, h, body = get(srv, "/languages", method="HEAD")
    t.eq((status, body, h.get("content-length")), (200, b"", str(text_len)), "HEAD /languages")
    status, h, body = get(srv, "/languages", method="POST")
    t.eq((status, h.get("allow")), (405, "GET, HEAD"), "POST /languages: 405")


def link_names(n=40, seed=16):
    """Names a link must carry intact: every reserved character of a URL,
    '+', '%', spaces, right-to-left and other UTF-8, and random ones."""
    rnd = random.Random(seed)
    names = ["World", "a/b?c&d=e f+g#h%;i", "%zz", "René", "سلمى", "<b>\"'&amp;", "..", "~-._", "日本"]
    alphabet = [chr(c) for c in range(0x20, 0x7f)] + ["é", "ß", "€", "😀", "\u202e", "\u00a0"]
    while len(names) < n:
        names.append("".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 30))))
    return names


def check_links(t, found, name, tags, what):
    """Each href is /greet/<name>?lang=<tag> as Python's urllib builds it
    (quote(name, safe=''), then the tag as a form value), parse_qsl reads
    it back, and the tags are the catalogue's, each once."""
    want = ["/greet/%s?%s" % (urllib.parse.quote(name, safe=""), urllib.parse.urlencode({"lang": tag}))
            for tag in tags]
    hrefs = [h for h, _ in found]
    t.eq(hrefs, want, "%s for %r: links as urllib builds them" % (what, name))
    t.ok(all(urllib.parse.unquote(urllib.parse.urlsplit(h).path[len("/greet/"):], errors="strict") == name
             and urllib.parse.parse_qsl(urllib.parse.urlsplit(h).query, strict_parsing=True) == [("lang", tag)]
             for h, tag in zip(hrefs, tags)), "%s for %r: urllib decodes them back" % (what, name))


def language_links(t, srv):
    """The HTML greeting and /languages (HTML and JSON) link each language
    as /greet/<name>?lang=<tag>, differentially against Python's urllib; a
    link followed is that greeting."""
    langs = json.loads(get(srv, "/languages", accept=JSON)[2])
    tags = [x["tag"] for x in langs]
    for i, name in enumerate(link_names()):
        status, h, body = get(srv, "/greet/%s" % urllib.parse.quote(name, safe=""), accept="text/html")
        t.eq(status, 200, "GET /greet/%r as HTML" % name)
        found = links(body.decode())
        check_links(t, found, name, tags, "the greeting page")
        t.ok(all(tag == hl for (_, hl), tag in zip(found, tags)), "hreflang is each link's tag")
        query = urllib.parse.urlencode({"x": "1", "name": name})
        status, h, body = get(srv, "/languages?" + query, accept=JSON)
        t.eq(status, 200, "GET /languages?%s as JSON" % query[:60])
        check_links(t, [(x["href"], x["tag"]) for x in json.loads(body)], name, tags, "/languages as JSON")
        status, h, body = get(srv, "/languages?" + query, accept="text/html")
        t.eq((status, h.get("content-type")), (200, HTML), "GET /languages?%s as HTML" % query[:60])
        check_links(t, links(body.decode()), name, tags, "/languages as HTML")
        if i < 3:
            for href, tag in links(body.decode()):
                status, h, body2 = get(srv, href)
                t.ok(status == 200 and h.get("content-language") == tag and
                     body2.decode() == greeting(tag, name) if tag in GREETINGS else status == 200,
                     "following %s: the greeting in %s" % (href[:60], tag))
    status, h, body = get(srv, "/languages?name=%FF", accept=JSON)
    t.eq((status, h.get("content-type")), (400, TEXT), "/languages?name=%FF: 400")


def query_walk(t, srv):
    """lang as browsers and urllib.parse read a query: keys decoded, the
    first one wins, '&' separates (not ';'), '+' is a space; a bad escape
    or a control elsewhere hides nothing; long and huge queries."""
    tags = [x["tag"] for x in json.loads(get(srv, "/languages", accept=JSON)[2])]
    filler = "&".join("k%d=%s" % (i, "v" * 8) for i in range(200))
    for query, want in [
            ("lang=fr", "fr"), ("l%61ng=fr", "fr"), ("%6C%61%6E%67=de", "de"), ("LANG=fr", "en"),
            ("lang=xx&lang=fr", "en"), ("lang=de&lang=fr", "de"), ("x=1;lang=fr", "en"),
            ("x=%zz&lang=fr", "fr"), ("x=%00&lang=fr", "fr"), ("lang=pt+BR", "en"),
            ("lang=f%72", "fr"), ("lang=%zz", "en"), ("lang=fr%00", "en"), ("&&&lang=fr&&", "fr"),
            ("lang=" + "f" * 5000, "en"), (filler + "&lang=de", "de"), ("a" + "&a" * 1500 + "&lang=fr", "fr"),
            ("x=" + "%41" * 1500 + "&lang=ja", "ja")]:
        status, h, body = get(srv, "/greet/Ana?" + query)
        t.eq((status, h.get("content-language")), (200, want),
             "?%s%s (%d bytes): %s" % (query[:40], "..." if len(query) > 40 else "", len(query), want))
        first = next((v for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if k == "lang"), None)
        t.eq(first if first in tags else "en", want, "urllib's parse_qsl finds the same lang in ?%s" % query[:40])


def issue_example(t, srv):
    want = {"greeting": "Bonjour, Zoë\u202f!", "name": "Zoë", "lang": "fr"}
    status, h, body = get(srv, "/greet/Zo%C3%AB", accept="application/json", lang="fr-CH, de;q=0.5")
    t.eq((status, json.loads(body)), (200, want), "the issue's request: French, as JSON")
    curl = shutil.which("curl")
    if curl is None:
        t.skip("the issue's curl command", "curl not installed")
        return
    out = subprocess.run([curl, "-sS", "--max-time", "10", "-H", "Accept: application/json",
                          "-H", "Accept-Language: fr-CH, de;q=0.5",
                          "http://127.0.0.1:%d/greet/Zo%%C3%%AB" % srv.port],
                         capture_output=True, timeout=20)
    try:
        doc = json.loads(out.stdout)
    except ValueError:
        doc = out.stdout
    t.eq(doc, want, "curl -H 'Accept: application/json' -H 'Accept-Language: fr-CH, de;q=0.5' "
                    "/greet/Zo%C3%AB")


def large(t):
    """An HTML or JSON answer larger than the stack buffer (16 KiB) is
    routed again into one of its size."""
    with start("--max-name-length", "16384", "--connection-memory", "1048576") as srv:
        name = '"' * 16000
        status, h, body = get(srv, "/greet/%s" % q(name), accept="text/html")
        page = Page(body.decode())
        t.ok(status == 200 and len(body) > 190000 and page.text.get("p") == greeting("en", name),
             "HTML for 16000 quotes: %d bytes, whole" % len(body))
        status, h, body = get(srv, "/greet/%s?lang=ar" % q("\u2028" * 5000), accept=JSON)
        t.ok(status == 200 and json.loads(body)["name"] == "\u2028" * 5000,
             "JSON for 5000 U+2028: %d bytes, valid" % len(body))
        stop_clean(t, srv, "--max-name-length 16384")


def counted_and_logged(t, srv):
    status, _, body = get(srv, "/metrics")
    text = body.decode()
    m = re.search(r'http_requests_total\{method="GET",code="406"\} (\d+)', text)
    t.ok(m is not None and int(m.group(1)) >= 6, "406 is counted in http_requests_total",
         "\n".join(x for x in text.splitlines() if "requests_total" in x))


def template_and_default(t):
    with start("--template", 'Hi {name}, "welcome" & <enjoy> {{it}}!') as srv:
        status, h, body = get(srv, "/greet/Ana")
        t.eq((status, body.decode(), h.get("content-language")),
             (200, 'Hi Ana, "welcome" & <enjoy> {it}!', "en"), "--template: the default language's greeting")
        status, h, body = get(srv, "/greet/Ana", lang="en-US")
        t.eq(body.decode(), 'Hi Ana, "welcome" & <enjoy> {it}!', "--template: also for en-US")
        status, h, body = get(srv, "/greet/Ana", lang="fr")
        t.eq((body.decode(), h.get("content-language")), (greeting("fr", "Ana"), "fr"),
             "--template: other languages keep the catalogue's greeting")
        status, h, body = get(srv, "/greet/%s" % q('<i>"'), accept=JSON)
        t.eq(json.loads(body)["greeting"], 'Hi <i>", "welcome" & <enjoy> {it}!', "--template in JSON: valid")
        status, h, body = get(srv, "/greet/%s" % q("<i>"), accept="text/html")
        page = Page(body.decode())
        t.ok(page.tags == page_tags(srv) and page.text["p"] == 'Hi <i>, "welcome" & <enjoy> {it}!',
             "--template in HTML: the template is escaped too", body[-200:])
        stop_clean(t, srv, "--template")

    with start("--default-lang", "pt-BR") as srv:
        for al, want in [(None, "pt"), ("xx", "pt"), ("de", "de"), ("*", "pt")]:
            status, h, body = get(srv, "/greet/Ana", lang=al)
            t.eq((h.get("content-language"), body.decode()), (want, greeting(want, "Ana")),
                 "--default-lang pt-BR, Accept-Language %s: %s" % (al, want))
        stop_clean(t, srv, "--default-lang")

    with start(GREET_DEFAULT_LANG="he", GREET_TEMPLATE="{name}, ברוך הבא!") as srv:
        status, h, body = get(srv, "/greet/Ana")
        t.eq((h.get("content-language"), body.decode()), ("he", FSI + "Ana" + PDI + ", ברוך הבא!"),
             "GREET_DEFAULT_LANG=he GREET_TEMPLATE: an isolated name in an RTL template")
        status, h, body = get(srv, "/greet/Ana", accept="text/html")
        t.ok('<html lang="he" dir="rtl">' in body.decode(), "... and an RTL page")
        stop_clean(t, srv, "environment")

    with start("--default-lang", "ja", GREET_DEFAULT_LANG="de") as srv:
        t.eq(get(srv, "/greet/Ana")[1].get("content-language"), "ja", "the flag wins over the variable")
        stop_clean(t, srv, "flag over variable")


def run(args, **env):
    full = dict(os.environ)
    for k, v in dict(CLEAN_ENV, **env).items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = v
    return subprocess.run([greettest.server_binary(), "--port", "0", *args], env=full,
                          capture_output=True, timeout=20)


def bad_options(t):
    for args, env, want in [
        (["--template", "Hi {nam}!"], {}, "unknown template placeholder: only {name} is defined, at byte 3"),
        (["--template", "Hi {name"], {}, "unbalanced brace in template"),
        (["--template", "Hi {name}}"], {}, "at byte 9"),
        (["--template", "}"], {}, "at byte 0"),
        (["--template", "{x{name}"], {}, "at byte 0"),
        (["--template=ok {name} {Name}"], {}, "at byte 10 ('{Name}')"),
        ([], {"GREET_TEMPLATE": "{nom}"}, "environment variable GREET_TEMPLATE"),
        (["--default-lang", "xx"], {}, "not a supported language"),
        (["--default-lang", "!!"], {}, "not a language tag (byte 0)"),
        (["--default-lang", "fr_FR"], {}, "not a language tag (byte 2)"),
        (["--default-lang", ""], {}, "not a language tag"),
        (["--default-lang", "*"], {}, "not a supported language"),
        (["--default-lang"], {}, "needs a value"),
        ([], {"GREET_DEFAULT_LANG": "klingon"}, "environment variable GREET_DEFAULT_LANG"),
    ]:
        p = run(args, **env)
        err = p.stderr.decode(errors="replace")
        t.ok(p.returncode == 2 and want in err and not sanitizer_report(err),
             "%s %s: exit 2, %r" % (" ".join(args), env or "", want), "status %d\n%s" % (p.returncode, err))
    p = run(["--template", "\xff{name}".encode("latin-1")])
    t.ok(p.returncode == 2 and b"invalid UTF-8, at byte 0" in p.stderr, "--template: bad UTF-8, exit 2",
         p.stderr)
    p = run(["--help"])
    out = p.stdout.decode()
    t.ok(p.returncode == 0 and all(w in out for w in ("--template=TEXT", "GREET_TEMPLATE",
                                                        "--default-lang=TAG", "GREET_DEFAULT_LANG",
                                                        "/languages")),
         "--help shows --template, --default-lang and /languages", out)


def main():
    t = TAP()
    srv = start()
    try:
        for fn in (every_language, fallbacks, headers, json_names, html_escaping, not_acceptable,
                   languages, language_links, query_walk, issue_example, counted_and_logged):
            t.run(lambda t, fn=fn: fn(t, srv), fn.__name__)
    finally:
        stop_clean(t, srv, "default server")
    log = srv.stdout_text()
    t.ok('"status":406' in log and '"path":"/greet/John"' in log, "406 answers are in the access log")
    t.run(large)
    t.run(template_and_default)
    t.run(bad_options)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
