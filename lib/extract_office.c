/*
 * extract_office.c - DOCX, ODT and EPUB: zip containers of XML, read with
 * libarchive and libxml2.
 *
 * The body (word/document.xml, content.xml) is inflated and parsed as a
 * stream, never held whole: libarchive inflates into libxml2's reader, and
 * both the inflated bytes (IRS_MAX_XML_BYTES) and the text (the caller's
 * cap) are counted as they come, so a zip bomb stops at a cap having cost
 * a few megabytes.  Text comes in reading order: paragraphs and table
 * cells end lines, deleted revisions, field codes and comments are left
 * out.  Metadata comes from docProps/core.xml (DOCX), meta.xml (ODT) or the
 * package document (EPUB), small files read whole up to
 * IRS_MAX_ZIP_META_BYTES.  libxml2 runs with no network, no DTD loading, no
 * entity substitution and no XInclude; a metadata file with a DTD is
 * ignored, since no office format uses one.
 */
#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsearch/extract.h"
#include "irsearch/limits.h"

#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT)

static void
ignore_error(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
ignore_structured_error(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

static void
quiet_libxml2(void)
{
	xmlSetGenericErrorFunc(NULL, ignore_error);
	xmlSetStructuredErrorFunc(NULL, ignore_structured_error);
}

/*
 * Opens the zip data[0..n) positioned at member name's data; NULL when it
 * is not there or the zip cannot be read.  Caller frees with archive_read_free.
 */
static struct archive *
zip_member(const char *data, size_t n, const char *name)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	int i;

	if (a == NULL || archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, data, n) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	for (i = 0; i < IRS_MAX_ZIP_ENTRIES && archive_read_next_header(a, &entry) == ARCHIVE_OK; i++) {
		const char *path = archive_entry_pathname(entry);

		if (path != NULL && strcmp(path, name) == 0)
			return a;
	}
	archive_read_free(a);
	return NULL;
}

/*
 * Reads member name whole into *out (NUL-terminated, caller frees), at most
 * max bytes.  IRS_NOT_FOUND when absent, IRS_TOO_LARGE when over max,
 * IRS_BAD_REQUEST when it does not inflate.
 */
static irs_code
zip_read(const char *data, size_t n, const char *name, size_t max, char **out, size_t *len, irs_error *e)
{
	struct archive *a = zip_member(data, n, name);
	size_t used = 0, alloc = 65536;
	char *buf;

	*out = NULL;
	if (a == NULL)
		return irs_fail(e, IRS_NOT_FOUND, "no %s in the zip", name);
	if ((buf = malloc(alloc)) == NULL) {
		archive_read_free(a);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	for (;;) {
		la_ssize_t got;

		if (used + 1 == alloc) {
			char *bigger;

			if (alloc > max) {
				free(buf);
				archive_read_free(a);
				return irs_fail(e, IRS_TOO_LARGE, "%s larger than %zu MiB", name, max >> 20);
			}
			if ((bigger = realloc(buf, alloc * 2)) == NULL) {
				free(buf);
				archive_read_free(a);
				return irs_fail(e, IRS_INTERNAL, "out of memory");
			}
			buf = bigger;
			alloc *= 2;
		}
		got = archive_read_data(a, buf + used, alloc - used - 1);
		if (got < 0) {
			free(buf);
			archive_read_free(a);
			return irs_fail(e, IRS_BAD_REQUEST, "damaged zip member %s", name);
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	archive_read_free(a);
	if (used > max) {
		free(buf);
		return irs_fail(e, IRS_TOO_LARGE, "%s larger than %zu MiB", name, max >> 20);
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return IRS_OK;
}

/* libxml2 reads a member through these, with the inflated bytes counted. */
struct stream {
	struct archive *a;
	size_t inflated;
	int over, damaged;
};

static int
stream_read(void *ctx, char *buf, int len)
{
	struct stream *s = ctx;
	la_ssize_t got = archive_read_data(s->a, buf, (size_t)len);

	if (got < 0) {
		s->damaged = 1;
		return -1;
	}
	s->inflated += (size_t)got;
	if (s->inflated > (size_t)IRS_MAX_XML_BYTES) {
		s->over = 1;
		return -1;
	}
	return (int)got;
}

static int
stream_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* What one body format keeps and breaks on. */
struct body_rules {
	const char *text_in[3];		/* text counts inside these elements */
	const char *line_ends[4];	/* the end of these ends a line */
	const char *blanks[3];		/* these stand for a blank */
	const char *breaks[3];		/* these break the line */
	const char *skip[5];		/* these are left out with all they hold */
};

static const struct body_rules docx_rules = {
	{ "t" }, { "p", "tc" }, { "tab", "noBreakHyphen" }, { "br", "cr" },
	{ "delText", "instrText", "del", "commentReference" },
};

static const struct body_rules odt_rules = {
	{ "p", "h" }, { "p", "h", "table-cell" }, { "s", "tab" }, { "line-break" },
	{ "tracked-changes", "annotation", "note-citation", "forms" },
};

static int
named(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n && list[i] != NULL; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

#define NAMED(name, list) named((name), (list), sizeof(list) / sizeof((list)[0]))

/* Streams member name's XML through rules into b. */
static irs_code
stream_body(const char *data, size_t n, const char *name, const struct body_rules *rules, extract_buf *b,
	    irs_error *e)
{
	struct stream s = { zip_member(data, n, name), 0, 0, 0 };
	xmlTextReaderPtr reader;
	int r, inside = 0, failed = 0;

	if (s.a == NULL)
		return irs_fail(e, IRS_BAD_REQUEST, "no %s in the document", name);
	quiet_libxml2();
	reader = xmlReaderForIO(stream_read, stream_close, &s, NULL, NULL, XML_OPTIONS);
	if (reader == NULL) {
		archive_read_free(s.a);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	r = xmlTextReaderRead(reader);
	while (r == 1 && !failed) {
		int type = xmlTextReaderNodeType(reader);
		const char *local = (const char *)xmlTextReaderConstLocalName(reader);

		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			r = -1;	/* no office format has a DTD: a hostile file */
			break;
		}
		if (type == XML_READER_TYPE_ELEMENT && local != NULL) {
			int empty = xmlTextReaderIsEmptyElement(reader);

			if (NAMED(local, rules->skip)) {
				r = xmlTextReaderNext(reader);
				continue;
			}
			if (NAMED(local, rules->blanks))
				failed = extract_buf_append(b, " ", 1) != 0;
			else if (NAMED(local, rules->breaks))
				failed = extract_buf_break(b) != 0;
			else if (NAMED(local, rules->text_in) && !empty)
				inside++;
			if (empty && NAMED(local, rules->line_ends))
				failed = failed || extract_buf_break(b) != 0;
		} else if (type == XML_READER_TYPE_END_ELEMENT && local != NULL) {
			if (NAMED(local, rules->text_in) && inside > 0)
				inside--;
			if (NAMED(local, rules->line_ends))
				failed = extract_buf_break(b) != 0;
		} else if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
			    type == XML_READER_TYPE_CDATA) && inside > 0) {
			const char *v = (const char *)xmlTextReaderConstValue(reader);

			if (v != NULL)
				failed = extract_buf_append(b, v, strlen(v)) != 0;
		}
		r = xmlTextReaderRead(reader);
	}
	xmlFreeTextReader(reader);
	archive_read_free(s.a);
	if (failed)
		return extract_buf_fail(b, e);
	if (s.over)
		return irs_fail(e, IRS_TOO_LARGE, "%s inflates past %ld MiB", name, IRS_MAX_XML_BYTES >> 20);
	if (b->over)
		return extract_buf_fail(b, e);
	if (r != 0)
		return irs_fail(e, IRS_BAD_REQUEST, "damaged document (%s is not well-formed XML%s)", name,
				s.damaged ? " or does not inflate" : "");
	return IRS_OK;
}

/* A small XML file of the zip as a tree; NULL when absent, damaged or with a DTD. */
static xmlDocPtr
zip_xml(const char *data, size_t n, const char *name)
{
	xmlDocPtr xml = NULL;
	irs_error ignored;
	size_t len;
	char *buf;

	if (zip_read(data, n, name, IRS_MAX_ZIP_META_BYTES, &buf, &len, &ignored) != IRS_OK)
		return NULL;
	quiet_libxml2();
	xml = xmlReadMemory(buf, (int)len, NULL, NULL, XML_OPTIONS);
	free(buf);
	if (xml != NULL && xml->intSubset != NULL) {
		xmlFreeDoc(xml);
		return NULL;
	}
	return xml;
}

/* The next element in document order, without recursion. */
static xmlNode *
next_element(xmlNode *node)
{
	do {
		if (node->type == XML_ELEMENT_NODE && node->children != NULL) {
			node = node->children;
		} else {
			while (node->next == NULL) {
				node = node->parent;
				if (node == NULL || node->type == XML_DOCUMENT_NODE)
					return NULL;
			}
			node = node->next;
		}
	} while (node->type != XML_ELEMENT_NODE);
	return node;
}

/* An element's own text (its text children only: entity references stay unexpanded). */
static void
own_text(const xmlNode *el, char *buf, size_t cap)
{
	const xmlNode *c;
	size_t used = 0;

	buf[0] = '\0';
	for (c = el->children; c != NULL; c = c->next) {
		size_t len;

		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || c->content == NULL)
			continue;
		len = strlen((const char *)c->content);
		if (len > cap - 1 - used)
			len = cap - 1 - used;
		memcpy(buf + used, c->content, len);
		used += len;
		buf[used] = '\0';
	}
}

/* Several authors are joined by ", " here; office files often use "; ". */
static int
set_authors(irs_doc *doc, char *v)
{
	char *p;

	for (p = v; (p = strchr(p, ';')) != NULL; p++)
		*p = ',';
	return doc_set_text(&doc->author, v, strlen(v), IRS_MAX_META_BYTES);
}

/*
 * Metadata from a Dublin Core flavoured file: title, creator(s), a date and
 * a language, by element local name in order of preference.
 */
static irs_code
read_metadata(xmlDocPtr xml, const char *const *creators, const char *const *dates, irs_doc *doc,
	      irs_error *e)
{
	char v[IRS_MAX_META_BYTES + 1], authors[IRS_MAX_META_BYTES + 1] = "";
	int creator_rank = 99, date_rank = 99, rc = 0;
	size_t used;
	xmlNode *el;

	if (xml == NULL)
		return IRS_OK;
	for (el = xmlDocGetRootElement(xml); el != NULL && rc == 0; el = next_element(el)) {
		const char *name = (const char *)el->name;
		int i;

		if (name == NULL)
			continue;
		own_text(el, v, sizeof(v));
		if (strcmp(name, "title") == 0 && doc->title == NULL) {
			rc = doc_set_text(&doc->title, v, strlen(v), IRS_MAX_META_BYTES);
		} else if (strcmp(name, "language") == 0 && doc->lang[0] == '\0') {
			doc_set_lang(doc, v);
		}
		for (i = 0; creators[i] != NULL; i++) {
			if (strcmp(name, creators[i]) != 0 || v[0] == '\0' || i > creator_rank)
				continue;
			if (i < creator_rank)
				authors[0] = '\0';
			creator_rank = i;
			if (authors[0] != '\0' && strlen(authors) + 2 < sizeof(authors))
				strcat(authors, ", ");
			used = strlen(authors);
			snprintf(authors + used, sizeof(authors) - used, "%s", v);
		}
		for (i = 0; dates[i] != NULL; i++)
			if (strcmp(name, dates[i]) == 0 && i < date_rank && doc_set_date(doc, v) == 0)
				date_rank = i;
	}
	if (rc == 0 && authors[0] != '\0')
		rc = set_authors(doc, authors);
	return rc == 0 ? IRS_OK : irs_fail(e, IRS_INTERNAL, "out of memory");
}

typedef irs_code (*body_fn)(const char *data, size_t n, extract_buf *b, irs_doc *doc, irs_error *e);

/* The shared frame: the body into a capped buffer, then metadata. */
static irs_code
extract_zip(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e, body_fn body)
{
	extract_buf b;
	irs_code rc;

	extract_buf_init(&b, extract_max_text(opts));
	rc = body(data, n, &b, doc, e);
	if (rc == IRS_OK)
		rc = extract_buf_take(&b, doc, e);
	extract_buf_free(&b);
	return rc;
}

static irs_code
docx_body(const char *data, size_t n, extract_buf *b, irs_doc *doc, irs_error *e)
{
	static const char *const creators[] = { "creator", NULL };
	static const char *const dates[] = { "created", "date", "modified", NULL };
	irs_code rc = stream_body(data, n, "word/document.xml", &docx_rules, b, e);
	xmlDocPtr core;

	if (rc != IRS_OK)
		return rc;
	core = zip_xml(data, n, "docProps/core.xml");
	rc = read_metadata(core, creators, dates, doc, e);
	xmlFreeDoc(core);
	return rc;
}

static irs_code
odt_body(const char *data, size_t n, extract_buf *b, irs_doc *doc, irs_error *e)
{
	static const char *const creators[] = { "initial-creator", "creator", NULL };
	static const char *const dates[] = { "creation-date", "date", NULL };
	irs_code rc = stream_body(data, n, "content.xml", &odt_rules, b, e);
	xmlDocPtr meta;

	if (rc != IRS_OK)
		return rc;
	meta = zip_xml(data, n, "meta.xml");
	rc = read_metadata(meta, creators, dates, doc, e);
	xmlFreeDoc(meta);
	return rc;
}

irs_code
extract_docx(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e)
{
	return extract_zip(data, n, opts, doc, e, docx_body);
}

irs_code
extract_odt(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e)
{
	return extract_zip(data, n, opts, doc, e, odt_body);
}

/* The first element below root with this local name, else NULL. */
static xmlNode *
find_element(xmlDocPtr xml, const char *name)
{
	xmlNode *el;

	for (el = xml != NULL ? xmlDocGetRootElement(xml) : NULL; el != NULL; el = next_element(el))
		if (el->name != NULL && strcmp((const char *)el->name, name) == 0)
			return el;
	return NULL;
}

/* Decodes %XX escapes of an href in place and drops its #fragment. */
static void
href_to_path(char *s)
{
	char *r = s, *w = s;

	s[strcspn(s, "#")] = '\0';
	while (*r != '\0') {
		if (r[0] == '%' && r[1] != '\0' && r[2] != '\0' && strchr("0123456789abcdefABCDEF", r[1]) != NULL &&
		    strchr("0123456789abcdefABCDEF", r[2]) != NULL) {
			char hex[3] = { r[1], r[2], '\0' };

			*w++ = (char)strtol(hex, NULL, 16);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* One spine chapter, by its manifest id, through the HTML walker. */
static irs_code
epub_chapter(const char *data, size_t n, xmlDocPtr opf, const char *dir, const char *idref, extract_buf *b,
	     irs_error *e)
{
	xmlNode *el;
	irs_code rc = IRS_OK;

	for (el = xmlDocGetRootElement(opf); el != NULL; el = next_element(el)) {
		xmlChar *id, *href;
		char path[4096], *chapter;
		size_t len;

		if (el->name == NULL || strcmp((const char *)el->name, "item") != 0)
			continue;
		id = xmlGetProp(el, (const xmlChar *)"id");
		if (id == NULL || strcmp((const char *)id, idref) != 0) {
			xmlFree(id);
			continue;
		}
		xmlFree(id);
		href = xmlGetProp(el, (const xmlChar *)"href");
		if (href == NULL)
			return IRS_OK;
		snprintf(path, sizeof(path), "%s%s", dir, (const char *)href);
		xmlFree(href);
		href_to_path(path);
		rc = zip_read(data, n, path, b->max > (size_t)IRS_MAX_XML_BYTES ? (size_t)IRS_MAX_XML_BYTES : b->max * 2,
			      &chapter, &len, e);
		if (rc == IRS_NOT_FOUND)
			return IRS_OK;	/* a dangling reference costs its chapter only */
		if (rc != IRS_OK)
			return rc;
		rc = extract_html_into(chapter, len, NULL, b, NULL, e);
		free(chapter);
		if (rc == IRS_OK && extract_buf_break(b) != 0)
			rc = extract_buf_fail(b, e);
		return rc;
	}
	return IRS_OK;
}

static irs_code
epub_body(const char *data, size_t n, extract_buf *b, irs_doc *doc, irs_error *e)
{
	static const char *const creators[] = { "creator", NULL };
	static const char *const dates[] = { "date", NULL };
	xmlDocPtr container = zip_xml(data, n, "META-INF/container.xml"), opf = NULL;
	xmlNode *rootfile = find_element(container, "rootfile"), *el;
	xmlChar *full = rootfile != NULL ? xmlGetProp(rootfile, (const xmlChar *)"full-path") : NULL;
	char dir[2048] = "";
	irs_code rc = IRS_OK;
	int chapters = 0;

	if (full != NULL) {
		const char *slash = strrchr((const char *)full, '/');

		if (slash != NULL && (size_t)(slash - (const char *)full) + 2 < sizeof(dir))
			snprintf(dir, sizeof(dir), "%.*s/", (int)(slash - (const char *)full), (const char *)full);
		opf = zip_xml(data, n, (const char *)full);
	}
	xmlFree(full);
	xmlFreeDoc(container);
	if (opf == NULL)
		return irs_fail(e, IRS_BAD_REQUEST, "damaged EPUB (no readable package document)");
	rc = read_metadata(opf, creators, dates, doc, e);
	for (el = xmlDocGetRootElement(opf); el != NULL && rc == IRS_OK; el = next_element(el)) {
		xmlChar *idref;

		if (el->name == NULL || strcmp((const char *)el->name, "itemref") != 0)
			continue;
		if (++chapters > IRS_MAX_EPUB_CHAPTERS)
			break;
		idref = xmlGetProp(el, (const xmlChar *)"idref");
		if (idref != NULL)
			rc = epub_chapter(data, n, opf, dir, (const char *)idref, b, e);
		xmlFree(idref);
	}
	xmlFreeDoc(opf);
	return rc;
}

irs_code
extract_epub(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e)
{
	return extract_zip(data, n, opts, doc, e, epub_body);
}
