/*
 * extractors.h - irindex's pool of extractor worker processes.
 *
 * Owns: running the per-file work that touches untrusted bytes (reading,
 * hashing, type detection, extraction by poppler, libxml2, libarchive) in
 * persistent worker processes, each re-executed from irindex's own binary
 * with limits: wall time per file, address space, and text size.  A worker
 * that crashes, hangs or blows a limit costs the one file it held, which
 * is reported as skipped with the reason, and a new worker takes its
 * place.  Results are handed back in submission order (the walk's order),
 * through a small reorder buffer, so document ids do not depend on which
 * worker was fastest.  The parent trusts nothing a worker sends: answers
 * are length-prefixed, bounded, and checked field by field.
 *
 * Does not own: the index.  Every SQLite write stays in irindex's single
 * process, in the done callback.
 *
 * Workers are sandboxed: they hold no descriptor of irindex's (only
 * /dev/null on 0-2, their two pipes and the file being parsed), and run
 * with no_new_privs, Landlock where the kernel has it, and a seccomp
 * filter, so they can read files but open no socket, start no program,
 * and write, create, remove or change no file (docs/SECURITY.md, "Least
 * privilege").
 *
 * IRSEARCH_TEST_EXTRACT_FAULT (tests only): KIND:TEXT, or several joined
 * by commas, acts on files whose path contains TEXT, once the worker has
 * opened the file: "segv", "hang" or "abort" makes the worker crash, hang
 * (holding the file) or abort, so that tests can show the run goes on;
 * "network" tries a socket and aborts if it gets one; "write" and "reach"
 * try what an exploited parser would (write, create, remove or change
 * files; sockets, programs, io_uring, irindex's descriptors, memory and
 * signals, device ioctls) and skip the file with how each call failed.
 */
#ifndef IRSEARCH_INDEXER_EXTRACTORS_H
#define IRSEARCH_INDEXER_EXTRACTORS_H

#include <stdint.h>

#include "irsearch/doc.h"
#include "irsearch/error.h"

typedef struct extract_limits {
	int timeout_s;		/* wall time one file may take */
	long memory_mib;	/* a worker's address space (RLIMIT_AS); 0: no limit */
	size_t max_text;	/* bytes of text one document may have */
} extract_limits;

typedef enum extract_outcome {
	EXTRACT_DOC,		/* res->doc holds the document */
	EXTRACT_UNCHANGED,	/* the bytes hash to job->old_hash: only the stamp changed */
	EXTRACT_SKIPPED,	/* not indexed; res->reason says why (a type, a limit, damage) */
	EXTRACT_UNREADABLE	/* the file could not be read; res->reason says why */
} extract_outcome;

typedef struct extract_job {
	const char *path;	/* copied by extractors_submit */
	int64_t size, mtime_ns;	/* from the walk's stat */
	int compare_hash;	/* answer EXTRACT_UNCHANGED when the bytes hash to old_hash */
	uint64_t old_hash;
	int64_t old_id;		/* the caller's, handed back untouched */
	int known;
} extract_job;

typedef struct extract_result {
	extract_outcome outcome;
	irs_doc doc;		/* EXTRACT_DOC: path, size, mtime, hash, type, text, metadata */
	uint64_t hash;		/* EXTRACT_DOC, EXTRACT_UNCHANGED */
	char reason[256];	/* EXTRACT_SKIPPED, EXTRACT_UNREADABLE */
} extract_result;

/*
 * Called once per submitted job, in submission order.  res->doc is cleared
 * by the pool afterwards (the callback may take its strings, leaving NULL).
 */
typedef void (*extractors_done_fn)(void *ud, const extract_job *job, extract_result *res);

typedef struct extractors extractors_t;

/*
 * Makes a pool of workers (1..IRS_MAX_EXTRACT_WORKERS) started on first
 * need; workers == 0 extracts inside this process instead, unprotected,
 * for measurement and debugging.  *out is NULL on failure.  Free with
 * extractors_free.
 */
irs_code extractors_new(const extract_limits *lim, int workers, extractors_done_fn done, void *ud,
			extractors_t **out, irs_error *e);

/*
 * Queues one file.  May wait for workers, and call done for earlier jobs.
 * Fails only when no worker can be started (the run should stop).
 */
irs_code extractors_submit(extractors_t *x, const extract_job *job, irs_error *e);

/* Waits for every queued job, calling done for each; the workers stay. */
irs_code extractors_wait(extractors_t *x, irs_error *e);

/*
 * Waits for every queued job (calling done for each), then stops the
 * workers.  Fails when a worker could not be started, or one ended its
 * life badly (a sanitizer report at exit, say): e says which.
 */
irs_code extractors_finish(extractors_t *x, irs_error *e);

/* Kills what still runs and frees the pool; accepts NULL. */
void extractors_free(extractors_t *x);

/*
 * The worker's main, for "irindex --extract-worker MEMORY_MIB MAX_TEXT":
 * reads jobs on fd 3, answers on fd 4, until fd 3 closes.  Returns the
 * exit status.
 */
int extractors_worker_main(int argc, char **argv);

#define EXTRACTORS_WORKER_FLAG "--extract-worker"

#endif
