/* SPDX-License-Identifier: MIT */
/*
 * negotiate.c - the Accept field against the representations offered.
 *
 * One pass over the field, no copy: each item is parsed in place and
 * scored against the (at most three) offered types as it goes, so the
 * cost is linear in the field and nothing is stored per item.
 */
#include <string.h>

#include <greet.h>

#include "negotiate.h"
#include "util.h"

static const struct {
  const char *type, *sub;
  size_t type_len, sub_len;
  const char *content_type;
  const char *version;      /* the "version" parameter it has, or NULL */
} media[NEG_NMEDIA] = {
  [NEG_TEXT] = {"text", "plain", 4, 5, CONTENT_TYPE_TEXT, NULL},
  [NEG_JSON] = {"application", "json", 11, 4, CONTENT_TYPE_JSON, NULL},
  [NEG_HTML] = {"text", "html", 4, 4, CONTENT_TYPE_HTML, NULL},
  [NEG_PROMETHEUS] = {"text", "plain", 4, 5, CONTENT_TYPE_METRICS, "0.0.4"},
  [NEG_OPENMETRICS] = {"application", "openmetrics-text", 11, 16, CONTENT_TYPE_OPENMETRICS, "1.0.0"},
};

const char *negotiate_content_type(enum neg_media m)
{
  return media[m].content_type;
}

static int ieq(const char *s, size_t n, const char *lit)
{
  size_t i;
  for (i = 0; i < n && lit[i] != '\0'; i++) {
    unsigned char a = (unsigned char)s[i], b = (unsigned char)lit[i];
    if (a >= 'A' && a <= 'Z')
      a = (unsigned char)(a + 32);
    if (a != b)
      return 0;
  }
  return i == n && lit[i] == '\0';
}

static size_t token(const char *p, const char *end)
{
  const char *s = p;
  while (p < end && is_tchar((unsigned char)*p))
    p++;
  return (size_t)(p - s);
}

/* Skips to the comma that ends a malformed item, past quoted strings. */
static const char *skip_item(const char *p, const char *end)
{
  int quoted = 0;
  for (; p < end; p++) {
    if (quoted && *p == '\\' && p + 1 < end)
      p++;
    else if (*p == '"')
      quoted = !quoted;
    else if (!quoted && *p == ',')
      break;
  }
  return p;
}

/* One parameter of an item: name "=" ( token / quoted-string ). */
struct param {
  const char *name, *val;   /* val: inside the quotes when quoted */
  size_t name_len, val_len;
  int quoted;
};

/* Reads the parameter at *pp into *pm and moves *pp past it; returns 0 when
 * it is malformed, *pp then where to look for the end of the item (end
 * itself after an unclosed quote: the rest of the field is lost). */
static int param(const char **pp, const char *end, struct param *pm)
{
  const char *p = *pp;

  pm->name = p;
  pm->name_len = token(p, end);
  p += pm->name_len;
  if (pm->name_len == 0 || p == end || *p != '=') {
    *pp = p;
    return 0;
  }
  pm->val = ++p;
  pm->quoted = p < end && *p == '"';
  if (pm->quoted) {
    for (p++; p < end && *p != '"'; p++)
      if (*p == '\\' && p + 1 < end)
        p++;
    if (p == end) {
      *pp = end;
      return 0;
    }
    p++;
    pm->val++;
    pm->val_len = (size_t)(p - pm->val - 1);
  } else {
    pm->val_len = token(p, end);
    p += pm->val_len;
  }
  *pp = p;
  return pm->quoted || pm->val_len > 0;
}

/* One item: media-range parameters [weight] [accept-ext], up to the comma
 * or the end.  Returns the position after it, and 0 in *ok when it is
 * malformed; else fills the range, its weight and whether every
 * media-type parameter is one our types have (charset=utf-8). */
struct range {
  const char *type, *sub;
  size_t type_len, sub_len;
  unsigned q;       /* weight in thousandths (greet_qvalue_parse) */
  int params;       /* media-type parameters, all charset=utf-8 or version */
  int foreign;      /* a media-type parameter we cannot satisfy */
  const char *version;  /* the version parameter's value, or NULL */
  size_t version_len;
};

static const char *item(const char *p, const char *end, struct range *r, int *ok)
{
  int after_q = 0;

  *ok = 0;
  r->type = p;
  r->type_len = token(p, end);
  p += r->type_len;
  if (r->type_len == 0 || p == end || *p != '/')
    return skip_item(p, end);
  r->sub = ++p;
  r->sub_len = token(p, end);
  p += r->sub_len;
  if (r->sub_len == 0 || (r->type_len == 1 && r->type[0] == '*' && !(r->sub_len == 1 && r->sub[0] == '*')))
    return skip_item(p, end);
  r->q = 1000;
  r->params = 0;
  r->foreign = 0;
  r->version = NULL;
  r->version_len = 0;
  for (;;) {
    const char *q = skip_ows(p, end);
    struct param pm;
    if (q == end || *q == ',') {
      p = q;
      break;
    }
    if (*q != ';')
      return skip_item(q, end);
    p = skip_ows(q + 1, end);
    if (p == end || *p == ',' || *p == ';')
      continue;                         /* an empty parameter */
    if (!param(&p, end, &pm))
      return skip_item(p, end);
    if (after_q)
      continue;                         /* accept-ext (RFC 7231): ignored */
    if (ieq(pm.name, pm.name_len, "q")) {
      if (pm.quoted || greet_qvalue_parse(pm.val, pm.val_len, &r->q, NULL, 0) != GREET_OK)
        return skip_item(p, end);
      after_q = 1;
    } else if (ieq(pm.name, pm.name_len, "charset") && ieq(pm.val, pm.val_len, "utf-8")) {
      r->params++;
    } else if (ieq(pm.name, pm.name_len, "version") && r->version == NULL) {
      r->version = pm.val;
      r->version_len = pm.val_len;
      r->params++;
    } else {
      r->foreign = 1;
    }
  }
  *ok = 1;
  return p;
}

/* How specifically r matches media m: 0 (no match), 1 "* / *", 2 "type/ *",
 * 3 "type/sub", plus one with matching parameters. */
static int specificity(const struct range *r, enum neg_media m)
{
  int s, type_ok;
  if (r->foreign || (r->version != NULL && (media[m].version == NULL ||
                                             !ieq(r->version, r->version_len, media[m].version))))
    return 0;
  type_ok = ieq(r->type, r->type_len, media[m].type);
  if (r->type_len == 1 && r->type[0] == '*')
    s = 1;
  else if (type_ok && r->sub_len == 1 && r->sub[0] == '*')
    s = 2;
  else if (type_ok && ieq(r->sub, r->sub_len, media[m].sub))
    s = 3;
  else
    return 0;
  return 2 * s + (r->params > 0);
}

int negotiate_media(const char *accept, size_t len, unsigned offered)
{
  int spec[NEG_NMEDIA] = {0};
  unsigned q[NEG_NMEDIA] = {0};
  int any = 0, best = NEG_NONE;

  offered &= NEG_OFFER_ALL | NEG_OFFER_METRICS;
  if (accept != NULL && len > 0) {
    const char *p = accept, *end = accept + len;
    while (p < end) {
      struct range r;
      int ok;
      p = skip_ows(p, end);
      if (p < end && *p == ',') {
        p++;
        continue;
      }
      if (p == end)
        break;
      p = item(p, end, &r, &ok);
      if (!ok)
        continue;
      any = 1;
      for (int m = 0; m < NEG_NMEDIA; m++) {
        int s = specificity(&r, (enum neg_media)m);
        if ((offered & NEG_OFFER(m)) && s > spec[m]) {
          spec[m] = s;
          q[m] = r.q;
        }
      }
    }
  }
  for (int m = 0; m < NEG_NMEDIA; m++) {
    if (!(offered & NEG_OFFER(m)))
      continue;
    if (!any)
      return m;                         /* no field, or nothing valid in it */
    if (q[m] > 0 && (best == NEG_NONE || q[m] > q[best]))
      best = m;
  }
  return best;
}
