/*
 * client.h - talking to irsearchd from a program: connect, send lines, read lines.
 *
 * Owns: the client side of the socket (used by irsearch, and by the tests'
 * load generator), with a read buffer so pipelined answers are not lost.
 * Knows nothing of JSON: lines in, lines out.
 */
#ifndef IRSEARCHD_CLIENT_H
#define IRSEARCHD_CLIENT_H

#include <stddef.h>

typedef struct client {
	int fd;
	char *buf;		/* bytes received and not yet returned */
	size_t len, cap;
} client_t;

/* Connects to the daemon's socket; NULL with errno set when nobody answers. */
client_t *client_connect(const char *path);

/* Closes and frees; accepts NULL. */
void client_close(client_t *c);

/* Sends line and a newline; 0, or -1 with errno set. */
int client_send_line(client_t *c, const char *line);

/*
 * The next answer line, without its newline, in a buffer the caller frees;
 * NULL on end of file, error, a line over max bytes, or after timeout_ms
 * without a full line.
 */
char *client_read_line(client_t *c, size_t max, int timeout_ms);

#endif
