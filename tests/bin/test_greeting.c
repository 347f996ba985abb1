/* SPDX-License-Identifier: MIT */
/*
 * test_greeting.c - bin/greeting.c without routing: the language chosen
 * from the query, Accept-Language and the default; the bodies in each
 * representation; the list of languages, which must hold the whole
 * catalogue in both forms.  Every body is also built into buffers too
 * small for it, which must count the same size and write nothing past cap.
 */
#define _GNU_SOURCE 1   /* memmem */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "greeting.h"

struct lang_row {
  const char *query;            /* the target's raw query, or NULL */
  const char *accept_language;  /* or NULL */
  const char *def;              /* --default-lang, or NULL for "en" */
  const char *want;
  int is_default;
};

static const struct lang_row lang_rows[] = {
  {NULL, NULL, NULL, "en", 1},
  {NULL, NULL, "fr", "fr", 1},
  {"lang=fr", NULL, NULL, "fr", 0},
  {"lang=FR", "de", NULL, "fr", 0},     /* the query wins, canonical case */
  {"lang=xx", "de", NULL, "de", 0},     /* an unknown query is ignored */
  {"lang=f%72", NULL, NULL, "fr", 0},   /* the value is percent-decoded */
  {"lang=%zz", NULL, "de", "de", 1},    /* a malformed one is ignored */
  {"lang=fr%zz", NULL, "de", "de", 1},
  {"l%61ng=fr", NULL, NULL, "fr", 0},   /* so is the key */
  {"%6C%61%6E%67=fr", NULL, NULL, "fr", 0},
  {"LANG=fr", NULL, NULL, "en", 1},     /* keys are case-sensitive */
  {"lang+=fr", NULL, NULL, "en", 1},    /* "lang " */
  {"lang=xx&lang=fr", NULL, NULL, "en", 1}, /* the first one counts */
  {"lang=fr&lang=de", NULL, NULL, "fr", 0},
  {"x=%zz&lang=fr", NULL, NULL, "fr", 0},   /* a bad escape elsewhere */
  {"x=%00&lang=fr", NULL, NULL, "fr", 0},   /* a control elsewhere */
  {"x=1;lang=fr", NULL, NULL, "en", 1},     /* ';' separates nothing */
  {"x=1&&&lang=fr&", NULL, NULL, "fr", 0},  /* empty pieces */
  {"lang", NULL, NULL, "en", 1},            /* present, empty */
  {"lang=", "de", NULL, "de", 0},
  {"lang=fr=x", NULL, NULL, "en", 1},       /* value "fr=x" */
  {"lang=fr%26x=1", NULL, NULL, "en", 1},   /* value "fr&x=1" */
  {"lang=pt-BR", NULL, NULL, "pt", 0},     /* RFC 4647 lookup */
  {"lang=pt+BR", NULL, NULL, "en", 1},      /* "pt BR" */
  {"lang=fr%00", NULL, NULL, "en", 1},      /* a control in the value */
  {"lang=fr%0A", "de", NULL, "de", 0},
  {"lang=fr-ca", NULL, NULL, "fr-CA", 0},
  {"lang=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", NULL,
   NULL, "en", 1},                          /* too long for any tag */
  {"lang=fr#top", NULL, NULL, "fr", 0},     /* the fragment is no part */
  {NULL, "xx, de;q=0.5", NULL, "de", 0},
  {NULL, "xx", "fr", "fr", 1},          /* nothing usable: the default */
  {NULL, "fr;q=0", "fr", "fr", 1},
  {NULL, "en", "fr", "en", 0},
};

/* A target for query q (NULL: none) in buf. */
static size_t target_of(const char *q, char *buf, size_t cap)
{
  int n = snprintf(buf, cap, "/greet/Ann%s%s", q != NULL ? "?" : "", q != NULL ? q : "");
  cr_assert(n > 0 && (size_t)n < cap);
  return (size_t)n;
}

Test(greeting, choose_lang)
{
  for (size_t i = 0; i < sizeof lang_rows / sizeof lang_rows[0]; i++) {
    const struct lang_row *r = &lang_rows[i];
    char target[256];
    struct route_request req = {.method = "GET", .default_lang = r->def, .target = target};
    struct greeting_lang l;
    req.target_len = target_of(r->query, target, sizeof target);
    if (r->accept_language != NULL) {
      req.accept_language = r->accept_language;
      req.accept_language_len = strlen(r->accept_language);
    }
    greeting_choose_lang(&req, &l);
    cr_expect_str_eq(l.tag, r->want, "row %zu (%s)", i, target);
    cr_expect_eq(l.len, strlen(r->want), "row %zu", i);
    cr_expect_eq(l.is_default, r->is_default, "row %zu: is_default", i);
  }
}

/* Deterministic pseudo-random numbers (xorshift), so a failure replays. */
static unsigned long long rnd_state = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return (unsigned)(rnd_state % n);
}

/* Appends the form encoding of s[0..len) to o. */
static void put_encoded(struct out *o, const char *s, size_t len)
{
  size_t cap, n = 0;
  char *dst = out_room(o, &cap);
  greet_status st = greet_url_encode(s, len, dst, cap, &n, GREET_ENCODE_FORM);
  cr_assert(st == GREET_OK || st == GREET_E_NOSPACE);
  o->len += n;
}

/*
 * Generated queries: for every language of the catalogue, long queries of
 * many pieces (up to 400, some over 8 KiB) whose keys and values are
 * random bytes, form-encoded with greet_url_encode, and none of them
 * "lang", around one "lang" piece whose key is spelled in one of the ways
 * that decode to "lang" and whose value is the tag, encoded or with its
 * letters escaped, followed by decoys.  The language found is the tag's,
 * whatever surrounds it; with an unknown value first, the default.
 */
Test(greeting, choose_lang_generated)
{
  static const char *const keys[] = {"lang", "l%61ng", "%6c%61%6e%67", "%6C%61%6E%67", "la%6Eg"};
  static char q[65536];
  size_t count = greet_lang_count();

  for (size_t i = 0; i < count; i++) {
    char tag[LANG_TAG_CAP];
    size_t tag_len = 0;
    cr_assert_eq(greet_lang_at(i, tag, sizeof tag, &tag_len, 0), GREET_OK);
    for (int round = 0; round < 40; round++) {
      struct out o = {q, sizeof q, 0};
      unsigned pieces = rnd(round % 4 == 0 ? 400 : 20), at = pieces ? rnd(pieces + 1) : 0;
      int unknown_first = rnd(5) == 0;
      for (unsigned p = 0; p <= pieces; p++) {
        if (p > 0)
          out_put(&o, "&&", 1 + rnd(4) / 3);
        if (p == at) {
          if (unknown_first) {
            const char *k0 = keys[rnd(5)];
            out_put(&o, k0, strlen(k0));
            OUT_LIT(&o, "=zz-unknown&");
          }
          const char *k = keys[rnd(5)];
          out_put(&o, k, strlen(k));
          OUT_LIT(&o, "=");
          if (rnd(2))
            put_encoded(&o, tag, tag_len);
          else
            for (size_t c = 0; c < tag_len; c++) {
              char e[4];
              snprintf(e, sizeof e, "%%%02X", (unsigned char)tag[c]);
              out_put(&o, e, 3);
            }
          OUT_LIT(&o, "&lang=de&lang=xx");
          continue;
        }
        char junk[20];
        size_t klen = 1 + rnd(sizeof junk - 1), vlen = rnd(sizeof junk);
        for (size_t c = 0; c < sizeof junk; c++)
          junk[c] = (char)(1 + rnd(255));
        if (klen == 4 && memcmp(junk, "lang", 4) == 0)
          junk[0] = 'x';
        put_encoded(&o, junk, klen);
        if (rnd(4) != 0) {
          OUT_LIT(&o, "=");
          put_encoded(&o, junk, vlen);
        }
      }
      cr_assert_lt(o.len, sizeof q - 16);
      char target[sizeof q + 16];
      int n = snprintf(target, sizeof target, "/greet/Ann?%.*s", (int)o.len, q);
      struct route_request req = {.method = "GET", .target = target, .target_len = (size_t)n,
                                  .default_lang = "ja"};
      struct greeting_lang l;
      greeting_choose_lang(&req, &l);
      const char *want = unknown_first ? "ja" : tag;
      cr_assert_str_eq(l.tag, want, "tag %s, round %d, %u pieces: %.200s", tag, round, pieces, target);
    }
  }
}

/* Builds with body() into every capacity up to the full size; the full
 * text, and the same count with nothing past cap written, each time. */
static void all_caps(void (*body)(struct out *o, const void *ctx), const void *ctx,
                     char *full, size_t full_cap, size_t *full_len)
{
  static char buf[65536];
  struct out o = {full, full_cap, 0};

  body(&o, ctx);
  cr_assert_lt(o.len, full_cap);
  *full_len = o.len;
  for (size_t cap = 0; cap <= o.len; cap += 1 + cap / 8) {
    memset(buf, '#', sizeof buf);
    struct out p = {buf, cap, 0};
    body(&p, ctx);
    cr_assert_eq(p.len, o.len, "cap %zu: %zu bytes, want %zu", cap, p.len, o.len);
    for (size_t k = cap; k < cap + 64 && k < sizeof buf; k++)
      cr_assert_eq(buf[k], '#', "cap %zu: byte %zu written", cap, k);
  }
}

struct languages_case {
  enum neg_media m;
  const char *name;
};

static void languages_body(struct out *o, const void *ctx)
{
  const struct languages_case *c = ctx;
  cr_assert_eq(greeting_languages(c->m, c->name, strlen(c->name), o), GREET_OK);
}

/* Names that every link must carry intact: reserved characters of every
 * part of a URL, '+', '%', spaces, UTF-8 (right-to-left too), and random
 * printable ASCII and UTF-8 (the same seed every run). */
static const char *const link_names[] = {
  "World", "a/b?c&d=e f+g#h%25;i", "%zz", "Ren\xC3\xA9", "\xD8\xB3\xD9\x84\xD9\x85",
  "<b>\"'&amp;", "..", "~-._", NULL, NULL, NULL, NULL,
};

static const char *link_name(size_t i, char *buf, size_t cap)
{
  if (link_names[i] != NULL)
    return link_names[i];
  size_t n = 1 + rnd((unsigned)(cap / 3 - 1)), k = 0;
  while (k + 4 < cap && n-- > 0) {
    if (rnd(3) == 0) {
      buf[k++] = '\xE2';               /* U+2000..U+203F */
      buf[k++] = '\x80';
      buf[k++] = (char)(0x80 + rnd(64));
    } else {
      buf[k++] = (char)(0x20 + rnd(95));
    }
  }
  buf[k] = '\0';
  return buf;
}

/*
 * Every link in body[0..len) after each `marker`: only unreserved
 * characters, "%XX", and the '/', '?' and '=' of "/greet/<name>?lang=<tag>";
 * the path segment decodes to exactly name, the query's lang (through the
 * query walk) to a catalogue tag, each tag once.  Returns the count.
 */
static size_t check_links(const char *body, size_t len, const char *marker, const char *name)
{
  char seen[256] = {0};
  size_t count = 0, mlen = strlen(marker);
  const char *end = body + len;

  for (const char *p = body; (p = memmem(p, (size_t)(end - p), marker, mlen)) != NULL; p += mlen) {
    const char *href = p + mlen, *close = memchr(href, '"', (size_t)(end - href));
    cr_assert_not_null(close);
    size_t hlen = (size_t)(close - href);
    cr_assert(hlen > 7 && memcmp(href, "/greet/", 7) == 0, "link %.*s", (int)hlen, href);
    for (size_t k = 7; k < hlen; k++) {
      char c = href[k];
      int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               strchr("-._~%?=", c) != NULL;
      cr_assert(ok, "byte '%c' in link %.*s", c, (int)hlen, href);
    }
    const char *q = memchr(href, '?', hlen);
    cr_assert_not_null(q);
    char dec[4096], tag[64], canon[LANG_TAG_CAP];
    size_t dlen = 0, tlen = 0, clen = 0;
    cr_assert_eq(greet_url_decode(href + 7, (size_t)(q - href - 7), dec, sizeof dec, &dlen, 0), GREET_OK);
    cr_assert(dlen == strlen(name) && memcmp(dec, name, dlen) == 0, "link %.*s for %s", (int)hlen, href, name);
    cr_assert_eq(greet_query_get(q + 1, (size_t)(close - q - 1), LIT("lang"), tag, sizeof tag, &tlen,
                                 GREET_DECODE_PLUS_SPACE), GREET_OK);
    cr_assert_eq(greet_lang_lookup(tag, tlen, canon, sizeof canon, &clen, 0), GREET_OK);
    cr_assert(clen == tlen && memcmp(canon, tag, tlen) == 0, "tag %.*s", (int)tlen, tag);
    for (size_t i = 0; i < greet_lang_count(); i++) {
      char t[LANG_TAG_CAP];
      size_t n = 0;
      if (greet_lang_at(i, t, sizeof t, &n, 0) == GREET_OK && n == tlen && memcmp(t, tag, n) == 0) {
        cr_assert_not(seen[i], "tag %s twice", t);
        seen[i] = 1;
      }
    }
    count++;
  }
  return count;
}

Test(greeting, languages)
{
  static char text[65536], json[65536], html[65536];
  size_t text_len, json_len, html_len, lines = 0, objects = 0;
  const struct languages_case t = {NEG_TEXT, "World"}, j = {NEG_JSON, "World"};

  all_caps(languages_body, &t, text, sizeof text, &text_len);
  all_caps(languages_body, &j, json, sizeof json, &json_len);
  for (size_t k = 0; k < text_len; k++)
    lines += text[k] == '\n';
  for (const char *p = json; (p = strstr(p, "{\"tag\": \"")) != NULL; p++)
    objects++;
  cr_expect_eq(lines, greet_lang_count());
  cr_expect_eq(objects, greet_lang_count());
  cr_expect(json_len > 4 && memcmp(json, "[\n", 2) == 0 && memcmp(json + json_len - 2, "]\n", 2) == 0);
  cr_expect(strstr(text, "en\tEnglish\tltr\n") != NULL);
  cr_expect(strstr(json, "\"href\": \"/greet/World?lang=fr\"") != NULL);

  /* every link, for every name, in JSON and HTML */
  for (size_t i = 0; i < sizeof link_names / sizeof link_names[0]; i++) {
    char buf[600];
    const char *name = link_name(i, buf, sizeof buf);
    const struct languages_case jc = {NEG_JSON, name}, hc = {NEG_HTML, name};
    all_caps(languages_body, &jc, json, sizeof json, &json_len);
    all_caps(languages_body, &hc, html, sizeof html, &html_len);
    cr_expect_eq(check_links(json, json_len, "\"href\": \"", name), greet_lang_count(), "JSON, %s", name);
    cr_expect_eq(check_links(html, html_len, "<a href=\"", name), greet_lang_count(), "HTML, %s", name);
  }
  const struct languages_case bad = {NEG_JSON, "\xFF"};
  struct out o = {json, sizeof json, 0};
  cr_expect_eq(greeting_languages(bad.m, bad.name, 1, &o), GREET_E_BAD_UTF8);
}

/* The HTML greeting links the same name in every language, its own
 * marked current. */
Test(greeting, page_links)
{
  static char html[1 << 17];
  for (size_t i = 0; i < sizeof link_names / sizeof link_names[0]; i++) {
    char buf[600];
    const char *name = link_name(i, buf, sizeof buf);
    struct route_request req = {.method = "GET"};
    struct greeting_lang l = {"ar", 2, 0};
    struct out o = {html, sizeof html, 0};
    cr_assert_eq(greeting_body(&req, NEG_HTML, &l, name, strlen(name), &o), GREET_OK);
    cr_assert_lt(o.len, sizeof html);
    cr_expect_eq(check_links(html, o.len, "<a href=\"", name), greet_lang_count(), "%s", name);
    html[o.len] = '\0';
    cr_expect(strstr(html, "?lang=ar\" hreflang=\"ar\" lang=\"ar\" dir=\"rtl\" aria-current=\"page\">") != NULL);
    cr_expect(strstr(html, "aria-current") == strstr(html, "aria-current=\"page\">"));
  }
}

struct body_case {
  enum neg_media m;
  const char *lang, *name, *tmpl;
  const char *want;              /* the whole body */
};

static void greeting_body_of(struct out *o, const void *ctx)
{
  const struct body_case *c = ctx;
  struct route_request req = {.method = "GET", .tmpl = c->tmpl,
                              .tmpl_len = c->tmpl ? strlen(c->tmpl) : 0};
  struct greeting_lang l = {.len = strlen(c->lang), .is_default = strcmp(c->lang, "en") == 0};

  memcpy(l.tag, c->lang, l.len + 1);
  cr_assert_eq(greeting_body(&req, c->m, &l, c->name, strlen(c->name), o), GREET_OK);
}

Test(greeting, bodies)
{
  static const struct body_case cases[] = {
    {NEG_TEXT, "en", "John", NULL, "Hello, John!"},
    {NEG_TEXT, "en", "John", "Hi {name}.", "Hi John."},
    {NEG_TEXT, "fr", "John", "Hi {name}.", NULL},  /* a template is the default's: the catalogue's */
    {NEG_JSON, "en", "J\"o", NULL,
     "{\"greeting\": \"Hello, J\\\"o!\", \"name\": \"J\\\"o\", \"lang\": \"en\"}\n"},
  };
  char full[4096];
  size_t len;

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char want[256];
    size_t want_len = 0;
    if (cases[i].want != NULL)
      want_len = (size_t)snprintf(want, sizeof want, "%s", cases[i].want);
    else
      cr_assert_eq(greet_format_lang(cases[i].lang, strlen(cases[i].lang), cases[i].name,
                                     strlen(cases[i].name), want, sizeof want, &want_len, 0),
                   GREET_OK);
    all_caps(greeting_body_of, &cases[i], full, sizeof full, &len);
    cr_expect(len == want_len && memcmp(full, want, len) == 0, "case %zu: '%.*s'", i, (int)len, full);
  }

  static const struct body_case html = {NEG_HTML, "en", "<b>", NULL, NULL};
  static char page[65536];
  all_caps(greeting_body_of, &html, page, sizeof page, &len);
  page[len] = '\0';
  cr_expect(strstr(page, "<html lang=\"en\" dir=\"ltr\">") != NULL);
  cr_expect(strstr(page, "Hello, &lt;b&gt;!") != NULL);
  cr_expect(strstr(page, "<b>") == NULL, "the name is escaped");
}
