#!/bin/sh
# Interrupted system calls: a stopped and continued process sees EINTR from
# the calls it was blocked in (epoll_wait, accept, read, write, poll,
# waitpid, flock...) without any handler of its own.  irsearchd stopped and
# continued over and over under the load of 16 clients answers every
# request, and the same; irindex stopped and continued during a run with
# extraction workers finishes it, and its index answers.
. "$(dirname "$0")/lib.sh"
daemon_require

plan 6

# stop_and_continue PID N: N stops and continues, 50 ms apart.
stop_and_continue() {
	_sc_i=0
	while [ "$_sc_i" -lt "$2" ] && kill -STOP "$1" 2>/dev/null; do
		sleep 0.05
		kill -CONT "$1" 2>/dev/null
		sleep 0.05
		_sc_i=$((_sc_i + 1))
	done
	kill -CONT "$1" 2>/dev/null
	return 0
}

daemon_corpus
run as_daemon_user "$IRINDEX" --db "$db" "$srv/corpus"
status_is 0 "irindex indexes the corpus"

daemon_start "$sock" --db "$db"
is $? 0 "the daemon starts"
cat >"$tmp/load.req" <<'EOF'
{"op":"search","q":"Astana Declaration","limit":10,"cache":false}
{"op":"search","q":"water OR energy","limit":10,"cache":false}
{"op":"search","q":"glacier*","limit":10}
{"op":"ping"}
{"op":"doc","id":1}
EOF
"$SOCKCLIENT" "$sock" --clients 16 --rounds 20 --timeout 60000 <"$tmp/load.req" >"$tmp/load.out" 2>"$tmp/load.err" &
load=$!
stop_and_continue "$daemon_pid" 40
wait "$load"
is "$?" 0 "16 clients x 100 requests while the daemon is stopped and continued 40 times: every answer ok and the same"
[ -s "$tmp/load.err" ] && diag_file "  sockclient said" "$tmp/load.err"
daemon_stop
is "$?" 0 "...and the daemon then exits 0 on SIGTERM"

# irindex, its walk, its workers' pipes and waitpid, interrupted.
mkdir -p "$tmp/more"
i=0
while [ "$i" -lt 300 ]; do
	printf 'Report %d\n\nThe qzbasin commission met on water sharing, round %d.\n' "$i" "$i" >"$tmp/more/r$i.md"
	i=$((i + 1))
done
cp -R "$IRS_SRC/corpus" "$tmp/more/corpus"
"$IRINDEX" --db "$tmp/more.db" -j 2 "$tmp/more" >"$tmp/idx.out" 2>"$tmp/idx.err" &
idx=$!
stop_and_continue "$idx" 30
wait "$idx"
is "$?" 0 "irindex stopped and continued 30 times during a run finishes it (exit 0)"
run "$IRSEARCH" --direct --db "$tmp/more.db" --json qzbasin
is "$(printf '%s' "$out" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')" 300 "...and its index holds every report"
