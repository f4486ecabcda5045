/*
 * pool.h - the daemon's worker threads, each with its own read-only index connection.
 *
 * Owns: the job queue, the threads, their SQLite connections (opened on
 * first need and again after pool_reopen, so a daemon started before the
 * first irindex run answers "unavailable" until the index appears), and the
 * per-query time budget.  The event loop (server.c) owns sockets; it hands
 * complete request lines in and takes answers out, woken by notify_fd.
 */
#ifndef IRSEARCHD_POOL_H
#define IRSEARCHD_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "irsearch/error.h"
#include "irsearch/search.h"

typedef struct job {
	struct job *next;
	uint64_t conn_id;	/* which connection asked */
	int fd;			/* its socket, to find it again (checked against conn_id) */
	char *line;		/* the request line, owned by the job */
	size_t len;
	char *answer;		/* filled by a worker: one JSON line, owned by the job */
	int close_after;	/* the request was bad enough to close the connection */
	double took_ms;
} job_t;

typedef struct pool pool_t;

typedef struct pool_options {
	int workers;
	const char *db_path;
	int budget_ms;		/* per query; 0: none */
	search_request defaults;	/* limit, weights, snippet length */
	int notify_fd;		/* a byte is written here when an answer is ready */
	size_t cache_bytes;	/* the answer cache's budget (cache.h); 0: no cache */
} pool_options;

/* Starts the workers; NULL with e filled on failure. */
pool_t *pool_start(const pool_options *opt, irs_error *e);

/* Queues a job; the pool owns it until pool_take_done hands it back. */
void pool_submit(pool_t *p, job_t *job);

/* An answered job, or NULL when none is ready.  The caller frees it with job_free. */
job_t *pool_take_done(pool_t *p);

/* Makes every worker reopen the index before its next job (SIGHUP). */
void pool_reopen(pool_t *p);

/* Answers what is queued, then stops and frees the pool; accepts NULL. */
void pool_stop(pool_t *p);

job_t *job_new(uint64_t conn_id, int fd, const char *line, size_t len);
void job_free(job_t *job);

#endif
