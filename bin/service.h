/* SPDX-License-Identifier: MIT */
/*
 * service.h - the service manager's side: systemd socket activation and
 * sd_notify (READY=1, STOPPING=1, WATCHDOG=1).
 */
#ifndef GREET_SERVER_SERVICE_H
#define GREET_SERVER_SERVICE_H

#include <stdint.h>

/*
 * The listening socket passed by socket activation (sd_listen_fds(3)):
 * *fd = 3 when LISTEN_PID is this process and LISTEN_FDS >= 1, else -1.
 * Returns -1 (logged, saying what is wrong) when a socket was passed but
 * cannot be served: not a socket, not a TCP (stream, IPv4 or IPv6) one,
 * or not listening (a unit with Accept=yes passes a connection; an
 * unbound socket has no address).  LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are removed from the environment either way.  Read
 * without libsystemd: the protocol is two variables, and every build of
 * greet-server supports it.
 */
int service_listen_fd(int *fd);

/* Sends a state ("READY=1") to the service manager when NOTIFY_SOCKET is
 * set; nothing when it is not, or when built without libsystemd. */
void service_notify(const char *state);

/* The watchdog interval the manager asks for (WATCHDOG_USEC), in
 * microseconds, or 0 (no watchdog, or built without libsystemd). */
uint64_t service_watchdog_usec(void);

/* Whether this build talks to systemd (libsystemd found at build time). */
int service_has_systemd(void);

#endif /* GREET_SERVER_SERVICE_H */
