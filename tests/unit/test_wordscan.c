/*
 * test_wordscan.c - ASCII words counted a block at a time, both ways (SSE2
 * where the build has it, and the plain-C fallback), against a count byte
 * by byte, from every offset of texts mixing words, punctuation, digits,
 * form feeds and non-ASCII bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irsearch/wordscan.h"

typedef int scanner(const unsigned char *t, int n, int b, int room, int *words);

/* Words that start in [b, e): the reference, byte by byte. */
static int
words_between(const unsigned char *t, int b, int e)
{
	int i, n = 0;

	for (i = b; i < e; i++)
		if (t[i] < 0x80 && wordscan_word_byte(t[i]) && (i == b || !wordscan_word_byte(t[i - 1])))
			n++;
	return n;
}

/* Text of n bytes from seed: mostly ASCII prose, some of it hostile to blocks when odd is set. */
static unsigned char *
make_text(int n, unsigned seed, int odd)
{
	static const char pieces[] = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 ,.;-'()/\n\t_@[`{";
	unsigned char *t = malloc((size_t)n);
	int i;

	assert_non_null(t);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		if (odd && (seed >> 8) % 97 == 0)
			t[i] = (seed >> 16) % 2 ? '\f' : (unsigned char)(0x80 + (seed >> 17) % 0x80);
		else
			t[i] = (unsigned char)pieces[(seed >> 16) % (sizeof(pieces) - 1)];
	}
	return t;
}

/* One call's promises: whole words only, nothing past a form feed or non-ASCII byte, room kept. */
static void
check_call(scanner *scan, const unsigned char *t, int n, int b, int room)
{
	int words = -1, done = scan(t, n, b, room, &words), i;

	assert_true(done >= 0 && b + done <= n);
	assert_true(words >= 0 && words <= room);
	if (done == 0) {
		assert_int_equal(words, 0);
		return;
	}
	assert_false(b > 0 && !wordscan_separator(t[b - 1]) && !wordscan_separator(t[b]));
	assert_true(wordscan_separator(t[b + done - 1]));
	for (i = b; i < b + done; i++)
		assert_true(t[i] < 0x80 && t[i] != '\f');
	assert_int_equal(words, words_between(t, b, b + done));
}

static void
check_scanner(scanner *scan)
{
	int k;

	for (k = 0; k < 40; k++) {
		int n = 40 + k * 37, b, room;
		unsigned char *t = make_text(n, 7u + (unsigned)k, k % 2);

		for (b = 0; b < n; b++)
			for (room = 0; room < 12; room += 5)
				check_call(scan, t, n, b, room);
		for (b = 0; b < n; b++)
			check_call(scan, t, n, b, 1 << 30);
		free(t);
	}
}

static void
block_counts_agree_with_byte_counts(void **state)
{
	(void)state;
	check_scanner(wordscan_ascii);
	check_scanner(wordscan_ascii_swar);
}

/* In clean ASCII prose the blocks carry the count to within a block or two of the end. */
static void
clean_prose_is_counted_nearly_whole(void **state)
{
	static const char *scanners_names[] = { "wordscan_ascii", "wordscan_ascii_swar" };
	scanner *scanners[] = { wordscan_ascii, wordscan_ascii_swar };
	unsigned char *t = make_text(4096, 99u, 0);
	int s, words;

	(void)state;
	for (s = 0; s < 2; s++) {
		int done = scanners[s](t, 4096, 0, 1 << 30, &words);

		if (done < 4096 - 64)
			fail_msg("%s stopped at %d of 4096 clean bytes", scanners_names[s], done);
		assert_int_equal(words, words_between(t, 0, done));
	}
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(block_counts_agree_with_byte_counts),
		cmocka_unit_test(clean_prose_is_counted_nearly_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
