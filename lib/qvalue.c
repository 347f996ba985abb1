/* SPDX-License-Identifier: MIT */
/*
 * qvalue.c - greet_qvalue_parse(): the weight of an item in an HTTP list
 * (RFC 9110 section 12.4.2), for Accept-Language here and Accept in
 * greet-server.
 */
#include "greet-private.h"

/*
 * qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * Every proper prefix of a qvalue is a qvalue too, so the first byte that
 * does not fit is where the error is, and the offset reported is the
 * longest valid prefix: what a caller needs to point at the problem.
 */
greet_status greet_qvalue_parse(const char *src, size_t len, unsigned *thousandths,
                                size_t *err_offset, unsigned flags)
{
  static const unsigned place[3] = {100, 10, 1};
  unsigned q;
  size_t i = 0;

  if (flags != 0)
    return GREET_E_INVALID_FLAGS;
  if (src == NULL && len > 0)
    return GREET_E_INVALID_ARG;
  if (len == 0 || (src[0] != '0' && src[0] != '1'))
    goto bad;
  q = src[0] == '1' ? 1000 : 0;
  i = 1;
  if (i < len && src[i] == '.') {
    for (i = 2; i < len && i < 5; i++) {
      if (src[i] < '0' || src[i] > '9' || (q == 1000 && src[i] != '0'))
        goto bad;
      q += (unsigned)(src[i] - '0') * place[i - 2];
    }
  }
  if (i < len)
    goto bad;
  if (thousandths != NULL)
    *thousandths = q;
  return GREET_OK;
bad:
  if (err_offset != NULL)
    *err_offset = i;
  return GREET_E_BAD_HEADER;
}
