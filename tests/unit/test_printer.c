/*
 * test_printer.c - the JSON search answer as the protocol promises it:
 * fields, every string escaped as jansson's json_dumps escapes it, valid
 * UTF-8, reals with JSON_REAL_PRECISION(6), explain's parts.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irsearch/printer.h"
#include "irsearch/protocol.h"

/* One hit with every field, and a result holding it. */
static void
one_hit(search_result *r, search_hit *h, char *text)
{
	memset(r, 0, sizeof(*r));
	memset(h, 0, sizeof(*h));
	r->total = 1;
	r->took_ms = 3.0;
	r->nhits = 1;
	r->hits = h;
	h->id = 27;
	h->path = "/srv/reports/a.md";
	h->title = "Astana";
	h->date = "2024-07-05";
	h->type = "text/markdown";
	h->score = 7.93;
	h->snippet = text;
	h->npassages = 1;
	h->passages[0].text = text;
}

static void
a_page_reads_as_the_protocol_says(void **state)
{
	search_result r;
	search_hit h;
	char *line;

	(void)state;
	one_hit(&r, &h, "the [Astana] [Declaration]");
	h.pages = 4;
	h.page = 2;
	h.passages[0].page = 2;
	r.relaxed = 1;
	line = printer_json_result(&r, FIELD_ALL);
	assert_non_null(line);
	assert_string_equal(line,
			    "{\"ok\":true,\"total\":1,\"took_ms\":3.0,\"relaxed\":true,\"hits\":[{\"id\":27,"
			    "\"path\":\"/srv/reports/a.md\",\"title\":\"Astana\",\"date\":\"2024-07-05\","
			    "\"date_source\":\"document\",\"type\":\"text/markdown\",\"pages\":4,\"score\":7.93,"
			    "\"page\":2,\"snippet\":\"the [Astana] [Declaration]\",\"passages\":[{\"page\":2,"
			    "\"text\":\"the [Astana] [Declaration]\"}]}]}");
	free(line);
}

static void
fields_leave_out_what_was_not_asked(void **state)
{
	search_result r;
	search_hit h;
	char *line;

	(void)state;
	one_hit(&r, &h, "x");
	line = printer_json_result(&r, FIELD_PATH | FIELD_SCORE);
	assert_non_null(line);
	assert_string_equal(line, "{\"ok\":true,\"total\":1,\"took_ms\":3.0,\"hits\":[{\"path\":\"/srv/reports/a.md\","
				  "\"score\":7.93}]}");
	free(line);
	r.nhits = 0;
	line = printer_json_result(&r, FIELD_ALL);
	assert_string_equal(line, "{\"ok\":true,\"total\":1,\"took_ms\":3.0,\"hits\":[]}");
	free(line);
}

/* Quotes, backslashes and controls escaped as json_dumps does; other bytes, slash and non-ASCII, as they are. */
static void
strings_are_escaped_as_json_dumps_escapes_them(void **state)
{
	search_result r;
	search_hit h;
	json_t *expected = json_string("q\"b\\s/t\tn\nc\x01\x1f\x7f \xd0\xb6 \xe2\x80\xa8");
	char *line, *want;

	(void)state;
	one_hit(&r, &h, (char *)json_string_value(expected));
	line = printer_json_result(&r, FIELD_SNIPPET);
	want = json_dumps(expected, JSON_ENCODE_ANY | JSON_COMPACT);
	assert_non_null(line);
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, "\\u0001\\u001F"));
	free(want);
	free(line);
	json_decref(expected);
}

/* A file name need not be UTF-8; the answer must be: bad bytes become U+FFFD, as before. */
static void
invalid_utf8_is_repaired(void **state)
{
	search_result r;
	search_hit h;
	char *line;

	(void)state;
	one_hit(&r, &h, "x");
	h.path = "/srv/\xff\xc0\xafname\x01.md";
	line = printer_json_result(&r, FIELD_PATH);
	assert_non_null(line);
	assert_string_equal(line, "{\"ok\":true,\"total\":1,\"took_ms\":3.0,\"hits\":[{\"path\":\"/srv/"
				  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdname .md\"}]}");
	free(line);
}

/* An answer several times the dump buffer's first size reads whole, as json_dumps writes it. */
static void
a_long_answer_grows_the_buffer(void **state)
{
	size_t n = 40000, i;
	char *text = malloc(n + 1), *line, *want;
	search_result r;
	search_hit h;
	json_t *expected;

	(void)state;
	assert_non_null(text);
	for (i = 0; i + 2 <= n; i += 2)
		memcpy(text + i, i % 10 == 0 ? "\xd0\xb6" : (i % 7 == 0 ? "\"q" : "ab"), 2);
	text[i] = '\0';
	one_hit(&r, &h, text);
	line = printer_json_result(&r, FIELD_SNIPPET | FIELD_PASSAGES);
	expected = json_pack("{s:b, s:i, s:f, s:[{s:s, s:[{s:s}]}]}", "ok", 1, "total", 1, "took_ms", 3.0, "hits",
			     "snippet", text, "passages", "text", text);
	want = json_dumps(expected, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	assert_non_null(line);
	assert_non_null(want);
	assert_true(strlen(line) > 2 * n);
	assert_string_equal(line, want);
	free(want);
	free(line);
	json_decref(expected);
	free(text);
}

/* Reals as json_dumps writes them with JSON_REAL_PRECISION(6). */
static void
numbers_read_as_json_dumps_wrote_them(void **state)
{
	static const double values[] = { 0.0, -0.0, 1.0, 7.93, 1234567.0, 1e-7, 2.5e-5, -123.456789, 1e21, 0.1 };
	search_result r;
	search_hit h;
	size_t i;

	(void)state;
	one_hit(&r, &h, "x");
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		json_t *v = json_real(values[i]);
		char *want = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6)), *line, *got;

		h.score = values[i];
		line = printer_json_result(&r, FIELD_SCORE);
		assert_non_null(line);
		got = strstr(line, "\"score\":");
		assert_non_null(got);
		got += 8;
		assert_memory_equal(got, want, strlen(want));
		assert_int_equal(got[strlen(want)], '}');
		free(want);
		free(line);
		json_decref(v);
	}
}

static void
explain_adds_its_parts(void **state)
{
	search_result r;
	search_hit h;
	char *line;

	(void)state;
	one_hit(&r, &h, "x");
	h.score = 3.5;
	h.explained = 1;
	h.explain.column_score[0] = 2.0;
	h.explain.column_matches[0] = 1;
	h.explain.column_score[2] = 1.25;
	h.explain.column_matches[2] = 4;
	h.explain.proximity = 0.25;
	line = printer_json_result(&r, FIELD_ID);
	assert_non_null(line);
	assert_string_equal(line, "{\"ok\":true,\"total\":1,\"took_ms\":3.0,\"hits\":[{\"id\":27,\"explain\":{"
				  "\"score\":3.5,\"columns\":{\"title\":{\"matches\":1,\"score\":2.0},"
				  "\"author\":{\"matches\":0,\"score\":0.0},\"body\":{\"matches\":4,\"score\":1.25}},"
				  "\"proximity\":0.25}}]}");
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_page_reads_as_the_protocol_says),
		cmocka_unit_test(fields_leave_out_what_was_not_asked),
		cmocka_unit_test(strings_are_escaped_as_json_dumps_escapes_them),
		cmocka_unit_test(invalid_utf8_is_repaired),
		cmocka_unit_test(a_long_answer_grows_the_buffer),
		cmocka_unit_test(numbers_read_as_json_dumps_wrote_them),
		cmocka_unit_test(explain_adds_its_parts),
	};

	return cmocka_run_group_tests_name("printer", tests, NULL, NULL);
}
