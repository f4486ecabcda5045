/* test_detect.c - a file's type from its first bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irsearch/detect.h"
#include "irsearch/doc.h"
#include "irsearch/limits.h"

static int
setup(void **state)
{
	*state = detect_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	detect_free(*state);
	return 0;
}

/* The MIME type detect_type gives for head[0..n) under the name path. */
static const char *
type_of(void **state, const char *path, const void *head, size_t n)
{
	static char mime[IRS_MIME_MAX];
	irs_error e = { IRS_OK, "" };

	memset(mime, 'X', sizeof(mime));
	if (detect_type(*state, path, head, n, mime, sizeof(mime), &e) != IRS_OK)
		fail_msg("detect_type(%s): %s", path, e.msg);
	return mime;
}

static const char *
type_of_string(void **state, const char *path, const char *head)
{
	return type_of(state, path, head, strlen(head));
}

static void
signatures_name_pdf_zip_and_html(void **state)
{
	assert_string_equal(type_of_string(state, "/r/a.bin", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
			    "application/pdf");
	/* The extension does not matter. */
	assert_string_equal(type_of_string(state, "/r/a.md", "%PDF-1.4\n"), "application/pdf");
	assert_string_equal(type_of(state, "/r/a.docx", "PK\x03\x04\x14\0\x06\0", 8), "application/zip");
	assert_string_equal(type_of_string(state, "/r/a", "<!DOCTYPE html>\n<html><body>x</body></html>"),
			    "text/html");
	assert_string_equal(type_of_string(state, "/r/a", "<!doctype HTML>"), "text/html");
	assert_string_equal(type_of_string(state, "/r/a", "\xef\xbb\xbf \r\n\t<html lang=\"en\">"), "text/html");
	assert_string_equal(type_of_string(state, "/r/a", "  <HEAD><title>t</title>"), "text/html");
	assert_string_equal(type_of_string(state, "/r/a",
					   "<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">"),
			    "text/html");
}

static void
near_misses_are_not_taken_for_signatures(void **state)
{
	assert_string_equal(type_of_string(state, "/r/a", "%PDF"), "text/plain");
	assert_string_equal(type_of_string(state, "/r/a", "A paragraph about <html> tags."), "text/plain");
	assert_string_equal(type_of_string(state, "/r/a", "PK and other letters"), "text/plain");
	assert_string_equal(type_of_string(state, "/r/a.md", "<htm"), "text/markdown");
}

static void
utf8_text_is_plain_text_and_md_names_make_it_markdown(void **state)
{
	assert_string_equal(type_of_string(state, "/r/notes.txt", "Plain words\nand lines\n"), "text/plain");
	assert_string_equal(type_of_string(state, "/r/notes", "Сотрудничество, Türkiye, 日本\n"), "text/plain");
	assert_string_equal(type_of_string(state, "/r/README.md", "# Title\n\nText.\n"), "text/markdown");
	assert_string_equal(type_of_string(state, "/r/README.MD", "Text.\n"), "text/markdown");
	assert_string_equal(type_of_string(state, "/r/post.markdown", "Text.\n"), "text/markdown");
	assert_string_equal(type_of_string(state, "/r/post.md.txt", "Text.\n"), "text/plain");
	assert_string_equal(type_of_string(state, "/r/mdfile", "Text.\n"), "text/plain");
	assert_string_equal(type_of_string(state, "/r.md/file", "Text.\n"), "text/plain");
}

static void
multibyte_character_cut_by_the_end_of_the_head_is_still_text(void **state)
{
	char head[IRS_DETECT_HEAD];

	memset(head, 'a', sizeof(head));
	memcpy(head + sizeof(head) - 2, "\xe2\x82", 2);	/* the first two bytes of the euro sign */
	assert_string_equal(type_of(state, "/r/long.txt", head, sizeof(head)), "text/plain");
}

static void
empty_file_is_x_empty(void **state)
{
	assert_string_equal(type_of(state, "/r/empty.md", "", 0), "inode/x-empty");
}

static void
binary_bytes_get_a_type_from_libmagic_that_is_not_text(void **state)
{
	static const unsigned char elf[64] = {
		0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		2, 0, 0x3e, 0, 1, 0, 0, 0, 0x40, 0x10, 0x40, 0, 0, 0, 0, 0,
		0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0x40, 0, 0x38, 0, 0, 0, 0x40, 0, 0, 0, 0, 0,
	};
	unsigned char noise[512];
	uint32_t x = 7;
	const char *m;
	size_t i;

	m = type_of(state, "/r/prog.md", elf, sizeof(elf));
	assert_true(strncmp(m, "text/", 5) != 0);
	assert_true(strncmp(m, "application/", 12) == 0);
	for (i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = i % 7 == 0 ? 0 : (unsigned char)(x >> 16);
	}
	m = type_of(state, "/r/noise.txt", noise, sizeof(noise));
	assert_true(strncmp(m, "text/", 5) != 0);
	assert_true(strchr(m, '/') != NULL);
}

static void
mime_is_cut_to_the_buffer_given(void **state)
{
	char mime[8];
	irs_error e = { IRS_OK, "" };

	assert_int_equal(detect_type(*state, "/r/a.md", (const unsigned char *)"x", 1, mime, sizeof(mime), &e),
			 IRS_OK);
	assert_string_equal(mime, "text/ma");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(signatures_name_pdf_zip_and_html, setup, teardown),
		cmocka_unit_test_setup_teardown(near_misses_are_not_taken_for_signatures, setup, teardown),
		cmocka_unit_test_setup_teardown(utf8_text_is_plain_text_and_md_names_make_it_markdown, setup, teardown),
		cmocka_unit_test_setup_teardown(multibyte_character_cut_by_the_end_of_the_head_is_still_text, setup,
						teardown),
		cmocka_unit_test_setup_teardown(empty_file_is_x_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(binary_bytes_get_a_type_from_libmagic_that_is_not_text, setup,
						teardown),
		cmocka_unit_test_setup_teardown(mime_is_cut_to_the_buffer_given, setup, teardown),
	};

	return cmocka_run_group_tests_name("detect", tests, NULL, NULL);
}
