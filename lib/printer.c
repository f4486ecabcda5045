/* printer.c - search results as text or JSON (see printer.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/printer.h"
#include "irsearch/protocol.h"
#include "irsearch/utf8.h"

#define BOLD "\033[1m"
#define PLAIN "\033[0m"
#define PRINTER_DUMP_START 8192	/* bytes: a page of 10 hits with snippets is 5-9 KB */

/*
 * Adds key: s (when not NULL); file names need not be UTF-8, JSON must be.
 * Checked here, by the project's one validator (8 ASCII bytes at a time),
 * and handed to jansson unchecked: its own check calls a function per
 * byte, and with its per-character escaping pass took half of a page's
 * encoding.
 */
static int
set_string(json_t *o, const char *key, const char *s)
{
	size_t n;
	json_t *v;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (utf8_invalid_offset(s, n) == n) {
		v = json_stringn_nocheck(s, n);
	} else {
		char *fixed = utf8_repair(s, n, &n);

		if (fixed == NULL)
			return -1;
		v = json_stringn_nocheck(fixed, n);
		free(fixed);
	}
	return json_object_set_new(o, key, v);
}

static int
set_passages(json_t *o, const search_hit *h)
{
	json_t *list = json_array();
	int i, rc = list == NULL;

	for (i = 0; i < h->npassages && rc == 0; i++) {
		json_t *p = json_object();

		rc = p == NULL;
		if (rc == 0 && h->passages[i].page > 0)
			rc |= json_object_set_new(p, "page", json_integer(h->passages[i].page));
		if (rc == 0)
			rc |= set_string(p, "text", h->passages[i].text);
		rc |= p != NULL ? json_array_append_new(list, p) : -1;
	}
	return rc == 0 ? json_object_set_new(o, "passages", list) : (json_decref(list), -1);
}

static const char *const column_names[3] = { "title", "author", "body" };

/* "explain": per column its matches and its share of the score, and the proximity bonus; they add up. */
static int
set_explain(json_t *o, const search_hit *h)
{
	json_t *x = json_object(), *cols = json_object();
	int c, rc = x == NULL || cols == NULL;

	for (c = 0; c < 3 && rc == 0; c++)
		rc |= json_object_set_new(cols, column_names[c],
					  json_pack("{s:i, s:f}", "matches", h->explain.column_matches[c],
						    "score", h->explain.column_score[c]));
	if (rc == 0) {
		rc |= json_object_set_new(x, "score", json_real(h->score));
		rc |= json_object_set_new(x, "columns", cols);
		rc |= json_object_set_new(x, "proximity", json_real(h->explain.proximity));
		cols = NULL;
	}
	json_decref(cols);
	return rc == 0 ? json_object_set_new(o, "explain", x) : (json_decref(x), -1);
}

static json_t *
hit_object(const search_hit *h, unsigned fields)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	if (fields & FIELD_ID)
		rc |= json_object_set_new(o, "id", json_integer(h->id));
	if (fields & FIELD_PATH)
		rc |= set_string(o, "path", h->path);
	if (fields & FIELD_TITLE)
		rc |= set_string(o, "title", h->title);
	if (fields & FIELD_AUTHOR)
		rc |= set_string(o, "author", h->author);
	if ((fields & FIELD_DATE) && h->date != NULL) {
		rc |= set_string(o, "date", h->date);
		rc |= set_string(o, "date_source", h->date_from_mtime ? "mtime" : "document");
	}
	if (fields & FIELD_TYPE)
		rc |= set_string(o, "type", h->type);
	if (fields & FIELD_LANG)
		rc |= set_string(o, "lang", h->lang);
	if ((fields & FIELD_PAGES) && h->pages > 0)
		rc |= json_object_set_new(o, "pages", json_integer(h->pages));
	if (fields & FIELD_SCORE)
		rc |= json_object_set_new(o, "score", json_real(h->score));
	if ((fields & FIELD_PAGE) && h->page > 0)
		rc |= json_object_set_new(o, "page", json_integer(h->page));
	if (fields & FIELD_SNIPPET)
		rc |= set_string(o, "snippet", h->snippet != NULL ? h->snippet : "");
	if (fields & FIELD_PASSAGES)
		rc |= set_passages(o, h);
	if (h->explained)
		rc |= set_explain(o, h);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Where json_dump_callback writes: a buffer that doubles, NUL-terminated at the end. */
struct dump_buffer {
	char *s;
	size_t len, cap;
};

static int
dump_append(const char *bytes, size_t n, void *data)
{
	struct dump_buffer *b = data;

	if (b->cap - b->len <= n) {
		size_t cap = b->cap;
		char *s;

		while (cap - b->len <= n)
			cap *= 2;
		if ((s = realloc(b->s, cap)) == NULL)
			return -1;
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, bytes, n);
	b->len += n;
	return 0;
}

/*
 * jansson's json_dumps grows its buffer from 16 bytes and copies the
 * result once more at the end; a page of hits is about 7 KB, so the
 * buffer here starts at the size of one.
 */
char *
printer_json_dump(json_t *o)
{
	struct dump_buffer b = { NULL, 0, PRINTER_DUMP_START };

	if (o != NULL && (b.s = malloc(b.cap)) != NULL &&
	    json_dump_callback(o, dump_append, &b, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) == 0) {
		b.s[b.len] = '\0';
	} else {
		free(b.s);
		b.s = NULL;
	}
	json_decref(o);
	return b.s;
}

char *
printer_json_result(const search_result *r, unsigned fields)
{
	json_t *o = json_object(), *hits = json_array();
	int i, rc;

	if (o == NULL || hits == NULL) {
		json_decref(o);
		json_decref(hits);
		return NULL;
	}
	rc = json_object_set_new(o, "ok", json_true());
	rc |= json_object_set_new(o, "total", json_integer(r->total));
	rc |= json_object_set_new(o, "took_ms", json_real(r->took_ms));
	if (r->relaxed)
		rc |= json_object_set_new(o, "relaxed", json_true());
	for (i = 0; i < r->nhits && rc == 0; i++) {
		json_t *h = hit_object(&r->hits[i], fields);

		rc = h != NULL ? json_array_append_new(hits, h) : -1;
	}
	rc |= json_object_set_new(o, "hits", hits);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return printer_json_dump(o);
}

char *
printer_json_doc(int64_t id, const irs_doc *doc, int with_text)
{
	json_t *o = json_object(), *d = json_object();
	int rc;

	if (o == NULL || d == NULL) {
		json_decref(o);
		json_decref(d);
		return NULL;
	}
	rc = json_object_set_new(d, "id", json_integer(id));
	rc |= set_string(d, "path", doc->path);
	rc |= json_object_set_new(d, "size", json_integer(doc->size));
	rc |= json_object_set_new(d, "mtime", json_integer(doc->mtime_ns / 1000000000));
	rc |= set_string(d, "type", doc->type);
	rc |= set_string(d, "title", doc->title);
	rc |= set_string(d, "author", doc->author);
	if (doc->date[0] != '\0') {
		rc |= set_string(d, "date", doc->date);
		rc |= set_string(d, "date_source", doc->date_from_mtime ? "mtime" : "document");
	}
	if (doc->lang[0] != '\0')
		rc |= set_string(d, "lang", doc->lang);
	if (doc->pages > 0)
		rc |= json_object_set_new(d, "pages", json_integer(doc->pages));
	if (with_text)
		rc |= set_string(d, "text", doc->body != NULL ? doc->body : "");
	rc |= json_object_set_new(o, "ok", json_true());
	rc |= json_object_set_new(o, "doc", d);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return printer_json_dump(o);
}

char *
printer_json_error(irs_code code, const char *message)
{
	json_t *o = json_object(), *err = json_object();
	int rc;

	if (o == NULL || err == NULL) {
		json_decref(o);
		json_decref(err);
		return NULL;
	}
	rc = set_string(err, "code", irs_code_name(code));
	rc |= set_string(err, "message", message);
	rc |= json_object_set_new(o, "ok", json_false());
	rc |= json_object_set_new(o, "error", err);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return printer_json_dump(o);
}

void
printer_text_result(FILE *out, const search_result *r, int offset, int bold)
{
	int i, k;

	if (r->relaxed && r->nhits > 0)
		fputs("No report has all the words; these have some of them.\n\n", out);
	for (i = 0; i < r->nhits; i++) {
		const search_hit *h = &r->hits[i];

		fprintf(out, "%s%2d. %s%s\n", bold ? BOLD : "", offset + i + 1,
			h->title != NULL ? h->title : "(untitled)", bold ? PLAIN : "");
		fputs("    ", out);
		if (h->date != NULL && !h->date_from_mtime)
			fprintf(out, "%s \xc2\xb7 ", h->date);
		if (h->author != NULL)
			fprintf(out, "%s \xc2\xb7 ", h->author);
		fprintf(out, "%s\n", h->path);
		if (h->npassages == 0 && h->snippet != NULL && h->snippet[0] != '\0')
			fprintf(out, "    %s\n", h->snippet);
		for (k = 0; k < h->npassages; k++) {
			if (h->passages[k].text[0] == '\0')
				continue;
			if (h->passages[k].page > 0)
				fprintf(out, "    p. %d: %s\n", h->passages[k].page, h->passages[k].text);
			else
				fprintf(out, "    %s\n", h->passages[k].text);
		}
		if (h->explained)
			fprintf(out, "    score %.3f = title %.3f (%d matches) + author %.3f (%d) + body %.3f (%d)"
				" + proximity %.3f\n",
				h->score, h->explain.column_score[0], h->explain.column_matches[0],
				h->explain.column_score[1], h->explain.column_matches[1],
				h->explain.column_score[2], h->explain.column_matches[2], h->explain.proximity);
		fputc('\n', out);
	}
	if (r->total > offset + r->nhits)
		fprintf(out, "%d-%d of %lld matches; --offset %d for more\n", offset + 1,
			offset + r->nhits, (long long)r->total, offset + r->nhits);
}
