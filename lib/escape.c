/*
 * escape.c - greet_escape() and the output sink every 0.2 function writes
 * through: plain, HTML-escaped or JSON-escaped UTF-8.
 */
#include <stdint.h>
#include <string.h>

#include "greet-private.h"

#define ESCAPE_MODES (GREET_ESCAPE_HTML | GREET_ESCAPE_JSON)

/* Adds n bytes to the sink; while measuring only counts, saturating at
 * SIZE_MAX, which no real result can reach (its NUL would not fit). */
static void put(struct greet__sink *k, const char *s, size_t n)
{
  if (n == 0)
    return;                   /* s may be NULL then, and memcpy must not see it */
  if (k->dst != NULL)
    memcpy(k->dst + k->len, s, n);
  k->len = SIZE_MAX - k->len > n ? k->len + n : SIZE_MAX;
}

/* The replacement for byte c, or NULL when it stays as it is. */
static const char *html_escape(unsigned char c)
{
  switch (c) {
  case '&': return "&amp;";
  case '<': return "&lt;";
  case '>': return "&gt;";
  case '"': return "&quot;";
  /* &#39; rather than &apos;: the latter is not HTML 4, and old parsers
   * that miss it would leave a quote that can end an attribute */
  case '\'': return "&#39;";
  default: return NULL;
  }
}

/* The replacement for the character at s[i], or NULL when it stays as it
 * is; *skip is how many input bytes the replacement stands for.  ctl is
 * room for a \u00XX built on the fly. */
static const char *json_escape(const unsigned char *s, size_t i, size_t n,
                               size_t *skip, char ctl[7])
{
  static const char hex[] = "0123456789abcdef";
  unsigned char c = s[i];

  *skip = 1;
  switch (c) {
  case '"': return "\\\"";
  case '\\': return "\\\\";
  case '\b': return "\\b";
  case '\f': return "\\f";
  case '\n': return "\\n";
  case '\r': return "\\r";
  case '\t': return "\\t";
  default: break;
  }
  if (c < 0x20) {
    memcpy(ctl, "\\u00", 4);
    ctl[4] = hex[c >> 4];
    ctl[5] = hex[c & 0xf];
    ctl[6] = '\0';
    return ctl;
  }
  /* U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR are legal in
   * JSON strings but ended JavaScript string literals before ES2019, so a
   * JSON body pasted into a <script> would break.  The input is valid
   * UTF-8, so E2 80 A8/A9 is always one of them. */
  if (c == 0xe2 && n - i >= 3 && s[i + 1] == 0x80 && (s[i + 2] & 0xfe) == 0xa8) {
    *skip = 3;
    return s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
  }
  return NULL;
}

/*
 * Runs of bytes that need no escaping are put in one piece; plain text
 * is one run.
 */
void greet__emit(struct greet__sink *k, const char *src, size_t n)
{
  const unsigned char *s = (const unsigned char *)src;
  size_t i = 0, run = 0;
  char ctl[7];

  if (k->escape == 0) {
    put(k, src, n);
    return;
  }
  while (i < n) {
    size_t skip = 1;
    const char *rep = k->escape == GREET_ESCAPE_HTML ? html_escape(s[i])
                                                     : json_escape(s, i, n, &skip, ctl);
    if (rep == NULL) {
      i++;
      continue;
    }
    put(k, src + run, i - run);
    put(k, rep, strlen(rep));
    i += skip;
    run = i;
  }
  if (run < n)                /* src is NULL when n is 0: no arithmetic on it */
    put(k, src + run, n - run);
}

greet_status greet__fail(char *dst, size_t cap, size_t *out_len,
                         greet_status st, size_t at)
{
  if (cap > 0)
    dst[0] = '\0';
  if (out_len != NULL)
    *out_len = at;
  return st;
}

greet_status greet__measured(const struct greet__sink *k, char *dst, size_t cap,
                             size_t *out_len)
{
  if (k->len == SIZE_MAX)
    return GREET_E_INVALID_ARG;  /* no buffer could hold the result */
  if (out_len != NULL)
    *out_len = k->len;
  if (cap <= k->len) {
    if (cap > 0)
      dst[0] = '\0';
    return GREET_E_NOSPACE;
  }
  return GREET_OK;
}

greet_status greet__put_string(const char *s, char *dst, size_t cap, size_t *out_len)
{
  size_t n = strlen(s);

  if (out_len != NULL)
    *out_len = n;
  if (cap <= n) {
    if (cap > 0)
      dst[0] = '\0';
    return GREET_E_NOSPACE;
  }
  memcpy(dst, s, n + 1);
  return GREET_OK;
}

/*
 * The text is validated first, so the escapers can trust whole UTF-8
 * characters, and a bad input never produces output.  Plain mode is kept
 * (flags 0) so that a caller can pass its output mode through without a
 * special case for text/plain.
 */
greet_status greet_escape(const char *src, size_t src_len,
                          char *dst, size_t cap, size_t *out_len, unsigned flags)
{
  struct greet__sink k = { NULL, 0, flags };
  size_t off = 0;
  greet_status st;

  if ((flags & ~ESCAPE_MODES) != 0 || flags == ESCAPE_MODES)
    return GREET_E_INVALID_FLAGS;
  if ((src == NULL && src_len > 0) || (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;

  st = greet__utf8_check((const unsigned char *)src, src_len, 0, &off);
  if (st != GREET_OK)
    return greet__fail(dst, cap, out_len, st, off);

  greet__emit(&k, src, src_len);
  st = greet__measured(&k, dst, cap, out_len);
  if (st != GREET_OK)
    return st;
  k.dst = dst;
  k.len = 0;
  greet__emit(&k, src, src_len);
  dst[k.len] = '\0';
  return GREET_OK;
}
