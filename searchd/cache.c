/*
 * cache.c - the daemon's answer cache (see cache.h).
 *
 * A chained hash table over the entries, and a doubly linked list from the
 * most to the least recently used.  The table doubles when it holds more
 * entries than buckets.  Every operation takes the one mutex: a lookup is
 * a hash, a compare and a copy, far shorter than the search it saves.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

struct entry {
	struct entry *chain;		/* next in the bucket */
	struct entry *newer, *older;	/* the recency list */
	uint64_t hash;
	size_t bytes;			/* what it counts against the budget */
	char *key, *answer;
};

struct answer_cache {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t nbuckets, count, bytes, max_bytes;
	struct entry *newest, *oldest;
	long long hits, lookups;
};

/* FNV-1a, 64 bits. */
static uint64_t
hash_key(const char *key)
{
	uint64_t h = 14695981039346656037ull;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ull;
	}
	return h;
}

answer_cache_t *
cache_new(size_t max_bytes)
{
	answer_cache_t *c;

	if (max_bytes == 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->nbuckets = 256;
	c->max_bytes = max_bytes;
	if ((c->buckets = calloc(c->nbuckets, sizeof(*c->buckets))) == NULL ||
	    pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->buckets);
		free(c);
		return NULL;
	}
	return c;
}

static struct entry **
slot_of(answer_cache_t *c, const char *key, uint64_t h)
{
	struct entry **p = &c->buckets[h & (c->nbuckets - 1)];

	while (*p != NULL && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
		p = &(*p)->chain;
	return p;
}

static void
unlink_recency(answer_cache_t *c, struct entry *x)
{
	if (x->newer != NULL)
		x->newer->older = x->older;
	else
		c->newest = x->older;
	if (x->older != NULL)
		x->older->newer = x->newer;
	else
		c->oldest = x->newer;
	x->newer = x->older = NULL;
}

static void
push_newest(answer_cache_t *c, struct entry *x)
{
	x->older = c->newest;
	x->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = x;
	c->newest = x;
	if (c->oldest == NULL)
		c->oldest = x;
}

/* Takes x out of the table and the list, and frees it. */
static void
drop(answer_cache_t *c, struct entry *x)
{
	struct entry **p = slot_of(c, x->key, x->hash);

	*p = x->chain;
	unlink_recency(c, x);
	c->count--;
	c->bytes -= x->bytes;
	free(x->key);
	free(x->answer);
	free(x);
}

/* Doubles the table when it is fuller than one entry a bucket; stays as it is when memory is short. */
static void
grow(answer_cache_t *c)
{
	size_t n = c->nbuckets * 2, i;
	struct entry **b;

	if (c->count <= c->nbuckets || (b = calloc(n, sizeof(*b))) == NULL)
		return;
	for (i = 0; i < c->nbuckets; i++) {
		struct entry *x = c->buckets[i], *next;

		for (; x != NULL; x = next) {
			next = x->chain;
			x->chain = b[x->hash & (n - 1)];
			b[x->hash & (n - 1)] = x;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = n;
}

char *
cache_get(answer_cache_t *c, const char *key)
{
	uint64_t h = hash_key(key);
	struct entry *x;
	char *copy = NULL;

	pthread_mutex_lock(&c->lock);
	c->lookups++;
	x = *slot_of(c, key, h);
	if (x != NULL) {
		unlink_recency(c, x);
		push_newest(c, x);
		copy = strdup(x->answer);
		c->hits += copy != NULL;
	}
	pthread_mutex_unlock(&c->lock);
	return copy;
}

void
cache_put(answer_cache_t *c, const char *key, const char *answer)
{
	size_t bytes = strlen(key) + strlen(answer) + 2 + sizeof(struct entry);
	uint64_t h = hash_key(key);
	struct entry *x, *old;

	if (bytes > c->max_bytes / 4 || (x = calloc(1, sizeof(*x))) == NULL)
		return;
	x->key = strdup(key);
	x->answer = strdup(answer);
	if (x->key == NULL || x->answer == NULL) {
		free(x->key);
		free(x->answer);
		free(x);
		return;
	}
	x->hash = h;
	x->bytes = bytes;
	pthread_mutex_lock(&c->lock);
	if ((old = *slot_of(c, key, h)) != NULL)
		drop(c, old);
	while (c->oldest != NULL && c->bytes + bytes > c->max_bytes)
		drop(c, c->oldest);
	x->chain = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = x;
	push_newest(c, x);
	c->count++;
	c->bytes += bytes;
	grow(c);
	pthread_mutex_unlock(&c->lock);
}

void
cache_counts(answer_cache_t *c, long long *hits, long long *lookups)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*lookups = c->lookups;
	pthread_mutex_unlock(&c->lock);
}

void
cache_free(answer_cache_t *c)
{
	if (c == NULL)
		return;
	while (c->oldest != NULL)
		drop(c, c->oldest);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
