/* SPDX-License-Identifier: MIT */
/*
 * reqid.c - request id check and generation.
 */
#define _GNU_SOURCE 1   /* getrandom */

#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "reqid.h"

int reqid_valid(const char *s)
{
  size_t n = 0;

  if (s == NULL)
    return 0;
  for (; s[n] != '\0'; n++) {
    unsigned char c = (unsigned char)s[n];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '.' || c == '_' || c == ':';
    if (!ok || n >= REQID_MAX)
      return 0;
  }
  return n > 0;
}

static _Thread_local uint64_t state[4];
static _Thread_local int seeded;

static inline uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna, public domain) */
static uint64_t next(void)
{
  uint64_t result = rotl(state[1] * 5, 7) * 9, t = state[1] << 17;
  state[2] ^= state[0];
  state[3] ^= state[1];
  state[1] ^= state[2];
  state[0] ^= state[3];
  state[2] ^= t;
  state[3] = rotl(state[3], 45);
  return result;
}

static void seed(void)
{
  if (getrandom(state, sizeof state, 0) != (ssize_t)sizeof state) {
    /* no entropy source: still unique enough within one process */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    state[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30);
    state[1] = (uint64_t)getpid() * 0x9e3779b97f4a7c15u;
    state[2] = (uint64_t)(uintptr_t)&state;
    state[3] = 0x6a09e667f3bcc909u;
  }
  if ((state[0] | state[1] | state[2] | state[3]) == 0)
    state[0] = 1;    /* the one state xoshiro cannot leave */
  seeded = 1;
}

/* Each byte value as its two hex digits: a generated id costs 8 table
 * copies per 64-bit word instead of 16 digit lookups, on every request. */
static const char hex_pairs[513] =
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
  "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
  "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

void reqid_random_hex(char *out, size_t words)
{
  uint64_t any;

  if (!seeded)
    seed();
  do {
    any = 0;
    for (size_t w = 0; w < words; w++) {
      uint64_t v = next();
      any |= v;
      for (size_t i = 0; i < 8; i++, v >>= 8)
        memcpy(out + w * 16 + i * 2, hex_pairs + (v & 255) * 2, 2);
    }
  } while (any == 0 && words > 0);
}

void reqid_generate(char out[REQID_GENERATED_CAP])
{
  reqid_random_hex(out, 2);
  out[32] = '\0';
}
