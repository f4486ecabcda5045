#!/bin/sh
# Least privilege of the extraction workers (docs/SECURITY.md, "Least
# privilege").  While it parses, a worker holds /dev/null on 0, 1 and 2, its
# request and answer pipes and the one file it parses: nothing of irindex's
# (the database, its WAL and shared memory, the lock, the log, a descriptor
# irindex inherited without close-on-exec, irindex's stdin), even when a
# crash made irindex start it mid-run and after every parser has run in it.
# It runs with no_new_privs and a seccomp filter, cannot change any file,
# and cannot open a socket, start a program, or take irindex's descriptors
# or memory; where the kernel has Landlock, it cannot signal irindex either.
#
# Uses the test-only switch IRSEARCH_TEST_EXTRACT_FAULT: "hang" (the worker
# hangs holding its file, and this script reads /proc/PID/fd), "segv", and
# "write" and "reach" (the worker tries each call an exploited parser would,
# and reports how each one failed as the file's skip reason).
. "$(dirname "$0")/lib.sh"

MKDOC=$IRS_BIN/tests/mkdoc
[ -x "$MKDOC" ] || { echo "Bail out! no $MKDOC (run make tests)"; exit 2; }
[ -d /proc/self/fd ] || skip_all "no /proc to read a worker's descriptors from"

plan 34

# A sanitizer build's worker keeps a copy of irindex's stderr for its reports.
sanitized=
grep -qa __asan_init "$IRINDEX" && sanitized=1

# workers_of PID: the extraction workers of irindex PID, a pid a line.
workers_of() {
	{ cat /proc/"$1"/task/*/children 2>/dev/null || pgrep -P "$1"; } | tr ' ' '\n' | while read -r _c; do
		[ -n "$_c" ] && tr '\0' ' ' <"/proc/$_c/cmdline" 2>/dev/null | grep -q -- ' --extract-worker ' &&
			echo "$_c"
	done
}

# fds_of PID: "FD TARGET" for each descriptor PID holds, by number; pipes as "pipe".
fds_of() {
	for _f in /proc/"$1"/fd/*; do
		_t=$(readlink "$_f" 2>/dev/null) || continue
		case $_t in pipe:*) _t=pipe ;; esac
		printf '%s %s\n' "${_f##*/}" "$_t"
	done | sort -n
}

# worker_fds WORKER IRINDEX: fds_of WORKER, less the copy of irindex's stderr
# (on 10 or above) that a sanitizer build keeps.
worker_fds() {
	_report=
	[ -n "$sanitized" ] && _report=$(readlink "/proc/$2/fd/2")
	fds_of "$1" | while read -r _n _t; do
		[ -n "$_report" ] && [ "$_n" -ge 10 ] && [ "$_t" = "$_report" ] && continue
		printf '%s %s\n' "$_n" "$_t"
	done
}

# hung_worker PID FILE: waits (60 s at most) for a worker of irindex PID to
# hold FILE open, and prints its pid.
hung_worker() {
	_i=0
	while [ "$_i" -lt 600 ]; do
		for _w in $(workers_of "$1"); do
			if fds_of "$_w" | grep -qxF "5 $2"; then
				echo "$_w"
				return 0
			fi
		done
		_irs_running "$1" || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# What a worker holds: idle, and while it parses FILE.
idle='0 /dev/null
1 /dev/null
2 /dev/null
3 pipe
4 pipe'

real=$(cd "$tmp" && pwd -P)	# irindex and /proc name files by their real path
docs=$real/docs
mkdir -p "$docs/a" "$docs/z/y/x"
"$IRS_SRC/tests/fixtures/make-fixtures" "$MKDOC" "$docs/b" || { echo "Bail out! make-fixtures failed"; exit 2; }
printf '# Crash\n\nThe first worker dies on this report.\n' >"$docs/a/crash.md"
printf '# Hang\n\nThe last report, which a worker hangs on.\n' >"$docs/z/y/x/zz-hang.md"
hang=$docs/z/y/x/zz-hang.md
echo "not for workers" >"$real/secret"

# One worker: it crashes on the first file; its replacement, started while
# irindex writes the index, runs every parser (PDF, DOCX, ODT, EPUB, HTML,
# texts in five encodings) and hangs on the last file.
db=$real/one.db
IRSEARCH_TEST_EXTRACT_FAULT=segv:/a/crash.md,hang:zz-hang.md "$IRINDEX" --db "$db" --log "$real/one.log" \
	-j 1 --timeout 300 "$docs" <"$real/secret" 9<"$real/secret" >"$real/one.out" 2>"$real/one.err" &
pid=$!
kill_on_exit "$pid"
w=$(hung_worker "$pid" "$hang")
ok "irindex -j 1 reaches the last file, and a worker hangs holding it" test -n "$w"
like "$(cat "$real/one.err")" "/a/crash\\.md: skipped: extractor killed by SIGSEGV$" \
	"...a replacement for the worker that crashed on the first file"
parent=$(fds_of "$pid")
like "$parent" "^[0-9]+ $db\$" "meanwhile irindex holds the database"
like "$parent" "^[0-9]+ $db-wal\$" "...its WAL"
like "$parent" "^[0-9]+ $db-shm\$" "...its shared memory"
like "$parent" "^[0-9]+ $db[^ ]*lock\$" "...the lock"
like "$parent" "^[0-9]+ $real/one\\.log\$" "...the log"
like "$parent" "^0 $real/secret\$" "...a file on its stdin"
like "$parent" "^9 $real/secret\$" "...and the same file on descriptor 9, inherited without close-on-exec"
if [ -n "$w" ]; then
	is "$(worker_fds "$w" "$pid")" "$idle
5 $hang" "the worker holds /dev/null on 0-2, its two pipes and the file it parses, nothing else"
	st=$(cat "/proc/$w/status")
	like "$st" "^NoNewPrivs:[[:space:]]+1$" "...runs with no_new_privs"
	like "$st" "^Seccomp:[[:space:]]+2$" "...and a seccomp filter"
else
	skip 3 "no hung worker to look at"
	diag_file "irindex's stderr" "$real/one.err"
fi
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
_i=0
while [ -n "$w" ] && _irs_running "$w" && [ "$_i" -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
# Dead, or a zombie (when nothing reaps orphans here, as in some containers).
gone() { [ -n "$1" ] && ! _irs_running "$1"; }
ok "killing irindex ends the hung worker too" gone "$w"

# Three workers: each holds its own two pipes and no other worker's.
IRSEARCH_TEST_EXTRACT_FAULT=hang:zz-hang.md "$IRINDEX" --db "$real/three.db" -j 3 --timeout 300 "$docs" \
	>"$real/three.out" 2>"$real/three.err" &
pid=$!
kill_on_exit "$pid"
w=$(hung_worker "$pid" "$hang")
ok "irindex -j 3: a worker hangs holding the last file" test -n "$w"
# The others finish their files and wait for more.
_i=0
while [ "$_i" -lt 100 ]; do
	state=ok
	for x in $(workers_of "$pid"); do
		[ "$x" = "$w" ] && continue
		[ "$(worker_fds "$x" "$pid")" = "$idle" ] || state=busy
	done
	[ "$state" = ok ] && break
	sleep 0.1
	_i=$((_i + 1))
done
ws=$(workers_of "$pid")
is "$(printf '%s\n' "$ws" | grep -c .)" 3 "...three workers run"
views=
for x in $ws; do
	if [ "$x" = "$w" ]; then
		[ "$(worker_fds "$x" "$pid")" = "$idle
5 $hang" ] || views="$views $x:$(worker_fds "$x" "$pid" | tr '\n' ' ')"
	else
		[ "$(worker_fds "$x" "$pid")" = "$idle" ] || views="$views $x:$(worker_fds "$x" "$pid" | tr '\n' ' ')"
	fi
done
is "$views" "" "...the two idle ones hold /dev/null on 0-2 and two pipes, the hung one its file besides"
pipes=$(for x in $ws; do readlink "/proc/$x/fd/3" "/proc/$x/fd/4"; done)
is "$(printf '%s\n' "$pipes" | grep -c '^pipe:')" 6 "...two pipes each"
is "$(printf '%s\n' "$pipes" | sort | uniq -d)" "" "...no pipe held by two workers"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# An exploited parser's attempts, made by the worker on the file it holds.
p=$real/probe
mkdir -p "$p"
printf '# Write\n\nThe report the worker tries to change.\n' >"$p/probe-write.md"
printf '# Reach\n\nThe report the worker tries to leave from.\n' >"$p/probe-reach.md"
printf '# Keep\n\nAn ordinary report.\n' >"$p/keep.md"
touch -d '2020-02-02 02:02:02' "$p/probe-write.md"
cp -p "$p/probe-write.md" "$real/probe-write.copy"
before=$(stat -c '%a %s %Y %i' "$p/probe-write.md")
IRSEARCH_TEST_EXTRACT_FAULT=write:probe-write,reach:probe-reach run "$IRINDEX" --db "$real/probe.db" -j 2 "$p"
status_is 0 "the probes' run exits 0"
like "$out" "^irindex: 1 added, " "...and indexes the ordinary report"
like "$out" " 2 skipped \\([0-9]+ [^)]*\\), 0 failed" "...and its summary counts the long skip reasons in brackets"
skipline() { grep -F "irindex: $p/$1: skipped: " "$tmp/err" | sed 's/.*: skipped: //'; }
wr=$(skipline probe-write.md)
like "$wr" "^write probe: create EROFS, write EROFS, trunc EROFS, " \
	"a worker cannot create a file, nor open one to write or truncate it (EROFS: the seccomp filter's flag checks)"
like "$wr" ", openat2 ENOSYS, " "...nor call openat2, whose flags a filter cannot see (ENOSYS)"
like "$wr" ", unlink EROFS, rename EROFS, mkdir EROFS, link EROFS, symlink EROFS, mkfifo EROFS, " \
	"...nor remove, rename, link or make a name"
like "$wr" ", truncate EROFS, chmod EROFS, utimes EROFS, xattr EROFS$" \
	"...nor truncate a file, or change its mode, times or extended attributes"
ok "...the file it held has its bytes" cmp -s "$p/probe-write.md" "$real/probe-write.copy"
is "$(stat -c '%a %s %Y %i' "$p/probe-write.md")" "$before" "...its mode, size, mtime and inode"
is "$(ls -A "$p" | tr '\n' ' ')" "keep.md probe-reach.md probe-write.md " "...and its folder holds nothing new"

re=$(skipline probe-reach.md)
like "$re" "^reach probe: inet EACCES, unix EACCES, " "a worker cannot open a socket, Internet or Unix (EACCES)"
like "$re" ", exec EACCES, " "...nor start a program"
like "$re" ", io_uring EACCES, " "...nor set up io_uring, which would open sockets and files past the filter"
like "$re" ", getfd EACCES, vmread EACCES, " "...nor take irindex's descriptors or read its memory"
# Landlock's ABI, as the worker asks it (landlock_create_ruleset is 444 on every
# architecture with the common syscall table); 0 without Landlock.
abi=$(perl -e 'my $v = syscall(444, 0, 0, 1); print $v > 0 ? $v : 0' 2>/dev/null)
abi=${abi:-0}
if [ "$abi" -ge 6 ]; then
	like "$re" ", signal EPERM, " "Landlock (ABI $abi): a worker cannot signal irindex"
else
	skip 1 "Landlock ABI $abi: no signal scoping (ABI 6) on this kernel"
fi
if [ "$abi" -ge 5 ]; then
	like "$re" ", ioctl EACCES\$" "...and Landlock's filesystem rules hold in it: no ioctl on a device it opens"
else
	skip 1 "Landlock ABI $abi: no device ioctl rule (ABI 5) on this kernel"
fi
done_testing
