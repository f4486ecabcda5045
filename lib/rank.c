/*
 * rank.c - BM25 with a floor-free IDF and a proximity bonus (see rank.h).
 *
 * Per query, the IDF of each phrase is computed once (xQueryPhrase counts
 * the rows holding it) and kept with xSetAuxdata, as FTS5's own bm25()
 * does; per row, the phrases' instances give the weighted term frequencies
 * and the positions for the proximity bonus.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/rank.h"
#include "irsearch/tokenize.h"

#define K1 1.2
#define B 0.75
#define NCOLS 3
#define MAX_PHRASES 64
#define MAX_INSTANCES 8192	/* instances looked at per row for proximity */

struct query_stats {
	int nphrases;
	double avgdl;		/* average tokens per row */
	double idf[MAX_PHRASES];
};

/* One row's score, split the way --explain shows it. */
struct parts {
	double column[NCOLS];
	double proximity;
	int matches[NCOLS];
};

struct inst {
	int col, off, phrase;
};

static int
count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud)
{
	(void)api, (void)fts;
	(*(sqlite3_int64 *)ud)++;
	return SQLITE_OK;
}

/* The query's IDFs and average row length, computed on the first row and kept. */
static struct query_stats *
query_stats(const Fts5ExtensionApi *api, Fts5Context *fts, int *rc)
{
	struct query_stats *qs = api->xGetAuxdata(fts, 0);
	sqlite3_int64 rows = 0, tokens = 0;
	int i;

	if (qs != NULL)
		return qs;
	qs = calloc(1, sizeof(*qs));
	if (qs == NULL) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	*rc = api->xRowCount(fts, &rows);
	if (*rc == SQLITE_OK)
		*rc = api->xColumnTotalSize(fts, -1, &tokens);
	qs->avgdl = rows > 0 ? (double)tokens / (double)rows : 1.0;
	qs->nphrases = api->xPhraseCount(fts) < MAX_PHRASES ? api->xPhraseCount(fts) : MAX_PHRASES;
	for (i = 0; *rc == SQLITE_OK && i < qs->nphrases; i++) {
		sqlite3_int64 n = 0;

		*rc = api->xQueryPhrase(fts, i, &n, count_row);
		qs->idf[i] = log(1.0 + ((double)rows - (double)n + 0.5) / ((double)n + 0.5));
	}
	if (*rc == SQLITE_OK)
		*rc = api->xSetAuxdata(fts, qs, free);
	else
		free(qs);
	return *rc == SQLITE_OK ? qs : NULL;
}

static int
compare_inst(const void *a, const void *b)
{
	const struct inst *x = a, *y = b;

	if (x->col != y->col)
		return x->col - y->col;
	return x->off - y->off;
}

/*
 * Whether every phrase present in the row (at least two) occurs within
 * RANK_PROXIMITY_SPAN words of the others in one column: the smallest
 * window over the sorted instances that holds each present phrase.
 */
static int
phrases_close(struct inst *in, int n, const unsigned char *present, int npresent)
{
	int have[MAX_PHRASES] = { 0 };
	int lo = 0, hi, covered = 0;

	if (npresent < 2 || n < 2)
		return 0;
	qsort(in, (size_t)n, sizeof(*in), compare_inst);
	for (hi = 0; hi < n; hi++) {
		if (hi > 0 && in[hi].col != in[hi - 1].col) {
			memset(have, 0, sizeof(have));
			covered = 0;
			lo = hi;
		}
		if (present[in[hi].phrase] && have[in[hi].phrase]++ == 0)
			covered++;
		while (covered == npresent) {
			if (in[hi].off - in[lo].off <= RANK_PROXIMITY_SPAN)
				return 1;
			if (present[in[lo].phrase] && --have[in[lo].phrase] == 0)
				covered--;
			lo++;
		}
	}
	return 0;
}

static int
score_row(const Fts5ExtensionApi *api, Fts5Context *fts, const double *weight, double proximity,
	  struct parts *out)
{
	double f[MAX_PHRASES] = { 0 }, per_col[MAX_PHRASES][NCOLS];
	unsigned char present[MAX_PHRASES] = { 0 };
	struct inst *in = NULL;
	struct query_stats *qs;
	int dl = 0;
	int count = 0, rc = SQLITE_OK, i, c, n = 0, npresent = 0;
	double norm;

	memset(out, 0, sizeof(*out));
	memset(per_col, 0, sizeof(per_col));
	qs = query_stats(api, fts, &rc);
	if (qs == NULL)
		return rc;
	if ((rc = api->xInstCount(fts, &count)) != SQLITE_OK || (rc = api->xColumnSize(fts, -1, &dl)) != SQLITE_OK)
		return rc;
	in = malloc(sizeof(*in) * (size_t)(count < MAX_INSTANCES ? count + 1 : MAX_INSTANCES));
	if (in == NULL)
		return SQLITE_NOMEM;
	for (i = 0; i < count; i++) {
		int phrase, col, off;

		if ((rc = api->xInst(fts, i, &phrase, &col, &off)) != SQLITE_OK)
			break;
		if (phrase >= qs->nphrases || col < 0 || col >= NCOLS)
			continue;
		f[phrase] += weight[col];
		per_col[phrase][col] += weight[col];
		out->matches[col]++;
		if (!present[phrase]) {
			present[phrase] = 1;
			npresent++;
		}
		if (n < MAX_INSTANCES) {
			in[n].col = col;
			in[n].off = off;
			in[n].phrase = phrase;
			n++;
		}
	}
	norm = K1 * (1.0 - B + B * (double)dl / qs->avgdl);
	for (i = 0; rc == SQLITE_OK && i < qs->nphrases; i++) {
		double contribution;

		if (f[i] <= 0.0)
			continue;
		contribution = qs->idf[i] * f[i] * (K1 + 1.0) / (f[i] + norm);
		/* Each column gets its share of the phrase's weighted frequency: the parts add up. */
		for (c = 0; c < NCOLS; c++)
			out->column[c] += contribution * per_col[i][c] / f[i];
	}
	if (rc == SQLITE_OK && proximity > 0.0 && phrases_close(in, n, present, npresent))
		for (i = 0; i < qs->nphrases; i++)
			if (present[i])
				out->proximity += proximity * qs->idf[i];
	free(in);
	return rc;
}

/* Reads the column weights and the proximity factor from the function's arguments. */
static int
read_args(sqlite3_context *ctx, int argc, sqlite3_value **argv, double *weight, double *proximity)
{
	int c;

	if (argc != NCOLS + 1 && argc != NCOLS + 2) {
		sqlite3_result_error(ctx, "irs_rank takes title, author and body weights, a proximity factor"
				     " and optionally a row counter", -1);
		return -1;
	}
	for (c = 0; c < NCOLS; c++)
		weight[c] = sqlite3_value_double(argv[c]);
	*proximity = sqlite3_value_double(argv[NCOLS]);
	return 0;
}

static void
irs_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	double weight[NCOLS], proximity;
	struct parts p;
	int rc;

	if (read_args(ctx, argc, argv, weight, &proximity) != 0)
		return;
	if (argc == NCOLS + 2) {
		sqlite3_int64 *rows = sqlite3_value_pointer(argv[NCOLS + 1], RANK_COUNTER_TYPE);

		if (rows != NULL)
			(*rows)++;
	}
	rc = score_row(api, fts, weight, proximity, &p);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	sqlite3_result_double(ctx, p.column[0] + p.column[1] + p.column[2] + p.proximity);
}

/* "title author body proximity  matches-title matches-author matches-body" for --explain. */
static void
irs_rank_parts(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc,
	       sqlite3_value **argv)
{
	double weight[NCOLS], proximity;
	struct parts p;
	char buf[256];
	int rc;

	if (read_args(ctx, argc, argv, weight, &proximity) != 0)
		return;
	rc = score_row(api, fts, weight, proximity, &p);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	snprintf(buf, sizeof(buf), "%.17g %.17g %.17g %.17g %d %d %d", p.column[0], p.column[1], p.column[2],
		 p.proximity, p.matches[0], p.matches[1], p.matches[2]);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

irs_code
rank_register(sqlite3 *db, irs_error *e)
{
	fts5_api *api = tokenize_fts5_api(db, e);
	int rc;

	if (api == NULL)
		return e->code;
	if ((rc = api->xCreateFunction(api, "irs_rank", NULL, irs_rank, NULL)) != SQLITE_OK ||
	    (rc = api->xCreateFunction(api, "irs_rank_parts", NULL, irs_rank_parts, NULL)) != SQLITE_OK)
		return irs_fail(e, IRS_INTERNAL, "cannot register the rank functions: %s", sqlite3_errstr(rc));
	return IRS_OK;
}
