/* SPDX-License-Identifier: MIT */
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

struct escape_input {
  const char *src;
  size_t len;
};

static greet_status escape_pass(const void *ctx, struct greet__sink *k, size_t *err)
{
  const struct escape_input *in = ctx;

  if (k->dst == NULL) {
    greet_status st = greet__utf8_check((const unsigned char *)in->src, in->len, 0, err);
    if (st != GREET_OK)
      return st;
  }
  greet__emit(k, in->src, in->len);
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
  struct escape_input in = { src, src_len };

  if ((flags & ~ESCAPE_MODES) != 0 || flags == ESCAPE_MODES)
    return GREET_E_INVALID_FLAGS;
  if ((src == NULL && src_len > 0) || (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;

  return greet__output(escape_pass, &in, flags, dst, cap, out_len);
}
