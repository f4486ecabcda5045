/*
 * rank.c - BM25 with a floor-free IDF and a proximity bonus (see rank.h).
 *
 * Per query, the IDF of each phrase is computed once (xQueryPhrase counts
 * the rows holding it) and kept with xSetAuxdata, as FTS5's own bm25()
 * does; per row, the phrases' instances give the weighted term frequencies
 * and the positions for the proximity bonus.  A query of one phrase whose
 * every match the statement sees needs no xQueryPhrase: its rows are the
 * phrase's, so a collector keeps their frequencies and scores them once
 * the count is known.
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
	sqlite3_int64 rows;	/* in the table */
	double avgdl;		/* average tokens per row */
	double idf[MAX_PHRASES];
};

/* One row's matches, before the IDFs weigh them; entries past the query's phrases are unset. */
struct row_stats {
	double f[MAX_PHRASES];	/* weighted frequency of each phrase */
	double per_col[MAX_PHRASES][NCOLS];	/* the same, column by column */
	unsigned char present[MAX_PHRASES];
	int matches[NCOLS];	/* instances in each column */
	int dl;			/* tokens in the row */
	int close;		/* the present phrases (two or more) stand within the span */
};

/* A row of a one-phrase query, waiting for the phrase's count of rows. */
struct deferred_row {
	sqlite3_int64 id;
	int dl;
	double f;
	double per_col[NCOLS];
};

struct rank_collector {
	int64_t rows;		/* irs_rank calls */
	int64_t keep;		/* best rows to keep; 0 counts only */
	int every_match;	/* the statement drops none of the MATCH's rows */
	rank_best *best;	/* a heap with the worst kept row first; sorted by finish */
	int64_t nbest, best_cap;
	struct deferred_row *deferred;
	int64_t ndeferred, deferred_cap;
	struct query_stats stats;	/* the deferred query's, without its IDF */
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

static double
idf_of(sqlite3_int64 rows, sqlite3_int64 n)
{
	return log(1.0 + ((double)rows - (double)n + 0.5) / ((double)n + 0.5));
}

/*
 * The query's IDFs and average row length, computed on the first row and
 * kept; with_idf 0 leaves the IDFs to the caller (a deferred query).
 */
static struct query_stats *
query_stats(const Fts5ExtensionApi *api, Fts5Context *fts, int with_idf, int *rc)
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
	qs->rows = rows;
	qs->avgdl = rows > 0 ? (double)tokens / (double)rows : 1.0;
	qs->nphrases = api->xPhraseCount(fts) < MAX_PHRASES ? api->xPhraseCount(fts) : MAX_PHRASES;
	for (i = 0; *rc == SQLITE_OK && with_idf && i < qs->nphrases; i++) {
		sqlite3_int64 n = 0;

		*rc = api->xQueryPhrase(fts, i, &n, count_row);
		qs->idf[i] = idf_of(rows, n);
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

/*
 * The row's instances as weighted frequencies, for its first nphrases
 * phrases; with want_close, whether they stand close (phrases_close).
 */
static int
gather_row(const Fts5ExtensionApi *api, Fts5Context *fts, int nphrases, const double *weight, int want_close,
	   struct row_stats *s)
{
	struct inst *in = NULL;
	int count = 0, rc, i, n = 0, npresent = 0;

	memset(s->f, 0, sizeof(s->f[0]) * (size_t)nphrases);
	memset(s->per_col, 0, sizeof(s->per_col[0]) * (size_t)nphrases);
	memset(s->present, 0, (size_t)nphrases);
	memset(s->matches, 0, sizeof(s->matches));
	s->dl = 0;
	s->close = 0;
	if ((rc = api->xInstCount(fts, &count)) != SQLITE_OK || (rc = api->xColumnSize(fts, -1, &s->dl)) != SQLITE_OK)
		return rc;
	in = malloc(sizeof(*in) * (size_t)(count < MAX_INSTANCES ? count + 1 : MAX_INSTANCES));
	if (in == NULL)
		return SQLITE_NOMEM;
	for (i = 0; i < count; i++) {
		int phrase, col, off;

		if ((rc = api->xInst(fts, i, &phrase, &col, &off)) != SQLITE_OK)
			break;
		if (phrase >= nphrases || col < 0 || col >= NCOLS)
			continue;
		s->f[phrase] += weight[col];
		s->per_col[phrase][col] += weight[col];
		s->matches[col]++;
		if (!s->present[phrase]) {
			s->present[phrase] = 1;
			npresent++;
		}
		if (n < MAX_INSTANCES) {
			in[n].col = col;
			in[n].off = off;
			in[n].phrase = phrase;
			n++;
		}
	}
	if (rc == SQLITE_OK && want_close)
		s->close = phrases_close(in, n, s->present, npresent);
	free(in);
	return rc;
}

/* A row's score from its frequencies and the query's IDFs. */
static void
parts_of(const struct row_stats *s, const struct query_stats *qs, double proximity, struct parts *out)
{
	double norm = K1 * (1.0 - B + B * (double)s->dl / qs->avgdl);
	int i, c;

	memset(out, 0, sizeof(*out));
	memcpy(out->matches, s->matches, sizeof(out->matches));
	for (i = 0; i < qs->nphrases; i++) {
		double contribution;

		if (s->f[i] <= 0.0)
			continue;
		contribution = qs->idf[i] * s->f[i] * (K1 + 1.0) / (s->f[i] + norm);
		/* Each column gets its share of the phrase's weighted frequency: the parts add up. */
		for (c = 0; c < NCOLS; c++)
			out->column[c] += contribution * s->per_col[i][c] / s->f[i];
	}
	if (s->close)
		for (i = 0; i < qs->nphrases; i++)
			if (s->present[i])
				out->proximity += proximity * qs->idf[i];
}

static double
total_of(const struct parts *p)
{
	return p->column[0] + p->column[1] + p->column[2] + p->proximity;
}

static int
score_row(const Fts5ExtensionApi *api, Fts5Context *fts, const double *weight, double proximity,
	  struct parts *out)
{
	struct row_stats s;
	struct query_stats *qs;
	int rc = SQLITE_OK;

	qs = query_stats(api, fts, 1, &rc);
	if (qs == NULL)
		return rc;
	if ((rc = gather_row(api, fts, qs->nphrases, weight, proximity > 0.0, &s)) != SQLITE_OK)
		return rc;
	parts_of(&s, qs, proximity, out);
	return SQLITE_OK;
}

rank_collector *
rank_collector_new(int64_t keep, int every_match)
{
	rank_collector *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->keep = keep > 0 ? keep : 0;
	c->every_match = every_match;
	return c;
}

void
rank_collector_free(rank_collector *c)
{
	if (c == NULL)
		return;
	free(c->best);
	free(c->deferred);
	free(c);
}

int64_t
rank_collector_rows(const rank_collector *c)
{
	return c->rows;
}

int64_t
rank_collector_best(const rank_collector *c, const rank_best **best)
{
	*best = c->best;
	return c->nbest;
}

/* Whether a ranks before b: the higher score, then the lower rowid (the ORDER BY it replaces). */
static int
ranks_before(const rank_best *a, const rank_best *b)
{
	return a->score > b->score || (a->score == b->score && a->id < b->id);
}

static void
heap_swap(rank_best *h, int64_t i, int64_t j)
{
	rank_best t = h[i];

	h[i] = h[j];
	h[j] = t;
}

/* Offers a row to the kept best: a heap of keep rows whose root is the one that ranks last. */
static int
keep_best(rank_collector *c, sqlite3_int64 id, double score)
{
	rank_best row = { id, score };
	int64_t i;

	if (c->nbest == c->keep) {
		if (!ranks_before(&row, &c->best[0]))
			return SQLITE_OK;
		c->best[0] = row;
		for (i = 0;;) {	/* sift down: the child that ranks last comes up */
			int64_t l = 2 * i + 1, r = l + 1, last = i;

			if (l < c->nbest && ranks_before(&c->best[last], &c->best[l]))
				last = l;
			if (r < c->nbest && ranks_before(&c->best[last], &c->best[r]))
				last = r;
			if (last == i)
				return SQLITE_OK;
			heap_swap(c->best, i, last);
			i = last;
		}
	}
	if (c->nbest == c->best_cap) {
		int64_t cap = c->best_cap > 0 ? c->best_cap * 2 : 64;
		rank_best *grown;

		cap = cap < c->keep ? cap : c->keep;
		if ((grown = realloc(c->best, sizeof(*grown) * (size_t)cap)) == NULL)
			return SQLITE_NOMEM;
		c->best = grown;
		c->best_cap = cap;
	}
	c->best[i = c->nbest++] = row;
	for (; i > 0 && ranks_before(&c->best[(i - 1) / 2], &c->best[i]); i = (i - 1) / 2)
		heap_swap(c->best, i, (i - 1) / 2);	/* sift up: the parent must rank last */
	return SQLITE_OK;
}

/* Keeps a row of a one-phrase query for rank_collector_finish. */
static int
defer_row(rank_collector *c, const Fts5ExtensionApi *api, Fts5Context *fts, const double *weight)
{
	struct query_stats *qs;
	struct deferred_row *d;
	struct row_stats s;
	int rc = SQLITE_OK;

	if ((qs = query_stats(api, fts, 0, &rc)) == NULL)
		return rc;
	if ((rc = gather_row(api, fts, 1, weight, 0, &s)) != SQLITE_OK)
		return rc;
	if (c->ndeferred == c->deferred_cap) {
		int64_t cap = c->deferred_cap > 0 ? c->deferred_cap * 2 : 256;
		struct deferred_row *grown = realloc(c->deferred, sizeof(*grown) * (size_t)cap);

		if (grown == NULL)
			return SQLITE_NOMEM;
		c->deferred = grown;
		c->deferred_cap = cap;
	}
	if (c->ndeferred == 0)
		c->stats = *qs;
	d = &c->deferred[c->ndeferred++];
	d->id = api->xRowid(fts);
	d->dl = s.dl;
	d->f = s.f[0];
	memcpy(d->per_col, s.per_col[0], sizeof(d->per_col));
	return SQLITE_OK;
}

static int
compare_best(const void *a, const void *b)
{
	return ranks_before(a, b) ? -1 : ranks_before(b, a) ? 1 : 0;
}

int
rank_collector_finish(rank_collector *c)
{
	int64_t i;

	if (c->ndeferred > 0) {
		struct query_stats qs = c->stats;

		/* Every row of the statement holds the phrase, and only those do. */
		qs.nphrases = 1;
		qs.idf[0] = idf_of(qs.rows, c->rows);
		for (i = 0; i < c->ndeferred; i++) {
			const struct deferred_row *d = &c->deferred[i];
			struct row_stats s;
			struct parts p;

			s.f[0] = d->f;
			memcpy(s.per_col[0], d->per_col, sizeof(d->per_col));
			s.present[0] = 1;
			memset(s.matches, 0, sizeof(s.matches));
			s.dl = d->dl;
			s.close = 0;	/* one phrase: no proximity bonus */
			parts_of(&s, &qs, 0.0, &p);
			if (keep_best(c, d->id, total_of(&p)) != SQLITE_OK)
				return -1;
		}
		free(c->deferred);
		c->deferred = NULL;
		c->ndeferred = c->deferred_cap = 0;
	}
	if (c->nbest > 1)
		qsort(c->best, (size_t)c->nbest, sizeof(*c->best), compare_best);
	return 0;
}

/* Reads the column weights and the proximity factor from the function's arguments. */
static int
read_args(sqlite3_context *ctx, int argc, sqlite3_value **argv, double *weight, double *proximity)
{
	int c;

	if (argc != NCOLS + 1 && argc != NCOLS + 2) {
		sqlite3_result_error(ctx, "irs_rank takes title, author and body weights, a proximity factor"
				     " and optionally a collector", -1);
		return -1;
	}
	for (c = 0; c < NCOLS; c++)
		weight[c] = sqlite3_value_double(argv[c]);
	*proximity = sqlite3_value_double(argv[NCOLS]);
	return 0;
}

/* A collector that keeps the page, a query of one phrase, every match seen: the IDF can wait. */
static int
defers(const rank_collector *c, const Fts5ExtensionApi *api, Fts5Context *fts)
{
	return c != NULL && c->keep > 0 && c->every_match && api->xPhraseCount(fts) == 1;
}

static void
irs_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	double weight[NCOLS], proximity, score;
	rank_collector *c = NULL;
	struct parts p;
	int rc;

	if (read_args(ctx, argc, argv, weight, &proximity) != 0)
		return;
	if (argc == NCOLS + 2 && (c = sqlite3_value_pointer(argv[NCOLS + 1], RANK_COLLECTOR_TYPE)) != NULL)
		c->rows++;
	if (defers(c, api, fts)) {
		if ((rc = defer_row(c, api, fts, weight)) != SQLITE_OK)
			sqlite3_result_error_code(ctx, rc);
		return;		/* NULL: the score comes from rank_collector_finish */
	}
	rc = score_row(api, fts, weight, proximity, &p);
	score = rc == SQLITE_OK ? total_of(&p) : 0.0;
	if (rc == SQLITE_OK && c != NULL && c->keep > 0)
		rc = keep_best(c, api->xRowid(fts), score);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	sqlite3_result_double(ctx, score);
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
