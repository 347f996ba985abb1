/* SPDX-License-Identifier: MIT */
/*
 * log.h - greet-server's one logger: access lines and messages, JSON or
 * text, one line per write(2) on standard output.
 */
#ifndef GREET_SERVER_LOG_H
#define GREET_SERVER_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };
enum log_format { LOG_JSON = 0, LOG_TEXT = 1 };

/* Longest line written; a line this short is one atomic write to a pipe
 * (PIPE_BUF), so lines from several threads never interleave. */
#define LOG_LINE_MAX 4096u
/* Input bytes of a path (and a method) kept; longer ones are cut and the
 * line says so ("path_truncated":true). */
#define LOG_PATH_MAX 512u
#define LOG_METHOD_MAX 32u

/* Sets the format, the least level written and the descriptor (1). */
void log_setup(enum log_format format, enum log_level min_level, int fd);

/* Whether a line of this level would be written. */
int log_enabled(enum log_level level);

/* A message line: {"time","level","msg"}.  The text is escaped. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void log_msg(enum log_level level, const char *fmt, ...);

/* One answered (or rejected) request. */
struct log_access {
  enum log_level level;
  const char *method;        /* NULL when unknown (rejected by the parser) */
  const char *path;          /* raw bytes, any content; NULL when unknown */
  size_t path_len;
  unsigned status;
  uint64_t duration_ns;
  uint64_t bytes;            /* body bytes */
  const char *remote;        /* "1.2.3.4:5678", "[::1]:5678" or NULL */
  const char *request_id;    /* NULL when none */
  const char *trace_id;      /* 32 hex digits (trace.h), or NULL */
  const char *span_id;       /* 16 hex digits, or NULL */
  const char *msg;           /* "request" unless set */
};

void log_access(const struct log_access *a);

/*
 * Formats one access line (with its '\n') into buf, cap >= LOG_LINE_MAX,
 * for the wall-clock time (sec, msec); returns its length.  Pure: the
 * tests call it directly.
 */
size_t log_format_access(enum log_format format, const struct log_access *a,
                         int64_t sec, unsigned msec, char *buf, size_t cap);

/*
 * Escapes len bytes of s so that no input can end a line or a string
 * early: printable ASCII stays, '\' becomes "\\", and control bytes, DEL,
 * bytes that are not valid UTF-8 and the characters that reorder or break
 * lines (C1, U+2028/2029, bidi controls) become "\xHH" per byte; valid
 * UTF-8 stays.  With json, the result is also valid inside a JSON string
 * (so '"' is "\"" and each '\' above is doubled); with space, a space is
 * "\x20" too (text format).  Returns the length written; dst has room for
 * 5 * len bytes at least.
 */
size_t log_escape(const char *s, size_t len, int json, int space, char *dst);

#endif /* GREET_SERVER_LOG_H */
