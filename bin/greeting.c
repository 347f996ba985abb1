/* SPDX-License-Identifier: MIT */
/*
 * greeting.c - what a greeting looks like: the language chosen for it and
 * its body as text, JSON or an HTML page, and the list of languages.
 * Bodies only: which request gets one, and its status and headers, is
 * routes.c's.
 */
#include <string.h>

#include <greet.h>

#include "greeting.h"
#include "target.h"

/* Ends a libgreet call that wrote (or measured) n bytes at the end of o. */
static greet_status grew(struct out *o, greet_status st, size_t n)
{
  if (st == GREET_E_NOSPACE)
    st = GREET_OK;              /* n is the size needed: keep counting */
  if (st == GREET_OK)
    o->len += n;
  return st;
}

/* Whether tag is "en", whose plain greeting is greet_format()'s. */
static int is_en(const char *tag, size_t len)
{
  return len == 2 && tag[0] == 'e' && tag[1] == 'n';
}

static int is_rtl(const char *tag, size_t len)
{
  char dir[8];
  size_t n = 0;
  return greet_lang_lookup(tag, len, dir, sizeof dir, &n, GREET_LANG_DIR) == GREET_OK &&
         n == sizeof "rtl" - 1 && memcmp(dir, LIT("rtl")) == 0;
}

/*
 * The first "lang" query parameter, found by libgreet's query walk as
 * browsers and Python's parse_qsl find it: pieces split at '&' (not ';'),
 * keys and values decoded as form data ('+' is a space, "l%61ng" is
 * "lang"), a malformed escape elsewhere taken as it is rather than
 * hiding the parameter.  Its value is matched by RFC 4647 lookup.  1 with
 * the canonical tag in *l when the catalogue has it; 0 when there is no
 * such parameter, or its value is too long, malformed or unknown (then it
 * is ignored).
 */
static int query_lang(const struct route_request *req, struct greeting_lang *l)
{
  const char *q;
  char val[64];
  size_t qlen, n = 0;

  return target_query(req->target, req->target_len, &q, &qlen) == 0 &&
         greet_query_get(q, qlen, LIT("lang"), val, sizeof val, &n,
                         GREET_DECODE_PLUS_SPACE | GREET_DECODE_LENIENT) == GREET_OK &&
         greet_utf8_validate(val, n, NULL, GREET_UTF8_REJECT_CTL) == GREET_OK &&
         greet_lang_lookup(val, n, l->tag, sizeof l->tag, &l->len, 0) == GREET_OK;
}

void greeting_choose_lang(const struct route_request *req, struct greeting_lang *l)
{
  const char *def = req->default_lang != NULL ? req->default_lang : "en";
  size_t def_len = strlen(def);

  if (def_len >= sizeof l->tag)
    def = "en", def_len = 2;
  if (query_lang(req, l) ||
      (req->accept_language != NULL &&
       greet_accept_language(req->accept_language, req->accept_language_len, def, def_len,
                             l->tag, sizeof l->tag, &l->len, 0) == GREET_OK)) {
    l->is_default = l->len == def_len && memcmp(l->tag, def, def_len) == 0;
    return;
  }
  memcpy(l->tag, def, def_len + 1);
  l->len = def_len;
  l->is_default = 1;
}

/* The greeting in language l, escaped as esc says (GREET_ESCAPE_*): the
 * template when there is one and l is the default language, else the
 * catalogue's. */
static greet_status put_greeting(const struct route_request *req, const struct greeting_lang *l,
                                 const char *name, size_t name_len, unsigned esc, struct out *o)
{
  size_t cap, n = 0;
  char *dst = out_room(o, &cap);
  greet_status st;

  if (req->tmpl != NULL && l->is_default)
    st = greet_template_format(req->tmpl, req->tmpl_len, name, name_len, dst, cap, &n,
                               esc | (is_rtl(l->tag, l->len) ? GREET_TEMPLATE_ISOLATE : 0));
  else if (esc == 0 && is_en(l->tag, l->len))
    st = greet_format(name, name_len, dst, cap, &n, 0);
  else
    st = greet_format_lang(l->tag, l->len, name, name_len, dst, cap, &n, esc);
  return grew(o, st, n);
}

static greet_status put_escaped(const char *s, size_t len, unsigned esc, struct out *o)
{
  size_t cap, n = 0;
  char *dst = out_room(o, &cap);
  greet_status st = greet_escape(s, len, dst, cap, &n, esc);
  return grew(o, st, n);
}

/* The page a browser shows: the greeting as text (escaped, and unable to
 * run anything even if it were not: see the Content-Security-Policy),
 * the language and direction on <html>, a little inline CSS. */
static const char html_head[] =
  "<!DOCTYPE html>\n"
  "<html lang=\"";
static const char html_dir[] = "\" dir=\"";
static const char html_title[] =
  "\">\n"
  "<head>\n"
  "<meta charset=\"utf-8\">\n"
  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
  "<title>";
static const char html_body[] =
  "</title>\n"
  "<style>\n"
  "html{color-scheme:light dark}\n"
  "body{margin:0;min-height:100vh;display:grid;place-items:center;align-content:center;"
  "font:clamp(1.25rem,4vw,2.5rem)/1.4 system-ui,sans-serif;background:#f4f5f7;color:#1b1f24}\n"
  "p,ul{margin:1rem;padding:1.5em 2em;max-width:40rem;border-radius:.75em;background:#fff;"
  "box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06);overflow-wrap:anywhere}\n"
  "ul{list-style:none}\n"
  "nav{max-width:40rem;margin:0 1rem 1rem;font-size:1rem;text-align:center}\n"
  "nav a{display:inline-block;margin:.2em .5em}\n"
  "a{color:inherit}\n"
  "@media (prefers-color-scheme:dark){body{background:#15171a;color:#e8eaed}p,ul{background:#23262b}}\n"
  "</style>\n"
  "</head>\n"
  "<body>\n"
  "<main>";
static const char html_tail[] =
  "</body>\n"
  "</html>\n";

/* Appends src[0..len) percent-encoded for flags' context. */
static greet_status put_url(const char *src, size_t len, unsigned flags, struct out *o)
{
  size_t cap, n = 0;
  char *dst = out_room(o, &cap);
  greet_status st = greet_url_encode(src, len, dst, cap, &n, flags);
  return grew(o, st, n);
}

/* "/greet/<name>?lang=<tag>", each part encoded for where it stands: the
 * name as one path segment, the tag as a query value.  Only unreserved
 * characters and "%XX" come out, so the link is also safe in HTML and
 * JSON without further escaping. */
static greet_status put_link(const char *name, size_t name_len, const char *tag, size_t tag_len,
                             struct out *o)
{
  greet_status st;

  OUT_LIT(o, "/greet/");
  if ((st = put_url(name, name_len, GREET_ENCODE_UTF8, o)) != GREET_OK)
    return st;
  OUT_LIT(o, "?lang=");
  return put_url(tag, tag_len, GREET_ENCODE_FORM, o);
}

/* One catalogue entry's tag, name or direction into v (cap 128). */
static size_t lang_at(size_t i, unsigned what, char *v)
{
  size_t n = 0;
  return greet_lang_at(i, v, 128, &n, what) == GREET_OK ? n : 0;
}

/* An HTML link to the greeting of name in catalogue language i, named in
 * that language; the page's own language (cur) is marked current. */
static greet_status put_lang_link(size_t i, const char *name, size_t name_len,
                                  const struct greeting_lang *cur, struct out *o)
{
  char tag[128], own[128], dir[128];
  size_t tag_len = lang_at(i, 0, tag), own_len = lang_at(i, GREET_LANG_NAME, own);
  size_t dir_len = lang_at(i, GREET_LANG_DIR, dir);
  greet_status st;

  OUT_LIT(o, "<a href=\"");
  if ((st = put_link(name, name_len, tag, tag_len, o)) != GREET_OK)
    return st;
  OUT_LIT(o, "\" hreflang=\"");
  out_put(o, tag, tag_len);                 /* catalogue tags: letters and '-' */
  OUT_LIT(o, "\" lang=\"");
  out_put(o, tag, tag_len);
  OUT_LIT(o, "\" dir=\"");
  out_put(o, dir, dir_len);                 /* "ltr" or "rtl" */
  if (cur != NULL && cur->len == tag_len && memcmp(cur->tag, tag, tag_len) == 0)
    OUT_LIT(o, "\" aria-current=\"page");
  OUT_LIT(o, "\">");
  if ((st = put_escaped(own, own_len, GREET_ESCAPE_HTML, o)) != GREET_OK)
    return st;
  OUT_LIT(o, "</a>");
  return GREET_OK;
}

const char greeting_csp[] = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";

greet_status greeting_body(const struct route_request *req, enum neg_media m,
                           const struct greeting_lang *l,
                             const char *name, size_t name_len, struct out *o)
{
  greet_status st;

  switch (m) {
  case NEG_JSON:
    OUT_LIT(o, "{\"greeting\": \"");
    if ((st = put_greeting(req, l, name, name_len, GREET_ESCAPE_JSON, o)) != GREET_OK)
      return st;
    OUT_LIT(o, "\", \"name\": \"");
    if ((st = put_escaped(name, name_len, GREET_ESCAPE_JSON, o)) != GREET_OK)
      return st;
    OUT_LIT(o, "\", \"lang\": \"");
    out_put(o, l->tag, l->len);             /* a catalogue tag: ASCII letters and '-' */
    OUT_LIT(o, "\"}\n");
    return GREET_OK;
  case NEG_HTML:
    OUT_LIT(o, html_head);
    out_put(o, l->tag, l->len);
    OUT_LIT(o, html_dir);
    if (is_rtl(l->tag, l->len))
      OUT_LIT(o, "rtl");
    else
      OUT_LIT(o, "ltr");
    OUT_LIT(o, html_title);
    if ((st = put_greeting(req, l, name, name_len, GREET_ESCAPE_HTML, o)) != GREET_OK)
      return st;
    OUT_LIT(o, html_body);
    OUT_LIT(o, "<p>");
    st = put_greeting(req, l, name, name_len, GREET_ESCAPE_HTML, o);
    OUT_LIT(o, "</p></main>\n<nav aria-label=\"Languages\">\n");
    for (size_t i = 0, n = greet_lang_count(); i < n && st == GREET_OK; i++) {
      st = put_lang_link(i, name, name_len, l, o);
      OUT_LIT(o, "\n");
    }
    OUT_LIT(o, "</nav>\n");
    OUT_LIT(o, html_tail);
    return st;
  case NEG_TEXT:
  case NEG_PROMETHEUS:      /* /metrics' formats: never offered here */
  case NEG_OPENMETRICS:
  default:
    return put_greeting(req, l, name, name_len, 0, o);
  }
}

/* One catalogue entry's tag, name or direction, as text or JSON string
 * contents (tags and directions are ASCII; names are UTF-8). */
static void put_lang_at(size_t i, unsigned what, unsigned esc, struct out *o)
{
  char v[128];
  size_t n = lang_at(i, what, v);
  if (esc == 0 || put_escaped(v, n, esc, o) != GREET_OK)
    out_put(o, v, n);
}

greet_status greeting_languages(enum neg_media m, const char *name, size_t name_len, struct out *o)
{
  size_t count = greet_lang_count();
  greet_status st = GREET_OK;

  if (m == NEG_HTML) {
    OUT_LIT(o, "<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr");
    OUT_LIT(o, html_title);
    OUT_LIT(o, "Languages");
    OUT_LIT(o, html_body);
    OUT_LIT(o, "<ul>\n");
    for (size_t i = 0; i < count && st == GREET_OK; i++) {
      OUT_LIT(o, "<li>");
      st = put_lang_link(i, name, name_len, NULL, o);
      OUT_LIT(o, "</li>\n");
    }
    OUT_LIT(o, "</ul></main>\n");
    OUT_LIT(o, html_tail);
    return st;
  }
  if (m == NEG_JSON)
    OUT_LIT(o, "[\n");
  for (size_t i = 0; i < count && st == GREET_OK; i++) {
    if (m == NEG_JSON) {
      char tag[128];
      size_t tag_len = lang_at(i, 0, tag);
      OUT_LIT(o, "  {\"tag\": \"");
      put_lang_at(i, 0, GREET_ESCAPE_JSON, o);
      OUT_LIT(o, "\", \"name\": \"");
      put_lang_at(i, GREET_LANG_NAME, GREET_ESCAPE_JSON, o);
      OUT_LIT(o, "\", \"dir\": \"");
      put_lang_at(i, GREET_LANG_DIR, GREET_ESCAPE_JSON, o);
      OUT_LIT(o, "\", \"href\": \"");
      st = put_link(name, name_len, tag, tag_len, o);
      if (i + 1 < count)
        OUT_LIT(o, "\"},\n");
      else
        OUT_LIT(o, "\"}\n");
    } else {
      put_lang_at(i, 0, 0, o);
      OUT_LIT(o, "\t");
      put_lang_at(i, GREET_LANG_NAME, 0, o);
      OUT_LIT(o, "\t");
      put_lang_at(i, GREET_LANG_DIR, 0, o);
      OUT_LIT(o, "\n");
    }
  }
  if (m == NEG_JSON)
    OUT_LIT(o, "]\n");
  return st;
}
