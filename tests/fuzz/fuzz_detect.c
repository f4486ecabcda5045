/*
 * fuzz_detect.c - telling a file's type and a text's charset (lib/detect.c).
 *
 * The input is a small file, taken through irindex's steps
 * (indexer/extractors.c): detect_type on its head (IRS_DETECT_HEAD bytes),
 * detect_container on a zip (its members read with libarchive),
 * detect_charset on a text, then extraction when the type is text.
 * Promises checked: detection never fails once libmagic's database is
 * loaded and gives a MIME type ("type/subtype", printable ASCII); a charset
 * is one of the names the text extractor converts; a head detected as text
 * is extracted, in its charset, without breaking extract.h's promises.
 * Heads the signature and UTF-8 checks cannot place go to libmagic (about
 * 1 ms each), so detect.options keeps inputs at the head's size.  Other
 * types' extractors have targets of their own.
 */
#include <string.h>
#include <strings.h>

#include "harness.h"
#include "irsearch/detect.h"
#include "irsearch/doc.h"
#include "irsearch/limits.h"

static detector_t *detector;

static void
check_mime(const char *what, const char *mime, size_t cap)
{
	size_t i;

	if (memchr(mime, '\0', cap) == NULL || strchr(mime, '/') == NULL || mime[0] == '/')
		fuzz_fail("%s gave [%.*s], not a MIME type", what, (int)cap, mime);
	for (i = 0; mime[i] != '\0'; i++)
		if (mime[i] <= ' ' || mime[i] > '~')
			fuzz_fail("%s gave [%s], not a MIME type", what, mime);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { "UTF-8", "UTF-16LE", "UTF-16BE", "WINDOWS-1251",
						"WINDOWS-1252" };
	char mime[IRS_MIME_MAX], charset[32];
	irs_error e = { IRS_OK, "" };
	size_t i, head = size < IRS_DETECT_HEAD ? size : IRS_DETECT_HEAD;
	/* The name only refines text into Markdown: both answers are tried. */
	const char *path = size % 2 ? "/reports/input.md" : "/reports/input.txt";

	if (detector == NULL && (detector = detect_new()) == NULL)
		fuzz_fail("out of memory");
	memset(mime, 0x55, sizeof(mime));
	if (detect_type(detector, path, data, head, mime, sizeof(mime), &e) != IRS_OK)
		fuzz_fail("detect_type failed: %s", e.msg);
	check_mime("detect_type", mime, sizeof(mime));
	if (strcmp(mime, "application/zip") == 0) {
		detect_container(detector, data, size, mime, sizeof(mime));
		check_mime("detect_container", mime, sizeof(mime));
	}
	if (strncmp(mime, "text/", 5) != 0)
		return 0;
	memset(charset, 0x55, sizeof(charset));
	detect_charset(detector, data, size, charset, sizeof(charset));
	for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
		if (strncasecmp(charset, charsets[i], sizeof(charset)) == 0)
			break;
	if (i == sizeof(charsets) / sizeof(charsets[0]))
		fuzz_fail("detect_charset gave [%.*s]", (int)sizeof(charset), charset);
	if (strcmp(mime, "text/plain") == 0 || strcmp(mime, "text/markdown") == 0)
		fuzz_extract(mime, charset, data, size);
	return 0;
}
