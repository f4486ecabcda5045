/*
 * wordscan.h - unicode61's words counted in ASCII text a block of bytes at
 * a time, for the snippet scan (snippet_scan.h), which maps token
 * positions to byte offsets from the start of a body.
 *
 * unicode61 (default options) splits at every ASCII byte that is not a
 * letter or digit, so in ASCII text without form feeds each run of letters
 * and digits is one token, and a block's words are a mask computation with
 * no branch per byte: 16 bytes with SSE2 (every x86-64), 8 elsewhere.
 */
#ifndef IRSEARCH_WORDSCAN_H
#define IRSEARCH_WORDSCAN_H

/* ASCII letters and digits, as bits: 0-9 in the low word, A-Z and a-z in the high one. */
#define WORDSCAN_BITS_LOW 0x03ff000000000000ull
#define WORDSCAN_BITS_HIGH 0x07fffffe07fffffeull

/* Whether the ASCII byte c (below 0x80) belongs to a word. */
static inline int
wordscan_word_byte(unsigned char c)
{
	return (int)(((c < 64 ? WORDSCAN_BITS_LOW >> c : WORDSCAN_BITS_HIGH >> (c - 64))) & 1);
}

/* Whether c is an ASCII byte that ends a word. */
static inline int
wordscan_separator(unsigned char c)
{
	return c < 0x80 && !wordscan_word_byte(c);
}

/*
 * Counts the words of t[b, n) while the text is ASCII without a form feed,
 * when b is at a separator or right after one: each word that ends at a
 * separator inside the counted blocks is one token (a word running into
 * other bytes is left to the caller's slow path).  Returns the bytes
 * consumed, through the last separator counted, with *words the tokens in
 * them, never more than room; 0 when nothing qualifies (*words 0).
 */
int wordscan_ascii(const unsigned char *t, int n, int b, int room, int *words);

/* The same, 8 bytes at a time in plain C: wordscan_ascii where SSE2 is missing. */
int wordscan_ascii_swar(const unsigned char *t, int n, int b, int room, int *words);

#endif
