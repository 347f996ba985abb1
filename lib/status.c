/* SPDX-License-Identifier: MIT */
/*
 * status.c - greet_strerror().
 */
#include "greet.h"

/*
 * A switch with no default case: -Wswitch then flags any status code that
 * has no message.  Messages are one line, lower case, no final period, so
 * callers can embed them ("400 Bad Request: <message>").
 */
const char *greet_strerror(greet_status status)
{
  switch (status) {
  case GREET_OK:
    return "success";
  case GREET_E_INVALID_ARG:
    return "invalid argument: NULL pointer with a non-zero length or capacity";
  case GREET_E_INVALID_FLAGS:
    return "invalid flags: a flag bit this function does not know";
  case GREET_E_NOSPACE:
    return "output buffer too small";
  case GREET_E_BAD_ESCAPE:
    return "bad percent-escape: '%' must be followed by two hex digits";
  case GREET_E_BAD_UTF8:
    return "invalid UTF-8";
  case GREET_E_NUL:
    return "NUL character (U+0000) not allowed";
  case GREET_E_C0_CONTROL:
    return "C0 control character (U+0001 to U+001F) not allowed";
  case GREET_E_DEL:
    return "DEL character (U+007F) not allowed";
  case GREET_E_C1_CONTROL:
    return "C1 control character (U+0080 to U+009F) not allowed";
  case GREET_E_BAD_TAG:
    return "malformed language tag";
  case GREET_E_NO_LANG:
    return "no supported language matches";
  case GREET_E_BAD_HEADER:
    return "malformed header field";
  case GREET_E_UNKNOWN_PLACEHOLDER:
    return "unknown template placeholder: only {name} is defined";
  case GREET_E_UNBALANCED_BRACE:
    return "unbalanced brace in template: write {{ or }} for a literal brace";
  case GREET_E_QUERY_END:
    return "no more parameters in the query string";
  case GREET_E_NO_PARAM:
    return "no parameter with that key in the query string";
  }
  return "unknown error";
}
