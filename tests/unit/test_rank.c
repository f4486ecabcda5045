/*
 * test_rank.c - irs_rank's collector: the page it keeps is the page an
 * ORDER BY over irs_rank's scores gives, and a query of one phrase whose
 * IDF waits for the count of rows scores every row to the same last bit
 * as with the IDF from xQueryPhrase; a MATCH whose words are written as
 * their forms ORed (phrase_forms_rewrite), told its words, scores every
 * row as the words' own MATCH does, and so does one whose phrase is
 * split by its big word's forms.
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

#include "irsearch/phrasecount.h"
#include "irsearch/rank.h"
#include "irsearch/tokenize.h"
#include "connections.h"

#define DOCS 300

static sqlite3 *
open_index(void)
{
	static const char *words[] = { "policy", "policies", "summit", "security", "secure", "cooperation",
				       "cooperating", "trade", "energy", "the", "of", "members" };
	sqlite3 *db = connection_open(":memory:", 1);
	sqlite3_stmt *st = NULL;
	char body[2048], title[64];
	int i, k;

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

/* The rows matching query. */
static int64_t
count_of(sqlite3 *db, const char *query)
{
	sqlite3_stmt *st = NULL;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Steps irs_rank with collector c over the matches of query to the end, and finishes c. */
static void
run_collector(sqlite3 *db, rank_collector *c, const char *query)
{
	sqlite3_stmt *st = NULL;
	int rc;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_rank(fts, 10, 5, 1, 0.5, ?1) FROM fts WHERE fts MATCH ?2",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_pointer(st, 1, c, RANK_COLLECTOR_TYPE, NULL);
	sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(rank_collector_finish(c), 0);
}

/* c counted nwant rows and kept the first keep of want, scores to the last bit; label names the case. */
static void
expect_best(const rank_collector *c, const rank_best *want, int nwant, int64_t keep, const char *label)
{
	const rank_best *best;
	int64_t nbest;
	int i;

	if (rank_collector_rows(c) != nwant)
		fail_msg("%s: %lld rows, SQL has %d", label, (long long)rank_collector_rows(c), nwant);
	nbest = rank_collector_best(c, &best);
	assert_int_equal(nbest, keep < nwant ? keep : nwant);
	for (i = 0; i < nbest; i++)
		if (best[i].id != want[i].id || memcmp(&best[i].score, &want[i].score, sizeof(double)) != 0)
			fail_msg("%s, rank %d: row %lld score %.17g, ORDER BY has row %lld score %.17g", label, i,
				 (long long)best[i].id, best[i].score, (long long)want[i].id, want[i].score);
}

/*
 * Runs query through a collector keeping keep rows (told the rows dropped
 * counts, when not NULL: rank_collector_excluded); checks they are the
 * first keep of ordered().
 */
static void
check_dropping(sqlite3 *db, const char *query, const char *dropped, int64_t keep, int every_match)
{
	static rank_best want[DOCS];
	rank_collector *c = rank_collector_new(keep, every_match, NULL);
	int nwant = ordered(db, query, want, DOCS);
	char label[256];

	assert_non_null(c);
	if (nwant == 0)
		fail_msg("%s matches nothing", query);
	if (dropped != NULL)
		rank_collector_excluded(c, count_of(db, dropped));
	run_collector(db, c, query);
	snprintf(label, sizeof(label), "%s, keep %lld", query, (long long)keep);
	expect_best(c, want, nwant, keep, label);
	rank_collector_free(c);
}

static void
check_collector(sqlite3 *db, const char *query, int64_t keep, int every_match)
{
	check_dropping(db, query, NULL, keep, every_match);
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
	/* A phrase without others: scored alone, its IDF from its rows seen and those dropped. */
	check_dropping(db, "\"policy\" NOT \"summit\"", "\"policy\" AND (\"summit\")", 10, 1);
	check_dropping(db, "\"the members\" NOT \"trade\" NOT \"energ\"*", "\"the members\" AND (\"trade\" OR \"energ\"*)",
		       DOCS, 1);
	check_dropping(db, "\"secur\"* NOT \"policies\"", "\"secur\"* AND (\"policies\")", 3, 1);
	connection_close(db);
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
	connection_close(db);
}

/*
 * A documents table for the filters: most rowids have a row, with dates
 * of every precision, NULLs, and values that sort around the bounds the
 * tests use.
 */
static void
add_documents(sqlite3 *db, const char *date_decl)
{
	static const char *dates[] = { "2015", "2015-01-01", "2014-12-31", "2015-01", "2019-12-31", "2020",
				       "2020-01-01", "2026-11-30", "1999", "2015-01-01T10:00", "", "2019" };
	static const char *types[] = { "text/markdown", "text/plain", "application/pdf" };
	static const char *langs[] = { "en", "ru", "en-GB" };
	sqlite3_stmt *st = NULL;
	char sql[128];
	int i;

	snprintf(sql, sizeof(sql), "CREATE TABLE documents(id INTEGER PRIMARY KEY, type TEXT NOT NULL, date %s,"
		 " language TEXT)", date_decl);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO documents VALUES(?1, ?2, ?3, ?4)", -1, &st, NULL),
			 SQLITE_OK);
	for (i = 1; i <= DOCS; i++) {
		if (i % 23 == 0)
			continue;	/* a match without its documents row */
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, types[i % 3], -1, SQLITE_STATIC);
		if (i % 7 == 0)
			sqlite3_bind_null(st, 3);
		else
			sqlite3_bind_text(st, 3, dates[(i * 5) % 12], -1, SQLITE_STATIC);
		if (i % 4 == 0)
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_text(st, 4, langs[(i / 4) % 3], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			fail_msg("insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

/*
 * The rows of query with the collector's filters, against ORDER BY with
 * the same filters as SQL over documents (where), keeping keep rows.
 */
static void
check_collector_filter(sqlite3 *db, const char *query, const doc_filter *f, const char *where, int64_t keep)
{
	static rank_best want[DOCS];
	rank_collector *c = rank_collector_new(keep, 1, NULL);
	sqlite3_stmt *st = NULL;
	char sql[512], label[512];
	int nwant = 0;

	assert_non_null(c);
	snprintf(sql, sizeof(sql), "SELECT rowid, irs_rank(fts, 10, 5, 1, 0.5) AS s FROM fts WHERE fts MATCH ?1"
		 " AND rowid IN (SELECT id FROM documents d WHERE %s) ORDER BY s DESC, rowid", where);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	for (; sqlite3_step(st) == SQLITE_ROW && nwant < DOCS; nwant++) {
		want[nwant].id = sqlite3_column_int64(st, 0);
		want[nwant].score = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	rank_collector_filter(c, f);
	run_collector(db, c, query);
	snprintf(label, sizeof(label), "%s where %s", query, where);
	expect_best(c, want, nwant, keep, label);
	rank_collector_free(c);
}

/* Every filter the collector takes, over queries of many matches (the columns read whole) and of few (looked up). */
static void
check_collector_filters(sqlite3 *db)
{
	static const char *queries[] = { "\"the\" OR \"policy\"", "\"summit\"", "\"secur\"*", "\"policy\" \"trade\"",
					 "\"the\" NOT \"members\"", "title:\"energy\"" };
	static const char *md[] = { "text/markdown" }, *two[] = { "text/plain", "application/pdf" };
	static const char *en[] = { "en" }, *none[] = { "de" }, *both[] = { "ru", "en-GB" };
	const struct {
		doc_filter f;
		const char *where;
	} cases[] = {
		{ { "2015-01-01", NULL, NULL, 0, NULL, 0 }, "d.date >= '2015-01-01'" },
		{ { NULL, "2020", NULL, 0, NULL, 0 }, "d.date < '2020'" },
		{ { "2015", "2015-01-01", NULL, 0, NULL, 0 }, "d.date >= '2015' AND d.date < '2015-01-01'" },
		{ { "", "2015-01-01T", NULL, 0, NULL, 0 }, "d.date >= '' AND d.date < '2015-01-01T'" },
		{ { "2030", NULL, NULL, 0, NULL, 0 }, "d.date >= '2030'" },
		{ { NULL, NULL, md, 1, NULL, 0 }, "d.type IN ('text/markdown')" },
		{ { NULL, "2020", md, 1, NULL, 0 }, "d.date < '2020' AND d.type IN ('text/markdown')" },
		{ { NULL, NULL, two, 2, en, 1 }, "d.type IN ('text/plain', 'application/pdf') AND d.language IN ('en')" },
		{ { NULL, NULL, NULL, 0, none, 1 }, "d.language IN ('de')" },
		{ { "2019", NULL, NULL, 0, both, 2 }, "d.date >= '2019' AND d.language IN ('ru', 'en-GB')" },
	};
	size_t q, k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		for (q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
			check_collector_filter(db, queries[q], &cases[k].f, cases[k].where, 10);
			check_collector_filter(db, queries[q], &cases[k].f, cases[k].where, DOCS);
		}
}

static sqlite3 *
open_index_with_documents(const char *date_decl)
{
	sqlite3 *db = open_index();

	add_documents(db, date_decl);
	return db;
}

static void
collector_filters_keep_the_rows_of_the_same_filters_in_sql(void **state)
{
	sqlite3 *db = open_index_with_documents("TEXT");

	(void)state;
	/* The first statements look the rows up, until they read the columns whole; then from those. */
	check_collector_filters(db);
	/* Another version of the index: the columns kept are no longer its own. */
	assert_int_equal(sqlite3_exec(db, "UPDATE documents SET date = '2016-06-06', language = 'ru' WHERE id % 3 = 0;"
				      "DELETE FROM documents WHERE id % 11 = 0;"
				      "INSERT INTO documents VALUES(23, 'text/markdown', '2017', 'en')", NULL, NULL, NULL),
			 SQLITE_OK);
	check_collector_filters(db);
	/* Inside a writing transaction, whose own changes move no data version: lookups only. */
	assert_int_equal(sqlite3_exec(db, "BEGIN; UPDATE documents SET type = 'text/markdown' WHERE id % 5 = 0", NULL,
				      NULL, NULL), SQLITE_OK);
	check_collector_filters(db);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	check_collector_filters(db);
	connection_close(db);
}

/* A column that holds numbers and blobs, which SQL orders before and after every text: the lookups compare them so. */
static void
collector_filters_order_numbers_and_blobs_as_sql_does(void **state)
{
	sqlite3 *db = open_index_with_documents("");

	(void)state;
	assert_int_equal(sqlite3_exec(db, "UPDATE documents SET date = 2016 WHERE id % 10 = 1;"
				      "UPDATE documents SET date = x'32303136' WHERE id % 10 = 2", NULL, NULL, NULL),
			 SQLITE_OK);
	check_collector_filters(db);
	connection_close(db);
}

/*
 * Runs query through a collector keeping keep rows that tells candidates
 * (up to cap, with no minimum of matches); checks that every kept row was
 * told, and returns how many rows were, or -1 when the collector says some
 * were not.
 */
static int64_t
check_candidates(sqlite3 *db, const char *query, const doc_filter *f, int64_t keep, int64_t cap)
{
	static char told[DOCS + 1];
	rank_collector *c = rank_collector_new(keep, 1, NULL);
	const rank_best *best;
	sqlite3_stmt *st = NULL;
	int64_t nbest, ntold = 0, i;
	int rc;

	assert_non_null(c);
	memset(told, 0, sizeof(told));
	if (f != NULL)
		rank_collector_filter(c, f);
	rank_collector_candidates(c, cap, 0);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid, irs_rank(fts, 10, 5, 1, 0.5, ?1) FROM fts"
					    " WHERE fts MATCH ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_pointer(st, 1, c, RANK_COLLECTOR_TYPE, NULL);
	sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* 1 or 0 for a row the collector wants, NULL for one its filters drop. */
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		assert_int_equal(sqlite3_column_type(st, 1), SQLITE_INTEGER);
		if (sqlite3_column_int(st, 1) == 1) {
			told[sqlite3_column_int64(st, 0)] = 1;
			ntold++;
		}
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(rank_collector_finish(c), 0);
	assert_true(ntold <= cap);
	if (!rank_collector_candidates_complete(c)) {
		rank_collector_free(c);
		return -1;
	}
	nbest = rank_collector_best(c, &best);
	for (i = 0; i < nbest; i++)
		if (!told[best[i].id])
			fail_msg("%s, keep %lld: row %lld ranks %lld but was not told a candidate", query,
				 (long long)keep, (long long)best[i].id, (long long)i);
	rank_collector_free(c);
	return ntold;
}

static void
candidates_hold_every_row_of_the_kept_page(void **state)
{
	static const char *queries[] = { "\"the\"", "\"policy\"", "\"secur\"*", "\"the members\"",
					 "\"the\" NOT \"members\"", "\"policy\" \"summit\"",
					 "\"energy\" OR \"trade\" OR \"secure\"" };
	static const char *md[] = { "text/markdown" };
	const doc_filter f = { "2015", NULL, md, 1, NULL, 0 };
	sqlite3 *db = open_index_with_documents("TEXT");
	int64_t keep, told;
	size_t q;

	(void)state;
	/* Every keep up to 40, so that some cut between rows of equal scores (every tenth document repeats the one before). */
	for (q = 0; q < sizeof(queries) / sizeof(queries[0]); q++)
		for (keep = 1; keep <= 40; keep++) {
			told = check_candidates(db, queries[q], NULL, keep, DOCS);
			assert_true(told >= 0);
			/* A word in most documents: far fewer rows told than it has. */
			if (q == 0 && keep <= 10)
				assert_true(told < DOCS / 2);
			assert_true(check_candidates(db, queries[q], &f, keep, DOCS) >= 0);
		}
	/* Past the cap the collector says it told not every row that was due. */
	assert_int_equal(check_candidates(db, "\"the\"", NULL, 10, 5), -1);
	connection_close(db);
}

/* irs_rank's score of each match against the sum of irs_rank_parts' (which always asks FTS5 for lengths). */
static void
check_lengths(sqlite3 *db, const char *query)
{
	sqlite3_stmt *st = NULL;
	int rows = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_rank(fts, 10, 5, 1, 0.5), irs_rank_parts(fts, 10, 5, 1, 0.5)"
					    " FROM fts WHERE fts MATCH ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		double score = sqlite3_column_double(st, 0), part[4], sum;
		int m[3];

		assert_int_equal(sscanf((const char *)sqlite3_column_text(st, 1), "%lf %lf %lf %lf %d %d %d", &part[0],
					&part[1], &part[2], &part[3], &m[0], &m[1], &m[2]), 7);
		sum = part[0] + part[1] + part[2] + part[3];
		if (memcmp(&score, &sum, sizeof(double)) != 0)
			fail_msg("%s, row %d: irs_rank %.17g, its parts %.17g", query, rows, score, sum);
		rows++;
	}
	assert_true(rows > DOCS / 16);	/* enough for the connection's lengths to be read */
	sqlite3_finalize(st);
}

static void
lengths_read_in_one_pass_follow_the_changes_of_the_index(void **state)
{
	sqlite3 *db = open_index();

	(void)state;
	check_lengths(db, "\"the\" OR \"policy\"");
	/* Longer bodies, in another transaction: the lengths kept are no longer the index's. */
	assert_int_equal(sqlite3_exec(db, "UPDATE fts SET body = body || ' ' || body WHERE rowid % 4 = 0", NULL, NULL,
				      NULL), SQLITE_OK);
	check_lengths(db, "\"the\" OR \"policy\"");
	/* And inside a writing transaction, where its own changes move no data version. */
	assert_int_equal(sqlite3_exec(db, "BEGIN; UPDATE fts SET body = body || ' energy' WHERE rowid % 5 = 0", NULL,
				      NULL, NULL), SQLITE_OK);
	check_lengths(db, "\"the\" OR \"policy\"");
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	check_lengths(db, "\"the\" OR \"energy\"");
	connection_close(db);
}

static void
a_collector_that_keeps_nothing_counts(void **state)
{
	sqlite3 *db = open_index();
	rank_collector *c = rank_collector_new(0, 1, NULL);
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
	connection_close(db);
}

/* The MATCH texts of the count statements a connection runs, each after a newline. */
struct counts_seen {
	char text[8192];
	size_t used;
	int n;
};

static int
on_statement(unsigned type, void *ctx, void *p, void *x)
{
	struct counts_seen *seen = ctx;
	char *sql = sqlite3_expanded_sql(p);

	(void)type, (void)x;
	if (sql != NULL && strncmp(sql, "SELECT count(*) FROM fts WHERE fts MATCH '", 42) == 0) {
		seen->n++;
		seen->used += (size_t)snprintf(seen->text + seen->used, sizeof(seen->text) - seen->used, "\n%s",
					       sql + 41);
		if (seen->used >= sizeof(seen->text))
			seen->used = sizeof(seen->text) - 1;
	}
	sqlite3_free(sql);
	return 0;
}

/*
 * Every row of query scores the same to the last bit with its IDFs counted
 * from its words' forms (the collector told the MATCH) as from xQueryPhrase;
 * returns how many counts the first way ran.
 */
static int
check_forms(sqlite3 *db, const char *query, struct counts_seen *seen)
{
	rank_collector *plain = rank_collector_new(DOCS, 0, NULL), *forms = rank_collector_new(DOCS, 0, query);
	const rank_best *a, *b;
	int64_t na, nb, i;
	int before;

	assert_non_null(plain);
	assert_non_null(forms);
	run_collector(db, plain, query);
	before = seen->n;
	run_collector(db, forms, query);
	na = rank_collector_best(plain, &a);
	nb = rank_collector_best(forms, &b);
	if (na == 0 || na != nb || rank_collector_rows(plain) != rank_collector_rows(forms))
		fail_msg("%s: %lld rows from xQueryPhrase, %lld from the forms", query, (long long)na,
			 (long long)nb);
	for (i = 0; i < na; i++)
		if (a[i].id != b[i].id || memcmp(&a[i].score, &b[i].score, sizeof(double)) != 0)
			fail_msg("%s, rank %lld: row %lld score %.17g from the forms, %lld %.17g from xQueryPhrase",
				 query, (long long)i, (long long)b[i].id, b[i].score, (long long)a[i].id,
				 a[i].score);
	rank_collector_free(plain);
	rank_collector_free(forms);
	return seen->n - before;
}

static void
a_word_counts_its_rows_from_its_forms_to_the_same_scores(void **state)
{
	static const struct {
		const char *query;
		int counts;	/* phrases counted from their forms; the others by xQueryPhrase */
	} cases[] = {
		{ "\"policy\"", 1 },
		{ "\"policy\" AND \"summit\"", 2 },
		{ "\"cooperating\" AND \"secure\" AND \"trade\"", 3 },
		{ "{title} : \"policy\" AND \"trade\"", 2 },
		{ "{title} : (\"policy\" OR \"security\") AND \"members\"", 3 },
		{ "(\"trade\" OR (\"members\" NOT \"cooperation\")) AND \"energy\"", 3 },
		{ "NEAR(\"policy\" \"trade\", 5)", 2 },
		{ "{body} : NEAR(\"secure\" \"members\")", 2 },
		{ "\"the members\" AND \"policy\"", 1 },	/* a phrase of two words: xQueryPhrase */
		{ "\"secur\"* AND \"trade\"", 1 },		/* a prefix: xQueryPhrase */
		{ "\"pol\"\"icy\" OR \"trade\"", 1 },	/* "pol" then "icy": two words */
		{ "policy AND trade", 0 },			/* bare words: not what query.c writes */
		{ "\"policy\" + \"trade\"", 0 },
		{ "title : \"policy\" AND \"trade\"", 0 },
	};
	struct counts_seen seen;
	sqlite3 *db = open_index();
	size_t i;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, on_statement, &seen);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int counts = check_forms(db, cases[i].query, &seen);

		if (counts != cases[i].counts)
			fail_msg("%s: %d counts from the forms, want %d", cases[i].query, counts, cases[i].counts);
	}
	/* Inside a writing transaction, the counts see its changes, as xQueryPhrase does. */
	assert_int_equal(sqlite3_exec(db, "BEGIN; DELETE FROM fts WHERE rowid % 7 = 0;"
				      "UPDATE fts SET body = body || ' cooperation policies' WHERE rowid % 5 = 0",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(check_forms(db, "\"cooperating\" AND \"policy\"", &seen), 2);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(check_forms(db, "\"cooperating\" AND \"policy\"", &seen), 2);
	/* The word and the other words of its stem in the index, exact, under the word's column filter. */
	assert_non_null(strstr(seen.text, "'\"\x02" "policy\" OR \"\x02" "policies\"'"));
	assert_non_null(strstr(seen.text, "'{title} : (\"\x02" "policy\" OR \"\x02" "policies\")'"));
	assert_non_null(strstr(seen.text, "'{title} : (\"\x02" "security\" OR \"\x02" "secure\")'"));
	assert_non_null(strstr(seen.text, "'\"\x02" "cooperating\" OR \"\x02" "cooperation\"'"));
	connection_close(db);
}

/*
 * query written with its words' forms ORed, through collectors told the
 * words, keeps the rows and the scores, to the last bit, of query itself
 * through a collector of the same keep; returns the phrases of the text
 * the statement ran (0 when no word was widened).
 */
static int
check_words(sqlite3 *db, const char *query, const char *dropped, int64_t keep, int every_match)
{
	rank_collector *plain = rank_collector_new(keep, every_match, query);
	rank_collector *words = rank_collector_new(keep, every_match, query);
	unsigned char word[PHRASE_FORMS_MAX];
	const rank_best *a, *b;
	char *widened = NULL;
	int64_t na, nb, i;
	int nphrases = 0;

	assert_non_null(plain);
	assert_non_null(words);
	assert_int_equal(phrase_forms_rewrite(connection_forms(db), query, &widened, word, &nphrases),
			 SQLITE_OK);
	if (widened != NULL)
		assert_int_equal(rank_collector_words(words, word, nphrases), 0);
	if (dropped != NULL) {
		rank_collector_excluded(plain, count_of(db, dropped));
		rank_collector_excluded(words, count_of(db, dropped));
	}
	run_collector(db, plain, query);
	run_collector(db, words, widened != NULL ? widened : query);
	na = rank_collector_best(plain, &a);
	nb = rank_collector_best(words, &b);
	if (na == 0 || na != nb || rank_collector_rows(plain) != rank_collector_rows(words))
		fail_msg("%s: %lld rows kept of %lld as written, %lld of %lld as forms", query, (long long)na,
			 (long long)rank_collector_rows(plain), (long long)nb, (long long)rank_collector_rows(words));
	for (i = 0; i < na; i++)
		if (a[i].id != b[i].id || memcmp(&a[i].score, &b[i].score, sizeof(double)) != 0)
			fail_msg("%s, keep %lld, rank %lld: row %lld score %.17g as forms, %lld %.17g as written",
				 query, (long long)keep, (long long)i, (long long)b[i].id, b[i].score,
				 (long long)a[i].id, a[i].score);
	rank_collector_free(plain);
	rank_collector_free(words);
	sqlite3_free(widened);
	return widened != NULL ? nphrases : 0;
}

/*
 * check_words for query with the collector keeping all rows (every match
 * or not), 10 and 1; each time the rewritten MATCH has nphrases phrases.
 */
static void
check_words_every_way(sqlite3 *db, const char *query, const char *dropped, int64_t all, int nphrases)
{
	const struct {
		int64_t keep;
		int every_match;
	} ways[] = { { all, 0 }, { all, 1 }, { 10, 1 }, { 1, 1 } };
	size_t w;

	for (w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
		int n;

		if (dropped != NULL && !ways[w].every_match)
			continue;	/* rank_collector_excluded wants every match */
		n = check_words(db, query, dropped, ways[w].keep, ways[w].every_match);
		if (n != nphrases)
			fail_msg("%s: %d phrases rewritten, want %d", query, n, nphrases);
	}
}

static void
words_written_as_their_forms_score_as_the_words(void **state)
{
	static const struct {
		const char *query, *dropped;	/* dropped: the rows of "P NOT Q" the NOT drops */
		int nphrases;	/* of the text with the forms ORed; 0: none widened */
	} cases[] = {
		{ "\"policy\"", NULL, 2 },	/* one word, 2 forms: its IDF waits for the count */
		{ "{title} : \"cooperating\"", NULL, 2 },
		{ "\"policy\" AND \"summit\"", NULL, 3 },	/* summit has one form: as it is */
		{ "\"cooperating\" AND \"secure\" AND \"trade\"", NULL, 5 },	/* the proximity bonus */
		{ "\"policy\" AND \"policies\"", NULL, 4 },	/* two words of the same forms, at the same places */
		{ "{title} : (\"policy\" OR \"security\") AND \"members\"", NULL, 5 },
		{ "(\"trade\" OR (\"members\" NOT \"cooperation\")) AND \"energy\"", NULL, 5 },
		{ "NEAR(\"policy\" \"trade\", 5) AND \"secure\"", NULL, 4 },	/* NEAR's words stay */
		{ "\"the members\" AND \"policy\"", NULL, 3 },	/* a phrase of two words stays */
		{ "\"secur\"* AND \"policy\"", NULL, 3 },		/* a prefix stays */
		{ "\"policy\" NOT \"summit\"", "\"policy\" AND (\"summit\")", 3 },
		{ "\"summit\" AND \"trade\"", NULL, 0 },	/* no word of several forms */
	};
	sqlite3 *db = open_index();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_words_every_way(db, cases[i].query, cases[i].dropped, DOCS, cases[i].nphrases);
	connection_close(db);
}

/*
 * An index where policy (with policies) fills many leaf pages, summit
 * few, and security and secure alike, in one segment with optimize:
 * "summit policy" is split by policy's forms (phrase_forms_rewrite).
 */
static sqlite3 *
open_big_index(int optimize)
{
	sqlite3 *db = connection_open(":memory:", 1);
	char body[4096];
	int i, k;

	if (sqlite3_exec(db,
	                 IRS_VOCABULARY_SCHEMA ";"
	                                       "CREATE VIRTUAL TABLE fts USING fts5(title, author, "
	                                       "body, tokenize='irsearch english');"
	                                       "INSERT INTO fts(fts, rank) VALUES('pgsz', 128)",
	                 NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("creating the table: %s", sqlite3_errmsg(db));
	/* Three transactions: three segments, unless optimized into one. */
	for (i = 0; i < 200; i++) {
		size_t n = 0;
		char *sql;

		if (i % 67 == 0)
			assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
		for (k = 0; k < 60 + i % 70; k++)
			n += (size_t)snprintf(body + n, sizeof(body) - n, "%s ",
			                      k % (10 + i % 30) == 3 && i % 3 == 0 ? "summit"
			                      : (i * 7 + k) % 23 == 0              ? "policies"
			                      : k % 3 == 0                         ? "trade"
			                      : k % 3 == 1 ? (k % 2 ? "security" : "secure")
			                                   : "policy");
		sql = sqlite3_mprintf("INSERT INTO fts(title, body) VALUES('%s summit', %Q)",
		                      i % 7 == 0 ? "policy" : "trade", body);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_free(sql);
		if (i % 67 == 66 || i == 199)
			assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	}
	if (optimize)
		assert_int_equal(sqlite3_exec(db, "INSERT INTO fts(fts) VALUES('optimize')", NULL,
		                              NULL, NULL),
		                 SQLITE_OK);
	return db;
}

/*
 * A phrase split by its big word's forms, through collectors told its
 * copies are one phrase, keeps the rows and the scores, to the last bit,
 * of the phrase as written: its frequencies, its proximity to the other
 * words, its IDF counted from the copies.
 */
static void
a_phrase_split_by_its_forms_scores_as_the_phrase(void **state)
{
	static const struct {
		const char *query, *dropped;
		int nphrases;
	} cases[] = {
	        {"\"summit policy\"", NULL, 2}, /* one phrase: its IDF waits for the count */
	        {"\"summit policy\" AND \"trade\"", NULL, 3},
	        {"{body} : \"summit policies\" OR \"policy\"", NULL, 4},
	        {"\"policy summit\" AND \"summit\"", NULL, 3},
	        {"\"summit summit policy\" OR \"summit policy\"", NULL, 4},
	        {"\"summit policy\" NOT \"summit trade\"",
	         "\"summit policy\" AND (\"summit trade\")", 3},
	        {"\"policy trade\" AND \"summit\"", NULL, 3},
	        /* security and secure alike: whole */
	        {"\"summit security\" AND \"policy\"", NULL, 3},
	};
	sqlite3 *db = open_big_index(1);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_words_every_way(db, cases[i].query, cases[i].dropped, 200, cases[i].nphrases);
	connection_close(db);
	/* In three segments (each read for the sizes): the same scores. */
	db = open_big_index(0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		(void)check_words(db, cases[i].query, cases[i].dropped, 10, 1);
	assert_int_equal(check_words(db, "\"summit policy\"", NULL, 10, 1), 2);
	connection_close(db);
}

/* A statement whose phrases are not the ones the collector was told fails, rather than score other words. */
static void
words_that_do_not_fit_the_match_fail_the_statement(void **state)
{
	static const unsigned char word[] = { 0, 0, 0 }, unordered[] = { 0, 2, 1 }, late[] = { 1, 1 };
	rank_collector *c = rank_collector_new(10, 1, "\"policy\"");
	sqlite3 *db = open_index();
	sqlite3_stmt *st = NULL;
	int rc;

	(void)state;
	assert_non_null(c);
	/* Maps that are not words in order are refused. */
	assert_int_equal(rank_collector_words(c, unordered, 3), -1);
	assert_int_equal(rank_collector_words(c, late, 2), -1);
	assert_int_equal(rank_collector_words(c, word, 0), -1);
	assert_int_equal(rank_collector_words(c, word, 3), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT irs_rank(fts, 10, 5, 1, 0.5, ?1) FROM fts WHERE fts MATCH ?2",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_pointer(st, 1, c, RANK_COLLECTOR_TYPE, NULL);
	sqlite3_bind_text(st, 2, "\"\x02policy\" OR \"\x02policies\"", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	assert_int_equal(rc, SQLITE_MISMATCH);
	sqlite3_finalize(st);
	rank_collector_free(c);
	connection_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(one_phrase_scores_the_same_when_its_idf_waits_for_the_count),
	        cmocka_unit_test(the_kept_page_is_the_order_by_page),
	        cmocka_unit_test(a_collector_that_keeps_nothing_counts),
	        cmocka_unit_test(lengths_read_in_one_pass_follow_the_changes_of_the_index),
	        cmocka_unit_test(collector_filters_keep_the_rows_of_the_same_filters_in_sql),
	        cmocka_unit_test(collector_filters_order_numbers_and_blobs_as_sql_does),
	        cmocka_unit_test(candidates_hold_every_row_of_the_kept_page),
	        cmocka_unit_test(a_word_counts_its_rows_from_its_forms_to_the_same_scores),
	        cmocka_unit_test(words_written_as_their_forms_score_as_the_words),
	        cmocka_unit_test(a_phrase_split_by_its_forms_scores_as_the_phrase),
	        cmocka_unit_test(words_that_do_not_fit_the_match_fail_the_statement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
