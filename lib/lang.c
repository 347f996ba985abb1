/* SPDX-License-Identifier: MIT */
/*
 * lang.c - language tags: RFC 4647 matching against the catalogue,
 * listing it, and greeting in one of its languages.
 */
#include <string.h>

#include "greet-private.h"

#define INFO_FLAGS (GREET_LANG_NAME | GREET_LANG_DIR)
#define FORMAT_FLAGS (GREET_ESCAPE_HTML | GREET_ESCAPE_JSON | GREET_LANG_NO_ISOLATE)

static int is_alpha(unsigned char c)
{
  c |= 0x20;                  /* ASCII lower case */
  return c >= 'a' && c <= 'z';
}

static int is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static int ieq(const char *a, const char *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
      return 0;
  return 1;
}

/*
 * language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*" (RFC 4647 2.1).
 * The primary subtag is letters only; later ones letters or digits.
 */
greet_status greet__range_check(const char *src, size_t len, size_t *err)
{
  const unsigned char *s = (const unsigned char *)src;
  size_t i = 0;

  if (len == 1 && s[0] == '*')
    return GREET_OK;
  for (int first = 1;; first = 0) {
    size_t start = i;
    while (i < len && i - start < 8 && (is_alpha(s[i]) || (!first && is_digit(s[i]))))
      i++;
    if (i == start || (i < len && s[i] != '-')) {
      *err = i;               /* empty subtag, a ninth character, or a bad byte */
      return GREET_E_BAD_TAG;
    }
    if (i == len)
      return GREET_OK;
    i++;                      /* the '-' */
  }
}

static long find_exact(const char *s, size_t len)
{
  for (size_t k = 0; k < greet__nlangs; k++)
    if (strlen(greet__langs[k].tag) == len && ieq(s, greet__langs[k].tag, len))
      return (long)k;
  return -1;
}

/*
 * RFC 4647 3.4: try the whole range, then drop subtags from the end; a
 * single-character subtag (an extension or "x" private-use introducer)
 * is dropped together with the subtag that follows it, since on its own
 * it means nothing: "zh-Hant-CN-x-private1-private2" tries itself,
 * zh-Hant-CN-x-private1, zh-Hant-CN, zh-Hant, zh (the RFC's example).
 */
long greet__lang_lookup(const char *s, size_t len)
{
  if (len == 1 && s[0] == '*')
    return -1;                /* lookup ignores "*": the caller's default applies */
  while (len > 0) {
    long k = find_exact(s, len);
    if (k >= 0)
      return k;
    while (len > 0 && s[len - 1] != '-')
      len--;
    if (len > 0)
      len--;                  /* the '-' */
    /* a trailing singleton goes too, as RFC 4647 says; no catalogue
     * tag ends in one, so this only skips a comparison that cannot match */
    while (len >= 2 && s[len - 2] == '-')
      len -= 2;
  }
  return -1;
}

int greet__range_covers(const char *s, size_t len, const char *tag)
{
  size_t n = strlen(tag);
  return len <= n && ieq(s, tag, len) && (len == n || tag[len] == '-');
}

static const char *info(const struct greet__lang *l, unsigned flags)
{
  if (flags & GREET_LANG_NAME)
    return l->name;
  if (flags & GREET_LANG_DIR)
    return l->rtl ? "rtl" : "ltr";
  return l->tag;
}

size_t greet_lang_count(void)
{
  return greet__nlangs;
}

greet_status greet_lang_at(size_t index, char *dst, size_t cap, size_t *out_len,
                           unsigned flags)
{
  if ((flags & ~INFO_FLAGS) != 0 || flags == INFO_FLAGS)
    return GREET_E_INVALID_FLAGS;
  if (dst == NULL && cap > 0)
    return GREET_E_INVALID_ARG;
  if (index >= greet__nlangs)
    return greet__fail(dst, cap, out_len, GREET_E_NO_LANG, 0);
  return greet__put_string(info(&greet__langs[index], flags), dst, cap, out_len);
}

/* The catalogue entry for tag, or an input error with its offset. */
static greet_status find(const char *tag, size_t tag_len, long *k, size_t *err)
{
  greet_status st = greet__range_check(tag, tag_len, err);
  if (st != GREET_OK)
    return st;
  *k = greet__lang_lookup(tag, tag_len);
  if (*k < 0) {
    *err = 0;
    return GREET_E_NO_LANG;
  }
  return GREET_OK;
}

greet_status greet_lang_lookup(const char *tag, size_t tag_len,
                               char *dst, size_t cap, size_t *out_len, unsigned flags)
{
  long k = -1;
  size_t err = 0;
  greet_status st;

  if ((flags & ~INFO_FLAGS) != 0 || flags == INFO_FLAGS)
    return GREET_E_INVALID_FLAGS;
  if ((tag == NULL && tag_len > 0) || (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;
  st = find(tag, tag_len, &k, &err);
  if (st != GREET_OK)
    return greet__fail(dst, cap, out_len, st, err);
  return greet__put_string(info(&greet__langs[k], flags), dst, cap, out_len);
}

/*
 * The catalogue's greetings are templates, so greeting in a language is
 * filling its template; the isolate is the language's (RTL) unless the
 * caller isolates some other way.
 */
greet_status greet_format_lang(const char *lang, size_t lang_len,
                               const char *name, size_t name_len,
                               char *dst, size_t cap, size_t *out_len, unsigned flags)
{
  unsigned escape = flags & (GREET_ESCAPE_HTML | GREET_ESCAPE_JSON);
  struct greet__filling f;
  const struct greet__lang *l;
  long idx = -1;
  size_t err = 0;
  greet_status st;

  if ((flags & ~FORMAT_FLAGS) != 0 || escape == (GREET_ESCAPE_HTML | GREET_ESCAPE_JSON))
    return GREET_E_INVALID_FLAGS;
  if ((lang == NULL && lang_len > 0) || (name == NULL && name_len > 0) ||
      (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;

  st = find(lang, lang_len, &idx, &err);
  if (st == GREET_OK)
    st = greet__utf8_check((const unsigned char *)name, name_len, 0, &err);
  if (st != GREET_OK)
    return greet__fail(dst, cap, out_len, st, err);

  l = &greet__langs[idx];
  f.tmpl = l->greeting;
  f.tmpl_len = strlen(l->greeting);
  f.name = name;
  f.name_len = name_len;
  f.isolate = l->rtl && !(flags & GREET_LANG_NO_ISOLATE);
  f.check_name = 0;
  return greet__output(greet__template_pass, &f, escape, dst, cap, out_len);
}
