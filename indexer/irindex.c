/*
 * irindex - build and refresh the index from folders of reports.
 *
 * Walks each root, and for every file: skips it untouched when its size and
 * mtime match the index; otherwise reads it, hashes it (an unchanged hash
 * only refreshes the stamp), detects its type, extracts it and stores it.
 * Documents under a walked root that were not seen leave the index.
 * Writes are committed in batches of IRS_BATCH_DOCS, each a transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "irsearch/config.h"
#include "irsearch/detect.h"
#include "irsearch/extract.h"
#include "irsearch/limits.h"
#include "irsearch/store.h"
#include "irsearch/tokenize.h"
#include "irsearch/walk.h"

#define MAX_REASONS 8

struct reason_count {
	char reason[IRS_MIME_MAX];
	int count;
};

struct run {
	store_t *store;
	detector_t *detector;
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
	      "               [-q|--quiet] [-v|--verbose] [ROOT...]\n"
	      "Index the files below each ROOT (else the roots of the config file).\n"
	      "  --db PATH          index file (default $IRSEARCH_DB, else\n"
	      "                     ~/.local/share/irsearch/index.db)\n"
	      "  --config FILE      settings (default ~/.config/irsearch/irsearch.conf)\n"
	      "  --full             re-read every file, changed or not\n"
	      "  --languages LIST   stemming languages of a new index (default \"english russian\")\n"
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

/* Reads until cap bytes or end of file; returns the count, or -1 with errno set. */
static ssize_t
read_full(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t got = read(fd, buf + n, cap - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;	/* the file shrank while we read it: take what is there */
		n += (size_t)got;
	}
	return (ssize_t)n;
}

/* A file that cannot be read keeps the document it had: nothing is lost. */
static int
note_unreadable(struct run *r, const char *path, const store_stamp *old, int known)
{
	char what[128];
	irs_error e;

	snprintf(what, sizeof(what), "cannot read: %s", strerror(errno));
	count_failure(r, path, what);
	if (known && store_mark_seen(r->store, old->id, &e) != IRS_OK)
		return stop_run(r, &e);
	return 0;
}

/*
 * Reads the file into doc's buffer *data (caller frees): its head first, to
 * learn its type, and the rest only when the type has an extractor.
 * Returns 1 when the file should be extracted, 0 when it was skipped or
 * could not be read (and counted), -1 when the run must stop.
 */
static int
read_document(struct run *r, const char *path, const struct stat *st, const store_stamp *old,
	      int known, irs_doc *doc, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	size_t size = (size_t)st->st_size;
	ssize_t head, rest = 0;
	irs_error e;

	*data = NULL;
	if (fd < 0)
		return note_unreadable(r, path, old, known) ? -1 : 0;
	if ((*data = malloc(size + 1)) == NULL) {
		close(fd);
		irs_fail(&e, IRS_INTERNAL, "out of memory");
		return stop_run(r, &e) ? -1 : 0;
	}
	head = read_full(fd, *data, size < IRS_DETECT_HEAD ? size : IRS_DETECT_HEAD);
	if (head >= 0 && detect_type(r->detector, path, (const unsigned char *)*data, (size_t)head,
				     doc->type, sizeof(doc->type), &e) != IRS_OK) {
		close(fd);
		return stop_run(r, &e) ? -1 : 0;
	}
	if (head >= 0 && !extract_supports(doc->type)) {
		close(fd);
		count_skip(r, path, doc->type);
		return 0;
	}
	if (head >= 0 && (size_t)head == IRS_DETECT_HEAD)
		rest = read_full(fd, *data + head, size - (size_t)head);
	close(fd);
	if (head < 0 || rest < 0)
		return note_unreadable(r, path, old, known) ? -1 : 0;
	*len = (size_t)head + (size_t)rest;
	(*data)[*len] = '\0';
	return 1;
}

/* Extracts and stores one new or changed file; returns nonzero to stop the walk. */
static int
index_file(struct run *r, const char *path, const struct stat *st, const store_stamp *old,
	   int known)
{
	irs_doc doc = { 0 };
	irs_error e;
	size_t len = 0;
	char *data;
	int64_t id;
	irs_code rc;

	if (st->st_size > IRS_MAX_FILE_BYTES) {
		count_skip(r, path, "larger than 256 MiB");
		return 0;
	}
	switch (read_document(r, path, st, old, known, &doc, &data, &len)) {
	case -1:
		free(data);
		return 1;
	case 0:
		free(data);
		return 0;
	}
	doc.size = st->st_size;
	doc.mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	doc.hash = XXH3_64bits(data, len);
	if (known && !r->full && doc.hash == old->hash) {
		free(data);
		rc = store_touch(r->store, old->id, doc.size, doc.mtime_ns, &e);
		if (rc == IRS_OK)
			rc = store_mark_seen(r->store, old->id, &e);
		r->unchanged++;
		return rc != IRS_OK ? stop_run(r, &e) : 0;
	}
	doc.path = strdup(path);
	rc = doc.path != NULL ? extract_document(data, len, &doc, &e)
			      : irs_fail(&e, IRS_INTERNAL, "out of memory");
	free(data);
	if (rc == IRS_NOT_FOUND || rc == IRS_TOO_LARGE) {
		count_skip(r, path, e.msg);
		doc_clear(&doc);
		return 0;
	}
	if (rc != IRS_OK) {
		count_failure(r, path, e.msg);
		doc_clear(&doc);
		return 0;
	}
	rc = store_put(r->store, &doc, &id, &e);
	doc_clear(&doc);
	if (rc == IRS_OK)
		rc = store_mark_seen(r->store, id, &e);
	if (rc == IRS_OK)
		rc = commit_batch_if_full(r, &e);
	if (rc != IRS_OK)
		return stop_run(r, &e);
	if (known)
		r->updated++;
	else
		r->added++;
	if (r->verbose)
		fprintf(stderr, "irindex: %s: %s\n", path, known ? "updated" : "added");
	return 0;
}

static int
on_file(void *ud, const char *path, const struct stat *st)
{
	struct run *r = ud;
	int64_t mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	store_stamp old;
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
	return index_file(r, path, st, &old, found == IRS_OK);
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

	if (realpath(root, real) == NULL) {
		char what[128];

		snprintf(what, sizeof(what), "%s (its documents are kept)", strerror(errno));
		count_failure(r, root, what);
		return 0;
	}
	if (walk_tree(real, on_file, on_problem, r, &e) != IRS_OK) {
		count_failure(r, root, e.msg);
		return 0;
	}
	if (r->fatal != IRS_OK)
		return 1;
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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "full", no_argument, NULL, 'f' },
		{ "languages", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_flag = NULL, *config_flag = NULL, *languages = NULL;
	struct run r = { 0 };
	irs_config cfg;
	irs_error e;
	char *db_path = NULL;
	double start = seconds_now();
	int opt, i, nroots;
	char **roots;

	/* getopt names the program by argv[0], often a path; errors say "irindex: ...",
	 * on one line (the usage is for --help). */
	argv[0] = "irindex";
	while ((opt = getopt_long(argc, argv, "qv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db_flag = optarg; break;
		case 'c': config_flag = optarg; break;
		case 'f': r.full = 1; break;
		case 'l': languages = optarg; break;
		case 'q': r.quiet = 1; break;
		case 'v': r.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("irindex %s\n", IRS_VERSION); return 0;
		default: return 2;
		}
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
	db_path = config_db_path(&cfg, db_flag, &e);
	if (db_path == NULL || store_open(db_path, STORE_WRITE, languages, &r.store, &e) != IRS_OK ||
	    (r.detector = detect_new()) == NULL || store_begin(r.store, &e) != IRS_OK) {
		fprintf(stderr, "irindex: %s\n", r.detector == NULL && r.store != NULL ? "out of memory" : e.msg);
		store_close(r.store);
		free(db_path);
		config_free(&cfg);
		return 2;
	}
	for (i = 0; i < nroots && r.fatal == IRS_OK; i++)
		index_root(&r, roots[i]);
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
	detect_free(r.detector);
	store_close(r.store);
	free(db_path);
	config_free(&cfg);
	if (r.fatal != IRS_OK)
		return 2;
	return r.failed > 0 ? 1 : 0;
}
