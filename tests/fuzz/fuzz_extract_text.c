/*
 * fuzz_extract_text.c - the plain text and Markdown extractors (lib/extract_text.c).
 *
 * Every input is extracted as text/markdown in UTF-8 (YAML front matter,
 * headings) and as text/plain in a charset its first byte picks among those
 * detection names (lib/charset.c converts them), through
 * extract_document_with as irindex calls it.  harness.c's fuzz_check_doc
 * checks what every extraction promises: valid UTF-8 text with no NUL,
 * trimmed metadata within its cap, an ISO 8601 date, a language code.
 * The other extractors are targets of one line each: fuzz_extract(mime, ...).
 */
#include "harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { "UTF-8", "UTF-16LE", "UTF-16BE", "WINDOWS-1251",
						"WINDOWS-1252", NULL };

	fuzz_extract("text/markdown", NULL, data, size);
	fuzz_extract("text/plain", charsets[size > 0 ? data[0] % 6 : 5], data, size);
	return 0;
}
