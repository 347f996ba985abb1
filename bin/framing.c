/* SPDX-License-Identifier: MIT */
/*
 * framing.c - Host and message framing checks (see framing.h).
 *
 * What libmicrohttpd 0.9.75 does on its own with these fields, and why each
 * rule here: with two Content-Length fields it uses the first; with
 * Content-Length and Transfer-Encoding it frames by the latter and keeps
 * the connection open; it takes a Transfer-Encoding value other than
 * exactly "chunked" (compared without trimming) as "no coding" and reads
 * the body until the client closes; it keeps "Content-Length " (a space
 * before the colon) as another field.  A front end that frames the same
 * bytes differently would see another request boundary than we do, so
 * each of these is refused and the connection closed (RFC 9112 sections
 * 5.1, 6.1 and 6.3 ask for exactly that).  It also decodes a chunked body
 * whatever the version, so an HTTP/1.0 request with Transfer-Encoding,
 * which a 1.0 intermediary frames by closing, is refused too (RFC 9112
 * section 6.1); it keeps a field whose name holds a control byte or is
 * empty, and a line that starts with ':' even ends the header for it,
 * unreported, while another parser reads on; and it
 * checks Host only for "HTTP/1.1", not for 1.2 to 1.9.
 */
#include <string.h>
#include <strings.h>

#include "fieldlist.h"
#include "framing.h"
#include "util.h"

static int name_is(const char *name, size_t len, const char *want, size_t want_len)
{
  return len == want_len && strncasecmp(name, want, want_len) == 0;
}

void framing_add(struct framing *f, const char *name, size_t name_len,
                 const char *value, size_t value_len)
{
  if (name_len > 0 && is_ows(name[name_len - 1]))
    f->space_before_colon = 1;
  f->last_value = value;
  f->last_value_len = value_len;
  if (name_len == 0)
    f->bad_name = 1;
  for (size_t i = 0; i < name_len && !f->bad_name; i++)
    f->bad_name = !is_tchar((unsigned char)name[i]);
  if (value_len > 0 && memchr(value, '\0', value_len) != NULL)
    f->nul = 1;
  if (name_is(name, name_len, LIT("Host"))) {
    f->hosts++;
  } else if (name_is(name, name_len, LIT("Content-Length"))) {
    if (f->content_lengths++ == 0) {
      f->length = value;
      f->length_len = value_len;
    } else if (value_len != f->length_len || memcmp(value, f->length, value_len) != 0) {
      f->lengths_differ = 1;
    }
  } else if (name_is(name, name_len, LIT("Transfer-Encoding"))) {
    /* The codings of several fields are one list: only the last field's
     * last coding decides whether the body is chunked. */
    const char *last;
    size_t last_len;
    f->transfer_encodings++;
    f->te_exact = name_is(value, value_len, LIT("chunked"));
    fieldlist_last(value, value_len, &last, &last_len);
    f->te_chunked_last = name_is(last, last_len, LIT("chunked"));
  }
}

void framing_end(struct framing *f, const char *gap, size_t gap_len, size_t eol)
{
  size_t i = 0;

  if (eol == 0) {               /* no fields: only the two endings */
    for (; i < gap_len && gap[i] == '\0'; i++)
      ;
    f->hidden_line |= i != gap_len || gap_len < 2 || gap_len > 4;
    return;
  }
  for (;;) {
    size_t zeros = 0;
    for (; i < gap_len && gap[i] == '\0'; i++)
      zeros++;
    if (i == gap_len) {         /* the last line's ending, then the empty line's */
      f->hidden_line |= zeros != 2 * eol;
      return;
    }
    if (zeros != eol || !is_ows(gap[i])) {
      f->hidden_line = 1;
      return;
    }
    while (i < gap_len && gap[i] != '\0')   /* a continuation line */
      i++;
  }
}

/* The minor version of "HTTP/1.<digits>" (at most 9999, which is plenty
 * to compare with 1), or -1 for any other text: libmicrohttpd answers
 * other majors itself, and what is not 1.0 is held to HTTP/1.1's rules. */
static int minor_version(const char *version)
{
  int minor = 0;
  const char *p = version + 7;

  if (strncmp(version, "HTTP/1.", 7) != 0 || *p == '\0')
    return -1;
  for (; *p != '\0'; p++) {
    if (*p < '0' || *p > '9' || minor > 999)
      return -1;
    minor = minor * 10 + (*p - '0');
  }
  return minor;
}

/* The status to refuse the request with, or 0. */
static unsigned verdict(const struct framing *f, const char *version, const char **why)
{
  int http10 = minor_version(version) == 0;

  if (f->space_before_colon) {
    *why = "Bad Request: whitespace between a header field name and its colon\n";
    return 400;
  }
  if (f->hidden_line) {
    *why = "Bad Request: a header line that starts with ':' or holds a NUL\n";
    return 400;
  }
  if (f->bad_name) {
    *why = "Bad Request: a header field name is empty or holds a character a name may not\n";
    return 400;
  }
  if (f->nul) {
    *why = "Bad Request: NUL character in a header field\n";
    return 400;
  }
  if (f->hosts > 1) {
    *why = "Bad Request: more than one Host header field\n";
    return 400;
  }
  if (f->hosts == 0 && !http10) {
    *why = "Bad Request: HTTP/1.1 (or later) request without a Host header field\n";
    return 400;
  }
  if (f->transfer_encodings > 0 && http10) {
    *why = "Bad Request: Transfer-Encoding in an HTTP/1.0 request\n";
    return 400;
  }
  if (f->transfer_encodings > 0 && f->content_lengths > 0) {
    *why = "Bad Request: both Content-Length and Transfer-Encoding\n";
    return 400;
  }
  if (f->transfer_encodings > 0 && !f->te_chunked_last) {
    *why = "Bad Request: Transfer-Encoding does not end in chunked\n";
    return 400;
  }
  if (f->transfer_encodings > 0 && (f->transfer_encodings > 1 || !f->te_exact)) {
    *why = "Not Implemented: the only transfer coding is chunked, alone\n";
    return 501;
  }
  if (f->lengths_differ) {
    *why = "Bad Request: conflicting Content-Length header fields\n";
    return 400;
  }
  return 0;
}

int framing_refused(const struct framing *f, const char *version, unsigned *status,
                    const char **why)
{
  *status = verdict(f, version, why);
  return *status != 0;
}
