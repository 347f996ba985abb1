/* SPDX-License-Identifier: MIT */
/*
 * fieldlist.c - the last element of a comma-separated field value.
 */
#include "fieldlist.h"
#include "util.h"

void fieldlist_last(const char *value, size_t len, const char **elem, size_t *elem_len)
{
  const char *end = value + len, *start;

  while (end > value && is_ows(end[-1]))
    end--;
  start = end;
  while (start > value && start[-1] != ',')
    start--;
  while (start < end && is_ows(*start))
    start++;
  *elem = start;
  *elem_len = (size_t)(end - start);
}
