/*
 * test_rank.c - irs_rank's collector: the page it keeps is the page an
 * ORDER BY over irs_rank's scores gives, and a query of one phrase whose
 * IDF waits for the count of rows scores every row to the same last bit
 * as with the IDF from xQueryPhrase.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "irsearch/rank.h"
#include "irsearch/tokenize.h"

#define DOCS 300

static sqlite3 *
open_index(void)
{
	static const char *words[] = { "policy", "policies", "summit", "security", "secure", "cooperation",
				       "cooperating", "trade", "energy", "the", "of", "members" };
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	irs_error e = { IRS_OK, "" };
	char body[2048], title[64];
	int i, k;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tokenize_register(db, &e), IRS_OK);
	assert_int_equal(rank_register(db, &e), IRS_OK);
	if (sqlite3_exec(db, IRS_VOCABULARY_SCHEMA ";"
			 "CREATE VIRTUAL TABLE fts USING fts5(title, author, body,"
			 " tokenize='irsearch english russian')", NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("creating the table: %s", sqlite3_errmsg(db));
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO fts(rowid, title, body) VALUES(?1, ?2, ?3)", -1, &st,
					    NULL), SQLITE_OK);
	for (i = 1; i <= DOCS; i++) {
		size_t n = 0;

		/* Every tenth document the same as the one before it: equal scores, told apart by rowid. */
		int seed = i % 10 == 0 ? i - 1 : i;

		snprintf(title, sizeof(title), "%s report", words[seed % 12]);
		if (seed % 3 == 0)
			n += (size_t)snprintf(body, sizeof(body), "the members of the summit ");
		for (k = 0; k < 20 + seed % 37; k++)
			n += (size_t)snprintf(body + n, sizeof(body) - n, "%s ",
					      words[(unsigned)(seed * 31 + k * k * 7) % 12]);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			fail_msg("insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return db;
}

/* The rows of query by ORDER BY over irs_rank without a collector (IDFs from xQueryPhrase). */
static int
ordered(sqlite3 *db, const char *query, rank_best *rows, int cap)
{
	sqlite3_stmt *st = NULL;
	int n = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid, irs_rank(fts, 10, 5, 1, 0.5) AS s FROM fts"
					    " WHERE fts MATCH ?1 ORDER BY s DESC, rowid", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && n < cap) {
		rows[n].id = sqlite3_column_int64(st, 0);
		rows[n].score = sqlite3_column_double(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* Runs query through a collector keeping keep rows; checks they are the first keep of ordered(). */
static void
check_collector(sqlite3 *db, const char *query, int64_t keep, int every_match)
{
	static rank_best want[DOCS];
	const rank_best *best;
	rank_collector *c = rank_collector_new(keep, every_match);
	sqlite3_stmt *st = NULL;
	int nwant = ordered(db, query, want, DOCS), i, rc;
	int64_t nbest;

	assert_non_null(c);
	if (nwant == 0)
		fail_msg("%s matches nothing", query);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_rank(fts, 10, 5, 1, 0.5, ?1) FROM fts WHERE fts MATCH ?2",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_pointer(st, 1, c, RANK_COLLECTOR_TYPE, NULL);
	sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(rank_collector_finish(c), 0);
	assert_int_equal(rank_collector_rows(c), nwant);
	nbest = rank_collector_best(c, &best);
	assert_int_equal(nbest, keep < nwant ? keep : nwant);
	for (i = 0; i < nbest; i++) {
		if (best[i].id != want[i].id || memcmp(&best[i].score, &want[i].score, sizeof(double)) != 0)
			fail_msg("%s, keep %lld, rank %d: row %lld score %.17g, ORDER BY has row %lld score %.17g",
				 query, (long long)keep, i, (long long)best[i].id, best[i].score,
				 (long long)want[i].id, want[i].score);
	}
	rank_collector_free(c);
}

static void
one_phrase_scores_the_same_when_its_idf_waits_for_the_count(void **state)
{
	sqlite3 *db = open_index();

	(void)state;
	check_collector(db, "\"policy\"", 10, 1);
	check_collector(db, "\"the members\"", 25, 1);
	check_collector(db, "\"secur\"*", 1000, 1);
	check_collector(db, "title:\"summit\"", 5, 1);
	/* The statement may drop matches (a filter): the IDF comes from xQueryPhrase. */
	check_collector(db, "\"policy\"", 10, 0);
	sqlite3_close(db);
}

static void
the_kept_page_is_the_order_by_page(void **state)
{
	sqlite3 *db = open_index();

	(void)state;
	check_collector(db, "\"policy\" \"summit\"", 10, 1);
	check_collector(db, "\"energy\" OR \"trade\" OR \"secure\"", 1, 1);
	check_collector(db, "\"energy\" OR \"trade\" OR \"secure\"", 77, 1);
	check_collector(db, "\"energy\" OR \"trade\" OR \"secure\"", DOCS, 0);
	check_collector(db, "\"the\" NOT \"members\"", 3, 1);
	sqlite3_close(db);
}

static void
a_collector_that_keeps_nothing_counts(void **state)
{
	sqlite3 *db = open_index();
	rank_collector *c = rank_collector_new(0, 1);
	const rank_best *best;
	sqlite3_stmt *st = NULL;
	int rows = 0;

	(void)state;
	assert_non_null(c);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_rank(fts, 10, 5, 1, 0.5, ?1) FROM fts"
					    " WHERE fts MATCH 'trade'", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_pointer(st, 1, c, RANK_COLLECTOR_TYPE, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(sqlite3_column_double(st, 0) > 0.0);	/* a score for the caller's ORDER BY */
		rows++;
	}
	sqlite3_finalize(st);
	assert_int_equal(rank_collector_finish(c), 0);
	assert_int_equal(rank_collector_rows(c), rows);
	assert_int_equal(rank_collector_best(c, &best), 0);
	rank_collector_free(c);
	rank_collector_free(NULL);
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_phrase_scores_the_same_when_its_idf_waits_for_the_count),
		cmocka_unit_test(the_kept_page_is_the_order_by_page),
		cmocka_unit_test(a_collector_that_keeps_nothing_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
