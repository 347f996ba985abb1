/* SPDX-License-Identifier: MIT */
/*
 * process.h - this process as /metrics reports it (Prometheus' process_*
 * metrics, in the client libraries' names).
 */
#ifndef GREET_SERVER_PROCESS_H
#define GREET_SERVER_PROCESS_H

#include "metrics.h"

/* Reads /proc/self for *p; fields it cannot read are set to -1. */
void process_read(struct metrics_process *p);

#endif /* GREET_SERVER_PROCESS_H */
