/*
 * greet.h - libgreet, the whole public API.
 *
 * libgreet formats greetings and decodes URL percent-encoding.  What is not
 * declared in this header is not API.
 *
 * Conventions (the same for every function; see greet(3)):
 *
 *  - Inputs are (const char *src, size_t len): bytes, not C strings.  A
 *    NUL inside the input is data.  src may be NULL only when len is 0.
 *
 *  - Outputs go to a buffer the caller owns: (char *dst, size_t cap,
 *    size_t *out_len).  On success dst holds the result followed by a
 *    terminating NUL, and *out_len its length without the NUL, so cap must
 *    be at least *out_len + 1.  dst == NULL with cap == 0 is a size query:
 *    the function returns GREET_E_NOSPACE and sets *out_len to the length
 *    it needs.  A result is never truncated: on GREET_E_NOSPACE dst (when
 *    cap > 0) holds the empty string and *out_len the length needed.
 *    GREET_E_INVALID_ARG and GREET_E_INVALID_FLAGS touch neither dst nor
 *    *out_len.
 *
 *  - On an input error (a bad escape, invalid UTF-8, a rejected control
 *    character), *out_len is set to the byte offset in src of the first
 *    offending input, and dst holds the empty string.  out_len may be NULL
 *    when the caller does not want it.
 *
 *  - Every function returns a greet_status and takes unsigned flags; a flag
 *    bit the function does not know is GREET_E_INVALID_FLAGS.  Flags are
 *    per function: GREET_DECODE_* for greet_url_decode(), and so on.
 *
 *  - The library never allocates memory, has no global mutable state and
 *    keeps no pointer after a call returns.  Every function is reentrant
 *    and may be called from any number of threads at once.
 *
 *  - Version: GREET_VERSION_* macros give the version of the headers,
 *    greet_version() that of the library linked at run time.  The API
 *    version (0.1.0) is not the soname (libgreet.so.0), which changes only
 *    when the ABI breaks.
 */
#ifndef GREET_H
#define GREET_H

#include <stddef.h>

#include "greet-version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GREET_API marks what the shared library exports; everything else is
 * hidden.  Define GREET_STATIC when linking the static library on Windows. */
#if defined(_WIN32) && !defined(GREET_STATIC)
#  ifdef GREET_BUILDING
#    define GREET_API __declspec(dllexport)
#  else
#    define GREET_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define GREET_API __attribute__((visibility("default")))
#else
#  define GREET_API
#endif

/* A status that is ignored is almost always a bug: a caller that does not
 * look at it may use an empty or stale buffer. */
#if defined(__GNUC__) && __GNUC__ >= 4
#  define GREET_NODISCARD __attribute__((warn_unused_result))
#else
#  define GREET_NODISCARD
#endif

/*
 * Status codes.  The values are fixed: a code is never renumbered and never
 * reused.  greet_strerror() describes each.  Since: 0.1
 */
typedef enum greet_status {
  GREET_OK = 0,              /* success */
  GREET_E_INVALID_ARG = 1,   /* NULL pointer with a non-zero length or capacity */
  GREET_E_INVALID_FLAGS = 2, /* a flag bit this function does not know */
  GREET_E_NOSPACE = 3,       /* dst too small; *out_len is the length needed */
  GREET_E_BAD_ESCAPE = 4,    /* '%' not followed by two hex digits */
  GREET_E_BAD_UTF8 = 5,      /* not valid UTF-8 (RFC 3629) */
  GREET_E_NUL = 6,           /* a NUL byte (U+0000) */
  GREET_E_C0_CONTROL = 7,    /* a C0 control character (U+0001..U+001F) */
  GREET_E_DEL = 8,           /* the DEL character (U+007F) */
  GREET_E_C1_CONTROL = 9     /* a C1 control character (U+0080..U+009F) */
} greet_status;

/*
 * greet_strerror - describe a status code.
 *
 * Returns a static, NUL-terminated, one-line English description of
 * `status` (no trailing newline or period), never NULL.  A value that is
 * not a known code gives "unknown error".  The string must not be freed.
 * Since: 0.1
 */
GREET_API const char *greet_strerror(greet_status status);

/*
 * greet_version - the version of the library linked at run time.
 *
 * Returns (major << 16) | (minor << 8) | patch, comparable with
 * GREET_VERSION_HEX from the headers.  Since: 0.1
 */
GREET_API unsigned long greet_version(void);

/*
 * greet_version_string - the version of the linked library as text.
 *
 * Returns a static string such as "0.1.0", never NULL; equal to
 * GREET_VERSION_STRING when headers and library match.  Since: 0.1
 */
GREET_API const char *greet_version_string(void);

/*
 * greet_format - write the greeting "Hello, <name>!".
 *
 * name, name_len:  the name, UTF-8, any length.  It must be valid UTF-8
 *                  (RFC 3629); control characters are allowed (reject
 *                  them when decoding, see GREET_DECODE_REJECT_CTL).
 * dst, cap:        caller buffer; dst == NULL and cap == 0 asks for the size.
 * out_len:         receives the greeting's length without the NUL, or, on
 *                  GREET_E_BAD_UTF8, the offset of the first bad byte.
 * flags:           must be 0 in this version.
 *
 * Returns GREET_OK; GREET_E_NOSPACE when cap < *out_len + 1 (dst is left
 * empty, never truncated); GREET_E_BAD_UTF8; GREET_E_INVALID_ARG when name
 * is NULL with name_len > 0 or dst is NULL with cap > 0;
 * GREET_E_INVALID_FLAGS.  dst must not overlap name.
 * Since: 0.1
 */
GREET_API GREET_NODISCARD greet_status
greet_format(const char *name, size_t name_len,
             char *dst, size_t cap, size_t *out_len, unsigned flags);

/* Flags of greet_url_decode().  Since: 0.1 */
#define GREET_DECODE_LENIENT    0x1u /* copy a '%' not followed by two hex digits as it is */
#define GREET_DECODE_PLUS_SPACE 0x2u /* '+' decodes to ' ' (forms, queries; never paths) */
#define GREET_DECODE_REJECT_NUL 0x4u /* a decoded NUL is GREET_E_NUL */
#define GREET_DECODE_REJECT_CTL 0x8u /* NUL, C0, DEL and C1 controls are errors */

/*
 * greet_url_decode - decode URL percent-encoding (RFC 3986 section 2.1).
 *
 * src, src_len:  the encoded text.
 * dst, cap:      caller buffer; dst == src decodes in place (decoding never
 *                lengthens), and then cap may be anything from the decoded
 *                length + 1 up.  Any other overlap of dst and src is
 *                undefined.  dst == NULL and cap == 0 asks for the size.
 * out_len:       receives the decoded length without the NUL or, on an
 *                input error, the offset in src of the offending '%' or byte.
 * flags:         GREET_DECODE_* bits or 0.
 *
 * Decoding is strict by default: "%" must be followed by two hex digits
 * (either case), otherwise the result is GREET_E_BAD_ESCAPE.  With
 * GREET_DECODE_LENIENT such a "%" is copied through unchanged.  "+" is
 * kept as "+" unless GREET_DECODE_PLUS_SPACE is set.  Every decoded byte is
 * data: "%2F" gives "/", "%2541" gives "%41" (decode exactly once).
 *
 * GREET_DECODE_REJECT_NUL rejects a decoded or raw NUL (GREET_E_NUL).
 * GREET_DECODE_REJECT_CTL also rejects C0 controls (GREET_E_C0_CONTROL),
 * DEL (GREET_E_DEL) and C1 controls (GREET_E_C1_CONTROL, the UTF-8 pairs
 * C2 80..C2 9F), whether they were escaped or raw.  The output is not
 * otherwise checked for valid UTF-8: use greet_utf8_validate().
 *
 * Returns GREET_OK, GREET_E_NOSPACE, GREET_E_BAD_ESCAPE, GREET_E_NUL,
 * GREET_E_C0_CONTROL, GREET_E_DEL, GREET_E_C1_CONTROL, GREET_E_INVALID_ARG
 * or GREET_E_INVALID_FLAGS.  After GREET_E_NOSPACE or an input error, dst
 * holds the empty string when cap > 0 (in place, the input is then lost);
 * GREET_E_INVALID_ARG and GREET_E_INVALID_FLAGS leave dst and *out_len
 * untouched.  Since: 0.1
 */
GREET_API GREET_NODISCARD greet_status
greet_url_decode(const char *src, size_t src_len,
                 char *dst, size_t cap, size_t *out_len, unsigned flags);

/* Flags of greet_utf8_validate().  Since: 0.1 */
#define GREET_UTF8_REJECT_NUL 0x1u /* U+0000 is GREET_E_NUL */
#define GREET_UTF8_REJECT_CTL 0x2u /* U+0000, C0, DEL and C1 controls are errors */

/*
 * greet_utf8_validate - check that bytes are valid UTF-8 (RFC 3629).
 *
 * src, len:     the bytes to check.
 * err_offset:   on an error, receives the offset of the first byte of the
 *               offending sequence; may be NULL.  Untouched on success.
 * flags:        GREET_UTF8_* bits or 0.
 *
 * Strict per RFC 3629 section 4: overlong forms, surrogates (U+D800..
 * U+DFFF), code points above U+10FFFF, stray continuation bytes, the bytes
 * C0, C1 and F5..FF, and a sequence cut short (also at the end of the
 * input) are all GREET_E_BAD_UTF8.  With the REJECT flags the code points
 * are checked as for GREET_DECODE_REJECT_NUL / _CTL.
 *
 * Returns GREET_OK, GREET_E_BAD_UTF8, GREET_E_NUL, GREET_E_C0_CONTROL,
 * GREET_E_DEL, GREET_E_C1_CONTROL, GREET_E_INVALID_ARG or
 * GREET_E_INVALID_FLAGS.  Since: 0.1
 */
GREET_API GREET_NODISCARD greet_status
greet_utf8_validate(const char *src, size_t len, size_t *err_offset,
                    unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* GREET_H */
