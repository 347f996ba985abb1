/*
 * routes.c - GET /greet/<name> and the answers around it.
 *
 * The route is matched on the raw path split at '/', and each segment is
 * percent-decoded exactly once, by libgreet: "%2F" is data inside a name,
 * "/greet%2FJohn" is one segment and no route, "%2541" greets "%41".
 * Empty segments are kept, so "//greet/John" and "/greet//John" are 404.
 *
 * A greeting is negotiated (negotiate.c for Accept, libgreet for the
 * language), and written into the caller's buffer through a `struct out`
 * that keeps counting past its end, so one pass either builds the body or
 * learns its size.  The plain request (no Accept, no Accept-Language, no
 * query, default "en", no template) takes the same path as before:
 * greet_format() straight into buf.
 */
#include <stdio.h>
#include <string.h>

#include <greet.h>

#include "negotiate.h"
#include "routes.h"

#define LIT(s) s, sizeof(s) - 1

static const char allow_greet[] = "GET, HEAD, OPTIONS";
static const char allow_ops[] = "GET, HEAD";

static void answer(struct route_response *res, unsigned status,
                   const char *body, size_t body_len)
{
  res->status = status;
  res->allow = NULL;
  res->body = body;
  res->body_len = body_len;
  res->content_type = ROUTE_TEXT_PLAIN;
  res->body_kind = ROUTE_BODY_TEXT;
  res->no_store = 0;
  res->cache_control = NULL;
  res->vary = NULL;
  res->csp = NULL;
  res->content_language[0] = '\0';
  res->need = 0;
}

/* 400 with libgreet's one-line description of what is wrong. */
static void answer_bad(struct route_response *res, char *buf, size_t cap,
                       greet_status st)
{
  int n = snprintf(buf, cap, "Bad Request: %s\n", greet_strerror(st));
  if (n < 0 || (size_t)n >= cap)
    answer(res, 400, LIT("Bad Request\n"));
  else
    answer(res, 400, buf, (size_t)n);
}

int route_target_path(const char *target, size_t target_len,
                      const char **path, size_t *path_len)
{
  const char *end = target + target_len;
  const char *p = target;

  if (target_len == 1 && target[0] == '*') {
    *path = target;
    *path_len = 1;
    return 0;
  }
  if (target_len == 0)
    return -1;
  if (target[0] != '/') {
    /* absolute-form: scheme "://" authority [path]; the scheme is
     * ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 section 3.1) */
    const char *colon = memchr(target, ':', target_len);
    if (colon == NULL || colon == target || end - colon < 3 || colon[1] != '/' || colon[2] != '/')
      return -1;
    for (const char *q = target; q < colon; q++) {
      unsigned char c = (unsigned char)*q | 0x20;
      int alpha = c >= 'a' && c <= 'z';
      if (!(alpha || (q > target && ((*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.'))))
        return -1;
    }
    p = colon + 3;
    while (p < end && *p != '/' && *p != '?' && *p != '#')
      p++;
    if (p == end || *p != '/') {
      *path = "/";              /* empty path-abempty means "/" */
      *path_len = 1;
      return 0;
    }
  }
  const char *stop = p;
  while (stop < end && *stop != '?' && *stop != '#')
    stop++;
  *path = p;
  *path_len = (size_t)(stop - p);
  return 0;
}

/* Checks a segment's escapes without keeping its decoded bytes. */
static greet_status segment_check(const char *seg, size_t len)
{
  size_t ignored;
  greet_status st = greet_url_decode(seg, len, NULL, 0, &ignored, 0);
  return st == GREET_E_NOSPACE ? GREET_OK : st;
}

/* Whether a segment decodes to exactly `want` (which is short). */
static int segment_is(const char *seg, size_t len, const char *want, size_t want_len)
{
  char tmp[16];
  size_t out = 0;
  return greet_url_decode(seg, len, tmp, sizeof tmp, &out, 0) == GREET_OK &&
         out == want_len && memcmp(tmp, want, want_len) == 0;
}

/* A body under construction in the caller's buffer: what does not fit is
 * counted and not written, so `len` always ends as the size needed. */
struct out {
  char *buf;
  size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n)
{
  if (o->len < o->cap && n < o->cap - o->len)
    memcpy(o->buf + o->len, s, n);
  o->len += n;
}

#define PUT(o, lit) put(o, lit, sizeof(lit) - 1)

/* Room for a libgreet call at the end of o: (NULL, 0) is a size query. */
static char *room(const struct out *o, size_t *cap)
{
  *cap = o->len < o->cap ? o->cap - o->len : 0;
  return *cap > 0 ? o->buf + o->len : NULL;
}

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
         n == 3 && memcmp(dir, "rtl", 3) == 0;
}

/* A negotiated language: a canonical catalogue tag, short ASCII. */
struct lang {
  char tag[16];
  size_t len;
  int is_default;
};

/*
 * The "lang" query parameter, decoded as a form value ('+' is a space),
 * matched by RFC 4647 lookup.  1 with the canonical tag in *l when the
 * catalogue has it; 0 when there is no such parameter, or its value is
 * malformed or unknown (then it is ignored).
 */
static int query_lang(const struct route_request *req, struct lang *l)
{
  char val[64];
  size_t n = 0;

  return req->lang_query != NULL &&
         greet_url_decode(req->lang_query, req->lang_query_len, val, sizeof val, &n,
                          GREET_DECODE_PLUS_SPACE | GREET_DECODE_REJECT_CTL) == GREET_OK &&
         greet_lang_lookup(val, n, l->tag, sizeof l->tag, &l->len, 0) == GREET_OK;
}

/* The query's lang wins, then Accept-Language; anything unusable in
 * either leaves the choice to the next, and the default ends it. */
static void choose_lang(const struct route_request *req, struct lang *l)
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
static greet_status put_greeting(const struct route_request *req, const struct lang *l,
                                 const char *name, size_t name_len, unsigned esc, struct out *o)
{
  size_t cap, n = 0;
  char *dst = room(o, &cap);
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
  char *dst = room(o, &cap);
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
  "body{margin:0;min-height:100vh;display:grid;place-items:center;"
  "font:clamp(1.25rem,4vw,2.5rem)/1.4 system-ui,sans-serif;background:#f4f5f7;color:#1b1f24}\n"
  "p{margin:1rem;padding:1.5em 2em;max-width:40rem;border-radius:.75em;background:#fff;"
  "box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06);overflow-wrap:anywhere}\n"
  "@media (prefers-color-scheme:dark){body{background:#15171a;color:#e8eaed}p{background:#23262b}}\n"
  "</style>\n"
  "</head>\n"
  "<body>\n"
  "<main><p>";
static const char html_tail[] =
  "</p></main>\n"
  "</body>\n"
  "</html>\n";

static const char csp[] = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";

/* The body of a 200 greeting in representation m and language l. */
static greet_status put_body(const struct route_request *req, enum neg_media m, const struct lang *l,
                             const char *name, size_t name_len, struct out *o)
{
  greet_status st;

  switch (m) {
  case NEG_JSON:
    PUT(o, "{\"greeting\": \"");
    if ((st = put_greeting(req, l, name, name_len, GREET_ESCAPE_JSON, o)) != GREET_OK)
      return st;
    PUT(o, "\", \"name\": \"");
    if ((st = put_escaped(name, name_len, GREET_ESCAPE_JSON, o)) != GREET_OK)
      return st;
    PUT(o, "\", \"lang\": \"");
    put(o, l->tag, l->len);             /* a catalogue tag: ASCII letters and '-' */
    PUT(o, "\"}\n");
    return GREET_OK;
  case NEG_HTML:
    PUT(o, html_head);
    put(o, l->tag, l->len);
    PUT(o, html_dir);
    if (is_rtl(l->tag, l->len))
      PUT(o, "rtl");
    else
      PUT(o, "ltr");
    PUT(o, html_title);
    if ((st = put_greeting(req, l, name, name_len, GREET_ESCAPE_HTML, o)) != GREET_OK)
      return st;
    PUT(o, html_body);
    st = put_greeting(req, l, name, name_len, GREET_ESCAPE_HTML, o);
    PUT(o, html_tail);
    return st;
  case NEG_TEXT:
  default:
    return put_greeting(req, l, name, name_len, 0, o);
  }
}

static const char not_acceptable[] =
  "Not Acceptable: available as text/plain, application/json or text/html\n";

/*
 * The name is decoded strictly with every control character rejected,
 * then formatted, which checks UTF-8.  Errors in the name come first
 * (400, 414: plain English text, not negotiated), then Accept (406), then
 * the body in the chosen representation and language.
 */
static size_t max_name(const struct route_request *req)
{
  return req->max_name < ROUTE_MAX_NAME_LIMIT ? req->max_name : ROUTE_MAX_NAME_LIMIT;
}

/* 400 or 414 for a name that failed its decoding or validation. */
static void answer_bad_name(const struct route_request *req, greet_status st,
                            char *buf, size_t cap, struct route_response *res)
{
  if (st == GREET_E_NOSPACE) {
    int n = snprintf(buf, cap, "URI Too Long: the name is longer than %zu bytes\n", max_name(req));
    answer(res, 414, buf, n > 0 && (size_t)n < cap ? (size_t)n : 0);
  } else {
    answer_bad(res, buf, cap, st);
  }
}

static void greet_name(const struct route_request *req, const char *seg, size_t len,
                       char *buf, size_t cap, struct route_response *res)
{
  char name[ROUTE_MAX_NAME_LIMIT + 1];
  size_t max = max_name(req);
  size_t name_len = 0;
  struct out o = {buf, cap, 0};
  struct lang l;
  int m = req->accept == NULL ? NEG_TEXT : negotiate_media(req->accept, req->accept_len, NEG_OFFER_ALL);
  greet_status st;

  st = greet_url_decode(seg, len, name, max + 1, &name_len, GREET_DECODE_REJECT_CTL);
  if (st == GREET_OK && m == NEG_NONE)
    st = greet_utf8_validate(name, name_len, NULL, 0);
  if (st == GREET_OK && m != NEG_NONE) {
    choose_lang(req, &l);
    st = put_body(req, (enum neg_media)m, &l, name, name_len, &o);
  }
  if (st == GREET_OK && m == NEG_NONE) {
    answer(res, 406, LIT(not_acceptable));
    res->vary = ROUTE_VARY;
  } else if (st == GREET_OK && o.len < cap) {
    answer(res, 200, buf, o.len);
    res->content_type = negotiate_content_type((enum neg_media)m);
    res->vary = ROUTE_VARY;
    memcpy(res->content_language, l.tag, l.len + 1);
    if (m == NEG_HTML)
      res->csp = csp;
  } else if (st == GREET_OK) {
    answer(res, 500, LIT("Internal Server Error: the response needs a larger buffer\n"));
    res->need = o.len + 1;
  } else {
    answer_bad_name(req, st, buf, cap, res);
  }
}

/* The name's checks without its greeting, for the methods that do not
 * greet: a malformed target is 400 whatever the method. */
static greet_status name_check(const struct route_request *req, const char *seg, size_t len)
{
  char name[ROUTE_MAX_NAME_LIMIT + 1];
  size_t name_len = 0;
  greet_status st = greet_url_decode(seg, len, name, max_name(req) + 1, &name_len,
                                     GREET_DECODE_REJECT_CTL);
  return st == GREET_OK ? greet_utf8_validate(name, name_len, NULL, 0) : st;
}

enum ops { OPS_LIVEZ, OPS_READYZ, OPS_VERSION, OPS_METRICS, OPS_LANGUAGES };

static const struct {
  const char *name;
  size_t len;
  enum ops what;
} ops_paths[] = {
  {LIT("livez"), OPS_LIVEZ},
  {LIT("healthz"), OPS_LIVEZ},
  {LIT("readyz"), OPS_READYZ},
  {LIT("version"), OPS_VERSION},
  {LIT("metrics"), OPS_METRICS},
  {LIT("languages"), OPS_LANGUAGES},
};

/* One catalogue entry's tag, name or direction, as text or JSON string
 * contents (tags and directions are ASCII; names are UTF-8). */
static void put_lang_at(size_t i, unsigned what, unsigned esc, struct out *o)
{
  char v[128];
  size_t n = 0;
  if (greet_lang_at(i, v, sizeof v, &n, what) == GREET_OK) {
    if (esc == 0 || put_escaped(v, n, esc, o) != GREET_OK)
      put(o, v, n);
  }
}

/* GET /languages: "tag TAB name TAB dir" lines, or a JSON array of
 * {"tag", "name", "dir"}; 406 when neither is acceptable.  The list
 * changes only with the binary, so caches may keep it for a day. */
static void languages(const struct route_request *req, char *buf, size_t cap,
                      struct route_response *res)
{
  int m = negotiate_media(req->accept, req->accept_len, NEG_OFFER(NEG_TEXT) | NEG_OFFER(NEG_JSON));
  struct out o = {buf, cap, 0};
  size_t count = greet_lang_count();

  if (m == NEG_NONE) {
    answer(res, 406, LIT("Not Acceptable: available as text/plain or application/json\n"));
    res->vary = "Accept";
    return;
  }
  if (m == NEG_JSON)
    PUT(&o, "[\n");
  for (size_t i = 0; i < count; i++) {
    if (m == NEG_JSON) {
      PUT(&o, "  {\"tag\": \"");
      put_lang_at(i, 0, GREET_ESCAPE_JSON, &o);
      PUT(&o, "\", \"name\": \"");
      put_lang_at(i, GREET_LANG_NAME, GREET_ESCAPE_JSON, &o);
      PUT(&o, "\", \"dir\": \"");
      put_lang_at(i, GREET_LANG_DIR, GREET_ESCAPE_JSON, &o);
      if (i + 1 < count)
        PUT(&o, "\"},\n");
      else
        PUT(&o, "\"}\n");
    } else {
      put_lang_at(i, 0, 0, &o);
      PUT(&o, "\t");
      put_lang_at(i, GREET_LANG_NAME, 0, &o);
      PUT(&o, "\t");
      put_lang_at(i, GREET_LANG_DIR, 0, &o);
      PUT(&o, "\n");
    }
  }
  if (m == NEG_JSON)
    PUT(&o, "]\n");
  if (o.len >= cap) {
    answer(res, 500, LIT("Internal Server Error: the response needs a larger buffer\n"));
    res->need = o.len + 1;
    return;
  }
  answer(res, 200, buf, o.len);
  res->content_type = negotiate_content_type((enum neg_media)m);
  res->vary = "Accept";
  res->cache_control = "public, max-age=86400";
}

/* The operational endpoints: GET and HEAD only, never cached (but for
 * the list of languages). */
static void ops(const struct route_request *req, enum ops what, char *buf, size_t cap,
                struct route_response *res)
{
  if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
    answer(res, 405, LIT("Method Not Allowed: use GET or HEAD\n"));
    res->allow = allow_ops;
    res->no_store = 1;
    return;
  }
  switch (what) {
  case OPS_LIVEZ:
    answer(res, 200, LIT("ok\n"));
    break;
  case OPS_READYZ:
    if (req->not_ready)
      answer(res, 503, LIT("not ready\n"));
    else
      answer(res, 200, LIT("ready\n"));
    break;
  case OPS_VERSION:
    answer(res, 200, "", 0);
    res->content_type = ROUTE_JSON;
    res->body_kind = ROUTE_BODY_VERSION;
    break;
  case OPS_METRICS:
    answer(res, 200, "", 0);
    res->content_type = ROUTE_METRICS_TYPE;
    res->body_kind = ROUTE_BODY_METRICS;
    break;
  case OPS_LANGUAGES:
    languages(req, buf, cap, res);
    return;
  }
  res->no_store = 1;
}

void route_request(const struct route_request *req, char *buf, size_t cap,
                   struct route_response *res)
{
  const char *path, *seg[2] = {NULL, NULL};
  size_t path_len, seg_len[2] = {0, 0}, nseg = 0;
  greet_status st;

  if (route_target_path(req->target, req->target_len, &path, &path_len) != 0) {
    answer(res, 400, LIT("Bad Request: the request target must start with '/'\n"));
    return;
  }
  if (path_len == 0 || path[0] != '/') {
    answer(res, 404, LIT("Not Found\n"));  /* "*": no resource of ours */
    return;
  }
  /* Raw bytes no client may send in a target (RFC 9112 section 3.2):
   * spaces and controls, and non-ASCII bytes that are not valid UTF-8,
   * anywhere in it, fragment and query included.  libmicrohttpd 0.9.75
   * splits the request line at its last space, so
   * "GET /greet/John Doe HTTP/1.1" arrives here as "/greet/John Doe". */
  if (memchr(req->target, ' ', req->target_len) != NULL) {
    answer(res, 400, LIT("Bad Request: raw space in the request target\n"));
    return;
  }
  if ((st = greet_utf8_validate(req->target, req->target_len, NULL, GREET_UTF8_REJECT_CTL)) != GREET_OK) {
    answer_bad(res, buf, cap, st);
    return;
  }
  if (req->bad_query) {
    answer(res, 400, LIT("Bad Request: raw space, control character or invalid UTF-8 in the query\n"));
    return;
  }

  /* Every segment's escapes are checked, so a malformed escape is 400
   * wherever it stands; the name's are checked when it is decoded. */
  const char *p = path + 1, *end = path + path_len;
  for (;;) {
    const char *slash = memchr(p, '/', (size_t)(end - p));
    size_t len = (size_t)((slash ? slash : end) - p);
    if (nseg < 2) {
      seg[nseg] = p;
      seg_len[nseg] = len;
    }
    if (nseg != 1 && (st = segment_check(p, len)) != GREET_OK) {
      answer_bad(res, buf, cap, st);
      return;
    }
    nseg++;
    if (slash == NULL)
      break;
    p = slash + 1;
  }

  if (nseg == 1) {
    for (size_t i = 0; i < sizeof ops_paths / sizeof ops_paths[0]; i++)
      if (segment_is(seg[0], seg_len[0], ops_paths[i].name, ops_paths[i].len)) {
        ops(req, ops_paths[i].what, buf, cap, res);
        return;
      }
  }

  if (nseg != 2 || seg_len[1] == 0 || !segment_is(seg[0], seg_len[0], LIT("greet"))) {
    if (nseg >= 2 && (st = segment_check(seg[1], seg_len[1])) != GREET_OK)
      answer_bad(res, buf, cap, st);
    else
      answer(res, 404, LIT("Not Found\n"));
    return;
  }

  if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0) {
    greet_name(req, seg[1], seg_len[1], buf, cap, res);
    return;
  }
  if ((st = name_check(req, seg[1], seg_len[1])) != GREET_OK) {
    answer_bad_name(req, st, buf, cap, res);
    return;
  }
  if (strcmp(req->method, "OPTIONS") == 0)
    answer(res, 200, "", 0);
  else
    answer(res, 405, LIT("Method Not Allowed: use GET, HEAD or OPTIONS\n"));
  res->allow = allow_greet;
}
