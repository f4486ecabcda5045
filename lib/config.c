/* config.c - defaults, irsearch.conf and file locations (see config.h). */
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irsearch/config.h"
#include "irsearch/limits.h"
#include "irsearch/tokenize.h"

struct parse_state {
	irs_config *c;
	char first_error[256];
};

/*
 * irsearchd's workers by default: one per online CPU, at least
 * IRS_MIN_DEFAULT_WORKERS.  Four on two cores took turns and spent 14% more
 * CPU an answer than two at 8 clients (bench/query-bench, 10,000 documents).
 */
static int
default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < IRS_MIN_DEFAULT_WORKERS)
		return IRS_MIN_DEFAULT_WORKERS;
	return n > IRS_MAX_WORKERS ? IRS_MAX_WORKERS : (int)n;
}

void
config_init(irs_config *c)
{
	memset(c, 0, sizeof(*c));
	c->limit = IRS_DEFAULT_LIMIT;
	c->extract_timeout_s = IRS_DEFAULT_EXTRACT_TIMEOUT_S;
	c->extract_memory_mib = IRS_DEFAULT_EXTRACT_MEMORY_MIB;
	c->max_text_mib = (int)(IRS_MAX_TEXT_BYTES >> 20);
	c->weight_title = 10.0;
	c->weight_author = 5.0;
	c->weight_body = 1.0;
	c->proximity = 0.5;
	c->snippet_tokens = IRS_SNIPPET_TOKENS;
	c->workers = default_workers();
	c->socket_mode = 0600;
	c->max_clients = IRS_DEFAULT_MAX_CLIENTS;
	c->idle_timeout_s = IRS_DEFAULT_IDLE_TIMEOUT_S;
	c->query_budget_ms = IRS_DEFAULT_QUERY_BUDGET_MS;
}

void
config_free(irs_config *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nroots; i++)
		free(c->roots[i]);
	free(c->roots);
	for (i = 0; i < c->nexcludes; i++)
		free(c->excludes[i]);
	free(c->excludes);
	free(c->source);
	free(c->db_path);
	free(c->languages);
	free(c->socket_path);
	config_init(c);
}

static int
set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return 0;
	free(*field);
	*field = copy;
	return 1;
}

static int
parse_int(const char *v, int lo, int hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return 0;
	*out = (int)n;
	return 1;
}

static int
parse_weight(const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(d >= 0.0 && d <= 1000.0))
		return 0;
	*out = d;
	return 1;
}

int
config_parse_socket_mode(const char *v, int *out)
{
	char *end;
	long m = strtol(v, &end, 8);

	if (end == v || *end != '\0' || m < 0 || m > 0777 || (m & 0002))
		return 0;
	*out = (int)m;
	return 1;
}

int
config_list_add(char ***list, int *n, const char *value)
{
	char **grown = realloc(*list, sizeof(**list) * (size_t)(*n + 1));

	if (grown == NULL)
		return 0;
	*list = grown;
	if ((grown[*n] = strdup(value)) == NULL)
		return 0;
	(*n)++;
	return 1;
}

/* "*.tmp, .git/ drafts/": each pattern of a list separated by commas or blanks. */
static int
add_excludes(irs_config *c, const char *value)
{
	char buf[256];
	const char *p = value;

	while (*p != '\0') {
		size_t n = strcspn(p, ", \t");

		if (n > 0) {
			if (n >= sizeof(buf))
				return 0;
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (!config_list_add(&c->excludes, &c->nexcludes, buf))
				return 0;
		}
		p += n + (p[n] != '\0');
	}
	return 1;
}

/* inih calls this for every name = value; returning 0 marks the line as bad. */
static int
on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	irs_config *c = ps->c;
	int ok = -1;		/* -1: unknown key */

	if (strcmp(section, "index") == 0) {
		if (strcmp(name, "db") == 0)
			ok = set_string(&c->db_path, value);
		else if (strcmp(name, "roots") == 0)
			ok = value[0] == '\0' || config_list_add(&c->roots, &c->nroots, value);
		else if (strcmp(name, "exclude") == 0)
			ok = add_excludes(c, value);
		else if (strcmp(name, "languages") == 0)
			ok = tokenize_check_languages(value, NULL) == IRS_OK &&
			     set_string(&c->languages, value);
		else if (strcmp(name, "jobs") == 0)
			ok = parse_int(value, 1, IRS_MAX_EXTRACT_WORKERS, &c->jobs);
		else if (strcmp(name, "timeout") == 0)
			ok = parse_int(value, 1, 86400, &c->extract_timeout_s);
		else if (strcmp(name, "max_memory") == 0)
			ok = parse_int(value, 0, 1 << 20, &c->extract_memory_mib);
		else if (strcmp(name, "max_text") == 0)
			ok = parse_int(value, 1, 2047, &c->max_text_mib);
	} else if (strcmp(section, "search") == 0) {
		if (strcmp(name, "limit") == 0)
			ok = parse_int(value, 1, IRS_MAX_LIMIT, &c->limit);
		else if (strcmp(name, "title_weight") == 0)
			ok = parse_weight(value, &c->weight_title);
		else if (strcmp(name, "author_weight") == 0)
			ok = parse_weight(value, &c->weight_author);
		else if (strcmp(name, "body_weight") == 0)
			ok = parse_weight(value, &c->weight_body);
		else if (strcmp(name, "proximity") == 0)
			ok = parse_weight(value, &c->proximity);
		else if (strcmp(name, "snippet_tokens") == 0)
			ok = parse_int(value, 1, 64, &c->snippet_tokens);
	} else if (strcmp(section, "searchd") == 0) {
		if (strcmp(name, "socket") == 0)
			ok = set_string(&c->socket_path, value);
		else if (strcmp(name, "workers") == 0)
			ok = parse_int(value, 1, IRS_MAX_WORKERS, &c->workers);
		else if (strcmp(name, "socket_mode") == 0)
			ok = config_parse_socket_mode(value, &c->socket_mode);
		else if (strcmp(name, "max_clients") == 0)
			ok = parse_int(value, 1, 1000000, &c->max_clients);
		else if (strcmp(name, "idle_timeout") == 0)
			ok = parse_int(value, 1, 86400, &c->idle_timeout_s);
		else if (strcmp(name, "query_timeout") == 0)
			ok = parse_int(value, 1, 3600000, &c->query_budget_ms);
	}
	if (ok == 1)
		return 1;
	if (ps->first_error[0] == '\0')
		snprintf(ps->first_error, sizeof(ps->first_error),
			 ok == -1 ? "unknown setting '%s' in [%s]" : "bad value '%s' for %s in [%s]",
			 ok == -1 ? name : value, ok == -1 ? section : name, section);
	return 0;
}

static char *
default_config_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char buf[PATH_MAX];
	struct stat st;

	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, sizeof(buf), "%s/irsearch/irsearch.conf", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(buf, sizeof(buf), "%s/.config/irsearch/irsearch.conf", home);
	else
		buf[0] = '\0';
	if (buf[0] != '\0' && stat(buf, &st) == 0)
		return strdup(buf);
	if (stat("/etc/irsearch.conf", &st) == 0)
		return strdup("/etc/irsearch.conf");
	return NULL;
}

irs_code
config_load(irs_config *c, const char *path, irs_error *e)
{
	struct parse_state ps = { c, "" };
	int line;

	free(c->source);
	c->source = path != NULL ? strdup(path) : default_config_path();
	if (c->source == NULL)
		return IRS_OK;
	line = ini_parse(c->source, on_setting, &ps);
	if (line == -1)
		return irs_fail(e, IRS_BAD_REQUEST, "%s: cannot read config: %s", c->source, strerror(errno));
	if (line == -2)
		return irs_fail(e, IRS_INTERNAL, "%s: out of memory reading config", c->source);
	if (line > 0)
		return irs_fail(e, IRS_BAD_REQUEST, "%s:%d: %s", c->source, line,
				ps.first_error[0] != '\0' ? ps.first_error : "not a name = value line");
	return IRS_OK;
}

/* $XDG_DATA_HOME/irsearch/NAME, else ~/.local/share/irsearch/NAME; NULL when neither is set. */
static char *
data_file(const char *name)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char buf[PATH_MAX];

	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, sizeof(buf), "%s/irsearch/%s", xdg, name);
	else if (home != NULL && home[0] == '/')
		snprintf(buf, sizeof(buf), "%s/.local/share/irsearch/%s", home, name);
	else
		return NULL;
	return strdup(buf);
}

char *
config_socket_path(const irs_config *c, const char *flag, irs_error *e)
{
	const char *env = getenv("IRSEARCH_SOCKET"), *run = getenv("XDG_RUNTIME_DIR");
	char buf[PATH_MAX];
	char *out;

	if (flag != NULL && flag[0] != '\0')
		out = strdup(flag);
	else if (env != NULL && env[0] != '\0')
		out = strdup(env);
	else if (c->socket_path != NULL)
		out = strdup(c->socket_path);
	else if (run != NULL && run[0] == '/') {
		snprintf(buf, sizeof(buf), "%s/irsearch.sock", run);
		out = strdup(buf);
	} else if ((out = data_file("irsearch.sock")) == NULL) {
		irs_fail(e, IRS_BAD_REQUEST, "no --socket given and none of XDG_RUNTIME_DIR, XDG_DATA_HOME, HOME is set");
		return NULL;
	}
	if (out == NULL)
		irs_fail(e, IRS_INTERNAL, "out of memory");
	return out;
}

char *
config_db_path(const irs_config *c, const char *flag, irs_error *e)
{
	const char *env = getenv("IRSEARCH_DB");
	char *out;

	if (flag != NULL && flag[0] != '\0')
		out = strdup(flag);
	else if (env != NULL && env[0] != '\0')
		out = strdup(env);
	else if (c->db_path != NULL)
		out = strdup(c->db_path);
	else if ((out = data_file("index.db")) == NULL) {
		irs_fail(e, IRS_BAD_REQUEST, "no --db given and neither XDG_DATA_HOME nor HOME is set");
		return NULL;
	}
	if (out == NULL)
		irs_fail(e, IRS_INTERNAL, "out of memory");
	return out;
}
