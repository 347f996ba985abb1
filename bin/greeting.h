/* SPDX-License-Identifier: MIT */
/*
 * greeting.h - the bodies routes.c answers with: a negotiated greeting and
 * the list of languages, written into a struct out (util.h), so one pass
 * either builds a body or learns its size.  Pure, like routes.c.
 */
#ifndef GREET_SERVER_GREETING_H
#define GREET_SERVER_GREETING_H

#include <stddef.h>

#include <greet.h>

#include "negotiate.h"
#include "routes.h"
#include "util.h"

/* A negotiated language: a canonical catalogue tag, short ASCII. */
struct greeting_lang {
  char tag[LANG_TAG_CAP];
  size_t len;
  int is_default;       /* the server's default language (--default-lang) */
};

/* The query's "lang" wins, then Accept-Language; anything unusable in
 * either leaves the choice to the next, and req->default_lang ends it. */
void greeting_choose_lang(const struct route_request *req, struct greeting_lang *l);

/* The body of a 200 greeting for the decoded name in representation m and
 * language l, appended to o; the HTML page links the name's greeting in
 * every language of the catalogue ("/greet/<name>?lang=<tag>", built with
 * greet_url_encode).  GREET_OK, or libgreet's error for the name (invalid
 * UTF-8). */
greet_status greeting_body(const struct route_request *req, enum neg_media m,
                           const struct greeting_lang *l,
                           const char *name, size_t name_len, struct out *o);

/* The Content-Security-Policy of the HTML page: no script, no fetch. */
extern const char greeting_csp[];

/* GET /languages' body: "tag TAB name TAB dir" lines (NEG_TEXT), a JSON
 * array of {"tag", "name", "dir", "href"} (NEG_JSON) or an HTML list of
 * links (NEG_HTML), where each href is "/greet/<name>?lang=<tag>" for the
 * decoded name given.  GREET_OK, or GREET_E_BAD_UTF8 for the name. */
greet_status greeting_languages(enum neg_media m, const char *name, size_t name_len, struct out *o);

#endif /* GREET_SERVER_GREETING_H */
