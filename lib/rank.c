/*
 * rank.c - BM25 with a floor-free IDF and a proximity bonus (see rank.h).
 *
 * Per query, the IDF of each phrase is computed once, on the first row
 * that holds the phrase (the b of a NOT b is never walked), and kept
 * with the statement's state (xSetAuxdata), as FTS5's own bm25()
 * does.  The rows holding a phrase of one word are counted from its
 * forms' doclists (a count of "form OR form ..." as exact terms, the
 * forms from the table's tokenizer: phrasecount.h) when the collector
 * has the MATCH's text, since xQueryPhrase would merge the forms'
 * position lists at every row just to count it; other phrases are
 * counted by xQueryPhrase.  Per row, the phrases' instances, read from
 * each one's position list (and merged for the proximity bonus), give
 * the weighted term frequencies.  A query of one phrase whose every
 * match the statement sees needs no count: its rows are the phrase's,
 * so a collector keeps their frequencies and scores them once the count
 * is known.  A MATCH whose words are written as their forms ORed
 * (rank_collector_words) is scored by word: each word's phrases are
 * merged as one, its count comes from the words' own MATCH.
 *
 * A row's length is FTS5's xColumnSize, one SQL lookup in fts_docsize a
 * row, until a statement has looked up more than a sixteenth of the
 * table's rows: then the connection reads every length in one pass and
 * keeps them, by rowid, for as long as the database does not change
 * (SQLITE_FCNTL_DATA_VERSION).  For a word in half of 100,000 documents
 * the lookups were a third of the search.
 *
 * A collector's filters (rank_collector_filter) are tested the same way:
 * one lookup in documents a row, until a statement has made more than
 * rows / IRS_FIELDS_AFTER_SHARE of them; then the connection reads the
 * columns the filters test (date, type, language) of every document in
 * one pass (docfields.h) and keeps them for the snapshot, as the lengths.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/limits.h"
#include "irsearch/phrasecount.h"
#include "irsearch/rank.h"
#include "irsearch/tokenize.h"

#define K1 1.2
#define B 0.75
#define NCOLS 3
#define MAX_PHRASES 64
#define MAX_INSTANCES 8192	/* instances looked at per row for proximity */
/*
 * A deferred row within this share of the least of the keep best bounds
 * is told a candidate too: its score may round to a tie.  Past rounding
 * (a few ulps a sum) by far.
 */
#define CANDIDATE_MARGIN 1e-6

struct query_stats {
	int nphrases;
	sqlite3_int64 rows;	/* in the table */
	sqlite3_int64 tokens;	/* in the table */
	double avgdl;		/* average tokens per row */
	double idf[MAX_PHRASES];
};

struct inst {
	int col, off, phrase;
};

/* Whether a connection's copy of a table serves the snapshot it was read for. */
enum cache_state { CACHE_NONE, CACHE_LOADED, CACHE_REFUSED };

/* fts_docsize read in one pass, by rowid, for the state of the database that version names. */
struct doc_lengths {
	enum cache_state state;
	sqlite3_int64 version;	/* SQLITE_FCNTL_DATA_VERSION when loaded (or refused) */
	int *len;		/* tokens of each rowid below nlen; -1 where there is no row */
	sqlite3_int64 nlen;
};

/* The documents columns the filters test (docfields.h), for the state of the database that version names. */
struct conn_fields {
	enum cache_state state;
	sqlite3_int64 version;	/* SQLITE_FCNTL_DATA_VERSION when loaded (or refused) */
	doc_fields df;
};

/* irs_rank's user data, freed with the connection: what it keeps of the connection's index. */
struct rank_conn {
	sqlite3 *db;
	phrase_tokenizer *forms;	/* the caller's (rank_register), for a phrase's forms */
	struct doc_lengths lengths;
	struct conn_fields fields;
};

/*
 * One statement's state (its cursor's auxdata): the query's figures, a
 * buffer for the rows' instances, and whether the connection's lengths
 * fit this statement's snapshot.
 */
struct rank_cursor {
	struct query_stats stats;
	sqlite3 *db;		/* the connection, for the filters' lookups */
	phrase_tokenizer *forms;	/* the connection's (phrasecount.h); or NULL */
	struct doc_lengths *lengths;	/* NULL when they cannot serve this statement */
	struct conn_fields *fields;	/* likewise */
	sqlite3_int64 version;	/* the statement's SQLITE_FCNTL_DATA_VERSION */
	sqlite3_int64 looked_up;	/* lengths asked of xColumnSize */
	sqlite3_int64 fields_looked_up;	/* rows whose filtered columns came from lookup */
	sqlite3_stmt *lookup;	/* one documents row's filtered columns, by id */
	doc_filter_ids filter;	/* the collector's filter against fields */
	int ncols;		/* the table's */
	unsigned char idf_known[MAX_PHRASES];	/* stats.idf[i] is computed */
	struct inst *inst;
	int inst_cap;
	unsigned char word[MAX_PHRASES];	/* the query word of each FTS5 phrase */
	int nfts;		/* FTS5's phrases (at most MAX_PHRASES are read) */
	int mapped;		/* word maps several phrases to one word (rank_collector_words) */
	int counts_opened;	/* phrase_counts_open was asked: counts is what it gave */
	phrase_counts *counts;	/* the MATCH read, for rows_from_forms; NULL when it cannot be */
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
	int64_t seen;		/* irs_rank calls: the statement's matches */
	int64_t rows;		/* those among them that pass the filters (all, without filters) */
	int64_t keep;		/* best rows to keep; 0 counts only */
	int every_match;	/* the statement drops none of the MATCH's rows */
	int first_only;		/* only the first phrase can hold instances (rank_collector_excluded) */
	int64_t excluded;	/* its rows the MATCH drops */
	rank_best *best;	/* a heap with the worst kept row first; sorted by finish */
	int64_t nbest, best_cap;
	struct deferred_row *deferred;
	int64_t ndeferred, deferred_cap;
	struct query_stats stats;	/* the deferred query's, without its IDF */
	doc_filter filter;	/* the caller's strings (rank_collector_filter) */
	int filtered;
	int64_t cand_cap;	/* rows at most told candidates (rank_collector_candidates); 0: none */
	int64_t cand_min;	/* matches the statement must come to for candidates to be told */
	int64_t ncand;
	int cand_over;		/* a row that may make the page was not told: past cand_cap */
	int last_kept;		/* keep_best took the last row offered */
	double *bound;		/* a deferred query's keep best bounds (bound_of), worst first */
	int64_t nbound;
	const char *match;	/* the statement's MATCH, the caller's; or NULL */
	unsigned char word[MAX_PHRASES];	/* the query word of each FTS5 phrase (rank_collector_words) */
	int nword;		/* FTS5 phrases word maps; 0: each phrase is a word */
};

/* One row's score, split the way --explain shows it. */
struct parts {
	double column[NCOLS];
	double proximity;
	int matches[NCOLS];
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

static void
rank_conn_free(void *p)
{
	struct rank_conn *conn = p;

	if (conn == NULL)
		return;
	free(conn->lengths.len);
	docfields_clear(&conn->fields.df);
	free(conn);
}

static void
rank_cursor_free(void *p)
{
	struct rank_cursor *rc = p;

	if (rc == NULL)
		return;
	sqlite3_finalize(rc->lookup);
	phrase_counts_close(rc->counts);
	docfields_ids_clear(&rc->filter);
	free(rc->inst);
	free(rc);
}

/*
 * Whether what the connection keeps can serve a statement reading the
 * snapshot *version: in a read transaction only (a writer's own changes
 * move no version until they commit).  What was read for another version
 * is dropped, to be read again if needed; the caller takes each part
 * unless it was refused for this version.
 */
static int
conn_serves(struct rank_conn *conn, sqlite3_int64 *version)
{
	int v = 0;

	if (conn == NULL || sqlite3_txn_state(conn->db, "main") != SQLITE_TXN_READ ||
	    sqlite3_file_control(conn->db, "main", SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK)
		return 0;
	*version = v;
	if (conn->lengths.state != CACHE_NONE && conn->lengths.version != *version)
		conn->lengths.state = CACHE_NONE;
	if (conn->fields.state != CACHE_NONE && conn->fields.version != *version)
		conn->fields.state = CACHE_NONE;
	return 1;
}

/*
 * The query's figures and the statement's state, kept as the cursor's
 * auxdata.  The IDFs come later (phrase_idfs), or with with_idf 0 from
 * the collector (a deferred query).
 */
static struct rank_cursor *
rank_cursor(const Fts5ExtensionApi *api, Fts5Context *fts, const rank_collector *c, int with_idf, int *rc)
{
	struct rank_cursor *cur = api->xGetAuxdata(fts, 0);
	struct rank_conn *conn;
	struct query_stats *qs;
	sqlite3_int64 rows = 0, tokens = 0;
	int i;

	if (cur != NULL)
		return cur;
	if ((cur = calloc(1, sizeof(*cur))) == NULL) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	qs = &cur->stats;
	*rc = api->xRowCount(fts, &rows);
	if (*rc == SQLITE_OK)
		*rc = api->xColumnTotalSize(fts, -1, &tokens);
	qs->rows = rows;
	qs->tokens = tokens;
	qs->avgdl = rows > 0 ? (double)tokens / (double)rows : 1.0;
	cur->nfts = api->xPhraseCount(fts) < MAX_PHRASES ? api->xPhraseCount(fts) : MAX_PHRASES;
	for (i = 0; i < cur->nfts; i++)
		cur->word[i] = (unsigned char)i;
	qs->nphrases = cur->nfts;
	if (c != NULL && c->nword > 0) {
		/* The words told must be the statement's phrases, in order: else its MATCH is not theirs. */
		if (c->nword != api->xPhraseCount(fts))
			*rc = SQLITE_MISMATCH;
		memcpy(cur->word, c->word, sizeof(cur->word));
		qs->nphrases = cur->nfts > 0 ? cur->word[cur->nfts - 1] + 1 : 0;
		cur->mapped = 1;
	}
	/* Without with_idf, the IDFs are not wanted: as if known. */
	memset(cur->idf_known, !with_idf, sizeof(cur->idf_known));
	cur->ncols = api->xColumnCount(fts);
	if ((conn = api->xUserData(fts)) != NULL) {
		cur->db = conn->db;
		cur->forms = conn->forms;
	}
	if (conn_serves(conn, &cur->version)) {
		cur->lengths = conn->lengths.state != CACHE_REFUSED ? &conn->lengths : NULL;
		cur->fields = conn->fields.state != CACHE_REFUSED ? &conn->fields : NULL;
	}
	if (*rc == SQLITE_OK)
		*rc = api->xSetAuxdata(fts, cur, rank_cursor_free);	/* frees cur when it fails */
	else
		rank_cursor_free(cur);
	return *rc == SQLITE_OK ? cur : NULL;
}

/*
 * The sum of the first ncols varints of a docsize blob (a row's tokens in
 * each column, as FTS5 writes them); -1 when it is malformed.
 */
static int
blob_length(const unsigned char *p, int n, int ncols)
{
	sqlite3_int64 sum = 0;
	int i = 0, c;

	for (c = 0; c < ncols; c++) {
		sqlite3_int64 v = 0;
		int k;

		for (k = 0; k < 9 && i < n; k++) {
			v = (v << 7) | (p[i] & 0x7f);
			if ((p[i++] & 0x80) == 0)
				break;
		}
		if (k == 9 || i == 0 || (p[i - 1] & 0x80) != 0 || v > INT32_MAX)
			return -1;
		sum += v;
	}
	return sum <= INT32_MAX ? (int)sum : -1;
}

/* Reads fts_docsize into dl->len; SQLITE_OK, or an error (dl then holds nothing). */
static int
read_lengths(sqlite3 *db, struct doc_lengths *dl, const struct query_stats *qs, int ncols)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 rows = 0, tokens = 0, top = -1;
	int rc = sqlite3_prepare_v2(db, "SELECT max(id) FROM fts_docsize", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		top = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_ROW)
		return rc == SQLITE_OK || rc == SQLITE_DONE ? SQLITE_ERROR : rc;
	/* Ids far sparser than the rows (a table emptied and refilled) would cost memory for nothing. */
	if (top < 0 || top >= IRS_LENGTHS_MAX_SPARSE * qs->rows + 1024)
		return SQLITE_ERROR;
	if (top + 1 > dl->nlen) {
		int *grown = realloc(dl->len, sizeof(int) * (size_t)(top + 1));

		if (grown == NULL)
			return SQLITE_NOMEM;
		dl->len = grown;
	}
	dl->nlen = top + 1;
	memset(dl->len, 0xff, sizeof(int) * (size_t)dl->nlen);	/* -1: no row */
	rc = sqlite3_prepare_v2(db, "SELECT id, sz FROM fts_docsize", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		const unsigned char *sz = sqlite3_column_blob(st, 1);
		int n = blob_length(sz, sqlite3_column_bytes(st, 1), ncols);

		if (id < 0 || id >= dl->nlen || n < 0)
			break;
		dl->len[id] = n;
		rows++;
		tokens += n;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	/* Every row read, and the same rows and tokens FTS5 counts for this table. */
	if (rc == SQLITE_DONE)
		rc = rows == qs->rows && tokens == qs->tokens ? SQLITE_OK : SQLITE_ERROR;
	else if (rc == SQLITE_OK || rc == SQLITE_ROW)
		rc = SQLITE_ERROR;
	return rc;
}

/*
 * Reads the connection's lengths for the statement's snapshot.  Any
 * failure but memory refuses them for this version: the rows' lengths
 * then come from xColumnSize, which reports real errors itself.
 */
static int
load_lengths(struct rank_cursor *cur)
{
	struct doc_lengths *dl = cur->lengths;
	int rc = read_lengths(cur->db, dl, &cur->stats, cur->ncols);

	dl->version = cur->version;
	dl->state = rc == SQLITE_OK ? CACHE_LOADED : CACHE_REFUSED;
	if (rc == SQLITE_OK)
		return SQLITE_OK;
	cur->lengths = NULL;
	return rc == SQLITE_NOMEM ? rc : SQLITE_OK;
}

/* The tokens in the current row: the connection's lengths when they serve, else xColumnSize. */
static int
row_length(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_cursor *cur, int *out)
{
	struct doc_lengths *dl = cur->lengths;
	int rc;

	if (dl != NULL && dl->state == CACHE_NONE && cur->looked_up > cur->stats.rows / IRS_LENGTHS_AFTER_SHARE &&
	    (rc = load_lengths(cur)) != SQLITE_OK)
		return rc;
	if ((dl = cur->lengths) != NULL && dl->state == CACHE_LOADED && dl->version == cur->version) {
		sqlite3_int64 id = api->xRowid(fts);

		if (id >= 0 && id < dl->nlen && dl->len[id] >= 0) {
			*out = dl->len[id];
			return SQLITE_OK;
		}
	}
	cur->looked_up++;
	return api->xColumnSize(fts, -1, out);
}

/*
 * Reads the connection's filtered columns for the statement's snapshot.
 * Any other failure than memory or an interruption (the query's time
 * budget), which fail the statement and leave the reading for later,
 * refuses them for this version: the rows' filters are then tested by
 * lookups, which report real errors.
 */
static int
load_fields(struct rank_cursor *cur)
{
	struct conn_fields *cf = cur->fields;
	int rc = docfields_read(cur->db, &cf->df, cur->stats.rows);

	cf->version = cur->version;
	if (rc == SQLITE_NOMEM || rc == SQLITE_INTERRUPT) {
		cf->state = CACHE_NONE;
		return rc;
	}
	cf->state = rc == SQLITE_OK ? CACHE_LOADED : CACHE_REFUSED;
	if (rc != SQLITE_OK)
		cur->fields = NULL;
	return SQLITE_OK;
}

/* Whether rowid id passes the filter, from its documents row looked up; a rowid without one never does. */
static int
looked_up_row_wanted(struct rank_cursor *cur, const doc_filter *f, sqlite3_int64 id, int *wanted)
{
	int rc;

	*wanted = 0;
	if (cur->lookup == NULL) {
		if (cur->db == NULL)
			return SQLITE_MISUSE;
		if ((rc = sqlite3_prepare_v2(cur->db, "SELECT date, type, language FROM documents WHERE id = ?1", -1,
					     &cur->lookup, NULL)) != SQLITE_OK)
			return rc;
	}
	sqlite3_bind_int64(cur->lookup, 1, id);
	if ((rc = sqlite3_step(cur->lookup)) == SQLITE_ROW)
		rc = docfields_row_passes(cur->lookup, f, wanted);
	else if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_reset(cur->lookup);
	return rc;
}

/*
 * Whether every phrase present in the row (at least two) occurs within
 * RANK_PROXIMITY_SPAN words of the others in one column: the smallest
 * window over the instances, in (column, offset) order (gather_phrases),
 * that holds each present phrase.
 */
static int
phrases_close(const struct inst *in, int n, const unsigned char *present, int npresent)
{
	int have[MAX_PHRASES] = { 0 };
	int lo = 0, hi, covered = 0;

	if (npresent < 2 || n < 2)
		return 0;
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

static void
clear_row(struct row_stats *s, int nphrases)
{
	memset(s->f, 0, sizeof(s->f[0]) * (size_t)nphrases);
	memset(s->per_col, 0, sizeof(s->per_col[0]) * (size_t)nphrases);
	memset(s->present, 0, (size_t)nphrases);
	memset(s->matches, 0, sizeof(s->matches));
	s->dl = 0;
	s->close = 0;
}

/*
 * The first phrase's positions, straight from its position list: no
 * instance array (FTS5 builds one of every phrase for xInst), and the
 * same additions in the same order as over xInst, so the same sums.
 */
static int
gather_phrase(const Fts5ExtensionApi *api, Fts5Context *fts, const double *weight, struct row_stats *s)
{
	Fts5PhraseIter it;
	int col = -1, off = -1, rc;

	for (rc = api->xPhraseFirst(fts, 0, &it, &col, &off); rc == SQLITE_OK && col >= 0;
	     api->xPhraseNext(fts, &it, &col, &off)) {
		if (col >= NCOLS)
			continue;
		s->f[0] += weight[col];
		s->per_col[0][col] += weight[col];
		s->matches[col]++;
		s->present[0] = 1;
	}
	return rc;
}

/* Room in the cursor's buffer for n instances (at most MAX_INSTANCES): twice what it had, or more. */
static int
inst_room(struct rank_cursor *cur, int n)
{
	struct inst *grown;

	if (n <= cur->inst_cap)
		return SQLITE_OK;
	if (n < 2 * cur->inst_cap)
		n = 2 * cur->inst_cap < MAX_INSTANCES ? 2 * cur->inst_cap : MAX_INSTANCES;
	if ((grown = realloc(cur->inst, sizeof(*grown) * (size_t)n)) == NULL)
		return SQLITE_NOMEM;
	cur->inst = grown;
	cur->inst_cap = n;
	return SQLITE_OK;
}

/* One phrase's place in its position list while gather_phrases merges them. */
struct phrase_pos {
	Fts5PhraseIter it;
	int col, off;		/* col < 0: no more */
};

/*
 * The instances of every phrase, and with want_close whether they stand
 * close: each phrase's position list read as gather_phrase reads one,
 * merged in (column, offset) order, an equal place to the lower phrase
 * first.  That is the order of xInst, whose array FTS5 builds by the same
 * merge, so the sums and the instances kept are the same, without the
 * array and a call for each instance.
 */
static int
gather_phrases(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_cursor *cur, int nphrases,
	       const double *weight, int want_close, struct row_stats *s)
{
	struct phrase_pos pos[MAX_PHRASES];
	int live[MAX_PHRASES];	/* the phrases with places left, in phrase order */
	struct inst *in;
	int rc = SQLITE_OK, i, k, n = 0, npresent = 0, nfts = 0, nlive = 0;

	/* FTS5's phrases of the first nphrases words: a word's forms, ORed, are phrases of their own. */
	while (nfts < cur->nfts && cur->word[nfts] < nphrases)
		nfts++;
	for (i = 0; rc == SQLITE_OK && i < nfts; i++) {
		pos[i].col = -1;
		rc = api->xPhraseFirst(fts, i, &pos[i].it, &pos[i].col, &pos[i].off);
		if (rc == SQLITE_OK && pos[i].col >= 0)
			live[nlive++] = i;
	}
	if (rc != SQLITE_OK)
		return rc;
	in = cur->inst;
	/* Most of a word's forms are absent from a row: only the phrases with places left are compared. */
	while (nlive > 0) {
		int best = live[0], at = 0, col, w;

		for (k = 1; k < nlive; k++) {
			i = live[k];
			if (pos[i].col < pos[best].col || (pos[i].col == pos[best].col && pos[i].off < pos[best].off)) {
				best = i;
				at = k;
			}
		}
		if ((col = pos[best].col) < NCOLS) {
			w = cur->word[best];
			s->f[w] += weight[col];
			s->per_col[w][col] += weight[col];
			s->matches[col]++;
			if (!s->present[w]) {
				s->present[w] = 1;
				npresent++;
			}
			if (want_close && n < MAX_INSTANCES) {
				if (n == cur->inst_cap) {
					if ((rc = inst_room(cur, n + 64)) != SQLITE_OK)
						return rc;
					in = cur->inst;
				}
				in[n].col = col;
				in[n].off = pos[best].off;
				in[n].phrase = w;
				n++;
			}
		}
		api->xPhraseNext(fts, &pos[best].it, &pos[best].col, &pos[best].off);
		if (pos[best].col < 0) {
			memmove(live + at, live + at + 1, sizeof(*live) * (size_t)(nlive - at - 1));
			nlive--;
		}
	}
	if (want_close)
		s->close = phrases_close(in, n, s->present, npresent);
	return SQLITE_OK;
}

/*
 * The row's length and its instances as weighted frequencies, for its
 * first nphrases phrases; with want_close, whether they stand close
 * (phrases_close).
 */
static int
gather_row(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_cursor *cur, int nphrases,
	   const double *weight, int want_close, struct row_stats *s)
{
	int rc;

	clear_row(s, nphrases);
	if ((rc = row_length(api, fts, cur, &s->dl)) != SQLITE_OK)
		return rc;
	if (nphrases == 1 && (!cur->mapped || cur->nfts < 2 || cur->word[1] != 0))
		return gather_phrase(api, fts, weight, s);
	return gather_phrases(api, fts, cur, nphrases, weight, want_close, s);
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

/* FTS5's phrase that is word i when it is one (not forms ORed), else -1. */
static int
first_phrase(const struct rank_cursor *cur, int i)
{
	int j = 0;

	while (j < cur->nfts && cur->word[j] != i)
		j++;
	return j < cur->nfts && (j + 1 == cur->nfts || cur->word[j + 1] != i) ? j : -1;
}

/*
 * The rows holding phrase i, from its forms' doclists (phrasecount.h):
 * *counted says whether it could (a phrase of one word, no prefix, a
 * MATCH read; or a phrase split by a word's forms, which the statement
 * walks as several), else the caller asks xQueryPhrase.  The MATCH is read
 * the first time a statement asks.
 */
static int
rows_from_forms(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_cursor *cur, const char *match, int i,
		sqlite3_int64 *n, int *counted)
{
	int rc, first = 0;

	*counted = 0;
	if (!cur->counts_opened) {
		/* A MATCH rewritten with forms ORed is counted on the words' own text: a phrase a word. */
		int nphrases = cur->mapped ? cur->stats.nphrases : api->xPhraseCount(fts);

		cur->counts_opened = 1;
		rc = phrase_counts_open(cur->forms, match, nphrases, &cur->counts);
		if (rc != SQLITE_OK)
			return rc;
	}
	if (cur->counts == NULL)
		return SQLITE_OK;
	while (first < cur->nfts && cur->word[first] != i)
		first++;
	/* A phrase of several words split by a word's forms: several phrases, counted as one. */
	if (first < cur->nfts && api->xPhraseSize(fts, first) > 1 && first_phrase(cur, i) < 0)
		return phrase_counts_split_rows(cur->counts, i, n, counted);
	return phrase_counts_rows(cur->counts, i, api->xPhraseSize(fts, first), n, counted);
}

/*
 * The IDF of each phrase present in the row (the only ones parts_of
 * reads), counted the first time a row holds it (a phrase no matching
 * row holds, the b of a NOT b, is never walked): from its forms'
 * doclists when match allows (rows_from_forms), else by xQueryPhrase.
 */
static int
phrase_idfs(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_cursor *cur, const char *match,
	    const struct row_stats *s)
{
	struct query_stats *qs = &cur->stats;
	int i, rc = SQLITE_OK;

	for (i = 0; rc == SQLITE_OK && i < qs->nphrases; i++) {
		sqlite3_int64 n = 0;
		int counted = 0, first;

		if (!s->present[i] || cur->idf_known[i])
			continue;
		if (match != NULL && (rc = rows_from_forms(api, fts, cur, match, i, &n, &counted)) != SQLITE_OK)
			break;
		/* A word of several phrases (its forms ORed) is counted from its forms or not at all. */
		if (!counted && (first = first_phrase(cur, i)) < 0)
			rc = SQLITE_MISMATCH;
		else if (!counted)
			rc = api->xQueryPhrase(fts, first, &n, count_row);
		qs->idf[i] = idf_of(qs->rows, n);
		cur->idf_known[i] = rc == SQLITE_OK;
	}
	return rc;
}

/* A row's score; match, the statement's MATCH or NULL, as for phrase_idfs. */
static int
score_row(const Fts5ExtensionApi *api, Fts5Context *fts, const rank_collector *c, const char *match,
	  const double *weight, double proximity, struct parts *out)
{
	struct rank_cursor *cur;
	struct row_stats s;
	int rc = SQLITE_OK;

	if ((cur = rank_cursor(api, fts, c, 1, &rc)) == NULL)
		return rc;
	if ((rc = gather_row(api, fts, cur, cur->stats.nphrases, weight, proximity > 0.0, &s)) != SQLITE_OK ||
	    (rc = phrase_idfs(api, fts, cur, match, &s)) != SQLITE_OK)
		return rc;
	parts_of(&s, &cur->stats, proximity, out);
	return SQLITE_OK;
}

rank_collector *
rank_collector_new(int64_t keep, int every_match, const char *match)
{
	rank_collector *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->keep = keep > 0 ? keep : 0;
	c->every_match = every_match;
	c->match = match;
	return c;
}

void
rank_collector_free(rank_collector *c)
{
	if (c == NULL)
		return;
	free(c->best);
	free(c->deferred);
	free(c->bound);
	free(c);
}

void
rank_collector_filter(rank_collector *c, const doc_filter *f)
{
	c->filter = *f;
	c->filtered = 1;
}

void
rank_collector_candidates(rank_collector *c, int64_t cap, int64_t min_matches)
{
	c->cand_cap = c->keep > 0 && cap > 0 ? cap : 0;
	c->cand_min = min_matches;
}

int
rank_collector_candidates_complete(const rank_collector *c)
{
	return !c->cand_over;
}

int
rank_collector_words(rank_collector *c, const unsigned char *word, int nphrases)
{
	int i;

	c->nword = 0;
	if (nphrases < 1 || nphrases > MAX_PHRASES || word[0] != 0)
		return -1;
	for (i = 1; i < nphrases; i++)
		if (word[i] != word[i - 1] && word[i] != word[i - 1] + 1)
			return -1;
	memcpy(c->word, word, (size_t)nphrases);
	c->nword = nphrases;
	return 0;
}

void
rank_collector_excluded(rank_collector *c, int64_t rows)
{
	c->first_only = 1;
	c->excluded = rows;
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

	c->last_kept = 0;
	if (c->nbest == c->keep) {
		if (!ranks_before(&row, &c->best[0]))
			return SQLITE_OK;
		c->last_kept = 1;
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
	c->last_kept = 1;
	c->best[i = c->nbest++] = row;
	for (; i > 0 && ranks_before(&c->best[(i - 1) / 2], &c->best[i]); i = (i - 1) / 2)
		heap_swap(c->best, i, (i - 1) / 2);	/* sift up: the parent must rank last */
	return SQLITE_OK;
}

/* Keeps a row of a one-phrase query for rank_collector_finish. */
static int
defer_row(rank_collector *c, const Fts5ExtensionApi *api, Fts5Context *fts, const double *weight)
{
	struct rank_cursor *cur;
	struct deferred_row *d;
	struct row_stats s;
	int rc = SQLITE_OK;

	if ((cur = rank_cursor(api, fts, c, 0, &rc)) == NULL)
		return rc;
	if ((rc = gather_row(api, fts, cur, 1, weight, 0, &s)) != SQLITE_OK)
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
		c->stats = cur->stats;
	d = &c->deferred[c->ndeferred++];
	d->id = api->xRowid(fts);
	d->dl = s.dl;
	d->f = s.f[0];
	memcpy(d->per_col, s.per_col[0], sizeof(d->per_col));
	return SQLITE_OK;
}

/*
 * What orders the rows of a deferred query: a row's score without the
 * IDF, which multiplies every row's alike.  With no negative weight a
 * row's score is the IDF times this, to a few rounding errors, so a row
 * whose bound is below the keep best bounds seen (by more than the
 * margin) cannot make the page.
 */
static double
bound_of(const struct deferred_row *d, const struct query_stats *qs)
{
	double norm = K1 * (1.0 - B + B * (double)d->dl / qs->avgdl);

	return d->f > 0.0 ? d->f * (K1 + 1.0) / (d->f + norm) : 0.0;
}

/* Sifts the bound at i of the min-heap c->bound down to its place. */
static void
bound_sift_down(rank_collector *c, int64_t i)
{
	for (;;) {
		int64_t l = 2 * i + 1, r = l + 1, least = i;
		double t;

		if (l < c->nbound && c->bound[l] < c->bound[least])
			least = l;
		if (r < c->nbound && c->bound[r] < c->bound[least])
			least = r;
		if (least == i)
			return;
		t = c->bound[i];
		c->bound[i] = c->bound[least];
		c->bound[least] = t;
		i = least;
	}
}

/* Whether the last deferred row may make the page: among the keep best bounds so far, or close to the least. */
static int
deferred_candidate(rank_collector *c, const double *weight, int *candidate)
{
	double r;
	int64_t i;

	if (weight[0] < 0.0 || weight[1] < 0.0 || weight[2] < 0.0) {
		*candidate = 1;	/* the bound does not hold: every row is */
		return SQLITE_OK;
	}
	r = bound_of(&c->deferred[c->ndeferred - 1], &c->stats);
	if (c->bound == NULL && (c->bound = malloc(sizeof(*c->bound) * (size_t)c->keep)) == NULL)
		return SQLITE_NOMEM;
	*candidate = 1;
	if (c->nbound < c->keep) {
		for (i = c->nbound++; i > 0 && c->bound[(i - 1) / 2] > r; i = (i - 1) / 2)
			c->bound[i] = c->bound[(i - 1) / 2];
		c->bound[i] = r;
	} else if (r > c->bound[0]) {
		c->bound[0] = r;
		bound_sift_down(c, 0);
	} else {
		*candidate = r >= c->bound[0] * (1.0 - CANDIDATE_MARGIN);
	}
	return SQLITE_OK;
}

/*
 * irs_rank's value for a row when the collector tells candidates: 1 for
 * one, up to the cap, else 0.  Only while the statement's matches, as
 * the rows seen up to this rowid foretell them (rowids run in order,
 * mostly up to the table's rows), come to the caller's minimum.
 */
static int
tell_candidate(rank_collector *c, int candidate, sqlite3_int64 id, sqlite3_int64 rows)
{
	if (!candidate)
		return 0;
	if (c->ncand >= c->cand_cap ||
	    (double)c->seen * (double)rows < (double)c->cand_min * (double)(id > 1 ? id : 1)) {
		c->cand_over = 1;
		return 0;
	}
	c->ncand++;
	return 1;
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

		/* Every match the statement saw holds the phrase, and only those do. */
		qs.nphrases = 1;
		qs.idf[0] = idf_of(qs.rows, c->seen + c->excluded);
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

	if (argc < NCOLS + 1 || argc > NCOLS + 2) {
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
	return c != NULL && c->keep > 0 && c->every_match &&
	       (c->first_only || (c->nword > 0 ? c->word[c->nword - 1] == 0 : api->xPhraseCount(fts) == 1));
}

/*
 * Whether the current row passes the collector's filters: from the
 * connection's copy of the filtered columns when it serves, read once a
 * statement has looked up more than rows / IRS_FIELDS_AFTER_SHARE rows,
 * else from a lookup of the row.
 */
static int
collector_wants(rank_collector *c, const Fts5ExtensionApi *api, Fts5Context *fts, int *wanted)
{
	struct rank_cursor *cur;
	struct conn_fields *cf;
	int rc = SQLITE_OK;

	if ((cur = rank_cursor(api, fts, c, !defers(c, api, fts), &rc)) == NULL)
		return rc;
	cf = cur->fields;
	if (cf != NULL && cf->state == CACHE_NONE &&
	    cur->fields_looked_up > cur->stats.rows / IRS_FIELDS_AFTER_SHARE && (rc = load_fields(cur)) != SQLITE_OK)
		return rc;
	if ((cf = cur->fields) != NULL && cf->state == CACHE_LOADED && cf->version == cur->version) {
		if (!cur->filter.ready && (rc = docfields_compile(&cur->filter, &cf->df, &c->filter)) != SQLITE_OK)
			return rc;
		*wanted = docfields_passes(&cur->filter, &cf->df, api->xRowid(fts));
		return SQLITE_OK;
	}
	cur->fields_looked_up++;
	return looked_up_row_wanted(cur, &c->filter, api->xRowid(fts), wanted);
}

/* The table's rows, as the statement's cursor counted them (0 if it could not). */
static sqlite3_int64
table_rows(const Fts5ExtensionApi *api, Fts5Context *fts)
{
	struct rank_cursor *cur = api->xGetAuxdata(fts, 0);

	return cur != NULL ? cur->stats.rows : 0;
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
	if (argc >= NCOLS + 2 && (c = sqlite3_value_pointer(argv[NCOLS + 1], RANK_COLLECTOR_TYPE)) != NULL)
		c->seen++;
	if (c != NULL && c->filtered) {
		int wanted = 0;

		if ((rc = collector_wants(c, api, fts, &wanted)) != SQLITE_OK) {
			sqlite3_result_error_code(ctx, rc);
			return;
		}
		if (!wanted)
			return;	/* NULL: a match the filters drop, counted only for a deferred IDF */
	}
	if (c != NULL)
		c->rows++;
	if (defers(c, api, fts)) {
		int candidate = 0;

		if ((rc = defer_row(c, api, fts, weight)) == SQLITE_OK && c->cand_cap > 0)
			rc = deferred_candidate(c, weight, &candidate);
		if (rc != SQLITE_OK)
			sqlite3_result_error_code(ctx, rc);
		else if (c->cand_cap > 0)
			sqlite3_result_int(ctx, tell_candidate(c, candidate, api->xRowid(fts), c->stats.rows));
		return;		/* else NULL: the score comes from rank_collector_finish */
	}
	rc = score_row(api, fts, c, c != NULL ? c->match : NULL, weight, proximity, &p);
	score = rc == SQLITE_OK ? total_of(&p) : 0.0;
	if (rc == SQLITE_OK && c != NULL && c->keep > 0)
		rc = keep_best(c, api->xRowid(fts), score);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	/* A row the heap did not take cannot make the page; one it took may. */
	if (c != NULL && c->cand_cap > 0)
		sqlite3_result_int(ctx, tell_candidate(c, c->last_kept, api->xRowid(fts), table_rows(api, fts)));
	else
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
	rc = score_row(api, fts, NULL, NULL, weight, proximity, &p);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	snprintf(buf, sizeof(buf), "%.17g %.17g %.17g %.17g %d %d %d", p.column[0], p.column[1], p.column[2],
		 p.proximity, p.matches[0], p.matches[1], p.matches[2]);
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

irs_code
rank_register(sqlite3 *db, phrase_tokenizer *forms, irs_error *e)
{
	fts5_api *api = tokenize_fts5_api(db, e);
	struct rank_conn *conn;
	int rc;

	if (api == NULL)
		return e->code;
	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	conn->db = db;
	conn->forms = forms;
	/* What the connection keeps belongs to irs_rank from here: FTS5 frees it with the connection. */
	if ((rc = api->xCreateFunction(api, "irs_rank", conn, irs_rank, rank_conn_free)) != SQLITE_OK) {
		rank_conn_free(conn);
		return irs_fail(e, IRS_INTERNAL, "cannot register the rank functions: %s", sqlite3_errstr(rc));
	}
	if ((rc = api->xCreateFunction(api, "irs_rank_parts", NULL, irs_rank_parts, NULL)) != SQLITE_OK)
		return irs_fail(e, IRS_INTERNAL, "cannot register the rank functions: %s", sqlite3_errstr(rc));
	return IRS_OK;
}
