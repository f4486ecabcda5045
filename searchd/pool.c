/*
 * pool.c - worker threads answering requests (see pool.h).
 *
 * One mutex guards both queues and the stack of idle workers; each worker
 * sleeps on a condition variable of its own, and work goes to the one
 * that went idle last.
 * Each worker owns one store_t (SQLite connections are used by one thread
 * at a time, and FTS5 makes one tokenizer instance per connection, so no
 * stemmer is ever shared).  The time budget is a progress handler that
 * interrupts the statement once the deadline passes; search.c turns the
 * interruption into a "timeout" error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "irsearch/printer.h"
#include "irsearch/protocol.h"
#include "irsearch/store.h"
#include "cache.h"
#include "pool.h"

struct worker {
	pool_t *pool;
	pthread_t thread;
	pthread_cond_t wake;	/* signalled when this worker is handed work (or the pool stops) */
	int idle;		/* on the pool's idle stack */
	store_t *store;
	unsigned generation;	/* of the pool, when store was opened */
	dev_t dev;		/* the index file store has open */
	ino_t ino;
	double deadline_ms;
};

struct pool {
	pool_options opt;
	pthread_mutex_t lock;
	struct worker **idle;	/* idle workers, the most recently idle on top */
	int nidle;
	job_t *queue, *queue_tail;
	job_t *done, *done_tail;
	unsigned generation;
	int stopping;
	int nworkers;
	struct worker *workers;
	time_t started;
	answer_cache_t *cache;	/* NULL when disabled */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

job_t *
job_new(uint64_t conn_id, int fd, const char *line, size_t len)
{
	job_t *job = calloc(1, sizeof(*job));

	if (job == NULL || (job->line = malloc(len + 1)) == NULL) {
		free(job);
		return NULL;
	}
	memcpy(job->line, line, len);
	job->line[len] = '\0';
	job->len = len;
	job->conn_id = conn_id;
	job->fd = fd;
	return job;
}

void
job_free(job_t *job)
{
	if (job == NULL)
		return;
	free(job->line);
	free(job->answer);
	free(job);
}

static void
append(job_t **head, job_t **tail, job_t *job)
{
	job->next = NULL;
	if (*tail != NULL)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

/* Interrupts the running statement once the worker's deadline has passed. */
static int
over_budget(void *arg)
{
	struct worker *w = arg;

	return w->deadline_ms > 0 && now_ms() > w->deadline_ms;
}

/*
 * The worker's store for this generation, opened when needed; NULL with e
 * filled when none.  A store whose file is no longer the one at the index
 * path (irindex --full set a damaged index aside and built a new one, or
 * the file was replaced) is reopened: a stat per request.
 */
static store_t *
worker_store(struct worker *w, unsigned generation, irs_error *e)
{
	struct stat st;
	int replaced = 0;

	if (w->store != NULL)
		replaced = stat(w->pool->opt.db_path, &st) != 0 || st.st_dev != w->dev || st.st_ino != w->ino;
	if (w->store != NULL && (w->generation != generation || replaced)) {
		store_close(w->store);
		w->store = NULL;
	}
	if (w->store != NULL)
		return w->store;
	/* Noted before opening: a file replaced in between is only reopened once more. */
	w->dev = 0;
	w->ino = 0;
	if (stat(w->pool->opt.db_path, &st) == 0) {
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
	if (store_open(w->pool->opt.db_path, STORE_READ, NULL, &w->store, e) == IRS_OK) {
		w->generation = generation;
		sqlite3_progress_handler(store_db(w->store), 1000, over_budget, w);
	}
	return w->store;
}

/* A copy of a kept answer that says it was kept: {"ok":true,"cached":true,... */
#define OK_PREFIX "{\"ok\":true"
#define CACHED_MARK ",\"cached\":true"

static char *
mark_cached(char *line)
{
	size_t n = strlen(line), head = sizeof(OK_PREFIX) - 1, mark = sizeof(CACHED_MARK) - 1;
	char *out = malloc(n + mark + 1);

	if (out != NULL) {
		memcpy(out, line, head);
		memcpy(out + head, CACHED_MARK, mark);
		memcpy(out + head + mark, line + head, n - head + 1);
	}
	free(line);
	return out;
}

/*
 * A search through the answer cache.  The key starts with the index's
 * state tag, read in the read transaction the search then runs in, so a
 * kept answer always names the index it was computed on: after irindex
 * commits, the same request has another key.  Only successes are kept.
 */
static char *
answer_through_cache(pool_t *p, store_t *store, const protocol_request *req, const protocol_server_info *info)
{
	sqlite3 *db = store_db(store);
	char tag[128], *request = NULL, *key = NULL, *line = NULL;
	irs_error e;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return protocol_answer(store, req, info);
	if (store_state_tag(store, tag, sizeof(tag), &e) == IRS_OK && (request = protocol_request_key(req)) != NULL &&
	    (key = malloc(strlen(tag) + strlen(request) + 2)) != NULL) {
		sprintf(key, "%s\n%s", tag, request);
		if ((line = cache_get(p->cache, key)) != NULL)
			line = mark_cached(line);
	}
	if (line == NULL) {
		line = protocol_answer(store, req, info);
		if (line != NULL && key != NULL && strncmp(line, OK_PREFIX, sizeof(OK_PREFIX) - 1) == 0)
			cache_put(p->cache, key, line);
	}
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	free(request);
	free(key);
	return line;
}

static void
answer(struct worker *w, job_t *job, unsigned generation)
{
	const pool_options *opt = &w->pool->opt;
	protocol_server_info info = { opt->db_path, (int64_t)(time(NULL) - w->pool->started) };
	protocol_request req;
	irs_error e;
	double start = now_ms();
	store_t *store;

	if (protocol_parse_request(job->line, job->len, &opt->defaults, &req, &e) != IRS_OK) {
		job->answer = printer_json_error(e.code, e.msg);
		job->close_after = e.code == IRS_TOO_LARGE;
	} else if ((store = worker_store(w, generation, &e)) == NULL && req.op != OP_PING) {
		job->answer = printer_json_error(e.code, e.msg);
	} else {
		w->deadline_ms = opt->budget_ms > 0 ? start + opt->budget_ms : 0;
		if (req.op == OP_SEARCH && w->pool->cache != NULL && !req.no_cache && store != NULL)
			job->answer = answer_through_cache(w->pool, store, &req, &info);
		else
			job->answer = protocol_answer(store, &req, &info);
		w->deadline_ms = 0;
	}
	protocol_request_free(&req);
	job->took_ms = now_ms() - start;
}

/* Puts w on the idle stack (the lock held), once. */
static void
go_idle(pool_t *p, struct worker *w)
{
	if (w->idle)
		return;
	w->idle = 1;
	p->idle[p->nidle++] = w;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	pool_t *p = w->pool;
	job_t *job;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		unsigned generation;

		while (p->queue == NULL && !p->stopping) {
			go_idle(p, w);
			while (w->idle)
				pthread_cond_wait(&w->wake, &p->lock);
		}
		if ((job = p->queue) == NULL)
			break;
		p->queue = job->next;
		if (p->queue == NULL)
			p->queue_tail = NULL;
		generation = p->generation;
		pthread_mutex_unlock(&p->lock);

		answer(w, job, generation);

		pthread_mutex_lock(&p->lock);
		append(&p->done, &p->done_tail, job);
		/* Idle before the event loop hears of the answer: the client's next
		 * request, sent as soon as it reads this one, finds this worker. */
		if (p->queue == NULL && !p->stopping)
			go_idle(p, w);
		pthread_mutex_unlock(&p->lock);
		/* The pipe is non-blocking: when it is full the loop is awake anyway. */
		while (write(p->opt.notify_fd, "", 1) < 0 && errno == EINTR)
			;
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	store_close(w->store);
	w->store = NULL;
	return NULL;
}

pool_t *
pool_start(const pool_options *opt, irs_error *e)
{
	pool_t *p = calloc(1, sizeof(*p));
	int i, rc;

	if (p == NULL || (p->workers = calloc((size_t)opt->workers, sizeof(*p->workers))) == NULL) {
		free(p);
		irs_fail(e, IRS_INTERNAL, "out of memory");
		return NULL;
	}
	p->opt = *opt;
	p->started = time(NULL);
	p->cache = cache_new(opt->cache_bytes);
	pthread_mutex_init(&p->lock, NULL);
	if ((p->idle = calloc((size_t)opt->workers, sizeof(*p->idle))) == NULL) {
		free(p->workers);
		free(p);
		irs_fail(e, IRS_INTERNAL, "out of memory");
		return NULL;
	}
	for (i = 0; i < opt->workers; i++)
		pthread_cond_init(&p->workers[i].wake, NULL);
	for (i = 0; i < opt->workers; i++) {
		p->workers[i].pool = p;
		rc = pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]);
		if (rc != 0) {
			irs_fail(e, IRS_INTERNAL, "cannot start worker thread: %s", strerror(rc));
			pool_stop(p);
			return NULL;
		}
		p->nworkers++;
	}
	return p;
}

/*
 * Takes the worker that went idle last off the idle stack (the lock held);
 * NULL when all are busy (one of them takes the job when done).  Last in,
 * first out: one client's requests, one after another, keep going to the
 * same worker, whose connection, caches and mapped pages are warm.  A
 * condition variable shared by all woke them in turn: with 4 workers on 2
 * cores a lone client's search took 0.9 ms more through the socket than
 * in-process, with one worker 0.16 ms (10,000 documents, 180 queries).
 */
static struct worker *
take_idle(pool_t *p)
{
	struct worker *w;

	if (p->nidle == 0)
		return NULL;
	w = p->idle[--p->nidle];
	w->idle = 0;
	return w;
}

void
pool_submit(pool_t *p, job_t *job)
{
	struct worker *w;

	pthread_mutex_lock(&p->lock);
	append(&p->queue, &p->queue_tail, job);
	w = take_idle(p);
	pthread_mutex_unlock(&p->lock);
	/* After the unlock: woken while the lock is held, the worker would at
	 * once sleep again on it.  It waits while w->idle, cleared above, so
	 * the signal cannot be lost. */
	if (w != NULL)
		pthread_cond_signal(&w->wake);
}

job_t *
pool_take_done(pool_t *p)
{
	job_t *job;

	pthread_mutex_lock(&p->lock);
	job = p->done;
	if (job != NULL) {
		p->done = job->next;
		if (p->done == NULL)
			p->done_tail = NULL;
		job->next = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	return job;
}

void
pool_reopen(pool_t *p)
{
	pthread_mutex_lock(&p->lock);
	p->generation++;
	pthread_mutex_unlock(&p->lock);
}

void
pool_stop(pool_t *p)
{
	job_t *job;
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	while (p->nidle > 0)
		pthread_cond_signal(&take_idle(p)->wake);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nworkers; i++)
		pthread_join(p->workers[i].thread, NULL);
	while ((job = pool_take_done(p)) != NULL)
		job_free(job);
	pthread_mutex_destroy(&p->lock);
	for (i = 0; i < p->opt.workers; i++)
		pthread_cond_destroy(&p->workers[i].wake);
	cache_free(p->cache);
	free(p->idle);
	free(p->workers);
	free(p);
}
