/* SPDX-License-Identifier: MIT */
/*
 * fuzz_accept.c - libFuzzer target for greet_accept_language().
 *
 * Input: byte 0 picks capacities (fuzz_battery's knob), byte 1 the
 * fallback (a catalogue tag, the same with a region subtag, or one of
 * three that are not acceptable fallbacks); the rest is the header value.
 * Both flag values (0 and GREET_ACCEPT_STRICT) are compared with
 * ref_accept(): the one byte 0 picks (bit 0) at every capacity when bit 1
 * is set, otherwise (and the other flag value always) at the exact one.
 * greet_qvalue_parse(), the weights both Accept-Language and greet-server's
 * Accept read, is checked on the header and on what follows each '=' in it.
 */
#include "fuzz.h"

struct item {
  const unsigned char *range;
  size_t len;
  int q;                      /* thousandths */
};

static int ows(unsigned char c)
{
  return c == ' ' || c == '\t';
}

/*
 * One list member h[b..e), which holds no comma:
 *   OWS range [ OWS ";" OWS ("q" / "Q") "=" qvalue ] OWS
 * qvalue = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3"0" ].  Returns 1 with
 * *it, 0 for an empty member, -1 with *bad the first byte that does not
 * fit.  The range is every byte up to OWS or ';' (neither can be in one).
 */
static int ref_member(const unsigned char *h, size_t b, size_t e, struct item *it,
                      size_t *bad)
{
  size_t i = b, r;

  while (i < e && ows(h[i]))
    i++;
  if (i == e)
    return 0;
  for (r = i; i < e && !ows(h[i]) && h[i] != ';'; i++)
    ;
  it->range = h + r;
  it->len = i - r;
  it->q = 1000;
  if (ref_range_check(it->range, it->len, bad) != GREET_OK) {
    *bad += r;
    return -1;
  }
  while (i < e && ows(h[i]))
    i++;
  if (i < e && h[i] == ';') {
    for (i++; i < e && ows(h[i]); i++)
      ;
    if (i >= e || (h[i] | 0x20) != 'q') {
      *bad = i;
      return -1;
    }
    if (++i >= e || h[i] != '=') {
      *bad = i;
      return -1;
    }
    if (++i >= e || (h[i] != '0' && h[i] != '1')) {
      *bad = i;
      return -1;
    }
    it->q = h[i] == '1' ? 1000 : 0;
    i++;
    if (i < e && h[i] == '.') {
      static const int place[3] = {100, 10, 1};
      i++;
      for (int d = 0; d < 3 && i < e && h[i] >= '0' && h[i] <= '9'; d++, i++) {
        if (it->q == 1000 && h[i] != '0') {
          *bad = i;
          return -1;
        }
        it->q += (h[i] - '0') * place[d];
      }
    }
    while (i < e && ows(h[i]))
      i++;
  }
  if (i != e) {
    *bad = i;
    return -1;
  }
  return 1;
}

/* Basic filtering (RFC 4647 3.3.1): range r covers tag when equal, or a
 * prefix of it that ends at one of its '-'. */
static int covers(const struct item *r, const char *tag)
{
  size_t n = strlen(tag);
  return r->len <= n && ref_ieq(r->range, (const unsigned char *)tag, r->len) &&
         (r->len == n || tag[r->len] == '-');
}

static int is_star(const struct item *r)
{
  return r->len == 1 && r->range[0] == '*';
}

/*
 * The reference, as greet.h words it: split at commas, parse members,
 * sort the ranges by weight (stable, so ties keep their order), and take
 * the first that yields an acceptable language.  A q=0 range excludes
 * what it covers; "*" yields the fallback if no other range names it
 * (covers it or looks up to it), else the first such language in
 * catalogue order; any "*;q=0" switches "*" off.  No valid member at all
 * means the fallback.  Returns the status and the catalogue index or the
 * error offset.
 */
static greet_status ref_accept(const unsigned char *h, size_t len, long fb, int strict,
                               long *win, size_t *bad)
{
  struct item *items = malloc((len / 2 + 2) * sizeof *items);
  size_t n = 0, b = 0;
  int star_off = 0;
  unsigned char excluded[256] = {0}, named[256] = {0};
  greet_status st = GREET_E_NO_LANG;

  if (items == NULL)
    abort();
  for (;;) {                  /* every member, also the empty one after a last comma */
    size_t e = b;
    int r;
    while (e < len && h[e] != ',')
      e++;
    r = ref_member(h, b, e, &items[n], bad);
    if (r < 0 && strict) {
      free(items);
      return GREET_E_BAD_HEADER;
    }
    if (r > 0)
      n++;
    if (e >= len)
      break;
    b = e + 1;
  }
  if (n == 0) {
    free(items);
    *win = fb;
    return GREET_OK;
  }

  for (size_t i = 0; i < n; i++) {
    if (is_star(&items[i])) {
      if (items[i].q == 0)
        star_off = 1;
      continue;
    }
    long k = ref_lookup(items[i].range, items[i].len);
    if (k >= 0)
      named[k] = 1;
    for (size_t j = 0; j < ref_nlangs; j++) {
      if (covers(&items[i], ref_langs[j].tag)) {
        named[j] = 1;
        if (items[i].q == 0)
          excluded[j] = 1;
      }
    }
  }

  /* insertion sort by weight, highest first; stable */
  for (size_t i = 1; i < n; i++) {
    struct item x = items[i];
    size_t j = i;
    while (j > 0 && items[j - 1].q < x.q) {
      items[j] = items[j - 1];
      j--;
    }
    items[j] = x;
  }

  for (size_t i = 0; i < n && items[i].q > 0; i++) {
    if (is_star(&items[i])) {
      if (star_off)
        continue;
      if (!named[fb]) {
        *win = fb;
        st = GREET_OK;
        break;
      }
      for (size_t j = 0; j < ref_nlangs && st != GREET_OK; j++) {
        if (!named[j]) {
          *win = (long)j;
          st = GREET_OK;
        }
      }
      if (st == GREET_OK)
        break;
    } else {
      long k = ref_lookup(items[i].range, items[i].len);
      if (k >= 0 && !excluded[k]) {
        *win = k;
        st = GREET_OK;
        break;
      }
    }
  }
  free(items);
  if (st != GREET_OK)
    *bad = 0;
  return st;
}

/* qvalue = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3"0" ], as a test of the
 * whole of s[0..n). */
static int ref_is_qvalue(const unsigned char *s, size_t n)
{
  if (n == 0 || (s[0] != '0' && s[0] != '1'))
    return 0;
  if (n > 1 && (s[1] != '.' || n > 5))
    return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < '0' || s[i] > (s[0] == '1' ? '0' : '9'))
      return 0;
  return 1;
}

/* greet_qvalue_parse() on s[0..n): a weight exactly when the grammar says,
 * its value the digits read as a number, an error at the end of the
 * longest prefix that is a weight; an output is written only with its
 * status. */
static void check_qvalue(const unsigned char *s, size_t n)
{
  unsigned q = 12345;
  size_t at = 12345, good = 0;
  greet_status st = greet_qvalue_parse((const char *)s, n, &q, &at, 0);

  if (ref_is_qvalue(s, n)) {
    unsigned want = (s[0] == '1') * 1000u;
    for (size_t i = 2, place = 100; i < n; i++, place /= 10)
      want += (unsigned)(s[i] - '0') * (unsigned)place;
    CHECK(st == GREET_OK && q == want && at == 12345,
          "qvalue of %zu bytes: status %d, %u, want %u", n, st, q, want);
    return;
  }
  while (good < n && ref_is_qvalue(s, good + 1))
    good++;
  CHECK(st == GREET_E_BAD_HEADER && at == good && q == 12345,
        "qvalue of %zu bytes: status %d at %zu, want BAD_HEADER at %zu", n, st, at, good);
}

struct ctx {
  const char *h, *fb;
  size_t h_len, fb_len;
  unsigned flags;
};

static greet_status call(const void *p, char *dst, size_t cap, size_t *out_len)
{
  const struct ctx *c = p;
  return greet_accept_language(c->h, c->h_len, c->fb, c->fb_len, dst, cap, out_len,
                               c->flags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  unsigned knob = size > 0 ? data[0] : 0;
  unsigned pick = size > 1 ? data[1] : 0;
  const char *h = size > 2 ? (const char *)data + 2 : NULL;
  size_t h_len = size > 2 ? size - 2 : 0;
  char fallback[80];
  size_t sel, fb_err = 0;
  long fb = -1, win[2] = {-1, -1};
  greet_status want[2] = {GREET_OK, GREET_OK};
  size_t bad[2] = {0, 0};

  fuzz_input = data;
  fuzz_input_len = size;
  ref_catalogue();
  check_qvalue((const unsigned char *)h, h_len);
  for (size_t i = 0; i < h_len; i++)
    if (h[i] == '=')
      check_qvalue((const unsigned char *)h + i + 1, h_len - i - 1);
  sel = (pick & 0x7f) % (ref_nlangs + 3);
  if (sel < ref_nlangs)
    snprintf(fallback, sizeof fallback, "%s%s", ref_langs[sel].tag,
             pick & 0x80 ? "-CH" : "");
  else
    snprintf(fallback, sizeof fallback, "%s",
             sel == ref_nlangs ? "" : sel == ref_nlangs + 1 ? "*" : "xx-CH");
  if (ref_range_check((const unsigned char *)fallback, strlen(fallback), &fb_err) == GREET_OK)
    fb = ref_lookup((const unsigned char *)fallback, strlen(fallback));

  for (int strict = 0; strict < 2; strict++) {
    struct ctx c = {h, fallback, h_len, strlen(fallback),
                    strict ? GREET_ACCEPT_STRICT : 0};
    const char *tag;
    if (fb < 0) {
      /* An unusable fallback is the caller's error: INVALID_ARG, nothing written. */
      unsigned char *dst = fuzz_buf(8);
      size_t ol = 12345;
      greet_status st = greet_accept_language(h, h_len, fallback, strlen(fallback),
                                              (char *)dst, 8, &ol, c.flags);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "fallback \"%s\": got status %d, want INVALID_ARG", fallback, st);
      free(dst);
      continue;
    }
    want[strict] = ref_accept((const unsigned char *)h, h_len, fb, strict, &win[strict],
                              &bad[strict]);
    tag = want[strict] == GREET_OK ? ref_langs[win[strict]].tag : "";
    /* every capacity for the flags byte 0 picks (on every other input: the
     * header parsing, not the buffer rules, is what costs here), the
     * exact one otherwise */
    if ((knob & 1) == (unsigned)strict && (knob & 2))
      fuzz_battery(strict ? "strict" : "lenient", call, &c, want[strict],
                   (const unsigned char *)tag,
                   want[strict] == GREET_OK ? strlen(tag) : bad[strict], knob);
    else
      fuzz_one_cap(strict ? "strict" : "lenient", call, &c, want[strict],
                   (const unsigned char *)tag,
                   want[strict] == GREET_OK ? strlen(tag) : bad[strict],
                   want[strict] == GREET_OK ? strlen(tag) + 1 : 8, 0);
  }
  if (fb >= 0) {
    CHECK(want[0] != GREET_E_BAD_HEADER, "lenient returned BAD_HEADER");
    if (want[1] != GREET_E_BAD_HEADER)
      CHECK(want[1] == want[0] && win[1] == win[0], "strict and lenient differ on a "
            "header without malformed members");
  }

  /* Unknown flags, NULL pointers with sizes. */
  {
    unsigned char *dst = fuzz_buf(4);
    size_t ol = 12345;
    unsigned flag = 1u << (knob % 32);
    greet_status st;
    if (flag == GREET_ACCEPT_STRICT)
      flag = 0x1;
    st = greet_accept_language(h, h_len, "en", 2, (char *)dst, 4, &ol, flag);
    CHECK(st == GREET_E_INVALID_FLAGS && ol == 12345 && dst[0] == CANARY,
          "flags %#x: got status %d", flag, st);
    st = greet_accept_language(h, h_len, "en", 2, NULL, 1 + knob, &ol, 0);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345, "dst NULL: got status %d", st);
    st = greet_accept_language(h, h_len, NULL, 2, (char *)dst, 4, &ol, 0);
    CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
          "fallback NULL: got status %d", st);
    if (h_len > 0) {
      st = greet_accept_language(NULL, h_len, "en", 2, (char *)dst, 4, &ol, 0);
      CHECK(st == GREET_E_INVALID_ARG && ol == 12345 && dst[0] == CANARY,
            "header NULL: got status %d", st);
    }
    free(dst);
  }
  return 0;
}
