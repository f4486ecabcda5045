/*
 * sockclient - the tests' client for irsearchd: sends request lines, checks answers.
 *
 *   sockclient SOCKET [options] < requests
 *
 * Reads request lines from standard input.  With one client and one round
 * it prints every answer line, for protocol tests.  With more, every
 * client sends all the lines (pipelined) each round, and the answers to
 * the same request must be identical (took_ms and "cached" aside) across clients and
 * rounds (all clients connect before any sends, so they are open at
 * once); a summary line is printed and the exit status is 1 on any
 * missing, failed or differing answer.
 *
 *   --clients N     concurrent connections (default 1)
 *   --rounds M      times each client sends the requests (default 1)
 *   --timeout MS    wait for each answer at most MS (default 10000)
 *   --raw           send standard input's bytes as they are, then print
 *                   what comes back until the server closes or --hold ends
 *   --hold S        keep the connection open S seconds after sending
 *   --read-after S  with --raw: read nothing for S seconds after sending (a
 *                   late reader: the answers pile up in the socket)
 *   --allow-errors  {"ok":false} answers do not fail the run
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../../searchd/client.h"

struct run {
	const char *socket;
	char **lines;
	int nlines;
	int rounds, timeout_ms, allow_errors;
	char **first;		/* the first answer seen per request, took_ms cut out */
	pthread_mutex_t lock;
	pthread_barrier_t connected;	/* every client is connected before any sends */
	long answers, errors, mismatches, failures;
};

/* The answer without its "took_ms":N, which differs from run to run, nor "cached":true. */
static char *
comparable(const char *answer)
{
	char *copy = strdup(answer), *t;

	if (copy != NULL && (t = strstr(copy, ",\"cached\":true")) != NULL)
		memmove(t, t + 14, strlen(t + 14) + 1);

	if (copy != NULL && (t = strstr(copy, "\"took_ms\":")) != NULL) {
		char *end = t + 10;

		while (*end != '\0' && *end != ',' && *end != '}')
			end++;
		if (*end == ',')
			end++;
		memmove(t, end, strlen(end) + 1);
	}
	return copy;
}

static void
record(struct run *r, int i, const char *answer)
{
	char *c = comparable(answer);

	pthread_mutex_lock(&r->lock);
	r->answers++;
	if (strncmp(answer, "{\"ok\":true", 10) != 0) {
		r->errors++;
		if (!r->allow_errors && r->errors <= 3)
			fprintf(stderr, "sockclient: error answer to line %d: %.300s\n", i + 1, answer);
	}
	if (r->first[i] == NULL) {
		r->first[i] = c;
		c = NULL;
	} else if (c == NULL || strcmp(r->first[i], c) != 0) {
		if (++r->mismatches <= 3)
			fprintf(stderr, "sockclient: answers to line %d differ:\n  %.300s\n  %.300s\n", i + 1,
				r->first[i], c != NULL ? c : "(null)");
	}
	pthread_mutex_unlock(&r->lock);
	free(c);
}

static void
fail(struct run *r, const char *what)
{
	pthread_mutex_lock(&r->lock);
	if (++r->failures <= 3)
		fprintf(stderr, "sockclient: %s: %s\n", what, strerror(errno));
	pthread_mutex_unlock(&r->lock);
}

static void *
client_main(void *arg)
{
	struct run *r = arg;
	client_t *c = client_connect(r->socket);
	int round, i;

	if (c == NULL)
		fail(r, "connect");
	/* All connections are open at once before the first request. */
	pthread_barrier_wait(&r->connected);
	if (c == NULL)
		return NULL;
	for (round = 0; round < r->rounds; round++) {
		for (i = 0; i < r->nlines; i++)
			if (client_send_line(c, r->lines[i]) != 0) {
				fail(r, "send");
				client_close(c);
				return NULL;
			}
		for (i = 0; i < r->nlines; i++) {
			char *answer = client_read_line(c, 64L << 20, r->timeout_ms);

			if (answer == NULL) {
				fail(r, "no answer");
				client_close(c);
				return NULL;
			}
			record(r, i, answer);
			free(answer);
		}
	}
	client_close(c);
	return NULL;
}

static int
read_lines(struct run *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		char **lines = realloc(r->lines, sizeof(*lines) * (size_t)(r->nlines + 1));

		if (lines == NULL)
			return -1;
		r->lines = lines;
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		r->lines[r->nlines++] = strdup(line);
	}
	free(line);
	return 0;
}

/* --raw: bytes as they are, then whatever the server says until it closes or time runs out. */
static int
run_raw(const char *socket_path, int hold_s, int read_after_s)
{
	client_t *c = client_connect(socket_path);
	char buf[65536];
	size_t n;
	time_t until;

	if (c == NULL) {
		fprintf(stderr, "sockclient: connect: %s\n", strerror(errno));
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (send(c->fd, buf, n, MSG_NOSIGNAL) < 0)
			break;
	if (read_after_s > 0)
		sleep((unsigned)read_after_s);
	until = time(NULL) + (hold_s > 0 ? hold_s : 5);
	while (time(NULL) <= until) {
		struct timeval tv = { 1, 0 };
		ssize_t got;

		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		got = recv(c->fd, buf, sizeof(buf), 0);
		if (got == 0)
			break;
		if (got > 0) {
			fwrite(buf, 1, (size_t)got, stdout);
			fflush(stdout);	/* a test may read the lines while the connection is held */
		}
	}
	fflush(stdout);
	client_close(c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct run r;
	pthread_t *threads;
	int clients = 1, raw = 0, hold = 0, read_after = 0, i;

	memset(&r, 0, sizeof(r));
	r.rounds = 1;
	r.timeout_ms = 10000;
	if (argc < 2) {
		fprintf(stderr, "usage: sockclient SOCKET [--clients N] [--rounds M] [--timeout MS]\n"
			"                  [--raw] [--hold S] [--read-after S] [--allow-errors]\n");
		return 2;
	}
	r.socket = argv[1];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
			clients = atoi(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			r.rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			r.timeout_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
			hold = atoi(argv[++i]);
		else if (strcmp(argv[i], "--read-after") == 0 && i + 1 < argc)
			read_after = atoi(argv[++i]);
		else if (strcmp(argv[i], "--raw") == 0)
			raw = 1;
		else if (strcmp(argv[i], "--allow-errors") == 0)
			r.allow_errors = 1;
		else {
			fprintf(stderr, "sockclient: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (raw)
		return run_raw(r.socket, hold, read_after);
	if (read_lines(&r) != 0 || clients < 1 || r.rounds < 1)
		return 2;
	r.first = calloc((size_t)r.nlines + 1, sizeof(*r.first));
	threads = calloc((size_t)clients, sizeof(*threads));
	pthread_mutex_init(&r.lock, NULL);
	pthread_barrier_init(&r.connected, NULL, (unsigned)clients);
	for (i = 0; i < clients; i++)
		if (pthread_create(&threads[i], NULL, client_main, &r) != 0) {
			fprintf(stderr, "sockclient: cannot start client %d\n", i);
			return 2;
		}
	for (i = 0; i < clients; i++)
		pthread_join(threads[i], NULL);
	if (clients == 1 && r.rounds == 1)
		for (i = 0; i < r.nlines; i++)
			puts(r.first[i] != NULL ? r.first[i] : "(no answer)");
	if (hold > 0)
		sleep((unsigned)hold);
	printf("sockclient: %d clients, %d rounds, %ld answers, %ld errors, %ld differing, %ld failed\n",
	       clients, r.rounds, r.answers, r.errors, r.mismatches, r.failures);
	for (i = 0; i < r.nlines; i++) {
		free(r.lines[i]);
		free(r.first[i]);
	}
	free(r.lines);
	free(r.first);
	free(threads);
	return r.failures > 0 || r.mismatches > 0 || (r.errors > 0 && !r.allow_errors) ||
		       r.answers != (long)clients * r.rounds * r.nlines ? 1 : 0;
}
