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
 * 5.1, 6.1 and 6.3 ask for exactly that).
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

/* The status to refuse the request with, or 0. */
static unsigned verdict(const struct framing *f, int http11, const char **why)
{
  if (f->space_before_colon) {
    *why = "Bad Request: whitespace between a header field name and its colon\n";
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
  if (f->hosts == 0 && http11) {
    *why = "Bad Request: HTTP/1.1 request without a Host header field\n";
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

int framing_refused(const struct framing *f, int http11, unsigned *status, const char **why)
{
  *status = verdict(f, http11, why);
  return *status != 0;
}
