/*
 * mkdoc - writes small documents for the tests: PDF, DOCX, ODT and EPUB
 * with known text and metadata, so that fixtures are made at test time
 * (tests/fixtures/make-fixtures) instead of committed.
 *
 *   mkdoc pdf  OUT TITLE AUTHOR DATE PAGE...      one page per argument
 *   mkdoc docx OUT TITLE AUTHOR DATE PARA...      "a|b|c" makes a table row
 *   mkdoc odt  OUT TITLE AUTHOR DATE PARA...      the same
 *   mkdoc epub OUT TITLE AUTHOR DATE CHAPTER...   one XHTML chapter each
 *
 * DATE is YYYY-MM-DD; "" leaves metadata out.  Text is ASCII or UTF-8
 * (PDF: ASCII only, in the standard Helvetica font).  The PDF is written
 * by hand, with a correct cross-reference table; zips with libarchive.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
die(const char *what)
{
	fprintf(stderr, "mkdoc: %s\n", what);
	exit(2);
}

/* A growing string. */
struct str {
	char *p;
	size_t len, cap;
};

static void
add(struct str *s, const char *t, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		if ((s->p = realloc(s->p, s->cap)) == NULL)
			die("out of memory");
	}
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void
adds(struct str *s, const char *t)
{
	add(s, t, strlen(t));
}

/* XML text with &, <, > escaped. */
static void
add_xml(struct str *s, const char *t)
{
	for (; *t != '\0'; t++) {
		if (*t == '&')
			adds(s, "&amp;");
		else if (*t == '<')
			adds(s, "&lt;");
		else if (*t == '>')
			adds(s, "&gt;");
		else
			add(s, t, 1);
	}
}

static void
pdf(const char *out, const char *title, const char *author, const char *date, char **pages, int npages)
{
	struct str s = { 0 };
	long *offs = calloc((size_t)(3 + 2 * npages + 2), sizeof(long));	/* objects 1..n and the Info */
	int nobj = 3 + 2 * npages, i;
	char buf[512];
	FILE *f;

	if (offs == NULL)
		die("out of memory");
	adds(&s, "%PDF-1.4\n");
	offs[1] = (long)s.len;
	adds(&s, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	offs[2] = (long)s.len;
	adds(&s, "2 0 obj\n<< /Type /Pages /Kids [");
	for (i = 0; i < npages; i++) {
		snprintf(buf, sizeof(buf), " %d 0 R", 4 + 2 * i);
		adds(&s, buf);
	}
	snprintf(buf, sizeof(buf), " ] /Count %d >>\nendobj\n", npages);
	adds(&s, buf);
	offs[3] = (long)s.len;
	adds(&s, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
	for (i = 0; i < npages; i++) {
		struct str content = { 0 };
		const char *t;

		adds(&content, "BT /F1 12 Tf 72 720 Td (");
		for (t = pages[i]; *t != '\0'; t++) {
			if (*t == '(' || *t == ')' || *t == '\\')
				add(&content, "\\", 1);
			add(&content, t, 1);
		}
		adds(&content, ") Tj ET\n");
		offs[4 + 2 * i] = (long)s.len;
		snprintf(buf, sizeof(buf),
			 "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
			 " /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>\nendobj\n",
			 4 + 2 * i, 5 + 2 * i);
		adds(&s, buf);
		offs[5 + 2 * i] = (long)s.len;
		snprintf(buf, sizeof(buf), "%d 0 obj\n<< /Length %zu >>\nstream\n", 5 + 2 * i, content.len);
		adds(&s, buf);
		add(&s, content.p, content.len);
		adds(&s, "endstream\nendobj\n");
		free(content.p);
	}
	offs[nobj + 1] = (long)s.len;
	if (title[0] != '\0' || author[0] != '\0' || date[0] != '\0') {
		snprintf(buf, sizeof(buf), "%d 0 obj\n<< /Title (%s) /Author (%s)", nobj + 1, title, author);
		adds(&s, buf);
		if (strlen(date) == 10) {
			snprintf(buf, sizeof(buf), " /CreationDate (D:%.4s%.2s%.2s120000Z)", date, date + 5, date + 8);
			adds(&s, buf);
		}
		adds(&s, " >>\nendobj\n");
		nobj++;
	}
	{
		long xref = (long)s.len;

		snprintf(buf, sizeof(buf), "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
		adds(&s, buf);
		for (i = 1; i <= nobj; i++) {
			snprintf(buf, sizeof(buf), "%010ld 00000 n \n", offs[i]);
			adds(&s, buf);
		}
		snprintf(buf, sizeof(buf), "trailer\n<< /Size %d /Root 1 0 R", nobj + 1);
		adds(&s, buf);
		if (nobj > 3 + 2 * npages) {
			snprintf(buf, sizeof(buf), " /Info %d 0 R", nobj);
			adds(&s, buf);
		}
		snprintf(buf, sizeof(buf), " >>\nstartxref\n%ld\n%%%%EOF\n", xref);
		adds(&s, buf);
	}
	if ((f = fopen(out, "wb")) == NULL || fwrite(s.p, 1, s.len, f) != s.len || fclose(f) != 0)
		die("cannot write the PDF");
	free(s.p);
	free(offs);
}

/* Zip members, in order; the first may be stored (ODF and EPUB want "mimetype" so). */
struct member {
	const char *name;
	struct str body;
};

static void
write_zip(const char *out, struct member *m, int n, int first_stored)
{
	struct archive *a = archive_write_new();
	int i;

	if (a == NULL || archive_write_set_format_zip(a) != ARCHIVE_OK || archive_write_open_filename(a, out) != ARCHIVE_OK)
		die("cannot write the zip");
	for (i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		if (i == 0 && first_stored)
			archive_write_zip_set_compression_store(a);
		else
			archive_write_zip_set_compression_deflate(a);
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)m[i].body.len);
		archive_entry_set_mtime(e, 1704067200, 0);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    archive_write_data(a, m[i].body.p, m[i].body.len) != (la_ssize_t)m[i].body.len)
			die(archive_error_string(a));
		archive_entry_free(e);
		free(m[i].body.p);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		die("cannot close the zip");
	archive_write_free(a);
}

static void
docx(const char *out, const char *title, const char *author, const char *date, char **paras, int n)
{
	struct member m[3] = { { "[Content_Types].xml", { 0 } }, { "word/document.xml", { 0 } },
			       { "docProps/core.xml", { 0 } } };
	int i;

	adds(&m[0].body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/"
			 "package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
			 "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-"
			 "officedocument.wordprocessingml.document.main+xml\"/></Types>");
	adds(&m[1].body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<w:document xmlns:w=\"http://schemas."
			 "openxmlformats.org/wordprocessingml/2006/main\"><w:body>");
	for (i = 0; i < n; i++) {
		if (strchr(paras[i], '|') != NULL) {
			char *copy = strdup(paras[i]), *cell, *save = NULL;

			adds(&m[1].body, "<w:tbl><w:tr>");
			for (cell = strtok_r(copy, "|", &save); cell != NULL; cell = strtok_r(NULL, "|", &save)) {
				adds(&m[1].body, "<w:tc><w:p><w:r><w:t>");
				add_xml(&m[1].body, cell);
				adds(&m[1].body, "</w:t></w:r></w:p></w:tc>");
			}
			adds(&m[1].body, "</w:tr></w:tbl>");
			free(copy);
			continue;
		}
		/* Split in two runs, as word processors do, and with a deleted revision between. */
		adds(&m[1].body, "<w:p><w:r><w:t xml:space=\"preserve\">");
		add_xml(&m[1].body, paras[i]);
		adds(&m[1].body, "</w:t></w:r><w:del><w:r><w:delText>deletedrevision</w:delText></w:r></w:del></w:p>");
	}
	adds(&m[1].body, "</w:body></w:document>");
	adds(&m[2].body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas."
			 "openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/"
			 "elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\"><dc:title>");
	add_xml(&m[2].body, title);
	adds(&m[2].body, "</dc:title><dc:creator>");
	add_xml(&m[2].body, author);
	adds(&m[2].body, "</dc:creator><dcterms:created>");
	adds(&m[2].body, date);
	adds(&m[2].body, "T09:00:00Z</dcterms:created></cp:coreProperties>");
	write_zip(out, m, title[0] != '\0' ? 3 : 2, 0);
}

static void
odt(const char *out, const char *title, const char *author, const char *date, char **paras, int n)
{
	struct member m[3] = { { "mimetype", { 0 } }, { "content.xml", { 0 } }, { "meta.xml", { 0 } } };
	int i;

	adds(&m[0].body, "application/vnd.oasis.opendocument.text");
	adds(&m[1].body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content xmlns:office=\"urn:"
			 "oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:"
			 "xmlns:text:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\">"
			 "<office:body><office:text>");
	for (i = 0; i < n; i++) {
		if (strchr(paras[i], '|') != NULL) {
			char *copy = strdup(paras[i]), *cell, *save = NULL;

			adds(&m[1].body, "<table:table><table:table-row>");
			for (cell = strtok_r(copy, "|", &save); cell != NULL; cell = strtok_r(NULL, "|", &save)) {
				adds(&m[1].body, "<table:table-cell><text:p>");
				add_xml(&m[1].body, cell);
				adds(&m[1].body, "</text:p></table:table-cell>");
			}
			adds(&m[1].body, "</table:table-row></table:table>");
			free(copy);
			continue;
		}
		adds(&m[1].body, i == 0 ? "<text:h>" : "<text:p>");
		add_xml(&m[1].body, paras[i]);
		adds(&m[1].body, i == 0 ? "</text:h>" : "<office:annotation><text:p>annotationtext</text:p>"
						      "</office:annotation></text:p>");
	}
	adds(&m[1].body, "</office:text></office:body></office:document-content>");
	adds(&m[2].body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta xmlns:office=\"urn:oasis:"
			 "names:tc:opendocument:xmlns:office:1.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
			 "xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\"><office:meta><dc:title>");
	add_xml(&m[2].body, title);
	adds(&m[2].body, "</dc:title><meta:initial-creator>");
	add_xml(&m[2].body, author);
	adds(&m[2].body, "</meta:initial-creator><dc:creator>Last Editor</dc:creator><meta:creation-date>");
	adds(&m[2].body, date);
	adds(&m[2].body, "T10:00:00</meta:creation-date><dc:language>ru-RU</dc:language></office:meta>"
			 "</office:document-meta>");
	write_zip(out, m, title[0] != '\0' ? 3 : 2, 1);
}

static void
epub(const char *out, const char *title, const char *author, const char *date, char **chapters, int n)
{
	struct member *m = calloc((size_t)n + 3, sizeof(*m));
	char name[64];
	int i;

	if (m == NULL)
		die("out of memory");
	m[0].name = "mimetype";
	adds(&m[0].body, "application/epub+zip");
	m[1].name = "META-INF/container.xml";
	adds(&m[1].body, "<?xml version=\"1.0\"?>\n<container version=\"1.0\" xmlns=\"urn:oasis:names:tc:"
			 "opendocument:xmlns:container\"><rootfiles><rootfile full-path=\"OEBPS/content.opf\" "
			 "media-type=\"application/oebps-package+xml\"/></rootfiles></container>");
	m[2].name = "OEBPS/content.opf";
	adds(&m[2].body, "<?xml version=\"1.0\"?>\n<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\">"
			 "<metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>");
	add_xml(&m[2].body, title);
	adds(&m[2].body, "</dc:title><dc:creator>");
	add_xml(&m[2].body, author);
	adds(&m[2].body, "</dc:creator><dc:date>");
	adds(&m[2].body, date);
	adds(&m[2].body, "</dc:date><dc:language>en</dc:language></metadata><manifest>");
	/* The manifest lists chapters backwards: the spine, not the manifest, gives the order. */
	for (i = n - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "<item id=\"c%d\" href=\"text/chapter%%20%d.xhtml\" ", i, i);
		adds(&m[2].body, name);
		adds(&m[2].body, "media-type=\"application/xhtml+xml\"/>");
	}
	adds(&m[2].body, "</manifest><spine>");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "<itemref idref=\"c%d\"/>", i);
		adds(&m[2].body, name);
	}
	adds(&m[2].body, "</spine></package>");
	for (i = 0; i < n; i++) {
		char *path = malloc(64);

		snprintf(path, 64, "OEBPS/text/chapter %d.xhtml", i);
		m[3 + i].name = path;
		adds(&m[3 + i].body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<html xmlns=\"http://www.w3.org/1999/"
				     "xhtml\"><head><title>Chapter</title></head><body><nav>navigationtext</nav><p>");
		add_xml(&m[3 + i].body, chapters[i]);
		adds(&m[3 + i].body, "</p></body></html>");
	}
	write_zip(out, m, n + 3, 1);
	for (i = 0; i < n; i++)
		free((char *)m[3 + i].name);
	free(m);
}

int
main(int argc, char **argv)
{
	if (argc < 7) {
		fputs("usage: mkdoc pdf|docx|odt|epub OUT TITLE AUTHOR DATE TEXT...\n", stderr);
		return 2;
	}
	if (strcmp(argv[1], "pdf") == 0)
		pdf(argv[2], argv[3], argv[4], argv[5], argv + 6, argc - 6);
	else if (strcmp(argv[1], "docx") == 0)
		docx(argv[2], argv[3], argv[4], argv[5], argv + 6, argc - 6);
	else if (strcmp(argv[1], "odt") == 0)
		odt(argv[2], argv[3], argv[4], argv[5], argv + 6, argc - 6);
	else if (strcmp(argv[1], "epub") == 0)
		epub(argv[2], argv[3], argv[4], argv[5], argv + 6, argc - 6);
	else
		die("unknown format");
	return 0;
}
