/*
 * query-bench - times queries against an index, in-process or through irsearchd.
 *
 *   query-bench MODE TARGET [options] QUERIES
 *
 * MODE and TARGET:
 *   --irsearch DB   irsearch's own path, in this process: store_open and
 *                   search_run (count, bm25 ranking, snippets), as
 *                   `irsearch --direct` does without the process start
 *   --fts5 DB       the bare-FTS5 baseline: a table t(body) queried with
 *                   SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 10
 *   --socket PATH   irsearchd: one {"op":"search"} request per query, limit
 *                   10, every field (snippets included), answer read whole;
 *                   with --no-cache each says "cache":false (the daemon
 *                   computes every answer afresh).  The same work as
 *                   --irsearch, plus what the socket costs: the request
 *                   and the answer as JSON, the hand-offs, the bytes.
 *   --compare DB    with --socket, latency only: each query also runs as
 *                   --irsearch does on DB, right before or right after its
 *                   request (by turns), so both see the machine in the
 *                   same state; separate runs of the two modes on a busy
 *                   machine differ by more than the socket costs
 *
 * QUERIES is a file of lines "class<TAB>irsearch query<TAB>FTS5 query".
 *
 * Latency (the default): one untimed pass over every query, then --rounds
 * R passes, each in its own shuffled order; per round and class prints
 *   latency CLASS ROUND P50_MS P99_MS N MEAN_MATCHES
 * (MEAN_MATCHES: irsearch's total, or the rows returned for --fts5), and
 * the class "all" over every query, and with --aside CLASS the class
 * "all-but-CLASS" over every query of the other classes (CLASS is still
 * reported on its own line); with --compare also
 *   added CLASS ROUND P50_MS P99_MS N
 * the percentiles of each query's socket time less its in-process time.
 * With --each, after the rounds, one line a query, slowest first:
 *   query CLASS MEDIAN_MS MIN_MS MAX_MS MATCHES QUERY
 * (its median over the rounds: which queries make a class's p99).
 *
 * SQLite keeps no memory statistics here (SQLITE_CONFIG_MEMSTATUS off, as
 * in irsearchd): with them every allocation takes one process-wide mutex,
 * which threads searching at once fight over.
 *
 * Throughput (--clients N): N threads, each with its own connection (its
 * own store, sqlite3 handle or socket) warmed by WARMUP_QUERIES untimed
 * queries, send queries one after another, each starting at its own place
 * in the list, for --seconds S; per round
 *   qps N ROUND QUERIES_PER_SECOND ANSWERED ERRORS
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../searchd/client.h"
#include "irsearch/search.h"
#include "irsearch/store.h"

#define MAX_CLASSES 16
#define ANSWER_MAX (64L << 20)
#define SOCKET_TIMEOUT_MS 60000
#define WARMUP_QUERIES 10	/* per connection, before a throughput round */

typedef enum bench_mode { MODE_IRSEARCH, MODE_FTS5, MODE_SOCKET } bench_mode;

static int no_cache;	/* --no-cache: requests say "cache":false */
static const char *compare_db;	/* --compare: the index for the in-process run of each query */
static const char *aside;	/* --aside: a class also left out of a second aggregate */
static int each;		/* --each: every query's own median after the rounds */

typedef struct query {
	int cls;		/* index into classes[] */
	char *irs;		/* irsearch syntax */
	char *fts;		/* FTS5 syntax */
	char *request;		/* the JSON request line, for --socket */
} query_t;

typedef struct conn {
	store_t *store;		/* --irsearch, and --compare's in-process side */
	sqlite3 *db;
	client_t *client;
} conn_t;

static bench_mode mode;
static const char *target;
static query_t *queries;
static int nqueries;
static char *classes[MAX_CLASSES];
static int nclasses;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "query-bench: %s: %s\n", what, why);
	exit(2);
}

/* The index of the class called name, or -1. */
static int
class_find(const char *name)
{
	int i;

	for (i = 0; i < nclasses; i++)
		if (strcmp(classes[i], name) == 0)
			return i;
	return -1;
}

/* The index of the class called name, added if new. */
static int
class_index(const char *name)
{
	int i = class_find(name);

	if (i >= 0)
		return i;
	if (nclasses == MAX_CLASSES)
		die(name, "too many query classes");
	classes[nclasses] = strdup(name);
	return nclasses++;
}

static void
read_queries(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		die(path, strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *tab1, *tab2;
		query_t *q;

		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if ((tab1 = strchr(line, '\t')) == NULL || (tab2 = strchr(tab1 + 1, '\t')) == NULL)
			continue;
		*tab1 = *tab2 = '\0';
		queries = realloc(queries, sizeof(*queries) * (size_t)(nqueries + 1));
		if (queries == NULL)
			die(path, "out of memory");
		q = &queries[nqueries++];
		q->cls = class_index(line);
		q->irs = strdup(tab1 + 1);
		q->fts = strdup(tab2 + 1);
		q->request = NULL;
		if (mode == MODE_SOCKET) {
			json_t *req = json_pack("{s:s,s:s,s:i}", "op", "search", "q", q->irs, "limit", 10);

			if (req != NULL && no_cache)
				json_object_set_new(req, "cache", json_false());

			if (req == NULL || (q->request = json_dumps(req, JSON_COMPACT)) == NULL)
				die(path, "a query is not valid UTF-8");
			json_decref(req);
		}
	}
	free(line);
	fclose(f);
	if (nqueries == 0)
		die(path, "no queries");
}

static int
open_store(const char *path, store_t **store)
{
	irs_error e;

	if (store_open(path, STORE_READ, NULL, store, &e) != IRS_OK) {
		fprintf(stderr, "query-bench: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
conn_open(conn_t *c)
{
	memset(c, 0, sizeof(*c));
	switch (mode) {
	case MODE_IRSEARCH:
		return open_store(target, &c->store);
	case MODE_FTS5:
		if (sqlite3_open_v2(target, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			fprintf(stderr, "query-bench: %s: %s\n", target, sqlite3_errmsg(c->db));
			return -1;
		}
		return 0;
	case MODE_SOCKET:
		if ((c->client = client_connect(target)) == NULL) {
			fprintf(stderr, "query-bench: %s: %s\n", target, strerror(errno));
			return -1;
		}
		return compare_db != NULL ? open_store(compare_db, &c->store) : 0;
	}
	return -1;
}

static void
conn_close(conn_t *c)
{
	store_close(c->store);
	sqlite3_close(c->db);
	client_close(c->client);
}

/* irsearch's search in this process, as --irsearch runs it; the total, or -1. */
static int64_t
run_in_process(store_t *store, const query_t *q)
{
	search_request req;
	search_result *res;
	irs_error e;
	int64_t total;

	search_request_init(&req, q->irs);
	if (search_run(store, &req, &res, &e) != IRS_OK) {
		fprintf(stderr, "query-bench: %s: %s\n", q->irs, e.msg);
		return -1;
	}
	total = res->total;
	search_result_free(res);
	return total;
}

/* Runs one query; returns its match count (see the top), or -1 on failure. */
static int64_t
run_query(conn_t *c, const query_t *q)
{
	switch (mode) {
	case MODE_IRSEARCH:
		return run_in_process(c->store, q);
	case MODE_FTS5: {
		sqlite3_stmt *st = NULL;
		int64_t rows = 0;
		int rc = sqlite3_prepare_v2(c->db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rank LIMIT 10",
					    -1, &st, NULL);

		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, q->fts, -1, SQLITE_STATIC);
			while ((rc = sqlite3_step(st)) == SQLITE_ROW)
				rows++;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "query-bench: %s: %s\n", q->fts, sqlite3_errmsg(c->db));
			return -1;
		}
		return rows;
	}
	case MODE_SOCKET: {
		char *answer, *t;
		int64_t total = -1;

		if (client_send_line(c->client, q->request) != 0 ||
		    (answer = client_read_line(c->client, ANSWER_MAX, SOCKET_TIMEOUT_MS)) == NULL) {
			fprintf(stderr, "query-bench: no answer to %s\n", q->request);
			return -1;
		}
		/* The client stays cheap: it shares the two cores with the daemon. */
		if (strncmp(answer, "{\"ok\":true", 10) == 0 && (t = strstr(answer, "\"total\":")) != NULL)
			total = strtoll(t + 8, NULL, 10);
		else
			fprintf(stderr, "query-bench: %s -> %.200s\n", q->irs, answer);
		free(answer);
		return total;
	}
	}
	return -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of n sorted values. */
static double
percentile(const double *v, int n, double p)
{
	int k = (int)(p / 100 * n + 0.999999);

	if (k < 1)
		k = 1;
	return v[k > n ? n - 1 : k - 1];
}

/* Sorts v[0..n) and prints its p50 and p99 as a line of kind (latency or added). */
static void
report_class(const char *kind, const char *name, int round, double *v, int n, const char *tail)
{
	if (n == 0)
		return;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%s\t%s\t%d\t%.3f\t%.3f\t%d%s\n", kind, name, round, percentile(v, n, 50),
	       percentile(v, n, 99), n, tail);
}

/*
 * Times one query into *ms.  With --compare the in-process run goes right
 * before it or, with socket_first, right after it, and *added gets the
 * difference.  Returns the number of failures (0 to 2).
 */
static int
time_query(conn_t *c, const query_t *q, int socket_first, double *ms, double *added)
{
	double start, direct_ms = 0;
	int failed = 0;

	if (compare_db != NULL && !socket_first) {
		start = now_ms();
		failed += run_in_process(c->store, q) < 0;
		direct_ms = now_ms() - start;
	}
	start = now_ms();
	failed += run_query(c, q) < 0;
	*ms = now_ms() - start;
	if (compare_db != NULL && socket_first) {
		start = now_ms();
		failed += run_in_process(c->store, q) < 0;
		direct_ms = now_ms() - start;
	}
	*added = *ms - direct_ms;
	return failed;
}

/*
 * Whether query i counts in row k of a round: k < nclasses is that class,
 * k == nclasses "all", k == nclasses + 1 every class but --aside's.
 */
static int
in_row(int k, int i, int aside_cls)
{
	if (k < nclasses)
		return queries[i].cls == k;
	return k == nclasses || queries[i].cls != aside_cls;
}

/* The round's lines: each class, "all", then "all-but-CLASS" with --aside. */
static void
report_round(int round, const double *ms, const double *added, const double *matches,
	     double *scratch)
{
	int aside_cls = aside != NULL ? class_find(aside) : -1;
	int rows = nclasses + 1 + (aside_cls >= 0), k, i;

	for (k = 0; k < rows; k++) {
		char name[64], tail[32];
		double m = 0;
		int n = 0;

		snprintf(name, sizeof(name), "%s%s", k < nclasses ? classes[k] :
			 k == nclasses ? "all" : "all-but-", k > nclasses ? aside : "");
		for (i = 0; i < nqueries; i++)
			if (in_row(k, i, aside_cls)) {
				scratch[n++] = ms[i];
				m += matches[i];
			}
		if (n == 0)
			continue;
		snprintf(tail, sizeof(tail), "\t%.1f", m / n);
		report_class("latency", name, round, scratch, n, tail);
		if (compare_db == NULL)
			continue;
		for (n = 0, i = 0; i < nqueries; i++)
			if (in_row(k, i, aside_cls))
				scratch[n++] = added[i];
		report_class("added", name, round, scratch, n, "");
	}
	fflush(stdout);
}

/* The order of a round: the previous one shuffled. */
static void
shuffle(int *order)
{
	int i;

	for (i = nqueries - 1; i > 0; i--) {
		int j = rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

struct query_time {
	int query;
	double median, min, max;
};

static int
slower_first(const void *a, const void *b)
{
	double x = ((const struct query_time *)a)->median, y = ((const struct query_time *)b)->median;

	return x > y ? -1 : x < y;
}

/* --each: per query, its median, least and most over the rounds (by_round[round * nqueries + query]). */
static void
report_each(const double *by_round, int rounds, const double *matches)
{
	struct query_time *t = malloc(sizeof(*t) * (size_t)nqueries);
	double *v = malloc(sizeof(double) * (size_t)rounds);
	int i, r;

	if (t == NULL || v == NULL)
		die("latency", "out of memory");
	for (i = 0; i < nqueries; i++) {
		for (r = 0; r < rounds; r++)
			v[r] = by_round[(size_t)r * (size_t)nqueries + (size_t)i];
		qsort(v, (size_t)rounds, sizeof(*v), cmp_double);
		t[i].query = i;
		t[i].median = percentile(v, rounds, 50);
		t[i].min = v[0];
		t[i].max = v[rounds - 1];
	}
	qsort(t, (size_t)nqueries, sizeof(*t), slower_first);
	for (i = 0; i < nqueries; i++)
		printf("query\t%s\t%.3f\t%.3f\t%.3f\t%.0f\t%s\n", classes[queries[t[i].query].cls], t[i].median,
		       t[i].min, t[i].max, matches[t[i].query], queries[t[i].query].irs);
	free(t);
	free(v);
}

static int
latency(int rounds, unsigned seed)
{
	conn_t c;
	int *order = malloc(sizeof(int) * (size_t)nqueries), round, i, failed = 0;
	double *ms = malloc(sizeof(double) * (size_t)nqueries);
	double *added = calloc((size_t)nqueries, sizeof(double));
	double *matches = calloc((size_t)nqueries, sizeof(double));
	double *scratch = malloc(sizeof(double) * (size_t)nqueries);
	double *by_round = malloc(sizeof(double) * (size_t)nqueries * (size_t)rounds);

	if (order == NULL || ms == NULL || added == NULL || matches == NULL || scratch == NULL ||
	    by_round == NULL)
		die("latency", "out of memory");
	if (conn_open(&c) != 0)
		return 2;
	/* The untimed pass warms both sides of --compare. */
	for (i = 0; i < nqueries; i++) {
		order[i] = i;
		if ((matches[i] = (double)run_query(&c, &queries[i])) < 0)
			failed++;
		if (compare_db != NULL && run_in_process(c.store, &queries[i]) < 0)
			failed++;
	}
	srand(seed);
	for (round = 1; round <= rounds; round++) {
		shuffle(order);
		for (i = 0; i < nqueries; i++) {
			int k = order[i];

			failed += time_query(&c, &queries[k], (i + round) % 2, &ms[k], &added[k]);
		}
		memcpy(by_round + (size_t)(round - 1) * (size_t)nqueries, ms, sizeof(double) * (size_t)nqueries);
		report_round(round, ms, added, matches, scratch);
	}
	if (each)
		report_each(by_round, rounds, matches);
	conn_close(&c);
	free(by_round);
	free(order);
	free(ms);
	free(added);
	free(scratch);
	free(matches);
	return failed > 0 ? 1 : 0;
}

struct worker {
	pthread_t thread;
	int index;
	conn_t conn;
	long answered, errors;
};

static pthread_barrier_t start_line;
static volatile int stop_now;

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	int i = (int)(((long)w->index * 7919) % nqueries), k;

	/* Warm the connection (its page cache, the daemon's worker) first. */
	for (k = 0; k < WARMUP_QUERIES; k++)
		run_query(&w->conn, &queries[(i + k) % nqueries]);
	pthread_barrier_wait(&start_line);
	while (!stop_now) {
		if (run_query(&w->conn, &queries[i]) < 0)
			w->errors++;
		else
			w->answered++;
		i = (i + 1) % nqueries;
	}
	return NULL;
}

static int
throughput(int clients, int rounds, double seconds)
{
	struct worker *w = calloc((size_t)clients, sizeof(*w));
	int round, i, failed = 0;

	if (w == NULL)
		die("throughput", "out of memory");
	for (round = 1; round <= rounds; round++) {
		struct timespec pause;
		double start, elapsed;
		long answered = 0, errors = 0;

		for (i = 0; i < clients; i++) {
			w[i].index = i;
			w[i].answered = w[i].errors = 0;
			if (conn_open(&w[i].conn) != 0)
				return 2;
		}
		stop_now = 0;
		pthread_barrier_init(&start_line, NULL, (unsigned)clients + 1);
		for (i = 0; i < clients; i++)
			if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0)
				die("throughput", "cannot start a thread");
		pthread_barrier_wait(&start_line);
		start = now_ms();
		pause.tv_sec = (time_t)seconds;
		pause.tv_nsec = (long)((seconds - (double)pause.tv_sec) * 1e9);
		while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
			;
		stop_now = 1;
		for (i = 0; i < clients; i++) {
			pthread_join(w[i].thread, NULL);
			answered += w[i].answered;
			errors += w[i].errors;
			conn_close(&w[i].conn);
		}
		/* Queries in flight when the time ran out finish and count: divide by the real time. */
		elapsed = now_ms() - start;
		pthread_barrier_destroy(&start_line);
		printf("qps\t%d\t%d\t%.1f\t%ld\t%ld\n", clients, round, answered / (elapsed / 1e3), answered,
		       errors);
		fflush(stdout);
		failed |= errors > 0;
	}
	free(w);
	return failed;
}

static void
usage(void)
{
	fputs("usage: query-bench --irsearch DB|--fts5 DB|--socket PATH [--no-cache] [--compare DB]\n"
	      "                   [--aside CLASS] [--each] [--rounds R] [--seed S] [--clients N --seconds S]\n"
	      "                   QUERIES\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	int rounds = 5, clients = 0, i, rc;
	unsigned seed = 1;
	double seconds = 3;
	const char *file = NULL;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--irsearch") == 0 && i + 1 < argc) {
			mode = MODE_IRSEARCH;
			target = argv[++i];
		} else if (strcmp(argv[i], "--fts5") == 0 && i + 1 < argc) {
			mode = MODE_FTS5;
			target = argv[++i];
		} else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			mode = MODE_SOCKET;
			target = argv[++i];
		} else if (strcmp(argv[i], "--no-cache") == 0) {
			no_cache = 1;
		} else if (strcmp(argv[i], "--compare") == 0 && i + 1 < argc) {
			compare_db = argv[++i];
		} else if (strcmp(argv[i], "--aside") == 0 && i + 1 < argc) {
			aside = argv[++i];
		} else if (strcmp(argv[i], "--each") == 0) {
			each = 1;
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) {
			clients = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (argv[i][0] != '-' && file == NULL) {
			file = argv[i];
		} else {
			usage();
		}
	}
	if (target == NULL || file == NULL || rounds < 1 || clients < 0 || seconds <= 0 ||
	    (compare_db != NULL && (mode != MODE_SOCKET || clients > 0)))
		usage();
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		die("sqlite3_config", "SQLite started too early");
	read_queries(file);
	rc = clients > 0 ? throughput(clients, rounds, seconds) : latency(rounds, seed);
	for (i = 0; i < nqueries; i++) {
		free(queries[i].irs);
		free(queries[i].fts);
		free(queries[i].request);
	}
	free(queries);
	for (i = 0; i < nclasses; i++)
		free(classes[i]);
	return rc;
}
