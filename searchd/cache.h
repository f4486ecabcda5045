/*
 * cache.h - the daemon's cache of search answers, shared by its workers.
 *
 * Owns: answer lines kept by key (the index's state tag, store.h, and the
 * request in canonical form), evicted least recently used first past a
 * byte budget.  A key names the state of the index its answer was computed
 * on, read in the same read transaction, so an answer is never served
 * after irindex commits a change: the new state has other keys, and the
 * old entries age out.  Thread-safe (one mutex).  Does not own what is
 * cacheable (pool.c decides: successful searches only).
 */
#ifndef IRSEARCHD_CACHE_H
#define IRSEARCHD_CACHE_H

#include <stddef.h>

typedef struct answer_cache answer_cache_t;

/* A cache of at most max_bytes of keys and answers; NULL when max_bytes is 0 or memory is short. */
answer_cache_t *cache_new(size_t max_bytes);

/* A copy of the answer kept for key (caller frees), or NULL. */
char *cache_get(answer_cache_t *c, const char *key);

/* Keeps a copy of answer for key, replacing any; an entry larger than a quarter of the budget is not kept. */
void cache_put(answer_cache_t *c, const char *key, const char *answer);

/* Hits and lookups so far, for stats. */
void cache_counts(answer_cache_t *c, long long *hits, long long *lookups);

/* Frees the cache; accepts NULL. */
void cache_free(answer_cache_t *c);

#endif
