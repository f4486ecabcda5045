/*
 * server.c - the daemon's event loop (see server.h).
 *
 * One thread runs epoll over the listening socket, every client, the pool's
 * notification pipe and a signalfd.  A client has at most one request in
 * the pool; the next complete line is dispatched when its answer comes
 * back, which keeps answers in request order without any reordering buffer.
 */
#define _GNU_SOURCE		/* accept4, SO_PEERCRED's struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "irsearch/limits.h"
#include "irsearch/printer.h"
#include "server.h"

#define READ_CHUNK 16384
#define DRAIN_SECONDS 10

struct conn {
	int fd;
	uint64_t id;
	uid_t uid;
	char *in;		/* unanswered bytes from the client */
	size_t inlen, incap;
	char *out;		/* answer bytes not yet written */
	size_t outlen, outoff, outcap;
	int busy;		/* a request of this client is in the pool */
	int eof;		/* the client will send nothing more */
	int closing;		/* close once the output is written */
	int want_out;		/* EPOLLOUT is armed */
	int full;		/* input buffer at its cap: not read until a line is taken */
	time_t last_active;
};

struct server {
	const server_options *opt;
	int epfd, sigfd, notify_rd, notify_wr;
	pool_t *pool;
	struct conn **conns;	/* by fd */
	int nfds;		/* size of conns */
	int maxfd;		/* highest fd a client has had */
	int nclients;
	uint64_t next_id;
	int stopping;
	int accept_paused;	/* out of descriptors: the listening socket is not watched */
};

static FILE *log_file;

void
server_log(const char *fmt, ...)
{
	FILE *out = log_file != NULL ? log_file : stderr;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
	fprintf(out, "%s irsearchd: ", stamp);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

static int
watch(struct server *s, int fd, uint32_t events, int op)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.fd = fd;
	return epoll_ctl(s->epfd, op, fd, &ev);
}

/* Watches the listening socket again after a pause for lack of descriptors. */
static void
resume_accepting(struct server *s)
{
	if (!s->accept_paused || s->stopping)
		return;
	s->accept_paused = 0;
	watch(s, s->opt->listen_fd, EPOLLIN, EPOLL_CTL_ADD);
}

static void
close_conn(struct server *s, struct conn *c, const char *why)
{
	if (why != NULL && s->opt->verbose)
		server_log("uid %u: connection closed: %s", (unsigned)c->uid, why);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	s->conns[c->fd] = NULL;
	s->nclients--;
	resume_accepting(s);
	free(c->in);
	free(c->out);
	free(c);
}

/* Input is watched until the client's end of file, output while answers wait. */
static void
rearm(struct server *s, struct conn *c)
{
	watch(s, c->fd, (c->eof || c->full ? 0 : EPOLLIN | EPOLLRDHUP) | (c->want_out ? EPOLLOUT : 0),
	      EPOLL_CTL_MOD);
}

/* Sends what it can now; returns -1 when the client is gone (and closed). */
static int
flush_out(struct server *s, struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			close_conn(s, c, n < 0 ? strerror(errno) : "peer closed");
			return -1;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if ((c->outlen > 0) != c->want_out) {
		c->want_out = c->outlen > 0;
		rearm(s, c);
	}
	if (c->outlen == 0 && (c->closing || (c->eof && !c->busy && c->inlen == 0))) {
		close_conn(s, c, c->closing ? "closed after an error" : NULL);
		return -1;
	}
	return 0;
}

/* Queues one answer line; drops a client that leaves too much unread. */
static int
queue_out(struct server *s, struct conn *c, const char *line)
{
	size_t len = strlen(line), need = c->outlen - c->outoff + len + 1;

	if (need > IRS_MAX_PENDING_OUTPUT) {
		server_log("uid %u: client does not read its answers; dropped", (unsigned)c->uid);
		close_conn(s, c, NULL);
		return -1;
	}
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + len + 1 > c->outcap) {
		size_t cap = (c->outlen + len + 1) * 2;
		char *out = realloc(c->out, cap);

		if (out == NULL) {
			close_conn(s, c, "out of memory");
			return -1;
		}
		c->out = out;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, line, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;
	return flush_out(s, c);
}

static int
queue_error(struct server *s, struct conn *c, irs_code code, const char *msg)
{
	char *line = printer_json_error(code, msg);
	int rc = line != NULL ? queue_out(s, c, line) : -1;

	free(line);
	if (line == NULL)
		close_conn(s, c, "out of memory");
	return rc;
}

/*
 * Hands the client's next complete line to the pool, if it has one and no
 * request in flight.  A line over the cap is refused before it is complete.
 */
static void
dispatch(struct server *s, struct conn *c)
{
	char *nl;
	size_t len;
	job_t *job;

	if (c->busy || c->closing || s->stopping)
		return;
	nl = c->inlen > 0 ? memchr(c->in, '\n', c->inlen) : NULL;
	if (nl == NULL) {
		if (c->inlen > IRS_MAX_REQUEST_BYTES) {
			c->closing = 1;
			c->inlen = 0;
			queue_error(s, c, IRS_TOO_LARGE, "request line longer than 65536 bytes");
		} else if (c->eof && c->inlen > 0) {
			c->inlen = 0;	/* a last line without its newline is not a request */
			flush_out(s, c);
		}
		return;
	}
	len = (size_t)(nl - c->in);
	if (len > IRS_MAX_REQUEST_BYTES) {
		c->closing = 1;
		c->inlen = 0;
		queue_error(s, c, IRS_TOO_LARGE, "request line longer than 65536 bytes");
		return;
	}
	job = job_new(c->id, c->fd, c->in, len > 0 && c->in[len - 1] == '\r' ? len - 1 : len);
	memmove(c->in, nl + 1, c->inlen - len - 1);
	c->inlen -= len + 1;
	if (c->full && c->inlen <= IRS_MAX_REQUEST_BYTES) {
		c->full = 0;	/* room again: what the client sent meanwhile wakes the loop */
		rearm(s, c);
	}
	if (job == NULL) {
		queue_error(s, c, IRS_INTERNAL, "out of memory");
		return;
	}
	c->busy = 1;
	pool_submit(s->pool, job);
}

static void
read_conn(struct server *s, struct conn *c)
{
	int fd = c->fd;

	for (;;) {
		size_t space;
		ssize_t n;

		if (c->incap - c->inlen < READ_CHUNK) {
			/* Never hold more than one over-long line: the cap is checked as bytes arrive. */
			size_t cap = c->incap == 0 ? READ_CHUNK * 2 : c->incap * 2;
			char *in;

			if (c->inlen > IRS_MAX_REQUEST_BYTES) {
				/* Pipelined past the cap: stop watching input until a line is taken. */
				c->full = 1;
				rearm(s, c);
				break;
			}
			in = realloc(c->in, cap);
			if (in == NULL) {
				close_conn(s, c, "out of memory");
				return;
			}
			c->in = in;
			c->incap = cap;
		}
		space = c->incap - c->inlen;
		n = recv(c->fd, c->in + c->inlen, space, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			c->eof = 1;
			break;
		}
		c->inlen += (size_t)n;
		c->last_active = time(NULL);
		/* Less than there was room for: the socket is empty for now, and
		 * epoll (level-triggered) reports what comes later.  Spares the
		 * recv that would only say EAGAIN before the request goes out. */
		if ((size_t)n < space)
			break;
	}
	if (c->eof)
		rearm(s, c);
	dispatch(s, c);	/* may close c */
	if (s->conns[fd] == c && c->eof && !c->busy)
		flush_out(s, c);
}

static void
accept_clients(struct server *s)
{
	for (;;) {
		int fd = accept4(s->opt->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct conn *c;

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;	/* a signal, or a client gone before it was taken: the next one */
		if (fd < 0) {
			/* Out of descriptors, the pending connection stays pending and the
			 * listening socket stays readable: stop watching it until a client
			 * leaves (or a second passes), instead of spinning. */
			if ((errno == EMFILE || errno == ENFILE) && !s->accept_paused) {
				server_log("cannot accept: %s; pausing new connections", strerror(errno));
				epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->opt->listen_fd, NULL);
				s->accept_paused = 1;
			}
			return;	/* EAGAIN: none left; anything else: epoll says when to retry */
		}
		if (s->nclients >= s->opt->max_clients || fd >= s->nfds) {
			static const char busy[] =
				"{\"ok\":false,\"error\":{\"code\":\"unavailable\",\"message\":\"too many clients; try again later\"}}\n";

			while (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EINTR)
				;
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = ++s->next_id;
		c->last_active = time(NULL);
		c->uid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.uid : (uid_t)-1;
		s->conns[fd] = c;
		s->nclients++;
		if (fd > s->maxfd)
			s->maxfd = fd;
		watch(s, fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
	}
}

static void
log_request(const struct conn *c, const job_t *job)
{
	const char *answer = job->answer != NULL ? job->answer : "(out of memory)";
	int ok = strncmp(answer, "{\"ok\":true", 10) == 0;

	server_log("uid %u: %.200s -> %s in %.2f ms", (unsigned)c->uid, job->line,
		   ok ? "ok" : answer, job->took_ms);
}

static void
take_answers(struct server *s)
{
	char buf[256];
	job_t *job;
	ssize_t n;

	/* One read: the bytes only wake the loop, and what is left (the pipe is
	 * level-triggered) wakes it again.  Reading on to EAGAIN cost a read a
	 * request. */
	while ((n = read(s->notify_rd, buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	while ((job = pool_take_done(s->pool)) != NULL) {
		/* The connection may have closed meanwhile, its fd even reused. */
		struct conn *c = s->conns[job->fd];

		if (c != NULL && c->id == job->conn_id) {
			c->busy = 0;
			if (s->opt->verbose || strncmp(job->answer != NULL ? job->answer : "", "{\"ok\":false,\"error\":{\"code\":\"internal\"", 38) == 0)
				log_request(c, job);
			if (job->close_after)
				c->closing = 1;
			if ((job->answer != NULL ? queue_out(s, c, job->answer)
						 : queue_error(s, c, IRS_INTERNAL, "out of memory")) == 0)
				dispatch(s, c);
		}
		job_free(job);
	}
}

static void
close_idle(struct server *s)
{
	time_t now = time(NULL);
	int i;

	for (i = 0; i <= s->maxfd; i++) {
		struct conn *c = s->conns[i];

		if (c != NULL && !c->busy && now - c->last_active > s->opt->idle_timeout_s)
			close_conn(s, c, "idle");
	}
}

/* SIGTERM, SIGINT: stop accepting, answer what is in flight.  SIGHUP: reopen. */
static void
handle_signal(struct server *s)
{
	struct signalfd_siginfo si;
	ssize_t n;

	while ((n = read(s->sigfd, &si, sizeof(si))) == sizeof(si) || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		if (si.ssi_signo == SIGHUP) {
			if (s->opt->reopen_log != NULL) {
				FILE *f = s->opt->reopen_log();

				if (f != NULL) {
					if (log_file != NULL)
						fclose(log_file);
					log_file = f;
				}
			}
			pool_reopen(s->pool);
			server_log("SIGHUP: reopening the index and the log");
		} else if (!s->stopping) {
			s->stopping = 1;
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->opt->listen_fd, NULL);
			server_log("%s: finishing the requests in flight", strsignal((int)si.ssi_signo));
		}
	}
}

static int
busy_clients(const struct server *s)
{
	int i, n = 0;

	for (i = 0; i <= s->maxfd; i++)
		if (s->conns[i] != NULL && (s->conns[i]->busy || s->conns[i]->outlen > 0))
			n++;
	return n;
}

static irs_code
setup(struct server *s, const server_options *opt, irs_error *e)
{
	struct rlimit rl;
	sigset_t mask;
	int pipefd[2];
	pool_options popt = opt->pool;

	s->opt = opt;
	s->epfd = s->sigfd = s->notify_rd = s->notify_wr = -1;
	s->nfds = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 1048576
			  ? (int)rl.rlim_cur : 1048576;
	s->conns = calloc((size_t)s->nfds, sizeof(*s->conns));
	if (s->conns == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) != 0 ||
	    (s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return irs_fail(e, IRS_INTERNAL, "cannot set up the event loop: %s", strerror(errno));
	s->notify_rd = pipefd[0];
	s->notify_wr = pipefd[1];
	if (watch(s, opt->listen_fd, EPOLLIN, EPOLL_CTL_ADD) != 0 || watch(s, s->sigfd, EPOLLIN, EPOLL_CTL_ADD) != 0 ||
	    watch(s, s->notify_rd, EPOLLIN, EPOLL_CTL_ADD) != 0)
		return irs_fail(e, IRS_INTERNAL, "cannot set up the event loop: %s", strerror(errno));
	/* Workers start after the signals are blocked, so they inherit the mask. */
	popt.notify_fd = s->notify_wr;
	s->pool = pool_start(&popt, e);
	return s->pool != NULL ? IRS_OK : e->code;
}

static void
teardown(struct server *s)
{
	int i;

	pool_stop(s->pool);
	for (i = 0; s->conns != NULL && i < s->nfds; i++)
		if (s->conns[i] != NULL)
			close_conn(s, s->conns[i], NULL);
	free(s->conns);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->notify_rd >= 0)
		close(s->notify_rd);
	if (s->notify_wr >= 0)
		close(s->notify_wr);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

irs_code
server_run(const server_options *opt, irs_error *e)
{
	struct server s;
	time_t stop_at = 0, last_sweep = time(NULL);
	irs_code rc;

	memset(&s, 0, sizeof(s));
	if (opt->reopen_log != NULL)
		log_file = opt->reopen_log();
	rc = setup(&s, opt, e);
	while (rc == IRS_OK) {
		struct epoll_event ev[64];
		int n = epoll_wait(s.epfd, ev, 64, 1000), i;

		/* EINTR (even without handlers, after SIGSTOP and SIGCONT) is a wake-up:
		 * no events, but the idle sweep and the stop check below run. */
		if (n < 0 && errno != EINTR) {
			rc = irs_fail(e, IRS_INTERNAL, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			struct conn *c;

			if (fd == opt->listen_fd)
				accept_clients(&s);
			else if (fd == s.sigfd)
				handle_signal(&s);
			else if (fd == s.notify_rd)
				take_answers(&s);
			else if ((c = s.conns[fd]) != NULL) {
				/* Closed both ways while a request is in the pool: no
				 * answer can reach the client, and epoll reports the
				 * hang-up until the socket is closed (it cannot be
				 * masked), which would spin this loop meanwhile. */
				if ((ev[i].events & (EPOLLHUP | EPOLLERR)) && c->busy) {
					close_conn(&s, c, "hung up before its answer");
					continue;
				}
				if (ev[i].events & (EPOLLIN | EPOLLRDHUP))
					read_conn(&s, c);
				if (s.conns[fd] == c && (ev[i].events & EPOLLOUT))
					flush_out(&s, c);
			}
		}
		if (time(NULL) != last_sweep) {
			last_sweep = time(NULL);
			close_idle(&s);
			resume_accepting(&s);
		}
		if (s.stopping) {
			if (stop_at == 0)
				stop_at = time(NULL) + DRAIN_SECONDS;
			if (busy_clients(&s) == 0 || time(NULL) > stop_at)
				break;
		}
	}
	teardown(&s);
	return rc;
}
