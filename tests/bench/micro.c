/*
 * micro.c - libgreet's hot functions against what they replace.
 *
 *   greet_format        vs snprintf(buf, cap, "Hello, %s!", name)
 *   greet_url_decode    vs curl_easy_unescape (libcurl)
 *   both                vs memcpy of the same bytes: the physical limit
 *
 * Short names give ns per call; 1 MiB inputs (plain ASCII, every byte
 * percent-encoded, percent-encoded UTF-8 as browsers send it, raw UTF-8)
 * give GB/s (10^9 bytes of input per second).  Each figure is the median
 * of BATCHES timed batches on CLOCK_MONOTONIC; a batch repeats the call
 * enough times to last about 5 ms, so the clock's cost and resolution
 * vanish.  Before timing anything, the outputs of greet and curl are
 * compared byte for byte for every input: both do the same work.
 *
 * Usage: micro [--smoke] [--batches N] [--size BYTES]
 *   --smoke   tiny batches: checks the outputs agree and runs in ms
 *             (what `meson test -C build-bench-tools` runs)
 * Exit status 1 if an output differs; the goal lines are informative.
 *
 * Not equal work, and said so in the tables: greet_format checks that the
 * name is valid UTF-8 and snprintf does not; curl_easy_unescape mallocs its
 * result (curl_free'd in the loop, as a caller must) and greet writes into
 * the caller's buffer.  That is each API's real cost.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <greet.h>

#define MAX_BATCHES 101

/* Hides a value from the optimizer: it must be computed and may have changed. */
#if defined(__GNUC__)
#  define OPAQUE(x) __asm__ volatile("" : "+r"(x))
#  define CLOBBER() __asm__ volatile("" ::: "memory")
#else
#  define OPAQUE(x) ((void)0)
#  define CLOBBER() ((void)0)
#endif

static int batches = 21;
static double batch_ns = 5e6;     /* a batch lasts about this long */
static int failures;              /* outputs that differ: exit status 1 */
static char goals[4096];          /* issue 7's library goals, printed last */
static size_t goals_len;

static void goal(int met, const char *what, double value, const char *unit)
{
  int n = snprintf(goals + goals_len, sizeof goals - goals_len, "goal: %-62s %s (%.2f%s)\n",
                   what, met ? "met" : "NOT met", value, unit);
  if (n > 0 && (size_t)n < sizeof goals - goals_len)
    goals_len += (size_t)n;
}

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * ns per execution of `body`: the repetition count doubles until one batch
 * lasts batch_ns, then `batches` batches are timed and the median kept.
 * A macro, not a function pointer, so the loop calls the function under
 * test directly, as real code would.
 */
#define MEASURE(result, ...)                                        \
  do {                                                              \
    double t_[MAX_BATCHES];                                         \
    long reps_ = 1;                                                 \
    for (;;) {                                                      \
      double s_ = now_ns();                                         \
      for (long i_ = 0; i_ < reps_; i_++) { __VA_ARGS__; }               \
      if (now_ns() - s_ >= batch_ns / 4 || reps_ >= (1L << 30))     \
        break;                                                      \
      reps_ *= 2;                                                   \
    }                                                               \
    reps_ *= 4;                                                     \
    for (int b_ = 0; b_ < batches; b_++) {                          \
      double s_ = now_ns();                                         \
      for (long i_ = 0; i_ < reps_; i_++) { __VA_ARGS__; }               \
      t_[b_] = (now_ns() - s_) / (double)reps_;                     \
    }                                                               \
    (result) = median(t_, batches);                                 \
  } while (0)

static void check(int ok, const char *what, const char *input)
{
  if (!ok) {
    fprintf(stderr, "micro: MISMATCH: %s (input %s)\n", what, input);
    failures++;
  }
}

/* Decodes src with greet (flags) and curl and checks they agree. */
static void check_decode(const char *label, const char *src, size_t len, char *buf, size_t cap,
                         CURL *curl)
{
  size_t glen = 0, glen_ctl = 0;
  int clen = 0;
  greet_status st = greet_url_decode(src, len, buf, cap, &glen, 0);
  char *c = curl_easy_unescape(curl, src, (int)len, &clen);

  check(st == GREET_OK, "greet_url_decode failed", label);
  check(c != NULL, "curl_easy_unescape failed", label);
  if (st == GREET_OK && c != NULL)
    check((size_t)clen == glen && memcmp(c, buf, glen) == 0,
          "greet_url_decode and curl_easy_unescape differ", label);
  curl_free(c);
  st = greet_url_decode(src, len, buf, cap, &glen_ctl, GREET_DECODE_REJECT_CTL);
  check(st == GREET_OK && glen_ctl == glen, "REJECT_CTL changed the result", label);
  check(greet_utf8_validate(buf, glen, NULL, 0) == GREET_OK, "decoded output is not UTF-8", label);
}

/* ------------------------------------------------------------ short names */

static void bench_format(const char *name)
{
  size_t len = strlen(name), out = 0, want;
  char buf[256], ref[256];
  double g, s, m;

  want = (size_t)snprintf(ref, sizeof ref, "Hello, %s!", name);
  check(greet_format(name, len, buf, sizeof buf, &out, 0) == GREET_OK &&
        out == want && memcmp(buf, ref, want + 1) == 0, "greet_format != snprintf", name);

  MEASURE(g, {
    const char *p = name; size_t n = len; size_t o;
    OPAQUE(p); OPAQUE(n);
    greet_status st = greet_format(p, n, buf, sizeof buf, &o, 0);
    OPAQUE(st); CLOBBER();
  });
  MEASURE(s, {
    const char *p = name;
    OPAQUE(p);
    int r = snprintf(buf, sizeof buf, "Hello, %s!", p);
    OPAQUE(r); CLOBBER();
  });
  MEASURE(m, {
    const char *p = ref; size_t n = want;
    OPAQUE(p); OPAQUE(n);
    memcpy(buf, p, n);
    CLOBBER();
  });
  printf("| %-26s | %5zu | %12.1f | %8.1f | %11.1f | %13.2fx | %12.2fx |\n",
         name, len, g, s, m, s / g, g / m);
  char what[128];
  snprintf(what, sizeof what, "greet_format faster than snprintf, '%s'", name);
  goal(g < s, what, s / g, "x");
}

struct short_case { const char *label, *enc; };

static void bench_decode_short(const struct short_case *c, CURL *curl)
{
  size_t len = strlen(c->enc);
  char buf[256];
  double g, gc, cu, m;

  check_decode(c->label, c->enc, len, buf, sizeof buf, curl);
  MEASURE(g, {
    const char *p = c->enc; size_t n = len; size_t o;
    OPAQUE(p); OPAQUE(n);
    greet_status st = greet_url_decode(p, n, buf, sizeof buf, &o, 0);
    OPAQUE(st); CLOBBER();
  });
  MEASURE(gc, {
    const char *p = c->enc; size_t n = len; size_t o;
    OPAQUE(p); OPAQUE(n);
    greet_status st = greet_url_decode(p, n, buf, sizeof buf, &o, GREET_DECODE_REJECT_CTL);
    OPAQUE(st); CLOBBER();
  });
  MEASURE(cu, {
    const char *p = c->enc; int n = (int)len, o;
    OPAQUE(p); OPAQUE(n);
    char *r = curl_easy_unescape(curl, p, n, &o);
    OPAQUE(r);
    curl_free(r);
  });
  MEASURE(m, {
    const char *p = c->enc; size_t n = len;
    OPAQUE(p); OPAQUE(n);
    memcpy(buf, p, n);
    CLOBBER();
  });
  printf("| %-26s | %5zu | %8.1f | %13.1f | %8.1f | %10.1f | %13.2fx | %12.2fx |\n",
         c->label, len, g, gc, cu, m, cu / g, g / m);
  char what[128];
  snprintf(what, sizeof what, "decode faster than curl, short '%s'", c->label);
  goal(g < cu && gc < cu, what, cu / (gc > g ? gc : g), "x, slower flag set");
}

/* ------------------------------------------------------------ large inputs */

static uint64_t rng;
static unsigned next_rand(void)
{
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(rng >> 33);
}

/* Names in several scripts, as raw UTF-8 and as a browser encodes them. */
static const char *const names_raw[] = {
  "John", "José María", "Zoë", "Jürgen", "Ωμέγα", "Владимир", "日本語", "😀", "Łukasz",
  "£µ§", "Siobhán", "Nguyễn", "محمد", "Ñandú",
};

static void pct_append(char *dst, size_t *o, unsigned char c, int all)
{
  static const char hex_upper[] = "0123456789ABCDEF", hex_lower[] = "0123456789abcdef";
  int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~';
  if (plain && !all) {
    dst[(*o)++] = (char)c;
    return;
  }
  const char *hex = next_rand() & 1 ? hex_upper : hex_lower;  /* both cases occur */
  dst[(*o)++] = '%';
  dst[(*o)++] = hex[c >> 4];
  dst[(*o)++] = hex[c & 15];
}

enum kind { K_ASCII, K_PCT_ALL, K_UTF8_PCT, K_UTF8_RAW };

/* Fills at most `size` bytes; returns the length (whole units only). */
static size_t make_input(enum kind k, char *dst, size_t size)
{
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~ ";
  size_t o = 0;
  rng = 0x9e3779b9UL;
  for (;;) {
    char unit[64];
    size_t u = 0;
    switch (k) {
    case K_ASCII:
      unit[u++] = alnum[next_rand() % (sizeof alnum - 1)];
      break;
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

static void bench_large(const char *label, enum kind k, size_t size, CURL *curl)
{
  char *src = malloc(size), *dst = malloc(size + 1), *dec = malloc(size + 1);
  size_t len, dlen = 0;
  double g, gc, v, cu, m;

  if (src == NULL || dst == NULL || dec == NULL) {
    fprintf(stderr, "micro: out of memory\n");
    exit(1);
  }
  len = make_input(k, src, size);
  check_decode(label, src, len, dst, size + 1, curl);
  if (greet_url_decode(src, len, dec, size + 1, &dlen, 0) != GREET_OK)
    dlen = 0;

  MEASURE(g, {
    size_t o; greet_status st = greet_url_decode(src, len, dst, size + 1, &o, 0);
    OPAQUE(st); CLOBBER();
  });
  MEASURE(gc, {
    size_t o; greet_status st = greet_url_decode(src, len, dst, size + 1, &o, GREET_DECODE_REJECT_CTL);
    OPAQUE(st); CLOBBER();
  });
  MEASURE(v, {
    greet_status st = greet_utf8_validate(dec, dlen, NULL, 0);
    OPAQUE(st); CLOBBER();
  });
  MEASURE(cu, {
    int o; char *r = curl_easy_unescape(curl, src, (int)len, &o);
    OPAQUE(r); curl_free(r);
  });
  MEASURE(m, {
    memcpy(dst, src, len);
    CLOBBER();
  });

  /* GB/s = bytes / ns; validate is measured on its own input, the decoded bytes */
  double gb = (double)len;
  printf("| %-10s | %8zu | %7zu | %6.2f | %13.2f | %8.2f | %5.2f | %6.2f | %12.2fx | %16.2fx | %11.0f%% |\n",
         label, len, dlen, gb / g, gb / gc, (double)dlen / v, gb / cu, gb / m,
         cu / g, cu / gc, 100 * m / g);
  char what[128];
  if (k == K_ASCII) {
    goal(gb / g >= 1.0, "decode a name without escapes >= 1 GB/s (flags 0)", gb / g, " GB/s");
    goal(gb / gc >= 1.0, "decode a name without escapes >= 1 GB/s (REJECT_CTL)", gb / gc, " GB/s");
  }
  snprintf(what, sizeof what, "decode faster than curl, %zu-byte %s", len, label);
  goal(g < cu && gc < cu, what, cu / (gc > g ? gc : g), "x, slower flag set");
  free(src);
  free(dst);
  free(dec);
}

int main(int argc, char **argv)
{
  size_t size = 1u << 20;
  int smoke = 0;
  CURL *curl;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--smoke") == 0) {
      smoke = 1;
    } else if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc) {
      batches = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
      size = (size_t)strtoul(argv[++i], NULL, 10);
    } else {
      fprintf(stderr, "usage: %s [--smoke] [--batches N] [--size BYTES]\n", argv[0]);
      return 2;
    }
  }
  if (batches < 1 || batches > MAX_BATCHES || size < 64 || size > (1u << 30)) {
    fprintf(stderr, "micro: --batches 1..%d, --size 64..2^30\n", MAX_BATCHES);
    return 2;
  }
  if (smoke) {
    batches = 3;
    batch_ns = 2e4;
    size = 64 * 1024;
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl = curl_easy_init();
  if (curl == NULL) {
    fprintf(stderr, "micro: curl_easy_init failed\n");
    return 1;
  }
  printf("libgreet %s, %s, %s; median of %d batches of ~%.0f ms\n\n",
         greet_version_string(), curl_version(),
#if defined(__VERSION__)
         "cc " __VERSION__,
#else
         "cc ?",
#endif
         batches, batch_ns / 1e6);

  printf("Formatting, ns per call (lower is better)\n\n");
  printf("| %-26s | %5s | %12s | %8s | %11s | %14s | %13s |\n",
         "name", "bytes", "greet_format", "snprintf", "memcpy(out)", "snprintf/greet", "greet/memcpy");
  printf("|---|---:|---:|---:|---:|---:|---:|\n");
  bench_format("John");
  bench_format("Jürgen");
  bench_format("Wolfgang Amadeus Mozart");

  static const struct short_case dec[] = {
    {"John", "John"},
    {"J%C3%BCrgen (Jürgen)", "J%C3%BCrgen"},
    {"Jos%C3%A9%20Mar%C3%ADa", "Jos%C3%A9%20Mar%C3%ADa"},
  };
  printf("\nDecoding short names, ns per call (lower is better)\n\n");
  printf("| %-26s | %5s | %8s | %13s | %8s | %10s | %14s | %13s |\n",
         "input", "bytes", "greet", "greet+REJ_CTL", "curl", "memcpy(in)", "curl/greet", "greet/memcpy");
  printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < sizeof dec / sizeof dec[0]; i++)
    bench_decode_short(&dec[i], curl);

  printf("\nLarge inputs (%zu bytes), GB/s of input (higher is better); validate runs on the decoded bytes\n\n",
         size);
  printf("| %-10s | %8s | %7s | %6s | %13s | %8s | %5s | %6s | %13s | %17s | %12s |\n",
         "input", "bytes", "decoded", "greet", "greet+REJ_CTL", "validate", "curl", "memcpy",
         "curl/greet", "curl/greet+REJ", "% of memcpy");
  printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  bench_large("ascii", K_ASCII, size, curl);
  bench_large("pct-all", K_PCT_ALL, size, curl);
  bench_large("utf8-pct", K_UTF8_PCT, size, curl);
  bench_large("utf8-raw", K_UTF8_RAW, size, curl);

  printf("\nX/greet = X's time over greet's (above 1: greet is faster); greet/memcpy = greet's time\n"
         "over memcpy's of the same bytes; %% of memcpy = greet's speed as a share of memcpy's.\n\n%s",
         goals);
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  if (failures > 0) {
    fprintf(stderr, "micro: %d output mismatch(es)\n", failures);
    return 1;
  }
  return 0;
}
