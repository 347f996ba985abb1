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

void reqid_generate(char out[REQID_GENERATED_CAP])
{
  static const char hex[] = "0123456789abcdef";

  if (!seeded)
    seed();
  for (int w = 0; w < 2; w++) {
    uint64_t v = next();
    for (int i = 0; i < 16; i++, v >>= 4)
      out[w * 16 + i] = hex[v & 15];
  }
  out[32] = '\0';
}
