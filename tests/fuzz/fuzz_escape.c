/* SPDX-License-Identifier: MIT */
/*
 * fuzz_escape.c - libFuzzer target for greet_escape().
 *
 * Input: byte 0 picks the mode (plain, HTML, JSON: byte 0 mod 3) and two
 * capacities (fuzz_battery's knob); the rest is the text.  The result is
 * compared with ref_escape() (fuzz.h) at every capacity, and the output
 * is also checked on its own:
 * it is valid UTF-8, holds nothing the mode must escape, and unescaping it
 * gives the input back.
 */
#include "fuzz.h"

struct ctx {
  const char *src;
  size_t len;
  unsigned flags;
};

static greet_status call(const void *p, char *dst, size_t cap, size_t *out_len)
{
  const struct ctx *c = p;
  return greet_escape(c->src, c->len, dst, cap, out_len, c->flags);
}

static int hexval(unsigned char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Undoes HTML escaping: exactly the five entities are allowed, and none of
 * the five characters may appear raw. */
static int html_unescape(const unsigned char *p, size_t n, struct fuzz_str *out)
{
  static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
  static const char raw[] = "&<>\"'";
  size_t i = 0;
  while (i < n) {
    if (p[i] == '<' || p[i] == '>' || p[i] == '"' || p[i] == '\'')
      return 0;
    if (p[i] != '&') {
      str_add(out, p + i, 1);
      i++;
      continue;
    }
    size_t k;
    for (k = 0; k < 5; k++)
      if (n - i >= strlen(ent[k]) && memcmp(p + i, ent[k], strlen(ent[k])) == 0)
        break;
    if (k == 5)
      return 0;
    str_add(out, raw + k, 1);
    i += strlen(ent[k]);
  }
  return 1;
}

/* Parses the inside of a JSON string (RFC 8259 section 7) back to UTF-8;
 * also insists that U+2028/U+2029 are not left raw. */
static int json_unescape(const unsigned char *p, size_t n, struct fuzz_str *out)
{
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x20 || c == '"')
      return 0;
    if (c == 0xe2 && n - i >= 3 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
      return 0;
    if (c != '\\') {
      str_add(out, p + i, 1);
      i++;
      continue;
    }
    if (n - i < 2)
      return 0;
    switch (p[i + 1]) {
    case '"': str_addz(out, "\""); break;
    case '\\': str_addz(out, "\\"); break;
    case '/': str_addz(out, "/"); break;
    case 'b': str_addz(out, "\b"); break;
    case 'f': str_addz(out, "\f"); break;
    case 'n': str_addz(out, "\n"); break;
    case 'r': str_addz(out, "\r"); break;
    case 't': str_addz(out, "\t"); break;
    case 'u': {
      unsigned v = 0;
      unsigned char u8[3];
      if (n - i < 6)
        return 0;
      for (int k = 2; k < 6; k++) {
        int h = hexval(p[i + k]);
        if (h < 0)
          return 0;           /* the library writes lower-case hex */
        v = v << 4 | (unsigned)h;
      }
      if (v < 0x80) {
        u8[0] = (unsigned char)v;
        str_add(out, u8, 1);
      } else if (v == 0x2028 || v == 0x2029) {
        u8[0] = 0xe2;
        u8[1] = 0x80;
        u8[2] = (unsigned char)(v == 0x2028 ? 0xa8 : 0xa9);
        str_add(out, u8, 3);
      } else {
        return 0;             /* nothing else is ever \u-escaped */
      }
      i += 4;
      break;
    }
    default:
      return 0;
    }
    i += 2;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned modes[] = {0, GREET_ESCAPE_HTML, GREET_ESCAPE_JSON};
  static const char *const names[] = {"plain", "html", "json"};
  unsigned knob = size > 0 ? data[0] : 0;
  const char *src = size > 0 ? (const char *)data + 1 : NULL;
  size_t len = size > 0 ? size - 1 : 0;
  size_t bad = 0;
  greet_status valid;

  fuzz_input = data;
  fuzz_input_len = size;
  valid = ref_utf8_validate((const unsigned char *)src, len, 0, 0, &bad);

  {
    size_t m = knob % 3;
    struct ctx c = {src, len, modes[m]};
    struct fuzz_str want = {NULL, 0, 0};
    str_add(&want, "", 0);
    if (valid == GREET_OK)
      ref_escape(&want, (const unsigned char *)src, len, modes[m]);
    fuzz_battery(names[m], call, &c, valid, want.p, valid == GREET_OK ? want.len : bad,
                 knob);

    if (valid == GREET_OK) {
      struct fuzz_str back = {NULL, 0, 0};
      size_t at = 0;
      int ok;
      str_add(&back, "", 0);
      CHECK(ref_utf8_validate(want.p, want.len, 0, 0, &at) == GREET_OK,
            "%s: output is not valid UTF-8 at %zu", names[m], at);
      ok = modes[m] == GREET_ESCAPE_HTML ? html_unescape(want.p, want.len, &back)
         : modes[m] == GREET_ESCAPE_JSON ? json_unescape(want.p, want.len, &back)
         : (str_add(&back, want.p, want.len), 1);
      CHECK(ok && back.len == len && (len == 0 || memcmp(back.p, src, len) == 0),
            "%s: unescaping the output does not give the input back", names[m]);
      free(back.p);
    }
    free(want.p);
  }

  /* Both modes at once, or an unknown bit; NULL pointers with sizes. */
  {
    unsigned char *dst = fuzz_buf(4);
    size_t ol = 12345;
    unsigned flag = knob & 1 ? GREET_ESCAPE_HTML | GREET_ESCAPE_JSON : 1u << (2 + knob % 30);
    greet_status st = greet_escape(src, len, (char *)dst, 4, &ol, flag);
    CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
          "flags %#x: got status %d, want INVALID_FLAGS and nothing written", flag, st);
    st = greet_escape(src, len, NULL, 1 + knob, &ol, GREET_ESCAPE_HTML);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345, "dst NULL: got status %d", st);
    if (len > 0) {
      st = greet_escape(NULL, len, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "src NULL: got status %d", st);
    }
    free(dst);
  }
  return 0;
}
