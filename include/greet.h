/* SPDX-License-Identifier: MIT */
/*
 * greet.h - libgreet, the whole public API.
 *
 * libgreet formats greetings (in many languages, from templates, escaped
 * for HTML or JSON), decodes and encodes URL percent-encoding, walks query
 * strings, validates UTF-8, negotiates Accept-Language and reads the
 * weights of HTTP lists.  What is not declared in this header is not API.
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
 *    it needs (unless the input itself is bad: an input error always wins
 *    over a lack of space).  A result is never truncated: on
 *    GREET_E_NOSPACE dst (when cap > 0) holds the empty string and
 *    *out_len the length needed.
 *    GREET_E_INVALID_ARG and GREET_E_INVALID_FLAGS touch neither dst nor
 *    *out_len.
 *
 *  - On an input error (a bad escape, invalid UTF-8, a rejected control
 *    character), *out_len is set to the byte offset in src of the first
 *    offending input, and dst holds the empty string.  out_len may be NULL
 *    when the caller does not want it.
 *
 *  - Every operation (all but greet_strerror() and the version queries)
 *    returns a greet_status and takes unsigned flags; a flag bit the
 *    function does not know is GREET_E_INVALID_FLAGS.  Flags are per
 *    function (GREET_DECODE_* for greet_url_decode(), and so on) and their
 *    values may coincide across functions, so use each function's own.
 *    Checks run in a fixed order: flags, then pointers, then the input,
 *    then the space in dst.
 *
 *  - The library never allocates memory, has no global mutable state and
 *    keeps no pointer after a call returns.  Every function is reentrant
 *    and may be called from any number of threads at once.
 *
 *  - Version: GREET_VERSION_* macros give the version of the headers,
 *    greet_version() that of the library linked at run time.  The API
 *    version (GREET_VERSION_STRING; each declaration says the version it
 *    appeared in) is not the soname (libgreet.so.0), which changes only when the ABI breaks.
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
  GREET_E_C1_CONTROL = 9,    /* a C1 control character (U+0080..U+009F) */
  /* Since: 0.2 */
  GREET_E_BAD_TAG = 10,             /* not a well-formed language tag or range */
  GREET_E_NO_LANG = 11,             /* no supported language matches */
  GREET_E_BAD_HEADER = 12,          /* malformed header field (strict parsing) */
  GREET_E_UNKNOWN_PLACEHOLDER = 13, /* template placeholder other than {name} */
  GREET_E_UNBALANCED_BRACE = 14,    /* template brace without its partner */
  /* Since: 0.3 */
  GREET_E_QUERY_END = 15, /* no more parameters in the query string */
  GREET_E_NO_PARAM = 16   /* no parameter with that key in the query string */
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
 * Returns a static string "MAJOR.MINOR.PATCH", never NULL; equal to
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
 * is NULL with name_len > 0, dst is NULL with cap > 0, or the greeting's
 * length would not fit in a size_t;
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

/*
 * ---------------------------------------------------------------------
 * Since 0.2: languages, Accept-Language, templates and output escaping.
 *
 * Every flag bit below has one meaning across these functions (the
 * GREET_ESCAPE_* modes are shared by the three functions that escape),
 * so a flag given to the wrong function is GREET_E_INVALID_FLAGS rather
 * than some other option.  Languages are named by their BCP 47 tag, never
 * by a number: the catalogue is data inside the library and adding a
 * language changes no declaration here.
 * ---------------------------------------------------------------------
 */

/* Output modes, shared by greet_escape(), greet_format_lang() and
 * greet_template_format().  At most one may be set; none means plain
 * text (UTF-8 copied as it is).  Since: 0.2 */
#define GREET_ESCAPE_HTML 0x1u /* & < > " ' as &amp; &lt; &gt; &quot; &#39; */
#define GREET_ESCAPE_JSON 0x2u /* JSON string contents (RFC 8259), no quotes added */

/*
 * greet_escape - escape UTF-8 text for HTML or a JSON string.
 *
 * src, src_len:  the text; it must be valid UTF-8 (GREET_E_BAD_UTF8 with
 *                the offset of the first bad sequence otherwise).
 * dst, cap:      caller buffer, must not overlap src; dst == NULL and
 *                cap == 0 asks for the size.
 * out_len:       receives the escaped length without the NUL, or the
 *                offset of the bad byte on GREET_E_BAD_UTF8.
 * flags:         GREET_ESCAPE_HTML, GREET_ESCAPE_JSON, or 0 for plain text
 *                (a validated copy).  Both at once is GREET_E_INVALID_FLAGS.
 *
 * HTML: the five characters & < > " ' become &amp; &lt; &gt; &quot; &#39;,
 * which makes the result safe as element text and as a quoted attribute
 * value.  Nothing else changes (control characters included: reject them
 * where the text comes in).  JSON: '"' and '\' are backslashed; U+0008,
 * U+0009, U+000A, U+000C, U+000D become \b \t \n \f \r; the other
 * U+0000..U+001F become \u00XX (lower-case hex); U+2028 and U+2029 become
 * \u2028 and \u2029 so the string is also valid JavaScript; every other
 * character, non-ASCII included, is copied as UTF-8.  The result is the
 * inside of a JSON string: the caller writes the quotes.
 *
 * Returns GREET_OK, GREET_E_NOSPACE, GREET_E_BAD_UTF8, GREET_E_INVALID_ARG
 * (also when the escaped size would not fit in a size_t) or
 * GREET_E_INVALID_FLAGS.  Since: 0.2
 */
GREET_API GREET_NODISCARD greet_status
greet_escape(const char *src, size_t src_len,
             char *dst, size_t cap, size_t *out_len, unsigned flags);

/* What greet_lang_at() and greet_lang_lookup() write instead of the tag
 * (at most one).  Since: 0.2 */
#define GREET_LANG_NAME 0x100u /* the language's name in itself ("Deutsch") */
#define GREET_LANG_DIR  0x200u /* its writing direction: "ltr" or "rtl" */

/*
 * greet_lang_count - how many languages the catalogue has.
 *
 * At least 20; the number grows in later versions.  A plain query like
 * greet_version(): it cannot fail, so it has no status and no flags.
 * Since: 0.2
 */
GREET_API size_t greet_lang_count(void);

/*
 * greet_lang_at - the tag (or name, or direction) of a catalogue language.
 *
 * index:         0 .. greet_lang_count() - 1.  The order is the tags'
 *                ASCII order; it is for listing only and may change when
 *                languages are added, so store tags, never indexes.
 * dst, cap, out_len: as everywhere; tags are short ASCII ("en", "fr-CA").
 * flags:         0 for the canonical tag, GREET_LANG_NAME or GREET_LANG_DIR.
 *
 * Returns GREET_OK, GREET_E_NOSPACE, GREET_E_NO_LANG when index is past
 * the end (dst empty, *out_len 0), GREET_E_INVALID_ARG or
 * GREET_E_INVALID_FLAGS.  Since: 0.2
 */
GREET_API GREET_NODISCARD greet_status
greet_lang_at(size_t index, char *dst, size_t cap, size_t *out_len,
              unsigned flags);

/*
 * greet_lang_lookup - find the catalogue language for a tag (RFC 4647 3.4).
 *
 * tag, tag_len:  a language tag or basic language range such as "pt-BR",
 *                "zh-Hant-TW" or "FR"; case does not matter.
 * dst, cap, out_len: receive the canonical tag of the match ("pt", "zh",
 *                "fr"), or what flags ask for instead.
 * flags:         0, GREET_LANG_NAME or GREET_LANG_DIR.
 *
 * RFC 4647 lookup: the tag itself is tried first, then it is shortened one
 * subtag at a time from the end (a single-letter subtag such as "x" goes
 * together with the one after it): "zh-Hant-TW" tries "zh-Hant-TW",
 * "zh-Hant", "zh".  The tag must have the syntax of an RFC 4647 basic
 * language range, 1*8ALPHA *("-" 1*8alphanum), otherwise the result is
 * GREET_E_BAD_TAG with *out_len the offset of the first offending byte
 * (no whitespace is trimmed).  A well-formed tag that matches nothing, and
 * the range "*" (which lookup ignores), give GREET_E_NO_LANG with dst empty
 * and *out_len 0: the caller then uses its own default.
 *
 * Returns GREET_OK, GREET_E_NOSPACE, GREET_E_BAD_TAG, GREET_E_NO_LANG,
 * GREET_E_INVALID_ARG or GREET_E_INVALID_FLAGS.  Since: 0.2
 */
GREET_API GREET_NODISCARD greet_status
greet_lang_lookup(const char *tag, size_t tag_len,
                  char *dst, size_t cap, size_t *out_len, unsigned flags);

/* Flag of greet_format_lang().  Since: 0.2 */
#define GREET_LANG_NO_ISOLATE 0x400u /* no U+2068/U+2069 around the name in RTL greetings */

/*
 * greet_format_lang - write the greeting in a language of the catalogue.
 *
 * lang, lang_len:  the language, matched as by greet_lang_lookup(), so
 *                  "pt-BR" greets in Portuguese.
 * name, name_len:  the name, valid UTF-8, as for greet_format().
 * dst, cap:        caller buffer, must overlap neither input.
 * out_len:         the greeting's length without the NUL; on
 *                  GREET_E_BAD_TAG the offset in lang, on GREET_E_BAD_UTF8
 *                  the offset in name, on GREET_E_NO_LANG 0.
 * flags:           GREET_ESCAPE_HTML or GREET_ESCAPE_JSON, and
 *                  GREET_LANG_NO_ISOLATE.
 *
 * Each language has its own wording and punctuation: "en" gives exactly
 * what greet_format() gives, "es" opens with U+00A1 INVERTED EXCLAMATION
 * MARK, "fr" puts U+202F NARROW NO-BREAK SPACE before its '!', "ja" and
 * "zh" use fullwidth punctuation.  In right-to-left
 * languages (GREET_LANG_DIR is "rtl") the name is wrapped in U+2068 FIRST
 * STRONG ISOLATE .. U+2069 POP DIRECTIONAL ISOLATE, so that a name in
 * another script, or one that starts or ends with digits or punctuation,
 * neither reorders the greeting around it nor is reordered itself; the
 * caller who isolates by other means (HTML <bdi>) can turn that off.  With
 * an escape mode the whole greeting is escaped, not only the name: the
 * result is exactly greet_escape() of the plain greeting.
 *
 * Returns GREET_OK, GREET_E_NOSPACE, GREET_E_BAD_TAG, GREET_E_NO_LANG,
 * GREET_E_BAD_UTF8, GREET_E_INVALID_ARG or GREET_E_INVALID_FLAGS; lang is
 * checked before name.  Since: 0.2
 */
GREET_API GREET_NODISCARD greet_status
greet_format_lang(const char *lang, size_t lang_len,
                  const char *name, size_t name_len,
                  char *dst, size_t cap, size_t *out_len, unsigned flags);

/* Flag of greet_accept_language().  Since: 0.2 */
#define GREET_ACCEPT_STRICT 0x800u /* a malformed item is GREET_E_BAD_HEADER, not skipped */

/*
 * greet_accept_language - choose a language from an Accept-Language field.
 *
 * header, header_len:      the field value (RFC 9110 section 12.5.4), e.g.
 *                          "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5".  An empty
 *                          value (or NULL with 0) means no header.
 * fallback, fallback_len:  the caller's default language, used when the
 *                          client has no preference or accepts "*"; it
 *                          must match a catalogue language (as by
 *                          greet_lang_lookup()), else GREET_E_INVALID_ARG.
 * dst, cap, out_len:       receive the canonical tag chosen.
 * flags:                   0 or GREET_ACCEPT_STRICT.
 *
 * Each item is a language range with an optional ";q=" weight (0 to 1,
 * up to three decimals, "q" in either case; 1 when absent), separated by
 * commas with optional spaces and tabs; empty items are ignored.  A
 * malformed item is skipped (with GREET_ACCEPT_STRICT it is
 * GREET_E_BAD_HEADER, *out_len the offset of the offending byte): one bad
 * item must not cost the client the language it asked for.
 *
 * The ranges are tried in order of weight, ties in the order written, and
 * each is matched by RFC 4647 lookup ("fr-CH" chooses "fr").  A range with
 * q=0 makes the languages it covers by prefix ("fr" covers "fr-CA")
 * unacceptable, whatever other items say.  A lookup stops at the first
 * catalogue tag it reaches, acceptable or not: with "fr-CA;q=0,
 * fr-CA-x-foo" the second range reaches fr-CA, which is excluded, and
 * does not go on to "fr" (the client asked for Canadian French, not for
 * French in general).  "*" stands for any language no
 * other range names: the fallback if that one is free, else the first such
 * language in greet_lang_at() order; "*;q=0" turns that off.
 *
 * Results: GREET_OK with a tag the client accepts.  Also GREET_OK with the
 * fallback when the value holds no valid item at all (empty, or all
 * malformed): like a missing header, that accepts any language.
 * GREET_E_NO_LANG (dst empty, *out_len 0) when the client named languages
 * but none that is in the catalogue and acceptable ("xx", "fr;q=0",
 * "*;q=0").  RFC 9110 lets a server then either ignore the header or
 * answer 406, and discourages the 406: serve the fallback, and keep 406
 * for Accept (media types).
 *
 * Returns GREET_OK, GREET_E_NOSPACE, GREET_E_NO_LANG, GREET_E_BAD_HEADER,
 * GREET_E_INVALID_ARG or GREET_E_INVALID_FLAGS.  Since: 0.2
 */
GREET_API GREET_NODISCARD greet_status
greet_accept_language(const char *header, size_t header_len,
                      const char *fallback, size_t fallback_len,
                      char *dst, size_t cap, size_t *out_len, unsigned flags);

/* Flag of greet_template_format().  Since: 0.2 */
#define GREET_TEMPLATE_ISOLATE 0x1000u /* wrap the name in U+2068 .. U+2069 */

/*
 * greet_template_validate - check a greeting template once.
 *
 * tmpl, tmpl_len:  the template, e.g. "Hi {name}, welcome!".  It must be
 *                  valid UTF-8.  "{name}" is replaced by the name (any
 *                  number of times, or not at all); "{{" and "}}" stand
 *                  for literal braces, as in Python's str.format().
 * err_offset:      on an error, the offset of the first problem: the
 *                  first byte of a bad UTF-8 sequence, the '{' of an
 *                  unknown placeholder, or the brace that has no partner
 *                  (a '{' not closed before the next '{' or the end, a
 *                  single '}').  May be NULL.  Untouched on success.
 * flags:           must be 0.
 *
 * Templates are data: nothing in them ever reaches printf, and '%' is an
 * ordinary character.  Returns GREET_OK, GREET_E_BAD_UTF8,
 * GREET_E_UNKNOWN_PLACEHOLDER, GREET_E_UNBALANCED_BRACE,
 * GREET_E_INVALID_ARG or GREET_E_INVALID_FLAGS.  Since: 0.2
 */
GREET_API GREET_NODISCARD greet_status
greet_template_validate(const char *tmpl, size_t tmpl_len, size_t *err_offset,
                        unsigned flags);

/*
 * greet_template_format - fill a template with a name.
 *
 * tmpl, tmpl_len:  a template as for greet_template_validate(); it is
 *                  checked again, in the same pass that measures the
 *                  result, so an invalid one gives the same status and
 *                  offset as greet_template_validate().
 * name, name_len:  the name, valid UTF-8.
 * dst, cap:        caller buffer, must overlap neither input.
 * out_len:         the result's length without the NUL, or the offset of
 *                  an input error: in tmpl for a template error, in name
 *                  for GREET_E_BAD_UTF8 once the template is valid (the
 *                  template is checked first, so after a successful
 *                  greet_template_validate() a GREET_E_BAD_UTF8 is the
 *                  name's).
 * flags:           GREET_ESCAPE_HTML or GREET_ESCAPE_JSON, and
 *                  GREET_TEMPLATE_ISOLATE.
 *
 * With an escape mode the template's own text is escaped too, not only
 * the name: a template is text, not markup, so "Tom & {name}" stays valid
 * HTML and a template from a configuration file cannot inject a <script>.
 * Put markup around the result instead.
 *
 * Returns GREET_OK, GREET_E_NOSPACE, GREET_E_BAD_UTF8,
 * GREET_E_UNKNOWN_PLACEHOLDER, GREET_E_UNBALANCED_BRACE,
 * GREET_E_INVALID_ARG or GREET_E_INVALID_FLAGS.  Since: 0.2
 */
GREET_API GREET_NODISCARD greet_status
greet_template_format(const char *tmpl, size_t tmpl_len,
                      const char *name, size_t name_len,
                      char *dst, size_t cap, size_t *out_len, unsigned flags);

/*
 * ---------------------------------------------------------------------
 * Since 0.3: the other half of URL handling, percent-encoding and query
 * strings; and the weights of HTTP lists.
 *
 * The flag bits below are new bits, unused by 0.1 and 0.2 functions, so
 * a GREET_ENCODE_* flag given to a decoder (or the other way round) is
 * GREET_E_INVALID_FLAGS.  The query functions take the GREET_DECODE_*
 * flags of greet_url_decode(), with the same meaning, plus their own.
 * ---------------------------------------------------------------------
 */

/* Flags of greet_url_encode().  None of the two contexts means a path
 * segment; at most one may be set.  Since: 0.3 */
#define GREET_ENCODE_FORM 0x2000u /* query or form value: ' ' as '+' */
#define GREET_ENCODE_PATH 0x4000u /* a whole path: '/' kept as it is */
#define GREET_ENCODE_UTF8 0x8000u /* the input must be valid UTF-8 */

/*
 * greet_url_encode - percent-encode bytes for a URL (RFC 3986 section 2.1).
 *
 * src, src_len:  the bytes to encode, any bytes (a NUL is data).
 * dst, cap:      caller buffer, must not overlap src; dst == NULL and
 *                cap == 0 asks for the size.
 * out_len:       receives the encoded length without the NUL, or the
 *                offset of the first bad byte on GREET_E_BAD_UTF8.
 * flags:         0 or one context, GREET_ENCODE_FORM or GREET_ENCODE_PATH
 *                (both is GREET_E_INVALID_FLAGS), and GREET_ENCODE_UTF8.
 *
 * The unreserved characters of RFC 3986 (A-Z a-z 0-9 - . _ ~) are copied;
 * every other byte becomes "%XX" with upper-case hex digits.  The context
 * says what else is kept:
 *   0 (a path segment)   nothing: '/', '?', '#', '&', '=', '+' and ' ' are
 *                        all encoded, so the result is one segment, a
 *                        query key or a value whatever the input.  Same
 *                        output as curl_easy_escape() and Python's
 *                        urllib.parse.quote(s, safe='').
 *   GREET_ENCODE_FORM    ' ' becomes '+' (application/x-www-form-
 *                        urlencoded, as browsers send forms; Python's
 *                        quote_plus(s, safe='')); decode it with
 *                        GREET_DECODE_PLUS_SPACE.  '+' itself is "%2B".
 *   GREET_ENCODE_PATH    '/' is kept: a whole path, its segments encoded.
 * So greet_url_decode() (with GREET_DECODE_PLUS_SPACE for the form
 * context) gives back exactly src, in every context.  The result is at
 * most 3 * src_len bytes.
 *
 * GREET_ENCODE_UTF8 is for callers who encode text, not bytes: the input
 * must then be valid UTF-8 (RFC 3629), otherwise the result is
 * GREET_E_BAD_UTF8 with *out_len the offset of the first bad sequence.
 *
 * Returns GREET_OK, GREET_E_NOSPACE, GREET_E_BAD_UTF8, GREET_E_INVALID_ARG
 * (also when the encoded length would not fit in a size_t) or
 * GREET_E_INVALID_FLAGS.  Since: 0.3
 */
GREET_API GREET_NODISCARD greet_status
greet_url_encode(const char *src, size_t src_len,
                 char *dst, size_t cap, size_t *out_len, unsigned flags);

/* Flag of greet_query_next() and greet_query_get(), which also take
 * GREET_DECODE_LENIENT, GREET_DECODE_PLUS_SPACE, GREET_DECODE_REJECT_NUL
 * and GREET_DECODE_REJECT_CTL.  Since: 0.3 */
#define GREET_QUERY_SEMICOLON 0x10000u /* ';' separates parameters too */

/*
 * greet_query_next - the next key and value of a query string.
 *
 * query, query_len:  the raw query, without the '?' and without any
 *                    "#fragment": "a=1&b=x%20y".
 * pos:               the cursor: the offset in query where the walk goes
 *                    on.  Set it to 0 before the first call; each
 *                    GREET_OK moves it past the parameter returned.  Any
 *                    other result leaves it as it was, so the same call
 *                    can be made again with larger buffers.
 * key, key_cap, key_len:  caller buffer for the decoded key, as for any
 *                    output (key == NULL and key_cap == 0 asks only for
 *                    its length).
 * val, val_cap, val_len:  the same for the decoded value.
 * flags:             GREET_DECODE_* flags, applied to each key and value
 *                    as by greet_url_decode(); GREET_QUERY_SEMICOLON.
 *
 * The query is split on '&' (and on ';' with GREET_QUERY_SEMICOLON) as
 * RFC 3986 section 3.4 and the WHATWG URL standard split it; empty pieces
 * ("a=1&&b=2", a trailing '&') are skipped.  The key runs to the first
 * '=' of a piece and the value is the rest, '=' included: "a=b=c" is key
 * "a", value "b=c"; a piece without '=' has an empty value.  Separators
 * and '=' are found in the raw text, so "%26" and "%3D" decode to data.
 * Nothing is allocated and the query is only read: every call decodes
 * one parameter into the two buffers.
 *
 * Results: GREET_OK with the key and value in the buffers and *key_len,
 * *val_len their lengths.  GREET_E_QUERY_END when no parameter is left
 * (both buffers empty, lengths 0).  GREET_E_NOSPACE when either buffer is
 * too small: both are left empty and *key_len, *val_len receive the
 * lengths needed.  An input error (GREET_E_BAD_ESCAPE unless
 * GREET_DECODE_LENIENT, or a control character a REJECT flag refuses)
 * leaves both buffers empty, sets *key_len and *val_len to its offset in
 * query, and wins over a lack of space.  GREET_E_INVALID_ARG when pos is
 * NULL, *pos > query_len, or a pointer is NULL with a non-zero size;
 * GREET_E_INVALID_FLAGS.  key_len and val_len may be NULL.  Since: 0.3
 */
GREET_API GREET_NODISCARD greet_status
greet_query_next(const char *query, size_t query_len, size_t *pos,
                 char *key, size_t key_cap, size_t *key_len,
                 char *val, size_t val_cap, size_t *val_len, unsigned flags);

/*
 * greet_query_get - the value of the first parameter with a given key.
 *
 * query, query_len:  the raw query, as for greet_query_next().
 * key, key_len:      the key, decoded ("lang", or "a b" for "a+b" with
 *                    GREET_DECODE_PLUS_SPACE); compared byte for byte.
 * dst, cap, out_len: receive the decoded value.
 * flags:             as for greet_query_next().
 *
 * The result is what walking the query with greet_query_next(), with
 * buffers large enough, gives for the first parameter whose key equals
 * key: its value, or the first input error met on the way there (a strict
 * walk rejects a bad escape even in an earlier parameter; a later one is
 * never looked at).  No buffer is needed for the keys of the other
 * parameters.  A key present without '=' has the empty value.
 *
 * Returns GREET_OK, GREET_E_NO_PARAM (dst empty, *out_len 0),
 * GREET_E_NOSPACE, GREET_E_BAD_ESCAPE, GREET_E_NUL, GREET_E_C0_CONTROL,
 * GREET_E_DEL, GREET_E_C1_CONTROL (with *out_len the offset in query),
 * GREET_E_INVALID_ARG or GREET_E_INVALID_FLAGS.  Since: 0.3
 */
GREET_API GREET_NODISCARD greet_status
greet_query_get(const char *query, size_t query_len, const char *key, size_t key_len,
                char *dst, size_t cap, size_t *out_len, unsigned flags);

/*
 * greet_qvalue_parse - the weight of an item in an HTTP list such as
 * Accept or Accept-Language (RFC 9110 section 12.4.2).
 *
 * src, len:      the qvalue alone: what follows "q=" in a weight, without
 *                the "q=", the ';' before it or the whitespace around it,
 *                e.g. "0.8".
 * thousandths:   on GREET_OK receives the weight in thousandths, 0 to 1000
 *                ("0.8" gives 800, "1" gives 1000).  May be NULL to only
 *                check the syntax.  Untouched on an error.
 * err_offset:    on GREET_E_BAD_HEADER receives the offset in src of the
 *                first byte that cannot continue a qvalue (len when src is
 *                empty).  May be NULL.  Untouched on success.
 * flags:         must be 0.
 *
 * The grammar is RFC 9110's, exactly: "0" with an optional '.' and up to
 * three digits, or "1" with an optional '.' and up to three zeros.  So
 * "0", "0.", "0.5", "0.125", "1", "1.000" are weights and "", ".5", "0.1234",
 * "1.5", "2", "+0.5", "0.5 " are not: the caller trims the whitespace and
 * finds the end of the value (the next ';', ',' or OWS), and every byte
 * of src is checked.  The result is an integer so that weights compare
 * exactly ("0.3" and "0.300" are both 300), with no locale or strtod().
 *
 * Returns GREET_OK, GREET_E_BAD_HEADER, GREET_E_INVALID_ARG (src NULL with
 * len > 0) or GREET_E_INVALID_FLAGS.  Since: 0.3
 */
GREET_API GREET_NODISCARD greet_status
greet_qvalue_parse(const char *src, size_t len, unsigned *thousandths,
                   size_t *err_offset, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* GREET_H */
