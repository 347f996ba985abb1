/* SPDX-License-Identifier: MIT */
/*
 * test_greeting.c - bin/greeting.c without routing: the language chosen
 * from the query, Accept-Language and the default; the bodies in each
 * representation; the list of languages, which must hold the whole
 * catalogue in both forms.  Every body is also built into buffers too
 * small for it, which must count the same size and write nothing past cap.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "greeting.h"

struct lang_row {
  const char *query;            /* raw "lang" value, or NULL */
  const char *accept_language;  /* or NULL */
  const char *def;              /* --default-lang, or NULL for "en" */
  const char *want;
  int is_default;
};

static const struct lang_row lang_rows[] = {
  {NULL, NULL, NULL, "en", 1},
  {NULL, NULL, "fr", "fr", 1},
  {"fr", NULL, NULL, "fr", 0},
  {"FR", "de", NULL, "fr", 0},          /* the query wins, canonical case */
  {"xx", "de", NULL, "de", 0},          /* an unknown query is ignored */
  {"f%72", NULL, NULL, "fr", 0},        /* the value is percent-decoded */
  {"%zz", NULL, "de", "de", 1},         /* a malformed one is ignored */
  {NULL, "xx, de;q=0.5", NULL, "de", 0},
  {NULL, "xx", "fr", "fr", 1},          /* nothing usable: the default */
  {NULL, "fr;q=0", "fr", "fr", 1},
  {NULL, "en", "fr", "en", 0},
};

Test(greeting, choose_lang)
{
  for (size_t i = 0; i < sizeof lang_rows / sizeof lang_rows[0]; i++) {
    const struct lang_row *r = &lang_rows[i];
    struct route_request req = {.method = "GET", .default_lang = r->def};
    struct greeting_lang l;
    if (r->query != NULL) {
      req.lang_query = r->query;
      req.lang_query_len = strlen(r->query);
    }
    if (r->accept_language != NULL) {
      req.accept_language = r->accept_language;
      req.accept_language_len = strlen(r->accept_language);
    }
    greeting_choose_lang(&req, &l);
    cr_expect_str_eq(l.tag, r->want, "row %zu", i);
    cr_expect_eq(l.len, strlen(r->want), "row %zu", i);
    cr_expect_eq(l.is_default, r->is_default, "row %zu: is_default", i);
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

static void languages_body(struct out *o, const void *ctx)
{
  greeting_languages(*(const enum neg_media *)ctx, o);
}

Test(greeting, languages)
{
  static char text[65536], json[65536];
  size_t text_len, json_len, lines = 0, objects = 0;
  const enum neg_media t = NEG_TEXT, j = NEG_JSON;

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
  all_caps(greeting_body_of, &html, full, sizeof full, &len);
  full[len] = '\0';
  cr_expect(strstr(full, "<html lang=\"en\" dir=\"ltr\">") != NULL);
  cr_expect(strstr(full, "Hello, &lt;b&gt;!") != NULL);
  cr_expect(strstr(full, "<b>") == NULL, "the name is escaped");
}
