/* SPDX-License-Identifier: MIT */
/*
 * reqid.h - request ids: the client's X-Request-Id when it is well
 * formed, otherwise 128 random bits in hex.
 */
#ifndef GREET_SERVER_REQID_H
#define GREET_SERVER_REQID_H

#include <stddef.h>

/* Longest id accepted from a client; a generated one is 32 hex digits,
 * written with its NUL into REQID_GENERATED_CAP bytes. */
#define REQID_MAX 128u
#define REQID_GENERATED_CAP 33

/*
 * Whether s (NUL-terminated, may be NULL) is a well-formed request id:
 * 1 to REQID_MAX bytes of A-Z a-z 0-9 and - . _ : (UUIDs, ULIDs, hex,
 * "trace:span" pairs).  Anything else is replaced, never echoed.
 */
int reqid_valid(const char *s);

/*
 * Writes 32 lower-case hex digits and a NUL to out: 128 bits
 * from a per-thread generator seeded by getrandom(2) on first use.  Ids
 * must be unique, not secret, so a fast non-cryptographic generator
 * (xoshiro256**) is enough; no lock, no system call per id.
 */
void reqid_generate(char out[REQID_GENERATED_CAP]);

/*
 * Writes 16 * words lower-case hex digits (no NUL) from the same
 * generator, never all zeros (W3C trace and span ids may not be): the
 * ids of a new trace (trace.c).
 */
void reqid_random_hex(char *out, size_t words);

#endif /* GREET_SERVER_REQID_H */
