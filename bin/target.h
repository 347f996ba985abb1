/* SPDX-License-Identifier: MIT */
/*
 * target.h - checks of a raw request target (RFC 9112 section 3.2), pure:
 * no decoding is kept, nothing is allocated.
 */
#ifndef GREET_SERVER_TARGET_H
#define GREET_SERVER_TARGET_H

#include <stddef.h>

#include <greet.h>

/*
 * Whether s[0..len), a target or a part of one, holds bytes no client may
 * send in a target (RFC 9112 section 3.2): a raw space (*st GREET_OK; a
 * space is not a libgreet error), a control character or invalid UTF-8
 * (*st the libgreet status that names it).  libmicrohttpd 0.9.75 splits
 * the request line at its last space, so "GET /greet/John Doe HTTP/1.1"
 * arrives as the target "/greet/John Doe".
 */
int target_bytes_bad(const char *s, size_t len, greet_status *st);

/*
 * The query of a request target: what follows its first '?', up to any
 * '#' (RFC 3986 section 3.4), raw, for libgreet's query walk.  0 with
 * *query and *query_len set, or -1 when the target has no '?'.
 */
int target_query(const char *target, size_t target_len, const char **query, size_t *query_len);

/*
 * Reduces a request target to its path (RFC 9112 section 3.2): drops the
 * query and any fragment, turns an absolute-form target into its path.
 * Returns 0 with *path and *path_len set, or -1 when the target has neither
 * form ("greet/John").  The asterisk-form "*" is returned as it is.
 */
int target_path(const char *target, size_t target_len,
                const char **path, size_t *path_len);

/* A path segment's escapes checked (strict percent-decoding), without
 * keeping its decoded bytes: GREET_OK or libgreet's error. */
greet_status target_segment_check(const char *seg, size_t len);

/* Whether a segment decodes to exactly want[0..want_len) (which is short:
 * an endpoint's name). */
int target_segment_is(const char *seg, size_t len, const char *want, size_t want_len);

#endif /* GREET_SERVER_TARGET_H */
