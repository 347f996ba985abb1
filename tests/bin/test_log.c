/* SPDX-License-Identifier: MIT */
/*
 * test_log.c - bin/log.c (escaping, access lines, messages), without a server: exact lines for fixed inputs and times.
 */
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "log.h"

#define T(lit) lit, sizeof(lit) - 1

struct esc_row {
  const char *in;
  size_t in_len;
  const char *json;   /* inside a JSON string */
  const char *text;   /* text format (spaces escaped too) */
};

static const struct esc_row esc_rows[] = {
  {T("/greet/John"), "/greet/John", "/greet/John"},
  {T("a b"), "a b", "a\\x20b"},
  {T("\"q\""), "\\\"q\\\"", "\"q\""},
  {T("back\\slash"), "back\\\\\\\\slash", "back\\\\slash"},
  {T("\\x41"), "\\\\\\\\x41", "\\\\x41"},
  {T("nl\ncr\rtab\t"), "nl\\\\x0acr\\\\x0dtab\\\\x09", "nl\\x0acr\\x0dtab\\x09"},
  {T("nul\0x"), "nul\\\\x00x", "nul\\x00x"},
  {T("\x1b[31m\x7f"), "\\\\x1b[31m\\\\x7f", "\\x1b[31m\\x7f"},
  {T("Ren\xc3\xa9"), "Ren\xc3\xa9", "Ren\xc3\xa9"},
  {T("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
  {T("bad\xff\xfe"), "bad\\\\xff\\\\xfe", "bad\\xff\\xfe"},
  {T("\xc3\x28"), "\\\\xc3(", "\\xc3("},
  {T("\xc0\xaf"), "\\\\xc0\\\\xaf", "\\xc0\\xaf"},                 /* overlong */
  {T("\xed\xa0\x80"), "\\\\xed\\\\xa0\\\\x80", "\\xed\\xa0\\x80"}, /* surrogate */
  {T("\xf4\x90\x80\x80"), "\\\\xf4\\\\x90\\\\x80\\\\x80", "\\xf4\\x90\\x80\\x80"},
  {T("\xe2\x82"), "\\\\xe2\\\\x82", "\\xe2\\x82"},                 /* cut short */
  {T("\xc2\x85"), "\\\\xc2\\\\x85", "\\xc2\\x85"},                 /* C1 NEL */
  {T("\xc2\xa0"), "\xc2\xa0", "\xc2\xa0"},                         /* NBSP is fine */
  {T("\xe2\x80\xa8\xe2\x80\xa9"), "\\\\xe2\\\\x80\\\\xa8\\\\xe2\\\\x80\\\\xa9", "\\xe2\\x80\\xa8\\xe2\\x80\\xa9"},
  {T("\xe2\x80\xae" "evil"), "\\\\xe2\\\\x80\\\\xae" "evil", "\\xe2\\x80\\xae" "evil"},
  {T("\xe2\x81\xa6"), "\\\\xe2\\\\x81\\\\xa6", "\\xe2\\x81\\xa6"},
  {T("\xe2\x80\x94"), "\xe2\x80\x94", "\xe2\x80\x94"},             /* em dash stays */
};

Test(log, escape)
{
  char out[512];
  for (size_t i = 0; i < sizeof esc_rows / sizeof esc_rows[0]; i++) {
    const struct esc_row *r = &esc_rows[i];
    memset(out, '#', sizeof out);
    size_t n = log_escape(r->in, r->in_len, 1, 0, out);
    cr_assert_eq(n, strlen(r->json), "row %zu json length %zu", i, n);
    cr_assert(memcmp(out, r->json, n) == 0, "row %zu json: %.*s", i, (int)n, out);
    cr_assert_eq(out[n], '#', "row %zu wrote past its length", i);
    cr_assert_leq(n, 5 * r->in_len, "row %zu: over 5 bytes per input byte", i);
    n = log_escape(r->in, r->in_len, 0, 1, out);
    cr_assert_eq(n, strlen(r->text), "row %zu text length %zu", i, n);
    cr_assert(memcmp(out, r->text, n) == 0, "row %zu text: %.*s", i, (int)n, out);
  }
}

/* Every byte value, alone and after a lead byte: the JSON form has no raw
 * byte below 0x20, no raw DEL, and no unescaped quote. */
Test(log, escape_all_bytes)
{
  char in[2], out[16];
  for (unsigned a = 0; a < 256; a++)
    for (unsigned b = 0; b < 256; b += 5) {
      in[0] = (char)a;
      in[1] = (char)b;
      size_t n = log_escape(in, 2, 1, 0, out);
      cr_assert_leq(n, 10);
      for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)out[k];
        cr_assert(c >= 0x20 && c != 0x7f, "raw control %02x from %02x %02x", c, a, b);
        if (c == '"')
          cr_assert(k > 0 && out[k - 1] == '\\', "bare quote from %02x %02x", a, b);
      }
    }
}

static struct log_access access_row(void)
{
  struct log_access a = {
    .level = LOG_INFO, .method = "GET", .path = "/greet/John", .path_len = 11,
    .status = 200, .duration_ns = 1234567, .bytes = 12, .remote = "127.0.0.1:5555",
    .request_id = "abc-1", .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
    .span_id = "00f067aa0ba902b7",
  };
  return a;
}

Test(log, access_json)
{
  char line[LOG_LINE_MAX];
  struct log_access a = access_row();
  size_t n = log_format_access(LOG_JSON, &a, 1700000000, 7, line, sizeof line);
  const char *want = "{\"time\":\"2023-11-14T22:13:20.007Z\",\"level\":\"info\",\"msg\":\"request\","
                     "\"method\":\"GET\",\"path\":\"/greet/John\",\"status\":200,\"duration\":0.001234,"
                     "\"bytes\":12,\"remote\":\"127.0.0.1:5555\",\"request_id\":\"abc-1\","
                     "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"}\n";
  cr_assert_eq(n, strlen(want));
  cr_assert(memcmp(line, want, n) == 0, "%.*s", (int)n, line);

  /* leap day, end of a second, the epoch */
  n = log_format_access(LOG_JSON, &a, 1709251199, 999, line, sizeof line);
  cr_assert(memcmp(line, "{\"time\":\"2024-02-29T23:59:59.999Z\"", 34) == 0, "%.*s", 40, line);
  n = log_format_access(LOG_JSON, &a, 0, 0, line, sizeof line);
  cr_assert(memcmp(line, "{\"time\":\"1970-01-01T00:00:00.000Z\"", 34) == 0, "%.*s", 40, line);

  /* a rejection: no method, path, address or id */
  struct log_access r = {.level = LOG_WARN, .status = 431, .msg = "rejected by the HTTP parser"};
  n = log_format_access(LOG_JSON, &r, 0, 0, line, sizeof line);
  want = "{\"time\":\"1970-01-01T00:00:00.000Z\",\"level\":\"warn\",\"msg\":\"rejected by the HTTP parser\","
         "\"status\":431,\"duration\":0.000000,\"bytes\":0}\n";
  cr_assert_eq(n, strlen(want));
  cr_assert(memcmp(line, want, n) == 0, "%.*s", (int)n, line);
}

Test(log, access_text)
{
  char line[LOG_LINE_MAX];
  struct log_access a = access_row();
  a.path = "/greet/a b\n";
  a.path_len = 11;
  size_t n = log_format_access(LOG_TEXT, &a, 1700000000, 7, line, sizeof line);
  const char *want = "2023-11-14T22:13:20.007Z INFO GET /greet/a\\x20b\\x0a 200 0.001234s 12B "
                     "127.0.0.1:5555 id=abc-1 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 "
                     "span_id=00f067aa0ba902b7\n";
  cr_assert_eq(n, strlen(want), "%.*s", (int)n, line);
  cr_assert(memcmp(line, want, n) == 0, "%.*s", (int)n, line);
}

/* The worst case of every field still fits one PIPE_BUF line. */
Test(log, longest_line)
{
  static char path[20000], method[100], id[200], remote[100], trace[100];
  char line[LOG_LINE_MAX];
  memset(path, 0x01, sizeof path);
  memset(method, 0x02, sizeof method - 1);
  memset(id, '"', sizeof id - 1);
  memset(remote, 0x7f, sizeof remote - 1);
  memset(trace, 0x01, sizeof trace - 1);
  struct log_access a = {.level = LOG_ERROR, .method = method, .path = path, .path_len = sizeof path,
                         .status = 599, .duration_ns = UINT64_MAX, .bytes = UINT64_MAX,
                         .remote = remote, .request_id = id, .trace_id = trace,
                         .span_id = trace};
  for (int f = LOG_JSON; f <= LOG_TEXT; f++) {
    size_t n = log_format_access((enum log_format)f, &a, INT32_MAX, 999, line, sizeof line);
    cr_assert_gt(n, 2 * LOG_PATH_MAX);
    cr_assert_leq(n, LOG_LINE_MAX);
    cr_assert_eq(line[n - 1], '\n');
    cr_assert_null(memchr(line, '\n', n - 1), "one line only");
  }
  size_t n = log_format_access(LOG_JSON, &a, 0, 0, line, sizeof line);
  cr_assert_not_null(strstr(line, "\"path_truncated\":true"));
  (void)n;
}

/* log_msg() through a pipe: one line per call in the format chosen, the
 * message escaped, its trailing newlines (libmicrohttpd's) dropped, and
 * nothing below the least level. */
Test(log, messages)
{
  static const struct {
    enum log_format fmt;
    enum log_level level;
    const char *arg, *want_after_time; /* "" : no line */
  } rows[] = {
    {LOG_JSON, LOG_ERROR, "disk \"full\"\n\n", "\",\"level\":\"error\",\"msg\":\"disk \\\"full\\\"\"}\n"},
    {LOG_JSON, LOG_WARN, "tab\there \xC3\xA9", "\",\"level\":\"warn\",\"msg\":\"tab\\\\x09here \xC3\xA9\"}\n"},
    {LOG_TEXT, LOG_INFO, "started on port 5000\n", " INFO started on port 5000\n"},
    {LOG_TEXT, LOG_ERROR, "a\\b \x01", " ERROR a\\\\b \\x01\n"},
    {LOG_TEXT, LOG_DEBUG, "below the least level", ""},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    int fds[2];
    char got[512];
    ssize_t n;
    size_t skip = rows[i].fmt == LOG_JSON ? strlen("{\"time\":\"2026-01-02T03:04:05.678Z") : 24;

    cr_assert_eq(pipe(fds), 0);
    log_setup(rows[i].fmt, LOG_INFO, fds[1]);
    log_msg(rows[i].level, "%s", rows[i].arg);
    close(fds[1]);
    n = read(fds[0], got, sizeof got - 1);
    close(fds[0]);
    cr_assert_geq(n, 0);
    got[n] = '\0';
    if (rows[i].want_after_time[0] == '\0') {
      cr_assert_eq(n, 0, "row %zu: %s", i, got);
      continue;
    }
    cr_assert_gt((size_t)n, skip, "row %zu: %s", i, got);
    cr_assert_str_eq(got + skip, rows[i].want_after_time, "row %zu: %s", i, got);
    cr_assert(rows[i].fmt != LOG_JSON || strncmp(got, "{\"time\":\"", 9) == 0, "row %zu", i);
  }
  log_setup(LOG_JSON, LOG_INFO, 1);
}
