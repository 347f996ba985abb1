/* SPDX-License-Identifier: MIT */
/*
 * template.c - greeting templates: "Hi {name}, welcome!".
 *
 * No public structs means no compiled-template object to hand back, so a
 * template is checked by greet_template_validate() (once, where it comes
 * in, to report errors early) and checked again by every
 * greet_template_format().  The second check is not extra work: it is
 * the measuring pass that formatting needs anyway, one linear scan.
 */
#include <string.h>

#include "greet-private.h"

#define TEMPLATE_FLAGS (GREET_ESCAPE_HTML | GREET_ESCAPE_JSON | GREET_TEMPLATE_ISOLATE)

static const char placeholder[] = "name";
#define PLACEHOLDER_LEN (sizeof placeholder - 1)

/* U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE */
static const char fsi[] = "\xE2\x81\xA8";
static const char pdi[] = "\xE2\x81\xA9";

static void emit(struct greet__sink *k, const char *s, size_t n)
{
  if (k != NULL)
    greet__emit(k, s, n);
}

/*
 * Python's str.format() rules for braces: "{{" and "}}" are literal
 * braces, '{' opens a placeholder that the next '}' closes.  A brace
 * error is reported at the brace that has no partner; UTF-8 is checked
 * separately and the earlier of the two errors wins, so the offset is
 * always the first problem in the template.  Braces are ASCII, so they
 * are never part of a multibyte sequence and the two checks cannot
 * disagree about where characters start.
 */
greet_status greet__template_render(const char *t, size_t len,
                                    const char *name, size_t name_len,
                                    int isolate, struct greet__sink *k,
                                    size_t *err)
{
  size_t i = 0, run = 0, u8_at = 0;
  greet_status u8 = greet__utf8_check((const unsigned char *)t, len, 0, &u8_at);
  greet_status st = GREET_OK;

  if (u8 != GREET_OK)
    k = NULL;                 /* nothing valid to write; only find the brace errors */

  while (i < len) {
    char c = t[i];
    if (c != '{' && c != '}') {
      i++;
      continue;
    }
    if (i + 1 < len && t[i + 1] == c) {   /* "{{" or "}}": one literal brace */
      emit(k, t + run, i + 1 - run);
      i += 2;
      run = i;
      continue;
    }
    if (c == '}') {
      st = GREET_E_UNBALANCED_BRACE;
      break;
    }
    size_t j = i + 1;
    while (j < len && t[j] != '{' && t[j] != '}')
      j++;
    if (j == len || t[j] == '{') {
      st = GREET_E_UNBALANCED_BRACE;
      break;
    }
    if (j - i - 1 != PLACEHOLDER_LEN || memcmp(t + i + 1, placeholder, PLACEHOLDER_LEN) != 0) {
      st = GREET_E_UNKNOWN_PLACEHOLDER;
      break;
    }
    emit(k, t + run, i - run);
    if (isolate)
      emit(k, fsi, sizeof fsi - 1);
    emit(k, name, name_len);
    if (isolate)
      emit(k, pdi, sizeof pdi - 1);
    i = j + 1;
    run = i;
  }

  if (u8 != GREET_OK && (st == GREET_OK || u8_at < i)) {
    *err = u8_at;
    return u8;
  }
  if (st != GREET_OK) {
    *err = i;
    return st;
  }
  if (run < len)               /* t is NULL when len is 0: no arithmetic on it */
    emit(k, t + run, len - run);
  return GREET_OK;
}

/*
 * Needs no output buffer: the error offset is the only result, as for
 * greet_utf8_validate().
 */
greet_status greet_template_validate(const char *tmpl, size_t tmpl_len,
                                     size_t *err_offset, unsigned flags)
{
  size_t off = 0;
  greet_status st;

  if (flags != 0)
    return GREET_E_INVALID_FLAGS;
  if (tmpl == NULL && tmpl_len > 0)
    return GREET_E_INVALID_ARG;
  st = greet__template_render(tmpl, tmpl_len, NULL, 0, 0, NULL, &off);
  if (st != GREET_OK && err_offset != NULL)
    *err_offset = off;
  return st;
}

/* The measuring pass is the template check; the name's bytes are only
 * counted in it, so checking the name afterwards is safe. */
greet_status greet__template_pass(const void *ctx, struct greet__sink *k, size_t *err)
{
  const struct greet__filling *f = ctx;
  greet_status st = greet__template_render(f->tmpl, f->tmpl_len, f->name, f->name_len,
                                           f->isolate, k, err);

  if (st == GREET_OK && f->check_name && k->dst == NULL)
    st = greet__utf8_check((const unsigned char *)f->name, f->name_len, 0, err);
  return st;
}

/*
 * The template is checked before the name, so that a caller who
 * validated the template knows a GREET_E_BAD_UTF8 is about the name.
 * With an escape mode the template text is escaped as well as the name:
 * the result is text for an HTML or JSON context, whoever wrote it.
 */
greet_status greet_template_format(const char *tmpl, size_t tmpl_len,
                                   const char *name, size_t name_len,
                                   char *dst, size_t cap, size_t *out_len,
                                   unsigned flags)
{
  unsigned escape = flags & (GREET_ESCAPE_HTML | GREET_ESCAPE_JSON);
  struct greet__filling f = { tmpl, tmpl_len, name, name_len,
                              (flags & GREET_TEMPLATE_ISOLATE) != 0, 1 };

  if ((flags & ~TEMPLATE_FLAGS) != 0 || escape == (GREET_ESCAPE_HTML | GREET_ESCAPE_JSON))
    return GREET_E_INVALID_FLAGS;
  if ((tmpl == NULL && tmpl_len > 0) || (name == NULL && name_len > 0) ||
      (dst == NULL && cap > 0))
    return GREET_E_INVALID_ARG;
  return greet__output(greet__template_pass, &f, escape, dst, cap, out_len);
}
