/* SPDX-License-Identifier: MIT */
/*
 * main.c - greet-server: configuration, start, wait for a signal, drain,
 * stop.
 */
#define _GNU_SOURCE 1   /* sigtimedwait */

#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "service.h"
#include "tls.h"
#include "util.h"

/* How often the drain checks whether the last request has finished. */
#define DRAIN_POLL_NS 10000000L
/* With no request in flight for this long, the connections still open
 * are idle keep-alive ones: they are closed without waiting longer. */
#define IDLE_GRACE_NS 1000000000L

/*
 * What each signal an operator may send does (greet-server(1), SIGNALS).
 * Blocked in every thread and taken only by sigwait() in main():
 *   SIGTERM, SIGINT, SIGQUIT  the drain, then exit 0;
 *   SIGHUP                    a log line: the configuration is read once
 *                             at start, there is nothing to reload;
 *   SIGUSR1, SIGUSR2          a log line with the open connections and
 *                             the requests in flight;
 *   any other that would end the process (SIGALRM, SIGVTALRM, SIGPROF,
 *   SIGIO, SIGPWR, SIGSTKFLT, the real-time ones)  a log line, ignored.
 * Not blocked: SIGPIPE and SIGXFSZ are ignored (a write fails with EPIPE
 * or EFBIG instead: a signal for them, taken here, would log a line that
 * raises the next one); the faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGABRT, SIGTRAP, SIGSYS) keep their default, a core dump, since
 * nothing can be trusted after one; job control (SIGTSTP, SIGTTIN,
 * SIGTTOU, SIGCONT), SIGCHLD, SIGWINCH and SIGURG keep theirs, which
 * never end the process; SIGKILL and SIGSTOP cannot be caught.
 */
static void handled_signals(sigset_t *set)
{
  static const int keep_default[] = {
    SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS,
    SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT, SIGCHLD, SIGWINCH, SIGURG, SIGPIPE, SIGXFSZ,
  };

  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  sigfillset(set);
  for (size_t i = 0; i < sizeof keep_default / sizeof keep_default[0]; i++)
    sigdelset(set, keep_default[i]);
}

static int is_stop_signal(int sig)
{
  return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}

/* The signal's name as kill -l spells it, with the SIG prefix. */
static const char *signame(int sig, char *buf, size_t cap)
{
  static const struct { int sig; const char *name; } names[] = {
    {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"}, {SIGQUIT, "SIGQUIT"}, {SIGHUP, "SIGHUP"},
    {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}, {SIGALRM, "SIGALRM"}, {SIGVTALRM, "SIGVTALRM"},
    {SIGPROF, "SIGPROF"}, {SIGIO, "SIGIO"},
#ifdef SIGPWR
    {SIGPWR, "SIGPWR"},
#endif
#ifdef SIGSTKFLT
    {SIGSTKFLT, "SIGSTKFLT"},
#endif
  };

  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].sig == sig)
      return names[i].name;
#ifdef SIGRTMIN
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
    int n = sig - SIGRTMIN, m = SIGRTMAX - sig;
    if (m == 0)
      snprintf(buf, cap, "SIGRTMAX");
    else if (n <= m)
      snprintf(buf, cap, "SIGRTMIN+%d", n);
    else
      snprintf(buf, cap, "SIGRTMAX-%d", m);
    return buf;
  }
#endif
  snprintf(buf, cap, "signal %d", sig);
  return buf;
}

/* A signal that does not stop the server: its log line.  Returns whether
 * sig is one that does. */
static int stop_requested(int sig)
{
  char name[32];

  if (sig == 0 || is_stop_signal(sig))
    return sig != 0;
  if (sig == SIGHUP)
    log_msg(LOG_INFO, "SIGHUP: nothing to reload (the configuration is read at start); "
                      "still serving");
  else if (sig == SIGUSR1 || sig == SIGUSR2)
    log_msg(LOG_INFO, "%s: %ld connections open, %ld requests in flight; still serving",
            signame(sig, name, sizeof name), daemon_connections(), daemon_in_flight());
  else
    log_msg(LOG_WARN, "%s: ignored; SIGTERM stops the server", signame(sig, name, sizeof name));
  return 0;
}

/*
 * Waits for a signal in `set` for at most ns nanoseconds (forever when
 * ns < 0), sending WATCHDOG=1 every half watchdog interval meanwhile.
 * Returns the signal, or 0 on timeout.
 */
static int wait_signal(const sigset_t *set, long long ns, unsigned long long watchdog_usec)
{
  long long deadline = ns >= 0 ? (long long)mono_ns() + ns : -1;
  long long ping = watchdog_usec ? (long long)watchdog_usec * 500 : -1;

  for (;;) {
    long long left = deadline >= 0 ? deadline - (long long)mono_ns() : -1;
    long long step = left;
    if (deadline >= 0 && left <= 0)
      return 0;
    if (ping > 0 && (step < 0 || step > ping))
      step = ping;
    int sig;
    if (step < 0) {
      if (sigwait(set, &sig) == 0)
        return sig;
      continue;
    }
    struct timespec ts = {(time_t)(step / 1000000000LL), (long)(step % 1000000000LL)};
    sig = sigtimedwait(set, NULL, &ts);
    if (sig > 0)
      return sig;
    if (errno == EAGAIN && ping > 0)
      service_notify("WATCHDOG=1");
  }
}

/* Like wait_signal(), but only a stop signal ends the wait; the others
 * are logged and the wait goes on until its deadline. */
static int wait_stop(const sigset_t *set, long long ns, unsigned long long watchdog_usec)
{
  long long deadline = ns >= 0 ? (long long)mono_ns() + ns : -1;

  for (;;) {
    long long left = deadline >= 0 ? deadline - (long long)mono_ns() : -1;
    if (deadline >= 0 && left <= 0)
      return 0;
    int sig = wait_signal(set, left, watchdog_usec);
    if (sig == 0 || stop_requested(sig))
      return sig;
  }
}

/* "http://127.0.0.1:5000" (https with --tls-cert) for the socket really
 * listened on. */
static void describe(const struct server_config *cfg, int listen_fd, unsigned port,
                     char *buf, size_t cap)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char addr[ADDR_TEXT_CAP];
  const char *scheme = cfg->tls_cert != NULL ? "https" : "http";

  if (listen_fd >= 0 && getsockname(listen_fd, (struct sockaddr *)&ss, &len) == 0 &&
      addr_format((const struct sockaddr *)&ss, addr, sizeof addr) > 0) {
    snprintf(buf, cap, "%s://%s", scheme, addr);
    return;
  }
  snprintf(buf, cap, "%s://%s%s%s:%u", scheme, strchr(cfg->bind, ':') ? "[" : "", cfg->bind,
           strchr(cfg->bind, ':') ? "]" : "", port);
}

/*
 * A malloc arena per worker thread, and one for the other threads.
 * glibc's default, eight per CPU, let peak RSS keep growing under load
 * (pools freed into one arena are not reused from another); one arena
 * for all kept it flat, but then every worker takes the same arena lock
 * for libmicrohttpd's per-request callocs (the response and a record per
 * response header: glibc 2.36's calloc skips the per-thread cache), and
 * two workers spent 40% more CPU per request at 50 connections
 * (docs/performance.md, "Threads").  A worker keeps its connections from
 * accept to close, so the pools it frees return to the arena it takes
 * them from.  MALLOC_ARENA_MAX in the environment still wins.
 */
static void malloc_arenas(unsigned long threads)
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  if (getenv("MALLOC_ARENA_MAX") == NULL)
    mallopt(M_ARENA_MAX, (int)threads + 1);
#else
  (void)threads;
#endif
}

/*
 * The shutdown after the first signal: --drain-delay of 503 readiness,
 * then no new connections, then up to --shutdown-timeout for requests in
 * flight.  Connections left with nothing in flight for IDLE_GRACE_NS are
 * idle keep-alive ones and are not waited for; a second signal ends the
 * wait at once.
 */
static void drain(struct daemon *srv, const struct server_config *cfg, const sigset_t *stop,
                  unsigned long long watchdog)
{
  int hurry = 0;
  if (cfg->drain_delay > 0)
    hurry = wait_stop(stop, (long long)cfg->drain_delay * 1000000000LL, watchdog) != 0;
  daemon_stop_accepting(srv);

  long long deadline = (long long)mono_ns() + (long long)cfg->shutdown_timeout * 1000000000LL;
  long long idle_since = -1;
  while (!hurry) {
    long long t = (long long)mono_ns();
    long in_flight = daemon_in_flight(), conns = daemon_connections();
    if (in_flight <= 0 && conns <= 0)
      break;
    if (in_flight > 0)
      idle_since = -1;
    else if (idle_since < 0)
      idle_since = t;
    else if (t - idle_since >= IDLE_GRACE_NS)
      break;
    if (t >= deadline) {
      log_msg(LOG_WARN, "shutdown timeout: closing %ld requests in flight", in_flight);
      break;
    }
    hurry = wait_stop(stop, DRAIN_POLL_NS, 0) != 0;
  }
}

/*
 * The signals of handled_signals() are blocked before the daemon starts,
 * so every thread libmicrohttpd creates inherits the mask and they can
 * only be taken here, by sigwait(): no handler runs in a worker thread
 * mid-request.
 *
 * Shutdown: readiness turns 503 and responses say "Connection: close"
 * (daemon_begin_drain); after --drain-delay the listening socket stops
 * accepting; requests in flight get up to --shutdown-timeout to finish;
 * then every connection is closed and the process exits 0.  A second
 * stop signal skips what is left of the wait.
 */
int main(int argc, char **argv)
{
  struct server_config cfg;
  struct daemon *srv;
  sigset_t stop;
  char where[URL_TEXT_CAP];
  int sig, listen_fd;

  if (config_load(&cfg, argc, argv, stdout, stderr) != 0)
    return 2;
  if (cfg.exit_now)
    return 0;
  if (cfg.tls_cert != NULL && tls_load(cfg.tls_cert, cfg.tls_key, stderr) != 0)
    return 2;
  log_setup((enum log_format)cfg.log_format, (enum log_level)cfg.log_level, 1);
  malloc_arenas(cfg.threads);

  handled_signals(&stop);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  if (service_listen_fd(&listen_fd) != 0)
    return 2;
  srv = daemon_start(&cfg, listen_fd);
  if (srv == NULL)
    return 1;
  daemon_set_ready(srv, 1);
  describe(&cfg, listen_fd, daemon_port(srv), where, sizeof where);
  log_msg(LOG_INFO, "listening on %s (%lu thread%s%s)", where, cfg.threads,
          cfg.threads == 1 ? "" : "s", listen_fd >= 0 ? ", socket from the service manager" : "");
  if (daemon_admin_port(srv) != 0)
    log_msg(LOG_INFO, "admin listener on http://%s%s%s:%u (/metrics, /livez, /healthz, /readyz, "
            "/version)", strchr(cfg.admin_bind, ':') ? "[" : "", cfg.admin_bind,
            strchr(cfg.admin_bind, ':') ? "]" : "", daemon_admin_port(srv));
  service_notify("READY=1");

  unsigned long long watchdog = service_watchdog_usec();
  sig = wait_stop(&stop, -1, watchdog);
  log_msg(LOG_INFO, "%s: draining (drain delay %lus, shutdown timeout %lus)",
          signame(sig, where, sizeof where), cfg.drain_delay, cfg.shutdown_timeout);
  service_notify("STOPPING=1");
  daemon_begin_drain(srv);

  drain(srv, &cfg, &stop, watchdog);
  daemon_stop(srv);
  log_msg(LOG_INFO, "stopped");
  metrics_free();
  return 0;
}
