/* SPDX-License-Identifier: MIT */
/*
 * fuzz_query.c - libFuzzer target for greet_query_next() and
 * greet_query_get().
 *
 * Input: byte 0 picks the flags (bit 0 LENIENT, 1 PLUS_SPACE, 2
 * REJECT_NUL, 3 REJECT_CTL, 4 QUERY_SEMICOLON) and, with its top bits, a
 * short capacity; the rest is the query.  The reference splits the query
 * on its own (byte loop), and decodes each key and value with
 * greet_url_decode() (fuzzed on its own by fuzz_decode).  Checked:
 *  - every greet_query_next() result (status, key, value, lengths or the
 *    error offset, the cursor) against the reference, each buffer a heap
 *    block of exactly its cap; a size query and a one-short buffer give
 *    GREET_E_NOSPACE with both lengths and leave the cursor alone;
 *  - the pairs, re-encoded with greet_url_encode() (form context when '+'
 *    is a space) and joined with '=' and '&', walk back to the same pairs;
 *  - greet_query_get() == the first pair of the walk with that key (or the
 *    walk's first error, or GREET_E_NO_PARAM), for the keys of the query
 *    and a key that is not there, through the capacity battery.
 */
#include "fuzz.h"

#define MAX_GETS 4            /* keys whose get() runs the capacity battery */

struct pair {
  greet_status st;            /* GREET_OK, or the input error of this piece */
  size_t at;                  /* its offset in the query */
  struct fuzz_str key, val;
  size_t end;                 /* the cursor after it */
};

/* Decodes s[0..n) as the library must; st and the offset on error. */
static greet_status ref_decode(const unsigned char *s, size_t n, unsigned df,
                               struct fuzz_str *out, size_t *err)
{
  size_t len = 0;
  greet_status st = greet_url_decode((const char *)s, n, NULL, 0, &len, df);
  unsigned char *buf;
  if (st != GREET_E_NOSPACE) {
    *err = len;
    return st;
  }
  buf = fuzz_buf(len + 1);
  st = greet_url_decode((const char *)s, n, (char *)buf, len + 1, &len, df);
  CHECK(st == GREET_OK, "decode after its size query: status %d", st);
  str_add(out, buf, len);
  free(buf);
  return GREET_OK;
}

/* The reference walk: all pieces, up to and including the first error. */
static size_t ref_walk(const unsigned char *q, size_t len, unsigned flags, struct pair *pairs,
                       size_t max)
{
  unsigned df = flags & ~GREET_QUERY_SEMICOLON;
  size_t n = 0, p = 0;

  while (n < max) {
    size_t start, eq, end;
    struct pair *pr = &pairs[n];
    size_t err = 0;
    while (p < len && (q[p] == '&' || (q[p] == ';' && (flags & GREET_QUERY_SEMICOLON))))
      p++;
    if (p == len)
      break;
    start = p;
    end = start;
    eq = (size_t)-1;
    while (end < len && q[end] != '&' && !(q[end] == ';' && (flags & GREET_QUERY_SEMICOLON))) {
      if (q[end] == '=' && eq == (size_t)-1)
        eq = end;
      end++;
    }
    memset(pr, 0, sizeof *pr);
    str_add(&pr->key, "", 0);
    str_add(&pr->val, "", 0);
    pr->end = end < len ? end + 1 : end;
    n++;
    pr->st = ref_decode(q + start, (eq == (size_t)-1 ? end : eq) - start, df, &pr->key, &err);
    if (pr->st != GREET_OK) {
      pr->at = start + err;
      break;
    }
    if (eq != (size_t)-1) {
      pr->st = ref_decode(q + eq + 1, end - eq - 1, df, &pr->val, &err);
      if (pr->st != GREET_OK) {
        pr->at = eq + 1 + err;
        break;
      }
    }
    p = end;
  }
  return n;
}

static void free_pairs(struct pair *pairs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(pairs[i].key.p);
    free(pairs[i].val.p);
  }
}

/* Walks q with greet_query_next() and compares each step with pairs. */
static void check_walk(const char *what, const char *q, size_t len, unsigned flags,
                       const struct pair *pairs, size_t n, size_t max, unsigned knob)
{
  size_t pos = 0;

  for (size_t i = 0;; i++) {
    size_t kl = 777, vl = 777, before = pos;
    unsigned char *k, *v;
    greet_status st;
    const struct pair *pr = i < n ? &pairs[i] : NULL;

    if (i == max)
      return;
    /* size query first: NOSPACE with both lengths, cursor unmoved */
    st = greet_query_next(q, len, &pos, NULL, 0, &kl, NULL, 0, &vl, flags);
    if (pr == NULL) {
      CHECK(st == GREET_E_QUERY_END && kl == 0 && vl == 0 && pos == before,
            "%s: piece %zu: want QUERY_END, got status %d", what, i, st);
      return;
    }
    if (pr->st != GREET_OK) {
      CHECK(st == pr->st && kl == pr->at && vl == pr->at && pos == before,
            "%s: piece %zu: got status %d at %zu/%zu, want %d at %zu", what, i, st, kl, vl,
            pr->st, pr->at);
    } else {
      CHECK(st == GREET_E_NOSPACE && kl == pr->key.len && vl == pr->val.len && pos == before,
            "%s: piece %zu size query: status %d, lengths %zu %zu, want %zu %zu", what, i, st,
            kl, vl, pr->key.len, pr->val.len);
      /* one buffer one byte short (picked by the knob), the other exact */
      if ((knob >> 5) & 1) {
        size_t kc = (knob & 0x40) ? pr->key.len : pr->key.len + 1;
        size_t vc = (knob & 0x40) ? pr->val.len + 1 : pr->val.len;
        k = fuzz_buf(kc);
        v = fuzz_buf(vc);
        st = greet_query_next(q, len, &pos, (char *)k, kc, &kl, (char *)v, vc, &vl, flags);
        CHECK(st == GREET_E_NOSPACE && kl == pr->key.len && vl == pr->val.len && pos == before &&
              (kc == 0 || k[0] == '\0') && (vc == 0 || v[0] == '\0'),
              "%s: piece %zu one short: status %d", what, i, st);
        free(k);
        free(v);
      }
    }
    k = fuzz_buf(pr->key.len + 1);
    v = fuzz_buf(pr->val.len + 1);
    st = greet_query_next(q, len, &pos, (char *)k, pr->key.len + 1, &kl, (char *)v,
                          pr->val.len + 1, &vl, flags);
    if (pr->st != GREET_OK) {
      CHECK(st == pr->st && kl == pr->at && vl == pr->at && pos == before && k[0] == '\0' &&
            v[0] == '\0', "%s: piece %zu: got status %d, want %d", what, i, st, pr->st);
      free(k);
      free(v);
      return;
    }
    CHECK(st == GREET_OK && kl == pr->key.len && vl == pr->val.len && pos == pr->end &&
          memcmp(k, pr->key.p, kl + 1) == 0 && memcmp(v, pr->val.p, vl + 1) == 0,
          "%s: piece %zu: status %d, lengths %zu %zu, cursor %zu (want %zu %zu %zu)", what, i,
          st, kl, vl, pos, pr->key.len, pr->val.len, pr->end);
    free(k);
    free(v);
  }
}

struct get_ctx {
  const char *q;
  size_t len;
  const unsigned char *key;
  size_t key_len;
  unsigned flags;
};

static greet_status call_get(const void *p, char *dst, size_t cap, size_t *out_len)
{
  const struct get_ctx *c = p;
  return greet_query_get(c->q, c->len, (const char *)c->key, c->key_len, dst, cap, out_len,
                         c->flags);
}

/* greet_query_get() for key against the walk. */
static void check_get(const char *q, size_t len, unsigned flags, const struct pair *pairs,
                      size_t n, const unsigned char *key, size_t key_len, unsigned knob)
{
  struct get_ctx c = {q, len, key, key_len, flags};
  for (size_t i = 0; i < n; i++) {
    const struct pair *pr = &pairs[i];
    if (pr->st != GREET_OK) {
      fuzz_battery("get: error", call_get, &c, pr->st, NULL, pr->at, knob);
      return;
    }
    if (pr->key.len == key_len && (key_len == 0 || memcmp(pr->key.p, key, key_len) == 0)) {
      fuzz_battery("get", call_get, &c, GREET_OK, pr->val.p, pr->val.len, knob);
      return;
    }
  }
  fuzz_battery("get: absent", call_get, &c, GREET_E_NO_PARAM, NULL, 0, knob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned bits[] = {GREET_DECODE_LENIENT, GREET_DECODE_PLUS_SPACE,
                                  GREET_DECODE_REJECT_NUL, GREET_DECODE_REJECT_CTL,
                                  GREET_QUERY_SEMICOLON};
  static struct pair pairs[4097], again[4097];
  unsigned knob = size > 0 ? data[0] : 0;
  const char *q = size > 0 ? (const char *)data + 1 : NULL;
  size_t len = size > 0 ? size - 1 : 0;
  unsigned flags = 0;
  size_t n;

  fuzz_input = data;
  fuzz_input_len = size;
  for (size_t b = 0; b < 5; b++)
    if (knob & (1u << b))
      flags |= bits[b];

  n = ref_walk((const unsigned char *)q, len, flags, pairs, sizeof pairs / sizeof pairs[0]);
  check_walk("walk", q, len, flags, pairs, n, (size_t)-1, knob);

  /* get() for the first keys, and for one no piece has */
  for (size_t i = 0; i < n && i < MAX_GETS; i++)
    if (pairs[i].st == GREET_OK)
      check_get(q, len, flags, pairs, n, pairs[i].key.p, pairs[i].key.len, knob);
  check_get(q, len, flags, pairs, n, (const unsigned char *)"\xff\xfe", 2, knob);

  /* re-encoded and joined, the pairs walk back to themselves (strict) */
  if (n == 0 || pairs[n - 1].st == GREET_OK) {
    unsigned plus = flags & GREET_DECODE_PLUS_SPACE;
    unsigned ctx = plus ? GREET_ENCODE_FORM : 0;
    struct fuzz_str joined = {NULL, 0, 0};
    size_t m;
    str_add(&joined, "", 0);
    for (size_t i = 0; i < n; i++) {
      for (int part = 0; part < 2; part++) {
        const struct fuzz_str *s = part ? &pairs[i].val : &pairs[i].key;
        size_t el = 0;
        unsigned char *e;
        greet_status st = greet_url_encode((const char *)s->p, s->len, NULL, 0, &el, ctx);
        CHECK(st == GREET_E_NOSPACE, "encode size query: status %d", st);
        e = fuzz_buf(el + 1);
        st = greet_url_encode((const char *)s->p, s->len, (char *)e, el + 1, &el, ctx);
        CHECK(st == GREET_OK, "encode: status %d", st);
        if (part)
          str_addz(&joined, "=");
        str_add(&joined, e, el);
        free(e);
      }
      if (i + 1 < n)
        str_addz(&joined, "&");
    }
    m = ref_walk(joined.p, joined.len, plus, again, sizeof again / sizeof again[0]);
    CHECK(m == n, "re-encoded query has %zu pairs, the original %zu", m, n);
    for (size_t i = 0; i < n; i++)
      CHECK(again[i].st == GREET_OK && again[i].key.len == pairs[i].key.len &&
            again[i].val.len == pairs[i].val.len &&
            memcmp(again[i].key.p, pairs[i].key.p, pairs[i].key.len) == 0 &&
            memcmp(again[i].val.p, pairs[i].val.p, pairs[i].val.len) == 0,
            "re-encoded pair %zu differs", i);
    check_walk("re-encoded", (const char *)joined.p, joined.len, plus, again, m, (size_t)-1,
               knob);
    free_pairs(again, m);
    free(joined.p);
  }
  free_pairs(pairs, n);

  /* unknown flags, NULL pointers, a cursor past the end */
  {
    size_t pos = 0, kl = 12345, vl = 12345;
    unsigned char *k = fuzz_buf(4);
    unsigned flag = 1u << (4 + knob % 28);
    greet_status st;
    if (flag != GREET_QUERY_SEMICOLON) {
      st = greet_query_next(q, len, &pos, (char *)k, 4, &kl, NULL, 0, &vl, flag);
      CHECK(st == GREET_E_INVALID_FLAGS && kl == 12345 && k[0] == CANARY,
            "next flags %#x: status %d", flag, st);
      st = greet_query_get(q, len, "a", 1, (char *)k, 4, &kl, flag);
      CHECK(st == GREET_E_INVALID_FLAGS && kl == 12345 && k[0] == CANARY,
            "get flags %#x: status %d", flag, st);
    }
    st = greet_query_next(q, len, NULL, (char *)k, 4, &kl, NULL, 0, &vl, flags);
    CHECK(st == GREET_E_INVALID_ARG && kl == 12345 && k[0] == CANARY, "pos NULL: %d", st);
    pos = len + 1;
    st = greet_query_next(q, len, &pos, (char *)k, 4, &kl, NULL, 0, &vl, flags);
    CHECK(st == GREET_E_INVALID_ARG && kl == 12345 && pos == len + 1, "pos past end: %d", st);
    pos = 0;
    st = greet_query_next(q, len, &pos, NULL, 4, &kl, NULL, 0, &vl, flags);
    CHECK(st == GREET_E_INVALID_ARG && kl == 12345, "key NULL with cap: %d", st);
    st = greet_query_get(q, len, NULL, 1, (char *)k, 4, &kl, flags);
    CHECK(st == GREET_E_INVALID_ARG && kl == 12345 && k[0] == CANARY, "get key NULL: %d", st);
    free(k);
  }
  return 0;
}
