/*
 * irindex - build and refresh the index from folders of reports.
 *
 * Walks each root, and for every file: skips it untouched when its size and
 * mtime match the index; otherwise hands it to the extractor workers
 * (extractors.h), which read it, hash it (an unchanged hash only refreshes
 * the stamp), detect its type and extract it, in parallel and isolated;
 * their results come back in walk order and are stored here, the one
 * process that writes.  Documents under a walked root that were not seen
 * leave the index.  Writes are committed in batches of IRS_BATCH_DOCS,
 * each a transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "irsearch/config.h"
#include "irsearch/limits.h"
#include "irsearch/lock.h"
#include "irsearch/store.h"
#include "irsearch/tokenize.h"
#include "irsearch/walk.h"
#include "extractors.h"

#define MAX_REASONS 8

struct reason_count {
	char reason[IRS_MIME_MAX];
	int count;
};

struct run {
	store_t *store;		/* NULL in a dry run over an index that does not exist yet */
	extractors_t *extractors;
	int full, quiet, verbose, dry_run;
	int added, updated, removed, moved, unchanged, skipped, failed;
	const char *const *excludes;
	int nexcludes;
	FILE *log;		/* --log: every message and the summary, time-stamped */
	int progress;		/* a progress line on a terminal */
	long files_seen, files_total;
	double started, last_drawn, batch_started;
	struct reason_count reasons[MAX_REASONS];
	int other_reasons;
	int in_batch;
	irs_code fatal;
	irs_error fatal_error;
};

static void
usage(FILE *out)
{
	fputs("usage: irindex [--db PATH] [--config FILE] [--full] [--dry-run] [--wait] [--languages LIST]\n"
	      "               [--exclude PATTERN] [--log FILE]\n"
	      "               [-j N] [--timeout SECONDS] [--max-memory MIB] [--max-text MIB]\n"
	      "               [-q|--quiet] [-v|--verbose] [ROOT...]\n"
	      "Index the files below each ROOT (else the roots of the config file).\n"
	      "Reads text and Markdown (any common charset), HTML, PDF, DOCX, ODT and EPUB.\n"
	      "  --db PATH          index file (default $IRSEARCH_DB, else\n"
	      "                     ~/.local/share/irsearch/index.db)\n"
	      "  --config FILE      settings (default ~/.config/irsearch/irsearch.conf)\n"
	      "  --full             re-read every file, changed or not\n"
	      "  --languages LIST   stemming languages of a new index (default \"english russian\")\n"
	      "  -j, --jobs N       extractor worker processes (default: one per core)\n"
	      "  --timeout SECONDS  time one file may take to extract (default 60)\n"
	      "  --max-memory MIB   address space of each worker (default 1024, 0: no limit)\n"
	      "  --max-text MIB     text of one document; larger ones are skipped (default 64)\n"
	      "  --in-process       extract inside irindex, without isolation (measurement only)\n"
	      "  --exclude PATTERN  leave out files or folders (folder/) matching it (repeatable)\n"
	      "  --dry-run          print what would be added, updated and removed; write nothing\n"
	      "  --wait             wait for another irindex on this index instead of exiting 2\n"
	      "  --log FILE         append every message and the summary to FILE\n"
	      "  -q, --quiet        print nothing unless something failed\n"
	      "  -v, --verbose      name every file added or updated\n"
	      "  --help, --version\n"
	      "Exit status: 0 done, 1 some files or roots failed, 2 fatal error.\n", out);
}

static double
seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Where note() writes: stderr unless --quiet, stderr always, only the log. */
enum { NOTE, NOTE_ALWAYS, NOTE_LOG_ONLY };

static void note(struct run *r, int where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * One line "irindex: ..." on stderr (as where says), and in the log with
 * the time.  The progress line is cleared first.
 */
static void
note(struct run *r, int where, const char *fmt, ...)
{
	va_list ap;

	if (where == NOTE_ALWAYS || (where == NOTE && !r->quiet)) {
		if (r->progress)
			fputs("\r\033[K", stderr);
		fputs("irindex: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
		r->last_drawn = 0;
	}
	if (r->log != NULL) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
		fprintf(r->log, "%s irindex: ", stamp);
		va_start(ap, fmt);
		vfprintf(r->log, fmt, ap);
		va_end(ap);
		fputc('\n', r->log);
		fflush(r->log);
	}
}

/* On a terminal: files done of the total counted first, their rate, and the time left. */
static void
draw_progress(struct run *r)
{
	double now = seconds_now(), rate;

	if (!r->progress || now - r->last_drawn < 0.1)
		return;
	r->last_drawn = now;
	rate = r->files_seen / (now - r->started > 0.001 ? now - r->started : 0.001);
	fprintf(stderr, "\r\033[Kirindex: %ld/%ld files (%ld%%), %.0f files/s", r->files_seen, r->files_total,
		r->files_total > 0 ? r->files_seen * 100 / r->files_total : 0, rate);
	if (rate > 0 && r->files_total > r->files_seen)
		fprintf(stderr, ", %.0f s left", (double)(r->files_total - r->files_seen) / rate);
	fflush(stderr);
}

static void
count_skip(struct run *r, const char *path, const char *reason)
{
	int i;

	char key[sizeof(r->reasons[0].reason)];

	r->skipped++;
	note(r, NOTE, "%s: skipped: %s", path, reason);
	/* Reasons are counted as the summary shows them: cut to the slot's size. */
	snprintf(key, sizeof(key), "%s", reason);
	for (i = 0; i < MAX_REASONS; i++) {
		if (r->reasons[i].count == 0)
			memcpy(r->reasons[i].reason, key, sizeof(key));
		if (strcmp(r->reasons[i].reason, key) == 0) {
			r->reasons[i].count++;
			return;
		}
	}
	r->other_reasons++;
}

static void
count_failure(struct run *r, const char *path, const char *what)
{
	r->failed++;
	note(r, NOTE_ALWAYS, "%s: %s", path, what);
}

/* Stops the run: the walk ends and nothing more is written. */
static int
stop_run(struct run *r, const irs_error *e)
{
	r->fatal = e->code == IRS_OK ? IRS_INTERNAL : e->code;
	r->fatal_error = *e;
	return 1;
}

/*
 * Commits every IRS_BATCH_DOCS documents or IRS_BATCH_SECONDS, whichever
 * comes first: a crash loses at most one batch, and readers see progress
 * even when large files come slowly.
 */
static irs_code
commit_batch_if_full(struct run *r, irs_error *e)
{
	irs_code rc;

	if (++r->in_batch < IRS_BATCH_DOCS && seconds_now() - r->batch_started < IRS_BATCH_SECONDS)
		return IRS_OK;
	r->in_batch = 0;
	r->batch_started = seconds_now();
	rc = store_commit(r->store, e);
	return rc == IRS_OK ? store_begin(r->store, e) : rc;
}

/* XXH3-64 of a file's bytes, as the extractors compute it; -1 when it cannot be read. */
static int
hash_file(const char *path, uint64_t *hash)
{
	XXH3_state_t *state = XXH3_createState();
	char buf[65536];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd >= 0 && state != NULL && XXH3_64bits_reset(state) == XXH_OK)
		while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0)
				XXH3_64bits_update(state, buf, (size_t)n);
	if (n == 0)
		*hash = XXH3_64bits_digest(state);
	if (fd >= 0)
		close(fd);
	XXH3_freeState(state);
	return n == 0 ? 0 : -1;
}

/*
 * A new path whose bytes are those of a document whose file is gone: the
 * file moved, and keeps its document (no extraction).  Returns 1 when it
 * was a move, 0 when not, -1 when the run must stop.
 */
static int
try_move(struct run *r, const char *path, const struct stat *st, int64_t mtime_ns)
{
	char old_path[PATH_MAX];
	store_stamp old;
	uint64_t hash;
	irs_error e;
	irs_code rc;

	if (!store_may_hold_moves(r->store) || hash_file(path, &hash) != 0)
		return 0;	/* nothing to move from, or the extractor will say why it cannot be read */
	rc = store_find_moved(r->store, st->st_size, hash, &old, old_path, sizeof(old_path), &e);
	if (rc == IRS_NOT_FOUND || (rc == IRS_OK && access(old_path, F_OK) == 0))
		return 0;	/* new, or a copy of a file still there */
	if (rc == IRS_OK)
		rc = store_move(r->store, old.id, path, mtime_ns, &e);
	if (rc == IRS_OK)
		rc = store_mark_seen(r->store, old.id, &e);
	if (rc == IRS_OK)
		rc = commit_batch_if_full(r, &e);
	if (rc != IRS_OK)
		return stop_run(r, &e) ? -1 : -1;
	r->moved++;
	if (r->verbose)
		note(r, NOTE, "%s: moved from %s", path, old_path);
	return 1;
}

/* --dry-run: what would change, on stdout, and nothing written. */
static int
dry_run_file(struct run *r, const char *path, int known, const store_stamp *old)
{
	irs_error e;

	printf("%s %s\n", known ? "update" : "add", path);
	if (known) {
		r->updated++;
		if (store_mark_seen(r->store, old->id, &e) != IRS_OK)
			return stop_run(r, &e);
	} else {
		r->added++;
	}
	return 0;
}

/* The walk found a new or changed file: it goes to the extractors. */
static int
on_file(void *ud, const char *path, const struct stat *st)
{
	struct run *r = ud;
	int64_t mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	store_stamp old;
	extract_job job;
	irs_error e;
	irs_code found;

	r->files_seen++;
	draw_progress(r);
	if (!S_ISREG(st->st_mode)) {
		count_skip(r, path, "not a regular file");
		return 0;
	}
	if (r->store == NULL)
		return dry_run_file(r, path, 0, NULL);
	found = store_find(r->store, path, &old, &e);
	if (found != IRS_OK && found != IRS_NOT_FOUND)
		return stop_run(r, &e);
	if (found == IRS_OK && !r->full && old.size == st->st_size && old.mtime_ns == mtime_ns) {
		r->unchanged++;
		if (store_mark_seen(r->store, old.id, &e) != IRS_OK)
			return stop_run(r, &e);
		return 0;
	}
	if (st->st_size > IRS_MAX_FILE_BYTES) {
		count_skip(r, path, "larger than 256 MiB");
		return 0;
	}
	if (r->dry_run)
		return dry_run_file(r, path, found == IRS_OK, &old);
	if (found == IRS_NOT_FOUND) {
		int moved = try_move(r, path, st, mtime_ns);

		if (moved != 0)
			return moved < 0;
	}
	memset(&job, 0, sizeof(job));
	job.path = path;
	job.size = st->st_size;
	job.mtime_ns = mtime_ns;
	job.known = found == IRS_OK;
	job.old_id = job.known ? old.id : 0;
	job.compare_hash = job.known && !r->full;
	job.old_hash = job.known ? old.hash : 0;
	if (extractors_submit(r->extractors, &job, &e) != IRS_OK)
		return stop_run(r, &e);
	return r->fatal != IRS_OK;
}

/*
 * A file's result, in walk order: every write to the index happens here,
 * in this one process.  After a fatal error the rest are dropped.
 */
static void
on_extracted(void *ud, const extract_job *job, extract_result *res)
{
	struct run *r = ud;
	irs_error e;
	int64_t id;
	irs_code rc = IRS_OK;

	if (r->fatal != IRS_OK)
		return;
	switch (res->outcome) {
	case EXTRACT_UNREADABLE:
		/* A file that cannot be read keeps the document it had: nothing is lost. */
		count_failure(r, job->path, res->reason);
		if (job->known)
			rc = store_mark_seen(r->store, job->old_id, &e);
		break;
	case EXTRACT_SKIPPED:
		count_skip(r, job->path, res->reason);
		break;
	case EXTRACT_UNCHANGED:
		rc = store_touch(r->store, job->old_id, job->size, job->mtime_ns, &e);
		if (rc == IRS_OK)
			rc = store_mark_seen(r->store, job->old_id, &e);
		r->unchanged++;
		break;
	case EXTRACT_DOC:
		/* The stamp is the walk's, whatever a worker says: it decides the next run's work. */
		res->doc.size = job->size;
		res->doc.mtime_ns = job->mtime_ns;
		rc = store_put(r->store, &res->doc, &id, &e);
		if (rc == IRS_OK)
			rc = store_mark_seen(r->store, id, &e);
		if (rc == IRS_OK)
			rc = commit_batch_if_full(r, &e);
		if (rc != IRS_OK)
			break;
		if (job->known)
			r->updated++;
		else
			r->added++;
		if (r->verbose)
			note(r, NOTE, "%s: %s", job->path, job->known ? "updated" : "added");
		break;
	}
	if (rc != IRS_OK)
		stop_run(r, &e);
}

static void
on_problem(void *ud, const char *path, walk_problem kind, const char *what)
{
	struct run *r = ud;
	irs_error e;

	if (kind == WALK_SKIPPED) {
		count_skip(r, path, what);
		return;
	}
	count_failure(r, path, what);
	/* A folder we could not read keeps its documents until we can. */
	if (kind == WALK_DIR_FAILED && r->fatal == IRS_OK && store_keep_subtree(r->store, path, &e) != IRS_OK)
		stop_run(r, &e);
}

static void
print_removal(void *ud, const char *path)
{
	struct run *r = ud;

	printf("remove %s\n", path);
	r->removed++;
}

/* Counts the files of a root for the progress line. */
static int
count_file(void *ud, const char *path, const struct stat *st)
{
	(void)path, (void)st;
	((struct run *)ud)->files_total++;
	return 0;
}

static void
ignore_problem(void *ud, const char *path, walk_problem kind, const char *what)
{
	(void)ud, (void)path, (void)kind, (void)what;
}

/*
 * When the roots come from the config, documents below none of them (a root
 * taken out of the config) leave the index.  A configured root that is
 * missing still counts: its documents are kept.
 */
static void
remove_old_roots(struct run *r, char *const *roots, int nroots)
{
	const char **real = calloc((size_t)nroots + 1, sizeof(*real));
	char (*buf)[PATH_MAX] = calloc((size_t)nroots + 1, PATH_MAX);
	int64_t removed = 0;
	irs_error e;
	int i;

	if (real == NULL || buf == NULL) {
		irs_fail(&e, IRS_INTERNAL, "out of memory");
		stop_run(r, &e);
	} else {
		for (i = 0; i < nroots; i++)
			real[i] = realpath(roots[i], buf[i]) != NULL ? buf[i] : roots[i];
		if (store_remove_outside(r->store, real, nroots, &removed, &e) != IRS_OK)
			stop_run(r, &e);
		r->removed += (int)removed;
	}
	free(real);
	free(buf);
}

/* Walks one root and drops the documents below it that are gone; 0 unless the run must stop. */
static int
index_root(struct run *r, const char *root)
{
	char real[PATH_MAX];
	int64_t removed = 0;
	irs_error e;
	int walked;

	if (realpath(root, real) == NULL) {
		char what[128];

		snprintf(what, sizeof(what), "%s (its documents are kept)", strerror(errno));
		count_failure(r, root, what);
		return 0;
	}
	walked = walk_tree(real, r->excludes, r->nexcludes, on_file, on_problem, r, &e) == IRS_OK;
	if (!walked)
		count_failure(r, root, e.msg);
	/* Every file of this root must be in before the unseen ones are dropped. */
	if (r->fatal == IRS_OK && !r->dry_run && extractors_wait(r->extractors, &e) != IRS_OK)
		stop_run(r, &e);
	if (r->fatal != IRS_OK)
		return 1;
	if (!walked || r->store == NULL)
		return 0;
	if (r->dry_run) {
		if (store_each_unseen(r->store, real, print_removal, r, &e) != IRS_OK)
			return stop_run(r, &e);
		return 0;
	}
	if (store_remove_unseen(r->store, real, &removed, &e) != IRS_OK)
		return stop_run(r, &e);
	r->removed += (int)removed;
	return 0;
}

static void
print_summary(struct run *r, double seconds)
{
	int i;

	char line[1024];
	size_t n;

	if (r->dry_run) {
		snprintf(line, sizeof(line), "dry run: %d to add, %d to update, %d to remove, %d unchanged;"
			 " nothing was written", r->added, r->updated, r->removed, r->unchanged);
	} else {
		n = (size_t)snprintf(line, sizeof(line), "%d added, %d updated, ", r->added, r->updated);
		/* Moves are rare: the line keeps the brief's shape without them. */
		if (r->moved > 0)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%d moved, ", r->moved);
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%d removed, %d unchanged, %d skipped", r->removed,
				      r->unchanged, r->skipped);
		for (i = 0; i < MAX_REASONS && r->reasons[i].count > 0 && n < sizeof(line); i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%d %s", i == 0 ? " (" : ", ",
					      r->reasons[i].count, r->reasons[i].reason);
		if (r->other_reasons > 0 && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%d other", i == 0 ? " (" : ", ",
					      r->other_reasons);
		if (n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, "%s, %d failed, %.2f s", r->skipped > 0 ? ")" : "",
				 r->failed, seconds);
	}
	if (r->progress)
		fputs("\r\033[K", stderr);
	if (!r->quiet || r->dry_run)
		printf("irindex: %s\n", line);
	note(r, NOTE_LOG_ONLY, "%s", line);
}

static void
record_run(struct run *r, double seconds)
{
	char value[128];
	time_t now = time(NULL);
	struct tm tm;
	irs_error e;

	if (gmtime_r(&now, &tm) == NULL)
		return;
	strftime(value, sizeof(value), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (store_set_meta(r->store, "last_run", value, &e) != IRS_OK)
		stop_run(r, &e);
	snprintf(value, sizeof(value), "%.3f", seconds);
	if (r->fatal == IRS_OK && store_set_meta(r->store, "last_run_seconds", value, &e) != IRS_OK)
		stop_run(r, &e);
}

/* A whole number in [lo, hi] from a flag; -1 when it is not one. */
static long
flag_number(const char *flag, const char *v, long lo, long hi)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
		fprintf(stderr, "irindex: %s: '%s' is not a number from %ld to %ld\n", flag, v, lo, hi);
		return -1;
	}
	return n;
}

static int
default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > IRS_MAX_EXTRACT_WORKERS ? IRS_MAX_EXTRACT_WORKERS : (int)n;
}

/*
 * Opens the index for writing.  With --full, an index that is damaged
 * (unreadable, or failing SQLite's quick check, which reads it all: --full
 * reads every file anyway) or of an older format, what the error messages
 * tell the user to rebuild with --full, is renamed aside, never deleted,
 * and a new one is built in its place; another program's database is
 * still refused untouched.
 */
static irs_code
open_index(struct run *r, const char *db_path, const char *languages, irs_error *e)
{
	char aside[PATH_MAX + 32];
	store_health health;

	if (r->full && !r->dry_run) {
		health = store_probe(db_path);
		if (health == STORE_DAMAGED || health == STORE_OLDER) {
			if (store_set_aside(db_path, aside, sizeof(aside), e) != IRS_OK)
				return e->code;
			note(r, NOTE_ALWAYS, "%s: %s index set aside as %s; building a new one", db_path,
			     health == STORE_DAMAGED ? "damaged" : "outdated", aside);
		}
	}
	return store_open(db_path, STORE_WRITE, languages, &r->store, e);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "full", no_argument, NULL, 'f' },
		{ "languages", required_argument, NULL, 'l' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-memory", required_argument, NULL, 'm' },
		{ "max-text", required_argument, NULL, 'x' },
		{ "in-process", no_argument, NULL, 'P' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "wait", no_argument, NULL, 'W' },
		{ "exclude", required_argument, NULL, 'e' },
		{ "log", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_flag = NULL, *config_flag = NULL, *languages = NULL, *log_path = NULL;
	index_lock_t *lock = NULL;
	int wait_for_lock = 0;
	struct stat db_st;
	long jobs = -1, timeout = -1, memory = -1, text = -1;
	int in_process = 0;
	struct run r = { 0 };
	extract_limits lim;
	irs_config cfg;
	irs_error e;
	char *db_path = NULL;
	double start = seconds_now();
	int opt, i, nroots;
	char **roots;

	/* The same binary is the extractor worker (extractors.c). */
	if (argc >= 2 && strcmp(argv[1], EXTRACTORS_WORKER_FLAG) == 0)
		return extractors_worker_main(argc, argv);
	/* A worker that dies must not kill irindex through a write to its pipe. */
	signal(SIGPIPE, SIG_IGN);
	/* getopt names the program by argv[0], often a path; errors say "irindex: ...",
	 * on one line (the usage is for --help). */
	argv[0] = "irindex";
	config_init(&cfg);
	while ((opt = getopt_long(argc, argv, "j:qv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db_flag = optarg; break;
		case 'c': config_flag = optarg; break;
		case 'f': r.full = 1; break;
		case 'l': languages = optarg; break;
		case 'j': jobs = flag_number("-j", optarg, 1, IRS_MAX_EXTRACT_WORKERS); break;
		case 't': timeout = flag_number("--timeout", optarg, 1, 86400); break;
		case 'm': memory = flag_number("--max-memory", optarg, 0, 1L << 20); break;
		case 'x': text = flag_number("--max-text", optarg, 1, 2047); break;
		case 'P': in_process = 1; break;
		case 'n': r.dry_run = 1; break;
		case 'W': wait_for_lock = 1; break;
		case 'L': log_path = optarg; break;
		case 'e':
			if (!config_list_add(&cfg.excludes, &cfg.nexcludes, optarg)) {
				fprintf(stderr, "irindex: out of memory\n");
				return 2;
			}
			break;
		case 'q': r.quiet = 1; break;
		case 'v': r.verbose = 1; break;
		case 'h': usage(stdout); config_free(&cfg); return 0;
		case 'V': printf("irindex %s\n", IRS_VERSION); config_free(&cfg); return 0;
		default: config_free(&cfg); return 2;
		}
		if ((opt == 'j' && jobs < 0) || (opt == 't' && timeout < 0) || (opt == 'm' && memory < 0) ||
		    (opt == 'x' && text < 0)) {
			config_free(&cfg);
			return 2;
		}
	}
	if (config_load(&cfg, config_flag, &e) != IRS_OK) {
		fprintf(stderr, "irindex: %s\n", e.msg);
		config_free(&cfg);
		return 2;
	}
	if (languages == NULL)
		languages = cfg.languages;
	if (languages != NULL && tokenize_check_languages(languages, &e) != IRS_OK) {
		fprintf(stderr, "irindex: --languages: %s\n", e.msg);
		config_free(&cfg);
		return 2;
	}
	roots = optind < argc ? argv + optind : cfg.roots;
	nroots = optind < argc ? argc - optind : cfg.nroots;
	if (nroots == 0) {
		fprintf(stderr, "irindex: no folders to index: name them on the command line, or as roots in [index] of %s\n",
			cfg.source != NULL ? cfg.source : "the config file");
		config_free(&cfg);
		return 2;
	}
	lim.timeout_s = (int)(timeout >= 0 ? timeout : cfg.extract_timeout_s);
	lim.memory_mib = memory >= 0 ? memory : cfg.extract_memory_mib;
	lim.max_text = (size_t)(text >= 0 ? text : cfg.max_text_mib) << 20;
	if (jobs < 0)
		jobs = cfg.jobs > 0 ? cfg.jobs : default_jobs();
	r.excludes = (const char *const *)cfg.excludes;
	r.nexcludes = cfg.nexcludes;
	if (log_path != NULL && (r.log = fopen(log_path, "ae")) == NULL) {
		fprintf(stderr, "irindex: %s: cannot open the log: %s\n", log_path, strerror(errno));
		config_free(&cfg);
		return 2;
	}
	db_path = config_db_path(&cfg, db_flag, &e);
	/* A dry run over an index not made yet must not make it. */
	if (db_path != NULL && r.dry_run && stat(db_path, &db_st) != 0) {
		printf("irindex: dry run: no index at %s yet: every file would be added\n", db_path);
	} else if (db_path == NULL ||
		   (!r.dry_run && (store_prepare_folder(db_path, &e) != IRS_OK ||
				   lock_acquire(db_path, wait_for_lock, &lock, &e) != IRS_OK)) ||
		   open_index(&r, db_path, languages, &e) != IRS_OK ||
		   (!r.dry_run && extractors_new(&lim, in_process ? 0 : (int)jobs, on_extracted, &r,
						 &r.extractors, &e) != IRS_OK) ||
		   (!r.dry_run && store_begin(r.store, &e) != IRS_OK)) {
		note(&r, NOTE_ALWAYS, "%s", e.msg);
		extractors_free(r.extractors);
		store_close(r.store);
		lock_release(lock);
		free(db_path);
		config_free(&cfg);
		if (r.log != NULL)
			fclose(r.log);
		return 2;
	}
	r.progress = !r.quiet && !r.dry_run && isatty(STDERR_FILENO);
	r.started = r.batch_started = seconds_now();
	for (i = 0; r.progress && i < nroots; i++) {
		char real[PATH_MAX];

		if (realpath(roots[i], real) != NULL)
			walk_tree(real, r.excludes, r.nexcludes, count_file, ignore_problem, &r, &e);
	}
	for (i = 0; i < nroots && r.fatal == IRS_OK; i++)
		index_root(&r, roots[i]);
	/* Roots taken out of the config take their documents along (not for roots named on the command line). */
	if (r.fatal == IRS_OK && !r.dry_run && optind >= argc)
		remove_old_roots(&r, roots, nroots);
	/* Stopping the workers tells how they ended; a bad end is reported, the index is fine. */
	if (r.fatal == IRS_OK && r.extractors != NULL && extractors_finish(r.extractors, &e) != IRS_OK)
		count_failure(&r, "extractors", e.msg);
	if (r.fatal == IRS_OK && !r.dry_run)
		record_run(&r, seconds_now() - start);
	if (r.fatal == IRS_OK && !r.dry_run && store_commit(r.store, &e) != IRS_OK)
		stop_run(&r, &e);
	/* Merge FTS5 segments and truncate the WAL, so queries do not slow night after
	 * night; a run that changed no document has nothing to merge. */
	if (r.fatal == IRS_OK && !r.dry_run && r.added + r.updated + r.removed > 0 && store_upkeep(r.store, &e) != IRS_OK)
		count_failure(&r, "index upkeep", e.msg);
	if (r.fatal != IRS_OK) {
		if (r.store != NULL)
			store_rollback(r.store);
		note(&r, NOTE_ALWAYS, "%s; the index keeps its last committed state", r.fatal_error.msg);
	} else {
		print_summary(&r, seconds_now() - start);
	}
	extractors_free(r.extractors);
	store_close(r.store);
	lock_release(lock);
	free(db_path);
	config_free(&cfg);
	if (r.log != NULL)
		fclose(r.log);
	if (r.fatal != IRS_OK)
		return 2;
	return r.failed > 0 ? 1 : 0;
}
