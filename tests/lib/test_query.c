/* SPDX-License-Identifier: MIT */
/*
 * test_query.c - greet_query_next() and greet_query_get(): splitting,
 * decoding, strict and lenient, '+', ';', every capacity of both
 * buffers, the cursor, and get() == the first match of the walk.
 */
#include "greet-test.h"

#define LEN  GREET_DECODE_LENIENT
#define PLUS GREET_DECODE_PLUS_SPACE
#define RNUL GREET_DECODE_REJECT_NUL
#define RCTL GREET_DECODE_REJECT_CTL
#define SEMI GREET_QUERY_SEMICOLON

/* A query, its flags, the pairs the walk gives (key, value; NUL-free
 * here, the NUL cases are in their own test) and how the walk ends:
 * GREET_E_QUERY_END, or an input error at an offset. */
struct walk {
  const char *q;
  unsigned flags;
  const char *pairs[6][2];
  greet_status last;
  size_t at;
};

#define END GREET_E_QUERY_END, 0

static const struct walk walks[] = {
  {"", 0, {{0}}, END},
  {"&", 0, {{0}}, END},
  {"&&;", 0, {{";", ""}}, END},
  {"&&;", SEMI, {{0}}, END},
  {"a=1", 0, {{"a", "1"}}, END},
  {"a=1&b=2", 0, {{"a", "1"}, {"b", "2"}}, END},
  {"a=1&&b=2&", 0, {{"a", "1"}, {"b", "2"}}, END},
  {"&a", 0, {{"a", ""}}, END},
  {"a", 0, {{"a", ""}}, END},
  {"a=", 0, {{"a", ""}}, END},
  {"=", 0, {{"", ""}}, END},
  {"=x", 0, {{"", "x"}}, END},
  {"a=b=c", 0, {{"a", "b=c"}}, END},
  {"a==", 0, {{"a", "="}}, END},
  {"a=1;b=2", 0, {{"a", "1;b=2"}}, END},
  {"a=1;b=2", SEMI, {{"a", "1"}, {"b", "2"}}, END},
  {"a=1;b=2&c", SEMI, {{"a", "1"}, {"b", "2"}, {"c", ""}}, END},
  {";a;", SEMI, {{"a", ""}}, END},
  /* separators and '=' are found in the raw text: escaped ones are data */
  {"a%3Db=c%26d", 0, {{"a=b", "c&d"}}, END},
  {"%26=%3B", SEMI, {{"&", ";"}}, END},
  {"name=Jos%C3%A9%20Mar%C3%ADa", 0, {{"name", "Jos\xC3\xA9 Mar\xC3\xAD" "a"}}, END},
  /* '+' is a space only when asked, in keys and values */
  {"a+b=c+d", 0, {{"a+b", "c+d"}}, END},
  {"a+b=c+d", PLUS, {{"a b", "c d"}}, END},
  {"a%2Bb=%2B", PLUS, {{"a+b", "+"}}, END},
  /* decoded exactly once */
  {"x=%2541", 0, {{"x", "%41"}}, END},
  /* strict: the first bad escape ends the walk, at its offset in the query */
  {"a=1&b=%zz&c=3", 0, {{"a", "1"}}, GREET_E_BAD_ESCAPE, 6},
  {"a=1&%4=2", 0, {{"a", "1"}}, GREET_E_BAD_ESCAPE, 4},
  {"a=1&k=v%", 0, {{"a", "1"}}, GREET_E_BAD_ESCAPE, 7},
  {"%=%zz", 0, {{0}}, GREET_E_BAD_ESCAPE, 0},   /* the key's error first */
  {"k=%zz", LEN, {{"k", "%zz"}}, END},
  {"%=%", LEN, {{"%", "%"}}, END},
  {"a=1&b=%zz&c=3", LEN, {{"a", "1"}, {"b", "%zz"}, {"c", "3"}}, END},
  /* controls, as the REJECT flags say */
  {"a=%0A", 0, {{"a", "\n"}}, END},
  {"a=%0A", RCTL, {{0}}, GREET_E_C0_CONTROL, 2},
  {"ok=1&a%7F=1", RCTL, {{"ok", "1"}}, GREET_E_DEL, 6},
  {"a=%C2%85", RCTL, {{0}}, GREET_E_C1_CONTROL, 2},
  {"a=b%00", RNUL, {{0}}, GREET_E_NUL, 3},
  {"a=b%00", RCTL | LEN | PLUS, {{0}}, GREET_E_NUL, 3},
};

static size_t count_pairs(const struct walk *w)
{
  size_t n = 0;
  while (n < 6 && w->pairs[n][0] != NULL)
    n++;
  return n;
}

/* One call with the given caps into canary buffers; checks all it must. */
static void next_with_caps(const struct walk *w, size_t idx, size_t step, size_t pos,
                           size_t kc, size_t vc, greet_status want, const char *k_want,
                           const char *v_want, size_t kl_want, size_t vl_want, size_t pos_after)
{
  char kb[BUF_SIZE], vb[BUF_SIZE];
  size_t kl = UNSET, vl = UNSET, p = pos;
  greet_status st;

  memset(kb, CANARY, sizeof kb);
  memset(vb, CANARY, sizeof vb);
  st = greet_query_next(w->q, strlen(w->q), &p, kc ? kb : NULL, kc, &kl, vc ? vb : NULL, vc,
                        &vl, w->flags);
  cr_assert_eq(st, want, "walk %zu %s step %zu caps %zu/%zu: status %d (%s), want %d", idx,
               show(w->q, strlen(w->q)), step, kc, vc, st, greet_strerror(st), want);
  cr_assert_eq(kl, kl_want, "walk %zu step %zu caps %zu/%zu: key_len %zu, want %zu", idx,
               step, kc, vc, kl, kl_want);
  cr_assert_eq(vl, vl_want, "walk %zu step %zu caps %zu/%zu: val_len %zu, want %zu", idx,
               step, kc, vc, vl, vl_want);
  cr_assert_eq(p, st == GREET_OK ? pos_after : pos, "walk %zu step %zu: cursor %zu", idx,
               step, p);
  if (st == GREET_OK) {
    cr_assert_eq(memcmp(kb, k_want, kl_want + 1), 0, "walk %zu step %zu: key", idx, step);
    cr_assert_eq(memcmp(vb, v_want, vl_want + 1), 0, "walk %zu step %zu: value", idx, step);
    assert_untouched(kb, kl_want + 1, "key", idx, kc);
    assert_untouched(vb, vl_want + 1, "value", idx, vc);
  } else {
    if (kc > 0)
      cr_assert_eq(kb[0], '\0', "walk %zu step %zu caps %zu/%zu: key not empty", idx, step,
                   kc, vc);
    if (vc > 0)
      cr_assert_eq(vb[0], '\0', "walk %zu step %zu caps %zu/%zu: value not empty", idx, step,
                   kc, vc);
    /* as for every function: nothing written past cap */
    assert_untouched(kb, kc, "key", idx, kc);
    assert_untouched(vb, vc, "value", idx, vc);
  }
}

Test(query, walk_table)
{
  for (size_t i = 0; i < sizeof walks / sizeof walks[0]; i++) {
    const struct walk *w = &walks[i];
    size_t n = count_pairs(w), pos = 0, len = strlen(w->q);

    for (size_t s = 0; s <= n; s++) {
      if (s == n) {
        /* the end, or the error, whatever the caps */
        int end = w->last == GREET_E_QUERY_END;
        size_t at = end ? 0 : w->at;
        const size_t caps[] = {0, 1, 5};
        for (size_t a = 0; a < 3; a++)
          for (size_t b = 0; b < 3; b++)
            next_with_caps(w, i, s, pos, caps[a], caps[b], w->last, "", "", at, at, pos);
        break;
      }
      const char *k = w->pairs[s][0], *v = w->pairs[s][1];
      size_t kl = strlen(k), vl = strlen(v), after = pos;
      /* where the cursor lands: found by a call with big buffers */
      {
        char kb[BUF_SIZE], vb[BUF_SIZE];
        cr_assert_eq(greet_query_next(w->q, len, &after, kb, sizeof kb, NULL, vb, sizeof vb,
                                      NULL, w->flags), GREET_OK, "walk %zu step %zu", i, s);
        cr_assert(after > pos && after <= len, "walk %zu step %zu: cursor %zu", i, s, after);
        cr_assert(after == len || w->q[after - 1] == '&' || w->q[after - 1] == ';',
                  "walk %zu step %zu: cursor %zu not past a separator", i, s, after);
      }
      /* every pair of caps around what each buffer needs */
      const size_t kcaps[] = {0, 1, kl, kl + 1, kl + 2};
      const size_t vcaps[] = {0, 1, vl, vl + 1, vl + 2};
      for (size_t a = 0; a < 5; a++) {
        for (size_t b = 0; b < 5; b++) {
          int fits = kcaps[a] > kl && vcaps[b] > vl;
          next_with_caps(w, i, s, pos, kcaps[a], vcaps[b],
                         fits ? GREET_OK : GREET_E_NOSPACE, k, v, kl, vl, after);
        }
      }
      pos = after;
    }
  }
}

/* greet_query_get() through the writer-table helper: the key comes from
 * the row being checked. */
static const char *get_key;
static size_t get_key_len;

static greet_status get_with_key(const char *src, size_t src_len, char *dst, size_t cap,
                                 size_t *out_len, unsigned flags)
{
  return greet_query_get(src, src_len, get_key, get_key_len, dst, cap, out_len, flags);
}

struct get_row {
  const char *key;
  struct row r;
};

#define GOK(q, key, flags, out)      { key, { B(q), flags, GREET_OK, B(out) } }
#define GERR(q, key, flags, st, at)  { key, { B(q), flags, st, "", at } }

static const struct get_row gets[] = {
  GOK("lang=fr", "lang", 0, "fr"),
  GOK("name=x&lang=fr&lang=de", "lang", 0, "fr"),        /* the first one */
  GOK("a=1&b=2", "b", 0, "2"),
  GOK("lang", "lang", 0, ""),
  GOK("lang=", "lang", 0, ""),
  GOK("=v", "", 0, "v"),
  GOK("l%61ng=pt", "lang", 0, "pt"),                     /* keys compared decoded */
  GOK("a+b=1", "a b", PLUS, "1"),
  GOK("a+b=1", "a+b", 0, "1"),
  GOK("a%2Bb=1&a+b=2", "a b", PLUS, "2"),
  GOK("x=1;lang=fr", "lang", SEMI, "fr"),
  GOK("k=Jos%C3%A9+Mar%C3%ADa", "k", PLUS, "Jos\xC3\xA9 Mar\xC3\xAD" "a"),
  GOK("langx=1&lan=2&lang=3", "lang", 0, "3"),
  GOK("k=%zz", "k", LEN, "%zz"),
  GOK("bad=%zz&k=1", "k", LEN, "1"),
  GOK("k=1&bad=%zz", "k", 0, "1"),                       /* later pairs not looked at */
  GOK("k=a%00b", "k", 0, "a\0b"),
  GOK("k=a\0b&k=2", "k", 0, "a\0b"),
  GERR("x=1;lang=fr", "lang", 0, GREET_E_NO_PARAM, 0),
  GERR("", "lang", 0, GREET_E_NO_PARAM, 0),
  GERR("&&", "", 0, GREET_E_NO_PARAM, 0),
  GERR("la=1&langu=2", "lang", 0, GREET_E_NO_PARAM, 0),
  GERR("bad=%zz&k=1", "k", 0, GREET_E_BAD_ESCAPE, 4),    /* the walk's error first */
  GERR("b%z=1&k=1", "k", 0, GREET_E_BAD_ESCAPE, 1),
  GERR("k=%zz", "k", 0, GREET_E_BAD_ESCAPE, 2),
  GERR("k=a%00b", "k", RNUL, GREET_E_NUL, 3),
  GERR("x=%0D%0A&k=1", "k", RCTL, GREET_E_C0_CONTROL, 2),
  GERR("k=%C2%9B", "k", RCTL, GREET_E_C1_CONTROL, 2),
};

Test(query, get_table)
{
  for (size_t i = 0; i < sizeof gets / sizeof gets[0]; i++) {
    get_key = gets[i].key;
    get_key_len = strlen(gets[i].key);
    check_row(get_with_key, &gets[i].r, "get", i);
  }
}

/* get() is the first match of the walk, for every key the walk shows,
 * in every flag combination, on queries built from a small alphabet. */
Test(query, get_is_first_match)
{
  static const char alphabet[] = "ab=&;+%2";
  char q[7];
  for (unsigned code = 0; code < 8u * 8 * 8 * 8 * 8 * 8; code++) {
    unsigned c = code;
    for (size_t k = 0; k < 6; k++, c /= 8)
      q[k] = alphabet[c % 8];
    q[6] = '\0';
    for (unsigned flags = 0; flags < 32; flags += 3) {
      unsigned f = (flags & 1 ? LEN : 0) | (flags & 2 ? PLUS : 0) | (flags & 4 ? SEMI : 0) |
                   (flags & 8 ? RCTL : 0);
      size_t pos = 0;
      char kb[8], vb[8], first_v[8][8];
      char keys[8][8];
      size_t nk = 0;
      greet_status st;
      size_t kl, vl;
      while ((st = greet_query_next(q, 6, &pos, kb, sizeof kb, &kl, vb, sizeof vb, &vl, f)) ==
             GREET_OK) {
        size_t j;
        for (j = 0; j < nk; j++)
          if (strcmp(keys[j], kb) == 0)
            break;
        if (j == nk && nk < 8) {
          memcpy(keys[nk], kb, sizeof kb);
          memcpy(first_v[nk++], vb, sizeof vb);
        }
      }
      for (size_t j = 0; j < nk; j++) {
        char out[8];
        size_t n = UNSET;
        greet_status g = greet_query_get(q, 6, keys[j], strlen(keys[j]), out, sizeof out,
                                         &n, f);
        cr_assert_eq(g, GREET_OK, "\"%s\" flags %#x key \"%s\": status %d", q, f, keys[j], g);
        cr_assert_str_eq(out, first_v[j], "\"%s\" flags %#x key \"%s\"", q, f, keys[j]);
      }
      if (st != GREET_E_QUERY_END) {
        /* the walk stopped at an error: a key not seen before meets it too */
        size_t at = kl, n = UNSET;
        char out[8];
        cr_assert_eq(greet_query_get(q, 6, "zz", 2, out, sizeof out, &n, f), st,
                     "\"%s\" flags %#x", q, f);
        cr_assert_eq(n, at, "\"%s\" flags %#x: offset", q, f);
      }
    }
  }
}

Test(query, nul_in_key_and_value)
{
  static const char q[] = "a\0b=c%00d&e=f";
  char kb[8], vb[8];
  size_t pos = 0, kl = UNSET, vl = UNSET;

  cr_assert_eq(greet_query_next(q, sizeof q - 1, &pos, kb, sizeof kb, &kl, vb, sizeof vb, &vl,
                                0), GREET_OK);
  cr_assert(kl == 3 && memcmp(kb, "a\0b", 4) == 0);
  cr_assert(vl == 3 && memcmp(vb, "c\0d", 4) == 0);
  cr_assert_eq(pos, 10u);
  pos = 0;
  cr_assert_eq(greet_query_next(q, sizeof q - 1, &pos, kb, sizeof kb, &kl, vb, sizeof vb, &vl,
                                RNUL), GREET_E_NUL);
  cr_assert(kl == 1 && vl == 1 && pos == 0);
}

Test(query, flags_and_arguments)
{
  const unsigned known = LEN | PLUS | RNUL | RCTL | SEMI;
  char kb[8], vb[8];
  size_t pos = 0, kl = UNSET, vl = UNSET;

  for (unsigned bit = 0; bit < 32; bit++) {
    unsigned flag = 1u << bit;
    greet_status want = flag & known ? GREET_OK : GREET_E_INVALID_FLAGS;
    pos = 0;
    kl = vl = UNSET;
    memset(kb, CANARY, sizeof kb);
    cr_assert_eq(greet_query_next("a=1", 3, &pos, kb, sizeof kb, &kl, vb, sizeof vb, &vl,
                                  flag), want, "flag %#x", flag);
    cr_assert_eq(greet_query_get("a=1", 3, "a", 1, kb, sizeof kb, &kl, flag), want,
                 "flag %#x", flag);
    if (want != GREET_OK) {
      cr_assert(kl == UNSET && vl == UNSET && pos == 0 && kb[0] == CANARY, "flag %#x", flag);
      /* before the pointers are looked at */
      cr_assert_eq(greet_query_next(NULL, 3, NULL, NULL, 1, NULL, NULL, 1, NULL, flag), want);
      cr_assert_eq(greet_query_get(NULL, 3, NULL, 1, NULL, 1, NULL, flag), want);
    }
  }
  cr_assert_eq(greet_query_next("a", 1, &pos, kb, 8, &kl, vb, 8, &vl, GREET_ENCODE_FORM),
               GREET_E_INVALID_FLAGS);

  kl = vl = UNSET;
  memset(kb, CANARY, sizeof kb);
  pos = 0;
  cr_assert_eq(greet_query_next("a", 1, NULL, kb, 8, &kl, vb, 8, &vl, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_query_next(NULL, 1, &pos, kb, 8, &kl, vb, 8, &vl, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_query_next("a", 1, &pos, NULL, 8, &kl, vb, 8, &vl, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_query_next("a", 1, &pos, kb, 8, &kl, NULL, 8, &vl, 0), GREET_E_INVALID_ARG);
  pos = 2;
  cr_assert_eq(greet_query_next("a", 1, &pos, kb, 8, &kl, vb, 8, &vl, 0), GREET_E_INVALID_ARG);
  cr_assert(pos == 2 && kl == UNSET && vl == UNSET && kb[0] == CANARY);
  cr_assert_eq(greet_query_get(NULL, 1, "a", 1, kb, 8, &kl, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_query_get("a", 1, NULL, 1, kb, 8, &kl, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_query_get("a", 1, "a", 1, NULL, 8, &kl, 0), GREET_E_INVALID_ARG);
  cr_assert(kl == UNSET && kb[0] == CANARY);

  /* NULL is fine with length 0; the cursor at the end is the end */
  pos = 0;
  cr_assert_eq(greet_query_next(NULL, 0, &pos, NULL, 0, NULL, NULL, 0, NULL, 0),
               GREET_E_QUERY_END);
  pos = 1;
  cr_assert_eq(greet_query_next("a", 1, &pos, kb, 8, &kl, vb, 8, &vl, 0), GREET_E_QUERY_END);
  cr_assert(kl == 0 && vl == 0 && kb[0] == '\0' && vb[0] == '\0');
  cr_assert_eq(greet_query_get(NULL, 0, NULL, 0, kb, 8, &kl, 0), GREET_E_NO_PARAM);
  cr_assert_eq(greet_query_get("=x", 2, NULL, 0, kb, 8, &kl, 0), GREET_OK);
  cr_assert_str_eq(kb, "x");
}

/* A query longer than the buffers of the other tests: 2000 parameters,
 * the wanted one last; get() finds it and the walk counts them all. */
Test(query, many_parameters)
{
  static char q[2000 * 8 + 16];
  size_t o = 0, pos = 0, n = 0, kl, vl;
  char kb[16], vb[16];

  for (int i = 0; i < 2000; i++)
    o += (size_t)snprintf(q + o, sizeof q - o, "k%04d=%d&", i, i % 10);
  o += (size_t)snprintf(q + o, sizeof q - o, "lang=fr");
  while (greet_query_next(q, o, &pos, kb, sizeof kb, &kl, vb, sizeof vb, &vl, 0) == GREET_OK)
    n++;
  cr_assert_eq(n, 2001u);
  cr_assert_eq(greet_query_get(q, o, "lang", 4, vb, sizeof vb, &vl, 0), GREET_OK);
  cr_assert_str_eq(vb, "fr");
}
