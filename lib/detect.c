/* detect.c - a file's type from its bytes (see detect.h). */
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsearch/detect.h"
#include "irsearch/utf8.h"

struct detector {
	magic_t magic;		/* NULL until libmagic is first needed */
};

detector_t *
detect_new(void)
{
	return calloc(1, sizeof(detector_t));
}

void
detect_free(detector_t *d)
{
	if (d == NULL)
		return;
	if (d->magic != NULL)
		magic_close(d->magic);
	free(d);
}

static int
starts_with(const unsigned char *s, size_t n, const char *prefix)
{
	size_t len = strlen(prefix);

	return n >= len && memcmp(s, prefix, len) == 0;
}

/* An HTML document starts, after a BOM and blanks, with one of these tags. */
static int
looks_like_html(const unsigned char *s, size_t n)
{
	static const char *const tags[] = { "<!doctype html", "<html", "<head", "<body", "<meta", "<title" };
	size_t i = 0, t;

	if (starts_with(s, n, "\xef\xbb\xbf"))
		i = 3;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i + 5 <= n && strncasecmp((const char *)s + i, "<?xml", 5) == 0) {
		const unsigned char *end = memchr(s + i, '>', n - i);

		if (end == NULL)
			return 0;
		i = (size_t)(end - s) + 1;
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			i++;
	}
	for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		size_t len = strlen(tags[t]);

		if (n - i >= len && strncasecmp((const char *)s + i, tags[t], len) == 0)
			return 1;
	}
	return 0;
}

/*
 * Text: UTF-8 in which control bytes other than whitespace (NUL included)
 * and invalid sequences are rare.  A stray NUL or a few broken bytes in a
 * log or an export do not make a file binary (the extractor repairs them),
 * while executables, images and UTF-16 are full of NULs, and text in a
 * legacy 8-bit charset is left to libmagic.  A sequence cut by the end of
 * the head is not counted.
 */
static int
looks_like_utf8_text(const unsigned char *s, size_t n)
{
	size_t controls = 0, invalid = 0, i = 0;

	while (i < n) {
		size_t len = utf8_sequence(s + i, n - i);

		if (len == 0 && n - i < 4 && s[i] >= 0xc2)
			break;	/* cut by the end of the head */
		if (len == 0) {
			invalid++;
			i++;
			continue;
		}
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '\f' &&
		    s[i] != '\v' && s[i] != 0x1b)
			controls++;
		i += len;
	}
	return controls * 100 <= n && invalid * 20 <= n;
}

static int
has_markdown_name(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot != NULL && (strcasecmp(dot, ".md") == 0 || strcasecmp(dot, ".markdown") == 0);
}

irs_code
detect_type(detector_t *d, const char *path, const unsigned char *head, size_t n, char *mime,
	    size_t cap, irs_error *e)
{
	const char *m = NULL;

	if (n == 0)
		m = "inode/x-empty";
	else if (starts_with(head, n, "%PDF-"))
		m = "application/pdf";
	else if (starts_with(head, n, "PK\x03\x04"))
		m = "application/zip";
	else if (looks_like_html(head, n))
		m = "text/html";
	else if (looks_like_utf8_text(head, n))
		m = has_markdown_name(path) ? "text/markdown" : "text/plain";
	if (m != NULL) {
		snprintf(mime, cap, "%s", m);
		return IRS_OK;
	}
	if (d->magic == NULL) {
		d->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
		if (d->magic == NULL || magic_load(d->magic, NULL) != 0) {
			const char *why = d->magic != NULL ? magic_error(d->magic) : "out of memory";

			irs_fail(e, IRS_INTERNAL, "cannot load libmagic's database: %s", why != NULL ? why : "unknown error");
			if (d->magic != NULL)
				magic_close(d->magic);
			d->magic = NULL;
			return IRS_INTERNAL;
		}
	}
	m = magic_buffer(d->magic, head, n);
	snprintf(mime, cap, "%s", m != NULL ? m : "application/octet-stream");
	return IRS_OK;
}
