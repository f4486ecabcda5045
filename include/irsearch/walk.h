/*
 * walk.h - visiting the files below a root folder.
 *
 * Owns: the traversal order (sorted by name, so runs are reproducible),
 * skipping hidden entries (names starting with '.') and excluded ones,
 * following symbolic links while refusing loops, and the depth limit.  It reports, it does not
 * decide: what to do with each file, and with each problem, is the caller's.
 */
#ifndef IRSEARCH_WALK_H
#define IRSEARCH_WALK_H

#include <sys/stat.h>

#include "irsearch/error.h"

/* Called for every non-folder entry (st is its stat, links followed); nonzero stops the walk. */
typedef int (*walk_file_fn)(void *ud, const char *path, const struct stat *st);

/* What a problem means for the caller. */
typedef enum walk_problem {
	WALK_SKIPPED,		/* deliberately not visited: a symbolic link loop, a broken link */
	WALK_FILE_FAILED,	/* a file that could not be looked at */
	WALK_DIR_FAILED		/* a whole folder missed: its files are unknown this time */
} walk_problem;

/* Called for what was not visited, with why. */
typedef void (*walk_problem_fn)(void *ud, const char *path, walk_problem kind, const char *what);

/*
 * Walks root, an absolute path to a folder or a single file, leaving out
 * the entries that match one of the nexcludes shell patterns (fnmatch):
 * "*.tmp" matches a name, "drafts/" a folder's name, and a pattern with a
 * '/' inside ("old/2019-*") the path below the root.  Returns
 * IRS_UNAVAILABLE when root itself cannot be read, IRS_OK otherwise (also
 * when problems were reported or the walk was stopped).
 */
irs_code walk_tree(const char *root, const char *const *excludes, int nexcludes, walk_file_fn on_file,
		   walk_problem_fn on_problem, void *ud, irs_error *e);

#endif
