/* walk.c - visiting the files below a root folder (see walk.h). */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsearch/limits.h"
#include "irsearch/walk.h"

struct ancestor {
	dev_t dev;
	ino_t ino;
};

struct walk {
	const char *const *excludes;
	int nexcludes;
	size_t rootlen;		/* paths below the root start after this many bytes */
	walk_file_fn on_file;
	walk_problem_fn on_problem;
	void *ud;
	struct ancestor chain[IRS_MAX_WALK_DEPTH + 1];
	int stopped;
};

static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void walk_dir(struct walk *w, const char *dir, const struct stat *st, int depth);

/* Whether an entry (its name, its path below the root, a folder or not) is excluded. */
static int
excluded(const struct walk *w, const char *path, int is_dir)
{
	const char *name = strrchr(path, '/'), *rel = path + w->rootlen;
	int i;

	name = name != NULL ? name + 1 : path;
	while (*rel == '/')
		rel++;
	for (i = 0; i < w->nexcludes; i++) {
		const char *pat = w->excludes[i];
		size_t len = strlen(pat);

		if (len > 1 && pat[len - 1] == '/') {
			char dirpat[256];

			if (!is_dir || len >= sizeof(dirpat))
				continue;
			memcpy(dirpat, pat, len - 1);
			dirpat[len - 1] = '\0';
			if (fnmatch(dirpat, strchr(dirpat, '/') != NULL ? rel : name, FNM_PATHNAME) == 0)
				return 1;
		} else if (fnmatch(pat, strchr(pat, '/') != NULL ? rel : name, FNM_PATHNAME) == 0) {
			return 1;
		}
	}
	return 0;
}

static void
walk_entry(struct walk *w, const char *path, int depth)
{
	struct stat st;
	int i;

	if (stat(path, &st) != 0) {
		struct stat lst;
		int dangling = errno == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);

		if (dangling)
			w->on_problem(w->ud, path, WALK_SKIPPED, "broken symbolic link");
		else
			w->on_problem(w->ud, path, WALK_FILE_FAILED, strerror(errno));
		return;
	}
	if (excluded(w, path, S_ISDIR(st.st_mode)))
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (w->on_file(w->ud, path, &st) != 0)
			w->stopped = 1;
		return;
	}
	if (depth >= IRS_MAX_WALK_DEPTH) {
		w->on_problem(w->ud, path, WALK_DIR_FAILED, "folders nested too deep, not entered");
		return;
	}
	for (i = 0; i < depth; i++)
		if (w->chain[i].dev == st.st_dev && w->chain[i].ino == st.st_ino) {
			w->on_problem(w->ud, path, WALK_SKIPPED, "symbolic link loop, not followed");
			return;
		}
	walk_dir(w, path, &st, depth);
}

static void
walk_dir(struct walk *w, const char *dir, const struct stat *st, int depth)
{
	struct dirent **names = NULL;
	size_t dirlen = strlen(dir);
	int n, i;

	w->chain[depth].dev = st->st_dev;
	w->chain[depth].ino = st->st_ino;
	n = scandir(dir, &names, visible, alphasort);
	if (n < 0) {
		char what[128];

		snprintf(what, sizeof(what), "cannot read folder: %s", strerror(errno));
		w->on_problem(w->ud, dir, WALK_DIR_FAILED, what);
		return;
	}
	for (i = 0; i < n; i++) {
		size_t len = dirlen + 1 + strlen(names[i]->d_name) + 1;
		char *path = malloc(len);

		if (path != NULL && !w->stopped) {
			snprintf(path, len, "%s%s%s", dir, dirlen > 0 && dir[dirlen - 1] == '/' ? "" : "/",
				 names[i]->d_name);
			walk_entry(w, path, depth + 1);
		} else if (path == NULL) {
			w->on_problem(w->ud, dir, WALK_DIR_FAILED, "out of memory");
		}
		free(path);
		free(names[i]);
	}
	free(names);
}

irs_code
walk_tree(const char *root, const char *const *excludes, int nexcludes, walk_file_fn on_file,
	  walk_problem_fn on_problem, void *ud, irs_error *e)
{
	struct walk *w;
	struct stat st;

	if (stat(root, &st) != 0)
		return irs_fail(e, IRS_UNAVAILABLE, "%s: %s", root, strerror(errno));
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	w->excludes = excludes;
	w->nexcludes = nexcludes;
	w->rootlen = strlen(root);
	w->on_file = on_file;
	w->on_problem = on_problem;
	w->ud = ud;
	if (S_ISDIR(st.st_mode))
		walk_dir(w, root, &st, 0);
	else
		on_file(ud, root, &st);
	free(w);
	return IRS_OK;
}
