/* SPDX-License-Identifier: MIT */
/*
 * greet-private.h - helpers shared by the files of libgreet.
 *
 * Never installed and not reachable from bin/ (greet_dep exports only
 * include/): everything here may change at any time.
 */
#ifndef GREET_PRIVATE_H
#define GREET_PRIVATE_H

#include <stddef.h>

#include "greet.h"

/* Which control characters greet__utf8_check() rejects. */
#define GREET__CTL_NUL 0x1u /* U+0000 */
#define GREET__CTL_ALL 0x2u /* U+0000..U+001F, U+007F, U+0080..U+009F */

/*
 * Checks that s[0..len) is valid UTF-8 (RFC 3629) and, as `ctl` asks, free
 * of control characters.  Returns GREET_OK or the error, with the offset
 * of the offending sequence in *err_offset.  The one scanner behind
 * greet_utf8_validate() and greet_format(), so both agree byte for byte.
 */
greet_status greet__utf8_check(const unsigned char *s, size_t len,
                               unsigned ctl, size_t *err_offset);

/* The status for a control byte c (c < 0x20 or c == 0x7f). */
greet_status greet__ctl_status(unsigned char c);

/*
 * Since 0.2.
 *
 * Output goes through a sink, in two passes: one with dst NULL that only
 * measures (and is where input errors are found), then, if the result
 * fits, one that writes.  So a call that fails never leaves part of a
 * result behind the NUL it puts in dst[0].
 */
struct greet__sink {
  char *dst;          /* NULL while measuring */
  size_t len;         /* bytes emitted so far; SIZE_MAX once it overflowed */
  unsigned escape;    /* GREET_ESCAPE_HTML, GREET_ESCAPE_JSON or 0 */
};

/* Appends s[0..n), escaped as k->escape says.  s must be whole UTF-8
 * characters that were validated before (the escaper relies on it to
 * spot U+2028 and U+2029). */
void greet__emit(struct greet__sink *k, const char *s, size_t n);

/* The tail every function with a caller buffer ends in: *out_len = need
 * (out_len may be NULL), then GREET_OK when dst can take need + 1 bytes,
 * else dst left empty (cap > 0) and GREET_E_NOSPACE.  Writing is the
 * caller's, after GREET_OK.  Inline: greet_format() and the decoder
 * end in it on every call. */
static inline greet_status greet__fits(char *dst, size_t cap, size_t *out_len, size_t need)
{
  if (out_len != NULL)
    *out_len = need;
  if (cap <= need) {
    if (cap > 0)
      dst[0] = '\0';
    return GREET_E_NOSPACE;
  }
  return GREET_OK;
}

/* The end of a measuring pass: GREET_OK when dst can take k->len + 1
 * bytes, after which the caller runs its writing pass; otherwise the
 * status to return, with dst and *out_len already set. */
greet_status greet__measured(const struct greet__sink *k, char *dst, size_t cap,
                             size_t *out_len);

/* Leaves dst empty (cap > 0) and *out_len = at (out_len != NULL) for an
 * input error st, and returns st.  Every input error leaves through it. */
greet_status greet__fail(char *dst, size_t cap, size_t *out_len,
                         greet_status st, size_t at);

/* Copies the short static string s into the caller buffer with the usual
 * size query and NOSPACE rules. */
greet_status greet__put_string(const char *s, char *dst, size_t cap,
                               size_t *out_len);

/*
 * One pass of a sink-writing function: emits into k, returns GREET_OK or
 * an input error with its offset in *err.  It runs twice (k->dst NULL,
 * then dst), so it must emit the same bytes both times; checks that only
 * the first pass needs may look at k->dst == NULL.
 */
typedef greet_status (*greet__pass)(const void *ctx, struct greet__sink *k, size_t *err);

/* "Measure, then write": runs pass once to measure (an input error goes
 * out through greet__fail()), checks the size against cap, then runs it
 * again into dst and ends it with a NUL. */
greet_status greet__output(greet__pass pass, const void *ctx, unsigned escape,
                           char *dst, size_t cap, size_t *out_len);

/* Optional whitespace (RFC 9110 section 5.6.3): space or horizontal tab. */
static inline int greet__is_ows(char c)
{
  return c == ' ' || c == '\t';
}

/*
 * Fills the template t[0..len) with the name into k (k may be NULL to only
 * check it).  The name must already be valid UTF-8; with isolate it is
 * wrapped in U+2068 .. U+2069.  Returns GREET_OK or the first template
 * error (bad UTF-8, unknown placeholder, unbalanced brace) with its
 * offset in *err.
 */
greet_status greet__template_render(const char *t, size_t len,
                                    const char *name, size_t name_len,
                                    int isolate, struct greet__sink *k,
                                    size_t *err);

/* A template filled with a name, as greet__template_pass() takes it. */
struct greet__filling {
  const char *tmpl;
  size_t tmpl_len;
  const char *name;
  size_t name_len;
  int isolate;
  int check_name;   /* the name is not yet known to be valid UTF-8 */
};

/* The greet__pass of greet_template_format() and greet_format_lang():
 * renders ctx (a struct greet__filling); while measuring, the template is
 * checked before the name, as greet_template_format() promises. */
greet_status greet__template_pass(const void *ctx, struct greet__sink *k, size_t *err);

/* A language of the catalogue (catalogue.c). */
struct greet__lang {
  const char *tag;      /* canonical BCP 47 tag */
  const char *name;     /* the language's name in itself */
  const char *greeting; /* a template for greet__template_render() */
  int rtl;              /* written right to left */
};

/* The catalogue, sorted by tag in ASCII order.  Bounded by
 * GREET__LANG_MAX so that accept.c can keep per-language state on the
 * stack; catalogue.c checks the bound at compile time. */
#define GREET__LANG_MAX 128
extern const struct greet__lang greet__langs[];
extern const size_t greet__nlangs;

/* Whether s[0..len) is an RFC 4647 basic language range: GREET_OK, or
 * GREET_E_BAD_TAG with the offset of the first offending byte (len when
 * the range stops where a subtag should follow).  "*" is well formed. */
greet_status greet__range_check(const char *s, size_t len, size_t *err);

/* RFC 4647 lookup of a well-formed range in the catalogue: the index of
 * the match, or -1 for none (and for "*"). */
long greet__lang_lookup(const char *s, size_t len);

/* Whether the range s[0..len) covers tag under basic filtering (RFC 4647
 * 3.3.1): equal, or a prefix that ends at a '-' of tag; case-insensitive. */
int greet__range_covers(const char *s, size_t len, const char *tag);

#endif /* GREET_PRIVATE_H */
