/* SPDX-License-Identifier: MIT */
/*
 * test_accept.c - greet_accept_language(): q-values, ties, wildcards,
 * exclusions, RFC 4647 fallbacks, malformed items (skipped, or reported
 * with GREET_ACCEPT_STRICT), the fallback language, every capacity.
 */
#include "greet-test.h"

#define STRICT GREET_ACCEPT_STRICT

/* The fallback the table runs with; some tests change it. */
static const char *fallback = "en";

static greet_status accept(const char *h, size_t len, char *dst, size_t cap,
                           size_t *out_len, unsigned flags)
{
  return greet_accept_language(h, len, fallback, strlen(fallback), dst, cap, out_len, flags);
}

#define OK(in, out)             { B(in), 0, GREET_OK, B(out) }
#define OKS(in, out)            { B(in), STRICT, GREET_OK, B(out) }
#define NONE(in)                { B(in), 0, GREET_E_NO_LANG, "", 0 }
#define BAD(in, at)             { B(in), STRICT, GREET_E_BAD_HEADER, "", at }

static const struct row rows[] = {
  /* no header, or nothing usable in it: any language will do */
  OK("", "en"),
  OK(" ", "en"),
  OK(" \t ", "en"),
  OK(",", "en"),
  OK(" , ,, ", "en"),
  OK("garbage;;", "en"),
  OK(";q=0.5", "en"),
  OK("en_US", "en"),
  OK("de;q=", "en"),
  OK("\xC3\xA9t\xC3\xA9", "en"),

  /* one language, any case, with the RFC 4647 lookup fallback */
  OK("fr", "fr"),
  OK("FR", "fr"),
  OK("ar", "ar"),
  OK("pt-BR", "pt"),
  OK("zh-Hant-TW", "zh"),
  OK("fr-ca", "fr-CA"),
  OK("fr-CH-x-foo", "fr"),
  OK("de-CH-1996", "de"),

  /* real browser headers */
  OK("en-US,en;q=0.9", "en"),
  OK("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
  OK("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
  OK("he-IL,he;q=0.9,en-US;q=0.8,en;q=0.7", "he"),
  OK("ja,en-US;q=0.9,en;q=0.8", "ja"),
  OK("zh-CN,zh;q=0.9", "zh"),
  OK("sv-SE,sv;q=0.8,en-US;q=0.5,en;q=0.3", "sv"),
  OK("fr-CH, de;q=0.5", "fr"),            /* the curl example */

  /* weights decide; ties go to the earlier item */
  OK("de;q=0.5, fr;q=0.9", "fr"),
  OK("de;q=0.5, fr;q=0.5", "de"),
  OK("fr;q=0.5, de;q=0.5", "fr"),
  OK("de;q=0.001, fr;q=0.002", "fr"),
  OK("de;q=0.999, fr", "fr"),
  OK("de;q=1, fr;q=1.0", "de"),
  OK("de;q=1.000", "de"),
  OK("de;q=1.", "de"),
  OK("de;q=0.1, de-AT;q=0.8, fr;q=0.5", "de"),  /* de-AT looks up to de at 0.8 */
  OK("xx;q=1, it;q=0.2", "it"),                 /* unsupported ranges are passed over */
  OK("tlh, i-klingon, x-pig-latin, ko;q=0.1", "ko"),

  /* q=0: not acceptable, whatever else says so */
  NONE("fr;q=0"),
  NONE("de;q=0."),
  NONE("de;q=0.000"),
  OK("en;q=0, fr;q=0.001", "fr"),
  NONE("de;q=0.9, de;q=0"),
  NONE("de;q=0, de;q=0.9"),
  NONE("de-DE;q=0.9, de;q=0"),            /* de-DE would fall back to de, refused */
  OK("pt-BR;q=0, pt;q=0.3", "pt"),        /* refusing pt-BR is not refusing pt */
  NONE("pt;q=0, pt-BR"),
  NONE("fr;q=0, fr-CA"),                  /* "fr" covers fr-CA */
  OK("fr-CA;q=0, fr", "fr"),
  OK("fr;q=0, fr-CA;q=0, de;q=0.1", "de"),
  NONE("fr-CA;q=0, fr-CA-x-foo"),         /* the lookup reaches fr-CA, excluded, and stops */
  OK("fr-CA;q=0, fr-CA-x-foo, fr;q=0.5", "fr"),

  /* nothing we have: the server falls back (or answers 406) */
  NONE("xx"),
  NONE("xx, yy;q=0.5"),
  NONE("x-klingon"),
  NONE("*;q=0"),
  NONE("*;q=0, xx"),

  /* "*": the fallback when no other range names it */
  OK("*", "en"),
  OK("xx, *;q=0.1", "en"),
  OK("fr;q=0, *", "en"),
  OK("de;q=0.5, *;q=0.9", "en"),
  OK("*, de", "en"),                       /* tie: "*" came first */
  OK("de, *", "de"),
  OK("*;q=0, de;q=0.2", "de"),
  OK("*;q=0.5, *;q=0.1, xx", "en"),
  /* ... and another language when the fallback is named: the first in
   * greet_lang_at() order that nobody named */
  OK("en;q=0, *", "ar"),
  OK("en;q=0.1, *;q=0.5", "ar"),
  OK("ar;q=0, en;q=0, *", "ca"),
  OK("en;q=0.1, *;q=0.05", "en"),

  /* malformed items are skipped, the rest still counts */
  OK("de;q=1.001, ko", "ko"),
  OK("de;q=2, ko;q=0.1", "ko"),
  OK("de;q=0.1234, ko;q=0.1", "ko"),
  OK("de;q=.5, ko;q=0.1", "ko"),
  OK("de;q=-0.5, ko;q=0.1", "ko"),
  OK("de;q=1.0000, ko;q=0.1", "ko"),
  OK("de;q=0.5x, ko;q=0.1", "ko"),
  OK("de;q = 0.5, ko;q=0.4", "ko"),
  OK("de;level=1, ko;q=0.5", "ko"),
  OK("de;q=0.5;q=0.4, ko;q=0.1", "ko"),
  OK("de q=0.5, ko;q=0.1", "ko"),
  OK("en_US, de;q=0.1", "de"),
  OK("abcdefghi, de;q=0.1", "de"),
  OK("*-CH, de;q=0.5", "de"),
  OK("en-*-US, de;q=0.5", "de"),
  OK("\xC3\xA9, de;q=0.5", "de"),
  OK("de\x00, ko;q=0.5", "ko"),
  OK("de;q=0.5\r\n, ko;q=0.4", "ko"),
  OK("\"de\", ko;q=0.4", "ko"),

  /* optional whitespace and empty members are not errors */
  OK("de ; q=0.5 , ko;q=0.4", "de"),
  OK("\tde;q=0.5\t,\tko;q=0.4", "de"),
  OK("de;Q=0.5, ko;q=0.4", "de"),
  OK(",,, ko,,", "ko"),
  OK("  ko  ", "ko"),

  /* strict: the offset of the first offending byte */
  OKS("fr-CH, de;q=0.5", "fr"),
  OKS(",,de ,", "de"),
  OKS("", "en"),
  BAD("de;q=2", 5),
  BAD("en_US", 2),
  BAD("de, ;q=1", 4),
  BAD("de;level=1", 3),
  BAD("de;q=0.1234", 10),
  BAD("de;q =0.5", 4),
  BAD("de;q=1.5", 7),
  BAD("fr, de;q=0.5x", 12),
  BAD("fr, en-", 7),
  BAD("fr, \xC3\xA9", 4),
  BAD("xx;q=0.5, yy;q=", 15),
  { B("fr;q=0, xx"), STRICT, GREET_E_NO_LANG, "", 0 },
};

Test(accept, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    check_row(accept, &rows[i], "accept", i);
}

Test(accept, at_least_thirty_headers)
{
  cr_assert_geq(sizeof rows / sizeof rows[0], 30u);
}

/* The fallback is canonicalised, must be in the catalogue, and decides
 * "*" and the no-preference case. */
Test(accept, fallback)
{
  static const struct { const char *fb, *header, *want; } cases[] = {
    { "de", "", "de" },
    { "de", "xx, *", "de" },
    { "pt-BR", "", "pt" },
    { "PT-br", "*", "pt" },
    { "fr", "fr;q=0, *", "ar" },
    { "ar", "garbage;;", "ar" },
    { "ar", "garbage", NULL },            /* a well-formed range: nothing matches */
    { "ja", "ko;q=0.5, *", "ja" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[16];
    size_t n = UNSET;
    greet_status st = greet_accept_language(cases[i].header, strlen(cases[i].header),
                                            cases[i].fb, strlen(cases[i].fb),
                                            buf, sizeof buf, &n, 0);
    if (cases[i].want == NULL) {
      cr_assert_eq(st, GREET_E_NO_LANG, "case %zu: %d", i, st);
      cr_assert_eq(n, 0u);
      continue;
    }
    cr_assert_eq(st, GREET_OK, "case %zu: %d", i, st);
    cr_assert_str_eq(buf, cases[i].want, "case %zu", i);
    cr_assert_eq(n, strlen(cases[i].want));
  }

  /* a fallback that is not a catalogue language is the caller's bug */
  static const char *const bad[] = { "", "xx", "*", "en_US", "en-", "x-private" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char buf[16];
    size_t n = UNSET;
    memset(buf, CANARY, sizeof buf);
    cr_assert_eq(greet_accept_language("fr", 2, bad[i], strlen(bad[i]), buf, sizeof buf,
                                       &n, 0), GREET_E_INVALID_ARG, "fallback \"%s\"", bad[i]);
    cr_assert_eq(n, UNSET);
    cr_assert_eq(buf[0], CANARY);
  }
  size_t n = UNSET;
  cr_assert_eq(greet_accept_language("fr", 2, NULL, 0, NULL, 0, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
}

Test(accept, flags_and_arguments)
{
  static const unsigned bad[] = {
    GREET_ESCAPE_HTML, GREET_LANG_NAME, GREET_LANG_NO_ISOLATE, GREET_TEMPLATE_ISOLATE,
    STRICT | 0x1u, 0x80000000u, ~0u,
  };
  char buf[16];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert_eq(greet_accept_language("de", 2, "xx", 2, buf, sizeof buf, &n, bad[i]),
                 GREET_E_INVALID_FLAGS, "flags 0x%x", bad[i]);
  cr_assert_eq(greet_accept_language(NULL, 2, "en", 2, buf, sizeof buf, &n, 0),
               GREET_E_INVALID_ARG);
  cr_assert_eq(greet_accept_language("de", 2, NULL, 2, buf, sizeof buf, &n, 0),
               GREET_E_INVALID_ARG);
  cr_assert_eq(greet_accept_language("de", 2, "en", 2, NULL, 3, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);
  /* NULL with length 0 is no header */
  cr_assert_eq(greet_accept_language(NULL, 0, "en", 2, buf, sizeof buf, &n, STRICT), GREET_OK);
  cr_assert_str_eq(buf, "en");
  cr_assert_eq(greet_accept_language("de", 2, "en", 2, buf, sizeof buf, NULL, 0), GREET_OK);
  cr_assert_str_eq(buf, "de");
}

/* A long header: many malformed and unsupported items before the one
 * that counts, and many items of every language. */
Test(accept, long_header)
{
  static char h[20000];
  size_t len = 0, n = UNSET;
  char buf[16];

  while (len + 40 < sizeof h)
    len += (size_t)snprintf(h + len, sizeof h - len, "xx-%04zu;q=0.9, bad;;, ", len % 10000);
  len += (size_t)snprintf(h + len, sizeof h - len, "nl;q=0.95");
  cr_assert_eq(greet_accept_language(h, len, "en", 2, buf, sizeof buf, &n, 0), GREET_OK);
  cr_assert_str_eq(buf, "nl");
  cr_assert_eq(greet_accept_language(h, len, "en", 2, buf, sizeof buf, &n, STRICT),
               GREET_E_BAD_HEADER);
  cr_assert_eq(n, 19u);       /* "xx-0000;q=0.9, bad;" : the second ';' */

  len = 0;
  for (size_t r = 0; len + 64 < sizeof h; r++) {
    char tag[16];
    size_t tn;
    cr_assert_eq(greet_lang_at(r % greet_lang_count(), tag, sizeof tag, &tn, 0), GREET_OK);
    len += (size_t)snprintf(h + len, sizeof h - len, "%s;q=0.%03zu,", tag, 1 + r % 499);
  }
  len += (size_t)snprintf(h + len, sizeof h - len, "sw;q=0.5");
  /* every item but the last weighs 0.001 to 0.499: "sw" wins with it */
  cr_assert_eq(greet_accept_language(h, len, "en", 2, buf, sizeof buf, &n, STRICT), GREET_OK);
  cr_assert_str_eq(buf, "sw");
}
