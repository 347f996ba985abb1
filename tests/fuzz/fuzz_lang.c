/* SPDX-License-Identifier: MIT */
/*
 * fuzz_lang.c - libFuzzer target for greet_lang_lookup(), greet_lang_at()
 * and greet_format_lang().
 *
 * Input: byte 0 picks capacities (fuzz_battery's knob), a catalogue index
 * for greet_lang_at() and the flags (lookup: byte 0 mod 3, none/NAME/DIR;
 * format: escape mode (byte 0 / 3) mod 3, NO_ISOLATE (byte 0 / 9) mod 2);
 * byte 1 the name's length n; the last n bytes are the name, the bytes
 * between are the language tag.
 *
 * The reference knows the catalogue only through the public API (tags,
 * names, directions from greet_lang_at(); each greeting's template from
 * greeting the name "{name}"), and checks once that it is sane: sorted,
 * well-formed tags that look up to themselves, "en" equal to
 * greet_format().  Lookup is ref_range_check() + ref_lookup() (fuzz.h);
 * greet_format_lang() must equal filling the language's template by hand,
 * isolated for right-to-left languages, then ref_escape().
 */
#include "fuzz.h"

#define FSI "\xE2\x81\xA8"
#define PDI "\xE2\x81\xA9"

struct lookup_ctx {
  const char *tag;
  size_t len;
  unsigned flags;
};

static greet_status call_lookup(const void *p, char *dst, size_t cap, size_t *out_len)
{
  const struct lookup_ctx *c = p;
  return greet_lang_lookup(c->tag, c->len, dst, cap, out_len, c->flags);
}

struct at_ctx {
  size_t index;
  unsigned flags;
};

static greet_status call_at(const void *p, char *dst, size_t cap, size_t *out_len)
{
  const struct at_ctx *c = p;
  return greet_lang_at(c->index, dst, cap, out_len, c->flags);
}

struct format_ctx {
  const char *tag, *name;
  size_t tag_len, name_len;
  unsigned flags;
};

static greet_status call_format(const void *p, char *dst, size_t cap, size_t *out_len)
{
  const struct format_ctx *c = p;
  return greet_format_lang(c->tag, c->tag_len, c->name, c->name_len, dst, cap, out_len,
                           c->flags);
}

/* What a lookup with flags writes for catalogue entry k. */
static const char *info(size_t k, unsigned flags)
{
  return flags == GREET_LANG_NAME ? ref_langs[k].name
       : flags == GREET_LANG_DIR ? ref_langs[k].dir : ref_langs[k].tag;
}

static void catalogue_sane(void)
{
  static int done;
  size_t at = 0;
  if (done)
    return;
  done = 1;
  ref_catalogue();
  CHECK(ref_nlangs >= 20, "only %zu languages", ref_nlangs);
  for (size_t k = 0; k < ref_nlangs; k++) {
    const struct ref_lang *l = &ref_langs[k];
    const char *p = strstr(l->tmpl, "{name}");
    CHECK(k == 0 || strcmp(ref_langs[k - 1].tag, l->tag) < 0, "tags not in order at %s",
          l->tag);
    CHECK(ref_range_check((const unsigned char *)l->tag, strlen(l->tag), &at) == GREET_OK
          && strcmp(l->tag, "*") != 0, "tag %s is not well formed", l->tag);
    CHECK(ref_lookup((const unsigned char *)l->tag, strlen(l->tag)) == (long)k,
          "tag %s does not look up to itself", l->tag);
    CHECK(strcmp(l->dir, "ltr") == 0 || strcmp(l->dir, "rtl") == 0, "%s: direction %s",
          l->tag, l->dir);
    CHECK(ref_utf8_validate((const unsigned char *)l->name, strlen(l->name), 0, 1, &at) ==
          GREET_OK, "%s: its name is not clean UTF-8", l->tag);
    CHECK(p != NULL && strstr(p + 1, "{name}") == NULL && strchr(l->tmpl, '{') == p &&
          strchr(l->tmpl, '}') == p + 5 &&
          ref_utf8_validate((const unsigned char *)l->tmpl, strlen(l->tmpl), 0, 1, &at) ==
          GREET_OK, "%s: greeting \"%s\" is not one {name} in clean UTF-8", l->tag, l->tmpl);
  }
  CHECK(ref_lookup((const unsigned char *)"en", 2) >= 0 &&
        strcmp(ref_langs[ref_lookup((const unsigned char *)"en", 2)].tmpl,
               "Hello, {name}!") == 0, "no \"en\", or it is not \"Hello, {name}!\"");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned info_flags[] = {0, GREET_LANG_NAME, GREET_LANG_DIR};
  static const unsigned modes[] = {0, GREET_ESCAPE_HTML, GREET_ESCAPE_JSON};
  unsigned knob = size > 0 ? data[0] : 0;
  size_t rest = size > 2 ? size - 2 : 0;
  size_t name_len = size > 1 ? data[1] : 0;
  const char *tag = NULL, *name = NULL;
  size_t tag_len, err = 0, name_err = 0;
  greet_status want, name_ok;
  long k = -1;

  fuzz_input = data;
  fuzz_input_len = size;
  catalogue_sane();
  if (name_len > rest)
    name_len = rest;
  tag_len = rest - name_len;
  if (tag_len > 0)
    tag = (const char *)data + 2;
  if (name_len > 0)
    name = (const char *)data + 2 + tag_len;

  /* greet_lang_lookup() with the flag byte 0 picks. */
  want = ref_range_check((const unsigned char *)tag, tag_len, &err);
  if (want == GREET_OK) {
    k = ref_lookup((const unsigned char *)tag, tag_len);
    if (k < 0) {
      want = GREET_E_NO_LANG;
      err = 0;
    }
  }
  {
    size_t f = knob % 3;
    struct lookup_ctx c = {tag, tag_len, info_flags[f]};
    const char *w = want == GREET_OK ? info((size_t)k, info_flags[f]) : "";
    char what[40];
    snprintf(what, sizeof what, "lookup, flags %#x", info_flags[f]);
    fuzz_battery(what, call_lookup, &c, want, (const unsigned char *)w,
                 want == GREET_OK ? strlen(w) : err, knob);
  }

  /* greet_lang_at() for the index byte 0 picks (often past the end). */
  {
    size_t f = knob % 3;
    struct at_ctx c = {knob, info_flags[f]};
    int in = knob < ref_nlangs;
    const char *w = in ? info(knob, info_flags[f]) : "";
    fuzz_battery("lang_at", call_at, &c, in ? GREET_OK : GREET_E_NO_LANG,
                 (const unsigned char *)w, strlen(w), knob >> 4);
  }

  /* greet_format_lang() with the flags byte 0 picks. */
  name_ok = ref_utf8_validate((const unsigned char *)name, name_len, 0, 0, &name_err);
  {
    unsigned noiso = (knob / 9) % 2;
    size_t m = (knob / 3) % 3;
    struct format_ctx c = {tag, name, tag_len, name_len,
                           modes[m] | (noiso ? GREET_LANG_NO_ISOLATE : 0)};
    struct fuzz_str plain = {NULL, 0, 0}, esc = {NULL, 0, 0};
    greet_status w = want;
    size_t w_err = err;
    char what[48];

    str_add(&plain, "", 0);
    str_add(&esc, "", 0);
    if (w == GREET_OK && name_ok != GREET_OK) {
      w = name_ok;                        /* the language first, then the name */
      w_err = name_err;
    }
    if (w == GREET_OK) {
      const char *t = ref_langs[k].tmpl, *p = strstr(t, "{name}");
      int iso = ref_langs[k].rtl && !noiso;
      str_add(&plain, t, (size_t)(p - t));
      if (iso)
        str_addz(&plain, FSI);
      str_add(&plain, name, name_len);
      if (iso)
        str_addz(&plain, PDI);
      str_addz(&plain, p + 6);
      ref_escape(&esc, plain.p, plain.len, modes[m]);
    }
    snprintf(what, sizeof what, "format_lang, flags %#x", c.flags);
    fuzz_battery(what, call_format, &c, w, esc.p, w == GREET_OK ? esc.len : w_err, knob);

    /* A tag greets as its canonical tag does; "en" as greet_format(). */
    if (w == GREET_OK) {
      const char *canon = ref_langs[k].tag;
      unsigned char *dst = fuzz_buf(esc.len + 1);
      size_t ol = 0;
      CHECK(greet_format_lang(canon, strlen(canon), name, name_len, (char *)dst,
                              esc.len + 1, &ol, c.flags) == GREET_OK &&
            ol == esc.len && memcmp(dst, esc.p, ol) == 0,
            "flags %#x: differs from greeting in %s", c.flags, canon);
      if (strcmp(canon, "en") == 0 && m == 0)
        CHECK(greet_format(name, name_len, (char *)dst, esc.len + 1, &ol, 0) == GREET_OK &&
              ol == esc.len && memcmp(dst, esc.p, ol) == 0,
              "\"en\" differs from greet_format()");
      free(dst);
    }
    free(plain.p);
    free(esc.p);
  }

  /* Unknown or conflicting flags, NULL pointers with sizes. */
  {
    unsigned char *dst = fuzz_buf(4);
    size_t ol = 12345;
    unsigned bad_info = knob & 1 ? GREET_LANG_NAME | GREET_LANG_DIR : 1u << (knob % 32);
    unsigned bad_fmt = knob & 2 ? GREET_ESCAPE_HTML | GREET_ESCAPE_JSON : 1u << (knob % 32);
    greet_status st;
    if (bad_info == GREET_LANG_NAME || bad_info == GREET_LANG_DIR)
      bad_info = 0x4;
    if (bad_fmt == GREET_ESCAPE_HTML || bad_fmt == GREET_ESCAPE_JSON ||
        bad_fmt == GREET_LANG_NO_ISOLATE)
      bad_fmt = 0x4;
    st = greet_lang_lookup(tag, tag_len, (char *)dst, 4, &ol, bad_info);
    CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
          "lookup flags %#x: got status %d", bad_info, st);
    st = greet_lang_at(knob, (char *)dst, 4, &ol, bad_info);
    CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
          "lang_at flags %#x: got status %d", bad_info, st);
    st = greet_format_lang(tag, tag_len, name, name_len, (char *)dst, 4, &ol, bad_fmt);
    CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
          "format_lang flags %#x: got status %d", bad_fmt, st);
    st = greet_lang_lookup(tag, tag_len, NULL, 1 + knob, &ol, 0);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345, "lookup dst NULL: got status %d", st);
    st = greet_lang_at(knob, NULL, 1 + knob, &ol, 0);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345, "lang_at dst NULL: got status %d", st);
    st = greet_format_lang(tag, tag_len, name, name_len, NULL, 1 + knob, &ol, 0);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345, "format_lang dst NULL: status %d", st);
    if (tag_len > 0) {
      st = greet_lang_lookup(NULL, tag_len, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "lookup tag NULL: got status %d", st);
      st = greet_format_lang(NULL, tag_len, name, name_len, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "format_lang tag NULL: got status %d", st);
    }
    if (name_len > 0) {
      st = greet_format_lang(tag, tag_len, NULL, name_len, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "format_lang name NULL: got status %d", st);
    }
    free(dst);
  }
  return 0;
}
