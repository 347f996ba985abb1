/* SPDX-License-Identifier: MIT */
/*
 * deadline.h - the request deadline of greet-server (--header-timeout):
 * each request must arrive whole (request line, headers and any body)
 * within a fixed time of the connection being accepted or of the previous
 * response being sent.
 *
 * libmicrohttpd 0.9.75 has only an idle timeout, which restarts on every
 * byte received, so a client sending one byte every few seconds
 * (slowloris) holds its connection forever.  Here a reaper thread scans
 * the open connections a few times a second and calls shutdown(2) on the
 * socket of each one past its deadline; libmicrohttpd then reads EOF and
 * closes the connection itself, on its own thread.  The socket is never
 * closed here: it belongs to libmicrohttpd.
 *
 * Cost on the request path: a connection takes a shard lock twice (open,
 * close; the shard is picked by descriptor, so workers rarely meet); a
 * request only does relaxed atomic stores into its connection's record.
 */
#ifndef GREET_SERVER_DEADLINE_H
#define GREET_SERVER_DEADLINE_H

#include <stdint.h>
#include <sys/socket.h>

/* Where a connection was when its deadline passed. */
enum deadline_phase {
  DEADLINE_NEW = 0,      /* accepted; no complete request line yet */
  DEADLINE_IDLE = 1,     /* kept alive after a response; no next request line */
  DEADLINE_HEADERS = 2,  /* request line received; headers not complete */
  DEADLINE_BODY = 3      /* headers received; body not complete */
};
#define DEADLINE_NPHASES 4

/* One connection closed by the reaper, as its callback sees it. */
struct deadline_expired {
  enum deadline_phase phase;
  int drained;                     /* closed by deadline_drain(), not late */
  uint64_t waited_ns;              /* since the deadline started */
  struct sockaddr_storage addr;    /* the client; ss_family 0 when unknown */
};

struct deadline_table;
struct deadline_conn;

/*
 * Starts the reaper for a deadline of timeout_ms milliseconds (> 0).
 * on_expired is called on the reaper thread, with no lock held, once for
 * each connection it shut down.  NULL if the thread cannot be started.
 */
struct deadline_table *deadline_start(uint64_t timeout_ms,
                                      void (*on_expired)(const struct deadline_expired *, void *),
                                      void *cls);

/* Stops and joins the reaper and frees every record still open.  Call it
 * only once libmicrohttpd has stopped (no connection callback can run). */
void deadline_stop(struct deadline_table *t);

/*
 * A new connection on socket fd: its deadline starts now.  Returns its
 * record (NULL when t is NULL or memory is short: that connection then
 * has no deadline).  Every function below accepts NULL and does nothing.
 */
struct deadline_conn *deadline_open(struct deadline_table *t, int fd,
                                    const struct sockaddr *addr, socklen_t addrlen);

/* The request line is complete (phase HEADERS, same deadline). */
void deadline_request_line(struct deadline_conn *c);
/* The headers are complete (phase BODY, same deadline). */
void deadline_headers(struct deadline_conn *c);
/* The request is complete: no deadline while it is answered. */
void deadline_clear(struct deadline_conn *c);
/* The response is sent: the next request's deadline starts now. */
void deadline_next(struct deadline_conn *c);

/*
 * The drain has started: from the reaper's next tick on, every connection
 * whose request has begun to arrive but is not whole (phases HEADERS and
 * BODY) is shut down whatever its deadline, reported with `drained` set.
 * Such a request is not being answered, and the drain must not wait for
 * it; a connection that is new or idle is left to the drain's grace.
 */
void deadline_drain(struct deadline_table *t);

/*
 * The connection is closing.  Must be called before its socket is closed
 * (libmicrohttpd's MHD_CONNECTION_NOTIFY_CLOSED is): from then on the
 * reaper can no longer touch that descriptor, which may be reused.
 */
void deadline_close(struct deadline_conn *c);

/* Label value of a phase: "new", "idle", "headers", "body" (the log's
 * and the metrics' one spelling). */
static inline const char *deadline_phase_name(enum deadline_phase phase)
{
  static const char *const names[DEADLINE_NPHASES] = {"new", "idle", "headers", "body"};
  return (unsigned)phase < DEADLINE_NPHASES ? names[phase] : "unknown";
}

#endif /* GREET_SERVER_DEADLINE_H */
