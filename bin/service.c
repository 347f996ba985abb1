/* SPDX-License-Identifier: MIT */
/*
 * service.c - socket activation and sd_notify.
 */
#define _GNU_SOURCE 1   /* unsetenv */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#if GREET_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "service.h"

#define SD_LISTEN_FDS_START 3

/* What makes fd unservable, or NULL when it is a listening TCP socket. */
static const char *unservable(int fd)
{
  struct sockaddr_storage ss = {0};
  socklen_t len = sizeof ss;
  int type = 0, listening = 0;
  socklen_t ilen = sizeof type;

  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) != 0)
    return errno == EBADF ? "is not open" : "is not a socket";
  if (type != SOCK_STREAM)
    return "is not a stream (TCP) socket: ListenStream= makes one";
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
      (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
    return "is not an IPv4 or IPv6 socket";
  ilen = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) != 0 || !listening)
    return "is not listening: a unit with Accept=yes passes one connection, not the socket "
           "(use Accept=no), and an unbound socket has no address";
  if ((ss.ss_family == AF_INET && ((struct sockaddr_in *)&ss)->sin_port == 0) ||
      (ss.ss_family == AF_INET6 && ((struct sockaddr_in6 *)&ss)->sin6_port == 0))
    return "is not bound to a port";
  return NULL;
}

int service_listen_fd(int *fd)
{
  const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
  const char *why = NULL;

  *fd = -1;
  if (pid_s != NULL && fds_s != NULL) {
    char *end;
    errno = 0;
    unsigned long pid = strtoul(pid_s, &end, 10);
    if (errno == 0 && *end == '\0' && pid == (unsigned long)getpid()) {
      unsigned long n = strtoul(fds_s, &end, 10);
      if (errno == 0 && *end == '\0' && n >= 1) {
        why = unservable(SD_LISTEN_FDS_START);
        if (why == NULL) {
          *fd = SD_LISTEN_FDS_START;
          /* not inherited by anything this process might start; and
           * non-blocking, as libmicrohttpd's own sockets are: with a
           * thread pool every worker polls the socket, and a blocking
           * accept() would hang the worker that loses the race */
          fcntl(*fd, F_SETFD, FD_CLOEXEC);
          int fl = fcntl(*fd, F_GETFL);
          if (fl >= 0)
            fcntl(*fd, F_SETFL, fl | O_NONBLOCK);
        }
      }
    }
  }
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  if (why != NULL) {
    log_msg(LOG_ERROR, "cannot serve descriptor %d from the service manager (LISTEN_FDS): "
                       "it %s", SD_LISTEN_FDS_START, why);
    return -1;
  }
  return 0;
}

#if GREET_HAVE_LIBSYSTEMD

void service_notify(const char *state)
{
  (void)sd_notify(0, state);
}

uint64_t service_watchdog_usec(void)
{
  uint64_t usec = 0;
  return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

int service_has_systemd(void)
{
  return 1;
}

#else

void service_notify(const char *state)
{
  (void)state;
}

uint64_t service_watchdog_usec(void)
{
  return 0;
}

int service_has_systemd(void)
{
  return 0;
}

#endif
