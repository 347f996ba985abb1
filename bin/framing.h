/* SPDX-License-Identifier: MIT */
/*
 * framing.h - the header checks libmicrohttpd 0.9.75 does not make:
 * Host (RFC 9112 section 3.2) and message framing (sections 6.1 and 6.3),
 * the ambiguities request smuggling is made of.
 *
 * Pure: fed the header fields as the parser kept them, one at a time, it
 * says whether the request must be refused before its body is read.  The
 * adapter then answers and closes the connection, so nothing after the
 * refused request's header is ever read as a request.
 */
#ifndef GREET_SERVER_FRAMING_H
#define GREET_SERVER_FRAMING_H

#include <stddef.h>

/* Zeroed (= {0}) before the first field. */
struct framing {
  unsigned hosts, content_lengths, transfer_encodings;
  int space_before_colon;   /* a field name ends in SP or HTAB */
  int bad_name;             /* a field name is empty or not a token */
  int nul;                  /* a NUL inside a field value */
  int lengths_differ;       /* two Content-Length values are not equal */
  const char *length;       /* the first Content-Length value */
  size_t length_len;
  int te_exact;             /* the last Transfer-Encoding is "chunked" */
  int te_chunked_last;      /* ... or at least ends in the chunked coding */
  const char *last_value;   /* the last field's value as framing_add() got it */
  size_t last_value_len;
  int hidden_line;          /* framing_end() found a line after the last field */
};

/* Adds one field: its name and value as the parser stored them (the value
 * without its leading whitespace); value_len may run past a NUL. */
void framing_add(struct framing *f, const char *name, size_t name_len,
                 const char *value, size_t value_len);

/*
 * The bytes between the end of the last field's value (or of the version,
 * without fields) and the end of the header as the parser measured it,
 * after the parser zeroed every line ending in place; eol: the length of
 * the request line's ending (2 for CRLF, 1 for a bare LF; 0 when there
 * are no fields to place after it).  What may be there: the last line's
 * ending, continuation lines (obs-fold: starting with SP or HTAB, each
 * with an ending of eol bytes), and the empty line's ending.  Anything
 * else is a line that libmicrohttpd 0.9.75 took for the end of the header
 * without reporting it as a field (a line that starts with ':', whose
 * colon it zeroes, so its ending run is one byte too long), or the rest
 * of a value it cut at a NUL.
 */
void framing_end(struct framing *f, const char *gap, size_t gap_len, size_t eol);

/*
 * Whether the request must be refused: 1 with the status in *status (400,
 * or 501 for a transfer coding other than chunked) and in *why a one-line
 * body naming the problem; 0 when it may be served.  version: the request
 * line's, as "HTTP/1.1": from HTTP/1.1 on a request carries exactly one
 * Host field, and an HTTP/1.0 one has no Transfer-Encoding.
 */
int framing_refused(const struct framing *f, const char *version, unsigned *status,
                    const char **why);

#endif /* GREET_SERVER_FRAMING_H */
