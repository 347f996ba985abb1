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

#endif /* GREET_PRIVATE_H */
