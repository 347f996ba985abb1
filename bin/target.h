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
 * Whether the query of a whole request target (uri, NUL-terminated, as
 * received) holds a raw space, a control character or invalid UTF-8,
 * which make the target invalid (RFC 9112 section 3.2) as they do in the
 * path.
 */
int target_query_bad(const char *uri);

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
