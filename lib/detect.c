/* detect.c - a file's type and a text's charset from its bytes (see detect.h). */
#include <archive.h>
#include <archive_entry.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "irsearch/detect.h"
#include "irsearch/extract.h"
#include "irsearch/limits.h"
#include "irsearch/utf8.h"

/* Bytes of [Content_Types].xml read to find a DOCX's main part. */
#define CONTENT_TYPES_MAX 65536

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

static size_t
skip_blanks(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/*
 * An HTML document starts, after a BOM, blanks, an XML declaration and
 * comments (a browser's "saved from" note), with one of these tags.
 */
static int
looks_like_html(const unsigned char *s, size_t n)
{
	static const char *const tags[] = { "<!doctype html", "<html", "<head", "<body", "<meta", "<title" };
	size_t i = 0, t;

	if (starts_with(s, n, "\xef\xbb\xbf"))
		i = 3;
	i = skip_blanks(s, n, i);
	if (i + 5 <= n && strncasecmp((const char *)s + i, "<?xml", 5) == 0) {
		const unsigned char *end = memchr(s + i, '>', n - i);

		if (end == NULL)
			return 0;
		i = skip_blanks(s, n, (size_t)(end - s) + 1);
	}
	while (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
		const unsigned char *end = NULL;
		size_t j;

		for (j = i + 4; j + 3 <= n && end == NULL; j++)
			if (memcmp(s + j, "-->", 3) == 0)
				end = s + j;
		if (end == NULL)
			return 0;
		i = skip_blanks(s, n, (size_t)(end - s) + 3);
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

/*
 * The ASCII letters of a UTF-16 head with a byte order mark (other
 * characters as '?'), enough to look for HTML markers in it.
 */
static size_t
utf16_ascii(const unsigned char *s, size_t n, unsigned char *out, size_t cap)
{
	int le = s[0] == 0xff;
	size_t i, k = 0;

	for (i = 2; i + 1 < n && k < cap; i += 2) {
		unsigned lo = le ? s[i] : s[i + 1], hi = le ? s[i + 1] : s[i];

		out[k++] = hi == 0 && lo < 0x80 && lo != 0 ? (unsigned char)lo : '?';
	}
	return k;
}

static int
has_utf16_bom(const unsigned char *s, size_t n)
{
	return n >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff));
}

static irs_code
load_magic(detector_t *d, irs_error *e)
{
	if (d->magic != NULL)
		return IRS_OK;
	d->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
	if (d->magic == NULL || magic_load(d->magic, NULL) != 0) {
		const char *why = d->magic != NULL ? magic_error(d->magic) : "out of memory";

		irs_fail(e, IRS_INTERNAL, "cannot load libmagic's database: %s", why != NULL ? why : "unknown error");
		if (d->magic != NULL)
			magic_close(d->magic);
		d->magic = NULL;
		return IRS_INTERNAL;
	}
	return IRS_OK;
}

irs_code
detect_type(detector_t *d, const char *path, const unsigned char *head, size_t n, char *mime,
	    size_t cap, irs_error *e)
{
	const char *m = NULL;
	unsigned char ascii[IRS_DETECT_HEAD / 2];
	irs_code rc;

	if (n == 0)
		m = "inode/x-empty";
	else if (starts_with(head, n, "%PDF-"))
		m = "application/pdf";
	else if (starts_with(head, n, "PK\x03\x04"))
		m = "application/zip";
	else if (looks_like_html(head, n))
		m = "text/html";
	else if (has_utf16_bom(head, n))
		m = looks_like_html(ascii, utf16_ascii(head, n, ascii, sizeof(ascii))) ? "text/html"
		    : has_markdown_name(path) ? "text/markdown" : "text/plain";
	else if (looks_like_utf8_text(head, n))
		m = has_markdown_name(path) ? "text/markdown" : "text/plain";
	if (m != NULL) {
		snprintf(mime, cap, "%s", m);
		return IRS_OK;
	}
	if ((rc = load_magic(d, e)) != IRS_OK)
		return rc;
	magic_setflags(d->magic, MAGIC_MIME_TYPE | MAGIC_ERROR);
	m = magic_buffer(d->magic, head, n);
	if (m != NULL && strcmp(m, "text/plain") == 0 && has_markdown_name(path))
		m = "text/markdown";	/* Markdown in an 8-bit charset */
	snprintf(mime, cap, "%s", m != NULL ? m : "application/octet-stream");
	return IRS_OK;
}

/* Reads up to cap - 1 bytes of the current member into buf, NUL-terminated; -1 on error. */
static ssize_t
read_member(struct archive *a, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		la_ssize_t got = archive_read_data(a, buf + n, cap - 1 - n);

		if (got < 0)
			return -1;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* A MIME type as a zip's mimetype member states it: lower-case letters, digits, ".+-/" only. */
static int
is_mime_name(const char *s)
{
	const char *slash = strchr(s, '/');

	if (slash == NULL || slash == s || slash[1] == '\0' || strlen(s) >= IRS_MIME_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(".+-/", *s) != NULL))
			return 0;
	return 1;
}

/* The Office Open XML type a [Content_Types].xml names as its main part, else NULL. */
static const char *
ooxml_type(const char *xml)
{
	static const struct {
		const char *part, *mime;
	} kinds[] = {
		{ "wordprocessingml.document.main+xml", IRS_MIME_DOCX },
		{ "wordprocessingml.template.main+xml", IRS_MIME_DOCX },
		{ "spreadsheetml.sheet.main+xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "presentationml.presentation.main+xml",
		  "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strstr(xml, kinds[i].part) != NULL)
			return kinds[i].mime;
	return NULL;
}

void
detect_container(detector_t *d, const unsigned char *data, size_t n, char *mime, size_t cap)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	char *buf = malloc(CONTENT_TYPES_MAX);
	int i;

	(void)d;
	if (a == NULL || buf == NULL || archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, data, n) != ARCHIVE_OK) {
		archive_read_free(a);
		free(buf);
		return;
	}
	for (i = 0; i < IRS_MAX_ZIP_ENTRIES && archive_read_next_header(a, &entry) == ARCHIVE_OK; i++) {
		const char *name = archive_entry_pathname(entry), *m;

		if (name == NULL)
			continue;
		if (strcmp(name, "mimetype") == 0) {
			/* ODF and EPUB: the first member, stored, holds the type. */
			if (read_member(a, buf, 128) > 0) {
				buf[strcspn(buf, " \t\r\n")] = '\0';
				if (is_mime_name(buf))
					snprintf(mime, cap, "%s", buf);
			}
			break;
		}
		if (strcmp(name, "[Content_Types].xml") == 0) {
			if (read_member(a, buf, CONTENT_TYPES_MAX) > 0 && (m = ooxml_type(buf)) != NULL)
				snprintf(mime, cap, "%s", m);
			break;
		}
	}
	archive_read_free(a);
	free(buf);
}

/*
 * Windows-1251 or Windows-1252: Russian words are runs of bytes 0xC0-0xFF
 * (with 0xA8 and 0xB8 for Ё and ё), while accented Latin letters stand
 * alone among ASCII ones.  Cyrillic when at least half the high bytes
 * stand in runs of three such letters or more.
 */
static int
is_cyrillic_1251(unsigned char c)
{
	return c >= 0xc0 || c == 0xa8 || c == 0xb8;
}

static const char *
eight_bit_charset(const unsigned char *s, size_t n)
{
	size_t i = 0, high = 0, in_runs = 0;

	while (i < n) {
		size_t run = 0;

		if (!is_cyrillic_1251(s[i])) {
			high += s[i] >= 0x80;
			i++;
			continue;
		}
		while (i + run < n && is_cyrillic_1251(s[i + run]))
			run++;
		high += run;
		if (run >= 3)
			in_runs += run;
		i += run;
	}
	return high > 0 && in_runs * 2 >= high ? "WINDOWS-1251" : "WINDOWS-1252";
}

void
detect_charset(detector_t *d, const unsigned char *data, size_t n, char *charset, size_t cap)
{
	size_t i = 0, invalid = 0, multibyte = 0;
	const char *m, *cs = NULL;

	if (n >= 2 && data[0] == 0xff && data[1] == 0xfe)
		cs = "UTF-16LE";
	else if (n >= 2 && data[0] == 0xfe && data[1] == 0xff)
		cs = "UTF-16BE";
	else if (starts_with(data, n, "\xef\xbb\xbf"))
		cs = "UTF-8";
	if (cs != NULL) {
		snprintf(charset, cap, "%s", cs);
		return;
	}
	while (i < n) {
		size_t len = utf8_sequence(data + i, n - i);

		if (len == 0) {
			invalid++;
			i++;
		} else {
			multibyte += len > 1;
			i += len;
		}
	}
	/* A few broken sequences among good ones: UTF-8 to be repaired. */
	if (invalid == 0 || invalid <= multibyte) {
		snprintf(charset, cap, "UTF-8");
		return;
	}
	if (load_magic(d, NULL) == IRS_OK) {
		magic_setflags(d->magic, MAGIC_MIME_ENCODING | MAGIC_ERROR);
		m = magic_buffer(d->magic, data, n < IRS_CHARSET_SAMPLE ? n : IRS_CHARSET_SAMPLE);
		if (m != NULL && strcmp(m, "utf-16le") == 0)
			cs = "UTF-16LE";
		else if (m != NULL && strcmp(m, "utf-16be") == 0)
			cs = "UTF-16BE";
		magic_setflags(d->magic, MAGIC_MIME_TYPE | MAGIC_ERROR);
	}
	snprintf(charset, cap, "%s", cs != NULL ? cs : eight_bit_charset(data, n));
}
