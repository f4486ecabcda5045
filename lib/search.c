/*
 * search.c - running a query and collecting ranked hits (see search.h).
 *
 * The query's FTS5 part goes to MATCH and its filters, sorted by rank, to
 * irs_rank's collector (rank_collector_filter), else become WHERE terms on
 * the documents table, all bound as parameters.  Only the column
 * weights are formatted into the SQL, as numbers.  A query of filters only
 * lists the documents, newest first.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "irsearch/limits.h"
#include "irsearch/phrasecount.h"
#include "irsearch/query.h"
#include "irsearch/rank.h"
#include "irsearch/search.h"
#include "irsearch/snippet.h"
#include "irsearch/tokenize.h"

#define SQL_MAX 2048
#define PER_HIT_PAGE 16		/* pages up to this many hits get their snippets hit by hit */

/* What the page's own statement kept for its snippets (irs_snippet_hits), by rowid. */
struct kept_hits {
	int64_t id;
	void *blob;
	int size;
};

struct early_hits {
	struct kept_hits *row;
	int n, cap;
	size_t bytes;		/* of the blobs kept */
	int unsorted;		/* the ids did not come in ascending order */
	int over;		/* a blob was not kept: past IRS_FIRST_PASS_HITS_BYTES */
	int complete;		/* every row that could make the page has its blob here */
};

/* How step 2 makes a hit's snippet (hit_sql). */
enum snippet_source {
	FROM_MATCH,		/* irs_snippet on the query's MATCH for the hit's row */
	FROM_KEPT,		/* irs_snippet_from on the row's kept irs_snippet_hits */
	FROM_SCAN,		/* none: scan_snippets' pass makes them */
	FROM_OPENING		/* a query of filters only: the body's opening words */
};

void
search_request_init(search_request *req, const char *query)
{
	memset(req, 0, sizeof(*req));
	req->query = query;
	req->limit = IRS_DEFAULT_LIMIT;
	req->sort = SORT_RANK;
	req->mark_open = "[";
	req->mark_close = "]";
	req->weight_title = 10.0;
	req->weight_author = 5.0;
	req->weight_body = 1.0;
	req->proximity = 0.5;
	req->snippet_tokens = IRS_SNIPPET_TOKENS;
	req->passages = SEARCH_MAX_PASSAGES;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
column_copy(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	return v != NULL ? strdup((const char *)v) : NULL;
}

/* s[0..n) on one line: every run of whitespace becomes one space, the ends trimmed. */
static char *
one_line(const char *s, size_t n)
{
	char *out = malloc(n + 1), *p;
	size_t i;

	if (out == NULL)
		return NULL;
	for (p = out, i = 0; i < n; i++) {
		char c = s[i];

		if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			if (p != out && p[-1] != ' ')
				*p++ = ' ';
		} else {
			*p++ = c;
		}
	}
	while (p != out && p[-1] == ' ')
		p--;
	*p = '\0';
	return out;
}

/* Splits irs_snippet's result into the hit's passages, and joins them into its snippet. */
static int
take_passages(search_hit *h, const char *s)
{
	size_t total = 0;
	int i;

	while (s != NULL && *s != '\0' && h->npassages < SEARCH_MAX_PASSAGES) {
		const char *sep = strchr(s, SNIPPET_PAGE_SEP);
		const char *end = strchr(s, SNIPPET_PASSAGE_SEP);
		search_passage *p = &h->passages[h->npassages];

		if (sep == NULL)
			break;
		if (end == NULL)
			end = s + strlen(s);
		p->page = atoi(s);
		if ((p->text = one_line(sep + 1, (size_t)(end - sep - 1))) == NULL)
			return -1;
		total += strlen(p->text) + 1;
		h->npassages++;
		s = *end != '\0' ? end + 1 : end;
	}
	h->page = h->npassages > 0 ? h->passages[0].page : 0;
	if ((h->snippet = malloc(total + 4 * (size_t)h->npassages + 1)) == NULL)
		return -1;
	h->snippet[0] = '\0';
	for (i = 0; i < h->npassages; i++) {
		/* Passages carry their own "..." where they were cut; one space joins them. */
		if (i > 0)
			strcat(h->snippet, " ");
		strcat(h->snippet, h->passages[i].text);
	}
	return 0;
}

/* The opening words of a body, for a query of filters only. */
static int
opening_passage(search_hit *h, const char *body, int words)
{
	const char *p = body != NULL ? body : "";
	int n = 0, in_word = 0;
	size_t len;

	for (len = 0; p[len] != '\0'; len++) {
		int space = p[len] == ' ' || p[len] == '\n' || p[len] == '\t' || p[len] == '\r' || p[len] == '\f';

		if (!space && !in_word && ++n > words)
			break;
		in_word = !space;
	}
	h->npassages = 1;
	h->passages[0].page = strchr(p, '\f') != NULL ? 1 : 0;
	h->page = h->passages[0].page;
	if ((h->passages[0].text = one_line(p, len)) == NULL)
		return -1;
	if (p[len] != '\0') {
		char *more = realloc(h->passages[0].text, strlen(h->passages[0].text) + 4);

		if (more == NULL)
			return -1;
		h->passages[0].text = strcat(more, "...");
	}
	return (h->snippet = strdup(h->passages[0].text)) != NULL ? 0 : -1;
}

/* A query stopped by the caller's progress handler ran out of its time budget. */
static irs_code
sql_fail(sqlite3 *db, irs_error *e)
{
	if (sqlite3_errcode(db) == SQLITE_INTERRUPT)
		return irs_fail(e, IRS_TIMEOUT, "the query took longer than its time budget");
	return irs_fail(e, IRS_INTERNAL, "search failed: %s", sqlite3_errmsg(db));
}

static int
plan_has_filters(const query_plan *plan)
{
	return plan->after[0] != '\0' || plan->before[0] != '\0' || plan->ntypes > 0 || plan->nlangs > 0;
}

/* Appends the plan's filters as WHERE terms with ? placeholders (bound by bind_filters). */
static void
append_filters(char *sql, size_t cap, const query_plan *plan)
{
	size_t n = strlen(sql);
	int i;

	if (plan->after[0] != '\0')
		n += (size_t)snprintf(sql + n, cap - n, " AND d.date >= ?");
	if (plan->before[0] != '\0')
		n += (size_t)snprintf(sql + n, cap - n, " AND d.date < ?");
	if (plan->ntypes > 0) {
		n += (size_t)snprintf(sql + n, cap - n, " AND d.type IN (");
		for (i = 0; i < plan->ntypes; i++)
			n += (size_t)snprintf(sql + n, cap - n, i > 0 ? ", ?" : "?");
		n += (size_t)snprintf(sql + n, cap - n, ")");
	}
	if (plan->nlangs > 0) {
		n += (size_t)snprintf(sql + n, cap - n, " AND d.language IN (");
		for (i = 0; i < plan->nlangs; i++)
			n += (size_t)snprintf(sql + n, cap - n, i > 0 ? ", ?" : "?");
		snprintf(sql + n, cap - n, ")");
	}
}

/* Binds the filters from parameter k on; returns the next index. */
static int
bind_filters(sqlite3_stmt *st, const query_plan *plan, int k)
{
	int i;

	if (plan->after[0] != '\0')
		sqlite3_bind_text(st, k++, plan->after, -1, SQLITE_STATIC);
	if (plan->before[0] != '\0')
		sqlite3_bind_text(st, k++, plan->before, -1, SQLITE_STATIC);
	for (i = 0; i < plan->ntypes; i++)
		sqlite3_bind_text(st, k++, plan->types[i], -1, SQLITE_STATIC);
	for (i = 0; i < plan->nlangs; i++)
		sqlite3_bind_text(st, k++, plan->langs[i], -1, SQLITE_STATIC);
	return k;
}

/* Binds the MATCH expression (when there is one) from parameter k on; returns the next index. */
static int
bind_plan_match(sqlite3_stmt *st, const query_plan *plan, int k)
{
	if (plan->fts != NULL)
		sqlite3_bind_text(st, k++, plan->fts, -1, SQLITE_STATIC);
	return k;
}

/* Binds the MATCH expression (when there is one) and the filters from parameter k on; returns the next index. */
static int
bind_plan(sqlite3_stmt *st, const query_plan *plan, int k)
{
	return bind_filters(st, plan, bind_plan_match(st, plan, k));
}

/* The total of a query of filters only (a MATCH's total is counted by irs_rank). */
static irs_code
count_matches(sqlite3 *db, const query_plan *plan, int64_t *total, irs_error *e)
{
	char sql[SQL_MAX];
	sqlite3_stmt *st = NULL;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM documents d WHERE 1");
	append_filters(sql, sizeof(sql), plan);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_plan(st, plan, 1);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*total = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_ROW) {
		irs_code code = sql_fail(db, e);

		sqlite3_finalize(st);
		return code;
	}
	sqlite3_finalize(st);
	return IRS_OK;
}

/* Whether irs_rank's collector keeps the page (sorted by rank), so that page_sql has no ORDER BY. */
static int
collector_keeps_page(const search_request *req, const query_plan *plan)
{
	return plan->fts != NULL && req->sort == SORT_RANK;
}

/* Whether the page's filters go to irs_rank's collector (filtered_page_sql). */
static int
filters_in_rank(const search_request *req, const query_plan *plan)
{
	return collector_keeps_page(req, plan) && plan_has_filters(plan);
}

/*
 * page_sql with filters, sorted by rank: irs_rank sees every match and its
 * collector, given the filters (rank_collector_filter), tests them, so
 * that it counts those that pass for the total and keeps the best of
 * them, while the count of all matches gives a query of one phrase its
 * IDF (rank.h): walking the phrase's doclists again with xQueryPhrase was
 * a third of such a search.  No join: irs_rank tests the filters on the
 * connection's copy of the columns, where a documents row a match (a
 * LEFT JOIN, or an argument of irs_rank's) was a third of a filtered search of a
 * common word at 100,000 documents.  Parameters: ?1 the collector, ?2
 * the MATCH.
 */
static void
filtered_page_sql(char *sql, size_t cap, const search_request *req)
{
	snprintf(sql, cap, "SELECT fts.rowid, irs_rank(fts, %.6f, %.6f, %.6f, %.6f, ?1) FROM fts WHERE fts MATCH ?2",
		 req->weight_title, req->weight_author, req->weight_body, req->proximity);
}

/* The plan's filters for the collector; langs holds their pointers, and both must outlive it. */
static void
doc_filter_of(const query_plan *plan, const char *langs[QUERY_MAX_FILTER_VALUES], doc_filter *f)
{
	int i;

	for (i = 0; i < plan->nlangs; i++)
		langs[i] = plan->langs[i];
	f->after = plan->after[0] != '\0' ? plan->after : NULL;
	f->before = plan->before[0] != '\0' ? plan->before : NULL;
	f->types = plan->types;
	f->ntypes = plan->ntypes;
	f->langs = langs;
	f->nlangs = plan->nlangs;
}

/*
 * The SELECT of one page of hits, ids and scores only.  SQLite works out
 * every column of every matching row before it sorts and cuts to LIMIT,
 * so what costs (snippets, the documents row, the body) waits for
 * hit_sql, run on the page's hits alone: with the snippet in this SELECT,
 * a word in 5,000 documents made 5,000 snippets for 10 hits.  Sorted by
 * rank, the SELECT has no ORDER BY: irs_rank's collector keeps the best
 * rows as they come (rank.h), and its rows are only stepped through.
 */
static void
page_sql(char *sql, size_t cap, const search_request *req, const query_plan *plan)
{
	size_t n;

	if (plan->fts == NULL) {
		snprintf(sql, cap, "SELECT d.id, 0.0 FROM documents d WHERE 1");
		append_filters(sql, cap, plan);
		n = strlen(sql);
		snprintf(sql + n, cap - n, " ORDER BY d.date DESC NULLS LAST, d.id LIMIT ? OFFSET ?");
		return;
	}
	if (filters_in_rank(req, plan)) {
		filtered_page_sql(sql, cap, req);
		return;
	}
	snprintf(sql, cap, "SELECT fts.rowid, irs_rank(fts, %.6f, %.6f, %.6f, %.6f, ?) AS rank_score FROM fts%s"
		 " WHERE fts MATCH ?", req->weight_title, req->weight_author, req->weight_body, req->proximity,
		 plan_has_filters(plan) || req->sort == SORT_DATE ? " JOIN documents d ON d.id = fts.rowid" : "");
	append_filters(sql, cap, plan);
	if (collector_keeps_page(req, plan))
		return;
	n = strlen(sql);
	snprintf(sql + n, cap - n, " ORDER BY d.date DESC NULLS LAST, rank_score DESC, fts.rowid LIMIT ? OFFSET ?");
}

/* With --explain, the column of irs_rank_parts after the n bytes of sql; returns the new length. */
static size_t
append_explain(char *sql, size_t cap, size_t n, const search_request *req)
{
	if (!req->explain || n >= cap)
		return n;
	return n + (size_t)snprintf(sql + n, cap - n, ", irs_rank_parts(fts, %.6f, %.6f, %.6f, %.6f)",
				    req->weight_title, req->weight_author, req->weight_body, req->proximity);
}

/*
 * The SELECT of one hit's record, bound ?1 the id.  Columns: 0 path,
 * 1 title, 2 author, 3 date, 4 type, 5 language, 6 pages,
 * 7 date_from_mtime, 8 the snippet (or the body, for filters only), then
 * with explain 9 irs_rank_parts.  With a MATCH: ?2 ?3 the markers, ?4
 * the snippet's words, ?5 its passages, ?6 the MATCH.  From kept hits:
 * ?2 the row's irs_snippet_hits, ?3 ?4 the markers, ?5 the words, ?6
 * the passages; the body is read from FTS5's content table (its column
 * c2), by rowid, with no MATCH: read through the fts table, a body was
 * copied three times (the row, FTS5's xColumn, the subquery's value), for
 * a rare word in long reports 70% of its search.  With mapped (the index
 * has snippet maps), irs_snippet_at reads only the bytes of the body
 * around the passages, through a blob handle on that column.
 */
static void
hit_sql(char *sql, size_t cap, const search_request *req, enum snippet_source from, int mapped)
{
	size_t n;

	if (from == FROM_SCAN) {	/* the record only: the snippets come from snippet_scan_sql's pass */
		snprintf(sql, cap,
			 "SELECT d.path, d.title, d.author, d.date, d.type, d.language, d.pages,"
			 " d.date_from_mtime, '' FROM documents d WHERE d.id = ?1");
		return;
	}
	if (from == FROM_KEPT && mapped) {
		snprintf(sql, cap,
			 "SELECT d.path, d.title, d.author, d.date, d.type, d.language, d.pages,"
			 " d.date_from_mtime, irs_snippet_at(?2, ?1,"
			 " (SELECT map FROM " SNIPPET_MAP_TABLE " WHERE id = ?1), d.hash, ?3, ?4, ?5, ?6)"
			 " FROM documents d WHERE d.id = ?1");
		return;
	}
	if (from == FROM_KEPT) {
		snprintf(sql, cap,
			 "SELECT d.path, d.title, d.author, d.date, d.type, d.language, d.pages,"
			 " d.date_from_mtime, irs_snippet_from(?2, c.c2, ?3, ?4, ?5, ?6)"
			 " FROM documents d, fts_content c WHERE d.id = ?1 AND c.id = ?1");
		return;
	}
	if (from == FROM_OPENING) {
		snprintf(sql, cap,
			 "SELECT d.path, d.title, d.author, d.date, d.type, d.language, d.pages,"
			 " d.date_from_mtime, c.c2 FROM documents d LEFT JOIN fts_content c ON c.id = d.id"
			 " WHERE d.id = ?1");
		return;
	}
	n = (size_t)snprintf(sql, cap,
			     "SELECT d.path, d.title, d.author, d.date, d.type, d.language, d.pages,"
			     " d.date_from_mtime, irs_snippet(fts, ?2, ?3, ?4, ?5)");
	n = append_explain(sql, cap, n, req);
	snprintf(sql + n, cap - n, " FROM fts JOIN documents d ON d.id = fts.rowid"
		 " WHERE fts MATCH ?6 AND fts.rowid = ?1");
}

/* irs_rank_parts' "title author body proximity n-title n-author n-body" into h->explain. */
static void
read_explain(search_hit *h, const char *m)
{
	search_explain *x = &h->explain;

	h->explained = m != NULL &&
		       sscanf(m, "%lf %lf %lf %lf %d %d %d", &x->column_score[0], &x->column_score[1],
			      &x->column_score[2], &x->proximity, &x->column_matches[0], &x->column_matches[1],
			      &x->column_matches[2]) == 7;
}

static int
fill_hit(search_hit *h, sqlite3_stmt *st, const search_request *req, int matching)
{
	int rc;

	h->path = column_copy(st, 0);
	h->title = column_copy(st, 1);
	h->author = column_copy(st, 2);
	h->date = column_copy(st, 3);
	h->type = column_copy(st, 4);
	h->lang = column_copy(st, 5);
	h->pages = sqlite3_column_int(st, 6);
	h->date_from_mtime = sqlite3_column_int(st, 7);
	rc = matching ? take_passages(h, (const char *)sqlite3_column_text(st, 8))
		      : opening_passage(h, (const char *)sqlite3_column_text(st, 8), req->snippet_tokens);
	if (matching && req->explain && sqlite3_column_count(st) > 9)
		read_explain(h, (const char *)sqlite3_column_text(st, 9));
	return rc;
}

/* The page out of the collector's best rows, which start at rank 0. */
static void
take_best(const rank_collector *c, const search_request *req, search_result *r)
{
	const rank_best *best;
	int64_t n = rank_collector_best(c, &best), i;

	for (i = req->offset; i < n && r->nhits < req->limit; i++) {
		r->hits[r->nhits].id = best[i].id;
		r->hits[r->nhits].score = best[i].score;
		r->nhits++;
	}
}

/*
 * The MATCH of a statement: fts (the plan's, or its dropped rows'), with
 * each word of several indexed forms written as their OR as exact terms
 * (phrase_forms_rewrite, with the connection's tokenizer forms), which
 * FTS5 walks without merging the forms' position lists at every row;
 * word[j] the query word of its phrase j, *nphrases of them, for irs_rank
 * (rank_collector_words) and irs_snippet_hits, so that both see the
 * query's words, not their forms.  NULL (the plan's MATCH stays) when no
 * word has several forms, or the tokenizer cannot say; SQLITE_OK or an
 * error.
 */
static int
page_match(phrase_tokenizer *forms, const char *fts, char **match, unsigned char *word,
	   int *nphrases)
{
	*match = NULL;
	*nphrases = 0;
	if (fts == NULL)
		return SQLITE_OK;
	return phrase_forms_rewrite(forms, fts, match, word, nphrases);
}

/* What a failed page_match means for the search. */
static irs_code
page_match_fail(int rc, irs_error *e)
{
	if (rc == SQLITE_INTERRUPT)
		return irs_fail(e, IRS_TIMEOUT, "the query took longer than its time budget");
	return irs_fail(e, IRS_INTERNAL, "out of memory");
}

/* Tells the collector how many rows of plan's first phrase its exclusions drop (rank_collector_excluded). */
static irs_code
count_dropped(sqlite3 *db, phrase_tokenizer *forms, const query_plan *plan, rank_collector *c,
	      irs_error *e)
{
	sqlite3_stmt *st = NULL;
	unsigned char word[PHRASE_FORMS_MAX];
	char *match = NULL;
	int nphrases, rc;

	/* The same rows with the words' forms ORed: FTS5 counts them without merging position lists. */
	if ((rc = page_match(forms, plan->fts_dropped, &match, word, &nphrases)) != SQLITE_OK)
		return page_match_fail(rc, e);
	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, match != NULL ? match : plan->fts_dropped, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		irs_code code = sql_fail(db, e);

		sqlite3_finalize(st);
		sqlite3_free(match);
		return code;
	}
	rank_collector_excluded(c, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	sqlite3_free(match);
	return IRS_OK;
}

static void
early_hits_clear(struct early_hits *eh)
{
	int i;

	for (i = 0; i < eh->n; i++)
		free(eh->row[i].blob);
	free(eh->row);
	memset(eh, 0, sizeof(*eh));
}

/*
 * Keeps a copy of row id's irs_snippet_hits; -1 when out of memory.  Past
 * IRS_FIRST_PASS_HITS_BYTES in all it keeps none, and says so.
 */
static int
early_hits_add(struct early_hits *eh, int64_t id, const void *blob, int size)
{
	if (eh->over || eh->bytes + (size_t)size > IRS_FIRST_PASS_HITS_BYTES) {
		eh->over = 1;
		return 0;
	}
	struct kept_hits *k;

	if (eh->n == eh->cap) {
		int cap = eh->cap > 0 ? eh->cap * 2 : 32;
		struct kept_hits *rows = realloc(eh->row, sizeof(*rows) * (size_t)cap);

		if (rows == NULL)
			return -1;
		eh->row = rows;
		eh->cap = cap;
	}
	k = &eh->row[eh->n];
	if ((k->blob = malloc(size > 0 ? (size_t)size : 1)) == NULL)
		return -1;
	memcpy(k->blob, blob, (size_t)size);
	k->size = size;
	k->id = id;
	eh->bytes += (size_t)size;
	eh->unsorted |= eh->n > 0 && id <= eh->row[eh->n - 1].id;
	eh->n++;
	return 0;
}

/*
 * Whether the page's statement keeps what the snippets need
 * (early_page_sql): each hit's snippet then needs no MATCH of its own,
 * which parses the query, widens each word to its forms, opens each
 * term's doclists and seeks them again, and for a prefix merges the
 * doclists of every word it starts (chio*, 2,127 words in 68,217 of
 * 100,000 documents: 40% of its time).  For a small page, or a large one
 * not far from the start (which else takes scan_snippets' second MATCH);
 * the statement keeps them for about keep * (1 + ln(matches / keep))
 * rows, keep = offset + limit, so ten hits deep down a list are cheaper
 * by a MATCH each.  Not with explain, whose parts come from that MATCH.
 */
static int
hits_first_pass(const search_request *req, const query_plan *plan)
{
	return collector_keeps_page(req, plan) && !req->explain &&
	       ((int64_t)req->offset + req->limit <= IRS_FIRST_PASS_SNIPPET_ROWS ||
		(req->limit > PER_HIT_PAGE && req->offset <= req->limit));
}

/*
 * The page's SELECT, sorted by rank, when its statement keeps what the
 * snippets need: irs_rank's collector tells the rows that may make the
 * page (rank_collector_candidates), and only those get irs_snippet_hits,
 * while FTS5 is on them.  Parameters: ?1 the collector, ?2 the MATCH, ?3
 * the query word of each phrase (page_match) or NULL; the filters, if
 * any, are the collector's (filtered_page_sql).
 */
static void
early_page_sql(char *sql, size_t cap, const search_request *req)
{
	snprintf(sql, cap, "SELECT fts.rowid, CASE WHEN irs_rank(fts, %.6f, %.6f, %.6f, %.6f, ?1)"
		 " THEN irs_snippet_hits(fts, ?3) END FROM fts WHERE fts MATCH ?2", req->weight_title,
		 req->weight_author, req->weight_body, req->proximity);
}

/*
 * Step 1: the page's ids and scores, in order.  With a MATCH, irs_rank
 * counts the matching rows into its collector as it scores each of them,
 * and, sorted by rank, keeps the page.
 */
static irs_code
collect_page(sqlite3 *db, phrase_tokenizer *forms, const search_request *req,
	     const query_plan *plan, search_result *r, struct early_hits *eh, irs_error *e)
{
	char sql[SQL_MAX];
	const char *langs[QUERY_MAX_FILTER_VALUES];
	sqlite3_stmt *st = NULL;
	rank_collector *c = NULL;
	doc_filter filter;
	int keeps = collector_keeps_page(req, plan), early = hits_first_pass(req, plan);
	int rc, k = 1, nphrases = 0;
	char *match = NULL;
	unsigned char word[PHRASE_FORMS_MAX];	/* the query word of each of match's phrases */
	irs_code code = IRS_OK;

	if (early)
		early_page_sql(sql, sizeof(sql), req);
	else
		page_sql(sql, sizeof(sql), req, plan);
	if ((rc = page_match(forms, plan->fts, &match, word, &nphrases)) != SQLITE_OK)
		return page_match_fail(rc, e);
	/* Kept by the collector, the statement sees every match (filtered_page_sql). */
	if (plan->fts != NULL &&
	    (c = rank_collector_new(keeps ? (int64_t)req->offset + req->limit : 0, keeps || !plan_has_filters(plan),
				    plan->fts)) == NULL) {
		sqlite3_free(match);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	if (match != NULL && rank_collector_words(c, word, nphrases) != 0) {
		sqlite3_free(match);	/* a map irs_rank cannot take: the plan's MATCH as it is */
		match = NULL;
	}
	if (filters_in_rank(req, plan)) {
		doc_filter_of(plan, langs, &filter);
		rank_collector_filter(c, &filter);
	}
	if (early)
		rank_collector_candidates(c, IRS_FIRST_PASS_SNIPPETS_PER_ROW * ((int64_t)req->offset + req->limit) +
					     IRS_FIRST_PASS_SNIPPETS_MORE, 0);
	/*
	 * "P NOT Q": scored as P alone, whose IDF wants its rows the NOT drops;
	 * counting those ("P AND Q") costs less than walking P again.
	 */
	if (keeps && plan->fts_dropped != NULL &&
	    (code = count_dropped(db, forms, plan, c, e)) != IRS_OK) {
		rank_collector_free(c);
		return code;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		rank_collector_free(c);
		sqlite3_free(match);
		return sql_fail(db, e);
	}
	if (c != NULL)
		sqlite3_bind_pointer(st, k++, c, RANK_COLLECTOR_TYPE, NULL);
	/* With the filters in the collector, the MATCH alone. */
	if (match != NULL)
		sqlite3_bind_text(st, k++, match, -1, SQLITE_STATIC);
	else
		k = bind_plan_match(st, plan, k);
	if (!filters_in_rank(req, plan))
		k = bind_filters(st, plan, k);
	if (early && match != NULL)
		sqlite3_bind_blob(st, 3, word, nphrases, SQLITE_STATIC);
	if (!keeps) {
		sqlite3_bind_int(st, k++, req->limit);
		sqlite3_bind_int(st, k, req->offset);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Sorted by rank, the rows are only stepped through: the collector keeps the page. */
		if (!keeps && r->nhits < req->limit) {
			r->hits[r->nhits].id = sqlite3_column_int64(st, 0);
			r->hits[r->nhits].score = sqlite3_column_double(st, 1);
			r->nhits++;
		}
		if (early && sqlite3_column_type(st, 1) == SQLITE_BLOB &&
		    early_hits_add(eh, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
				   sqlite3_column_bytes(st, 1)) != 0)
			break;
	}
	if (rc == SQLITE_ROW)
		code = irs_fail(e, IRS_INTERNAL, "out of memory");
	else if (rc != SQLITE_DONE)
		code = sql_fail(db, e);
	eh->complete = early && !eh->over && rank_collector_candidates_complete(c);
	sqlite3_finalize(st);
	if (code == IRS_OK && keeps && rank_collector_finish(c) != 0)
		code = irs_fail(e, IRS_INTERNAL, "out of memory");
	if (code == IRS_OK && keeps)
		take_best(c, req, r);
	/* The statement ran to its end (or its sorter took every row first): the count is whole. */
	if (code == IRS_OK && c != NULL)
		r->total = rank_collector_rows(c);
	rank_collector_free(c);
	sqlite3_free(match);
	return code;
}

/*
 * The snippets of a large page in one pass over the matches between its
 * lowest and highest id: a MATCH per hit would expand and walk every
 * term of the query again for each (limit 1,000 and a few one-letter
 * prefixes took minutes).  The unary + keeps SQLite from turning the IN
 * into one FTS5 lookup per id.
 */
static void
snippet_scan_sql(char *sql, size_t cap, const search_request *req)
{
	size_t n = (size_t)snprintf(sql, cap, "SELECT fts.rowid, irs_snippet(fts, ?2, ?3, ?4, ?5)");

	n = append_explain(sql, cap, n, req);
	snprintf(sql + n, cap - n, " FROM fts WHERE fts MATCH ?6 AND fts.rowid BETWEEN ?7 AND ?8"
		 " AND +fts.rowid IN (SELECT value FROM json_each(?1))");
}

static irs_code
scan_snippets(sqlite3 *db, const search_request *req, const query_plan *plan, search_result *r, irs_error *e)
{
	char sql[SQL_MAX];
	sqlite3_str *ids = sqlite3_str_new(NULL);
	sqlite3_stmt *st = NULL;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	char *list;
	int i, rc;

	for (i = 0; i < r->nhits; i++) {
		sqlite3_str_appendf(ids, "%s%lld", i == 0 ? "[" : ",", (long long)r->hits[i].id);
		lo = r->hits[i].id < lo ? r->hits[i].id : lo;
		hi = r->hits[i].id > hi ? r->hits[i].id : hi;
	}
	sqlite3_str_appendchar(ids, 1, ']');
	if ((list = sqlite3_str_finish(ids)) == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	snippet_scan_sql(sql, sizeof(sql), req);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_free(list);
		return sql_fail(db, e);
	}
	sqlite3_bind_text(st, 1, list, -1, sqlite3_free);
	sqlite3_bind_text(st, 2, req->mark_open, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, req->mark_close, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, req->snippet_tokens);
	sqlite3_bind_int(st, 5, req->passages);
	sqlite3_bind_text(st, 6, plan->fts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, lo);
	sqlite3_bind_int64(st, 8, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		for (i = 0; i < r->nhits && r->hits[i].id != id; i++)
			;
		if (i == r->nhits)
			continue;
		free(r->hits[i].snippet);
		r->hits[i].snippet = NULL;
		if (take_passages(&r->hits[i], (const char *)sqlite3_column_text(st, 1)) != 0) {
			sqlite3_finalize(st);
			return irs_fail(e, IRS_INTERNAL, "out of memory");
		}
		if (req->explain)
			read_explain(&r->hits[i], (const char *)sqlite3_column_text(st, 2));
	}
	if (rc != SQLITE_DONE) {
		irs_code code = sql_fail(db, e);

		sqlite3_finalize(st);
		return code;
	}
	sqlite3_finalize(st);
	return IRS_OK;
}

/* Where row id's irs_snippet_hits are kept, or -1: FTS5 hands the rows in rowid order, so mostly a binary search. */
static int
early_hits_find(const struct early_hits *eh, int64_t id)
{
	int lo = 0, hi = eh->n, k;

	if (eh->unsorted) {
		for (k = 0; k < eh->n && eh->row[k].id != id; k++)
			;
		return k < eh->n ? k : -1;
	}
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (eh->row[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < eh->n && eh->row[lo].id == id ? lo : -1;
}

/*
 * Whether the page's statement kept every hit's irs_snippet_hits; if so,
 * found[i] (r->nhits of them) is where hit i's are.
 */
static int
early_hits_cover(const struct early_hits *eh, const search_result *r, int *found)
{
	int i;

	if (!eh->complete)
		return 0;
	for (i = 0; i < r->nhits; i++)
		if ((found[i] = early_hits_find(eh, r->hits[i].id)) < 0)
			return 0;
	return 1;
}

/*
 * Step 2: each hit's record and snippet.  When the page's statement kept
 * what every hit's snippet needs (early_hits_cover), the record's SELECT
 * makes it from that and the body (irs_snippet_from).  Else a page of up
 * to PER_HIT_PAGE hits runs the MATCH for each hit (a seek in each term's
 * doclist), and a larger one takes records per hit and snippets in one
 * pass (scan_snippets), as does a query with a prefix: FTS5 expands a
 * prefix into the merged doclist of every word it starts on each MATCH,
 * whatever the rowid asked for, so ten hits cost ten expansions (flou*,
 * 718 words in 7,882 documents: 3/4 of its time).
 */
static irs_code
fill_page(sqlite3 *db, const search_request *req, const query_plan *plan, search_result *r,
	  const struct early_hits *eh, irs_error *e)
{
	char sql[SQL_MAX];
	sqlite3_stmt *st = NULL;
	irs_code code = IRS_OK;
	int *found = NULL;
	enum snippet_source from = FROM_MATCH;
	int i, rc;

	if (eh->complete && (found = malloc(sizeof(*found) * (size_t)r->nhits)) == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	if (plan->fts == NULL)
		from = FROM_OPENING;
	else if (found != NULL && early_hits_cover(eh, r, found))
		from = FROM_KEPT;
	else if (r->nhits > PER_HIT_PAGE || plan->has_prefix)
		from = FROM_SCAN;
	hit_sql(sql, sizeof(sql), req, from,
		from == FROM_KEPT && sqlite3_table_column_metadata(db, "main", SNIPPET_MAP_TABLE, "map", NULL, NULL,
								   NULL, NULL, NULL) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		free(found);
		return sql_fail(db, e);
	}
	if (from == FROM_MATCH) {
		sqlite3_bind_text(st, 2, req->mark_open, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, req->mark_close, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, req->snippet_tokens);
		sqlite3_bind_int(st, 5, req->passages);
		sqlite3_bind_text(st, 6, plan->fts, -1, SQLITE_STATIC);
	} else if (from == FROM_KEPT) {
		sqlite3_bind_text(st, 3, req->mark_open, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, req->mark_close, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, req->snippet_tokens);
		sqlite3_bind_int(st, 6, req->passages);
	}
	for (i = 0; i < r->nhits && code == IRS_OK; i++) {
		sqlite3_bind_int64(st, 1, r->hits[i].id);
		if (from == FROM_KEPT)
			sqlite3_bind_blob(st, 2, eh->row[found[i]].blob, eh->row[found[i]].size, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && fill_hit(&r->hits[i], st, req, from != FROM_OPENING) != 0)
			code = irs_fail(e, IRS_INTERNAL, "out of memory");
		else if (rc == SQLITE_DONE)	/* gone since step 1: cannot happen in one read transaction */
			code = irs_fail(e, IRS_INTERNAL, "document %lld vanished during the search",
					(long long)r->hits[i].id);
		else if (rc != SQLITE_ROW)
			code = sql_fail(db, e);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(found);
	if (code == IRS_OK && from == FROM_SCAN)
		code = scan_snippets(db, req, plan, r, e);
	return code;
}

static irs_code
collect_hits(sqlite3 *db, phrase_tokenizer *forms, const search_request *req,
	     const query_plan *plan, search_result *r, irs_error *e)
{
	struct early_hits eh;
	irs_code rc;

	memset(&eh, 0, sizeof(eh));
	r->hits = calloc((size_t)req->limit, sizeof(*r->hits));
	if (r->hits == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	rc = collect_page(db, forms, req, plan, r, &eh, e);
	if (rc == IRS_OK && r->nhits > 0)
		rc = fill_page(db, req, plan, r, &eh, e);
	early_hits_clear(&eh);
	return rc;
}

irs_code
search_run(store_t *s, const search_request *req, search_result **out, irs_error *e)
{
	sqlite3 *db = store_db(s);
	phrase_tokenizer *forms = store_forms(s);
	double start = now_ms();
	search_result *r;
	query_plan plan;
	irs_code rc;
	int own_txn;

	*out = NULL;
	if (req->limit < 1 || req->limit > IRS_MAX_LIMIT)
		return irs_fail(e, IRS_BAD_REQUEST, "limit must be between 1 and %d", IRS_MAX_LIMIT);
	if (req->offset < 0)
		return irs_fail(e, IRS_BAD_REQUEST, "offset must not be negative");
	rc = query_parse(req->query, &plan, e);
	if (rc != IRS_OK)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		query_plan_clear(&plan);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	/*
	 * The count, the page and its hits from one snapshot: an irindex commit
	 * between them must not change the page under the hits.
	 */
	own_txn = sqlite3_get_autocommit(db);
	if (own_txn && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		rc = sql_fail(db, e);
	else if (plan.fts == NULL)	/* filters only: no rank function to count */
		rc = count_matches(db, &plan, &r->total, e);
	else
		rc = collect_hits(db, forms, req, &plan, r, e);
	if (rc == IRS_OK && r->total == 0 && plan.fts_any != NULL) {
		/* No document has every word: show those with some, and say so. */
		free(plan.fts);
		plan.fts = plan.fts_any;
		plan.fts_any = NULL;
		free(plan.fts_dropped);	/* of the query it replaces */
		plan.fts_dropped = NULL;
		r->relaxed = 1;
		free(r->hits);
		r->hits = NULL;
		rc = collect_hits(db, forms, req, &plan, r, e);
	}
	if (rc == IRS_OK && plan.fts == NULL && r->total > req->offset)
		rc = collect_hits(db, forms, req, &plan, r, e);
	if (own_txn && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	query_plan_clear(&plan);
	if (rc != IRS_OK) {
		search_result_free(r);
		return rc;
	}
	r->took_ms = now_ms() - start;
	*out = r;
	return IRS_OK;
}

void
search_result_free(search_result *r)
{
	int i, k;

	if (r == NULL)
		return;
	for (i = 0; i < r->nhits; i++) {
		search_hit *h = &r->hits[i];

		free(h->path);
		free(h->title);
		free(h->author);
		free(h->date);
		free(h->type);
		free(h->lang);
		free(h->snippet);
		for (k = 0; k < h->npassages; k++)
			free(h->passages[k].text);
	}
	free(r->hits);
	free(r);
}
