/*
 * protocol.h - the socket protocol: one JSON request per line, one JSON answer.
 *
 * Owns: reading a request line into a checked protocol_request (every field
 * typed and bounded, unknown ops refused), answering it against an open
 * store, and reading a search answer back into a search_result (for the
 * irsearch client).  Does not own sockets or threads (searchd/).  The full
 * text is docs/PROTOCOL.md; it changes in the same commit as this module.
 */
#ifndef IRSEARCH_PROTOCOL_H
#define IRSEARCH_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "irsearch/error.h"
#include "irsearch/search.h"
#include "irsearch/store.h"

#define IRS_PROTOCOL_VERSION 1

typedef enum protocol_op { OP_SEARCH, OP_DOC, OP_STATS, OP_PING } protocol_op;

/* Hit fields a search may ask for with "fields"; 0 means all of them. */
enum {
	FIELD_ID = 1 << 0,
	FIELD_PATH = 1 << 1,
	FIELD_TITLE = 1 << 2,
	FIELD_AUTHOR = 1 << 3,
	FIELD_DATE = 1 << 4,
	FIELD_TYPE = 1 << 5,
	FIELD_LANG = 1 << 6,
	FIELD_PAGES = 1 << 7,
	FIELD_SCORE = 1 << 8,
	FIELD_SNIPPET = 1 << 9,
	FIELD_PAGE = 1 << 10,
	FIELD_PASSAGES = 1 << 11,
	FIELD_ALL = (1 << 12) - 1
};

typedef struct protocol_request {
	protocol_op op;
	search_request search;	/* OP_SEARCH; its strings are owned by the request */
	unsigned fields;	/* OP_SEARCH: FIELD_* mask */
	int64_t doc_id;		/* OP_DOC */
	int doc_text;		/* OP_DOC: include the text */
	int no_cache;		/* OP_SEARCH: "cache": false, answer without the daemon's cache */
	void *json;		/* the parsed request, owner of the strings above */
} protocol_request;

/*
 * Reads one request line (without its newline) into req.  Fails with
 * IRS_BAD_REQUEST and a sentence for anything but a JSON object with a
 * known "op" and well-typed fields.  defaults supplies what the request
 * leaves out (limit, weights, snippet length).  Free with
 * protocol_request_free, also after a failure.
 */
irs_code protocol_parse_request(const char *line, size_t n, const search_request *defaults,
				protocol_request *req, irs_error *e);

void protocol_request_free(protocol_request *req);

/*
 * The request in canonical form (its JSON, keys sorted, no spaces), for
 * the daemon's answer cache: two requests asking the same have one key.
 * Caller frees with free(); NULL when out of memory.
 */
char *protocol_request_key(const protocol_request *req);

/* Facts for the "stats" answer that only the server knows. */
typedef struct protocol_server_info {
	const char *db_path;
	int64_t uptime_s;
} protocol_server_info;

/*
 * Answers req against store (NULL when there is no index yet: everything
 * but ping is then "unavailable").  Returns the answer line without its
 * newline (caller frees), an error object when the request fails, NULL
 * only when out of memory.
 */
char *protocol_answer(store_t *store, const protocol_request *req,
		      const protocol_server_info *info);

/* The request line asking the daemon for req (caller frees); NULL when out of memory. */
char *protocol_search_request(const search_request *req);

/*
 * Reads a search answer line back into a result (caller frees with
 * search_result_free); for an error answer, fills e with its code and
 * message and returns that code.
 */
irs_code protocol_read_result(const char *line, size_t n, search_result **out, irs_error *e);

#endif
