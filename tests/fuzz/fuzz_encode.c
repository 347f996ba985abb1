/* SPDX-License-Identifier: MIT */
/*
 * fuzz_encode.c - libFuzzer target for greet_url_encode().
 *
 * Input: byte 0 picks the context (byte 0 mod 3: segment, form, path),
 * GREET_ENCODE_UTF8 (bit 2) and two capacities (fuzz_battery's knob); the
 * rest is src.  The result is compared with ref_encode(), a per-byte
 * encoder written from greet.h with snprintf("%%%02X"), at every capacity;
 * then, for all three contexts whatever byte 0 says, the properties of
 * issue 16: the output holds only unreserved characters and "%XX" with
 * upper-case hex (and '+' in the form context, '/' in the path context),
 * and greet_url_decode() of it gives src back.
 */
#include "fuzz.h"

static const unsigned contexts[] = {0, GREET_ENCODE_FORM, GREET_ENCODE_PATH};
static const char *const names[] = {"segment", "form", "path"};

struct ctx {
  const char *src;
  size_t len;
  unsigned flags;
};

static greet_status call(const void *p, char *dst, size_t cap, size_t *out_len)
{
  const struct ctx *c = p;
  return greet_url_encode(c->src, c->len, dst, cap, out_len, c->flags);
}

static int ref_unreserved(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

static int upper_hex(unsigned char c)
{
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static void ref_encode(struct fuzz_str *out, const unsigned char *s, size_t len, unsigned ctx)
{
  for (size_t i = 0; i < len; i++) {
    char e[4];
    if (ref_unreserved(s[i]) || (s[i] == '/' && ctx == GREET_ENCODE_PATH)) {
      str_add(out, s + i, 1);
    } else if (s[i] == ' ' && ctx == GREET_ENCODE_FORM) {
      str_addz(out, "+");
    } else {
      snprintf(e, sizeof e, "%%%02X", s[i]);
      str_add(out, e, 3);
    }
  }
}

/* The output alphabet, checked on the library's own output. */
static void check_alphabet(const unsigned char *p, size_t n, unsigned ctx, const char *what)
{
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '%') {
      CHECK(n - i >= 3 && upper_hex(p[i + 1]) && upper_hex(p[i + 2]),
            "%s: '%%' at %zu not followed by two upper-case hex digits", what, i);
      i += 2;
    } else {
      CHECK(ref_unreserved(p[i]) || (p[i] == '+' && ctx == GREET_ENCODE_FORM) ||
            (p[i] == '/' && ctx == GREET_ENCODE_PATH),
            "%s: byte 0x%02x at %zu is neither unreserved nor an escape", what, p[i], i);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  unsigned knob = size > 0 ? data[0] : 0;
  const char *src = size > 0 ? (const char *)data + 1 : NULL;
  size_t len = size > 0 ? size - 1 : 0;
  size_t bad = 0;
  greet_status valid;

  fuzz_input = data;
  fuzz_input_len = size;
  valid = ref_utf8_validate((const unsigned char *)src, len, 0, 0, &bad);

  /* the battery, in the context and UTF-8 mode byte 0 picks */
  {
    size_t m = knob % 3;
    unsigned utf8 = knob & 4 ? GREET_ENCODE_UTF8 : 0;
    struct ctx c = {src, len, contexts[m] | utf8};
    struct fuzz_str want = {NULL, 0, 0};
    greet_status st = utf8 ? valid : GREET_OK;
    str_add(&want, "", 0);
    if (st == GREET_OK)
      ref_encode(&want, (const unsigned char *)src, len, contexts[m]);
    fuzz_battery(names[m], call, &c, st, want.p, st == GREET_OK ? want.len : bad, knob);
    free(want.p);
  }

  /* every context: alphabet and round trip, in exactly sized blocks */
  for (size_t m = 0; m < 3; m++) {
    size_t n = 0, back_len = 0;
    greet_status st = greet_url_encode(src, len, NULL, 0, &n, contexts[m]);
    unsigned char *enc, *back;
    CHECK(st == GREET_E_NOSPACE && n <= 3 * len && n >= len,
          "%s: size query gave status %d, length %zu for %zu bytes", names[m], st, n, len);
    enc = fuzz_buf(n + 1);
    st = greet_url_encode(src, len, (char *)enc, n + 1, &n, contexts[m]);
    CHECK(st == GREET_OK && enc[n] == '\0', "%s: status %d", names[m], st);
    check_alphabet(enc, n, contexts[m], names[m]);
    back = fuzz_buf(len + 1);
    st = greet_url_decode((const char *)enc, n, (char *)back, len + 1, &back_len,
                          contexts[m] == GREET_ENCODE_FORM ? GREET_DECODE_PLUS_SPACE : 0);
    CHECK(st == GREET_OK && back_len == len && (len == 0 || memcmp(back, src, len) == 0),
          "%s: decode(encode(x)) != x (status %d, %zu bytes back)", names[m], st, back_len);
    free(back);
    free(enc);
  }

  /* both contexts, an unknown bit, NULL pointers with sizes */
  {
    unsigned char *dst = fuzz_buf(4);
    size_t ol = 12345;
    unsigned flag = knob & 1 ? GREET_ENCODE_FORM | GREET_ENCODE_PATH : 1u << (knob % 32);
    greet_status st;
    if (!(flag & (GREET_ENCODE_FORM | GREET_ENCODE_PATH | GREET_ENCODE_UTF8)) ||
        flag == (GREET_ENCODE_FORM | GREET_ENCODE_PATH)) {
      st = greet_url_encode(src, len, (char *)dst, 4, &ol, flag);
      CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
            "flags %#x: got status %d, want INVALID_FLAGS and nothing written", flag, st);
    }
    st = greet_url_encode(src, len, NULL, 1 + knob, &ol, 0);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345, "dst NULL: got status %d", st);
    if (len > 0) {
      st = greet_url_encode(NULL, len, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "src NULL: got status %d", st);
    }
    free(dst);
  }
  return 0;
}
