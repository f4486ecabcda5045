/* client.c - the client side of the daemon's socket (see client.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

client_t *
client_connect(const char *path)
{
	struct sockaddr_un addr;
	client_t *c;
	int fd, rc, saved;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	/* Interrupted (waiting for room in a busy daemon's backlog), a Unix
	 * connect has not started: it is tried again. */
	while ((rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr))) != 0 && errno == EINTR)
		;
	if ((rc != 0 && errno != EISCONN) || (c = calloc(1, sizeof(*c))) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	c->fd = fd;
	return c;
}

void
client_close(client_t *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

int
client_send_line(client_t *c, const char *line)
{
	size_t len = strlen(line), off = 0;
	struct iovec iov[2];

	while (off < len + 1) {
		struct msghdr msg;
		ssize_t n;

		memset(&msg, 0, sizeof(msg));
		iov[0].iov_base = (char *)line + (off < len ? off : len);
		iov[0].iov_len = off < len ? len - off : 0;
		iov[1].iov_base = "\n";
		iov[1].iov_len = 1;
		msg.msg_iov = iov;
		msg.msg_iovlen = 2;
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Takes the first line out of the buffer, or NULL when it holds none. */
static char *
take_line(client_t *c)
{
	char *nl = c->len > 0 ? memchr(c->buf, '\n', c->len) : NULL, *line;
	size_t n;

	if (nl == NULL)
		return NULL;
	n = (size_t)(nl - c->buf);
	line = malloc(n + 1);
	if (line == NULL)
		return NULL;
	memcpy(line, c->buf, n);
	line[n] = '\0';
	memmove(c->buf, nl + 1, c->len - n - 1);
	c->len -= n + 1;
	return line;
}

char *
client_read_line(client_t *c, size_t max, int timeout_ms)
{
	struct timespec start;
	char *line;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((line = take_line(c)) == NULL) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		long left = timeout_ms - elapsed_ms(&start);
		ssize_t n;

		if (c->len > max || left <= 0)
			return NULL;
		if (c->cap - c->len < 4096) {
			size_t cap = c->cap == 0 ? 65536 : c->cap * 2;
			char *buf = realloc(c->buf, cap);

			if (buf == NULL)
				return NULL;
			c->buf = buf;
			c->cap = cap;
		}
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
	return line;
}
