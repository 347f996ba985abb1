/* SPDX-License-Identifier: MIT */
/*
 * log.c - lines built in a stack buffer by hand and written with one
 * write(2): no stdio (its lock would serialize the workers), no
 * allocation, and a line no longer than PIPE_BUF so that concurrent lines
 * never interleave on a pipe.
 */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, gmtime_r, sysconf */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <greet.h>

#include "log.h"
#include "reqid.h"
#include "trace.h"
#include "util.h"

static enum log_format log_fmt = LOG_JSON;
static enum log_level log_min = LOG_INFO;
static int log_fd = 1;

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const char *const level_upper[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_setup(enum log_format format, enum log_level min_level, int fd)
{
  log_fmt = format;
  log_min = min_level;
  log_fd = fd;
}

int log_enabled(enum log_level level)
{
  return level >= log_min;
}

static const char hex[] = "0123456789abcdef";

/* Appends s at d, whose room the caller has checked; returns the end. */
static char *put_s(char *d, const char *s)
{
  size_t n = strlen(s);
  memcpy(d, s, n);
  return d + n;
}

/* Length of the valid UTF-8 sequence at s, n > 0 bytes left, or 0: the
 * length its first byte announces, if libgreet finds that many valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
  size_t len = s[0] < 0xc0 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

  if (len == 0 || n < len || greet_utf8_validate((const char *)s, len, NULL, 0) != GREET_OK)
    return 0;
  return len;
}

/* Valid characters that are still escaped: they end lines for some
 * readers (C1 NEL, U+2028, U+2029) or reorder what a terminal shows
 * (U+200E/F, U+202A..E, U+2066..9). */
static int unsafe_char(const unsigned char *s, size_t len)
{
  if (len == 2)
    return s[0] == 0xc2 && s[1] < 0xa0;
  if (len == 3 && s[0] == 0xe2 && s[1] == 0x80)
    return s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xa8 && s[2] <= 0xae);
  if (len == 3 && s[0] == 0xe2 && s[1] == 0x81)
    return s[2] >= 0xa6 && s[2] <= 0xa9;
  return 0;
}

size_t log_escape(const char *src, size_t len, int json, int space, char *dst)
{
  const unsigned char *s = (const unsigned char *)src;
  char *d = dst;
  const char *bs = json ? "\\\\" : "\\";   /* one backslash, in a JSON string or not */

  for (size_t i = 0; i < len;) {
    unsigned c = s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"' && !(space && c == ' ')) {
      *d++ = (char)c;
      i++;
    } else if (c == '"') {
      if (json)
        *d++ = '\\';
      *d++ = '"';
      i++;
    } else if (c == '\\') {
      d = put_s(put_s(d, bs), bs);
      i++;
    } else {
      size_t n = c >= 0x80 ? utf8_seq(s + i, len - i) : 0;
      if (n > 0 && !unsafe_char(s + i, n)) {
        memcpy(d, s + i, n);
        d += n;
        i += n;
        continue;
      }
      if (n == 0)
        n = 1;
      for (size_t k = 0; k < n; k++, i++) {
        d = put_s(d, bs);
        *d++ = 'x';
        *d++ = hex[s[i] >> 4];
        *d++ = hex[s[i] & 15];
      }
    }
  }
  return (size_t)(d - dst);
}

/* Small appenders; every caller has checked the room beforehand. */

static char *put_u(char *d, uint64_t v)
{
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0)
    *d++ = tmp[--n];
  return d;
}

static char *put_digits(char *d, unsigned v, int width)
{
  for (int i = width - 1; i >= 0; i--) {
    d[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return d + width;
}

/* Seconds with six decimals, from nanoseconds. */
static char *put_seconds(char *d, uint64_t ns)
{
  d = put_u(d, ns / 1000000000u);
  *d++ = '.';
  return put_digits(d, (unsigned)(ns % 1000000000u / 1000u), 6);
}

/* "2026-01-02T03:04:05.678Z"; the date part is formatted once a second
 * per thread. */
static char *put_time(char *d, int64_t sec, unsigned msec)
{
  static _Thread_local int64_t cached_sec = -1;
  static _Thread_local char cached[20];

  if (sec != cached_sec) {
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    /* numeric fields only: no locale in them; 19 bytes until year 9999 */
    strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = sec;
  }
  memcpy(d, cached, 19);
  d += 19;
  *d++ = '.';
  d = put_digits(d, msec, 3);
  *d++ = 'Z';
  return d;
}

/* An escaped field, cut to max input bytes; returns whether it was cut. */
static char *put_esc(char *d, const char *s, size_t len, size_t max, int json, int *cut)
{
  *cut = len > max;
  return d + log_escape(s, *cut ? max : len, json, !json, d);
}

/* ,"name":"value" with the value escaped and cut to max bytes. */
static char *put_field(char *d, const char *name, const char *s, size_t len, size_t max,
                       int *cut)
{
  d = put_s(d, ",\"");
  d = put_s(d, name);
  d = put_s(d, "\":\"");
  d = put_esc(d, s, len, max, 1, cut);
  *d++ = '"';
  return d;
}

/* The start every line has: its time and level, and in JSON the opening
 * of "msg", which the caller fills and closes. */
static char *put_head(char *d, int json, unsigned lvl, int64_t sec, unsigned msec)
{
  if (!json) {
    d = put_time(d, sec, msec);
    *d++ = ' ';
    d = put_s(d, level_upper[lvl]);
    *d++ = ' ';
    return d;
  }
  d = put_s(d, "{\"time\":\"");
  d = put_time(d, sec, msec);
  d = put_s(d, "\",\"level\":\"");
  d = put_s(d, level_names[lvl]);
  return put_s(d, "\",\"msg\":\"");
}

/* The JSON object of an access line, from d; returns its end. */
static char *format_json(char *d, const struct log_access *a, unsigned lvl, int64_t sec,
                         unsigned msec)
{
  int path_cut = 0, cut = 0;

  d = put_head(d, 1, lvl, sec, msec);
  d = put_s(d, a->msg ? a->msg : "request");
  d = put_s(d, "\"");
  if (a->method)
    d = put_field(d, "method", a->method, strlen(a->method), LOG_METHOD_MAX, &cut);
  if (a->path) {
    d = put_field(d, "path", a->path, a->path_len, LOG_PATH_MAX, &path_cut);
    if (path_cut)
      d = put_s(d, ",\"path_truncated\":true");
  }
  d = put_s(d, ",\"status\":");
  d = put_u(d, a->status);
  d = put_s(d, ",\"duration\":");
  d = put_seconds(d, a->duration_ns);
  d = put_s(d, ",\"bytes\":");
  d = put_u(d, a->bytes);
  if (a->remote)
    d = put_field(d, "remote", a->remote, strlen(a->remote), ADDR_TEXT_CAP, &cut);
  if (a->request_id)
    d = put_field(d, "request_id", a->request_id, strlen(a->request_id), REQID_MAX, &cut);
  if (a->trace_id)
    d = put_field(d, "trace_id", a->trace_id, strlen(a->trace_id), TRACE_ID_CAP - 1, &cut);
  if (a->span_id)
    d = put_field(d, "span_id", a->span_id, strlen(a->span_id), TRACE_ID_CAP - 1, &cut);
  return put_s(d, "}\n");
}

/* The text form of an access line, from d; returns its end. */
static char *format_text(char *d, const struct log_access *a, unsigned lvl, int64_t sec,
                         unsigned msec)
{
  int path_cut = 0, cut = 0;

  d = put_head(d, 0, lvl, sec, msec);
  d = a->method ? put_esc(d, a->method, strlen(a->method), LOG_METHOD_MAX, 0, &cut)
                : put_s(d, "-");
  *d++ = ' ';
  d = a->path ? put_esc(d, a->path, a->path_len, LOG_PATH_MAX, 0, &path_cut) : put_s(d, "-");
  if (path_cut)
    d = put_s(d, "[...]");
  *d++ = ' ';
  d = put_u(d, a->status);
  *d++ = ' ';
  d = put_seconds(d, a->duration_ns);
  d = put_s(d, "s ");
  d = put_u(d, a->bytes);
  d = put_s(d, "B ");
  d = a->remote ? put_esc(d, a->remote, strlen(a->remote), ADDR_TEXT_CAP, 0, &cut) : put_s(d, "-");
  d = put_s(d, " id=");
  d = a->request_id ? put_esc(d, a->request_id, strlen(a->request_id), REQID_MAX, 0, &cut)
                    : put_s(d, "-");
  if (a->trace_id) {
    d = put_s(d, " trace_id=");
    d = put_esc(d, a->trace_id, strlen(a->trace_id), TRACE_ID_CAP - 1, 0, &cut);
  }
  if (a->span_id) {
    d = put_s(d, " span_id=");
    d = put_esc(d, a->span_id, strlen(a->span_id), TRACE_ID_CAP - 1, 0, &cut);
  }
  if (a->msg) {
    *d++ = ' ';
    d = put_s(d, a->msg);
  }
  *d++ = '\n';
  return d;
}

size_t log_format_access(enum log_format format, const struct log_access *a,
                         int64_t sec, unsigned msec, char *buf, size_t cap)
{
  unsigned lvl = (unsigned)a->level <= LOG_ERROR ? (unsigned)a->level : LOG_ERROR;
  char *end;

  /* Every field is bounded: 5 bytes per path/method byte, REQID_MAX for
   * the request id (checked before), ADDR_TEXT_CAP for the address, 5
   * per byte of the trace and span ids (32 and 16 hex digits from
   * trace.c, cut there whatever they hold), 300 for the rest. */
  if (cap < LOG_LINE_MAX)
    return 0;
  if (format == LOG_JSON)
    end = format_json(buf, a, lvl, sec, msec);
  else
    end = format_text(buf, a, lvl, sec, msec);
  return (size_t)(end - buf);
}

/* One write(2) per line; a short write (a full disk, a slow terminal) is
 * finished with more, a failure drops the line. */
static void emit(const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = write(log_fd, buf, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    buf += n;
    len -= (size_t)n;
  }
}

static void now(int64_t *sec, unsigned *msec)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  *sec = (int64_t)ts.tv_sec;
  *msec = (unsigned)(ts.tv_nsec / 1000000);
}

void log_access(const struct log_access *a)
{
  char line[LOG_LINE_MAX];
  int64_t sec;
  unsigned msec;

  if (!log_enabled(a->level))
    return;
  now(&sec, &msec);
  emit(line, log_format_access(log_fmt, a, sec, msec, line, sizeof line));
}

void log_msg(enum log_level level, const char *fmt, ...)
{
  char text[512], line[LOG_LINE_MAX];
  char *d = line;
  unsigned lvl = (unsigned)level <= LOG_ERROR ? (unsigned)level : LOG_ERROR;
  int64_t sec;
  unsigned msec;
  va_list ap;
  int n;

  if (!log_enabled(level))
    return;
  va_start(ap, fmt);
  n = vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  while (len > 0 && text[len - 1] == '\n')   /* libmicrohttpd ends its messages so */
    len--;
  now(&sec, &msec);
  d = put_head(d, log_fmt == LOG_JSON, lvl, sec, msec);
  d += log_escape(text, len, log_fmt == LOG_JSON, 0, d);
  d = put_s(d, log_fmt == LOG_JSON ? "\"}\n" : "\n");
  emit(line, (size_t)(d - line));
}
