/*
 * main.c - greet-server: configuration, start, wait for a signal, stop.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "http.h"

/*
 * SIGINT and SIGTERM are blocked before the daemon starts, so every thread
 * libmicrohttpd creates inherits the mask and the signals can only be
 * taken here, by sigwait(): no handler runs in a worker thread mid-request.
 */
int main(int argc, char **argv)
{
  struct server_config cfg;
  struct http_server *srv;
  sigset_t stop;
  int sig = 0;

  switch (config_load(&cfg, argc, argv, stdout, stderr)) {
  case CONFIG_OK:
    break;
  case CONFIG_EXIT:
    return 0;
  case CONFIG_ERROR:
    return 2;
  }

  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  srv = http_start(&cfg, stderr);
  if (srv == NULL)
    return 1;
  printf("greet-server: listening on http://%s%s%s:%u (%lu threads)\n",
         strchr(cfg.bind, ':') ? "[" : "", cfg.bind, strchr(cfg.bind, ':') ? "]" : "",
         http_port(srv), cfg.threads);
  fflush(stdout);

  sigwait(&stop, &sig);
  http_stop(srv);
  printf("greet-server: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}
