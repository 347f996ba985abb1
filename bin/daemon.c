/* SPDX-License-Identifier: MIT */
/*
 * daemon.c - the life of greet-server's libmicrohttpd daemons: the address
 * to bind, the options (limits, TLS, the adapter's callbacks), start,
 * readiness, the drain and stop.  No request passes through here.
 *
 * --threads N > 1 on a socket greet-server binds itself starts N daemons
 * of one thread each, every one with its own listening socket on the same
 * address (SO_REUSEPORT): the kernel spreads new connections over them by
 * a hash of their addresses.  libmicrohttpd's own thread pool shares one
 * listening socket among its threads, and whichever wakes first takes the
 * connections waiting: measured with two threads and 50 connections, the
 * busier thread did a median 63% of the work and in 4 of 20 starts all
 * of it, against 54% (at most 60%) with SO_REUSEPORT (docs/performance.md,
 * "Threads").  A socket passed by the service manager is one socket: the
 * thread pool serves it.
 */
#define _GNU_SOURCE 1   /* SO_ATTACH_FILTER */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include <greet.h>

#include "adapter.h"
#include "build-commit.h"
#include "build-date.h"
#include "connection.h"
#include "daemon.h"
#include "deadline.h"
#include "log.h"
#include "memtrim.h"
#include "metrics.h"
#include "service.h"
#include "tls.h"

/* The listen queue asked of the kernel (which caps it at somaxconn). */
#define LISTEN_BACKLOG 4096

/* The admin listener's connections: a scraper and a few probes each keep
 * one; more only lets a stranger who reaches it hold memory. */
#define ADMIN_CONNECTION_LIMIT 16
#define ADMIN_LISTEN_BACKLOG 64

/* One libmicrohttpd daemon serving the public port. */
struct listener {
  struct MHD_Daemon *mhd;
  int queue_fd;             /* its listening socket while the queue drains, or -1 */
  int fd;                   /* after daemon_stop_accepting(): ours to close */
};

struct daemon {
  struct server srv;        /* what the adapter's callbacks see */
  struct memtrim *trim;     /* NULL: freed memory stays in the heap */
  int activated;            /* the socket came from systemd */
  int quiesced;
  struct server admin_srv;  /* --admin-port: the same, for the ops endpoints */
  struct MHD_Daemon *admin; /* NULL without --admin-port */
  int admin_fd;             /* after daemon_stop_accepting(): ours to close */
  unsigned n;               /* listeners: 1, or one per thread on SO_REUSEPORT */
  struct listener l[];
};

static void version_json(struct server *srv)
{
  int n = snprintf(srv->version_json, sizeof srv->version_json,
                   "{\"name\":\"greet-server\",\"version\":\"%s\",\"libgreet\":\"%s\","
                   "\"libmicrohttpd\":\"%s\",\"commit\":\"%s\",\"build_date\":\"%s\","
                   "\"compiler\":\"%s\",\"systemd\":%s}\n",
                   GREET_VERSION_STRING, greet_version_string(), MHD_get_version(),
                   GREET_BUILD_COMMIT, GREET_BUILD_DATE,
#if defined(__clang__)
                   "clang " __clang_version__,
#elif defined(__GNUC__)
                   "gcc " __VERSION__,
#else
                   "unknown",
#endif
                   service_has_systemd() ? "true" : "false");
  srv->version_len = n > 0 && (size_t)n < sizeof srv->version_json ? (size_t)n : 0;
}

/* The address bind:port into *ss, and MHD_USE_IPv6 into *flags when it
 * is one; with a socket from systemd, only the flag.  0, or -1 (logged). */
static int bind_address(const char *bind, unsigned long port, int listen_fd,
                        struct sockaddr_storage *ss, unsigned *flags)
{
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

  memset(ss, 0, sizeof *ss);
  if (listen_fd >= 0) {
    struct sockaddr_storage bound = {0};
    socklen_t len = sizeof bound;
    if (getsockname(listen_fd, (struct sockaddr *)&bound, &len) == 0 && bound.ss_family == AF_INET6)
      *flags |= MHD_USE_IPv6;
  } else if (inet_pton(AF_INET, bind, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons((unsigned short)port);
  } else if (inet_pton(AF_INET6, bind, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((unsigned short)port);
    *flags |= MHD_USE_IPv6;
  } else {
    log_msg(LOG_ERROR, "cannot listen on '%s': not an IP address", bind);
    return -1;
  }
  return 0;
}

/* The adapter's state from the configuration, and the header deadline's
 * reaper when there is one.  0, or -1 (logged). */
static int server_init(struct server *srv, const struct server_config *cfg)
{
  srv->listener = cfg->admin_port != 0 ? ROUTE_PUBLIC : ROUTE_ALL;
  srv->max_name = cfg->max_name;
  srv->conn_memory = cfg->conn_memory;
  memcpy(srv->default_lang, cfg->default_lang, sizeof srv->default_lang);
  srv->tmpl = cfg->tmpl;
  srv->tmpl_len = cfg->tmpl != NULL ? strlen(cfg->tmpl) : 0;
  srv->acc.access_log = cfg->access_log != 0;
  srv->acc.trust_proxy = cfg->trust_proxy != 0;
  srv->connection_limit = (unsigned)cfg->conn_limit;
  atomic_init(&srv->not_ready, 1);
  atomic_init(&srv->draining, 0);
  version_json(srv);
  if (cfg->header_timeout > 0) {
    srv->deadline = deadline_start((uint64_t)cfg->header_timeout * 1000u, accounting_timeout,
                                   &srv->acc);
    if (srv->deadline == NULL) {
      log_msg(LOG_ERROR, "cannot start the header timeout thread");
      return -1;
    }
  }
  return 0;
}

/* MHD_USE_TLS into *flags with --tls-cert; 0, or -1 (logged) when this
 * libmicrohttpd cannot serve HTTPS. */
static int tls_flags(const struct server_config *cfg, unsigned *flags)
{
  if (cfg->tls_cert == NULL)
    return 0;
  if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES || tls_cert_pem() == NULL) {
    log_msg(LOG_ERROR, "cannot serve HTTPS: libmicrohttpd %s was built without TLS support",
            MHD_get_version());
    return -1;
  }
  *flags |= MHD_USE_TLS;
  return 0;
}

/* The adapter's callbacks for srv, the same on every listener; o has
 * ADAPTER_OPTIONS entries, the last one MHD_OPTION_END. */
#define ADAPTER_OPTIONS 6

static void adapter_options(struct server *srv, struct MHD_OptionItem *o)
{
  const struct MHD_OptionItem items[ADAPTER_OPTIONS] = {
    /* first, so that no message goes to stderr unformatted */
    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)adapter_on_log, srv},
    {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)adapter_keep_raw, NULL},
    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)adapter_on_uri, srv},
    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)adapter_on_completed, srv},
    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)connection_notify, srv},
    {MHD_OPTION_END, 0, NULL},
  };
  memcpy(o, items, sizeof items);
}

/* libmicrohttpd with the adapter's callbacks and cfg's limits, taking
 * conn_limit connections on threads threads (a pool when more than one),
 * its listening socket on SO_REUSEPORT when reuse.  The options are arrays
 * (MHD_OPTION_ARRAY): an optional one is an MHD_OPTION_END entry, never a
 * missing argument. */
static struct MHD_Daemon *start_mhd(struct daemon *d, const struct server_config *cfg,
                                    int listen_fd, const struct sockaddr_storage *ss,
                                    unsigned flags, unsigned long threads,
                                    unsigned long conn_limit, int reuse)
{
  struct server *srv = &d->srv;
  int tls = (flags & MHD_USE_TLS) != 0;
  struct MHD_OptionItem tls_options[] = {
    {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)(uintptr_t)tls_cert_pem()},
    {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)tls_key_pem()},
    {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)TLS_PRIORITIES},
    {MHD_OPTION_END, 0, NULL},
  };
  struct MHD_OptionItem callbacks[ADAPTER_OPTIONS];
  struct MHD_OptionItem options[] = {
    {listen_fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR,
     listen_fd >= 0 ? listen_fd : 0, listen_fd >= 0 ? NULL : (void *)(uintptr_t)ss},
    {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->conn_timeout, NULL},
    {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)conn_limit, NULL},
    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->conn_memory, NULL},
    {MHD_OPTION_LISTEN_BACKLOG_SIZE, LISTEN_BACKLOG, NULL},
    {reuse ? MHD_OPTION_LISTENING_ADDRESS_REUSE : MHD_OPTION_END, 1, NULL},
    /* a pool of one is no pool: one epoll thread does it all */
    {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads, NULL},
    {MHD_OPTION_END, 0, NULL},
  };

  adapter_options(srv, callbacks);
  return MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, adapter_on_request, srv,
                          MHD_OPTION_ARRAY, callbacks, MHD_OPTION_ARRAY, options,
                          MHD_OPTION_ARRAY, tls_options, MHD_OPTION_END);
}

/*
 * The admin listener (--admin-port): the same adapter with the ops
 * endpoints only, on one thread with a few connections, plain HTTP.  It
 * shares the public daemon's readiness, counters and header deadline, so
 * /metrics counts both and /readyz turns 503 on both at once.  0, or -1
 * (logged).
 */
static int start_admin(struct daemon *d, const struct server_config *cfg)
{
  struct sockaddr_storage ss;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
  struct server *srv = &d->admin_srv;

  if (bind_address(cfg->admin_bind, cfg->admin_port, -1, &ss, &flags) != 0)
    return -1;
  srv->listener = ROUTE_ADMIN;
  srv->max_name = d->srv.max_name;
  srv->conn_memory = d->srv.conn_memory;
  srv->connection_limit = d->srv.connection_limit;  /* the public port's, for the alert */
  srv->acc = d->srv.acc;
  srv->deadline = d->srv.deadline;
  atomic_init(&srv->not_ready, 1);
  atomic_init(&srv->draining, 0);
  memcpy(srv->version_json, d->srv.version_json, sizeof srv->version_json);
  srv->version_len = d->srv.version_len;
  memcpy(srv->default_lang, d->srv.default_lang, sizeof srv->default_lang);
  struct MHD_OptionItem callbacks[ADAPTER_OPTIONS];
  struct MHD_OptionItem options[] = {
    {MHD_OPTION_SOCK_ADDR, 0, &ss},
    {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->conn_timeout, NULL},
    {MHD_OPTION_CONNECTION_LIMIT, ADMIN_CONNECTION_LIMIT, NULL},
    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->conn_memory, NULL},
    {MHD_OPTION_LISTEN_BACKLOG_SIZE, ADMIN_LISTEN_BACKLOG, NULL},
    {MHD_OPTION_END, 0, NULL},
  };

  adapter_options(srv, callbacks);
  d->admin = MHD_start_daemon(flags, (uint16_t)cfg->admin_port, NULL, NULL, adapter_on_request, srv,
                              MHD_OPTION_ARRAY, callbacks, MHD_OPTION_ARRAY, options,
                              MHD_OPTION_END);
  if (d->admin == NULL) {
    log_msg(LOG_ERROR, "cannot listen on %s port %lu for --admin-port (in use, or not allowed)",
            cfg->admin_bind, cfg->admin_port);
    return -1;
  }
  return 0;
}

/*
 * Whether something already listens on ss's port.  SO_REUSEPORT lets a
 * second socket of the same user join a port: without this check a second
 * greet-server started on a port in use would share its connections
 * instead of failing.  Port 0 asks the kernel for a free one.
 */
static int port_in_use(const struct sockaddr_storage *ss)
{
  const int on = 1;
  socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), busy;

  if (fd < 0)
    return 0;           /* then libmicrohttpd's own socket() says why */
  /* as libmicrohttpd sets it: only a listening socket makes bind() fail */
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  busy = bind(fd, (const struct sockaddr *)ss, len) != 0 && errno == EADDRINUSE;
  close(fd);
  return busy;
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
  if (ss->ss_family == AF_INET6)
    ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
  else
    ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/* The public listeners: d->n daemons, each with its share of the
 * connection limit (as libmicrohttpd's thread pool shares it among its
 * threads).  0, or -1 (logged; the ones started are stopped). */
static int start_listeners(struct daemon *d, const struct server_config *cfg, int listen_fd,
                           struct sockaddr_storage *ss, unsigned flags)
{
  int reuse = d->n > 1;
  unsigned long port = cfg->port;

  if (reuse && port != 0 && port_in_use(ss)) {
    log_msg(LOG_ERROR, "cannot listen on %s port %lu (in use)", cfg->bind, port);
    return -1;
  }
  for (unsigned k = 0; k < d->n; k++) {
    unsigned long share = cfg->conn_limit / d->n + (k < cfg->conn_limit % d->n);
    d->l[k].mhd = start_mhd(d, cfg, listen_fd, ss, flags, reuse ? 1 : cfg->threads, share, reuse);
    if (d->l[k].mhd == NULL) {
      if (listen_fd >= 0)
        log_msg(LOG_ERROR, "cannot serve the socket passed by the service manager (fd %d)", listen_fd);
      else
        log_msg(LOG_ERROR, "cannot listen on %s port %lu (in use, or not allowed)", cfg->bind, port);
      while (k-- > 0)
        MHD_stop_daemon(d->l[k].mhd);
      return -1;
    }
    if (k == 0 && port == 0) {        /* the others join the port the kernel gave */
      const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->l[0].mhd, MHD_DAEMON_INFO_BIND_PORT);
      port = info != NULL ? info->port : 0;
      set_port(ss, (unsigned)port);
    }
  }
  return 0;
}

struct daemon *daemon_start(const struct server_config *cfg, int listen_fd)
{
  struct sockaddr_storage ss;
  /* MHD_USE_ITC: MHD_quiesce_daemon() needs it */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
  /* a listener per thread, never more than connections to share out */
  unsigned n = listen_fd < 0 && cfg->threads > 1 ? (unsigned)cfg->threads : 1;
  struct daemon *d;

  if (n > cfg->conn_limit) {
    n = (unsigned)cfg->conn_limit;
    log_msg(LOG_WARN, "--threads %lu is more than --connection-limit %lu: %u threads, one "
            "connection each", cfg->threads, cfg->conn_limit, n);
  }
  if (bind_address(cfg->bind, cfg->port, listen_fd, &ss, &flags) != 0 ||
      tls_flags(cfg, &flags) != 0)
    return NULL;
  if ((d = calloc(1, sizeof *d + n * sizeof d->l[0])) == NULL) {
    log_msg(LOG_ERROR, "out of memory");
    return NULL;
  }
  d->n = n;
  for (unsigned k = 0; k < n; k++)
    d->l[k].fd = -1;
  d->admin_fd = -1;
  d->activated = listen_fd >= 0;
  if (server_init(&d->srv, cfg) != 0) {
    free(d);
    return NULL;
  }
  if (start_listeners(d, cfg, listen_fd, &ss, flags) != 0) {
    deadline_stop(d->srv.deadline);
    free(d);
    return NULL;
  }
  d->trim = memtrim_start(metrics_connections);
  if (cfg->admin_port != 0 && start_admin(d, cfg) != 0) {
    daemon_stop(d);
    return NULL;
  }
  return d;
}

unsigned daemon_admin_port(const struct daemon *d)
{
  const union MHD_DaemonInfo *info =
    d->admin != NULL ? MHD_get_daemon_info(d->admin, MHD_DAEMON_INFO_BIND_PORT) : NULL;
  return info != NULL ? info->port : 0;
}

unsigned daemon_port(const struct daemon *d)
{
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->l[0].mhd, MHD_DAEMON_INFO_BIND_PORT);
  return info != NULL ? info->port : 0;
}

void daemon_set_ready(struct daemon *d, int ready)
{
  atomic_store(&d->srv.not_ready, !ready);
  atomic_store(&d->admin_srv.not_ready, !ready);
}

void daemon_begin_drain(struct daemon *d)
{
  atomic_store(&d->srv.not_ready, 1);
  atomic_store(&d->srv.draining, 1);
  atomic_store(&d->admin_srv.not_ready, 1);
  atomic_store(&d->admin_srv.draining, 1);
}

/*
 * Closing a listening socket resets every connection in its accept queue,
 * although those clients have already sent their request (on loopback the
 * handshake completes inside connect()).  Accepting what is queued and
 * then closing leaves a window between the last accept() and the close in
 * which a new handshake is reset.  So first make the queue only shrink: a
 * classic BPF filter on the listening socket drops new connection
 * attempts (SYN without ACK) while handshakes already under way complete.
 * libmicrohttpd keeps accepting until the queue has stayed empty for
 * QUEUE_QUIET_MS (a client's ACK takes a round trip), at most
 * QUEUE_WAIT_MS (it does not accept at --connection-limit).  A dropped SYN
 * is retransmitted about a second later and then refused, as after any
 * stop.  The filter runs on the TCP header: byte 13 holds the flags.
 */
#define QUEUE_QUIET_MS 100
#define QUEUE_WAIT_MS 1000

static int drop_new_handshakes(int fd)
{
  struct sock_filter code[] = {
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),          /* SYN | ACK */
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),    /* SYN alone */
    BPF_STMT(BPF_RET | BPF_K, 0),
    BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]), code};

  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

/* Until no listener's queue has had a connection waiting for
 * QUEUE_QUIET_MS, at most QUEUE_WAIT_MS. */
static void wait_queues_empty(const struct daemon *d)
{
  const struct timespec ms = {0, 1000000L};
  int quiet = 0;

  for (int waited = 0; waited < QUEUE_WAIT_MS && quiet < QUEUE_QUIET_MS; ++waited) {
    int waiting = 0;
    for (unsigned k = 0; k < d->n && !waiting; k++) {
      struct pollfd p = {d->l[k].queue_fd, POLLIN, 0};
      waiting = p.fd >= 0 && poll(&p, 1, 0) > 0;
    }
    quiet = waiting ? 0 : quiet + 1;
    nanosleep(&ms, NULL);
  }
}

void daemon_stop_accepting(struct daemon *d)
{
  MHD_socket fd;

  if (d->quiesced)
    return;
  /* The admin listener stops with the public one, at once: a scrape or
   * probe refused now is retried against another instance. */
  if (d->admin != NULL && (fd = MHD_quiesce_daemon(d->admin)) != MHD_INVALID_SOCKET) {
    d->admin_fd = fd;
    shutdown(fd, SHUT_RDWR);
  }
  /* every listener drops new handshakes first, then all queues drain */
  for (unsigned k = 0; k < d->n; k++) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->l[k].mhd, MHD_DAEMON_INFO_LISTEN_FD);
    d->l[k].queue_fd = -1;
    if (!d->activated && info != NULL && info->listen_fd != MHD_INVALID_SOCKET &&
        drop_new_handshakes(info->listen_fd) == 0)
      d->l[k].queue_fd = info->listen_fd;
  }
  wait_queues_empty(d);
  d->quiesced = 1;
  deadline_drain(d->srv.deadline);
  for (unsigned k = 0; k < d->n; k++) {
    if ((fd = MHD_quiesce_daemon(d->l[k].mhd)) == MHD_INVALID_SOCKET)
      continue;
    d->l[k].fd = fd;
    /* A socket from systemd stays as it is: systemd queues new
     * connections on it for the next start.  Ours stops listening, so
     * connecting is refused at once. */
    if (!d->activated)
      shutdown(fd, SHUT_RDWR);
  }
}

long daemon_in_flight(void)
{
  return (long)metrics_in_flight();
}

long daemon_connections(void)
{
  return (long)metrics_connections();
}

void daemon_stop(struct daemon *d)
{
  if (d == NULL)
    return;
  memtrim_stop(d->trim);
  if (d->admin != NULL)
    MHD_stop_daemon(d->admin);
  for (unsigned k = 0; k < d->n; k++) {
    MHD_stop_daemon(d->l[k].mhd);
    if (d->l[k].fd >= 0)
      close(d->l[k].fd);
  }
  deadline_stop(d->srv.deadline);
  if (d->admin_fd >= 0)
    close(d->admin_fd);
  free(d);
}
