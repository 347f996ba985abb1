/* SPDX-License-Identifier: MIT */
/*
 * tls.h - the certificate and private key of --tls-cert/--tls-key: read
 * and checked once at start, then handed to libmicrohttpd (GnuTLS).
 */
#ifndef GREET_SERVER_TLS_H
#define GREET_SERVER_TLS_H

#include <stdio.h>

/* TLS 1.2 and 1.3 only, GnuTLS's NORMAL choice of ciphers otherwise. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/*
 * Reads the PEM files cert_path (the certificate, then any intermediates)
 * and key_path (an unencrypted private key) and, when GnuTLS is there at
 * build time, checks that they parse and that the key is the
 * certificate's.  On failure prints one line naming the option and the
 * reason to err and returns -1 (the caller exits 2).
 */
int tls_load(const char *cert_path, const char *key_path, FILE *err);

/* The loaded PEM texts (NUL-terminated), or NULL before tls_load(). */
const char *tls_cert_pem(void);
const char *tls_key_pem(void);

#endif /* GREET_SERVER_TLS_H */
