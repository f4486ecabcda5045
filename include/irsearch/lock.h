/*
 * lock.h - one writer at a time: the lock file beside the index.
 *
 * Owns: taking and releasing INDEX.lock with flock(2), and naming the
 * process that holds it.  The lock is held for a whole irindex run, so two
 * runs (a cron job and a person, say) never interleave their batches;
 * readers never take it.  The kernel drops it when the holder dies, so a
 * killed irindex leaves no stale lock.
 */
#ifndef IRSEARCH_LOCK_H
#define IRSEARCH_LOCK_H

#include "irsearch/error.h"

typedef struct index_lock index_lock_t;

/*
 * Takes the lock for the index at db_path.  With wait, blocks until it is
 * free; without, fails at once with IRS_UNAVAILABLE and "index is being
 * updated by pid N".  *out is NULL on failure.  Release with lock_release.
 */
irs_code lock_acquire(const char *db_path, int wait, index_lock_t **out, irs_error *e);

/* Releases the lock and frees it; accepts NULL. */
void lock_release(index_lock_t *l);

#endif
