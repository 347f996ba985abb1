/* SPDX-License-Identifier: MIT */
/*
 * catalogue.c - the built-in languages: tag, name, greeting, direction.
 *
 * Adding a language is adding a row here, in tag order; nothing in
 * greet.h changes, so the ABI does not.  Strings are written as UTF-8 byte
 * escapes so the file compiles the same whatever source character set a
 * compiler assumes; the comment above each row shows the text.
 *
 * The greeting is a template for greet__template_render(): "{name}" is
 * where the name goes.  The choices that are not obvious:
 *
 *  - fr: French typography puts a *narrow* no-break space (the "espace
 *    fine insécable" of the Imprimerie nationale's rules) before ! ? and ;
 *    and a full-width one (U+00A0) only before ':'.  U+202F NARROW NO-BREAK
 *    SPACE is that character; U+00A0 was the stand-in from before fonts
 *    had U+202F, and is visibly too wide before '!'.  Either way the '!'
 *    can no longer wrap onto a line of its own.
 *  - fr-CA: Quebec usage (Office québécois de la langue française) puts no
 *    space before '!', which is why it is its own entry; "fr-CH" and the
 *    rest fall back to "fr".
 *  - es: the opening U+00A1 is required Spanish punctuation; ca does not
 *    use it.
 *  - nl, sv, tr, vi: no comma between the greeting word and the name.
 *    Dutch and Swedish usage writes "Hallo Ana!" / "Hej Ana!"; Turkish sets
 *    the comma after the addressee, not before; Vietnamese "chào" is a
 *    verb whose object is the name.  de, it, es, pt, pl, ru, uk, cs, ro,
 *    nb, nn, no set the vocative off with a comma.
 *  - ru, uk: the neutral-polite greeting (Здравствуйте, Вітаю) rather than
 *    the familiar Привет/Привіт, matching the register of "Hello".  Slavic
 *    vocative endings (pl "Anno", uk "Анно") cannot be produced without
 *    knowing the name's grammar, so the name stays as given.
 *  - ja, ko: the honorifics さん and 님 after the name, without which
 *    addressing someone by name alone is brusque; ja and zh use the
 *    fullwidth comma/ideographic comma and U+FF01 FULLWIDTH EXCLAMATION
 *    MARK, ko uses ASCII punctuation as Korean does.
 *  - ar: U+060C ARABIC COMMA; he: Hebrew uses the ASCII comma.
 *  - rtl (ar, he): greet_format_lang() wraps the name in U+2068 FIRST
 *    STRONG ISOLATE .. U+2069 POP DIRECTIONAL ISOLATE (UAX #9 section 2.7,
 *    the plain-text form of HTML's <bdi>).  A Latin name inside Arabic
 *    text is the common case: without the isolate, neutral characters at
 *    the name's edges ("@ana", "Ana (2)") take the direction of the
 *    Arabic around them and jump to the wrong side, and a name ending in
 *    digits can drag the '!' with it.  The isolate makes the name one
 *    neutral unit for the greeting and lets it take its own direction
 *    from its first strong letter.  Not done for LTR languages: "en" must
 *    stay byte for byte "Hello, <name>!", and there the paragraph's own
 *    direction already puts the punctuation right.
 */
#include "greet-private.h"

const struct greet__lang greet__langs[] = {
  /* ar     العربية | مرحبًا، {name}! */
  { "ar", "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9",
    "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD9\x8B\xD8\xA7\xD8\x8C {name}!", 1 },
  /* ca     català | Hola, {name}! */
  { "ca", "catal\xC3\xA0",
    "Hola, {name}!", 0 },
  /* cs     čeština | Ahoj, {name}! */
  { "cs", "\xC4\x8D" "e\xC5\xA1tina",
    "Ahoj, {name}!", 0 },
  /* de     Deutsch | Hallo, {name}! */
  { "de", "Deutsch",
    "Hallo, {name}!", 0 },
  /* el     Ελληνικά | Γεια σου, {name}! */
  { "el", "\xCE\x95\xCE\xBB\xCE\xBB\xCE\xB7\xCE\xBD\xCE\xB9\xCE\xBA\xCE\xAC",
    "\xCE\x93\xCE\xB5\xCE\xB9\xCE\xB1 \xCF\x83\xCE\xBF\xCF\x85, {name}!", 0 },
  /* en     English | Hello, {name}! */
  { "en", "English",
    "Hello, {name}!", 0 },
  /* es     español | ¡Hola, {name}! */
  { "es", "espa\xC3\xB1ol",
    "\xC2\xA1Hola, {name}!", 0 },
  /* fr     français | Bonjour, {name}<U+202F>! */
  { "fr", "fran\xC3\xA7" "ais",
    "Bonjour, {name}\xE2\x80\xAF!", 0 },
  /* fr-CA  français canadien | Bonjour, {name}! */
  { "fr-CA", "fran\xC3\xA7" "ais canadien",
    "Bonjour, {name}!", 0 },
  /* he     עברית | שלום, {name}! */
  { "he", "\xD7\xA2\xD7\x91\xD7\xA8\xD7\x99\xD7\xAA",
    "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D, {name}!", 1 },
  /* hi     हिन्दी | नमस्ते, {name}! */
  { "hi", "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80",
    "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87, {name}!", 0 },
  /* id     Bahasa Indonesia | Halo, {name}! */
  { "id", "Bahasa Indonesia",
    "Halo, {name}!", 0 },
  /* it     italiano | Ciao, {name}! */
  { "it", "italiano",
    "Ciao, {name}!", 0 },
  /* ja     日本語 | こんにちは、{name}さん！ */
  { "ja", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
    "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF\xE3\x80\x81{name}\xE3\x81\x95\xE3\x82\x93\xEF\xBC\x81", 0 },
  /* ko     한국어 | 안녕하세요, {name}님! */
  { "ko", "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4",
    "\xEC\x95\x88\xEB\x85\x95\xED\x95\x98\xEC\x84\xB8\xEC\x9A\x94, {name}\xEB\x8B\x98!", 0 },
  /* nb     norsk bokmål | Hei, {name}! */
  { "nb", "norsk bokm\xC3\xA5l",
    "Hei, {name}!", 0 },
  /* nl     Nederlands | Hallo {name}! */
  { "nl", "Nederlands",
    "Hallo {name}!", 0 },
  /* nn     norsk nynorsk | Hei, {name}! */
  { "nn", "norsk nynorsk",
    "Hei, {name}!", 0 },
  /* no     norsk | Hei, {name}! */
  { "no", "norsk",
    "Hei, {name}!", 0 },
  /* pl     polski | Cześć, {name}! */
  { "pl", "polski",
    "Cze\xC5\x9B\xC4\x87, {name}!", 0 },
  /* pt     português | Olá, {name}! */
  { "pt", "portugu\xC3\xAAs",
    "Ol\xC3\xA1, {name}!", 0 },
  /* ro     română | Bună, {name}! */
  { "ro", "rom\xC3\xA2n\xC4\x83",
    "Bun\xC4\x83, {name}!", 0 },
  /* ru     русский | Здравствуйте, {name}! */
  { "ru", "\xD1\x80\xD1\x83\xD1\x81\xD1\x81\xD0\xBA\xD0\xB8\xD0\xB9",
    "\xD0\x97\xD0\xB4\xD1\x80\xD0\xB0\xD0\xB2\xD1\x81\xD1\x82\xD0\xB2\xD1\x83\xD0\xB9\xD1\x82\xD0\xB5, {name}!", 0 },
  /* sv     svenska | Hej {name}! */
  { "sv", "svenska",
    "Hej {name}!", 0 },
  /* sw     Kiswahili | Habari, {name}! */
  { "sw", "Kiswahili",
    "Habari, {name}!", 0 },
  /* tr     Türkçe | Merhaba {name}! */
  { "tr", "T\xC3\xBCrk\xC3\xA7" "e",
    "Merhaba {name}!", 0 },
  /* uk     українська | Вітаю, {name}! */
  { "uk", "\xD1\x83\xD0\xBA\xD1\x80\xD0\xB0\xD1\x97\xD0\xBD\xD1\x81\xD1\x8C\xD0\xBA\xD0\xB0",
    "\xD0\x92\xD1\x96\xD1\x82\xD0\xB0\xD1\x8E, {name}!", 0 },
  /* vi     Tiếng Việt | Xin chào {name}! */
  { "vi", "Ti\xE1\xBA\xBFng Vi\xE1\xBB\x87t",
    "Xin ch\xC3\xA0o {name}!", 0 },
  /* zh     中文 | 你好，{name}！ */
  { "zh", "\xE4\xB8\xAD\xE6\x96\x87",
    "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C{name}\xEF\xBC\x81", 0 },
};

const size_t greet__nlangs = sizeof greet__langs / sizeof greet__langs[0];

_Static_assert(sizeof greet__langs / sizeof greet__langs[0] <= GREET__LANG_MAX,
               "raise GREET__LANG_MAX in greet-private.h");
