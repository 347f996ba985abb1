/* SPDX-License-Identifier: MIT */
/*
 * test_template.c - greet_template_validate() and greet_template_format():
 * {name}, {{ and }}, errors with their offsets (the same from both
 * functions), printf directives as plain text, escaping of the template
 * text and the name, isolates, every capacity.
 */
#include "greet-test.h"

#define HTML GREET_ESCAPE_HTML
#define JSON GREET_ESCAPE_JSON
#define ISO  GREET_TEMPLATE_ISOLATE
#define FSI  "\xE2\x81\xA8"
#define PDI  "\xE2\x81\xA9"

/*
 * Templates, formatted with the name "Zoë" (input = the template).  For
 * an error, want_len is the offset in the template, and
 * greet_template_validate() must report the same.
 */
#define NAME "Zo\xC3\xAB"
#define OK(in, flags, out)      { B(in), flags, GREET_OK, B(out) }
#define ERR(in, st, at)         { B(in), 0, st, "", at }
#define UNKNOWN(in, at)         ERR(in, GREET_E_UNKNOWN_PLACEHOLDER, at)
#define BRACE(in, at)           ERR(in, GREET_E_UNBALANCED_BRACE, at)
#define UTF8(in, at)            ERR(in, GREET_E_BAD_UTF8, at)

static const struct row templates[] = {
  OK("Hi {name}, welcome!", 0, "Hi " NAME ", welcome!"),
  OK("{name}", 0, NAME),
  OK("", 0, ""),
  OK("no placeholder", 0, "no placeholder"),
  OK("{name}{name}", 0, NAME NAME),
  OK("{name} and {name}!", 0, NAME " and " NAME "!"),
  /* literal braces */
  OK("{{", 0, "{"),
  OK("}}", 0, "}"),
  OK("{{name}}", 0, "{name}"),
  OK("{{{name}}}", 0, "{" NAME "}"),
  OK("{{}}", 0, "{}"),
  OK("a {{ b }} c", 0, "a { b } c"),
  OK("{{{{", 0, "{{"),
  /* printf directives are ordinary text */
  OK("100% {name} %s %n %x %%", 0, "100% " NAME " %s %n %x %%"),
  /* NUL, controls and UTF-8 in the template are text too */
  OK("a\x00{name}", 0, "a\x00" NAME),
  OK("\t{name}\n", 0, "\t" NAME "\n"),
  OK("\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 {name}!", 0,
     "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 " NAME "!"),
  /* escaping applies to the template text as well as the name */
  OK("<b>{name}</b> & \"co\" 'x'", HTML,
     "&lt;b&gt;" NAME "&lt;/b&gt; &amp; &quot;co&quot; &#39;x&#39;"),
  OK("{{<{name}>}}", HTML, "{&lt;" NAME "&gt;}"),
  OK("\"{name}\"\\\n\x01\xE2\x80\xA8", JSON,
     "\\\"" NAME "\\\"\\\\\\n\\u0001\\u2028"),
  OK("<{name}>", JSON, "<" NAME ">"),
  /* isolates around every occurrence of the name */
  OK("{name}, {name}", ISO, FSI NAME PDI ", " FSI NAME PDI),
  OK("<{name}>", ISO | HTML, "&lt;" FSI NAME PDI "&gt;"),
  OK("no name", ISO, "no name"),

  /* unknown placeholders: the offset of the '{' */
  UNKNOWN("Hi {nam}", 3),
  UNKNOWN("{}", 0),
  UNKNOWN("{Name}", 0),
  UNKNOWN("{NAME}", 0),
  UNKNOWN("{ name }", 0),
  UNKNOWN("{name }", 0),
  UNKNOWN("{lang}", 0),
  UNKNOWN("{0}", 0),
  UNKNOWN("{name:>10}", 0),
  UNKNOWN("{name!r}", 0),
  UNKNOWN("a{name}b{x}", 8),
  UNKNOWN("{{name}} {names}", 9),
  UNKNOWN("{%s}", 0),
  /* unbalanced: the brace without a partner */
  BRACE("Hi {name", 3),
  BRACE("{", 0),
  BRACE("}", 0),
  BRACE("a}b", 1),
  BRACE("{{}", 2),
  BRACE("{na{me}", 0),
  BRACE("{name}}", 6),
  BRACE("{{name}", 6),
  BRACE("}{name}", 0),
  BRACE("{name}{", 6),
  BRACE("{{{", 2),
  BRACE("}}}", 2),
  BRACE("ok {name} then {", 15),
  BRACE("{x", 0),              /* not closed wins over not known */
  /* invalid UTF-8: the first bad byte, unless a brace error comes first */
  UTF8("\xFF{name}", 0),
  UTF8("Hi \xC3", 3),
  UTF8("\xED\xA0\x80{name}", 0),
  UTF8("{name}\xC0\x80", 6),
  UTF8("a\xFF" "b}", 1),
  UTF8("a\xFF{x}", 1),
  UNKNOWN("{x}\xFF", 0),
  UNKNOWN("{\xFF}", 0),
  BRACE("}\xFF", 0),
  UTF8("\xF4\x90\x80\x80}", 0),
};

static greet_status format_zoe(const char *t, size_t len, char *dst, size_t cap,
                               size_t *out_len, unsigned flags)
{
  return greet_template_format(t, len, NAME, sizeof NAME - 1, dst, cap, out_len, flags);
}

Test(template, format_table)
{
  for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++)
    check_row(format_zoe, &templates[i], "template", i);
}

/* validate() and format() agree on every template, and both leave
 * err_offset alone on success. */
Test(template, validate_agrees)
{
  for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++) {
    const struct row *r = &templates[i];
    char *copy = exact_copy(r->in, r->in_len);
    size_t off = UNSET;
    greet_status st = greet_template_validate(copy, r->in_len, &off, 0);

    cr_assert_eq(st, r->want_status, "row %zu %s: status %d", i, show(r->in, r->in_len), st);
    cr_assert_eq(off, st == GREET_OK ? UNSET : r->want_len, "row %zu %s: offset %zu", i,
                 show(r->in, r->in_len), off);
    cr_assert_eq(greet_template_validate(copy, r->in_len, NULL, 0), st);
    free(copy);
  }
}

/* The name varies, the template is fixed: the name is inserted once,
 * never re-read as a template, and escaped. */
static greet_status format_hi(const char *name, size_t len, char *dst, size_t cap,
                              size_t *out_len, unsigned flags)
{
  return greet_template_format("Hi {name}!", 10, name, len, dst, cap, out_len, flags);
}

#define NOK(in, flags, out)     { B(in), flags, GREET_OK, B(out) }
#define NERR(in, flags, at)     { B(in), flags, GREET_E_BAD_UTF8, "", at }

static const struct row names[] = {
  NOK("Ana", 0, "Hi Ana!"),
  NOK("", 0, "Hi !"),
  NOK("{name}", 0, "Hi {name}!"),
  NOK("{{", 0, "Hi {{!"),
  NOK("}", 0, "Hi }!"),
  NOK("%s%n", 0, "Hi %s%n!"),
  NOK("<script>alert(1)</script>", HTML, "Hi &lt;script&gt;alert(1)&lt;/script&gt;!"),
  NOK("\"'&", HTML, "Hi &quot;&#39;&amp;!"),
  NOK("a\"b\\c\nd\x1F", JSON, "Hi a\\\"b\\\\c\\nd\\u001f!"),
  NOK("\xE2\x80\xA9", JSON, "Hi \\u2029!"),
  NOK("Zo\xC3\xAB", ISO, "Hi " FSI "Zo\xC3\xAB" PDI "!"),
  NERR("\xFF", 0, 0),
  NERR("Ana\xC3", HTML, 3),
  NERR("ok\xED\xA0\x80", JSON | ISO, 2),
};

Test(template, name_table)
{
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    check_row(format_hi, &names[i], "name", i);
}

/* A bad template is reported before a bad name, with the template's
 * offset; a valid template and a bad name give the name's offset. */
Test(template, template_before_name)
{
  char buf[32];
  size_t n = UNSET;

  cr_assert_eq(greet_template_format("ab{x}", 5, "\xFF", 1, buf, sizeof buf, &n, 0),
               GREET_E_UNKNOWN_PLACEHOLDER);
  cr_assert_eq(n, 2u);
  cr_assert_eq(greet_template_format("a\xFF", 2, "xyz\xFF", 4, buf, sizeof buf, &n, 0),
               GREET_E_BAD_UTF8);
  cr_assert_eq(n, 1u);
  cr_assert_eq(greet_template_format("a{name}", 7, "xyz\xFF", 4, NULL, 0, &n, 0),
               GREET_E_BAD_UTF8);
  cr_assert_eq(n, 3u);
}

/* With an escape mode the result is greet_escape() of the plain one. */
Test(template, escaped_is_escape_of_plain)
{
  static const char *const tmpls[] = {
    "Hi {name}!", "<p class=\"x\">{name} & {name}</p>", "{{'{name}'}}", "\"{name}\"\n",
    "\xE2\x80\xA8{name}\xE2\x80\xA9",
  };
  static const char *const nm[] = { "Ana", "<img src=x onerror=alert(1)>", "a\"b\\\n'", "" };
  static const unsigned modes[] = { HTML, JSON, HTML | ISO, JSON | ISO };

  for (size_t t = 0; t < sizeof tmpls / sizeof tmpls[0]; t++)
    for (size_t k = 0; k < sizeof nm / sizeof nm[0]; k++)
      for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        char plain[256], want[1024], got[1024];
        size_t np, nw, ng;
        unsigned iso = modes[m] & ISO, esc = modes[m] & ~ISO;

        cr_assert_eq(greet_template_format(tmpls[t], strlen(tmpls[t]), nm[k], strlen(nm[k]),
                                           plain, sizeof plain, &np, iso), GREET_OK);
        cr_assert_eq(greet_escape(plain, np, want, sizeof want, &nw, esc), GREET_OK);
        cr_assert_eq(greet_template_format(tmpls[t], strlen(tmpls[t]), nm[k], strlen(nm[k]),
                                           got, sizeof got, &ng, modes[m]), GREET_OK);
        cr_assert_eq(ng, nw, "template %zu name %zu mode 0x%x", t, k, modes[m]);
        cr_assert_eq(memcmp(got, want, nw + 1), 0, "template %zu name %zu mode 0x%x",
                     t, k, modes[m]);
      }
}

Test(template, flags_and_arguments)
{
  static const unsigned bad_format[] = {
    HTML | JSON, HTML | JSON | ISO, GREET_LANG_NO_ISOLATE, GREET_LANG_NAME,
    GREET_ACCEPT_STRICT, 0x4u, 0x80000000u, ~0u,
  };
  char buf[32];
  size_t n = UNSET;

  memset(buf, CANARY, sizeof buf);
  for (size_t i = 0; i < sizeof bad_format / sizeof bad_format[0]; i++)
    cr_assert_eq(greet_template_format("{x", 2, "\xFF", 1, buf, sizeof buf, &n,
                                       bad_format[i]), GREET_E_INVALID_FLAGS,
                 "flags 0x%x", bad_format[i]);
  /* validate takes no flag at all */
  for (unsigned bit = 0; bit < 32; bit++)
    cr_assert_eq(greet_template_validate("{x", 2, &n, 1u << bit), GREET_E_INVALID_FLAGS);
  cr_assert_eq(n, UNSET);

  cr_assert_eq(greet_template_validate(NULL, 1, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(greet_template_format(NULL, 1, "a", 1, buf, sizeof buf, &n, 0),
               GREET_E_INVALID_ARG);
  cr_assert_eq(greet_template_format("{name}", 6, NULL, 1, buf, sizeof buf, &n, 0),
               GREET_E_INVALID_ARG);
  cr_assert_eq(greet_template_format("{name}", 6, "a", 1, NULL, 2, &n, 0),
               GREET_E_INVALID_ARG);
  cr_assert_eq(greet_template_format("{x", 2, "a", 1, NULL, 2, &n, 0), GREET_E_INVALID_ARG);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(buf[0], CANARY);

  /* NULL with length 0: the empty template, the empty name */
  cr_assert_eq(greet_template_validate(NULL, 0, &n, 0), GREET_OK);
  cr_assert_eq(n, UNSET);
  cr_assert_eq(greet_template_format(NULL, 0, NULL, 0, buf, sizeof buf, &n, HTML), GREET_OK);
  cr_assert_eq(n, 0u);
  cr_assert_str_eq(buf, "");
  cr_assert_eq(greet_template_format("[{name}]", 8, NULL, 0, buf, sizeof buf, NULL, 0),
               GREET_OK);
  cr_assert_str_eq(buf, "[]");
}

/* A long template with many placeholders and literal braces. */
Test(template, long_template)
{
  static char t[6000], out[6000 * 4];
  size_t len = 0, n = UNSET;

  while (len + 12 <= sizeof t) {
    memcpy(t + len, "{{{name}}}&x", 12);
    len += 12;
  }
  cr_assert_eq(greet_template_validate(t, len, &n, 0), GREET_OK);
  cr_assert_eq(greet_template_format(t, len, "<>", 2, NULL, 0, &n, HTML), GREET_E_NOSPACE);
  /* per piece: "{" "&lt;&gt;" "}" "&amp;" "x" */
  cr_assert_eq(n, len / 12 * (1 + 8 + 1 + 5 + 1));
  cr_assert_eq(greet_template_format(t, len, "<>", 2, out, sizeof out, &n, HTML), GREET_OK);
  cr_assert_eq(memcmp(out, "{&lt;&gt;}&amp;x{&lt;", 21), 0);
  /* an error at the very end is found */
  t[len - 1] = '{';
  cr_assert_eq(greet_template_validate(t, len, &n, 0), GREET_E_UNBALANCED_BRACE);
  cr_assert_eq(n, len - 1);
}
