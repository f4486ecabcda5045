/*
 * extractors.c - extraction in worker processes (see extractors.h).
 *
 * Workers are irindex itself, run again with EXTRACTORS_WORKER_FLAG
 * (fork, then exec of /proc/self/exe): a fresh image whose address-space
 * limit counts only what the parsers use, not the parent's SQLite cache.
 * Each worker has a request pipe (its fd 3) and an answer pipe (its fd 4),
 * works through the paths sent to it (WORKER_DEPTH at most) one at a
 * time, and says hello once it is ready, so a worker that cannot start is
 * a setup error rather than a stream of skipped files.
 *
 * Every message is a frame: "IRSX" (request) or "IRSW" (answer), a 32-bit
 * payload length, the payload; numbers in native byte order (both ends are
 * the same binary).  The parent reads answers without blocking, frame by
 * frame, into a buffer sized from a length it checked against the text cap,
 * and parses every field with bounds; anything off kills the worker and
 * skips the file.  A worker's stderr is closed (poppler and libxml2 talk
 * there about damaged files, which irindex reports itself), except that a
 * sanitizer build keeps its reports on irindex's stderr.
 *
 * Least privilege (worker_setup): a worker holds only /dev/null on 0-2, its
 * two pipes and the file it is parsing (spawn closes everything else of
 * irindex's), and runs with no_new_privs, Landlock where the kernel has
 * it, and a seccomp filter: no network, no new programs, no file written,
 * created, removed or changed.  tests/e2e/worker_privileges.sh holds this.
 *
 * The parent holds jobs in a ring in submission order: queued, running on
 * a worker, or done and waiting for the ones before them.  The ring is
 * IRS_EXTRACT_WINDOW_JOBS jobs (at least 4 per worker), and done jobs hold
 * at most IRS_EXTRACT_WINDOW_BYTES of text before submit waits.  Answers
 * are read whenever irindex passes by (pump), not only when it must wait.
 */
#define _GNU_SOURCE		/* close_range, prctl, process_vm_readv, strerrorname_np, F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "irsearch/detect.h"
#include "irsearch/extract.h"
#include "irsearch/growbuf.h"
#include "irsearch/limits.h"
#include "irsearch/utf8.h"
#include "extractors.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IRS_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define IRS_SANITIZED 1
#endif
#ifdef IRS_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

#define REQUEST_MAGIC 0x58535249u	/* "IRSX" */
#define ANSWER_MAGIC 0x57535249u	/* "IRSW" */
#define REQUEST_FD 3
#define ANSWER_FD 4
/* Seconds a new worker has to say hello. */
#define HELLO_TIMEOUT_S 10
/* Seconds a worker has to exit once its request pipe closes. */
#define EXIT_TIMEOUT_S 5
/*
 * Jobs sent to a worker ahead of its answers, so that workers go on while
 * irindex stores a long document, and it finds the next ones done when it
 * comes back.  With 2, on the 10,000 generated documents, irindex waited on
 * its workers 0.25-0.56 s a run; with 4 0.15-0.17 s, with 8 0.04-0.18 s;
 * with 16 under 0.01 s, but the workers, further ahead, took the writer's
 * core more often (3,300-3,600 preemptions against 200-1,200).
 */
#define WORKER_DEPTH 8
/* A request is a frame of four numbers and a path shorter than PATH_MAX: a
 * worker's requests fit its pipe (64 KiB on Linux), so writing one never waits
 * on a worker that is itself waiting to write an answer. */
#define REQUEST_MAX (8 + 8 + 8 + 1 + 8 + 4 + PATH_MAX)
_Static_assert(WORKER_DEPTH * REQUEST_MAX <= 65536, "a worker's requests must fit its pipe");
/* Room in an answer beyond the text: type, metadata, reason, numbers. */
#define ANSWER_OVERHEAD (IRS_MIME_MAX + 4 * IRS_MAX_META_BYTES + 1024)

/* ---- the work on one file, shared by workers and in-process mode ---- */

/* Reads until cap bytes or end of file; returns the count, or -1 with errno set. */
static ssize_t
read_full(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t got = read(fd, buf + n, cap - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;	/* the file shrank while we read it: take what is there */
		n += (size_t)got;
	}
	return (ssize_t)n;
}

static void
unreadable(extract_result *res, int err)
{
	res->outcome = EXTRACT_UNREADABLE;
	snprintf(res->reason, sizeof(res->reason), "cannot read: %s", strerror(err));
}

/* Copies a reason, cut on a UTF-8 boundary to fit. */
static void
set_reason(extract_result *res, const char *why)
{
	size_t n = strlen(why);

	if (n >= sizeof(res->reason)) {
		n = sizeof(res->reason) - 1;
		while (n > 0 && ((unsigned char)why[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(res->reason, why, n);
	res->reason[n] = '\0';
}

static void
skipped(extract_result *res, const char *why)
{
	res->outcome = EXTRACT_SKIPPED;
	set_reason(res, why);
}

/* ---- test-only faults and probes ---- */

#define MAX_FAULTS 4

struct fault {
	enum { FAULT_NONE, FAULT_SEGV, FAULT_HANG, FAULT_ABORT, FAULT_NETWORK, FAULT_WRITE, FAULT_REACH } kind;
	char text[128];
};

/*
 * IRSEARCH_TEST_EXTRACT_FAULT=KIND:TEXT[,KIND:TEXT]..., for tests only (see
 * extractors.h): a worker acts on a file whose path contains TEXT once it
 * has opened it, so that a hanging worker holds its file as a parser
 * would.  Fills up to MAX_FAULTS entries, the rest FAULT_NONE.
 */
static void
read_faults(struct fault *faults)
{
	static const struct { const char *prefix; int kind; } kinds[] = {
		{ "segv:", FAULT_SEGV }, { "hang:", FAULT_HANG }, { "abort:", FAULT_ABORT },
		{ "network:", FAULT_NETWORK }, { "write:", FAULT_WRITE }, { "reach:", FAULT_REACH },
	};
	const char *v = getenv("IRSEARCH_TEST_EXTRACT_FAULT");
	int n = 0;
	size_t i;

	memset(faults, 0, MAX_FAULTS * sizeof(*faults));
	while (v != NULL && *v != '\0' && n < MAX_FAULTS) {
		size_t len = strcspn(v, ",");

		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			size_t plen = strlen(kinds[i].prefix);

			if (len > plen && len - plen < sizeof(faults[n].text) && strncmp(v, kinds[i].prefix, plen) == 0) {
				faults[n].kind = kinds[i].kind;
				memcpy(faults[n].text, v + plen, len - plen);
				n++;
				break;
			}
		}
		v += len + (v[len] == ',');
	}
}

/* Adds "NAME ERRNO" (or "NAME ok" when the call worked) to a probe's report. */
static void
probe_note(char *buf, size_t cap, const char *name, long rc, int err)
{
	size_t n = strlen(buf);
	const char *what = rc >= 0 ? "ok" : strerrorname_np(err);

	snprintf(buf + n, cap - n, "%s%s %s", buf[n - 1] == ':' ? " " : ", ", name, what != NULL ? what : "?");
}

/* Makes a call, then notes how it went (errno is read after the call). */
#define PROBE(name, call) do { long rc_ = (call); probe_note(buf, cap, (name), rc_, errno); } while (0)

/* The same for a call that returns a descriptor, closed when the call worked. */
#define PROBE_FD(name, call)					\
	do {							\
		long fd_ = (call);				\
		int err_ = errno;				\
		if (fd_ >= 0)					\
			close((int)fd_);			\
		probe_note(buf, cap, (name), fd_, err_);	\
	} while (0)

/*
 * write: what an exploited parser would try on the file it holds and its
 * folder.  Every call must fail; the report says how each one did.
 */
static void
probe_writes(const char *path, int fd, char *buf, size_t cap)
{
	char other[PATH_MAX + 32];
	const char *slash = strrchr(path, '/');
	int dirlen = slash != NULL ? (int)(slash - path) : 1;

	snprintf(other, sizeof(other), "%.*s/.irs-write-probe", dirlen, slash != NULL ? path : ".");
	snprintf(buf, cap, "write probe:");
	PROBE_FD("create", open(other, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
	PROBE_FD("write", open(path, O_WRONLY | O_CLOEXEC));
	PROBE_FD("trunc", open(path, O_RDONLY | O_TRUNC | O_CLOEXEC));
#ifdef SYS_openat2
	{
		uint64_t how[3] = { O_WRONLY | O_CLOEXEC, 0, 0 };	/* struct open_how */

		PROBE_FD("openat2", syscall(SYS_openat2, AT_FDCWD, path, how, sizeof(how)));
	}
#endif
	PROBE("unlink", unlink(path));
	PROBE("rename", rename(path, other));
	PROBE("mkdir", mkdir(other, 0700));
	PROBE("link", link(path, other));
	PROBE("symlink", symlink(path, other));
	PROBE("mkfifo", mkfifo(other, 0600));
	PROBE("truncate", truncate(path, 0));
	PROBE("chmod", fchmod(fd, 0));
	PROBE("utimes", futimens(fd, NULL));
	PROBE("xattr", fsetxattr(fd, "user.irsearch-probe", "x", 1, 0));
}

/*
 * reach: the ways out of the worker other than files: the network, new
 * programs, io_uring (which can open sockets and files behind seccomp's
 * back), irindex's descriptors and memory, signals to other processes, and
 * device ioctls.
 */
static void
probe_reach(char *buf, size_t cap)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL }, byte;
	struct iovec mine = { &byte, 1 }, theirs = { NULL, 1 };
	unsigned char params[120];	/* struct io_uring_params */
	struct termios tio;
	long pidfd;
	int dev;

	snprintf(buf, cap, "reach probe:");
	PROBE_FD("inet", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	PROBE_FD("unix", socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	PROBE("exec", execve("/bin/true", argv, envp));
	memset(params, 0, sizeof(params));
	PROBE_FD("io_uring", syscall(SYS_io_uring_setup, 1, params));
	/* Taking one of irindex's descriptors: its 0 (the database's would do as well). */
	pidfd = syscall(SYS_pidfd_open, getppid(), 0);
	PROBE_FD("getfd", pidfd < 0 ? pidfd : syscall(SYS_pidfd_getfd, (int)pidfd, 0, 0));
	if (pidfd >= 0)
		close((int)pidfd);
	/* Permission is checked before the address: allowed, it would fail with EFAULT. */
	PROBE("vmread", process_vm_readv(getppid(), &mine, 1, &theirs, 1, 0));
	PROBE("signal", kill(getppid(), 0));
	/* A terminal's ioctl on a device opened now: ENOTTY, or refused by Landlock's device rule. */
	dev = open("/dev/null", O_RDONLY | O_CLOEXEC);
	PROBE("ioctl", dev < 0 ? dev : ioctl(dev, TCGETS, &tio));
	if (dev >= 0)
		close(dev);
}

#undef PROBE
#undef PROBE_FD

/*
 * Acts on a file whose path matches a fault (the first that does).  segv,
 * abort and hang do not return; network returns when the socket was
 * refused; write and reach return 1 with their report in why.
 */
static int
inject_fault(const struct fault *faults, const char *path, int fd, char *why, size_t cap)
{
	const struct fault *f = NULL;
	int i;

	for (i = 0; faults != NULL && i < MAX_FAULTS && f == NULL; i++)
		if (faults[i].kind != FAULT_NONE && strstr(path, faults[i].text) != NULL)
			f = &faults[i];
	if (f == NULL)
		return 0;
	if (f->kind == FAULT_WRITE) {
		probe_writes(path, fd, why, cap);
		return 1;
	}
	if (f->kind == FAULT_REACH) {
		probe_reach(why, cap);
		return 1;
	}
	if (f->kind == FAULT_NETWORK) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0)
			return 0;	/* refused, as it must be: extract normally */
		close(s);
		signal(SIGABRT, SIG_DFL);
		raise(SIGABRT);
	}
	/* The default actions, not a sanitizer's handlers: the parent must see the signal. */
	if (f->kind == FAULT_SEGV) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	} else if (f->kind == FAULT_ABORT) {
		signal(SIGABRT, SIG_DFL);
		raise(SIGABRT);
	}
	for (;;)
		pause();
}

/*
 * Reads, hashes, detects and extracts one file into res.  The head is read
 * first: a type without an extractor is skipped without reading the rest
 * (a zip is read whole, since its members tell its type).
 */
static void
run_job(detector_t *det, const extract_limits *lim, const struct fault *faults, const extract_job *job,
	extract_result *res)
{
	int fd = open(job->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	extract_opts opts = { lim->max_text, NULL };
	char charset[32], *data = NULL;
	struct stat st;
	ssize_t head, rest = 0;
	size_t size;
	irs_error e;
	irs_code rc;

	memset(res, 0, sizeof(*res));
	if (fd < 0 || fstat(fd, &st) != 0) {
		unreadable(res, errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (inject_fault(faults, job->path, fd, res->reason, sizeof(res->reason))) {
		res->outcome = EXTRACT_SKIPPED;
		close(fd);
		return;
	}
	size = st.st_size > IRS_MAX_FILE_BYTES ? (size_t)IRS_MAX_FILE_BYTES : (size_t)st.st_size;
	if ((data = malloc(size + 1)) == NULL) {
		close(fd);
		snprintf(res->reason, sizeof(res->reason), "out of memory (limit %ld MiB)", lim->memory_mib);
		res->outcome = EXTRACT_SKIPPED;
		return;
	}
	head = read_full(fd, data, size < IRS_DETECT_HEAD ? size : IRS_DETECT_HEAD);
	if (head < 0) {
		unreadable(res, errno);
		goto out;
	}
	if (detect_type(det, job->path, (const unsigned char *)data, (size_t)head, res->doc.type,
			sizeof(res->doc.type), &e) != IRS_OK) {
		skipped(res, e.msg);
		goto out;
	}
	if (strcmp(res->doc.type, "application/zip") != 0 && !extract_supports(res->doc.type)) {
		skipped(res, res->doc.type);
		goto out;
	}
	if ((size_t)head == IRS_DETECT_HEAD && (rest = read_full(fd, data + head, size - (size_t)head)) < 0) {
		unreadable(res, errno);
		goto out;
	}
	size = (size_t)head + (size_t)rest;
	data[size] = '\0';
	if (strcmp(res->doc.type, "application/zip") == 0) {
		detect_container(det, (const unsigned char *)data, size, res->doc.type, sizeof(res->doc.type));
		if (!extract_supports(res->doc.type)) {
			skipped(res, res->doc.type);
			goto out;
		}
	}
	res->hash = XXH3_64bits(data, size);
	if (job->compare_hash && res->hash == job->old_hash) {
		res->outcome = EXTRACT_UNCHANGED;
		goto out;
	}
	if (strncmp(res->doc.type, "text/", 5) == 0) {
		detect_charset(det, (const unsigned char *)data, size, charset, sizeof(charset));
		opts.charset = charset;
	}
	res->doc.size = job->size;
	res->doc.mtime_ns = job->mtime_ns;
	res->doc.hash = res->hash;
	rc = extract_document_with(data, size, &opts, &res->doc, &e);
	if (rc == IRS_OK) {
		res->outcome = EXTRACT_DOC;
	} else if (rc == IRS_INTERNAL && strcmp(e.msg, "out of memory") == 0 && lim->memory_mib > 0) {
		res->outcome = EXTRACT_SKIPPED;
		snprintf(res->reason, sizeof(res->reason), "out of memory (limit %ld MiB)", lim->memory_mib);
	} else {
		skipped(res, e.msg);
	}
	if (res->outcome != EXTRACT_DOC)
		doc_clear(&res->doc);
out:
	free(data);
	close(fd);
}

/* ---- frames ---- */

static void
put_u8(growbuf *b, uint8_t v)
{
	growbuf_append(b, &v, 1);
}

static void
put_u32(growbuf *b, uint32_t v)
{
	growbuf_append(b, &v, 4);
}

static void
put_u64(growbuf *b, uint64_t v)
{
	growbuf_append(b, &v, 8);
}

static void
put_str(growbuf *b, const char *s, size_t n)
{
	put_u32(b, (uint32_t)n);
	growbuf_append(b, s != NULL ? s : "", n);
}

static void
put_cstr(growbuf *b, const char *s)
{
	put_str(b, s, s != NULL ? strlen(s) : 0);
}

/* Starts a frame; end_frame fills in its length. */
static void
begin_frame(growbuf *b, uint32_t magic)
{
	growbuf_reset(b);
	put_u32(b, magic);
	put_u32(b, 0);
}

static int
end_frame(growbuf *b)
{
	uint32_t len = (uint32_t)(b->len - 8);

	if (b->failed || b->len - 8 > UINT32_MAX)
		return -1;
	memcpy(b->data + 4, &len, 4);
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t put_n = write(fd, p, n);

		if (put_n < 0 && errno == EINTR)
			continue;
		if (put_n <= 0)
			return -1;
		p += put_n;
		n -= (size_t)put_n;
	}
	return 0;
}

/* A cursor over a received payload; every read is checked against what is left. */
struct rbuf {
	const unsigned char *p;
	size_t left;
	int bad;
};

static void
get(struct rbuf *r, void *v, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = 1;
		memset(v, 0, n);
		return;
	}
	memcpy(v, r->p, n);
	r->p += n;
	r->left -= n;
}

static uint8_t
get_u8(struct rbuf *r)
{
	uint8_t v;

	get(r, &v, 1);
	return v;
}

static uint32_t
get_u32(struct rbuf *r)
{
	uint32_t v;

	get(r, &v, 4);
	return v;
}

static uint64_t
get_u64(struct rbuf *r)
{
	uint64_t v;

	get(r, &v, 8);
	return v;
}

/* A string of at most max bytes; *n gets its length.  Points into the payload. */
static const char *
get_str(struct rbuf *r, size_t max, size_t *n)
{
	uint32_t len = get_u32(r);
	const char *s = (const char *)r->p;

	if (r->bad || len > max || len > r->left) {
		r->bad = 1;
		*n = 0;
		return "";
	}
	r->p += len;
	r->left -= len;
	*n = len;
	return s;
}

/* ---- the worker process ---- */

/*
 * Landlock (Linux 5.13 and later, where the kernel enables it): a ruleset
 * that handles every right that changes the filesystem and has no rule
 * granting one, so every file and folder is read-only to the worker, by
 * whatever call (io_uring's included); reading and mapping are not
 * handled, so stay allowed.  Newer ABIs add TCP bind and connect (ABI 4,
 * none allowed), device ioctls (ABI 5, none on a device opened from now
 * on), and scopes (ABI 6): no signals to, and no abstract Unix sockets of,
 * processes outside the sandbox, irindex included.  Descriptors already
 * open (the pipes, /dev/null, a sanitizer's stderr) keep their rights.
 * Without Landlock the worker goes on with the seccomp filter alone.
 */
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)

static void
landlock_read_only(void)
{
#if defined(SYS_landlock_create_ruleset) && defined(SYS_landlock_restrict_self)
	/* struct landlock_ruleset_attr as of ABI 6; an older kernel takes it while the new fields are 0. */
	struct { uint64_t handled_access_fs, handled_access_net, scoped; } attr = { 0, 0, 0 };
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	long fd;

	if (abi < 1)
		return;	/* not built, or not enabled */
	attr.handled_access_fs = LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR |
		LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK |
		LL_FS_MAKE_SYM;
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 4)
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 6)
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
	fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return;
	syscall(SYS_landlock_restrict_self, (int)fd, 0);
	close((int)fd);
#endif
}

/*
 * The seccomp filter, on every kernel since 3.5: checked at each call,
 * before Landlock looks at the file, so where both stand the filter
 * answers and Landlock is the wall behind it, for whatever call the list
 * misses.  Calls that reach out of the worker fail with EACCES: sockets,
 * new programs, io_uring (which opens sockets and files behind the
 * filter's back), ptrace, and another process's memory or descriptors.  Calls that would change a file fail
 * with EROFS, as on a read-only mount: opening with O_WRONLY, O_RDWR,
 * O_CREAT or O_TRUNC (checked in the flags argument of open and openat),
 * creating, removing, renaming or linking names, truncating, and changing
 * modes, owners, times or extended attributes.  openat2, whose flags are
 * behind a pointer no filter can read, fails with ENOSYS, the answer of a
 * kernel without it, so callers fall back to openat.  Reading stays
 * allowed: the file named in each request, and the data the libraries
 * load (libmagic's magic.mgc, poppler's encodings, glib's).  The worker
 * talks to irindex over descriptors it already holds, so it loses nothing.
 * Where the kernel has no seccomp, the worker runs without the filter.
 */
static void
seccomp_filter(void)
{
	static const int reach[] = {
		SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(execve), SCMP_SYS(execveat),
#ifndef IRS_SANITIZED
		/* LeakSanitizer stops the world with ptrace at exit. */
		SCMP_SYS(ptrace),
#endif
		SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
		SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(pidfd_getfd),
	};
	static const int changes[] = {
		SCMP_SYS(creat), SCMP_SYS(open_by_handle_at), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
		SCMP_SYS(rmdir), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),
		SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(link), SCMP_SYS(linkat), SCMP_SYS(symlink),
		SCMP_SYS(symlinkat), SCMP_SYS(mknod), SCMP_SYS(mknodat), SCMP_SYS(truncate),
		SCMP_SYS(ftruncate), SCMP_SYS(fallocate), SCMP_SYS(chmod), SCMP_SYS(fchmod),
		SCMP_SYS(fchmodat), SCMP_SYS(chown), SCMP_SYS(fchown), SCMP_SYS(lchown),
		SCMP_SYS(fchownat), SCMP_SYS(utime), SCMP_SYS(utimes), SCMP_SYS(futimesat),
		SCMP_SYS(utimensat), SCMP_SYS(setxattr), SCMP_SYS(lsetxattr), SCMP_SYS(fsetxattr),
		SCMP_SYS(removexattr), SCMP_SYS(lremovexattr), SCMP_SYS(fremovexattr),
#if defined(__x86_64__) || defined(__aarch64__)
		/* Newer than this libseccomp: fchmodat2 (6.6), setxattrat and removexattrat (6.13). */
		452, 463, 466,
#endif
	};
	static const scmp_datum_t write_flags[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	size_t i;

	if (ctx == NULL)
		return;
	for (i = 0; i < sizeof(reach) / sizeof(reach[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), reach[i], 0);
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EROFS), changes[i], 0);
	for (i = 0; i < sizeof(write_flags) / sizeof(write_flags[0]); i++) {
		scmp_datum_t f = write_flags[i];

		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EROFS), SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, f, f));
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EROFS), SCMP_SYS(open), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, f, f));
	}
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
	seccomp_load(ctx);
	seccomp_release(ctx);
}

/*
 * The process around the parsers: no core files, bounded memory, quiet,
 * and a sandbox: no network, no new programs, nothing written.  The worker
 * holds only its standard descriptors (on /dev/null), its two pipes and,
 * in a sanitizer build, a copy of irindex's stderr for reports; spawn
 * closed everything else irindex had.
 */
static void
worker_setup(long memory_mib)
{
	struct rlimit rl = { 0, 0 };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), i;

	setrlimit(RLIMIT_CORE, &rl);
#ifdef IRS_SANITIZED
	/* The sanitizer's shadow memory needs terabytes of address space. */
	(void)memory_mib;
	__sanitizer_set_report_fd((void *)(intptr_t)fcntl(2, F_DUPFD_CLOEXEC, 10));
#else
	if (memory_mib > 0) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)memory_mib << 20;
		setrlimit(RLIMIT_AS, &rl);
	}
#endif
	/* Whatever irindex had on 0, 1 and 2 is not the worker's; without /dev/null, nothing is. */
	for (i = 0; i <= 2; i++) {
		if (null < 0)
			close(i);
		else if (null != i)
			dup2(null, i);
	}
	if (null > 2)
		close(null);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	landlock_read_only();
	seccomp_filter();
}

static int
read_exact(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = read(fd, p, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int
send_answer(growbuf *b, const extract_result *res)
{
	begin_frame(b, ANSWER_MAGIC);
	put_u8(b, (uint8_t)res->outcome);
	put_u64(b, res->hash);
	if (res->outcome == EXTRACT_DOC) {
		put_cstr(b, res->doc.type);
		put_cstr(b, res->doc.title);
		put_cstr(b, res->doc.author);
		put_cstr(b, res->doc.date);
		put_u8(b, (uint8_t)res->doc.date_from_mtime);
		put_cstr(b, res->doc.lang);
		put_u32(b, (uint32_t)res->doc.pages);
		put_str(b, res->doc.body, res->doc.body_len);
	} else {
		put_cstr(b, res->reason);
	}
	if (end_frame(b) != 0)
		return -1;
	return write_all(ANSWER_FD, b->data, b->len);
}

int
extractors_worker_main(int argc, char **argv)
{
	extract_limits lim = { 0, 0, 0 };
	struct fault faults[MAX_FAULTS];
	growbuf out = GROWBUF_INIT;
	detector_t *det;
	char path[PATH_MAX + 1];
	int status = 0;

	if (argc != 4)
		return 2;
	lim.memory_mib = strtol(argv[2], NULL, 10);
	lim.max_text = (size_t)strtoull(argv[3], NULL, 10);
	read_faults(faults);
	worker_setup(lim.memory_mib);
	if ((det = detect_new()) == NULL)
		return 1;
	begin_frame(&out, ANSWER_MAGIC);
	if (end_frame(&out) != 0 || write_all(ANSWER_FD, out.data, out.len) != 0)
		status = 1;
	while (status == 0) {
		uint32_t head[2], n;
		unsigned char req[REQUEST_MAX];
		extract_job job;
		extract_result res;
		struct rbuf r;
		size_t plen;
		const char *p;

		if (read_exact(REQUEST_FD, head, sizeof(head)) != 0)
			break;	/* irindex closed the pipe: done */
		n = head[1];
		if (head[0] != REQUEST_MAGIC || n > sizeof(req) || read_exact(REQUEST_FD, req, n) != 0) {
			status = 1;
			break;
		}
		r.p = req, r.left = n, r.bad = 0;
		memset(&job, 0, sizeof(job));
		job.size = (int64_t)get_u64(&r);
		job.mtime_ns = (int64_t)get_u64(&r);
		job.compare_hash = get_u8(&r);
		job.old_hash = get_u64(&r);
		p = get_str(&r, PATH_MAX - 1, &plen);
		if (r.bad) {
			status = 1;
			break;
		}
		memcpy(path, p, plen);
		path[plen] = '\0';
		job.path = path;
		run_job(det, &lim, faults, &job, &res);
		if (send_answer(&out, &res) != 0)
			status = 1;
		doc_clear(&res.doc);
	}
	growbuf_free(&out);
	detect_free(det);
	return status;
}

/* ---- the parent ---- */

enum slot_state { SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

struct slot {
	extract_job job;	/* path owned by the slot */
	enum slot_state state;
	extract_result res;
};

struct worker {
	pid_t pid;		/* 0: not running */
	int to_fd, from_fd;
	struct slot *slot[WORKER_DEPTH];	/* jobs sent, oldest first; slot[0] runs */
	int inflight;
	double deadline;	/* monotonic seconds */
	unsigned char head[8];	/* the answer frame being read */
	size_t have;
	unsigned char *payload;
	size_t need;
};

struct extractors {
	extract_limits lim;
	int nworkers;
	struct worker *workers;
	struct slot *ring;
	size_t cap, first, count;
	size_t held_bytes;	/* text in done slots not yet delivered */
	extractors_done_fn done;
	void *ud;
	detector_t *det;	/* in-process mode */
	growbuf req;
	irs_error fatal;
	int failed;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

irs_code
extractors_new(const extract_limits *lim, int workers, extractors_done_fn done, void *ud,
	       extractors_t **out, irs_error *e)
{
	extractors_t *x;
	int i;

	*out = NULL;
	if (workers < 0 || workers > IRS_MAX_EXTRACT_WORKERS)
		return irs_fail(e, IRS_BAD_REQUEST, "between 0 and %d extractor workers", IRS_MAX_EXTRACT_WORKERS);
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	x->lim = *lim;
	x->nworkers = workers;
	x->done = done;
	x->ud = ud;
	x->cap = IRS_EXTRACT_WINDOW_JOBS;
	if ((size_t)workers * 4 > x->cap)
		x->cap = (size_t)workers * 4;
	if (workers == 0)
		x->cap = 1;
	x->ring = calloc(x->cap, sizeof(*x->ring));
	x->workers = workers > 0 ? calloc((size_t)workers, sizeof(*x->workers)) : NULL;
	if (workers == 0)
		x->det = detect_new();
	if (x->ring == NULL || (workers > 0 && x->workers == NULL) || (workers == 0 && x->det == NULL)) {
		extractors_free(x);
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	}
	for (i = 0; i < workers; i++)
		x->workers[i].to_fd = x->workers[i].from_fd = -1;
	*out = x;
	return IRS_OK;
}

static const char *
signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGABRT: return "SIGABRT";
	case SIGKILL: return "SIGKILL";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGXCPU: return "SIGXCPU";
	case SIGXFSZ: return "SIGXFSZ";
	case SIGTERM: return "SIGTERM";
	case SIGPIPE: return "SIGPIPE";
	}
	return NULL;
}

/* Why a worker ended, from its wait status. */
static void
describe_exit(int status, char *buf, size_t cap)
{
	if (WIFSIGNALED(status) && signal_name(WTERMSIG(status)) != NULL)
		snprintf(buf, cap, "extractor killed by %s", signal_name(WTERMSIG(status)));
	else if (WIFSIGNALED(status))
		snprintf(buf, cap, "extractor killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, cap, "extractor exited with status %d", WEXITSTATUS(status));
}

static void
close_worker_fds(struct worker *w)
{
	if (w->to_fd >= 0)
		close(w->to_fd);
	if (w->from_fd >= 0)
		close(w->from_fd);
	w->to_fd = w->from_fd = -1;
	free(w->payload);
	w->payload = NULL;
	w->have = w->need = 0;
}

/* Kills a worker (when still running) and reaps it; *status gets its wait status. */
static void
end_worker(struct worker *w, int kill_it, int *status)
{
	int st = 0;

	if (w->pid > 0) {
		if (kill_it)
			kill(w->pid, SIGKILL);
		while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (status != NULL)
		*status = st;
	w->pid = 0;
	close_worker_fds(w);
}

/* Waits up to timeout_s for fd to be readable; 1 when it is. */
static int
wait_readable(int fd, double timeout_s)
{
	struct pollfd p = { fd, POLLIN, 0 };
	double end = now_s() + timeout_s;

	for (;;) {
		double left = end - now_s();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&p, 1, (int)(left * 1000) + 1);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return 0;
	}
}

/*
 * Starts a worker: pipes on fds 3 and 4, irindex re-executed, its hello
 * awaited.  The answer pipe is read without blocking from then on.
 */
static irs_code
spawn(extractors_t *x, struct worker *w, irs_error *e)
{
	int to[2], from[2];
	char mem[32], text[32];
	uint32_t hello[2];
	struct rlimit nofile;
	int maxfd = 65536, flags;
	pid_t pid;

	snprintf(mem, sizeof(mem), "%ld", x->lim.memory_mib);
	snprintf(text, sizeof(text), "%zu", x->lim.max_text);
	if (pipe2(to, O_CLOEXEC) != 0)
		return irs_fail(e, IRS_INTERNAL, "cannot start an extractor: %s", strerror(errno));
	if (pipe2(from, O_CLOEXEC) != 0) {
		close(to[0]), close(to[1]);
		return irs_fail(e, IRS_INTERNAL, "cannot start an extractor: %s", strerror(errno));
	}
	/* For a kernel without close_range (before 5.9): the descriptors to close one by one. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur < (1U << 20))
		maxfd = (int)nofile.rlim_cur;
	pid = fork();
	if (pid < 0) {
		close(to[0]), close(to[1]), close(from[0]), close(from[1]);
		return irs_fail(e, IRS_INTERNAL, "cannot start an extractor: %s", strerror(errno));
	}
	if (pid == 0) {
		/* Async-signal-safe calls only until exec. */
		char *argv[] = { "irindex", EXTRACTORS_WORKER_FLAG, mem, text, NULL };
		int in = fcntl(to[0], F_DUPFD, 10), answer = fcntl(from[1], F_DUPFD, 10), fd;

		if (in < 0 || answer < 0 || dup2(in, REQUEST_FD) < 0 || dup2(answer, ANSWER_FD) < 0)
			_exit(127);
		/*
		 * Nothing else of irindex's may reach the worker: not the database,
		 * its WAL and shared memory, the lock or the log (opened close-on-exec),
		 * nor a descriptor irindex inherited without that flag.
		 */
		if (close_range(ANSWER_FD + 1, ~0U, 0) != 0)
			for (fd = ANSWER_FD + 1; fd < maxfd; fd++)
				close(fd);
		/* A worker never outlives irindex, even one stuck in a parser. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	w->pid = pid;
	w->to_fd = to[1];
	w->from_fd = from[0];
	/* Best effort: a user over the kernel's pipe quota keeps the default size. */
	(void)fcntl(w->from_fd, F_SETPIPE_SZ, IRS_EXTRACT_PIPE_BYTES);
	if (!wait_readable(w->from_fd, HELLO_TIMEOUT_S) || read_exact(w->from_fd, hello, sizeof(hello)) != 0 ||
	    hello[0] != ANSWER_MAGIC || hello[1] != 0) {
		int status;
		char why[128];

		end_worker(w, 1, &status);
		describe_exit(status, why, sizeof(why));
		return irs_fail(e, IRS_INTERNAL, "cannot start an extractor worker (%s)", why);
	}
	flags = fcntl(w->from_fd, F_GETFL);
	fcntl(w->from_fd, F_SETFL, flags | O_NONBLOCK);
	return IRS_OK;
}

static struct slot *
slot_at(extractors_t *x, size_t i)
{
	return &x->ring[(x->first + i) % x->cap];
}

static void
finish_slot(extractors_t *x, struct slot *s, extract_outcome outcome, const char *reason)
{
	s->state = SLOT_DONE;
	if (reason != NULL) {
		s->res.outcome = outcome;
		set_reason(&s->res, reason);
	}
	x->held_bytes += s->res.doc.body_len;
}

/* The worker died or misbehaved while holding a job: the job is skipped, the worker replaced later. */
static void
lose_worker(extractors_t *x, struct worker *w, int kill_it, const char *why)
{
	struct slot *s = w->inflight > 0 ? w->slot[0] : NULL;
	char reason[128];
	int status, i;

	end_worker(w, kill_it, &status);
	if (why == NULL) {
		describe_exit(status, reason, sizeof(reason));
		why = reason;
	}
	/* Only the running job is lost; the ones queued behind it go to another worker. */
	for (i = 1; i < w->inflight; i++)
		w->slot[i]->state = SLOT_QUEUED;
	w->inflight = 0;
	if (s != NULL) {
		memset(&s->res, 0, sizeof(s->res));
		finish_slot(x, s, EXTRACT_SKIPPED, why);
	}
}

static int
printable_type(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= IRS_MIME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr(".+-/", s[i]) != NULL))
			return 0;
	return 1;
}

/* Copies a metadata string that must fit a fixed field and pass its setter. */
static int
small_field(const char *s, size_t n, char *buf, size_t cap)
{
	if (n >= cap || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/*
 * Reads an answer payload into res, trusting nothing: every length is
 * bounded, the type must be one we extract, dates and languages must parse,
 * the text must be valid UTF-8 without NULs and within the cap.
 */
static int
parse_answer(const extract_limits *lim, const unsigned char *p, size_t n, extract_result *res)
{
	struct rbuf r = { p, n, 0 };
	const char *s;
	size_t len, i;
	char small[IRS_MIME_MAX];

	res->outcome = (extract_outcome)get_u8(&r);
	res->hash = get_u64(&r);
	if (res->outcome == EXTRACT_DOC) {
		irs_doc *d = &res->doc;

		s = get_str(&r, IRS_MIME_MAX - 1, &len);
		if (r.bad || !printable_type(s, len))
			return -1;
		memcpy(d->type, s, len);
		d->type[len] = '\0';
		if (!extract_supports(d->type))
			return -1;
		s = get_str(&r, IRS_MAX_META_BYTES, &len);
		if (r.bad || (len > 0 && doc_set_text(&d->title, s, len, IRS_MAX_META_BYTES) != 0))
			return -1;
		s = get_str(&r, IRS_MAX_META_BYTES, &len);
		if (r.bad || (len > 0 && doc_set_text(&d->author, s, len, IRS_MAX_META_BYTES) != 0))
			return -1;
		s = get_str(&r, IRS_DATE_MAX - 1, &len);
		if (r.bad || small_field(s, len, small, sizeof(small)) != 0 || (len > 0 && doc_set_date(d, small) != 0))
			return -1;
		d->date_from_mtime = get_u8(&r) != 0;
		s = get_str(&r, IRS_LANG_MAX - 1, &len);
		if (r.bad || small_field(s, len, small, sizeof(small)) != 0 || (len > 0 && doc_set_lang(d, small) != 0))
			return -1;
		d->pages = (int)get_u32(&r);
		if (d->pages < 0 || d->pages > 10000000)
			return -1;
		s = get_str(&r, lim->max_text, &len);
		if (r.bad || memchr(s, '\0', len) != NULL || utf8_invalid_offset(s, len) != len)
			return -1;
		if ((d->body = malloc(len + 1)) == NULL)
			return -1;
		memcpy(d->body, s, len);
		d->body[len] = '\0';
		d->body_len = len;
		d->hash = res->hash;
	} else if (res->outcome == EXTRACT_UNCHANGED) {
		s = get_str(&r, sizeof(res->reason) - 1, &len);
	} else if (res->outcome == EXTRACT_SKIPPED || res->outcome == EXTRACT_UNREADABLE) {
		s = get_str(&r, sizeof(res->reason) - 1, &len);
		if (r.bad)
			return -1;
		/* It is printed: printable ASCII and UTF-8 only. */
		for (i = 0; i < len; i++)
			res->reason[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
		res->reason[len] = '\0';
		if (utf8_invalid_offset(res->reason, len) != len)
			snprintf(res->reason, sizeof(res->reason), "extractor gave a reason that is not UTF-8");
	} else {
		return -1;
	}
	return r.bad || r.left != 0 ? -1 : 0;
}

/* Reads what a worker has sent; completes its job when a whole answer is in. */
static void
read_answer(extractors_t *x, struct worker *w)
{
	for (;;) {
		ssize_t got;

		if (w->have < sizeof(w->head)) {
			got = read(w->from_fd, w->head + w->have, sizeof(w->head) - w->have);
		} else {
			got = read(w->from_fd, w->payload + (w->have - sizeof(w->head)),
				   w->need - (w->have - sizeof(w->head)));
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (got <= 0) {
			lose_worker(x, w, 1, NULL);	/* died: its wait status says how */
			return;
		}
		w->have += (size_t)got;
		if (w->have == sizeof(w->head)) {
			uint32_t magic, len;

			memcpy(&magic, w->head, 4);
			memcpy(&len, w->head + 4, 4);
			if (magic != ANSWER_MAGIC || len == 0 || len > x->lim.max_text + ANSWER_OVERHEAD ||
			    (w->payload = malloc(len)) == NULL) {
				lose_worker(x, w, 1, "extractor sent a malformed answer");
				return;
			}
			w->need = len;
		}
		if (w->have > sizeof(w->head) && w->have - sizeof(w->head) == w->need) {
			struct slot *s = w->slot[0];
			int i;

			memset(&s->res, 0, sizeof(s->res));
			if (parse_answer(&x->lim, w->payload, w->need, &s->res) != 0) {
				doc_clear(&s->res.doc);
				lose_worker(x, w, 1, "extractor sent a malformed answer");
				return;
			}
			free(w->payload);
			w->payload = NULL;
			w->have = w->need = 0;
			for (i = 1; i < w->inflight; i++)
				w->slot[i - 1] = w->slot[i];
			/* The next job starts now, and its clock with it. */
			if (--w->inflight > 0)
				w->deadline = now_s() + x->lim.timeout_s;
			finish_slot(x, s, s->res.outcome, NULL);
			return;
		}
	}
}

/* Sends the next queued job to each idle worker, starting workers as needed. */
static irs_code
dispatch(extractors_t *x, irs_error *e)
{
	size_t i = 0;
	int k;

	for (k = 0; k < x->nworkers * WORKER_DEPTH; k++) {
		/* Every worker gets a first job before any gets a second. */
		struct worker *w = &x->workers[k % x->nworkers];
		struct slot *s = NULL;
		irs_code rc;

		if (w->inflight > k / x->nworkers)
			continue;
		while (i < x->count && s == NULL) {
			if (slot_at(x, i)->state == SLOT_QUEUED)
				s = slot_at(x, i);
			i++;
		}
		if (s == NULL)
			return IRS_OK;
		if (w->pid == 0 && (rc = spawn(x, w, e)) != IRS_OK)
			return rc;
		begin_frame(&x->req, REQUEST_MAGIC);
		put_u64(&x->req, (uint64_t)s->job.size);
		put_u64(&x->req, (uint64_t)s->job.mtime_ns);
		put_u8(&x->req, (uint8_t)s->job.compare_hash);
		put_u64(&x->req, s->job.old_hash);
		put_cstr(&x->req, s->job.path);
		if (end_frame(&x->req) != 0)
			return irs_fail(e, IRS_INTERNAL, "out of memory");
		s->state = SLOT_RUNNING;
		w->slot[w->inflight++] = s;
		if (w->inflight == 1)
			w->deadline = now_s() + x->lim.timeout_s;
		/* A worker's requests fit its pipe (REQUEST_MAX): this write does not wait. */
		if (write_all(w->to_fd, x->req.data, x->req.len) != 0)
			lose_worker(x, w, 1, NULL);
	}
	return IRS_OK;
}

/* Hands done jobs at the head of the ring to the caller, in order. */
static void
deliver(extractors_t *x)
{
	while (x->count > 0 && slot_at(x, 0)->state == SLOT_DONE) {
		struct slot *s = slot_at(x, 0);

		if (s->res.outcome == EXTRACT_DOC && s->res.doc.path == NULL)
			s->res.doc.path = strdup(s->job.path);
		if (s->res.outcome == EXTRACT_DOC && s->res.doc.path == NULL)
			skipped(&s->res, "out of memory");
		x->held_bytes -= s->res.doc.body_len;
		x->done(x->ud, &s->job, &s->res);
		doc_clear(&s->res.doc);
		free((char *)s->job.path);
		memset(s, 0, sizeof(*s));
		x->first = (x->first + 1) % x->cap;
		x->count--;
	}
}

/*
 * Reads the answers there are, waiting for one (or a deadline) when block
 * is set; kills workers past their deadline.
 */
static void
wait_once(extractors_t *x, int block)
{
	struct pollfd fds[IRS_MAX_EXTRACT_WORKERS];
	int idx[IRS_MAX_EXTRACT_WORKERS];
	double now = now_s(), next = now + 3600;
	int k, n = 0, rc;

	for (k = 0; k < x->nworkers; k++) {
		struct worker *w = &x->workers[k];

		if (w->inflight == 0)
			continue;
		if (w->deadline <= now) {
			char why[64];

			snprintf(why, sizeof(why), "timed out after %d s", x->lim.timeout_s);
			lose_worker(x, w, 1, why);
			continue;
		}
		if (w->deadline < next)
			next = w->deadline;
		fds[n].fd = w->from_fd;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		idx[n++] = k;
	}
	if (n == 0)
		return;
	rc = poll(fds, (nfds_t)n, block ? (int)((next - now) * 1000) + 1 : 0);
	for (k = 0; rc > 0 && k < n; k++)
		if (fds[k].revents != 0 && x->workers[idx[k]].inflight > 0)
			read_answer(x, &x->workers[idx[k]]);
}

/*
 * Moves things along: read the answers already there, dispatch, deliver,
 * and with block, wait for one event.  Reading first matters: a worker gets
 * its next job only once its answer is read, and irindex would otherwise
 * read answers only when the window is full, leaving workers idle while it
 * walks and stores (on Debian's documentation, -j 2 ran no faster than -j 1).
 */
static irs_code
pump(extractors_t *x, int block, irs_error *e)
{
	irs_code rc;

	wait_once(x, 0);
	if ((rc = dispatch(x, e)) != IRS_OK)
		return rc;
	deliver(x);
	if (block && x->count > 0) {
		wait_once(x, 1);
		if ((rc = dispatch(x, e)) != IRS_OK)
			return rc;
		deliver(x);
	}
	return IRS_OK;
}

irs_code
extractors_submit(extractors_t *x, const extract_job *job, irs_error *e)
{
	struct slot *s;
	irs_code rc;

	if (x->nworkers == 0) {
		extract_result res;
		extract_job copy = *job;

		run_job(x->det, &x->lim, NULL, job, &res);
		if (res.outcome == EXTRACT_DOC && (res.doc.path = strdup(job->path)) == NULL) {
			doc_clear(&res.doc);
			skipped(&res, "out of memory");
		}
		x->done(x->ud, &copy, &res);
		doc_clear(&res.doc);
		return IRS_OK;
	}
	while (x->count == x->cap || x->held_bytes > (size_t)IRS_EXTRACT_WINDOW_BYTES)
		if ((rc = pump(x, 1, e)) != IRS_OK)
			return rc;
	s = slot_at(x, x->count);
	memset(s, 0, sizeof(*s));
	s->job = *job;
	if ((s->job.path = strdup(job->path)) == NULL)
		return irs_fail(e, IRS_INTERNAL, "out of memory");
	s->state = SLOT_QUEUED;
	x->count++;
	return pump(x, 0, e);
}

irs_code
extractors_wait(extractors_t *x, irs_error *e)
{
	irs_code rc = IRS_OK;

	while (x->count > 0 && rc == IRS_OK)
		rc = pump(x, 1, e);
	return rc;
}

irs_code
extractors_finish(extractors_t *x, irs_error *e)
{
	irs_code rc = extractors_wait(x, e);
	int k;

	if (rc != IRS_OK)
		return rc;
	/* Closing the request pipes tells the workers to exit. */
	for (k = 0; k < x->nworkers; k++) {
		struct worker *w = &x->workers[k];
		int status = 0;

		if (w->pid == 0)
			continue;
		close(w->to_fd);
		w->to_fd = -1;
		if (!wait_readable(w->from_fd, EXIT_TIMEOUT_S))
			kill(w->pid, SIGKILL);
		end_worker(w, 0, &status);
		if (rc == IRS_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			char why[128];

			describe_exit(status, why, sizeof(why));
			rc = irs_fail(e, IRS_INTERNAL, "%s at the end of the run", why);
		}
	}
	return rc;
}

void
extractors_free(extractors_t *x)
{
	size_t i;
	int k;

	if (x == NULL)
		return;
	for (k = 0; x->workers != NULL && k < x->nworkers; k++)
		end_worker(&x->workers[k], 1, NULL);
	for (i = 0; x->ring != NULL && i < x->count; i++) {
		struct slot *s = slot_at(x, i);

		doc_clear(&s->res.doc);
		free((char *)s->job.path);
	}
	free(x->workers);
	free(x->ring);
	growbuf_free(&x->req);
	detect_free(x->det);
	free(x);
}
