/* SPDX-License-Identifier: MIT */
/*
 * tls.c - reads and checks the certificate and key once, at start, so
 * that a wrong path or file is an error naming the option (exit 2)
 * rather than libmicrohttpd's "Failed to setup x509 certificate/key".
 *
 * The texts stay in memory for the life of the process: libmicrohttpd
 * reads them when the daemon starts and GnuTLS keeps its own copy, but
 * the daemon may keep the pointers, so they are never freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if GREET_HAVE_GNUTLS
#include <gnutls/gnutls.h>
#endif

#include "tls.h"

/* A certificate chain or a key larger than this is not one. */
#define TLS_FILE_MAX (1024 * 1024)

static char *cert_pem;
static char *key_pem;

/* The whole file as a NUL-terminated string, or NULL with errno set
 * (EFBIG: too large). */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t n;

  if (f == NULL)
    return NULL;
  buf = malloc(TLS_FILE_MAX + 1);
  if (buf == NULL) {
    fclose(f);
    errno = ENOMEM;
    return NULL;
  }
  errno = 0;
  n = fread(buf, 1, TLS_FILE_MAX + 1, f);
  if (ferror(f) || n > TLS_FILE_MAX) {
    int e = !ferror(f) ? EFBIG : errno != 0 ? errno : EIO;   /* EISDIR for a directory */
    fclose(f);
    free(buf);
    errno = e;
    return NULL;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  char *fit = realloc(buf, n + 1);
  return fit != NULL ? fit : buf;
}

/* What makes the texts unusable before GnuTLS looks at them (not PEM, a
 * NUL inside, an encrypted key), or NULL; *cert_bad says which file. */
static const char *pem_problem(const char *cert, size_t cert_len, const char *key,
                               size_t key_len, int *cert_bad)
{
  *cert_bad = strlen(cert) != cert_len || strstr(cert, "-----BEGIN CERTIFICATE-----") == NULL;
  if (*cert_bad)
    return "no PEM certificate (-----BEGIN CERTIFICATE-----) in it";
  if (strlen(key) != key_len || strstr(key, "PRIVATE KEY-----") == NULL)
    return "no PEM private key (-----BEGIN ... PRIVATE KEY-----) in it";
  if (strstr(key, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
      strstr(key, "Proc-Type: 4,ENCRYPTED") != NULL)
    return "the key is encrypted; greet-server needs it unencrypted (protect the file "
           "instead: mode 0600, readable by the service's user only)";
  return NULL;
}

/* GnuTLS parses both and checks that the key matches the certificate:
 * 0, or -1 after saying why on err.  Without GnuTLS there is nothing more
 * to check here (libmicrohttpd has no TLS then, and says so at start). */
static int pair_check(char *cert, size_t cert_len, char *key, size_t key_len,
                      const char *cert_path, const char *key_path, FILE *err)
{
#if GREET_HAVE_GNUTLS
  gnutls_certificate_credentials_t cred;
  gnutls_datum_t c = {(unsigned char *)cert, (unsigned)cert_len};
  gnutls_datum_t k = {(unsigned char *)key, (unsigned)key_len};
  int rc = gnutls_certificate_allocate_credentials(&cred);
  if (rc >= 0) {
    rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(cred);
  }
  if (rc < 0) {
    fprintf(err, "greet-server: invalid --tls-cert '%s' / --tls-key '%s': %s\n",
            cert_path, key_path, gnutls_strerror(rc));
    return -1;
  }
#else
  (void)cert, (void)cert_len, (void)key, (void)key_len;
  (void)cert_path, (void)key_path, (void)err;
#endif
  return 0;
}

int tls_load(const char *cert_path, const char *key_path, FILE *err)
{
  size_t cert_len = 0, key_len = 0;
  char *cert, *key;
  const char *why;
  int cert_bad;

  cert = slurp(cert_path, &cert_len);
  if (cert == NULL) {
    fprintf(err, "greet-server: cannot read --tls-cert '%s': %s\n", cert_path, strerror(errno));
    return -1;
  }
  key = slurp(key_path, &key_len);
  if (key == NULL) {
    fprintf(err, "greet-server: cannot read --tls-key '%s': %s\n", key_path, strerror(errno));
    free(cert);
    return -1;
  }
  why = pem_problem(cert, cert_len, key, key_len, &cert_bad);
  if (why != NULL)
    fprintf(err, "greet-server: invalid %s '%s': %s\n", cert_bad ? "--tls-cert" : "--tls-key",
            cert_bad ? cert_path : key_path, why);
  if (why != NULL || pair_check(cert, cert_len, key, key_len, cert_path, key_path, err) < 0) {
    free(cert);
    free(key);
    return -1;
  }
  free(cert_pem);
  free(key_pem);
  cert_pem = cert;
  key_pem = key;
  return 0;
}

const char *tls_cert_pem(void)
{
  return cert_pem;
}

const char *tls_key_pem(void)
{
  return key_pem;
}
