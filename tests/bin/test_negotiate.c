/* SPDX-License-Identifier: MIT */
/*
 * test_negotiate.c - bin/negotiate.c (Accept, RFC 9110 section 12.5.1)
 * and the negotiated answers of bin/routes.c, without sockets.
 *
 * Two tables: Accept fields against the three representations of
 * /greet and the two of /languages; then whole requests (Accept,
 * Accept-Language, the lang query value, --default-lang, --template)
 * against status, Content-Type, Content-Language, Vary and the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "negotiate.h"
#include "routes.h"

#define T(lit) lit, sizeof(lit) - 1
#define TJ (NEG_OFFER(NEG_TEXT) | NEG_OFFER(NEG_JSON))

struct media_row {
  const char *accept;           /* NULL: no field */
  size_t len;
  int want_all;                 /* offered: text, JSON, HTML */
  int want_tj;                  /* offered: text, JSON (/languages) */
};

#define CHROMIUM "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif," \
                 "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
#define FIREFOX "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

static const struct media_row media_rows[] = {
  /* no preference: text */
  {NULL, 0, NEG_TEXT, NEG_TEXT},
  {T(""), NEG_TEXT, NEG_TEXT},
  {T("*/*"), NEG_TEXT, NEG_TEXT},
  {T("  "), NEG_TEXT, NEG_TEXT},
  {T(",,"), NEG_TEXT, NEG_TEXT},
  /* one type */
  {T("text/plain"), NEG_TEXT, NEG_TEXT},
  {T("application/json"), NEG_JSON, NEG_JSON},
  {T("text/html"), NEG_HTML, NEG_NONE},
  {T("text/*"), NEG_TEXT, NEG_TEXT},
  {T("application/*"), NEG_JSON, NEG_JSON},
  {T("APPLICATION/JSON"), NEG_JSON, NEG_JSON},
  {T("Text/HTML"), NEG_HTML, NEG_NONE},
  /* browsers and tools as they send it */
  {T(CHROMIUM), NEG_HTML, NEG_TEXT},
  {T(FIREFOX), NEG_HTML, NEG_TEXT},
  {T("application/json, text/plain, */*"), NEG_TEXT, NEG_TEXT},   /* axios: a tie */
  /* weights */
  {T("application/json, text/plain;q=0.9"), NEG_JSON, NEG_JSON},
  {T("application/json;q=0.9, text/plain;q=0.8"), NEG_JSON, NEG_JSON},
  {T("text/plain;q=0.5, text/html"), NEG_HTML, NEG_TEXT},
  {T("text/*;q=0.5, text/html"), NEG_HTML, NEG_TEXT},
  {T("application/json;q=0.001"), NEG_JSON, NEG_JSON},
  {T("application/json;q=1.000"), NEG_JSON, NEG_JSON},
  {T("application/json;q=1."), NEG_JSON, NEG_JSON},
  {T("application/json;Q=0.5"), NEG_JSON, NEG_JSON},
  {T("text/html;q=0.2, application/json;q=0.3, text/plain;q=0.1"), NEG_JSON, NEG_JSON},
  /* the most specific range decides, whatever the order */
  {T("*/*, text/plain;q=0"), NEG_JSON, NEG_JSON},
  {T("text/plain;q=0, */*"), NEG_JSON, NEG_JSON},
  {T("*/*;q=0.1, text/plain;q=0"), NEG_JSON, NEG_JSON},
  {T("text/*;q=0, application/json;q=0.1"), NEG_JSON, NEG_JSON},
  {T("text/*;q=0, */*"), NEG_JSON, NEG_JSON},
  {T("text/html;q=0, text/*"), NEG_TEXT, NEG_TEXT},
  {T("text/plain;charset=utf-8;q=0.9, text/plain;q=0.1, application/json;q=0.5"), NEG_TEXT, NEG_TEXT},
  /* among equals, the first written */
  {T("text/plain;q=0, text/plain"), NEG_NONE, NEG_NONE},
  {T("text/plain, text/plain;q=0"), NEG_TEXT, NEG_TEXT},
  /* nothing acceptable: 406 */
  {T("image/png"), NEG_NONE, NEG_NONE},
  {T("text/plain;q=0, */*;q=0"), NEG_NONE, NEG_NONE},
  {T("*/*;q=0"), NEG_NONE, NEG_NONE},
  {T("text/plain;q=0"), NEG_NONE, NEG_NONE},
  {T("text/plain;q=0.000"), NEG_NONE, NEG_NONE},
  {T("image/*, text/html;q=0.1"), NEG_HTML, NEG_NONE},
  {T("text/csv, application/xml"), NEG_NONE, NEG_NONE},
  /* parameters: charset=utf-8 is ours, anything else is not */
  {T("application/json; charset=utf-8"), NEG_JSON, NEG_JSON},
  {T("application/json;charset=UTF-8"), NEG_JSON, NEG_JSON},
  {T("text/plain; charset=\"utf-8\""), NEG_TEXT, NEG_TEXT},
  {T("text/plain; charset=iso-8859-1"), NEG_NONE, NEG_NONE},
  {T("text/plain;format=flowed"), NEG_NONE, NEG_NONE},
  {T("text/html;level=1;q=0.5"), NEG_NONE, NEG_NONE},
  {T("text/plain;charset=iso-8859-1, */*;q=0.1"), NEG_TEXT, NEG_TEXT},
  {T("application/json;v=2, */*;q=0.5"), NEG_TEXT, NEG_TEXT},
  {T("application/json;x=\"a,b\", text/plain;q=0"), NEG_NONE, NEG_NONE},
  {T("text/plain;q=0.5;ext=1"), NEG_TEXT, NEG_TEXT},      /* accept-ext: ignored */
  {T("application/json;;q=0.5"), NEG_JSON, NEG_JSON},     /* empty parameter */
  /* whitespace (OWS is space and tab) and empty list elements */
  {T(" \t application/json \t ;\t q=0.5 "), NEG_JSON, NEG_JSON},
  {T(", , application/json ,,"), NEG_JSON, NEG_JSON},
  /* malformed items are skipped; with nothing valid left, no preference */
  {T("garbage"), NEG_TEXT, NEG_TEXT},
  {T("text"), NEG_TEXT, NEG_TEXT},
  {T("text/"), NEG_TEXT, NEG_TEXT},
  {T("/plain"), NEG_TEXT, NEG_TEXT},
  {T("*/json"), NEG_TEXT, NEG_TEXT},
  {T("*/json, application/json"), NEG_JSON, NEG_JSON},
  {T("text/plain;q=1.5"), NEG_TEXT, NEG_TEXT},
  {T("text/plain;q=1.5, image/png"), NEG_NONE, NEG_NONE},
  {T("application/json;q=0.0001"), NEG_TEXT, NEG_TEXT},
  {T("application/json;q=1.001"), NEG_TEXT, NEG_TEXT},
  {T("application/json;q=\"0.5\""), NEG_TEXT, NEG_TEXT},
  {T("application/json;q="), NEG_TEXT, NEG_TEXT},
  {T("application/json;q=-1"), NEG_TEXT, NEG_TEXT},
  {T("application/json;q=.5"), NEG_TEXT, NEG_TEXT},
  {T("application/json;x=\"a"), NEG_TEXT, NEG_TEXT},     /* unclosed quote */
  {T("application/json;=x, text/html"), NEG_HTML, NEG_NONE},
  {T("application/json x, text/html"), NEG_HTML, NEG_NONE},
  {T("text/pla\"in\", application/json"), NEG_JSON, NEG_JSON},
  {T("application/json\0text/html"), NEG_TEXT, NEG_TEXT}, /* NUL: one bad item */
  {T("\xC3\xA9/json, text/html"), NEG_HTML, NEG_NONE},
};

Test(negotiate, media)
{
  for (size_t i = 0; i < sizeof media_rows / sizeof media_rows[0]; i++) {
    const struct media_row *r = &media_rows[i];
    int all = negotiate_media(r->accept, r->len, NEG_OFFER_ALL);
    int tj = negotiate_media(r->accept, r->len, TJ);
    cr_expect_eq(all, r->want_all, "row %zu \"%s\": %d, want %d (text, json, html)", i,
                 r->accept ? r->accept : "(none)", all, r->want_all);
    cr_expect_eq(tj, r->want_tj, "row %zu \"%s\": %d, want %d (text, json)", i,
                 r->accept ? r->accept : "(none)", tj, r->want_tj);
  }
}

/* One offer alone: chosen when acceptable, else NEG_NONE; a field with
 * nothing valid in it chooses it too. */
Test(negotiate, single_offer)
{
  cr_expect_eq(negotiate_media(T("application/json"), NEG_OFFER(NEG_TEXT)), NEG_NONE);
  cr_expect_eq(negotiate_media(T("*/*"), NEG_OFFER(NEG_HTML)), NEG_HTML);
  cr_expect_eq(negotiate_media(NULL, 0, NEG_OFFER(NEG_JSON)), NEG_JSON);
  cr_expect_eq(negotiate_media(T("bad"), NEG_OFFER(NEG_HTML)), NEG_HTML);
  cr_expect_eq(negotiate_media(T("text/*"), NEG_OFFER(NEG_JSON)), NEG_NONE);
}

/* A long field is one linear pass; the last item still counts. */
/* /metrics: the Prometheus text unless the client prefers OpenMetrics
 * 1.0.0; a version we do not have matches nothing. */
Test(negotiate, metrics_formats)
{
  static const struct {
    const char *accept;
    int want;
  } rows[] = {
    {NULL, NEG_PROMETHEUS},
    {"*/*", NEG_PROMETHEUS},
    {"text/plain", NEG_PROMETHEUS},
    {"text/plain; version=0.0.4", NEG_PROMETHEUS},
    {"application/openmetrics-text", NEG_OPENMETRICS},
    {"application/openmetrics-text; version=1.0.0", NEG_OPENMETRICS},
    {"application/openmetrics-text;version=1.0.0;charset=utf-8", NEG_OPENMETRICS},
    {"Application/OpenMetrics-Text; Version=1.0.0", NEG_OPENMETRICS},
    {"application/openmetrics-text; version=0.0.1", NEG_NONE},
    {"application/openmetrics-text; version=1.0.0; q=0", NEG_NONE},
    {"text/plain; version=0.0.5", NEG_NONE},
    {"application/json", NEG_NONE},
    /* Prometheus 2.42's scrape */
    {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", NEG_OPENMETRICS},
    {"application/openmetrics-text;version=1.0.0;q=0.4,text/plain;version=0.0.4;q=0.5", NEG_PROMETHEUS},
    {"application/openmetrics-text;version=1.0.0;q=0.5,text/plain;q=0.5", NEG_PROMETHEUS},
    {"application/openmetrics-text;version=0.0.1,*/*;q=0.1", NEG_PROMETHEUS},
    {"application/*", NEG_OPENMETRICS},
    {"application/*;q=0.9,text/*;q=0.8", NEG_OPENMETRICS},
    {"text/*;q=0.9, application/openmetrics-text;q=0.8", NEG_PROMETHEUS},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    size_t n = rows[i].accept ? strlen(rows[i].accept) : 0;
    cr_expect_eq(negotiate_media(rows[i].accept, n, NEG_OFFER_METRICS), rows[i].want,
                 "row %zu: %s", i, rows[i].accept);
  }
  /* a version parameter asks for something the greetings do not have */
  cr_expect_eq(negotiate_media(T("text/plain; version=0.0.4"), NEG_OFFER_ALL), NEG_NONE);
  cr_expect_str_eq(negotiate_content_type(NEG_OPENMETRICS), CONTENT_TYPE_OPENMETRICS);
  cr_expect_str_eq(negotiate_content_type(NEG_PROMETHEUS), CONTENT_TYPE_METRICS);
}

Test(negotiate, long_field)
{
  static char field[64 * 1024];
  size_t n = 0;
  while (n + 64 < sizeof field)
    n += (size_t)snprintf(field + n, sizeof field - n, "x/y;q=0.5;a=\"b,c\", ");
  n += (size_t)snprintf(field + n, sizeof field - n, "application/json;q=0.1");
  cr_expect_eq(negotiate_media(field, n, NEG_OFFER_ALL), NEG_JSON);
  cr_expect_eq(negotiate_media(field, n - 22, NEG_OFFER_ALL), NEG_NONE);
}

Test(negotiate, content_types)
{
  cr_expect_str_eq(negotiate_content_type(NEG_TEXT), "text/plain; charset=utf-8");
  cr_expect_str_eq(negotiate_content_type(NEG_JSON), "application/json");
  cr_expect_str_eq(negotiate_content_type(NEG_HTML), "text/html; charset=utf-8");
}

/* Whole requests through route_request(). */
struct req_row {
  const char *target;
  const char *accept;
  const char *accept_language;
  const char *lang_query;       /* the raw value of a "lang" query, or NULL */
  const char *default_lang;
  const char *tmpl;
  unsigned status;
  const char *content_type;
  const char *content_language; /* "" for none */
  const char *vary;             /* NULL for none */
  const char *body;             /* exact body, or (with '*' first) a part of it */
};

#define TXT "text/plain; charset=utf-8"
#define JSN "application/json"
#define HTM "text/html; charset=utf-8"
#define VARY "Accept, Accept-Language"
#define N406 "Not Acceptable: available as text/plain, application/json or text/html\n"

static const struct req_row req_rows[] = {
  /* the plain request: unchanged, and now with its language and Vary */
  {"/greet/John", NULL, NULL, NULL, NULL, NULL, 200, TXT, "en", VARY, "Hello, John!"},
  {"/greet/John", "*/*", NULL, NULL, NULL, NULL, 200, TXT, "en", VARY, "Hello, John!"},
  {"/greet/John", "application/json", NULL, NULL, NULL, NULL, 200, JSN, "en", VARY,
   "{\"greeting\": \"Hello, John!\", \"name\": \"John\", \"lang\": \"en\"}\n"},
  /* the example */
  {"/greet/Zo%C3%AB", "application/json", "fr-CH, de;q=0.5", NULL, NULL, NULL, 200, JSN, "fr", VARY,
   "{\"greeting\": \"Bonjour, Zo\xC3\xAB\xE2\x80\xAF!\", \"name\": \"Zo\xC3\xAB\", \"lang\": \"fr\"}\n"},
  /* Accept-Language and its fallbacks */
  {"/greet/Ana", NULL, "es", NULL, NULL, NULL, 200, TXT, "es", VARY, "\xC2\xA1Hola, Ana!"},
  {"/greet/Ana", NULL, "pt-BR", NULL, NULL, NULL, 200, TXT, "pt", VARY, "Ol\xC3\xA1, Ana!"},
  {"/greet/Ana", NULL, "fr-ca", NULL, NULL, NULL, 200, TXT, "fr-CA", VARY, "Bonjour, Ana!"},
  {"/greet/Ana", NULL, "xx", NULL, NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  {"/greet/Ana", NULL, "xx, de;q=0.1", NULL, NULL, NULL, 200, TXT, "de", VARY, "Hallo, Ana!"},
  {"/greet/Ana", NULL, "*", NULL, "nl", NULL, 200, TXT, "nl", VARY, "Hallo Ana!"},
  {"/greet/Ana", NULL, "en;q=0, *", NULL, NULL, NULL, 200, TXT, "ar", VARY,
   "*\xD8\x8C \xE2\x81\xA8" "Ana\xE2\x81\xA9!"},
  {"/greet/Ana", NULL, ";;;", NULL, NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  {"/greet/Ana", NULL, "", NULL, NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  /* the query's lang: decoded once, as a form value; it wins */
  {"/greet/Ana", NULL, NULL, "de", NULL, NULL, 200, TXT, "de", VARY, "Hallo, Ana!"},
  {"/greet/Ana", NULL, "fr", "de", NULL, NULL, 200, TXT, "de", VARY, "Hallo, Ana!"},
  {"/greet/Ana", NULL, NULL, "pt-BR", NULL, NULL, 200, TXT, "pt", VARY, "Ol\xC3\xA1, Ana!"},
  {"/greet/Ana", NULL, NULL, "%66r-%43A", NULL, NULL, 200, TXT, "fr-CA", VARY, "Bonjour, Ana!"},
  {"/greet/Ana", NULL, NULL, "%2566r", NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  {"/greet/Ana", NULL, NULL, "fr+CA", NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  {"/greet/Ana", NULL, NULL, "%zz", NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  {"/greet/Ana", NULL, NULL, "fr%00", NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  {"/greet/Ana", NULL, NULL, "", NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  {"/greet/Ana", NULL, NULL, "*", NULL, NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  /* an unusable lang leaves the choice to Accept-Language */
  {"/greet/Ana", NULL, "sv", "xx", NULL, NULL, 200, TXT, "sv", VARY, "Hej Ana!"},
  /* --default-lang */
  {"/greet/Ana", NULL, NULL, NULL, "de", NULL, 200, TXT, "de", VARY, "Hallo, Ana!"},
  {"/greet/Ana", NULL, "xx", NULL, "ja", NULL, 200, TXT, "ja", VARY,
   "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF\xE3\x80\x81"
   "Ana\xE3\x81\x95\xE3\x82\x93\xEF\xBC\x81"},
  {"/greet/Ana", NULL, "en", NULL, "de", NULL, 200, TXT, "en", VARY, "Hello, Ana!"},
  /* --template: the default language's greeting, the catalogue for the rest */
  {"/greet/Ana", NULL, NULL, NULL, NULL, "Hi {name}, welcome!", 200, TXT, "en", VARY,
   "Hi Ana, welcome!"},
  {"/greet/Ana", NULL, "fr", NULL, NULL, "Hi {name}, welcome!", 200, TXT, "fr", VARY,
   "Bonjour, Ana\xE2\x80\xAF!"},
  {"/greet/Ana", NULL, "en-GB", NULL, NULL, "Hi {name}, welcome!", 200, TXT, "en", VARY,
   "Hi Ana, welcome!"},
  {"/greet/Ana", NULL, NULL, NULL, "de", "Servus {name}!", 200, TXT, "de", VARY, "Servus Ana!"},
  {"/greet/Ana", NULL, NULL, "en", "de", "Servus {name}!", 200, TXT, "en", VARY, "Hello, Ana!"},
  {"/greet/Ana", NULL, NULL, NULL, "he", "{name} {{}}", 200, TXT, "he", VARY,
   "\xE2\x81\xA8" "Ana\xE2\x81\xA9 {}"},
  {"/greet/%3Cb%3E", "application/json", NULL, NULL, NULL, "Tom & \"{name}\"", 200, JSN, "en", VARY,
   "{\"greeting\": \"Tom & \\\"<b>\\\"\", \"name\": \"<b>\", \"lang\": \"en\"}\n"},
  {"/greet/%3Cb%3E", "text/html", NULL, NULL, NULL, "Tom & {name}", 200, HTM, "en", VARY,
   "*<title>Tom &amp; &lt;b&gt;</title>"},
  /* JSON escaping of names */
  {"/greet/%22%5C", "application/json", NULL, NULL, NULL, NULL, 200, JSN, "en", VARY,
   "{\"greeting\": \"Hello, \\\"\\\\!\", \"name\": \"\\\"\\\\\", \"lang\": \"en\"}\n"},
  {"/greet/a%E2%80%A8b", "application/json", NULL, NULL, NULL, NULL, 200, JSN, "en", VARY,
   "*\"name\": \"a\\u2028b\""},
  {"/greet/%D8%B3%D9%84%D9%85%D9%89", "application/json", NULL, "ar", NULL, NULL, 200, JSN, "ar", VARY,
   "*\"lang\": \"ar\"}\n"},
  /* HTML: escaped, with the language and its direction */
  {"/greet/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "text/html", NULL, NULL, NULL, NULL, 200, HTM, "en",
   VARY, "*<main><p>Hello, &lt;script&gt;alert(1)&lt;/script&gt;!</p></main>"},
  {"/greet/%22'%26", "text/html", NULL, NULL, NULL, NULL, 200, HTM, "en", VARY,
   "*<p>Hello, &quot;&#39;&amp;!</p>"},
  {"/greet/Ana", "text/html", NULL, NULL, NULL, NULL, 200, HTM, "en", VARY,
   "*<html lang=\"en\" dir=\"ltr\">"},
  {"/greet/Ana", "text/html", NULL, "ar", NULL, NULL, 200, HTM, "ar", VARY,
   "*<html lang=\"ar\" dir=\"rtl\">"},
  {"/greet/Ana", "text/html", "he", NULL, NULL, NULL, 200, HTM, "he", VARY,
   "*<html lang=\"he\" dir=\"rtl\">"},
  {"/greet/Ana", CHROMIUM, "fr-CA", NULL, NULL, NULL, 200, HTM, "fr-CA", VARY,
   "*<title>Bonjour, Ana!</title>"},
  /* 406 after the name is checked; errors are never negotiated */
  {"/greet/Ana", "image/png", NULL, NULL, NULL, NULL, 406, TXT, "", VARY, N406},
  {"/greet/Ana", "text/plain;q=0, */*;q=0", "fr", NULL, NULL, NULL, 406, TXT, "", VARY, N406},
  {"/greet/%zz", "image/png", NULL, NULL, NULL, NULL, 400, TXT, "", NULL,
   "*Bad Request: bad percent-escape"},
  {"/greet/%FF", "image/png", NULL, NULL, NULL, NULL, 400, TXT, "", NULL,
   "*Bad Request: invalid UTF-8"},
  {"/greet/%FF", "application/json", "fr", NULL, NULL, NULL, 400, TXT, "", NULL,
   "*Bad Request: invalid UTF-8"},
  {"/greet/%FF", "text/html", NULL, "ar", NULL, "x{name}", 400, TXT, "", NULL,
   "*Bad Request: invalid UTF-8"},
  {"/nope", "application/json", "fr", NULL, NULL, NULL, 404, TXT, "", NULL, "Not Found\n"},
  /* /languages */
  {"/languages", NULL, NULL, NULL, NULL, NULL, 200, TXT, "", "Accept", "*en\tEnglish\tltr\n"},
  {"/languages", "*/*", "fr", NULL, NULL, NULL, 200, TXT, "", "Accept", "*ar\t"},
  {"/languages", "application/json", NULL, NULL, NULL, NULL, 200, JSN, "", "Accept",
   "*  {\"tag\": \"fr-CA\", \"name\": \"fran\xC3\xA7" "ais canadien\", \"dir\": \"ltr\", "
   "\"href\": \"/greet/World?lang=fr-CA\"},\n"},
  {"/languages", "text/html", NULL, NULL, NULL, NULL, 200, HTM, "", "Accept",
   "*<li><a href=\"/greet/World?lang=fr-CA\" hreflang=\"fr-CA\" lang=\"fr-CA\" dir=\"ltr\">"
   "fran\xC3\xA7" "ais canadien</a></li>\n"},
  {"/languages?name=Ren%C3%A9+M&lang=de", "text/html", NULL, NULL, NULL, NULL, 200, HTM, "", "Accept",
   "*<a href=\"/greet/Ren%C3%A9%20M?lang=ar\""},
  {"/languages?x=1&name=a%2Fb%3F%26", "application/json", NULL, NULL, NULL, NULL, 200, JSN, "", "Accept",
   "*\"href\": \"/greet/a%2Fb%3F%26?lang=de\""},
  {"/languages?name=", "application/json", NULL, NULL, NULL, NULL, 200, JSN, "", "Accept",
   "*\"href\": \"/greet/World?lang=de\""},
  {"/languages?name=%FF", "application/json", NULL, NULL, NULL, NULL, 400, TXT, "", NULL,
   "*Bad Request: invalid UTF-8"},
  {"/languages?name=a%00", NULL, NULL, NULL, NULL, NULL, 400, TXT, "", NULL,
   "*Bad Request: NUL character"},
  {"/languages", "image/png", NULL, NULL, NULL, NULL, 406, TXT, "", "Accept",
   "Not Acceptable: available as text/plain, application/json or text/html\n"},
};

static const char *show(const char *s)
{
  return s != NULL ? s : "(null)";
}

/* A req->grow that hands out one heap block of exactly the size asked
 * (so ASan sees a write past it) and counts the calls; none with fail. */
struct grower {
  char *block;
  size_t calls, need;
  int fail;
};

static char *grow(void *ctx, size_t need)
{
  struct grower *g = ctx;
  g->calls++;
  g->need = need;
  free(g->block);
  g->block = g->fail ? NULL : malloc(need);
  return g->block;
}

static void route_grow(const struct req_row *r, char *buf, size_t cap, struct grower *g,
                       struct route_response *res)
{
  char target[512];
  int n = snprintf(target, sizeof target, "%s%s%s", r->target, r->lang_query ? "?lang=" : "",
                   r->lang_query ? r->lang_query : "");
  cr_assert(n > 0 && (size_t)n < sizeof target);
  struct route_request req = {
    .method = "GET", .target = target, .target_len = (size_t)n, .max_name = 1024,
    .accept = r->accept, .accept_len = r->accept ? strlen(r->accept) : 0,
    .accept_language = r->accept_language,
    .accept_language_len = r->accept_language ? strlen(r->accept_language) : 0,
    .default_lang = r->default_lang,
    .tmpl = r->tmpl, .tmpl_len = r->tmpl ? strlen(r->tmpl) : 0,
    .grow = g != NULL ? grow : NULL, .grow_ctx = g,
  };
  memset(res, 0xA5, sizeof *res);
  route_request(&req, buf, cap, res);
}

static void route_row(const struct req_row *r, char *buf, size_t cap, struct route_response *res)
{
  route_grow(r, buf, cap, NULL, res);
}

Test(negotiate, requests)
{
  static char buf[64 * 1024];

  for (size_t i = 0; i < sizeof req_rows / sizeof req_rows[0]; i++) {
    const struct req_row *r = &req_rows[i];
    struct route_response res;

    route_row(r, buf, sizeof buf, &res);
    cr_expect_eq(res.status, r->status, "row %zu %s: status %u, want %u", i, r->target,
                 res.status, r->status);
    cr_expect_str_eq(res.content_type, r->content_type, "row %zu %s: Content-Type", i, r->target);
    cr_expect_str_eq(res.content_language, r->content_language, "row %zu %s: Content-Language",
                     i, r->target);
    if (r->vary == NULL)
      cr_expect_null(res.vary, "row %zu %s: Vary %s", i, r->target, show(res.vary));
    else
      cr_expect(res.vary != NULL && strcmp(res.vary, r->vary) == 0, "row %zu %s: Vary %s",
                i, r->target, show(res.vary));
    cr_expect_eq(res.need, 0, "row %zu: need %zu", i, res.need);
    if (r->content_type == NULL || strcmp(r->content_type, HTM) != 0)
      cr_expect_null(res.csp, "row %zu: CSP on a non-HTML answer", i);
    else
      cr_expect(res.csp != NULL && strstr(res.csp, "default-src 'none'") != NULL,
                "row %zu: no strict CSP on HTML", i);
    if (r->body[0] == '*') {
      const char *part = r->body + 1;
      size_t n = strlen(part);
      int found = 0;
      for (size_t k = 0; !found && k + n <= res.body_len; k++)
        found = memcmp(res.body + k, part, n) == 0;
      cr_expect(found, "row %zu %s: body\n%.*s\ndoes not contain\n%s", i, r->target,
                (int)res.body_len, res.body, part);
    } else {
      cr_expect(res.body_len == strlen(r->body) && memcmp(res.body, r->body, res.body_len) == 0,
                "row %zu %s: body\n%.*s\nwant\n%s", i, r->target, (int)res.body_len, res.body,
                r->body);
    }
  }
}

/* The same with req->grow: every answer is routed once whatever the
 * buffer; one that does not fit asks grow for exactly its size, once, and
 * is the same answer as from a large buffer; a grow that has nothing
 * gives the 500 with need. */
static void grow_at(const struct req_row *r, char *small, size_t cap,
                    const struct route_response *want, size_t i)
{
  struct grower g = {NULL, 0, 0, 0};
  struct route_response res;
  int fits = cap > want->body_len;

  route_grow(r, small, cap, &g, &res);
  cr_expect_eq(g.calls, fits ? 0u : 1u, "row %zu, cap %zu: %zu calls", i, cap, g.calls);
  cr_expect_eq(res.status, 200, "row %zu, cap %zu: status %u", i, cap, res.status);
  cr_expect_eq(res.need, 0, "row %zu, cap %zu: need %zu", i, cap, res.need);
  cr_expect(res.body == (fits ? small : g.block), "row %zu, cap %zu: body elsewhere", i, cap);
  cr_expect(res.body_len == want->body_len && memcmp(res.body, want->body, want->body_len) == 0,
            "row %zu, cap %zu: another body", i, cap);
  if (!fits)
    cr_expect_eq(g.need, want->body_len + 1, "row %zu, cap %zu: asked %zu", i, cap, g.need);
  free(g.block);

  g = (struct grower){NULL, 0, 0, 1};
  route_grow(r, small, cap, &g, &res);
  cr_expect_eq(res.status, fits ? 200u : 500u, "row %zu, cap %zu, no memory", i, cap);
  cr_expect_eq(res.need, fits ? 0 : want->body_len + 1, "row %zu, cap %zu, no memory", i, cap);
}

/* Every HTML and JSON answer is routed into buffers of every size around
 * what it needs: too small gives a 500 with need set and nothing written
 * past cap; need bytes give the same answer as a large buffer; and with
 * req->grow, the same answer at every size (grow_at). */
Test(negotiate, need)
{
  static char big[64 * 1024], small[64 * 1024 + 16];

  for (size_t i = 0; i < sizeof req_rows / sizeof req_rows[0]; i++) {
    const struct req_row *r = &req_rows[i];
    struct route_response want, res;

    if (r->status != 200)
      continue;
    route_row(r, big, sizeof big, &want);
    for (size_t cap = 1; cap <= want.body_len + 2; cap++) {
      memset(small, '#', sizeof small);
      route_row(r, small, cap, &res);
      for (size_t k = cap; k < cap + 16; k++)
        if (small[k] != '#') {
          cr_expect_fail("row %zu, cap %zu: wrote past cap", i, cap);
          break;
        }
      if (cap > want.body_len) {
        cr_expect_eq(res.status, 200, "row %zu, cap %zu: status %u", i, cap, res.status);
        cr_expect_eq(res.need, 0, "row %zu, cap %zu", i, cap);
        cr_expect(res.body_len == want.body_len && memcmp(res.body, want.body, want.body_len) == 0,
                  "row %zu, cap %zu: another body", i, cap);
      } else {
        cr_expect_eq(res.status, 500, "row %zu, cap %zu: status %u", i, cap, res.status);
        cr_expect_eq(res.need, want.body_len + 1, "row %zu, cap %zu: need %zu, want %zu", i, cap,
                     res.need, want.body_len + 1);
        cr_expect(res.body_len > 0 && res.body[res.body_len - 1] == '\n',
                  "row %zu, cap %zu: 500 body", i, cap);
      }
      grow_at(r, small, cap, &want, i);
    }
  }
}

/* The catalogue as /languages lists it: one line (or object) per language,
 * greet_lang_count() of them. */
Test(negotiate, languages_list)
{
  static char buf[64 * 1024];
  struct route_response res;
  struct route_request req = {.method = "GET", .target = "/languages", .target_len = 10,
                              .max_name = 1024};
  size_t lines = 0;

  route_request(&req, buf, sizeof buf, &res);
  cr_assert_eq(res.status, 200);
  cr_expect_str_eq(res.cache_control, "public, max-age=86400");
  cr_expect_eq(res.no_store, 0);
  for (size_t k = 0; k < res.body_len; k++)
    lines += res.body[k] == '\n';
  cr_expect_geq(lines, 20, "%zu languages", lines);

  req.accept = "application/json";
  req.accept_len = 16;
  route_request(&req, buf, sizeof buf, &res);
  size_t objects = 0;
  for (size_t k = 0; k < res.body_len; k++)
    objects += res.body[k] == '{';
  cr_expect_eq(objects, lines, "%zu objects, %zu lines", objects, lines);

  req.method = "POST";
  route_request(&req, buf, sizeof buf, &res);
  cr_expect_eq(res.status, 405);
  cr_expect_str_eq(res.allow, "GET, HEAD");
}
