/* SPDX-License-Identifier: MIT */
/*
 * test_lang.c - the catalogue (every language's greeting, name and
 * direction), RFC 4647 lookup and its fallbacks, malformed tags with
 * their offsets, greet_lang_at(), and greet_format_lang() at every
 * capacity, escaped and isolated.
 */
#include <stdint.h>

#include "greet-test.h"

/*
 * The whole catalogue, in greet_lang_at() order: tag, name in itself,
 * greeting for "Ana", direction.  A language added to lib/catalogue.c
 * must be added here, or catalogue_matches fails: every language is
 * tested, byte for byte.
 */
static const struct lang_row {
  const char *tag, *name, *greeting, *dir;
} langs[] = {
  { "ar", "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9", "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD9\x8B\xD8\xA7\xD8\x8C \xE2\x81\xA8" "Ana\xE2\x81\xA9!", "rtl" },
  { "ca", "catal\xC3\xA0", "Hola, Ana!", "ltr" },
  { "cs", "\xC4\x8D" "e\xC5\xA1tina", "Ahoj, Ana!", "ltr" },
  { "de", "Deutsch", "Hallo, Ana!", "ltr" },
  { "el", "\xCE\x95\xCE\xBB\xCE\xBB\xCE\xB7\xCE\xBD\xCE\xB9\xCE\xBA\xCE\xAC", "\xCE\x93\xCE\xB5\xCE\xB9\xCE\xB1 \xCF\x83\xCE\xBF\xCF\x85, Ana!", "ltr" },
  { "en", "English", "Hello, Ana!", "ltr" },
  { "es", "espa\xC3\xB1ol", "\xC2\xA1Hola, Ana!", "ltr" },
  { "fr", "fran\xC3\xA7" "ais", "Bonjour, Ana\xE2\x80\xAF!", "ltr" },
  { "fr-CA", "fran\xC3\xA7" "ais canadien", "Bonjour, Ana!", "ltr" },
  { "he", "\xD7\xA2\xD7\x91\xD7\xA8\xD7\x99\xD7\xAA", "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D, \xE2\x81\xA8" "Ana\xE2\x81\xA9!", "rtl" },
  { "hi", "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80", "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87, Ana!", "ltr" },
  { "id", "Bahasa Indonesia", "Halo, Ana!", "ltr" },
  { "it", "italiano", "Ciao, Ana!", "ltr" },
  { "ja", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF\xE3\x80\x81" "Ana\xE3\x81\x95\xE3\x82\x93\xEF\xBC\x81", "ltr" },
  { "ko", "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4", "\xEC\x95\x88\xEB\x85\x95\xED\x95\x98\xEC\x84\xB8\xEC\x9A\x94, Ana\xEB\x8B\x98!", "ltr" },
  { "nb", "norsk bokm\xC3\xA5l", "Hei, Ana!", "ltr" },
  { "nl", "Nederlands", "Hallo Ana!", "ltr" },
  { "nn", "norsk nynorsk", "Hei, Ana!", "ltr" },
  { "no", "norsk", "Hei, Ana!", "ltr" },
  { "pl", "polski", "Cze\xC5\x9B\xC4\x87, Ana!", "ltr" },
  { "pt", "portugu\xC3\xAAs", "Ol\xC3\xA1, Ana!", "ltr" },
  { "ro", "rom\xC3\xA2n\xC4\x83", "Bun\xC4\x83, Ana!", "ltr" },
  { "ru", "\xD1\x80\xD1\x83\xD1\x81\xD1\x81\xD0\xBA\xD0\xB8\xD0\xB9", "\xD0\x97\xD0\xB4\xD1\x80\xD0\xB0\xD0\xB2\xD1\x81\xD1\x82\xD0\xB2\xD1\x83\xD0\xB9\xD1\x82\xD0\xB5, Ana!", "ltr" },
  { "sv", "svenska", "Hej Ana!", "ltr" },
  { "sw", "Kiswahili", "Habari, Ana!", "ltr" },
  { "tr", "T\xC3\xBCrk\xC3\xA7" "e", "Merhaba Ana!", "ltr" },
  { "uk", "\xD1\x83\xD0\xBA\xD1\x80\xD0\xB0\xD1\x97\xD0\xBD\xD1\x81\xD1\x8C\xD0\xBA\xD0\xB0", "\xD0\x92\xD1\x96\xD1\x82\xD0\xB0\xD1\x8E, Ana!", "ltr" },
  { "vi", "Ti\xE1\xBA\xBFng Vi\xE1\xBB\x87t", "Xin ch\xC3\xA0o Ana!", "ltr" },
  { "zh", "\xE4\xB8\xAD\xE6\x96\x87", "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C" "Ana\xEF\xBC\x81", "ltr" },
};
#define NLANGS (sizeof langs / sizeof langs[0])

#define FSI "\xE2\x81\xA8"
#define PDI "\xE2\x81\xA9"

static int is_rtl(const struct lang_row *l)
{
  return strcmp(l->dir, "rtl") == 0;
}

Test(lang, catalogue_matches)
{
  cr_assert_geq(greet_lang_count(), 20u);
  cr_assert_eq(greet_lang_count(), NLANGS, "catalogue has %zu languages, this table %zu",
               greet_lang_count(), NLANGS);
  for (size_t i = 0; i < NLANGS; i++) {
    char buf[64];
    size_t n = UNSET;

    cr_assert_eq(greet_lang_at(i, buf, sizeof buf, &n, 0), GREET_OK);
    cr_assert_str_eq(buf, langs[i].tag, "index %zu", i);
    cr_assert_eq(n, strlen(langs[i].tag));
    cr_assert_eq(greet_lang_at(i, buf, sizeof buf, &n, GREET_LANG_NAME), GREET_OK);
    cr_assert_str_eq(buf, langs[i].name, "name of %s", langs[i].tag);
    cr_assert_eq(greet_lang_at(i, buf, sizeof buf, &n, GREET_LANG_DIR), GREET_OK);
    cr_assert_str_eq(buf, langs[i].dir, "dir of %s", langs[i].tag);
  }
}

/* The required languages are all there. */
Test(lang, required_languages)
{
  static const char *const required[] = {
    "en", "fr", "de", "es", "it", "pt", "nl", "sv", "pl", "ru",
    "uk", "tr", "ar", "he", "hi", "zh", "ja", "ko", "vi", "sw",
  };
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    char buf[16];
    size_t n = UNSET;
    cr_assert_eq(greet_lang_lookup(required[i], strlen(required[i]), buf, sizeof buf, &n, 0),
                 GREET_OK, "%s", required[i]);
    cr_assert_str_eq(buf, required[i]);
  }
}

/* Tags are sorted, unique, well formed, valid UTF-8 names, and each one
 * looks up to itself in any case. */
Test(lang, catalogue_invariants)
{
  for (size_t i = 0; i < NLANGS; i++) {
    const char *t = langs[i].tag;
    char buf[64], upper[16];
    size_t n = UNSET, k;

    if (i > 0)
      cr_assert_lt(strcmp(langs[i - 1].tag, t), 0, "%s before %s", langs[i - 1].tag, t);
    cr_assert_eq(greet_utf8_validate(langs[i].name, strlen(langs[i].name), NULL,
                                     GREET_UTF8_REJECT_CTL), GREET_OK, "%s", t);
    cr_assert_gt(strlen(langs[i].name), 0u);
    for (k = 0; t[k] != '\0'; k++)
      upper[k] = (char)(t[k] >= 'a' && t[k] <= 'z' ? t[k] - 32 : t[k]);
    upper[k] = '\0';
    cr_assert_eq(greet_lang_lookup(upper, k, buf, sizeof buf, &n, 0), GREET_OK, "%s", upper);
    cr_assert_str_eq(buf, t);
    cr_assert_eq(greet_lang_lookup(t, k, buf, sizeof buf, &n, GREET_LANG_NAME), GREET_OK);
    cr_assert_str_eq(buf, langs[i].name);
    cr_assert_eq(greet_lang_lookup(t, k, buf, sizeof buf, &n, GREET_LANG_DIR), GREET_OK);
    cr_assert_str_eq(buf, langs[i].dir);
  }
}

/* The typography the catalogue promises, spelled out code point by code
 * point rather than copied from the catalogue's own strings. */
Test(lang, typography)
{
  static const struct { const char *lang, *want; } cases[] = {
    { "en", "Hello, Ana!" },
    { "fr", "Bonjour, Ana\xE2\x80\xAF!" },               /* U+202F before '!' */
    { "fr-CA", "Bonjour, Ana!" },
    { "es", "\xC2\xA1Hola, Ana!" },                       /* U+00A1 */
    { "de", "Hallo, Ana!" },
    { "ja", "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF"
            "\xE3\x80\x81" "Ana\xE3\x81\x95\xE3\x82\x93\xEF\xBC\x81" }, /* 、 さん ！ */
    { "zh", "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C" "Ana\xEF\xBC\x81" },   /* ， ！ */
    { "ar", "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD9\x8B\xD8\xA7\xD8\x8C "  /* U+060C */
            FSI "Ana" PDI "!" },
    { "he", "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D, " FSI "Ana" PDI "!" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[128];
    size_t n = UNSET;
    cr_assert_eq(greet_format_lang(cases[i].lang, strlen(cases[i].lang), "Ana", 3,
                                   buf, sizeof buf, &n, 0), GREET_OK, "%s", cases[i].lang);
    cr_assert_str_eq(buf, cases[i].want, "%s", cases[i].lang);
    cr_assert_eq(n, strlen(cases[i].want));
  }
}

/*
 * RFC 4647 3.4 lookup: (range, flags, status, result or offset).
 */
#define OK(in, out)               { B(in), 0, GREET_OK, B(out) }
#define OKF(in, flags, out)       { B(in), flags, GREET_OK, B(out) }
#define ERR(in, st, at)           { B(in), 0, st, "", at }

static const struct row lookups[] = {
  /* exact, any case */
  OK("en", "en"), OK("EN", "en"), OK("De", "de"), OK("fr-CA", "fr-CA"),
  OK("fr-ca", "fr-CA"), OK("FR-CA", "fr-CA"),
  /* fallbacks: region, script, variant, extension, private use */
  OK("pt-BR", "pt"), OK("pt-PT", "pt"), OK("PT-br", "pt"),
  OK("zh-Hant-TW", "zh"), OK("zh-Hans-CN", "zh"), OK("zh-Hant", "zh"), OK("zh-TW", "zh"),
  OK("zh-Hant-CN-x-private1-private2", "zh"),
  OK("en-US", "en"), OK("en-GB-oxendict", "en"), OK("en-x", "en"), OK("en-a-bbb-x-ccc", "en"),
  OK("de-CH-1996", "de"), OK("de-DE-u-co-phonebk", "de"),
  OK("fr-CH", "fr"), OK("fr-BE", "fr"), OK("fr-CA-x-foo", "fr-CA"), OK("fr-CA-1694acad", "fr-CA"),
  OK("es-419", "es"), OK("es-MX", "es"), OK("sv-FI", "sv"), OK("nb-NO", "nb"),
  OK("no-NO", "no"), OK("nn-NO", "nn"), OK("ar-EG", "ar"), OK("he-IL", "he"),
  OK("hi-IN", "hi"), OK("ja-JP", "ja"), OK("ko-KR", "ko"), OK("sw-KE", "sw"),
  OK("uk-UA", "uk"), OK("vi-VN", "vi"), OK("tr-TR", "tr"), OK("ru-RU", "ru"),
  OK("nl-BE", "nl"), OK("it-CH", "it"), OK("pl-PL", "pl"),
  /* what a tag can ask for instead */
  OKF("pt-BR", GREET_LANG_NAME, "portugu\xC3\xAAs"),
  OKF("ar-EG", GREET_LANG_DIR, "rtl"),
  OKF("he", GREET_LANG_DIR, "rtl"),
  OKF("en", GREET_LANG_DIR, "ltr"),
  /* well formed, but nothing to match: the caller's default applies */
  ERR("xx", GREET_E_NO_LANG, 0), ERR("xx-US", GREET_E_NO_LANG, 0),
  ERR("*", GREET_E_NO_LANG, 0), ERR("x-private", GREET_E_NO_LANG, 0),
  ERR("i-klingon", GREET_E_NO_LANG, 0), ERR("sr-Latn", GREET_E_NO_LANG, 0),
  ERR("iw", GREET_E_NO_LANG, 0),  /* the old code for Hebrew: no alias table */
  ERR("e", GREET_E_NO_LANG, 0), ERR("eng", GREET_E_NO_LANG, 0),
  ERR("abcdefgh", GREET_E_NO_LANG, 0), ERR("abcdefgh-12345678", GREET_E_NO_LANG, 0),
  /* malformed: the offset of the first offending byte */
  ERR("", GREET_E_BAD_TAG, 0), ERR("en_US", GREET_E_BAD_TAG, 2),
  ERR("en-", GREET_E_BAD_TAG, 3), ERR("-en", GREET_E_BAD_TAG, 0),
  ERR("en--US", GREET_E_BAD_TAG, 3), ERR("e1", GREET_E_BAD_TAG, 1),
  ERR("1en", GREET_E_BAD_TAG, 0), ERR("abcdefghi", GREET_E_BAD_TAG, 8),
  ERR("en-abcdefghi", GREET_E_BAD_TAG, 11), ERR("en US", GREET_E_BAD_TAG, 2),
  ERR(" en", GREET_E_BAD_TAG, 0), ERR("en ", GREET_E_BAD_TAG, 2),
  ERR("*-CH", GREET_E_BAD_TAG, 0), ERR("en-*", GREET_E_BAD_TAG, 3),
  ERR("**", GREET_E_BAD_TAG, 0), ERR("\xC3\xA9", GREET_E_BAD_TAG, 0),
  ERR("en\x00", GREET_E_BAD_TAG, 2), ERR("en;q=1", GREET_E_BAD_TAG, 2),
  ERR("en,fr", GREET_E_BAD_TAG, 2), ERR("fr-CA-", GREET_E_BAD_TAG, 6),
};

Test(lang, lookup_table)
{
  for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++)
    check_row(greet_lang_lookup, &lookups[i], "lookup", i);
}

Test(lang, lookup_flags_and_arguments)
{
  static const unsigned bad[] = {
    GREET_LANG_NAME | GREET_LANG_DIR, GREET_ESCAPE_HTML, GREET_ESCAPE_JSON, 0x1u,
    GREET_LANG_NO_ISOLATE, GREET_ACCEPT_STRICT, 0x80000000u, ~0u,
  };
  char buf[16];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cr_assert_eq(greet_lang_lookup("en", 2, buf, sizeof buf, &n, bad[i]),
                 GREET_E_INVALID_FLAGS, "flags 0x%x", bad[i]);
    cr_assert_eq(greet_lang_at(0, buf, sizeof buf, &n, bad[i]), GREET_E_INVALID_FLAGS);
  }
  cr_assert_eq(greet_lang_lookup(NULL, 2, buf, sizeof buf, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_lang_lookup("en", 2, NULL, 4, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_lang_at(0, NULL, 4, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);
  /* NULL with length 0 is the empty tag: malformed */
  cr_assert_eq(greet_lang_lookup(NULL, 0, buf, sizeof buf, &n, 0), GREET_E_BAD_TAG);
  cr_assert_eq(n, 0u);
  cr_assert_eq(buf[0], '\0');
}

/* greet_lang_at() at caps 0, needed, needed + 1 with a canary, and past
 * the end. */
Test(lang, at_capacities)
{
  for (size_t i = 0; i < NLANGS; i++) {
    for (unsigned f = 0; f < 3; f++) {
      unsigned flags = f == 0 ? 0 : f == 1 ? GREET_LANG_NAME : GREET_LANG_DIR;
      const char *want = f == 0 ? langs[i].tag : f == 1 ? langs[i].name : langs[i].dir;
      size_t need = strlen(want), n = UNSET;
      char buf[BUF_SIZE];

      cr_assert_eq(greet_lang_at(i, NULL, 0, &n, flags), GREET_E_NOSPACE);
      cr_assert_eq(n, need);
      const size_t caps[] = { 0, 1, need, need + 1, need + 2 };
      for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        memset(buf, CANARY, sizeof buf);
        n = UNSET;
        greet_status st = greet_lang_at(i, buf, caps[c], &n, flags);
        cr_assert_eq(n, need);
        if (caps[c] > need) {
          cr_assert_eq(st, GREET_OK);
          cr_assert_str_eq(buf, want);
          assert_untouched(buf, need + 1, "at", i, caps[c]);
        } else {
          cr_assert_eq(st, GREET_E_NOSPACE, "%s cap %zu", want, caps[c]);
          if (caps[c] > 0)
            cr_assert_eq(buf[0], '\0');
          assert_untouched(buf, caps[c], "at", i, caps[c]);
        }
      }
    }
  }
  char buf[BUF_SIZE];
  size_t n = UNSET;
  memset(buf, CANARY, sizeof buf);
  cr_assert_eq(greet_lang_at(NLANGS, buf, 8, &n, 0), GREET_E_NO_LANG);
  cr_assert_eq(n, 0u);
  cr_assert_eq(buf[0], '\0');
  assert_untouched(buf, 1, "at", NLANGS, 8);
  cr_assert_eq(greet_lang_at(SIZE_MAX, NULL, 0, &n, GREET_LANG_NAME), GREET_E_NO_LANG);
}

/*
 * greet_format_lang(): every language through check_row() (all the
 * capacities, exact heap copies), with names of every kind.
 */
static const char *cur_lang;

static greet_status format_cur(const char *name, size_t len, char *dst, size_t cap,
                               size_t *out_len, unsigned flags)
{
  return greet_format_lang(cur_lang, strlen(cur_lang), name, len, dst, cap, out_len, flags);
}

/* The greeting of langs[i] with its "Ana" replaced by name (isolates
 * kept or dropped). */
static size_t expected(const struct lang_row *l, const char *name, size_t name_len,
                       int isolate, char *out)
{
  const char *g = l->greeting;
  const char *at = strstr(g, is_rtl(l) ? FSI "Ana" PDI : "Ana");
  size_t pre = (size_t)(at - g), o = 0;
  const char *post = at + (is_rtl(l) ? 3 + 3 + 3 : 3);

  memcpy(out, g, pre);
  o = pre;
  if (isolate) {
    memcpy(out + o, FSI, 3);
    o += 3;
  }
  memcpy(out + o, name, name_len);
  o += name_len;
  if (isolate) {
    memcpy(out + o, PDI, 3);
    o += 3;
  }
  memcpy(out + o, post, strlen(post) + 1);
  return o + strlen(post);
}

static const struct { const char *s; size_t len; } names[] = {
  { B("Ana") }, { B("") }, { B("Zo\xC3\xAB") }, { B("\xD8\xB3\xD8\xA7\xD8\xB1\xD8\xA9") },
  { B("\xE5\xB1\xB1\xE7\x94\xB0") }, { B("@ana (2)") }, { B("a\x00" "b") },
  { B("{name}") }, { B("%s%n") }, { B("\xF0\x9F\x98\x80") },
};

Test(lang, format_every_language)
{
  for (size_t i = 0; i < NLANGS; i++) {
    cur_lang = langs[i].tag;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
      static char want[BUF_SIZE];
      for (int no_iso = 0; no_iso < 2; no_iso++) {
        struct row r = { names[k].s, names[k].len, no_iso ? GREET_LANG_NO_ISOLATE : 0,
                         GREET_OK, want, 0 };
        r.want_len = expected(&langs[i], names[k].s, names[k].len,
                              is_rtl(&langs[i]) && !no_iso, want);
        check_row(format_cur, &r, langs[i].tag, k);
      }
    }
  }
}

/* "en" is exactly greet_format(), and a region falls back to it. */
Test(lang, english_is_greet_format)
{
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    char a[64], b[64], c[64];
    size_t na = UNSET, nb = UNSET, nc = UNSET;
    cr_assert_eq(greet_format(names[k].s, names[k].len, a, sizeof a, &na, 0), GREET_OK);
    cr_assert_eq(greet_format_lang("en", 2, names[k].s, names[k].len, b, sizeof b, &nb, 0),
                 GREET_OK);
    cr_assert_eq(greet_format_lang("en-GB", 5, names[k].s, names[k].len, c, sizeof c, &nc,
                                   GREET_LANG_NO_ISOLATE), GREET_OK);
    cr_assert_eq(na, nb);
    cr_assert_eq(na, nc);
    cr_assert_eq(memcmp(a, b, na + 1), 0);
    cr_assert_eq(memcmp(a, c, na + 1), 0);
  }
}

/* With an escape mode the result is greet_escape() of the plain one, in
 * every language, for names full of specials. */
Test(lang, format_escaped_is_escape_of_plain)
{
  static const struct { const char *s; size_t len; } hostile[] = {
    { B("<script>alert('x')</script>") }, { B("\"><img src=x onerror=alert(1)>") },
    { B("Tom & Jerry") }, { B("a\"b\\c\n\x01\x1F") }, { B("\xE2\x80\xA8\xE2\x80\xA9") },
    { B("</script><!--") }, { B("\x00") },
  };
  static const unsigned modes[] = { GREET_ESCAPE_HTML, GREET_ESCAPE_JSON };

  for (size_t i = 0; i < NLANGS; i++) {
    for (size_t k = 0; k < sizeof hostile / sizeof hostile[0]; k++) {
      for (size_t m = 0; m < 2; m++) {
        char plain[256], want[1024], got[1024];
        size_t np = UNSET, nw = UNSET, ng = UNSET;
        const char *t = langs[i].tag;

        cr_assert_eq(greet_format_lang(t, strlen(t), hostile[k].s, hostile[k].len,
                                       plain, sizeof plain, &np, 0), GREET_OK);
        cr_assert_eq(greet_escape(plain, np, want, sizeof want, &nw, modes[m]), GREET_OK);
        cr_assert_eq(greet_format_lang(t, strlen(t), hostile[k].s, hostile[k].len,
                                       NULL, 0, &ng, modes[m]), GREET_E_NOSPACE);
        cr_assert_eq(ng, nw, "%s name %zu mode %u: size query", t, k, modes[m]);
        cr_assert_eq(greet_format_lang(t, strlen(t), hostile[k].s, hostile[k].len,
                                       got, sizeof got, &ng, modes[m]), GREET_OK);
        cr_assert_eq(ng, nw);
        cr_assert_eq(memcmp(got, want, nw + 1), 0, "%s name %zu mode %u", t, k, modes[m]);
        /* and nothing dangerous is left */
        if (modes[m] == GREET_ESCAPE_HTML)
          cr_assert(strpbrk(got, "<>\"'") == NULL, "%s: %s", t, got);
      }
    }
  }
}

/* Input errors: the language first, then the name; offsets in each. */
#define LOK(lang, name, flags, out)     { lang, B(name), flags, GREET_OK, B(out) }
#define LERR(lang, name, flags, st, at) { lang, B(name), flags, st, "", at }

static const struct lrow {
  const char *lang;
  const char *in;
  size_t in_len;
  unsigned flags;
  greet_status want_status;
  const char *want;
  size_t want_len;
} lrows[] = {
  LOK("pt-BR", "<b>", GREET_ESCAPE_HTML, "Ol\xC3\xA1, &lt;b&gt;!"),
  LOK("zh-Hant-TW", "\"\n", GREET_ESCAPE_JSON,
      "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\\\"\\n\xEF\xBC\x81"),
  LOK("ar", "A", GREET_ESCAPE_HTML | GREET_LANG_NO_ISOLATE,
      "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD9\x8B\xD8\xA7\xD8\x8C A!"),
  LOK("he-IL", "'", GREET_ESCAPE_HTML,
      "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D, " FSI "&#39;" PDI "!"),
  LERR("xx", "Ana", 0, GREET_E_NO_LANG, 0),
  LERR("*", "Ana", 0, GREET_E_NO_LANG, 0),
  LERR("en_US", "Ana", 0, GREET_E_BAD_TAG, 2),
  LERR("", "Ana", 0, GREET_E_BAD_TAG, 0),
  LERR("en_US", "\xFF", 0, GREET_E_BAD_TAG, 2),   /* the language is checked first */
  LERR("xx", "\xFF", 0, GREET_E_NO_LANG, 0),
  LERR("fr", "Ana\xFF", 0, GREET_E_BAD_UTF8, 3),
  LERR("ja", "\xC3", GREET_ESCAPE_JSON, GREET_E_BAD_UTF8, 0),
  LERR("ar", "ok\xED\xA0\x80", GREET_ESCAPE_HTML, GREET_E_BAD_UTF8, 2),
};

Test(lang, format_errors)
{
  for (size_t i = 0; i < sizeof lrows / sizeof lrows[0]; i++) {
    const struct lrow *l = &lrows[i];
    struct row r = { l->in, l->in_len, l->flags, l->want_status, l->want, l->want_len };
    cur_lang = l->lang;
    check_row(format_cur, &r, "format_lang", i);
  }
}

Test(lang, format_flags_and_arguments)
{
  static const unsigned bad[] = {
    GREET_ESCAPE_HTML | GREET_ESCAPE_JSON, GREET_LANG_NAME, GREET_LANG_DIR,
    GREET_TEMPLATE_ISOLATE, GREET_ACCEPT_STRICT, 0x4u, 0x80000000u, ~0u,
  };
  char buf[32];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert_eq(greet_format_lang("xx", 2, "\xFF", 1, buf, sizeof buf, &n, bad[i]),
                 GREET_E_INVALID_FLAGS, "flags 0x%x", bad[i]);
  cr_assert_eq(greet_format_lang(NULL, 2, "a", 1, buf, sizeof buf, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_format_lang("en", 2, NULL, 1, buf, sizeof buf, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_format_lang("en", 2, "a", 1, NULL, 1, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_format_lang("xx", 2, "a", 1, NULL, 9, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);
  cr_assert_eq(greet_format_lang("de", 2, NULL, 0, buf, sizeof buf, NULL, 0), GREET_OK);
  cr_assert_str_eq(buf, "Hallo, !");
}

/* A long name through an escape mode, past the canary buffer's size. */
Test(lang, long_name)
{
  static char name[5000], out[5000 * 6 + 64];
  size_t n = UNSET;

  for (size_t i = 0; i < sizeof name; i++)
    name[i] = "<&x"[i % 3];
  cr_assert_eq(greet_format_lang("es", 2, name, sizeof name, NULL, 0, &n, GREET_ESCAPE_HTML),
               GREET_E_NOSPACE);
  /* "¡Hola, " is 8 bytes and "!" 1; the 5000 name bytes are 1667 '<'
   * (&lt;), 1667 '&' (&amp;) and 1666 'x' */
  const size_t need = 8 + 1667 * 4 + 1667 * 5 + 1666 + 1;
  cr_assert_eq(n, need);
  cr_assert_eq(greet_format_lang("es", 2, name, sizeof name, out, need, &n, GREET_ESCAPE_HTML),
               GREET_E_NOSPACE);
  cr_assert_eq(out[0], '\0');
  cr_assert_eq(greet_format_lang("es", 2, name, sizeof name, out, need + 1, &n,
                                 GREET_ESCAPE_HTML), GREET_OK);
  cr_assert_eq(memcmp(out, "\xC2\xA1Hola, &lt;&amp;x&lt;", 22), 0);
  cr_assert_eq(out[need - 1], '!');
  cr_assert_eq(out[need], '\0');
}
