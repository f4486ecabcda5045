/*
 * protocol.c - reading requests, answering them, reading answers (see protocol.h).
 *
 * Requests are parsed by jansson with explicit checks on every field: a
 * wrong type is a bad_request naming the field, never a default silently
 * taken.  Strings stay owned by the parsed JSON, which the request keeps.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "irsearch/limits.h"
#include "irsearch/printer.h"
#include "irsearch/protocol.h"

static const struct {
	const char *name;
	unsigned bit;
} field_names[] = {
	{ "id", FIELD_ID },	      { "path", FIELD_PATH },	    { "title", FIELD_TITLE },
	{ "author", FIELD_AUTHOR },   { "date", FIELD_DATE },	    { "type", FIELD_TYPE },
	{ "lang", FIELD_LANG },	      { "pages", FIELD_PAGES },	    { "score", FIELD_SCORE },
	{ "snippet", FIELD_SNIPPET }, { "page", FIELD_PAGE },	    { "passages", FIELD_PASSAGES },
};

static const char *const search_keys[] = { "op", "q", "limit", "offset", "sort", "markers", "fields", "explain",
					    "cache", NULL };
static const char *const doc_keys[] = { "op", "id", "text", NULL };
static const char *const bare_keys[] = { "op", NULL };

void
protocol_request_free(protocol_request *req)
{
	if (req == NULL)
		return;
	json_decref(req->json);
	req->json = NULL;
}

/* Refuses keys the op does not know: a typo must not be silently ignored. */
static irs_code
check_keys(json_t *o, const char *const *known, const char *op, irs_error *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		int i, ok = 0;

		(void)v;
		for (i = 0; known[i] != NULL && !ok; i++)
			ok = strcmp(known[i], key) == 0;
		if (!ok)
			return irs_fail(e, IRS_BAD_REQUEST, "unknown field \"%.40s\" for op \"%s\"", key, op);
	}
	return IRS_OK;
}

static irs_code
get_int(json_t *o, const char *key, long long lo, long long hi, long long *out, irs_error *e)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return IRS_NOT_FOUND;
	if (!json_is_integer(v))
		return irs_fail(e, IRS_BAD_REQUEST, "\"%s\" must be an integer", key);
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return irs_fail(e, IRS_BAD_REQUEST, "\"%s\" must be between %lld and %lld", key, lo, hi);
	*out = json_integer_value(v);
	return IRS_OK;
}

static irs_code
parse_fields(json_t *v, unsigned *fields, irs_error *e)
{
	size_t i, f;
	json_t *item;

	if (!json_is_array(v))
		return irs_fail(e, IRS_BAD_REQUEST, "\"fields\" must be an array of field names");
	*fields = 0;
	json_array_foreach(v, i, item) {
		const char *name = json_string_value(item);
		unsigned bit = 0;

		for (f = 0; name != NULL && f < sizeof(field_names) / sizeof(field_names[0]); f++)
			if (strcmp(field_names[f].name, name) == 0)
				bit = field_names[f].bit;
		if (bit == 0)
			return irs_fail(e, IRS_BAD_REQUEST, "\"fields\" has an unknown field name");
		*fields |= bit;
	}
	if (*fields == 0)
		*fields = FIELD_ALL;
	return IRS_OK;
}

static irs_code
parse_markers(json_t *v, search_request *s, irs_error *e)
{
	json_t *open = json_array_get(v, 0), *close = json_array_get(v, 1);

	if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_string(open) || !json_is_string(close))
		return irs_fail(e, IRS_BAD_REQUEST, "\"markers\" must be an array of two strings");
	if (json_string_length(open) > 32 || json_string_length(close) > 32)
		return irs_fail(e, IRS_BAD_REQUEST, "\"markers\" strings must be at most 32 bytes");
	s->mark_open = json_string_value(open);
	s->mark_close = json_string_value(close);
	return IRS_OK;
}

static irs_code
parse_search(json_t *o, protocol_request *req, irs_error *e)
{
	search_request *s = &req->search;
	json_t *q = json_object_get(o, "q"), *v;
	long long n;
	irs_code rc;

	if ((rc = check_keys(o, search_keys, "search", e)) != IRS_OK)
		return rc;
	if (!json_is_string(q))
		return irs_fail(e, IRS_BAD_REQUEST, "\"q\" must be a string (the query)");
	s->query = json_string_value(q);
	if (strlen(s->query) != json_string_length(q))
		return irs_fail(e, IRS_BAD_REQUEST, "\"q\" must not contain NUL characters");
	rc = get_int(o, "limit", 1, IRS_MAX_LIMIT, &n, e);
	if (rc == IRS_OK)
		s->limit = (int)n;
	else if (rc != IRS_NOT_FOUND)
		return rc;
	rc = get_int(o, "offset", 0, 1000000000, &n, e);
	if (rc == IRS_OK)
		s->offset = (int)n;
	else if (rc != IRS_NOT_FOUND)
		return rc;
	if ((v = json_object_get(o, "sort")) != NULL) {
		const char *sort = json_string_value(v);

		if (sort != NULL && strcmp(sort, "rank") == 0)
			s->sort = SORT_RANK;
		else if (sort != NULL && strcmp(sort, "date") == 0)
			s->sort = SORT_DATE;
		else
			return irs_fail(e, IRS_BAD_REQUEST, "\"sort\" must be \"rank\" or \"date\"");
	}
	if ((v = json_object_get(o, "markers")) != NULL && (rc = parse_markers(v, s, e)) != IRS_OK)
		return rc;
	if ((v = json_object_get(o, "fields")) != NULL && (rc = parse_fields(v, &req->fields, e)) != IRS_OK)
		return rc;
	if ((v = json_object_get(o, "explain")) != NULL) {
		if (!json_is_boolean(v))
			return irs_fail(e, IRS_BAD_REQUEST, "\"explain\" must be true or false");
		s->explain = json_is_true(v);
	}
	if ((v = json_object_get(o, "cache")) != NULL) {
		if (!json_is_boolean(v))
			return irs_fail(e, IRS_BAD_REQUEST, "\"cache\" must be true or false");
		req->no_cache = json_is_false(v);
	}
	return IRS_OK;
}

char *
protocol_request_key(const protocol_request *req)
{
	return req->json != NULL ? json_dumps(req->json, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static irs_code
parse_doc(json_t *o, protocol_request *req, irs_error *e)
{
	json_t *text = json_object_get(o, "text");
	long long id;
	irs_code rc;

	if ((rc = check_keys(o, doc_keys, "doc", e)) != IRS_OK)
		return rc;
	rc = get_int(o, "id", 1, INT64_MAX, &id, e);
	if (rc == IRS_NOT_FOUND)
		return irs_fail(e, IRS_BAD_REQUEST, "\"id\" is required for op \"doc\"");
	if (rc != IRS_OK)
		return rc;
	if (text != NULL && !json_is_boolean(text))
		return irs_fail(e, IRS_BAD_REQUEST, "\"text\" must be true or false");
	req->doc_id = id;
	req->doc_text = json_is_true(text);
	return IRS_OK;
}

irs_code
protocol_parse_request(const char *line, size_t n, const search_request *defaults,
		       protocol_request *req, irs_error *e)
{
	json_error_t jerr;
	json_t *o, *op;
	const char *name;

	memset(req, 0, sizeof(*req));
	req->search = *defaults;
	req->fields = FIELD_ALL;
	if (n > IRS_MAX_REQUEST_BYTES)
		return irs_fail(e, IRS_TOO_LARGE, "request line longer than %d bytes", IRS_MAX_REQUEST_BYTES);
	/* jansson refuses invalid UTF-8 and, without JSON_ALLOW_NUL, NUL in strings. */
	o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		return irs_fail(e, IRS_BAD_REQUEST, "not JSON: %s at column %d", jerr.text, jerr.column);
	req->json = o;
	if (!json_is_object(o))
		return irs_fail(e, IRS_BAD_REQUEST, "a request must be a JSON object");
	op = json_object_get(o, "op");
	name = json_string_value(op);
	if (name == NULL)
		return irs_fail(e, IRS_BAD_REQUEST, "\"op\" must be a string: search, doc, stats or ping");
	if (strcmp(name, "search") == 0) {
		req->op = OP_SEARCH;
		return parse_search(o, req, e);
	}
	if (strcmp(name, "doc") == 0) {
		req->op = OP_DOC;
		return parse_doc(o, req, e);
	}
	if (strcmp(name, "stats") == 0 || strcmp(name, "ping") == 0) {
		req->op = name[0] == 's' ? OP_STATS : OP_PING;
		return check_keys(o, bare_keys, name, e);
	}
	return irs_fail(e, IRS_BAD_REQUEST, "unknown op \"%.40s\": use search, doc, stats or ping", name);
}

static char *
answer_search(store_t *store, const protocol_request *req)
{
	search_result *r = NULL;
	irs_error e;
	char *line;

	if (search_run(store, &req->search, &r, &e) != IRS_OK)
		return printer_json_error(e.code, e.msg);
	line = printer_json_result(r, req->fields);
	search_result_free(r);
	return line;
}

static char *
answer_doc(store_t *store, const protocol_request *req)
{
	irs_doc doc = { 0 };
	irs_error e;
	irs_code rc = store_get_doc(store, req->doc_id, req->doc_text, &doc, &e);
	char *line;

	if (rc == IRS_NOT_FOUND)
		return printer_json_error(IRS_NOT_FOUND, "no document with this id");
	if (rc != IRS_OK)
		return printer_json_error(rc, e.msg);
	line = printer_json_doc(req->doc_id, &doc, req->doc_text);
	doc_clear(&doc);
	return line;
}

static int64_t
file_size(const char *path, const char *suffix)
{
	char buf[4096];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s%s", path, suffix);
	return stat(buf, &st) == 0 ? (int64_t)st.st_size : 0;
}

static char *
answer_stats(store_t *store, const protocol_server_info *info)
{
	char last_run[64], languages[128];
	int64_t count = 0;
	irs_error e;
	json_t *o;

	if (store_count(store, &count, &e) != IRS_OK ||
	    store_get_meta(store, "last_run", last_run, sizeof(last_run), &e) != IRS_OK ||
	    store_get_meta(store, "languages", languages, sizeof(languages), &e) != IRS_OK)
		return printer_json_error(e.code, e.msg);
	o = json_pack("{s:b, s:I, s:I, s:s?, s:s, s:s, s:i, s:I}", "ok", 1, "documents", (json_int_t)count,
		      "size_bytes", (json_int_t)(file_size(info->db_path, "") + file_size(info->db_path, "-wal")),
		      "last_run", last_run[0] != '\0' ? last_run : NULL, "languages", languages,
		      "version", IRS_VERSION, "protocol", IRS_PROTOCOL_VERSION, "uptime_s", (json_int_t)info->uptime_s);
	return printer_json_dump(o);
}

char *
protocol_answer(store_t *store, const protocol_request *req, const protocol_server_info *info)
{
	if (req->op == OP_PING)
		return printer_json_dump(json_pack("{s:b, s:s, s:i}", "ok", 1, "version", IRS_VERSION,
						   "protocol", IRS_PROTOCOL_VERSION));
	if (store == NULL)
		return printer_json_error(IRS_UNAVAILABLE, "there is no index yet; build one with irindex");
	switch (req->op) {
	case OP_SEARCH:
		return answer_search(store, req);
	case OP_DOC:
		return answer_doc(store, req);
	case OP_STATS:
		return answer_stats(store, info);
	case OP_PING:
		break;
	}
	return printer_json_error(IRS_INTERNAL, "unhandled op");
}

char *
protocol_search_request(const search_request *req)
{
	return printer_json_dump(json_pack("{s:s, s:s, s:i, s:i, s:s, s:[s,s], s:b}", "op", "search", "q", req->query,
					   "limit", req->limit, "offset", req->offset, "sort",
					   req->sort == SORT_DATE ? "date" : "rank", "markers", req->mark_open,
					   req->mark_close, "explain", req->explain));
}

static char *
string_or_null(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? strdup(v) : NULL;
}

static void
read_passages(json_t *list, search_hit *hit)
{
	size_t i;
	json_t *p;

	json_array_foreach(list, i, p) {
		const char *text = json_string_value(json_object_get(p, "text"));

		if (hit->npassages == SEARCH_MAX_PASSAGES || text == NULL)
			break;
		hit->passages[hit->npassages].page = (int)json_integer_value(json_object_get(p, "page"));
		if ((hit->passages[hit->npassages].text = strdup(text)) == NULL)
			break;
		hit->npassages++;
	}
}

static void
read_explain(json_t *x, search_hit *hit)
{
	static const char *const names[3] = { "title", "author", "body" };
	json_t *cols = json_object_get(x, "columns");
	int c;

	if (!json_is_object(cols))
		return;
	hit->explained = 1;
	for (c = 0; c < 3; c++) {
		json_t *col = json_object_get(cols, names[c]);

		hit->explain.column_matches[c] = (int)json_integer_value(json_object_get(col, "matches"));
		hit->explain.column_score[c] = json_number_value(json_object_get(col, "score"));
	}
	hit->explain.proximity = json_number_value(json_object_get(x, "proximity"));
}

static irs_code
read_hit(json_t *h, search_hit *hit)
{
	const char *source = json_string_value(json_object_get(h, "date_source"));

	if (!json_is_object(h))
		return IRS_BAD_REQUEST;
	hit->id = json_integer_value(json_object_get(h, "id"));
	hit->path = string_or_null(h, "path");
	hit->title = string_or_null(h, "title");
	hit->author = string_or_null(h, "author");
	hit->date = string_or_null(h, "date");
	hit->date_from_mtime = source != NULL && strcmp(source, "mtime") == 0;
	hit->type = string_or_null(h, "type");
	hit->lang = string_or_null(h, "lang");
	hit->pages = (int)json_integer_value(json_object_get(h, "pages"));
	hit->score = json_number_value(json_object_get(h, "score"));
	hit->snippet = string_or_null(h, "snippet");
	hit->page = (int)json_integer_value(json_object_get(h, "page"));
	read_passages(json_object_get(h, "passages"), hit);
	read_explain(json_object_get(h, "explain"), hit);
	return hit->path != NULL ? IRS_OK : IRS_BAD_REQUEST;
}

static irs_code
read_error(json_t *o, irs_error *e)
{
	json_t *err = json_object_get(o, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	static const irs_code codes[] = { IRS_BAD_REQUEST, IRS_BAD_QUERY, IRS_TOO_LARGE, IRS_TIMEOUT,
					  IRS_UNAVAILABLE, IRS_NOT_FOUND };
	size_t i;

	if (msg != NULL && msg[0] == '\0')	/* an empty sentence says no more than none */
		msg = NULL;
	for (i = 0; code != NULL && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(irs_code_name(codes[i]), code) == 0)
			return irs_fail(e, codes[i], "%s", msg != NULL ? msg : code);
	return irs_fail(e, IRS_INTERNAL, "%s", msg != NULL ? msg : "the daemon answered with an error");
}

irs_code
protocol_read_result(const char *line, size_t n, search_result **out, irs_error *e)
{
	json_t *o = json_loadb(line, n, 0, NULL), *hits;
	search_result *r;
	size_t i;
	irs_code rc = IRS_OK;

	*out = NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return irs_fail(e, IRS_INTERNAL, "the daemon's answer is not a JSON object");
	}
	if (!json_is_true(json_object_get(o, "ok"))) {
		rc = read_error(o, e);
		json_decref(o);
		return rc;
	}
	hits = json_object_get(o, "hits");
	r = calloc(1, sizeof(*r));
	if (r == NULL || !json_is_array(hits) || json_array_size(hits) > IRS_MAX_LIMIT ||
	    (json_array_size(hits) > 0 && (r->hits = calloc(json_array_size(hits), sizeof(*r->hits))) == NULL)) {
		free(r);
		json_decref(o);
		return irs_fail(e, IRS_INTERNAL, "the daemon's answer has no usable hits");
	}
	r->total = json_integer_value(json_object_get(o, "total"));
	r->took_ms = json_number_value(json_object_get(o, "took_ms"));
	r->relaxed = json_is_true(json_object_get(o, "relaxed"));
	for (i = 0; i < json_array_size(hits) && rc == IRS_OK; i++) {
		rc = read_hit(json_array_get(hits, i), &r->hits[i]);
		r->nhits++;
	}
	json_decref(o);
	if (rc != IRS_OK) {
		search_result_free(r);
		return irs_fail(e, IRS_INTERNAL, "the daemon's answer has a malformed hit");
	}
	*out = r;
	return IRS_OK;
}
