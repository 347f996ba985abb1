/* SPDX-License-Identifier: MIT */
/*
 * greet-test.h - the buffer checks shared by the tests of every function
 * that writes a caller buffer (decode, format, escape, lang, ...).
 *
 * They all follow the same (dst, cap, out_len) convention, so one routine
 * runs a table row through every capacity that matters: the
 * size query, cap 0 with a real buffer, 1, the caps around need =
 * *out_len + 1 (need - 2, need - 1 which leaves no room for the NUL, need,
 * need + 1) and plenty.  Each call is made three
 * times: into a '#'-filled buffer larger than cap, to see exactly which
 * bytes were written; into a heap block of exactly cap bytes, with the
 * input in a heap block of exactly its length, so that ASan or valgrind
 * catch any access one byte past either end; and with the input followed
 * by bytes that an over-read would misparse, which catches it without them.
 */
#ifndef GREET_TEST_H
#define GREET_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <greet.h>

/* One case: the input, the flags, the status expected with a large
 * enough buffer, and the output (want, want_len).  For an input error
 * want is "" and want_len is the offset of the offending byte, which is
 * what *out_len receives. */
struct row {
  const char *in;
  size_t in_len;
  unsigned flags;
  greet_status want_status;
  const char *want;
  size_t want_len;
};

/* A byte string literal and its real length, NULs included. */
#define B(lit) lit, sizeof(lit) - 1

typedef greet_status (*writer_fn)(const char *src, size_t src_len, char *dst,
                                  size_t cap, size_t *out_len, unsigned flags);

#define CANARY '#'
#define BUF_SIZE 512
#define UNSET ((size_t)0x5a5a5a5a) /* an out_len the function must overwrite */

/* The input as C source, for failure messages. */
static inline const char *show(const char *s, size_t n)
{
  static char text[4 * BUF_SIZE + 3];
  size_t o = 0;

  text[o++] = '"';
  for (size_t i = 0; i < n && o < sizeof text - 6; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
      text[o++] = (char)c;
    else
      o += (size_t)snprintf(text + o, sizeof text - o, "\\x%02X", c);
  }
  text[o++] = '"';
  text[o] = '\0';
  return text;
}

/* A copy of the input in a heap block of exactly its length. */
static inline char *exact_copy(const char *s, size_t n)
{
  char *p = malloc(n > 0 ? n : 1);
  cr_assert_not_null(p);
  if (n > 0)
    memcpy(p, s, n);
  return p;
}

/* The status a call with this cap must give. */
static inline greet_status status_for_cap(const struct row *r, size_t cap)
{
  if (r->want_status != GREET_OK)
    return r->want_status;
  return cap > r->want_len ? GREET_OK : GREET_E_NOSPACE;
}

/* buf[from..BUF_SIZE) still holds the canary. */
static inline void assert_untouched(const char *buf, size_t from, const char *what,
                                    size_t idx, size_t cap)
{
  for (size_t k = from; k < BUF_SIZE; k++)
    cr_assert_eq(buf[k], CANARY, "%s row %zu cap %zu: byte %zu was written (0x%02X)",
                 what, idx, cap, k, (unsigned char)buf[k]);
}

/* What a call left in buf, given the status it had to return. */
static inline void assert_output(const struct row *r, const char *buf, size_t cap,
                                 greet_status st, const char *what, size_t idx)
{
  if (st == GREET_OK) {
    cr_assert_eq(memcmp(buf, r->want, r->want_len), 0,
                 "%s row %zu %s cap %zu: wrong output", what, idx,
                 show(r->in, r->in_len), cap);
    cr_assert_eq(buf[r->want_len], '\0', "%s row %zu %s cap %zu: no NUL",
                 what, idx, show(r->in, r->in_len), cap);
    assert_untouched(buf, r->want_len + 1, what, idx, cap);
  } else {
    if (cap > 0)
      cr_assert_eq(buf[0], '\0', "%s row %zu %s cap %zu: dst not left empty",
                   what, idx, show(r->in, r->in_len), cap);
    assert_untouched(buf, cap, what, idx, cap);
  }
}

/* One call with the given cap, into the canary buffer and into an exact
 * heap block. */
static inline void check_cap(writer_fn fn, const struct row *r, size_t cap,
                             const char *what, size_t idx)
{
  char buf[BUF_SIZE];
  greet_status want = status_for_cap(r, cap);
  greet_status st;
  size_t n = UNSET;

  cr_assert_lt(cap, (size_t)BUF_SIZE, "%s row %zu: row too long for the test", what, idx);

  memset(buf, CANARY, sizeof buf);
  st = fn(r->in, r->in_len, buf, cap, &n, r->flags);
  cr_assert_eq(st, want, "%s row %zu %s cap %zu: status %d (%s), want %d (%s)",
               what, idx, show(r->in, r->in_len), cap, st, greet_strerror(st),
               want, greet_strerror(want));
  cr_assert_eq(n, r->want_len, "%s row %zu %s cap %zu: out_len %zu, want %zu",
               what, idx, show(r->in, r->in_len), cap, n, r->want_len);
  assert_output(r, buf, cap, st, what, idx);

  char *in = exact_copy(r->in, r->in_len);
  char *out = cap > 0 ? malloc(cap) : NULL;
  cr_assert(cap == 0 || out != NULL);
  n = UNSET;
  /* cap 0 with a real pointer: the function may not touch it at all */
  st = fn(in, r->in_len, cap > 0 ? out : buf, cap, &n, r->flags);
  cr_assert_eq(st, want, "%s row %zu %s exact cap %zu: status %d", what, idx,
               show(r->in, r->in_len), cap, st);
  cr_assert_eq(n, r->want_len, "%s row %zu %s exact cap %zu: out_len %zu",
               what, idx, show(r->in, r->in_len), cap, n);
  if (st == GREET_OK)
    cr_assert_eq(memcmp(out, r->want, r->want_len + 1), 0,
                 "%s row %zu %s exact cap %zu: wrong output", what, idx,
                 show(r->in, r->in_len), cap);
  else if (cap > 0)
    cr_assert_eq(out[0], '\0', "%s row %zu exact cap %zu: dst not empty", what, idx, cap);
  free(out);
  free(in);

  /* The input followed by bytes that would change the result if they were
   * read: hex digits extend a '%' cut short at the end, continuation bytes
   * complete a cut-short UTF-8 sequence.  Catches an over-read without
   * ASan. */
  static const char *const pads[] = { "AA", "\x80\x80\x80\x80" };
  for (size_t p = 0; p < sizeof pads / sizeof pads[0]; p++) {
    char padded[BUF_SIZE + 8];
    size_t plen = strlen(pads[p]);
    cr_assert_lt(r->in_len + plen, sizeof padded);
    if (r->in_len > 0)
      memcpy(padded, r->in, r->in_len);
    memcpy(padded + r->in_len, pads[p], plen);
    memset(buf, CANARY, sizeof buf);
    n = UNSET;
    st = fn(padded, r->in_len, buf, cap, &n, r->flags);
    cr_assert_eq(st, want, "%s row %zu %s cap %zu, followed by pad %zu: status %d, want %d",
                 what, idx, show(r->in, r->in_len), cap, p, st, want);
    cr_assert_eq(n, r->want_len, "%s row %zu %s cap %zu, followed by pad %zu: out_len %zu",
                 what, idx, show(r->in, r->in_len), cap, p, n);
    assert_output(r, buf, cap, st, what, idx);
  }
}

/* Every capacity that matters for one row, plus the size query and a NULL
 * out_len. */
static inline void check_row(writer_fn fn, const struct row *r, const char *what,
                             size_t idx)
{
  size_t n = UNSET;
  greet_status st = fn(r->in, r->in_len, NULL, 0, &n, r->flags);
  greet_status want = r->want_status == GREET_OK ? GREET_E_NOSPACE : r->want_status;

  cr_assert_eq(st, want, "%s row %zu %s: size query gave status %d, want %d",
               what, idx, show(r->in, r->in_len), st, want);
  cr_assert_eq(n, r->want_len, "%s row %zu %s: size query gave %zu, want %zu",
               what, idx, show(r->in, r->in_len), n, r->want_len);

  char buf[BUF_SIZE];
  memset(buf, CANARY, sizeof buf);
  st = fn(r->in, r->in_len, buf, BUF_SIZE - 1, NULL, r->flags);
  cr_assert_eq(st, r->want_status, "%s row %zu %s: out_len NULL gave status %d",
               what, idx, show(r->in, r->in_len), st);
  assert_output(r, buf, BUF_SIZE - 1, st, what, idx);

  /* need = *out_len + 1; need - 1 is the classic off-by-one (no room for
   * the NUL), need - 2 one more short. */
  const size_t need = r->want_len + 1;
  const size_t caps[] = { 0, 1, need - 1, need, need + 1, need + 7, BUF_SIZE - 1 };
  for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
    check_cap(fn, r, caps[c], what, idx);
  if (need >= 2)
    check_cap(fn, r, need - 2, what, idx);
}

#endif /* GREET_TEST_H */
