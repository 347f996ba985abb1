/* SPDX-License-Identifier: MIT */
/*
 * adapter.h - the libmicrohttpd callbacks: request in, response out.
 * daemon.c registers them with a struct server it filled; nothing else
 * includes this header.
 */
#ifndef GREET_SERVER_ADAPTER_H
#define GREET_SERVER_ADAPTER_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include <microhttpd.h>

#include "accounting.h"
#include "routes.h"
#include "util.h"

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

/* The JSON of GET /version, made once at start. */
#define VERSION_JSON_CAP 512

/* What the callbacks share: set before the daemon starts, read-only
 * after, but for the two flags. */
struct server {
  enum route_listener listener;     /* which endpoints this daemon serves */
  size_t max_name;
  size_t conn_memory;               /* --connection-memory */
  struct accounting acc;
  atomic_int not_ready;             /* /readyz answers 503 */
  atomic_int draining;              /* every response says Connection: close */
  struct deadline_table *deadline;  /* NULL: --header-timeout 0 */
  char version_json[VERSION_JSON_CAP];
  size_t version_len;
  char default_lang[LANG_TAG_CAP];  /* --default-lang, canonical */
  const char *tmpl;                 /* --template or NULL */
  size_t tmpl_len;
  unsigned connection_limit;        /* --connection-limit, for /metrics */
};

/* MHD_OPTION_URI_LOG_CALLBACK: the request line has arrived. */
void *adapter_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);

/* The access handler: routes and answers (cls: the struct server). */
mhd_result adapter_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **con_cls);

/* MHD_OPTION_NOTIFY_COMPLETED: the request is over, answered or not. */
void adapter_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                          enum MHD_RequestTerminationCode toe);

/* MHD_OPTION_EXTERNAL_LOGGER: libmicrohttpd's messages. */
void adapter_on_log(void *cls, const char *fmt, va_list ap);

/* MHD_OPTION_UNESCAPE_CALLBACK: leaves the target as it came. */
size_t adapter_keep_raw(void *cls, struct MHD_Connection *conn, char *s);

#endif /* GREET_SERVER_ADAPTER_H */
