/* test_extract.c - text and Markdown extraction, front matter, and the doc record's setters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irsearch/doc.h"
#include "irsearch/extract.h"

/* 2024-07-05T10:00:00Z */
#define MTIME_NS (1720173600LL * 1000000000LL)

/* Extracts data[0..n) as type into doc, which must succeed. */
static void
extract_n(irs_doc *doc, const char *type, const char *data, size_t n)
{
	irs_error e = { IRS_OK, "" };

	memset(doc, 0, sizeof(*doc));
	doc->path = strdup("/r/file");
	assert_non_null(doc->path);
	doc->size = (int64_t)n;
	doc->mtime_ns = MTIME_NS;
	strcpy(doc->type, type);
	if (extract_document(data, n, doc, &e) != IRS_OK)
		fail_msg("extract_document: %s", e.msg);
	assert_non_null(doc->body);
	assert_int_equal(doc->body_len, strlen(doc->body));
}

static void
extract(irs_doc *doc, const char *type, const char *data)
{
	extract_n(doc, type, data, strlen(data));
}

static void
front_matter_gives_metadata_and_is_not_body(void **state)
{
	irs_doc d;

	(void)state;
	extract(&d, "text/markdown",
		"---\n"
		"title: \"The Astana Declaration\"\n"
		"author:\n"
		"  - Jane Roe\n"
		"  - John Doe\n"
		"date: 2024-03-01\n"
		"lang: en-US\n"
		"tags: [health, policy]\n"
		"---\n"
		"# A Heading That Is Not The Title\n"
		"\n"
		"Body text here.\n");
	assert_string_equal(d.title, "The Astana Declaration");
	assert_string_equal(d.author, "Jane Roe, John Doe");
	assert_string_equal(d.date, "2024-03-01");
	assert_int_equal(d.date_from_mtime, 0);
	assert_string_equal(d.lang, "en");
	/* Markdown is indexed as text, its markup dropped. */
	assert_string_equal(d.body, "A Heading That Is Not The Title\nBody text here.\n");
	assert_null(strstr(d.body, "title:"));
	assert_null(strstr(d.body, "Jane"));
	doc_clear(&d);
}

static void
front_matter_variants_are_understood(void **state)
{
	irs_doc d;

	(void)state;
	/* A flow list, "authors", a date-time, "..." as the closing fence, CRLF lines. */
	extract(&d, "text/markdown",
		"---\r\n"
		"authors: [Ann Lee, Bo Chen, Cy Diaz]\r\n"
		"date: 2023-11-20T08:30:00Z\r\n"
		"language: ru_RU\r\n"
		"...\r\n"
		"Text\r\n");
	assert_string_equal(d.title, "Text");	/* none declared: the first line */
	assert_string_equal(d.author, "Ann Lee, Bo Chen, Cy Diaz");
	assert_string_equal(d.date, "2023-11-20");
	assert_string_equal(d.lang, "ru");
	assert_string_equal(d.body, "Text\n");
	doc_clear(&d);

	/* A single author, and a key whose value is a mapping, skipped. */
	extract(&d, "text/markdown",
		"---\n"
		"extra:\n"
		"  nested: value\n"
		"  title: not this\n"
		"author: Solo Writer\n"
		"title: Real Title\n"
		"---\n"
		"Body\n");
	assert_string_equal(d.title, "Real Title");
	assert_string_equal(d.author, "Solo Writer");
	assert_int_equal(d.date_from_mtime, 1);
	doc_clear(&d);
}

static void
front_matter_with_an_alias_keeps_keys_and_values_paired(void **state)
{
	irs_doc d;

	(void)state;
	extract(&d, "text/markdown",
		"---\n"
		"title: &t Shared Name\n"
		"author: *t\n"
		"date: 2022-02-02\n"
		"---\n"
		"Body\n");
	assert_string_equal(d.title, "Shared Name");
	assert_true(d.author == NULL || strcmp(d.author, "Shared Name") == 0);
	assert_string_equal(d.date, "2022-02-02");
	assert_int_equal(d.date_from_mtime, 0);
	doc_clear(&d);
}

static void
markdown_title_is_the_first_atx_heading(void **state)
{
	irs_doc d;

	(void)state;
	extract(&d, "text/markdown", "Some intro line\n\n## Regional Report ##\n\n# Later Heading\n");
	assert_string_equal(d.title, "Regional Report");
	assert_string_equal(d.body, "Some intro line\nRegional Report\nLater Heading\n");
	doc_clear(&d);
	/* "#tag" is not a heading. */
	extract(&d, "text/markdown", "#hashtag only\n   # Indented Title\n");
	assert_string_equal(d.title, "Indented Title");
	doc_clear(&d);
}

static void
markdown_title_may_be_a_setext_heading(void **state)
{
	irs_doc d;

	(void)state;
	extract(&d, "text/markdown", "Intro paragraph.\n\nMain  Title\n===========\n\nBody.\n");
	assert_string_equal(d.title, "Main Title");
	doc_clear(&d);
	extract(&d, "text/markdown", "Intro paragraph.\n\nSection Title\n-------------\n\nBody.\n");
	assert_string_equal(d.title, "Section Title");
	doc_clear(&d);
}

static void
markdown_title_falls_back_to_the_first_line(void **state)
{
	irs_doc d;

	(void)state;
	extract(&d, "text/markdown", "\n\n  Just a first line  \nand a second\n");
	assert_string_equal(d.title, "Just a first line");
	doc_clear(&d);
}

static void
front_matter_that_is_not_yaml_is_indexed_as_text(void **state)
{
	static const char md[] = "---\ntitle: [unclosed\nauthor: \"x\n---\nBody words\n";
	irs_doc d;

	(void)state;
	extract(&d, "text/markdown", md);
	/* Read as Markdown: the fences are rules and headings, their text is kept. */
	assert_string_equal(d.body, "title: [unclosed\nauthor: \"x\nBody words\n");
	assert_null(d.author);
	assert_int_equal(d.date_from_mtime, 1);
	assert_string_equal(d.lang, "");
	doc_clear(&d);

	/* A fence that never closes: all of it is text. */
	extract(&d, "text/markdown", "---\ntitle: Open\nBody\n");
	assert_string_equal(d.body, "title: Open\nBody\n");
	doc_clear(&d);
}

static void
missing_date_comes_from_mtime(void **state)
{
	irs_doc d;

	(void)state;
	extract(&d, "text/plain", "A note\n");
	assert_string_equal(d.date, "2024-07-05");
	assert_int_equal(d.date_from_mtime, 1);
	doc_clear(&d);
	extract(&d, "text/markdown", "---\ntitle: T\ndate: not a date\n---\nx\n");
	assert_string_equal(d.title, "T");
	assert_string_equal(d.date, "2024-07-05");
	assert_int_equal(d.date_from_mtime, 1);
	doc_clear(&d);
}

static void
plain_text_title_is_the_first_non_blank_line(void **state)
{
	irs_doc d;

	(void)state;
	extract(&d, "text/plain", "\n  \t \n\r\n   Annual   Report 2024  \r\nSecond line\n");
	assert_string_equal(d.title, "Annual Report 2024");
	assert_string_equal(d.body, "\n  \t \n\r\n   Annual   Report 2024  \r\nSecond line\n");
	assert_null(d.author);
	doc_clear(&d);
	extract(&d, "text/plain", "# not a heading in plain text\n");
	assert_string_equal(d.title, "# not a heading in plain text");
	doc_clear(&d);
}

static void
invalid_utf8_and_nul_bytes_are_repaired_not_dropped(void **state)
{
	static const char text[] = "Caf\xe9 menu\n\0hidden\x01 after \xff\xfe end\n";
	static const char md[] = "# Ti\xfftle\0x\nbody \xc3\n";
	irs_doc d;

	(void)state;
	extract_n(&d, "text/plain", text, sizeof(text) - 1);
	assert_string_equal(d.body, "Caf\xef\xbf\xbd menu\n hidden  after \xef\xbf\xbd\xef\xbf\xbd end\n");
	assert_string_equal(d.title, "Caf\xef\xbf\xbd menu");
	doc_clear(&d);
	extract_n(&d, "text/markdown", md, sizeof(md) - 1);
	assert_string_equal(d.body, "Ti\xef\xbf\xbdtle x\nbody \xef\xbf\xbd\n");
	assert_string_equal(d.title, "Ti\xef\xbf\xbdtle x");
	doc_clear(&d);
}

static void
empty_file_has_an_empty_body(void **state)
{
	irs_doc d;

	(void)state;
	extract_n(&d, "text/plain", "", 0);
	assert_string_equal(d.body, "");
	assert_null(d.title);
	doc_clear(&d);
	extract_n(&d, "text/markdown", "", 0);
	assert_string_equal(d.body, "");
	assert_null(d.title);
	doc_clear(&d);
}

static void
unsupported_type_is_not_found(void **state)
{
	irs_doc d;
	irs_error e = { IRS_OK, "" };

	(void)state;
	memset(&d, 0, sizeof(d));
	strcpy(d.type, "application/x-executable");
	assert_int_equal(extract_document("\x7f" "ELF", 4, &d, &e), IRS_NOT_FOUND);
	assert_non_null(strstr(e.msg, "application/x-executable"));
	assert_null(d.body);
	assert_true(extract_supports("text/plain"));
	assert_true(extract_supports("text/markdown"));
	assert_true(extract_supports("application/pdf"));
	assert_false(extract_supports("image/png"));
	assert_false(extract_supports("application/zip"));
	assert_false(extract_supports("text/plain; charset=utf-8"));
}

static void
set_date_accepts_iso_dates_and_date_times(void **state)
{
	irs_doc d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.date_from_mtime = 1;
	assert_int_equal(doc_set_date(&d, "2024"), 0);
	assert_string_equal(d.date, "2024");
	assert_int_equal(d.date_from_mtime, 0);
	assert_int_equal(doc_set_date(&d, "2024-07"), 0);
	assert_string_equal(d.date, "2024-07");
	assert_int_equal(doc_set_date(&d, "2024-07-05"), 0);
	assert_string_equal(d.date, "2024-07-05");
	assert_int_equal(doc_set_date(&d, "2023-12-31T10:00:00Z"), 0);
	assert_string_equal(d.date, "2023-12-31");
	assert_int_equal(doc_set_date(&d, " 2022-01-02 10:00"), 0);
	assert_string_equal(d.date, "2022-01-02");
}

static void
set_date_rejects_what_is_not_an_iso_date(void **state)
{
	static const char *const bad[] = {
		"2024-13-01", "2024-00-10", "2024-07-32", "2024-07-00", "July 2024", "", "24", "20240705",
		"2024-7-5", "2024/07/05", "2024-07-05x", "abcd", "2024-", "2024-07-0",
	};
	irs_doc d;
	size_t i;

	(void)state;
	memset(&d, 0, sizeof(d));
	strcpy(d.date, "1999-09-09");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (doc_set_date(&d, bad[i]) != -1)
			fail_msg("doc_set_date accepted '%s'", bad[i]);
		assert_string_equal(d.date, "1999-09-09");
	}
}

static void
set_lang_keeps_the_primary_subtag_lower_cased(void **state)
{
	irs_doc d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(doc_set_lang(&d, "en-US"), 0);
	assert_string_equal(d.lang, "en");
	assert_int_equal(doc_set_lang(&d, "ru_RU"), 0);
	assert_string_equal(d.lang, "ru");
	assert_int_equal(doc_set_lang(&d, "DE"), 0);
	assert_string_equal(d.lang, "de");
	assert_int_equal(doc_set_lang(&d, "fil"), 0);
	assert_string_equal(d.lang, "fil");
	assert_int_equal(doc_set_lang(&d, "english"), -1);
	assert_int_equal(doc_set_lang(&d, "e"), -1);
	assert_int_equal(doc_set_lang(&d, "e1"), -1);
	assert_int_equal(doc_set_lang(&d, ""), -1);
	assert_string_equal(d.lang, "fil");
}

static void
set_text_collapses_whitespace_and_cuts_on_a_character_boundary(void **state)
{
	char *field = NULL;

	(void)state;
	assert_int_equal(doc_set_text(&field, "  a \t\n b  ", 10, 100), 0);
	assert_string_equal(field, "a b");
	/* A control or invalid byte between two blanks is dropped, leaving one space (fuzzing). */
	assert_int_equal(doc_set_text(&field, "a \x1b b \xff c", 9, 100), 0);
	assert_string_equal(field, "a b c");
	/* "Türkiye" cut to 2 bytes cannot split the ü. */
	assert_int_equal(doc_set_text(&field, "Türkiye", strlen("Türkiye"), 2), 0);
	assert_string_equal(field, "T");
	assert_int_equal(doc_set_text(&field, "   ", 3, 10), 0);
	assert_null(field);
	assert_int_equal(doc_set_text(&field, "x", 1, 10), 0);
	assert_int_equal(doc_set_text(&field, NULL, 0, 10), 0);
	assert_null(field);
}

static void
markdown_is_indexed_without_its_markup(void **state)
{
	irs_doc d;

	(void)state;
	extract(&d, "text/markdown",
		"# The *Astana* Summit\n\nLeaders signed **the declaration** ([text](http://example.org/x)) &amp; more.\n\n"
		"- energy\n- water\n\n> quoted `code`\n\n<div>raw html</div>\n");
	assert_string_equal(d.title, "The Astana Summit");
	assert_string_equal(d.body, "The Astana Summit\nLeaders signed the declaration (text) & more.\nenergy\nwater\n"
				    "quoted code\n");
	assert_null(strstr(d.body, "http"));
	doc_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(markdown_is_indexed_without_its_markup),
		cmocka_unit_test(front_matter_gives_metadata_and_is_not_body),
		cmocka_unit_test(front_matter_variants_are_understood),
		cmocka_unit_test(front_matter_with_an_alias_keeps_keys_and_values_paired),
		cmocka_unit_test(markdown_title_is_the_first_atx_heading),
		cmocka_unit_test(markdown_title_may_be_a_setext_heading),
		cmocka_unit_test(markdown_title_falls_back_to_the_first_line),
		cmocka_unit_test(front_matter_that_is_not_yaml_is_indexed_as_text),
		cmocka_unit_test(missing_date_comes_from_mtime),
		cmocka_unit_test(plain_text_title_is_the_first_non_blank_line),
		cmocka_unit_test(invalid_utf8_and_nul_bytes_are_repaired_not_dropped),
		cmocka_unit_test(empty_file_has_an_empty_body),
		cmocka_unit_test(unsupported_type_is_not_found),
		cmocka_unit_test(set_date_accepts_iso_dates_and_date_times),
		cmocka_unit_test(set_date_rejects_what_is_not_an_iso_date),
		cmocka_unit_test(set_lang_keeps_the_primary_subtag_lower_cased),
		cmocka_unit_test(set_text_collapses_whitespace_and_cuts_on_a_character_boundary),
	};

	return cmocka_run_group_tests_name("extract", tests, NULL, NULL);
}
