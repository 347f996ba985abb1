/*
 * service.c - socket activation and sd_notify.
 */
#define _GNU_SOURCE 1   /* unsetenv */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#if GREET_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "service.h"

#define SD_LISTEN_FDS_START 3

int service_listen_fd(void)
{
  const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
  int fd = -1;

  if (pid_s != NULL && fds_s != NULL) {
    char *end;
    errno = 0;
    unsigned long pid = strtoul(pid_s, &end, 10);
    if (errno == 0 && *end == '\0' && pid == (unsigned long)getpid()) {
      unsigned long n = strtoul(fds_s, &end, 10);
      int type = 0;
      socklen_t len = sizeof type;
      if (errno == 0 && *end == '\0' && n >= 1 &&
          getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
          type == SOCK_STREAM) {
        fd = SD_LISTEN_FDS_START;
        /* not inherited by anything this process might start; and
         * non-blocking, as libmicrohttpd's own sockets are: with a
         * thread pool every worker polls the socket, and a blocking
         * accept() would hang the worker that loses the race */
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
          fcntl(fd, F_SETFL, fl | O_NONBLOCK);
      }
    }
  }
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  return fd;
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
