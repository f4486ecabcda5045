/*
 * test_search.c - search_run's snippets.  A page sorted by rank gets its
 * snippets from the matches its ranking statement kept (irs_snippet_hits,
 * then irs_snippet_from on the body); with "explain" each hit runs the
 * MATCH again and irs_snippet makes them.  Both must give the same bytes,
 * and the same hits, over bodies long and short, paged and not, and every
 * kind of query.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "irsearch/search.h"
#include "irsearch/store.h"
#include "connections.h"

#define NDOCS 160

static const char *words[] = { "policy", "policies", "cooperation", "cooperating", "cooperative", "treaty",
			       "summit", "trade", "tariff", "border", "Астана", "договор", "договора", "café",
			       "naïve", "co-operation", "don't", "2024-07-03", "energy", "grid", "water",
			       "basin", "climate", "the", "of", "and", "a", "report", "annex", "table" };

/* A body of n words drawn from words[], with a form feed every page_every words (0: none). */
static char *
make_body(unsigned seed, int n, int page_every)
{
	size_t cap = (size_t)n * 24 + 16, len = 0;
	char *s = malloc(cap);
	int i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		len += (size_t)snprintf(s + len, cap - len, "%s%s", words[(seed >> 16) % (sizeof(words) / sizeof(*words))],
					page_every > 0 && i % page_every == page_every - 1 ? "\f" :
					(seed >> 8) % 11 == 0 ? ".\n" : " ");
	}
	s[len] = '\0';
	return s;
}

static char dir[64], path[96];

static int
setup(void **state)
{
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };
	int i;

	(void)state;
	strcpy(dir, "/tmp/irs-test-search-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/index.db", dir);
	if (store_open(path, STORE_WRITE, NULL, &s, &e) != IRS_OK)
		fail_msg("store_open: %s", e.msg);
	assert_int_equal(store_begin(s, &e), IRS_OK);
	for (i = 0; i < NDOCS; i++) {
		char p[64], title[64];
		irs_doc d;
		int64_t id;

		/* Mostly short bodies, some of 20,000 words, a third in pages. */
		char *body = make_body((unsigned)i * 7919u + 1u, i % 17 == 0 ? 20000 : 40 + i * 7 % 900,
				       i % 3 == 0 ? 150 : 0);

		memset(&d, 0, sizeof(d));
		snprintf(p, sizeof(p), "/r/%03d.txt", i);
		snprintf(title, sizeof(title), i % 5 == 0 ? "treaty %d" : "report %d", i);
		d.path = p;
		d.size = (int64_t)strlen(body);
		d.mtime_ns = (1700000000LL + i) * 1000000000LL;
		d.hash = (uint64_t)i + 1;
		strcpy(d.type, i % 2 ? "text/plain" : "text/markdown");
		snprintf(d.date, sizeof(d.date), "%d-01-01", 2000 + i % 25);
		d.title = title;
		d.body = body;
		d.body_len = strlen(body);
		d.pages = i % 3 == 0 ? 3 : 0;
		if (store_put(s, &d, &id, &e) != IRS_OK)
			fail_msg("store_put: %s", e.msg);
		free(body);
	}
	assert_int_equal(store_commit(s, &e), IRS_OK);
	store_close(s);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	index_files_remove(path, dir);
	return 0;
}

static search_result *
run(store_t *s, const char *query, int limit, int offset, int explain)
{
	search_request req;
	search_result *r = NULL;
	irs_error e = { IRS_OK, "" };

	search_request_init(&req, query);
	req.limit = limit;
	req.offset = offset;
	req.explain = explain;
	if (search_run(s, &req, &r, &e) != IRS_OK)
		fail_msg("%s: %s", query, e.msg);
	return r;
}

static void
same_strings(const char *what, const char *query, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		fail_msg("query %s: %s \"%s\" kept, \"%s\" per hit", query, what, a != NULL ? a : "(null)",
			 b != NULL ? b : "(null)");
}

/* The page of query from kept matches and from a MATCH per hit: the same hits, every field. */
static void
check_page(store_t *s, const char *query, int limit, int offset)
{
	search_result *kept = run(s, query, limit, offset, 0), *match = run(s, query, limit, offset, 1);
	int i, k;

	assert_int_equal(kept->total, match->total);
	assert_int_equal(kept->relaxed, match->relaxed);
	assert_int_equal(kept->nhits, match->nhits);
	for (i = 0; i < kept->nhits; i++) {
		search_hit *a = &kept->hits[i], *b = &match->hits[i];

		assert_int_equal(a->id, b->id);
		assert_true(a->score == b->score);
		same_strings("path", query, a->path, b->path);
		same_strings("snippet", query, a->snippet, b->snippet);
		assert_int_equal(a->page, b->page);
		assert_int_equal(a->npassages, b->npassages);
		for (k = 0; k < a->npassages; k++) {
			same_strings("passage", query, a->passages[k].text, b->passages[k].text);
			assert_int_equal(a->passages[k].page, b->passages[k].page);
		}
		assert_false(a->explained);
		assert_true(b->explained);
	}
	search_result_free(kept);
	search_result_free(match);
}

static void
kept_snippets_are_the_per_hit_ones(void **state)
{
	static const char *queries[] = { "cooperating", "policy", "treaty", "договор", "Астана", "naïve",
					 "energy grid", "climate basin water", "trade OR tariff",
					 "\"water basin\"", "coop*", "gr*", "a*", "border -summit",
					 "NEAR(energy climate, 3)", "title:treaty", "treaty annex",
					 "summit after:2010 type:txt", "nosuchword OR tariff",
					 "nosuchword tariff", "policy lang:en" };
	store_t *s = NULL;
	irs_error e = { IRS_OK, "" };
	size_t q;

	(void)state;
	if (store_open(path, STORE_READ, NULL, &s, &e) != IRS_OK)
		fail_msg("store_open: %s", e.msg);
	for (q = 0; q < sizeof(queries) / sizeof(*queries); q++) {
		check_page(s, queries[q], 10, 0);
		check_page(s, queries[q], 10, 7);
		check_page(s, queries[q], 64, 0);
		check_page(s, queries[q], 1, 0);
		check_page(s, queries[q], 100, 30);	/* a large page, which else takes one scan */
	}
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kept_snippets_are_the_per_hit_ones),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
