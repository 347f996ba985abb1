/* SPDX-License-Identifier: MIT */
/*
 * query.c - greet_query_next() and greet_query_get(): walking a query
 * string without allocating.
 */
#include <string.h>

#include "greet-private.h"

#define DECODE_FLAGS (GREET_DECODE_LENIENT | GREET_DECODE_PLUS_SPACE | \
                      GREET_DECODE_REJECT_NUL | GREET_DECODE_REJECT_CTL)
#define KNOWN_FLAGS (DECODE_FLAGS | GREET_QUERY_SEMICOLON)

/* One parameter: the raw key q[start..key_end) and value
 * q[val_start..end); end is at a separator or the end of the query. */
struct piece {
  size_t start, key_end, val_start, end;
};

static int is_sep(unsigned char c, unsigned flags)
{
  return c == '&' || (c == ';' && (flags & GREET_QUERY_SEMICOLON));
}

/* The piece that starts at or after p, past any separators; 0 when the
 * query has no more. */
static int next_piece(const char *q, size_t len, size_t p, unsigned flags,
                      struct piece *pc)
{
  const char *eq;
  size_t e;

  while (p < len && is_sep((unsigned char)q[p], flags))
    p++;
  if (p == len)
    return 0;
  if (flags & GREET_QUERY_SEMICOLON) {
    for (e = p; e < len && !is_sep((unsigned char)q[e], flags); e++)
      ;
  } else {
    const char *amp = memchr(q + p, '&', len - p);
    e = amp != NULL ? (size_t)(amp - q) : len;
  }
  eq = memchr(q + p, '=', e - p);
  pc->start = p;
  pc->key_end = eq != NULL ? (size_t)(eq - q) : e;
  pc->val_start = eq != NULL ? pc->key_end + 1 : e;
  pc->end = e;
  return 1;
}

static int is_input_error(greet_status st)
{
  return st != GREET_OK && st != GREET_E_NOSPACE;
}

static void clear(char *buf, size_t cap)
{
  if (cap > 0)
    buf[0] = '\0';
}

static void set_len(size_t *p, size_t v)
{
  if (p != NULL)
    *p = v;
}

/*
 * Decodes key and value with greet_url_decode() into the caller's
 * buffers, then settles what the pair as a whole returns: the key's input
 * error first, then the value's, then a lack of space in either, so that
 * a failed call leaves both buffers empty.  *pos moves only on GREET_OK.
 */
greet_status greet_query_next(const char *query, size_t query_len, size_t *pos,
                              char *key, size_t key_cap, size_t *key_len,
                              char *val, size_t val_cap, size_t *val_len, unsigned flags)
{
  unsigned df = flags & DECODE_FLAGS;
  struct piece pc;
  greet_status sk, sv;
  size_t kl, vl;

  if (flags & ~KNOWN_FLAGS)
    return GREET_E_INVALID_FLAGS;
  if (pos == NULL || (query == NULL && query_len > 0) || (key == NULL && key_cap > 0) ||
      (val == NULL && val_cap > 0) || *pos > query_len)
    return GREET_E_INVALID_ARG;

  if (!next_piece(query, query_len, *pos, flags, &pc)) {
    clear(key, key_cap);
    clear(val, val_cap);
    set_len(key_len, 0);
    set_len(val_len, 0);
    return GREET_E_QUERY_END;
  }
  sk = greet_url_decode(query + pc.start, pc.key_end - pc.start, key, key_cap, &kl, df);
  if (is_input_error(sk)) {
    kl += pc.start;
    vl = kl;
    sv = sk;
  } else {
    sv = greet_url_decode(query + pc.val_start, pc.end - pc.val_start, val, val_cap, &vl, df);
    if (is_input_error(sv))
      kl = vl += pc.val_start;
    else if (sv == GREET_OK)
      sv = sk;                /* OK, or the key's NOSPACE */
  }
  set_len(key_len, kl);
  set_len(val_len, vl);
  if (sv != GREET_OK) {
    clear(key, key_cap);
    clear(val, val_cap);
    return sv;
  }
  *pos = pc.end < query_len ? pc.end + 1 : pc.end;
  return GREET_OK;
}

static unsigned hex_value(unsigned c)
{
  return c <= '9' ? c - '0' : (c | 0x20u) - 'a' + 10u;
}

static int is_hex(unsigned char c)
{
  return (c >= '0' && c <= '9') || ((c | 0x20u) >= 'a' && (c | 0x20u) <= 'f');
}

/* Whether the raw key s[0..n), already checked by greet_url_decode() and
 * known to decode to key_len bytes, decodes to key: decoding and
 * comparing byte by byte needs no buffer. */
static int key_equals(const unsigned char *s, size_t n, const unsigned char *key,
                      unsigned flags)
{
  size_t i = 0, j = 0;

  while (i < n) {
    unsigned c = s[i];
    if (c == '%' && n - i > 2 && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      c = hex_value(s[i + 1]) << 4 | hex_value(s[i + 2]);
      i += 3;
    } else {
      if (c == '+' && (flags & GREET_DECODE_PLUS_SPACE))
        c = ' ';
      i++;
    }
    if (c != key[j++])
      return 0;
  }
  return 1;
}

/*
 * The walk of greet_query_next() without its buffers: each key is checked
 * and measured by a size query, compared only when its length matches,
 * and each value before the match is checked the same way, so the errors
 * found are exactly the walk's.
 */
greet_status greet_query_get(const char *query, size_t query_len, const char *key,
                             size_t key_len, char *dst, size_t cap, size_t *out_len,
                             unsigned flags)
{
  unsigned df = flags & DECODE_FLAGS;
  struct piece pc;
  size_t p = 0, n;
  greet_status st;

  if (flags & ~KNOWN_FLAGS)
    return GREET_E_INVALID_FLAGS;
  if ((query == NULL && query_len > 0) || (key == NULL && key_len > 0) ||
      (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;

  while (next_piece(query, query_len, p, flags, &pc)) {
    const char *k = query + pc.start;
    const char *v = query + pc.val_start;
    size_t vlen = pc.end - pc.val_start;

    st = greet_url_decode(k, pc.key_end - pc.start, NULL, 0, &n, df);
    if (is_input_error(st))
      return greet__fail(dst, cap, out_len, st, pc.start + n);
    if (n == key_len && key_equals((const unsigned char *)k, pc.key_end - pc.start,
                                   (const unsigned char *)key, df)) {
      st = greet_url_decode(v, vlen, dst, cap, &n, df);
      set_len(out_len, is_input_error(st) ? pc.val_start + n : n);
      return st;
    }
    st = greet_url_decode(v, vlen, NULL, 0, &n, df);
    if (is_input_error(st))
      return greet__fail(dst, cap, out_len, st, pc.val_start + n);
    p = pc.end;
  }
  return greet__fail(dst, cap, out_len, GREET_E_NO_PARAM, 0);
}
