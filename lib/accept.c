/* SPDX-License-Identifier: MIT */
/*
 * accept.c - greet_accept_language(): pick a catalogue language from an
 * Accept-Language field value (RFC 9110 12.5.4, RFC 4647 3.4 lookup).
 */
#include "greet-private.h"

#define ACCEPT_FLAGS GREET_ACCEPT_STRICT

/* One list member: a language range and its weight in thousandths. */
struct item {
  size_t at;                  /* offset of the range in the header */
  const char *range;
  size_t range_len;
  unsigned q;                 /* greet_qvalue_parse() */
};

/*
 * Parses the member h[b..e) (no commas in it):
 *   OWS language-range [ OWS ";" OWS "q=" qvalue ] OWS
 * Returns 1 and fills *it, 0 for an empty member (which RFC 9110 5.6.1
 * says to ignore), or -1 with *bad the offset of the offending byte.
 */
static int parse_item(const char *h, size_t b, size_t e, struct item *it, size_t *bad)
{
  size_t i = b, r;

  while (i < e && greet__is_ows(h[i]))
    i++;
  if (i == e)
    return 0;
  r = i;
  while (i < e && !greet__is_ows(h[i]) && h[i] != ';')
    i++;
  it->at = r;
  it->range = h + r;
  it->range_len = i - r;
  it->q = 1000;
  if (greet__range_check(it->range, it->range_len, bad) != GREET_OK) {
    *bad += r;
    return -1;
  }
  while (i < e && greet__is_ows(h[i]))
    i++;
  if (i < e && h[i] == ';') {
    i++;
    while (i < e && greet__is_ows(h[i]))
      i++;
    if (i == e || (h[i] != 'q' && h[i] != 'Q')) {  /* RFC 9110: match "q" either case */
      *bad = i;
      return -1;
    }
    i++;
    if (i == e || h[i] != '=') {
      *bad = i;
      return -1;
    }
    for (r = ++i; i < e && !greet__is_ows(h[i]); i++)
      ;
    if (greet_qvalue_parse(h + r, i - r, &it->q, bad, 0) != GREET_OK) {
      *bad += r;
      return -1;
    }
    while (i < e && greet__is_ows(h[i]))
      i++;
  }
  if (i != e) {
    *bad = i;
    return -1;
  }
  return 1;
}

/* What the ranges of one header say about each catalogue language. */
struct tally {
  unsigned best_q[GREET__LANG_MAX];          /* best weight of a range looking up to it */
  size_t best_at[GREET__LANG_MAX];      /* ... and where that range stood */
  unsigned char excluded[GREET__LANG_MAX], named[GREET__LANG_MAX];
  unsigned star_q;                      /* "*": its best weight */
  int star_off;                         /* "*;q=0" */
  size_t star_at, valid;                /* where "*" stood; well-formed items */
};

/* Adds one well-formed item to t. */
static void tally_item(struct tally *t, const struct item *it)
{
  t->valid++;
  if (it->range_len == 1 && it->range[0] == '*') {
    if (it->q == 0) {
      t->star_off = 1;
    } else if (it->q > t->star_q) {
      t->star_q = it->q;
      t->star_at = it->at;
    }
    return;
  }
  for (size_t j = 0; j < greet__nlangs; j++) {
    if (greet__range_covers(it->range, it->range_len, greet__langs[j].tag)) {
      t->named[j] = 1;
      if (it->q == 0)
        t->excluded[j] = 1;
    }
  }
  long k = greet__lang_lookup(it->range, it->range_len);
  if (k >= 0) {
    t->named[k] = 1;
    if (it->q > t->best_q[k]) {   /* strictly: an equal weight later loses */
      t->best_q[k] = it->q;
      t->best_at[k] = it->at;
    }
  }
}

/* The language t prefers, or -1: the best weight, the earliest at equal
 * weight; "*" when it beats that, for a language no range named (the
 * fallback fb first). */
static long tally_winner(const struct tally *t, long fb)
{
  long win = -1;
  unsigned win_q = 0;
  size_t win_at = 0;

  for (size_t k = 0; k < greet__nlangs; k++) {
    if (t->best_q[k] == 0 || t->excluded[k])
      continue;
    if (win < 0 || t->best_q[k] > win_q || (t->best_q[k] == win_q && t->best_at[k] < win_at)) {
      win = (long)k;
      win_q = t->best_q[k];
      win_at = t->best_at[k];
    }
  }
  if (t->star_q > 0 && !t->star_off &&
      (win < 0 || t->star_q > win_q || (t->star_q == win_q && t->star_at < win_at))) {
    if (!t->named[fb])
      return fb;
    for (size_t k = 0; k < greet__nlangs; k++)
      if (!t->named[k])
        return (long)k;
  }
  return win;
}

/*
 * One pass over the header, no allocation: instead of sorting the items,
 * each catalogue language keeps the best (q, position) of the ranges
 * whose lookup lands on it, and whether a q=0 range covers it.  Taking
 * the maximum at the end is the same as trying ranges in order of weight
 * and taking the first acceptable match, as RFC 4647 lookup over a
 * priority list does.
 *
 * Exclusion (q=0) uses basic filtering, not lookup: "pt-BR;q=0" refuses
 * Brazilian Portuguese, not every Portuguese, so it does not exclude "pt";
 * "pt;q=0" excludes "pt" and would exclude a "pt-BR" entry.  A language
 * is "named" when some range other than "*" covers it or looks up to it;
 * "*" stands for the others (RFC 9110: "matches every tag not matched by
 * any other range").
 */
greet_status greet_accept_language(const char *header, size_t header_len,
                                   const char *fallback, size_t fallback_len,
                                   char *dst, size_t cap, size_t *out_len,
                                   unsigned flags)
{
  struct tally t;
  size_t b = 0, bad = 0, err = 0;
  long fb, win;

  if (flags & ~ACCEPT_FLAGS)
    return GREET_E_INVALID_FLAGS;
  if ((header == NULL && header_len > 0) || (fallback == NULL && fallback_len > 0) ||
      (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;
  if (greet__range_check(fallback, fallback_len, &err) != GREET_OK)
    return GREET_E_INVALID_ARG;
  fb = greet__lang_lookup(fallback, fallback_len);
  if (fb < 0)
    return GREET_E_INVALID_ARG;  /* a configuration error, not the client's */

  t.star_q = 0;
  t.star_off = 0;
  t.star_at = t.valid = 0;
  for (size_t k = 0; k < greet__nlangs; k++) {   /* the catalogue's part only */
    t.best_q[k] = 0;
    t.best_at[k] = 0;
    t.excluded[k] = t.named[k] = 0;
  }
  while (b <= header_len) {
    size_t e = b;
    struct item it;
    int r;

    while (e < header_len && header[e] != ',')
      e++;
    r = parse_item(header, b, e, &it, &bad);
    if (r < 0 && (flags & GREET_ACCEPT_STRICT))
      return greet__fail(dst, cap, out_len, GREET_E_BAD_HEADER, bad);
    if (r > 0)
      tally_item(&t, &it);
    b = e + 1;
  }

  win = tally_winner(&t, fb);
  if (win < 0 && t.valid == 0)
    win = fb;                 /* no usable preference: as if there were no header */
  if (win < 0)
    return greet__fail(dst, cap, out_len, GREET_E_NO_LANG, 0);
  return greet__put_string(greet__langs[win].tag, dst, cap, out_len);
}
