/*
 * config.h - settings: defaults, the INI config file, and where files live.
 *
 * Owns: the irs_config record, reading irsearch.conf (sections [index],
 * [search], [searchd]) with inih, and the rules that pick the database
 * path.  Command-line flags are applied by the programs after loading, so
 * the order is: flag, then environment, then file, then default.
 */
#ifndef IRSEARCH_CONFIG_H
#define IRSEARCH_CONFIG_H

#include "irsearch/error.h"

typedef struct irs_config {
	char *source;		/* the config file read, NULL when none */
	char *db_path;		/* [index] db */
	char *languages;	/* [index] languages, e.g. "english russian" */
	char **roots;		/* [index] roots, one per line, may repeat */
	int nroots;
	char **excludes;	/* [index] exclude: shell patterns, separated by commas or blanks */
	int nexcludes;
	int jobs;		/* [index] jobs: extractor workers, 0 when not set (one per core) */
	int extract_timeout_s;	/* [index] timeout: seconds one file may take */
	int extract_memory_mib;	/* [index] max_memory: a worker's address space, MiB */
	int max_text_mib;	/* [index] max_text: text of one document, MiB */
	int limit;		/* [search] limit: hits shown by default */
	double weight_title;	/* [search] title_weight, author_weight, body_weight: */
	double weight_author;	/*   bm25 column weights */
	double weight_body;
	double proximity;	/* [search] proximity: bonus factor for query words close together */
	int snippet_tokens;	/* [search] snippet_tokens */
	char *socket_path;	/* [searchd] socket */
	int workers;		/* [searchd] workers: threads answering queries */
	int socket_mode;	/* [searchd] socket_mode, octal, e.g. 0600 */
	int max_clients;	/* [searchd] max_clients */
	int idle_timeout_s;	/* [searchd] idle_timeout, seconds */
	int query_budget_ms;	/* [searchd] query_timeout, milliseconds */
} irs_config;

/* Fills c with the defaults; free with config_free. */
void config_init(irs_config *c);

/*
 * Reads the config file: path when given (it must exist), else
 * $XDG_CONFIG_HOME/irsearch/irsearch.conf, else /etc/irsearch.conf; a
 * missing default file is not an error.  Fails with "FILE:LINE: what" on
 * the first bad line.
 */
irs_code config_load(irs_config *c, const char *path, irs_error *e);

/*
 * The database to use: flag when not NULL, else $IRSEARCH_DB, else the
 * config's db, else $XDG_DATA_HOME/irsearch/index.db (by default
 * ~/.local/share/irsearch/index.db).  Caller frees the result.
 */
char *config_db_path(const irs_config *c, const char *flag, irs_error *e);

/*
 * The daemon's socket: flag when not NULL, else $IRSEARCH_SOCKET, else the
 * config's socket, else $XDG_RUNTIME_DIR/irsearch.sock, else irsearch.sock
 * beside the default database (never a predictable path in a shared
 * folder).  Caller frees the result.
 */
char *config_socket_path(const irs_config *c, const char *flag, irs_error *e);

/* Reads an octal socket mode ("0660"); refuses modes writable by others.  Returns 1 when valid. */
int config_parse_socket_mode(const char *v, int *out);

/* Adds one value to a list of strings (roots, excludes); 0 when out of memory. */
int config_list_add(char ***list, int *n, const char *value);

/* Frees what c holds; accepts NULL. */
void config_free(irs_config *c);

#endif
