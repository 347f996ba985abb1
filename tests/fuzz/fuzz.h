/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what the fuzz targets share: the libFuzzer entry point, a check
 * that reports and aborts, exact-size buffers, and a reference UTF-8
 * decoder written from the RFC 3629 table.
 *
 * Header-only with static functions on purpose: each target is one .c
 * file plus this, linked either with libFuzzer or with replay.c.
 */
#ifndef GREET_FUZZ_H
#define GREET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant broken: say which, with the input, and abort so libFuzzer
 * saves a crash file and the replay test fails. */
#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: invariant failed: %s\n  ", __FILE__,        \
              __LINE__, #cond);                                           \
      fprintf(stderr, __VA_ARGS__);                                       \
      fputc('\n', stderr);                                                \
      fuzz_dump("input", fuzz_input, fuzz_input_len);                     \
      abort();                                                            \
    }                                                                     \
  } while (0)

static const uint8_t *fuzz_input;   /* for CHECK: the whole current input */
static size_t fuzz_input_len;

static inline void fuzz_dump(const char *what, const void *p, size_t n)
{
  const unsigned char *b = p;
  fprintf(stderr, "  %s (%zu bytes):", what, n);
  for (size_t i = 0; i < n && i < 256; i++)
    fprintf(stderr, " %02x", b[i]);
  fprintf(stderr, n > 256 ? " ...\n" : "\n");
}

/* A heap block of exactly n bytes (at least one for malloc's sake, but a
 * zero-size buffer is only ever passed with cap 0), filled with a canary
 * so that untouched bytes can be told from written ones.  Exact size is
 * what lets ASan see a write one past cap. */
#define CANARY 0xa5

static inline unsigned char *fuzz_buf(size_t n)
{
  unsigned char *p = malloc(n > 0 ? n : 1);
  if (p == NULL)
    abort();
  memset(p, CANARY, n > 0 ? n : 1);
  return p;
}

/*
 * Reference UTF-8 decoder, deliberately unlike lib/utf8.c: it decodes each
 * sequence into a code point (length from the count of leading one bits,
 * then continuation bytes 10xxxxxx) and only then applies the range rules
 * of RFC 3629: the shortest form, no surrogates, nothing above U+10FFFF.
 * Returns the sequence length (1..4) and the code point in *cp, or 0 when
 * the sequence starting at s[0] is invalid or cut short.
 */
static inline size_t ref_utf8_next(const unsigned char *s, size_t len,
                                   uint32_t *cp)
{
  static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
  unsigned char c = s[0];
  size_t n = 0;
  uint32_t v;

  while (n < 8 && (c & (0x80u >> n)))
    n++;
  if (n == 0) {
    *cp = c;
    return 1;
  }
  if (n == 1 || n > 4)        /* a continuation byte, or a 5- to 8-byte form */
    return 0;
  if (len < n)
    return 0;
  v = c & (0x7fu >> n);
  for (size_t k = 1; k < n; k++) {
    if ((s[k] & 0xc0) != 0x80)
      return 0;
    v = (v << 6) | (s[k] & 0x3fu);
  }
  if (v < min_cp[n] || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
    return 0;
  *cp = v;
  return n;
}

/* Which code points a REJECT flag pair turns away, as a status. */
static inline greet_status ref_ctl_status(uint32_t cp, int reject_nul,
                                          int reject_ctl)
{
  if (cp == 0 && (reject_nul || reject_ctl))
    return GREET_E_NUL;
  if (!reject_ctl)
    return GREET_OK;
  if (cp < 0x20)
    return GREET_E_C0_CONTROL;
  if (cp == 0x7f)
    return GREET_E_DEL;
  if (cp >= 0x80 && cp <= 0x9f)
    return GREET_E_C1_CONTROL;
  return GREET_OK;
}

/* The reference greet_utf8_validate(): status, and the offset on error. */
static inline greet_status ref_utf8_validate(const unsigned char *s, size_t len,
                                             int reject_nul, int reject_ctl,
                                             size_t *err)
{
  size_t i = 0;
  while (i < len) {
    uint32_t cp;
    size_t n = ref_utf8_next(s + i, len - i, &cp);
    greet_status st;
    if (n == 0) {
      *err = i;
      return GREET_E_BAD_UTF8;
    }
    st = ref_ctl_status(cp, reject_nul, reject_ctl);
    if (st != GREET_OK) {
      *err = i;
      return st;
    }
    i += n;
  }
  return GREET_OK;
}

/*
 * The buffer rules every function with (dst, cap, out_len) shares,
 * checked at once: the size query, cap = needed + 1 and + 2, one short, 1,
 * 0 with a real dst, and two caps picked by the input (knob), each in a
 * block of exactly cap bytes; then out_len NULL.  want/want_out/want_len
 * is the expected result: for an input error want_len is the offset, and
 * every cap gives the same error.  call() makes the call under test.
 */
typedef greet_status (*fuzz_call)(const void *ctx, char *dst, size_t cap,
                                  size_t *out_len);

static inline void fuzz_one_cap(const char *what, fuzz_call call, const void *ctx,
                                greet_status want, const unsigned char *want_out,
                                size_t want_len, size_t cap, int query)
{
  unsigned char *dst = query ? NULL : fuzz_buf(cap);
  size_t ol = (size_t)-1;
  greet_status st = call(ctx, (char *)dst, cap, &ol);

  if (want != GREET_OK) {
    CHECK(st == want && ol == want_len, "%s, cap %zu%s: got status %d at %zu, "
          "want %d at %zu", what, cap, query ? " (size query)" : "", st, ol, want,
          want_len);
    CHECK(cap == 0 || dst[0] == '\0', "%s, cap %zu: dst not empty on error", what, cap);
  } else if (!query && cap > want_len) {
    CHECK(st == GREET_OK && ol == want_len, "%s, cap %zu: got status %d len %zu, "
          "want OK len %zu", what, cap, st, ol, want_len);
    CHECK(memcmp(dst, want_out, want_len) == 0 && dst[want_len] == '\0',
          "%s, cap %zu: output differs from the reference", what, cap);
  } else {
    CHECK(st == GREET_E_NOSPACE && ol == want_len, "%s, cap %zu%s: got status %d "
          "len %zu, want NOSPACE %zu", what, cap, query ? " (size query)" : "", st,
          ol, want_len);
    CHECK(cap == 0 || dst[0] == '\0', "%s, cap %zu: dst not empty on NOSPACE", what,
          cap);
  }
  if (!query && cap == 0)
    CHECK(dst[0] == CANARY, "%s: cap 0 but dst[0] was written", what);
  free(dst);
}

static inline void fuzz_battery(const char *what, fuzz_call call, const void *ctx,
                                greet_status want, const unsigned char *want_out,
                                size_t want_len, unsigned knob)
{
  size_t need = want == GREET_OK ? want_len : 8;
  size_t caps[] = {need + 1, need + 2, need, 1, 0, knob, need > 0 ? knob % need : 3};

  fuzz_one_cap(what, call, ctx, want, want_out, want_len, 0, 1);
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
    fuzz_one_cap(what, call, ctx, want, want_out, want_len, caps[i], 0);
  {
    unsigned char *dst = fuzz_buf(need + 1);
    greet_status st = call(ctx, (char *)dst, need + 1, NULL);
    CHECK(st == want, "%s, out_len NULL: got status %d, want %d", what, st, want);
    if (want == GREET_OK)
      CHECK(memcmp(dst, want_out, want_len) == 0 && dst[want_len] == '\0',
            "%s, out_len NULL: output differs", what);
    free(dst);
  }
}

/* A growable byte string for the references. */
struct fuzz_str {
  unsigned char *p;
  size_t len, cap;
};

static inline void str_add(struct fuzz_str *b, const void *s, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = 2 * (b->len + n + 1) + 32;
    unsigned char *p = realloc(b->p, cap);
    if (p == NULL)
      abort();
    b->p = p;
    b->cap = cap;
  }
  if (n > 0)
    memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static inline void str_addz(struct fuzz_str *b, const char *s)
{
  str_add(b, s, strlen(s));
}

/*
 * Reference escaping (greet.h, greet_escape), one code point at a time
 * from a list of replacements, on text that must already be valid UTF-8.
 * mode: 0, GREET_ESCAPE_HTML or GREET_ESCAPE_JSON.
 */
static inline void ref_escape(struct fuzz_str *out, const unsigned char *s, size_t len,
                              unsigned mode)
{
  size_t i = 0;
  while (i < len) {
    uint32_t cp = 0;
    size_t n = ref_utf8_next(s + i, len - i, &cp);
    const char *rep = NULL;
    char u[16];               /* "\\u%04x" of any unsigned, for the compiler */

    if (n == 0)
      abort();                /* the caller validates first */
    if (mode == GREET_ESCAPE_HTML) {
      rep = cp == '&' ? "&amp;" : cp == '<' ? "&lt;" : cp == '>' ? "&gt;"
          : cp == '"' ? "&quot;" : cp == '\'' ? "&#39;" : NULL;
    } else if (mode == GREET_ESCAPE_JSON) {
      static const char *const short_form[0x20] = {
        [0x08] = "\\b", [0x09] = "\\t", [0x0a] = "\\n", [0x0c] = "\\f", [0x0d] = "\\r"};
      if (cp == '"')
        rep = "\\\"";
      else if (cp == '\\')
        rep = "\\\\";
      else if (cp < 0x20 && short_form[cp] != NULL)
        rep = short_form[cp];
      else if (cp < 0x20 || cp == 0x2028 || cp == 0x2029) {
        snprintf(u, sizeof u, "\\u%04x", (unsigned)cp);
        rep = u;
      }
    }
    if (rep != NULL)
      str_addz(out, rep);
    else
      str_add(out, s + i, n);
    i += n;
  }
}

/* ASCII case-insensitive equality of n bytes. */
static inline int ref_ieq(const unsigned char *a, const unsigned char *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = (unsigned char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = (unsigned char)(y - 'A' + 'a');
    if (x != y)
      return 0;
  }
  return 1;
}

/*
 * Reference syntax check of an RFC 4647 basic language range,
 * language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*", as a state machine
 * over the bytes.  The error offset is the first byte that no longer fits
 * (len when the range ends where a subtag must follow); a '*' that is not
 * the whole range is itself that byte.
 */
static inline greet_status ref_range_check(const unsigned char *s, size_t len, size_t *err)
{
  size_t i, sub = 0;          /* length of the current subtag */
  int first = 1;

  if (len == 1 && s[0] == '*')
    return GREET_OK;
  for (i = 0; i < len; i++) {
    unsigned char c = s[i];
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    int digit = c >= '0' && c <= '9';
    if (c == '-' && sub > 0) {
      first = 0;
      sub = 0;
    } else if ((alpha || (digit && !first)) && sub < 8) {
      sub++;
    } else {
      *err = i;
      return GREET_E_BAD_TAG;
    }
  }
  if (sub == 0) {
    *err = len;
    return GREET_E_BAD_TAG;
  }
  return GREET_OK;
}

/*
 * The catalogue as the public API shows it (greet_lang_count/_at), read
 * once: tag, name, direction, and the greeting template recovered by
 * greeting the name "{name}" without isolation.
 */
struct ref_lang {
  char tag[64], name[128], dir[8];
  char tmpl[256];
  int rtl;
};

static struct ref_lang ref_langs[256];
static size_t ref_nlangs;

static inline void ref_catalogue(void)
{
  if (ref_nlangs > 0)
    return;
  ref_nlangs = greet_lang_count();
  if (ref_nlangs == 0 || ref_nlangs > sizeof ref_langs / sizeof ref_langs[0])
    abort();
  for (size_t i = 0; i < ref_nlangs; i++) {
    struct ref_lang *l = &ref_langs[i];
    size_t n;
    if (greet_lang_at(i, l->tag, sizeof l->tag, &n, 0) != GREET_OK ||
        greet_lang_at(i, l->name, sizeof l->name, &n, GREET_LANG_NAME) != GREET_OK ||
        greet_lang_at(i, l->dir, sizeof l->dir, &n, GREET_LANG_DIR) != GREET_OK ||
        greet_format_lang(l->tag, strlen(l->tag), "{name}", 6, l->tmpl, sizeof l->tmpl,
                          &n, GREET_LANG_NO_ISOLATE) != GREET_OK) {
      fprintf(stderr, "catalogue entry %zu unreadable\n", i);
      abort();
    }
    l->rtl = strcmp(l->dir, "rtl") == 0;
  }
}

/* Reference RFC 4647 3.4 lookup of a well-formed range: the catalogue
 * index, or -1.  Truncation drops the last subtag, then a singleton left
 * at the end. */
static inline long ref_lookup(const unsigned char *s, size_t len)
{
  ref_catalogue();
  if (len == 1 && s[0] == '*')
    return -1;
  for (;;) {
    size_t cut;
    for (size_t k = 0; k < ref_nlangs; k++)
      if (strlen(ref_langs[k].tag) == len &&
          ref_ieq(s, (const unsigned char *)ref_langs[k].tag, len))
        return (long)k;
    cut = len;
    while (cut > 0 && s[cut - 1] != '-')
      cut--;
    if (cut == 0)
      return -1;
    len = cut - 1;
    if (len >= 2 && s[len - 2] == '-')
      len -= 2;
  }
}

#endif /* GREET_FUZZ_H */
