/* SPDX-License-Identifier: MIT */
/*
 * mhd_baseline.c - the least a libmicrohttpd 0.9.75 greeting server can do.
 *
 * The benchmark's ceiling for greet-server: what remains when the service
 * adds nothing to its dependency.  It is driven the way greet-server must
 * drive MHD to be fast, and no further:
 *
 *   - internal polling thread + epoll, a thread pool as large as
 *     greet-server's default (--threads: the CPUs of a narrowed affinity
 *     mask, else all online CPUs but one), a connection timeout, loopback
 *     only;
 *   - the response is queued on the second access-handler call: queueing
 *     it on the first makes 0.9.75 answer "Connection: close";
 *   - every response is built per request with MHD_RESPMEM_MUST_COPY, as a
 *     server echoing the name has to, with one Content-Type header.
 *
 * GET /greet/<name> answers "Hello, <name>!" with the name as MHD hands it
 * over (MHD's own unescaping, no UTF-8 check); anything else is 404.  The
 * MHD options are the library defaults apart from those above, so its
 * memory at 1000 connections is what MHD costs untuned.
 *
 * --headers adds the response headers greet-server must send (a request ID,
 * nosniff, the negotiation's Vary and Content-Language) and --memory sets
 * the per-connection pool as greet-server does: then it is greet-server's
 * floor with this libmicrohttpd, the MHD calls without greet's own work.
 *
 * --daemons N starts N daemons of one thread each, every one with its own
 * listening socket on the same port (SO_REUSEPORT, the kernel spreads new
 * connections over them), instead of one daemon with a pool of N threads
 * sharing one socket: the two ways to use N CPUs with libmicrohttpd.
 *
 * Usage: mhd_baseline [--port N] [--threads N | --daemons N] [--timeout S]
 *                     [--limit N] [--memory BYTES] [--headers]
 * Prints "mhd_baseline: libmicrohttpd <version> port <port> threads <n>"
 * once listening (port 0 picks a free one) and stops on SIGINT/SIGTERM.
 */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

#define GREET_PATH "/greet/"
#define GREET_PATH_LEN (sizeof GREET_PATH - 1)

static int greet_headers;            /* --headers */

/* A request ID of greet-server's shape (32 hex digits), different for every
 * response so that nothing can be cached or shared between them. */
static void request_id(char id[33])
{
  static _Atomic unsigned long long next;
  unsigned long long n = ++next;

  snprintf(id, 33, "%016llx%016llx", n * 0x9e3779b97f4a7c15ULL, n);
}

static mhd_result reply(struct MHD_Connection *conn, unsigned status,
                        const char *body, size_t len)
{
  struct MHD_Response *resp;
  mhd_result ok;

  /* MUST_COPY only reads the buffer; 0.9.75's prototype is not const */
  resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
                                         MHD_RESPMEM_MUST_COPY);
  if (resp == NULL)
    return MHD_NO;
  if (!greet_headers) {
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
  } else {
    char id[33];
    request_id(id);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Request-Id", id);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Language");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_LANGUAGE, "en");
  }
  ok = MHD_queue_response(conn, status, resp);
  MHD_destroy_response(resp);
  return ok;
}

static mhd_result on_request(void *cls, struct MHD_Connection *conn,
                             const char *url, const char *method,
                             const char *version, const char *upload_data,
                             size_t *upload_data_size, void **req_state)
{
  static const char hello[] = "Hello, ";
  char body[1024];
  size_t name_len;

  (void)cls;
  (void)version;
  (void)upload_data;
  if (*req_state == NULL) {        /* headers only: answer on the next call */
    *req_state = conn;
    return MHD_YES;
  }
  if (*upload_data_size > 0) {     /* no route takes a body: drop it */
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 ||
      strncmp(url, GREET_PATH, GREET_PATH_LEN) != 0 || url[GREET_PATH_LEN] == '\0')
    return reply(conn, MHD_HTTP_NOT_FOUND, "Not Found", 9);

  name_len = strlen(url + GREET_PATH_LEN);
  if (name_len > sizeof body - sizeof hello - 1)
    return reply(conn, MHD_HTTP_URI_TOO_LONG, "URI Too Long", 12);
  memcpy(body, hello, sizeof hello - 1);
  memcpy(body + sizeof hello - 1, url + GREET_PATH_LEN, name_len);
  body[sizeof hello - 1 + name_len] = '!';
  return reply(conn, MHD_HTTP_OK, body, sizeof hello - 1 + name_len + 1);
}

static unsigned long number(const char *s, const char *what, unsigned long max)
{
  char *end;
  unsigned long v = strtoul(s, &end, 10);

  if (*s == '\0' || *end != '\0' || v > max) {
    fprintf(stderr, "mhd_baseline: bad %s '%s'\n", what, s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv)
{
  cpu_set_t cpus;
  unsigned long port = 0, threads = 1;
  unsigned long timeout = 30, limit = 10000, memory = 0, daemons = 0;
  struct sockaddr_in sin;
  struct MHD_Daemon *d[64];
  const union MHD_DaemonInfo *info;
  sigset_t stop;
  int sig;

  /* greet-server's default (bin/cpus.h, without the cgroup limit): the
   * CPUs of a narrowed mask, else all online CPUs but one */
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) > 0) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    threads = (unsigned long)CPU_COUNT(&cpus);
    if (online > 1 && threads >= (unsigned long)online)
      threads = (unsigned long)online - 1;
  }
  for (int i = 1; i < argc; i += 2) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(a, "--headers") == 0) {
      greet_headers = 1;
      i--;                         /* takes no value */
    } else if (strcmp(a, "--port") == 0)
      port = number(v, "port", 65535);
    else if (strcmp(a, "--threads") == 0)
      threads = number(v, "thread count", 256);
    else if (strcmp(a, "--daemons") == 0)
      daemons = number(v, "daemon count", 64);
    else if (strcmp(a, "--timeout") == 0)
      timeout = number(v, "timeout", 86400);
    else if (strcmp(a, "--limit") == 0)
      limit = number(v, "connection limit", 1000000);
    else if (strcmp(a, "--memory") == 0)
      memory = number(v, "memory limit", 1UL << 30);
    else {
      fprintf(stderr, "usage: %s [--port N] [--threads N | --daemons N] [--timeout S]"
              " [--limit N] [--memory BYTES] [--headers]\n", argv[0]);
      return 2;
    }
  }
  if (threads == 0)
    threads = 1;

  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  /* Signals are taken by sigwait() below; MHD's threads inherit the mask. */
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  /* Each daemon of --daemons gets its share of the connection limit. */
  unsigned long n_daemons = daemons > 0 ? daemons : 1;
  struct MHD_OptionItem opts[9] = {
    {MHD_OPTION_SOCK_ADDR, 0, &sin},
    {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)timeout, NULL},
    {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)((limit + n_daemons - 1) / n_daemons), NULL},
    {MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096, NULL},
  };
  size_t n = 4;
  if (memory > 0)
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)memory, NULL};
  if (daemons > 0)
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL};
  /* MHD refuses a pool of one: then the polling thread does it all */
  else if (threads > 1)
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
  opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  for (unsigned long k = 0; k < n_daemons; k++) {
    d[k] = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
                            (uint16_t)port, NULL, NULL, on_request, NULL,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (d[k] == NULL) {
      fprintf(stderr, "mhd_baseline: cannot listen on 127.0.0.1 port %lu\n", port);
      return 1;
    }
    info = MHD_get_daemon_info(d[k], MHD_DAEMON_INFO_BIND_PORT);
    if (port == 0 && info != NULL) {  /* the others take the port the first one got */
      port = info->port;
      sin.sin_port = htons((uint16_t)port);
    }
  }
  printf("mhd_baseline: libmicrohttpd %s port %lu %s %lu%s\n",
         MHD_get_version(), port, daemons > 0 ? "daemons" : "threads",
         daemons > 0 ? daemons : threads, greet_headers ? " headers greet" : "");
  fflush(stdout);

  sigwait(&stop, &sig);
  for (unsigned long k = 0; k < n_daemons; k++)
    MHD_stop_daemon(d[k]);
  return 0;
}
