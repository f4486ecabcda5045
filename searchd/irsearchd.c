/*
 * irsearchd - answer search requests over a Unix socket.
 *
 * Setup is here: options and config, the socket (or the one systemd
 * passes), the pid file, dropping root.  Serving is server.c and pool.c.
 * Every setup failure is fatal with one line and exit status 2.
 */
#define _GNU_SOURCE		/* initgroups */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "irsearch/config.h"
#include "irsearch/limits.h"
#include "server.h"

/* sd_listen_fds(3): the first socket systemd passes is fd 3. */
#define SD_LISTEN_FDS_START 3


struct daemon_options {
	const char *db_flag, *config_flag, *socket_flag, *pidfile, *user, *log_path;
	const char *mode_flag;
	int workers, max_clients, idle_timeout_s, query_budget_ms;	/* 0: the config's */
	int cache_mib;		/* -1: IRS_CACHE_MIB */
	int verbose;
};

static const char *log_path;

static void
usage(FILE *out)
{
	fputs("usage: irsearchd [options]\n"
	      "Answer search requests (one JSON object per line) on a Unix socket.\n"
	      "  --socket PATH        the socket (default $IRSEARCH_SOCKET, else\n"
	      "                       $XDG_RUNTIME_DIR/irsearch.sock)\n"
	      "  --socket-mode MODE   its permissions, octal (default 0600)\n"
	      "  --db PATH            the index (default as for irsearch)\n"
	      "  --config FILE        settings (default ~/.config/irsearch/irsearch.conf)\n"
	      "  --workers N          threads answering queries (default one per CPU, at least 2)\n"
	      "  --max-clients N      connections served at once (default 4096)\n"
	      "  --idle-timeout S     close a silent connection after S seconds (default 60)\n"
	      "  --query-timeout MS   time budget of one query (default 2000)\n"
	      "  --cache-mib N        memory for answers kept until the index changes\n"
	      "                       (default " IRS_STRINGIFY(IRS_CACHE_MIB) "; 0: no cache)\n"
	      "  --pidfile FILE       write the daemon's pid here\n"
	      "  --user NAME          run as this account (required when started as root)\n"
	      "  --log FILE           log here instead of stderr (reopened on SIGHUP)\n"
	      "  --foreground         stay in the foreground (always; for service managers)\n"
	      "  -v, --verbose        log one line per request\n"
	      "  --help, --version\n"
	      "Signals: TERM/INT finish requests in flight and exit; HUP reopens index and log.\n", out);
}

static int
parse_number(const char *flag, const char *v, int lo, int hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (end == v || *end != '\0' || n < lo || n > hi) {
		fprintf(stderr, "irsearchd: %s takes a number from %d to %d\n", flag, lo, hi);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int
parse_options(int argc, char **argv, struct daemon_options *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "workers", required_argument, NULL, 'w' },
		{ "max-clients", required_argument, NULL, 'M' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "query-timeout", required_argument, NULL, 'q' },
		{ "cache-mib", required_argument, NULL, 'C' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "log", required_argument, NULL, 'l' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, bad = 0;

	memset(o, 0, sizeof(*o));
	o->cache_mib = -1;
	argv[0] = "irsearchd";
	while ((opt = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': o->db_flag = optarg; break;
		case 'c': o->config_flag = optarg; break;
		case 's': o->socket_flag = optarg; break;
		case 'm': o->mode_flag = optarg; break;
		case 'w': bad |= parse_number("--workers", optarg, 1, IRS_MAX_WORKERS, &o->workers); break;
		case 'M': bad |= parse_number("--max-clients", optarg, 1, 1000000, &o->max_clients); break;
		case 'i': bad |= parse_number("--idle-timeout", optarg, 1, 86400, &o->idle_timeout_s); break;
		case 'q': bad |= parse_number("--query-timeout", optarg, 1, 3600000, &o->query_budget_ms); break;
		case 'C': bad |= parse_number("--cache-mib", optarg, 0, 65536, &o->cache_mib); break;
		case 'p': o->pidfile = optarg; break;
		case 'u': o->user = optarg; break;
		case 'l': o->log_path = optarg; break;
		case 'f': break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("irsearchd %s\n", IRS_VERSION); return 0;
		default: return 2;
		}
	}
	if (bad)
		return 2;
	if (optind < argc) {
		fprintf(stderr, "irsearchd: unexpected argument '%s' (try --help)\n", argv[optind]);
		return 2;
	}
	return -1;
}

static FILE *
reopen_log(void)
{
	FILE *f = fopen(log_path, "ae");

	if (f == NULL)
		fprintf(stderr, "irsearchd: %s: cannot open log: %s\n", log_path, strerror(errno));
	return f;
}

/* The socket systemd passed (socket activation), or -1. */
static int
inherited_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int fd = SD_LISTEN_FDS_START;

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
		return -1;
	return fd;
}

static int
make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Binds the socket at path: refuses when a live daemon answers there or the
 * path is not a socket, replaces a stale socket file.
 */
static int
listen_on(const char *path, int mode)
{
	struct sockaddr_un addr;
	struct stat st;
	mode_t old_mask;
	int fd;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "irsearchd: %s: socket path longer than %zu bytes\n", path, sizeof(addr.sun_path) - 1);
		return -1;
	}
	strcpy(addr.sun_path, path);
	if (lstat(path, &st) == 0) {
		int rc, saved;

		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "irsearchd: %s: exists and is not a socket; not touching it\n", path);
			return -1;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fprintf(stderr, "irsearchd: socket: %s\n", strerror(errno));
			return -1;
		}
		/* A signal must not pass for "nobody listens": that would unlink a
		 * live daemon's socket.  A Unix connect interrupted is not under way,
		 * so it is simply tried again. */
		while ((rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr))) != 0 && errno == EINTR)
			;
		saved = errno;
		close(fd);
		if (rc == 0 || saved == EISCONN) {
			fprintf(stderr, "irsearchd: %s: another irsearchd answers there\n", path);
			return -1;
		}
		if (saved != ECONNREFUSED && saved != ENOENT) {
			fprintf(stderr, "irsearchd: %s: cannot tell whether another irsearchd answers there: %s\n",
				path, strerror(saved));
			return -1;
		}
		unlink(path);	/* stale: nobody listens */
	}
	if (make_parent(path) != 0) {
		fprintf(stderr, "irsearchd: %s: cannot create its folder: %s\n", path, strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "irsearchd: socket: %s\n", strerror(errno));
		return -1;
	}
	/* Never, even for an instant, a socket others could connect to. */
	old_mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || chmod(path, (mode_t)mode) != 0 ||
	    listen(fd, 512) != 0) {
		fprintf(stderr, "irsearchd: %s: %s\n", path, strerror(errno));
		umask(old_mask);
		close(fd);
		return -1;
	}
	umask(old_mask);
	return fd;
}

static int
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "we");

	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		fprintf(stderr, "irsearchd: %s: cannot write pid file: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* As root: hand the socket and pid file to user, then become that user for good. */
static int
drop_root(const char *user, const char *socket_path, const char *pidfile)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		fprintf(stderr, "irsearchd: --user %s: no such account\n", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		fprintf(stderr, "irsearchd: --user %s: that is root; name an unprivileged account\n", user);
		return -1;
	}
	if ((socket_path != NULL && chown(socket_path, pw->pw_uid, pw->pw_gid) != 0) ||
	    (pidfile != NULL && chown(pidfile, pw->pw_uid, pw->pw_gid) != 0) ||
	    initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "irsearchd: cannot become %s: %s\n", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "irsearchd: could regain root after dropping it; stopping\n");
		return -1;
	}
	return 0;
}

static irs_code
fill_server_options(const struct daemon_options *o, const irs_config *cfg, server_options *so,
		    irs_error *e)
{
	pool_options *p = &so->pool;

	memset(so, 0, sizeof(*so));
	so->max_clients = o->max_clients > 0 ? o->max_clients : cfg->max_clients;
	so->idle_timeout_s = o->idle_timeout_s > 0 ? o->idle_timeout_s : cfg->idle_timeout_s;
	so->verbose = o->verbose;
	so->reopen_log = o->log_path != NULL ? reopen_log : NULL;
	p->workers = o->workers > 0 ? o->workers : cfg->workers;
	p->budget_ms = o->query_budget_ms > 0 ? o->query_budget_ms : cfg->query_budget_ms;
	p->cache_bytes = (size_t)(o->cache_mib >= 0 ? o->cache_mib : IRS_CACHE_MIB) << 20;
	search_request_init(&p->defaults, "");
	p->defaults.limit = cfg->limit;
	p->defaults.weight_title = cfg->weight_title;
	p->defaults.weight_author = cfg->weight_author;
	p->defaults.weight_body = cfg->weight_body;
	p->defaults.proximity = cfg->proximity;
	p->defaults.snippet_tokens = cfg->snippet_tokens;
	p->db_path = config_db_path(cfg, o->db_flag, e);
	return p->db_path != NULL ? IRS_OK : e->code;
}

/*
 * Each client is a descriptor: raise the soft limit to the hard one, so
 * max_clients (4096 by default) is not cut to the usual soft 1024.
 */
static void
raise_descriptor_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
serve(const struct daemon_options *o, const irs_config *cfg)
{
	server_options so;
	irs_error e;
	char *socket_path = NULL;
	int mode = cfg->socket_mode, owned_socket = 0, wrote_pid = 0, status = 2;

	if (fill_server_options(o, cfg, &so, &e) != IRS_OK) {
		fprintf(stderr, "irsearchd: %s\n", e.msg);
		return 2;
	}
	raise_descriptor_limit();
	if (o->mode_flag != NULL && !config_parse_socket_mode(o->mode_flag, &mode)) {
		fprintf(stderr, "irsearchd: --socket-mode takes an octal mode not writable by others, e.g. 0660\n");
		goto out;
	}
	if (geteuid() == 0 && o->user == NULL) {
		fprintf(stderr, "irsearchd: refusing to run as root; name an account with --user\n");
		goto out;
	}
	so.listen_fd = inherited_socket();
	if (so.listen_fd < 0) {
		if ((socket_path = config_socket_path(cfg, o->socket_flag, &e)) == NULL) {
			fprintf(stderr, "irsearchd: %s\n", e.msg);
			goto out;
		}
		if ((so.listen_fd = listen_on(socket_path, mode)) < 0)
			goto out;
		owned_socket = 1;
	}
	if (o->pidfile != NULL) {
		if (write_pidfile(o->pidfile) != 0)
			goto out;
		wrote_pid = 1;
	}
	if (o->user != NULL && geteuid() == 0 && drop_root(o->user, owned_socket ? socket_path : NULL, o->pidfile) != 0)
		goto out;
	server_log("serving %s on %s with %d workers (pid %ld)", so.pool.db_path,
		   owned_socket ? socket_path : "the socket systemd passed", so.pool.workers, (long)getpid());
	if (server_run(&so, &e) != IRS_OK)
		fprintf(stderr, "irsearchd: %s\n", e.msg);
	else
		status = 0;
out:
	if (so.listen_fd > 0)
		close(so.listen_fd);
	if (owned_socket)
		unlink(socket_path);
	if (wrote_pid)
		unlink(o->pidfile);
	free(socket_path);
	free((char *)so.pool.db_path);
	return status;
}

int
main(int argc, char **argv)
{
	struct daemon_options o;
	irs_config cfg;
	irs_error e;
	int status;

	/*
	 * Before SQLite starts: without its memory statistics, which nothing
	 * here reads, sqlite3_malloc and sqlite3_free no longer take one
	 * process-wide mutex each.  Workers searching at once fought over it:
	 * 61 futex calls a request at 8 clients, and 8 clients answered fewer
	 * fresh queries a second than one.
	 */
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
		fprintf(stderr, "irsearchd: cannot configure SQLite before it starts\n");
		return 2;
	}
	status = parse_options(argc, argv, &o);
	if (status >= 0)
		return status;
	log_path = o.log_path;
	config_init(&cfg);
	if (config_load(&cfg, o.config_flag, &e) != IRS_OK) {
		fprintf(stderr, "irsearchd: %s\n", e.msg);
		config_free(&cfg);
		return 2;
	}
	status = serve(&o, &cfg);
	config_free(&cfg);
	return status;
}
