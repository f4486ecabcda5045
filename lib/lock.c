/* lock.c - the writer's lock file beside the index (see lock.h). */
#define _DEFAULT_SOURCE		/* flock(2) is BSD's, not POSIX's */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "irsearch/lock.h"

struct index_lock {
	int fd;
	char *path;
};

/* The pid the holder wrote into the lock file, or 0 when unknown. */
static long
holder_pid(int fd)
{
	char buf[32];
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf) - 1, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

irs_code
lock_acquire(const char *db_path, int wait, index_lock_t **out, irs_error *e)
{
	index_lock_t *l = calloc(1, sizeof(*l));
	size_t len = strlen(db_path) + sizeof(".lock");
	char pid[32];
	int rc;

	*out = NULL;
	if (l == NULL || (l->path = malloc(len)) == NULL) {
		free(l);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	snprintf(l->path, len, "%s.lock", db_path);
	/* open(2) can be interrupted on network file systems (and FUSE). */
	while ((l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 && errno == EINTR)
		;
	if (l->fd < 0) {
		irs_fail(e, IRS_INTERNAL, "%s: cannot open the lock file: %s", l->path, strerror(errno));
		free(l->path);
		free(l);
		return IRS_INTERNAL;
	}
	while ((rc = flock(l->fd, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR)
		;
	if (rc != 0) {
		long holder = holder_pid(l->fd);

		if (errno == EWOULDBLOCK && holder > 0)
			irs_fail(e, IRS_UNAVAILABLE, "%s: index is being updated by pid %ld", db_path, holder);
		else if (errno == EWOULDBLOCK)
			irs_fail(e, IRS_UNAVAILABLE, "%s: index is being updated by another irindex", db_path);
		else
			irs_fail(e, IRS_INTERNAL, "%s: cannot lock: %s", l->path, strerror(errno));
		close(l->fd);
		free(l->path);
		free(l);
		return e != NULL ? e->code : IRS_UNAVAILABLE;
	}
	/* Who holds it, for the next one's message; the lock itself is the flock,
	 * so failing to write the pid only makes that message vaguer. */
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	while ((rc = ftruncate(l->fd, 0)) != 0 && errno == EINTR)
		;
	if (rc == 0)
		while (pwrite(l->fd, pid, strlen(pid), 0) < 0 && errno == EINTR)
			;
	*out = l;
	return IRS_OK;
}

void
lock_release(index_lock_t *l)
{
	if (l == NULL)
		return;
	/* The file stays: removing it could let two runs lock two different
	 * files.  A stale pid left in it is never shown: it is read only while
	 * the lock is held. */
	while (ftruncate(l->fd, 0) != 0 && errno == EINTR)
		;
	flock(l->fd, LOCK_UN);	/* never waits; close(2) would drop it anyway */
	close(l->fd);
	free(l->path);
	free(l);
}
