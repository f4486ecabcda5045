/*
 * irsearch - query the index from the command line.
 *
 * Asks irsearchd when one answers on the socket, else (and always with
 * --direct, or when --db names an index) opens the database itself,
 * read-only, so a search can never change the index.
 * Output goes through the printers, so --json prints the very object the
 * socket protocol answers with.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irsearch/config.h"
#include "irsearch/limits.h"
#include "irsearch/printer.h"
#include "irsearch/protocol.h"
#include "irsearch/search.h"
#include "irsearch/store.h"
#include "client.h"

/* The largest answer read from the daemon, and how long to wait for it. */
#define CLIENT_MAX_ANSWER (64L * 1024 * 1024)
#define CLIENT_TIMEOUT_MS 30000

#define BOLD "\033[1m"
#define PLAIN "\033[0m"

struct options {
	const char *db_flag, *config_flag, *socket_flag;
	int limit;		/* 0: the config's */
	int offset;
	int json, direct, verbose, explain;
	search_sort sort;
	int color;		/* -1 auto, 0 never, 1 always */
};

static void
usage(FILE *out)
{
	fputs("usage: irsearch [options] [--] QUERY...\n"
	      "Search the index; best matches first.\n"
	      "  -n N               show N hits (default 10, at most 1000)\n"
	      "  --offset K         skip the first K hits\n"
	      "  --sort rank|date   by relevance (default) or newest first\n"
	      "  --json             print the response as one JSON object\n"
	      "  --explain          show how each hit's score was made\n"
	      "  --color WHEN       highlight: auto (on a terminal), always, never\n"
	      "  --direct           read the index file, not the daemon's answer\n"
	      "  --socket PATH      the daemon's socket (default $IRSEARCH_SOCKET, else\n"
	      "                     $XDG_RUNTIME_DIR/irsearch.sock)\n"
	      "  -v, --verbose      say whether the daemon or the file answered\n"
	      "  --db PATH          index file (default $IRSEARCH_DB, else\n"
	      "                     ~/.local/share/irsearch/index.db)\n"
	      "  --config FILE      settings (default ~/.config/irsearch/irsearch.conf)\n"
	      "  --help, --version\n"
	      "Options come first; everything from the first word on is the query\n"
	      "(use -- before a query that starts with -).\n"
	      "Query: words (all must match, each stemmed), \"a phrase\", a OR b, (groups),\n"
	      "-word or NOT word (exclude), pref* (words starting with pref),\n"
	      "title: author: body: (a field), NEAR(a b, 5), and the filters\n"
	      "after:2024 before:2024-07 type:pdf|html|docx|odt|epub|txt|md lang:ru.\n"
	      "Exit status: 0 something matched, 1 nothing matched, 2 error.\n", out);
}

static int
parse_count(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Reports an error the way the output mode asks, and returns exit status 2. */
static int
fail(const struct options *o, irs_code code, const char *msg)
{
	fprintf(stderr, "irsearch: %s\n", msg);
	if (o->json) {
		char *line = printer_json_error(code, msg);

		if (line != NULL)
			puts(line);
		free(line);
	}
	return 2;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "offset", required_argument, NULL, 'o' },
		{ "sort", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "direct", no_argument, NULL, 'D' },
		{ "color", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "explain", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->color = -1;
	/* getopt names the program by argv[0], often a path; errors say "irsearch: ...",
	 * on one line (the usage is for --help). */
	argv[0] = "irsearch";
	/* Options come before the query ("+"): in "irsearch sco -nato", -nato is an exclusion. */
	while ((opt = getopt_long(argc, argv, "+n:v", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': o->db_flag = optarg; break;
		case 'c': o->config_flag = optarg; break;
		case 'S': o->socket_flag = optarg; break;
		case 'j': o->json = 1; break;
		case 'D': o->direct = 1; break;
		case 'v': o->verbose = 1; break;
		case 'x': o->explain = 1; break;
		case 'n':
			if (parse_count(optarg, 1, IRS_MAX_LIMIT, &o->limit) != 0) {
				fprintf(stderr, "irsearch: -n takes a number from 1 to %d\n", IRS_MAX_LIMIT);
				return 2;
			}
			break;
		case 'o':
			if (parse_count(optarg, 0, 1000000000, &o->offset) != 0) {
				fprintf(stderr, "irsearch: --offset takes a number from 0\n");
				return 2;
			}
			break;
		case 's':
			if (strcmp(optarg, "rank") == 0)
				o->sort = SORT_RANK;
			else if (strcmp(optarg, "date") == 0)
				o->sort = SORT_DATE;
			else {
				fprintf(stderr, "irsearch: --sort takes rank or date\n");
				return 2;
			}
			break;
		case 'C':
			if (strcmp(optarg, "auto") == 0)
				o->color = -1;
			else if (strcmp(optarg, "always") == 0)
				o->color = 1;
			else if (strcmp(optarg, "never") == 0)
				o->color = 0;
			else {
				fprintf(stderr, "irsearch: --color takes auto, always or never\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("irsearch %s\n", IRS_VERSION); return 0;
		default: return 2;
		}
	}
	return -1;
}

/* The words after the options, joined by spaces; caller frees. */
static char *
join_query(int argc, char **argv)
{
	size_t len = 1;
	char *q;
	int i;

	for (i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	q = malloc(len);
	if (q == NULL)
		return NULL;
	q[0] = '\0';
	for (i = optind; i < argc; i++) {
		if (i > optind)
			strcat(q, " ");
		strcat(q, argv[i]);
	}
	return q;
}

/* Prints a result the way the options ask; returns the exit status. */
static int
print_result(const struct options *o, const search_result *res, int bold)
{
	if (o->json) {
		char *line = printer_json_result(res, FIELD_ALL);

		if (line == NULL)
			return fail(o, IRS_INTERNAL, "out of memory");
		puts(line);
		free(line);
	} else {
		printer_text_result(stdout, res, o->offset, bold);
	}
	return res->total > 0 ? 0 : 1;
}

/*
 * Asks the daemon; returns the exit status, or -1 when no daemon answers
 * (the caller then reads the index itself).
 */
static int
search_via_daemon(const struct options *o, const irs_config *cfg, const search_request *req, int bold)
{
	search_result *res = NULL;
	irs_error e;
	char *path = config_socket_path(cfg, o->socket_flag, &e), *request = NULL, *answer = NULL;
	client_t *c = NULL;
	int status = -1;

	if (path == NULL)
		return -1;
	c = client_connect(path);
	if (c == NULL) {
		if (o->verbose)
			fprintf(stderr, "irsearch: no daemon on %s (%s); reading the index directly\n", path, strerror(errno));
	} else if ((request = protocol_search_request(req)) == NULL || client_send_line(c, request) != 0 ||
		   (answer = client_read_line(c, CLIENT_MAX_ANSWER, CLIENT_TIMEOUT_MS)) == NULL) {
		fprintf(stderr, "irsearch: the daemon on %s did not answer; reading the index directly\n", path);
	} else if (protocol_read_result(answer, strlen(answer), &res, &e) != IRS_OK) {
		fprintf(stderr, "irsearch: %s\n", e.msg);
		if (o->json)
			puts(answer);
		status = 2;
	} else {
		if (o->verbose)
			fprintf(stderr, "irsearch: answered by the daemon on %s\n", path);
		if (o->json) {
			puts(answer);	/* the daemon's object, as it sent it */
			status = res->total > 0 ? 0 : 1;
		} else {
			status = print_result(o, res, bold);
		}
	}
	search_result_free(res);
	free(answer);
	free(request);
	client_close(c);
	free(path);
	return status;
}

static int
run_search(const struct options *o, const irs_config *cfg, const char *db_path, const char *query)
{
	search_request req;
	search_result *res = NULL;
	store_t *store = NULL;
	irs_error e;
	int bold = o->color == 1 || (o->color == -1 && isatty(STDOUT_FILENO));
	int status;

	search_request_init(&req, query);
	req.limit = o->limit > 0 ? o->limit : cfg->limit;
	req.offset = o->offset;
	req.sort = o->sort;
	req.weight_title = cfg->weight_title;
	req.weight_author = cfg->weight_author;
	req.weight_body = cfg->weight_body;
	req.proximity = cfg->proximity;
	req.snippet_tokens = cfg->snippet_tokens;
	req.explain = o->explain;
	if (!o->json) {
		req.mark_open = bold ? BOLD : "";
		req.mark_close = bold ? PLAIN : "";
	}
	/* An index named on the command line is read directly: the daemon serves its own. */
	if (!o->direct && o->db_flag == NULL && (status = search_via_daemon(o, cfg, &req, bold)) >= 0)
		return status;
	if (store_open(db_path, STORE_READ, NULL, &store, &e) != IRS_OK ||
	    search_run(store, &req, &res, &e) != IRS_OK) {
		store_close(store);
		return fail(o, e.code, e.msg);
	}
	status = print_result(o, res, bold);
	search_result_free(res);
	store_close(store);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o;
	irs_config cfg;
	irs_error e;
	char *db_path, *query;
	int status = parse_options(argc, argv, &o);

	if (status >= 0)
		return status;
	if (optind >= argc) {
		fprintf(stderr, "irsearch: no query given (try irsearch --help)\n");
		return 2;
	}
	config_init(&cfg);
	if (config_load(&cfg, o.config_flag, &e) != IRS_OK) {
		config_free(&cfg);
		return fail(&o, e.code, e.msg);
	}
	db_path = config_db_path(&cfg, o.db_flag, &e);
	query = join_query(argc, argv);
	if (db_path == NULL || query == NULL)
		status = fail(&o, IRS_INTERNAL, db_path == NULL ? e.msg : "out of memory");
	else
		status = run_search(&o, &cfg, db_path, query);
	free(query);
	free(db_path);
	config_free(&cfg);
	return status;
}
