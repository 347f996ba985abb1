/* SPDX-License-Identifier: MIT */
/*
 * fuzz_format.c - libFuzzer target for greet_format().
 *
 * Input: byte 0 picks a small capacity and an unknown flag bit; the rest
 * is the name.  The result is compared with the reference (validate with
 * ref_utf8_validate(), then concatenate) at every capacity around the
 * needed one, each in a heap block of exactly cap bytes.
 */
#include "fuzz.h"

static const char prefix[] = "Hello, ";
#define PREFIX_LEN (sizeof prefix - 1)

static void format_cap(const char *name, size_t len, greet_status want,
                       const unsigned char *want_out, size_t want_len, size_t cap)
{
  unsigned char *dst = fuzz_buf(cap);
  size_t ol = (size_t)-1;
  greet_status st = greet_format(name, len, (char *)dst, cap, &ol, 0);

  if (want != GREET_OK) {
    CHECK(st == want && ol == want_len, "cap %zu: got status %d at %zu, want %d at %zu",
          cap, st, ol, want, want_len);
    CHECK(cap == 0 || dst[0] == '\0', "cap %zu: dst not empty on error", cap);
  } else if (cap > want_len) {
    size_t bad = 0;
    CHECK(st == GREET_OK && ol == want_len, "cap %zu: got status %d len %zu, want OK %zu",
          cap, st, ol, want_len);
    CHECK(memcmp(dst, want_out, want_len) == 0 && dst[want_len] == '\0',
          "cap %zu: output differs from the reference", cap);
    /* Checked on the output itself, not only through the reference. */
    CHECK(ol >= PREFIX_LEN + 1 && memcmp(dst, prefix, PREFIX_LEN) == 0 &&
          dst[ol - 1] == '!', "cap %zu: not \"Hello, ...!\"", cap);
    CHECK(ref_utf8_validate(dst, ol, 0, 0, &bad) == GREET_OK,
          "cap %zu: output is not valid UTF-8 at %zu", cap, bad);
    CHECK(greet_utf8_validate((char *)dst, ol, NULL, 0) == GREET_OK,
          "cap %zu: greet_utf8_validate rejects the output", cap);
  } else {
    CHECK(st == GREET_E_NOSPACE && ol == want_len, "cap %zu: got status %d len %zu, "
          "want NOSPACE %zu", cap, st, ol, want_len);
    CHECK(cap == 0 || dst[0] == '\0', "cap %zu: dst not empty on NOSPACE", cap);
  }
  if (cap == 0)
    CHECK(dst[0] == CANARY, "cap 0 but dst[0] was written");
  free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  unsigned knob = size > 0 ? data[0] : 0;
  const char *name = size > 0 ? (const char *)data + 1 : NULL;
  size_t len = size > 0 ? size - 1 : 0;
  size_t want_len = 0, ol = (size_t)-1, voff = (size_t)-1;
  unsigned char *want_out = fuzz_buf(PREFIX_LEN + len + 1);
  greet_status want, st;

  fuzz_input = data;
  fuzz_input_len = size;

  want = ref_utf8_validate((const unsigned char *)name, len, 0, 0, &want_len);
  if (want == GREET_OK) {
    memcpy(want_out, prefix, PREFIX_LEN);
    if (len > 0)
      memcpy(want_out + PREFIX_LEN, name, len);
    want_out[PREFIX_LEN + len] = '!';
    want_len = PREFIX_LEN + len + 1;
  }

  /* The size query, and agreement with greet_utf8_validate(). */
  st = greet_format(name, len, NULL, 0, &ol, 0);
  CHECK(st == (want == GREET_OK ? GREET_E_NOSPACE : want) && ol == want_len,
        "size query: got status %d len %zu, want %d %zu", st, ol, want, want_len);
  st = greet_utf8_validate(name, len, &voff, 0);
  CHECK(st == want && (st == GREET_OK || voff == want_len),
        "greet_utf8_validate says %d at %zu, greet_format %d at %zu", st, voff, want,
        want_len);

  {
    size_t need = want == GREET_OK ? want_len : len;
    format_cap(name, len, want, want_out, want_len, need + 1);
    format_cap(name, len, want, want_out, want_len, need + 2);
    format_cap(name, len, want, want_out, want_len, need);
    format_cap(name, len, want, want_out, want_len, 1);
    format_cap(name, len, want, want_out, want_len, 0);
    format_cap(name, len, want, want_out, want_len, knob);
    if (need > 0)
      format_cap(name, len, want, want_out, want_len, knob % need);

    /* out_len may be NULL. */
    {
      unsigned char *dst = fuzz_buf(need + 1);
      st = greet_format(name, len, (char *)dst, need + 1, NULL, 0);
      CHECK(st == want, "out_len NULL: got status %d, want %d", st, want);
      if (st == GREET_OK)
        CHECK(memcmp(dst, want_out, want_len) == 0 && dst[want_len] == '\0',
              "out_len NULL: output differs");
      free(dst);
    }
  }

  /* Any flag is unknown in this version; NULL pointers with sizes are
   * INVALID_ARG; neither touches dst or *out_len. */
  {
    unsigned char *dst = fuzz_buf(4);
    unsigned flag = 1u << (knob % 32);
    ol = 12345;
    st = greet_format(name, len, (char *)dst, 4, &ol, flag);
    CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
          "flags %#x: got status %d, want INVALID_FLAGS and nothing written", flag, st);
    st = greet_format(name, len, NULL, 1 + knob, &ol, 0);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345,
          "dst NULL, cap %u: got status %d, want INVALID_ARG", 1 + knob, st);
    if (len > 0) {
      st = greet_format(NULL, len, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "name NULL, len %zu: got status %d, want INVALID_ARG", len, st);
    }
    free(dst);
  }
  free(want_out);
  return 0;
}
