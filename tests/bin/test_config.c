/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - bin/config.c's config_load(): defaults, environment,
 * flags and their checks, without starting anything.  Output and errors
 * go to memory streams, so each row also checks where the text went.
 */
#define _GNU_SOURCE 1   /* setenv, unsetenv, fmemopen */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "config.h"

#define MAX_ARGS 6

struct row {
  const char *args[MAX_ARGS];   /* after argv[0] */
  const char *env_name, *env_value;  /* one variable, or NULL */
  int want;                     /* config_load()'s result */
  const char *err;              /* a part of the error, or NULL for none */
};

static const struct row rows[] = {
  {{NULL}, NULL, NULL, 0, NULL},
  {{"--port=8080"}, NULL, NULL, 0, NULL},
  {{"--port", "8080"}, NULL, NULL, 0, NULL},
  {{"--port=65536"}, NULL, NULL, -1, "from 0 to 65535"},
  {{"--port=-1"}, NULL, NULL, -1, "whole number"},
  {{"--port=1x"}, NULL, NULL, -1, "whole number"},
  {{"--port"}, NULL, NULL, -1, "needs a value"},
  {{"--template", "--port", "5000"}, NULL, NULL, -1, "write --template=--port"},
  {{"--bind", "--", "::1"}, NULL, NULL, -1, "write --bind=--"},
  {{"--template=--{name}--"}, NULL, NULL, 0, NULL},
  {{"--template", "-{name}-"}, NULL, NULL, 0, NULL},
  {{"--bind=::1"}, NULL, NULL, 0, NULL},
  {{"--bind=[::1]"}, NULL, NULL, 0, NULL},
  {{"--bind=localhost"}, NULL, NULL, -1, "IPv4 or IPv6"},
  {{"--admin-port=9100", "--admin-bind=::"}, NULL, NULL, 0, NULL},
  {{"--admin-port=0"}, NULL, NULL, -1, "from 1 to 65535"},
  {{"--admin-bind=localhost"}, NULL, NULL, -1, "IPv4 or IPv6"},
  {{NULL}, "GREET_ADMIN_PORT", "x", -1, "environment variable GREET_ADMIN_PORT"},
  {{"--max-name-length=0"}, NULL, NULL, -1, "from 1 to 16384"},
  {{"--max-name-length=16384"}, NULL, NULL, 0, NULL},
  {{"--log-format=xml"}, NULL, NULL, -1, "expected one of json, text"},
  {{"--log-level=warn"}, NULL, NULL, 0, NULL},
  {{"--no-access-log"}, NULL, NULL, 0, NULL},
  {{"--access-log=maybe"}, NULL, NULL, -1, "yes or no"},
  {{"--no-port"}, NULL, NULL, -1, "unknown option '--no-port'"},
  {{"--frobnicate"}, NULL, NULL, -1, "unknown option"},
  {{"stray"}, NULL, NULL, -1, "unexpected argument"},
  {{"--default-lang=fr"}, NULL, NULL, 0, NULL},
  {{"--default-lang=xx"}, NULL, NULL, -1, "not a supported language"},
  {{"--default-lang=-"}, NULL, NULL, -1, "not a language tag"},
  {{"--template=Hi {name}!"}, NULL, NULL, 0, NULL},
  {{"--template=Hi {nam}!"}, NULL, NULL, -1, "at byte"},
  {{"--tls-cert=a.pem"}, NULL, NULL, -1, "go together"},
  {{"--tls-cert=a.pem", "--tls-key=k.pem"}, NULL, NULL, 0, NULL},
  {{"--tls-key="}, NULL, NULL, -1, "expected a file name"},
  {{NULL}, "GREET_PORT", "7000", 0, NULL},
  {{NULL}, "GREET_PORT", "x", -1, "environment variable GREET_PORT"},
  {{NULL}, "PORT", "x", -1, "environment variable PORT"},
  {{"--port=1"}, "GREET_PORT", "x", -1, "GREET_PORT"},   /* the environment is read first */
};

static int load(const struct row *r, struct server_config *cfg, char *out, size_t out_cap,
                char *err, size_t err_cap)
{
  char args[MAX_ARGS + 1][256] = {"greet-server"};
  char *argv[MAX_ARGS + 2] = {args[0]};
  int argc = 1;
  FILE *o = fmemopen(out, out_cap, "w"), *e = fmemopen(err, err_cap, "w");

  cr_assert(o != NULL && e != NULL);
  for (size_t k = 0; k < MAX_ARGS && r->args[k] != NULL; k++)
  {
    snprintf(args[argc], sizeof args[argc], "%s", r->args[k]);
    argv[argc] = args[argc];
    argc++;
  }
  if (r->env_name != NULL)
    setenv(r->env_name, r->env_value, 1);
  int got = config_load(cfg, argc, argv, o, e);
  if (r->env_name != NULL)
    unsetenv(r->env_name);
  fclose(o);
  fclose(e);
  return got;
}

Test(config, table)
{
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    struct server_config cfg;
    char out[8192] = "", err[1024] = "";
    int got = load(&rows[i], &cfg, out, sizeof out, err, sizeof err);
    cr_expect_eq(got, rows[i].want, "row %zu (%s): %d, err '%s'", i,
                 rows[i].args[0] ? rows[i].args[0] : "", got, err);
    cr_expect_eq(out[0], '\0', "row %zu: nothing on out", i);
    if (rows[i].err != NULL)
      cr_expect(strstr(err, rows[i].err) != NULL, "row %zu: '%s' lacks '%s'", i, err, rows[i].err);
    else
      cr_expect_eq(err[0], '\0', "row %zu: nothing on err, got '%s'", i, err);
    cr_expect_eq(cfg.exit_now, 0, "row %zu", i);
  }
}

/* The defaults are the ones --help states, and a value given lands in
 * its field. */
Test(config, defaults_and_values)
{
  struct server_config cfg;
  char out[8192] = "", err[1024] = "";
  const struct row none = {{NULL}, NULL, NULL, 0, NULL};
  const struct row some = {{"--port=8080", "--bind=[::1]", "--no-access-log", "--log-format=text",
                            "--default-lang=FR"}, NULL, NULL, 0, NULL};

  cr_assert_eq(load(&none, &cfg, out, sizeof out, err, sizeof err), 0);
  cr_expect_str_eq(cfg.bind, "127.0.0.1");
  cr_expect_eq(cfg.port, 5000);
  cr_expect_eq(cfg.max_name, 1024);
  cr_expect_eq(cfg.conn_memory, 8192);
  cr_expect_eq(cfg.conn_limit, 10000);
  cr_expect_eq(cfg.access_log, 1);
  cr_expect_eq(cfg.trust_proxy, 0);
  cr_expect_eq(cfg.log_level, 1);
  cr_expect_str_eq(cfg.default_lang, "en");
  cr_expect_null(cfg.tmpl);
  cr_expect_null(cfg.tls_cert);
  cr_expect(cfg.threads >= 1 && cfg.threads <= 256, "%lu threads", cfg.threads);

  cr_assert_eq(load(&some, &cfg, out, sizeof out, err, sizeof err), 0, "%s", err);
  cr_expect_eq(cfg.port, 8080);
  cr_expect_str_eq(cfg.bind, "::1");
  cr_expect_eq(cfg.access_log, 0);
  cr_expect_eq(cfg.log_format, 1);
  cr_expect_str_eq(cfg.default_lang, "fr");
}

/* --help prints every option with its variable, and each default the
 * table holds, once, from the same table that set it. */
Test(config, help)
{
  struct server_config cfg;
  char out[8192] = "", err[1024] = "";
  const struct row help = {{"--help"}, NULL, NULL, 0, NULL};

  cr_assert_eq(load(&help, &cfg, out, sizeof out, err, sizeof err), 0);
  cr_expect_eq(cfg.exit_now, 1);
  cr_expect_eq(err[0], '\0');
  static const char *const want[] = {
    "--port=N", "(default 5000)", "env GREET_PORT", "--connection-memory=BYTES",
    "(default 8192)", "--max-name-length=BYTES", "(default 1024)", "--[no-]access-log",
    "(default yes)", "--bind=ADDR", "(default 127.0.0.1)", "--default-lang=TAG", "(default en)",
    "Endpoints: /greet/NAME",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_expect(strstr(out, want[i]) != NULL, "--help lacks '%s'", want[i]);
}
