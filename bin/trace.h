/* SPDX-License-Identifier: MIT */
/*
 * trace.h - W3C Trace Context, level 1: the traceparent and tracestate
 * fields checked, and our own traceparent written.  Pure: no allocation,
 * no libmicrohttpd, tested as is by tests/bin/test_trace.c.
 */
#ifndef GREET_SERVER_TRACE_H
#define GREET_SERVER_TRACE_H

#include <stddef.h>

/* A trace id is 32 lower-case hex digits, a span (parent) id 16; with
 * their NULs. */
#define TRACE_ID_CAP 33
#define TRACE_SPAN_CAP 17
/* "00-" trace "-" span "-" flags: the version 00 field, and its NUL. */
#define TRACE_PARENT_LEN 55u
#define TRACE_PARENT_CAP (TRACE_PARENT_LEN + 1)
/* The longest tracestate passed on.  The specification asks that at
 * least 512 characters be propagated; 32 members of the largest size
 * would be about 16 KiB, which no sender needs, so a longer field is
 * dropped whole rather than cut (a cut list would lose members silently). */
#define TRACE_STATE_MAX 512u
/* Most list-members in a tracestate (the specification's limit). */
#define TRACE_STATE_MEMBERS 32

/* The sampled flag of trace-flags, the only one level 1 defines. */
#define TRACE_FLAG_SAMPLED 0x01u

/*
 * Parses a traceparent field value s[0..len): version 00 exactly as the
 * specification writes it (55 characters), a later version (not ff) by
 * its forward-compatibility rules (at least 55 characters, the version 00
 * fields first, then the end or a '-').  Hex is lower case only; the
 * trace id and the parent id may not be all zeros.  Returns 0 with the
 * trace id, the parent id (NUL-terminated) and the flags written, or -1
 * (nothing written) when the value must be ignored.
 */
int trace_parent_parse(const char *s, size_t len, char trace_id[TRACE_ID_CAP],
                       char parent_id[TRACE_SPAN_CAP], unsigned *flags);

/*
 * Whether s[0..len) is a tracestate value to pass on: a comma-separated
 * list (optional whitespace around each member, empty members allowed)
 * of at most TRACE_STATE_MEMBERS key=value members, each key in the
 * specification's grammar (simple-key or tenant@system) and unique, each
 * value of its printable characters not ending in a space; at most
 * TRACE_STATE_MAX bytes in all.
 */
int trace_state_valid(const char *s, size_t len);

/* "00-<trace_id>-<span_id>-<flags>" and a NUL into out: the traceparent
 * of our span, version 00 whatever version came in. */
void trace_parent_format(const char *trace_id, const char *span_id, unsigned flags,
                         char out[TRACE_PARENT_CAP]);

/*
 * Appends one tracestate field line v[0..n) to buf (length *len), with
 * a comma between lines, as HTTP joins repeated fields.  -1 when the
 * joined value would pass TRACE_STATE_MAX: *len then stays above it, so
 * later lines fail too and the whole field is dropped.
 */
int trace_state_join(char buf[TRACE_STATE_MAX + 1], size_t *len, const char *v, size_t n);

/* This request's place in a trace. */
struct trace_context {
  char trace_id[TRACE_ID_CAP];        /* the caller's, or a new one */
  char span_id[TRACE_SPAN_CAP];       /* ours, new for every request */
  char traceparent[TRACE_PARENT_CAP]; /* to answer with; "" for a new trace */
  unsigned flags;                     /* the caller's sampled flag, or 0 */
  int continued;                      /* 1: the trace id came from the caller */
  const char *state;                  /* tracestate to pass on, or NULL */
  size_t state_len;
};

/*
 * Fills t for one request from its traceparent (parent[0..parent_len),
 * seen on parent_lines field lines: one is needed, several are ignored
 * as the specification asks) and its tracestate (joined, see above):
 * a valid traceparent keeps its trace id and sampled flag, and then a
 * valid tracestate is passed on; otherwise a new trace starts (flags 0:
 * no span is exported) and tracestate is dropped.  A new trace's id is
 * new_id (32 lower-case hex digits, not all zeros: a request id
 * greet-server generated, so that the log line's two ids are one) or,
 * when new_id is NULL, a random one.  The span id is always new.  Ids
 * come from the request-id generator, so nothing is allocated; the
 * traceparent to answer with is formatted only for a kept trace, the only
 * one that gets it.
 */
void trace_begin(struct trace_context *t, const char *parent, size_t parent_len,
                 unsigned parent_lines, const char *state, size_t state_len,
                 const char *new_id);

#endif /* GREET_SERVER_TRACE_H */
