/*
 * server.h - the daemon's event loop: the listening socket and every client.
 *
 * Owns: accepting (up to max_clients), reading request lines with the size
 * cap checked before a line is complete, handing complete lines to the
 * pool one at a time per client (so pipelined requests are answered in
 * order), writing answers with a cap on what a client may leave unread,
 * idle timeouts, and the signals that stop (SIGTERM, SIGINT) or refresh
 * (SIGHUP) the daemon.  An idle or slow client costs a few buffers, never a
 * worker.
 */
#ifndef IRSEARCHD_SERVER_H
#define IRSEARCHD_SERVER_H

#include <stdio.h>

#include "irsearch/error.h"
#include "pool.h"

typedef struct server_options {
	int listen_fd;		/* bound and listening, non-blocking */
	int max_clients;
	int idle_timeout_s;
	int verbose;		/* log one line per request */
	FILE *(*reopen_log)(void);	/* SIGHUP: reopen the log file; NULL: none */
	pool_options pool;	/* notify_fd is the server's own */
} server_options;

/*
 * Serves until SIGTERM or SIGINT, then stops accepting, answers what is in
 * flight, and returns IRS_OK.  Blocks those signals and SIGHUP itself.
 */
irs_code server_run(const server_options *opt, irs_error *e);

/* Where log lines go (stderr unless a log file was opened). */
void server_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
