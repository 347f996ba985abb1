/* SPDX-License-Identifier: MIT */
/*
 * fuzz_utf8.c - libFuzzer target for greet_utf8_validate().
 *
 * Input: the whole input is the text.  It is validated with each of the
 * four flag combinations and compared with ref_utf8_validate() (fuzz.h:
 * code point decoding, then the RFC 3629 range rules), status and offset.
 */
#include "fuzz.h"

#define NO_OFFSET ((size_t)-7)

static void validate_one(const char *s, size_t len, unsigned flags)
{
  size_t want_off = 0, off = NO_OFFSET;
  greet_status want = ref_utf8_validate((const unsigned char *)s, len,
                                        (flags & GREET_UTF8_REJECT_NUL) != 0,
                                        (flags & GREET_UTF8_REJECT_CTL) != 0, &want_off);
  greet_status st = greet_utf8_validate(s, len, &off, flags);

  if (want == GREET_OK)
    CHECK(st == GREET_OK && off == NO_OFFSET,
          "flags %#x: got status %d (offset %zu), want OK and offset untouched",
          flags, st, off);
  else
    CHECK(st == want && off == want_off, "flags %#x: got status %d at %zu, want %d at %zu",
          flags, st, off, want, want_off);
  CHECK(greet_utf8_validate(s, len, NULL, flags) == st,
        "flags %#x: a NULL err_offset changes the status", flags);

  /* The offset is the start of the first bad sequence: everything before
   * it passes, and the rest fails right at its start. */
  if (st != GREET_OK) {
    size_t off2 = NO_OFFSET;
    CHECK(greet_utf8_validate(s, off, NULL, flags) == GREET_OK,
          "flags %#x: the prefix before offset %zu does not validate", flags, off);
    CHECK(greet_utf8_validate(s + off, len - off, &off2, flags) == st && off2 == 0,
          "flags %#x: the rest from offset %zu does not fail at 0 (%zu)", flags, off, off2);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = size > 0 ? (const char *)data : NULL;
  size_t off = NO_OFFSET;
  greet_status st0;

  fuzz_input = data;
  fuzz_input_len = size;
  for (unsigned flags = 0; flags < 4; flags++)
    validate_one(s, size, flags);

  /* Alignment must not matter (the ASCII fast path reads 8 bytes at a
   * time): the same bytes at another offset of an exact-size block. */
  if (size > 0) {
    size_t shift = 1 + size % 7;
    unsigned char *copy = fuzz_buf(shift + size);
    size_t o1 = NO_OFFSET, o2 = NO_OFFSET;
    memcpy(copy + shift, data, size);
    for (unsigned flags = 0; flags < 4; flags++) {
      greet_status a = greet_utf8_validate(s, size, &o1, flags);
      greet_status b = greet_utf8_validate((char *)copy + shift, size, &o2, flags);
      CHECK(a == b && o1 == o2, "flags %#x: shifted by %zu: %d at %zu vs %d at %zu",
            flags, shift, a, o1, b, o2);
    }
    free(copy);
  }

  /* Unknown flags and a NULL src with a length. */
  st0 = greet_utf8_validate(s, size, &off, 1u << (2 + size % 30));
  CHECK(st0 == GREET_E_INVALID_FLAGS && off == NO_OFFSET,
        "unknown flag: got status %d offset %zu", st0, off);
  if (size > 0) {
    st0 = greet_utf8_validate(NULL, size, &off, 0);
    CHECK(st0 == GREET_E_INVALID_ARG && off == NO_OFFSET,
          "NULL src: got status %d offset %zu", st0, off);
  }
  return 0;
}
