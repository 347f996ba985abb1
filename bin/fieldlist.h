/* SPDX-License-Identifier: MIT */
/*
 * fieldlist.h - HTTP field values that are comma-separated lists
 * (RFC 9110 section 5.6.1), as X-Forwarded-For and Transfer-Encoding are.
 */
#ifndef GREET_SERVER_FIELDLIST_H
#define GREET_SERVER_FIELDLIST_H

#include <stddef.h>

/*
 * The last element of the list in value[0..len), without the optional
 * whitespace (SP, HTAB) around it: *elem points into value and *elem_len
 * may be 0 (an empty value, or one ending in a comma).
 */
void fieldlist_last(const char *value, size_t len, const char **elem, size_t *elem_len);

#endif /* GREET_SERVER_FIELDLIST_H */
