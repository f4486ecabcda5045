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
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "irsearch/config.h"
#include "irsearch/limits.h"
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
	store_t *store;
	extractors_t *extractors;
	int full, quiet, verbose;
	int added, updated, removed, unchanged, skipped, failed;
	struct reason_count reasons[MAX_REASONS];
	int other_reasons;
	int in_batch;
	irs_code fatal;
	irs_error fatal_error;
};

static void
usage(FILE *out)
{
	fputs("usage: irindex [--db PATH] [--config FILE] [--full] [--languages LIST]\n"
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
	      "  -q, --quiet        print nothing unless something failed\n"
	      "  -v, --verbose      name every file added or updated\n"
	      "  --help, --version\n"
	      "Exit status: 0 done, 1 some files or roots failed, 2 fatal error.\n", out);
}

static void
count_skip(struct run *r, const char *path, const char *reason)
{
	int i;

	r->skipped++;
	if (!r->quiet)
		fprintf(stderr, "irindex: %s: skipped: %s\n", path, reason);
	for (i = 0; i < MAX_REASONS; i++) {
		if (r->reasons[i].count == 0)
			snprintf(r->reasons[i].reason, sizeof(r->reasons[i].reason), "%s", reason);
		if (strcmp(r->reasons[i].reason, reason) == 0) {
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
	fprintf(stderr, "irindex: %s: %s\n", path, what);
}

/* Stops the run: the walk ends and nothing more is written. */
static int
stop_run(struct run *r, const irs_error *e)
{
	r->fatal = e->code == IRS_OK ? IRS_INTERNAL : e->code;
	r->fatal_error = *e;
	return 1;
}

static irs_code
commit_batch_if_full(struct run *r, irs_error *e)
{
	irs_code rc;

	if (++r->in_batch < IRS_BATCH_DOCS)
		return IRS_OK;
	r->in_batch = 0;
	rc = store_commit(r->store, e);
	return rc == IRS_OK ? store_begin(r->store, e) : rc;
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

	if (!S_ISREG(st->st_mode)) {
		count_skip(r, path, "not a regular file");
		return 0;
	}
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
			fprintf(stderr, "irindex: %s: %s\n", job->path, job->known ? "updated" : "added");
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
	walked = walk_tree(real, on_file, on_problem, r, &e) == IRS_OK;
	if (!walked)
		count_failure(r, root, e.msg);
	/* Every file of this root must be in before the unseen ones are dropped. */
	if (r->fatal == IRS_OK && extractors_wait(r->extractors, &e) != IRS_OK)
		stop_run(r, &e);
	if (r->fatal != IRS_OK)
		return 1;
	if (!walked)
		return 0;
	if (store_remove_unseen(r->store, real, &removed, &e) != IRS_OK)
		return stop_run(r, &e);
	r->removed += (int)removed;
	return 0;
}

static void
print_summary(const struct run *r, double seconds)
{
	int i;

	printf("irindex: %d added, %d updated, %d removed, %d unchanged, %d skipped",
	       r->added, r->updated, r->removed, r->unchanged, r->skipped);
	for (i = 0; i < MAX_REASONS && r->reasons[i].count > 0; i++)
		printf("%s%d %s", i == 0 ? " (" : ", ", r->reasons[i].count, r->reasons[i].reason);
	if (r->other_reasons > 0)
		printf(", %d other", r->other_reasons);
	printf("%s, %d failed, %.2f s\n", r->skipped > 0 ? ")" : "", r->failed, seconds);
}

static double
seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_flag = NULL, *config_flag = NULL, *languages = NULL;
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
		case 'q': r.quiet = 1; break;
		case 'v': r.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("irindex %s\n", IRS_VERSION); return 0;
		default: return 2;
		}
		if ((opt == 'j' && jobs < 0) || (opt == 't' && timeout < 0) || (opt == 'm' && memory < 0) ||
		    (opt == 'x' && text < 0))
			return 2;
	}
	config_init(&cfg);
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
	db_path = config_db_path(&cfg, db_flag, &e);
	if (db_path == NULL || store_open(db_path, STORE_WRITE, languages, &r.store, &e) != IRS_OK ||
	    extractors_new(&lim, in_process ? 0 : (int)jobs, on_extracted, &r, &r.extractors, &e) != IRS_OK ||
	    store_begin(r.store, &e) != IRS_OK) {
		fprintf(stderr, "irindex: %s\n", e.msg);
		extractors_free(r.extractors);
		store_close(r.store);
		free(db_path);
		config_free(&cfg);
		return 2;
	}
	for (i = 0; i < nroots && r.fatal == IRS_OK; i++)
		index_root(&r, roots[i]);
	/* Stopping the workers tells how they ended; a bad end is reported, the index is fine. */
	if (r.fatal == IRS_OK && extractors_finish(r.extractors, &e) != IRS_OK)
		count_failure(&r, "extractors", e.msg);
	if (r.fatal == IRS_OK)
		record_run(&r, seconds_now() - start);
	if (r.fatal == IRS_OK && store_commit(r.store, &e) != IRS_OK)
		stop_run(&r, &e);
	if (r.fatal != IRS_OK) {
		store_rollback(r.store);
		fprintf(stderr, "irindex: %s; the index keeps its last committed state\n", r.fatal_error.msg);
	} else if (!r.quiet) {
		print_summary(&r, seconds_now() - start);
	}
	extractors_free(r.extractors);
	store_close(r.store);
	free(db_path);
	config_free(&cfg);
	if (r.fatal != IRS_OK)
		return 2;
	return r.failed > 0 ? 1 : 0;
}
