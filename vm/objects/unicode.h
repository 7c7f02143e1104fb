/* unicode.h — internal helpers shared by str.c, bytes.c and format.c: character
 * classification and case mapping for the common Unicode ranges, and codec names. */
#ifndef TINY_UNICODE_H
#define TINY_UNICODE_H

#include "object.h"

/* Whether c is whitespace as str.isspace()/str.split() see it. */
bool uni_isspace(uint32_t c);
/* Whether c is a letter (str.isalpha). */
bool uni_isalpha(uint32_t c);
/* Whether c is a decimal digit (str.isdecimal). */
bool uni_isdecimal(uint32_t c);
/* Whether c is a digit (str.isdigit). */
bool uni_isdigit(uint32_t c);
/* Whether c is numeric (str.isnumeric). */
bool uni_isnumeric(uint32_t c);
/* Whether c is an uppercase letter. */
bool uni_isupper(uint32_t c);
/* Whether c is a lowercase letter. */
bool uni_islower(uint32_t c);
/* Whether c is a titlecase letter (Dž and friends). */
bool uni_istitle(uint32_t c);
/* Whether c has case (upper, lower or title). */
bool uni_iscased(uint32_t c);
/* Whether c is printable (repr keeps it as is). */
bool uni_isprintable(uint32_t c);
/* Whether c is a line boundary for str.splitlines. */
bool uni_islinebreak(uint32_t c);
/* Simple one-to-one case mappings. */
uint32_t uni_tolower(uint32_t c);
uint32_t uni_toupper(uint32_t c);
/* Full case mappings (ß -> SS): write up to 3 code points to out, return the count. */
int uni_upper_full(uint32_t c, uint32_t *out);
int uni_lower_full(uint32_t c, uint32_t *out);
int uni_title_full(uint32_t c, uint32_t *out);
int uni_fold_full(uint32_t c, uint32_t *out);

/* The codecs tiny has, by uni_codec's answer. */
enum { CODEC_UTF8 = 0, CODEC_ASCII = 1, CODEC_LATIN1 = 2 };
/* The codec an encoding name names (case, '_' and ' ' ignored as CPython's lookup does):
 * CODEC_UTF8, CODEC_ASCII, CODEC_LATIN1, or -1 for a codec tiny lacks. */
int uni_codec(const char *enc);

#endif
