/*
 * extract_html.c - HTML (and the XHTML chapters of an EPUB) with libxml2's HTML parser.
 *
 * The parser recovers from the broken markup saved web pages are made of,
 * decodes entities, and touches no network (HTML_PARSE_NONET); the HTML
 * parser loads no DTD and expands no external entity.  The tree is walked
 * without recursion, so a page nested 100,000 levels deep costs only its
 * size.  Metadata comes from the tags publishers and search engines use:
 * Highwire Press (citation_*), Open Graph, Dublin Core, then <title> and the
 * first <h1>; the body from <main> or <article> when the page marks one,
 * else from <body>, never from script, style, navigation or footers.
 */
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <string.h>
#include <strings.h>

#include "irsearch/extract.h"
#include "irsearch/limits.h"

/* Elements whose text is never indexed. */
static const char *const skipped[] = {
	"script", "style", "nav", "footer", "noscript", "template", "head", "iframe",
	"object", "embed", "svg", "canvas", "select", "button",
};

/* Elements that end a line of text. */
static const char *const blocks[] = {
	"address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
	"dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3",
	"h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section", "summary",
	"table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
};

static int
in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static int
is_element(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && node->name != NULL &&
	       strcasecmp((const char *)node->name, name) == 0;
}

/* libxml2 reports recoverable errors through these; a bad page is not news. */
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

/*
 * Appends the text below start to b, depth first without recursion:
 * skipped elements are not entered, block elements break lines before
 * and after themselves.  Returns -1 when b refuses more.
 */
static int
walk_text(const xmlNode *start, extract_buf *b)
{
	const xmlNode *node = start;

	while (node != NULL) {
		int enter = 0;

		if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
			if (node->content != NULL &&
			    extract_buf_append(b, (const char *)node->content, strlen((const char *)node->content)) != 0)
				return -1;
		} else if (node->type == XML_ELEMENT_NODE && node->name != NULL) {
			const char *name = (const char *)node->name;

			if (!in_list(name, skipped, sizeof(skipped) / sizeof(skipped[0]))) {
				if (in_list(name, blocks, sizeof(blocks) / sizeof(blocks[0])) && extract_buf_break(b) != 0)
					return -1;
				enter = node->children != NULL;
			}
		}
		if (enter) {
			node = node->children;
			continue;
		}
		/* Climb to the next sibling, closing the blocks left behind. */
		while (node != start && node->next == NULL) {
			node = node->parent;
			if (node->name != NULL && in_list((const char *)node->name, blocks, sizeof(blocks) / sizeof(blocks[0])) &&
			    extract_buf_break(b) != 0)
				return -1;
		}
		if (node == start)
			break;
		node = node->next;
	}
	return 0;
}

/* The next node in document order, without recursion. */
static const xmlNode *
next_node(const xmlNode *node)
{
	if (node->type == XML_ELEMENT_NODE && node->children != NULL)
		return node->children;
	while (node->next == NULL) {
		node = node->parent;
		if (node == NULL || node->type == XML_DOCUMENT_NODE || node->type == XML_HTML_DOCUMENT_NODE)
			return NULL;
	}
	return node->next;
}

/* Sets *field to an element's text, cut to IRS_MAX_META_BYTES. */
static int
element_text(const xmlNode *node, char **field)
{
	extract_buf b;
	int rc;

	extract_buf_init(&b, IRS_MAX_META_BYTES * 4);
	walk_text(node, &b);	/* a long heading is cut below */
	rc = doc_set_text(field, b.s != NULL ? b.s : "", b.len, IRS_MAX_META_BYTES);
	extract_buf_free(&b);
	return rc;
}

enum rank { NONE, LOW, MID, HIGH, TOP };

struct meta {
	enum rank title_rank, author_rank, date_rank;
	char *title;
	char authors[IRS_MAX_META_BYTES + 1];
	const xmlNode *title_el, *h1, *main, *article, *body;
};

static void
join_author(char *buf, const char *v)
{
	size_t used = strlen(buf), len = strlen(v);

	if (len == 0)
		return;
	if (used > 0 && used + 2 < IRS_MAX_META_BYTES) {
		memcpy(buf + used, ", ", 3);
		used += 2;
	}
	if (used + len > IRS_MAX_META_BYTES)
		len = IRS_MAX_META_BYTES - used;
	memcpy(buf + used, v, len);
	buf[used + len] = '\0';
}

/* One <meta name|property=... content=...>. */
static int
read_meta(const xmlNode *node, struct meta *m, irs_doc *doc)
{
	xmlChar *name = xmlGetProp(node, (const xmlChar *)"name");
	xmlChar *content = xmlGetProp(node, (const xmlChar *)"content");
	const char *n, *v = (const char *)content;
	int rc = 0;

	if (name == NULL)
		name = xmlGetProp(node, (const xmlChar *)"property");
	n = (const char *)name;
	if (n != NULL && v != NULL) {
		enum rank title = NONE, author = NONE, date = NONE;

		if (strcasecmp(n, "citation_title") == 0)
			title = TOP;
		else if (strcasecmp(n, "og:title") == 0)
			title = HIGH;
		else if (strcasecmp(n, "dc.title") == 0 || strcasecmp(n, "dcterms.title") == 0)
			title = MID;
		else if (strcasecmp(n, "citation_author") == 0)
			author = TOP;
		else if (strcasecmp(n, "author") == 0 || strcasecmp(n, "dc.creator") == 0)
			author = HIGH;
		else if (strcasecmp(n, "citation_publication_date") == 0)
			date = TOP;
		else if (strcasecmp(n, "citation_date") == 0 || strcasecmp(n, "article:published_time") == 0)
			date = HIGH;
		else if (strcasecmp(n, "dc.date") == 0 || strcasecmp(n, "dcterms.date") == 0 ||
			 strcasecmp(n, "dc.date.issued") == 0 || strcasecmp(n, "dcterms.issued") == 0)
			date = MID;
		else if (strcasecmp(n, "date") == 0)
			date = LOW;
		else if ((strcasecmp(n, "dc.language") == 0 || strcasecmp(n, "og:locale") == 0) && doc->lang[0] == '\0')
			doc_set_lang(doc, v);
		if (title > m->title_rank) {
			m->title_rank = title;
			rc = doc_set_text(&m->title, v, strlen(v), IRS_MAX_META_BYTES);
		}
		if (author > m->author_rank) {
			m->author_rank = author;
			m->authors[0] = '\0';
		}
		if (author != NONE && author == m->author_rank)
			join_author(m->authors, v);
		/* Dates: "2024/07/05" is common in citation_publication_date. */
		if (date > m->date_rank) {
			char iso[IRS_DATE_MAX + 16];
			size_t i;

			snprintf(iso, sizeof(iso), "%s", v);
			for (i = 0; i < 10 && iso[i] != '\0'; i++)
				if (iso[i] == '/')
					iso[i] = '-';
			if (doc_set_date(doc, iso) == 0)
				m->date_rank = date;
		}
	}
	xmlFree(name);
	xmlFree(content);
	return rc;
}

/* One pass over the document for metadata and the elements the body comes from. */
static int
scan(const xmlNode *root, struct meta *m, irs_doc *doc)
{
	const xmlNode *node;

	for (node = root; node != NULL; node = next_node(node)) {
		if (node->type != XML_ELEMENT_NODE || node->name == NULL)
			continue;
		if (is_element(node, "html") && doc != NULL && doc->lang[0] == '\0') {
			xmlChar *lang = xmlGetProp(node, (const xmlChar *)"lang");

			if (lang == NULL)
				lang = xmlGetNsProp(node, (const xmlChar *)"lang", XML_XML_NAMESPACE);
			if (lang != NULL)
				doc_set_lang(doc, (const char *)lang);
			xmlFree(lang);
		} else if (is_element(node, "meta") && doc != NULL) {
			if (read_meta(node, m, doc) != 0)
				return -1;
		} else if (is_element(node, "title") && m->title_el == NULL) {
			m->title_el = node;
		} else if (is_element(node, "h1") && m->h1 == NULL) {
			m->h1 = node;
		} else if (is_element(node, "main") && m->main == NULL) {
			m->main = node;
		} else if (is_element(node, "article") && m->article == NULL) {
			m->article = node;
		} else if (is_element(node, "body") && m->body == NULL) {
			m->body = node;
		}
	}
	return 0;
}

/* A declared charset (a BOM, or "charset" in the head) wins over the detected one. */
static int
declares_charset(const char *data, size_t n)
{
	size_t i, head = n < IRS_DETECT_HEAD ? n : IRS_DETECT_HEAD;

	if (n >= 2 && ((unsigned char)data[0] == 0xff || (unsigned char)data[0] == 0xfe ||
		       (unsigned char)data[0] == 0xef))
		return 1;
	for (i = 0; i + 8 <= head; i++)
		if (strncasecmp(data + i, "charset", 7) == 0 || strncasecmp(data + i, "encoding", 8) == 0)
			return 1;
	return 0;
}

irs_code
extract_html_into(const char *data, size_t n, const char *encoding, extract_buf *b, irs_doc *doc,
		  irs_error *e)
{
	struct meta m;
	htmlDocPtr html;
	const xmlNode *root, *from;
	int rc = 0;

	if (n > (size_t)2147483647)
		return irs_fail(e, IRS_TOO_LARGE, "HTML larger than 2 GiB");
	if (encoding != NULL && declares_charset(data, n))
		encoding = NULL;
	xmlSetGenericErrorFunc(NULL, ignore_error);
	xmlSetStructuredErrorFunc(NULL, ignore_structured_error);
	html = htmlReadMemory(data, (int)n, NULL, encoding,
			      HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
			      HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT);
	if (html == NULL)
		return irs_fail(e, IRS_BAD_REQUEST, "not HTML libxml2 can read");
	memset(&m, 0, sizeof(m));
	root = xmlDocGetRootElement(html);
	if (root != NULL && scan(root, &m, doc) != 0)
		rc = -1;
	if (rc == 0 && doc != NULL) {
		if (m.title != NULL) {
			free(doc->title);
			doc->title = m.title;
			m.title = NULL;
		} else if (m.title_el != NULL) {
			rc = element_text(m.title_el, &doc->title);
		}
		if (rc == 0 && doc->title == NULL && m.h1 != NULL)
			rc = element_text(m.h1, &doc->title);
		if (rc == 0 && m.authors[0] != '\0')
			rc = doc_set_text(&doc->author, m.authors, strlen(m.authors), IRS_MAX_META_BYTES);
	}
	free(m.title);
	if (rc != 0) {
		xmlFreeDoc(html);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	from = m.main != NULL ? m.main : m.article != NULL ? m.article : m.body != NULL ? m.body : root;
	if (from != NULL && (walk_text(from, b) != 0 || extract_buf_break(b) != 0)) {
		xmlFreeDoc(html);
		return extract_buf_fail(b, e);
	}
	xmlFreeDoc(html);
	return IRS_OK;
}

irs_code
extract_html(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e)
{
	extract_buf b;
	irs_code rc;

	extract_buf_init(&b, extract_max_text(opts));
	rc = extract_html_into(data, n, opts != NULL ? opts->charset : NULL, &b, doc, e);
	if (rc == IRS_OK)
		rc = extract_buf_take(&b, doc, e);
	extract_buf_free(&b);
	return rc;
}
