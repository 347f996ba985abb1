/* SPDX-License-Identifier: MIT */
/*
 * config.h - greet-server's settings: defaults, environment, command line.
 */
#ifndef GREET_SERVER_CONFIG_H
#define GREET_SERVER_CONFIG_H

#include <stdio.h>

#include "util.h"

struct server_config {
  char bind[64];              /* IPv4 or IPv6 address to listen on */
  unsigned long port;         /* 0: any free port, printed at start */
  char admin_bind[64];        /* --admin-bind: the admin listener's address */
  unsigned long admin_port;   /* --admin-port; 0: no admin listener */
  unsigned long threads;      /* epoll worker threads; 0 until resolved */
  unsigned long max_name;     /* longest decoded name (bytes) before 414 */
  unsigned long conn_timeout; /* idle seconds before a connection is closed */
  unsigned long header_timeout; /* seconds for a whole request to arrive; 0: none */
  const char *tls_cert;       /* --tls-cert: PEM file (argv or environment), or NULL */
  const char *tls_key;        /* --tls-key: PEM file, or NULL; both or neither */
  unsigned long conn_limit;   /* simultaneous connections */
  unsigned long conn_memory;  /* bytes of request buffer per connection */
  unsigned long log_format;   /* enum log_format: 0 json, 1 text */
  unsigned long log_level;    /* enum log_level: least level written */
  unsigned long access_log;   /* 1: a line per request; 0: none */
  unsigned long trust_proxy;  /* 1: the access log's address from X-Forwarded-For */
  unsigned long shutdown_timeout; /* seconds in-flight requests get to finish */
  unsigned long drain_delay;  /* seconds of 503 readiness before closing */
  const char *tmpl;           /* --template, validated (points into argv or
                               * the environment), or NULL: the catalogue's */
  char default_lang[LANG_TAG_CAP]; /* --default-lang as a canonical catalogue tag */
  int exit_now;               /* --help or --version was printed: exit 0 */
};

/*
 * Fills cfg from the defaults, then the environment (GREET_<NAME>, and
 * PORT as a fallback for GREET_PORT), then argv: flags win.  Help and
 * version text go to out (then cfg->exit_now is set), errors to err.
 * Returns 0, or -1 after an error.
 */
int config_load(struct server_config *cfg, int argc, char **argv, FILE *out, FILE *err);

#endif /* GREET_SERVER_CONFIG_H */
