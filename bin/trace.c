/* SPDX-License-Identifier: MIT */
/*
 * trace.c - traceparent and tracestate (W3C Trace Context, level 1).
 *
 * Everything here only reads its input and writes fixed-size buffers the
 * caller owns: the fields come on every request, so checking them must
 * cost a few comparisons, never an allocation.
 */
#include <string.h>

#include "reqid.h"
#include "trace.h"
#include "util.h"

static int lower_hex(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* n lower-case hex digits, not all '0' when nonzero is set. */
static int hex_run(const char *s, size_t n, int nonzero)
{
  int any = 0;
  for (size_t i = 0; i < n; i++) {
    if (!lower_hex(s[i]))
      return 0;
    any |= s[i] != '0';
  }
  return any || !nonzero;
}

static unsigned hex_value(char c)
{
  return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

int trace_parent_parse(const char *s, size_t len, char trace_id[TRACE_ID_CAP],
                       char parent_id[TRACE_SPAN_CAP], unsigned *flags)
{
  if (s != NULL) {              /* optional whitespace around a field value */
    const char *end = s + len;
    s = skip_ows(s, end);
    while (end > s && is_ows(end[-1]))
      end--;
    len = (size_t)(end - s);
  }
  /* version "-" trace-id (3..35) "-" parent-id (36..52) "-" flags (53..55) */
  if (s == NULL || len < TRACE_PARENT_LEN || !hex_run(s, 2, 0) || s[2] != '-' ||
      !hex_run(s + 3, 32, 1) || s[35] != '-' || !hex_run(s + 36, 16, 1) || s[52] != '-' ||
      !hex_run(s + 53, 2, 0))
    return -1;
  if (s[0] == 'f' && s[1] == 'f')
    return -1;                  /* version ff is invalid by definition */
  if (s[0] == '0' && s[1] == '0' && len != TRACE_PARENT_LEN)
    return -1;                  /* version 00 has no more fields */
  if (len > TRACE_PARENT_LEN && s[TRACE_PARENT_LEN] != '-')
    return -1;                  /* a later version's fields follow a '-' */
  memcpy(trace_id, s + 3, 32);
  trace_id[32] = '\0';
  memcpy(parent_id, s + 36, 16);
  parent_id[16] = '\0';
  *flags = hex_value(s[53]) << 4 | hex_value(s[54]);
  return 0;
}

void trace_parent_format(const char *trace_id, const char *span_id, unsigned flags,
                         char out[TRACE_PARENT_CAP])
{
  static const char hex[] = "0123456789abcdef";

  memcpy(out, "00-", 3);
  memcpy(out + 3, trace_id, 32);
  out[35] = '-';
  memcpy(out + 36, span_id, 16);
  out[52] = '-';
  out[53] = hex[(flags >> 4) & 15];
  out[54] = hex[flags & 15];
  out[55] = '\0';
}

static int lcalpha(char c)
{
  return c >= 'a' && c <= 'z';
}

static int key_char(char c)
{
  return lcalpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/';
}

/* key = simple-key / multi-tenant-key:
 *   simple-key = lcalpha 0*255(keychar)
 *   multi-tenant-key = (lcalpha / DIGIT) 0*240(keychar) "@" lcalpha 0*13(keychar) */
static int key_ok(const char *k, size_t n)
{
  const char *at = memchr(k, '@', n);

  if (at == NULL) {
    if (n < 1 || n > 256 || !lcalpha(k[0]))
      return 0;
  } else {
    size_t tenant = (size_t)(at - k), system = n - tenant - 1;
    if (tenant < 1 || tenant > 241 || system < 1 || system > 14 ||
        !(lcalpha(k[0]) || (k[0] >= '0' && k[0] <= '9')) || !lcalpha(at[1]))
      return 0;
    for (size_t i = tenant + 1; i < n; i++)
      if (!key_char(k[i]))
        return 0;
    n = tenant;
  }
  for (size_t i = 1; i < n; i++)
    if (!key_char(k[i]))
      return 0;
  return 1;
}

/* value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr;
 * nblk-chr = %x21-2B / %x2D-3C / %x3E-7E (no ',' and no '=') */
static int value_ok(const char *v, size_t n)
{
  if (n < 1 || n > 256 || v[n - 1] == ' ')
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=')
      return 0;
  }
  return 1;
}

int trace_state_valid(const char *s, size_t len)
{
  const char *key[TRACE_STATE_MEMBERS];
  size_t key_len[TRACE_STATE_MEMBERS];
  size_t members = 0;

  if (s == NULL || len > TRACE_STATE_MAX)
    return 0;
  const char *p = s, *end = s + len;
  while (p <= end) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *stop = comma != NULL ? comma : end;
    const char *m = skip_ows(p, stop), *m_end = stop;
    while (m_end > m && is_ows(m_end[-1]))
      m_end--;
    if (m < m_end) {            /* an empty member is allowed and skipped */
      const char *eq = memchr(m, '=', (size_t)(m_end - m));
      if (eq == NULL || members == TRACE_STATE_MEMBERS || !key_ok(m, (size_t)(eq - m)) ||
          !value_ok(eq + 1, (size_t)(m_end - eq - 1)))
        return 0;
      for (size_t i = 0; i < members; i++)
        if (key_len[i] == (size_t)(eq - m) && memcmp(key[i], m, key_len[i]) == 0)
          return 0;             /* a key may appear once */
      key[members] = m;
      key_len[members++] = (size_t)(eq - m);
    }
    if (comma == NULL)
      break;
    p = comma + 1;
  }
  return 1;
}

int trace_state_join(char buf[TRACE_STATE_MAX + 1], size_t *len, const char *v, size_t n)
{
  size_t sep = *len > 0 ? 1 : 0;

  if (*len > TRACE_STATE_MAX || n > TRACE_STATE_MAX - *len - sep) {
    *len = TRACE_STATE_MAX + 1;   /* too long: stays too long */
    return -1;
  }
  if (sep)
    buf[(*len)++] = ',';
  memcpy(buf + *len, v, n);
  *len += n;
  buf[*len] = '\0';
  return 0;
}

void trace_begin(struct trace_context *t, const char *parent, size_t parent_len, unsigned parent_lines,
                 const char *state, size_t state_len, const char *new_id)
{
  char parent_id[TRACE_SPAN_CAP];

  t->state = NULL;
  t->state_len = 0;
  t->continued = parent_lines == 1 &&
                 trace_parent_parse(parent, parent_len, t->trace_id, parent_id, &t->flags) == 0;
  if (t->continued) {
    t->flags &= TRACE_FLAG_SAMPLED;     /* the only flag level 1 knows */
    if (state != NULL && state_len > 0 && trace_state_valid(state, state_len)) {
      t->state = state;
      t->state_len = state_len;
    }
  } else {
    if (new_id != NULL)
      memcpy(t->trace_id, new_id, 32);
    else
      reqid_random_hex(t->trace_id, 2);
    t->trace_id[32] = '\0';
    t->flags = 0;                       /* nothing of it is exported */
  }
  reqid_random_hex(t->span_id, 1);
  t->span_id[16] = '\0';
  if (t->continued)
    trace_parent_format(t->trace_id, t->span_id, t->flags, t->traceparent);
  else
    t->traceparent[0] = '\0';
}
