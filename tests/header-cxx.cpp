/* SPDX-License-Identifier: MIT */
// header-cxx.cpp - <greet.h> compiles as C++ and its functions link with C
// linkage (the extern "C" guards), with -pedantic and the usual warnings.
#include <greet.h>

#include <cstring>

int main()
{
  char buf[32];
  std::size_t n = 0;

  if (greet_format("C++", 3, buf, sizeof buf, &n, 0) != GREET_OK ||
      std::strcmp(buf, "Hello, C++!") != 0 || n != 11)
    return 1;
  if (greet_url_decode("%43%2B%2B", 9, buf, sizeof buf, &n, GREET_DECODE_REJECT_CTL) != GREET_OK ||
      std::strcmp(buf, "C++") != 0)
    return 1;
  if (greet_utf8_validate("\xC3\xA9", 2, nullptr, GREET_UTF8_REJECT_CTL) != GREET_OK)
    return 1;
  if (greet_version() != GREET_VERSION_HEX ||
      std::strcmp(greet_version_string(), GREET_VERSION_STRING) != 0)
    return 1;
  return std::strcmp(greet_strerror(GREET_E_NOSPACE), "unknown error") == 0;
}
