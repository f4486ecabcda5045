/*
 * fuzz_protocol.c - the socket protocol (lib/protocol.c), both sides.
 *
 * The input is a request line as a client could send it.  The daemon's path
 * is followed exactly (searchd/pool.c): a request that does not parse is
 * answered with printer_json_error, one that parses with protocol_answer on
 * a small index.  Promises checked: a parse failure is bad_request or
 * too_large with a sentence; a parsed request is within its documented
 * bounds; every answer is a single line of JSON with "ok" (and a known
 * error code when false); a search request written by the client
 * (protocol_search_request) parses back to the same request; a search
 * answer with paths reads back (protocol_read_result) with the same hits.  The same
 * bytes are also given to protocol_read_result as if the daemon had sent
 * them, the client's side of the socket.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "irsearch/limits.h"
#include "irsearch/printer.h"
#include "irsearch/protocol.h"

static void
check_request(const protocol_request *req)
{
	const search_request *s = &req->search;

	if (req->op != OP_SEARCH && req->op != OP_DOC && req->op != OP_STATS && req->op != OP_PING)
		fuzz_fail("parsed an unknown op %d", (int)req->op);
	if (req->op == OP_DOC && req->doc_id < 1)
		fuzz_fail("parsed a doc request for id %lld", (long long)req->doc_id);
	if (req->op != OP_SEARCH)
		return;
	if (s->query == NULL || s->mark_open == NULL || s->mark_close == NULL)
		fuzz_fail("parsed a search without its query or markers");
	if (s->limit < 1 || s->limit > IRS_MAX_LIMIT || s->offset < 0)
		fuzz_fail("parsed limit %d, offset %d", s->limit, s->offset);
	if (strlen(s->mark_open) > 32 || strlen(s->mark_close) > 32)
		fuzz_fail("parsed markers over 32 bytes");
	if (req->fields == 0 || (req->fields & ~(unsigned)FIELD_ALL) != 0)
		fuzz_fail("parsed a fields mask of %#x", req->fields);
}

/* What the client writes for a search must read back as the same search. */
static void
check_round_trip(const protocol_request *req, const search_request *defaults)
{
	const search_request *s = &req->search, *t;
	char *line = protocol_search_request(s);
	protocol_request back;
	irs_error e = { IRS_OK, "" };

	if (line == NULL)
		fuzz_fail("protocol_search_request gave nothing");
	if (protocol_parse_request(line, strlen(line), defaults, &back, &e) != IRS_OK)
		fuzz_fail("the client's request line %s does not parse: %s", line, e.msg);
	t = &back.search;
	if (back.op != OP_SEARCH || strcmp(t->query, s->query) != 0 || t->limit != s->limit ||
	    t->offset != s->offset || t->sort != s->sort ||
	    strcmp(t->mark_open, s->mark_open) != 0 || strcmp(t->mark_close, s->mark_close) != 0 ||
	    t->explain != s->explain)
		fuzz_fail("the client's request line %s reads back as another search", line);
	protocol_request_free(&back);
	free(line);
}

/* A successful search answer must read back with its hits. */
static void
check_read_back(const char *answer)
{
	json_t *o = json_loads(answer, 0, NULL);
	search_result *r = NULL;
	irs_error e = { IRS_OK, "" };
	size_t nhits = json_array_size(json_object_get(o, "hits"));
	irs_code rc = protocol_read_result(answer, strlen(answer), &r, &e);

	if (rc != IRS_OK || r == NULL || (size_t)r->nhits != nhits)
		fuzz_fail("the search answer %s does not read back: %s", answer, e.msg);
	search_result_free(r);
	json_decref(o);
}

/* The client's side: whatever the daemon sends, a result or an error, never a crash. */
static void
read_as_answer(const uint8_t *data, size_t size)
{
	static const irs_code allowed[] = { IRS_BAD_REQUEST, IRS_BAD_QUERY, IRS_TOO_LARGE,
					    IRS_TIMEOUT, IRS_UNAVAILABLE, IRS_INTERNAL,
					    IRS_NOT_FOUND, IRS_OK };
	search_result *r = (search_result *)1;
	irs_error e = { IRS_OK, "" };
	irs_code rc = protocol_read_result((const char *)data, size, &r, &e);
	int i;

	if (rc != IRS_OK) {
		fuzz_check_error("protocol_read_result", rc, &e, allowed);
		if (r != NULL)
			fuzz_fail("protocol_read_result failed but left a result");
		return;
	}
	if (r == NULL || r->nhits < 0 || r->nhits > IRS_MAX_LIMIT)
		fuzz_fail("protocol_read_result gave %d hits", r != NULL ? r->nhits : -1);
	for (i = 0; i < r->nhits; i++)
		if (r->hits[i].path == NULL)
			fuzz_fail("protocol_read_result gave a hit without a path");
	search_result_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const irs_code allowed[] = { IRS_BAD_REQUEST, IRS_TOO_LARGE, IRS_OK };
	protocol_server_info info = { fuzz_store_path(), 42 };
	search_request defaults;
	protocol_request req;
	irs_error e = { IRS_OK, "" };
	irs_code rc;
	char *answer;

	search_request_init(&defaults, NULL);
	rc = protocol_parse_request((const char *)data, size, &defaults, &req, &e);
	if (rc != IRS_OK) {
		fuzz_check_error("protocol_parse_request", rc, &e, allowed);
		answer = printer_json_error(e.code, e.msg);
		fuzz_check_answer("error answer", answer);
	} else {
		check_request(&req);
		if (req.op == OP_SEARCH)
			check_round_trip(&req, &defaults);
		answer = protocol_answer(NULL, &req, &info);
		fuzz_check_answer("answer without an index", answer);
		free(answer);
		answer = protocol_answer(fuzz_store(), &req, &info);
		fuzz_check_answer("answer", answer);
		/* The client asks for every field: hits without their paths are no answer to it. */
		if (req.op == OP_SEARCH && (req.fields & FIELD_PATH) &&
		    strncmp(answer, "{\"ok\":true", 10) == 0)
			check_read_back(answer);
	}
	free(answer);
	protocol_request_free(&req);
	read_as_answer(data, size);
	return 0;
}
