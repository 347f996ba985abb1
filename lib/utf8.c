/* SPDX-License-Identifier: MIT */
/*
 * utf8.c - strict UTF-8 validation (RFC 3629 section 4).
 */
#include <stdint.h>
#include <string.h>

#include "greet-private.h"

greet_status greet__ctl_status(unsigned char c)
{
  if (c == 0x00)
    return GREET_E_NUL;
  return c == 0x7f ? GREET_E_DEL : GREET_E_C0_CONTROL;
}

/*
 * A shift-based DFA for the RFC 3629 syntax (the scheme of Per Vognsen's
 * and Dougall Johnson's UTF-8 validators): each state is a bit offset, a
 * multiple of 6, and utf8_dfa[b] holds, at each state's offset, the state
 * that byte b leads to.  One load, one shift and one mask per byte, no
 * branch that depends on the text, so mixed scripts cost no mispredicted
 * branches.  The error state is offset 0, whose fields are all 0: once
 * there, every byte leaves it there.  A second table adds the control
 * checks of GREET__CTL_ALL: the C0 bytes and DEL lead nowhere, and C2 has
 * a state of its own whose next byte must be A0..BF (C2 80..C2 9F are the
 * C1 controls).
 */
enum {
  S_ERR = 0,
  S_ACC = 6,    /* between sequences */
  S_1 = 12,     /* one more continuation byte 80..BF */
  S_2 = 18,     /* two more */
  S_3 = 24,     /* three more */
  S_E0 = 30,    /* after E0: A0..BF (no overlong below U+0800), then one */
  S_ED = 36,    /* after ED: 80..9F (no surrogates), then one */
  S_F0 = 42,    /* after F0: 90..BF (no overlong below U+10000), then two */
  S_F4 = 48,    /* after F4: 80..8F (nothing above U+10FFFF), then two */
  S_C2 = 54     /* control checks only: after C2, A0..BF */
};

#define T(from, to) ((uint64_t)(to) << (from))
#define R_ASCII T(S_ACC, S_ACC)
#define R_CONT (T(S_1, S_ACC) | T(S_2, S_1) | T(S_3, S_2))
#define R_80_8F (R_CONT | T(S_ED, S_1) | T(S_F4, S_2))
#define R_90_9F (R_CONT | T(S_ED, S_1) | T(S_F0, S_2))
#define R_A0_BF (R_CONT | T(S_E0, S_1) | T(S_F0, S_2))
#define R_C2_DF T(S_ACC, S_1)
#define R_E0 T(S_ACC, S_E0)
#define R_E1_EF T(S_ACC, S_2)   /* E1..EC and EE..EF */
#define R_ED T(S_ACC, S_ED)
#define R_F0 T(S_ACC, S_F0)
#define R_F1_F3 T(S_ACC, S_3)
#define R_F4 T(S_ACC, S_F4)
#define R_BAD 0                 /* C0, C1, F5..FF */
#define R_A0_BF_CTL (R_A0_BF | T(S_C2, S_ACC))
#define R_C2_CTL T(S_ACC, S_C2)

#define X2(r) r, r
#define X4(r) X2(r), X2(r)
#define X8(r) X4(r), X4(r)
#define X16(r) X8(r), X8(r)

static const uint64_t utf8_dfa[256] = {
  X16(R_ASCII), X16(R_ASCII), X16(R_ASCII), X16(R_ASCII),       /* 00..3F */
  X16(R_ASCII), X16(R_ASCII), X16(R_ASCII), X16(R_ASCII),       /* 40..7F */
  X16(R_80_8F), X16(R_90_9F), X16(R_A0_BF), X16(R_A0_BF),       /* 80..BF */
  X2(R_BAD), X16(R_C2_DF), X8(R_C2_DF), X4(R_C2_DF), X2(R_C2_DF), /* C0..DF */
  R_E0, X8(R_E1_EF), X4(R_E1_EF), R_ED, X2(R_E1_EF),           /* E0..EF */
  R_F0, X2(R_F1_F3), R_F1_F3, R_F4, X8(R_BAD), X2(R_BAD), R_BAD, /* F0..FF */
};

static const uint64_t utf8_dfa_ctl[256] = {
  X16(R_BAD), X16(R_BAD),                                        /* 00..1F */
  X16(R_ASCII), X16(R_ASCII), X16(R_ASCII), X16(R_ASCII),       /* 20..5F */
  X16(R_ASCII), X8(R_ASCII), X4(R_ASCII), X2(R_ASCII), R_ASCII, /* 60..7E */
  R_BAD,                                                         /* 7F */
  X16(R_80_8F), X16(R_90_9F), X16(R_A0_BF_CTL), X16(R_A0_BF_CTL), /* 80..BF */
  X2(R_BAD), R_C2_CTL, X16(R_C2_DF), X8(R_C2_DF), X4(R_C2_DF), R_C2_DF, /* C0..DF */
  R_E0, X8(R_E1_EF), X4(R_E1_EF), R_ED, X2(R_E1_EF),           /* E0..EF */
  R_F0, X2(R_F1_F3), R_F1_F3, R_F4, X8(R_BAD), X2(R_BAD), R_BAD, /* F0..FF */
};

#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)

/* Whether the 8 bytes of w are all ASCII and, with ctl, none of them is
 * a control (below 0x20, or 0x7F).  The tests for a byte below n and for
 * a zero byte are exact for words without high bits, as here. */
static int plain_ascii(uint64_t w, int ctl)
{
  uint64_t del = w ^ (ONES * 0x7f);

  if (w & HIGH)
    return 0;
  return !ctl || (((w - ONES * 0x20) | (del - ONES)) & ~w & HIGH) == 0;
}

/* Whether s[0..len) is valid UTF-8, and with ctl free of controls: the
 * DFA, with runs of ASCII between sequences skipped 16, then 8 bytes at a
 * time (names are mostly ASCII), and a check for the error state every 16
 * bytes, so a bad byte early in a long input ends the scan early.  The
 * state lives in the low 6 bits of st; the bits above are left over from
 * the row and masked off only where the state is compared: x86's shift
 * instructions take their count modulo 64 anyway, so the loop is one load
 * and one shift per byte.  Inlined at both calls, so that each gets its
 * table and its ASCII test as constants: one shared copy made flags 0
 * 1.4x slower on multi-byte text. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int utf8_valid(const unsigned char *s, size_t len, int ctl)
{
  const uint64_t *dfa = ctl ? utf8_dfa_ctl : utf8_dfa;
  uint64_t st = S_ACC;
  size_t i = 0;

  while (i < len) {
    if ((st & 63) == S_ACC) {
      while (len - i >= 16) {
        uint64_t w[2];
        memcpy(w, s + i, sizeof w);
        if (!plain_ascii(w[0], ctl) || !plain_ascii(w[1], ctl))
          break;
        i += 16;
      }
      while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        if (!plain_ascii(w, ctl))
          break;
        i += 8;
      }
    }
    if (len - i >= 16) {
      /* a whole block: a fixed count the compiler unrolls */
      for (size_t k = 0; k < 16; k++)
        st = dfa[s[i + k]] >> (st & 63);
      i += 16;
    } else {
      for (; i < len; i++)
        st = dfa[s[i]] >> (st & 63);
    }
    if ((st & 63) == S_ERR)
      return 0;
  }
  return (st & 63) == S_ACC;
}

/*
 * The DFA answers (for U+0000 alone, memchr: valid UTF-8 has no other
 * zero byte), and only input it rejects goes on to the scanner below,
 * which names the error and its offset.  The scanner is one pass over the
 * RFC 3629 syntax and the control checks: the second byte carries all
 * the special cases (overlongs after E0 and F0, surrogates after ED, code
 * points above U+10FFFF after F4), so it gets its own bounds; every later
 * byte is a plain continuation 80..BF.
 */
greet_status greet__utf8_check(const unsigned char *s, size_t len,
                               unsigned ctl, size_t *err_offset)
{
  size_t i = 0;

  if ((ctl & GREET__CTL_ALL) ? utf8_valid(s, len, 1)
      : utf8_valid(s, len, 0) && (ctl == 0 || len == 0 || memchr(s, 0, len) == NULL))
    return GREET_OK;
  while (i < len) {
    unsigned char c = s[i];

    if (c < 0x80) {
      if (ctl && (c < 0x20 || c == 0x7f) && (c == 0 || (ctl & GREET__CTL_ALL))) {
        *err_offset = i;
        return greet__ctl_status(c);
      }
      i++;
      continue;
    }

    size_t n;                 /* continuation bytes that follow */
    unsigned char lo = 0x80, hi = 0xbf;  /* bounds of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0)
        lo = 0xa0;            /* overlong below U+0800 */
      else if (c == 0xed)
        hi = 0x9f;            /* surrogates U+D800..U+DFFF */
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0)
        lo = 0x90;            /* overlong below U+10000 */
      else if (c == 0xf4)
        hi = 0x8f;            /* above U+10FFFF */
    } else {
      *err_offset = i;        /* 80..C1 (stray continuation, overlong lead) or F5..FF */
      return GREET_E_BAD_UTF8;
    }

    if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi) {
      *err_offset = i;
      return GREET_E_BAD_UTF8;
    }
    for (size_t k = 2; k <= n; k++) {
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) {
        *err_offset = i;
        return GREET_E_BAD_UTF8;
      }
    }
    if ((ctl & GREET__CTL_ALL) && c == 0xc2 && s[i + 1] <= 0x9f) {
      *err_offset = i;        /* C1 controls are C2 80..C2 9F */
      return GREET_E_C1_CONTROL;
    }
    i += n + 1;
  }
  return GREET_OK;
}

/*
 * Validates without writing anything, so it needs no buffer: err_offset is
 * the only output, and it is optional.
 */
greet_status greet_utf8_validate(const char *src, size_t len, size_t *err_offset,
                                 unsigned flags)
{
  const unsigned known = GREET_UTF8_REJECT_NUL | GREET_UTF8_REJECT_CTL;
  unsigned ctl = 0;
  size_t off = 0;
  greet_status st;

  if (flags & ~known)
    return GREET_E_INVALID_FLAGS;
  if (src == NULL && len > 0)
    return GREET_E_INVALID_ARG;
  if (flags & GREET_UTF8_REJECT_NUL)
    ctl |= GREET__CTL_NUL;
  if (flags & GREET_UTF8_REJECT_CTL)
    ctl |= GREET__CTL_NUL | GREET__CTL_ALL;

  st = greet__utf8_check((const unsigned char *)src, len, ctl, &off);
  if (st != GREET_OK && err_offset != NULL)
    *err_offset = off;
  return st;
}
