/* SPDX-License-Identifier: MIT */
/*
 * config.c - one table of options, read from the environment and argv.
 *
 * Every option is a flag (--name) and an environment variable (GREET_NAME)
 * with the same meaning and the same checks, so there is one place to add
 * one and --help always lists them all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <greet.h>

#include "config.h"
#include "cpus.h"
#include "util.h"

enum opt_kind { OPT_NUMBER, OPT_ADDRESS, OPT_CHOICE, OPT_BOOL, OPT_FILE, OPT_TEMPLATE, OPT_LANG };

/* OPT_CHOICE values, stored as their index; the order matches
 * enum log_format and enum log_level in log.h. */
static const char *const log_formats[] = {"json", "text", NULL};
static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};

struct opt {
  const char *name;     /* --name; the variable is GREET_ + NAME in upper case */
  const char *env;
  const char *metavar;
  enum opt_kind kind;
  unsigned long min, max;
  size_t offset;        /* of the field in struct server_config */
  const char *help;
  const char *def;      /* the default, as it would be given; NULL: none */
  const char *const *choices;   /* OPT_CHOICE only */
};

#define FIELD(f) offsetof(struct server_config, f)

static const struct opt opts[] = {
  {"bind", "GREET_BIND", "ADDR", OPT_ADDRESS, 0, 0, FIELD(bind),
   "IPv4 or IPv6 address to listen on", "127.0.0.1"},
  {"port", "GREET_PORT", "N", OPT_NUMBER, 0, 65535, FIELD(port),
   "TCP port, 0 for any free one; PORT is read too", "5000"},
  {"admin-port", "GREET_ADMIN_PORT", "N", OPT_NUMBER, 1, 65535, FIELD(admin_port),
   "serve /metrics, /livez, /healthz, /readyz and /version on this port too, over plain "
   "HTTP, and /metrics only there (default: none, all on --port)"},
  {"admin-bind", "GREET_ADMIN_BIND", "ADDR", OPT_ADDRESS, 0, 0, FIELD(admin_bind),
   "IPv4 or IPv6 address of the --admin-port listener", "127.0.0.1"},
  {"threads", "GREET_THREADS", "N", OPT_NUMBER, 1, 256, FIELD(threads),
   "worker threads (default: its cgroup CPU limit, else the CPUs of a narrowed affinity mask, else all CPUs but one)"},
  {"max-name-length", "GREET_MAX_NAME_LENGTH", "BYTES", OPT_NUMBER, 1, MAX_NAME_LIMIT,
   FIELD(max_name), "longest decoded name; longer ones get 414", "1024"},
  {"connection-timeout", "GREET_CONNECTION_TIMEOUT", "SECONDS", OPT_NUMBER, 1, 86400,
   FIELD(conn_timeout), "close a connection idle this long", "30"},
  {"header-timeout", "GREET_HEADER_TIMEOUT", "SECONDS", OPT_NUMBER, 0, 3600,
   FIELD(header_timeout), "seconds a whole request may take to arrive, from connect or the last "
   "response; 0: no limit", "10"},
  {"tls-cert", "GREET_TLS_CERT", "FILE", OPT_FILE, 0, 0, FIELD(tls_cert),
   "serve HTTPS (TLS 1.2+) with this PEM certificate chain; needs --tls-key"},
  {"tls-key", "GREET_TLS_KEY", "FILE", OPT_FILE, 0, 0, FIELD(tls_key),
   "the certificate's PEM private key, unencrypted (default: plain HTTP)"},
  {"connection-limit", "GREET_CONNECTION_LIMIT", "N", OPT_NUMBER, 1, 1000000,
   FIELD(conn_limit), "most simultaneous connections", "10000"},
  /* 8 KiB holds the largest request a default greet-server serves (a
   * 1024-byte name fully percent-encoded, browser headers with a cookie)
   * and keeps 1000 connections near 15 MiB; libmicrohttpd's 32 KiB made
   * that 50 MiB (docs/performance.md). */
  {"connection-memory", "GREET_CONNECTION_MEMORY", "BYTES", OPT_NUMBER, 4096, 1048576,
   FIELD(conn_memory), "request buffer per connection", "8192"},
  {"trust-proxy", "GREET_TRUST_PROXY", "yes|no", OPT_BOOL, 0, 1, FIELD(trust_proxy),
   "log the client address from the last X-Forwarded-For entry, as set by a proxy in front; "
   "only when clients cannot reach the server directly", "no"},
  {"log-format", "GREET_LOG_FORMAT", "json|text", OPT_CHOICE, 0, 0, FIELD(log_format),
   "log lines as JSON objects or as text", "json", log_formats},
  {"log-level", "GREET_LOG_LEVEL", "LEVEL", OPT_CHOICE, 0, 0, FIELD(log_level),
   "least level logged: debug, info, warn, error", "info", log_levels},
  {"access-log", "GREET_ACCESS_LOG", "yes|no", OPT_BOOL, 0, 1, FIELD(access_log),
   "a log line per request; --no-access-log", "yes"},
  {"shutdown-timeout", "GREET_SHUTDOWN_TIMEOUT", "SECONDS", OPT_NUMBER, 0, 3600,
   FIELD(shutdown_timeout), "on SIGTERM, wait this long for requests in flight", "10"},
  {"drain-delay", "GREET_DRAIN_DELAY", "SECONDS", OPT_NUMBER, 0, 3600, FIELD(drain_delay),
   "on SIGTERM, keep serving with /readyz 503 this long first", "0"},
  {"default-lang", "GREET_DEFAULT_LANG", "TAG", OPT_LANG, 0, 0, FIELD(default_lang),
   "language when the client names none we have; see /languages", "en"},
  {"template", "GREET_TEMPLATE", "TEXT", OPT_TEMPLATE, 0, 0, FIELD(tmpl),
   "the default language's greeting, e.g. 'Hi {name}!' (default: the catalogue's)"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

/* set_address() writes both addresses through one buffer size. */
_Static_assert(sizeof ((struct server_config *)0)->bind ==
               sizeof ((struct server_config *)0)->admin_bind, "address fields differ");

static const struct opt *find(const char *name, size_t len);
static int set(struct server_config *cfg, const struct opt *o, const char *val,
               const char *from, FILE *err);

/* Every option's default, through the same checks as a value given; the
 * one default no text can state, the thread count, is worked out. */
static void defaults(struct server_config *cfg, FILE *err)
{
  const struct opt *threads = find(LIT("threads"));

  memset(cfg, 0, sizeof *cfg);
  for (size_t i = 0; i < NOPTS; i++)
    if (opts[i].def != NULL && set(cfg, &opts[i], opts[i].def, "default", err) != 0)
      abort();                  /* a default that fails its own check */
  cfg->threads = cpus_default_threads();
  if (cfg->threads > threads->max)
    cfg->threads = threads->max;
}

static void usage(FILE *out, const char *prog)
{
  fprintf(out, "Usage: %s [OPTION]...\n"
               "Serve GET /greet/<name> -> \"Hello, <name>!\" over HTTP.\n\n", prog);
  for (size_t i = 0; i < NOPTS; i++) {
    char flag[64];
    if (opts[i].kind == OPT_BOOL)
      snprintf(flag, sizeof flag, "--[no-]%s", opts[i].name);
    else
      snprintf(flag, sizeof flag, "--%s=%s", opts[i].name, opts[i].metavar);
    fprintf(out, "  %-28s %s", flag, opts[i].help);
    if (opts[i].def != NULL)
      fprintf(out, " (default %s)", opts[i].def);
    fprintf(out, "\n  %-28s   env %s\n", "", opts[i].env);
  }
  fprintf(out, "  %-28s %s\n  %-28s %s\n", "-h, --help", "show this help and exit",
          "-V, --version", "show the version and exit");
  fprintf(out, "\nFlags win over environment variables.  With systemd socket activation\n"
               "(LISTEN_FDS) the passed socket is used and --bind/--port are ignored.\n"
               "SIGINT, SIGTERM or SIGQUIT stop the server gracefully; a second one stops it at once;\n"
               "SIGHUP, SIGUSR1 and SIGUSR2 log a line and change nothing.\n"
               "Endpoints: /greet/NAME, /languages, /livez, /healthz, /readyz, /version, /metrics.\n");
}

/* The setters: each stores one value of its kind into field, checked;
 * `from` names where the value came from for errors.  0, or -1 with the
 * problem written to err. */
typedef int setter(void *field, const struct opt *o, const char *val, const char *from, FILE *err);

static int set_address(void *field, const struct opt *o, const char *val, const char *from,
                       FILE *err)
{
  unsigned char tmp[sizeof(struct in6_addr)];
  size_t len = strlen(val);
  char addr[sizeof ((struct server_config *)0)->bind];   /* admin_bind's size too */

  (void)o;
  if (len >= 2 && val[0] == '[' && val[len - 1] == ']') {
    val++;
    len -= 2;
  }
  if (len >= sizeof addr)
    len = sizeof addr - 1;
  memcpy(addr, val, len);
  addr[len] = '\0';
  if (inet_pton(AF_INET, addr, tmp) != 1 && inet_pton(AF_INET6, addr, tmp) != 1) {
    fprintf(err, "greet-server: invalid %s '%s': expected an IPv4 or IPv6 address\n", from, val);
    return -1;
  }
  memcpy(field, addr, len + 1);
  return 0;
}

static int set_template(void *field, const struct opt *o, const char *val, const char *from,
                        FILE *err)
{
  size_t at = 0;
  greet_status st = greet_template_validate(val, strlen(val), &at, 0);

  (void)o;
  if (st != GREET_OK) {
    fprintf(err, "greet-server: invalid %s '%s': %s, at byte %zu ('%s')\n", from, val,
            greet_strerror(st), at, val + at);
    return -1;
  }
  *(const char **)field = val[0] != '\0' ? val : NULL;   /* "": none */
  return 0;
}

static int set_lang(void *field, const struct opt *o, const char *val, const char *from,
                    FILE *err)
{
  char tag[LANG_TAG_CAP];
  size_t n = 0;
  greet_status st = greet_lang_lookup(val, strlen(val), tag, sizeof tag, &n, 0);

  (void)o;
  if (st == GREET_E_BAD_TAG) {
    fprintf(err, "greet-server: invalid %s '%s': not a language tag (byte %zu), "
                 "expected one like en, fr or pt-BR\n", from, val, n);
    return -1;
  }
  if (st != GREET_OK) {
    fprintf(err, "greet-server: invalid %s '%s': not a supported language "
                 "(GET /languages lists them)\n", from, val);
    return -1;
  }
  memcpy(field, tag, n + 1);
  return 0;
}

static int set_file(void *field, const struct opt *o, const char *val, const char *from,
                    FILE *err)
{
  (void)o;
  if (val[0] == '\0') {
    fprintf(err, "greet-server: invalid %s '': expected a file name\n", from);
    return -1;
  }
  *(const char **)field = val;   /* argv and environ outlive cfg */
  return 0;
}

static int set_choice(void *field, const struct opt *o, const char *val, const char *from,
                      FILE *err)
{
  for (unsigned long i = 0; o->choices[i] != NULL; i++)
    if (strcmp(val, o->choices[i]) == 0) {
      *(unsigned long *)field = i;
      return 0;
    }
  fprintf(err, "greet-server: invalid %s '%s': expected one of", from, val);
  for (unsigned long i = 0; o->choices[i] != NULL; i++)
    fprintf(err, "%s %s", i ? "," : "", o->choices[i]);
  fprintf(err, "\n");
  return -1;
}

static int set_bool(void *field, const struct opt *o, const char *val, const char *from,
                    FILE *err)
{
  static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};

  (void)o;
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    if (strcmp(val, yes[i]) == 0 || strcmp(val, no[i]) == 0) {
      *(unsigned long *)field = strcmp(val, yes[i]) == 0;
      return 0;
    }
  }
  fprintf(err, "greet-server: invalid %s '%s': expected yes or no\n", from, val);
  return -1;
}

static int set_number(void *field, const struct opt *o, const char *val, const char *from,
                      FILE *err)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul(val, &end, 10);
  if (val[0] < '0' || val[0] > '9' || *end != '\0' || errno == ERANGE || v < o->min || v > o->max) {
    fprintf(err, "greet-server: invalid %s '%s': expected a whole number from %lu to %lu\n",
            from, val, o->min, o->max);
    return -1;
  }
  *(unsigned long *)field = v;
  return 0;
}

static setter *const setters[] = {
  [OPT_NUMBER] = set_number, [OPT_ADDRESS] = set_address, [OPT_CHOICE] = set_choice,
  [OPT_BOOL] = set_bool, [OPT_FILE] = set_file, [OPT_TEMPLATE] = set_template,
  [OPT_LANG] = set_lang,
};

static int set(struct server_config *cfg, const struct opt *o, const char *val,
               const char *from, FILE *err)
{
  return setters[o->kind]((char *)cfg + o->offset, o, val, from, err);
}

static const struct opt *find(const char *name, size_t len)
{
  for (size_t i = 0; i < NOPTS; i++)
    if (strlen(opts[i].name) == len && memcmp(opts[i].name, name, len) == 0)
      return &opts[i];
  return NULL;
}

/* The GREET_* variables that are set; 0, or -1 after an error. */
static int from_environment(struct server_config *cfg, FILE *err)
{
  char from[96];

  for (size_t i = 0; i < NOPTS; i++) {
    const char *env = getenv(opts[i].env);
    const char *name = opts[i].env;
    if (env == NULL && strcmp(opts[i].name, "port") == 0) {
      env = getenv("PORT");   /* the platform convention (Heroku, Cloud Run) */
      name = "PORT";
    }
    if (env == NULL)
      continue;
    snprintf(from, sizeof from, "environment variable %s", name);
    if (set(cfg, &opts[i], env, from, err) != 0)
      return -1;
  }
  return 0;
}

/* One option of argv at *i, which moves past a separate value.  0, or -1
 * after an error. */
static int from_argument(struct server_config *cfg, int argc, char **argv, int *i, FILE *err)
{
  const char *arg = argv[*i];
  char from[96];

  if (strncmp(arg, "--", 2) != 0) {
    fprintf(err, "greet-server: unexpected argument '%s' (see --help)\n", arg);
    return -1;
  }
  const char *eq = strchr(arg + 2, '=');
  size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
  const struct opt *o = find(arg + 2, len);
  const char *val = NULL;
  if (o == NULL && eq == NULL && len > 3 && strncmp(arg + 2, "no-", 3) == 0) {
    const struct opt *neg = find(arg + 5, len - 3);
    if (neg != NULL && neg->kind == OPT_BOOL) {
      o = neg;                 /* --no-access-log */
      val = "no";
    }
  }
  if (o == NULL) {
    fprintf(err, "greet-server: unknown option '%.*s' (see --help)\n", (int)(len + 2), arg);
    return -1;
  }
  if (val == NULL) {
    if (o->kind == OPT_BOOL && eq == NULL)
      val = "yes";             /* --access-log alone */
    else
      val = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
  }
  if (val == NULL) {
    fprintf(err, "greet-server: option --%s needs a value\n", o->name);
    return -1;
  }
  /* "--template --port 5000" forgot the template; taking "--port" for it
   * would start a server nobody asked for.  A value meant to start with
   * "--" is written attached. */
  if (eq == NULL && o->kind != OPT_BOOL && strncmp(val, "--", 2) == 0) {
    fprintf(err, "greet-server: option --%s needs a value, and '%s' is an option; "
                 "for a value that starts with '--' write --%s=%s\n", o->name, val, o->name, val);
    return -1;
  }
  snprintf(from, sizeof from, "value for --%s", o->name);
  return set(cfg, o, val, from, err);
}

int config_load(struct server_config *cfg, int argc, char **argv, FILE *out, FILE *err)
{
  const char *prog = argc > 0 ? argv[0] : "greet-server";

  defaults(cfg, err);
  if (from_environment(cfg, err) != 0)
    return -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      usage(out, prog);
      cfg->exit_now = 1;
      return 0;
    }
    if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
      fprintf(out, "greet-server %s (libgreet %s)\n", GREET_VERSION_STRING, greet_version_string());
      cfg->exit_now = 1;
      return 0;
    }
    if (from_argument(cfg, argc, argv, &i, err) != 0)
      return -1;
  }
  if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
    fprintf(err, "greet-server: --tls-cert and --tls-key go together: give both or neither\n");
    return -1;
  }
  return 0;
}
