/*
 * walk.h - visiting the files below a root folder.
 *
 * Owns: the traversal order (sorted by name, so runs are reproducible),
 * skipping hidden entries (names starting with '.'), following symbolic
 * links while refusing loops, and the depth limit.  It reports, it does not
 * decide: what to do with each file, and with each problem, is the caller's.
 */
#ifndef IRSEARCH_WALK_H
#define IRSEARCH_WALK_H

#include <sys/stat.h>

#include "irsearch/error.h"

/* Called for every non-folder entry (st is its stat, links followed); nonzero stops the walk. */
typedef int (*walk_file_fn)(void *ud, const char *path, const struct stat *st);

/* Called for what could not be visited; is_dir says a whole folder was missed. */
typedef void (*walk_problem_fn)(void *ud, const char *path, int is_dir, const char *what);

/*
 * Walks root, an absolute path to a folder or a single file.  Returns
 * IRS_UNAVAILABLE when root itself cannot be read, IRS_OK otherwise (also
 * when problems were reported or the walk was stopped).
 */
irs_code walk_tree(const char *root, walk_file_fn on_file, walk_problem_fn on_problem,
		   void *ud, irs_error *e);

#endif
