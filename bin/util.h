/* SPDX-License-Identifier: MIT */
/*
 * util.h - the small things every part of greet-server uses, written once:
 * sizes, the monotonic clock, optional whitespace, an appender that counts
 * past its end, address text and content types.  Nothing here knows HTTP
 * beyond a field's whitespace, or libmicrohttpd at all.
 *
 * The return convention of bin/, which every header there follows:
 * - an operation that can fail returns int: 0 on success, -1 on failure,
 *   reported where it happened (logged, or written to the `err` stream it
 *   was given) so that the caller only decides what to do next;
 * - a constructor returns a pointer, NULL on failure, reported the same way;
 * - a question returns int 1 (yes) or 0 (no), and its name asks it
 *   (reqid_valid, framing_refused, log_enabled);
 * - text built into a caller's buffer returns size_t, the length it needs,
 *   as snprintf does;
 * - HTTP status codes travel in struct fields, never as return values.
 *
 * Out of memory is a failure like any other: the building blocks return it
 * (NULL, -1), and the caller that decides what it costs logs it at error
 * level.  Before serving it stops the process (exit 1); while serving it
 * costs one request (500) or one connection's extras (no header
 * deadline), never the process.  The one exception is a thread's metrics
 * shard (metrics.c): without it no request of that thread can be counted,
 * and /metrics would lie, so its allocation, once per thread, aborts.
 */
#ifndef GREET_SERVER_UTIL_H
#define GREET_SERVER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

struct sockaddr;

/* Largest name greet-server accepts at all (--max-name-length's most). */
#define MAX_NAME_LIMIT 16384u
/* A canonical catalogue language tag and its NUL ("pt-BR", "zh-Hant"). */
#define LANG_TAG_CAP 16
/* "[" INET6_ADDRSTRLEN "]:65535" and its NUL fit. */
#define ADDR_TEXT_CAP 64
/* A listening address as a URL, "https://[" INET6_ADDRSTRLEN "]:65535". */
#define URL_TEXT_CAP 128

#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"
#define CONTENT_TYPE_JSON "application/json"
#define CONTENT_TYPE_HTML "text/html; charset=utf-8"
#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* A string literal as (pointer, length). */
#define LIT(s) s, sizeof(s) - 1

/* CLOCK_MONOTONIC in nanoseconds: request durations, drain deadlines. */
static inline uint64_t mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The same clock to a few milliseconds, cheaper: deadlines in seconds
 * that are stamped on every request. */
static inline uint64_t mono_coarse_ns(void)
{
#ifdef CLOCK_MONOTONIC_COARSE
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#else
  return mono_ns();
#endif
}

/* Optional whitespace (RFC 9110 section 5.6.3): space or horizontal tab. */
static inline int is_ows(char c)
{
  return c == ' ' || c == '\t';
}

/* A token character (RFC 9110 section 5.6.2): what field names, media
 * types and their parameters are made of. */
static inline int is_tchar(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* p moved past any optional whitespace before end. */
static inline const char *skip_ows(const char *p, const char *end)
{
  while (p < end && is_ows(*p))
    p++;
  return p;
}

/* Text under construction in a caller's buffer: what does not fit is
 * counted and not written, so `len` always ends as the size needed and
 * one pass either builds the text or learns its size. */
struct out {
  char *buf;
  size_t cap, len;
};

static inline void out_put(struct out *o, const char *s, size_t n)
{
  if (o->len < o->cap && n < o->cap - o->len)
    memcpy(o->buf + o->len, s, n);
  o->len += n;
}

#define OUT_LIT(o, lit) out_put(o, lit, sizeof(lit) - 1)

/* Room at the end of o for a call that writes in place: (NULL, 0) when
 * there is none, which libgreet and snprintf take as a size query. */
static inline char *out_room(const struct out *o, size_t *cap)
{
  *cap = o->len < o->cap ? o->cap - o->len : 0;
  return *cap > 0 ? o->buf + o->len : NULL;
}

/* o counted more than its buffer holds: starts o again, empty, in a
 * buffer of the size counted from grow(ctx, size) (as struct
 * route_request's), for the caller to write the text again.  Returns 1,
 * or 0 with o as it was when it fits or grow is NULL or gives NULL.  For
 * text whose size is known only once written, with no allocation when it
 * fits. */
static inline int out_regrow(struct out *o, char *(*grow)(void *ctx, size_t size), void *ctx)
{
  char *big = o->len >= o->cap && grow != NULL ? grow(ctx, o->len + 1) : NULL;

  if (big == NULL)
    return 0;
  *o = (struct out){big, o->len + 1, 0};
  return 1;
}

/* printf at the end of o. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void out_printf(struct out *o, const char *fmt, ...);

/*
 * "1.2.3.4:5678" or "[::1]:5678" into buf (cap >= ADDR_TEXT_CAP), or ""
 * for NULL or another family.  Returns the length written.
 */
size_t addr_format(const struct sockaddr *sa, char *buf, size_t cap);

#endif /* GREET_SERVER_UTIL_H */
