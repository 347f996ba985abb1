/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decode.c - libFuzzer target for greet_url_decode().
 *
 * Input: byte 0 picks the flags (low 4 bits: any combination) and a
 * small capacity and an unknown flag bit (high 4 bits); the rest is src.
 * The decode is compared with ref_decode(), a two-pass reference, at every
 * capacity and in place; so are the three flag sets that differ from it in
 * LENIENT, REJECT_NUL or REJECT_CTL, which must then agree with it.  Each
 * call's buffer is a heap block of exactly cap bytes, so ASan reports any
 * write past cap.
 */
#include "fuzz.h"

#define DECODE_FLAGS (GREET_DECODE_LENIENT | GREET_DECODE_PLUS_SPACE | \
                      GREET_DECODE_REJECT_NUL | GREET_DECODE_REJECT_CTL)

struct ref {
  greet_status st;
  size_t len;                 /* decoded length, or the offset on an input error */
  unsigned char *out;         /* the decoded bytes when st == GREET_OK */
};

static int ref_hex(unsigned char c)
{
  static const char lower[] = "0123456789abcdef";
  static const char upper[] = "0123456789ABCDEF";
  for (int k = 0; k < 16; k++)
    if (c == (unsigned char)lower[k] || c == (unsigned char)upper[k])
      return k;
  return -1;
}

/*
 * The reference decoder, in two passes unlike lib/decode.c's one: first
 * decode every byte (remembering which src offset produced it) up to the
 * first bad escape, then look for rejected controls in the decoded bytes.
 * A C1 control is C2 followed by 80..9F in the output, reported at the
 * C2's origin.  Decoded bytes come from strictly increasing offsets, all
 * before a bad escape, so the first error of pass 2, if any, comes first.
 */
static struct ref ref_decode(const unsigned char *s, size_t len, unsigned flags)
{
  struct ref r = {GREET_OK, 0, malloc(len + 1)};
  size_t *from = malloc((len + 1) * sizeof *from);
  int lenient = (flags & GREET_DECODE_LENIENT) != 0;
  int plus = (flags & GREET_DECODE_PLUS_SPACE) != 0;
  int rnul = (flags & GREET_DECODE_REJECT_NUL) != 0;
  int rctl = (flags & GREET_DECODE_REJECT_CTL) != 0;
  int bad = 0;
  size_t bad_at = 0, n = 0, i = 0;

  if (r.out == NULL || from == NULL)
    abort();
  while (i < len) {
    if (s[i] == '%' && len - i >= 3 && ref_hex(s[i + 1]) >= 0 &&
        ref_hex(s[i + 2]) >= 0) {
      r.out[n] = (unsigned char)(ref_hex(s[i + 1]) * 16 + ref_hex(s[i + 2]));
      from[n++] = i;
      i += 3;
    } else if (s[i] == '%' && !lenient) {
      bad = 1;
      bad_at = i;
      break;
    } else {
      r.out[n] = plus && s[i] == '+' ? ' ' : s[i];
      from[n++] = i;
      i += 1;
    }
  }

  for (size_t k = 0; k < n; k++) {
    /* A lone byte 80..9F is not a C1 control: only an ASCII byte is a
     * control on its own. */
    greet_status st = r.out[k] < 0x80 ? ref_ctl_status(r.out[k], rnul, rctl) : GREET_OK;
    if (st == GREET_OK && rctl && r.out[k] == 0xc2 && k + 1 < n &&
        r.out[k + 1] >= 0x80 && r.out[k + 1] <= 0x9f)
      st = GREET_E_C1_CONTROL;
    if (st != GREET_OK) {
      r.st = st;
      r.len = from[k];
      free(from);
      return r;
    }
  }
  free(from);
  if (bad) {
    r.st = GREET_E_BAD_ESCAPE;
    r.len = bad_at;
    return r;
  }
  r.len = n;
  return r;
}

/* The decoded bytes hold no control that the flags reject. */
static int clean(const unsigned char *p, size_t n, unsigned flags)
{
  for (size_t k = 0; k < n; k++) {
    if ((flags & (GREET_DECODE_REJECT_NUL | GREET_DECODE_REJECT_CTL)) && p[k] == 0)
      return 0;
    if (flags & GREET_DECODE_REJECT_CTL) {
      if (p[k] < 0x20 || p[k] == 0x7f)
        return 0;
      if (p[k] == 0xc2 && k + 1 < n && p[k + 1] >= 0x80 && p[k + 1] <= 0x9f)
        return 0;
    }
  }
  return 1;
}

/* One out-of-place call with a buffer of exactly cap bytes, checked
 * against the reference. */
static void decode_cap(const char *src, size_t len, const struct ref *r,
                       unsigned flags, size_t cap)
{
  unsigned char *dst = fuzz_buf(cap);
  size_t ol = (size_t)-1;
  greet_status st = greet_url_decode(src, len, (char *)dst, cap, &ol, flags);

  if (r->st != GREET_OK) {
    CHECK(st == r->st && ol == r->len, "flags %#x cap %zu: got status %d offset %zu, "
          "want %d at %zu", flags, cap, st, ol, r->st, r->len);
    CHECK(cap == 0 || dst[0] == '\0', "flags %#x cap %zu: dst not empty on error",
          flags, cap);
  } else if (cap > r->len) {
    CHECK(st == GREET_OK && ol == r->len, "flags %#x cap %zu: got status %d len %zu, "
          "want OK len %zu", flags, cap, st, ol, r->len);
    CHECK(memcmp(dst, r->out, r->len) == 0 && dst[r->len] == '\0',
          "flags %#x cap %zu: output differs from the reference", flags, cap);
  } else {
    CHECK(st == GREET_E_NOSPACE && ol == r->len, "flags %#x cap %zu: got status %d "
          "len %zu, want NOSPACE len %zu", flags, cap, st, ol, r->len);
    CHECK(cap == 0 || dst[0] == '\0', "flags %#x cap %zu: dst not empty on NOSPACE",
          flags, cap);
  }
  if (cap == 0)
    CHECK(dst[0] == CANARY, "flags %#x: cap 0 but dst[0] was written", flags);
  if (st == GREET_OK || st == GREET_E_NOSPACE)
    CHECK(ol <= len, "flags %#x: decoded length %zu > input length %zu", flags, ol, len);
  if (st == GREET_OK)
    CHECK(clean(dst, ol, flags), "flags %#x: a rejected control in the output", flags);
  free(dst);
}

/* dst == src in a block of exactly `size` bytes (size >= len), cap <= size.
 * Bytes from cap on must be left alone: they are outside the buffer the
 * caller gave. */
static void decode_in_place(const char *src, size_t len, const struct ref *r,
                            unsigned flags, size_t size, size_t cap)
{
  unsigned char *buf = fuzz_buf(size);
  size_t ol = (size_t)-1;
  greet_status st;

  if (len > 0)
    memcpy(buf, src, len);
  st = greet_url_decode((char *)buf, len, (char *)buf, cap, &ol, flags);
  if (r->st != GREET_OK) {
    CHECK(st == r->st && ol == r->len, "in place, flags %#x cap %zu: got status %d "
          "offset %zu, want %d at %zu", flags, cap, st, ol, r->st, r->len);
    CHECK(cap == 0 || buf[0] == '\0', "in place: dst not empty on error");
  } else if (cap > r->len) {
    CHECK(st == GREET_OK && ol == r->len, "in place, flags %#x cap %zu: got status %d "
          "len %zu, want OK len %zu", flags, cap, st, ol, r->len);
    CHECK(memcmp(buf, r->out, r->len) == 0 && buf[r->len] == '\0',
          "in place, flags %#x cap %zu: output differs from out of place", flags, cap);
  } else {
    CHECK(st == GREET_E_NOSPACE && ol == r->len, "in place, flags %#x cap %zu: got "
          "status %d len %zu, want NOSPACE len %zu", flags, cap, st, ol, r->len);
    CHECK(cap == 0 || buf[0] == '\0', "in place: dst not empty on NOSPACE");
  }
  for (size_t k = cap; k < size; k++)
    CHECK(buf[k] == (k < len ? (unsigned char)src[k] : CANARY),
          "in place, flags %#x cap %zu: byte %zu past cap was written", flags, cap, k);
  free(buf);
}

/* Checks every call for one set of flags; returns the reference result,
 * which the library's now matches. */
static struct ref decode_all(const char *src, size_t len, unsigned flags,
                             unsigned knob, int full)
{
  struct ref r = ref_decode((const unsigned char *)src, len, flags);
  size_t ol = (size_t)-1;
  greet_status st;

  /* The size query: NOSPACE with the length, or the input error. */
  st = greet_url_decode(src, len, NULL, 0, &ol, flags);
  CHECK(st == (r.st == GREET_OK ? GREET_E_NOSPACE : r.st) && ol == r.len,
        "size query, flags %#x: got status %d len %zu, want %d %zu", flags, st, ol,
        r.st, r.len);
  if ((flags & GREET_DECODE_LENIENT) != 0)
    CHECK(st != GREET_E_BAD_ESCAPE, "lenient returned BAD_ESCAPE at %zu", ol);

  decode_cap(src, len, &r, flags, r.st == GREET_OK ? r.len + 1 : len + 1);
  decode_in_place(src, len, &r, flags, len + 1, len + 1);

  if (full) {
    size_t need = r.st == GREET_OK ? r.len : len;

    decode_cap(src, len, &r, flags, need + 2);
    decode_cap(src, len, &r, flags, need);       /* one short: NOSPACE */
    decode_cap(src, len, &r, flags, 1);
    decode_cap(src, len, &r, flags, knob);
    if (need > 0)
      decode_cap(src, len, &r, flags, knob % need);

    /* In place in a block of exactly len bytes, with every cap it allows. */
    if (len > 0) {
      decode_in_place(src, len, &r, flags, len, len);
      if (need < len)
        decode_in_place(src, len, &r, flags, len, need + 1);
      if (need > 0 && need <= len)
        decode_in_place(src, len, &r, flags, len, need);
      decode_in_place(src, len, &r, flags, len, knob < len ? knob : len);
    }

    /* out_len may be NULL. */
    {
      unsigned char *dst = fuzz_buf(need + 1);
      st = greet_url_decode(src, len, (char *)dst, need + 1, NULL, flags);
      CHECK(st == r.st, "out_len NULL, flags %#x: got status %d, want %d", flags, st,
            r.st);
      if (st == GREET_OK)
        CHECK(memcmp(dst, r.out, r.len) == 0 && dst[r.len] == '\0',
              "out_len NULL: output differs");
      free(dst);
    }

    /* Unknown flags and NULL pointers touch neither dst nor *out_len. */
    {
      unsigned char *dst = fuzz_buf(4);
      unsigned bad = flags | 1u << (4 + knob % 28);
      ol = 12345;
      st = greet_url_decode(src, len, (char *)dst, 4, &ol, bad);
      CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
            "flags %#x: got status %d, want INVALID_FLAGS and nothing written", bad, st);
      st = greet_url_decode(src, len, NULL, 1 + knob, &ol, flags);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345,
            "dst NULL, cap %u: got status %d, want INVALID_ARG", 1 + knob, st);
      if (len > 0) {
        st = greet_url_decode(NULL, len, (char *)dst, 4, &ol, flags);
        CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
              "src NULL, len %zu: got status %d, want INVALID_ARG", len, st);
      }
      free(dst);
    }
  }
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned bits[] = {GREET_DECODE_LENIENT, GREET_DECODE_REJECT_NUL,
                                  GREET_DECODE_REJECT_CTL};
  unsigned ctrl = size > 0 ? data[0] : 0;
  unsigned flags = ctrl & DECODE_FLAGS;
  const char *src = size > 0 ? (const char *)data + 1 : NULL;
  size_t len = size > 0 ? size - 1 : 0;
  struct ref r;

  fuzz_input = data;
  fuzz_input_len = size;
  r = decode_all(src, len, flags, ctrl >> 4, 1);

  /* Against the neighbours that differ in one bit (the library's results,
   * which equal the reference's by now): LENIENT only changes what strict
   * rejects, and the REJECT flags only reject, so where the narrower flags
   * succeed the wider give the same bytes. */
  for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++) {
    unsigned other = flags ^ bits[b];
    struct ref o = decode_all(src, len, other, ctrl >> 4, 0);
    int widens = (bits[b] == GREET_DECODE_LENIENT) == ((other & bits[b]) != 0);
    const struct ref *narrow = widens ? &r : &o, *wide = widens ? &o : &r;
    if (narrow->st == GREET_OK)
      CHECK(wide->st == GREET_OK && wide->len == narrow->len &&
            memcmp(wide->out, narrow->out, narrow->len) == 0,
            "flags %#x succeed but flags %#x give status %d or other bytes",
            widens ? flags : other, widens ? other : flags, wide->st);
    free(o.out);
  }
  free(r.out);
  return 0;
}
