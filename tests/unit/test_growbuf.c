/* test_growbuf.c - the growable byte string: growth, binary bytes, the NUL after them, take and failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irsearch/growbuf.h"

/* The byte at i of the reference pattern: every value, NULs included. */
static char
pattern(size_t i)
{
	return (char)(i * 7 + i / 256);
}

static void
appends_across_many_growths_keep_every_byte(void **state)
{
	growbuf b = GROWBUF_INIT;
	char piece[97];
	size_t i, total = 0;

	(void)state;
	while (total < 300000) {
		size_t n = 1 + total % sizeof(piece);	/* lengths 1 to 97, so growths land mid-piece */

		for (i = 0; i < n; i++)
			piece[i] = pattern(total + i);
		growbuf_append(&b, piece, n);
		total += n;
		assert_int_equal(b.len, total);
		assert_true(b.cap > b.len);
	}
	assert_false(b.failed);
	for (i = 0; i < total; i++)
		if (b.data[i] != pattern(i))
			fail_msg("byte %zu differs", i);
	assert_int_equal(b.data[total], '\0');
	growbuf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void
binary_bytes_keep_their_nuls_and_a_nul_follows(void **state)
{
	static const char bin[] = { 'a', '\0', '\xff', '\0', 'b' };
	growbuf b = GROWBUF_INIT;

	(void)state;
	growbuf_append(&b, bin, sizeof(bin));
	growbuf_append(&b, bin, sizeof(bin));
	assert_int_equal(b.len, 2 * sizeof(bin));
	assert_memory_equal(b.data, bin, sizeof(bin));
	assert_memory_equal(b.data + sizeof(bin), bin, sizeof(bin));
	assert_int_equal(b.data[b.len], '\0');
	growbuf_free(&b);
}

static void
text_is_a_c_string_after_every_append(void **state)
{
	growbuf b = GROWBUF_INIT;

	(void)state;
	growbuf_puts(&b, "NEAR(");
	assert_string_equal(b.data, "NEAR(");
	growbuf_append(&b, "\"x\" trailing", 3);
	assert_string_equal(b.data, "NEAR(\"x\"");
	growbuf_puts(&b, ")");
	assert_string_equal(b.data, "NEAR(\"x\")");
	assert_int_equal(b.len, strlen(b.data));
	growbuf_free(&b);
}

static void
zero_length_appends_change_nothing(void **state)
{
	growbuf b = GROWBUF_INIT;
	char *s;

	(void)state;
	growbuf_append(&b, "ignored", 0);
	growbuf_puts(&b, "");
	assert_int_equal(b.len, 0);
	assert_false(b.failed);
	growbuf_puts(&b, "ab");
	growbuf_append(&b, "ignored", 0);
	growbuf_puts(&b, "");
	assert_int_equal(b.len, 2);
	assert_string_equal(b.data, "ab");
	growbuf_free(&b);

	s = growbuf_take(&b);	/* nothing appended: still a string to hand over */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

static void
take_hands_over_and_leaves_the_buffer_reusable(void **state)
{
	growbuf b = GROWBUF_INIT;
	char *first, *second;

	(void)state;
	growbuf_puts(&b, "first");
	first = growbuf_take(&b);
	assert_string_equal(first, "first");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	growbuf_puts(&b, "second");
	second = growbuf_take(&b);
	assert_string_equal(second, "second");
	assert_string_equal(first, "first");	/* the first string is the caller's, untouched */
	assert_ptr_not_equal(first, second);
	free(first);
	free(second);
}

static void
reset_empties_and_keeps_the_memory(void **state)
{
	growbuf b = GROWBUF_INIT;
	size_t cap;

	(void)state;
	growbuf_puts(&b, "a frame's worth of bytes");
	cap = b.cap;
	b.failed = 1;
	growbuf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_false(b.failed);
	assert_string_equal(b.data, "");
	growbuf_puts(&b, "next");
	assert_string_equal(b.data, "next");
	growbuf_free(&b);
}

static void
a_failed_buffer_ignores_appends_and_takes_nothing(void **state)
{
	growbuf b = GROWBUF_INIT;

	(void)state;
	growbuf_puts(&b, "kept so far");
	b.failed = 1;	/* as a failed realloc leaves it */
	growbuf_puts(&b, " and more");
	assert_int_equal(b.len, strlen("kept so far"));
	assert_string_equal(b.data, "kept so far");
	assert_null(growbuf_take(&b));
	assert_null(b.data);
	assert_false(b.failed);	/* take freed it: the buffer starts over */
	growbuf_puts(&b, "again");
	assert_string_equal(b.data, "again");
	growbuf_free(&b);
}

static void
a_length_memory_cannot_hold_fails_like_an_allocation(void **state)
{
	growbuf b = GROWBUF_INIT;

	(void)state;
	growbuf_puts(&b, "abc");
	growbuf_append(&b, "x", SIZE_MAX - 2);	/* refused on its length: the bytes are never read */
	assert_true(b.failed);
	assert_int_equal(b.len, 3);
	growbuf_puts(&b, "ignored");
	assert_int_equal(b.len, 3);
	assert_null(growbuf_take(&b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(appends_across_many_growths_keep_every_byte),
		cmocka_unit_test(binary_bytes_keep_their_nuls_and_a_nul_follows),
		cmocka_unit_test(text_is_a_c_string_after_every_append),
		cmocka_unit_test(zero_length_appends_change_nothing),
		cmocka_unit_test(take_hands_over_and_leaves_the_buffer_reusable),
		cmocka_unit_test(reset_empties_and_keeps_the_memory),
		cmocka_unit_test(a_failed_buffer_ignores_appends_and_takes_nothing),
		cmocka_unit_test(a_length_memory_cannot_hold_fails_like_an_allocation),
	};

	return cmocka_run_group_tests_name("growbuf", tests, NULL, NULL);
}
