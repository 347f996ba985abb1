/* SPDX-License-Identifier: MIT */
/*
 * replay.c - runs a fuzz target over saved inputs, without libFuzzer.
 *
 *   replay_<target> PATH...
 *
 * Each PATH is a file or a directory whose regular files are run in name
 * order.  This is how the seed corpora and crash reproducers run as
 * ordinary tests with any compiler: a broken invariant aborts (CHECK in
 * fuzz.h), a sanitizer reports as usual.  A missing PATH is skipped, so an
 * empty regressions/ directory (which git does not keep) is fine.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;

  if (f == NULL) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return -1;
  }
  for (;;) {
    if (len == cap) {
      unsigned char *p = realloc(buf, cap = cap ? 2 * cap : 4096);
      if (p == NULL) {
        fprintf(stderr, "replay: %s: out of memory\n", path);
        exit(1);
      }
      buf = p;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  if (ferror(f)) {
    fprintf(stderr, "replay: %s: read error\n", path);
    fclose(f);
    free(buf);
    return -1;
  }
  fclose(f);

  /* The target gets a block of exactly len bytes, as under libFuzzer, so
   * ASan sees a read past the end of the input. */
  {
    unsigned char *exact = malloc(len > 0 ? len : 1);
    if (exact == NULL)
      exit(1);
    if (len > 0)
      memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
  }
  return 0;
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir; returns how many, or -1 on an error. */
static long run_dir(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  long ran = 0;

  if (d == NULL) {
    fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;               /* ., .., and hidden files such as .gitkeep */
    if (n == cap) {
      char **p = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
      if (p == NULL)
        exit(1);
      names = p;
    }
    names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
    if (names[n] == NULL)
      exit(1);
    sprintf(names[n], "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n > 0)
    qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
      if (run_file(names[i]) != 0)
        ran = -1;
      else if (ran >= 0)
        ran++;
    }
    free(names[i]);
  }
  free(names);
  return ran;
}

int main(int argc, char **argv)
{
  int failed = 0;

  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      printf("# %s: missing, skipped\n", argv[i]);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      long ran = run_dir(argv[i]);
      if (ran < 0)
        failed = 1;
      else
        printf("# %s: %ld inputs\n", argv[i], ran);
    } else if (run_file(argv[i]) != 0) {
      failed = 1;
    } else {
      printf("# %s: 1 input\n", argv[i]);
    }
  }
  return failed;
}
