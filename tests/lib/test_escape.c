/* SPDX-License-Identifier: MIT */
/*
 * test_escape.c - greet_escape(): every special character of HTML and
 * JSON, U+2028/U+2029, UTF-8 passed through, invalid UTF-8, flags, and
 * every capacity (greet-test.h).
 */
#include <stdint.h>

#include "greet-test.h"

#define HTML GREET_ESCAPE_HTML
#define JSON GREET_ESCAPE_JSON

#define OK(in, flags, out)      { B(in), flags, GREET_OK, B(out) }
#define ERR(in, flags, st, at)  { B(in), flags, st, "", at }

static const struct row rows[] = {
  /* plain: a validated copy, specials untouched */
  OK("", 0, ""),
  OK("Ana", 0, "Ana"),
  OK("<a href=\"x\">&'</a>", 0, "<a href=\"x\">&'</a>"),
  OK("\\ \" \n \x01", 0, "\\ \" \n \x01"),
  OK("Zo\xC3\xAB \xE2\x80\xA8", 0, "Zo\xC3\xAB \xE2\x80\xA8"),
  OK("a\x00" "b", 0, "a\x00" "b"),

  /* HTML: each of the five alone, at both ends, doubled, all together */
  OK("", HTML, ""),
  OK("&", HTML, "&amp;"),
  OK("<", HTML, "&lt;"),
  OK(">", HTML, "&gt;"),
  OK("\"", HTML, "&quot;"),
  OK("'", HTML, "&#39;"),
  OK("&&", HTML, "&amp;&amp;"),
  OK("a&b", HTML, "a&amp;b"),
  OK("&amp;", HTML, "&amp;amp;"),     /* already escaped text is escaped again */
  OK("<script>alert('x')</script>", HTML,
     "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
  OK("\"><img src=x onerror=alert(1)>", HTML,
     "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
  OK("<>&\"'", HTML, "&lt;&gt;&amp;&quot;&#39;"),
  /* nothing else changes: other ASCII punctuation, controls, UTF-8 */
  OK("!#$%()*+,-./:;=?@[\\]^_`{|}~", HTML, "!#$%()*+,-./:;=?@[\\]^_`{|}~"),
  OK("\t\n\r\x01\x7F", HTML, "\t\n\r\x01\x7F"),
  OK("Zo\xC3\xAB", HTML, "Zo\xC3\xAB"),
  OK("\xE2\x80\xA8\xE2\x80\xA9", HTML, "\xE2\x80\xA8\xE2\x80\xA9"),
  OK("\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85 <\xF0\x9F\x98\x80>", HTML,
     "\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85 &lt;\xF0\x9F\x98\x80&gt;"),
  OK("a\x00" "<", HTML, "a\x00" "&lt;"),

  /* JSON: quote, backslash, the short escapes, \u00XX for the rest */
  OK("", JSON, ""),
  OK("\"", JSON, "\\\""),
  OK("\\", JSON, "\\\\"),
  OK("\b", JSON, "\\b"),
  OK("\f", JSON, "\\f"),
  OK("\n", JSON, "\\n"),
  OK("\r", JSON, "\\r"),
  OK("\t", JSON, "\\t"),
  OK("\x00", JSON, "\\u0000"),
  OK("\x01", JSON, "\\u0001"),
  OK("\x0B", JSON, "\\u000b"),
  OK("\x1F", JSON, "\\u001f"),
  OK("say \"hi\"\\n\n", JSON, "say \\\"hi\\\"\\\\n\\n"),
  OK("</script>", JSON, "</script>"),  /* '/' need not be escaped */
  OK("<>&'", JSON, "<>&'"),
  OK("\x7F", JSON, "\x7F"),             /* DEL is legal in JSON strings */
  OK("\xC2\x80\xC2\x9F", JSON, "\xC2\x80\xC2\x9F"),  /* so are C1 controls */
  /* U+2028 and U+2029 for JavaScript; their neighbours pass */
  OK("\xE2\x80\xA8", JSON, "\\u2028"),
  OK("\xE2\x80\xA9", JSON, "\\u2029"),
  OK("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c", JSON, "a\\u2028b\\u2029c"),
  OK("\xE2\x80\xA7\xE2\x80\xAA", JSON, "\xE2\x80\xA7\xE2\x80\xAA"),
  OK("\xE2\x81\xA8" "x\xE2\x81\xA9", JSON, "\xE2\x81\xA8" "x\xE2\x81\xA9"),
  OK("Zo\xC3\xAB \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80", JSON,
     "Zo\xC3\xAB \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"),
  OK("\x00\x01\x02\x03\x04\x05\x06\x07", JSON,
     "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"),

  /* invalid UTF-8 in every mode: the offset, nothing written */
  ERR("\xFF", 0, GREET_E_BAD_UTF8, 0),
  ERR("ab\xC3", HTML, GREET_E_BAD_UTF8, 2),
  ERR("<\xC0\x80", HTML, GREET_E_BAD_UTF8, 1),
  ERR("\"\xE2\x80", JSON, GREET_E_BAD_UTF8, 1),   /* a cut U+2028 */
  ERR("\xED\xA0\x80", JSON, GREET_E_BAD_UTF8, 0), /* a surrogate */
  ERR("ok\xF4\x90\x80\x80", JSON, GREET_E_BAD_UTF8, 2),
};

Test(escape, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    check_row(greet_escape, &rows[i], "escape", i);
}

/* Every ASCII byte alone, in both modes, against the rules of greet.h
 * written out once more here. */
Test(escape, every_ascii_byte)
{
  for (unsigned c = 0; c < 0x80; c++) {
    char in[1] = { (char)c }, want[8], got[8];
    size_t n = UNSET;
    const char *h = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
                  : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;

    if (h != NULL)
      strcpy(want, h);
    else
      want[0] = (char)c, want[1] = '\0';
    cr_assert_eq(greet_escape(in, 1, got, sizeof got, &n, HTML), GREET_OK);
    cr_assert_eq(n, strlen(want) + (c == 0), "html 0x%02x", c);
    cr_assert_eq(memcmp(got, want, n), 0, "html 0x%02x", c);

    switch (c) {
    case '"': strcpy(want, "\\\""); break;
    case '\\': strcpy(want, "\\\\"); break;
    case '\b': strcpy(want, "\\b"); break;
    case '\f': strcpy(want, "\\f"); break;
    case '\n': strcpy(want, "\\n"); break;
    case '\r': strcpy(want, "\\r"); break;
    case '\t': strcpy(want, "\\t"); break;
    default:
      if (c < 0x20)
        snprintf(want, sizeof want, "\\u%04x", c);
      else
        want[0] = (char)c, want[1] = '\0';
    }
    cr_assert_eq(greet_escape(in, 1, got, sizeof got, &n, JSON), GREET_OK);
    cr_assert_str_eq(got, want, "json 0x%02x", c);
    cr_assert_eq(n, strlen(want));
  }
}

/* Escaping is byte-for-byte the same when the text is split anywhere a
 * character starts: long mixed input against a slow reference. */
Test(escape, long_input)
{
  static char in[3000], out[3000 * 6 + 1];
  static const char piece[] = "<a&\"'\\\n\xC3\xA9\xE2\x80\xA8z";
  size_t len = 0, n = UNSET, want = 0;

  while (len + sizeof piece - 1 <= sizeof in) {
    memcpy(in + len, piece, sizeof piece - 1);
    len += sizeof piece - 1;
  }
  /* per piece, HTML: &lt; a &amp; &quot; &#39; \ \n é U+2028 z */
  want = len / (sizeof piece - 1) * (4 + 1 + 5 + 6 + 5 + 1 + 1 + 2 + 3 + 1);
  cr_assert_eq(greet_escape(in, len, NULL, 0, &n, HTML), GREET_E_NOSPACE);
  cr_assert_eq(n, want);
  cr_assert_eq(greet_escape(in, len, out, sizeof out, &n, HTML), GREET_OK);
  cr_assert_eq(memcmp(out, "&lt;a&amp;&quot;&#39;\\\n\xC3\xA9\xE2\x80\xA8z&lt;", 29), 0);
  /* JSON: < a & " ' as is but \" \\ \n, \u2028 */
  want = len / (sizeof piece - 1) * (1 + 1 + 1 + 2 + 1 + 2 + 2 + 2 + 6 + 1);
  cr_assert_eq(greet_escape(in, len, out, sizeof out, &n, JSON), GREET_OK);
  cr_assert_eq(n, want);
  cr_assert_eq(memcmp(out, "<a&\\\"'\\\\\\n\xC3\xA9\\u2028z<", 20), 0);
}

Test(escape, flags)
{
  static const unsigned bad[] = {
    HTML | JSON, 0x4u, 0x80u, GREET_LANG_NAME, GREET_LANG_NO_ISOLATE,
    GREET_TEMPLATE_ISOLATE, GREET_ACCEPT_STRICT, HTML | 0x8000u, ~0u,
  };
  char buf[16];

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t n = UNSET;
    memset(buf, CANARY, sizeof buf);
    cr_assert_eq(greet_escape("<", 1, buf, sizeof buf, &n, bad[i]), GREET_E_INVALID_FLAGS,
                 "flags 0x%x", bad[i]);
    cr_assert_eq(n, UNSET);
    cr_assert_eq(buf[0], CANARY);
    /* flags are checked before the input */
    cr_assert_eq(greet_escape("\xFF", 1, NULL, 0, &n, bad[i]), GREET_E_INVALID_FLAGS);
  }
}

Test(escape, null_arguments)
{
  char buf[8];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  cr_assert_eq(greet_escape(NULL, 1, buf, sizeof buf, &n, HTML), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_escape("x", 1, NULL, 1, &n, JSON), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_escape("\xFF", 1, NULL, 8, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);
  cr_assert_eq(greet_escape(NULL, 0, buf, sizeof buf, &n, HTML), GREET_OK);
  cr_assert_eq(n, 0u);
  cr_assert_str_eq(buf, "");
  cr_assert_eq(greet_escape(NULL, 0, NULL, 0, NULL, JSON), GREET_E_NOSPACE);
}
