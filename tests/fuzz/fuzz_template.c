/* SPDX-License-Identifier: MIT */
/*
 * fuzz_template.c - libFuzzer target for greet_template_validate() and
 * greet_template_format().
 *
 * Input: byte 0 picks capacities (fuzz_battery's knob), byte 1 the name's
 * length n; the last n bytes are the name, the bytes between are the
 * template.  Byte 0 also picks the flags (mode: byte 0 mod 3, plain/HTML/
 * JSON; GREET_TEMPLATE_ISOLATE: (byte 0 / 3) mod 2); the result is compared
 * with ref_template() at every capacity.
 */
#include "fuzz.h"

#define FSI "\xE2\x81\xA8"    /* U+2068 FIRST STRONG ISOLATE */
#define PDI "\xE2\x81\xA9"    /* U+2069 POP DIRECTIONAL ISOLATE */

/*
 * The reference: a state machine over the template's bytes (text, just
 * after '{', inside a placeholder, just after '}') that builds the plain
 * result and stops at the first brace problem; UTF-8 is checked on its
 * own, and the earlier of the two problems is the error.  Returns the
 * status, with the offset in *err or the plain result in *out.
 */
static greet_status ref_template(const unsigned char *t, size_t len,
                                 const unsigned char *name, size_t name_len,
                                 int isolate, struct fuzz_str *out, size_t *err)
{
  enum { TEXT, OPEN, INSIDE, CLOSE } state = TEXT;
  size_t brace = 0, content = 0, u8_at = 0;
  greet_status st = GREET_OK;
  greet_status u8 = ref_utf8_validate(t, len, 0, 0, &u8_at);
  size_t i;

  for (i = 0; i < len && st == GREET_OK; i++) {
    unsigned char c = t[i];
    switch (state) {
    case TEXT:
      if (c == '{' || c == '}') {
        state = c == '{' ? OPEN : CLOSE;
        brace = i;
      } else {
        str_add(out, &c, 1);
      }
      break;
    case OPEN:
      if (c == '{') {
        str_addz(out, "{");
        state = TEXT;
      } else if (c == '}') {
        st = GREET_E_UNKNOWN_PLACEHOLDER;   /* "{}" */
      } else {
        content = i;
        state = INSIDE;
      }
      break;
    case INSIDE:
      if (c == '{') {
        st = GREET_E_UNBALANCED_BRACE;
      } else if (c == '}') {
        if (i - content != 4 || memcmp(t + content, "name", 4) != 0) {
          st = GREET_E_UNKNOWN_PLACEHOLDER;
        } else {
          if (isolate)
            str_addz(out, FSI);
          str_add(out, name, name_len);
          if (isolate)
            str_addz(out, PDI);
          state = TEXT;
        }
      }
      break;
    case CLOSE:
      if (c == '}') {
        str_addz(out, "}");
        state = TEXT;
      } else {
        st = GREET_E_UNBALANCED_BRACE;      /* a single '}' */
      }
      break;
    }
  }
  if (st == GREET_OK && state != TEXT)
    st = GREET_E_UNBALANCED_BRACE;          /* '{' or '}' left open at the end */
  if (u8 != GREET_OK && (st == GREET_OK || u8_at < brace)) {
    *err = u8_at;
    return u8;
  }
  if (st != GREET_OK) {
    *err = brace;
    return st;
  }
  return GREET_OK;
}

struct ctx {
  const char *t, *name;
  size_t t_len, name_len;
  unsigned flags;
};

static greet_status call(const void *p, char *dst, size_t cap, size_t *out_len)
{
  const struct ctx *c = p;
  return greet_template_format(c->t, c->t_len, c->name, c->name_len, dst, cap,
                               out_len, c->flags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned modes[] = {0, GREET_ESCAPE_HTML, GREET_ESCAPE_JSON};
  unsigned knob = size > 0 ? data[0] : 0;
  size_t rest = size > 2 ? size - 2 : 0;
  size_t name_len = size > 1 ? data[1] : 0;
  const char *t = rest > 0 ? (const char *)data + 2 : NULL;
  const char *name;
  size_t t_len, err = 0, name_err = 0, off = (size_t)-1;
  struct fuzz_str plain = {NULL, 0, 0};
  greet_status want, st, name_ok;

  fuzz_input = data;
  fuzz_input_len = size;
  if (name_len > rest)
    name_len = rest;
  t_len = rest - name_len;
  name = name_len > 0 ? (const char *)data + 2 + t_len : NULL;
  if (t_len == 0)
    t = NULL;

  /* greet_template_validate(): the same status and offset as the
   * reference, offset untouched on success. */
  str_add(&plain, "", 0);
  want = ref_template((const unsigned char *)t, t_len, NULL, 0, 0, &plain, &err);
  st = greet_template_validate(t, t_len, &off, 0);
  CHECK(st == want && (want == GREET_OK ? off == (size_t)-1 : off == err),
        "validate: got status %d at %zu, want %d at %zu", st, off, want, err);
  CHECK(greet_template_validate(t, t_len, NULL, 0) == want,
        "validate: a NULL err_offset changes the status");
  free(plain.p);

  name_ok = ref_utf8_validate((const unsigned char *)name, name_len, 0, 0, &name_err);
  {
    unsigned iso = (knob / 3) % 2;
    size_t m = knob % 3;
    struct ctx c = {t, name, t_len, name_len,
                    modes[m] | (iso ? GREET_TEMPLATE_ISOLATE : 0)};
    struct fuzz_str out = {NULL, 0, 0}, esc = {NULL, 0, 0};
    char what[48];
    str_add(&out, "", 0);
    str_add(&esc, "", 0);
    want = ref_template((const unsigned char *)t, t_len, (const unsigned char *)name,
                        name_len, (int)iso, &out, &err);
    if (want == GREET_OK && name_ok != GREET_OK) {
      want = name_ok;                     /* the template first, then the name */
      err = name_err;
    }
    if (want == GREET_OK)
      ref_escape(&esc, out.p, out.len, modes[m]);
    snprintf(what, sizeof what, "format, flags %#x", c.flags);
    fuzz_battery(what, call, &c, want, esc.p, want == GREET_OK ? esc.len : err, knob);

    /* With an escape mode the result is greet_escape() of the plain
     * one: checked library against library too. */
    if (want == GREET_OK && m > 0) {
      unsigned char *a = fuzz_buf(out.len + 1), *b = fuzz_buf(esc.len + 1);
      size_t la = 0, lb = 0;
      CHECK(greet_template_format(t, t_len, name, name_len, (char *)a, out.len + 1, &la,
                                  c.flags & ~modes[m]) == GREET_OK &&
            greet_escape((char *)a, la, (char *)b, esc.len + 1, &lb, modes[m]) == GREET_OK &&
            lb == esc.len && memcmp(b, esc.p, lb) == 0,
            "flags %#x: not greet_escape() of the plain result", c.flags);
      free(a);
      free(b);
    }
    free(out.p);
    free(esc.p);
  }

  /* "Hello, {name}!" is greet_format(). */
  {
    unsigned char *a = fuzz_buf(name_len + 16), *b = fuzz_buf(name_len + 16);
    size_t la = 0, lb = 0;
    greet_status sa = greet_template_format("Hello, {name}!", 14, name, name_len,
                                            (char *)a, name_len + 16, &la, 0);
    greet_status sb = greet_format(name, name_len, (char *)b, name_len + 16, &lb, 0);
    CHECK(sa == sb && la == lb && (sa != GREET_OK || memcmp(a, b, la + 1) == 0),
          "\"Hello, {name}!\" differs from greet_format: %d %zu vs %d %zu", sa, la, sb, lb);
    free(a);
    free(b);
  }

  /* Unknown flags, both escape modes, NULL pointers with sizes. */
  {
    unsigned char *dst = fuzz_buf(4);
    size_t ol = 12345;
    unsigned flag = knob & 1 ? GREET_ESCAPE_HTML | GREET_ESCAPE_JSON : 1u << (knob % 32);
    if (flag == GREET_ESCAPE_HTML || flag == GREET_ESCAPE_JSON || flag == GREET_TEMPLATE_ISOLATE)
      flag = 0x4;
    st = greet_template_format(t, t_len, name, name_len, (char *)dst, 4, &ol, flag);
    CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
          "format flags %#x: got status %d, want INVALID_FLAGS", flag, st);
    st = greet_template_validate(t, t_len, &ol, 1u << (knob % 32));
    CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345,
          "validate flags %#x: got status %d", 1u << (knob % 32), st);
    st = greet_template_format(t, t_len, name, name_len, NULL, 1 + knob, &ol, 0);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345, "dst NULL: got status %d", st);
    if (t_len > 0) {
      st = greet_template_format(NULL, t_len, name, name_len, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "template NULL: got status %d", st);
      st = greet_template_validate(NULL, t_len, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345, "validate NULL: got status %d", st);
    }
    if (name_len > 0) {
      st = greet_template_format(t, t_len, NULL, name_len, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "name NULL: got status %d", st);
    }
    free(dst);
  }
  return 0;
}
