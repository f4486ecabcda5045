/*
 * utf8.h - checking and repairing UTF-8 from untrusted sources.
 *
 * Owns: the one definition of valid UTF-8 the project uses (no overlongs,
 * no surrogates, nothing past U+10FFFF).  Files, queries and socket bytes
 * all go through it.
 */
#ifndef IRSEARCH_UTF8_H
#define IRSEARCH_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if s[0..n) starts with an invalid one. */
size_t utf8_sequence(const unsigned char *s, size_t n);

/* Offset of the first invalid byte in s[0..n), or n when all of it is valid. */
size_t utf8_invalid_offset(const char *s, size_t n);

/*
 * Returns a new NUL-terminated copy of s[0..n) in which every invalid byte
 * is replaced by U+FFFD and every NUL and other C0 control byte except
 * tab and newline by a space; *out_len gets its length.  Caller frees.
 * NULL when out of memory.
 */
char *utf8_repair(const char *s, size_t n, size_t *out_len);

#endif
