/* SPDX-License-Identifier: MIT */
/*
 * micro.c - libgreet's hot functions against what they replace.
 *
 *   greet_format        vs snprintf(buf, cap, "Hello, %s!", name)
 *   greet_url_decode    vs curl_easy_unescape (libcurl)
 *   greet_url_encode    vs curl_easy_escape (libcurl), path segment context
 *   both                vs memcpy of the same bytes: the physical limit
 *
 * Short names give ns per call; 1 MiB inputs (plain ASCII, every byte
 * percent-encoded, percent-encoded UTF-8 as browsers send it, raw UTF-8)
 * give GB/s (10^9 bytes of input per second); the encoder's large inputs
 * are raw: plain ASCII, ASCII that is all reserved (every byte encoded),
 * and multi-byte UTF-8 names.
 *
 * How: each contender is a loop of calls; a batch runs it long enough to
 * last about 5 ms (the repetition count is calibrated first), and the
 * contenders of one row take turns batch by batch, BATCHES times.  A
 * figure is the median of its batches; a ratio is the median of the
 * per-batch ratios ("paired"), so a moment when the shared machine is
 * busy slows both sides of it.  CLOCK_MONOTONIC, or with --cpu-clock
 * this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which leaves out the
 * time other processes of a crowded machine run instead.  Before timing, the
 * outputs of greet and curl are compared byte for byte for every input:
 * both do the same work.
 *
 * Usage: micro [--smoke] [--batches N] [--size BYTES] [--cpu-clock] [--alt LIBGREET.so]
 *   --smoke   tiny batches: checks the outputs agree and runs in ms
 *             (what `meson test -C build-bench-tools` runs)
 *   --alt     also time another build of libgreet (dlopen'd side by side,
 *             e.g. a tuned scratch copy) against the linked one: A/B table
 * Exit status 1 if an output differs; the goal lines are informative.
 *
 * Not equal work, and said so: greet_format checks that the name is valid
 * UTF-8 and snprintf does not; curl_easy_unescape mallocs its result
 * (curl_free'd in the loop, as a caller must) and greet writes into the
 * caller's buffer; so does curl_easy_escape.  That is each API's real
 * cost.  greet_url_encode is timed twice: with a buffer of the 3n + 1
 * bound (one pass) and with one of exactly the size needed (it then
 * measures first, then writes).
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <greet.h>

#define MAX_BATCHES 101
#define MAX_FNS 5

/* Hides a value from the optimizer: it must be computed and may have changed. */
#if defined(__GNUC__)
#  define OPAQUE(x) __asm__ volatile("" : "+r"(x))
#  define CLOBBER() __asm__ volatile("" ::: "memory")
#else
#  define OPAQUE(x) ((void)0)
#  define CLOBBER() ((void)0)
#endif

/* The libgreet functions under test, from the linked library or --alt. */
struct api {
  greet_status (*format)(const char *, size_t, char *, size_t, size_t *, unsigned);
  greet_status (*decode)(const char *, size_t, char *, size_t, size_t *, unsigned);
  greet_status (*validate)(const char *, size_t, size_t *, unsigned);
};

/* One row's input and buffers. */
struct ctx {
  const struct api *api;
  const char *src;        /* the name or the encoded input */
  size_t len;
  const char *ref;        /* the expected output (greeting, or decoded bytes) */
  size_t ref_len;
  char *dst;
  size_t cap;
  CURL *curl;
};

typedef void (*loop_fn)(const struct ctx *, long reps);

static int batches = 21;
static double batch_ns = 5e6;
static int failures;              /* outputs that differ: exit status 1 */
static char goals[4096];          /* issue 7's library goals, printed last */
static size_t goals_len;

static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(clock_id, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
  double s[MAX_BATCHES];
  memcpy(s, v, (size_t)n * sizeof *s);
  qsort(s, (size_t)n, sizeof *s, cmp_double);
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void goal(int met, const char *what, double value, const char *unit)
{
  int n = snprintf(goals + goals_len, sizeof goals - goals_len, "goal: %-58s %s (%.2f%s)\n",
                   what, met ? "met" : "NOT met", value, unit);
  if (n > 0 && (size_t)n < sizeof goals - goals_len)
    goals_len += (size_t)n;
}

static void check(int ok, const char *what, const char *input)
{
  if (!ok) {
    fprintf(stderr, "micro: MISMATCH: %s (input %.40s)\n", what, input);
    failures++;
  }
}

/*
 * Times fns[0..n) on c, taking turns batch by batch: t[f][b] is the ns per
 * call of fns[f] in batch b, ns[f] their median.
 */
static void measure(const struct ctx *c, const loop_fn *fns, int n, double *ns,
                    double t[][MAX_BATCHES])
{
  long reps[MAX_FNS];

  for (int f = 0; f < n; f++) {
    reps[f] = 1;
    for (;;) {
      double s = now_ns();
      fns[f](c, reps[f]);
      if (now_ns() - s >= batch_ns / 4 || reps[f] >= (1L << 30))
        break;
      reps[f] *= 2;
    }
    reps[f] *= 4;
  }
  for (int b = 0; b < batches; b++) {
    for (int k = 0; k < n; k++) {
      int f = (k + b) % n;        /* who goes first changes every batch */
      double s = now_ns();
      fns[f](c, reps[f]);
      t[f][b] = (now_ns() - s) / (double)reps[f];
    }
  }
  for (int f = 0; f < n; f++)
    ns[f] = median(t[f], batches);
}

/* The median over batches of t[num][b] / t[den][b]: a paired ratio. */
static double paired(double t[][MAX_BATCHES], int num, int den)
{
  double r[MAX_BATCHES];
  for (int b = 0; b < batches; b++)
    r[b] = t[num][b] / t[den][b];
  return median(r, batches);
}

/* ------------------------------------------------------------ the loops */

static void loop_format(const struct ctx *c, long reps)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->src;
    size_t n = c->len, o;
    OPAQUE(p);
    OPAQUE(n);
    greet_status st = c->api->format(p, n, c->dst, c->cap, &o, 0);
    OPAQUE(st);
    CLOBBER();
  }
}

static void loop_snprintf(const struct ctx *c, long reps)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->src;
    OPAQUE(p);
    int r = snprintf(c->dst, c->cap, "Hello, %s!", p);
    OPAQUE(r);
    CLOBBER();
  }
}

static void loop_memcpy_ref(const struct ctx *c, long reps)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->ref;
    size_t n = c->ref_len;
    OPAQUE(p);
    OPAQUE(n);
    memcpy(c->dst, p, n);
    CLOBBER();
  }
}

static void loop_memcpy_src(const struct ctx *c, long reps)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->src;
    size_t n = c->len;
    OPAQUE(p);
    OPAQUE(n);
    memcpy(c->dst, p, n);
    CLOBBER();
  }
}

static void decode_loop(const struct ctx *c, long reps, unsigned flags)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->src;
    size_t n = c->len, o;
    OPAQUE(p);
    OPAQUE(n);
    greet_status st = c->api->decode(p, n, c->dst, c->cap, &o, flags);
    OPAQUE(st);
    CLOBBER();
  }
}

static void loop_decode(const struct ctx *c, long reps) { decode_loop(c, reps, 0); }
static void loop_decode_ctl(const struct ctx *c, long reps) { decode_loop(c, reps, GREET_DECODE_REJECT_CTL); }

static void encode_loop(const struct ctx *c, long reps, size_t cap)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->src;
    size_t n = c->len, o;
    OPAQUE(p);
    OPAQUE(n);
    greet_status st = greet_url_encode(p, n, c->dst, cap, &o, 0);
    OPAQUE(st);
    CLOBBER();
  }
}

static void loop_encode(const struct ctx *c, long reps) { encode_loop(c, reps, c->cap); }
static void loop_encode_exact(const struct ctx *c, long reps) { encode_loop(c, reps, c->ref_len + 1); }

static void loop_curl_escape(const struct ctx *c, long reps)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->src;
    int n = (int)c->len;
    OPAQUE(p);
    OPAQUE(n);
    char *r = curl_easy_escape(c->curl, p, n);
    OPAQUE(r);
    curl_free(r);
  }
}

static void loop_curl(const struct ctx *c, long reps)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->src;
    int n = (int)c->len, o;
    OPAQUE(p);
    OPAQUE(n);
    char *r = curl_easy_unescape(c->curl, p, n, &o);
    OPAQUE(r);
    curl_free(r);
  }
}

/* validate runs on the decoded bytes (ref), which is what a server checks */
static void validate_reps(const struct ctx *c, long reps, unsigned flags)
{
  for (long i = 0; i < reps; i++) {
    const char *p = c->ref;
    size_t n = c->ref_len;
    OPAQUE(p);
    OPAQUE(n);
    greet_status st = c->api->validate(p, n, NULL, flags);
    OPAQUE(st);
    CLOBBER();
  }
}

static void loop_validate(const struct ctx *c, long reps)
{
  validate_reps(c, reps, 0);
}

static void loop_validate_ctl(const struct ctx *c, long reps)
{
  validate_reps(c, reps, GREET_UTF8_REJECT_CTL);
}

/* ------------------------------------------------------------ checks */

static void check_format(const struct api *api, const char *name, char *buf, size_t cap)
{
  char want[512];
  size_t out = 0;
  int n = snprintf(want, sizeof want, "Hello, %s!", name);
  check(api->format(name, strlen(name), buf, cap, &out, 0) == GREET_OK &&
        (int)out == n && memcmp(buf, want, out + 1) == 0, "greet_format != snprintf", name);
}

/* Decodes with greet (both flag sets) and curl: they must agree. */
static void check_decode(const struct api *api, const char *src, size_t len, char *buf, size_t cap,
                         CURL *curl)
{
  size_t glen = 0, glen_ctl = 0;
  int clen = 0;
  greet_status st = api->decode(src, len, buf, cap, &glen, 0);
  char *c = curl_easy_unescape(curl, src, (int)len, &clen);

  check(st == GREET_OK, "greet_url_decode failed", src);
  check(c != NULL, "curl_easy_unescape failed", src);
  if (st == GREET_OK && c != NULL)
    check((size_t)clen == glen && memcmp(c, buf, glen) == 0,
          "greet_url_decode and curl_easy_unescape differ", src);
  curl_free(c);
  st = api->decode(src, len, buf, cap, &glen_ctl, GREET_DECODE_REJECT_CTL);
  check(st == GREET_OK && glen_ctl == glen, "REJECT_CTL changed the result", src);
  check(api->validate(buf, glen, NULL, 0) == GREET_OK, "decoded output is not valid UTF-8", src);
  check(api->validate(buf, glen, NULL, GREET_UTF8_REJECT_CTL) == GREET_OK,
        "decoded output has a control character", src);
}

/* Encodes with greet and curl: they must agree.  Returns the length. */
static size_t check_encode(const char *src, size_t len, char *buf, size_t cap, CURL *curl)
{
  size_t n = 0;
  greet_status st = greet_url_encode(src, len, buf, cap, &n, 0);
  char *c = curl_easy_escape(curl, src, (int)len);
  check(st == GREET_OK, "greet_url_encode failed", src);
  check(c != NULL, "curl_easy_escape failed", src);
  if (st == GREET_OK && c != NULL)
    check(strlen(c) == n && memcmp(c, buf, n) == 0,
          "greet_url_encode and curl_easy_escape differ", src);
  curl_free(c);
  return n;
}

/* ------------------------------------------------------------ inputs */

static uint64_t rng;
static unsigned next_rand(void)
{
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(rng >> 33);
}

/* Names in several scripts, as raw UTF-8 and as a browser encodes them;
 * "£µ§" starts with C2 like the C1 controls, which REJECT_CTL must look at. */
static const char *const names_raw[] = {
  "John", "José María", "Zoë", "Jürgen", "Ωμέγα", "Владимир", "日本語", "😀", "Łukasz",
  "£µ§", "Siobhán", "Nguyễn", "محمد", "Ñandú",
};

static void pct_append(char *dst, size_t *o, unsigned char c, int all)
{
  static const char upper[] = "0123456789ABCDEF", lower[] = "0123456789abcdef";
  int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~';
  if (plain && !all) {
    dst[(*o)++] = (char)c;
    return;
  }
  const char *hex = next_rand() & 1 ? upper : lower;  /* both cases occur */
  dst[(*o)++] = '%';
  dst[(*o)++] = hex[c >> 4];
  dst[(*o)++] = hex[c & 15];
}

enum kind { K_ASCII, K_PCT_ALL, K_UTF8_PCT, K_UTF8_RAW, K_RESERVED };
static const char *const kind_name[] = {"ascii", "pct-all", "utf8-pct", "utf8-raw", "all-reserved"};

/* Fills at most `size` bytes with whole units; returns the length. */
static size_t make_input(enum kind k, char *dst, size_t size)
{
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~ ";
  size_t o = 0;
  rng = 0x9e3779b9u;
  for (;;) {
    char unit[64];
    size_t u = 0;
    switch (k) {
    case K_ASCII:
      unit[u++] = alnum[next_rand() % (sizeof alnum - 1)];
      break;
    case K_RESERVED: {
      /* printable ASCII that a path segment must encode, space included */
      static const char reserved[] = " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}";
      unit[u++] = reserved[next_rand() % (sizeof reserved - 1)];
      break;
    }
    case K_PCT_ALL:
      pct_append(unit, &u, (unsigned char)(0x20 + next_rand() % 0x5f), 1);  /* ' '..'~' */
      break;
    case K_UTF8_PCT:
    case K_UTF8_RAW: {
      const char *n = names_raw[next_rand() % (sizeof names_raw / sizeof names_raw[0])];
      for (const char *q = n; *q; q++) {
        if (k == K_UTF8_RAW)
          unit[u++] = *q;
        else
          pct_append(unit, &u, (unsigned char)*q, 0);
      }
      if (k == K_UTF8_RAW)
        unit[u++] = ' ';
      else
        pct_append(unit, &u, ' ', 0);
      break;
    }
    }
    if (o + u > size)
      return o;
    memcpy(dst + o, unit, u);
    o += u;
  }
}

/* ------------------------------------------------------------ tables */

static const char *const short_names[] = {"John", "Jürgen", "Wolfgang Amadeus Mozart"};
static const char *const short_encoded[] = {"John", "J%C3%BCrgen", "Jos%C3%A9%20Mar%C3%ADa"};
#define NSHORT 3

static void table_format(const struct api *api)
{
  char buf[512];
  printf("Formatting a short name, ns per call (lower is better)\n\n"
         "| name | bytes | greet_format | snprintf | memcpy(out) | snprintf/greet | greet/memcpy |\n"
         "|---|---:|---:|---:|---:|---:|---:|\n");
  for (int i = 0; i < NSHORT; i++) {
    const char *name = short_names[i];
    char want[512];
    int wn = snprintf(want, sizeof want, "Hello, %s!", name);
    struct ctx c = {api, name, strlen(name), want, (size_t)wn, buf, sizeof buf, NULL};
    loop_fn fns[] = {loop_format, loop_snprintf, loop_memcpy_ref};
    double ns[3], t[3][MAX_BATCHES];

    check_format(api, name, buf, sizeof buf);
    measure(&c, fns, 3, ns, t);
    double vs = paired(t, 1, 0);
    printf("| %s | %zu | %.1f | %.1f | %.1f | %.2fx | %.2fx |\n",
           name, c.len, ns[0], ns[1], ns[2], vs, paired(t, 0, 2));
    char what[96];
    snprintf(what, sizeof what, "greet_format faster than snprintf, '%s'", name);
    goal(vs > 1, what, vs, "x");
  }
}

static void table_decode_short(const struct api *api, CURL *curl)
{
  char buf[512];
  printf("\nDecoding a short name, ns per call (lower is better)\n\n"
         "| input | bytes | greet | greet REJECT_CTL | curl | memcpy(in) | curl/greet | curl/greet REJECT_CTL | greet/memcpy |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int i = 0; i < NSHORT; i++) {
    const char *enc = short_encoded[i];
    struct ctx c = {api, enc, strlen(enc), NULL, 0, buf, sizeof buf, curl};
    loop_fn fns[] = {loop_decode, loop_decode_ctl, loop_curl, loop_memcpy_src};
    double ns[4], t[4][MAX_BATCHES];

    check_decode(api, enc, c.len, buf, sizeof buf, curl);
    measure(&c, fns, 4, ns, t);
    double v0 = paired(t, 2, 0), v1 = paired(t, 2, 1);
    printf("| %s | %zu | %.1f | %.1f | %.1f | %.1f | %.2fx | %.2fx | %.2fx |\n",
           enc, c.len, ns[0], ns[1], ns[2], ns[3], v0, v1, paired(t, 0, 3));
    char what[96];
    snprintf(what, sizeof what, "decode faster than curl, short '%s' (both flag sets)", enc);
    goal(v0 > 1 && v1 > 1, what, v0 < v1 ? v0 : v1, "x");
  }
}

struct large { char *src, *dec; size_t len, dlen; };

static void make_large(struct large *L, enum kind k, size_t size, const struct api *api)
{
  L->src = malloc(size);
  L->dec = malloc(size + 1);
  if (L->src == NULL || L->dec == NULL) {
    fprintf(stderr, "micro: out of memory\n");
    exit(1);
  }
  L->len = make_input(k, L->src, size);
  if (api->decode(L->src, L->len, L->dec, size + 1, &L->dlen, 0) != GREET_OK)
    L->dlen = 0;
}

static void table_large(const struct api *api, CURL *curl, const struct large *inputs, size_t size)
{
  char *buf = malloc(size + 1);
  if (buf == NULL)
    exit(1);
  printf("\nLarge inputs (%zu bytes), GB/s of input (higher is better)\n\n"
         "| input | bytes | decoded | greet | greet REJECT_CTL | validate (decoded) | "
         "validate REJECT_CTL | curl | memcpy | curl/greet | curl/greet REJECT_CTL | "
         "greet / memcpy speed |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", size);
  for (int k = 0; k < 4; k++) {
    const struct large *L = &inputs[k];
    struct ctx c = {api, L->src, L->len, L->dec, L->dlen, buf, size + 1, curl};
    loop_fn fns[] = {loop_decode, loop_decode_ctl, loop_curl, loop_memcpy_src};
    double ns[4], t[4][MAX_BATCHES], vns[2], vt[2][MAX_BATCHES];
    loop_fn vf[] = {loop_validate, loop_validate_ctl};

    check_decode(api, L->src, L->len, buf, size + 1, curl);
    measure(&c, fns, 4, ns, t);
    measure(&c, vf, 2, vns, vt);
    double gb = (double)L->len, v0 = paired(t, 2, 0), v1 = paired(t, 2, 1);
    printf("| %s | %zu | %zu | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2fx | %.2fx | %.0f%% |\n",
           kind_name[k], L->len, L->dlen, gb / ns[0], gb / ns[1], (double)L->dlen / vns[0],
           (double)L->dlen / vns[1], gb / ns[2], gb / ns[3], v0, v1, 100 * paired(t, 3, 0));
    char what[96];
    if (k == K_ASCII) {
      goal(gb / ns[0] >= 1, "decode a name without escapes >= 1 GB/s (flags 0)", gb / ns[0], " GB/s");
      goal(gb / ns[1] >= 1, "decode a name without escapes >= 1 GB/s (REJECT_CTL)", gb / ns[1], " GB/s");
    }
    snprintf(what, sizeof what, "decode faster than curl, large %s (both flag sets)", kind_name[k]);
    goal(v0 > 1 && v1 > 1, what, v0 < v1 ? v0 : v1, "x");
  }
  free(buf);
}

static void table_encode_short(CURL *curl)
{
  char buf[512];
  printf("\nEncoding a short name (path segment), ns per call (lower is better)\n\n"
         "| name | bytes | greet (cap 3n+1) | greet (exact cap) | curl_easy_escape | memcpy(in) | "
         "curl/greet | curl/greet exact | greet/memcpy |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int i = 0; i < NSHORT; i++) {
    const char *name = short_names[i];
    size_t len = strlen(name);
    struct ctx c = {NULL, name, len, NULL, 0, buf, 3 * len + 1, curl};
    loop_fn fns[] = {loop_encode, loop_encode_exact, loop_curl_escape, loop_memcpy_src};
    double ns[4], t[4][MAX_BATCHES];

    c.ref_len = check_encode(name, len, buf, sizeof buf, curl);
    measure(&c, fns, 4, ns, t);
    double v0 = paired(t, 2, 0), v1 = paired(t, 2, 1);
    printf("| %s | %zu | %.1f | %.1f | %.1f | %.1f | %.2fx | %.2fx | %.2fx |\n",
           name, len, ns[0], ns[1], ns[2], ns[3], v0, v1, paired(t, 0, 3));
    char what[96];
    snprintf(what, sizeof what, "encode faster than curl, short '%s' (both caps)", name);
    goal(v0 > 1 && v1 > 1, what, v0 < v1 ? v0 : v1, "x");
  }
}

static void table_encode_large(CURL *curl, size_t size)
{
  static const enum kind kinds[] = {K_ASCII, K_RESERVED, K_UTF8_RAW};
  char *src = malloc(size), *buf = malloc(3 * size + 1);
  if (src == NULL || buf == NULL)
    exit(1);
  printf("\nEncoding large inputs (%zu bytes, path segment), GB/s of input (higher is better)\n\n"
         "| input | bytes | encoded | greet (cap 3n+1) | greet (exact cap) | curl_easy_escape | "
         "memcpy | curl/greet | curl/greet exact | greet / memcpy speed |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", size);
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    size_t len = make_input(kinds[k], src, size);
    struct ctx c = {NULL, src, len, NULL, 0, buf, 3 * len + 1, curl};
    loop_fn fns[] = {loop_encode, loop_encode_exact, loop_curl_escape, loop_memcpy_src};
    double ns[4], t[4][MAX_BATCHES];

    c.ref_len = check_encode(src, len, buf, 3 * size + 1, curl);
    measure(&c, fns, 4, ns, t);
    double gb = (double)len, v0 = paired(t, 2, 0), v1 = paired(t, 2, 1);
    printf("| %s | %zu | %zu | %.2f | %.2f | %.2f | %.2f | %.2fx | %.2fx | %.0f%% |\n",
           kind_name[kinds[k]], len, c.ref_len, gb / ns[0], gb / ns[1], gb / ns[2], gb / ns[3],
           v0, v1, 100 * paired(t, 3, 0));
    char what[96];
    snprintf(what, sizeof what, "encode faster than curl, large %s (both caps)",
             kind_name[kinds[k]]);
    goal(v0 > 1 && v1 > 1, what, v0 < v1 ? v0 : v1, "x");
  }
  free(src);
  free(buf);
}

/* The linked libgreet against another build of it, row by row. */
static void table_ab(const struct api *base, const struct api *alt, const char *alt_path,
                     const struct large *inputs, size_t size)
{
  char *buf = malloc(size + 1);
  if (buf == NULL)
    exit(1);
  printf("\nA/B: linked libgreet (A) vs %s (B); B/A < 1 means B is faster\n\n"
         "| function | input | A ns/call | B ns/call | B/A time (paired) |\n"
         "|---|---|---:|---:|---:|\n", alt_path);
  struct row { const char *fn; loop_fn loop; const char *label; struct ctx c; } rows[32];
  int n = 0;
  char want[NSHORT][512];
  for (int i = 0; i < NSHORT; i++) {
    int wn = snprintf(want[i], sizeof want[i], "Hello, %s!", short_names[i]);
    rows[n++] = (struct row){"greet_format", loop_format, short_names[i],
                             {base, short_names[i], strlen(short_names[i]), want[i], (size_t)wn, buf, size + 1, NULL}};
  }
  for (int i = 0; i < NSHORT; i++) {
    rows[n++] = (struct row){"greet_url_decode", loop_decode, short_encoded[i],
                             {base, short_encoded[i], strlen(short_encoded[i]), NULL, 0, buf, size + 1, NULL}};
    rows[n++] = (struct row){"greet_url_decode REJECT_CTL", loop_decode_ctl, short_encoded[i],
                             {base, short_encoded[i], strlen(short_encoded[i]), NULL, 0, buf, size + 1, NULL}};
  }
  for (int k = 0; k < 4; k++) {
    const struct large *L = &inputs[k];
    struct ctx c = {base, L->src, L->len, L->dec, L->dlen, buf, size + 1, NULL};
    rows[n++] = (struct row){"greet_url_decode", loop_decode, kind_name[k], c};
    rows[n++] = (struct row){"greet_url_decode REJECT_CTL", loop_decode_ctl, kind_name[k], c};
    rows[n++] = (struct row){"greet_utf8_validate", loop_validate, kind_name[k], c};
    rows[n++] = (struct row){"greet_utf8_validate REJECT_CTL", loop_validate_ctl, kind_name[k], c};
  }
  for (int i = 0; i < n; i++) {
    /* A and B take turns batch by batch: two contexts, the same loop */
    struct ctx a = rows[i].c, b = rows[i].c;
    b.api = alt;
    double ta[MAX_BATCHES], tb[MAX_BATCHES], r[MAX_BATCHES];
    long reps = 1;
    for (;;) {
      double s = now_ns();
      rows[i].loop(&a, reps);
      if (now_ns() - s >= batch_ns / 4 || reps >= (1L << 30))
        break;
      reps *= 2;
    }
    reps *= 4;
    for (int t = 0; t < batches; t++) {
      double s = now_ns();
      if (t % 2) {
        rows[i].loop(&b, reps);
        tb[t] = (now_ns() - s) / (double)reps;
        s = now_ns();
        rows[i].loop(&a, reps);
        ta[t] = (now_ns() - s) / (double)reps;
      } else {
        rows[i].loop(&a, reps);
        ta[t] = (now_ns() - s) / (double)reps;
        s = now_ns();
        rows[i].loop(&b, reps);
        tb[t] = (now_ns() - s) / (double)reps;
      }
      r[t] = tb[t] / ta[t];
    }
    printf("| %s | %s | %.1f | %.1f | %.2f |\n", rows[i].fn, rows[i].label,
           median(ta, batches), median(tb, batches), median(r, batches));
  }
  free(buf);
}

int main(int argc, char **argv)
{
  size_t size = 1u << 20;
  const char *alt_path = NULL;
  struct api base = {greet_format, greet_url_decode, greet_utf8_validate}, alt;
  struct large inputs[4];
  CURL *curl;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--smoke") == 0) {
      batches = 3;
      batch_ns = 2e4;
      size = 64 * 1024;
    } else if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc) {
      batches = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
      size = (size_t)strtoul(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--cpu-clock") == 0) {
      clock_id = CLOCK_THREAD_CPUTIME_ID;
    } else if (strcmp(argv[i], "--alt") == 0 && i + 1 < argc) {
      alt_path = argv[++i];
    } else {
      fprintf(stderr, "usage: %s [--smoke] [--batches N] [--size BYTES] [--cpu-clock] [--alt LIBGREET.so]\n",
              argv[0]);
      return 2;
    }
  }
  if (batches < 1 || batches > MAX_BATCHES || size < 64 || size > (1u << 30)) {
    fprintf(stderr, "micro: --batches 1..%d, --size 64..2^30\n", MAX_BATCHES);
    return 2;
  }
  if (alt_path != NULL) {
    /* a path with a '/' is loaded as its own object even with the same soname */
    void *h = dlopen(alt_path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
      fprintf(stderr, "micro: %s\n", dlerror());
      return 2;
    }
    *(void **)&alt.format = dlsym(h, "greet_format");
    *(void **)&alt.decode = dlsym(h, "greet_url_decode");
    *(void **)&alt.validate = dlsym(h, "greet_utf8_validate");
    if (alt.format == NULL || alt.decode == NULL || alt.validate == NULL) {
      fprintf(stderr, "micro: %s lacks a libgreet function\n", alt_path);
      return 2;
    }
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl = curl_easy_init();
  if (curl == NULL) {
    fprintf(stderr, "micro: curl_easy_init failed\n");
    return 1;
  }
  printf("libgreet %s; libcurl %s; cc %s; median of %d batches of ~%.0f ms (%s)\n\n",
         greet_version_string(), curl_version_info(CURLVERSION_NOW)->version,
#if defined(__VERSION__)
         __VERSION__,
#else
         "?",
#endif
         batches, batch_ns / 1e6,
         clock_id == CLOCK_MONOTONIC ? "CLOCK_MONOTONIC" : "thread CPU time");

  for (int k = 0; k < 4; k++)
    make_large(&inputs[k], (enum kind)k, size, &base);
  table_format(&base);
  table_decode_short(&base, curl);
  table_large(&base, curl, inputs, size);
  table_encode_short(curl);
  table_encode_large(curl, size);
  printf("\nX/greet: X's time over greet's, median of the per-batch ratios (above 1: greet is faster).\n"
         "greet/memcpy: how many times memcpy's time greet takes for the same bytes.\n\n%s", goals);

  if (alt_path != NULL) {
    for (int i = 0; i < NSHORT; i++) {
      char buf[512];
      check_format(&alt, short_names[i], buf, sizeof buf);
      check_decode(&alt, short_encoded[i], strlen(short_encoded[i]), buf, sizeof buf, curl);
    }
    char *buf = malloc(size + 1);
    for (int k = 0; buf != NULL && k < 4; k++)
      check_decode(&alt, inputs[k].src, inputs[k].len, buf, size + 1, curl);
    free(buf);
    table_ab(&base, &alt, alt_path, inputs, size);
  }

  for (int k = 0; k < 4; k++) {
    free(inputs[k].src);
    free(inputs[k].dec);
  }
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  if (failures > 0) {
    fprintf(stderr, "micro: %d output mismatch(es)\n", failures);
    return 1;
  }
  return 0;
}
