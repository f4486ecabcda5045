/* test_utf8.c - the project's one definition of valid UTF-8, and its repair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irsearch/utf8.h"

static void
accepts_every_valid_length(void **state)
{
	const char *s = "a\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80";	/* a ü € 😀 */

	(void)state;
	assert_int_equal(utf8_invalid_offset(s, strlen(s)), strlen(s));
	assert_int_equal(utf8_sequence((const unsigned char *)s + 1, 2), 2);
	assert_int_equal(utf8_sequence((const unsigned char *)s + 3, 3), 3);
	assert_int_equal(utf8_sequence((const unsigned char *)s + 6, 4), 4);
}

static void
rejects_overlongs_surrogates_and_truncation(void **state)
{
	(void)state;
	assert_int_equal(utf8_invalid_offset("ab\xc0\xaf", 4), 2);		/* overlong '/' */
	assert_int_equal(utf8_invalid_offset("\xed\xa0\x80", 3), 0);		/* surrogate */
	assert_int_equal(utf8_invalid_offset("x\xf4\x90\x80\x80", 5), 1);	/* past U+10FFFF */
	assert_int_equal(utf8_invalid_offset("xy\xe2\x82", 4), 2);		/* cut short */
	assert_int_equal(utf8_invalid_offset("\xff", 1), 0);
}

/* The offset one sequence at a time, as utf8_invalid_offset defines it. */
static size_t
reference_offset(const char *s, size_t n)
{
	size_t i = 0, len;

	while (i < n && (len = utf8_sequence((const unsigned char *)s + i, n - i)) != 0)
		i += len;
	return i;
}

static void
ascii_runs_of_every_length_find_the_same_bad_byte(void **state)
{
	static const char *const tails[] = { "\xff", "\xc3", "\xe2\x82", "\xc3\xa9z\xff", "\xd0\x96\xd0" };
	char buf[64];
	size_t t, k, at;

	(void)state;
	for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++)
		for (at = 0; at < 40; at++) {
			size_t n = at + strlen(tails[t]);

			memset(buf, 'a', at);
			memcpy(buf + at, tails[t], strlen(tails[t]));
			for (k = 0; k <= 3 && at + k < n; k++) {	/* and with ASCII after it */
				assert_int_equal(utf8_invalid_offset(buf, n), reference_offset(buf, n));
				buf[n] = 'b';
				n++;
			}
		}
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(utf8_invalid_offset(buf, sizeof(buf)), sizeof(buf));
}

static void
repair_replaces_bad_bytes_and_controls_without_dropping_text(void **state)
{
	static const char in[] = "ok\xff then\0nul\x01 end\n";
	size_t len;
	char *out = utf8_repair(in, sizeof(in) - 1, &len);

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "ok\xef\xbf\xbd then nul  end\n");
	assert_int_equal(len, strlen(out));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_every_valid_length),
		cmocka_unit_test(rejects_overlongs_surrogates_and_truncation),
		cmocka_unit_test(ascii_runs_of_every_length_find_the_same_bad_byte),
		cmocka_unit_test(repair_replaces_bad_bytes_and_controls_without_dropping_text),
	};

	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
