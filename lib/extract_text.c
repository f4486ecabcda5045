/*
 * extract_text.c - plain text and Markdown.
 *
 * Text comes in the charset detection found (UTF-8, UTF-16 with a BOM,
 * Latin-1/Windows-1252, Windows-1251, ...) and is converted to UTF-8 by
 * charset.h; bytes that are invalid (and NULs and other control bytes) are
 * replaced, never dropped with what follows them.  A Markdown
 * file may open with a YAML front-matter block (the convention of pandoc
 * and static site generators) naming title, author, date and lang; it is
 * parsed with libyaml, bounded to IRS_MAX_FRONT_MATTER bytes, and a block
 * that does not parse is indexed as text.  Without front matter the title
 * is the first heading, else the first line.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "irsearch/charset.h"
#include <cmark.h>

#include "irsearch/extract.h"
#include "irsearch/growbuf.h"
#include "irsearch/limits.h"
#include "irsearch/utf8.h"

/* Titles taken from a first line are cut shorter than declared ones. */
#define FIRST_LINE_TITLE_MAX 200

static irs_code
take_body(irs_doc *doc, const char *data, size_t n, const extract_opts *opts, irs_error *e)
{
	free(doc->body);
	doc->body = NULL;
	doc->body_len = 0;
	return charset_to_utf8(opts != NULL ? opts->charset : NULL, data, n, extract_max_text(opts),
			       &doc->body, &doc->body_len, e);
}

/* The next line of text[*pos..n), without its newline; advances *pos. */
static const char *
next_line(const char *text, size_t n, size_t *pos, size_t *len)
{
	const char *line = text + *pos;
	const char *nl;

	if (*pos >= n)
		return NULL;
	nl = memchr(line, '\n', n - *pos);
	*len = nl != NULL ? (size_t)(nl - line) : n - *pos;
	*pos += *len + (nl != NULL);
	return line;
}

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Sets the title from the first line, for plain text; skips blank lines. */
static irs_code
title_from_first_line(irs_doc *doc, irs_error *e)
{
	size_t pos = 0, len;
	const char *line;

	while ((line = next_line(doc->body, doc->body_len, &pos, &len)) != NULL)
		if (!is_blank(line, len))
			break;
	if (line != NULL && doc_set_text(&doc->title, line, len, FIRST_LINE_TITLE_MAX) != 0)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	return IRS_OK;
}

irs_code
extract_plain(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e)
{
	irs_code rc = take_body(doc, data, n, opts, e);

	return rc == IRS_OK ? title_from_first_line(doc, e) : rc;
}

/* Three or more '=' or '-', then blanks only: the line under a setext heading. */
static int
is_setext_underline(const char *line, size_t len)
{
	size_t n = 0;

	if (len == 0 || (line[0] != '=' && line[0] != '-'))
		return 0;
	while (n < len && line[n] == line[0])
		n++;
	return n >= 3 && is_blank(line + n, len - n);
}

/*
 * The first Markdown heading: "# Title" (ATX) or a line underlined with
 * "===" or "---" (setext).  Falls back to the first line.
 */
static irs_code
title_from_heading(irs_doc *doc, irs_error *e)
{
	size_t pos = 0, len, prev_len = 0;
	const char *line, *prev = NULL;

	while ((line = next_line(doc->body, doc->body_len, &pos, &len)) != NULL) {
		size_t i = 0;

		while (i < len && i < 3 && line[i] == ' ')
			i++;
		if (i < len && line[i] == '#') {
			size_t hashes = 0;

			while (i < len && line[i] == '#')
				i++, hashes++;
			if (hashes <= 6 && (i == len || line[i] == ' ' || line[i] == '\t')) {
				while (len > i && (line[len - 1] == '#' || line[len - 1] == ' ' || line[len - 1] == '\r'))
					len--;
				if (doc_set_text(&doc->title, line + i, len - i, IRS_MAX_META_BYTES) != 0)
					return irs_fail(e, IRS_INTERNAL, "out of memory");
				if (doc->title != NULL)
					return IRS_OK;
			}
		} else if (prev != NULL && !is_blank(prev, prev_len) && is_setext_underline(line, len)) {
			if (doc_set_text(&doc->title, prev, prev_len, IRS_MAX_META_BYTES) != 0)
				return irs_fail(e, IRS_INTERNAL, "out of memory");
			return IRS_OK;
		}
		prev = line;
		prev_len = len;
	}
	return title_from_first_line(doc, e);
}

/*
 * Where the front matter's closing "---" or "..." line ends, or 0 when there
 * is none; the YAML between the fences is data[*start..*end).
 */
static size_t
front_matter_end(const char *data, size_t n, size_t *start, size_t *end)
{
	size_t pos = 0, len;
	const char *line;

	if (n < 4 || memcmp(data, "---", 3) != 0 || (data[3] != '\n' && data[3] != '\r'))
		return 0;
	next_line(data, n, &pos, &len);
	*start = pos;
	while (pos < n && pos < IRS_MAX_FRONT_MATTER) {
		size_t line_start = pos;

		line = next_line(data, n, &pos, &len);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 3 && (memcmp(line, "---", 3) == 0 || memcmp(line, "...", 3) == 0)) {
			*end = line_start;
			return pos;
		}
	}
	return 0;
}

enum meta_key { KEY_NONE, KEY_TITLE, KEY_AUTHOR, KEY_DATE, KEY_LANG };

static enum meta_key
meta_key(const char *k)
{
	if (strcmp(k, "title") == 0)
		return KEY_TITLE;
	if (strcmp(k, "author") == 0 || strcmp(k, "authors") == 0)
		return KEY_AUTHOR;
	if (strcmp(k, "date") == 0)
		return KEY_DATE;
	if (strcmp(k, "lang") == 0 || strcmp(k, "language") == 0)
		return KEY_LANG;
	return KEY_NONE;
}

static int
set_meta(irs_doc *doc, enum meta_key key, const char *v, size_t n)
{
	switch (key) {
	case KEY_TITLE:
		return doc_set_text(&doc->title, v, n, IRS_MAX_META_BYTES);
	case KEY_AUTHOR:
		return doc_set_text(&doc->author, v, n, IRS_MAX_META_BYTES);
	case KEY_DATE:
		doc_set_date(doc, v);
		return 0;
	case KEY_LANG:
		doc_set_lang(doc, v);
		return 0;
	case KEY_NONE:
		break;
	}
	return 0;
}

/* Appends scalar v to a list being joined with ", " in buf. */
static void
join_scalar(char *buf, size_t cap, const char *v)
{
	size_t used = strlen(buf);

	if (used > 0 && used + 2 < cap) {
		memcpy(buf + used, ", ", 3);
		used += 2;
	}
	if (used + 1 < cap)
		snprintf(buf + used, cap - used, "%s", v);
}

/*
 * Reads title/author/date/lang from a YAML block: a top-level mapping whose
 * values are scalars or lists of scalars; anything else is skipped.
 * Returns -1 when the block is not YAML (the caller then ignores it).
 */
static int
parse_front_matter(irs_doc *doc, const char *block, size_t n)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	enum meta_key key = KEY_NONE;
	char list[IRS_MAX_META_BYTES + 1] = "";
	int depth = 0, expect_key = 1, in_list = 0, rc = 0, done = 0;

	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)block, n);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = -1;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			depth++;
			if (depth == 2 && ev.type == YAML_SEQUENCE_START_EVENT && !expect_key) {
				in_list = 1;
				list[0] = '\0';
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (depth == 2 && in_list) {
				if (set_meta(doc, key, list, strlen(list)) != 0)
					rc = -1;
				in_list = 0;
			}
			if (--depth == 1)
				expect_key = 1;
			break;
		case YAML_ALIAS_EVENT:
			/* Not resolved, but it takes a key's or a value's place. */
			if (depth == 1) {
				key = KEY_NONE;
				expect_key = !expect_key;
			}
			break;
		case YAML_SCALAR_EVENT: {
			const char *v = (const char *)ev.data.scalar.value;

			if (depth == 1 && expect_key) {
				key = meta_key(v);
				expect_key = 0;
			} else if (depth == 1) {
				if (set_meta(doc, key, v, ev.data.scalar.length) != 0)
					rc = -1;
				expect_key = 1;
			} else if (depth == 2 && in_list) {
				join_scalar(list, sizeof(list), v);
			}
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

static int
is_block(cmark_node_type t)
{
	return t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING || t == CMARK_NODE_ITEM ||
	       t == CMARK_NODE_BLOCK_QUOTE || t == CMARK_NODE_THEMATIC_BREAK;
}

/*
 * The text a reader of the rendered Markdown sees, parsed by cmark: "#",
 * "*", link targets and the like dropped, entities decoded, each block on
 * its own line.  Snippets then quote the report, not its markup.  Raw HTML
 * is left out.  Returns a string the caller frees (*len its length), NULL
 * when out of memory.
 */
static char *
markdown_plain(const char *md, size_t n, size_t *len)
{
	cmark_node *root = cmark_parse_document(md, n, CMARK_OPT_DEFAULT);
	growbuf out = GROWBUF_INIT;
	cmark_event_type ev;
	cmark_iter *it;

	if (root == NULL || (it = cmark_iter_new(root)) == NULL) {
		cmark_node_free(root);
		return NULL;
	}
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(node);
		const char *lit;

		if (ev == CMARK_EVENT_EXIT) {
			/* One line break ends a block, however many blocks end there. */
			if (is_block(type) && out.len > 0 && out.data[out.len - 1] != '\n')
				growbuf_append(&out, "\n", 1);
			continue;
		}
		switch (type) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_CODE_BLOCK:
			if ((lit = cmark_node_get_literal(node)) != NULL)
				growbuf_puts(&out, lit);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			growbuf_append(&out, "\n", 1);
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	cmark_node_free(root);
	*len = out.len;
	return growbuf_take(&out);
}

/* The body, and a title taken from a heading, as plain text. */
static irs_code
markdown_to_text(irs_doc *doc, irs_error *e)
{
	size_t len = 0;
	char *plain = markdown_plain(doc->body, doc->body_len, &len);

	if (plain == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	free(doc->body);
	doc->body = plain;
	doc->body_len = len;
	return IRS_OK;
}

/* A title from a heading line may carry inline markup ("The *Astana* Summit"). */
static irs_code
markdown_title(irs_doc *doc, irs_error *e)
{
	size_t len = 0;
	char *plain;

	if (doc->title == NULL)
		return IRS_OK;
	plain = markdown_plain(doc->title, strlen(doc->title), &len);
	if (plain == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	if (len > 0 && doc_set_text(&doc->title, plain, len, IRS_MAX_META_BYTES) != 0) {
		free(plain);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	free(plain);
	return IRS_OK;
}

/*
 * Front matter is looked for in the UTF-8 text, so a Markdown file in
 * another charset is converted first.
 */
irs_code
extract_markdown(const char *data, size_t n, const extract_opts *opts, irs_doc *doc, irs_error *e)
{
	size_t yaml_start = 0, yaml_end = 0, body_start;
	extract_opts utf8 = { extract_max_text(opts), NULL };
	char *text = NULL;
	size_t len;
	irs_code rc;

	if (opts != NULL && opts->charset != NULL && strcasecmp(opts->charset, "UTF-8") != 0) {
		rc = charset_to_utf8(opts->charset, data, n, utf8.max_text, &text, &len, e);
		if (rc != IRS_OK)
			return rc;
		data = text;
		n = len;
	}
	if (n >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		data += 3, n -= 3;
	body_start = front_matter_end(data, n, &yaml_start, &yaml_end);
	if (body_start > 0 && parse_front_matter(doc, data + yaml_start, yaml_end - yaml_start) != 0) {
		/* Not YAML after all: index the whole file as text, with no metadata from it. */
		doc_set_text(&doc->title, NULL, 0, 0);
		doc_set_text(&doc->author, NULL, 0, 0);
		doc->date[0] = doc->lang[0] = '\0';
		body_start = 0;
	}
	rc = take_body(doc, data + body_start, n - body_start, &utf8, e);
	if (rc == IRS_OK && doc->title == NULL && (rc = title_from_heading(doc, e)) == IRS_OK)
		rc = markdown_title(doc, e);
	if (rc == IRS_OK)
		rc = markdown_to_text(doc, e);
	free(text);
	return rc;
}
