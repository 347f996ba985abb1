/* SPDX-License-Identifier: MIT */
/*
 * test_trace.c - bin/trace.c: traceparent and tracestate against the W3C
 * Trace Context test suite's cases (w3c/trace-context, test/test.py),
 * then generated cases: every one-character mutation of a valid field,
 * checked against an independent statement of the grammar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "trace.h"
#include "util.h"

#define TID "12345678901234567890123456789012"
#define PID "1234567890123456"

/* The W3C suite's traceparent cases: the value and whether its trace id
 * is kept (1) or a new trace starts (0). */
static const struct {
  const char *value;
  int keep;
} parents[] = {
  {"00-" TID "-" PID "-01", 1},
  {"00-" TID "-" PID "-00", 1},
  {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 1},
  /* optional whitespace around the value */
  {" 00-" TID "-" PID "-01", 1},
  {"\t00-" TID "-" PID "-01", 1},
  {"00-" TID "-" PID "-01 ", 1},
  {"00-" TID "-" PID "-01\t", 1},
  {"\t 00-" TID "-" PID "-01 \t", 1},
  /* version 00 has no more fields */
  {"00-" TID "-" PID "-01.", 0},
  {"00-" TID "-" PID "-01-what-the-future-will-be-like", 0},
  {"00-" TID "-" PID "-01-", 0},
  /* a later version: the first fields, then the end or a '-' */
  {"cc-" TID "-" PID "-01", 1},
  {"cc-" TID "-" PID "-01-what-the-future-will-be-like", 1},
  {"cc-" TID "-" PID "-01.what-the-future-will-be-like", 0},
  {"01-" TID "-" PID "-01", 1},
  {"fe-" TID "-" PID "-01-x", 1},
  {"cc-" TID "-" PID "-0", 0},
  /* version ff */
  {"ff-" TID "-" PID "-01", 0},
  {"ff-" TID "-" PID "-01-x", 0},
  /* the version's characters and length */
  {".0-" TID "-" PID "-01", 0},
  {"0.-" TID "-" PID "-01", 0},
  {"000-" TID "-" PID "-01", 0},
  {"0000-" TID "-" PID "-01", 0},
  {"0-" TID "-" PID "-01", 0},
  {"CC-" TID "-" PID "-01", 0},
  {"0A-" TID "-" PID "-01", 0},
  /* trace id */
  {"00-00000000000000000000000000000000-" PID "-01", 0},
  {"00-.2345678901234567890123456789012-" PID "-01", 0},
  {"00-1234567890123456789012345678901.-" PID "-01", 0},
  {"00-" TID "1-" PID "-01", 0},
  {"00-1234567890123456789012345678901-" PID "-01", 0},
  {"00-4BF92F3577B34DA6A3CE929D0E0E4736-" PID "-01", 0},
  {"00-4bf92f3577b34da6a3ce929d0e0e473G-" PID "-01", 0},
  /* parent id */
  {"00-" TID "-0000000000000000-01", 0},
  {"00-" TID "-.234567890123456-01", 0},
  {"00-" TID "-123456789012345.-01", 0},
  {"00-" TID "-" PID "1-01", 0},
  {"00-" TID "-123456789012345-01", 0},
  {"00-" TID "-00F067AA0BA902B7-01", 0},
  /* flags */
  {"00-" TID "-" PID "-.0", 0},
  {"00-" TID "-" PID "-0.", 0},
  {"00-" TID "-" PID "-001", 0},
  {"00-" TID "-" PID "-1", 0},
  {"00-" TID "-" PID "-0A", 0},
  {"00-" TID "-" PID "-ff", 1},
  /* separators and emptiness */
  {"00_" TID "-" PID "-01", 0},
  {"00-" TID "_" PID "-01", 0},
  {"00-" TID "-" PID "_01", 0},
  {"", 0},
  {"   ", 0},
  {"00", 0},
};

Test(trace, w3c_traceparent)
{
  for (size_t i = 0; i < sizeof parents / sizeof parents[0]; i++) {
    char tid[TRACE_ID_CAP] = "untouched", pid[TRACE_SPAN_CAP] = "untouched";
    unsigned flags = 999;
    const char *v = parents[i].value;
    int r = trace_parent_parse(v, strlen(v), tid, pid, &flags);
    cr_assert_eq(r == 0, parents[i].keep, "row %zu: \"%s\"", i, v);
    if (r != 0) {
      cr_assert_str_eq(tid, "untouched", "row %zu wrote on failure", i);
      cr_assert_eq(flags, 999u);
      continue;
    }
    const char *start = v + strspn(v, " \t");
    cr_assert_eq(strlen(tid), 32);
    cr_assert_eq(memcmp(tid, start + 3, 32), 0, "row %zu", i);
    cr_assert_eq(memcmp(pid, start + 36, 16), 0, "row %zu", i);
    cr_assert_eq(flags, (unsigned)strtoul((char[]){start[53], start[54], 0}, NULL, 16));
  }
}

/* The value is read from len bytes only: a valid field followed by
 * bytes that would make it longer is still valid when len stops first. */
Test(trace, reads_len_bytes_only)
{
  static const char v[] = "00-" TID "-" PID "-01-and-more";
  char tid[TRACE_ID_CAP], pid[TRACE_SPAN_CAP];
  unsigned flags;
  cr_assert_eq(trace_parent_parse(v, TRACE_PARENT_LEN, tid, pid, &flags), 0);
  cr_assert_eq(trace_parent_parse(v, sizeof v - 1, tid, pid, &flags), -1);
  cr_assert_eq(trace_parent_parse(NULL, 0, tid, pid, &flags), -1);
  /* exactly len bytes on the heap: ASan sees any read past them */
  for (size_t n = 0; n <= sizeof v - 1; n++) {
    char *h = malloc(n + 1);
    memcpy(h, v, n);
    trace_parent_parse(h, n, tid, pid, &flags);
    trace_state_valid(h, n);
    free(h);
  }
}

/* The grammar stated again, independently, for generated cases. */
static int is_lhex(char c)
{
  return strchr("0123456789abcdef", c) != NULL && c != '\0';
}

static int model_parent(const char *v, size_t n)
{
  while (n > 0 && (v[0] == ' ' || v[0] == '\t'))
    v++, n--;
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
    n--;
  if (n < 55)
    return 0;
  for (size_t i = 0; i < 55; i++) {
    int dash = i == 2 || i == 35 || i == 52;
    if (dash ? v[i] != '-' : !is_lhex(v[i]))
      return 0;
  }
  if (strncmp(v, "ff", 2) == 0 || strspn(v + 3, "0") >= 32 || strspn(v + 36, "0") >= 16)
    return 0;
  if (strncmp(v, "00", 2) == 0)
    return n == 55;
  return n == 55 || v[55] == '-';
}

/* Every single-character substitution, deletion and insertion at every
 * position of valid version 00 and version cc fields, with characters
 * that matter (hex both cases, the separators, whitespace, '0', 'f',
 * 'g'), agrees with the model. */
Test(trace, generated_mutations)
{
  static const char *const seeds[] = {
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "cc-" TID "-" PID "-01-future",
    "00-0000000000000000000000000000000a-000000000000000b-00",
  };
  static const char alphabet[] = "0af9AFg-_. \t";
  size_t checked = 0;

  for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
    size_t n = strlen(seeds[s]);
    for (size_t pos = 0; pos <= n; pos++)
      for (size_t a = 0; a < sizeof alphabet - 1; a++)
        for (int op = 0; op < 3; op++) {
          char m[128], tid[TRACE_ID_CAP], pid[TRACE_SPAN_CAP];
          unsigned flags;
          size_t len;
          if (op != 1 && pos == n)
            continue;
          if (op == 0) {               /* substitute */
            memcpy(m, seeds[s], n);
            m[pos] = alphabet[a];
            len = n;
          } else if (op == 1) {        /* insert */
            memcpy(m, seeds[s], pos);
            m[pos] = alphabet[a];
            memcpy(m + pos + 1, seeds[s] + pos, n - pos);
            len = n + 1;
          } else {                     /* delete */
            memcpy(m, seeds[s], pos);
            memcpy(m + pos, seeds[s] + pos + 1, n - pos - 1);
            len = n - 1;
          }
          m[len] = '\0';
          int got = trace_parent_parse(m, len, tid, pid, &flags) == 0;
          cr_assert_eq(got, model_parent(m, len), "\"%s\"", m);
          checked++;
        }
  }
  cr_assert_gt(checked, 1000);
}

/* Random strings over the field's alphabet, mostly near valid ones. */
Test(trace, generated_random)
{
  unsigned seed = 15;
  int kept = 0;
  for (int i = 0; i < 20000; i++) {
    char m[80], tid[TRACE_ID_CAP], pid[TRACE_SPAN_CAP];
    unsigned flags;
    size_t len = 53 + (size_t)(rand_r(&seed) % 8);
    for (size_t k = 0; k < len; k++) {
      int dash = k == 2 || k == 35 || k == 52 || k == 55;
      int odd = rand_r(&seed) % 64 == 0;  /* now and then, any character */
      m[k] = dash && !odd ? '-' : odd ? "0aF. -\t"[rand_r(&seed) % 7] : "0123456789abcdef"[rand_r(&seed) % 16];
    }
    m[len] = '\0';
    int got = trace_parent_parse(m, len, tid, pid, &flags) == 0;
    cr_assert_eq(got, model_parent(m, len), "\"%s\"", m);
    kept += got;
  }
  cr_assert_gt(kept, 0, "the generator never made a valid field");
}

Test(trace, format)
{
  char out[TRACE_PARENT_CAP], tid[TRACE_ID_CAP], pid[TRACE_SPAN_CAP];
  unsigned flags;
  trace_parent_format(TID, PID, 0x01, out);
  cr_assert_str_eq(out, "00-" TID "-" PID "-01");
  cr_assert_eq(trace_parent_parse(out, strlen(out), tid, pid, &flags), 0);
  trace_parent_format(TID, PID, 0xa5, out);
  cr_assert_str_eq(out, "00-" TID "-" PID "-a5");
}

static const char *repeat(char c, size_t n)
{
  static char buf[8][600];
  static int next;
  char *b = buf[next++ % 8];
  memset(b, c, n);
  b[n] = '\0';
  return b;
}

/* The W3C suite's tracestate cases (one field line each; the join of
 * several lines is tested below). */
Test(trace, w3c_tracestate)
{
  char key256[300], key257[300], tenant[300], tenant242[300], system15[300], value[300];
  snprintf(key256, sizeof key256, "foo=1,%s=1", repeat('z', 256));
  snprintf(key257, sizeof key257, "foo=1,%s=1", repeat('z', 257));
  snprintf(tenant, sizeof tenant, "foo=1,%s@%s=1", repeat('t', 241), repeat('v', 14));
  snprintf(tenant242, sizeof tenant242, "foo=1,%s@v=1", repeat('t', 242));
  snprintf(system15, sizeof system15, "foo=1,t@%s=1", repeat('v', 15));
  snprintf(value, sizeof value, "foo=%s", repeat('v', 256));
  const struct {
    const char *value;
    int valid;
  } rows[] = {
    {"foo=1", 1},
    {"foo=1,bar=2", 1},
    {"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", 1},
    {"foo=1 \t , \t bar=2, \t baz=3", 1},
    {"foo=1,,bar=2", 1},
    {",foo=1, ,", 1},
    {"", 1},
    {"abcdefghijklmnopqrstuvwxyz0123456789_-*/= !\"#$%&'()*+-./0123456789:;<>?@"
     "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~", 1},
    {"abcdefghijklmnopqrstuvwxyz0123456789_-*/@a1234_-*/=1", 1},
    {"0tenant@sys=1", 1},
    {"foo=1,foo=1", 0},
    {"foo=1,bar=2,foo=3", 0},
    {"foo =1", 0},
    {"FOO=1", 0},
    {"foo.bar=1", 0},
    {"0foo=1", 0},
    {"foo@=1,bar=2", 0},
    {"@foo=1,bar=2", 0},
    {"foo@@bar=1,bar=2", 0},
    {"foo@bar@baz=1,bar=2", 0},
    {"foo@0bar=1", 0},
    {"foo=bar=baz", 0},
    {"foo=,bar=3", 0},
    {"foo=1 2", 1},
    {"foo= 1", 1},
    {"foo=1\x01", 0},
    {"foo=\xc3\xa9", 0},
    {"foo=1\t2", 0},
    {"foo", 0},
    {"=1", 0},
    {key256, 1},
    {key257, 0},
    {tenant, 1},
    {tenant242, 0},
    {system15, 0},
    {value, 1},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    cr_assert_eq(trace_state_valid(rows[i].value, strlen(rows[i].value)), rows[i].valid,
                 "row %zu: \"%.60s\"", i, rows[i].value);
  char value257[300];
  snprintf(value257, sizeof value257, "foo=%s", repeat('v', 257));
  cr_assert_eq(trace_state_valid(value257, strlen(value257)), 0, "a 257-character value");
}

/* 32 members pass, 33 do not; more than TRACE_STATE_MAX bytes do not. */
Test(trace, tracestate_limits)
{
  char s[1024];
  size_t n = 0;
  for (int i = 0; i < 33; i++) {
    n += (size_t)snprintf(s + n, sizeof s - n, "%sk%d=v", i ? "," : "", i);
    cr_assert_eq(trace_state_valid(s, n), i < 32, "%d members", i + 1);
  }
  memset(s, 'a', sizeof s);
  s[0] = 'k';
  s[1] = '=';
  /* values are at most 256 characters, so spread the length over members */
  n = 0;
  for (int i = 0; n < TRACE_STATE_MAX + 40; i++)
    n += (size_t)snprintf(s + n, sizeof s - n, "%sk%d=%s", i ? "," : "", i, repeat('v', 100));
  size_t cut = 0;
  for (size_t k = 0; k < n; k++)
    if (s[k] == ',' && k <= TRACE_STATE_MAX)
      cut = k;
  cr_assert_eq(trace_state_valid(s, cut), 1, "%zu bytes", cut);
  cr_assert_eq(trace_state_valid(s, n), 0, "%zu bytes", n);
}

/* Repeated tracestate lines are joined with commas, as HTTP does, up to
 * the limit; past it the field stays too long. */
Test(trace, tracestate_join)
{
  char buf[TRACE_STATE_MAX + 1];
  size_t len = 0;
  cr_assert_eq(trace_state_join(buf, &len, LIT("foo=1,bar=2")), 0);
  cr_assert_eq(trace_state_join(buf, &len, LIT("rojo=1,congo=2")), 0);
  cr_assert_eq(trace_state_join(buf, &len, LIT("baz=3")), 0);
  cr_assert_str_eq(buf, "foo=1,bar=2,rojo=1,congo=2,baz=3");
  cr_assert_eq(trace_state_valid(buf, len), 1);
  len = 0;
  trace_state_join(buf, &len, LIT("foo=1"));
  trace_state_join(buf, &len, LIT("foo=1"));
  cr_assert_eq(trace_state_valid(buf, len), 0, "a key repeated across lines");
  len = 0;
  trace_state_join(buf, &len, LIT("foo=1"));
  trace_state_join(buf, &len, LIT(""));
  cr_assert_eq(trace_state_valid(buf, len), 1, "an empty line");
  len = 0;
  const char *big = repeat('v', 300);
  cr_assert_eq(trace_state_join(buf, &len, big, 300), 0);
  cr_assert_eq(trace_state_join(buf, &len, big, 300), -1);
  cr_assert_gt(len, TRACE_STATE_MAX);
  cr_assert_eq(trace_state_join(buf, &len, LIT("a=1")), -1, "stays too long");
}

/* trace_begin: a valid traceparent keeps its trace id and sampled flag
 * only (not the id offered for a new trace), a new span id every time;
 * anything else starts a new trace, with the offered id or a random one,
 * and drops tracestate. */
#define NEW_ID "4bf92f3577b34da6a3ce929d0e0e4736"
Test(trace, begin)
{
  static const char parent[] = "00-" TID "-" PID "-03";
  struct trace_context a, b;
  char tid[TRACE_ID_CAP], pid[TRACE_SPAN_CAP];
  unsigned flags;

  trace_begin(&a, LIT(parent), 1, LIT("foo=1"), NEW_ID);
  cr_assert(a.continued);
  cr_assert_str_eq(a.trace_id, TID);
  cr_assert_eq(a.flags, TRACE_FLAG_SAMPLED);
  cr_assert_eq(a.state_len, 5);
  cr_assert_eq(strncmp(a.state, "foo=1", 5), 0);
  cr_assert_eq(trace_parent_parse(a.traceparent, strlen(a.traceparent), tid, pid, &flags), 0);
  cr_assert_str_eq(tid, TID);
  cr_assert_str_eq(pid, a.span_id);
  cr_assert_str_neq(a.span_id, PID);
  trace_begin(&b, LIT(parent), 1, LIT("foo=1,foo=2"), NULL);
  cr_assert_str_neq(a.span_id, b.span_id);
  cr_assert_null(b.state, "invalid tracestate dropped");

  static const struct {
    const char *parent;
    unsigned lines;
  } fresh[] = {{NULL, 0}, {"ff-" TID "-" PID "-01", 1}, {parent, 2}, {"00-" TID "-" PID "-0", 1}};
  for (size_t i = 0; i < sizeof fresh / sizeof fresh[0]; i++) {
    size_t n = fresh[i].parent ? strlen(fresh[i].parent) : 0;
    trace_begin(&a, fresh[i].parent, n, fresh[i].lines, LIT("foo=1"), NULL);
    cr_assert(!a.continued, "row %zu", i);
    cr_assert_str_neq(a.trace_id, TID);
    cr_assert_eq(strspn(a.trace_id, "0123456789abcdef"), 32);
    cr_assert_eq(strspn(a.span_id, "0123456789abcdef"), 16);
    cr_assert_null(a.state, "row %zu: tracestate without a traceparent", i);
    cr_assert_eq(a.flags, 0);
    cr_assert_str_eq(a.traceparent, "", "row %zu: a new trace is answered no traceparent", i);
    trace_begin(&b, fresh[i].parent, n, fresh[i].lines, LIT("foo=1"), NEW_ID);
    cr_assert_str_eq(b.trace_id, NEW_ID, "row %zu: a new trace takes the id it is given", i);
    cr_assert_str_neq(b.span_id, a.span_id);
  }
}
